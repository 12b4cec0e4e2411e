//! The bulk preview against the simulator: the split first, then throttled progress while it
//! reads each account's numbers at each connection's own concurrency, a cancel that stops its
//! requests, and accounts that could not be read counted apart rather than failing it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use subdesk_core::api::NewConnection;
use subdesk_core::jobs::{ItemRef, PreviewEvent, PreviewSink};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret};
use subdesk_core::{Action, ErrorCode, Provider, Settings, Workspace, WorkspaceConfig};
use subdesk_sim::{FaultKind, FaultPlan, Sim, SimConfig, TwilioParent};

fn workspace(concurrency: u32, retry: RetryPolicy) -> Arc<Workspace> {
    let ws = Arc::new(
        Workspace::new(WorkspaceConfig {
            settings: Arc::new(subdesk_core::MemorySettings::default()),
            secrets: Arc::new(MemoryStore::default()),
            history_path: None,
            http: HttpConfig {
                connect_timeout: Duration::from_secs(2),
                request_timeout: Duration::from_secs(5),
                ..HttpConfig::default()
            },
            retry,
            actor: "tester".into(),
        })
        .unwrap(),
    );
    ws.set_settings(Settings {
        concurrency,
        ..Settings::default()
    })
    .unwrap();
    ws
}

/// A Twilio parent with `n` subaccounts (0, 1, 2 numbers in turn), connected to `ws`.
async fn connect(
    sim: &Sim,
    ws: &Arc<Workspace>,
    label: &str,
    n: usize,
) -> (TwilioParent, Vec<ItemRef>) {
    let p = sim.twilio().add_parent(label);
    let subs: Vec<String> = (0..n)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("Tenant {i:04}"), "active", i % 3)
        })
        .collect();
    let conn = ws
        .add_connection(&NewConnection {
            provider: Provider::Twilio,
            label: label.into(),
            account_id: p.sid.clone(),
            secret: Secret::new(p.auth_token.clone()),
            base_url: Some(sim.base_url()),
            options: Default::default(),
        })
        .await
        .unwrap();
    let items = subs
        .into_iter()
        .map(|account_id| ItemRef {
            connection_id: conn.id,
            account_id,
        })
        .collect();
    (p, items)
}

fn numbers_of(n: usize) -> u32 {
    (0..n).map(|i| (i % 3) as u32).sum()
}

fn collector() -> (Arc<Mutex<Vec<PreviewEvent>>>, PreviewSink) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (
        events,
        Arc::new(move |e| sink.lock().unwrap().push(e)) as PreviewSink,
    )
}

