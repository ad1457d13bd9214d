// Completions made without a connection wait here (IndexedDB) with the Idempotency-Key they
// were first tried with, and are sent again when the connection is back. The server answers a
// repeated key with the first answer, so a completion that did arrive is never counted twice.

const DB = 'svs';
const STORE = 'outbox';

/**
 * @typedef {object} Queued
 * @property {string} key the Idempotency-Key (also the record's id)
 * @property {string} stepId
 * @property {string} title shown while it waits
 * @property {import('./api.js').CompleteRequest} body
 * @property {number} queuedAt
 */

/** @returns {Promise<IDBDatabase>} */
function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(STORE, { keyPath: 'key' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest<T>} fn
 * @returns {Promise<T>}
 */
async function run(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** @param {Queued} item */
export const put = (item) => run('readwrite', (s) => s.put(item)).then(() => undefined);

/** @param {string} key */
export const remove = (key) => run('readwrite', (s) => s.delete(key)).then(() => undefined);

/** @returns {Promise<Queued[]>} oldest first */
export const all = () =>
  run('readonly', (s) => /** @type {IDBRequest<Queued[]>} */ (s.getAll())).then((items) => items.sort((a, b) => a.queuedAt - b.queuedAt));

/** Empties the queue (on sign-out). */
export const clear = () => run('readwrite', (s) => s.clear()).then(() => undefined);
