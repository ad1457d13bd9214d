// The resident app: screens and the little state they share. Everything the resident sees
// comes from the public API (./api.js); every text from the catalogue (./i18n.js).

import { html, render, useState, useEffect, useRef, useCallback } from '../../common/ui.js';
import * as api from './api.js';
import * as outbox from './outbox.js';
import { t, lang, setLang, chosenLang, categoryName, formatDay, isoDay } from './i18n.js';

/** @typedef {import('./api.js').MyStep} MyStep */
/** @typedef {import('./api.js').CurrentSteps} CurrentSteps */
/** @typedef {import('./api.js').MyProgress} MyProgress */
/** @typedef {import('./api.js').Me} Me */
/** @typedef {import('./api.js').CrisisKind} CrisisKind */
/** @typedef {import('./api.js').Schemas['SnoozeReason']} SnoozeReason */
/** @typedef {import('./api.js').Schemas['PartOfDay']} PartOfDay */
/** @typedef {import('./outbox.js').Queued} Queued */
/** @typedef {'home' | 'progress' | 'road' | 'appointment' | 'settings' | 'crisis' | 'start' | 'activate' | 'login'} Route */
/** @typedef {{ text: string, kind?: 'ok' | 'info' | 'error' }} Notice */

const ROUTES = /** @type {Record<string, Route>} */ ({
  '/app/': 'home',
  '/app/progress': 'progress',
  '/app/road': 'road',
  '/app/settings': 'settings',
  '/app/crisis': 'crisis',
  '/app/start': 'start',
  '/app/activate': 'activate',
  '/app/login': 'login',
});
const PUBLIC = ['start', 'activate', 'login'];
const SIGNED_IN = 'svs.signedIn';

/** @returns {Route} */
function routeOf() {
  if (APPOINTMENT.test(location.pathname)) return 'appointment';
  return ROUTES[location.pathname] ?? 'home';
}

/** One appointment's screen: /app/appointments/{id}. */
const APPOINTMENT = /^\/app\/appointments\/([^/]+)$/;

/** @param {Route} r */
function pathOf(r) {
  return Object.keys(ROUTES).find((p) => ROUTES[p] === r) ?? '/app/';
}

/** @param {boolean} on */
function rememberSignedIn(on) {
  try {
    if (on) localStorage.setItem(SIGNED_IN, '1');
    else localStorage.removeItem(SIGNED_IN);
  } catch {
    // Not kept: offline start then shows the start screen.
  }
}

function wasSignedIn() {
  try {
    return localStorage.getItem(SIGNED_IN) === '1';
  } catch {
    return false;
  }
}

/** @param {unknown} e */
function messageOf(e) {
  return e instanceof Error ? e.message : t('error.generic');
}

// ---------------------------------------------------------------------------------------------
// Small building blocks

/**
 * @param {{ notice: Notice | null }} props
 */
function NoticeBox({ notice }) {
  if (!notice) return null;
  const kind = notice.kind ?? 'ok';
  return html`<div class=${`utrecht-alert utrecht-alert--${kind === 'error' ? 'error' : kind === 'info' ? 'info' : 'ok'} svs-notice`} role=${kind === 'error' ? 'alert' : 'status'}>
    <p class="utrecht-paragraph">${notice.text}</p>
  </div>`;
}

/**
 * A heading that takes focus when its screen opens (screen readers hear where they are).
 * @param {{ children: any }} props
 */
function ScreenTitle({ children }) {
  const ref = useRef(/** @type {HTMLHeadingElement | null} */ (null));
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return html`<h1 class="utrecht-heading-1 svs-title" tabindex="-1" ref=${ref}>${children}</h1>`;
}

/**
 * @param {{ label: string, id: string, hint?: string, error?: string, children: any }} props
 */
function Field({ label, id, hint, error, children }) {
  return html`<div class=${`utrecht-form-field utrecht-form-field--text${error ? ' utrecht-form-field--invalid' : ''}`}>
    <div class="utrecht-form-field__label"><label class="utrecht-form-label" for=${id}>${label}</label></div>
    ${hint && html`<div class="utrecht-form-field__description utrecht-form-field-description" id=${`${id}-hint`}>${hint}</div>`}
    ${error && html`<div class="utrecht-form-field__error-message utrecht-form-field-error-message" id=${`${id}-error`}>${error}</div>`}
    <div class="utrecht-form-field__input">${children}</div>
  </div>`;
}

/**
 * @param {string} id
 * @param {string | undefined} hint
 * @param {string | undefined} error
 */
