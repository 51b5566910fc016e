/**
 * The extension's service worker (Chromium) and background script (Firefox): it decides who
 * may use the token, opens the extension's own window for the origin question and the PIN,
 * and speaks the native-messaging protocol to kunci-host (docs/PROTOCOL.md §2).
 *
 * Security rules kept here:
 * - The origin of a request is the browser's (`sender.origin`, else the origin of
 *   `sender.url`), never a field of the message. Only https origins (and http on the loopback
 *   names, for development) may ask at all; each origin is asked about once, in the extension's
 *   window, and the holder's answer is remembered in `storage.local`.
 * - The PIN exists only in the PIN window, in one runtime message from that window, and in the
 *   one native request built from it; the references are dropped as soon as that request is
 *   written. It never goes to the page, into storage, or into an error or log line.
 * - Messages that drive the window (answers, PINs) are accepted only from the extension's own
 *   pages, and only for a session id that the worker itself made.
 *
 * Flow of one page request: content script port → origin check → (PIN operations) list_tokens,
 * PIN window, the host operation with the PIN, retries on a wrong PIN → one reply on the port.
 * Closing the page (the port) or the window ends the request (`cancelled`); each has a deadline
 * (PROTOCOL.md §1: 5 minutes with the PIN window, else 30 s).
 *
 * The protocol's constants below (version, host name, timeouts, the ops of JOBS) are copies of
 * extension/protocol.json, which a service worker without a bundler cannot import;
 * extension/tests/protocol.test.mjs checks that they agree, and extension/tests/background.test.mjs
 * runs this file against a fake `chrome`.
 */

const api = globalThis.browser ?? globalThis.chrome;
const PROTOCOL = 1;
const HOST_NAME = 'id.kunci.host';
const VERSION = api.runtime.getManifest().version;
const PIN_TIMEOUT_MS = 5 * 60_000;
const PLAIN_TIMEOUT_MS = 30_000;
const HELLO_TIMEOUT_MS = 10_000;
/** The oldest kunci-host this extension works with; an older one is `host.too_old`. */
const MIN_HOST_VERSION = '0.1.0';
const WINDOW = { width: 460, height: 620 };
/** Errors after which the holder may simply try again in the same window. */
const RETRYABLE = new Set(['pin.incorrect', 'pin.required', 'token.absent', 'token.removed']);

/** An error with a stable code, as the page and the host carry them. */
class OpError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.code = code;
    this.extra = extra;
  }
}

// ---- page requests -----------------------------------------------------------------------

api.runtime.onConnect.addListener((port) => {
  if (port.name !== 'kunci.request') return;
  const sender = port.sender ?? {};
  // Only our own content script, in a tab's top frame, may ask.
  if (sender.id !== api.runtime.id || !sender.tab || (sender.frameId ?? 0) !== 0) {
    port.disconnect();
    return;
  }
  const origin = senderOrigin(sender);
  const abort = new AbortController();
  let answered = false;
  port.onDisconnect.addListener(() => abort.abort(new OpError('cancelled', 'the page stopped waiting')));
  port.onMessage.addListener((message) => {
    if (answered) return;
    answered = true;
    handle(message, origin, abort.signal)
      .then((result) => ({ ok: true, result }))
      .catch((e) => ({ ok: false, error: toWire(e) }))
      .then((reply) => {
        if (abort.signal.aborted) return;
        try {
          port.postMessage(reply);
        } catch {
          // the page went away meanwhile
        }
      });
  });
});

/** One page request, start to finish. */
async function handle(message, origin, signal) {
  const op = message?.op;
  const params = message?.params ?? {};
  const job = JOBS[op];
  if (!job) throw new OpError('op.unknown', `unknown operation ${String(op).slice(0, 64)}`);
  const deadline = Date.now() + (job.pin ? PIN_TIMEOUT_MS : PLAIN_TIMEOUT_MS);
  const timeout = AbortSignal.timeout(deadline - Date.now());
  const both = anySignal([signal, timeout]);
  return raceAbort(
    (async () => {
      await requireOrigin(origin, both);
      const checked = job.check(params);
      if (!job.pin) return job.run(checked, origin, deadline);
      return pinFlow(op, job, checked, origin, deadline, both);
    })(),
    both,
    () => (timeout.aborted ? new OpError('timeout', 'the request took too long') : new OpError('cancelled', 'the page stopped waiting')),
  );
}

