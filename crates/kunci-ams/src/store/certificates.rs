//! Issued certificates, their revocation, and the CRL number.
//!
//! Issuing is idempotent by construction: `certificates.request_id` is UNIQUE and the request
//! moves from "Submitted" to "Success" in the same transaction as the insert, so two
//! approvals racing (two operators, a retried HTTP call, automatic mode plus a person) make
//! one certificate; the loser gets [`Error::AlreadyIssued`]. The CA signs before calling in:
//! a losing signature is simply never stored nor published.
//!
//! Revocation reasons are RFC 5280 CRLReason codes (0 unspecified, 1 keyCompromise,
//! 3 affiliationChanged, 4 superseded, 5 cessationOfOperation, ...); 7 is unused by the RFC
//! and refused.

use sqlx::any::AnyRow;

use super::requests::{RequestKind, RequestStatus, fetch_request};
use super::{DbResultExt, Id, Store, UnixTime, col};
use crate::error::{Error, Result};

/// RFC 5280 CRLReason `superseded`: what a no-gap renewal revokes its old certificate with.
pub const REASON_SUPERSEDED: u8 = 4;

/// Whether a certificate may still be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateStatus {
    /// Issued and not revoked (it may still have expired: see `not_after`).
    Good,
    /// On the CRL.
    Revoked,
}

/// A certificate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// Row id.
    pub id: Id,
    /// Serial number, lower-case hex (unique).
    pub serial_hex: String,
    /// The holder.
    pub user_id: Id,
    /// The enrollment request it was issued for (at most one certificate per request).
    pub request_id: Id,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Start of validity.
    pub not_before: UnixTime,
    /// End of validity ("Akhir Masa Berlaku").
    pub not_after: UnixTime,
    /// Good or revoked.
    pub status: CertificateStatus,
    /// When it was revoked.
    pub revoked_at: Option<UnixTime>,
    /// Why (RFC 5280 CRLReason code).
    pub revocation_reason: Option<u8>,
    /// When the end-of-validity reminder went out, if it did.
    pub reminded_at: Option<UnixTime>,
    /// When it was stored.
    pub created_at: UnixTime,
}

/// A certificate the CA has just signed, to be stored for its request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCertificate {
    /// Serial number in hex (stored lower-case).
    pub serial_hex: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Start of validity.
    pub not_before: UnixTime,
    /// End of validity.
    pub not_after: UnixTime,
}

/// One line of the CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number, lower-case hex.
    pub serial_hex: String,
    /// Revocation time.
    pub revoked_at: UnixTime,
    /// RFC 5280 CRLReason code.
    pub reason: u8,
}

