//! PKCS#11 through cryptoki: loading the module, finding tokens by serial, logging in with the
//! token's PIN flags honoured, generating non-extractable key pairs, signing CSRs and SHA-256
//! digests (for documents) on the token, and storing and listing certificates.
//!
//! What this module does not do: it never reads key material other than public keys, never
//! keeps a PIN beyond the login call, and keeps no session open between requests (each
//! operation opens one [`LoggedIn`] session, which closes on drop and with it the login).
//! Tokens differ; the quirks handled here are the ones met in the field: some refuse
//! `CKA_TOKEN = true` on the public-key template (retried without it), some lack
//! `CKM_SHA256_RSA_PKCS` (signed as `CKM_RSA_PKCS` over a DigestInfo), some keep no public-key
//! object (the public key is then read from the private key's attributes).

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::{Slot, TokenInfo};
use cryptoki::types::AuthPin;
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, UintRef};
use der::{Decode, Encode};
use kunci_core::SignatureAlgorithm;
use kunci_core::csr::{CsrBuilder, Subject};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

mod raw;

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `CKA_EC_PARAMS` for P-256: the DER of the prime256v1 OID.
const P256_EC_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// The DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// A token's PIN, as it arrives in a request. Zeroized on drop, never printed.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Wraps a PIN typed by the holder.
    pub fn new(pin: String) -> Pin {
        Pin(Zeroizing::new(pin))
    }

    /// True for `""`, which is treated as no PIN at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for Pin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Pin, D::Error> {
        String::deserialize(d).map(Pin::new)
    }
}

/// The key algorithms the host generates on tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// RSA 2048, e = 65537 (`CKM_RSA_PKCS_KEY_PAIR_GEN`).
    Rsa2048,
    /// ECDSA on P-256 (`CKM_EC_KEY_PAIR_GEN` with prime256v1).
    P256,
}

impl Algorithm {
    /// The protocol name (`rsa2048`, `p256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rsa2048 => "rsa2048",
            Algorithm::P256 => "p256",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Algorithm::Rsa2048 => "RSA 2048 keys",
            Algorithm::P256 => "ECDSA P-256 keys",
        }
    }
}

/// A token as `list_tokens` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    /// The token's serial number (CK_TOKEN_INFO.serialNumber, trimmed): how requests name it.
    /// A serial that two listed tokens share, or an empty one, has `@<slot>` appended.
    pub serial: String,
    /// The token's label.
    pub label: String,
    /// Its manufacturer.
    pub manufacturer: String,
    /// Its model.
    pub model: String,
    /// The slot it sits in.
    pub slot: u64,
    /// True when the PIN is typed on the reader (`CKF_PROTECTED_AUTHENTICATION_PATH`).
    pub pin_pad: bool,
    /// `CKF_USER_PIN_COUNT_LOW`: a wrong PIN was entered since the last good one.
    pub pin_count_low: bool,
    /// `CKF_USER_PIN_FINAL_TRY`: one more wrong PIN locks the token.
    pub pin_final_try: bool,
    /// `CKF_USER_PIN_LOCKED`: the PIN is locked.
    pub pin_locked: bool,
    /// The CK_TOKEN_INFO fields that could not be read (`utc_time`), when any: the token is
    /// listed and usable all the same. Absent from the reply when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<&'static str>,
    /// `CKF_TOKEN_INITIALIZED`: only initialised tokens are listed.
    #[serde(skip)]
    initialized: bool,
}

impl Token {
    fn from_info(slot: Slot, info: &TokenInfo) -> Token {
        Token {
            serial: info.serial_number().trim().to_owned(),
            label: info.label().trim().to_owned(),
            manufacturer: info.manufacturer_id().trim().to_owned(),
            model: info.model().trim().to_owned(),
            slot: slot.id(),
            pin_pad: info.protected_authentication_path(),
            pin_count_low: info.user_pin_count_low(),
            pin_final_try: info.user_pin_final_try(),
            pin_locked: info.user_pin_locked(),
            unreadable: Vec::new(),
            initialized: info.token_initialized(),
        }
    }

    /// The token from the raw CK_TOKEN_INFO, field by field: what does not parse is named in
    /// `unreadable` instead of failing the whole token.
    fn from_raw(slot: Slot, info: &cryptoki_sys::CK_TOKEN_INFO) -> Token {
        use cryptoki_sys::{
            CKF_CLOCK_ON_TOKEN, CKF_PROTECTED_AUTHENTICATION_PATH, CKF_TOKEN_INITIALIZED,
            CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED,
        };
        let flags = info.flags;
        let mut unreadable = Vec::new();
        if flags & CKF_CLOCK_ON_TOKEN != 0 && raw::utc_time(&info.utcTime).is_none() {
            unreadable.push("utc_time");
        }
        Token {
            serial: raw::text(&info.serialNumber),
            label: raw::text(&info.label),
            manufacturer: raw::text(&info.manufacturerID),
            model: raw::text(&info.model),
            slot: slot.id(),
            pin_pad: flags & CKF_PROTECTED_AUTHENTICATION_PATH != 0,
            pin_count_low: flags & CKF_USER_PIN_COUNT_LOW != 0,
            pin_final_try: flags & CKF_USER_PIN_FINAL_TRY != 0,
            pin_locked: flags & CKF_USER_PIN_LOCKED != 0,
            unreadable,
            initialized: flags & CKF_TOKEN_INITIALIZED != 0,
        }
    }
}

