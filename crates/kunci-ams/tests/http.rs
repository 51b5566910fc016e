//! The HTTP application driven through `tower::ServiceExt::oneshot`, no socket: login and
//! its cookie, session fixation, throttling, logout, CSRF and origin checks, the role guard,
//! security headers, body limits and error bodies; and the binary's `user` commands.
//!
//! Every test opens a fresh SQLite file in its own temporary folder.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use kunci_ams::http::{Config, auth};
use kunci_ams::store::{Actor, NewUser, Role};
use kunci_core::Password;
use serde_json::{Value, json};

const ORIGIN: &str = "http://127.0.0.1:8080";

mod support;

use support::{PASSWORD, TestApp, json_request, with_cookie, with_session};

impl TestApp {
    /// Stores an account `login` with `role` and the test password.
    async fn add_account(&self, login: &str, role: Role) {
        let hash = auth::hash_password(Password::from(PASSWORD)).await.unwrap();
        let new = NewUser {
            login: login.into(),
            display_name: format!("User {login}"),
            email: format!("{login}@example.go.id"),
            role: Some(role),
            password_hash: hash,
            ..NewUser::default()
        };
        self.state
            .store
            .create_user(&new, 1_767_225_600)
            .await
            .unwrap();
    }

    async fn logins(&self) -> Vec<String> {
        let users = self.state.store.users().await.unwrap();
        users.into_iter().map(|u| u.login).collect()
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::builder().uri(uri).body(Body::empty()).unwrap()
}

fn set_cookie(headers: &HeaderMap) -> String {
    headers
        .get(header::SET_COOKIE)
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .to_owned()
}

fn cookie_value(headers: &HeaderMap) -> String {
    support::session_id(&set_cookie(headers))
}

fn new_user_body(login: &str) -> Value {
    json!({"login": login, "name": "Siti Aminah", "role": "holder", "password": PASSWORD})
}

#[tokio::test]
async fn login_sets_a_strict_httponly_cookie_without_secure_on_plain_http() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    let answer = app.login_answer("Budi", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    let token = cookie_value(&answer.headers);
    // 32 random bytes, base64url without padding.
    assert_eq!(token.len(), 43, "{token}");
    assert_eq!(
        set_cookie(&answer.headers),
        format!("kunci_session={token}; HttpOnly; SameSite=Strict; Path=/")
    );
    assert_eq!(answer.body["login"], "budi");
    assert_eq!(answer.body["role"], "holder");
    assert_eq!(answer.body["csrf_token"].as_str().unwrap().len(), 43);
    assert!(
        !answer
            .headers
            .contains_key(header::STRICT_TRANSPORT_SECURITY)
    );
}

#[tokio::test]
async fn login_under_tls_sets_a_secure_cookie_and_hsts() {
    let app = TestApp::with_config(Config {
        tls: true,
        ..Config::default()
    })
    .await;
    app.add_account("budi", Role::Holder).await;
    let answer = app.login_answer("budi", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    let token = cookie_value(&answer.headers);
    assert_eq!(
        set_cookie(&answer.headers),
        format!("kunci_session={token}; HttpOnly; SameSite=Strict; Path=/; Secure")
    );
    assert!(
        answer.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}

#[tokio::test]
async fn every_login_gets_a_new_session_id_and_a_planted_one_is_never_used() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    let first = app.login("budi").await;
    // An attacker plants a cookie before the victim logs in (session fixation).
    let planted = "planted-by-an-attacker";
    let request = with_cookie(
        json_request(
            Method::POST,
            "/api/login",
            &json!({"login": "budi", "password": PASSWORD}),
        ),
        planted,
        None,
    );
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    let second = cookie_value(&answer.headers);
    assert_ne!(second, planted);
    assert_ne!(second, first.cookie);
    let me = app.send(with_cookie(get("/api/me"), planted, None)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.code(), "auth.required");
    let me = app.send(with_cookie(get("/api/me"), &second, None)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["login"], "budi");
    assert_eq!(me.body["role"], "holder");
    // The CSRF token /api/me hands out is the second session's, not the first's.
    assert_eq!(me.body["csrf_token"].as_str().unwrap().len(), 43);
}

#[tokio::test]
async fn wrong_password_and_unknown_login_get_the_same_401() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    let wrong = app.login_answer("budi", "not-the-password").await;
    let unknown = app.login_answer("nobody", PASSWORD).await;
    for answer in [&wrong, &unknown] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.code(), "auth.failed");
        assert!(!answer.headers.contains_key(header::SET_COOKIE));
    }
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn me_without_a_session_is_401_auth_required() {
    let app = TestApp::new().await;
    let answer = app.send(get("/api/me")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.code(), "auth.required");
}

