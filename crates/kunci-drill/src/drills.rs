//! The two drills and their printed figures.
//!
//! - [`chaos`]: K holders enroll, an operator approves, some certificates are revoked, while
//!   the server is SIGKILLed at random moments and restarted on the same data folder.
//! - [`load`]: N holders at once against a server in automatic-approval mode for S seconds:
//!   issued certificates per second and per-step latency.
//!
//! Holders are tasks local to the drill's one thread (see main.rs). Both end with [`crate::check::check`] and answer whether every invariant held.
//!
//! OCSP (issue 16 part 5): after every chaos restart the responder's answers about the
//! ledger's certificates agree with the CRL and the store, and a never-issued serial is
//! `unknown` (`ocsp_agrees`); at the end of a load with several instances, every instance
//! gives the same answers.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Error;
use std::collections::BTreeMap;

use crate::check::{
    Report, Revocation, audit_chain, check, crl_revocations, norm, store_revocations,
};
use crate::client::Http;
use crate::flow::{Holder, Ledger, Shared, operator};
use crate::pki::{NEVER_ISSUED_SERIAL, OcspCertStatus, ask_ocsp};
use crate::server::{HolderAccount, Server};

/// `chaos` settings.
#[derive(Clone, Debug)]
pub struct ChaosOptions {
    /// The kunci-ams binary.
    pub binary: PathBuf,
    /// Concurrent holders.
    pub holders: usize,
    /// SIGKILLs to survive.
    pub kills: usize,
    /// Uptime before each kill: a random delay in this range (milliseconds).
    pub delay_ms: (u64, u64),
    /// One in this many certificates is revoked.
    pub revoke_one_in: u64,
    /// An empty PostgreSQL database to run on (`None`: the SQLite file in the data folder).
    pub database_url: Option<String>,
}

/// `load` settings.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The kunci-ams binary.
    pub binary: PathBuf,
    /// Concurrent holders.
    pub holders: usize,
    /// Length of the enrollment phase.
    pub seconds: u64,
    /// One in this many certificates is revoked.
    pub revoke_one_in: u64,
    /// An empty PostgreSQL database to run on (`None`: the SQLite file in the data folder).
    pub database_url: Option<String>,
    /// Portal instances sharing the data folder and the database, each on its own port;
    /// holders are spread over them in turn.
    pub instances: usize,
}

/// Runs the chaos drill and prints its figures; answers whether every invariant held.
pub async fn chaos(opts: &ChaosOptions) -> Result<bool, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::Server(format!("temp folder: {e}")))?;
    let data_dir = dir.path().join("data");
    let t = Instant::now();
    let (mut server, accounts) = Server::prepare(
        &opts.binary,
        &data_dir,
        opts.database_url.as_deref(),
        opts.holders,
        false,
    )?;
    println!(
        "chaos: {} holders and an operator made in {:.1} s; data folder {}; store {}",
        accounts.len(),
        t.elapsed().as_secs_f64(),
        data_dir.display(),
        store_name(opts.database_url.as_deref())
    );
    let http = Http::new(&server.origin());
    server.start(&http).await?;
    let shared = shared(&http, true, false, opts.revoke_one_in);
    let started = Instant::now();
    let _ = shared.started.set(started);
    let holders = spawn_holders(&shared, accounts, None).await;
    let done = Arc::new(AtomicBool::new(false));
    let op = tokio::task::spawn_local(operator(shared.clone(), Arc::clone(&done)));

    let (lo, hi) = opts.delay_ms;
    let mut kills = 0;
    let mut audit_breaks = Vec::new();
    let mut audit_entries = 0;
    let mut ocsp_breaks = Vec::new();
    let (mut ocsp_answers, mut ocsp_in_flight, mut crl_trailed) = (0, 0, 0);
    while kills < opts.kills {
        let delay = lo + getrandom::u64().unwrap_or(0) % (hi.saturating_sub(lo) + 1);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill()?;
        kills += 1;
        server.start(&http).await?;
        // After every restart the audit chain still verifies (issue 16): an entry is written
        // in its change's transaction, so a kill mid-append leaves neither a gap, a fork nor
        // half an entry.
        match audit_chain(server.data_dir(), server.database_url()).await? {
            Ok(n) => audit_entries = n,
            Err(broken) => audit_breaks.push(format!("after SIGKILL {kills}: {broken}")),
        }
        // And OCSP answers what the CRL and the store say (issue 16 part 5): the responder
        // reads the store live, so a kill must not leave it serving another state.
        let sample = ocsp_sample(&shared);
        match ocsp_agrees(&http, &server, &sample).await? {
            Ok((answers, in_flight, trailed)) => {
                ocsp_answers += answers;
                ocsp_in_flight += in_flight;
                crl_trailed += usize::from(trailed);
            }
            Err(found) => ocsp_breaks.extend(
                found
                    .into_iter()
                    .map(|f| format!("after SIGKILL {kills}: {f}")),
            ),
        }
    }
    println!(
        "chaos: {kills} SIGKILLs survived in {:.1} s (restart to first answer: median {} ms)",
        started.elapsed().as_secs_f64(),
        median_ms(&server.start_times)
    );
    if audit_breaks.is_empty() {
        println!(
            "chaos: the audit chain verified after each of {kills} restarts ({audit_entries} \
             entries after the last)"
        );
    }
    for broken in &audit_breaks {
        println!("chaos: VIOLATION: {broken}");
    }
    if ocsp_breaks.is_empty() {
        println!(
            "chaos: OCSP agreed with the CRL and the store after each of {kills} restarts \
             ({ocsp_answers} answers about issued serials, up to {OCSP_SAMPLE} a restart, \
             {ocsp_in_flight} of them revoked between the two CRLs; the CRL trailed the \
             store's revocations {crl_trailed} time(s) and caught up; a never-issued serial \
             unknown each time)"
        );
    }
    for broken in &ocsp_breaks {
        println!("chaos: VIOLATION: {broken}");
    }
    // Holders finish the enrollment they are in (the operator still approving), then stop.
    shared.stop.store(true, Ordering::Relaxed);
    let holder_errors = join_holders(holders).await;
    done.store(true, Ordering::Relaxed);
    match op.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => shared.ledger_error("operator", &e),
        Err(e) => shared.ledger_error("operator", &e),
    }
    let held = finish(
        &shared,
        &[http],
        &mut [server],
        holder_errors,
        started.elapsed(),
    )
    .await?;
    Ok(held && audit_breaks.is_empty() && ocsp_breaks.is_empty())
}

