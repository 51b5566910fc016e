//! The PKCS#12 key-derivation function (RFC 7292 Appendix B.2) and its password encoding.
//!
//! PKCS#12 derives the MAC key (and, in the legacy `pbeWithSHAAnd…` schemes, the cipher key
//! and IV) with this hash-iterating KDF, not with PBKDF2. Its password is a BMPString:
//! UTF-16 big-endian followed by two zero bytes (Appendix B.1). RFC 7292 calls the KDF
//! deprecated for encryption; kunci only writes it where readers demand it (every PKCS#12
//! MAC that OpenSSL 3, Java, NSS and Windows verify, and the `legacy` profile).

use sha2::digest::Digest;
use zeroize::Zeroizing;

/// What a derived byte string is for: the `ID` byte of Appendix B.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A cipher key (`ID = 1`).
    Key = 1,
    /// A cipher IV (`ID = 2`).
    Iv = 2,
    /// A MAC key (`ID = 3`).
    Mac = 3,
}

/// Encodes a password as RFC 7292 wants it for the KDF: BMPString (UTF-16BE) plus two zero
/// bytes. Characters beyond U+FFFF become surrogate pairs, as OpenSSL's `OPENSSL_utf82uni`
/// does. A password that is not UTF-8 is taken byte by byte as Latin-1, which is OpenSSL's
/// fallback too, so such files stay readable with the same bytes.
pub(crate) fn bmp_password(password: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    match core::str::from_utf8(password) {
        Ok(s) => {
            for unit in s.encode_utf16() {
                out.extend_from_slice(&unit.to_be_bytes());
            }
        }
        Err(_) => {
            for &b in password {
                out.extend_from_slice(&[0, b]);
            }
        }
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// The digests the PKCS#12 KDF runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// Output length `u` in bytes.
    pub(crate) fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// Input block length `v` in bytes.
    fn block_len(self) -> usize {
        match self {
            Hash::Sha1 | Hash::Sha256 => 64,
            Hash::Sha384 | Hash::Sha512 => 128,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            Hash::Sha1 => run::<sha1::Sha1>(parts),
            Hash::Sha256 => run::<sha2::Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// Replaces `a` (one output of this hash) by `H^rounds(a)`. This is the KDF's inner
    /// loop, millions of rounds at kunci's iteration counts, so it calls the compression
    /// function directly on one pre-padded block instead of paying for a hasher's buffering
    /// and padding every round (and it runs at full speed even in unoptimised builds).
    fn iterate(self, a: &mut [u8], rounds: u32) {
        match self {
            Hash::Sha1 => iterate32(&SHA1_IV, sha1::block_api::compress, a, rounds),
            Hash::Sha256 => iterate32(&SHA256_IV, sha2::block_api::compress256, a, rounds),
            Hash::Sha384 => iterate64(&SHA384_IV, a, rounds),
            Hash::Sha512 => iterate64(&SHA512_IV, a, rounds),
        }
    }
}

// Initial hash values, FIPS 180-4 sections 5.3.1 to 5.3.5.
const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xefcd_ab89,
    0x98ba_dcfe,
    0x1032_5476,
    0xc3d2_e1f0,
];
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
const SHA384_IV: [u64; 8] = [
    0xcbbb_9d5d_c105_9ed8,
    0x629a_292a_367c_d507,
    0x9159_015a_3070_dd17,
    0x152f_ecd8_f70e_5939,
    0x6733_2667_ffc0_0b31,
    0x8eb4_4a87_6858_1511,
    0xdb0c_2e0d_64f9_8fa7,
    0x47b5_481d_befa_4fa4,
];
const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// [`Hash::iterate`] for the 64-byte-block hashes (SHA-1, SHA-256), whose `a` (20 or 32
/// bytes) plus padding fits one block.
fn iterate32<const W: usize>(
    iv: &[u32; W],
    compress: fn(&mut [u32; W], &[[u8; 64]]),
    a: &mut [u8],
    rounds: u32,
) {
    let u = a.len();
    let mut block = Zeroizing::new([[0u8; 64]]);
    block[0][..u].copy_from_slice(a);
    block[0][u] = 0x80;
    block[0][56..].copy_from_slice(&((u as u64) * 8).to_be_bytes());
    for _ in 0..rounds {
        let mut state = *iv;
        compress(&mut state, &block[..]);
        for (chunk, word) in block[0][..u].chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
    }
    a.copy_from_slice(&block[0][..u]);
}

/// [`Hash::iterate`] for SHA-384 and SHA-512 (48 or 64 bytes in a 128-byte block).
fn iterate64(iv: &[u64; 8], a: &mut [u8], rounds: u32) {
    let u = a.len();
    let mut block = Zeroizing::new([[0u8; 128]]);
    block[0][..u].copy_from_slice(a);
    block[0][u] = 0x80;
    block[0][112..].copy_from_slice(&((u as u128) * 8).to_be_bytes());
    for _ in 0..rounds {
        let mut state = *iv;
        sha2::block_api::compress512(&mut state, &block[..]);
        for (chunk, word) in block[0][..u].chunks_exact_mut(8).zip(state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
    }
    a.copy_from_slice(&block[0][..u]);
}

/// Derives `out_len` bytes with `hash`, per RFC 7292 Appendix B.2, in one run (the tests'
/// reference for the sliced form; the code runs [`Derivation`]s). `password` is already
/// BMP-encoded (see [`bmp_password`]), or empty for "no password". `iterations` must be at
/// least 1 (callers check).
#[cfg(test)]
pub(crate) fn derive(
    hash: Hash,
    password: &[u8],
    salt: &[u8],
    purpose: Purpose,
    iterations: u32,
    out_len: usize,
) -> Zeroizing<Vec<u8>> {
    Derivation::new(hash, password, salt, purpose, iterations, out_len).run()
}

/// One PKCS#12 KDF derivation that can run in slices: [`Derivation::step`] does at most a
/// given number of hash iterations and returns, so that a caller on a browser's main thread
/// can give the event loop a turn between slices (a 600 000-iteration MAC key is about
/// 180 ms of wasm in one piece). [`derive`] is this run to the end, so the published vectors
/// below check the sliced form too.
///
/// It holds the stretched password (`I` of Appendix B.2) until dropped, zeroized then.
#[derive(Clone)]
pub(crate) struct Derivation {
    hash: Hash,
    purpose: Purpose,
    iterations: u32,
    out_len: usize,
    /// `I = S || P`, updated between output blocks.
    i_buf: Zeroizing<Vec<u8>>,
    out: Zeroizing<Vec<u8>>,
    /// The output block being iterated (`A_i`) and the rounds it still needs; `None`
    /// between blocks.
    current: Option<(Zeroizing<Vec<u8>>, u32)>,
}

impl Derivation {
    /// Sets up the derivation; no hashing yet. Arguments as for [`derive`].
    pub(crate) fn new(
        hash: Hash,
        password: &[u8],
        salt: &[u8],
        purpose: Purpose,
        iterations: u32,
        out_len: usize,
    ) -> Self {
        let v = hash.block_len();
        // I = S || P, each stretched to a whole number of v-byte blocks by repetition.
        let stretched = |src: &[u8]| -> usize { src.len().div_ceil(v) * v };
        let (s_len, p_len) = (stretched(salt), stretched(password));
        let mut i_buf = Zeroizing::new(Vec::with_capacity(s_len + p_len));
        i_buf.extend(salt.iter().cycle().take(s_len));
        i_buf.extend(password.iter().cycle().take(p_len));
        Derivation {
            hash,
            purpose,
            iterations,
            out_len,
            i_buf,
            out: Zeroizing::new(Vec::with_capacity(out_len)),
            current: None,
        }
    }

    /// True once every output byte is derived.
    pub(crate) fn is_done(&self) -> bool {
        self.out.len() >= self.out_len
    }

    /// The derived bytes, once [`Derivation::is_done`].
    pub(crate) fn output(&self) -> Option<&[u8]> {
        self.is_done().then_some(&self.out[..])
    }

    /// Hash iterations still to run (an estimate of the cost left, for callers that slice).
    pub(crate) fn remaining(&self) -> u64 {
        let u = self.hash.output_len();
        let blocks_left = (self.out_len - self.out.len()).div_ceil(u) as u64;
        let per_block = u64::from(self.iterations.max(1));
        match &self.current {
            Some((_, left)) => u64::from(*left) + (blocks_left - 1) * per_block,
            None => blocks_left * per_block,
        }
    }

    /// Runs at most `budget` hash iterations (the one-block hash that starts each output
    /// block counts as one) and returns what is left of the budget: non-zero only when the
    /// derivation finished.
    pub(crate) fn step(&mut self, mut budget: u32) -> u32 {
        let (u, v) = (self.hash.output_len(), self.hash.block_len());
        while self.out.len() < self.out_len {
            if self.current.is_none() {
                if budget == 0 {
                    return 0;
                }
                budget -= 1;
                let diversifier = [self.purpose as u8; 128];
                let a = Zeroizing::new(self.hash.digest(&[&diversifier[..v], &self.i_buf]));
                self.current = Some((a, self.iterations.saturating_sub(1)));
            }
            let Some((a, left)) = &mut self.current else {
                continue; // set just above
            };
            let rounds = (*left).min(budget);
            self.hash.iterate(&mut a[..], rounds);
            *left -= rounds;
            budget -= rounds;
            if *left > 0 {
                return 0;
            }
            let take = u.min(self.out_len - self.out.len());
            self.out.extend_from_slice(&a[..take]);
            if self.out.len() < self.out_len {
                // B = A repeated to v bytes; every v-byte block of I becomes
                // (I_j + B + 1) mod 2^8v.
                let b: Zeroizing<Vec<u8>> = Zeroizing::new((0..v).map(|k| a[k % u]).collect());
                for block in self.i_buf.chunks_mut(v) {
                    let mut carry = 1u16;
                    for (x, y) in block.iter_mut().zip(b.iter()).rev() {
                        let sum = u16::from(*x) + u16::from(*y) + carry;
                        *x = sum as u8; // keep the low byte: the addition is mod 2^(8v)
                        carry = sum >> 8;
                    }
                }
            }
            self.current = None;
        }
        budget
    }

    /// Runs to the end and returns the derived bytes.
    pub(crate) fn run(mut self) -> Zeroizing<Vec<u8>> {
        while !self.is_done() {
            self.step(u32::MAX);
        }
        core::mem::take(&mut self.out)
    }
}

/// Runs at most `budget` iterations over `derivations`, in order; true when all are done.
/// What a job's `step` does with its list of PKCS#12 derivations.
pub(crate) fn step_all(derivations: &mut [Derivation], mut budget: u32) -> bool {
    for d in derivations.iter_mut() {
        if budget == 0 {
            break;
        }
        budget = d.step(budget);
    }
    derivations.iter().all(Derivation::is_done)
}

/// The outputs of `derivations`, finishing (on a copy) any that a caller left unfinished.
pub(crate) fn outputs(derivations: &[Derivation]) -> Vec<Zeroizing<Vec<u8>>> {
    derivations
        .iter()
        .map(|d| match d.output() {
            Some(out) => Zeroizing::new(out.to_vec()),
            None => d.clone().run(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Vectors from RustCrypto/formats `pkcs12/tests/kdf.rs` (pkcs12 0.2.0-pre.0), which its
    // authors checked against OpenSSL's `PKCS12_key_gen_utf8`: password "ge@äheim" (a
    // non-ASCII character, so the BMP encoding is exercised), salt 01..08.
    const PASS: &str = "ge@äheim";
    const SALT: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

    #[test]
    fn sha256_matches_the_published_vectors() {
        let pw = bmp_password(PASS.as_bytes());
        let d = |p, n, len| hex::encode(&*derive(Hash::Sha256, &pw, &SALT, p, n, len));
        assert_eq!(
            d(Purpose::Key, 100, 32),
            "fae4d4957a3cc781e1180b9d4fb79c1e0c8579b746a3177e5b0768a3118bf863"
        );
        assert_eq!(
            d(Purpose::Iv, 100, 32),
            "e5ff813bc6547de5155b14d2fada85b3201a977349db6e26ccc998d9e8f83d6c"
        );
        assert_eq!(
            d(Purpose::Mac, 100, 32),
            "136355ed9434516682534f46d63956db5ff06b844702c2c1f3b46321e2524a4d"
        );
        assert_eq!(d(Purpose::Mac, 100, 12), "136355ed9434516682534f46");
        assert_eq!(
            d(Purpose::Key, 1000, 32),
            "2b95a0569b63f641fae1efca32e84db3699ab74540628ba66283b58cf5400527"
        );
        // 100 bytes: four hash outputs, so the I-block update between rounds is exercised.
        assert_eq!(
            d(Purpose::Key, 1000, 100),
            "2b95a0569b63f641fae1efca32e84db3699ab74540628ba66283b58cf5400527d8d0ebe2ccbf768c51c4d8fbd1bb156be06c1c59cbb69e44052ffc37376fdb47b2de7f9e543de9d096d8e5474b220410ff1c5d8bb7e5bc0f61baeaa12fd0da1d7a970172"
        );
    }

    // Made with OpenSSL 3.0's PKCS12KDF, whose `hexpass` is the BMP-encoded password:
    //   openssl kdf -keylen N -kdfopt hexpass:P -kdfopt hexsalt:S -kdfopt iter:R \
    //     -kdfopt id:ID -kdfopt digest:H PKCS12KDF
    // The first two are also the classic "smeg" vectors of the PKCS#12 test suites.
    #[test]
    fn sha1_sha384_sha512_match_openssl_pkcs12kdf() {
        let smeg = bmp_password(b"smeg");
        assert_eq!(&*smeg, &hex("0073006d006500670000"));
        let salt = hex("0a58cf64530d823f");
        assert_eq!(
            hex::encode(&*derive(Hash::Sha1, &smeg, &salt, Purpose::Key, 1, 24)),
            "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
        );
        assert_eq!(
            hex::encode(&*derive(Hash::Sha1, &smeg, &salt, Purpose::Iv, 1, 8)),
            "79993dfe048d3b76"
        );
        let queeg = bmp_password(b"queeg");
        let salt = hex("1682c0fc5b3f7ec5");
        assert_eq!(
            hex::encode(&*derive(Hash::Sha1, &queeg, &salt, Purpose::Mac, 1000, 20)),
            "022db40d747da404972b3144296ba4b80a96b1f3"
        );
        let pw = bmp_password(b"ge@aei");
        assert_eq!(
            hex::encode(&*derive(Hash::Sha1, &pw, &SALT, Purpose::Key, 5, 40)),
            "070f3c261e0894976dc91c1d6699dacc01c052dd1ed6a77c19b74326e1f68c2ace57e7ef31489ac9"
        );
        assert_eq!(
            hex::encode(&*derive(Hash::Sha384, &pw, &SALT, Purpose::Mac, 2048, 48)),
            "b21438ca1dd2f7e43036212c1c6e585c243aaa9441b06578ec7704e989fb15e0fd17297685930b91bfcbd2a3a9e969fc"
        );
        // 130 bytes over SHA-512: three rounds with 128-byte I blocks.
        assert_eq!(
            hex::encode(&*derive(Hash::Sha512, &pw, &SALT, Purpose::Key, 3, 130)),
            "bf46b86beaf2d546ed7322271d4cdcb4cfc027985640090de65854e1b7e08a5bd8e13456c4f91ed8b7a9492fdeea439d3ed6b55cf49261883706942ca230e80bc29ce0045e696c2d4979b02074554ef9d8a274920c3fbb91e5f16c831a444e217e94c2a9859068a0d3298275ecf3e39f311dfc38634d79d158ea0a48bb81e8825724"
        );
    }

    /// kunci's own parameters (600 000 iterations, a 16-byte salt, a non-ASCII password):
    /// the MAC key of both profiles and the legacy 3DES key (two SHA-1 blocks) and IV, run in
    /// 10 000-iteration slices as the npm package runs them, against OpenSSL 3.0's PKCS12KDF:
    ///   openssl kdf -keylen N -kdfopt hexpass:<bmp below> -kdfopt \
    ///     hexsalt:000102030405060708090a0b0c0d0e0f -kdfopt iter:600000 -kdfopt id:ID \
    ///     -kdfopt digest:H PKCS12KDF
    #[test]
    fn sliced_600000_iterations_match_openssl_pkcs12kdf() {
        let pw = bmp_password("Kata sandi: rahasia-ü€".as_bytes());
        assert_eq!(
            hex::encode(&*pw),
            "004b006100740061002000730061006e00640069003a00200072006100680061007300690061002d00fc20ac0000"
        );
        let salt = hex("000102030405060708090a0b0c0d0e0f");
        let sliced = |hash, purpose, len| {
            let mut d = Derivation::new(hash, &pw, &salt, purpose, 600_000, len);
            while !step_all(core::slice::from_mut(&mut d), 10_000) {}
            hex::encode(d.output().unwrap_or_default())
        };
        assert_eq!(
            sliced(Hash::Sha256, Purpose::Mac, 32),
            "73e4281295b91c344d6f7ca51a8b9bb6f365e76f0dac79a1eaee4d66d7b8e2b2"
        );
        assert_eq!(
            sliced(Hash::Sha1, Purpose::Mac, 20),
            "34ef7b3da9eedc90a8f8431d505dda0e4063479a"
        );
        assert_eq!(
            sliced(Hash::Sha1, Purpose::Key, 24),
            "113d3e9189d65119bc6ab840397ba8f8e708d0561cc874c5"
        );
        assert_eq!(sliced(Hash::Sha1, Purpose::Iv, 8), "8f233391f45887b1");
    }

    /// The sliced form against the one-shot form (itself checked against the published
    /// vectors above) for every hash, several output blocks and slice sizes that end inside
    /// a block, on a block boundary and past the end.
    #[test]
    fn slicing_gives_the_same_bytes_as_one_run() {
        let pw = bmp_password(PASS.as_bytes());
        for hash in [Hash::Sha1, Hash::Sha256, Hash::Sha384, Hash::Sha512] {
            for (iterations, len) in [(1, 20), (1000, 32), (1000, 100), (777, 130)] {
                let whole = derive(hash, &pw, &SALT, Purpose::Mac, iterations, len);
                for slice in [1, 7, 999, 1000, 1001, 5000] {
                    let mut d = Derivation::new(hash, &pw, &SALT, Purpose::Mac, iterations, len);
                    let total = d.remaining();
                    let mut calls = 0u64;
                    while !step_all(core::slice::from_mut(&mut d), slice) {
                        calls += 1;
                        assert!(d.output().is_none());
                    }
                    assert_eq!(
                        d.output(),
                        Some(&whole[..]),
                        "{hash:?} {iterations} {len} {slice}"
                    );
                    // No slice overruns its budget: the work took as many slices as it costs.
                    assert_eq!(calls, total.div_ceil(u64::from(slice)) - 1);
                }
            }
        }
    }

    #[test]
    fn step_all_runs_the_list_in_order_and_outputs_finishes_the_rest() {
        let pw = bmp_password(b"rahasia");
        let mut list = vec![
            Derivation::new(Hash::Sha1, &pw, &SALT, Purpose::Key, 600, 20),
            Derivation::new(Hash::Sha256, &pw, &SALT, Purpose::Mac, 600, 32),
        ];
        assert!(!step_all(&mut list, 700));
        assert!(list[0].is_done() && !list[1].is_done());
        let expected = [
            derive(Hash::Sha1, &pw, &SALT, Purpose::Key, 600, 20),
            derive(Hash::Sha256, &pw, &SALT, Purpose::Mac, 600, 32),
        ];
        assert_eq!(outputs(&list), expected);
        assert!(!list[1].is_done(), "outputs works on a copy");
        assert!(step_all(&mut list, u32::MAX));
        assert_eq!(outputs(&list), expected);
    }

    #[test]
    fn password_is_utf16be_with_a_terminator() {
        assert_eq!(&*bmp_password(b"a"), &[0, 0x61, 0, 0]);
        assert_eq!(&*bmp_password("ä".as_bytes()), &[0, 0xe4, 0, 0]);
        // U+1F600 becomes the surrogate pair D83D DE00.
        assert_eq!(
            &*bmp_password("😀".as_bytes()),
            &[0xd8, 0x3d, 0xde, 0x00, 0, 0]
        );
        // Not UTF-8: Latin-1 byte by byte, like OpenSSL.
        assert_eq!(&*bmp_password(&[0xff]), &[0, 0xff, 0, 0]);
        assert_eq!(&*bmp_password(b""), &[0, 0]);
    }
}
