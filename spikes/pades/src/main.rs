//! PAdES spike (docs/spikes/pades.md): appends one signature to a PDF by an incremental update.
//!
//! lopdf writes the update (signature dictionary with a /Contents placeholder, a merged
//! field + widget, the page's /Annots and the catalog's /AcroForm); the ByteRange and the CMS
//! are then patched into the saved bytes in place. The CMS SignedData is assembled from the
//! `cms` crate's types by hand (as kunci-ams's TSA does), so the one signing call gets the DER
//! of the signed attributes, which is what a WebCrypto key or a token can sign.
//!
//! Throw-away code: `expect` everywhere, no error type.
//!
//! Usage: pades-spike IN OUT KEY.pem CERT.pem CA.pem FIELD [--signing-time] [--tsa DIR] [--builder]
//!        pades-spike dss IN OUT [CERT.pem | CRL.der]...   (B-LT: a DSS in a further update)
//!        pades-spike shrink-page IN OUT   (a disallowed change after signing, for the judges)

use std::process::Command;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, DecodePem, Encode};
use lopdf::{Dictionary, IncrementalDocument, Object, StringFormat};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// Bytes reserved for the CMS (written as 2x hex digits). 16 KiB holds a chain of a few
/// certificates and a timestamp token; B-LT material goes into the DSS, not here.
const PLACEHOLDER_BYTES: usize = 16 * 1024;
/// ByteRange placeholder: four 10-digit numbers, overwritten in place, padded with spaces.
const BYTE_RANGE_PLACEHOLDER: [i64; 4] = [0, 1_111_111_111, 2_222_222_222, 3_333_333_333];

/// SigningCertificateV2 (RFC 5035): hashAlgorithm left at its DEFAULT (SHA-256), no issuerSerial.
#[derive(der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}
#[derive(der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

enum Key {
    Rsa(rsa::pkcs1v15::SigningKey<Sha256>),
    P256(p256::ecdsa::SigningKey),
}

