/**
 * Signing a PDF in the portal and checking it on the public page (issue 17), in headless
 * Chromium as a person does it (the walk kit: `walker.mjs`).
 *
 * The browser key: the demo holder renews (the key made in the page, RSA 2048), the operator
 * approves, then "Tanda Tangani PDF" from the menu: a one-page PDF, the new certificate (its key
 * found in this browser by its public key), the key's password, B-T (the portal's TSA), sign,
 * download `<name>-ditandatangani.pdf`; then that file signed again, B-LT (the portal's CRL and
 * OCSP in a DSS). The first signature carries a visible stamp the holder places on page 2 of
 * the two-page letter: a click on the page's outline, the arrow keys, the X field, and a PNG
 * image with a transparent border; poppler's pdftoppm then renders page 2 at 72 dpi (a pixel a
 * point) and the walk finds ink inside the chosen box, the image's blue where it belongs, and
 * every other pixel of the page as before signing. The outside judges read both files: pdfsig (poppler; its
 * exit code means nothing, the text is read) with an NSS database trusting the portal's root,
 * `qpdf --check`, and pyHanko's `sign validate` when the project's venv has it
 * (`target/pyenv`, `KUNCI_PYHANKO`, or `pyhanko` on PATH). Then, logged out, "Verifikasi
 * Dokumen" says "Sah" (valid) with the signer, the timestamp and no change after signing, and
 * both signatures of the second file valid; a copy
 * with one byte of the page changed says "Tidak sah" (invalid) with the reason, and pdfsig agrees.
 * The pages are checked by axe at every step and fit a 375 px phone.
 *
 * The token: extension + kunci-host + SoftHSM2 (walker.mjs's `tokenSetup`); the holder renews with
 * the key made on the token, signs with "Token USB" (the extension's window shows the document's
 * name and asks the PIN), and the public page says "Sah". Skipped until the built extension
 * knows `token.signDigest`.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../browser.mjs';
import { ROOT } from '../common.mjs';
import {
  KEY_PASSWORD, PHONE, axeViolations, download, fillLogin, holderWalk, newRequestWizard, openCertificates,
  openssl, screenshots, scrollAgreementToEnd, skip, startPortal, tempFile,
  TOKEN_PIN as PIN, extensionWindow, tokenSetup, tokenToolsMissing,
} from './walker.mjs';

/**
 * A PDF (classic cross-reference table, exact offsets) with `text` on its first page and, for
 * `pages` over 1, a few words on each further page.
 */
