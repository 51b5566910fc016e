/**
 * "Permohonan Baru", the new-request wizard (docs/PROCESS.md steps 9-22) on one page, one section
 * at a time with a step indicator; focus moves to each new section's heading. This entry starts
 * the page (layout, then the first section, or ?request=N resumed at its step), re-renders
 * on a language change, and wires the steps, each a module of permohonan-baru/:
 *   wizard.js         — the shared state, the step order, show() and the step indicator
 *   step-product.js   — a. "Jenis Sertifikat" + product → POST /api/requests (renews from ?renews,
 *                       with the renewed certificate's product only)
 *   step-token.js     — b. the CSR token, "Copy Token"; a fresh one when it was lost
 *   step-kit.js       — c. the client kit: the <kunci-client-kit> element and its glue
 *                       (POST /api/csr/check, POST /api/csr, the backup record)
 *   step-check.js     — d. "Check" (GET /api/requests/{id}) until "Sudah Upload"
 *   step-document.js  — e. "Surat Rekomendasi" PDF (POST /api/requests/{id}/document)
 *   step-agreement.js — f. scroll to the end, tick, "Setuju dan Submit"
 *   step-done.js      — g. the resulting status, with the way to the download.
 * The private key never leaves the worker unencrypted and is never sent anywhere.
 */

import { initLayout } from '../layout.js';
import { t, onLangChange } from '../i18n.js';
import { get } from '../api.js';
import { $, showError, intParam } from '../dom.js';
import { state, show, renderSteps } from './permohonan-baru/wizard.js';
import { fillProducts, renderRenews, renderKeys, wireProduct } from './permohonan-baru/step-product.js';
import { renderToken, wireToken } from './permohonan-baru/step-token.js';
import { renderKitNote, renderKitLang, renderSent, wireKit } from './permohonan-baru/step-kit.js';
import { renderCheck, wireCheck } from './permohonan-baru/step-check.js';
import { renderDocument, wireDocument } from './permohonan-baru/step-document.js';
import { renderAgreement, wireAgreement } from './permohonan-baru/step-agreement.js';
import { renderDone } from './permohonan-baru/step-done.js';
import { resubmittable } from '../rejection.js';
import { takeToken } from '../tokenhandoff.js';

state.me = await initLayout({ active: 'new' });

get('/api/identity').then((id) => { state.identity = id; }).catch(() => {});

await start();
onLangChange(() => {
  renderSteps();
  renderRenews();
  renderKeys();
  renderToken();
  renderAgreement();
  renderDone();
  renderCheck();
  renderDocument();
  renderKitNote();
  renderKitLang();
  renderSent();
});

// The controls answer only once the first section is shown, in the order the steps come.
wireProduct();
wireToken();
wireKit();
wireCheck();
wireDocument();
wireAgreement();

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
    state.pasteMessage = 'new.kit.resume';
    // Made on the lost-key page: its token is handed over, filled in, never shown in the URL.
    const handed = takeToken(r.id);
    if (handed) {
      state.token = handed;
      state.pasteMessage = 'new.kit.handed';
    }
    if (r.token_expires_at && r.token_expires_at < Date.now() / 1000) showError('error', t('new.token_expired'));
    show('kit', false);
    renderKitNote();
  } else if (r.status === 'uploaded' || (r.status === 'pending' && r.csr_uploaded)) {
    show(r.document ? 'agreement' : 'document', false);
  } else if (resubmittable(r)) {
    // Rejected for its document: the same request takes a new one (then the agreement again).
    show('document', false);
  } else {
    show('done', false);
  }
}
