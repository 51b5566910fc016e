//! The registration authority's operator API (docs/API.md, "Operator"): the queue of
//! revocation and enrollment requests, each with its supporting document and CSR, and the
//! approve / reject decisions. Operators and administrators only.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Operator, RequireRole};
use super::holder::{document_response, request_json};
use super::{ApiJson, ApiPath, AppState, unix_now};
use crate::error::Result;
use crate::portal::key_name;
use crate::store::Id;

/// The requests waiting for a decision, oldest first.
pub async fn queue(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
) -> Result<Json<Value>> {
    let mut out = Vec::new();
    for r in state.store.request_queue().await? {
        out.push(request_json(&state.store, &r, true).await?);
    }
    Ok(Json(json!({ "requests": out })))
}

/// One request in full, with what its CSR asks for.
pub async fn request(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    let r = state.store.request(id).await?;
    let mut value = request_json(&state.store, &r, true).await?;
    if let Some(info) = r
        .csr_der
        .as_deref()
        .and_then(|d| kunci_core::csr::verify(d).ok())
    {
        value["csr_info"] = json!({
            "subject": info.subject_dn,
            "key": key_name(info.key),
            "email_sans": info.email_sans,
            "public_key_sha256": info.public_key_sha256,
        });
    }
    Ok(Json(value))
}

/// The supporting document of any request.
pub async fn document(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Response> {
    let r = state.store.request(id).await?;
    document_response(&state, &r).await
}

/// Approve: issue (enrollment) or revoke (revocation).
pub async fn approve(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Operator>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    let r = state
        .portal
        .approve(&state.store, id, Some(auth.user.id), unix_now())
        .await?;
    Ok(Json(request_json(&state.store, &r, true).await?))
}

/// `POST /api/operator/requests/{id}/reject`'s body.
#[derive(Deserialize)]
pub struct RejectBody {
    #[serde(default)]
    reason: String,
}

/// Reject, with a reason the holder sees.
pub async fn reject(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Operator>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<Value>> {
    let r = state
        .portal
        .reject(
            &state.store,
            id,
            Some(auth.user.id),
            &body.reason,
            unix_now(),
        )
        .await?;
    Ok(Json(request_json(&state.store, &r, true).await?))
}
