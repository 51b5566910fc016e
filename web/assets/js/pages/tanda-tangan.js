/**
 * "Tanda Tangani PDF" (docs/PROCESS.md, "After the renewal: signing documents"): a logged-in
 * holder signs a PDF in this browser with one of their good certificates (GET
 * /api/certificates). The key is either kept in this browser (keystore.js: the record whose
 * public key is the certificate's, else the certificate's request's; or a backup file chosen
 * here), opened in the kunci worker with the password typed, or on the USB token (tokenpath.js's
 * record of the request: the key's CKA_ID; the PIN only in the extension's window). The profile:
 * B-T by default (a timestamp from the portal's TSA), B-LT (also the portal's CRL and an OCSP
 * answer, embedded), or B-B. The signed file is offered as `<name>-ditandatangani.pdf`, with the
 * way to the public verification page. Progress and errors (stable codes, both languages) go to
 * live regions. The document, the key and its password never leave the page.
 *
 * The stamp: none (an invisible signature, the default), or a visible box of 240 × 72 points
 * with the holder's name, the signing time, a QR code to the public verification page and an
 * optional PNG or JPEG image. Once the PDF is chosen, the page asks the package for its pages
 * (`pdfInfo`) and shows the chosen page as an outline in its proportions, on which the holder
 * clicks or drags the box, or moves it with the arrow keys, or types X and Y in points. The
 * outline and the box are placed with CSS custom properties set through the CSSOM (the CSP
 * forbids style attributes).
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, formatBytes } from '../i18n.js';
import { get } from '../api.js';
import { $, h, showError, focusHeading, setDownload } from '../dom.js';
import { kunci } from '../kunci.js';
import { listKeys } from '../keystore.js';
import { detectToken, tokenKeyOf } from '../tokenpath.js';
import { missingOf, tokenHelp } from '../tokenhelp.js';
import {
  MAX_PDF_TEXT, certificateKeySha256, coded, pdfPages, pemBlocks, readPdf, signWithFileKey, signWithToken, signedName,
} from '../pdf.js';
import '../pdftexts.js';

addStrings({
  'title.sign': ['Tanda Tangani PDF – kunci AMS', 'Sign a PDF – kunci AMS'],
  'sign.h1': ['Tanda Tangani PDF', 'Tanda Tangani PDF (sign a PDF)'],
  'sign.intro': ['Dokumen ditandatangani di peramban ini dengan sertifikat elektronik Anda. Dokumen, kunci privat dan kata sandinya tidak dikirim ke server; untuk stempel waktu hanya sidik (hash) tanda tangan yang dikirim ke portal.',
                 'The document is signed in this browser with your electronic certificate. The document, the private key and its password are not sent to the server; for the timestamp only a fingerprint (hash) of the signature goes to the portal.'],
  'sign.nocerts': ['Anda belum memiliki sertifikat yang berlaku untuk menandatangani.', 'You have no valid certificate to sign with yet.'],
  'sign.nocerts.link': ['Ajukan Permohonan Baru', 'Make a new request'],
  'sign.doc.h': ['1. Dokumen', '1. Document'],
  'sign.doc.file': ['Dokumen PDF', 'PDF document'],
  'sign.doc.hint': ['Paling besar {max}. Dokumen tidak diunggah: tanda tangan dibuat di peramban ini.', 'At most {max}. The document is not uploaded: the signature is made in this browser.'],
  'sign.doc.chosen': ['{name}, {size}', '{name}, {size}'],
  'sign.cert.h': ['2. Sertifikat dan kunci', '2. Certificate and key'],
  'sign.cert': ['Sertifikat', 'Certificate'],
  'sign.cert.option': ['{product}, berlaku sampai {until} — {serial}', '{product}, valid until {until} — {serial}'],
  'sign.cert.hint': ['Hanya sertifikat yang masih berlaku. Pemilik: {subject}', 'Valid certificates only. Holder: {subject}'],
  'sign.where': ['Di mana kunci privat sertifikat ini?', 'Where is this certificate\'s private key?'],
  'sign.where.browser': ['Di peramban ini (berkas terenkripsi)', 'Di peramban ini (in this browser, encrypted)'],
  'sign.where.token': ['Token USB', 'Token USB (USB token)'],
  'sign.ext.checking': ['Memeriksa ekstensi peramban kunci…', 'Looking for the kunci browser extension…'],
  'sign.ext.absent': ['Ekstensi peramban kunci belum terpasang, jadi token USB tidak dapat dipakai dari halaman ini.', 'The kunci browser extension is not installed, so a USB token cannot be used from this page.'],
  'sign.ext.present': ['Ekstensi peramban kunci terpasang: pilih "Token USB" bila kunci sertifikat ini ada di token.', 'The kunci browser extension is installed: choose "Token USB" if this certificate\'s key is on a token.'],
  'sign.key.found': ['Kunci sertifikat ini tersimpan di peramban ini (permohonan #{id}, {date}).', 'This certificate\'s key is kept in this browser (request #{id}, {date}).'],
  'sign.key.notfound': ['Kunci sertifikat ini tidak tersimpan di peramban ini. Pilih berkas cadangan kuncinya, atau "Token USB" bila kuncinya ada di token.', 'This certificate\'s key is not kept in this browser. Choose its key backup file, or "Token USB" if the key is on a token.'],
  'sign.token.found': ['Kunci sertifikat ini ada di token {token} (ID kunci {id}).', 'This certificate\'s key is on token {token} (key ID {id}).'],
  'sign.token.notfound': ['Peramban ini tidak mencatat token untuk sertifikat ini. Token USB hanya dapat dipakai di peramban tempat kuncinya dibuat.', 'This browser has no token record for this certificate. A USB token works only in the browser where its key was made.'],
  'sign.keyfile': ['Atau pilih berkas cadangan kunci (kunci-key-….pem)', 'Or choose the key backup file (kunci-key-….pem)'],
  'sign.password': ['Kata sandi kunci', 'Key password'],
  'sign.password.hint': ['Kata sandi yang Anda tetapkan saat membangkitkan kunci. Kunci dibuka hanya di peramban ini.', 'The password you set when the key was generated. The key is opened in this browser only.'],
  'sign.token.pin': ['PIN token diminta di jendela ekstensi kunci, yang juga menampilkan nama dokumen dan awal sidiknya. Halaman ini tidak pernah melihat PIN.', 'The token\'s PIN is asked in the kunci extension\'s window, which also shows the document\'s name and the start of its fingerprint. This page never sees the PIN.'],
  'sign.profile.h': ['3. Jenis tanda tangan', '3. Kind of signature'],
  'sign.profile': ['Profil PAdES', 'PAdES profile'],
  'sign.profile.bt': ['B-T: dengan stempel waktu portal (disarankan)', 'B-T: with the portal\'s timestamp (recommended)'],
  'sign.profile.bt.hint': ['Stempel waktu membuktikan kapan dokumen ditandatangani.', 'The timestamp proves when the document was signed.'],
  'sign.profile.blt': ['B-LT: stempel waktu dan data pencabutan (CRL, OCSP)', 'B-LT: timestamp and revocation data (CRL, OCSP)'],
  'sign.profile.blt.hint': ['Dokumen membawa bukti bahwa sertifikat belum dicabut, sehingga tetap dapat diperiksa di kemudian hari.', 'The document carries the proof that the certificate was not revoked, so it can still be checked years later.'],
  'sign.profile.bb': ['B-B: tanpa stempel waktu', 'B-B: without a timestamp'],
  'sign.profile.bb.hint': ['Waktu tanda tangan hanya menurut jam komputer Anda.', 'The signing time is only what your computer\'s clock says.'],
  'sign.reason': ['Alasan (tidak wajib)', 'Reason (optional)'],
  'sign.location': ['Lokasi (tidak wajib)', 'Location (optional)'],
  'sign.stamp.none': ['Tanda tangan ini tidak tampil sebagai stempel di halaman dokumen: pembaca PDF menampilkannya di panel tanda tangan, dan halaman Verifikasi Dokumen memeriksanya.',
                      'This signature does not show as a stamp on the document\'s page: PDF readers show it in their signature panel, and the Verifikasi Dokumen page checks it.'],
  'sign.stamp.h': ['4. Stempel di halaman', '4. Stamp on the page'],
  'sign.stamp': ['Tampilkan stempel tanda tangan di halaman dokumen?', 'Show a signature stamp on the document\'s page?'],
  'sign.stamp.no': ['Tanpa stempel', 'No stamp'],
  'sign.stamp.yes': ['Stempel terlihat', 'A visible stamp'],
  'sign.stamp.yes.hint': ['Kotak berisi nama Anda, waktu tanda tangan, kode QR ke halaman Verifikasi Dokumen dan, bila dipilih, sebuah gambar.',
                          'A box with your name, the signing time, a QR code to the Verifikasi Dokumen page and, if you choose one, an image.'],
  'sign.stamp.needpdf': ['Pilih dokumen PDF dahulu: halaman-halamannya tampil di sini.', 'Choose the PDF document first: its pages show here.'],
  'sign.stamp.page': ['Halaman', 'Page'],
  'sign.stamp.page.option': ['Halaman {n} dari {count} ({w} × {h} titik)', 'Page {n} of {count} ({w} × {h} points)'],
  'sign.stamp.place.hint': ['Klik atau seret kotak stempel pada gambar halaman. Dengan papan ketik: fokus pada kotak, lalu tombol panah (dengan Shift: langkah besar).',
                            'Click or drag the stamp box on the picture of the page. With the keyboard: focus the box, then the arrow keys (with Shift: big steps).'],
  'sign.stamp.box': ['Kotak stempel', 'Stamp box'],
  'sign.stamp.where': ['Stempel di halaman {page}: {x} titik dari kiri, {y} titik dari bawah, {w} × {h} titik.',
                       'Stamp on page {page}: {x} points from the left, {y} points from the bottom, {w} × {h} points.'],
  'sign.stamp.x': ['X, titik dari tepi kiri', 'X, points from the left edge'],
  'sign.stamp.y': ['Y, titik dari tepi bawah', 'Y, points from the bottom edge'],
  'sign.stamp.image': ['Gambar pada stempel (tidak wajib: PNG atau JPEG, paling besar 1 MiB)', 'Image on the stamp (optional: PNG or JPEG, at most 1 MiB)'],
  'sign.stamp.image.hint': ['Misalnya logo instansi atau pindaian tanda tangan. Gambar ikut ke dalam dokumen; tidak diunggah ke server.',
                            'For instance your agency\'s logo or a scan of your signature. The image goes into the document; it is not uploaded to the server.'],
  'sign.stamp.preview': ['Pratinjau teks stempel', 'Preview of the stamp\'s text'],
  'sign.stamp.line1': ['Ditandatangani secara elektronik oleh', 'Ditandatangani secara elektronik oleh'],
  'sign.stamp.line4': ['Periksa keasliannya: pindai kode QR.', 'Periksa keasliannya: pindai kode QR.'],
  'sign.stamp.when.later': ['(waktu saat menandatangani)', '(the time of signing)'],
  'sign.submit': ['Tanda Tangani', 'Tanda Tangani (sign)'],
  'sign.p.read': ['Membaca dokumen…', 'Reading the document…'],
  'sign.p.unlock': ['Membuka kunci dengan kata sandi…', 'Unlocking the key with the password…'],
  'sign.p.match': ['Memeriksa bahwa sertifikat milik kunci ini…', 'Checking that the certificate belongs to this key…'],
  'sign.p.fetch': ['Mengambil rantai sertifikat…', 'Fetching the certificate chain…'],
  'sign.p.sign': ['Menandatangani dokumen dan meminta stempel waktu…', 'Signing the document and asking for the timestamp…'],
  'sign.p.sign.bb': ['Menandatangani dokumen…', 'Signing the document…'],
  'sign.p.token': ['Menandatangani dengan token USB… periksa nama dokumen dan masukkan PIN di jendela ekstensi kunci.', 'Signing with the USB token… check the document\'s name and enter the PIN in the kunci extension\'s window.'],
  'sign.need.pdf': ['Pilih dokumen PDF yang akan ditandatangani.', 'Choose the PDF document to sign.'],
  'sign.need.pages': ['Halaman dokumen ini belum terbaca, jadi stempel belum dapat ditempatkan. Pilih dokumennya lagi, atau pilih "Tanpa stempel".',
                      'This document\'s pages are not read yet, so the stamp cannot be placed. Choose the document again, or choose "No stamp".'],
  'sign.need.cert': ['Pilih sertifikat.', 'Choose a certificate.'],
  'sign.need.key': ['Kunci sertifikat ini tidak tersimpan di peramban ini: pilih berkas cadangan kuncinya.', 'This certificate\'s key is not kept in this browser: choose its key backup file.'],
  'sign.need.password': ['Masukkan kata sandi kunci.', 'Enter the key password.'],
  'sign.need.token': ['Peramban ini tidak mencatat kunci token untuk sertifikat ini.', 'This browser has no token key recorded for this certificate.'],
  'sign.result.h': ['Dokumen sudah ditandatangani', 'The document is signed'],
  'sign.result.text': ['Berhasil: {name} ditandatangani dengan sertifikat {serial} ({profile}). Simpan berkasnya; siapa pun dapat memeriksanya di halaman Verifikasi Dokumen tanpa masuk.',
                       'Success: {name} is signed with certificate {serial} ({profile}). Save the file; anyone can check it on the Verifikasi Dokumen page without logging in.'],
  'sign.save': ['Simpan PDF bertanda tangan', 'Simpan PDF bertanda tangan (save the signed PDF)'],
  'sign.toverify': ['Verifikasi Dokumen', 'Verifikasi Dokumen (verify a document)'],
  'sign.lost': ['Kata sandi tidak dapat dipulihkan oleh siapa pun, termasuk otoritas.', 'Nobody, not even the authority, can recover the password.'],
  'sign.lost.link': ['Lupa kata sandi atau kunci hilang?', 'Forgot the password, or lost the key?'],
  'err.sign.key_mismatch': ['Kunci ini bukan kunci sertifikat yang dipilih. Pilih berkas cadangan kunci sertifikat ini.', 'This key is not the chosen certificate\'s key. Choose this certificate\'s key backup file.'],
});

let certs = [];
let keys = [];
let extension = null;
let done = null;
/** What the USB-token path lacks, with the fix (tokenhelp.js). */
const help = tokenHelp($('token-help'));
/** Per certificate id: `{keySha, fileKey, tokenKey}` (what this browser holds for it). */
const held = new Map();

