//! Decisions: every store transaction that changes more than one table, in one file, so that
//! "what does an approval do to the database?" has a one-file answer. Each function below is
//! one transaction: all of it commits, or none of it.
//!
//! - Approving an enrollment, [`Store::issue_for_request`] (through `issue_in`): the request
//!   moves from "Submitted" to "Success" with the deciding operator and time, and one good
//!   row is inserted into `certificates`. When the request renews a certificate without a
//!   gap, `settle_superseded` revokes the old one (with the reason of a revocation of it
//!   still waiting, else [`REASON_SUPERSEDED`]) and closes that waiting revocation.
//! - Automatic mode's enrollment, [`Store::submit_and_issue`]: the request is submitted, then
//!   issued as above, and the holder's notice stored.
//! - Approving a revocation, [`Store::approve_revocation`]: the request moves from "Pending"
//!   to "Success" and the certificate is revoked with the holder's reason. (The portal then
//!   publishes a new CRL, [`Store::publish_crl`], and notifies the holder.)
//! - Automatic mode's revocation, [`Store::revoke_at_once`]: the request is stored already
//!   "Success", the certificate revoked, the notice stored and a new CRL stored.
//! - The holder's lost key, [`Store::report_lost_key`] (issue 12, point 5): the report is
//!   recorded (`key.lost_reported`, with whether someone else may have the key) and the
//!   replacement enrollment of the same product made. When the key may be in someone else's
//!   hands the certificate is revoked at once with keyCompromise (the holder is signed in, and
//!   a key reported compromised must not stay trusted while an operator gets to it, as mature
//!   CAs do on a subscriber's compromise report): the revocation request is stored already
//!   "Success" (a waiting revocation of it is settled instead), the certificate revoked, the
//!   holder's notice and a new CRL stored, all with the replacement in one transaction. When
//!   the key is only lost, the replacement renews without a gap (`supersedes_cert_id`): the
//!   old certificate stays good until the new one is issued, then is revoked as superseded.
//! - The end-of-validity reminder, [`Store::record_reminder`]: the certificate is marked
//!   reminded and the notice stored.
//!
//! The row-level pieces these are made of live beside their tables (`requests`,
//! `certificates`, `notices`), which never call each other; only this file joins them.
//!
//! Each decision appends its audit entries (`audit.rs`) in its own transaction:
//! `request.approved` by the deciding operator (`system` in automatic mode), then what the CA
//! did, `certificate.issued` with the serial, `certificate.revoked` with the reason,
//! `crl.published` with the number; a reminder is `certificate.reminded`.
//!
//! Issuing is idempotent by construction: `certificates.request_id` is UNIQUE and the request
//! moves from "Submitted" to "Success" in the same transaction as the insert, so two
//! approvals racing (two operators, a retried HTTP call, automatic mode plus a person) make
//! one certificate; the loser gets [`Error::AlreadyIssued`]. The CA signs before calling in:
//! a losing signature is simply never stored nor published.

use super::audit::{Actor, Entry, append};
use super::certificates::{
    Certificate, NewCertificate, RevokedEntry, certificate_subject, check_new_certificate,
    fetch_certificate, publish_crl_in, revoke, revoked_entry,
};
use super::notices::insert_notice;
use super::requests::{
    Request, RequestKind, RequestStatus, fetch_request, insert_enrollment, insert_revocation,
    record_decision, request_subject, submit_in,
};
use super::{DbResultExt, Id, Store, UnixTime, check_reason};
use crate::error::{Error, Result};
use crate::words::NoticeText;
use kunci_core::CsrToken;

/// RFC 5280 CRLReason `superseded`: what a no-gap renewal revokes its old certificate with.
pub const REASON_SUPERSEDED: u8 = 4;

/// RFC 5280 CRLReason `keyCompromise`: what a holder's report that someone else may have the
/// key revokes with.
pub const REASON_KEY_COMPROMISE: u8 = 1;

