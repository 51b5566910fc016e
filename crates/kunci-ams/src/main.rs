//! `kunci-ams`: the reference portal's binary. A thin command line over the library:
//! `serve` runs the HTTP application (making the data folder and the CA on first start, see
//! `kunci_ams::setup`), `user add|list|disable|grant` manage accounts and product grants.
//!
//! Passwords never come as arguments (they would sit in the shell history and in `ps`):
//! `--password-file` or the `KUNCI_AMS_PASSWORD` environment variable. Errors print as
//! `kunci-ams: error[CODE]: message` and exit 1; usage mistakes exit 2 (clap).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use kunci_ams::http::{AppState, Config, app, auth, unix_now};
use kunci_ams::portal::{Mailer, Portal, Settings, standard_profiles};
use kunci_ams::store::{Actor, Entry, NewUser, Role, Store};
use kunci_ams::{Error, Result};
use kunci_ams::{demo, setup, uploads};
use kunci_core::Password;
use zeroize::Zeroizing;

#[derive(Parser)]
#[command(name = "kunci-ams", version, about = "The kunci reference AMS portal")]
struct Cli {
    /// The data folder: SQLite database, CA (keys encrypted), uploaded documents.
    #[arg(
        long,
        visible_alias = "data",
        global = true,
        env = "KUNCI_AMS_DATA_DIR",
        default_value = "kunci-data"
    )]
    data_dir: PathBuf,
    /// sqlite://PATH?mode=rwc or postgres://… (default: DATA/kunci.db).
    #[arg(
        long,
        visible_alias = "database",
        global = true,
        env = "KUNCI_AMS_DATABASE_URL"
    )]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal. On first start it makes the data folder and the CA.
    // Boxed: its many flags would make every other command as large.
    Serve(Box<ServeArgs>),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Copy every account, request, certificate, CRL and notice of this portal's store into
    /// an empty PostgreSQL database (moving from SQLite to PostgreSQL; stop the portal first).
    CopyStore {
        /// The target: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (migrated here, and
        /// it must hold nothing yet).
        #[arg(long)]
        to: String,
    },
    /// The tamper-evident audit log: check its hash chain, or write it out as JSON lines.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Print the certificate profiles (JSON) for ORIGIN: a template for `serve --profiles`.
    Profiles {
        /// The portal's public origin, which the CRL and AIA URLs are made from.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        public_origin: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the chain from its first entry; name the first broken one (exit status 1) or
    /// print "audit: N entries, chain intact" and the head hash to keep elsewhere.
    Verify {
        /// SEQ:HASH, a head printed by an earlier verify and kept apart from the database:
        /// entry SEQ must still exist with that hash (catches a rewritten or cut chain).
        #[arg(long)]
        anchor: Option<String>,
    },
    /// Write every entry as one JSON object per line, oldest first (details as the exact
    /// text that was hashed), to FILE or standard output.
    Export {
        /// Where to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KUNCI_AMS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The origin browsers use to reach the portal (default: http(s)://LISTEN).
    #[arg(long, env = "KUNCI_AMS_PUBLIC_ORIGIN")]
    public_origin: Option<String>,
    /// TLS certificate chain (PEM); with --tls-key the portal serves HTTPS.
    #[arg(long, env = "KUNCI_AMS_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "KUNCI_AMS_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Approve requests automatically as soon as they are complete (no operator).
    #[arg(long, env = "KUNCI_AMS_AUTO_APPROVE")]
    auto_approve: bool,
    /// SMTP relay for e-mail notices: smtp://[user:pass@]host[:port]. Without it, notices
    /// go only to the portal's inbox.
    #[arg(long, env = "KUNCI_AMS_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender of e-mail notices.
    #[arg(
        long,
        env = "KUNCI_AMS_MAIL_FROM",
        default_value = "kunci AMS <ams@localhost>"
    )]
    mail_from: String,
    /// Days before a certificate's end that its holder is reminded.
    #[arg(long, env = "KUNCI_AMS_REMINDER_DAYS", default_value_t = 30)]
    reminder_days: i64,
    /// How long a CSR token stays usable, in hours.
    #[arg(long, env = "KUNCI_AMS_TOKEN_HOURS", default_value_t = 24)]
    token_hours: i64,
    /// Largest supporting document accepted, in bytes.
    #[arg(long, env = "KUNCI_AMS_MAX_UPLOAD_BYTES", default_value_t = 5 * 1024 * 1024)]
    max_upload_bytes: usize,
    /// Supporting documents one holder may upload per hour (429 upload.rate_limited beyond).
    #[arg(long, env = "KUNCI_AMS_UPLOADS_PER_HOUR",
          default_value_t = kunci_ams::portal::DEFAULT_UPLOADS_PER_HOUR,
          value_parser = clap::value_parser!(i64).range(1..))]
    uploads_per_hour: i64,
    /// Bytes of supporting documents one holder may upload per hour (429 upload.rate_limited
    /// beyond); keep it at least --max-upload-bytes.
    #[arg(long, env = "KUNCI_AMS_UPLOAD_BYTES_PER_HOUR",
          default_value_t = kunci_ams::portal::DEFAULT_UPLOAD_BYTES_PER_HOUR,
          value_parser = clap::value_parser!(i64).range(1..))]
    upload_bytes_per_hour: i64,
    /// Bytes the documents of one holder's open requests may add up to (413
    /// upload.quota_exceeded beyond).
    #[arg(long, env = "KUNCI_AMS_UPLOAD_QUOTA_BYTES",
          default_value_t = kunci_ams::portal::DEFAULT_UPLOAD_QUOTA_BYTES,
          value_parser = clap::value_parser!(i64).range(1..))]
    upload_quota_bytes: i64,
    /// At start, remove upload files a crash left behind (temporary files, documents no
    /// request names) once they are this many seconds old. Instances sharing an uploads
    /// folder need a margin longer than any upload; a lone instance may say 0.
    #[arg(long, env = "KUNCI_AMS_SWEEP_UPLOADS_AFTER", default_value_t = 600)]
    sweep_uploads_after: u64,
    /// File holding the CA key passphrase (default: DATA/ca-passphrase, made at first start).
    #[arg(long, env = "KUNCI_AMS_CA_PASSPHRASE_FILE")]
    ca_passphrase_file: Option<PathBuf>,
    /// Keep the CA keys (root, issuing, OCSP, TSA) on a PKCS#11 token, made there at first
    /// start and never extractable, instead of encrypted files: the token's module (.so).
    #[arg(
        long,
        env = "KUNCI_AMS_CA_PKCS11_MODULE",
        requires = "ca_pkcs11_token",
        conflicts_with = "ca_passphrase_file"
    )]
    ca_pkcs11_module: Option<PathBuf>,
    /// The label of the PKCS#11 token holding the CA keys.
    #[arg(long, env = "KUNCI_AMS_CA_PKCS11_TOKEN", requires = "ca_pkcs11_module")]
    ca_pkcs11_token: Option<String>,
    /// File holding the CA token's user PIN (its first line); else KUNCI_CA_PKCS11_PIN.
    #[arg(
        long,
        env = "KUNCI_AMS_CA_PKCS11_PIN_FILE",
        requires = "ca_pkcs11_module"
    )]
    ca_pkcs11_pin_file: Option<PathBuf>,
    /// Certificate profiles (JSON: {"individu": {...}, "organisasi": {...}, ...}) replacing or
    /// adding to the standard ones; `kunci-ams profiles` prints the standard ones to start from.
    #[arg(long, env = "KUNCI_AMS_PROFILES")]
    profiles: Option<PathBuf>,
    /// The pages to serve at / (the repository's web/).
    #[arg(long, env = "KUNCI_AMS_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// The built npm package to serve at /pkg/ (crates/kunci-wasm/pkg).
    #[arg(long, env = "KUNCI_AMS_PKG_DIR")]
    pkg_dir: Option<PathBuf>,
    /// The folder `cargo xtask dist` wrote (target/dist): the helper's installers and the
    /// extension, served under stable names at /unduh/ (kunci-host-x64.msi,
    /// kunci-host_amd64.deb, kunci-extension-chromium.zip, kunci-extension.xpi) for the pages'
    /// "what is missing" guidance. Unset: the pages link to --downloads-url, or ask the holder
    /// to get the installer from the agency.
    #[arg(long, env = "KUNCI_AMS_DOWNLOADS")]
    downloads: Option<PathBuf>,
    /// Another server offering those files under the same stable names (used without
    /// --downloads).
    #[arg(long, env = "KUNCI_AMS_DOWNLOADS_URL")]
    downloads_url: Option<String>,
    /// Reverse proxies in front of the portal (IP[,IP...]): from them, the client address
    /// (for login throttling) is the right-most X-Forwarded-For entry that is not one of
    /// them. Off by default: X-Forwarded-For is then ignored.
    #[arg(
        long = "trusted-proxy",
        env = "KUNCI_AMS_TRUSTED_PROXY",
        value_delimiter = ',',
        value_name = "IP"
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Minutes a session may go unused before it ends (besides its 8-hour lifetime).
    #[arg(
        long,
        env = "KUNCI_AMS_IDLE_TIMEOUT_MINUTES",
        default_value_t = 30,
        value_parser = clap::value_parser!(i64).range(1..=480)
    )]
    idle_timeout_minutes: i64,
    /// On first start, seed a demo holder with an issued certificate, an operator and an
    /// administrator (passwords: KUNCI_AMS_DEMO_PASSWORD, or random and printed).
    #[arg(long)]
    demo: bool,
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
        /// The identity every CSR of this holder must carry (RFC 4514: "CN=…,O=…,C=ID").
        #[arg(long)]
        subject: Option<String>,
        /// A product the holder may request (repeatable; by name).
        #[arg(long = "product")]
        products: Vec<String>,
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
    /// Register a product for a holder.
    Grant {
        /// The holder's login.
        login: String,
        /// The product's name.
        product: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    // Before any file is made: the data folder is its owner's only (issue 18, finding 6).
    setup::restrict_umask();
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

/// `copy-store --to URL`: the whole store into an empty PostgreSQL database.
async fn copy_store(source: &Store, to: &str) -> Result<()> {
    let target = open_store(to).await?;
    let copied = source.copy_into(&target).await;
    target.close().await;
    let report = copied?;
    for (table, rows) in &report.tables {
        println!("copied {rows:>7} row(s) of {table}");
    }
    println!(
        "kunci-ams: the store is copied; start every instance with --database-url and the \
         same data folder (CA, uploads)"
    );
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    setup::create_private_dir(&cli.data_dir).map_err(|e| Error::StoreUnavailable {
        detail: format!("creating the data folder {}: {e}", cli.data_dir.display()),
    })?;
    if matches!(cli.command, Command::Serve(_)) {
        // Before the database is opened: SQLite gives its -wal and -shm the database's mode.
        for t in setup::make_private(&cli.data_dir)? {
            eprintln!(
                "kunci-ams: warning: {} was open to other users (mode {:04o}); made it \
                 owner-only (mode {:04o})",
                t.path.display(),
                t.old_mode,
                t.new_mode
            );
        }
    }
    let url = cli.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            cli.data_dir.join("kunci.db").display()
        )
    });
    let store = open_store(&url).await?;
    if let Command::Audit(cmd) = cli.command {
        // Read-only: no products seeded, nothing appended.
        let result = audit(&store, cmd).await;
        store.close().await;
        return match result? {
            true => Ok(()),
            // The report is printed; the status says it.
            false => std::process::exit(1),
        };
    }
    setup::seed_products(&store, unix_now()).await?;
    let result = match cli.command {
        Command::Serve(args) => serve(store.clone(), &cli.data_dir, *args).await,
        Command::User(cmd) => user(&store, cmd).await,
        Command::CopyStore { to } => copy_store(&store, &to).await,
        Command::Audit(_) => Ok(()),
        Command::Profiles { public_origin } => {
            let profiles = standard_profiles(public_origin.trim_end_matches('/'));
            let json = serde_json::to_string_pretty(&profiles).map_err(|e| Error::Internal {
                detail: format!("printing profiles: {e}"),
            })?;
            println!("{json}");
            Ok(())
        }
    };
    store.close().await;
    result
}

