//! Accounts and sessions over HTTP: password hashing (argon2id), login with throttling,
//! logout, the session cookie, and the extractors that give a handler its logged-in account
//! ([`Authenticated`]) or refuse a role ([`RequireRole`]).
//!
//! A session is a random 32-byte id (base64url) sent only as an `HttpOnly`, `SameSite=Strict`
//! cookie (`Secure` under TLS); the store keeps its SHA-256. Every login makes a new id, so an
//! id planted before login (session fixation) is never promoted. Wrong password and unknown
//! login give one answer and cost one argon2 verification each (unknown logins verify against
//! a dummy hash), so neither the answer nor its timing tells which logins exist.

use core::fmt;
use core::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kunci_core::Password;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{ApiJson, AppState, unix_now};
use crate::error::{Error, Result};
use crate::store::{Role, Session, User};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "kunci_session";

/// The logged-in account of a request, found by the session layer from the cookie.
#[derive(Clone)]
pub struct Authenticated {
    /// The account.
    pub user: User,
    /// Its session (with the CSRF secret).
    pub session: Session,
    /// The cookie's session id, kept to end the session at logout.
    token: Zeroizing<String>,
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticated")
            .field("user", &self.user)
            .field("session", &self.session)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        parts
            .extensions
            .get::<Authenticated>()
            .cloned()
            .ok_or(Error::AuthRequired)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>> {
        Ok(parts.extensions.get::<Authenticated>().cloned())
    }
}

/// A set of roles a route admits, named by a marker type for [`RequireRole`].
pub trait RoleSet: Send + Sync + 'static {
    /// The roles admitted.
    const ROLES: &'static [Role];
}

/// Holders only (their own requests and certificates).
#[derive(Debug)]
pub struct Holder;
/// The registration authority's verifiers, and administrators.
#[derive(Debug)]
pub struct Operator;
/// Administrators only.
#[derive(Debug)]
pub struct Admin;

impl RoleSet for Holder {
    const ROLES: &'static [Role] = &[Role::Holder];
}
impl RoleSet for Operator {
    const ROLES: &'static [Role] = &[Role::Operator, Role::Admin];
}
impl RoleSet for Admin {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Extractor: the logged-in account, if its role is in `R` ([`Error::AuthRequired`] without
/// a session, [`Error::AuthForbidden`] for another role).
#[derive(Debug)]
pub struct RequireRole<R: RoleSet>(pub Authenticated, pub PhantomData<R>);

impl<S: Send + Sync, R: RoleSet> FromRequestParts<S> for RequireRole<R> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let auth = <Authenticated as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        if R::ROLES.contains(&auth.user.role) {
            Ok(RequireRole(auth, PhantomData))
        } else {
            Err(Error::AuthForbidden)
        }
    }
}

/// Hashes `password` into an argon2id PHC string (default parameters, random salt), on a
/// blocking thread: a hash takes tens of milliseconds of CPU.
pub async fn hash_password(password: Password) -> Result<String> {
    blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal {
                detail: format!("hashing a password: {e}"),
            })
    })
    .await?
}

/// Whether `password` matches the PHC string `hash` (on a blocking thread). A hash that does
/// not parse never matches.
pub async fn verify_password(password: Password, hash: String) -> Result<bool> {
    blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let password = password.expose();
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
}

/// 32 random bytes from the operating system, base64url without padding.
pub fn random_token() -> Result<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|e| Error::Internal {
        detail: format!("reading the system's randomness: {e}"),
    })?;
    Ok(URL_SAFE_NO_PAD.encode(bytes.as_ref()))
}

/// The `Set-Cookie` value that hands out session `token`.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let mut cookie = format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// The session id in the request's `Cookie` headers, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<Zeroizing<String>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| Zeroizing::new(value.to_owned()))
        .filter(|value| !value.is_empty())
}

/// Finds the session behind the request's cookie and puts its [`Authenticated`] into the
/// request's extensions (for the extractors and the CSRF check).
pub(super) async fn resolve_session(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &mut Extensions,
) -> Result<()> {
    let Some(token) = cookie_token(headers) else {
        return Ok(());
    };
    if let Some((session, user)) = state.store.session(&token, unix_now()).await? {
        extensions.insert(Authenticated {
            user,
            session,
            token,
        });
    }
    Ok(())
}

