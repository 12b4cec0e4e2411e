//! "Never twice, never wrong": one test per rule of the action path, each against the
//! simulator over real HTTP. The explorer (tests/explorer.rs) checks the same rules over many
//! seeded schedules; these name each case.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use subdesk_core::history::{HistoryFilter, Outcome};
use subdesk_core::jobs::{ItemRef, JobEvent};
use subdesk_core::providers::RetryPolicy;
use subdesk_core::secrets::{MemoryStore, Secret, SecretStore};
use subdesk_core::{
    Action, Connection, ErrorCode, MemorySettings, Provider, SettingsStore, Workspace,
    WorkspaceConfig,
};
use subdesk_sim::{Apply, FaultKind, ScriptedFault, Sim, SimConfig};

/// Re-reads for 150 ms after a lost answer; a provider may apply a write up to 600 ms late.
fn policy() -> RetryPolicy {
    RetryPolicy {
        max_tries: 3,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(30),
        settle_window: Duration::from_millis(150),
        late_apply_window: Duration::from_millis(600),
    }
}

fn late_504(target: &str, after: Duration) -> ScriptedFault {
    ScriptedFault {
        target: target.into(),
        kind: FaultKind::GatewayTimeout,
        apply: Apply::After(after),
    }
}

fn items(conn: &Connection, ids: &[String]) -> Vec<ItemRef> {
    ids.iter()
        .map(|id| ItemRef {
            connection_id: conn.id,
            account_id: id.clone(),
        })
        .collect()
}

fn closes(sim: &Sim, id: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains(id) && r.body.contains("Status=closed"))
        .count()
}

type Events = Arc<Mutex<Vec<JobEvent>>>;

fn collector() -> (Events, subdesk_core::jobs::JobSink) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (events, Arc::new(move |e| sink.lock().unwrap().push(e)))
}

async fn listed(ws: &Arc<Workspace>) {
    ws.list_all(Arc::new(|_| {})).await;
}

async fn bulk_close(
    ws: &Arc<Workspace>,
    items: Vec<ItemRef>,
) -> (subdesk_core::jobs::JobCounts, Events) {
    let confirmation = bulk_confirmed(ws, &items, Action::Close).await;
    let (events, sink) = collector();
    let counts = ws
        .bulk()
        .run(items, Action::Close, Some(&confirmation), sink)
        .await
        .unwrap();
    (counts, events)
}

/// The issue's own case: a bulk Close of 4 whose writes got a gateway 504 and were applied
/// after the re-read window. A second job right after sends nothing; the summary counts them
/// as not confirmed, never as failed; Check now settles them once the change shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_close_job_never_resends_a_close_whose_outcome_is_unknown() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let subs: Vec<String> = (0..4)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("Tenant {i}"), "active", 1)
        })
        .collect();
    let ws = workspace(policy());
    let conn = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    listed(&ws).await;
    for s in &subs {
        sim.plan_fault(late_504(s, Duration::from_millis(400)));
    }
    let (counts, events) = bulk_close(&ws, items(&conn, &subs)).await;
    assert_eq!(
        (counts.not_confirmed, counts.failed, counts.succeeded),
        (4, 0, 0),
        "{counts:?}"
    );
    let finished = events.lock().unwrap().last().cloned().unwrap();
    let JobEvent::Finished {
        failures,
        not_confirmed,
        ..
    } = finished
    else {
        panic!("no Finished event")
    };
    assert!(
        failures.is_empty(),
        "nothing to offer for a retry: {failures:?}"
    );
    assert_eq!(not_confirmed.len(), 4);
    // The table keeps no state from before the close: the rows are marked in doubt.
    let rows = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&rows);
    ws.list_all(Arc::new(move |e| {
        if let subdesk_core::api::ListEvent::Page { rows, .. } = e {
            seen.lock().unwrap().extend(rows);
        }
    }))
    .await;
    for r in rows.lock().unwrap().iter() {
        let said = r.in_doubt.as_deref().expect("in doubt");
        assert!(
            said.contains("not sure whether the close") && said.contains("Check now"),
            "{said}"
        );
        assert!(r.allowed_actions.is_empty());
    }

    // A second job: every account is skipped as in doubt, nothing is sent.
    let preview = ws
        .bulk()
        .preview(&items(&conn, &subs), Action::Close)
        .await
        .unwrap();
    assert!(preview.runnable.is_empty());
    assert!(
        preview.skipped.iter().all(|s| s.code == ErrorCode::InDoubt),
        "{:?}",
        preview.skipped
    );
    // A single action: refused at the preview, and at the apply.
    let e = ws
        .preview(conn.id, &subs[0], Action::Close)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InDoubt);
    let e = ws
        .apply(conn.id, &subs[0], Action::Suspend, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InDoubt);
    for s in &subs {
        assert_eq!(closes(&sim, s), 1, "one close request for {s}");
    }

    // The provider applies them late; Check now settles each.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for s in &subs {
        let r = ws.check_now(conn.id, s).await.unwrap();
        assert_eq!(r.succeeded, 1, "{r:?}");
    }
    let open = ws.history().unwrap().all_open().unwrap();
    assert!(open.is_empty(), "{open:?}");
}