#[tokio::test]
async fn login_is_throttled_after_five_failures_even_with_the_right_password() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    for _ in 0..5 {
        let answer = app.login_answer("budi", "guess").await;
        assert_eq!(answer.code(), "auth.failed");
    }
    let answer = app.login_answer("BUDI", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.code(), "auth.throttled");
    assert!(!answer.headers.contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn login_is_throttled_per_address_across_logins() {
    let mut config = Config::default();
    config.throttle.per_address = 3;
    let app = TestApp::with_config(config).await;
    app.add_account("budi", Role::Holder).await;
    let from = |login: &str, password: &str, ip: [u8; 4]| {
        let mut request = json_request(
            Method::POST,
            "/api/login",
            &json!({"login": login, "password": password}),
        );
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
        request
    };
    for login in ["a", "b", "c"] {
        let answer = app.send(from(login, "guess", [10, 0, 0, 9])).await;
        assert_eq!(answer.code(), "auth.failed");
    }
    let answer = app.send(from("budi", PASSWORD, [10, 0, 0, 9])).await;
    assert_eq!(answer.code(), "auth.throttled");
    // Another address is not held back by that one's failures.
    let answer = app.send(from("budi", PASSWORD, [10, 0, 0, 7])).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    let user = app
        .state
        .store
        .user_by_login("budi")
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .set_user_disabled(user.id, true, &Actor::Cli)
        .await
        .unwrap();
    let answer = app.login_answer("budi", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "auth.disabled");
    assert!(!answer.headers.contains_key(header::SET_COOKIE));
    // With a wrong password it is the usual answer: nothing learnt about the account.
    let answer = app.login_answer("budi", "guess").await;
    assert_eq!(answer.code(), "auth.failed");
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    let login = app.login("budi").await;
    let out = Request::builder()
        .method(Method::POST)
        .uri("/api/logout")
        .body(Body::empty())
        .unwrap();
    let answer = app.send(with_session(out, &login, Some(&login.csrf))).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(set_cookie(&answer.headers).contains("Max-Age=0"));
    let me = app.send(with_session(get("/api/me"), &login, None)).await;
    assert_eq!(me.code(), "auth.required");
}

#[tokio::test]
async fn missing_or_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    app.add_account("admin", Role::Admin).await;
    let login = app.login("admin").await;
    let before = app.logins().await;

    let request = json_request(Method::POST, "/api/admin/users", &new_user_body("siti"));
    let answer = app.send(with_session(request, &login, None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "csrf.missing");

    let mut wrong = login.csrf.clone();
    wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
    let request = json_request(Method::POST, "/api/admin/users", &new_user_body("siti"));
    let answer = app.send(with_session(request, &login, Some(&wrong))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "csrf.mismatch");
    assert_eq!(app.logins().await, before);

    // Logout is state-changing too: without the token the session lives on.
    let out = Request::builder()
        .method(Method::POST)
        .uri("/api/logout")
        .body(Body::empty())
        .unwrap();
    let answer = app.send(with_session(out, &login, None)).await;
    assert_eq!(answer.code(), "csrf.missing");
    let me = app.send(with_session(get("/api/me"), &login, None)).await;
    assert_eq!(me.status, StatusCode::OK);

    // Every state-changing method is checked, before routing decides anything.
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let request = json_request(method.clone(), "/api/admin/users", &json!({}));
        let answer = app.send(with_session(request, &login, None)).await;
        assert_eq!(answer.code(), "csrf.missing", "{method}");
    }

    let request = json_request(Method::POST, "/api/admin/users", &new_user_body("siti"));
    let answer = app
        .send(with_session(request, &login, Some(&login.csrf)))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert!(app.logins().await.contains(&"siti".to_owned()));
}

#[tokio::test]
async fn a_foreign_origin_is_refused_even_with_the_right_token() {
    let app = TestApp::new().await;
    app.add_account("admin", Role::Admin).await;
    let login = app.login("admin").await;
    let before = app.logins().await;
    for origin in ["https://evil.example", "null", "http://127.0.0.1:8081"] {
        let mut request = json_request(Method::POST, "/api/admin/users", &new_user_body("x"));
        request
            .headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        let answer = app
            .send(with_session(request, &login, Some(&login.csrf)))
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(answer.code(), "csrf.origin");
    }
    assert_eq!(app.logins().await, before);

    // A cross-site login (login CSRF) is refused too.
    let mut request = json_request(
        Method::POST,
        "/api/login",
        &json!({"login": "admin", "password": PASSWORD}),
    );
    request
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let answer = app.send(request).await;
    assert_eq!(answer.code(), "csrf.origin");

    // The portal's own origin passes.
    let mut request = json_request(Method::POST, "/api/admin/users", &new_user_body("x"));
    request
        .headers_mut()
        .insert(header::ORIGIN, ORIGIN.parse().unwrap());
    let answer = app
        .send(with_session(request, &login, Some(&login.csrf)))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
}

