/**
 * "Antrian Permohonan", the operator dashboard (operator and admin accounts): first a summary
 * (GET /api/operator/dashboard: what waits by kind and by age, today's decisions and who made
 * them), then the queue, oldest first, with holder, kind, product, date, the supporting
 * document; details in words (GET /api/operator/requests/{id}: the subject's fields labelled,
 * key type and size, the holder's e-mail, the certificate renewed or revoked, and the Surat
 * Rekomendasi shown in an <iframe> of ?view=inline); "Setujui" (approve) and "Tolak" (reject,
 * with a required reason), each confirmed in a <dialog> that repeats holder, kind and product
 * before anything is sent. A decided row leaves the queue with a status message. Shows
 * when automatic approval is on (GET /api/me auto_approve). Below the queue, "Jejak Audit": the
 * tamper-evident audit log, read-only, newest first, 50 entries a page with "Muat catatan lebih
 * lama" for older ones (GET /api/operator/audit?before=&limit=), and the chain's head.
 */

import { initLayout, isStaff } from '../layout.js';
import { addStrings, t, onLangChange, formatDate, formatBytes, reasonWords, statusLabel } from '../i18n.js';
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
  'dash.h': ['Ringkasan', 'Summary'],
  'dash.waiting.caption': ['Menunggu keputusan, menurut jenis dan lama menunggu', 'Waiting for a decision, by kind and by how long'],
  'dash.age.under_1_day': ['Kurang dari 1 hari', 'Under 1 day'],
  'dash.age.days_1_to_3': ['1–3 hari', '1–3 days'],
  'dash.age.over_3_days': ['Lebih dari 3 hari', 'Over 3 days'],
  'dash.total': ['Jumlah', 'Total'],
  'dash.today.h': ['Keputusan hari ini', 'Today\'s decisions'],
  'dash.today.summary': ['{approved} disetujui, {rejected} ditolak.', '{approved} approved, {rejected} rejected.'],
  'dash.today.item': ['#{id} {kind} {holder}: {status} oleh {who}, {time}', '#{id} {kind} {holder}: {status} by {who}, {time}'],
  'dash.system': ['sistem (persetujuan otomatis)', 'the system (automatic approval)'],
  'dash.history': ['Cari di Riwayat Keputusan', 'Search the decision history'],
  'op.waiting.revocation': ['Pencabutan menunggu persetujuan', 'Revocation waiting for approval'],
  'op.waiting.enrollment': ['Penerbitan menunggu persetujuan', 'Enrollment waiting for approval'],
  'op.kind.revocation_pending': ['Ini permohonan PENCABUTAN yang menunggu persetujuan: bila disetujui, sertifikat di bawah ini dicabut dan masuk CRL.',
                                'This is a REVOCATION waiting for approval: if approved, the certificate below is revoked and put on the CRL.'],
  'op.kind.enrollment_waiting': ['Ini permohonan PENERBITAN sertifikat baru: bila disetujui, CA menerbitkan sertifikat untuk CSR ini.',
                                 'This is an ENROLLMENT for a new certificate: if approved, the CA issues a certificate for this CSR.'],
  'op.f.email': ['E-mail pemohon', 'Holder\'s e-mail'],
  'op.f.key': ['Jenis dan ukuran kunci', 'Key type and size'],
  'op.f.email_sans': ['E-mail di sertifikat (subjectAltName)', 'E-mail in the certificate (subjectAltName)'],
  'op.f.fingerprint': ['Sidik kunci publik (SHA-256)', 'Public key fingerprint (SHA-256)'],
  'op.f.cert': ['No. seri {serial}, berlaku sampai {until} ({status})', 'Serial {serial}, valid until {until} ({status})'],
  'op.f.none_renews': ['Tidak: sertifikat baru', 'No: a new certificate'],
  'subj.common_name': ['Nama (CN)', 'Name (CN)'],
  'subj.organization': ['Organisasi (O)', 'Organisation (O)'],
  'subj.organizational_unit': ['Unit (OU)', 'Unit (OU)'],
  'subj.email': ['E-mail (emailAddress)', 'E-mail (emailAddress)'],
  'subj.serial_number': ['NIK (serialNumber)', 'NIK (serialNumber)'],
  'subj.locality': ['Kota/Kabupaten (L)', 'City/Regency (L)'],
  'subj.state': ['Provinsi (ST)', 'Province (ST)'],
  'subj.country': ['Negara (C)', 'Country (C)'],
  'op.doc.h': ['Surat Rekomendasi', 'Surat Rekomendasi (recommendation letter)'],
  'op.doc.frame': ['Surat Rekomendasi (PDF) permohonan ini', 'This request\'s Surat Rekomendasi (PDF)'],
  'op.doc.download': ['Unduh PDF', 'Download the PDF'],
  'op.approve.h': ['Setujui permohonan #{id}?', 'Approve request #{id}?'],
  'op.approve.send': ['Ya, setujui', 'Yes, approve'],
  'op.confirm.holder': ['Pemohon', 'Holder'],
  'op.confirm.kind': ['Jenis', 'Kind'],
  'op.confirm.product': ['Produk', 'Product'],
  'op.confirm.approve.enrollment': ['CA akan menerbitkan sertifikat untuk pemohon ini.', 'The CA will issue a certificate to this holder.'],
  'op.confirm.approve.renewal': ['CA akan menerbitkan sertifikat baru; sertifikat lama (No. seri {serial}) lalu dicabut sebagai superseded.', 'The CA will issue a new certificate; the old one (serial {serial}) is then revoked as superseded.'],
  'op.confirm.approve.revocation': ['Sertifikat No. seri {serial} akan dicabut dan masuk CRL. Ini tidak dapat dibatalkan.', 'Certificate serial {serial} will be revoked and put on the CRL. This cannot be undone.'],
  'op.confirm.reject': ['Permohonan ditolak; pemohon melihat alasan yang Anda tulis.', 'The request is rejected; the holder sees the reason you write.'],
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
  'user.language_changed': ['Bahasa akun diganti', 'Account language changed'],
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
  'user.password_reset_issued': ['Tautan reset kata sandi dibuat', 'Password reset link made'],
};
addStrings(Object.fromEntries(Object.entries(AUDIT_ACTIONS).map(([k, v]) => [`audit.a.${k}`, v])));

