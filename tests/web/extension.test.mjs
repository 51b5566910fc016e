/**
 * The kunci extension in Chromium, without its native helper: the page ⇄ content script ⇄
 * service worker relay of docs/PROTOCOL.md §1, driven through the npm package's `token` API.
 *
 * It checks that the page finds the extension (`token.detect`), that the content script
 * ignores what is not a `kunci: 1` message and never forwards an `origin` the page wrote (the
 * permission window names the page's real origin), that the permission window's answer is
 * remembered per origin (allowed → the request reaches for kunci-host, which is absent here:
 * `host.absent`; refused → `origin.not_allowed`), and that closing the window is `cancelled`.
 * Then, with a stand-in helper (fixtures/fake-host.mjs) registered in the profile, the PIN
 * window: a wrong PIN is retried in the window with the tries left shown, the right one
 * finishes the page's request, the host sees the page's real origin and the PIN only in the
 * PIN operation, and a locked PIN reaches the page as `pin.locked`. The full renewal with
 * kunci-host and a SoftHSM token is the token walk's (walks/token-key.test.mjs).
 *
 * Last, everything real for `token.signDigest`: the helper `kunci-host` (installed into the
 * profile with `kunci-host install --manifest-dir`) on a fresh SoftHSM2 token. A key is made on
 * the token (`token.generateCsr`), then a digest computed here is signed: the PIN window names
 * the document and shows the digest's first 16 hex digits before the PIN is typed, and OpenSSL
 * verifies the signature (RSA and P-256, the latter after DER-encoding r||s) with the key of
 * the CSR. A key the token does not hold is `key.not_found`.
 *
 * Expects `target/extension/chromium` (`cargo xtask extension`) and the npm package
 * (`cargo xtask wasm`), and for the last test `target/debug/kunci-host`, SoftHSM2 and
 * OpenSSL; skips without them unless KUNCI_REQUIRE_PACKAGE=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launch, forwardPageErrors } from './browser.mjs';
import { ROOT, WEB_DIR, PAGE_HELPERS, packageSkipReason, run, runOk, servePackage, tempDir } from './common.mjs';
import { HOST_BIN, SOFTHSM_MODULE, TOKEN_PIN, softHsmToken } from './token.mjs';
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

  await t.test('options_page_without_the_helper_says_how_to_install_it_for_this_os', { skip: SYSTEM_HOST ? 'a system-wide helper is installed' : false }, async () => {
    const options = await context.newPage();
    forwardPageErrors(options, 'options page');
    await options.goto(`chrome-extension://${extensionId(manifest.key)}/src/options.html?lang=en&os=linux`);
    await options.locator('body[data-state="done"]').waitFor({ timeout: 30_000 });
    const row = options.locator('li[data-code="host.absent"]');
    assert.match(await row.innerText(), /kunci-host is not installed/);
    assert.match(await row.innerText(), /sudo apt install \.\/kunci-host_amd64\.deb/);
    // The allowed portal (this page's origin) offers the installer at /unduh/.
    assert.equal(await row.getByRole('link').getAttribute('href'), `${first.url}/unduh/kunci-host_amd64.deb`);
    await options.goto(`chrome-extension://${extensionId(manifest.key)}/src/options.html?lang=id&os=windows`);
    await options.locator('body[data-state="done"]').waitFor({ timeout: 30_000 });
    assert.match(await options.locator('li[data-code="host.absent"]').innerText(), /kunci-host-x64\.msi, jalankan/);
    assert.equal(await options.getAttribute('html', 'lang'), 'id');
    await options.close();
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

/**
 * Registers the stand-in helper (fixtures/fake-host.mjs) in the browser's profile, where
 * Chromium looks for `<profile>/NativeMessagingHosts/<name>.json` when the extension connects;
 * `version` is what its hello reports. Answers the path of its request log.
 */
