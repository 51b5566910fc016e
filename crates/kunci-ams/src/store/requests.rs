//! Enrollment and revocation requests: their CSR tokens, uploaded CSRs, supporting documents,
//! the subscriber agreement, and the operator's decision.
//!
//! The life of an enrollment (docs/PROCESS.md steps 9-23): [`Store::create_enrollment`] makes it
//! "Enrollment" (pending) with a CSR token; [`Store::consume_csr_token`] takes the CSR once
//! and moves it to "Sudah Upload"; [`Store::attach_document`] keeps the Surat Rekomendasi;
//! [`Store::submit`] records the agreement ("Setuju dan Submit"); the operator then issues
//! ([`Store::issue_for_request`]) or rejects ([`Store::reject_request`]). A revocation
//! (steps 6-8) is made pending and is approved by [`Store::approve_revocation`]. Issuing and
//! approving change more than this table: they are decisions (`decisions.rs`); this file
//! keeps the row-level pieces and calls neither `certificates` nor `notices`. Each change
//! appends its audit entry (`audit.rs`) in its own transaction: `request.created`,
//! `request.csr_stored`, `request.document_attached`, `request.submitted`,
//! `request.rejected` (with the reason), `request.token_renewed` (a fresh CSR token, never
//! the token itself) and `request.cancelled`.
//!
//! Off the happy path (issue 12): the holder may get a fresh CSR token while the CSR has not
//! arrived ([`Store::renew_csr_token`]: the old one dies in the same statement), and may
//! cancel an unfinished request ([`Store::cancel_request`]: "Dibatalkan", kept in the history,
//! never open). A renewal left with its token unused past expiry never blocks the next
//! renewal of that certificate: [`Store::create_enrollment`] cancels it first.
//!
//! Documents are bounded per holder ([`UploadLimits`]): so many uploads and so many bytes an
//! hour (recorded in `document_uploads`), and so many bytes held by the holder's open requests.
//! The check and the record are one transaction with the change they allow.
//!
//! A CSR token is kept only as its SHA-256: the database alone cannot be used to send a CSR.
//! Looking a token up by its hash also keeps the comparison free of timing leaks (an attacker
//! cannot steer the hash of a guess toward a stored one byte by byte).

use kunci_core::CsrToken;
use sqlx::any::AnyRow;

use super::audit::{Actor, Entry, append};
use super::{
    DbResultExt, Id, Store, UnixTime, check_reason, col, conflict_on_unique, limits, required,
    sha256_hex, within,
};
use crate::error::{Error, Result};

/// Length of a stored token hash (SHA-256, hex).
pub const TOKEN_HASH_LEN: usize = 64;

/// The shortest CSR token accepted (characters). The portal makes tokens of at least 128
/// random bits; this floor catches a caller that passes something else by mistake.
const MIN_TOKEN_LEN: usize = 16;

/// How a CSR token is stored and looked up: SHA-256 of its UTF-8 bytes, lower-case hex.
pub fn csr_token_hash(token: &CsrToken) -> String {
    sha256_hex(token.expose().as_bytes())
}

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// A new certificate (Permohonan Baru).
    Enrollment,
    /// Revoking one of the holder's certificates.
    Revocation,
}

impl RequestKind {
    /// The stored name (`enrollment`, `revocation`).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Enrollment => "enrollment",
            RequestKind::Revocation => "revocation",
        }
    }

    fn parse(name: &str) -> Option<RequestKind> {
        match name {
            "enrollment" => Some(RequestKind::Enrollment),
            "revocation" => Some(RequestKind::Revocation),
            _ => None,
        }
    }
}

/// Where a request stands ("Status Permohonan").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Made, waiting for the CSR (enrollment) or for the operator (revocation); the portal
    /// shows "Enrollment".
    Pending,
    /// The CSR arrived ("Sudah Upload"); document and agreement still to come.
    Uploaded,
    /// Agreement accepted ("Setuju dan Submit"); waiting for the operator.
    Submitted,
    /// Done: certificate issued, or certificate revoked.
    Success,
    /// Refused by the operator, with a reason.
    Rejected,
    /// Cancelled by its holder before a decision ("Dibatalkan"); kept in the history.
    Cancelled,
}

impl RequestStatus {
    /// The stored name (`pending`, `uploaded`, `submitted`, `success`, `rejected`,
    /// `cancelled`).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Uploaded => "uploaded",
            RequestStatus::Submitted => "submitted",
            RequestStatus::Success => "success",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    /// The label the AMS portal shows for this status (docs/PROCESS.md's names).
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "Enrollment",
            RequestStatus::Uploaded => "Sudah Upload",
            RequestStatus::Submitted => "Submitted",
            RequestStatus::Success => "Success",
            RequestStatus::Rejected => "Rejected",
            RequestStatus::Cancelled => "Cancelled",
        }
    }

    /// Whether the request still waits for someone (not [`Success`](Self::Success),
    /// [`Rejected`](Self::Rejected) nor [`Cancelled`](Self::Cancelled)).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestStatus::Success | RequestStatus::Rejected | RequestStatus::Cancelled
        )
    }

    fn parse(name: &str) -> Option<RequestStatus> {
        match name {
            "pending" => Some(RequestStatus::Pending),
            "uploaded" => Some(RequestStatus::Uploaded),
            "submitted" => Some(RequestStatus::Submitted),
            "success" => Some(RequestStatus::Success),
            "rejected" => Some(RequestStatus::Rejected),
            "cancelled" => Some(RequestStatus::Cancelled),
            _ => None,
        }
    }
}

/// What the holder of a rejected enrollment must fix (the operator chooses it with the
/// rejection; issue 12, point 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectFix {
    /// The CSR was fine: the holder uploads a new Surat Rekomendasi to the same request, which
    /// goes back to "Sudah Upload" ([`Store::attach_document_within`]) and is submitted again.
    Document,
    /// The key, the CSR or the identity must change: only a new request (new key) helps.
    NewKey,
}