const me = await initLayout({ active: 'operator' });
let queue = [];
let audit = [];
let auditHead = null;
let auditNext = null;
let rejecting = null;
let approving = null;
let detail = null;
let dashboard = null;
/** The button that opened a dialog, to give focus back when it closes. */
let opener = null;

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
  renderDashboard();
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
  await loadDashboard();
}

/** The summary: counts by kind and age, and the decisions since this browser's midnight. */
async function loadDashboard() {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  try {
    dashboard = await get(`/api/operator/dashboard?since=${Math.floor(midnight.getTime() / 1000)}`);
    $('summary').hidden = false;
  } catch (e) {
    showError('error', e);
  }
  renderDashboard();
}

function renderDashboard() {
  if (!dashboard) return;
  const ages = ['under_1_day', 'days_1_to_3', 'over_3_days', 'total'];
  $('waiting-counts-body').replaceChildren(...['enrollment', 'revocation'].map((kind) => h('tr', { id: `waiting-${kind}` },
    h('th', { scope: 'row' }, t(`kind.${kind}`)),
    ...ages.map((age) => h('td', { class: `count-${age}` }, String(dashboard.waiting_counts[kind][age]))),
  )));
  $('today-summary').textContent = t('dash.today.summary', dashboard.decided);
  $('today-list').replaceChildren(...(dashboard.decisions || []).map((d) => h('li', { id: `today-${d.request_id}` },
    t('dash.today.item', {
      id: d.request_id,
      kind: t(`kind.${d.kind}`),
      holder: `${d.holder.name} (${d.holder.login})`,
      status: d.status === 'success' ? 'Success' : 'Rejected',
      who: d.decided_by ? d.decided_by.login : t('dash.system'),
      time: formatDate(d.decided_at, true),
    }))));
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
    h('td', {}, t(`op.waiting.${r.kind}`)),
    h('td', {}, r.product || t('none')),
    h('td', {}, formatDate(r.updated_at || r.created_at, true)),
    h('td', {}, r.document
      ? h('a', { href: `/api/operator/requests/${r.id}/document`, download: true, id: `doc-${r.id}` }, t('op.open_pdf', { name: r.document.name }))
      : t('op.no_document')),
    h('td', { class: 'actions-cell' },
      h('button', { type: 'button', class: 'small secondary', id: `details-${r.id}`, on: { click: () => showDetail(r.id) } }, t('op.details')),
      h('button', { type: 'button', class: 'small', id: `approve-${r.id}`, on: { click: (ev) => openApprove(r.id, ev.currentTarget) } }, t('op.approve')),
      h('button', { type: 'button', class: 'small danger', id: `reject-${r.id}`, on: { click: (ev) => openReject(r.id, ev.currentTarget) } }, t('op.reject'))),
  )));
}

function leave(id, message) {
  queue = queue.filter((r) => r.id !== id);
  if (detail && detail.id === id) closeDetail();
  render();
  showStatus('status', message, true);
  focusHeading(document.querySelector('h1'));
  loadDashboard();
}

/**
 * What the decision is about, repeated in the confirmation dialog: holder, kind, product, and
 * what approving does. Uses the request's details (for the serials), fetched if not open.
 */
async function confirmationFor(id, decision) {
  const r = detail && detail.id === id ? detail : await get(`/api/operator/requests/${id}`);
  let effect;
  if (decision === 'reject') effect = t('op.confirm.reject');
  else if (r.kind === 'revocation') effect = t('op.confirm.approve.revocation', { serial: r.target_certificate ? r.target_certificate.serial : `#${r.target_certificate_id}` });
  else if (r.renews_certificate) effect = t('op.confirm.approve.renewal', { serial: r.renews_certificate.serial });
  else effect = t('op.confirm.approve.enrollment');
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('op.confirm.holder')), h('dd', {}, r.holder ? `${r.holder.name} (${r.holder.login})` : t('none')),
    h('dt', {}, t('op.confirm.kind')), h('dd', {}, t(`op.waiting.${r.kind}`)),
    h('dt', {}, t('op.confirm.product')), h('dd', {}, r.product || t('none')));
  return [facts, h('p', {}, effect)];
}

