//! The `kunci-ams serve` binary as `cargo xtask serve` runs it: the data folder and the CA made
//! at first start (keys only encrypted, owner-only files), the demo seeded once and its logins
//! printed at every start, the same CA after a restart, a wrong CA passphrase refused, and
//! HTTPS with `Secure` cookies and HSTS under `--tls-cert/--tls-key` (OpenSSL as the client);
//! and (Unix) nothing in the data folder open to other local users, even under umask 0, with
//! what an older start left open closed at the next one (issue 18, finding 6).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kunci_test_support as common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kunci-ams");
const DEMO_PASSWORD: &str = "serve-test-Pass-1";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Stops the server and returns what it printed.
    fn stop(self) -> String {
        self.stop_with_stderr().0
    }

    /// Stops the server and returns what it printed on stdout and (when kept) on stderr.
    fn stop_with_stderr(mut self) -> (String, String) {
        let _ = self.child.kill();
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut err).unwrap();
        }
        (out, err)
    }
}

fn start(data: &Path, extra: &[&str]) -> Server {
    launch(Command::new(BIN), data, extra, Stdio::inherit())
}

/// Like [`start`], but under umask 0 (a file made without a mode of its own would be 0666, a
/// folder 0777) and keeping stderr for [`Server::stop_with_stderr`].
#[cfg(unix)]
fn start_under_umask_0(data: &Path) -> Server {
    let mut sh = Command::new("/bin/sh");
    sh.args(["-c", "umask 0 && exec \"$0\" \"$@\"", BIN]);
    launch(sh, data, &[], Stdio::piped())
}

/// Runs `command` (the binary, or a shell that execs it) with the serve arguments.
fn launch(mut command: Command, data: &Path, extra: &[&str], stderr: Stdio) -> Server {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = command
        .args(["--data-dir", data.to_str().unwrap(), "serve", "--demo"])
        .args(["--listen", &listen])
        .args(extra)
        .env("KUNCI_AMS_DEMO_PASSWORD", DEMO_PASSWORD)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "kunci-ams did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// A plain HTTP/1.1 exchange; returns the whole answer (head and body).
fn http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

fn login_request(port: u16) -> String {
    let body = format!(r#"{{"login":"demo","password":"{DEMO_PASSWORD}"}}"#);
    format!(
        "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn first_start_makes_the_data_folder_and_an_encrypted_ca_and_a_restart_reuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data, &[]);
    let health = http(server.port, &get("/api/health"));
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let login = http(server.port, &login_request(server.port));
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let printed = server.stop();
    assert!(printed.contains("seeded the demo"), "{printed}");
    assert!(printed.contains("login: demo"), "{printed}");
    assert!(printed.contains("login: operator"), "{printed}");

    for key in ["root.key.pem", "issuing.key.pem"] {
        let path = data.join("ca").join(key);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            "{key}"
        );
        assert!(!text.contains("BEGIN PRIVATE KEY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{key} is readable by others: {mode:o}");
        }
    }
    assert!(data.join("kunci.db").exists());
    assert!(data.join("uploads").is_dir());
    let root_before = std::fs::read(data.join("ca/root.crt.pem")).unwrap();

    // A restart: same CA, no second demo, logins still printed.
    let server = start(&data, &[]);
    let crl = http(server.port, &get("/ca/issuing.crl"));
    assert!(crl.contains("application/pkix-crl"), "{crl}");
    let printed = server.stop();
    assert!(!printed.contains("seeded the demo"), "{printed}");
    assert!(printed.contains("login: demo"), "{printed}");
    assert_eq!(
        std::fs::read(data.join("ca/root.crt.pem")).unwrap(),
        root_before
    );
    let users = Command::new(BIN)
        .args(["--data-dir", data.to_str().unwrap(), "user", "list"])
        .output()
        .unwrap();
    let users = String::from_utf8(users.stdout).unwrap();
    assert_eq!(users.lines().count(), 3, "{users}");
}

#[test]
fn a_wrong_ca_passphrase_refuses_to_start_and_leaves_the_ca_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    start(&data, &[]).stop();
    let key_before = std::fs::read(data.join("ca/issuing.key.pem")).unwrap();
    let wrong = dir.path().join("wrong-passphrase");
    std::fs::write(&wrong, "this-is-not-the-ca-passphrase\n").unwrap();
    let out = Command::new(BIN)
        .args(["--data-dir", data.to_str().unwrap(), "serve"])
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .arg("--ca-passphrase-file")
        .arg(&wrong)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[ca.key_locked]"), "{stderr}");
    assert_eq!(
        std::fs::read(data.join("ca/issuing.key.pem")).unwrap(),
        key_before
    );
}

#[test]
fn tls_serves_https_with_secure_cookies_and_hsts() {
    let Some(openssl) = common::judge("openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("tls.crt");
    let key = dir.path().join("tls.key");
    common::run_ok(
        &openssl,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            common::p(&key),
            "-out",
            common::p(&cert),
        ],
        None,
    );
    let data = dir.path().join("data");
    let server = start(
        &data,
        &["--tls-cert", common::p(&cert), "--tls-key", common::p(&key)],
    );
    let origin_port = server.port;
    let request = login_request(origin_port).replace(
        "Content-Type",
        &format!("Origin: https://127.0.0.1:{origin_port}\r\nContent-Type"),
    );
    let connect = format!("127.0.0.1:{}", server.port);
    let answer = common::run(
        &openssl,
        &[
            "s_client",
            "-connect",
            &connect,
            "-quiet",
            "-verify_quiet",
            "-CAfile",
            common::p(&cert),
        ],
        Some(request.as_bytes()),
    );
    let text = String::from_utf8_lossy(&answer.stdout).to_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    let cookie = text
        .lines()
        .find(|l| l.starts_with("set-cookie: kunci_session="))
        .unwrap_or_else(|| panic!("no session cookie: {text}"));
    for flag in ["httponly", "samesite=strict", "secure"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(
        text.contains("strict-transport-security: max-age=31536000"),
        "{text}"
    );
    drop(server);

    // Plain HTTP on the same port is not served.
    let server = start(
        &data,
        &["--tls-cert", common::p(&cert), "--tls-key", common::p(&key)],
    );
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(get("/api/health").as_bytes());
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    assert!(!String::from_utf8_lossy(&buf).contains("\"ok\":true"));
}

#[test]
fn custom_profiles_are_read_from_a_file_and_a_bad_one_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let template = Command::new(BIN)
        .args(["--data-dir", data.to_str().unwrap(), "profiles"])
        .output()
        .unwrap();
    assert!(template.status.success());
    let mut profiles: serde_json::Value = serde_json::from_slice(&template.stdout).unwrap();
    assert_eq!(profiles["individu"]["validity_days"], 730);

    // A profile that asks for a 10-year holder certificate is refused with its code.
    profiles["individu"]["validity_days"] = 3650.into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, profiles.to_string()).unwrap();
    let out = Command::new(BIN)
        .args(["--data-dir", data.to_str().unwrap(), "serve"])
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .arg("--profiles")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error[ca.profile_invalid]"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A one-year profile is accepted and the portal serves.
    profiles["individu"]["validity_days"] = 365.into();
    let good = dir.path().join("good.json");
    std::fs::write(&good, profiles.to_string()).unwrap();
    let server = start(&data, &["--profiles", good.to_str().unwrap()]);
    assert!(http(server.port, &get("/api/health")).starts_with("HTTP/1.1 200"));
}

