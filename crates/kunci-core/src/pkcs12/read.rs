//! Reading a PKCS#12 file: [`read()`].
//!
//! Order matters for safety: the input is size-checked, normalised from BER, the MAC is
//! verified (so a wrong password stops here, before any decryption), and only then are the
//! bags decrypted and parsed. Every key derivation is checked against the per-derivation cap
//! and the file's work budget *before* it runs.

use der::asn1::Any;
use der::{Decode, Encode, Tag, Tagged};
use pkcs5::pbes2;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::asn1::{self, CertBag, ContentInfo, EncryptedData, Pfx, SafeBag, malformed, oid_name};
use super::pbe::{LegacyCipher, MacHash};
use super::{Pkcs12Contents, READ_WORK_BUDGET, ber, kdf, write};
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
pub fn read(input: &[u8], password: &[u8]) -> Result<Pkcs12Contents> {
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
        password,
        bmp: kdf::bmp_password(password),
        work: 0,
        verified: false,
    };
    let (mac_algorithm, mac_iterations) = match &pfx.mac_data {
        Some(mac) => {
            let hash = MacHash::from_oid(&mac.mac.algorithm.oid).ok_or_else(|| {
                Error::P12Unsupported(format!(
                    "MAC algorithm {}",
                    oid_name(&mac.mac.algorithm.oid)
                ))
            })?;
            let iterations = cx.spend(mac.iterations, 1)?;
            let salt = mac.mac_salt.as_bytes();
            let tag = mac.mac.digest.as_bytes();
            if !hash.verify(&hash.key(&cx.bmp, salt, iterations), &auth_safe, tag) {
                // An empty password is ambiguous: some writers (OpenSSL given no password)
                // feed the KDF nothing at all instead of the BMP terminator.
                let absent = Zeroizing::new(Vec::new());
                if !password.is_empty()
                    || !hash.verify(&hash.key(&absent, salt, iterations), &auth_safe, tag)
                {
                    return Err(Error::P12WrongPassword);
                }
                cx.bmp = absent;
            }
            cx.verified = true;
            (hash.name().to_owned(), iterations)
        }
        None => ("none".to_owned(), 0),
    };

    let mut found = Found::default();
    let safe = Zeroizing::new(ber::to_der(&auth_safe)?);
    for info in sequence_elements(&safe, "AuthenticatedSafe")? {
        let info =
            ContentInfo::from_der(&info).map_err(|e| malformed("AuthenticatedSafe entry", e))?;
        match info.content_type {
            asn1::DATA => {
                let octets = data_octets(&info, "SafeContents")?;
                cx.safe_contents(&octets, &Protection::none(), &mut found, 0)?;
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
                let (plain, protection) =
                    cx.decrypt(&eci.algorithm, &asn1::implicit_octets(&ct)?)?;
                cx.safe_contents(&plain, &protection, &mut found, 0)?;
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

    let iterations = if cx.verified {
        mac_iterations
    } else {
        found.max_iterations
    };
    Ok(found.into_contents(mac_algorithm, iterations))
}

/// The password in both encodings, the derivation work done so far, and whether the MAC
/// vouched for the password.
struct Context<'a> {
    password: &'a [u8],
    bmp: Zeroizing<Vec<u8>>,
    work: u64,
    verified: bool,
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

impl Context<'_> {
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
        if self.work > READ_WORK_BUDGET {
            return Err(Error::IterationsTooHigh {
                given: self.work,
                max: READ_WORK_BUDGET,
            });
        }
        // Within MAX_ITERATIONS, so it fits.
        Ok(iterations as u32)
    }

    /// Decrypts with a PBES2 or PKCS#12 PBE algorithm, after booking its work. A padding
    /// failure is [`Error::P12WrongPassword`]; behind a verified MAC that can only mean the
    /// file was encrypted under another password than its MAC.
    fn decrypt(
        &mut self,
        alg: &AlgorithmIdentifierOwned,
        ct: &[u8],
    ) -> Result<(Zeroizing<Vec<u8>>, Protection)> {
        if alg.oid == asn1::PBES2 {
            let scheme = pkcs5::EncryptionScheme::try_from(alg.to_der()?.as_slice())
                .map_err(|e| Error::P12Unsupported(format!("PBES2 parameters: {e}")))?;
            let params = scheme
                .pbes2()
                .ok_or_else(|| Error::P12Unsupported("PBES2 parameters".into()))?;
            let (prf, iterations) = match params.kdf.pbkdf2() {
                Some(p) => (prf_name(p.prf), p.iteration_count),
                // scrypt: `decrypt_scheme` checks its cost; book it at the cap.
                None => ("scrypt", MAX_ITERATIONS),
            };
            let iterations = self.spend(iterations.into(), 1)?;
            let plain =
                crate::pkcs8::decrypt_scheme(&scheme, self.password, ct).map_err(|e| match e {
                    Error::Pkcs8UnsupportedEncryption(m) => Error::P12Unsupported(m),
                    other => other,
                })?;
            let name = format!("PBES2 ({prf}, {})", cipher_name(&params.encryption));
            return Ok((plain, Protection { name, iterations }));
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
        let plain = cipher.decrypt(&self.bmp, params.salt.as_bytes(), iterations, ct)?;
        Ok((
            plain,
            Protection {
                name: cipher.name().into(),
                iterations,
            },
        ))
    }

    /// Reads the bags of one SafeContents (plaintext DER or BER).
    fn safe_contents(
        &mut self,
        bytes: &[u8],
        protection: &Protection,
        found: &mut Found,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_BAG_DEPTH {
            return Err(Error::P12Malformed(
                "safeContentsBags nested too deeply".into(),
            ));
        }
        found.max_iterations = found.max_iterations.max(protection.iterations);
        // Garbage that passed the padding check of a MAC-less file fails here: that is a
        // wrong password too.
        let unverified = !self.verified && protection.iterations > 0;
        let garbled = |e: Error| {
            if unverified {
                Error::P12WrongPassword
            } else {
                e
            }
        };
        let der = Zeroizing::new(ber::to_der(bytes).map_err(garbled)?);
        for bag in sequence_elements(&der, "SafeContents").map_err(garbled)? {
            let bag = Zeroizing::new(bag);
            let bag = SafeBag::from_der(&bag).map_err(|e| garbled(malformed("SafeBag", e)))?;
            let attrs = asn1::attributes(bag.bag_attributes.as_ref()).map_err(garbled)?;
            let value = Zeroizing::new(bag.bag_value.to_der().map_err(|e| garbled(e.into()))?);
            match bag.bag_id {
                asn1::KEY_BAG => {
                    let key = KeyPair::from_pkcs8_der(&value).map_err(garbled)?;
                    found.keys.push((key, attrs, protection.clone()));
                }
                asn1::SHROUDED_KEY_BAG => {
                    let info = asn1::EncryptedPrivateKeyInfo::from_der(&value)
                        .map_err(|e| garbled(malformed("EncryptedPrivateKeyInfo", e)))?;
                    let (plain, key_protection) =
                        self.decrypt(&info.algorithm, info.encrypted_data.as_bytes())?;
                    found.max_iterations = found.max_iterations.max(key_protection.iterations);
                    let key = KeyPair::from_pkcs8_der(&plain).map_err(|e| {
                        // A wrong password slips past CBC padding about once in 256 tries.
                        if self.verified {
                            e
                        } else {
                            Error::P12WrongPassword
                        }
                    })?;
                    found.keys.push((key, attrs, key_protection));
                }
                asn1::CERT_BAG => {
                    let cert =
                        CertBag::from_der(&value).map_err(|e| garbled(malformed("CertBag", e)))?;
                    // SDSI certificates (the other type RFC 7292 names) are never used.
                    if cert.cert_id == asn1::X509_CERTIFICATE {
                        found.certs.push((
                            cert.cert_value.into_bytes().into_vec(),
                            attrs,
                            protection.clone(),
                        ));
                    }
                }
                asn1::SAFE_CONTENTS_BAG => {
                    self.safe_contents(&value, protection, found, depth + 1)?
                }
                // CRLs and secrets are not kunci's business.
                _ => {}
            }
        }
        Ok(())
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
            password: b"pw",
            bmp: kdf::bmp_password(b"pw"),
            work: 0,
            verified: false,
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
