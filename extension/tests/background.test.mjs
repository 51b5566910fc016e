/**
 * Unit tests of the extension's service worker (extension/src/background.js), run with
 * node:test against the fake `chrome` of fake-chrome.mjs: who may ask (the browser's sender,
 * not the message), the per-origin question and its remembered answer, checks of the page's
 * parameters, the native port to kunci-host (handshake, errors, loss, reuse), deadlines on a
 * manual clock, and the PIN window's session messages (retries, PIN pads, cancel, busy).
 *
 * The browser walk (tests/web/extension.test.mjs) drives the same file in Chromium end to end;
 * these run in milliseconds and reach the corners a browser makes slow (timeouts, a host that
 * exits mid-request, a window that fails to open).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { EXTENSION_ID, TOKEN, defaultAnswer, loadBackground, settle } from './fake-chrome.mjs';

const PORTAL = 'https://portal.example';
const allowed = { [PORTAL]: 'allow' };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const CSR = { algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID', challengePassword: 'rahasia', label: 'kunci' };
const DIGEST = '3f2a91bc0d4e77aa' + 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c'; // 64 hex digits
const SIGN = { keyId: '00112233445566778899AABBCCDDEEFF', algorithm: 'p256', digest: DIGEST, document: { name: 'SK Kenaikan Pangkat.pdf', size: 48213 } };

/** The one reply a port got, after letting the worker run. */
async function replyOf(port) {
  await settle();
  assert.equal(port.replies.length, 1, `expected one reply, got ${JSON.stringify(port.replies)}`);
  return port.replies[0];
}

/** Starts a PIN operation and waits for its window; returns the page port and the session. */
async function openPinWindow(env, op = 'token.generateCsr', params = CSR) {
  const port = env.request(op, params);
  await settle();
  const session = env.session();
  assert.equal(session?.mode, 'pin', 'the PIN window opened');
  return { port, session };
}

describe('who may ask', () => {
  test('ports with another name are left alone', async () => {
    const env = loadBackground({ origins: allowed });
    const port = env.connect(env.pageSender(), 'something.else');
    port.onMessage.fire({ op: 'token.list', params: {} });
    await settle();
    assert.equal(port.disconnected, false);
    assert.equal(port.onMessage.listeners.length, 0, 'the worker did not listen');
    assert.deepEqual(env.native.requests, []);
  });

  for (const [why, extra] of [
    ['another extension', { id: 'someoneelse' }],
    ['a sub-frame', { frameId: 3 }],
    ['no tab (an extension page)', { tab: undefined }],
  ]) {
    test(`a port from ${why} is disconnected unanswered`, async () => {
      const env = loadBackground({ origins: allowed });
      const port = env.connect(env.pageSender(PORTAL, extra));
      assert.equal(port.disconnected, true);
      assert.equal(port.onMessage.listeners.length, 0);
    });
  }

  test("the origin is the sender's, never a field of the message", async () => {
    const env = loadBackground({ origins: { 'https://evil.example': 'allow', [PORTAL]: 'allow' } });
    const port = env.connect(env.pageSender(PORTAL));
    port.onMessage.fire({ kunci: 1, type: 'request', id: 'r1', op: 'token.list', params: {}, origin: 'https://evil.example' });
    const reply = await replyOf(port);
    assert.equal(reply.ok, true);
    assert.deepEqual(new Set(env.native.requests.map((r) => r.origin)), new Set([PORTAL]));
  });

  test("without sender.origin (or with 'null') the origin of sender.url is used", async () => {
    const other = 'https://b.example:8443';
    for (const origin of [undefined, 'null']) {
      const env = loadBackground({ origins: { [other]: 'allow' } });
      const port = env.request('token.list', {}, env.pageSender(PORTAL, { origin, url: `${other}/a/b?c#d` }));
      assert.equal((await replyOf(port)).ok, true, String(origin));
      assert.equal(env.native.requests.at(-1).origin, other);
    }
  });

  for (const origin of ['http://portal.example', 'file://', 'null', 'ftp://portal.example']) {
    test(`${origin} may not ask at all: origin.not_allowed, no window`, async () => {
      const env = loadBackground();
      const port = env.request('token.list', {}, env.pageSender(origin, { url: 'about:blank' }));
      const reply = await replyOf(port);
      assert.equal(reply.error.code, 'origin.not_allowed');
      assert.equal(env.windows.created.length, 0);
      assert.deepEqual(env.native.requests, []);
    });
  }

  for (const origin of ['http://localhost:8080', 'http://127.0.0.1:3000', 'http://[::1]:8443']) {
    test(`${origin} (loopback, for development) is asked about`, async () => {
      const env = loadBackground();
      env.request('token.list', {}, env.pageSender(origin));
      await settle();
      assert.equal(env.session()?.mode, 'origin');
    });
  }

  test('a port answers its first message only', async () => {
    const env = loadBackground({ origins: allowed });
    const port = env.connect();
    port.onMessage.fire({ op: 'token.list', params: {} });
    port.onMessage.fire({ op: 'token.list', params: {} });
    await replyOf(port);
    assert.equal(env.native.ops().filter((op) => op === 'list_tokens').length, 1);
  });
});

