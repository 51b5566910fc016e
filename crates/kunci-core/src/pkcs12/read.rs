//! Reading a PKCS#12 file: [`read()`], or [`prepare_read`] then [`ReadJob::finish`].
//!
//! Order matters for safety: the input is size-checked, normalised from BER, the MAC is
//! verified (so a wrong password stops here, before any decryption), and only then are the
//! bags decrypted and parsed. Every key derivation is checked against the per-derivation cap
//! and the file's work budget *before* it runs. The split between prepare and finish falls
//! where the PBES2 keys are needed, so that they can be derived outside Rust.
//!
//! The PKCS#12 KDF work (the MAC key; a legacy file's cipher keys and IVs) can run in slices
//! for callers on a UI thread: [`start_read`] → [`ReadStart::step`] … → [`ReadStart::verify`]
//! (the MAC) gives the [`ReadJob`] that [`prepare_read`] gives, and [`ReadJob::step`] runs
//! the legacy ciphers' derivations before [`ReadJob::finish`].

use der::asn1::Any;
use der::{Decode, Encode, Tag, Tagged};
use pkcs5::pbes2;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::{self, CertBag, ContentInfo, EncryptedData, Pfx, SafeBag, malformed, oid_name};
use super::pbe::{LegacyCipher, MacHash};
use super::{Pkcs12Contents, READ_WORK_BUDGET, ber, kdf as p12kdf, write};
use crate::kdf::{self, Pbkdf2Request};
use crate::pkcs8::MAX_ITERATIONS;
use crate::{Error, KeyPair, Result};

/// Nested safeContentsBags deeper than this are refused (real files never nest).
const MAX_BAG_DEPTH: usize = 4;

/// Reads a PKCS#12 file (DER or BER) with `password`.
///
/// The MAC is verified first: a wrong password is [`Error::P12WrongPassword`]. A file
/// without a MAC is accepted only when its encrypted parts decrypt and parse, and then says
/// `none` in [`Pkcs12Contents::mac_algorithm`]. Other errors: [`Error::EmptyInput`],
/// [`Error::InputTooLarge`], [`Error::P12Malformed`], [`Error::P12Unsupported`] (naming the
/// algorithm), [`Error::IterationsTooHigh`] (a single derivation above
/// [`crate::pkcs8::MAX_ITERATIONS`] or a file above [`READ_WORK_BUDGET`]), and the key errors
/// of [`crate::key`] for a key kunci does not use. A file without a key or a certificate is
/// not an error here: see [`Pkcs12Contents::require_key_and_cert`].
///
/// The same as [`prepare_read`], [`crate::kdf::Pbkdf2Request::derive`] for each of
/// [`ReadJob::derivations`], and [`ReadJob::finish`].
pub fn read(input: &[u8], password: &[u8]) -> Result<Pkcs12Contents> {
    let job = prepare_read(input, password)?;
    job.finish(&kdf::derive_all(job.derivations(), password))
}

/// Starts reading a PKCS#12 file with its PBES2 key derivations left to the caller (see
/// [`crate::kdf`]).
///
/// Everything before the PBKDF2 work happens here: size, structure, the MAC (so a wrong
/// password is [`Error::P12WrongPassword`] before any PBKDF2 runs; the MAC's own KDF is
/// PKCS#12's, which only kunci runs), the per-derivation cap and [`READ_WORK_BUDGET`] for
/// every encryption in sight, and the bags outside encryption. Errors are those of
/// [`read()`]. Encryptions nested inside encrypted content (rare) only appear when it is
/// decrypted, so [`ReadJob::finish`] books them against the budget and derives them in Rust.
pub fn prepare_read(input: &[u8], password: &[u8]) -> Result<ReadJob> {
    prepare_read_within(input, password, READ_WORK_BUDGET)
}

/// [`read()`] with a whole-file work budget of `budget` iterations instead of
/// [`READ_WORK_BUDGET`] (a budget above it still stops at it). For callers that must bound
/// one file's cost more tightly: the fuzz targets, or a server reading untrusted uploads on a
/// request thread. Going over is [`Error::IterationsTooHigh`], before the work runs.
pub fn read_within(input: &[u8], password: &[u8], budget: u64) -> Result<Pkcs12Contents> {
    let job = prepare_read_within(input, password, budget)?;
    job.finish(&kdf::derive_all(job.derivations(), password))
}

/// [`prepare_read`] with the whole-file budget of [`read_within`].
pub fn prepare_read_within(input: &[u8], password: &[u8], budget: u64) -> Result<ReadJob> {
    start_read_within(input, password, budget)?.verify()
}

