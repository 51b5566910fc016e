//! The stable codes the holder's set-up problems get, through the real binary: the `doctor`
//! op (the checks of `kunci-host doctor` as data for the extension's options page), a module
//! that exists but cannot be loaded (`module.load_failed`), no module (`module.not_found`), and
//! `hello`'s protocol check both ways (`host.too_old`, `extension.too_old`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ORIGIN, PIN, SOFTHSM_MODULE, World, error_code, request, result};
use serde_json::{Value, json};

/// The checks of a `doctor` reply with the kind `id`.
fn checks_of<'a>(reply: &'a Value, id: &str) -> Vec<&'a Value> {
    result(reply)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == id)
        .collect()
}

#[test]
fn doctor_op_answers_the_checks_as_data_and_leaves_the_module_usable() {
    if !common::softhsm_available() {
        return;
    }
    let w = World::new();
    let serial = w.init_token("kunci-doctor-op");
    let out = w.cli(&["install", "--browser", "chromium"]);
    assert!(out.status.success(), "{out:?}");
    let mut host = w.spawn();
    // The token ops first: the module is loaded; doctor must use that one.
    let r = host.send(&request(1, "list_tokens", json!({})));
    result(&r);
    // Answered whatever the origin: the extension asks for itself, from its options page.
    let r = host
        .send(&json!({"id": 2, "op": "doctor", "origin": "chrome-extension://x/", "params": {}}));
    let res = result(&r);
    assert_eq!(res["ok"], true, "{res:#}");
    assert_eq!(res["host"], env!("CARGO_PKG_VERSION"));
    for c in res["checks"].as_array().unwrap() {
        assert_eq!(c["ok"], true, "{c}");
        assert_eq!(c["code"], Value::Null, "{c}");
        assert_eq!(c["fix"], Value::Null, "{c}");
        assert!(c["detail"].as_str().is_some_and(|d| !d.is_empty()), "{c}");
    }
    assert_eq!(checks_of(&r, "config").len(), 1);
    assert_eq!(checks_of(&r, "origins").len(), 1);
    assert!(!checks_of(&r, "manifest").is_empty());
    let module = checks_of(&r, "module");
    assert!(
        module[0]["detail"]
            .as_str()
            .unwrap()
            .contains(SOFTHSM_MODULE)
    );
    let token = checks_of(&r, "token");
    assert!(token[0]["detail"].as_str().unwrap().contains(&serial));
    // The host's module is still initialised: a second copy finalised on drop would break it.
    let r = host.send(&request(
        3,
        "generate_key",
        json!({"token": serial, "pin": PIN, "algorithm": "p256"}),
    ));
    result(&r);
    let (status, _) = host.finish();
    assert!(status.success());
}

#[test]
fn doctor_op_gives_each_problem_a_code_and_a_fix() {
    let w = World::new();
    w.write_config(&json!({"allowed_origins": [], "module": "/nonexistent/p11.so"}));
    let mut host = w.spawn();
    let r = host.send(&json!({"id": 1, "op": "doctor"}));
    let res = result(&r);
    assert_eq!(res["ok"], false);
    let problems: Vec<(&str, &str)> = res["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| {
            assert!(c["fix"].as_str().is_some_and(|f| !f.is_empty()), "{c}");
            (c["id"].as_str().unwrap(), c["code"].as_str().unwrap())
        })
        .collect();
    assert!(
        problems.contains(&("origins", "config.no_origin")),
        "{problems:?}"
    );
    assert!(
        problems.contains(&("module", "module.not_found")),
        "{problems:?}"
    );
    assert!(
        problems.contains(&("manifest", "manifest.invalid")),
        "{problems:?}"
    );
    host.finish();
}

#[test]
fn a_module_that_exists_but_cannot_be_loaded_is_module_load_failed() {
    let w = World::new();
    let broken = w.path("not-a-library.so");
    std::fs::write(&broken, b"this is not an ELF file").unwrap();
    w.write_config(&json!({"allowed_origins": [ORIGIN], "module": broken}));
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    assert_eq!(error_code(&r), "module.load_failed");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("reinstall the token's driver"),
        "{message}"
    );
    let r = host.send(&json!({"id": 2, "op": "doctor"}));
    let module = checks_of(&r, "module");
    assert_eq!(module[0]["code"], "module.load_failed", "{r}");
    host.finish();
    // And the command line says the same, with the code.
    let out = w.cli(&["tokens"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[module.load_failed]"), "{stderr}");
}

#[test]
fn no_module_at_all_is_module_not_found_with_the_fix() {
    let w = World::new();
    w.write_config(&json!({"allowed_origins": [ORIGIN], "module": "/nonexistent/p11.so"}));
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    assert_eq!(error_code(&r), "module.not_found");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("install the token's driver"),
        "{r}"
    );
    host.finish();
}

#[test]
fn hello_tells_which_side_to_update() {
    let w = World::new();
    let mut host = w.spawn();
    let r = host
        .send(&json!({"id": 1, "op": "hello", "params": {"protocol": 1, "extension": "0.1.0"}}));
    assert_eq!(result(&r)["protocol"], 1);
    assert_eq!(result(&r)["min_protocol"], 1);
    let r = host
        .send(&json!({"id": 2, "op": "hello", "params": {"protocol": 2, "extension": "0.2.0"}}));
    assert_eq!(error_code(&r), "host.too_old");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("update kunci-host"),
        "{r}"
    );
    assert_eq!(r["error"]["protocol"], 1);
    assert_eq!(r["error"]["host"], env!("CARGO_PKG_VERSION"));
    let r = host.send(&json!({"id": 3, "op": "hello", "params": {"protocol": 0}}));
    assert_eq!(error_code(&r), "extension.too_old");
    // The host keeps serving after either: the extension decides what to do.
    let r = host.send(&json!({"id": 4, "op": "hello", "params": {"protocol": 1}}));
    result(&r);
    host.finish();
}
