//! The holder's API (docs/API.md, "Holder"): identity, products, certificates with their
//! downloads and revocation, requests through every step of "Permohonan Baru", and the inbox.
//!
//! Every handler takes `RequireRole<Holder>` and reads only the caller's own rows (the store's
//! `*_of` lookups): another holder's item is `store.not_found`, exactly as a missing one.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kunci_core::CsrToken;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Holder, RequireRole};
use super::{ApiJson, ApiPath, AppState, unix_now};
use crate::ca::RevocationReason;
use crate::error::{Error, Result};
use crate::portal::key_name;
use crate::store::{Certificate, CertificateStatus, Id, LostKey, Request, Store};

/// The holder's registered identity: what every CSR of theirs must carry.
pub async fn identity(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
) -> Result<Json<Value>> {
    let subject = state.store.identity(auth.user.id).await?;
    Ok(Json(match subject {
        Some(s) => json!({
            "subject": s.to_string(),
            "common_name": s.common_name,
            "email": s.email,
            "organization": s.organization,
            "nik": auth.user.nik,
        }),
        None => json!({ "subject": null, "nik": auth.user.nik }),
    }))
}

/// The products granted to the holder, with the key kinds each accepts.
pub async fn products(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
) -> Result<Json<Value>> {
    let mut out = Vec::new();
    for p in state.store.granted_products(auth.user.id).await? {
        let keys: Vec<String> = state
            .portal
            .profiles
            .get(&p.profile)
            .map(|profile| profile.allowed_keys.iter().copied().map(key_name).collect())
            .unwrap_or_default();
        out.push(json!({
            "id": p.id, "name": p.name, "cert_type": p.cert_type, "allowed_keys": keys,
        }));
    }
    Ok(Json(json!({ "products": out })))
}

/// The holder's certificates ("Sertifikat Anda").
pub async fn certificates(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
) -> Result<Json<Value>> {
    let mut out = Vec::new();
    for cert in state.store.certificates_of(auth.user.id).await? {
        out.push(certificate_json(&state.store, &cert).await?);
    }
    Ok(Json(json!({ "certificates": out })))
}

/// One certificate's details ("Info").
pub async fn certificate(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    let cert = state.store.certificate_of(id, auth.user.id).await?;
    Ok(Json(certificate_json(&state.store, &cert).await?))
}

/// "Download": the certificate as a `.pem` file.
pub async fn certificate_pem(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Response> {
    let cert = state.store.certificate_of(id, auth.user.id).await?;
    let pem = kunci_core::pem::encode("CERTIFICATE", &cert.der);
    download(
        pem.into_bytes(),
        "application/x-pem-file",
        &format!("{}.pem", cert.serial_hex),
    )
}

/// The certificate with its chain (issuing CA, root), PEM.
pub async fn certificate_chain(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Response> {
    let cert = state.store.certificate_of(id, auth.user.id).await?;
    let pem = state.portal.full_chain_pem(&cert);
    download(
        pem.into_bytes(),
        "application/x-pem-file",
        &format!("{}-chain.pem", cert.serial_hex),
    )
}

/// The RFC 5280 reasons a holder may choose in "Revoke Reason".
pub async fn revocation_reasons(_auth: RequireRole<Holder>) -> Json<Value> {
    let reasons: Vec<Value> = RevocationReason::HOLDER_CHOICES
        .iter()
        .map(|r| json!({ "name": r.as_str(), "code": r.code() }))
        .collect();
    Json(json!({ "reasons": reasons }))
}

/// `POST /api/certificates/{id}/revoke`'s body.
#[derive(Deserialize)]
pub struct RevokeBody {
    reason: String,
}

/// "Revoke": a revocation request for one of the holder's good certificates.
pub async fn revoke(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<RevokeBody>,
) -> Result<(StatusCode, Json<Value>)> {
    let reason = RevocationReason::from_name(&body.reason).ok_or(Error::BadRequest(
        "choose a revocation reason from the list",
    ))?;
    let request = state
        .portal
        .request_revocation(&state.store, &auth.user, id, reason, unix_now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(request_json(&state.store, &request, false).await?),
    ))
}

/// `POST /api/requests`' body. A renewal (`renews`) may leave `product_id` out: it keeps the
/// product of the certificate it renews.
#[derive(Deserialize)]
pub struct NewRequestBody {
    #[serde(default)]
    product_id: Option<Id>,
    #[serde(default)]
    renews: Option<Id>,
}

/// "Permohonan Baru": an enrollment with a fresh CSR token (shown once, stored only hashed).
pub async fn create_request(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiJson(body): ApiJson<NewRequestBody>,
) -> Result<(StatusCode, Json<Value>)> {
    let now = unix_now();
    let product = match (body.product_id, body.renews) {
        (Some(product), _) => product,
        (None, Some(cert)) => {
            let cert = state.store.certificate_of(cert, auth.user.id).await?;
            state
                .store
                .request(cert.request_id)
                .await?
                .product_id
                .ok_or(Error::BadRequest("choose a product"))?
        }
        (None, None) => return Err(Error::BadRequest("choose a product")),
    };
    // 256 random bits, base64url: far over the 128 the design asks for.
    let token = CsrToken::from(super::auth::random_token()?);
    let expires = now + state.portal.settings.token_lifetime_secs;
    let request = state
        .store
        .create_enrollment(auth.user.id, product, &token, expires, body.renews, now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "request": request_json(&state.store, &request, false).await?,
            "csr_token": token.expose(),
            "token_expires_at": expires,
        })),
    ))
}

