//! The token ops against a real PKCS#11 token (SoftHSM2, a fresh one per test), through the
//! real binary and framing: tokens, key generation (RSA 2048, P-256), CSRs signed on the token
//! and verified by kunci-core and OpenSSL, certificates issued by an OpenSSL CA, stored beside
//! their key and listed, and judged by pkcs11-tool; the PIN and token errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine as _;
use common::ops::*;
use common::{PIN, SOFTHSM_MODULE, World, error_code, judge, request, result, run_ok};
use serde_json::{Value, json};

/// A world with one fresh token; None when SoftHSM is absent (and not required).
fn token_world(label: &str) -> Option<(World, String)> {
    if !common::softhsm_available() {
        return None;
    }
    let w = World::new();
    let serial = w.init_token(label);
    Some((w, serial))
}

#[test]
fn list_tokens_shows_the_fresh_token_with_its_pin_flags() {
    let Some((w, serial)) = token_world("kunci-list") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    let tokens = result(&r)["tokens"].as_array().unwrap().clone();
    let t = tokens
        .iter()
        .find(|t| t["serial"] == serial.as_str())
        .unwrap();
    assert_eq!(t["label"], "kunci-list");
    assert_eq!(t["manufacturer"], "SoftHSM project");
    assert_eq!(t["pin_pad"], false);
    assert_eq!(t["pin_locked"], false);
    assert_eq!(t["pin_final_try"], false);
    assert_eq!(t["pin_count_low"], false);
    assert!(t["slot"].is_u64());
    let (status, _) = host.finish();
    assert!(status.success());
}

#[test]
fn rsa2048_key_is_generated_on_the_token_and_signs_a_verified_csr() {
    let Some((w, serial)) = token_world("kunci-rsa") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(
        1,
        "generate_key",
        json!({"token": serial, "pin": PIN, "algorithm": "rsa2048", "label": "Budi RSA"}),
    ));
    let key = result(&r).clone();
    assert_eq!(key["algorithm"], "rsa2048");
    assert_eq!(key["label"], "Budi RSA");
    let key_id = key["key_id"].as_str().unwrap();
    assert_eq!(key_id.len(), 32, "16-byte CKA_ID");
    let public = base64::engine::general_purpose::STANDARD
        .decode(key["public_key_der"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        kunci_core::key::KeyKind::from_spki_der(&public).unwrap(),
        kunci_core::key::KeyKind::Rsa { bits: 2048 }
    );

    let r = host.send(&request(
        2,
        "create_csr",
        csr_params(&serial, json!({"key_id": key_id})),
    ));
    let csr_pem = result(&r)["csr_pem"].as_str().unwrap();
    let info = check_csr(&w, csr_pem, Some(&public));
    assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
}

#[test]
fn p256_key_is_generated_on_the_token_and_signs_a_verified_csr() {
    let Some((w, serial)) = token_world("kunci-p256") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(
        1,
        "generate_key",
        json!({"token": serial, "pin": PIN, "algorithm": "p256"}),
    ));
    let key = result(&r).clone();
    assert_eq!(key["algorithm"], "p256");
    assert!(
        key["label"].as_str().unwrap().starts_with("kunci-"),
        "a default label"
    );
    let public = base64::engine::general_purpose::STANDARD
        .decode(key["public_key_der"].as_str().unwrap())
        .unwrap();
    let r = host.send(&request(
        2,
        "create_csr",
        csr_params(&serial, json!({"key_id": key["key_id"]})),
    ));
    let info = check_csr(&w, result(&r)["csr_pem"].as_str().unwrap(), Some(&public));
    assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(info.key, kunci_core::key::KeyKind::EcP256);
}

