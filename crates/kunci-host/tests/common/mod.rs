//! Shared helpers for kunci-host's integration tests: a fresh SoftHSM2 token per test, the
//! host binary driven as a child process through the real native-messaging framing, and the
//! outside tools that judge the results (softhsm2-util, pkcs11-tool, openssl).
//!
//! Each test gets its own temporary folder with its own `softhsm2.conf`, token folder, host
//! config and HOME (and USERPROFILE, LOCALAPPDATA and APPDATA, for Windows), passed to the
//! child through its environment; SoftHSM reads `SOFTHSM2_CONF` at `C_Initialize`, so tests
//! run in parallel without sharing a token. A missing tool skips the test with a line on
//! stderr, unless `KUNCI_REQUIRE_JUDGES=1`: then it fails, so CI cannot pass by skipping.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

use serde_json::{Value, json};

pub mod ops;

/// SoftHSM2's PKCS#11 module (Debian's `softhsm2` package).
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The origin the tests' config allows.
pub const ORIGIN: &str = "https://ams.example.go.id";
/// The user PIN of every test token.
pub const PIN: &str = "1234";

// The judges (`judge`, `required`) and `run_ok` come from the test helpers every crate shares.
pub use kunci_test_support::{judge, required, run_ok_env as run_ok};

/// True when SoftHSM2 (module and softhsm2-util) is installed; else skips (or fails when
/// judges are required).
pub fn softhsm_available() -> bool {
    let module = Path::new(SOFTHSM_MODULE).is_file();
    if !module {
        assert!(
            !required(),
            "{SOFTHSM_MODULE} is missing and KUNCI_REQUIRE_JUDGES=1"
        );
        eprintln!("SKIPPED: SoftHSM2 is not installed");
        return false;
    }
    judge("softhsm2-util").is_some()
}

/// One test's world: a temporary folder with a SoftHSM config and token folder, a host
/// config, and a HOME.
pub struct World {
    pub dir: tempfile::TempDir,
    /// Variables every child gets beside SoftHSM's, the host config and HOME (another
    /// module's own settings).
    pub extra_env: Vec<(&'static str, PathBuf)>,
}

impl World {
    /// A world whose host config allows [`ORIGIN`] and uses SoftHSM.
    pub fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let w = World {
            dir,
            extra_env: Vec::new(),
        };
        std::fs::create_dir_all(w.path("tokens")).unwrap();
        std::fs::create_dir_all(w.path("home")).unwrap();
        std::fs::write(
            w.path("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                w.path("tokens").display()
            ),
        )
        .unwrap();
        w.write_config(&json!({ "allowed_origins": [ORIGIN], "module": SOFTHSM_MODULE }));
        w
    }

    /// A path inside the world's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The host config's path.
    pub fn config_path(&self) -> PathBuf {
        self.path("host.json")
    }

    /// Replaces the host config.
    pub fn write_config(&self, config: &Value) {
        std::fs::write(
            self.config_path(),
            serde_json::to_vec_pretty(config).unwrap(),
        )
        .unwrap();
    }

    /// The environment every child gets.
    pub fn envs(&self) -> Vec<(&'static str, PathBuf)> {
        let mut envs = vec![
            ("SOFTHSM2_CONF", self.path("softhsm2.conf")),
            ("KUNCI_HOST_CONFIG", self.config_path()),
            // The installer's file (`/etc/kunci/host.json` on a machine with the .deb): never
            // the machine's own in tests.
            ("KUNCI_HOST_SYSTEM_CONFIG", self.path("system-host.json")),
            ("HOME", self.path("home")),
            // Windows' own: the home folder, the manifests' and the config's folders.
            ("USERPROFILE", self.path("home")),
            ("LOCALAPPDATA", self.path("home/AppData/Local")),
            ("APPDATA", self.path("home/AppData/Roaming")),
        ];
        envs.extend(self.extra_env.iter().cloned());
        envs
    }

    /// Points the host config at another PKCS#11 module (allowing [`ORIGIN`] as before).
    pub fn use_module(&self, module: &Path) {
        self.write_config(&json!({ "allowed_origins": [ORIGIN], "module": module }));
    }

