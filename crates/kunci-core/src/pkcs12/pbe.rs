//! PKCS#12's own password-based ciphers (RFC 7292 Appendix C) and its MAC (section 5).
//!
//! The `pbeWithSHAAnd…` schemes derive key and IV with the SHA-1 PKCS#12 KDF of
//! [`super::kdf`]. kunci writes only 3-key Triple DES (the `legacy` profile) and reads
//! 2- and 3-key Triple DES and 40- and 128-bit RC2, which is what `openssl pkcs12 -legacy`,
//! Windows and older Java and NSS write. RC2 is never written: 40-bit RC2 falls to brute force.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, KeyIvInit};
use der::asn1::ObjectIdentifier as Oid;
use hmac::Mac;
use zeroize::Zeroizing;

use super::asn1;
use super::kdf::{self, Purpose};
use crate::{Error, Result};

/// A PKCS#12 password-based cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegacyCipher {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC: the only one kunci writes.
    TripleDes3,
    /// pbeWithSHAAnd2-KeyTripleDES-CBC.
    TripleDes2,
    /// pbeWithSHAAnd128BitRC2-CBC.
    Rc2_128,
    /// pbeWithSHAAnd40BitRC2-CBC.
    Rc2_40,
}

impl LegacyCipher {
    pub(crate) fn from_oid(oid: &Oid) -> Option<Self> {
        match *oid {
            asn1::PBE_SHA1_3DES => Some(Self::TripleDes3),
            asn1::PBE_SHA1_2DES => Some(Self::TripleDes2),
            asn1::PBE_SHA1_RC2_128 => Some(Self::Rc2_128),
            asn1::PBE_SHA1_RC2_40 => Some(Self::Rc2_40),
            _ => None,
        }
    }

    /// The RFC 7292 name, as shown in [`super::Pkcs12Contents`].
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::TripleDes3 => "pbeWithSHAAnd3-KeyTripleDES-CBC",
            Self::TripleDes2 => "pbeWithSHAAnd2-KeyTripleDES-CBC",
            Self::Rc2_128 => "pbeWithSHAAnd128BitRC2-CBC",
            Self::Rc2_40 => "pbeWithSHAAnd40BitRC2-CBC",
        }
    }

    fn key_len(self) -> usize {
        match self {
            Self::TripleDes3 => 24,
            Self::TripleDes2 | Self::Rc2_128 => 16,
            Self::Rc2_40 => 5,
        }
    }

    /// The two PKCS#12 KDF derivations that key this cipher: key, then IV. Jobs run them in
    /// slices (see [`kdf::Derivation`]) and hand the results to [`LegacyCipher::decrypt_with`].
    pub(crate) fn derivations(
        self,
        bmp_password: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> [kdf::Derivation; 2] {
        let d = |purpose, len| {
            kdf::Derivation::new(
                kdf::Hash::Sha1,
                bmp_password,
                salt,
                purpose,
                iterations,
                len,
            )
        };
        [d(Purpose::Key, self.key_len()), d(Purpose::Iv, 8)]
    }

    /// Decrypts `ciphertext`. A padding failure (a wrong password) is
    /// [`Error::P12WrongPassword`].
    pub(crate) fn decrypt(
        self,
        bmp_password: &[u8],
        salt: &[u8],
        iterations: u32,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let [key, iv] = self
            .derivations(bmp_password, salt, iterations)
            .map(kdf::Derivation::run);
        self.decrypt_with(&key, &iv, ciphertext)
    }

    /// [`LegacyCipher::decrypt`] with key and IV already derived.
    pub(crate) fn decrypt_with(
        self,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let bad = |_| Error::P12WrongPassword;
        let plain = match self {
            Self::TripleDes3 => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv)
                .map_err(|_| internal())?
                .decrypt_padded_vec::<Pkcs7>(ciphertext)
                .map_err(bad)?,
            Self::TripleDes2 => cbc::Decryptor::<des::TdesEde2>::new_from_slices(key, iv)
                .map_err(|_| internal())?
                .decrypt_padded_vec::<Pkcs7>(ciphertext)
                .map_err(bad)?,
            Self::Rc2_128 | Self::Rc2_40 => {
                // RC2's "effective key bits" equal the key length for both PKCS#12 variants.
                let cipher = rc2::Rc2::new_with_eff_key_len(key, key.len() * 8);
                cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, iv)
                    .map_err(|_| internal())?
                    .decrypt_padded_vec::<Pkcs7>(ciphertext)
                    .map_err(bad)?
            }
        };
        Ok(Zeroizing::new(plain))
    }
}

