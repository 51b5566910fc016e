//! Certificates, judged by OpenSSL: `cert::parse` must report exactly the serial, subject,
//! issuer, dates and fingerprint that `openssl x509` prints, for the committed vectors
//! (tests/vectors/cert, made by gen.sh there) and for certificates made live, including one
//! issued by OpenSSL from a CSR kunci wrote; key matching and damaged inputs are checked too.

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kunci_test_support as common;

use std::path::Path;

use common::{judge, p, rng, run_ok, tempdir};
use kunci_core::cert::{self, CertificateInfo};
use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::key::KeyKind;
use kunci_core::{KeyAlgorithm, KeyPair};

fn vector(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/cert")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn leaf_key() -> KeyPair {
    kunci_core::pkcs8::read_unencrypted(&vector("leaf.key.pem")).unwrap()
}

/// OpenSSL's `notBefore=Nov 26 02:58:38 2026 GMT` as RFC 3339 (`2026-11-26T02:58:38Z`).
fn openssl_date_to_rfc3339(s: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s.split_whitespace().collect();
    assert_eq!(parts.len(), 5, "{s}");
    assert_eq!(parts[4], "GMT");
    let month = MONTHS.iter().position(|m| *m == parts[0]).unwrap() + 1;
    let day: u32 = parts[1].parse().unwrap();
    format!("{}-{month:02}-{day:02}T{}Z", parts[3], parts[2])
}

/// Compares `info` with what `openssl x509 -noout -serial -fingerprint -sha256 -dates
/// -subject -issuer -nameopt RFC2253,-esc_msb` printed (`lines`).
fn assert_agrees_with_openssl(info: &CertificateInfo, lines: &str) {
    let field = |key: &str| -> String {
        lines
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("`{key}` missing in:\n{lines}"))
            .to_owned()
    };
    assert_eq!(info.serial, field("serial=").to_ascii_lowercase());
    assert_eq!(info.sha256_fingerprint, field("sha256 Fingerprint="));
    assert_eq!(
        info.not_before,
        openssl_date_to_rfc3339(&field("notBefore="))
    );
    assert_eq!(info.not_after, openssl_date_to_rfc3339(&field("notAfter=")));
    assert_eq!(info.subject, field("subject="));
    assert_eq!(info.issuer, field("issuer="));
}

fn openssl_says(openssl: &Path, cert_path: &str) -> String {
    let args = [
        "x509",
        "-in",
        cert_path,
        "-noout",
        "-serial",
        "-fingerprint",
        "-sha256",
        "-dates",
        "-subject",
        "-issuer",
        "-nameopt",
        "RFC2253,-esc_msb",
    ];
    run_ok(openssl, &args, None)
}

// ---- the committed vector, fixed expected values ----

#[test]
fn the_leaf_vector_reads_exactly_as_openssl_printed_it() {
    let info = cert::parse(&vector("leaf.crt.pem")).unwrap();
    assert_eq!(info.serial, "9a3f00c0ffee0123456789");
    assert_eq!(
        info.sha256_fingerprint,
        "86:0A:4C:6F:94:D8:61:98:61:94:41:27:EA:7A:C8:F0:EA:52:CF:0D:6F:E5:EA:F2:BF:4F:BB:5F:A3:D3:44:04"
    );
    assert_eq!(info.not_before, "2026-11-26T02:58:38Z");
    assert_eq!(info.not_after, "2028-11-25T02:58:38Z");
    assert_eq!(info.not_before_unix, 1_795_661_918);
    assert_eq!(info.not_after_unix, 1_858_733_918);
    assert_eq!(
        info.subject,
        "emailAddress=budi@example.go.id,serialNumber=3273010101010001,CN=Budi Santoso,OU=TI,\
         O=PT Contoh\\, Tbk,L=Bandung,ST=Jawa Barat,C=ID"
    );
    assert_eq!(info.issuer, "CN=Kunci Test Root CA,O=Kunci Test,C=ID");
    assert_eq!(info.key, Some(KeyKind::EcP256));
    assert_eq!(info.key_algorithm, "EC P-256");
    assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!(info.key_usage, ["digitalSignature", "nonRepudiation"]);
    assert_eq!(
        info.extended_key_usage,
        [
            "clientAuth",
            "emailProtection",
            "documentSigning",
            "msDocumentSigning",
            "adobeAuthenticDocumentsTrust",
            "1.2.3.4"
        ]
    );
    assert_eq!(
        info.subject_alt_names,
        [
            "email:budi@example.go.id",
            "dns:example.go.id",
            "uri:https://example.go.id/budi",
            "ip:192.0.2.7"
        ]
    );
    assert!(!info.is_ca);
    // And the same lines as OpenSSL printed when gen.sh made the vector.
    assert_agrees_with_openssl(
        &info,
        &String::from_utf8(vector("leaf.openssl.txt")).unwrap(),
    );
}

