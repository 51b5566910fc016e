//! `cargo xtask chaos` and `cargo xtask load`: build kunci-ams and kunci-drill in release and
//! run the drill against the real binary (issue 7, parts 2 and 3).
//!
//! - `chaos [--quick] [FLAGS]`: SIGKILLs the portal at random moments (60 by default; `--quick`
//!   50 after 50-250 ms each) while holders enroll, an operator approves and holders revoke;
//!   then checks the invariants. Exits non-zero on any violation.
//! - `load [--holders N] [--seconds S] [--quick]`: N holders at once (100) for S seconds (30)
//!   with automatic approval; prints issued certificates per second, p50/p99 per step, errors
//!   and the same invariants. `--quick`: 20 holders for 10 s.
//! - `load --ocsp [--rate R] [--seconds S] [--quick]`: the OCSP responder under R requests a
//!   second (1000) for S seconds (30), open loop: p50/p95/p99 latency and errors against the
//!   issue's goal, p99 < 20 ms. `load --tsa [--concurrency C] [--seconds S] [--quick]`: C
//!   clients (16) stamping for S seconds: tokens/s against ≥ 200/s. `--quick`: 3 s each.
//!
//! FLAGS go to `kunci-drill chaos|load` unchanged (`kunci-drill help chaos` lists them; e.g.
//! `--database-url postgres://…` runs the portal on PostgreSQL, `load --instances 2` runs two
//! portals on one database). The drill's figures are printed; this step adds only the
//! wall-clock time.
//!
//! `cargo xtask ci` runs the same drills briefly through [`run`] on the debug binaries that
//! `cargo test --workspace` already built (dependencies are optimised in dev builds, see the
//! workspace Cargo.toml), which saves a release build of the whole server.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::{Result, cargo};

/// `cargo xtask chaos [FLAGS]`.
pub fn chaos(root: &Path, rest: &[&str]) -> Result {
    drill(root, "chaos", rest)
}

/// `cargo xtask load [--ocsp|--tsa] [FLAGS]`.
pub fn load(root: &Path, rest: &[&str]) -> Result {
    // `--ocsp` and `--tsa` pick kunci-drill's `ocsp` and `tsa` commands; the rest of the
    // flags go to it as they are.
    let mode = rest.iter().find(|a| matches!(**a, "--ocsp" | "--tsa"));
    let rest: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|a| !matches!(*a, "--ocsp" | "--tsa"))
        .collect();
    match mode {
        Some(&"--ocsp") => drill(root, "ocsp", &rest),
        Some(_) => drill(root, "tsa", &rest),
        None => drill(root, "load", &rest),
    }
}

fn drill(root: &Path, command: &str, rest: &[&str]) -> Result {
    cargo(
        root,
        &[
            "build",
            "--release",
            "--package",
            "kunci-ams",
            "--package",
            "kunci-drill",
        ],
        &[],
    )?;
    run(root, &root.join("target").join("release"), command, rest)
}

/// Runs `kunci-drill COMMAND FLAGS` from `bin_dir` against the `kunci-ams` beside it, without
/// building either.
pub fn run(root: &Path, bin_dir: &Path, command: &str, rest: &[&str]) -> Result {
    let started = Instant::now();
    let rest: Vec<&str> = rest.iter().copied().skip_while(|a| *a == "--").collect();
    let mut cmd = Command::new(bin_dir.join("kunci-drill"));
    cmd.current_dir(root)
        .arg("--ams")
        .arg(bin_dir.join("kunci-ams"))
        .arg(command)
        .args(&rest);
    let result = crate::run(&mut cmd);
    eprintln!(
        "xtask: {command} took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    result
}
