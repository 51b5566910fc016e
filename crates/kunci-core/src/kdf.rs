//! PBKDF2 as a hook: the password-based key derivations of PKCS#8 and PKCS#12, described as
//! plain requests so that a host can run them outside Rust.
//!
//! Encrypting and decrypting with a password is split in three steps: *prepare* (parse or
//! build the file, pick salts, check costs), *derive* (PBKDF2, here or elsewhere), and
//! *finish* (the cipher work and the file around it). A browser runs the middle step with
//! WebCrypto's `deriveBits`, which is several times faster than PBKDF2 compiled to wasm and
//! asynchronous, so it cannot be called back from synchronous Rust. Everywhere else the
//! middle step is [`Pbkdf2Request::derive`], and the one-call functions
//! ([`crate::pkcs8::encrypt_der`], [`crate::pkcs8::decrypt`], [`crate::pkcs12::pack()`],
//! [`crate::pkcs12::read()`]) are exactly prepare → derive → finish, so both paths share
//! one code path.
//!
//! A request carries no password: the caller holds it and must feed the derivation the same
//! bytes it would give kunci (UTF-8, unnormalised). Derived keys come back to a job's
//! `finish`, which checks their count and length ([`Error::KdfResult`]); what else each job
//! can check is said on its `finish`.
//!
//! Where the middle step must run in Rust on a thread that may not block for long (a page's
//! main thread without WebCrypto, or a hash WebCrypto lacks), [`Pbkdf2Request::start`] gives
//! a [`Pbkdf2Task`] that runs in slices of a chosen number of iterations.

use zeroize::Zeroizing;

use crate::{Error, Result};

/// The pseudo-random function of a PBKDF2 derivation (RFC 8018 appendix B.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prf {
    /// HMAC-SHA-1: the RFC 8018 default, found in older files.
    HmacSha1,
    /// HMAC-SHA-224: rare; WebCrypto has no SHA-224.
    HmacSha224,
    /// HMAC-SHA-256: what kunci and OpenSSL 3 write.
    HmacSha256,
    /// HMAC-SHA-384.
    HmacSha384,
    /// HMAC-SHA-512.
    HmacSha512,
}

impl Prf {
    /// The `hash` name WebCrypto's PBKDF2 takes (`"SHA-1"`, `"SHA-256"`, `"SHA-384"`,
    /// `"SHA-512"`), or `None` for [`Prf::HmacSha224`], which WebCrypto does not offer: run
    /// such a request with [`Pbkdf2Request::derive`] instead (files using it are rare, and it
    /// is never written).
    pub fn webcrypto_hash(&self) -> Option<&'static str> {
        match self {
            Prf::HmacSha1 => Some("SHA-1"),
            Prf::HmacSha224 => None,
            Prf::HmacSha256 => Some("SHA-256"),
            Prf::HmacSha384 => Some("SHA-384"),
            Prf::HmacSha512 => Some("SHA-512"),
        }
    }

    /// The name used in messages and in [`crate::pkcs12::Pkcs12Contents`], e.g.
    /// `PBKDF2-HMAC-SHA256`.
    pub fn pbkdf2_name(&self) -> &'static str {
        match self {
            Prf::HmacSha1 => "PBKDF2-HMAC-SHA1",
            Prf::HmacSha224 => "PBKDF2-HMAC-SHA224",
            Prf::HmacSha256 => "PBKDF2-HMAC-SHA256",
            Prf::HmacSha384 => "PBKDF2-HMAC-SHA384",
            Prf::HmacSha512 => "PBKDF2-HMAC-SHA512",
        }
    }

    /// The PRF named in PBES2 parameters, if it is one of ours.
    pub(crate) fn from_pkcs5(prf: pkcs5::pbes2::Pbkdf2Prf) -> Option<Self> {
        use pkcs5::pbes2::Pbkdf2Prf as P;
        match prf {
            P::HmacWithSha1 => Some(Prf::HmacSha1),
            P::HmacWithSha224 => Some(Prf::HmacSha224),
            P::HmacWithSha256 => Some(Prf::HmacSha256),
            P::HmacWithSha384 => Some(Prf::HmacSha384),
            P::HmacWithSha512 => Some(Prf::HmacSha512),
            _ => None,
        }
    }
}

/// One PBKDF2 derivation a job needs: `PBKDF2(prf, password, salt, iterations, key_len)`.
///
/// In WebCrypto terms: import the password bytes as a `"PBKDF2"` key, then
/// `deriveBits({ name: "PBKDF2", hash: prf.webcrypto_hash(), salt, iterations },
/// key, 8 * key_len)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pbkdf2Request {
    /// The salt, as written in the file.
    pub salt: Vec<u8>,
    /// The iteration count (at least 1; within [`crate::pkcs8::MAX_ITERATIONS`]).
    pub iterations: u32,
    /// The pseudo-random function.
    pub prf: Prf,
    /// Bytes to derive: the cipher's key length.
    pub key_len: usize,
}

