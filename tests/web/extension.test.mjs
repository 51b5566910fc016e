/**
 * The kunci extension in Chromium, without its native helper: the page ⇄ content script ⇄
 * service worker relay of docs/PROTOCOL.md §1, driven through the npm package's `token` API.
 *
 * It checks that the page finds the extension (`token.detect`), that the content script
 * ignores what is not a `kunci: 1` message and never forwards an `origin` the page wrote (the
 * permission window names the page's real origin), that the permission window's answer is
 * remembered per origin (allowed → the request reaches for kunci-host, which is absent here:
 * `host.absent`; refused → `origin.not_allowed`), and that closing the window is `cancelled`.
 * The full path with kunci-host and a SoftHSM token is the end-to-end suite's.
 *
 * Expects `target/extension/chromium` (`cargo xtask extension`) and the npm package
 * (`cargo xtask wasm`); skips without them unless KUNCI_REQUIRE_PACKAGE=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { launch, forwardPageErrors } from './browser.mjs';
import { ROOT, PAGE_HELPERS, packageSkipReason, servePackage } from './common.mjs';
import { extensionId } from '../../extension/tools/id.mjs';

const EXTENSION_DIR = process.env.KUNCI_EXTENSION
  ? process.env.KUNCI_EXTENSION
  : join(ROOT, 'target/extension/chromium');
/** A system-wide host manifest would make the helper present: then `host.absent` is not expected. */
const SYSTEM_HOST = ['/etc/chromium/native-messaging-hosts/id.kunci.host.json', '/etc/opt/chrome/native-messaging-hosts/id.kunci.host.json']
  .find((p) => existsSync(p));

function skipReason() {
  const pkg = packageSkipReason();
  if (pkg) return pkg;
  if (existsSync(join(EXTENSION_DIR, 'manifest.json'))) return undefined;
  const why = `the extension is not built (${EXTENSION_DIR}/manifest.json missing; run cargo xtask extension)`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

/** Page code: the package's token API, results and errors as plain objects. */
const callToken = (page, op, ...args) =>
  page.evaluate(
    async ([op, args]) => {
      const { token } = await import('/pkg/index.js');
      try {
        return { ok: true, value: await token[op](...args) };
      } catch (e) {
        return { ok: false, error: globalThis.__err(e) };
      }
    },
    [op, args],
  );

/** Page code: posts `message` as is and returns the first `kunci: 1` answer (or null after `ms`). */
const postRaw = (page, message, ms = 30_000) =>
  page.evaluate(
    ([message, ms]) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => done(null), ms);
        function done(value) {
          clearTimeout(timer);
          window.removeEventListener('message', onMessage);
          resolve(value);
        }
        function onMessage(event) {
          const d = event.data;
          if (event.source === window && d && d.kunci === 1 && (d.type === 'pong' || d.type === 'response')) done(d);
        }
        window.addEventListener('message', onMessage);
        window.postMessage(message, location.origin);
      }),
    [message, ms],
  );

/** Waits for the extension's window (a new page in the context) and for its form to show. */
async function extensionWindow(context, view) {
  const popup = await context.waitForEvent('page', {
    predicate: (p) => p.url().startsWith('chrome-extension://'),
    timeout: 15_000,
  });
  forwardPageErrors(popup, 'extension window');
  await popup.waitForSelector(`#${view}:not([hidden])`, { timeout: 15_000 });
  return popup;
}

