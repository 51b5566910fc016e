//! The drill's command line: usage mistakes exit 2, a portal that cannot run exits 1 with a
//! sentence naming it. (The drills themselves run in `cargo xtask ci` against the real portal,
//! on SQLite and PostgreSQL; this file also makes `cargo test` build the binary they use.)

use std::process::Command;

fn drill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kunci-drill"))
}

#[test]
fn no_command_is_a_usage_mistake_listing_both_drills() {
    let out = drill().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("chaos") && err.contains("load"), "{err}");
}

#[test]
fn an_unknown_flag_is_a_usage_mistake() {
    let out = drill().args(["load", "--holderz", "3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_missing_portal_binary_fails_with_its_name() {
    let out = drill()
        .args(["--ams", "/nonexistent/kunci-ams", "load", "--quick"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/kunci-ams"), "{err}");
}
