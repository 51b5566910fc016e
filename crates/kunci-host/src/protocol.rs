//! The ops of docs/PROTOCOL.md section 2: request parsing, the origin check, one handler per
//! op, and replies that fit the 1 MiB limit.
//!
//! [`Host`] is shared by the native-messaging loop ([`crate::serve`]) and the command line
//! (`kunci-host tokens` calls [`Host::list_tokens`]), so both see the same behaviour. The
//! PKCS#11 module is loaded on the first op that needs it and kept for the life of the
//! process; `hello` only reports which module would be used and never loads it.

use base64::Engine as _;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::config::{Config, find_module};
use crate::error::{Error, Result};
use crate::framing::MAX_MESSAGE_LEN;
use crate::origin::Origin;
use crate::token::{Algorithm, LoggedIn, Module, Pin, Token, TokenCertificate};

/// The protocol version this host speaks (the newest it knows).
pub const PROTOCOL_VERSION: u32 = 1;

/// The oldest protocol version this host still speaks. An extension asking for an older one
/// gets `extension.too_old`; one asking for a newer one than [`PROTOCOL_VERSION`] gets
/// `host.too_old`.
pub const MIN_PROTOCOL_VERSION: u32 = 1;

/// The ops this version knows, in the order of docs/PROTOCOL.md.
pub const OPS: [&str; 9] = [
    "hello",
    "list_tokens",
    "generate_key",
    "create_csr",
    "generate_csr",
    "import_certificate",
    "list_certificates",
    "sign_digest",
    "doctor",
];

/// The ops answered whatever the request's origin: the extension sends them for itself (its
/// handshake and its options page), never on a page's behalf.
const ANY_ORIGIN_OPS: [&str; 2] = ["hello", "doctor"];

/// The host's state across requests: its config and, once loaded, the PKCS#11 module.
#[derive(Debug)]
pub struct Host {
    config: Config,
    /// The config's allow-list, parsed once.
    allowed: Vec<Origin>,
    /// Why the config could not be read, logged when an origin is refused.
    config_problem: Option<String>,
    module: Option<Module>,
    /// The extension that started this host: its own pages (the options page) may list the
    /// tokens without being on the allow-list.
    caller: Option<Caller>,
}

/// Who started the host, as the browser's arguments tell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Caller {
    /// Chromium: the calling extension's origin, `chrome-extension://ID/`, its first argument.
    Origin(Origin),
    /// Firefox: the manifest's path, then the add-on's id. The id names no origin (each
    /// install has its own `moz-extension://UUID`), but only the add-ons the manifest's
    /// `allowed_extensions` lists can start the host, so every `moz-extension://` origin on
    /// this connection is that add-on's own page.
    FirefoxAddon,
}

/// The one op the calling extension's own origin may use without being on the allow-list:
/// reading which tokens are present, for its options page. A web page cannot claim that
/// origin: the extension sets `origin` from the browser's sender, never from the page.
const CALLER_OPS: [&str; 1] = ["list_tokens"];

impl Host {
    /// A host with `config`. `config_problem` (a missing or unreadable config file) is
    /// logged when an origin is refused, since an empty allow-list refuses everyone.
    pub fn new(config: Config, config_problem: Option<String>) -> Host {
        Host {
            allowed: config.allowed(),
            config,
            config_problem,
            module: None,
            caller: None,
        }
    }

    /// This host as started with the arguments `first` and `second`: by the Chromium extension
    /// at `first` (`chrome-extension://ID/`), or by the Firefox add-on `second` (`first` being
    /// the manifest's path, a `.json` file). Anything else (a person at the command line, a web
    /// origin) is no caller.
    pub fn started_by(mut self, first: Option<&str>, second: Option<&str>) -> Host {
        self.caller = match (first, second) {
            (Some(c), _) if c.starts_with("chrome-extension://") => {
                Origin::parse(c).ok().map(Caller::Origin)
            }
            (Some(manifest), Some(addon)) if manifest.ends_with(".json") && !addon.is_empty() => {
                Some(Caller::FirefoxAddon)
            }
            _ => None,
        };
        self
    }

