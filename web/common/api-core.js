// The API client core both web apps share (the resident app's js/api.js and the console's
// js/api.js wrap it). Every call to the server goes through `request`: base path, the access
// token (kept in memory only), a fresh Idempotency-Key on every write (the same key on every
// retry of that write), retries with back-off for network errors and 503/429 (honouring
// Retry-After), one token refresh on 401, and problem+json turned into a message in the user's
// language (`ApiError.message`, from the messages each app registers with `configure`).
//
// The refresh token never reaches this code: the server keeps it in an HttpOnly cookie
// (`X-Token-Transport: cookie`, see docs/resident-app.md).

/** @typedef {import('../types/api').paths} Paths */
/** @typedef {import('../types/api').components['schemas']} Schemas */
/** @typedef {Schemas['Problem']} Problem */
/** @typedef {Schemas['TokenResponse']} TokenResponse */
/**
 * The JSON body of a path's answer.
 * @template {keyof Paths} P
 * @template {string} M
 * @template {number} S
 * @typedef {P extends keyof Paths ? M extends keyof Paths[P] ? Paths[P][M] extends { responses: infer R } ? S extends keyof R ? R[S] extends { content: { 'application/json': infer B } } ? B : never : never : never : never : never} Answer
 */
/**
 * How an app words problems: `message` for an answer with a status (0 never comes here),
 * `network` for no answer at all.
 * `language`, when given, is sent as Accept-Language (problem details come back in it).
 * @typedef {{ message: (status: number, problem: Problem | null, retryAfter: number | undefined) => string, network: () => string, language?: () => string }} Messages
 */
/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] sent as JSON
 * @property {Blob} [file] sent as the raw body
 * @property {string} [idempotencyKey] for a write the caller retries itself (default: a new key)
 * @property {boolean} [auth] send the access token (default true)
 * @property {boolean} [cookie] the refresh token travels in the HttpOnly cookie
 * @property {number} [attempts]
 * @property {Record<string, string>} [headers] extra headers (e.g. If-Match)
 * @property {string} [accept] the Accept header (default application/json)
 * @property {boolean} [blob] answer with `{ blob, filename }` instead of parsed JSON
 * @property {boolean} [etag] answer with `{ data, etag }`: the parsed JSON and the `ETag` header
 *   (for an object whose version travels only in the header, sent back later as If-Match)
 */

const BASE = '/v1';
const ATTEMPTS = 4;

/** @type {Messages} */
let messages = {
  message: (status) => `Error ${status}`,
  network: () => 'No connection',
};

/** @param {Messages} m the app's wording of problems */
export function configure(m) {
  messages = m;
}

/** An error a person can read: `message` is in the user's language. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status 0 for "no connection"
   * @param {Problem | null} problem
   * @param {number} [retryAfter] seconds
   */
  constructor(message, status, problem, retryAfter) {
    super(message);
    this.status = status;
    this.problem = problem;
    this.code = problem?.code ?? (status === 0 ? 'network' : 'unknown');
    this.retryAfter = retryAfter;
  }

  /** No answer from the server at all (offline, or it is down). */
  get offline() {
    return this.status === 0;
  }
}

/** @type {string | null} */
let accessToken = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;
/** @type {Promise<TokenResponse | null> | null} */
let refreshing = null;
/** @type {(() => void) | null} */
let onSignedOut = null;

/** @param {() => void} fn called when the session has ended (refresh refused) */
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export function signedIn() {
  return accessToken !== null;
}

/** @param {TokenResponse} tokens */
export function useTokens(tokens) {
  accessToken = tokens.access_token;
  clearTimeout(refreshTimer);
  // Refresh a minute before the access token runs out, so a screen never meets a 401.
  const ms = Math.max(30, tokens.expires_in - 60) * 1000;
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {});
  }, ms);
}

export function forgetTokens() {
  accessToken = null;
  clearTimeout(refreshTimer);
}

/**
 * Tells the page whether the last answer came from the network or from the phone's copy.
 * @param {boolean} offline
 */
