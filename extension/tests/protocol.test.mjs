/**
 * The token protocol's constants agree everywhere with their one source, extension/protocol.json:
 * the npm package's token.js, the content script, the service worker, the test helper standing
 * in for kunci-host, and the numbers and op names docs/PROTOCOL.md states. (kunci-host's copy,
 * src/protocol.rs, is checked by its own unit test, which reads the same JSON.)
 *
 * None of these files can import the JSON (content scripts have no `import`, the service worker
 * is a classic script, the npm package ships alone), so each keeps literal copies, and this test
 * reads them: `const NAME = …;` lines are evaluated in a sandbox, and the service worker is run
 * against a fake `chrome` so that its op table is read as the browser would build it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

import { loadBackground } from './fake-chrome.mjs';

const root = new URL('../../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');
const P = JSON.parse(read('extension/protocol.json'));

/**
 * The upper-case `const NAME = expression;` declarations of a script, each evaluated in a
 * sandbox in source order (so one may use another). Ones that need the browser (`api…`,
 * `window…`) are left out.
 */
function constants(source) {
  const sandbox = vm.createContext({});
  const out = {};
  for (const [, name, expression] of source.matchAll(/^\s*const ([A-Z][A-Z0-9_]*) = (.+);\s*$/gm)) {
    try {
      out[name] = vm.runInContext(`globalThis.${name} = (${expression})`, sandbox);
    } catch {
      // depends on the browser; not a protocol constant
    }
  }
  return out;
}

const sorted = (values) => [...values].sort();

test('protocol.json is consistent with itself', () => {
  assert.equal(P.version, 1);
  assert.ok(P.pin_ops.every((op) => P.page_ops.includes(op)), 'every PIN op is a page op');
  assert.equal(new Set(P.page_ops).size, P.page_ops.length);
  assert.equal(new Set(P.host_ops).size, P.host_ops.length);
  assert.equal(P.host_ops[0], 'hello');
  // The page waits longer than the content script, which waits longer than the worker, so that
  // the more precise error (from deeper in) normally arrives first.
  assert.ok(P.slack_ms.page > P.slack_ms.content && P.slack_ms.content > 0);
});

test('the content script uses the version, ops, timeouts and size limit of protocol.json', () => {
  const c = constants(read('extension/src/content.js'));
  assert.equal(c.PROTOCOL, P.version);
  assert.deepEqual(sorted(c.OPS), sorted(P.page_ops));
  assert.deepEqual(sorted(c.PIN_OPS), sorted(P.pin_ops));
  assert.equal(c.PIN_TIMEOUT_MS, P.timeouts_ms.pin);
  assert.equal(c.PLAIN_TIMEOUT_MS, P.timeouts_ms.plain);
  assert.equal(c.SLACK_MS, P.slack_ms.content);
  assert.equal(c.MAX_PARAMS_BYTES, P.max_message_bytes);
});

