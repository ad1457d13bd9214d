// The activation letter: what a resident takes home after the first conversation — login
// name, activation code and its expiry, the app's address with a QR code to it, what to do
// first. In the resident's language; printed on A4 (css/console.css, @media print). The code
// is only known right after it was made (kept in memory, ../memory.js): after a reload the
// page offers a new code instead.

import { html, useState } from '../../../common/ui.js';
import qrcode from '../../../vendor/qrcode-generator-2.0.4/qrcode.mjs';
import * as api from '../api.js';
import { t, formatTime, lang } from '../i18n.js';
import { activations } from '../memory.js';
import { ScreenTitle, Button, Link, Loading, NotFound, useLoad, messageOf } from '../parts.js';

/** A QR code as SVG (one path, no script, no canvas). @param {{ text: string, label: string }} props */
export function QrCode({ text, label }) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  let d = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
  return html`<svg class="svs-qr" viewBox=${`0 0 ${n + 8} ${n + 8}`} role="img" aria-label=${label} xmlns="http://www.w3.org/2000/svg">
    <rect width=${n + 8} height=${n + 8} fill="#fff" />
    <path d=${d} fill="#000" shape-rendering="crispEdges" />
  </svg>`;
}

/** @param {{ id: string }} props */
export function Letter({ id }) {
  const r = useLoad(() => api.resident(id), [id]);
  const [code, setCode] = useState(activations.get(id) ?? null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  if (r.missing) return html`<${NotFound} />`;
  if (r.error) return html`<p class="utrecht-paragraph svs-error" role="alert">${r.error}</p>`;
  if (!r.data) return html`<${Loading} />`;
  const res = r.data;
  const L = res.language;
  const app = `${location.origin}/app/`;

  async function newCode() {
    setBusy(true);
    try {
      const a = await api.newActivationCode(id);
      activations.set(id, a);
      setCode(a);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="svs-screen" data-screen="letter">
    <div class="svs-no-print">
      <${ScreenTitle}>${t('letter.title', { name: res.display_name })}<//>
      <p class="utrecht-paragraph">${code ? t('letter.intro') : t('letter.no_code')}</p>
      ${problem && html`<p class="utrecht-paragraph svs-error" role="alert">${problem}</p>`}
      <div class="svs-actions svs-actions--row">
        ${code && html`<${Button} kind="primary" onClick=${() => window.print()}>${t('letter.print')}<//>`}
        ${!code && html`<${Button} kind="primary" onClick=${newCode} busy=${busy}>${t('resident.new_code')}<//>`}
        ${res.plan_id
          ? html`<${Link} class="utrecht-button utrecht-button--secondary-action svs-button" href=${`/console/plans/${res.plan_id}`}>${t('resident.plan')}<//>`
          : html`<${Link} class="utrecht-button utrecht-button--secondary-action svs-button" href=${`/console/residents/${id}/driegesprek`}>${t('resident.driegesprek')}<//>`}
      </div>
      ${L !== lang() && html`<p class="utrecht-paragraph svs-quiet">${t('letter.language', { language: L === 'en' ? 'English' : 'Nederlands' })}</p>`}
    </div>
    ${code &&
    html`<article class="svs-letter" lang=${L} aria-label=${t('letter.sheet')}>
      <p class="svs-letter__from">${t('letter.from', {}, L)}</p>
      <h2 class="utrecht-heading-2">${t('letter.heading', {}, L)}</h2>
      <p class="utrecht-paragraph">${t('letter.dear', { name: res.display_name }, L)}</p>
      <p class="utrecht-paragraph">${t('letter.body', {}, L)}</p>
      <div class="svs-letter__grid">
        <dl class="svs-letter__codes">
          <div><dt>${t('letter.login', {}, L)}</dt><dd class="svs-code" data-login>${code.login_name}</dd></div>
          <div><dt>${t('letter.code', {}, L)}</dt><dd class="svs-code svs-code--big" data-code>${code.activation_code}</dd></div>
          <div><dt>${t('letter.expires', {}, L)}</dt><dd>${formatTime(code.expires_at, L)}</dd></div>
          <div><dt>${t('letter.address', {}, L)}</dt><dd class="svs-letter__url">${app}</dd></div>
        </dl>
        <figure class="svs-letter__qr">
          <${QrCode} text=${app} label=${t('letter.qr', { url: app }, L)} />
          <figcaption>${t('letter.qr.caption', {}, L)}</figcaption>
        </figure>
      </div>
      <h3 class="utrecht-heading-3">${t('letter.first', {}, L)}</h3>
      <ol class="svs-letter__steps">
        <li>${t('letter.step1', {}, L)}</li>
        <li>${t('letter.step2', {}, L)}</li>
        <li>${t('letter.step3', {}, L)}</li>
        <li>${t('letter.step4', {}, L)}</li>
      </ol>
      <p class="utrecht-paragraph">${t('letter.help', {}, L)}</p>
      <p class="utrecht-paragraph svs-letter__keep">${t('letter.keep', {}, L)}</p>
    </article>`}
  </section>`;
}
