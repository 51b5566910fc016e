/**
 * Wizard step b, "token": the CSR token POST /api/requests gave (this page session only), its
 * expiry, and "Copy Token" (the clipboard, else the field selected for Ctrl+C).
 */
import { addStrings, t, formatDate } from '../../i18n.js';
import { $, showStatus } from '../../dom.js';
import { state, show } from './wizard.js';

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
});

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
}
