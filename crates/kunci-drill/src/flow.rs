//! The holder's enrollment (request → CSR → document → submit → certificate → sometimes
//! revoke) and the operator's approvals, driven through HTTP, with a [`Ledger`] of everything
//! the portal acknowledged.
//!
//! Under chaos an answer can be lost (the server was killed mid-call). A lost call is never
//! blindly repeated: the drill first reads the state back (is the CSR uploaded? is the request
//! submitted?) and repeats the call only when it did not take effect. Under load nothing is
//! killed, so a lost answer is simply an error.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::Method;
use kunci_core::csr::{CsrBuilder, Subject};
use kunci_core::key::{KeyAlgorithm, KeyPair};
use serde_json::{Value, json};

use crate::Error;
use crate::client::{Answer, Body, Http, Session};
use crate::server::{HolderAccount, OPERATOR, PASSWORD, PRODUCT};

/// How long a read-back keeps retrying while the server restarts.
const READ_BACK_PATIENCE: Duration = Duration::from_secs(120);
/// How long a holder waits for the operator's approval.
const APPROVAL_PATIENCE: Duration = Duration::from_secs(300);

/// Everything the portal acknowledged, and what the drill counted on the way.
#[derive(Default, Debug)]
pub struct Ledger {
    /// Per enrollment request: how many times `POST /api/csr` was answered 201.
    pub csr_accepted: BTreeMap<i64, u32>,
    /// Requests whose document upload was acknowledged (or read back as stored).
    pub documented: Vec<i64>,
    /// Certificates seen issued: (request id, certificate id, serial hex).
    pub issued: Vec<(i64, i64, String)>,
    /// Certificates seen revoked: (certificate id, serial hex, reason name).
    pub revoked: Vec<(i64, String, String)>,
    /// HTTP calls answered.
    pub calls: u64,
    /// Calls whose answer was lost.
    pub lost_answers: u64,
    /// Lost calls that the read-back showed had taken effect (not repeated).
    pub applied_unseen: u64,
    /// Lost calls repeated because the read-back showed no effect.
    pub repeated: u64,
    /// Enrollment requests left behind because the answer that carried their token was lost.
    pub abandoned_requests: u64,
    /// Approvals the operator made.
    pub approvals: u64,
    /// Refusals and failures by `step: status code`.
    pub errors: BTreeMap<String, u64>,
    /// Per step: the latency of every answered call.
    pub latencies: BTreeMap<&'static str, Vec<Duration>>,
    /// When each certificate was seen issued, from the run's start.
    pub issued_at: Vec<Duration>,
}

/// What the holders share.
#[derive(Clone)]
pub struct Shared {
    /// The client.
    pub http: Http,
    /// The record.
    pub ledger: Arc<Mutex<Ledger>>,
    /// Set when holders should finish their current enrollment and stop.
    pub stop: Arc<AtomicBool>,
    /// Under chaos: lost answers are read back and retried. Under load: they are errors.
    pub chaos: bool,
    /// The server approves on submit (load); otherwise the operator task does.
    pub auto_approve: bool,
    /// One in `revoke_one_in` certificates is revoked.
    pub revoke_one_in: u64,
    /// The start of the measured phase (set once, when it begins; holders made before it
    /// share it).
    pub started: Arc<std::sync::OnceLock<Instant>>,
}

impl Shared {
    fn record<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        // A poisoned ledger means a holder task panicked: the run is void anyway, but the
        // figures so far are still worth printing.
        let mut ledger = match self.ledger.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut ledger)
    }

    fn error(&self, step: &str, what: impl std::fmt::Display) {
        self.record(|l| *l.errors.entry(format!("{step}: {what}")).or_default() += 1);
    }
}

/// Where to read the state back after a lost answer, and how to judge from it whether the
/// call took effect.
type ReadBack<'a> = Option<(&'a str, &'a dyn Fn(&Value) -> bool)>;

