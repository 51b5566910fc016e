/**
 * Unit tests of the content script (extension/src/content.js) in a `vm` context with a fake
 * page window and a fake `chrome.runtime`: what it answers itself (`ping`), what it refuses
 * before waking the service worker (unknown ops, params over 1 MiB, params that are not a JSON
 * object), that only the five request fields reach the worker, that errors reach the page with
 * their documented fields only, posted to the page's own origin, and its deadlines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

import { clock, event, settle } from './fake-chrome.mjs';

const CONTENT = new URL('../src/content.js', import.meta.url);
const ORIGIN = 'https://portal.example';

function loadContent(origin = ORIGIN) {
  const time = clock();
  const listeners = [];
  const posted = [];
  const ports = [];
  const window = {
    location: { origin },
    addEventListener: (type, fn) => type === 'message' && listeners.push(fn),
    postMessage: (message, targetOrigin) => posted.push({ message: structuredClone(message), targetOrigin }),
  };
  const chrome = {
    runtime: {
      lastError: undefined,
      getManifest: () => ({ version: '0.1.0' }),
      connect({ name }) {
        const port = {
          name, sent: [], onMessage: event(), onDisconnect: event(), disconnected: false,
          postMessage: (m) => port.sent.push(structuredClone(m)),
          disconnect: () => (port.disconnected = true),
        };
        ports.push(port);
        return port;
      },
    },
  };
  const context = vm.createContext({ window, chrome, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, JSON, Number, Set });
  vm.runInContext(readFileSync(CONTENT, 'utf8'), context, { filename: CONTENT.pathname });
  return {
    time, posted, ports, listeners,
    /** The page posts `data` on its own window (or `source` for another one). */
    page(data, source = window) {
      for (const fn of listeners) fn({ source, data });
    },
  };
}

test('ping is answered here with the extension and protocol versions, to the own origin only', () => {
  const c = loadContent();
  c.page({ kunci: 1, type: 'ping' });
  assert.deepEqual(c.posted, [{ message: { kunci: 1, type: 'pong', extension: '0.1.0', protocol: 1 }, targetOrigin: ORIGIN }]);
  assert.equal(c.ports.length, 0, 'the service worker is not woken');
});

test('messages from other windows, other versions and echoes are ignored', () => {
  const c = loadContent();
  c.page({ kunci: 1, type: 'ping' }, {});
  c.page({ kunci: 2, type: 'ping' });
  c.page({ kunci: 1, type: 'pong' });
  c.page({ kunci: 1, type: 'response', id: 'x', ok: true });
  c.page('kunci');
  c.page(null);
  assert.deepEqual(c.posted, []);
  assert.equal(c.ports.length, 0);
});

test('an opaque origin (file:, sandboxed) is not listened to at all', () => {
  assert.equal(loadContent('null').listeners.length, 0);
  assert.equal(loadContent('').listeners.length, 0);
});

test('requests without a usable id are dropped', () => {
  const c = loadContent();
  for (const id of [undefined, '', 'x'.repeat(129), 1.5, {}, null]) c.page({ kunci: 1, type: 'request', id, op: 'token.list', params: {} });
  assert.deepEqual(c.posted, []);
  assert.equal(c.ports.length, 0);
});

for (const [what, data, code] of [
  ['an unknown op', { op: 'token.format', params: {} }, 'op.unknown'],
  ['params over 1 MiB', { op: 'token.importCertificate', params: { certificate: 'A'.repeat(1 << 20) } }, 'request.too_large'],
  ['params that are an array', { op: 'token.list', params: [1] }, 'request.bad'],
  ['params that cannot be JSON', { op: 'token.list', params: { n: 1n } }, 'request.bad'],
]) {
  test(`${what} is refused here with ${code}`, () => {
    const c = loadContent();
    c.page({ kunci: 1, type: 'request', id: 'r1', ...data });
    assert.equal(c.posted.length, 1);
    assert.equal(c.posted[0].targetOrigin, ORIGIN);
    assert.equal(c.posted[0].message.ok, false);
    assert.equal(c.posted[0].message.id, 'r1');
    assert.equal(c.posted[0].message.error.code, code);
    assert.equal(c.ports.length, 0);
  });
}

test('params just under 1 MiB go through', () => {
  const c = loadContent();
  c.page({ kunci: 1, type: 'request', id: 'r1', op: 'token.importCertificate', params: { certificate: 'A'.repeat((1 << 20) - 20) } });
  assert.equal(c.ports.length, 1);
});

test('only kunci, type, id, op and params reach the worker (no page-made origin)', () => {
  const c = loadContent();
  c.page({ kunci: 1, type: 'request', id: 7, op: 'token.list', params: { a: 1, f: undefined }, origin: 'https://evil.example', sender: 'x' });
  assert.equal(c.ports.length, 1);
  assert.equal(c.ports[0].name, 'kunci.request');
  assert.deepEqual(c.ports[0].sent, [{ kunci: 1, type: 'request', id: 7, op: 'token.list', params: { a: 1 } }]);
});

test("the worker's answer reaches the page once, errors with their documented fields only", () => {
  const c = loadContent();
  c.page({ kunci: 1, type: 'request', id: 'r1', op: 'token.list', params: {} });
  const port = c.ports[0];
  port.onMessage.fire({ ok: false, error: { code: 'pin.incorrect', message: 'wrong', tries_left: 2, function: 'C_Login', stack: 'secret' } });
  port.onMessage.fire({ ok: true, result: {} });
  assert.deepEqual(c.posted, [{
    message: { kunci: 1, type: 'response', id: 'r1', ok: false, error: { code: 'pin.incorrect', message: 'wrong', tries_left: 2, function: 'C_Login' } },
    targetOrigin: ORIGIN,
  }]);
  assert.equal(port.disconnected, true, 'the port is closed after the answer');
});

test('a worker that goes away answers extension.failed', () => {
  const c = loadContent();
  c.page({ kunci: 1, type: 'request', id: 'r1', op: 'token.list', params: {} });
  c.ports[0].onDisconnect.fire();
  assert.equal(c.posted[0].message.error.code, 'extension.failed');
});

for (const [op, ms] of [['token.list', 30_000 + 3000], ['token.generateCsr', 5 * 60_000 + 3000]]) {
  test(`${op}: timeout after ${ms} ms without an answer, and the port is closed`, async () => {
    const c = loadContent();
    c.page({ kunci: 1, type: 'request', id: 'r1', op, params: {} });
    await c.time.advance(ms - 1);
    assert.deepEqual(c.posted, []);
    await c.time.advance(1);
    await settle();
    assert.equal(c.posted[0].message.error.code, 'timeout');
    assert.equal(c.ports[0].disconnected, true);
  });
}
