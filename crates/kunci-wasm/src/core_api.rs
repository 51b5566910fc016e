//! The exports of the `core` wasm module (keys, CSRs, PKCS#8, PKCS#12 and certificates) and
//! of the lazily loaded `extra` module: what a renewal rarely needs and the core module would
//! otherwise carry at every page load (about a third of its gzipped size): RSA key generation
//! in Rust (only for hosts without WebCrypto), decrypting a PKCS#8 key and reading a PKCS#12
//! file. Items are gated on the `core` or `extra` feature; a build with both (the default,
//! used by the tests) has everything. A key crosses from the extra module to the core one as
//! unencrypted PKCS#8 DER (`Key.intoPkcs8Der` there, `Key.fromPkcs8Der` here), zeroed on both
//! sides after use, the way WebCrypto-generated keys come in.
//!
//! Private keys stay in wasm memory behind [`Key`] handles; JavaScript's `key.free()` drops
//! the handle, and the core's key types zeroize on drop. Keys leave only encrypted.
//!
//! PBKDF2-heavy operations come in "jobs" (prepare → derive → finish): the JS layer runs the
//! derivations with WebCrypto's native PBKDF2 when it can (several times faster than PBKDF2
//! compiled to wasm, and asynchronous) and hands the derived keys back; `finishInRust` does
//! everything here instead, for hosts without WebCrypto.

#[cfg(feature = "core")]
use kunci_core::csr::{self, CsrBuilder, Subject};
use kunci_core::kdf::{Pbkdf2Request, Prf};
#[cfg(feature = "core")]
use kunci_core::pkcs12::{PackOptions, Profile};
use kunci_core::{KeyAlgorithm, KeyPair, cert, pkcs8, pkcs12};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

#[cfg(feature = "core")]
use crate::from_js;
use crate::{js_error, rng, to_js};

/// A private key held in wasm memory.
#[wasm_bindgen]
pub struct Key {
    inner: KeyPair,
}

#[wasm_bindgen]
impl Key {
    /// Generates a key pair in Rust (`rsa2048`, `rsa3072`, `rsa4096`, `p256`). Without the
    /// `extra` feature only `p256`: RSA key generation (crypto-primes' sieve tables and
    /// prime tests, about 45 KiB gzipped) is a fallback for hosts without WebCrypto and lives
    /// in the extra module.
    pub fn generate(algorithm: &str) -> Result<Key, JsValue> {
        let alg: KeyAlgorithm = algorithm.parse().map_err(js_error)?;
        #[cfg(feature = "extra")]
        let inner = KeyPair::generate(alg, &mut rng()).map_err(js_error)?;
        #[cfg(not(feature = "extra"))]
        let inner = if alg == KeyAlgorithm::P256 {
            KeyPair::generate_p256(&mut rng())
        } else {
            return Err(crate::error_with_code(
                "wasm.extra_module",
                "RSA key generation in Rust is in the extra module (kunci_extra)",
            ));
        };
        Ok(Key { inner })
    }

    /// Takes in an unencrypted PKCS#8 DER (a WebCrypto-generated key on its way in). The
    /// caller zeroes its copy afterwards.
    #[wasm_bindgen(js_name = fromPkcs8Der)]
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Key, JsValue> {
        Ok(Key {
            inner: pkcs8::read_unencrypted(der).map_err(js_error)?,
        })
    }