describe('the origin question', () => {
  test('a new origin is asked about once; "allow" is remembered and the request goes on', async () => {
    const env = loadBackground();
    const port = env.request('token.list');
    await settle();
    const s = env.session();
    assert.equal(s.mode, 'origin');
    assert.equal(s.url.pathname, `/src/pin.html`);
    assert.equal(env.windows.created[0].type, 'popup');
    assert.deepEqual(env.native.requests, [], 'nothing reaches the host before the answer');
    const hello = await env.window({ type: 'window.hello', session: s.id });
    assert.equal(hello.answer.mode, 'origin');
    assert.equal(hello.answer.origin, PORTAL);
    assert.deepEqual((await env.window({ type: 'origin.answer', session: s.id, allow: true })).answer, { ok: true });
    assert.deepEqual(env.store.origins, { [PORTAL]: 'allow' });
    const reply = await replyOf(port);
    assert.equal(reply.ok, true);
    // The next request is not asked about again.
    assert.equal((await replyOf(env.request('token.list'))).ok, true);
    assert.equal(env.windows.created.length, 1);
  });

  test('"refuse" is remembered and later requests are refused without a window', async () => {
    const env = loadBackground();
    const port = env.request('token.list');
    await settle();
    await env.window({ type: 'origin.answer', session: env.session().id, allow: false });
    assert.equal((await replyOf(port)).error.code, 'origin.not_allowed');
    assert.deepEqual(env.store.origins, { [PORTAL]: 'deny' });
    const again = await replyOf(env.request('token.list'));
    assert.equal(again.error.code, 'origin.not_allowed');
    assert.equal(env.windows.created.length, 1);
    assert.deepEqual(env.native.requests, []);
  });

  test('only allow === true allows', async () => {
    const env = loadBackground();
    const port = env.request('token.list');
    await settle();
    await env.window({ type: 'origin.answer', session: env.session().id, allow: 'yes' });
    assert.equal((await replyOf(port)).error.code, 'origin.not_allowed');
    assert.deepEqual(env.store.origins, { [PORTAL]: 'deny' });
  });

  test('closing the window answers nothing: cancelled, and the origin is asked again next time', async () => {
    const env = loadBackground();
    const port = env.request('token.list');
    await settle();
    env.chrome.windows.onRemoved.fire(env.session().windowId);
    const reply = await replyOf(port);
    assert.equal(reply.error.code, 'cancelled');
    assert.equal(env.store.origins, undefined);
    env.request('token.list');
    await settle();
    assert.equal(env.windows.created.length, 2);
  });

  test('two requests from one origin share one question', async () => {
    const env = loadBackground();
    const a = env.request('token.list');
    const b = env.request('token.list');
    await settle();
    assert.equal(env.windows.created.length, 1);
    await env.window({ type: 'origin.answer', session: env.session().id, allow: true });
    assert.equal((await replyOf(a)).ok, true);
    assert.equal((await replyOf(b)).ok, true);
  });

  test('a window that cannot open fails the request with extension.failed', async () => {
    const env = loadBackground({ createWindow: async () => Promise.reject(new Error('no display')) });
    const reply = await replyOf(env.request('token.list'));
    assert.equal(reply.error.code, 'extension.failed');
    assert.match(reply.error.message, /no display/);
  });

  test('the settings page lists and forgets remembered origins', async () => {
    const env = loadBackground({ origins: { [PORTAL]: 'allow', 'https://b.example': 'deny' } });
    const settings = { id: EXTENSION_ID, url: env.chrome.runtime.getURL('src/pin.html') };
    const list = await env.window({ type: 'settings.list' }, settings);
    assert.deepEqual(list.answer, { ok: true, origins: { [PORTAL]: 'allow', 'https://b.example': 'deny' } });
    await env.window({ type: 'settings.forget', origin: PORTAL }, settings);
    assert.deepEqual(env.store.origins, { 'https://b.example': 'deny' });
  });
});

