//! kunci-ams: the reference AMS portal of kunci. Everything docs/PROCESS.md asks of the
//! authority's portal, on one machine: accounts, the holder's pages and API, the operator's
//! queue, the CA, storage.
//!
//! - [`ca`]: root and issuing CA, profiles, issuance from CSRs checked by kunci-core,
//!   revocation and CRLs; pure logic, no I/O.
//! - [`store`]: SQLite by default and PostgreSQL, migrations, one transaction per state change.
//! - [`portal`]: the registration authority's rules joining the two (CSR checks before
//!   storing, sign-then-store approvals, CRL re-signed on every revocation, notices, automatic
//!   approval, reminders).
//! - [`http`]: `app(state) -> Router`: logins, sessions, CSRF, roles, security headers, the
//!   holder/operator/admin API (docs/API.md), the CA's public files, and the pages of `web/`.
//! - [`setup`]: first start (data folder, CA with keys encrypted at rest, products).
//! - [`demo`]: the demo accounts and certificate of `serve --demo`.
//! - [`uploads`]: atomic writes, the uploads folder (document paths, start-up sweep) and the
//!   PDF check.
//! - [`mail`]: e-mail notices over SMTP.
//! - [`words`]: the account's language and the notices' texts in each language.
//!
//! The `kunci-ams` binary (`serve`, `user add|list|disable|grant`) is a thin layer over these.

pub mod ca;
pub mod demo;
pub mod error;
pub mod http;
pub mod mail;
pub mod portal;
pub mod setup;
pub mod store;
pub mod uploads;
pub mod words;

pub use error::{Error, Result};