async fn serve(store: Store, data_dir: &Path, args: ServeArgs) -> Result<()> {
    let now = unix_now();
    let tls = args.tls_cert.is_some();
    let scheme = if tls { "https" } else { "http" };
    let origin = args
        .public_origin
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{}", args.listen))
        .trim_end_matches('/')
        .to_owned();

    let ca_dir = data_dir.join("ca");
    let (authority, responders, events) = match (&args.ca_pkcs11_module, &args.ca_pkcs11_token) {
        (Some(module), Some(label)) => {
            // The PIN never comes as an argument (shell history, `ps`), and is dropped
            // (zeroized) once the token has it.
            setup::check_key_source(&ca_dir, true)?;
            let pin = ca_token_pin(args.ca_pkcs11_pin_file.as_deref())?;
            let token = kunci_ams::ca::pkcs11::Token::open(module, label, &pin)?;
            drop(pin);
            let (authority, created) = setup::open_or_create_ca_on_token(
                &ca_dir,
                &token,
                setup::DEFAULT_CA_ORGANIZATION,
                now,
            )?;
            if created {
                eprintln!(
                    "kunci-ams: made a new CA in {} with its keys on the PKCS#11 token {label:?} \
                     (non-extractable; only the certificates are in the data folder)",
                    ca_dir.display()
                );
            }
            let (responders, events) =
                setup::open_or_create_responders_on_token(&ca_dir, &token, &authority, now)?;
            (authority, responders, events)
        }
        _ => {
            // Before the passphrase: a data folder whose CA is on a token must not get a new
            // passphrase file, nor a new CA.
            setup::check_key_source(&ca_dir, false)?;
            let ca_exists = ca_dir.join("issuing.key.pem").exists();
            let pass_file = args
                .ca_passphrase_file
                .clone()
                .unwrap_or_else(|| data_dir.join("ca-passphrase"));
            let passphrase = setup::ca_passphrase(&pass_file, ca_exists)?;
            let (authority, created) = setup::open_or_create_ca(
                &ca_dir,
                passphrase.expose().as_bytes(),
                setup::DEFAULT_CA_ORGANIZATION,
                now,
            )?;
            if created {
                eprintln!(
                    "kunci-ams: made a new CA in {} (keys encrypted; passphrase in {}: keep it \
                     apart from the data folder in production)",
                    ca_dir.display(),
                    pass_file.display()
                );
            }
            // The OCSP responder and the TSA: made on the first start of a data folder (new,
            // or made before they existed), their certificates renewed when due.
            let (responders, events) = setup::open_or_create_responders(
                &ca_dir,
                passphrase.expose().as_bytes(),
                &authority,
                now,
            )?;
            (authority, responders, events)
        }
    };
    if events.ocsp_created || events.ocsp_renewed || events.tsa_created {
        eprintln!(
            "kunci-ams: {}{}{}in {}",
            if events.ocsp_created {
                "made the OCSP responder's key and certificate; "
            } else {
                ""
            },
            if events.ocsp_renewed {
                "renewed the OCSP responder's certificate; "
            } else {
                ""
            },
            if events.tsa_created {
                "made the timestamp authority's key and certificate; "
            } else {
                ""
            },
            ca_dir.display()
        );
    }
    record_key_events(&store, &events, now).await?;
    let mut settings = Settings::new(data_dir.join("uploads"));
    settings.auto_approve = args.auto_approve;
    settings.reminder_days = args.reminder_days;
    settings.token_lifetime_secs = args.token_hours.max(1) * 3600;
    settings.max_upload_bytes = args.max_upload_bytes;
    settings.uploads_per_hour = args.uploads_per_hour;
    settings.upload_bytes_per_hour = args.upload_bytes_per_hour;
    settings.upload_quota_bytes = args.upload_quota_bytes;
    let swept = uploads::sweep_uploads(
        &settings.uploads_dir,
        &store,
        std::time::Duration::from_secs(args.sweep_uploads_after),
    )
    .await?;
    if swept != uploads::Swept::default() {
        eprintln!(
            "kunci-ams: swept {} unfinished upload(s) and {} document(s) no request names from {}",
            swept.temporary,
            swept.unnamed,
            settings.uploads_dir.display()
        );
    }
    let mailer: Option<Arc<dyn Mailer>> = match &args.smtp_url {
        Some(url) => Some(Arc::new(kunci_ams::mail::Smtp::new(url, &args.mail_from)?)),
        None => None,
    };
    // The CRL and AIA URLs go into every certificate: plain HTTP is what relying parties
    // fetch, so under TLS they still name the public origin as configured.
    let mut profiles = standard_profiles(&origin);
    if let Some(path) = &args.profiles {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::ProfileInvalid(format!("cannot read {}: {e}", path.display())))?;
        let custom: std::collections::BTreeMap<String, kunci_ams::ca::Profile> =
            serde_json::from_str(&text)
                .map_err(|e| Error::ProfileInvalid(format!("{}: {e}", path.display())))?;
        profiles.extend(custom);
    }
    // Every product must name a profile that exists, or its requests could never be issued.
    for product in store.products().await? {
        if !profiles.contains_key(&product.profile) {
            return Err(Error::ProfileInvalid(format!(
                "product {} uses profile {}, which is not configured",
                product.name, product.profile
            )));
        }
    }
    let portal = Arc::new(Portal::new(
        authority, responders, profiles, settings, mailer,
    )?);
    portal.publish_crl(&store, now).await?;

    if args.demo {
        // The demo's logins are kept in the data folder (owner-only) so that every start can
        // print them: a demo, not a place for real accounts' passwords.
        let logins_file = data_dir.join("demo-logins.txt");
        let password = std::env::var("KUNCI_AMS_DEMO_PASSWORD")
            .ok()
            .map(Password::from);
        if let Some(demo) = demo::seed_demo(&store, &portal, password.as_ref(), now).await? {
            let mut text = String::new();
            for (login, role, pass) in &demo.accounts {
                text.push_str(&format!(
                    "  {:<8} login: {:<9} password: {}\n",
                    role.as_str(),
                    login,
                    pass.expose()
                ));
            }
            uploads::write_private(&logins_file, text.as_bytes())?;
            println!(
                "kunci-ams: seeded the demo; the holder already holds certificate {}",
                demo.certificate_serial
            );
        }
        if let Ok(text) = std::fs::read_to_string(&logins_file) {
            println!("kunci-ams: demo accounts (from {}):", logins_file.display());
            print!("{text}");
        }
    }

    let config = Config {
        tls,
        public_origin: origin.clone(),
        web_dir: args.web_dir.clone(),
        pkg_dir: args.pkg_dir.clone(),
        downloads: kunci_ams::http::downloads::Downloads {
            dir: args.downloads.clone(),
            url: args.downloads_url.clone(),
        },
        trusted_proxies: args.trusted_proxies.clone(),
        idle_timeout_secs: args.idle_timeout_minutes * 60,
        ..Config::default()
    };
    let state = AppState {
        store: store.clone(),
        config,
        portal: Arc::clone(&portal),
    };
    tokio::spawn(reminders(
        store.clone(),
        Arc::clone(&portal),
        ca_dir.clone(),
    ));
    let router = app(state).into_make_service_with_connect_info::<SocketAddr>();
    println!(
        "kunci-ams: serving on {origin} (listening on {})",
        args.listen
    );
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            // One crypto provider for the process (ring: builds with the C compiler alone).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls_config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| Error::Internal {
                    detail: format!("loading the TLS certificate and key: {e}"),
                })?;
            axum_server::bind_rustls(args.listen, tls_config)
                .serve(router)
                .await
                .map_err(|e| Error::Internal {
                    detail: format!("serving HTTPS: {e}"),
                })
        }
        _ => {
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .map_err(|e| Error::Internal {
                    detail: format!("listening on {}: {e}", args.listen),
                })?;
            axum::serve(listener, router)
                .await
                .map_err(|e| Error::Internal {
                    detail: format!("serving: {e}"),
                })
        }
    }
}

