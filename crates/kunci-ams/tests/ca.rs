//! The CA judged from outside: OpenSSL verifies the chains, prints the extensions and checks
//! CRLs; Python `cryptography` reads the same certificates and CRLs; every refusal carries its
//! code and signs nothing. CAs are P-256 so that the suite stays fast.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kunci_test_support as common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{judge, p, python, rng, run, run_ok, tempdir};
use kunci_ams::ca::{
    self, Authority, CaNames, Hierarchy, Issued, Profile, RevocationReason, Revoked,
    create_hierarchy,
};
use kunci_core::csr::{CsrBuilder, CsrPolicy, Subject};
use kunci_core::key::{KeyAlgorithm, KeyKind, KeyPair};
use kunci_core::{SignatureAlgorithm, Signer};

const BUDI: &str = "CN=Budi Santoso,O=Dinas Kominfo,C=ID,emailAddress=budi@example.go.id";
const TOKEN: &str = "Zk3pQ8vN2mXr7TaW";
const BASE: &str = "http://127.0.0.1:8080";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn hierarchy() -> Hierarchy {
    let names = CaNames::for_organization("Kunci Uji", "ID");
    create_hierarchy(&names, KeyAlgorithm::P256, &mut rng(), now()).unwrap()
}

fn subject() -> Subject {
    BUDI.parse().unwrap()
}

fn policy() -> CsrPolicy {
    CsrPolicy {
        allowed_keys: vec![],
        expected_subject: Some(subject()),
        expected_token: Some(TOKEN.into()),
    }
}

fn csr(key: &KeyPair, token: Option<&str>, email: Option<&str>) -> Vec<u8> {
    CsrBuilder::new(subject())
        .email_san(email.map(Into::into))
        .challenge_password(token.map(Into::into))
        .sign(key)
        .unwrap()
        .to_pem()
        .into_bytes()
}

fn holder_csr(alg: KeyAlgorithm) -> Vec<u8> {
    let key = KeyPair::generate(alg, &mut rng()).unwrap();
    csr(&key, Some(TOKEN), Some("budi@example.go.id"))
}

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    p(&path).to_owned()
}

/// A signer that counts its signatures, over the hierarchy's issuing key.
struct Counting {
    h: Arc<Hierarchy>,
    n: Arc<AtomicUsize>,
}

impl Signer for Counting {
    fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.h.issuing.signer().signature_algorithm()
    }
    fn public_key_der(&self) -> kunci_core::Result<Vec<u8>> {
        Signer::public_key_der(self.h.issuing.signer())
    }
    fn sign(&self, message: &[u8]) -> kunci_core::Result<Vec<u8>> {
        self.n.fetch_add(1, Ordering::SeqCst);
        self.h.issuing.signer().sign(message)
    }
}

fn counting_authority() -> (Authority, Arc<AtomicUsize>) {
    let h = Arc::new(hierarchy());
    let n = Arc::new(AtomicUsize::new(0));
    let signer = Counting {
        h: h.clone(),
        n: n.clone(),
    };
    let a = Authority::new(h.root.cert_der(), h.issuing.cert_der(), Box::new(signer)).unwrap();
    (a, n)
}

// ---- issuance, judged by OpenSSL ----

