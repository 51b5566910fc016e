//! A throwaway PostgreSQL server on loopback for the tests, from Debian's `postgresql` package.
//!
//! [`Postgres::start`] makes a fresh cluster in a new folder under the temporary directory,
//! serves it on 127.0.0.1 at a free port with trust authentication (superuser `postgres`), and
//! waits until it accepts connections; dropping the value stops the server and removes the
//! folder. `fsync` stays on: the tests that use it measure real durability. It does not
//! install anything (`cargo xtask setup` installs the package) and never touches the default
//! cluster that Debian's package may have started on port 5432.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then initdb, pg_ctl and the server
//! run as the `postgres` system user (through `runuser`, else `setpriv`, else `su`), in a folder
//! owned by that user and reachable from `/` even when the checkout sits in a `mktemp -d`
//! folder of mode 700. Not as root, they run as the current user.
//!
//! A watchdog shell holds the read end of a pipe whose write end only this process holds: when
//! the process ends without dropping the [`Postgres`] (Ctrl-C, a panic that aborts, a value in
//! a `static`), the pipe closes and the watchdog stops the server and removes the folder.
//!
//! `cargo xtask postgres` ([`serve_foreground`]) runs one for a developer until Enter.

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Result;

/// Where Debian installs each major version's server programs: `/usr/lib/postgresql/V/bin`.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The superuser initdb creates; the URLs name it.
const SUPERUSER: &str = "postgres";

/// A PostgreSQL server of our own, stopped (and its folder removed) on drop.
pub struct Postgres {
    /// The server programs (`initdb`, `pg_ctl`, `psql`, `createdb`, `pg_isready`).
    bin: PathBuf,
    /// Ours alone: `data/` (the cluster), `server.log`, and the unix socket.
    folder: PathBuf,
    port: u16,
    /// What goes before a server program to run it as the cluster's owner (empty: ourselves).
    run_as: Vec<OsString>,
    /// The watchdog and the write end of its pipe; `None` once stopped.
    watchdog: Option<(Child, ChildStdin)>,
}

