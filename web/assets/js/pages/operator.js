/**
 * "Antrian Permohonan", the operator queue (operator and admin accounts): revocations waiting
 * and enrollments submitted, oldest first (GET /api/operator/queue) with holder, kind,
 * product, date, the supporting document (a PDF download: documents are never shown inline), details with the CSR's subject and
 * key (GET /api/operator/requests/{id}), "Setujui" (approve) and "Tolak" (reject, with a
 * required reason in a dialog). A decided row leaves the queue with a status message. Shows
 * when automatic approval is on (GET /api/me auto_approve). Below the queue, "Jejak Audit": the
 * tamper-evident audit log, read-only, newest first, 50 entries a page with "Muat catatan lebih
 * lama" for older ones (GET /api/operator/audit?before=&limit=), and the chain's head.
 */

import { initLayout, isStaff } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, formatBytes } from '../i18n.js';
import { get, post } from '../api.js';
import { $, h, showError, showStatus, focusHeading } from '../dom.js';

addStrings({
  'title.operator': ['Antrian Permohonan – kunci AMS', 'Request queue – kunci AMS'],
  'op.h1': ['Antrian Permohonan', 'Antrian Permohonan (request queue)'],
  'op.intro': ['Permohonan pencabutan yang menunggu dan permohonan penerbitan yang sudah disubmit, yang terlama di atas. Periksa dokumen pendukung sebelum menyetujui.',
               'Revocations waiting and enrollments submitted, oldest first. Check the supporting document before approving.'],
  'op.auto': ['Mode persetujuan otomatis aktif: permohonan penerbitan disetujui dan diterbitkan begitu disubmit, sehingga biasanya tidak muncul di antrian ini.',
              'Automatic approval is on: enrollments are approved and issued as soon as they are submitted, so they usually do not appear in this queue.'],
  'op.caption': ['Antrian', 'Queue'],
  'reqs.id': ['No.', 'No.'],
  'reqs.kind': ['Jenis', 'Kind'],
  'reqs.product': ['Produk', 'Product'],
  'reqs.date': ['Tanggal', 'Date'],
  'certs.actions': ['Tindakan', 'Actions'],
  'op.holder': ['Pemohon', 'Holder'],
  'op.document': ['Dokumen', 'Document'],
  'op.open_pdf': ['Unduh PDF: {name}', 'Download PDF: {name}'],
  'op.no_document': ['tidak ada', 'none'],
  'op.details': ['Rincian', 'Details'],
  'op.approve': ['Setujui', 'Setujui (approve)'],
  'op.reject': ['Tolak', 'Tolak (reject)'],
  'op.empty': ['Antrian kosong.', 'The queue is empty.'],
  'op.approved': ['Permohonan #{id} disetujui.', 'Request #{id} approved.'],
  'op.approved.cert': ['Permohonan #{id} disetujui; sertifikat #{cert} diterbitkan.', 'Request #{id} approved; certificate #{cert} issued.'],
  'op.rejected': ['Permohonan #{id} ditolak.', 'Request #{id} rejected.'],
  'op.reject.h': ['Tolak permohonan #{id}', 'Reject request #{id}'],
  'op.reject.reason': ['Alasan penolakan', 'Reason for rejection'],
  'op.reject.send': ['Kirim penolakan', 'Send rejection'],
  'op.reject.required': ['Tulis alasan penolakan.', 'Write the reason for the rejection.'],
  'op.reject.fix': ['Yang harus diperbaiki pemohon', 'What the holder must fix'],
  'op.reject.fix.document': ['Dokumen saja (CSR sudah benar): pemohon mengunggah Surat Rekomendasi baru dan mengirim ulang permohonan yang sama',
                             'Only the document (the CSR is fine): the holder uploads a new Surat Rekomendasi and resubmits the same request'],
  'op.reject.fix.new_key': ['Kunci baru (CSR, kunci atau identitas harus berubah): pemohon membuat permohonan baru',
                            'A new key (the CSR, key or identity must change): the holder makes a new request'],
  'op.reject.fix.hint': ['Hanya untuk permohonan penerbitan. Alasan dan pilihan ini ditampilkan kepada pemohon.',
                         'Enrollments only. The holder sees the reason and this choice.'],
  'op.forbidden': ['Halaman ini hanya untuk operator.', 'This page is for operators only.'],
  'op.detail.h': ['Rincian permohonan #{id}', 'Details of request #{id}'],
  'op.f.kind': ['Jenis', 'Kind'],
  'op.f.status': ['Status', 'Status'],
  'op.f.holder': ['Pemohon', 'Holder'],
  'op.f.product': ['Produk', 'Product'],
  'op.f.csr_subject': ['Subjek CSR', 'CSR subject'],
  'op.f.document': ['Dokumen', 'Document'],
  'op.f.agreed': ['Perjanjian disetujui', 'Agreement accepted'],
  'op.f.renews': ['Memperpanjang sertifikat', 'Renews certificate'],
  'op.f.target': ['Sertifikat yang dicabut', 'Certificate to revoke'],
  'op.f.reason': ['Alasan pencabutan', 'Revocation reason'],
  'op.f.csr': ['CSR: {field}', 'CSR: {field}'],
  'audit.h': ['Jejak Audit', 'Jejak Audit (audit log)'],
  'audit.intro': ['Setiap perubahan oleh orang atau CA dicatat berurutan dan dirantai dengan hash SHA-256; catatan hanya bisa dibaca di sini. Pemeriksaan rantai: kunci-ams audit verify.',
                  'Every change a person or the CA makes is recorded in order and chained with SHA-256 hashes; here it can only be read. Chain check: kunci-ams audit verify.'],
  'audit.caption': ['Catatan audit, yang terbaru di atas', 'Audit entries, newest first'],
  'audit.time': ['Waktu', 'Time'],
  'audit.actor': ['Pelaku', 'Actor'],
  'audit.action': ['Tindakan', 'Action'],
  'audit.subject': ['Objek', 'Subject'],
  'audit.details': ['Rincian', 'Details'],
  'audit.more': ['Muat catatan lebih lama', 'Load older entries'],
  'audit.empty': ['Belum ada catatan.', 'No entries yet.'],
  'audit.head': ['Kepala rantai: catatan #{seq}, hash {hash}', 'Chain head: entry #{seq}, hash {hash}'],
});

