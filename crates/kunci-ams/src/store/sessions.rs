//! Login sessions and the failed-login record that throttling reads.
//!
//! A session is found by its cookie token, but only the token's SHA-256 is stored: a copy of
//! the database does not let anyone log in. The CSRF secret is stored as given (it must be
//! shown back to the page). A session ends at its absolute expiry, after idleness (its
//! last-seen time, refreshed by [`Store::live_session`]), at logout, at log-out-everywhere
//! and when its account's password changes. Failed logins are counted per (login, address)
//! pair, per address and per login over a window the caller chooses; the policy (how many,
//! how long a delay) is the HTTP layer's.

use core::fmt;

use super::audit::{Actor, Entry, append, wall_clock};
use super::users::user_from_row;
use super::{DbResultExt, Id, Store, UnixTime, User, col, required, sha256_hex};
use crate::error::{Error, Result};

/// A live session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The account logged in.
    pub user_id: Id,
    /// The secret the page must send back with every state-changing request.
    pub csrf_secret: String,
    /// When the session began.
    pub created_at: UnixTime,
    /// When it stops being accepted.
    pub expires_at: UnixTime,
    /// When it was last used, as last written (refreshed at most every so often).
    pub last_seen_at: UnixTime,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("csrf_secret", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("last_seen_at", &self.last_seen_at)
            .finish()
    }
}

/// Failed logins within a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginFailures {
    /// Failures for this login, from any address.
    pub by_login: i64,
    /// Failures from this address, for any login.
    pub by_address: i64,
    /// Failures for this login from this address.
    pub by_login_address: i64,
    /// The latest failure for this login from this address, if any.
    pub last_by_login_address: Option<UnixTime>,
    /// The latest failure from this address, if any.
    pub last_by_address: Option<UnixTime>,
}

/// The failed logins of one (login, address) pair, or of one address for any login (`login`
/// is then `None`), within a window: what an administrator sees as a lockout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureGroup {
    /// The login tried (lower-case), or `None` for an address's failures over every login.
    pub login: Option<String>,
    /// The client address.
    pub address: String,
    /// How many failures.
    pub failures: i64,
    /// The latest of them.
    pub last_at: UnixTime,
}

impl Store {
    /// Starts a session for `user` under the cookie `token` (only its SHA-256 is kept). A
    /// disabled or missing account gets none.
    pub async fn create_session(
        &self,
        token: &str,
        user: Id,
        csrf_secret: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<Session> {
        required(token, "session token")?;
        required(csrf_secret, "CSRF secret")?;
        if expires_at <= now {
            return Err(Error::StoreInvalid {
                what: "session expiry (must be after now)",
            });
        }
        let mut tx = self.begin_audited().await?;
        let disabled: Option<i64> = sqlx::query_scalar("SELECT disabled FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *tx)
            .await
            .db("checking a user for a session")?;
        match disabled {
            None => return Err(Error::StoreNotFound { what: "user" }),
            Some(0) => {}
            Some(_) => {
                return Err(Error::StoreConflict {
                    what: "the account is disabled",
                });
            }
        }
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_secret, created_at, expires_at, \
             last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(user)
        .bind(csrf_secret)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .map_err(super::conflict_on_unique(
            "creating a session",
            "session token already in use",
        ))?;
        // A successful login is a security event too (who, when); the session's token or
        // its hash never goes into the log.
        append(
            &mut tx,
            &Entry::new(Actor::User(user), "login.succeeded", format!("user:{user}")),
            now,
        )
        .await?;
        tx.commit().await.db("committing a session")?;
        Ok(Session {
            user_id: user,
            csrf_secret: csrf_secret.to_owned(),
            created_at: now,
            expires_at,
            last_seen_at: now,
        })
    }

    /// The session behind cookie `token` and its account, if the session exists, has not
    /// expired at `now`, and the account is not disabled.
    pub async fn session(&self, token: &str, now: UnixTime) -> Result<Option<(Session, User)>> {
        let row = sqlx::query(
            "SELECT s.csrf_secret, s.created_at AS s_created_at, s.expires_at, s.last_seen_at, \
             u.id, u.login, u.display_name, u.email, u.nik, u.organisation, u.role, \
             u.password_hash, u.disabled, u.created_at, u.lang \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .db("reading a session")?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        let session = Session {
            user_id: user.id,
            csrf_secret: col(&row, "csrf_secret")?,
            created_at: col(&row, "s_created_at")?,
            expires_at: col(&row, "expires_at")?,
            last_seen_at: col(&row, "last_seen_at")?,
        };
        Ok(Some((session, user)))
    }

    /// Like [`Store::session`], with idleness: a session last seen more than `idle_secs`
    /// before `now` is deleted and not answered; a live one has its last-seen time set to
    /// `now` when the stored one is at least `touch_after_secs` old (so that a busy session
    /// costs a write at most that often). The answered session carries the new time.
    pub async fn live_session(
        &self,
        token: &str,
        now: UnixTime,
        idle_secs: i64,
        touch_after_secs: i64,
    ) -> Result<Option<(Session, User)>> {
        let Some((mut session, user)) = self.session(token, now).await? else {
            return Ok(None);
        };
        let idle = now.saturating_sub(session.last_seen_at);
        if idle > idle_secs {
            self.delete_session(token).await?;
            return Ok(None);
        }
        if idle >= touch_after_secs {
            let mut tx = self.begin().await?;
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1",
            )
            .bind(now)
            .bind(sha256_hex(token.as_bytes()))
            .execute(&mut *tx)
            .await
            .db("refreshing a session")?;
            tx.commit().await.db("committing a refreshed session")?;
            session.last_seen_at = now;
        }
        Ok(Some((session, user)))
    }

    /// Ends the session behind `token` (logout). Ending a missing session is not an error.
    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let mut tx = self.begin_audited().await?;
        let user: Option<Id> =
            sqlx::query_scalar("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id")
                .bind(sha256_hex(token.as_bytes()))
                .fetch_optional(&mut *tx)
                .await
                .db("ending a session")?;
        if let Some(user) = user {
            let entry = Entry::new(Actor::User(user), "logout", format!("user:{user}"));
            append(&mut tx, &entry, wall_clock()).await?;
        }
        tx.commit().await.db("committing a logout")
    }

