//! kunci-ams: the reference AMS portal of kunci (issue 5), being built in layers.
//!
//! Present: the certificate authority ([`ca`]: root and issuing CA, profiles, issuance from
//! CSRs checked by kunci-core, revocation and CRLs; pure logic, no I/O) and the storage layer
//! ([`store`]: one module over SQLite by default and PostgreSQL, migrations, one transaction
//! per state change). To come: the HTTP application (axum), accounts and sessions, the holder
//! and operator pages, and `cargo xtask serve`.

pub mod ca;
pub mod error;
pub mod store;

pub use error::{Error, Result};
