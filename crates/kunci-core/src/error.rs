//! The one error type of kunci-core, with a stable string code per variant.
//!
//! Codes are part of the public contract: the CLI prints them, the npm package puts them on
//! `Error.code`, the token helper and the portal send them in JSON. Never rename one; add new
//! variants instead. Messages say what failed and what to do, and never carry a secret
//! (no password, no key material, no CSR token).

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in kunci-core.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // ---- input framing ----
    /// The input was empty.
    #[error("the input is empty: give the file's contents")]
    EmptyInput,
    /// The input is larger than any legitimate object of its kind.
    #[error("the input is {len} bytes, more than the {max} bytes accepted")]
    InputTooLarge {
        /// Bytes given.
        len: usize,
        /// Bytes accepted.
        max: usize,
    },
    /// PEM armour was expected but is missing or damaged, or has another label.
    #[error("not a valid PEM file: {0}")]
    BadPem(String),
    /// The DER structure is truncated or does not follow the ASN.1 it should.
    #[error("malformed DER: {0}")]
    BadDer(String),

    // ---- keys ----
    /// The key algorithm name is not one kunci makes.
    #[error("unsupported key algorithm `{0}`: choose rsa2048, rsa3072, rsa4096 or p256")]
    UnsupportedAlgorithm(String),
    /// The key is of a type or size kunci does not use (e.g. RSA 1024, P-384, Ed25519).
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// The key could not be generated (the random source failed).
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    /// The key material is not a valid key.
    #[error("invalid private or public key: {0}")]
    InvalidKey(String),

    // ---- passwords and key derivation ----
    /// No password was given where one is required.
    #[error("the password is empty: set a password")]
    EmptyPassword,
    /// The password decrypts nothing: it is wrong (or the file is damaged).
    #[error("wrong password for this encrypted private key")]
    Pkcs8WrongPassword,
    /// The PKCS#8 file is encrypted with a scheme kunci does not read.
    #[error("unsupported private-key encryption: {0}")]
    Pkcs8UnsupportedEncryption(String),
    /// An iteration count below the floor was asked for on write.
    #[error(
        "{given} PBKDF2 iterations is below the minimum of {min}: use at least {min} (default 600000)"
    )]
    IterationsTooLow {
        /// Count asked for.
        given: u32,
        /// The floor.
        min: u32,
    },
    /// A file asks for more key-derivation work than kunci will do (a denial-of-service guard).
    #[error("{given} iterations is above the maximum of {max} kunci will run")]
    IterationsTooHigh {
        /// Count found.
        given: u64,
        /// The ceiling.
        max: u64,
    },
    /// A key derived outside kunci (e.g. by WebCrypto's PBKDF2) and handed back to finish a
    /// job does not fit the job: wrong count, wrong length, or a failed consistency check.
    #[error("the derived key is not usable: {0}")]
    KdfResult(String),

    // ---- signing ----
    /// The signer failed (a token error, a WebCrypto error, ...).
    #[error("signing failed: {0}")]
    SigningFailed(String),

    // ---- subjects ----
    /// A distinguished name or one of its fields is not acceptable.
    #[error("invalid subject: {0}")]
    InvalidSubject(String),
    /// An e-mail address is not acceptable.
    #[error("invalid e-mail address `{0}`")]
    InvalidEmail(String),

    // ---- CSRs ----
    /// The CSR could not be parsed.
    #[error("malformed CSR: {0}")]
    CsrMalformed(String),
    /// The CSR's signature does not verify with its own public key.
    #[error("the CSR's signature does not verify: it was altered or signed with another key")]
    CsrBadSignature,
    /// The CSR uses a signature or key algorithm that is not allowed.
    #[error("the CSR's algorithm is not allowed: {0}")]
    CsrAlgorithmNotAllowed(String),
    /// The CSR's subject differs from the expected identity.
    #[error("the CSR's subject does not match the registered identity: {0}")]
    CsrSubjectMismatch(String),
    /// The CSR carries no challengePassword (CSR token).
    #[error("the CSR carries no CSR token (challengePassword attribute)")]
    CsrTokenMissing,
    /// The CSR's challengePassword differs from the expected CSR token.
    #[error("the CSR's CSR token does not match this request")]
    CsrTokenMismatch,
    /// The CSR token given for a new CSR cannot be carried as a challengePassword (empty,
    /// longer than 255 characters, or with control characters). The token is never shown.
    #[error("the CSR token cannot be used: {0}")]
    CsrTokenInvalid(String),

    // ---- certificates ----
    /// The certificate could not be parsed.
    #[error("malformed certificate: {0}")]
    CertMalformed(String),
    /// The certificate's public key is not the given key pair's.
    #[error("the certificate does not belong to this private key")]
    CertKeyMismatch,

    // ---- PKCS#12 ----
    /// The PKCS#12 MAC does not verify: the password is wrong (or the file is damaged).
    #[error("wrong password for this PKCS#12 file")]
    P12WrongPassword,
    /// The PKCS#12 file could not be parsed.
    #[error("malformed PKCS#12 file: {0}")]
    P12Malformed(String),
    /// The PKCS#12 file uses an algorithm kunci does not read.
    #[error("unsupported PKCS#12 algorithm: {0}")]
    P12Unsupported(String),
    /// The PKCS#12 file holds no private key, or no certificate for it.
    #[error("the PKCS#12 file is incomplete: {0}")]
    P12Incomplete(String),

    // ---- password strength ----
    /// The password is too weak for the rule (strength must be over 50 %).
    #[error("the password is too weak ({percent} %): it must score over 50 %")]
    PasswordTooWeak {
        /// The password's strength in percent.
        percent: u8,
    },
    /// The password is longer than the strength check accepts.
    #[error("the password is longer than {max} characters")]
    PasswordTooLong {
        /// Largest accepted length in characters.
        max: usize,
    },
    /// A language code other than `id` (Indonesian) or `en` (English) was asked for.
    #[error("unknown language `{0}`: use id or en")]
    UnknownLanguage(String),

    // ---- PDF signatures (module `pdf`, feature `pdf`) ----
    // Behind the feature, variants and texts alike, so the core wasm module (built without
    // `pdf`) carries none of them: issue 17 asks that it does not grow.
    #[cfg(feature = "pdf")]
    /// The file is not a PDF kunci can read: a broken cross-reference table, an object that
    /// is not where the table says, a syntax error. kunci never repairs a file it signs.
    #[error("not a PDF kunci can read: {0}; re-save it with a PDF tool and try again")]
    PdfMalformed(String),
    #[cfg(feature = "pdf")]
    /// The PDF is encrypted (password-protected or with permissions); kunci signs and checks
    /// only unencrypted files.
    #[error("the PDF is encrypted: remove the password or permissions first, then sign it")]
    PdfEncrypted,
    #[cfg(feature = "pdf")]
    /// The PDF uses a feature kunci's reader does not have (a filter other than
    /// FlateDecode in an xref or object stream, a PDF 2.0 crypt filter, ...).
    #[error("the PDF uses something kunci does not read: {0}")]
    PdfUnsupported(String),
    #[cfg(feature = "pdf")]
    /// The PDF goes over one of the reader's limits (a hostile or unusually built file).
    #[error("the PDF is over kunci's limit on {limit}: {found} (at most {max})")]
    PdfLimit {
        /// Which limit.
        limit: PdfLimit,
        /// What the file has or asks for.
        found: u64,
        /// The limit.
        max: u64,
    },
    #[cfg(feature = "pdf")]
    /// The signer's certificate may not sign documents: it lacks the keyUsage extension or
    /// both its digitalSignature and nonRepudiation bits.
    #[error(
        "this certificate may not sign documents (it needs keyUsage digitalSignature or \
         nonRepudiation): use a signing certificate"
    )]
    PdfCertKeyUsage,
    #[cfg(feature = "pdf")]
    /// The CMS signature (with its chain and timestamp) does not fit the room reserved for it.
    #[error(
        "the signature is {len} bytes, more than the {room} bytes reserved: sign again with a larger reserve"
    )]
    PdfSignatureTooLarge {
        /// Bytes of the CMS SignedData.
        len: usize,
        /// Bytes reserved.
        room: usize,
    },
    #[cfg(feature = "pdf")]
    /// The signature handed to `finish` does not verify with the certificate's key over the
    /// signed attributes: wrong key, wrong algorithm or wrong data signed.
    #[error("the signature does not verify with the certificate's key: {0}")]
    PdfBadSignature(String),
    #[cfg(feature = "pdf")]
    /// The timestamp answer is unusable: a refusal, not a token, or over other data.
    #[error("the timestamp is unusable: {0}")]
    PdfBadTimestamp(String),
    #[cfg(feature = "pdf")]
    /// The PDF is certified with DocMDP permission 1: its author allows no change at all,
    /// not even another signature.
    #[error("the PDF is certified to allow no changes: it cannot be signed again")]
    PdfCertifiedNoChanges,
    #[cfg(feature = "pdf")]
    /// The page asked for does not exist.
    #[error("the PDF has no page {page} (it has {count})")]
    PdfNoSuchPage {
        /// The page asked for (1-based).
        page: usize,
        /// Pages in the file.
        count: usize,
    },
    #[cfg(feature = "pdf")]
    /// The stamp's image is neither a PNG nor a JPEG kunci embeds (an interlaced or 16-bit
    /// PNG with alpha, a progressive, lossless or CMYK JPEG, another format).
    #[error(
        "the stamp image cannot be used: {0}; save it as a non-interlaced 8-bit PNG or a baseline RGB or grey JPEG"
    )]
    PdfStampImageUnsupported(String),
    #[cfg(feature = "pdf")]
    /// The stamp's image is damaged (a truncated PNG or JPEG, broken compressed data).
    #[error("the stamp image is damaged: {0}; save it again with an image editor")]
    PdfStampImageMalformed(String),
    #[cfg(feature = "pdf")]
    /// The stamp's image is too big (its file size or its pixel count).
    #[error("the stamp image is too big: {what} is {found}, at most {max}; make it smaller")]
    PdfStampImageTooLarge {
        /// `bytes` or `pixels`.
        what: &'static str,
        /// What the image has.
        found: u64,
        /// The limit.
        max: u64,
    },
}

