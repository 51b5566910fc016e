//! The staff pages' API (issue 12, points 6 and 7), driven through `app(state)` with no
//! socket: the operator's dashboard (what waits by kind and age, today's decisions), a request
//! in words (subject fields, key type and size, the holder's e-mail, the certificate renewed or
//! revoked), the supporting document shown inside the page, the searchable history of
//! decisions, and the administrator's area: disabling and enabling accounts (never oneself,
//! never the last administrator), granting and withdrawing products, one-time password reset
//! codes (hashed, expiring, single use), products read only, and the CA's state. Every bad
//! input gets its code and changes nothing; every staff action is in the audit log with who.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::flow::p256;
use support::{Answer, PASSWORD, Session, TestApp, json_request};

use axum::body::Body;
use axum::http::{Method, Request as HttpRequest, StatusCode, header};
use kunci_ams::http::unix_now;
use kunci_ams::store::{Actor, Id, Role};
use serde_json::{Value, json};

const INDIVIDU: &str = "Sertifikat Elektronik Individu";
const ORGANISASI: &str = "Sertifikat Elektronik Dinas/Organisasi";
const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,OU=Bidang Persandian,\
                   O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID,\
                   serialNumber=3273011506850003";
const BAYU: &str = "CN=Bayu Pratama,emailAddress=bayu.pratama@example.go.id,\
                    O=Dinas Kesehatan,L=Surabaya,ST=Jawa Timur,C=ID";
const DAY: i64 = 86_400;

// ---------------------------------------------------------------------------------------------
// The test portal and its client
// ---------------------------------------------------------------------------------------------

impl TestApp {
    async fn post_anon(&self, uri: &str, body: &Value) -> Answer {
        self.send(json_request(Method::POST, uri, body)).await
    }

    /// An issued certificate of holder `s` (approved by `op`): its id.
    async fn issued(&self, s: &Session, op: &Session) -> Id {
        let id = self.submitted(s, INDIVIDU, None, &p256()).await;
        let done = self
            .post(
                op,
                &format!("/api/operator/requests/{id}/approve"),
                &json!({}),
            )
            .await;
        done.expect(StatusCode::OK)["certificate_id"]
            .as_i64()
            .unwrap()
    }

    /// The audit log's actions, oldest first, with their actor and subject.
    async fn audit(&self) -> Vec<(String, String, String, String)> {
        let mut rows = self.store().audit_page(None, 1000).await.unwrap();
        rows.reverse();
        rows.into_iter()
            .map(|r| (r.action, r.actor, r.subject, r.details))
            .collect()
    }
}

struct Cast {
    app: TestApp,
    ani: Session,
    bayu: Session,
    op: Session,
    admin: Session,
}

async fn cast() -> Cast {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU, ORGANISASI]).await;
    let bayu = app.holder("bayu", BAYU, &[INDIVIDU]).await;
    let op = app.staff_named("siti", Role::Operator, "Staf siti").await;
    let admin = app.staff_named("root", Role::Admin, "Staf root").await;
    Cast {
        app,
        ani,
        bayu,
        op,
        admin,
    }
}

