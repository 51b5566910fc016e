//! `kunci`: the command line over kunci-core, for terminals, scripts and the interop tests.
//!
//! Each subcommand is a thin translation: read files, call the core, write files or a report.
//! Errors print as `kunci: error[CODE]: message` (or a JSON object with `--json`) and exit 1;
//! a check that says no (a CSR whose signature fails, a password too weak) also exits 1;
//! usage mistakes exit 2. Output files are never overwritten without `--force`, and private
//! keys are written encrypted only, readable by their owner only. `kunci pdf verify` exits 1
//! unless every signature of the file is valid.

mod password;
mod pdf_io;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::pkcs12::{PackOptions, Profile};
use kunci_core::strength::{Lang, UserInputs};
use kunci_core::{KeyAlgorithm, KeyPair, cert, csr, pkcs8, pkcs12, strength};
use serde::Serialize;

use password::Source;

#[derive(Parser)]
#[command(
    name = "kunci",
    version,
    about = "Keys, CSRs, PKCS#12 files and certificates for certificate renewal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Private keys (always stored encrypted, PKCS#8 PBES2).
    #[command(subcommand)]
    Key(KeyCmd),
    /// Certificate signing requests (PKCS#10).
    #[command(subcommand)]
    Csr(CsrCmd),
    /// PKCS#12 files (.p12): key + certificate + chain.
    #[command(subcommand)]
    P12(P12Cmd),
    /// X.509 certificates.
    #[command(subcommand)]
    Cert(CertCmd),
    /// Judge a password read from standard input; exit 0 when accepted, 1 when too weak.
    Strength(StrengthArgs),
    /// PDF signatures (PAdES B-B, B-T, B-LT): sign, verify.
    #[command(subcommand)]
    Pdf(PdfCmd),
}

#[derive(Args)]
struct PdfSign {
    /// The signer's key (encrypted PKCS#8, `kunci key new`).
    #[arg(long)]
    key: PathBuf,
    /// The signer's certificate (PEM or DER); its keyUsage must allow signing.
    #[arg(long)]
    cert: PathBuf,
    /// The issuing chain to carry in the signature (PEM bundle).
    #[arg(long)]
    chain: Option<PathBuf>,
    /// The PDF to sign.
    #[arg(long = "in")]
    input: PathBuf,
    /// Where to write the signed PDF.
    #[arg(long)]
    out: PathBuf,
    /// A timestamp authority (http://…, RFC 3161): B-T.
    #[arg(long)]
    tsa: Option<String>,
    /// Fetch OCSP answers for the signer's certificate, any CA between it and the root, and
    /// the TSA's, from the responders their authorityInfoAccess names (or --ocsp-url), and add
    /// a DSS: B-LT. Needs --chain with the issuer.
    #[arg(long)]
    ocsp: bool,
    /// The OCSP responder to ask instead of the signer's certificate's own, and for the
    /// other certificates that name none (http://…).
    #[arg(long, requires = "ocsp")]
    ocsp_url: Option<String>,
    /// A CRL file (DER or PEM) to add to a DSS: B-LT (repeatable).
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// A visible stamp at PAGE,X,Y (page from 1; X, Y in points from the bottom left): who
    /// signed, when, and a QR code for --stamp-url. Without it the signature is invisible.
    #[arg(long)]
    stamp: Option<String>,
    /// The address the stamp's QR code opens (the portal's verification page).
    #[arg(long, requires = "stamp")]
    stamp_url: Option<String>,
    /// An image for the stamp, between the QR code and the text: a PNG (8-bit, not
    /// interlaced) or a baseline JPEG, at most 1 MiB and 1 megapixel.
    #[arg(long, requires = "stamp")]
    stamp_image: Option<PathBuf>,
    /// The page to put the (invisible) signature field on, from 1.
    #[arg(long, default_value_t = 1)]
    page: usize,
    /// The signature field's name (default Signature1, Signature2, …).
    #[arg(long)]
    field: Option<String>,
    /// Why the document is signed (/Reason).
    #[arg(long)]
    reason: Option<String>,
    /// Where it is signed (/Location).
    #[arg(long)]
    location: Option<String>,
    #[command(flatten)]
    pw: KeyPassword,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand)]