/// A certificate stored on a token, as `list_certificates` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenCertificate {
    /// CKA_ID, lowercase hex: the key pair the certificate belongs to.
    pub key_id: String,
    /// CKA_LABEL.
    pub label: String,
    /// The subject, RFC 4514 text.
    pub subject: String,
    /// The serial number, lowercase hex.
    pub serial: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// The certificate, PEM.
    pub pem: String,
}

/// A key pair just generated on a token.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// CKA_ID shared by both halves (16 random bytes).
    pub id: Vec<u8>,
    /// CKA_LABEL of both halves.
    pub label: String,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The public key, DER SubjectPublicKeyInfo.
    pub public_key_der: Vec<u8>,
}

/// A signature made on a token by [`LoggedIn::sign_digest`].
#[derive(Debug, Clone)]
pub struct DigestSignature {
    /// The PKCS#1 v1.5 signature (RSA, as long as the modulus) or the raw `r || s` (P-256, 64
    /// bytes).
    pub signature: Vec<u8>,
    /// The certificate stored beside the key (same CKA_ID), PEM, if the token holds one.
    pub certificate: Option<String>,
}

/// A loaded, initialised PKCS#11 module. `C_Finalize` runs when the last clone drops.
pub struct Module {
    ctx: Pkcs11,
    path: PathBuf,
}

impl fmt::Debug for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Module").field("path", &self.path).finish()
    }
}

impl Module {
    /// Loads the module at `path` and calls `C_Initialize` (OS locking). A path that does not
    /// exist is `module.not_found`; a file that cannot be loaded (another architecture, a
    /// missing library) or a module that refuses to start is `module.load_failed`.
    pub fn load(path: &Path) -> Result<Module> {
        if !path.is_file() {
            return Err(Error::ModuleNotFound(format!(
                "the PKCS#11 module {} does not exist: install the token's driver, or point \
                 \"module\" in the host config at the right file",
                path.display()
            )));
        }
        let ctx = Pkcs11::new(path).map_err(|e| {
            Error::ModuleLoadFailed(format!(
                "the PKCS#11 module {} exists but cannot be loaded ({e}): it may be built for \
                 another system (a 32-bit driver for this 64-bit helper) or miss a library it \
                 needs; reinstall the token's driver, or point \"module\" in the host config at \
                 the right file",
                path.display()
            ))
        })?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => {
                return Err(Error::ModuleLoadFailed(format!(
                    "the PKCS#11 module {} loaded but refused to start (C_Initialize: {e}): \
                     check the driver's own settings (its daemon or service running, its \
                     configuration file), or reinstall it",
                    path.display()
                )));
            }
        }
        Ok(Module {
            ctx,
            path: path.to_owned(),
        })
    }

    /// The module's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every initialised token present, in slot order. Uninitialised tokens (SoftHSM's spare
    /// slot, a blank card) hold no keys and take no PIN, so they are not offered. One slot
    /// that cannot be read is left out (and logged), never the whole list. A serial that two
    /// tokens share (tpm2-pkcs11 gives every token `0000000000000000`), or an empty one, gets
    /// `@<slot>` appended, so that each token can be named.
    pub fn tokens(&self) -> Result<Vec<Token>> {
        Ok(self.listing()?.into_iter().map(|(_, t)| t).collect())
    }

    /// [`Module::tokens`] with each token's slot handle.
    fn listing(&self) -> Result<Vec<(Slot, Token)>> {
        let slots = self
            .ctx
            .get_slots_with_token()
            .map_err(|e| Error::from_pkcs11(e, "listing tokens"))?;
        let mut tokens = Vec::with_capacity(slots.len());
        for slot in slots {
            match self.token_at(slot) {
                Ok(t) if t.initialized => tokens.push((slot, t)),
                Ok(_) => {}
                // A token pulled out between the two calls is simply not listed.
                Err(CkError::Pkcs11(RvError::TokenNotPresent | RvError::DeviceRemoved, _)) => {}
                Err(e) => eprintln!(
                    "kunci-host: slot {} is left out: its token cannot be read ({e})",
                    slot.id()
                ),
            }
        }
        let serials: Vec<String> = tokens.iter().map(|(_, t)| t.serial.clone()).collect();
        for (_, t) in &mut tokens {
            let shared = serials.iter().filter(|s| **s == t.serial).count() > 1;
            if shared || t.serial.is_empty() {
                t.serial = format!("{}@{}", t.serial, t.slot);
            }
        }
        Ok(tokens)
    }

    /// The token in `slot`: through cryptoki, or, when cryptoki refuses the structure (a field
    /// it cannot parse, such as a `utcTime` that is not digits), from the raw CK_TOKEN_INFO
    /// read field by field.
    fn token_at(&self, slot: Slot) -> core::result::Result<Token, CkError> {
        match self.ctx.get_token_info(slot) {
            Ok(info) => Ok(Token::from_info(slot, &info)),
            Err(CkError::Pkcs11(rv, f)) => Err(CkError::Pkcs11(rv, f)),
            Err(refused) => match raw::token_info(&self.path, slot.id()) {
                Ok(info) => Ok(Token::from_raw(slot, &info)),
                Err(e) => {
                    eprintln!("kunci-host: slot {}: {refused}; raw read: {e}", slot.id());
                    Err(refused)
                }
            },
        }
    }

    /// The slot holding the token with serial `serial`, as [`Module::tokens`] names it.
    fn find(&self, serial: &str) -> Result<(Slot, Token)> {
        let wanted = serial.trim();
        let tokens = self.listing()?;
        if tokens.is_empty() {
            return Err(Error::NoToken);
        }
        tokens
            .into_iter()
            .find(|(_, t)| !wanted.is_empty() && t.serial == wanted)
            .ok_or_else(|| Error::TokenAbsent(wanted.to_owned()))
    }

    /// Opens a read-write session on the token `serial` and logs the user in.
    ///
    /// Before `C_Login` the token's flags are read: a locked PIN is reported without trying
    /// (a try would be wasted and some tokens count it), and a token with a PIN pad is logged
    /// in without a PIN when none is given. A wrong PIN reads the flags again to tell the
    /// holder when the next try is the last.
    pub fn login(&self, serial: &str, pin: Option<&Pin>) -> Result<LoggedIn> {
        let (slot, token) = self.find(serial)?;
        if token.pin_locked {
            return Err(Error::PinLocked);
        }
        let pin = pin.filter(|p| !p.is_empty());
        if pin.is_none() && !token.pin_pad {
            return Err(Error::PinRequired);
        }
        let session = self
            .ctx
            .open_rw_session(slot)
            .map_err(|e| Error::from_pkcs11(e, "sessions"))?;
        let auth = pin.map(|p| AuthPin::from(p.0.as_str()));
        match session.login(UserType::User, auth.as_ref()) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
                let after = self.token_at(slot).ok();
                if after.as_ref().is_some_and(|t| t.pin_locked) {
                    return Err(Error::PinLocked);
                }
                let final_try = after.as_ref().is_some_and(|t| t.pin_final_try);
                return Err(Error::PinIncorrect {
                    tries_left: final_try.then_some(1),
                });
            }
            Err(e) => return Err(Error::from_pkcs11(e, "login")),
        }
        Ok(LoggedIn {
            ctx: self.ctx.clone(),
            session,
            slot,
        })
    }

    /// Opens a read-only session on the token `serial` without logging in: for reading the
    /// public objects (certificates) when no PIN is given.
    pub fn open_public(&self, serial: &str) -> Result<LoggedIn> {
        let (slot, _) = self.find(serial)?;
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(|e| Error::from_pkcs11(e, "sessions"))?;
        Ok(LoggedIn {
            ctx: self.ctx.clone(),
            session,
            slot,
        })
    }
}

