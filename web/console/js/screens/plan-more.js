// The lower half of the plan page: documents to accept or reject, the mood and working-alliance
// trend (a small SVG chart readable without colour, with the numbers in a table), the timeline,
// reminders sent and pending, and the handover download (PDF or zip).

import { html, useState } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, formatTime } from '../i18n.js';
import { Button, Field, Loading, useLoad, saveFile, messageOf } from '../parts.js';

/** @typedef {import('../api.js').Plan} Plan */
/** @typedef {import('../api.js').Step} Step */

/** @param {Step[]} steps @param {string | null | undefined} id */
const titleOf = (steps, id) => steps.find((s) => s.id === id)?.title ?? '';

/** @param {{ plan: Plan, tick: number, onChanged: (t: string) => Promise<void>, onFailed: (e: unknown) => Promise<void> }} props */
export function Documents({ plan, tick, onChanged, onFailed }) {
  const list = useLoad(() => api.documents(plan.id), [plan.id, tick]);
  return html`<section class="svs-panel" aria-labelledby="documents">
    <h2 class="utrecht-heading-2" id="documents">${t('plan.documents')}</h2>
    ${list.error && html`<p class="utrecht-paragraph svs-error">${list.error}</p>`}
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data && list.data.length === 0 && html`<p class="utrecht-paragraph">${t('docs.none')}</p>`}
    <ul class="svs-list">
      ${(list.data ?? []).map((d) => html`<${DocRow} key=${d.id} doc=${d} title=${titleOf(plan.steps, d.step_id)} onChanged=${onChanged} onFailed=${onFailed} />`)}
    </ul>
  </section>`;
}

