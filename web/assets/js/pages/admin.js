/**
 * "Admin", the administrator's area (admin accounts only; docs/API.md "Admin"): the accounts
 * (GET /api/admin/users) with, for the one chosen, disable (confirmed in a <dialog>: the
 * account's sessions end) or enable, a one-time password reset link (POST
 * /api/admin/users/{id}/password-reset: the old password is never shown, the portal does not
 * know it; the link carries the code in its fragment and works once, for 24 hours), and for
 * holders the products they may request (grant / withdraw); a form to add an account; the
 * products with their profiles, read only (GET /api/admin/products); and the CA's state (GET
 * /api/admin/ca): root and issuing validity, the CRL's number and next update, counts. Every
 * action is recorded in the audit log under the administrator's account by the server.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, has } from '../i18n.js';
import { get, post } from '../api.js';
import { $, h, showError, showStatus, focusHeading } from '../dom.js';

addStrings({
  'title.admin': ['Admin – kunci AMS', 'Admin – kunci AMS'],
  'adm.h1': ['Admin', 'Admin'],
  'adm.intro': ['Akun, produk yang boleh dimohon tiap pemilik sertifikat, reset kata sandi, produk dan profilnya, dan keadaan CA. Setiap tindakan dicatat di Jejak Audit dengan nama Anda.',
                'Accounts, the products each certificate holder may request, password resets, products and their profiles, and the CA\'s state. Every action is recorded in the audit log under your name.'],
  'adm.forbidden': ['Halaman ini hanya untuk admin.', 'This page is for administrators only.'],
  'adm.accounts.h': ['Akun', 'Accounts'],
  'certs.actions': ['Tindakan', 'Actions'],
  'adm.accounts.caption': ['Semua akun', 'Every account'],
  'adm.login': ['Login', 'Login'],
  'adm.name': ['Nama', 'Name'],
  'adm.email': ['E-mail', 'E-mail'],
  'adm.role': ['Peran', 'Role'],
  'adm.state': ['Keadaan', 'State'],
  'adm.products': ['Produk', 'Products'],
  'adm.enabled': ['Aktif', 'Enabled'],
  'adm.disabled': ['Nonaktif', 'Disabled'],
  'adm.manage': ['Kelola {login}', 'Manage {login}'],
  'adm.account.h': ['Akun {login}', 'Account {login}'],
  'adm.disable': ['Nonaktifkan akun', 'Disable the account'],
  'adm.enable': ['Aktifkan akun', 'Enable the account'],
  'adm.disable.h': ['Nonaktifkan akun {login}?', 'Disable account {login}?'],
  'adm.disable.summary': ['{name} ({login}, {role}) tidak dapat masuk lagi dan semua sesinya berakhir sekarang. Anda dapat mengaktifkannya kembali.',
                          '{name} ({login}, {role}) can no longer log in and every session of the account ends now. You can enable it again.'],
  'adm.disable.confirm': ['Ya, nonaktifkan', 'Yes, disable'],
  'adm.disabled.done': ['Akun {login} dinonaktifkan.', 'Account {login} disabled.'],
  'adm.enabled.done': ['Akun {login} diaktifkan.', 'Account {login} enabled.'],
  'adm.reset.create': ['Buat tautan reset kata sandi', 'Make a password reset link'],
  'adm.reset.link': ['Tautan reset (sekali pakai)', 'Reset link (one use)'],
  'adm.reset.hint': ['Berikan tautan ini kepada {login} lewat jalur yang aman. Berlaku sampai {until}, hanya sekali. Kata sandi lama tidak pernah ditampilkan; tautan yang lebih lama tidak berlaku lagi.',
                     'Give this link to {login} over a safe channel. Valid until {until}, once. The old password is never shown; any older link no longer works.'],
  'adm.reset.done': ['Tautan reset untuk {login} dibuat.', 'Reset link for {login} made.'],
  'adm.grants.h': ['Produk yang boleh dimohon', 'Products the holder may request'],
  'adm.grants.none': ['Belum ada produk.', 'No product yet.'],
  'adm.grant.product': ['Berikan produk', 'Grant a product'],
  'adm.grant.submit': ['Berikan', 'Grant'],
  'adm.grant.all': ['Semua produk sudah diberikan.', 'Every product is granted.'],
  'adm.withdraw': ['Cabut {product}', 'Withdraw {product}'],
  'adm.granted.done': ['Produk {product} diberikan kepada {login}.', 'Product {product} granted to {login}.'],
  'adm.withdrawn.done': ['Produk {product} dicabut dari {login}.', 'Product {product} withdrawn from {login}.'],
  'adm.add.h': ['Tambah akun', 'Add an account'],
  'adm.add.password': ['Kata sandi awal', 'Initial password'],
  'adm.add.password.hint': ['Minimal 8 karakter. Sampaikan secara terpisah, atau buat tautan reset agar pemiliknya memilih kata sandinya sendiri.',
                            'At least 8 characters. Hand it over separately, or make a reset link so that the owner chooses their own password.'],
  'adm.add.submit': ['Tambah akun', 'Add the account'],
  'adm.add.missing': ['Isi login, nama, dan kata sandi awal.', 'Fill in login, name and initial password.'],
  'adm.add.short': ['Kata sandi awal minimal 8 karakter.', 'The initial password needs at least 8 characters.'],
  'adm.added': ['Akun {login} dibuat.', 'Account {login} created.'],
  'adm.products.h': ['Produk dan profil', 'Products and profiles'],
  'adm.products.caption': ['Produk (hanya baca)', 'Products (read only)'],
  'adm.product.name': ['Produk', 'Product'],
  'adm.product.type': ['Jenis Sertifikat', 'Certificate type'],
  'adm.product.profile': ['Profil', 'Profile'],
  'adm.product.keys': ['Kunci yang diizinkan', 'Keys allowed'],
  'adm.product.validity': ['Masa berlaku', 'Validity'],
  'adm.product.usage': ['Penggunaan kunci', 'Key usage'],
  'adm.days': ['{n} hari', '{n} days'],
  'adm.ca.h': ['Keadaan CA', 'CA state'],
  'adm.ca.root': ['CA akar', 'Root CA'],
  'adm.ca.issuing': ['CA penerbit', 'Issuing CA'],
  'adm.ca.validity': ['{subject}: berlaku {from} sampai {until}', '{subject}: valid {from} until {until}'],
  'adm.ca.crl': ['CRL', 'CRL'],
  'adm.ca.crl.text': ['Nomor {number}, diterbitkan {this}, pembaruan berikutnya {next}, {revoked} sertifikat dicabut', 'Number {number}, issued {this}, next update {next}, {revoked} certificates revoked'],
  'adm.ca.certs': ['Sertifikat', 'Certificates'],
  'adm.ca.certs.text': ['{good} berlaku, {revoked} dicabut', '{good} valid, {revoked} revoked'],
  'adm.ca.requests': ['Permohonan menurut status', 'Requests by status'],
});

/** Request statuses by the names PROCESS.md uses (the server's `status_label`s). */
const STATUS_LABELS = { pending: 'Enrollment', uploaded: 'Sudah Upload', submitted: 'Submitted', success: 'Success', rejected: 'Rejected' };