    /// "RSA 2048", "EC P-256".
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.inner.kind().to_string()
    }

    /// Lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
    #[wasm_bindgen(getter, js_name = publicKeySha256)]
    pub fn public_key_sha256(&self) -> String {
        self.inner.public_key_sha256()
    }

    /// The public key as a DER SubjectPublicKeyInfo.
    #[wasm_bindgen(js_name = publicKeyDer)]
    pub fn public_key_der(&self) -> Vec<u8> {
        self.inner.public_key_der()
    }

    /// An RSA key as unencrypted PKCS#8 DER, only for importing it once into WebCrypto as a
    /// non-extractable signing key (index.js's `createCsr`: an RSA-4096 signature in wasm
    /// would hold a page's main thread for about 50 ms). The wasm copy is zeroed here; the
    /// caller zeroes the returned bytes after the import. A P-256 key is refused
    /// (`key.unsupported`): it signs in wasm in a few milliseconds and never leaves.
    #[cfg(feature = "core")]
    #[wasm_bindgen(js_name = rsaPkcs8DerForWebCrypto)]
    pub fn rsa_pkcs8_der_for_webcrypto(&self) -> Result<js_sys::Uint8Array, JsValue> {
        if !matches!(self.inner.kind(), kunci_core::key::KeyKind::Rsa { .. }) {
            return Err(js_error(kunci_core::Error::UnsupportedKey(
                "only RSA keys sign through WebCrypto".into(),
            )));
        }
        let der = pkcs8::write_unencrypted(&self.inner).map_err(js_error)?;
        Ok(js_sys::Uint8Array::from(der.as_slice()))
    }

    /// Signs `data` as CSRs are signed (SHA-256 inside; RSA PKCS#1 v1.5, or ECDSA P-256 as
    /// DER): for the PDF module's signed attributes (js/pdf.js), so that a file key signs a PDF
    /// without leaving this module's memory.
    #[cfg(feature = "core")]
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, JsValue> {
        kunci_core::Signer::sign(&self.inner, data).map_err(js_error)
    }

    /// Consumes the handle and gives the key as unencrypted PKCS#8 DER, for the core module's
    /// `fromPkcs8Der` (a key read or generated in the extra module on its way to the core
    /// one). The wasm copy is zeroed here; the caller zeroes the returned bytes after use.
    #[cfg(feature = "extra")]
    #[wasm_bindgen(js_name = intoPkcs8Der)]
    pub fn into_pkcs8_der(self) -> Result<js_sys::Uint8Array, JsValue> {
        let der = pkcs8::write_unencrypted(&self.inner).map_err(js_error)?;
        Ok(js_sys::Uint8Array::from(der.as_slice()))
    }
}

/// Encrypting a key as PKCS#8: one PBKDF2 derivation.
#[cfg(feature = "core")]
#[wasm_bindgen]
pub struct EncryptJob {
    inner: pkcs8::EncryptJob,
}

#[cfg(feature = "core")]
#[wasm_bindgen]
impl EncryptJob {
    /// Starts encrypting `key`; refuses bad iteration counts and empty passwords at once.
    pub fn prepare(key: &Key, password: &str, iterations: u32) -> Result<EncryptJob, JsValue> {
        let inner = pkcs8::prepare_encrypt(&key.inner, password.as_bytes(), iterations, &mut rng())
            .map_err(js_error)?;
        Ok(EncryptJob { inner })
    }

    /// The derivation to run: `{salt, iterations, hash, keyLength}`.
    pub fn derivation(&self) -> Result<JsValue, JsValue> {
        request_to_js(self.inner.derivation())
    }

    /// Finishes with the derived key; returns `ENCRYPTED PRIVATE KEY` PEM.
    pub fn finish(self, derived: &[u8]) -> Result<String, JsValue> {
        let der = self.inner.finish(derived).map_err(js_error)?;
        Ok(kunci_core::pem::encode(pkcs8::PEM_LABEL, &der))
    }

    /// Derives in Rust and finishes.
    #[wasm_bindgen(js_name = finishInRust)]
    pub fn finish_in_rust(self, password: &str) -> Result<String, JsValue> {
        let derived = self.inner.derivation().derive(password.as_bytes());
        self.finish(&derived)
    }
}

/// Decrypting an encrypted PKCS#8 key (in the extra module: it shares most of its code,
/// PKCS#5 parameters, scrypt and the legacy ciphers, with reading PKCS#12).
#[cfg(feature = "extra")]
#[wasm_bindgen]
pub struct DecryptJob {
    inner: pkcs8::DecryptJob,
}