/// The limits of kunci's PDF reader, each with its own error code (`pdf.limit.<name>`).
#[cfg(feature = "pdf")]
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PdfLimit {
    /// The whole file's size.
    FileSize,
    /// Objects declared by the cross-reference data.
    Objects,
    /// Nesting of arrays and dictionaries (and of page-tree levels).
    Depth,
    /// One stream's encoded length.
    StreamLength,
    /// Bytes produced by decompressing streams.
    Inflated,
    /// Cross-reference sections (revisions) chained by /Prev.
    Revisions,
    /// Signatures verified in one file.
    Signatures,
}

#[cfg(feature = "pdf")]
impl PdfLimit {
    /// The stable error code of this limit.
    pub fn code(self) -> &'static str {
        match self {
            PdfLimit::FileSize => "pdf.limit.file_size",
            PdfLimit::Objects => "pdf.limit.objects",
            PdfLimit::Depth => "pdf.limit.depth",
            PdfLimit::StreamLength => "pdf.limit.stream_length",
            PdfLimit::Inflated => "pdf.limit.inflated",
            PdfLimit::Revisions => "pdf.limit.revisions",
            PdfLimit::Signatures => "pdf.limit.signatures",
        }
    }
}

#[cfg(feature = "pdf")]
impl core::fmt::Display for PdfLimit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            PdfLimit::FileSize => "the file size in bytes",
            PdfLimit::Objects => "the number of objects",
            PdfLimit::Depth => "nesting depth",
            PdfLimit::StreamLength => "a stream's length in bytes",
            PdfLimit::Inflated => "decompressed bytes",
            PdfLimit::Revisions => "the number of revisions",
            PdfLimit::Signatures => "the number of signatures",
        })
    }
}

