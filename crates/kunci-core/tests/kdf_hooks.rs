//! The key-derivation hooks of PKCS#12 (`kunci_core::kdf`, `pkcs12::prepare_*`): prepare →
//! derive elsewhere → finish must make and read the same files as the one-call functions, and
//! a derived key that does not fit must be refused with the documented error. PKCS#8's hooks
//! are in `tests/pkcs8.rs`.
//!
//! "Elsewhere" is the `pbkdf2` crate called directly, chosen by the WebCrypto hash name the
//! request gives, as the npm package does with `crypto.subtle.deriveBits`. OpenSSL judges
//! the files. Iterations stay at `pkcs8::MIN_ITERATIONS` to keep the tests fast.

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod elsewhere;

use kunci_test_support as common;

use std::path::Path;

use common::{judge, p, rng, run, run_ok, tempdir};
use elsewhere::{PASSWORD, derive_elsewhere};
use kunci_core::kdf::{Pbkdf2Request, Prf};
use kunci_core::pkcs8::MIN_ITERATIONS;
use kunci_core::pkcs12::{self, PackOptions, Pkcs12Contents, Profile};
use kunci_core::{Error, KeyAlgorithm, KeyPair, pem, pkcs8};

const P12_VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/pkcs12");
/// The password of the committed PKCS#12 vectors (vectors/pkcs12/password.txt).
const VECTOR_PASSWORD: &[u8] = b"kunci-uji-p12";

fn derive_all(requests: &[Pbkdf2Request], password: &[u8]) -> Vec<Vec<u8>> {
    requests
        .iter()
        .map(|r| derive_elsewhere(r, password))
        .collect()
}

