/**
 * "Atur Kata Sandi Baru": where the link an administrator made (POST
 * /api/admin/users/{id}/password-reset) leads, without a session. The one-time code comes in
 * the address's fragment (`#code=…`), which browsers never send to a server, so it is in no
 * log and no Referer; the page reads it, removes it from the address bar and history at once,
 * and sends it only in POST bodies: /api/password-reset/check (is it still good, for which
 * login) and /api/password-reset (the new password, which must meet the portal's rule). A code
 * used, expired or unknown gets its message and no form; after success, the login link.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange } from '../i18n.js';
import { post } from '../api.js';
import { $, showError, showStatus, focusHeading } from '../dom.js';

addStrings({
  'title.reset': ['Atur Kata Sandi Baru – kunci AMS', 'Set a new password – kunci AMS'],
  'reset.h1': ['Atur Kata Sandi Baru', 'Set a new password'],
  'reset.intro': ['Tautan ini dari admin otoritas sertifikat. Tautan hanya berlaku satu kali.', 'This link comes from the certificate authority\'s administrator. It works once.'],
  'reset.account': ['Kata sandi baru untuk akun {login}.', 'A new password for account {login}.'],
  'reset.password': ['Kata sandi baru', 'New password'],
  'reset.password.hint': ['Minimal 8 karakter.', 'At least 8 characters.'],
  'reset.password2': ['Ulangi kata sandi baru', 'Repeat the new password'],
  'reset.submit': ['Simpan kata sandi', 'Save the password'],
  'reset.busy': ['Menyimpan…', 'Saving…'],
  'reset.short': ['Kata sandi terlalu pendek: minimal 8 karakter.', 'The password is too short: at least 8 characters.'],
  'reset.mismatch': ['Kedua kata sandi tidak sama.', 'The two passwords differ.'],
  'reset.no_code': ['Tautan ini tidak lengkap. Buka tautan dari admin persis seperti yang dikirim, atau minta tautan baru.', 'This link is incomplete. Open the administrator\'s link exactly as sent, or ask for a new one.'],
  'reset.done': ['Kata sandi akun {login} sudah diganti. Semua sesi lama akun ini berakhir; silakan masuk dengan kata sandi baru.', 'The password of account {login} is changed. Every older session of the account ended; log in with the new password.'],
  'reset.login': ['Masuk dengan kata sandi baru', 'Log in with the new password'],
});

await initLayout({ auth: false });

const code = new URLSearchParams(location.hash.slice(1)).get('code') || '';
// The code leaves the address bar and the history entry at once.
if (location.hash) history.replaceState(null, '', location.pathname);
// A link pasted again into this same tab only changes the fragment: start over with it.
window.addEventListener('hashchange', () => location.reload());

let login = null;
let outcome = null;

if (!code) {
  showError('reset-error', t('reset.no_code'));
} else {
  try {
    login = (await post('/api/password-reset/check', { code })).login;
    $('reset-panel').hidden = false;
    render();
    $('reset-password').focus();
  } catch (e) {
    showError('reset-error', e);
  }
}
onLangChange(render);

function render() {
  if (login) $('reset-account').textContent = t('reset.account', { login });
  if (outcome) showStatus('reset-status', t('reset.done', { login: outcome }), true);
}

$('reset-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('reset-error', null);
  const password = $('reset-password').value;
  if (password.length < 8) {
    showError('reset-error', t('reset.short'));
    $('reset-password').focus();
    return;
  }
  if (password !== $('reset-password2').value) {
    showError('reset-error', t('reset.mismatch'));
    $('reset-password2').focus();
    return;
  }
  const button = $('reset-submit');
  button.disabled = true;
  showStatus('reset-status', t('reset.busy'));
  try {
    outcome = (await post('/api/password-reset', { code, password })).login;
    $('reset-form').reset();
    $('reset-panel').hidden = true;
    $('reset-login').hidden = false;
    render();
    focusHeading('reset-status');
  } catch (e) {
    showStatus('reset-status', '');
    showError('reset-error', e);
    button.disabled = false;
  }
});
