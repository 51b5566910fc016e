//! kunci-ams: the reference AMS portal of kunci (issue 5), being built in layers.
//!
//! Present: the certificate authority ([`ca`]: root and issuing CA, profiles, issuance from
//! CSRs checked by kunci-core, revocation and CRLs; pure logic, no I/O), the storage layer
//! ([`store`]: one module over SQLite by default and PostgreSQL, migrations, one transaction
//! per state change) and the HTTP foundation ([`http`]: `app(state) -> Router`, argon2id
//! logins with throttling, session cookies, CSRF, roles, security headers, JSON errors), plus
//! the `kunci-ams` binary (`user add|list|disable`, `serve`). To come: the holder and operator
//! pages and their API routes, the renewal flow end to end, and `cargo xtask serve`.

pub mod ca;
pub mod error;
pub mod http;
pub mod mail;
pub mod portal;
pub mod setup;
pub mod store;

pub use error::{Error, Result};
