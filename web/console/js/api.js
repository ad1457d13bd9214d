// The API client of the staff console: the core both apps share (../../common/api-core.js:
// token in memory, refresh cookie, Idempotency-Key, retries) with the console's wording of
// problems and its calls. Screens call these functions, never `fetch`.

import { t, lang } from './i18n.js';
import { request, configure } from '../../common/api-core.js';

export { ApiError, request, refresh, login, logout, whenSignedOut, signedIn } from '../../common/api-core.js';

/** @typedef {import('../../types/api').components['schemas']} Schemas */
/** @typedef {import('../../common/api-core.js').Problem} Problem */
/** @typedef {Schemas['TokenResponse']} TokenResponse */
/** @typedef {Schemas['MeResponse']} Me */
/** @typedef {Schemas['ResidentResponse']} Resident */
/** @typedef {Schemas['ActivationCodeResponse']} Activation */
/** @typedef {Schemas['PlanResponse']} Plan */
/** @typedef {Schemas['StepResponse']} Step */
/** @typedef {Schemas['TeamResponse']} Team */
/** @typedef {Schemas['TeamMemberResponse']} Member */
/** @typedef {Schemas['UserResponse']} User */
/** @typedef {Schemas['TemplateResponse']} TemplateResponse */
/** @typedef {Schemas['EventResponse']} Event */
/** @typedef {Schemas['DocumentResponse']} Document */
/** @typedef {Schemas['ReminderResponse']} Reminder */
/** @typedef {Schemas['AssignedStepResponse']} Assigned */
/** @typedef {Schemas['AuditResponse']} Audit */
/** @typedef {Schemas['Role']} Role */
/** @typedef {Schemas['WorklistKind']} WorklistKind */
/** @typedef {Schemas['WorklistItem']} WorklistItem */
/** @typedef {Schemas['WorklistResponse']} WorklistResponse */
/** @typedef {Schemas['PlanPreviewResponse']} PlanPreview */
/** @typedef {Schemas['VocabularyResponse']} Vocabulary */
/** @typedef {Schemas['AppointmentResponse']} Appointment */
/** @typedef {Schemas['AppointmentKind']} AppointmentKind */
/**
 * @template {keyof import('../../types/api').paths} P
 * @template {string} M
 * @template {number} S
 * @typedef {import('../../common/api-core.js').Answer<P, M, S>} Answer
 */

/**
 * The message for a problem answer, in the console's language.
 * @param {number} status
 * @param {Problem | null} p
 * @param {number | undefined} retryAfter
 */
function messageFor(status, p, retryAfter) {
  const code = p?.code;
  if (code === 'account_locked') return t('error.locked', { minutes: Math.max(1, Math.ceil((retryAfter ?? 60) / 60)) });
  if (status === 412 || code === 'precondition_failed') return t('error.changed');
  if (code === 'validation_failed' && p) {
    const detail = p.errors?.length ? p.errors.map((e) => e.message).join(' ') : p.detail;
    return t('error.validation', { detail });
  }
  if (status === 404) return t('error.not_found');
  if (status === 403) return t('error.forbidden');
  if (status === 429 || status === 503) return t('error.busy');
  if (status === 401) return t('error.session');
  // The server words the rest in the language we asked for (Accept-Language).
  if (p?.detail && status < 500) return p.detail;
  return t('error.generic');
}

configure({ message: messageFor, network: () => t('error.network'), language: lang });

/** @param {string} s */
const e = (s) => encodeURIComponent(s);

/**
 * @param {Record<string, string | number | null | undefined>} q
 */
function query(q) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** @returns {Promise<Answer<'/v1/me', 'get', 200>>} */
export const me = () => request('GET', '/me');

/** The words of the caller's screens (worklist kinds, categories, …) in Dutch and English. */
export const vocabulary = () => /** @type {Promise<Answer<'/v1/me/vocabulary', 'get', 200>>} */ (request('GET', '/me/vocabulary'));

/**
 * What needs the caseworker now, most urgent first, with a count per kind.
 * @param {{ kind?: WorklistKind[], team_id?: string, limit?: number, cursor?: string | null }} [q]
 * @returns {Promise<Answer<'/v1/worklist', 'get', 200>>}
 */
export const worklist = (q = {}) => request('GET', `/worklist${query({ kind: q.kind?.join(','), team_id: q.team_id, limit: q.limit, cursor: q.cursor })}`);