#[test]
fn the_ca_vector_is_an_rsa_ca() {
    let info = cert::parse(&vector("ca.crt.pem")).unwrap();
    assert!(info.is_ca);
    assert_eq!(info.key, Some(KeyKind::Rsa { bits: 2048 }));
    assert_eq!(info.key_algorithm, "RSA 2048");
    assert_eq!(info.serial, "01");
    assert_eq!(info.subject, info.issuer);
    assert_eq!(info.key_usage, ["keyCertSign", "cRLSign"]);
    assert!(info.extended_key_usage.is_empty() && info.subject_alt_names.is_empty());
}

#[test]
fn der_and_pem_give_the_same_reading() {
    let from_pem = cert::parse(&vector("leaf.crt.pem")).unwrap();
    let from_der = cert::parse(&vector("leaf.crt.der")).unwrap();
    assert_eq!(from_pem, from_der);
    assert_eq!(from_der.der, vector("leaf.crt.der"));
}

#[test]
fn validity_is_reported_not_judged() {
    let info = cert::parse(&vector("leaf.crt.pem")).unwrap();
    assert!(info.is_valid_at(info.not_before_unix));
    assert!(info.is_valid_at(info.not_after_unix));
    assert!(!info.is_valid_at(info.not_before_unix - 1));
    assert!(!info.is_valid_at(info.not_after_unix + 1));
}

#[test]
fn serialised_info_has_no_der_bytes() {
    let info = cert::parse(&vector("leaf.crt.pem")).unwrap();
    let v = serde_json::to_value(&info).unwrap();
    assert_eq!(v["serial"], "9a3f00c0ffee0123456789");
    assert_eq!(v["key"], serde_json::json!({"type": "ec-p256"}));
    assert!(v.get("der").is_none() && v.get("public_key_der").is_none());
}

// ---- live OpenSSL ----

#[test]
fn parse_agrees_with_openssl_on_the_vectors_live() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/cert");
    for name in ["leaf.crt.pem", "ca.crt.pem"] {
        let path = dir.join(name);
        let info = cert::parse(&std::fs::read(&path).unwrap()).unwrap();
        assert_agrees_with_openssl(&info, &openssl_says(&openssl, p(&path)));
    }
}

#[test]
fn a_certificate_issued_by_openssl_for_our_csr_matches_our_key() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let dir = tempdir();
    let path = |n: &str| dir.path().join(n);

    // A throwaway CA, made live.
    common::openssl_p256_key(&openssl, &path("ca.key"));
    run_ok(
        &openssl,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            p(&path("ca.key")),
            "-subj",
            "/C=ID/O=Uji/CN=Uji CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-out",
            p(&path("ca.pem")),
        ],
        None,
    );

    // Our key and CSR, with a UTF-8 subject, issued with the CSR's requested SAN copied.
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let subject: Subject = "CN=Ni Luh Ayu Ångström,O=Kantor Café\\, Bali,C=ID,E=ayu@example.id"
        .parse()
        .unwrap();
    let csr = CsrBuilder::new(subject.clone())
        .email_san(Some("ayu@example.id".into()))
        .challenge_password(Some("t0ken".into()))
        .sign(&key)
        .unwrap();
    std::fs::write(path("req.pem"), csr.to_pem()).unwrap();
    std::fs::write(
        path("ext.cnf"),
        "keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n",
    )
    .unwrap();
    run_ok(
        &openssl,
        &[
            "x509",
            "-req",
            "-in",
            p(&path("req.pem")),
            "-CA",
            p(&path("ca.pem")),
            "-CAkey",
            p(&path("ca.key")),
            "-set_serial",
            "0x00FF01",
            "-days",
            "7",
            "-copy_extensions",
            "copy",
            "-extfile",
            p(&path("ext.cnf")),
            "-out",
            p(&path("leaf.pem")),
        ],
        None,
    );
    let pem = std::fs::read(path("leaf.pem")).unwrap();
    let info = cert::parse(&pem).unwrap();
    assert_agrees_with_openssl(&info, &openssl_says(&openssl, p(&path("leaf.pem"))));
    assert_eq!(info.serial, "ff01");
    assert_eq!(
        info.subject,
        subject.to_string(),
        "the issued subject is what we asked for"
    );
    assert_eq!(info.subject_alt_names, ["email:ayu@example.id"]);
    assert_eq!(info.key_usage, ["digitalSignature", "nonRepudiation"]);
    assert_eq!(info.extended_key_usage, ["emailProtection"]);
    assert_eq!(info.signature_algorithm, "ecdsa-with-SHA256");
    assert!(info.matches_key(&key));
    cert::check_key(&pem, &key).unwrap();
    let other = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    assert_eq!(
        cert::check_key(&pem, &other).unwrap_err().code(),
        "cert.key_mismatch"
    );

    // The bundle of leaf + CA reads as two certificates in order.
    let mut bundle = pem.clone();
    bundle.extend(std::fs::read(path("ca.pem")).unwrap());
    let all = cert::read_all_der(&bundle).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], info.der);
}