/** The stamp's size in points (kunci-core's default). */
const STAMP_W = 240;
const STAMP_H = 72;
/** Arrow-key steps in points. */
const STEP = 5;
const BIG_STEP = 50;
/** The image limit kunci-core keeps (`pdf.stamp_image_too_large`). */
const MAX_IMAGE_BYTES = 1024 * 1024;

/** `pages`: from `pdfInfo`; `page` 1-based; `x`, `y` the box's bottom-left corner in PDF points. */
const stamp = { pages: [], page: 1, x: 0, y: 0, image: null, file: null };

renderDocHint();
$('pdf-file').addEventListener('change', renderDocHint);
for (const radio of [$('where-browser'), $('where-token')]) radio.addEventListener('change', renderKeyPart);
$('cert-select').addEventListener('change', () => { preselectWhere(); renderKeyPart(); renderCertHint(); renderStampLines(); });
$('sign-form').addEventListener('submit', onSubmit);
$('pdf-file').addEventListener('change', loadPages);
for (const radio of [$('stamp-none'), $('stamp-visible')]) radio.addEventListener('change', renderStamp);
$('stamp-page').addEventListener('change', () => { stamp.page = Number($('stamp-page').value); placeDefault(); renderStamp(); });
$('stamp-x').addEventListener('change', () => moveTo(Number($('stamp-x').value) + pageBox().x, stamp.y));
$('stamp-y').addEventListener('change', () => moveTo(stamp.x, Number($('stamp-y').value) + pageBox().y));
$('stamp-box').addEventListener('keydown', onStampKey);
$('stamp-sheet').addEventListener('pointerdown', onSheetPointer);
$('stamp-image').addEventListener('change', loadStampImage);