#[cfg(feature = "extra")]
#[wasm_bindgen]
impl DecryptJob {
    /// Parses the encrypted key (PEM or DER) and checks its cost.
    pub fn prepare(input: &[u8]) -> Result<DecryptJob, JsValue> {
        Ok(DecryptJob {
            inner: pkcs8::prepare_decrypt(input).map_err(js_error)?,
        })
    }

    /// The PBKDF2 derivation to run, or `undefined` when only Rust can do it (scrypt).
    pub fn derivation(&self) -> Result<JsValue, JsValue> {
        self.inner
            .derivation()
            .map_or(Ok(JsValue::UNDEFINED), request_to_js)
    }

    /// Finishes with the derived key.
    pub fn finish(self, derived: &[u8]) -> Result<Key, JsValue> {
        Ok(Key {
            inner: self.inner.finish(derived).map_err(js_error)?,
        })
    }

    /// For a scrypt file (`derivation()` is `undefined`): the scrypt derivation as a task
    /// that runs in slices (`step`, `output`), whose output goes to `finish`. `undefined`
    /// for any other file. Errors as `ScryptRequest::start` gives them.
    #[wasm_bindgen(js_name = scryptTask)]
    pub fn scrypt_task(&self, password: &str) -> Result<Option<ScryptTask>, JsValue> {
        let Some(request) = self.inner.scrypt() else {
            return Ok(None);
        };
        Ok(Some(ScryptTask {
            inner: request.start(password.as_bytes()).map_err(js_error)?,
        }))
    }

    /// Derives in Rust and finishes.
    #[wasm_bindgen(js_name = finishInRust)]
    pub fn finish_in_rust(self, password: &str) -> Result<Key, JsValue> {
        Ok(Key {
            inner: self
                .inner
                .finish_with_password(password.as_bytes())
                .map_err(js_error)?,
        })
    }
}

/// A scrypt derivation run in slices (`DecryptJob.scryptTask`): about a quarter of a second
/// of wasm for OpenSSL's N = 16384, r = 8, which must not run as one task on a page's main
/// thread. Like `Pbkdf2Task`, driven by chunk.js's `runSliced`.
#[cfg(feature = "extra")]
#[wasm_bindgen]
pub struct ScryptTask {
    inner: kunci_core::scrypt::ScryptTask,
}

#[cfg(feature = "extra")]
#[wasm_bindgen]
impl ScryptTask {
    /// Runs at most `max_blockmix` BlockMix calls; true once the key is derived.
    pub fn step(&mut self, max_blockmix: u32) -> bool {
        self.inner.step(max_blockmix)
    }

    /// The derived key once `step` said it is done, else `undefined`. The caller zeroes it
    /// after `finish`.
    pub fn output(&self) -> Option<Vec<u8>> {
        self.inner.output().map(<[u8]>::to_vec)
    }
}

/// Packing a PKCS#12 file.
#[cfg(feature = "core")]
#[wasm_bindgen]
pub struct PackJob {
    inner: pkcs12::PackJob,
}

#[cfg(feature = "core")]
#[wasm_bindgen]
impl PackJob {
    /// Starts packing. `chain` is an array of DER certificates; `options` is
    /// `{legacy?, iterations?, friendlyName?}`.
    pub fn prepare(
        key: &Key,
        cert: &[u8],
        chain: Vec<js_sys::Uint8Array>,
        password: &str,
        legacy: bool,
        iterations: Option<u32>,
        friendly_name: Option<String>,
    ) -> Result<PackJob, JsValue> {
        let cert_der = cert::read_all_der(cert)
            .map_err(js_error)?
            .into_iter()
            .next()
            .unwrap_or_default();
        let chain: Vec<Vec<u8>> = chain.iter().map(js_sys::Uint8Array::to_vec).collect();
        let options = PackOptions {
            profile: if legacy {
                Profile::Legacy
            } else {
                Profile::Modern
            },
            iterations: iterations.unwrap_or(pkcs8::DEFAULT_ITERATIONS),
            friendly_name,
        };
        let inner = pkcs12::prepare_pack(
            &key.inner,
            &cert_der,
            &chain,
            password.as_bytes(),
            &options,
            &mut rng(),
        )
        .map_err(js_error)?;
        Ok(PackJob { inner })
    }

