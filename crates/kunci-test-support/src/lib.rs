//! Test helpers shared by every kunci crate's integration tests: the OS RNG, temporary
//! folders, running programs, the outside tools that judge kunci's output (OpenSSL,
//! keytool, NSS's pk12util/certutil, Python `cryptography`, SoftHSM's tools), PBKDF2 run
//! the way a browser runs it, and a plain HTTP/1.1 POST to a running server.
//!
//! A judge that is missing skips its test with a line on stderr, unless
//! `KUNCI_REQUIRE_JUDGES=1` (set by `cargo xtask ci`, which installs them all): then a missing
//! judge fails the test, so CI can never pass by skipping.
//!
//! Tests use it as `use kunci_test_support as common;`. It depends on no kunci crate, so
//! kunci-core's own tests can use it without a dependency cycle.

// Only tests call these, and a test's failure is a panic: unwrap, expect and panic are the
// point here (clippy.toml allows them in test code; this crate is test code built as a lib).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The OS's cryptographic RNG.
pub fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// True when `cargo xtask ci` asks for every judge (`KUNCI_REQUIRE_JUDGES=1`).
pub fn required() -> bool {
    std::env::var("KUNCI_REQUIRE_JUDGES").is_ok_and(|v| v == "1")
}

/// The path of `name` on PATH, or None (after saying so) when it is missing and not required.
pub fn judge(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !required(),
            "judge `{name}` is missing and KUNCI_REQUIRE_JUDGES=1"
        );
        eprintln!("SKIPPED: judge `{name}` is not installed (run `cargo xtask ci` to install it)");
    }
    found
}

/// A Python interpreter with `cryptography` importable: `KUNCI_PYTHON`, else the venv that
/// `cargo xtask ci` makes under `target/pyenv`, else `python3` if it has the package.
pub fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python");
    let candidates = [
        std::env::var_os("KUNCI_PYTHON").map(PathBuf::from),
        Some(venv),
        Some("python3".into()),
    ];
    let found = candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import cryptography"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            !required(),
            "Python `cryptography` is missing and KUNCI_REQUIRE_JUDGES=1"
        );
        eprintln!("SKIPPED: Python `cryptography` is not available");
    }
    found
}

/// Runs `program args…` with `stdin`, returning its output whatever the exit status.
pub fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(program.as_ref())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", program.as_ref()));
    let mut input = child.stdin.take().unwrap();
    if let Some(data) = stdin {
        input.write_all(data).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Runs like [`run`] and panics with both output streams unless the program succeeded;
/// returns stdout.
pub fn run_ok(program: impl AsRef<std::ffi::OsStr>, args: &[&str], stdin: Option<&[u8]>) -> String {
    let out = run(program.as_ref(), args, stdin);
    stdout_if_ok(program.as_ref(), args, &out)
}

/// Runs `program args…` with no stdin and the extra environment `envs` (a SoftHSM config, a
/// HOME), panicking with both output streams unless it succeeds; returns stdout.
pub fn run_ok_env(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    envs: &[(&str, &Path)],
) -> String {
    let mut cmd = Command::new(program.as_ref());
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", program.as_ref()));
    stdout_if_ok(program.as_ref(), args, &out)
}

/// The one success check of [`run_ok`] and [`run_ok_env`]: stdout, or a panic that shows the
/// command, its exit status and both streams.
fn stdout_if_ok(program: &std::ffi::OsStr, args: &[&str], out: &Output) -> String {
    assert!(
        out.status.success(),
        "{program:?} {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes an unencrypted P-256 key (PEM) at `out` with `openssl genpkey`, as the interop
/// tests' "key made by OpenSSL".
pub fn openssl_p256_key(openssl: &Path, out: &Path) -> String {
    run_ok(
        openssl,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            p(out),
        ],
        None,
    )
}

/// A fresh temporary folder, removed on drop.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Path as &str (our temp paths are UTF-8).
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// PBKDF2 as the browser's `crypto.subtle.deriveBits` runs it, chosen by the WebCrypto hash
/// name (`SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`): `key_len` bytes from `password` and
/// `salt`. Panics on another name, which WebCrypto does not have either.
pub fn webcrypto_pbkdf2(
    hash: &str,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    key_len: usize,
) -> Vec<u8> {
    use pbkdf2::pbkdf2_hmac;
    let mut out = vec![0u8; key_len];
    match hash {
        "SHA-1" => pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut out),
        "SHA-256" => pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out),
        "SHA-384" => pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, &mut out),
        "SHA-512" => pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, &mut out),
        other => panic!("WebCrypto has no hash {other}"),
    }
    out
}

/// POSTs `body` to `path` on `127.0.0.1:port` over a plain HTTP/1.1 connection and answers
/// the response body; the status must be 200. For protocol endpoints (OCSP, TSA) of a
/// server run as a real process, where an HTTP client crate would be one more dependency.
pub fn http_post(port: u16, path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    answer[split + 4..].to_vec()
}
