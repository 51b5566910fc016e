//! CSRs, judged from outside: what kunci writes must satisfy OpenSSL and Python
//! `cryptography`; what OpenSSL writes (tests/vectors/csr, made by gen.sh there, and CSRs made
//! live) must be read right by `csr::verify`; damaged and disallowed CSRs get their codes; the
//! portal's policy refuses the wrong subject and token; subjects round-trip (property tests).

// Helpers outside #[test] functions are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kunci_test_support as common;

use std::path::Path;

use common::{judge, p, python, rng, run, run_ok, tempdir};
use kunci_core::csr::{self, Csr, CsrBuilder, CsrPolicy, Subject};
use kunci_core::key::KeyKind;
use kunci_core::{KeyAlgorithm, KeyPair, SignatureAlgorithm, Signer};
use proptest::prelude::*;

const BUDI: &str = "CN=Budi Santoso,O=Dinas Kominfo,OU=TI,L=Bandung,ST=Jawa Barat,C=ID,\
                    emailAddress=budi@example.go.id,serialNumber=3273010101010001";
const BUDI_RFC2253: &str = "emailAddress=budi@example.go.id,serialNumber=3273010101010001,\
                            CN=Budi Santoso,OU=TI,O=Dinas Kominfo,L=Bandung,ST=Jawa Barat,C=ID";
const TOKEN: &str = "Tok3n-For-Test";
const EMAIL: &str = "budi@example.go.id";

fn vector(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/csr")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn budi() -> Subject {
    BUDI.parse().unwrap()
}

fn our_csr(key: &KeyPair, token: &str) -> Csr {
    CsrBuilder::new(budi())
        .email_san(Some(EMAIL.into()))
        .challenge_password(Some(token.into()))
        .sign(key)
        .unwrap()
}

// ---- what we write, judged by OpenSSL and Python ----

fn judge_with_openssl(key: &KeyPair, expected_alg: &str) {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let dir = tempdir();
    let path = dir.path().join("req.pem");
    std::fs::write(&path, our_csr(key, TOKEN).to_pem()).unwrap();
    let f = p(&path);

    let out = run(&openssl, &["req", "-in", f, "-verify", "-noout"], None);
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("verify OK"),
        "openssl req -verify: {said}"
    );

    let text = run_ok(&openssl, &["req", "-in", f, "-noout", "-text"], None);
    assert!(
        text.contains(&format!("challengePassword        :{TOKEN}")),
        "{text}"
    );
    assert!(text.contains(&format!("email:{EMAIL}")), "{text}");
    assert!(
        text.contains(&format!("Signature Algorithm: {expected_alg}")),
        "{text}"
    );

    let subject = run_ok(
        &openssl,
        &[
            "req",
            "-in",
            f,
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253,-esc_msb",
        ],
        None,
    );
    assert_eq!(subject.trim(), format!("subject={BUDI_RFC2253}"));

    // String types: C and serialNumber PrintableString, emailAddress IA5String, others UTF8.
    let asn1 = run_ok(&openssl, &["asn1parse", "-in", f], None);
    let lines: Vec<&str> = asn1.lines().collect();
    let type_after = |object: &str| -> String {
        let i = lines
            .iter()
            .position(|l| l.ends_with(&format!(":{object}")))
            .unwrap_or_else(|| panic!("{object}"));
        let next = lines[i + 1];
        let (_, kind) = next
            .split_once("prim: ")
            .unwrap_or_else(|| panic!("{object}: {next}"));
        kind.split_whitespace().next().unwrap().to_owned()
    };
    assert_eq!(type_after("countryName"), "PRINTABLESTRING");
    assert_eq!(type_after("serialNumber"), "PRINTABLESTRING");
    assert_eq!(type_after("emailAddress"), "IA5STRING");
    assert_eq!(type_after("commonName"), "UTF8STRING");
    assert_eq!(type_after("organizationName"), "UTF8STRING");
    assert!(
        asn1.contains(&format!("PRINTABLESTRING   :{TOKEN}")),
        "token as PrintableString:\n{asn1}"
    );
    // Order: C, ST, L, O, OU, CN, serialNumber, emailAddress.
    let order: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split("prim: OBJECT            :").nth(1))
        .take_while(|o| !o.starts_with("id-ecPublicKey") && !o.starts_with("rsaEncryption"))
        .collect();
    assert_eq!(
        order,
        [
            "countryName",
            "stateOrProvinceName",
            "localityName",
            "organizationName",
            "organizationalUnitName",
            "commonName",
            "serialNumber",
            "emailAddress"
        ]
    );
}

