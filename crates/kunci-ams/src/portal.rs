//! The registration authority's rules, joining the CA ([`crate::ca`]) and the store
//! ([`crate::store`]): a CSR is checked by kunci-core before it is stored, an approval signs
//! and stores in that order, every revocation re-signs the CRL, every decision reaches the
//! holder's inbox (and their e-mail when SMTP is configured), and in automatic mode a request
//! approves itself the moment it is complete.
//!
//! Ordering is what makes a crash harmless: the CA signs first, then one store transaction
//! records the certificate and closes the request. A crash between the two leaves a signed
//! certificate nobody holds (its serial is random and never reused) and the request still
//! waiting, so approving again simply issues. Supporting documents are written to disk under
//! their SHA-256 before the row that names them; a crash in between leaves an unnamed file,
//! never a row pointing at nothing. A replaced document's file is removed after the row that
//! replaced it is committed, and only when no request names it any more (two requests may
//! share a file); a crash in between leaves an unnamed file too, which the start-up sweep
//! removes. Uploads are bounded per holder (so many an hour, so many bytes an hour, so many
//! bytes held by open requests), checked before the file is written and again, with the
//! record, in the transaction.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use kunci_core::CsrToken;
use kunci_core::csr::{CsrPolicy, Subject};
use kunci_core::key::KeyKind;

use crate::ca::ocsp::OcspResponder;
use crate::ca::tsa::TimeStampAuthority;
use crate::ca::{Authority, Profile, Responders, RevocationReason, Revoked};
use crate::error::{Error, Result};
use crate::store::{
    Certificate, Document, Id, LostKey, LostKeyOutcome, RejectFix, Request, RequestKind,
    RequestStatus, Store, UnixTime, UploadLimits, User, limits,
};
use crate::uploads::{self, clean_file_name, looks_like_pdf};
use crate::words::{NoticeText, Text};

/// Sends e-mail. The SMTP implementation lives in [`crate::mail`]; tests put in their own.
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Sends one plain-text message. An error is logged by the caller, never shown to the
    /// user whose action caused the notice (the inbox has it anyway).
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;
}

/// How the registration authority behaves.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Requests approve themselves as soon as they are complete (no operator needed).
    pub auto_approve: bool,
    /// How long a CSR token can be used, in seconds.
    pub token_lifetime_secs: i64,
    /// How many days before a certificate's end the holder is reminded.
    pub reminder_days: i64,
    /// Largest supporting document accepted, in bytes.
    pub max_upload_bytes: usize,
    /// Document uploads one holder may make per hour.
    pub uploads_per_hour: i64,
    /// Bytes of documents one holder may upload per hour.
    pub upload_bytes_per_hour: i64,
    /// Bytes the documents of one holder's open requests may add up to.
    pub upload_quota_bytes: i64,
    /// Where supporting documents are kept (one file per SHA-256).
    pub uploads_dir: PathBuf,
    /// How long a CRL is announced to be current (nextUpdate - thisUpdate), in seconds.
    pub crl_next_update_secs: i64,
}

impl Settings {
    /// Defaults: operator approval, 24-hour tokens, 30-day reminders, 5 MiB documents (at
    /// most 600 uploads and 50 MiB an hour per holder, 20 MiB held by a holder's open
    /// requests), 7-day CRLs, documents under `uploads_dir`.
    pub fn new(uploads_dir: PathBuf) -> Settings {
        Settings {
            auto_approve: false,
            token_lifetime_secs: 24 * 3600,
            reminder_days: 30,
            max_upload_bytes: 5 * 1024 * 1024,
            uploads_per_hour: DEFAULT_UPLOADS_PER_HOUR,
            upload_bytes_per_hour: DEFAULT_UPLOAD_BYTES_PER_HOUR,
            upload_quota_bytes: DEFAULT_UPLOAD_QUOTA_BYTES,
            uploads_dir,
            crl_next_update_secs: 7 * 86_400,
        }
    }
}