impl Key {
    fn load(pem: &str) -> Key {
        use pkcs8::DecodePrivateKey;
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
            return Key::Rsa(rsa::pkcs1v15::SigningKey::new(k));
        }
        Key::P256(p256::ecdsa::SigningKey::from_pkcs8_pem(pem).expect("RSA or P-256 PKCS#8 key"))
    }
    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        match self {
            Key::Rsa(_) => AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA,
                parameters: Some(Any::null()),
            },
            Key::P256(_) => AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None },
        }
    }
    /// Signs the message (hashing it with SHA-256); ECDSA comes out as DER Ecdsa-Sig-Value,
    /// which is what CMS (RFC 5753) carries, not raw r||s.
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use rsa::signature::{SignatureEncoding, Signer};
        match self {
            Key::Rsa(k) => k.sign(msg).to_vec(),
            Key::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("dss") {
        return add_dss(&args[2..]);
    }
    if args.get(1).map(String::as_str) == Some("shrink-page") {
        return shrink_page(&args[2..]);
    }
    let [_, input, output, key, cert, ca, field, rest @ ..] = &args[..] else {
        panic!("usage: IN OUT KEY CERT CA FIELD [--signing-time] [--tsa DIR]");
    };
    let with_signing_time = rest.iter().any(|a| a == "--signing-time");
    let with_builder = rest.iter().any(|a| a == "--builder");
    let tsa_dir = rest.iter().position(|a| a == "--tsa").map(|i| rest[i + 1].clone());

    let pdf = std::fs::read(input).expect("read IN");
    let key = Key::load(&std::fs::read_to_string(key).expect("read KEY"));
    let cert = Certificate::from_pem(std::fs::read(cert).expect("read CERT")).expect("CERT");
    let ca = Certificate::from_pem(std::fs::read(ca).expect("read CA")).expect("CA");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock");

    // 1. The incremental update with placeholders.
    let mut bytes = prepare(&pdf, field, now);
    // 2. ByteRange: everything but the hex string (its < and > included in the gap).
    let start = find(&bytes, &placeholder_hex()).expect("placeholder written once");
    let end = start + placeholder_hex().len();
    let range = [0, start as i64, end as i64, (bytes.len() - end) as i64];
    patch_byte_range(&mut bytes, range);
    // 3. Digest what the ByteRange covers.
    let mut h = Sha256::new();
    h.update(&bytes[..start]);
    h.update(&bytes[end..]);
    let digest = h.finalize().to_vec();
    // 4. CMS.
    let cms = if with_builder {
        build_cms_with_builder(&key, &cert, &ca, &digest, with_signing_time)
    } else {
        build_cms(&key, &cert, &ca, &digest, with_signing_time.then_some(now), tsa_dir)
    };
    assert!(cms.len() <= PLACEHOLDER_BYTES, "CMS {} bytes > placeholder", cms.len());
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    // Inside the < >: the CMS, then zeros (DER readers stop at the outer length).
    bytes[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    std::fs::write(output, &bytes).expect("write OUT");
    eprintln!("signed: ByteRange {range:?}, CMS {} bytes", cms.len());
}

fn placeholder_hex() -> Vec<u8> {
    let mut v = vec![b'<'];
    v.extend(std::iter::repeat_n(b'0', PLACEHOLDER_BYTES * 2));
    v.push(b'>');
    v
}

/// Appends the update: /Sig dictionary, field-widget, page /Annots, catalog /AcroForm.
fn prepare(pdf: &[u8], field: &str, now: std::time::Duration) -> Vec<u8> {
    let mut inc: IncrementalDocument = pdf.try_into().expect("lopdf reads IN");
    let prev = inc.get_prev_documents();
    let catalog_id = prev.trailer.get(b"Root").and_then(Object::as_reference).expect("/Root");
    let page_id = *prev.get_pages().get(&1).expect("a first page");
    // /AcroForm may be direct in the catalog or an indirect object.
    let acroform_ref = prev
        .get_dictionary(catalog_id)
        .expect("catalog")
        .get(b"AcroForm")
        .ok()
        .and_then(|o| o.as_reference().ok());

    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(now.as_secs()))
        .expect("date");
    let m = format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minutes(),
        dt.seconds()
    );

    let doc = &mut inc.new_document;
    let sig_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Sig".to_vec())),
        ("Filter", Object::Name(b"Adobe.PPKLite".to_vec())),
        ("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec())),
        (
            "ByteRange",
            Object::Array(BYTE_RANGE_PLACEHOLDER.iter().map(|&n| Object::Integer(n)).collect()),
        ),
        (
            "Contents",
            Object::String(vec![0u8; PLACEHOLDER_BYTES], StringFormat::Hexadecimal),
        ),
        ("M", Object::String(m.into_bytes(), StringFormat::Literal)),
    ]));
    let widget_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Widget".to_vec())),
        ("FT", Object::Name(b"Sig".to_vec())),
        ("T", Object::String(field.as_bytes().to_vec(), StringFormat::Literal)),
        ("V", Object::Reference(sig_id)),
        ("F", Object::Integer(132)), // Print + Locked
        ("Rect", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()])),
        ("P", Object::Reference(page_id)),
    ]));

    // The page: add the widget to /Annots (direct array or none; an indirect array is not
    // handled in the spike).
    inc.opt_clone_object_to_new_document(page_id).expect("clone page");
    let page = inc
        .new_document
        .get_object_mut(page_id)
        .and_then(Object::as_dict_mut)
        .expect("page dict");
    match page.get_mut(b"Annots") {
        Ok(Object::Array(a)) => a.push(Object::Reference(widget_id)),
        Ok(_) => panic!("indirect /Annots not handled in the spike"),
        Err(_) => page.set("Annots", Object::Array(vec![Object::Reference(widget_id)])),
    }

    // The AcroForm: append to /Fields, /SigFlags 3 (SignaturesExist | AppendOnly).
    let acroform: &mut Dictionary = if let Some(id) = acroform_ref {
        inc.opt_clone_object_to_new_document(id).expect("clone acroform");
        inc.new_document.get_object_mut(id).and_then(Object::as_dict_mut).expect("acroform")
    } else {
        inc.opt_clone_object_to_new_document(catalog_id).expect("clone catalog");
        let catalog = inc
            .new_document
            .get_object_mut(catalog_id)
            .and_then(Object::as_dict_mut)
            .expect("catalog");
        if catalog.get(b"AcroForm").is_err() {
            catalog.set("AcroForm", Dictionary::new());
        }
        catalog.get_mut(b"AcroForm").and_then(Object::as_dict_mut).expect("acroform")
    };
    match acroform.get_mut(b"Fields") {
        Ok(Object::Array(a)) => a.push(Object::Reference(widget_id)),
        Ok(_) => panic!("indirect /Fields not handled in the spike"),
        Err(_) => acroform.set("Fields", Object::Array(vec![Object::Reference(widget_id)])),
    }
    acroform.set("SigFlags", Object::Integer(3));

    let mut out = Vec::new();
    inc.save_to(&mut out).expect("lopdf writes the update");
    out
}

