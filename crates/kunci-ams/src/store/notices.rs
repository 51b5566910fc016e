//! The portal inbox: notices to one user (request decided, certificate issued, validity
//! ending), kept whether or not e-mail went out. Each is stored in both languages (the English
//! text beside the Indonesian one, migration 0010) and read in the one the holder chose.

use sqlx::any::AnyRow;

use super::{DbResultExt, Id, Store, UnixTime, col, required};
use crate::error::{Error, Result};
use crate::words::{Lang, NoticeText};

/// One notice in a user's inbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Row id.
    pub id: Id,
    /// Whose inbox.
    pub user_id: Id,
    /// Subject line, in Indonesian (a notice stored before migration 0010: in both
    /// languages).
    pub subject: String,
    /// Text, in Indonesian (likewise).
    pub body: String,
    /// Subject line in English, when the notice has one.
    pub subject_en: Option<String>,
    /// Text in English, when the notice has one.
    pub body_en: Option<String>,
    /// When it was sent.
    pub created_at: UnixTime,
    /// When the user opened it, if they did.
    pub read_at: Option<UnixTime>,
}

impl Notice {
    /// The subject and body in `lang` (the Indonesian ones when there is no English text).
    pub fn text(&self, lang: Lang) -> (&str, &str) {
        match (lang, &self.subject_en, &self.body_en) {
            (Lang::En, Some(subject), Some(body)) => (subject, body),
            _ => (&self.subject, &self.body),
        }
    }
}

impl Store {
    /// Puts a notice in `user`'s inbox, the same words in both languages.
    pub async fn add_notice(
        &self,
        user: Id,
        subject: &str,
        body: &str,
        now: UnixTime,
    ) -> Result<Notice> {
        self.add_notice_text(user, &NoticeText::same(subject, body), now)
            .await
    }

    /// Puts a notice, written in both languages, in `user`'s inbox.
    pub async fn add_notice_text(
        &self,
        user: Id,
        text: &NoticeText,
        now: UnixTime,
    ) -> Result<Notice> {
        let mut tx = self.begin().await?;
        let notice = insert_notice(&mut tx, user, text, now).await?;
        tx.commit().await.db("committing a notice")?;
        Ok(notice)
    }

    /// `user`'s notices, newest first.
    pub async fn notices(&self, user: Id) -> Result<Vec<Notice>> {
        let rows = sqlx::query(
            "SELECT id, user_id, subject, body, subject_en, body_en, created_at, read_at \
             FROM notices \
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
    text: &NoticeText,
    now: UnixTime,
) -> Result<Notice> {
    required(&text.id.subject, "notice subject")?;
    required(&text.en.subject, "notice subject")?;
    let id: Id = sqlx::query_scalar(
        "INSERT INTO notices (user_id, subject, body, subject_en, body_en, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user)
    .bind(&text.id.subject)
    .bind(&text.id.body)
    .bind(&text.en.subject)
    .bind(&text.en.body)
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
        subject: text.id.subject.clone(),
        body: text.id.body.clone(),
        subject_en: Some(text.en.subject.clone()),
        body_en: Some(text.en.body.clone()),
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
        subject_en: col(row, "subject_en")?,
        body_en: col(row, "body_en")?,
        created_at: col(row, "created_at")?,
        read_at: col(row, "read_at")?,
    })
}
