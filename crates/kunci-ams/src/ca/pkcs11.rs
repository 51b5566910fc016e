//! CA keys on a PKCS#11 token (issue 16 part 3): `serve --ca-pkcs11-module M
//! --ca-pkcs11-token LABEL`. The CA's keys (root, issuing, OCSP, TSA) are made on the token
//! as `CKA_TOKEN`, `CKA_PRIVATE`, `CKA_SENSITIVE` and not `CKA_EXTRACTABLE`, and sign there
//! through [`super::CaKey::Token`]; only their certificates are kept in the data folder.
//!
//! The PKCS#11 calls follow kunci-host's (`crates/kunci-host/src/token.rs`): `C_Initialize`
//! with OS locking (an already initialised module is fine), the token found by its label,
//! one user login kept for the process's life (a login belongs to the application, so every
//! session opened afterwards signs without one), ECDSA as `CKM_ECDSA` over a SHA-256 digest
//! converted from `r || s` to DER, RSA as `CKM_SHA256_RSA_PKCS`.
//!
//! A key is found by its label *and* its public key, which must be the one in the data
//! folder's certificate: a token may hold older keys of the same label (a renewed TSA, a data
//! folder started over), and the certificate says which one is the CA's. Each key keeps a
//! session of its own behind a mutex (a PKCS#11 session runs one operation at a time), so
//! the OCSP responder and the TSA never wait for each other.
//!
//! The PIN is used for `C_Login` and dropped (zeroized); it is never printed or logged.

use core::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::Encode;
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, UintRef};
use kunci_core::SignatureAlgorithm;
use kunci_core::key::KeyAlgorithm;
use sha2::Digest;
use spki::SubjectPublicKeyInfoOwned;

use crate::{Error, Result};

/// The label of each CA key on the token.
pub const ROOT_LABEL: &str = "kunci-ca-root";
/// The issuing CA key's label.
pub const ISSUING_LABEL: &str = "kunci-ca-issuing";
/// The OCSP responder key's label.
pub const OCSP_LABEL: &str = "kunci-ocsp";
/// The timestamp authority key's label.
pub const TSA_LABEL: &str = "kunci-tsa";

const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// `CKA_EC_PARAMS` for P-256: the DER of the prime256v1 OID.
const P256_EC_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// What the token's keys share: the module, the slot, and the session that holds the login.
struct Shared {
    ctx: Pkcs11,
    slot: Slot,
    label: String,
    // Never used after login; kept open because closing an application's last session ends
    // its login (PKCS#11 section 5.6). In a mutex only so that the token may be shared
    // between threads (a session is Send, not Sync).
    _login: Mutex<Session>,
}

/// A logged-in PKCS#11 token holding (or about to hold) the CA's keys.
#[derive(Clone)]
pub struct Token {
    shared: Arc<Shared>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("label", &self.shared.label)
            .finish_non_exhaustive()
    }
}

/// Wraps a PKCS#11 failure as `ca.token`, naming what was being done.
fn ck(what: &str) -> impl Fn(CkError) -> Error + '_ {
    move |e| Error::CaToken(format!("{what}: {e}"))
}