#[test]
fn openssl_verifies_leaves_for_rsa_and_p256_holders_and_shows_the_profile() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let h = hierarchy();
    let dir = tempdir();
    let root = write(dir.path(), "root.pem", h.root.cert_pem());
    let issuing = write(dir.path(), "issuing.pem", h.issuing.cert_pem());
    let issuing_text = run_ok(
        &openssl,
        &["x509", "-in", &issuing, "-noout", "-text"],
        None,
    );
    let a = h.into_authority().unwrap();
    let profile = Profile::individu(BASE);

    for alg in [KeyAlgorithm::Rsa2048, KeyAlgorithm::P256] {
        let issued = a
            .issue(&holder_csr(alg), &policy(), &profile, now(), &mut rng())
            .unwrap();
        let leaf = write(dir.path(), "leaf.pem", &issued.pem);
        let out = run_ok(
            &openssl,
            &["verify", "-CAfile", &root, "-untrusted", &issuing, &leaf],
            None,
        );
        assert!(out.trim_end().ends_with(": OK"), "{out}");
        // The e-mail protection EKU makes it good for S/MIME signing too.
        run_ok(
            &openssl,
            &[
                "verify",
                "-purpose",
                "smimesign",
                "-CAfile",
                &root,
                "-untrusted",
                &issuing,
                &leaf,
            ],
            None,
        );

        let text = run_ok(&openssl, &["x509", "-in", &leaf, "-noout", "-text"], None);
        let ku = if alg == KeyAlgorithm::P256 {
            // keyEncipherment is dropped for an EC key (RFC 5480).
            "X509v3 Key Usage: critical\n                Digital Signature, Non Repudiation\n"
        } else {
            "X509v3 Key Usage: critical\n                Digital Signature, Non Repudiation, Key Encipherment\n"
        };
        for want in [
            ku,
            "X509v3 Basic Constraints: critical\n                CA:FALSE",
            "E-mail Protection, TLS Web Client Authentication, 1.3.6.1.5.5.7.3.36",
            "X509v3 Subject Alternative Name: \n                email:budi@example.go.id",
            "URI:http://127.0.0.1:8080/ca/issuing.crl",
            "CA Issuers - URI:http://127.0.0.1:8080/ca/issuing.crt",
            "Policy: 1.3.6.1.5.5.7.13.1",
            "Subject: C = ID, O = Dinas Kominfo, CN = Budi Santoso, emailAddress = budi@example.go.id",
            "Issuer: C = ID, O = Kunci Uji, CN = Kunci Uji Issuing CA",
            "Signature Algorithm: ecdsa-with-SHA256",
            "Version: 3 (0x2)",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
        // The leaf's AKI is the issuing CA's SKI.
        let ski = after(&issuing_text, "X509v3 Subject Key Identifier: \n");
        let aki = after(&text, "X509v3 Authority Key Identifier: \n");
        assert!(aki.contains(ski.trim()), "AKI {aki:?} vs SKI {ski:?}");

        let info = kunci_core::cert::parse(issued.pem.as_bytes()).unwrap();
        assert_eq!(info.serial, issued.serial_hex);
        assert_eq!(info.not_before_unix, issued.not_before);
        assert_eq!(info.not_after_unix, issued.not_after);
        assert_eq!(issued.not_after - issued.not_before, 730 * 86_400 + 300);
        assert!(!info.is_ca);
        assert_eq!(info.subject_alt_names, ["email:budi@example.go.id"]);
    }
}

/// The line after `label` in OpenSSL's text output.
fn after<'a>(text: &'a str, label: &str) -> &'a str {
    let i = text
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} in {text}"))
        + label.len();
    text[i..].lines().next().unwrap()
}

#[test]
fn ca_certificates_carry_the_ca_extensions() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let h = hierarchy();
    let dir = tempdir();
    let root = write(dir.path(), "root.pem", h.root.cert_pem());
    let issuing = write(dir.path(), "issuing.pem", h.issuing.cert_pem());
    let root_text = run_ok(&openssl, &["x509", "-in", &root, "-noout", "-text"], None);
    let issuing_text = run_ok(
        &openssl,
        &["x509", "-in", &issuing, "-noout", "-text"],
        None,
    );
    for t in [&root_text, &issuing_text] {
        assert!(
            t.contains("X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"),
            "{t}"
        );
        assert!(t.contains("X509v3 Subject Key Identifier"), "{t}");
        assert!(t.contains("X509v3 Authority Key Identifier"), "{t}");
    }
    assert!(root_text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE\n"));
    assert!(
        issuing_text
            .contains("X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0")
    );
    // The issuing CA verifies against the root; the root against itself.
    run_ok(&openssl, &["verify", "-CAfile", &root, &issuing], None);
    run_ok(&openssl, &["verify", "-CAfile", &root, &root], None);

    let r = kunci_core::cert::parse(h.root.cert_der()).unwrap();
    let i = kunci_core::cert::parse(h.issuing.cert_der()).unwrap();
    let days = |c: &kunci_core::cert::CertificateInfo| {
        (c.not_after_unix - c.not_before_unix - 300) / 86_400
    };
    assert_eq!(days(&r), 20 * 365 + 5);
    assert_eq!(days(&i), 10 * 365 + 3);
    assert!(r.is_ca && i.is_ca);
}

