/**
 * The content script: a relay between the page (window.postMessage, docs/PROTOCOL.md §1) and
 * the service worker (one runtime port per request), and nothing else.
 *
 * It trusts nothing the page writes beyond the five fields of a request: it answers only
 * messages from this very window (`event.source === window`) in the `kunci: 1` format, copies
 * `kunci`, `type`, `id`, `op`, `params` into a fresh object (so no `origin` or other field the
 * page invented ever reaches the service worker, which takes the origin from the browser's
 * sender), and posts answers to this page's own origin only. `ping` is answered here, without
 * waking the service worker. Each request has a deadline a little longer than the service
 * worker's own, so that the worker's more precise error (`timeout` while the PIN window was
 * open, `host.absent`, …) normally arrives first.
 *
 * The constants below are copies of extension/protocol.json (a content script cannot import);
 * extension/tests/protocol.test.mjs checks that they agree.
 */
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const PROTOCOL = 1;
  const OPS = new Set(['token.list', 'token.generateCsr', 'token.importCertificate', 'token.listCertificates', 'token.signDigest']);
  // Per PROTOCOL.md §1: operations that open the PIN window 5 minutes, others 30 s; plus slack.
  const PIN_OPS = new Set(['token.generateCsr', 'token.importCertificate', 'token.listCertificates', 'token.signDigest']);
  const PIN_TIMEOUT_MS = 5 * 60_000;
  const PLAIN_TIMEOUT_MS = 30_000;
  const SLACK_MS = 3000;
  const MAX_PARAMS_BYTES = 1 << 20;

  // A page that is not a real origin (opaque, file:) cannot be answered by origin: stay silent.
  const origin = window.location.origin;
  if (!origin || origin === 'null') return;

  window.addEventListener('message', (event) => {
    if (event.source !== window) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.kunci !== PROTOCOL) return;
    if (data.type === 'ping') {
      post({ kunci: PROTOCOL, type: 'pong', extension: api.runtime.getManifest().version, protocol: PROTOCOL });
    } else if (data.type === 'request') {
      relay(data);
    }
    // Anything else (our own `pong`/`response` echoes included) is ignored.
  });

  function relay(data) {
    const id = data.id;
    if (!(typeof id === 'string' && id.length > 0 && id.length <= 128) && !Number.isSafeInteger(id)) return;
    const fail = (code, message) => post({ kunci: PROTOCOL, type: 'response', id, ok: false, error: { code, message } });
    if (typeof data.op !== 'string' || !OPS.has(data.op)) {
      return fail('op.unknown', `unknown operation ${String(data.op).slice(0, 64)}`);
    }
    let params;
    try {
      // A JSON round trip keeps only plain data (no functions, prototypes or getters of the page).
      const text = JSON.stringify(data.params ?? {});
      if (text.length > MAX_PARAMS_BYTES) return fail('request.too_large', 'the request is over 1 MiB');
      params = JSON.parse(text);
    } catch {
      return fail('request.bad', 'params must be plain JSON data');
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) {
      return fail('request.bad', 'params must be an object');
    }
    const message = { kunci: PROTOCOL, type: 'request', id, op: data.op, params };

    let port;
    try {
      port = api.runtime.connect({ name: 'kunci.request' });
    } catch (e) {
      return fail('extension.failed', `cannot reach the extension: ${e?.message ?? e}`);
    }
    let done = false;
    const finish = (response) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      post(response);
      try {
        port.disconnect(); // tells the service worker to stop (closes its PIN window)
      } catch {
        // already gone
      }
    };
    const timeoutMs = (PIN_OPS.has(data.op) ? PIN_TIMEOUT_MS : PLAIN_TIMEOUT_MS) + SLACK_MS;
    const timer = setTimeout(
      () => finish({ kunci: PROTOCOL, type: 'response', id, ok: false, error: { code: 'timeout', message: 'the extension did not answer in time' } }),
      timeoutMs,
    );
    port.onMessage.addListener((reply) => {
      if (!reply || typeof reply !== 'object') return;
      finish(
        reply.ok
          ? { kunci: PROTOCOL, type: 'response', id, ok: true, result: reply.result ?? {} }
          : { kunci: PROTOCOL, type: 'response', id, ok: false, error: cleanError(reply.error) },
      );
    });
    port.onDisconnect.addListener(() => {
      const why = api.runtime.lastError?.message ?? port.error?.message;
      finish({ kunci: PROTOCOL, type: 'response', id, ok: false, error: { code: 'extension.failed', message: why ? `the extension stopped: ${why}` : 'the extension stopped before answering' } });
    });
    port.postMessage(message);
  }

  /** Only the documented fields of an error reach the page. */
  function cleanError(error) {
    const out = {
      code: typeof error?.code === 'string' ? error.code : 'extension.failed',
      message: typeof error?.message === 'string' ? error.message : 'the extension failed',
    };
    if (Number.isInteger(error?.tries_left)) out.tries_left = error.tries_left;
    if (typeof error?.function === 'string') out.function = error.function;
    return out;
  }

  function post(message) {
    window.postMessage(message, origin);
  }
})();