// ---------------------------------------------------------------------------------------------
// Operator: dashboard, details in words, the document in the page, history
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_dashboard_counts_what_waits_by_kind_and_age_and_lists_today_s_decisions() {
    let c = cast().await;
    let cert = c.app.issued(&c.ani, &c.op).await;
    let waiting = c.app.submitted(&c.bayu, INDIVIDU, None, &p256()).await;
    let rejected = c.app.submitted(&c.bayu, INDIVIDU, None, &p256()).await;
    c.app
        .reject(
            &c.op,
            rejected,
            &json!({"reason": "Surat tidak ditandatangani"}),
        )
        .await
        .expect(StatusCode::OK);
    // A revocation that has waited two days (made through the store, whose clock is the
    // caller's).
    let old = c
        .app
        .store()
        .create_revocation(c.ani.user.id, cert, 1, unix_now() - 2 * DAY)
        .await
        .unwrap();

    let answer = c.app.get(&c.op, "/api/operator/dashboard").await;
    let d = answer.expect(StatusCode::OK);
    assert_eq!(
        d["waiting_counts"]["enrollment"],
        json!({"under_1_day": 1, "days_1_to_3": 0, "over_3_days": 0, "total": 1})
    );
    assert_eq!(
        d["waiting_counts"]["revocation"],
        json!({"under_1_day": 0, "days_1_to_3": 1, "over_3_days": 0, "total": 1})
    );
    // Oldest first: the revocation, then the enrollment.
    let ids: Vec<i64> = d["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [old.id, waiting]);
    assert_eq!(d["waiting"][0]["kind"], "revocation");
    assert_eq!(d["waiting"][0]["age"], "days_1_to_3");
    assert_eq!(d["waiting"][0]["holder"]["login"], "ani");
    assert_eq!(d["decided"], json!({"approved": 1, "rejected": 1}));
    let decisions = d["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["request_id"], json!(rejected));
    assert_eq!(decisions[0]["status"], "rejected");
    assert_eq!(decisions[0]["decided_by"]["login"], "siti");
    assert_eq!(decisions[1]["status"], "success");

    // `since` after the decisions: none today.
    let later = c
        .app
        .get(
            &c.op,
            &format!("/api/operator/dashboard?since={}", unix_now() + 60),
        )
        .await;
    assert_eq!(
        later.expect(StatusCode::OK)["decided"],
        json!({"approved": 0, "rejected": 0})
    );
    c.app
        .get(&c.op, "/api/operator/dashboard?since=kemarin")
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    // Holders never see it.
    c.app
        .get(&c.ani, "/api/operator/dashboard")
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
}

#[tokio::test]
async fn request_details_are_in_words_with_the_key_the_e_mail_and_the_certificate_renewed() {
    let c = cast().await;
    let cert = c.app.issued(&c.ani, &c.op).await;
    let renewal = c.app.submitted(&c.ani, INDIVIDU, Some(cert), &p256()).await;

    let answer = c
        .app
        .get(&c.op, &format!("/api/operator/requests/{renewal}"))
        .await;
    let r = answer.expect(StatusCode::OK);
    assert_eq!(r["kind"], "enrollment");
    assert_eq!(r["holder"]["email"], "ani.wijaya@example.go.id");
    assert_eq!(r["product"], INDIVIDU);
    assert_eq!(r["csr_info"]["key"], "p256");
    assert_eq!(r["csr_info"]["key_label"], "ECDSA P-256");
    let fields: Vec<(String, String)> = r["csr_info"]["subject_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("common_name"), Some("Ani Wijaya"));
    assert_eq!(
        field("organization"),
        Some("Dinas Komunikasi dan Informatika")
    );
    assert_eq!(field("organizational_unit"), Some("Bidang Persandian"));
    assert_eq!(field("email"), Some("ani.wijaya@example.go.id"));
    assert_eq!(field("serial_number"), Some("3273011506850003"));
    // The certificate it replaces, by serial.
    let old = c.app.store().certificate(cert).await.unwrap();
    assert_eq!(r["renews_certificate"]["id"], json!(cert));
    assert_eq!(r["renews_certificate"]["serial"], json!(old.serial_hex));
    assert!(r.get("target_certificate").is_none());

    // A revocation names the certificate it would revoke, and is a revocation.
    let bayu_cert = c.app.issued(&c.bayu, &c.op).await;
    let rev = c
        .app
        .revoke(&c.bayu, bayu_cert, &json!({"reason": "keyCompromise"}))
        .await;
    let rev_id = rev.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    let answer = c
        .app
        .get(&c.op, &format!("/api/operator/requests/{rev_id}"))
        .await;
    let r = answer.expect(StatusCode::OK);
    assert_eq!(r["kind"], "revocation");
    assert_eq!(r["status"], "pending");
    assert_eq!(r["target_certificate"]["id"], json!(bayu_cert));
    assert_eq!(r["target_certificate"]["status"], "good");
    assert_eq!(r["revocation_reason"], "keyCompromise");
}

#[tokio::test]
async fn the_document_is_shown_inline_only_when_asked_and_framable_only_by_the_portal() {
    let c = cast().await;
    let id = c.app.submitted(&c.ani, INDIVIDU, None, &p256()).await;
    let uri = format!("/api/operator/requests/{id}/document");

    let download = c.app.get(&c.op, &uri).await;
    download.expect(StatusCode::OK);
    assert!(
        download
            .header(header::CONTENT_DISPOSITION)
            .starts_with("attachment")
    );
    assert!(
        download
            .header(header::CONTENT_SECURITY_POLICY)
            .contains("frame-ancestors 'none'")
    );

    let inline = c.app.get(&c.op, &format!("{uri}?view=inline")).await;
    inline.expect(StatusCode::OK);
    assert_eq!(inline.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(inline.header(header::CONTENT_DISPOSITION), "inline");
    assert_eq!(
        inline.header(header::CONTENT_SECURITY_POLICY),
        "default-src 'none'; frame-ancestors 'self'"
    );
    assert_eq!(inline.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(inline.bytes.starts_with(b"%PDF-"));
    // Only staff, inline or not; the holder's own route stays a download.
    c.app
        .get(&c.bayu, &format!("{uri}?view=inline"))
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    let own = c
        .app
        .get(&c.ani, &format!("/api/requests/{id}/document?view=inline"))
        .await;
    assert!(
        own.header(header::CONTENT_DISPOSITION)
            .starts_with("attachment")
    );
    assert!(
        own.header(header::CONTENT_SECURITY_POLICY)
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn the_history_finds_decisions_by_holder_serial_kind_status_and_date_and_pages() {
    let c = cast().await;
    let cert = c.app.issued(&c.ani, &c.op).await;
    let serial = c.app.store().certificate(cert).await.unwrap().serial_hex;
    let rejected = c.app.submitted(&c.bayu, INDIVIDU, None, &p256()).await;
    c.app
        .reject(&c.admin, rejected, &json!({"reason": "Dokumen 100% buram"}))
        .await
        .expect(StatusCode::OK);
    let rev = c
        .app
        .revoke(&c.ani, cert, &json!({"reason": "unspecified"}))
        .await;
    let rev = rev.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    c.app
        .post(
            &c.op,
            &format!("/api/operator/requests/{rev}/approve"),
            &json!({}),
        )
        .await
        .expect(StatusCode::OK);
    // One still waiting: not a decision.
    c.app.submitted(&c.bayu, INDIVIDU, None, &p256()).await;

    let ids = |a: &Answer| -> Vec<i64> {
        a.expect(StatusCode::OK)["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["request_id"].as_i64().unwrap())
            .collect()
    };
    let all = c.app.get(&c.op, "/api/operator/history").await;
    assert_eq!(all.body["total"], 3);
    assert_eq!(ids(&all).len(), 3);
    let revocation = all.body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["request_id"] == json!(rev))
        .unwrap();
    assert_eq!(revocation["kind"], "revocation");
    assert_eq!(revocation["serial"], json!(serial));
    assert_eq!(
        revocation["holder"],
        json!({"login": "ani", "name": "Ani Wijaya"})
    );
    assert_eq!(revocation["decided_by"]["login"], "siti");

    // By holder login or name (any case), by part of the serial.
    let bayu = c.app.get(&c.op, "/api/operator/history?q=BAYU").await;
    assert_eq!(ids(&bayu), [rejected]);
    assert_eq!(bayu.body["decisions"][0]["decided_by"]["login"], "root");
    assert_eq!(
        bayu.body["decisions"][0]["reject_reason"],
        "Dokumen 100% buram"
    );
    let by_name = c.app.get(&c.op, "/api/operator/history?q=ani+wij").await;
    assert_eq!(ids(&by_name).len(), 2);
    let part = &serial[2..10];
    let by_serial = c
        .app
        .get(&c.op, &format!("/api/operator/history?q={part}"))
        .await;
    assert_eq!(ids(&by_serial).len(), 2, "issued and revoked: {part}");
    // LIKE's wildcards are taken literally.
    let wild = c.app.get(&c.op, "/api/operator/history?q=%25").await;
    assert_eq!(ids(&wild), Vec::<i64>::new());
    // Kind, status, dates.
    let kind = c
        .app
        .get(&c.op, "/api/operator/history?kind=revocation")
        .await;
    assert_eq!(ids(&kind), [rev]);
    let status = c
        .app
        .get(&c.op, "/api/operator/history?status=rejected")
        .await;
    assert_eq!(ids(&status), [rejected]);
    let future = c
        .app
        .get(
            &c.op,
            &format!("/api/operator/history?from={}", unix_now() + 60),
        )
        .await;
    assert_eq!(future.body["total"], 0);
    let past = c
        .app
        .get(
            &c.op,
            &format!("/api/operator/history?to={}", unix_now() - DAY),
        )
        .await;
    assert_eq!(past.body["total"], 0);
    // Pages of 20: page 2 of three decisions is empty.
    let page2 = c.app.get(&c.op, "/api/operator/history?page=2").await;
    assert_eq!(ids(&page2), Vec::<i64>::new());
    assert_eq!(page2.body["pages"], 1);

    for bad in [
        "kind=enrolment",
        "status=pending",
        "from=kemarin",
        "page=0",
        "page=x",
    ] {
        c.app
            .get(&c.op, &format!("/api/operator/history?{bad}"))
            .await
            .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    }
    c.app
        .get(
            &c.op,
            &format!("/api/operator/history?q={}", "a".repeat(201)),
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "field.too_long");
    c.app
        .get(&c.ani, "/api/operator/history")
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
}

#[tokio::test]
async fn a_rejection_stays_in_the_history_after_the_request_is_resubmitted_and_approved() {
    // Regression: the history was read from the requests' own columns, which a resubmission
    // clears, so a rejection vanished once the holder fixed the document.
    let c = cast().await;
    let id = c.app.submitted(&c.bayu, INDIVIDU, None, &p256()).await;
    c.app
        .reject(
            &c.op,
            id,
            &json!({"reason": "Surat belum ditandatangani", "fix": "document"}),
        )
        .await
        .expect(StatusCode::OK);
    c.app
        .upload_document(&c.bayu, id, kunci_ams::demo::demo_pdf())
        .await
        .expect(StatusCode::OK);
    c.app.submit(&c.bayu, id).await.expect(StatusCode::OK);
    c.app
        .post(
            &c.op,
            &format!("/api/operator/requests/{id}/approve"),
            &json!({}),
        )
        .await
        .expect(StatusCode::OK);

    let answer = c.app.get(&c.op, "/api/operator/history").await;
    let history = answer.expect(StatusCode::OK);
    assert_eq!(history["total"], 2);
    let decisions = history["decisions"].as_array().unwrap();
    // Newest first: the approval, then the rejection it followed.
    assert_eq!(decisions[0]["request_id"], json!(id));
    assert_eq!(decisions[0]["status"], "success");
    assert!(decisions[0]["serial"].is_string());
    assert_eq!(decisions[0]["reject_reason"], Value::Null);
    assert_eq!(decisions[1]["request_id"], json!(id));
    assert_eq!(decisions[1]["status"], "rejected");
    assert_eq!(decisions[1]["reject_reason"], "Surat belum ditandatangani");
    assert_eq!(decisions[1]["reject_fix"], "document");
    assert_eq!(
        decisions[1]["serial"],
        Value::Null,
        "a rejection issued nothing"
    );
    assert_eq!(
        decisions[1]["decided_by"]["login"],
        decisions[0]["decided_by"]["login"]
    );
    let rejected = c
        .app
        .get(&c.op, "/api/operator/history?status=rejected")
        .await;
    assert_eq!(rejected.expect(StatusCode::OK)["total"], 1);
}

// ---------------------------------------------------------------------------------------------
// Admin: accounts, grants, password resets, products, the CA
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_admin_disables_and_enables_an_account_and_its_sessions_end() {
    let c = cast().await;
    let id = c.bayu.user.id;
    let answer = c
        .app
        .post(
            &c.admin,
            &format!("/api/admin/users/{id}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(answer.expect(StatusCode::OK)["disabled"], true);
    c.app
        .get(&c.bayu, "/api/me")
        .await
        .refused(StatusCode::UNAUTHORIZED, "auth.required");
    c.app
        .login_answer("bayu", PASSWORD)
        .await
        .refused(StatusCode::FORBIDDEN, "auth.disabled");
    let answer = c
        .app
        .post(
            &c.admin,
            &format!("/api/admin/users/{id}/enable"),
            &json!({}),
        )
        .await;
    assert_eq!(answer.expect(StatusCode::OK)["disabled"], false);
    c.app.login("bayu").await;

    let audit = c.app.audit().await;
    let admin = format!("user:{}", c.admin.user.id);
    let subject = format!("user:{id}");
    for action in ["user.disabled", "user.enabled"] {
        assert!(
            audit
                .iter()
                .any(|(a, actor, s, _)| a == action && *actor == admin && *s == subject),
            "{action} by the admin: {audit:?}"
        );
    }
}

#[tokio::test]
async fn nobody_disables_their_own_account_or_the_last_administrator() {
    let c = cast().await;
    let before = c.app.world().await;
    let me = c.admin.user.id;
    c.app
        .post(
            &c.admin,
            &format!("/api/admin/users/{me}/disable"),
            &json!({}),
        )
        .await
        .refused(StatusCode::CONFLICT, "admin.self");
    c.app
        .post(&c.admin, "/api/admin/users/999999/disable", &json!({}))
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    // Operators and holders may not.
    for s in [&c.op, &c.ani] {
        c.app
            .post(
                s,
                &format!("/api/admin/users/{}/disable", c.bayu.user.id),
                &json!({}),
            )
            .await
            .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    }
    assert_eq!(c.app.world().await, before);
    c.app.get(&c.admin, "/api/me").await.expect(StatusCode::OK);

    // The last enabled administrator: only reachable when the one acting is no longer an
    // enabled administrator (disabled since its request began), so it is the store's rule.
    let second = c.app.staff_named("dewi", Role::Admin, "Staf dewi").await;
    c.app
        .store()
        .set_user_disabled(me, true, &Actor::Cli)
        .await
        .unwrap();
    let err = c
        .app
        .store()
        .set_user_disabled_by_admin(second.user.id, true, me)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "admin.last_admin");
    assert!(!c.app.store().user(second.user.id).await.unwrap().disabled);
    // With another enabled administrator it is allowed.
    c.app
        .store()
        .set_user_disabled(me, false, &Actor::Cli)
        .await
        .unwrap();
    c.app
        .store()
        .set_user_disabled_by_admin(second.user.id, true, me)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_admin_grants_and_withdraws_products_of_holders_only() {
    let c = cast().await;
    let organisasi = c.app.product_id(ORGANISASI).await;
    let bayu = c.bayu.user.id;
    let granted = c
        .app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/grant"),
            &json!({"product_id": organisasi}),
        )
        .await;
    let names: Vec<&str> = granted.expect(StatusCode::OK)["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&ORGANISASI), "{names:?}");
    let own = c.app.get(&c.bayu, "/api/products").await;
    assert!(own.text().contains(ORGANISASI));
    // The list shows grants too.
    let list = c.app.get(&c.admin, "/api/admin/users").await;
    let listed = list.expect(StatusCode::OK)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "bayu")
        .unwrap()
        .clone();
    assert_eq!(listed["products"].as_array().unwrap().len(), 2);

    let before = c.app.world().await;
    c.app
        .post(
            &c.admin,
            &format!("/api/admin/users/{}/grant", c.op.user.id),
            &json!({"product_id": organisasi}),
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "admin.not_holder");
    c.app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/grant"),
            &json!({"product_id": 999_999}),
        )
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    c.app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/grant"),
            &json!({"product": organisasi}),
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    c.app
        .post(
            &c.op,
            &format!("/api/admin/users/{bayu}/grant"),
            &json!({"product_id": organisasi}),
        )
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    assert_eq!(c.app.world().await, before);

    c.app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/withdraw"),
            &json!({"product_id": organisasi}),
        )
        .await
        .expect(StatusCode::OK);
    let own = c.app.get(&c.bayu, "/api/products").await;
    assert!(!own.text().contains(ORGANISASI));
    c.app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/withdraw"),
            &json!({"product_id": organisasi}),
        )
        .await
        .refused(StatusCode::NOT_FOUND, "store.not_found");
    let audit = c.app.audit().await;
    let admin = format!("user:{}", c.admin.user.id);
    for action in ["product.granted", "product.grant_withdrawn"] {
        assert!(
            audit
                .iter()
                .any(|(a, actor, _, _)| a == action && *actor == admin),
            "{action}"
        );
    }
}

#[tokio::test]
async fn a_reset_code_sets_a_new_password_once_and_ends_the_old_sessions() {
    let c = cast().await;
    let bayu = c.bayu.user.id;
    let made = c
        .app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/password-reset"),
            &json!({}),
        )
        .await;
    let made = made.expect(StatusCode::CREATED).clone();
    let code = made["code"].as_str().unwrap().to_owned();
    assert!(code.len() >= 43, "{code}");
    assert_eq!(made["login"], "bayu");
    assert_eq!(
        made["link"],
        json!(format!("/reset-password.html#code={code}"))
    );
    assert!(made["expires_at"].as_i64().unwrap() > unix_now() + 23 * 3600);
    // Neither the old password nor its hash is in the answer.
    assert!(!made.to_string().contains(PASSWORD));
    assert!(!made.to_string().contains("argon2"));

    let check = c
        .app
        .post_anon("/api/password-reset/check", &json!({"code": code}))
        .await;
    assert_eq!(check.expect(StatusCode::OK)["login"], "bayu");

    // A password under the rule: refused, and the code still works.
    let before = c.app.world().await;
    c.app
        .post_anon(
            "/api/password-reset",
            &json!({"code": code, "password": "pendek"}),
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "password.too_short");
    assert_eq!(c.app.world().await, before);

    let new_password = "Kopi-tubruk-pagi-2027";
    let done = c
        .app
        .post_anon(
            "/api/password-reset",
            &json!({"code": code, "password": new_password}),
        )
        .await;
    assert_eq!(done.expect(StatusCode::OK)["login"], "bayu");
    // The session opened with the old password ended; the old password no longer works.
    c.app
        .get(&c.bayu, "/api/me")
        .await
        .refused(StatusCode::UNAUTHORIZED, "auth.required");
    c.app
        .login_answer("bayu", PASSWORD)
        .await
        .refused(StatusCode::UNAUTHORIZED, "auth.failed");
    c.app
        .login_answer("bayu", new_password)
        .await
        .expect(StatusCode::OK);

    // Used twice: refused, nothing changes.
    let before = c.app.world().await;
    c.app
        .post_anon(
            "/api/password-reset",
            &json!({"code": code, "password": "Lain-lagi-sandi-2028"}),
        )
        .await
        .refused(StatusCode::GONE, "reset.used");
    c.app
        .post_anon("/api/password-reset/check", &json!({"code": code}))
        .await
        .refused(StatusCode::GONE, "reset.used");
    assert_eq!(c.app.world().await, before);
    c.app
        .login_answer("bayu", new_password)
        .await
        .expect(StatusCode::OK);

    // The log: issued and reset by the admin, and no code in it.
    let audit = c.app.audit().await;
    let admin = format!("user:{}", c.admin.user.id);
    let subject = format!("user:{bayu}");
    for action in ["user.password_reset_issued", "user.password_reset"] {
        assert!(
            audit
                .iter()
                .any(|(a, actor, s, _)| a == action && *actor == admin && *s == subject),
            "{action}: {audit:?}"
        );
    }
    let text = format!("{audit:?}");
    assert!(!text.contains(&code));
    assert!(!text.contains(new_password));
}

#[tokio::test]
async fn a_reset_code_that_is_late_unknown_or_replaced_is_refused() {
    let c = cast().await;
    let bayu = c.bayu.user.id;
    let now = unix_now();
    // Late: made yesterday, expired an hour ago.
    let late = "kode-kedaluwarsa-0123456789abcdefghijklmnopq";
    c.app
        .store()
        .create_password_reset(bayu, late, c.admin.user.id, now - DAY, now - 3600)
        .await
        .unwrap();
    let before = c.app.world().await;
    c.app
        .post_anon(
            "/api/password-reset",
            &json!({"code": late, "password": "Sandi-baru-panjang-1"}),
        )
        .await
        .refused(StatusCode::GONE, "reset.expired");
    c.app
        .post_anon(
            "/api/password-reset",
            &json!({"code": "tidak-ada", "password": "Sandi-baru-panjang-1"}),
        )
        .await
        .refused(StatusCode::NOT_FOUND, "reset.unknown");
    c.app
        .post_anon("/api/password-reset", &json!({"code": "x"}))
        .await
        .refused(StatusCode::BAD_REQUEST, "http.bad_request");
    assert_eq!(c.app.world().await, before);

    // A newer code ends the older one.
    let first = c
        .app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/password-reset"),
            &json!({}),
        )
        .await;
    let first = first.expect(StatusCode::CREATED)["code"]
        .as_str()
        .unwrap()
        .to_owned();
    c.app
        .post(
            &c.admin,
            &format!("/api/admin/users/{bayu}/password-reset"),
            &json!({}),
        )
        .await
        .expect(StatusCode::CREATED);
    c.app
        .post_anon("/api/password-reset/check", &json!({"code": first}))
        .await
        .refused(StatusCode::NOT_FOUND, "reset.unknown");
    // Only administrators make codes; a cross-site reset is refused.
    c.app
        .post(
            &c.op,
            &format!("/api/admin/users/{bayu}/password-reset"),
            &json!({}),
        )
        .await
        .refused(StatusCode::FORBIDDEN, "auth.forbidden");
    let mut cross = json_request(
        Method::POST,
        "/api/password-reset",
        &json!({"code": first, "password": "Sandi-baru-panjang-1"}),
    );
    cross
        .headers_mut()
        .insert(header::ORIGIN, "https://phish.example".parse().unwrap());
    c.app
        .send(cross)
        .await
        .refused(StatusCode::FORBIDDEN, "csrf.origin");
}

#[tokio::test]
async fn the_admin_reads_products_and_the_ca_s_state() {
    let c = cast().await;
    let products = c.app.get(&c.admin, "/api/admin/products").await;
    let list = products.expect(StatusCode::OK)["products"]
        .as_array()
        .unwrap()
        .clone();
    let individu = list.iter().find(|p| p["name"] == INDIVIDU).unwrap();
    assert_eq!(individu["profile"], "individu");
    assert!(individu["allowed_keys"].as_array().unwrap().len() > 1);
    assert!(individu["validity_days"].as_u64().unwrap() > 0);

    let cert = c.app.issued(&c.ani, &c.op).await;
    let ca = c.app.get(&c.admin, "/api/admin/ca").await;
    let s = ca.expect(StatusCode::OK).clone();
    let now = unix_now();
    for part in ["root", "issuing"] {
        assert!(s[part]["not_before"].as_i64().unwrap() <= now, "{part}");
        assert!(s[part]["not_after"].as_i64().unwrap() > now, "{part}");
        assert!(!s[part]["subject"].as_str().unwrap().is_empty());
    }
    assert!(s["crl"]["next_update"].as_i64().unwrap() > now);
    let number = s["crl"]["number"].as_u64().unwrap();
    assert_eq!(s["certificates"], json!({"good": 1}));
    assert_eq!(s["requests"], json!({"success": 1}));

    // A revocation moves the counts and the CRL number.
    let rev = c
        .app
        .revoke(&c.ani, cert, &json!({"reason": "unspecified"}))
        .await;
    let rev = rev.expect(StatusCode::CREATED)["id"].as_i64().unwrap();
    let ca = c.app.get(&c.admin, "/api/admin/ca").await;
    assert_eq!(ca.body["requests"], json!({"pending": 1, "success": 1}));
    c.app
        .post(
            &c.op,
            &format!("/api/operator/requests/{rev}/approve"),
            &json!({}),
        )
        .await
        .expect(StatusCode::OK);
    let ca = c.app.get(&c.admin, "/api/admin/ca").await;
    assert_eq!(ca.body["certificates"], json!({"revoked": 1}));
    assert!(ca.body["crl"]["number"].as_u64().unwrap() > number);
    assert_eq!(ca.body["crl"]["revoked"], 1);

    for s in [&c.op, &c.ani] {
        for uri in ["/api/admin/products", "/api/admin/ca"] {
            c.app
                .get(s, uri)
                .await
                .refused(StatusCode::FORBIDDEN, "auth.forbidden");
        }
    }
}

#[tokio::test]
async fn staff_pages_are_served_and_the_reset_page_keeps_the_code_out_of_the_address() {
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let config = kunci_ams::http::Config {
        web_dir: Some(web.clone()),
        ..kunci_ams::http::Config::default()
    };
    let app = TestApp::with_config(config).await;
    for page in ["/operator.html", "/admin.html", "/reset-password.html"] {
        let answer = app
            .send(HttpRequest::get(page).body(Body::empty()).unwrap())
            .await;
        answer.expect(StatusCode::OK);
        assert!(answer.header(header::CONTENT_TYPE).starts_with("text/html"));
    }
    // The page reads the code from the fragment and never puts it in a URL it requests.
    let script = std::fs::read_to_string(web.join("assets/js/pages/reset-password.js")).unwrap();
    assert!(script.contains("location.hash"));
    assert!(!script.contains("location.search"));
}
