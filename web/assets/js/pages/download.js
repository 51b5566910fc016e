/**
 * "Download Sertifikat Elektronik" (docs/PROCESS.md step 24b) for one certificate (?id=N): the
 * holder says where the key is ("Token USB" needs the kunci extension; "Berkas" = the
 * encrypted key kept in this browser's IndexedDB, preselected by the certificate's
 * request_id, or a backup file picked here), enters the password; the kunci worker decrypts
 * the key, checks that the certificate (GET /api/certificates/{id}) is the key's, packs a
 * .p12 with the chain (GET /api/certificates/{id}/chain) and the page offers "<serial>.pem"
 * and "<serial>.p12". Nothing here is sent to the server.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate } from '../i18n.js';
import { get } from '../api.js';
import { $, h, showError, intParam, focusHeading, setDownload } from '../dom.js';
import { kunci } from '../kunci.js';
import { listKeys } from '../keystore.js';
import { detectToken, importCertificateOnToken, tokenKeyOf } from '../tokenpath.js';

addStrings({
  'title.download': ['Download Sertifikat Elektronik – kunci AMS', 'Download the certificate – kunci AMS'],
  'dl.h1': ['Download Sertifikat Elektronik', 'Download Sertifikat Elektronik (download the certificate)'],
  'dl.intro': ['Sertifikat disatukan dengan kunci privat Anda menjadi berkas .p12 di peramban ini. Kunci dan kata sandinya tidak dikirim ke server.',
               'The certificate is joined with your private key into a .p12 file in this browser. The key and its password are not sent to the server.'],
  'dl.cert': ['Sertifikat', 'Certificate'],
  'dl.f.serial': ['Nomor Seri', 'Serial number'],
  'dl.f.subject': ['Subject DN', 'Subject DN'],
  'dl.f.product': ['Produk', 'Product'],
  'dl.f.validity': ['Masa Berlaku', 'Masa Berlaku (validity)'],
  'dl.f.status': ['Status', 'Status'],
  'dl.key': ['Kunci privat', 'Private key'],
  'dl.where': ['Di mana pasangan kunci Anda disimpan?', 'Where is your key pair kept?'],
  'dl.where.token': ['Token USB', 'Token USB (USB token)'],
  'dl.where.file': ['Berkas', 'Berkas (file)'],
  'dl.ext.checking': ['Memeriksa ekstensi peramban kunci…', 'Looking for the kunci browser extension…'],
  'dl.ext.absent': ['Ekstensi peramban kunci belum terpasang, jadi sertifikat belum dapat ditulis ke token USB dari halaman ini. Untuk kunci di peramban atau berkas cadangan, pilih "Berkas".',
                    'The kunci browser extension is not installed, so the certificate cannot be written to a USB token from this page yet. For a key in the browser or a backup file, choose "Berkas" (file).'],
  'dl.ext.present': ['Ekstensi peramban kunci terpasang: pilih "Token USB" bila kunci Anda ada di token; sertifikat ditulis ke token di samping kuncinya (PIN diminta di jendela ekstensi).',
                     'The kunci browser extension is installed: choose "Token USB" if your key is on a token; the certificate is written onto the token beside its key (the PIN is asked in the extension\'s window).'],
  'dl.p.token': ['Menulis sertifikat ke token USB… masukkan PIN di jendela ekstensi kunci.', 'Writing the certificate onto the USB token… enter the PIN in the kunci extension\'s window.'],
  'dl.token.done': ['Berhasil: sertifikat {serial} ditulis ke token {token} di samping kuncinya (ID kunci {id}). Simpan juga berkas .pem bila perlu; untuk kunci di token tidak ada berkas .p12.',
                    'Success: certificate {serial} was written onto token {token} beside its key (key ID {id}). Save the .pem file too if you need it; a key on a token has no .p12 file.'],
  'dl.stored': ['Kunci tersimpan di peramban ini', 'Key kept in this browser'],
  'dl.stored.none': ['— tidak ada; pakai berkas cadangan —', '— none; use a backup file —'],
  'dl.stored.option': ['Permohonan #{id} — {date} — {subject}', 'Request #{id} — {date} — {subject}'],
  'dl.stored.match': ['Kunci permohonan #{id} (permohonan sertifikat ini) sudah dipilih.', 'The key of request #{id} (this certificate\'s request) is selected.'],
  'dl.stored.nomatch': ['Kunci permohonan sertifikat ini tidak ada di peramban ini. Pilih kunci lain atau berkas cadangan.',
                        'The key of this certificate\'s request is not in this browser. Choose another key or a backup file.'],
  'dl.stored.empty': ['Tidak ada kunci tersimpan di peramban ini. Pilih berkas cadangan kunci Anda.', 'No keys are kept in this browser. Choose your key backup file.'],
  'dl.file': ['Atau pilih berkas cadangan kunci (kunci-key-….pem)', 'Or choose the key backup file (kunci-key-….pem)'],
  'dl.password': ['Kata sandi kunci', 'Key password'],
  'dl.password.hint': ['Kata sandi yang Anda tetapkan saat membangkitkan kunci. Berkas .p12 dilindungi dengan kata sandi yang sama.',
                       'The password you set when the key was generated. The .p12 file is protected with the same password.'],
  'dl.unlock': ['Download', 'Download'],
  'dl.need.key': ['Pilih kunci yang tersimpan atau berkas cadangan kunci.', 'Choose a kept key or a key backup file.'],
  'dl.need.password': ['Masukkan kata sandi kunci.', 'Enter the key password.'],
  'dl.p.read': ['Membaca berkas kunci…', 'Reading the key file…'],
  'dl.p.unlock': ['Membuka kunci dengan kata sandi…', 'Unlocking the key with the password…'],
  'dl.p.fetch': ['Mengambil sertifikat dan rantai CA…', 'Fetching the certificate and the CA chain…'],
  'dl.p.match': ['Memeriksa bahwa sertifikat milik kunci ini…', 'Checking that the certificate belongs to this key…'],
  'dl.p.pack': ['Membuat berkas .p12…', 'Making the .p12 file…'],
  'dl.mismatch': ['Kunci ini bukan kunci sertifikat ini: sertifikat dibuat untuk kunci lain. Pilih kunci dari permohonan sertifikat ini atau berkas cadangannya.',
                  'This key is not the key of this certificate: the certificate was made for another key. Choose the key of this certificate\'s request, or its backup file.'],
  'dl.result.h': ['Sertifikat siap disimpan', 'The certificate is ready to save'],
  'dl.result.text': ['Berhasil: sertifikat {serial} cocok dengan kunci Anda. Simpan berkas .pem (sertifikat) dan .p12 (sertifikat + kunci privat, dilindungi kata sandi Anda).',
                     'Success: certificate {serial} matches your key. Save the .pem file (certificate) and the .p12 file (certificate + private key, protected by your password).'],
  'dl.save.pem': ['Simpan .pem', 'Simpan .pem (save)'],
  'dl.save.p12': ['Simpan .p12', 'Simpan .p12 (save)'],
  'dl.lost': ['Lupa kata sandi atau kunci hilang?', 'Forgot the password, or lost the key?'],
  'dl.lost.wrong': ['Kata sandi tidak dapat dipulihkan oleh siapa pun, termasuk otoritas.', 'Nobody, not even the authority, can recover the password.'],
});

let cert = null;
let keys = [];
let extension = null;
let done = null;

for (const radio of [$('where-token'), $('where-file')]) {
  radio.addEventListener('change', () => {
    $('file-part').hidden = $('where-token').checked;
  });
}

$('download-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('dl-error', null);
  if ($('where-token').checked) {
    await writeToToken();
    return;
  }
  const file = $('key-file').files[0];
  const stored = keys.find((k) => String(k.requestId) === $('stored-key').value);
  const password = $('key-password').value;
  if (!file && !stored) {
    showError('dl-error', t('dl.need.key'));
    $('stored-key').focus();
    return;
  }
  if (!password) {
    showError('dl-error', t('dl.need.password'));
    $('key-password').focus();
    return;
  }
  const button = $('unlock');
  button.disabled = true;
  $('result').hidden = true;
  let key = null;
  try {
    let encryptedPem;
    if (file) {
      progress('dl.p.read');
      encryptedPem = await file.text();
    } else {
      encryptedPem = stored.encryptedPem;
    }
    const k = await kunci();
    progress('dl.p.unlock');
    key = await k.KeyPair.importEncrypted(encryptedPem, password);
    progress('dl.p.fetch');
    const certPem = cert.pem || (await get(`/api/certificates/${cert.id}/pem`, { text: true }));
    const chainText = await get(`/api/certificates/${cert.id}/chain`, { text: true });
    const leaf = squash(pemBlocks(certPem)[0] || certPem);
    const chain = pemBlocks(chainText).filter((b) => squash(b) !== leaf).join('\n');
    progress('dl.p.match');
    if (!(await k.certificateMatchesKey(certPem, key))) {
      progress(null);
      showError('dl-error', t('dl.mismatch'));
      return;
    }
    progress('dl.p.pack');
    const p12 = await k.packPkcs12(key, certPem, password, {
      chain: chain || undefined,
      friendlyName: commonName(cert.subject),
    });
    const base = String(cert.serial).replace(/[^A-Za-z0-9_-]/g, '') || `certificate-${cert.id}`;
    setDownload($('save-pem'), certPem, `${base}.pem`, 'application/x-pem-file');
    setDownload($('save-p12'), p12, `${base}.p12`, 'application/x-pkcs12');
    $('save-p12').hidden = false;
    done = { serial: cert.serial };
    progress(null);
    renderResult();
    $('result').hidden = false;
    focusHeading('result-h');
  } catch (e) {
    progress(null);
    showError('dl-error', e);
    // The way on after a wrong password: the lost-key page, shown beside the error.
    $('dl-lost-hint').hidden = e.code !== 'pkcs8.wrong_password';
    if (e.code === 'pkcs8.wrong_password') {
      $('key-password').select();
      $('key-password').focus();
    }
  } finally {
    if (key) key.free().catch(() => {});
    button.disabled = false;
  }
});

await initLayout({ active: 'certificates' });
const id = intParam('id');
for (const link of [$('lost-key-link'), $('lost-key-link-2')]) {
  if (id) link.href = `/kunci-hilang.html?certificate=${id}`;
}

try {
  if (!id) throw Object.assign(new Error(''), { code: 'store.not_found' });
  cert = await get(`/api/certificates/${id}`);
} catch (e) {
  showError('error', e);
  $('download-form').hidden = true;
}
try {
  keys = await listKeys();
} catch {
  keys = [];
}
renderCert();
fillKeys();
onLangChange(() => {
  renderCert();
  fillKeys();
  renderExtension();
  renderResult();
});
kunci().catch(() => {}); // start the worker while the holder types
extension = await detectToken();
$('where-token').disabled = !extension.present;
if (extension.present && cert && tokenKeyOf(cert.request_id)) {
  $('where-token').checked = true;
  $('file-part').hidden = true;
}
renderExtension();
$('unlock').disabled = !cert; // enabled only once the page is ready (listeners set, certificate known)

/** Step 24b with "Token USB": the certificate (and chain) go onto the token beside the key. */
async function writeToToken() {
  const button = $('unlock');
  button.disabled = true;
  $('result').hidden = true;
  try {
    progress('dl.p.token');
    const certPem = cert.pem || (await get(`/api/certificates/${cert.id}/pem`, { text: true }));
    const chainText = await get(`/api/certificates/${cert.id}/chain`, { text: true });
    const leaf = squash(pemBlocks(certPem)[0] || certPem);
    const chain = pemBlocks(chainText).filter((b) => squash(b) !== leaf).join('\n');
    const written = await importCertificateOnToken(certPem, chain || undefined);
    const base = String(cert.serial).replace(/[^A-Za-z0-9_-]/g, '') || `certificate-${cert.id}`;
    setDownload($('save-pem'), certPem, `${base}.pem`, 'application/x-pem-file');
    $('save-p12').hidden = true;
    const known = tokenKeyOf(cert.request_id);
    done = {
      serial: cert.serial,
      token: (written.token && (written.token.label || written.token.serial))
        || (known && known.token && known.token.label) || '',
      keyId: written.keyId,
    };
    progress(null);
    renderResult();
    $('result').hidden = false;
    focusHeading('result-h');
  } catch (e) {
    progress(null);
    showError('dl-error', e);
  } finally {
    button.disabled = false;
  }
}