/// Starts [`prepare_read`] with the MAC's key not yet derived: checks the size, normalises
/// from BER, parses the PFX and books the MAC's work against [`READ_WORK_BUDGET`]. Run
/// [`ReadStart::step`] as often as suits, then [`ReadStart::verify`]. Errors: those of
/// [`read()`] that come before the MAC.
pub fn start_read(input: &[u8], password: &[u8]) -> Result<ReadStart> {
    start_read_within(input, password, READ_WORK_BUDGET)
}

/// [`start_read`] with the whole-file budget of [`read_within`].
pub fn start_read_within(input: &[u8], password: &[u8], budget: u64) -> Result<ReadStart> {
    crate::check_input_len(input)?;
    let der = ber::to_der(input)?;
    let pfx = Pfx::from_der(&der).map_err(|e| malformed("PFX", e))?;
    if pfx.version != 3 {
        return Err(Error::P12Unsupported(format!(
            "PFX version {} (only version 3 exists)",
            pfx.version
        )));
    }
    let auth_safe = data_octets(&pfx.auth_safe, "authSafe")?;

    let mut cx = Context {
        password: Zeroizing::new(password.to_vec()),
        bmp: p12kdf::bmp_password(password),
        work: 0,
        budget: budget.min(READ_WORK_BUDGET),
        verified: false,
        requests: Vec::new(),
        kdfs: Vec::new(),
        frozen: false,
    };
    let mac = match &pfx.mac_data {
        Some(mac) => {
            let hash = MacHash::from_oid(&mac.mac.algorithm.oid).ok_or_else(|| {
                Error::P12Unsupported(format!(
                    "MAC algorithm {}",
                    oid_name(&mac.mac.algorithm.oid)
                ))
            })?;
            let iterations = cx.spend(mac.iterations, 1)?;
            let salt = mac.mac_salt.as_bytes();
            // An empty password is ambiguous: some writers (OpenSSL given no password) feed
            // the KDF nothing at all instead of the BMP terminator. Both keys are derived
            // then (rare, and the work stays sliceable).
            let mut kdfs = vec![hash.derivation(&cx.bmp, salt, iterations)];
            if password.is_empty() {
                kdfs.push(hash.derivation(&[], salt, iterations));
            }
            Some(PendingMac {
                hash,
                iterations,
                tag: mac.mac.digest.as_bytes().to_vec(),
                kdfs,
            })
        }
        None => None,
    };
    Ok(ReadStart { cx, auth_safe, mac })
}

/// A PKCS#12 file parsed down to its MAC, whose key is being derived: from [`start_read`].
/// It holds the password (zeroized on drop); its `Debug` shows nothing secret.
pub struct ReadStart {
    cx: Context,
    auth_safe: Vec<u8>,
    mac: Option<PendingMac>,
}

/// The MAC to check and the derivation(s) of its key.
struct PendingMac {
    hash: MacHash,
    iterations: u32,
    tag: Vec<u8>,
    /// The key from the password; for an empty password, also the key from no bytes at all.
    kdfs: Vec<p12kdf::Derivation>,
}

impl ReadStart {
    /// Runs at most `max_iterations` hash iterations of the MAC key's derivation; true once
    /// it is done (at once for a file without a MAC). Optional: [`ReadStart::verify`] runs
    /// what is left. For callers on a UI thread, which give the event loop a turn between
    /// slices of a few milliseconds.
    pub fn step(&mut self, max_iterations: u32) -> bool {
        self.mac
            .as_mut()
            .is_none_or(|mac| p12kdf::step_all(&mut mac.kdfs, max_iterations))
    }

    /// Verifies the MAC (a wrong password is [`Error::P12WrongPassword`]) and parses the
    /// rest, as [`prepare_read`] does.
    pub fn verify(self) -> Result<ReadJob> {
        let ReadStart {
            mut cx,
            auth_safe,
            mac,
        } = self;
        let (mac_algorithm, mac_iterations) = match mac {
            Some(mac) => {
                let keys = p12kdf::outputs(&mac.kdfs);
                let ok = |key: &[u8]| mac.hash.verify(key, &auth_safe, &mac.tag);
                if !keys.first().is_some_and(|k| ok(k)) {
                    if !keys.get(1).is_some_and(|k| ok(k)) {
                        return Err(Error::P12WrongPassword);
                    }
                    cx.bmp = Zeroizing::new(Vec::new());
                }
                cx.verified = true;
                (mac.hash.name().to_owned(), mac.iterations)
            }
            None => ("none".to_owned(), 0),
        };
        parse_auth_safe(cx, &auth_safe, mac_algorithm, mac_iterations)
    }
}

impl core::fmt::Debug for ReadStart {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadStart")
            .field("mac", &self.mac.as_ref().map(|m| m.hash.name()))
            .finish_non_exhaustive()
    }
}

