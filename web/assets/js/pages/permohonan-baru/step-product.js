/**
 * Wizard step a, "product": "Jenis Sertifikat" and the product, among the products granted to
 * the account only; a renewal (?renews=ID) offers only the product the renewed certificate
 * has (issue 12 point 8: renewing an "Individu" certificate must not make a "Dinas/Organisasi"
 * request). Under the choice, the keys the product allows. Then "Continue" → POST
 * /api/requests, which makes the request and its CSR token and moves on to the token step.
 */
import { addStrings, t, formatDate } from '../../i18n.js';
import { post } from '../../api.js';
import { $, h, showError } from '../../dom.js';
import { state, show, ALG_LABEL } from './wizard.js';
import { renderToken } from './step-token.js';

addStrings({
  'new.product.h': ['Pilih produk', 'Choose a product'],
  'new.cert_type': ['Jenis Sertifikat', 'Jenis Sertifikat (certificate type)'],
  'new.product': ['Produk', 'Produk (product)'],
  'new.no_products': ['Belum ada produk yang terdaftar untuk akun Anda. Hubungi otoritas sertifikat.',
                      'No products are registered for your account yet. Contact the certificate authority.'],
  'new.product.keys': ['Kunci yang diizinkan produk ini: {keys}.', 'Keys this product allows: {keys}.'],
  'new.renews.missing': ['Produk sertifikat yang diperpanjang tidak lagi terdaftar untuk akun Anda. Hubungi otoritas sertifikat.',
                         'The renewed certificate\'s product is no longer registered for your account. Contact the certificate authority.'],
  'new.renews.open': ['Perpanjangan sertifikat {serial} sudah dimulai (permohonan #{id}). Lanjutkan permohonan itu, atau batalkan dari halaman Info Sertifikat.',
                      'A renewal of certificate {serial} was already started (request #{id}). Continue that request, or cancel it from the certificate\'s Info page.'],
  'new.renews.continue': ['Lanjutkan permohonan #{id}', 'Continue request #{id}'],
  'new.renews': ['Perpanjangan tanpa jeda untuk sertifikat {serial} ({product}), berlaku sampai {date}. Sertifikat lama tetap berlaku sampai yang baru terbit.',
                 'Renewal without a gap of certificate {serial} ({product}), valid until {date}. The old certificate stays valid until the new one is issued.'],
});

/** The products this request may ask for: the granted ones; a renewal, its certificate's. */
function offered() {
  const c = state.renewsCert;
  if (!c) return state.products;
  return state.products.filter((p) => p.id === c.product_id);
}

export function fillProducts() {
  const products = offered();
  const types = [...new Set(products.map((p) => p.cert_type))];
  $('no-products').hidden = types.length > 0;
  if (!types.length && state.renewsCert) $('no-products').textContent = t('new.renews.missing');
  // A renewal already open is continued, not started again (the server would refuse).
  $('product-continue').disabled = types.length === 0 || !!(state.renewsCert && state.renewsCert.open_renewal);
  $('cert-type').replaceChildren(...types.map((ty) => h('option', { value: ty }, ty)));
  // A new request after a rejection that needs a new key (?product=ID): that product chosen.
  const wanted = state.productParam && products.find((p) => p.id === state.productParam);
  if (wanted) $('cert-type').value = wanted.cert_type;
  fillProductSelect();
  if (wanted) $('product').value = String(wanted.id);
  renderRenews();
}

function fillProductSelect() {
  const type = $('cert-type').value;
  const list = offered().filter((p) => p.cert_type === type);
  $('product').replaceChildren(...list.map((p) => h('option', { value: p.id }, p.name)));
  renderKeys();
}

/** The keys the chosen product allows (the key step preselects one of them). */
export function renderKeys() {
  const p = state.products.find((x) => String(x.id) === $('product').value);
  const keys = (p && p.allowed_keys) || [];
  $('product-keys').textContent = keys.length ? t('new.product.keys', { keys: keys.map((k) => ALG_LABEL[k] || k).join(', ') }) : '';
}

export function renderRenews() {
  const c = state.renewsCert;
  $('renews-note').hidden = !c;
  if (!c) return;
  const open = c.open_renewal;
  if (open) {
    $('renews-note').replaceChildren(
      t('new.renews.open', { serial: c.serial, id: open.id }), ' ',
      h('a', { href: `/permohonan-baru.html?request=${open.id}`, id: 'renews-continue' }, t('new.renews.continue', { id: open.id })),
    );
  } else {
    $('renews-note').textContent = t('new.renews', { serial: c.serial, product: c.product || '', date: formatDate(c.not_after) });
  }
}

/** Wires this step's controls (once, after the first section is shown). */
export function wireProduct() {
  $('cert-type').addEventListener('change', () => fillProductSelect());
  $('product').addEventListener('change', renderKeys);

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
