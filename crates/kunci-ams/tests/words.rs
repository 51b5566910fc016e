//! One language at a time (issue 12, point 11): the account's language is stored
//! (`PUT /api/me/language`, `users.lang`, default `id`), the inbox shows each notice in it only,
//! and e-mail goes out in it; bad input (an unknown code, no CSRF token, no session, a body
//! without the field) is refused with its code and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{Answer, Session, TestApp, json_request, with_session};

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use kunci_ams::http::unix_now;
use kunci_ams::portal::Mailer;
use kunci_ams::words::{Lang, NoticeText};
use serde_json::{Value, json};

const ANI: &str = "CN=Ani Wijaya,emailAddress=ani.wijaya@example.go.id,OU=Bidang Persandian,\
                   O=Dinas Komunikasi dan Informatika,L=Bandung,ST=Jawa Barat,C=ID";
const INDIVIDU: &str = "Sertifikat Elektronik Individu";

/// Keeps every message instead of sending it.
#[derive(Debug, Default)]
struct Outbox(Mutex<Vec<(String, String, String)>>);

impl Mailer for Outbox {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> Pin<Box<dyn Future<Output = kunci_ams::Result<()>> + Send + 'a>> {
        self.0
            .lock()
            .unwrap()
            .push((to.to_owned(), subject.to_owned(), body.to_owned()));
        Box::pin(async { Ok(()) })
    }
}

impl TestApp {
    async fn put_language(&self, s: &Session, body: &Value, csrf: Option<&str>) -> Answer {
        self.send(with_session(
            json_request(Method::PUT, "/api/me/language", body),
            s,
            csrf,
        ))
        .await
    }

    async fn lang_of(&self, s: &Session) -> Lang {
        self.store().user(s.user.id).await.unwrap().lang
    }

    /// The subjects and bodies of `s`'s inbox, as the API answers them.
    async fn inbox(&self, s: &Session) -> Vec<(String, String)> {
        let answer = self.get(s, "/api/notices").await;
        answer.expect(StatusCode::OK)["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["subject"].as_str().unwrap().to_owned(),
                    n["body"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    async fn audit_actions(&self) -> Vec<(String, String, String)> {
        self.store()
            .audit_page(None, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.actor, r.action, r.details))
            .collect()
    }
}

#[tokio::test]
async fn a_new_account_reads_indonesian_and_its_choice_is_stored_and_audited() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    assert_eq!(app.lang_of(&ani).await, Lang::Id);
    let me = app.get(&ani, "/api/me").await;
    assert_eq!(me.expect(StatusCode::OK)["lang"], "id");

    let answer = app
        .put_language(&ani, &json!({"lang": "en"}), Some(&ani.csrf))
        .await;
    assert_eq!(answer.expect(StatusCode::OK)["lang"], "en");
    assert_eq!(app.lang_of(&ani).await, Lang::En);
    let me = app.get(&ani, "/api/me").await;
    assert_eq!(me.expect(StatusCode::OK)["lang"], "en");

    let changed: Vec<_> = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(_, action, _)| action == "user.language_changed")
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].0, format!("user:{}", ani.user.id));
    assert!(changed[0].2.contains(r#""lang":"en""#), "{}", changed[0].2);

    // And back.
    app.put_language(&ani, &json!({"lang": "id"}), Some(&ani.csrf))
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.lang_of(&ani).await, Lang::Id);
}

#[tokio::test]
async fn an_unknown_language_is_refused_with_its_code_and_changes_nothing() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    app.put_language(&ani, &json!({"lang": "en"}), Some(&ani.csrf))
        .await
        .expect(StatusCode::OK);
    let world = app.world().await;
    let audit = app.audit_actions().await;

    for bad in ["fr", "", "EN", "id-ID", "english", "en "] {
        let answer = app
            .put_language(&ani, &json!({"lang": bad}), Some(&ani.csrf))
            .await;
        answer.expect(StatusCode::BAD_REQUEST);
        assert_eq!(answer.code(), "language.unknown", "{bad:?}");
    }
    // Not a language at all.
    for body in [json!({}), json!({"lang": 1}), json!({"lang": null})] {
        let answer = app.put_language(&ani, &body, Some(&ani.csrf)).await;
        answer.expect(StatusCode::BAD_REQUEST);
        assert_eq!(answer.code(), "http.bad_request", "{body}");
    }
    // Without the CSRF token, or with another's session's token.
    let answer = app.put_language(&ani, &json!({"lang": "id"}), None).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "csrf.missing");
    let budi = app
        .holder(
            "budi",
            "CN=Budi Santoso,emailAddress=budi@example.go.id,C=ID",
            &[INDIVIDU],
        )
        .await;
    let answer = app
        .put_language(&ani, &json!({"lang": "id"}), Some(&budi.csrf))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "csrf.mismatch");
    // Without a session.
    let answer = app
        .send(json_request(
            Method::PUT,
            "/api/me/language",
            &json!({"lang": "id"}),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.code(), "auth.required");

    assert_eq!(app.lang_of(&ani).await, Lang::En);
    // Budi's account was added since; Ani's row is as it was.
    let now = app.world().await;
    assert_eq!(
        now.users.iter().find(|u| u.id == ani.user.id),
        world.users.iter().find(|u| u.id == ani.user.id)
    );
    assert_eq!(now.notices, world.notices);
    let after: Vec<_> = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(_, action, _)| action == "user.language_changed")
        .collect();
    let before: Vec<_> = audit
        .into_iter()
        .filter(|(_, action, _)| action == "user.language_changed")
        .collect();
    assert_eq!(after, before);
}

