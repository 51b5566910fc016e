//! The portal under test as a child process: a fresh data folder (and, when given, a fresh
//! PostgreSQL database), accounts made through `kunci-ams user add` before the first start,
//! `serve` on a free loopback port, SIGKILL and restart on the same folder. Siblings are more
//! instances on the same folder and database, each on its own port.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;
use crate::client::Http;

/// The product every drill holder is granted.
pub const PRODUCT: &str = "Sertifikat Elektronik Individu";
/// Every drill account's password (the accounts live only in a temporary folder).
pub const PASSWORD: &str = "drill-kuda-lumping-4242";
/// The operator's login.
pub const OPERATOR: &str = "drill-operator";

/// A holder account: its login and the subject (RFC 4514) its CSRs must carry.
#[derive(Clone, Debug)]
pub struct HolderAccount {
    /// Login name.
    pub login: String,
    /// The registered identity.
    pub subject: String,
}

/// The running (or killed) portal.
pub struct Server {
    binary: PathBuf,
    data_dir: PathBuf,
    database_url: Option<String>,
    port: u16,
    auto_approve: bool,
    child: Option<Child>,
    log: PathBuf,
    /// Time spent starting the server until it answered `/api/health`, per start.
    pub start_times: Vec<Duration>,
    /// More `serve` flags for every start (e.g. `--ca-pkcs11-module …`).
    pub extra_args: Vec<String>,
    /// More environment for every start (e.g. `SOFTHSM2_CONF`, `KUNCI_CA_PKCS11_PIN`).
    pub envs: Vec<(String, String)>,
}

impl Server {
    /// Makes the accounts (one operator, `holders` holders) in `data_dir` through the binary's
    /// `user add`; answers the server (not yet started) and the holders.
    /// `database_url`: `None` for the SQLite file in the data folder, or an empty PostgreSQL
    /// database (`postgres://…`).
    pub fn prepare(
        binary: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
        holders: usize,
        auto_approve: bool,
    ) -> Result<(Server, Vec<HolderAccount>), Error> {
        let port = free_port()?;
        let accounts: Vec<HolderAccount> = (0..holders)
            .map(|i| {
                let login = format!("h{i:04}");
                HolderAccount {
                    subject: format!(
                        "CN=Pemegang {i:04},emailAddress={login}@example.go.id,\
                         O=Dinas Uji Beban,L=Bandung,ST=Jawa Barat,C=ID"
                    ),
                    login,
                }
            })
            .collect();
        let db = database_url;
        user_add(binary, data_dir, db, OPERATOR, "operator", None)?;
        // Two at a time: each `user add` spends ~50 ms in argon2 and the rest in start-up.
        let (left, right) = accounts.split_at(accounts.len() / 2);
        std::thread::scope(|scope| {
            let a = scope.spawn(|| add_holders(binary, data_dir, db, left));
            let b = add_holders(binary, data_dir, db, right);
            let a = a
                .join()
                .map_err(|_| Error::Server("a user-add thread panicked".into()))?;
            a.and(b)
        })?;
        let server = Server {
            binary: binary.to_owned(),
            data_dir: data_dir.to_owned(),
            database_url: database_url.map(str::to_owned),
            port,
            auto_approve,
            child: None,
            log: data_dir.join("server.log"),
            start_times: Vec::new(),
            extra_args: Vec::new(),
            envs: Vec::new(),
        };
        Ok((server, accounts))
    }

    /// Another instance of the same portal: same binary, data folder (CA, uploads) and
    /// database, its own port and log (`server-N.log`). Not started.
    pub fn sibling(&self, n: usize) -> Result<Server, Error> {
        Ok(Server {
            binary: self.binary.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            port: free_port()?,
            auto_approve: self.auto_approve,
            child: None,
            log: self.data_dir.join(format!("server-{n}.log")),
            start_times: Vec::new(),
            extra_args: self.extra_args.clone(),
            envs: self.envs.clone(),
        })
    }