#[tokio::test]
async fn admin_routes_admit_admins_only() {
    let app = TestApp::new().await;
    app.add_account("holder", Role::Holder).await;
    app.add_account("operator", Role::Operator).await;
    app.add_account("admin", Role::Admin).await;
    for (who, ok) in [("holder", false), ("operator", false), ("admin", true)] {
        let login = app.login(who).await;
        let list = app
            .send(with_session(get("/api/admin/users"), &login, None))
            .await;
        let body = new_user_body(&format!("new-{who}"));
        let create = app
            .send(with_session(
                json_request(Method::POST, "/api/admin/users", &body),
                &login,
                Some(&login.csrf),
            ))
            .await;
        if ok {
            assert_eq!(list.status, StatusCode::OK);
            let listed = list.body["users"].as_array().unwrap();
            assert_eq!(listed.len(), 3);
            assert!(list.body.to_string().find("argon2").is_none());
            assert_eq!(create.status, StatusCode::CREATED);
            assert_eq!(create.body["login"], "new-admin");
        } else {
            for answer in [&list, &create] {
                assert_eq!(answer.status, StatusCode::FORBIDDEN, "{who}");
                assert_eq!(answer.code(), "auth.forbidden");
            }
        }
    }
    // Without a session: 401, not 403.
    let answer = app.send(get("/api/admin/users")).await;
    assert_eq!(answer.code(), "auth.required");
    let mut logins = app.logins().await;
    logins.sort();
    assert_eq!(logins, ["admin", "holder", "new-admin", "operator"]);
}

#[tokio::test]
async fn a_new_account_can_log_in_with_its_password() {
    let app = TestApp::new().await;
    app.add_account("admin", Role::Admin).await;
    let admin = app.login("admin").await;
    let body = json!({"login": "Siti", "name": "Siti Aminah", "role": "operator",
        "password": "sebelas-kata", "email": "siti@example.go.id"});
    let answer = app
        .send(with_session(
            json_request(Method::POST, "/api/admin/users", &body),
            &admin,
            Some(&admin.csrf),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let stored = app
        .state
        .store
        .user_by_login("siti")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "{}",
        stored.password_hash
    );
    let answer = app.login_answer("siti", "sebelas-kata").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["role"], "operator");

    // Taken login → 409; a short password or an unknown role → 400; nothing more stored.
    let count = app.logins().await.len();
    for (body, status, code) in [
        (
            new_user_body("siti"),
            StatusCode::CONFLICT,
            "store.conflict",
        ),
        (
            json!({"login": "x", "name": "X", "role": "holder", "password": "short"}),
            StatusCode::BAD_REQUEST,
            "http.bad_request",
        ),
        (
            json!({"login": "x", "name": "X", "role": "root", "password": PASSWORD}),
            StatusCode::BAD_REQUEST,
            "http.bad_request",
        ),
    ] {
        let answer = app
            .send(with_session(
                json_request(Method::POST, "/api/admin/users", &body),
                &admin,
                Some(&admin.csrf),
            ))
            .await;
        assert_eq!(answer.status, status, "{body}");
        assert_eq!(answer.code(), code);
    }
    assert_eq!(app.logins().await.len(), count);
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::new().await;
    let ok = app.send(get("/")).await;
    assert_eq!(ok.status, StatusCode::OK);
    let missing = app.send(get("/no/such/page")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "http.not_found");
    let error = app.send(get("/api/me")).await;
    assert_eq!(error.status, StatusCode::UNAUTHORIZED);
    for answer in [&ok, &missing, &error] {
        let h = &answer.headers;
        assert_eq!(
            h[header::CONTENT_SECURITY_POLICY],
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        );
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin");
        assert!(!h.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
}

#[tokio::test]
async fn an_oversized_body_is_413_with_a_code() {
    let app = TestApp::new().await;
    let huge = "a".repeat(2 * 1024 * 1024);
    let answer = app
        .send(json_request(
            Method::POST,
            "/api/login",
            &json!({"login": huge, "password": "x"}),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.code(), "http.too_large");
    assert!(answer.headers.contains_key(header::CONTENT_SECURITY_POLICY));
}

#[tokio::test]
async fn malformed_json_is_400_and_never_echoed() {
    let app = TestApp::new().await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"login": "budi", "password": 12345678901}"#))
        .unwrap();
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.code(), "http.bad_request");
    assert!(!answer.body.to_string().contains("12345678901"));
}

#[tokio::test]
async fn a_database_failure_never_shows_the_database_text() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    let login = app.login("budi").await;
    app.state.store.close().await;
    for request in [
        with_session(get("/api/me"), &login, None),
        json_request(
            Method::POST,
            "/api/login",
            &json!({"login": "budi", "password": PASSWORD}),
        ),
    ] {
        let answer = app.send(request).await;
        assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(answer.code(), "store.unavailable");
        let text = answer.body.to_string().to_lowercase();
        for leak in ["pool", "closed", "sqlite", "session", "kunci.db"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
        assert!(answer.headers.contains_key(header::CONTENT_SECURITY_POLICY));
    }
}

#[test]
fn the_binary_adds_lists_and_disables_users_with_a_password_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/kunci.db?mode=rwc", dir.path().display());
    let password_file = dir.path().join("password.txt");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let bin = env!("CARGO_BIN_EXE_kunci-ams");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .args(["--database-url", &url])
            .env_remove("KUNCI_AMS_PASSWORD")
            .env_remove("KUNCI_AMS_DATABASE_URL")
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
        (out.status.success(), stdout, stderr)
    };
    let pw = password_file.to_str().unwrap();
    let (ok, _, err) = run(&[
        "user",
        "add",
        "--login",
        "Siti",
        "--name",
        "Siti Aminah",
        "--role",
        "operator",
        "--email",
        "siti@example.go.id",
        "--password-file",
        pw,
    ]);
    assert!(ok, "{err}");
    // No password given: refused, nothing made.
    let (ok, _, err) = run(&[
        "user", "add", "--login", "budi", "--name", "Budi", "--role", "holder",
    ]);
    assert!(!ok);
    assert!(err.contains("http.bad_request"), "{err}");
    let (ok, out, err) = run(&["user", "list"]);
    assert!(ok, "{err}");
    assert_eq!(out, "siti\toperator\tactive\tSiti Aminah\n");
    let (ok, _, err) = run(&["user", "disable", "siti"]);
    assert!(ok, "{err}");
    let (_, out, _) = run(&["user", "list"]);
    assert_eq!(out, "siti\toperator\tdisabled\tSiti Aminah\n");
    let (ok, _, err) = run(&["user", "disable", "nobody"]);
    assert!(!ok);
    assert!(err.contains("store.not_found"), "{err}");
}