#[test]
fn serials_differ_across_100_issuances_and_hold_at_least_64_random_bits() {
    let a = hierarchy().into_authority().unwrap();
    let csr = holder_csr(KeyAlgorithm::P256);
    let profile = Profile::individu(BASE);
    let mut seen = HashSet::new();
    for _ in 0..100 {
        let issued = a
            .issue(&csr, &policy(), &profile, now(), &mut rng())
            .unwrap();
        let bytes = hex::decode(&issued.serial_hex).unwrap();
        assert_eq!(bytes.len(), 16);
        assert!(bytes[0] < 0x80 && bytes[0] != 0, "{}", issued.serial_hex);
        // 126 random bits: the two fixed top bits aside, 8 * 16 - 2 >= 64.
        assert!(bytes.len() * 8 - 2 >= 64);
        assert_eq!(
            kunci_core::cert::parse(&issued.der).unwrap().serial,
            issued.serial_hex
        );
        assert!(seen.insert(issued.serial_hex), "a serial repeated");
    }
    assert_eq!(seen.len(), 100);
}

#[test]
fn a_leaf_never_outlives_the_issuing_ca_and_an_expired_ca_issues_nothing() {
    let a = hierarchy().into_authority().unwrap();
    let csr = holder_csr(KeyAlgorithm::P256);
    let mut profile = Profile::individu(BASE);
    profile.validity_days = ca::profile::MAX_VALIDITY_DAYS;
    let end = a.issuing_not_after();

    let late = end - 10 * 86_400;
    let issued = a
        .issue(&csr, &policy(), &profile, late, &mut rng())
        .unwrap();
    assert_eq!(issued.not_after, end);
    let leaf = kunci_core::cert::parse(&issued.der).unwrap();
    let issuing = kunci_core::cert::parse(a.issuing_cert_der()).unwrap();
    assert!(leaf.not_after_unix <= issuing.not_after_unix);
    assert_eq!(issued.not_before, late - 300);

    for when in [end, end + 1, 0] {
        let err = a
            .issue(&csr, &policy(), &profile, when, &mut rng())
            .unwrap_err();
        assert_eq!(err.code(), "ca.expired", "at {when}");
    }
}

#[test]
fn chain_pem_is_issuing_then_root() {
    let h = hierarchy();
    let (root, issuing) = (h.root.cert_der().to_vec(), h.issuing.cert_der().to_vec());
    let a = h.into_authority().unwrap();
    let ders = kunci_core::cert::read_all_der(a.chain_pem().as_bytes()).unwrap();
    assert_eq!(ders, [issuing, root]);
}

#[test]
fn an_rsa_3072_hierarchy_issues_leaves_openssl_accepts() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let names = CaNames::for_organization("Kunci RSA", "ID");
    let h = create_hierarchy(&names, KeyAlgorithm::Rsa3072, &mut rng(), now()).unwrap();
    let dir = tempdir();
    let root = write(dir.path(), "root.pem", h.root.cert_pem());
    let issuing = write(dir.path(), "issuing.pem", h.issuing.cert_pem());
    let a = h.into_authority().unwrap();
    let issued = a
        .issue(
            &holder_csr(KeyAlgorithm::P256),
            &policy(),
            &Profile::individu(BASE),
            now(),
            &mut rng(),
        )
        .unwrap();
    let leaf = write(dir.path(), "leaf.pem", &issued.pem);
    run_ok(
        &openssl,
        &["verify", "-CAfile", &root, "-untrusted", &issuing, &leaf],
        None,
    );
    let text = run_ok(&openssl, &["x509", "-in", &leaf, "-noout", "-text"], None);
    assert!(
        text.contains("Signature Algorithm: sha256WithRSAEncryption"),
        "{text}"
    );
    let crl = a
        .crl(
            &[revoked(&issued, RevocationReason::KeyCompromise, now())],
            1,
            now(),
            3600,
        )
        .unwrap();
    let crl_path = write(dir.path(), "crl.pem", ca::crl::crl_pem(&crl));
    let out = run(
        &openssl,
        &[
            "verify",
            "-crl_check",
            "-CRLfile",
            &crl_path,
            "-CAfile",
            &root,
            "-untrusted",
            &issuing,
            &leaf,
        ],
        None,
    );
    assert!(!out.status.success());
}

