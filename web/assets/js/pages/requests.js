/**
 * "Status Permohonan" (docs/PROCESS.md steps 7-8, 19, 23): the holder's requests, newest first —
 * kind ("Penerbitan" / "Pencabutan"), product, date, status label (Enrollment, Sudah Upload,
 * Submitted, Success, Rejected with its reason). "Check" re-reads one request
 * (GET /api/requests/{id}); "Continue" takes an unfinished enrollment back into the wizard
 * (permohonan-baru.html?request=N), which resumes at the right step. "Batalkan" cancels an
 * unfinished request (an enrollment before the operator decides, a pending revocation) after
 * a confirmation (POST /api/requests/{id}/cancel): it stays listed as "Dibatalkan".
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, statusLabel, statusExplanation } from '../i18n.js';
import { get, post } from '../api.js';
import { $, h, showError, showStatus } from '../dom.js';
import { fixText, fixLink } from '../rejection.js';

addStrings({
  'title.requests': ['Status Permohonan – kunci AMS', 'Request status – kunci AMS'],
  'reqs.h1': ['Status Permohonan', 'Status Permohonan (request status)'],
  'reqs.intro': ['Permohonan penerbitan dan pencabutan Anda, yang terbaru di atas. "Check" membaca ulang status sebuah permohonan.',
                 'Your enrollment and revocation requests, newest first. "Check" reads a request\'s status again.'],
  'reqs.caption': ['Daftar permohonan', 'Requests'],
  'reqs.id': ['No.', 'No.'],
  'certs.actions': ['Tindakan', 'Actions'],
  'reqs.kind': ['Jenis', 'Kind'],
  'reqs.product': ['Produk', 'Product'],
  'reqs.date': ['Tanggal', 'Date'],
  'reqs.status': ['Status', 'Status'],
  'reqs.empty': ['Belum ada permohonan.', 'No requests yet.'],
  'reqs.continue': ['Continue', 'Continue'],
  'reqs.certificate': ['Lihat sertifikat', 'See certificate'],
  'reqs.renews': ['perpanjangan sertifikat #{id}', 'renews certificate #{id}'],
  'reqs.target': ['sertifikat #{id}', 'certificate #{id}'],
  'reqs.checked': ['Permohonan #{id}: {status}', 'Request #{id}: {status}'],
  'reqs.cancel': ['Batalkan', 'Cancel request'],
  'reqs.cancel.label': ['Batalkan permohonan #{id}', 'Cancel request #{id}'],
  'reqs.cancel.h': ['Batalkan permohonan ini?', 'Cancel this request?'],
  'reqs.cancel.text': ['Permohonan #{id} ({kind}, {status}) akan dibatalkan. Permohonan tetap tercatat dengan status Dibatalkan, tokennya tidak berlaku lagi, dan tindakan ini tidak dapat diurungkan.',
                       'Request #{id} ({kind}, {status}) will be cancelled. It stays on record as Cancelled, its token stops working, and this cannot be undone.'],
  'reqs.cancel.yes': ['Ya, batalkan', 'Yes, cancel it'],
  'reqs.cancel.keep': ['Jangan batalkan', 'Keep it'],
  'reqs.cancelled': ['Permohonan #{id} dibatalkan.', 'Request #{id} was cancelled.'],
});

/** Whether the holder may still cancel `r` (the server decides; this only shows the button). */
function cancellable(r) {
  if (r.kind === 'revocation') return r.status === 'pending';
  return ['pending', 'uploaded', 'submitted'].includes(r.status);
}

await initLayout({ active: 'requests' });
let requests = [];

try {
  requests = (await get('/api/requests')).requests || [];
} catch (e) {
  showError('error', e);
}
render();
onLangChange(render);