#[tokio::test]
async fn an_unknown_login_costs_a_password_verification_too() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    // Warm the dummy hash, made once per process.
    app.login_answer("nobody", PASSWORD).await;
    let time = |login: &'static str| {
        let app = &app;
        async move {
            let start = std::time::Instant::now();
            for _ in 0..2 {
                let answer = app.login_answer(login, "guess").await;
                assert_eq!(answer.code(), "auth.failed");
            }
            start.elapsed()
        }
    };
    let known = time("budi").await;
    let unknown = time("nobody").await;
    // Very loose on purpose, so that parallel tests on two cores cannot make it flaky:
    // skipping argon2 for unknown logins would make them ~100 times faster, which this catches.
    assert!(
        unknown * 20 > known,
        "unknown {unknown:?} against known {known:?}"
    );
}

// ---- issue 18, finding 1: failed logins slow their own (login, address), never lock out ----

/// `POST /api/login` for `login` from the peer `ip`, with `forwarded` as `X-Forwarded-For`.
fn login_from(login: &str, password: &str, ip: &str, forwarded: Option<&str>) -> Request<Body> {
    let mut request = json_request(
        Method::POST,
        "/api/login",
        &json!({"login": login, "password": password}),
    );
    let peer: std::net::IpAddr = ip.parse().unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    if let Some(forwarded) = forwarded {
        request
            .headers_mut()
            .insert("x-forwarded-for", forwarded.parse().unwrap());
    }
    request
}

/// The `Retry-After` seconds of a throttled answer (asserting it is one).
#[track_caller]
fn retry_after(answer: &support::Answer) -> i64 {
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::TOO_MANY_REQUESTS, "auth.throttled"),
        "{}",
        answer.body
    );
    answer.header(header::RETRY_AFTER).parse().unwrap()
}

const ATTACKER: &str = "203.0.113.9";
const REAL_USER: &str = "198.51.100.7";

/// The default throttling with a first wait of a minute, so that a slow test machine never
/// sees a wait end midway.
fn patient() -> Config {
    let mut config = Config::default();
    config.throttle.base_delay_secs = 60;
    config
}