const JOBS = {
  'token.list': {
    pin: false,
    check: () => ({}),
    run: async (_params, origin, deadline) => {
      const { tokens } = await host.request('list_tokens', {}, origin, deadline);
      return { tokens: camel(tokens ?? []) };
    },
  },
  'token.generateCsr': {
    pin: true,
    check(p) {
      if (p.algorithm !== 'rsa2048' && p.algorithm !== 'p256') throw bad('algorithm must be "rsa2048" or "p256"');
      text(p, 'subject', { required: true, max: 2048 });
      text(p, 'email', { max: 320 });
      text(p, 'challengePassword', { max: 255 });
      text(p, 'label', { max: 64 });
      return { algorithm: p.algorithm, subject: p.subject, email: p.email, challengePassword: p.challengePassword, label: p.label };
    },
    hostOp: 'generate_csr',
    hostParams: (p) => ({
      algorithm: p.algorithm, subject: p.subject, email: p.email, challenge_password: p.challengePassword, label: p.label,
    }),
    result: (r, token) => ({
      token: camel(token), keyId: r.key_id, label: r.label, algorithm: r.algorithm, csrPem: r.csr_pem,
      publicKeySha256: r.public_key_sha256,
    }),
    summary: (p) => ({ algorithm: p.algorithm, subject: p.subject }),
  },
  'token.importCertificate': {
    pin: true,
    check(p) {
      text(p, 'certificate', { required: true, max: 512 * 1024 });
      if (!p.certificate.includes('-----BEGIN CERTIFICATE-----')) throw bad('certificate must be a PEM certificate');
      const chain = p.chain === undefined || p.chain === null ? [] : Array.isArray(p.chain) ? p.chain : [p.chain];
      if (!chain.every((c) => typeof c === 'string')) throw bad('chain must be PEM text');
      text(p, 'label', { max: 64 });
      return { certificate: p.certificate, label: p.label };
    },
    hostOp: 'import_certificate',
    hostParams: (p) => ({ certificate: p.certificate, label: p.label }),
    result: (r, token) => ({ token: camel(token), keyId: r.key_id, label: r.label }),
    summary: () => ({}),
  },
  'token.signDigest': {
    pin: true,
    check(p) {
      if (typeof p.keyId !== 'string' || !/^(?:[0-9a-fA-F]{2}){1,64}$/.test(p.keyId)) {
        throw bad("keyId must be the key's CKA_ID as hex (from token.generateCsr)");
      }
      if (p.algorithm !== 'rsa2048' && p.algorithm !== 'p256') throw bad('algorithm must be "rsa2048" or "p256"');
      const digest = digestHex(p.digest);
      const doc = p.document;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('document must be {name, size?}: what the holder is shown');
      if (typeof doc.name !== 'string' || doc.name.trim().length === 0) throw bad('document.name must be text');
      if (doc.name.length > 255) throw bad('document.name is longer than 255 characters');
      // The name is the holder's only check of what is signed: nothing may hide or reorder it.
      if (UNSHOWABLE.test(doc.name)) throw bad('document.name must not contain control or text-direction characters');
      const size = doc.size ?? undefined;
      if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) throw bad('document.size must be a number of bytes');
      return { keyId: p.keyId.toLowerCase(), algorithm: p.algorithm, digest, document: { name: doc.name, size } };
    },
    hostOp: 'sign_digest',
    // The key lives on one token: with several plugged in, the holder may have chosen another.
    retryOnOtherToken: ['key.not_found'],
    hostParams: (p) => ({ key_id: p.keyId, algorithm: p.algorithm, digest: p.digest }),
    result: (r, token) => ({
      token: camel(token), signature: r.signature, algorithm: r.algorithm, keyId: r.key_id, certificate: r.certificate ?? null,
    }),
    // The window shows the name, the size and the digest's first 16 hex digits (8 bytes).
    summary: (p) => ({
      algorithm: p.algorithm, keyId: p.keyId, document: { name: p.document.name, size: p.document.size ?? null },
      digestPrefix: p.digest.slice(0, 16),
    }),
  },
  'token.listCertificates': {
    pin: true,
    check: () => ({}),
    hostOp: 'list_certificates',
    hostParams: () => ({}),
    result: (r, token) => ({ token: camel(token), certificates: camel(r.certificates ?? []) }),
    summary: () => ({}),
  },
};

