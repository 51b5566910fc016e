//! A PKCS#11 module whose token info cryptoki refuses: tests/fixtures/odd_token.c, compiled
//! here with the system C compiler, forwards every call to SoftHSM2 and makes the token whose
//! label starts with "odd" set `CKF_CLOCK_ON_TOKEN` with a `utcTime` that is not digits (the
//! token met in the field that made `list_tokens` fail whole with "Error parsing string as
//! integer"). Every token is still listed, by `list_tokens` and by `kunci-host tokens`, and
//! the odd one is usable: the whole op set runs on it, and its PIN flags are still honoured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::ops::op_set;
use common::{SOFTHSM_MODULE, World, error_code, judge, request, required, result, run_ok};
use serde_json::{Value, json};

/// Compiles the shim into the world's folder and points the host at it; None when SoftHSM2 or
/// a C compiler is missing (and not required).
fn odd_world() -> Option<World> {
    if !common::softhsm_available() {
        return None;
    }
    let Some(cc) = judge("cc") else {
        assert!(!required(), "no C compiler (cc) and KUNCI_REQUIRE_JUDGES=1");
        return None;
    };
    let mut w = World::new();
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/odd_token.c");
    let module = w.path("libodd_token.so");
    run_ok(
        &cc,
        &[
            "-shared",
            "-fPIC",
            "-Wall",
            "-Werror",
            "-o",
            module.to_str().unwrap(),
            source.to_str().unwrap(),
            "-ldl",
        ],
        &[],
    );
    w.extra_env
        .push(("KUNCI_ODD_TARGET", PathBuf::from(SOFTHSM_MODULE)));
    w.use_module(&module);
    Some(w)
}

/// The serial of the listed token labelled `label`.
fn serial_of(tokens: &[Value], label: &str) -> String {
    tokens
        .iter()
        .find(|t| t["label"] == label)
        .unwrap_or_else(|| panic!("{label} is not listed: {tokens:?}"))["serial"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_token_with_an_unreadable_clock_is_listed_beside_the_others_and_usable() {
    let Some(w) = odd_world() else {
        return;
    };
    // init_token lists the tokens through the shim to find the serial: that alone failed
    // before.
    let plain = w.init_token("plain-token");
    let odd = w.init_token("odd-clock");
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    let tokens = result(&r)["tokens"].as_array().unwrap().clone();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_eq!(serial_of(&tokens, "plain-token"), plain);
    assert_eq!(serial_of(&tokens, "odd-clock"), odd);
    let t = tokens.iter().find(|t| t["label"] == "odd-clock").unwrap();
    assert_eq!(t["manufacturer"], "SoftHSM project");
    assert_eq!(t["model"], "SoftHSM v2");
    assert_eq!(t["pin_locked"], false);
    assert_eq!(t["unreadable"], json!(["utc_time"]));
    let p = tokens.iter().find(|t| t["label"] == "plain-token").unwrap();
    assert!(p.get("unreadable").is_none(), "{p}");

    op_set(&w, &mut host, &odd);

    // The PIN flags come from the raw structure too: a wrong PIN sets COUNT_LOW, seen there.
    let r = host.send(&request(
        30,
        "generate_key",
        json!({"token": odd, "pin": "9999", "algorithm": "p256"}),
    ));
    assert_eq!(error_code(&r), "pin.incorrect");
    let r = host.send(&request(31, "list_tokens", json!({})));
    let tokens = result(&r)["tokens"].as_array().unwrap().clone();
    let t = tokens.iter().find(|t| t["label"] == "odd-clock").unwrap();
    assert_eq!(t["pin_count_low"], true, "{t}");
    let (status, _) = host.finish();
    assert!(status.success());
}

#[test]
fn kunci_host_tokens_prints_every_token_of_the_odd_module() {
    let Some(w) = odd_world() else {
        return;
    };
    let plain = w.init_token("plain-token");
    let odd = w.init_token("odd-clock");
    let out = w.cli(&["tokens"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("odd-clock (serial {odd})")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("plain-token (serial {plain})")),
        "{stdout}"
    );
}
