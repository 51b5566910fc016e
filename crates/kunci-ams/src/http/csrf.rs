//! The session layer and CSRF protection, one middleware for every route.
//!
//! It finds the request's session (so handlers and extractors need no second lookup) and
//! guards every state-changing request (POST, PUT, PATCH, DELETE): an `Origin` header, when
//! the browser sends one, must be the portal's own; and a request made under a session must
//! carry the session's secret in `X-CSRF-Token`, compared in constant time. Login is the one
//! exception to the token rule (there is no session yet), not to the origin rule. A
//! state-changing request without a session passes on to its handler, which refuses it with
//! `auth.required` if it needs an account: without a session there is nothing to forge.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::AppState;
use super::auth::{Authenticated, resolve_session};
use crate::error::{Error, Result};

/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The routes a state-changing request may reach without a CSRF token: those whose body
/// carries its own credential (a password; a password reset code), which a browser may send
/// while it still holds another account's session.
const TOKEN_EXEMPT: &[&str] = &[
    "/api/login",
    "/api/password-reset",
    "/api/password-reset/check",
];

/// Middleware: resolves the session, then applies the CSRF rules.
pub async fn session_and_csrf(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    match check(&state, &mut request).await {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn check(state: &AppState, request: &mut Request) -> Result<()> {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes_state {
        check_origin(request.headers(), &state.config.public_origin)?;
    }
    let headers = request.headers().clone();
    resolve_session(state, &headers, request.extensions_mut()).await?;
    if !changes_state || TOKEN_EXEMPT.contains(&request.uri().path()) {
        return Ok(());
    }
    let Some(auth) = request.extensions().get::<Authenticated>() else {
        return Ok(());
    };
    let sent = headers
        .get(CSRF_HEADER)
        .ok_or(Error::CsrfMissing)?
        .as_bytes();
    if bool::from(sent.ct_eq(auth.session.csrf_secret.as_bytes())) {
        Ok(())
    } else {
        Err(Error::CsrfMismatch)
    }
}

/// A present `Origin` must be `public_origin` exactly (`null`, sent by sandboxed frames and
/// some redirects, is foreign too).
fn check_origin(headers: &HeaderMap, public_origin: &str) -> Result<()> {
    match headers.get(header::ORIGIN) {
        None => Ok(()),
        Some(origin) if origin.as_bytes() == public_origin.trim_end_matches('/').as_bytes() => {
            Ok(())
        }
        Some(_) => Err(Error::CsrfOrigin),
    }
}