function statusCell(r) {
  const cell = h('td', { id: `status-${r.id}` }, h('span', { class: `pill ${r.status}` }, statusLabel(r)));
  const explanation = statusExplanation(r);
  if (explanation) cell.append(h('div', { class: 'hint', id: `status-explain-${r.id}` }, explanation));
  if (r.status === 'rejected' && r.reject_reason) {
    cell.append(h('div', { class: 'hint', id: `reject-reason-${r.id}` }, t('reject.reason', { r: r.reject_reason })));
  }
  const fix = fixText(r);
  if (fix) cell.append(h('div', { class: 'hint', id: `reject-fix-${r.id}` }, fix));
  return cell;
}

function row(r) {
  const actions = h('td', { class: 'actions-cell' });
  if (r.kind === 'enrollment') {
    actions.append(h('button', { type: 'button', class: 'small secondary', id: `check-${r.id}`, on: { click: () => check(r.id) } }, t('check')));
    if (r.status === 'pending' || r.status === 'uploaded') {
      actions.append(h('a', { class: 'button small', href: `/permohonan-baru.html?request=${r.id}`, id: `continue-${r.id}` }, t('reqs.continue')));
    }
  }
  if (cancellable(r)) {
    actions.append(h('button', {
      type: 'button', class: 'small danger', id: `cancel-${r.id}`,
      'aria-label': t('reqs.cancel.label', { id: r.id }),
      on: { click: () => askCancel(r) },
    }, t('reqs.cancel')));
  }
  const fix = fixLink(r);
  if (fix) actions.append(fix);
  if (r.certificate_id && r.status === 'success') {
    actions.append(h('a', { class: 'button small secondary', href: `/certificate.html?id=${r.certificate_id}` }, t('reqs.certificate')));
  }
  let product = r.product || t('none');
  if (r.kind === 'enrollment' && r.renews) product += ` (${t('reqs.renews', { id: r.renews })})`;
  if (r.kind === 'revocation' && r.target_certificate_id) product += ` (${t('reqs.target', { id: r.target_certificate_id })})`;
  return h('tr', { id: `request-row-${r.id}` },
    h('td', {}, String(r.id)),
    h('td', {}, t(`kind.${r.kind}`)),
    h('td', {}, product),
    h('td', {}, formatDate(r.created_at, true)),
    statusCell(r),
    actions);
}

function render() {
  const body = $('requests-body');
  if (!requests.length) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('reqs.empty'))));
    return;
  }
  body.replaceChildren(...requests.map(row));
}

let cancelling = null;

function askCancel(r) {
  cancelling = r;
  showError('error', null);
  $('cancel-dialog-text').textContent = t('reqs.cancel.text', { id: r.id, kind: t(`kind.${r.kind}`), status: statusLabel(r) });
  $('cancel-dialog').showModal();
  $('cancel-keep').focus();
}

$('cancel-keep').addEventListener('click', () => {
  $('cancel-dialog').close();
  if (cancelling) $(`cancel-${cancelling.id}`)?.focus();
});

$('cancel-confirm').addEventListener('click', async () => {
  const r = cancelling;
  if (!r) return;
  const button = $('cancel-confirm');
  button.disabled = true;
  try {
    const done = await post(`/api/requests/${r.id}/cancel`);
    requests = requests.map((x) => (x.id === r.id ? done : x));
    $('cancel-dialog').close();
    render();
    showStatus('status', t('reqs.cancelled', { id: r.id }), true);
    $(`check-${r.id}`)?.focus();
  } catch (e) {
    $('cancel-dialog').close();
    showError('error', e);
    $(`cancel-${r.id}`)?.focus();
  } finally {
    button.disabled = false;
  }
});

async function check(id) {
  showError('error', null);
  try {
    const fresh = await get(`/api/requests/${id}`);
    requests = requests.map((r) => (r.id === id ? fresh : r));
    render();
    showStatus('status', t('reqs.checked', { id, status: statusLabel(fresh) }));
    $(`check-${id}`)?.focus();
  } catch (e) {
    showError('error', e);
  }
}
