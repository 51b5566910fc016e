//! `cargo xtask fuzz [--seconds N] [--target NAME]`: builds the libFuzzer targets of `fuzz/`
//! and runs each for N seconds (default 10), then prints executions, speed, corpus size and
//! findings per target. Exits non-zero when any target found something.
//!
//! Built on stable Rust without cargo-fuzz: the coverage instrumentation cargo-fuzz asks of
//! rustc (`-Cpasses=sancov-module` and the `-sanitizer-coverage-*` LLVM options) is made of
//! stable `-C` flags, and `libfuzzer-sys` compiles and links libFuzzer itself. Only
//! `-Zsanitizer=address` would need nightly, and kunci's crates forbid `unsafe`, so the
//! targets run without ASan (as `cargo fuzz run -s none` would). `cargo fuzz run NAME` works
//! on the same folder for whoever has cargo-fuzz and a nightly toolchain (or
//! `RUSTC_BOOTSTRAP=1`).
//!
//! Layout: the build goes to `target/fuzz` (the fuzz crate is its own workspace); each run
//! grows a working corpus in `target/fuzz/corpus/NAME`, seeded read-only from
//! `fuzz/corpus/NAME`, replays `fuzz/regressions/NAME/*` first, and writes crash inputs to
//! `target/fuzz/artifacts/NAME/` and libFuzzer's output to `target/fuzz/logs/NAME.log`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::Result;

/// Every target of `fuzz/Cargo.toml`, in the order they run.
const TARGETS: [&str; 7] = [
    "csr",
    "pkcs12_read",
    "pkcs8_decrypt",
    "cert_parse",
    "host_framing",
    "host_protocol",
    "pdf_read",
];

/// cargo-fuzz's instrumentation, minus the nightly-only sanitizer (see the module docs).
const RUSTFLAGS: &str = "-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    --cfg fuzzing -Cdebug-assertions -Coverflow-checks";

/// An input running longer than this many seconds is a finding (libFuzzer `-timeout`).
const TIMEOUT_SECONDS: u32 = 10;

/// What one run gave, read from libFuzzer's closing lines and the artifacts folder.
struct Outcome {
    target: &'static str,
    executions: u64,
    exec_per_sec: u64,
    corpus: u64,
    findings: Vec<PathBuf>,
    exit_ok: bool,
}

/// The `fuzz` command.
pub fn fuzz(root: &Path, args: &[&str]) -> Result {
    let mut seconds: u32 = 10;
    let mut targets: Vec<&'static str> = TARGETS.to_vec();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--seconds" => {
                seconds = rest
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|&s| s > 0)
                    .ok_or("--seconds needs a whole number of seconds above 0")?;
            }
            "--target" => {
                let name = rest.next().ok_or("--target needs a name")?;
                let found = TARGETS.iter().find(|t| *t == name).ok_or_else(|| {
                    format!("no fuzz target `{name}`; there are: {}", TARGETS.join(", "))
                })?;
                targets = vec![found];
            }
            other => {
                return Err(format!(
                    "unknown fuzz option `{other}` (usage: fuzz [--seconds N] [--target NAME])"
                ));
            }
        }
    }

    let out = root.join("target").join("fuzz");
    let triple = host_triple()?;
    let started = Instant::now();
    build(root, &out, &triple, &targets)?;
    println!("fuzz: built in {:.1} s", started.elapsed().as_secs_f64());

    let mut outcomes = Vec::new();
    for target in &targets {
        let binary = out.join(&triple).join("release").join(target);
        outcomes.push(run_target(root, &out, &binary, target, seconds)?);
    }

    println!();
    println!(
        "{:<14} {:>12} {:>9} {:>8} {:>9}",
        "target", "executions", "exec/s", "corpus", "findings"
    );
    for o in &outcomes {
        println!(
            "{:<14} {:>12} {:>9} {:>8} {:>9}",
            o.target,
            o.executions,
            o.exec_per_sec,
            o.corpus,
            o.findings.len()
        );
    }
    println!(
        "fuzz: {} target(s), {seconds} s each, {:.1} s in all",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    let bad: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.findings.is_empty() || !o.exit_ok)
        .map(|o| {
            let files: Vec<String> = o.findings.iter().map(|f| f.display().to_string()).collect();
            format!(
                "{}: {} (log: target/fuzz/logs/{}.log)",
                o.target,
                if files.is_empty() {
                    "libFuzzer exited unsuccessfully".to_owned()
                } else {
                    files.join(", ")
                },
                o.target
            )
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "findings (fix each with a regression test, keep the input in \
             fuzz/regressions/TARGET/):\n{}",
            bad.join("\n")
        ))
    }
}