const KEY_NAMES = { rsa2048: 'RSA 2048', rsa3072: 'RSA 3072', rsa4096: 'RSA 4096', p256: 'ECDSA P-256' };

const me = await initLayout({ active: 'admin' });
let users = [];
let products = [];
let ca = null;
let selected = null;

if (me.role !== 'admin') {
  showError('error', t('adm.forbidden'));
  for (const section of document.querySelectorAll('main > section')) section.hidden = true;
} else {
  await Promise.all([loadUsers(), loadProducts(), loadCa()]);
}
onLangChange(() => {
  renderUsers();
  renderAccount();
  renderProducts();
  renderCa();
});

async function loadUsers() {
  try {
    users = (await get('/api/admin/users')).users || [];
  } catch (e) {
    showError('error', e);
  }
  renderUsers();
  renderAccount();
}

async function loadProducts() {
  try {
    products = (await get('/api/admin/products')).products || [];
  } catch (e) {
    showError('error', e);
  }
  renderProducts();
}

async function loadCa() {
  try {
    ca = await get('/api/admin/ca');
  } catch (e) {
    showError('error', e);
  }
  renderCa();
}

function roleText(role) {
  return t(`role.${role}`);
}

function renderUsers() {
  const body = $('accounts-body');
  body.replaceChildren(...users.map((u) => h('tr', { id: `account-row-${u.login}` },
    h('td', {}, u.login),
    h('td', {}, u.name),
    h('td', {}, roleText(u.role)),
    h('td', { class: 'account-state' }, t(u.disabled ? 'adm.disabled' : 'adm.enabled')),
    h('td', {}, u.role === 'holder' ? (u.products || []).map((p) => p.name).join(', ') || t('none') : t('none')),
    h('td', { class: 'actions-cell' },
      h('button', { type: 'button', class: 'small secondary', id: `manage-${u.login}`, on: { click: () => openAccount(u.id) } },
        t('adm.manage', { login: u.login }))),
  )));
}