#[tokio::test]
async fn the_inbox_shows_each_notice_in_the_accounts_language_only() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let portal = &app.state.portal;
    portal
        .notify(
            app.store(),
            ani.user.id,
            &NoticeText::issued(7, INDIVIDU, "0A1B2C"),
            unix_now(),
        )
        .await;
    portal
        .notify(
            app.store(),
            ani.user.id,
            &NoticeText::rejected(8, "dokumen tidak terbaca", "", ""),
            unix_now(),
        )
        .await;

    let id = app.inbox(&ani).await;
    assert_eq!(id.len(), 2);
    for (subject, body) in &id {
        assert!(!subject.contains(" / "), "{subject}");
        assert!(
            !body.contains("Request #") && !body.contains("certificate"),
            "{body}"
        );
    }
    assert!(id.iter().any(|(s, _)| s == "Permohonan #8 ditolak"));
    assert!(
        id.iter()
            .any(|(s, _)| s == "Sertifikat elektronik terbit: nomor seri 0A1B2C")
    );

    app.put_language(&ani, &json!({"lang": "en"}), Some(&ani.csrf))
        .await
        .expect(StatusCode::OK);
    let en = app.inbox(&ani).await;
    assert_eq!(en.len(), 2);
    for (subject, body) in &en {
        assert!(
            !body.contains("Permohonan #") && !body.contains("telah"),
            "{body}"
        );
        assert!(!subject.contains("Sertifikat"), "{subject}");
    }
    assert!(en.iter().any(|(s, _)| s == "Request #8 rejected"));
    assert!(
        en.iter()
            .any(|(s, b)| s == "Certificate issued: serial 0A1B2C" && b.contains("Request #7"))
    );
}

#[tokio::test]
async fn a_notice_stored_in_one_text_is_shown_as_stored_in_either_language() {
    let app = TestApp::new().await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    app.store()
        .add_notice(ani.user.id, "Halo / Hello", "Dua bahasa / Two languages", 1)
        .await
        .unwrap();
    let id = app.inbox(&ani).await;
    app.put_language(&ani, &json!({"lang": "en"}), Some(&ani.csrf))
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.inbox(&ani).await, id);
}

#[tokio::test]
async fn mail_goes_out_in_the_accounts_language() {
    let outbox = Arc::new(Outbox::default());
    let app = TestApp::with_mailer(|_| {}, Some(outbox.clone() as Arc<dyn Mailer>)).await;
    let ani = app.holder("ani", ANI, &[INDIVIDU]).await;
    let portal = &app.state.portal;
    let text = NoticeText::revoked(9, "0A1B2C");

    portal
        .notify(app.store(), ani.user.id, &text, unix_now())
        .await;
    app.put_language(&ani, &json!({"lang": "en"}), Some(&ani.csrf))
        .await
        .expect(StatusCode::OK);
    portal
        .notify(app.store(), ani.user.id, &text, unix_now())
        .await;

    let sent = outbox.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].0, "ani.wijaya@example.go.id");
    assert_eq!(sent[0].1, "Sertifikat dicabut: nomor seri 0A1B2C");
    assert!(
        sent[0].2.starts_with("Permohonan pencabutan #9") && !sent[0].2.contains("Revocation"),
        "{}",
        sent[0].2
    );
    assert_eq!(sent[1].1, "Certificate revoked: serial 0A1B2C");
    assert!(
        sent[1].2.starts_with("Revocation request #9") && !sent[1].2.contains("Permohonan"),
        "{}",
        sent[1].2
    );
}