impl Token {
    /// Loads `module`, finds the initialised token labelled `label` and logs the user in with
    /// `pin`. A wrong PIN is [`Error::CaTokenPinIncorrect`], a locked one
    /// [`Error::CaTokenPinLocked`] (reported without trying, since a try may count); a missing
    /// module or token is [`Error::CaToken`].
    pub fn open(module: &Path, label: &str, pin: &str) -> Result<Token> {
        let ctx = Pkcs11::new(module).map_err(|e| {
            Error::CaToken(format!(
                "the PKCS#11 module {} cannot be loaded ({e})",
                module.display()
            ))
        })?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(ck("C_Initialize")(e)),
        }
        let wanted = label.trim();
        let slots = ctx
            .get_slots_with_token()
            .map_err(ck("listing the tokens"))?;
        let found = slots.into_iter().find_map(|slot| {
            let info = ctx.get_token_info(slot).ok()?;
            (info.token_initialized() && info.label().trim() == wanted).then_some((slot, info))
        });
        let Some((slot, info)) = found else {
            return Err(Error::CaToken(format!(
                "no initialised token labelled {wanted:?} in {}",
                module.display()
            )));
        };
        if info.user_pin_locked() {
            return Err(Error::CaTokenPinLocked);
        }
        let session = ctx.open_rw_session(slot).map_err(ck("C_OpenSession"))?;
        let pin = AuthPin::from(pin.trim_end_matches(['\r', '\n']));
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
                return Err(Error::CaTokenPinIncorrect);
            }
            Err(CkError::Pkcs11(RvError::PinLocked, _)) => return Err(Error::CaTokenPinLocked),
            Err(e) => return Err(ck("C_Login")(e)),
        }
        Ok(Token {
            shared: Arc::new(Shared {
                ctx,
                slot,
                label: wanted.to_owned(),
                _login: Mutex::new(session),
            }),
        })
    }

    /// The token's label.
    pub fn label(&self) -> &str {
        &self.shared.label
    }

    fn session(&self) -> Result<Session> {
        self.shared
            .ctx
            .open_rw_session(self.shared.slot)
            .map_err(ck("C_OpenSession"))
    }

    /// The private key labelled `label` whose public key is `spki` (the certificate's), if
    /// the token holds it.
    pub fn find_key(
        &self,
        label: &str,
        spki: &SubjectPublicKeyInfoOwned,
    ) -> Result<Option<TokenKey>> {
        let session = self.session()?;
        let want = spki
            .to_der()
            .map_err(|e| Error::CaEncoding(e.to_string()))?;
        let privates = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(ck("C_FindObjects"))?;
        for private in privates {
            let attrs = session
                .get_attributes(private, &[AttributeType::Id, AttributeType::KeyType])
                .map_err(ck("C_GetAttributeValue"))?;
            let (mut id, mut key_type) = (Vec::new(), None);
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = v,
                    Attribute::KeyType(t) => key_type = Some(t),
                    _ => {}
                }
            }
            let Some(key_type) = key_type else { continue };
            let publics = session
                .find_objects(&[
                    Attribute::Class(ObjectClass::PUBLIC_KEY),
                    Attribute::Id(id.clone()),
                ])
                .map_err(ck("C_FindObjects"))?;
            for public in publics {
                if let Ok(der) = spki_of(&session, public, key_type)
                    && same_key(&der, &want)
                {
                    return Ok(Some(self.key(session, private, key_type, label, der)?));
                }
            }
        }
        Ok(None)
    }

    /// Makes a key pair of `algorithm` on the token: the private half `CKA_TOKEN`,
    /// `CKA_PRIVATE`, `CKA_SENSITIVE`, `CKA_SIGN` true and `CKA_EXTRACTABLE` false (so also
    /// `CKA_NEVER_EXTRACTABLE`), the public half on the token too; both labelled `label`
    /// with a fresh random 16-byte `CKA_ID`. RSA 2048 is refused, as for file keys.
    pub fn generate(&self, label: &str, algorithm: KeyAlgorithm) -> Result<TokenKey> {
        let session = self.session()?;
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).map_err(|e| Error::Internal {
            detail: format!("the OS random source failed: {e}"),
        })?;
        let (mechanism, mut public, key_type) = match algorithm {
            KeyAlgorithm::P256 => (
                Mechanism::EccKeyPairGen,
                vec![Attribute::EcParams(P256_EC_PARAMS.to_vec())],
                KeyType::EC,
            ),
            KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096 => (
                Mechanism::RsaPkcsKeyPairGen,
                vec![
                    Attribute::ModulusBits(
                        if algorithm == KeyAlgorithm::Rsa3072 {
                            3072
                        } else {
                            4096
                        }
                        .into(),
                    ),
                    Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
                ],
                KeyType::RSA,
            ),
            KeyAlgorithm::Rsa2048 => {
                return Err(Error::CaInvalid(
                    "RSA 2048 is too weak for a CA key: use p256, rsa3072 or rsa4096".into(),
                ));
            }
        };
        let common = [
            Attribute::Id(id),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Token(true),
        ];
        public.extend(common.iter().cloned());
        public.push(Attribute::Verify(true));
        public.push(Attribute::Private(false));
        let mut private = common.to_vec();
        private.extend([
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ]);
        let (pubk, privk) = session
            .generate_key_pair(&mechanism, &public, &private)
            .map_err(ck("C_GenerateKeyPair"))?;
        let der = spki_of(&session, pubk, key_type)?;
        self.key(session, privk, key_type, label, der)
    }

    fn key(
        &self,
        session: Session,
        handle: ObjectHandle,
        key_type: KeyType,
        label: &str,
        spki: Vec<u8>,
    ) -> Result<TokenKey> {
        let alg = if key_type == KeyType::RSA {
            SignatureAlgorithm::RsaPkcs1Sha256
        } else if key_type == KeyType::EC {
            SignatureAlgorithm::EcdsaP256Sha256
        } else {
            return Err(Error::CaToken(format!(
                "the key {label} is a {key_type} key: the CA signs with P-256 or RSA"
            )));
        };
        Ok(TokenKey {
            _token: self.shared.clone(),
            session: Mutex::new(session),
            handle,
            label: label.to_owned(),
            alg,
            spki,
        })
    }
}