test('the service worker uses the version, host name, ops and timeouts of protocol.json', () => {
  const env = loadBackground();
  assert.equal(env.get('PROTOCOL'), P.version);
  assert.equal(env.get('HOST_NAME'), P.host_name);
  assert.equal(env.get('PIN_TIMEOUT_MS'), P.timeouts_ms.pin);
  assert.equal(env.get('PLAIN_TIMEOUT_MS'), P.timeouts_ms.plain);
  assert.equal(env.get('HELLO_TIMEOUT_MS'), P.timeouts_ms.hello);
  const jobs = env.get('JOBS');
  assert.deepEqual(sorted(Object.keys(jobs)), sorted(P.page_ops));
  assert.deepEqual(sorted(Object.keys(jobs).filter((op) => jobs[op].pin)), sorted(P.pin_ops));
  // Every host op the worker sends is one kunci-host knows.
  const source = read('extension/src/background.js');
  const sent = new Set(Object.values(jobs).map((j) => j.hostOp).filter(Boolean));
  for (const [, op] of source.matchAll(/(?:host\.request|this\.send)\('([a-z_]+)'/g)) sent.add(op);
  assert.ok(sent.has('hello') && sent.has('list_tokens'), `read the sent ops: ${[...sent]}`);
  for (const op of sent) {
    assert.ok(P.host_ops.includes(op), `${op} is not a host op of protocol.json`);
  }
  assert.ok(sent.has('doctor'), 'the options page asks the helper for doctor');
  assert.equal(env.get('MIN_HOST_VERSION'), P.min_host_version);
  assert.match(P.min_host_version, /^\d+\.\d+\.\d+$/);
});

test("the npm package's token API uses the version, ops and timeouts of protocol.json", () => {
  const source = read('crates/kunci-wasm/js/token.js');
  const c = constants(source);
  assert.equal(c.PROTOCOL, P.version);
  assert.equal(c.PING_TIMEOUT_MS, P.timeouts_ms.ping);
  assert.equal(c.PIN_TIMEOUT_MS, P.timeouts_ms.pin + P.slack_ms.page);
  assert.equal(c.PLAIN_TIMEOUT_MS, P.timeouts_ms.plain + P.slack_ms.page);
  // request('token.x', params, TIMEOUT): each page op once, with the timeout of its kind.
  const calls = [...source.matchAll(/request\(\s*'([^']+)'[\s\S]*?(PIN_TIMEOUT_MS|PLAIN_TIMEOUT_MS),?\s*\)/g)];
  assert.deepEqual(sorted(calls.map((m) => m[1])), sorted(P.page_ops));
  for (const [, op, timeout] of calls) {
    assert.equal(timeout, P.pin_ops.includes(op) ? 'PIN_TIMEOUT_MS' : 'PLAIN_TIMEOUT_MS', op);
  }
});

test("the browser tests' stand-in kunci-host answers hello with protocol.json's version", () => {
  const source = read('tests/web/fixtures/fake-host.mjs');
  const m = source.match(/op === 'hello'\) return ok\(\{ protocol: (\d+)/);
  assert.ok(m, 'fake-host.mjs answers hello');
  assert.equal(Number(m[1]), P.version);
});

test('docs/PROTOCOL.md states the version, ops, timeouts and size limit of protocol.json', () => {
  const doc = read('docs/PROTOCOL.md');
  assert.match(doc, new RegExp(`^# kunci token protocols \\(version ${P.version}\\)`, 'm'));
  const section = (n) => doc.split(/^## /m).find((s) => s.startsWith(`${n}.`)) ?? '';
  const tableOps = (text) => [...text.matchAll(/^\| `([a-zA-Z_.]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(tableOps(section(1)), P.page_ops, 'section 1 lists the page ops in order');
  assert.deepEqual(tableOps(section(2)).filter((op) => !op.includes('.')), P.host_ops, 'section 2 lists the host ops in order');
  assert.match(section(1), new RegExp(`"kunci": ${P.version}, "type": "ping"`));
  const timeouts = section(1).replace(/\s+/g, ' ');
  assert.match(timeouts, new RegExp(`ping ${P.timeouts_ms.ping / 1000} s`));
  assert.match(timeouts, new RegExp(`PIN window ${P.timeouts_ms.pin / 60_000} minutes`));
  assert.match(timeouts, new RegExp(`others ${P.timeouts_ms.plain / 1000} s`));
  assert.equal(P.max_message_bytes, 1 << 20);
  assert.match(section(2), /over 1 MiB with a `request\.too_large` reply/);
  assert.match(section(3), new RegExp(`name \`${P.host_name.replaceAll('.', '\\.')}\``));
});

test('the extension README states the timeouts of protocol.json', () => {
  const readme = read('extension/README.md').replace(/\s+/g, ' ');
  assert.match(readme, new RegExp(`${P.timeouts_ms.pin / 60_000} minutes with the PIN window, ${P.timeouts_ms.plain / 1000} s otherwise`));
  assert.match(readme, new RegExp(`does not speak protocol ${P.version}`));
});
