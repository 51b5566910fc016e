//! Accounts and sessions over HTTP: password hashing (argon2id), login with throttling,
//! logout (of one session or everywhere), the session cookie, the administrator's view of
//! lockouts, and the extractors that give a handler its logged-in account
//! ([`Authenticated`]) or refuse a role ([`RequireRole`]).
//!
//! A session is a random 32-byte id (base64url) sent only as an `HttpOnly`, `SameSite=Strict`
//! cookie (`Secure` under TLS); the store keeps its SHA-256. Every login makes a new id and
//! ends the session the request came with, so an id planted before login (session fixation)
//! is never promoted and an old cookie dies. A session ends after `idle_timeout_secs` unused
//! (its last-seen time is written at most once a minute). Wrong password and unknown login
//! give one answer and cost one argon2 verification each (unknown logins verify against a
//! dummy hash), so neither the answer nor its timing tells which logins exist.
//!
//! Throttling (issue 18, finding 1) never walls an account off: failures are counted per
//! (login, client address) and per client address, and only that pair or that address is
//! made to wait (`429 auth.throttled` with `Retry-After`), for a time that doubles with each
//! failure up to a cap. The real user on another address logs in as usual. The client
//! address is the peer's, or behind a configured trusted proxy the right-most
//! `X-Forwarded-For` entry that is not a trusted proxy ([`client_address`]).

use core::fmt;
use core::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
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

use super::{ApiJson, AppState, Throttle, unix_now};
use crate::error::{Error, Result};
use crate::store::{Actor, FailureGroup, Role, Session, UnixTime, User};
use crate::words::Lang;

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
    let idle = state.config.idle_timeout_secs;
    let found = state
        .store
        .live_session(&token, unix_now(), idle, touch_after(idle))
        .await?;
    if let Some((session, user)) = found {
        extensions.insert(Authenticated {
            user,
            session,
            token,
        });
    }
    Ok(())
}

/// How old a session's stored last-seen time may grow before a request writes it again: a
/// minute, or half the idle timeout when that is shorter (so that a short timeout still
/// sees every use that matters).
fn touch_after(idle_timeout_secs: i64) -> i64 {
    (idle_timeout_secs / 2).clamp(0, 60)
}

