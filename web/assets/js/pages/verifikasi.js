/**
 * "Verifikasi Dokumen": the public page (no login, like reset-password.html; the header without
 * the holder's menu) where anyone checks the signatures of a PDF. The file is read and verified
 * in this page by the npm package's `verifyPdf` (in the kunci worker; its lazily loaded PDF
 * module), against the portal's CA (GET /ca/root.crt, /ca/chain.pem), with revocation from the
 * file's own DSS and the portal's current CRL (GET /ca/issuing.crl); nothing is uploaded. The report shows each
 * signature in words: valid ("Sah"), invalid ("Tidak sah") or unknown ("Tidak dapat
 * dipastikan": intact, but not from a trusted authority or of a kind kunci does not check), with
 * the reasons, who signed, when (the timestamp's time or only the signer's claim), the timestamp,
 * the certificate's revocation status, and what changed after signing; every check kunci made is
 * listed beneath. Each verdict carries `data-verdict` (`valid`, `invalid`, `unknown`) for tests.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, getLang, onLangChange, formatDate, formatBytes } from '../i18n.js';
import { $, h, showError, focusHeading } from '../dom.js';
import { MAX_PDF_TEXT, readPdf, verifyWithPortal } from '../pdf.js';
import { kunci } from '../kunci.js';
import '../pdftexts.js';

addStrings({
  'title.verify': ['Verifikasi Dokumen – kunci AMS', 'Verify a document – kunci AMS'],
  'verify.h1': ['Verifikasi Dokumen', 'Verifikasi Dokumen (verify a document)'],
  'verify.intro': ['Periksa tanda tangan elektronik pada dokumen PDF: siapa yang menandatangani, kapan, dan apakah dokumen berubah sesudahnya. Tidak perlu masuk. Dokumen diperiksa di peramban ini dan tidak diunggah.',
                   'Check the electronic signatures of a PDF document: who signed, when, and whether the document changed afterwards. No login needed. The document is checked in this browser and not uploaded.'],
  'verify.file': ['Dokumen PDF bertanda tangan', 'Signed PDF document'],
  'verify.file.hint': ['Paling besar {max}. Pemeriksaan dimulai begitu berkas dipilih.', 'At most {max}. The check starts as soon as the file is chosen.'],
  'verify.submit': ['Periksa', 'Periksa (check)'],
  'verify.p.read': ['Membaca dokumen…', 'Reading the document…'],
  'verify.p.check': ['Memeriksa tanda tangan…', 'Checking the signatures…'],
  'verify.report.h': ['Hasil verifikasi', 'Verification result'],
  'verify.report.file': ['Dokumen: {name} ({size}), diperiksa {when}.', 'Document: {name} ({size}), checked {when}.'],
  'verify.sum.none': ['Dokumen ini tidak memuat tanda tangan elektronik.', 'This document holds no electronic signature.'],
  'verify.sum.valid': ['Sah: semua tanda tangan ({n}) sah.', 'Valid: every signature ({n}) is valid.'],
  'verify.sum.invalid': ['Tidak sah: {bad} dari {n} tanda tangan tidak sah. Jangan percayai isi dokumen ini sebagai dokumen yang ditandatangani.',
                         'Invalid: {bad} of {n} signatures are not valid. Do not trust this document\'s content as signed.'],
  'verify.sum.unknown': ['Tidak dapat dipastikan: {unknown} dari {n} tanda tangan tidak dapat dipastikan keabsahannya.', 'Unknown: the validity of {unknown} of {n} signatures cannot be established.'],
  'verify.sig.h': ['Tanda tangan {i} dari {n}', 'Signature {i} of {n}'],
  'verify.verdict.valid': ['Sah', 'Sah (valid)'],
  'verify.verdict.invalid': ['Tidak sah', 'Tidak sah (invalid)'],
  'verify.verdict.unknown': ['Tidak dapat dipastikan', 'Tidak dapat dipastikan (unknown)'],
  'verify.f.signer': ['Penanda tangan', 'Signer'],
  'verify.f.when': ['Waktu penandatanganan', 'Signing time'],
  'verify.when.ts': ['{time} (menurut stempel waktu)', '{time} (according to the timestamp)'],
  'verify.when.claim': ['{time} (hanya menurut penanda tangan)', '{time} (only the signer\'s claim)'],
  'verify.f.timestamp': ['Stempel waktu', 'Timestamp'],
  'verify.f.revocation': ['Status sertifikat', 'Certificate status'],
  'verify.f.changes': ['Perubahan setelah ditandatangani', 'Changes after signing'],
  'verify.f.profile': ['Profil', 'Profile'],
  'verify.f.field': ['Kolom tanda tangan', 'Signature field'],
  'verify.reasons': ['Alasan', 'Reasons'],
  'verify.warnings': ['Perlu diketahui', 'Worth knowing'],
  'verify.checks': ['Semua pemeriksaan ({n})', 'Every check ({n})'],
  'verify.check.ok': ['lulus', 'passed'],
  'verify.check.warning': ['peringatan', 'warning'],
  'verify.check.error': ['gagal', 'failed'],
  'verify.trust': ['Tanda tangan diperiksa terhadap otoritas sertifikat portal ini (sertifikat akarnya ada di /ca/root.crt), dengan data pencabutan yang dibawa dokumen dan CRL portal saat ini.',
                   'Signatures are checked against this portal\'s certificate authority (its root certificate is at /ca/root.crt), with the revocation data the document carries and the portal\'s current CRL.'],
  'verify.login': ['Masuk ke portal', 'Log in to the portal'],
});

/** Errors that leave a signature intact but unvouched for: "unknown", not "invalid". */
const UNKNOWN_ONLY = new Set(['pdf.verify.chain_untrusted', 'pdf.verify.unsupported']);
const TIMESTAMP = ['pdf.verify.timestamp_ok', 'pdf.verify.timestamp_bad', 'pdf.verify.timestamp_absent'];
const REVOCATION = ['pdf.verify.revocation_good', 'pdf.verify.revocation_revoked', 'pdf.verify.revocation_unknown'];
/** The bytes it covers altered (first: it outranks "no later revision" about the same signature). */
const CHANGES = ['pdf.verify.digest_mismatch', 'pdf.verify.byte_range_bad', 'pdf.verify.changed_since',
  'pdf.verify.allowed_changes_since', 'pdf.verify.unchanged_since'];