/** Lists the tokens, opens the PIN window and runs the host operation when the holder submits. */
async function pinFlow(op, job, params, origin, deadline, signal) {
  const { tokens } = await host.request('list_tokens', {}, origin, deadline);
  return openSession(
    'pin',
    {
      origin, op, summary: job.summary(params), tokens: tokens ?? [], retryOnOtherToken: job.retryOnOtherToken ?? [],
      async refresh() {
        this.tokens = (await host.request('list_tokens', {}, origin, deadline)).tokens ?? [];
        return this.tokens;
      },
      async submit(serial, pin) {
        const token = this.tokens.find((t) => t.serial === serial);
        if (!token) throw new OpError('token.absent', 'that token is no longer listed: look again');
        const request = { token: token.serial, ...job.hostParams(params) };
        if (!token.pin_pad) {
          if (typeof pin !== 'string' || pin.length === 0) throw new OpError('pin.required', 'type the PIN');
          request.pin = pin;
        }
        pin = undefined;
        try {
          return job.result(await host.request(job.hostOp, request, origin, deadline), token);
        } finally {
          delete request.pin; // the one other reference to the PIN (the port has serialised it)
        }
      },
    },
    signal,
  );
}

// ---- origins -----------------------------------------------------------------------------

const asking = new Map(); // origin → Promise<boolean> while its window is open

/** Resolves when `origin` is allowed; asks the holder the first time. */
async function requireOrigin(origin, signal) {
  if (!mayAsk(origin)) {
    throw new OpError('origin.not_allowed', `${origin} is not a secure (https) origin`);
  }
  const known = (await storedOrigins())[origin];
  if (known === 'allow') return;
  if (known === 'deny') throw new OpError('origin.not_allowed', `the holder refused ${origin} the use of security tokens`);
  let question = asking.get(origin);
  if (!question) {
    question = openSession('origin', { origin }, undefined).finally(() => asking.delete(origin));
    asking.set(origin, question);
  }
  const allowed = await raceAbort(question, signal, () => signal.reason);
  if (!allowed) throw new OpError('origin.not_allowed', `the holder refused ${origin} the use of security tokens`);
}

function mayAsk(origin) {
  let url;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

async function storedOrigins() {
  const { origins } = await api.storage.local.get('origins');
  return origins && typeof origins === 'object' ? origins : {};
}

async function rememberOrigin(origin, answer) {
  const origins = await storedOrigins();
  if (answer) origins[origin] = answer;
  else delete origins[origin];
  await api.storage.local.set({ origins });
}

function senderOrigin(sender) {
  if (typeof sender.origin === 'string' && sender.origin !== 'null') return sender.origin;
  try {
    return new URL(sender.url).origin;
  } catch {
    return 'null';
  }
}

// ---- the extension's window --------------------------------------------------------------

const sessions = new Map(); // session id → session

/**
 * Opens pin.html in `mode` ("origin" or "pin") for a new session and resolves with what the
 * window decides. `data` is what the window may read (origin, op, summary, tokens) plus, for
 * PIN sessions, `refresh()` and `submit(serial, pin)`.
 */
function openSession(mode, data, signal) {
  return new Promise((resolve, reject) => {
    const id = crypto.randomUUID();
    const session = {
      id, mode, ...data, windowId: undefined, busy: false, settled: false,
      settle(ok, value) {
        if (this.settled) return;
        this.settled = true;
        sessions.delete(id);
        if (ok) resolve(value);
        else reject(value);
      },
      close() {
        if (this.windowId !== undefined) api.windows.remove(this.windowId).catch(() => {});
      },
    };
    sessions.set(id, session);
    signal?.addEventListener('abort', () => {
      // Once settled, the window is the holder's (it may be showing a final error).
      if (session.settled) return;
      session.settle(false, signal.reason);
      session.close();
    }, { once: true });
    const url = api.runtime.getURL(`src/pin.html?mode=${mode}&session=${id}`);
    api.windows.create({ url, type: 'popup', focused: true, ...WINDOW }).then(
      (win) => {
        session.windowId = win.id;
        if (session.settled) session.close();
      },
      (e) => session.settle(false, new OpError('extension.failed', `cannot open the extension's window: ${e?.message ?? e}`)),
    );
  });
}

api.windows.onRemoved.addListener((windowId) => {
  for (const session of sessions.values()) {
    if (session.windowId === windowId) session.settle(false, new OpError('cancelled', 'the holder closed the window'));
  }
});

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Only the extension's own pages drive sessions; content scripts (in web pages) never do.
  if (sender.id !== api.runtime.id || !String(sender.url).startsWith(api.runtime.getURL('src/pin.html'))) return false;
  windowMessage(message).then(sendResponse, (e) => sendResponse({ ok: false, error: toWire(e) }));
  return true; // answered asynchronously
});

