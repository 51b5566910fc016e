//! The one error type of kunci-ams, with stable string codes like kunci-core's.
//!
//! Codes reach the portal's JSON and pages; messages never carry secrets, database texts or
//! file paths (the HTTP layer shows the user the message and logs the detail).

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in the portal's logic and storage.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A kunci-core error (a bad CSR, a wrong password...), with its own code.
    #[error(transparent)]
    Core(#[from] kunci_core::Error),
    // ---- CA (src/ca) ----
    /// The CA password does not decrypt the CA's private key (or the key file is damaged).
    #[error("the CA key is locked: wrong CA password, or a damaged key file")]
    CaKeyLocked,
    /// The CA's certificates or keys cannot be used: unreadable, not a CA certificate, a key
    /// that is not the certificate's, an issuing CA not issued by the root.
    #[error("the CA material cannot be used: {0}")]
    CaInvalid(String),
    /// The issuing CA is not valid at the time of issuance (expired, or not yet valid), so
    /// nothing it signs would verify.
    #[error("the issuing CA is not valid now: renew the CA before issuing")]
    CaExpired,
    /// The CSR passed kunci-core's checks but the product's profile refuses it (for example
    /// it asks for an e-mail address other than the registered one).
    #[error("the CSR is refused for this product: {0}")]
    CsrRejected(String),
    /// A certificate profile is not usable (an unknown OID, no validity, a URL that is not
    /// ASCII...): fix the portal's profile configuration.
    #[error("invalid certificate profile: {0}")]
    ProfileInvalid(String),
    /// A revocation entry cannot go on a CRL (a malformed serial, a reason only delta CRLs
    /// may carry).
    #[error("invalid revocation entry: {0}")]
    RevocationInvalid(String),
    /// A time (Unix seconds) that X.509 cannot carry, or a validity that ends before it starts.
    #[error("invalid time for a certificate or CRL: {0}")]
    CaTime(String),
    /// The CA could not encode what it built (a bug, or a value out of DER's bounds).
    #[error("the CA could not encode a certificate or CRL: {0}")]
    CaEncoding(String),
    /// The data folder's CA was made with its keys in one place (encrypted files, or a
    /// PKCS#11 token) and the portal was started with the other: starting would make new
    /// keys beside the old CA, so it refuses.
    #[error("the CA keys are not where this start looks for them: {0}")]
    CaKeySourceMismatch(String),
    /// The PKCS#11 token of the CA keys cannot be used: the module does not load, no token
    /// has the label, a key or a signature fails on it.
    #[error("the CA token cannot be used: {0}")]
    CaToken(String),
    /// The CA token refused the PIN.
    #[error("the CA token refused the PIN (check --ca-pkcs11-pin-file or KUNCI_CA_PKCS11_PIN)")]
    CaTokenPinIncorrect,
    /// The CA token's user PIN is locked (too many wrong tries): its security officer must
    /// unlock it.
    #[error("the CA token's PIN is locked: its security officer must unlock it")]
    CaTokenPinLocked,
    // ---- storage (src/store) ----
    /// The row asked for does not exist, or is not the caller's to see (an account never
    /// learns whether another account's request or certificate exists).
    #[error("{what} not found")]
    StoreNotFound {
        /// What was looked for ("user", "request", "certificate"...).
        what: &'static str,
    },
    /// The change conflicts with what is stored: a login or product name already taken, a
    /// request not in the state the step needs, a certificate already revoked.
    #[error("{what}")]
    StoreConflict {
        /// What conflicts, in words safe to show.
        what: &'static str,
    },
    /// A value the store refuses before touching the database (an empty login, a negative
    /// size): fix the input.
    #[error("invalid {what}")]
    StoreInvalid {
        /// Which value is invalid.
        what: &'static str,
    },
    /// The product is not registered for this account: an administrator grants products.
    #[error("this product is not registered for the account; ask the administrator")]
    NotGranted,
    /// The request already has its certificate: approving again changes nothing.
    #[error("a certificate was already issued for this request")]
    AlreadyIssued,
    /// No request carries this CSR token (mistyped, or made up).
    #[error("unknown CSR token: copy it again from Permohonan Baru")]
    TokenUnknown,
    /// The CSR token expired before a CSR used it.
    #[error("the CSR token has expired: start a new request")]
    TokenExpired,
    /// The CSR token was already used: a token sends one CSR, once.
    #[error("the CSR token was already used: start a new request")]
    TokenUsed,
    /// The CSR token belongs to another account's request.
    #[error("the CSR token belongs to another account")]
    TokenWrongAccount,
    // ---- a holder's own requests off the happy path (issue 12) ----
    /// The request was cancelled or refused before its CSR arrived: its token is dead.
    #[error("this request is closed (cancelled or rejected): start a new one")]
    RequestClosed,
    /// Only an unfinished request may be cancelled: an enrollment before the operator's
    /// decision, or a revocation still pending.
    #[error("this request can no longer be cancelled: it is decided or already cancelled")]
    RequestNotCancellable,
    /// A fresh CSR token is given only while the request still waits for its CSR.
    #[error("no new CSR token: the CSR of this request already arrived, or it is closed")]
    TokenNotRenewable,
    /// The certificate already has an unfinished renewal: continue it or cancel it first.
    #[error("this certificate already has a renewal in progress: continue it or cancel it")]
    RenewalOpen,
    /// A renewal must ask for the product of the certificate it renews.
    #[error("a renewal keeps the product of the certificate it renews")]
    RenewalProductMismatch,
    /// A rejection's fix that cannot apply: `document` for an enrollment whose CSR never
    /// arrived (only a new key fixes it), or any fix for a revocation.
    #[error(
        "this fix does not fit the request: a request without a CSR needs a new key, and a \
         revocation takes no fix"
    )]
    RejectFixInvalid,
    /// The request was rejected for its key, CSR or identity: a new document does not help;
    /// start a new request (with a new key).
    #[error(
        "this request was rejected for its key or identity: start a new request with a new key"
    )]
    NewKeyRequired,
    /// The database failed (unreachable, locked too long, full, corrupt...). The message
    /// stays generic; `detail` holds the database's own text for the log, never for a page.
    #[error("the database is unavailable; try again later")]
    StoreUnavailable {
        /// The database's error text and context, for the server log only.
        detail: String,
    },
    // ---- HTTP: accounts, sessions, CSRF (src/http) ----
    /// The request needs a logged-in session and has none (no cookie, or an expired or ended
    /// session): log in again.
    #[error("log in first")]
    AuthRequired,
    /// Wrong login or wrong password: one answer for both, so that nobody learns which
    /// logins exist.
    #[error("wrong login or password")]
    AuthFailed,
    /// Too many failed logins for this login or from this address lately: wait and retry.
    #[error("too many failed logins from this address; wait and try again")]
    AuthThrottled,
    /// The password was right but the account is disabled: ask the administrator.
    #[error("this account is disabled; ask the administrator")]
    AuthDisabled,
    /// The account's role may not do this.
    #[error("your account may not do this")]
    AuthForbidden,
    /// A state-changing request without the `X-CSRF-Token` header: reload the page.
    #[error("missing CSRF token: reload the page and try again")]
    CsrfMissing,
    /// A state-changing request whose `X-CSRF-Token` is not the session's: reload the page.
    #[error("wrong CSRF token: reload the page and try again")]
    CsrfMismatch,
    /// A state-changing request sent from another site (its `Origin` is not the portal's).
    #[error("request refused: it came from another site")]
    CsrfOrigin,
    /// The request is malformed (not the JSON the route expects, a field out of bounds).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The request body is larger than the route accepts.
    #[error("the request is too large")]
    TooLarge,
    /// No such route.
    #[error("no such page or API route")]
    RouteNotFound,
    /// The route exists but does not take this method (the `Allow` header lists those it takes).
    #[error("this route does not take this method")]
    MethodNotAllowed,
    /// The data folder holds something other local users may read or change, and it cannot be
    /// made owner-only (the portal does not own it): fix its mode or run as its owner.
    #[error("the data folder is not private: {0}")]
    DataFolderExposed(String),
    /// An uploaded supporting document is not a PDF (judged by its content, not its name).
    #[error("the document is not a PDF: upload the Surat Rekomendasi as a PDF file")]
    UploadNotPdf,
    /// An uploaded supporting document is larger than the portal accepts.
    #[error("the document is too large (at most {max_bytes} bytes)")]
    UploadTooLarge {
        /// The limit, in bytes.
        max_bytes: usize,
    },
    /// The holder uploaded as many documents (or bytes of documents) as the portal takes in
    /// an hour: wait `retry_after_secs` seconds.
    #[error("too many document uploads lately; try again in {retry_after_secs} seconds")]
    UploadRateLimited {
        /// Seconds until an upload of the same size would be taken.
        retry_after_secs: i64,
    },
    /// The documents of the holder's open requests would exceed the bytes a holder may keep.
    #[error(
        "the documents of your open requests would exceed {quota_bytes} bytes: wait for a \
         decision on an open request, or upload a smaller file"
    )]
    UploadQuotaExceeded {
        /// The quota, in bytes.
        quota_bytes: i64,
    },
    /// A typed value (a name, a login, a reason, a file name…) longer than the portal keeps.
    #[error("the {field} is too long (at most {max_chars} characters)")]
    FieldTooLong {
        /// Which value.
        field: &'static str,
        /// The limit, in characters.
        max_chars: usize,
    },
    /// An account's e-mail address that is not one (kunci-core's e-mail rules).
    #[error("the e-mail address is not valid")]
    EmailInvalid,
    /// A language code the portal has no words for (it speaks `id` and `en`).
    #[error("unknown language: choose id (Bahasa Indonesia) or en (English)")]
    LanguageUnknown,
    /// "Setuju dan Submit" without accepting the subscriber agreement.
    #[error("accept the subscriber agreement (tick the box) before submitting")]
    AgreementRequired,
    // ---- staff: administrators' account rules and password resets (src/http/admin.rs) ----
    /// An administrator tried to disable their own account (they would lock themselves out
    /// mid-task): another administrator must do it.
    #[error("you cannot disable your own account; ask another administrator")]
    AdminSelf,
    /// Disabling this account would leave the portal without an enabled administrator.
    #[error("this is the last enabled administrator; enable or add another first")]
    AdminLast,
    /// Products are granted to holders only (staff never request certificates).
    #[error("products are granted to holder accounts only")]
    AdminNotHolder,
    /// No password reset code like this one exists (mistyped, or replaced by a newer one).
    #[error("this password reset link is not valid; ask the administrator for a new one")]
    ResetUnknown,
    /// The password reset code expired before it was used.
    #[error("this password reset link has expired; ask the administrator for a new one")]
    ResetExpired,
    /// The password reset code was already used: a code sets one password, once.
    #[error("this password reset link was already used; ask the administrator for a new one")]
    ResetUsed,
    /// The new password is shorter than the portal's rule.
    #[error("the password needs at least {min_chars} characters")]
    PasswordTooShort {
        /// The rule, in characters.
        min_chars: usize,
    },
    /// A failure inside the server that is not the database's (a password hash that cannot be
    /// computed, a worker task that died). `detail` is for the server log only.
    #[error("internal error; try again later")]
    Internal {
        /// What failed, for the server log only (never a password or token).
        detail: String,
    },
}

