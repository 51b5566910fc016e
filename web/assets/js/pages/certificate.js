/**
 * Certificate "Info" (docs/PROCESS.md steps 5-6): "Tanggal Permohonan", "Produk", Subject DN, e-mail,
 * serial number, "Masa Berlaku", status; the two ways on (renew without a gap when the data is
 * unchanged; revoke — with UNSPECIFIED when the data changed — then request anew); the
 * "Revoke Reason" select from GET /api/revocation-reasons and "Revoke", confirmed in a dialog,
 * POST /api/certificates/{id}/revoke, then on to "Status Permohonan". While a renewal of the
 * certificate is unfinished (`open_renewal`), the page offers to continue it (the wizard at its
 * step) or to cancel it (confirmed; POST /api/requests/{id}/cancel) instead of a new renewal.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, reasonText, reasonWords, statusLabel } from '../i18n.js';
import { get, post } from '../api.js';
import { $, h, showError, showStatus, intParam } from '../dom.js';

addStrings({
  'title.certificate': ['Info Sertifikat – kunci AMS', 'Certificate info – kunci AMS'],
  'cert.h1': ['Info Sertifikat', 'Certificate info'],
  'cert.details': ['Rincian', 'Details'],
  'cert.request_date': ['Tanggal Permohonan', 'Tanggal Permohonan (request date)'],
  'cert.product': ['Produk', 'Produk (product)'],
  'cert.subject': ['Subject DN', 'Subject DN'],
  'cert.email': ['E-mail', 'E-mail'],
  'cert.serial': ['Nomor Seri', 'Serial number'],
  'cert.validity': ['Masa Berlaku', 'Masa Berlaku (validity)'],
  'cert.validity.value': ['{from} s.d. {to}', '{from} to {to}'],
  'cert.status': ['Status', 'Status'],
  'cert.revoked_info': ['dicabut {date}, alasan: {reason}', 'revoked {date}, reason: {reason}'],
  'cert.fingerprint': ['Sidik jari SHA-256', 'SHA-256 fingerprint'],
  'cert.pem': ['Unduh .pem', 'Download .pem'],
  'cert.p12': ['Buat .p12 di peramban', 'Make a .p12 in the browser'],
  'cert.renew.h': ['Perpanjang atau ganti sertifikat', 'Renew or replace the certificate'],
  'cert.renew.same': ['Data Anda tidak berubah? Pilih "Perpanjang tanpa jeda": sertifikat lama tetap berlaku sampai yang baru terbit, lalu dicabut otomatis.',
                      'Your data has not changed? Choose "Perpanjang tanpa jeda" (renew without a gap): the old certificate stays valid until the new one is issued, then it is revoked automatically.'],
  'cert.renew.changed': ['Data Anda berubah (nama, jabatan, instansi, e-mail)? Cabut dulu sertifikat ini dengan alasan UNSPECIFIED, lalu ajukan Permohonan Baru.',
                         'Your data has changed (name, position, organisation, e-mail)? First revoke this certificate with the reason UNSPECIFIED, then make a new request.'],
  'cert.renew.button': ['Perpanjang tanpa jeda', 'Perpanjang tanpa jeda (renew without a gap)'],
  'cert.lost.h': ['Kunci hilang atau lupa kata sandi?', 'Lost the key or forgot its password?'],
  'cert.lost.text': ['Tidak ada yang dapat memulihkan kunci privat atau kata sandinya, termasuk otoritas. Halaman panduan membantu Anda mencabut sertifikat bila perlu dan memulai penggantinya.',
                     'Nobody, not even the authority, can recover the private key or its password. The guide helps you revoke the certificate when needed and start its replacement.'],
  'cert.lost.button': ['Lupa kata sandi atau kunci hilang?', 'Forgot the password, or lost the key?'],
  'cert.renewal.open': ['Perpanjangan sertifikat ini sudah dimulai: permohonan #{id}, status {status}. Lanjutkan dari langkah terakhir, atau batalkan lalu mulai lagi.',
                        'A renewal of this certificate was already started: request #{id}, status {status}. Continue from its last step, or cancel it and start again.'],
  'cert.renewal.continue': ['Lanjutkan perpanjangan', 'Continue the renewal'],
  'cert.renewal.cancel': ['Batalkan perpanjangan', 'Cancel the renewal'],
  'cert.renewal.confirm.h': ['Batalkan perpanjangan ini?', 'Cancel this renewal?'],
  'cert.renewal.confirm.text': ['Permohonan perpanjangan #{id} akan dibatalkan dan tetap tercatat sebagai Dibatalkan. Sertifikat ini tetap berlaku; Anda dapat memulai perpanjangan baru.',
                                'Renewal request #{id} will be cancelled and stay on record as Cancelled. This certificate stays valid; you can start a new renewal.'],
  'cert.renewal.confirm.yes': ['Ya, batalkan', 'Yes, cancel it'],
  'cert.renewal.confirm.keep': ['Jangan batalkan', 'Keep it'],
  'cert.renewal.cancelled': ['Perpanjangan #{id} dibatalkan. Anda dapat memulai perpanjangan baru.', 'Renewal #{id} was cancelled. You can start a new renewal.'],
  'cert.revoke.h': ['Cabut sertifikat', 'Revoke the certificate'],
  'cert.revoke.reason': ['Revoke Reason', 'Revoke Reason'],
  'cert.revoke.choose': ['Choose', 'Choose'],
  'cert.revoke.hint': ['Jika data sertifikat berubah, pilih UNSPECIFIED. Pencabutan tidak dapat dibatalkan setelah disetujui.',
                       'If the certificate\'s data changed, choose UNSPECIFIED. A revocation cannot be undone once approved.'],
  'cert.revoke.button': ['Revoke', 'Revoke'],
  'cert.revoke.pick': ['Pilih alasan pencabutan terlebih dahulu.', 'Choose a revocation reason first.'],
  'cert.confirm.h': ['Cabut sertifikat ini?', 'Revoke this certificate?'],
  'cert.confirm.text': ['Sertifikat {serial} akan diajukan untuk dicabut dengan alasan: {reason}. Setelah otoritas menyetujui, sertifikat tidak berlaku lagi.',
                        'Certificate {serial} will be put forward for revocation with the reason: {reason}. Once the authority approves, the certificate is no longer valid.'],
  'cert.confirm.yes': ['Ya, cabut', 'Yes, revoke'],
});

await initLayout({ active: 'certificates' });
const id = intParam('id');
let cert = null;
let reasons = [];

try {
  if (!id) throw Object.assign(new Error(''), { code: 'store.not_found' });
  [cert, reasons] = await Promise.all([
    get(`/api/certificates/${id}`),
    get('/api/revocation-reasons').then((r) => r.reasons || []),
  ]);
} catch (e) {
  showError('error', e);
}
render();
onLangChange(render);


function render() {
  if (!cert) {
    $('details').replaceChildren();
    return;
  }
  const row = (key, value) => [h('dt', {}, t(key)), h('dd', {}, value)];
  let status = t(`cert.status.${cert.status}`);
  if (cert.status === 'revoked') {
    status += ` (${t('cert.revoked_info', { date: formatDate(cert.revoked_at), reason: cert.revocation_reason ? reasonWords(cert.revocation_reason) : t('none') })})`;
  }
  $('details').replaceChildren(
    ...row('cert.request_date', formatDate(cert.request_date)),
    ...row('cert.product', cert.product || t('none')),
    ...row('cert.subject', h('code', {}, cert.subject)),
    ...row('cert.email', cert.email || t('none')),
    ...row('cert.serial', h('code', {}, cert.serial)),
    ...row('cert.validity', t('cert.validity.value', { from: formatDate(cert.not_before), to: formatDate(cert.not_after) })),
    ...row('cert.status', status),
    ...row('cert.fingerprint', h('code', {}, cert.fingerprint_sha256 || t('none'))),
  );
  $('download-actions').hidden = false;
  $('pem-link').href = `/api/certificates/${cert.id}/pem`;
  $('pem-link').setAttribute('download', `${cert.serial}.pem`);
  $('p12-link').href = `/download.html?id=${cert.id}`;
  const good = cert.status === 'good';
  $('renew-section').hidden = !good;
  $('revoke-section').hidden = !good;
  $('lost-section').hidden = !good;
  $('lost-link').href = `/kunci-hilang.html?certificate=${cert.id}`;
  $('renew-link').href = `/permohonan-baru.html?renews=${cert.id}`;
  const open = good ? cert.open_renewal : null;
  $('renew-actions').hidden = !!open;
  $('open-renewal').hidden = !open;
  if (open) {
    $('open-renewal-text').textContent = t('cert.renewal.open', { id: open.id, status: statusLabel(open) });
    $('open-renewal-continue').href = `/permohonan-baru.html?request=${open.id}`;
  }

  const select = $('revoke-reason');
  const chosen = select.value;
  select.replaceChildren(
    h('option', { value: '' }, t('cert.revoke.choose')),
    ...reasons.map((r) => h('option', { value: r.name }, reasonText(r.name))),
  );
  select.value = chosen;
}

$('open-renewal-cancel').addEventListener('click', () => {
  showError('renewal-error', null);
  $('renewal-dialog-text').textContent = t('cert.renewal.confirm.text', { id: cert.open_renewal.id });
  $('renewal-dialog').showModal();
  $('renewal-keep').focus();
});

$('renewal-keep').addEventListener('click', () => {
  $('renewal-dialog').close();
  $('open-renewal-cancel').focus();
});

$('renewal-confirm').addEventListener('click', async () => {
  const button = $('renewal-confirm');
  const renewal = cert.open_renewal.id;
  button.disabled = true;
  try {
    await post(`/api/requests/${renewal}/cancel`);
    cert = await get(`/api/certificates/${cert.id}`);
    $('renewal-dialog').close();
    render();
    showStatus('renewal-status', t('cert.renewal.cancelled', { id: renewal }), true);
    $('renew-link').focus();
  } catch (e) {
    $('renewal-dialog').close();
    showError('renewal-error', e);
    $('open-renewal-cancel').focus();
  } finally {
    button.disabled = false;
  }
});

$('revoke-form').addEventListener('submit', (event) => {
  event.preventDefault();
  showError('revoke-error', null);
  const reason = $('revoke-reason').value;
  if (!reason) {
    showError('revoke-error', t('cert.revoke.pick'));
    $('revoke-reason').focus();
    return;
  }
  $('revoke-dialog-text').textContent = t('cert.confirm.text', { serial: cert.serial, reason: reasonWords(reason) });
  $('revoke-dialog').showModal();
  $('revoke-cancel').focus();
});

$('revoke-cancel').addEventListener('click', () => {
  $('revoke-dialog').close();
  $('revoke').focus();
});

$('revoke-confirm').addEventListener('click', async () => {
  const button = $('revoke-confirm');
  button.disabled = true;
  try {
    await post(`/api/certificates/${cert.id}/revoke`, { reason: $('revoke-reason').value });
    location.assign('/requests.html');
  } catch (e) {
    $('revoke-dialog').close();
    showError('revoke-error', e);
    $('revoke').focus();
  } finally {
    button.disabled = false;
  }
});
