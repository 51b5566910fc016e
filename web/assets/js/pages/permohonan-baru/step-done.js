/**
 * Wizard step g, "done": the request's resulting status (submitted, success, rejected) and the
 * way on: the certificate's download page, or the certificate list.
 */
import { addStrings, t } from '../../i18n.js';
import { $ } from '../../dom.js';
import { state, whenShown } from './wizard.js';
import { fixText, newRequestHref } from '../../rejection.js';

addStrings({
  'new.done.h': ['Permohonan dikirim', 'Request sent'],
  'new.done.submitted': ['Status: Submitted. Permohonan #{id} menunggu persetujuan otoritas; Anda akan menerima pesan di Kotak Masuk saat sertifikat terbit.',
                         'Status: Submitted. Request #{id} is waiting for the authority\'s approval; you will get a message in your inbox when the certificate is issued.'],
  'new.done.success': ['Status: Success. Sertifikat untuk permohonan #{id} sudah terbit. Unduh sekarang bersama kunci Anda sebagai .p12.',
                       'Status: Success. The certificate for request #{id} is issued. Download it now with your key as a .p12.'],
  'new.done.rejected': ['Status: Rejected. Permohonan #{id} ditolak. {reason}', 'Status: Rejected. Request #{id} was rejected. {reason}'],
  'new.done.cancelled': ['Status: Dibatalkan. Permohonan #{id} sudah Anda batalkan; buat Permohonan Baru bila perlu.', 'Status: Cancelled. You cancelled request #{id}; make a new request if you need one.'],
  'new.done.download': ['Download Sertifikat Elektronik', 'Download Sertifikat Elektronik (download the certificate)'],
  'new.done.certs': ['Sertifikat Anda', 'Your certificates'],
});

whenShown('done', renderDone);

export function renderDone() {
  const r = state.request;
  if (state.step !== 'done' || !r) return;
  let text;
  if (r.status === 'success') text = t('new.done.success', { id: r.id });
  else if (r.status === 'cancelled') text = t('new.done.cancelled', { id: r.id });
  else if (r.status === 'rejected') text = `${t('new.done.rejected', { id: r.id, reason: r.reject_reason ? t('reject.reason', { r: r.reject_reason }) : '' })} ${fixText(r)}`.trim();
  else text = t('new.done.submitted', { id: r.id });
  $('done-status').textContent = text;
  $('done-status').className = `notice ${['rejected', 'cancelled'].includes(r.status) ? 'warn' : 'ok'}`;
  const link = $('done-download');
  link.hidden = false;
  if (r.status === 'rejected' && r.kind === 'enrollment') {
    link.href = newRequestHref(r);
    link.textContent = t('reject.new_request');
  } else if (r.certificate_id) {
    link.href = `/download.html?id=${r.certificate_id}`;
    link.textContent = t('new.done.download');
  } else {
    link.href = '/certificates.html';
    link.textContent = t('new.done.certs');
  }
}