impl Pbkdf2Request {
    /// Runs the derivation in Rust (the `pbkdf2` crate): the fallback where no faster
    /// PBKDF2 is at hand, and the path of every one-call function.
    pub fn derive(&self, password: &[u8]) -> Zeroizing<Vec<u8>> {
        use pbkdf2::pbkdf2_hmac;
        let mut out = Zeroizing::new(vec![0u8; self.key_len]);
        let (salt, n) = (&self.salt[..], self.iterations);
        match self.prf {
            Prf::HmacSha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, n, &mut out),
            Prf::HmacSha224 => pbkdf2_hmac::<sha2::Sha224>(password, salt, n, &mut out),
            Prf::HmacSha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, n, &mut out),
            Prf::HmacSha384 => pbkdf2_hmac::<sha2::Sha384>(password, salt, n, &mut out),
            Prf::HmacSha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, n, &mut out),
        }
        out
    }
}

/// A PBKDF2 derivation run in slices: from [`Pbkdf2Request::start`]. Each
/// [`Pbkdf2Task::step`] runs at most the iterations it is given and returns, so that a
/// caller on a UI thread can give its event loop a turn between slices. The result is
/// [`Pbkdf2Request::derive`]'s. It holds the HMAC keyed with the password and the partial
/// result; the latter is zeroized on drop.
pub struct Pbkdf2Task {
    inner: Box<dyn Stepper>,
}

impl Pbkdf2Task {
    /// Runs at most `max_iterations` HMAC iterations; true once the key is derived.
    pub fn step(&mut self, max_iterations: u32) -> bool {
        self.inner.step(max_iterations);
        self.inner.output().is_some()
    }

    /// The derived key, once [`Pbkdf2Task::step`] said it is done.
    pub fn output(&self) -> Option<&[u8]> {
        self.inner.output()
    }
}

impl core::fmt::Debug for Pbkdf2Task {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pbkdf2Task")
            .field("done", &self.output().is_some())
            .finish_non_exhaustive()
    }
}

/// [`Pbkdf2Task`]'s state for one PRF.
trait Stepper {
    /// Runs at most `budget` iterations.
    fn step(&mut self, budget: u32);
    fn output(&self) -> Option<&[u8]>;
}

/// PBKDF2 (RFC 8018 section 5.2) with `M` as PRF, resumable between iterations.
struct Slices<M> {
    /// The PRF keyed with the password, cloned for every iteration (as the `pbkdf2` crate does).
    keyed: M,
    salt: Vec<u8>,
    iterations: u32,
    key_len: usize,
    out: Zeroizing<Vec<u8>>,
    /// The index of the block being derived (from 1).
    block: u32,
    /// The block in progress; `None` between blocks.
    current: Option<Block>,
}

/// `U_j`, `T_i` so far and the iterations `T_i` still needs.
type Block = (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>, u32);

impl<M: hmac::Mac + Clone> Stepper for Slices<M> {
    fn step(&mut self, mut budget: u32) {
        while self.out.len() < self.key_len {
            if self.current.is_none() {
                if budget == 0 {
                    return;
                }
                budget -= 1;
                self.block += 1;
                let mut prf = self.keyed.clone();
                prf.update(&self.salt);
                prf.update(&self.block.to_be_bytes());
                let u = Zeroizing::new(prf.finalize().into_bytes().to_vec());
                let t = u.clone();
                self.current = Some((u, t, self.iterations.saturating_sub(1)));
            }
            let Some((u, t, left)) = &mut self.current else {
                continue; // set just above
            };
            let rounds = (*left).min(budget);
            for _ in 0..rounds {
                let mut prf = self.keyed.clone();
                prf.update(u);
                u.copy_from_slice(&prf.finalize().into_bytes());
                for (x, y) in t.iter_mut().zip(u.iter()) {
                    *x ^= y;
                }
            }
            *left -= rounds;
            budget -= rounds;
            if *left > 0 {
                return;
            }
            let take = t.len().min(self.key_len - self.out.len());
            self.out.extend_from_slice(&t[..take]);
            self.current = None;
        }
    }

    fn output(&self) -> Option<&[u8]> {
        (self.out.len() >= self.key_len).then_some(&self.out[..])
    }
}

impl Pbkdf2Request {
    /// The derivation as a [`Pbkdf2Task`] to run in slices (the same key as
    /// [`Pbkdf2Request::derive`]).
    pub fn start(&self, password: &[u8]) -> Pbkdf2Task {
        fn slices<M: hmac::Mac + hmac::digest::KeyInit + Clone + 'static>(
            r: &Pbkdf2Request,
            password: &[u8],
        ) -> Box<dyn Stepper> {
            Box::new(Slices {
                // HMAC takes keys of any length: this cannot fail.
                keyed: <M as hmac::digest::KeyInit>::new_from_slice(password)
                    .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
                salt: r.salt.clone(),
                iterations: r.iterations,
                key_len: r.key_len,
                out: Zeroizing::new(Vec::with_capacity(r.key_len)),
                block: 0,
                current: None,
            })
        }
        let inner = match self.prf {
            Prf::HmacSha1 => slices::<hmac::Hmac<sha1::Sha1>>(self, password),
            Prf::HmacSha224 => slices::<hmac::Hmac<sha2::Sha224>>(self, password),
            Prf::HmacSha256 => slices::<hmac::Hmac<sha2::Sha256>>(self, password),
            Prf::HmacSha384 => slices::<hmac::Hmac<sha2::Sha384>>(self, password),
            Prf::HmacSha512 => slices::<hmac::Hmac<sha2::Sha512>>(self, password),
        };
        Pbkdf2Task { inner }
    }
}

