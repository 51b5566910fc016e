//! Writing a PKCS#12 file: [`pack()`], or [`prepare_pack`] then [`PackJob::finish`].
//!
//! The layout is the one OpenSSL's `PKCS12_create` writes, which every reader expects: an
//! AuthenticatedSafe of two ContentInfos, first an EncryptedData holding the certificate bags
//! (leaf first, then the chain), then a Data holding the shrouded key bag; a MAC over it all.
//! Each of the three key derivations (certificates, key, MAC) runs exactly once, with its
//! own random salt; the first two are PBKDF2 and may run outside Rust (see [`crate::kdf`]).
//! The PKCS#12 KDF work (the MAC key; the legacy profile's cipher keys and IVs) depends only
//! on the password and salts, so [`PackJob::step`] can run it in slices while the PBKDF2
//! derivations run elsewhere, and [`PackJob::finish`] does whatever is left.

use der::asn1::{Any, OctetString};
use der::{Decode, Encode, Tag};
use pkcs5::pbes2;
use rand_core::CryptoRng;
use sha1::Digest;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::{
    self, CertBag, ContentInfo, DigestInfo, EncryptedContentInfo, EncryptedData, MacData, Pfx,
    SafeBag,
};
use super::kdf;
use super::pbe::{self, LegacyCipher, MacHash};
use super::{PackOptions, Profile};
use crate::kdf::{Pbkdf2Request, Prf, check_results, derive_all};
use crate::pkcs8::{check_write_iterations, hook_request, pbes2_encrypt_with_key, pbes2_params};
use crate::{Error, KeyPair, Result};

/// Salt length for the MAC and the legacy ciphers. 16 bytes, as for PBES2 in
/// [`crate::pkcs8::pbes2_params`]; RFC 7292 allows any length and every reader takes it.
const SALT_LEN: usize = 16;

/// Packs `key`, its certificate `cert_der` and the `chain_der` certificates (DER, usually
/// the issuing CA first, then up to the root) into a PKCS#12 file (DER) under `password`.
///
/// The leaf certificate's bag and the key bag carry the same localKeyId, the SHA-1 of the
/// leaf certificate's DER (as OpenSSL writes it: unique per certificate even when a renewal
/// keeps the key; NSS pairs key and certificate by it), and
/// `options.friendly_name` when given. Chain certificates carry no attributes, so readers
/// file them as CA certificates and not as a second identity.
///
/// Errors: [`Error::EmptyPassword`]; [`Error::IterationsTooLow`] / `IterationsTooHigh`;
/// [`Error::CertMalformed`] for a certificate that does not parse; [`Error::CertKeyMismatch`]
/// when `cert_der` is not `key`'s certificate.
///
/// The same as [`prepare_pack`], [`crate::kdf::Pbkdf2Request::derive`] for each of
/// [`PackJob::derivations`], and [`PackJob::finish`].
pub fn pack<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    cert_der: &[u8],
    chain_der: &[Vec<u8>],
    password: &[u8],
    options: &PackOptions,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let job = prepare_pack(key, cert_der, chain_der, password, options, rng)?;
    job.finish(&derive_all(job.derivations(), password))
}