/// Default of [`Settings::uploads_per_hour`]: far above a person's pace (one document per
/// request, a few requests a year) yet a bound on a script's; the chaos and load drills, where
/// one holder enrolls about 120 times in half a minute, stay under it.
pub const DEFAULT_UPLOADS_PER_HOUR: i64 = 600;
/// Default of [`Settings::upload_bytes_per_hour`]: ten documents of the largest size.
pub const DEFAULT_UPLOAD_BYTES_PER_HOUR: i64 = 50 * 1024 * 1024;
/// Default of [`Settings::upload_quota_bytes`]: four documents of the largest size waiting at
/// once (a holder may have several requests open: renewals, two products).
pub const DEFAULT_UPLOAD_QUOTA_BYTES: i64 = 20 * 1024 * 1024;

/// Locks striped by a document's SHA-256: an upload's commit and a replaced file's removal
/// for the same content never interleave in this process.
const DOCUMENT_LOCKS: usize = 64;

/// The registration authority at work: the issuing CA, the product profiles, the settings,
/// the optional mailer and the current CRL.
#[derive(Debug)]
pub struct Portal {
    /// The issuing CA.
    pub authority: Authority,
    /// The timestamp authority (`POST /tsa`).
    pub tsa: TimeStampAuthority,
    /// The OCSP responder (`/ocsp`), replaced whole when its certificate is renewed.
    ocsp: RwLock<Arc<OcspResponder>>,
    /// Certificate profiles by the name products refer to (`individu`, `organisasi`).
    pub profiles: BTreeMap<String, Profile>,
    /// How the portal behaves.
    pub settings: Settings,
    mailer: Option<Arc<dyn Mailer>>,
    crl: RwLock<Arc<Vec<u8>>>,
    /// Held from reading the revoked list to replacing the CRL; inside it, the generation the
    /// stored CRL covers. Without it two revocations approved at once could publish out of
    /// order: the one that read the list first (without the other) stored its CRL last, and a
    /// revoked certificate was missing from the CRL until the next revocation (found by
    /// `cargo xtask load`: 13 of 740 revocations missing).
    publishing: tokio::sync::Mutex<u64>,
    /// Publications asked for so far (each after its caller's change was committed).
    crl_requests: AtomicU64,
    /// Held by an upload from its file to its commit (and the check that the file is still
    /// there), and by the removal of a replaced file from the check that no request names it
    /// to the removal: an identical document uploaded meanwhile is never left without its
    /// file.
    document_locks: Vec<tokio::sync::Mutex<()>>,
}

/// The two standard profiles under their product-facing names, with URLs under `base_url`.
pub fn standard_profiles(base_url: &str) -> BTreeMap<String, Profile> {
    BTreeMap::from([
        ("individu".to_owned(), Profile::individu(base_url)),
        ("organisasi".to_owned(), Profile::organisasi(base_url)),
    ])
}

/// The npm package's name for a key kind (`rsa2048`, `p256`).
pub fn key_name(kind: KeyKind) -> String {
    match kind {
        KeyKind::Rsa { bits } => format!("rsa{bits}"),
        KeyKind::EcP256 => "p256".to_owned(),
    }
}