impl Error {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Core(e) => e.code(),
            Error::CaKeyLocked => "ca.key_locked",
            Error::CaInvalid(_) => "ca.invalid",
            Error::CaExpired => "ca.expired",
            Error::CsrRejected(_) => "ca.csr_rejected",
            Error::ProfileInvalid(_) => "ca.profile_invalid",
            Error::RevocationInvalid(_) => "ca.revocation_invalid",
            Error::CaTime(_) => "ca.time_invalid",
            Error::CaEncoding(_) => "ca.encoding",
            Error::CaKeySourceMismatch(_) => "ca.key_source_mismatch",
            Error::CaToken(_) => "ca.token",
            Error::CaTokenPinIncorrect => "ca.token_pin_incorrect",
            Error::CaTokenPinLocked => "ca.token_pin_locked",
            Error::StoreNotFound { .. } => "store.not_found",
            Error::StoreConflict { .. } => "store.conflict",
            Error::StoreInvalid { .. } => "store.invalid",
            Error::NotGranted => "store.not_granted",
            Error::AlreadyIssued => "store.already_issued",
            Error::TokenUnknown => "token.unknown",
            Error::TokenExpired => "token.expired",
            Error::TokenUsed => "token.used",
            Error::TokenWrongAccount => "token.wrong_account",
            Error::RequestClosed => "request.closed",
            Error::RequestNotCancellable => "request.not_cancellable",
            Error::TokenNotRenewable => "request.token_not_renewable",
            Error::RenewalOpen => "request.renewal_open",
            Error::RenewalProductMismatch => "request.renewal_product",
            Error::StoreUnavailable { .. } => "store.unavailable",
            Error::RejectFixInvalid => "request.fix_invalid",
            Error::NewKeyRequired => "request.new_key_required",
            Error::AuthRequired => "auth.required",
            Error::AuthFailed => "auth.failed",
            Error::AuthThrottled => "auth.throttled",
            Error::AuthDisabled => "auth.disabled",
            Error::AuthForbidden => "auth.forbidden",
            Error::CsrfMissing => "csrf.missing",
            Error::CsrfMismatch => "csrf.mismatch",
            Error::CsrfOrigin => "csrf.origin",
            Error::BadRequest(_) => "http.bad_request",
            Error::TooLarge => "http.too_large",
            Error::RouteNotFound => "http.not_found",
            Error::MethodNotAllowed => "http.method_not_allowed",
            Error::DataFolderExposed(_) => "setup.data_folder_exposed",
            Error::UploadNotPdf => "upload.not_pdf",
            Error::UploadTooLarge { .. } => "upload.too_large",
            Error::UploadRateLimited { .. } => "upload.rate_limited",
            Error::UploadQuotaExceeded { .. } => "upload.quota_exceeded",
            Error::FieldTooLong { .. } => "field.too_long",
            Error::EmailInvalid => "field.invalid_email",
            Error::LanguageUnknown => "language.unknown",
            Error::AgreementRequired => "agreement.required",
            Error::AdminSelf => "admin.self",
            Error::AdminLast => "admin.last_admin",
            Error::AdminNotHolder => "admin.not_holder",
            Error::ResetUnknown => "reset.unknown",
            Error::ResetExpired => "reset.expired",
            Error::ResetUsed => "reset.used",
            Error::PasswordTooShort { .. } => "password.too_short",
            Error::Internal { .. } => "server.internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_dotted_and_do_not_reuse_the_cores() {
        let all = [
            Error::CaKeyLocked,
            Error::CaInvalid(String::new()),
            Error::CaExpired,
            Error::CsrRejected(String::new()),
            Error::ProfileInvalid(String::new()),
            Error::RevocationInvalid(String::new()),
            Error::CaTime(String::new()),
            Error::CaEncoding(String::new()),
            Error::CaKeySourceMismatch(String::new()),
            Error::CaToken(String::new()),
            Error::CaTokenPinIncorrect,
            Error::CaTokenPinLocked,
            Error::StoreNotFound { what: "x" },
            Error::StoreConflict { what: "x" },
            Error::StoreInvalid { what: "x" },
            Error::NotGranted,
            Error::AlreadyIssued,
            Error::TokenUnknown,
            Error::TokenExpired,
            Error::TokenUsed,
            Error::TokenWrongAccount,
            Error::RequestClosed,
            Error::RequestNotCancellable,
            Error::TokenNotRenewable,
            Error::RenewalOpen,
            Error::RenewalProductMismatch,
            Error::StoreUnavailable {
                detail: String::new(),
            },
            Error::RejectFixInvalid,
            Error::NewKeyRequired,
            Error::AuthRequired,
            Error::AuthFailed,
            Error::AuthThrottled,
            Error::AuthDisabled,
            Error::AuthForbidden,
            Error::CsrfMissing,
            Error::CsrfMismatch,
            Error::CsrfOrigin,
            Error::BadRequest(""),
            Error::TooLarge,
            Error::RouteNotFound,
            Error::MethodNotAllowed,
            Error::DataFolderExposed(String::new()),
            Error::UploadNotPdf,
            Error::LanguageUnknown,
            Error::UploadTooLarge { max_bytes: 1 },
            Error::UploadRateLimited {
                retry_after_secs: 1,
            },
            Error::UploadQuotaExceeded { quota_bytes: 1 },
            Error::FieldTooLong {
                field: "x",
                max_chars: 1,
            },
            Error::EmailInvalid,
            Error::AgreementRequired,
            Error::AdminSelf,
            Error::AdminLast,
            Error::AdminNotHolder,
            Error::ResetUnknown,
            Error::ResetExpired,
            Error::ResetUsed,
            Error::PasswordTooShort { min_chars: 8 },
            Error::Internal {
                detail: String::new(),
            },
        ];
        let mut codes: Vec<_> = all.iter().map(Error::code).collect();
        for c in &codes {
            assert!(c.contains('.') && c.is_ascii(), "{c}");
        }
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(n, codes.len(), "duplicate error codes");
        let core = Error::Core(kunci_core::Error::CsrBadSignature);
        assert_eq!(core.code(), "csr.bad_signature");
    }

    #[test]
    fn database_detail_never_reaches_the_message() {
        let e = Error::StoreUnavailable {
            detail: "no such table: users at /srv/secret.db".into(),
        };
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