/** The audit log's action names (stable, dotted: docs/API.md) and their labels. */
const AUDIT_ACTIONS = {
  'login.succeeded': ['Masuk', 'Logged in'],
  'login.failed': ['Gagal masuk', 'Failed login'],
  'logout': ['Keluar', 'Logged out'],
  'logout.all': ['Keluar dari semua sesi', 'Logged out everywhere'],
  'lockout.cleared': ['Blokir masuk dibuka', 'Lockout cleared'],
  'user.created': ['Akun dibuat', 'Account created'],
  'user.disabled': ['Akun dinonaktifkan', 'Account disabled'],
  'user.enabled': ['Akun diaktifkan', 'Account enabled'],
  'user.password_changed': ['Kata sandi diganti', 'Password changed'],
  'user.password_reset': ['Kata sandi direset', 'Password reset'],
  'user.sessions_ended': ['Sesi akun diakhiri', 'Account sessions ended'],
  'identity.registered': ['Identitas didaftarkan', 'Identity registered'],
  'product.created': ['Produk dibuat', 'Product created'],
  'product.granted': ['Produk diberikan', 'Product granted'],
  'product.grant_withdrawn': ['Pemberian produk dicabut', 'Product grant withdrawn'],
  'request.created': ['Permohonan dibuat', 'Request created'],
  'request.csr_stored': ['CSR diunggah', 'CSR uploaded'],
  'request.document_attached': ['Dokumen diunggah', 'Document uploaded'],
  'request.submitted': ['Permohonan disubmit', 'Request submitted'],
  'request.approved': ['Permohonan disetujui', 'Request approved'],
  'request.rejected': ['Permohonan ditolak', 'Request rejected'],
  'certificate.issued': ['Sertifikat diterbitkan', 'Certificate issued'],
  'certificate.revoked': ['Sertifikat dicabut', 'Certificate revoked'],
  'certificate.reminded': ['Pengingat masa berlaku dikirim', 'Expiry reminder sent'],
  'crl.published': ['CRL diterbitkan', 'CRL published'],
  'ca.ocsp_key_created': ['Kunci OCSP dibuat', 'OCSP key created'],
  'ca.ocsp_certificate_renewed': ['Sertifikat OCSP diperbarui', 'OCSP certificate renewed'],
  'ca.tsa_key_created': ['Kunci TSA dibuat', 'TSA key created'],
};
addStrings(Object.fromEntries(Object.entries(AUDIT_ACTIONS).map(([k, v]) => [`audit.a.${k}`, v])));