async function openApprove(id, button) {
  showError('error', null);
  opener = button;
  approving = id;
  try {
    $('approve-summary').replaceChildren(...await confirmationFor(id, 'approve'));
  } catch (e) {
    showError('error', e);
    return;
  }
  $('approve-dialog-h').textContent = t('op.approve.h', { id });
  showError('approve-error', null);
  $('approve-dialog').showModal();
  // The safe choice has the focus; approving is one deliberate Tab or click away.
  $('approve-cancel').focus();
}

function closeDialog(dialogId) {
  $(dialogId).close();
  if (opener && opener.isConnected) opener.focus();
  else focusHeading(document.querySelector('h1'));
  opener = null;
}

$('approve-cancel').addEventListener('click', () => closeDialog('approve-dialog'));
$('approve-dialog').addEventListener('cancel', (event) => {
  event.preventDefault();
  closeDialog('approve-dialog');
});

$('approve-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = approving;
  $('approve-confirm').disabled = true;
  try {
    const r = await post(`/api/operator/requests/${id}/approve`);
    $('approve-dialog').close();
    opener = null;
    leave(id, r.certificate_id ? t('op.approved.cert', { id, cert: r.certificate_id }) : t('op.approved', { id }));
  } catch (e) {
    showError('approve-error', e);
  } finally {
    $('approve-confirm').disabled = false;
  }
});

async function openReject(id, button) {
  showError('error', null);
  opener = button;
  rejecting = id;
  try {
    $('reject-summary').replaceChildren(...await confirmationFor(id, 'reject'));
  } catch (e) {
    showError('error', e);
    return;
  }
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

$('reject-cancel').addEventListener('click', () => closeDialog('reject-dialog'));
$('reject-dialog').addEventListener('cancel', (event) => {
  event.preventDefault();
  closeDialog('reject-dialog');
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
    opener = null;
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

function certText(c) {
  if (!c) return null;
  return t('op.f.cert', { serial: c.serial, until: formatDate(c.not_after), status: t(`cert.status.${c.status}`) });
}

function renderDetail() {
  if (!detail) return;
  const r = detail;
  $('detail-h').textContent = t('op.detail.h', { id: r.id });
  const waiting = (r.kind === 'revocation' && r.status === 'pending') || (r.kind === 'enrollment' && r.status === 'submitted');
  $('detail-kind').textContent = r.kind === 'revocation' ? t('op.kind.revocation_pending') : t('op.kind.enrollment_waiting');
  const rows = [
    ['op.f.kind', waiting ? t(`op.waiting.${r.kind}`) : t(`kind.${r.kind}`)],
    ['op.f.status', statusLabel(r)],
    ['op.f.holder', r.holder ? `${r.holder.name} (${r.holder.login})` : null],
    ['op.f.email', r.holder ? r.holder.email : null],
    ['op.f.product', r.product],
  ];
  if (r.kind === 'enrollment') {
    const info = r.csr_info || {};
    for (const f of info.subject_fields || []) {
      rows.push([`subj.${f.field}`, f.value]);
    }
    rows.push(['op.f.key', info.key_label]);
    rows.push(['op.f.email_sans', info.email_sans]);
    rows.push(['op.f.renews', r.renews_certificate ? certText(r.renews_certificate) : t('op.f.none_renews')]);
    rows.push(['op.f.document', r.document ? `${r.document.name} (${formatBytes(r.document.size)})` : null]);
    rows.push(['op.f.agreed', r.agreed]);
    rows.push(['op.f.fingerprint', info.public_key_sha256]);
  } else {
    rows.push(['op.f.target', certText(r.target_certificate)]);
    rows.push(['op.f.reason', r.revocation_reason ? reasonWords(r.revocation_reason) : null]);
  }
  const dl = $('detail');
  dl.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, show(v))]));
  const view = $('doc-view');
  view.hidden = !r.document;
  if (r.document) {
    const src = `/api/operator/requests/${r.id}/document?view=inline`;
    if ($('doc-frame').getAttribute('src') !== src) $('doc-frame').setAttribute('src', src);
    $('doc-download').href = `/api/operator/requests/${r.id}/document`;
  } else {
    $('doc-frame').removeAttribute('src');
  }
  const open = queue.some((q) => q.id === r.id);
  $('detail-approve').hidden = !open;
  $('detail-reject').hidden = !open;
}

$('detail-approve').addEventListener('click', (ev) => detail && openApprove(detail.id, ev.currentTarget));
$('detail-reject').addEventListener('click', (ev) => detail && openReject(detail.id, ev.currentTarget));

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
  $('doc-frame').removeAttribute('src');
}

$('detail-close').addEventListener('click', () => {
  const id = detail && detail.id;
  closeDetail();
  $(`details-${id}`)?.focus();
});
