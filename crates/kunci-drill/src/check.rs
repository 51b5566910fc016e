//! The invariants checked after a drill, against the store (the SQLite file opened read-only,
//! or the PostgreSQL database, once the servers are stopped), the current CRL (fetched from
//! every instance before it stopped), the uploads folder, and the drill's [`Ledger`] of what
//! the portal acknowledged.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use const_oid::AssociatedOid;
use der::Decode;
use sqlx::{AnyConnection, Connection};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::CrlReason;

use crate::Error;
use crate::flow::Ledger;

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Enrollment requests in the store, and how many succeeded.
    pub enrollments: usize,
    /// Successful enrollments.
    pub issued: usize,
    /// Revoked certificates in the store.
    pub revoked: usize,
    /// Entries on the current CRL.
    pub crl_entries: usize,
    /// CSR tokens used (a CSR stored).
    pub tokens_used: usize,
    /// Stored documents.
    pub documents: usize,
    /// Files in the uploads folder that no row names (a kill between the file and its row
    /// leaves one; the portal's next start sweeps them, so after the drill's last start
    /// each is a violation).
    pub orphan_files: Vec<String>,
    /// Each invariant's name and how many items it checked.
    pub checked: Vec<(&'static str, usize)>,
    /// Every violation, said in a sentence.
    pub violations: Vec<String>,
}