/// A fresh CSR token for the holder's enrollment still waiting for its CSR (issue 12): the
/// old token dies at once; the new one is shown once, here, and stored only hashed.
pub async fn renew_token(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    let now = unix_now();
    let token = CsrToken::from(super::auth::random_token()?);
    let expires = now + state.portal.settings.token_lifetime_secs;
    let request = state
        .store
        .renew_csr_token(id, auth.user.id, &token, expires, now)
        .await?;
    Ok(Json(json!({
        "request": request_json(&state.store, &request, false).await?,
        "csr_token": token.expose(),
        "token_expires_at": expires,
    })))
}

/// The holder cancels an unfinished request of theirs ("Dibatalkan", issue 12).
pub async fn cancel(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    let request = state
        .store
        .cancel_request(id, auth.user.id, unix_now())
        .await?;
    Ok(Json(request_json(&state.store, &request, false).await?))
}

/// "Status Permohonan": the holder's requests, newest first.
pub async fn requests(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
) -> Result<Json<Value>> {
    let mut out = Vec::new();
    for r in state.store.requests_of(auth.user.id).await? {
        out.push(request_json(&state.store, &r, false).await?);
    }
    Ok(Json(json!({ "requests": out })))
}

/// One of the holder's requests ("Check").
pub async fn request(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    let r = state.store.request_of(id, auth.user.id).await?;
    Ok(Json(request_json(&state.store, &r, false).await?))
}

/// `POST /api/csr/check`'s body.
#[derive(Deserialize)]
pub struct TokenBody {
    #[serde(deserialize_with = "super::secret_text")]
    token: CsrToken,
}

/// Steps 13-14: "(1) Paste" the token, "(2) Lanjutkan": the data the CSR will carry.
pub async fn csr_check(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<Json<Value>> {
    let token = CsrToken::from(body.token.expose().trim());
    let (request, subject, profile) = state
        .portal
        .check_token(&state.store, &auth.user, &token, unix_now())
        .await?;
    let product = product_name(&state.store, &request).await;
    Ok(Json(json!({
        "request_id": request.id,
        "product": product,
        "subject": subject.to_string(),
        "common_name": subject.common_name,
        "email": subject.email,
        "organization": subject.organization,
        "nik": auth.user.nik,
        "allowed_keys": profile.allowed_keys.iter().copied().map(key_name).collect::<Vec<_>>(),
        "token_expires_at": request.token_expires_at,
    })))
}

/// `POST /api/csr`'s body.
#[derive(Deserialize)]
pub struct CsrBody {
    #[serde(deserialize_with = "super::secret_text")]
    token: CsrToken,
    csr: String,
}

/// Step 15, "(3) BANGKITKAN DAN KIRIM CSR": the CSR arrives, once per token.
pub async fn upload_csr(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiJson(body): ApiJson<CsrBody>,
) -> Result<(StatusCode, Json<Value>)> {
    let token = CsrToken::from(body.token.expose().trim());
    let request = state
        .portal
        .upload_csr(
            &state.store,
            &auth.user,
            &token,
            body.csr.as_bytes(),
            unix_now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(request_json(&state.store, &request, false).await?),
    ))
}

