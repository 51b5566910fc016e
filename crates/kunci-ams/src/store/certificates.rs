//! Issued certificates, their revocation, and the CRL number: the rows of `certificates` and
//! `crl_counter`. Storing a certificate for a request, and every other change that also
//! touches requests or notices, is a decision (`decisions.rs`); this file keeps the
//! row-level pieces and calls neither `requests` nor `notices`. Every revocation appends
//! `certificate.revoked` and every stored CRL `crl.published` to the audit log (`audit.rs`),
//! in the same transaction, with the CA as the actor.
//!
//! Revocation reasons are RFC 5280 CRLReason codes (0 unspecified, 1 keyCompromise,
//! 3 affiliationChanged, 4 superseded, 5 cessationOfOperation, ...); 7 is unused by the RFC
//! and refused.

use sqlx::any::AnyRow;

use super::audit::{Actor, Entry, append, wall_clock};
use super::{DbResultExt, Id, Store, UnixTime, check_reason, col};
use crate::error::{Error, Result};

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
    /// Revokes certificate `cert` directly (an administrator's act, outside the request
    /// flow). A certificate already revoked is [`Error::StoreConflict`].
    pub async fn revoke_certificate(
        &self,
        cert: Id,
        reason: u8,
        now: UnixTime,
    ) -> Result<Certificate> {
        check_reason(reason)?;
        let mut tx = self.begin_audited().await?;
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
        let mut tx = self.begin_audited().await?;
        store_crl(&mut tx, &der, number, wall_clock()).await?;
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

    /// A fresh timestamp token serial number: the counter on the store's counter row, raised
    /// by one in its own committed write, so no two tokens share a number, however many
    /// instances share the database and however often they restart (1, 2, 3, ...).
    pub async fn take_tsa_serial(&self) -> Result<i64> {
        let mut tx = self.begin().await?;
        let serial: i64 = sqlx::query_scalar(
            "UPDATE crl_counter SET tsa_serial = tsa_serial + 1 WHERE id = 1 RETURNING tsa_serial",
        )
        .fetch_one(&mut *tx)
        .await
        .db("taking a timestamp serial")?;
        tx.commit().await.db("committing a timestamp serial")?;
        Ok(serial)
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
    now: UnixTime,
) -> Result<Vec<u8>> {
    let number = take_crl_number(&mut *conn).await?;
    let revoked = revoked_in(&mut *conn).await?;
    let der = sign(number, revoked)?;
    store_crl(&mut *conn, &der, number, now).await?;
    Ok(der)
}

/// The next CRL number; its row stays locked until the transaction ends.
async fn take_crl_number(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    sqlx::query_scalar("UPDATE crl_counter SET number = number + 1 WHERE id = 1 RETURNING number")
        .fetch_one(&mut *conn)
        .await
        .db("taking a CRL number")
}

/// Makes CRL `number` the current one, unless a higher-numbered one is stored already, and
/// records `crl.published` (with `current: false` when a newer one was already there: it
/// was signed, and may have been seen by nobody).
async fn store_crl(
    conn: &mut sqlx::AnyConnection,
    der: &[u8],
    number: i64,
    now: UnixTime,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE crl_counter SET der = $1, der_number = $2 WHERE id = 1 AND der_number < $2",
    )
    .bind(der.to_vec())
    .bind(number)
    .execute(&mut *conn)
    .await
    .db("storing the CRL")?;
    let entry = Entry::new(Actor::Ca, "crl.published", format!("crl:{number}"))
        .with("number", number)
        .with("current", done.rows_affected() == 1)
        .with("sha256", super::sha256_hex(der));
    append(&mut *conn, &entry, now).await?;
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
pub(super) fn check_new_certificate(cert: &NewCertificate) -> Result<String> {
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

pub(super) async fn revoke(
    conn: &mut sqlx::AnyConnection,
    cert: Id,
    reason: u8,
    now: UnixTime,
) -> Result<()> {
    let serial: Option<String> = sqlx::query_scalar(
        "UPDATE certificates SET status = 'revoked', revoked_at = $1, revocation_reason = $2 \
         WHERE id = $3 AND status = 'good' RETURNING serial_hex",
    )
    .bind(now)
    .bind(i64::from(reason))
    .bind(cert)
    .fetch_optional(&mut *conn)
    .await
    .db("revoking a certificate")?;
    let Some(serial) = serial else {
        fetch_certificate(conn, cert).await?;
        return Err(Error::StoreConflict {
            what: "this certificate is already revoked",
        });
    };
    append(&mut *conn, &revoked_entry(&serial, cert, reason), now).await?;
    Ok(())
}

/// The audit entry of certificate `cert` (serial `serial`) revoked with `reason`.
pub(super) fn revoked_entry(serial: &str, cert: Id, reason: u8) -> Entry {
    Entry::new(
        Actor::Ca,
        "certificate.revoked",
        certificate_subject(serial),
    )
    .with("certificate", cert)
    .with("reason", reason)
}

/// The audit log's name for the certificate with serial `serial` (lower-case hex).
pub(super) fn certificate_subject(serial: &str) -> String {
    format!("certificate:{serial}")
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