#[test]
fn our_p256_csr_passes_openssl_req_verify_with_token_san_and_string_types() {
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    judge_with_openssl(&key, "ecdsa-with-SHA256");
}

#[test]
fn our_rsa2048_csr_passes_openssl_req_verify_with_token_san_and_string_types() {
    let key = KeyPair::generate(KeyAlgorithm::Rsa2048, &mut rng()).unwrap();
    judge_with_openssl(&key, "sha256WithRSAEncryption");
}

const PY_READ_CSR: &str = r#"
import sys, json
from cryptography import x509
from cryptography.x509.oid import AttributeOID, NameOID
csr = x509.load_pem_x509_csr(open(sys.argv[1], 'rb').read())
token = csr.attributes.get_attribute_for_oid(AttributeOID.CHALLENGE_PASSWORD)
san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
print(json.dumps({
    "valid": csr.is_signature_valid,
    "token": token.value.decode(),
    "emails": san.get_values_for_type(x509.RFC822Name),
    "subject": csr.subject.rfc4514_string({NameOID.EMAIL_ADDRESS: "emailAddress",
                                           NameOID.SERIAL_NUMBER: "serialNumber"}),
    "types": [[a.oid.dotted_string, a._type.name] for a in csr.subject],
}))
"#;

#[test]
fn python_cryptography_reads_our_csrs() {
    let Some(py) = python() else { return };
    let dir = tempdir();
    for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
        let key = KeyPair::generate(alg, &mut rng()).unwrap();
        let path = dir.path().join("req.pem");
        std::fs::write(&path, our_csr(&key, TOKEN).to_pem()).unwrap();
        let out = run_ok(&py, &["-c", PY_READ_CSR, p(&path)], None);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["valid"], true, "{alg}: {v}");
        assert_eq!(v["token"], TOKEN);
        assert_eq!(v["emails"], serde_json::json!([EMAIL]));
        assert_eq!(v["subject"], BUDI_RFC2253);
        assert_eq!(
            v["types"],
            serde_json::json!([
                ["2.5.4.6", "PrintableString"],
                ["2.5.4.8", "UTF8String"],
                ["2.5.4.7", "UTF8String"],
                ["2.5.4.10", "UTF8String"],
                ["2.5.4.11", "UTF8String"],
                ["2.5.4.3", "UTF8String"],
                ["2.5.4.5", "PrintableString"],
                ["1.2.840.113549.1.9.1", "IA5String"]
            ])
        );
    }
}

#[test]
fn the_two_step_path_gives_the_same_verified_csr() {
    // What the WebCrypto façade does: bytes out, signature in (raw r||s converted to DER).
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let tbs = CsrBuilder::new(budi())
        .challenge_password(Some(TOKEN.into()))
        .to_be_signed(&key.public_key_der(), SignatureAlgorithm::EcdsaP256Sha256)
        .unwrap();
    let der_sig = Signer::sign(&key, tbs.bytes()).unwrap();
    let sig = p256::ecdsa::Signature::from_der(&der_sig).unwrap();
    let raw = sig.to_bytes();
    let csr = tbs
        .finish(&kunci_core::sign::ecdsa_p256_raw_to_der(&raw).unwrap())
        .unwrap();
    let info = csr.verify().unwrap();
    assert_eq!(info.challenge_password.as_deref(), Some(TOKEN));
    assert!(info.email_sans.is_empty());
    assert_eq!(info.subject_dn, BUDI_RFC2253);
}

#[test]
fn builder_refuses_a_bad_email_san_and_token() {
    let key = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let err = CsrBuilder::new(budi())
        .email_san(Some("not-an-email".into()))
        .sign(&key)
        .unwrap_err();
    assert_eq!(err.code(), "subject.invalid_email");
    let err = CsrBuilder::new(budi())
        .challenge_password(Some("a\nb".into()))
        .sign(&key)
        .unwrap_err();
    assert_eq!(err.code(), "csr.token_invalid");
    assert!(!err.to_string().contains("a\nb"));
    let err = CsrBuilder::new(Subject::default()).sign(&key).unwrap_err();
    assert_eq!(err.code(), "subject.invalid");
}

