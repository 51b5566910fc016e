//! Encrypted PKCS#8 through its key-derivation hooks (`pkcs8::prepare_*`): prepare → derive
//! elsewhere → finish must make and read the same files as the one-call functions
//! (`encrypt_der`, `decrypt`), a derived key that does not fit must be refused with the
//! documented error, and costs are checked before any password is tried.
//!
//! "Elsewhere" is PBKDF2 called directly, chosen by the WebCrypto hash name the request gives,
//! as the npm package does with `crypto.subtle.deriveBits`. OpenSSL judges the files and
//! writes files with every PRF and cipher for kunci to read. Iterations stay at
//! `pkcs8::MIN_ITERATIONS` to keep the tests fast.

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod elsewhere;

use kunci_test_support as common;

use common::{judge, p, rng, run_ok, tempdir};
use elsewhere::{PASSWORD, derive_elsewhere};
use kunci_core::kdf::Prf;
use kunci_core::pkcs8::{MAX_ITERATIONS, MIN_ITERATIONS};
use kunci_core::{Error, KeyAlgorithm, KeyPair, pkcs8};

#[test]
fn pkcs8_encrypted_with_a_key_derived_elsewhere_is_read_by_decrypt_and_openssl() {
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let job =
        pkcs8::prepare_encrypt(&key, PASSWORD.as_bytes(), MIN_ITERATIONS, &mut rng()).unwrap();
    let request = job.derivation();
    assert_eq!(
        (
            request.prf,
            request.iterations,
            request.key_len,
            request.salt.len()
        ),
        (Prf::HmacSha256, MIN_ITERATIONS, 32, 16)
    );
    assert!(!format!("{job:?}").contains("rahasia"));
    let der = job
        .finish(&derive_elsewhere(request, PASSWORD.as_bytes()))
        .unwrap();
    // Finishing twice gives the same file: nothing random is left for finish.
    assert_eq!(
        job.finish(&derive_elsewhere(request, PASSWORD.as_bytes()))
            .unwrap(),
        der
    );
    let back = pkcs8::decrypt(&der, PASSWORD.as_bytes()).unwrap();
    assert_eq!(back.public_key_der(), key.public_key_der());

    let Some(openssl) = judge("openssl") else {
        return;
    };
    let dir = tempdir();
    let file = dir.path().join("key.der");
    std::fs::write(&file, &der).unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    let out = run_ok(
        &openssl,
        &[
            "pkcs8",
            "-inform",
            "DER",
            "-in",
            p(&file),
            "-passin",
            &format!("file:{}", p(&pw)),
        ],
        None,
    );
    let plain = pkcs8::read_unencrypted(out.as_bytes()).unwrap();
    assert_eq!(plain.public_key_der(), key.public_key_der());
}

#[test]
fn pkcs8_encrypt_refuses_bad_input_at_prepare_and_keys_of_the_wrong_length_at_finish() {
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let prepare = |pw: &[u8], n| pkcs8::prepare_encrypt(&key, pw, n, &mut rng()).map(|_| ());
    assert_eq!(
        prepare(b"", MIN_ITERATIONS).unwrap_err(),
        Error::EmptyPassword
    );
    assert_eq!(
        prepare(b"pw", MIN_ITERATIONS - 1).unwrap_err().code(),
        "kdf.iterations_too_low"
    );
    assert_eq!(
        prepare(b"pw", MAX_ITERATIONS + 1).unwrap_err().code(),
        "kdf.iterations_too_high"
    );

    let job = pkcs8::prepare_encrypt(&key, b"pw", MIN_ITERATIONS, &mut rng()).unwrap();
    for len in [0, 16, 31, 33, 64] {
        let err = job.finish(&vec![7u8; len]).unwrap_err();
        assert_eq!(err.code(), "kdf.bad_result", "{len} bytes");
        assert!(err.to_string().contains("32 were asked for"), "{err}");
    }
}

#[test]
fn pkcs8_finished_with_a_key_from_another_password_opens_only_with_that_password() {
    // Not checkable at finish (that would need PBKDF2 again): documented on EncryptJob::finish.
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let job = pkcs8::prepare_encrypt(&key, b"the password", MIN_ITERATIONS, &mut rng()).unwrap();
    let der = job
        .finish(&derive_elsewhere(job.derivation(), b"another"))
        .unwrap();
    assert_eq!(
        pkcs8::decrypt(&der, b"the password").unwrap_err(),
        Error::Pkcs8WrongPassword
    );
    assert!(pkcs8::decrypt(&der, b"another").is_ok());
}

#[test]
fn pkcs8_decrypt_in_steps_equals_decrypt_and_refuses_wrong_keys() {
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let pem = pkcs8::encrypt_pem(&key, PASSWORD.as_bytes(), MIN_ITERATIONS, &mut rng()).unwrap();
    let job = pkcs8::prepare_decrypt(pem.as_bytes()).unwrap();
    let request = job
        .derivation()
        .expect("PBKDF2-SHA256 is served by the hook");
    assert_eq!(
        (request.prf, request.iterations, request.key_len),
        (Prf::HmacSha256, MIN_ITERATIONS, 32)
    );
    let back = job
        .finish(&derive_elsewhere(request, PASSWORD.as_bytes()))
        .unwrap();
    assert_eq!(back.public_key_der(), key.public_key_der());
    let same = job.finish_with_password(PASSWORD.as_bytes()).unwrap();
    assert_eq!(same.public_key_der(), key.public_key_der());

    assert_eq!(
        job.finish(&derive_elsewhere(request, b"salah"))
            .unwrap_err(),
        Error::Pkcs8WrongPassword
    );
    assert_eq!(
        job.finish_with_password(b"").unwrap_err(),
        Error::Pkcs8WrongPassword
    );
    assert_eq!(job.finish(&[0u8; 16]).unwrap_err().code(), "kdf.bad_result");
    assert_eq!(job.finish(&[]).unwrap_err().code(), "kdf.bad_result");
}