macro_rules! certificate_columns {
    () => {
        "id, serial_hex, user_id, request_id, der, not_before, not_after, status, revoked_at, \
         revocation_reason, reminded_at, created_at"
    };
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
        let mut tx = self.begin().await?;
        let id = issue_in(&mut tx, request, operator, &serial, cert, now).await?;
        let issued = fetch_certificate(&mut tx, id).await?;
        tx.commit().await.db("committing an issued certificate")?;
        Ok(issued)
    }

    /// Automatic mode: submits enrollment `request` of `user` (uploaded, with its document)
    /// and stores the certificate the CA signed for it, with the holder's notice
    /// (`notice(&certificate)` gives its subject and body), in one transaction: there is
    /// never a submitted request waiting for an approval nobody will give, whatever crashes.
    /// The errors are those of [`Store::submit`] and [`Store::issue_for_request`].
    pub async fn submit_and_issue(
        &self,
        request: Id,
        user: Id,
        cert: &NewCertificate,
        notice: impl FnOnce(&Certificate) -> (String, String),
        now: UnixTime,
    ) -> Result<Certificate> {
        let serial = check_new_certificate(cert)?;
        let mut tx = self.begin().await?;
        super::requests::submit_in(&mut tx, request, user, now).await?;
        let id = issue_in(&mut tx, request, None, &serial, cert, now).await?;
        let issued = fetch_certificate(&mut tx, id).await?;
        let (subject, body) = notice(&issued);
        super::notices::insert_notice(&mut tx, user, &subject, &body, now).await?;
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
        let mut tx = self.begin().await?;
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
        revoke(&mut tx, cert, reason, now).await?;
        let revoked = fetch_certificate(&mut tx, cert).await?;
        tx.commit().await.db("committing a revocation")?;
        Ok(revoked)
    }

    /// Revokes certificate `cert` directly (an administrator's act, outside the request
    /// flow). A certificate already revoked is [`Error::StoreConflict`].
    pub async fn revoke_certificate(
        &self,
        cert: Id,
        reason: u8,
        now: UnixTime,
    ) -> Result<Certificate> {
        check_reason(reason)?;
        let mut tx = self.begin().await?;
        revoke(&mut tx, cert, reason, now).await?;
        let revoked = fetch_certificate(&mut tx, cert).await?;
        tx.commit().await.db("committing a revocation")?;
        Ok(revoked)
    }

    /// The certificate `id`, whoever holds it.
    pub async fn certificate(&self, id: Id) -> Result<Certificate> {
        let mut conn = self.pool.acquire().await.db("reading a certificate")?;
        fetch_certificate(&mut conn, id).await
    }

    /// The certificate `id` if `user` holds it; [`Error::StoreNotFound`] otherwise.
    pub async fn certificate_of(&self, id: Id, user: Id) -> Result<Certificate> {
        let cert = self.certificate(id).await?;
        if cert.user_id != user {
            return Err(Error::StoreNotFound {
                what: "certificate",
            });
        }
        Ok(cert)
    }

    /// The certificate with this serial (hex, any case), if any.
    pub async fn certificate_by_serial(&self, serial_hex: &str) -> Result<Option<Certificate>> {
        let serial = normalise_serial(serial_hex)?;
        let row = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE serial_hex = $1"
        ))
        .bind(serial)
        .fetch_optional(&self.pool)
        .await
        .db("reading a certificate by serial")?;
        row.as_ref().map(certificate_from_row).transpose()
    }

    /// The certificates of `user`, newest first ("Sertifikat Anda").
    pub async fn certificates_of(&self, user: Id) -> Result<Vec<Certificate>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .db("listing certificates")?;
        rows.iter().map(certificate_from_row).collect()
    }

    /// Every revoked certificate, for the CRL, in revocation order.
    pub async fn revoked_certificates(&self) -> Result<Vec<RevokedEntry>> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .db("listing revoked certificates")?;
        revoked_in(&mut conn).await
    }

    /// Publishes a new CRL: takes the next CRL number (RFC 5280 5.2.3: increasing, never
    /// reused; 1 the first time), then reads every revoked certificate, has
    /// `sign(number, revoked)` make the CRL, and stores it as the current one unless a CRL
    /// with a higher number is already stored. Answers the CRL signed.
    ///
    /// Why this holds however many publications race, in this process or in others sharing
    /// the database: the list is read after the number was committed, so CRL number n holds
    /// every revocation committed before n was taken. A revocation's own publication takes
    /// its number after the revocation committed, so that CRL, or any with a higher number
    /// (taken later still), holds it; and a CRL is stored only over a lower number. Once a
    /// revocation's publication returns, the current CRL lists it.
    ///
    /// Only the two small writes go through the writer; the list is read and the CRL signed
    /// beside it, so a long CRL never holds up other writes. A `sign` error leaves the
    /// current CRL as it was (the number taken stays unused, which RFC 5280 allows).
    pub async fn publish_crl(
        &self,
        sign: impl FnOnce(i64, Vec<RevokedEntry>) -> Result<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        let mut tx = self.begin().await?;
        let number = take_crl_number(&mut tx).await?;
        tx.commit().await.db("committing a CRL number")?;
        let revoked = self.revoked_certificates().await?;
        let der = sign(number, revoked)?;
        let mut tx = self.begin().await?;
        store_crl(&mut tx, &der, number).await?;
        tx.commit().await.db("committing the CRL")?;
        Ok(der)
    }

    /// The current CRL (DER) as the last publication stored it, `None` before the first.
    pub async fn current_crl(&self) -> Result<Option<Vec<u8>>> {
        let der: Option<Vec<u8>> = sqlx::query_scalar("SELECT der FROM crl_counter WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .db("reading the current CRL")?;
        Ok(der)
    }

    /// Good certificates whose validity ends at or before `ends_before` and whose holder has
    /// not been reminded yet (the 30-day reminder).
    pub async fn certificates_to_remind(&self, ends_before: UnixTime) -> Result<Vec<Certificate>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            certificate_columns!(),
            " FROM certificates WHERE status = 'good' AND reminded_at IS NULL \
             AND not_after <= $1 ORDER BY not_after, id"
        ))
        .bind(ends_before)
        .fetch_all(&self.pool)
        .await
        .db("listing certificates to remind")?;
        rows.iter().map(certificate_from_row).collect()
    }

    /// Records that the reminder for `cert` went out, and adds it to the holder's inbox, in
    /// one transaction. Returns false (and adds nothing) when it was already recorded.
    pub async fn record_reminder(
        &self,
        cert: Id,
        subject: &str,
        body: &str,
        now: UnixTime,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
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
        super::notices::insert_notice(&mut tx, user, subject, body, now).await?;
        tx.commit().await.db("committing a reminder")?;
        Ok(true)
    }
}