const me = await initLayout({ active: 'operator' });
let queue = [];
let audit = [];
let auditHead = null;
let auditNext = null;
let rejecting = null;
let detail = null;

if (!isStaff(me)) {
  showError('error', t('op.forbidden'));
  $('queue').closest('.table-wrap').hidden = true;
} else {
  await load();
  $('audit-panel').hidden = false;
  await loadAudit(null);
}
onLangChange(() => {
  render();
  renderDetail();
  renderAudit();
});

async function load() {
  try {
    queue = (await get('/api/operator/queue')).requests || [];
  } catch (e) {
    showError('error', e);
  }
  render();
}

function render() {
  const auto = $('auto-approve');
  auto.hidden = !me.auto_approve;
  auto.textContent = t('op.auto');
  if (!isStaff(me)) return;
  const body = $('queue-body');
  if (!queue.length) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, t('op.empty'))));
    return;
  }
  body.replaceChildren(...queue.map((r) => h('tr', { id: `queue-row-${r.id}` },
    h('td', {}, String(r.id)),
    h('td', {}, r.holder ? `${r.holder.name} (${r.holder.login})` : t('none')),
    h('td', {}, t(`kind.${r.kind}`)),
    h('td', {}, r.product || t('none')),
    h('td', {}, formatDate(r.updated_at || r.created_at, true)),
    h('td', {}, r.document
      ? h('a', { href: `/api/operator/requests/${r.id}/document`, download: true, id: `doc-${r.id}` }, t('op.open_pdf', { name: r.document.name }))
      : t('op.no_document')),
    h('td', { class: 'actions-cell' },
      h('button', { type: 'button', class: 'small secondary', id: `details-${r.id}`, on: { click: () => showDetail(r.id) } }, t('op.details')),
      h('button', { type: 'button', class: 'small', id: `approve-${r.id}`, on: { click: () => approve(r.id) } }, t('op.approve')),
      h('button', { type: 'button', class: 'small danger', id: `reject-${r.id}`, on: { click: () => openReject(r.id) } }, t('op.reject'))),
  )));
}

function leave(id, message) {
  queue = queue.filter((r) => r.id !== id);
  if (detail && detail.id === id) closeDetail();
  render();
  showStatus('status', message, true);
  focusHeading(document.querySelector('h1'));
}

async function approve(id) {
  showError('error', null);
  const button = $(`approve-${id}`);
  if (button) button.disabled = true;
  try {
    const r = await post(`/api/operator/requests/${id}/approve`);
    leave(id, r.certificate_id ? t('op.approved.cert', { id, cert: r.certificate_id }) : t('op.approved', { id }));
  } catch (e) {
    if (button) button.disabled = false;
    showError('error', e);
  }
}

function openReject(id) {
  rejecting = id;
  $('reject-dialog-h').textContent = t('op.reject.h', { id });
  $('reject-reason').value = '';
  // What to fix applies to enrollments only (a revocation takes no fix).
  const r = queue.find((x) => x.id === id);
  const enrollment = !r || r.kind === 'enrollment';
  $('reject-fix-field').hidden = !enrollment;
  $('reject-fix').value = 'document';
  showError('reject-error', null);
  $('reject-dialog').showModal();
  $('reject-reason').focus();
}

$('reject-cancel').addEventListener('click', () => {
  $('reject-dialog').close();
  $(`reject-${rejecting}`)?.focus();
});

$('reject-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const reason = $('reject-reason').value.trim();
  if (!reason) {
    showError('reject-error', t('op.reject.required'));
    $('reject-reason').focus();
    return;
  }
  const id = rejecting;
  $('reject-confirm').disabled = true;
  try {
    const body = { reason };
    if (!$('reject-fix-field').hidden) body.fix = $('reject-fix').value;
    await post(`/api/operator/requests/${id}/reject`, body);
    $('reject-dialog').close();
    leave(id, t('op.rejected', { id }));
  } catch (e) {
    showError('reject-error', e);
  } finally {
    $('reject-confirm').disabled = false;
  }
});

