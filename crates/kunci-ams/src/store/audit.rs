//! The tamper-evident audit log (issue 16, part 4): one hash-chained row per state change a
//! person or the CA makes, appended by [`append`] inside the transaction of the change itself,
//! so a change is never committed without its entry nor an entry without its change. This
//! file is the only one that writes `audit_log` or `audit_head`, and the only one that knows
//! the chain's encoding; the other store files describe their changes as [`Entry`] values.
//!
//! ## The chain
//!
//! Row `seq` (1, 2, 3 … without gaps) holds `at` (Unix seconds), `actor`, `action`, `subject`,
//! `details` (compact JSON text), `prev_hash` (the hash of row `seq - 1`; for row 1, 64 zeros)
//! and `hash`, the SHA-256 (lower-case hex) of:
//!
//! ```text
//! "kunci-audit-v1" ‖ field(seq) ‖ field(at) ‖ field(actor) ‖ field(action)
//!                  ‖ field(subject) ‖ field(details) ‖ field(prev_hash)
//! field(x) = the 8-byte big-endian length of x's UTF-8 bytes, then those bytes
//! ```
//!
//! where `seq` and `at` are written as decimal text (`-` for a negative time) and `details`
//! is hashed exactly as stored (the export carries that text unchanged). The lengths make the
//! encoding unambiguous: no two different rows encode to the same bytes. An outside verifier
//! needs nothing else (docs/SECURITY.md has a Python version).
//!
//! ## Appending
//!
//! [`append`] first moves the head row (`UPDATE audit_head SET seq = seq + 1 … RETURNING`):
//! on PostgreSQL that row lock makes a second instance's append wait until the first one's
//! transaction ends, then read the head it left (READ COMMITTED re-reads the updated row), so
//! two instances never fork the chain nor reuse a `seq`; on SQLite the store's one writer
//! connection and `BEGIN IMMEDIATE` already serialize every write. A transaction that rolls
//! back takes its head move with it, so `seq` stays gapless. On PostgreSQL every transaction
//! that appends takes the head row's lock first of all (`SELECT … FOR UPDATE`, through
//! `Store::begin_audited`), so the head is never the second lock of a cycle (no deadlock), at
//! the price that such transactions run one at a time, as they do on SQLite.
//!
//! ## What a chain alone cannot show
//!
//! Whoever can write the database can rewrite the chain from any row on, recomputing every
//! later hash and the head: the encoding is public by design. And a tail deleted together
//! with the head row moved back looks like a shorter, intact chain. Both are caught only by
//! comparing with a head copied elsewhere earlier (`audit verify` prints it; `--anchor
//! SEQ:HASH` checks a copied one).

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use super::{DbResultExt, Id, Store, UnixTime, col};
use crate::error::{Error, Result};

/// The `prev_hash` of row 1.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The domain tag the encoding starts with; a new encoding gets a new tag.
const ENCODING_TAG: &[u8] = b"kunci-audit-v1";

/// Who made a change, as the `actor` column spells it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Actor {
    /// A signed-in account (holder, operator, administrator): `user:<id>`.
    User(Id),
    /// Someone not signed in (a failed login): `anonymous`.
    Anonymous,
    /// The certificate authority itself (signing, revoking, CRLs, its keys): `ca`.
    Ca,
    /// The portal on its own account (automatic approval, reminders, first start): `system`.
    #[default]
    System,
    /// The `kunci-ams` command line run by whoever can reach the data folder: `cli`.
    Cli,
}

impl Actor {
    /// The `actor` column's text.
    pub fn as_text(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::Anonymous => "anonymous".to_owned(),
            Actor::Ca => "ca".to_owned(),
            Actor::System => "system".to_owned(),
            Actor::Cli => "cli".to_owned(),
        }
    }

    /// An operator's decision (`Some`) or automatic mode's (`None`).
    pub fn deciding(operator: Option<Id>) -> Actor {
        operator.map_or(Actor::System, Actor::User)
    }
}