// ---- what OpenSSL writes, read by us ----

fn expected_pubkey_sha256(name: &str) -> String {
    String::from_utf8(vector(&format!("{name}.pubkey.sha256")))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn openssl_csrs_from_the_vectors_are_read_with_the_right_fields() {
    for (name, key, alg) in [
        (
            "rsa2048",
            KeyKind::Rsa { bits: 2048 },
            "sha256WithRSAEncryption",
        ),
        (
            "rsa2048-sha512",
            KeyKind::Rsa { bits: 2048 },
            "sha512WithRSAEncryption",
        ),
        ("p256", KeyKind::EcP256, "ecdsa-with-SHA256"),
        ("p256-sha384", KeyKind::EcP256, "ecdsa-with-SHA384"),
    ] {
        let info = csr::verify(&vector(&format!("{name}.csr.pem")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.subject, budi(), "{name}");
        assert_eq!(info.subject_dn, BUDI_RFC2253, "{name}");
        assert_eq!(info.key, key, "{name}");
        assert_eq!(info.signature_algorithm, alg, "{name}");
        assert_eq!(info.challenge_password.as_deref(), Some(TOKEN), "{name}");
        assert_eq!(info.email_sans, [EMAIL], "{name}");
        assert_eq!(
            info.public_key_sha256,
            expected_pubkey_sha256(name),
            "{name}"
        );
    }
}

#[test]
fn a_minimal_der_csr_without_attributes_is_read() {
    let info = csr::verify(&vector("minimal.csr.der")).unwrap();
    assert_eq!(info.subject.common_name, "Minimal");
    assert_eq!(info.subject_dn, "CN=Minimal");
    assert_eq!(info.challenge_password, None);
    assert!(info.email_sans.is_empty());
    assert_eq!(info.public_key_sha256, expected_pubkey_sha256("p256"));
}

#[test]
fn new_certificate_request_label_is_accepted() {
    let der = Csr::from_input(&vector("p256.csr.pem"))
        .unwrap()
        .der()
        .to_vec();
    let pem = kunci_core::pem::encode("NEW CERTIFICATE REQUEST", &der);
    assert_eq!(csr::verify(pem.as_bytes()).unwrap().key, KeyKind::EcP256);
}

#[test]
fn weak_keys_and_algorithms_are_not_allowed() {
    for name in ["rsa1024", "p384", "rsa2048-sha1"] {
        let err = csr::verify(&vector(&format!("{name}.csr.pem"))).unwrap_err();
        assert_eq!(err.code(), "csr.algorithm_not_allowed", "{name}: {err}");
    }
    let msg = csr::verify(&vector("rsa1024.csr.pem"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("RSA 1024"), "{msg}");
    let msg = csr::verify(&vector("p384.csr.pem"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("P-384"), "{msg}");
    let msg = csr::verify(&vector("rsa2048-sha1.csr.pem"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("sha1WithRSAEncryption"), "{msg}");
}

/// Showing is not judging: every well-formed vector is shown, with its signature checked and
/// kunci's verdict beside it, and the verdict agrees with `verify` on every one.
#[test]
fn every_well_formed_csr_is_shown_with_its_verdict() {
    use csr::SignatureStatus::{Unchecked, Valid};
    // (file, key in words, policy accepted, the first problem's code)
    let cases: [(&str, &str, bool, Option<&str>); 10] = [
        ("rsa2048.csr.pem", "RSA 2048", true, None),
        ("p256.csr.pem", "EC P-256", true, None),
        ("p256-sha384.csr.pem", "EC P-256", true, None),
        ("rsa2048-sha512.csr.pem", "RSA 2048", true, None),
        ("minimal.csr.der", "EC P-256", true, None),
        (
            "rsa1024.csr.pem",
            "RSA 1024",
            false,
            Some("csr.algorithm_not_allowed"),
        ),
        (
            "p384.csr.pem",
            "EC P-384",
            false,
            Some("csr.algorithm_not_allowed"),
        ),
        (
            "rsa2048-sha1.csr.pem",
            "RSA 2048",
            false,
            Some("csr.algorithm_not_allowed"),
        ),
        ("no-cn.csr.pem", "EC P-256", false, Some("subject.invalid")),
        ("p256.csr.pem", "EC P-256", true, None),
    ];
    for (name, key, accepted, problem) in cases {
        let bytes = vector(name);
        let report = csr::show(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.key_algorithm, key, "{name}");
        assert_eq!(
            report.policy.accepted, accepted,
            "{name}: {:?}",
            report.policy
        );
        assert_eq!(
            report.policy.problems.first().map(|p| p.code),
            problem,
            "{name}"
        );
        assert_eq!(
            report.policy.accepted,
            csr::verify(&bytes).is_ok(),
            "{name}"
        );
        // What the wider verifier knows (P-384, RSA with SHA-1) is checked when the feature is
        // on (the CLI turns it on); without it such a signature is "unchecked", never "valid".
        let wide = matches!(name, "p384.csr.pem" | "rsa2048-sha1.csr.pem");
        let expected = if wide && !cfg!(feature = "wide-verify") {
            Unchecked
        } else {
            Valid
        };
        assert_eq!(report.signature.status, expected, "{name}");
    }
    let no_cn = csr::show(&vector("no-cn.csr.pem")).unwrap();
    assert_eq!(no_cn.subject_dn, "C=ID,O=Dinas Kominfo");
    assert_eq!(no_cn.subject, None);
    let p384 = csr::show(&vector("p384.csr.pem")).unwrap();
    assert_eq!(p384.challenge_password.as_deref(), Some(TOKEN));
    assert_eq!(p384.email_sans, [EMAIL]);
    assert_eq!(p384.key, None);
}

/// A P-384 CSR with one signature bit flipped is shown as invalid when the wider verifier is
/// compiled in: the check is real, not a label.
#[cfg(feature = "wide-verify")]
#[test]
fn a_damaged_p384_signature_is_shown_invalid() {
    let mut der =
        kunci_core::pem::der_or_pem(&vector("p384.csr.pem"), &["CERTIFICATE REQUEST"]).unwrap();
    let last = der.len() - 1;
    der[last] ^= 1;
    let report = csr::show(&der).unwrap();
    assert_eq!(report.signature.status, csr::SignatureStatus::Invalid);
}

#[test]
fn a_csr_made_live_by_openssl_with_utf8_subject_is_read() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let dir = tempdir();
    let cnf = dir.path().join("req.cnf");
    std::fs::write(
        &cnf,
        "[req]\nprompt = no\nutf8 = yes\ndistinguished_name = dn\nattributes = attrs\n\
         [dn]\nC = ID\nO = Kantor Café\nCN = Ni Luh Putu Ayu Ångström\n\
         [attrs]\nchallengePassword = abc_DEF-123\n",
    )
    .unwrap();
    let key = dir.path().join("k.pem");
    let req = dir.path().join("r.pem");
    common::openssl_p256_key(&openssl, &key);
    run_ok(
        &openssl,
        &[
            "req",
            "-new",
            "-config",
            p(&cnf),
            "-key",
            p(&key),
            "-addext",
            "subjectAltName=email:ayu@example.id,DNS:example.id",
            "-out",
            p(&req),
        ],
        None,
    );
    let info = csr::verify(&std::fs::read(&req).unwrap()).unwrap();
    assert_eq!(info.subject.common_name, "Ni Luh Putu Ayu Ångström");
    assert_eq!(info.subject.organization.as_deref(), Some("Kantor Café"));
    assert_eq!(info.challenge_password.as_deref(), Some("abc_DEF-123"));
    assert_eq!(
        info.email_sans,
        ["ayu@example.id"],
        "DNS names are not e-mail SANs"
    );
    let subject = run_ok(
        &openssl,
        &[
            "req",
            "-in",
            p(&req),
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253,-esc_msb",
        ],
        None,
    );
    assert_eq!(subject.trim(), format!("subject={}", info.subject_dn));

    let spki = run_ok(
        &openssl,
        &["req", "-in", p(&req), "-noout", "-pubkey"],
        None,
    );
    let pubkey_der = dir.path().join("pub.der");
    run_ok(
        &openssl,
        &["pkey", "-pubin", "-outform", "DER", "-out", p(&pubkey_der)],
        Some(spki.as_bytes()),
    );
    assert_eq!(info.public_key_der, std::fs::read(&pubkey_der).unwrap());
}

// ---- damaged input ----

#[test]
fn one_flipped_signature_bit_is_a_bad_signature() {
    for name in ["rsa2048.csr.pem", "p256.csr.pem"] {
        let mut der = Csr::from_input(&vector(name)).unwrap().der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 0x01;
        assert_eq!(
            csr::verify(&der).unwrap_err().code(),
            "csr.bad_signature",
            "{name}"
        );
    }
}

#[test]
fn an_altered_subject_is_a_bad_signature() {
    let mut der = Csr::from_input(&vector("p256.csr.pem"))
        .unwrap()
        .der()
        .to_vec();
    let at = der.windows(4).position(|w| w == b"Budi").unwrap();
    der[at] = b'R';
    assert_eq!(csr::verify(&der).unwrap_err().code(), "csr.bad_signature");
}

fn acceptable_failure(code: &str) -> bool {
    code.starts_with("input.")
        || code.starts_with("subject.")
        || matches!(
            code,
            "csr.malformed" | "csr.bad_signature" | "csr.algorithm_not_allowed"
        )
}

#[test]
fn truncated_csrs_are_malformed_never_a_panic() {
    let der = Csr::from_input(&vector("p256.csr.pem"))
        .unwrap()
        .der()
        .to_vec();
    for len in 0..der.len() {
        let err = csr::verify(&der[..len]).unwrap_err();
        let want = if len == 0 {
            "input.empty"
        } else {
            "csr.malformed"
        };
        assert_eq!(err.code(), want, "prefix of {len} bytes: {err}");
    }
    let pem = String::from_utf8(vector("p256.csr.pem")).unwrap();
    let cut = &pem[..pem.len() / 2];
    assert_eq!(
        csr::verify(cut.as_bytes()).unwrap_err().code(),
        "input.bad_pem"
    );
}

#[test]
fn garbled_csrs_fail_with_a_code_never_a_panic() {
    let der = Csr::from_input(&vector("rsa2048.csr.pem"))
        .unwrap()
        .der()
        .to_vec();
    for i in 0..der.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bad = der.clone();
            bad[i] ^= mask;
            if let Err(e) = csr::verify(&bad) {
                assert!(
                    acceptable_failure(e.code()),
                    "byte {i} ^ {mask:#x}: {} {e}",
                    e.code()
                );
            }
        }
    }
    for junk in [
        &b"\x00"[..],
        b"hello",
        b"-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n",
    ] {
        let code = csr::verify(junk).unwrap_err().code();
        assert!(acceptable_failure(code), "{junk:?}: {code}");
    }
}

#[test]
fn empty_and_huge_inputs_are_refused_before_parsing() {
    assert_eq!(csr::verify(b"").unwrap_err().code(), "input.empty");
    let huge = vec![0x30u8; kunci_core::MAX_INPUT_LEN + 1];
    assert_eq!(csr::verify(&huge).unwrap_err().code(), "input.too_large");
    let key_pem = kunci_core::pem::encode("PRIVATE KEY", &[0x30, 0x00]);
    assert_eq!(
        csr::verify(key_pem.as_bytes()).unwrap_err().code(),
        "input.bad_pem"
    );
}

// ---- the portal's policy ----

fn policy() -> CsrPolicy {
    CsrPolicy {
        allowed_keys: vec![KeyKind::Rsa { bits: 2048 }, KeyKind::EcP256],
        expected_subject: Some(budi()),
        expected_token: Some(TOKEN.into()),
    }
}

#[test]
fn policy_accepts_the_right_csr() {
    let info = csr::verify(&vector("p256.csr.pem")).unwrap();
    info.check(&policy()).unwrap();
    // The registered e-mail may differ in case; the country is normalised.
    let mut p = policy();
    let s = p.expected_subject.as_mut().unwrap();
    s.email = Some("BUDI@Example.go.id".into());
    s.country = Some("id".into());
    info.check(&p).unwrap();
}

#[test]
fn policy_refuses_a_mismatched_subject_naming_the_field() {
    let info = csr::verify(&vector("p256.csr.pem")).unwrap();
    let mut p = policy();
    p.expected_subject.as_mut().unwrap().organization = Some("Dinas Lain".into());
    let err = info.check(&p).unwrap_err();
    assert_eq!(err.code(), "csr.subject_mismatch");
    assert!(err.to_string().contains("`O`"), "{err}");
    assert!(
        !err.to_string().contains("Dinas"),
        "values are not echoed: {err}"
    );

    let mut p = policy();
    p.expected_subject.as_mut().unwrap().serial_number = None;
    let err = info.check(&p).unwrap_err();
    assert!(err.to_string().contains("serialNumber"), "{err}");
}

#[test]
fn policy_refuses_a_missing_token() {
    let info = csr::verify(&vector("minimal.csr.der")).unwrap();
    let p = CsrPolicy {
        expected_subject: None,
        ..policy()
    };
    assert_eq!(info.check(&p).unwrap_err().code(), "csr.token_missing");
}

#[test]
fn policy_refuses_a_wrong_token_without_echoing_it() {
    let info = csr::verify(&vector("p256.csr.pem")).unwrap();
    for wrong in ["Tok3n-For-Tesx", "Tok3n-For-Test-", "", "tok3n-for-test"] {
        let p = CsrPolicy {
            expected_token: Some(wrong.into()),
            ..policy()
        };
        let err = info.check(&p).unwrap_err();
        assert_eq!(err.code(), "csr.token_mismatch", "{wrong:?}");
        assert!(!err.to_string().contains(TOKEN));
        assert!(!format!("{err:?}").contains(TOKEN));
    }
    assert!(
        !format!("{info:?}").contains(TOKEN),
        "CsrInfo's Debug hides the token"
    );
}

#[test]
fn policy_refuses_a_key_kind_not_allowed() {
    let info = csr::verify(&vector("rsa2048.csr.pem")).unwrap();
    let p = CsrPolicy {
        allowed_keys: vec![KeyKind::EcP256],
        ..policy()
    };
    assert_eq!(
        info.check(&p).unwrap_err().code(),
        "csr.algorithm_not_allowed"
    );
}

#[test]
fn csr_info_serialises_without_key_bytes() {
    let info = csr::verify(&vector("p256.csr.pem")).unwrap();
    let v = serde_json::to_value(&info).unwrap();
    assert_eq!(v["key"], serde_json::json!({"type": "ec-p256"}));
    assert_eq!(v["subject"]["common_name"], "Budi Santoso");
    assert!(v.get("public_key_der").is_none());
    assert_eq!(v["public_key_sha256"].as_str().unwrap().len(), 64);
}

// ---- subjects round-trip ----

fn value(max: usize) -> impl Strategy<Value = String> {
    // Letters, digits, every RFC 4514 special, spaces inside, and non-ASCII text.
    proptest::string::string_regex(&format!(
        "[a-zA-Z0-9 ,+\"\\\\<>;=#.'éÅñ日本語ğ-]{{1,{max}}}"
    ))
    .unwrap()
    .prop_map(|s| s.trim().to_owned())
    .prop_filter("non-empty", |s| !s.is_empty())
}

fn printable(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9'()+,./:=?-]{{1,{max}}}")).unwrap()
}

fn email() -> impl Strategy<Value = String> {
    (
        "[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\\.[a-z0-9]{1,5})?",
        "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?",
        "[a-z]{2,6}",
    )
        .prop_map(|(l, d, t)| format!("{l}@{d}.{t}"))
}

fn subject() -> impl Strategy<Value = Subject> {
    (
        value(64),
        proptest::option::of(email()),
        proptest::option::of(value(64)),
        proptest::option::of(value(64)),
        proptest::option::of(value(128)),
        proptest::option::of(value(128)),
        proptest::option::of("[A-Z]{2}"),
        proptest::option::of(printable(64)),
    )
        .prop_map(|(cn, email, o, ou, l, st, c, serial)| Subject {
            common_name: cn,
            email,
            organization: o,
            organizational_unit: ou,
            locality: l,
            state: st,
            country: c,
            serial_number: serial,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn subjects_round_trip_through_text_and_name(s in subject()) {
        let text = s.to_string();
        let back: Subject = text.parse().map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(&back, &s);
        let name = s.to_name().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(Subject::from_name(&name).unwrap(), s);
    }

    #[test]
    fn subject_parsing_never_panics(text in "\\PC{0,80}") {
        if let Err(e) = text.parse::<Subject>() {
            prop_assert!(e.code().starts_with("subject."), "{}", e.code());
        }
    }
}
