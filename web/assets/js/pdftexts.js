/**
 * The error texts of the PDF pages (tanda-tangan.html, verifikasi.html), by stable code, in
 * Indonesian and English: the pages' own codes (pdf.js), kunci-core's PDF errors as the package
 * passes them on (`pdf.*`, `pdf.limit.*`), and the USB token's (docs/PROTOCOL.md) a signature
 * on the token can meet. Imported for its strings only.
 */

import { addStrings } from './i18n.js';

addStrings({
  // the pages' own (pdf.js)
  'err.pdf.none': ['Pilih dokumen PDF.', 'Choose a PDF document.'],
  'err.pdf.too_large': ['Berkas terlalu besar: paling besar 25 MiB.', 'The file is too large: at most 25 MiB.'],
  'err.pdf.not_pdf': ['Berkas ini bukan PDF. Pilih dokumen PDF.', 'This file is not a PDF. Choose a PDF document.'],
  'err.pdf.unavailable': ['Modul PDF kunci belum tersedia di portal ini. Hubungi otoritas sertifikat.', 'kunci\'s PDF module is not available on this portal. Contact the certificate authority.'],
  'err.sign.tsa_unavailable': ['Layanan stempel waktu portal tidak dapat dihubungi; dokumen tidak ditandatangani. Coba lagi nanti, atau pilih B-B (tanpa stempel waktu).',
                               'The portal\'s timestamp service cannot be reached; the document was not signed. Try again later, or choose B-B (without a timestamp).'],
  'err.sign.revocation_unavailable': ['Data pencabutan (CRL, OCSP) portal tidak dapat diambil; dokumen tidak ditandatangani. Coba lagi nanti, atau pilih B-T.',
                                      'The portal\'s revocation data (CRL, OCSP) could not be fetched; the document was not signed. Try again later, or choose B-T.'],
  'err.verify.ca_unavailable': ['Sertifikat CA portal tidak dapat diambil, jadi dokumen belum dapat diperiksa. Coba lagi nanti.',
                                'The portal\'s CA certificates could not be fetched, so the document cannot be checked yet. Try again later.'],
  // the package's network errors while signing (crates/kunci-wasm/js/index.d.ts)
  'err.tsa.unreachable': ['Layanan stempel waktu portal tidak dapat dihubungi; dokumen tidak ditandatangani. Coba lagi nanti, atau pilih B-B (tanpa stempel waktu).',
                          'The portal\'s timestamp service cannot be reached; the document was not signed. Try again later, or choose B-B (without a timestamp).'],
  'err.pdf.revocation_unavailable': ['Tidak diketahui di mana data pencabutan sertifikat ini diambil; dokumen tidak ditandatangani. Pilih B-T.', 'It is not known where this certificate\'s revocation data comes from; the document was not signed. Choose B-T.'],
  'err.ocsp.unreachable': ['Layanan OCSP portal tidak dapat dihubungi; dokumen tidak ditandatangani. Coba lagi nanti, atau pilih B-T.', 'The portal\'s OCSP service cannot be reached; the document was not signed. Try again later, or choose B-T.'],
  'err.ocsp.refused': ['Layanan OCSP portal menolak memberi status sertifikat ini; dokumen tidak ditandatangani.', 'The portal\'s OCSP service refused to give this certificate\'s status; the document was not signed.'],
  'err.crl.unreachable': ['CRL portal tidak dapat diambil; dokumen tidak ditandatangani. Coba lagi nanti, atau pilih B-T.', 'The portal\'s CRL could not be fetched; the document was not signed. Try again later, or choose B-T.'],
  'err.key.unsupported': ['Kunci ini terlalu lemah untuk tanda tangan dokumen (RSA di bawah 2048 bit).', 'This key is too weak to sign documents (RSA under 2048 bits).'],
  // kunci-core's PDF errors
  'err.pdf.malformed': ['Berkas PDF rusak atau tidak dapat dibaca. Simpan ulang dokumen sebagai PDF lalu coba lagi.', 'The PDF file is damaged or unreadable. Save the document as PDF again and retry.'],
  'err.pdf.encrypted': ['PDF ini dilindungi kata sandi (terenkripsi) dan tidak dapat ditandatangani atau diperiksa. Buka proteksinya terlebih dahulu.', 'This PDF is password-protected (encrypted) and cannot be signed or checked. Remove the protection first.'],
  'err.pdf.unsupported': ['Struktur PDF ini belum didukung kunci.', 'kunci does not support this PDF\'s structure yet.'],
  'err.pdf.cert_key_usage': ['Sertifikat ini tidak diperuntukkan bagi tanda tangan dokumen (key usage). Pilih sertifikat lain.', 'This certificate is not meant for signing documents (key usage). Choose another certificate.'],
  'err.pdf.signature_too_large': ['Tanda tangan tidak muat di tempat yang disediakan dalam dokumen. Coba B-T alih-alih B-LT.', 'The signature does not fit the space reserved in the document. Try B-T instead of B-LT.'],
  'err.pdf.bad_signature': ['Tanda tangan yang dibuat tidak cocok dengan sertifikat: kunci bukan kunci sertifikat ini.', 'The signature made does not match the certificate: the key is not this certificate\'s key.'],
  'err.pdf.bad_timestamp': ['Jawaban layanan stempel waktu tidak sah; dokumen tidak ditandatangani. Coba lagi.', 'The timestamp service\'s answer is not valid; the document was not signed. Try again.'],
  'err.pdf.certified_no_changes': ['Penulis dokumen ini mengesahkannya (sertifikasi) tanpa mengizinkan perubahan apa pun, termasuk tanda tangan baru: dokumen ini tidak dapat ditandatangani lagi.',
                                    'The author certified this document allowing no change at all, not even a new signature: it cannot be signed again.'],
  'err.pdf.stamp_image_unsupported': ['Gambar stempel ini tidak dapat dipakai. Simpan sebagai PNG 8-bit biasa (tidak interlaced) atau JPEG baseline RGB/abu-abu, lalu pilih lagi.',
                                      'This stamp image cannot be used. Save it as a plain 8-bit PNG (not interlaced) or a baseline RGB or grey JPEG, then choose it again.'],
  'err.pdf.stamp_image_malformed': ['Berkas gambar stempel rusak. Simpan ulang dengan penyunting gambar, lalu pilih lagi.', 'The stamp image file is damaged. Save it again with an image editor, then choose it again.'],
  'err.pdf.stamp_image_too_large': ['Gambar stempel terlalu besar: paling besar 1 MiB dan 1 megapiksel.', 'The stamp image is too big: at most 1 MiB and 1 megapixel.'],
  'err.pdf.no_such_page': ['Halaman yang dipilih tidak ada di dokumen ini.', 'The chosen page does not exist in this document.'],
  'err.pdf.limit.file_size': ['Berkas PDF melebihi batas ukuran.', 'The PDF file exceeds the size limit.'],
  'err.pdf.limit.objects': ['PDF ini memuat terlalu banyak objek untuk diperiksa dengan aman.', 'This PDF holds too many objects to be read safely.'],
  'err.pdf.limit.depth': ['Struktur PDF ini bersarang terlalu dalam untuk diperiksa dengan aman.', 'This PDF\'s structure is nested too deeply to be read safely.'],
  'err.pdf.limit.stream_length': ['PDF ini memuat aliran data yang terlalu besar.', 'This PDF holds a data stream that is too large.'],
  'err.pdf.limit.inflated': ['Isi PDF ini mengembang terlalu besar saat dibaca.', 'This PDF\'s content decompresses to too much data.'],
  'err.pdf.limit.revisions': ['PDF ini memiliki terlalu banyak revisi.', 'This PDF has too many revisions.'],
  // a key backup file or certificate that is not one (kunci-core's input codes)
  'err.input.bad_der': ['Berkas ini bukan kunci atau sertifikat yang dapat dibaca. Pilih berkas cadangan kunci (kunci-key-….pem).', 'This file is not a readable key or certificate. Choose the key backup file (kunci-key-….pem).'],
  'err.input.bad_pem': ['Berkas ini bukan PEM yang dapat dibaca. Pilih berkas cadangan kunci (kunci-key-….pem).', 'This file is not readable PEM. Choose the key backup file (kunci-key-….pem).'],
  'err.input.empty': ['Berkas kosong.', 'The file is empty.'],
  'err.input.too_large': ['Berkas terlalu besar untuk sebuah kunci atau sertifikat.', 'The file is too large for a key or certificate.'],
  'err.cert.malformed': ['Sertifikat tidak dapat dibaca.', 'The certificate cannot be read.'],
  'err.key.invalid': ['Kunci ini rusak atau tidak sah.', 'This key is damaged or invalid.'],
  'err.sign.failed': ['Tanda tangan tidak dapat dibuat. Coba lagi.', 'The signature could not be made. Try again.'],
  // the USB token (docs/PROTOCOL.md)
  'err.pin.incorrect': ['PIN salah.', 'Wrong PIN.'],
  'err.pin.locked': ['PIN token terkunci. Buka dengan PUK (SO PIN) token, lalu coba lagi.', 'The token\'s PIN is locked. Unlock it with the token\'s PUK (SO PIN), then retry.'],
  'err.pin.required': ['PIN tidak dimasukkan.', 'No PIN was entered.'],
  'err.token.absent': ['Token USB tidak ditemukan. Pasang token lalu coba lagi.', 'The USB token was not found. Plug it in and retry.'],
  'err.token.removed': ['Token USB dilepas saat bekerja. Pasang lagi lalu coba lagi.', 'The USB token was removed during the work. Plug it in again and retry.'],
  'err.key.not_found': ['Kunci sertifikat ini tidak ada di token yang dipilih.', 'This certificate\'s key is not on the chosen token.'],
  'err.mechanism.unsupported': ['Token ini tidak dapat menandatangani dengan algoritme kunci ini.', 'This token cannot sign with this key\'s algorithm.'],
  'err.origin.not_allowed': ['Situs ini tidak diizinkan memakai token USB (pengaturan ekstensi atau kunci-host).', 'This site is not allowed to use the USB token (extension or kunci-host settings).'],
  'err.host.absent': ['Program pembantu kunci-host belum terpasang, jadi token tidak dapat dipakai.', 'The kunci-host helper is not installed, so the token cannot be used.'],
  'err.host.version': ['Ekstensi dan kunci-host berbeda versi: perbarui keduanya.', 'The extension and kunci-host are different versions: update both.'],
  'err.cancelled': ['Dibatalkan di jendela ekstensi; dokumen tidak ditandatangani.', 'Cancelled in the extension\'s window; the document was not signed.'],
  'err.timeout': ['Waktu habis menunggu token atau PIN; dokumen tidak ditandatangani. Coba lagi.', 'Timed out waiting for the token or the PIN; the document was not signed. Try again.'],
  'err.busy': ['Token masih mengerjakan permintaan lain. Tunggu sebentar lalu coba lagi.', 'The token is still busy with another request. Wait a moment and retry.'],
  'err.pkcs11.failed': ['Token menolak permintaan ini.', 'The token refused this request.'],
});
