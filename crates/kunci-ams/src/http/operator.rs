//! The registration authority's operator API (docs/API.md, "Operator"): the dashboard
//! (what waits, by kind and age; today's decisions), the queue of revocation and enrollment
//! requests, each in words with its supporting document (shown inside the page) and CSR, the
//! approve / reject decisions, the searchable history of decisions, and the audit log,
//! read-only. Operators and administrators only.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Operator, RequireRole};
use super::holder::{document_response, request_json};
use super::{ApiJson, ApiPath, AppState, unix_now};
use crate::error::{Error, Result};
use crate::portal::key_name;
use crate::store::{
    CertificateStatus, Decision, HistoryFilter, Id, RejectFix, Request, RequestKind,
};

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

/// One request in full, with what its CSR asks for in words: the subject's fields one by
/// one, the key's type and size, the holder's e-mail, and the certificate it renews or
/// revokes.
pub async fn request(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    let r = state.store.request(id).await?;
    let mut value = request_json(&state.store, &r, true).await?;
    let holder = state.store.user(r.user_id).await?;
    value["holder"]["email"] = json!(holder.email);
    if let Some(info) = r
        .csr_der
        .as_deref()
        .and_then(|d| kunci_core::csr::verify(d).ok())
    {
        let s = &info.subject;
        let fields: Vec<Value> = [
            ("common_name", "CN", Some(&s.common_name)),
            ("organization", "O", s.organization.as_ref()),
            ("organizational_unit", "OU", s.organizational_unit.as_ref()),
            ("email", "emailAddress", s.email.as_ref()),
            ("serial_number", "serialNumber", s.serial_number.as_ref()),
            ("locality", "L", s.locality.as_ref()),
            ("state", "ST", s.state.as_ref()),
            ("country", "C", s.country.as_ref()),
        ]
        .into_iter()
        .filter_map(|(field, attribute, value)| {
            value.map(|v| json!({ "field": field, "attribute": attribute, "value": v }))
        })
        .collect();
        value["csr_info"] = json!({
            "subject": info.subject_dn,
            "subject_fields": fields,
            "key": key_name(info.key),
            "key_label": key_label(info.key),
            "email_sans": info.email_sans,
            "public_key_sha256": info.public_key_sha256,
        });
    }
    for (name, cert) in [
        ("renews_certificate", r.supersedes_cert_id),
        ("target_certificate", r.target_cert_id),
    ] {
        if let Some(cert) = cert {
            let c = state.store.certificate(cert).await?;
            value[name] = json!({
                "id": c.id,
                "serial": c.serial_hex,
                "not_after": c.not_after,
                "status": match c.status {
                    CertificateStatus::Good => "good",
                    CertificateStatus::Revoked => "revoked",
                },
            });
        }
    }
    Ok(Json(value))
}

/// The key's type and size in words (`RSA 3072`, `ECDSA P-256`).
fn key_label(kind: kunci_core::key::KeyKind) -> String {
    match kind {
        kunci_core::key::KeyKind::Rsa { bits } => format!("RSA {bits}"),
        kunci_core::key::KeyKind::EcP256 => "ECDSA P-256".to_owned(),
    }
}

/// The CSP of a document shown inside the operator's page (`?view=inline`): the PDF may be
/// framed by the portal's own pages only, and loads nothing itself.
pub const INLINE_DOCUMENT_CSP: &str = "default-src 'none'; frame-ancestors 'self'";