function openAccount(id) {
  selected = id;
  $('reset-result').hidden = true;
  $('reset-link').value = '';
  renderAccount();
  $('account-panel').hidden = false;
  focusHeading('account-h');
}

function current() {
  return users.find((u) => u.id === selected) || null;
}

function renderAccount() {
  const u = current();
  if (!u) return;
  $('account-h').textContent = t('adm.account.h', { login: u.login });
  $('account-facts').replaceChildren(
    h('dt', {}, t('adm.name')), h('dd', {}, u.name),
    h('dt', {}, t('adm.email')), h('dd', {}, u.email || t('none')),
    h('dt', {}, t('adm.role')), h('dd', {}, roleText(u.role)),
    h('dt', {}, t('adm.state')), h('dd', { id: 'account-state' }, t(u.disabled ? 'adm.disabled' : 'adm.enabled')),
  );
  $('account-toggle').textContent = t(u.disabled ? 'adm.enable' : 'adm.disable');
  $('account-toggle').className = u.disabled ? '' : 'danger';
  $('grants').hidden = u.role !== 'holder';
  if (u.role !== 'holder') return;
  const granted = u.products || [];
  $('grant-list').replaceChildren(...(granted.length
    ? granted.map((p) => h('li', { id: `grant-${p.id}` }, `${p.name} `,
      h('button', { type: 'button', class: 'small secondary', id: `withdraw-${p.id}`, on: { click: () => withdraw(p) } },
        t('adm.withdraw', { product: p.name }))))
    : [h('li', {}, t('adm.grants.none'))]));
  const open = products.filter((p) => !granted.some((g) => g.id === p.id));
  $('grant-product').replaceChildren(...open.map((p) => h('option', { value: String(p.id) }, p.name)));
  $('grant-form').hidden = !open.length;
  if (!open.length) $('grant-list').append(h('li', {}, t('adm.grant.all')));
}

/** Replaces the account in the list with the server's answer and re-renders. */
function updated(account) {
  users = users.map((u) => (u.id === account.id ? account : u));
  renderUsers();
  renderAccount();
}

$('account-toggle').addEventListener('click', async () => {
  const u = current();
  if (!u) return;
  showError('error', null);
  if (!u.disabled) {
    $('disable-dialog-h').textContent = t('adm.disable.h', { login: u.login });
    $('disable-summary').textContent = t('adm.disable.summary', { name: u.name, login: u.login, role: roleText(u.role) });
    showError('disable-error', null);
    $('disable-dialog').showModal();
    $('disable-cancel').focus();
    return;
  }
  try {
    updated(await post(`/api/admin/users/${u.id}/enable`));
    showStatus('status', t('adm.enabled.done', { login: u.login }), true);
    $('account-toggle').focus();
  } catch (e) {
    showError('error', e);
  }
});

function closeDisable() {
  $('disable-dialog').close();
  $('account-toggle').focus();
}
$('disable-cancel').addEventListener('click', closeDisable);
$('disable-dialog').addEventListener('cancel', (event) => {
  event.preventDefault();
  closeDisable();
});
$('disable-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const u = current();
  $('disable-confirm').disabled = true;
  try {
    updated(await post(`/api/admin/users/${u.id}/disable`));
    closeDisable();
    showStatus('status', t('adm.disabled.done', { login: u.login }), true);
  } catch (e) {
    showError('disable-error', e);
  } finally {
    $('disable-confirm').disabled = false;
  }
});

$('reset-create').addEventListener('click', async () => {
  const u = current();
  if (!u) return;
  showError('error', null);
  try {
    const reset = await post(`/api/admin/users/${u.id}/password-reset`);
    $('reset-link').value = `${location.origin}${reset.link}`;
    $('reset-hint').textContent = t('adm.reset.hint', { login: u.login, until: formatDate(reset.expires_at, true) });
    $('reset-result').hidden = false;
    showStatus('status', t('adm.reset.done', { login: u.login }), true);
    $('reset-link').focus();
    $('reset-link').select();
  } catch (e) {
    showError('error', e);
  }
});

