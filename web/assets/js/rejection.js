/**
 * What a holder sees of a rejected request wherever they look (the request list, the request's
 * own page in the wizard, the dashboard): the operator's reason, what must be fixed
 * (`reject_fix`: "document" → upload a new Surat Rekomendasi and resubmit the SAME request, its
 * key and CSR kept; "new_key" → this request cannot go on, a new request is started prefilled
 * with the same product and, for a renewal, the same certificate), and the link that does it.
 * A rejection stored before the choice existed (no `reject_fix`) is treated as "new_key".
 */
import { addStrings, t } from './i18n.js';
import { h } from './dom.js';

addStrings({
  'reject.fix.document': ['Yang perlu diperbaiki: dokumen pendukung. Kunci dan CSR Anda tetap dipakai: unggah Surat Rekomendasi baru lalu kirim ulang permohonan yang sama.',
                          'What to fix: the supporting document. Your key and CSR are kept: upload a new Surat Rekomendasi and resubmit the same request.'],
  'reject.fix.new_key': ['Yang perlu diperbaiki: kunci, CSR atau data identitas. Permohonan ini tidak dapat dikirim ulang; buat permohonan baru dengan kunci baru (produk yang sama sudah dipilihkan).',
                         'What to fix: the key, the CSR or the identity data. This request cannot be resubmitted; make a new request with a new key (the same product is already chosen for you).'],
  'reject.resubmit': ['Unggah dokumen baru dan kirim ulang', 'Upload a new document and resubmit'],
  'reject.new_request': ['Mulai permohonan baru', 'Start a new request'],
});

/** True when `r` is a rejected enrollment that takes a new document (same request). */
export function resubmittable(r) {
  return r.kind === 'enrollment' && r.status === 'rejected' && r.reject_fix === 'document';
}

/** The new request's URL for a rejected enrollment that needs a new key: same product, same renewal. */
export function newRequestHref(r) {
  const params = new URLSearchParams();
  if (r.product_id) params.set('product', String(r.product_id));
  if (r.renews) params.set('renews', String(r.renews));
  const query = params.toString();
  return `/permohonan-baru.html${query ? `?${query}` : ''}`;
}

/** The sentence saying what to fix, for a rejected enrollment; '' otherwise. */
export function fixText(r) {
  if (r.kind !== 'enrollment' || r.status !== 'rejected') return '';
  return t(resubmittable(r) ? 'reject.fix.document' : 'reject.fix.new_key');
}

/** The link that fixes a rejected enrollment (resubmit, or the prefilled new request); null otherwise. */
export function fixLink(r, attrs = {}) {
  if (r.kind !== 'enrollment' || r.status !== 'rejected') return null;
  return resubmittable(r)
    ? h('a', { class: 'button small', href: `/permohonan-baru.html?request=${r.id}`, id: `resubmit-${r.id}`, ...attrs }, t('reject.resubmit'))
    : h('a', { class: 'button small', href: newRequestHref(r), id: `new-request-${r.id}`, ...attrs }, t('reject.new_request'));
}
