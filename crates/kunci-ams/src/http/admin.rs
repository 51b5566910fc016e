//! The administrator's API (docs/API.md, "Admin"), beside the account list and lockouts in
//! [`super`] and [`super::auth`]: disabling and enabling accounts, granting and withdrawing
//! products, one-time password reset codes, the products with their profiles (read only), and
//! the CA's state. Administrators only, except [`reset_password`] and [`check_reset`], which
//! the account's owner reaches without a session: the code is the credential.
//!
//! A reset never shows the old password (the portal does not know it) and never shows a
//! stored code: the code exists in the answer that makes it and in the link the administrator
//! hands over; the store keeps its SHA-256. The link puts the code in the URL's fragment
//! (`/reset-password.html#code=…`), which browsers never send, so it is in no server log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use der::Decode;
use kunci_core::Password;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{self, Admin, RequireRole};
use super::{ApiJson, ApiPath, AppState, MIN_PASSWORD_CHARS, secret_text, unix_now, user_json};
use crate::error::{Error, Result};
use crate::portal::key_name;
use crate::store::{Id, Role};

/// How long a password reset code works, in seconds (24 hours).
pub const RESET_LIFETIME_SECS: i64 = 24 * 3600;

/// `POST /api/admin/users/{id}/disable`: the account can no longer log in and its sessions
/// end. Never the caller's own account (`admin.self`) nor the last enabled administrator
/// (`admin.last_admin`).
pub async fn disable_user(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    state
        .store
        .set_user_disabled_by_admin(id, true, admin.user.id)
        .await?;
    account_json(&state, id).await.map(Json)
}

/// `POST /api/admin/users/{id}/enable`: the account may log in again.
pub async fn enable_user(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ApiPath(id): ApiPath<Id>,
) -> Result<Json<Value>> {
    state
        .store
        .set_user_disabled_by_admin(id, false, admin.user.id)
        .await?;
    account_json(&state, id).await.map(Json)
}

/// The body of the grant and withdraw routes.
#[derive(Deserialize)]
pub struct GrantBody {
    product_id: Id,
}

/// `POST /api/admin/users/{id}/grant`: the holder may request the product (granting twice
/// changes nothing). Staff accounts get no products (`admin.not_holder`).
pub async fn grant(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<GrantBody>,
) -> Result<Json<Value>> {
    let user = state.store.user(id).await?;
    if user.role != Role::Holder {
        return Err(Error::AdminNotHolder);
    }
    state.store.product(body.product_id).await?;
    state
        .store
        .grant_product(
            id,
            body.product_id,
            unix_now(),
            &crate::store::Actor::User(admin.user.id),
        )
        .await?;
    account_json(&state, id).await.map(Json)
}

/// `POST /api/admin/users/{id}/withdraw`: the holder may no longer request the product
/// (requests already made stay). A grant that does not exist is `store.not_found`.
pub async fn withdraw(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ApiPath(id): ApiPath<Id>,
    ApiJson(body): ApiJson<GrantBody>,
) -> Result<Json<Value>> {
    state.store.user(id).await?;
    state
        .store
        .revoke_product(
            id,
            body.product_id,
            &crate::store::Actor::User(admin.user.id),
        )
        .await?;
    account_json(&state, id).await.map(Json)
}

/// `POST /api/admin/users/{id}/password-reset`: a new one-time code for the account (any
/// older unused one dies), valid [`RESET_LIFETIME_SECS`]. The answer is the only place the
/// code ever appears.
pub async fn create_reset(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ApiPath(id): ApiPath<Id>,
) -> Result<(StatusCode, Json<Value>)> {
    let user = state.store.user(id).await?;
    let code = zeroize::Zeroizing::new(auth::random_token()?);
    let now = unix_now();
    let expires_at = now + RESET_LIFETIME_SECS;
    state
        .store
        .create_password_reset(id, &code, admin.user.id, now, expires_at)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "login": user.login,
            "code": code.as_str(),
            "link": format!("/reset-password.html#code={}", code.as_str()),
            "expires_at": expires_at,
        })),
    ))
}

/// `POST /api/password-reset/check`'s body.
#[derive(Deserialize)]
pub struct CheckResetBody {
    #[serde(deserialize_with = "secret_text")]
    code: Password,
}

/// `POST /api/password-reset/check`: whether the code still works, and for which login (so
/// the page names the account before a password is typed). Nothing changes.
pub async fn check_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CheckResetBody>,
) -> Result<Json<Value>> {
    let reset = state
        .store
        .password_reset(body.code.expose(), unix_now())
        .await?;
    let user = state.store.user(reset.user_id).await?;
    Ok(Json(
        json!({ "login": user.login, "expires_at": reset.expires_at }),
    ))
}