function onePagePdf(text, pages = 1) {
  const content = (words) => `BT /F1 18 Tf 72 760 Td (${words}) Tj ET`;
  const first = content(text);
  // Objects: 1 catalog, 2 pages, 3 font, then per page: the page and its content.
  const kids = Array.from({ length: pages }, (_, i) => `${4 + 2 * i} 0 R`).join(' ');
  const bodies = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  for (let i = 0; i < pages; i++) {
    const c = i === 0 ? first : content(`Halaman ${i + 1}: lampiran`);
    bodies.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`);
    bodies.push(`<< /Length ${c.length} >>\nstream\n${c}\nendstream`);
  }
  let out = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets = [];
  bodies.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const LETTER = 'Surat Keputusan Nomor 17 Tahun 2026';

/** A PNG file: 8-bit RGBA, `w` × `h`, `pixel(x, y)` → [r, g, b, a]. */
function rgbaPng(w, h, pixel) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc(h * (1 + 4 * w));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set(pixel(x, y), y * (1 + 4 * w) + 1 + 4 * x);
  }
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 40 × 20: an opaque blue middle (20 × 10) in a transparent red border (which must not show). */
const STAMP_IMAGE = rgbaPng(40, 20, (x, y) => (x >= 10 && x < 30 && y >= 5 && y < 15 ? [0, 0, 255, 255] : [255, 0, 0, 0]));

/** Page `n` of `file` rendered by pdftoppm at 72 dpi: `{w, h, at(x, y)}` with PDF coordinates. */
async function renderPage(file, n) {
  const prefix = `${file}-p${n}`;
  const r = spawnSync('pdftoppm', ['-r', '72', '-f', String(n), '-l', String(n), '-singlefile', file, prefix], { encoding: 'utf8' });
  assert.equal(r.status, 0, `pdftoppm: ${r.stderr}`);
  const data = await readFile(`${prefix}.ppm`);
  const [magic, w, h] = data.subarray(0, 32).toString('latin1').split(/\s+/);
  assert.equal(magic, 'P6');
  const [width, height] = [Number(w), Number(h)];
  const pixels = data.subarray(data.length - width * height * 3);
  return {
    w: width,
    h: height,
    at(x, y) {
      const i = ((height - 1 - y) * width + x) * 3;
      return [pixels[i], pixels[i + 1], pixels[i + 2]];
    },
  };
}

/** `bytes` with the first `from` (in the signed page content) replaced by `to` (same length). */
function tamper(bytes, from, to) {
  assert.equal(from.length, to.length);
  const at = bytes.indexOf(Buffer.from(from, 'latin1'));
  assert.ok(at > 0, `"${from}" is in the file`);
  const copy = Buffer.from(bytes);
  copy.write(to, at, 'latin1');
  return copy;
}

function which(tool) {
  return spawnSync('which', [tool]).status === 0 ? tool : null;
}

/** pyHanko's command line: KUNCI_PYHANKO, the project's venv (`cargo xtask ci`), or PATH. */
function pyhanko() {
  const venv = join(ROOT, 'target/pyenv/bin/pyhanko');
  if (process.env.KUNCI_PYHANKO) return process.env.KUNCI_PYHANKO;
  if (existsSync(venv)) return venv;
  return which('pyhanko');
}

/** The outside judges, trusting the portal's root: pdfsig (NSS database), qpdf, pyHanko. */
async function judges(portal) {
  const dir = await mkdtemp(join(tmpdir(), 'kunci-pdf-judges-'));
  const rootDer = Buffer.from(await (await fetch(`${portal.url}/ca/root.crt`)).arrayBuffer());
  const rootDerFile = join(dir, 'root.der');
  await writeFile(rootDerFile, rootDer);
  const rootPem = join(dir, 'root.pem');
  await writeFile(rootPem, openssl(['x509', '-inform', 'DER', '-in', rootDerFile]));
  let nss = null;
  if (which('certutil')) {
    nss = join(dir, 'nssdb');
    await mkdir(nss);
    const db = `sql:${nss}`;
    for (const args of [['-N', '-d', db, '--empty-password'], ['-A', '-d', db, '-n', 'kunci walk root', '-t', 'C,C,C', '-i', rootPem]]) {
      const r = spawnSync('certutil', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, `certutil ${args.join(' ')}: ${r.stderr}`);
    }
  }
  const hanko = pyhanko();
  const seen = [];
  return {
    seen,
    /** pdfsig's text about `file` (exit code ignored: it is 0 on a mismatch too). */
    pdfsig(file) {
      if (!which('pdfsig')) return null;
      const args = nss ? ['-nssdir', `sql:${nss}`, file] : [file];
      const r = spawnSync('pdfsig', args, { encoding: 'utf8' });
      return `${r.stdout}${r.stderr}`;
    },
    qpdf(file) {
      if (!which('qpdf')) return null;
      const r = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
      return { status: r.status, text: `${r.stdout}${r.stderr}` };
    },
    /** pyHanko's `sign validate` against the portal's root: {status, text}, or null without pyHanko. */
    pyhanko(file) {
      if (!hanko) return null;
      const r = spawnSync(hanko, ['sign', 'validate', '--trust-replace', '--trust', rootPem, file], { encoding: 'utf8' });
      return { status: r.status, text: `${r.stdout}${r.stderr}` };
    },
    hasPyhanko: !!hanko,
    hasNss: !!nss,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Asserts that every judge there is accepts the signed `file`; answers what each said. */
function judgedValid(j, file) {
  const said = {};
  const sig = j.pdfsig(file);
  if (sig !== null) {
    assert.match(sig, /Signature is Valid/, `pdfsig:\n${sig}`);
    if (j.hasNss) assert.match(sig, /Certificate is Trusted/, `pdfsig:\n${sig}`);
    assert.match(sig, /Total document signed/, `pdfsig:\n${sig}`);
    said.pdfsig = 'Signature is Valid, Certificate is Trusted, Total document signed';
  }
  const q = j.qpdf(file);
  if (q !== null) {
    assert.equal(q.status, 0, `qpdf --check:\n${q.text}`);
    assert.match(q.text, /No syntax or stream encoding errors/);
    said.qpdf = 'no syntax or stream encoding errors';
  }
  const h = j.pyhanko(file);
  if (h !== null) {
    assert.equal(h.status, 0, `pyHanko validate:\n${h.text}`);
    assert.match(h.text, /INTACT:TRUSTED/, `pyHanko:\n${h.text}`);
    said.pyhanko = 'INTACT:TRUSTED';
  } else {
    said.pyhanko = 'not installed (skipped)';
  }
  return said;
}

/** Asserts that every judge there is rejects the tampered `file`. */
function judgedTampered(j, file) {
  const sig = j.pdfsig(file);
  if (sig !== null) assert.match(sig, /Digest Mismatch/, `pdfsig:\n${sig}`);
  const h = j.pyhanko(file);
  if (h !== null) assert.notEqual(h.status, 0, `pyHanko must refuse the tampered file:\n${h.text}`);
}

/**
 * On "Verifikasi Dokumen" (no session): chooses `bytes` as `name`, waits for the report and
 * answers its overall verdict and the first signature's card text.
 */
async function verifyOnPublicPage(page, url, bytes, name) {
  if (!page.url().endsWith('/verifikasi.html')) await page.goto(`${url}/verifikasi.html`);
  await page.waitForFunction(() => !document.getElementById('verify').disabled);
  await page.locator('#pdf-file').setInputFiles({ name, mimeType: 'application/pdf', buffer: bytes });
  await page.locator('#report:not([hidden])').waitFor({ timeout: 60_000 });
  await page.locator('#report-summary[data-verdict]').waitFor();
  return {
    verdict: await page.locator('#report-summary').getAttribute('data-verdict'),
    summary: await page.locator('#report-summary').innerText(),
    first: (await page.locator('#signature-1').count()) ? await page.locator('#signature-1').innerText() : '',
  };
}

/** The page fits the phone's width: nothing wider than the screen. */
async function fitsPhone(page, what) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${what} fits 375 px (scrollWidth ${scroll} > ${client})`);
}

