//! `kunci-ams`: the reference portal's binary. A thin command line over the library:
//! `serve` runs the HTTP application, `user add|list|disable` manage accounts.
//!
//! Passwords never come as arguments (they would sit in the shell history and in `ps`):
//! `--password-file` or the `KUNCI_AMS_PASSWORD` environment variable. Errors print as
//! `kunci-ams: error[CODE]: message` and exit 1; usage mistakes exit 2 (clap).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kunci_ams::http::{AppState, Config, app, auth, unix_now};
use kunci_ams::store::{NewUser, Role, Store};
use kunci_ams::{Error, Result};
use zeroize::Zeroizing;

/// The database used when none is named: a SQLite file in `kunci-data/`.
const DEFAULT_DATABASE_URL: &str = "sqlite://kunci-data/kunci.db?mode=rwc";

#[derive(Parser)]
#[command(name = "kunci-ams", version, about = "The kunci reference AMS portal")]
struct Cli {
    /// sqlite://PATH?mode=rwc or postgres://… (a SQLite file's folder is created).
    #[arg(long, global = true, env = "KUNCI_AMS_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal (plain HTTP for now).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The origin browsers use to reach the portal (default: http://LISTEN).
        #[arg(long)]
        public_origin: Option<String>,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCmd),
}

#[derive(Subcommand)]
enum UserCmd {
    /// Make an account. The password comes from --password-file or KUNCI_AMS_PASSWORD.
    Add {
        /// Login name (stored lower-case).
        #[arg(long)]
        login: String,
        /// Name shown in the portal.
        #[arg(long)]
        name: String,
        /// holder, operator or admin.
        #[arg(long, value_parser = ["holder", "operator", "admin"])]
        role: String,
        /// E-mail address for notices.
        #[arg(long, default_value = "")]
        email: String,
        /// NIK (identity number).
        #[arg(long)]
        nik: Option<String>,
        /// A file whose first line is the password.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List accounts.
    List,
    /// Disable an account and end its sessions.
    Disable {
        /// The login to disable.
        login: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match &e {
                Error::StoreUnavailable { detail } | Error::Internal { detail } => {
                    eprintln!("kunci-ams: error[{}]: {e} ({detail})", e.code());
                }
                _ => eprintln!("kunci-ams: error[{}]: {e}", e.code()),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let store = open_store(&cli.database_url).await?;
    let result = match cli.command {
        Command::Serve {
            listen,
            public_origin,
        } => serve(store.clone(), listen, public_origin).await,
        Command::User(cmd) => user(&store, cmd).await,
    };
    store.close().await;
    result
}

async fn serve(store: Store, listen: SocketAddr, public_origin: Option<String>) -> Result<()> {
    let config = Config {
        public_origin: public_origin.unwrap_or_else(|| format!("http://{listen}")),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Internal {
            detail: format!("listening on {listen}: {e}"),
        })?;
    eprintln!("kunci-ams: serving on http://{listen}");
    let router = app(AppState { store, config });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .map_err(|e| Error::Internal {
        detail: format!("serving: {e}"),
    })
}

async fn user(store: &Store, cmd: UserCmd) -> Result<()> {
    match cmd {
        UserCmd::Add {
            login,
            name,
            role,
            email,
            nik,
            password_file,
        } => {
            let role = Role::parse(&role)
                .ok_or(Error::BadRequest("role must be holder, operator or admin"))?;
            let password = read_password(password_file.as_deref())?;
            let new = NewUser {
                login,
                display_name: name,
                email,
                nik,
                role: Some(role),
                password_hash: auth::hash_password(password).await?,
                ..NewUser::default()
            };
            let user = store.create_user(&new, unix_now()).await?;
            println!("added {} ({})", user.login, user.role.as_str());
        }
        UserCmd::List => {
            for user in store.users().await? {
                let state = if user.disabled { "disabled" } else { "active" };
                println!(
                    "{}\t{}\t{}\t{}",
                    user.login,
                    user.role.as_str(),
                    state,
                    user.display_name
                );
            }
        }
        UserCmd::Disable { login } => {
            let user = store
                .user_by_login(&login)
                .await?
                .ok_or(Error::StoreNotFound { what: "user" })?;
            store.set_user_disabled(user.id, true).await?;
            // A disabled account's open sessions end now, not when they expire.
            store.delete_user_sessions(user.id).await?;
            println!("disabled {}", user.login);
        }
    }
    Ok(())
}

/// The password from `file` (its first line) or from `KUNCI_AMS_PASSWORD`.
fn read_password(file: Option<&Path>) -> Result<Zeroizing<String>> {
    let password = match file {
        Some(path) => {
            let text = Zeroizing::new(
                std::fs::read_to_string(path)
                    .map_err(|_| Error::BadRequest("cannot read the password file"))?,
            );
            Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
        }
        None => Zeroizing::new(std::env::var("KUNCI_AMS_PASSWORD").map_err(|_| {
            Error::BadRequest("give the password with --password-file or KUNCI_AMS_PASSWORD")
        })?),
    };
    if password.chars().count() < kunci_ams::http::MIN_PASSWORD_CHARS {
        return Err(Error::BadRequest(
            "the password needs at least 8 characters",
        ));
    }
    Ok(password)
}

/// Opens the store, first creating the folder of a SQLite file.
async fn open_store(url: &str) -> Result<Store> {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap_or_default();
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| Error::StoreUnavailable {
                detail: format!("creating the database folder: {e}"),
            })?;
        }
    }
    Store::open(url).await
}