/// The supporting document of any request: a download, or with `?view=inline` a PDF the
/// operator's page shows in an `<iframe>` (`Content-Disposition: inline`, framable by the
/// portal's own pages only).
pub async fn document(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
    ApiPath(id): ApiPath<Id>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let r = state.store.request(id).await?;
    let mut response = document_response(&state, &r).await?;
    if query.as_deref() == Some("view=inline") {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("inline"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(INLINE_DOCUMENT_CSP),
        );
    }
    Ok(response)
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

/// Decisions one page of `GET /api/operator/history` lists.
pub const HISTORY_PAGE: i64 = 20;

/// Most of today's decisions the dashboard lists.
const DASHBOARD_DECISIONS: i64 = 100;

/// `GET /api/operator/dashboard?since=T`: what waits for a decision, by kind and by age
/// (under a day, one to three days, over three days, counted from when it started waiting),
/// oldest first; and the decisions made since `since` (the page's midnight; default the last
/// 24 hours), with who made them.
pub async fn dashboard(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>> {
    let now = unix_now();
    let mut since = now - DAY;
    for (key, value) in pairs(query.as_deref()) {
        if key == "since" && !value.is_empty() {
            since = value
                .parse()
                .map_err(|_| Error::BadRequest("since must be a time in Unix seconds"))?;
        }
    }
    let mut counts = json!({
        "enrollment": { "under_1_day": 0, "days_1_to_3": 0, "over_3_days": 0, "total": 0 },
        "revocation": { "under_1_day": 0, "days_1_to_3": 0, "over_3_days": 0, "total": 0 },
    });
    let mut waiting = Vec::new();
    for r in state.store.request_queue().await? {
        let since = waiting_since(&r);
        let age = now.saturating_sub(since);
        let bucket = if age < DAY {
            "under_1_day"
        } else if age <= 3 * DAY {
            "days_1_to_3"
        } else {
            "over_3_days"
        };
        let kind = r.kind.as_str();
        for key in [bucket, "total"] {
            let n = counts[kind][key].as_i64().unwrap_or(0);
            counts[kind][key] = json!(n + 1);
        }
        let mut item = request_json(&state.store, &r, true).await?;
        item["waiting_since"] = json!(since);
        item["age"] = json!(bucket);
        waiting.push(item);
    }
    waiting.sort_by_key(|item| item["waiting_since"].as_i64());
    let filter = HistoryFilter {
        from: Some(since),
        ..HistoryFilter::default()
    };
    let (today, _) = state
        .store
        .decision_history(&filter, DASHBOARD_DECISIONS, 0)
        .await?;
    let approved = today.iter().filter(|d| d.status == "success").count();
    let rejected = today.iter().filter(|d| d.status == "rejected").count();
    Ok(Json(json!({
        "now": now,
        "waiting_counts": counts,
        "waiting": waiting,
        "decided_since": since,
        "decided": { "approved": approved, "rejected": rejected },
        "decisions": today.iter().map(decision_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/operator/history?q=&kind=&status=&from=&to=&page=`: the decisions, newest
/// first, [`HISTORY_PAGE`] a page. `q` matches part of the holder's login or name or of the
/// serial; `kind` is `enrollment` or `revocation`; `status` `success` or `rejected`; `from` and
/// `to` are Unix seconds (decided at or after `from`, before `to`); `page` counts from 1.
pub async fn history(
    State(state): State<AppState>,
    _operator: RequireRole<Operator>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>> {
    let mut filter = HistoryFilter::default();
    let mut page: i64 = 1;
    for (key, value) in pairs(query.as_deref()) {
        if value.is_empty() {
            continue;
        }
        let time = |v: &str| {
            v.parse::<i64>()
                .map_err(|_| Error::BadRequest("from and to must be times in Unix seconds"))
        };
        match key.as_str() {
            "q" => {
                filter.text = value.clone();
                if filter.text.chars().count() > 200 {
                    return Err(Error::FieldTooLong {
                        field: "search text",
                        max_chars: 200,
                    });
                }
            }
            "kind" if matches!(value.as_str(), "enrollment" | "revocation") => {
                filter.kind = value.clone();
            }
            "kind" => return Err(Error::BadRequest("kind must be enrollment or revocation")),
            "status" if matches!(value.as_str(), "success" | "rejected") => {
                filter.status = value.clone();
            }
            "status" => return Err(Error::BadRequest("status must be success or rejected")),
            "from" => filter.from = Some(time(&value)?),
            "to" => filter.to = Some(time(&value)?),
            "page" => {
                page = value
                    .parse()
                    .ok()
                    .filter(|&p: &i64| (1..=1_000_000).contains(&p))
                    .ok_or(Error::BadRequest("page must be a number from 1"))?;
            }
            _ => {}
        }
    }
    let (decisions, total) = state
        .store
        .decision_history(&filter, HISTORY_PAGE, (page - 1) * HISTORY_PAGE)
        .await?;
    Ok(Json(json!({
        "decisions": decisions.iter().map(decision_json).collect::<Vec<_>>(),
        "page": page,
        "per_page": HISTORY_PAGE,
        "total": total,
        "pages": (total + HISTORY_PAGE - 1) / HISTORY_PAGE,
    })))
}

const DAY: i64 = 86_400;

/// When a queued request started waiting for the operator: an enrollment when the holder
/// submitted it, a revocation when it was made.
fn waiting_since(r: &Request) -> i64 {
    match r.kind {
        RequestKind::Enrollment => r.agreement_at.unwrap_or(r.updated_at),
        RequestKind::Revocation => r.created_at,
    }
}

fn decision_json(d: &Decision) -> Value {
    json!({
        "request_id": d.request_id,
        "kind": d.kind,
        "status": d.status,
        "holder": { "login": d.holder_login, "name": d.holder_name },
        "product": d.product,
        "serial": d.serial,
        "decided_by": d.decided_by.as_ref().map(|(login, name)| json!({
            "login": login, "name": name,
        })),
        "decided_at": d.decided_at,
        "reject_reason": d.reject_reason,
        "reject_fix": d.reject_fix,
    })
}

/// A query string's `key=value` pairs, percent-decoded (`+` is a space).
fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding of a query component; an invalid escape is kept as typed.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)),
            _ => None,
        };
        if let Some((hi, lo)) = escaped {
            // Two hex digits: at most 255.
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
