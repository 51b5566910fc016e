/**
 * Wizard step e, "document": the "Surat Rekomendasi" PDF, uploaded as soon as it is chosen
 * (POST /api/requests/{id}/document), shown with its name, size and SHA-256, then "Continue".
 */
import { addStrings, t, formatBytes } from '../../i18n.js';
import { request } from '../../api.js';
import { $, h, showError, showStatus } from '../../dom.js';
import { state, show, whenShown } from './wizard.js';
import { resubmittable, fixText } from '../../rejection.js';

addStrings({
  'new.doc.h': ['Surat Rekomendasi', 'Surat Rekomendasi (recommendation letter)'],
  'new.doc.intro': ['Unggah dokumen pendukung: surat rekomendasi dari instansi Anda, sebagai PDF.', 'Upload the supporting document: the recommendation letter from your agency, as a PDF.'],
  'new.doc.label': ['Surat Rekomendasi (PDF)', 'Surat Rekomendasi (PDF)'],
  'new.doc.hint': ['Hanya PDF, paling besar 5 MiB. Berkas diunggah segera setelah dipilih.', 'PDF only, at most 5 MiB. The file is uploaded as soon as you choose it.'],
  'new.doc.uploading': ['Mengunggah {name}…', 'Uploading {name}…'],
  'new.doc.uploaded': ['Dokumen terunggah.', 'Document uploaded.'],
  'new.doc.name': ['Nama berkas', 'File name'],
  'new.doc.size': ['Ukuran', 'Size'],
  'new.doc.sha': ['SHA-256', 'SHA-256'],
  'new.doc.resubmit': ['Permohonan #{id} ditolak.', 'Request #{id} was rejected.'],
});

whenShown('document', renderDocument);

export function renderDocument() {
  const r = state.request;
  // Rejected for its document: the old one is not offered again; a new upload reopens it.
  const again = !!r && resubmittable(r);
  $('resubmit-note').hidden = !again;
  if (again) {
    $('resubmit-note').textContent = [
      t('new.doc.resubmit', { id: r.id }),
      r.reject_reason ? t('reject.reason', { r: r.reject_reason }) : '',
      fixText(r),
    ].filter(Boolean).join(' ');
  }
  const d = !again && r && r.document;
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

/** Wires this step's controls (once, after the first section is shown). */
export function wireDocument() {
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
}
