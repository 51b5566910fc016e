/**
 * Language of every portal page: Indonesian by default, English by the toggle in the header.
 * The choice is kept in localStorage ("kunci-lang") and mirrored in <html lang>. Owns the shared
 * strings (menu, buttons, dates, every API and kunci error code) as `key: [id, en]` pairs;
 * pages add their own with `addStrings`. Static HTML carries `data-i18n="key"` (text) or
 * `data-i18n-attr="attr:key;…"`; dynamic parts re-render on `onLangChange`. Labels that
 * docs/PROCESS.md quotes ("Continue", "(2) Lanjutkan >>", "Setuju dan Submit", …) stay identical in
 * both languages; Indonesian-only ones get an English gloss after them in English.
 */

const STORAGE_KEY = 'kunci-lang';
const listeners = [];

const strings = {
  // header, menu, common
  'skip': ['Langsung ke isi utama', 'Skip to main content'],
  'brand.sub': ['Portal Sertifikat Elektronik', 'Electronic Certificate Portal'],
  'nav.label': ['Menu utama', 'Main menu'],
  'nav.menu': ['Menu', 'Menu'],
  'nav.dashboard': ['Dasbor', 'Dasbor (Dashboard)'],
  'nav.certificates': ['Sertifikat Digital – Sertifikat Anda', 'Sertifikat Digital – Sertifikat Anda (your certificates)'],
  'nav.requests': ['Status Permohonan', 'Status Permohonan (request status)'],
  'nav.new': ['Permohonan Baru', 'Permohonan Baru (new request)'],
  'nav.sign': ['Tanda Tangani PDF', 'Tanda Tangani PDF (sign a PDF)'],
  'nav.inbox': ['Kotak Masuk', 'Kotak Masuk (inbox)'],
  'nav.unread': ['{n} belum dibaca', '{n} unread'],
  'nav.operator': ['Antrian', 'Antrian (queue)'],
  'nav.history': ['Riwayat Keputusan', 'Riwayat Keputusan (decision history)'],
  'nav.admin': ['Admin', 'Admin'],
  'lang.toggle': ['English', 'Bahasa Indonesia'],
  'lang.toggle.label': ['Switch to English', 'Ganti ke Bahasa Indonesia'],
  'logout': ['Keluar', 'Log out'],
  'logout.all': ['Keluar di semua perangkat', 'Log out everywhere'],
  'role.holder': ['pemilik sertifikat', 'certificate holder'],
  'role.operator': ['operator', 'operator'],
  'role.admin': ['admin', 'admin'],
  'footer': ['kunci — portal referensi AMS. Kunci privat Anda tidak pernah meninggalkan peramban tanpa enkripsi.',
             'kunci — reference AMS portal. Your private key never leaves the browser unencrypted.'],
  'loading': ['Memuat…', 'Loading…'],
  'continue': ['Continue', 'Continue'],
  'check': ['Check', 'Check'],
  'ok': ['OK', 'OK'],
  'cancel': ['Batal', 'Cancel'],
  'close': ['Tutup', 'Close'],
  'yes': ['Ya', 'Yes'],
  'no': ['Tidak', 'No'],
  'none': ['—', '—'],
  'cert.back': ['← Sertifikat Anda', '← Your certificates'],
  'back.requests': ['Kembali ke Status Permohonan', 'Back to request status'],

  // statuses and kinds
  'cert.status.good': ['Berlaku', 'Valid'],
  'cert.status.revoked': ['Dicabut', 'Revoked'],
  'cert.soon': ['Segera berakhir', 'Ending soon'],
  'cert.expired': ['Kedaluwarsa', 'Expired'],
  'kind.enrollment': ['Penerbitan', 'Enrollment (issuance)'],
  'kind.revocation': ['Pencabutan', 'Revocation'],
  'status.Enrollment': ['Enrollment', 'Enrollment'],
  'status.Sudah Upload': ['Sudah Upload', 'Sudah Upload'],
  'status.Submitted': ['Submitted', 'Submitted'],
  'status.Success': ['Success', 'Success'],
  'status.Rejected': ['Rejected', 'Rejected'],
  'status.Cancelled': ['Dibatalkan', 'Cancelled'],
  // What each status means, shown beside its name (the names stay those of docs/PROCESS.md).
  'status.explain.enrollment.pending': ['menunggu CSR dikirim dengan token permohonan ini', 'waiting for the CSR to be sent with this request\'s token'],
  'status.explain.enrollment.uploaded': ['CSR sudah diterima; lanjutkan dengan dokumen dan perjanjian', 'the CSR arrived; go on with the document and the agreement'],
  'status.explain.enrollment.submitted': ['menunggu persetujuan operator', 'waiting for an operator\'s approval'],
  'status.explain.enrollment.success': ['sertifikat sudah terbit', 'the certificate is issued'],
  'status.explain.enrollment.rejected': ['ditolak operator; lihat alasannya', 'rejected by an operator; see the reason'],
  'status.explain.revocation.pending': ['menunggu persetujuan operator', 'waiting for an operator\'s approval'],
  'status.explain.revocation.success': ['sertifikat sudah dicabut', 'the certificate is revoked'],
  'status.explain.revocation.rejected': ['pencabutan ditolak; sertifikat tetap berlaku', 'the revocation was refused; the certificate stays valid'],
  'status.explain.enrollment.cancelled': ['dibatalkan; tidak diproses lagi', 'cancelled; no longer handled'],
  'status.explain.revocation.cancelled': ['dibatalkan; sertifikat tetap berlaku', 'cancelled; the certificate stays valid'],
  'reject.reason': ['Alasan penolakan: {r}', 'Reason for rejection: {r}'],

  // errors: API codes (docs/API.md) and kunci package codes
  'err.title': ['Terjadi kesalahan', 'Something went wrong'],
  'err.unknown': ['Terjadi kesalahan yang tidak terduga. Coba lagi.', 'An unexpected error occurred. Please try again.'],
  'err.net.failed': ['Server tidak dapat dihubungi. Periksa koneksi Anda lalu coba lagi.', 'The server cannot be reached. Check your connection and try again.'],
  'err.auth.required': ['Sesi Anda telah berakhir. Silakan masuk kembali.', 'Your session has ended. Please log in again.'],
  'err.auth.failed': ['Nama pengguna atau kata sandi salah.', 'Wrong login or password.'],
  'err.auth.throttled': ['Terlalu banyak percobaan masuk yang gagal. Tunggu beberapa menit lalu coba lagi.', 'Too many failed logins. Wait a few minutes and try again.'],
  'err.auth.disabled': ['Akun ini dinonaktifkan. Hubungi otoritas sertifikat.', 'This account is disabled. Contact the certificate authority.'],
  'err.auth.forbidden': ['Anda tidak berhak membuka halaman atau tindakan ini.', 'You are not allowed to open this page or do this.'],
  'err.csrf.missing': ['Token keamanan formulir hilang. Muat ulang halaman lalu coba lagi.', 'The form security token is missing. Reload the page and try again.'],
  'err.csrf.mismatch': ['Token keamanan formulir tidak cocok. Muat ulang halaman lalu coba lagi.', 'The form security token does not match. Reload the page and try again.'],
  'err.csrf.origin': ['Permintaan ditolak karena berasal dari situs lain.', 'The request was refused because it came from another site.'],
  'err.http.bad_request': ['Permintaan tidak valid.', 'The request is not valid.'],
  'err.http.too_large': ['Data yang dikirim terlalu besar.', 'What was sent is too large.'],
  'err.http.not_found': ['Halaman atau data tidak ditemukan.', 'Not found.'],
  'err.store.not_found': ['Data tidak ditemukan.', 'Not found.'],
  'err.store.conflict': ['Permohonan ini sudah diproses atau keadaannya tidak memungkinkan tindakan ini.', 'This request was already handled, or its state does not allow this.'],
  'err.store.not_granted': ['Produk ini tidak terdaftar untuk akun Anda.', 'This product is not registered for your account.'],
  'err.store.already_issued': ['Sertifikat untuk permohonan ini sudah diterbitkan.', 'A certificate was already issued for this request.'],
  'err.token.unknown': ['Token CSR tidak dikenal. Periksa bahwa token ditempel dengan lengkap.', 'Unknown CSR token. Check that the whole token was pasted.'],
  'err.token.expired': ['Token CSR sudah kedaluwarsa. Buat permohonan baru untuk mendapatkan token baru.', 'The CSR token has expired. Make a new request to get a new token.'],
  'err.token.used': ['Token CSR ini sudah dipakai: CSR hanya dapat dikirim satu kali per token.', 'This CSR token was already used: a CSR can be sent only once per token.'],
  'err.token.wrong_account': ['Token CSR ini bukan milik akun Anda.', 'This CSR token does not belong to your account.'],
  'err.request.closed': ['Permohonan ini sudah dibatalkan atau ditolak, jadi tokennya tidak berlaku lagi. Buat Permohonan Baru.', 'This request was cancelled or rejected, so its token no longer works. Make a new request.'],
  'err.request.not_cancellable': ['Permohonan ini tidak dapat dibatalkan lagi: sudah diputuskan atau sudah dibatalkan.', 'This request can no longer be cancelled: it is decided or already cancelled.'],
  'err.request.token_not_renewable': ['Token baru tidak dapat dibuat: CSR permohonan ini sudah diterima, atau permohonan sudah ditutup.', 'No new token can be made: this request\'s CSR has already arrived, or the request is closed.'],
  'err.request.renewal_open': ['Sertifikat ini sudah punya perpanjangan yang sedang berjalan. Lanjutkan atau batalkan dari halaman Info Sertifikat.', 'This certificate already has a renewal in progress. Continue it or cancel it from the certificate\'s Info page.'],
  'err.request.renewal_product': ['Perpanjangan harus memakai produk yang sama dengan sertifikat yang diperpanjang.', 'A renewal must use the same product as the certificate it renews.'],
  'err.csr.malformed': ['CSR rusak atau tidak dapat dibaca.', 'The CSR is malformed.'],
  'err.csr.bad_signature': ['Tanda tangan CSR tidak valid.', 'The CSR signature is not valid.'],
  'err.csr.subject_mismatch': ['Data subjek pada CSR tidak sama dengan identitas terdaftar akun Anda.', 'The CSR subject differs from your account\'s registered identity.'],
  'err.csr.token_mismatch': ['Token pada CSR tidak sama dengan token yang dikirim.', 'The token inside the CSR differs from the token sent.'],
  'err.csr.algorithm_not_allowed': ['Algoritme kunci ini tidak diizinkan untuk produk ini.', 'This key algorithm is not allowed for this product.'],
  'err.csr.other': ['CSR ditolak server.', 'The server refused the CSR.'],
  'err.ca.csr_rejected': ['CA menolak CSR ini.', 'The CA refused this CSR.'],
  'err.upload.not_pdf': ['Berkas ini bukan PDF. Pilih dokumen PDF.', 'This file is not a PDF. Choose a PDF document.'],
  'err.upload.too_large': ['Berkas terlalu besar (maksimum 5 MiB).', 'The file is too large (at most 5 MiB).'],
  'err.upload.rate_limited': ['Terlalu banyak unggahan dokumen dalam satu jam terakhir. Tunggu sebentar lalu coba lagi.', 'Too many document uploads in the last hour. Wait a while and try again.'],
  'err.upload.quota_exceeded': ['Dokumen pada permohonan Anda yang masih terbuka sudah mencapai batas ukuran. Tunggu keputusan atas permohonan lain, atau unggah berkas yang lebih kecil.', 'The documents of your open requests have reached their size limit. Wait for a decision on another request, or upload a smaller file.'],
  'err.field.too_long': ['Isian terlalu panjang. Persingkat lalu coba lagi.', 'An entry is too long. Shorten it and try again.'],
  'err.field.invalid_email': ['Alamat e-mail tidak valid.', 'The e-mail address is not valid.'],
  'err.language.unknown': ['Bahasa ini tidak tersedia: pilih Bahasa Indonesia atau English.', 'This language is not available: choose Bahasa Indonesia or English.'],
  'err.request.new_key_required': ['Permohonan ini ditolak karena kunci, CSR atau data identitasnya: dokumen baru tidak cukup. Buat permohonan baru dengan kunci baru.', 'This request was rejected for its key, CSR or identity data: a new document is not enough. Make a new request with a new key.'],
  'err.request.fix_invalid': ['Pilihan perbaikan ini tidak cocok untuk permohonan ini (tanpa CSR hanya kunci baru; pencabutan tanpa pilihan).', 'This fix does not fit the request (without a CSR only a new key; a revocation takes none).'],
  'err.agreement.required': ['Anda harus menyetujui perjanjian terlebih dahulu.', 'You must accept the agreement first.'],
  'err.store.unavailable': ['Basis data portal sedang tidak tersedia. Coba lagi nanti.', 'The portal\'s database is unavailable. Try again later.'],
  'err.store.invalid': ['Isian tidak valid. Periksa lalu coba lagi.', 'An entry is not valid. Check it and try again.'],
  'err.http.method_not_allowed': ['Tindakan ini tidak tersedia di alamat tersebut.', 'This action is not available at that address.'],
  'err.ca.other': ['CA portal tidak dapat menerbitkan atau mencabut sertifikat saat ini. Hubungi otoritas sertifikat.', 'The portal\'s CA cannot issue or revoke certificates right now. Contact the certificate authority.'],
  'err.admin.self': ['Anda tidak dapat menonaktifkan akun Anda sendiri. Minta admin lain melakukannya.', 'You cannot disable your own account. Ask another administrator.'],
  'err.admin.last_admin': ['Ini admin aktif terakhir. Aktifkan atau tambahkan admin lain terlebih dahulu.', 'This is the last enabled administrator. Enable or add another one first.'],
  'err.admin.not_holder': ['Produk hanya diberikan kepada akun pemilik sertifikat.', 'Products are granted to certificate holder accounts only.'],
  'err.reset.unknown': ['Tautan reset kata sandi ini tidak valid (mungkin sudah diganti tautan yang lebih baru). Minta tautan baru kepada admin.', 'This password reset link is not valid (perhaps replaced by a newer one). Ask the administrator for a new link.'],
  'err.reset.expired': ['Tautan reset kata sandi ini sudah kedaluwarsa. Minta tautan baru kepada admin.', 'This password reset link has expired. Ask the administrator for a new link.'],
  'err.reset.used': ['Tautan reset kata sandi ini sudah dipakai. Satu tautan hanya untuk satu kali. Minta tautan baru kepada admin.', 'This password reset link was already used. A link works once. Ask the administrator for a new link.'],
  'err.password.too_short': ['Kata sandi terlalu pendek: minimal 8 karakter.', 'The password is too short: at least 8 characters.'],
  'err.server.internal': ['Kesalahan pada server. Coba lagi nanti.', 'Server error. Try again later.'],
  'err.pkcs8.wrong_password': ['Kata sandi salah: kunci tidak dapat dibuka. Periksa huruf besar/kecil lalu coba lagi.', 'Wrong password: the key cannot be opened. Check upper/lower case and try again.'],
  'err.p12.wrong_password': ['Kata sandi berkas .p12 salah.', 'Wrong password for the .p12 file.'],
  'err.pkcs8.malformed': ['Berkas kunci rusak atau bukan kunci privat terenkripsi.', 'The key file is damaged or not an encrypted private key.'],
  'err.pem.malformed': ['Berkas bukan PEM yang valid.', 'The file is not valid PEM.'],
  'err.cert.key_mismatch': ['Sertifikat ini bukan milik kunci tersebut.', 'This certificate does not belong to that key.'],
  'err.password.too_weak': ['Kata sandi terlalu lemah (harus lebih dari 50 %).', 'The password is too weak (must be over 50 %).'],
  'err.key.freed': ['Kunci sudah dihapus dari memori. Muat ulang dari berkasnya.', 'The key was cleared from memory. Load it again from its file.'],
  'err.wasm.load_failed': ['Modul kriptografi (WebAssembly) tidak dapat dimuat. Muat ulang halaman.', 'The cryptography module (WebAssembly) could not be loaded. Reload the page.'],
  'err.worker.crashed': ['Proses latar kriptografi berhenti. Muat ulang halaman.', 'The background cryptography worker stopped. Reload the page.'],
  'err.worker.terminated': ['Proses latar kriptografi dihentikan.', 'The background cryptography worker was stopped.'],
  'err.idb.failed': ['Penyimpanan peramban (IndexedDB) tidak tersedia. Simpan berkas cadangan kunci Anda.', 'Browser storage (IndexedDB) is not available. Save your key backup file.'],
  'err.extension.absent': ['Ekstensi peramban kunci belum terpasang, jadi jalur token USB belum tersedia.', 'The kunci browser extension is not installed, so the USB token path is not available yet.'],
  // revocation reasons in words (RFC 5280 names as the API gives them)
  'reason.unspecified': ['tidak disebutkan; juga bila data berubah', 'not specified; also when the data changed'],
  'reason.keycompromise': ['kunci privat bocor atau hilang', 'the private key was exposed or lost'],
  'reason.affiliationchanged': ['pindah instansi', 'changed organisation'],
  'reason.superseded': ['digantikan sertifikat baru', 'replaced by a new certificate'],
  'reason.cessationofoperation': ['tidak lagi diperlukan', 'no longer needed'],
  'reason.privilegewithdrawn': ['kewenangan dicabut', 'privilege withdrawn'],
  'reason.cacompromise': ['CA bocor', 'CA compromised'],
  'reason.certificatehold': ['ditahan sementara', 'put on hold'],
};

