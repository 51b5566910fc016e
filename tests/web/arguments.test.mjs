/**
 * Every public call of the npm package refuses bad arguments with a stable code, in Chromium:
 * the same table as the Node suite (crates/kunci-wasm/tests/node/arguments-table.mjs, served to
 * the page) run against the main-thread API, the worker client (a module Web Worker: a function
 * or the `token` namespace as an argument must give `argument.invalid`, never a DataCloneError)
 * and the `token` namespace (no extension here: the checks come first). Each row is followed by
 * a good call, and each surface ends with a whole good flow.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { forwardPageErrors, launch } from './browser.mjs';
import { ROOT, packageSkipReason, servePackage } from './common.mjs';

const skip = packageSkipReason();
const TABLE = readFileSync(join(ROOT, 'crates/kunci-wasm/tests/node/arguments-table.mjs'), 'utf8');

describe('bad arguments in Chromium', { skip, timeout: 300_000 }, () => {
  let browser;
  let server;
  let page;

  before(async () => {
    server = await servePackage([{ path: '/arguments-table.mjs', body: TABLE, type: 'text/javascript; charset=utf-8' }]);
    browser = await launch();
    page = await browser.newPage();
    forwardPageErrors(page, 'arguments');
    await page.goto(`${server.url}/`);
    await page.evaluate(async () => {
      globalThis.kunci = await import('/pkg/index.js');
      globalThis.table = await import('/arguments-table.mjs');
      globalThis.client = await globalThis.kunci.createWorkerClient();
    });
  });

  after(async () => {
    await page?.evaluate(() => globalThis.client?.terminate()).catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it('the main-thread API rejects every row with its code and keeps working', async () => {
    const { count, wrong } = await page.evaluate(async () => {
      const other = await globalThis.client.KeyPair.generate('p256');
      return globalThis.table.runTable('main', { kunci: globalThis.kunci, api: globalThis.kunci, other });
    });
    assert.deepEqual(wrong, [], `${wrong.length} of ${count} rows went wrong`);
    assert.ok(count > 100, `only ${count} rows`);
  });

  it('the worker client rejects every row with the same code, as KunciError, with no DataCloneError', async () => {
    const { count, wrong } = await page.evaluate(async () => {
      const other = await globalThis.kunci.KeyPair.generate('p256');
      return globalThis.table.runTable('worker', { kunci: globalThis.kunci, api: globalThis.client, other });
    });
    assert.deepEqual(wrong, [], `${wrong.length} of ${count} rows went wrong`);
    assert.ok(count > 100, `only ${count} rows`);
  });

  it('token checks its arguments before it asks for the extension', async () => {
    const { count, wrong, absent, detected } = await page.evaluate(async () => {
      const { kunci } = globalThis;
      const r = await globalThis.table.runTable('token', { kunci, api: kunci.token });
      const absent = await kunci.token.list().then(() => 'resolved', (e) => e.code);
      const detected = await kunci.token.detect({ timeout: 200 });
      return { ...r, absent, detected };
    });
    assert.deepEqual(wrong, [], `${wrong.length} of ${count} rows went wrong`);
    assert.equal(absent, 'extension.absent');
    assert.deepEqual(detected, { present: false, extension: null, protocol: null });
  });
});