/// `POST /api/password-reset`'s body.
#[derive(Deserialize)]
pub struct ResetBody {
    #[serde(deserialize_with = "secret_text")]
    code: Password,
    #[serde(deserialize_with = "secret_text")]
    password: Password,
}

/// `POST /api/password-reset`: sets the account's new password with a reset code, once. The
/// password meets the portal's rule (at least [`MIN_PASSWORD_CHARS`] characters,
/// `password.too_short`) before the code is used; every session of the account ends.
pub async fn reset_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetBody>,
) -> Result<Json<Value>> {
    // A dead code is refused before anything else, so the page says so at once.
    state
        .store
        .password_reset(body.code.expose(), unix_now())
        .await?;
    if body.password.expose().chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::PasswordTooShort {
            min_chars: MIN_PASSWORD_CHARS,
        });
    }
    let hash = auth::hash_password(body.password).await?;
    let user = state
        .store
        .complete_password_reset(body.code.expose(), &hash, unix_now())
        .await?;
    Ok(Json(json!({ "login": user.login })))
}

/// `GET /api/admin/products`: every product with its profile, read only.
pub async fn products(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> Result<Json<Value>> {
    let mut out = Vec::new();
    for p in state.store.products().await? {
        let profile = state.portal.profile_of(&p.profile).ok();
        out.push(json!({
            "id": p.id,
            "name": p.name,
            "cert_type": p.cert_type,
            "profile": p.profile,
            "allowed_keys": profile.map(|pr| pr.allowed_keys.iter().copied().map(key_name)
                .collect::<Vec<_>>()),
            "validity_days": profile.map(|pr| pr.validity_days),
            "key_usage": profile.map(|pr| &pr.key_usage),
            "extended_key_usage": profile.map(|pr| &pr.extended_key_usage),
            "policy_oid": profile.and_then(|pr| pr.policy_oid.as_ref()),
            "include_email_san": profile.map(|pr| pr.include_email_san),
        }));
    }
    Ok(Json(json!({ "products": out })))
}

/// `GET /api/admin/ca`: the CA's state: the root's and the issuing CA's validity, the
/// current CRL's number and next update, and how many certificates and requests are in each
/// status.
pub async fn ca_state(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> Result<Json<Value>> {
    let authority = &state.portal.authority;
    let cert = |der: &[u8]| -> Result<Value> {
        let info = kunci_core::cert::parse(der)?;
        Ok(json!({
            "subject": info.subject,
            "serial": info.serial,
            "not_before": info.not_before_unix,
            "not_after": info.not_after_unix,
            "key": info.key_algorithm,
        }))
    };
    let crl = crl_state(&state.portal.crl_der(&state.store).await?);
    let (certificates, requests) = state.store.status_counts().await?;
    let counts = |pairs: Vec<(String, i64)>| -> serde_json::Map<String, Value> {
        pairs.into_iter().map(|(k, n)| (k, json!(n))).collect()
    };
    Ok(Json(json!({
        "now": unix_now(),
        "root": cert(authority.root_cert_der())?,
        "issuing": cert(authority.issuing_cert_der())?,
        "crl": crl,
        "certificates": counts(certificates),
        "requests": counts(requests),
    })))
}

/// The account `id` as the admin page lists it.
async fn account_json(state: &AppState, id: Id) -> Result<Value> {
    let user = state.store.user(id).await?;
    let mut value = user_json(&user);
    value["products"] = json!(
        state
            .store
            .granted_products(id)
            .await?
            .iter()
            .map(|p| json!({ "id": p.id, "name": p.name }))
            .collect::<Vec<_>>()
    );
    Ok(value)
}

/// Every account as the admin page lists it.
pub(super) async fn accounts_json(state: &AppState) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for user in state.store.users().await? {
        out.push(account_json(state, user.id).await?);
    }
    Ok(out)
}

/// The CRL's number and update times (`null`s for a CRL that cannot be read, which the
/// portal never serves).
fn crl_state(der: &[u8]) -> Value {
    let Ok(crl) = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
    else {
        return json!({ "number": null, "this_update": null, "next_update": null });
    };
    let tbs = &crl.tbs_cert_list;
    let number = tbs.crl_extensions.iter().flatten().find_map(|e| {
        (e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_NUMBER)
            .then(|| der::asn1::UintRef::from_der(e.extn_value.as_bytes()).ok())
            .flatten()
            .map(|n| {
                n.as_bytes().iter().fold(0u64, |acc, b| {
                    acc.saturating_mul(256).saturating_add(u64::from(*b))
                })
            })
    });
    let secs = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs();
    json!({
        "number": number,
        "this_update": secs(&tbs.this_update),
        "next_update": tbs.next_update.as_ref().map(secs),
        "revoked": tbs.revoked_certificates.as_ref().map_or(0, Vec::len),
    })
}