// ---- key matching on the vectors ----

#[test]
fn check_key_accepts_the_right_key_and_names_the_wrong_one() {
    cert::check_key(&vector("leaf.crt.pem"), &leaf_key()).unwrap();
    let other = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let err = cert::check_key(&vector("leaf.crt.pem"), &other).unwrap_err();
    assert_eq!(err.code(), "cert.key_mismatch");
    // The CA's RSA key is not the leaf key either.
    assert_eq!(
        cert::check_key(&vector("ca.crt.pem"), &leaf_key())
            .unwrap_err()
            .code(),
        "cert.key_mismatch"
    );
}

// ---- bundles ----

#[test]
fn read_all_der_returns_every_certificate_of_a_bundle() {
    let all = cert::read_all_der(&vector("chain.pem")).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], vector("leaf.crt.der"));
    assert!(cert::parse(&all[1]).unwrap().is_ca);
    // Text around the blocks (as `openssl pkcs12` prints) is ignored.
    let mut noisy = b"Bag Attributes\n    friendlyName: budi\nsubject=CN=x\n".to_vec();
    noisy.extend(vector("chain.pem"));
    assert_eq!(cert::read_all_der(&noisy).unwrap(), all);
    // One DER certificate is a bundle of one.
    assert_eq!(
        cert::read_all_der(&vector("leaf.crt.der")).unwrap(),
        [vector("leaf.crt.der")]
    );
}

#[test]
fn a_bundle_without_certificates_or_with_a_bad_one_is_refused() {
    assert_eq!(cert::read_all_der(b"").unwrap_err().code(), "input.empty");
    assert_eq!(
        cert::read_all_der(&vector("leaf.key.pem"))
            .unwrap_err()
            .code(),
        "cert.malformed"
    );
    let bad = kunci_core::pem::encode("CERTIFICATE", &[0x30, 0x03, 0x02, 0x01, 0x00]);
    let mut bundle = vector("leaf.crt.pem");
    bundle.extend(bad.as_bytes());
    assert_eq!(
        cert::read_all_der(&bundle).unwrap_err().code(),
        "cert.malformed"
    );
}

// ---- damaged input ----

#[test]
fn truncated_certificates_are_malformed_never_a_panic() {
    let der = vector("leaf.crt.der");
    for len in 1..der.len() {
        let err = cert::parse(&der[..len]).unwrap_err();
        assert_eq!(err.code(), "cert.malformed", "prefix of {len} bytes: {err}");
    }
}

#[test]
fn garbled_certificates_fail_with_a_code_never_a_panic() {
    let der = vector("leaf.crt.der");
    for i in 0..der.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bad = der.clone();
            bad[i] ^= mask;
            if let Err(e) = cert::parse(&bad) {
                let code = e.code();
                assert!(
                    code.starts_with("cert.")
                        || code.starts_with("key.")
                        || code.starts_with("input."),
                    "byte {i} ^ {mask:#x}: {code} {e}"
                );
            }
        }
    }
}

#[test]
fn empty_huge_and_wrong_inputs_are_refused() {
    assert_eq!(cert::parse(b"").unwrap_err().code(), "input.empty");
    let huge = vec![0x30u8; kunci_core::MAX_INPUT_LEN + 1];
    assert_eq!(cert::parse(&huge).unwrap_err().code(), "input.too_large");
    assert_eq!(
        cert::parse(&vector("leaf.key.pem")).unwrap_err().code(),
        "input.bad_pem"
    );
    assert_eq!(cert::parse(b"hello").unwrap_err().code(), "cert.malformed");
}

#[test]
fn a_p384_root_is_described_not_refused() {
    let Some(openssl) = common::judge("openssl") else {
        return;
    };
    let dir = common::tempdir();
    let (key, crt) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
    common::run_ok(
        &openssl,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-keyout",
            common::p(&key),
            "-out",
            common::p(&crt),
            "-days",
            "1",
            "-subj",
            "/CN=Root P-384/C=ID",
        ],
        None,
    );
    let info = cert::parse(&std::fs::read(&crt).unwrap()).unwrap();
    assert_eq!(info.key, None);
    assert_eq!(info.key_algorithm, "EC P-384");
    assert!(info.is_ca);
}