impl RejectFix {
    /// The stored and API name (`document`, `new_key`).
    pub fn as_str(self) -> &'static str {
        match self {
            RejectFix::Document => "document",
            RejectFix::NewKey => "new_key",
        }
    }

    /// The fix named `name` (`document`, `new_key`).
    pub fn parse(name: &str) -> Option<RejectFix> {
        match name {
            "document" => Some(RejectFix::Document),
            "new_key" => Some(RejectFix::NewKey),
            _ => None,
        }
    }
}

/// A supporting document as recorded (the bytes live on disk under `sha256_hex`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// SHA-256 of the content, lower-case hex: also the file's name in the upload folder.
    pub sha256_hex: String,
    /// The name the holder's file had (shown only; never used as a path).
    pub original_name: String,
    /// Size in bytes.
    pub size: i64,
}

/// How many documents a holder may upload (issue 18, finding 2). Each limit is checked, with
/// the upload it allows, in one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimits {
    /// Uploads taken per holder within `window_secs`.
    pub per_window: i64,
    /// Bytes taken per holder within `window_secs`.
    pub bytes_per_window: i64,
    /// The window, in seconds.
    pub window_secs: i64,
    /// Bytes the documents of one holder's open requests may add up to (a document being
    /// replaced does not count).
    pub quota_bytes: i64,
}

impl UploadLimits {
    /// No limit at all (the store's own callers and tests).
    pub const NONE: UploadLimits = UploadLimits {
        per_window: i64::MAX,
        bytes_per_window: i64::MAX,
        window_secs: 3600,
        quota_bytes: i64::MAX,
    };
}

/// A request as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Row id.
    pub id: Id,
    /// The holder who made it.
    pub user_id: Id,
    /// Enrollment or revocation.
    pub kind: RequestKind,
    /// Where it stands.
    pub status: RequestStatus,
    /// The product requested (enrollments).
    pub product_id: Option<Id>,
    /// When the CSR token stops being accepted (enrollments).
    pub token_expires_at: Option<UnixTime>,
    /// When the CSR token was used, if it was.
    pub token_used_at: Option<UnixTime>,
    /// The uploaded CSR (DER), once "Sudah Upload".
    pub csr_der: Option<Vec<u8>>,
    /// The supporting document, once uploaded.
    pub document: Option<Document>,
    /// When the subscriber agreement was accepted.
    pub agreement_at: Option<UnixTime>,
    /// Enrollment without a gap: the certificate this one replaces (revoked as superseded
    /// when the new one is issued).
    pub supersedes_cert_id: Option<Id>,
    /// Revocation: the certificate to revoke.
    pub target_cert_id: Option<Id>,
    /// Revocation: the RFC 5280 CRLReason code the holder chose.
    pub revocation_reason: Option<u8>,
    /// Why the operator refused it.
    pub reject_reason: Option<String>,
    /// What the holder must fix (rejected enrollments; `None` otherwise, and for rejections
    /// stored before the choice existed, which only a new request fixes).
    pub reject_fix: Option<RejectFix>,
    /// The operator who decided (none for automatic approval).
    pub decided_by: Option<Id>,
    /// When it was decided.
    pub decided_at: Option<UnixTime>,
    /// When it was made.
    pub created_at: UnixTime,
    /// When it last changed.
    pub updated_at: UnixTime,
}

macro_rules! request_columns {
    () => {
        "id, user_id, kind, status, product_id, token_expires_at, token_used_at, csr_der, \
         document_sha256, document_name, document_size, agreement_at, supersedes_cert_id, \
         target_cert_id, revocation_reason, reject_reason, reject_fix, decided_by, decided_at, \
         created_at, updated_at"
    };
}

impl Store {
    /// Makes an enrollment request ("Permohonan Baru") of `product` for `user`, with the CSR
    /// `token` (kept as its hash) valid until `token_expires_at`. `supersedes` names the
    /// holder's certificate to replace without a gap, with the product it was issued for
    /// ([`Error::RenewalProductMismatch`] otherwise). Refused when the product is not granted
    /// ([`Error::NotGranted`]), the certificate to replace is not the holder's or not good
    /// ([`Error::StoreConflict`]), or a renewal of it is still open ([`Error::RenewalOpen`]).
    /// An earlier renewal of it whose token expired unused is abandoned: it is cancelled here,
    /// in the same transaction, and never blocks.
    pub async fn create_enrollment(
        &self,
        user: Id,
        product: Id,
        token: &CsrToken,
        token_expires_at: UnixTime,
        supersedes: Option<Id>,
        now: UnixTime,
    ) -> Result<Request> {
        let mut tx = self.begin_audited().await?;
        let id = insert_enrollment(
            &mut tx,
            user,
            product,
            token,
            token_expires_at,
            supersedes,
            None,
            now,
        )
        .await?;
        let request = fetch_request(&mut tx, id).await?;
        tx.commit().await.db("committing an enrollment")?;
        Ok(request)
    }

    /// Records what the holder did with the backup of a key made in the browser for their
    /// enrollment `request` (issue 12, point 3): `checked` (the page decrypted the saved
    /// backup file with the password the holder typed, and it holds the CSR's key) appends
    /// `key.backup_checked`, otherwise `key.backup_skipped`. Nothing but the audit log
    /// changes; the page's word is what is recorded (the server never sees the key). Only
    /// the holder's own enrollment whose CSR is stored and which is not decided takes it
    /// ([`Error::StoreNotFound`] for another's, [`Error::StoreConflict`] otherwise), once per
    /// action.
    pub async fn record_key_backup(
        &self,
        request: Id,
        user: Id,
        checked: bool,
        now: UnixTime,
    ) -> Result<()> {
        let mut tx = self.begin_audited().await?;
        let current = fetch_request_of(&mut tx, request, user).await?;
        let open = matches!(
            current.status,
            RequestStatus::Uploaded | RequestStatus::Submitted
        );
        if current.kind != RequestKind::Enrollment || current.csr_der.is_none() || !open {
            return Err(Error::StoreConflict {
                what: "this request has no key to back up now",
            });
        }
        let action = if checked {
            "key.backup_checked"
        } else {
            "key.backup_skipped"
        };
        let recorded: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM audit_log WHERE subject = $1 AND action = $2 LIMIT 1",
        )
        .bind(request_subject(request))
        .bind(action)
        .fetch_optional(&mut *tx)
        .await
        .db("reading a key backup record")?;
        if recorded.is_some() {
            return Err(Error::StoreConflict {
                what: "this was already recorded for this request",
            });
        }
        let entry = Entry::new(Actor::User(user), action, request_subject(request));
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a key backup record")?;
        Ok(())
    }
}

