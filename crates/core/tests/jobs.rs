//! Bulk jobs against the simulator: faults, rate limits, cancel. Every item must end with one
//! outcome, and the history must agree with the provider row for row.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use subdesk_core::api::NewConnection;
use subdesk_core::confirm::Confirmation;
use subdesk_core::history::{HistoryFilter, Outcome};
use subdesk_core::jobs::{ItemRef, JobEvent};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret};
use subdesk_core::{Action, Connection, Provider, Settings, Workspace, WorkspaceConfig};
use subdesk_sim::{FaultKind, FaultPlan, Sim, SimConfig};

async fn setup(
    sim: &Sim,
    n: usize,
    concurrency: u32,
    request_timeout: Duration,
) -> (Arc<Workspace>, Connection, Vec<String>) {
    let p = sim.twilio().add_parent("Reseller");
    let subs: Vec<String> = (0..n)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("Tenant {i:04}"), "active", i % 3)
        })
        .collect();
    let ws = Arc::new(
        Workspace::new(WorkspaceConfig {
            settings: Arc::new(subdesk_core::MemorySettings::default()),
            secrets: Arc::new(MemoryStore::default()),
            history_path: None,
            http: HttpConfig {
                connect_timeout: Duration::from_secs(2),
                request_timeout,
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
        .unwrap(),
    );
    ws.set_settings(Settings {
        concurrency,
        ..Settings::default()
    })
    .unwrap();
    let conn = ws
        .add_connection(&NewConnection {
            provider: Provider::Twilio,
            label: "Bulk".into(),
            account_id: p.sid.clone(),
            secret: Secret::new(p.auth_token.clone()),
            base_url: Some(sim.base_url()),
            options: Default::default(),
        })
        .await
        .unwrap();
    ws.list_all(Arc::new(|_| {})).await;
    (ws, conn, subs)
}

fn items(conn: &Connection, subs: &[String]) -> Vec<ItemRef> {
    subs.iter()
        .map(|s| ItemRef {
            connection_id: conn.id,
            account_id: s.clone(),
        })
        .collect()
}

fn collector() -> (Arc<Mutex<Vec<JobEvent>>>, subdesk_core::jobs::JobSink) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (events, Arc::new(move |e| sink.lock().unwrap().push(e)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_closes_under_twenty_percent_faults_lose_nothing() {
    let sim = sim(SimConfig {
        timeout_hang: Duration::from_millis(2500),
        // A failed write that went through may show only a little later.
        apply_delay: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    let (ws, conn, subs) = setup(&sim, 1000, 8, Duration::from_millis(1500)).await;
    let preview = ws
        .bulk()
        .preview(&items(&conn, &subs), Action::Close)
        .await
        .unwrap();
    assert_eq!(preview.runnable.len(), 1000);
    assert_eq!(
        preview.numbers_released,
        Some((0..1000).map(|i| (i % 3) as u32).sum())
    );
    assert_eq!(preview.confirm_phrase.as_deref(), Some("CLOSE 1000"));
    assert!(
        preview
            .consequences
            .iter()
            .any(|c| c.contains("never be reopened")),
        "{:?}",
        preview.consequences
    );

    // Every kind: 429, 500, 502, 503, 504, resets and timeouts; all but 429 sometimes apply.
    sim.set_faults(FaultPlan {
        rate: 0.2,
        kinds: FaultKind::ALL.to_vec(),
    });
    sim.clear_requests();
    let (events, sink) = collector();
    let confirmation = Confirmation {
        typed: "close 1000".into(),
        token: preview.confirm_token.clone().unwrap(),
    };
    let counts = ws
        .bulk()
        .run(
            items(&conn, &subs),
            Action::Close,
            Some(&confirmation),
            sink,
        )
        .await
        .unwrap();
    sim.set_faults(FaultPlan::default());

    assert_eq!(counts.total, 1000);
    assert_eq!(
        counts.succeeded + counts.failed + counts.not_confirmed + counts.skipped,
        1000,
        "{counts:?}"
    );
    assert_eq!(counts.remaining, 0);
    // A close whose answer was lost is never sent again: those not applied stay unknown
    // (then "not applied" after reconciliation) instead of being retried.
    assert!(
        counts.succeeded >= 850,
        "most closes go through: {counts:?}"
    );

    // One Item event per account, and a Finished event at the end.
    {
        let ev = events.lock().unwrap();
        let item_ids: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                JobEvent::Item { result, .. } => Some(result.item.account_id.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(item_ids.len(), 1000);
        assert_eq!(item_ids.iter().collect::<HashSet<_>>().len(), 1000);
        assert!(matches!(
            ev.last(),
            Some(JobEvent::Finished {
                cancelled: false,
                ..
            })
        ));
    }

    // Items whose answer was lost and whose re-read failed too are left unknown, never re-sent;
    // reconciliation (as at the next start) settles them from the provider's state.
    let unknown = HistoryFilter {
        outcome: Some(Outcome::Unknown),
        ..Default::default()
    };
    let n_unknown = ws.history_query(&unknown, None, 1000).unwrap().total;
    // Let the last late writes land, as they would before the next start.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = ws.reconcile().await.unwrap();
    assert_eq!(r.succeeded + r.failed, n_unknown, "{r:?}");
    assert_eq!(r.unknown, 0);

    // The history agrees with the provider, row for row.
    let h = ws
        .history_query(&HistoryFilter::default(), None, 1000)
        .unwrap();
    assert_eq!(h.total, 1000);
    for e in &h.entries {
        let closed = sim.twilio().account(&e.account_id).unwrap().status == "closed";
        assert_eq!(closed, e.outcome == Outcome::Succeeded, "{e:?}");
        assert!(e.job_id.is_some());
        if e.outcome == Outcome::Failed {
            assert!(e.error_message.is_some(), "a failure says why");
        }
    }

    // No account received a change after one had been applied.
    let mut applied: HashMap<String, u64> = HashMap::new();
    let posts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    for r in &posts {
        if r.applied {
            assert!(
                applied.insert(r.path.clone(), r.seq).is_none(),
                "{} changed twice",
                r.path
            );
        }
    }
    for r in &posts {
        if let Some(&first) = applied.get(&r.path) {
            assert!(
                r.seq <= first || r.status == 400,
                "a close was sent again after it took effect: {r:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_limit_of_4_with_8_in_flight_is_absorbed_by_backoff() {
    let sim = sim(SimConfig {
        concurrency_limit: Some(4),
        latency: Duration::from_millis(5),
        ..SimConfig::default()
    })
    .await;
    let (ws, conn, subs) = setup(&sim, 200, 8, Duration::from_secs(5)).await;
    sim.clear_requests();
    let (_, sink) = collector();
    let counts = ws
        .bulk()
        .run(items(&conn, &subs), Action::Suspend, None, sink)
        .await
        .unwrap();
    assert_eq!(counts.succeeded, 200, "{counts:?}");
    assert_eq!(counts.failed, 0);
    assert!(
        sim.requests().iter().any(|r| r.status == 429),
        "the limit was actually hit"
    );
    assert!(
        sim.max_in_flight_seen() <= 8,
        "the job never exceeds its own concurrency"
    );
    assert!(subs
        .iter()
        .all(|s| sim.twilio().account(s).unwrap().status == "suspended"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_scheduling_and_records_the_rest_as_not_started() {
    let sim = sim(SimConfig {
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await;
    let (ws, conn, subs) = setup(&sim, 120, 2, Duration::from_secs(5)).await;
    let (events, _) = collector();
    let ws2 = Arc::clone(&ws);
    let cancel_at: Arc<Mutex<Option<u64>>> = Arc::new(Mutex::new(None));
    let (ev2, cancel_at2, sim_requests) =
        (Arc::clone(&events), Arc::clone(&cancel_at), Arc::new(sim));
    let sim_for_sink = Arc::clone(&sim_requests);
    let sink: subdesk_core::jobs::JobSink = Arc::new(move |e: JobEvent| {
        let mut v = ev2.lock().unwrap();
        if let JobEvent::Item { counts, .. } = &e {
            if counts.succeeded == 10 {
                if let Some(JobEvent::Started { job_id, .. }) = v.first() {
                    *cancel_at2.lock().unwrap() = sim_for_sink.requests().last().map(|r| r.seq);
                    ws2.bulk().cancel(job_id);
                }
            }
        }
        v.push(e);
    });
    let counts = ws
        .bulk()
        .run(items(&conn, &subs), Action::Suspend, None, sink)
        .await
        .unwrap();
    let sim = sim_requests;
    assert!(counts.not_started >= 100, "{counts:?}");
    assert_eq!(counts.succeeded + counts.not_started + counts.failed, 120);
    assert!(
        counts.succeeded <= 12,
        "at most the in-flight items finish: {counts:?}"
    );
    let ev = events.lock().unwrap();
    assert!(matches!(
        ev.last(),
        Some(JobEvent::Finished {
            cancelled: true,
            ..
        })
    ));

    // After the cancel, only requests of items already in flight (2) were sent.
    let after = cancel_at.lock().unwrap().unwrap();
    let late: HashSet<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.seq > after)
        .map(|r| r.path)
        .collect();
    assert!(
        late.len() <= 2,
        "new items were started after cancel: {late:?}"
    );

    let not_started = HistoryFilter {
        outcome: Some(Outcome::NotStarted),
        ..Default::default()
    };
    let h = ws.history_query(&not_started, None, 1000).unwrap();
    assert_eq!(h.total, counts.not_started);
    for e in &h.entries {
        assert_eq!(
            sim.twilio().account(&e.account_id).unwrap().status,
            "active",
            "not started means untouched"
        );
    }
}

#[tokio::test]
async fn a_bulk_close_needs_the_count_typed() {
    let sim = sim(SimConfig::default()).await;
    let (ws, conn, subs) = setup(&sim, 5, 8, Duration::from_secs(5)).await;
    sim.twilio().set_status(&subs[0], "closed");
    ws.list_all(Arc::new(|_| {})).await;
    let preview = ws
        .bulk()
        .preview(&items(&conn, &subs), Action::Close)
        .await
        .unwrap();
    assert_eq!(preview.runnable.len(), 4);
    assert_eq!(preview.skipped.len(), 1);
    assert!(preview.skipped[0].reason.contains("closed"));
    assert_eq!(preview.per_connection[0].count, 4);
    let token = preview.confirm_token.clone().unwrap();
    let with = |typed: &str, token: &str| Confirmation {
        typed: typed.into(),
        token: token.into(),
    };
    sim.clear_requests();
    for wrong in [
        None,
        Some(with("CLOSE 5", &token)),
        Some(with("close", &token)),
        // The right phrase without the preview's token: a direct invoke.
        Some(with("CLOSE 4", "forged")),
    ] {
        let (_, sink) = collector();
        assert!(ws
            .bulk()
            .run(items(&conn, &subs), Action::Close, wrong.as_ref(), sink)
            .await
            .is_err());
    }
    // The token covers exactly the previewed accounts: not a subset of them.
    let (_, sink) = collector();
    let e = ws
        .bulk()
        .run(
            items(&conn, &subs[2..]),
            Action::Close,
            Some(&with("CLOSE 3", &token)),
            sink,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, subdesk_core::Error::PreviewRequired), "{e:?}");
    assert!(
        sim.requests().is_empty(),
        "nothing sent without the typed count and the preview's token"
    );
    let (_, sink) = collector();
    let counts = ws
        .bulk()
        .run(
            items(&conn, &subs),
            Action::Close,
            Some(&with("CLOSE 4", &token)),
            sink,
        )
        .await
        .unwrap();
    assert_eq!((counts.succeeded, counts.skipped), (4, 1));
    // Single use.
    let (_, sink) = collector();
    assert!(ws
        .bulk()
        .run(
            items(&conn, &subs),
            Action::Close,
            Some(&with("CLOSE 0", &token)),
            sink,
        )
        .await
        .is_err());
}
