// The API client of the resident app: the shared core (../../common/api-core.js) with the
// app's wording of problems and its calls. In the core, every call goes through `request`:
// base path, the access token (kept in memory only), a fresh Idempotency-Key on every write
// (the same key on every retry of that write), retries with back-off for network errors and
// 503/429 (honouring Retry-After), one token refresh on 401, and problem+json turned into
// a message in the user's language (`ApiError.message`).
//
// The refresh token never reaches this code: the server keeps it in an HttpOnly cookie
// (`X-Token-Transport: cookie`, see docs/resident-app.md).

import { t } from './i18n.js';
import { request, configure, useTokens, uploadInPieces } from '../../common/api-core.js';

export { ApiError, request, refresh, login, logout, whenSignedOut, signedIn } from '../../common/api-core.js';

/** @typedef {import('../../types/api').paths} Paths */
/** @typedef {import('../../types/api').components['schemas']} Schemas */
/** @typedef {Schemas['Problem']} Problem */
/** @typedef {Schemas['TokenResponse']} TokenResponse */
/** @typedef {Schemas['MeResponse']} Me */
/** @typedef {Schemas['MyStepResponse']} MyStep */
/** @typedef {Schemas['CurrentStepsResponse']} CurrentSteps */
/** @typedef {Schemas['MyProgressResponse']} MyProgress */
/** @typedef {Schemas['PreferencesBody']} Preferences */
/** @typedef {Schemas['SnoozeRequest']} SnoozeRequest */
/** @typedef {Schemas['IntentionRequest']} IntentionRequest */
/** @typedef {Schemas['CrisisKind']} CrisisKind */
/** @typedef {Schemas['MyCompleteRequest']} CompleteRequest */
/** @typedef {Schemas['DeviceResponse']} Device */
/** @typedef {Schemas['WebPushInfo']} WebPushInfo */
/** @typedef {Schemas['MyAppointmentResponse']} MyAppointment */
/** @typedef {Schemas['RoadResponse']} Road */
/**
 * The JSON body of a path's answer.
 * @template {keyof Paths} P
 * @template {string} M
 * @template {number} S
 * @typedef {P extends keyof Paths ? M extends keyof Paths[P] ? Paths[P][M] extends { responses: infer R } ? S extends keyof R ? R[S] extends { content: { 'application/json': infer B } } ? B : never : never : never : never : never} Answer
 */

/**
 * The message for a problem answer, in the user's language.
 * @param {number} status
 * @param {Problem | null} p
 * @param {number | undefined} retryAfter
 */
function messageFor(status, p, retryAfter) {
  const code = p?.code;
  if (code === 'account_locked') return t('login.locked', { minutes: Math.max(1, Math.ceil((retryAfter ?? 60) / 60)) });
  if (code === 'step_not_open') return t('error.not_open');
  if (code === 'validation_failed' && p) {
    const detail = p.errors?.length ? p.errors.map((e) => e.message).join(' ') : p.detail;
    return t('error.validation', { detail });
  }
  if (status === 429 || status === 503) return t('error.busy');
  if (status === 401) return t('error.session');
  return t('error.generic');
}

configure({ message: messageFor, network: () => t('error.network') });

/**
 * @param {string} code
 * @param {string} pin
 * @returns {Promise<TokenResponse>}
 */
export async function activate(code, pin) {
  /** @type {Answer<'/v1/auth/activate', 'post', 200>} */
  const tokens = await request('POST', '/auth/activate', { body: { code, pin }, auth: false, cookie: true, attempts: 2 });
  useTokens(tokens);
  return tokens;
}

/**
 * Sends a photo or PDF as evidence for a step; one key per chosen file, so a retry stores it once.
 * @param {string} id
 * @param {Blob} file
 * @returns {Promise<Answer<'/v1/me/steps/{id}/documents', 'post', 201>>}
 */
export const uploadDocument = (id, file) =>
  request('POST', `/me/steps/${encodeURIComponent(id)}/documents`, { file, attempts: 3 });

/**
 * Sends a photo or PDF as evidence: small files in one request, from 1 MiB on in pieces (tus),
 * so a broken connection loses only one piece.
 * @param {string} stepId
 * @param {Blob} file
 * @param {(sent: number, total: number) => void} [onProgress]
 */
export async function sendDocument(stepId, file, onProgress) {
  if (file.size < 1024 * 1024) {
    await uploadDocument(stepId, file);
    return;
  }
  await uploadInPieces(`/me/steps/${encodeURIComponent(stepId)}/uploads`, file, onProgress);
}

/** @returns {Promise<Answer<'/v1/me', 'get', 200>>} */
export const me = () => request('GET', '/me');

/**
 * Changes the account's own settings (its language: step texts, reminders and messages follow it).
 * @param {Schemas['UpdateMeRequest']} body
 * @returns {Promise<Answer<'/v1/me', 'patch', 200>>}
 */
export const updateMe = (body) => request('PATCH', '/me', { body });

/** @returns {Promise<Answer<'/v1/me/steps/current', 'get', 200>>} */
export const currentSteps = () => request('GET', '/me/steps/current');

/** @returns {Promise<Answer<'/v1/me/progress', 'get', 200>>} */
export const progress = () => request('GET', '/me/progress');