impl Error {
    /// The stable, machine-readable code of this error (`area.reason`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyInput => "input.empty",
            Error::InputTooLarge { .. } => "input.too_large",
            Error::BadPem(_) => "input.bad_pem",
            Error::BadDer(_) => "input.bad_der",
            Error::UnsupportedAlgorithm(_) => "key.unsupported_algorithm",
            Error::UnsupportedKey(_) => "key.unsupported",
            Error::KeyGeneration(_) => "key.generation_failed",
            Error::InvalidKey(_) => "key.invalid",
            Error::EmptyPassword => "password.empty",
            Error::Pkcs8WrongPassword => "pkcs8.wrong_password",
            Error::Pkcs8UnsupportedEncryption(_) => "pkcs8.unsupported_encryption",
            Error::IterationsTooLow { .. } => "kdf.iterations_too_low",
            Error::IterationsTooHigh { .. } => "kdf.iterations_too_high",
            Error::KdfResult(_) => "kdf.bad_result",
            Error::SigningFailed(_) => "sign.failed",
            Error::InvalidSubject(_) => "subject.invalid",
            Error::InvalidEmail(_) => "subject.invalid_email",
            Error::CsrMalformed(_) => "csr.malformed",
            Error::CsrBadSignature => "csr.bad_signature",
            Error::CsrAlgorithmNotAllowed(_) => "csr.algorithm_not_allowed",
            Error::CsrSubjectMismatch(_) => "csr.subject_mismatch",
            Error::CsrTokenMissing => "csr.token_missing",
            Error::CsrTokenMismatch => "csr.token_mismatch",
            Error::CsrTokenInvalid(_) => "csr.token_invalid",
            Error::CertMalformed(_) => "cert.malformed",
            Error::CertKeyMismatch => "cert.key_mismatch",
            Error::P12WrongPassword => "p12.wrong_password",
            Error::P12Malformed(_) => "p12.malformed",
            Error::P12Unsupported(_) => "p12.unsupported",
            Error::P12Incomplete(_) => "p12.incomplete",
            Error::PasswordTooWeak { .. } => "password.too_weak",
            Error::PasswordTooLong { .. } => "password.too_long",
            Error::UnknownLanguage(_) => "input.unknown_language",
            #[cfg(feature = "pdf")]
            Error::PdfMalformed(_) => "pdf.malformed",
            #[cfg(feature = "pdf")]
            Error::PdfEncrypted => "pdf.encrypted",
            #[cfg(feature = "pdf")]
            Error::PdfUnsupported(_) => "pdf.unsupported",
            #[cfg(feature = "pdf")]
            Error::PdfLimit { limit, .. } => limit.code(),
            #[cfg(feature = "pdf")]
            Error::PdfCertKeyUsage => "pdf.cert_key_usage",
            #[cfg(feature = "pdf")]
            Error::PdfSignatureTooLarge { .. } => "pdf.signature_too_large",
            #[cfg(feature = "pdf")]
            Error::PdfBadSignature(_) => "pdf.bad_signature",
            #[cfg(feature = "pdf")]
            Error::PdfBadTimestamp(_) => "pdf.bad_timestamp",
            #[cfg(feature = "pdf")]
            Error::PdfNoSuchPage { .. } => "pdf.no_such_page",
            #[cfg(feature = "pdf")]
            Error::PdfCertifiedNoChanges => "pdf.certified_no_changes",
            #[cfg(feature = "pdf")]
            Error::PdfStampImageUnsupported(_) => "pdf.stamp_image_unsupported",
            #[cfg(feature = "pdf")]
            Error::PdfStampImageMalformed(_) => "pdf.stamp_image_malformed",
            #[cfg(feature = "pdf")]
            Error::PdfStampImageTooLarge { .. } => "pdf.stamp_image_too_large",
        }
    }
}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Error::BadDer(e.to_string())
    }
}

