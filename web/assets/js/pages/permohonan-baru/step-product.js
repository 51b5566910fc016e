/**
 * Wizard step a, "product": "Jenis Sertifikat" and the product (the one the renewed certificate
 * had, with ?renews=ID), then "Continue" → POST /api/requests, which makes the request and its
 * CSR token and moves on to the token step.
 */
import { addStrings, t, formatDate } from '../../i18n.js';
import { post } from '../../api.js';
import { $, h, showError } from '../../dom.js';
import { state, show } from './wizard.js';
import { renderToken } from './step-token.js';

addStrings({
  'new.product.h': ['Pilih produk', 'Choose a product'],
  'new.cert_type': ['Jenis Sertifikat', 'Jenis Sertifikat (certificate type)'],
  'new.product': ['Produk', 'Produk (product)'],
  'new.no_products': ['Belum ada produk yang terdaftar untuk akun Anda. Hubungi otoritas sertifikat.',
                      'No products are registered for your account yet. Contact the certificate authority.'],
  'new.renews': ['Perpanjangan tanpa jeda untuk sertifikat {serial} ({product}), berlaku sampai {date}. Sertifikat lama tetap berlaku sampai yang baru terbit.',
                 'Renewal without a gap of certificate {serial} ({product}), valid until {date}. The old certificate stays valid until the new one is issued.'],
});

export function fillProducts() {
  const types = [...new Set(state.products.map((p) => p.cert_type))];
  $('no-products').hidden = types.length > 0;
  $('product-continue').disabled = types.length === 0;
  let preferred = null;
  if (state.renewsCert) preferred = state.products.find((p) => p.name === state.renewsCert.product) || null;
  if (!preferred && state.productParam) preferred = state.products.find((p) => p.id === state.productParam) || null;
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

export function renderRenews() {
  const c = state.renewsCert;
  $('renews-note').hidden = !c;
  if (c) $('renews-note').textContent = t('new.renews', { serial: c.serial, product: c.product || '', date: formatDate(c.not_after) });
}

/** Wires this step's controls (once, after the first section is shown). */
export function wireProduct() {
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
}
