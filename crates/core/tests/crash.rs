//! A bulk job killed with SIGKILL mid-way leaves intents without outcomes; a new process opens
//! the history, reconciles them from the provider, and every entry then agrees with the
//! provider's state.
//!
//! The job runs in a child process (`subdesk-batch`) so the kill is a real one: no destructor,
//! no flush, no `complete()`. The simulator runs here, so the test can see its state and its
//! request log.
//!
//! No fixed sleeps decide anything: after 40 finished items the simulator starts holding every
//! new request for two seconds, the test waits until the history file shows intents that have
//! been pending for a while (their requests are being held), and kills the child then. So the
//! kill always lands with requests in flight, however slow the machine. Before reconciling, the
//! test waits until the simulator has finished with every request the child sent.
#![cfg(unix)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use subdesk_core::history::{HistoryFilter, Outcome};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret, SecretStore};
use subdesk_core::{Action, Connection, MemorySettings, SettingsStore, Workspace, WorkspaceConfig};
use subdesk_sim::{Sim, SimConfig, TwilioParent};

const ACCOUNTS: usize = 200;
const LATENCY: Duration = Duration::from_millis(40);
/// Progress lines to see before the kill.
const KILL_AFTER: usize = 40;
/// While the kill is prepared, every new request is held this long, so intents are certainly
/// in flight (written, request sent, no answer) when the child dies, however loaded the
/// machine is.
const STALL: Duration = Duration::from_secs(2);

/// What the child printed so far.
#[derive(Default)]
struct Seen {
    connection: Option<Connection>,
    progress: usize,
    finished: bool,
    eof: bool,
    other: Vec<String>,
}

fn spawn_reader(child: &mut Child) -> (Arc<Mutex<Seen>>, Arc<Mutex<String>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stdout = child.stdout.take().expect("piped stdout");
    let s = Arc::clone(&seen);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let mut s = s.lock().unwrap();
            match serde_json::from_str::<serde_json::Value>(&line) {
                Ok(v) if v.get("connection").is_some() => {
                    s.connection = Some(
                        serde_json::from_value(v["connection"].clone()).expect("a Connection"),
                    );
                }
                Ok(v) if v.get("item").is_some() => s.progress += 1,
                Ok(v) if v.get("finished").is_some() => s.finished = true,
                _ => s.other.push(line),
            }
        }
        s.lock().unwrap().eof = true;
    });
    let stderr_text = Arc::new(Mutex::new(String::new()));
    let mut stderr = child.stderr.take().expect("piped stderr");
    let e = Arc::clone(&stderr_text);
    std::thread::spawn(move || {
        let mut buf = String::new();
        let _ = stderr.read_to_string(&mut buf);
        e.lock().unwrap().push_str(&buf);
    });
    (seen, stderr_text)
}