/// One session on one token (logged in, unless made by [`Module::open_public`]). Closing the
/// session on drop ends the login with it.
pub struct LoggedIn {
    ctx: Pkcs11,
    session: Session,
    slot: Slot,
}

impl LoggedIn {
    /// Generates a key pair: the private half `CKA_TOKEN`, `CKA_PRIVATE`, `CKA_SENSITIVE`,
    /// `CKA_SIGN` true and `CKA_EXTRACTABLE` false; the public half `CKA_TOKEN` and
    /// `CKA_VERIFY` true; both with a random 16-byte `CKA_ID` and `label` (default
    /// `kunci-<first 8 hex digits of the id>`).
    pub fn generate_key(&self, algorithm: Algorithm, label: Option<&str>) -> Result<GeneratedKey> {
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).map_err(|e| Error::Pkcs11 {
            function: "getrandom".to_owned(),
            rv: format!("the OS random source failed: {e}"),
        })?;
        let label = match label.map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => l.to_owned(),
            None => format!("kunci-{}", &hex::encode(&id)[..8]),
        };
        let (mechanism, specific) = match algorithm {
            Algorithm::Rsa2048 => (
                Mechanism::RsaPkcsKeyPairGen,
                vec![
                    Attribute::ModulusBits(2048.into()),
                    Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
                ],
            ),
            Algorithm::P256 => (
                Mechanism::EccKeyPairGen,
                vec![Attribute::EcParams(P256_EC_PARAMS.to_vec())],
            ),
        };
        let common = [
            Attribute::Id(id.clone()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let public_template = |on_token: bool| {
            let mut t = specific.clone();
            t.extend(common.iter().cloned());
            t.push(Attribute::Verify(true));
            if on_token {
                t.push(Attribute::Token(true));
            }
            t
        };
        let mut private_template = common.to_vec();
        private_template.extend([
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ]);
        let generate = |on_token: bool| {
            self.session.generate_key_pair(
                &mechanism,
                &public_template(on_token),
                &private_template,
            )
        };
        let (public, _private, public_on_token) = match generate(true) {
            Ok((pubk, privk)) => (pubk, privk, true),
            // Some tokens refuse a token public key in the template (users of the
            // Fortify bridge report CKR_ATTRIBUTE_VALUE_INVALID and CKR_FUNCTION_FAILED in its
            // public issue tracker): try without.
            Err(CkError::Pkcs11(
                RvError::TemplateInconsistent
                | RvError::AttributeValueInvalid
                | RvError::AttributeTypeInvalid
                | RvError::FunctionFailed,
                _,
            )) => {
                let (pubk, privk) =
                    generate(false).map_err(|e| Error::from_pkcs11(e, algorithm.words()))?;
                (pubk, privk, false)
            }
            Err(e) => return Err(Error::from_pkcs11(e, algorithm.words())),
        };
        let key_type = match algorithm {
            Algorithm::Rsa2048 => KeyType::RSA,
            Algorithm::P256 => KeyType::EC,
        };
        let public_key_der = self.spki_of(public, key_type)?;
        if !public_on_token {
            self.store_public_copy(public, key_type, &id, &label);
        }
        Ok(GeneratedKey {
            id,
            label,
            algorithm,
            public_key_der,
        })
    }

    /// Builds and signs a CSR with the private key `key_id` on the token. kunci-core writes the
    /// request; the token signs it through [`kunci_core::Signer`].
    pub fn create_csr(
        &self,
        key_id: &[u8],
        subject: Subject,
        email: Option<String>,
        challenge_password: Option<String>,
    ) -> Result<String> {
        let (private, key_type, _) = self.private_key(key_id)?;
        let public_key_der = self.public_key_of(key_id, private, key_type)?;
        let alg = if key_type == KeyType::RSA {
            SignatureAlgorithm::RsaPkcs1Sha256
        } else {
            SignatureAlgorithm::EcdsaP256Sha256
        };
        let rsa_native = alg == SignatureAlgorithm::RsaPkcs1Sha256
            && self
                .ctx
                .get_mechanism_list(self.slot)
                .is_ok_and(|l| l.contains(&MechanismType::SHA256_RSA_PKCS));
        let signer = TokenSigner {
            session: &self.session,
            key: private,
            alg,
            public_key_der,
            rsa_native,
            failure: RefCell::new(None),
        };
        let builder = CsrBuilder::new(subject)
            .email_san(email)
            .challenge_password(challenge_password);
        match builder.sign(&signer) {
            Ok(csr) => Ok(csr.to_pem()),
            Err(e) => Err(match signer.failure.into_inner() {
                Some(token_error) => token_error,
                None => match e.code() {
                    "csr.bad_signature" | "sign.failed" => Error::Pkcs11 {
                        function: "C_Sign".to_owned(),
                        rv: format!("the token's signature does not verify: {e}"),
                    },
                    _ => Error::RequestBad(e.to_string()),
                },
            }),
        }
    }

    /// Signs a SHA-256 `digest` the caller computed with the private key `key_id`, in this one
    /// session (one login): `rsa2048` as `CKM_RSA_PKCS` over the DER DigestInfo (PKCS#1 v1.5),
    /// `p256` as `CKM_ECDSA` over the digest, answered as raw `r || s` (64 bytes). The key
    /// must be of the algorithm asked (RSA of 2048 bits or more, or EC on P-256) and may sign
    /// (`CKA_SIGN`); the certificate stored beside it (same CKA_ID), if any, comes back with
    /// the signature. The private key never leaves the token: only the signature is read.
    pub fn sign_digest(
        &self,
        key_id: &[u8],
        algorithm: Algorithm,
        digest: &[u8; 32],
    ) -> Result<DigestSignature> {
        let (private, key_type, _) = self.private_key(key_id)?;
        let id = hex::encode(key_id);
        let expected = match algorithm {
            Algorithm::Rsa2048 => KeyType::RSA,
            Algorithm::P256 => KeyType::EC,
        };
        if key_type != expected {
            let is = if key_type == KeyType::RSA {
                "an RSA key"
            } else {
                "an EC key"
            };
            return Err(Error::RequestBad(format!(
                "key {id} is {is}, not a {} key: ask for the key's own algorithm",
                algorithm.as_str()
            )));
        }
        let wanted: &[AttributeType] = match algorithm {
            Algorithm::Rsa2048 => &[AttributeType::Sign, AttributeType::Modulus],
            Algorithm::P256 => &[AttributeType::Sign, AttributeType::EcParams],
        };
        // Each attribute is asked alone: a token that cannot read one (some keep no CKA_MODULUS
        // on the private key) must not hide the others.
        let mut modulus_len = None;
        for attribute in wanted {
            let Ok(values) = self.session.get_attributes(private, &[*attribute]) else {
                continue;
            };
            for value in values {
                match value {
                    Attribute::Sign(false) => {
                        return Err(Error::KeyCannotSign(format!(
                            "key {id} is not allowed to sign (its CKA_SIGN is false): use a \
                             signing key"
                        )));
                    }
                    Attribute::Modulus(n) => {
                        let n = n.iter().skip_while(|b| **b == 0).count();
                        if n < 256 {
                            return Err(Error::RequestBad(format!(
                                "key {id} is RSA {} bits: kunci signs with RSA keys of 2048 bits \
                                 or more",
                                n * 8
                            )));
                        }
                        modulus_len = Some(n);
                    }
                    Attribute::EcParams(params) if params != P256_EC_PARAMS => {
                        return Err(Error::MechanismUnsupported(
                            "EC keys on curves other than P-256".to_owned(),
                        ));
                    }
                    _ => {}
                }
            }
        }
        // Read before signing, so that a failure here leaves nothing signed.
        let certificate = self.certificate_of(key_id)?;
        let (mechanism, data, what) = match algorithm {
            Algorithm::Rsa2048 => {
                let mut digest_info = SHA256_DIGEST_INFO_PREFIX.to_vec();
                digest_info.extend_from_slice(digest);
                (
                    Mechanism::RsaPkcs,
                    digest_info,
                    "RSA PKCS#1 v1.5 signatures",
                )
            }
            Algorithm::P256 => (Mechanism::Ecdsa, digest.to_vec(), "ECDSA signatures"),
        };
        let signature = self
            .session
            .sign(&mechanism, private, &data)
            .map_err(|e| Error::from_pkcs11(e, what))?;
        let bad = |why: String| Error::Pkcs11 {
            function: "C_Sign".to_owned(),
            rv: why,
        };
        let signature = match algorithm {
            Algorithm::Rsa2048 => match modulus_len {
                Some(n) if signature.len() != n => {
                    return Err(bad(format!(
                        "the token gave an RSA signature of {} bytes for a {n}-byte modulus",
                        signature.len()
                    )));
                }
                _ if signature.is_empty() => {
                    return Err(bad("the token gave an empty signature".to_owned()));
                }
                _ => signature,
            },
            Algorithm::P256 => ecdsa_p256_raw(&signature).ok_or_else(|| {
                bad(format!(
                    "the token gave {} bytes that are no P-256 signature",
                    signature.len()
                ))
            })?,
        };
        Ok(DigestSignature {
            signature,
            certificate,
        })
    }

    /// The X.509 certificate stored with CKA_ID `key_id`, PEM; the one valid longest when the
    /// token holds several (an earlier one for the same key), `None` when it holds none.
    fn certificate_of(&self, key_id: &[u8]) -> Result<Option<String>> {
        let handles = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Id(key_id.to_vec()),
            ])
            .map_err(|e| Error::from_pkcs11(e, "certificates"))?;
        let mut best: Option<kunci_core::cert::CertificateInfo> = None;
        for handle in handles {
            let Ok(attrs) = self.session.get_attributes(handle, &[AttributeType::Value]) else {
                continue;
            };
            let Some(Attribute::Value(der)) = attrs.into_iter().next() else {
                continue;
            };
            match kunci_core::cert::parse(&der) {
                Ok(info)
                    if best
                        .as_ref()
                        .is_none_or(|b| info.not_after_unix > b.not_after_unix) =>
                {
                    best = Some(info);
                }
                Ok(_) => {}
                Err(e) => eprintln!("kunci-host: skipping an unreadable certificate object: {e}"),
            }
        }
        Ok(best.map(|info| kunci_core::pem::encode("CERTIFICATE", &info.der)))
    }

    /// Stores `certificate` (PEM or DER) beside the private key whose public key it certifies,
    /// with that key's CKA_ID and `label` (default: the key's label). Returns the key's id and
    /// the label used. A certificate already on the token is not written twice.
    pub fn import_certificate(
        &self,
        certificate: &[u8],
        label: Option<&str>,
    ) -> Result<(Vec<u8>, String)> {
        let info = kunci_core::cert::parse(certificate)
            .map_err(|e| Error::RequestBad(format!("the certificate cannot be read: {e}")))?;
        let cert = x509_cert::Certificate::from_der(&info.der)
            .map_err(|e| Error::RequestBad(format!("the certificate cannot be read: {e}")))?;
        let wanted = key_material(&info.public_key_der).ok_or_else(|| {
            Error::RequestBad("the certificate's public key cannot be read".to_owned())
        })?;
        let privates = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .map_err(|e| Error::from_pkcs11(e, "keys"))?;
        let mut found = None;
        for handle in privates {
            let Ok((id, key_type, key_label)) = self.key_attributes(handle) else {
                continue;
            };
            let Ok(spki) = self.public_key_of(&id, handle, key_type) else {
                continue;
            };
            if key_material(&spki).as_ref() == Some(&wanted) {
                found = Some((id, key_label));
                break;
            }
        }
        let Some((id, key_label)) = found else {
            return Err(Error::KeyNotFound(
                "no private key on this token matches the certificate's public key: it was \
                 issued for a key held elsewhere (another token, or a key made in the browser)"
                    .to_owned(),
            ));
        };
        let label = label
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .or(key_label)
            .unwrap_or_else(|| format!("kunci-{}", &hex::encode(&id)[..8.min(id.len() * 2)]));

        let existing = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Value(info.der.clone()),
            ])
            .map_err(|e| Error::from_pkcs11(e, "certificates"))?;
        if !existing.is_empty() {
            return Ok((id, label));
        }
        let tbs = cert.tbs_certificate();
        let encode = |r: der::Result<Vec<u8>>| {
            r.map_err(|e| Error::RequestBad(format!("the certificate cannot be re-encoded: {e}")))
        };
        let template = [
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Id(id.clone()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Subject(encode(tbs.subject().to_der())?),
            Attribute::Issuer(encode(tbs.issuer().to_der())?),
            Attribute::SerialNumber(encode(tbs.serial_number().to_der())?),
            Attribute::Value(info.der.clone()),
        ];
        self.session
            .create_object(&template)
            .map_err(|e| Error::from_pkcs11(e, "certificates"))?;
        Ok((id, label))
    }

    /// Every X.509 certificate visible in this session. Objects that do not parse as X.509
    /// are left out (with a line on stderr): a token may hold anything.
    pub fn list_certificates(&self) -> Result<Vec<TokenCertificate>> {
        let handles = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
            ])
            .map_err(|e| Error::from_pkcs11(e, "certificates"))?;
        let mut out = Vec::with_capacity(handles.len());
        for handle in handles {
            let attrs = self
                .session
                .get_attributes(
                    handle,
                    &[
                        AttributeType::Id,
                        AttributeType::Label,
                        AttributeType::Value,
                    ],
                )
                .map_err(|e| Error::from_pkcs11(e, "certificates"))?;
            let (mut id, mut label, mut value) = (Vec::new(), String::new(), Vec::new());
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = v,
                    Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                    Attribute::Value(v) => value = v,
                    _ => {}
                }
            }
            match kunci_core::cert::parse(&value) {
                Ok(info) => out.push(TokenCertificate {
                    key_id: hex::encode(&id),
                    label,
                    subject: info.subject,
                    serial: info.serial,
                    not_after: info.not_after,
                    pem: kunci_core::pem::encode("CERTIFICATE", &info.der),
                }),
                Err(e) => eprintln!("kunci-host: skipping an unreadable certificate object: {e}"),
            }
        }
        Ok(out)
    }

    /// The private key with CKA_ID `key_id`: its handle, key type and label.
    fn private_key(&self, key_id: &[u8]) -> Result<(ObjectHandle, KeyType, Option<String>)> {
        let handles = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(key_id.to_vec()),
            ])
            .map_err(|e| Error::from_pkcs11(e, "keys"))?;
        let handle = *handles.first().ok_or_else(|| {
            Error::KeyNotFound(format!(
                "no private key with id {} on this token",
                hex::encode(key_id)
            ))
        })?;
        let (_, key_type, label) = self.key_attributes(handle)?;
        Ok((handle, key_type, label))
    }

    /// CKA_ID, CKA_KEY_TYPE and CKA_LABEL of a key object.
    fn key_attributes(&self, handle: ObjectHandle) -> Result<(Vec<u8>, KeyType, Option<String>)> {
        let attrs = self
            .session
            .get_attributes(
                handle,
                &[
                    AttributeType::Id,
                    AttributeType::KeyType,
                    AttributeType::Label,
                ],
            )
            .map_err(|e| Error::from_pkcs11(e, "keys"))?;
        let (mut id, mut key_type, mut label) = (Vec::new(), None, None);
        for a in attrs {
            match a {
                Attribute::Id(v) => id = v,
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::Label(v) if !v.is_empty() => {
                    label = Some(String::from_utf8_lossy(&v).into_owned());
                }
                _ => {}
            }
        }
        let key_type = key_type.ok_or_else(|| Error::Pkcs11 {
            function: "C_GetAttributeValue".to_owned(),
            rv: "the key has no CKA_KEY_TYPE".to_owned(),
        })?;
        if key_type != KeyType::RSA && key_type != KeyType::EC {
            return Err(Error::MechanismUnsupported(format!("{key_type} keys")));
        }
        Ok((id, key_type, label))
    }

    /// The public key (SPKI DER) of the key pair `key_id`: from its public-key object, else
    /// from the private key's public attributes (RSA modulus and exponent, or
    /// CKA_PUBLIC_KEY_INFO), for tokens that keep no public-key object.
    fn public_key_of(
        &self,
        key_id: &[u8],
        private: ObjectHandle,
        key_type: KeyType,
    ) -> Result<Vec<u8>> {
        let publics = self
            .session
            .find_objects(&[
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::Id(key_id.to_vec()),
            ])
            .map_err(|e| Error::from_pkcs11(e, "keys"))?;
        if let Some(public) = publics.first() {
            return self.spki_of(*public, key_type);
        }
        if let Ok(attrs) = self
            .session
            .get_attributes(private, &[AttributeType::PublicKeyInfo])
            && let Some(Attribute::PublicKeyInfo(spki)) = attrs.into_iter().next()
            && !spki.is_empty()
        {
            return Ok(spki);
        }
        self.spki_of(private, key_type).map_err(|_| {
            Error::KeyNotFound(format!(
                "the public key of key {} is not on the token",
                hex::encode(key_id)
            ))
        })
    }

    /// Builds the SPKI from a key object's public attributes.
    fn spki_of(&self, object: ObjectHandle, key_type: KeyType) -> Result<Vec<u8>> {
        let failed = |rv: String| Error::Pkcs11 {
            function: "C_GetAttributeValue".to_owned(),
            rv,
        };
        if key_type == KeyType::RSA {
            let attrs = self
                .session
                .get_attributes(
                    object,
                    &[AttributeType::Modulus, AttributeType::PublicExponent],
                )
                .map_err(|e| Error::from_pkcs11(e, "keys"))?;
            let (mut n, mut e) = (None, None);
            for a in attrs {
                match a {
                    Attribute::Modulus(v) => n = Some(v),
                    Attribute::PublicExponent(v) => e = Some(v),
                    _ => {}
                }
            }
            let (Some(n), Some(e)) = (n, e) else {
                return Err(failed(
                    "the RSA key's modulus or exponent is unreadable".into(),
                ));
            };
            rsa_spki(&n, &e).map_err(|e| failed(format!("bad RSA public key: {e}")))
        } else {
            let attrs = self
                .session
                .get_attributes(object, &[AttributeType::EcParams, AttributeType::EcPoint])
                .map_err(|e| Error::from_pkcs11(e, "keys"))?;
            let (mut params, mut point) = (None, None);
            for a in attrs {
                match a {
                    Attribute::EcParams(v) => params = Some(v),
                    Attribute::EcPoint(v) => point = Some(v),
                    _ => {}
                }
            }
            if params.as_deref().is_some_and(|p| p != P256_EC_PARAMS) {
                return Err(Error::MechanismUnsupported(
                    "EC keys on curves other than P-256".to_owned(),
                ));
            }
            let point = point.ok_or_else(|| failed("the EC key's point is unreadable".into()))?;
            ec_spki(&point).map_err(|e| failed(format!("bad EC public key: {e}")))
        }
    }

    /// When the token kept the public key only as a session object, stores a token copy so
    /// that `import_certificate` finds it later. Best effort: a token that refuses keeps the
    /// public key readable from the private key on most tokens.
    fn store_public_copy(&self, public: ObjectHandle, key_type: KeyType, id: &[u8], label: &str) {
        let wanted: &[AttributeType] = if key_type == KeyType::RSA {
            &[AttributeType::Modulus, AttributeType::PublicExponent]
        } else {
            &[AttributeType::EcParams, AttributeType::EcPoint]
        };
        let Ok(mut template) = self.session.get_attributes(public, wanted) else {
            return;
        };
        template.extend([
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(key_type),
            Attribute::Token(true),
            Attribute::Verify(true),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ]);
        if let Err(e) = self.session.create_object(&template) {
            eprintln!("kunci-host: the token keeps no copy of the public key ({e})");
        }
    }
}

