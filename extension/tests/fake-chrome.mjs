/**
 * A fake `chrome` for running the extension's scripts under node:test: runtime ports and
 * messages, `connectNative` with a scripted kunci-host, `storage.local` in memory, `windows`
 * that record what was opened and closed, and a manual clock (setTimeout, Date.now and
 * AbortSignal.timeout all read it) so that 30 s and 5 min deadlines run in no time.
 *
 * `loadBackground()` runs extension/src/background.js in a fresh `vm` context with these
 * globals, the way the browser runs a classic service worker, and hands back handles to drive
 * it; top-level declarations of the script (constants, JOBS) can be read with `env.get(name)`.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

export const EXTENSION_ID = 'kunciextensionid';
export const BACKGROUND = new URL('../src/background.js', import.meta.url);

/** An event with `addListener` and a `fire` for the test. */
export function event() {
  const listeners = [];
  return {
    listeners,
    addListener: (fn) => listeners.push(fn),
    removeListener: (fn) => listeners.splice(listeners.indexOf(fn) >>> 0, 1),
    hasListener: (fn) => listeners.includes(fn),
    fire: (...args) => listeners.map((fn) => fn(...args)),
  };
}

/** Lets pending promise jobs and immediates run. */
export async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** A manual clock: timers fire only when the test advances it. */
export function clock(start = 1_700_000_000_000) {
  let now = start;
  let next = 1;
  const timers = new Map(); // id → {at, fn}
  const c = {
    now: () => now,
    setTimeout(fn, ms = 0, ...args) {
      const id = next++;
      timers.set(id, { at: now + Math.max(0, Number(ms) || 0), fn: () => fn(...args) });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    pending: () => timers.size,
    /** Moves time on by `ms`, firing each due timer in order and letting promises settle. */
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        await settle();
        const due = [...timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = until;
      await settle();
    },
  };
  return c;
}

/**
 * A scripted kunci-host behind `connectNative`. `answer(request)` returns the reply's
 * `{ok, result}` / `{ok: false, error}` (or a Promise of it), or `undefined` for no answer.
 * Every request the worker sent is in `requests`; `ports` has each port opened.
 */
export function nativeHost(answer) {
  const host = {
    requests: [],
    ports: [],
    names: [],
    answer,
    /** Makes connectNative throw, as browsers do for a host name with no manifest. */
    missing: false,
    connect(name) {
      host.names.push(name);
      if (host.missing) throw new Error('Specified native messaging host not found.');
      const port = {
        name,
        onMessage: event(),
        onDisconnect: event(),
        disconnected: false,
        postMessage(message) {
          if (port.disconnected) throw new Error('Attempting to use a disconnected port object');
          // Native messaging is JSON: later changes to the object do not reach the host, and
          // undefined fields are dropped.
          const copy = JSON.parse(JSON.stringify(message));
          host.requests.push(copy);
          Promise.resolve(host.answer(copy)).then((reply) => {
            if (reply !== undefined && !port.disconnected) port.onMessage.fire({ id: copy.id, ...reply });
          });
        },
        disconnect() {
          port.disconnected = true;
        },
        /** The host went away (exited, or was never there): what the browser reports. */
        crash(chrome, message) {
          port.disconnected = true;
          chrome.runtime.lastError = message ? { message } : undefined;
          port.onDisconnect.fire(port);
          chrome.runtime.lastError = undefined;
        },
      };
      host.ports.push(port);
      return port;
    },
    ops: () => host.requests.map((r) => r.op),
  };
  return host;
}

/** The default host: protocol 1, one token, every op answered. */
export const TOKEN = {
  serial: 'SER1', label: 'Budi', manufacturer: 'SoftHSM', model: 'v2', slot: 0,
  pin_pad: false, pin_count_low: false, pin_final_try: false, pin_locked: false,
};

export function defaultAnswer(request) {
  switch (request.op) {
    case 'hello':
      return { ok: true, result: { protocol: 1, host: '0.1.0', module: null } };
    case 'list_tokens':
      return { ok: true, result: { tokens: [TOKEN] } };
    default:
      return { ok: true, result: {} };
  }
}

/** Runs background.js against fresh fakes; see the file comment. */
export function loadBackground({ answer = defaultAnswer, origins, createWindow } = {}) {
  const time = clock();
  const native = nativeHost(answer);
  const store = { origins: origins ? structuredClone(origins) : undefined };
  let windowId = 100;
  const windows = { created: [], removed: [] };
  const chrome = {
    runtime: {
      id: EXTENSION_ID,
      lastError: undefined,
      getManifest: () => ({ version: '0.1.0' }),
      getURL: (path) => `chrome-extension://${EXTENSION_ID}/${path}`,
      onConnect: event(),
      onMessage: event(),
      connectNative: (name) => native.connect(name),
    },
    storage: {
      local: {
        async get(key) {
          return store[key] === undefined ? {} : { [key]: structuredClone(store[key]) };
        },
        async set(items) {
          for (const [k, v] of Object.entries(items)) store[k] = structuredClone(v);
        },
      },
    },
    windows: {
      onRemoved: event(),
      async create(options) {
        if (createWindow) return createWindow(options);
        const win = { id: windowId++, ...options };
        windows.created.push(win);
        return win;
      },
      async remove(id) {
        windows.removed.push(id);
      },
    },
  };
  // AbortSignal.timeout on the fake clock; the rest of AbortSignal is the real one.
  const FakeAbortSignal = {
    timeout(ms) {
      const c = new AbortController();
      time.setTimeout(() => c.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
      return c.signal;
    },
    any: AbortSignal.any ? (s) => AbortSignal.any(s) : undefined,
    abort: (reason) => AbortSignal.abort(reason),
  };
  const FakeDate = class extends Date {
    static now() {
      return time.now();
    }
  };
  const context = vm.createContext({
    chrome,
    console,
    crypto: globalThis.crypto,
    structuredClone,
    atob,
    URL,
    AbortController,
    AbortSignal: FakeAbortSignal,
    DOMException,
    Date: FakeDate,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
  });
  vm.runInContext(readFileSync(BACKGROUND, 'utf8'), context, { filename: BACKGROUND.pathname });

  const env = {
    chrome,
    clock: time,
    native,
    store,
    windows,
    /** A top-level binding of background.js (constants, JOBS, …). */
    get: (name) => vm.runInContext(name, context),

    /** A sender as the browser describes the content script of a top-level page. */
    pageSender(origin = 'https://portal.example', extra = {}) {
      return { id: EXTENSION_ID, tab: { id: 7 }, frameId: 0, origin, url: `${origin}/permohonan`, ...extra };
    },

    /**
     * Connects a content-script port the way the browser does. `replies` collects what the
     * worker posts; `reply` resolves with the first one.
     */
    connect(sender = env.pageSender(), name = 'kunci.request') {
      let resolveReply;
      const port = {
        name,
        sender,
        onMessage: event(),
        onDisconnect: event(),
        replies: [],
        disconnected: false,
        reply: new Promise((r) => (resolveReply = r)),
        postMessage(message) {
          const copy = structuredClone(message);
          port.replies.push(copy);
          resolveReply(copy);
        },
        disconnect() {
          port.disconnected = true;
        },
        /** The page went away (tab closed, or the content script gave up). */
        close() {
          port.onDisconnect.fire(port);
        },
      };
      chrome.runtime.onConnect.fire(port);
      return port;
    },

    /** One page request (the content script's message); resolves with the worker's reply. */
    request(op, params = {}, sender) {
      const port = env.connect(sender);
      port.onMessage.fire({ kunci: 1, type: 'request', id: 'r1', op, params });
      return port;
    },

    /** The session id and mode of the `n`th window opened. */
    session(n = -1) {
      const win = windows.created.at(n);
      if (!win) return undefined;
      const url = new URL(win.url);
      return { id: url.searchParams.get('session'), mode: url.searchParams.get('mode'), windowId: win.id, url };
    },

    /** A message from the extension's options page (options.html); see `window`. */
    options(message) {
      return env.window(message, { id: EXTENSION_ID, url: chrome.runtime.getURL('src/options.html') });
    },

    /**
     * A message from the extension's own window (pin.html), as the window sends it. Resolves
     * with the answer, or with `undefined` when the worker did not take the message.
     */
    async window(message, sender = { id: EXTENSION_ID, url: chrome.runtime.getURL('src/pin.html?mode=pin') }) {
      let answer;
      // The browser serialises the answer (which also gives it this realm's prototypes).
      const answered = new Promise((r) => (answer = (value) => r(structuredClone(value))));
      // Several listeners may be registered: the message is taken when one of them keeps it.
      const kept = chrome.runtime.onMessage.fire(structuredClone(message), sender, answer).includes(true);
      if (!kept) return { kept };
      return { kept, answer: await answered };
    },
  };
  return env;
}
