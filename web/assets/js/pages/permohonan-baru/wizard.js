/**
 * The new-request wizard's shared parts: its state (one object, read and written by every
 * step), the order of the steps, and `show`, which displays one section at a time, keeps the
 * step indicator current, lets the step that is shown render itself (`whenShown`) and moves
 * focus to the section's heading. The strings of the page as a whole live here too.
 */
import { addStrings, t } from '../../i18n.js';
import { $, h, intParam, focusHeading } from '../../dom.js';

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
  'new.not_enrollment': ['Permohonan ini bukan permohonan penerbitan.', 'This request is not an enrollment.'],
  'new.token_expired': ['Token CSR permohonan ini sudah kedaluwarsa. Tekan "Token hilang? Buat token baru" untuk melanjutkan permohonan ini.', 'This request\'s CSR token has expired. Press "Token hilang? Buat token baru" (lost the token? make a new one) to go on with this request.'],
});

export const STEPS = ['product', 'token', 'kit', 'check', 'document', 'agreement'];
export const ALG_LABEL = { rsa2048: 'RSA 2048', rsa3072: 'RSA 3072', rsa4096: 'RSA 4096', p256: 'ECDSA P-256' };

export const state = {
  me: null, // the signed-in user, as initLayout returns it
  step: null,
  products: [],
  identity: null,
  renews: intParam('renews'),
  productParam: intParam('product'), // preselected (a new request after a rejection that needs a new key)
  renewsCert: null,
  request: null, // the Request being filled
  token: null, // from POST /api/requests (this page session only)
  tokenExpiresAt: null,
  check: null, // POST /api/csr/check answer
  sent: false, // the CSR was accepted (the element's kunci-done)
  uploaded: null, // {token, request}: POST /api/csr answered (its backup record may still be owed)
  readToEnd: false,
  copyMessage: '',
  pasteMessage: '', // the note above the key step's element (a resumed request, a handed-over token)
};

/** step → what renders that step when it is shown (the steps register themselves). */
const onShow = {};

/**
 * Has `render` run each time `step` is shown, after the step indicator is updated (several
 * may register for one step; they run in the order they registered).
 */
export function whenShown(step, render) {
  (onShow[step] ||= []).push(render);
}

export function show(step, focus = true) {
  state.step = step;
  for (const s of [...STEPS, 'done']) $(`step-${s}`).hidden = s !== step;
  renderSteps();
  for (const render of onShow[step] || []) render();
  if (focus) focusHeading(`h-${step}`);
}

export function renderSteps() {
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
