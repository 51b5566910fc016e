//! `kunci-drill`: the command line over the drills (`chaos`, `load`) and the load figures of
//! the CA's OCSP responder and timestamp authority (`ocsp`, `tsa`). Exits 0 when every
//! invariant held, 1 on a violation or a failed run, 2 on a usage mistake (clap).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kunci_drill::drills::{self, ChaosOptions, LoadOptions};
use kunci_drill::pki::{self, OcspOptions, TsaOptions};

#[derive(Parser)]
#[command(
    name = "kunci-drill",
    about = "Crash-consistency and load drills for kunci-ams"
)]
struct Cli {
    /// The kunci-ams binary to run.
    #[arg(long, global = true, default_value = "target/release/kunci-ams")]
    ams: PathBuf,
    /// Run the portal on this empty PostgreSQL database (`postgres://…`) instead of the SQLite
    /// file in its data folder.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// SIGKILL the portal at random moments while holders enroll, an operator approves and
    /// holders revoke; restart it each time; then check the invariants.
    Chaos {
        /// Concurrent holders.
        #[arg(long, default_value_t = 8)]
        holders: usize,
        /// SIGKILLs to survive.
        #[arg(long, default_value_t = 60)]
        kills: usize,
        /// Shortest uptime before a kill (ms).
        #[arg(long, default_value_t = 50)]
        min_delay_ms: u64,
        /// Longest uptime before a kill (ms).
        #[arg(long, default_value_t = 500)]
        max_delay_ms: u64,
        /// CI size: 50 kills after 50-250 ms each.
        #[arg(long)]
        quick: bool,
    },
    /// N holders at once, automatic approval, for S seconds: throughput, latency, invariants.
    Load {
        /// Concurrent holders.
        #[arg(long, default_value_t = 100)]
        holders: usize,
        /// Length of the enrollment phase (seconds).
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// One in this many certificates is revoked.
        #[arg(long, default_value_t = 4)]
        revoke_one_in: u64,
        /// Portal instances sharing one data folder and database (for PostgreSQL).
        #[arg(long, default_value_t = 1)]
        instances: usize,
        /// CI size: 20 holders for 10 s.
        #[arg(long)]
        quick: bool,
    },
    /// OCSP load: R requests a second for S seconds against one portal (open loop), with
    /// p50/p95/p99 latency and errors. Goal: p99 < 20 ms at 1000/s for 30 s.
    Ocsp {
        /// Requests a second.
        #[arg(long, default_value_t = 1000)]
        rate: u32,
        /// Length of the run (seconds).
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// CI size: 3 s.
        #[arg(long)]
        quick: bool,
        /// One more `kunci-ams serve` flag (repeatable), e.g.
        /// `--serve-arg=--ca-pkcs11-module=/usr/lib/softhsm/libsofthsm2.so` to measure with the
        /// keys on a token (the environment, SOFTHSM2_CONF and KUNCI_CA_PKCS11_PIN, is passed on).
        #[arg(long = "serve-arg", allow_hyphen_values = true)]
        serve_args: Vec<String>,
    },
    /// Timestamp load: C clients sending queries one after another for S seconds, with
    /// tokens/s and latency. Goal: >= 200 tokens/s.
    Tsa {
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Length of the run (seconds).
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// CI size: 3 s.
        #[arg(long)]
        quick: bool,
        /// One more `kunci-ams serve` flag (repeatable), as for `ocsp`.
        #[arg(long = "serve-arg", allow_hyphen_values = true)]
        serve_args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread for the drill (the cores belong to the server under test); holders are local
    // tasks on it, so their futures need not be Send.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kunci-drill: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = tokio::task::LocalSet::new();
    let result = runtime.block_on(local.run_until(async {
        match cli.command {
            Command::Chaos {
                holders,
                kills,
                min_delay_ms,
                max_delay_ms,
                quick,
            } => {
                let opts = ChaosOptions {
                    binary: cli.ams,
                    holders,
                    kills: if quick { 50 } else { kills },
                    delay_ms: if quick {
                        (50, 250)
                    } else {
                        (min_delay_ms, max_delay_ms.max(min_delay_ms))
                    },
                    revoke_one_in: 3,
                    database_url: cli.database_url,
                };
                drills::chaos(&opts).await
            }
            Command::Load {
                holders,
                seconds,
                revoke_one_in,
                instances,
                quick,
            } => {
                let opts = LoadOptions {
                    binary: cli.ams,
                    holders: if quick { 20 } else { holders },
                    seconds: if quick { 10 } else { seconds },
                    revoke_one_in,
                    database_url: cli.database_url,
                    instances,
                };
                drills::load(&opts).await
            }
            Command::Ocsp {
                rate,
                seconds,
                quick,
                serve_args,
            } => {
                let opts = OcspOptions {
                    binary: cli.ams,
                    rate,
                    seconds: if quick { 3 } else { seconds },
                    serve_args,
                };
                pki::ocsp(&opts).await
            }
            Command::Tsa {
                concurrency,
                seconds,
                quick,
                serve_args,
            } => {
                let opts = TsaOptions {
                    binary: cli.ams,
                    concurrency,
                    seconds: if quick { 3 } else { seconds },
                    serve_args,
                };
                pki::tsa(&opts).await
            }
        }
    }));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("kunci-drill: invariants violated or holders failed (see above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("kunci-drill: {e}");
            ExitCode::FAILURE
        }
    }
}