#[test]
fn generate_csr_makes_key_and_csr_in_one_login_with_the_key_hash() {
    let Some((w, serial)) = token_world("kunci-gen") else {
        return;
    };
    for (i, alg) in ["p256", "rsa2048"].into_iter().enumerate() {
        let mut host = w.spawn();
        let r = host.send(&request(
            i as u64,
            "generate_csr",
            csr_params(
                &serial,
                json!({"algorithm": alg, "label": format!("renewal {alg}")}),
            ),
        ));
        let res = result(&r);
        assert_eq!(res["algorithm"], alg);
        assert_eq!(res["label"], format!("renewal {alg}"));
        assert_eq!(res["key_id"].as_str().unwrap().len(), 32);
        let info = check_csr(&w, res["csr_pem"].as_str().unwrap(), None);
        assert_eq!(res["public_key_sha256"], info.public_key_sha256);
        host.finish();
    }
}

#[test]
fn bad_subject_is_refused_before_a_key_is_generated() {
    let Some((w, serial)) = token_world("kunci-subj") else {
        return;
    };
    let mut host = w.spawn();
    let mut p = csr_params(&serial, json!({"algorithm": "p256"}));
    p["subject"] = json!("XX=nobody");
    let r = host.send(&request(1, "generate_csr", p));
    assert_eq!(error_code(&r), "request.bad");
    let objects = list_objects(&w);
    if let Some(objects) = objects {
        assert!(
            !objects.contains("Private Key Object"),
            "no orphan key: {objects}"
        );
    }
}

#[test]
fn create_csr_with_an_unknown_key_id_is_key_not_found() {
    let Some((w, serial)) = token_world("kunci-nokey") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(
        1,
        "create_csr",
        csr_params(
            &serial,
            json!({"key_id": "00112233445566778899aabbccddeeff"}),
        ),
    ));
    assert_eq!(error_code(&r), "key.not_found");
}

/// `pkcs11-tool --list-objects` on the world's token, logged in; None when pkcs11-tool is
/// absent (and not required).
fn list_objects(w: &World) -> Option<String> {
    let tool = judge("pkcs11-tool")?;
    let conf = w.path("softhsm2.conf");
    Some(run_ok(
        tool,
        &[
            "--module",
            SOFTHSM_MODULE,
            "--list-objects",
            "--login",
            "--pin",
            PIN,
        ],
        &[("SOFTHSM2_CONF", conf.as_path())],
    ))
}

/// pkcs11-tool's listing split into one block per object (a header line, then indented
/// attribute lines).
fn object_blocks(listing: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in listing.lines() {
        if line.starts_with(char::is_whitespace) {
            if let Some(last) = blocks.last_mut() {
                last.push('\n');
                last.push_str(line);
            }
        } else {
            blocks.push(line.to_owned());
        }
    }
    blocks
}

