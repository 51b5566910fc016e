/**
 * "Kunci hilang atau lupa kata sandi" (issue 12, point 5), reached from the download page and
 * from each certificate's page (?certificate=ID). Says plainly that nobody, not even the
 * authority, can recover a private key or its password (the key was made in the browser and
 * never sent); asks whether someone else may have the key: yes (or unsure) → the certificate
 * is revoked at once with keyCompromise; only lost or forgotten → it stays good until the
 * replacement is issued, then is revoked as superseded. Either answer starts the replacement
 * request of the same product in the same call (POST /api/certificates/{id}/lost-key, which
 * records the answer in the audit log), then leads to the new request's key step
 * (permohonan-baru.html?request=N). The new CSR token goes there through sessionStorage
 * (this tab only; the wizard reads it once and removes it), never in the URL.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate } from '../i18n.js';
import { get, post } from '../api.js';
import { $, h, showError, showStatus, intParam, focusHeading } from '../dom.js';
import { handOffToken } from '../tokenhandoff.js';

addStrings({
  'title.lost': ['Kunci hilang atau lupa kata sandi – kunci AMS', 'Lost key or forgotten password – kunci AMS'],
  'lost.h1': ['Kunci hilang atau lupa kata sandi', 'Lost key or forgotten password'],
  'lost.nobody': ['Tidak ada yang dapat memulihkan kunci privat Anda atau kata sandinya: tidak operator, tidak juga otoritas sertifikat. Kunci dibuat di peramban Anda dan tidak pernah dikirim ke server, jadi tidak ada salinannya di sini.',
                  'Nobody can recover your private key or its password: not the operator, not even the certificate authority. The key was made in your browser and never sent to the server, so there is no copy of it here.'],
  'lost.try': ['Sebelum melanjutkan, coba dulu berkas cadangan kunci yang Anda simpan (kunci-key-….pem) dan kata sandi lain yang mungkin Anda pakai. Jika tetap tidak bisa, sertifikat diganti dengan kunci baru.',
               'Before going on, try the key backup file you saved (kunci-key-….pem) and other passwords you may have used. If that still fails, the certificate is replaced with a new key.'],
  'lost.form.h': ['Ganti sertifikat', 'Replace the certificate'],
  'lost.cert': ['Sertifikat yang kuncinya hilang', 'The certificate whose key is lost'],
  'lost.cert.option': ['{serial} — {product} — berlaku sampai {date}', '{serial} — {product} — valid until {date}'],
  'lost.none': ['Anda tidak memiliki sertifikat yang masih berlaku. Ajukan Permohonan Baru untuk sertifikat dengan kunci baru.',
                'You have no certificate that is still valid. Make a new request for a certificate with a new key.'],
  'lost.question': ['Mungkinkah orang lain memiliki kunci Anda?', 'Could someone else have your key?'],
  'lost.compromised': ['Ya, atau saya tidak yakin', 'Yes, or I am not sure'],
  'lost.compromised.hint': ['Misalnya laptop atau ponsel hilang atau dicuri, atau berkas kunci dan kata sandinya pernah dikirim ke orang lain. Sertifikat dicabut sekarang juga dengan alasan keyCompromise, tanpa menunggu operator: tanda tangan dengan kunci lama tidak dipercaya lagi.',
                            'For example a laptop or phone was lost or stolen, or the key file and its password were sent to someone. The certificate is revoked right now with the reason keyCompromise, without waiting for an operator: signatures with the old key are no longer trusted.'],
  'lost.only': ['Tidak: kunci hanya hilang atau kata sandinya terlupa', 'No: the key is only lost, or its password forgotten'],
  'lost.only.hint': ['Sertifikat lama tetap berlaku sampai penggantinya terbit, lalu dicabut otomatis sebagai superseded (digantikan).',
                     'The old certificate stays valid until its replacement is issued, then it is revoked automatically as superseded.'],
  'lost.confirm': ['Saya mengerti: sertifikat ini dicabut sekarang dan pencabutan tidak dapat dibatalkan.', 'I understand: this certificate is revoked now, and a revocation cannot be undone.'],
  'lost.go': ['Lanjutkan: mulai permohonan pengganti', 'Continue: start the replacement request'],
  'lost.need.cert': ['Pilih sertifikatnya terlebih dahulu.', 'Choose the certificate first.'],
  'lost.need.answer': ['Jawab dulu: mungkinkah orang lain memiliki kunci Anda?', 'Answer first: could someone else have your key?'],
  'lost.need.confirm': ['Centang kotak konfirmasi: sertifikat dicabut sekarang.', 'Tick the confirmation box: the certificate is revoked now.'],
  'lost.working': ['Memproses…', 'Working…'],
  'lost.result.h': ['Permohonan pengganti dibuat', 'Replacement request made'],
  'lost.result.revoked': ['Sertifikat {serial} telah dicabut sekarang dengan alasan keyCompromise. Permohonan pengganti #{id} ({product}) dibuat.',
                          'Certificate {serial} is revoked now with the reason keyCompromise. Replacement request #{id} ({product}) was made.'],
  'lost.result.kept': ['Sertifikat {serial} tetap berlaku sampai penggantinya terbit, lalu dicabut sebagai superseded. Permohonan pengganti #{id} ({product}) dibuat.',
                       'Certificate {serial} stays valid until its replacement is issued, then it is revoked as superseded. Replacement request #{id} ({product}) was made.'],
  'lost.result.next': ['Langkah berikutnya: buat kunci baru dan kirim CSR. Token CSR sudah diisikan untuk Anda.',
                       'Next: make a new key and send the CSR. The CSR token is already filled in for you.'],
  'lost.result.continue': ['Lanjut ke langkah kunci dan CSR', 'Go on to the key and CSR step'],
});

await initLayout({ active: 'certificates' });
const wanted = intParam('certificate');
let certificates = [];
let outcome = null;

try {
  certificates = ((await get('/api/certificates')).certificates || []).filter((c) => c.status === 'good');
} catch (e) {
  showError('error', e);
}
render();
onLangChange(render);

function render() {
  const select = $('lost-cert');
  const chosen = select.value || (wanted ? String(wanted) : '');
  select.replaceChildren(...certificates.map((c) =>
    h('option', { value: c.id }, t('lost.cert.option', { serial: c.serial, product: c.product || t('none'), date: formatDate(c.not_after) }))));
  if (chosen && certificates.some((c) => String(c.id) === chosen)) select.value = chosen;
  const none = certificates.length === 0;
  $('lost-none').hidden = !none;
  $('lost-none').replaceChildren(t('lost.none'), ' ', h('a', { href: '/permohonan-baru.html' }, t('nav.new')));
  $('lost-form').hidden = none;
  $('lost-confirm-part').hidden = !$('lost-compromised').checked;
  if (outcome) renderResult();
}

function renderResult() {
  const { request, certificate } = outcome;
  const key = certificate.status === 'revoked' ? 'lost.result.revoked' : 'lost.result.kept';
  $('lost-result-text').textContent = t(key, { serial: certificate.serial, id: request.id, product: request.product || '' });
  $('lost-continue').href = `/permohonan-baru.html?request=${request.id}`;
}

for (const radio of [$('lost-compromised'), $('lost-only')]) {
  radio.addEventListener('change', () => {
    $('lost-confirm-part').hidden = !$('lost-compromised').checked;
    showError('lost-error', null);
  });
}

$('lost-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('lost-error', null);
  const cert = Number($('lost-cert').value);
  if (!cert) {
    showError('lost-error', t('lost.need.cert'));
    $('lost-cert').focus();
    return;
  }
  const compromised = $('lost-compromised').checked;
  if (!compromised && !$('lost-only').checked) {
    showError('lost-error', t('lost.need.answer'));
    $('lost-compromised').focus();
    return;
  }
  if (compromised && !$('lost-confirm').checked) {
    showError('lost-error', t('lost.need.confirm'));
    $('lost-confirm').focus();
    return;
  }
  const button = $('lost-go');
  button.disabled = true;
  showStatus('lost-progress', t('lost.working'));
  try {
    outcome = await post(`/api/certificates/${cert}/lost-key`, { compromised });
    handOffToken(outcome.request.id, outcome.csr_token);
    showStatus('lost-progress', '');
    $('lost-form-section').hidden = true;
    renderResult();
    $('lost-result').hidden = false;
    focusHeading('lost-result-h');
  } catch (e) {
    showStatus('lost-progress', '');
    showError('lost-error', e);
    button.disabled = false;
  }
});