/// Overwrites the placeholder array in place; the same length, padded with spaces.
fn patch_byte_range(bytes: &mut [u8], range: [i64; 4]) {
    let placeholder = format!(
        "[{} {} {} {}]",
        BYTE_RANGE_PLACEHOLDER[0],
        BYTE_RANGE_PLACEHOLDER[1],
        BYTE_RANGE_PLACEHOLDER[2],
        BYTE_RANGE_PLACEHOLDER[3]
    );
    let at = find(bytes, placeholder.as_bytes()).expect("ByteRange placeholder written once");
    let mut real = format!("[{} {} {} {}]", range[0], range[1], range[2], range[3]);
    assert!(real.len() <= placeholder.len());
    while real.len() < placeholder.len() {
        real.push(' ');
    }
    bytes[at..at + real.len()].copy_from_slice(real.as_bytes());
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Attribute {
    let mut values = SetOfVec::new();
    values.insert(value).expect("one value");
    Attribute { oid, values }
}

fn any<T: Encode>(v: &T) -> Any {
    Any::from_der(&v.to_der().expect("encode")).expect("any")
}

/// Detached CMS SignedData over `digest` (the ByteRange's SHA-256).
fn build_cms(
    key: &Key,
    cert: &Certificate,
    ca: &Certificate,
    digest: &[u8],
    signing_time: Option<std::time::Duration>,
    tsa_dir: Option<String>,
) -> Vec<u8> {
    let sha256 = AlgorithmIdentifierOwned { oid: SHA256, parameters: None };
    let cert_der = cert.to_der().expect("cert der");
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(&cert_der).to_vec()).expect("hash"),
        }],
    };
    let mut attrs = vec![
        attribute(ID_CONTENT_TYPE, any(&ID_DATA)),
        attribute(ID_MESSAGE_DIGEST, any(&OctetString::new(digest.to_vec()).expect("md"))),
        attribute(ID_SIGNING_CERTIFICATE_V2, any(&ess)),
    ];
    if let Some(t) = signing_time {
        let t = der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(t.as_secs()))
            .expect("utc");
        attrs.push(attribute(ID_SIGNING_TIME, any(&x509_cert::time::Time::UtcTime(t))));
    }
    // SET OF: DER sorts the elements; SetOfVec::insert keeps them sorted, and what is signed
    // is this SET's own DER (tag 0x31), not the [0] IMPLICIT form in SignerInfo.
    let mut signed_attrs = SetOfVec::new();
    for a in attrs {
        signed_attrs.insert(a).expect("attr");
    }
    let to_be_signed = signed_attrs.to_der().expect("attrs der");
    let signature = key.sign(&to_be_signed);

    let unsigned_attrs = tsa_dir.map(|dir| {
        let token = timestamp(&dir, &signature);
        let mut set = SetOfVec::new();
        set.insert(attribute(ID_SIGNATURE_TIME_STAMP_TOKEN, Any::from_der(&token).expect("token")))
            .expect("attr");
        set
    });

    let tbs = cert.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: key.algorithm(),
        signature: OctetString::new(signature).expect("sig"),
        unsigned_attrs,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256).expect("alg");
    let mut infos = SetOfVec::new();
    infos.insert(signer_info).expect("si");
    let mut certs = SetOfVec::new();
    certs.insert(CertificateChoices::Certificate(cert.clone())).expect("cert");
    certs.insert(CertificateChoices::Certificate(ca.clone())).expect("ca");
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(infos),
    };
    ContentInfo { content_type: ID_SIGNED_DATA, content: any(&signed) }
        .to_der()
        .expect("content info")
}