function renderCert() {
  if (!cert) {
    $('cert-facts').replaceChildren();
    return;
  }
  const row = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
  $('cert-facts').replaceChildren(
    ...row('dl.f.serial', h('code', {}, cert.serial)),
    ...row('dl.f.subject', h('code', {}, cert.subject)),
    ...row('dl.f.product', cert.product || t('none')),
    ...row('dl.f.validity', `${formatDate(cert.not_before)} – ${formatDate(cert.not_after)}`),
    ...row('dl.f.status', t(`cert.status.${cert.status}`)),
  );
}

function renderExtension() {
  $('dl-extension-status').textContent = !extension
    ? t('dl.ext.checking')
    : t(extension.present ? 'dl.ext.present' : 'dl.ext.absent');
}

function fillKeys() {
  const select = $('stored-key');
  const previous = select.dataset.filled ? select.value : null;
  select.replaceChildren(
    h('option', { value: '' }, t('dl.stored.none')),
    ...keys.map((k) => h('option', { value: String(k.requestId) },
      t('dl.stored.option', { id: k.requestId, date: formatDate(k.createdAt, true), subject: k.subject || '' }))),
  );
  const match = cert && cert.request_id != null ? keys.find((k) => k.requestId === cert.request_id) : null;
  if (previous !== null) select.value = previous;
  else if (match) select.value = String(match.requestId);
  else if (keys.length === 1) select.value = String(keys[0].requestId);
  select.dataset.filled = '1';
  let hint;
  if (!keys.length) hint = t('dl.stored.empty');
  else if (match) hint = t('dl.stored.match', { id: match.requestId });
  else hint = t('dl.stored.nomatch');
  $('stored-hint').textContent = hint;
}

function progress(key) {
  const box = $('dl-progress');
  if (!key) box.replaceChildren();
  else box.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, t(key)));
}

function commonName(subject) {
  const m = /(?:^|,)\s*CN=((?:\\.|[^,\\])*)/i.exec(subject || '');
  return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
}

function pemBlocks(text) {
  return (String(text).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) || []);
}

const squash = (pem) => pem.replace(/\s+/g, '');

function renderResult() {
  if (!done) return;
  $('result-text').textContent = done.keyId !== undefined
    ? t('dl.token.done', { serial: done.serial, token: done.token, id: done.keyId })
    : t('dl.result.text', { serial: done.serial });
}
