//! What the staff pages read and the administrators' account rules (issue 12, points 6 and 7):
//! the operator's history of decisions (searchable, paginated), counts for the dashboard and
//! the CA's state, disabling an account without ever leaving the portal without an
//! administrator, and one-time password reset codes.
//!
//! A reset code is kept only as its SHA-256 (like CSR tokens and session ids): the database
//! alone cannot be used to set a password. A code is made by an administrator, expires, and
//! is used once; using it sets the password through the same helper as
//! [`Store::set_password_hash`] (which ends the account's sessions and appends
//! `user.password_reset`) in the one transaction that marks the code used, so a code never
//! sets two passwords and a failed write leaves the code usable.

use sqlx::any::AnyRow;

use super::audit::{Actor, Entry, append};
use super::users::{set_password_hash_in, set_user_disabled_in, user_subject};
use super::{DbResultExt, Id, Store, UnixTime, col, required, sha256_hex};
use crate::error::{Error, Result};

/// What the operator's history is narrowed to. Empty texts mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Part of the holder's login or name, or of the certificate's serial (hex), any case.
    pub text: String,
    /// `enrollment` or `revocation`, or empty.
    pub kind: String,
    /// `success` or `rejected`, or empty.
    pub status: String,
    /// Decided at or after this time.
    pub from: Option<UnixTime>,
    /// Decided before this time.
    pub to: Option<UnixTime>,
}

/// One decision as the history lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The request's id.
    pub request_id: Id,
    /// `enrollment` or `revocation`.
    pub kind: String,
    /// `success` or `rejected`.
    pub status: String,
    /// The holder's login.
    pub holder_login: String,
    /// The holder's name.
    pub holder_name: String,
    /// The product's name (enrollments).
    pub product: Option<String>,
    /// The certificate issued (enrollment) or revoked (revocation), lower-case hex.
    pub serial: Option<String>,
    /// Who decided: login and name; `None` for the portal itself (automatic approval).
    pub decided_by: Option<(String, String)>,
    /// When.
    pub decided_at: UnixTime,
    /// The reason given to the holder, for a rejection.
    pub reject_reason: Option<String>,
    /// What the holder had to fix, for a rejected enrollment (`document`, `new_key`).
    pub reject_fix: Option<String>,
}

/// A stored reset code's state, as [`Store::password_reset`] finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordReset {
    /// The account whose password it sets.
    pub user_id: Id,
    /// The administrator who made it.
    pub created_by: Id,
    /// When it stops working.
    pub expires_at: UnixTime,
}

/// The columns and joins every history query shares; `$1`..`$7` are the filter (see
/// [`Store::decision_history`]), in the order they first appear (SQLite numbers named
/// parameters by first appearance).
macro_rules! history_from {
    () => {
        // From `decisions` (migration 0011), not from the requests' own columns: a rejection
        // stays in the history after its request was reopened and decided again. The serial
        // is the certificate an approval issued or the one a revocation named.
        " FROM decisions x JOIN requests r ON r.id = x.request_id \
          JOIN users u ON u.id = r.user_id \
          LEFT JOIN users d ON d.id = x.decided_by \
          LEFT JOIN products p ON p.id = r.product_id \
          LEFT JOIN certificates ic ON ic.request_id = r.id AND x.status = 'success' \
          LEFT JOIN certificates tc ON tc.id = r.target_cert_id \
          WHERE ($1 = '' OR LOWER(u.login) LIKE $2 ESCAPE '!' \
               OR LOWER(u.display_name) LIKE $2 ESCAPE '!' \
               OR LOWER(COALESCE(ic.serial_hex, tc.serial_hex, '')) LIKE $2 ESCAPE '!') \
          AND ($3 = '' OR r.kind = $3) \
          AND ($4 = '' OR x.status = $4) \
          AND x.decided_at >= $5 AND x.decided_at < $6"
    };
}

