/**
 * The login page (index.html, docs/PROCESS.md step 1): POST /api/login, then the page in
 * `?next=` when it is a same-origin path (next.js: the page and request the holder was on when
 * the session ended), else the dashboard for holders or the operator queue for operator and
 * admin accounts. With `?ended=1` it first says the session ended. A browser that is still
 * logged in (a hint kept in sessionStorage, so the page never asks /api/me in vain) goes on
 * at once.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange } from '../i18n.js';
import { post, getMe, forgetMe, SESSION_HINT } from '../api.js';
import { $, showError, showStatus } from '../dom.js';
import { safeNext } from '../next.js';

addStrings({
  'title.login': ['Masuk – kunci AMS', 'Log in – kunci AMS'],
  'login.h1': ['Masuk ke Portal Sertifikat Elektronik', 'Log in to the Electronic Certificate Portal'],
  'login.intro': ['Masuk dengan akun yang dikirim otoritas sertifikat melalui e-mail.',
                  'Log in with the account the certificate authority sent you by e-mail.'],
  'login.login': ['Nama pengguna', 'Login'],
  'login.password': ['Kata sandi', 'Password'],
  'login.submit': ['Masuk', 'Log in'],
  'login.verify': ['Verifikasi Dokumen: periksa tanda tangan pada PDF tanpa masuk', 'Verifikasi Dokumen: check the signatures of a PDF without logging in'],
  'login.missing': ['Isi nama pengguna dan kata sandi.', 'Enter your login and password.'],
  'login.busy': ['Sedang masuk…', 'Logging in…'],
  'login.ended': ['Sesi Anda telah berakhir, silakan masuk lagi. Setelah masuk, Anda kembali ke halaman tadi; data yang sudah tersimpan di server tidak hilang.',
                  'Your session has ended, please log in again. After logging in you return to the page you were on; what the server already stored is not lost.'],
});

const HINT = SESSION_HINT;
const params = new URLSearchParams(location.search);
const next = safeNext(params.get('next'), location.origin);

function home(role) {
  if (next) return next;
  return role === 'operator' || role === 'admin' ? '/operator.html' : '/dashboard.html';
}

function renderEnded() {
  const note = $('session-ended');
  note.hidden = params.get('ended') !== '1';
  note.textContent = note.hidden ? '' : t('login.ended');
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
renderEnded();
onLangChange(renderEnded);


if (sessionStorage.getItem(HINT)) {
  try {
    const me = await getMe();
    location.replace(home(me.role));
  } catch {
    sessionStorage.removeItem(HINT);
  }
}