/// Starts [`pack()`] with its PBKDF2 derivations left to the caller (see [`crate::kdf`]):
/// checks everything (the errors of [`pack()`]), builds the bags and draws every salt and IV.
///
/// The job keeps a copy of `password` (zeroized on drop): the MAC's key comes from the
/// PKCS#12 KDF, which has no WebCrypto equivalent and runs in [`PackJob::step`] or
/// [`PackJob::finish`], as do the legacy profile's ciphers' keys.
pub fn prepare_pack<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    cert_der: &[u8],
    chain_der: &[Vec<u8>],
    password: &[u8],
    options: &PackOptions,
    rng: &mut R,
) -> Result<PackJob> {
    if password.is_empty() {
        return Err(Error::EmptyPassword);
    }
    let iterations = options.iterations;
    check_write_iterations(iterations)?;
    if !cert_matches_key(key, cert_der)? {
        return Err(Error::CertKeyMismatch);
    }
    for (i, c) in chain_der.iter().enumerate() {
        x509_cert::Certificate::from_der(c)
            .map_err(|e| Error::CertMalformed(format!("chain certificate {}: {e}", i + 1)))?;
    }

    let local_key_id = sha1::Sha1::digest(cert_der);
    let name = options.friendly_name.as_deref().filter(|n| !n.is_empty());
    let attrs = asn1::encode_attributes(Some(&local_key_id), name)?;

    let mut cert_bags = vec![cert_bag(cert_der, attrs.clone())?];
    for c in chain_der {
        cert_bags.push(cert_bag(c, None)?);
    }
    let certs_plain = sequence_of(cert_bags)?;
    let key_plain = key.to_pkcs8_der()?;

    let mut requests = Vec::new();
    let ciphers = match options.profile {
        Profile::Modern => {
            let certs = pbes2_params(iterations, rng)?;
            let key = pbes2_params(iterations, rng)?;
            for params in [&certs, &key] {
                // `pbes2_params` always makes PBKDF2-HMAC-SHA256 with AES-256-CBC, which
                // the hook serves.
                requests.push(hook_request(params).ok_or_else(|| {
                    Error::P12Unsupported("internal: written scheme has no PBKDF2 hook".into())
                })?);
            }
            let mut check_salt = vec![0u8; SALT_LEN];
            rng.fill_bytes(&mut check_salt);
            requests.push(Pbkdf2Request {
                salt: check_salt,
                iterations: 1,
                prf: Prf::HmacSha256,
                key_len: 32,
            });
            Ciphers::Modern { certs, key }
        }
        Profile::Legacy => {
            let mut certs_salt = [0u8; SALT_LEN];
            let mut key_salt = [0u8; SALT_LEN];
            rng.fill_bytes(&mut certs_salt);
            rng.fill_bytes(&mut key_salt);
            Ciphers::Legacy {
                certs_salt,
                key_salt,
            }
        }
    };
    let mut mac_salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut mac_salt);
    // Every PKCS#12 KDF derivation, in the order `finish` takes their outputs: the legacy
    // ciphers' (certificates key and IV, key bag key and IV), then the MAC key.
    let bmp = kdf::bmp_password(password);
    let mut kdfs = Vec::new();
    if let Ciphers::Legacy {
        certs_salt,
        key_salt,
    } = &ciphers
    {
        for salt in [certs_salt, key_salt] {
            kdfs.extend(LegacyCipher::TripleDes3.derivations(&bmp, salt, iterations));
        }
    }
    let mac_hash = match options.profile {
        Profile::Modern => MacHash::Sha256,
        Profile::Legacy => MacHash::Sha1,
    };
    kdfs.push(mac_hash.derivation(&bmp, &mac_salt, iterations));
    Ok(PackJob {
        password: Zeroizing::new(password.to_vec()),
        iterations,
        attrs,
        certs_plain,
        key_plain,
        ciphers,
        mac_salt,
        mac_hash,
        requests,
        kdfs,
    })
}

/// A PKCS#12 file waiting for its PBES2 keys, from [`prepare_pack`]. It holds the private
/// key and the password in the clear until dropped (then zeroized); its `Debug` shows only
/// the derivations.
pub struct PackJob {
    password: Zeroizing<Vec<u8>>,
    iterations: u32,
    attrs: Option<Any>,
    certs_plain: Vec<u8>,
    key_plain: Zeroizing<Vec<u8>>,
    ciphers: Ciphers,
    mac_salt: [u8; SALT_LEN],
    mac_hash: MacHash,
    requests: Vec<Pbkdf2Request>,
    /// The PKCS#12 KDF derivations, see [`PackJob::step`].
    kdfs: Vec<kdf::Derivation>,
}

/// Salts and IVs drawn by [`prepare_pack`], per profile.
enum Ciphers {
    Modern {
        certs: pbes2::Parameters,
        key: pbes2::Parameters,
    },
    Legacy {
        certs_salt: [u8; SALT_LEN],
        key_salt: [u8; SALT_LEN],
    },
}

