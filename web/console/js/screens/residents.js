// Residents: the caseload (GET /v1/residents, a page at a time), registering a resident (which
// leads to the activation letter), and one resident's page (new code, unlock, plan).

import { html, useState } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, formatDay, formatTime } from '../i18n.js';
import { activations } from '../memory.js';
import { ScreenTitle, Field, Button, Link, Loading, NotFound, NoticeBox, useLoad, navigate, messageOf } from '../parts.js';

/** @typedef {import('../api.js').Resident} Resident */

/** @param {{ me: import('../api.js').Me }} props */
export function Residents({ me }) {
  const [pages, setPages] = useState(/** @type {{ items: Resident[], next: string | null } | null} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);
  const first = useLoad(() => api.residents(), []);
  const data = pages ?? (first.data ? { items: first.data.items, next: first.data.next ?? null } : null);

  async function more() {
    if (!data?.next) return;
    setBusy(true);
    try {
      const p = await api.residents({ cursor: data.next });
      setPages({ items: [...data.items, ...p.items], next: p.next ?? null });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="svs-screen" data-screen="residents">
    <div class="svs-titlebar">
      <${ScreenTitle}>${t('residents.title')}<//>
      <${Link} class="utrecht-button utrecht-button--primary-action svs-button" href="/console/residents/new">${t('residents.new')}<//>
    </div>
    ${(first.error || error) && html`<p class="utrecht-paragraph svs-error" role="alert">${first.error ?? error}</p>`}
    ${!data && !first.error && html`<${Loading} />`}
    ${data && data.items.length === 0 && html`<p class="utrecht-paragraph">${t('residents.none')}</p>`}
    ${data &&
    data.items.length > 0 &&
    html`<div class="svs-table-wrap"><table class="utrecht-table svs-table">
      <caption class="utrecht-table__caption svs-visually-hidden">${t('residents.caption', { n: data.items.length })}</caption>
      <thead class="utrecht-table__header"><tr class="utrecht-table__row">
        <th class="utrecht-table__header-cell" scope="col">${t('residents.name')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('residents.account')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('residents.phase')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('residents.signals')}</th>
      </tr></thead>
      <tbody class="utrecht-table__body">
        ${data.items.map((r) => html`<tr class="utrecht-table__row" key=${r.id}>
          <th class="utrecht-table__header-cell" scope="row"><${Link} href=${`/console/residents/${r.id}`}>${r.display_name}<//></th>
          <td class="utrecht-table__cell">${accountState(r)}</td>
          <td class="utrecht-table__cell">${r.plan_id ? (r.days_in_stabilisation != null ? t('residents.day', { n: r.days_in_stabilisation }) : t('residents.has_plan')) : t('residents.no_plan')}</td>
          <td class="utrecht-table__cell">${signals(r)}</td>
        </tr>`)}
      </tbody>
    </table></div>`}
    ${data?.next && html`<${Button} onClick=${more} busy=${busy}>${t('common.more')}<//>`}
    <p class="utrecht-paragraph svs-quiet">${t('residents.teams', { teams: me.teams.map((x) => x.name).join(', ') })}</p>
  </section>`;
}

/** @param {Resident} r */
function accountState(r) {
  if (r.locked_until && Date.parse(r.locked_until) > Date.now()) return t('residents.locked');
  return r.activated ? t('residents.active') : t('residents.not_active');
}

/** @param {Resident} r */
function signals(r) {
  /** @type {string[]} */
  const s = [];
  if (r.crisis_deadline) s.push(t('residents.crisis', { when: formatTime(r.crisis_deadline) }));
  if (r.help_requests) s.push(t('residents.help', { n: r.help_requests }));
  if (r.dropout_risk) s.push(t('residents.risk'));
  if (r.snoozed_steps) s.push(t('residents.snoozed', { n: r.snoozed_steps }));
  if (r.time_box === 'over90' || r.time_box === 'over120') s.push(t(`timebox.${r.time_box}`));
  return s.length ? s.join(' · ') : '–';
}

/** @param {{ me: import('../api.js').Me }} props */
export function NewResident({ me }) {
  const [name, setName] = useState('');
  const [language, setLanguage] = useState(/** @type {'nl' | 'en'} */ ('nl'));
  const [team, setTeam] = useState(me.teams[0]?.id ?? '');
  const [error, setError] = useState(/** @type {string | undefined} */ (undefined));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    setProblem(null);
    if (!name.trim()) {
      setError(t('new.name.missing'));
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const created = await api.createResident({ display_name: name.trim(), language, team_id: team });
      activations.set(created.resident.id, created.activation);
      navigate(`/console/residents/${created.resident.id}/letter`);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="svs-screen" data-screen="new-resident">
    <${ScreenTitle}>${t('new.title')}<//>
    <p class="utrecht-paragraph">${t('new.intro')}</p>
    ${problem && html`<div class="utrecht-alert utrecht-alert--error" role="alert"><p class="utrecht-paragraph">${problem}</p></div>`}
    <form class="utrecht-form svs-form" onSubmit=${submit} noValidate>
      <${Field} label=${t('new.name')} id="new-name" hint=${t('new.name.hint')} error=${error}>
        <input class="utrecht-textbox utrecht-textbox--html-input" id="new-name" autocomplete="off" maxlength="100"
          aria-describedby=${error ? 'new-name-hint new-name-error' : 'new-name-hint'} aria-invalid=${error ? 'true' : undefined}
          value=${name} onInput=${(/** @type {Event} */ e) => setName(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
      <//>
      <${Field} label=${t('new.language')} id="new-language">
        <select class="utrecht-select utrecht-select--html-select" id="new-language" value=${language}
          onChange=${(/** @type {Event} */ e) => setLanguage(/** @type {'nl' | 'en'} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
          <option value="nl">Nederlands</option>
          <option value="en">English</option>
        </select>
      <//>
      ${me.teams.length > 1 &&
      html`<${Field} label=${t('new.team')} id="new-team">
        <select class="utrecht-select utrecht-select--html-select" id="new-team" value=${team}
          onChange=${(/** @type {Event} */ e) => setTeam(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
          ${me.teams.map((x) => html`<option value=${x.id}>${x.name}</option>`)}
        </select>
      <//>`}
      <div class="svs-actions svs-actions--row">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('new.submit')}<//>
        <${Link} class="utrecht-button utrecht-button--secondary-action svs-button" href="/console/residents">${t('common.cancel')}<//>
      </div>
    </form>
  </section>`;
}

/** @param {{ id: string }} props */
export function ResidentPage({ id }) {
  const r = useLoad(() => api.resident(id), [id]);
  const [notice, setNotice] = useState(/** @type {import('../parts.js').Notice | null} */ (null));
  const [busy, setBusy] = useState(/** @type {string | null} */ (null));
  if (r.missing) return html`<${NotFound} />`;
  if (r.error) return html`<p class="utrecht-paragraph svs-error" role="alert">${r.error}</p>`;
  if (!r.data) return html`<${Loading} />`;
  const res = r.data;

  async function newCode() {
    setBusy('code');
    try {
      activations.set(id, await api.newActivationCode(id));
      navigate(`/console/residents/${id}/letter`);
    } catch (err) {
      setNotice({ text: messageOf(err), kind: 'error' });
      setBusy(null);
    }
  }
  async function unlock() {
    setBusy('unlock');
    try {
      await api.unlockResident(id);
      setNotice({ text: t('resident.unlocked') });
      r.reload();
    } catch (err) {
      setNotice({ text: messageOf(err), kind: 'error' });
    } finally {
      setBusy(null);
    }
  }
  const locked = res.locked_until && Date.parse(res.locked_until) > Date.now();
  return html`<section class="svs-screen" data-screen="resident">
    <${ScreenTitle}>${res.display_name}<//>
    <${NoticeBox} notice=${notice} />
    <dl class="svs-facts">
      <div><dt>${t('resident.login')}</dt><dd>${res.login_name ?? '–'}</dd></div>
      <div><dt>${t('residents.account')}</dt><dd>${accountState(res)}${res.failed_logins ? ` · ${t('resident.failed', { n: res.failed_logins })}` : ''}</dd></div>
      ${!res.activated && res.activation_code_expires_at && html`<div><dt>${t('resident.code_until')}</dt><dd>${formatTime(res.activation_code_expires_at)}</dd></div>`}
      <div><dt>${t('resident.since')}</dt><dd>${formatDay(res.created_at.slice(0, 10))}</dd></div>
      ${res.last_activity_at && html`<div><dt>${t('resident.last_activity')}</dt><dd>${formatTime(res.last_activity_at)}</dd></div>`}
    </dl>
    <div class="svs-actions svs-actions--row">
      ${res.plan_id
        ? html`<${Link} class="utrecht-button utrecht-button--primary-action svs-button" href=${`/console/plans/${res.plan_id}`}>${t('resident.plan')}<//>`
        : html`<${Link} class="utrecht-button utrecht-button--primary-action svs-button" href=${`/console/residents/${id}/driegesprek`}>${t('resident.driegesprek')}<//>`}
      <${Button} onClick=${newCode} busy=${busy === 'code'}>${t('resident.new_code')}<//>
      ${(locked || res.failed_logins > 0) && html`<${Button} onClick=${unlock} busy=${busy === 'unlock'}>${t('resident.unlock')}<//>`}
    </div>
    <p class="utrecht-paragraph svs-quiet">${t('resident.new_code.hint')}</p>
  </section>`;
}
