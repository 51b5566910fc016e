//! Writing a PKCS#12 file: [`pack()`], or [`prepare_pack`] then [`PackJob::finish`].
//!
//! The layout is the one OpenSSL's `PKCS12_create` writes, which every reader expects: an
//! AuthenticatedSafe of two ContentInfos, first an EncryptedData holding the certificate bags
//! (leaf first, then the chain), then a Data holding the shrouded key bag; a MAC over it all.
//! Each of the three key derivations (certificates, key, MAC) runs exactly once, with its
//! own random salt; the first two are PBKDF2 and may run outside Rust (see [`crate::kdf`]).

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
use super::pbe::{self, MacHash};
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
/// PKCS#12 KDF, which has no WebCrypto equivalent and runs in [`PackJob::finish`], as do
/// the legacy profile's ciphers.
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
    Ok(PackJob {
        password: Zeroizing::new(password.to_vec()),
        iterations,
        attrs,
        certs_plain,
        key_plain,
        ciphers,
        mac_salt,
        requests,
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
    requests: Vec<Pbkdf2Request>,
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
        let (certs_alg, certs_ct, key_alg, key_ct, mac_hash) = match &self.ciphers {
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
                (certs_alg, certs_ct, key_alg, key_ct, MacHash::Sha256)
            }
            Ciphers::Legacy {
                certs_salt,
                key_salt,
            } => {
                let bmp = kdf::bmp_password(&self.password);
                let (certs_alg, certs_ct) =
                    triple_des_encrypt(&bmp, self.iterations, certs_salt, &self.certs_plain)?;
                let (key_alg, key_ct) =
                    triple_des_encrypt(&bmp, self.iterations, key_salt, &self.key_plain)?;
                (certs_alg, certs_ct, key_alg, key_ct, MacHash::Sha1)
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
        let mac_key = mac_hash.key(&kdf::bmp_password(&self.password), mac_salt, iterations);
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
    bmp_password: &[u8],
    iterations: u32,
    salt: &[u8],
    plain: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>)> {
    let ct = pbe::encrypt_3des(bmp_password, salt, iterations, plain)?;
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