/// Polls `check` every few milliseconds until it returns `Some`, or fails the test at `deadline`.
async fn wait_for<T>(what: &str, deadline: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + deadline;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < until,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Ids of intents begun after `since` (so their request met the stall) that have no outcome
/// yet, read by a separate SQLite connection while the child writes (WAL lets a reader in
/// beside the writer).
fn pending_in_file(db: &Path, since: &str) -> HashSet<i64> {
    let Ok(c) = rusqlite::Connection::open(db) else {
        return HashSet::new();
    };
    let _ = c.busy_timeout(Duration::from_secs(1));
    let Ok(mut stmt) =
        c.prepare("SELECT id FROM actions WHERE outcome = 'pending' AND started_at > ?1")
    else {
        return HashSet::new();
    };
    stmt.query_map([since], |r| r.get::<_, i64>(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// Waits until every request that reached the simulator has been answered (or dropped): two
/// probes in a row with nothing between them and nothing before them still open. Requests the
/// dead child left behind may still change state until then, and reconciling before that would
/// read a state that is about to change.
async fn wait_for_idle_sim(sim: &Sim, parent: &TwilioParent) {
    let client = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(60);
    let mut previous: Option<u64> = None;
    for n in 0.. {
        let tag = format!("probe={n}");
        client
            .get(format!(
                "{}/2010-04-01/Accounts/{}.json?{tag}",
                sim.base_url(),
                parent.sid
            ))
            .basic_auth(&parent.sid, Some(&parent.auth_token))
            .send()
            .await
            .expect("the simulator answers the probe");
        let log = sim.requests();
        let seq = log
            .iter()
            .find(|r| r.query == tag)
            .expect("the probe is logged")
            .seq;
        let all_before_done = log.iter().filter(|r| r.seq < seq).count() as u64 == seq - 1;
        if all_before_done && previous == Some(seq - 1) {
            return;
        }
        previous = all_before_done.then_some(seq);
        assert!(Instant::now() < until, "the simulator never went idle");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_mid_way_is_reconciled_from_the_provider() {
    let sim = Sim::start(SimConfig {
        latency: LATENCY,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let parent = sim.twilio().add_parent("Reseller");
    let subs = sim.twilio().seed_subaccounts(&parent.sid, ACCOUNTS);
    let closed_before: HashSet<String> = subs
        .iter()
        .filter(|s| sim.twilio().account(s).unwrap().status == "closed")
        .cloned()
        .collect();
    assert!(
        closed_before.len() < ACCOUNTS / 4,
        "the seed is mostly open accounts"
    );

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_subdesk-batch"))
        .env("SUBDESK_BATCH_BASE_URL", sim.base_url())
        .env("SUBDESK_BATCH_PROVIDER", "twilio")
        .env("SUBDESK_BATCH_ACCOUNT_ID", &parent.sid)
        .env("SUBDESK_BATCH_TOKEN", &parent.auth_token)
        .env("SUBDESK_BATCH_DB", &db)
        .env("SUBDESK_BATCH_ACTION", "close")
        .env("SUBDESK_BATCH_CONCURRENCY", "8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("subdesk-batch starts");
    let (seen, stderr) = spawn_reader(&mut child);

    // Let the job get going, then hold every new request at the simulator so in-flight intents
    // stay in flight, and kill the child once some are written.
    wait_for(
        "40 progress lines from the child",
        Duration::from_secs(120),
        || {
            let s = seen.lock().unwrap();
            assert!(
                !s.eof,
                "the child ended early: {:?}\nstderr: {}",
                s.other,
                stderr.lock().unwrap()
            );
            (s.progress >= KILL_AFTER).then_some(())
        },
    )
    .await;
    sim.set_latency(STALL);
    // An intent begun after this instant sent its request after the stall began: it stays
    // unanswered for STALL, which is all the time the kill needs.
    let stalled_from = subdesk_core::history::now_iso();
    // An item that ends without a request (skipped: already closed) is written as an intent
    // and completed at once, so it is pending for an instant too. Only count intents seen
    // pending for a while: those are waiting for their request.
    let mut first_seen: HashMap<i64, Instant> = HashMap::new();
    let pending_at_kill = wait_for("an intent in flight", Duration::from_secs(30), || {
        let now = pending_in_file(&db, &stalled_from);
        first_seen.retain(|id, _| now.contains(id));
        for id in now {
            first_seen.entry(id).or_insert_with(Instant::now);
        }
        let settled = first_seen
            .values()
            .filter(|t| t.elapsed() >= Duration::from_millis(100))
            .count();
        (settled > 0).then_some(settled)
    })
    .await;
    child.kill().expect("SIGKILL");
    let status = child.wait().unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "the child died of SIGKILL, not on its own: {status:?}"
        );
    }
    let progress_at_kill = seen.lock().unwrap().progress;
    assert!(
        !seen.lock().unwrap().finished,
        "the job was killed before it finished"
    );
    assert!(
        progress_at_kill < ACCOUNTS,
        "killed mid-way ({progress_at_kill} of {ACCOUNTS} done)"
    );
    let conn = seen
        .lock()
        .unwrap()
        .connection
        .clone()
        .expect("the child printed its connection");

    sim.set_latency(LATENCY);
    wait_for_idle_sim(&sim, &parent).await;

    // A new "process": a workspace that knows the connection and its token, on the same file.
    let settings = Arc::new(MemorySettings::default());
    settings
        .save_connections(std::slice::from_ref(&conn))
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    secrets
        .set(
            &conn.id.to_string(),
            &Secret::new(parent.auth_token.clone()),
        )
        .unwrap();
    let ws = Workspace::new(WorkspaceConfig {
        settings,
        secrets,
        history_path: Some(db.clone()),
        http: HttpConfig {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            ..HttpConfig::default()
        },
        retry: RetryPolicy {
            max_tries: 5,
            base: Duration::from_millis(10),
            cap: Duration::from_millis(200),
            settle_window: Duration::from_millis(500),
            late_apply_window: Duration::ZERO,
        },
        actor: "tester".into(),
    })
    .unwrap();
    assert_eq!(
        ws.status().await.history_problem,
        None,
        "the killed writer left a sound file"
    );
    let history = Arc::clone(ws.history().unwrap());

    let open_before = history.open_intents().unwrap();
    assert!(
        !open_before.is_empty(),
        "the kill left intents without an outcome"
    );
    assert!(
        open_before.len() >= pending_at_kill,
        "{} open, {pending_at_kill} seen in flight",
        open_before.len()
    );
    assert!(open_before
        .iter()
        .all(|e| e.outcome == Outcome::Pending && e.finished_at.is_none()));
    // Pending intents are not yet "unknown": reconciliation has not looked at them.
    assert_eq!(ws.status().await.unreconciled, 0);

    // The simulator dropped the held requests when the child's connections closed, so none of
    // them took effect. A real provider may have applied one before its answer was lost: do
    // that to the first open intent's account, so both ways of reconciling are exercised.
    let applied_anyway = &open_before[0].account_id;
    if sim.twilio().account(applied_anyway).unwrap().status != "closed" {
        assert!(sim.twilio().set_status(applied_anyway, "closed"));
    }

    let report = ws.reconcile().await.unwrap();
    assert_eq!(report.unknown, 0, "the provider was reachable: {report:?}");
    assert_eq!(
        (report.succeeded + report.failed) as usize,
        open_before.len(),
        "{report:?}"
    );
    assert!(
        report.succeeded >= 1,
        "the intent whose change went through is a success: {report:?}"
    );
    assert_eq!(
        history.get(open_before[0].id).unwrap().unwrap().outcome,
        Outcome::Succeeded
    );
    assert!(
        history.open_intents().unwrap().is_empty(),
        "no intent stays open"
    );
    assert_eq!(ws.status().await.unreconciled, 0);

    let page = history
        .query(&HistoryFilter::default(), None, 1000)
        .unwrap();
    assert!(!page.has_more);
    let entries = page.entries;
    assert!(
        entries.len() < ACCOUNTS,
        "only part of the job ran ({} entries)",
        entries.len()
    );
    let mut per_account: HashMap<&str, usize> = HashMap::new();
    for e in &entries {
        *per_account.entry(e.account_id.as_str()).or_default() += 1;
        assert_eq!(e.action, Some(Action::Close));
        assert_eq!(e.connection_id, conn.id.to_string());
        let status = sim
            .twilio()
            .account(&e.account_id)
            .expect("a known account")
            .status;
        match e.outcome {
            Outcome::Succeeded => assert_eq!(status, "closed", "entry {} says closed: {e:?}", e.id),
            Outcome::Failed => {
                assert_ne!(status, "closed", "entry {} says not closed: {e:?}", e.id)
            }
            Outcome::Skipped => assert!(
                closed_before.contains(&e.account_id),
                "only closed accounts are skipped: {e:?}"
            ),
            other => panic!("entry {} ended as {other:?}: {e:?}", e.id),
        }
    }
    assert!(
        per_account.values().all(|&n| n == 1),
        "each account is in the history once"
    );
    for e in open_before.iter() {
        let now = history.get(e.id).unwrap().unwrap();
        assert!(
            now.reconciled,
            "entry {} was completed by reconciliation",
            e.id
        );
    }
    // The other way round: every account the job closed has a succeeded entry.
    let succeeded: HashSet<&str> = entries
        .iter()
        .filter(|e| e.outcome == Outcome::Succeeded)
        .map(|e| e.account_id.as_str())
        .collect();
    for s in &subs {
        let closed = sim.twilio().account(s).unwrap().status == "closed";
        if closed && !closed_before.contains(s) {
            assert!(
                succeeded.contains(s.as_str()),
                "{s} was closed but the history does not say so"
            );
        }
    }

    assert_eq!(history.integrity_check().unwrap(), "ok");
    eprintln!(
        "killed after {progress_at_kill} items with {} intent(s) open; reconciled {report:?}; {} entries",
        open_before.len(),
        entries.len()
    );
    sim.shutdown().await;
}