    /// Answers one message body (already framed): always a JSON reply, never an error. The
    /// reply's `id` is the request's, or `null` when the body is not a JSON object.
    pub fn handle_message(&mut self, body: &[u8]) -> Vec<u8> {
        let (id, outcome) = match parse_envelope(body) {
            Ok(env) => {
                let id = env.id.clone().unwrap_or(Value::Null);
                (id, self.dispatch(&env))
            }
            Err(e) => (Value::Null, Err(e)),
        };
        encode_reply(&id, outcome)
    }

    fn dispatch(&mut self, env: &Envelope<'_>) -> Result<Value> {
        let op = env
            .op
            .as_deref()
            .ok_or_else(|| Error::RequestBad("the request has no `op`".to_owned()))?;
        if !OPS.contains(&op) {
            return Err(Error::OpUnknown(op.to_owned()));
        }
        if !ANY_ORIGIN_OPS.contains(&op) {
            // Parsed only here, not in the envelope: `hello` and `doctor` are answered
            // whatever the origin.
            let text = env.origin.as_deref().unwrap_or_default();
            let origin = Origin::parse(text);
            let caller = |o: &Origin| {
                CALLER_OPS.contains(&op)
                    && match &self.caller {
                        Some(Caller::Origin(c)) => c == o,
                        Some(Caller::FirefoxAddon) => o.as_str().starts_with("moz-extension://"),
                        None => false,
                    }
            };
            if !origin
                .as_ref()
                .is_ok_and(|o| self.allowed.contains(o) || caller(o))
            {
                match &origin {
                    Ok(_) => eprintln!("kunci-host: refused op `{op}` from origin `{text}`"),
                    Err(why) => eprintln!(
                        "kunci-host: refused op `{op}` from origin `{text}`: not an origin ({why})"
                    ),
                }
                if let Some(problem) = &self.config_problem {
                    eprintln!("kunci-host: {problem}");
                }
                return Err(Error::OriginNotAllowed(text.to_owned()));
            }
        }
        let params = env.params;
        match op {
            "hello" => {
                let p: HelloParams = parse_params(params)?;
                check_protocol(p.protocol)?;
                Ok(self.hello())
            }
            "doctor" => self.doctor(parse_params(params)?),
            "list_tokens" => Ok(json!({ "tokens": self.list_tokens()? })),
            "generate_key" => self.generate_key(parse_params(params)?),
            "create_csr" => self.create_csr(parse_params(params)?),
            "generate_csr" => self.generate_csr(parse_params(params)?),
            "import_certificate" => self.import_certificate(parse_params(params)?),
            "list_certificates" => self.list_certificates(parse_params(params)?),
            "sign_digest" => self.sign_digest(parse_params(params)?),
            other => Err(Error::OpUnknown(other.to_owned())),
        }
    }

    /// `hello`: the protocol version, this host's version and the module that would be used.
    pub fn hello(&self) -> Value {
        let module = find_module(&self.config)
            .ok()
            .map(|m| m.path.display().to_string());
        json!({
            "protocol": PROTOCOL_VERSION,
            "min_protocol": MIN_PROTOCOL_VERSION,
            "host": env!("CARGO_PKG_VERSION"),
            "module": module,
        })
    }

    /// `doctor`: the checks of `kunci-host doctor`, as data, for the extension's options page.
    /// The token checks use this host's module (loaded if need be), never a second copy.
    fn doctor(&mut self, p: DoctorParams) -> Result<Value> {
        let opts = crate::doctor::DoctorOptions {
            config_path: crate::config::config_path().unwrap_or_default(),
            extension_id: p
                .extension_id
                .unwrap_or_else(|| crate::install::DEFAULT_EXTENSION_ID.to_owned()),
            firefox_id: p
                .firefox_id
                .unwrap_or_else(|| crate::install::DEFAULT_FIREFOX_ID.to_owned()),
            manifest_dir: None,
        };
        let config = self.config.clone();
        let module = self.module();
        let checks = crate::doctor::run_in(&opts, &config, module);
        Ok(json!({
            "ok": checks.iter().all(|c| c.ok),
            "host": env!("CARGO_PKG_VERSION"),
            "protocol": PROTOCOL_VERSION,
            "checks": checks.iter().map(crate::doctor::Check::to_json).collect::<Vec<_>>(),
        }))
    }

