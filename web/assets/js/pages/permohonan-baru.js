/**
 * "Permohonan Baru", the new-request wizard (PROCESS.md steps 9-22) on one page, one section
 * at a time with a step indicator; focus moves to each new section's heading:
 *   product  — "Jenis Sertifikat" + product → "Continue" → POST /api/requests (renews from ?renews)
 *   token    — the CSR token, "Copy Token"
 *   kit      — the client kit: "(1) Paste >>", "(2) Lanjutkan >>" (POST /api/csr/check), key
 *              algorithm, where the key lives (USB token needs the extension), password with
 *              the live strength meter, "(3) BANGKITKAN DAN KIRIM CSR": key made in the kunci
 *              worker, exported encrypted, kept in IndexedDB, backup offered, CSR signed and
 *              sent (POST /api/csr), "CSR telah diterima server" → "OK"
 *   check    — "Check" (GET /api/requests/{id}) until "Sudah Upload" → "Continue"
 *   document — "Surat Rekomendasi" PDF (POST /api/requests/{id}/document) → "Continue"
 *   agreement— scroll to the end, tick, "Setuju dan Submit" (POST /api/requests/{id}/submit)
 *   done     — the resulting status, with the way to the download.
 * ?request=N resumes an unfinished enrollment at its step. The private key never leaves the
 * worker unencrypted and is never sent anywhere.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, formatBytes, statusLabel, getLang } from '../i18n.js';
import { get, post, request } from '../api.js';
import { $, h, showError, showStatus, intParam, focusHeading, setDownload } from '../dom.js';
import { kunci } from '../kunci.js';
import { saveKey } from '../keystore.js';
import { detectToken, generateCsrOnToken, rememberTokenKey, TOKEN_ALGORITHMS } from '../tokenpath.js';
import { AGREEMENT } from '../agreement.js';

addStrings({
  'title.new': ['Permohonan Baru – kunci AMS', 'New request – kunci AMS'],
  'new.h1': ['Permohonan Baru', 'Permohonan Baru (new request)'],
  'new.steps': ['Langkah permohonan', 'Request steps'],
  'new.st.product': ['Produk', 'Product'],
  'new.st.token': ['Token CSR', 'CSR token'],
  'new.st.kit': ['Kunci dan CSR', 'Key and CSR'],
  'new.st.check': ['Status', 'Status'],
  'new.st.document': ['Surat Rekomendasi', 'Surat Rekomendasi (letter)'],
  'new.st.agreement': ['Perjanjian', 'Agreement'],
  'new.st.done': ['selesai', 'done'],
  'new.st.current': ['langkah saat ini', 'current step'],
  'new.product.h': ['Pilih produk', 'Choose a product'],
  'new.cert_type': ['Jenis Sertifikat', 'Jenis Sertifikat (certificate type)'],
  'new.product': ['Produk', 'Produk (product)'],
  'new.no_products': ['Belum ada produk yang terdaftar untuk akun Anda. Hubungi otoritas sertifikat.',
                      'No products are registered for your account yet. Contact the certificate authority.'],
  'new.renews': ['Perpanjangan tanpa jeda untuk sertifikat {serial} ({product}), berlaku sampai {date}. Sertifikat lama tetap berlaku sampai yang baru terbit.',
                 'Renewal without a gap of certificate {serial} ({product}), valid until {date}. The old certificate stays valid until the new one is issued.'],
  'new.token.h': ['Token CSR', 'CSR token'],
  'new.token.intro': ['Token ini mengikat CSR Anda ke permohonan ini. Token hanya dapat dipakai satu kali dan hanya sampai waktu di bawah. Salin token, lalu lanjutkan ke client kit.',
                      'This token binds your CSR to this request. It works once, and only until the time below. Copy the token, then go on to the client kit.'],
  'new.token.label': ['Token CSR', 'CSR token'],
  'new.token.copy': ['Copy Token', 'Copy Token'],
  'new.token.expires': ['Permohonan #{id}. Token berlaku sampai {date}.', 'Request #{id}. The token is valid until {date}.'],
  'new.token.copied': ['Token disalin ke papan klip.', 'Token copied to the clipboard.'],
  'new.token.select': ['Papan klip tidak dapat dipakai di sini. Token sudah dipilih: salin dengan Ctrl+C (⌘+C).',
                       'The clipboard cannot be used here. The token is selected: copy it with Ctrl+C (⌘+C).'],
  'new.kit.h': ['Client kit: kunci dan CSR', 'Client kit: key and CSR'],
  'new.kit.intro': ['Bagian ini menggantikan aplikasi LOCK: pasangan kunci dibuat di peramban Anda dan kunci privat tidak pernah dikirim ke server.',
                    'This part replaces the LOCK program: the key pair is made in your browser and the private key is never sent to the server.'],
  'new.kit.resume': ['Tempel token CSR yang Anda salin saat membuat permohonan ini. Jika token hilang atau kedaluwarsa, buat Permohonan Baru.',
                     'Paste the CSR token you copied when you made this request. If the token is lost or has expired, make a new request.'],
  'new.kit.token': ['Tempel token CSR di sini', 'Paste the CSR token here'],
  'new.kit.paste': ['(1) Paste >>', '(1) Paste >>'],
  'new.kit.pasted': ['Token ditempel dari papan klip.', 'Token pasted from the clipboard.'],
  'new.kit.pasted.page': ['Papan klip tidak dapat dibaca; token dari langkah sebelumnya dimasukkan.', 'The clipboard cannot be read; the token from the previous step was filled in.'],
  'new.kit.paste.manual': ['Papan klip tidak dapat dibaca. Tempel token ke kolom dengan Ctrl+V (⌘+V).', 'The clipboard cannot be read. Paste the token into the field with Ctrl+V (⌘+V).'],
  'new.kit.check': ['(2) Lanjutkan >>', '(2) Lanjutkan >>'],
  'new.kit.token.missing': ['Masukkan token CSR terlebih dahulu.', 'Enter the CSR token first.'],
  'new.kit.holder': ['Data untuk sertifikat', 'Data for the certificate'],
  'new.kit.f.request': ['Permohonan', 'Request'],
  'new.kit.f.product': ['Produk', 'Product'],
  'new.kit.f.subject': ['Subjek (Subject DN)', 'Subject DN'],
  'new.kit.f.email': ['E-mail', 'E-mail'],
  'new.kit.alg': ['Algoritme kunci', 'Key algorithm'],
  'new.kit.where': ['Simpan pasangan kunci pada token USB?', 'Keep the key pair on a USB token?'],
  'new.kit.where.token': ['Ya — pada token USB (perangkat keras)', 'Ya (yes) — on a USB token (hardware)'],
  'new.kit.where.file': ['Tidak — di peramban (berkas terenkripsi)', 'Tidak (no) — in the browser (encrypted file)'],
  'new.kit.ext.checking': ['Memeriksa ekstensi peramban kunci…', 'Looking for the kunci browser extension…'],
  'new.kit.ext.absent': ['Ekstensi peramban kunci belum terpasang, jadi pilihan token USB belum tersedia. Pilih "Tidak": kunci disimpan terenkripsi di peramban ini.',
                         'The kunci browser extension is not installed, so the USB token choice is not available yet. Choose "Tidak" (no): the key is kept encrypted in this browser.'],
  'new.kit.ext.present': ['Ekstensi peramban kunci terpasang: pilih "Ya" untuk membangkitkan kunci di token USB. PIN token diminta di jendela ekstensi, tidak pernah di halaman ini.',
                          'The kunci browser extension is installed: choose "Ya" (yes) to generate the key on your USB token. The token PIN is asked in the extension\'s window, never on this page.'],
  'new.kit.password': ['Kata sandi kunci', 'Key password'],
  'new.kit.password2': ['Ulangi kata sandi', 'Repeat the password'],
  'new.kit.strength': ['Kekuatan kata sandi', 'Password strength'],
  'new.kit.strength.ok': ['{p} % — cukup kuat, diterima', '{p} % — strong enough, accepted'],
  'new.kit.strength.bad': ['{p} % — terlalu lemah (harus lebih dari 50 %)', '{p} % — too weak (must be over 50 %)'],
  'new.kit.strength.wait': ['Menilai kata sandi…', 'Judging the password…'],
  'new.kit.strength.about': ['Persentase menunjukkan berapa lama penyerang yang mencoba tebakan secara otomatis memerlukan waktu untuk menemukan kata sandi ini: 50 % berarti kira-kira 10^10 tebakan, 100 % berarti 10^20 atau lebih. Nama, e-mail, NIK, instansi Anda dan kata umum bahasa Indonesia mudah ditebak.',
                             'The percentage shows how long an attacker guessing automatically would need to find this password: 50 % means about 10^10 guesses, 100 % means 10^20 or more. Your name, e-mail, NIK, organisation and common Indonesian words are easy to guess.'],
  'new.kit.why.token': ['Siap: kunci dibangkitkan di token USB dan CSR ditandatangani di sana. Masukkan PIN token di jendela ekstensi kunci.', 'Ready: the key is generated on the USB token and the CSR signed there. Enter the token PIN in the kunci extension\'s window.'],
  'new.kit.p.token': ['Membangkitkan kunci di token USB… masukkan PIN di jendela ekstensi kunci.', 'Generating the key on the USB token… enter the PIN in the kunci extension\'s window.'],
  'new.kit.token.done': ['Kunci dibuat di token {token} (ID kunci {id}); kunci privat tidak pernah meninggalkan token.', 'The key was made on token {token} (key ID {id}); the private key never leaves the token.'],
  'new.kit.why.empty': ['Tombol aktif setelah Anda mengisi kata sandi yang lebih dari 50 % dan mengulanginya dengan sama.',
                        'The button becomes active once you enter a password over 50 % and repeat it exactly.'],
  'new.kit.why.weak': ['Kata sandi belum diterima: kekuatannya {p} %, harus lebih dari 50 %.', 'The password is not accepted yet: its strength is {p} %, it must be over 50 %.'],
  'new.kit.why.mismatch': ['Kedua kata sandi belum sama.', 'The two passwords do not match yet.'],
  'new.kit.why.ready': ['Siap: kunci akan dibangkitkan di peramban, dienkripsi dengan kata sandi ini, lalu CSR dikirim. Ini hanya dapat dilakukan satu kali per token.',
                        'Ready: the key will be generated in the browser, encrypted with this password, then the CSR is sent. This can be done only once per token.'],
  'new.kit.why.sent': ['CSR sudah dikirim untuk token ini (hanya satu kali per token).', 'The CSR was already sent for this token (once per token only).'],
  'new.kit.generate': ['(3) BANGKITKAN DAN KIRIM CSR', '(3) BANGKITKAN DAN KIRIM CSR'],
  'new.kit.p.generate': ['Membangkitkan pasangan kunci {alg} di peramban… (dapat memerlukan beberapa detik)', 'Generating the {alg} key pair in the browser… (this can take a few seconds)'],
  'new.kit.p.encrypt': ['Mengenkripsi kunci privat dengan kata sandi Anda…', 'Encrypting the private key with your password…'],
  'new.kit.p.store': ['Menyimpan kunci terenkripsi di peramban ini…', 'Keeping the encrypted key in this browser…'],
  'new.kit.p.csr': ['Membuat dan menandatangani CSR…', 'Making and signing the CSR…'],
  'new.kit.p.send': ['Mengirim CSR ke server…', 'Sending the CSR to the server…'],
  'new.kit.p.done': ['Selesai.', 'Done.'],
  'new.kit.idb.failed': ['Kunci tidak dapat disimpan di peramban ini. Simpan berkas cadangan kunci sekarang: itu satu-satunya salinan kunci Anda.',
                         'The key could not be kept in this browser. Save the key backup file now: it is the only copy of your key.'],
  'new.kit.backup.text': ['Kunci privat Anda sudah dienkripsi dengan kata sandi dan disimpan di peramban ini. Simpan juga berkas cadangannya: tanpa kunci ini sertifikat baru tidak dapat dipakai.',
                          'Your private key is encrypted with your password and kept in this browser. Save its backup file too: without this key the new certificate cannot be used.'],
  'new.kit.backup.button': ['Simpan cadangan kunci', 'Save key backup'],
  'new.kit.sent': ['CSR telah diterima server', 'CSR telah diterima server (the server accepted the CSR)'],
  'new.kit.sent.detail': ['Permohonan #{id} sekarang berstatus "{status}". Tekan OK, lalu "Check".', 'Request #{id} now has the status "{status}". Press OK, then "Check".'],
  'new.check.h': ['Status permohonan', 'Request status'],
  'new.check.intro': ['Tekan "Check" untuk membaca status permohonan. Setelah CSR diterima, statusnya "Sudah Upload".',
                      'Press "Check" to read the request\'s status. Once the CSR is accepted, it is "Sudah Upload" (uploaded).'],
  'new.check.result': ['Permohonan #{id}: {status}', 'Request #{id}: {status}'],
  'new.check.waiting': ['CSR belum diterima untuk permohonan ini.', 'No CSR has been accepted for this request yet.'],
  'new.doc.h': ['Surat Rekomendasi', 'Surat Rekomendasi (recommendation letter)'],
  'new.doc.intro': ['Unggah dokumen pendukung: surat rekomendasi dari instansi Anda, sebagai PDF.', 'Upload the supporting document: the recommendation letter from your agency, as a PDF.'],
  'new.doc.label': ['Surat Rekomendasi (PDF)', 'Surat Rekomendasi (PDF)'],
  'new.doc.hint': ['Hanya PDF, paling besar 5 MiB. Berkas diunggah segera setelah dipilih.', 'PDF only, at most 5 MiB. The file is uploaded as soon as you choose it.'],
  'new.doc.uploading': ['Mengunggah {name}…', 'Uploading {name}…'],
  'new.doc.uploaded': ['Dokumen terunggah.', 'Document uploaded.'],
  'new.doc.name': ['Nama berkas', 'File name'],
  'new.doc.size': ['Ukuran', 'Size'],
  'new.doc.sha': ['SHA-256', 'SHA-256'],
  'new.agr.h': ['PERJANJIAN PEMILIK SERTIFIKAT ELEKTRONIK', 'PERJANJIAN PEMILIK SERTIFIKAT ELEKTRONIK (electronic certificate holder agreement)'],
  'new.agr.hint': ['Baca perjanjian sampai akhir. Kotak persetujuan aktif setelah Anda menggulir sampai bagian akhir teks (dengan tetikus, atau dengan Tab ke kotak teks lalu tombol panah/Page Down).',
                   'Read the agreement to its end. The agreement box becomes active once you scroll to the end of the text (with the mouse, or Tab into the text box and use the arrow or Page Down keys).'],
  'new.agr.region': ['Teks perjanjian', 'Agreement text'],
  'new.agr.agree': ['Saya telah membaca dan menyetujui perjanjian', 'Saya telah membaca dan menyetujui perjanjian (I have read and accept the agreement)'],
  'new.agr.scroll': ['Gulir teks perjanjian sampai akhir untuk mengaktifkan kotak persetujuan.', 'Scroll the agreement text to its end to activate the agreement box.'],
  'new.agr.read': ['Anda sudah sampai di akhir perjanjian; kotak persetujuan sekarang aktif.', 'You reached the end of the agreement; the agreement box is now active.'],
  'new.agr.submit': ['Setuju dan Submit', 'Setuju dan Submit'],
  'new.done.h': ['Permohonan dikirim', 'Request sent'],
  'new.done.submitted': ['Status: Submitted. Permohonan #{id} menunggu persetujuan otoritas; Anda akan menerima pesan di Kotak Masuk saat sertifikat terbit.',
                         'Status: Submitted. Request #{id} is waiting for the authority\'s approval; you will get a message in your inbox when the certificate is issued.'],
  'new.done.success': ['Status: Success. Sertifikat untuk permohonan #{id} sudah terbit. Unduh sekarang bersama kunci Anda sebagai .p12.',
                       'Status: Success. The certificate for request #{id} is issued. Download it now with your key as a .p12.'],
  'new.done.rejected': ['Status: Rejected. Permohonan #{id} ditolak. {reason}', 'Status: Rejected. Request #{id} was rejected. {reason}'],
  'new.done.download': ['Download Sertifikat Elektronik', 'Download Sertifikat Elektronik (download the certificate)'],
  'new.done.certs': ['Sertifikat Anda', 'Your certificates'],
  'new.not_enrollment': ['Permohonan ini bukan permohonan penerbitan.', 'This request is not an enrollment.'],
  'new.token_expired': ['Token CSR permohonan ini sudah kedaluwarsa. Buat Permohonan Baru.', 'This request\'s CSR token has expired. Make a new request.'],
});

const STEPS = ['product', 'token', 'kit', 'check', 'document', 'agreement'];
const ALG_LABEL = { rsa2048: 'RSA 2048', rsa3072: 'RSA 3072', rsa4096: 'RSA 4096', p256: 'ECDSA P-256' };

const me = await initLayout({ active: 'new' });

const state = {
  step: null,
  products: [],
  identity: null,
  renews: intParam('renews'),
  renewsCert: null,
  request: null, // the Request being filled
  token: null, // from POST /api/requests (this page session only)
  tokenExpiresAt: null,
  check: null, // POST /api/csr/check answer
  strength: null, // {password, result}
  strengthSeq: 0,
  extension: null,
  busy: false,
  sent: false,
  csrPem: null,
  readToEnd: false,
  copyMessage: '',
  pasteMessage: '',
};

get('/api/identity').then((id) => { state.identity = id; }).catch(() => {});

await start();
onLangChange(() => {
  renderSteps();
  renderRenews();
  renderToken();
  renderHolder();
  renderAgreement();
  renderDone();
  renderCheck();
  renderDocument();
  if (state.check) $('extension-status').textContent = extensionText();
  if ($('key-password').value) judge();
  else updateGenerate();
});

// ---- start and resume -----------------------------------------------------------------

async function start() {
  const resume = intParam('request');
  try {
    if (resume) {
      const r = await get(`/api/requests/${resume}`);
      state.request = r;
      $('loading').textContent = '';
      resumeAt(r);
      return;
    }
    const { products } = await get('/api/products');
    state.products = products || [];
    if (state.renews) {
      try {
        state.renewsCert = await get(`/api/certificates/${state.renews}`);
      } catch (e) {
        showError('error', e);
      }
    }
    $('loading').textContent = '';
    fillProducts();
    show('product', false);
  } catch (e) {
    $('loading').textContent = '';
    showError('error', e);
  }
}

function resumeAt(r) {
  if (r.kind !== 'enrollment') {
    showError('error', t('new.not_enrollment'));
    return;
  }
  if (r.status === 'pending' && !r.csr_uploaded) {
    $('kit-token').setAttribute('aria-describedby', 'paste-status');
    state.pasteMessage = 'new.kit.resume';
    if (r.token_expires_at && r.token_expires_at < Date.now() / 1000) showError('error', t('new.token_expired'));
    show('kit', false);
    renderPaste();
  } else if (r.status === 'uploaded' || (r.status === 'pending' && r.csr_uploaded)) {
    show(r.document ? 'agreement' : 'document', false);
  } else {
    show('done', false);
  }
}

// ---- sections and the step indicator ---------------------------------------------------

function show(step, focus = true) {
  state.step = step;
  for (const s of [...STEPS, 'done']) $(`step-${s}`).hidden = s !== step;
  renderSteps();
  if (step === 'document') renderDocument();
  if (step === 'agreement') renderAgreement();
  if (step === 'done') renderDone();
  if (focus) focusHeading(`h-${step}`);
}

function renderSteps() {
  const at = state.step === 'done' ? STEPS.length : STEPS.indexOf(state.step);
  STEPS.forEach((s, i) => {
    const li = $(`st-${s}`);
    li.replaceChildren(t(`new.st.${s}`));
    li.classList.toggle('done', i < at);
    if (i === at) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
    if (i < at) li.append(h('span', { class: 'visually-hidden' }, ` (${t('new.st.done')})`));
  });
}

// ---- a. product ------------------------------------------------------------------------

function fillProducts() {
  const types = [...new Set(state.products.map((p) => p.cert_type))];
  $('no-products').hidden = types.length > 0;
  $('product-continue').disabled = types.length === 0;
  let preferred = null;
  if (state.renewsCert) preferred = state.products.find((p) => p.name === state.renewsCert.product) || null;
  $('cert-type').replaceChildren(...types.map((ty) => h('option', { value: ty }, ty)));
  if (preferred) $('cert-type').value = preferred.cert_type;
  fillProductSelect(preferred && preferred.id);
  renderRenews();
}

function fillProductSelect(selectId) {
  const type = $('cert-type').value;
  const list = state.products.filter((p) => p.cert_type === type);
  $('product').replaceChildren(...list.map((p) => h('option', { value: p.id }, p.name)));
  if (selectId) $('product').value = String(selectId);
}

function renderRenews() {
  const c = state.renewsCert;
  $('renews-note').hidden = !c;
  if (c) $('renews-note').textContent = t('new.renews', { serial: c.serial, product: c.product || '', date: formatDate(c.not_after) });
}

$('cert-type').addEventListener('change', () => fillProductSelect());

$('product-continue').addEventListener('click', async () => {
  showError('error', null);
  const productId = Number($('product').value);
  if (!productId) return;
  const button = $('product-continue');
  button.disabled = true;
  try {
    const body = { product_id: productId };
    if (state.renews) body.renews = state.renews;
    const res = await post('/api/requests', body);
    state.request = res.request;
    state.token = res.csr_token;
    state.tokenExpiresAt = res.token_expires_at;
    history.replaceState(null, '', `/permohonan-baru.html?request=${res.request.id}`);
    renderToken();
    show('token');
  } catch (e) {
    showError('error', e);
  } finally {
    button.disabled = false;
  }
});

// ---- b. token --------------------------------------------------------------------------

function renderToken() {
  if (!state.token) return;
  $('csr-token').value = state.token;
  $('token-expiry').textContent = t('new.token.expires', { id: state.request.id, date: formatDate(state.tokenExpiresAt, true) });
  showStatus('copy-status', state.copyMessage ? t(state.copyMessage) : '');
}

$('copy-token').addEventListener('click', async () => {
  const field = $('csr-token');
  try {
    await navigator.clipboard.writeText(field.value);
    state.copyMessage = 'new.token.copied';
  } catch {
    field.focus();
    field.select();
    state.copyMessage = 'new.token.select';
  }
  showStatus('copy-status', t(state.copyMessage), state.copyMessage === 'new.token.copied');
});

$('token-continue').addEventListener('click', () => show('kit'));

// ---- c. client kit ---------------------------------------------------------------------

function renderPaste() {
  showStatus('paste-status', state.pasteMessage ? t(state.pasteMessage) : '');
}

$('paste-token').addEventListener('click', async () => {
  let text = '';
  try {
    text = (await navigator.clipboard.readText()).trim();
  } catch {
    text = '';
  }
  if (text) {
    $('kit-token').value = text;
    state.pasteMessage = 'new.kit.pasted';
  } else if (state.token) {
    $('kit-token').value = state.token;
    state.pasteMessage = 'new.kit.pasted.page';
  } else {
    state.pasteMessage = 'new.kit.paste.manual';
    $('kit-token').focus();
  }
  renderPaste();
});

$('kit-check').addEventListener('click', async () => {
  showError('error', null);
  const token = $('kit-token').value.trim();
  if (!token) {
    showError('error', t('new.kit.token.missing'));
    $('kit-token').focus();
    return;
  }
  const button = $('kit-check');
  button.disabled = true;
  try {
    state.check = await post('/api/csr/check', { token });
    state.token = token;
    state.sent = false;
    state.csrPem = null;
    if (!state.request || state.request.id !== state.check.request_id) {
      state.request = await get(`/api/requests/${state.check.request_id}`);
    }
    renderHolder();
    fillAlgorithms();
    $('kit-details').hidden = false;
    $('backup-part').hidden = true;
    $('csr-sent').hidden = true;
    focusHeading('h-holder');
    $('extension-status').textContent = t('new.kit.ext.checking');
    state.extension = await detectToken();
    $('store-token').disabled = !state.extension.present;
    if (!state.extension.present) $('store-file').checked = true;
    $('extension-status').textContent = extensionText();
    updateGenerate();
    kunci().then((k) => k.warmUpStrength()).catch(() => {});
  } catch (e) {
    showError('error', e);
  } finally {
    button.disabled = false;
  }
});

function extensionText() {
  if (!state.extension) return t('new.kit.ext.checking');
  return t(state.extension.present ? 'new.kit.ext.present' : 'new.kit.ext.absent');
}

function renderHolder() {
  const c = state.check;
  if (!c) return;
  const row = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
  $('holder-data').replaceChildren(
    ...row('new.kit.f.request', `#${c.request_id}`),
    ...row('new.kit.f.product', c.product || t('none')),
    ...row('new.kit.f.subject', h('code', {}, c.subject)),
    ...row('new.kit.f.email', c.email || t('none')),
  );
}

function fillAlgorithms() {
  const allowed = (state.check.allowed_keys && state.check.allowed_keys.length) ? state.check.allowed_keys : ['rsa2048'];
  $('key-alg').replaceChildren(...allowed.map((a) => h('option', { value: a }, ALG_LABEL[a] || a)));
  $('key-alg').value = allowed.includes('rsa2048') ? 'rsa2048' : allowed[0];
}

for (const radio of [$('store-token'), $('store-file')]) {
  radio.addEventListener('change', () => {
    const onToken = $('store-token').checked;
    // The token's PIN guards its key: no password here, and only what kunci-host generates.
    $('password-part').hidden = onToken;
    for (const option of $('key-alg').options) option.disabled = onToken && !TOKEN_ALGORITHMS.includes(option.value);
    if (onToken && !TOKEN_ALGORITHMS.includes($('key-alg').value)) {
      const first = [...$('key-alg').options].find((o) => !o.disabled);
      if (first) $('key-alg').value = first.value;
    }
    updateGenerate();
  });
}

let judgeTimer = null;
$('key-password').addEventListener('input', () => {
  clearTimeout(judgeTimer);
  judgeTimer = setTimeout(judge, 120);
  updateGenerate();
});
$('key-password2').addEventListener('input', updateGenerate);

async function judge() {
  const pw = $('key-password').value;
  const seq = ++state.strengthSeq;
  if (!pw) {
    state.strength = null;
    renderStrength();
    updateGenerate();
    return;
  }
  $('strength-summary').textContent = t('new.kit.strength.wait');
  const id = state.identity || {};
  const inputs = {
    name: id.common_name || me.name || undefined,
    email: id.email || (state.check && state.check.email) || me.email || undefined,
    organization: id.organization || undefined,
    nik: id.nik || undefined,
  };
  try {
    const result = await (await kunci()).passwordStrength(pw, inputs, getLang());
    if (seq !== state.strengthSeq) return; // a newer keystroke is being judged
    state.strength = { password: pw, result };
  } catch (e) {
    if (seq !== state.strengthSeq) return;
    state.strength = null;
    showError('kit-error', e);
  }
  renderStrength();
  updateGenerate();
}

function renderStrength() {
  const s = state.strength && state.strength.result;
  const meter = $('strength-meter');
  const summary = $('strength-summary');
  if (!s) {
    meter.value = 0;
    meter.textContent = '0 %';
    summary.textContent = '';
    summary.className = 'strength-text';
    $('strength-warning').textContent = '';
    $('strength-suggestions').replaceChildren();
    $('strength-explain').textContent = t('new.kit.strength.about');
    return;
  }
  const p = Math.round(s.percent);
  meter.value = s.percent;
  meter.textContent = `${p} %`;
  summary.textContent = t(s.accepted ? 'new.kit.strength.ok' : 'new.kit.strength.bad', { p });
  summary.className = `strength-text ${s.accepted ? 'ok' : 'bad'}`;
  $('strength-warning').textContent = s.warning ? s.warning.text : '';
  $('strength-suggestions').replaceChildren(...(s.suggestions || []).map((x) => h('li', {}, x.text)));
  $('strength-explain').textContent = `${s.explanation || ''} ${t('new.kit.strength.about')}`.trim();
}

function updateGenerate() {
  const pw = $('key-password').value;
  const pw2 = $('key-password2').value;
  const s = state.strength && state.strength.password === pw ? state.strength.result : null;
  let why;
  let ok = false;
  if (state.sent) why = t('new.kit.why.sent');
  else if ($('store-token').checked) {
    why = t('new.kit.why.token');
    ok = true;
  } else if (!pw) why = t('new.kit.why.empty');
  else if (!s) why = t('new.kit.strength.wait');
  else if (!s.accepted) why = t('new.kit.why.weak', { p: Math.round(s.percent) });
  else if (pw !== pw2) why = t('new.kit.why.mismatch');
  else {
    why = t('new.kit.why.ready');
    ok = true;
  }
  $('generate-why').textContent = why;
  $('generate').disabled = !ok || state.busy;
  if (!$('strength-explain').textContent) $('strength-explain').textContent = t('new.kit.strength.about');
}

function progress(key, params) {
  const box = $('gen-progress');
  if (!key) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, t(key, params)));
}

function setKitInputsDisabled(disabled) {
  for (const id of ['kit-token', 'paste-token', 'kit-check', 'key-alg', 'store-file', 'key-password', 'key-password2']) $(id).disabled = disabled;
  if (!disabled) $('store-token').disabled = !(state.extension && state.extension.present);
  else $('store-token').disabled = true;
}

$('generate').addEventListener('click', async () => {
  if (state.busy || state.sent) return;
  const password = $('key-password').value;
  const check = state.check;
  const requestId = check.request_id;
  const alg = $('key-alg').value;
  showError('kit-error', null);
  state.busy = true;
  updateGenerate();
  setKitInputsDisabled(true);
  let key = null;
  try {
    if (!state.csrPem && $('store-token').checked) {
      progress('new.kit.p.token');
      const made = await generateCsrOnToken({
        algorithm: alg,
        subject: check.subject,
        email: check.email || undefined,
        challengePassword: state.token,
        label: `kunci-${requestId}`,
      });
      rememberTokenKey(requestId, {
        keyId: made.keyId,
        token: made.token ? { serial: made.token.serial, label: made.token.label } : null,
        publicKeySha256: made.publicKeySha256,
      });
      $('gen-progress').textContent = t('new.kit.token.done', {
        token: (made.token && (made.token.label || made.token.serial)) || '',
        id: made.keyId,
      });
      state.csrPem = made.csrPem;
    }
    const k = state.csrPem ? null : await kunci();
    if (!state.csrPem) {
      progress('new.kit.p.generate', { alg: ALG_LABEL[alg] || alg });
      key = await k.KeyPair.generate(alg);
      progress('new.kit.p.encrypt');
      const encryptedPem = await key.exportEncrypted(password);
      progress('new.kit.p.store');
      setDownload($('backup-link'), encryptedPem, `kunci-key-${requestId}.pem`, 'application/x-pem-file');
      $('backup-part').hidden = false;
      try {
        await saveKey({
          requestId,
          publicKeySha256: key.publicKeySha256,
          encryptedPem,
          createdAt: Math.floor(Date.now() / 1000),
          subject: check.subject,
        });
      } catch {
        showError('kit-error', t('new.kit.idb.failed'));
      }
      progress('new.kit.p.csr');
      const csr = await k.createCsr(key, { subject: check.subject, email: check.email || undefined, token: state.token });
      state.csrPem = csr.pem;
    }
    progress('new.kit.p.send');
    const r = await post('/api/csr', { token: state.token, csr: state.csrPem });
    state.request = r;
    state.sent = true;
    progress(null);
    $('gen-progress').textContent = t('new.kit.p.done');
    $('csr-sent-detail').textContent = t('new.kit.sent.detail', { id: r.id, status: statusLabel(r) });
    $('csr-sent').hidden = false;
    $('csr-ok').focus();
  } catch (e) {
    progress(null);
    if (e.code === 'token.used') state.sent = true;
    showError('kit-error', e);
  } finally {
    if (key) key.free().catch(() => {});
    state.busy = false;
    setKitInputsDisabled(false);
    updateGenerate();
  }
});

$('csr-ok').addEventListener('click', () => {
  state.checkResult = null;
  renderCheck();
  show('check');
});

// ---- d. check --------------------------------------------------------------------------

function renderCheck() {
  const r = state.checkResult;
  if (!r) {
    showStatus('check-result', '');
    $('check-continue').hidden = true;
    return;
  }
  let text = t('new.check.result', { id: r.id, status: statusLabel(r) });
  if (r.status === 'pending') text += ` ${t('new.check.waiting')}`;
  showStatus('check-result', text, r.status === 'uploaded');
  $('check-continue').hidden = r.status !== 'uploaded';
}

$('check-status').addEventListener('click', async () => {
  showError('error', null);
  try {
    const r = await get(`/api/requests/${state.request.id}`);
    state.request = r;
    state.checkResult = r;
    renderCheck();
    if (['submitted', 'success', 'rejected'].includes(r.status)) show('done');
  } catch (e) {
    showError('error', e);
  }
});

$('check-continue').addEventListener('click', () => show(state.request.document ? 'agreement' : 'document'));

// ---- e. document -----------------------------------------------------------------------

function renderDocument() {
  const d = state.request && state.request.document;
  $('document-info').hidden = !d;
  $('document-continue').disabled = !d;
  if (d) {
    const row = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
    $('document-info').replaceChildren(
      ...row('new.doc.name', d.name),
      ...row('new.doc.size', formatBytes(d.size)),
      ...row('new.doc.sha', h('code', {}, d.sha256 || t('none'))),
    );
  }
}

/** Header values must be ISO-8859-1: other names go percent-encoded. */
function headerSafe(name) {
  return /^[\x20-\x7e]*$/.test(name) ? name : encodeURIComponent(name);
}

