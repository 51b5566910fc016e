//! The security headers every response carries, errors and 404s included. Answers carry
//! sessions' data and CSRF tokens, so none may be cached, except the CRL, which says so itself.
//!
//! The CSP allows only the portal's own scripts, styles and images (and `data:` images): no
//! inline script, no framing, no plugins, forms posting only to the portal. One answer keeps
//! its own, narrower CSP: a supporting document the operator's page shows inside an
//! `<iframe>` ([`super::operator::INLINE_DOCUMENT_CSP`]: loads nothing, framed only by the
//! portal's own pages). HSTS is sent only
//! under TLS, since a browser that honoured it on plain HTTP would lock itself out of a
//! portal that has no certificate yet.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// The Content-Security-Policy sent with every response.
/// `'wasm-unsafe-eval'` lets the npm package compile its WebAssembly (it allows no `eval` of
/// script text); `worker-src 'self'` lets it run key generation in a worker.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' \
     'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
     form-action 'self'";

/// The Strict-Transport-Security value sent under TLS (one year).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// Middleware (outermost layer) adding the security headers to every response.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Only the CRL sets its own Cache-Control (relying parties may keep it briefly).
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let framed_document = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|v| v.as_bytes() == super::operator::INLINE_DOCUMENT_CSP.as_bytes());
    let csp = if framed_document {
        super::operator::INLINE_DOCUMENT_CSP
    } else {
        CONTENT_SECURITY_POLICY
    };
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if state.config.tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}
