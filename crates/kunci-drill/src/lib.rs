//! kunci-drill: proof that the portal (kunci-ams) loses nothing under failure and keeps up
//! under load. It runs the real binary as a child process on loopback and drives it only
//! through HTTP, the way browsers do; it reads the store directly only after the server has
//! stopped, to check the invariants.
//!
//! - [`client`]: the HTTP client (session cookie, CSRF header, lost answers told apart).
//! - [`server`]: the child process: accounts, start, SIGKILL, restart.
//! - [`flow`]: a holder's enrollment and revocation, the operator's approvals, the ledger.
//! - [`check`]: the invariants.
//! - [`drills`]: `chaos` and `load`, with their printed figures.
//! - [`pki`]: `ocsp` and `tsa`, the load figures of the CA's relying-party services, and the
//!   OCSP requests and status reading the drills' OCSP checks use.
//!
//! It does not do TLS.

pub mod check;
pub mod client;
pub mod drills;
pub mod flow;
pub mod pki;
pub mod server;

/// A drill's failures (violations of invariants are not errors: they are the report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection broke or timed out before an answer: the call may or may not have
    /// taken effect.
    #[error("lost answer: {0}")]
    Transport(String),
    /// The connection could not be made (the server is down or restarting): the call never
    /// reached it, so it is safe to send again once the server answers.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The portal refused a step.
    #[error("{step} refused: {status} {code}")]
    Refused {
        /// The step.
        step: &'static str,
        /// HTTP status.
        status: u16,
        /// The portal's error code.
        code: String,
    },
    /// An answer that does not follow docs/API.md, or a client-side failure.
    #[error("{0}")]
    Protocol(String),
    /// Starting, killing or preparing the server failed.
    #[error("server: {0}")]
    Server(String),
    /// Reading the store after the run failed.
    #[error("store: {0}")]
    Store(String),
}
