//! The storage layer against real SQLite files: migrations, accounts and grants, the CSR
//! token rules, idempotent issuance under concurrency, revocation and the CRL list, the
//! inbox, sessions and throttling, durability across reopening, and all-or-nothing writes.
//!
//! Every test opens a fresh database file in its own temporary folder.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use kunci_ams::Error;
use kunci_ams::store::{
    Actor, CertificateStatus, Document, Id, NewCertificate, NewProduct, NewUser, REASON_SUPERSEDED,
    RequestKind, RequestStatus, RevokedEntry, Role, Store, csr_token_hash,
};
use kunci_core::CsrToken;
use kunci_core::csr::Subject;

/// A fixed "now" (2026-01-01T00:00:00Z); tests move time by adding to it.
const NOW: i64 = 1_767_225_600;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

struct Db {
    store: Store,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

async fn fresh() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kunci.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    Db {
        store,
        path,
        _dir: dir,
    }
}

fn subject(cn: &str) -> Subject {
    Subject {
        common_name: cn.into(),
        email: Some(format!(
            "{}@example.go.id",
            cn.to_lowercase().replace(' ', ".")
        )),
        organization: Some("Dinas Komunikasi dan Informatika".into()),
        organizational_unit: Some("Bidang Persandian".into()),
        locality: Some("Semarang".into()),
        state: Some("Jawa Tengah".into()),
        country: Some("id".into()),
        serial_number: Some("3374010101010001".into()),
    }
}

fn holder(login: &str, products: Vec<Id>) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: format!("Holder {login}"),
        email: format!("{login}@example.go.id"),
        nik: Some("3374010101010001".into()),
        organisation: Some("Diskominfo".into()),
        role: Some(Role::Holder),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        identity: Some(subject(&format!("Holder {login}"))),
        products,
        created_by: Actor::Cli,
    }
}

async fn product(store: &Store, name: &str) -> Id {
    store
        .create_product(
            &NewProduct {
                name: name.into(),
                cert_type: "Individu".into(),
                profile: "individual".into(),
            },
            NOW,
        )
        .await
        .unwrap()
        .id
}

fn token(n: u32) -> CsrToken {
    CsrToken::from(format!("csr-token-{n:08}-0123456789abcdef"))
}

fn document() -> Document {
    Document {
        sha256_hex: "ab".repeat(32),
        original_name: "Surat Rekomendasi.pdf".into(),
        size: 12_345,
    }
}

fn new_cert(serial: &str) -> NewCertificate {
    NewCertificate {
        serial_hex: serial.into(),
        der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        not_before: NOW,
        not_after: NOW + 365 * DAY,
    }
}

/// A holder with one product and an enrollment walked to "Submitted". Returns
/// (user, product, request).
async fn submitted_request(store: &Store, login: &str, n: u32) -> (Id, Id, Id) {
    let p = match store.products().await.unwrap().first() {
        Some(p) => p.id,
        None => product(store, "Sertifikat Individu").await,
    };
    let user = match store.user_by_login(login).await.unwrap() {
        Some(u) => u.id,
        None => {
            store
                .create_user(&holder(login, vec![p]), NOW)
                .await
                .unwrap()
                .id
        }
    };
    let request = walk_to_submitted(store, user, p, n, None).await;
    (user, p, request)
}

async fn walk_to_submitted(store: &Store, user: Id, p: Id, n: u32, supersedes: Option<Id>) -> Id {
    let id = walk_to_uploaded(store, user, p, n, supersedes).await;
    let r = store.submit(id, user, NOW + 180).await.unwrap();
    assert_eq!(r.status, RequestStatus::Submitted);
    r.id
}

/// An enrollment of `user` for product `p` with its CSR and document, not yet submitted.
async fn walk_to_uploaded(store: &Store, user: Id, p: Id, n: u32, supersedes: Option<Id>) -> Id {
    let t = token(n);
    let r = store
        .create_enrollment(user, p, &t, NOW + HOUR, supersedes, NOW)
        .await
        .unwrap();
    store
        .consume_csr_token(&t, user, b"csr-der", NOW + 60)
        .await
        .unwrap();
    store
        .attach_document(r.id, user, &document(), NOW + 120)
        .await
        .unwrap();
    r.id
}

// ---- migrations and durability ----

#[tokio::test]
async fn migrations_run_on_a_fresh_file_and_reopening_is_a_no_op() {
    let db = fresh().await;
    assert!(db.path.exists());
    assert!(db.store.users().await.unwrap().is_empty());
    // WAL mode leaves its side file beside the database while connections are open.
    let wal = db.path.with_file_name("kunci.db-wal");
    assert!(
        wal.exists(),
        "expected WAL mode ({} missing)",
        wal.display()
    );
    db.store.close().await;
    for _ in 0..2 {
        let store = Store::open_sqlite(&db.path).await.unwrap();
        assert!(store.users().await.unwrap().is_empty());
        assert!(publish(&store).await > 0);
        store.close().await;
    }
}

#[tokio::test]
async fn data_survives_closing_and_reopening_the_store() {
    let db = fresh().await;
    let (user, _, request) = submitted_request(&db.store, "budi", 1).await;
    let cert = db
        .store
        .issue_for_request(request, None, &new_cert("0A1B2C"), NOW + 200)
        .await
        .unwrap();
    db.store
        .add_notice(user, "Terbit", "Sertifikat Anda terbit", NOW)
        .await
        .unwrap();
    let crl = publish(&db.store).await;
    db.store.close().await;

    let store = Store::open_sqlite(&db.path).await.unwrap();
    let u = store.user_by_login("BUDI").await.unwrap().unwrap();
    assert_eq!(u.id, user);
    assert_eq!(
        store.identity(user).await.unwrap(),
        Some(normalised(subject("Holder budi")))
    );
    let again = store
        .certificate_by_serial("0a1b2c")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, cert);
    assert_eq!(again.der, vec![0x30, 0x03, 0x02, 0x01, 0x01]);
    let r = store.request(request).await.unwrap();
    assert_eq!(r.status, RequestStatus::Success);
    assert_eq!(r.csr_der.as_deref(), Some(&b"csr-der"[..]));
    assert_eq!(r.document, Some(document()));
    assert_eq!(store.notices(user).await.unwrap().len(), 1);
    assert_eq!(publish(&store).await, crl + 1);
}

#[tokio::test]
async fn an_unusable_database_is_store_unavailable_without_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("kunci.db");
    let err = Store::open_sqlite(&path).await.unwrap_err();
    assert_eq!(err.code(), "store.unavailable");
    let shown = err.to_string();
    assert!(!shown.contains("no-such-folder"), "{shown}");
    let Error::StoreUnavailable { detail } = &err else {
        panic!("{err:?}")
    };
    assert!(!detail.is_empty());
    assert_eq!(
        Store::open("mysql://localhost/x").await.unwrap_err().code(),
        "store.invalid"
    );
}

