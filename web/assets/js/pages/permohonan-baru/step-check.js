/**
 * Wizard step d, "check": "Check" (GET /api/requests/{id}) until the request is "Sudah Upload",
 * then "Continue" (to the document, or to the agreement when a document is already there).
 */
import { addStrings, t, statusLabel } from '../../i18n.js';
import { get } from '../../api.js';
import { $, showError, showStatus } from '../../dom.js';
import { state, show } from './wizard.js';

addStrings({
  'new.check.h': ['Status permohonan', 'Request status'],
  'new.check.intro': ['Tekan "Check" untuk membaca status permohonan. Setelah CSR diterima, statusnya "Sudah Upload".',
                      'Press "Check" to read the request\'s status. Once the CSR is accepted, it is "Sudah Upload" (uploaded).'],
  'new.check.result': ['Permohonan #{id}: {status}', 'Request #{id}: {status}'],
  'new.check.waiting': ['CSR belum diterima untuk permohonan ini.', 'No CSR has been accepted for this request yet.'],
});

export function renderCheck() {
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

/** Wires this step's controls (once, after the first section is shown). */
export function wireCheck() {
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
}
