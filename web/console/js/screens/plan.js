// A plan at a glance: the resident's phase (days in stabilisation, the E1–E8 gate), the steps
// by category with owner, status and due date, ETag-safe editing (each change carries the
// step's `etag` as If-Match; a 412 says someone else just changed it and reloads), handing a
// step to a volunteer of the team, verifying and reopening with a reason, a custom step, the
// dose; and below, the appointments (./appointments.js), the documents, reminders, timeline, pulse trend and handover (./plan-more.js).

import { html, useState, useEffect } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, formatDay, localized } from '../i18n.js';
import { ScreenTitle, Button, Field, Loading, NotFound, NoticeBox, Link, messageOf } from '../parts.js';
import { Documents, Reminders, Timeline, PulseChart, Handover } from './plan-more.js';
import { Appointments } from './appointments.js';

/** @typedef {import('../api.js').Plan} Plan */
/** @typedef {import('../api.js').Step} Step */
/** @typedef {import('../api.js').Member} Member */
/** @typedef {import('../api.js').Schemas['Template']} Template */
/** @typedef {import('../parts.js').Notice} Notice */

/** @type {Map<string, Template>} */
const templates = new Map();

/** @param {string} id */
async function templateOf(id) {
  const hit = templates.get(id);
  if (hit) return hit;
  const tpl = (await api.template(id)).template;
  templates.set(id, tpl);
  return tpl;
}