    /// Ends every session of `user` (log out everywhere, password change, account disabled).
    /// Returns how many.
    pub async fn delete_user_sessions(&self, user: Id, by: &Actor) -> Result<u64> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await
            .db("ending a user's sessions")?;
        let action = if *by == Actor::User(user) {
            "logout.all"
        } else {
            "user.sessions_ended"
        };
        let entry = Entry::new(by.clone(), action, format!("user:{user}"))
            .with("sessions", done.rows_affected());
        append(&mut tx, &entry, wall_clock()).await?;
        tx.commit().await.db("committing ended sessions")?;
        Ok(done.rows_affected())
    }

    /// Drops sessions expired at `now` and failed logins older than `failures_before`
    /// (housekeeping). Returns how many rows went.
    pub async fn purge_expired(&self, now: UnixTime, failures_before: UnixTime) -> Result<u64> {
        let mut tx = self.begin().await?;
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .db("purging sessions")?;
        let failures = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(failures_before)
            .execute(&mut *tx)
            .await
            .db("purging login failures")?;
        tx.commit().await.db("committing a purge")?;
        Ok(sessions.rows_affected() + failures.rows_affected())
    }

    /// Records a failed login for `login` (compared lower-case) from `address`.
    pub async fn record_login_failure(
        &self,
        login: &str,
        address: &str,
        now: UnixTime,
    ) -> Result<()> {
        let login = login.trim().to_ascii_lowercase();
        let mut tx = self.begin_audited().await?;
        sqlx::query("INSERT INTO login_failures (login, address, at) VALUES ($1, $2, $3)")
            .bind(&login)
            .bind(address)
            .bind(now)
            .execute(&mut *tx)
            .await
            .db("recording a login failure")?;
        // The login tried and where from: what a lockout is computed from. Never the
        // password tried (it may be the real one, mistyped, or another account's).
        let entry = Entry::new(Actor::Anonymous, "login.failed", format!("login:{login}"))
            .with("address", address);
        append(&mut tx, &entry, now).await?;
        tx.commit().await.db("committing a login failure")
    }

    /// Failed logins at or after `since`, for `login` and for `address`.
    pub async fn login_failures(
        &self,
        login: &str,
        address: &str,
        since: UnixTime,
    ) -> Result<LoginFailures> {
        let by_login: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE login = $1 AND at >= $2")
                .bind(login.trim().to_ascii_lowercase())
                .bind(since)
                .fetch_one(&self.pool)
                .await
                .db("counting login failures")?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at) AS last_at FROM login_failures \
             WHERE address = $1 AND at >= $2",
        )
        .bind(address)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .db("counting login failures")?;
        let by_address: i64 = col(&row, "n")?;
        let last_by_address: Option<UnixTime> = col(&row, "last_at")?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at) AS last_at FROM login_failures \
             WHERE login = $1 AND address = $2 AND at >= $3",
        )
        .bind(login.trim().to_ascii_lowercase())
        .bind(address)
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .db("counting login failures")?;
        let by_login_address: i64 = col(&row, "n")?;
        let last_by_login_address: Option<UnixTime> = col(&row, "last_at")?;
        Ok(LoginFailures {
            by_login,
            by_address,
            by_login_address,
            last_by_login_address,
            last_by_address,
        })
    }

    /// Forgets the failures of `login` from `address` (after a successful login from there):
    /// the same login's failures from other addresses stay, so that the real user's login
    /// does not lift an attacker's delay elsewhere.
    pub async fn clear_login_failures_from(&self, login: &str, address: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE login = $1 AND address = $2")
            .bind(login.trim().to_ascii_lowercase())
            .bind(address)
            .execute(&mut *tx)
            .await
            .db("clearing login failures")?;
        tx.commit().await.db("committing cleared login failures")
    }

    /// The (login, address) pairs with at least `min_pair` failures at or after `since`, then
    /// the addresses with at least `min_address` (over every login); each list by latest
    /// failure, newest first.
    pub async fn failure_groups(
        &self,
        since: UnixTime,
        min_pair: i64,
        min_address: i64,
    ) -> Result<Vec<FailureGroup>> {
        let pairs = sqlx::query(
            "SELECT login, address, COUNT(*) AS n, MAX(at) AS last_at FROM login_failures \
             WHERE at >= $1 GROUP BY login, address HAVING COUNT(*) >= $2 \
             ORDER BY last_at DESC, login, address",
        )
        .bind(since)
        .bind(min_pair)
        .fetch_all(&self.pool)
        .await
        .db("listing login failures")?;
        let addresses = sqlx::query(
            "SELECT address, COUNT(*) AS n, MAX(at) AS last_at FROM login_failures \
             WHERE at >= $1 GROUP BY address HAVING COUNT(*) >= $2 \
             ORDER BY last_at DESC, address",
        )
        .bind(since)
        .bind(min_address)
        .fetch_all(&self.pool)
        .await
        .db("listing login failures")?;
        let mut groups = Vec::with_capacity(pairs.len() + addresses.len());
        for row in &pairs {
            groups.push(FailureGroup {
                login: Some(col(row, "login")?),
                address: col(row, "address")?,
                failures: col(row, "n")?,
                last_at: col(row, "last_at")?,
            });
        }
        for row in &addresses {
            groups.push(FailureGroup {
                login: None,
                address: col(row, "address")?,
                failures: col(row, "n")?,
                last_at: col(row, "last_at")?,
            });
        }
        Ok(groups)
    }

    /// Forgets failed logins (an administrator lifting a lockout): those of `login` (any
    /// address), those from `address` (any login), or with both, those of the pair. With
    /// neither it forgets nothing. Returns how many went.
    pub async fn clear_failures(
        &self,
        login: Option<&str>,
        address: Option<&str>,
        by: &Actor,
    ) -> Result<u64> {
        let login = login.map(|l| l.trim().to_ascii_lowercase());
        let query = match (&login, address) {
            (None, None) => return Ok(0),
            (Some(_), None) => "DELETE FROM login_failures WHERE login = $1",
            (None, Some(_)) => "DELETE FROM login_failures WHERE address = $1",
            (Some(_), Some(_)) => "DELETE FROM login_failures WHERE login = $1 AND address = $2",
        };
        let mut tx = self.begin_audited().await?;
        let mut q = sqlx::query(query);
        if let Some(login) = &login {
            q = q.bind(login.clone());
        }
        if let Some(address) = address {
            q = q.bind(address.to_owned());
        }
        let done = q.execute(&mut *tx).await.db("clearing login failures")?;
        let subject = match (&login, address) {
            (Some(login), _) => format!("login:{login}"),
            (None, Some(address)) => format!("address:{address}"),
            (None, None) => String::new(),
        };
        let entry = Entry::new(by.clone(), "lockout.cleared", subject)
            .with("login", login.clone())
            .with("address", address)
            .with("failures", done.rows_affected());
        append(&mut tx, &entry, wall_clock()).await?;
        tx.commit().await.db("committing cleared login failures")?;
        Ok(done.rows_affected())
    }

    /// Forgets the failures of `login` (after a successful login). Failures against other
    /// logins stay, also in their address's count: logging in to one's own account does not
    /// reset what an address tried against others.
    pub async fn clear_login_failures(&self, login: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE login = $1")
            .bind(login.trim().to_ascii_lowercase())
            .execute(&mut *tx)
            .await
            .db("clearing login failures")?;
        tx.commit().await.db("committing cleared login failures")
    }
}