describe("the page's parameters", () => {
  for (const [op, params, pattern] of [
    ['token.remove', {}, null],
    ['token.List', {}, null],
    ['token.generateCsr', { ...CSR, algorithm: 'rsa1024' }, /algorithm/],
    ['token.generateCsr', { ...CSR, subject: undefined }, /subject is required/],
    ['token.generateCsr', { ...CSR, subject: '' }, /subject must be text/],
    ['token.generateCsr', { ...CSR, subject: 'CN=x'.repeat(600) }, /subject is longer than 2048/],
    ['token.generateCsr', { ...CSR, email: 42 }, /email must be text/],
    ['token.generateCsr', { ...CSR, label: 'x'.repeat(65) }, /label is longer than 64/],
    ['token.generateCsr', { ...CSR, challengePassword: 'x'.repeat(256) }, /challengePassword/],
    ['token.importCertificate', { certificate: 'not a certificate' }, /PEM certificate/],
    ['token.importCertificate', { certificate: PEM + 'A'.repeat(512 * 1024) }, /longer than 524288/],
    ['token.importCertificate', { certificate: PEM, chain: [PEM, 7] }, /chain must be PEM/],
    ['token.signDigest', { ...SIGN, keyId: undefined }, /keyId/],
    ['token.signDigest', { ...SIGN, keyId: 'xyz' }, /keyId/],
    ['token.signDigest', { ...SIGN, keyId: 'abc' }, /keyId/],
    ['token.signDigest', { ...SIGN, algorithm: 'rsa4096' }, /algorithm/],
    ['token.signDigest', { ...SIGN, digest: DIGEST.slice(2) }, /digest/],
    ['token.signDigest', { ...SIGN, digest: DIGEST + '00' }, /digest/],
    ['token.signDigest', { ...SIGN, digest: Buffer.alloc(48, 0xff).toString('base64') }, /digest/],
    ['token.signDigest', { ...SIGN, digest: [1, 2, 3] }, /digest/],
    ['token.signDigest', { ...SIGN, document: undefined }, /document must be/],
    ['token.signDigest', { ...SIGN, document: 'SK.pdf' }, /document must be/],
    ['token.signDigest', { ...SIGN, document: { name: '' } }, /document\.name must be text/],
    ['token.signDigest', { ...SIGN, document: { name: 'x'.repeat(256) } }, /longer than 255/],
    ['token.signDigest', { ...SIGN, document: { name: 'invoice\u202Efdp.exe' } }, /text-direction/],
    ['token.signDigest', { ...SIGN, document: { name: 'a\nb.pdf' } }, /control/],
    ['token.signDigest', { ...SIGN, document: { name: 'SK.pdf', size: -1 } }, /size/],
    ['token.signDigest', { ...SIGN, document: { name: 'SK.pdf', size: '12' } }, /size/],
  ]) {
    const code = pattern ? 'request.bad' : 'op.unknown';
    test(`${op} ${pattern ?? ''} → ${code}, before any window or host request`, async () => {
      const env = loadBackground({ origins: allowed });
      const reply = await replyOf(env.request(op, params));
      assert.equal(reply.ok, false);
      assert.equal(reply.error.code, code);
      if (pattern) assert.match(reply.error.message, pattern);
      assert.equal(env.windows.created.length, 0);
      assert.deepEqual(env.native.requests, []);
    });
  }

  test('an unknown op from an origin never asked about is refused without a question', async () => {
    const env = loadBackground();
    const reply = await replyOf(env.request('token.format'));
    assert.equal(reply.error.code, 'op.unknown');
    assert.equal(env.windows.created.length, 0);
  });

  test('bad parameters from an origin not yet allowed are checked only after the question', async () => {
    const env = loadBackground();
    const port = env.request('token.generateCsr', { algorithm: 'rsa1024', subject: 'CN=x' });
    await settle();
    assert.equal(env.session().mode, 'origin');
    await env.window({ type: 'origin.answer', session: env.session().id, allow: true });
    assert.equal((await replyOf(port)).error.code, 'request.bad');
  });
});