/// The client's address as throttling counts it. Without a peer address (no socket, as in
/// tests that do not give one) it is `unknown`. When the peer is one of `trusted` proxies,
/// the `X-Forwarded-For` entries (every such header, in order) are read from the right and
/// the first that is not a trusted proxy is the client; an entry that is not an address ends
/// the search at the peer. Without trusted proxies, or from any other peer, the header is
/// ignored: anyone can write it.
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return "unknown".to_owned();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|t| t.to_canonical() == *ip);
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        let Some(ip) = parse_forwarded(entry) else {
            return peer.to_string();
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client.to_string()
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `2001:db8::1`, or with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:5678`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

impl Throttle {
    /// The wait after `failures` failures where `free` are tolerated: none below `free`,
    /// then `base_delay_secs` doubling with each further failure, at most `max_delay_secs`.
    pub fn delay_secs(&self, failures: i64, free: i64) -> i64 {
        if failures < free.max(1) {
            return 0;
        }
        let doublings = u32::try_from(failures - free.max(1))
            .unwrap_or(u32::MAX)
            .min(40);
        self.base_delay_secs
            .max(1)
            .saturating_mul(1_i64 << doublings)
            .min(self.max_delay_secs)
    }

    /// Seconds left to wait at `now` after `failures` (the latest at `last`), 0 when none.
    fn wait(&self, failures: i64, free: i64, last: Option<UnixTime>, now: UnixTime) -> i64 {
        match last {
            Some(last) => (last + self.delay_secs(failures, free) - now).max(0),
            None => 0,
        }
    }
}

/// A login name as a log line may show it: quoted with control characters escaped (no
/// forged lines), at most 64 characters.
fn loggable(login: &str) -> String {
    let short: String = login.chars().take(64).collect();
    format!("{short:?}")
}

/// `429 auth.throttled` with `Retry-After: secs`.
fn throttled(secs: i64) -> Response {
    let mut response = Error::AuthThrottled.into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    response
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

/// `POST /api/login`: checks that this (login, address) pair and this address are not
/// waiting out a delay, then the password, then that the account is enabled; ends the
/// session the request came with, starts a new one and answers with the account and the
/// CSRF token.
pub async fn login(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response> {
    let LoginRequest { login, password } = body;
    let peer = connect.map(|c| c.0.0.ip());
    let address = client_address(peer, &headers, &state.config.trusted_proxies);
    let now = unix_now();
    let limits = state.config.throttle;

    // Checked before the password is looked at (a waiting guesser learns nothing and costs
    // no argon2 run), but only for this pair and this address: failures elsewhere never
    // hold back the right password from here.
    let failures = state
        .store
        .login_failures(&login, &address, now - limits.window_secs)
        .await?;
    let wait = limits
        .wait(
            failures.by_login_address,
            limits.per_login_address,
            failures.last_by_login_address,
            now,
        )
        .max(limits.wait(
            failures.by_address,
            limits.per_address,
            failures.last_by_address,
            now,
        ));
    if wait > 0 {
        return Ok(throttled(wait));
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
            let pair = failures.by_login_address + 1;
            let from_address = failures.by_address + 1;
            let delay = limits
                .delay_secs(pair, limits.per_login_address)
                .max(limits.delay_secs(from_address, limits.per_address));
            if delay > 0 {
                eprintln!(
                    "kunci-ams: login throttled: login {} from {address} waits {delay}s \
                     ({pair} failure(s) of this login from there, {from_address} from there \
                     in all)",
                    loggable(login.trim())
                );
            }
            return Err(Error::AuthFailed);
        }
    };
    if user.disabled {
        return Err(Error::AuthDisabled);
    }
    state
        .store
        .clear_login_failures_from(&user.login, &address)
        .await?;
    // The session this browser had (another account's, or an older one of this account)
    // ends here: one browser, one live session.
    if let Some(old) = cookie_token(&headers) {
        state.store.delete_session(&old).await?;
    }

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
    let cookie = header_value(&cleared_cookie(state.config.tls))?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The `Set-Cookie` value that clears the session cookie.
fn cleared_cookie(secure: bool) -> String {
    let mut clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if secure {
        clear.push_str("; Secure");
    }
    clear
}

/// `POST /api/logout-all`: ends every session of the logged-in account (this one and those
/// in other browsers) and clears the cookie. Answers how many ended.
pub async fn logout_all(State(state): State<AppState>, auth: Authenticated) -> Result<Response> {
    let ended = state
        .store
        .delete_user_sessions(auth.user.id, &Actor::User(auth.user.id))
        .await?;
    let cookie = header_value(&cleared_cookie(state.config.tls))?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(serde_json::json!({ "ended": ended })),
    )
        .into_response())
}

/// `GET /api/admin/lockouts`: the (login, address) pairs and the addresses that failed
/// often enough within the window to be slowed, newest first, with the seconds each must
/// still wait (`retry_after`, 0 when it may try again but one more failure waits longer).
/// An address's entry has `login: null`.
pub async fn lockouts(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> Result<Json<serde_json::Value>> {
    let limits = state.config.throttle;
    let now = unix_now();
    let groups = state
        .store
        .failure_groups(
            now - limits.window_secs,
            limits.per_login_address,
            limits.per_address,
        )
        .await?;
    let entry = |g: &FailureGroup| {
        let free = if g.login.is_some() {
            limits.per_login_address
        } else {
            limits.per_address
        };
        serde_json::json!({
            "login": g.login,
            "address": g.address,
            "failures": g.failures,
            "last_failure_at": g.last_at,
            "retry_after": limits.wait(g.failures, free, Some(g.last_at), now),
        })
    };
    Ok(Json(serde_json::json!({
        "lockouts": groups.iter().map(entry).collect::<Vec<_>>(),
        "window_secs": limits.window_secs,
    })))
}

/// `POST /api/admin/lockouts/clear`'s body: a login, an address, or both (the pair).
#[derive(Deserialize)]
pub struct ClearLockouts {
    /// Forget this login's failures (from every address, or from `address` only).
    #[serde(default)]
    pub login: Option<String>,
    /// Forget this address's failures (for every login, or for `login` only).
    #[serde(default)]
    pub address: Option<String>,
}

/// `POST /api/admin/lockouts/clear`: forgets the failed logins of a login, an address or a
/// (login, address) pair, so that they may try again at once. Answers how many failures
/// were forgotten; logged with the administrator's login.
pub async fn clear_lockouts(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    ApiJson(body): ApiJson<ClearLockouts>,
) -> Result<Json<serde_json::Value>> {
    let login = body
        .login
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let address = body
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if login.is_none() && address.is_none() {
        return Err(Error::BadRequest("name a login, an address, or both"));
    }
    let cleared = state
        .store
        .clear_failures(login, address, &Actor::User(admin.user.id))
        .await?;
    eprintln!(
        "kunci-ams: login failures cleared by {}: login {}, address {}, {cleared} forgotten",
        admin.user.login,
        login.map_or_else(|| "(any)".to_owned(), loggable),
        address.map_or_else(|| "(any)".to_owned(), loggable),
    );
    Ok(Json(serde_json::json!({ "cleared": cleared })))
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
        "lang": auth.user.lang.code(),
        "csrf_token": auth.session.csrf_secret,
        "unread_notices": unread,
        "auto_approve": state.portal.settings.auto_approve,
    })))
}

/// `PUT /api/me/language`'s body.
#[derive(Deserialize)]
pub struct LanguageBody {
    lang: String,
}

/// `PUT /api/me/language`: the language the account reads the portal in, `id` or `en`; its
/// notices and e-mail are written in it from then on. Any other code is `language.unknown`
/// (400) and changes nothing.
pub async fn set_language(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<LanguageBody>,
) -> Result<Json<serde_json::Value>> {
    let lang: Lang = body.lang.parse()?;
    state
        .store
        .set_user_lang(auth.user.id, lang, &Actor::User(auth.user.id))
        .await?;
    Ok(Json(serde_json::json!({ "lang": lang.code() })))
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

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn the_client_address_is_forwarded_only_by_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let from = |peer: &str, xff: &[&str], trusted: &[IpAddr]| {
            client_address(Some(ip(peer)), &forwarded(xff), trusted)
        };
        // Off: the header is ignored.
        assert_eq!(from("10.0.0.1", &["203.0.113.9"], &[]), "10.0.0.1");
        // From a peer that is not a trusted proxy: ignored.
        assert_eq!(from("192.0.2.5", &["203.0.113.9"], &proxies), "192.0.2.5");
        // The right-most entry that is not a trusted proxy, across several headers.
        assert_eq!(from("10.0.0.1", &["203.0.113.9"], &proxies), "203.0.113.9");
        assert_eq!(
            from("10.0.0.1", &["1.2.3.4, 203.0.113.9", "10.0.0.2"], &proxies),
            "203.0.113.9"
        );
        assert_eq!(
            from("10.0.0.1", &["203.0.113.9:4711"], &proxies),
            "203.0.113.9"
        );
        assert_eq!(
            from("10.0.0.1", &["[2001:db8::9]:4711"], &proxies),
            "2001:db8::9"
        );
        assert_eq!(
            from("10.0.0.1", &["::ffff:203.0.113.9"], &proxies),
            "203.0.113.9"
        );
        // Only proxies: the left-most of them; none: the peer; garbage: the peer.
        assert_eq!(from("10.0.0.1", &["10.0.0.2"], &proxies), "10.0.0.2");
        assert_eq!(from("10.0.0.1", &[], &proxies), "10.0.0.1");
        assert_eq!(
            from("10.0.0.1", &["203.0.113.9, unknown"], &proxies),
            "10.0.0.1"
        );
        // A mapped IPv4 peer is the same proxy.
        assert_eq!(
            from("::ffff:10.0.0.1", &["203.0.113.9"], &proxies),
            "203.0.113.9"
        );
        assert_eq!(
            client_address(None, &forwarded(&["1.2.3.4"]), &proxies),
            "unknown"
        );
    }

    #[test]
    fn waits_double_up_to_the_cap_and_log_lines_cannot_be_forged() {
        let t = super::super::Config::default().throttle;
        assert_eq!(t.delay_secs(4, 5), 0);
        assert_eq!(t.delay_secs(5, 5), 2);
        assert_eq!(t.delay_secs(6, 5), 4);
        assert_eq!(t.delay_secs(i64::MAX, 5), 900);
        assert_eq!(t.wait(5, 5, Some(100), 101), 1);
        assert_eq!(t.wait(5, 5, Some(100), 102), 0);
        assert_eq!(t.wait(5, 5, None, 100), 0);
        assert_eq!(
            loggable("root\nkunci-ams: forged"),
            "\"root\\nkunci-ams: forged\""
        );
        assert_eq!(loggable(&"x".repeat(500)).len(), 66);
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
