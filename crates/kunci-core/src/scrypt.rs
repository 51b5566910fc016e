//! scrypt (RFC 7914) as a resumable task, so that a page's main thread can decrypt a
//! scrypt-encrypted PKCS#8 key (`openssl pkcs8 -topk8 -scrypt`: N = 16384, r = 8, p = 1)
//! in slices that yield, instead of in one task of a quarter of a second (issue 14).
//!
//! Written from the RFC, section by section: Salsa20/8 core (§3), scryptBlockMix (§4),
//! scryptROMix (§5), and scrypt itself (§6): `B = PBKDF2-HMAC-SHA256(P, S, 1, p·128·r)`, ROMix
//! on each of the p blocks of B, `DK = PBKDF2-HMAC-SHA256(P, B, 1, dkLen)`. The two PBKDF2
//! calls are one iteration each, so all the work is in ROMix: 2·N BlockMix calls per block,
//! the first N filling the table V, the last N reading it. [`ScryptTask::step`] counts its
//! budget in those BlockMix calls. The `scrypt` crate (which `pkcs5` runs when a file is
//! decrypted in one piece) runs the same algorithm in one call that cannot be interrupted.
//!
//! The table V (N · 128 · r bytes: 16 MiB for OpenSSL's parameters) depends on the password,
//! so it is wiped before it is freed, in steps too (zeroing 16 MiB with volatile writes is
//! itself a few milliseconds of wasm).

use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Result};

/// One scrypt derivation: `scrypt(P, salt, N = 2^log_n, r, p, key_len)`, as a PBES2 file
/// describes it. The caller has checked its cost (N · r · p) against
/// [`crate::pkcs8::MAX_ITERATIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScryptRequest {
    /// The salt, as written in the file.
    pub salt: Vec<u8>,
    /// log₂ N, the CPU/memory cost (N = 16384 is 14).
    pub log_n: u8,
    /// The block size r.
    pub r: u32,
    /// The parallelisation p (run one block after the other here).
    pub p: u32,
    /// The derived key's length in bytes.
    pub key_len: usize,
}

impl ScryptRequest {
    /// The derivation as a [`ScryptTask`] to run in slices. Refuses parameters RFC 7914
    /// rules out (N < 2, r or p of 0, r · p ≥ 2^30, an empty key) and a table V this
    /// host cannot allocate, as [`Error::Pkcs8UnsupportedEncryption`].
    pub fn start(&self, password: &[u8]) -> Result<ScryptTask> {
        let refuse = |why: &str| Err(Error::Pkcs8UnsupportedEncryption(format!("scrypt: {why}")));
        if !(1..32).contains(&self.log_n) || self.r == 0 || self.p == 0 || self.key_len == 0 {
            return refuse("N, r, p and the key length must be positive (and N a power of two)");
        }
        if u64::from(self.r) * u64::from(self.p) >= 1 << 30 {
            return refuse("r · p must be below 2^30 (RFC 7914 section 2)");
        }
        let n = 1usize << self.log_n;
        let words = 32 * self.r as usize; // one block of 128·r bytes, as u32 words
        let table = n.checked_mul(words).ok_or(());
        let mut v = Vec::new();
        if table
            .and_then(|t| v.try_reserve_exact(t).map_err(|_| ()))
            .is_err()
        {
            return refuse("its table does not fit in this host's memory");
        }
        let mut b = Zeroizing::new(vec![0u8; 128 * self.r as usize * self.p as usize]);
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &self.salt, 1, &mut b);
        let mut task = ScryptTask {
            password: Zeroizing::new(password.to_vec()),
            key_len: self.key_len,
            n,
            b,
            v,
            x: Zeroizing::new(vec![0; words]),
            y: Zeroizing::new(vec![0; words]),
            block: 0,
            i: 0,
            wiped: 0,
            out: None,
        };
        task.load_block();
        Ok(task)
    }

    /// Runs the whole derivation at once (for callers that may block).
    pub fn derive(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let mut task = self.start(password)?;
        while !task.step(u32::MAX) {}
        Ok(task.out.take().unwrap_or_default())
    }
}