describe('kunci-host', () => {
  test('token.list: hello first (protocol 1, extension version), then list_tokens; camelCase back', async () => {
    const env = loadBackground({ origins: allowed });
    const reply = await replyOf(env.request('token.list'));
    assert.deepEqual(env.native.names, ['id.kunci.host']);
    assert.deepEqual(env.native.requests, [
      { id: 1, op: 'hello', origin: PORTAL, params: { protocol: 1, extension: '0.1.0' } },
      { id: 2, op: 'list_tokens', origin: PORTAL, params: {} },
    ]);
    assert.deepEqual(reply, {
      ok: true,
      result: {
        tokens: [{
          serial: 'SER1', label: 'Budi', manufacturer: 'SoftHSM', model: 'v2', slot: 0,
          pinPad: false, pinCountLow: false, pinFinalTry: false, pinLocked: false,
        }],
      },
    });
  });

  test('one native port serves later requests (one hello)', async () => {
    const env = loadBackground({ origins: allowed });
    await replyOf(env.request('token.list'));
    await replyOf(env.request('token.list'));
    assert.equal(env.native.ports.length, 1);
    assert.deepEqual(env.native.ops(), ['hello', 'list_tokens', 'list_tokens']);
  });

  test('no helper installed (connectNative throws): host.absent with the way to install it', async () => {
    const env = loadBackground({ origins: allowed });
    env.native.missing = true;
    const reply = await replyOf(env.request('token.list'));
    assert.equal(reply.error.code, 'host.absent');
    assert.match(reply.error.message, /not found/);
    assert.match(reply.error.message, /kunci-host install/);
  });

  test('the helper exits (port disconnects): host.absent with the browser reason, then a new port', async () => {
    let answer = (r) => (r.op === 'hello' ? defaultAnswer(r) : undefined);
    const env = loadBackground({ origins: allowed, answer: (r) => answer(r) });
    const port = env.request('token.list');
    await settle();
    env.native.ports[0].crash(env.chrome, 'Native host has exited.');
    const reply = await replyOf(port);
    assert.equal(reply.error.code, 'host.absent');
    assert.match(reply.error.message, /Native host has exited/);
    answer = defaultAnswer;
    assert.equal((await replyOf(env.request('token.list'))).ok, true);
    assert.equal(env.native.ports.length, 2);
    assert.deepEqual(env.native.ops(), ['hello', 'list_tokens', 'hello', 'list_tokens']);
  });

  test('a helper that speaks only a newer protocol: extension.too_old', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'hello' ? { ok: true, result: { protocol: 2, host: '0.3.0' } } : defaultAnswer(r)),
    });
    const reply = await replyOf(env.request('token.list'));
    assert.equal(reply.error.code, 'extension.too_old');
    assert.match(reply.error.message, /protocol 2 or newer, this extension 1: update the kunci extension/);
    assert.deepEqual(env.native.ops(), ['hello']);
    assert.equal(env.native.ports[0].disconnected, true, 'the port is dropped');
  });

  for (const code of ['op.unknown', 'request.bad']) {
    test(`a helper that answers hello with ${code} is too old: host.version`, async () => {
      const env = loadBackground({
        origins: allowed,
        answer: (r) => (r.op === 'hello' ? { ok: false, error: { code, message: 'what?' } } : defaultAnswer(r)),
      });
      assert.equal((await replyOf(env.request('token.list'))).error.code, 'host.version');
    });
  }

  test("the helper's errors reach the page with code, message, tries_left and function only", async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'hello'
        ? defaultAnswer(r)
        : { ok: false, error: { code: 'pkcs11.failed', message: 'C_GetSlotList failed', function: 'C_GetSlotList', tries_left: 1, secret: 'x' } }),
    });
    const reply = await replyOf(env.request('token.list'));
    assert.deepEqual(reply, {
      ok: false,
      error: { code: 'pkcs11.failed', message: 'C_GetSlotList failed', tries_left: 1, function: 'C_GetSlotList' },
    });
  });

  test('a malformed helper error becomes host.failed', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'hello' ? defaultAnswer(r) : { ok: false, error: { code: 5, tries_left: 'two' } }),
    });
    assert.deepEqual((await replyOf(env.request('token.list'))).error, { code: 'host.failed', message: 'kunci-host failed' });
  });

  test('replies with an unknown id are ignored', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'hello' ? defaultAnswer(r) : undefined),
    });
    const port = env.request('token.list');
    await settle();
    env.native.ports[0].onMessage.fire({ id: 999, ok: true, result: { tokens: [] } });
    await settle();
    assert.deepEqual(port.replies, []);
    const id = env.native.requests.at(-1).id;
    env.native.ports[0].onMessage.fire({ id, ok: true, result: { tokens: [] } });
    assert.deepEqual(await replyOf(port), { ok: true, result: { tokens: [] } });
  });
});

describe('deadlines', () => {
  test('a helper that never answers hello: timeout after 10 s, and the port is dropped', async () => {
    const env = loadBackground({ origins: allowed, answer: () => undefined });
    const port = env.request('token.list');
    await env.clock.advance(9_999);
    assert.deepEqual(port.replies, []);
    await env.clock.advance(1);
    const reply = await replyOf(port);
    assert.equal(reply.error.code, 'timeout');
    assert.match(reply.error.message, /hello/);
    assert.equal(env.native.ports[0].disconnected, true);
  });

  test('an operation without the PIN window: timeout after 30 s', async () => {
    const env = loadBackground({ origins: allowed, answer: (r) => (r.op === 'hello' ? defaultAnswer(r) : undefined) });
    const port = env.request('token.list');
    await env.clock.advance(29_999);
    assert.deepEqual(port.replies, []);
    await env.clock.advance(1);
    assert.equal((await replyOf(port)).error.code, 'timeout');
  });

  test('an operation with the PIN window: timeout after 5 minutes, and the window is closed', async () => {
    const env = loadBackground({ origins: allowed });
    const { port, session } = await openPinWindow(env);
    await env.clock.advance(5 * 60_000 - 1);
    assert.deepEqual(port.replies, []);
    await env.clock.advance(1);
    assert.equal((await replyOf(port)).error.code, 'timeout');
    assert.deepEqual(env.windows.removed, [session.windowId]);
    const late = await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' });
    assert.equal(late.answer.error.code, 'session.unknown');
  });

  test('the origin question counts against the same deadline', async () => {
    const env = loadBackground();
    const port = env.request('token.list');
    await env.clock.advance(30_000);
    assert.equal((await replyOf(port)).error.code, 'timeout');
    assert.deepEqual(env.windows.removed, [], 'the question stays open for the next request');
  });

  test('the page going away ends the request: no reply, the PIN window closes', async () => {
    const env = loadBackground({ origins: allowed });
    const { port, session } = await openPinWindow(env);
    port.close();
    await settle();
    assert.deepEqual(port.replies, []);
    assert.deepEqual(env.windows.removed, [session.windowId]);
    assert.equal((await env.window({ type: 'window.hello', session: session.id })).answer.error.code, 'session.unknown');
  });
});