/// Once an attempt was ambiguous, a clear refusal of the re-send (here the rate limit, the
/// try budget spent) is not proof that nothing happened: the outcome is unknown, not failed.
#[tokio::test]
async fn after_an_ambiguous_attempt_no_ending_but_a_confirmed_change_is_failed() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim.twilio().add_subaccount(&p.sid, "Tenant", "active", 0);
    let ws = workspace(RetryPolicy {
        max_tries: 2,
        ..policy()
    });
    let conn = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    for kind in [FaultKind::Unavailable, FaultKind::TooManyRequests] {
        sim.plan_fault(ScriptedFault {
            target: sub.clone(),
            kind,
            apply: Apply::Never,
        });
    }
    let e = ws
        .apply(conn.id, &sub, Action::Suspend, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{e:?}");
    let h = ws
        .history_query(&HistoryFilter::default(), None, 10)
        .unwrap();
    assert_eq!(h.entries[0].outcome, Outcome::Unknown);
}

/// A provider that reports no state (Telnyx) cannot be settled by a read: its unknown entry is
/// never turned into failed by reconciliation, and is settled by what the user saw.
#[tokio::test]
async fn a_telnyx_entry_in_doubt_is_never_failed_by_a_read() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let acc = sim.telnyx().add_account(&manager, "Tenant", false, false);
    let ws = workspace(policy());
    let conn = connect(&ws, &sim, Provider::Telnyx, "", &key).await;
    sim.plan_fault(ScriptedFault {
        target: acc.clone(),
        kind: FaultKind::BadGateway,
        apply: Apply::Never,
    });
    let e = ws
        .apply(conn.id, &acc, Action::Suspend, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::OutcomeUnknown);
    assert_eq!(
        sim.requests().iter().filter(|r| r.method != "GET").count(),
        1,
        "not re-sent"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let r = ws.reconcile().await.unwrap();
    assert_eq!((r.failed, r.unknown), (0, 1), "{r:?}");
    let entry = ws.history().unwrap().all_open().unwrap().remove(0);
    assert!(entry
        .error_message
        .unwrap()
        .contains("record what you found"));
    // Any action stays refused until the user records what the console shows.
    let e = ws
        .apply(conn.id, &acc, Action::Suspend, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InDoubt);
    let settled = ws.settle_by_hand(entry.id, false).await.unwrap();
    assert_eq!(settled.outcome, Outcome::Failed);
    assert!(settled.error_message.unwrap().contains("Settled by hand"));
    ws.apply(conn.id, &acc, Action::Suspend, None)
        .await
        .unwrap();
}