// ---- accounts, identities, products, grants ----

fn normalised(mut s: Subject) -> Subject {
    s.validate().unwrap();
    s
}

#[tokio::test]
async fn users_identities_products_and_grants_round_trip() {
    let db = fresh().await;
    let s = &db.store;
    let a = product(s, "Sertifikat Individu").await;
    let b = product(s, "Sertifikat Organisasi").await;
    let err = s
        .create_product(
            &NewProduct {
                name: "Sertifikat Individu".into(),
                cert_type: "x".into(),
                profile: "y".into(),
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.conflict");

    let u = s.create_user(&holder("Siti", vec![a]), NOW).await.unwrap();
    assert_eq!(u.login, "siti");
    assert_eq!(u.role, Role::Holder);
    assert!(!u.disabled);
    assert_eq!(u.created_at, NOW);
    assert!(
        !format!("{u:?}").contains("argon2id"),
        "hash must not reach Debug"
    );
    assert_eq!(s.user(u.id).await.unwrap(), u);
    assert_eq!(s.user_by_login(" SITI ").await.unwrap(), Some(u.clone()));
    assert_eq!(s.user_by_login("nobody").await.unwrap(), None);
    assert_eq!(s.user(9999).await.unwrap_err().code(), "store.not_found");
    let dup = s
        .create_user(&holder("siti", vec![]), NOW)
        .await
        .unwrap_err();
    assert_eq!(dup.code(), "store.conflict");
    assert_eq!(
        s.create_user(&holder("  ", vec![]), NOW)
            .await
            .unwrap_err()
            .code(),
        "store.invalid"
    );

    // The identity is stored as kunci-core normalises it (country upper-case) and comes
    // back as the same Subject.
    let id = s.identity(u.id).await.unwrap().unwrap();
    assert_eq!(id, normalised(subject("Holder Siti")));
    assert_eq!(id.country.as_deref(), Some("ID"));
    let mut changed = subject("Siti Aminah");
    changed.organizational_unit = None;
    s.set_identity(u.id, &changed, &Actor::Cli).await.unwrap();
    assert_eq!(s.identity(u.id).await.unwrap(), Some(normalised(changed)));
    let bad = Subject::default();
    assert_eq!(
        s.set_identity(u.id, &bad, &Actor::Cli)
            .await
            .unwrap_err()
            .code(),
        "subject.invalid"
    );

    let names =
        |ps: Vec<kunci_ams::store::Product>| ps.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(names(s.granted_products(u.id).await.unwrap()), vec![a]);
    s.grant_product(u.id, b, NOW, &Actor::Cli).await.unwrap();
    s.grant_product(u.id, b, NOW, &Actor::Cli).await.unwrap();
    assert_eq!(names(s.granted_products(u.id).await.unwrap()), vec![a, b]);
    s.revoke_product(u.id, a, &Actor::Cli).await.unwrap();
    assert_eq!(
        s.revoke_product(u.id, a, &Actor::Cli)
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    assert_eq!(names(s.granted_products(u.id).await.unwrap()), vec![b]);
    assert_eq!(
        s.grant_product(u.id, 777, NOW, &Actor::Cli)
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    assert_eq!(names(s.products().await.unwrap()), vec![a, b]);

    let op = s
        .create_user(
            &NewUser {
                login: "operator".into(),
                display_name: "Operator RA".into(),
                email: "ra@example.go.id".into(),
                role: Some(Role::Operator),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$xx$yy".into(),
                ..NewUser::default()
            },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(op.role, Role::Operator);
    assert_eq!(s.identity(op.id).await.unwrap(), None);
    s.set_password_hash(op.id, "$argon2id$new", &Actor::Cli)
        .await
        .unwrap();
    assert_eq!(s.user(op.id).await.unwrap().password_hash, "$argon2id$new");
    s.set_user_disabled(op.id, true, &Actor::Cli).await.unwrap();
    assert!(s.user(op.id).await.unwrap().disabled);
    let logins: Vec<String> = s
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.login)
        .collect();
    assert_eq!(logins, ["operator", "siti"]);
}

// ---- sessions and throttling ----

#[tokio::test]
async fn sessions_expire_end_at_logout_and_die_with_a_disabled_account() {
    let db = fresh().await;
    let s = &db.store;
    let u = s.create_user(&holder("dewi", vec![]), NOW).await.unwrap();
    let session = s
        .create_session("cookie-token-1", u.id, "csrf-1", NOW, NOW + HOUR)
        .await
        .unwrap();
    assert!(!format!("{session:?}").contains("csrf-1"));
    let (found, user) = s
        .session("cookie-token-1", NOW + 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, session);
    assert_eq!(user.id, u.id);
    assert!(
        s.session("cookie-token-1", NOW + HOUR)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(s.session("cookie-token-2", NOW).await.unwrap().is_none());

    s.delete_session("cookie-token-1").await.unwrap();
    assert!(s.session("cookie-token-1", NOW).await.unwrap().is_none());

    s.create_session("cookie-token-3", u.id, "csrf-3", NOW, NOW + HOUR)
        .await
        .unwrap();
    s.set_user_disabled(u.id, true, &Actor::Cli).await.unwrap();
    assert!(s.session("cookie-token-3", NOW).await.unwrap().is_none());
    let err = s
        .create_session("cookie-token-4", u.id, "csrf-4", NOW, NOW + HOUR)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.conflict");
    s.set_user_disabled(u.id, false, &Actor::Cli).await.unwrap();
    assert!(
        s.session("cookie-token-3", NOW).await.unwrap().is_none(),
        "ended, not paused"
    );
}

#[tokio::test]
async fn login_failures_are_counted_per_login_and_per_address_in_a_window() {
    let db = fresh().await;
    let s = &db.store;
    for i in 0..3 {
        s.record_login_failure("Budi", "10.0.0.1", NOW + i)
            .await
            .unwrap();
    }
    s.record_login_failure("siti", "10.0.0.1", NOW + 5)
        .await
        .unwrap();
    s.record_login_failure("budi", "10.0.0.2", NOW - HOUR)
        .await
        .unwrap();

    let f = s
        .login_failures("budi", "10.0.0.1", NOW - 60)
        .await
        .unwrap();
    assert_eq!((f.by_login, f.by_address), (3, 4));
    let f = s
        .login_failures("BUDI", "10.0.0.2", NOW - 2 * HOUR)
        .await
        .unwrap();
    assert_eq!((f.by_login, f.by_address), (4, 1));

    s.clear_login_failures("budi").await.unwrap();
    let f = s
        .login_failures("budi", "10.0.0.1", NOW - 2 * HOUR)
        .await
        .unwrap();
    assert_eq!(
        (f.by_login, f.by_address),
        (0, 1),
        "siti's failure still counts for the address"
    );
    assert!(s.purge_expired(NOW + 2 * HOUR, NOW + HOUR).await.unwrap() >= 1);
    let f = s.login_failures("siti", "10.0.0.1", 0).await.unwrap();
    assert_eq!((f.by_login, f.by_address), (0, 0));
}

#[tokio::test]
async fn an_idle_session_is_refused_and_deleted_and_use_keeps_it_alive() {
    let db = fresh().await;
    let s = &db.store;
    let u = s.create_user(&holder("dewi", vec![]), NOW).await.unwrap();
    const IDLE: i64 = 30 * 60;
    s.create_session("idle-1", u.id, "csrf-1", NOW, NOW + 8 * HOUR)
        .await
        .unwrap();
    // Used within the minute: not written again.
    let (found, _) = s
        .live_session("idle-1", NOW + 30, IDLE, 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.last_seen_at, NOW);
    // Used every 20 minutes for two hours: alive, its last-seen time moving along.
    let mut at = NOW;
    for _ in 0..6 {
        at += 20 * 60;
        let (found, _) = s
            .live_session("idle-1", at, IDLE, 60)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.last_seen_at, at);
    }
    let (stored, _) = s.session("idle-1", at).await.unwrap().unwrap();
    assert_eq!(stored.last_seen_at, at, "the refresh is stored");
    // Then left alone longer than the timeout: refused, and the row is gone.
    assert!(
        s.live_session("idle-1", at + IDLE + 1, IDLE, 60)
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.session("idle-1", at).await.unwrap().is_none(), "deleted");
    // Exactly at the timeout it still lives.
    s.create_session("idle-2", u.id, "csrf-2", NOW, NOW + 8 * HOUR)
        .await
        .unwrap();
    assert!(
        s.live_session("idle-2", NOW + IDLE, IDLE, 60)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_password_change_ends_every_session_of_the_account_and_no_other() {
    let db = fresh().await;
    let s = &db.store;
    let dewi = s.create_user(&holder("dewi", vec![]), NOW).await.unwrap();
    let budi = s.create_user(&holder("budi", vec![]), NOW).await.unwrap();
    for token in ["dewi-1", "dewi-2"] {
        s.create_session(token, dewi.id, "csrf", NOW, NOW + HOUR)
            .await
            .unwrap();
    }
    s.create_session("budi-1", budi.id, "csrf", NOW, NOW + HOUR)
        .await
        .unwrap();
    s.set_password_hash(dewi.id, "$argon2id$new", &Actor::Cli)
        .await
        .unwrap();
    for token in ["dewi-1", "dewi-2"] {
        assert!(s.session(token, NOW).await.unwrap().is_none(), "{token}");
    }
    assert!(s.session("budi-1", NOW).await.unwrap().is_some());
    // Log out everywhere, the same for one account.
    s.create_session("dewi-3", dewi.id, "csrf", NOW, NOW + HOUR)
        .await
        .unwrap();
    assert_eq!(
        s.delete_user_sessions(dewi.id, &Actor::User(dewi.id))
            .await
            .unwrap(),
        1
    );
    assert!(s.session("budi-1", NOW).await.unwrap().is_some());
}

#[tokio::test]
async fn failures_are_counted_per_pair_grouped_for_the_admin_and_cleared_by_pair_login_or_address()
{
    let db = fresh().await;
    let s = &db.store;
    for i in 0..5 {
        s.record_login_failure("Root", "203.0.113.9", NOW + i)
            .await
            .unwrap();
    }
    for i in 0..3 {
        s.record_login_failure(&format!("tamu{i}"), "203.0.113.9", NOW + 10 + i)
            .await
            .unwrap();
    }
    s.record_login_failure("root", "198.51.100.7", NOW + 20)
        .await
        .unwrap();

    let f = s
        .login_failures("root", "203.0.113.9", NOW - 60)
        .await
        .unwrap();
    assert_eq!(f.by_login_address, 5);
    assert_eq!(f.last_by_login_address, Some(NOW + 4));
    assert_eq!((f.by_login, f.by_address), (6, 8));
    assert_eq!(f.last_by_address, Some(NOW + 12));
    let f = s.login_failures("siti", "192.0.2.1", NOW).await.unwrap();
    assert_eq!(f, kunci_ams::store::LoginFailures::default());

    let groups = s.failure_groups(NOW - 60, 5, 8).await.unwrap();
    let seen: Vec<(Option<&str>, &str, i64, i64)> = groups
        .iter()
        .map(|g| {
            (
                g.login.as_deref(),
                g.address.as_str(),
                g.failures,
                g.last_at,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("root"), "203.0.113.9", 5, NOW + 4),
            (None, "203.0.113.9", 8, NOW + 12),
        ]
    );
    // The window counts: failures before it are not shown.
    assert!(
        s.failure_groups(NOW + 13, 1, 1)
            .await
            .unwrap()
            .iter()
            .all(|g| g.address != "203.0.113.9")
    );

    // The real user's success from elsewhere lifts only its own pair.
    s.clear_login_failures_from("ROOT", "198.51.100.7")
        .await
        .unwrap();
    let f = s
        .login_failures("root", "203.0.113.9", NOW - 60)
        .await
        .unwrap();
    assert_eq!((f.by_login_address, f.by_login), (5, 5));

    assert_eq!(s.clear_failures(None, None, &Actor::Cli).await.unwrap(), 0);
    assert_eq!(
        s.clear_failures(Some("tamu0"), Some("192.0.2.1"), &Actor::Cli)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.clear_failures(Some(" ROOT "), Some("203.0.113.9"), &Actor::Cli)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        s.clear_failures(Some("tamu1"), None, &Actor::Cli)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.clear_failures(None, Some("203.0.113.9"), &Actor::Cli)
            .await
            .unwrap(),
        2
    );
    assert!(s.failure_groups(0, 1, 1).await.unwrap().is_empty());
}

// ---- CSR tokens ----

/// Asserts the request made with `token(n)` is untouched: pending, token unused, no CSR.
async fn assert_untouched(store: &Store, request: Id) {
    let r = store.request(request).await.unwrap();
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.token_used_at, None);
    assert_eq!(r.csr_der, None);
    assert_eq!(r.updated_at, NOW);
}

async fn holder_with_enrollment(store: &Store, login: &str, n: u32) -> (Id, Id) {
    let p = match store.products().await.unwrap().first() {
        Some(p) => p.id,
        None => product(store, "Sertifikat Individu").await,
    };
    let u = store
        .create_user(&holder(login, vec![p]), NOW)
        .await
        .unwrap();
    let r = store
        .create_enrollment(u.id, p, &token(n), NOW + HOUR, None, NOW)
        .await
        .unwrap();
    assert_eq!(r.kind, RequestKind::Enrollment);
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.status.label(), "Enrollment");
    (u.id, r.id)
}

#[tokio::test]
async fn csr_token_is_accepted_once_and_a_replay_is_refused() {
    let db = fresh().await;
    let s = &db.store;
    let (user, request) = holder_with_enrollment(s, "budi", 1).await;

    let checked = s.check_csr_token(&token(1), user, NOW + 60).await.unwrap();
    assert_eq!(checked.id, request);
    assert_untouched(s, request).await;

    let r = s
        .consume_csr_token(&token(1), user, b"first csr", NOW + 60)
        .await
        .unwrap();
    assert_eq!(r.id, request);
    assert_eq!(r.status, RequestStatus::Uploaded);
    assert_eq!(r.status.label(), "Sudah Upload");
    assert_eq!(r.token_used_at, Some(NOW + 60));
    assert_eq!(r.csr_der.as_deref(), Some(&b"first csr"[..]));

    let replay = s
        .consume_csr_token(&token(1), user, b"second csr", NOW + 61)
        .await
        .unwrap_err();
    assert_eq!(replay.code(), "token.used");
    assert_eq!(
        s.check_csr_token(&token(1), user, NOW + 61)
            .await
            .unwrap_err()
            .code(),
        "token.used"
    );
    let after = s.request(request).await.unwrap();
    assert_eq!(after, r, "the replay changed nothing");
}

#[tokio::test]
async fn an_expired_csr_token_is_refused_and_nothing_changes() {
    let db = fresh().await;
    let s = &db.store;
    let (user, request) = holder_with_enrollment(s, "budi", 1).await;
    for at in [NOW + HOUR, NOW + DAY] {
        let err = s
            .consume_csr_token(&token(1), user, b"csr", at)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "token.expired");
    }
    assert_untouched(s, request).await;
}

#[tokio::test]
async fn another_accounts_csr_token_is_refused_and_nothing_changes() {
    let db = fresh().await;
    let s = &db.store;
    let (_owner, request) = holder_with_enrollment(s, "budi", 1).await;
    let (other, other_request) = holder_with_enrollment(s, "siti", 2).await;
    let err = s
        .consume_csr_token(&token(1), other, b"csr", NOW + 60)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "token.wrong_account");
    // Even once expired, the other account learns nothing more than "not yours".
    let err = s
        .consume_csr_token(&token(1), other, b"csr", NOW + DAY)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "token.wrong_account");
    assert_untouched(s, request).await;
    assert_untouched(s, other_request).await;
}

#[tokio::test]
async fn an_unknown_csr_token_is_refused_and_nothing_changes() {
    let db = fresh().await;
    let s = &db.store;
    let (user, request) = holder_with_enrollment(s, "budi", 1).await;
    for t in [
        token(2),
        CsrToken::from(String::new()),
        CsrToken::from("x".repeat(10_000)),
    ] {
        let err = s
            .consume_csr_token(&t, user, b"csr", NOW + 60)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "token.unknown");
    }
    assert_untouched(s, request).await;
}