    /// `list_tokens`: every token present.
    pub fn list_tokens(&mut self) -> Result<Vec<Token>> {
        self.module()?.tokens()
    }

    fn generate_key(&mut self, p: GenerateKeyParams) -> Result<Value> {
        let session = self.login(&p.token, p.pin.as_ref())?;
        let key = session.generate_key(p.algorithm, p.label.as_deref())?;
        Ok(json!({
            "key_id": hex::encode(&key.id),
            "label": key.label,
            "algorithm": key.algorithm.as_str(),
            "public_key_der": base64::engine::general_purpose::STANDARD.encode(&key.public_key_der),
        }))
    }

    fn create_csr(&mut self, p: CreateCsrParams) -> Result<Value> {
        let key_id = decode_key_id(&p.key_id)?;
        let subject = parse_subject(&p.csr.subject)?;
        let session = self.login(&p.token, p.pin.as_ref())?;
        let csr_pem =
            session.create_csr(&key_id, subject, p.csr.email, p.csr.challenge_password)?;
        Ok(json!({ "csr_pem": csr_pem }))
    }

    fn generate_csr(&mut self, p: GenerateCsrParams) -> Result<Value> {
        // Checked before the key is made, so that a typo in the subject leaves no orphan key.
        let subject = parse_subject(&p.csr.subject)?;
        let session = self.login(&p.token, p.pin.as_ref())?;
        let key = session.generate_key(p.algorithm, p.label.as_deref())?;
        let csr_pem =
            session.create_csr(&key.id, subject, p.csr.email, p.csr.challenge_password)?;
        Ok(json!({
            "key_id": hex::encode(&key.id),
            "label": key.label,
            "algorithm": key.algorithm.as_str(),
            "csr_pem": csr_pem,
            "public_key_sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&key.public_key_der)),
        }))
    }

    fn import_certificate(&mut self, p: ImportParams) -> Result<Value> {
        let session = self.login(&p.token, p.pin.as_ref())?;
        let (id, label) =
            session.import_certificate(p.certificate.as_bytes(), p.label.as_deref())?;
        Ok(json!({ "key_id": hex::encode(id), "label": label }))
    }

    fn list_certificates(&mut self, p: TokenParams) -> Result<Value> {
        // Without a PIN (and without a PIN pad) only the public certificates are listed:
        // most tokens keep certificates public, and asking for a PIN just to list them
        // would be a needless prompt.
        let session = match &p.pin {
            Some(pin) if !pin.is_empty() => self.login(&p.token, Some(pin))?,
            _ => match self.login(&p.token, None) {
                Err(Error::PinRequired) => self.module()?.open_public(&p.token)?,
                other => other?,
            },
        };
        let certificates = session.list_certificates()?;
        Ok(fit_certificates(certificates))
    }

    fn sign_digest(&mut self, p: SignDigestParams) -> Result<Value> {
        // Both checked before the login, so that a malformed request costs no PIN try.
        let key_id = decode_key_id(&p.key_id)?;
        let digest = decode_digest(&p.digest)?;
        let session = self.login(&p.token, p.pin.as_ref())?;
        let signed = session.sign_digest(&key_id, p.algorithm, &digest)?;
        Ok(json!({
            "signature": base64::engine::general_purpose::STANDARD.encode(&signed.signature),
            "algorithm": p.algorithm.as_str(),
            "key_id": hex::encode(&key_id),
            "certificate": signed.certificate,
        }))
    }

    fn login(&mut self, token: &str, pin: Option<&Pin>) -> Result<LoggedIn> {
        self.module()?.login(token, pin)
    }

