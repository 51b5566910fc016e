//! The token ops' shared test steps, for every PKCS#11 module the tests drive (SoftHSM2 in
//! tests/token.rs, the odd-clock shim in tests/odd_module.rs, tpm2-pkcs11 in tests/tpm2.rs):
//! CSR parameters and checks, a throwaway OpenSSL CA, the document digest and OpenSSL's
//! verdict on a signature, and [`op_set`], the whole op set on one token.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{HostProcess, PIN, World, judge, request, result, run_ok};

pub const SUBJECT: &str = "CN=Budi Santoso,O=Dinas Kominfo,C=ID";
pub const EMAIL: &str = "budi@example.go.id";
pub const CSR_TOKEN: &str = "Xq7pL2mN9vB4kR8sT1wY5zA3";

pub fn csr_params(serial: &str, extra: Value) -> Value {
    let mut p = json!({
        "token": serial,
        "pin": PIN,
        "subject": SUBJECT,
        "email": EMAIL,
        "challenge_password": CSR_TOKEN,
    });
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    p
}

/// Checks a CSR with kunci-core: subject, challengePassword, e-mail SAN, and (when given) that
/// its key is `public_key_der`. Also judged by `openssl req -verify` when OpenSSL is present.
pub fn check_csr(
    w: &World,
    csr_pem: &str,
    public_key_der: Option<&[u8]>,
) -> kunci_core::csr::CsrInfo {
    let info = kunci_core::csr::verify(csr_pem.as_bytes()).unwrap();
    assert_eq!(info.subject, SUBJECT.parse().unwrap());
    assert_eq!(info.challenge_password.as_deref(), Some(CSR_TOKEN));
    assert_eq!(info.email_sans, [EMAIL]);
    if let Some(der) = public_key_der {
        assert_eq!(
            info.public_key_der, der,
            "the CSR carries the generated key"
        );
    }
    if let Some(openssl) = judge("openssl") {
        let path = w.path("judge.csr");
        std::fs::write(&path, csr_pem).unwrap();
        let out = std::process::Command::new(openssl)
            .args(["req", "-verify", "-noout", "-in"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    info
}

/// Issues a certificate for `csr_pem` with a throwaway OpenSSL CA; None without OpenSSL.
pub fn issue(w: &World, csr_pem: &str, name: &str) -> Option<String> {
    let openssl = judge("openssl")?;
    let dir = w.path("ca");
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    if !Path::new(&p("ca.pem")).exists() {
        run_ok(
            &openssl,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &p("ca.key"),
                "-out",
                &p("ca.pem"),
                "-subj",
                "/CN=kunci test CA",
                "-days",
                "30",
            ],
            &[],
        );
    }
    std::fs::write(p(&format!("{name}.csr")), csr_pem).unwrap();
    run_ok(
        &openssl,
        &[
            "x509",
            "-req",
            "-in",
            &p(&format!("{name}.csr")),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-days",
            "10",
            "-out",
            &p(&format!("{name}.pem")),
        ],
        &[],
    );
    Some(std::fs::read_to_string(p(&format!("{name}.pem"))).unwrap())
}

/// A document the tests sign, and its SHA-256.
pub const DOCUMENT: &[u8] = b"%PDF-1.7\n% surat keputusan, kunci sign_digest test\n%%EOF\n";

pub fn document_digest() -> [u8; 32] {
    <sha2::Sha256 as sha2::Digest>::digest(DOCUMENT).into()
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unb64(value: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str().unwrap())
        .unwrap()
}

/// Makes a key with `generate_key` and returns its id and SPKI DER.
pub fn new_key(host: &mut HostProcess, serial: &str, alg: &str) -> (String, Vec<u8>) {
    let r = host.send(&request(
        1,
        "generate_key",
        json!({"token": serial, "pin": PIN, "algorithm": alg}),
    ));
    let key = result(&r);
    (
        key["key_id"].as_str().unwrap().to_owned(),
        unb64(&key["public_key_der"]),
    )
}

pub fn sign_params(serial: &str, key_id: &str, alg: &str, digest: &str) -> Value {
    json!({"token": serial, "pin": PIN, "key_id": key_id, "algorithm": alg, "digest": digest})
}

/// OpenSSL's verdict on `signature` (as OpenSSL takes it: PKCS#1 v1.5 bytes or a DER
/// ECDSA-Sig-Value) with the key `spki_der`: `pkeyutl -verify` over `digest`, and `dgst
/// -verify` over `message` when given (the digest must then be its SHA-256). None without
/// OpenSSL.
pub fn openssl_verifies(
    w: &World,
    spki_der: &[u8],
    digest: &[u8],
    message: Option<&[u8]>,
    signature: &[u8],
) -> Option<bool> {
    let openssl = judge("openssl")?;
    let p = |f: &str| w.path(f).to_str().unwrap().to_owned();
    std::fs::write(p("pub.der"), spki_der).unwrap();
    std::fs::write(p("digest.bin"), digest).unwrap();
    std::fs::write(p("sig.bin"), signature).unwrap();
    let status = |args: &[&str]| {
        std::process::Command::new(&openssl)
            .args(args)
            .output()
            .unwrap()
            .status
            .success()
    };
    let by_digest = status(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-keyform",
        "DER",
        "-inkey",
        &p("pub.der"),
        "-in",
        &p("digest.bin"),
        "-sigfile",
        &p("sig.bin"),
        "-pkeyopt",
        "digest:sha256",
    ]);
    let Some(message) = message else {
        return Some(by_digest);
    };
    run_ok(
        &openssl,
        &[
            "pkey",
            "-pubin",
            "-inform",
            "DER",
            "-in",
            &p("pub.der"),
            "-out",
            &p("pub.pem"),
        ],
        &[],
    );
    std::fs::write(p("message.bin"), message).unwrap();
    let by_message = status(&[
        "dgst",
        "-sha256",
        "-verify",
        &p("pub.pem"),
        "-signature",
        &p("sig.bin"),
        &p("message.bin"),
    ]);
    assert_eq!(by_digest, by_message, "pkeyutl and dgst disagree");
    Some(by_message)
}

/// The whole op set on the token `serial`, through one host: `generate_csr` for RSA 2048 and
/// P-256 (the CSRs checked by kunci-core and OpenSSL), the P-256 certificate issued by an
/// OpenSSL CA and imported beside its key, `list_certificates` showing it, and `sign_digest`
/// with both keys, verified by OpenSSL, the P-256 one returning the stored certificate.
pub fn op_set(w: &World, host: &mut HostProcess, serial: &str) {
    let mut keys = Vec::new();
    for (i, alg) in ["rsa2048", "p256"].into_iter().enumerate() {
        let r = host.send(&request(
            i as u64,
            "generate_csr",
            csr_params(
                serial,
                json!({"algorithm": alg, "label": format!("ops {alg}")}),
            ),
        ));
        let res = result(&r).clone();
        assert_eq!(res["algorithm"], alg);
        let info = check_csr(w, res["csr_pem"].as_str().unwrap(), None);
        assert_eq!(res["public_key_sha256"], info.public_key_sha256);
        keys.push((res, info));
    }
    let digest = document_digest();
    for (i, (key, info)) in keys.iter().enumerate() {
        let alg = key["algorithm"].as_str().unwrap();
        let r = host.send(&request(
            10 + i as u64,
            "sign_digest",
            sign_params(
                serial,
                key["key_id"].as_str().unwrap(),
                alg,
                &hex::encode(digest),
            ),
        ));
        let signed = result(&r);
        let signature = unb64(&signed["signature"]);
        let judged = match alg {
            "rsa2048" => {
                assert_eq!(signature.len(), 256);
                signature
            }
            _ => {
                assert_eq!(signature.len(), 64, "raw r || s");
                kunci_core::sign::ecdsa_p256_raw_to_der(&signature).unwrap()
            }
        };
        if let Some(ok) =
            openssl_verifies(w, &info.public_key_der, &digest, Some(DOCUMENT), &judged)
        {
            assert!(ok, "OpenSSL verifies the {alg} signature");
        }
    }
    let Some(cert_pem) = issue(w, keys[1].0["csr_pem"].as_str().unwrap(), "ops-p256") else {
        return;
    };
    let r = host.send(&request(
        20,
        "import_certificate",
        json!({"token": serial, "pin": PIN, "certificate": cert_pem, "label": "ops cert"}),
    ));
    assert_eq!(result(&r)["key_id"], keys[1].0["key_id"]);
    let r = host.send(&request(
        21,
        "list_certificates",
        json!({"token": serial, "pin": PIN}),
    ));
    let listed = result(&r)["certificates"].as_array().unwrap().clone();
    assert!(
        listed.iter().any(|c| c["key_id"] == keys[1].0["key_id"]
            && c["subject"] == SUBJECT
            && c["label"] == "ops cert"),
        "{listed:?}"
    );
    let r = host.send(&request(
        22,
        "sign_digest",
        sign_params(
            serial,
            keys[1].0["key_id"].as_str().unwrap(),
            "p256",
            &b64(&digest),
        ),
    ));
    let certificate = result(&r)["certificate"].as_str().unwrap();
    assert_eq!(
        kunci_core::cert::parse(certificate.as_bytes())
            .unwrap()
            .subject,
        SUBJECT
    );
}