/// Runs every request in Rust, in order: the middle step of the one-call functions.
pub(crate) fn derive_all(requests: &[Pbkdf2Request], password: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    requests.iter().map(|r| r.derive(password)).collect()
}

/// Checks that `derived` answers `requests`: one key each, in order, of the asked length.
pub(crate) fn check_results<K: AsRef<[u8]>>(
    requests: &[Pbkdf2Request],
    derived: &[K],
) -> Result<()> {
    if derived.len() != requests.len() {
        return Err(Error::KdfResult(format!(
            "{} derived keys given for {} derivations",
            derived.len(),
            requests.len()
        )));
    }
    for (i, (request, key)) in requests.iter().zip(derived).enumerate() {
        check_result(request, key.as_ref())
            .map_err(|_| bad_length(Some(i), request, key.as_ref()))?;
    }
    Ok(())
}

/// Checks that `derived` has the length `request` asked for.
pub(crate) fn check_result(request: &Pbkdf2Request, derived: &[u8]) -> Result<()> {
    if derived.len() != request.key_len {
        return Err(bad_length(None, request, derived));
    }
    Ok(())
}

fn bad_length(index: Option<usize>, request: &Pbkdf2Request, derived: &[u8]) -> Error {
    let which = index.map_or_else(String::new, |i| format!(" {}", i + 1));
    Error::KdfResult(format!(
        "derived key{which} is {} bytes, {} were asked for",
        derived.len(),
        request.key_len
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(prf: Prf, key_len: usize) -> Pbkdf2Request {
        Pbkdf2Request {
            salt: b"salt".to_vec(),
            iterations: 2,
            prf,
            key_len,
        }
    }

    #[test]
    fn derive_matches_rfc6070_and_rfc7914_vectors() {
        // RFC 6070 test 2 (HMAC-SHA1, c = 2) and RFC 7914 section 11 (HMAC-SHA256, c = 1).
        let k = request(Prf::HmacSha1, 20).derive(b"password");
        assert_eq!(k[..4], [0xea, 0x6c, 0x01, 0x4d]);
        let r = Pbkdf2Request {
            salt: b"salt".to_vec(),
            iterations: 1,
            prf: Prf::HmacSha256,
            key_len: 64,
        };
        assert_eq!(r.derive(b"passwd")[..4], [0x55, 0xac, 0x04, 0x6e]);
    }

    /// The sliced form against the `pbkdf2` crate (itself checked against the RFC vectors
    /// above) for every PRF, keys of one to four blocks and slices that end inside a block,
    /// on its edge and past the end.
    #[test]
    fn a_sliced_task_derives_what_derive_does() {
        for prf in [
            Prf::HmacSha1,
            Prf::HmacSha224,
            Prf::HmacSha256,
            Prf::HmacSha384,
            Prf::HmacSha512,
        ] {
            for (iterations, key_len) in [(1, 16), (1000, 32), (777, 70)] {
                let r = Pbkdf2Request {
                    salt: b"garam laut".to_vec(),
                    iterations,
                    prf,
                    key_len,
                };
                let whole = r.derive("kata sandi ü".as_bytes());
                for slice in [1, 999, 1000, 1001, 100_000] {
                    let mut task = r.start("kata sandi ü".as_bytes());
                    let mut calls = 1;
                    while !task.step(slice) {
                        assert!(task.output().is_none());
                        calls += 1;
                    }
                    assert_eq!(
                        task.output(),
                        Some(&whole[..]),
                        "{prf:?} {iterations} {key_len} {slice}"
                    );
                    let hash_len = match prf {
                        Prf::HmacSha1 => 20,
                        Prf::HmacSha224 => 28,
                        Prf::HmacSha256 => 32,
                        Prf::HmacSha384 => 48,
                        Prf::HmacSha512 => 64,
                    };
                    let total = key_len.div_ceil(hash_len) as u32 * iterations;
                    assert_eq!(calls, total.div_ceil(slice), "no slice overruns");
                }
            }
        }
    }

    #[test]
    fn results_are_checked_for_count_and_length() {
        let reqs = [request(Prf::HmacSha256, 32), request(Prf::HmacSha512, 16)];
        assert!(check_results(&reqs, &[vec![0u8; 32], vec![0u8; 16]]).is_ok());
        let e = check_results(&reqs, &[vec![0u8; 32]]).unwrap_err();
        assert_eq!(e.code(), "kdf.bad_result");
        let e = check_results(&reqs, &[vec![0u8; 32], vec![0u8; 32]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the derived key is not usable: derived key 2 is 32 bytes, 16 were asked for"
        );
        assert!(check_results::<Vec<u8>>(&[], &[]).is_ok());
    }
}