/// A scrypt derivation in progress, from [`ScryptRequest::start`]. [`ScryptTask::step`] runs
/// at most the BlockMix calls it is given and returns, so that a caller on a UI thread can
/// give its event loop a turn between slices. Everything it holds (password, B, V, the
/// working blocks, the result) is zeroized on drop.
pub struct ScryptTask {
    password: Zeroizing<Vec<u8>>,
    key_len: usize,
    /// N.
    n: usize,
    /// B of RFC 7914 section 6: p blocks of 128·r bytes.
    b: Zeroizing<Vec<u8>>,
    /// V of scryptROMix, filled as the first N steps go (so memory is touched as it is
    /// used); wiped in steps after the last block (see [`ScryptTask::step`]), else on drop.
    v: Vec<u32>,
    /// X of scryptROMix, as little-endian words (section 5 step 1: X = B).
    x: Zeroizing<Vec<u32>>,
    /// BlockMix's output, swapped with `x` after each call.
    y: Zeroizing<Vec<u32>>,
    /// The block of B in ROMix (0..p); p when all are done.
    block: usize,
    /// The ROMix step within the block: 0..N fill V, N..2N read it.
    i: usize,
    /// How many of V's blocks have been wiped once all blocks are done.
    wiped: usize,
    out: Option<Zeroizing<Vec<u8>>>,
}

impl ScryptTask {
    /// Runs at most `max_blockmix` BlockMix calls (or, at the end, wipes as many of V's
    /// 128·r-byte entries, a cheaper unit); true once the key is derived.
    pub fn step(&mut self, max_blockmix: u32) -> bool {
        let mut budget = max_blockmix as usize;
        let words = self.x.len();
        let blocks = self.b.len() / (4 * words);
        while self.out.is_none() && budget > 0 {
            if self.block < blocks {
                if self.i < self.n {
                    // Section 5 step 2: V_i = X, X = BlockMix(X).
                    self.v.extend_from_slice(&self.x);
                } else {
                    // Section 5 step 3: j = Integerify(X) mod N, X = BlockMix(X xor V_j).
                    // Integerify reads the first word of X's last 64-byte piece; N is a power
                    // of two below 2^32, so the low 32 bits decide j.
                    let j = (self.x[words - 16] as usize) & (self.n - 1);
                    for (x, v) in self.x.iter_mut().zip(&self.v[j * words..(j + 1) * words]) {
                        *x ^= v;
                    }
                }
                block_mix(&self.x, &mut self.y);
                core::mem::swap(&mut self.x, &mut self.y);
                budget -= 1;
                self.i += 1;
                if self.i == 2 * self.n {
                    self.store_block();
                    self.block += 1;
                    self.i = 0;
                    if self.block < blocks {
                        // The next block overwrites every entry of V before reading any.
                        self.v.clear();
                        self.load_block();
                    }
                }
            } else if self.wiped < self.v.len() / words {
                let end = (self.wiped + budget).min(self.v.len() / words);
                self.v[self.wiped * words..end * words].zeroize();
                budget -= end - self.wiped;
                self.wiped = end;
            } else {
                // Wiped above: free it without a second pass.
                self.v = Vec::new();
                // Section 6 step 3: DK = PBKDF2-HMAC-SHA256(P, B, 1, dkLen).
                let mut out = Zeroizing::new(vec![0u8; self.key_len]);
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(&self.password, &self.b, 1, &mut out);
                self.out = Some(out);
            }
        }
        self.out.is_some()
    }

    /// The derived key, once [`ScryptTask::step`] said it is done.
    pub fn output(&self) -> Option<&[u8]> {
        self.out.as_deref().map(Vec::as_slice)
    }