/// What [`Store::report_lost_key`] did.
#[derive(Clone, Debug)]
pub struct LostKeyOutcome {
    /// The replacement enrollment, "Enrollment" (pending) with the CSR token given.
    pub replacement: Request,
    /// The certificate whose key was lost, as it now stands (revoked when compromised).
    pub certificate: Certificate,
    /// The revocation decided at once (compromised only).
    pub revocation: Option<Request>,
    /// The CRL that lists the revocation (compromised only).
    pub crl: Option<Vec<u8>>,
}

/// The holder's answer on the lost-key page: may someone else have the key?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LostKey {
    /// Someone else may have it: revoke now with keyCompromise.
    Compromised,
    /// Only lost (or its password forgotten): the old certificate stays good until the
    /// replacement is issued.
    OnlyLost,
}

impl Store {
    /// Stores the certificate the CA signed for enrollment `request` and marks the request
    /// "Success", in one transaction; when the request renews a certificate without a gap,
    /// that one is revoked as superseded in the same transaction. A second call for the same
    /// request (even concurrent) stores nothing and fails with [`Error::AlreadyIssued`]; a
    /// request not submitted is [`Error::StoreConflict`], as is a serial already used.
    pub async fn issue_for_request(
        &self,
        request: Id,
        operator: Option<Id>,
        cert: &NewCertificate,
        now: UnixTime,
    ) -> Result<Certificate> {
        let serial = check_new_certificate(cert)?;
        let mut tx = self.begin_audited().await?;
        let id = issue_in(&mut tx, request, operator, &serial, cert, now).await?;
        let issued = fetch_certificate(&mut tx, id).await?;
        tx.commit().await.db("committing an issued certificate")?;
        Ok(issued)
    }

    /// Automatic mode: submits enrollment `request` of `user` (uploaded, with its document)
    /// and stores the certificate the CA signed for it, with the holder's notice
    /// (`notice(&certificate)` gives its text in both languages), in one transaction: there is
    /// never a submitted request waiting for an approval nobody will give, whatever crashes.
    /// The errors are those of [`Store::submit`] and [`Store::issue_for_request`].
    pub async fn submit_and_issue(
        &self,
        request: Id,
        user: Id,
        cert: &NewCertificate,
        notice: impl FnOnce(&Certificate) -> NoticeText,
        now: UnixTime,
    ) -> Result<Certificate> {
        let serial = check_new_certificate(cert)?;
        let mut tx = self.begin_audited().await?;
        submit_in(&mut tx, request, user, now).await?;
        let id = issue_in(&mut tx, request, None, &serial, cert, now).await?;
        let issued = fetch_certificate(&mut tx, id).await?;
        insert_notice(&mut tx, user, &notice(&issued), now).await?;
        tx.commit().await.db("committing an issued certificate")?;
        Ok(issued)
    }

    /// Approves revocation `request`: the certificate is revoked with the reason the holder
    /// chose and the request becomes "Success", together. Returns the revoked certificate.
    pub async fn approve_revocation(
        &self,
        request: Id,
        operator: Option<Id>,
        now: UnixTime,
    ) -> Result<Certificate> {
        let mut tx = self.begin_audited().await?;
        let current = fetch_request(&mut tx, request).await?;
        let (Some(cert), Some(reason)) = (current.target_cert_id, current.revocation_reason) else {
            return Err(Error::StoreConflict {
                what: "this is not a revocation request",
            });
        };
        let done = sqlx::query(
            "UPDATE requests SET status = 'success', decided_by = $1, decided_at = $2, \
             updated_at = $2 WHERE id = $3 AND status = 'pending'",
        )
        .bind(operator)
        .bind(now)
        .bind(request)
        .execute(&mut *tx)
        .await
        .db("approving a revocation")?;
        if done.rows_affected() != 1 {
            return Err(Error::StoreConflict {
                what: "this request is already decided",
            });
        }
        record_decision(&mut tx, request).await?;
        let entry = Entry::new(
            Actor::deciding(operator),
            "request.approved",
            request_subject(request),
        )
        .with("kind", "revocation");
        append(&mut tx, &entry, now).await?;
        revoke(&mut tx, cert, reason, now).await?;
        let revoked = fetch_certificate(&mut tx, cert).await?;
        tx.commit().await.db("committing a revocation")?;
        Ok(revoked)
    }

