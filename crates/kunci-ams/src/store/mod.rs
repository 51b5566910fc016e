//! The portal's storage: one [`Store`] over SQLite (the default, one file in WAL mode) or
//! PostgreSQL (many portal instances, issue 7), with the schema migrations embedded.
//!
//! This module owns every row the portal keeps (accounts, registered identities, products and
//! grants, sessions and login failures, enrollment and revocation requests with their CSR
//! tokens and documents, certificates and the CRL number, the notice inbox, the hash-chained
//! audit log every change appends to in its own transaction) and the rules
//! that must hold however many requests race: a CSR token is consumed once, a request yields
//! at most one certificate, a state change is all or nothing. It does not hash passwords,
//! sign, verify CSRs, or touch the upload folder: callers do, and hand it the results.
//!
//! Why the `Any` driver: one set of queries serves both databases, written in their common
//! SQL (`$1` placeholders, `RETURNING`, `ON CONFLICT`), with only `i64`, `String` and
//! `Vec<u8>` crossing the boundary. The schema itself cannot be shared (`BLOB` against
//! `BYTEA`, identity columns), so the migrations are kept twice, in `migrations/sqlite` and
//! `migrations/postgres`; `migrations/README.md` says how they stay twins.
//!
//! Times are Unix seconds ([`UnixTime`]) supplied by the caller, never read from a clock
//! here, so that tests and the chaos run control them.

mod audit;
mod certificates;
mod copy;
mod decisions;
mod notices;
mod requests;
mod sessions;
mod staff;
mod users;

use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::error::{Error, Result};

pub use audit::{Actor, AuditRecord, Break, Entry, GENESIS_HASH, Verification, entry_hash};
pub use certificates::{Certificate, CertificateStatus, NewCertificate, RevokedEntry};
pub use copy::CopyReport;
pub use decisions::{LostKey, LostKeyOutcome, REASON_KEY_COMPROMISE, REASON_SUPERSEDED};
pub use notices::Notice;
pub use requests::{
    Document, RejectFix, Request, RequestKind, RequestStatus, TOKEN_HASH_LEN, UploadLimits,
    csr_token_hash,
};
pub use sessions::{FailureGroup, LoginFailures, Session};
pub use staff::{Decision, HistoryFilter, PasswordReset};
pub use users::{NewProduct, NewUser, Product, Role, User};

/// Seconds since the Unix epoch (UTC), as the caller's clock gives them.
pub type UnixTime = i64;

/// Row ids, as both databases hand them out (`INTEGER PRIMARY KEY` / identity `BIGINT`).
pub type Id = i64;

/// Which database a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// One SQLite file, WAL mode, foreign keys on, a busy timeout.
    Sqlite,
    /// A PostgreSQL server (several portal instances may share it).
    Postgres,
}

/// The portal's storage. Cheap to clone (pool handles); share one per process.
#[derive(Clone, Debug)]
pub struct Store {
    /// Reads (and, on PostgreSQL, everything).
    pool: AnyPool,
    /// SQLite only: the one connection every write transaction goes through. SQLite lets one
    /// writer in at a time; writers racing for its lock on several connections wait in its
    /// busy handler, which sleeps and polls (1, 2, 5 … 100 ms) and under load turns a
    /// sub-millisecond commit into a wait of hundreds. Queued on one connection instead, they
    /// wait their turn in the pool's queue and start the moment the lock is free. Readers
    /// (WAL) never wait for the writer.
    writer: Option<AnyPool>,
    backend: Backend,
}

impl Store {
    /// Opens (creating if needed, for SQLite) the database at `url` and brings its schema up to
    /// date. `url` is `sqlite://PATH?mode=rwc` or `postgres://…`. Opening an up-to-date
    /// database again is a no-op for the schema.
    pub async fn open(url: &str) -> Result<Store> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(Error::StoreInvalid {
                what: "database URL (expected sqlite:// or postgres://)",
            });
        };
        // Idempotent: installing the drivers again (a second store, tests) does nothing.
        sqlx::any::install_default_drivers();

        let pool = pool_options(backend, 8)
            .connect(url)
            .await
            .map_err(unavailable("opening the database"))?;

        if backend == Backend::Sqlite {
            // WAL lets readers run beside the writer and survives a crash without losing a
            // committed transaction. The mode is kept in the file, so once is enough.
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
                .fetch_one(&pool)
                .await
                .map_err(unavailable("setting WAL mode"))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::StoreUnavailable {
                    detail: format!("SQLite refused WAL mode (journal_mode is {mode})"),
                });
            }
        }

        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| Error::StoreUnavailable {
                detail: format!("running migrations: {e}"),
            })?;

        let writer = match backend {
            Backend::Sqlite => Some(
                pool_options(backend, 1)
                    .connect(url)
                    .await
                    .map_err(unavailable("opening the database for writing"))?,
            ),
            Backend::Postgres => None,
        };
        Ok(Store {
            pool,
            writer,
            backend,
        })
    }

    /// Opens (creating if needed) the SQLite database in the file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let path = path.to_str().ok_or(Error::StoreInvalid {
            what: "database path (not UTF-8)",
        })?;
        Store::open(&sqlite_url(path)).await
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection, waiting for those in use to be returned. For SQLite this also
    /// lets the last connection fold the WAL back into the database file.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes fails with "database is
    /// locked" when another writer committed in between, instead of waiting its turn.
    async fn begin(&self) -> Result<Transaction<'static, Any>> {
        let tx = match &self.writer {
            Some(writer) => writer.begin_with("BEGIN IMMEDIATE").await,
            None => self.pool.begin().await,
        };
        tx.map_err(unavailable("beginning a transaction"))
    }

    /// Begins a write transaction that appends to the audit log. On PostgreSQL it locks the
    /// log's head row before anything else, so every such transaction takes its locks in
    /// the same order (the head first): one that held a request row and then waited for the
    /// head while another held the head and waited for that row would deadlock. On SQLite the
    /// one writer (`BEGIN IMMEDIATE`) already serializes them.
    async fn begin_audited(&self) -> Result<Transaction<'static, Any>> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            audit::lock_head(&mut tx).await?;
        }
        Ok(tx)
    }
}