    /// X = the current block of B, read as little-endian words (section 5 step 1).
    fn load_block(&mut self) {
        let len = 4 * self.x.len();
        let bytes = &self.b[self.block * len..(self.block + 1) * len];
        for (w, c) in self.x.iter_mut().zip(bytes.chunks_exact(4)) {
            *w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
    }

    /// The current block of B = X (section 5 step 4), as bytes again.
    fn store_block(&mut self) {
        let len = 4 * self.x.len();
        let bytes = &mut self.b[self.block * len..(self.block + 1) * len];
        for (w, c) in self.x.iter().zip(bytes.chunks_exact_mut(4)) {
            c.copy_from_slice(&w.to_le_bytes());
        }
    }
}

impl Drop for ScryptTask {
    fn drop(&mut self) {
        // Empty (and freed) once the task has run to the end; else the partial table.
        self.v.zeroize();
    }
}

impl core::fmt::Debug for ScryptTask {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ScryptTask")
            .field("n", &self.n)
            .field("block", &self.block)
            .field("done", &self.out.is_some())
            .finish_non_exhaustive()
    }
}

/// scryptBlockMix (RFC 7914 section 4) of `b` (2·r 64-byte pieces, as words) into `out`:
/// X = B_{2r-1}; for each piece, X = Salsa20/8(X xor B_i) and Y_i = X; the output is the
/// even-numbered Y_i, then the odd-numbered ones.
fn block_mix(b: &[u32], out: &mut [u32]) {
    let pieces = b.len() / 16;
    let mut x = [0u32; 16];
    x.copy_from_slice(&b[b.len() - 16..]);
    for (i, piece) in b.chunks_exact(16).enumerate() {
        for (x, w) in x.iter_mut().zip(piece) {
            *x ^= w;
        }
        salsa20_8(&mut x);
        let at = if i % 2 == 0 {
            i / 2
        } else {
            pieces / 2 + i / 2
        };
        out[16 * at..16 * (at + 1)].copy_from_slice(&x);
    }
    x.zeroize();
}

/// The Salsa20/8 core (RFC 7914 section 3) on `b`, in place: four double rounds (a column
/// round then a row round), then the input added word by word.
fn salsa20_8(b: &mut [u32; 16]) {
    /// One quarter-round: the four lines of the RFC's loop body that touch a, b, c, d.
    fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
        x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
        x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
        x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
    }
    let mut x = *b;
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 5, 9, 13, 1);
        quarter(&mut x, 10, 14, 2, 6);
        quarter(&mut x, 15, 3, 7, 11);
        quarter(&mut x, 0, 1, 2, 3);
        quarter(&mut x, 5, 6, 7, 4);
        quarter(&mut x, 10, 11, 8, 9);
        quarter(&mut x, 15, 12, 13, 14);
    }
    for (b, x) in b.iter_mut().zip(x) {
        *b = b.wrapping_add(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .flat_map(|w| {
                (0..w.len())
                    .step_by(2)
                    .map(move |i| u8::from_str_radix(&w[i..i + 2], 16).unwrap())
            })
            .collect()
    }

    fn words(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// RFC 7914 section 8's Salsa20/8 core test vector.
    #[test]
    fn salsa20_8_matches_rfc_7914_section_8() {
        let input = words(&hex(
            "7e879a21 4f3ec986 7ca940e6 41718f26 baee555b 8c61c1b5 0df84611 6dcd3b1d
             ee24f319 df9b3d85 14121e4b 5ac5aa32 76021d29 09c74829 edebc68d b8b8c25e",
        ));
        let want = words(&hex(
            "a41f859c 6608cc99 3b81cacb 020cef05 044b2181 a2fd337d fd7b1c63 96682f29
             b4393168 e3c9e6bc fe6bc5b7 a06d96ba e424cc10 2c91745c 24ad673d c7618f81",
        ));
        let mut b: [u32; 16] = input.try_into().unwrap();
        salsa20_8(&mut b);
        assert_eq!(b.to_vec(), want);
    }
}