    /// The PKCS#11 module, loaded on first use.
    pub fn module(&mut self) -> Result<&Module> {
        if self.module.is_none() {
            let choice = find_module(&self.config)?;
            self.module = Some(Module::load(&choice.path)?);
        }
        // Set just above when it was None.
        self.module
            .as_ref()
            .ok_or_else(|| Error::ModuleNotFound("the PKCS#11 module is not loaded".to_owned()))
    }
}

/// `hello`'s version check, both ways: an extension newer than this host is told to update
/// the host (`host.too_old`), an older one to update itself (`extension.too_old`). No
/// `protocol` at all is read as version 1, the first.
fn check_protocol(asked: Option<u32>) -> Result<()> {
    let asked = asked.unwrap_or(1);
    let host = env!("CARGO_PKG_VERSION");
    if asked > PROTOCOL_VERSION {
        return Err(Error::HostTooOld {
            asked,
            supported: PROTOCOL_VERSION,
            host,
        });
    }
    if asked < MIN_PROTOCOL_VERSION {
        return Err(Error::ExtensionTooOld {
            asked,
            supported: MIN_PROTOCOL_VERSION,
            host,
        });
    }
    Ok(())
}

/// A `request.too_large` reply (id `null`: the body was never read).
pub fn too_large_reply(len: u64) -> Vec<u8> {
    encode_reply(
        &Value::Null,
        Err(Error::RequestTooLarge {
            len,
            max: MAX_MESSAGE_LEN,
        }),
    )
}

/// A `request.bad` reply for a zero-length message.
pub fn empty_message_reply() -> Vec<u8> {
    encode_reply(
        &Value::Null,
        Err(Error::RequestBad(
            "the message is empty (length 0)".to_owned(),
        )),
    )
}

/// The outer shape of a request; `params` stays raw until the op is known.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    op: Option<String>,
    #[serde(default)]
    origin: Option<String>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
}

fn parse_envelope(body: &[u8]) -> Result<Envelope<'_>> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::RequestBad("the message is not UTF-8".to_owned()))?;
    serde_json::from_str(text)
        .map_err(|e| Error::RequestBad(format!("not a JSON request object: {e}")))
}

fn parse_params<T: DeserializeOwned>(params: Option<&RawValue>) -> Result<T> {
    let text = params.map_or("{}", RawValue::get);
    serde_json::from_str(text)
        .map_err(|e| Error::RequestBad(format!("bad params: {}", without_values(&e))))
}

/// serde's message without the values it quotes: "invalid type: integer `739158624061`,
/// expected a string" would hand a PIN sent as a number back to the page (and to whatever
/// logs the reply). Only a missing field's name, which is ours, is kept.
fn without_values(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("missing field") {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        match (c, quoted) {
            ('`', false) => quoted = true,
            ('`', true) => quoted = false,
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out.replace("  ", " ").replace(" ,", ",")
}

fn parse_subject(text: &str) -> Result<kunci_core::csr::Subject> {
    text.parse()
        .map_err(|e: kunci_core::Error| Error::RequestBad(format!("bad subject: {e}")))
}

fn decode_key_id(key_id: &str) -> Result<Vec<u8>> {
    hex::decode(key_id.trim())
        .ok()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::RequestBad(format!("key_id `{key_id}` is not hex")))
}

/// A SHA-256 digest: 64 hex digits, or base64 (standard or URL-safe, padded or not) of 32
/// bytes. Text of an even number of hex digits is read as hex: 32 bytes in base64 are 43
/// characters (odd) or 44 ending in `=`, so the two cannot be confused.
fn decode_digest(text: &str) -> Result<[u8; 32]> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let text = text.trim();
    let hex_digits = !text.is_empty() && text.len().is_multiple_of(2);
    let bytes = if hex_digits && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).ok()
    } else {
        STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .ok()
    };
    let Some(bytes) = bytes else {
        return Err(Error::RequestBad(
            "digest must be a SHA-256 digest as 64 hex digits or base64".to_owned(),
        ));
    };
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        Error::RequestBad(format!(
            "digest must be a SHA-256 digest of 32 bytes, not {} bytes",
            bytes.len()
        ))
    })
}