/** The window's requests. Each answer is `{ok: true, …}` or `{ok: false, error, retry?}`. */
async function windowMessage(message) {
  const type = message?.type;
  if (type === 'keepalive') return { ok: true }; // keeps the service worker up while the window waits
  if (type === 'settings.list') return { ok: true, origins: await storedOrigins() };
  if (type === 'settings.forget') {
    await rememberOrigin(String(message.origin), undefined);
    return { ok: true };
  }
  const session = sessions.get(message?.session);
  if (!session) throw new OpError('session.unknown', 'this request has ended');
  switch (type) {
    case 'window.hello':
      return { ok: true, mode: session.mode, origin: session.origin, op: session.op, summary: session.summary, tokens: camel(session.tokens ?? []) };
    case 'window.cancel':
      session.settle(false, new OpError('cancelled', 'the holder cancelled'));
      session.close();
      return { ok: true };
    case 'origin.answer': {
      if (session.mode !== 'origin') throw bad('not an origin question');
      const allow = message.allow === true;
      await rememberOrigin(session.origin, allow ? 'allow' : 'deny');
      session.settle(true, allow);
      return { ok: true };
    }
    case 'pin.refresh':
      if (session.mode !== 'pin' || session.busy) throw bad('not now');
      return { ok: true, tokens: camel(await session.refresh()) };
    case 'pin.submit': {
      if (session.mode !== 'pin') throw bad('not a PIN window');
      if (session.busy) throw new OpError('busy', 'the token is still working');
      session.busy = true;
      let pin = typeof message.pin === 'string' ? message.pin : undefined;
      message.pin = undefined;
      try {
        const result = await session.submit(String(message.token ?? ''), pin);
        pin = undefined;
        session.settle(true, result);
        return { ok: true };
      } catch (e) {
        pin = undefined;
        const error = toWire(e);
        const retry = (RETRYABLE.has(error.code) && !(error.code === 'pin.incorrect' && error.tries_left === 0))
          || (session.retryOnOtherToken.includes(error.code) && (session.tokens?.length ?? 0) > 1);
        if (!retry) session.settle(false, e instanceof OpError ? e : new OpError(error.code, error.message));
        return { ok: false, error, retry };
      } finally {
        session.busy = false;
      }
    }
    default:
      throw bad('unknown window message');
  }
}

// ---- the options page: the helper's state ---------------------------------------------------

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== api.runtime.id || !String(sender.url).startsWith(api.runtime.getURL('src/options.html'))) return false;
  if (message?.type !== 'options.status') return false;
  helperStatus().then(sendResponse, (e) => sendResponse({ ok: false, error: toWire(e) }));
  return true;
});

/**
 * What the options page shows: this extension's version, the helper's (from `hello`), its
 * `doctor` checks and the tokens it sees, asked under the extension's own origin, and the
 * allowed portals (whose /unduh/ offers the installer). Each part
 * that fails carries its error instead; a helper that cannot be reached is `error` alone.
 */