/// The rest of [`prepare_read`], once the MAC vouched for the password (or there is none).
fn parse_auth_safe(
    mut cx: Context,
    auth_safe: &[u8],
    mac_algorithm: String,
    mac_iterations: u32,
) -> Result<ReadJob> {
    let mut parts = Vec::new();
    let safe = Zeroizing::new(ber::to_der(auth_safe)?);
    for info in sequence_elements(&safe, "AuthenticatedSafe")? {
        let info =
            ContentInfo::from_der(&info).map_err(|e| malformed("AuthenticatedSafe entry", e))?;
        match info.content_type {
            asn1::DATA => {
                let octets = data_octets(&info, "SafeContents")?;
                parts.push(Part::Plain(cx.parse_safe_contents(
                    &octets,
                    &Protection::none(),
                    0,
                )?));
            }
            asn1::ENCRYPTED_DATA => {
                let content = info
                    .content
                    .ok_or_else(|| Error::P12Malformed("EncryptedData without content".into()))?;
                let data = EncryptedData::from_der(&content.to_der()?)
                    .map_err(|e| malformed("EncryptedData", e))?;
                let eci = data.encrypted_content_info;
                let Some(ct) = eci.encrypted_content else {
                    continue;
                };
                parts.push(Part::Sealed(
                    cx.seal(&eci.algorithm, asn1::implicit_octets(&ct)?)?,
                ));
            }
            asn1::ENVELOPED_DATA => {
                return Err(Error::P12Unsupported(
                    "public-key privacy mode (envelopedData): re-export the file with a password"
                        .into(),
                ));
            }
            other => {
                return Err(Error::P12Unsupported(format!(
                    "content type {}",
                    oid_name(&other)
                )));
            }
        }
    }
    Ok(ReadJob {
        cx,
        parts,
        mac_algorithm,
        mac_iterations,
    })
}

/// A PKCS#12 file whose MAC is verified and whose structure is parsed, waiting for the
/// keys of its PBES2 encryptions: from [`prepare_read`].
///
/// It keeps a copy of the password (zeroized on drop) for what only kunci runs: legacy
/// ciphers, scrypt, and encryptions nested inside encrypted content. Its `Debug` shows only
/// the derivations.
pub struct ReadJob {
    cx: Context,
    parts: Vec<Part>,
    mac_algorithm: String,
    mac_iterations: u32,
}

impl ReadJob {
    /// The PBKDF2 derivations to run, one per distinct PBES2 encryption in sight (usually
    /// two: the certificates and the key); empty for a legacy file. Answer them in this
    /// order in [`ReadJob::finish`].
    pub fn derivations(&self) -> &[Pbkdf2Request] {
        &self.cx.requests
    }

    /// Runs at most `max_iterations` hash iterations of the legacy ciphers' PKCS#12 KDF work
    /// (a key and an IV per pbeWithSHAAnd… encryption in sight; none for a PBES2 file) and
    /// returns true once all of it is done. Optional: [`ReadJob::finish`] runs what is left;
    /// see [`ReadStart::step`] for why it exists.
    pub fn step(&mut self, max_iterations: u32) -> bool {
        p12kdf::step_all(&mut self.cx.kdfs, max_iterations)
    }

    /// Decrypts with `derived` (one key per [`ReadJob::derivations`], in order) and reads
    /// the bags.
    ///
    /// A wrong count or length is [`Error::KdfResult`]. A wrong key of the right length (say,
    /// derived from other bytes than the password given to [`prepare_read`]) fails the
    /// cipher's padding: [`Error::P12WrongPassword`]; about once in 256 it passes and the
    /// garbage fails to parse instead ([`Error::P12Malformed`] or a key error). Other errors
    /// are those of [`read()`].
    pub fn finish<K: AsRef<[u8]>>(&self, derived: &[K]) -> Result<Pkcs12Contents> {
        kdf::check_results(&self.cx.requests, derived)?;
        let keys: Vec<&[u8]> = derived.iter().map(AsRef::as_ref).collect();
        let mut cx = self.cx.clone();
        cx.frozen = true;
        while !p12kdf::step_all(&mut cx.kdfs, u32::MAX) {}
        let mut found = Found::default();
        for part in &self.parts {
            match part {
                Part::Plain(bags) => cx.visit(bags, &Protection::none(), &keys, &mut found)?,
                Part::Sealed(sealed) => {
                    let plain = cx.open(sealed, &keys)?;
                    let bags = cx.parse_safe_contents(&plain, &sealed.protection, 0)?;
                    cx.visit(&bags, &sealed.protection, &keys, &mut found)?;
                }
            }
        }
        let iterations = if cx.verified {
            self.mac_iterations
        } else {
            found.max_iterations
        };
        Ok(found.into_contents(self.mac_algorithm.clone(), iterations))
    }
}

