//! The `kunci-host` binary: the native-messaging loop when a browser starts it, and the
//! `install`, `uninstall`, `tokens` and `doctor` commands when a person does.
//!
//! Browsers start the host with arguments of their own: Chromium passes the caller's origin
//! (`chrome-extension://ID/`, plus `--parent-window=N` on Windows), Firefox the manifest's path
//! and the add-on id. Those are recognised before the command-line parser sees them, so a
//! browser never meets a usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kunci_host::config;
use kunci_host::install::{self, Browser, DEFAULT_EXTENSION_ID, DEFAULT_FIREFOX_ID};
use kunci_host::{Host, doctor};

#[derive(Parser)]
#[command(
    name = "kunci-host",
    version,
    about = "kunci's native-messaging helper for USB tokens"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Register the host with the browsers (manifests) and write the host config.
    Install {
        /// Which browser; every browser you have when left out.
        #[arg(long, value_enum)]
        browser: Option<BrowserArg>,
        /// A portal origin to allow (repeatable), e.g. https://ams.example.go.id
        #[arg(long = "allow-origin", value_name = "URL")]
        allow_origin: Vec<String>,
        /// The Chromium extension id allowed to start the host.
        #[arg(long, value_name = "ID", default_value = DEFAULT_EXTENSION_ID)]
        extension_id: String,
        /// The Firefox add-on id allowed to start the host.
        #[arg(long, value_name = "ID", default_value = DEFAULT_FIREFOX_ID)]
        firefox_id: String,
        /// Write one Chromium-style manifest into DIR instead (e.g. a profile's
        /// <user-data-dir>/NativeMessagingHosts).
        #[arg(long, value_name = "DIR")]
        manifest_dir: Option<PathBuf>,
        /// The PKCS#11 module to record in the config.
        #[arg(long, value_name = "PATH")]
        module: Option<PathBuf>,
    },
    /// Remove the manifests (and, with --purge, the config).
    Uninstall {
        /// Remove the manifest from DIR only.
        #[arg(long, value_name = "DIR")]
        manifest_dir: Option<PathBuf>,
        /// Also delete the host config.
        #[arg(long)]
        purge: bool,
    },
    /// List the tokens present.
    Tokens,
    /// Check the set-up and say how to fix what is wrong.
    Doctor {
        /// The Chromium extension id that must be allowed.
        #[arg(long, value_name = "ID", default_value = DEFAULT_EXTENSION_ID)]
        extension_id: String,
        /// The Firefox add-on id that must be allowed.
        #[arg(long, value_name = "ID", default_value = DEFAULT_FIREFOX_ID)]
        firefox_id: String,
        /// Also check the manifest in DIR.
        #[arg(long, value_name = "DIR")]
        manifest_dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BrowserArg {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Firefox,
    All,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if started_by_browser(&args) {
        return native_messaging();
    }
    let cli = Cli::parse();
    let result = match cli.command {
        None => return native_messaging(),
        Some(Command::Install {
            browser,
            allow_origin,
            extension_id,
            firefox_id,
            manifest_dir,
            module,
        }) => config_path().and_then(|config_path| {
            let browsers = match browser {
                None | Some(BrowserArg::All) => Vec::new(),
                Some(b) => vec![match b {
                    BrowserArg::Chrome => Browser::Chrome,
                    BrowserArg::Chromium => Browser::Chromium,
                    BrowserArg::Edge => Browser::Edge,
                    BrowserArg::Brave => Browser::Brave,
                    BrowserArg::Firefox | BrowserArg::All => Browser::Firefox,
                }],
            };
            let opts = install::InstallOptions {
                browsers,
                allow_origins: allow_origin,
                extension_id,
                firefox_id,
                manifest_dir,
                module,
                config_path,
            };
            install::install(&opts).map(|lines| {
                for l in lines {
                    println!("{l}");
                }
                ExitCode::SUCCESS
            })
        }),
        Some(Command::Uninstall {
            manifest_dir,
            purge,
        }) => config_path().and_then(|config_path| {
            install::uninstall(manifest_dir.as_deref(), purge, &config_path).map(|lines| {
                if lines.is_empty() {
                    println!("nothing to remove");
                }
                for l in lines {
                    println!("{l}");
                }
                ExitCode::SUCCESS
            })
        }),
        Some(Command::Tokens) => tokens(),
        Some(Command::Doctor {
            extension_id,
            firefox_id,
            manifest_dir,
        }) => config_path().map(|config_path| {
            let checks = doctor::run(&doctor::DoctorOptions {
                config_path,
                extension_id,
                firefox_id,
                manifest_dir,
            });
            for c in &checks {
                println!("{}", c.render());
            }
            if checks.iter().all(|c| c.ok) {
                println!("\nall checks passed");
                ExitCode::SUCCESS
            } else {
                println!("\nsome checks failed: see the fixes above");
                ExitCode::FAILURE
            }
        }),
    };
    result.unwrap_or_else(|e| {
        eprintln!("kunci-host: error [{}]: {e}", e.code());
        ExitCode::FAILURE
    })
}

/// True when a browser started us: `chrome-extension://…` (Chromium) or an existing manifest
/// path (Firefox) as the first argument.
fn started_by_browser(args: &[String]) -> bool {
    let Some(first) = args.get(1) else {
        return false;
    };
    first.starts_with("chrome-extension://")
        || (first.ends_with(".json") && Path::new(first).is_file())
}

fn config_path() -> kunci_host::Result<PathBuf> {
    config::config_path().ok_or_else(|| kunci_host::Error::ConfigInvalid {
        path: "host.json".to_owned(),
        reason: "the home folder is unknown: set KUNCI_HOST_CONFIG".to_owned(),
    })
}

/// Loads the config for a host (the system-wide file under the user's); a missing or broken
/// config gives an empty allow-list and a line on stderr (which the browser keeps in its
/// log), never a crash.
fn load_host() -> Host {
    let (config, note) = config::load_effective();
    Host::new(config, note)
}

fn native_messaging() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let mut host = load_host().started_by(arg(1), arg(2));
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    match kunci_host::serve(&mut host, &mut stdin.lock(), &mut stdout.lock()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kunci-host: the browser connection failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn tokens() -> kunci_host::Result<ExitCode> {
    let (config, _) = config::load_effective();
    let mut host = Host::new(config, None);
    let module = host.module()?.path().display().to_string();
    let tokens = host.list_tokens()?;
    println!("module: {module}");
    if tokens.is_empty() {
        println!("no token present");
    }
    for t in tokens {
        let mut flags = Vec::new();
        if t.pin_pad {
            flags.push("PIN pad");
        }
        if t.pin_locked {
            flags.push("PIN LOCKED");
        } else if t.pin_final_try {
            flags.push("PIN final try");
        } else if t.pin_count_low {
            flags.push("PIN count low");
        }
        println!(
            "slot {}: {} (serial {}), {} {}{}",
            t.slot,
            t.label,
            t.serial,
            t.manufacturer,
            t.model,
            if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(", "))
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