function registerFakeHost(browser, manifest, version = '0.1.0') {
  const hosts = join(browser.profile, 'NativeMessagingHosts');
  mkdirSync(hosts, { recursive: true });
  const log = join(browser.profile, 'fake-host.log');
  const wrapper = join(browser.profile, 'fake-host.sh');
  writeFileSync(wrapper, `#!/bin/sh\nKUNCI_FAKE_HOST_LOG='${log}' KUNCI_FAKE_HOST_VERSION='${version}' exec '${process.execPath}' '${join(WEB_DIR, 'fixtures/fake-host.mjs')}'\n`);
  chmodSync(wrapper, 0o755);
  writeFileSync(join(hosts, 'id.kunci.host.json'), JSON.stringify({
    name: 'id.kunci.host', description: 'kunci test stand-in', path: wrapper, type: 'stdio',
    allowed_origins: [`chrome-extension://${extensionId(manifest.key)}/`],
  }));
  return log;
}

/**
 * Chromium with the extension and the stand-in helper reporting `version`, closed after test
 * `t`, and a page of the package server open: `{manifest, server, context, page, log}`.
 */
async function withFakeHost(t, version) {
  const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
  const server = await servePackage();
  const browser = await launch({ extensionDir: EXTENSION_DIR });
  const { context } = browser;
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  const log = registerFakeHost(browser, manifest, version);
  await context.addInitScript(PAGE_HELPERS);
  const page = await browser.newPage();
  forwardPageErrors(page);
  await page.goto(`${server.url}/`);
  return { manifest, server, context, page, log };
}

test('an old helper: host.too_old for the page and on the options page, before any other op', { skip: skipReason(), timeout: 120_000 }, async (t) => {
  const { manifest, server, context, page, log } = await withFakeHost(t, '0.0.9');
  const shown = extensionWindow(context, 'origin-view');
  const pending = callToken(page, 'list');
  await (await shown).getByRole('button', { name: /Izinkan/ }).click();
  const r = await pending;
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'host.too_old');
  assert.match(r.error.message, /kunci-host 0\.0\.9 is older than this extension needs \(0\.1\.0 or newer\)/);
  const ops = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l).op);
  assert.deepEqual([...new Set(ops)], ['hello'], 'nothing but hello reaches an old helper');

  const options = await context.newPage();
  forwardPageErrors(options, 'options page');
  await options.goto(`chrome-extension://${extensionId(manifest.key)}/src/options.html?lang=en&os=windows`);
  await options.locator('body[data-state="done"]').waitFor({ timeout: 30_000 });
  const row = await options.locator('li[data-code="host.too_old"]').innerText();
  assert.match(row, /kunci-host 0\.0\.9 is too old: this extension needs version 0\.1\.0 or newer/);
  assert.match(row, /Install the newest kunci-host.*kunci-host-x64\.msi/s);
  assert.equal(await options.locator('li[data-code="host.too_old"] a').getAttribute('href'), `${server.url}/unduh/kunci-host-x64.msi`);
});