/** @param {{ id: string, me: import('../api.js').Me }} props */
export function PlanPage({ id, me }) {
  const [plan, setPlan] = useState(/** @type {Plan | null} */ (null));
  const [state, setState] = useState(/** @type {'loading' | 'ok' | 'missing' | 'error'} */ ('loading'));
  const [error, setError] = useState('');
  const [resident, setResident] = useState(/** @type {import('../api.js').Resident | null} */ (null));
  const [template, setTemplate] = useState(/** @type {Template | null} */ (null));
  const [team, setTeam] = useState(/** @type {Member[]} */ ([]));
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [tick, setTick] = useState(0);

  async function load() {
    try {
      const p = await api.plan(id);
      setPlan(p);
      setState('ok');
      return p;
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 404) setState('missing');
      else {
        setError(messageOf(err));
        setState('error');
      }
      return null;
    }
  }

  useEffect(() => {
    load().then((p) => {
      if (!p) return;
      api.resident(p.resident_id).then(setResident, () => {});
      templateOf(p.template_id).then(setTemplate, () => {});
      api.members(p.team_id).then(setTeam, () => {});
    });
  }, [id]);

  /** After a change: the new plan, a notice, the side panels fresh. @param {string} text */
  async function changed(text) {
    await load();
    setNotice({ text });
    setTick((n) => n + 1);
  }

  /** A write failed: a 412 reloads (someone else changed it). @param {unknown} err */
  async function failed(err) {
    if (err instanceof api.ApiError && (err.status === 412 || err.code === 'precondition_failed')) {
      await load();
      setNotice({ text: t('error.changed'), kind: 'error' });
    } else setNotice({ text: messageOf(err), kind: 'error' });
  }

  if (state === 'missing') return html`<${NotFound} />`;
  if (state === 'error') return html`<p class="utrecht-paragraph svs-error" role="alert">${error}</p>`;
  if (!plan) return html`<${Loading} />`;

  const cats = template ? [...template.categories].sort((a, b) => a.order - b.order) : [...new Set(plan.steps.map((s) => s.category))].map((key, order) => ({ key, order, name: { nl: key, en: key } }));
  const name = resident?.display_name ?? '…';
  const pr = plan.progress;
  return html`<section class="svs-screen" data-screen="plan">
    <${ScreenTitle}>${t('plan.title', { name })}<//>
    <${NoticeBox} notice=${notice} />
    <dl class="svs-facts svs-facts--row">
      <div><dt>${t('plan.status')}</dt><dd>${t(`plan_status.${plan.status}`)}</dd></div>
      <div><dt>${t('plan.day')}</dt><dd data-days>${t('plan.days', { n: plan.days_in_stabilisation })}${plan.time_box !== 'on_track' ? ` · ${t(`timebox.${plan.time_box}`)}` : ''}</dd></div>
      <div><dt>${t('plan.progress')}</dt><dd>${t('plan.progress.value', { done: pr.done, total: pr.total, percent: pr.percent })}</dd></div>
      <div><dt>${t('plan.started')}</dt><dd>${formatDay(plan.started_on)}</dd></div>
    </dl>
    <nav class="svs-toc" aria-label=${t('plan.toc')}>
      <a class="utrecht-link" href="#steps">${t('plan.steps')}</a>
      <a class="utrecht-link" href="#gate">${t('plan.gate')}</a>
      <a class="utrecht-link" href="#appointments">${t('plan.appointments')}</a>
      <a class="utrecht-link" href="#documents">${t('plan.documents')}</a>
      <a class="utrecht-link" href="#pulse">${t('plan.pulse')}</a>
      <a class="utrecht-link" href="#timeline">${t('plan.timeline')}</a>
      <a class="utrecht-link" href="#reminders">${t('plan.reminders')}</a>
      <a class="utrecht-link" href="#handover">${t('plan.handover')}</a>
    </nav>
    <div class="svs-plan">
      <div class="svs-plan__steps">
        <h2 class="utrecht-heading-2" id="steps">${t('plan.steps')}</h2>
        ${cats.map((c) => {
          const steps = plan.steps.filter((s) => s.category === c.key).sort((a, b) => a.position - b.position);
          if (!steps.length) return null;
          const live = steps.filter((s) => s.status !== 'skipped' && s.status !== 'cancelled');
          return html`<section class="svs-cat" aria-labelledby=${`cat-${c.key}`}>
            <h3 class="utrecht-heading-3" id=${`cat-${c.key}`}>${localized(c.name)} <span class="svs-quiet">${t('plan.cat_count', { done: live.filter((s) => s.status === 'done' || s.status === 'verified').length, total: live.length })}</span></h3>
            <ul class="svs-steps">
              ${live.map((s) => html`<${StepRow} key=${s.id} step=${s} team=${team} resident=${name} onChanged=${changed} onFailed=${failed} />`)}
            </ul>
            ${steps.length > live.length &&
            html`<details class="svs-na">
              <summary>${t('plan.na', { n: steps.length - live.length })}</summary>
              <ul class="svs-steps">
                ${steps.filter((s) => !live.includes(s)).map((s) => html`<${StepRow} key=${s.id} step=${s} team=${team} resident=${name} onChanged=${changed} onFailed=${failed} />`)}
              </ul>
            </details>`}
          </section>`;
        })}
        <${AddStep} plan=${plan} cats=${cats} onChanged=${changed} onFailed=${failed} />
      </div>
      <aside class="svs-plan__side">
        <${Gate} plan=${plan} />
        <${Dose} plan=${plan} onChanged=${changed} onFailed=${failed} />
      </aside>
    </div>
    <${Appointments} planId=${plan.id} team=${team} me=${me} steps=${plan.steps} tick=${tick} onTick=${() => setTick((n) => n + 1)} />
    <${Documents} plan=${plan} tick=${tick} onChanged=${changed} onFailed=${failed} />
    <${PulseChart} planId=${plan.id} />
    <${Timeline} planId=${plan.id} steps=${plan.steps} tick=${tick} />
    <${Reminders} planId=${plan.id} steps=${plan.steps} tick=${tick} />
    <${Handover} planId=${plan.id} />
    <p class="utrecht-paragraph svs-no-print"><${Link} href=${`/console/residents/${plan.resident_id}`}>${t('plan.resident_page', { name })}<//></p>
  </section>`;
}

/**
 * The console's own name for E1–E8 (the API words it in the account's language, which may not
 * be the one the console shows).
 * @param {import('../api.js').Schemas['Criterion']} c
 */
function criterionName(c) {
  const key = `criterion.${c.code}`;
  const name = t(key);
  return name === key ? c.name : name;
}

