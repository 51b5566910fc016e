//! A holder off the happy path (issue 12, points 1, 2, 3 and 8), through `app(state)` with no
//! socket: a fresh CSR token for a request whose token was lost, cancelling an unfinished
//! request ("Dibatalkan"), renewals left behind that never block the next one, and renewals
//! that keep their product. Every refusal is checked with its status and code, and with the
//! portal's whole state unchanged (someone else's request, the wrong state, the wrong role, a
//! token used twice); every change with its audit entry.
//!
//! The session side of point 9 (the login page's `next`) lives in the pages and their walk
//! (`tests/web/walks/session-expired.test.mjs`); here, that an ended session is 401
//! `auth.required` on the routes the pages resume with.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::flow::p256;
use support::{Answer, Session, TestApp, json_request, with_session};

use axum::body::Body;
use axum::http::{Method, Request as HttpRequest, StatusCode};
use kunci_ams::http::unix_now;
use kunci_ams::store::{Id, RequestStatus};
use kunci_core::CsrToken;
use serde_json::{Value, json};

const INDIVIDU: &str = "Sertifikat Elektronik Individu";
const ORGANISASI: &str = "Sertifikat Elektronik Dinas/Organisasi";
const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,OU=Bidang Persandian,\
                   O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";
const BAYU: &str = "CN=Bayu Pratama,emailAddress=bayu.pratama@example.go.id,\
                    O=Dinas Kesehatan,L=Surabaya,ST=Jawa Timur,C=ID";

impl TestApp {
    async fn fresh_token(&self, s: &Session, request: Id) -> Answer {
        self.post_empty(s, &format!("/api/requests/{request}/token"))
            .await
    }

    async fn cancel(&self, s: &Session, request: Id) -> Answer {
        self.post_empty(s, &format!("/api/requests/{request}/cancel"))
            .await
    }
}

// ---------------------------------------------------------------------------------------------
// 1. A fresh CSR token
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_lost_csr_token_is_replaced_and_the_old_one_dies_at_once() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let (id, old) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let seq = app.audit_head().await;

    let fresh = app.fresh_token(&ani, id).await;
    let fresh = fresh.expect(StatusCode::OK).clone();
    let new = fresh["csr_token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(new.len() >= 43, "256 random bits, base64url");
    assert_eq!(fresh["request"]["id"], id);
    assert_eq!(fresh["request"]["status"], "pending");
    assert!(fresh["token_expires_at"].as_i64().unwrap() > unix_now());
    assert_eq!(
        fresh["request"]["token_expires_at"],
        fresh["token_expires_at"]
    );

    // Stored hashed: neither token is anywhere in the database's request row nor in the log.
    let entries = app.audit_after(seq).await;
    assert_eq!(entries.len(), 1);
    let (actor, action, subject, details) = &entries[0];
    assert_eq!(actor, &format!("user:{}", ani.user.id));
    assert_eq!(action, "request.token_renewed");
    assert_eq!(subject, &format!("request:{id}"));
    assert_eq!(details["token_expires_at"], fresh["token_expires_at"]);
    let text = details.to_string();
    assert!(!text.contains(&new) && !text.contains(&old));

    // The old token is unknown from now on; the new one carries the CSR, once.
    app.post(&ani, "/api/csr/check", &json!({"token": old}))
        .await
        .refused(StatusCode::NOT_FOUND, "token.unknown");
    app.send_fresh_csr(&ani, &old)
        .await
        .refused(StatusCode::NOT_FOUND, "token.unknown");
    let checked = app
        .post(&ani, "/api/csr/check", &json!({"token": new}))
        .await;
    assert_eq!(checked.expect(StatusCode::OK)["request_id"], id);
    let sent = app.send_fresh_csr(&ani, &new).await;
    assert_eq!(sent.expect(StatusCode::CREATED)["status"], "uploaded");
    app.send_fresh_csr(&ani, &new)
        .await
        .refused(StatusCode::GONE, "token.used");
}

