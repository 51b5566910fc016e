/**
 * `<kunci-client-kit>` (docs/ELEMENTS.md) in headless Chromium on a test page of its own (not
 * the portal): a tiny node:http server in this file serves the package, the page (its script
 * and style as files: the page runs under a strict CSP, and a `securitypolicyviolation` must
 * never fire) and fake check and submit endpoints that record what they are sent. OpenSSL
 * judges the CSR the server receives; axe-core judges the element in each of its states.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launch } from './browser.mjs';
import { PKG_DIR, packageSkipReason } from './common.mjs';
import { axeViolations, openssl } from './portal.mjs';

const skip = packageSkipReason();

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'";
const PASSWORD = 'Gamelan-Hujan-Petir-7391-senja';
const SUBJECT = 'CN=Budi Santoso,O=Dinas Kominfo,C=ID';
const EMAIL = 'budi.santoso@example.go.id';

const PAGE = `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>kit test</title>
<link rel="stylesheet" href="/test.css"><script type="module" src="/test.js"></script></head>
<body><main><h1>Uji client kit</h1><div id="host"></div></main></body></html>`;

// The page's script: the elements, the key store, every kunci-* event and CSP report recorded.
const SCRIPT = `import '/pkg/elements.js';
import * as keystore from '/pkg/keystore.js';
window.keystore = keystore;
window.events = [];
window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
for (const type of ['kunci-progress', 'kunci-error', 'kunci-done', 'kunci-submit', 'kunci-missing']) {
  document.addEventListener(type, (e) => window.events.push({ type, detail: { ...e.detail, respondWith: undefined } }));
}
/** What a test asks the page's submit hook to do: null (nothing), 'ok', 'reject'. */
window.hook = null;
document.addEventListener('kunci-submit', (e) => {
  if (window.hook === 'ok') e.detail.respondWith(Promise.resolve({ via: 'hook', id: e.detail.requestId }));
  else if (window.hook === 'reject') e.detail.respondWith(Promise.reject(new Error('portal down')));
});
window.ready = true;
`;

// A page whose tag is there, with properties set by the page (as a framework does), before
// kunci/elements is loaded at all.
const BARE = `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>bare</title>
<script type="module" src="/bare.js"></script></head><body><main><h1>Uji</h1>
<kunci-client-kit id="early"></kunci-client-kit></main></body></html>`;
const BARE_SCRIPT = `const el = document.querySelector('kunci-client-kit');
el.check = async (token) => ({ subject: 'CN=Dewi Lestari,C=ID', email: 'dewi@example.id', request_id: token.length });
el.holder = { name: 'Dewi Lestari' };
el.id = 'kit-by-property';
window.defined = import('/pkg/elements.js').then(() => customElements.whenDefined('kunci-client-kit')).then(() => true);
`;

const STYLE = `kunci-client-kit.themed { --kunci-accent: rgb(1, 2, 3); }
kunci-client-kit.themed::part(heading) { letter-spacing: 3px; }
`;

const MIME = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };

/** The fake authority: tokens "tok-N" are request N; "unknown-…" is refused as kunci-ams does. */
function checkAnswer(token) {
  const m = /^tok-(\d+)$/.exec(token);
  if (!m) return null;
  return {
    subject: SUBJECT, email: EMAIL, request_id: Number(m[1]), product: 'Sertifikat Elektronik Individu',
    allowed_keys: ['rsa2048', 'p256'], common_name: 'Budi Santoso', organization: 'Dinas Kominfo', nik: '3201010101010001',
  };
}

async function startSite() {
  const seen = { check: [], submit: [] };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const headers = { 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' };
    const send = (status, type, body) => {
      res.writeHead(status, { ...headers, 'Content-Type': type });
      res.end(body);
    };
    const json = (status, v) => send(status, 'application/json', JSON.stringify(v));
    try {
      if (req.method === 'POST') {
        let raw = '';
        for await (const chunk of req) raw += chunk;
        const body = JSON.parse(raw);
        if (path === '/check') {
          seen.check.push(body);
          const c = checkAnswer(body.token);
          return c ? json(200, c) : json(404, { error: { code: 'token.unknown', message: 'unknown CSR token' } });
        }
        if (path === '/submit') {
          seen.submit.push(body);
          return json(200, { id: 42, status: 'uploaded' });
        }
        if (path === '/slow') {
          seen.submit.push(body);
          return setTimeout(() => json(200, { late: true }), 8000);
        }
        return json(404, { error: { code: 'http.404', message: 'no' } });
      }
      if (path === '/') return send(200, 'text/html; charset=utf-8', PAGE);
      if (path === '/bare') return send(200, 'text/html; charset=utf-8', BARE);
      if (path === '/bare.js') return send(200, 'text/javascript', BARE_SCRIPT);
      if (path === '/test.js') return send(200, 'text/javascript', SCRIPT);
      if (path === '/test.css') return send(200, 'text/css', STYLE);
      if (path.startsWith('/pkg/')) {
        const file = resolve(PKG_DIR, `.${sep}${decodeURIComponent(path.slice(5))}`);
        if (!file.startsWith(PKG_DIR + sep)) return send(404, 'text/plain', 'no');
        return send(200, MIME[extname(file)] || 'application/octet-stream', await readFile(file));
      }
      return send(404, 'text/plain', 'no');
    } catch {
      if (!res.headersSent) send(404, 'text/plain', 'no');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }),
  };
}

describe('<kunci-client-kit> in headless Chromium under a strict CSP', { skip, timeout: 600_000 }, () => {
  let site;
  let browser;
  let page;
  const problems = [];

  before(async () => {
    site = await startSite();
    browser = await launch();
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
    page.on('console', (m) => {
      // Chromium logs every refused answer (the fake server's 404 for token.unknown) itself.
      if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  /**
   * A fresh page with one element: `attrs` its attributes; `setup` (a function run in the page,
   * the element as `window.el`) before it is added to the page.
   */
  async function fresh(attrs, setup) {
    await page.goto(`${site.url}/`);
    await page.waitForFunction(() => window.ready);
    await page.evaluate((a) => {
      window.el = document.createElement('kunci-client-kit');
      for (const [k, v] of Object.entries(a)) window.el.setAttribute(k, v);
    }, attrs);
    if (setup) await page.evaluate(setup);
    await page.evaluate(() => document.getElementById('host').append(window.el));
    return page.locator('kunci-client-kit');
  }

  const events = () => page.evaluate(() => window.events);
  const codes = async () => (await events()).filter((e) => e.type === 'kunci-error').map((e) => e.detail.code);
  const steps = async () => (await events()).filter((e) => e.type === 'kunci-progress').map((e) => e.detail.step);
  const alert = () => page.locator('kunci-client-kit [role=alert]');

  async function axeClean(label) {
    assert.deepEqual(await axeViolations(page), [], `axe-core: ${label}`);
  }

  async function cspSilent() {
    assert.deepEqual(await page.evaluate(() => window.violations), [], 'no CSP violation');
  }

  /** Token, check, p256, the password twice; leaves the page at an enabled "(3)". */
  async function toReady(token) {
    await page.getByLabel('Tempel token CSR di sini').fill(token);
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
    await page.getByLabel('Algoritme kunci').selectOption('p256');
    await page.getByLabel('Kata sandi kunci').fill(PASSWORD);
    await page.getByLabel('Ulangi kata sandi').fill(PASSWORD);
    const gen = page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' });
    await page.waitForFunction(() => {
      const b = document.querySelector('kunci-client-kit').shadowRoot.querySelectorAll('button')[2];
      return b && !b.disabled;
    }, null, { timeout: 60_000 });
    return gen;
  }

  /** Saves the backup through its link: its bytes and name. */
  async function saveBackup() {
    await page.getByRole('heading', { name: 'Cadangan kunci' }).waitFor({ timeout: 120_000 });
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Simpan cadangan kunci' }).click()]);
    return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
  }

  async function chooseBackup(backup, password) {
    await page.getByLabel('Berkas cadangan kunci (kunci-key-….pem)').setInputFiles({ name: backup.name, mimeType: 'application/x-pem-file', buffer: backup.bytes });
    await page.getByLabel('Kata sandi berkas cadangan').fill(password);
    await page.getByRole('button', { name: 'Periksa cadangan' }).click();
  }

  it('goes token → check → key → stored backup → proof (a wrong password first) → CSR → submit-url', async () => {
    const el = await fresh({ token: 'tok-7', 'check-url': '/check', 'submit-url': '/submit' });
    await axeClean('the token part');
    // The clipboard is empty in headless Chromium: "(1) Paste" falls back to the given token.
    await page.getByRole('button', { name: '(1) Paste >>' }).click();
    await el.locator('[role=status]').first().filter({ hasText: 'Token dimasukkan' }).waitFor();
    assert.equal(await page.getByLabel('Tempel token CSR di sini').inputValue(), 'tok-7');
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
    // Focus moved to the new part's heading.
    assert.equal(await page.evaluate(() => document.querySelector('kunci-client-kit').shadowRoot.activeElement?.textContent), 'Data untuk sertifikat');
    const data = await el.locator('dl').innerText();
    assert.match(data, /#7/);
    assert.match(data, /Budi Santoso/);
    assert.match(data, new RegExp(EMAIL.replace(/\./g, '\\.')));
    // No extension here: the token choice is off, with the plain reason.
    await el.locator('.hint').filter({ hasText: /belum terpasang/ }).waitFor();
    assert.equal(await page.getByLabel('Ya — pada token USB (perangkat keras)').isDisabled(), true);
    assert.deepEqual(await el.locator('select option').allInnerTexts(), ['RSA 2048', 'ECDSA P-256']);
    // A weak password (the holder's own name) is refused by the > 50 % rule.
    await page.getByLabel('Kata sandi kunci').fill('budisantoso1985');
    await page.getByLabel('Ulangi kata sandi').fill('budisantoso1985');
    await el.locator('p.bad').filter({ hasText: /terlalu lemah/ }).waitFor({ timeout: 60_000 });
    assert.equal(await page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' }).isDisabled(), true);
    await axeClean('the details part');
    const gen = await toReady('tok-7');
    await gen.click();

    const backup = await saveBackup();
    assert.equal(backup.name, 'kunci-key-7.pem');
    assert.match(backup.bytes.toString(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    // Stored before anything left: the record is in IndexedDB and nothing was submitted yet.
    const stored = await page.evaluate(() => window.keystore.loadKey(7));
    assert.equal(stored.encryptedPem, backup.bytes.toString());
    assert.equal(site.seen.submit.length, 0, 'the CSR waits for the backup');
    assert.equal(await page.getByRole('button', { name: 'Lewati pemeriksaan' }).isVisible(), true);
    await axeClean('the backup part');

    await chooseBackup(backup, `${PASSWORD}-salah`);
    await alert().filter({ hasText: /Kata sandi salah/ }).waitFor({ timeout: 60_000 });
    assert.equal(site.seen.submit.length, 0, 'a wrong password proves nothing');
    await chooseBackup(backup, PASSWORD);
    await page.getByRole('heading', { name: 'CSR telah diterima' }).waitFor({ timeout: 60_000 });
    await el.locator('[role=status]').filter({ hasText: 'Cadangan terbukti' }).waitFor();
    await axeClean('done');

    // What the server received: the token, the algorithm, the proof, a valid PKCS#10.
    assert.equal(site.seen.submit.length, 1);
    const sent = site.seen.submit[0];
    assert.equal(sent.token, 'tok-7');
    assert.equal(sent.algorithm, 'p256');
    assert.deepEqual(sent.backup, { checked: true });
    const text = openssl(['req', '-verify', '-noout', '-text'], sent.csr);
    assert.match(text, /CN\s*=\s*Budi Santoso/);
    assert.match(text, /O\s*=\s*Dinas Kominfo/);
    assert.match(text, new RegExp(EMAIL.replace(/\./g, '\\.')));
    assert.match(text, /challengePassword\s*:\s*tok-7/);
    assert.match(text, /prime256v1|P-256/);
    // The public key in the CSR is the stored (and backed-up) key's.
    const keyPub = openssl(['pkey', '-passin', `pass:${PASSWORD}`, '-pubout'], backup.bytes);
    assert.equal(openssl(['req', '-noout', '-pubkey'], sent.csr), keyPub);
    const stepsSeen = await steps();
    for (const s of ['check', 'generate', 'encrypt', 'store', 'backup', 'csr', 'submit']) assert.ok(stepsSeen.includes(s), `progress ${s}: ${stepsSeen}`);
    assert.ok(stepsSeen.indexOf('store') < stepsSeen.indexOf('csr'), 'stored before the CSR is made');
    assert.deepEqual(await codes(), ['pkcs8.wrong_password']);
    const done = (await events()).find((e) => e.type === 'kunci-done').detail;
    assert.equal(done.requestId, 7);
    assert.equal(done.algorithm, 'p256');
    assert.equal(done.onToken, false);
    assert.deepEqual(done.backup, { checked: true });
    assert.deepEqual(done.answer, { id: 42, status: 'uploaded' });
    assert.equal(done.publicKeySha256, stored.publicKeySha256);
    assert.equal(done.csr, sent.csr);
    assert.equal(await gen.isDisabled(), true, 'once per token');
    assert.equal(await page.getByLabel('Kata sandi kunci').inputValue(), '', 'the password is dropped');
    await cspSilent();
  });

  it('answers kunci-submit through respondWith, with the check hook and the proof skipped', async () => {
    site.seen.submit.length = 0;
    const el = await fresh({ 'submit-url': '/submit', algorithms: 'p256 rsa4096' }, () => {
      window.hook = 'ok';
      window.el.check = async (token) => ({ subject: 'CN=Siti Aminah,C=ID', email: 'siti@example.id', checked: token });
    });
    const gen = await toReady('any-token-123');
    // No extension here: the element says which piece of the token path is missing (no error).
    await page.waitForFunction(() => window.events.some((e) => e.type === 'kunci-missing'));
    assert.deepEqual((await events()).filter((e) => e.type === 'kunci-missing').map(({ detail: { missing, code } }) => ({ missing, code })),
      [{ missing: 'extension', code: 'extension.absent' }]);
    assert.deepEqual(await codes(), []);
    // No allowed_keys in the answer: the `algorithms` attribute is the list.
    assert.deepEqual(await el.locator('select option').allInnerTexts(), ['ECDSA P-256', 'RSA 4096']);
    assert.doesNotMatch(await el.locator('dl').innerText(), /Permohonan/, 'no request id: no row for it');
    await gen.click();
    const backup = await saveBackup();
    assert.match(backup.name, /^kunci-key-[0-9a-f]{8}\.pem$/);
    await page.getByRole('button', { name: 'Lewati pemeriksaan' }).click();
    await page.getByRole('heading', { name: 'CSR telah diterima' }).waitFor({ timeout: 60_000 });
    await el.locator('[role=status]').filter({ hasText: /dilewati/ }).waitFor();
    assert.equal(site.seen.submit.length, 0, 'the page answered: submit-url is not used');
    const all = await events();
    const submit = all.find((e) => e.type === 'kunci-submit').detail;
    assert.equal(submit.token, 'any-token-123');
    assert.deepEqual(submit.backup, { checked: false });
    assert.match(submit.csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
    const done = all.find((e) => e.type === 'kunci-done').detail;
    assert.deepEqual(done.answer, { via: 'hook', id: null });
    assert.equal(done.requestId, null);
    const key = await page.evaluate((sha) => window.keystore.loadKey(`key:${sha}`), done.publicKeySha256);
    assert.ok(key, 'kept under key:<publicKeySha256>');
    assert.equal(backup.name, `kunci-key-${done.publicKeySha256.slice(0, 8)}.pem`);
    assert.match(openssl(['req', '-verify', '-noout', '-subject'], submit.csr), /Siti Aminah/);
    await cspSilent();
  });

  it('takes properties a page set before it was defined, keeps `id` a property, lets the holder type while it looks for the extension', async () => {
    await page.goto(`${site.url}/bare`);
    assert.equal(await page.evaluate(() => window.defined), true);
    const el = page.locator('kunci-client-kit');
    assert.equal(await page.evaluate(() => document.querySelector('kunci-client-kit').id), 'kit-by-property');
    assert.equal(await page.evaluate(() => typeof document.querySelector('kunci-client-kit').check), 'function', 'check passed through its setter');
    assert.equal(await page.evaluate(() => Object.hasOwn(document.querySelector('kunci-client-kit'), 'check')), false, 'no own property hides the accessor');
    await page.getByLabel('Tempel token CSR di sini').fill('early-token');
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
    // The extension is still being looked for (it answers within 1 s): the password is typeable.
    assert.equal(await page.getByLabel('Kata sandi kunci').isDisabled(), false, 'typing is not lost while the extension is looked for');
    assert.match(await el.locator('dl').innerText(), /#11[\s\S]*Dewi Lestari/, 'the hook set before definition answered the check');
    await el.locator('p', { hasText: /belum terpasang/ }).first().waitFor();
  });

  it('refuses a missing or malformed token before any request, and passes the server\'s token.unknown on', async () => {
    site.seen.check.length = 0;
    const el = await fresh({ 'check-url': '/check' });
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await alert().filter({ hasText: 'Masukkan token CSR' }).waitFor();
    await page.getByLabel('Tempel token CSR di sini').fill('tok 12');
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await alert().filter({ hasText: /rusak/ }).waitFor();
    assert.equal(site.seen.check.length, 0, 'nothing was asked');
    await page.getByLabel('Tempel token CSR di sini').fill('unknown-token');
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await alert().filter({ hasText: 'Token CSR tidak dikenal' }).waitFor();
    assert.equal(site.seen.check.length, 1);
    assert.equal(await el.locator('dl').isVisible(), false, 'no data for an unknown token');
    assert.deepEqual(await codes(), ['kit.token_missing', 'kit.token_malformed', 'token.unknown']);
    const err = (await events()).filter((e) => e.type === 'kunci-error').at(-1).detail;
    assert.equal(err.step, 'check');
    assert.match(err.message, /tidak dikenal/);
    await axeClean('an error shown');
    await cspSilent();
  });

  it('keeps the CSR when the submit hook rejects; "(3)" then only sends it again', async () => {
    const el = await fresh({ 'check-url': '/check' }, () => { window.hook = 'reject'; });
    const gen = await toReady('tok-21');
    await gen.click();
    await saveBackup();
    await page.getByRole('button', { name: 'Lewati pemeriksaan' }).click();
    await alert().filter({ hasText: /CSR tidak terkirim: portal down/ }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await codes(), ['kit.submit_failed']);
    await el.locator('.hint').filter({ hasText: /hanya mengirim ulang/ }).waitFor();
    assert.equal(await gen.isDisabled(), false, 'the submission can be retried');
    await page.evaluate(() => { window.hook = 'ok'; });
    await gen.click();
    await page.getByRole('heading', { name: 'CSR telah diterima' }).waitFor({ timeout: 60_000 });
    const all = await events();
    assert.equal(all.filter((e) => e.type === 'kunci-progress' && e.detail.step === 'generate').length, 1, 'one key only');
    const submits = all.filter((e) => e.type === 'kunci-submit').map((e) => e.detail.csr);
    assert.equal(submits.length, 2);
    assert.equal(submits[0], submits[1], 'the same CSR sent again');
    await cspSilent();
  });

  it('times out a submission that does not answer within `timeout`', async () => {
    site.seen.submit.length = 0;
    await fresh({ 'check-url': '/check', 'submit-url': '/slow', timeout: '1500' });
    const gen = await toReady('tok-22');
    await gen.click();
    await saveBackup();
    await page.getByRole('button', { name: 'Lewati pemeriksaan' }).click();
    await alert().filter({ hasText: /tepat waktu/ }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await codes(), ['kit.timeout']);
    assert.equal((await events()).filter((e) => e.type === 'kunci-error')[0].detail.step, 'submit');
    assert.equal(site.seen.submit.length, 1);
    assert.equal(await gen.isDisabled(), false);
  });

  it('still stores the key when removed mid-generation, sends nothing, fires element.removed', async () => {
    site.seen.submit.length = 0;
    await fresh({ 'check-url': '/check', 'submit-url': '/submit' }, () => {
      const e = window.el;
      window.mine = [];
      e.addEventListener('kunci-error', (ev) => window.mine.push(ev.detail.code));
      e.addEventListener('kunci-progress', (ev) => { if (ev.detail.step === 'encrypt') e.remove(); });
    });
    const gen = await toReady('tok-23');
    await gen.click();
    await page.waitForFunction(() => window.mine.length > 0, null, { timeout: 120_000 });
    assert.deepEqual(await page.evaluate(() => window.mine), ['element.removed']);
    const stored = await page.evaluate(() => window.keystore.loadKey(23));
    assert.match(stored.encryptedPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.equal(await page.locator('kunci-client-kit').count(), 0);
    await page.waitForTimeout(300);
    assert.equal(site.seen.submit.length, 0, 'nothing was submitted');
    assert.equal((await events()).some((e) => e.type === 'kunci-submit'), false);
  });

  it('offers no skip when the browser cannot store the key: the backup file is the only copy', async () => {
    site.seen.submit.length = 0;
    await fresh({ 'check-url': '/check', 'submit-url': '/submit' }, () => {
      Object.defineProperty(window, 'indexedDB', { configurable: true, get() { throw new Error('storage refused'); } });
    });
    const gen = await toReady('tok-25');
    await gen.click();
    const backup = await saveBackup();
    await page.locator('kunci-client-kit .notice p').filter({ hasText: /satu-satunya salinannya/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Lewati pemeriksaan' }).count(), 0, 'no skip: the file is the only copy');
    assert.equal(site.seen.submit.length, 0);
    await chooseBackup(backup, PASSWORD);
    await page.getByRole('heading', { name: 'CSR telah diterima' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(site.seen.submit[0].backup, { checked: true });
  });

  it('switches language in place, takes string overrides, lets custom properties and parts in', async () => {
    const el = await fresh({ 'check-url': '/check', class: 'themed' });
    await page.getByLabel('Tempel token CSR di sini').fill('tok-24');
    await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
    await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
    await page.getByLabel('Kata sandi kunci').fill(PASSWORD);
    await page.evaluate(() => document.querySelector('kunci-client-kit').setAttribute('lang', 'en'));
    await page.getByRole('heading', { name: 'Data for the certificate' }).waitFor();
    await page.getByRole('button', { name: '(3) GENERATE AND SEND CSR' }).waitFor();
    assert.equal(await page.getByLabel('Key password').inputValue(), PASSWORD, 'typed values stay');
    assert.match(await el.locator('dl').innerText(), /Request/);
    await el.locator('.hint').filter({ hasText: /not installed/ }).waitFor();
    await el.locator('[aria-live=polite]').filter({ hasText: /strong enough|too weak/ }).first().waitFor({ timeout: 60_000 });
    await axeClean('English');
    await page.evaluate(() => { document.querySelector('kunci-client-kit').strings = { go: 'Check the token', data: 'What the CSR carries' }; });
    await page.getByRole('button', { name: 'Check the token' }).waitFor();
    await page.getByRole('heading', { name: 'What the CSR carries' }).waitFor();
    await page.evaluate(() => document.querySelector('kunci-client-kit').setAttribute('lang', 'id'));
    await page.getByRole('heading', { name: 'What the CSR carries' }).waitFor();
    await page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' }).waitFor();
    const look = await page.evaluate(() => {
      const root = document.querySelector('kunci-client-kit').shadowRoot;
      return {
        button: getComputedStyle(root.querySelectorAll('button')[1]).backgroundColor,
        heading: getComputedStyle(root.querySelector('h3')).letterSpacing,
        outside: getComputedStyle(document.querySelector('h1')).letterSpacing,
      };
    });
    assert.equal(look.button, 'rgb(1, 2, 3)', '--kunci-accent reaches the buttons');
    assert.equal(look.heading, '3px', '::part(heading) styles the heading');
    assert.equal(look.outside, 'normal', 'nothing leaks out');
    await cspSilent();
    assert.deepEqual(problems, []);
  });
});