let lang = readStored();

function readStored() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' ? 'en' : 'id';
  } catch {
    return 'id';
  }
}

/** The language this browser chose explicitly ("id" or "en"), or null when it never chose. */
export function storedLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' || v === 'id' ? v : null;
  } catch {
    return null;
  }
}

/** The current language: "id" or "en". */
export function getLang() {
  return lang;
}

/** Adds page strings: `{key: [id, en]}`. */
export function addStrings(dict) {
  Object.assign(strings, dict);
}

/** True when a string with this key exists. */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(strings, key);
}

/** The text for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, params) {
  const pair = strings[key];
  // A missing string is a bug: say so where tests look (the walks fail on console errors).
  if (!pair) console.error(`kunci i18n: no string for "${key}"`);
  let s = pair ? pair[lang === 'en' ? 1 : 0] : key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

/** Switches language, remembers it, re-translates the page and tells the listeners. */
export function setLang(next) {
  lang = next === 'en' ? 'en' : 'id';
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage refused (private mode): the choice lasts for this page only
  }
  apply();
  for (const fn of listeners) fn(lang);
}

/** Calls `fn(lang)` after every language switch. */
export function onLangChange(fn) {
  listeners.push(fn);
}

/** Translates the static parts of `root` marked with data-i18n / data-i18n-attr. */
export function apply(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/**
 * A message for an error from the API or the kunci package, in the page's language only: the
 * translation of its code (a family's for `csr.*` and `ca.*`, the server error's for another
 * 5xx), else the server's (English) message, else a generic text. The server's own message
 * adds detail to the broad codes in English only, so an Indonesian page never mixes in English.
 */
export function errorText(err) {
  const code = err && typeof err.code === 'string' ? err.code : '';
  const detail = lang === 'en' && err && err.message && err.message !== code ? ` (${err.message})` : '';
  // For the broad codes the server's own (English) message says what exactly went wrong.
  const detailed = ['store.conflict', 'http.bad_request', 'store.already_issued'];
  if (code && has(`err.${code}`)) {
    return detailed.includes(code) ? `${t(`err.${code}`)}${detail}` : t(`err.${code}`);
  }
  if (code.startsWith('csr.')) return `${t('err.csr.other')}${detail}`;
  if (code.startsWith('ca.')) return t('err.ca.other');
  if (err && typeof err.status === 'number' && err.status >= 500) return t('err.server.internal');
  if (err && err.message) return err.message;
  return t('err.unknown');
}

/** A date (Unix seconds or RFC 3339) in the current language, e.g. "12 Mei 2026". */
export function formatDate(value, withTime = false) {
  if (value === null || value === undefined || value === '') return t('none');
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const opts = { day: 'numeric', month: 'long', year: 'numeric' };
  if (withTime) Object.assign(opts, { hour: '2-digit', minute: '2-digit' });
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'id-ID', opts).format(d);
}

/** A size in bytes as "123 KiB". */
export function formatBytes(n) {
  if (typeof n !== 'number') return t('none');
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** A revocation reason as the API names it, with its words: "superseded — digantikan sertifikat baru". */
export function reasonText(name) {
  const key = reasonKey(name);
  return has(key) ? `${name} — ${t(key)}` : String(name);
}

/** A revocation reason in words only, in the current language ("digantikan sertifikat baru"). */
export function reasonWords(name) {
  const key = reasonKey(name);
  return has(key) ? t(key) : String(name);
}

function reasonKey(name) {
  return `reason.${String(name).toLowerCase().replace(/[^a-z]/g, '')}`;
}

/** A short explanation of a request's status in the current language, or '' when none. */
export function statusExplanation(request) {
  const key = `status.explain.${request.kind}.${request.status}`;
  return has(key) ? t(key) : '';
}

/** The translated label of a request's status_label ("Sudah Upload", …). */
export function statusLabel(request) {
  const label = request.status_label || request.status;
  return has(`status.${label}`) ? t(`status.${label}`) : label;
}