function netStatus(offline) {
  window.dispatchEvent(new CustomEvent('svs:net', { detail: { offline } }));
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {Response} res */
function retryAfterSeconds(res) {
  const v = res.headers.get('Retry-After');
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/** @param {Response} res */
function filenameOf(res) {
  const cd = res.headers.get('Content-Disposition') ?? '';
  const m = /filename="?([^";]+)"?/i.exec(cd);
  return m ? m[1] : 'download';
}

/**
 * One call to the API.
 * @param {string} method
 * @param {string} path under /v1, e.g. `/me/steps/current`
 * @param {RequestOptions} [opts]
 * @returns {Promise<any>} the parsed JSON answer (undefined for 204)
 */
export async function request(method, path, opts = {}) {
  const write = method !== 'GET' && method !== 'HEAD';
  // One key per intended write: every retry of it sends the same key.
  const key = write ? (opts.idempotencyKey ?? crypto.randomUUID()) : undefined;
  const attempts = opts.attempts ?? ATTEMPTS;
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    /** @type {Record<string, string>} */
    const headers = { Accept: opts.accept ?? 'application/json', ...(opts.headers ?? {}) };
    if (messages.language) headers['Accept-Language'] = messages.language();
    if (key) headers['Idempotency-Key'] = key;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    // A file goes as the raw body; the server decides its type by its bytes.
    if (opts.file) headers['Content-Type'] = opts.file.type || 'application/octet-stream';
    if (opts.cookie) headers['X-Token-Transport'] = 'cookie';
    if (opts.auth !== false && accessToken) headers.Authorization = `Bearer ${accessToken}`;
    /** @type {Response} */
    let res;
    try {
      res = await fetch(BASE + path, {
        method,
        headers,
        body: opts.file ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      if (attempt >= attempts) {
        netStatus(true);
        throw new ApiError(messages.network(), 0, null);
      }
      await sleep(backoff(attempt));
      continue;
    }
    netStatus(res.headers.get('X-Svs-Offline') === '1');
    if (res.status === 401 && opts.auth !== false && !refreshed && accessToken) {
      refreshed = true;
      const ok = await refresh().catch(() => null);
      if (ok) continue;
    }
    if ((res.status === 503 || res.status === 429) && attempt < attempts) {
      const wait = retryAfterSeconds(res);
      // A long wait (an account lock) is not retried: the person is told.
      if (wait === undefined || wait <= 10) {
        await sleep(wait !== undefined ? wait * 1000 : backoff(attempt));
        continue;
      }
    }
    if (res.ok) {
      if (opts.blob) return { blob: await res.blob(), filename: filenameOf(res) };
      if (opts.etag) return { data: await res.json(), etag: res.headers.get('ETag') ?? '' };
      if (res.status === 204) return undefined;
      const type = res.headers.get('Content-Type') ?? '';
      return type.includes('json') ? res.json() : res.text();
    }
    /** @type {Problem | null} */
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      problem = null;
    }
    const wait = retryAfterSeconds(res);
    throw new ApiError(messages.message(res.status, problem, wait), res.status, problem, wait);
  }
}

/** @param {number} attempt */
function backoff(attempt) {
  // 0.5 s, 1 s, 2 s … with jitter, at most 8 s.
  return Math.min(8000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
}

const PIECE = 512 * 1024;
const TUS = '1.0.0';

/**
 * One tus request: the access token, one refresh on 401; network errors are thrown as
 * `ApiError` with status 0 (the caller resumes), problems as `ApiError` with their message.
 * @param {string} method
 * @param {string} url absolute path, e.g. `/v1/me/uploads/{id}`
 * @param {Record<string, string>} extra
 * @param {Blob} [body]
 * @returns {Promise<Response>}
 */
async function tusFetch(method, url, extra, body) {
  for (let refreshed = false; ; refreshed = true) {
    /** @type {Record<string, string>} */
    const headers = { 'Tus-Resumable': TUS, Accept: 'application/json', ...extra };
    if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
    /** @type {Response} */
    let res;
    try {
      res = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
    } catch {
      throw new ApiError(messages.network(), 0, null);
    }
    if (res.status === 401 && !refreshed && (await refresh().catch(() => null))) continue;
    if (res.ok || res.status === 409) return res;
    /** @type {Problem | null} */
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      problem = null;
    }
    const wait = retryAfterSeconds(res);
    throw new ApiError(messages.message(res.status, problem, wait), res.status, problem, wait);
  }
}