/**
 * Changes the signed-in account's language, so the server's texts (step titles, problems,
 * e-mails) come in it too.
 * @param {Schemas['UpdateMeRequest']} body
 * @returns {Promise<Me>}
 */
export const updateMe = (body) => request('PATCH', '/me', { body });

// Residents ----------------------------------------------------------------------------------

/**
 * @param {{ team_id?: string, cursor?: string | null, limit?: number }} [q]
 * @returns {Promise<Answer<'/v1/residents', 'get', 200>>}
 */
export const residents = (q = {}) => request('GET', `/residents${query({ limit: 50, ...q })}`);

/** @param {string} id @returns {Promise<Resident>} */
export const resident = (id) => request('GET', `/residents/${e(id)}`);

/**
 * @param {Schemas['CreateResidentRequest']} body
 * @returns {Promise<Answer<'/v1/residents', 'post', 201>>}
 */
export const createResident = (body) => request('POST', '/residents', { body });

/** @param {string} id @returns {Promise<Activation>} */
export const newActivationCode = (id) => request('POST', `/residents/${e(id)}/activation-code`);

/** @param {string} id */
export const unlockResident = (id) => request('POST', `/residents/${e(id)}/unlock`);

/** @param {string} id @param {string} reason */
export const eraseResident = (id, reason) => request('DELETE', `/residents/${e(id)}`, { body: { reason } });

// Templates and plans ------------------------------------------------------------------------

/** @returns {Promise<Answer<'/v1/templates', 'get', 200>>} */
export const templates = () => request('GET', '/templates');

/** @param {string} id @returns {Promise<TemplateResponse>} */
export const template = (id) => request('GET', `/templates/${e(id)}`);

/**
 * @param {string} residentId
 * @param {Schemas['CreatePlanRequest']} body
 * @returns {Promise<Plan>}
 */
export const createPlan = (residentId, body) => request('POST', `/residents/${e(residentId)}/plans`, { body });

/**
 * Which steps a plan would get from the same request, writing nothing.
 * @param {string} residentId
 * @param {Schemas['CreatePlanRequest']} body
 * @returns {Promise<Answer<'/v1/residents/{id}/plans/preview', 'post', 200>>}
 */
export const previewPlan = (residentId, body) => request('POST', `/residents/${e(residentId)}/plans/preview`, { body });

/** @param {string} id @returns {Promise<Plan>} */
export const plan = (id) => request('GET', `/plans/${e(id)}`);

/**
 * @param {string} id
 * @param {string} etag
 * @param {Schemas['UpdatePlanRequest']} body
 * @returns {Promise<Plan>}
 */
export const updatePlan = (id, etag, body) => request('PATCH', `/plans/${e(id)}`, { body, headers: { 'If-Match': etag } });

/**
 * @param {string} id
 * @param {Schemas['CreateStepRequest']} body
 * @returns {Promise<Plan>}
 */
export const addStep = (id, body) => request('POST', `/plans/${e(id)}/steps`, { body });

/** @param {string} id @returns {Promise<Answer<'/v1/plans/{id}/events', 'get', 200>>} */
export const events = (id) => request('GET', `/plans/${e(id)}/events?limit=100`);

/** @param {string} id @returns {Promise<Answer<'/v1/plans/{id}/pulse', 'get', 200>>} */
export const pulse = (id) => request('GET', `/plans/${e(id)}/pulse`);

/** @param {string} id @returns {Promise<Answer<'/v1/plans/{id}/reminders', 'get', 200>>} */
export const reminders = (id) => request('GET', `/plans/${e(id)}/reminders?limit=50`);

/** @param {string} id @returns {Promise<Document[]>} */
export const documents = (id) => request('GET', `/plans/${e(id)}/documents`);

/** @param {string} id */
export const acceptDocument = (id) => request('POST', `/documents/${e(id)}/accept`);

/** @param {string} id @param {string} reason */
export const rejectDocument = (id, reason) => request('POST', `/documents/${e(id)}/reject`, { body: { reason } });

/** @param {string} id @returns {Promise<{ blob: Blob, filename: string }>} */
export const documentFile = (id) => request('GET', `/documents/${e(id)}`, { accept: '*/*', blob: true });

/**
 * @param {string} id
 * @param {'application/pdf' | 'application/zip'} type
 * @returns {Promise<{ blob: Blob, filename: string }>}
 */
export const handover = (id, type) => request('GET', `/plans/${e(id)}/handover`, { accept: type, blob: true });

// Appointments -------------------------------------------------------------------------------