/// A signer whose signatures are not its key's (a faulty token): nothing leaves the CA.
#[test]
fn a_signature_that_does_not_verify_never_leaves_the_ca() {
    struct Liar {
        h: Arc<Hierarchy>,
        other: KeyPair,
    }
    impl Signer for Liar {
        fn signature_algorithm(&self) -> SignatureAlgorithm {
            SignatureAlgorithm::EcdsaP256Sha256
        }
        fn public_key_der(&self) -> kunci_core::Result<Vec<u8>> {
            Signer::public_key_der(self.h.issuing.signer())
        }
        fn sign(&self, message: &[u8]) -> kunci_core::Result<Vec<u8>> {
            self.other.sign(message)
        }
    }
    let h = Arc::new(hierarchy());
    let liar = Liar {
        h: h.clone(),
        other: KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap(),
    };
    let a = Authority::new(h.root.cert_der(), h.issuing.cert_der(), Box::new(liar)).unwrap();
    let err = a
        .issue(
            &holder_csr(KeyAlgorithm::P256),
            &policy(),
            &Profile::individu(BASE),
            now(),
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "sign.failed");
    assert_eq!(
        a.crl(&[], 1, now(), 3600).unwrap_err().code(),
        "sign.failed"
    );
}

// ---- refusals ----

#[test]
fn bad_csrs_are_refused_with_their_codes_and_nothing_is_signed() {
    let (a, signatures) = counting_authority();
    let individu = Profile::individu(BASE);
    let p256 = KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap();
    let rsa = KeyPair::generate(KeyAlgorithm::Rsa2048, &mut rng()).unwrap();
    let good = csr(&p256, Some(TOKEN), Some("budi@example.go.id"));

    // A byte of the signature flipped (the last byte of the DER is in the signature).
    let mut tampered = kunci_core::csr::Csr::from_input(&good)
        .unwrap()
        .der()
        .to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let other_subject = CsrBuilder::new(
        "CN=Budi Santosa,O=Dinas Kominfo,C=ID,emailAddress=budi@example.go.id"
            .parse()
            .unwrap(),
    )
    .challenge_password(Some(TOKEN.into()))
    .sign(&p256)
    .unwrap()
    .to_pem()
    .into_bytes();
    let wrong_email_san = csr(&p256, Some(TOKEN), Some("someone@else.example"));
    let huge = vec![b'A'; kunci_core::MAX_INPUT_LEN + 1];

    let cases: Vec<(&str, Vec<u8>, Profile, &str)> = vec![
        (
            "bad signature",
            tampered,
            individu.clone(),
            "csr.bad_signature",
        ),
        (
            "wrong token",
            csr(&p256, Some("not-the-token"), None),
            individu.clone(),
            "csr.token_mismatch",
        ),
        (
            "missing token",
            csr(&p256, None, None),
            individu.clone(),
            "csr.token_missing",
        ),
        (
            "other subject",
            other_subject,
            individu.clone(),
            "csr.subject_mismatch",
        ),
        (
            "RSA 2048 for a 3072+ product",
            csr(&rsa, Some(TOKEN), None),
            Profile::organisasi(BASE),
            "csr.algorithm_not_allowed",
        ),
        (
            "e-mail SAN not registered",
            wrong_email_san,
            individu.clone(),
            "ca.csr_rejected",
        ),
        (
            "garbage",
            b"\x30\x03\x02\x01".to_vec(),
            individu.clone(),
            "csr.malformed",
        ),
        (
            "text",
            b"hello, CA".to_vec(),
            individu.clone(),
            "csr.malformed",
        ),
        ("empty", Vec::new(), individu.clone(), "input.empty"),
        (
            "wrong PEM label",
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n".to_vec(),
            individu.clone(),
            "input.bad_pem",
        ),
        ("huge", huge, individu.clone(), "input.too_large"),
    ];
    for (what, input, profile, code) in cases {
        let err = a
            .issue(&input, &policy(), &profile, now(), &mut rng())
            .expect_err(what);
        assert_eq!(err.code(), code, "{what}: {err}");
        assert!(!err.to_string().contains(TOKEN), "{what}: the token leaked");
    }
    assert_eq!(signatures.load(Ordering::SeqCst), 0, "something was signed");

    // The policy's own key list wins when it is set.
    let only_rsa = CsrPolicy {
        allowed_keys: vec![KeyKind::Rsa { bits: 2048 }],
        ..policy()
    };
    let err = a
        .issue(&good, &only_rsa, &individu, now(), &mut rng())
        .unwrap_err();
    assert_eq!(err.code(), "csr.algorithm_not_allowed");
    // A broken profile is refused before the CSR is even read.
    let mut broken = individu.clone();
    broken.validity_days = 0;
    assert_eq!(
        a.issue(&good, &policy(), &broken, now(), &mut rng())
            .unwrap_err()
            .code(),
        "ca.profile_invalid"
    );
    assert_eq!(signatures.load(Ordering::SeqCst), 0, "something was signed");

    // And the good CSR is signed exactly once.
    a.issue(&good, &policy(), &individu, now(), &mut rng())
        .unwrap();
    assert_eq!(signatures.load(Ordering::SeqCst), 1);
}