fn p12_vector(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(P12_VECTORS).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn certs_in(pem_text: &[u8]) -> Vec<Vec<u8>> {
    pem::decode_all(pem_text)
        .unwrap()
        .into_iter()
        .filter(|(l, _)| l == "CERTIFICATE")
        .map(|(_, d)| d)
        .collect()
}

/// The committed leaf key, its certificate and its chain.
fn fixture() -> (KeyPair, Vec<u8>, Vec<Vec<u8>>) {
    let key = pkcs8::read_unencrypted(&p12_vector("leaf-p256.key")).unwrap();
    let cert = certs_in(&p12_vector("leaf-p256.pem")).remove(0);
    let chain = vec![
        certs_in(&p12_vector("inter.pem")).remove(0),
        certs_in(&p12_vector("root.pem")).remove(0),
    ];
    (key, cert, chain)
}

fn options(profile: Profile) -> PackOptions {
    PackOptions {
        profile,
        iterations: MIN_ITERATIONS,
        friendly_name: Some("Budi Santoso".into()),
    }
}

fn prepare_pack(profile: Profile) -> pkcs12::PackJob {
    let (key, cert, chain) = fixture();
    pkcs12::prepare_pack(
        &key,
        &cert,
        &chain,
        PASSWORD.as_bytes(),
        &options(profile),
        &mut rng(),
    )
    .unwrap()
}

/// Everything a reader reports, comparable.
fn summary(c: &Pkcs12Contents) -> String {
    format!(
        "key={:?} cert={:?} chain={:?} name={:?} id={:?} mac={} keyenc={} certenc={} iter={}",
        c.key.as_ref().map(KeyPair::public_key_der),
        c.certificate,
        c.chain,
        c.friendly_name,
        c.local_key_id,
        c.mac_algorithm,
        c.key_encryption,
        c.cert_encryption,
        c.iterations
    )
}

// ---------------------------------------------------------------------------------------------
// Prf

#[test]
fn prf_maps_to_webcrypto_hash_names_and_sha224_to_none() {
    assert_eq!(Prf::HmacSha1.webcrypto_hash(), Some("SHA-1"));
    assert_eq!(Prf::HmacSha224.webcrypto_hash(), None);
    assert_eq!(Prf::HmacSha256.webcrypto_hash(), Some("SHA-256"));
    assert_eq!(Prf::HmacSha384.webcrypto_hash(), Some("SHA-384"));
    assert_eq!(Prf::HmacSha512.webcrypto_hash(), Some("SHA-512"));
    // Each name really is the hash the Rust derivation uses.
    for prf in [
        Prf::HmacSha1,
        Prf::HmacSha256,
        Prf::HmacSha384,
        Prf::HmacSha512,
    ] {
        let request = Pbkdf2Request {
            salt: b"garam".to_vec(),
            iterations: 3,
            prf,
            key_len: 40,
        };
        assert_eq!(
            derive_elsewhere(&request, b"pw"),
            request.derive(b"pw").to_vec(),
            "{prf:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// PKCS#12 packing

#[test]
fn pkcs12_packed_with_keys_derived_elsewhere_is_read_by_kunci_and_openssl_for_both_profiles() {
    let (key, cert, chain) = fixture();
    let openssl = judge("openssl");
    let dir = tempdir();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    for profile in [Profile::Modern, Profile::Legacy] {
        let job = prepare_pack(profile);
        let requests = job.derivations();
        match profile {
            Profile::Modern => {
                assert_eq!(requests.len(), 3);
                for r in &requests[..2] {
                    assert_eq!(
                        (r.prf, r.iterations, r.key_len, r.salt.len()),
                        (Prf::HmacSha256, MIN_ITERATIONS, 32, 16)
                    );
                }
                assert_eq!((requests[2].iterations, requests[2].key_len), (1, 32));
                assert_ne!(requests[0].salt, requests[1].salt);
            }
            Profile::Legacy => assert!(requests.is_empty()),
        }
        assert!(!format!("{job:?}").contains("rahasia"));
        let der = job
            .finish(&derive_all(requests, PASSWORD.as_bytes()))
            .unwrap();

        let contents = pkcs12::read(&der, PASSWORD.as_bytes()).unwrap();
        let both = contents.require_key_and_cert().unwrap();
        assert_eq!(both.key.public_key_der(), key.public_key_der());
        assert_eq!(
            (both.certificate, both.chain),
            (cert.clone(), chain.clone())
        );
        assert_eq!(both.friendly_name.as_deref(), Some("Budi Santoso"));

        let Some(openssl) = &openssl else { continue };
        let file = dir.path().join("hook.p12");
        std::fs::write(&file, &der).unwrap();
        let out = run_ok(
            openssl,
            &[
                "pkcs12",
                "-in",
                p(&file),
                "-passin",
                &format!("file:{}", p(&pw)),
                "-nodes",
            ],
            None,
        );
        let back = pkcs8::read_unencrypted(out.as_bytes()).unwrap();
        assert_eq!(back.public_key_der(), key.public_key_der(), "{profile:?}");
        assert_eq!(certs_in(out.as_bytes())[0], cert, "{profile:?}");
    }
}

#[test]
fn pkcs12_pack_refuses_derived_keys_that_do_not_fit() {
    let job = prepare_pack(Profile::Modern);
    let password = PASSWORD.as_bytes();
    let good = derive_all(job.derivations(), password);
    let code = |derived: &[Vec<u8>]| job.finish(derived).unwrap_err().code();

    // Wrong count and wrong length.
    assert_eq!(code(&good[..2]), "kdf.bad_result");
    assert_eq!(
        code(&[good.clone(), good.clone()].concat()),
        "kdf.bad_result"
    );
    let mut short = good.clone();
    short[1].pop();
    assert_eq!(code(&short), "kdf.bad_result");

    // Every key from another password: the check derivation catches it, so no file whose MAC
    // verifies while its bags do not decrypt is ever made.
    let err = job
        .finish(&derive_all(job.derivations(), b"another"))
        .unwrap_err();
    assert_eq!(err.code(), "kdf.bad_result");
    assert!(err.to_string().contains("same password"), "{err}");
    // The password's bytes encoded otherwise (NFD instead of NFC) are another password.
    let nfd = "Kata sandi: rahasia-u\u{308}€";
    assert_eq!(
        code(&derive_all(job.derivations(), nfd.as_bytes())),
        "kdf.bad_result"
    );

    // One key handed back for both bags.
    let twice = vec![good[0].clone(), good[0].clone(), good[2].clone()];
    assert_eq!(code(&twice), "kdf.bad_result");

    // The legacy profile asks for nothing and takes nothing.
    let legacy = prepare_pack(Profile::Legacy);
    assert_eq!(legacy.finish(&good).unwrap_err().code(), "kdf.bad_result");

    // The good keys still work after the refusals.
    assert!(job.finish(&good).is_ok());
}

#[test]
fn pkcs12_pack_refuses_bad_input_at_prepare() {
    let (key, cert, chain) = fixture();
    let other = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let prepare = |key: &KeyPair, pw: &[u8], iterations| {
        let options = PackOptions {
            iterations,
            ..options(Profile::Modern)
        };
        pkcs12::prepare_pack(key, &cert, &chain, pw, &options, &mut rng()).map(|_| ())
    };
    assert_eq!(
        prepare(&key, b"", MIN_ITERATIONS).unwrap_err(),
        Error::EmptyPassword
    );
    assert_eq!(
        prepare(&key, b"pw", MIN_ITERATIONS - 1).unwrap_err().code(),
        "kdf.iterations_too_low"
    );
    assert_eq!(
        prepare(&other, b"pw", MIN_ITERATIONS).unwrap_err(),
        Error::CertKeyMismatch
    );
}

// ---------------------------------------------------------------------------------------------
// PKCS#12 reading

#[test]
fn pkcs12_read_in_steps_equals_read_for_our_files_and_openssl_and_nss_files() {
    let ours_modern = pkcs12::pack(
        &fixture().0,
        &fixture().1,
        &fixture().2,
        PASSWORD.as_bytes(),
        &options(Profile::Modern),
        &mut rng(),
    )
    .unwrap();
    let ours_legacy = pkcs12::pack(
        &fixture().0,
        &fixture().1,
        &fixture().2,
        PASSWORD.as_bytes(),
        &options(Profile::Legacy),
        &mut rng(),
    )
    .unwrap();
    let files: [(&str, Vec<u8>, &[u8], usize); 5] = [
        ("ours, modern", ours_modern, PASSWORD.as_bytes(), 2),
        ("ours, legacy", ours_legacy, PASSWORD.as_bytes(), 0),
        (
            "openssl default",
            p12_vector("openssl-modern.p12"),
            VECTOR_PASSWORD,
            2,
        ),
        (
            "openssl -legacy",
            p12_vector("openssl-legacy.p12"),
            VECTOR_PASSWORD,
            0,
        ),
        ("nss", p12_vector("nss.p12"), VECTOR_PASSWORD, 2),
    ];
    for (name, file, password, n) in files {
        let job = pkcs12::prepare_read(&file, password).unwrap();
        assert_eq!(job.derivations().len(), n, "{name}");
        let stepped = job
            .finish(&derive_all(job.derivations(), password))
            .unwrap();
        let whole = pkcs12::read(&file, password).unwrap();
        assert_eq!(summary(&stepped), summary(&whole), "{name}");
        assert!(
            stepped.key.is_some() && stepped.certificate.is_some(),
            "{name}"
        );
    }
}

#[test]
fn pkcs12_read_checks_the_mac_at_prepare_and_derived_keys_at_finish() {
    let file = p12_vector("openssl-modern.p12");
    // A wrong password stops at prepare: no derivation is ever asked for.
    assert_eq!(
        pkcs12::prepare_read(&file, b"salah").unwrap_err(),
        Error::P12WrongPassword
    );
    let job = pkcs12::prepare_read(&file, VECTOR_PASSWORD).unwrap();
    let good = derive_all(job.derivations(), VECTOR_PASSWORD);
    assert_eq!(job.finish(&good[..1]).unwrap_err().code(), "kdf.bad_result");
    let mut long = good.clone();
    long[0].push(0);
    assert_eq!(job.finish(&long).unwrap_err().code(), "kdf.bad_result");
    // Keys derived from other bytes than the password the MAC verified: the bags do not
    // decrypt, which is a wrong password (never a garbled key).
    let other = derive_all(job.derivations(), b"salah");
    assert_eq!(job.finish(&other).unwrap_err(), Error::P12WrongPassword);
    assert!(job.finish(&good).is_ok());
}

#[test]
fn pkcs12_read_in_steps_handles_files_without_a_mac_and_refuses_junk_at_prepare() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let dir = tempdir();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, VECTOR_PASSWORD).unwrap();
    let file = dir.path().join("nomac.p12");
    let passin = format!("file:{}", p(&pw));
    run_ok(
        &openssl,
        &[
            "pkcs12",
            "-export",
            "-nomac",
            "-inkey",
            &format!("{P12_VECTORS}/leaf-p256.key"),
            "-in",
            &format!("{P12_VECTORS}/leaf-p256.pem"),
            "-passout",
            &passin,
            "-out",
            p(&file),
        ],
        None,
    );
    let input = std::fs::read(&file).unwrap();
    // Without a MAC nothing vouches for the password before the bags are decrypted.
    let job = pkcs12::prepare_read(&input, b"salah").unwrap();
    assert_eq!(
        job.finish(&derive_all(job.derivations(), b"salah"))
            .unwrap_err(),
        Error::P12WrongPassword
    );
    let job = pkcs12::prepare_read(&input, VECTOR_PASSWORD).unwrap();
    let contents = job
        .finish(&derive_all(job.derivations(), VECTOR_PASSWORD))
        .unwrap();
    assert_eq!(contents.mac_algorithm, "none");
    assert!(contents.key.is_some());
    // openssl agrees that the file is fine.
    let out = run(
        &openssl,
        &["pkcs12", "-in", p(&file), "-passin", &passin, "-nodes"],
        None,
    );
    assert!(out.status.success());

    for junk in [&b""[..], b"\x30\x03\x02\x01", &input[..input.len() / 2]] {
        assert!(pkcs12::prepare_read(junk, VECTOR_PASSWORD).is_err());
    }
}