/// `POST /api/login`'s body.
#[derive(Deserialize)]
pub struct LoginRequest {
    /// The login name.
    pub login: String,
    /// The password (its `Debug` shows `Password(***)`).
    #[serde(deserialize_with = "super::secret_text")]
    pub password: Password,
}

/// `POST /api/login`: checks throttling, then the password, then that the account is
/// enabled; starts a new session and answers with the account and the CSRF token.
pub async fn login(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response> {
    let LoginRequest { login, password } = body;
    // Behind no proxy the peer's address is the client's; forwarded headers are not trusted
    // (anyone can set them to dodge the per-address count).
    let address = connect.map_or_else(|| "unknown".to_owned(), |c| c.0.0.ip().to_string());
    let now = unix_now();
    let limits = &state.config.throttle;

    // Throttled before the password is looked at: the right password does not lift it.
    let failures = state
        .store
        .login_failures(&login, &address, now - limits.window_secs)
        .await?;
    if failures.by_login >= limits.per_login || failures.by_address >= limits.per_address {
        return Err(Error::AuthThrottled);
    }

    let user = state.store.user_by_login(&login).await?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => dummy_hash().await?,
    };
    let matches = verify_password(password, hash).await?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            state
                .store
                .record_login_failure(&login, &address, now)
                .await?;
            return Err(Error::AuthFailed);
        }
    };
    if user.disabled {
        return Err(Error::AuthDisabled);
    }
    state.store.clear_login_failures(&user.login).await?;

    let token = Zeroizing::new(random_token()?);
    let csrf = random_token()?;
    state
        .store
        .create_session(
            &token,
            user.id,
            &csrf,
            now,
            now + state.config.session_lifetime_secs,
        )
        .await?;
    let cookie = header_value(&session_cookie(&token, state.config.tls))?;
    let body = serde_json::json!({
        "login": user.login,
        "name": user.display_name,
        "role": user.role.as_str(),
        "csrf_token": csrf,
    });
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// `POST /api/logout`: ends the session (if any) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    auth: Option<Authenticated>,
) -> Result<Response> {
    if let Some(auth) = auth {
        state.store.delete_session(&auth.token).await?;
    }
    let mut clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if state.config.tls {
        clear.push_str("; Secure");
    }
    let cookie = header_value(&clear)?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// `GET /api/me`: the logged-in account, its CSRF token (pages read it here after a reload:
/// same-origin only, no CORS is ever answered), its unread notices and whether requests
/// approve themselves.
pub async fn me(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<serde_json::Value>> {
    let unread = state.store.unread_notices(auth.user.id).await?;
    Ok(Json(serde_json::json!({
        "login": auth.user.login,
        "name": auth.user.display_name,
        "role": auth.user.role.as_str(),
        "email": auth.user.email,
        "csrf_token": auth.session.csrf_secret,
        "unread_notices": unread,
        "auto_approve": state.portal.settings.auto_approve,
    })))
}

/// A PHC string of a password nobody knows, made once with the same parameters as real
/// hashes, so that verifying against it costs what verifying a real account costs.
async fn dummy_hash() -> Result<String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let hash = hash_password(Password::from(random_token()?)).await?;
    Ok(DUMMY.get_or_init(|| hash).clone())
}

/// Runs CPU-heavy work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal {
            detail: format!("a password worker failed: {e}"),
        })
}

fn header_value(value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|_| Error::Internal {
        detail: "a cookie that is not a valid header".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; lang=id"));
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("x=2;kunci_session=abc; y=3"),
        );
        assert_eq!(
            cookie_token(&headers).as_deref().map(String::as_str),
            Some("abc")
        );
        let empty =
            HeaderMap::from_iter([(header::COOKIE, HeaderValue::from_static("kunci_session="))]);
        assert!(cookie_token(&empty).is_none());
        assert!(cookie_token(&HeaderMap::new()).is_none());
    }

    #[test]
    fn tokens_are_32_random_bytes_in_base64url() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