fn counting(events: &[PreviewEvent]) -> Vec<(u32, u32)> {
    events
        .iter()
        .filter_map(|e| match e {
            PreviewEvent::Counting { done, total } => Some((*done, *total)),
            PreviewEvent::Split { .. } => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_split_comes_first_then_counting_in_order_up_to_the_total() {
    let sim = sim(SimConfig {
        latency: Duration::from_millis(10),
        ..SimConfig::default()
    })
    .await;
    let ws = workspace(4, fast_retry());
    let (_, items) = connect(&sim, &ws, "Reseller", 120).await;
    ws.list_all(Arc::new(|_| {})).await;
    let (events, sink) = collector();
    let preview = ws
        .bulk()
        .preview_with(&items, Action::Close, Some("p-order"), sink)
        .await
        .unwrap();
    let events = events.lock().unwrap().clone();

    match &events[0] {
        PreviewEvent::Split { preview: split } => {
            assert_eq!(split.runnable.len(), 120, "the lists come before any read");
            assert_eq!(split.per_connection[0].count, 120);
            assert!(split.confirm_token.is_none() && split.numbers_released.is_none());
            assert_eq!(split.confirm_phrase.as_deref(), Some("CLOSE 120"));
        }
        other => panic!("the first event is the split, got {other:?}"),
    }
    let counts = counting(&events);
    assert_eq!(
        counts.len(),
        events.len() - 1,
        "one split, then counting only"
    );
    assert_eq!(counts.first(), Some(&(0, 120)), "counting starts at 0");
    assert_eq!(
        counts.last(),
        Some(&(120, 120)),
        "and always ends at the total"
    );
    assert!(
        counts.windows(2).all(|w| w[0].0 < w[1].0 && w[1].1 == 120),
        "in order, never repeated: {counts:?}"
    );
    // 120 reads of 10 ms, 4 at a time: about 300 ms, so a few events, never one per account.
    assert!(counts.len() < 40, "throttled: {} events", counts.len());

    assert_eq!(preview.numbers_released, Some(numbers_of(120)));
    assert_eq!(preview.unread, 0);
    assert!(preview.confirm_token.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_connection_is_read_at_its_own_concurrency() {
    let sim = sim(SimConfig {
        latency: Duration::from_millis(30),
        ..SimConfig::default()
    })
    .await;
    let ws = workspace(4, fast_retry());
    let (a, mut items) = connect(&sim, &ws, "Reseller A", 40).await;
    let (b, more) = connect(&sim, &ws, "Reseller B", 40).await;
    items.extend(more);
    ws.list_all(Arc::new(|_| {})).await;
    sim.reset_in_flight_peaks();
    sim.clear_requests();

    let started = Instant::now();
    let preview = ws.bulk().preview(&items, Action::Close).await.unwrap();
    let took = started.elapsed();

    assert_eq!(preview.numbers_released, Some(2 * numbers_of(40)));
    assert_eq!(sim.requests().len(), 80, "one numbers page per account");
    for p in [&a, &b] {
        assert_eq!(
            sim.max_in_flight_for("twilio", &p.sid),
            4,
            "each connection reads 4 at a time, never more"
        );
    }
    assert_eq!(
        sim.max_in_flight_seen(),
        8,
        "the two connections read side by side, not under one shared bound"
    );
    // One at a time would take 80 x 30 ms = 2.4 s; 4 at a time per connection, 0.3 s.
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_backs_off_when_the_provider_says_too_many() {
    let sim = sim(SimConfig {
        latency: Duration::from_millis(5),
        concurrency_limit: Some(2),
        ..SimConfig::default()
    })
    .await;
    let ws = workspace(8, fast_retry());
    let (p, items) = connect(&sim, &ws, "Reseller", 60).await;
    ws.list_all(Arc::new(|_| {})).await;
    sim.clear_requests();
    let preview = ws.bulk().preview(&items, Action::Close).await.unwrap();
    assert!(
        sim.requests().iter().any(|r| r.status == 429),
        "the provider's limit was hit"
    );
    assert_eq!(sim.max_in_flight_for("twilio", &p.sid), 2);
    assert_eq!(preview.unread, 0, "every 429 was retried");
    assert_eq!(preview.numbers_released, Some(numbers_of(60)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_drops_the_reads_in_flight_and_sends_no_more() {
    let sim = sim(SimConfig {
        latency: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    let ws = workspace(4, fast_retry());
    let (_, items) = connect(&sim, &ws, "Reseller", 200).await;
    ws.list_all(Arc::new(|_| {})).await;
    sim.clear_requests();

    let (events, sink) = collector();
    let running = {
        let ws = Arc::clone(&ws);
        tokio::spawn(async move {
            ws.bulk()
                .preview_with(&items, Action::Close, Some("p-cancel"), sink)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(250)).await;
    let asked = Instant::now();
    ws.bulk().cancel_preview("p-cancel");
    let e = running.await.unwrap().unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
    assert!(
        asked.elapsed() < Duration::from_millis(90),
        "it stops at once, without waiting for the reads in flight: {:?}",
        asked.elapsed()
    );
    let sent = sim.requests().len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sim.in_flight(), 0, "the reads in flight were dropped");
    let after = sim.requests().len();
    assert!(
        after <= sent + 4,
        "nothing new is sent after the cancel ({sent} then {after})"
    );
    assert!(after < 40, "200 accounts, {after} read before the cancel");
    let last = counting(&events.lock().unwrap()).last().copied().unwrap();
    assert!(last.0 < 200, "the counting never finished: {last:?}");

    // A stop that overtakes its preview stops it as it starts, before any request.
    let (_, items) = connect(&sim, &ws, "Reseller 2", 3).await;
    ws.list_all(Arc::new(|_| {})).await;
    sim.clear_requests();
    ws.bulk().cancel_preview("p-early");
    let (_, sink) = collector();
    let e = ws
        .bulk()
        .preview_with(&items, Action::Close, Some("p-early"), sink)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Cancelled);
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    // The stop was used up: the same preview started again runs.
    let p = ws
        .bulk()
        .preview_with(&items, Action::Close, Some("p-early"), Arc::new(|_| {}))
        .await
        .unwrap();
    assert_eq!(p.numbers_released, Some(numbers_of(3)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_that_cannot_be_read_are_counted_apart_and_the_job_reads_them_again() {
    let sim = sim(SimConfig {
        rng_seed: 7,
        ..SimConfig::default()
    })
    .await;
    let ws = workspace(4, RetryPolicy::none());
    let (_, items) = connect(&sim, &ws, "Reseller", 40).await;
    ws.list_all(Arc::new(|_| {})).await;
    sim.set_faults(FaultPlan {
        rate: 0.3,
        kinds: vec![FaultKind::Unavailable],
    });
    let (events, sink) = collector();
    let preview = ws
        .bulk()
        .preview_with(&items, Action::Close, None, sink)
        .await
        .expect("a failed read does not fail the preview");
    let failed = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("IncomingPhoneNumbers") && r.status == 503)
        .count() as u32;
    assert!(failed > 0, "some reads failed");
    assert_eq!(preview.unread, failed);
    assert!(preview.numbers_released.unwrap() <= numbers_of(40));
    assert_eq!(
        counting(&events.lock().unwrap()).last(),
        Some(&(40, 40)),
        "the counting still ends"
    );

    // The job reads the numbers of exactly those it has none for, right before closing them.
    sim.set_faults(FaultPlan {
        rate: 0.0,
        kinds: vec![],
    });
    sim.clear_requests();
    let confirmation = subdesk_core::confirm::Confirmation {
        typed: preview.confirm_phrase.clone().unwrap(),
        token: preview
            .confirm_token
            .clone()
            .expect("the job can still run"),
    };
    let counts = ws
        .bulk()
        .run(items, Action::Close, Some(&confirmation), Arc::new(|_| {}))
        .await
        .unwrap();
    assert_eq!(counts.succeeded, 40, "{counts:?}");
    let reread = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("IncomingPhoneNumbers"))
        .count() as u32;
    assert_eq!(reread, failed);
}
