//! The words of the verification report: every check's stable code with its text in
//! Indonesian and English. [`Check`] is matched exhaustively, so a new check does not compile
//! until it has both texts.

use serde::Serialize;

/// One thing the verifier found about a signature (or the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Check {
    /// The file holds no signature.
    NoSignatures,
    /// The ByteRange covers the file (up to its revision) except exactly `/Contents`.
    ByteRangeOk,
    /// The ByteRange leaves out more than `/Contents`, overlaps, or ends mid-revision.
    ByteRangeBad,
    /// The signed bytes hash to the signed message-digest.
    DigestOk,
    /// The signed bytes were changed after signing.
    DigestMismatch,
    /// `/Contents` is not a CMS SignedData kunci can read.
    CmsMalformed,
    /// A signature format kunci does not check (a `/SubFilter` other than CAdES / PKCS#7
    /// detached, an algorithm it does not verify).
    Unsupported,
    /// The CMS signature verifies with the signer's key.
    SignatureOk,
    /// The CMS signature does not verify.
    SignatureBad,
    /// signing-certificate-v2 names the signer's certificate.
    SigningCertificateOk,
    /// signing-certificate-v2 is absent (required by PAdES baseline).
    SigningCertificateMissing,
    /// signing-certificate-v2 names another certificate.
    SigningCertificateMismatch,
    /// The signer's certificate chains to a trusted certificate, and each was valid then.
    ChainTrusted,
    /// No chain to the trust list.
    ChainUntrusted,
    /// A certificate of the chain was not valid at the time of signing.
    ChainExpired,
    /// The signer's certificate is not for signing (keyUsage).
    KeyUsageBad,
    /// A CRL or OCSP response says the signer's certificate was good.
    RevocationGood,
    /// A CRL or OCSP response says the signer's certificate is revoked.
    RevocationRevoked,
    /// No revocation information for the signer's certificate (embedded or given).
    RevocationUnknown,
    /// A CA certificate between the signer's and the trust anchor is revoked (before the
    /// timestamp, if there is one).
    ChainRevoked,
    /// No revocation information for a CA certificate between the signer's and the anchor.
    ChainRevocationUnknown,
    /// The TSA's certificate (or a CA above it) was revoked when it made the timestamp.
    TsaRevoked,
    /// No revocation information for the TSA's certificate (or a CA above it).
    TsaRevocationUnknown,
    /// The signature timestamp is over this signature and verifies.
    TimestampOk,
    /// The signature timestamp is broken, over other data, or from an untrusted TSA.
    TimestampBad,
    /// No signature timestamp (B-B).
    TimestampAbsent,
    /// The signature covers the whole file.
    UnchangedSince,
    /// Later updates only add signatures, form fields for them, or validation data (DSS).
    AllowedChangesSince,
    /// Later updates change the document itself.
    ChangedSince,
}