/// Inside a transaction: `user`'s enrollment of `product` with the CSR `token` (see
/// [`Store::create_enrollment`], whose checks it makes); `lost_key_of` names the certificate
/// whose key the holder reported lost (issue 12, point 5), recorded in the audit entry.
/// Answers the request's id.
#[allow(clippy::too_many_arguments)] // one transaction's inputs, each named at the call
pub(super) async fn insert_enrollment(
    tx: &mut sqlx::AnyConnection,
    user: Id,
    product: Id,
    token: &CsrToken,
    token_expires_at: UnixTime,
    supersedes: Option<Id>,
    lost_key_of: Option<Id>,
    now: UnixTime,
) -> Result<Id> {
    check_new_token(token, token_expires_at, now)?;
    ensure_active_holder(&mut *tx, user).await?;
    let granted: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM product_grants WHERE user_id = $1 AND product_id = $2")
            .bind(user)
            .bind(product)
            .fetch_optional(&mut *tx)
            .await
            .db("checking a grant")?;
    if granted.is_none() {
        return Err(Error::NotGranted);
    }
    if let Some(cert) = supersedes {
        ensure_good_certificate_of(&mut *tx, cert, user).await?;
        let issued_for: Option<Id> = sqlx::query_scalar(
            "SELECT r.product_id FROM certificates c JOIN requests r ON r.id = c.request_id \
             WHERE c.id = $1",
        )
        .bind(cert)
        .fetch_one(&mut *tx)
        .await
        .db("reading a certificate's product")?;
        if issued_for.is_some_and(|p| p != product) {
            return Err(Error::RenewalProductMismatch);
        }
        cancel_abandoned_renewal(&mut *tx, cert, user, now).await?;
    }
    let id: Id = sqlx::query_scalar(
        "INSERT INTO requests (user_id, kind, status, product_id, token_hash, \
             token_expires_at, supersedes_cert_id, created_at, updated_at) \
             VALUES ($1, 'enrollment', 'pending', $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(user)
    .bind(product)
    .bind(csr_token_hash(token))
    .bind(token_expires_at)
    .bind(supersedes)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        // The partial index: an open renewal of this certificate, made meanwhile. (A token
        // hash cannot repeat: 256 random bits.)
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::RenewalOpen,
        _ => super::unavailable("creating an enrollment")(e),
    })?;
    let mut entry = Entry::new(Actor::User(user), "request.created", request_subject(id))
        .with("kind", "enrollment")
        .with("product", product);
    if let Some(cert) = supersedes {
        entry = entry.with("renews_certificate", cert);
    }
    if let Some(cert) = lost_key_of {
        entry = entry.with("replaces_lost_key_of", cert);
    }
    append(&mut *tx, &entry, now).await?;
    Ok(id)
}

impl Store {
    /// Makes a revocation request for the holder's certificate `cert` with the RFC 5280
    /// CRLReason code `reason` (docs/PROCESS.md step 6). Refused when the certificate is not the
    /// holder's ([`Error::StoreNotFound`]), already revoked, or already has an open
    /// revocation request ([`Error::StoreConflict`]).
    pub async fn create_revocation(
        &self,
        user: Id,
        cert: Id,
        reason: u8,
        now: UnixTime,
    ) -> Result<Request> {
        check_reason(reason)?;
        let mut tx = self.begin_audited().await?;
        let id = insert_revocation(&mut tx, user, cert, reason, now, false).await?;
        let request = fetch_request(&mut tx, id).await?;
        tx.commit().await.db("committing a revocation request")?;
        Ok(request)
    }