impl Store {
    /// The decisions (approved or rejected requests) matching `filter`, newest first:
    /// `limit` of them after skipping `offset`, and how many match in all.
    pub async fn decision_history(
        &self,
        filter: &HistoryFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Decision>, i64)> {
        let text = filter.text.trim().to_lowercase();
        let pattern = format!("%{}%", like_escaped(&text));
        let from = filter.from.unwrap_or(i64::MIN);
        let to = filter.to.unwrap_or(i64::MAX);
        let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*)", history_from!()))
            .bind(&text)
            .bind(&pattern)
            .bind(&filter.kind)
            .bind(&filter.status)
            .bind(from)
            .bind(to)
            .fetch_one(&self.pool)
            .await
            .db("counting decisions")?;
        let rows = sqlx::query(concat!(
            "SELECT r.id, r.kind, x.status, x.decided_at, x.reason AS reject_reason, \
             x.fix AS reject_fix, \
             u.login AS holder_login, u.display_name AS holder_name, p.name AS product, \
             COALESCE(ic.serial_hex, tc.serial_hex) AS serial, \
             d.login AS decider_login, d.display_name AS decider_name",
            history_from!(),
            " ORDER BY x.decided_at DESC, x.id DESC LIMIT $7 OFFSET $8"
        ))
        .bind(&text)
        .bind(&pattern)
        .bind(&filter.kind)
        .bind(&filter.status)
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .db("listing decisions")?;
        let decisions = rows.iter().map(decision_from_row).collect::<Result<_>>()?;
        Ok((decisions, total))
    }

    /// How many certificates are in each status (`good`, `revoked`), and how many requests
    /// in each status, for the CA's state.
    pub async fn status_counts(&self) -> Result<(Vec<(String, i64)>, Vec<(String, i64)>)> {
        let certificates = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM certificates GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await
        .db("counting certificates")?;
        let requests = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM requests GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await
        .db("counting requests")?;
        let pairs = |rows: &[AnyRow]| -> Result<Vec<(String, i64)>> {
            rows.iter()
                .map(|r| Ok((col(r, "status")?, col(r, "n")?)))
                .collect()
        };
        Ok((pairs(&certificates)?, pairs(&requests)?))
    }

    /// Disables (or enables) account `id` at administrator `by`'s request: an administrator
    /// never disables their own account ([`Error::AdminSelf`]) nor the last enabled
    /// administrator ([`Error::AdminLast`]), checked in the same transaction as the change.
    /// Disabling ends the account's sessions; the audit entry names `by`.
    pub async fn set_user_disabled_by_admin(&self, id: Id, disabled: bool, by: Id) -> Result<()> {
        if disabled && id == by {
            return Err(Error::AdminSelf);
        }
        let mut tx = self.begin_audited().await?;
        if disabled {
            let (role, was_disabled): (String, i64) =
                sqlx::query_as("SELECT role, disabled FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .db("reading a user")?
                    .ok_or(Error::StoreNotFound { what: "user" })?;
            if role == "admin" && was_disabled == 0 {
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 \
                     AND id <> $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .db("counting administrators")?;
                if others == 0 {
                    return Err(Error::AdminLast);
                }
            }
        }
        set_user_disabled_in(&mut tx, id, disabled, &Actor::User(by)).await?;
        tx.commit().await.db("committing a user's disabled flag")
    }

    /// Stores a new reset code (its SHA-256 only) for account `user`, made by administrator
    /// `by`, valid until `expires_at`. Codes of the account not yet used die: only the newest
    /// works. Appends `user.password_reset_issued` (never the code).
    pub async fn create_password_reset(
        &self,
        user: Id,
        code: &str,
        by: Id,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<()> {
        required(code, "reset code")?;
        let mut tx = self.begin_audited().await?;
        super::users::ensure_user(&mut tx, user).await?;
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
            .bind(user)
            .execute(&mut *tx)
            .await
            .db("ending older reset codes")?;
        sqlx::query(
            "INSERT INTO password_resets (user_id, code_hash, created_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user)
        .bind(sha256_hex(code.as_bytes()))
        .bind(by)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .db("storing a reset code")?;
        let entry = Entry::new(
            Actor::User(by),
            "user.password_reset_issued",
            user_subject(user),
        )
        .with("expires_at", expires_at);
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a reset code")
    }

    /// The reset code `code`, if it may still be used at `now`: [`Error::ResetUnknown`],
    /// [`Error::ResetUsed`] or [`Error::ResetExpired`] otherwise. Nothing changes.
    pub async fn password_reset(&self, code: &str, now: UnixTime) -> Result<PasswordReset> {
        let mut conn = self.pool.acquire().await.db("reading a reset code")?;
        usable_reset(&mut conn, code, now).await
    }

    /// Uses reset code `code`: sets the account's password hash (made by the caller from the
    /// new password), ends its sessions and marks the code used, in one transaction. The
    /// audit entry is `user.password_reset` by the administrator who made the code. Returns
    /// the account.
    pub async fn complete_password_reset(
        &self,
        code: &str,
        password_hash: &str,
        now: UnixTime,
    ) -> Result<super::User> {
        required(password_hash, "password hash")?;
        let mut tx = self.begin_audited().await?;
        let reset = usable_reset(&mut tx, code, now).await?;
        let done = sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(sha256_hex(code.as_bytes()))
        .execute(&mut *tx)
        .await
        .db("using a reset code")?;
        if done.rows_affected() != 1 {
            return Err(Error::ResetUsed);
        }
        set_password_hash_in(
            &mut tx,
            reset.user_id,
            password_hash,
            &Actor::User(reset.created_by),
        )
        .await?;
        tx.commit().await.db("committing a password reset")?;
        self.user(reset.user_id).await
    }
}

/// The reset row for `code`, judged at `now`.
async fn usable_reset(
    conn: &mut sqlx::AnyConnection,
    code: &str,
    now: UnixTime,
) -> Result<PasswordReset> {
    let row = sqlx::query(
        "SELECT user_id, created_by, expires_at, used_at FROM password_resets \
         WHERE code_hash = $1",
    )
    .bind(sha256_hex(code.as_bytes()))
    .fetch_optional(&mut *conn)
    .await
    .db("reading a reset code")?
    .ok_or(Error::ResetUnknown)?;
    if col::<Option<i64>>(&row, "used_at")?.is_some() {
        return Err(Error::ResetUsed);
    }
    let reset = PasswordReset {
        user_id: col(&row, "user_id")?,
        created_by: col(&row, "created_by")?,
        expires_at: col(&row, "expires_at")?,
    };
    if reset.expires_at <= now {
        return Err(Error::ResetExpired);
    }
    Ok(reset)
}

/// `text` with LIKE's wildcards (and the escape character `!`) taken literally.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

fn decision_from_row(row: &AnyRow) -> Result<Decision> {
    let decider: (Option<String>, Option<String>) =
        (col(row, "decider_login")?, col(row, "decider_name")?);
    Ok(Decision {
        request_id: col(row, "id")?,
        kind: col(row, "kind")?,
        status: col(row, "status")?,
        holder_login: col(row, "holder_login")?,
        holder_name: col(row, "holder_name")?,
        product: col(row, "product")?,
        serial: col(row, "serial")?,
        decided_by: match decider {
            (Some(login), Some(name)) => Some((login, name)),
            _ => None,
        },
        decided_at: col(row, "decided_at")?,
        reject_reason: col(row, "reject_reason")?,
        reject_fix: col(row, "reject_fix")?,
    })
}
