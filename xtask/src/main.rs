//! `cargo xtask`: every build, test and benchmark job of kunci, in Rust rather than shell.
//!
//! - `cargo xtask ci`: installs what the tests need when missing (the wasm32 rustup target,
//!   Debian's OpenSSL/NSS/Java judges and Chromium, Python `cryptography` in `target/pyenv`,
//!   the test page's npm packages), then runs the tidy check, rustfmt, clippy (warnings
//!   denied), every Rust test with the judges required, the wasm32 builds of kunci-core, the
//!   npm package build, its tests in Chromium (wasm-bindgen-test and Playwright) and Node, and
//!   the examples under every bundler, then the `.deb` (installed, walked on, purged).
//!   `.ci/run` calls exactly this.
//! - `cargo xtask serve [-- FLAGS]`: builds the npm package and kunci-ams, then runs the
//!   portal on 127.0.0.1:8080 with the demo accounts (FLAGS go to `kunci-ams serve`).
//! - `cargo xtask walk [--scenario NAME] [--browser B]`: the portal walks alone (all, or the named ones),
//!   with the builds they need; screenshots in `target/portal-walk/<scenario>/`.
//! - `cargo xtask extension`: the browser extension, unpacked and zipped, in target/extension.
//! - `cargo xtask dist`: the helper for Linux and Windows, the `.deb`, the `.msi` and the
//!   extension's `.zip`/`.xpi`, in target/dist.
//! - `cargo xtask fuzz [--seconds N] [--target NAME]`: the libFuzzer targets of `fuzz/`.
//! - `cargo xtask wasm`: builds the npm package `kunci` (settings in `wasm-pack.toml`).
//! - `cargo xtask bench core`: kunci-core against the `openssl` command, medians and ratios.
//! - `cargo xtask bench pdf`: signing and verifying 10 MB PDFs (kunci-core's `pdf`), natively.
//! - `cargo xtask bench wasm`: the package in headless Chromium against the browser's own
//!   crypto and the JS libraries pages use today.
//! - `cargo xtask setup`: only the installation part of `ci`.
//!
//! One cargo target folder is shared by every step, so each crate builds once.