/// Builds the chosen targets with coverage instrumentation into `out`. `--target` keeps
/// RUSTFLAGS off build scripts and proc macros, as cargo-fuzz does.
fn build(root: &Path, out: &Path, triple: &str, targets: &[&str]) -> Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--release", "--manifest-path", "fuzz/Cargo.toml"])
        .args(["--target", triple])
        .env("CARGO_TARGET_DIR", out)
        .env("RUSTFLAGS", RUSTFLAGS)
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    for t in targets {
        cmd.args(["--bin", t]);
    }
    crate::run(&mut cmd)
}

/// Runs one target for `seconds` and reads what it did.
fn run_target(
    root: &Path,
    out: &Path,
    binary: &Path,
    target: &'static str,
    seconds: u32,
) -> Result<Outcome> {
    let corpus = out.join("corpus").join(target);
    let artifacts = out.join("artifacts").join(target);
    let logs = out.join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let since = SystemTime::now();

    // Known crashes first: each must now pass.
    let regressions = root.join("fuzz").join("regressions").join(target);
    let replay = files_in(&regressions);
    let replay_ok = if replay.is_empty() {
        true
    } else {
        println!(
            "==> fuzz {target}: replaying {} regression input(s)",
            replay.len()
        );
        let log = open_log(&log_path.with_extension("regressions.log"))?;
        let status = Command::new(binary)
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(&replay)
            .stdout(Stdio::null())
            .stderr(log)
            .status()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        status.success()
    };

    println!("==> fuzz {target}: {seconds} s");
    let log = open_log(&log_path)?;
    let status = Command::new(binary)
        .arg(&corpus)
        .arg(root.join("fuzz").join("corpus").join(target))
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={TIMEOUT_SECONDS}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        .stdout(Stdio::null())
        .stderr(log)
        .status()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;

    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let stat = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let findings: Vec<PathBuf> = files_in(&artifacts)
        .into_iter()
        .filter(|f| {
            std::fs::metadata(f)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
        })
        .collect();
    if !findings.is_empty() || !status.success() {
        // The crash report is the part of the log worth seeing at once.
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        for line in tail.iter().rev() {
            eprintln!("  | {line}");
        }
    }
    Ok(Outcome {
        target,
        executions: stat("number_of_executed_units").unwrap_or(0),
        exec_per_sec: stat("average_exec_per_sec").unwrap_or(0),
        corpus: last_corpus_size(&text).unwrap_or_else(|| files_in(&corpus).len() as u64),
        findings,
        exit_ok: status.success() && replay_ok,
    })
}

/// The `corp: N/SIZE` figure of libFuzzer's last status line.
fn last_corpus_size(log: &str) -> Option<u64> {
    log.lines().rev().find_map(|l| {
        let after = l.split_once(" corp: ")?.1;
        after.split('/').next()?.trim().parse().ok()
    })
}

/// The regular files directly in `dir` (none when it does not exist), sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn open_log(path: &Path) -> Result<File> {
    File::create(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The host's target triple from `rustc -vV`, so the build can pass `--target`.
fn host_triple() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot start {rustc}: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| format!("`{rustc} -vV` named no host triple"))
}