enum PdfCmd {
    /// Sign a PDF in an incremental update (earlier signatures stay valid).
    Sign(Box<PdfSign>),
    /// Verify every signature of a PDF; exit 0 only when all are valid.
    Verify {
        /// The PDF.
        file: PathBuf,
        /// Trusted certificates (PEM bundle); without it no chain is trusted.
        #[arg(long)]
        trust: Option<PathBuf>,
        /// A CRL file (DER or PEM) to check revocation with, besides the file's DSS (repeatable).
        #[arg(long)]
        crl: Vec<PathBuf>,
        /// An OCSP response file (DER) to check revocation with, besides the file's DSS
        /// (repeatable).
        #[arg(long = "ocsp-response")]
        ocsp_response: Vec<PathBuf>,
        /// Language of the report: id or en.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Generate a key pair and write it as an encrypted PKCS#8 PEM file.
    New {
        /// rsa2048, rsa3072, rsa4096 or p256.
        #[arg(long, default_value = "rsa2048")]
        alg: String,
        /// Where to write the encrypted key.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        pw: KeyPassword,
        /// PBKDF2 iterations (at least 100000).
        #[arg(long, default_value_t = pkcs8::DEFAULT_ITERATIONS)]
        iterations: u32,
        /// Accept a password that fails the strength rule (over 50 %). Not for real keys.
        #[arg(long)]
        insecure_weak_password: bool,
        /// Overwrite OUT if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Decrypt a key and show what it is (never the key itself).
    Show {
        /// The encrypted key file.
        key: PathBuf,
        #[command(flatten)]
        pw: KeyPassword,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct KeyPassword {
    /// File whose first line is the key's password (else KUNCI_PASSWORD, else a prompt).
    #[arg(long)]
    password_file: Option<PathBuf>,
}

impl KeyPassword {
    fn source(&self) -> Source<'_> {
        Source {
            file: self.password_file.as_deref(),
            env: "KUNCI_PASSWORD",
            what: "key password",
        }
    }
}

#[derive(Subcommand)]
enum CsrCmd {
    /// Make a CSR signed by KEY.
    New {
        /// The encrypted key file (`kunci key new`).
        #[arg(long)]
        key: PathBuf,
        /// The subject, e.g. "CN=Budi Santoso,O=Dinas Kominfo,C=ID".
        #[arg(long)]
        subject: String,
        /// E-mail address to put in subjectAltName.
        #[arg(long)]
        email: Option<String>,
        /// The portal's CSR token (PKCS#9 challengePassword).
        #[arg(long)]
        token: Option<String>,
        /// Where to write the CSR.
        #[arg(long)]
        out: PathBuf,
        /// Write DER instead of PEM.
        #[arg(long)]
        der: bool,
        #[command(flatten)]
        pw: KeyPassword,
        /// Overwrite OUT if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Show any CSR: its contents, whether its signature holds, and kunci's verdict beside
    /// them; exit 1 only when the signature does not verify.
    Show {
        /// The CSR file (PEM or DER).
        csr: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum P12Cmd {
    /// Pack key + certificate (+ chain) into a PKCS#12 file.
    Pack {
        /// The encrypted key file.
        #[arg(long)]
        key: PathBuf,
        /// The certificate issued for the key (PEM or DER).
        #[arg(long)]
        cert: PathBuf,
        /// The issuing chain (PEM bundle).
        #[arg(long)]
        chain: Option<PathBuf>,
        /// Name shown by key stores (friendlyName); defaults to the certificate's CN.
        #[arg(long)]
        name: Option<String>,
        /// 3DES + SHA-1 for old Windows. INSECURE: use only where the modern profile fails.
        #[arg(long)]
        legacy: bool,
        /// Iterations for PBKDF2 and the MAC (at least 100000).
        #[arg(long, default_value_t = pkcs8::DEFAULT_ITERATIONS)]
        iterations: u32,
        /// Where to write the .p12.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        pw: KeyPassword,
        /// File whose first line is the .p12's password (else KUNCI_P12_PASSWORD, else the
        /// key's password).
        #[arg(long)]
        p12_password_file: Option<PathBuf>,
        /// Accept a .p12 password that fails the strength rule. Not for real files.
        #[arg(long)]
        insecure_weak_password: bool,
        /// Overwrite OUT if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Open a PKCS#12 file and show what it holds.
    Show {
        /// The .p12 file.
        p12: PathBuf,
        #[command(flatten)]
        pw: KeyPassword,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CertCmd {
    /// Show a certificate (PEM or DER).
    Show {
        /// The certificate file.
        cert: PathBuf,
        /// Also check that the certificate belongs to this encrypted key.
        #[arg(long)]
        key: Option<PathBuf>,
        #[command(flatten)]
        pw: KeyPassword,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct StrengthArgs {
    /// Something the holder's password should not be built from (repeatable).
    #[arg(long = "user-input")]
    user_input: Vec<String>,
    /// The holder's name.
    #[arg(long)]
    name: Option<String>,
    /// The holder's e-mail.
    #[arg(long)]
    email: Option<String>,
    /// The holder's organisation.
    #[arg(long)]
    org: Option<String>,
    /// The holder's NIK (national identity number).
    #[arg(long)]
    nik: Option<String>,
    /// Language of the feedback: id or en.
    #[arg(long, default_value = "id")]
    lang: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// A failure: the core's errors keep their code; the CLI's own get `cli.*` codes.
struct Failure {
    code: &'static str,
    message: String,
}

impl From<kunci_core::Error> for Failure {
    fn from(e: kunci_core::Error) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

fn cli_err(code: &'static str) -> impl FnOnce(String) -> Failure {
    move |message| Failure { code, message }
}

type Outcome = Result<ExitCode, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Key(KeyCmd::Show { json, .. })
        | Command::Csr(CsrCmd::Show { json, .. })
        | Command::P12(P12Cmd::Show { json, .. })
        | Command::Cert(CertCmd::Show { json, .. })
        | Command::Strength(StrengthArgs { json, .. })
        | Command::Pdf(PdfCmd::Verify { json, .. }) => *json,
        _ => false,
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(f) => {
            if json {
                let v = serde_json::json!({ "error": { "code": f.code, "message": f.message } });
                println!("{v}");
            }
            eprintln!("kunci: error[{}]: {}", f.code, f.message);
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Outcome {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    match command {
        Command::Key(KeyCmd::New {
            alg,
            out,
            pw,
            iterations,
            insecure_weak_password,
            force,
        }) => {
            let alg: KeyAlgorithm = alg.parse()?;
            pkcs8::check_write_iterations(iterations)?;
            check_writable(&out, force)?;
            let password = pw.source().read(true).map_err(cli_err("cli.password"))?;
            require_strength(&password, insecure_weak_password)?;
            let key = KeyPair::generate(alg, &mut rng)?;
            let pem = pkcs8::encrypt_pem(&key, password.as_bytes(), iterations, &mut rng)?;
            write_secret(&out, pem.as_bytes(), force)?;
            eprintln!(
                "kunci: wrote {} key to {} (encrypted, {iterations} PBKDF2 iterations)",
                key.kind(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Key(KeyCmd::Show { key, pw, json }) => {
            let key = load_key(&key, &pw)?;
            let info = KeyReport {
                kind: key.kind().to_string(),
                public_key_sha256: key.public_key_sha256(),
            };
            print_report(json, &info, || {
                format!(
                    "Key: {}\nPublic key SHA-256: {}\n",
                    info.kind, info.public_key_sha256
                )
            })
        }
        Command::Csr(CsrCmd::New {
            key,
            subject,
            email,
            token,
            out,
            der,
            pw,
            force,
        }) => {
            let subject: Subject = subject.parse()?;
            check_writable(&out, force)?;
            let key = load_key(&key, &pw)?;
            let csr = CsrBuilder::new(subject)
                .email_san(email)
                .challenge_password(token)
                .sign(&key)?;
            let bytes = if der {
                csr.der().to_vec()
            } else {
                csr.to_pem().into_bytes()
            };
            write_file(&out, &bytes, force)?;
            eprintln!("kunci: wrote CSR to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Csr(CsrCmd::Show { csr, json }) => {
            let report = csr::show(&read(&csr)?)?;
            print_report(json, &report, || csr_text(&report))?;
            // Showing is not judging: the policy verdict is printed, never the exit status.
            // Only a signature that fails fails the command (the report is on stdout already,
            // so the error goes to stderr alone, never a second JSON). A signature kunci cannot
            // check (an algorithm outside its policy, which the verdict already refuses) is
            // said on stderr too, but is not a failure.
            match report.signature.status {
                csr::SignatureStatus::Valid => Ok(ExitCode::SUCCESS),
                csr::SignatureStatus::Unchecked => {
                    eprintln!(
                        "kunci: warning: {}",
                        report.signature.detail.as_deref().unwrap_or_default()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                csr::SignatureStatus::Invalid => {
                    let f = Failure::from(kunci_core::Error::CsrBadSignature);
                    eprintln!("kunci: error[{}]: {}", f.code, f.message);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::P12(P12Cmd::Pack {
            key,
            cert,
            chain,
            name,
            legacy,
            iterations,
            out,
            pw,
            p12_password_file,
            insecure_weak_password,
            force,
        }) => {
            pkcs8::check_write_iterations(iterations)?;
            check_writable(&out, force)?;
            let cert_der = cert::read_all_der(&read(&cert)?)?
                .into_iter()
                .next()
                .unwrap_or_default();
            let chain_der = match chain {
                Some(path) => cert::read_all_der(&read(&path)?)?,
                None => Vec::new(),
            };
            let key_password = pw.source().read(false).map_err(cli_err("cli.password"))?;
            let key = pkcs8::decrypt(&read(&key)?, key_password.as_bytes())?;
            let p12_password = match (&p12_password_file, std::env::var("KUNCI_P12_PASSWORD")) {
                (None, Err(_)) => key_password,
                _ => Source {
                    file: p12_password_file.as_deref(),
                    env: "KUNCI_P12_PASSWORD",
                    what: ".p12 password",
                }
                .read(true)
                .map_err(cli_err("cli.password"))?,
            };
            require_strength(&p12_password, insecure_weak_password)?;
            let friendly_name = name.or_else(|| {
                cert::parse(&cert_der)
                    .ok()
                    .and_then(|c| common_name(&c.subject))
            });
            let options = PackOptions {
                profile: if legacy {
                    Profile::Legacy
                } else {
                    Profile::Modern
                },
                iterations,
                friendly_name,
            };
            let der = pkcs12::pack(
                &key,
                &cert_der,
                &chain_der,
                p12_password.as_bytes(),
                &options,
                &mut rng,
            )?;
            write_secret(&out, &der, force)?;
            eprintln!(
                "kunci: wrote {} with {} chain certificate(s)",
                out.display(),
                chain_der.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::P12(P12Cmd::Show { p12, pw, json }) => {
            let password = pw.source().read(false).map_err(cli_err("cli.password"))?;
            let contents = pkcs12::read(&read(&p12)?, password.as_bytes())?;
            let certificate = contents
                .certificate
                .as_deref()
                .map(cert::parse)
                .transpose()?;
            let chain = contents
                .chain
                .iter()
                .map(|c| cert::parse(c))
                .collect::<Result<Vec<_>, _>>()?;
            let key_matches = match (&contents.key, &certificate) {
                (Some(k), Some(c)) => Some(c.matches_key(k)),
                _ => None,
            };
            let report = P12Report {
                friendly_name: contents.friendly_name.clone(),
                key: contents.key.as_ref().map(|k| k.kind().to_string()),
                key_matches_certificate: key_matches,
                certificate,
                chain,
                mac_algorithm: contents.mac_algorithm.clone(),
                key_encryption: contents.key_encryption.clone(),
                cert_encryption: contents.cert_encryption.clone(),
                iterations: contents.iterations,
            };
            print_report(json, &report, || {
                let mut s = format!(
                    "Friendly name: {}\nKey: {}\n",
                    report.friendly_name.as_deref().unwrap_or("(none)"),
                    report.key.as_deref().unwrap_or("(none)")
                );
                if let Some(c) = &report.certificate {
                    s.push_str(&format!(
                        "Certificate: {} (serial {})\n",
                        c.subject, c.serial
                    ));
                    s.push_str(&format!(
                        "Key matches certificate: {}\n",
                        if key_matches == Some(true) {
                            "yes"
                        } else {
                            "NO"
                        }
                    ));
                }
                for c in &report.chain {
                    s.push_str(&format!("Chain: {}\n", c.subject));
                }
                s.push_str(&format!(
                    "MAC: {}; key: {}; certificates: {}; iterations: {}\n",
                    report.mac_algorithm,
                    report.key_encryption,
                    report.cert_encryption,
                    report.iterations
                ));
                s
            })
        }
        Command::Cert(CertCmd::Show {
            cert: path,
            key,
            pw,
            json,
        }) => {
            let info = cert::parse(&read(&path)?)?;
            if let Some(key_path) = key {
                let key = load_key(&key_path, &pw)?;
                if !info.matches_key(&key) {
                    return Err(kunci_core::Error::CertKeyMismatch.into());
                }
            }
            print_report(json, &info, || {
                let mut s = format!(
                    "Subject: {}\nIssuer: {}\nSerial: {}\nValid: {} to {}\nKey: {}\nSignature: {}\nSHA-256 fingerprint: {}\n",
                    info.subject,
                    info.issuer,
                    info.serial,
                    info.not_before,
                    info.not_after,
                    info.key_algorithm,
                    info.signature_algorithm,
                    info.sha256_fingerprint
                );
                if !info.key_usage.is_empty() {
                    s.push_str(&format!("Key usage: {}\n", info.key_usage.join(", ")));
                }
                if !info.extended_key_usage.is_empty() {
                    s.push_str(&format!(
                        "Extended key usage: {}\n",
                        info.extended_key_usage.join(", ")
                    ));
                }
                if !info.subject_alt_names.is_empty() {
                    s.push_str(&format!(
                        "Subject alternative names: {}\n",
                        info.subject_alt_names.join(", ")
                    ));
                }
                s
            })
        }
        Command::Pdf(cmd) => pdf_command(cmd),
        Command::Strength(args) => {
            let lang: Lang = args.lang.parse()?;
            let mut input = zeroize::Zeroizing::new(String::new());
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| Failure {
                    code: "cli.io",
                    message: format!("cannot read standard input: {e}"),
                })?;
            let password = input.lines().next().unwrap_or("");
            let inputs = UserInputs {
                name: args.name,
                email: args.email,
                organization: args.org,
                nik: args.nik,
                other: args.user_input,
            };
            let result = strength::check(password, &inputs)?;
            let code = if result.accepted {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
            print_report(args.json, &result, || {
                let mut s = format!("{}\n", result.explain(lang));
                if let Some(w) = &result.warning {
                    s.push_str(&format!("! {}\n", w.text(lang)));
                }
                for sug in &result.suggestions {
                    s.push_str(&format!("- {}\n", sug.text(lang)));
                }
                s
            })?;
            Ok(code)
        }
    }
}

#[derive(Serialize)]
struct KeyReport {
    kind: String,
    public_key_sha256: String,
}

#[derive(Serialize)]
struct P12Report {
    friendly_name: Option<String>,
    key: Option<String>,
    key_matches_certificate: Option<bool>,
    certificate: Option<cert::CertificateInfo>,
    chain: Vec<cert::CertificateInfo>,
    mac_algorithm: String,
    key_encryption: String,
    cert_encryption: String,
    iterations: u32,
}

fn pdf_command(cmd: PdfCmd) -> Outcome {
    use kunci_core::pdf;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    match cmd {
        PdfCmd::Sign(args) => {
            let PdfSign {
                key,
                cert,
                chain,
                input,
                out,
                tsa,
                ocsp,
                ocsp_url,
                crl,
                stamp,
                stamp_url,
                stamp_image,
                page,
                field,
                reason,
                location,
                pw,
                force,
            } = *args;
            check_writable(&out, force)?;
            let cert_bytes = read(&cert)?;
            let chain_der = match &chain {
                Some(p) => cert::read_all_der(&read(p)?)?,
                None => Vec::new(),
            };
            let document = read_pdf(&input)?;
            let key = load_key(&key, &pw)?;
            cert::check_key(&cert_bytes, &key)?;
            let mut options = pdf::SignOptions::new(now);
            options.page = page;
            if let Some(spec) = &stamp {
                let (stamp_page, x, y) = parse_stamp(spec)?;
                let info = cert::parse(&cert_bytes)?;
                let name = common_name(&info.subject).unwrap_or(info.subject);
                options.page = stamp_page;
                let mut visible =
                    pdf::Stamp::new(x, y, &name, &pdf_io::utc(now), stamp_url.as_deref());
                if let Some(path) = &stamp_image {
                    visible.image = Some(read_stamp_image(path)?);
                }
                options.stamp = Some(visible);
            }
            options.field_name = field;
            options.reason = reason;
            options.location = location;
            let mut signed = pdf::sign(&document, &key, &cert_bytes, &chain_der, &options)?;
            if let Some(url) = &tsa {
                let mut nonce = [0u8; 8];
                getrandom::fill(&mut nonce).map_err(|e| Failure {
                    code: "cli.random",
                    message: e.to_string(),
                })?;
                let query = signed.timestamp_request(Some(u64::from_be_bytes(nonce) >> 1))?;
                let answer = pdf_io::post(url, "application/timestamp-query", &query)
                    .map_err(cli_err("cli.tsa"))?;
                signed = signed.with_timestamp(&answer)?;
            }
            let validation_certs = signed.validation_certificates();
            let mut bytes = signed.into_pdf()?;
            let mut dss = pdf::Dss::default();
            if ocsp {
                // One answer for each certificate below the root: the signer's, any CA
                // between, the TSA's (pyHanko's LTV check wants them all).
                let questions = pdf::ocsp_questions(&validation_certs)?;
                let signer_der = validation_certs.first();
                if !questions.iter().any(|q| Some(&q.cert) == signer_der) {
                    return Err(Failure {
                        code: "cli.ocsp",
                        message: "the issuer of the certificate is not in --chain".into(),
                    });
                }
                for q in questions {
                    let is_signer = Some(&q.cert) == signer_der;
                    let url = if is_signer {
                        ocsp_url.clone().or(q.url)
                    } else {
                        q.url.or_else(|| ocsp_url.clone())
                    };
                    let Some(url) = url else {
                        if is_signer {
                            return Err(Failure {
                                code: "cli.ocsp",
                                message: "the certificate names no OCSP responder: give --ocsp-url"
                                    .into(),
                            });
                        }
                        eprintln!(
                            "kunci: {} names no OCSP responder; give --crl for it",
                            cert::parse(&q.cert)
                                .map_or_else(|_| "a certificate".into(), |c| c.subject)
                        );
                        continue;
                    };
                    match pdf_io::post(&url, "application/ocsp-request", &q.request) {
                        Ok(answer) => dss.ocsps.push(answer),
                        Err(e) if is_signer => return Err(cli_err("cli.ocsp")(e)),
                        // The signer's answer is what B-LT requires; another certificate's
                        // is left to --crl.
                        Err(e) => eprintln!("kunci: no OCSP answer from {url}: {e}"),
                    }
                }
            }
            for path in &crl {
                dss.crls
                    .push(kunci_core::pem::der_or_pem(&read(path)?, &["X509 CRL"])?);
            }
            if !dss.ocsps.is_empty() || !dss.crls.is_empty() {
                dss.certs = validation_certs;
                bytes = pdf::add_dss(&bytes, &dss, pdf::Limits::default())?;
            }
            write_file(&out, &bytes, force)?;
            let level = match (tsa.is_some(), !dss.ocsps.is_empty() || !dss.crls.is_empty()) {
                (true, true) => "B-LT",
                (true, false) => "B-T",
                (false, true) => "B-B with validation data",
                (false, false) => "B-B",
            };
            eprintln!(
                "kunci: signed {} ({level}) to {}",
                input.display(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PdfCmd::Verify {
            file,
            trust,
            crl,
            ocsp_response,
            lang,
            json,
        } => {
            let lang: Lang = lang.parse()?;
            let document = read_pdf(&file)?;
            let mut options = pdf::VerifyOptions {
                now,
                ..pdf::VerifyOptions::default()
            };
            if let Some(t) = &trust {
                options.trust = cert::read_all_der(&read(t)?)?;
            }
            for path in &crl {
                options
                    .crls
                    .push(kunci_core::pem::der_or_pem(&read(path)?, &["X509 CRL"])?);
            }
            for path in &ocsp_response {
                options.ocsps.push(read(path)?);
            }
            let report = pdf::verify(&document, &options)?;
            print_report(json, &report, || pdf_io::report_text(&report, lang))?;
            Ok(if report.valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// The file of `--stamp-image`, refused before reading when over the stamp's limit.
fn read_stamp_image(path: &Path) -> Result<Vec<u8>, Failure> {
    let max = kunci_core::pdf::MAX_IMAGE_BYTES as u64;
    let len = std::fs::metadata(path).map_or(0, |m| m.len());
    if len > max {
        return Err(kunci_core::Error::PdfStampImageTooLarge {
            what: "bytes",
            found: len,
            max,
        }
        .into());
    }
    read(path)
}

/// `PAGE,X,Y` of `--stamp`.
fn parse_stamp(spec: &str) -> Result<(usize, f64, f64), Failure> {
    let bad = || Failure {
        code: "cli.usage",
        message: format!("--stamp {spec}: write PAGE,X,Y, e.g. 1,350,60"),
    };
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    let [page, x, y] = parts.as_slice() else {
        return Err(bad());
    };
    let page: usize = page.parse().map_err(|_| bad())?;
    let x: f64 = x.parse().map_err(|_| bad())?;
    let y: f64 = y.parse().map_err(|_| bad())?;
    if page == 0 || !x.is_finite() || !y.is_finite() {
        return Err(bad());
    }
    Ok((page, x, y))
}

/// Reads a PDF, refusing files over the reader's limit before reading them.
fn read_pdf(path: &Path) -> Result<Vec<u8>, Failure> {
    let max = kunci_core::pdf::Limits::default().max_file_len;
    let meta = std::fs::metadata(path).map_err(|e| Failure {
        code: "cli.io",
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    if meta.len() > max as u64 {
        return Err(kunci_core::Error::PdfLimit {
            limit: kunci_core::PdfLimit::FileSize,
            found: meta.len(),
            max: max as u64,
        }
        .into());
    }
    std::fs::read(path).map_err(|e| Failure {
        code: "cli.io",
        message: format!("cannot read {}: {e}", path.display()),
    })
}

/// `kunci csr show` in words: contents first, then the signature, then kunci's verdict.
fn csr_text(r: &csr::CsrReport) -> String {
    let signature = match r.signature.status {
        csr::SignatureStatus::Valid => format!("OK ({})", r.signature_algorithm),
        csr::SignatureStatus::Invalid => {
            format!("FAILED ({}): does not verify", r.signature_algorithm)
        }
        csr::SignatureStatus::Unchecked => format!(
            "NOT CHECKED ({}): {}",
            r.signature_algorithm,
            r.signature.detail.as_deref().unwrap_or_default()
        ),
    };
    let mut s = format!(
        "Signature: {signature}\nSubject: {}\nKey: {}\nPublic key SHA-256: {}\n",
        r.subject_dn, r.key_algorithm, r.public_key_sha256
    );
    for e in &r.email_sans {
        s.push_str(&format!("E-mail (subjectAltName): {e}\n"));
    }
    let token = if r.challenge_password.is_some() {
        "present"
    } else {
        "absent"
    };
    s.push_str(&format!("CSR token (challengePassword): {token}\n"));
    if r.policy.accepted {
        s.push_str("kunci's policy: accepted\n");
    } else {
        s.push_str("kunci's policy: not accepted\n");
        for p in &r.policy.problems {
            s.push_str(&format!("  - [{}] {}\n", p.code, p.message));
        }
    }
    s
}

fn print_report<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) -> Outcome {
    let out = if json {
        serde_json::to_string_pretty(value).map_err(|e| Failure {
            code: "cli.json",
            message: e.to_string(),
        })? + "\n"
    } else {
        text()
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| Failure {
            code: "cli.io",
            message: format!("cannot write output: {e}"),
        })?;
    Ok(ExitCode::SUCCESS)
}

fn require_strength(password: &str, allow_weak: bool) -> Result<(), Failure> {
    if allow_weak {
        if password.is_empty() {
            return Err(kunci_core::Error::EmptyPassword.into());
        }
        return Ok(());
    }
    strength::require_acceptable(password, &UserInputs::default())?;
    Ok(())
}

fn load_key(path: &Path, pw: &KeyPassword) -> Result<KeyPair, Failure> {
    let bytes = read(path)?;
    if kunci_core::pem::is_pem(&bytes)
        && String::from_utf8_lossy(&bytes).contains("-----BEGIN PRIVATE KEY-----")
    {
        // A key made elsewhere (`openssl genpkey` without -aes256). kunci never writes these.
        eprintln!("kunci: warning: {} is not encrypted", path.display());
        return Ok(pkcs8::read_unencrypted(&bytes)?);
    }
    let password = pw.source().read(false).map_err(cli_err("cli.password"))?;
    Ok(pkcs8::decrypt(&bytes, password.as_bytes())?)
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| Failure {
        code: "cli.io",
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    if meta.len() > kunci_core::MAX_INPUT_LEN as u64 {
        return Err(kunci_core::Error::InputTooLarge {
            len: meta.len() as usize,
            max: kunci_core::MAX_INPUT_LEN,
        }
        .into());
    }
    std::fs::read(path).map_err(|e| Failure {
        code: "cli.io",
        message: format!("cannot read {}: {e}", path.display()),
    })
}

fn check_writable(path: &Path, force: bool) -> Result<(), Failure> {
    if path.exists() && !force {
        return Err(Failure {
            code: "cli.exists",
            message: format!(
                "{} already exists; it is left untouched (use --force to replace it)",
                path.display()
            ),
        });
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    write_with_mode(path, bytes, force, 0o644)
}

/// Writes a file only its owner can read (encrypted keys, .p12 files).
fn write_secret(path: &Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    write_with_mode(path, bytes, force, 0o600)
}

/// Writes through a temporary file in the same folder and renames it into place, so a crash
/// never leaves half a file where a good one was.
fn write_with_mode(path: &Path, bytes: &[u8], force: bool, mode: u32) -> Result<(), Failure> {
    check_writable(path, force)?;
    let io = |e: std::io::Error| Failure {
        code: "cli.io",
        message: format!("cannot write {}: {e}", path.display()),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.kunci-tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out")
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn common_name(subject: &str) -> Option<String> {
    subject.parse::<Subject>().ok().map(|s| s.common_name)
}