impl PackJob {
    /// The PBKDF2 derivations to run, answered in this order in [`PackJob::finish`].
    ///
    /// [`Profile::Modern`]: three, all PBKDF2-HMAC-SHA256 with 32-byte results and their own
    /// salts: `[0]` the certificates' AES-256 key and `[1]` the key bag's (at
    /// `options.iterations`), and `[2]` a one-iteration check that `finish` recomputes from
    /// the password it holds. [`Profile::Legacy`]: none (its ciphers use the PKCS#12 KDF).
    pub fn derivations(&self) -> &[Pbkdf2Request] {
        &self.requests
    }

    /// Runs at most `max_iterations` hash iterations of the PKCS#12 KDF work this file
    /// needs (the MAC key; for [`Profile::Legacy`] also the ciphers' keys and IVs, seven
    /// times `options.iterations` in all: a 3DES key is two SHA-1 blocks) and returns true
    /// once all of it is done.
    ///
    /// Optional: [`PackJob::finish`] runs what is left. It exists so that a caller on a UI
    /// thread can run the work in slices of a few milliseconds and give the event loop a
    /// turn between them (the MAC key alone is about 180 ms of wasm at 600 000 iterations),
    /// and run it while the PBKDF2 derivations are in flight elsewhere: it needs nothing from
    /// them. Zero iterations does nothing.
    pub fn step(&mut self, max_iterations: u32) -> bool {
        kdf::step_all(&mut self.kdfs, max_iterations)
    }

    /// The hash iterations [`PackJob::step`] still has to run.
    pub fn remaining_iterations(&self) -> u64 {
        self.kdfs.iter().map(kdf::Derivation::remaining).sum()
    }

    /// Encrypts with `derived` (one key per [`PackJob::derivations`], in order), computes
    /// the MAC and returns the file (DER). Calling it twice gives the same file.
    ///
    /// What is checked, each an [`Error::KdfResult`]: the count and length of the keys;
    /// that the check derivation matches the password given to [`prepare_pack`] (so keys
    /// derived from other bytes, such as a differently normalised or encoded password, or
    /// with the salt or PRF mishandled, are refused: the MAC would verify but the bags would
    /// not decrypt); and that the two bag keys differ (their salts do). Not checkable
    /// without redoing the work: a full-length derivation run with the wrong iteration count
    /// or salt while the check derivation was run right.
    pub fn finish<K: AsRef<[u8]>>(&self, derived: &[K]) -> Result<Vec<u8>> {
        check_results(&self.requests, derived)?;
        // Cipher keys and IVs (legacy only), then the MAC key, as `prepare_pack` listed them.
        let mut p12_keys = kdf::outputs(&self.kdfs);
        let mac_key = p12_keys.pop().unwrap_or_default();
        let (certs_alg, certs_ct, key_alg, key_ct) = match &self.ciphers {
            Ciphers::Modern { certs, key } => {
                let ([certs_key, key_key, check], [_, _, check_request]) =
                    (derived, &self.requests[..])
                else {
                    // prepare_pack makes three requests for Modern, and check_results matched
                    // the count of keys to them.
                    return Err(Error::KdfResult("expected three derived keys".into()));
                };
                let (certs_key, key_key) = (certs_key.as_ref(), key_key.as_ref());
                let expected = check_request.derive(&self.password);
                if !same(&expected, check.as_ref()) {
                    return Err(Error::KdfResult(
                        "the check derivation does not match the password given to \
                         prepare_pack: derive from exactly the same password bytes"
                            .into(),
                    ));
                }
                if same(certs_key, key_key) {
                    return Err(Error::KdfResult(
                        "the two bag keys are equal although their salts differ".into(),
                    ));
                }
                let (certs_alg, certs_ct) = pbes2_encrypt(certs, certs_key, &self.certs_plain)?;
                let (key_alg, key_ct) = pbes2_encrypt(key, key_key, &self.key_plain)?;
                (certs_alg, certs_ct, key_alg, key_ct)
            }
            Ciphers::Legacy {
                certs_salt,
                key_salt,
            } => {
                let [certs_key, certs_iv, key_key, key_iv] = &p12_keys[..] else {
                    return Err(Error::KdfResult("expected four legacy cipher keys".into()));
                };
                let (certs_alg, certs_ct) = triple_des_encrypt(
                    certs_key,
                    certs_iv,
                    self.iterations,
                    certs_salt,
                    &self.certs_plain,
                )?;
                let (key_alg, key_ct) = triple_des_encrypt(
                    key_key,
                    key_iv,
                    self.iterations,
                    key_salt,
                    &self.key_plain,
                )?;
                (certs_alg, certs_ct, key_alg, key_ct)
            }
        };
        let iterations = self.iterations;
        let attrs = self.attrs.clone();

        let certs_info = ContentInfo {
            content_type: asn1::ENCRYPTED_DATA,
            content: Some(any_of(&EncryptedData {
                version: 0,
                encrypted_content_info: EncryptedContentInfo {
                    content_type: asn1::DATA,
                    algorithm: certs_alg,
                    encrypted_content: Some(asn1::implicit_octets_any(&certs_ct)?),
                },
            })?),
        };
        let key_bag = SafeBag {
            bag_id: asn1::SHROUDED_KEY_BAG,
            bag_value: any_of(&asn1::EncryptedPrivateKeyInfo {
                algorithm: key_alg,
                encrypted_data: OctetString::new(key_ct)?,
            })?,
            bag_attributes: attrs,
        };
        let key_info = ContentInfo {
            content_type: asn1::DATA,
            content: Some(Any::new(
                Tag::OctetString,
                sequence_of(vec![key_bag.to_der()?])?,
            )?),
        };
        let auth_safe = sequence_of(vec![certs_info.to_der()?, key_info.to_der()?])?;

        let mac_salt = &self.mac_salt;
        let mac_hash = self.mac_hash;
        let mac = mac_hash.mac(&mac_key, &auth_safe);

        let pfx = Pfx {
            version: 3,
            auth_safe: ContentInfo {
                content_type: asn1::DATA,
                content: Some(Any::new(Tag::OctetString, auth_safe)?),
            },
            mac_data: Some(MacData {
                mac: DigestInfo {
                    // OpenSSL, Java and NSS all write the digest's parameters as NULL.
                    algorithm: AlgorithmIdentifierOwned {
                        oid: mac_hash.oid(),
                        parameters: Some(Any::null()),
                    },
                    digest: OctetString::new(mac)?,
                },
                mac_salt: OctetString::new(mac_salt.to_vec())?,
                iterations: iterations.into(),
            }),
        };
        Ok(pfx.to_der()?)
    }
}