/// Runs the load drill and prints its figures; answers whether every invariant held.
pub async fn load(opts: &LoadOptions) -> Result<bool, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::Server(format!("temp folder: {e}")))?;
    let data_dir = dir.path().join("data");
    let t = Instant::now();
    let (first, accounts) = Server::prepare(
        &opts.binary,
        &data_dir,
        opts.database_url.as_deref(),
        opts.holders,
        true,
    )?;
    println!(
        "load: {} holders made in {:.1} s (kunci-ams user add, argon2 each); store {}",
        accounts.len(),
        t.elapsed().as_secs_f64(),
        store_name(opts.database_url.as_deref())
    );
    // The first instance makes the CA on its first start; the others find it.
    let mut servers = vec![first];
    for n in 2..=opts.instances.max(1) {
        let sibling = servers[0].sibling(n)?;
        servers.push(sibling);
    }
    let mut https = Vec::new();
    for server in &mut servers {
        let http = Http::new(&server.origin());
        server.start(&http).await?;
        https.push(http);
    }
    if servers.len() > 1 {
        println!(
            "load: {} portal instances on one data folder and one database: {}",
            servers.len(),
            servers
                .iter()
                .map(Server::origin)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let shared = shared(&https[0], false, true, opts.revoke_one_in);

    // Phase 1: every holder logs in at once (argon2 on the server), timed as `login`.
    let t = Instant::now();
    let mut logged_in = Vec::new();
    let mut joins = Vec::new();
    for (i, account) in accounts.into_iter().enumerate() {
        let sh = Shared {
            http: https[i % https.len()].clone(),
            ..shared.clone()
        };
        joins.push(tokio::task::spawn_local(async move {
            Holder::new(sh, account).await
        }));
    }
    for j in joins {
        match j.await {
            Ok(Ok(h)) => logged_in.push(Arc::new(h)),
            Ok(Err(e)) => shared.ledger_error("login", &e),
            Err(e) => shared.ledger_error("login", &e),
        }
    }
    println!(
        "load: {} holders logged in at once in {:.2} s",
        logged_in.len(),
        t.elapsed().as_secs_f64()
    );

    // Phase 2: enrollments for `seconds`; a holder finishes the enrollment it is in.
    let started = Instant::now();
    let _ = shared.started.set(started);
    let deadline = started + Duration::from_secs(opts.seconds);
    let mut joins = Vec::new();
    for h in logged_in {
        joins.push(tokio::task::spawn_local(async move {
            h.run(Some(deadline)).await
        }));
    }
    let mut holder_errors = 0;
    for j in joins {
        if j.await.is_err() {
            holder_errors += 1;
        }
    }
    let elapsed = started.elapsed();
    let issued_in_window = shared.read(|l| {
        l.issued_at
            .iter()
            .filter(|t| **t <= Duration::from_secs(opts.seconds))
            .count()
    });
    let issued = shared.read(|l| l.issued.len());
    println!(
        "load: {issued} certificates issued in {:.2} s: {:.1} issued/s ({issued_in_window} \
         within the {} s window: {:.1}/s)",
        elapsed.as_secs_f64(),
        issued as f64 / elapsed.as_secs_f64(),
        opts.seconds,
        issued_in_window as f64 / opts.seconds.max(1) as f64
    );
    finish(&shared, &https, &mut servers, holder_errors, elapsed).await
}

impl Shared {
    fn read<T>(&self, f: impl FnOnce(&Ledger) -> T) -> T {
        let ledger = match self.ledger.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&ledger)
    }

    fn ledger_error(&self, step: &str, e: &dyn std::fmt::Display) {
        let mut ledger = match self.ledger.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        *ledger.errors.entry(format!("{step}: {e}")).or_default() += 1;
    }
}

