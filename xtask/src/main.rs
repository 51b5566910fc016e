//! `cargo xtask`: every build, test and benchmark job of kunci, in Rust rather than shell.
//!
//! - `cargo xtask ci`: installs what the tests need when missing (the wasm32 rustup target,
//!   Debian's OpenSSL/NSS/Java judges, Python `cryptography` in `target/pyenv`), then runs the
//!   tidy check, rustfmt, clippy (warnings denied), every test with the judges required, and
//!   the wasm32 build of kunci-core. `.ci/run` calls exactly this.
//! - `cargo xtask bench core`: kunci-core against the `openssl` command, medians and ratios.
//! - `cargo xtask setup`: only the installation part of `ci`.
//!
//! One cargo target folder is shared by every step, so each crate builds once.

mod setup;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["ci"] => ci(),
        ["setup"] => setup::all(&root()),
        ["tidy"] => tidy::check(&root()),
        ["bench", "core", rest @ ..] => bench_core(rest),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>
  ci            install test dependencies, then tidy, fmt, clippy, tests, wasm32 build
  setup         only install what the tests need (rustup target, apt packages, Python venv)
  tidy          check every source file's //! header and forbidden stubs
  bench core    kunci-core against the openssl command (KUNCI_BENCH_SAMPLES to change counts)";

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn ci() -> Result {
    let root = root();
    let started = Instant::now();
    setup::all(&root)?;
    step("tidy", || tidy::check(&root))?;
    step("rustfmt", || {
        cargo(&root, &["fmt", "--all", "--", "--check"], &[])
    })?;
    step("clippy", || {
        cargo(
            &root,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )
    })?;
    let python = setup::venv_python(&root);
    let python = python.to_string_lossy().into_owned();
    step("tests", || {
        cargo(
            &root,
            &["test", "--workspace", "--locked"],
            &[
                ("KUNCI_REQUIRE_JUDGES", "1"),
                ("KUNCI_PYTHON", python.as_str()),
            ],
        )
    })?;
    step("wasm32 build of kunci-core", || {
        cargo(
            &root,
            &[
                "build",
                "-p",
                "kunci-core",
                "--target",
                "wasm32-unknown-unknown",
                "--locked",
            ],
            &[],
        )
    })?;
    println!(
        "xtask ci: all steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn bench_core(rest: &[&str]) -> Result {
    let root = root();
    let mut args = vec!["bench", "-p", "kunci-core", "--bench", "core", "--"];
    args.extend_from_slice(rest);
    cargo(&root, &args, &[])
}

/// Runs one named step, printing its name and duration.
fn step(name: &str, f: impl FnOnce() -> Result) -> Result {
    println!("==> {name}");
    let t = Instant::now();
    f().map_err(|e| format!("{name} failed: {e}"))?;
    println!("<== {name} ({:.1} s)", t.elapsed().as_secs_f64());
    Ok(())
}

/// Runs cargo (the same one that runs xtask) in `dir` with extra environment.
pub fn cargo(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(dir).args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// Runs a command with inherited output; an unsuccessful exit is an error naming it.
pub fn run(cmd: &mut Command) -> Result {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} exited with {status}"))
    }
}