impl core::fmt::Debug for PackJob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PackJob")
            .field("iterations", &self.iterations)
            .field("derivations", &self.requests)
            .finish_non_exhaustive()
    }
}

/// Byte strings compared without an early exit.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// True when `cert_der`'s public key is `key`'s; [`Error::CertMalformed`] when it does not
/// parse as an X.509 certificate.
pub(crate) fn cert_matches_key(key: &KeyPair, cert_der: &[u8]) -> Result<bool> {
    let cert = x509_cert::Certificate::from_der(cert_der)
        .map_err(|e| Error::CertMalformed(e.to_string()))?;
    let spki = cert.tbs_certificate().subject_public_key_info().to_der()?;
    Ok(key.matches_public_key(&spki))
}

fn cert_bag(cert_der: &[u8], attrs: Option<Any>) -> Result<Vec<u8>> {
    let bag = CertBag {
        cert_id: asn1::X509_CERTIFICATE,
        cert_value: OctetString::new(cert_der)?,
    };
    Ok(SafeBag {
        bag_id: asn1::CERT_BAG,
        bag_value: any_of(&bag)?,
        bag_attributes: attrs,
    }
    .to_der()?)
}

/// PBES2 with a derived key: the AlgorithmIdentifier and the ciphertext.
fn pbes2_encrypt(
    params: &pbes2::Parameters,
    key: &[u8],
    plain: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>)> {
    let ct = pbes2_encrypt_with_key(params, key, plain).map_err(|e| match e {
        Error::Pkcs8UnsupportedEncryption(m) => Error::P12Unsupported(m),
        other => other,
    })?;
    let scheme = pkcs5::EncryptionScheme::from(params.clone());
    Ok((AlgorithmIdentifierOwned::from_der(&scheme.to_der()?)?, ct))
}

