/**
 * Where the browser keeps holders' keys (the portal's pages and the custom elements alike):
 * IndexedDB database "kunci", object store "keys", one record per key, keyed by the request id (or, where a page has no request ids,
 * `key:<publicKeySha256>`):
 * `{requestId, publicKeySha256, encryptedPem, createdAt, subject}`. Only the ENCRYPTED PKCS#8
 * PEM (PBES2, the holder's password) is ever stored; the unencrypted key exists only inside
 * the kunci worker's WebAssembly memory. The backup file the holder saves is the same PEM.
 */

const DB = 'kunci';
const STORE = 'keys';

function open() {
  return new Promise((resolve, reject) => {
    if (!('indexedDB' in globalThis)) {
      reject(idbError('IndexedDB is not available'));
      return;
    }
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'requestId' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(idbError(req.error && req.error.message));
    req.onblocked = () => reject(idbError('the key database is blocked by another tab'));
  });
}

function idbError(message) {
  const e = new Error(message || 'IndexedDB failed');
  e.code = 'idb.failed';
  return e;
}

async function run(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      let result;
      req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(idbError(tx.error && tx.error.message));
      tx.onabort = () => reject(idbError(tx.error && tx.error.message));
    });
  } finally {
    db.close();
  }
}

/** Stores (or replaces) the encrypted key of a request. */
export function saveKey(record) {
  return run('readwrite', (s) => s.put(record));
}

/** The record of one request, or undefined. */
export function loadKey(requestId) {
  return run('readonly', (s) => s.get(requestId));
}

/** Every stored record, newest first. */
export async function listKeys() {
  const all = (await run('readonly', (s) => s.getAll())) || [];
  return all.sort((a, b) => (b.createdAt || 0) - (a.createdAt || 0));
}

/** The record whose public key has this SHA-256 (hex), or undefined. */
export async function findKey(publicKeySha256) {
  return (await listKeys()).find((k) => k.publicKeySha256 === publicKeySha256);
}