fn shared(http: &Http, chaos: bool, auto_approve: bool, revoke_one_in: u64) -> Shared {
    Shared {
        http: http.clone(),
        ledger: Arc::new(Mutex::new(Ledger::default())),
        stop: Arc::new(AtomicBool::new(false)),
        chaos,
        auto_approve,
        revoke_one_in,
        started: Arc::new(std::sync::OnceLock::new()),
    }
}

fn store_name(database_url: Option<&str>) -> &'static str {
    match database_url {
        Some(_) => "PostgreSQL",
        None => "SQLite (the data folder's kunci.db)",
    }
}

async fn spawn_holders(
    shared: &Shared,
    accounts: Vec<HolderAccount>,
    deadline: Option<Instant>,
) -> Vec<tokio::task::JoinHandle<Result<(), Error>>> {
    accounts
        .into_iter()
        .map(|account| {
            let sh = shared.clone();
            tokio::task::spawn_local(async move {
                let h = Holder::new(sh, account).await?;
                h.run(deadline).await;
                Ok(())
            })
        })
        .collect()
}

async fn join_holders(holders: Vec<tokio::task::JoinHandle<Result<(), Error>>>) -> usize {
    let mut failed = 0;
    for h in holders {
        match h.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                eprintln!("drill: a holder stopped: {e}");
                failed += 1;
            }
            Err(e) => {
                eprintln!("drill: a holder task failed: {e}");
                failed += 1;
            }
        }
    }
    failed
}