fn triple_des_encrypt(
    key: &[u8],
    iv: &[u8],
    iterations: u32,
    salt: &[u8],
    plain: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>)> {
    let ct = pbe::encrypt_3des_with(key, iv, plain)?;
    let params = asn1::PbeParams {
        salt: OctetString::new(salt.to_vec())?,
        iterations: iterations.into(),
    };
    Ok((
        AlgorithmIdentifierOwned {
            oid: asn1::PBE_SHA1_3DES,
            parameters: Some(any_of(&params)?),
        },
        ct,
    ))
}

pub(super) fn any_of<T: Encode>(value: &T) -> Result<Any> {
    Ok(Any::from_der(&value.to_der()?)?)
}

pub(super) fn sequence_of(encoded: Vec<Vec<u8>>) -> Result<Vec<u8>> {
    Ok(Any::new(Tag::Sequence, encoded.concat())?.to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkcs8::MIN_ITERATIONS;
    use crate::pkcs12::{read, start_read};

    const KEY: &[u8] = include_bytes!("../../tests/vectors/pkcs12/leaf-p256.key");
    const CERT: &[u8] = include_bytes!("../../tests/vectors/pkcs12/leaf-p256.pem");
    const SLICE: u32 = 7919;

    fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    /// The sliced forms (`step` before `finish`, `start_read` → `step` → `verify`) give the
    /// bytes and contents the one-call forms give, for both profiles; the one-call forms are
    /// judged by OpenSSL, keytool and Python in tests/pkcs12.rs.
    #[test]
    fn sliced_pack_and_read_give_what_the_one_call_forms_give() {
        let key = crate::pkcs8::read_unencrypted(KEY).unwrap();
        let cert = crate::cert::read_all_der(CERT).unwrap().remove(0);
        for profile in [Profile::Modern, Profile::Legacy] {
            let options = PackOptions {
                profile,
                iterations: MIN_ITERATIONS,
                friendly_name: None,
            };
            let mut job = prepare_pack(&key, &cert, &[], b"pw", &options, &mut rng()).unwrap();
            let derived = derive_all(job.derivations(), b"pw");
            // Unstepped, finish derives on copies: the reference bytes.
            let whole = job.finish(&derived).unwrap();
            // Legacy: two 24-byte 3DES keys (two SHA-1 blocks each), two IVs, the MAC key.
            let derivations = if profile == Profile::Legacy { 7 } else { 1 };
            let total = job.remaining_iterations();
            assert_eq!(total, derivations * u64::from(MIN_ITERATIONS));
            assert!(!job.step(1000));
            assert_eq!(
                job.finish(&derived).unwrap(),
                whole,
                "{profile:?} part-stepped"
            );
            let mut slices = 1;
            while !job.step(SLICE) {
                slices += 1;
            }
            assert_eq!(
                slices,
                (total - 1000).div_ceil(SLICE.into()),
                "no slice overruns"
            );
            assert_eq!(job.remaining_iterations(), 0);
            assert_eq!(job.finish(&derived).unwrap(), whole, "{profile:?} stepped");

            let mut start = start_read(&whole, b"pw").unwrap();
            while !start.step(SLICE) {}
            let mut read_job = start.verify().unwrap();
            let legacy_done = read_job.step(SLICE);
            assert_eq!(legacy_done, profile == Profile::Modern, "{profile:?}");
            while !read_job.step(SLICE) {}
            let sliced = read_job
                .finish(&derive_all(read_job.derivations(), b"pw"))
                .unwrap();
            let one = read(&whole, b"pw").unwrap();
            assert_eq!(
                sliced.key.map(|k| k.public_key_der()),
                one.key.map(|k| k.public_key_der())
            );
            assert_eq!(sliced.certificate, one.certificate);
            assert_eq!(sliced.certificate.as_deref(), Some(&cert[..]));
            assert_eq!(
                (sliced.mac_algorithm, sliced.key_encryption),
                (one.mac_algorithm, one.key_encryption)
            );

            let mut wrong = start_read(&whole, b"px").unwrap();
            while !wrong.step(SLICE) {}
            assert_eq!(wrong.verify().unwrap_err(), Error::P12WrongPassword);
        }
    }
}