#[test]
fn openssl_made_rsa_1024_and_p384_csrs_are_refused() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let (a, signatures) = counting_authority();
    let dir = tempdir();
    for (newkey, what) in [
        (vec!["-newkey", "rsa:1024"], "RSA 1024"),
        (
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "P-384",
        ),
    ] {
        let out = p(&dir.path().join("req.pem")).to_owned();
        let key = p(&dir.path().join("key.pem")).to_owned();
        let mut args = vec!["req", "-new", "-nodes", "-keyout", &key, "-out", &out];
        args.extend(newkey);
        args.extend([
            "-subj",
            "/C=ID/O=Dinas Kominfo/CN=Budi Santoso/emailAddress=budi@example.go.id",
        ]);
        run_ok(&openssl, &args, None);
        let input = std::fs::read(&out).unwrap();
        let err = a
            .issue(
                &input,
                &policy(),
                &Profile::individu(BASE),
                now(),
                &mut rng(),
            )
            .unwrap_err();
        assert_eq!(err.code(), "csr.algorithm_not_allowed", "{what}: {err}");
    }
    assert_eq!(signatures.load(Ordering::SeqCst), 0);
}

#[test]
fn an_authority_refuses_a_key_or_root_that_does_not_belong() {
    let h = hierarchy();
    let other = hierarchy();
    let stranger = || Box::new(KeyPair::generate(KeyAlgorithm::P256, &mut rng()).unwrap());
    let refused = |root: &[u8], issuing: &[u8]| {
        Authority::new(root, issuing, stranger())
            .unwrap_err()
            .code()
    };
    // A key that is not the issuing CA's.
    assert_eq!(
        refused(h.root.cert_der(), h.issuing.cert_der()),
        "ca.invalid"
    );
    // Another hierarchy's root did not issue this issuing CA, even with the right key.
    let enc = h.to_encrypted(b"pw", &mut rng()).unwrap();
    let foreign_root = ca::EncryptedHierarchy {
        root_cert_pem: other.root.cert_pem(),
        ..enc
    };
    assert_eq!(
        foreign_root.authority(b"pw").unwrap_err().code(),
        "ca.invalid"
    );
    // Root and issuing swapped: the root is not issued by the issuing CA.
    assert_eq!(
        refused(h.issuing.cert_der(), h.root.cert_der()),
        "ca.invalid"
    );
    // A leaf is not a CA.
    let a = other.into_authority().unwrap();
    let leaf = a
        .issue(
            &holder_csr(KeyAlgorithm::P256),
            &policy(),
            &Profile::individu(BASE),
            now(),
            &mut rng(),
        )
        .unwrap();
    assert_eq!(refused(a.root_cert_der(), &leaf.der), "ca.invalid");
    // Garbage is not a certificate.
    assert_eq!(refused(b"\x30\x00", h.issuing.cert_der()), "ca.invalid");
    // RSA 2048 is refused for a CA key.
    let names = CaNames::for_organization("Lain", "ID");
    let e = create_hierarchy(&names, KeyAlgorithm::Rsa2048, &mut rng(), now()).unwrap_err();
    assert_eq!(e.code(), "ca.invalid");
}