/** @param {{ plan: Plan }} props */
function Gate({ plan }) {
  const pr = plan.progress;
  return html`<section class="svs-panel" aria-labelledby="gate">
    <h2 class="utrecht-heading-2" id="gate">${t('plan.gate')}</h2>
    <p class="utrecht-paragraph">${pr.ready_for_arrangement ? t('plan.ready') : t('plan.not_ready', { n: pr.criteria.filter((c) => c.met).length })}</p>
    <ul class="svs-list svs-criteria">
      ${pr.criteria.map((c) => html`<li data-criterion=${c.code}>
        <span class="svs-mark" aria-hidden="true">${c.met ? '✓' : '○'}</span>
        <span><strong>${c.code}</strong> ${criterionName(c)}<br /><span class="svs-quiet">${c.met ? t('plan.met') : t('plan.unmet')} · ${t('plan.cat_count', { done: c.steps_done, total: c.steps_total })}</span></span>
      </li>`)}
    </ul>
  </section>`;
}

/** @typedef {import('../api.js').Schemas['PlanStatus']} PlanStatus */
/** @typedef {import('../api.js').Schemas['OutflowReason']} OutflowReason */
const STATUSES = /** @type {PlanStatus[]} */ (['active', 'paused', 'stabilised', 'dropped_out', 'closed']);
const OUTFLOW = /** @type {OutflowReason[]} */ (['debt_arrangement', 'debts_resolved', 'referred', 'no_contact', 'own_request', 'moved', 'deceased', 'other']);