/// A private key on a token, signing through kunci-core's [`kunci_core::Signer`] trait. A
/// PKCS#11 failure is kept in `failure`, since the trait's error type cannot carry it.
struct TokenSigner<'a> {
    session: &'a Session,
    key: ObjectHandle,
    alg: SignatureAlgorithm,
    public_key_der: Vec<u8>,
    rsa_native: bool,
    failure: RefCell<Option<Error>>,
}

impl TokenSigner<'_> {
    fn sign_on_token(&self, message: &[u8]) -> core::result::Result<Vec<u8>, CkError> {
        let digest = sha2::Sha256::digest(message);
        match self.alg {
            SignatureAlgorithm::RsaPkcs1Sha256 => {
                if self.rsa_native {
                    match self
                        .session
                        .sign(&Mechanism::Sha256RsaPkcs, self.key, message)
                    {
                        Err(CkError::Pkcs11(RvError::MechanismInvalid, _)) => {}
                        other => return other,
                    }
                }
                let mut digest_info = SHA256_DIGEST_INFO_PREFIX.to_vec();
                digest_info.extend_from_slice(&digest);
                self.session
                    .sign(&Mechanism::RsaPkcs, self.key, &digest_info)
            }
            SignatureAlgorithm::EcdsaP256Sha256 => {
                self.session.sign(&Mechanism::Ecdsa, self.key, &digest)
            }
        }
    }
}