impl core::fmt::Debug for ReadJob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadJob")
            .field("mac_algorithm", &self.mac_algorithm)
            .field("derivations", &self.cx.requests)
            .finish_non_exhaustive()
    }
}

/// The password in both encodings, the derivation work booked so far, whether the MAC
/// vouched for the password, and the PBKDF2 requests handed out.
#[derive(Clone)]
struct Context {
    password: Zeroizing<Vec<u8>>,
    bmp: Zeroizing<Vec<u8>>,
    work: u64,
    /// The most `work` may reach: [`READ_WORK_BUDGET`] unless the caller asked for less.
    budget: u64,
    verified: bool,
    requests: Vec<Pbkdf2Request>,
    /// The legacy ciphers' key and IV derivations, two per [`Lock::Legacy`] found before
    /// [`ReadJob::finish`].
    kdfs: Vec<p12kdf::Derivation>,
    /// Set in [`ReadJob::finish`]: the requests are answered, new ones run in Rust.
    frozen: bool,
}

/// One entry of the AuthenticatedSafe.
enum Part {
    /// A `data` SafeContents, parsed.
    Plain(Vec<Bag>),
    /// An `encryptedData` SafeContents, parsed once decrypted.
    Sealed(Sealed),
}

struct Bag {
    attrs: asn1::BagAttributes,
    kind: BagKind,
}

enum BagKind {
    /// A plain keyBag: PrivateKeyInfo DER.
    Key(Zeroizing<Vec<u8>>),
    /// A pkcs8ShroudedKeyBag.
    Shrouded(Sealed),
    /// An X.509 certBag: certificate DER.
    Cert(Vec<u8>),
    /// A safeContentsBag.
    Nested(Vec<Bag>),
}

/// Ciphertext with what opens it.
struct Sealed {
    lock: Lock,
    protection: Protection,
    ciphertext: Vec<u8>,
}

enum Lock {
    /// PBES2 with PBKDF2 and a CBC cipher: the key is the answer to `requests[index]`, or,
    /// with no index (found only in [`ReadJob::finish`]), derived here.
    Pbkdf2 {
        params: pbes2::Parameters,
        request: Pbkdf2Request,
        index: Option<usize>,
    },
    /// Other PBES2 (scrypt, AES-GCM): run whole by `pkcs5`.
    Pbes2(pkcs5::EncryptionScheme),
    /// A PKCS#12 PBE cipher, keyed by the PKCS#12 KDF: by `kdfs[kdf]` (key) and
    /// `kdfs[kdf + 1]` (IV) of the [`Context`], or, with no index (found only in
    /// [`ReadJob::finish`]), derived there.
    Legacy {
        cipher: LegacyCipher,
        salt: Vec<u8>,
        iterations: u32,
        kdf: Option<usize>,
    },
}

/// How a bag was protected, for [`Pkcs12Contents`].
#[derive(Clone)]
struct Protection {
    name: String,
    iterations: u32,
}

impl Protection {
    fn none() -> Self {
        Protection {
            name: "none".into(),
            iterations: 0,
        }
    }
}

#[derive(Default)]
struct Found {
    keys: Vec<(KeyPair, asn1::BagAttributes, Protection)>,
    certs: Vec<(Vec<u8>, asn1::BagAttributes, Protection)>,
    max_iterations: u32,
}

impl Context {
    /// Checks one derivation of `iterations` (run `runs` times) against the per-derivation
    /// cap and the file's budget, and books it.
    fn spend(&mut self, iterations: u64, runs: u64) -> Result<u32> {
        if iterations == 0 {
            return Err(Error::P12Malformed("an iteration count of 0".into()));
        }
        if iterations > u64::from(MAX_ITERATIONS) {
            return Err(Error::IterationsTooHigh {
                given: iterations,
                max: MAX_ITERATIONS.into(),
            });
        }
        self.work = self.work.saturating_add(iterations * runs);
        if self.work > self.budget {
            return Err(Error::IterationsTooHigh {
                given: self.work,
                max: self.budget,
            });
        }
        // Within MAX_ITERATIONS, so it fits.
        Ok(iterations as u32)
    }