impl Postgres {
    /// Starts a fresh cluster on 127.0.0.1 at a free port and waits until it accepts
    /// connections (see the module documentation for users and folders).
    pub fn start() -> Result<Postgres> {
        let started = Instant::now();
        let bin = bin_dir()?;
        let root = crate::is_root();
        let run_as = if root {
            postgres_user_prefix()?
        } else {
            Vec::new()
        };
        let folder = new_folder(root)?;
        let mut pg = Postgres {
            bin,
            folder,
            port: 0,
            run_as,
            watchdog: None,
        };
        // From here on, an error drops `pg`, which stops whatever started and removes the folder.
        pg.watchdog = Some(pg.spawn_watchdog()?);
        pg.initdb()?;
        // Another process may take the free port between our probe and the server's bind.
        let mut attempt = 1;
        loop {
            pg.port = free_port()?;
            match pg.pg_ctl_start() {
                Ok(()) => break,
                Err(e) if attempt < 3 && pg.log_tail(30).contains("could not bind") => {
                    eprintln!("postgres: port {} was taken, trying another ({e})", pg.port);
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
        pg.wait_ready(started)?;
        Ok(pg)
    }

    /// `postgres://postgres@127.0.0.1:PORT/NAME`
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// CREATE DATABASE `name` (with `createdb` from the same bin folder); an error if it fails,
    /// for instance because the database exists.
    pub fn create_database(&self, name: &str) -> Result {
        let out = Command::new(self.bin.join("createdb"))
            .args(["--no-password", "-h", "127.0.0.1", "-U", SUPERUSER, "-p"])
            .arg(self.port.to_string())
            .arg("--")
            .arg(name)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot start {}/createdb: {e}", self.bin.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "createdb {name:?} on port {} failed ({}): {}",
                self.port,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// The admin URL for the `postgres` database (same as `url("postgres")`).
    pub fn admin_url(&self) -> String {
        self.url("postgres")
    }

    /// The cluster's folder (data, log and socket), for messages.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn data(&self) -> PathBuf {
        self.folder.join("data")
    }

    fn log(&self) -> PathBuf {
        self.folder.join("server.log")
    }

    /// A server program run as the cluster's owner, in the cluster's folder (the owner may not
    /// be able to enter our working directory, and initdb and psql complain when so).
    fn server_command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut cmd = match self.run_as.split_first() {
            Some((first, rest)) => {
                let mut cmd = Command::new(first);
                cmd.args(rest).arg(program);
                cmd
            }
            None => Command::new(program),
        };
        cmd.current_dir(&self.folder).stdin(Stdio::null());
        cmd
    }

    /// `sh` that waits for end of file on its standard input, then stops the server and
    /// removes the folder. It ignores the terminal's signals so that Ctrl-C reaches only us.
    fn spawn_watchdog(&self) -> Result<(Child, ChildStdin)> {
        const SCRIPT: &str = r#"trap '' INT HUP TERM QUIT
cat >/dev/null
folder=$1
shift
"$@" stop -D "$folder/data" -m fast -w -s >/dev/null 2>&1
rm -rf "$folder""#;
        let mut child = Command::new("sh")
            .args(["-c", SCRIPT, "kunci-postgres-watchdog"])
            .arg(&self.folder)
            .args(&self.run_as)
            .arg(self.bin.join("pg_ctl"))
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the watchdog shell (sh): {e}"))?;
        match child.stdin.take() {
            Some(stdin) => Ok((child, stdin)),
            None => Err("the watchdog shell has no standard input pipe".into()),
        }
    }

    fn initdb(&self) -> Result {
        let out = self
            .server_command("initdb")
            .arg("-D")
            .arg(self.data())
            .args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"])
            .args(["--no-locale", "--no-instructions"])
            // initdb's own flush of the new files took 2.5 of its 3.3 s here; a crash of the
            // machine loses this throwaway cluster anyway. The server's fsync stays on below.
            .arg("--no-sync")
            .output();
        check("initdb", out)?;
        // Appended after initdb's defaults, so these win. fsync is on by default; saying so
        // keeps anyone from "speeding up" the tests that measure durability.
        let settings = format!(
            "\n# kunci: a throwaway test cluster (xtask/src/postgres.rs)\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             max_connections = 300\n\
             fsync = on\n",
            self.folder.display().to_string().replace('\'', "''")
        );
        let conf = self.data().join("postgresql.conf");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .map_err(|e| format!("cannot append our settings to {}: {e}", conf.display()))
    }

    /// `pg_ctl start -w`: returns once the server is ready or has failed.
    fn pg_ctl_start(&self) -> Result {
        let out = self
            .server_command("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.log())
            .args(["-w", "-t"])
            .arg(START_TIMEOUT.as_secs().to_string())
            .arg("-o")
            .arg(format!("-p {}", self.port))
            .output();
        check("pg_ctl start", out).map_err(|e| self.with_log(e))
    }

    /// pg_isready over TCP until yes, so that the first test never meets "starting up".
    fn wait_ready(&self, started: Instant) -> Result {
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-t", "1", "-U", SUPERUSER, "-p"])
                .arg(self.port.to_string())
                .stdin(Stdio::null())
                .status()
                .map_err(|e| format!("cannot start {}/pg_isready: {e}", self.bin.display()))?;
            if ready.success() {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(self.with_log(format!(
                    "the server on 127.0.0.1:{} did not accept connections within {} s",
                    self.port,
                    START_TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `error`, followed by the last 30 lines of the server log.
    fn with_log(&self, error: String) -> String {
        format!(
            "{error}\nlast lines of {}:\n{}",
            self.log().display(),
            self.log_tail(30)
        )
    }

    fn log_tail(&self, lines: usize) -> String {
        match std::fs::read_to_string(self.log()) {
            Ok(text) => {
                let all: Vec<&str> = text.lines().collect();
                all[all.len().saturating_sub(lines)..].join("\n")
            }
            Err(e) => format!("(cannot read it: {e})"),
        }
    }

    /// Stops the server and removes the folder, reporting (never panicking) on failure.
    fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.take() {
            // We clean up ourselves, with errors shown: the watchdog must not race us.
            let _ = child.kill();
            let _ = child.wait();
            // Its `cat` (still reading) ends at this end of file.
            drop(stdin);
        }
        if self.data().join("postmaster.pid").exists() {
            let out = self
                .server_command("pg_ctl")
                .arg("stop")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "fast", "-w", "-s"])
                .output();
            if let Err(e) = check("pg_ctl stop", out) {
                eprintln!("postgres: {e}");
            }
        }
        if !self.folder.exists() {
            return;
        }
        if let Err(e) = std::fs::remove_dir_all(&self.folder) {
            eprintln!("postgres: cannot remove {}: {e}", self.folder.display());
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `cargo xtask postgres`: a cluster for a developer (e.g. for `KUNCI_TEST_POSTGRES_URL`),
/// until Enter or end of input; Ctrl-C stops it too (through the watchdog).
pub fn serve_foreground() -> Result {
    let t = Instant::now();
    let pg = Postgres::start()?;
    println!(
        "postgres: ready in {:.1} s, cluster in {}",
        t.elapsed().as_secs_f64(),
        pg.folder().display()
    );
    println!("export KUNCI_TEST_POSTGRES_URL={}", pg.admin_url());
    println!("press Enter (or Ctrl-D, Ctrl-C) to stop it and remove the folder");
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    let t = Instant::now();
    drop(pg);
    println!(
        "postgres: stopped and removed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    read.map(|_| ())
        .map_err(|e| format!("cannot read standard input: {e}"))
}

/// The bin folder of the highest PostgreSQL version Debian installed (one with `initdb`).
pub fn bin_dir() -> Result<PathBuf> {
    let missing = || {
        format!(
            "no PostgreSQL server programs ({DEBIAN_ROOT}/*/bin/initdb): install Debian's \
             `postgresql` package (`cargo xtask setup` does)"
        )
    };
    let entries = std::fs::read_dir(DEBIAN_ROOT).map_err(|_| missing())?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            // "15", or "9.6" before version 10: compared as numbers, not as text.
            let version: Vec<u32> = e
                .file_name()
                .to_str()?
                .split('.')
                .map(|n| n.parse().ok())
                .collect::<Option<_>>()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin)
        .ok_or_else(missing)
}

/// The command prefix that runs a program as the `postgres` system user, from root.
fn postgres_user_prefix() -> Result<Vec<OsString>> {
    let found = |name: &str| {
        crate::which(name).or_else(|| {
            ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file())
        })
    };
    let prefix: Vec<OsString> = if let Some(runuser) = found("runuser") {
        vec![runuser.into(), "-u".into(), "postgres".into(), "--".into()]
    } else if let Some(setpriv) = found("setpriv") {
        vec![
            setpriv.into(),
            "--reuid=postgres".into(),
            "--regid=postgres".into(),
            "--init-groups".into(),
            "--".into(),
        ]
    } else if let Some(su) = found("su") {
        // su runs `sh -c COMMAND ARGS...`: "$0" is the program, "$@" its arguments.
        vec![
            su.into(),
            "-s".into(),
            "/bin/sh".into(),
            "postgres".into(),
            "-c".into(),
            r#"exec "$0" "$@""#.into(),
        ]
    } else {
        return Err(
            "running as root, and none of runuser, setpriv or su is there to run PostgreSQL \
             as the `postgres` user (PostgreSQL refuses to run as root)"
                .into(),
        );
    };
    Ok(prefix)
}

/// A new folder for one cluster; when root, owned by `postgres` and reachable by it.
fn new_folder(root: bool) -> Result<PathBuf> {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let owner = if root { Some(postgres_ids()?) } else { None };
    let mut parent = std::env::temp_dir();
    // TMPDIR may point into a folder the postgres user cannot traverse (a `mktemp -d`).
    if root && !traversable_by_others(&parent) {
        parent = PathBuf::from("/tmp");
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = format!(
        "kunci-postgres-{}-{}-{nanos:x}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    );
    let folder = parent.join(name);
    std::fs::create_dir(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let prepare = || -> std::io::Result<()> {
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755))?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&folder, Some(uid), Some(gid))?;
        }
        Ok(())
    };
    prepare().map_err(|e| {
        let _ = std::fs::remove_dir(&folder);
        format!(
            "cannot give {} mode 755 and owner postgres: {e}",
            folder.display()
        )
    })?;
    Ok(folder)
}

/// Whether every folder from `/` to `dir` lets other users through (mode o+x).
fn traversable_by_others(dir: &Path) -> bool {
    dir.ancestors()
        .all(|d| std::fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

/// The uid and gid of the `postgres` system user that Debian's package creates.
fn postgres_ids() -> Result<(u32, u32)> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok((uid, gid)),
        _ => Err(
            "no `postgres` system user (PostgreSQL refuses to run as root): install \
                  Debian's `postgresql` package (`cargo xtask setup` does)"
                .into(),
        ),
    }
}

/// A free TCP port on 127.0.0.1 (free when asked; the server binds it a moment later).
fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))
}

/// An error naming `what` and carrying its output when it could not start or failed.
fn check(what: &str, out: std::io::Result<Output>) -> Result {
    let out = out.map_err(|e| format!("cannot start {what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let said: Vec<&str> = [stdout.trim(), stderr.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    Err(format!(
        "{what} failed ({}): {}",
        out.status,
        said.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Skips (with a line on stderr) when PostgreSQL is missing, unless `cargo xtask ci` asks
    /// for every judge (`KUNCI_REQUIRE_JUDGES=1`).
    fn postgres_or_skip() -> Option<Postgres> {
        if bin_dir().is_err() && std::env::var_os("KUNCI_REQUIRE_JUDGES").is_none() {
            eprintln!("skipped: no PostgreSQL under {DEBIAN_ROOT} (cargo xtask setup installs it)");
            return None;
        }
        match Postgres::start() {
            Ok(pg) => Some(pg),
            Err(e) => panic!("{e}"),
        }
    }

    fn psql(url: &str, sql: &str) -> std::result::Result<String, String> {
        let bin = bin_dir()?;
        let out = Command::new(bin.join("psql"))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    #[test]
    fn cluster_serves_new_databases_with_fsync_on_and_is_gone_after_drop() {
        let Some(pg) = postgres_or_skip() else {
            return;
        };
        assert_eq!(pg.admin_url(), pg.url("postgres"));
        pg.create_database("kunci_test").unwrap();
        let url = pg.url("kunci_test");
        assert_eq!(psql(&url, "show fsync").unwrap(), "on");
        assert_eq!(psql(&url, "show max_connections").unwrap(), "300");
        assert_eq!(psql(&url, "show listen_addresses").unwrap(), "127.0.0.1");
        let again = pg.create_database("kunci_test").unwrap_err();
        assert!(again.contains("already exists"), "{again}");
        let folder = pg.folder().to_path_buf();
        drop(pg);
        assert!(!folder.exists(), "{} is still there", folder.display());
        assert!(psql(&url, "select 1").is_err(), "the server still answers");
    }
}