/// Sends end-of-validity reminders at start and then hourly; purges expired sessions; renews
/// the OCSP responder's certificate when due (it lives 90 days, a portal may run longer).
async fn reminders(store: Store, portal: Arc<Portal>, ca_dir: std::path::PathBuf) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = unix_now();
        // The OCSP certificate lives 90 days and a portal may run longer than that.
        match portal.renew_ocsp_if_due(now) {
            Ok(None) => {}
            Ok(Some(cert)) => match setup::store_ocsp_certificate(&ca_dir, &cert) {
                Ok(()) => {
                    eprintln!("kunci-ams: renewed the OCSP responder's certificate");
                    let entry = Entry::new(Actor::Ca, "ca.ocsp_certificate_renewed", "ocsp")
                        .with("sha256", hex_sha256(&cert));
                    if let Err(e) = store.record_event(&entry, now).await {
                        eprintln!("kunci-ams: recording the renewal failed: {}", e.code());
                    }
                }
                Err(e) => eprintln!(
                    "kunci-ams: keeping the OCSP certificate failed: {}",
                    e.code()
                ),
            },
            Err(e) => eprintln!(
                "kunci-ams: renewing the OCSP certificate failed: {}",
                e.code()
            ),
        }
        match portal.send_reminders(&store, now).await {
            Ok(0) => {}
            Ok(n) => eprintln!("kunci-ams: sent {n} end-of-validity reminder(s)"),
            Err(e) => eprintln!("kunci-ams: reminders failed: {}", e.code()),
        }
        if let Err(e) = store.purge_expired(now, now - 86_400).await {
            eprintln!("kunci-ams: purging sessions failed: {}", e.code());
        }
    }
}