$('document').addEventListener('change', async () => {
  const file = $('document').files[0];
  showError('upload-error', null);
  if (!file) return;
  showStatus('upload-status', t('new.doc.uploading', { name: file.name }));
  $('document-continue').disabled = true;
  try {
    const r = await request('POST', `/api/requests/${state.request.id}/document`, {
      body: file,
      headers: { 'Content-Type': 'application/pdf', 'X-File-Name': headerSafe(file.name) },
    });
    state.request = r;
    showStatus('upload-status', t('new.doc.uploaded'), true);
  } catch (e) {
    showStatus('upload-status', '');
    showError('upload-error', e);
    $('document').value = '';
  }
  renderDocument();
});

$('document-continue').addEventListener('click', () => show('agreement'));

// ---- f. agreement ----------------------------------------------------------------------

function renderAgreement() {
  const a = AGREEMENT[getLang()] || AGREEMENT.id;
  const box = $('agreement-text');
  const top = box.scrollTop;
  box.replaceChildren(
    h('p', {}, a.intro),
    h('ol', {}, ...a.clauses.map(([title, text]) => h('li', {}, h('strong', {}, `${title}. `), text))),
    h('p', { id: 'agreement-end' }, h('strong', {}, a.end)),
  );
  box.scrollTop = top;
  updateAgreement();
}