/// Whether a lost call had taken effect.
enum Outcome {
    Answered(Answer),
    AppliedUnseen,
}

/// One holder: its account, session and registered identity.
pub struct Holder {
    shared: Shared,
    account: HolderAccount,
    subject: Subject,
    session: Mutex<Option<Session>>,
    product_id: i64,
    reasons: Vec<String>,
    /// The highest request id this holder has seen: a lost `POST /api/requests` is read back
    /// as a request above it.
    max_request: AtomicI64,
}

impl Holder {
    /// Logs in (timed as `login`) and reads its product and the revocation reasons.
    pub async fn new(shared: Shared, account: HolderAccount) -> Result<Holder, Error> {
        let subject = Subject::from_str(&account.subject)
            .map_err(|e| Error::Protocol(format!("subject of {}: {e}", account.login)))?;
        let holder = Holder {
            shared,
            account,
            subject,
            session: Mutex::new(None),
            product_id: 0,
            reasons: Vec::new(),
            max_request: AtomicI64::new(0),
        };
        holder.login().await?;
        let products = holder.read("/api/products").await?;
        let product_id = products["products"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == PRODUCT)
            .and_then(|p| p["id"].as_i64())
            .ok_or_else(|| Error::Protocol(format!("{PRODUCT} not granted")))?;
        let reasons = holder.read("/api/revocation-reasons").await?;
        let reasons = reasons["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["name"].as_str().map(str::to_owned))
            .collect();
        Ok(Holder {
            product_id,
            reasons,
            ..holder
        })
    }

    /// Enrollments until told to stop (or, under load, until `deadline`).
    pub async fn run(&self, deadline: Option<Instant>) {
        while !self.shared.stop.load(Ordering::Relaxed)
            && deadline.is_none_or(|d| Instant::now() < d)
        {
            if let Err(e) = self.enroll().await {
                self.shared.error("enrollment", e);
                // Do not spin on a persistent failure.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// One enrollment: request, CSR, document, approval (by the server or the operator
    /// task), download, and sometimes a revocation; recorded in the ledger.
    pub async fn enroll(&self) -> Result<(), Error> {
        let sh = &self.shared;
        // Step: a new request. A lost answer carried the only copy of its token, so a request
        // made that way is left pending and a new one made; it is recognised on read-back as
        // an id above the highest this holder has seen (each holder's requests are its own
        // and made one at a time).
        let (id, token) = loop {
            let product = json!({"product_id": self.product_id});
            let known = self.max_request.load(Ordering::Relaxed);
            let made = move |list: &Value| max_id(list) > known;
            match self
                .act("request", Some(("/api/requests", &made)), || {
                    self.post("/api/requests", &product)
                })
                .await?
            {
                Outcome::Answered(a) if a.status == 201 => {
                    let body = a.json();
                    match (body["request"]["id"].as_i64(), body["csr_token"].as_str()) {
                        (Some(id), Some(token)) => {
                            self.max_request.fetch_max(id, Ordering::Relaxed);
                            break (id, token.to_owned());
                        }
                        _ => return Err(Error::Protocol("request without id or token".into())),
                    }
                }
                Outcome::Answered(a) => return Err(refused("request", &a)),
                Outcome::AppliedUnseen => {
                    let list = self.read("/api/requests").await?;
                    self.max_request.fetch_max(max_id(&list), Ordering::Relaxed);
                    sh.record(|l| l.abandoned_requests += 1);
                }
            }
        };

        // Step: the CSR, made here (not timed: the server's latency only).
        let key = KeyPair::generate(
            KeyAlgorithm::P256,
            &mut rand_core::UnwrapErr(getrandom::SysRng),
        )
        .map_err(|e| Error::Protocol(format!("key generation: {e}")))?;
        let csr = CsrBuilder::new(self.subject.clone())
            .email_san(self.subject.email.clone())
            .challenge_password(Some(token.clone()))
            .sign(&key)
            .map_err(|e| Error::Protocol(format!("CSR: {e}")))?
            .to_pem();
        let path = format!("/api/requests/{id}");
        let upload = json!({"token": token, "csr": csr});
        let csr_stored = |r: &Value| r["csr_uploaded"] == true;
        match self
            .act("csr", Some((&path, &csr_stored)), || {
                self.post("/api/csr", &upload)
            })
            .await?
        {
            Outcome::Answered(a) if a.status == 201 => {
                sh.record(|l| *l.csr_accepted.entry(id).or_default() += 1);
            }
            Outcome::Answered(a) => return Err(refused("csr", &a)),
            Outcome::AppliedUnseen => {}
        }

        // Step: the supporting document, unique per request so that files and rows pair up.
        let mut pdf = format!("%PDF-1.4\n% kunci-drill request {id} ").into_bytes();
        pdf.extend_from_slice(hex::encode(getrandom::u64().unwrap_or(0).to_le_bytes()).as_bytes());
        pdf.extend_from_slice(b"\n%%EOF");
        let doc_path = format!("/api/requests/{id}/document");
        let documented = |r: &Value| !r["document"].is_null();
        match self
            .act("document", Some((&path, &documented)), || async {
                let s = self.session()?;
                let body = Body {
                    session: Some(&s),
                    content: Some(("application/pdf", pdf.clone())),
                    header: Some(("x-file-name", "surat-rekomendasi.pdf")),
                };
                sh.http.call(Method::POST, &doc_path, body).await
            })
            .await?
        {
            Outcome::Answered(a) if a.ok() => sh.record(|l| l.documented.push(id)),
            Outcome::Answered(a) => return Err(refused("document", &a)),
            Outcome::AppliedUnseen => sh.record(|l| l.documented.push(id)),
        }

        // Step: submit (in automatic mode this issues the certificate).
        let submit_path = format!("/api/requests/{id}/submit");
        let submitted = |r: &Value| r["status"] == "submitted" || r["status"] == "success";
        let agree = json!({"agree": true});
        match self
            .act("submit", Some((&path, &submitted)), || {
                self.post(&submit_path, &agree)
            })
            .await?
        {
            Outcome::Answered(a) if a.ok() => {}
            Outcome::Answered(a) => return Err(refused("submit", &a)),
            Outcome::AppliedUnseen => {}
        }

        // The approval: at once (automatic) or by the operator (chaos).
        let waited = Instant::now();
        let cert_id = loop {
            let r = self.read(&path).await?;
            if r["status"] == "success"
                && let Some(cert) = r["certificate_id"].as_i64()
            {
                break cert;
            }
            if r["status"] == "rejected" {
                return Err(Error::Protocol(format!("request {id} rejected")));
            }
            if waited.elapsed() > APPROVAL_PATIENCE {
                return Err(Error::Protocol(format!("request {id} never approved")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };

        // Step: download.
        let cert = self.read(&format!("/api/certificates/{cert_id}")).await?;
        let serial = cert["serial"]
            .as_str()
            .ok_or_else(|| Error::Protocol("certificate without serial".into()))?
            .to_owned();
        let pem_path = format!("/api/certificates/{cert_id}/pem");
        // A GET changes nothing: under chaos a lost answer is simply asked again.
        let pem = loop {
            match self.timed("download", || self.get(&pem_path)).await {
                Err(Error::Transport(_) | Error::Unreachable(_)) if sh.chaos => {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                other => break other?,
            }
        };
        if !pem.ok() || !pem.body.starts_with(b"-----BEGIN CERTIFICATE-----") {
            return Err(refused("download", &pem));
        }
        sh.record(|l| {
            l.issued.push((id, cert_id, serial.clone()));
            l.issued_at
                .push(sh.started.get().map(Instant::elapsed).unwrap_or_default());
        });

        // Step: sometimes, revoke.
        let dice = getrandom::u64().unwrap_or(0);
        if self.reasons.is_empty() || !dice.is_multiple_of(sh.revoke_one_in.max(1)) {
            return Ok(());
        }
        let reason =
            self.reasons[usize::try_from(dice >> 32).unwrap_or(0) % self.reasons.len()].clone();
        let revoke_path = format!("/api/certificates/{cert_id}/revoke");
        let body = json!({"reason": reason});
        let asked = |list: &Value| {
            list["requests"].as_array().into_iter().flatten().any(|r| {
                r["kind"] == "revocation" && r["target_certificate_id"].as_i64() == Some(cert_id)
            })
        };
        match self
            .act("revoke", Some(("/api/requests", &asked)), || {
                self.post(&revoke_path, &body)
            })
            .await?
        {
            Outcome::Answered(a) if a.ok() => {}
            Outcome::Answered(a) => return Err(refused("revoke", &a)),
            Outcome::AppliedUnseen => {}
        }
        let waited = Instant::now();
        let cert_path = format!("/api/certificates/{cert_id}");
        loop {
            let c = self.read(&cert_path).await?;
            if c["status"] == "revoked" {
                break;
            }
            if waited.elapsed() > APPROVAL_PATIENCE {
                return Err(Error::Protocol(format!(
                    "revocation of {cert_id} never approved"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        sh.record(|l| l.revoked.push((cert_id, serial, reason)));
        Ok(())
    }

    /// Sends a state-changing call. If the answer is lost (chaos), reads `check.0` back and
    /// asks `check.1` whether the call took effect: if so, does not repeat it. A 401 (the
    /// session was lost with a killed server before it was stored) logs in again.
    async fn act(
        &self,
        step: &'static str,
        check: ReadBack<'_>,
        send: impl AsyncFn() -> Result<Answer, Error>,
    ) -> Result<Outcome, Error> {
        let sh = &self.shared;
        loop {
            match self.timed(step, &send).await {
                Ok(a) if a.status == 401 && sh.chaos => {
                    self.login().await?;
                }
                Ok(a) => return Ok(Outcome::Answered(a)),
                // Never reached the server: send again once it listens.
                Err(Error::Unreachable(_)) if sh.chaos => {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(Error::Transport(e)) if sh.chaos => {
                    sh.record(|l| l.lost_answers += 1);
                    let Some((path, applied)) = check else {
                        // Nothing to read back: the caller decides.
                        return Ok(Outcome::AppliedUnseen);
                    };
                    let state = self.read(path).await?;
                    if applied(&state) {
                        sh.record(|l| l.applied_unseen += 1);
                        return Ok(Outcome::AppliedUnseen);
                    }
                    sh.record(|l| l.repeated += 1);
                    let _ = e;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One call, its latency recorded when answered.
    async fn timed(
        &self,
        step: &'static str,
        send: impl AsyncFn() -> Result<Answer, Error>,
    ) -> Result<Answer, Error> {
        let t = Instant::now();
        let answer = send().await;
        if answer.is_ok() {
            let took = t.elapsed();
            self.shared.record(|l| {
                l.calls += 1;
                l.latencies.entry(step).or_default().push(took);
            });
        }
        answer
    }

    /// A GET whose JSON answer is needed: under chaos, retried through restarts.
    async fn read(&self, path: &str) -> Result<Value, Error> {
        let started = Instant::now();
        loop {
            match self.get(path).await {
                Ok(a) if a.status == 200 => {
                    self.shared.record(|l| l.calls += 1);
                    return Ok(a.json());
                }
                Ok(a) if a.status == 401 && self.shared.chaos => self.login().await?,
                Ok(a) => return Err(refused(path, &a)),
                Err(Error::Transport(e) | Error::Unreachable(e)) if self.shared.chaos => {
                    if started.elapsed() > READ_BACK_PATIENCE {
                        return Err(Error::Transport(e));
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn login(&self) -> Result<(), Error> {
        let started = Instant::now();
        loop {
            let t = Instant::now();
            match self.shared.http.login(&self.account.login, PASSWORD).await {
                Ok(session) => {
                    let took = t.elapsed();
                    self.shared.record(|l| {
                        l.calls += 1;
                        l.latencies.entry("login").or_default().push(took);
                    });
                    *self.session.lock().map_err(|_| poisoned())? = Some(session);
                    return Ok(());
                }
                Err(Error::Transport(e) | Error::Unreachable(e)) if self.shared.chaos => {
                    if started.elapsed() > READ_BACK_PATIENCE {
                        return Err(Error::Transport(e));
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn session(&self) -> Result<Session, Error> {
        self.session
            .lock()
            .map_err(|_| poisoned())?
            .clone()
            .ok_or_else(|| Error::Protocol("no session".into()))
    }

    async fn get(&self, path: &str) -> Result<Answer, Error> {
        let s = self.session()?;
        self.shared.http.get(path, Some(&s)).await
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Answer, Error> {
        let s = self.session()?;
        self.shared.http.post_json(path, Some(&s), body).await
    }
}

/// The operator under chaos: approves whatever waits in the queue until `done` is set.
pub async fn operator(shared: Shared, done: Arc<AtomicBool>) -> Result<(), Error> {
    let http = shared.http.clone();
    let mut session = login_retrying(&http, OPERATOR).await?;
    while !done.load(Ordering::Relaxed) {
        let queue = match http.get("/api/operator/queue", Some(&session)).await {
            Ok(a) if a.status == 200 => a.json(),
            Ok(a) if a.status == 401 => {
                session = login_retrying(&http, OPERATOR).await?;
                continue;
            }
            Ok(a) => {
                shared.error("queue", format!("{} {}", a.status, a.code()));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(25)).await;
                continue;
            }
        };
        shared.record(|l| l.calls += 1);
        let ids: Vec<i64> = queue["requests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_i64())
            .collect();
        if ids.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for id in ids {
            let path = format!("/api/operator/requests/{id}/approve");
            let t = Instant::now();
            match http
                .call(
                    Method::POST,
                    &path,
                    Body {
                        session: Some(&session),
                        ..Body::default()
                    },
                )
                .await
            {
                Ok(a) if a.ok() => shared.record(|l| {
                    l.calls += 1;
                    l.approvals += 1;
                    l.latencies.entry("approve").or_default().push(t.elapsed());
                }),
                // Already decided (an approval whose answer was lost): the queue read next
                // time shows the truth; nothing is repeated blindly.
                Ok(a) if a.status == 409 => shared.record(|l| l.calls += 1),
                Ok(a) if a.status == 401 => session = login_retrying(&http, OPERATOR).await?,
                Ok(a) => shared.error("approve", format!("{} {}", a.status, a.code())),
                Err(Error::Unreachable(_)) => break,
                Err(_) => {
                    // The answer was lost; the next queue read shows whether it took effect
                    // (an approved request leaves the queue).
                    shared.record(|l| l.lost_answers += 1);
                    break;
                }
            }
        }
    }
    Ok(())
}

async fn login_retrying(http: &Http, login: &str) -> Result<Session, Error> {
    let started = Instant::now();
    loop {
        match http.login(login, PASSWORD).await {
            Ok(s) => return Ok(s),
            Err(Error::Transport(e) | Error::Unreachable(e)) => {
                if started.elapsed() > READ_BACK_PATIENCE {
                    return Err(Error::Transport(e));
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The highest enrollment request id in a `GET /api/requests` answer (revocations share the
/// id sequence and are left out).
fn max_id(list: &Value) -> i64 {
    list["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["kind"] == "enrollment")
        .filter_map(|r| r["id"].as_i64())
        .max()
        .unwrap_or(0)
}

fn refused(step: &str, a: &Answer) -> Error {
    Error::Protocol(format!("{step}: {} {}", a.status, a.code()))
}

fn poisoned() -> Error {
    Error::Protocol("a holder's session lock was poisoned".into())
}