let shown = null; // {report, name, size, at}

renderHint();
$('verify-form').addEventListener('submit', (event) => {
  event.preventDefault();
  check();
});
$('pdf-file').addEventListener('change', () => {
  if ($('pdf-file').files[0]) check();
});

await initLayout({ auth: false });
onLangChange(() => {
  renderHint();
  render();
});
kunci().catch(() => {}); // start the worker while the visitor picks a file
$('verify').disabled = false;

function renderHint() {
  $('pdf-hint').textContent = t('verify.file.hint', { max: MAX_PDF_TEXT });
}

function progress(key) {
  const box = $('verify-progress');
  if (!key) box.replaceChildren();
  else box.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, t(key)));
}

let running = false;

async function check() {
  if (running) return;
  const file = $('pdf-file').files[0];
  showError('verify-error', null);
  if (!file) {
    showError('verify-error', t('err.pdf.none'));
    $('pdf-file').focus();
    return;
  }
  running = true;
  $('verify').disabled = true;
  $('report').hidden = true;
  shown = null;
  try {
    progress('verify.p.read');
    const bytes = await readPdf(file);
    progress('verify.p.check');
    const report = await verifyWithPortal(bytes);
    shown = { report, name: file.name, size: file.size, at: Math.floor(Date.now() / 1000) };
    progress(null);
    render();
    $('report').hidden = false;
    focusHeading('report-h');
  } catch (e) {
    progress(null);
    showError('verify-error', e);
  } finally {
    running = false;
    $('verify').disabled = false;
  }
}

/** A signature of the package's report, whatever its key style (camelCase or snake_case). */
function norm(sig) {
  const ts = sig.timestamp && typeof sig.timestamp === 'object' ? sig.timestamp : null;
  return {
    field: sig.field ?? '',
    valid: !!sig.valid,
    signer: sig.signer ?? null,
    claimed: sig.claimedTime ?? sig.claimed_time ?? sig.signingTime ?? sig.signing_time ?? null,
    stamped: sig.timestampTime ?? sig.timestamp_time ?? (ts ? ts.time : null) ?? null,
    level: sig.level ?? sig.profile ?? '',
    findings: Array.isArray(sig.findings) ? sig.findings : (sig.codes || []),
  };
}

function verdictOf(sig) {
  const errors = sig.findings.filter((f) => f.severity === 'error');
  if (sig.valid && errors.length === 0) return 'valid';
  if (errors.length > 0 && errors.every((f) => UNKNOWN_ONLY.has(f.code))) return 'unknown';
  return 'invalid';
}

function words(finding) {
  const text = getLang() === 'en' ? finding.en : finding.id;
  return text || finding.message || finding.code;
}