/// Refuses a code that is not an RFC 5280 CRLReason (0-10, without the unused 7).
pub(super) fn check_reason(reason: u8) -> Result<()> {
    if reason > 10 || reason == 7 {
        return Err(Error::StoreInvalid {
            what: "revocation reason (not an RFC 5280 CRLReason)",
        });
    }
    Ok(())
}

/// Inside a write transaction that just revoked something: takes the next CRL number, reads
/// every revoked certificate (this transaction's own revocations included), has
/// `sign(number, revoked)` make the CRL and stores it as the current one, so that the
/// revocation and the CRL listing it commit together. The number's row lock (PostgreSQL) or
/// the one writer (SQLite) orders this against every other publication: a later number reads
/// after this one committed.
pub(super) async fn publish_crl_in(
    conn: &mut sqlx::AnyConnection,
    sign: impl FnOnce(i64, Vec<RevokedEntry>) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    let number = take_crl_number(&mut *conn).await?;
    let revoked = revoked_in(&mut *conn).await?;
    let der = sign(number, revoked)?;
    store_crl(&mut *conn, &der, number).await?;
    Ok(der)
}

/// The next CRL number; its row stays locked until the transaction ends.
async fn take_crl_number(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    sqlx::query_scalar("UPDATE crl_counter SET number = number + 1 WHERE id = 1 RETURNING number")
        .fetch_one(&mut *conn)
        .await
        .db("taking a CRL number")
}

/// Makes CRL `number` the current one, unless a higher-numbered one is stored already.
async fn store_crl(conn: &mut sqlx::AnyConnection, der: &[u8], number: i64) -> Result<()> {
    sqlx::query(
        "UPDATE crl_counter SET der = $1, der_number = $2 WHERE id = 1 AND der_number < $2",
    )
    .bind(der.to_vec())
    .bind(number)
    .execute(&mut *conn)
    .await
    .db("storing the CRL")?;
    Ok(())
}

/// Every revoked certificate, oldest revocation first.
async fn revoked_in(conn: &mut sqlx::AnyConnection) -> Result<Vec<RevokedEntry>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT serial_hex, revoked_at, revocation_reason FROM certificates \
         WHERE status = 'revoked' ORDER BY revoked_at, id",
    )
    .fetch_all(&mut *conn)
    .await
    .db("listing revoked certificates")?;
    rows.into_iter()
        .map(|(serial_hex, revoked_at, reason)| {
            Ok(RevokedEntry {
                serial_hex,
                revoked_at,
                reason: reason_from_db(reason)?,
            })
        })
        .collect()
}

