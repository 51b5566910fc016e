/**
 * Wizard step c, the client kit: the page's glue around `<kunci-client-kit>` (the element is the
 * whole key step: paste, check, algorithm, file or USB token, password, key made, stored and
 * backed up, CSR; docs/ELEMENTS.md). The glue answers the element's check hook with
 * POST /api/csr/check, its `kunci-submit` with POST /api/csr and then the backup record
 * (POST /api/requests/{id}/key-backup: the server takes it only once the CSR is there), feeds it
 * the holder's data for the password rule, the handed-over token and the portal's language,
 * remembers which token holds a token key, and shows "CSR telah diterima server" → "OK".
 */
import '/pkg/elements.js';
import { addStrings, t, statusLabel, getLang } from '../../i18n.js';
import { get, post } from '../../api.js';
import { $, showStatus } from '../../dom.js';
import { rememberTokenKey } from '../../tokenpath.js';
import { tokenHelp } from '../../tokenhelp.js';
import { state, show, whenShown } from './wizard.js';
import { renderCheck } from './step-check.js';
import { renderFreshToken } from './step-token.js';

addStrings({
  'new.kit.h': ['Client kit: kunci dan CSR', 'Client kit: key and CSR'],
  'new.kit.intro': ['Bagian ini menggantikan aplikasi LOCK: pasangan kunci dibuat di peramban Anda dan kunci privat tidak pernah dikirim ke server.',
                    'This part replaces the LOCK program: the key pair is made in your browser and the private key is never sent to the server.'],
  'new.kit.resume': ['Tempel token CSR yang Anda salin saat membuat permohonan ini. Jika token hilang atau kedaluwarsa, tekan "Token hilang? Buat token baru".',
                     'Paste the CSR token you copied when you made this request. If the token is lost or has expired, press "Token hilang? Buat token baru" (lost the token? make a new one).'],
  'new.kit.handed': ['Token CSR permohonan pengganti sudah diisikan. Tekan "(2) Lanjutkan >>".', 'The replacement request\'s CSR token is filled in. Press "(2) Continue >>".'],
  'new.kit.sent': ['CSR telah diterima server', 'CSR telah diterima server (the server accepted the CSR)'],
  'new.kit.sent.detail': ['Permohonan #{id} sekarang berstatus "{status}". Tekan OK, lalu "Check".', 'Request #{id} now has the status "{status}". Press OK, then "Check".'],
});

// The token of this page session (or handed over) is the element's to paste; registered at
// load, as a resumed request shows this step before the steps are wired.
whenShown('kit', () => {
  if (state.token) $('kit').setAttribute('token', state.token);
});

/** The note above the element: a resumed request, or a token handed over. */
export function renderKitNote() {
  showStatus('kit-note', state.pasteMessage ? t(state.pasteMessage) : '');
}

/** "CSR telah diterima server" with the request's status. */
export function renderSent() {
  if (state.sent && state.request) {
    $('csr-sent-detail').textContent = t('new.kit.sent.detail', { id: state.request.id, status: statusLabel(state.request) });
  }
}

/** The element's language follows the portal's switch. */
export function renderKitLang() {
  $('kit').setAttribute('lang', getLang());
}

/** The holder's own data, which the password rule refuses (read when the password is judged). */
function holder() {
  const id = state.identity || {};
  const me = state.me || {};
  return {
    name: id.common_name || me.name || undefined,
    email: id.email || me.email || undefined,
    organization: id.organization || undefined,
    nik: id.nik || undefined,
    // The login is the holder's own too; organisation abbreviations and years are in the
    // strength module's own list (kunci-core strength/organizations.rs).
    other: me.login ? [me.login] : [],
  };
}

/** POST /api/csr, then the backup record; a retry after a failed record does not send the CSR twice. */
async function submit(d) {
  if (!state.uploaded || state.uploaded.token !== d.token) {
    state.uploaded = { token: d.token, request: await post('/api/csr', { token: d.token, csr: d.csr }) };
  }
  const r = state.uploaded.request;
  if (!d.onToken) {
    try {
      await post(`/api/requests/${r.id}/key-backup`, { checked: d.backup.checked });
    } catch (e) {
      // Already on the record (a reload, a second try): nothing more to record.
      if (e.code !== 'store.conflict') throw e;
    }
  }
  return r;
}

/** Wires this step (once, after the first section is shown). */
export function wireKit() {
  const kit = $('kit');
  renderKitLang();
  Object.defineProperty(kit, 'holder', { get: holder, configurable: true });
  kit.check = async (token) => {
    const c = await post('/api/csr/check', { token });
    state.check = c;
    state.token = token;
    if (!state.request || state.request.id !== c.request_id) state.request = await get(`/api/requests/${c.request_id}`);
    return c;
  };
  kit.addEventListener('kunci-submit', (e) => e.detail.respondWith(submit(e.detail)));
  // What the USB-token path lacks (extension, kunci-host, module, token), with the fix.
  tokenHelp($('token-help'), kit);
  kit.addEventListener('kunci-done', (e) => {
    const d = e.detail;
    if (d.onToken) rememberTokenKey(d.requestId, { keyId: d.keyId, token: d.token, publicKeySha256: d.publicKeySha256 });
    state.request = d.answer;
    state.sent = true;
    renderSent();
    renderFreshToken();
    $('csr-sent').hidden = false;
    $('csr-ok').focus();
  });
  $('csr-ok').addEventListener('click', () => {
    state.checkResult = null;
    renderCheck();
    show('check');
  });
}