/// A private key on the token, signing there. Holds the token (and with it the login) for
/// as long as it lives.
pub struct TokenKey {
    _token: Arc<Shared>,
    session: Mutex<Session>,
    handle: ObjectHandle,
    label: String,
    alg: SignatureAlgorithm,
    spki: Vec<u8>,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKey")
            .field("label", &self.label)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl TokenKey {
    /// The key's label on the token.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The algorithm [`TokenKey::sign`] produces.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    /// The public key (SPKI DER).
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// Signs `message` on the token (SHA-256), answering the signature as X.509 carries it.
    pub fn sign(&self, message: &[u8]) -> kunci_core::Result<Vec<u8>> {
        let failed = |e: CkError| {
            kunci_core::Error::SigningFailed(format!("the token key {}: {e}", self.label))
        };
        // A poisoned lock only means another signature panicked; the session is still sound.
        let session = match self.session.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        match self.alg {
            SignatureAlgorithm::RsaPkcs1Sha256 => session
                .sign(&Mechanism::Sha256RsaPkcs, self.handle, message)
                .map_err(failed),
            SignatureAlgorithm::EcdsaP256Sha256 => {
                let digest = sha2::Sha256::digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.handle, &digest)
                    .map_err(failed)?;
                kunci_core::sign::ecdsa_p256_raw_to_der(&raw)
            }
        }
    }
}

/// The SPKI (DER) of a public-key object.
fn spki_of(session: &Session, object: ObjectHandle, key_type: KeyType) -> Result<Vec<u8>> {
    let unreadable = |what: &str| Error::CaToken(format!("the public key's {what} is unreadable"));
    let encoding = |e: der::Error| Error::CaEncoding(e.to_string());
    if key_type == KeyType::RSA {
        let attrs = session
            .get_attributes(
                object,
                &[AttributeType::Modulus, AttributeType::PublicExponent],
            )
            .map_err(ck("C_GetAttributeValue"))?;
        let (mut n, mut e) = (None, None);
        for a in attrs {
            match a {
                Attribute::Modulus(v) => n = Some(v),
                Attribute::PublicExponent(v) => e = Some(v),
                _ => {}
            }
        }
        let (Some(n), Some(e)) = (n, e) else {
            return Err(unreadable("modulus or exponent"));
        };
        #[derive(der::Sequence)]
        struct RsaPublicKey<'a> {
            modulus: UintRef<'a>,
            public_exponent: UintRef<'a>,
        }
        let inner = RsaPublicKey {
            modulus: UintRef::new(&n).map_err(encoding)?,
            public_exponent: UintRef::new(&e).map_err(encoding)?,
        }
        .to_der()
        .map_err(encoding)?;
        SubjectPublicKeyInfoOwned {
            algorithm: spki::AlgorithmIdentifierOwned {
                oid: OID_RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
            subject_public_key: BitString::from_bytes(&inner).map_err(encoding)?,
        }
        .to_der()
        .map_err(encoding)
    } else {
        let attrs = session
            .get_attributes(object, &[AttributeType::EcParams, AttributeType::EcPoint])
            .map_err(ck("C_GetAttributeValue"))?;
        let (mut params, mut point) = (None, None);
        for a in attrs {
            match a {
                Attribute::EcParams(v) => params = Some(v),
                Attribute::EcPoint(v) => point = Some(v),
                _ => {}
            }
        }
        if params.as_deref() != Some(&P256_EC_PARAMS[..]) {
            return Err(Error::CaToken(
                "an EC key on a curve other than P-256".into(),
            ));
        }
        let point = point.ok_or_else(|| unreadable("point"))?;
        // CKA_EC_POINT is a DER OCTET STRING around the point; some tokens give it bare.
        let point = if point.len() == 65 && point[0] == 0x04 {
            point
        } else {
            use der::Decode;
            OctetString::from_der(&point)
                .map_err(encoding)?
                .as_bytes()
                .to_vec()
        };
        SubjectPublicKeyInfoOwned {
            algorithm: spki::AlgorithmIdentifierOwned {
                oid: OID_EC_PUBLIC_KEY,
                parameters: Some(Any::encode_from(&OID_P256).map_err(encoding)?),
            },
            subject_public_key: BitString::from_bytes(&point).map_err(encoding)?,
        }
        .to_der()
        .map_err(encoding)
    }
}

/// Whether two SPKIs carry the same key (algorithm OID and key bits), however their
/// parameters are written.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    let material = |der: &[u8]| {
        let info = spki::SubjectPublicKeyInfoRef::try_from(der).ok()?;
        Some((
            info.algorithm.oid,
            info.subject_public_key.raw_bytes().to_vec(),
        ))
    };
    matches!((material(a), material(b)), (Some(x), Some(y)) if x == y)
}