    /// Automatic mode: `user`'s revocation of their good certificate `cert`, decided at once:
    /// the request is stored as "Success", the certificate revoked with `reason`, the
    /// holder's notice (`notice(&request, &certificate)` gives its text in both languages) stored
    /// and a new CRL (`sign_crl`, as for [`Store::publish_crl`]) stored, all in one
    /// transaction: no crash can separate a revocation from the CRL that lists it. Answers
    /// the request, the certificate and the CRL. The errors are those of
    /// [`Store::create_revocation`] and of `sign_crl`.
    pub async fn revoke_at_once(
        &self,
        user: Id,
        cert: Id,
        reason: u8,
        notice: impl FnOnce(&Request, &Certificate) -> NoticeText,
        sign_crl: impl FnOnce(i64, Vec<RevokedEntry>) -> Result<Vec<u8>>,
        now: UnixTime,
    ) -> Result<(Request, Certificate, Vec<u8>)> {
        check_reason(reason)?;
        let mut tx = self.begin_audited().await?;
        let id = insert_revocation(&mut tx, user, cert, reason, now, true).await?;
        let entry = Entry::new(Actor::System, "request.approved", request_subject(id))
            .with("kind", "revocation");
        append(&mut tx, &entry, now).await?;
        revoke(&mut tx, cert, reason, now).await?;
        let request = fetch_request(&mut tx, id).await?;
        let revoked = fetch_certificate(&mut tx, cert).await?;
        insert_notice(&mut tx, user, &notice(&request, &revoked), now).await?;
        let crl = publish_crl_in(&mut tx, sign_crl, now).await?;
        tx.commit().await.db("committing a revocation")?;
        Ok((request, revoked, crl))
    }

    /// The holder `user` lost the key of their good certificate `cert` (see the module's
    /// header): one transaction records the report, revokes at once when `lost` is
    /// [`LostKey::Compromised`] (with `notice` and `sign_crl` as for [`Store::revoke_at_once`]),
    /// and makes the replacement enrollment of the certificate's product with `token`.
    /// Refused with nothing changed when the certificate is not the holder's
    /// ([`Error::StoreNotFound`]), not good, or (only lost) already being renewed
    /// ([`Error::StoreConflict`]), or its product is no longer granted ([`Error::NotGranted`]).
    #[allow(clippy::too_many_arguments)] // one decision's inputs, each named at the call
    pub async fn report_lost_key(
        &self,
        user: Id,
        cert: Id,
        lost: LostKey,
        token: &CsrToken,
        token_expires_at: UnixTime,
        notice: impl FnOnce(&Request, &Certificate) -> NoticeText,
        sign_crl: impl FnOnce(i64, Vec<RevokedEntry>) -> Result<Vec<u8>>,
        now: UnixTime,
    ) -> Result<LostKeyOutcome> {
        let mut tx = self.begin_audited().await?;
        let old = fetch_certificate(&mut tx, cert).await?;
        if old.user_id != user {
            return Err(Error::StoreNotFound {
                what: "certificate",
            });
        }
        let product = fetch_request(&mut tx, old.request_id)
            .await?
            .product_id
            .ok_or(Error::StoreInvalid {
                what: "certificate without a product",
            })?;
        let compromised = lost == LostKey::Compromised;
        let report = Entry::new(
            Actor::User(user),
            "key.lost_reported",
            certificate_subject(&old.serial_hex),
        )
        .with("certificate", cert)
        .with("compromised", compromised);
        append(&mut tx, &report, now).await?;
        let revocation = if compromised {
            let id = revoke_compromised_in(&mut tx, user, cert, now).await?;
            let revocation = fetch_request(&mut tx, id).await?;
            let revoked = fetch_certificate(&mut tx, cert).await?;
            insert_notice(&mut tx, user, &notice(&revocation, &revoked), now).await?;
            Some(revocation)
        } else {
            None
        };
        let id = insert_enrollment(
            &mut tx,
            user,
            product,
            token,
            token_expires_at,
            (!compromised).then_some(cert),
            Some(cert),
            now,
        )
        .await?;
        // The CRL last: it is signed over everything this transaction revoked.
        let crl = if compromised {
            Some(publish_crl_in(&mut tx, sign_crl, now).await?)
        } else {
            None
        };
        let replacement = fetch_request(&mut tx, id).await?;
        let certificate = fetch_certificate(&mut tx, cert).await?;
        tx.commit().await.db("committing a lost key")?;
        Ok(LostKeyOutcome {
            replacement,
            certificate,
            revocation,
            crl,
        })
    }