async function helperStatus() {
  const origin = api.runtime.getURL('').replace(/\/$/, '');
  const deadline = Date.now() + PLAIN_TIMEOUT_MS;
  const origins = await storedOrigins();
  // The portals the holder allowed serve the installers (/unduh/): where the page links to.
  const portals = Object.keys(origins).filter((o) => origins[o] === 'allow');
  const out = { ok: true, extension: VERSION, protocol: PROTOCOL, minHost: MIN_HOST_VERSION, origin, portals };
  try {
    const hello = await host.connect(origin);
    out.host = { version: hello.host ?? null, protocol: hello.protocol, module: hello.module ?? null };
  } catch (e) {
    out.error = toWire(e);
    return out;
  }
  const part = (promise, ok) => promise.then(ok, (e) => ({ error: toWire(e) }));
  // The manifests must allow this very extension (an unpacked one keeps the store's id).
  const me = origin.startsWith('moz-extension:') ? { firefox_id: api.runtime.id } : { extension_id: api.runtime.id };
  out.doctor = await part(host.request('doctor', me, origin, deadline), (r) => ({
    checks: (Array.isArray(r?.checks) ? r.checks : []).map((c) => ({
      id: String(c?.id ?? ''), ok: c?.ok === true, code: c?.code ?? null, detail: String(c?.detail ?? ''), fix: c?.fix ?? null,
    })),
  }));
  out.tokens = await part(host.request('list_tokens', {}, origin, deadline), (r) => ({ tokens: camel(r?.tokens ?? []) }));
  return out;
}

// ---- kunci-host ----------------------------------------------------------------------------

/** The one native port, opened on first use with a `hello` handshake; reopened after a loss. */
const host = {
  port: null,
  ready: null,
  pending: new Map(),
  nextId: 1,

  /** Sends `op` and resolves with the host's `result`, or rejects with its error. */
  async request(op, params, origin, deadline) {
    await this.connect(origin);
    return this.send(op, params, origin, Math.max(1, deadline - Date.now()));
  },

  connect(origin) {
    if (this.ready) return this.ready;
    let port;
    try {
      port = api.runtime.connectNative(HOST_NAME);
    } catch (e) {
      return Promise.reject(absent(e?.message));
    }
    this.port = port;
    port.onMessage.addListener((reply) => {
      const call = this.pending.get(reply?.id);
      if (!call) return;
      this.pending.delete(reply.id);
      clearTimeout(call.timer);
      if (reply.ok) call.resolve(reply.result ?? {});
      else call.reject(fromHost(reply.error));
    });
    port.onDisconnect.addListener((p) => {
      const why = api.runtime.lastError?.message ?? p?.error?.message;
      if (this.port === port) this.drop(absent(why));
    });
    this.ready = this.send('hello', { protocol: PROTOCOL, extension: VERSION }, origin, HELLO_TIMEOUT_MS).then(
      (result) => {
        versionCheck(result);
        return result;
      },
      (e) => {
        throw e.code === 'op.unknown' || e.code === 'request.bad'
          ? new OpError('host.version', `kunci-host does not understand this extension's protocol ${PROTOCOL}: update both`)
          : e;
      },
    );
    this.ready.catch((e) => {
      if (this.port === port) this.drop(e);
    });
    return this.ready;
  },

  send(op, params, origin, timeoutMs) {
    const port = this.port;
    if (!port) return Promise.reject(absent());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new OpError('timeout', `kunci-host did not answer ${op} in time`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        port.postMessage({ id, op, origin, params });
      } catch (e) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(absent(e?.message));
      }
    });
  },

  /** Forgets the port and fails every pending request with `error`. */
  drop(error) {
    const port = this.port;
    this.port = null;
    this.ready = null;
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    this.pending.clear();
    try {
      port?.disconnect();
    } catch {
      // already closed
    }
  },
};

/**
 * hello's answer against this extension (docs/PROTOCOL.md "Versions"; a helper from before its
 * own check answers ok whatever it is sent): a protocol range `min_protocol`..`protocol` that
 * does not hold PROTOCOL is `host.too_old` below it and `extension.too_old` above it, a protocol
 * that is not a number `host.version`; then a `host` release older than MIN_HOST_VERSION is
 * `host.too_old` too. Both carry the helper's `host` version (the options page shows it).
 */