    /// The SHA-256 (hex) of every document a request names.
    pub async fn document_hashes(&self) -> Result<std::collections::BTreeSet<String>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT document_sha256 FROM requests WHERE document_sha256 IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .db("listing documents")?;
        Ok(rows.into_iter().collect())
    }

    /// Checks a CSR token without using it: the request it belongs to, or the error
    /// [`Store::consume_csr_token`] would give. Lets the caller verify the CSR against the
    /// request (product, registered identity) before the token is spent.
    pub async fn check_csr_token(
        &self,
        token: &CsrToken,
        user: Id,
        now: UnixTime,
    ) -> Result<Request> {
        let mut conn = self.pool.acquire().await.db("checking a CSR token")?;
        let request = request_by_token(&mut conn, token, user, now).await?;
        Ok(request)
    }

    /// Uses a CSR token, once: in one transaction, checks it, marks it used, stores the
    /// uploaded CSR (DER) and moves the request to "Sudah Upload". Refused, with nothing
    /// changed, when no request has this token ([`Error::TokenUnknown`]), it is another
    /// account's ([`Error::TokenWrongAccount`], checked before anything else about it is
    /// told), it was used ([`Error::TokenUsed`]), it expired at `now`
    /// ([`Error::TokenExpired`]), or its request was cancelled or rejected
    /// ([`Error::RequestClosed`]).
    ///
    /// The CSR is taken with the token, not after it, so that no crash can leave a spent
    /// token without its CSR.
    pub async fn consume_csr_token(
        &self,
        token: &CsrToken,
        user: Id,
        csr_der: &[u8],
        now: UnixTime,
    ) -> Result<Request> {
        if csr_der.is_empty() {
            return Err(Error::StoreInvalid {
                what: "CSR (empty)",
            });
        }
        let mut tx = self.begin_audited().await?;
        let request = request_by_token(&mut tx, token, user, now).await?;
        let done = sqlx::query(
            "UPDATE requests SET token_used_at = $1, csr_der = $2, status = 'uploaded', \
             updated_at = $1 \
             WHERE id = $3 AND token_used_at IS NULL AND status = 'pending'",
        )
        .bind(now)
        .bind(csr_der.to_vec())
        .bind(request.id)
        .execute(&mut *tx)
        .await
        .db("using a CSR token")?;
        // Zero rows: another transaction used it between our read and this write (possible
        // on PostgreSQL's read-committed; SQLite's write lock already excluded it).
        if done.rows_affected() != 1 {
            return Err(Error::TokenUsed);
        }
        let request = fetch_request(&mut tx, request.id).await?;
        // The CSR's fingerprint, never the token that let it in.
        let entry = Entry::new(
            Actor::User(user),
            "request.csr_stored",
            request_subject(request.id),
        )
        .with("csr_sha256", sha256_hex(csr_der));
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a used CSR token")?;
        Ok(request)
    }

    /// Records the supporting document of `request` (step 20), replacing an earlier one.
    /// Only the holder's own request in "Sudah Upload" takes one. No upload limit applies: see
    /// [`Store::attach_document_within`].
    pub async fn attach_document(
        &self,
        request: Id,
        user: Id,
        document: &Document,
        now: UnixTime,
    ) -> Result<Request> {
        let (request, _) = self
            .attach_document_within(request, user, document, &UploadLimits::NONE, now)
            .await?;
        Ok(request)
    }

    /// Whether `user` may upload a document of `size` bytes to `request` at `now` under
    /// `limits`: the refusal [`Store::attach_document_within`] would give for the limits
    /// ([`Error::UploadRateLimited`], [`Error::UploadQuotaExceeded`]), without changing
    /// anything. Lets the caller refuse before writing the file.
    pub async fn check_upload(
        &self,
        request: Id,
        user: Id,
        size: i64,
        limits: &UploadLimits,
        now: UnixTime,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await.db("checking an upload")?;
        check_upload_in(&mut conn, request, user, size, limits, now).await?;
        Ok(())
    }

    /// Like [`Store::attach_document`], within `limits`: in one transaction, checks the
    /// request, the holder's upload rate and quota, records the document and the upload.
    /// Answers the request and the SHA-256 of the document it named before, if another: the
    /// caller removes that file once no request names it. Refused with nothing changed.
    pub async fn attach_document_within(
        &self,
        request: Id,
        user: Id,
        document: &Document,
        limits: &UploadLimits,
        now: UnixTime,
    ) -> Result<(Request, Option<String>)> {
        if document.sha256_hex.len() != 64
            || !document.sha256_hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(Error::StoreInvalid {
                what: "document hash (expected SHA-256 hex)",
            });
        }
        if document.size < 0 {
            return Err(Error::StoreInvalid {
                what: "document size",
            });
        }
        let mut tx = self.begin_audited().await?;
        // Holds the holder's row until the commit (PostgreSQL; SQLite's write lock already
        // does), so that two uploads at once cannot both pass the limits.
        sqlx::query("UPDATE users SET disabled = disabled WHERE id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await
            .db("locking a holder for an upload")?;
        let current = check_upload_in(&mut tx, request, user, document.size, limits, now).await?;
        let sha256_hex = document.sha256_hex.to_ascii_lowercase();
        // A request rejected for its document goes back to "Sudah Upload" with the new one:
        // the agreement is to be given again and the decision is forgotten on the row (the
        // audit log keeps the rejection, its reason and the reopening).
        let done = sqlx::query(
            "UPDATE requests SET document_sha256 = $1, document_name = $2, document_size = $3, \
             updated_at = $4, status = 'uploaded', \
             agreement_at = CASE WHEN status = 'rejected' THEN NULL ELSE agreement_at END, \
             reject_reason = NULL, reject_fix = NULL, decided_by = NULL, decided_at = NULL \
             WHERE id = $5 AND (status = 'uploaded' OR (status = 'rejected' \
             AND reject_fix = 'document' AND csr_der IS NOT NULL))",
        )
        .bind(&sha256_hex)
        .bind(&document.original_name)
        .bind(document.size)
        .bind(now)
        .bind(request)
        .execute(&mut *tx)
        .await
        .db("recording a document")?;
        if done.rows_affected() != 1 {
            return Err(Error::StoreConflict {
                what: "this request does not take a document now",
            });
        }
        sqlx::query("DELETE FROM document_uploads WHERE user_id = $1 AND at <= $2")
            .bind(user)
            .bind(now.saturating_sub(limits.window_secs))
            .execute(&mut *tx)
            .await
            .db("forgetting old uploads")?;
        sqlx::query(
            "INSERT INTO document_uploads (user_id, request_id, size, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user)
        .bind(request)
        .bind(document.size)
        .bind(now)
        .execute(&mut *tx)
        .await
        .db("recording an upload")?;
        let updated = fetch_request(&mut tx, request).await?;
        if current.status == RequestStatus::Rejected {
            let reopened = Entry::new(
                Actor::User(user),
                "request.reopened",
                request_subject(request),
            )
            .with(
                "after_rejection",
                current.reject_reason.clone().unwrap_or_default(),
            );
            append(&mut tx, &reopened, now).await?;
        }
        let entry = Entry::new(
            Actor::User(user),
            "request.document_attached",
            request_subject(request),
        )
        .with("sha256", sha256_hex.clone())
        .with("name", document.original_name.clone())
        .with("size", document.size);
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a document")?;
        let replaced = current
            .document
            .map(|d| d.sha256_hex)
            .filter(|old| *old != sha256_hex);
        Ok((updated, replaced))
    }

    /// "Setuju dan Submit" (step 22): records that the holder accepted the agreement at
    /// `now` and hands the request to the operator. Needs the CSR and the document.
    pub async fn submit(&self, request: Id, user: Id, now: UnixTime) -> Result<Request> {
        let mut tx = self.begin_audited().await?;
        submit_in(&mut tx, request, user, now).await?;
        let request = fetch_request(&mut tx, request).await?;
        tx.commit().await.db("committing a submission")?;
        Ok(request)
    }

    /// The operator refuses an open request with `reason` (shown to the holder). Its CSR
    /// token, if unused, can no longer be used. An enrollment is rejected with the fix of
    /// [`Store::reject_request_fixing`]'s default.
    pub async fn reject_request(
        &self,
        request: Id,
        operator: Option<Id>,
        reason: &str,
        now: UnixTime,
    ) -> Result<Request> {
        self.reject_request_fixing(request, operator, reason, None, now)
            .await
    }

    /// Like [`Store::reject_request`], saying what the holder must fix. For an enrollment,
    /// `fix` defaults to [`RejectFix::Document`] when its CSR is stored (the same request can
    /// be resubmitted with a new document) and is [`RejectFix::NewKey`] when it is not; asking
    /// for `Document` on an enrollment without a CSR is [`Error::RejectFixInvalid`], as is any
    /// `fix` on a revocation. Nothing changes on a refusal.
    pub async fn reject_request_fixing(
        &self,
        request: Id,
        operator: Option<Id>,
        reason: &str,
        fix: Option<RejectFix>,
        now: UnixTime,
    ) -> Result<Request> {
        required(reason, "reject reason")?;
        within(reason.trim(), "reject reason", limits::REJECT_REASON)?;
        let mut tx = self.begin_audited().await?;
        let current = fetch_request(&mut tx, request).await?;
        let fix = match (current.kind, current.csr_der.is_some(), fix) {
            (RequestKind::Revocation, _, None) => None,
            (RequestKind::Revocation, _, Some(_))
            | (RequestKind::Enrollment, false, Some(RejectFix::Document)) => {
                return Err(Error::RejectFixInvalid);
            }
            (RequestKind::Enrollment, true, fix) => Some(fix.unwrap_or(RejectFix::Document)),
            (RequestKind::Enrollment, false, _) => Some(RejectFix::NewKey),
        };
        let done = sqlx::query(
            "UPDATE requests SET status = 'rejected', reject_reason = $1, reject_fix = $2, \
             decided_by = $3, decided_at = $4, updated_at = $4 \
             WHERE id = $5 AND status IN ('pending', 'uploaded', 'submitted')",
        )
        .bind(reason.trim())
        .bind(fix.map(RejectFix::as_str))
        .bind(operator)
        .bind(now)
        .bind(request)
        .execute(&mut *tx)
        .await
        .db("rejecting a request")?;
        if done.rows_affected() != 1 {
            return Err(Error::StoreConflict {
                what: "this request is already decided",
            });
        }
        record_decision(&mut tx, request).await?;
        let mut entry = Entry::new(
            Actor::deciding(operator),
            "request.rejected",
            request_subject(request),
        )
        .with("reason", reason.trim());
        if let Some(fix) = fix {
            entry = entry.with("fix", fix.as_str());
        }
        append(&mut tx, &entry, now).await?;
        let request = fetch_request(&mut tx, request).await?;
        tx.commit().await.db("committing a rejection")?;
        Ok(request)
    }

    /// A fresh CSR token for `user`'s enrollment `request` that still waits for its CSR
    /// (issue 12: a token lost before it was copied must not strand the request). In one
    /// statement the new token's hash replaces the old one, which dies at once; the new one
    /// is single use until `token_expires_at`, like the first. Refused with nothing changed:
    /// another holder's request or none ([`Error::StoreNotFound`]), a revocation, a request
    /// whose CSR arrived or that is closed ([`Error::TokenNotRenewable`]).
    pub async fn renew_csr_token(
        &self,
        request: Id,
        user: Id,
        token: &CsrToken,
        token_expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<Request> {
        check_new_token(token, token_expires_at, now)?;
        let mut tx = self.begin_audited().await?;
        let current = fetch_request_of(&mut tx, request, user).await?;
        ensure_active_holder(&mut tx, user).await?;
        if current.kind != RequestKind::Enrollment
            || current.status != RequestStatus::Pending
            || current.token_used_at.is_some()
            || current.csr_der.is_some()
        {
            return Err(Error::TokenNotRenewable);
        }
        let done = sqlx::query(
            "UPDATE requests SET token_hash = $1, token_expires_at = $2, updated_at = $3 \
             WHERE id = $4 AND user_id = $5 AND status = 'pending' AND token_used_at IS NULL",
        )
        .bind(csr_token_hash(token))
        .bind(token_expires_at)
        .bind(now)
        .bind(request)
        .bind(user)
        .execute(&mut *tx)
        .await
        .db("renewing a CSR token")?;
        if done.rows_affected() != 1 {
            return Err(Error::TokenNotRenewable);
        }
        // When the new token ends; never the token, nor its hash.
        let entry = Entry::new(
            Actor::User(user),
            "request.token_renewed",
            request_subject(request),
        )
        .with("token_expires_at", token_expires_at);
        append(&mut tx, &entry, now).await?;
        let updated = fetch_request(&mut tx, request).await?;
        tx.commit().await.db("committing a fresh CSR token")?;
        Ok(updated)
    }

    /// The holder cancels their unfinished `request` ("Dibatalkan"): an enrollment before
    /// the operator decides (Enrollment, Sudah Upload, Submitted) or a pending revocation. It
    /// stays in the history, is no longer open (not in progress, not in the operator's queue,
    /// no longer blocking a renewal or a revocation of its certificate), and its CSR token,
    /// if unused, is refused from then on ([`Error::RequestClosed`]). Refused with nothing
    /// changed: another holder's request or none ([`Error::StoreNotFound`]), a decided or
    /// cancelled one ([`Error::RequestNotCancellable`]).
    pub async fn cancel_request(&self, request: Id, user: Id, now: UnixTime) -> Result<Request> {
        let mut tx = self.begin_audited().await?;
        let current = fetch_request_of(&mut tx, request, user).await?;
        let cancellable = match current.kind {
            RequestKind::Enrollment => current.status.is_open(),
            RequestKind::Revocation => current.status == RequestStatus::Pending,
        };
        if !cancellable {
            return Err(Error::RequestNotCancellable);
        }
        let done = sqlx::query(
            "UPDATE requests SET status = 'cancelled', updated_at = $1 \
             WHERE id = $2 AND user_id = $3 AND status = $4",
        )
        .bind(now)
        .bind(request)
        .bind(user)
        .bind(current.status.as_str())
        .execute(&mut *tx)
        .await
        .db("cancelling a request")?;
        if done.rows_affected() != 1 {
            // Decided meanwhile.
            return Err(Error::RequestNotCancellable);
        }
        let entry = Entry::new(
            Actor::User(user),
            "request.cancelled",
            request_subject(request),
        )
        .with("kind", current.kind.as_str())
        .with("was", current.status.as_str());
        append(&mut tx, &entry, now).await?;
        let updated = fetch_request(&mut tx, request).await?;
        tx.commit().await.db("committing a cancellation")?;
        Ok(updated)
    }

    /// The unfinished renewal of certificate `cert` (an open enrollment that supersedes it),
    /// if any: the certificate's page offers to continue or cancel it.
    pub async fn open_renewal_of(&self, cert: Id) -> Result<Option<Request>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE supersedes_cert_id = $1 AND kind = 'enrollment' \
             AND status IN ('pending', 'uploaded', 'submitted') ORDER BY id DESC LIMIT 1"
        ))
        .bind(cert)
        .fetch_optional(&self.pool)
        .await
        .db("finding an open renewal")?;
        row.as_ref().map(request_from_row).transpose()
    }

    /// The request `id`, whoever made it (operator views).
    pub async fn request(&self, id: Id) -> Result<Request> {
        let mut conn = self.pool.acquire().await.db("reading a request")?;
        fetch_request(&mut conn, id).await
    }

    /// The request `id` if `user` made it; [`Error::StoreNotFound`] otherwise (a holder never
    /// learns whether another holder's request exists).
    pub async fn request_of(&self, id: Id, user: Id) -> Result<Request> {
        let mut conn = self.pool.acquire().await.db("reading a request")?;
        fetch_request_of(&mut conn, id, user).await
    }

    /// The requests of `user`, newest first ("Status Permohonan").
    pub async fn requests_of(&self, user: Id) -> Result<Vec<Request>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .db("listing requests")?;
        rows.iter().map(request_from_row).collect()
    }

    /// The operator's queue, oldest first: enrollments submitted and revocations pending.
    pub async fn request_queue(&self) -> Result<Vec<Request>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            request_columns!(),
            " FROM requests WHERE (kind = 'enrollment' AND status = 'submitted') \
             OR (kind = 'revocation' AND status = 'pending') ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await
        .db("listing the queue")?;
        rows.iter().map(request_from_row).collect()
    }

    /// Whether any request records the document with this SHA-256 (so an upload folder
    /// sweep keeps it).
    pub async fn document_is_referenced(&self, sha256_hex: &str) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM requests WHERE document_sha256 = $1 LIMIT 1")
                .bind(sha256_hex.to_ascii_lowercase())
                .fetch_optional(&self.pool)
                .await
                .db("checking a document")?;
        Ok(found.is_some())
    }
}