    /// The derivations to run (empty for the legacy profile).
    pub fn derivations(&self) -> Result<js_sys::Array, JsValue> {
        self.inner.derivations().iter().map(request_to_js).collect()
    }

    /// Runs at most `max_iterations` hash iterations of the PKCS#12 KDF work (MAC key,
    /// legacy cipher keys); true once it is all done. The JS layer calls it in slices of a
    /// few milliseconds, yielding between them, while WebCrypto derives; `finish` runs
    /// whatever is left.
    pub fn step(&mut self, max_iterations: u32) -> bool {
        self.inner.step(max_iterations)
    }

    /// Finishes with the derived keys, in the order of `derivations()`; returns the PFX DER.
    pub fn finish(self, derived: Vec<js_sys::Uint8Array>) -> Result<Vec<u8>, JsValue> {
        let derived: Vec<Zeroizing<Vec<u8>>> =
            derived.iter().map(|d| Zeroizing::new(d.to_vec())).collect();
        self.inner.finish(&derived).map_err(js_error)
    }

    /// Derives in Rust and finishes (`password` as given to `prepare`).
    #[wasm_bindgen(js_name = finishInRust)]
    pub fn finish_in_rust(self, password: &str) -> Result<Vec<u8>, JsValue> {
        let derived = derive_all(self.inner.derivations(), password);
        self.inner.finish(&derived).map_err(js_error)
    }
}

/// Reading a PKCS#12 file (the MAC, hence the password, is checked at `prepare`).
#[cfg(feature = "extra")]
#[wasm_bindgen]
pub struct ReadJob {
    inner: pkcs12::ReadJob,
}

/// Reading a PKCS#12 file in slices: `begin` parses it, `step` derives the MAC key a slice
/// at a time, `verify` checks the MAC (the password) and gives the `ReadJob`.
#[cfg(feature = "extra")]
#[wasm_bindgen]
pub struct ReadStart {
    inner: pkcs12::ReadStart,
}

#[cfg(feature = "extra")]
#[wasm_bindgen]
impl ReadStart {
    /// Parses the file down to its MAC; no key derivation yet.
    pub fn begin(input: &[u8], password: &str) -> Result<ReadStart, JsValue> {
        Ok(ReadStart {
            inner: pkcs12::start_read(input, password.as_bytes()).map_err(js_error)?,
        })
    }

    /// Runs at most `max_iterations` hash iterations of the MAC key's derivation; true
    /// once it is done.
    pub fn step(&mut self, max_iterations: u32) -> bool {
        self.inner.step(max_iterations)
    }

    /// Verifies the MAC (runs what `step` left) and parses the rest.
    pub fn verify(self) -> Result<ReadJob, JsValue> {
        Ok(ReadJob {
            inner: self.inner.verify().map_err(js_error)?,
        })
    }
}

/// What a PKCS#12 file held: the key (if any) as a handle, the rest as a report.
#[cfg(feature = "extra")]
#[wasm_bindgen]
pub struct ReadResult {
    key: Option<KeyPair>,
    report: JsValue,
}

#[cfg(feature = "extra")]
#[wasm_bindgen]
impl ReadResult {
    /// Takes the key out (once); `undefined` when the file had none.
    #[wasm_bindgen(js_name = takeKey)]
    pub fn take_key(&mut self) -> Option<Key> {
        self.key.take().map(|inner| Key { inner })
    }

    /// `{certificate, chain, friendly_name, mac_algorithm, key_encryption, cert_encryption, iterations}`.
    #[wasm_bindgen(getter)]
    pub fn report(&self) -> JsValue {
        self.report.clone()
    }
}