    /// Reads a PBES2 or PKCS#12 PBE algorithm, books its work, and hands out its PBKDF2
    /// request when it has one. Nothing is decrypted yet.
    fn seal(&mut self, alg: &AlgorithmIdentifierOwned, ciphertext: Vec<u8>) -> Result<Sealed> {
        if alg.oid == asn1::PBES2 {
            let scheme = pkcs5::EncryptionScheme::try_from(alg.to_der()?.as_slice())
                .map_err(|e| Error::P12Unsupported(format!("PBES2 parameters: {e}")))?;
            let params = scheme
                .pbes2()
                .ok_or_else(|| Error::P12Unsupported("PBES2 parameters".into()))?
                .clone();
            let (prf, iterations) = match params.kdf.pbkdf2() {
                Some(p) => (prf_name(p.prf), p.iteration_count),
                // scrypt: `decrypt_scheme` checks its cost; book it at the cap.
                None => ("scrypt", MAX_ITERATIONS),
            };
            let iterations = self.spend(iterations.into(), 1)?;
            let name = format!("PBES2 ({prf}, {})", cipher_name(&params.encryption));
            let lock = match crate::pkcs8::hook_request(&params) {
                Some(request) => Lock::Pbkdf2 {
                    params,
                    index: self.request_index(&request),
                    request,
                },
                None => Lock::Pbes2(scheme),
            };
            return Ok(Sealed {
                lock,
                protection: Protection { name, iterations },
                ciphertext,
            });
        }
        let Some(cipher) = LegacyCipher::from_oid(&alg.oid) else {
            return Err(Error::P12Unsupported(format!(
                "encryption {}",
                oid_name(&alg.oid)
            )));
        };
        let params = alg
            .parameters
            .as_ref()
            .ok_or_else(|| Error::P12Malformed(format!("{} without parameters", cipher.name())))?;
        let params = asn1::PbeParams::from_der(&params.to_der()?)
            .map_err(|e| malformed("PBE parameters", e))?;
        // Key and IV are two derivations.
        let iterations = self.spend(params.iterations, 2)?;
        let salt = params.salt.as_bytes().to_vec();
        let kdf = (!self.frozen).then(|| {
            self.kdfs
                .extend(cipher.derivations(&self.bmp, &salt, iterations));
            self.kdfs.len() - 2
        });
        Ok(Sealed {
            lock: Lock::Legacy {
                cipher,
                salt,
                iterations,
                kdf,
            },
            protection: Protection {
                name: cipher.name().into(),
                iterations,
            },
            ciphertext,
        })
    }

    /// The index of `request` among the requests, adding it unless [`Context::frozen`]. Equal
    /// requests (a writer reusing a salt) share one derivation.
    fn request_index(&mut self, request: &Pbkdf2Request) -> Option<usize> {
        if let Some(i) = self.requests.iter().position(|r| r == request) {
            return Some(i);
        }
        if self.frozen {
            return None;
        }
        self.requests.push(request.clone());
        Some(self.requests.len() - 1)
    }

    /// Decrypts `sealed` with the answered keys or the password. A padding failure is
    /// [`Error::P12WrongPassword`]; behind a verified MAC that can only mean the file was
    /// encrypted under another password than its MAC (or a derived key was wrong).
    fn open(&self, sealed: &Sealed, keys: &[&[u8]]) -> Result<Zeroizing<Vec<u8>>> {
        let ct = &sealed.ciphertext;
        let p12_error = |e| match e {
            Error::Pkcs8UnsupportedEncryption(m) => Error::P12Unsupported(m),
            other => other,
        };
        match &sealed.lock {
            Lock::Pbkdf2 {
                params,
                request,
                index,
            } => {
                let derived;
                let key = match index.and_then(|i| keys.get(i)) {
                    Some(key) => *key,
                    None => {
                        derived = request.derive(&self.password);
                        &derived[..]
                    }
                };
                crate::pkcs8::pbes2_decrypt_with_key(params, key, ct).map_err(p12_error)
            }
            Lock::Pbes2(scheme) => {
                crate::pkcs8::decrypt_scheme(scheme, &self.password, ct).map_err(p12_error)
            }
            Lock::Legacy {
                cipher,
                salt,
                iterations,
                kdf,
            } => {
                let derived = kdf.and_then(|i| {
                    let key = self.kdfs.get(i)?.output()?;
                    Some((key, self.kdfs.get(i + 1)?.output()?))
                });
                match derived {
                    Some((key, iv)) => cipher.decrypt_with(key, iv, ct),
                    None => cipher.decrypt(&self.bmp, salt, *iterations, ct),
                }
            }
        }
    }