/// The reply for an outcome: `{"id", "ok": true, "result"}` or `{"id", "ok": false,
/// "error": {"code", "message", "tries_left"?, "function"?}}`.
fn encode_reply(id: &Value, outcome: Result<Value>) -> Vec<u8> {
    let reply = match outcome {
        Ok(result) => json!({ "id": id, "ok": true, "result": result }),
        Err(e) => {
            let mut error = json!({ "code": e.code(), "message": e.to_string() });
            if let Some(n) = e.tries_left() {
                error["tries_left"] = json!(n);
            }
            if let Some(f) = e.function() {
                error["function"] = json!(f);
            }
            if matches!(e, Error::HostTooOld { .. } | Error::ExtensionTooOld { .. }) {
                // What this host speaks, so that the extension can show both sides.
                error["protocol"] = json!(PROTOCOL_VERSION);
                error["min_protocol"] = json!(MIN_PROTOCOL_VERSION);
                error["host"] = json!(env!("CARGO_PKG_VERSION"));
            }
            json!({ "id": id, "ok": false, "error": error })
        }
    };
    // Serialising a Value cannot fail (its map keys are strings).
    serde_json::to_vec(&reply).unwrap_or_default()
}

/// `{certificates, truncated?}` with as many certificates as fit in one reply: the list is cut
/// (and `truncated: true` set) so that the whole reply stays under 1 MiB, with room for the
/// envelope.
fn fit_certificates(mut certificates: Vec<TokenCertificate>) -> Value {
    const ENVELOPE_ROOM: usize = 1024;
    let size = |c: &[TokenCertificate]| serde_json::to_vec(c).map_or(usize::MAX, |v| v.len());
    let mut truncated = false;
    while !certificates.is_empty() && size(&certificates) > MAX_MESSAGE_LEN - ENVELOPE_ROOM {
        certificates.pop();
        truncated = true;
    }
    if truncated {
        json!({ "certificates": certificates, "truncated": true })
    } else {
        json!({ "certificates": certificates })
    }
}

/// `hello`'s params: the protocol the extension speaks (checked against this host's range)
/// and its version (not used, but part of the handshake).
#[derive(Deserialize)]
struct HelloParams {
    #[serde(default)]
    protocol: Option<u32>,
    #[serde(default, rename = "extension")]
    _extension: Option<String>,
}

/// `doctor`'s params: the extension ids the manifests must allow (the extension's own, so that
/// a store build and a development build are both checked right).
#[derive(Deserialize)]
struct DoctorParams {
    #[serde(default)]
    extension_id: Option<String>,
    #[serde(default)]
    firefox_id: Option<String>,
}

#[derive(Deserialize)]
struct TokenParams {
    token: String,
    #[serde(default)]
    pin: Option<Pin>,
}

#[derive(Deserialize)]
struct GenerateKeyParams {
    token: String,
    #[serde(default)]
    pin: Option<Pin>,
    algorithm: Algorithm,
    #[serde(default)]
    label: Option<String>,
}

/// The CSR's content, shared by `create_csr` and `generate_csr`.
#[derive(Deserialize)]
struct CsrParams {
    subject: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    challenge_password: Option<String>,
}

#[derive(Deserialize)]
struct CreateCsrParams {
    token: String,
    #[serde(default)]
    pin: Option<Pin>,
    key_id: String,
    #[serde(flatten)]
    csr: CsrParams,
}

#[derive(Deserialize)]
struct GenerateCsrParams {
    token: String,
    #[serde(default)]
    pin: Option<Pin>,
    algorithm: Algorithm,
    #[serde(default)]
    label: Option<String>,
    #[serde(flatten)]
    csr: CsrParams,
}

#[derive(Deserialize)]
struct ImportParams {
    token: String,
    #[serde(default)]
    pin: Option<Pin>,
    certificate: String,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Deserialize)]