impl Portal {
    /// Puts the portal together. The CRL is empty until [`Portal::publish_crl`] runs (at
    /// start and after every revocation).
    pub fn new(
        authority: Authority,
        responders: Responders,
        profiles: BTreeMap<String, Profile>,
        settings: Settings,
        mailer: Option<Arc<dyn Mailer>>,
    ) -> Result<Portal> {
        for profile in profiles.values() {
            profile.validate()?;
        }
        std::fs::create_dir_all(&settings.uploads_dir).map_err(|e| Error::Internal {
            detail: format!("creating the uploads folder: {e}"),
        })?;
        Ok(Portal {
            authority,
            tsa: responders.tsa,
            ocsp: RwLock::new(Arc::new(responders.ocsp)),
            profiles,
            settings,
            mailer,
            crl: RwLock::new(Arc::new(Vec::new())),
            publishing: tokio::sync::Mutex::new(0),
            crl_requests: AtomicU64::new(0),
            document_locks: (0..DOCUMENT_LOCKS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        })
    }

    /// The current CRL, DER: the newest one any portal instance sharing the store published
    /// (read from the store, so an instance serves its neighbours' revocations too).
    pub async fn crl_der(&self, store: &Store) -> Result<Arc<Vec<u8>>> {
        Ok(match store.current_crl().await? {
            Some(der) => Arc::new(der),
            None => self.last_crl(),
        })
    }

    /// The OCSP responder as it is now.
    pub fn ocsp(&self) -> Arc<OcspResponder> {
        match self.ocsp.read() {
            Ok(r) => Arc::clone(&r),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Renews the OCSP responder's certificate (same key) when it is in its last 30 days at
    /// `now`, and answers the new certificate (DER) for the caller to keep
    /// (`setup::store_ocsp_certificate`); `None` when no renewal was due.
    pub fn renew_ocsp_if_due(&self, now: UnixTime) -> Result<Option<Vec<u8>>> {
        let current = self.ocsp();
        if !current.renewal_due(now) {
            return Ok(None);
        }
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let cert = current.renew(&self.authority, now, &mut rng)?;
        let renewed = Arc::new(current.with_certificate(&self.authority, &cert)?);
        match self.ocsp.write() {
            Ok(mut r) => *r = renewed,
            Err(poisoned) => *poisoned.into_inner() = renewed,
        }
        Ok(Some(cert))
    }

    /// The CRL this instance published last (empty before the first).
    pub fn last_crl(&self) -> Arc<Vec<u8>> {
        match self.crl.read() {
            Ok(crl) => Arc::clone(&crl),
            // A writer panicked mid-swap; the Arc inside is still whole.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Signs a new CRL with every revoked certificate and makes it the current one.
    pub async fn publish_crl(&self, store: &Store, now: UnixTime) -> Result<()> {
        // One publication at a time in this process, each reading the list after the previous
        // one stored its CRL (and the store serializes publications across processes: see
        // `Store::publish_crl`). A caller that waited while a publication began after its own
        // request is already covered by it and does not sign again: under a burst of
        // revocations one CRL is signed per burst rather than one per revocation (each is
        // O(revoked) to sign, and a write).
        let asked = self.crl_requests.fetch_add(1, Ordering::SeqCst) + 1;
        let mut covered = self.publishing.lock().await;
        if *covered >= asked {
            return Ok(());
        }
        let covers = self.crl_requests.load(Ordering::SeqCst);
        let der = store
            .publish_crl(|number, revoked| self.sign_crl(number, revoked, now))
            .await?;
        self.keep_crl(der);
        *covered = covers;
        Ok(())
    }

    /// Makes `der` the CRL this instance serves when the store has none.
    fn keep_crl(&self, der: Vec<u8>) {
        let der = Arc::new(der);
        match self.crl.write() {
            Ok(mut crl) => *crl = der,
            Err(poisoned) => *poisoned.into_inner() = der,
        }
    }

    /// Signs CRL number `number` listing `revoked`.
    fn sign_crl(
        &self,
        number: i64,
        revoked: Vec<crate::store::RevokedEntry>,
        now: UnixTime,
    ) -> Result<Vec<u8>> {
        let mut entries = Vec::with_capacity(revoked.len());
        for r in revoked {
            let reason = RevocationReason::from_code(r.reason).ok_or_else(|| {
                Error::RevocationInvalid(format!("stored reason code {}", r.reason))
            })?;
            entries.push(Revoked {
                serial_hex: r.serial_hex,
                revoked_at: r.revoked_at,
                reason,
            });
        }
        let number = u64::try_from(number).unwrap_or(0);
        self.authority
            .crl(&entries, number, now, self.settings.crl_next_update_secs)
    }

    /// The profile of product `product`.
    pub fn profile_of(&self, profile_name: &str) -> Result<&Profile> {
        self.profiles.get(profile_name).ok_or_else(|| {
            Error::ProfileInvalid(format!("no certificate profile named {profile_name}"))
        })
    }

    /// The policy every CSR of `user` for a product under `profile` must meet.
    async fn policy(
        &self,
        store: &Store,
        user: Id,
        profile: &Profile,
        token: Option<&CsrToken>,
    ) -> Result<CsrPolicy> {
        let identity = store.identity(user).await?.ok_or(Error::StoreConflict {
            what: "no identity is registered for this account; ask the administrator",
        })?;
        Ok(CsrPolicy {
            allowed_keys: profile.allowed_keys.clone(),
            expected_subject: Some(identity),
            expected_token: token.map(|t| t.expose().to_owned()),
        })
    }

    /// Steps 13-14: the token is `user`'s, unused and unexpired; answers the request and the
    /// identity its CSR must carry. Changes nothing.
    pub async fn check_token(
        &self,
        store: &Store,
        user: &User,
        token: &CsrToken,
        now: UnixTime,
    ) -> Result<(Request, Subject, Profile)> {
        let request = store.check_csr_token(token, user.id, now).await?;
        let product = store
            .product(request.product_id.ok_or(Error::StoreInvalid {
                what: "enrollment without a product",
            })?)
            .await?;
        let profile = self.profile_of(&product.profile)?.clone();
        let identity = store.identity(user.id).await?.ok_or(Error::StoreConflict {
            what: "no identity is registered for this account; ask the administrator",
        })?;
        Ok((request, identity, profile))
    }

    /// Step 15: checks `csr` (PEM or DER) with kunci-core against the request's token, the
    /// product's allowed keys and the registered identity, then stores it, consuming the token.
    /// A CSR that fails any check changes nothing (the token stays usable).
    pub async fn upload_csr(
        &self,
        store: &Store,
        user: &User,
        token: &CsrToken,
        csr: &[u8],
        now: UnixTime,
    ) -> Result<Request> {
        let (_, _, profile) = self.check_token(store, user, token, now).await?;
        let policy = self.policy(store, user.id, &profile, Some(token)).await?;
        let info = kunci_core::csr::verify(csr)?;
        info.check(&policy)?;
        let registered = policy
            .expected_subject
            .as_ref()
            .and_then(|s| s.email.as_deref());
        if let Some(other) = info
            .email_sans
            .iter()
            .find(|e| Some(e.as_str()) != registered)
        {
            return Err(Error::CsrRejected(format!(
                "the CSR asks for the e-mail address {other}, which is not the one registered"
            )));
        }
        let der =
            kunci_core::pem::der_or_pem(csr, &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])?;
        store.consume_csr_token(token, user.id, &der, now).await
    }

    /// Step 20: keeps the Surat Rekomendasi. Only a PDF (by content: `%PDF-` at offset 0 and
    /// `%%EOF` near the end) of at most `max_upload_bytes`, under a file name of at most
    /// [`limits::FILE_NAME`] characters, within the holder's upload rate and quota, is
    /// accepted; a refusal writes nothing. The document it replaces is removed once the new
    /// one is committed, unless another request names the same file.
    pub async fn attach_document(
        &self,
        store: &Store,
        user: &User,
        request: Id,
        name: &str,
        bytes: &[u8],
        now: UnixTime,
    ) -> Result<Request> {
        if bytes.len() > self.settings.max_upload_bytes {
            return Err(Error::UploadTooLarge {
                max_bytes: self.settings.max_upload_bytes,
            });
        }
        if !looks_like_pdf(bytes) {
            return Err(Error::UploadNotPdf);
        }
        if name.chars().count() > limits::FILE_NAME {
            return Err(Error::FieldTooLong {
                field: "file name",
                max_chars: limits::FILE_NAME,
            });
        }
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let limits = self.upload_limits();
        // Refuse early when the request does not take a document or the holder is over a
        // limit (nothing written); the transaction checks both again.
        store
            .check_upload(request, user.id, size, &limits, now)
            .await?;
        let sha256_hex = uploads::save_document(&self.settings.uploads_dir, bytes)?;
        let document = Document {
            sha256_hex: sha256_hex.clone(),
            original_name: clean_file_name(name),
            size,
        };
        let path = self.document_path(&sha256_hex);
        let (updated, replaced) = {
            let _held = self.document_lock(&sha256_hex).lock().await;
            let attached = store
                .attach_document_within(request, user.id, &document, &limits, now)
                .await;
            match attached {
                // The same content, named by another request and replaced there, may have
                // been removed between the write and the commit: write it again.
                Ok(_) if !path.exists() => {
                    uploads::save_document(&self.settings.uploads_dir, bytes)?;
                }
                Ok(_) => {}
                // Refused (a race lost since the early check): the file may be unnamed.
                Err(_) => self.remove_if_unnamed(store, &sha256_hex).await,
            }
            attached?
        };
        if let Some(old) = replaced {
            let _held = self.document_lock(&old).lock().await;
            self.remove_if_unnamed(store, &old).await;
        }
        Ok(updated)
    }

    /// The upload limits of [`Settings`], per hour.
    fn upload_limits(&self) -> UploadLimits {
        UploadLimits {
            per_window: self.settings.uploads_per_hour,
            bytes_per_window: self.settings.upload_bytes_per_hour,
            window_secs: 3600,
            quota_bytes: self.settings.upload_quota_bytes,
        }
    }

    /// The lock of the document with this SHA-256 (hex).
    fn document_lock(&self, sha256_hex: &str) -> &tokio::sync::Mutex<()> {
        let stripe = sha256_hex
            .get(..2)
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .unwrap_or(0)
            % DOCUMENT_LOCKS;
        &self.document_locks[stripe]
    }

    /// Removes the document file with this SHA-256 unless a request names it; the caller
    /// holds its [`Portal::document_lock`]. A failure is logged, never returned: the change
    /// that made the file unnamed is committed, and the start-up sweep removes what is left.
    async fn remove_if_unnamed(&self, store: &Store, sha256_hex: &str) {
        match store.document_is_referenced(sha256_hex).await {
            Ok(false) => match std::fs::remove_file(self.document_path(sha256_hex)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => eprintln!("kunci-ams: a replaced document was not removed: {e}"),
            },
            Ok(true) => {}
            Err(e) => eprintln!(
                "kunci-ams: a replaced document was kept (cannot tell whether it is named): {}",
                e.code()
            ),
        }
    }

    /// Where the document with this SHA-256 (hex) is kept.
    pub fn document_path(&self, sha256_hex: &str) -> PathBuf {
        uploads::document_path(&self.settings.uploads_dir, sha256_hex)
    }

    /// Steps 21-22: "Setuju dan Submit". In automatic mode the request is approved at once.
    pub async fn submit(
        &self,
        store: &Store,
        user: &User,
        request: Id,
        agree: bool,
        now: UnixTime,
    ) -> Result<Request> {
        if !agree {
            return Err(Error::AgreementRequired);
        }
        if self.settings.auto_approve {
            return self.submit_and_issue(store, user, request, now).await;
        }
        store.submit(request, user.id, now).await
    }

    /// Automatic mode's submission: the CA signs first, then one transaction submits, stores
    /// the certificate and the holder's notice (see [`Store::submit_and_issue`]). A request
    /// not ready to submit gets [`Store::submit`]'s own refusal and nothing is signed.
    async fn submit_and_issue(
        &self,
        store: &Store,
        user: &User,
        request: Id,
        now: UnixTime,
    ) -> Result<Request> {
        let current = store.request_of(request, user.id).await?;
        let ready = current.kind == RequestKind::Enrollment
            && current.status == RequestStatus::Uploaded
            && current.document.is_some()
            && current.csr_der.is_some();
        if !ready {
            // Refused with the exact reason; should it pass after all (a race), approve.
            store.submit(request, user.id, now).await?;
            return self.approve(store, request, None, now).await;
        }
        let (product, cert) = self.sign_for(store, &current, now).await?;
        let issued = store
            .submit_and_issue(
                request,
                user.id,
                &cert,
                |c| NoticeText::issued(request, &product.name, &c.serial_hex),
                now,
            )
            .await?;
        if current.supersedes_cert_id.is_some() {
            self.publish_crl(store, now).await?;
        }
        let text = NoticeText::issued(request, &product.name, &issued.serial_hex);
        self.mail(store, user.id, &text).await;
        store.request(request).await
    }

    /// Has the CA sign the certificate for enrollment `current` under its product's profile
    /// and the holder's policy; answers the product and the certificate to store.
    async fn sign_for(
        &self,
        store: &Store,
        current: &Request,
        now: UnixTime,
    ) -> Result<(crate::store::Product, crate::store::NewCertificate)> {
        let product = store
            .product(current.product_id.ok_or(Error::StoreInvalid {
                what: "enrollment without a product",
            })?)
            .await?;
        let profile = self.profile_of(&product.profile)?;
        let policy = self.policy(store, current.user_id, profile, None).await?;
        let csr = current.csr_der.as_deref().ok_or(Error::StoreConflict {
            what: "this request has no CSR",
        })?;
        // The OS's RNG failing is not recoverable; UnwrapErr turns it into a panic in this
        // request's task (answered 500), never into a predictable serial.
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let issued = self.authority.issue(csr, &policy, profile, now, &mut rng)?;
        Ok((
            product,
            crate::store::NewCertificate {
                serial_hex: issued.serial_hex,
                der: issued.der,
                not_before: issued.not_before,
                not_after: issued.not_after,
            },
        ))
    }

    /// Step 6: a revocation request for the holder's certificate. In automatic mode it is
    /// approved at once.
    pub async fn request_revocation(
        &self,
        store: &Store,
        user: &User,
        cert: Id,
        reason: RevocationReason,
        now: UnixTime,
    ) -> Result<Request> {
        if !reason.holder_may_choose() {
            return Err(Error::BadRequest(
                "a holder cannot choose this revocation reason",
            ));
        }
        if self.settings.auto_approve {
            let (request, revoked, crl) = store
                .revoke_at_once(
                    user.id,
                    cert,
                    reason.code(),
                    |r, c| NoticeText::revoked(r.id, &c.serial_hex),
                    |number, list| self.sign_crl(number, list, now),
                    now,
                )
                .await?;
            self.keep_crl(crl);
            let text = NoticeText::revoked(request.id, &revoked.serial_hex);
            self.mail(store, user.id, &text).await;
            return Ok(request);
        }
        store
            .create_revocation(user.id, cert, reason.code(), now)
            .await
    }

    /// The operator's "approve" (or the automatic mode's): an enrollment is issued its
    /// certificate (and a certificate it renews without a gap is revoked as superseded); a
    /// revocation revokes. The CRL is re-signed after any revocation and the holder notified.
    pub async fn approve(
        &self,
        store: &Store,
        request: Id,
        operator: Option<Id>,
        now: UnixTime,
    ) -> Result<Request> {
        let current = store.request(request).await?;
        match current.kind {
            RequestKind::Enrollment => {
                if current.status != RequestStatus::Submitted {
                    return Err(if current.status == RequestStatus::Success {
                        Error::AlreadyIssued
                    } else {
                        Error::StoreConflict {
                            what: "this request is not waiting for approval",
                        }
                    });
                }
                let (product, new_cert) = self.sign_for(store, &current, now).await?;
                let cert = store
                    .issue_for_request(request, operator, &new_cert, now)
                    .await?;
                if current.supersedes_cert_id.is_some() {
                    self.publish_crl(store, now).await?;
                }
                let text = NoticeText::issued(request, &product.name, &cert.serial_hex);
                self.notify(store, current.user_id, &text, now).await;
            }
            RequestKind::Revocation => {
                let cert = store.approve_revocation(request, operator, now).await?;
                self.publish_crl(store, now).await?;
                let text = NoticeText::revoked(request, &cert.serial_hex);
                self.notify(store, current.user_id, &text, now).await;
            }
        }
        store.request(request).await
    }

    /// The operator's "reject", with a reason the holder sees and, for an enrollment, what
    /// the holder must fix (see [`Store::reject_request_fixing`]).
    pub async fn reject(
        &self,
        store: &Store,
        request: Id,
        operator: Option<Id>,
        reason: &str,
        fix: Option<RejectFix>,
        now: UnixTime,
    ) -> Result<Request> {
        if reason.trim().is_empty() {
            return Err(Error::BadRequest("give the reason for the rejection"));
        }
        let rejected = store
            .reject_request_fixing(request, operator, reason, fix, now)
            .await?;
        // What to do next, in the notice too (the holder may read only the inbox or e-mail).
        let (fix_id, fix_en) = match rejected.reject_fix {
            Some(RejectFix::Document) => (
                "\nYang perlu diperbaiki: dokumen. Unggah Surat Rekomendasi baru pada \
                 permohonan yang sama (Status Permohonan) lalu kirim ulang.",
                "\nWhat to fix: the document. Upload a new Surat Rekomendasi to the same \
                 request (Status Permohonan) and resubmit it.",
            ),
            Some(RejectFix::NewKey) => (
                "\nYang perlu diperbaiki: kunci, CSR atau data identitas. Buat permohonan baru \
                 dengan kunci baru.",
                "\nWhat to fix: the key, the CSR or the identity data. Make a new request with \
                 a new key.",
            ),
            None => ("", ""),
        };
        self.notify(
            store,
            rejected.user_id,
            &NoticeText::rejected(request, reason, fix_id, fix_en),
            now,
        )
        .await;
        Ok(rejected)
    }

    /// The lost-key page's answer for the holder's certificate `cert` (issue 12, point 5; see
    /// [`Store::report_lost_key`]): compromised, revoked at once with keyCompromise and the
    /// new CRL served at once; only lost, kept until the replacement is issued. Either way the
    /// replacement request is made with `token`, valid for the portal's token lifetime.
    pub async fn report_lost_key(
        &self,
        store: &Store,
        user: &User,
        cert: Id,
        lost: LostKey,
        token: &CsrToken,
        now: UnixTime,
    ) -> Result<LostKeyOutcome> {
        let expires = now + self.settings.token_lifetime_secs;
        let outcome = store
            .report_lost_key(
                user.id,
                cert,
                lost,
                token,
                expires,
                |r, c| NoticeText::revoked(r.id, &c.serial_hex),
                |number, list| self.sign_crl(number, list, now),
                now,
            )
            .await?;
        if let (Some(crl), Some(revocation)) = (&outcome.crl, &outcome.revocation) {
            self.keep_crl(crl.clone());
            let text = NoticeText::revoked(revocation.id, &outcome.certificate.serial_hex);
            self.mail(store, user.id, &text).await;
        }
        Ok(outcome)
    }

    /// Puts a notice in `user`'s inbox (in both languages; the inbox shows the holder's) and,
    /// when SMTP is configured and the account has an address, e-mails it in the account's
    /// language. Failures are logged, never returned: the action that caused the notice has
    /// already happened.
    pub async fn notify(&self, store: &Store, user: Id, text: &NoticeText, now: UnixTime) {
        if let Err(e) = store.add_notice_text(user, text, now).await {
            eprintln!("kunci-ams: notice for user {user} not stored: {}", e.code());
        }
        self.mail(store, user, text).await;
    }

    async fn mail(&self, store: &Store, user: Id, text: &NoticeText) {
        let Some(mailer) = &self.mailer else { return };
        let Ok(account) = store.user(user).await else {
            return;
        };
        if account.email.is_empty() {
            return;
        }
        let Text { subject, body } = text.text(account.lang);
        if let Err(e) = mailer.send(&account.email, subject, body).await {
            eprintln!("kunci-ams: e-mail to user {user} not sent: {e}");
        }
    }

    /// Reminds every holder whose good certificate ends within `reminder_days` of `now` and
    /// who was not reminded yet (inbox + e-mail). Returns how many were reminded.
    pub async fn send_reminders(&self, store: &Store, now: UnixTime) -> Result<usize> {
        let horizon = now.saturating_add(self.settings.reminder_days.saturating_mul(86_400));
        let mut sent = 0;
        for cert in store.certificates_to_remind(horizon).await? {
            let days = (cert.not_after - now).max(0) / 86_400;
            let text = NoticeText::ending(&cert.serial_hex, days);
            if store.record_reminder(cert.id, &text, now).await? {
                self.mail(store, cert.user_id, &text).await;
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// The PEM chain offered with a holder certificate: the certificate, the issuing CA, the root.
    pub fn full_chain_pem(&self, cert: &Certificate) -> String {
        let mut pem = kunci_core::pem::encode("CERTIFICATE", &cert.der);
        pem.push_str(&self.authority.chain_pem());
        pem
    }
}