    /// Parses the bags of one SafeContents (plaintext DER or BER), booking and sealing the
    /// shrouded keys it holds.
    fn parse_safe_contents(
        &mut self,
        bytes: &[u8],
        protection: &Protection,
        depth: usize,
    ) -> Result<Vec<Bag>> {
        if depth > MAX_BAG_DEPTH {
            return Err(Error::P12Malformed(
                "safeContentsBags nested too deeply".into(),
            ));
        }
        // Garbage that passed the padding check of a MAC-less file fails here: that is a
        // wrong password too.
        let garbled = self.garbled(protection);
        let der = Zeroizing::new(ber::to_der(bytes).map_err(garbled)?);
        let mut bags = Vec::new();
        for bag in sequence_elements(&der, "SafeContents").map_err(garbled)? {
            let bag = Zeroizing::new(bag);
            let bag = SafeBag::from_der(&bag).map_err(|e| garbled(malformed("SafeBag", e)))?;
            let attrs = asn1::attributes(bag.bag_attributes.as_ref()).map_err(garbled)?;
            let value = Zeroizing::new(bag.bag_value.to_der().map_err(|e| garbled(e.into()))?);
            let kind = match bag.bag_id {
                asn1::KEY_BAG => BagKind::Key(value),
                asn1::SHROUDED_KEY_BAG => {
                    let info = asn1::EncryptedPrivateKeyInfo::from_der(&value)
                        .map_err(|e| garbled(malformed("EncryptedPrivateKeyInfo", e)))?;
                    BagKind::Shrouded(
                        self.seal(&info.algorithm, info.encrypted_data.as_bytes().to_vec())?,
                    )
                }
                asn1::CERT_BAG => {
                    let cert =
                        CertBag::from_der(&value).map_err(|e| garbled(malformed("CertBag", e)))?;
                    // SDSI certificates (the other type RFC 7292 names) are never used.
                    if cert.cert_id != asn1::X509_CERTIFICATE {
                        continue;
                    }
                    BagKind::Cert(cert.cert_value.into_bytes().into_vec())
                }
                asn1::SAFE_CONTENTS_BAG => {
                    BagKind::Nested(self.parse_safe_contents(&value, protection, depth + 1)?)
                }
                // CRLs and secrets are not kunci's business.
                _ => continue,
            };
            bags.push(Bag { attrs, kind });
        }
        Ok(bags)
    }

    /// Collects the keys and certificates of parsed bags, decrypting shrouded keys.
    fn visit(
        &self,
        bags: &[Bag],
        protection: &Protection,
        keys: &[&[u8]],
        found: &mut Found,
    ) -> Result<()> {
        found.max_iterations = found.max_iterations.max(protection.iterations);
        let garbled = self.garbled(protection);
        for bag in bags {
            match &bag.kind {
                BagKind::Key(der) => {
                    let key = KeyPair::from_pkcs8_der(der).map_err(garbled)?;
                    found
                        .keys
                        .push((key, bag.attrs.clone(), protection.clone()));
                }
                BagKind::Shrouded(sealed) => {
                    let plain = self.open(sealed, keys)?;
                    found.max_iterations = found.max_iterations.max(sealed.protection.iterations);
                    let key = KeyPair::from_pkcs8_der(&plain).map_err(|e| {
                        // A wrong password slips past CBC padding about once in 256 tries.
                        if self.verified {
                            e
                        } else {
                            Error::P12WrongPassword
                        }
                    })?;
                    found
                        .keys
                        .push((key, bag.attrs.clone(), sealed.protection.clone()));
                }
                BagKind::Cert(der) => {
                    found
                        .certs
                        .push((der.clone(), bag.attrs.clone(), protection.clone()))
                }
                BagKind::Nested(inner) => self.visit(inner, protection, keys, found)?,
            }
        }
        Ok(())
    }

    /// Maps errors from content decrypted without a verified MAC to a wrong password.
    fn garbled(&self, protection: &Protection) -> impl Fn(Error) -> Error + Copy + use<> {
        let unverified = !self.verified && protection.iterations > 0;
        move |e| {
            if unverified {
                Error::P12WrongPassword
            } else {
                e
            }
        }
    }
}