#[cfg(feature = "extra")]
#[wasm_bindgen]
impl ReadJob {
    /// Parses the file and verifies its MAC with `password`.
    pub fn prepare(input: &[u8], password: &str) -> Result<ReadJob, JsValue> {
        Ok(ReadJob {
            inner: pkcs12::prepare_read(input, password.as_bytes()).map_err(js_error)?,
        })
    }

    /// The derivations to run for PBES2-encrypted contents.
    pub fn derivations(&self) -> Result<js_sys::Array, JsValue> {
        self.inner.derivations().iter().map(request_to_js).collect()
    }

    /// Runs at most `max_iterations` hash iterations of a legacy file's cipher key
    /// derivations; true once they are done (at once for PBES2 files).
    pub fn step(&mut self, max_iterations: u32) -> bool {
        self.inner.step(max_iterations)
    }

    /// Finishes with the derived keys, in the order of `derivations()`.
    pub fn finish(self, derived: Vec<js_sys::Uint8Array>) -> Result<ReadResult, JsValue> {
        let derived: Vec<Zeroizing<Vec<u8>>> =
            derived.iter().map(|d| Zeroizing::new(d.to_vec())).collect();
        read_result(self.inner.finish(&derived).map_err(js_error)?)
    }

    /// Derives in Rust and finishes (`password` as given to `prepare`).
    #[wasm_bindgen(js_name = finishInRust)]
    pub fn finish_in_rust(self, password: &str) -> Result<ReadResult, JsValue> {
        let derived = derive_all(self.inner.derivations(), password);
        read_result(self.inner.finish(&derived).map_err(js_error)?)
    }
}

#[cfg(feature = "extra")]
fn read_result(contents: pkcs12::Pkcs12Contents) -> Result<ReadResult, JsValue> {
    let parse = |der: &Vec<u8>| cert::parse(der).map_err(js_error);
    let report = P12Report {
        certificate: contents.certificate.as_ref().map(parse).transpose()?,
        chain: contents.chain.iter().map(parse).collect::<Result<_, _>>()?,
        friendly_name: contents.friendly_name.clone(),
        mac_algorithm: contents.mac_algorithm.clone(),
        key_encryption: contents.key_encryption.clone(),
        cert_encryption: contents.cert_encryption.clone(),
        iterations: contents.iterations,
    };
    Ok(ReadResult {
        report: to_js(&report)?,
        key: contents.key,
    })
}

#[cfg(feature = "extra")]
#[derive(serde::Serialize)]
struct P12Report {
    certificate: Option<cert::CertificateInfo>,
    chain: Vec<cert::CertificateInfo>,
    friendly_name: Option<String>,
    mac_algorithm: String,
    key_encryption: String,
    cert_encryption: String,
    iterations: u32,
}

/// Makes a CSR signed by `key`. `subject` is a DN string or a `Subject` object (snake_case
/// keys); returns `{pem, der}`. For Rust callers (the wasm-bindgen tests): the module does not
/// export it, since js/index.js makes every CSR as `CsrToSign` + `Key.sign` (or WebCrypto),
/// which keeps the module from growing by the export `Key.sign` needed for PDF signatures.
#[cfg(feature = "core")]
pub fn create_csr(
    key: &Key,
    subject: JsValue,
    email: Option<String>,
    token: Option<String>,
) -> Result<JsValue, JsValue> {
    let csr = csr_builder(subject, email, token)?
        .sign(&key.inner)
        .map_err(js_error)?;
    csr_to_js(&csr)
}

/// The CSR `createCsr` would write, waiting for an RSA signature made outside wasm: the JS
/// layer signs `bytes()` with WebCrypto (RSASSA-PKCS1-v1_5, SHA-256; an RSA-4096 signature
/// in wasm is about 50 ms on the main thread, WebCrypto runs it off it) and hands the
/// signature to `finish`, which checks it against `key` before returning `{pem, der}`.
#[cfg(feature = "core")]
#[wasm_bindgen]
pub struct CsrToSign {
    inner: csr::TbsCsr,
}