    /// Initialises a fresh token labelled `label` (user PIN [`PIN`], SO PIN 5678) and returns
    /// its serial number.
    pub fn init_token(&self, label: &str) -> String {
        let util = judge("softhsm2-util").unwrap();
        let envs = self.envs();
        let envs: Vec<(&str, &Path)> = envs.iter().map(|(k, v)| (*k, v.as_path())).collect();
        run_ok(
            &util,
            &[
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                PIN,
                "--so-pin",
                "5678",
            ],
            &envs,
        );
        self.serial_of(label)
    }

    /// The serial of the token labelled `label`, as a fresh host's `list_tokens` gives it.
    pub fn serial_of(&self, label: &str) -> String {
        let mut host = self.spawn();
        let reply = host.send(&request(1, "list_tokens", json!({})));
        assert_eq!(reply["ok"], true, "{reply}");
        let serial = reply["result"]["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["label"] == label)
            .unwrap_or_else(|| panic!("token {label} not listed: {reply}"))["serial"]
            .as_str()
            .unwrap()
            .to_owned();
        host.finish();
        serial
    }

    /// The host binary as a command in this world.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kunci-host"));
        cmd.env_remove("KUNCI_PKCS11_MODULE");
        for (k, v) in self.envs() {
            cmd.env(k, v);
        }
        cmd
    }

    /// Starts the host in native-messaging mode, as Chromium does (origin as argv[1]).
    pub fn spawn(&self) -> HostProcess {
        let mut child = self
            .command()
            .arg("chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        HostProcess {
            child,
            stdin,
            stdout,
        }
    }

    /// Writes `bytes` to a fresh host's stdin, closes it, and returns every reply and the
    /// process's exit.
    pub fn exchange_raw(&self, bytes: &[u8]) -> (Vec<Value>, Output) {
        let mut child = self
            .command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // The host may exit before reading everything (oversize header): ignore EPIPE.
        let _ = stdin.write_all(bytes);
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        (parse_frames(&out.stdout), out)
    }

    /// Runs a CLI subcommand of the host in this world.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }
}

/// A running host in native-messaging mode.
pub struct HostProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
}

impl HostProcess {
    /// Sends one request and reads its reply.
    pub fn send(&mut self, request: &Value) -> Value {
        self.send_raw(&frame(&serde_json::to_vec(request).unwrap()));
        self.read().expect("the host closed without replying")
    }

    /// Writes raw bytes to the host.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Reads one reply, or None at the end of the stream.
    pub fn read(&mut self) -> Option<Value> {
        let mut header = [0u8; 4];
        if self.stdout.read_exact(&mut header).is_err() {
            return None;
        }
        let len = u32::from_ne_bytes(header) as usize;
        assert!(len <= 1024 * 1024, "reply of {len} bytes is over the limit");
        let mut body = vec![0u8; len];
        self.stdout.read_exact(&mut body).unwrap();
        Some(serde_json::from_slice(&body).unwrap())
    }

    /// Closes stdin and waits; returns the exit status and stderr.
    pub fn finish(mut self) -> (std::process::ExitStatus, String) {
        drop(self.stdin.take());
        let mut rest = Vec::new();
        self.stdout.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "unexpected bytes after the last reply");
        let out = self.child.wait_with_output().unwrap();
        (
            out.status,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A native-messaging frame around `body`.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_ne_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// Splits a stdout stream into JSON replies (panics on a partial frame).
pub fn parse_frames(mut bytes: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes.len() >= 4, "partial header on stdout");
        let len = u32::from_ne_bytes(bytes[..4].try_into().unwrap()) as usize;
        assert!(bytes.len() >= 4 + len, "partial body on stdout");
        out.push(serde_json::from_slice(&bytes[4..4 + len]).unwrap());
        bytes = &bytes[4 + len..];
    }
    out
}

/// A request from the allowed origin.
pub fn request(id: u64, op: &str, params: Value) -> Value {
    json!({ "id": id, "op": op, "origin": ORIGIN, "params": params })
}

/// The `error.code` of a reply (panics on success).
pub fn error_code(reply: &Value) -> &str {
    assert_eq!(reply["ok"], false, "expected an error: {reply}");
    reply["error"]["code"].as_str().unwrap()
}

/// The `result` of a reply (panics on an error).
pub fn result(reply: &Value) -> &Value {
    assert_eq!(reply["ok"], true, "expected success: {reply}");
    &reply["result"]
}
