//! What anyone may fetch: the CA's certificates and CRL (relying parties have no account),
//! the health check, and the pages and npm package the browser loads.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;

/// `GET /ca/issuing.crl`: the current CRL, DER. Relying parties may cache it until its
/// nextUpdate, so it is the one answer allowed into caches (briefly).
pub async fn crl(State(state): State<AppState>) -> crate::error::Result<Response> {
    let der = state.portal.crl_der(&state.store).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pkix-crl"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            ),
        ],
        der.as_ref().clone(),
    )
        .into_response())
}

/// `GET /ca/issuing.crt`: the issuing CA's certificate, DER (the AIA URL).
pub async fn issuing_cert(State(state): State<AppState>) -> Response {
    cert(state.portal.authority.issuing_cert_der().to_vec())
}

/// `GET /ca/root.crt`: the root CA's certificate, DER.
pub async fn root_cert(State(state): State<AppState>) -> Response {
    cert(state.portal.authority.root_cert_der().to_vec())
}

/// `GET /ca/tsa.crt`: the timestamp authority's certificate, DER (issued by the root), for
/// verifiers of tokens made without certReq.
pub async fn tsa_cert(State(state): State<AppState>) -> Response {
    cert(state.portal.tsa.cert_der().to_vec())
}

/// `GET /ca/chain.pem`: issuing CA then root, PEM.
pub async fn chain(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-pem-file"),
        )],
        state.portal.authority.chain_pem(),
    )
        .into_response()
}

/// `GET /api/health`.
pub async fn health() -> Json<Value> {
    Json(json!({ "ok": true }))
}

fn cert(der: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pkix-cert"),
        )],
        der,
    )
        .into_response()
}