/// A new CSR token is long enough and expires after `now`.
fn check_new_token(token: &CsrToken, token_expires_at: UnixTime, now: UnixTime) -> Result<()> {
    if token.expose().len() < MIN_TOKEN_LEN {
        return Err(Error::StoreInvalid {
            what: "CSR token (too short)",
        });
    }
    if token_expires_at <= now {
        return Err(Error::StoreInvalid {
            what: "CSR token expiry (must be after now)",
        });
    }
    Ok(())
}

/// Inside a transaction: cancels `user`'s renewal of `cert` left with its CSR token unused
/// past its expiry, so that it never blocks a new renewal (issue 12, point 3). Each one
/// cancelled gets its `request.cancelled` entry, saying why.
async fn cancel_abandoned_renewal(
    conn: &mut sqlx::AnyConnection,
    cert: Id,
    user: Id,
    now: UnixTime,
) -> Result<()> {
    let ids: Vec<Id> = sqlx::query_scalar(
        "UPDATE requests SET status = 'cancelled', updated_at = $1 \
         WHERE supersedes_cert_id = $2 AND user_id = $3 AND kind = 'enrollment' \
         AND status = 'pending' AND token_used_at IS NULL AND token_expires_at <= $1 \
         RETURNING id",
    )
    .bind(now)
    .bind(cert)
    .bind(user)
    .fetch_all(&mut *conn)
    .await
    .db("cancelling an abandoned renewal")?;
    for id in ids {
        let entry = Entry::new(Actor::User(user), "request.cancelled", request_subject(id))
            .with("kind", "enrollment")
            .with("was", "pending")
            .with("why", "token expired unused; a new renewal replaces it");
        append(&mut *conn, &entry, now).await?;
    }
    Ok(())
}