#[cfg(feature = "core")]
#[wasm_bindgen]
impl CsrToSign {
    /// Starts the CSR of `key` with `createCsr`'s arguments.
    pub fn prepare(
        key: &Key,
        subject: JsValue,
        email: Option<String>,
        token: Option<String>,
    ) -> Result<CsrToSign, JsValue> {
        let inner = csr_builder(subject, email, token)?
            .to_be_signed(
                &key.inner.public_key_der(),
                key.inner.kind().signature_algorithm(),
            )
            .map_err(js_error)?;
        Ok(CsrToSign { inner })
    }

    /// The bytes to sign (the DER `CertificationRequestInfo`).
    pub fn bytes(&self) -> Vec<u8> {
        self.inner.bytes().to_vec()
    }

    /// Assembles and verifies the CSR; a signature that does not verify is
    /// `csr.bad_signature`. Returns `{pem, der}` as `createCsr` does.
    pub fn finish(self, signature: &[u8]) -> Result<JsValue, JsValue> {
        csr_to_js(&self.inner.finish(signature).map_err(js_error)?)
    }
}

/// `createCsr`'s arguments as a builder; `subject` is a DN string or a `Subject` object.
#[cfg(feature = "core")]
fn csr_builder(
    subject: JsValue,
    email: Option<String>,
    token: Option<String>,
) -> Result<CsrBuilder, JsValue> {
    let subject: Subject = match subject.as_string() {
        Some(text) => text.parse().map_err(js_error)?,
        None => {
            let mut s: Subject = from_js(subject, "subject")?;
            s.validate().map_err(js_error)?;
            s
        }
    };
    Ok(CsrBuilder::new(subject)
        .email_san(email)
        .challenge_password(token))
}

/// `{pem, der}` of a CSR.
#[cfg(feature = "core")]
fn csr_to_js(csr: &csr::Csr) -> Result<JsValue, JsValue> {
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"pem".into(), &csr.to_pem().into())?;
    js_sys::Reflect::set(&out, &"der".into(), &js_sys::Uint8Array::from(csr.der()))?;
    Ok(out.into())
}

/// Shows a CSR (PEM or DER bytes): its contents, the signature's state and kunci's policy
/// verdict beside them (`csr::show`). Showing is not judging: a CSR kunci would not issue for
/// (a P-384 key, no CN) is reported, not refused; only a signature that fails is an error
/// (`csr.bad_signature`), as it is for `kunci csr show`.
#[cfg(feature = "core")]
#[wasm_bindgen(js_name = verifyCsr)]
pub fn verify_csr(input: &[u8]) -> Result<JsValue, JsValue> {
    let report = csr::show(input).map_err(js_error)?;
    if report.signature.status == csr::SignatureStatus::Invalid {
        return Err(js_error(kunci_core::Error::CsrBadSignature));
    }
    to_js(&report)
}

/// Parses a certificate (PEM or DER bytes) into its report.
#[cfg(feature = "core")]
#[wasm_bindgen(js_name = parseCertificate)]
pub fn parse_certificate(input: &[u8]) -> Result<JsValue, JsValue> {
    to_js(&cert::parse(input).map_err(js_error)?)
}

/// Every certificate of a PEM bundle (or one DER), as DER.
#[cfg(feature = "core")]
#[wasm_bindgen(js_name = certificatesDer)]
pub fn certificates_der(input: &[u8]) -> Result<Vec<js_sys::Uint8Array>, JsValue> {
    Ok(cert::read_all_der(input)
        .map_err(js_error)?
        .iter()
        .map(|d| js_sys::Uint8Array::from(d.as_slice()))
        .collect())
}

/// True when the certificate's public key is `key`'s.
#[cfg(feature = "core")]
#[wasm_bindgen(js_name = certificateMatchesKey)]
pub fn certificate_matches_key(input: &[u8], key: &Key) -> Result<bool, JsValue> {
    Ok(cert::parse(input)
        .map_err(js_error)?
        .matches_key(&key.inner))
}