/** The plan's dose and status (with the reason a trajectory ends), ETag-safe. @param {{ plan: Plan, onChanged: (t: string) => Promise<void>, onFailed: (e: unknown) => Promise<void> }} props */
function Dose({ plan, onChanged, onFailed }) {
  const [dose, setDose] = useState(plan.dose);
  const [status, setStatus] = useState(plan.status);
  const [outflow, setOutflow] = useState(/** @type {OutflowReason | ''} */ (plan.outflow_reason ?? ''));
  const [busy, setBusy] = useState(false);
  const ends = status === 'dropped_out' || status === 'closed' || status === 'stabilised';
  const changed = dose !== plan.dose || status !== plan.status || (ends && outflow !== (plan.outflow_reason ?? ''));
  async function save() {
    setBusy(true);
    try {
      /** @type {import('../api.js').Schemas['UpdatePlanRequest']} */
      const body = {};
      if (dose !== plan.dose) body.dose = dose;
      if (status !== plan.status) body.status = status;
      if (ends && outflow) body.outflow_reason = outflow;
      await api.updatePlan(plan.id, plan.etag, body);
      await onChanged(t('plan.saved'));
    } catch (err) {
      await onFailed(err);
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="svs-panel" aria-labelledby="dose-title">
    <h2 class="utrecht-heading-2" id="dose-title">${t('plan.settings')}</h2>
    <${Field} label=${t('plan.status')} id="plan-status">
      <select class="utrecht-select utrecht-select--html-select" id="plan-status" value=${status}
        onChange=${(/** @type {Event} */ e) => setStatus(/** @type {PlanStatus} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
        ${STATUSES.map((v) => html`<option value=${v}>${t(`plan_status.${v}`)}</option>`)}
      </select>
    <//>
    ${ends &&
    html`<${Field} label=${t('plan.outflow')} id="plan-outflow">
      <select class="utrecht-select utrecht-select--html-select" id="plan-outflow" value=${outflow}
        onChange=${(/** @type {Event} */ e) => setOutflow(/** @type {OutflowReason} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
        <option value="">${t('plan.outflow.choose')}</option>
        ${OUTFLOW.map((v) => html`<option value=${v}>${t(`outflow.${v}`)}</option>`)}
      </select>
    <//>`}
    <${Field} label=${t('driegesprek.dose')} id="plan-dose" hint=${t('driegesprek.dose.hint')}>
      <select class="utrecht-select utrecht-select--html-select" id="plan-dose" aria-describedby="plan-dose-hint" value=${String(dose)}
        onChange=${(/** @type {Event} */ e) => setDose(Number(/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
        ${[1, 2, 3, 4, 5].map((n) => html`<option value=${String(n)}>${t(n === 1 ? 'driegesprek.dose.one' : 'driegesprek.dose.n', { n })}</option>`)}
      </select>
    <//>
    ${changed && html`<${Button} onClick=${save} busy=${busy}>${t('common.save')}<//>`}
  </section>`;
}

/** @param {Step} s @param {Member[]} team @param {string} resident */
function ownerName(s, team, resident) {
  if (s.owner_type === 'resident') return t('owner.resident', { name: resident });
  const m = team.find((x) => x.id === s.owner_user_id);
  return m ? m.display_name : t(`owner.${s.owner_type}`);
}

/**
 * @param {{ step: Step, team: Member[], resident: string, onChanged: (t: string) => Promise<void>, onFailed: (e: unknown) => Promise<void> }} props
 */
function StepRow({ step: s, team, resident, onChanged, onFailed }) {
  const [mode, setMode] = useState(/** @type {null | 'edit' | 'reopen'} */ (null));
  const [owner, setOwner] = useState(s.owner_type === 'resident' ? 'resident' : (s.owner_user_id ?? 'resident'));
  const [due, setDue] = useState(s.due_on ?? '');
  const [priority, setPriority] = useState(s.priority);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const id = `step-${s.id}`;
  const finished = s.status === 'skipped' || s.status === 'cancelled';

  async function save() {
    setBusy(true);
    const m = team.find((x) => x.id === owner);
    /** @type {import('../api.js').Schemas['OwnerRequest']} */
    const o = owner === 'resident' || !m ? { type: 'resident' } : { type: m.role === 'volunteer' ? 'volunteer' : 'staff', user_id: m.id };
    try {
      await api.updateStep(s, { owner: o, due_on: due || null, priority });
      setMode(null);
      await onChanged(m?.role === 'volunteer' && s.owner_user_id !== m.id ? t('step.handed', { name: m.display_name }) : t('step.saved'));
    } catch (err) {
      await onFailed(err);
    } finally {
      setBusy(false);
    }
  }
  async function verify() {
    setBusy(true);
    try {
      await api.verifyStep(s.id);
      await onChanged(t('step.verified_ok'));
    } catch (err) {
      await onFailed(err);
    } finally {
      setBusy(false);
    }
  }
  async function reopen() {
    if (!reason.trim()) return;
    setBusy(true);
    try {
      await api.reopenStep(s.id, reason.trim());
      setMode(null);
      await onChanged(t('step.reopened_ok'));
    } catch (err) {
      await onFailed(err);
    } finally {
      setBusy(false);
    }
  }

  return html`<li class=${`svs-step svs-step--${s.status}`} data-step=${s.id} data-title=${s.title}>
    <div class="svs-step__main">
      <span class="svs-step__title" id=${`${id}-t`}>${s.priority === 'P0' ? html`<span class="svs-badge">! ${t('step.urgent')}</span> ` : ''}${s.title}</span>
      <span class="svs-step__meta">
        <span class="svs-status" data-status=${s.status}>${t(`status.${s.status}`)}</span>
        <span>${ownerName(s, team, resident)}</span>
        ${s.due_on && html`<span>${t('step.due', { date: formatDay(s.due_on) })}</span>`}
        ${s.help_requested_at && html`<span class="svs-flag">${t('step.help_requested')}</span>`}
        ${s.snooze_reason && html`<span>${t('step.snoozed', { reason: t(`snooze.${s.snooze_reason}`) })}</span>`}
      </span>
      ${s.completion_note && html`<span class="svs-quiet">“${s.completion_note}”</span>`}
    </div>
    <div class="svs-step__actions">
      ${!finished && s.status !== 'verified' && s.status !== 'done' && html`<${Button} kind="subtle" label=${t('step.edit.label', { title: s.title })} onClick=${() => setMode(mode === 'edit' ? null : 'edit')}>${t('step.edit')}<//>`}
      ${s.status === 'done' && html`<${Button} label=${t('step.verify.label', { title: s.title })} onClick=${verify} busy=${busy && mode === null}>${t('step.verify')}<//>`}
      ${(s.status === 'done' || s.status === 'verified') && html`<${Button} kind="subtle" label=${t('step.reopen.label', { title: s.title })} onClick=${() => setMode(mode === 'reopen' ? null : 'reopen')}>${t('step.reopen')}<//>`}
    </div>
    ${mode === 'edit' &&
    html`<div class="svs-step__form" role="group" aria-labelledby=${`${id}-t`}>
      <${Field} label=${t('step.owner')} id=${`${id}-owner`}>
        <select class="utrecht-select utrecht-select--html-select" id=${`${id}-owner`} value=${owner}
          onChange=${(/** @type {Event} */ e) => setOwner(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
          <option value="resident">${t('owner.resident', { name: resident })}</option>
          ${team.map((m) => html`<option value=${m.id}>${m.display_name} (${t(`role.${m.role}`)})</option>`)}
        </select>
      <//>
      <${Field} label=${t('step.due_on')} id=${`${id}-due`}>
        <input type="date" class="utrecht-textbox utrecht-textbox--html-input" id=${`${id}-due`} value=${due}
          onInput=${(/** @type {Event} */ e) => setDue(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
      <//>
      <${Field} label=${t('step.priority')} id=${`${id}-prio`}>
        <select class="utrecht-select utrecht-select--html-select" id=${`${id}-prio`} value=${priority}
          onChange=${(/** @type {Event} */ e) => setPriority(/** @type {import('../api.js').Schemas['Priority']} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
          ${['P0', 'P1', 'P2'].map((p) => html`<option value=${p}>${t(`priority.${p}`)}</option>`)}
        </select>
      <//>
      <div class="svs-actions svs-actions--row">
        <${Button} kind="primary" onClick=${save} busy=${busy}>${t('common.save')}<//>
        <${Button} kind="subtle" onClick=${() => setMode(null)}>${t('common.cancel')}<//>
      </div>
    </div>`}
    ${mode === 'reopen' &&
    html`<div class="svs-step__form" role="group" aria-labelledby=${`${id}-t`}>
      <${Field} label=${t('step.reason')} id=${`${id}-reason`} hint=${t('step.reason.hint')}>
        <textarea class="utrecht-textarea utrecht-textarea--html-input" id=${`${id}-reason`} aria-describedby=${`${id}-reason-hint`} rows="2" maxlength="500"
          value=${reason} onInput=${(/** @type {Event} */ e) => setReason(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea>
      <//>
      <div class="svs-actions svs-actions--row">
        <${Button} kind="primary" onClick=${reopen} busy=${busy}>${t('step.reopen')}<//>
        <${Button} kind="subtle" onClick=${() => setMode(null)}>${t('common.cancel')}<//>
      </div>
    </div>`}
  </li>`;
}

/**
 * A custom step for this resident.
 * @param {{ plan: Plan, cats: { key: string, name: { nl: string, en: string } }[], onChanged: (t: string) => Promise<void>, onFailed: (e: unknown) => Promise<void> }} props
 */
function AddStep({ plan, cats, onChanged, onFailed }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [cat, setCat] = useState(cats[0]?.key ?? '');
  const [busy, setBusy] = useState(false);
  async function add() {
    if (!title.trim()) return;
    setBusy(true);
    try {
      await api.addStep(plan.id, { category: cat || (cats[0]?.key ?? ''), title: { nl: title.trim() } });
      setOpen(false);
      setTitle('');
      await onChanged(t('step.added'));
    } catch (err) {
      await onFailed(err);
    } finally {
      setBusy(false);
    }
  }
  if (!open) return html`<div class="svs-actions svs-actions--row svs-no-print"><${Button} onClick=${() => setOpen(true)}>${t('step.add')}<//></div>`;
  return html`<div class="svs-step__form" role="group" aria-label=${t('step.add')}>
    <${Field} label=${t('step.add.title')} id="add-title" hint=${t('step.add.hint')}>
      <input class="utrecht-textbox utrecht-textbox--html-input" id="add-title" aria-describedby="add-title-hint" maxlength="80" value=${title}
        onInput=${(/** @type {Event} */ e) => setTitle(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
    <//>
    <${Field} label=${t('step.add.category')} id="add-cat">
      <select class="utrecht-select utrecht-select--html-select" id="add-cat" value=${cat}
        onChange=${(/** @type {Event} */ e) => setCat(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
        ${cats.map((c) => html`<option value=${c.key}>${localized(c.name)}</option>`)}
      </select>
    <//>
    <div class="svs-actions svs-actions--row">
      <${Button} kind="primary" onClick=${add} busy=${busy}>${t('step.add')}<//>
      <${Button} kind="subtle" onClick=${() => setOpen(false)}>${t('common.cancel')}<//>
    </div>
  </div>`;
}