#[test]
fn issued_certificate_is_stored_beside_its_key_and_listed() {
    let Some((w, serial)) = token_world("kunci-cert") else {
        return;
    };
    let mut host = w.spawn();
    let mut keys = Vec::new();
    for (i, alg) in ["rsa2048", "p256"].into_iter().enumerate() {
        let r = host.send(&request(
            i as u64,
            "generate_csr",
            csr_params(&serial, json!({"algorithm": alg})),
        ));
        keys.push(result(&r).clone());
    }
    let Some(cert_pem) = issue(&w, keys[1]["csr_pem"].as_str().unwrap(), "p256") else {
        return;
    };

    let import =
        json!({"token": serial, "pin": PIN, "certificate": cert_pem, "label": "Budi 2026"});
    let r = host.send(&request(10, "import_certificate", import.clone()));
    assert_eq!(
        result(&r)["key_id"],
        keys[1]["key_id"],
        "stored with the P-256 key's CKA_ID"
    );
    assert_eq!(result(&r)["label"], "Budi 2026");
    // Importing the same certificate again does not write a second copy.
    let r = host.send(&request(11, "import_certificate", import));
    assert_eq!(result(&r)["key_id"], keys[1]["key_id"]);

    let r = host.send(&request(
        12,
        "list_certificates",
        json!({"token": serial, "pin": PIN}),
    ));
    let certs = result(&r)["certificates"].as_array().unwrap().clone();
    assert_eq!(certs.len(), 1, "{certs:?}");
    assert!(result(&r).get("truncated").is_none());
    let c = &certs[0];
    assert_eq!(c["key_id"], keys[1]["key_id"]);
    assert_eq!(c["label"], "Budi 2026");
    assert_eq!(c["subject"], SUBJECT);
    let info = kunci_core::cert::parse(cert_pem.as_bytes()).unwrap();
    assert_eq!(c["serial"], info.serial);
    assert_eq!(c["not_after"], info.not_after);
    assert_eq!(
        kunci_core::cert::parse(c["pem"].as_str().unwrap().as_bytes())
            .unwrap()
            .der,
        info.der
    );

    // Without a PIN the (public) certificate is still listed.
    let r = host.send(&request(13, "list_certificates", json!({"token": serial})));
    assert_eq!(result(&r)["certificates"].as_array().unwrap().len(), 1);

    // pkcs11-tool, the judge: the private keys are not extractable and the certificate
    // carries the key's ID.
    if let Some(objects) = list_objects(&w) {
        let key_id = keys[1]["key_id"].as_str().unwrap();
        let blocks = object_blocks(&objects);
        let private: Vec<&String> = blocks
            .iter()
            .filter(|b| b.starts_with("Private Key Object"))
            .collect();
        assert_eq!(private.len(), 2, "{objects}");
        for b in &private {
            assert!(b.contains("never extractable"), "{b}");
            assert!(b.contains("always sensitive"), "{b}");
        }
        let cert_block = blocks
            .iter()
            .find(|b| b.starts_with("Certificate Object"))
            .unwrap_or_else(|| panic!("no certificate: {objects}"));
        assert!(
            cert_block.contains(&format!("ID:         {key_id}")),
            "{cert_block}"
        );
        let key_block = private.iter().find(|b| b.contains(key_id)).unwrap();
        assert!(key_block.contains("sign"), "{key_block}");
        assert!(cert_block.contains("Budi 2026"), "{cert_block}");
    }
}

#[test]
fn certificate_for_a_key_not_on_the_token_is_key_not_found() {
    let Some((w, serial)) = token_world("kunci-foreign") else {
        return;
    };
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let key = w.path("foreign.key");
    let cert = w.path("foreign.pem");
    run_ok(
        openssl,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
            "-subj",
            "/CN=someone else",
        ],
        &[],
    );
    let mut host = w.spawn();
    host.send(&request(
        1,
        "generate_key",
        json!({"token": serial, "pin": PIN, "algorithm": "p256"}),
    ));
    let r = host.send(&request(
        2,
        "import_certificate",
        json!({"token": serial, "pin": PIN, "certificate": std::fs::read_to_string(&cert).unwrap()}),
    ));
    assert_eq!(error_code(&r), "key.not_found");
    let r = host.send(&request(
        3,
        "import_certificate",
        json!({"token": serial, "pin": PIN, "certificate": "not a certificate"}),
    ));
    assert_eq!(error_code(&r), "request.bad");
}

#[test]
fn wrong_pin_is_pin_incorrect_and_the_token_reports_the_failed_try() {
    let Some((w, serial)) = token_world("kunci-pin") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(
        1,
        "generate_key",
        json!({"token": serial, "pin": "9999", "algorithm": "p256"}),
    ));
    assert_eq!(error_code(&r), "pin.incorrect");
    // SoftHSM2 sets only CKF_USER_PIN_COUNT_LOW, never FINAL_TRY: no tries_left to report.
    assert!(r["error"].get("tries_left").is_none(), "{r}");
    assert!(!r["error"]["message"].as_str().unwrap().contains("9999"));
    let r = host.send(&request(2, "list_tokens", json!({})));
    let t = &result(&r)["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["serial"] == serial.as_str())
        .unwrap()
        .clone();
    assert_eq!(t["pin_count_low"], true);
    // The right PIN still works (SoftHSM2 never locks the PIN).
    let r = host.send(&request(
        3,
        "generate_key",
        json!({"token": serial, "pin": PIN, "algorithm": "p256"}),
    ));
    result(&r);
}