#[test]
fn pkcs8_decrypt_checks_structure_and_cost_at_prepare_before_any_password() {
    assert_eq!(
        pkcs8::prepare_decrypt(b"").unwrap_err().code(),
        "input.empty"
    );
    assert_eq!(
        pkcs8::prepare_decrypt(&[0x30, 0x03, 0x02, 0x01])
            .unwrap_err()
            .code(),
        "input.bad_der"
    );

    // The same file with its iteration count raised above the cap.
    use der::{Decode, Encode};
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let der = pkcs8::encrypt_der(&key, b"pw", MIN_ITERATIONS, &mut rng()).unwrap();
    let info = ::pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).unwrap();
    let mut params = info.encryption_algorithm.pbes2().unwrap().clone();
    let pkcs5::pbes2::Kdf::Pbkdf2(kdf) = &mut params.kdf else {
        panic!("PBKDF2 expected");
    };
    kdf.iteration_count = MAX_ITERATIONS + 1;
    let huge = ::pkcs8::EncryptedPrivateKeyInfoRef {
        encryption_algorithm: pkcs5::EncryptionScheme::from(params),
        encrypted_data: info.encrypted_data,
    }
    .to_der()
    .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        pkcs8::prepare_decrypt(&huge).unwrap_err(),
        Error::IterationsTooHigh {
            given: u64::from(MAX_ITERATIONS) + 1,
            max: MAX_ITERATIONS.into()
        }
    );
    assert!(started.elapsed().as_secs() < 2);
}

#[test]
fn pkcs8_files_from_openssl_with_every_prf_and_cipher_are_served_or_fall_back() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let dir = tempdir();
    let plain = dir.path().join("plain.pem");
    common::openssl_p256_key(&openssl, &plain);
    let key = pkcs8::read_unencrypted(&std::fs::read(&plain).unwrap()).unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, PASSWORD).unwrap();
    let password = PASSWORD.as_bytes();

    // openssl options, and the request expected: PRF and key length (None: Rust only).
    type Case<'a> = (&'a [&'a str], Option<(Prf, usize)>);
    let cases: [Case; 6] = [
        (
            &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"],
            Some((Prf::HmacSha1, 16)),
        ),
        (
            &["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA224"],
            Some((Prf::HmacSha224, 24)),
        ),
        (
            &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA384"],
            Some((Prf::HmacSha384, 32)),
        ),
        (
            &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"],
            Some((Prf::HmacSha512, 32)),
        ),
        (&["-v2", "des3"], Some((Prf::HmacSha256, 24))),
        (&["-v2", "aes-256-cbc", "-scrypt"], None),
    ];
    for (args, expected) in cases {
        let file = dir.path().join("enc.pem");
        let mut cmd = vec!["pkcs8", "-topk8", "-in", p(&plain), "-out", p(&file)];
        cmd.extend_from_slice(args);
        let passout = format!("file:{}", p(&pw));
        cmd.extend(["-iter", "2048", "-passout", &passout]);
        run_ok(&openssl, &cmd, None);
        let input = std::fs::read(&file).unwrap();

        let job = pkcs8::prepare_decrypt(&input).unwrap();
        let got = job.derivation().map(|r| (r.prf, r.key_len));
        assert_eq!(got, expected, "{args:?}");
        let back = match job.derivation() {
            Some(request) => {
                assert_eq!(request.iterations, 2048, "{args:?}");
                job.finish(&derive_elsewhere(request, password)).unwrap()
            }
            None => {
                // scrypt: no PBKDF2 request, a scrypt one instead, run in small slices as
                // the npm package does on a page's main thread.
                let request = job.scrypt().expect("a scrypt request");
                assert_eq!(
                    (request.log_n, request.r, request.p),
                    (14, 8, 1),
                    "{args:?}"
                );
                assert_eq!(
                    job.finish(&[0u8; 31]).unwrap_err().code(),
                    "kdf.bad_result",
                    "{args:?}"
                );
                assert_eq!(
                    job.finish(&[0u8; 32]).unwrap_err(),
                    Error::Pkcs8WrongPassword,
                    "{args:?}"
                );
                let mut task = request.start(password).unwrap();
                while !task.step(1000) {}
                let sliced = job.finish(task.output().unwrap()).unwrap();
                assert_eq!(sliced.public_key_der(), key.public_key_der(), "{args:?}");
                job.finish_with_password(password).unwrap()
            }
        };
        assert_eq!(back.public_key_der(), key.public_key_der(), "{args:?}");
        // The one-call path agrees, including for HMAC-SHA1 and scrypt.
        let again = pkcs8::decrypt(&input, password).unwrap();
        assert_eq!(again.public_key_der(), key.public_key_der(), "{args:?}");
        assert_eq!(
            pkcs8::decrypt(&input, b"salah").unwrap_err(),
            Error::Pkcs8WrongPassword,
            "{args:?}"
        );
    }
}