async fn user(store: &Store, cmd: UserCmd) -> Result<()> {
    match cmd {
        UserCmd::Add {
            login,
            name,
            role,
            email,
            nik,
            subject,
            products,
            password_file,
        } => {
            let role = Role::parse(&role)
                .ok_or(Error::BadRequest("role must be holder, operator or admin"))?;
            let password = read_password(password_file.as_deref())?;
            let identity = match subject {
                Some(text) => Some(text.parse::<kunci_core::csr::Subject>()?),
                None => None,
            };
            let known = store.products().await?;
            let mut product_ids = Vec::new();
            for name in &products {
                let p = known
                    .iter()
                    .find(|p| &p.name == name)
                    .ok_or(Error::StoreNotFound { what: "product" })?;
                product_ids.push(p.id);
            }
            let new = NewUser {
                login,
                display_name: name,
                email,
                nik,
                role: Some(role),
                password_hash: auth::hash_password(password).await?,
                identity,
                products: product_ids,
                created_by: Actor::Cli,
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
            store.set_user_disabled(user.id, true, &Actor::Cli).await?;
            // A disabled account's open sessions end now, not when they expire.
            store.delete_user_sessions(user.id, &Actor::Cli).await?;
            println!("disabled {}", user.login);
        }
        UserCmd::Grant { login, product } => {
            let user = store
                .user_by_login(&login)
                .await?
                .ok_or(Error::StoreNotFound { what: "user" })?;
            let p = store
                .products()
                .await?
                .into_iter()
                .find(|p| p.name == product)
                .ok_or(Error::StoreNotFound { what: "product" })?;
            store
                .grant_product(user.id, p.id, unix_now(), &Actor::Cli)
                .await?;
            println!("granted {} to {}", p.name, user.login);
        }
    }
    Ok(())
}

/// The CA token's PIN from `file` (its first line) or from `KUNCI_CA_PKCS11_PIN`.
fn ca_token_pin(file: Option<&Path>) -> Result<Zeroizing<String>> {
    let pin = match file {
        Some(file) => {
            let text = Zeroizing::new(std::fs::read_to_string(file).map_err(|e| {
                Error::CaToken(format!("cannot read the PIN file {}: {e}", file.display()))
            })?);
            Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
        }
        None => Zeroizing::new(std::env::var("KUNCI_CA_PKCS11_PIN").map_err(|_| {
            Error::CaToken(
                "give the token's PIN with --ca-pkcs11-pin-file or KUNCI_CA_PKCS11_PIN".into(),
            )
        })?),
    };
    if pin.is_empty() {
        return Err(Error::CaToken("the token's PIN is empty".into()));
    }
    Ok(pin)
}

/// Appends the CA key events of this start (the OCSP responder's and the TSA's keys and
/// certificates made or renewed) to the audit log. They live in files or on a token, not in
/// the database, so each is an entry of its own, written after the file.
async fn record_key_events(store: &Store, events: &setup::ResponderEvents, now: i64) -> Result<()> {
    for (happened, action, subject) in [
        (events.ocsp_created, "ca.ocsp_key_created", "ocsp"),
        (events.ocsp_renewed, "ca.ocsp_certificate_renewed", "ocsp"),
        (events.tsa_created, "ca.tsa_key_created", "tsa"),
    ] {
        if happened {
            store
                .record_event(&Entry::new(Actor::Ca, action, subject), now)
                .await?;
        }
    }
    Ok(())
}

/// SHA-256 of `der`, lower-case hex (a certificate's fingerprint in the audit log).
fn hex_sha256(der: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(der))
}

