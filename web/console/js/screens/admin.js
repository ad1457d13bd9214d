// Admin: teams (name, evaluation arm policy), staff accounts (create, disable — which ends that
// person's sessions at once — enable, unlock), the audit log with filters, and erasing a
// resident's personal data with a reason.

import { html, useState } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, formatTime } from '../i18n.js';
import { ScreenTitle, Field, Button, Check, Loading, NoticeBox, Link, useLoad, messageOf } from '../parts.js';

/** @typedef {import('../parts.js').Notice} Notice */
/** @typedef {import('../api.js').Schemas['ArmPolicy']} ArmPolicy */

/** @param {Event} e */
const val = (e) => /** @type {HTMLInputElement} */ (e.currentTarget).value;

export function Teams() {
  const list = useLoad(() => api.teams(), []);
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  async function create() {
    if (!name.trim()) return;
    setBusy(true);
    try {
      await api.createTeam(name.trim());
      setName('');
      setNotice({ text: t('teams.created') });
      list.reload();
    } catch (err) {
      setNotice({ text: messageOf(err), kind: 'error' });
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="svs-screen" data-screen="teams">
    <${ScreenTitle}>${t('nav.teams')}<//>
    <${NoticeBox} notice=${notice} />
    ${list.error && html`<p class="utrecht-paragraph svs-error" role="alert">${list.error}</p>`}
    ${!list.data && !list.error && html`<${Loading} />`}
    <ul class="svs-cards">
      ${(list.data ?? []).map((team) => html`<li key=${team.id}><${TeamCard} team=${team} onSaved=${(/** @type {string} */ text) => { setNotice({ text }); list.reload(); }} onError=${(/** @type {unknown} */ err) => setNotice({ text: messageOf(err), kind: 'error' })} /></li>`)}
    </ul>
    <h2 class="utrecht-heading-2">${t('teams.new')}</h2>
    <${Field} label=${t('teams.name')} id="team-name">
      <input class="utrecht-textbox utrecht-textbox--html-input" id="team-name" maxlength="100" value=${name} onInput=${(/** @type {Event} */ e) => setName(val(e))} />
    <//>
    <${Button} onClick=${create} busy=${busy}>${t('teams.create')}<//>
  </section>`;
}

/** @param {{ team: import('../api.js').Team, onSaved: (t: string) => void, onError: (e: unknown) => void }} props */
function TeamCard({ team, onSaved, onError }) {
  const [policy, setPolicy] = useState(team.arm_policy);
  const [busy, setBusy] = useState(false);
  const id = `team-${team.id}`;
  async function save() {
    setBusy(true);
    try {
      await api.updateTeam(team.id, { arm_policy: policy });
      onSaved(t('teams.saved', { name: team.name }));
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`<article class="svs-card" aria-labelledby=${`${id}-h`}>
    <h2 class="utrecht-heading-3" id=${`${id}-h`}>${team.name}</h2>
    <${Field} label=${t('teams.arm')} id=${`${id}-arm`} hint=${t('teams.arm.hint')}>
      <select class="utrecht-select utrecht-select--html-select" id=${`${id}-arm`} aria-describedby=${`${id}-arm-hint`} value=${policy}
        onChange=${(/** @type {Event} */ e) => setPolicy(/** @type {ArmPolicy} */ (val(e)))}>
        ${['dosed', 'full_list', 'randomised'].map((p) => html`<option value=${p}>${t(`arm.${p}`)}</option>`)}
      </select>
    <//>
    ${policy !== team.arm_policy && html`<${Button} onClick=${save} busy=${busy}>${t('common.save')}<//>`}
  </article>`;
}

/** @param {{ me: import('../api.js').Me }} props */
export function Accounts({ me }) {
  const list = useLoad(() => api.users(), []);
  const teams = useLoad(() => api.teams(), []);
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [busy, setBusy] = useState(/** @type {string | null} */ (null));

  /** @param {import('../api.js').User} u */
  async function toggle(u) {
    setBusy(u.id);
    try {
      await api.updateUser(u.id, { disabled: !u.disabled });
      setNotice({ text: t(u.disabled ? 'accounts.enabled' : 'accounts.disabled', { name: u.display_name }) });
      list.reload();
    } catch (err) {
      setNotice({ text: messageOf(err), kind: 'error' });
    } finally {
      setBusy(null);
    }
  }
  const teamName = (/** @type {string} */ id) => teams.data?.find((x) => x.id === id)?.name ?? '';
  return html`<section class="svs-screen" data-screen="accounts">
    <${ScreenTitle}>${t('nav.accounts')}<//>
    <${NoticeBox} notice=${notice} />
    ${list.error && html`<p class="utrecht-paragraph svs-error" role="alert">${list.error}</p>`}
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data &&
    html`<div class="svs-table-wrap"><table class="utrecht-table svs-table">
      <caption class="utrecht-table__caption svs-visually-hidden">${t('nav.accounts')}</caption>
      <thead class="utrecht-table__header"><tr class="utrecht-table__row">
        <th class="utrecht-table__header-cell" scope="col">${t('accounts.name')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('accounts.role')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('accounts.teams')}</th>
        <th class="utrecht-table__header-cell" scope="col">${t('accounts.state')}</th>
        <th class="utrecht-table__header-cell" scope="col"><span class="svs-visually-hidden">${t('accounts.actions')}</span></th>
      </tr></thead>
      <tbody class="utrecht-table__body">
        ${list.data.items.map((u) => html`<tr class="utrecht-table__row" key=${u.id} data-user=${u.email ?? u.id}>
          <th class="utrecht-table__header-cell" scope="row">${u.display_name}<br /><span class="svs-quiet">${u.email ?? ''}</span></th>
          <td class="utrecht-table__cell">${t(`role.${u.role}`)}</td>
          <td class="utrecht-table__cell">${u.team_ids.map(teamName).join(', ') || '–'}</td>
          <td class="utrecht-table__cell">${u.disabled ? t('accounts.off') : t('accounts.on')}</td>
          <td class="utrecht-table__cell">${u.id !== me.id &&
          html`<${Button} kind="subtle" label=${t(u.disabled ? 'accounts.enable.label' : 'accounts.disable.label', { name: u.display_name })} onClick=${() => toggle(u)} busy=${busy === u.id}>${t(u.disabled ? 'accounts.enable' : 'accounts.disable')}<//>`}</td>
        </tr>`)}
      </tbody>
    </table></div>`}
    <${NewAccount} teams=${teams.data ?? []} onCreated=${(/** @type {string} */ text) => { setNotice({ text }); list.reload(); }} />
  </section>`;
}

/** @param {{ teams: import('../api.js').Team[], onCreated: (t: string) => void }} props */
function NewAccount({ teams, onCreated }) {
  const [f, setF] = useState({ email: '', name: '', role: 'caseworker', discipline: 'generalist', team: '', password: '' });
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);
  /** @param {keyof typeof f} k */
  const on = (k) => (/** @type {Event} */ e) => setF({ ...f, [k]: val(e) });
  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      const team = f.team || teams[0]?.id;
      const u = await api.createUser({
        email: f.email.trim(),
        display_name: f.name.trim(),
        role: /** @type {import('../api.js').Role} */ (f.role),
        discipline: f.role === 'caseworker' ? /** @type {import('../api.js').Schemas['Discipline']} */ (f.discipline) : undefined,
        password: f.password,
        team_ids: f.role === 'admin' || !team ? [] : [team],
      });
      setF({ email: '', name: '', role: 'caseworker', discipline: 'generalist', team: '', password: '' });
      onCreated(t('accounts.created', { name: u.display_name }));
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="utrecht-form svs-form" onSubmit=${submit} noValidate>
    <h2 class="utrecht-heading-2">${t('accounts.new')}</h2>
    ${problem && html`<div class="utrecht-alert utrecht-alert--error" role="alert"><p class="utrecht-paragraph">${problem}</p></div>`}
    <div class="svs-row">
      <${Field} label=${t('accounts.name')} id="acc-name"><input class="utrecht-textbox utrecht-textbox--html-input" id="acc-name" value=${f.name} onInput=${on('name')} /><//>
      <${Field} label=${t('accounts.email')} id="acc-email"><input type="email" class="utrecht-textbox utrecht-textbox--html-input" id="acc-email" autocomplete="off" value=${f.email} onInput=${on('email')} /><//>
    </div>
    <div class="svs-row">
      <${Field} label=${t('accounts.role')} id="acc-role">
        <select class="utrecht-select utrecht-select--html-select" id="acc-role" value=${f.role} onChange=${on('role')}>
          ${['caseworker', 'volunteer', 'admin', 'researcher'].map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}
        </select>
      <//>
      ${f.role === 'caseworker' &&
      html`<${Field} label=${t('accounts.discipline')} id="acc-discipline">
        <select class="utrecht-select utrecht-select--html-select" id="acc-discipline" value=${f.discipline} onChange=${on('discipline')}>
          <option value="generalist">${t('discipline.generalist')}</option>
          <option value="specialist">${t('discipline.specialist')}</option>
        </select>
      <//>`}
      <${Field} label=${t('accounts.team')} id="acc-team">
        <select class="utrecht-select utrecht-select--html-select" id="acc-team" value=${f.team} onChange=${on('team')}>
          ${teams.map((x) => html`<option value=${x.id}>${x.name}</option>`)}
        </select>
      <//>
    </div>
    <${Field} label=${t('accounts.password')} id="acc-password" hint=${t('accounts.password.hint')}>
      <input type="password" class="utrecht-textbox utrecht-textbox--html-input" id="acc-password" autocomplete="new-password" aria-describedby="acc-password-hint" value=${f.password} onInput=${on('password')} />
    <//>
    <${Button} kind="primary" type="submit" busy=${busy}>${t('accounts.create')}<//>
  </form>`;
}

export function AuditLog() {
  const [filter, setFilter] = useState({ resident_id: '', actor_id: '' });
  const [applied, setApplied] = useState(filter);
  const log = useLoad(() => api.audit({ resident_id: applied.resident_id.trim() || undefined, actor_id: applied.actor_id.trim() || undefined }), [applied.resident_id, applied.actor_id]);
  // Staff names for the ids in the log (residents stay ids: the admin sees no resident names).
  const staff = useLoad(() => api.users(), []);
  const who = (/** @type {string | null | undefined} */ id) => (id ? staff.data?.items.find((u) => u.id === id)?.display_name : undefined);
  /** @param {Event} e */
  function submit(e) {
    e.preventDefault();
    setApplied(filter);
  }
  return html`<section class="svs-screen" data-screen="audit">
    <${ScreenTitle}>${t('nav.audit')}<//>
    <p class="utrecht-paragraph">${t('audit.intro')}</p>
    <form class="utrecht-form svs-row svs-filter" onSubmit=${submit}>
      <${Field} label=${t('audit.resident')} id="audit-resident"><input class="utrecht-textbox utrecht-textbox--html-input" id="audit-resident" value=${filter.resident_id} onInput=${(/** @type {Event} */ e) => setFilter({ ...filter, resident_id: val(e) })} /><//>
      <${Field} label=${t('audit.actor')} id="audit-actor"><input class="utrecht-textbox utrecht-textbox--html-input" id="audit-actor" value=${filter.actor_id} onInput=${(/** @type {Event} */ e) => setFilter({ ...filter, actor_id: val(e) })} /><//>
      <div><${Button} type="submit">${t('audit.filter')}<//></div>
    </form>
    ${log.error && html`<p class="utrecht-paragraph svs-error" role="alert">${log.error}</p>`}
    ${!log.data && !log.error && html`<${Loading} />`}
    ${log.data &&
    html`<div class="svs-table-wrap"><table class="utrecht-table svs-table svs-table--small">
      <caption class="utrecht-table__caption svs-visually-hidden">${t('nav.audit')}</caption>
      <thead class="utrecht-table__header"><tr class="utrecht-table__row">
        ${['audit.at', 'audit.who', 'audit.action', 'audit.object', 'audit.resident'].map((k) => html`<th class="utrecht-table__header-cell" scope="col">${t(k)}</th>`)}
      </tr></thead>
      <tbody class="utrecht-table__body">
        ${log.data.items.map((a) => html`<tr class="utrecht-table__row" key=${a.id}>
          <td class="utrecht-table__cell">${formatTime(a.at)}</td>
          <td class="utrecht-table__cell">${who(a.actor_id) ?? t(`role.${a.actor_role}`)}${a.actor_id ? html`<br /><span class="svs-quiet svs-id">${a.actor_id}</span>` : ''}</td>
          <td class="utrecht-table__cell">${a.action}</td>
          <td class="utrecht-table__cell">${a.object_type}</td>
          <td class="utrecht-table__cell svs-id">${a.resident_id
            ? html`${a.resident_id}<br /><${Link} href=${`/console/admin/erase?resident=${a.resident_id}`}>${t('audit.erase')}<//>`
            : '–'}</td>
        </tr>`)}
      </tbody>
    </table></div>`}
  </section>`;
}

export function Erasure() {
  const [id, setId] = useState(new URLSearchParams(location.search).get('resident') ?? '');
  const [reason, setReason] = useState('');
  const [sure, setSure] = useState(false);
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [busy, setBusy] = useState(false);
  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    if (!id.trim() || !reason.trim() || !sure) {
      setNotice({ text: t('erase.missing'), kind: 'error' });
      return;
    }
    setBusy(true);
    try {
      await api.eraseResident(id.trim(), reason.trim());
      setNotice({ text: t('erase.done') });
      setId('');
      setReason('');
      setSure(false);
    } catch (err) {
      setNotice({ text: messageOf(err), kind: 'error' });
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="svs-screen" data-screen="erase">
    <${ScreenTitle}>${t('nav.erase')}<//>
    <p class="utrecht-paragraph">${t('erase.intro')}</p>
    <${NoticeBox} notice=${notice} />
    <form class="utrecht-form svs-form" onSubmit=${submit} noValidate>
      <${Field} label=${t('erase.id')} id="erase-id" hint=${t('erase.id.hint')}><input class="utrecht-textbox utrecht-textbox--html-input" id="erase-id" aria-describedby="erase-id-hint" value=${id} onInput=${(/** @type {Event} */ e) => setId(val(e))} /><//>
      <${Field} label=${t('erase.reason')} id="erase-reason"><textarea class="utrecht-textarea utrecht-textarea--html-input" id="erase-reason" rows="3" maxlength="500" value=${reason} onInput=${(/** @type {Event} */ e) => setReason(val(e))}></textarea><//>
      <${Check} id="erase-sure" label=${t('erase.sure')} checked=${sure} onChange=${setSure} />
      <${Button} kind="primary" type="submit" busy=${busy}>${t('erase.submit')}<//>
    </form>
  </section>`;
}