impl kunci_core::Signer for TokenSigner<'_> {
    fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    fn public_key_der(&self) -> kunci_core::Result<Vec<u8>> {
        Ok(self.public_key_der.clone())
    }

    fn sign(&self, message: &[u8]) -> kunci_core::Result<Vec<u8>> {
        let signature = self.sign_on_token(message).map_err(|e| {
            let what = match self.alg {
                SignatureAlgorithm::RsaPkcs1Sha256 => "RSA PKCS#1 v1.5 signatures",
                SignatureAlgorithm::EcdsaP256Sha256 => "ECDSA signatures",
            };
            let message = e.to_string();
            *self.failure.borrow_mut() = Some(Error::from_pkcs11(e, what));
            kunci_core::Error::SigningFailed(message)
        })?;
        match self.alg {
            SignatureAlgorithm::RsaPkcs1Sha256 => Ok(signature),
            SignatureAlgorithm::EcdsaP256Sha256 => {
                kunci_core::sign::ecdsa_p256_raw_to_der(&signature)
            }
        }
    }
}

/// A P-256 ECDSA signature as PKCS#11 specifies it, raw `r || s` (64 bytes). Some tokens
/// answer `CKM_ECDSA` with a DER `ECDSA-Sig-Value` instead; that is converted. None for
/// anything else.
fn ecdsa_p256_raw(signature: &[u8]) -> Option<Vec<u8>> {
    if signature.len() == 64 {
        return Some(signature.to_vec());
    }
    #[derive(der::Sequence)]
    struct EcdsaSigValue<'a> {
        r: UintRef<'a>,
        s: UintRef<'a>,
    }
    let value = EcdsaSigValue::from_der(signature).ok()?;
    let mut raw = vec![0u8; 64];
    for (half, int) in [value.r, value.s].iter().enumerate() {
        let bytes = int.as_bytes();
        if bytes.is_empty() || bytes.len() > 32 {
            return None;
        }
        let end = (half + 1) * 32;
        raw[end - bytes.len()..end].copy_from_slice(bytes);
    }
    Some(raw)
}