/// `audit verify` / `audit export`. Answers false when verify found a broken chain.
async fn audit(store: &Store, cmd: AuditCmd) -> Result<bool> {
    match cmd {
        AuditCmd::Verify { anchor } => {
            let anchor = match anchor.as_deref() {
                None => None,
                Some(text) => Some(
                    text.split_once(':')
                        .and_then(|(seq, hash)| Some((seq.parse::<i64>().ok()?, hash.to_owned())))
                        .ok_or(Error::BadRequest("--anchor takes SEQ:HASH"))?,
                ),
            };
            let report = store.verify_audit().await?;
            let broken = match (&report.broken, anchor) {
                (Some(b), _) => Some((b.seq, b.reason.clone())),
                (None, None) => None,
                (None, Some((seq, hash))) => {
                    let found = store.audit_after(seq - 1, 1).await?;
                    match found.first() {
                        Some(row) if row.seq == seq && row.hash.eq_ignore_ascii_case(&hash) => None,
                        Some(row) if row.seq == seq => Some((
                            seq,
                            "its hash is not the anchor's (the chain was rewritten from here \
                             or before)"
                                .to_owned(),
                        )),
                        _ => Some((
                            seq,
                            "the anchored entry is gone (the chain was cut)".to_owned(),
                        )),
                    }
                }
            };
            if let Some((seq, reason)) = broken {
                println!("audit: chain broken at seq {seq}: {reason}");
                return Ok(false);
            }
            println!("audit: {} entries, chain intact", report.entries);
            println!(
                "audit: head {}:{} (keep it apart from the database; check it later with \
                 --anchor)",
                report.entries, report.head_hash
            );
            Ok(true)
        }
        AuditCmd::Export { out } => {
            use std::io::Write;
            let mut sink: Box<dyn Write> = match &out {
                Some(path) => {
                    Box::new(std::fs::File::create(path).map_err(|e| Error::Internal {
                        detail: format!("creating {}: {e}", path.display()),
                    })?)
                }
                None => Box::new(std::io::stdout().lock()),
            };
            let mut sink = std::io::BufWriter::new(&mut sink);
            let mut after = 0;
            let mut written = 0u64;
            loop {
                let rows = store.audit_after(after, 1000).await?;
                let Some(last) = rows.last() else { break };
                after = last.seq;
                for row in &rows {
                    let line = serde_json::to_string(row).map_err(|e| Error::Internal {
                        detail: format!("writing an audit entry: {e}"),
                    })?;
                    writeln!(sink, "{line}").map_err(|e| Error::Internal {
                        detail: format!("writing the export: {e}"),
                    })?;
                    written += 1;
                }
            }
            sink.flush().map_err(|e| Error::Internal {
                detail: format!("writing the export: {e}"),
            })?;
            if let Some(path) = out {
                eprintln!("audit: {written} entries written to {}", path.display());
            }
            Ok(true)
        }
    }
}

/// The password from `file` (its first line) or from `KUNCI_AMS_PASSWORD`.
fn read_password(file: Option<&Path>) -> Result<Password> {
    let password = match file {
        Some(path) => {
            let text = Zeroizing::new(
                std::fs::read_to_string(path)
                    .map_err(|_| Error::BadRequest("cannot read the password file"))?,
            );
            Password::from(text.lines().next().unwrap_or_default())
        }
        None => Password::from(std::env::var("KUNCI_AMS_PASSWORD").map_err(|_| {
            Error::BadRequest("give the password with --password-file or KUNCI_AMS_PASSWORD")
        })?),
    };
    if password.expose().chars().count() < kunci_ams::http::MIN_PASSWORD_CHARS {
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