describe('the PIN window', () => {
  test('hello tells the window the origin, the op, a summary and the tokens (camelCase)', async () => {
    const env = loadBackground({ origins: allowed });
    const { session } = await openPinWindow(env);
    assert.deepEqual(env.native.ops(), ['hello', 'list_tokens']);
    const hello = await env.window({ type: 'window.hello', session: session.id });
    assert.deepEqual(hello.answer, {
      ok: true, mode: 'pin', origin: PORTAL, op: 'token.generateCsr',
      summary: { algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID' },
      tokens: [{
        serial: 'SER1', label: 'Budi', manufacturer: 'SoftHSM', model: 'v2', slot: 0,
        pinPad: false, pinCountLow: false, pinFinalTry: false, pinLocked: false,
      }],
    });
  });

  test('a wrong PIN is retried in the window; the right one runs generate_csr once', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => {
        if (r.op !== 'generate_csr') return defaultAnswer(r);
        if (r.params.pin !== '1234') return { ok: false, error: { code: 'pin.incorrect', message: 'wrong PIN', tries_left: 2 } };
        return { ok: true, result: { key_id: 'ab', label: 'kunci', algorithm: 'p256', csr_pem: 'CSR', public_key_sha256: 'ff' } };
      },
    });
    const { port, session } = await openPinWindow(env);
    const wrong = await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '0000' });
    assert.deepEqual(wrong.answer, { ok: false, error: { code: 'pin.incorrect', message: 'wrong PIN', tries_left: 2 }, retry: true });
    await settle();
    assert.deepEqual(port.replies, [], 'the page keeps waiting');
    const right = await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' });
    assert.deepEqual(right.answer, { ok: true });
    assert.deepEqual(env.native.requests.at(-1).params, {
      token: 'SER1', pin: '1234', algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID', challenge_password: 'rahasia', label: 'kunci',
    });
    assert.deepEqual(await replyOf(port), {
      ok: true,
      result: {
        token: {
          serial: 'SER1', label: 'Budi', manufacturer: 'SoftHSM', model: 'v2', slot: 0,
          pinPad: false, pinCountLow: false, pinFinalTry: false, pinLocked: false,
        },
        keyId: 'ab', label: 'kunci', algorithm: 'p256', csrPem: 'CSR', publicKeySha256: 'ff',
      },
    });
    assert.deepEqual(env.windows.removed, [], 'the window closes itself after showing "Done"');
  });

  test('signDigest: the window is told the document, the digest prefix and the key; sign_digest gets key, algorithm and digest only', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'sign_digest'
        ? { ok: true, result: { signature: 'c2ln', algorithm: 'p256', key_id: r.params.key_id, certificate: PEM } }
        : defaultAnswer(r)),
    });
    const { port, session } = await openPinWindow(env, 'token.signDigest', SIGN);
    const hello = (await env.window({ type: 'window.hello', session: session.id })).answer;
    assert.equal(hello.op, 'token.signDigest');
    assert.deepEqual(hello.summary, {
      algorithm: 'p256', keyId: '00112233445566778899aabbccddeeff',
      document: { name: 'SK Kenaikan Pangkat.pdf', size: 48213 }, digestPrefix: '3f2a91bc0d4e77aa',
    });
    assert.deepEqual((await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' })).answer, { ok: true });
    assert.deepEqual(env.native.requests.at(-1), {
      id: 3, op: 'sign_digest', origin: PORTAL,
      params: { token: 'SER1', pin: '1234', key_id: '00112233445566778899aabbccddeeff', algorithm: 'p256', digest: DIGEST },
    });
    assert.deepEqual(await replyOf(port), {
      ok: true,
      result: {
        token: {
          serial: 'SER1', label: 'Budi', manufacturer: 'SoftHSM', model: 'v2', slot: 0,
          pinPad: false, pinCountLow: false, pinFinalTry: false, pinLocked: false,
        },
        signature: 'c2ln', algorithm: 'p256', keyId: '00112233445566778899aabbccddeeff', certificate: PEM,
      },
    });
  });

  test('signDigest: a base64 digest is shown and sent as hex; no size and no certificate are null', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'sign_digest' ? { ok: true, result: { signature: 'c2ln', algorithm: 'rsa2048', key_id: 'ab' } } : defaultAnswer(r)),
    });
    for (const digest of [Buffer.from(DIGEST, 'hex').toString('base64'), Buffer.from(DIGEST, 'hex').toString('base64url')]) {
      const { port, session } = await openPinWindow(env, 'token.signDigest', { ...SIGN, algorithm: 'rsa2048', keyId: 'ab', digest, document: { name: 'SK.pdf' } });
      const hello = (await env.window({ type: 'window.hello', session: session.id })).answer;
      assert.equal(hello.summary.digestPrefix, '3f2a91bc0d4e77aa');
      assert.deepEqual(hello.summary.document, { name: 'SK.pdf', size: null });
      await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' });
      assert.equal(env.native.requests.at(-1).params.digest, DIGEST);
      assert.equal((await replyOf(port)).result.certificate, null);
    }
  });

  test('signDigest: a wrong PIN is retried; key.cannot_sign and key.not_found end the request', async () => {
    for (const code of ['key.cannot_sign', 'key.not_found']) {
      const env = loadBackground({
        origins: allowed,
        answer: (r) => {
          if (r.op !== 'sign_digest') return defaultAnswer(r);
          if (r.params.pin !== '1234') return { ok: false, error: { code: 'pin.incorrect', message: 'wrong PIN' } };
          return { ok: false, error: { code, message: 'no' } };
        },
      });
      const { port, session } = await openPinWindow(env, 'token.signDigest', SIGN);
      const wrong = (await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '0000' })).answer;
      assert.equal(wrong.retry, true);
      const right = (await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' })).answer;
      assert.deepEqual(right, { ok: false, error: { code, message: 'no' }, retry: false });
      assert.equal((await replyOf(port)).error.code, code);
    }
  });

  test('signDigest with several tokens: key.not_found on one lets the holder choose another', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => {
        if (r.op === 'list_tokens') return { ok: true, result: { tokens: [TOKEN, { ...TOKEN, serial: 'SER2' }] } };
        if (r.op !== 'sign_digest') return defaultAnswer(r);
        if (r.params.token === 'SER1') return { ok: false, error: { code: 'key.not_found', message: 'not here' } };
        return { ok: true, result: { signature: 'c2ln', algorithm: 'p256', key_id: r.params.key_id, certificate: null } };
      },
    });
    const { port, session } = await openPinWindow(env, 'token.signDigest', SIGN);
    const first = (await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' })).answer;
    assert.deepEqual(first, { ok: false, error: { code: 'key.not_found', message: 'not here' }, retry: true });
    await settle();
    assert.deepEqual(port.replies, [], 'the page keeps waiting');
    assert.deepEqual((await env.window({ type: 'pin.submit', session: session.id, token: 'SER2', pin: '1234' })).answer, { ok: true });
    assert.equal((await replyOf(port)).result.token.serial, 'SER2');
  });

  test('key.not_found ends other PIN operations even with several tokens', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => {
        if (r.op === 'list_tokens') return { ok: true, result: { tokens: [TOKEN, { ...TOKEN, serial: 'SER2' }] } };
        if (r.op === 'import_certificate') return { ok: false, error: { code: 'key.not_found', message: 'no key for it' } };
        return defaultAnswer(r);
      },
    });
    const { port, session } = await openPinWindow(env, 'token.importCertificate', { certificate: PEM });
    const answer = (await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' })).answer;
    assert.equal(answer.retry, false);
    assert.equal((await replyOf(port)).error.code, 'key.not_found');
  });

  test('the last wrong PIN (tries_left 0) and a locked PIN end the request', async () => {
    for (const error of [
      { code: 'pin.incorrect', message: 'wrong PIN', tries_left: 0 },
      { code: 'pin.locked', message: 'locked' },
    ]) {
      const env = loadBackground({ origins: allowed, answer: (r) => (r.op === 'generate_csr' ? { ok: false, error } : defaultAnswer(r)) });
      const { port, session } = await openPinWindow(env);
      const answer = (await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '0000' })).answer;
      assert.equal(answer.retry, false, error.code);
      assert.deepEqual((await replyOf(port)).error, error);
      assert.deepEqual(env.windows.removed, [], 'the error stays shown until the holder closes the window');
    }
  });

  test('an empty PIN is pin.required, retried, and never reaches the host', async () => {
    const env = loadBackground({ origins: allowed });
    const { port, session } = await openPinWindow(env);
    const answer = (await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '' })).answer;
    assert.equal(answer.error.code, 'pin.required');
    assert.equal(answer.retry, true);
    assert.deepEqual(env.native.ops(), ['hello', 'list_tokens']);
    assert.deepEqual(port.replies, []);
  });

  test('a token that is no longer listed is token.absent, retried', async () => {
    const env = loadBackground({ origins: allowed });
    const { session } = await openPinWindow(env);
    const answer = (await env.window({ type: 'pin.submit', session: session.id, token: 'OTHER', pin: '1234' })).answer;
    assert.equal(answer.error.code, 'token.absent');
    assert.equal(answer.retry, true);
  });

  test('a PIN-pad token gets no PIN from the extension, even if the window sent one', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'list_tokens' ? { ok: true, result: { tokens: [{ ...TOKEN, pin_pad: true }] } } : defaultAnswer(r)),
    });
    const { port, session } = await openPinWindow(env, 'token.importCertificate', { certificate: PEM, chain: PEM, label: 'x' });
    await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' });
    const sent = env.native.requests.at(-1);
    assert.equal(sent.op, 'import_certificate');
    assert.deepEqual(sent.params, { token: 'SER1', certificate: PEM, label: 'x' }, 'no pin, no chain');
    assert.equal((await replyOf(port)).ok, true);
  });

  test('"look again" re-lists the tokens; the new list is what submit picks from', async () => {
    let tokens = [];
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'list_tokens' ? { ok: true, result: { tokens } } : defaultAnswer(r)),
    });
    const { session } = await openPinWindow(env, 'token.listCertificates', {});
    tokens = [{ ...TOKEN, serial: 'NEW' }];
    const refreshed = (await env.window({ type: 'pin.refresh', session: session.id })).answer;
    assert.deepEqual(refreshed.tokens.map((t) => t.serial), ['NEW']);
    await env.window({ type: 'pin.submit', session: session.id, token: 'NEW', pin: '1234' });
    assert.deepEqual(env.native.requests.at(-1), { id: 4, op: 'list_certificates', origin: PORTAL, params: { token: 'NEW', pin: '1234' } });
  });

  test('a second submit while the token works is busy', async () => {
    let finish;
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'list_certificates' ? new Promise((r2) => (finish = r2)) : defaultAnswer(r)),
    });
    const { port, session } = await openPinWindow(env, 'token.listCertificates', {});
    const first = env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' });
    await settle();
    const second = await env.window({ type: 'pin.submit', session: session.id, token: 'SER1', pin: '1234' });
    assert.equal(second.answer.error.code, 'busy');
    const refresh = await env.window({ type: 'pin.refresh', session: session.id });
    assert.equal(refresh.answer.error.code, 'request.bad');
    finish({ ok: true, result: { certificates: [{ key_id: 'ab', not_after: 'x' }] } });
    assert.deepEqual((await first).answer, { ok: true });
    assert.deepEqual((await replyOf(port)).result.certificates, [{ keyId: 'ab', notAfter: 'x' }]);
  });

  test('cancel in the window: the page gets cancelled and the window is closed', async () => {
    const env = loadBackground({ origins: allowed });
    const { port, session } = await openPinWindow(env);
    assert.deepEqual((await env.window({ type: 'window.cancel', session: session.id })).answer, { ok: true });
    assert.equal((await replyOf(port)).error.code, 'cancelled');
    assert.deepEqual(env.windows.removed, [session.windowId]);
  });

  test('closing the PIN window: cancelled', async () => {
    const env = loadBackground({ origins: allowed });
    const { port, session } = await openPinWindow(env);
    env.chrome.windows.onRemoved.fire(session.windowId);
    assert.equal((await replyOf(port)).error.code, 'cancelled');
  });

  test('an origin answer to a PIN window, or a PIN to an origin window, is refused', async () => {
    const env = loadBackground({ origins: allowed });
    const { session } = await openPinWindow(env);
    const answer = (await env.window({ type: 'origin.answer', session: session.id, allow: true })).answer;
    assert.equal(answer.error.code, 'request.bad');
    const env2 = loadBackground();
    env2.request('token.list');
    await settle();
    const pin = (await env2.window({ type: 'pin.submit', session: env2.session().id, token: 'SER1', pin: '1' })).answer;
    assert.equal(pin.error.code, 'request.bad');
    assert.equal(env2.store.origins, undefined);
  });

  test('window messages from web pages (content scripts) or other extensions are not taken', async () => {
    const env = loadBackground({ origins: allowed });
    const { port, session } = await openPinWindow(env);
    for (const sender of [
      { id: EXTENSION_ID, url: `${PORTAL}/`, tab: { id: 7 } },
      { id: 'someoneelse', url: env.chrome.runtime.getURL('src/pin.html') },
      { id: EXTENSION_ID, url: env.chrome.runtime.getURL('src/other.html') },
    ]) {
      const r = await env.window({ type: 'window.cancel', session: session.id }, sender);
      assert.equal(r.kept, false, JSON.stringify(sender));
      const s = await env.window({ type: 'settings.list' }, sender);
      assert.equal(s.kept, false);
    }
    await settle();
    assert.deepEqual(port.replies, []);
  });

  test('unknown sessions and unknown message types are refused', async () => {
    const env = loadBackground({ origins: allowed });
    assert.equal((await env.window({ type: 'window.hello', session: 'made-up' })).answer.error.code, 'session.unknown');
    const { session } = await openPinWindow(env);
    assert.equal((await env.window({ type: 'window.explode', session: session.id })).answer.error.code, 'request.bad');
    assert.deepEqual((await env.window({ type: 'keepalive' })).answer, { ok: true });
  });
});