/// The SPKI of an RSA public key from its big-endian modulus and exponent.
pub fn rsa_spki(modulus: &[u8], exponent: &[u8]) -> der::Result<Vec<u8>> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: UintRef<'a>,
        public_exponent: UintRef<'a>,
    }
    let inner = RsaPublicKey {
        modulus: UintRef::new(modulus)?,
        public_exponent: UintRef::new(exponent)?,
    }
    .to_der()?;
    spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: OID_RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        subject_public_key: BitString::from_bytes(&inner)?,
    }
    .to_der()
}

/// The SPKI of a P-256 public key from CKA_EC_POINT: a DER OCTET STRING around the
/// uncompressed point, as PKCS#11 specifies, or the bare point, as some tokens return it.
pub fn ec_spki(ec_point: &[u8]) -> der::Result<Vec<u8>> {
    // A bare uncompressed P-256 point is 65 bytes starting 0x04; an OCTET STRING around it is
    // 67 bytes starting 0x04 0x41, so the two cannot be confused.
    let point = if ec_point.len() == 65 && ec_point[0] == 0x04 {
        ec_point.to_vec()
    } else {
        OctetString::from_der(ec_point)?.as_bytes().to_vec()
    };
    spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: OID_EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&OID_P256)?),
        },
        subject_public_key: BitString::from_bytes(&point)?,
    }
    .to_der()
}

