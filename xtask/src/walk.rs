//! `cargo xtask walk [--scenario NAME]...`: the portal walks alone, with everything they need.
//!
//! A walk is one scenario in one file, `tests/web/walks/<scenario>.test.mjs`: a person's
//! clicks and typing on the real pages, against a real `kunci-ams`, in headless Chromium (the
//! kit is `tests/web/walks/walker.mjs`). This command installs what is missing (as `ci` does),
//! builds the npm package, `kunci-ams` and, for the token walk, `kunci-host` and the extension,
//! then runs the chosen walks one after another (all of them without `--scenario`). Each walk
//! leaves numbered screenshots in `target/portal-walk/<scenario>/`. `--list` prints the names.
//! `cargo xtask ci` runs the same files with the other browser tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cargo, extension, run, setup, wasm, web};

/// The scenarios that need the USB-token pieces (the helper and the extension).
const TOKEN_SCENARIOS: [&str; 2] = ["token-key", "pdf-sign"];

/// Runs the walks `args` name (see the module docs).
pub fn walk(root: &Path, args: &[&str]) -> Result {
    let all = web::walks(root)?;
    let mut chosen: Vec<&str> = Vec::new();
    let mut rest = args.iter().copied();
    while let Some(arg) = rest.next() {
        match arg {
            "--list" => {
                for (name, _) in &all {
                    println!("{name}");
                }
                return Ok(());
            }
            "--scenario" => {
                let name = rest
                    .next()
                    .ok_or("--scenario needs a name (cargo xtask walk --list)")?;
                if !all.iter().any(|(n, _)| n == name) {
                    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
                    return Err(format!(
                        "no walk named {name:?}; the walks are: {}",
                        names.join(", ")
                    ));
                }
                chosen.push(name);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}: cargo xtask walk [--scenario NAME]... [--list]"
                ));
            }
        }
    }
    let files: Vec<&PathBuf> = all
        .iter()
        .filter(|(n, _)| chosen.is_empty() || chosen.contains(&n.as_str()))
        .map(|(_, f)| f)
        .collect();
    let token = chosen.is_empty() || TOKEN_SCENARIOS.iter().any(|s| chosen.contains(s));

    setup::all(root)?;
    wasm::build(root)?;
    let mut build = vec!["build", "--locked", "--package", "kunci-ams"];
    if token {
        build.extend(["--package", "kunci-host"]);
    }
    cargo(root, &build, &[])?;
    if token {
        extension::build(root)?;
    }
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&files)
        .current_dir(root)
        .env("KUNCI_REQUIRE_PACKAGE", "1"))?;
    println!(
        "xtask walk: screenshots in {}",
        root.join("target/portal-walk").display()
    );
    Ok(())
}