async function showDetail(id) {
  showError('error', null);
  try {
    detail = await get(`/api/operator/requests/${id}`);
    renderDetail();
    $('detail-panel').hidden = false;
    focusHeading('detail-h');
  } catch (e) {
    showError('error', e);
  }
}

function show(value) {
  if (value === null || value === undefined || value === '') return t('none');
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}: ${show(v)}`).join('; ');
  if (typeof value === 'boolean') return t(value ? 'yes' : 'no');
  return String(value);
}

function renderDetail() {
  if (!detail) return;
  const r = detail;
  $('detail-h').textContent = t('op.detail.h', { id: r.id });
  const rows = [
    ['op.f.kind', t(`kind.${r.kind}`)],
    ['op.f.status', r.status_label || r.status],
    ['op.f.holder', r.holder ? `${r.holder.name} (${r.holder.login})` : null],
    ['op.f.product', r.product],
  ];
  if (r.kind === 'enrollment') {
    rows.push(['op.f.csr_subject', r.csr_subject]);
    rows.push(['op.f.document', r.document ? `${r.document.name} (${formatBytes(r.document.size)}), SHA-256 ${r.document.sha256}` : null]);
    rows.push(['op.f.agreed', r.agreed]);
    if (r.renews) rows.push(['op.f.renews', `#${r.renews}`]);
  } else {
    rows.push(['op.f.target', r.target_certificate_id ? `#${r.target_certificate_id}` : null]);
    rows.push(['op.f.reason', r.revocation_reason]);
  }
  const dl = $('detail');
  dl.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, show(v))]));
  if (r.csr_info && typeof r.csr_info === 'object') {
    for (const [k, v] of Object.entries(r.csr_info)) {
      dl.append(h('dt', {}, t('op.f.csr', { field: k })), h('dd', {}, h('code', {}, show(v))));
    }
  }
}

/** One page of the audit log, older than entry `before` (from the newest when null). */
async function loadAudit(before) {
  showError('audit-error', null);
  const more = $('audit-more');
  more.disabled = true;
  try {
    const query = before ? `?before=${before}&limit=50` : '?limit=50';
    const page = await get(`/api/operator/audit${query}`);
    audit = before ? audit.concat(page.entries || []) : (page.entries || []);
    auditHead = page.head || null;
    auditNext = page.next_before ?? null;
  } catch (e) {
    showError('audit-error', e);
  }
  more.disabled = false;
  renderAudit();
}

function actorText(e) {
  return e.actor_login ? `${e.actor_login} (${e.actor})` : e.actor;
}

function actionText(action) {
  // A name this page does not know yet (a newer portal) shows as itself.
  return Object.hasOwn(AUDIT_ACTIONS, action) ? t(`audit.a.${action}`) : action;
}

function renderAudit() {
  if (!isStaff(me)) return;
  $('audit-head').textContent = auditHead && auditHead.seq
    ? t('audit.head', { seq: auditHead.seq, hash: auditHead.hash })
    : '';
  $('audit-more').hidden = !auditNext;
  const body = $('audit-body');
  if (!audit.length) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('audit.empty'))));
    return;
  }
  body.replaceChildren(...audit.map((e) => h('tr', { id: `audit-row-${e.seq}` },
    h('td', {}, String(e.seq)),
    h('td', {}, formatDate(e.time, true)),
    h('td', {}, actorText(e)),
    h('td', {}, actionText(e.action), ' ', h('code', {}, e.action)),
    h('td', { class: 'audit-wrap' }, h('code', {}, e.subject)),
    h('td', { class: 'audit-wrap' }, show(e.details)),
  )));
}

$('audit-more').addEventListener('click', () => loadAudit(auditNext));

function closeDetail() {
  detail = null;
  $('detail-panel').hidden = true;
}

$('detail-close').addEventListener('click', () => {
  const id = detail && detail.id;
  closeDetail();
  $(`details-${id}`)?.focus();
});
