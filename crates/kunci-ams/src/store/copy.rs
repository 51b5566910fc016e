//! Moving a portal's data from one store to another (SQLite → PostgreSQL, when a portal grows
//! to several instances): `kunci-ams copy-store --to postgres://…`.
//!
//! Every row that matters is copied with its id (accounts with their password hashes,
//! identities, products and grants, requests with their CSRs and documents' metadata,
//! certificates, the CRL counter and current CRL, the inbox, the audit log with its head row),
//! in one transaction on the
//! target, so a failed copy leaves the target as it was. Sessions, login failures and
//! password reset codes (`password_resets`) are not copied: they are short-lived, holders
//! simply log in again, and an administrator makes a new reset link. The target must be
//! empty (migrated, nothing in it); the source is only read.
//!
//! Columns are taken by name from the source and typed by the target's own catalogue, so a
//! column added by a later migration (to both folders, as `migrations/README.md` requires) is
//! copied without changing this file. Requests and certificates point at each other
//! (`certificates.request_id` → an enrollment; a revocation's `target_cert_id` and a renewal's
//! `supersedes_cert_id` → certificates), so enrollments go in first without their
//! `supersedes_cert_id`, then certificates, then revocations, then the renewals' links.
//! Afterwards each identity column continues after the highest copied id.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

use super::{Backend, DbResultExt, Store};
use crate::error::{Error, Result};

/// One step of the copy: a table, which of its rows, columns left for later, and whether its
/// identity column is moved on after it.
struct Step {
    table: &'static str,
    label: &'static str,
    filter: &'static str,
    later: &'static [&'static str],
    identity: bool,
}

const fn step(table: &'static str, identity: bool) -> Step {
    Step {
        table,
        label: table,
        filter: "",
        later: &[],
        identity,
    }
}

/// The tables in the order their references allow.
const STEPS: [Step; 12] = [
    step("users", true),
    step("identities", false),
    step("products", true),
    step("product_grants", false),
    Step {
        table: "requests",
        label: "requests (enrollments)",
        filter: " WHERE kind = 'enrollment'",
        later: &["supersedes_cert_id"],
        identity: false,
    },
    step("certificates", true),
    Step {
        table: "requests",
        label: "requests (revocations)",
        filter: " WHERE kind <> 'enrollment'",
        later: &[],
        identity: true,
    },
    step("decisions", true),
    step("crl_counter", false),
    step("notices", true),
    // Copied row for row with its seq and hashes, so the chain verifies on the target as it
    // did on the source; the head row, like the counter row, is updated in place.
    step("audit_log", false),
    step("audit_head", false),
];

/// How many rows went into each table.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// (table, rows), in copy order.
    pub tables: Vec<(&'static str, u64)>,
}

/// One column's type on the target.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Integer,
    Text,
    Bytes,
}