mod dist;
mod drill;
mod extension;
mod fuzz;
mod postgres;
mod serve;
mod setup;
mod tidy;
mod walk;
mod wasm;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::OnceLock;
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["ci"] => ci(false),
        ["ci", "--quick"] => ci(true),
        ["ci-postgres"] => {
            let root = root();
            let debug = root.join("target").join("debug");
            setup::all(&root)
                .and_then(|()| cargo(&root, &["test", "--workspace", "--locked", "--no-run"], &[]))
                .and_then(|()| postgres_suite(&root, &debug, &[]))
        }
        ["serve", rest @ ..] => serve::serve(&root(), rest),
        ["walk", rest @ ..] => walk::walk(&root(), rest),
        ["chaos", rest @ ..] => drill::chaos(&root(), rest),
        ["load", rest @ ..] => drill::load(&root(), rest),
        // Everything, Firefox and geckodriver too (ci installs those in its browser step only).
        ["setup"] => setup::all(&root()).and_then(|()| setup::firefox(&root())),
        ["tidy"] => tidy::check(&root()),
        ["bench", "core", rest @ ..] => bench_core(rest),
        ["bench", "pdf"] => cargo(
            &root(),
            &[
                "bench",
                "-p",
                "kunci-core",
                "--features",
                "pdf",
                "--bench",
                "pdf",
            ],
            &[],
        ),
        ["wasm"] => wasm::build(&root()).map(|_| ()),
        ["extension"] => extension::build(&root()).map(|_| ()),
        ["dist"] => dist::build(&root()).map(|_| ()),
        ["dist", "--check-deb"] => dist::linux::check(&root()),
        ["dist", "--check-windows"] => dist::windows::check(&root()),
        ["fuzz", rest @ ..] => fuzz::fuzz(&root(), rest),
        ["postgres"] => postgres::serve_foreground(),
        ["bench", "wasm"] => wasm::build(&root()).and_then(|_| web::bench(&root())),
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
  serve [-- F]  build the npm package and kunci-ams, run the portal on 127.0.0.1:8080 (demo
                accounts on first start; F: more `kunci-ams serve` flags, e.g. --auto-approve)
  walk [--scenario NAME]... [--browser chromium|firefox] [--list]
                the portal walks in headless Chromium or Firefox (all, or the named ones), after
                building what they need; screenshots in target/portal-walk/<scenario>/
  ci [--quick]  install test dependencies, then tidy, fmt, clippy, tests, wasm32 build, drills,
                PostgreSQL, the npm package and browser walks, fuzzing (--quick: the inner
                loop, no drills, PostgreSQL, npm package, browsers or fuzzing)
  ci-postgres   only the PostgreSQL part of ci: a throwaway server, the HTTP suites on it, a
                chaos run, two portal instances on one database under load
  chaos [F]     SIGKILL the portal 60 times while holders enroll, approve and revoke, then
                check the invariants (--quick: 50 kills, short delays; F: kunci-drill flags)
  load [F]      N holders at once for S seconds (--holders 100 --seconds 30; --quick: 20 for
                10 s): issued/s, p50/p99 per step, errors, the same invariants
  load --ocsp [F]
                OCSP at R requests/s for S s, open loop (--rate 1000 --seconds 30; --quick:
                3 s): p50/p95/p99 latency, errors; goal p99 < 20 ms
  load --tsa [F]
                C clients timestamping for S s (--concurrency 16 --seconds 30; --quick: 3 s):
                tokens/s, latency, errors; goal >= 200 tokens/s
  setup         only install what the tests need (rustup target, apt packages, Python venv,
                Firefox ESR and geckodriver)
  tidy          check every source file's //! header and forbidden stubs
  wasm          build the npm package `kunci` (settings: wasm-pack.toml) into crates/kunci-wasm/pkg
  extension     build the browser extension into target/extension/{chromium,firefox} and its zips
  dist          the helper for Linux and Windows, the .deb, the .msi, the extension's .zip and
                .xpi, in target/dist/
  dist --check-deb
                (root) the .deb built twice (same bytes), dpkg -i, the Chromium token walk on the
                installed helper, dpkg --purge leaving nothing (a step of ci)
  dist --check-windows
                kunci-host.exe and the .msi under Wine: framing, install/doctor/uninstall on
                HKCU, msiexec /i and /x on HKLM (a step of ci)
  fuzz [--seconds N] [--target NAME]
                build the libFuzzer targets of fuzz/ and run each N s (default 10); table of
                executions, exec/s, corpus and findings; fails on any finding
  postgres      a throwaway PostgreSQL cluster on 127.0.0.1 (free port) until Enter; prints
                its admin URL (for KUNCI_TEST_POSTGRES_URL)
  bench core    kunci-core against the openssl command (KUNCI_BENCH_SAMPLES to change counts)
  bench pdf     signing and verifying 10 MB PDFs natively (KUNCI_BENCH_SAMPLES, default 9)
  bench wasm    the npm package in headless Chromium against WebCrypto, node-forge, @peculiar/x509,
                @zxcvbn-ts and openssl, plus package sizes";

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `cargo xtask ci [--quick]`. The quick run is the inner loop: everything but PostgreSQL,
/// the drills, the npm package and its browsers, the portal walks and fuzzing.
fn ci(quick: bool) -> Result {
    let root = root();
    let started = Instant::now();
    CI_BUILD.get_or_init(|| ());
    disk_report(&root);
    setup::all(&root)?;
    step("tidy", || tidy::check(&root))?;
    step("rustfmt", || {
        cargo(&root, &["fmt", "--all", "--", "--check"], &[])
    })?;
    // Clippy lints the workspace's crates *while they are built for the tests* (see
    // `lint_env`), instead of in a `cargo clippy` run of its own: that run type-checked all
    // ~300 dependencies a second time (check metadata cannot serve a real build), once for
    // the host and once for wasm32. The lints, their levels and the targets linted are
    // those of `cargo clippy --workspace --all-targets -- -D warnings`.
    let python = setup::venv_python(&root);
    let python = python.to_string_lossy().into_owned();
    let lint = lint_env()?;
    let mut envs: Vec<(&str, &str)> = lint.iter().map(|(k, v)| (*k, v.as_str())).collect();
    envs.push(("KUNCI_REQUIRE_JUDGES", "1"));
    envs.push(("KUNCI_PYTHON", python.as_str()));
    let envs = envs.as_slice();
    step(
        "clippy (-D warnings) + build: every workspace target",
        || {
            lint_canary(&root, &lint)?;
            // `build --all-targets` is the set `clippy --all-targets` lints: every lib and
            // binary both as itself and as a test harness, the tests, benches and examples.
            // It resolves features with the dev-dependencies, as `cargo test --workspace`
            // does, so the test run below compiles nothing again (a `build --bins` would:
            // without dev-dependencies many crates get other features and build twice).
            cargo(&root, &WORKSPACE_BUILD, envs)
        },
    )?;
    step(
        "clippy (-D warnings) + build for wasm32: the façade with both modules' features, kunci-core with and without strength, and with pdf",
        || {
            let facade = [
                "test",
                "--package",
                "kunci-wasm",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--features",
                "strength",
                "--locked",
                "--no-run",
            ];
            cargo(&root, &facade, envs)?;
            let core = [
                "build",
                "--package",
                "kunci-core",
                "--target",
                "wasm32-unknown-unknown",
                "--locked",
            ];
            cargo(&root, &core, envs)?;
            cargo(
                &root,
                &[&core[..], &["--no-default-features"]].concat(),
                envs,
            )?;
            // The PDF module's code (kunci-core's `pdf` feature) builds for the browser too.
            cargo(
                &root,
                &[&core[..], &["--no-default-features", "--features", "pdf"]].concat(),
                envs,
            )
        },
    )?;
    step("tests", || {
        cargo(&root, &["test", "--workspace", "--locked"], envs)
    })?;
    step("browser extension: build, web-ext lint, node tests", || {
        extension::build(&root)?;
        extension::lint(&root)
    })?;
    if quick {
        println!(
            "xtask ci --quick: all steps passed in {:.0} s (not run: drills, PostgreSQL, npm package, browsers, fuzz)",
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    step("Windows: kunci-host.exe and the .msi under Wine", || {
        dist::windows::check(&root)?;
        // The Wine prefix (0.7 GB) serves the next run on this machine only; a CI machine
        // has no next run, and its disk may be small (see `disk_report`).
        free_space(&root.join("target/wine/prefix"))
    })?;
    // The drills run the debug binaries `cargo test` just built (kunci-drill's tests/cli.rs
    // makes it build the drill's binary too).
    let debug = root.join("target").join("debug");
    step(
        "chaos on SQLite (cargo xtask chaos --quick: 50 SIGKILLs)",
        || drill::run(&root, &debug, "chaos", &["--quick"]),
    )?;
    step(
        "load on SQLite (cargo xtask load --quick: 20 holders, 10 s)",
        || drill::run(&root, &debug, "load", &["--quick"]),
    )?;
    // Smoke runs of the OCSP and TSA load modes (3 s each, debug binaries): they fail on an
    // error answer, not on the figures, which need a release build on a quiet machine.
    step(
        "OCSP and TSA load, 3 s each (cargo xtask load --ocsp --quick, --tsa --quick)",
        || {
            drill::run(&root, &debug, "ocsp", &["--quick"])?;
            drill::run(&root, &debug, "tsa", &["--quick"])
        },
    )?;
    step(
        "PostgreSQL: the HTTP suites, a chaos run, two instances under load",
        || postgres_suite(&root, &debug, envs),
    )?;
    step("npm package (cargo xtask wasm)", || {
        wasm::build(&root).map(|_| ())
    })?;
    step("wasm-bindgen-test in headless Chromium", || {
        wasm::browser_tests(&root, envs)?;
        // Nothing after this step builds or runs wasm32 debug code (0.35 GB).
        free_space(&root.join("target/wasm32-unknown-unknown/debug"))
    })?;
    step("npm package in Node 20", || {
        // Every *.test.mjs there: the API judged by OpenSSL, and the argument table (main
        // thread and the worker client over worker_threads).
        let files = web::test_files(&root.join("crates/kunci-wasm/tests/node"))?;
        run(Command::new("node")
            .arg("--test")
            .args(files)
            .current_dir(&root))
    })?;
    step(
        "npm package in Chromium (Playwright), bundlers, interop, portal and token walks",
        // The portal walks run target/debug/kunci-ams, which `cargo test --workspace` built
        // for the binary's own tests (a separate `cargo build -p kunci-ams` would compile it
        // again with other features: minutes for nothing).
        || web::test(&root),
    )?;
    step(
        "the .deb: built twice (same bytes), dpkg -i, the Chromium token walk on the system helper, dpkg --purge",
        || dist::linux::check(&root),
    )?;
    step("fuzz (cargo xtask fuzz --seconds 5: every target)", || {
        fuzz::fuzz(&root, &["--seconds", "5"])
    })?;
    println!(
        "xtask ci: all steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Set by `ci`: its cargo calls ([`cargo`], [`test_binaries`]) then build with
/// [`CI_BUILD_ENV`].
static CI_BUILD: OnceLock<()> = OnceLock::new();

/// What `ci` changes in cargo's dev and test builds, for disk space: a run from a fresh clone
/// compiles each crate once, so incremental caches (1.2 GB) are of no use to it, and debug
/// info (two thirds of every test executable, most of it from std and the C libraries) only
/// serves backtraces. A failing assertion still names its file and line. Without these, a cold
/// run filled a CI machine's disk. With them (and `free_space`), `target/` holds about
/// [`CI_TARGET_GB`] at the end of a cold run instead of 8.5 GB.
const CI_BUILD_ENV: [(&str, &str); 3] = [
    ("CARGO_INCREMENTAL", "0"),
    ("CARGO_PROFILE_DEV_DEBUG", "false"),
    ("CARGO_PROFILE_DEV_STRIP", "debuginfo"),
];

/// About how many GB `target/` holds after a cold `cargo xtask ci` (measured on `main`).
const CI_TARGET_GB: u64 = 4;

/// [`CI_BUILD_ENV`] inside `ci`, nothing outside it (a developer's `cargo xtask walk` builds
/// as their own `cargo test` does, so the two share artifacts).
fn ci_build_env() -> &'static [(&'static str, &'static str)] {
    if CI_BUILD.get().is_some() {
        &CI_BUILD_ENV
    } else {
        &[]
    }
}

/// Removes a folder of `ci`'s own scratch that no later step needs, to keep a cold run's
/// footprint small.
fn free_space(dir: &Path) -> Result {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("{}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Prints the free space on the disk that holds `target/`, and a warning when it is less than
/// a cold run needs: a full disk otherwise shows only as a compiler's write error, minutes in.
fn disk_report(root: &Path) {
    let Ok(out) = Command::new("df").args(["-Pk"]).arg(root).output() else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let free_kib = text
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse::<u64>().ok());
    let Some(free_kib) = free_kib else { return };
    let free_gb = free_kib / 1_000_000;
    println!("setup: {free_gb} GB free on the disk of {}", root.display());
    if free_gb < CI_TARGET_GB + 4 {
        println!(
            "setup: WARNING: a cold `cargo xtask ci` writes about {CI_TARGET_GB} GB to target/ and \
             the packages it installs take about 3 GB more; with {free_gb} GB free it may stop \
             with \"No space left on device\""
        );
    }
}

/// The one build of the workspace for the host that `ci` makes (see its clippy step).
pub const WORKSPACE_BUILD: [&str; 4] = ["build", "--workspace", "--all-targets", "--locked"];

/// The environment that makes cargo compile the workspace's own crates with `clippy-driver`
/// (as `cargo clippy` does: `RUSTC_WORKSPACE_WRAPPER`, lint flags in `CLIPPY_ARGS`) while
/// still producing real artifacts, so one build serves both clippy and the tests.
/// Dependencies are compiled by plain rustc either way. Every cargo call of `ci` that builds
/// native or wasm32 debug artifacts passes it, so nothing is compiled twice; the npm package's
/// release builds do not (clippy-driver turns MIR optimisations off).
fn lint_env() -> Result<Vec<(&'static str, String)>> {
    let cargo = std::env::var_os("CARGO").map(PathBuf::from);
    let beside_cargo = cargo.and_then(|c| c.parent().map(|d| d.join("clippy-driver")));
    let driver = match beside_cargo.filter(|d| d.is_file()) {
        Some(d) => d,
        None => {
            let out = Command::new("rustc")
                .args(["--print", "sysroot"])
                .output()
                .map_err(|e| format!("cannot run rustc --print sysroot: {e}"))?;
            let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            Path::new(&sysroot).join("bin").join("clippy-driver")
        }
    };
    if !driver.is_file() {
        return Err(format!(
            "{} is missing: `rustup component add clippy`",
            driver.display()
        ));
    }
    Ok(vec![
        (
            "RUSTC_WORKSPACE_WRAPPER",
            driver.to_string_lossy().into_owned(),
        ),
        // cargo-clippy's own encoding of `-- -D warnings`.
        (
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".into(),
        ),
    ])
}

/// Proves that `lint_env` lints: clippy-driver with that environment must refuse a file
/// with a `len_zero` finding. Without this, a change in how clippy reads its flags would let
/// every lint pass silently.
fn lint_canary(root: &Path, lint: &[(&'static str, String)]) -> Result {
    let dir = root.join("target").join("lint-canary");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let source = dir.join("canary.rs");
    std::fs::write(
        &source,
        "//! Canary.\n/// Canary.\npub fn empty(v: &[u8]) -> bool {\n    v.len() == 0\n}\n",
    )
    .map_err(|e| format!("{}: {e}", source.display()))?;
    let driver = lint
        .iter()
        .find(|(k, _)| *k == "RUSTC_WORKSPACE_WRAPPER")
        .map(|(_, v)| v.clone())
        .ok_or("no RUSTC_WORKSPACE_WRAPPER")?;
    let mut cmd = Command::new(&driver);
    // As cargo calls a workspace wrapper: the wrapper, then rustc's path, then rustc's flags.
    cmd.arg("rustc")
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
        ])
        .arg("--out-dir")
        .arg(&dir)
        .arg(&source);
    for (k, v) in lint {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {driver}: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !stderr.contains("len_zero") {
        return Err(format!(
            "the clippy wrapper did not refuse a len_zero finding (exit {}): {stderr}",
            out.status
        ));
    }
    Ok(())
}

/// On a throwaway PostgreSQL server (Debian's, on loopback): kunci-ams' HTTP suites (each
/// portal on a database of its own), the store's PostgreSQL test, a chaos run, and two portal
/// instances sharing one database under load.
fn postgres_suite(root: &Path, debug: &Path, judges: &[(&str, &str)]) -> Result {
    let pg = postgres::Postgres::start()?;
    pg.create_database("kunci_store")?;
    let server = pg.admin_url();
    let store = pg.url("kunci_store");
    let mut envs = judges.to_vec();
    envs.push(("KUNCI_TEST_DATABASE_URL", server.as_str()));
    envs.push(("KUNCI_TEST_POSTGRES_URL", store.as_str()));
    // The suites' executables as `cargo test --workspace` built them: `cargo test -p
    // kunci-ams` would resolve features for that one package and rebuild ~80 crates.
    let manifest_dir = root.join("crates").join("kunci-ams");
    let manifest_dir = manifest_dir.to_string_lossy().into_owned();
    envs.push(("CARGO_MANIFEST_DIR", manifest_dir.as_str()));
    let names = [
        "http",
        "api",
        "security",
        "store",
        "pki",
        "audit",
        "holder_paths",
        "staff",
        "lost_key",
        "words",
    ];
    for binary in test_binaries(root, "kunci-ams", &names, judges)? {
        let mut cmd = Command::new(&binary);
        cmd.current_dir(root.join("crates").join("kunci-ams"));
        for (k, v) in &envs {
            cmd.env(k, v);
        }
        run(&mut cmd)?;
    }
    pg.create_database("kunci_chaos")?;
    let chaos = pg.url("kunci_chaos");
    // Half the SQLite run's kills: the crash paths are the same code; what PostgreSQL adds
    // is its own recovery, which every restart exercises.
    let chaos_flags = [
        "--database-url",
        &chaos,
        "--kills",
        "25",
        "--min-delay-ms",
        "50",
        "--max-delay-ms",
        "250",
    ];
    drill::run(root, debug, "chaos", &chaos_flags)?;
    pg.create_database("kunci_load")?;
    let load = pg.url("kunci_load");
    drill::run(
        root,
        debug,
        "load",
        &["--database-url", &load, "--quick", "--instances", "2"],
    )
}

/// The integration-test executables named `names` of `package`, as `cargo test --workspace`
/// builds them with the environment `envs` (built now if they are not yet), in the order of
/// `names`.
fn test_binaries(
    root: &Path,
    package: &str,
    names: &[&str],
    envs: &[(&str, &str)],
) -> Result<Vec<PathBuf>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .envs(ci_build_env().iter().copied())
        .envs(envs.iter().copied())
        .current_dir(root)
        .args(["test", "--workspace", "--locked", "--no-run"])
        .arg("--message-format=json")
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo test --no-run: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo test --no-run exited with {}", output.status));
    }
    let mut found: Vec<(usize, PathBuf)> = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let target = &message["target"];
        let is_test = target["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "test"));
        let of_package = message["package_id"].as_str().is_some_and(|id| {
            id.contains(&format!("/{package}#")) || id.contains(&format!("{package} "))
        });
        let position = names.iter().position(|n| target["name"] == *n);
        if let (true, true, Some(i), Some(exe)) = (
            is_test,
            of_package,
            position,
            message["executable"].as_str(),
        ) {
            found.push((i, PathBuf::from(exe)));
        }
    }
    found.sort();
    if found.len() != names.len() {
        return Err(format!(
            "expected the test executables {names:?} of {package}, found {found:?}"
        ));
    }
    Ok(found.into_iter().map(|(_, p)| p).collect())
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
    for (k, v) in ci_build_env().iter().chain(envs) {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// The path of `program` on PATH, if any.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

/// Whether this process runs as root (apt-get without sudo; PostgreSQL through runuser).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"0")
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
