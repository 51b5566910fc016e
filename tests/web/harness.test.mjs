/**
 * The harness itself, without the kunci package: the static server answers with the right
 * types, refuses what it must, and Debian's headless Chromium starts through Playwright, runs
 * a module page and instantiates a `.wasm` by streaming from it. Always runs, so a broken
 * harness is not mistaken for a broken package.
 */

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { tempDir } from './common.mjs';
import { startServer } from './server.mjs';

/** `(module (func (export "answer") (result i32) i32.const 42))`, assembled by hand. */
const ANSWER_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x07, 0x0a, 0x01, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x00, // export "answer"
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // body: i32.const 42
]);

describe('the test harness', { timeout: 120_000 }, () => {
  let scratch;
  let server;

  before(async () => {
    scratch = await tempDir('kunci-harness-');
    const site = join(scratch.dir, 'site');
    mkdirSync(join(site, 'sub'), { recursive: true });
    writeFileSync(join(scratch.dir, 'secret.txt'), 'outside the served folder');
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>smoke</title><p id="out">waiting</p><script type="module" src="app.mjs"></script>');
    writeFileSync(join(site, 'answer.wasm'), ANSWER_WASM);
    writeFileSync(join(site, 'sub', 'x.js'), 'export const x = 1;\n');
    writeFileSync(
      join(site, 'app.mjs'),
      `const { instance } = await WebAssembly.instantiateStreaming(fetch('answer.wasm'));
document.getElementById('out').textContent = 'answer ' + instance.exports.answer();
`,
    );
    server = await startServer({
      routes: [{ prefix: '/site/', dir: site }, { path: '/hello.txt', body: 'hi' }],
    });
  });

  after(async () => {
    await server?.close();
    await scratch?.remove();
  });

  it('serves files with their types, never cached, on 127.0.0.1', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const cases = [
      ['/site/answer.wasm', 'application/wasm'],
      ['/site/app.mjs', 'text/javascript'],
      ['/site/sub/x.js', 'text/javascript'],
      ['/site/', 'text/html'],
      ['/hello.txt', 'text/plain'],
    ];
    for (const [path, type] of cases) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200, path);
      assert.ok(res.headers.get('content-type').startsWith(type), `${path}: ${res.headers.get('content-type')}`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const wasm = new Uint8Array(await (await fetch(`${server.url}/site/answer.wasm`)).arrayBuffer());
    assert.deepEqual(wasm, ANSWER_WASM);
  });

  it('answers 404 outside its routes and for path traversal', async () => {
    for (const path of [
      '/nothing',
      '/site/missing.js',
      '/site/sub', // a folder without index.html
      '/site/../secret.txt',
      '/site/%2e%2e/secret.txt',
      '/site/..%2fsecret.txt',
      '/site/sub/..%2f..%2fsecret.txt',
      '/site/%2e%2e%2fsecret.txt',
    ]) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(await res.text(), /outside the served folder/, path);
    }
    // fetch() folds `..` before sending; a raw request does not.
    for (const path of ['/site/../secret.txt', '/site/sub/../../secret.txt', '/site/%2e%2e/secret.txt']) {
      const { status, body } = await rawGet(server.url, path);
      assert.equal(status, 404, `raw ${path}`);
      assert.doesNotMatch(body, /outside the served folder/, `raw ${path}`);
    }
    const post = await fetch(`${server.url}/site/app.mjs`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  it('runs a module page in headless Chromium that streams a .wasm', async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      forwardPageErrors(page, 'smoke');
      await page.goto(`${server.url}/site/`);
      await page.waitForFunction(() => document.getElementById('out').textContent !== 'waiting');
      assert.equal(await page.textContent('#out'), 'answer 42');
      assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
      assert.match(browser.version(), /^\d+\./);
    } finally {
      await browser.close();
    }
  });
});

/** A GET with the path sent exactly as given (no URL normalisation). */
function rawGet(base, path) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    get({ hostname, port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}