/** @param {{ doc: import('../api.js').Document, title: string, onChanged: (t: string) => Promise<void>, onFailed: (e: unknown) => Promise<void> }} props */
function DocRow({ doc, title, onChanged, onFailed }) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  /** @param {() => Promise<unknown>} fn @param {string} done */
  async function act(fn, done) {
    setBusy(true);
    try {
      await fn();
      await onChanged(done);
    } catch (err) {
      await onFailed(err);
    } finally {
      setBusy(false);
    }
  }
  const kb = Math.max(1, Math.round(doc.size_bytes / 1024));
  return html`<li data-document=${doc.id}>
    <p class="utrecht-paragraph"><strong>${title}</strong> · ${doc.media_type} · ${kb} KB · ${formatTime(doc.created_at)}</p>
    <p class="utrecht-paragraph">${t(`review.${doc.review}`)}${doc.review_reason ? `: “${doc.review_reason}”` : ''}</p>
    <div class="svs-actions svs-actions--row">
      <${Button} kind="subtle" onClick=${() => api.documentFile(doc.id).then(saveFile, onFailed)}>${t('docs.open')}<//>
      ${doc.review === 'pending' && html`<${Button} onClick=${() => act(() => api.acceptDocument(doc.id), t('docs.accepted'))} busy=${busy}>${t('docs.accept')}<//>`}
      ${doc.review === 'pending' && html`<${Button} kind="subtle" onClick=${() => setRejecting(!rejecting)}>${t('docs.reject')}<//>`}
    </div>
    ${rejecting &&
    html`<${Field} label=${t('docs.reason')} id=${`rej-${doc.id}`} hint=${t('docs.reason.hint')}>
        <textarea class="utrecht-textarea utrecht-textarea--html-input" id=${`rej-${doc.id}`} aria-describedby=${`rej-${doc.id}-hint`} rows="2" value=${reason}
          onInput=${(/** @type {Event} */ e) => setReason(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea>
      <//>
      <${Button} kind="primary" onClick=${() => reason.trim() && act(() => api.rejectDocument(doc.id, reason.trim()), t('docs.rejected'))} busy=${busy}>${t('docs.reject')}<//>`}
  </li>`;
}

/** @param {{ planId: string }} props */
export function PulseChart({ planId }) {
  const p = useLoad(() => api.pulse(planId), [planId]);
  return html`<section class="svs-panel" aria-labelledby="pulse">
    <h2 class="utrecht-heading-2" id="pulse">${t('plan.pulse')}</h2>
    <p class="utrecht-paragraph svs-quiet">${t('pulse.intro')}</p>
    ${p.error && html`<p class="utrecht-paragraph svs-error">${p.error}</p>`}
    ${!p.data && !p.error && html`<${Loading} />`}
    ${p.data && (p.data.mood.length || p.data.alliance.length ? html`<${Chart} mood=${p.data.mood} alliance=${p.data.alliance} />` : html`<p class="utrecht-paragraph">${t('pulse.none')}</p>`)}
  </section>`;
}

/**
 * Two series on a 1–5 scale: mood per week (solid line, round dots), alliance per month (dashed
 * line, squares). Shapes and line styles tell them apart, not colour; a table beside it holds the numbers.
 * @param {{ mood: import('../api.js').Schemas['TrendPoint'][], alliance: import('../api.js').Schemas['TrendPoint'][] }} props
 */
function Chart({ mood, alliance }) {
  const W = 420;
  const H = 160;
  const pad = { l: 28, r: 10, t: 10, b: 24 };
  const n = Math.max(mood.length, alliance.length, 2);
  const x = (/** @type {number} */ i, /** @type {number} */ len) => pad.l + (len <= 1 ? 0 : (i * (W - pad.l - pad.r)) / (len - 1));
  const y = (/** @type {number} */ v) => pad.t + ((5 - v) * (H - pad.t - pad.b)) / 4;
  const line = (/** @type {{ average: number }[]} */ pts) => pts.map((p, i) => `${i ? 'L' : 'M'}${x(i, pts.length).toFixed(1)} ${y(p.average).toFixed(1)}`).join(' ');
  return html`<div class="svs-chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby="pulse-desc" class="svs-chart__svg">
      <title id="pulse-desc">${t('pulse.desc', { mood: mood.at(-1)?.average.toFixed(1) ?? '–', alliance: alliance.at(-1)?.average.toFixed(1) ?? '–' })}</title>
      ${[1, 2, 3, 4, 5].map((v) => html`<g><line x1=${pad.l} x2=${W - pad.r} y1=${y(v)} y2=${y(v)} class="svs-chart__grid" /><text x=${pad.l - 8} y=${y(v) + 4} class="svs-chart__label" text-anchor="end">${v}</text></g>`)}
      <path d=${line(mood)} class="svs-chart__mood" />
      ${mood.map((p, i) => html`<circle cx=${x(i, mood.length)} cy=${y(p.average)} r="4" class="svs-chart__dot" />`)}
      <path d=${line(alliance)} class="svs-chart__alliance" />
      ${alliance.map((p, i) => html`<rect x=${x(i, alliance.length) - 4} y=${y(p.average) - 4} width="8" height="8" class="svs-chart__square" />`)}
      <text x=${pad.l} y=${H - 6} class="svs-chart__label">${mood[0]?.period ?? alliance[0]?.period ?? ''}</text>
      <text x=${W - pad.r} y=${H - 6} class="svs-chart__label" text-anchor="end">${mood.at(-1)?.period ?? alliance.at(-1)?.period ?? ''}</text>
    </svg>
    <p class="utrecht-paragraph svs-chart__legend"><span aria-hidden="true">●—</span> ${t('pulse.mood')} · <span aria-hidden="true">■ - -</span> ${t('pulse.alliance')} · ${t('pulse.scale', { n })}</p>
    <table class="utrecht-table svs-table svs-table--small">
      <caption class="utrecht-table__caption">${t('pulse.table')}</caption>
      <thead class="utrecht-table__header"><tr class="utrecht-table__row">
        <th class="utrecht-table__header-cell" scope="col">${t('pulse.period')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('pulse.what')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('pulse.average')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('pulse.answers')}</th>
      </tr></thead>
      <tbody class="utrecht-table__body">
        ${[...mood.map((p) => ({ ...p, what: t('pulse.mood') })), ...alliance.map((p) => ({ ...p, what: t('pulse.alliance') }))].map(
          (p) => html`<tr class="utrecht-table__row"><td class="utrecht-table__cell">${p.period}</td><td class="utrecht-table__cell">${p.what}</td><td class="utrecht-table__cell">${p.average.toFixed(1)}</td><td class="utrecht-table__cell">${p.answers}</td></tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** @param {{ planId: string, steps: Step[], tick: number }} props */
export function Timeline({ planId, steps, tick }) {
  const ev = useLoad(() => api.events(planId), [planId, tick]);
  const items = ev.data ? [...ev.data.items].reverse().slice(0, 40) : [];
  return html`<section class="svs-panel" aria-labelledby="timeline">
    <h2 class="utrecht-heading-2" id="timeline">${t('plan.timeline')}</h2>
    ${ev.error && html`<p class="utrecht-paragraph svs-error">${ev.error}</p>`}
    ${!ev.data && !ev.error && html`<${Loading} />`}
    <ol class="svs-list svs-timeline">
      ${items.map((e) => html`<li key=${e.id}><span class="svs-timeline__when">${formatTime(e.occurred_at)}</span> ${t(`event.${e.kind}`)}${e.step_id ? `: ${titleOf(steps, e.step_id)}` : ''}${e.actor_role ? html` <span class="svs-quiet">(${t(`role.${e.actor_role}`)})</span>` : ''}</li>`)}
    </ol>
  </section>`;
}

/** @param {{ planId: string, steps: Step[], tick: number }} props */
export function Reminders({ planId, steps, tick }) {
  const r = useLoad(() => api.reminders(planId), [planId, tick]);
  return html`<section class="svs-panel" aria-labelledby="reminders">
    <h2 class="utrecht-heading-2" id="reminders">${t('plan.reminders')}</h2>
    ${r.error && html`<p class="utrecht-paragraph svs-error">${r.error}</p>`}
    ${!r.data && !r.error && html`<${Loading} />`}
    ${r.data && r.data.items.length === 0 && html`<p class="utrecht-paragraph">${t('reminders.none')}</p>`}
    <ul class="svs-list">
      ${(r.data?.items ?? []).map((m) => html`<li key=${m.id}>${t(`reminder.${m.kind}`)}${m.step_id ? `: ${titleOf(steps, m.step_id)}` : ''} · <strong>${t(`reminder_state.${m.state}`)}</strong> · ${formatTime(m.sent_at ?? m.next_attempt_at)}</li>`)}
    </ul>
  </section>`;
}

/** @param {{ planId: string }} props */
export function Handover({ planId }) {
  const [busy, setBusy] = useState(/** @type {string | null} */ (null));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  /** @param {'application/pdf' | 'application/zip'} type */
  async function get(type) {
    setBusy(type);
    setProblem(null);
    try {
      saveFile(await api.handover(planId, type));
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(null);
    }
  }
  return html`<section class="svs-panel" aria-labelledby="handover">
    <h2 class="utrecht-heading-2" id="handover">${t('plan.handover')}</h2>
    <p class="utrecht-paragraph">${t('handover.intro')}</p>
    ${problem && html`<p class="utrecht-paragraph svs-error" role="alert">${problem}</p>`}
    <div class="svs-actions svs-actions--row">
      <${Button} onClick=${() => get('application/pdf')} busy=${busy === 'application/pdf'}>${t('handover.pdf')}<//>
      <${Button} onClick=${() => get('application/zip')} busy=${busy === 'application/zip'}>${t('handover.zip')}<//>
    </div>
  </section>`;
}