/** @returns {Promise<Answer<'/v1/me/steps/done', 'get', 200>>} */
export const doneSteps = () => request('GET', '/me/steps/done');

/**
 * @param {string} id
 * @param {CompleteRequest} body
 * @param {string} idempotencyKey kept by the caller, so a queued completion is sent with it again
 * @param {number} [attempts]
 * @returns {Promise<Answer<'/v1/me/steps/{id}/complete', 'post', 200>>}
 */
export const complete = (id, body, idempotencyKey, attempts) =>
  request('POST', `/me/steps/${encodeURIComponent(id)}/complete`, { body, idempotencyKey, attempts });

/**
 * @param {string} id
 * @returns {Promise<Answer<'/v1/me/steps/{id}/help', 'post', 200>>}
 */
export const askHelp = (id) => request('POST', `/me/steps/${encodeURIComponent(id)}/help`);

/**
 * @param {string} id
 * @param {SnoozeRequest} body
 * @returns {Promise<Answer<'/v1/me/steps/{id}/snooze', 'post', 200>>}
 */
export const snooze = (id, body) => request('POST', `/me/steps/${encodeURIComponent(id)}/snooze`, { body });

/**
 * @param {string} id
 * @param {IntentionRequest} body
 * @returns {Promise<Answer<'/v1/me/steps/{id}/intention', 'put', 200>>}
 */
export const setIntention = (id, body) => request('PUT', `/me/steps/${encodeURIComponent(id)}/intention`, { body });

/**
 * @param {string} id a step just completed
 * @param {number} score 1–5
 */
export const mood = (id, score) => request('POST', `/me/steps/${encodeURIComponent(id)}/mood`, { body: { score } });

/** @param {number} score 1–5 */
export const alliance = (score) => request('POST', '/me/alliance', { body: { score } });

/**
 * @param {CrisisKind} kind
 * @returns {Promise<Answer<'/v1/me/crisis', 'post', 200>>}
 */
export const crisis = (kind) => request('POST', '/me/crisis', { body: { kind } });

/** @returns {Promise<Answer<'/v1/me/notification-preferences', 'get', 200>>} */
export const preferences = () => request('GET', '/me/notification-preferences');

/**
 * @param {Preferences} body
 * @returns {Promise<Answer<'/v1/me/notification-preferences', 'put', 200>>}
 */
export const savePreferences = (body) => request('PUT', '/me/notification-preferences', { body });

/** @returns {Promise<unknown>} everything the service keeps about the resident */
export const exportData = () => request('GET', '/me/export');

/** @returns {Promise<Answer<'/v1/me/devices', 'get', 200>>} */
export const devices = () => request('GET', '/me/devices');

/** @param {string} id */
export const removeDevice = (id) => request('DELETE', `/me/devices/${encodeURIComponent(id)}`);

/** @returns {Promise<Answer<'/v1/me/web-push', 'get', 200>>} */
export const webPushInfo = () => request('GET', '/me/web-push');

/**
 * Registers this browser's push subscription (standard Web Push).
 * @param {PushSubscriptionJSON} sub
 * @param {string} locale
 * @returns {Promise<Answer<'/v1/me/devices', 'post', 200>>}
 */
export const registerWebPush = (sub, locale) =>
  request('POST', '/me/devices', {
    body: {
      token: sub.endpoint ?? '',
      platform: 'web_push',
      web_push_keys: { p256dh: sub.keys?.p256dh ?? '', auth: sub.keys?.auth ?? '' },
      locale,
    },
  });

// Appointments and the road --------------------------------------------------------------------

/** @returns {Promise<Answer<'/v1/me/appointments', 'get', 200>>} the ones to come first, soonest first */
export const appointments = () => request('GET', '/me/appointments');

/**
 * @param {string} id
 * @returns {Promise<Answer<'/v1/me/appointments/{id}', 'get', 200>>}
 */
export const appointment = (id) => request('GET', `/me/appointments/${encodeURIComponent(id)}`);

/**
 * "Ik kom".
 * @param {string} id
 * @returns {Promise<Answer<'/v1/me/appointments/{id}/confirm', 'post', 200>>}
 */
export const confirmAppointment = (id) => request('POST', `/me/appointments/${encodeURIComponent(id)}/confirm`);

/**
 * Asks the caseworker for another moment; the reason reaches their worklist.
 * @param {string} id
 * @param {string} reason
 * @returns {Promise<Answer<'/v1/me/appointments/{id}/move-request', 'post', 200>>}
 */
export const askToMove = (id, reason) =>
  request('POST', `/me/appointments/${encodeURIComponent(id)}/move-request`, { body: { reason } });

/**
 * The appointment as a calendar file (.ics), fetched with the access token.
 * @param {string} id
 * @returns {Promise<{ blob: Blob, filename: string }>}
 */
export const appointmentCalendar = (id) =>
  request('GET', `/me/appointments/${encodeURIComponent(id)}/calendar.ics`, { accept: 'text/calendar', blob: true });

/** @returns {Promise<Answer<'/v1/me/road', 'get', 200>>} what happens next */
export const road = () => request('GET', '/me/road');
