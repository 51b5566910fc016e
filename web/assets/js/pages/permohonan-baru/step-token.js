/**
 * Wizard step b, "token": the CSR token POST /api/requests gave (this page session only), its
 * expiry, and "Copy Token" (the clipboard, else the field selected for Ctrl+C). A token is
 * shown once; when it was lost (a reload, a closed tab) or expired before the CSR was sent,
 * the key step offers "Token hilang? Buat token baru": POST /api/requests/{id}/token gives a
 * fresh one (the old one dies at once) and this step shows it, so no request is stranded.
 */
import { addStrings, t, formatDate } from '../../i18n.js';
import { post } from '../../api.js';
import { $, showError, showStatus } from '../../dom.js';
import { state, show, whenShown } from './wizard.js';

addStrings({
  'new.token.h': ['Token CSR', 'CSR token'],
  'new.token.intro': ['Token ini mengikat CSR Anda ke permohonan ini. Token hanya dapat dipakai satu kali dan hanya sampai waktu di bawah. Salin token, lalu lanjutkan ke client kit.',
                      'This token binds your CSR to this request. It works once, and only until the time below. Copy the token, then go on to the client kit.'],
  'new.token.label': ['Token CSR', 'CSR token'],
  'new.token.copy': ['Copy Token', 'Copy Token'],
  'new.token.expires': ['Permohonan #{id}. Token berlaku sampai {date}.', 'Request #{id}. The token is valid until {date}.'],
  'new.token.copied': ['Token disalin ke papan klip.', 'Token copied to the clipboard.'],
  'new.token.select': ['Papan klip tidak dapat dipakai di sini. Token sudah dipilih: salin dengan Ctrl+C (⌘+C).',
                       'The clipboard cannot be used here. The token is selected: copy it with Ctrl+C (⌘+C).'],
  'new.token.lost.text': ['Token tidak Anda simpan (halaman dimuat ulang atau ditutup sebelum token disalin), atau sudah kedaluwarsa? Buat token baru untuk permohonan ini; token lama langsung tidak berlaku.',
                          'You did not keep the token (the page was reloaded or closed before you copied it), or it has expired? Make a new token for this request; the old one stops working at once.'],
  'new.token.lost.button': ['Token hilang? Buat token baru', 'Token hilang? Buat token baru (lost the token? make a new one)'],
  'new.token.fresh': ['Token baru dibuat; token lama tidak berlaku lagi. Salin token ini.', 'A new token was made; the old one no longer works. Copy this token.'],
});

whenShown('kit', renderFreshToken);

/** The "Token hilang?" part of the key step: while the request waits for its CSR. */
export function renderFreshToken() {
  const r = state.request;
  $('token-lost').hidden = !(r && r.kind === 'enrollment' && r.status === 'pending' && !r.csr_uploaded && !state.sent);
}

export function renderToken() {
  if (!state.token) return;
  $('csr-token').value = state.token;
  $('token-expiry').textContent = t('new.token.expires', { id: state.request.id, date: formatDate(state.tokenExpiresAt, true) });
  showStatus('copy-status', state.copyMessage ? t(state.copyMessage) : '');
}

/** Wires this step's controls (once, after the first section is shown). */
export function wireToken() {
  $('copy-token').addEventListener('click', async () => {
    const field = $('csr-token');
    try {
      await navigator.clipboard.writeText(field.value);
      state.copyMessage = 'new.token.copied';
    } catch {
      field.focus();
      field.select();
      state.copyMessage = 'new.token.select';
    }
    showStatus('copy-status', t(state.copyMessage), state.copyMessage === 'new.token.copied');
  });

  $('token-continue').addEventListener('click', () => show('kit'));

  $('new-token').addEventListener('click', async () => {
    const button = $('new-token');
    showError('error', null);
    button.disabled = true;
    try {
      const res = await post(`/api/requests/${state.request.id}/token`);
      state.request = res.request;
      state.token = res.csr_token;
      state.tokenExpiresAt = res.token_expires_at;
      // What was checked or signed with the old token cannot be sent with the new one: the
      // key step's element starts afresh when it is given the new token (step-kit.js).
      state.check = null;
      state.sent = false;
      state.pasteMessage = '';
      state.copyMessage = 'new.token.fresh';
      renderToken();
      show('token');
    } catch (e) {
      showError('error', e);
    } finally {
      button.disabled = false;
    }
  });
}