test('the PIN window retries a wrong PIN and hands only the result to the page', { skip: skipReason(), timeout: 180_000 }, async (t) => {
  const { manifest, server, context, page, log } = await withFakeHost(t);
  const request = { algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID', challengePassword: 'tok-123' };

  await t.test('wrong_pin_is_retried_in_the_window_then_the_csr_reaches_the_page', async () => {
    let shown = extensionWindow(context, 'origin-view');
    const pending = callToken(page, 'generateCsr', request);
    const question = await shown;
    shown = extensionWindow(context, 'pin-view');
    await question.getByRole('button', { name: /Izinkan/ }).click();
    const pin = await shown;
    assert.match(pin.url(), /mode=pin/);
    assert.equal(await pin.textContent('#pin-origin'), server.url);
    assert.match(await pin.textContent('#pin-what'), /CN=Budi Santoso,C=ID/);
    // One token: chosen already, the PIN field has the focus.
    assert.equal(await pin.isChecked('input[name="token"][value="FAKE1"]'), true);
    assert.equal(await pin.evaluate(() => document.activeElement?.id), 'pin');
    await pin.getByRole('textbox', { name: /PIN token/ }).fill('0000');
    await pin.keyboard.press('Enter');
    await pin.waitForFunction(() => /PIN salah/.test(document.getElementById('pin-error').textContent));
    const error = await pin.textContent('#pin-error');
    assert.match(error, /Wrong PIN/);
    assert.match(error, /Sisa percobaan: 2/);
    assert.equal(await pin.inputValue('#pin'), '', 'the field is emptied');
    await pin.getByRole('textbox', { name: /PIN token/ }).fill('1234');
    const closed = pin.waitForEvent('close', { timeout: 15_000 });
    await pin.getByRole('button', { name: /Lanjutkan/ }).click();
    const r = await pending;
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.match(r.value.csrPem, /BEGIN CERTIFICATE REQUEST/);
    assert.equal(r.value.keyId, '00112233445566778899aabbccddeeff');
    assert.equal(r.value.publicKeySha256, 'ab'.repeat(32));
    assert.equal(r.value.token.serial, 'FAKE1');
    assert.equal(r.value.token.pinPad, false);
    assert.equal(JSON.stringify(r.value).includes('1234'), false);
    await closed;
  });

  await t.test('the_host_sees_the_real_origin_and_the_pin_only_in_the_pin_operation', () => {
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines[0].op, 'hello');
    assert.deepEqual(lines[0].params, { protocol: 1, extension: manifest.version });
    for (const line of lines) assert.equal(line.origin, server.url);
    assert.deepEqual(lines.map((l) => [l.op, l.has_pin]), [
      ['hello', false], ['list_tokens', false], ['generate_csr', true], ['generate_csr', true],
    ]);
    assert.deepEqual(lines[2].params, {
      token: 'FAKE1', algorithm: 'p256', subject: 'CN=Budi Santoso,C=ID', challenge_password: 'tok-123',
    });
  });

  await t.test('cancel_in_the_pin_window_is_cancelled', async () => {
    const shown = extensionWindow(context, 'pin-view');
    const pending = callToken(page, 'listCertificates');
    const pin = await shown;
    await pin.getByRole('button', { name: /Batal/ }).click().catch(() => {});
    const r = await pending;
    assert.equal(r.error.code, 'cancelled');
  });

  await t.test('a_locked_pin_reaches_the_page_and_the_window_says_so', async () => {
    const shown = extensionWindow(context, 'pin-view');
    const pending = callToken(page, 'generateCsr', request);
    const pin = await shown;
    for (const wrong of ['1', '2']) {
      await pin.getByRole('textbox', { name: /PIN token/ }).fill(wrong);
      await pin.keyboard.press('Enter');
      await pin.waitForFunction(() => /PIN salah/.test(document.getElementById('pin-error').textContent));
      await pin.waitForFunction(() => !document.getElementById('submit').disabled);
    }
    assert.match(await pin.textContent('#pin-error'), /Percobaan terakhir/);
    await pin.getByRole('textbox', { name: /PIN token/ }).fill('3');
    await pin.keyboard.press('Enter');
    await pin.waitForSelector('#end-view:not([hidden])', { timeout: 5000 }).catch(async (e) => {
      throw new Error(`${e.message}\n${await pin.textContent('main')}\n${readFileSync(log, 'utf8')}`);
    });
    assert.match(await pin.textContent('#end-text'), /terkunci/);
    const r = await pending;
    assert.equal(r.error.code, 'pin.locked');
    await pin.getByRole('button', { name: /Tutup/ }).click().catch(() => {});
  });
});