/// Every file and folder under `dir` (not `dir` itself), with its permission bits, sorted.
#[cfg(unix)]
fn modes_under(dir: &Path) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(folder) = todo.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path.clone());
            }
            let name = path.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
            found.push((name, meta.permissions().mode() & 0o7777));
        }
    }
    found.sort();
    found
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Issue 18, finding 6: the database, its WAL, the CA, the uploads were 0644 on disk.
#[cfg(unix)]
#[test]
fn nothing_in_the_data_folder_is_open_to_other_users_even_under_umask_0() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start_under_umask_0(&data);
    // A login writes (a session), so the WAL and its index are there while the portal runs.
    let login = http(server.port, &login_request(server.port));
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");

    let found = modes_under(&data);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "kunci.db",
        "kunci.db-wal",
        "kunci.db-shm",
        "ca",
        "ca/root.crt.pem",
        "ca/root.key.pem",
        "ca/issuing.crt.pem",
        "ca/issuing.key.pem",
        "ca-passphrase",
        "demo-logins.txt",
        "uploads",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    // The demo's certificate went through a request with an uploaded document.
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("uploads/") && n.ends_with(".pdf")),
        "no uploaded document in {names:?}"
    );
    assert_eq!(mode_of(&data), 0o700, "the data folder");
    for (name, mode) in &found {
        assert_eq!(mode & 0o077, 0, "{name} is open to other users: {mode:04o}");
    }
    let (_, stderr) = server.stop_with_stderr();
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// An older start (or a hand) left the data folder 0755 and the database 0644: the next start
/// closes them and says so, naming each path and its old mode.
#[cfg(unix)]
#[test]
fn an_open_data_folder_is_made_owner_only_at_start_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    start(&data, &[]).stop();
    let document = modes_under(&data)
        .into_iter()
        .map(|(n, _)| n)
        .find(|n| n.starts_with("uploads/") && n.ends_with(".pdf"))
        .unwrap();
    let set = |name: &str, mode: u32| {
        let path = if name.is_empty() {
            data.clone()
        } else {
            data.join(name)
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    set("", 0o755);
    set("kunci.db", 0o644);
    set("ca/root.crt.pem", 0o644);
    set("uploads", 0o755);
    set(&document, 0o664);

    let server = start_under_umask_0(&data);
    let login = http(server.port, &login_request(server.port));
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    for (name, mode) in modes_under(&data) {
        assert_eq!(mode & 0o077, 0, "{name} is open to other users: {mode:04o}");
    }
    assert_eq!(mode_of(&data), 0o700);
    assert_eq!(mode_of(&data.join("kunci.db")), 0o600);
    assert_eq!(mode_of(&data.join("kunci.db-wal")), 0o600);
    let (_, stderr) = server.stop_with_stderr();
    for (path, old) in [
        (data.clone(), "0755"),
        (data.join("kunci.db"), "0644"),
        (data.join("ca/root.crt.pem"), "0644"),
        (data.join("uploads"), "0755"),
        (data.join(&document), "0664"),
    ] {
        let line = format!(
            "kunci-ams: warning: {} was open to other users (mode {old})",
            path.display()
        );
        assert!(stderr.contains(&line), "no {line:?} in {stderr}");
    }
    assert_eq!(stderr.matches("warning:").count(), 5, "{stderr}");
}