/// Sets bits in the token's flags as SoftHSM2 stores them (the file object store's
/// `CKA_OS_TOKENFLAGS`, 0x8000534b, an 8-byte big-endian value after an 8-byte type tag).
/// SoftHSM2 itself never sets FINAL_TRY or LOCKED, so this is the only way to see the host
/// react to a token that does.
fn set_token_flags(w: &World, bits: u64) {
    let tokens = std::fs::read_dir(w.path("tokens")).unwrap();
    for dir in tokens {
        let file = dir.unwrap().path().join("token.object");
        let mut bytes = std::fs::read(&file).unwrap();
        let tag = [0, 0, 0, 0, 0x80, 0x00, 0x53, 0x4b];
        let at = bytes
            .windows(8)
            .position(|win| win == tag)
            .expect("CKA_OS_TOKENFLAGS in token.object");
        let value = at + 16;
        let flags = u64::from_be_bytes(bytes[value..value + 8].try_into().unwrap()) | bits;
        bytes[value..value + 8].copy_from_slice(&flags.to_be_bytes());
        std::fs::write(&file, bytes).unwrap();
    }
}

const CKF_USER_PIN_FINAL_TRY: u64 = 0x0002_0000;
const CKF_USER_PIN_LOCKED: u64 = 0x0004_0000;

#[test]
fn locked_pin_is_reported_without_trying_the_pin() {
    let Some((w, serial)) = token_world("kunci-locked") else {
        return;
    };
    set_token_flags(&w, CKF_USER_PIN_LOCKED);
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    assert_eq!(result(&r)["tokens"][0]["pin_locked"], true);
    // The PIN is not tried at all: a locked token may count the attempt.
    let r = host.send(&request(
        2,
        "generate_key",
        json!({"token": serial, "pin": "0000", "algorithm": "p256"}),
    ));
    assert_eq!(error_code(&r), "pin.locked");
    host.finish();
    // Proof that C_Login never ran: SoftHSM2 sets COUNT_LOW on every wrong PIN it sees.
    let mut host = w.spawn();
    let r = host.send(&request(3, "list_tokens", json!({})));
    assert_eq!(result(&r)["tokens"][0]["pin_count_low"], false);
}

#[test]
fn wrong_pin_on_the_final_try_says_one_try_is_left() {
    let Some((w, serial)) = token_world("kunci-final") else {
        return;
    };
    set_token_flags(&w, CKF_USER_PIN_FINAL_TRY);
    let mut host = w.spawn();
    let r = host.send(&request(1, "list_tokens", json!({})));
    assert_eq!(result(&r)["tokens"][0]["pin_final_try"], true);
    let r = host.send(&request(
        2,
        "generate_key",
        json!({"token": serial, "pin": "0000", "algorithm": "p256"}),
    ));
    assert_eq!(error_code(&r), "pin.incorrect");
    assert_eq!(r["error"]["tries_left"], 1, "{r}");
}

#[test]
fn absent_token_serial_is_token_absent_and_missing_pin_is_pin_required() {
    let Some((w, serial)) = token_world("kunci-absent") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(
        1,
        "generate_key",
        json!({"token": "0000000000000000", "pin": PIN, "algorithm": "p256"}),
    ));
    assert_eq!(error_code(&r), "token.absent");
    let r = host.send(&request(2, "list_certificates", json!({"token": "nope"})));
    assert_eq!(error_code(&r), "token.absent");
    let r = host.send(&request(
        3,
        "generate_key",
        json!({"token": serial, "algorithm": "p256"}),
    ));
    assert_eq!(error_code(&r), "pin.required");
    let r = host.send(&request(
        4,
        "generate_key",
        json!({"token": serial, "pin": "", "algorithm": "p256"}),
    ));
    assert_eq!(error_code(&r), "pin.required", "an empty PIN is no PIN");
}