/// Inside a transaction (or on a reading connection): whether `user` may upload a document of
/// `size` bytes to their `request` at `now` (see [`Store::check_upload`]). The request must
/// take a document; then the rate (uploads and bytes within the window) and the quota (bytes
/// of the holder's other open requests' documents, plus this one). Answers the request.
async fn check_upload_in(
    conn: &mut sqlx::AnyConnection,
    request: Id,
    user: Id,
    size: i64,
    limits: &UploadLimits,
    now: UnixTime,
) -> Result<Request> {
    let current = fetch_request_of(&mut *conn, request, user).await?;
    takes_document(&current)?;
    let recent: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT at, size FROM document_uploads WHERE user_id = $1 AND at > $2 ORDER BY at, id",
    )
    .bind(user)
    .bind(now.saturating_sub(limits.window_secs))
    .fetch_all(&mut *conn)
    .await
    .db("reading recent uploads")?;
    if let Some(wait) = wait_for_upload(&recent, size, limits, now) {
        return Err(Error::UploadRateLimited {
            retry_after_secs: wait,
        });
    }
    let held: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(document_size) AS BIGINT) FROM requests WHERE user_id = $1 AND id <> $2 \
         AND status IN ('pending', 'uploaded', 'submitted') AND document_size IS NOT NULL",
    )
    .bind(user)
    .bind(request)
    .fetch_one(&mut *conn)
    .await
    .db("adding up a holder's documents")?;
    if held.unwrap_or(0).saturating_add(size) > limits.quota_bytes {
        return Err(Error::UploadQuotaExceeded {
            quota_bytes: limits.quota_bytes,
        });
    }
    Ok(current)
}