#[test]
fn a_hierarchy_with_impossible_times_or_names_is_refused() {
    let names = CaNames::for_organization("Kunci Uji", "ID");
    for when in [-1, 0, i64::MAX, 253_402_300_800] {
        let err = create_hierarchy(&names, KeyAlgorithm::P256, &mut rng(), when).unwrap_err();
        assert_eq!(err.code(), "ca.time_invalid", "at {when}");
    }
    let mut bad = names.clone();
    bad.issuing.common_name.clear();
    let err = create_hierarchy(&bad, KeyAlgorithm::P256, &mut rng(), now()).unwrap_err();
    assert_eq!(err.code(), "subject.invalid");
}

// ---- encrypted at rest ----

#[test]
fn the_hierarchy_round_trips_encrypted_and_a_wrong_password_is_key_locked() {
    let h = hierarchy();
    let password = b"kata sandi CA yang panjang sekali";
    let enc = h.to_encrypted(password, &mut rng()).unwrap();
    for key in [&enc.root_key_pem, &enc.issuing_key_pem] {
        assert!(
            key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
            "{key}"
        );
        assert!(!key.contains("BEGIN PRIVATE KEY") && !key.contains("BEGIN EC PRIVATE KEY"));
    }
    let json = serde_json::to_string(&enc).unwrap();
    assert!(!json.contains("BEGIN PRIVATE KEY"));
    let enc: ca::EncryptedHierarchy = serde_json::from_str(&json).unwrap();

    let back = enc.decrypt(password).unwrap();
    assert_eq!(back.root.cert_der(), h.root.cert_der());
    assert_eq!(back.issuing.cert_der(), h.issuing.cert_der());
    assert!(
        back.issuing
            .signer()
            .matches_public_key(&Signer::public_key_der(h.issuing.signer()).unwrap())
    );
    assert!(
        back.root
            .signer()
            .matches_public_key(&Signer::public_key_der(h.root.signer()).unwrap())
    );

    // The issuing key alone puts the CA to work.
    let a = enc.authority(password).unwrap();
    a.issue(
        &holder_csr(KeyAlgorithm::P256),
        &policy(),
        &Profile::individu(BASE),
        now(),
        &mut rng(),
    )
    .unwrap();

    for wrong in [&b"kata sandi CA yang panjang sekalI"[..], b""] {
        assert_eq!(enc.decrypt(wrong).unwrap_err().code(), "ca.key_locked");
        assert_eq!(enc.authority(wrong).unwrap_err().code(), "ca.key_locked");
    }
    // Keys swapped between the two certificates are caught.
    let swapped = ca::EncryptedHierarchy {
        root_key_pem: enc.issuing_key_pem.clone(),
        issuing_key_pem: enc.root_key_pem.clone(),
        ..enc.clone()
    };
    assert_eq!(swapped.decrypt(password).unwrap_err().code(), "ca.invalid");
    assert_eq!(
        swapped.authority(password).unwrap_err().code(),
        "ca.invalid"
    );
    // An empty password is refused on export.
    assert_eq!(
        h.to_encrypted(b"", &mut rng()).unwrap_err().code(),
        "password.empty"
    );
}

#[test]
fn openssl_decrypts_the_exported_ca_key_with_the_password_and_not_without() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let h = hierarchy();
    let enc = h.to_encrypted(b"rahasia-ca-123", &mut rng()).unwrap();
    let dir = tempdir();
    let key = write(dir.path(), "issuing.key", &enc.issuing_key_pem);
    let cert = write(dir.path(), "issuing.pem", &enc.issuing_cert_pem);
    let from_key = run_ok(
        &openssl,
        &[
            "pkey",
            "-in",
            &key,
            "-passin",
            "pass:rahasia-ca-123",
            "-pubout",
        ],
        None,
    );
    let from_cert = run_ok(&openssl, &["x509", "-in", &cert, "-noout", "-pubkey"], None);
    assert_eq!(from_key, from_cert);
    let out = run(
        &openssl,
        &["pkey", "-in", &key, "-passin", "pass:wrong", "-pubout"],
        None,
    );
    assert!(!out.status.success());
}

// ---- CRLs ----

fn revoked(issued: &Issued, reason: RevocationReason, at: i64) -> Revoked {
    Revoked {
        serial_hex: issued.serial_hex.clone(),
        revoked_at: at,
        reason,
    }
}