#[tokio::test]
async fn a_locked_out_attackers_address_does_not_stop_the_right_password_from_another() {
    let app = TestApp::with_config(patient()).await;
    app.add_account("root", Role::Admin).await;
    // The attack of the finding: wrong passwords for the administrator, with no account.
    let mut throttled = 0;
    for _ in 0..10 {
        let answer = app
            .send(login_from("root", "tebakan", ATTACKER, None))
            .await;
        match answer.code() {
            "auth.failed" => {}
            _ => {
                assert!(retry_after(&answer) >= 1);
                throttled += 1;
            }
        }
    }
    assert!(throttled >= 5, "the attacker's address was never slowed");
    // The administrator, elsewhere, logs in as if nothing happened (before: 429 for 15 min).
    let answer = app
        .send(login_from("root", PASSWORD, REAL_USER, None))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.headers.contains_key(header::SET_COOKIE));
    // The attacker's own address still waits, whatever password it sends next.
    let answer = app.send(login_from("root", PASSWORD, ATTACKER, None)).await;
    assert!(retry_after(&answer) >= 1);
    assert!(!answer.headers.contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn a_stampede_of_failures_does_not_stop_the_logins_of_other_accounts() {
    let app = TestApp::with_config(patient()).await;
    app.add_account("root", Role::Admin).await;
    app.add_account("budi", Role::Holder).await;
    app.add_account("siti", Role::Operator).await;
    let mut failed = 0;
    let mut throttled = 0;
    for i in 0..200 {
        let login = if i % 2 == 0 {
            format!("tamu{i}")
        } else {
            "root".to_owned()
        };
        let answer = app
            .send(login_from(&login, "tebakan", ATTACKER, None))
            .await;
        match answer.code() {
            "auth.failed" => failed += 1,
            _ => {
                assert!(retry_after(&answer) >= 1);
                throttled += 1;
            }
        }
    }
    // Only the first 20 failures (the address's allowance) cost a password check; the rest
    // of the stampede waits.
    assert_eq!(failed, 20);
    assert_eq!(failed + throttled, 200);
    for login in ["root", "budi", "siti"] {
        let answer = app.send(login_from(login, PASSWORD, REAL_USER, None)).await;
        assert_eq!(answer.status, StatusCode::OK, "{login}: {}", answer.body);
    }
    // Without an address at all (no socket: the one "unknown" address) too.
    app.login("budi").await;
    // The attacker's address waits, for every login, right password or not.
    let answer = app.send(login_from("budi", PASSWORD, ATTACKER, None)).await;
    assert!(retry_after(&answer) >= 1);
}

#[tokio::test]
async fn the_attackers_own_address_waits_a_delay_that_grows_and_then_may_try_again() {
    let mut config = Config::default();
    config.throttle.per_login_address = 2;
    let app = TestApp::with_config(config.clone()).await;
    app.add_account("budi", Role::Holder).await;
    for _ in 0..2 {
        let answer = app
            .send(login_from("budi", "tebakan", ATTACKER, None))
            .await;
        assert_eq!(answer.code(), "auth.failed");
    }
    let answer = app.send(login_from("budi", PASSWORD, ATTACKER, None)).await;
    assert!((1..=2).contains(&retry_after(&answer)));
    // A delay, not a wall: once waited out, the right password works from there too.
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let answer = app.send(login_from("budi", PASSWORD, ATTACKER, None)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // Each further failure doubles the wait, up to the cap.
    let t = config.throttle;
    let waits: Vec<i64> = (1..=14).map(|n| t.delay_secs(n, 5)).collect();
    assert_eq!(waits, [0, 0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
    assert_eq!(t.delay_secs(1_000_000, 5), 900);
    assert_eq!(Config::default().throttle.max_delay_secs, 900);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_client_is_the_forwarded_address_and_the_header_is_ignored_otherwise()
 {
    const PROXY: &str = "10.0.0.1";
    let mut config = patient();
    config.throttle.per_address = 3;
    config.throttle.per_login_address = 100;

    // Off (the default): a forged X-Forwarded-For does not dodge the per-address count.
    let app = TestApp::with_config(config.clone()).await;
    app.add_account("budi", Role::Holder).await;
    for (i, login) in ["a", "b", "c"].into_iter().enumerate() {
        let forged = format!("192.0.2.{i}");
        let answer = app
            .send(login_from(login, "tebakan", ATTACKER, Some(&forged)))
            .await;
        assert_eq!(answer.code(), "auth.failed");
    }
    let answer = app
        .send(login_from("budi", PASSWORD, ATTACKER, Some("192.0.2.200")))
        .await;
    assert!(retry_after(&answer) >= 1);
    // Nor does a forged header from a peer that is not a trusted proxy, once it is on.
    config.trusted_proxies = vec![PROXY.parse().unwrap()];
    let app = TestApp::with_config(config).await;
    app.add_account("budi", Role::Holder).await;
    app.add_account("siti", Role::Operator).await;
    for login in ["a", "b", "c"] {
        let answer = app
            .send(login_from(login, "tebakan", ATTACKER, Some("192.0.2.1")))
            .await;
        assert_eq!(answer.code(), "auth.failed");
    }
    let answer = app
        .send(login_from("budi", PASSWORD, ATTACKER, Some("192.0.2.1")))
        .await;
    assert!(retry_after(&answer) >= 1);

    // On: everyone comes from the proxy; each is counted by the address it forwards, the
    // right-most one it did not add itself. A forged entry on the left changes nothing.
    for (login, forwarded) in [
        ("a", "198.18.0.5"),
        ("b", "198.18.0.5, 10.0.0.1"),
        ("c", "192.0.2.99, 198.18.0.5"),
    ] {
        let answer = app
            .send(login_from(login, "tebakan", PROXY, Some(forwarded)))
            .await;
        assert_eq!(answer.code(), "auth.failed");
    }
    let answer = app
        .send(login_from("budi", PASSWORD, PROXY, Some("198.18.0.5")))
        .await;
    assert!(retry_after(&answer) >= 1);
    let answer = app
        .send(login_from(
            "budi",
            PASSWORD,
            PROXY,
            Some("192.0.2.7, 198.18.0.5"),
        ))
        .await;
    assert!(retry_after(&answer) >= 1);
    // The other holders behind the same proxy are not held back.
    for (login, forwarded) in [("budi", "198.51.100.7"), ("siti", "2001:db8::7")] {
        let answer = app
            .send(login_from(login, PASSWORD, PROXY, Some(forwarded)))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{login}: {}", answer.body);
    }
    // The administrator's list names the forwarded address, not the proxy.
    let lockouts = app.state.store.failure_groups(0, 100, 3).await.unwrap();
    let addresses: Vec<&str> = lockouts.iter().map(|g| g.address.as_str()).collect();
    assert_eq!(addresses, ["198.18.0.5", ATTACKER]);
}

#[tokio::test]
async fn admins_see_and_clear_lockouts_and_no_other_role_may() {
    let app = TestApp::with_config(patient()).await;
    app.add_account("root", Role::Admin).await;
    app.add_account("siti", Role::Operator).await;
    app.add_account("budi", Role::Holder).await;
    let admin = app.login("root").await;
    let operator = app.login("siti").await;
    let holder = app.login("budi").await;
    for _ in 0..5 {
        let answer = app
            .send(login_from("budi", "tebakan", ATTACKER, None))
            .await;
        assert_eq!(answer.code(), "auth.failed");
    }
    let answer = app.send(login_from("budi", PASSWORD, ATTACKER, None)).await;
    assert!(retry_after(&answer) >= 1);

    let list = app
        .send(with_session(get("/api/admin/lockouts"), &admin, None))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let entries = list.body["lockouts"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{}", list.body);
    assert_eq!(entries[0]["login"], "budi");
    assert_eq!(entries[0]["address"], ATTACKER);
    assert_eq!(entries[0]["failures"], 5);
    assert!(entries[0]["retry_after"].as_i64().unwrap() >= 1);
    assert!(!list.body.to_string().contains("tebakan"));

    let clear = |s: &support::Session, csrf: Option<&str>, body: Value| {
        with_session(
            json_request(Method::POST, "/api/admin/lockouts/clear", &body),
            s,
            csrf,
        )
    };
    // Other roles, and no session: refused, nothing cleared.
    for s in [&operator, &holder] {
        let answer = app
            .send(with_session(get("/api/admin/lockouts"), s, None))
            .await;
        assert_eq!(answer.code(), "auth.forbidden");
        let answer = app
            .send(clear(s, Some(&s.csrf), json!({"login": "budi"})))
            .await;
        assert_eq!(answer.code(), "auth.forbidden");
    }
    let answer = app.send(get("/api/admin/lockouts")).await;
    assert_eq!(answer.code(), "auth.required");
    // CSRF like every state-changing route.
    let answer = app
        .send(clear(&admin, None, json!({"login": "budi"})))
        .await;
    assert_eq!(answer.code(), "csrf.missing");
    let answer = app.send(clear(&admin, Some(&admin.csrf), json!({}))).await;
    assert_eq!(answer.code(), "http.bad_request");
    let answer = app.send(login_from("budi", PASSWORD, ATTACKER, None)).await;
    assert!(
        retry_after(&answer) >= 1,
        "a refused clear cleared something"
    );

    let answer = app
        .send(clear(
            &admin,
            Some(&admin.csrf),
            json!({"login": "BUDI", "address": ATTACKER}),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["cleared"], 5);
    let list = app
        .send(with_session(get("/api/admin/lockouts"), &admin, None))
        .await;
    assert_eq!(list.body["lockouts"], json!([]));
    let answer = app.send(login_from("budi", PASSWORD, ATTACKER, None)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

// ---- issue 18, finding 3: sessions end at a new login, everywhere, when idle, on a new password

#[tokio::test]
async fn a_new_login_ends_the_session_the_browser_came_with() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    app.add_account("siti", Role::Operator).await;
    let old = app.login("budi").await;
    let other = app.login("budi").await;
    let again = with_cookie(
        json_request(
            Method::POST,
            "/api/login",
            &json!({"login": "budi", "password": PASSWORD}),
        ),
        &old.cookie,
        None,
    );
    let answer = app.send(again).await;
    assert_eq!(answer.status, StatusCode::OK);
    let new = cookie_value(&answer.headers);
    let me = app
        .send(with_cookie(get("/api/me"), &old.cookie, None))
        .await;
    assert_eq!(
        (me.status, me.code()),
        (StatusCode::UNAUTHORIZED, "auth.required")
    );
    let me = app.send(with_cookie(get("/api/me"), &new, None)).await;
    assert_eq!(me.status, StatusCode::OK);
    // Another browser's session is another matter (log out everywhere ends it).
    let me = app.send(with_session(get("/api/me"), &other, None)).await;
    assert_eq!(me.status, StatusCode::OK);
    // Logging in as someone else from this browser ends budi's session here too.
    let switch = with_cookie(
        json_request(
            Method::POST,
            "/api/login",
            &json!({"login": "siti", "password": PASSWORD}),
        ),
        &new,
        None,
    );
    assert_eq!(app.send(switch).await.status, StatusCode::OK);
    let me = app.send(with_cookie(get("/api/me"), &new, None)).await;
    assert_eq!(me.code(), "auth.required");
    // A failed login leaves the session it came with alone.
    let wrong = with_session(
        json_request(
            Method::POST,
            "/api/login",
            &json!({"login": "budi", "password": "tebakan"}),
        ),
        &other,
        None,
    );
    assert_eq!(app.send(wrong).await.code(), "auth.failed");
    let me = app.send(with_session(get("/api/me"), &other, None)).await;
    assert_eq!(me.status, StatusCode::OK);
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_account_and_no_other() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    app.add_account("siti", Role::Operator).await;
    let laptop = app.login("budi").await;
    let phone = app.login("budi").await;
    let stolen = app.login("budi").await;
    let siti = app.login("siti").await;
    let everywhere = || {
        Request::builder()
            .method(Method::POST)
            .uri("/api/logout-all")
            .body(Body::empty())
            .unwrap()
    };
    // State-changing: without the token nothing ends.
    let answer = app.send(with_session(everywhere(), &laptop, None)).await;
    assert_eq!(answer.code(), "csrf.missing");
    let answer = app.send(everywhere()).await;
    assert_eq!(answer.code(), "auth.required");
    let answer = app
        .send(with_session(everywhere(), &laptop, Some(&laptop.csrf)))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["ended"], 3);
    assert!(set_cookie(&answer.headers).contains("Max-Age=0"));
    for s in [&laptop, &phone, &stolen] {
        let me = app.send(with_session(get("/api/me"), s, None)).await;
        assert_eq!(me.code(), "auth.required");
    }
    let me = app.send(with_session(get("/api/me"), &siti, None)).await;
    assert_eq!(me.status, StatusCode::OK);
    // Staff may too.
    let answer = app
        .send(with_session(everywhere(), &siti, Some(&siti.csrf)))
        .await;
    assert_eq!(answer.body["ended"], 1);
}

#[tokio::test]
async fn an_idle_session_is_refused_and_deleted() {
    let config = Config {
        idle_timeout_secs: 2,
        ..Config::default()
    };
    let app = TestApp::with_config(config).await;
    app.add_account("budi", Role::Holder).await;
    let s = app.login("budi").await;
    let me = app.send(with_session(get("/api/me"), &s, None)).await;
    assert_eq!(me.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(3300)).await;
    let me = app.send(with_session(get("/api/me"), &s, None)).await;
    assert_eq!(
        (me.status, me.code()),
        (StatusCode::UNAUTHORIZED, "auth.required")
    );
    // Deleted, not only refused: even a lookup without the idle rule finds nothing.
    let found = app
        .state
        .store
        .session(&s.cookie, kunci_ams::http::unix_now())
        .await
        .unwrap();
    assert!(found.is_none());
    assert_eq!(Config::default().idle_timeout_secs, 30 * 60);
}

#[tokio::test]
async fn a_password_reset_ends_every_session_of_the_account() {
    let app = TestApp::new().await;
    app.add_account("budi", Role::Holder).await;
    app.add_account("siti", Role::Operator).await;
    let one = app.login("budi").await;
    let two = app.login("budi").await;
    let siti = app.login("siti").await;
    let hash = auth::hash_password(Password::from("kata-sandi-baru-9"))
        .await
        .unwrap();
    app.state
        .store
        .set_password_hash(one.user.id, &hash, &Actor::Cli)
        .await
        .unwrap();
    for s in [&one, &two] {
        let me = app.send(with_session(get("/api/me"), s, None)).await;
        assert_eq!(me.code(), "auth.required");
    }
    let me = app.send(with_session(get("/api/me"), &siti, None)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(
        app.login_answer("budi", PASSWORD).await.code(),
        "auth.failed"
    );
    let answer = app.login_answer("budi", "kata-sandi-baru-9").await;
    assert_eq!(answer.status, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Static files and every 404 and 405 as JSON (issue 18, finding 7)
// ---------------------------------------------------------------------------------------------

/// A portal serving the repository's `web/` (with its README.md) and a package folder holding,
/// besides its modules, what a package carries but pages never load.
async fn portal_with_pages() -> (TestApp, tempfile::TempDir) {
    let pkg = tempfile::tempdir().unwrap();
    std::fs::create_dir(pkg.path().join("wasm")).unwrap();
    for (name, text) in [
        ("index.js", "export const ok = 1;\n"),
        ("wasm/kunci_core_bg.wasm", "\0asm"),
        ("README.md", "# kunci\n"),
        ("package.json", "{}\n"),
        ("index.d.ts", "export {};\n"),
        (".npmrc", "token=RAHASIA\n"),
    ] {
        std::fs::write(pkg.path().join(name), text).unwrap();
    }
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    assert!(web.join("README.md").is_file(), "web/README.md is the case");
    let app = TestApp::with_config(Config {
        web_dir: Some(web),
        pkg_dir: Some(pkg.path().to_owned()),
        ..Config::default()
    })
    .await;
    (app, pkg)
}

/// Asserts the portal's JSON error, with the security headers.
#[track_caller]
fn assert_json_error(answer: &support::Answer, status: StatusCode, code: &str, uri: &str) {
    assert_eq!(
        (answer.status, answer.code()),
        (status, code),
        "{uri}: {}",
        answer.body
    );
    assert_eq!(
        answer.header(header::CONTENT_TYPE),
        "application/json",
        "{uri}"
    );
    assert!(
        !answer.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .is_empty(),
        "{uri}"
    );
    assert!(
        answer.headers.contains_key(header::CONTENT_SECURITY_POLICY),
        "{uri}"
    );
}

#[tokio::test]
async fn the_pages_serve_only_what_pages_load_and_readme_is_a_json_404() {
    let (app, _pkg) = portal_with_pages().await;
    for (uri, mime) in [
        ("/", "text/html"),
        ("/index.html", "text/html"),
        ("/assets/css/portal.css", "text/css"),
        ("/assets/js/api.js", "text/javascript"),
        ("/pkg/index.js", "text/javascript"),
        ("/pkg/wasm/kunci_core_bg.wasm", "application/wasm"),
    ] {
        let answer = app.send(get(uri)).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert!(
            answer.header(header::CONTENT_TYPE).starts_with(mime),
            "{uri}"
        );
    }
    for uri in [
        "/README.md",
        "/readme.md",
        "/assets/",
        "/assets",
        "/assets/js/no-such-module.js",
        "/no-such-page.html",
        "/.git/config",
        "/pkg/README.md",
        "/pkg/package.json",
        "/pkg/index.d.ts",
        "/pkg/.npmrc",
        "/pkg/",
        "/pkg/no-such-module.js",
        "/pkg/wasm/",
    ] {
        let answer = app.send(get(uri)).await;
        assert_json_error(&answer, StatusCode::NOT_FOUND, "http.not_found", uri);
        let text = answer.text();
        assert!(
            !text.contains("RAHASIA") && !text.contains("# "),
            "{uri}: {text}"
        );
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405_with_allow() {
    let (app, _pkg) = portal_with_pages().await;
    for (method, uri, allow) in [
        (Method::DELETE, "/api/health", "GET,HEAD"),
        (Method::PUT, "/api/login", "POST"),
        (Method::POST, "/ca/chain.pem", "GET,HEAD"),
        (Method::POST, "/index.html", "GET, HEAD"),
        (Method::PUT, "/pkg/index.js", "GET, HEAD"),
        (Method::DELETE, "/pkg/no-such-module.js", "GET, HEAD"),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let answer = app.send(request).await;
        assert_json_error(
            &answer,
            StatusCode::METHOD_NOT_ALLOWED,
            "http.method_not_allowed",
            uri,
        );
        assert_eq!(answer.header(header::ALLOW), allow, "{method} {uri}");
    }
    // Without pages: `/` takes GET only, and any other path is the JSON 404.
    let app = TestApp::new().await;
    let post = Request::builder()
        .method(Method::POST)
        .uri("/")
        .body(Body::empty())
        .unwrap();
    let answer = app.send(post).await;
    assert_json_error(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "http.method_not_allowed",
        "/",
    );
    assert_json_error(
        &app.send(get("/README.md")).await,
        StatusCode::NOT_FOUND,
        "http.not_found",
        "/README.md",
    );
}
