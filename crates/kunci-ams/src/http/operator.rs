//! The registration authority's operator API (docs/API.md, "Operator"): the queue of
//! revocation and enrollment requests, each with its supporting document and CSR, and the
//! approve / reject decisions, and the audit log, read-only. Operators and administrators
//! only.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Operator, RequireRole};
use super::holder::{document_response, request_json};
use super::{ApiJson, ApiPath, AppState, unix_now};
use crate::error::{Error, Result};
use crate::portal::key_name;
use crate::store::{Id, RejectFix};

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

/// `POST /api/operator/requests/{id}/reject`'s body: the reason, and for an enrollment what
/// the holder must fix (`document` or `new_key`; see `Store::reject_request_fixing`).
#[derive(Deserialize)]
pub struct RejectBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    fix: Option<String>,
}

/// Reject, with a reason the holder sees.
pub async fn reject(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Operator>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<Value>> {
    let fix = body
        .fix
        .as_deref()
        .map(|f| RejectFix::parse(f).ok_or(Error::BadRequest("fix must be document or new_key")))
        .transpose()?;
    let r = state
        .portal
        .reject(
            &state.store,
            id,
            Some(auth.user.id),
            &body.reason,
            fix,
            unix_now(),
        )
        .await?;
    Ok(Json(request_json(&state.store, &r, true).await?))
}

/// Most audit entries one `GET /api/operator/audit` answers.
pub const AUDIT_PAGE_MAX: i64 = 200;

/// `GET /api/operator/audit?before=SEQ&limit=N`: the audit log, newest first, `limit`
/// entries (default 50, at most [`AUDIT_PAGE_MAX`]) with `seq` below `before` (default: from
/// the newest). `next_before` pages on; `head` is the chain's head as stored. Read-only: no
/// route changes the log, which only the store's own transactions append to.
pub async fn audit(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>> {
    let mut before = None;
    let mut limit = 50;
    for pair in query.as_deref().unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "before" if !value.is_empty() => {
                before =
                    Some(value.parse::<i64>().map_err(|_| {
                        Error::BadRequest("before must be an entry's sequence number")
                    })?);
            }
            "limit" if !value.is_empty() => {
                limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=AUDIT_PAGE_MAX).contains(n))
                    .ok_or(Error::BadRequest("limit must be a number from 1 to 200"))?;
            }
            _ => {}
        }
    }
    let rows = state.store.audit_page(before, limit).await?;
    // Actors are stored as `user:<id>`; the page shows the login beside it.
    let logins: std::collections::BTreeMap<Id, String> = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.login))
        .collect();
    let entries: Vec<Value> = rows
        .iter()
        .map(|r| {
            let login = r
                .actor
                .strip_prefix("user:")
                .and_then(|id| id.parse::<Id>().ok())
                .and_then(|id| logins.get(&id));
            json!({
                "seq": r.seq,
                "time": r.time,
                "actor": r.actor,
                "actor_login": login,
                "action": r.action,
                "subject": r.subject,
                "details": serde_json::from_str::<Value>(&r.details).unwrap_or(Value::Null),
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            })
        })
        .collect();
    let next_before = rows.last().map(|r| r.seq).filter(|&seq| seq > 1);
    let (head_seq, head_hash) = state.store.audit_head().await?;
    Ok(Json(json!({
        "entries": entries,
        "next_before": next_before,
        "head": { "seq": head_seq, "hash": head_hash },
    })))
}