function atEnd(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= 4;
}

function updateAgreement() {
  if (state.step !== 'agreement') return;
  const box = $('agreement-text');
  if (!state.readToEnd && box.clientHeight > 0 && atEnd(box)) state.readToEnd = true;
  $('agree').disabled = !state.readToEnd;
  $('agree-status').textContent = t(state.readToEnd ? 'new.agr.read' : 'new.agr.scroll');
  $('submit').disabled = !(state.readToEnd && $('agree').checked);
}

$('agreement-text').addEventListener('scroll', () => {
  if (!state.readToEnd) updateAgreement();
}, { passive: true });
window.addEventListener('resize', () => {
  if (!state.readToEnd) updateAgreement();
});
$('agree').addEventListener('change', updateAgreement);

$('submit').addEventListener('click', async () => {
  showError('error', null);
  const button = $('submit');
  button.disabled = true;
  try {
    state.request = await post(`/api/requests/${state.request.id}/submit`, { agree: true });
    show('done');
  } catch (e) {
    showError('error', e);
    updateAgreement();
  }
});

// ---- g. done ---------------------------------------------------------------------------

function renderDone() {
  const r = state.request;
  if (state.step !== 'done' || !r) return;
  let text;
  if (r.status === 'success') text = t('new.done.success', { id: r.id });
  else if (r.status === 'rejected') text = t('new.done.rejected', { id: r.id, reason: r.reject_reason ? t('reject.reason', { r: r.reject_reason }) : '' });
  else text = t('new.done.submitted', { id: r.id });
  $('done-status').textContent = text;
  $('done-status').className = `notice ${r.status === 'rejected' ? 'warn' : 'ok'}`;
  const link = $('done-download');
  link.hidden = false;
  if (r.certificate_id) {
    link.href = `/download.html?id=${r.certificate_id}`;
    link.textContent = t('new.done.download');
  } else {
    link.href = '/certificates.html';
    link.textContent = t('new.done.certs');
  }
}