struct SignDigestParams {
    token: String,
    #[serde(default)]
    pin: Option<Pin>,
    key_id: String,
    algorithm: Algorithm,
    digest: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(host: &mut Host, body: &str) -> Value {
        serde_json::from_slice(&host.handle_message(body.as_bytes())).unwrap()
    }

    fn host() -> Host {
        Host::new(
            Config {
                allowed_origins: vec!["https://ams.example.go.id".into()],
                module: Some("/nonexistent/module.so".into()),
            },
            None,
        )
    }

    #[test]
    fn the_calling_extensions_own_pages_may_list_tokens_and_nothing_more() {
        let id = "lkedgilnpaeaifpjefgmjdlmalokkipf";
        let mut h = host().started_by(Some(&format!("chrome-extension://{id}/")), None);
        let ask = |h: &mut Host, op: &str, origin: &str| {
            let body = json!({"id": 1, "op": op, "origin": origin, "params": {"algorithm": "rsa2048", "token": "x"}});
            let r = reply(h, &body.to_string());
            r["error"]["code"].as_str().unwrap_or("ok").to_owned()
        };
        let own = format!("chrome-extension://{id}");
        // Past the origin check: the (missing) module is what fails.
        assert_eq!(ask(&mut h, "list_tokens", &own), "module.not_found");
        assert_eq!(ask(&mut h, "generate_key", &own), "origin.not_allowed");
        assert_eq!(
            ask(
                &mut h,
                "list_tokens",
                "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
            ),
            "origin.not_allowed"
        );
        // Without a caller (a person at the command line) the rule is the list.
        assert_eq!(ask(&mut host(), "list_tokens", &own), "origin.not_allowed");
        let web = host().started_by(Some("https://evil.example/"), None);
        assert_eq!(
            ask(&mut { web }, "list_tokens", "https://evil.example"),
            "origin.not_allowed"
        );
        // Firefox: the manifest's path and the add-on's id. Its own pages (moz-extension://)
        // may list the tokens, and do nothing else; web pages still need the list.
        let firefox = || {
            host().started_by(
                Some("/usr/lib/mozilla/native-messaging-hosts/id.kunci.host.json"),
                Some("kunci@kunci.id"),
            )
        };
        let page = "moz-extension://3f1b6f0e-8c1a-4f55-9a56-0c9f6f2b1d11";
        assert_eq!(ask(&mut firefox(), "list_tokens", page), "module.not_found");
        assert_eq!(
            ask(&mut firefox(), "generate_key", page),
            "origin.not_allowed"
        );
        assert_eq!(
            ask(&mut firefox(), "list_tokens", "https://evil.example"),
            "origin.not_allowed"
        );
        assert_eq!(
            ask(&mut firefox(), "list_tokens", "chrome-extension://x"),
            "origin.not_allowed"
        );
        // Chromium's extensions are not Firefox's: a moz-extension origin is nothing to it,
        // and neither is a manifest path without an add-on id.
        assert_eq!(ask(&mut h, "list_tokens", page), "origin.not_allowed");
        let no_addon = host().started_by(Some("/tmp/id.kunci.host.json"), None);
        assert_eq!(
            ask(&mut { no_addon }, "list_tokens", page),
            "origin.not_allowed"
        );
    }

    #[test]
    fn unknown_op_is_refused_with_the_request_id() {
        let r = reply(
            &mut host(),
            r#"{"id":7,"op":"format_disk","origin":"https://ams.example.go.id"}"#,
        );
        assert_eq!(r["id"], 7);
        assert_eq!(r["error"]["code"], "op.unknown");
    }