function versionCheck(hello) {
  const top = hello?.protocol;
  const bottom = Number.isInteger(hello?.min_protocol) ? hello.min_protocol : top;
  const host = String(hello?.host ?? '').slice(0, 32);
  if (!Number.isInteger(top)) {
    throw new OpError('host.version', `kunci-host speaks protocol ${String(top).slice(0, 16)}, this extension ${PROTOCOL}: update both`);
  }
  if (top < PROTOCOL) {
    throw new OpError('host.too_old', `kunci-host ${host} speaks protocol ${top}, this extension ${PROTOCOL}: install the new kunci-host`, { host });
  }
  if (bottom > PROTOCOL) {
    throw new OpError('extension.too_old', `kunci-host ${host} speaks protocol ${bottom} or newer, this extension ${PROTOCOL}: update the kunci extension`, { host });
  }
  const have = String(hello?.host ?? '').split(/[.+-]/).slice(0, 3).map(Number);
  const need = MIN_HOST_VERSION.split('.').map(Number);
  const cmp = have.length === 3 && have.every(Number.isSafeInteger)
    ? have.map((v, i) => v - need[i]).find((d) => d !== 0) ?? 0 : -1;
  if (cmp < 0) {
    throw new OpError('host.too_old', `kunci-host ${host || '?'} is older than this extension needs (${MIN_HOST_VERSION} or newer): install the new kunci-host`, { host });
  }
}

function absent(why) {
  return new OpError(
    'host.absent',
    `kunci-host is not installed or did not start${why ? ` (${why})` : ''}: install it and run "kunci-host install"`,
  );
}

/** A host error, passed through with its documented fields. */
function fromHost(error) {
  const extra = {};
  if (Number.isInteger(error?.tries_left)) extra.tries_left = error.tries_left;
  if (typeof error?.function === 'string') extra.function = error.function;
  // host.too_old / extension.too_old from hello: the helper's release, for the options page.
  if (typeof error?.host === 'string') extra.host = error.host.slice(0, 32);
  return new OpError(
    typeof error?.code === 'string' ? error.code : 'host.failed',
    typeof error?.message === 'string' ? error.message : 'kunci-host failed',
    extra,
  );
}

// ---- helpers -----------------------------------------------------------------------------

function toWire(e) {
  if (e instanceof OpError) return { code: e.code, message: e.message, ...e.extra };
  return { code: 'extension.failed', message: String(e?.message ?? e) };
}

function bad(message) {
  return new OpError('request.bad', message);
}

function text(params, name, { required = false, max }) {
  const value = params[name];
  if (value === undefined || value === null) {
    if (required) throw bad(`${name} is required`);
    params[name] = undefined;
    return;
  }
  if (typeof value !== 'string' || (required && value.length === 0)) throw bad(`${name} must be text`);
  if (value.length > max) throw bad(`${name} is longer than ${max} characters`);
}

/** Characters that would hide or reorder a shown name: C0/C1 controls, bidi marks and overrides. */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * A SHA-256 digest from the page, 64 hex digits or base64 (standard or URL-safe) of 32 bytes,
 * as lowercase hex (what the host is sent and the window shows).
 */
function digestHex(value) {
  if (typeof value !== 'string') throw bad('digest must be the SHA-256 digest as hex or base64 text');
  if (/^(?:[0-9a-fA-F]{2})+$/.test(value)) {
    if (value.length !== 64) throw bad(`digest must be a SHA-256 digest of 32 bytes, not ${value.length / 2} bytes`);
    return value.toLowerCase();
  }
  let bytes;
  try {
    if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) throw new Error('not 32 bytes of base64');
    bytes = atob(value.replaceAll('-', '+').replaceAll('_', '/').padEnd(44, '='));
  } catch {
    throw bad('digest must be a SHA-256 digest (32 bytes) as 64 hex digits or base64');
  }
  return [...bytes].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

/** snake_case keys (the host's) to camelCase (the page's), deeply. */
function camel(value) {
  if (Array.isArray(value)) return value.map(camel);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camel(v)]),
    );
  }
  return value;
}

/** Rejects with `reason()` as soon as `signal` aborts, else settles as `promise` does. */
function raceAbort(promise, signal, reason) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(reason());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** AbortSignal.any, which Firefox 115 lacks. */
function anySignal(signals) {
  if (AbortSignal.any) return AbortSignal.any(signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) return AbortSignal.abort(s.reason);
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
