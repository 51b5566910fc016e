//! kunci-core: the PKI logic behind kunci, and nothing else.
//!
//! It makes key pairs (RSA 2048/3072/4096 with e = 65537, ECDSA P-256), writes and verifies
//! PKCS#10 certificate signing requests, encrypts private keys as PKCS#8 (PBES2), packs and
//! reads PKCS#12 files, parses X.509 certificates and judges password strength.
//!
//! What it does **not** do: no file or network I/O, no async runtime, no wasm-bindgen, no
//! PKCS#11. Randomness comes in from the caller (`&mut impl CryptoRng`), and so does the
//! signer: anything that implements [`sign::Signer`] (a key in memory, a key behind
//! WebCrypto, a key on a token) can sign a CSR through the same code. The crate builds for
//! native targets and for `wasm32-unknown-unknown`.
//!
//! Every failure is one [`Error`] with a stable string [`Error::code`] that the command line,
//! the npm package, the token helper and the portal all carry unchanged.

pub mod cert;
pub mod csr;
pub mod email;
pub mod error;
pub mod kdf;
pub mod key;
pub mod pem;
// Behind a feature (off by default) so the core wasm module carries no PDF code.
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod pkcs12;
pub mod pkcs8;
pub mod scrypt;
pub mod secret;
pub mod sign;
// Behind a feature (on by default) so that a build without it, such as the npm package's
// core wasm, carries no zxcvbn code and none of its dictionaries.
#[cfg(feature = "strength")]
pub mod strength;
mod x509text;

#[cfg(feature = "pdf")]
pub use error::PdfLimit;
pub use error::{Error, Result};
pub use key::{KeyAlgorithm, KeyPair};
pub use secret::{CsrToken, Password};
pub use sign::{SignatureAlgorithm, Signer};

/// The largest DER or PEM input any parser here accepts (16 MiB). A CSR, key, certificate
/// chain or PKCS#12 file is kilobytes; anything this large is an attack or a wrong file.
pub const MAX_INPUT_LEN: usize = 16 * 1024 * 1024;

/// Refuses inputs that are empty or larger than [`MAX_INPUT_LEN`] before any parsing.
pub(crate) fn check_input_len(input: &[u8]) -> Result<()> {
    if input.is_empty() {
        return Err(Error::EmptyInput);
    }
    if input.len() > MAX_INPUT_LEN {
        return Err(Error::InputTooLarge {
            len: input.len(),
            max: MAX_INPUT_LEN,
        });
    }
    Ok(())
}