function describedBy(id, hint, error) {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

/**
 * @param {{ onClick?: (e: Event) => void, kind?: 'primary' | 'secondary' | 'subtle', type?: string, busy?: boolean, children: any, class?: string }} props
 */
function Button({ onClick, kind = 'secondary', type = 'button', busy = false, children, class: cls = '' }) {
  return html`<button
    type=${type}
    class=${`utrecht-button utrecht-button--${kind}-action svs-button ${cls}`}
    onClick=${onClick}
    aria-disabled=${busy ? 'true' : undefined}
    disabled=${busy}
  >${busy ? t('common.busy') : children}</button>`;
}

/**
 * A set of big radio buttons.
 * @template {string} V
 * @param {{ legend: string, name: string, options: { value: V, label: string }[], value: V | null, onChange: (v: V) => void }} props
 */
function Choice({ legend, name, options, value, onChange }) {
  return html`<fieldset class="utrecht-form-fieldset svs-choice">
    <legend class="utrecht-form-fieldset__legend utrecht-form-label">${legend}</legend>
    ${options.map(
      (o) => html`<div class="utrecht-form-field utrecht-form-field--radio svs-choice__option">
        <input
          type="radio"
          class="utrecht-radio-button utrecht-radio-button--html-input"
          id=${`${name}-${o.value}`}
          name=${name}
          value=${o.value}
          checked=${value === o.value}
          onChange=${() => onChange(o.value)}
        />
        <label class="utrecht-form-label utrecht-form-label--radio" for=${`${name}-${o.value}`}>${o.label}</label>
      </div>`,
    )}
  </fieldset>`;
}

// ---------------------------------------------------------------------------------------------
// Start, activation, sign-in

/** @param {{ go: (r: Route) => void }} props */
function StartScreen({ go }) {
  return html`<section class="svs-screen">
    <${ScreenTitle}>${t('start.title')}<//>
    <p class="utrecht-paragraph utrecht-paragraph--lead">${t('start.intro')}</p>
    <div class="svs-actions">
      <${Button} kind="primary" onClick=${() => go('activate')}>${t('start.activate')}<//>
      <${Button} onClick=${() => go('login')}>${t('start.login')}<//>
    </div>
  </section>`;
}

/** @param {{ go: (r: Route) => void, onSignedIn: (tokens: import('./api.js').TokenResponse, fresh: boolean) => void }} props */
function ActivateScreen({ go, onSignedIn }) {
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [pin2, setPin2] = useState('');
  const [errors, setErrors] = useState(/** @type {{ code?: string, pin?: string, pin2?: string }} */ ({}));
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    /** @type {{ code?: string, pin?: string, pin2?: string }} */
    const errs = {};
    if (!code.trim()) errs.code = t('activate.code.missing');
    if (!/^\d{5,6}$/.test(pin)) errs.pin = t('activate.pin.format');
    else if (pin !== pin2) errs.pin2 = t('activate.mismatch');
    setErrors(errs);
    setProblem(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const tokens = await api.activate(code.trim(), pin);
      onSignedIn(tokens, true);
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) setProblem(t('error.code'));
      else if (err instanceof api.ApiError && err.code === 'validation_failed') setErrors({ pin: err.message });
      else setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="svs-screen">
    <${ScreenTitle}>${t('activate.title')}<//>
    <p class="utrecht-paragraph">${t('activate.intro')}</p>
    <${NoticeBox} notice=${problem ? { text: problem, kind: 'error' } : null} />
    <form class="utrecht-form" onSubmit=${submit} noValidate>
      <${Field} label=${t('activate.code')} id="code" hint=${t('activate.code.hint')} error=${errors.code}>
        <input class="utrecht-textbox utrecht-textbox--html-input svs-code" id="code" name="code" autocomplete="one-time-code"
          autocapitalize="characters" spellcheck=${false} value=${code} onInput=${(/** @type {any} */ e) => setCode(e.currentTarget.value)}
          aria-describedby=${describedBy('code', 'x', errors.code)} aria-invalid=${errors.code ? 'true' : undefined} />
      <//>
      <${Field} label=${t('activate.pin')} id="pin" hint=${t('activate.pin.hint')} error=${errors.pin}>
        <input class="utrecht-textbox utrecht-textbox--html-input" id="pin" name="pin" type="password" inputmode="numeric"
          autocomplete="new-password" maxlength="6" value=${pin} onInput=${(/** @type {any} */ e) => setPin(e.currentTarget.value)}
          aria-describedby=${describedBy('pin', 'x', errors.pin)} aria-invalid=${errors.pin ? 'true' : undefined} />
      <//>
      <${Field} label=${t('activate.pin2')} id="pin2" error=${errors.pin2}>
        <input class="utrecht-textbox utrecht-textbox--html-input" id="pin2" name="pin2" type="password" inputmode="numeric"
          autocomplete="new-password" maxlength="6" value=${pin2} onInput=${(/** @type {any} */ e) => setPin2(e.currentTarget.value)}
          aria-describedby=${describedBy('pin2', undefined, errors.pin2)} aria-invalid=${errors.pin2 ? 'true' : undefined} />
      <//>
      <div class="svs-actions">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('activate.submit')}<//>
        <${Button} kind="subtle" onClick=${() => go('start')}>${t('common.back')}<//>
      </div>
    </form>
  </section>`;
}

/** @param {{ go: (r: Route) => void, onSignedIn: (tokens: import('./api.js').TokenResponse, fresh: boolean) => void }} props */
function LoginScreen({ go, onSignedIn }) {
  const [username, setUsername] = useState('');
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    if (!username.trim() || !pin) {
      setProblem(t('login.missing'));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn(await api.login(username.trim(), pin), false);
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) setProblem(t('login.wrong'));
      else setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="svs-screen">
    <${ScreenTitle}>${t('login.title')}<//>
    <${NoticeBox} notice=${problem ? { text: problem, kind: 'error' } : null} />
    <form class="utrecht-form" onSubmit=${submit} noValidate>
      <${Field} label=${t('login.username')} id="username">
        <input class="utrecht-textbox utrecht-textbox--html-input" id="username" name="username" autocomplete="username"
          autocapitalize="none" spellcheck=${false} value=${username} onInput=${(/** @type {any} */ e) => setUsername(e.currentTarget.value)} />
      <//>
      <${Field} label=${t('login.pin')} id="login-pin">
        <input class="utrecht-textbox utrecht-textbox--html-input" id="login-pin" name="pin" type="password" inputmode="numeric"
          autocomplete="current-password" value=${pin} onInput=${(/** @type {any} */ e) => setPin(e.currentTarget.value)} />
      <//>
      <div class="svs-actions">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('login.submit')}<//>
        <${Button} kind="subtle" onClick=${() => go('start')}>${t('common.back')}<//>
      </div>
    </form>
    <p class="utrecht-paragraph svs-quiet">${t('login.forgot')}</p>
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Home: the current step(s)

/**
 * @param {{ step: MyStep, onCompleted: (r: any) => void, onQueued: (q: Queued) => void, onChanged: (n: Notice, current?: CurrentSteps) => void }} props
 */
function StepCard({ step, onCompleted, onQueued, onChanged }) {
  const [panel, setPanel] = useState(/** @type {null | 'done' | 'snooze' | 'when'} */ (null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [note, setNote] = useState('');
  const [earlier, setEarlier] = useState(false);
  const [doneOn, setDoneOn] = useState(isoDay(-1));
  const [reason, setReason] = useState(/** @type {SnoozeReason | null} */ (null));
  const [snoozeNote, setSnoozeNote] = useState('');
  const [until, setUntil] = useState(/** @type {'1' | '7' | '14'} */ ('7'));
  const [day, setDay] = useState(isoDay(partsLeft(isoDay(0)).length ? 0 : 1));
  const [part, setPart] = useState(/** @type {PartOfDay | null} */ (partsLeft(day)[0] ?? 'morning'));
  const id = step.id;
  const [progress, setProgress] = useState(/** @type {string | null} */ (null));

  /** @param {() => Promise<void>} fn */
  async function act(fn) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  /** @param {Event} e */
  const complete = (e) => {
    e.preventDefault();
    return act(async () => {
      /** @type {import('./api.js').CompleteRequest} */
      const body = {};
      if (note.trim()) body.note = note.trim();
      if (earlier && doneOn) body.done_on = doneOn;
      const key = crypto.randomUUID();
      try {
        onCompleted(await api.complete(id, body, key, 2));
      } catch (err) {
        if (err instanceof api.ApiError && err.offline) {
          /** @type {Queued} */
          const q = { key, stepId: id, title: step.title, body, queuedAt: Date.now() };
          await outbox.put(q);
          onQueued(q);
          return;
        }
        throw err;
      }
    });
  };

  /** @param {Event} e */
  const upload = (e) => {
    const input = /** @type {HTMLInputElement} */ (e.currentTarget);
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    return act(async () => {
      try {
        await api.sendDocument(id, file, (sent, total) =>
          setProgress(sent < total ? t('upload.progress', { percent: Math.floor((100 * sent) / total) }) : null),
        );
      } catch (err) {
        // 413/415/422 carry a detail that says what to do (another photo, a PDF, smaller).
        if (err instanceof api.ApiError && [413, 415, 422].includes(err.status) && err.problem?.detail) {
          throw new Error(t('upload.refused', { detail: err.problem.detail }));
        }
        throw err;
      }
      setProgress(null);
      onChanged({ text: t('upload.done') });
    }).finally(() => setProgress(null));
  };

  const help = () =>
    act(async () => {
      await api.askHelp(id);
      onChanged({ text: t('help.done') });
    });

  /** @param {Event} e */
  const snooze = (e) => {
    e.preventDefault();
    return act(async () => {
      const day = isoDay(Number(until));
      /** @type {import('./api.js').SnoozeRequest} */
      const body = { reason: reason ?? 'other', until: day };
      if (snoozeNote.trim()) body.note = snoozeNote.trim();
      const current = await api.snooze(id, body);
      onChanged({ text: t('snooze.done', { date: formatDay(day) }) }, current);
    });
  };

  /** @param {Event} e */
  const plan = (e) => {
    e.preventDefault();
    return act(async () => {
      try {
        const saved = await api.setIntention(id, { on: day, part_of_day: part });
        setPanel(null);
        onChanged({ text: t('when.done', { when: whenText(saved.intention) }) });
      } catch (err) {
        if (err instanceof api.ApiError && err.code === 'validation_failed') throw new Error(t('when.past'));
        throw err;
      }
    });
  };

  const minutes = step.minutes === 1 ? t('common.minute') : t('common.minutes', { n: step.minutes });
  return html`<article class=${`svs-card${step.urgent ? ' svs-card--urgent' : ''}`} aria-labelledby=${`title-${id}`} data-step=${id}>
    ${step.urgent && html`<p class="utrecht-status-badge utrecht-status-badge--danger svs-badge">${t('step.urgent')}</p>`}
    <h2 class="utrecht-heading-2" id=${`title-${id}`}>${step.title}</h2>
    <p class="svs-meta">${minutes}${step.due_on ? html` · <strong>${t('step.due', { date: formatDay(step.due_on) })}</strong>` : ''}</p>
    <h3 class="utrecht-heading-3">${t('step.why')}</h3>
    <p class="utrecht-paragraph">${step.why}</p>
    <h3 class="utrecht-heading-3">${t('step.how')}</h3>
    <p class="utrecht-paragraph svs-pre">${step.description}</p>
    <h3 class="utrecht-heading-3">${t('step.who')}</h3>
    <p class="utrecht-paragraph">${step.help_requested ? t('step.help_asked') : t('step.who.text')}</p>
    ${step.intention && html`<p class="utrecht-paragraph svs-intention">${t('step.intention', { when: whenText(step.intention) })}</p>`}
    <${NoticeBox} notice=${error ? { text: error, kind: 'error' } : null} />
    ${progress && html`<p class="utrecht-paragraph" role="status">${progress}</p>`}
    ${panel === null &&
    html`<div class="svs-actions">
      <${Button} kind="primary" onClick=${() => setPanel('done')}>${t('step.done')}<//>
      ${!step.help_requested && html`<${Button} onClick=${help} busy=${busy}>${t('step.help')}<//>`}
      ${!step.urgent && html`<${Button} onClick=${() => setPanel('snooze')}>${t('step.snooze')}<//>`}
      <${Button} onClick=${() => setPanel('when')}>${t('step.when')}<//>
      ${(step.evidence === 'photo' || step.evidence === 'document') &&
      html`<label class="utrecht-button utrecht-button--secondary-action svs-button svs-upload" for=${`file-${id}`}>
        ${busy ? t('common.busy') : t('step.upload')}
        <input type="file" class="svs-upload__input" id=${`file-${id}`} accept="image/jpeg,image/png,application/pdf"
          disabled=${busy} onChange=${upload} />
      </label>`}
    </div>`}
    ${panel === 'done' &&
    html`<form class="utrecht-form svs-panel" onSubmit=${complete}>
      <h3 class="utrecht-heading-3">${t('done.title')}</h3>
      <${Field} label=${t('done.note')} id=${`note-${id}`}>
        <textarea class="utrecht-textarea utrecht-textarea--html-textarea" id=${`note-${id}`} maxlength="500" rows="3"
          value=${note} onInput=${(/** @type {any} */ e) => setNote(e.currentTarget.value)}></textarea>
      <//>
      <div class="utrecht-form-field utrecht-form-field--checkbox svs-check">
        <input type="checkbox" class="utrecht-checkbox utrecht-checkbox--html-input" id=${`earlier-${id}`}
          checked=${earlier} onChange=${(/** @type {any} */ e) => setEarlier(e.currentTarget.checked)} />
        <label class="utrecht-form-label utrecht-form-label--checkbox" for=${`earlier-${id}`}>${t('done.earlier')}</label>
      </div>
      ${earlier &&
      html`<${Field} label=${t('done.earlier.day')} id=${`doneon-${id}`}>
        <input type="date" class="utrecht-textbox utrecht-textbox--html-input" id=${`doneon-${id}`} min=${isoDay(-14)} max=${isoDay(0)}
          value=${doneOn} onInput=${(/** @type {any} */ e) => setDoneOn(e.currentTarget.value)} />
      <//>`}
      <div class="svs-actions">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('done.submit')}<//>
        <${Button} kind="subtle" onClick=${() => setPanel(null)}>${t('common.back')}<//>
      </div>
    </form>`}
    ${panel === 'snooze' &&
    html`<form class="utrecht-form svs-panel" onSubmit=${snooze}>
      <h3 class="utrecht-heading-3">${t('snooze.title')}</h3>
      <${Choice} legend=${t('snooze.reason')} name=${`reason-${id}`} value=${reason} onChange=${setReason}
        options=${/** @type {SnoozeReason[]} */ (['waiting_for_post', 'waiting_for_someone', 'no_time_this_week', 'other']).map((v) => ({
          value: v,
          label: t(/** @type {import('./i18n.js').TextKey} */ (`snooze.${v}`)),
        }))} />
      ${reason === 'other' &&
      html`<${Field} label=${t('snooze.note')} id=${`snote-${id}`}>
        <input class="utrecht-textbox utrecht-textbox--html-input" id=${`snote-${id}`} maxlength="200" value=${snoozeNote}
          onInput=${(/** @type {any} */ e) => setSnoozeNote(e.currentTarget.value)} />
      <//>`}
      <${Choice} legend=${t('snooze.until')} name=${`until-${id}`} value=${until} onChange=${setUntil}
        options=${[
          { value: '1', label: t('snooze.tomorrow') },
          { value: '7', label: t('snooze.week') },
          { value: '14', label: t('snooze.two_weeks') },
        ]} />
      <div class="svs-actions">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('snooze.submit')}<//>
        <${Button} kind="subtle" onClick=${() => setPanel(null)}>${t('common.back')}<//>
      </div>
    </form>`}
    ${panel === 'when' &&
    html`<form class="utrecht-form svs-panel" onSubmit=${plan}>
      <h3 class="utrecht-heading-3">${t('when.title')}</h3>
      <${Field} label=${t('when.day')} id=${`day-${id}`}>
        <input type="date" class="utrecht-textbox utrecht-textbox--html-input" id=${`day-${id}`} min=${isoDay(0)} max=${isoDay(60)}
          value=${day} onInput=${(/** @type {any} */ e) => {
            const d = e.currentTarget.value;
            setDay(d);
            const left = partsLeft(d);
            if (part && !left.includes(part)) setPart(left[0] ?? null);
          }} />
      <//>
      <${Choice} legend=${t('when.part')} name=${`part-${id}`} value=${part} onChange=${setPart}
        options=${partsLeft(day).map((v) => ({
          value: v,
          label: t(/** @type {import('./i18n.js').TextKey} */ (`when.${v}`)),
        }))} />
      <div class="svs-actions">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('when.submit')}<//>
        <${Button} kind="subtle" onClick=${() => setPanel(null)}>${t('common.back')}<//>
      </div>
    </form>`}
  </article>`;
}

