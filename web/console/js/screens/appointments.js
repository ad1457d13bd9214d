// A plan's appointments on the plan screen: those to come and those past, planning a new one
// (day and time, length, kind, place or phone, with whom, what to bring), moving one and
// cancelling one with a reason (ETag-safe: the appointment's `ETag` is read when the form opens
// and sent as If-Match; a 412 says someone else changed it and reloads), and recording
// afterwards whether it took place. The resident's "ik kom" and move requests show on each.
//
// Times: the API writes an appointment's times in the resident's time zone (with its offset),
// so they are shown as written; a new time is entered as Dutch time (Europe/Amsterdam).

import { html, useState } from '../../../common/ui.js';
import * as api from '../api.js';
import { t, formatDay, formatTime } from '../i18n.js';
import { Button, Field, Loading, NoticeBox, messageOf, useLoad } from '../parts.js';

/** @typedef {import('../api.js').Appointment} Appointment */
/** @typedef {import('../api.js').AppointmentKind} AppointmentKind */
/** @typedef {import('../api.js').Member} Member */
/** @typedef {import('../parts.js').Notice} Notice */

const KINDS = /** @type {AppointmentKind[]} */ (['office', 'phone', 'video', 'home_visit']);
const LENGTHS = [15, 30, 45, 60, 90, 120];
const ZONE = 'Europe/Amsterdam';

/** Minutes Europe/Amsterdam is ahead of UTC at the instant `ms`. @param {number} ms */
function zoneOffset(ms) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms));
  /** @param {string} type */
  const part = (type) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute')) - ms) / 60000;
}

/**
 * A Dutch wall-clock time as RFC 3339 with its offset: `2026-12-10` + `10:30` → `2026-12-10T10:30:00+01:00`.
 * @param {string} day
 * @param {string} time
 */
export function dutchTime(day, time) {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let off = zoneOffset(wall);
  off = zoneOffset(wall - off * 60000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${day}T${time}:00${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
}

/** "donderdag 10 december 2026, 10:30–11:15" as the API wrote it (the resident's zone). @param {Appointment} a */
function when(a) {
  return t('appt.when', { day: formatDay(a.starts_at.slice(0, 10)), from: a.starts_at.slice(11, 16), to: a.ends_at.slice(11, 16) });
}

/** Still to come: planned and not ended. @param {Appointment} a */
const upcoming = (a) => a.status === 'planned' && Date.parse(a.ends_at) > Date.now();

/**
 * @param {{ planId: string, team: Member[], me: import('../api.js').Me, steps: import('../api.js').Step[], tick: number, onTick: () => void }} props
 */
export function Appointments({ planId, team, me, steps, tick, onTick }) {
  const [n, setN] = useState(0);
  const r = useLoad(() => api.appointments(planId), [planId, tick, n]);
  const [planning, setPlanning] = useState(false);
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));

  /** @param {string} text */
  function changed(text) {
    setNotice({ text });
    setN((x) => x + 1);
    onTick();
  }

  const items = r.data?.items ?? [];
  const coming = items.filter(upcoming).sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  const past = items.filter((a) => !upcoming(a)).sort((a, b) => Date.parse(b.starts_at) - Date.parse(a.starts_at));
  /** @param {Appointment} a */
  const row = (a) => html`<${AppointmentRow} key=${a.id} appt=${a} team=${team} steps=${steps} onChanged=${changed} onReload=${() => setN((x) => x + 1)} />`;
  return html`<section class="svs-panel svs-appts" aria-labelledby="appointments">
    <h2 class="utrecht-heading-2" id="appointments">${t('plan.appointments')}</h2>
    <${NoticeBox} notice=${notice} />
    ${r.error && html`<p class="utrecht-paragraph svs-error" role="alert">${r.error}</p>`}
    ${!r.data && !r.error && html`<${Loading} />`}
    ${r.data &&
    html`<h3 class="utrecht-heading-3">${t('appt.coming')}</h3>
      ${coming.length === 0 ? html`<p class="utrecht-paragraph">${t('appt.none')}</p>` : html`<ul class="svs-steps" data-list="coming">${coming.map(row)}</ul>`}
      ${planning
        ? html`<${PlanForm} planId=${planId} team=${team} me=${me} onDone=${(/** @type {string | null} */ text) => {
            setPlanning(false);
            if (text) changed(text);
          }} />`
        : html`<div class="svs-actions svs-actions--row svs-no-print"><${Button} onClick=${() => { setNotice(null); setPlanning(true); }}>${t('appt.new')}<//></div>`}
      ${past.length > 0 &&
      html`<h3 class="utrecht-heading-3">${t('appt.past')}</h3>
        <ul class="svs-steps" data-list="past">${past.map(row)}</ul>`}`}
  </section>`;
}