/// Encrypts with pbeWithSHAAnd3-KeyTripleDES-CBC, for the `legacy` profile only.
#[cfg(test)]
pub(crate) fn encrypt_3des(
    bmp_password: &[u8],
    salt: &[u8],
    iterations: u32,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let [key, iv] = LegacyCipher::TripleDes3
        .derivations(bmp_password, salt, iterations)
        .map(kdf::Derivation::run);
    encrypt_3des_with(&key, &iv, plaintext)
}

/// [`encrypt_3des`] with key and IV already derived (by [`LegacyCipher::derivations`]).
pub(crate) fn encrypt_3des_with(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let enc = cbc::Encryptor::<des::TdesEde3>::new_from_slices(key, iv).map_err(|_| internal())?;
    Ok(enc.encrypt_padded_vec::<Pkcs7>(plaintext))
}

/// Key and IV lengths come from the cipher's own table, so a length error is a bug here.
fn internal() -> Error {
    Error::P12Unsupported("internal cipher set-up error".into())
}

/// The digest of a PKCS#12 MAC (HMAC with a key from the PKCS#12 KDF over the same digest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl MacHash {
    pub(crate) fn from_oid(oid: &Oid) -> Option<Self> {
        match *oid {
            asn1::SHA1 => Some(Self::Sha1),
            asn1::SHA256 => Some(Self::Sha256),
            asn1::SHA384 => Some(Self::Sha384),
            asn1::SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    pub(crate) fn oid(self) -> Oid {
        match self {
            Self::Sha1 => asn1::SHA1,
            Self::Sha256 => asn1::SHA256,
            Self::Sha384 => asn1::SHA384,
            Self::Sha512 => asn1::SHA512,
        }
    }

    /// The name shown in [`super::Pkcs12Contents::mac_algorithm`].
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "HMAC-SHA1",
            Self::Sha256 => "HMAC-SHA256",
            Self::Sha384 => "HMAC-SHA384",
            Self::Sha512 => "HMAC-SHA512",
        }
    }

    /// Derives the MAC key (as long as the digest, as OpenSSL, NSS and Java do) in one run.
    #[cfg(test)]
    pub(crate) fn key(
        self,
        bmp_password: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> Zeroizing<Vec<u8>> {
        self.derivation(bmp_password, salt, iterations).run()
    }

    /// The derivation of the MAC key (as long as the digest, as OpenSSL, NSS and Java do),
    /// to run in slices.
    pub(crate) fn derivation(
        self,
        bmp_password: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> kdf::Derivation {
        let hash = match self {
            Self::Sha1 => kdf::Hash::Sha1,
            Self::Sha256 => kdf::Hash::Sha256,
            Self::Sha384 => kdf::Hash::Sha384,
            Self::Sha512 => kdf::Hash::Sha512,
        };
        kdf::Derivation::new(
            hash,
            bmp_password,
            salt,
            Purpose::Mac,
            iterations,
            hash.output_len(),
        )
    }

    /// HMAC of `data` under `key`.
    pub(crate) fn mac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC takes keys of any length, so `new_from_slice` cannot fail.
            match <M as KeyInit>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(data);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            Self::Sha1 => run::<hmac::Hmac<sha1::Sha1>>(key, data),
            Self::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, data),
            Self::Sha384 => run::<hmac::Hmac<sha2::Sha384>>(key, data),
            Self::Sha512 => run::<hmac::Hmac<sha2::Sha512>>(key, data),
        }
    }

    /// True when `tag` is the HMAC of `data` under `key`, compared in constant time.
    pub(crate) fn verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
        let expected = self.mac(key, data);
        expected.len() == tag.len()
            && expected
                .iter()
                .zip(tag)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triple_des_round_trips_and_a_wrong_password_fails_or_differs() {
        let pw = kdf::bmp_password(b"rahasia");
        let salt = [7u8; 8];
        let ct = encrypt_3des(&pw, &salt, 1000, b"isi yang dirahasiakan").unwrap();
        let back = LegacyCipher::TripleDes3
            .decrypt(&pw, &salt, 1000, &ct)
            .unwrap();
        assert_eq!(&back[..], b"isi yang dirahasiakan");
        let wrong = kdf::bmp_password(b"salah");
        match LegacyCipher::TripleDes3.decrypt(&wrong, &salt, 1000, &ct) {
            Err(e) => assert_eq!(e, Error::P12WrongPassword),
            Ok(garbage) => assert_ne!(&garbage[..], b"isi yang dirahasiakan"),
        }
    }

    #[test]
    fn mac_verification_is_exact() {
        let key = MacHash::Sha256.key(&kdf::bmp_password(b"pw"), b"salt", 10);
        let tag = MacHash::Sha256.mac(&key, b"data");
        assert_eq!(tag.len(), 32);
        assert!(MacHash::Sha256.verify(&key, b"data", &tag));
        assert!(!MacHash::Sha256.verify(&key, b"datA", &tag));
        assert!(!MacHash::Sha256.verify(&key, b"data", &tag[..31]));
    }
}