await initLayout({ active: 'sign' });

try {
  const all = (await get('/api/certificates')).certificates || [];
  const now = Date.now() / 1000;
  // Newest first: a renewal's certificate before the one it replaces.
  certs = all.filter((c) => c.status === 'good' && (!c.not_after || c.not_after > now))
    .sort((a, b) => (b.not_before || 0) - (a.not_before || 0) || b.id - a.id);
} catch (e) {
  showError('error', e);
}
try {
  keys = await listKeys();
} catch {
  keys = [];
}
await Promise.all(certs.map(async (c) => {
  const keySha = c.pem ? await certificateKeySha256(c.pem) : null;
  const fileKey = (keySha && keys.find((k) => k.publicKeySha256 === keySha))
    || keys.find((k) => c.request_id != null && k.requestId === c.request_id) || null;
  const record = c.request_id != null ? tokenKeyOf(c.request_id) : null;
  const tokenKey = record && record.keyId && (!keySha || !record.publicKeySha256 || record.publicKeySha256 === keySha) ? record : null;
  held.set(c.id, { keySha, fileKey, tokenKey });
}));
fillCerts();
renderKeyPart();
renderStamp();
kunci().catch(() => {}); // start the worker while the holder chooses
extension = await detectToken();
if (!extension.present) help.show(missingOf({ code: 'extension.absent' }));
preselectWhere();
renderKeyPart();
$('sign').disabled = certs.length === 0;
onLangChange(() => {
  renderDocHint();
  fillPages();
  renderStamp();
  fillCerts();
  renderKeyPart();
  renderResult();
});