/// What kind of failure an [`Error`] is, for callers outside this crate that must map every
/// error (an HTTP status, an exit code): [`Error`] is `#[non_exhaustive]`, so they could only
/// match it with a wildcard, and a new variant would fall into it unseen. [`Error::kind`]
/// matches exhaustively here instead, so a new variant does not compile until it is
/// classified. Deliberately not `#[non_exhaustive]`: a new kind must reach every caller too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is malformed or does not meet a rule (bad PEM, a CSR that does not verify,
    /// a weak password...): the caller must fix it.
    BadInput,
    /// A password that decrypts nothing (PKCS#8, PKCS#12).
    WrongPassword,
    /// Well-formed, but uses a key, algorithm or scheme kunci does not support.
    Unsupported,
    /// The environment failed, not the input (the random source, a signer).
    Internal,
}

impl Error {
    /// The kind of failure this error is (see [`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::EmptyInput
            | Error::InputTooLarge { .. }
            | Error::BadPem(_)
            | Error::BadDer(_)
            | Error::InvalidKey(_)
            | Error::EmptyPassword
            | Error::IterationsTooLow { .. }
            | Error::IterationsTooHigh { .. }
            | Error::KdfResult(_)
            | Error::InvalidSubject(_)
            | Error::InvalidEmail(_)
            | Error::CsrMalformed(_)
            | Error::CsrBadSignature
            | Error::CsrSubjectMismatch(_)
            | Error::CsrTokenMissing
            | Error::CsrTokenMismatch
            | Error::CsrTokenInvalid(_)
            | Error::CertMalformed(_)
            | Error::CertKeyMismatch
            | Error::P12Malformed(_)
            | Error::P12Incomplete(_)
            | Error::PasswordTooWeak { .. }
            | Error::PasswordTooLong { .. }
            | Error::UnknownLanguage(_) => ErrorKind::BadInput,
            #[cfg(feature = "pdf")]
            Error::PdfMalformed(_)
            | Error::PdfLimit { .. }
            | Error::PdfCertKeyUsage
            | Error::PdfSignatureTooLarge { .. }
            | Error::PdfBadSignature(_)
            | Error::PdfBadTimestamp(_)
            | Error::PdfNoSuchPage { .. }
            | Error::PdfCertifiedNoChanges
            | Error::PdfStampImageMalformed(_)
            | Error::PdfStampImageTooLarge { .. } => ErrorKind::BadInput,
            Error::Pkcs8WrongPassword | Error::P12WrongPassword => ErrorKind::WrongPassword,
            Error::UnsupportedAlgorithm(_)
            | Error::UnsupportedKey(_)
            | Error::Pkcs8UnsupportedEncryption(_)
            | Error::CsrAlgorithmNotAllowed(_)
            | Error::P12Unsupported(_) => ErrorKind::Unsupported,
            #[cfg(feature = "pdf")]
            Error::PdfEncrypted | Error::PdfUnsupported(_) | Error::PdfStampImageUnsupported(_) => {
                ErrorKind::Unsupported
            }
            Error::KeyGeneration(_) | Error::SigningFailed(_) => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every PDF error, each limit once.
    #[cfg(feature = "pdf")]
    fn pdf_errors() -> Vec<Error> {
        let limits = [
            PdfLimit::FileSize,
            PdfLimit::Objects,
            PdfLimit::Depth,
            PdfLimit::StreamLength,
            PdfLimit::Inflated,
            PdfLimit::Revisions,
            PdfLimit::Signatures,
        ];
        [
            Error::PdfMalformed(String::new()),
            Error::PdfEncrypted,
            Error::PdfUnsupported(String::new()),
            Error::PdfCertKeyUsage,
            Error::PdfSignatureTooLarge { len: 0, room: 0 },
            Error::PdfBadSignature(String::new()),
            Error::PdfBadTimestamp(String::new()),
            Error::PdfNoSuchPage { page: 0, count: 0 },
            Error::PdfCertifiedNoChanges,
            Error::PdfStampImageUnsupported(String::new()),
            Error::PdfStampImageMalformed(String::new()),
            Error::PdfStampImageTooLarge {
                what: "bytes",
                found: 0,
                max: 0,
            },
        ]
        .into_iter()
        .chain(limits.map(|limit| Error::PdfLimit {
            limit,
            found: 0,
            max: 0,
        }))
        .collect()
    }