/// Fetches the current CRL from every instance, stops them, checks and prints everything.
async fn finish(
    shared: &Shared,
    https: &[Http],
    servers: &mut [Server],
    holder_errors: usize,
    elapsed: Duration,
) -> Result<bool, Error> {
    let mut crls = Vec::new();
    for http in https {
        crls.push(fetch(http, "/ca/issuing.crl").await?);
    }
    // Instances on one database give the same OCSP answers (issue 16 part 5): each reads the
    // store live, so none may answer from a state of its own. Every task has ended, so no
    // revocation is in flight: the answers must be equal, time and reason included.
    let mut ocsp_mismatches = Vec::new();
    let mut ocsp_asked = 0;
    if https.len() > 1 {
        let mut serials = ocsp_sample(shared);
        serials.push(NEVER_ISSUED_SERIAL.to_owned());
        ocsp_asked = serials.len();
        let issuer = fetch(&https[0], "/ca/issuing.crt").await?;
        let mut answers = Vec::new();
        for http in https {
            let mut mine = Vec::new();
            for serial in &serials {
                mine.push(ask_ocsp(http, serial, &issuer).await?);
            }
            answers.push(mine);
        }
        for (n, mine) in answers.iter().enumerate().skip(1) {
            for ((serial, theirs), first) in serials.iter().zip(mine).zip(&answers[0]) {
                if theirs != first {
                    ocsp_mismatches.push(format!(
                        "instance {} answers OCSP {theirs} for {serial}, instance 1 {first}",
                        n + 1
                    ));
                }
            }
        }
    }
    let own = crate::server::cpu_of("/proc/self/stat");
    let secs = elapsed.as_secs_f64();
    let mut server_cpu = (0.0, 0.0);
    for server in servers.iter_mut() {
        if let Some((u, s)) = server.cpu_seconds() {
            server_cpu.0 += u;
            server_cpu.1 += s;
        }
        server.kill()?;
    }
    if let Some((du, ds)) = own {
        let (su, ss) = server_cpu;
        println!(
            "cpu: server{} {su:.1} s user + {ss:.1} s system over the last life ({:.2} cores \
             over the run's {secs:.1} s); drill {du:.1} s user + {ds:.1} s system",
            if servers.len() > 1 { "s" } else { "" },
            (su + ss) / secs.max(0.001)
        );
    }
    // Every task has ended: the ledger is taken out whole (no lock held across the check).
    let ledger = match shared.ledger.lock() {
        Ok(mut l) => std::mem::take(&mut *l),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    let Some(first) = servers.first_mut() else {
        return Err(Error::Server("no server to check".into()));
    };
    // One more start and stop: the start sweeps what the last kill left in the uploads
    // folder, as it would in production, so no file may be left that no request names.
    first.start(&https[0]).await?;
    first.kill()?;
    let mut report = check(first.data_dir(), first.database_url(), &crls[0], &ledger).await?;
    for (n, crl) in crls.iter().enumerate().skip(1) {
        if crl != &crls[0] {
            report.violations.push(format!(
                "instance {} serves another CRL than instance 1",
                n + 1
            ));
        }
    }
    if crls.len() > 1 {
        report
            .checked
            .push(("every instance serves the same CRL", crls.len()));
        report
            .checked
            .push(("every instance gives the same OCSP answers", ocsp_asked));
        report.violations.extend(ocsp_mismatches);
    }
    print_ledger(&ledger, elapsed);
    print_report(&report);
    let errors: u64 = ledger.errors.values().sum();
    println!(
        "drill: {} violation(s), {errors} error(s), {holder_errors} holder(s) stopped early",
        report.violations.len()
    );
    Ok(report.violations.is_empty() && holder_errors == 0)
}

/// At most this many of the ledger's certificates are asked about in an OCSP check, spread
/// over the ledger (all of them while there are fewer): each chaos restart's check then
/// stays a fraction of a second.
const OCSP_SAMPLE: usize = 30;

/// How long a CRL may trail a revocation the store already holds: see [`ocsp_agrees`].
const CRL_CATCH_UP: Duration = Duration::from_secs(5);

/// The serials an OCSP check asks about: see [`OCSP_SAMPLE`].
fn ocsp_sample(shared: &Shared) -> Vec<String> {
    shared.read(|l| {
        let n = l.issued.len();
        if n <= OCSP_SAMPLE {
            l.issued.iter().map(|(_, _, s)| s.clone()).collect()
        } else {
            // Evenly spaced, the first and the last included.
            (0..OCSP_SAMPLE)
                .map(|i| l.issued[i * (n - 1) / (OCSP_SAMPLE - 1)].2.clone())
                .collect()
        }
    })
}

/// The body of a 200 answer to a GET.
async fn fetch(http: &Http, path: &str) -> Result<Vec<u8>, Error> {
    let answer = http.get(path, None).await?;
    if answer.status != 200 {
        return Err(Error::Protocol(format!("GET {path}: {}", answer.status)));
    }
    Ok(answer.body.to_vec())
}

/// Whether OCSP agrees with the CRL and the store about `serials` (issued ones) and says
/// `unknown` for a serial never issued. Answers (answers checked, serials revoked while
/// checking, whether the CRL had to catch up) or the disagreements, each in a sentence.
///
/// The operator and the holders keep revoking meanwhile, so the CRL is taken, then every
/// OCSP answer, then the store, then the CRL again. A revocation only ever goes from good to
/// revoked, so a serial's true state while OCSP answered lies between the two CRLs: an
/// answer (or a store row) is a disagreement only when it differs from what *both* CRLs say.
/// When they say the same, that is exactly one state; when a revocation landed in between,
/// either is allowed and nothing else (a wrong reason or time still differs from both).
///
/// The CRL may also trail the store by a moment: an operator's approval commits the
/// revocation, then signs and stores the CRL (kunci-ams `Portal::approve`), and OCSP reads the
/// store, so it can say `revoked` just before the CRL lists the serial (the safe direction;
/// a kill in between is mended by the CRL every start publishes). So while the store or OCSP
/// holds a revocation the second CRL lacks, the second CRL is fetched again, up to
/// [`CRL_CATCH_UP`], until it lists it; one it never lists is a disagreement.
async fn ocsp_agrees(
    http: &Http,
    server: &Server,
    serials: &[String],
) -> Result<Result<(usize, usize, bool), Vec<String>>, Error> {
    let issuer = fetch(http, "/ca/issuing.crt").await?;
    let before = crl_revocations(&fetch(http, "/ca/issuing.crl").await?)?;
    let mut answers = Vec::with_capacity(serials.len());
    for serial in serials {
        answers.push(ask_ocsp(http, serial, &issuer).await?);
    }
    let never = ask_ocsp(http, NEVER_ISSUED_SERIAL, &issuer).await?;
    let store = store_revocations(server.data_dir(), server.database_url()).await?;
    let mut after = crl_revocations(&fetch(http, "/ca/issuing.crl").await?)?;
    let waited = Instant::now();
    let mut trailed = false;
    while waited.elapsed() < CRL_CATCH_UP {
        let lags = serials.iter().zip(&answers).any(|(serial, answer)| {
            let s = norm(serial);
            let revoked = matches!(answer, OcspCertStatus::Revoked { .. })
                || matches!(store.get(&s), Some(Some(_)));
            revoked && !after.contains_key(&s)
        });
        if !lags {
            break;
        }
        trailed = true;
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = crl_revocations(&fetch(http, "/ca/issuing.crl").await?)?;
    }

    let status = |r: Option<&Revocation>| match r {
        None => OcspCertStatus::Good,
        Some(r) => OcspCertStatus::Revoked {
            at: r.at,
            reason: r.reason,
        },
    };
    let on = |crl: &BTreeMap<String, Revocation>, s: &str| status(crl.get(s));
    let mut found = Vec::new();
    let mut in_flight = 0;
    for (serial, answer) in serials.iter().zip(&answers) {
        let s = norm(serial);
        let (first, second) = (on(&before, &s), on(&after, &s));
        if first != second {
            in_flight += 1;
        }
        if *answer != first && *answer != second {
            found.push(format!(
                "OCSP answers {answer} for {serial}; the CRL said {first} before and {second} \
                 after"
            ));
        }
        match store.get(&s) {
            None => found.push(format!("serial {serial}, seen issued, is not in the store")),
            Some(row) => {
                let stored = status(row.as_ref());
                if stored != first && stored != second {
                    found.push(format!(
                        "the store says {stored} for {serial}; the CRL said {first} before \
                         and {second} after"
                    ));
                }
            }
        }
    }
    if never != OcspCertStatus::Unknown {
        found.push(format!(
            "OCSP answers {never} for {NEVER_ISSUED_SERIAL}, never issued (unknown expected)"
        ));
    }
    Ok(if found.is_empty() {
        Ok((serials.len(), in_flight, trailed))
    } else {
        Err(found)
    })
}

fn print_ledger(l: &Ledger, elapsed: Duration) {
    println!(
        "operations: {} HTTP calls answered in {:.1} s; {} enrollments issued and downloaded, \
         {} revoked, {} operator approvals",
        l.calls,
        elapsed.as_secs_f64(),
        l.issued.len(),
        l.revoked.len(),
        l.approvals
    );
    println!(
        "lost answers: {} (read back as applied: {}, repeated after read-back: {}, requests \
         left pending because their token's answer was lost: {})",
        l.lost_answers, l.applied_unseen, l.repeated, l.abandoned_requests
    );
    println!(
        "{:<10} {:>7} {:>9} {:>9} {:>9}",
        "step", "calls", "p50 ms", "p99 ms", "max ms"
    );
    for (step, times) in &l.latencies {
        let mut t: Vec<Duration> = times.clone();
        t.sort();
        println!(
            "{step:<10} {:>7} {:>9.1} {:>9.1} {:>9.1}",
            t.len(),
            ms(percentile(&t, 50)),
            ms(percentile(&t, 99)),
            ms(t.last().copied().unwrap_or_default())
        );
    }
    if l.errors.is_empty() {
        println!("errors: none");
    } else {
        println!("errors:");
        for (what, n) in &l.errors {
            println!("  {n:>5} × {what}");
        }
    }
}

fn print_report(r: &Report) {
    println!(
        "store: {} enrollment requests, {} issued, {} revoked; CRL entries {}; CSR tokens used \
         {}; documents {} (files without a row: {})",
        r.enrollments,
        r.issued,
        r.revoked,
        r.crl_entries,
        r.tokens_used,
        r.documents,
        r.orphan_files.len()
    );
    for (name, n) in &r.checked {
        println!("invariant: {name:<48} checked over {n}");
    }
    for v in &r.violations {
        println!("VIOLATION: {v}");
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1) - 1;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median_ms(times: &[Duration]) -> u128 {
    let mut t = times.to_vec();
    t.sort();
    percentile(&t, 50).as_millis()
}