// ---- the stamp ---------------------------------------------------------------------------

function stampWanted() {
  return $('stamp-visible').checked;
}

function pageBox() {
  return stamp.pages[stamp.page - 1] || { x: 0, y: 0, width: 595, height: 842, rotate: 0 };
}

/** The box's size on this page: the default, shrunk to a page smaller than it. */
function boxSize() {
  const p = pageBox();
  return { w: Math.min(STAMP_W, Math.floor(p.width)), h: Math.min(STAMP_H, Math.floor(p.height)) };
}

async function loadPages() {
  stamp.pages = [];
  const file = $('pdf-file').files[0];
  if (file) {
    try {
      stamp.pages = (await pdfPages(await readPdf(file))).pages;
    } catch (e) {
      showError('sign-error', e);
    }
  }
  stamp.page = Math.min(stamp.page, Math.max(stamp.pages.length, 1));
  fillPages();
  placeDefault();
  renderStamp();
}

function fillPages() {
  const select = $('stamp-page');
  const count = stamp.pages.length;
  select.replaceChildren(...stamp.pages.map((p, i) => h('option', { value: String(i + 1) },
    t('sign.stamp.page.option', { n: i + 1, count, w: Math.round(p.width), h: Math.round(p.height) }))));
  if (count) select.value = String(stamp.page);
}

