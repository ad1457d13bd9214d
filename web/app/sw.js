// Service worker of the resident app (scope /app/). It keeps the app's files for offline use
// and the last answers of the resident's current steps, progress, done steps, appointments and
// road ("what happens next") for reading offline. It never caches any other API answer, and never writes: completions made offline
// wait in the page's outbox (IndexedDB) and are sent by the page.
/// <reference lib="webworker" />

const SHELL_CACHE = 'svs-shell-v2';
const DATA_CACHE = 'svs-data-v1';

/** The app's files, and the ones it shares with the console (/common/, /vendor/: versioned, never change). */
const SHELL = [
  '/app/',
  '/app/manifest.webmanifest',
  '/app/css/app.css',
  '/app/theme/tokens.css',
  '/app/js/main.js',
  '/app/js/api.js',
  '/app/js/i18n.js',
  '/app/js/outbox.js',
  '/common/ui.js',
  '/common/api-core.js',
  '/app/icons/icon.svg',
  '/app/icons/icon-192.png',
  '/vendor/preact-10.29.8/preact.module.js',
  '/vendor/preact-10.29.8/hooks.module.js',
  '/vendor/htm-3.1.1/htm.module.js',
  '/vendor/utrecht-9.0.4/components.css',
  '/vendor/utrecht-design-tokens-5.0.1/theme.css',
];

/** API reads kept for offline reading. */
const DATA = ['/v1/me/steps/current', '/v1/me/progress', '/v1/me/steps/done', '/v1/me/appointments', '/v1/me/road'];

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((c) => c.addAll(SHELL))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL_CACHE && k !== DATA_CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('message', (event) => {
  // Sign-out: nothing of the resident stays on the phone.
  if (event.data === 'clear-data') event.waitUntil(caches.delete(DATA_CACHE));
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== sw.location.origin) return;
  if (DATA.includes(url.pathname)) {
    event.respondWith(networkFirstData(req));
  } else if (url.pathname.startsWith('/vendor/')) {
    event.respondWith(cacheFirst(req));
  } else if (req.mode === 'navigate' && url.pathname.startsWith('/app')) {
    event.respondWith(networkFirstShell(req, '/app/'));
  } else if (url.pathname.startsWith('/app/') || url.pathname.startsWith('/common/')) {
    event.respondWith(networkFirstShell(req, url.pathname));
  }
});

/** @param {Request} req */
async function cacheFirst(req) {
  const hit = await caches.match(req);
  return hit ?? fetch(req);
}

/**
 * The network when it answers within a few seconds, else the kept copy.
 * @param {Request} req
 * @param {string} key
 */
async function networkFirstShell(req, key) {
  try {
    const res = await withTimeout(fetch(req), 4000);
    if (res.ok && req.mode !== 'navigate') {
      const copy = res.clone();
      caches.open(SHELL_CACHE).then((c) => c.put(key, copy));
    }
    return res;
  } catch {
    const hit = await caches.match(key);
    if (hit) return hit;
    return new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
  }
}

/**
 * The resident's data: the network's answer (kept), or the kept answer marked as such.
 * @param {Request} req
 */
async function networkFirstData(req) {
  const key = new URL(req.url).pathname;
  try {
    const res = await withTimeout(fetch(req), 8000);
    if (res.ok) {
      const copy = res.clone();
      await caches.open(DATA_CACHE).then((c) => c.put(key, copy));
    }
    return res;
  } catch (e) {
    const hit = await caches.open(DATA_CACHE).then((c) => c.match(key));
    if (!hit) throw e;
    const headers = new Headers(hit.headers);
    headers.set('X-Svs-Offline', '1');
    return new Response(hit.body, { status: 200, headers });
  }
}

/**
 * @template T
 * @param {Promise<T>} p
 * @param {number} ms
 * @returns {Promise<T>}
 */
function withTimeout(p, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

// Standard Web Push: the server's message (already decrypted by the browser) carries only a
// generic title and text and opaque ids; the same tag replaces an earlier notification.
sw.addEventListener('push', (event) => {
  /** @type {{ title?: string, body?: string, tag?: string }} */
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch {
    msg = {};
  }
  event.waitUntil(
    sw.registration.showNotification(msg.title || 'Stap voor Stap', {
      body: msg.body || '',
      tag: msg.tag || 'stapvoorstap',
      icon: '/app/icons/icon-192.png',
      data: { url: '/app/' },
    }),
  );
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      const open = list.find((c) => new URL(c.url).pathname.startsWith('/app/'));
      return open ? open.focus() : sw.clients.openWindow('/app/');
    }),
  );
});