// ---- sign_digest -------------------------------------------------------------------------

#[test]
fn sign_digest_signs_on_the_token_and_openssl_verifies_rsa_and_p256() {
    let Some((w, serial)) = token_world("kunci-sign") else {
        return;
    };
    let digest = document_digest();
    let mut host = w.spawn();
    for (alg, encoded, len) in [
        // Hex for one, base64 for the other: the host takes both.
        ("rsa2048", hex::encode(digest), 256),
        ("p256", b64(&digest), 64),
    ] {
        let (key_id, spki) = new_key(&mut host, &serial, alg);
        let r = host.send(&request(
            2,
            "sign_digest",
            sign_params(&serial, &key_id, alg, &encoded),
        ));
        let res = result(&r);
        assert_eq!(res["algorithm"], alg);
        assert_eq!(res["key_id"], key_id.as_str());
        assert_eq!(res["certificate"], Value::Null, "no certificate yet");
        let signature = unb64(&res["signature"]);
        assert_eq!(
            signature.len(),
            len,
            "{alg}: PKCS#1 of the modulus' length, or raw r||s"
        );
        let as_openssl = if alg == "p256" {
            kunci_core::sign::ecdsa_p256_raw_to_der(&signature).unwrap()
        } else {
            signature.clone()
        };
        if let Some(ok) = openssl_verifies(&w, &spki, &digest, Some(DOCUMENT), &as_openssl) {
            assert!(ok, "{alg}: OpenSSL verifies the token's signature");
            let mut other = digest;
            other[0] ^= 1;
            let bad = openssl_verifies(&w, &spki, &other, None, &as_openssl);
            assert_eq!(bad, Some(false), "{alg}: and refuses it for another digest");
        }
    }
    let (status, stderr) = host.finish();
    assert!(status.success());
    assert!(!stderr.contains(PIN), "no PIN in the log: {stderr}");
}