/// B-T: an RFC 3161 token over the signature value, from `openssl ts` (DIR holds tsa.pem,
/// tsa.key, ca.pem, ts.cnf). kunci would get it from the portal's TSA.
fn timestamp(dir: &str, signature: &[u8]) -> Vec<u8> {
    let tmp = std::env::temp_dir().join(format!("pades-spike-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    let digest: String = Sha256::digest(signature).iter().map(|b| format!("{b:02x}")).collect();
    let run = |args: &[&str]| {
        let st = Command::new("openssl").args(args).current_dir(dir).status().expect("openssl");
        assert!(st.success(), "openssl {args:?}");
    };
    let tsq = tmp.join("req.tsq");
    let tst = tmp.join("token.der");
    run(&["ts", "-query", "-sha256", "-digest", &digest, "-cert", "-out", tsq.to_str().expect("p")]);
    run(&[
        "ts", "-reply", "-config", "ts.cnf", "-queryfile", tsq.to_str().expect("p"),
        "-token_out", "-out", tst.to_str().expect("p"),
    ]);
    std::fs::read(tst).expect("token")
}

/// B-LT: appends an incremental update whose catalog carries a /DSS with the given
/// certificates (PEM) and CRLs (DER, `.crl`), each a stream of DER. No /VRI (optional in
/// PAdES baseline B-LT).
fn add_dss(args: &[String]) {
    let [input, output, items @ ..] = args else { panic!("usage: dss IN OUT ITEMS...") };
    let pdf = std::fs::read(input).expect("read IN");
    let mut inc: IncrementalDocument = pdf.as_slice().try_into().expect("lopdf reads IN");
    let catalog_id =
        inc.get_prev_documents().trailer.get(b"Root").and_then(Object::as_reference).expect("/Root");
    let (mut certs, mut crls) = (Vec::new(), Vec::new());
    for item in items {
        let raw = std::fs::read(item).expect("read item");
        let (der, list) = if item.ends_with(".crl") {
            (raw, &mut crls)
        } else {
            let der = Certificate::from_pem(&raw).expect("PEM cert").to_der().expect("der");
            (der, &mut certs)
        };
        let id = inc.new_document.add_object(lopdf::Stream::new(Dictionary::new(), der));
        list.push(Object::Reference(id));
    }
    inc.opt_clone_object_to_new_document(catalog_id).expect("clone catalog");
    let catalog = inc
        .new_document
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .expect("catalog");
    catalog.set(
        "DSS",
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"DSS".to_vec())),
            ("Certs", Object::Array(certs)),
            ("CRLs", Object::Array(crls)),
        ]),
    );
    let mut out = Vec::new();
    inc.save_to(&mut out).expect("lopdf writes the update");
    std::fs::write(output, out).expect("write OUT");
}

/// The same CMS through `cms::builder` (feature "builder"): SignerInfoBuilder with an external
/// digest, signed attributes added by hand (signing-certificate-v2 has no helper), and a
/// `signature::Signer` key. The builder adds content-type and message-digest itself.
fn build_cms_with_builder(
    key: &Key,
    cert: &Certificate,
    ca: &Certificate,
    digest: &[u8],
    with_signing_time: bool,
) -> Vec<u8> {
    use cms::builder::{SignedDataBuilder, SignerInfoBuilder, create_signing_time_attribute};
    let econtent = EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None };
    let sha256 = AlgorithmIdentifierOwned { oid: SHA256, parameters: None };
    let tbs = cert.tbs_certificate();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    });
    let mut sib = SignerInfoBuilder::new(sid, sha256.clone(), &econtent, Some(digest)).expect("sib");
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(cert.to_der().expect("der")).to_vec())
                .expect("hash"),
        }],
    };
    sib.add_signed_attribute(attribute(ID_SIGNING_CERTIFICATE_V2, any(&ess))).expect("attr");
    if with_signing_time {
        // Time::now(): std's clock, which wasm32-unknown-unknown does not have.
        sib.add_signed_attribute(create_signing_time_attribute().expect("time")).expect("attr");
    }
    let mut b = SignedDataBuilder::new(&econtent);
    b.add_digest_algorithm(sha256).expect("alg");
    b.add_certificate(CertificateChoices::Certificate(cert.clone())).expect("cert");
    b.add_certificate(CertificateChoices::Certificate(ca.clone())).expect("ca");
    match key {
        Key::Rsa(k) => {
            b.add_signer_info::<_, rsa::pkcs1v15::Signature>(sib, k).expect("rsa signer info");
        }
        Key::P256(k) => {
            b.add_signer_info::<_, p256::ecdsa::DerSignature>(sib, k).expect("p256 signer info");
        }
    }
    b.build().expect("build").to_der().expect("der")
}

/// A change no signature allows, made the "legal" way (an incremental update after the
/// signature): the first page's MediaBox becomes 100 x 100. Every byte range stays intact.
fn shrink_page(args: &[String]) {
    let [input, output] = args else { panic!("usage: shrink-page IN OUT") };
    let pdf = std::fs::read(input).expect("read IN");
    let mut inc: IncrementalDocument = pdf.as_slice().try_into().expect("lopdf reads IN");
    let page_id = *inc.get_prev_documents().get_pages().get(&1).expect("a first page");
    inc.opt_clone_object_to_new_document(page_id).expect("clone page");
    let page =
        inc.new_document.get_object_mut(page_id).and_then(Object::as_dict_mut).expect("page");
    page.set("MediaBox", Object::Array(vec![0.into(), 0.into(), 100.into(), 100.into()]));
    let mut out = Vec::new();
    inc.save_to(&mut out).expect("lopdf writes the update");
    std::fs::write(output, out).expect("write OUT");
}