describe('PDF signing in the portal and the public verification page', { skip }, () => {
  it('signs a PDF with the key kept in the browser (B-T) and verifies it logged out', { timeout: 900_000 }, () => holderWalk('pdf-sign', async (w, portal) => {
    const { page, step } = w;
    const j = await judges(portal);
    try {
      // A holder with a good certificate whose key is in this browser: the renewal.
      const [old] = await openCertificates(page);
      await page.locator(`#info-${old.id}`).click();
      await page.locator('#renew-link').click();
      await page.waitForURL(/permohonan-baru\.html\?renews=/);
      await newRequestWizard(w, { algorithm: 'rsa2048', checkWeakPassword: false, tryBadUpload: false, backup: 'skip' });
      await w.operatorApprovesAll('antrian-operator');
      const fresh = (await openCertificates(page)).find((c) => c.status === 'good');
      assert.ok(fresh && fresh.id !== old.id, 'the renewed certificate is issued');

      // "Tanda Tangani PDF" from the menu.
      await page.locator('#nav-sign').click();
      await page.waitForURL(/tanda-tangan\.html/);
      await page.waitForFunction(() => !document.getElementById('sign').disabled);
      assert.equal(await page.locator('#cert-select').inputValue(), String(fresh.id), 'the certificate whose key is here is chosen');
      assert.equal(await page.locator('#where-browser').isChecked(), true);
      assert.match(await page.locator('#key-found').innerText(), /tersimpan di peramban ini/);
      assert.equal(await page.locator('#profile-bt').isChecked(), true, 'B-T is the default');
      assert.match(await page.locator('#pdf-hint').innerText(), /25 MiB/);
      const pdf = onePagePdf(LETTER, 2);
      await page.getByLabel('Dokumen PDF').setInputFiles({ name: 'surat-keputusan.pdf', mimeType: 'application/pdf', buffer: pdf });

      // The visible stamp, placed on page 2: a click on the page's outline, the arrow keys,
      // then the X field; an image with a transparent border.
      assert.equal(await page.locator('#stamp-none').isChecked(), true, 'no stamp by default');
      await page.getByLabel('Stempel terlihat').check();
      await page.locator('#stamp-place:not([hidden])').waitFor();
      assert.equal(await page.locator('#stamp-page option').count(), 2, 'the two pages offered');
      await page.getByLabel('Halaman', { exact: true }).selectOption('2');
      await page.locator('#stamp-sheet').scrollIntoViewIfNeeded();
      const sheet = await page.locator('#stamp-sheet').boundingBox();
      assert.ok(Math.abs(sheet.width / sheet.height - 595 / 842) < 0.02, 'the outline has the page\'s proportions');
      // The box's centre where the click is: 30 % from the left, 40 % from the top.
      await page.mouse.click(sheet.x + sheet.width * 0.3, sheet.y + sheet.height * 0.4);
      const clicked = { x: Number(await page.locator('#stamp-x').inputValue()), y: Number(await page.locator('#stamp-y').inputValue()) };
      assert.ok(Math.abs(clicked.x - (595 * 0.3 - 120)) <= 3 && Math.abs(clicked.y - (842 * 0.6 - 36)) <= 3, `the click places the box: ${JSON.stringify(clicked)}`);
      assert.equal(await page.locator('#stamp-box').evaluate((el) => el === document.activeElement), true, 'the box has the focus');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Shift+ArrowUp');
      assert.equal(Number(await page.locator('#stamp-y').inputValue()), clicked.y + 55, 'the arrow keys move the box (5, Shift 50)');
      await page.getByLabel('X, titik dari tepi kiri').fill('60');
      await page.getByLabel('X, titik dari tepi kiri').press('Tab');
      const place = { x: 60, y: clicked.y + 55, w: 240, h: 72 };
      assert.match(await page.locator('#stamp-where').innerText(), new RegExp(`halaman 2: 60 titik dari kiri, ${place.y} titik dari bawah`));
      await page.getByLabel(/Gambar pada stempel/).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: STAMP_IMAGE });
      await page.locator('#stamp-img-preview:not([hidden])').waitFor();
      const lines = await page.locator('#stamp-lines').innerText();
      assert.match(lines, /Ditandatangani secara elektronik oleh/);
      assert.match(lines, /Budi Santoso/);
      await step('tanda-tangan-stempel');
      // The same in English.
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      assert.match(await page.locator('#stamp-where').innerText(), /page 2: 60 points from the left/);
      await step('sign-stamp-english');
      await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'id');

      // A wrong password first: the error, in words, in the alert region; nothing is offered.
      await page.getByLabel('Kata sandi kunci').fill(`${KEY_PASSWORD}-salah`);
      await page.getByRole('button', { name: 'Tanda Tangani' }).click();
      await page.locator('#sign-error').filter({ hasText: /Kata sandi salah/ }).waitFor({ timeout: 120_000 });
      assert.equal(await page.locator('#result').isHidden(), true);
      await step('tanda-tangan-kata-sandi-salah');
      await page.getByLabel('Kata sandi kunci').fill(KEY_PASSWORD);
      // The TSA down: a clear error, and no file offered.
      await page.route('**/tsa', (route) => route.fulfill({ status: 503, body: 'down' }));
      await page.getByRole('button', { name: 'Tanda Tangani' }).click();
      await page.locator('#sign-error').filter({ hasText: /stempel waktu portal tidak dapat dihubungi/ }).waitFor({ timeout: 120_000 });
      assert.equal(await page.locator('#result').isHidden(), true, 'no file without its timestamp');
      await step('tanda-tangan-tsa-mati');
      await page.unroute('**/tsa');
      assert.deepEqual(w.refusals.map((r) => /status of 503/.test(r)), [true], 'the one refusal is the TSA\'s 503');
      await page.getByLabel('Kata sandi kunci').fill(KEY_PASSWORD);
      await page.getByLabel('Alasan (tidak wajib)').fill('Persetujuan');
      await page.getByLabel('Lokasi (tidak wajib)').fill('Jakarta');
      await step('tanda-tangan-pdf');
      await page.getByRole('button', { name: 'Tanda Tangani' }).click();
      await page.locator('#result').waitFor({ state: 'visible', timeout: 120_000 });
      assert.equal(await page.locator('#sign-error').innerText(), '');
      await step('pdf-ditandatangani');
      const signed = await download(page, page.locator('#save-pdf'));
      assert.equal(signed.name, 'surat-keputusan-ditandatangani.pdf');
      assert.ok(signed.bytes.subarray(0, pdf.length).equals(pdf), 'an incremental update: the original bytes come first');

      // The outside judges.
      const file = await tempFile(signed.name, signed.bytes);
      console.log(`pdf-sign judges (file key, B-T): ${JSON.stringify(judgedValid(j, file))}`);

      // The stamp as poppler draws it: ink in the chosen box, the image's blue where the image
      // goes (the QR code takes the box's left 72 points; the 2:1 image is fitted 80 × 40 after
      // it, 16 points up), its transparent border white, and the rest of page 2 as before.
      const drawn = await renderPage(file, 2);
      const unsigned = await renderPage(await tempFile('unsigned.pdf', pdf), 2);
      let ink = 0;
      let changed = 0;
      for (let y = 0; y < drawn.h; y++) {
        for (let x = 0; x < drawn.w; x++) {
          const inside = x + 1 >= place.x && x <= place.x + place.w && y + 1 >= place.y && y <= place.y + place.h;
          const px = drawn.at(x, y);
          if (inside && px.every((c) => c < 100)) ink++;
          if (!inside && px.some((c, i) => c !== unsigned.at(x, y)[i])) changed++;
        }
      }
      assert.ok(ink > 500, `ink inside the chosen box: ${ink} dark pixels`);
      assert.equal(changed, 0, 'nothing changed on the page outside the box');
      assert.deepEqual(drawn.at(place.x + 114, place.y + 36), [0, 0, 255], 'the image\'s blue middle');
      assert.ok(drawn.at(place.x + 78, place.y + 20).every((c) => c > 240), 'the image\'s transparent border shows white');
      console.log(`pdf-sign stamp: page 2 at (${place.x}, ${place.y}) 240 × 72, ${ink} dark pixels inside, none changed outside`);

      // A second signature on the signed file, B-LT (the portal's CRL and OCSP answer in a
      // DSS): an incremental update after the first, which stays valid.
      await page.getByLabel('Dokumen PDF').setInputFiles({ name: signed.name, mimeType: 'application/pdf', buffer: signed.bytes });
      await page.getByLabel('Kata sandi kunci').fill(KEY_PASSWORD);
      await page.locator('#profile-blt').check();
      await page.getByRole('button', { name: 'Tanda Tangani' }).click();
      await page.locator('#result').waitFor({ state: 'hidden' });
      await page.locator('#result').waitFor({ state: 'visible', timeout: 120_000 });
      const twice = await download(page, page.locator('#save-pdf'));
      assert.equal(twice.name, 'surat-keputusan-ditandatangani-ditandatangani.pdf');
      assert.ok(twice.bytes.subarray(0, signed.bytes.length).equals(signed.bytes), 'the first signed file comes first, untouched');
      const twiceFile = await tempFile(twice.name, twice.bytes);
      const sig2 = j.pdfsig(twiceFile);
      if (sig2 !== null) {
        assert.equal((sig2.match(/Signature is Valid/g) || []).length, 2, `pdfsig, two signatures:\n${sig2}`);
      }
      const q2 = j.qpdf(twiceFile);
      if (q2 !== null) assert.equal(q2.status, 0, q2.text);
      const h2 = j.pyhanko(twiceFile);
      if (h2 !== null) assert.equal(h2.status, 0, h2.text);
      console.log(`pdf-sign judges (file key, B-T then B-LT): pdfsig ${sig2 === null ? 'absent' : 'two valid signatures'}, qpdf ${q2 === null ? 'absent' : 'clean'}, pyHanko ${h2 === null ? 'not installed (skipped)' : 'valid'}`);

      // At 375 px the page still fits.
      await page.setViewportSize(PHONE);
      await fitsPhone(page, 'Tanda Tangani PDF');
      await step('tanda-tangan-ponsel');
      await page.setViewportSize({ width: 1280, height: 720 });

      // The result leads to the public page; logged out, it verifies in the page.
      assert.equal(await page.locator('#to-verify').getAttribute('href'), '/verifikasi.html');
      await w.logout();
      await page.locator('#verify-link').click();
      await page.waitForURL(/verifikasi\.html/);
      assert.equal(await page.locator('#nav-sign').count(), 0, 'no holder menu on the public page');
      await step('verifikasi-dokumen');
      const good = await verifyOnPublicPage(page, portal.url, signed.bytes, signed.name);
      assert.equal(good.verdict, 'valid', good.summary);
      assert.equal(await page.locator('#signature-1').getAttribute('data-verdict'), 'valid');
      assert.match(await page.locator('#verdict-1').innerText(), /^Sah$/);
      assert.match(good.first, /Budi Santoso/);
      assert.match(good.first, /menurut stempel waktu/);
      assert.match(good.first, /Stempel waktu sah/);
      assert.match(good.first, /Dokumen tidak berubah sejak tanda tangan ini/);
      assert.match(good.first, /PAdES B-T/);
      await step('verifikasi-sah');
      // The file signed twice: two signatures, both valid; the second B-LT with its revocation data.
      const both = await verifyOnPublicPage(page, portal.url, twice.bytes, twice.name);
      assert.equal(both.verdict, 'valid', both.summary);
      assert.equal(await page.locator('#report-signatures article').count(), 2);
      assert.equal(await page.locator('#signature-2').getAttribute('data-verdict'), 'valid');
      const second = await page.locator('#signature-2').innerText();
      assert.match(second, /PAdES B-LT/);
      assert.match(second, /tidak dicabut/);
      assert.match(both.first, /hanya ditambahkan tanda tangan lain atau data validasi/);
      await step('verifikasi-dua-tanda-tangan');
      // English: the same report in English.
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      assert.match(await page.locator('#signature-1').innerText(), /A valid timestamp proves when the signature was made/);
      await step('verification-valid-english');
      await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
      await page.waitForFunction(() => document.documentElement.lang === 'id');

      // One byte of the signed page changed: invalid, with the reason; pdfsig and pyHanko agree.
      const tampered = tamper(signed.bytes, LETTER, LETTER.replace('17', '71'));
      const bad = await verifyOnPublicPage(page, portal.url, tampered, 'surat-keputusan-diubah.pdf');
      assert.equal(bad.verdict, 'invalid', bad.summary);
      assert.match(await page.locator('#verdict-1').innerText(), /^Tidak sah$/);
      assert.equal(await page.locator('#reasons-1 li[data-code="pdf.verify.digest_mismatch"]').count(), 1, bad.first);
      assert.match(bad.first, /Isi dokumen telah diubah setelah ditandatangani/);
      await step('verifikasi-tidak-sah');
      await page.setViewportSize(PHONE);
      await fitsPhone(page, 'the verification report');
      await step('verifikasi-ponsel');
      judgedTampered(j, await tempFile('tampered.pdf', tampered));

      // A PDF without signatures says so.
      const none = await verifyOnPublicPage(page, portal.url, pdf, 'surat-keputusan.pdf');
      assert.equal(none.verdict, 'none', none.summary);
      assert.match(none.summary, /tidak memuat tanda tangan elektronik/);

      // Not a PDF: a stable error, in words.
      await page.locator('#pdf-file').setInputFiles({ name: 'foto.pdf', mimeType: 'application/pdf', buffer: Buffer.from('89504e470d0a1a0a', 'hex') });
      await page.locator('#verify-error').filter({ hasText: /bukan PDF/ }).waitFor();
    } finally {
      await j.cleanup();
    }
  }, { expectedRefusals: [503] }));
});