/// A read inside the late-apply window does not freeze a guess: after a crash and a quick
/// restart the account still looks unchanged, so the entry stays unknown; once the provider
/// applies the close, the next check records it done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_after_a_quick_restart_waits_for_a_late_apply() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim.twilio().add_subaccount(&p.sid, "Tenant", "active", 0);
    let dir = tempfile::tempdir().unwrap();
    let settings = Arc::new(MemorySettings::default());
    let secrets = Arc::new(MemoryStore::default());
    let open = || {
        Arc::new(
            Workspace::new(WorkspaceConfig {
                settings: settings.clone(),
                secrets: secrets.clone(),
                history_path: Some(dir.path().join("history.db")),
                http: Default::default(),
                retry: policy(),
                actor: "tester".into(),
            })
            .unwrap(),
        )
    };
    let ws = open();
    let conn = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    // The crash: the intent is written, the close is sent and lost, the app dies.
    let crashed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&crashed);
    ws.set_crash_hook(Some(Arc::new(move |at, _| {
        let now = at == subdesk_core::actions::CrashPoint::AfterCall;
        flag.fetch_or(now, std::sync::atomic::Ordering::SeqCst) || now
    })));
    sim.plan_fault(late_504(&sub, Duration::from_millis(350)));
    let confirmation = confirmed(&ws, conn.id, &sub, Action::Close).await;
    assert!(ws
        .apply(conn.id, &sub, Action::Close, Some(&confirmation))
        .await
        .is_err());
    drop(ws);
    let ws = open();
    let r = ws.reconcile().await.unwrap();
    assert_eq!(
        (r.failed, r.unknown),
        (0, 1),
        "one unchanged read is no proof: {r:?}"
    );
    let e = ws.history().unwrap().all_open().unwrap().remove(0);
    assert_eq!(
        e.error_code.map(|c| c.as_str().to_string()).as_deref(),
        Some("not_yet_applied")
    );
    tokio::time::sleep(ws.next_check_in().expect("a check is due")).await;
    let r = ws.reconcile().await.unwrap();
    assert_eq!(r.succeeded, 1, "{r:?}");
    assert_eq!(closes(&sim, &sub), 1);
}

/// A 404 means gone only with the provider's own error body: a gateway's 404 page answering
/// a close is as ambiguous as a 502. Applied behind it: the re-read shows it done. Not applied:
/// unknown, never "failed, not found" (which would offer a second close).
#[tokio::test]
async fn a_gateway_404_page_does_not_mean_the_account_is_gone() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let ws = workspace(policy());
    let conn = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    for (apply, closed) in [(Apply::BeforeAnswer, true), (Apply::Never, false)] {
        let sub = sim.twilio().add_subaccount(&p.sid, "Tenant", "active", 0);
        let confirmation = confirmed(&ws, conn.id, &sub, Action::Close).await;
        sim.plan_fault(ScriptedFault {
            target: sub.clone(),
            kind: FaultKind::GatewayNotFound,
            apply,
        });
        let done = ws
            .apply(conn.id, &sub, Action::Close, Some(&confirmation))
            .await;
        assert_eq!(
            sim.twilio().account(&sub).unwrap().status == "closed",
            closed
        );
        match done {
            Ok(r) => assert!(closed, "{r:?}"),
            Err(e) => {
                assert!(!closed);
                assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{e:?}");
            }
        }
        assert_eq!(closes(&sim, &sub), 1);
    }
}

/// Removing a connection is refused while a job acts on it; the job finishes every item.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cannot_be_removed_under_a_running_job() {
    let sim = sim(SimConfig {
        latency: Duration::from_millis(40),
        ..SimConfig::default()
    })
    .await;
    let p = sim.twilio().add_parent("Reseller");
    let subs = sim.twilio().seed_subaccounts(&p.sid, 12);
    let ws = workspace(policy());
    let conn = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    listed(&ws).await;
    let active: Vec<String> = subs
        .into_iter()
        .filter(|s| sim.twilio().account(s).unwrap().status == "active")
        .collect();
    let job = {
        let (ws, items) = (Arc::clone(&ws), items(&conn, &active));
        tokio::spawn(async move {
            let (_, sink) = collector();
            ws.bulk().run(items, Action::Suspend, None, sink).await
        })
    };
    tokio::time::sleep(Duration::from_millis(60)).await;
    let e = ws.remove_connection(conn.id).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ConnectionInUse, "{e:?}");
    let counts = job.await.unwrap().unwrap();
    assert_eq!(counts.succeeded as usize, active.len(), "{counts:?}");
    ws.remove_connection(conn.id).await.unwrap();
}