/** The bottom right corner, a little in from the edges. */
function placeDefault() {
  const p = pageBox();
  const { w } = boxSize();
  moveTo(p.x + p.width - w - 36, p.y + 36, false);
}

/** Moves the box's bottom-left corner to (`x`, `y`) points, kept on the page. */
function moveTo(x, y, render = true) {
  const p = pageBox();
  const { w, h: bh } = boxSize();
  const clamp = (v, lo, hi) => Math.min(Math.max(Number.isFinite(v) ? Math.round(v) : lo, lo), Math.max(lo, hi));
  stamp.x = clamp(x, Math.ceil(p.x), Math.floor(p.x + p.width - w));
  stamp.y = clamp(y, Math.ceil(p.y), Math.floor(p.y + p.height - bh));
  if (render) renderStamp();
}

function renderStamp() {
  const wanted = stampWanted();
  $('stamp-part').hidden = !wanted;
  const known = stamp.pages.length > 0;
  $('stamp-need-pdf').hidden = known;
  $('stamp-place').hidden = !known;
  renderStampLines();
  if (!wanted || !known) return;
  const p = pageBox();
  const { w, h: bh } = boxSize();
  const sheet = $('stamp-sheet');
  sheet.style.setProperty('--aspect', String(p.width / p.height));
  const box = $('stamp-box');
  box.style.setProperty('--left', String((stamp.x - p.x) / p.width));
  box.style.setProperty('--bottom', String((stamp.y - p.y) / p.height));
  box.style.setProperty('--bw', String(w / p.width));
  box.style.setProperty('--bh', String(bh / p.height));
  const where = { page: stamp.page, x: stamp.x - Math.round(p.x), y: stamp.y - Math.round(p.y), w, h: bh };
  box.setAttribute('aria-label', t('sign.stamp.box'));
  $('stamp-where').textContent = t('sign.stamp.where', where);
  $('stamp-x').value = String(where.x);
  $('stamp-y').value = String(where.y);
  $('stamp-x').max = String(Math.floor(p.width - w));
  $('stamp-y').max = String(Math.floor(p.height - bh));
}