/** The parts of the day (09:00, 14:00, 19:00) still ahead on `day`. @param {string} day @returns {PartOfDay[]} */
function partsLeft(day) {
  /** @type {[PartOfDay, number][]} */
  const parts = [['morning', 9], ['afternoon', 14], ['evening', 19]];
  if (day !== isoDay(0)) return parts.map(([p]) => p);
  const hour = new Date().getHours();
  return parts.filter(([, h]) => h > hour).map(([p]) => p);
}

/** @param {import('./api.js').Schemas['IntentionView'] | null | undefined} i */
function whenText(i) {
  if (!i) return '';
  const day = formatDay(i.on);
  if (i.time) return `${day} ${i.time}`;
  if (i.part_of_day === 'morning' || i.part_of_day === 'afternoon' || i.part_of_day === 'evening') {
    return `${day}, ${t(/** @type {import('./i18n.js').TextKey} */ (`when.${i.part_of_day}`)).toLowerCase()}`;
  }
  return day;
}

/**
 * A 1–5 question; skippable.
 * @param {{ question: string, prefix: 'mood' | 'alliance', onAnswer: (score: number | null) => void }} props
 */
function Pulse({ question, prefix, onAnswer }) {
  return html`<section class="svs-card svs-pulse" aria-labelledby=${`${prefix}-q`}>
    <h2 class="utrecht-heading-3" id=${`${prefix}-q`}>${question}</h2>
    <div class="svs-scale">
      ${[1, 2, 3, 4, 5].map(
        (n) => html`<button type="button" class="utrecht-button utrecht-button--secondary-action svs-scale__option" onClick=${() => onAnswer(n)}>
          <span class="svs-scale__n" aria-hidden="true">${n}</span> ${t(/** @type {import('./i18n.js').TextKey} */ (`${prefix}.${n}`))}
        </button>`,
      )}
    </div>
    <${Button} kind="subtle" onClick=${() => onAnswer(null)}>${t('mood.skip')}<//>
  </section>`;
}

/**
 * @param {{ go: (r: Route) => void, notice: Notice | null, setNotice: (n: Notice | null) => void, pending: Queued[], addPending: (q: Queued) => void, offline: boolean, welcome: string | null }} props
 */