impl Found {
    fn into_contents(mut self, mac_algorithm: String, iterations: u32) -> Pkcs12Contents {
        let key = if self.keys.is_empty() {
            None
        } else {
            Some(self.keys.remove(0))
        };
        let cert_index = key.as_ref().and_then(|(k, attrs, _)| {
            self.certs
                .iter()
                .position(|(der, _, _)| write::cert_matches_key(k, der).unwrap_or(false))
                .or_else(|| {
                    let id = attrs.local_key_id.as_ref()?;
                    self.certs
                        .iter()
                        .position(|(_, a, _)| a.local_key_id.as_ref() == Some(id))
                })
        });
        let cert_index = cert_index.or(if self.certs.is_empty() { None } else { Some(0) });
        let cert = cert_index.map(|i| self.certs.remove(i));

        let mut cert_encryption: Vec<String> = Vec::new();
        for (_, _, p) in cert.iter().chain(self.certs.iter()) {
            if !cert_encryption.contains(&p.name) {
                cert_encryption.push(p.name.clone());
            }
        }
        let cert_attrs = cert.as_ref().map(|(_, a, _)| a);
        let key_attrs = key.as_ref().map(|(_, a, _)| a);
        let friendly_name = key_attrs
            .and_then(|a| a.friendly_name.clone())
            .or_else(|| cert_attrs.and_then(|a| a.friendly_name.clone()));
        let local_key_id = key_attrs
            .and_then(|a| a.local_key_id.clone())
            .or_else(|| cert_attrs.and_then(|a| a.local_key_id.clone()));
        let key_encryption = key
            .as_ref()
            .map_or_else(|| "none".to_owned(), |(_, _, p)| p.name.clone());
        Pkcs12Contents {
            key: key.map(|(k, _, _)| k),
            certificate: cert.map(|(c, _, _)| c),
            chain: self.certs.into_iter().map(|(c, _, _)| c).collect(),
            friendly_name,
            local_key_id,
            mac_algorithm,
            key_encryption,
            cert_encryption: if cert_encryption.is_empty() {
                "none".to_owned()
            } else {
                cert_encryption.join(", ")
            },
            iterations,
        }
    }
}

/// The OCTET STRING carried by a `data` ContentInfo.
fn data_octets(info: &ContentInfo, what: &str) -> Result<Vec<u8>> {
    match info.content_type {
        asn1::DATA => {}
        asn1::SIGNED_DATA => {
            return Err(Error::P12Unsupported(
                "public-key integrity mode (signedData): only password-protected files are read"
                    .into(),
            ));
        }
        other => {
            return Err(Error::P12Unsupported(format!(
                "{what} of type {}",
                oid_name(&other)
            )));
        }
    }
    match &info.content {
        Some(any) if any.tag() == Tag::OctetString => Ok(any.value().to_vec()),
        _ => Err(Error::P12Malformed(format!(
            "{what} is not an OCTET STRING"
        ))),
    }
}

/// The elements of a DER SEQUENCE OF.
fn sequence_elements(der: &[u8], what: &str) -> Result<Vec<Vec<u8>>> {
    let any = Any::from_der(der).map_err(|e| malformed(what, e))?;
    if any.tag() != Tag::Sequence {
        return Err(Error::P12Malformed(format!("{what} is not a SEQUENCE")));
    }
    asn1::elements(any.value())
}

fn prf_name(prf: pbes2::Pbkdf2Prf) -> &'static str {
    match prf {
        pbes2::Pbkdf2Prf::HmacWithSha1 => "PBKDF2-HMAC-SHA1",
        pbes2::Pbkdf2Prf::HmacWithSha224 => "PBKDF2-HMAC-SHA224",
        pbes2::Pbkdf2Prf::HmacWithSha256 => "PBKDF2-HMAC-SHA256",
        pbes2::Pbkdf2Prf::HmacWithSha384 => "PBKDF2-HMAC-SHA384",
        pbes2::Pbkdf2Prf::HmacWithSha512 => "PBKDF2-HMAC-SHA512",
        _ => "PBKDF2",
    }
}