function onStampKey(event) {
  const step = event.shiftKey ? BIG_STEP : STEP;
  const move = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[event.key];
  if (!move) return;
  event.preventDefault();
  moveTo(stamp.x + move[0], stamp.y + move[1]);
}

/** A click or a drag on the outline: the box's centre follows the pointer. */
function onSheetPointer(event) {
  if (event.button !== 0) return;
  event.preventDefault();
  const sheet = $('stamp-sheet');
  $('stamp-box').focus();
  const follow = (e) => {
    const r = sheet.getBoundingClientRect();
    const p = pageBox();
    const { w, h: bh } = boxSize();
    const fx = (e.clientX - r.left) / r.width;
    const fy = (r.bottom - e.clientY) / r.height;
    moveTo(p.x + fx * p.width - w / 2, p.y + fy * p.height - bh / 2);
  };
  follow(event);
  sheet.setPointerCapture(event.pointerId);
  const stop = () => {
    sheet.removeEventListener('pointermove', follow);
    sheet.removeEventListener('pointerup', stop);
    sheet.removeEventListener('pointercancel', stop);
  };
  sheet.addEventListener('pointermove', follow);
  sheet.addEventListener('pointerup', stop);
  sheet.addEventListener('pointercancel', stop);
}

async function loadStampImage() {
  showError('sign-error', null);
  const file = $('stamp-image').files[0];
  const preview = $('stamp-img-preview');
  stamp.image = null;
  preview.hidden = true;
  preview.removeAttribute('src');
  if (!file) return;
  if (file.size > MAX_IMAGE_BYTES) {
    showError('sign-error', coded('pdf.stamp_image_too_large'));
    return;
  }
  stamp.image = new Uint8Array(await file.arrayBuffer());
  // A data: URL (the CSP's img-src allows data:, not blob:).
  const reader = new FileReader();
  reader.addEventListener('load', () => {
    preview.src = String(reader.result);
    preview.hidden = false;
  });
  reader.readAsDataURL(file);
}

/** The holder's name for the stamp: the certificate subject's CN, else the whole subject. */
function signerName(cert) {
  const subject = String(cert?.subject || '');
  const cn = /(?:^|[,/]\s*)CN=([^,/]+)/.exec(subject);
  return (cn ? cn[1] : subject).trim();
}

