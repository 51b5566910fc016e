/**
 * The login page (index.html, docs/PROCESS.md step 1): POST /api/login, then the dashboard for
 * holders or the operator queue for operator and admin accounts. A browser that is still
 * logged in (a hint kept in sessionStorage, so the page never asks /api/me in vain) goes on
 * at once.
 */

import { initLayout } from '../layout.js';
import { addStrings, t } from '../i18n.js';
import { post, getMe, forgetMe } from '../api.js';
import { $, showError, showStatus } from '../dom.js';

addStrings({
  'title.login': ['Masuk – kunci AMS', 'Log in – kunci AMS'],
  'login.h1': ['Masuk ke Portal Sertifikat Elektronik', 'Log in to the Electronic Certificate Portal'],
  'login.intro': ['Masuk dengan akun yang dikirim otoritas sertifikat melalui e-mail.',
                  'Log in with the account the certificate authority sent you by e-mail.'],
  'login.login': ['Nama pengguna', 'Login'],
  'login.password': ['Kata sandi', 'Password'],
  'login.submit': ['Masuk', 'Log in'],
  'login.missing': ['Isi nama pengguna dan kata sandi.', 'Enter your login and password.'],
  'login.busy': ['Sedang masuk…', 'Logging in…'],
});

const HINT = 'kunci-session';

function home(role) {
  return role === 'operator' || role === 'admin' ? '/operator.html' : '/dashboard.html';
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const login = $('login').value.trim();
  const password = $('password').value;
  showError('login-error', null);
  if (!login || !password) {
    showError('login-error', t('login.missing'));
    (login ? $('password') : $('login')).focus();
    return;
  }
  const button = $('login-submit');
  button.disabled = true;
  showStatus('login-status', t('login.busy'));
  try {
    const me = await post('/api/login', { login, password });
    forgetMe();
    sessionStorage.setItem(HINT, '1');
    location.assign(home(me.role));
  } catch (e) {
    showStatus('login-status', '');
    showError('login-error', e);
    $('password').select();
    $('password').focus();
  } finally {
    button.disabled = false;
  }
});

await initLayout({ auth: false });


if (sessionStorage.getItem(HINT)) {
  try {
    const me = await getMe();
    location.replace(home(me.role));
  } catch {
    sessionStorage.removeItem(HINT);
  }
}