/// A pool of up to `max` connections (SQLite: with the connection pragmas below; PostgreSQL:
/// twice `max`, several instances may share the server).
fn pool_options(backend: Backend, max: u32) -> AnyPoolOptions {
    let options = match backend {
        Backend::Sqlite => {
            AnyPoolOptions::new()
                .max_connections(max)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        // Per connection, not stored in the file: said here rather than trusting
                        // the driver's defaults.
                        sqlx::raw_sql(SQLITE_CONNECTION_PRAGMAS)
                            .execute(conn)
                            .await?;
                        Ok(())
                    })
                })
        }
        Backend::Postgres => AnyPoolOptions::new().max_connections(max * 2),
    };
    options.acquire_timeout(Duration::from_secs(10))
}

/// Set on every SQLite connection. Foreign keys are off by default in SQLite. The busy
/// timeout (milliseconds) is how long a writer waits for another: SQLite allows one writer at
/// a time and the portal's transactions are short, so a few seconds is plenty.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

/// `sqlite://PATH?mode=rwc`, with the characters the URL parser would take for syntax (`%`,
/// `?`, `#`) percent-encoded; sqlx decodes them back.
fn sqlite_url(path: &str) -> String {
    let mut url = String::from("sqlite://");
    for c in path.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            _ => url.push(c),
        }
    }
    url.push_str("?mode=rwc");
    url
}

/// SHA-256 of `data`, lower-case hex: how tokens are kept (never the tokens themselves).
fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Maps a database error to [`Error::StoreUnavailable`], keeping its text for the log only.
fn unavailable(context: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::StoreUnavailable {
        detail: format!("{context}: {e}"),
    }
}

/// Like [`unavailable`], but a unique-constraint violation becomes a [`Error::StoreConflict`]
/// saying `what` (a login or a name already taken).
fn conflict_on_unique(
    context: &'static str,
    what: &'static str,
) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::StoreConflict { what },
        _ => unavailable(context)(e),
    }
}

/// `?` for database calls: `.db("what was being done")?`.
trait DbResultExt<T> {
    fn db(self, context: &'static str) -> Result<T>;
}

impl<T> DbResultExt<T> for core::result::Result<T, sqlx::Error> {
    fn db(self, context: &'static str) -> Result<T> {
        self.map_err(unavailable(context))
    }
}

/// Column access that reports a bad value as [`Error::StoreUnavailable`] (a schema out of
/// step with the code), naming the column.
fn col<'r, T>(row: &'r AnyRow, name: &'static str) -> Result<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(name).map_err(|e| Error::StoreUnavailable {
        detail: format!("reading column {name}: {e}"),
    })
}

/// A stored flag (0/1) as a bool.
fn flag(row: &AnyRow, name: &'static str) -> Result<bool> {
    Ok(col::<i64>(row, name)? != 0)
}

/// Refuses a code that is not an RFC 5280 CRLReason (0-10, without the unused 7).
fn check_reason(reason: u8) -> Result<()> {
    if reason > 10 || reason == 7 {
        return Err(Error::StoreInvalid {
            what: "revocation reason (not an RFC 5280 CRLReason)",
        });
    }
    Ok(())
}

/// Refuses an empty (or blank) required text.
fn required(value: &str, what: &'static str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::StoreInvalid { what });
    }
    Ok(())
}

/// Refuses a typed text longer than `max_chars` characters ([`Error::FieldTooLong`]).
fn within(value: &str, field: &'static str, max_chars: usize) -> Result<()> {
    if value.chars().count() > max_chars {
        return Err(Error::FieldTooLong { field, max_chars });
    }
    Ok(())
}

/// The longest typed texts the portal keeps, in characters (docs/API.md, "Limits"): a longer
/// one is refused with [`Error::FieldTooLong`], never cut.
pub mod limits {
    /// An account's login.
    pub const LOGIN: usize = 64;
    /// An account's display name.
    pub const DISPLAY_NAME: usize = 128;
    /// A NIK (Nomor Induk Kependudukan: 16 digits).
    pub const NIK: usize = 16;
    /// An account's organisation.
    pub const ORGANISATION: usize = 128;
    /// The operator's reason for a rejection (copied twice into the holder's notice).
    pub const REJECT_REASON: usize = 1000;
    /// A supporting document's file name as sent (longer than any file system's).
    pub const FILE_NAME: usize = 255;
}