    /// The database the portal runs on, when it is not the data folder's SQLite file.
    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's log (its stdout and stderr, every start appended).
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Starts `serve` and waits until `/api/health` answers.
    pub async fn start(&mut self, http: &Http) -> Result<(), Error> {
        let started = Instant::now();
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| Error::Server(format!("opening {}: {e}", self.log.display())))?;
        let log2 = log
            .try_clone()
            .map_err(|e| Error::Server(format!("log file: {e}")))?;
        let mut command = Command::new(&self.binary);
        command.arg("--data-dir").arg(&self.data_dir);
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            // Every start sweeps what the last kill left in the uploads folder: the drill
            // starts instances one after another, never beside an upload in flight.
            .args(["--sweep-uploads-after", "0"])
            // The drill's holders upload far faster than people do (a chaos holder about 120
            // documents in 24 s): the per-holder rate limits would measure themselves, not
            // the portal. The quota of open requests stays as served.
            .args(["--uploads-per-hour", "1000000000"])
            .args(["--upload-bytes-per-hour", "1000000000000"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        if self.auto_approve {
            command.arg("--auto-approve");
        }
        command
            .args(&self.extra_args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)));
        let child = command
            .spawn()
            .map_err(|e| Error::Server(format!("starting {}: {e}", self.binary.display())))?;
        self.child = Some(child);
        loop {
            if let Ok(answer) = http.get("/api/health", None).await
                && answer.status == 200
            {
                break;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(Error::Server(format!(
                    "kunci-ams exited at start ({status}); see {}",
                    self.log.display()
                )));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(Error::Server("kunci-ams did not answer in 60 s".into()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.start_times.push(started.elapsed());
        Ok(())
    }

    /// CPU seconds (user, system) the running server has used, from `/proc` (Linux; 100 Hz
    /// clock ticks assumed).
    pub fn cpu_seconds(&self) -> Option<(f64, f64)> {
        let pid = self.child.as_ref()?.id();
        cpu_of(&format!("/proc/{pid}/stat"))
    }

    /// SIGKILL (no chance to flush or finish anything) and reap.
    pub fn kill(&mut self) -> Result<(), Error> {
        if let Some(mut child) = self.child.take() {
            child
                .kill()
                .map_err(|e| Error::Server(format!("SIGKILL: {e}")))?;
            child
                .wait()
                .map_err(|e| Error::Server(format!("reaping kunci-ams: {e}")))?;
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Never leave a portal running behind the drill.
        let _ = self.kill();
    }
}

fn add_holders(
    binary: &Path,
    data_dir: &Path,
    database_url: Option<&str>,
    accounts: &[HolderAccount],
) -> Result<(), Error> {
    for account in accounts {
        user_add(
            binary,
            data_dir,
            database_url,
            &account.login,
            "holder",
            Some(account),
        )?;
    }
    Ok(())
}

fn user_add(
    binary: &Path,
    data_dir: &Path,
    database_url: Option<&str>,
    login: &str,
    role: &str,
    holder: Option<&HolderAccount>,
) -> Result<(), Error> {
    let mut command = Command::new(binary);
    command.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        command.arg("--database-url").arg(url);
    }
    command
        .args(["user", "add", "--login", login, "--role", role])
        .args(["--name", &format!("Drill {login}")])
        .args(["--email", &format!("{login}@example.go.id")])
        .env("KUNCI_AMS_PASSWORD", PASSWORD)
        .stdin(Stdio::null());
    if let Some(holder) = holder {
        command
            .args(["--subject", &holder.subject])
            .args(["--product", PRODUCT]);
    }
    let output = command
        .output()
        .map_err(|e| Error::Server(format!("running {}: {e}", binary.display())))?;
    if !output.status.success() {
        return Err(Error::Server(format!(
            "user add {login}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Server(format!("finding a free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::Server(format!("finding a free port: {e}")))
}

/// (user, system) CPU seconds of the process whose `/proc/…/stat` is at `path`.
pub fn cpu_of(path: &str) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may hold spaces, so split after its ')').
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok().map(|t| t / 100.0);
    // utime and stime are fields 14 and 15 of stat(5); `rest` starts at field 3.
    Some((ticks(11)?, ticks(12)?))
}