    /// Records that the reminder for `cert` went out, and adds it to the holder's inbox, in
    /// one transaction. Returns false (and adds nothing) when it was already recorded.
    pub async fn record_reminder(
        &self,
        cert: Id,
        text: &NoticeText,
        now: UnixTime,
    ) -> Result<bool> {
        let mut tx = self.begin_audited().await?;
        let user: Option<Id> = sqlx::query_scalar(
            "UPDATE certificates SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL \
             RETURNING user_id",
        )
        .bind(now)
        .bind(cert)
        .fetch_optional(&mut *tx)
        .await
        .db("recording a reminder")?;
        let Some(user) = user else { return Ok(false) };
        insert_notice(&mut tx, user, text, now).await?;
        let entry = Entry::new(
            Actor::System,
            "certificate.reminded",
            format!("certificate:{cert}"),
        )
        .with("holder", user);
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a reminder")?;
        Ok(true)
    }
}

/// Inside a transaction: stores `cert` for submitted enrollment `request` and marks the
/// request "Success" (see [`Store::issue_for_request`]); answers the certificate's id.
async fn issue_in(
    conn: &mut sqlx::AnyConnection,
    request: Id,
    operator: Option<Id>,
    serial: &str,
    cert: &NewCertificate,
    now: UnixTime,
) -> Result<Id> {
    let current = fetch_request(&mut *conn, request).await?;
    if current.kind != RequestKind::Enrollment {
        return Err(Error::StoreConflict {
            what: "only an enrollment request is issued a certificate",
        });
    }
    let existing: Option<Id> =
        sqlx::query_scalar("SELECT id FROM certificates WHERE request_id = $1")
            .bind(request)
            .fetch_optional(&mut *conn)
            .await
            .db("checking for an issued certificate")?;
    if existing.is_some() {
        return Err(Error::AlreadyIssued);
    }
    if current.status != RequestStatus::Submitted {
        return Err(Error::StoreConflict {
            what: "this request is not waiting for approval",
        });
    }
    // The guard that holds under any isolation: only one transaction moves the request
    // out of "submitted" (on PostgreSQL the row lock makes the other wait, then match 0).
    let done = sqlx::query(
        "UPDATE requests SET status = 'success', decided_by = $1, decided_at = $2, \
         updated_at = $2 WHERE id = $3 AND status = 'submitted'",
    )
    .bind(operator)
    .bind(now)
    .bind(request)
    .execute(&mut *conn)
    .await
    .db("approving a request")?;
    if done.rows_affected() != 1 {
        return Err(Error::AlreadyIssued);
    }
    record_decision(&mut *conn, request).await?;
    let entry = Entry::new(
        Actor::deciding(operator),
        "request.approved",
        request_subject(request),
    )
    .with("kind", "enrollment");
    append(&mut *conn, &entry, now).await?;
    let id: Id = sqlx::query_scalar(
        "INSERT INTO certificates (serial_hex, user_id, request_id, der, not_before, \
         not_after, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'good', $7) RETURNING id",
    )
    .bind(serial)
    .bind(current.user_id)
    .bind(request)
    .bind(cert.der.clone())
    .bind(cert.not_before)
    .bind(cert.not_after)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            let on_serial = d.constraint().is_some_and(|c| c.contains("serial"))
                || d.message().contains("serial_hex");
            if on_serial {
                Error::StoreConflict {
                    what: "this serial number is already used",
                }
            } else {
                Error::AlreadyIssued
            }
        }
        _ => super::unavailable("storing a certificate")(e),
    })?;
    let entry = Entry::new(Actor::Ca, "certificate.issued", certificate_subject(serial))
        .with("certificate", id)
        .with("request", request)
        .with("holder", current.user_id)
        .with("not_before", cert.not_before)
        .with("not_after", cert.not_after);
    append(&mut *conn, &entry, now).await?;
    if let Some(old) = current.supersedes_cert_id {
        settle_superseded(&mut *conn, old, operator, now).await?;
    }
    Ok(id)
}