impl Check {
    /// The stable code, Indonesian text, English text.
    pub fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Check::NoSignatures => (
                "pdf.verify.no_signatures",
                "Dokumen ini tidak memuat tanda tangan elektronik.",
                "The document holds no electronic signature.",
            ),
            Check::ByteRangeOk => (
                "pdf.verify.byte_range_ok",
                "Tanda tangan mencakup seluruh isi revisinya, kecuali tempat tanda tangan itu sendiri.",
                "The signature covers its whole revision except the signature itself.",
            ),
            Check::ByteRangeBad => (
                "pdf.verify.byte_range_bad",
                "Bagian yang ditandatangani tidak mencakup seluruh dokumen: ada isi yang tidak terlindungi.",
                "The signed ranges do not cover the whole document: some content is unprotected.",
            ),
            Check::DigestOk => (
                "pdf.verify.digest_ok",
                "Isi dokumen tidak berubah sejak ditandatangani.",
                "The document's content is unchanged since it was signed.",
            ),
            Check::DigestMismatch => (
                "pdf.verify.digest_mismatch",
                "Isi dokumen telah diubah setelah ditandatangani.",
                "The document's content was altered after signing.",
            ),
            Check::CmsMalformed => (
                "pdf.verify.cms_malformed",
                "Data tanda tangan rusak atau tidak dapat dibaca.",
                "The signature data is damaged or unreadable.",
            ),
            Check::Unsupported => (
                "pdf.verify.unsupported",
                "Jenis tanda tangan ini tidak dapat diperiksa oleh kunci.",
                "kunci cannot check this kind of signature.",
            ),
            Check::SignatureOk => (
                "pdf.verify.signature_ok",
                "Tanda tangan kriptografis sah untuk kunci publik penanda tangan.",
                "The cryptographic signature is valid for the signer's public key.",
            ),
            Check::SignatureBad => (
                "pdf.verify.signature_bad",
                "Tanda tangan kriptografis tidak sah.",
                "The cryptographic signature is not valid.",
            ),
            Check::SigningCertificateOk => (
                "pdf.verify.signing_certificate_ok",
                "Tanda tangan terikat pada sertifikat penanda tangan.",
                "The signature is bound to the signer's certificate.",
            ),
            Check::SigningCertificateMissing => (
                "pdf.verify.signing_certificate_missing",
                "Tanda tangan tidak menyebut sertifikat penanda tangannya (signing-certificate-v2).",
                "The signature does not name its signer's certificate (signing-certificate-v2).",
            ),
            Check::SigningCertificateMismatch => (
                "pdf.verify.signing_certificate_mismatch",
                "Tanda tangan menyebut sertifikat lain daripada sertifikat penanda tangan.",
                "The signature names another certificate than the signer's.",
            ),
            Check::ChainTrusted => (
                "pdf.verify.chain_trusted",
                "Sertifikat penanda tangan diterbitkan oleh otoritas yang dipercaya.",
                "The signer's certificate was issued by a trusted authority.",
            ),
            Check::ChainUntrusted => (
                "pdf.verify.chain_untrusted",
                "Sertifikat penanda tangan tidak berasal dari otoritas yang dipercaya.",
                "The signer's certificate does not come from a trusted authority.",
            ),
            Check::ChainExpired => (
                "pdf.verify.chain_expired",
                "Sertifikat penanda tangan (atau penerbitnya) tidak berlaku pada waktu penandatanganan.",
                "The signer's certificate (or its issuer's) was not valid at the time of signing.",
            ),
            Check::KeyUsageBad => (
                "pdf.verify.key_usage_bad",
                "Sertifikat penanda tangan tidak diperuntukkan bagi tanda tangan dokumen.",
                "The signer's certificate is not meant for signing documents.",
            ),
            Check::RevocationGood => (
                "pdf.verify.revocation_good",
                "Sertifikat penanda tangan tidak dicabut (menurut CRL atau OCSP).",
                "The signer's certificate is not revoked (according to a CRL or OCSP).",
            ),
            Check::RevocationRevoked => (
                "pdf.verify.revocation_revoked",
                "Sertifikat penanda tangan telah dicabut.",
                "The signer's certificate has been revoked.",
            ),
            Check::RevocationUnknown => (
                "pdf.verify.revocation_unknown",
                "Status pencabutan sertifikat penanda tangan tidak diketahui (tidak ada CRL atau OCSP).",
                "The revocation status of the signer's certificate is unknown (no CRL or OCSP).",
            ),
            Check::ChainRevoked => (
                "pdf.verify.chain_revoked",
                "Sertifikat otoritas penerbit telah dicabut.",
                "An issuing authority's certificate has been revoked.",
            ),
            Check::ChainRevocationUnknown => (
                "pdf.verify.chain_revocation_unknown",
                "Status pencabutan sertifikat otoritas penerbit tidak diketahui.",
                "An issuing authority's revocation status is unknown.",
            ),
            Check::TsaRevoked => (
                "pdf.verify.tsa_revoked",
                "Sertifikat penerbit stempel waktu dicabut sebelum stempel waktu dibuat.",
                "The timestamp authority's certificate was revoked before the timestamp.",
            ),
            Check::TsaRevocationUnknown => (
                "pdf.verify.tsa_revocation_unknown",
                "Status pencabutan sertifikat penerbit stempel waktu tidak diketahui.",
                "The timestamp authority's revocation status is unknown.",
            ),
            Check::TimestampOk => (
                "pdf.verify.timestamp_ok",
                "Stempel waktu sah membuktikan kapan tanda tangan dibuat.",
                "A valid timestamp proves when the signature was made.",
            ),
            Check::TimestampBad => (
                "pdf.verify.timestamp_bad",
                "Stempel waktu tanda tangan tidak sah.",
                "The signature's timestamp is not valid.",
            ),
            Check::TimestampAbsent => (
                "pdf.verify.timestamp_absent",
                "Tanda tangan tidak memiliki stempel waktu; waktunya hanya klaim penanda tangan.",
                "The signature has no timestamp; its time is only the signer's claim.",
            ),
            Check::UnchangedSince => (
                "pdf.verify.unchanged_since",
                "Dokumen tidak berubah sejak tanda tangan ini.",
                "The document has not changed since this signature.",
            ),
            Check::AllowedChangesSince => (
                "pdf.verify.allowed_changes_since",
                "Setelah tanda tangan ini hanya ditambahkan tanda tangan lain atau data validasi.",
                "After this signature only other signatures or validation data were added.",
            ),
            Check::ChangedSince => (
                "pdf.verify.changed_since",
                "Dokumen diubah setelah tanda tangan ini (bukan sekadar tanda tangan tambahan).",
                "The document was changed after this signature (not only by further signatures).",
            ),
        }
    }

    /// Every check, once (for tests and for pages that pre-translate).
    pub const ALL: [Check; 29] = [
        Check::NoSignatures,
        Check::ByteRangeOk,
        Check::ByteRangeBad,
        Check::DigestOk,
        Check::DigestMismatch,
        Check::CmsMalformed,
        Check::Unsupported,
        Check::SignatureOk,
        Check::SignatureBad,
        Check::SigningCertificateOk,
        Check::SigningCertificateMissing,
        Check::SigningCertificateMismatch,
        Check::ChainTrusted,
        Check::ChainUntrusted,
        Check::ChainExpired,
        Check::KeyUsageBad,
        Check::RevocationGood,
        Check::RevocationRevoked,
        Check::RevocationUnknown,
        Check::ChainRevoked,
        Check::ChainRevocationUnknown,
        Check::TsaRevoked,
        Check::TsaRevocationUnknown,
        Check::TimestampOk,
        Check::TimestampBad,
        Check::TimestampAbsent,
        Check::UnchangedSince,
        Check::AllowedChangesSince,
        Check::ChangedSince,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_a_unique_code_and_both_texts() {
        let mut codes: Vec<_> = Check::ALL.iter().map(|c| c.texts().0).collect();
        for c in Check::ALL {
            let (code, id, en) = c.texts();
            assert!(code.starts_with("pdf.verify.") && !id.is_empty() && !en.is_empty());
            assert_ne!(id, en, "{code}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Check::ALL.len());
    }
}