describe('the helper is too old (host.too_old)', () => {
  test('a helper of an older protocol (an old one answers ok whatever it is sent): host.too_old', async () => {
    const env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'hello' ? { ok: true, result: { protocol: 0, host: '0.0.3' } } : defaultAnswer(r)),
    });
    const reply = await replyOf(env.request('token.list'));
    assert.equal(reply.error.code, 'host.too_old');
    assert.equal(reply.error.host, '0.0.3');
    assert.deepEqual(env.native.ops(), ['hello']);
  });

  test("a helper range that holds this protocol is fine; the helper's own host.too_old passes with its version", async () => {
    let env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'hello' ? { ok: true, result: { protocol: 2, min_protocol: 1, host: '0.2.0' } } : defaultAnswer(r)),
    });
    assert.equal((await replyOf(env.request('token.list'))).ok, true);
    env = loadBackground({
      origins: allowed,
      answer: (r) => (r.op === 'hello'
        ? { ok: false, error: { code: 'host.too_old', message: 'update kunci-host', protocol: 1, min_protocol: 1, host: '0.1.0' } }
        : defaultAnswer(r)),
    });
    const reply = await replyOf(env.request('token.list'));
    assert.deepEqual(reply.error, { code: 'host.too_old', message: 'update kunci-host', host: '0.1.0' });
  });

  for (const version of ['0.0.9', '0.0.1-rc1', 'banana', undefined]) {
    test(`a helper that says it is ${version ?? '(no version)'}: the page gets host.too_old, no further op`, async () => {
      const env = loadBackground({
        origins: allowed,
        answer: (r) => (r.op === 'hello' ? { ok: true, result: { protocol: 1, host: version, module: null } } : defaultAnswer(r)),
      });
      const reply = await replyOf(env.request('token.list'));
      assert.equal(reply.ok, false);
      assert.equal(reply.error.code, 'host.too_old');
      assert.match(reply.error.message, /older than this extension needs \(0\.1\.0 or newer\): install the new kunci-host/);
      assert.deepEqual(env.native.ops(), ['hello']);
      assert.equal(env.native.ports[0].disconnected, true, 'the port is dropped');
    });
  }

  for (const version of ['0.1.0', '0.1.1', '0.2.0-beta', '1.0.0', '0.10.0']) {
    test(`a helper at ${version} is new enough`, async () => {
      const env = loadBackground({
        origins: allowed,
        answer: (r) => (r.op === 'hello' ? { ok: true, result: { protocol: 1, host: version, module: null } } : defaultAnswer(r)),
      });
      assert.equal((await replyOf(env.request('token.list'))).ok, true);
    });
  }
});

