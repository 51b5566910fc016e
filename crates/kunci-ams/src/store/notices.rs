//! The portal inbox: notices to one user (request decided, certificate issued, validity
//! ending), kept whether or not e-mail went out.

use sqlx::any::AnyRow;

use super::{DbResultExt, Id, Store, UnixTime, col, required};
use crate::error::{Error, Result};

/// One notice in a user's inbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Row id.
    pub id: Id,
    /// Whose inbox.
    pub user_id: Id,
    /// Subject line.
    pub subject: String,
    /// Text.
    pub body: String,
    /// When it was sent.
    pub created_at: UnixTime,
    /// When the user opened it, if they did.
    pub read_at: Option<UnixTime>,
}

impl Store {
    /// Puts a notice in `user`'s inbox.
    pub async fn add_notice(
        &self,
        user: Id,
        subject: &str,
        body: &str,
        now: UnixTime,
    ) -> Result<Notice> {
        let mut tx = self.begin().await?;
        let notice = insert_notice(&mut tx, user, subject, body, now).await?;
        tx.commit().await.db("committing a notice")?;
        Ok(notice)
    }

    /// `user`'s notices, newest first.
    pub async fn notices(&self, user: Id) -> Result<Vec<Notice>> {
        let rows = sqlx::query(
            "SELECT id, user_id, subject, body, created_at, read_at FROM notices \
             WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .db("listing notices")?;
        rows.iter().map(notice_from_row).collect()
    }

    /// How many of `user`'s notices are unread.
    pub async fn unread_notices(&self, user: Id) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE user_id = $1 AND read_at IS NULL")
            .bind(user)
            .fetch_one(&self.pool)
            .await
            .db("counting unread notices")
    }

    /// Marks `user`'s notice read (once; reading again keeps the first time). Another user's
    /// notice is [`Error::StoreNotFound`].
    pub async fn mark_notice_read(&self, notice: Id, user: Id, now: UnixTime) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE notices SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
        )
        .bind(now)
        .bind(notice)
        .bind(user)
        .execute(&mut *tx)
        .await
        .db("marking a notice read")?;
        if done.rows_affected() != 1 {
            return Err(Error::StoreNotFound { what: "notice" });
        }
        tx.commit().await.db("committing a read notice")
    }
}

/// Inserts a notice inside the caller's transaction (so that a state change and its notice
/// are stored together).
pub(super) async fn insert_notice(
    conn: &mut sqlx::AnyConnection,
    user: Id,
    subject: &str,
    body: &str,
    now: UnixTime,
) -> Result<Notice> {
    required(subject, "notice subject")?;
    let id: Id = sqlx::query_scalar(
        "INSERT INTO notices (user_id, subject, body, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(user)
    .bind(subject)
    .bind(body)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            Error::StoreNotFound { what: "user" }
        }
        _ => super::unavailable("adding a notice")(e),
    })?;
    Ok(Notice {
        id,
        user_id: user,
        subject: subject.to_owned(),
        body: body.to_owned(),
        created_at: now,
        read_at: None,
    })
}

fn notice_from_row(row: &AnyRow) -> Result<Notice> {
    Ok(Notice {
        id: col(row, "id")?,
        user_id: col(row, "user_id")?,
        subject: col(row, "subject")?,
        body: col(row, "body")?,
        created_at: col(row, "created_at")?,
        read_at: col(row, "read_at")?,
    })
}
