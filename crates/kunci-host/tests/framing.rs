//! The native-messaging framing and request checks, through the real binary's stdin/stdout:
//! zero length, oversize, truncated streams, bad UTF-8 and JSON, several requests in one
//! write, unknown ops, refused origins and a missing module. None of these needs a token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{World, error_code, frame, request, result};
use serde_json::{Value, json};

#[test]
fn hello_answers_without_an_origin_check_and_names_the_module() {
    let w = World::new();
    let hello = json!({"id": 1, "op": "hello", "params": {"protocol": 1, "extension": "0.1.0"}});
    let (replies, out) = w.exchange_raw(&frame(&serde_json::to_vec(&hello).unwrap()));
    assert!(out.status.success());
    assert_eq!(replies.len(), 1);
    let r = result(&replies[0]);
    assert_eq!(replies[0]["id"], 1);
    assert_eq!(r["protocol"], 1);
    assert_eq!(r["host"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["module"], common::SOFTHSM_MODULE);
}

#[test]
fn zero_length_message_is_request_bad_and_the_stream_goes_on() {
    let w = World::new();
    let mut bytes = 0u32.to_ne_bytes().to_vec();
    bytes.extend(frame(br#"{"id":2,"op":"hello"}"#));
    let (replies, out) = w.exchange_raw(&bytes);
    assert!(out.status.success());
    assert_eq!(replies.len(), 2);
    assert_eq!(error_code(&replies[0]), "request.bad");
    assert_eq!(replies[0]["id"], Value::Null);
    assert_eq!(replies[1]["id"], 2);
}

#[test]
fn oversize_header_is_refused_without_reading_the_body_and_the_host_exits() {
    let w = World::new();
    // A 2 MiB header and no body at all: the host must answer from the header alone.
    let mut bytes = (2u32 * 1024 * 1024).to_ne_bytes().to_vec();
    // A request after it must never be answered: the stream cannot be framed any more.
    bytes.extend(frame(br#"{"id":3,"op":"hello"}"#));
    let (replies, out) = w.exchange_raw(&bytes);
    assert!(out.status.success(), "exits cleanly: {out:?}");
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(error_code(&replies[0]), "request.too_large");
}

#[test]
fn eof_inside_a_body_exits_cleanly_without_a_reply() {
    let w = World::new();
    let mut bytes = 100u32.to_ne_bytes().to_vec();
    bytes.extend_from_slice(br#"{"id":4,"op":"hel"#);
    let (replies, out) = w.exchange_raw(&bytes);
    assert!(out.status.success());
    assert!(replies.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ended inside a message"));
}

#[test]
fn eof_inside_a_length_header_exits_cleanly_without_a_reply() {
    let w = World::new();
    let (replies, out) = w.exchange_raw(&[7, 0]);
    assert!(out.status.success());
    assert!(replies.is_empty());
}

#[test]
fn invalid_json_and_invalid_utf8_are_request_bad_with_a_null_id() {
    let w = World::new();
    let mut bytes = frame(b"{\"id\": 5, \"op\": ");
    bytes.extend(frame(&[0x7b, 0xff, 0xfe, 0x7d]));
    bytes.extend(frame(b"[1,2,3]"));
    let (replies, _) = w.exchange_raw(&bytes);
    assert_eq!(replies.len(), 3);
    for r in &replies {
        assert_eq!(error_code(r), "request.bad");
        assert_eq!(r["id"], Value::Null);
    }
    assert!(
        replies[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );
}

#[test]
fn several_requests_in_one_write_get_replies_in_order() {
    let w = World::new();
    let mut bytes = Vec::new();
    bytes.extend(frame(br#"{"id":10,"op":"hello","params":{"protocol":1}}"#));
    bytes.extend(frame(
        br#"{"id":11,"op":"erase_token","origin":"https://ams.example.go.id"}"#,
    ));
    bytes.extend(frame(
        br#"{"id":12,"op":"list_tokens","origin":"https://evil.example"}"#,
    ));
    bytes.extend(frame(br#"{"id":13,"op":"list_tokens","params":{}}"#));
    bytes.extend(frame(br#"{"id":14,"op":"hello"}"#));
    let (replies, out) = w.exchange_raw(&bytes);
    assert!(out.status.success());
    let ids: Vec<i64> = replies.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [10, 11, 12, 13, 14]);
    assert_eq!(replies[0]["ok"], true);
    assert_eq!(error_code(&replies[1]), "op.unknown");
    assert_eq!(error_code(&replies[2]), "origin.not_allowed");
    assert_eq!(
        error_code(&replies[3]),
        "origin.not_allowed",
        "no origin at all is refused"
    );
    assert_eq!(replies[4]["ok"], true);
}

#[test]
fn origin_with_a_trailing_slash_matches_the_allow_list() {
    let w = World::new();
    w.write_config(&json!({"allowed_origins": ["https://ams.example.go.id/"], "module": "/nonexistent/p11.so"}));
    let (replies, _) = w.exchange_raw(&frame(
        &serde_json::to_vec(&request(1, "list_tokens", json!({}))).unwrap(),
    ));
    // Past the origin check: the module is what fails.
    assert_eq!(error_code(&replies[0]), "module.not_found");
}

#[test]
fn missing_module_is_module_not_found_and_hello_reports_null() {
    let w = World::new();
    w.write_config(&json!({"allowed_origins": [common::ORIGIN], "module": "/nonexistent/p11.so"}));
    let mut bytes = frame(br#"{"id":1,"op":"hello"}"#);
    bytes.extend(frame(
        &serde_json::to_vec(&request(2, "list_tokens", json!({}))).unwrap(),
    ));
    let (replies, _) = w.exchange_raw(&bytes);
    assert_eq!(result(&replies[0])["module"], Value::Null);
    assert_eq!(error_code(&replies[1]), "module.not_found");
    assert!(
        replies[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/p11.so")
    );
}

#[test]
fn a_file_that_is_not_a_pkcs11_module_is_module_load_failed() {
    let w = World::new();
    let fake = w.path("fake.so");
    std::fs::write(&fake, b"not a shared object").unwrap();
    w.write_config(&json!({"allowed_origins": [common::ORIGIN], "module": fake}));
    let (replies, _) = w.exchange_raw(&frame(
        &serde_json::to_vec(&request(1, "list_tokens", json!({}))).unwrap(),
    ));
    assert_eq!(error_code(&replies[0]), "module.load_failed");
}

#[test]
fn missing_config_refuses_every_origin_but_still_says_hello() {
    let w = World::new();
    std::fs::remove_file(w.config_path()).unwrap();
    let mut bytes = frame(br#"{"id":1,"op":"hello"}"#);
    bytes.extend(frame(
        &serde_json::to_vec(&request(2, "list_tokens", json!({}))).unwrap(),
    ));
    let (replies, out) = w.exchange_raw(&bytes);
    assert_eq!(replies[0]["ok"], true);
    assert_eq!(error_code(&replies[1]), "origin.not_allowed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("kunci-host install"));
}

#[test]
fn wrong_params_are_request_bad_with_the_request_id() {
    let w = World::new();
    let bad = request(
        9,
        "generate_key",
        json!({"token": "x", "pin": "1234", "algorithm": "rsa1024"}),
    );
    let (replies, _) = w.exchange_raw(&frame(&serde_json::to_vec(&bad).unwrap()));
    assert_eq!(error_code(&replies[0]), "request.bad");
    assert_eq!(replies[0]["id"], 9);
    assert!(
        !replies[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1234"),
        "no PIN in messages"
    );
}

#[test]
fn the_installers_system_wide_config_lets_its_portal_in_without_a_users_file() {
    let w = World::new();
    let _ = std::fs::remove_file(w.config_path());
    let list = || {
        let (replies, _) = w.exchange_raw(&frame(
            &serde_json::to_vec(&request(1, "list_tokens", json!({}))).unwrap(),
        ));
        error_code(&replies[0]).to_owned()
    };
    assert_eq!(
        list(),
        "origin.not_allowed",
        "no file at all: every portal refused"
    );
    std::fs::write(
        w.path("system-host.json"),
        json!({"allowed_origins": [common::ORIGIN], "module": "/nonexistent/system.so"})
            .to_string(),
    )
    .unwrap();
    // Past the origin check, with the system file's module.
    assert_eq!(list(), "module.not_found");
    let doctor = w.cli(&["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(text.contains("system-wide config file"), "{text}");
    assert!(
        text.contains(&format!("allowed origins: {}", common::ORIGIN)),
        "{text}"
    );
    assert!(
        !text.contains("is missing"),
        "no user file is fine here: {text}"
    );
    // The user's own origins add to the installer's.
    w.write_config(&json!({"allowed_origins": ["https://other.example"]}));
    assert_eq!(list(), "module.not_found");
}

#[test]
fn a_broken_system_wide_config_is_reported_and_the_users_own_list_still_works() {
    let w = World::new();
    w.write_config(&json!({"allowed_origins": [common::ORIGIN], "module": "/nonexistent/p11.so"}));
    std::fs::write(w.path("system-host.json"), "{ not json").unwrap();
    let (replies, _) = w.exchange_raw(&frame(
        &serde_json::to_vec(&request(1, "list_tokens", json!({}))).unwrap(),
    ));
    // Past the origin check on the user's list: the (missing) module is what fails.
    assert_eq!(error_code(&replies[0]), "module.not_found");
    let doctor = w.cli(&["doctor"]);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(text.contains("system-host.json"), "{text}");
    assert!(
        text.contains("reinstall the kunci-host package"),
        "the fix is named: {text}"
    );
    assert!(
        !doctor.status.success(),
        "a broken system file is a problem: {text}"
    );
}