#[test]
fn openssl_checks_the_crl_signature_lists_reasons_and_rejects_revoked_leaves() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let a = hierarchy().into_authority().unwrap();
    let profile = Profile::individu(BASE);
    let csr = holder_csr(KeyAlgorithm::P256);
    let t = now();
    let mut leaves: Vec<Issued> = (0..4)
        .map(|_| a.issue(&csr, &policy(), &profile, t, &mut rng()).unwrap())
        .collect();
    let good = leaves.pop().unwrap();
    let list = [
        revoked(&leaves[0], RevocationReason::KeyCompromise, t - 60),
        revoked(&leaves[1], RevocationReason::Unspecified, t - 30),
        revoked(&leaves[2], RevocationReason::Superseded, t),
    ];
    let crl = a.crl(&list, 7, t, 7 * 86_400).unwrap();

    let dir = tempdir();
    let crl_path = write(dir.path(), "crl.pem", ca::crl::crl_pem(&crl));
    let chain = write(dir.path(), "chain.pem", a.chain_pem());
    let root = write(dir.path(), "root.pem", a.root_cert_pem());
    let issuing = write(dir.path(), "issuing.pem", a.issuing_cert_pem());

    let out = run(
        &openssl,
        &[
            "crl", "-in", &crl_path, "-CAfile", &chain, "-noout", "-text",
        ],
        None,
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("verify OK"), "{stderr}");
    assert!(stdout.contains("Version 2 (0x1)"), "{stdout}");
    assert!(
        stdout.contains("X509v3 CRL Number: \n                7\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("X509v3 Authority Key Identifier"),
        "{stdout}"
    );
    assert!(stdout.contains("Issuer: C = ID, O = Kunci Uji, CN = Kunci Uji Issuing CA"));
    let entry = |serial: &str| -> String {
        let i = stdout
            .find(&format!("Serial Number: {}", serial.to_uppercase()))
            .unwrap_or_else(|| panic!("{serial} not on the CRL:\n{stdout}"));
        let rest = &stdout[i + 20..];
        rest[..rest.find("Serial Number:").unwrap_or(rest.len())].to_owned()
    };
    assert!(entry(&leaves[0].serial_hex).contains("Key Compromise"));
    assert!(entry(&leaves[2].serial_hex).contains("Superseded"));
    // unspecified: listed, with no reasonCode (RFC 5280 5.3.1).
    assert!(!entry(&leaves[1].serial_hex).contains("Reason Code"));
    assert!(!stdout.contains(&good.serial_hex.to_uppercase()));

    let verify = |leaf: &Issued| {
        let path = write(dir.path(), "leaf.pem", &leaf.pem);
        run(
            &openssl,
            &[
                "verify",
                "-crl_check",
                "-CRLfile",
                &crl_path,
                "-CAfile",
                &root,
                "-untrusted",
                &issuing,
                &path,
            ],
            None,
        )
    };
    let out = verify(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for bad in &leaves {
        let out = verify(bad);
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "a revoked leaf passed: {said}");
        assert!(said.contains("certificate revoked"), "{said}");
    }
}

#[test]
fn an_empty_crl_has_no_revoked_list_and_still_verifies() {
    let Some(openssl) = judge("openssl") else {
        return;
    };
    let a = hierarchy().into_authority().unwrap();
    let crl = a.crl(&[], 1, now(), 86_400).unwrap();
    let dir = tempdir();
    let crl_path = write(dir.path(), "crl.der", &crl);
    let chain = write(dir.path(), "chain.pem", a.chain_pem());
    let out = run(
        &openssl,
        &[
            "crl", "-inform", "DER", "-in", &crl_path, "-CAfile", &chain, "-noout", "-text",
        ],
        None,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stderr).contains("verify OK"));
    assert!(stdout.contains("No Revoked Certificates."), "{stdout}");
}