/// Durable first: with the disk full, removing a connection fails with a clear sentence and
/// leaves it as it was, its token still in the keychain.
#[tokio::test]
async fn a_full_disk_leaves_a_connection_whole() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let settings = Arc::new(MemorySettings::default());
    let secrets = Arc::new(MemoryStore::default());
    let ws = Workspace::new(WorkspaceConfig {
        settings: settings.clone(),
        secrets: secrets.clone(),
        history_path: None,
        http: Default::default(),
        retry: policy(),
        actor: "tester".into(),
    })
    .unwrap();
    let conn = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    settings
        .full
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let e = ws.remove_connection(conn.id).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(
        e.user_message().contains("disk is not full"),
        "{}",
        e.user_message()
    );
    assert_eq!(ws.saved_connections().len(), 1);
    assert!(
        secrets.get(&conn.id.to_string()).unwrap().is_some(),
        "token kept"
    );
    let e = ws
        .set_settings(subdesk_core::Settings::default())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage);
}

/// Settings are read entry by entry: one entry this version cannot read is kept as written,
/// shown, and never dropped by a save; the others load.
#[tokio::test]
async fn a_settings_entry_this_version_cannot_read_is_kept() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let settings = Arc::new(MemorySettings::default());
    let secrets = Arc::new(MemoryStore::default());
    let ws = |settings: Arc<MemorySettings>| {
        Arc::new(
            Workspace::new(WorkspaceConfig {
                settings,
                secrets: secrets.clone(),
                history_path: None,
                http: Default::default(),
                retry: policy(),
                actor: "tester".into(),
            })
            .unwrap(),
        )
    };
    let first = ws(settings.clone());
    connect(&first, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    let mut entries = settings.load_connection_entries().unwrap();
    let newer = serde_json::json!({
        "id": uuid::Uuid::new_v4(), "provider": "bandwidth", "label": "From a newer Subdesk",
        "accountId": "x", "baseUrl": "https://api.example.com"
    });
    entries.push(newer.clone());
    settings.save_connection_entries(&entries).unwrap();

    let again = ws(settings.clone());
    assert_eq!(again.saved_connections().len(), 1, "the readable one loads");
    assert!(again.has_saved_entries());
    let said = again.unreadable_connections();
    assert_eq!(said.len(), 1);
    assert!(
        said[0].contains("From a newer Subdesk") && said[0].contains("kept as it was"),
        "{said:?}"
    );
    // A save (here: a second connection) writes the unread entry back as it was.
    let p2 = sim.twilio().add_parent("Second");
    connect(&again, &sim, Provider::Twilio, &p2.sid, &p2.auth_token).await;
    let saved = settings.load_connection_entries().unwrap();
    assert_eq!(saved.len(), 3);
    assert!(saved.contains(&newer));
}

/// Demo and real never mix: one bulk selection with both is refused.
#[tokio::test]
async fn demo_and_real_accounts_cannot_share_a_bulk_selection() {
    let demo_sim = sim(SimConfig::default()).await;
    let real_sim = sim(SimConfig::default()).await;
    let p = real_sim.twilio().add_parent("Real");
    let real_sub = real_sim
        .twilio()
        .add_subaccount(&p.sid, "Real tenant", "active", 0);
    let ws = workspace(policy());
    let real = connect(&ws, &real_sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    let d = demo_sim.twilio().add_parent("Demo");
    let demo_sub = demo_sim
        .twilio()
        .add_subaccount(&d.sid, "Demo tenant", "active", 0);
    let mut demo = real.clone();
    demo.id = uuid::Uuid::new_v4();
    demo.account_id = d.sid.clone();
    demo.base_url = demo_sim.base_url();
    ws.open_demo(
        vec![(demo.clone(), Secret::new(d.auth_token.clone()))],
        Box::new(()),
    )
    .unwrap();
    listed(&ws).await;
    let mixed = vec![
        ItemRef {
            connection_id: real.id,
            account_id: real_sub,
        },
        ItemRef {
            connection_id: demo.id,
            account_id: demo_sub.clone(),
        },
    ];
    let e = ws
        .bulk()
        .preview(&mixed, Action::Suspend)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(e
        .user_message()
        .contains("mixes demo accounts with real ones"));
    let demo_only = vec![ItemRef {
        connection_id: demo.id,
        account_id: demo_sub,
    }];
    assert_eq!(
        ws.bulk()
            .preview(&demo_only, Action::Suspend)
            .await
            .unwrap()
            .runnable
            .len(),
        1
    );
}