fn derive_all(requests: &[Pbkdf2Request], password: &str) -> Vec<Zeroizing<Vec<u8>>> {
    requests
        .iter()
        .map(|r| r.derive(password.as_bytes()))
        .collect()
}

/// `{salt, iterations, hash, keyLength, webcrypto}`: `hash` is WebCrypto's name for it, and
/// for the one hash WebCrypto lacks (SHA-224) the name `Pbkdf2Task.start` takes, with
/// `webcrypto: false`; the JS layer then derives in Rust, in slices.
fn request_to_js(r: &Pbkdf2Request) -> Result<JsValue, JsValue> {
    let (hash, webcrypto) = match r.prf.webcrypto_hash() {
        Some(hash) => (hash, true),
        None => (prf_hash_name(r.prf), false),
    };
    let out = js_sys::Object::new();
    js_sys::Reflect::set(
        &out,
        &"salt".into(),
        &js_sys::Uint8Array::from(r.salt.as_slice()),
    )?;
    js_sys::Reflect::set(&out, &"iterations".into(), &r.iterations.into())?;
    js_sys::Reflect::set(&out, &"hash".into(), &hash.into())?;
    js_sys::Reflect::set(&out, &"keyLength".into(), &(r.key_len as u32).into())?;
    js_sys::Reflect::set(&out, &"webcrypto".into(), &webcrypto.into())?;
    Ok(out.into())
}

/// The hash of `prf` by its WebCrypto-style name (`SHA-224` included).
fn prf_hash_name(prf: Prf) -> &'static str {
    match prf {
        Prf::HmacSha1 => "SHA-1",
        Prf::HmacSha224 => "SHA-224",
        Prf::HmacSha256 => "SHA-256",
        Prf::HmacSha384 => "SHA-384",
        Prf::HmacSha512 => "SHA-512",
    }
}

/// A PBKDF2 derivation in Rust, run in slices: the JS layer's fallback where WebCrypto cannot
/// derive (no WebCrypto, or SHA-224), so that the fallback does not block a page's main
/// thread for the whole derivation (about 300 ms at 600 000 iterations). In the core module
/// only: index.js's `deriveAll` serves the extra module's jobs too.
#[cfg(feature = "core")]
#[wasm_bindgen]
pub struct Pbkdf2Task {
    inner: kunci_core::kdf::Pbkdf2Task,
}

#[cfg(feature = "core")]
#[wasm_bindgen]
impl Pbkdf2Task {
    /// Starts the derivation a job's `derivations()` asked for (`hash` as it gave it).
    pub fn start(
        salt: &[u8],
        iterations: u32,
        hash: &str,
        key_length: u32,
        password: &str,
    ) -> Result<Pbkdf2Task, JsValue> {
        let prf = [
            Prf::HmacSha1,
            Prf::HmacSha224,
            Prf::HmacSha256,
            Prf::HmacSha384,
            Prf::HmacSha512,
        ]
        .into_iter()
        .find(|p| prf_hash_name(*p) == hash);
        // The bounds of the requests jobs make: within the iteration cap, a cipher key's length.
        let (Some(prf), 1..=pkcs8::MAX_ITERATIONS, 1..=64) = (prf, iterations, key_length) else {
            return Err(js_error(kunci_core::Error::KdfResult(
                "not a derivation a kunci job asks for".into(),
            )));
        };
        let request = Pbkdf2Request {
            salt: salt.to_vec(),
            iterations,
            prf,
            key_len: key_length as usize,
        };
        Ok(Pbkdf2Task {
            inner: request.start(password.as_bytes()),
        })
    }

    /// Runs at most `max_iterations` iterations; true once the key is derived.
    pub fn step(&mut self, max_iterations: u32) -> bool {
        self.inner.step(max_iterations)
    }

    /// The derived key once `step` said it is done, else `undefined`.
    pub fn output(&self) -> Option<Vec<u8>> {
        self.inner.output().map(<[u8]>::to_vec)
    }
}