function HomeScreen({ go, notice, setNotice, pending, addPending, offline, welcome }) {
  /** @param {Event} e */
  const toRoad = (e) => {
    e.preventDefault();
    go('road');
  };
  const [data, setData] = useState(/** @type {CurrentSteps | null} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [moodFor, setMoodFor] = useState(/** @type {string | null} */ (null));
  const [allianceDue, setAllianceDue] = useState(false);
  const [appt, setAppt] = useState(/** @type {MyAppointment | null} */ (null));

  const load = useCallback(async () => {
    try {
      setData(await api.currentSteps());
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);

  useEffect(() => {
    load();
    api.appointments().then(
      (page) => setAppt(page.items.find((a) => a.upcoming && a.status === 'planned') ?? null),
      () => {},
    );
    api
      .progress()
      .then((p) => setAllianceDue(p.alliance_question_due))
      .catch(() => {});
    const onSynced = () => load();
    window.addEventListener('svs:synced', onSynced);
    return () => window.removeEventListener('svs:synced', onSynced);
  }, [load]);

  /** @param {any} r */
  function onCompleted(r) {
    setNotice({ text: `${t('done.saved')}${r.current?.length ? ` ${t('done.next')}` : ''}` });
    if (data) setData({ ...data, steps: r.current, progress: r.progress });
    setMoodFor(r.completed?.id ?? null);
    // Read again, so the phone's offline copy is the new state too.
    load();
  }

  /** @param {number | null} score */
  async function answerMood(score) {
    const step = moodFor;
    setMoodFor(null);
    if (score !== null && step) {
      await api.mood(step, score).catch(() => {});
      setNotice({ text: t('mood.thanks') });
    }
  }

  /** @param {number | null} score */
  async function answerAlliance(score) {
    setAllianceDue(false);
    if (score !== null) {
      await api.alliance(score).catch(() => {});
      setNotice({ text: t('mood.thanks') });
    }
  }

  const waitingIds = new Set(pending.map((p) => p.stepId));
  const steps = (data?.steps ?? []).filter((s) => !waitingIds.has(s.id));
  // The appointment comes first, unless an urgent step asks to be done first.
  const urgentFirst = steps.some((s) => s.urgent);
  const apptCard = appt && html`<${AppointmentCard} key=${appt.id} appt=${appt} title=${t('appt.title')} onChange=${setAppt} />`;
  return html`<section class="svs-screen">
    <${ScreenTitle}>${t('home.title')}<//>
    <a class="utrecht-button utrecht-button--secondary-action svs-button svs-crisis" href="/app/crisis"
      onClick=${(/** @type {Event} */ e) => { e.preventDefault(); go('crisis'); }}>${t('crisis.button')}</a>
    ${welcome && html`<${NoticeBox} notice=${{ text: welcome, kind: 'info' }} />`}
    <${NoticeBox} notice=${notice} />
    <${NoticeBox} notice=${error ? { text: error, kind: 'error' } : null} />
    ${moodFor && html`<${Pulse} question=${t('mood.question')} prefix="mood" onAnswer=${answerMood} />`}
    ${!urgentFirst && apptCard}
    ${pending.map(
      (q) => html`<article class="svs-card svs-card--waiting" aria-labelledby=${`wait-${q.key}`} data-waiting=${q.stepId}>
        <h2 class="utrecht-heading-2" id=${`wait-${q.key}`}>${q.title}</h2>
        <p class="utrecht-paragraph" role="status">${t('step.waiting')}</p>
      </article>`,
    )}
    ${data && !data.plan_id && html`<p class="utrecht-paragraph">${t('home.no_plan')}</p>`}
    ${data && data.plan_id && steps.length === 0 && pending.length === 0 && html`<p class="utrecht-paragraph svs-empty">${t('home.none')}</p>`}
    ${steps.map(
      (s) => html`<${StepCard}
        key=${s.id}
        step=${s}
        onCompleted=${onCompleted}
        onQueued=${(/** @type {Queued} */ q) => addPending(q)}
        onChanged=${(/** @type {Notice} */ n, /** @type {CurrentSteps | undefined} */ current) => {
          setNotice(n);
          if (current) setData(current);
          load();
        }}
      />`,
    )}
    ${urgentFirst && apptCard}
    ${!moodFor && allianceDue && !offline && html`<${Pulse} question=${t('alliance.question')} prefix="alliance" onAnswer=${answerAlliance} />`}
    ${data && data.plan_id && html`<p class="utrecht-paragraph svs-next-link"><a class="utrecht-link" href="/app/road" onClick=${toRoad}>${t('nav.road')}</a></p>`}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Appointments

/** @typedef {import('./api.js').MyAppointment} MyAppointment */
/** @typedef {import('./api.js').Road} Road */

/**
 * When an appointment is, in the resident's own time zone: the server writes its times with
 * the resident's offset, so the wall clock is read from the text itself (not the phone's zone).
 * @param {MyAppointment} a
 */
function apptWhen(a) {
  return t('appt.when', { day: formatDay(a.starts_at.slice(0, 10)), from: a.starts_at.slice(11, 16), to: a.ends_at.slice(11, 16) });
}

/** @param {string} text a place, phone number or link */
function placeLink(text) {
  if (/^https:\/\/\S+$/.test(text)) return html`<a class="utrecht-link" href=${text} rel="noreferrer">${text}</a>`;
  if (/^\+?[\d\s-]{6,}$/.test(text)) return html`<a class="utrecht-link" href=${`tel:${text.replace(/[\s-]/g, '')}`}>${text}</a>`;
  return text;
}

/**
 * One appointment: when, how, where, with whom, what to bring; "Ik kom", another moment,
 * into the calendar.
 * @param {{ appt: MyAppointment, title: string, level?: 1 | 2, onChange: (a: MyAppointment) => void }} props
 */
function AppointmentCard({ appt: a, title, level = 2, onChange }) {
  const [panel, setPanel] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState(/** @type {string | undefined} */ (undefined));
  const [busy, setBusy] = useState(/** @type {null | 'confirm' | 'move' | 'calendar'} */ (null));
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const id = `appt-${a.id}`;

  /** @param {'confirm' | 'move' | 'calendar'} what @param {() => Promise<void>} fn */
  async function act(what, fn) {
    setBusy(what);
    setNotice(null);
    try {
      await fn();
    } catch (e) {
      setNotice({ text: messageOf(e), kind: 'error' });
    } finally {
      setBusy(null);
    }
  }

  const confirm = () =>
    act('confirm', async () => {
      onChange(await api.confirmAppointment(a.id));
      setNotice({ text: t('appt.confirm.done') });
    });

  /** @param {Event} e */
  const move = (e) => {
    e.preventDefault();
    if (!reason.trim()) {
      setReasonError(t('appt.move.missing'));
      return;
    }
    setReasonError(undefined);
    return act('move', async () => {
      onChange(await api.askToMove(a.id, reason.trim()));
      setPanel(false);
    });
  };

  const calendar = () =>
    act('calendar', async () => {
      const file = await api.appointmentCalendar(a.id);
      const url = URL.createObjectURL(new Blob([file.blob], { type: 'text/calendar' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.filename || 'afspraak.ics';
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setNotice({ text: t('appt.calendar.ready', { file: link.download }) });
    });

  const heading = level === 1 ? html`<${ScreenTitle}>${title}<//>` : html`<h2 class="utrecht-heading-2" id=${`${id}-title`}>${title}</h2>`;
  const open = a.status === 'planned' && a.upcoming;
  return html`<article class="svs-card svs-appt" aria-labelledby=${level === 1 ? undefined : `${id}-title`} data-appointment=${a.id}>
    ${heading}
    <p class="svs-appt__when"><strong>${apptWhen(a)}</strong></p>
    <dl class="svs-facts">
      <div><dt>${t('appt.with')}</dt><dd>${a.with_first_name ? t('appt.with.name', { name: a.with_first_name, team: a.team_name }) : t('appt.with.team', { team: a.team_name })}</dd></div>
      <div><dt>${t(/** @type {import('./i18n.js').TextKey} */ (`appt.place.${a.kind}`))}</dt><dd>${a.place ? placeLink(a.place) : t(/** @type {import('./i18n.js').TextKey} */ (`appt.kind.${a.kind}`))}</dd></div>
      ${a.bring && html`<div><dt>${t('appt.bring')}</dt><dd class="svs-pre">${a.bring}</dd></div>`}
      ${a.steps.length > 0 && html`<div><dt>${t('appt.about')}</dt><dd>${a.steps.map((s) => s.title).join(', ')}</dd></div>`}
    </dl>
    <${NoticeBox} notice=${notice} />
    ${a.status === 'cancelled' && html`<p class="utrecht-paragraph">${t('appt.cancelled')}</p>`}
    ${a.status !== 'cancelled' && !a.upcoming && html`<p class="utrecht-paragraph">${t('appt.past')}</p>`}
    ${open && a.confirmed && !a.move_requested && html`<p class="utrecht-paragraph svs-intention">${t('appt.confirmed')}</p>`}
    ${open && a.move_requested && html`<p class="utrecht-paragraph svs-intention" role="status">${t('appt.moving')}</p>`}
    ${open && !panel &&
    html`<div class="svs-actions">
      ${!a.confirmed && !a.move_requested && html`<${Button} kind="primary" onClick=${confirm} busy=${busy === 'confirm'}>${t('appt.confirm')}<//>`}
      ${!a.move_requested && html`<${Button} onClick=${() => setPanel(true)}>${t('appt.move')}<//>`}
      <${Button} onClick=${calendar} busy=${busy === 'calendar'}>${t('appt.calendar')}<//>
    </div>`}
    ${open && panel &&
    html`<form class="utrecht-form svs-panel" onSubmit=${move} noValidate>
      <h3 class="utrecht-heading-3">${t('appt.move.title')}</h3>
      <${Field} label=${t('appt.move.reason')} id=${`${id}-reason`} hint=${t('appt.move.hint')} error=${reasonError}>
        <textarea class="utrecht-textarea utrecht-textarea--html-textarea" id=${`${id}-reason`} maxlength="300" rows="3"
          aria-describedby=${describedBy(`${id}-reason`, 'x', reasonError)} aria-invalid=${reasonError ? 'true' : undefined}
          value=${reason} onInput=${(/** @type {any} */ e) => setReason(e.currentTarget.value)}></textarea>
      <//>
      <div class="svs-actions">
        <${Button} kind="primary" type="submit" busy=${busy === 'move'}>${t('appt.move.submit')}<//>
        <${Button} kind="subtle" onClick=${() => setPanel(false)}>${t('common.back')}<//>
      </div>
    </form>`}
  </article>`;
}

/** The appointment with this id (/app/appointments/{id}); another resident's answers 404 alike. @param {{ id: string, go: (r: Route) => void }} props */
function AppointmentScreen({ id, go }) {
  const [appt, setAppt] = useState(/** @type {MyAppointment | null} */ (null));
  const [state, setState] = useState(/** @type {'loading' | 'ok' | 'missing' | 'error'} */ ('loading'));
  const [error, setError] = useState('');
  useEffect(() => {
    api.appointment(id).then(
      (a) => {
        setAppt(a);
        setState('ok');
      },
      (e) => {
        if (e instanceof api.ApiError && (e.status === 404 || e.status === 400 || e.status === 422)) setState('missing');
        else {
          setError(messageOf(e));
          setState('error');
        }
      },
    );
  }, [id]);
  const home = html`<p class="utrecht-paragraph"><a class="utrecht-link" href="/app/"
    onClick=${(/** @type {Event} */ e) => { e.preventDefault(); go('home'); }}>${t('appt.home')}</a></p>`;
  if (state === 'missing') {
    return html`<section class="svs-screen" data-screen="appointment-missing">
      <${ScreenTitle}>${t('appt.screen')}<//>
      <p class="utrecht-paragraph">${t('appt.missing')}</p>
      ${home}
    </section>`;
  }
  return html`<section class="svs-screen" data-screen="appointment">
    ${state === 'error' && html`<${ScreenTitle}>${t('appt.screen')}<//><${NoticeBox} notice=${{ text: error, kind: 'error' }} />`}
    ${state === 'loading' && html`<p class="utrecht-paragraph svs-loading" role="status">${t('common.busy')}</p>`}
    ${appt && html`<${AppointmentCard} appt=${appt} title=${t('appt.screen')} level=${1} onChange=${setAppt} />`}
    ${home}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// What happens next (the road)

/** @param {{ offline: boolean, go: (r: Route) => void, openAppointment: (id: string) => void }} props */
function RoadScreen({ offline, openAppointment }) {
  const [road, setRoad] = useState(/** @type {Road | null} */ (null));
  const [state, setState] = useState(/** @type {'loading' | 'ok' | 'no_plan' | 'error'} */ ('loading'));
  const [error, setError] = useState('');
  useEffect(() => {
    api.road().then(
      (r) => {
        setRoad(r);
        setState('ok');
      },
      (e) => {
        if (e instanceof api.ApiError && e.status === 404) setState('no_plan');
        else {
          setError(messageOf(e));
          setState('error');
        }
      },
    );
  }, []);
  const r = road;
  const days = r ? (r.days_in_phase <= 0 ? t('road.today') : r.days_in_phase === 1 ? t('road.day') : t('road.days', { n: r.days_in_phase })) : '';
  return html`<section class="svs-screen" data-screen="road">
    <${ScreenTitle}>${t('road.title')}<//>
    ${offline && html`<${NoticeBox} notice=${{ text: t('road.offline'), kind: 'info' }} />`}
    ${state === 'loading' && html`<p class="utrecht-paragraph svs-loading" role="status">${t('common.busy')}</p>`}
    ${state === 'error' && html`<${NoticeBox} notice=${{ text: error, kind: 'error' }} />`}
    ${state === 'no_plan' && html`<p class="utrecht-paragraph">${t('road.no_plan')}</p>`}
    ${r &&
    html`<p class="utrecht-paragraph">${t('road.intro')}</p>
      <ol class="svs-road">
        ${r.phases.map(
          (p) => html`<li class=${`svs-road__phase svs-road__phase--${p.state}`} data-phase=${p.key} aria-current=${p.state === 'current' ? 'step' : undefined}>
            <span class="svs-road__mark" aria-hidden="true">${p.state === 'done' ? '✓' : p.state === 'current' ? '●' : '○'}</span>
            <div class="svs-road__body">
              <p class="svs-road__state">${t(/** @type {import('./i18n.js').TextKey} */ (`road.state.${p.state}`))}</p>
              <h2 class="utrecht-heading-3 svs-road__name">${p.name}</h2>
              <p class="utrecht-paragraph">${p.description}</p>
              ${p.state === 'current' && html`<p class="utrecht-paragraph">${days} ${r.usual_weeks > 0 ? t('road.usual', { weeks: r.usual_weeks }) : ''}</p>`}
            </div>
          </li>`,
        )}
      </ol>
      ${r.ready_for_next_phase && html`<${NoticeBox} notice=${{ text: t('road.ready') }} />`}

      ${!r.ready_for_next_phase &&
      html`<h2 class="utrecht-heading-2">${t('road.open')}</h2>
        <p class="utrecht-paragraph">${t('road.open.count', { met: r.criteria_met, total: r.criteria_total })}</p>
        <ul class="svs-list svs-criteria">
          ${r.open_criteria.map(
            (c) => html`<li data-criterion=${c.code}>
              <span class="svs-mark" aria-hidden="true">…</span>
              <span>${c.name}${c.steps_total > 0 ? html`<br /><span class="svs-quiet">${c.steps_total === 1 ? t('road.open.step', { done: c.steps_done }) : t('road.open.steps', { done: c.steps_done, total: c.steps_total })}</span>` : ''}</span>
            </li>`,
          )}
        </ul>`}

      ${r.next_appointment &&
      html`<h2 class="utrecht-heading-2">${t('road.next_appt')}</h2>
        <p class="utrecht-paragraph">${apptWhen(r.next_appointment)} · ${t(/** @type {import('./i18n.js').TextKey} */ (`appt.kind.${r.next_appointment.kind}`))}</p>
        <p class="utrecht-paragraph"><a class="utrecht-link" href=${`/app/appointments/${r.next_appointment.id}`}
          onClick=${(/** @type {Event} */ e) => { e.preventDefault(); if (r.next_appointment) openAppointment(r.next_appointment.id); }}>${t('road.next_appt.open')}</a></p>`}

      <h2 class="utrecht-heading-2">${t('road.contacts')}</h2>
      ${r.contacts.length > 0 &&
      html`<ul class="svs-list svs-contacts">
        ${r.contacts.map((c) => html`<li>${t(c.role === 'caseworker' ? 'road.contact.caseworker' : 'road.contact.volunteer', { name: c.first_name })}</li>`)}
      </ul>`}
      ${(r.team.phone || r.team.email || r.team.hours) &&
      html`<h3 class="utrecht-heading-3">${t('road.team', { team: r.team.name })}</h3>
      <dl class="svs-facts">
        ${r.team.phone && html`<div><dt>${t('road.team.phone')}</dt><dd><a class="utrecht-link" href=${`tel:${r.team.phone.replace(/[\s-]/g, '')}`}>${r.team.phone}</a></dd></div>`}
        ${r.team.email && html`<div><dt>${t('road.team.email')}</dt><dd><a class="utrecht-link" href=${`mailto:${r.team.email}`}>${r.team.email}</a></dd></div>`}
        ${r.team.hours && html`<div><dt>${t('road.team.hours')}</dt><dd>${r.team.hours}</dd></div>`}
      </dl>`}`}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Progress

/** @param {{ offline: boolean, go: (r: Route) => void }} props */
function ProgressScreen({ offline, go }) {
  const [p, setP] = useState(/** @type {MyProgress | null} */ (null));
  const [done, setDone] = useState(/** @type {MyStep[]} */ ([]));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  useEffect(() => {
    api.progress().then(setP, (e) => setError(messageOf(e)));
    api.doneSteps().then((page) => setDone(page.items), () => {});
  }, []);
  const pr = p?.progress;
  return html`<section class="svs-screen">
    <${ScreenTitle}>${t('progress.title')}<//>
    ${offline && html`<${NoticeBox} notice=${{ text: t('progress.offline'), kind: 'info' }} />`}
    <${NoticeBox} notice=${error ? { text: error, kind: 'error' } : null} />
    ${p &&
    pr &&
    html`
      <p class="utrecht-paragraph utrecht-paragraph--lead">${p.days_in_stabilisation <= 0
        ? t('progress.today')
        : p.days_in_stabilisation === 1
          ? t('progress.day')
          : t('progress.days', { n: p.days_in_stabilisation })}</p>
      <p class="utrecht-paragraph" id="summary">${t('progress.summary', { done: pr.done, total: pr.total })}</p>
      <progress class="svs-progress" max=${Math.max(pr.total, 1)} value=${pr.done} aria-labelledby="summary"></progress>
      <p class="utrecht-paragraph svs-next-link"><a class="utrecht-link" href="/app/road"
        onClick=${(/** @type {Event} */ e) => { e.preventDefault(); go('road'); }}>${t('nav.road')}</a></p>
      ${pr.ready_for_arrangement && html`<${NoticeBox} notice=${{ text: t('progress.ready') }} />`}

      <h2 class="utrecht-heading-2">${t('progress.criteria')}</h2>
      <ul class="svs-list svs-criteria">
        ${pr.criteria.map(
          (c) => html`<li>
            <span class=${`svs-mark ${c.met ? 'svs-mark--met' : ''}`} aria-hidden="true">${c.met ? '✓' : '…'}</span>
            <span>${c.name}: <strong>${c.met ? t('progress.met') : t('progress.not_met')}</strong></span>
          </li>`,
        )}
      </ul>

      <h2 class="utrecht-heading-2">${t('progress.categories')}</h2>
      <ul class="svs-list">
        ${pr.categories.map(
          (c) => html`<li class="svs-category">
            <span class="svs-category__name">${categoryName(c.category)}</span>
            <span class="svs-category__count">${t('progress.category', { done: c.done, total: c.total })}</span>
          </li>`,
        )}
      </ul>

      <h2 class="utrecht-heading-2">${t('progress.milestones')}</h2>
      ${pr.milestones.length === 0
        ? html`<p class="utrecht-paragraph">${t('progress.no_milestones')}</p>`
        : html`<ul class="svs-list">
            ${pr.milestones.map(
              (m) => html`<li>
                ${m.kind === 'category_done'
                  ? t('progress.milestone.category_done', { name: categoryName(m.category ?? '') })
                  : t(/** @type {import('./i18n.js').TextKey} */ (`progress.milestone.${m.kind}`))}
              </li>`,
            )}
          </ul>`}

      <h2 class="utrecht-heading-2">${t('progress.for_you')}</h2>
      ${p.done_for_you.length === 0
        ? html`<p class="utrecht-paragraph">${t('progress.no_for_you')}</p>`
        : html`<ul class="svs-list">
            ${p.done_for_you.map((d) => {
              const finished = d.status === 'done' || d.status === 'verified';
              const who = d.owner_first_name
                ? t(finished ? 'progress.for_you.done' : 'progress.for_you.by', { name: d.owner_first_name })
                : t(finished ? 'progress.for_you.done_someone' : 'progress.for_you.someone');
              return html`<li><strong>${d.title}</strong><br />${who}</li>`;
            })}
          </ul>`}

      <h2 class="utrecht-heading-2">${t('progress.done_steps')}</h2>
      ${done.length === 0
        ? html`<p class="utrecht-paragraph">${t('progress.no_done')}</p>`
        : html`<ul class="svs-list">
            ${done.map(
              (s) => html`<li><span class="svs-mark svs-mark--met" aria-hidden="true">✓</span> ${s.title}${s.completed_at
                ? html` <span class="svs-quiet">(${formatDay(s.completed_at.slice(0, 10))})</span>`
                : ''}</li>`,
            )}
          </ul>`}
    `}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Crisis

/** @param {{ go: (r: Route) => void, setNotice: (n: Notice | null) => void }} props */
function CrisisScreen({ go, setNotice }) {
  const [busy, setBusy] = useState(/** @type {CrisisKind | null} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  /** @param {CrisisKind} kind */
  async function report(kind) {
    setBusy(kind);
    setError(null);
    try {
      await api.crisis(kind);
      setNotice({ text: t('crisis.done') });
      go('home');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  }
  /** @type {CrisisKind[]} */
  const kinds = ['eviction', 'disconnection', 'health_insurance', 'garnishment'];
  return html`<section class="svs-screen">
    <${ScreenTitle}>${t('crisis.title')}<//>
    <p class="utrecht-paragraph">${t('crisis.intro')}</p>
    <${NoticeBox} notice=${error ? { text: error, kind: 'error' } : null} />
    <div class="svs-actions">
      ${kinds.map(
        (k) => html`<${Button} onClick=${() => report(k)} busy=${busy === k} class="svs-crisis-kind">${t(/** @type {import('./i18n.js').TextKey} */ (`crisis.${k}`))}<//>`,
      )}
      <${Button} kind="subtle" onClick=${() => go('home')}>${t('common.back')}<//>
    </div>
    <p class="utrecht-paragraph"><strong>${t('crisis.danger')}</strong></p>
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// Settings

/** @param {{ me: Me | null, onLang: (l: import('./i18n.js').Lang) => void, onSignOut: () => void }} props */
function SettingsScreen({ me, onLang, onSignOut }) {
  const [prefs, setPrefs] = useState(/** @type {import('./api.js').Preferences | null} */ (null));
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [exported, setExported] = useState(/** @type {string | null} */ (null));
  useEffect(() => {
    api.preferences().then(setPrefs, (e) => setNotice({ text: messageOf(e), kind: 'error' }));
  }, []);
  const [from, to] = (prefs?.quiet_hours ?? '21:00-08:00').split('-');

  /** @param {Partial<import('./api.js').Preferences>} change */
  const edit = (change) => prefs && setPrefs({ ...prefs, ...change });

  /** @param {Event} e */
  async function save(e) {
    e.preventDefault();
    if (!prefs) return;
    setBusy(true);
    try {
      setPrefs(await api.savePreferences(prefs));
      setNotice({ text: t('settings.saved') });
    } catch (err) {
      setNotice({ text: messageOf(err), kind: 'error' });
    } finally {
      setBusy(false);
    }
  }

  async function download() {
    try {
      const data = await api.exportData();
      const file = `stap-voor-stap-${isoDay(0)}.json`;
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = file;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setExported(t('settings.export.ready', { file }));
    } catch (err) {
      setExported(messageOf(err));
    }
  }

  return html`<section class="svs-screen">
    <${ScreenTitle}>${t('settings.title')}<//>
    ${me?.login_name && html`<p class="utrecht-paragraph">${t('settings.account', { name: me.login_name })}</p>`}
    <${Choice} legend=${t('settings.language')} name="lang" value=${lang()} onChange=${onLang}
      options=${[
        { value: 'nl', label: 'Nederlands' },
        { value: 'en', label: 'English' },
      ]} />

    <h2 class="utrecht-heading-2">${t('settings.reminders')}</h2>
    <${NoticeBox} notice=${notice} />
    ${prefs &&
    html`<form class="utrecht-form" onSubmit=${save}>
      <div class="utrecht-form-field utrecht-form-field--checkbox svs-check">
        <input type="checkbox" class="utrecht-checkbox utrecht-checkbox--html-input" id="enabled" checked=${prefs.enabled}
          onChange=${(/** @type {any} */ e) => edit({ enabled: e.currentTarget.checked })} />
        <label class="utrecht-form-label utrecht-form-label--checkbox" for="enabled">${t('settings.reminders.enabled')}</label>
      </div>
      <fieldset class="utrecht-form-fieldset svs-choice">
        <legend class="utrecht-form-fieldset__legend utrecht-form-label">${t('settings.quiet')}</legend>
        <div class="svs-row">
          <${Field} label=${t('settings.quiet.from')} id="quiet-from">
            <input type="time" class="utrecht-textbox utrecht-textbox--html-input" id="quiet-from" value=${from}
              onInput=${(/** @type {any} */ e) => edit({ quiet_hours: `${e.currentTarget.value}-${to}` })} />
          <//>
          <${Field} label=${t('settings.quiet.to')} id="quiet-to">
            <input type="time" class="utrecht-textbox utrecht-textbox--html-input" id="quiet-to" value=${to}
              onInput=${(/** @type {any} */ e) => edit({ quiet_hours: `${from}-${e.currentTarget.value}` })} />
          <//>
        </div>
      </fieldset>
      <${Field} label=${t('settings.daily')} id="daily">
        <select class="utrecht-select utrecht-select--html-select" id="daily" value=${String(prefs.daily_cap)}
          onChange=${(/** @type {any} */ e) => edit({ daily_cap: Number(e.currentTarget.value) })}>
          ${[1, 2, 3].map((n) => html`<option value=${String(n)}>${n}</option>`)}
        </select>
      <//>
      <${Field} label=${t('settings.weekly')} id="weekly">
        <select class="utrecht-select utrecht-select--html-select" id="weekly" value=${String(prefs.weekly_cap)}
          onChange=${(/** @type {any} */ e) => edit({ weekly_cap: Number(e.currentTarget.value) })}>
          ${[1, 2, 3, 4, 5, 6, 7].map((n) => html`<option value=${String(n)}>${n}</option>`)}
        </select>
      <//>
      <div class="svs-actions"><${Button} kind="primary" type="submit" busy=${busy}>${t('common.save')}<//></div>
    </form>`}

    <${DevicesPanel} />

    <h2 class="utrecht-heading-2">${t('settings.export')}</h2>
    <p class="utrecht-paragraph">${t('settings.export.text')}</p>
    <div class="svs-actions"><${Button} onClick=${download}>${t('settings.export.button')}<//></div>
    ${exported && html`<p class="utrecht-paragraph" role="status">${exported}</p>`}

    <h2 class="utrecht-heading-2">${t('settings.logout')}</h2>
    <p class="utrecht-paragraph">${t('settings.logout.text')}</p>
    <div class="svs-actions"><${Button} onClick=${onSignOut}>${t('settings.logout')}<//></div>
  </section>`;
}

/** Which of my phones and browsers get my reminders; this browser can be added (Web Push). */
function DevicesPanel() {
  const [list, setList] = useState(/** @type {import('./api.js').Device[] | null} */ (null));
  const [push, setPush] = useState(/** @type {import('./api.js').WebPushInfo | null} */ (null));
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [busy, setBusy] = useState(false);
  const load = () =>
    api.devices().then(
      (d) => setList(d.items),
      (e) => setNotice({ text: messageOf(e), kind: 'error' }),
    );
  useEffect(() => {
    load();
    api.webPushInfo().then(setPush, () => setPush(null));
  }, []);
  const canPush =
    push?.available && push.public_key && 'serviceWorker' in navigator && 'PushManager' in window &&
    typeof Notification !== 'undefined' && Notification.permission !== 'denied';
  const hasThis = (list ?? []).some((d) => d.this_session && d.platform === 'web_push');

  async function subscribe() {
    if (!push?.public_key) return;
    setBusy(true);
    try {
      if ((await Notification.requestPermission()) !== 'granted') {
        setNotice({ text: t('settings.devices.denied') });
        return;
      }
      const reg = await navigator.serviceWorker.ready;
      const sub = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64UrlBytes(push.public_key),
      });
      await api.registerWebPush(sub.toJSON(), navigator.language || lang());
      setNotice({ text: t('settings.devices.added') });
      await load();
    } catch (err) {
      setNotice({ text: err instanceof Error && !('status' in err) ? t('settings.devices.failed') : messageOf(err), kind: 'error' });
    } finally {
      setBusy(false);
    }
  }

  /** @param {string} id */
  async function remove(id) {
    try {
      await api.removeDevice(id);
      setNotice({ text: t('settings.devices.removed') });
      await load();
    } catch (err) {
      setNotice({ text: messageOf(err), kind: 'error' });
    }
  }

  /** @param {import('./api.js').Device} d */
  const name = (d) =>
    d.this_session
      ? t('settings.devices.this')
      : t(
          {
            android: /** @type {const} */ ('settings.devices.platform.android'),
            ios: /** @type {const} */ ('settings.devices.platform.ios'),
            web: /** @type {const} */ ('settings.devices.platform.web'),
            web_push: /** @type {const} */ ('settings.devices.platform.web_push'),
          }[d.platform],
        );

  return html`<h2 class="utrecht-heading-2">${t('settings.devices')}</h2>
    <${NoticeBox} notice=${notice} />
    ${list && list.length === 0 && html`<p class="utrecht-paragraph">${t('settings.devices.none')}</p>`}
    ${list && list.length > 0 &&
    html`<ul class="utrecht-unordered-list svs-devices">
      ${list.map(
        (d) => html`<li class="utrecht-unordered-list__item" key=${d.id}>
          <span>${name(d)}</span>
          <${Button} onClick=${() => remove(d.id)}>${t('settings.devices.remove')}<//>
        </li>`,
      )}
    </ul>`}
    ${canPush && !hasThis &&
    html`<p class="utrecht-paragraph">${t('settings.devices.push.text')}</p>
      <div class="svs-actions"><${Button} onClick=${subscribe} busy=${busy}>${t('settings.devices.push')}<//></div>`}`;
}

/**
 * The VAPID key as bytes for `applicationServerKey`.
 * @param {string} b64
 */
function base64UrlBytes(b64) {
  const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// ---------------------------------------------------------------------------------------------
// The app

function App() {
  const [route, setRoute] = useState(routeOf());
  const [session, setSession] = useState(/** @type {'unknown' | 'in' | 'out'} */ ('unknown'));
  const [me, setMe] = useState(/** @type {Me | null} */ (null));
  const [notice, setNotice] = useState(/** @type {Notice | null} */ (null));
  const [welcome, setWelcome] = useState(/** @type {string | null} */ (null));
  const [pending, setPending] = useState(/** @type {Queued[]} */ ([]));
  const [offline, setOffline] = useState(!navigator.onLine);
  const [, setLangTick] = useState(0);
  const flushing = useRef(false);

  const go = useCallback(
    /** @param {Route} r */ (r) => {
    if (r !== routeOf()) history.pushState(null, '', pathOf(r));
    setRoute(r);
    window.scrollTo(0, 0);
    },
    [],
  );

  const openAppointment = useCallback(
    /** @param {string} id */ (id) => {
      history.pushState(null, '', `/app/appointments/${encodeURIComponent(id)}`);
      setRoute('appointment');
      window.scrollTo(0, 0);
    },
    [],
  );

  const flush = useCallback(async () => {
    if (flushing.current || !api.signedIn()) return;
    flushing.current = true;
    try {
      const items = await outbox.all();
      let sent = 0;
      for (const q of items) {
        try {
          await api.complete(q.stepId, q.body, q.key, 2);
          sent++;
        } catch (e) {
          if (e instanceof api.ApiError && e.offline) break;
          // Done already (or no longer open): nothing left to send for it.
        }
        await outbox.remove(q.key);
      }
      const left = await outbox.all();
      setPending(left);
      if (sent > 0 && left.length === 0) {
        setNotice({ text: t('net.synced') });
        window.dispatchEvent(new Event('svs:synced'));
      }
    } finally {
      flushing.current = false;
    }
  }, []);

  // The language: one chosen on this phone is told to the account (so step texts and
  // reminders come in it too); without one, the account's language is the app's.
  const syncLang = useCallback(
    /** @param {Me} user */
    (user) => {
      const chosen = chosenLang();
      if (chosen && chosen !== user.language) {
        api.updateMe({ language: chosen }).then(setMe, () => {});
      } else if (!chosen && user.language !== lang()) {
        setLang(user.language);
        setLangTick((n) => n + 1);
      }
    },
    [],
  );

  const onSignedIn = useCallback(
    /** @param {import('./api.js').TokenResponse} tokens @param {boolean} fresh */
    (tokens, fresh) => {
      rememberSignedIn(true);
      setMe(tokens.user);
      syncLang(tokens.user);
      setSession('in');
      if (fresh && tokens.user.login_name) setWelcome(t('welcome.login_name', { name: tokens.user.login_name }));
      go('home');
      flush();
    },
    [go, flush, syncLang],
  );

  useEffect(() => {
    api.whenSignedOut(() => {
      rememberSignedIn(false);
      setSession('out');
      setNotice({ text: t('error.session'), kind: 'info' });
    });
    const onPop = () => setRoute(routeOf());
    const onOnline = () => {
      setOffline(false);
      const retry = api.signedIn() ? Promise.resolve() : api.refresh().then((tk) => tk && setMe(tk.user));
      retry.then(flush, () => {});
    };
    const onOffline = () => setOffline(true);
    /** @param {Event} e */
    const onNet = (e) => setOffline(/** @type {CustomEvent} */ (e).detail.offline || !navigator.onLine);
    window.addEventListener('popstate', onPop);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    window.addEventListener('svs:net', onNet);
    outbox.all().then(setPending, () => {});
    api.refresh().then(
      (tokens) => {
        if (tokens) {
          setMe(tokens.user);
          syncLang(tokens.user);
          setSession('in');
          rememberSignedIn(true);
          flush();
        }
      },
      (e) => {
        // Offline with a session from before: show what the phone still knows.
        if (e instanceof api.ApiError && e.offline && wasSignedIn()) setSession('in');
        else setSession('out');
      },
    );
    return () => {
      window.removeEventListener('popstate', onPop);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('svs:net', onNet);
    };
  }, [flush]);

  useEffect(() => {
    if (session === 'out' && !PUBLIC.includes(route)) go('start');
    if (session === 'in' && PUBLIC.includes(route)) go('home');
  }, [session, route, go]);

  // A notice belongs to the screen it was given on.
  useEffect(() => {
    if (route !== 'home') setWelcome(null);
  }, [route]);

  /** @param {import('./i18n.js').Lang} l */
  function changeLang(l) {
    setLang(l);
    setLangTick((n) => n + 1);
    if (api.signedIn()) api.updateMe({ language: l }).then(setMe, () => {});
  }

  async function signOut() {
    await api.logout().catch(() => {});
    await outbox.clear().catch(() => {});
    navigator.serviceWorker?.controller?.postMessage('clear-data');
    rememberSignedIn(false);
    setMe(null);
    setPending([]);
    setSession('out');
    go('start');
  }

  if (session === 'unknown') {
    return html`<main id="main" class="svs-main"><p class="utrecht-paragraph svs-loading" role="status">${t('common.busy')}</p></main>`;
  }
  const signedIn = session === 'in';
  /** @param {Route} r @param {string} label */
  const navLink = (r, label) =>
    html`<li class="svs-nav__item"><a class="svs-nav__link" href=${pathOf(r)} aria-current=${route === r ? 'page' : undefined}
      onClick=${(/** @type {Event} */ e) => { e.preventDefault(); go(r); }}>${label}</a></li>`;

  /** @type {any} */
  let screen;
  switch (signedIn ? route : PUBLIC.includes(route) ? route : 'start') {
    case 'activate':
      screen = html`<${ActivateScreen} go=${go} onSignedIn=${onSignedIn} />`;
      break;
    case 'login':
      screen = html`<${LoginScreen} go=${go} onSignedIn=${onSignedIn} />`;
      break;
    case 'start':
      screen = html`<${StartScreen} go=${go} />`;
      break;
    case 'progress':
      screen = html`<${ProgressScreen} offline=${offline} go=${go} />`;
      break;
    case 'road':
      screen = html`<${RoadScreen} offline=${offline} go=${go} openAppointment=${openAppointment} />`;
      break;
    case 'appointment':
      screen = html`<${AppointmentScreen} key=${location.pathname} id=${decodeURIComponent(APPOINTMENT.exec(location.pathname)?.[1] ?? '')} go=${go} />`;
      break;
    case 'settings':
      screen = html`<${SettingsScreen} me=${me} onLang=${changeLang} onSignOut=${signOut} />`;
      break;
    case 'crisis':
      screen = html`<${CrisisScreen} go=${go} setNotice=${setNotice} />`;
      break;
    default:
      screen = html`<${HomeScreen} go=${go} notice=${notice} setNotice=${setNotice} pending=${pending}
        addPending=${(/** @type {Queued} */ q) => setPending((p) => [...p, q])} offline=${offline} welcome=${welcome} />`;
  }
  return html`
    <a class="utrecht-skip-link svs-skip" href="#main">${t('app.skip')}</a>
    <header class="svs-header">
      <p class="svs-header__name"><img src="/app/icons/icon.svg" alt="" width="28" height="28" /> ${t('app.name')}</p>
      ${signedIn &&
      html`<nav class="svs-nav" aria-label=${t('nav.label')}>
        <ul class="svs-nav__list">
          ${navLink('home', t('nav.home'))} ${navLink('progress', t('nav.progress'))} ${navLink('settings', t('nav.settings'))}
        </ul>
      </nav>`}
    </header>
    <main id="main" class="svs-main" tabindex="-1">
      ${offline && html`<div class="svs-offline" role="status">${t('net.offline')}</div>`}
      ${pending.length > 0 && route !== 'home' && html`<div class="svs-offline" role="status">${t('net.waiting', { n: pending.length })}</div>`}
      ${screen}
    </main>`;
}

setLang(lang());
const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => {
    // Without a worker the app still works online.
  });
}
