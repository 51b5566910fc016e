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
use kunci_ams::store::{NewUser, Role};
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
        .set_user_disabled(user.id, true)
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