describe("the options page's status", () => {
  const CHECKS = [
    { id: 'config', ok: true, code: null, detail: 'config file present', fix: null },
    { id: 'module', ok: false, code: 'module.not_found', detail: 'no PKCS#11 module', fix: 'install OpenSC' },
  ];
  const answer = (r) => (r.op === 'doctor' ? { ok: true, result: { checks: CHECKS } } : defaultAnswer(r));

  test("hello, doctor and the tokens, asked under the extension's own origin", async () => {
    const env = loadBackground({ answer });
    const { kept, answer: status } = await env.options({ type: 'options.status' });
    assert.equal(kept, true);
    assert.equal(status.ok, true);
    assert.equal(status.extension, '0.1.0');
    assert.equal(status.minHost, '0.1.0');
    assert.deepEqual(status.host, { version: '0.1.0', protocol: 1, module: null });
    assert.deepEqual(status.doctor.checks, CHECKS);
    assert.equal(status.tokens.tokens[0].serial, 'SER1');
    assert.equal(status.tokens.tokens[0].pinPad, false, 'camelCase, as pages get them');
    assert.deepEqual(env.native.ops(), ['hello', 'doctor', 'list_tokens']);
    assert.deepEqual(env.native.requests[1].params, { extension_id: EXTENSION_ID }, 'doctor checks the manifests allow this extension');
    const own = `chrome-extension://${EXTENSION_ID}`;
    assert.ok(env.native.requests.every((r) => r.origin === own), JSON.stringify(env.native.requests));
    assert.equal(env.windows.created.length, 0, 'no window, no origin question');
  });

  test('a helper without doctor, or that refuses the tokens: each part carries its error', async () => {
    const env = loadBackground({
      answer: (r) => (r.op === 'doctor' ? { ok: false, error: { code: 'op.unknown', message: 'unknown op doctor' } }
        : r.op === 'list_tokens' ? { ok: false, error: { code: 'origin.not_allowed', message: 'not allowed' } } : defaultAnswer(r)),
    });
    const { answer: status } = await env.options({ type: 'options.status' });
    assert.equal(status.doctor.error.code, 'op.unknown');
    assert.equal(status.tokens.error.code, 'origin.not_allowed');
    assert.equal(status.host.version, '0.1.0');
  });

  test('no helper: host.absent and nothing else', async () => {
    const env = loadBackground({ answer });
    env.native.missing = true;
    const { answer: status } = await env.options({ type: 'options.status' });
    assert.equal(status.error.code, 'host.absent');
    assert.equal(status.host, undefined);
    assert.equal(status.doctor, undefined);
  });

  test('an old helper: host.too_old with its version', async () => {
    const env = loadBackground({
      answer: (r) => (r.op === 'hello' ? { ok: true, result: { protocol: 1, host: '0.0.5', module: null } } : answer(r)),
    });
    const { answer: status } = await env.options({ type: 'options.status' });
    assert.equal(status.error.code, 'host.too_old');
    assert.equal(status.error.host, '0.0.5');
  });

  test('status is answered to the options page only', async () => {
    const env = loadBackground({ answer });
    for (const sender of [
      { id: EXTENSION_ID, url: 'https://portal.example/src/options.html', tab: { id: 3 } },
      { id: 'another', url: `chrome-extension://another/src/options.html` },
    ]) {
      assert.equal((await env.window({ type: 'options.status' }, sender)).kept, false);
    }
    // The PIN window's messages are not the options page's.
    assert.equal((await env.options({ type: 'settings.list' })).kept, false);
    assert.deepEqual(env.native.ops(), []);
  });
});
