/**
 * "Status Permohonan" (docs/PROCESS.md steps 7-8, 19, 23): the holder's requests, newest first —
 * kind ("Penerbitan" / "Pencabutan"), product, date, status label (Enrollment, Sudah Upload,
 * Submitted, Success, Rejected with its reason). "Check" re-reads one request
 * (GET /api/requests/{id}); "Continue" takes an unfinished enrollment back into the wizard
 * (permohonan-baru.html?request=N), which resumes at the right step.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, statusLabel } from '../i18n.js';
import { get } from '../api.js';
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
});

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