/// Whether `current` takes a document now: an enrollment in "Sudah Upload", or one rejected
/// for its document (its CSR stored), which the document puts back in "Sudah Upload". A
/// rejection that needs a new key is [`Error::NewKeyRequired`]; any other state is
/// [`Error::StoreConflict`].
fn takes_document(current: &Request) -> Result<()> {
    if current.kind != RequestKind::Enrollment {
        return Err(Error::StoreConflict {
            what: "this request does not take a document now",
        });
    }
    match current.status {
        RequestStatus::Uploaded => Ok(()),
        RequestStatus::Rejected
            if current.reject_fix == Some(RejectFix::Document) && current.csr_der.is_some() =>
        {
            Ok(())
        }
        RequestStatus::Rejected => Err(Error::NewKeyRequired),
        _ => Err(Error::StoreConflict {
            what: "this request does not take a document now",
        }),
    }
}

/// Seconds until an upload of `size` bytes fits the rate, given the uploads `recent` (at, size;
/// oldest first) within the window ending at `now`; `None` when it fits now. Each upload leaves
/// the window `window_secs` after it was made.
fn wait_for_upload(
    recent: &[(i64, i64)],
    size: i64,
    limits: &UploadLimits,
    now: UnixTime,
) -> Option<i64> {
    let mut count = i64::try_from(recent.len()).unwrap_or(i64::MAX);
    let mut bytes = recent
        .iter()
        .fold(size, |sum, (_, s)| sum.saturating_add(*s));
    let fits =
        |count: i64, bytes: i64| count < limits.per_window && bytes <= limits.bytes_per_window;
    if fits(count, bytes) {
        return None;
    }
    for (at, s) in recent {
        count -= 1;
        bytes -= s;
        if fits(count, bytes) {
            return Some(
                at.saturating_add(limits.window_secs)
                    .saturating_sub(now)
                    .max(1),
            );
        }
    }
    // Larger than the whole window's bytes: no wait makes it fit.
    Some(limits.window_secs.max(1))
}

/// The request carrying `token`, checked for `user` and `now`, in the order that tells
/// another account nothing: unknown, wrong account, then used, closed, expired.
async fn request_by_token(
    conn: &mut sqlx::AnyConnection,
    token: &CsrToken,
    user: Id,
    now: UnixTime,
) -> Result<Request> {
    let row = sqlx::query(concat!(
        "SELECT ",
        request_columns!(),
        " FROM requests WHERE token_hash = $1"
    ))
    .bind(csr_token_hash(token))
    .fetch_optional(&mut *conn)
    .await
    .db("finding a CSR token")?;
    let request = row
        .as_ref()
        .map(request_from_row)
        .transpose()?
        .ok_or(Error::TokenUnknown)?;
    if request.user_id != user {
        return Err(Error::TokenWrongAccount);
    }
    if request.token_used_at.is_some() {
        return Err(Error::TokenUsed);
    }
    if request.status != RequestStatus::Pending {
        // Cancelled or rejected before its CSR came.
        return Err(Error::RequestClosed);
    }
    if request.token_expires_at.is_none_or(|t| now >= t) {
        return Err(Error::TokenExpired);
    }
    Ok(request)
}

/// Inside a transaction: moves `user`'s uploaded enrollment `request` (with its document) to
/// "Submitted" (see [`Store::submit`]).
pub(super) async fn submit_in(
    conn: &mut sqlx::AnyConnection,
    request: Id,
    user: Id,
    now: UnixTime,
) -> Result<()> {
    let current = fetch_request_of(&mut *conn, request, user).await?;
    if current.kind != RequestKind::Enrollment || current.status != RequestStatus::Uploaded {
        return Err(Error::StoreConflict {
            what: "this request cannot be submitted now",
        });
    }
    if current.document.is_none() {
        return Err(Error::StoreConflict {
            what: "upload the supporting document first",
        });
    }
    let done = sqlx::query(
        "UPDATE requests SET status = 'submitted', agreement_at = $1, updated_at = $1 \
         WHERE id = $2 AND status = 'uploaded'",
    )
    .bind(now)
    .bind(request)
    .execute(&mut *conn)
    .await
    .db("submitting a request")?;
    if done.rows_affected() != 1 {
        return Err(Error::StoreConflict {
            what: "this request cannot be submitted now",
        });
    }
    let entry = Entry::new(
        Actor::User(user),
        "request.submitted",
        request_subject(request),
    )
    .with("agreement", true);
    append(&mut *conn, &entry, now).await?;
    Ok(())
}