#[test]
fn bad_revocation_entries_are_refused() {
    let (a, signatures) = counting_authority();
    let ok = Revoked {
        serial_hex: "4a01".into(),
        revoked_at: now(),
        reason: RevocationReason::Unspecified,
    };
    let cases = [
        (
            Revoked {
                serial_hex: "zz".into(),
                ..ok.clone()
            },
            "ca.revocation_invalid",
        ),
        (
            Revoked {
                serial_hex: "00".into(),
                ..ok.clone()
            },
            "ca.revocation_invalid",
        ),
        (
            Revoked {
                serial_hex: "ab".repeat(21),
                ..ok.clone()
            },
            "ca.revocation_invalid",
        ),
        (
            Revoked {
                reason: RevocationReason::RemoveFromCrl,
                ..ok.clone()
            },
            "ca.revocation_invalid",
        ),
        (
            Revoked {
                revoked_at: -1,
                ..ok.clone()
            },
            "ca.time_invalid",
        ),
    ];
    for (r, code) in cases {
        assert_eq!(
            a.crl(&[ok.clone(), r], 2, now(), 3600).unwrap_err().code(),
            code
        );
    }
    assert_eq!(
        a.crl(&[ok], 2, now(), 0).unwrap_err().code(),
        "ca.time_invalid"
    );
    assert_eq!(signatures.load(Ordering::SeqCst), 0);
}

// ---- Python cryptography ----

#[test]
fn python_cryptography_reads_the_leaf_extensions_and_the_crl() {
    let Some(py) = python() else { return };
    let a = hierarchy().into_authority().unwrap();
    let t = now();
    let leaf = a
        .issue(
            &holder_csr(KeyAlgorithm::Rsa2048),
            &policy(),
            &Profile::individu(BASE),
            t,
            &mut rng(),
        )
        .unwrap();
    let other = a
        .issue(
            &holder_csr(KeyAlgorithm::P256),
            &policy(),
            &Profile::individu(BASE),
            t,
            &mut rng(),
        )
        .unwrap();
    let crl = a
        .crl(
            &[
                revoked(&leaf, RevocationReason::CessationOfOperation, t),
                revoked(&other, RevocationReason::Unspecified, t),
            ],
            42,
            t,
            86_400,
        )
        .unwrap();
    let dir = tempdir();
    let leaf_path = write(dir.path(), "leaf.pem", &leaf.pem);
    let issuing_path = write(dir.path(), "issuing.pem", a.issuing_cert_pem());
    let crl_path = write(dir.path(), "crl.der", &crl);
    let script = r#"
import sys
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, ExtendedKeyUsageOID, AuthorityInformationAccessOID
leaf = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())
ca = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
crl = x509.load_der_x509_crl(open(sys.argv[3], 'rb').read())
leaf.verify_directly_issued_by(ca)
ext = leaf.extensions
ku = ext.get_extension_for_class(x509.KeyUsage)
assert ku.critical and ku.value.digital_signature and ku.value.content_commitment and ku.value.key_encipherment
assert not ku.value.key_cert_sign
bc = ext.get_extension_for_class(x509.BasicConstraints)
assert bc.critical and not bc.value.ca
eku = [o.dotted_string for o in ext.get_extension_for_class(x509.ExtendedKeyUsage).value]
assert eku == ['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.36'], eku
san = ext.get_extension_for_class(x509.SubjectAlternativeName).value
assert san.get_values_for_type(x509.RFC822Name) == ['budi@example.go.id']
dp = ext.get_extension_for_class(x509.CRLDistributionPoints).value
assert dp[0].full_name[0].value == 'http://127.0.0.1:8080/ca/issuing.crl'
aia = ext.get_extension_for_class(x509.AuthorityInformationAccess).value
assert aia[0].access_method == AuthorityInformationAccessOID.OCSP
assert aia[0].access_location.value == 'http://127.0.0.1:8080/ocsp'
assert aia[1].access_method == AuthorityInformationAccessOID.CA_ISSUERS
assert aia[1].access_location.value == 'http://127.0.0.1:8080/ca/issuing.crt'
pol = ext.get_extension_for_class(x509.CertificatePolicies).value
assert pol[0].policy_identifier.dotted_string == '1.3.6.1.5.5.7.13.1'
aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
assert aki == ski and len(ski) == 20
assert leaf.serial_number > 0 and leaf.serial_number.bit_length() >= 64
assert crl.is_signature_valid(ca.public_key())
assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 42
assert crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == ski
reasons = {}
for r in crl:
    try:
        reasons[r.serial_number] = r.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        reasons[r.serial_number] = None
print(reasons[leaf.serial_number], reasons[int(sys.argv[4], 16)])
"#;
    let out = run_ok(
        &py,
        &[
            "-c",
            script,
            &leaf_path,
            &issuing_path,
            &crl_path,
            &other.serial_hex,
        ],
        None,
    );
    assert_eq!(out.trim(), "cessation_of_operation None");
}