/** The last test's needs beyond the extension and the package: the helper, SoftHSM2, OpenSSL. */
function helperSkipReason() {
  const base = skipReason();
  if (base) return base;
  const missing = [];
  if (!existsSync(HOST_BIN)) missing.push(`${HOST_BIN} (cargo build -p kunci-host)`);
  if (!existsSync(SOFTHSM_MODULE)) missing.push(SOFTHSM_MODULE);
  for (const tool of ['softhsm2-util', 'openssl']) {
    if (run('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(tool);
  }
  if (missing.length === 0) return undefined;
  const why = `missing ${missing.join(', ')}`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

/** A raw P-256 signature (r || s, 32 bytes each) as the DER ECDSA-Sig-Value OpenSSL reads. */
function ecdsaRawToDer(raw) {
  const integer = (bytes) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i += 1;
    let v = bytes.subarray(i);
    if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32, 64))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** Types the PIN in the extension's PIN window and presses Continue. */
async function typePin(win) {
  await win.locator('#pin').waitFor({ state: 'visible' });
  await win.locator('#pin').fill(TOKEN_PIN);
  await win.locator('#submit').click();
}

test('the real helper signs a digest on a SoftHSM2 token after the PIN window shows the document', { skip: helperSkipReason(), timeout: 300_000 }, async (t) => {
  const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
  const work = await tempDir('kunci-sign-digest-');
  const server = await servePackage();
  // A fresh token, and the helper's config: this page's origin only, SoftHSM as the module.
  const tokenEnv = await softHsmToken({ work: work.dir, label: 'kunci-sign' });
  const hostConfig = join(work.dir, 'host.json');
  // Only the page's origin: the options page lists the tokens under the extension's own
  // origin, which the helper answers for `list_tokens` because that extension started it.
  writeFileSync(hostConfig, JSON.stringify({ allowed_origins: [server.url], module: SOFTHSM_MODULE }));
  // Chromium starts the helper with its own environment: how the helper finds its config and
  // SoftHSM its token folder.
  const env = { ...tokenEnv, KUNCI_HOST_CONFIG: hostConfig };
  const browser = await launch({ extensionDir: EXTENSION_DIR, env });
  const { context } = browser;
  t.after(async () => {
    await browser.close();
    await server.close();
    await work.remove();
  });
  runOk(HOST_BIN, ['install', '--manifest-dir', join(browser.profile, 'NativeMessagingHosts'), '--extension-id', extensionId(manifest.key)],
    { env: { ...process.env, ...env } });
  await context.addInitScript(PAGE_HELPERS);
  const page = await browser.newPage();
  forwardPageErrors(page);
  await page.goto(`${server.url}/`);

  const documentBytes = Buffer.from('%PDF-1.7\n% Surat Keputusan Kenaikan Pangkat, kunci browser test\n%%EOF\n');
  const digest = createHash('sha256').update(documentBytes).digest();
  const prefix = digest.toString('hex').slice(0, 16).match(/.{4}/g).join(' ');
  const name = 'SK Kenaikan Pangkat 2026.pdf';
  /** Page code: token.signDigest with the digest given as hex (Playwright moves strings reliably). */
  const signDigest = (request) => page.evaluate(async ({ digestHex, ...request }) => {
    const { token } = await import('/pkg/index.js');
    const digest = Uint8Array.from(digestHex.match(/../g), (h) => parseInt(h, 16));
    try {
      const r = await token.signDigest({ ...request, digest });
      return { ok: true, value: { ...r, signature: globalThis.__b64(r.signature), isBytes: r.signature instanceof Uint8Array } };
    } catch (e) {
      return { ok: false, error: globalThis.__err(e) };
    }
  }, request);

  let originAsked = false;
  for (const algorithm of ['p256', 'rsa2048']) {
    await t.test(`${algorithm}_key_made_on_the_token_signs_the_digest_and_openssl_verifies_it`, async () => {
      // The key: made on the token by the helper, with its CSR (whose key OpenSSL reads).
      let shown = extensionWindow(context, originAsked ? 'pin-view' : 'origin-view');
      const made = callToken(page, 'generateCsr', { algorithm, subject: 'CN=Budi Santoso,C=ID' });
      if (!originAsked) {
        const question = await shown;
        shown = extensionWindow(context, 'pin-view');
        await question.getByRole('button', { name: /Izinkan/ }).click();
        originAsked = true;
      }
      await typePin(await shown);
      const csr = await made;
      assert.equal(csr.ok, true, JSON.stringify(csr.error));
      const { keyId, csrPem } = csr.value;

      // The signature: the window shows what is signed before the PIN.
      shown = extensionWindow(context, 'pin-view');
      const signed = signDigest({ keyId, algorithm, digestHex: digest.toString('hex'), document: { name, size: documentBytes.length } });
      const win = await shown;
      await win.locator('#pin-sign').waitFor({ state: 'visible' });
      const what = await win.locator('#pin-sign').innerText();
      assert.match(what, /Dokumen/);
      assert.match(what, /Document/);
      assert.ok(what.includes(name), what);
      assert.ok(what.includes(prefix), `the digest's first 16 hex digits, grouped: ${prefix} in ${what}`);
      assert.ok(!what.includes(digest.toString('hex').slice(16, 24)), 'only the prefix is shown');
      assert.match(what, new RegExp(`${documentBytes.length} bytes`));
      assert.match(await win.locator('#pin-what').innerText(), /menandatangani dokumen/);
      assert.match(await win.locator('#pin-what').innerText(), /sign the document/);
      await typePin(win);
      const r = await signed;
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(r.value.isBytes, true, 'the signature reaches the page as a Uint8Array');
      assert.equal(r.value.algorithm, algorithm);
      assert.equal(r.value.keyId, keyId);
      assert.equal(r.value.certificate, null, 'no certificate on the token yet');
      assert.equal(r.value.token.label, 'kunci-sign');
      assert.equal(JSON.stringify(r.value).includes(TOKEN_PIN), false);

      // OpenSSL, the judge, with the key of the CSR the token signed.
      const files = (f) => join(work.dir, `${algorithm}-${f}`);
      writeFileSync(files('csr.pem'), csrPem);
      runOk('openssl', ['req', '-in', files('csr.pem'), '-pubkey', '-noout', '-out', files('pub.pem')]);
      const raw = Buffer.from(r.value.signature, 'base64');
      assert.equal(raw.length, algorithm === 'p256' ? 64 : 256);
      writeFileSync(files('sig.bin'), algorithm === 'p256' ? ecdsaRawToDer(raw) : raw);
      writeFileSync(files('digest.bin'), digest);
      writeFileSync(files('document.pdf'), documentBytes);
      runOk('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', files('pub.pem'), '-in', files('digest.bin'), '-sigfile', files('sig.bin'), '-pkeyopt', 'digest:sha256']);
      assert.match(runOk('openssl', ['dgst', '-sha256', '-verify', files('pub.pem'), '-signature', files('sig.bin'), files('document.pdf')]).stdout, /Verified OK/);
      writeFileSync(files('other.pdf'), Buffer.concat([documentBytes, Buffer.from(' ')]));
      assert.notEqual(run('openssl', ['dgst', '-sha256', '-verify', files('pub.pem'), '-signature', files('sig.bin'), files('other.pdf')]).status, 0,
        'the signature does not cover another document');
    });
  }

  await t.test('options_page_shows_the_helper_its_module_and_the_softhsm2_token', async () => {
    const options = await context.newPage();
    forwardPageErrors(options, 'options page');
    await options.goto(`chrome-extension://${extensionId(manifest.key)}/src/options.html?lang=en`);
    await options.locator('body[data-state="done"]').waitFor({ timeout: 30_000 });
    const host = await options.locator('#s-host').innerText();
    assert.match(host, /kunci-host \d+\.\d+\.\d+ answers \(protocol 1\)/);
    assert.ok(host.includes(SOFTHSM_MODULE), host);
    const tokens = await options.locator('#s-tokens').innerText();
    assert.match(tokens, /kunci-sign — SoftHSM project SoftHSM v2/);
    assert.equal(await options.locator('#s-tokens li.problem').count(), 0, tokens);
    // doctor: the helper's own checks, each with its detail (and a fix for a problem).
    const doctor = await options.locator('#s-doctor').innerText();
    assert.match(doctor, /PKCS#11 module .*libsofthsm2\.so/, doctor);
    assert.match(doctor, /token kunci-sign \(serial [0-9a-f]+\) is present, PIN not locked/, doctor);
    for (const problem of await options.locator('#s-doctor li.problem').all()) {
      assert.match(await problem.innerText(), /How to fix:/, 'every problem says its fix');
    }
    await options.close();
  });

  await t.test('a_key_the_token_does_not_hold_is_key_not_found_after_the_pin', async () => {
    const shown = extensionWindow(context, 'pin-view');
    const signed = signDigest({ keyId: '00112233445566778899aabbccddeeff', algorithm: 'p256', digestHex: digest.toString('hex'), document: { name } });
    const win = await shown;
    assert.doesNotMatch(await win.locator('#pin-sign').innerText(), /Ukuran|Size/, 'no size given, none shown');
    await typePin(win);
    await win.waitForSelector('#end-view:not([hidden])', { timeout: 30_000 });
    assert.match(await win.textContent('#end-text'), /Gagal/);
    const r = await signed;
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'key.not_found');
    await win.getByRole('button', { name: /Tutup/ }).click().catch(() => {});
  });
});