// ---- the USB token (as token-key.test.mjs sets it up) -------------------------------------

const EXTENSION_DIR = process.env.KUNCI_EXTENSION_DIR || join(ROOT, 'target/extension/chromium');
const EXTENSION_ID = 'lkedgilnpaeaifpjefgmjdlmalokkipf';

function tokenSkipReason() {
  if (skip) return skip;
  const missing = tokenToolsMissing();
  const manifest = join(EXTENSION_DIR, 'manifest.json');
  if (!existsSync(manifest)) missing.push(`${EXTENSION_DIR} (cargo xtask extension)`);
  if (missing.length === 0) {
    const content = join(EXTENSION_DIR, 'src/content.js');
    const knows = existsSync(content) && readFileSync(content, 'utf8').includes('token.signDigest');
    if (!knows) missing.push('an extension that knows token.signDigest');
  }
  if (missing.length === 0) return undefined;
  const why = `missing ${missing.join(', ')}`;
  if (process.env.KUNCI_REQUIRE_PACKAGE === '1') throw new Error(`KUNCI_REQUIRE_PACKAGE=1 but ${why}`);
  return why;
}

describe('PDF signing with the USB token: extension + kunci-host + SoftHSM2', { skip: tokenSkipReason() }, () => {
  let portal;
  let work;
  let context;
  const portalRequests = [];

  before(async () => {
    portal = await startPortal();
    work = await mkdtemp(join(tmpdir(), 'kunci-pdf-token-'));
    const profile = join(work, 'profile');
    const setup = await tokenSetup({
      work, origin: portal.url, label: 'kunci-pdf-walk',
      manifestDir: join(profile, 'NativeMessagingHosts'), installArgs: ['--extension-id', EXTENSION_ID],
    });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, `--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`],
      ignoreDefaultArgs: ['--disable-extensions'],
      env: setup.browserEnv,
      acceptDownloads: true,
    });
    context.on('request', (r) => {
      if (r.url().startsWith(portal.url)) portalRequests.push(`${r.url()} ${r.postData() ?? ''}`);
    });
  });

  after(async () => {
    await context?.close();
    await portal?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('renews with the key on the token, signs a PDF with it (B-T) and verifies it logged out', { timeout: 900_000 }, async () => {
    const page = context.pages()[0] ?? await context.newPage();
    const problems = [];
    page.on('pageerror', (err) => problems.push(`exception: ${err.message}`));
    const shots = await screenshots('pdf-sign-token');
    const step = async (label, p = page) => {
      await shots.shot(p, label);
      assert.deepEqual(await axeViolations(p), [], `axe-core on step "${label}"`);
    };
    const j = await judges(portal);
    try {
      await page.goto(`${portal.url}/`);
      await fillLogin(page, 'demo');
      await page.waitForURL(/dashboard/);

      // The renewal with "Ya": the key is made on the token (origin question, then the PIN).
      await page.locator('#nav-new').click();
      await page.locator('#step-product').waitFor({ state: 'visible' });
      await page.locator('#product-continue').click();
      await page.locator('#step-token').waitFor({ state: 'visible' });
      const csrToken = await page.locator('#csr-token').inputValue();
      await page.locator('#token-continue').click();
      await page.locator('#step-kit').waitFor({ state: 'visible' });
      await page.getByLabel('Tempel token CSR di sini').fill(csrToken);
      await page.getByRole('button', { name: '(2) Lanjutkan >>' }).click();
      await page.getByRole('heading', { name: 'Data untuk sertifikat' }).waitFor();
      await page.locator('#kit .hint').filter({ hasText: /kunci terpasang/ }).waitFor();
      await page.getByLabel('Ya — pada token USB (perangkat keras)').check();
      await page.getByLabel('Algoritme kunci').selectOption('p256');
      await page.getByRole('button', { name: '(3) BANGKITKAN DAN KIRIM CSR' }).click();
      const ask = await extensionWindow(context, 'origin');
      await ask.locator('#allow').click();
      const pinWindow = await extensionWindow(context, 'pin');
      await pinWindow.locator('#pin').fill(PIN);
      await pinWindow.locator('#submit').click();
      await page.locator('#csr-sent').waitFor({ state: 'visible', timeout: 120_000 });
      await page.locator('#csr-ok').click();
      await page.getByRole('button', { name: 'Check' }).click();
      await page.locator('#check-result').filter({ hasText: 'Sudah Upload' }).waitFor();
      await page.locator('#check-continue').click();
      await page.getByLabel('Surat Rekomendasi (PDF)').setInputFiles({ name: 'surat.pdf', mimeType: 'application/pdf', buffer: onePagePdf('Surat Rekomendasi') });
      await page.waitForFunction(() => !document.getElementById('document-continue').disabled);
      await page.locator('#document-continue').click();
      await scrollAgreementToEnd(page);
      await page.locator('#agree').check();
      await page.getByRole('button', { name: 'Setuju dan Submit' }).click();
      await page.locator('#step-done').waitFor({ state: 'visible' });

      // The operator approves.
      await page.locator('#logout').click();
      await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
      await fillLogin(page, 'operator');
      await page.waitForURL(/operator/);
      await page.locator('#queue-body button[id^="approve-"]').first().click();
      await page.locator('#approve-dialog[open]').waitFor();
      await page.locator('#approve-confirm').click();
      await page.locator('#status').filter({ hasText: /#\d+/ }).waitFor();
      await page.locator('#logout').click();
      await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
      await fillLogin(page, 'demo');
      await page.waitForURL(/dashboard/);

      // "Tanda Tangani PDF" with "Token USB", preselected from this browser's token record.
      await page.locator('#nav-sign').click();
      await page.waitForURL(/tanda-tangan\.html/);
      await page.waitForFunction(() => !document.getElementById('sign').disabled);
      await page.locator('#extension-status').filter({ hasText: /terpasang/ }).waitFor();
      assert.equal(await page.locator('#where-token').isChecked(), true, 'the token is preselected');
      assert.match(await page.locator('#token-found').innerText(), /ada di token/);
      const pdf = onePagePdf(LETTER);
      await page.getByLabel('Dokumen PDF').setInputFiles({ name: 'surat-token.pdf', mimeType: 'application/pdf', buffer: pdf });
      await step('tanda-tangan-token');
      await page.getByRole('button', { name: 'Tanda Tangani' }).click();
      // The extension's window names the document and asks the PIN.
      const signWindow = await extensionWindow(context, 'pin');
      await signWindow.locator('#pin').waitFor({ state: 'visible' });
      assert.match(await signWindow.locator('#pin-sign').innerText(), /surat-token\.pdf/);
      await step('jendela-pin-tanda-tangan', signWindow);
      await signWindow.locator('#pin').fill(PIN);
      await signWindow.locator('#submit').click();
      await page.locator('#result').waitFor({ state: 'visible', timeout: 120_000 });
      await step('pdf-ditandatangani-token');
      const signed = await download(page, page.locator('#save-pdf'));
      assert.equal(signed.name, 'surat-token-ditandatangani.pdf');
      console.log(`pdf-sign judges (token, B-T): ${JSON.stringify(judgedValid(j, await tempFile(signed.name, signed.bytes)))}`);

      // Logged out, the public page says "Sah".
      await page.locator('#logout').click();
      await page.waitForURL((u) => u.pathname === '/' || u.pathname === '/index.html');
      const good = await verifyOnPublicPage(page, portal.url, signed.bytes, signed.name);
      assert.equal(good.verdict, 'valid', good.summary);
      assert.match(good.first, /Budi Santoso/);
      await step('verifikasi-sah-token');
      assert.equal(portalRequests.filter((r) => r.includes(PIN)).length, 0, 'no portal request carries the PIN');
      assert.deepEqual(problems, []);
    } catch (e) {
      await shots.shot(page, 'failure').catch(() => {});
      throw e;
    } finally {
      await j.cleanup();
    }
  });
});