#[tokio::test]
async fn an_expired_token_is_replaced_too() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let product = app.product_id(INDIVIDU).await;
    let then = unix_now() - 7200;
    let token = CsrToken::from("an-old-token-left-over-from-before");
    let old = app
        .store()
        .create_enrollment(ani.user.id, product, &token, then + 60, None, then)
        .await
        .unwrap();
    app.send_fresh_csr(&ani, token.expose())
        .await
        .refused(StatusCode::GONE, "token.expired");
    let fresh = app.fresh_token(&ani, old.id).await;
    let new = fresh.expect(StatusCode::OK)["csr_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send_fresh_csr(&ani, &new)
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn no_fresh_token_for_someone_else_past_the_csr_or_when_closed() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let operator = app.operator().await;
    let (pending, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let (uploaded, token) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.send_fresh_csr(&ani, &token)
        .await
        .expect(StatusCode::CREATED);
    let (cancelled, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.cancel(&ani, cancelled).await.expect(StatusCode::OK);
    let (rejected, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.reject(&operator, rejected, &json!({"reason": "salah produk"}))
        .await
        .expect(StatusCode::OK);
    let cert = app.issued_id(&ani, &operator, INDIVIDU).await;
    let revocation = app
        .revoke(&ani, cert, &json!({"reason": "unspecified"}))
        .await;
    let revocation = revocation.expect(StatusCode::CREATED)["id"]
        .as_i64()
        .unwrap();

    let before = app.world().await;
    let seq = app.audit_head().await;
    // Someone else's request looks exactly like a missing one.
    app.fresh_token(&bayu, pending)
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    app.fresh_token(&ani, 999_999)
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    // Staff hold no requests; without a session there is nobody to give it to.
    app.fresh_token(&operator, pending)
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    app.send(json_request(
        Method::POST,
        &format!("/api/requests/{pending}/token"),
        &Value::Null,
    ))
    .await
    .refused(StatusCode::UNAUTHORIZED, "auth.required");
    // Past the CSR, closed, or not an enrollment.
    for id in [uploaded, cancelled, rejected, revocation] {
        app.fresh_token(&ani, id)
            .await
            .refused(StatusCode::CONFLICT, "request.token_not_renewable");
    }
    assert_eq!(app.world().await, before);
    assert_eq!(app.audit_head().await, seq);
}

// ---------------------------------------------------------------------------------------------
// 2. Cancel
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_holder_cancels_an_unfinished_request_and_it_stays_in_the_history() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.operator().await;
    let (pending, token) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let (uploaded, token2) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.send_fresh_csr(&ani, &token2)
        .await
        .expect(StatusCode::CREATED);
    let submitted = app.submitted(&ani, INDIVIDU, None, &p256()).await;
    let seq = app.audit_head().await;

    for (id, was) in [
        (pending, "pending"),
        (uploaded, "uploaded"),
        (submitted, "submitted"),
    ] {
        let answer = app.cancel(&ani, id).await;
        let r = answer.expect(StatusCode::OK);
        assert_eq!(r["status"], "cancelled");
        assert_eq!(r["status_label"], "Cancelled");
        let entries = app.audit_after(app.audit_head().await - 1).await;
        let (actor, action, subject, details) = &entries[0];
        assert_eq!(actor, &format!("user:{}", ani.user.id));
        assert_eq!(action, "request.cancelled");
        assert_eq!(subject, &format!("request:{id}"));
        assert_eq!(details["was"], was);
        assert_eq!(details["kind"], "enrollment");
    }
    assert_eq!(app.audit_head().await, seq + 3);

    // Kept in the list, not open, not in the operator's queue, its token dead.
    let list = app.get(&ani, "/api/requests").await;
    let list = list.expect(StatusCode::OK)["requests"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|r| r["status"] == "cancelled"));
    let queue = app.get(&operator, "/api/operator/queue").await;
    assert_eq!(queue.expect(StatusCode::OK)["requests"], json!([]));
    app.send_fresh_csr(&ani, &token)
        .await
        .refused(StatusCode::CONFLICT, "request.closed");
    app.post(&ani, "/api/csr/check", &json!({"token": token}))
        .await
        .refused(StatusCode::CONFLICT, "request.closed");
    let stored = app.store().request(pending).await.unwrap();
    assert_eq!(stored.status, RequestStatus::Cancelled);
    assert!(!stored.status.is_open());
    // Nothing further happens to a cancelled request.
    let before = app.world().await;
    app.post_empty(
        &operator,
        &format!("/api/operator/requests/{submitted}/approve"),
    )
    .await
    .refused(StatusCode::CONFLICT, "store.conflict");
    app.post(
        &ani,
        &format!("/api/requests/{uploaded}/submit"),
        &json!({"agree": true}),
    )
    .await
    .refused(StatusCode::CONFLICT, "store.conflict");
    assert_eq!(app.world().await, before);
}

#[tokio::test]
async fn a_pending_revocation_can_be_cancelled_and_the_certificate_stays_good() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.operator().await;
    let cert = app.issued_id(&ani, &operator, INDIVIDU).await;
    let uri = format!("/api/certificates/{cert}/revoke");
    let revocation = app
        .post(&ani, &uri, &json!({"reason": "unspecified"}))
        .await;
    let revocation = revocation.expect(StatusCode::CREATED)["id"]
        .as_i64()
        .unwrap();
    let cancelled = app.cancel(&ani, revocation).await;
    assert_eq!(cancelled.expect(StatusCode::OK)["status"], "cancelled");
    let queue = app.get(&operator, "/api/operator/queue").await;
    assert_eq!(queue.expect(StatusCode::OK)["requests"], json!([]));
    let c = app.get(&ani, &format!("/api/certificates/{cert}")).await;
    assert_eq!(c.expect(StatusCode::OK)["status"], "good");
    // A cancelled revocation no longer blocks a new one.
    app.post(&ani, &uri, &json!({"reason": "keyCompromise"}))
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn cancelling_someone_elses_or_a_decided_request_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let operator = app.operator().await;
    let (pending, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    let (cancelled, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.cancel(&ani, cancelled).await.expect(StatusCode::OK);
    let (rejected, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.reject(&operator, rejected, &json!({"reason": "salah produk"}))
        .await
        .expect(StatusCode::OK);
    let cert = app.issued_id(&ani, &operator, INDIVIDU).await;
    let issued = app
        .get(&ani, &format!("/api/certificates/{cert}"))
        .await
        .expect(StatusCode::OK)["request_id"]
        .as_i64()
        .unwrap();

    let before = app.world().await;
    let seq = app.audit_head().await;
    app.cancel(&bayu, pending)
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    app.cancel(&operator, pending)
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    app.send(json_request(
        Method::POST,
        &format!("/api/requests/{pending}/cancel"),
        &Value::Null,
    ))
    .await
    .refused(StatusCode::UNAUTHORIZED, "auth.required");
    // Without the CSRF token: refused before anything is read.
    let no_csrf = HttpRequest::post(format!("/api/requests/{pending}/cancel"))
        .body(Body::empty())
        .unwrap();
    app.send(with_session(no_csrf, &ani, None))
        .await
        .refused(StatusCode::FORBIDDEN, "csrf.missing");
    for id in [cancelled, rejected, issued] {
        app.cancel(&ani, id)
            .await
            .refused(StatusCode::CONFLICT, "request.not_cancellable");
    }
    assert_eq!(app.world().await, before);
    assert_eq!(app.audit_head().await, seq);
    assert_eq!(app.request_json(&ani, pending).await["status"], "pending");
}

// ---------------------------------------------------------------------------------------------
// 3. Renewals left behind never block
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_open_renewal_is_named_on_the_certificate_and_blocks_with_its_own_code() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.operator().await;
    let cert = app.issued_id(&ani, &operator, INDIVIDU).await;
    let uri = format!("/api/certificates/{cert}");
    assert_eq!(
        app.get(&ani, &uri).await.expect(StatusCode::OK)["open_renewal"],
        Value::Null
    );
    let (renewal, _) = app.new_request_renewing(&ani, INDIVIDU, Some(cert)).await;
    let c = app.get(&ani, &uri).await;
    let open = &c.expect(StatusCode::OK)["open_renewal"];
    assert_eq!(open["id"], renewal);
    assert_eq!(open["status"], "pending");
    assert_eq!(open["csr_uploaded"], false);

    // A second renewal while this one is open: a code the page translates (not store.conflict
    // with an English message inside an Indonesian page).
    let before = app.world().await;
    let product = app.product_id(INDIVIDU).await;
    app.post(
        &ani,
        "/api/requests",
        &json!({"product_id": product, "renews": cert}),
    )
    .await
    .refused(StatusCode::CONFLICT, "request.renewal_open");
    assert_eq!(app.world().await, before);

    // Cancelled, it blocks nothing: a new renewal is made, and the certificate names it.
    app.cancel(&ani, renewal).await.expect(StatusCode::OK);
    assert_eq!(
        app.get(&ani, &uri).await.expect(StatusCode::OK)["open_renewal"],
        Value::Null
    );
    let (next, _) = app.new_request_renewing(&ani, INDIVIDU, Some(cert)).await;
    let c = app.get(&ani, &uri).await;
    assert_eq!(c.expect(StatusCode::OK)["open_renewal"]["id"], next);
}

#[tokio::test]
async fn a_renewal_whose_token_expired_unused_is_cancelled_by_the_next_one() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.operator().await;
    let cert = app.issued_id(&ani, &operator, INDIVIDU).await;
    let product = app.product_id(INDIVIDU).await;
    let then = unix_now() - 7200;
    let abandoned = app
        .store()
        .create_enrollment(
            ani.user.id,
            product,
            &CsrToken::from("a-token-nobody-copied-in-time"),
            then + 600,
            Some(cert),
            then,
        )
        .await
        .unwrap();
    let seq = app.audit_head().await;
    let (renewal, _) = app.new_request_renewing(&ani, INDIVIDU, Some(cert)).await;
    assert_ne!(renewal, abandoned.id);
    assert_eq!(
        app.request_json(&ani, abandoned.id).await["status"],
        "cancelled"
    );
    let entries = app.audit_after(seq).await;
    let actions: Vec<_> = entries.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(actions, ["request.cancelled", "request.created"]);
    assert_eq!(entries[0].2, format!("request:{}", abandoned.id));
    assert!(entries[0].3["why"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn an_uploaded_renewal_with_an_expired_token_still_blocks_until_cancelled() {
    // Its CSR arrived: the holder has a key for it, so it is not abandoned.
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let operator = app.operator().await;
    let cert = app.issued_id(&ani, &operator, INDIVIDU).await;
    let product = app.product_id(INDIVIDU).await;
    let token = CsrToken::from("a-token-used-for-the-renewal-csr");
    let now = unix_now();
    let renewal = app
        .store()
        .create_enrollment(ani.user.id, product, &token, now + 60, Some(cert), now)
        .await
        .unwrap();
    app.send_fresh_csr(&ani, token.expose())
        .await
        .expect(StatusCode::CREATED);
    app.post(
        &ani,
        "/api/requests",
        &json!({"product_id": product, "renews": cert}),
    )
    .await
    .refused(StatusCode::CONFLICT, "request.renewal_open");
    app.cancel(&ani, renewal.id).await.expect(StatusCode::OK);
    app.new_request_renewing(&ani, INDIVIDU, Some(cert)).await;
}

// ---------------------------------------------------------------------------------------------
// 8. Renewals keep their product
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_renewal_keeps_the_product_of_the_certificate_it_renews() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU, ORGANISASI]).await;
    let operator = app.operator().await;
    let cert = app.issued_id(&ani, &operator, INDIVIDU).await;
    let individu = app.product_id(INDIVIDU).await;
    let organisasi = app.product_id(ORGANISASI).await;
    let c = app.get(&ani, &format!("/api/certificates/{cert}")).await;
    assert_eq!(c.expect(StatusCode::OK)["product_id"], individu);

    // Another product for a renewal is refused, with nothing made.
    let before = app.world().await;
    app.post(
        &ani,
        "/api/requests",
        &json!({"product_id": organisasi, "renews": cert}),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "request.renewal_product");
    assert_eq!(app.world().await, before);

    // Left out, the product is the certificate's.
    let made = app
        .post(&ani, "/api/requests", &json!({"renews": cert}))
        .await;
    let made = made.expect(StatusCode::CREATED);
    assert_eq!(made["request"]["product_id"], individu);
    assert_eq!(made["request"]["product"], INDIVIDU);
    assert_eq!(made["request"]["renews"], cert);

    // Neither a product nor a certificate: a bad request; someone else's certificate: not found.
    app.post(&ani, "/api/requests", &json!({}))
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    app.post(&bayu, "/api/requests", &json!({"renews": cert}))
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
}

#[tokio::test]
async fn products_offered_are_the_granted_ones_with_the_keys_each_allows() {
    let app = TestApp::new().await;
    let bayu = app.holder("bayu", BAYU, &[ORGANISASI]).await;
    let products = app.get(&bayu, "/api/products").await;
    let products = products.expect(StatusCode::OK)["products"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(products.len(), 1);
    assert_eq!(products[0]["name"], ORGANISASI);
    // The page preselects the first key the product allows: RSA 2048 is not among them.
    let keys = products[0]["allowed_keys"].as_array().unwrap();
    assert!(!keys.contains(&json!("rsa2048")), "{keys:?}");
    assert!(keys.contains(&json!("p256")), "{keys:?}");
    // A product not granted is refused.
    let individu = app.product_id(INDIVIDU).await;
    app.post(&bayu, "/api/requests", &json!({"product_id": individu}))
        .await
        .refused(StatusCode::FORBIDDEN, "store.not_granted");
}

// ---------------------------------------------------------------------------------------------
// 9. An ended session
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn after_logout_the_resume_routes_answer_auth_required_and_the_request_is_kept() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let (id, _) = app.new_request_renewing(&ani, INDIVIDU, None).await;
    app.post_empty(&ani, "/api/logout")
        .await
        .expect(StatusCode::NO_CONTENT);
    for uri in ["/api/me", &format!("/api/requests/{id}")] {
        app.get(&ani, uri)
            .await
            .refused(StatusCode::UNAUTHORIZED, "auth.required");
    }
    // Logged in again, the request is where it was, and a fresh token resumes it.
    let again = app.login("ani").await;
    assert_eq!(app.request_json(&again, id).await["status"], "pending");
    app.fresh_token(&again, id).await.expect(StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Migration 0007: the requests table rebuilt on SQLite
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn migration_0007_keeps_every_request_reference_and_index_of_a_0006_database() {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    // A database as release 0006 left it: the first six migrations only.
    let old = dir.path().join("migrations");
    std::fs::create_dir(&old).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0007" {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("kunci.db").display()
    );
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(old.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO users (id, login, display_name, email, role, password_hash, created_at) \
         VALUES (1, 'ani', 'Ani', 'ani@example.go.id', 'holder', 'x', 1)",
        "INSERT INTO products (id, name, cert_type, profile, created_at) \
         VALUES (1, 'Sertifikat Elektronik Individu', 'Individu', 'individu', 1)",
        "INSERT INTO requests (id, user_id, kind, status, product_id, token_hash, \
         token_expires_at, token_used_at, csr_der, created_at, updated_at) \
         VALUES (1, 1, 'enrollment', 'success', 1, 'h1', 100, 50, x'3000', 1, 60)",
        "INSERT INTO certificates (id, serial_hex, user_id, request_id, der, not_before, \
         not_after, created_at) VALUES (1, '0A', 1, 1, x'3000', 60, 9999999999, 60)",
        "INSERT INTO requests (id, user_id, kind, status, product_id, token_hash, \
         token_expires_at, supersedes_cert_id, created_at, updated_at) \
         VALUES (2, 1, 'enrollment', 'pending', 1, 'h2', 200, 1, 70, 70)",
        "INSERT INTO requests (id, user_id, kind, status, target_cert_id, revocation_reason, \
         created_at, updated_at) VALUES (3, 1, 'revocation', 'pending', 1, 0, 80, 80)",
        "INSERT INTO document_uploads (user_id, request_id, size, at) VALUES (1, 2, 10, 90)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    // The portal opens it: 0007 runs, and every row is where it was.
    let store = kunci_ams::store::Store::open(&url).await.unwrap();
    let requests = store.requests_of(1).await.unwrap();
    let ids: Vec<_> = requests.iter().map(|r| (r.id, r.status)).collect();
    assert_eq!(
        ids,
        [
            (3, RequestStatus::Pending),
            (2, RequestStatus::Pending),
            (1, RequestStatus::Success)
        ]
    );
    assert_eq!(requests[1].supersedes_cert_id, Some(1));
    assert_eq!(requests[2].csr_der.as_deref(), Some(&[0x30, 0][..]));
    assert_eq!(store.certificate(1).await.unwrap().request_id, 1);
    store.close().await;

    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' \
         AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        names,
        [
            // 0009 (the operator's history) adds this one after 0007.
            "requests_decided",
            "requests_one_open_renewal",
            "requests_one_open_revocation",
            "requests_status",
            "requests_user"
        ]
    );
    // certificates and document_uploads still point at requests, and nothing dangles.
    for (table, sql) in [
        ("certificates", "PRAGMA foreign_key_list(certificates)"),
        (
            "document_uploads",
            "PRAGMA foreign_key_list(document_uploads)",
        ),
    ] {
        let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
        let parents: Vec<String> = rows.iter().map(|r| r.get::<String, _>("table")).collect();
        assert!(
            parents.iter().any(|t| t == "requests"),
            "{table}: {parents:?}"
        );
    }
    let dangling = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(dangling.is_empty());
    // The new status is taken; any other is still refused; the token stays unique.
    sqlx::query("UPDATE requests SET status = 'cancelled' WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        sqlx::query("UPDATE requests SET status = 'gone' WHERE id = 2")
            .execute(&pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("UPDATE requests SET token_hash = 'h1' WHERE id = 2")
            .execute(&pool)
            .await
            .is_err()
    );
}
