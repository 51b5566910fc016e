//! Writing a PKCS#12 file: [`pack()`].
//!
//! The layout is the one OpenSSL's `PKCS12_create` writes, which every reader expects: an
//! AuthenticatedSafe of two ContentInfos, first an EncryptedData holding the certificate bags
//! (leaf first, then the chain), then a Data holding the shrouded key bag; a MAC over it all.
//! Each of the three key derivations (certificates, key, MAC) runs exactly once, with its
//! own random salt.

use der::asn1::{Any, OctetString};
use der::{Decode, Encode, Tag};
use rand_core::CryptoRng;
use sha1::Digest;
use spki::AlgorithmIdentifierOwned;

use super::asn1::{
    self, CertBag, ContentInfo, DigestInfo, EncryptedContentInfo, EncryptedData, MacData, Pfx,
    SafeBag,
};
use super::kdf;
use super::pbe::{self, MacHash};
use super::{PackOptions, Profile};
use crate::pkcs8::{check_write_iterations, pbes2_params};
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
pub fn pack<R: CryptoRng + ?Sized>(
    key: &KeyPair,
    cert_der: &[u8],
    chain_der: &[Vec<u8>],
    password: &[u8],
    options: &PackOptions,
    rng: &mut R,
) -> Result<Vec<u8>> {
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

    let (certs_alg, certs_ct, key_alg, key_ct, mac_hash) = match options.profile {
        Profile::Modern => {
            let (certs_alg, certs_ct) = pbes2_encrypt(password, iterations, &certs_plain, rng)?;
            let (key_alg, key_ct) = pbes2_encrypt(password, iterations, &key_plain, rng)?;
            (certs_alg, certs_ct, key_alg, key_ct, MacHash::Sha256)
        }
        Profile::Legacy => {
            let bmp = kdf::bmp_password(password);
            let (certs_alg, certs_ct) = triple_des_encrypt(&bmp, iterations, &certs_plain, rng)?;
            let (key_alg, key_ct) = triple_des_encrypt(&bmp, iterations, &key_plain, rng)?;
            (certs_alg, certs_ct, key_alg, key_ct, MacHash::Sha1)
        }
    };

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

    let mut mac_salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut mac_salt);
    let mac_key = mac_hash.key(&kdf::bmp_password(password), &mac_salt, iterations);
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

/// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with the password's bytes as they are.
fn pbes2_encrypt<R: CryptoRng + ?Sized>(
    password: &[u8],
    iterations: u32,
    plain: &[u8],
    rng: &mut R,
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>)> {
    let scheme = pkcs5::EncryptionScheme::from(pbes2_params(iterations, rng)?);
    let ct = scheme
        .encrypt(password, plain)
        .map_err(|e| Error::P12Unsupported(e.to_string()))?;
    Ok((AlgorithmIdentifierOwned::from_der(&scheme.to_der()?)?, ct))
}

fn triple_des_encrypt<R: CryptoRng + ?Sized>(
    bmp_password: &[u8],
    iterations: u32,
    plain: &[u8],
    rng: &mut R,
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>)> {
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let ct = pbe::encrypt_3des(bmp_password, &salt, iterations, plain)?;
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

fn any_of<T: Encode>(value: &T) -> Result<Any> {
    Ok(Any::from_der(&value.to_der()?)?)
}

fn sequence_of(encoded: Vec<Vec<u8>>) -> Result<Vec<u8>> {
    Ok(Any::new(Tag::Sequence, encoded.concat())?.to_der()?)
}