/// Inside a transaction: `user`'s revocation request for their good certificate `cert`,
/// pending, or already decided ("Success") when `decided`. Answers its id; a revocation of
/// this certificate already open is [`Error::StoreConflict`].
pub(super) async fn insert_revocation(
    conn: &mut sqlx::AnyConnection,
    user: Id,
    cert: Id,
    reason: u8,
    now: UnixTime,
    decided: bool,
) -> Result<Id> {
    ensure_active_holder(&mut *conn, user).await?;
    ensure_good_certificate_of(&mut *conn, cert, user).await?;
    let id: Id = sqlx::query_scalar(
        "INSERT INTO requests (user_id, kind, status, target_cert_id, revocation_reason, \
         decided_at, created_at, updated_at) VALUES ($1, 'revocation', $2, $3, $4, $5, $6, $6) \
         RETURNING id",
    )
    .bind(user)
    .bind(if decided { "success" } else { "pending" })
    .bind(cert)
    .bind(i64::from(reason))
    .bind(decided.then_some(now))
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(conflict_on_unique(
        "creating a revocation",
        "a revocation of this certificate is already open",
    ))?;
    if decided {
        record_decision(&mut *conn, id).await?;
    }
    let entry = Entry::new(Actor::User(user), "request.created", request_subject(id))
        .with("kind", "revocation")
        .with("certificate", cert)
        .with("reason", reason);
    append(&mut *conn, &entry, now).await?;
    Ok(id)
}

/// Inside the transaction of a decision, after the request's row took it: keeps the decision
/// (status, a rejection's reason and fix, who, when) in `decisions`, where it outlives a
/// reopening of the request (the operators' history reads it there; migration 0011).
pub(super) async fn record_decision(conn: &mut sqlx::AnyConnection, request: Id) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO decisions (request_id, status, reason, fix, decided_by, decided_at) \
         SELECT id, status, reject_reason, reject_fix, decided_by, decided_at FROM requests \
         WHERE id = $1 AND decided_at IS NOT NULL AND status IN ('success', 'rejected')",
    )
    .bind(request)
    .execute(&mut *conn)
    .await
    .db("recording a decision")?;
    if done.rows_affected() != 1 {
        return Err(Error::StoreConflict {
            what: "this request holds no decision to record",
        });
    }
    Ok(())
}

/// The audit log's name for request `id`.
pub(super) fn request_subject(id: Id) -> String {
    format!("request:{id}")
}

pub(super) async fn fetch_request(conn: &mut sqlx::AnyConnection, id: Id) -> Result<Request> {
    let row = sqlx::query(concat!(
        "SELECT ",
        request_columns!(),
        " FROM requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .db("reading a request")?;
    row.as_ref()
        .map(request_from_row)
        .transpose()?
        .ok_or(Error::StoreNotFound { what: "request" })
}

async fn fetch_request_of(conn: &mut sqlx::AnyConnection, id: Id, user: Id) -> Result<Request> {
    let request = fetch_request(conn, id).await?;
    if request.user_id != user {
        return Err(Error::StoreNotFound { what: "request" });
    }
    Ok(request)
}

/// The account exists, is a holder, and is not disabled.
async fn ensure_active_holder(conn: &mut sqlx::AnyConnection, user: Id) -> Result<()> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT role, disabled FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *conn)
            .await
            .db("checking a holder")?;
    match row {
        None => Err(Error::StoreNotFound { what: "user" }),
        Some((_, disabled)) if disabled != 0 => Err(Error::StoreConflict {
            what: "the account is disabled",
        }),
        Some((role, _)) if role != "holder" => Err(Error::StoreConflict {
            what: "only holders make requests",
        }),
        Some(_) => Ok(()),
    }
}

/// The certificate exists, is `user`'s (else not found), and is good (else a conflict).
async fn ensure_good_certificate_of(
    conn: &mut sqlx::AnyConnection,
    cert: Id,
    user: Id,
) -> Result<()> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT user_id, status FROM certificates WHERE id = $1")
            .bind(cert)
            .fetch_optional(&mut *conn)
            .await
            .db("checking a certificate")?;
    match row {
        Some((owner, status)) if owner == user => {
            if status == "good" {
                Ok(())
            } else {
                Err(Error::StoreConflict {
                    what: "this certificate is already revoked",
                })
            }
        }
        _ => Err(Error::StoreNotFound {
            what: "certificate",
        }),
    }
}

fn request_from_row(row: &AnyRow) -> Result<Request> {
    let kind: String = col(row, "kind")?;
    let status: String = col(row, "status")?;
    let reason: Option<i64> = col(row, "revocation_reason")?;
    let document = match (
        col::<Option<String>>(row, "document_sha256")?,
        col::<Option<String>>(row, "document_name")?,
        col::<Option<i64>>(row, "document_size")?,
    ) {
        (Some(sha256_hex), Some(original_name), Some(size)) => Some(Document {
            sha256_hex,
            original_name,
            size,
        }),
        _ => None,
    };
    Ok(Request {
        id: col(row, "id")?,
        user_id: col(row, "user_id")?,
        kind: RequestKind::parse(&kind).ok_or_else(|| bad_value("kind", &kind))?,
        status: RequestStatus::parse(&status).ok_or_else(|| bad_value("status", &status))?,
        product_id: col(row, "product_id")?,
        token_expires_at: col(row, "token_expires_at")?,
        token_used_at: col(row, "token_used_at")?,
        csr_der: col(row, "csr_der")?,
        document,
        agreement_at: col(row, "agreement_at")?,
        supersedes_cert_id: col(row, "supersedes_cert_id")?,
        target_cert_id: col(row, "target_cert_id")?,
        revocation_reason: reason
            .map(|r| u8::try_from(r).map_err(|_| bad_value("revocation_reason", &r.to_string())))
            .transpose()?,
        reject_reason: col(row, "reject_reason")?,
        reject_fix: col::<Option<String>>(row, "reject_fix")?
            .map(|f| RejectFix::parse(&f).ok_or_else(|| bad_value("reject_fix", &f)))
            .transpose()?,
        decided_by: col(row, "decided_by")?,
        decided_at: col(row, "decided_at")?,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
    })
}

fn bad_value(column: &str, value: &str) -> Error {
    Error::StoreUnavailable {
        detail: format!("unexpected value {value:?} in requests.{column}"),
    }
}