/// Inside a transaction: `user`'s good certificate `cert` revoked at once with keyCompromise on
/// the holder's report. A revocation of it still waiting is decided now, with keyCompromise
/// (the reason relying parties must see); otherwise a revocation request is stored already
/// decided. The decision is the portal's rule, so its actor is `system`. Answers the
/// revocation request's id.
async fn revoke_compromised_in(
    conn: &mut sqlx::AnyConnection,
    user: Id,
    cert: Id,
    now: UnixTime,
) -> Result<Id> {
    let waiting: Option<Id> = sqlx::query_scalar(
        "UPDATE requests SET status = 'success', revocation_reason = $1, decided_at = $2, \
         updated_at = $2 WHERE kind = 'revocation' AND target_cert_id = $3 \
         AND status = 'pending' AND user_id = $4 RETURNING id",
    )
    .bind(i64::from(REASON_KEY_COMPROMISE))
    .bind(now)
    .bind(cert)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await
    .db("settling a waiting revocation")?;
    let id = match waiting {
        Some(id) => {
            record_decision(&mut *conn, id).await?;
            id
        }
        None => insert_revocation(&mut *conn, user, cert, REASON_KEY_COMPROMISE, now, true).await?,
    };
    let entry = Entry::new(Actor::System, "request.approved", request_subject(id))
        .with("kind", "revocation")
        .with("key_compromise_reported", true);
    append(&mut *conn, &entry, now).await?;
    revoke(&mut *conn, cert, REASON_KEY_COMPROMISE, now).await?;
    Ok(id)
}

/// Inside the transaction that issues a no-gap renewal: revokes the certificate `old` it
/// replaces, and closes a revocation of `old` still waiting.
async fn settle_superseded(
    conn: &mut sqlx::AnyConnection,
    old: Id,
    operator: Option<Id>,
    now: UnixTime,
) -> Result<()> {
    // A revocation of the old certificate still waiting (the holder asked for it while
    // the renewal was open) is settled here: its reason wins over "superseded" (a
    // keyCompromise must reach relying parties as such) and the request is closed,
    // instead of waiting forever for a certificate that is already revoked.
    let pending: Option<i64> = sqlx::query_scalar(
        "SELECT revocation_reason FROM requests WHERE kind = 'revocation' \
         AND target_cert_id = $1 AND status = 'pending'",
    )
    .bind(old)
    .fetch_optional(&mut *conn)
    .await
    .db("looking for a pending revocation")?;
    let reason = pending.unwrap_or(i64::from(REASON_SUPERSEDED));
    // Already revoked (say, by the holder meanwhile) is fine: it stays as it was.
    let serial: Option<String> = sqlx::query_scalar(
        "UPDATE certificates SET status = 'revoked', revoked_at = $1, \
         revocation_reason = $2 WHERE id = $3 AND status = 'good' RETURNING serial_hex",
    )
    .bind(now)
    .bind(reason)
    .bind(old)
    .fetch_optional(&mut *conn)
    .await
    .db("revoking a superseded certificate")?;
    let closed: Option<Id> = sqlx::query_scalar(
        "UPDATE requests SET status = 'success', decided_by = $1, decided_at = $2, \
         updated_at = $2 WHERE kind = 'revocation' AND target_cert_id = $3 \
         AND status = 'pending' RETURNING id",
    )
    .bind(operator)
    .bind(now)
    .bind(old)
    .fetch_optional(&mut *conn)
    .await
    .db("closing a settled revocation")?;
    if let Some(closed) = closed {
        record_decision(&mut *conn, closed).await?;
        let entry = Entry::new(
            Actor::deciding(operator),
            "request.approved",
            request_subject(closed),
        )
        .with("kind", "revocation")
        .with("settled_by_renewal", true);
        append(&mut *conn, &entry, now).await?;
    }
    if let Some(serial) = serial {
        let reason = u8::try_from(reason).unwrap_or(REASON_SUPERSEDED);
        append(&mut *conn, &revoked_entry(&serial, old, reason), now).await?;
    }
    Ok(())
}