/// One change to record: who, what (a stable dotted name, docs/API.md lists them), on what,
/// and the facts worth keeping. `details` never holds a secret (password, hash of one,
/// session or CSR token, PIN): the store files build entries from public facts only.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Who made the change.
    pub actor: Actor,
    /// What was done, e.g. `request.approved`.
    pub action: &'static str,
    /// What it was done to: `request:<id>`, `certificate:<serial hex>`, `user:<id>`, …
    pub subject: String,
    /// The facts, as a JSON object.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Entry {
    /// An entry with no details yet.
    pub fn new(actor: Actor, action: &'static str, subject: impl Into<String>) -> Entry {
        Entry {
            actor,
            action,
            subject: subject.into(),
            details: serde_json::Map::new(),
        }
    }

    /// Adds one detail.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Entry {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

/// One stored row of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Its place in the chain, from 1.
    pub seq: i64,
    /// When (Unix seconds).
    pub time: UnixTime,
    /// [`Actor::as_text`].
    pub actor: String,
    /// The dotted action name.
    pub action: String,
    /// What it was done to.
    pub subject: String,
    /// The details, compact JSON text exactly as hashed.
    pub details: String,
    /// The previous row's hash ([`GENESIS_HASH`] for row 1).
    pub prev_hash: String,
    /// This row's hash ([`entry_hash`]).
    pub hash: String,
}

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Rows read.
    pub entries: i64,
    /// The last row's hash ([`GENESIS_HASH`] when the log is empty).
    pub head_hash: String,
    /// The first broken row, if any.
    pub broken: Option<Break>,
}

/// The first row where the chain does not hold, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// The row's `seq` (for a missing row, the `seq` that should be there).
    pub seq: i64,
    /// What is wrong with it.
    pub reason: String,
}

/// The hash of a row with these columns (the encoding in this file's header).
pub fn entry_hash(
    seq: i64,
    at: UnixTime,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(ENCODING_TAG);
    for field in [
        seq.to_string().as_str(),
        at.to_string().as_str(),
        actor,
        action,
        subject,
        details,
        prev_hash,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Inside the caller's transaction: appends `entry` at time `at` and answers its `seq`.
pub(super) async fn append(conn: &mut AnyConnection, entry: &Entry, at: UnixTime) -> Result<i64> {
    // The head moves first: this takes its row lock (PostgreSQL) before anything is read, so
    // the seq and prev_hash read here are the newest committed ones. RETURNING gives the new
    // seq and the hash this UPDATE left alone: the previous row's.
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await
        .db("moving the audit head")?;
    let seq: i64 = col(&head, "seq")?;
    let prev_hash: String = col(&head, "hash")?;
    let actor = entry.actor.as_text();
    // serde_json's Map is ordered by key (no `preserve_order` feature in this workspace), so
    // the same details always give the same text.
    let details = serde_json::Value::Object(entry.details.clone()).to_string();
    let hash = entry_hash(
        seq,
        at,
        &actor,
        entry.action,
        &entry.subject,
        &details,
        &prev_hash,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(entry.action)
    .bind(entry.subject.clone())
    .bind(details)
    .bind(prev_hash)
    .bind(hash.clone())
    .execute(&mut *conn)
    .await
    .db("appending to the audit log")?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(hash)
        .execute(&mut *conn)
        .await
        .db("moving the audit head")?;
    Ok(seq)
}

/// PostgreSQL only: locks the head row until the transaction ends (see `Store::begin_audited`).
pub(super) async fn lock_head(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *conn)
        .await
        .db("locking the audit head")?;
    Ok(())
}

/// The wall clock, for the few store calls that record an entry but are given no time (a
/// logout, an account disabled): the entry says when it was written.
pub(super) fn wall_clock() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Rows read per query when walking the whole log.
const PAGE: i64 = 1000;

impl Store {
    /// Records an event that changes no other row (the CA's keys made or renewed, which live
    /// in files or on a token), in a transaction of its own. Answers its `seq`.
    pub async fn record_event(&self, entry: &Entry, at: UnixTime) -> Result<i64> {
        let mut tx = self.begin_audited().await?;
        let seq = append(&mut tx, entry, at).await?;
        tx.commit().await.db("committing an audit entry")?;
        Ok(seq)
    }

    /// Up to `limit` rows with `seq` below `before` (all when `None`), newest first: the staff
    /// page's view.
    pub async fn audit_page(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log \
             WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db("reading the audit log")?;
        rows.iter().map(record_from_row).collect()
    }

    /// Up to `limit` rows with `seq` after `after`, oldest first: the export's and the
    /// verifier's walk.
    pub async fn audit_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db("reading the audit log")?;
        rows.iter().map(record_from_row).collect()
    }

    /// The head row: (entries counted, last hash).
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .db("reading the audit head")?
            .ok_or(Error::StoreUnavailable {
                detail: "the audit head row is missing".to_owned(),
            })?;
        Ok((col(&row, "seq")?, col(&row, "hash")?))
    }

    /// Walks the whole chain from row 1 and names the first row that breaks it: a missing
    /// `seq`, a `prev_hash` that is not the previous row's hash, a hash that does not match
    /// the row's columns, or a head row that disagrees with the last row (a cut tail).
    pub async fn verify_audit(&self) -> Result<Verification> {
        // The head is read first: entries appended during the walk are beyond it and ignored.
        let (head_seq, head_hash) = self.audit_head().await?;
        let mut expected = 1;
        let mut prev = GENESIS_HASH.to_owned();
        let broken = |seq: i64, reason: String, entries: i64, prev: String| Verification {
            entries,
            head_hash: prev,
            broken: Some(Break { seq, reason }),
        };
        loop {
            let rows = self.audit_after(expected - 1, PAGE).await?;
            let Some(last) = rows.last().map(|r| r.seq) else {
                break;
            };
            for row in rows {
                if row.seq > head_seq {
                    break;
                }
                if row.seq != expected {
                    return Ok(broken(
                        expected,
                        format!("row {expected} is missing (the next row is {})", row.seq),
                        expected - 1,
                        prev,
                    ));
                }
                if row.prev_hash != prev {
                    return Ok(broken(
                        row.seq,
                        format!(
                            "its prev_hash is not the hash of row {} (a row before it was \
                             removed, reordered or rehashed)",
                            row.seq - 1
                        ),
                        expected - 1,
                        prev,
                    ));
                }
                let computed = entry_hash(
                    row.seq,
                    row.time,
                    &row.actor,
                    &row.action,
                    &row.subject,
                    &row.details,
                    &row.prev_hash,
                );
                if computed != row.hash {
                    return Ok(broken(
                        row.seq,
                        "its hash does not match its contents (the row was edited)".to_owned(),
                        expected - 1,
                        prev,
                    ));
                }
                prev = row.hash;
                expected += 1;
            }
            if last >= head_seq {
                break;
            }
        }
        let entries = expected - 1;
        if entries < head_seq {
            return Ok(broken(
                expected,
                format!(
                    "rows {expected} to {head_seq} are missing (the head row counts {head_seq} \
                     entries)"
                ),
                entries,
                prev,
            ));
        }
        if prev != head_hash {
            return Ok(broken(
                entries,
                "the head row's hash is not this row's (the head or the last row was changed)"
                    .to_owned(),
                entries,
                prev,
            ));
        }
        Ok(Verification {
            entries,
            head_hash: prev,
            broken: None,
        })
    }
}