    #[test]
    fn codes_are_unique_and_dotted() {
        let all = [
            Error::EmptyInput,
            Error::InputTooLarge { len: 0, max: 0 },
            Error::BadPem(String::new()),
            Error::BadDer(String::new()),
            Error::UnsupportedAlgorithm(String::new()),
            Error::UnsupportedKey(String::new()),
            Error::KeyGeneration(String::new()),
            Error::InvalidKey(String::new()),
            Error::EmptyPassword,
            Error::Pkcs8WrongPassword,
            Error::Pkcs8UnsupportedEncryption(String::new()),
            Error::IterationsTooLow { given: 0, min: 0 },
            Error::IterationsTooHigh { given: 0, max: 0 },
            Error::KdfResult(String::new()),
            Error::SigningFailed(String::new()),
            Error::InvalidSubject(String::new()),
            Error::InvalidEmail(String::new()),
            Error::CsrMalformed(String::new()),
            Error::CsrBadSignature,
            Error::CsrAlgorithmNotAllowed(String::new()),
            Error::CsrSubjectMismatch(String::new()),
            Error::CsrTokenMissing,
            Error::CsrTokenMismatch,
            Error::CsrTokenInvalid(String::new()),
            Error::CertMalformed(String::new()),
            Error::CertKeyMismatch,
            Error::P12WrongPassword,
            Error::P12Malformed(String::new()),
            Error::P12Unsupported(String::new()),
            Error::P12Incomplete(String::new()),
            Error::PasswordTooWeak { percent: 0 },
            Error::PasswordTooLong { max: 0 },
            Error::UnknownLanguage(String::new()),
        ];
        #[cfg(feature = "pdf")]
        let all: Vec<Error> = all.into_iter().chain(pdf_errors()).collect();
        let mut codes: Vec<_> = all.iter().map(Error::code).collect();
        for c in &codes {
            assert!(c.contains('.') && c.is_ascii(), "{c}");
        }
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(n, codes.len(), "duplicate error codes");
    }

    /// The PDF codes are a contract (the CLI, the npm package and the docs name them): gating
    /// them behind the feature must not rename one.
    #[cfg(feature = "pdf")]
    #[test]
    fn pdf_codes_are_stable() {
        let codes: Vec<_> = pdf_errors().iter().map(Error::code).collect();
        assert_eq!(
            codes,
            [
                "pdf.malformed",
                "pdf.encrypted",
                "pdf.unsupported",
                "pdf.cert_key_usage",
                "pdf.signature_too_large",
                "pdf.bad_signature",
                "pdf.bad_timestamp",
                "pdf.no_such_page",
                "pdf.certified_no_changes",
                "pdf.stamp_image_unsupported",
                "pdf.stamp_image_malformed",
                "pdf.stamp_image_too_large",
                "pdf.limit.file_size",
                "pdf.limit.objects",
                "pdf.limit.depth",
                "pdf.limit.stream_length",
                "pdf.limit.inflated",
                "pdf.limit.revisions",
                "pdf.limit.signatures",
            ]
        );
    }
}