fn cipher_name(es: &pbes2::EncryptionScheme) -> &'static str {
    match es {
        pbes2::EncryptionScheme::Aes128Cbc { .. } => "AES-128-CBC",
        pbes2::EncryptionScheme::Aes192Cbc { .. } => "AES-192-CBC",
        pbes2::EncryptionScheme::Aes256Cbc { .. } => "AES-256-CBC",
        pbes2::EncryptionScheme::Aes128Gcm { .. } => "AES-128-GCM",
        pbes2::EncryptionScheme::Aes256Gcm { .. } => "AES-256-GCM",
        pbes2::EncryptionScheme::DesEde3Cbc { .. } => "DES-EDE3-CBC",
        _ => "another cipher",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_is_capped_per_derivation_and_per_file() {
        let mut cx = Context {
            password: Zeroizing::new(b"pw".to_vec()),
            bmp: p12kdf::bmp_password(b"pw"),
            work: 0,
            budget: READ_WORK_BUDGET,
            verified: false,
            requests: Vec::new(),
            kdfs: Vec::new(),
            frozen: false,
        };
        assert_eq!(cx.spend(0, 1).unwrap_err().code(), "p12.malformed");
        let over = u64::from(MAX_ITERATIONS) + 1;
        assert_eq!(
            cx.spend(over, 1).unwrap_err(),
            Error::IterationsTooHigh {
                given: over,
                max: MAX_ITERATIONS.into()
            }
        );
        // A legacy file at the cap: MAC once, certificates and key twice each (key and IV).
        let cap = u64::from(MAX_ITERATIONS);
        assert_eq!(cx.spend(cap, 1).unwrap(), MAX_ITERATIONS);
        assert!(cx.spend(cap, 2).is_ok() && cx.spend(cap, 2).is_ok());
        // Crafted extra bags run out of budget.
        assert!(cx.spend(cap, 2).is_ok());
        let err = cx.spend(cap, 2).unwrap_err();
        assert_eq!(
            err,
            Error::IterationsTooHigh {
                given: 9 * cap,
                max: READ_WORK_BUDGET
            }
        );
    }

    /// PBES2 with PBKDF2-HMAC-SHA256 at `iterations` and AES-256-CBC under `password`.
    fn pbes2_seal(
        password: &[u8],
        iterations: u32,
        seed: u8,
        plain: &[u8],
    ) -> (AlgorithmIdentifierOwned, Vec<u8>) {
        let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
            iterations,
            &[seed; 16],
            [seed; 16],
        )
        .unwrap();
        let key = crate::pkcs8::hook_request(&params)
            .unwrap()
            .derive(password);
        let ct = crate::pkcs8::pbes2_encrypt_with_key(&params, &key, plain).unwrap();
        let scheme = pkcs5::EncryptionScheme::from(params);
        (
            AlgorithmIdentifierOwned::from_der(&scheme.to_der().unwrap()).unwrap(),
            ct,
        )
    }

    /// A file whose shrouded key bag sits inside an EncryptedData, both PBES2: the inner
    /// derivation only shows up in `finish`, which runs it in Rust.
    #[test]
    fn a_pbes2_key_nested_in_encrypted_content_is_derived_at_finish() {
        use der::asn1::OctetString;
        let pw = b"sandi bersarang";
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = KeyPair::generate(crate::KeyAlgorithm::P256, &mut rng).unwrap();
        let (key_alg, key_ct) = pbes2_seal(pw, 1000, 1, &key.to_pkcs8_der().unwrap());
        let bag = SafeBag {
            bag_id: asn1::SHROUDED_KEY_BAG,
            bag_value: write::any_of(&asn1::EncryptedPrivateKeyInfo {
                algorithm: key_alg,
                encrypted_data: OctetString::new(key_ct).unwrap(),
            })
            .unwrap(),
            bag_attributes: None,
        };
        let inner = write::sequence_of(vec![bag.to_der().unwrap()]).unwrap();
        let (outer_alg, outer_ct) = pbes2_seal(pw, 2000, 2, &inner);
        let info = ContentInfo {
            content_type: asn1::ENCRYPTED_DATA,
            content: Some(
                write::any_of(&EncryptedData {
                    version: 0,
                    encrypted_content_info: asn1::EncryptedContentInfo {
                        content_type: asn1::DATA,
                        algorithm: outer_alg,
                        encrypted_content: Some(asn1::implicit_octets_any(&outer_ct).unwrap()),
                    },
                })
                .unwrap(),
            ),
        };
        let auth_safe = write::sequence_of(vec![info.to_der().unwrap()]).unwrap();
        let mac_key = MacHash::Sha256.key(&p12kdf::bmp_password(pw), b"mac salt", 1000);
        let pfx = Pfx {
            version: 3,
            auth_safe: ContentInfo {
                content_type: asn1::DATA,
                content: Some(Any::new(Tag::OctetString, auth_safe.clone()).unwrap()),
            },
            mac_data: Some(asn1::MacData {
                mac: asn1::DigestInfo {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: asn1::SHA256,
                        parameters: Some(Any::null()),
                    },
                    digest: OctetString::new(MacHash::Sha256.mac(&mac_key, &auth_safe)).unwrap(),
                },
                mac_salt: OctetString::new(b"mac salt".to_vec()).unwrap(),
                iterations: 1000,
            }),
        }
        .to_der()
        .unwrap();

        let job = prepare_read(&pfx, pw).unwrap();
        assert_eq!(job.derivations().len(), 1, "only the outer one is in sight");
        assert_eq!(job.derivations()[0].iterations, 2000);
        let contents = job.finish(&kdf::derive_all(job.derivations(), pw)).unwrap();
        let found = contents.key.as_ref().unwrap();
        assert_eq!(found.public_key_der(), key.public_key_der());
        assert_eq!(
            contents.key_encryption,
            "PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC)"
        );
        assert_eq!(
            read(&pfx, pw).unwrap().key.unwrap().public_key_der(),
            key.public_key_der()
        );
    }

    #[test]
    fn signed_and_enveloped_files_are_unsupported_with_a_reason() {
        let signed = ContentInfo {
            content_type: asn1::SIGNED_DATA,
            content: None,
        };
        let err = data_octets(&signed, "authSafe").unwrap_err();
        assert_eq!(err.code(), "p12.unsupported");
        assert!(err.to_string().contains("signedData"), "{err}");
    }
}