/** The finding of `codes` that comes first in `codes` (their order is their rank). */
function findingOf(sig, codes) {
  for (const code of codes) {
    const f = sig.findings.find((x) => x.code === code);
    if (f) return f;
  }
  return null;
}

/** "CN=Budi Santoso,O=…" → "Budi Santoso". */
function commonName(subject) {
  const m = /(?:^|,)\s*CN=((?:\\.|[^,\\])*)/i.exec(subject || '');
  return m ? m[1].replace(/\\(.)/g, '$1') : '';
}

function render() {
  if (!shown) return;
  const { report } = shown;
  const sigs = (report.signatures || []).map(norm);
  $('report-file').textContent = t('verify.report.file', {
    name: shown.name, size: formatBytes(shown.size), when: formatDate(shown.at, true),
  });
  const verdicts = sigs.map(verdictOf);
  const bad = verdicts.filter((v) => v === 'invalid').length;
  const unknown = verdicts.filter((v) => v === 'unknown').length;
  const summary = $('report-summary');
  let overall;
  if (sigs.length === 0) overall = 'none';
  else if (bad > 0) overall = 'invalid';
  else if (unknown > 0) overall = 'unknown';
  else overall = 'valid';
  summary.className = `notice ${{ valid: 'ok', invalid: 'bad', unknown: 'warn', none: 'warn' }[overall]}`;
  summary.dataset.verdict = overall;
  summary.textContent = t(`verify.sum.${overall}`, { n: sigs.length, bad, unknown });
  $('report-signatures').replaceChildren(...sigs.map((sig, i) => signatureCard(sig, verdicts[i], i, sigs.length)));
}

function signatureCard(sig, verdict, i, n) {
  const headingId = `sig-${i + 1}-h`;
  const row = (key, ...value) => [h('dt', {}, t(key)), h('dd', {}, ...value)];
  const name = commonName(sig.signer);
  const when = sig.stamped != null
    ? t('verify.when.ts', { time: formatDate(sig.stamped, true) })
    : (sig.claimed != null ? t('verify.when.claim', { time: formatDate(sig.claimed, true) }) : t('none'));
  const fact = (codes) => {
    const f = findingOf(sig, codes);
    return f ? words(f) : t('none');
  };
  const errors = sig.findings.filter((f) => f.severity === 'error');
  const warnings = sig.findings.filter((f) => f.severity === 'warning');
  const detail = (f) => (getLang() === 'en' && f.detail ? h('span', { class: 'hint block' }, f.detail) : null);
  return h('article', { class: `panel signature ${verdict}`, 'aria-labelledby': headingId, id: `signature-${i + 1}`, dataset: { verdict } },
    h('h3', { id: headingId }, t('verify.sig.h', { i: i + 1, n }), ' ',
      h('span', { class: `pill ${verdict}`, id: `verdict-${i + 1}` }, t(`verify.verdict.${verdict}`))),
    h('dl', { class: 'facts' },
      ...row('verify.f.signer', name ? h('strong', {}, name) : t('none'), sig.signer ? h('code', { class: 'block' }, sig.signer) : null),
      ...row('verify.f.when', when),
      ...row('verify.f.timestamp', fact(TIMESTAMP)),
      ...row('verify.f.revocation', fact(REVOCATION)),
      ...row('verify.f.changes', fact(CHANGES)),
      ...row('verify.f.profile', sig.level ? `PAdES ${sig.level}` : t('none')),
      ...row('verify.f.field', h('code', {}, sig.field))),
    errors.length ? h('div', { class: 'reasons' },
      h('h4', {}, t('verify.reasons')),
      h('ul', { class: 'plain', id: `reasons-${i + 1}` }, ...errors.map((f) => h('li', { dataset: { code: f.code } }, words(f), detail(f))))) : null,
    warnings.length ? h('div', {},
      h('h4', {}, t('verify.warnings')),
      h('ul', { class: 'plain' }, ...warnings.map((f) => h('li', { dataset: { code: f.code } }, words(f), detail(f))))) : null,
    h('details', {},
      h('summary', {}, t('verify.checks', { n: sig.findings.length })),
      h('ul', { class: 'checks' }, ...sig.findings.map((f) => h('li', { class: f.severity, dataset: { code: f.code } },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, { ok: '✓', warning: '!', error: '✗' }[f.severity] || '·'),
        h('span', { class: 'visually-hidden' }, `${t(`verify.check.${f.severity === 'ok' || f.severity === 'warning' || f.severity === 'error' ? f.severity : 'warning'}`)}: `),
        words(f))))));
}