/** @param {Member[]} team @param {string | null | undefined} id */
function memberName(team, id) {
  if (!id) return null;
  return team.find((m) => m.id === id)?.display_name ?? null;
}

/**
 * @param {{ appt: Appointment, team: Member[], steps: import('../api.js').Step[], onChanged: (text: string) => void, onReload: () => void }} props
 */
function AppointmentRow({ appt: a, team, steps, onChanged, onReload }) {
  const [mode, setMode] = useState(/** @type {null | 'move' | 'cancel'} */ (null));
  const [etag, setEtag] = useState('');
  const [day, setDay] = useState(a.starts_at.slice(0, 10));
  const [time, setTime] = useState(a.starts_at.slice(11, 16));
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const id = `appt-${a.id}`;
  const coming = upcoming(a);
  const started = Date.parse(a.starts_at) <= Date.now();
  const kind = t(`appt.kind.${a.kind}`);
  const who = memberName(team, a.with_user_id);
  const about = a.step_ids.map((s) => steps.find((x) => x.id === s)?.title).filter(Boolean);

  /** Opens a form with the appointment's current version (its ETag). @param {'move' | 'cancel'} m */
  async function open(m) {
    if (mode === m) {
      setMode(null);
      return;
    }
    setProblem(null);
    setReason('');
    try {
      const fresh = await api.appointment(a.id);
      setEtag(fresh.etag);
      setDay(fresh.data.starts_at.slice(0, 10));
      setTime(fresh.data.starts_at.slice(11, 16));
      setMode(m);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  /** @param {() => Promise<string>} fn */
  async function act(fn) {
    setBusy(true);
    setProblem(null);
    try {
      const text = await fn();
      setMode(null);
      onChanged(text);
    } catch (err) {
      if (err instanceof api.ApiError && (err.status === 412 || err.code === 'precondition_failed')) {
        setMode(null);
        onReload();
      }
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const move = () => {
    if (!day || !time) return setProblem(t('appt.when.missing'));
    if (!reason.trim()) return setProblem(t('appt.reason.missing'));
    return act(async () => {
      const moved = await api.updateAppointment(a.id, etag, { starts_at: dutchTime(day, time), reason: reason.trim() });
      return t('appt.moved_ok', { when: when(moved) });
    });
  };
  const cancel = () => {
    if (!reason.trim()) return setProblem(t('appt.reason.missing'));
    return act(async () => {
      await api.cancelAppointment(a.id, etag, reason.trim());
      return t('appt.cancelled_ok');
    });
  };
  /** @param {'attended' | 'missed'} outcome */
  const record = (outcome) =>
    act(async () => {
      await api.appointmentOutcome(a.id, outcome);
      return t(`appt.outcome_ok.${outcome}`);
    });

  return html`<li class=${`svs-step svs-appt svs-appt--${a.status}`} data-appointment=${a.id}>
    <div class="svs-step__main">
      <span class="svs-step__title" id=${`${id}-t`}>${kind} · ${when(a)}</span>
      <span class="svs-step__meta">
        <span class="svs-status" data-status=${a.status}>${t(`appt_status.${a.status}`)}</span>
        <span>${t('appt.length', { n: a.duration_minutes })}</span>
        ${who && html`<span>${t('appt.with', { name: who })}</span>`}
        ${a.place && html`<span>${a.place}</span>`}
        ${a.moved_count > 0 && html`<span>${t('appt.moved_count', { n: a.moved_count })}</span>`}
      </span>
      ${a.status === 'planned' &&
      html`<span class="svs-step__meta">
        ${a.confirmed_at
          ? html`<span data-confirmed>✓ ${t('appt.confirmed', { when: formatTime(a.confirmed_at) })}</span>`
          : coming && html`<span>${t('appt.unconfirmed')}</span>`}
        ${a.move_requested_at && html`<span class="svs-flag" data-move-request>${t('appt.move_requested', { when: formatTime(a.move_requested_at) })}${a.move_request_reason ? `: “${a.move_request_reason}”` : ''}</span>`}
      </span>`}
      ${a.bring && html`<span class="svs-quiet">${t('appt.bring', { text: a.bring })}</span>`}
      ${about.length > 0 && html`<span class="svs-quiet">${t('appt.about', { steps: about.join(', ') })}</span>`}
      ${a.status === 'cancelled' && a.status_reason && html`<span class="svs-quiet">${t('appt.cancel_reason', { reason: a.status_reason })}</span>`}
    </div>
    <div class="svs-step__actions">
      ${coming && !started &&
      html`<${Button} kind="subtle" label=${t('appt.move.label', { when: when(a) })} onClick=${() => open('move')}>${t('appt.move')}<//>
        <${Button} kind="subtle" label=${t('appt.cancel.label', { when: when(a) })} onClick=${() => open('cancel')}>${t('appt.cancel')}<//>`}
      ${a.status === 'planned' && started &&
      html`<${Button} label=${t('appt.attended.label', { when: when(a) })} onClick=${() => record('attended')} busy=${busy}>${t('appt.attended')}<//>
        <${Button} kind="subtle" label=${t('appt.missed.label', { when: when(a) })} onClick=${() => record('missed')} busy=${busy}>${t('appt.missed')}<//>`}
    </div>
    ${problem && !mode && html`<p class="utrecht-paragraph svs-error svs-appt__problem" role="alert">${problem}</p>`}
    ${mode === 'move' &&
    html`<div class="svs-step__form" role="group" aria-labelledby=${`${id}-t`}>
      <${Field} label=${t('appt.day')} id=${`${id}-day`}>
        <input type="date" class="utrecht-textbox utrecht-textbox--html-input" id=${`${id}-day`} value=${day}
          onInput=${(/** @type {Event} */ e) => setDay(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
      <//>
      <${Field} label=${t('appt.time')} id=${`${id}-time`}>
        <input type="time" class="utrecht-textbox utrecht-textbox--html-input" id=${`${id}-time`} value=${time}
          onInput=${(/** @type {Event} */ e) => setTime(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
      <//>
      <${Field} label=${t('appt.reason')} id=${`${id}-reason`} hint=${t('appt.reason.hint')}>
        <textarea class="utrecht-textarea utrecht-textarea--html-input" id=${`${id}-reason`} aria-describedby=${`${id}-reason-hint`} rows="2" maxlength="300"
          value=${reason} onInput=${(/** @type {Event} */ e) => setReason(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea>
      <//>
      ${problem && html`<p class="utrecht-paragraph svs-error svs-appt__problem" role="alert">${problem}</p>`}
      <div class="svs-actions svs-actions--row">
        <${Button} kind="primary" onClick=${move} busy=${busy}>${t('appt.move.submit')}<//>
        <${Button} kind="subtle" onClick=${() => setMode(null)}>${t('common.cancel')}<//>
      </div>
    </div>`}
    ${mode === 'cancel' &&
    html`<div class="svs-step__form" role="group" aria-labelledby=${`${id}-t`}>
      <${Field} label=${t('appt.reason')} id=${`${id}-creason`} hint=${t('appt.reason.hint')}>
        <textarea class="utrecht-textarea utrecht-textarea--html-input" id=${`${id}-creason`} aria-describedby=${`${id}-creason-hint`} rows="2" maxlength="300"
          value=${reason} onInput=${(/** @type {Event} */ e) => setReason(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea>
      <//>
      ${problem && html`<p class="utrecht-paragraph svs-error svs-appt__problem" role="alert">${problem}</p>`}
      <div class="svs-actions svs-actions--row">
        <${Button} kind="primary" onClick=${cancel} busy=${busy}>${t('appt.cancel.submit')}<//>
        <${Button} kind="subtle" onClick=${() => setMode(null)}>${t('common.cancel')}<//>
      </div>
    </div>`}
  </li>`;
}

/** Tomorrow as YYYY-MM-DD (the day a new appointment is first offered on). */
function tomorrow() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * A new appointment for the plan's resident.
 * @param {{ planId: string, team: Member[], me: import('../api.js').Me, onDone: (text: string | null) => void }} props
 */
function PlanForm({ planId, team, me, onDone }) {
  const [day, setDay] = useState(tomorrow());
  const [time, setTime] = useState('10:00');
  const [length, setLength] = useState(45);
  const [kind, setKind] = useState(/** @type {AppointmentKind} */ ('office'));
  const [place, setPlace] = useState('');
  const [withId, setWithId] = useState(team.some((m) => m.id === me.id) ? me.id : '');
  const [bring, setBring] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));

  async function save() {
    if (!day || !time) {
      setProblem(t('appt.when.missing'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const made = await api.createAppointment(planId, {
        starts_at: dutchTime(day, time),
        duration_minutes: length,
        kind,
        place: place.trim() || null,
        with_user_id: withId || null,
        bring: bring.trim() || null,
      });
      onDone(t('appt.planned_ok', { when: when(made) }));
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<div class="svs-step__form svs-appt__new" role="group" aria-labelledby="appt-new-title">
    <h3 class="utrecht-heading-3 svs-appt__new-title" id="appt-new-title">${t('appt.new')}</h3>
    <${Field} label=${t('appt.day')} id="appt-day">
      <input type="date" class="utrecht-textbox utrecht-textbox--html-input" id="appt-day" value=${day}
        onInput=${(/** @type {Event} */ e) => setDay(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
    <//>
    <${Field} label=${t('appt.time')} id="appt-time">
      <input type="time" class="utrecht-textbox utrecht-textbox--html-input" id="appt-time" value=${time}
        onInput=${(/** @type {Event} */ e) => setTime(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
    <//>
    <${Field} label=${t('appt.length.label')} id="appt-length">
      <select class="utrecht-select utrecht-select--html-select" id="appt-length" value=${String(length)}
        onChange=${(/** @type {Event} */ e) => setLength(Number(/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
        ${LENGTHS.map((n) => html`<option value=${String(n)}>${t('appt.length', { n })}</option>`)}
      </select>
    <//>
    <${Field} label=${t('appt.kind')} id="appt-kind">
      <select class="utrecht-select utrecht-select--html-select" id="appt-kind" value=${kind}
        onChange=${(/** @type {Event} */ e) => setKind(/** @type {AppointmentKind} */ (/** @type {HTMLSelectElement} */ (e.currentTarget).value))}>
        ${KINDS.map((k) => html`<option value=${k}>${t(`appt.kind.${k}`)}</option>`)}
      </select>
    <//>
    <${Field} label=${t(`appt.place.${kind}`)} id="appt-place">
      <input class="utrecht-textbox utrecht-textbox--html-input" id="appt-place" maxlength="200" value=${place}
        onInput=${(/** @type {Event} */ e) => setPlace(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
    <//>
    <${Field} label=${t('appt.with.label')} id="appt-with">
      <select class="utrecht-select utrecht-select--html-select" id="appt-with" value=${withId}
        onChange=${(/** @type {Event} */ e) => setWithId(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
        <option value="">${t('appt.with.nobody')}</option>
        ${team.map((m) => html`<option value=${m.id}>${m.display_name} (${t(`role.${m.role}`)})</option>`)}
      </select>
    <//>
    <${Field} label=${t('appt.bring.label')} id="appt-bring" hint=${t('appt.bring.hint')}>
      <textarea class="utrecht-textarea utrecht-textarea--html-input" id="appt-bring" aria-describedby="appt-bring-hint" rows="2" maxlength="500"
        value=${bring} onInput=${(/** @type {Event} */ e) => setBring(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea>
    <//>
    ${problem && html`<p class="utrecht-paragraph svs-error svs-appt__problem" role="alert">${problem}</p>`}
    <div class="svs-actions svs-actions--row">
      <${Button} kind="primary" onClick=${save} busy=${busy}>${t('appt.plan')}<//>
      <${Button} kind="subtle" onClick=${() => onDone(null)}>${t('common.cancel')}<//>
    </div>
  </div>`;
}