/** `2026-12-06 10:00 UTC`. */
function utcText(ms) {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The stamp's lines (kunci draws them in Helvetica: Latin-1 only). */
function stampLines(cert, when) {
  return [t('sign.stamp.line1'), signerName(cert), when === null ? t('sign.stamp.when.later') : utcText(when), t('sign.stamp.line4')];
}

function renderStampLines() {
  $('stamp-lines').replaceChildren(...stampLines(selected(), null).map((l) => h('li', {}, l)));
}

/** `signPdf`'s `page` and `stamp` options for a signing at `when` (ms), or null for none. */
function stampOptions(cert, when) {
  if (!stampWanted() || !stamp.pages.length) return null;
  const { w, h: bh } = boxSize();
  const options = {
    x: stamp.x, y: stamp.y, width: w, height: bh,
    lines: stampLines(cert, when),
    qrUrl: new URL('/verifikasi.html', window.location.origin).href,
  };
  if (stamp.image) options.image = stamp.image;
  return { page: stamp.page, stamp: options };
}

// ---- the rest ------------------------------------------------------------------------------

function selected() {
  return certs.find((c) => String(c.id) === $('cert-select').value) || null;
}

function fillCerts() {
  const select = $('cert-select');
  const previous = select.value;
  select.replaceChildren(...certs.map((c) => h('option', { value: String(c.id) },
    t('sign.cert.option', { serial: c.serial, product: c.product || '', until: formatDate(c.not_after) }))));
  if (previous && certs.some((c) => String(c.id) === previous)) select.value = previous;
  else {
    // The newest certificate whose key this browser holds, else the newest.
    const withKey = certs.find((c) => held.get(c.id)?.fileKey || held.get(c.id)?.tokenKey);
    const pick = withKey || certs[0];
    if (pick) select.value = String(pick.id);
  }
  $('no-certs').hidden = certs.length > 0;
  $('sign-form').hidden = certs.length === 0;
  renderCertHint();
}

function renderCertHint() {
  const c = selected();
  $('cert-hint').textContent = c ? t('sign.cert.hint', { subject: c.subject }) : '';
  $('lost-link').href = c ? `/kunci-hilang.html?certificate=${c.id}` : '/kunci-hilang.html';
}

function preselectWhere() {
  const c = selected();
  const mine = c ? held.get(c.id) : null;
  $('where-token').disabled = !(extension && extension.present);
  if (mine && mine.tokenKey && extension && extension.present) $('where-token').checked = true;
  else $('where-browser').checked = true;
}

function renderKeyPart() {
  const token = $('where-token').checked;
  $('browser-part').hidden = token;
  $('token-part').hidden = !token;
  $('extension-status').textContent = !extension
    ? t('sign.ext.checking')
    : t(extension.present ? 'sign.ext.present' : 'sign.ext.absent');
  const c = selected();
  const mine = c ? held.get(c.id) : null;
  $('key-found').textContent = mine && mine.fileKey
    ? t('sign.key.found', { id: mine.fileKey.requestId, date: formatDate(mine.fileKey.createdAt) })
    : t('sign.key.notfound');
  $('token-found').textContent = mine && mine.tokenKey
    ? t('sign.token.found', {
      token: (mine.tokenKey.token && (mine.tokenKey.token.label || mine.tokenKey.token.serial)) || '',
      id: mine.tokenKey.keyId,
    })
    : t('sign.token.notfound');
}

function progress(key) {
  const box = $('sign-progress');
  if (!key) box.replaceChildren();
  else box.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, t(key)));
}

function profileChosen() {
  return document.querySelector('input[name="profile"]:checked')?.value || 'B-T';
}

async function chainOf(cert) {
  const text = await get(`/api/certificates/${cert.id}/chain`, { text: true });
  const leaf = (pemBlocks(cert.pem)[0] || cert.pem || '').replace(/\s+/g, '');
  return pemBlocks(text).filter((b) => b.replace(/\s+/g, '') !== leaf).join('\n');
}