/**
 * Sends a large file in pieces with the tus 1.0 protocol (`POST` to `path` with
 * `Upload-Length`, then `PATCH` per piece to its `Location`): when the connection breaks, it asks
 * the server how far it got (`HEAD`) and goes on from there, with back-off, for up to `attempts`
 * breaks in a row. The upload's address is kept in memory only.
 * @param {string} path under /v1, e.g. `/me/steps/{id}/uploads`
 * @param {Blob} file
 * @param {(sent: number, total: number) => void} [onProgress]
 * @param {number} [attempts]
 * @returns {Promise<string>} the `Document-Id` the last piece answered
 */
export async function uploadInPieces(path, file, onProgress, attempts = 6) {
  const created = await tusFetch('POST', BASE + path, {
    'Upload-Length': String(file.size),
    'Idempotency-Key': crypto.randomUUID(),
  });
  const location = created.headers.get('Location');
  if (!location) throw new ApiError(messages.message(created.status, null, undefined), created.status, null);
  let offset = Number(created.headers.get('Upload-Offset') ?? 0);
  let breaks = 0;
  for (;;) {
    onProgress?.(offset, file.size);
    try {
      const res = await tusFetch(
        'PATCH',
        location,
        { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
        file.slice(offset, Math.min(file.size, offset + PIECE)),
      );
      // 409: the server is elsewhere (a piece arrived that we thought was lost); go on from there.
      offset = Number(res.headers.get('Upload-Offset') ?? offset);
      const doc = res.headers.get('Document-Id');
      if (doc) {
        onProgress?.(file.size, file.size);
        return doc;
      }
      breaks = 0;
    } catch (err) {
      if (!(err instanceof ApiError) || !err.offline || ++breaks >= attempts) throw err;
      await sleep(backoff(breaks));
      try {
        const head = await tusFetch('HEAD', location, {});
        offset = Number(head.headers.get('Upload-Offset') ?? offset);
      } catch (e) {
        if (!(e instanceof ApiError) || !e.offline) throw e;
      }
    }
  }
}

/**
 * Exchanges the refresh cookie for a new access token; one at a time (refresh tokens work
 * once, and two at once would end the session).
 * @returns {Promise<TokenResponse | null>}
 */
export function refresh() {
  if (!refreshing) {
    const hadSession = accessToken !== null;
    refreshing = (async () => {
      try {
        /** @type {Answer<'/v1/auth/refresh', 'post', 200>} */
        const tokens = await request('POST', '/auth/refresh', { body: {}, auth: false, cookie: true, attempts: 2 });
        useTokens(tokens);
        return tokens;
      } catch (e) {
        if (e instanceof ApiError && !e.offline) {
          forgetTokens();
          // Only a session that was there ends; a first visit has none.
          if (hadSession) onSignedOut?.();
        }
        throw e;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

/**
 * Signs in with a login name (or e-mail) and a PIN (or password).
 * @param {string} username
 * @param {string} password
 * @returns {Promise<TokenResponse>}
 */
export async function login(username, password) {
  /** @type {Answer<'/v1/auth/login', 'post', 200>} */
  const tokens = await request('POST', '/auth/login', { body: { username, password }, auth: false, cookie: true, attempts: 2 });
  useTokens(tokens);
  return tokens;
}

export async function logout() {
  try {
    await request('POST', '/auth/logout', { body: {}, auth: false, cookie: true, attempts: 2 });
  } finally {
    forgetTokens();
  }
}
