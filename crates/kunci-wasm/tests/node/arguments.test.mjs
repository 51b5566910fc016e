/**
 * Every public call of the npm package refuses bad arguments with a stable code, in Node 20:
 * the table of arguments-table.mjs run against the main-thread API, the worker client (over
 * worker_threads) and the `token` namespace, each row followed by a good call that must still
 * work (a trap would leave the WebAssembly module unusable). tests/web/arguments.test.mjs runs
 * the same table in Chromium.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { rowsOf, runTable } from './arguments-table.mjs';

const kunci = await import(new URL('../../pkg/index.js', import.meta.url));

test('the table covers every public call on every surface', () => {
  const calls = (s) => new Set(rowsOf(s).map((r) => r.call));
  const main = calls('main');
  for (const c of ['init', 'createWorkerClient', 'KeyPair.generate', 'KeyPair.importEncrypted', 'key.exportEncrypted',
    'key.publicKeyDer', 'createCsr', 'verifyCsr', 'parseCertificate', 'certificateMatchesKey', 'packPkcs12', 'readPkcs12',
    'passwordStrength', 'warmUpStrength', 'signPdf', 'verifyPdf', 'pdfInfo']) {
    assert.ok(main.has(c), `no main-thread row for ${c}`);
  }
  const tok = calls('token');
  for (const c of ['token.detect', 'token.generateCsr', 'token.importCertificate', 'token.list', 'token.listCertificates', 'token.signDigest']) {
    assert.ok(tok.has(c), `no token row for ${c}`);
  }
  assert.ok(calls('worker').has('terminate'));
});

test('bad arguments to the main-thread API reject with their codes, and the module keeps working', { timeout: 120_000 }, async () => {
  const client = await kunci.createWorkerClient();
  try {
    const other = await client.KeyPair.generate('p256');
    const { count, wrong } = await runTable('main', { kunci, api: kunci, other });
    assert.deepEqual(wrong, [], `${wrong.length} of ${count} rows went wrong`);
    assert.ok(count > 100, `only ${count} rows`);
  } finally {
    client.terminate();
  }
});

test('the worker client (worker_threads) refuses the same arguments with the same codes and KunciError class', { timeout: 120_000 }, async () => {
  const client = await kunci.createWorkerClient();
  try {
    const other = await kunci.KeyPair.generate('p256');
    const { count, wrong } = await runTable('worker', { kunci, api: client, other });
    assert.deepEqual(wrong, [], `${wrong.length} of ${count} rows went wrong`);
    assert.ok(count > 100, `only ${count} rows`);
  } finally {
    client.terminate();
  }
});

test('the token API checks its arguments before it looks for the extension', { timeout: 60_000 }, async () => {
  const { count, wrong } = await runTable('token', { kunci, api: kunci.token });
  assert.deepEqual(wrong, [], `${wrong.length} of ${count} rows went wrong`);
  // Good arguments get past the checks to the extension, which Node does not have.
  await assert.rejects(kunci.token.generateCsr({ algorithm: 'p256', subject: 'CN=x', challengePassword: 'T-1' }),
    (e) => e instanceof kunci.KunciError && e.code === 'extension.absent');
  assert.deepEqual(await kunci.token.detect(), { present: false, extension: null, protocol: null });
});

test('a worker client rejects with KunciError once terminated, and its freed keys behave as freed main-thread keys', { timeout: 60_000 }, async () => {
  const client = await kunci.createWorkerClient();
  const key = await client.KeyPair.generate('p256');
  assert.equal(key.kind, 'EC P-256');
  assert.match(key.publicKeySha256, /^[0-9a-f]{64}$/);
  await key.free();
  await key.free(); // twice is fine, as on the main thread
  assert.throws(() => key.kind, (e) => e instanceof kunci.KunciError && e.code === 'key.freed');
  for (const p of [key.publicKeyDer(), key.exportEncrypted('x'), client.createCsr(key, { subject: 'CN=x' }),
    client.certificateMatchesKey('x', key), client.packPkcs12(key, 'x', 'x')]) {
    await assert.rejects(p, (e) => e instanceof kunci.KunciError && e.code === 'key.freed');
  }
  client.terminate();
  await assert.rejects(client.verifyCsr('x'), (e) => e instanceof kunci.KunciError && e.code === 'worker.terminated');
});