async function onSubmit(event) {
  event.preventDefault();
  showError('sign-error', null);
  $('lost-hint').hidden = true;
  const file = $('pdf-file').files[0];
  const cert = selected();
  if (!file) {
    showError('sign-error', t('sign.need.pdf'));
    $('pdf-file').focus();
    return;
  }
  if (!cert) {
    showError('sign-error', t('sign.need.cert'));
    $('cert-select').focus();
    return;
  }
  if (stampWanted() && !stamp.pages.length) {
    showError('sign-error', t('sign.need.pages'));
    $('pdf-file').focus();
    return;
  }
  const mine = held.get(cert.id) || {};
  const onToken = $('where-token').checked;
  const keyFile = $('key-file').files[0];
  const password = $('key-password').value;
  if (onToken && !mine.tokenKey) {
    showError('sign-error', t('sign.need.token'));
    $('where-token').focus();
    return;
  }
  if (!onToken && !keyFile && !mine.fileKey) {
    showError('sign-error', t('sign.need.key'));
    $('key-file').focus();
    return;
  }
  if (!onToken && !password) {
    showError('sign-error', t('sign.need.password'));
    $('key-password').focus();
    return;
  }
  const button = $('sign');
  button.disabled = true;
  $('result').hidden = true;
  let key = null;
  try {
    progress('sign.p.read');
    const bytes = await readPdf(file);
    const profile = profileChosen();
    progress('sign.p.fetch');
    const certPem = cert.pem || (await get(`/api/certificates/${cert.id}/pem`, { text: true }));
    const when = Date.now();
    const params = {
      signingTime: when,
      ...stampOptions(cert, when),
      certificate: certPem,
      chain: await chainOf({ ...cert, pem: certPem }),
      profile,
      reason: $('reason').value.trim() || undefined,
      location: $('location').value.trim() || undefined,
      documentName: file.name,
    };
    let signed;
    if (onToken) {
      progress('sign.p.token');
      const algorithm = mine.tokenKey.algorithm || (cert.key === 'p256' ? 'p256' : 'rsa2048');
      signed = await signWithToken(bytes, { keyId: mine.tokenKey.keyId, algorithm }, params);
    } else {
      const encryptedPem = keyFile ? await keyFile.text() : mine.fileKey.encryptedPem;
      const k = await kunci();
      progress('sign.p.unlock');
      key = await k.KeyPair.importEncrypted(encryptedPem, password);
      progress('sign.p.match');
      if (!(await k.certificateMatchesKey(certPem, key))) throw coded('sign.key_mismatch');
      progress(profile === 'B-B' ? 'sign.p.sign.bb' : 'sign.p.sign');
      signed = await signWithFileKey(bytes, key, params);
    }
    const name = signedName(file.name);
    setDownload($('save-pdf'), signed, name, 'application/pdf');
    done = { name, serial: cert.serial, profile, size: signed.length ?? signed.byteLength };
    $('key-password').value = '';
    progress(null);
    renderResult();
    $('result').hidden = false;
    focusHeading('result-h');
  } catch (e) {
    progress(null);
    showError('sign-error', e);
    const missing = missingOf(e);
    if (missing) help.show(missing);
    if (e.code === 'pkcs8.wrong_password') {
      $('lost-hint').hidden = false;
      $('key-password').select();
      $('key-password').focus();
    }
  } finally {
    if (key) key.free().catch(() => {});
    button.disabled = false;
  }
}

function renderDocHint() {
  const file = $('pdf-file').files[0];
  const limit = t('sign.doc.hint', { max: MAX_PDF_TEXT });
  $('pdf-hint').textContent = file
    ? `${limit} ${t('sign.doc.chosen', { name: file.name, size: formatBytes(file.size) })}`
    : limit;
}

function renderResult() {
  if (!done) return;
  $('result-text').textContent = t('sign.result.text', { name: done.name, serial: done.serial, profile: done.profile });
}