    #[test]
    fn origin_outside_the_allow_list_is_refused_before_any_token_work() {
        let r = reply(
            &mut host(),
            r#"{"id":1,"op":"list_tokens","origin":"https://evil.test"}"#,
        );
        assert_eq!(r["error"]["code"], "origin.not_allowed");
        let r = reply(&mut host(), r#"{"id":1,"op":"list_tokens"}"#);
        assert_eq!(r["error"]["code"], "origin.not_allowed");
    }

    #[test]
    fn missing_params_are_request_bad_and_bad_json_has_a_null_id() {
        let r = reply(
            &mut host(),
            r#"{"id":2,"op":"generate_key","origin":"https://ams.example.go.id","params":{"algorithm":"rsa2048"}}"#,
        );
        assert_eq!(r["error"]["code"], "request.bad");
        assert_eq!(r["id"], 2);
        let r = reply(&mut host(), "{not json");
        assert_eq!(r["error"]["code"], "request.bad");
        assert_eq!(r["id"], Value::Null);
    }

    #[test]
    fn an_origin_that_does_not_parse_is_refused_and_hello_still_answers() {
        for origin in [
            "",
            "null",
            "https://ams.example.go.id/permohonan",
            "ams.example.go.id",
        ] {
            let body = json!({"id": 3, "op": "list_tokens", "origin": origin}).to_string();
            let r = reply(&mut host(), &body);
            assert_eq!(r["error"]["code"], "origin.not_allowed", "{origin}");
        }
        let r = reply(
            &mut host(),
            r#"{"id":4,"op":"hello","origin":"not an origin"}"#,
        );
        assert_eq!(r["result"]["protocol"], PROTOCOL_VERSION);
        // A trailing slash is trimmed when parsed, as before.
        let r = reply(
            &mut host(),
            r#"{"id":5,"op":"list_tokens","origin":"https://ams.example.go.id/"}"#,
        );
        assert_eq!(r["error"]["code"], "module.not_found");
    }

    #[test]
    fn hello_checks_the_protocol_both_ways() {
        let r = reply(
            &mut host(),
            r#"{"id":1,"op":"hello","params":{"protocol":1,"extension":"0.1.0"}}"#,
        );
        assert_eq!(r["result"]["protocol"], PROTOCOL_VERSION);
        assert_eq!(r["result"]["min_protocol"], MIN_PROTOCOL_VERSION);
        let r = reply(&mut host(), r#"{"id":2,"op":"hello"}"#);
        assert_eq!(r["ok"], true, "no protocol reads as 1: {r}");
        let newer = PROTOCOL_VERSION + 1;
        let r = reply(
            &mut host(),
            &json!({"id": 3, "op": "hello", "params": {"protocol": newer}}).to_string(),
        );
        assert_eq!(r["error"]["code"], "host.too_old");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("update kunci-host")
        );
        assert_eq!(r["error"]["protocol"], PROTOCOL_VERSION);
        assert_eq!(r["error"]["host"], env!("CARGO_PKG_VERSION"));
        let r = reply(
            &mut host(),
            r#"{"id":4,"op":"hello","params":{"protocol":0}}"#,
        );
        assert_eq!(r["error"]["code"], "extension.too_old");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("update the kunci extension")
        );
    }

    /// extension/protocol.json is the protocol's one source (docs/PROTOCOL.md); this crate keeps
    /// copies of its values, which must agree with it.
    #[test]
    fn constants_agree_with_extension_protocol_json() {
        let p: Value =
            serde_json::from_str(include_str!("../../../extension/protocol.json")).unwrap();
        assert_eq!(p["version"], json!(PROTOCOL_VERSION));
        assert_eq!(p["min_version"], json!(MIN_PROTOCOL_VERSION));
        assert_eq!(p["host_ops"], json!(OPS));
        assert_eq!(p["any_origin_host_ops"], json!(ANY_ORIGIN_OPS));
        assert_eq!(p["host_name"], json!(crate::install::HOST_NAME));
        assert_eq!(p["max_message_bytes"], json!(MAX_MESSAGE_LEN));
    }

