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
 * The core puts an invisible signature field (no visible stamp yet): the page says so.
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
  MAX_PDF_TEXT, certificateKeySha256, coded, pemBlocks, readPdf, signWithFileKey, signWithToken, signedName,
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
  'sign.submit': ['Tanda Tangani', 'Tanda Tangani (sign)'],
  'sign.p.read': ['Membaca dokumen…', 'Reading the document…'],
  'sign.p.unlock': ['Membuka kunci dengan kata sandi…', 'Unlocking the key with the password…'],
  'sign.p.match': ['Memeriksa bahwa sertifikat milik kunci ini…', 'Checking that the certificate belongs to this key…'],
  'sign.p.fetch': ['Mengambil rantai sertifikat…', 'Fetching the certificate chain…'],
  'sign.p.sign': ['Menandatangani dokumen dan meminta stempel waktu…', 'Signing the document and asking for the timestamp…'],
  'sign.p.sign.bb': ['Menandatangani dokumen…', 'Signing the document…'],
  'sign.p.token': ['Menandatangani dengan token USB… periksa nama dokumen dan masukkan PIN di jendela ekstensi kunci.', 'Signing with the USB token… check the document\'s name and enter the PIN in the kunci extension\'s window.'],
  'sign.need.pdf': ['Pilih dokumen PDF yang akan ditandatangani.', 'Choose the PDF document to sign.'],
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

renderDocHint();
$('pdf-file').addEventListener('change', renderDocHint);
for (const radio of [$('where-browser'), $('where-token')]) radio.addEventListener('change', renderKeyPart);
$('cert-select').addEventListener('change', () => { preselectWhere(); renderKeyPart(); renderCertHint(); });
$('sign-form').addEventListener('submit', onSubmit);

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
kunci().catch(() => {}); // start the worker while the holder chooses
extension = await detectToken();
if (!extension.present) help.show(missingOf({ code: 'extension.absent' }));
preselectWhere();
renderKeyPart();
$('sign').disabled = certs.length === 0;
onLangChange(() => {
  renderDocHint();
  fillCerts();
  renderKeyPart();
  renderResult();
});

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
    const params = {
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