/// Step 20: the Surat Rekomendasi, as the raw bytes of a PDF. Over the holder's upload rate
/// the answer is 429 `upload.rate_limited` with `Retry-After` (seconds).
pub async fn upload_document(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let limit = state.portal.settings.max_upload_bytes;
    // One byte over the limit is enough to know it is too large; nothing more is read.
    let bytes: Bytes = axum::body::to_bytes(body, limit.saturating_add(1))
        .await
        .map_err(|_| Error::UploadTooLarge { max_bytes: limit })?;
    // Pages percent-encode names that are not ASCII (a header cannot carry them).
    let name = headers
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| "surat-rekomendasi.pdf".to_owned(), percent_decode);
    let name = name.as_str();
    let attached = state
        .portal
        .attach_document(&state.store, &auth.user, id, name, &bytes, unix_now())
        .await;
    let request = match attached {
        Ok(request) => request,
        Err(Error::UploadRateLimited { retry_after_secs }) => {
            let mut response = Error::UploadRateLimited { retry_after_secs }.into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return Ok(response);
        }
        Err(e) => return Err(e),
    };
    Ok(Json(request_json(&state.store, &request, false).await?).into_response())
}

/// The supporting document of one of the holder's requests.
pub async fn document(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Response> {
    let request = state.store.request_of(id, auth.user.id).await?;
    document_response(&state, &request).await
}

/// `POST /api/requests/{id}/submit`'s body.
#[derive(Deserialize)]
pub struct SubmitBody {
    #[serde(default)]
    agree: bool,
}

/// Step 22, "Setuju dan Submit".
pub async fn submit(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<Json<Value>> {
    let request = state
        .portal
        .submit(&state.store, &auth.user, id, body.agree, unix_now())
        .await?;
    Ok(Json(request_json(&state.store, &request, false).await?))
}

/// `POST /api/requests/{id}/key-backup`'s body.
#[derive(Deserialize)]
pub struct KeyBackupBody {
    checked: bool,
}

/// The key step's backup proof (issue 12, point 3): the page decrypted the saved backup file
/// and found the CSR's key (`checked: true`), or the holder skipped the proof. Only the audit
/// log changes; no key, password or file reaches the server.
pub async fn key_backup(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<KeyBackupBody>,
) -> Result<StatusCode> {
    state
        .store
        .record_key_backup(id, auth.user.id, body.checked, unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/certificates/{id}/lost-key`'s body: may someone else have the key?
#[derive(Deserialize)]
pub struct LostKeyBody {
    compromised: bool,
}

/// The lost-key page (issue 12, point 5): records the holder's answer, revokes at once with
/// keyCompromise when someone else may have the key, and starts the replacement request of
/// the same product (renewing without a gap when the key is only lost). Answers the new
/// request with its CSR token, as `POST /api/requests` does, and the certificate as it stands.
pub async fn lost_key(
    State(state): State<AppState>,
    RequireRole(auth, _): RequireRole<Holder>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<LostKeyBody>,
) -> Result<(StatusCode, Json<Value>)> {
    let token = CsrToken::from(super::auth::random_token()?);
    let lost = if body.compromised {
        LostKey::Compromised
    } else {
        LostKey::OnlyLost
    };
    let outcome = state
        .portal
        .report_lost_key(&state.store, &auth.user, id, lost, &token, unix_now())
        .await?;
    let revocation = match &outcome.revocation {
        Some(r) => Some(request_json(&state.store, r, false).await?),
        None => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "request": request_json(&state.store, &outcome.replacement, false).await?,
            "csr_token": token.expose(),
            "token_expires_at": outcome.replacement.token_expires_at,
            "certificate": certificate_json(&state.store, &outcome.certificate).await?,
            "revocation": revocation,
        })),
    ))
}

/// The inbox, newest first, each notice in the account's language.
pub async fn notices(
    State(state): State<AppState>,
    auth: super::auth::Authenticated,
) -> Result<Json<Value>> {
    let notices: Vec<Value> = state
        .store
        .notices(auth.user.id)
        .await?
        .into_iter()
        .map(|n| {
            let (subject, body) = n.text(auth.user.lang);
            json!({
                "id": n.id, "subject": subject, "body": body,
                "created_at": n.created_at, "read": n.read_at.is_some(),
            })
        })
        .collect();
    Ok(Json(json!({ "notices": notices })))
}

/// Marks one of the caller's notices read.
pub async fn notice_read(
    State(state): State<AppState>,
    auth: super::auth::Authenticated,
    ApiPath(id): ApiPath<Id>,
) -> Result<StatusCode> {
    state
        .store
        .mark_notice_read(id, auth.user.id, unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- shared with the operator's routes ----

/// The PDF stored for `request`, as a download (`attachment`, `application/pdf`; every answer
/// also carries `nosniff` and the portal's CSP) named with its original name, ending in `.pdf`.
/// Never inline: a document is whatever the holder sent, and a browser must not render it
/// within the portal's origin (issue 18, finding 4); saved as `.pdf`, it opens in a PDF reader
/// rather than as a page.
pub(super) async fn document_response(state: &AppState, request: &Request) -> Result<Response> {
    let doc = request
        .document
        .as_ref()
        .ok_or(Error::StoreNotFound { what: "document" })?;
    let bytes = tokio::fs::read(state.portal.document_path(&doc.sha256_hex))
        .await
        .map_err(|_| Error::StoreNotFound { what: "document" })?;
    download(bytes, "application/pdf", &pdf_name(&doc.original_name))
}

/// `name`, cleaned, ending in `.pdf` (any case): added when it does not, within the cleaned
/// name's 100 characters.
fn pdf_name(name: &str) -> String {
    let name = crate::uploads::clean_file_name(name);
    if name.to_ascii_lowercase().ends_with(".pdf") {
        name
    } else {
        let stem: String = name.chars().take(96).collect();
        format!("{}.pdf", stem.trim_end())
    }
}

/// A request as JSON (docs/API.md, `Request`); `with_holder` adds `{login, name}`.
pub(super) async fn request_json(store: &Store, r: &Request, with_holder: bool) -> Result<Value> {
    let product = product_name(store, r).await;
    let certificate_id = match r.status {
        crate::store::RequestStatus::Success if r.kind == crate::store::RequestKind::Enrollment => {
            store
                .certificates_of(r.user_id)
                .await?
                .iter()
                .find(|c| c.request_id == r.id)
                .map(|c| c.id)
        }
        _ => None,
    };
    let csr_subject = r
        .csr_der
        .as_deref()
        .and_then(|der| kunci_core::csr::verify(der).ok())
        .map(|info| info.subject_dn);
    let mut value = json!({
        "id": r.id,
        "kind": r.kind.as_str(),
        "status": r.status.as_str(),
        "status_label": r.status.label(),
        "product": product,
        "product_id": r.product_id,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "token_expires_at": r.token_expires_at,
        "csr_uploaded": r.csr_der.is_some(),
        "csr_subject": csr_subject,
        "document": r.document.as_ref().map(|d| json!({
            "name": d.original_name, "size": d.size, "sha256": d.sha256_hex,
        })),
        "agreed": r.agreement_at.is_some(),
        "renews": r.supersedes_cert_id,
        "certificate_id": certificate_id,
        "target_certificate_id": r.target_cert_id,
        "revocation_reason": r.revocation_reason
            .and_then(RevocationReason::from_code)
            .map(RevocationReason::as_str),
        "reject_reason": r.reject_reason,
        "reject_fix": r.reject_fix.map(crate::store::RejectFix::as_str),
    });
    if with_holder {
        let holder = store.user(r.user_id).await?;
        value["holder"] = json!({ "login": holder.login, "name": holder.display_name });
    }
    Ok(value)
}

async fn product_name(store: &Store, r: &Request) -> Option<String> {
    match r.product_id {
        Some(id) => store.product(id).await.ok().map(|p| p.name),
        None => match r.target_cert_id {
            // A revocation names the product of the certificate it revokes.
            Some(cert) => {
                let cert = store.certificate(cert).await.ok()?;
                let origin = store.request(cert.request_id).await.ok()?;
                store.product(origin.product_id?).await.ok().map(|p| p.name)
            }
            None => None,
        },
    }
}

/// A certificate as JSON (docs/API.md, `Certificate`).
async fn certificate_json(store: &Store, cert: &Certificate) -> Result<Value> {
    let info = kunci_core::cert::parse(&cert.der)?;
    let origin = store.request(cert.request_id).await?;
    let product = product_name(store, &origin).await;
    let open_renewal = match cert.status {
        CertificateStatus::Good => store.open_renewal_of(cert.id).await?,
        CertificateStatus::Revoked => None,
    };
    let email = info
        .subject_alt_names
        .iter()
        .find_map(|san| san.strip_prefix("email:").map(str::to_owned));
    Ok(json!({
        "id": cert.id,
        "serial": cert.serial_hex,
        "subject": info.subject,
        "email": email,
        "product": product,
        "product_id": origin.product_id,
        "open_renewal": open_renewal.map(|r| json!({
            "id": r.id,
            "status": r.status.as_str(),
            "status_label": r.status.label(),
            "csr_uploaded": r.csr_der.is_some(),
            "token_expires_at": r.token_expires_at,
        })),
        "request_id": cert.request_id,
        "request_date": origin.created_at,
        "not_before": cert.not_before,
        "not_after": cert.not_after,
        "status": match cert.status {
            CertificateStatus::Good => "good",
            CertificateStatus::Revoked => "revoked",
        },
        "revoked_at": cert.revoked_at,
        "revocation_reason": cert.revocation_reason
            .and_then(RevocationReason::from_code)
            .map(RevocationReason::as_str),
        "fingerprint_sha256": info.sha256_fingerprint,
        "key": info.key.map(key_name),
        "pem": kunci_core::pem::encode("CERTIFICATE", &cert.der),
    }))
}

/// Decodes `%XX` escapes (invalid ones stay as they are; invalid UTF-8 becomes U+FFFD).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file download with a safe `Content-Disposition`.
pub(super) fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Result<Response> {
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                disposition("attachment", name)?,
            ),
        ],
        bytes,
    )
        .into_response())
}

fn disposition(kind: &str, name: &str) -> Result<HeaderValue> {
    let name = crate::uploads::clean_file_name(name);
    HeaderValue::from_str(&format!("{kind}; filename=\"{name}\"")).map_err(|_| Error::Internal {
        detail: "a file name that cannot be a header".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::{pdf_name, percent_decode};

    #[test]
    fn documents_are_served_under_a_pdf_name() {
        assert_eq!(pdf_name("Surat 1.pdf"), "Surat 1.pdf");
        assert_eq!(pdf_name("SURAT.PDF"), "SURAT.PDF");
        assert_eq!(pdf_name("index.html"), "index.html.pdf");
        let long = pdf_name(&"a".repeat(300));
        assert_eq!(long.len(), 100);
        assert!(long.ends_with("a.pdf"));
    }

    #[test]
    fn file_names_sent_percent_encoded_are_decoded() {
        assert_eq!(
            percent_decode("Surat%20Rekomendasi.pdf"),
            "Surat Rekomendasi.pdf"
        );
        assert_eq!(percent_decode("caf%C3%A9.pdf"), "café.pdf");
        assert_eq!(percent_decode("100%.pdf"), "100%.pdf");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