/// What identifies a public key regardless of how its SPKI's parameters are written: the
/// algorithm OID and the subjectPublicKey bits.
fn key_material(spki_der: &[u8]) -> Option<(ObjectIdentifier, Vec<u8>)> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(spki_der).ok()?;
    Some((
        info.algorithm.oid,
        info.subject_public_key.raw_bytes().to_vec(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_point_is_accepted_wrapped_or_bare_and_gives_the_same_spki() {
        let mut point = vec![0x04];
        // A valid P-256 point: the generator G.
        point.extend(
            hex::decode("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
                .unwrap(),
        );
        point.extend(
            hex::decode("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
                .unwrap(),
        );
        let wrapped = OctetString::new(point.clone()).unwrap().to_der().unwrap();
        let a = ec_spki(&point).unwrap();
        assert_eq!(a, ec_spki(&wrapped).unwrap());
        assert_eq!(
            kunci_core::key::KeyKind::from_spki_der(&a).unwrap(),
            kunci_core::key::KeyKind::EcP256
        );
    }

    #[test]
    fn rsa_spki_ignores_leading_zero_bytes_of_the_modulus() {
        let mut n = vec![0xc5u8; 256];
        n[255] = 0x01;
        let mut padded = vec![0u8];
        padded.extend(&n);
        assert_eq!(
            rsa_spki(&n, &[1, 0, 1]).unwrap(),
            rsa_spki(&padded, &[1, 0, 1]).unwrap()
        );
        assert!(key_material(&rsa_spki(&n, &[1, 0, 1]).unwrap()).is_some());
    }

    #[test]
    fn ecdsa_signatures_come_out_raw_whether_the_token_gave_raw_or_der() {
        let mut raw = vec![0u8; 64];
        raw[1] = 0x80; // r with a leading zero byte and its high bit set after it
        raw[31] = 0x01;
        raw[32] = 0xff; // s with its high bit set (DER adds a 0x00)
        raw[63] = 0x02;
        assert_eq!(ecdsa_p256_raw(&raw).unwrap(), raw);
        let der = kunci_core::sign::ecdsa_p256_raw_to_der(&raw).unwrap();
        assert_ne!(der.len(), 64);
        assert_eq!(ecdsa_p256_raw(&der).unwrap(), raw);
        assert!(ecdsa_p256_raw(&[0u8; 63]).is_none());
        assert!(ecdsa_p256_raw(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_none());
    }

    #[test]
    fn pin_debug_never_shows_the_pin() {
        assert_eq!(format!("{:?}", Pin::new("1234".into())), "Pin(<redacted>)");
    }
}