/// Walks the portal's audit log (issue 16) from entry 1, with its own reading of the encoding
/// docs/SECURITY.md gives (so the drill is an outside verifier, not `audit verify` again): the
/// `seq` has no gap, each `prev_hash` is the previous entry's hash and each hash is the
/// SHA-256 of "kunci-audit-v1" and the seven fields, each with its 8-byte big-endian length.
/// Safe while the server runs (only committed rows are read). Answers the number of entries,
/// or the first break said in a sentence.
pub async fn audit_chain(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Result<i64, String>, Error> {
    use sha2::{Digest, Sha256};
    sqlx::any::install_default_drivers();
    let url = match database_url {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}?mode=ro", data_dir.join("kunci.db").display()),
    };
    let mut conn = AnyConnection::connect(&url)
        .await
        .map_err(|e| Error::Store(format!("opening the store to walk the audit log: {e}")))?;
    type Row = (i64, i64, String, String, String, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log \
         ORDER BY seq",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| Error::Store(format!("reading the audit log: {e}")))?;
    conn.close()
        .await
        .map_err(|e| Error::Store(e.to_string()))?;
    let mut prev = "0".repeat(64);
    let mut expected = 1;
    for (seq, at, actor, action, subject, details, prev_hash, hash) in rows {
        if seq != expected {
            return Ok(Err(format!(
                "audit entry {expected} is missing (the next is {seq})"
            )));
        }
        if prev_hash != prev {
            return Ok(Err(format!(
                "audit entry {seq}'s prev_hash is not entry {}'s hash",
                seq - 1
            )));
        }
        let mut h = Sha256::new();
        h.update(b"kunci-audit-v1");
        for field in [
            seq.to_string(),
            at.to_string(),
            actor,
            action,
            subject,
            details,
            prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        if hex::encode(h.finalize()) != hash {
            return Ok(Err(format!(
                "audit entry {seq}'s hash does not match its contents"
            )));
        }
        prev = hash;
        expected += 1;
    }
    Ok(Ok(expected - 1))
}

/// Checks every invariant. `database_url`: `None` for the data folder's SQLite file.
pub async fn check(
    data_dir: &Path,
    database_url: Option<&str>,
    crl_der: &[u8],
    ledger: &Ledger,
) -> Result<Report, Error> {
    sqlx::any::install_default_drivers();
    let url = match database_url {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}?mode=ro", data_dir.join("kunci.db").display()),
    };
    let mut conn = AnyConnection::connect(&url)
        .await
        .map_err(|e| Error::Store(format!("opening the store to check it: {e}")))?;
    let requests: Vec<Req> = sqlx::query_as(
        "SELECT id, kind, status, token_hash, token_used_at, \
         CASE WHEN csr_der IS NULL THEN 0 ELSE 1 END, \
         document_sha256, target_cert_id, revocation_reason FROM requests ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| Error::Store(e.to_string()))?;
    let certs: Vec<Cert> = sqlx::query_as(
        "SELECT id, request_id, serial_hex, status, revocation_reason FROM certificates",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| Error::Store(e.to_string()))?;
    conn.close()
        .await
        .map_err(|e| Error::Store(e.to_string()))?;

    let mut r = Report::default();
    let v = &mut r.violations;

    // 1. Every approved enrollment has exactly one certificate; no other has any.
    let mut per_request: HashMap<i64, Vec<&Cert>> = HashMap::new();
    for c in &certs {
        per_request.entry(c.1).or_default().push(c);
    }
    let enrollments: Vec<&Req> = requests.iter().filter(|q| q.1 == "enrollment").collect();
    for q in &enrollments {
        let n = per_request.get(&q.0).map_or(0, Vec::len);
        match (q.2.as_str(), n) {
            ("success", 1) => r.issued += 1,
            ("success", n) => v.push(format!("request {} succeeded with {n} certificates", q.0)),
            (status, n) if n > 0 => {
                v.push(format!(
                    "request {} is {status} yet has {n} certificate(s)",
                    q.0
                ));
            }
            _ => {}
        }
    }
    let enrollment_ids: BTreeSet<i64> = enrollments.iter().map(|q| q.0).collect();
    for c in &certs {
        if !enrollment_ids.contains(&c.1) {
            v.push(format!("certificate {} names no enrollment ({})", c.0, c.1));
        }
    }
    r.enrollments = enrollments.len();
    r.checked.push((
        "approved enrollment ↔ exactly one certificate",
        enrollments.len(),
    ));

    // 2. What the portal acknowledged survived every kill.
    let by_id: HashMap<i64, &Cert> = certs.iter().map(|c| (c.0, c)).collect();
    for (request, cert, serial) in &ledger.issued {
        match by_id.get(cert) {
            Some(c) if c.1 == *request && same_serial(&c.2, serial) => {}
            Some(c) => v.push(format!(
                "certificate {cert} was seen for request {request} serial {serial}, the store \
                 has request {} serial {}",
                c.1, c.2
            )),
            None => v.push(format!("certificate {cert} (seen issued) is missing")),
        }
    }
    r.checked
        .push(("acknowledged issuance durable", ledger.issued.len()));

    // 3. Serials unique (in the store, and among what holders downloaded).
    let mut serials: BTreeMap<String, usize> = BTreeMap::new();
    for c in &certs {
        *serials.entry(norm(&c.2)).or_default() += 1;
    }
    for (s, n) in &serials {
        if *n > 1 {
            v.push(format!("serial {s} is used {n} times"));
        }
    }
    let seen: BTreeSet<String> = ledger.issued.iter().map(|(_, _, s)| norm(s)).collect();
    if seen.len() != ledger.issued.len() {
        v.push("holders downloaded two certificates with one serial".into());
    }
    r.checked.push(("serials unique", certs.len()));

    // 4. Every revoked certificate is on the current CRL with its reason, and nothing else is.
    let crl = parse_crl(crl_der)?;
    r.crl_entries = crl.len();
    let revoked: Vec<&Cert> = certs.iter().filter(|c| c.3 == "revoked").collect();
    r.revoked = revoked.len();
    for c in &revoked {
        let code = c.4.unwrap_or(-1);
        match crl.get(&norm(&c.2)) {
            None => v.push(format!(
                "revoked certificate {} ({}) is not on the CRL",
                c.0, c.2
            )),
            // RFC 5280: unspecified (0) is written as no reasonCode at all.
            Some(on_crl) if i64::from(on_crl.unwrap_or(0)) != code => v.push(format!(
                "certificate {} is on the CRL with reason {on_crl:?}, the store says {code}",
                c.0
            )),
            Some(_) => {}
        }
    }
    let revoked_serials: BTreeSet<String> = revoked.iter().map(|c| norm(&c.2)).collect();
    for serial in crl.keys() {
        if !revoked_serials.contains(serial) {
            v.push(format!("the CRL lists {serial}, which is not revoked"));
        }
    }
    for (cert, serial, reason) in &ledger.revoked {
        let want = reason_code(reason);
        match by_id.get(cert) {
            Some(c) if c.3 == "revoked" && c.4 == want => {}
            _ => v.push(format!(
                "certificate {cert} ({serial}) was seen revoked ({reason}); the store disagrees"
            )),
        }
    }
    for q in requests
        .iter()
        .filter(|q| q.1 == "revocation" && q.2 == "success")
    {
        let target = q.7.and_then(|t| by_id.get(&t));
        if target.is_none_or(|c| c.3 != "revoked") {
            v.push(format!(
                "revocation {} succeeded, its certificate is not revoked",
                q.0
            ));
        }
    }
    r.checked
        .push(("revoked ↔ on the CRL with its reason", revoked.len()));

    // 5. Every CSR token used at most once.
    let mut hashes: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &enrollments {
        if let Some(h) = &q.3 {
            *hashes.entry(h.as_str()).or_default() += 1;
        }
        let used = q.4.is_some();
        let stored = q.5 != 0;
        if used != stored {
            v.push(format!(
                "request {}: token used {used} but CSR stored {stored}",
                q.0
            ));
        }
        if stored {
            r.tokens_used += 1;
        }
    }
    for (h, n) in hashes {
        if n > 1 {
            v.push(format!("token hash {h} names {n} requests"));
        }
    }
    let stored_csr: BTreeSet<i64> = enrollments
        .iter()
        .filter(|q| q.5 != 0)
        .map(|q| q.0)
        .collect();
    for (request, n) in &ledger.csr_accepted {
        if *n > 1 {
            v.push(format!(
                "request {request}: its token was accepted {n} times"
            ));
        }
        if !stored_csr.contains(request) {
            v.push(format!(
                "request {request}: CSR acknowledged but not stored"
            ));
        }
    }
    r.checked
        .push(("CSR token used at most once", enrollments.len()));

    // 6. No upload missing, none left behind.
    let uploads = data_dir.join("uploads");
    let files: BTreeSet<String> = std::fs::read_dir(&uploads)
        .map_err(|e| Error::Store(format!("reading {}: {e}", uploads.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut named = BTreeSet::new();
    for q in &requests {
        if let Some(sha) = &q.6 {
            let name = format!("{sha}.pdf");
            if !files.contains(&name) {
                v.push(format!("request {}: document {name} is missing", q.0));
            }
            named.insert(name);
            r.documents += 1;
        }
    }
    let documented: BTreeSet<i64> = requests
        .iter()
        .filter(|q| q.6.is_some())
        .map(|q| q.0)
        .collect();
    for request in &ledger.documented {
        if !documented.contains(request) {
            v.push(format!(
                "request {request}: document acknowledged but not stored"
            ));
        }
    }
    r.orphan_files = files.difference(&named).cloned().collect();
    for o in &r.orphan_files {
        v.push(format!(
            "upload {o} is left behind with no request naming it"
        ));
    }
    r.checked
        .push(("no upload missing or left behind", r.documents));
    Ok(r)
}

/// (id, kind, status, token_hash, token_used_at, csr stored, document_sha256, target_cert_id,
/// revocation_reason)
type Req = (
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
);
/// (id, request_id, serial_hex, status, revocation_reason)
type Cert = (i64, i64, String, String, Option<i64>);

/// Serial → reason code on the CRL (`None`: no reasonCode extension).
fn parse_crl(der: &[u8]) -> Result<BTreeMap<String, Option<u32>>, Error> {
    Ok(crl_revocations(der)?
        .into_iter()
        .map(|(serial, r)| (serial, r.reason))
        .collect())
}

/// One entry of a CRL, or one revoked row of the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// When, Unix seconds.
    pub at: u64,
    /// The CRLReason code (`None`: no reasonCode, i.e. unspecified, as RFC 5280 writes it).
    pub reason: Option<u32>,
}

/// A CRL's entries: normalised serial (see [`norm`]) → revocation.
pub fn crl_revocations(der: &[u8]) -> Result<BTreeMap<String, Revocation>, Error> {
    let crl: CertificateList = CertificateList::from_der(der)
        .map_err(|e| Error::Protocol(format!("the CRL does not parse: {e}")))?;
    let mut entries = BTreeMap::new();
    for entry in crl.tbs_cert_list.revoked_certificates.unwrap_or_default() {
        let mut reason = None;
        for ext in entry.crl_entry_extensions.unwrap_or_default() {
            if ext.extn_id == CrlReason::OID {
                let r = CrlReason::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| Error::Protocol(format!("a CRL reason does not parse: {e}")))?;
                reason = Some(r as u32);
            }
        }
        entries.insert(
            norm(&hex::encode(entry.serial_number.as_bytes())),
            Revocation {
                at: entry.revocation_date.to_unix_duration().as_secs(),
                reason,
            },
        );
    }
    Ok(entries)
}

/// Certificates in the store: normalised serial → `None` if good, else its revocation (the
/// unspecified reason, 0, as `None` like on the CRL). Safe while the server runs (only
/// committed rows are read).
pub async fn store_revocations(
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<BTreeMap<String, Option<Revocation>>, Error> {
    sqlx::any::install_default_drivers();
    let url = match database_url {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}?mode=ro", data_dir.join("kunci.db").display()),
    };
    let mut conn = AnyConnection::connect(&url)
        .await
        .map_err(|e| Error::Store(format!("opening the store to read certificates: {e}")))?;
    let rows: Vec<(String, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT serial_hex, status, revoked_at, revocation_reason FROM certificates",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| Error::Store(format!("reading certificates: {e}")))?;
    conn.close()
        .await
        .map_err(|e| Error::Store(e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|(serial, status, at, reason)| {
            let revocation = (status == "revoked").then(|| Revocation {
                at: at.and_then(|t| u64::try_from(t).ok()).unwrap_or(0),
                reason: reason
                    .and_then(|r| u32::try_from(r).ok())
                    .filter(|r| *r != 0),
            });
            (norm(&serial), revocation)
        })
        .collect())
}

/// A serial's hex without case or leading zeros, the form serials are compared in.
pub fn norm(serial_hex: &str) -> String {
    serial_hex
        .to_ascii_lowercase()
        .trim_start_matches('0')
        .to_owned()
}

fn same_serial(a: &str, b: &str) -> bool {
    norm(a) == norm(b)
}

/// RFC 5280's CRLReason code for the portal's reason name.
fn reason_code(name: &str) -> Option<i64> {
    Some(match name {
        "unspecified" => 0,
        "keyCompromise" => 1,
        "cACompromise" => 2,
        "affiliationChanged" => 3,
        "superseded" => 4,
        "cessationOfOperation" => 5,
        "certificateHold" => 6,
        "removeFromCRL" => 8,
        "privilegeWithdrawn" => 9,
        "aACompromise" => 10,
        _ => return None,
    })
}