$('grant-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const u = current();
  const id = Number($('grant-product').value);
  const product = products.find((p) => p.id === id);
  if (!u || !product) return;
  showError('error', null);
  try {
    updated(await post(`/api/admin/users/${u.id}/grant`, { product_id: id }));
    showStatus('status', t('adm.granted.done', { product: product.name, login: u.login }), true);
    $(`withdraw-${id}`)?.focus();
  } catch (e) {
    showError('error', e);
  }
});

async function withdraw(product) {
  const u = current();
  showError('error', null);
  try {
    updated(await post(`/api/admin/users/${u.id}/withdraw`, { product_id: product.id }));
    showStatus('status', t('adm.withdrawn.done', { product: product.name, login: u.login }), true);
    focusHeading('grants-h');
  } catch (e) {
    showError('error', e);
  }
}

$('account-close').addEventListener('click', () => {
  const u = current();
  selected = null;
  $('account-panel').hidden = true;
  if (u) $(`manage-${u.login}`)?.focus();
});

$('add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('add-error', null);
  const body = {
    login: $('add-login').value.trim(),
    name: $('add-name').value.trim(),
    email: $('add-email').value.trim(),
    role: $('add-role').value,
    password: $('add-password').value,
  };
  if (!body.login || !body.name || !body.password) {
    showError('add-error', t('adm.add.missing'));
    (!body.login ? $('add-login') : !body.name ? $('add-name') : $('add-password')).focus();
    return;
  }
  if (body.password.length < 8) {
    showError('add-error', t('adm.add.short'));
    $('add-password').focus();
    return;
  }
  $('add-submit').disabled = true;
  try {
    const made = await post('/api/admin/users', body);
    $('add-form').reset();
    showStatus('status', t('adm.added', { login: made.login }), true);
    await loadUsers();
    await loadCa();
    openAccount(made.id);
  } catch (e) {
    showError('add-error', e);
  } finally {
    $('add-submit').disabled = false;
  }
});

function renderProducts() {
  $('products-body').replaceChildren(...products.map((p) => h('tr', { id: `product-${p.id}` },
    h('td', {}, p.name),
    h('td', {}, p.cert_type),
    h('td', {}, h('code', {}, p.profile)),
    h('td', {}, (p.allowed_keys || []).map((k) => KEY_NAMES[k] || k).join(', ') || t('none')),
    h('td', {}, p.validity_days ? t('adm.days', { n: p.validity_days }) : t('none')),
    h('td', {}, [...(p.key_usage || []), ...(p.extended_key_usage || [])].join(', ') || t('none')),
  )));
}

function renderCa() {
  if (!ca) return;
  const validity = (c) => t('adm.ca.validity', { subject: c.subject, from: formatDate(c.not_before), until: formatDate(c.not_after) });
  const requests = Object.entries(ca.requests || {})
    .map(([status, n]) => {
      const label = STATUS_LABELS[status] || status;
      return `${has(`status.${label}`) ? t(`status.${label}`) : label}: ${n}`;
    })
    .join(', ');
  $('ca-facts').replaceChildren(
    h('dt', {}, t('adm.ca.root')), h('dd', { id: 'ca-root' }, validity(ca.root)),
    h('dt', {}, t('adm.ca.issuing')), h('dd', { id: 'ca-issuing' }, validity(ca.issuing)),
    h('dt', {}, t('adm.ca.crl')), h('dd', { id: 'ca-crl' }, t('adm.ca.crl.text', {
      number: ca.crl.number ?? t('none'),
      this: formatDate(ca.crl.this_update, true),
      next: formatDate(ca.crl.next_update, true),
      revoked: ca.crl.revoked ?? 0,
    })),
    h('dt', {}, t('adm.ca.certs')), h('dd', { id: 'ca-certs' }, t('adm.ca.certs.text', {
      good: (ca.certificates || {}).good || 0,
      revoked: (ca.certificates || {}).revoked || 0,
    })),
    h('dt', {}, t('adm.ca.requests')), h('dd', { id: 'ca-requests' }, requests || t('none')),
  );
}
