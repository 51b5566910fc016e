//! scrypt as a resumable task (`kunci_core::scrypt`), against RFC 7914 section 12's test
//! vectors (the expected keys are copied from the RFC's text) and against the `scrypt` crate
//! (through `pkcs5`, which re-exports the one it decrypts with) for the parameters OpenSSL
//! writes and kunci reads (`openssl pkcs8 -topk8 -scrypt`: N = 16384, r = 8, p = 1), run in
//! slices of every size from one BlockMix call up.

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kunci_core::scrypt::ScryptRequest;

fn request(salt: &[u8], log_n: u8, r: u32, p: u32, key_len: usize) -> ScryptRequest {
    ScryptRequest {
        salt: salt.to_vec(),
        log_n,
        r,
        p,
        key_len,
    }
}

/// Runs `req` in slices of `slice` BlockMix calls, counting the slices.
fn sliced(req: &ScryptRequest, password: &[u8], slice: u32) -> (Vec<u8>, usize) {
    let mut task = req.start(password).unwrap();
    let mut slices = 1;
    while !task.step(slice) {
        slices += 1;
    }
    (task.output().unwrap().to_vec(), slices)
}

/// The `scrypt` crate's answer, the reference.
fn reference(req: &ScryptRequest, password: &[u8]) -> Vec<u8> {
    let params = pkcs5::scrypt::Params::new(req.log_n, req.r, req.p).unwrap();
    let mut out = vec![0u8; req.key_len];
    pkcs5::scrypt::scrypt(password, &req.salt, &params, &mut out).unwrap();
    out
}

/// RFC 7914 section 12, the first three vectors. The fourth (N = 2^20, r = 8: a 1 GiB
/// table) is left out: it is within kunci's cost cap but not worth a gigabyte in a test.
/// P, S, log₂ N, r, p, and the 64-byte key in hex.
type Vector = (&'static [u8], &'static [u8], u8, u32, u32, &'static str);

#[test]
fn rfc_7914_section_12_vectors() {
    let cases: [Vector; 3] = [
        (
            b"",
            b"",
            4,
            1,
            1,
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442\
             fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
        ),
        (
            b"password",
            b"NaCl",
            10,
            8,
            16,
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162\
             2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
        ),
        (
            b"pleaseletmein",
            b"SodiumChloride",
            14,
            8,
            1,
            "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2\
             d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
        ),
    ];
    for (password, salt, log_n, r, p, want) in cases {
        let req = request(salt, log_n, r, p, 64);
        assert_eq!(
            hex::encode(req.derive(password).unwrap().as_slice()),
            want,
            "N = 2^{log_n}"
        );
        let (got, _) = sliced(&req, password, 100);
        assert_eq!(hex::encode(got), want, "N = 2^{log_n}, in slices");
    }
}

#[test]
fn openssl_parameters_match_the_scrypt_crate_in_any_slicing() {
    // OpenSSL's -scrypt defaults, with an AES-256 key's length, as in a PKCS#8 file.
    let req = request(b"\x01\x02\x03\x04\x05\x06\x07\x08", 14, 8, 1, 32);
    let want = reference(&req, b"kunci-raf");
    for slice in [1, 7, 4096, 40_000] {
        let (got, slices) = sliced(&req, b"kunci-raf", slice);
        assert_eq!(got, want, "slices of {slice}");
        // 2·N BlockMix calls, then 16384 table entries to wipe, at most `slice` of each per call.
        let work = 2 * 16384 + 16384;
        assert!(
            slices as u32 >= work / slice,
            "slices of {slice}: {slices} slices"
        );
    }
    // p > 1 and odd sizes: every block of B goes through ROMix.
    let req = request(b"salt", 6, 3, 5, 48);
    assert_eq!(sliced(&req, b"pw", 13).0, reference(&req, b"pw"));
}

#[test]
fn a_task_makes_no_progress_without_budget_and_refuses_bad_parameters() {
    let req = request(b"s", 4, 1, 1, 16);
    let mut task = req.start(b"p").unwrap();
    assert!(!task.step(0));
    assert!(task.output().is_none());
    for bad in [
        request(b"s", 0, 1, 1, 16),
        request(b"s", 4, 0, 1, 16),
        request(b"s", 4, 1, 0, 16),
        request(b"s", 4, 1, 1, 0),
        request(b"s", 4, 1 << 15, 1 << 15, 16),
    ] {
        assert_eq!(
            bad.start(b"p").unwrap_err().code(),
            "pkcs8.unsupported_encryption",
            "{bad:?}"
        );
    }
}