/// The normalised serial of a certificate about to be stored, or why it cannot be.
fn check_new_certificate(cert: &NewCertificate) -> Result<String> {
    let serial = normalise_serial(&cert.serial_hex)?;
    if cert.der.is_empty() {
        return Err(Error::StoreInvalid {
            what: "certificate (empty)",
        });
    }
    if cert.not_after <= cert.not_before {
        return Err(Error::StoreInvalid {
            what: "certificate validity",
        });
    }
    Ok(serial)
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
    if let Some(old) = current.supersedes_cert_id {
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
        sqlx::query(
            "UPDATE certificates SET status = 'revoked', revoked_at = $1, \
             revocation_reason = $2 WHERE id = $3 AND status = 'good'",
        )
        .bind(now)
        .bind(reason)
        .bind(old)
        .execute(&mut *conn)
        .await
        .db("revoking a superseded certificate")?;
        sqlx::query(
            "UPDATE requests SET status = 'success', decided_by = $1, decided_at = $2, \
             updated_at = $2 WHERE kind = 'revocation' AND target_cert_id = $3 \
             AND status = 'pending'",
        )
        .bind(operator)
        .bind(now)
        .bind(old)
        .execute(&mut *conn)
        .await
        .db("closing a settled revocation")?;
    }
    Ok(id)
}

pub(super) async fn revoke(
    conn: &mut sqlx::AnyConnection,
    cert: Id,
    reason: u8,
    now: UnixTime,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE certificates SET status = 'revoked', revoked_at = $1, revocation_reason = $2 \
         WHERE id = $3 AND status = 'good'",
    )
    .bind(now)
    .bind(i64::from(reason))
    .bind(cert)
    .execute(&mut *conn)
    .await
    .db("revoking a certificate")?;
    if done.rows_affected() != 1 {
        fetch_certificate(conn, cert).await?;
        return Err(Error::StoreConflict {
            what: "this certificate is already revoked",
        });
    }
    Ok(())
}

pub(super) async fn fetch_certificate(
    conn: &mut sqlx::AnyConnection,
    id: Id,
) -> Result<Certificate> {
    let row = sqlx::query(concat!(
        "SELECT ",
        certificate_columns!(),
        " FROM certificates WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .db("reading a certificate")?;
    row.as_ref()
        .map(certificate_from_row)
        .transpose()?
        .ok_or(Error::StoreNotFound {
            what: "certificate",
        })
}

fn certificate_from_row(row: &AnyRow) -> Result<Certificate> {
    let status: String = col(row, "status")?;
    let reason: Option<i64> = col(row, "revocation_reason")?;
    Ok(Certificate {
        id: col(row, "id")?,
        serial_hex: col(row, "serial_hex")?,
        user_id: col(row, "user_id")?,
        request_id: col(row, "request_id")?,
        der: col(row, "der")?,
        not_before: col(row, "not_before")?,
        not_after: col(row, "not_after")?,
        status: match status.as_str() {
            "good" => CertificateStatus::Good,
            "revoked" => CertificateStatus::Revoked,
            other => {
                return Err(Error::StoreUnavailable {
                    detail: format!("unexpected certificate status {other:?}"),
                });
            }
        },
        revoked_at: col(row, "revoked_at")?,
        revocation_reason: reason.map(reason_from_db).transpose()?,
        reminded_at: col(row, "reminded_at")?,
        created_at: col(row, "created_at")?,
    })
}

fn reason_from_db(reason: i64) -> Result<u8> {
    u8::try_from(reason).map_err(|_| Error::StoreUnavailable {
        detail: format!("unexpected revocation reason {reason}"),
    })
}

/// Serials compare as lower-case hex without separators; anything else is refused.
fn normalise_serial(serial: &str) -> Result<String> {
    let serial: String = serial
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if serial.is_empty() || serial.len() > 40 || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::StoreInvalid {
            what: "serial number (expected hex, at most 20 bytes)",
        });
    }
    Ok(serial)
}