    /// protocol.json's version-error codes and example replies have the shape the host sends.
    #[test]
    fn protocol_json_examples_have_the_shape_of_real_replies() {
        let p: Value =
            serde_json::from_str(include_str!("../../../extension/protocol.json")).unwrap();
        let keys = |v: &Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let newer = json!({"id": 1, "op": "hello", "params": {"protocol": PROTOCOL_VERSION + 1}});
        let real = reply(&mut host(), &newer.to_string());
        assert_eq!(
            real["error"]["code"],
            p["version_errors"]["extension_newer"]
        );
        let example = &p["examples"]["hello_host_too_old"];
        assert_eq!(example["error"]["code"], real["error"]["code"]);
        assert_eq!(keys(&example["error"]), keys(&real["error"]));
        let older = json!({"id": 1, "op": "hello", "params": {"protocol": 0}});
        let real = reply(&mut host(), &older.to_string());
        assert_eq!(
            real["error"]["code"],
            p["version_errors"]["extension_older"]
        );

        let real = reply(&mut host(), r#"{"id":7,"op":"doctor"}"#);
        let example = &p["examples"]["doctor"];
        assert_eq!(keys(example), keys(&real));
        assert_eq!(keys(&example["result"]), keys(&real["result"]));
        let real_check = &real["result"]["checks"][0];
        for check in example["result"]["checks"].as_array().unwrap() {
            assert_eq!(keys(check), keys(real_check), "{check}");
        }
    }

    #[test]
    fn digest_is_32_bytes_as_hex_or_base64() {
        let bytes: Vec<u8> = (0u8..32).collect();
        let want: [u8; 32] = bytes.clone().try_into().unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8; 32]);
        assert_eq!(decode_digest(&hex::encode(&bytes)).unwrap(), want);
        assert_eq!(decode_digest(&hex::encode_upper(&bytes)).unwrap(), want);
        assert_eq!(decode_digest(&b64).unwrap(), want);
        assert_eq!(decode_digest(&url).unwrap(), [0xfb; 32]);
        for bad in [
            hex::encode(&bytes[..31]),
            hex::encode([0u8; 48]),
            base64::engine::general_purpose::STANDARD.encode([0xffu8; 48]),
            base64::engine::general_purpose::STANDARD.encode([0u8; 20]),
            "not a digest".to_owned(),
            String::new(),
        ] {
            let e = decode_digest(&bad).unwrap_err();
            assert_eq!(e.code(), "request.bad", "{bad}");
        }
        assert!(
            decode_digest(&hex::encode(&bytes[..31]))
                .unwrap_err()
                .to_string()
                .contains("not 31 bytes")
        );
    }

    #[test]
    fn sign_digest_checks_its_params_before_loading_the_module() {
        let good = json!({
            "token": "1", "pin": "1234", "key_id": "ab", "algorithm": "p256",
            "digest": hex::encode([7u8; 32]),
        });
        let send = |params: Value| {
            let body = json!({"id": 9, "op": "sign_digest", "origin": "https://ams.example.go.id", "params": params});
            reply(&mut host(), &body.to_string())
        };
        // All well formed: the module is what is missing.
        assert_eq!(send(good.clone())["error"]["code"], "module.not_found");
        for (field, value) in [
            ("digest", json!(hex::encode([7u8; 31]))),
            ("digest", json!(42)),
            ("key_id", json!("not hex")),
            ("key_id", json!("")),
            ("algorithm", json!("rsa4096")),
        ] {
            let mut p = good.clone();
            p[field] = value.clone();
            assert_eq!(send(p)["error"]["code"], "request.bad", "{field}: {value}");
        }
        let mut p = good.clone();
        p.as_object_mut().unwrap().remove("digest");
        assert_eq!(send(p)["error"]["code"], "request.bad");
    }

    #[test]
    fn a_long_certificate_list_is_truncated_under_the_reply_limit() {
        let one = TokenCertificate {
            key_id: "00".into(),
            label: "l".into(),
            subject: "CN=x".into(),
            serial: "01".into(),
            not_after: "2030-01-01T00:00:00Z".into(),
            pem: "A".repeat(100_000),
        };
        let v = fit_certificates(vec![one; 20]);
        assert_eq!(v["truncated"], true);
        let n = v["certificates"].as_array().unwrap().len();
        assert!(n > 0 && n < 20);
        let whole = encode_reply(&json!(1), Ok(v));
        assert!(whole.len() <= MAX_MESSAGE_LEN);
    }
}
