/**
 * Wizard step f, "agreement": the holder agreement in a scrollable region; the tick box turns
 * on once it was scrolled to its end, then "Setuju dan Submit" (POST /api/requests/{id}/submit).
 */
import { addStrings, t, getLang } from '../../i18n.js';
import { post } from '../../api.js';
import { $, h, showError } from '../../dom.js';
import { AGREEMENT } from '../../agreement.js';
import { state, show, whenShown } from './wizard.js';

addStrings({
  'new.agr.h': ['PERJANJIAN PEMILIK SERTIFIKAT ELEKTRONIK', 'PERJANJIAN PEMILIK SERTIFIKAT ELEKTRONIK (electronic certificate holder agreement)'],
  'new.agr.hint': ['Baca perjanjian sampai akhir. Kotak persetujuan aktif setelah Anda menggulir sampai bagian akhir teks (dengan tetikus, atau dengan Tab ke kotak teks lalu tombol panah/Page Down).',
                   'Read the agreement to its end. The agreement box becomes active once you scroll to the end of the text (with the mouse, or Tab into the text box and use the arrow or Page Down keys).'],
  'new.agr.region': ['Teks perjanjian', 'Agreement text'],
  'new.agr.agree': ['Saya telah membaca dan menyetujui perjanjian', 'Saya telah membaca dan menyetujui perjanjian (I have read and accept the agreement)'],
  'new.agr.scroll': ['Gulir teks perjanjian sampai akhir untuk mengaktifkan kotak persetujuan.', 'Scroll the agreement text to its end to activate the agreement box.'],
  'new.agr.read': ['Anda sudah sampai di akhir perjanjian; kotak persetujuan sekarang aktif.', 'You reached the end of the agreement; the agreement box is now active.'],
  'new.agr.submit': ['Setuju dan Submit', 'Setuju dan Submit'],
});

whenShown('agreement', renderAgreement);

export function renderAgreement() {
  const a = AGREEMENT[getLang()] || AGREEMENT.id;
  const box = $('agreement-text');
  const top = box.scrollTop;
  box.replaceChildren(
    h('p', {}, a.intro),
    h('ol', {}, ...a.clauses.map(([title, text]) => h('li', {}, h('strong', {}, `${title}. `), text))),
    h('p', { id: 'agreement-end' }, h('strong', {}, a.end)),
  );
  box.scrollTop = top;
  updateAgreement();
}

function atEnd(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= 4;
}

function updateAgreement() {
  if (state.step !== 'agreement') return;
  const box = $('agreement-text');
  if (!state.readToEnd && box.clientHeight > 0 && atEnd(box)) state.readToEnd = true;
  $('agree').disabled = !state.readToEnd;
  $('agree-status').textContent = t(state.readToEnd ? 'new.agr.read' : 'new.agr.scroll');
  $('submit').disabled = !(state.readToEnd && $('agree').checked);
}

/** Wires this step's controls (once, after the first section is shown). */
export function wireAgreement() {
  $('agreement-text').addEventListener('scroll', () => {
    if (!state.readToEnd) updateAgreement();
  }, { passive: true });

  window.addEventListener('resize', () => {
    if (!state.readToEnd) updateAgreement();
  });

  $('agree').addEventListener('change', updateAgreement);

  $('submit').addEventListener('click', async () => {
    showError('error', null);
    const button = $('submit');
    button.disabled = true;
    try {
      state.request = await post(`/api/requests/${state.request.id}/submit`, { agree: true });
      show('done');
    } catch (e) {
      showError('error', e);
      updateAgreement();
    }
  });
}