/**
 * A plan's appointments, those still to come first.
 * @param {string} planId
 * @returns {Promise<Answer<'/v1/plans/{id}/appointments', 'get', 200>>}
 */
export const appointments = (planId) => request('GET', `/plans/${e(planId)}/appointments?limit=100`);

/**
 * One appointment with its version (the `ETag` header), for a change sent with If-Match.
 * @param {string} id
 * @returns {Promise<{ data: Appointment, etag: string }>}
 */
export const appointment = (id) => request('GET', `/appointments/${e(id)}`, { etag: true });

/**
 * @param {string} planId
 * @param {Schemas['CreateAppointmentRequest']} body
 * @returns {Promise<Appointment>}
 */
export const createAppointment = (planId, body) => request('POST', `/plans/${e(planId)}/appointments`, { body });

/**
 * ETag-safe change (a new `starts_at` moves it); a 412 means someone else changed it.
 * @param {string} id
 * @param {string} etag
 * @param {Schemas['UpdateAppointmentRequest']} body
 * @returns {Promise<Appointment>}
 */
export const updateAppointment = (id, etag, body) => request('PATCH', `/appointments/${e(id)}`, { body, headers: { 'If-Match': etag } });

/**
 * @param {string} id
 * @param {string} etag
 * @param {string} reason
 * @returns {Promise<Appointment>}
 */
export const cancelAppointment = (id, etag, reason) => request('POST', `/appointments/${e(id)}/cancel`, { body: { reason }, headers: { 'If-Match': etag } });

/**
 * @param {string} id
 * @param {Schemas['AppointmentOutcome']} outcome
 * @returns {Promise<Appointment>}
 */
export const appointmentOutcome = (id, outcome) => request('POST', `/appointments/${e(id)}/outcome`, { body: { outcome } });

// Steps --------------------------------------------------------------------------------------

/**
 * ETag-safe change: sent with the step's `etag` as If-Match; a 412 means someone else changed it.
 * @param {Step} step
 * @param {Schemas['UpdateStepRequest']} body
 * @returns {Promise<Step>}
 */
export const updateStep = (step, body) => request('PATCH', `/steps/${e(step.id)}`, { body, headers: { 'If-Match': step.etag } });

/** @param {string} id @returns {Promise<Step>} */
export const verifyStep = (id) => request('POST', `/steps/${e(id)}/verify`);

/** @param {string} id @param {string} reason @returns {Promise<Step>} */
export const reopenStep = (id, reason) => request('POST', `/steps/${e(id)}/reopen`, { body: { reason } });

/** @param {string} id @param {string} note @returns {Promise<Step>} */
export const completeStep = (id, note) => request('POST', `/steps/${e(id)}/complete`, { body: note ? { note } : {} });

/** @returns {Promise<Assigned[]>} */
export const assignedSteps = () => request('GET', '/me/assigned-steps');

// Teams, accounts, audit ---------------------------------------------------------------------

/** @returns {Promise<Team[]>} */
export const teams = () => request('GET', '/teams');

/** @param {string} name @returns {Promise<Team>} */
export const createTeam = (name) => request('POST', '/teams', { body: { name } });

/** @param {string} id @param {Schemas['UpdateTeamRequest']} body @returns {Promise<Team>} */
export const updateTeam = (id, body) => request('PATCH', `/teams/${e(id)}`, { body });

/** @param {string} id @returns {Promise<Member[]>} */
export const members = (id) => request('GET', `/teams/${e(id)}/members`);

/**
 * @param {{ role?: Role, cursor?: string | null }} [q]
 * @returns {Promise<Answer<'/v1/users', 'get', 200>>}
 */
export const users = (q = {}) => request('GET', `/users${query({ limit: 100, ...q })}`);

/** @param {Schemas['CreateUserRequest']} body @returns {Promise<User>} */
export const createUser = (body) => request('POST', '/users', { body });

/** @param {string} id @param {Schemas['UpdateUserRequest']} body @returns {Promise<User>} */
export const updateUser = (id, body) => request('PATCH', `/users/${e(id)}`, { body });

/** @param {string} id */
export const unlockUser = (id) => request('POST', `/users/${e(id)}/unlock`);

/**
 * @param {{ resident_id?: string, actor_id?: string, cursor?: string | null }} [q]
 * @returns {Promise<Answer<'/v1/audit', 'get', 200>>}
 */
export const audit = (q = {}) => request('GET', `/audit${query({ limit: 50, ...q })}`);