#[tokio::test]
async fn only_the_token_hash_is_stored() {
    let db = fresh().await;
    let (_, _) = holder_with_enrollment(&db.store, "budi", 1).await;
    db.store.close().await;
    let bytes = std::fs::read(&db.path).unwrap();
    let wal = std::fs::read(db.path.with_file_name("kunci.db-wal")).unwrap_or_default();
    let needle = token(1);
    let hay = [bytes, wal].concat();
    let found = |n: &[u8]| hay.windows(n.len()).any(|w| w == n);
    assert!(
        !found(needle.expose().as_bytes()),
        "the token itself reached the database file"
    );
    assert!(found(csr_token_hash(&needle).as_bytes()));
}

#[tokio::test]
async fn requests_follow_the_process_and_refuse_steps_out_of_order() {
    let db = fresh().await;
    let s = &db.store;
    let (user, request) = holder_with_enrollment(s, "budi", 1).await;
    let (other, _) = holder_with_enrollment(s, "siti", 2).await;
    let ungranted = product(s, "Sertifikat Lain").await;
    let err = s
        .create_enrollment(user, ungranted, &token(3), NOW + HOUR, None, NOW)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.not_granted");

    // No document and no submission before the CSR.
    assert_eq!(
        s.attach_document(request, user, &document(), NOW)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    assert_eq!(
        s.submit(request, user, NOW).await.unwrap_err().code(),
        "store.conflict"
    );
    s.consume_csr_token(&token(1), user, b"csr", NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        s.submit(request, user, NOW + 2).await.unwrap_err().code(),
        "store.conflict"
    );
    // Another holder cannot see or touch it.
    assert_eq!(
        s.attach_document(request, other, &document(), NOW + 2)
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    assert_eq!(
        s.request_of(request, other).await.unwrap_err().code(),
        "store.not_found"
    );
    let mut bad = document();
    bad.sha256_hex = "../../etc/passwd".into();
    assert_eq!(
        s.attach_document(request, user, &bad, NOW + 2)
            .await
            .unwrap_err()
            .code(),
        "store.invalid"
    );
    s.attach_document(request, user, &document(), NOW + 3)
        .await
        .unwrap();
    assert!(s.document_is_referenced(&"AB".repeat(32)).await.unwrap());
    let r = s.submit(request, user, NOW + 4).await.unwrap();
    assert_eq!(r.agreement_at, Some(NOW + 4));
    assert_eq!(
        s.request_queue()
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [request]
    );

    let r = s
        .reject_request(request, None, "Surat tidak terbaca", NOW + 5)
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Rejected);
    assert_eq!(r.reject_reason.as_deref(), Some("Surat tidak terbaca"));
    assert_eq!(
        s.reject_request(request, None, "again", NOW + 6)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    assert_eq!(
        s.issue_for_request(request, None, &new_cert("01"), NOW + 6)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    assert!(s.request_queue().await.unwrap().is_empty());
    assert_eq!(s.requests_of(user).await.unwrap().len(), 1);
}

// ---- issuance ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_the_same_request_twice_at_once_makes_one_certificate() {
    let db = fresh().await;
    let store = Arc::new(db.store.clone());
    for round in 0..8u32 {
        let (user, _, request) = submitted_request(&store, "budi", round).await;
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let serial = format!("{round:02x}{i:02x}ff");
                    store
                        .issue_for_request(request, None, &new_cert(&serial), NOW + 300)
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(cert) => {
                    ok += 1;
                    assert_eq!(cert.request_id, request);
                }
                Err(e) => assert_eq!(e.code(), "store.already_issued", "{e:?}"),
            }
        }
        assert_eq!(ok, 1, "round {round}");
        let certs = store.certificates_of(user).await.unwrap();
        assert_eq!(
            certs.len(),
            round as usize + 1,
            "one certificate per request"
        );
    }
    // And once more, later, by hand.
    let (_, _, request) = submitted_request(&store, "budi", 100).await;
    store
        .issue_for_request(request, None, &new_cert("aa"), NOW)
        .await
        .unwrap();
    let err = store
        .issue_for_request(request, None, &new_cert("bb"), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.already_issued");
    assert!(store.certificate_by_serial("bb").await.unwrap().is_none());
}

// ---- revocation and the CRL ----

#[tokio::test]
async fn revocation_updates_the_certificate_and_the_crl_list() {
    let db = fresh().await;
    let s = &db.store;
    let (user, _, r1) = submitted_request(s, "budi", 1).await;
    let old = s
        .issue_for_request(r1, None, &new_cert("0102AA"), NOW + 200)
        .await
        .unwrap();
    assert_eq!(old.serial_hex, "0102aa");
    assert_eq!(old.status, CertificateStatus::Good);
    assert!(s.revoked_certificates().await.unwrap().is_empty());

    let (other, _) = holder_with_enrollment(s, "siti", 50).await;
    assert_eq!(
        s.create_revocation(other, old.id, 0, NOW)
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    assert_eq!(
        s.create_revocation(user, old.id, 7, NOW)
            .await
            .unwrap_err()
            .code(),
        "store.invalid"
    );
    let rev = s
        .create_revocation(user, old.id, 3, NOW + 300)
        .await
        .unwrap();
    assert_eq!(rev.kind, RequestKind::Revocation);
    assert_eq!(rev.status, RequestStatus::Pending);
    assert_eq!(
        s.create_revocation(user, old.id, 1, NOW + 301)
            .await
            .unwrap_err()
            .code(),
        "store.conflict",
        "one open revocation per certificate"
    );
    assert_eq!(
        s.certificate(old.id).await.unwrap().status,
        CertificateStatus::Good
    );

    let revoked = s.approve_revocation(rev.id, None, NOW + 400).await.unwrap();
    assert_eq!(revoked.status, CertificateStatus::Revoked);
    assert_eq!(revoked.revoked_at, Some(NOW + 400));
    assert_eq!(revoked.revocation_reason, Some(3));
    assert_eq!(
        s.request(rev.id).await.unwrap().status,
        RequestStatus::Success
    );
    assert_eq!(
        s.approve_revocation(rev.id, None, NOW + 401)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    assert_eq!(
        s.revoke_certificate(old.id, 1, NOW + 402)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );

    // A second certificate, revoked directly with another reason.
    let r2 = walk_to_submitted(s, user, s.products().await.unwrap()[0].id, 2, None).await;
    let c2 = s
        .issue_for_request(r2, None, &new_cert("03"), NOW + 500)
        .await
        .unwrap();
    s.revoke_certificate(c2.id, 1, NOW + 600).await.unwrap();
    assert_eq!(
        s.revoked_certificates().await.unwrap(),
        [
            RevokedEntry {
                serial_hex: "0102aa".into(),
                revoked_at: NOW + 400,
                reason: 3
            },
            RevokedEntry {
                serial_hex: "03".into(),
                revoked_at: NOW + 600,
                reason: 1
            },
        ]
    );
    let n1 = publish(s).await;
    let n2 = publish(s).await;
    assert_eq!((n1, n2), (1, 2));
    assert_eq!(
        s.current_crl().await.unwrap(),
        Some(2_i64.to_be_bytes().to_vec())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_older_crl_never_replaces_a_newer_one() {
    let db = fresh().await;
    let store = db.store.clone();
    // A takes its number first and signs slowly; B takes the next number and finishes first.
    let slow = tokio::spawn(async move {
        store
            .publish_crl(|number, _| {
                std::thread::sleep(std::time::Duration::from_millis(400));
                Ok(number.to_be_bytes().to_vec())
            })
            .await
            .unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let newer = publish(&db.store).await;
    let older = slow.await.unwrap();
    assert_eq!(older, (newer - 1).to_be_bytes().to_vec());
    assert_eq!(
        db.store.current_crl().await.unwrap(),
        Some(newer.to_be_bytes().to_vec())
    );
}

#[tokio::test]
async fn a_failed_crl_signature_keeps_the_current_crl() {
    let db = fresh().await;
    let s = &db.store;
    assert_eq!(s.current_crl().await.unwrap(), None);
    let n1 = publish(s).await;
    let refused = s
        .publish_crl(|_, _| {
            Err(kunci_ams::error::Error::Internal {
                detail: "signer unavailable".into(),
            })
        })
        .await;
    assert!(refused.is_err());
    assert_eq!(
        s.current_crl().await.unwrap(),
        Some(n1.to_be_bytes().to_vec())
    );
    // The number the failed publication took stays unused (RFC 5280 allows gaps).
    assert_eq!(publish(s).await, n1 + 2);
}

#[tokio::test]
async fn a_renewal_without_a_gap_supersedes_the_old_certificate_on_issue() {
    let db = fresh().await;
    let s = &db.store;
    let (user, p, r1) = submitted_request(s, "budi", 1).await;
    let old = s
        .issue_for_request(r1, None, &new_cert("01"), NOW + 200)
        .await
        .unwrap();

    let renewal = walk_to_submitted(s, user, p, 2, Some(old.id)).await;
    // A second open renewal of the same certificate is refused.
    let err = s
        .create_enrollment(user, p, &token(3), NOW + HOUR, Some(old.id), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "request.renewal_open");
    assert_eq!(
        s.certificate(old.id).await.unwrap().status,
        CertificateStatus::Good,
        "no gap"
    );

    let new = s
        .issue_for_request(renewal, None, &new_cert("02"), NOW + 900)
        .await
        .unwrap();
    assert_eq!(new.status, CertificateStatus::Good);
    let old = s.certificate(old.id).await.unwrap();
    assert_eq!(old.status, CertificateStatus::Revoked);
    assert_eq!(old.revoked_at, Some(NOW + 900));
    assert_eq!(old.revocation_reason, Some(REASON_SUPERSEDED));
    let crl = s.revoked_certificates().await.unwrap();
    assert_eq!(crl.len(), 1);
    assert_eq!(
        (crl[0].serial_hex.as_str(), crl[0].reason),
        ("01", REASON_SUPERSEDED)
    );
    assert_eq!(s.certificate_of(new.id, user).await.unwrap(), new);
}

// ---- all or nothing ----

#[tokio::test]
async fn a_transaction_failing_midway_leaves_no_partial_rows() {
    let db = fresh().await;
    let s = &db.store;
    let p = product(s, "Sertifikat Individu").await;

    // The user row is inserted first, then the identity, then grants: a missing product in
    // the grants fails after both inserts, and neither may remain.
    let err = s
        .create_user(&holder("budi", vec![p, 4242]), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.not_found");
    assert_eq!(s.user_by_login("budi").await.unwrap(), None);
    assert!(s.users().await.unwrap().is_empty());
    // The login is free again, and the same account can be made properly.
    let u = s.create_user(&holder("budi", vec![p]), NOW).await.unwrap();
    assert_eq!(
        s.identity(u.id)
            .await
            .unwrap()
            .map(|i| i.common_name)
            .as_deref(),
        Some("Holder budi")
    );

    // Issuing moves the request to "Success" first, then inserts the certificate: a serial
    // already used fails the insert, and the request must still wait for approval.
    let r1 = walk_to_submitted(s, u.id, p, 1, None).await;
    s.issue_for_request(r1, None, &new_cert("abcd"), NOW + 200)
        .await
        .unwrap();
    let r2 = walk_to_submitted(s, u.id, p, 2, None).await;
    let err = s
        .issue_for_request(r2, None, &new_cert("ABCD"), NOW + 300)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.conflict");
    let r = s.request(r2).await.unwrap();
    assert_eq!((r.status, r.decided_at), (RequestStatus::Submitted, None));
    assert_eq!(s.certificates_of(u.id).await.unwrap().len(), 1);
    // Then it goes through with a fresh serial.
    s.issue_for_request(r2, None, &new_cert("abce"), NOW + 301)
        .await
        .unwrap();
    assert_eq!(s.certificates_of(u.id).await.unwrap().len(), 2);
}

// ---- inbox ----

#[tokio::test]
async fn notices_inbox_is_per_user_newest_first_with_a_read_flag() {
    let db = fresh().await;
    let s = &db.store;
    let a = s
        .create_user(&holder("budi", vec![]), NOW)
        .await
        .unwrap()
        .id;
    let b = s
        .create_user(&holder("siti", vec![]), NOW)
        .await
        .unwrap()
        .id;
    let n1 = s
        .add_notice(a, "Permohonan diterima", "…", NOW)
        .await
        .unwrap();
    let n2 = s
        .add_notice(a, "Sertifikat terbit", "Silakan unduh", NOW + 10)
        .await
        .unwrap();
    s.add_notice(b, "Halo", "…", NOW).await.unwrap();
    assert_eq!(
        s.add_notice(999, "x", "y", NOW).await.unwrap_err().code(),
        "store.not_found"
    );

    let inbox = s.notices(a).await.unwrap();
    assert_eq!(
        inbox.iter().map(|n| n.id).collect::<Vec<_>>(),
        [n2.id, n1.id]
    );
    assert_eq!(inbox[0].body, "Silakan unduh");
    assert_eq!(s.unread_notices(a).await.unwrap(), 2);
    assert_eq!(
        s.mark_notice_read(n1.id, b, NOW + 20)
            .await
            .unwrap_err()
            .code(),
        "store.not_found",
        "not someone else's notice"
    );
    s.mark_notice_read(n1.id, a, NOW + 20).await.unwrap();
    s.mark_notice_read(n1.id, a, NOW + 30).await.unwrap();
    assert_eq!(s.unread_notices(a).await.unwrap(), 1);
    assert_eq!(s.notices(a).await.unwrap()[1].read_at, Some(NOW + 20));
    assert_eq!(s.unread_notices(b).await.unwrap(), 1);
}

#[tokio::test]
async fn reminders_go_out_once_per_certificate_with_an_inbox_notice() {
    let db = fresh().await;
    let s = &db.store;
    let (user, _, r) = submitted_request(s, "budi", 1).await;
    let c = s
        .issue_for_request(r, None, &new_cert("01"), NOW)
        .await
        .unwrap();
    assert!(
        s.certificates_to_remind(NOW + 300 * DAY)
            .await
            .unwrap()
            .is_empty()
    );
    let due = s.certificates_to_remind(NOW + 400 * DAY).await.unwrap();
    assert_eq!(due.iter().map(|c| c.id).collect::<Vec<_>>(), [c.id]);
    assert!(
        s.record_reminder(c.id, "Segera berakhir", "…", NOW + 335 * DAY)
            .await
            .unwrap()
    );
    assert!(
        !s.record_reminder(c.id, "Segera berakhir", "…", NOW + 336 * DAY)
            .await
            .unwrap()
    );
    assert!(
        s.certificates_to_remind(NOW + 400 * DAY)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.notices(user).await.unwrap().len(), 1);
}

// ---- PostgreSQL (opt-in; issue 7 runs it in CI) ----

/// The same flow on PostgreSQL when `KUNCI_TEST_POSTGRES_URL` names a database (for example
/// `postgres://postgres@127.0.0.1:5432/kunci_test`); skipped otherwise. Names and serials
/// carry the run's time, so the database may be reused between runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_runs_the_same_migrations_and_rules_when_configured() {
    let Ok(url) = std::env::var("KUNCI_TEST_POSTGRES_URL") else {
        eprintln!("KUNCI_TEST_POSTGRES_URL not set: PostgreSQL test skipped");
        return;
    };
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.backend(), kunci_ams::store::Backend::Postgres);
    drop(Store::open(&url).await.unwrap()); // migrations again: a no-op
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let p = product(&store, &format!("Produk {run}")).await;
    let u = store
        .create_user(&holder(&format!("pg{run}"), vec![p]), NOW)
        .await
        .unwrap();
    assert_eq!(
        store.identity(u.id).await.unwrap(),
        Some(normalised(subject(&format!("Holder pg{run}"))))
    );
    let err = store
        .create_user(&holder(&format!("pgx{run}"), vec![p, -1]), NOW)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store.not_found");
    assert!(
        store
            .user_by_login(&format!("pgx{run}"))
            .await
            .unwrap()
            .is_none()
    );

    let t = CsrToken::from(format!("pg-token-{run}-0123456789"));
    let r = store
        .create_enrollment(u.id, p, &t, NOW + HOUR, None, NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .consume_csr_token(&t, u.id + 1, b"csr", NOW)
            .await
            .unwrap_err()
            .code(),
        "token.wrong_account"
    );
    store
        .consume_csr_token(&t, u.id, b"csr", NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .consume_csr_token(&t, u.id, b"csr", NOW)
            .await
            .unwrap_err()
            .code(),
        "token.used"
    );
    store
        .attach_document(r.id, u.id, &document(), NOW)
        .await
        .unwrap();
    store.submit(r.id, u.id, NOW).await.unwrap();

    let store = Arc::new(store);
    let tasks: Vec<_> = (0..4u32)
        .map(|i| {
            let store = Arc::clone(&store);
            let serial = format!("{:x}{i:02x}", run % (1 << 60));
            tokio::spawn(async move {
                store
                    .issue_for_request(r.id, None, &new_cert(&serial), NOW)
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), "store.already_issued", "{e:?}"),
        }
    }
    assert_eq!(ok, 1);
    let certs = store.certificates_of(u.id).await.unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].der, new_cert("01").der);
    let rev = store
        .create_revocation(u.id, certs[0].id, 0, NOW + 1)
        .await
        .unwrap();
    store
        .approve_revocation(rev.id, None, NOW + 2)
        .await
        .unwrap();
    let crl = store.revoked_certificates().await.unwrap();
    assert!(
        crl.iter()
            .any(|e| e.serial_hex == certs[0].serial_hex && e.reason == 0)
    );
    let n = publish(&store).await;
    assert_eq!(publish(&store).await, n + 1);
    store.add_notice(u.id, "Halo", "…", NOW).await.unwrap();
    assert_eq!(store.unread_notices(u.id).await.unwrap(), 1);
    store
        .create_session(&format!("pg-session-{run}"), u.id, "csrf", NOW, NOW + HOUR)
        .await
        .unwrap();
    assert!(
        store
            .session(&format!("pg-session-{run}"), NOW)
            .await
            .unwrap()
            .is_some()
    );
}

/// Publishes a stand-in CRL (its DER is the number's big-endian bytes) and returns its number.
async fn publish(store: &Store) -> i64 {
    let mut taken = 0;
    let der = store
        .publish_crl(|number, _revoked| {
            taken = number;
            Ok(number.to_be_bytes().to_vec())
        })
        .await
        .unwrap();
    assert_eq!(der, taken.to_be_bytes().to_vec());
    taken
}

// ---- automatic mode: one transaction per decision ----

/// A holder's enrollment with its CSR and document, not yet submitted: (user, request).
async fn uploaded_request(store: &Store, login: &str, n: u32) -> (Id, Id) {
    let p = product(store, &format!("Produk {login}")).await;
    let user = store
        .create_user(&holder(login, vec![p]), NOW)
        .await
        .unwrap()
        .id;
    (user, walk_to_uploaded(store, user, p, n, None).await)
}

fn stand_in_crl(number: i64, revoked: Vec<RevokedEntry>) -> kunci_ams::Result<Vec<u8>> {
    let mut der = number.to_be_bytes().to_vec();
    for r in revoked {
        der.extend_from_slice(r.serial_hex.as_bytes());
    }
    Ok(der)
}

#[tokio::test]
async fn submit_and_issue_submits_stores_and_notifies_together() {
    let db = fresh().await;
    let s = &db.store;
    let (user, request) = uploaded_request(s, "sari", 41).await;
    let cert = s
        .submit_and_issue(
            request,
            user,
            &new_cert("0AB1"),
            |c| ("Terbit".into(), format!("seri {}", c.serial_hex)),
            NOW + 200,
        )
        .await
        .unwrap();
    assert_eq!(cert.serial_hex, "0ab1");
    let r = s.request(request).await.unwrap();
    assert_eq!(r.status, RequestStatus::Success);
    let notices = s.notices(user).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].body, "seri 0ab1");
    // Twice: refused as submit refuses, nothing more stored.
    let again = s
        .submit_and_issue(
            request,
            user,
            &new_cert("0AB2"),
            |_| ("x".into(), "y".into()),
            NOW + 300,
        )
        .await;
    assert!(
        matches!(again, Err(Error::StoreConflict { .. })),
        "{again:?}"
    );
    assert!(s.certificate_by_serial("0ab2").await.unwrap().is_none());
    assert_eq!(s.notices(user).await.unwrap().len(), 1);
}

#[tokio::test]
async fn submit_and_issue_with_a_used_serial_leaves_the_request_uploaded() {
    let db = fresh().await;
    let s = &db.store;
    let (_, _, taken) = submitted_request(s, "budi", 42).await;
    s.issue_for_request(taken, None, &new_cert("0C0C"), NOW + 200)
        .await
        .unwrap();
    let (user, request) = uploaded_request(s, "wati", 43).await;
    let clash = s
        .submit_and_issue(
            request,
            user,
            &new_cert("0C0C"),
            |_| ("x".into(), "y".into()),
            NOW + 300,
        )
        .await;
    assert!(
        matches!(clash, Err(Error::StoreConflict { .. })),
        "{clash:?}"
    );
    // Rolled back whole: not submitted, no notice.
    assert_eq!(
        s.request(request).await.unwrap().status,
        RequestStatus::Uploaded
    );
    assert!(s.notices(user).await.unwrap().is_empty());
}

#[tokio::test]
async fn revoke_at_once_revokes_notifies_and_stores_the_crl_together() {
    let db = fresh().await;
    let s = &db.store;
    let (user, _, request) = submitted_request(s, "budi", 44).await;
    let cert = s
        .issue_for_request(request, None, &new_cert("0D0D"), NOW + 200)
        .await
        .unwrap();
    let (rev, revoked, crl) = s
        .revoke_at_once(
            user,
            cert.id,
            1,
            |r, c| ("Dicabut".into(), format!("#{} {}", r.id, c.serial_hex)),
            stand_in_crl,
            NOW + 300,
        )
        .await
        .unwrap();
    assert_eq!(rev.status, RequestStatus::Success);
    assert_eq!(revoked.status, CertificateStatus::Revoked);
    assert_eq!(revoked.revocation_reason, Some(1));
    // The CRL signed inside the transaction lists this revocation, and is the current one.
    assert!(crl.ends_with(b"0d0d"), "{crl:?}");
    assert_eq!(s.current_crl().await.unwrap(), Some(crl));
    let notices = s.notices(user).await.unwrap();
    assert_eq!(notices[0].body, format!("#{} 0d0d", rev.id));
    // Twice: the certificate is no longer good; nothing changes.
    let again = s
        .revoke_at_once(
            user,
            cert.id,
            1,
            |_, _| ("x".into(), "y".into()),
            stand_in_crl,
            NOW + 400,
        )
        .await;
    assert!(again.is_err());
    assert_eq!(s.notices(user).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_crl_signature_undoes_the_revocation_at_once() {
    let db = fresh().await;
    let s = &db.store;
    let (user, _, request) = submitted_request(s, "budi", 45).await;
    let cert = s
        .issue_for_request(request, None, &new_cert("0E0E"), NOW + 200)
        .await
        .unwrap();
    let failed = s
        .revoke_at_once(
            user,
            cert.id,
            0,
            |_, _| ("x".into(), "y".into()),
            |_, _| {
                Err(Error::Internal {
                    detail: "signer unavailable".into(),
                })
            },
            NOW + 300,
        )
        .await;
    assert!(failed.is_err());
    let after = s.certificate(cert.id).await.unwrap();
    assert_eq!(after.status, CertificateStatus::Good);
    assert!(s.notices(user).await.unwrap().is_empty());
    assert!(s.revoked_certificates().await.unwrap().is_empty());
}

// ---- moving to PostgreSQL: `kunci-ams copy-store` ----

/// `kunci-ams copy-store --to URL` copies a used SQLite store into an empty PostgreSQL
/// database, ids, links, the CRL and the inbox included, and then refuses to copy again.
/// Runs when `KUNCI_TEST_DATABASE_URL` names a PostgreSQL server (as `cargo xtask ci` does);
/// a new database is made on it.
#[tokio::test]
async fn copy_store_moves_everything_to_an_empty_postgresql_database() {
    let Ok(server) = std::env::var("KUNCI_TEST_DATABASE_URL") else {
        eprintln!("KUNCI_TEST_DATABASE_URL not set: copy-store test skipped");
        return;
    };
    let db = fresh().await;
    let s = &db.store;
    // Two holders; an issued certificate revoked at once (CRL stored), one renewed without a
    // gap (a request pointing at a certificate), a notice, a pending revocation.
    let (budi, p, first) = submitted_request(s, "budi", 61).await;
    let c1 = s
        .issue_for_request(first, None, &new_cert("0A01"), NOW + 200)
        .await
        .unwrap();
    let (sari, _, second) = submitted_request(s, "sari", 62).await;
    let c2 = s
        .issue_for_request(second, None, &new_cert("0A02"), NOW + 200)
        .await
        .unwrap();
    s.revoke_at_once(
        sari,
        c2.id,
        1,
        |_, _| ("Dicabut".into(), "0a02".into()),
        stand_in_crl,
        NOW + 300,
    )
    .await
    .unwrap();
    let renewal = walk_to_submitted(s, budi, p, 63, Some(c1.id)).await;
    s.create_revocation(budi, c1.id, 3, NOW + 400)
        .await
        .unwrap();
    s.add_notice(budi, "Halo", "Selamat datang", NOW)
        .await
        .unwrap();
    let crl = s.current_crl().await.unwrap();
    assert!(crl.is_some());
    s.close().await;

    let name = format!("kunci_copy_{:016x}", getrandom::u64().unwrap());
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&server).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let base = server.split('?').next().unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let data = db.path.parent().unwrap();
    let copy = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_kunci-ams"))
            .arg("--data-dir")
            .arg(data)
            .args(["copy-store", "--to", &url])
            .output()
            .unwrap()
    };
    let out = copy();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("row(s) of certificates"), "{stdout}");

    let source = Store::open_sqlite(&db.path).await.unwrap();
    let target = Store::open(&url).await.unwrap();
    assert_eq!(target.backend(), kunci_ams::store::Backend::Postgres);
    let users = source.users().await.unwrap();
    assert!(target.users().await.unwrap() == users, "accounts differ");
    for u in &users {
        assert_eq!(
            target.requests_of(u.id).await.unwrap(),
            source.requests_of(u.id).await.unwrap()
        );
        assert_eq!(
            target.certificates_of(u.id).await.unwrap(),
            source.certificates_of(u.id).await.unwrap()
        );
        assert_eq!(
            target.notices(u.id).await.unwrap(),
            source.notices(u.id).await.unwrap()
        );
        assert_eq!(
            target.identity(u.id).await.unwrap(),
            source.identity(u.id).await.unwrap()
        );
    }
    let r = target.request(renewal).await.unwrap();
    assert_eq!(r.supersedes_cert_id, Some(c1.id));
    assert_eq!(target.current_crl().await.unwrap(), crl);
    assert_eq!(
        target.revoked_certificates().await.unwrap(),
        source.revoked_certificates().await.unwrap()
    );
    // The audit log comes over entry for entry: the same chain, intact, the same head.
    let audit = source.verify_audit().await.unwrap();
    assert!(audit.broken.is_none() && audit.entries > 5, "{audit:?}");
    assert_eq!(target.verify_audit().await.unwrap(), audit);
    assert_eq!(
        target.audit_head().await.unwrap(),
        source.audit_head().await.unwrap()
    );
    // New rows continue after the copied ids, and the CRL number after the copied one.
    let next = target
        .create_user(&holder("dewi", vec![p]), NOW)
        .await
        .unwrap();
    assert!(users.iter().all(|u| u.id < next.id));
    let n = publish(&target).await;
    assert!(n > 1, "CRL number restarted at {n}");
    // ... and the chain goes on from the copied head.
    let after = target.verify_audit().await.unwrap();
    assert!(
        after.broken.is_none() && after.entries > audit.entries,
        "{after:?}"
    );

    // A second copy into the now used database is refused and changes nothing.
    let again = copy();
    assert_eq!(again.status.code(), Some(1));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(target.users().await.unwrap().len(), users.len() + 1);
    target.close().await;
}

// ---- what a crash leaves in the uploads folder ----

#[tokio::test]
async fn a_start_sweeps_unfinished_and_unnamed_uploads_and_nothing_else() {
    use kunci_ams::uploads::{Swept, sweep_uploads};
    use std::time::Duration;
    let db = fresh().await;
    let s = &db.store;
    // A request names document "abab…" (see `document()`).
    submitted_request(s, "budi", 71).await;
    let uploads = db.path.with_file_name("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    let named = format!("{}.pdf", "ab".repeat(32));
    let unnamed = format!("{}.pdf", "cd".repeat(32));
    let temporary = format!(".{unnamed}.Zx81qQ.tmp");
    for f in [&named, &unnamed, &temporary, "README.txt", "abc.pdf"] {
        std::fs::write(uploads.join(f), b"%PDF-1.7").unwrap();
    }
    // Too young: an upload of another instance may be in flight.
    let young = sweep_uploads(&uploads, s, Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(young, Swept::default());
    let swept = sweep_uploads(&uploads, s, Duration::ZERO).await.unwrap();
    assert_eq!(
        swept,
        Swept {
            temporary: 1,
            unnamed: 1
        }
    );
    let mut left: Vec<String> = std::fs::read_dir(&uploads)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec!["README.txt".to_owned(), named, "abc.pdf".to_owned()]
    );
}