#[test]
fn sign_digest_returns_the_certificate_stored_beside_the_key() {
    let Some((w, serial)) = token_world("kunci-sign-cert") else {
        return;
    };
    let mut host = w.spawn();
    let r = host.send(&request(
        1,
        "generate_csr",
        csr_params(&serial, json!({"algorithm": "p256"})),
    ));
    let key_id = result(&r)["key_id"].as_str().unwrap().to_owned();
    let Some(cert_pem) = issue(&w, result(&r)["csr_pem"].as_str().unwrap(), "signer") else {
        return;
    };
    let r = host.send(&request(
        2,
        "import_certificate",
        json!({"token": serial, "pin": PIN, "certificate": cert_pem}),
    ));
    result(&r);
    let digest = document_digest();
    let r = host.send(&request(
        3,
        "sign_digest",
        sign_params(&serial, &key_id, "p256", &hex::encode(digest)),
    ));
    let res = result(&r);
    let cert = kunci_core::cert::parse(res["certificate"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(
        cert.der,
        kunci_core::cert::parse(cert_pem.as_bytes()).unwrap().der
    );
    // The certificate's key verifies the signature: what the page needs to build the CMS.
    let raw = unb64(&res["signature"]);
    let der = kunci_core::sign::ecdsa_p256_raw_to_der(&raw).unwrap();
    if let Some(ok) = openssl_verifies(&w, &cert.public_key_der, &digest, Some(DOCUMENT), &der) {
        assert!(ok);
    }
}

#[test]
fn sign_digest_refuses_an_unknown_key_a_bad_digest_and_the_wrong_algorithm() {
    let Some((w, serial)) = token_world("kunci-sign-bad") else {
        return;
    };
    let mut host = w.spawn();
    let (rsa, _) = new_key(&mut host, &serial, "rsa2048");
    let digest = hex::encode(document_digest());
    let r = host.send(&request(
        1,
        "sign_digest",
        sign_params(&serial, "00112233445566778899aabbccddeeff", "p256", &digest),
    ));
    assert_eq!(error_code(&r), "key.not_found");
    for bad in [
        hex::encode([1u8; 31]),
        hex::encode([1u8; 33]),
        b64(&[1u8; 48]),
        "zz".repeat(32),
        String::new(),
    ] {
        let r = host.send(&request(
            2,
            "sign_digest",
            sign_params(&serial, &rsa, "rsa2048", &bad),
        ));
        assert_eq!(error_code(&r), "request.bad", "digest {bad:?}");
        assert!(
            r["error"]["message"].as_str().unwrap().contains("digest"),
            "{r}"
        );
    }
    let r = host.send(&request(
        3,
        "sign_digest",
        sign_params(&serial, &rsa, "p256", &digest),
    ));
    assert_eq!(error_code(&r), "request.bad");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("RSA"),
        "{r}"
    );
    let r = host.send(&request(
        4,
        "sign_digest",
        sign_params(&serial, &rsa, "rsa4096", &digest),
    ));
    assert_eq!(error_code(&r), "request.bad");
}

/// Clears CKA_SIGN (0x108) on every private key of the world's token, in SoftHSM2's file
/// object store: the attribute's type (8 bytes, big-endian), its kind 1 (boolean, 8 bytes) and
/// one value byte. SoftHSM2 gives every private key CKA_SIGN true whatever the template (and
/// pkcs11-tool cannot change it afterwards), so this is how a key that may not sign is made.
fn forbid_signing(w: &World) {
    let tag = [0, 0, 0, 0, 0, 0, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x01];
    let mut changed = 0;
    for dir in std::fs::read_dir(w.path("tokens")).unwrap() {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_none_or(|e| e != "object") {
                continue;
            }
            let mut bytes = std::fs::read(&file).unwrap();
            if let Some(at) = bytes.windows(16).position(|win| win == tag) {
                bytes[at + 16] = 0;
                std::fs::write(&file, bytes).unwrap();
                changed += 1;
            }
        }
    }
    assert!(
        changed > 0,
        "no private key with CKA_SIGN in the token folder"
    );
}

#[test]
fn sign_digest_refuses_a_key_that_may_not_sign() {
    let Some((w, serial)) = token_world("kunci-nosign") else {
        return;
    };
    let mut host = w.spawn();
    let (key_id, _) = new_key(&mut host, &serial, "p256");
    host.finish();
    forbid_signing(&w);
    let mut host = w.spawn();
    let r = host.send(&request(
        1,
        "sign_digest",
        sign_params(&serial, &key_id, "p256", &hex::encode(document_digest())),
    ));
    assert_eq!(error_code(&r), "key.cannot_sign");
    assert!(
        r["error"]["message"].as_str().unwrap().contains(&key_id),
        "{r}"
    );
}

#[test]
fn sign_digest_with_a_wrong_pin_or_a_locked_token_signs_nothing() {
    let Some((w, serial)) = token_world("kunci-sign-pin") else {
        return;
    };
    let mut host = w.spawn();
    let (key_id, _) = new_key(&mut host, &serial, "p256");
    let digest = hex::encode(document_digest());
    let mut p = sign_params(&serial, &key_id, "p256", &digest);
    p["pin"] = json!("9999");
    let r = host.send(&request(1, "sign_digest", p.clone()));
    assert_eq!(error_code(&r), "pin.incorrect");
    assert!(r.get("result").is_none());
    p.as_object_mut().unwrap().remove("pin");
    let r = host.send(&request(2, "sign_digest", p));
    assert_eq!(error_code(&r), "pin.required");
    host.finish();
    set_token_flags(&w, CKF_USER_PIN_LOCKED);
    let mut host = w.spawn();
    let r = host.send(&request(
        3,
        "sign_digest",
        sign_params(&serial, &key_id, "p256", &digest),
    ));
    assert_eq!(error_code(&r), "pin.locked");
}