test('the kunci extension relays the page protocol in Chromium', { skip: skipReason(), timeout: 180_000 }, async (t) => {
  const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
  const first = await servePackage();
  const second = await servePackage(); // another port: another origin
  const third = await servePackage();
  const browser = await launch({ extensionDir: EXTENSION_DIR });
  const { context } = browser;
  t.after(async () => {
    await browser.close();
    await Promise.all([first.close(), second.close(), third.close()]);
  });
  await context.addInitScript(PAGE_HELPERS);

  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));

  await t.test('extension_id_follows_from_the_manifest_key', () => {
    assert.equal(new URL(worker.url()).host, extensionId(manifest.key));
  });

  const page = await browser.newPage();
  forwardPageErrors(page);
  await page.goto(`${first.url}/`);

  await t.test('detect_finds_the_extension_and_its_version', async () => {
    const r = await callToken(page, 'detect', { timeout: 5000 });
    assert.deepEqual(r, { ok: true, value: { present: true, extension: manifest.version, protocol: 1 } });
  });

  await t.test('old_and_foreign_message_formats_get_no_answer', async () => {
    assert.equal(await postRaw(page, { type: 'kunci-ping' }, 800), null);
    assert.equal(await postRaw(page, { kunci: 2, type: 'ping' }, 800), null);
    assert.equal(await postRaw(page, { kunci: '1', type: 'ping' }, 800), null);
  });

  await t.test('unknown_operation_is_refused_by_the_content_script', async () => {
    const r = await postRaw(page, { kunci: 1, type: 'request', id: 'u1', op: 'token.exportKey', params: {} });
    assert.equal(r.id, 'u1');
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'op.unknown');
  });

  await t.test('forged_origin_is_ignored_and_an_allowed_origin_reaches_for_the_host', async () => {
    const forged = 'https://forged.example';
    const windowShown = extensionWindow(context, 'origin-view');
    const answer = postRaw(page, {
      kunci: 1, type: 'request', id: 'f1', op: 'token.list', params: {}, origin: forged,
    });
    const popup = await windowShown;
    assert.match(popup.url(), /\/src\/pin\.html\?mode=origin&session=/);
    // The question names the page's real origin, never the one the page wrote.
    assert.equal(await popup.textContent('#origin-name'), first.url);
    assert.doesNotMatch(await popup.textContent('body'), /forged/);
    await popup.getByRole('button', { name: /Izinkan/ }).click();
    const r = await answer;
    assert.equal(r.id, 'f1');
    assert.equal(r.ok, false);
    if (!SYSTEM_HOST) assert.equal(r.error.code, 'host.absent', JSON.stringify(r.error));
    assert.equal('origin' in r, false);
  });

  await t.test('allowed_origin_is_remembered_and_pin_operations_need_the_host_first', async () => {
    let opened = 0;
    const count = (p) => {
      if (p.url().startsWith('chrome-extension://')) opened += 1;
    };
    context.on('page', count);
    const listed = await callToken(page, 'list');
    const csr = await callToken(page, 'generateCsr', { algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID' });
    context.off('page', count);
    assert.equal(listed.ok, false);
    assert.equal(csr.ok, false);
    if (!SYSTEM_HOST) {
      assert.equal(listed.error.code, 'host.absent');
      assert.match(listed.error.message, /kunci-host/);
      assert.equal(csr.error.code, 'host.absent'); // list_tokens fails before any PIN window
      assert.equal(opened, 0, 'no window: the origin was allowed already and the host is absent');
    }
    assert.equal(listed.error.name, 'KunciError');
  });

  await t.test('bad_parameters_are_refused_before_any_window', async () => {
    const r = await callToken(page, 'generateCsr', { algorithm: 'rsa4096', subject: 'CN=x' });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'request.bad');
  });

  await t.test('refused_origin_gets_origin_not_allowed_and_is_remembered', async () => {
    const other = await context.newPage();
    forwardPageErrors(other);
    await other.goto(`${second.url}/`);
    const windowShown = extensionWindow(context, 'origin-view');
    const pending = callToken(other, 'list');
    const popup = await windowShown;
    assert.equal(await popup.textContent('#origin-name'), second.url);
    await popup.getByRole('button', { name: /Tolak/ }).click();
    const r = await pending;
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'origin.not_allowed');
    const again = await callToken(other, 'listCertificates');
    assert.equal(again.error.code, 'origin.not_allowed');
    // The first origin's answer is its own.
    const firstAgain = await callToken(page, 'list');
    assert.notEqual(firstAgain.error?.code, 'origin.not_allowed');
    await other.close();
  });

  await t.test('closing_the_permission_window_cancels_and_is_not_remembered', async () => {
    const other = await context.newPage();
    forwardPageErrors(other);
    await other.goto(`${third.url}/`);
    let windowShown = extensionWindow(context, 'origin-view');
    const pending = callToken(other, 'list');
    let popup = await windowShown;
    await popup.close();
    const r = await pending;
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'cancelled');
    // Asked again next time, and Escape cancels too.
    windowShown = extensionWindow(context, 'origin-view');
    const second = callToken(other, 'list');
    popup = await windowShown;
    // The window closes itself on Escape, possibly before Playwright's press returns.
    await popup.keyboard.press('Escape').catch(() => {});
    assert.equal((await second).error.code, 'cancelled');
    await other.close();
  });
});