fn record_from_row(row: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: col(row, "seq")?,
        time: col(row, "at")?,
        actor: col(row, "actor")?,
        action: col(row, "action")?,
        subject: col(row, "subject")?,
        details: col(row, "details")?,
        prev_hash: col(row, "prev_hash")?,
        hash: col(row, "hash")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_is_pinned_by_a_known_answer() {
        // Recompute outside Rust with the Python in docs/SECURITY.md: any change to the
        // encoding must change ENCODING_TAG, never this value silently.
        let h = entry_hash(
            1,
            1_700_000_000,
            "ca",
            "crl.published",
            "crl:1",
            "{}",
            GENESIS_HASH,
        );
        assert_eq!(
            h,
            "cc2129e35f7ac94d04c8660b6e335a0851eaa5110494891b6129d06820328b1a"
        );
        // Field boundaries matter: moving a character from one field to the next changes it.
        assert_ne!(
            h,
            entry_hash(
                1,
                1_700_000_000,
                "c",
                "acrl.published",
                "crl:1",
                "{}",
                GENESIS_HASH
            )
        );
    }

    #[test]
    fn actors_are_spelled_as_documented() {
        assert_eq!(Actor::User(7).as_text(), "user:7");
        assert_eq!(Actor::deciding(None).as_text(), "system");
        assert_eq!(Actor::deciding(Some(3)).as_text(), "user:3");
        assert_eq!(Actor::Anonymous.as_text(), "anonymous");
        assert_eq!(Actor::Ca.as_text(), "ca");
        assert_eq!(Actor::Cli.as_text(), "cli");
    }
}