impl Store {
    /// Copies every lasting row of this store into `target` (a PostgreSQL store, migrated and
    /// empty), in one transaction there. Refused with [`Error::StoreConflict`] when the target
    /// already holds accounts, products, requests or certificates, and with
    /// [`Error::StoreInvalid`] unless the target is PostgreSQL.
    pub async fn copy_into(&self, target: &Store) -> Result<CopyReport> {
        if target.backend != Backend::Postgres {
            return Err(Error::StoreInvalid {
                what: "copy target (only a PostgreSQL database)",
            });
        }
        let mut tx = target.pool.begin().await.db("beginning the copy")?;
        for table in ["users", "products", "requests", "certificates"] {
            // The names are ours, never outside input.
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&mut *tx)
                    .await
                    .db("checking that the target is empty")?;
            if n > 0 {
                return Err(Error::StoreConflict {
                    what: "the target database is not empty",
                });
            }
        }
        let mut source = self.pool.acquire().await.db("reading the source")?;
        let mut report = CopyReport::default();
        for Step {
            table,
            label,
            filter,
            later,
            identity,
        } in STEPS
        {
            let columns = target_columns(&mut tx, table).await?;
            let rows: Vec<AnyRow> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM {table}{filter} ORDER BY 1",
                columns
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
            .fetch_all(&mut *source)
            .await
            .db("reading the source")?;
            if table == "crl_counter" || table == "audit_head" {
                copy_one_row(&mut tx, table, &columns, rows.first()).await?;
                report.tables.push((label, rows.len() as u64));
                continue;
            }
            let insert_columns: Vec<&(String, Kind)> = columns
                .iter()
                .filter(|(c, _)| !later.contains(&c.as_str()))
                .collect();
            let placeholders: Vec<String> = (1..=insert_columns.len())
                .map(|i| format!("${i}"))
                .collect();
            let insert = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                insert_columns
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                placeholders.join(", ")
            );
            for row in &rows {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(insert.clone()));
                for (column, kind) in &insert_columns {
                    query = bind(query, row, column, *kind)?;
                }
                query.execute(&mut *tx).await.db("writing a copied row")?;
            }
            report.tables.push((label, rows.len() as u64));
            if identity {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )))
                .execute(&mut *tx)
                .await
                .db("continuing the ids")?;
            }
        }
        // The renewals' links to the certificates they replace, now that those exist.
        let links: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, supersedes_cert_id FROM requests WHERE supersedes_cert_id IS NOT NULL",
        )
        .fetch_all(&mut *source)
        .await
        .db("reading the source")?;
        for (id, supersedes) in links {
            sqlx::query("UPDATE requests SET supersedes_cert_id = $1 WHERE id = $2")
                .bind(supersedes)
                .bind(id)
                .execute(&mut *tx)
                .await
                .db("linking requests to certificates")?;
        }
        tx.commit().await.db("committing the copy")?;
        Ok(report)
    }
}

/// The target table's columns and their kinds, in table order.
async fn target_columns(conn: &mut AnyConnection, table: &str) -> Result<Vec<(String, Kind)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .db("reading the target's columns")?;
    rows.into_iter()
        .map(|(name, data_type)| {
            let kind = match data_type.as_str() {
                "bigint" | "integer" | "smallint" => Kind::Integer,
                "text" | "character varying" => Kind::Text,
                "bytea" => Kind::Bytes,
                _ => {
                    return Err(Error::StoreInvalid {
                        what: "copy target (a column of an unexpected type)",
                    });
                }
            };
            Ok((name, kind))
        })
        .collect()
}

/// A table of one row (`crl_counter`, `audit_head`) has that row on both sides (the
/// migrations make it): update it in place.
async fn copy_one_row(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[(String, Kind)],
    row: Option<&AnyRow>,
) -> Result<()> {
    let Some(row) = row else { return Ok(()) };
    let settable: Vec<&(String, Kind)> = columns.iter().filter(|(c, _)| c != "id").collect();
    let sets: Vec<String> = settable
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
        .collect();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET {} WHERE id = 1",
        sets.join(", ")
    )));
    for (column, kind) in settable {
        query = bind(query, row, column, *kind)?;
    }
    query
        .execute(&mut *conn)
        .await
        .db("copying a one-row table")?;
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Binds `row`'s `column` as `kind` (NULL stays NULL).
fn bind<'q>(query: AnyQuery<'q>, row: &AnyRow, column: &str, kind: Kind) -> Result<AnyQuery<'q>> {
    let unreadable = |e: sqlx::Error| Error::StoreUnavailable {
        detail: format!("reading column {column} of the source: {e}"),
    };
    Ok(match kind {
        Kind::Integer => query.bind(row.try_get::<Option<i64>, _>(column).map_err(unreadable)?),
        Kind::Text => query.bind(
            row.try_get::<Option<String>, _>(column)
                .map_err(unreadable)?,
        ),
        Kind::Bytes => query.bind(
            row.try_get::<Option<Vec<u8>>, _>(column)
                .map_err(unreadable)?,
        ),
    })
}
