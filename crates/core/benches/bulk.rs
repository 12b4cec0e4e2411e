//! Closing 1,000 Twilio subaccounts with Workspace::run_job against a simulator with 50 ms of
//! latency per request and a limit of 16 concurrent requests per parent, beside the latency
//! floor and beside a one-at-a-time loop as SDK scripts do it. Concurrency 32 (the app's
//! maximum setting, above the simulator's limit) shows what the adaptive limit does with 429s.
//!
//! `cargo bench -p subdesk-core --bench bulk`
//!
//! The job re-reads its accounts by list pages right before it starts (two pages of 1,000 here)
//! and then sends one POST per item, so it should sit close to the floor of one request per
//! item (1,000 x 50 ms / concurrency); the output shows that floor and the floor of the
//! requests actually made. The history is a temp file with the app's
//! settings (WAL, synchronous=FULL), written twice per item. The simulator runs on its own
//! tokio runtime so that the job's blocking history writes cannot delay its answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use subdesk_core::confirm::Confirmation;
use subdesk_core::jobs::{bulk_phrase, ItemRef};
use subdesk_core::providers::twilio::TwilioApi;
use subdesk_core::providers::{http, AdaptiveLimit, HttpConfig, ProviderApi, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret};
use subdesk_core::{
    Action, MemorySettings, Provider, Settings, Status, Workspace, WorkspaceConfig,
};
use subdesk_sim::{Sim, SimConfig};

mod common;

const ITEMS: usize = 1_000;
const SEQUENTIAL_ITEMS: usize = 100;
const LATENCY: Duration = Duration::from_millis(50);
const SIM_LIMIT: usize = 16;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

async fn job(sim: &Sim, concurrency: u32, dir: &std::path::Path) {
    let parent = sim.twilio().add_parent(&format!("Reseller c{concurrency}"));
    let subs: Vec<String> = (0..ITEMS)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&parent.sid, &format!("Tenant {i:04}"), "active", i % 3)
        })
        .collect();
    let ws = Arc::new(
        Workspace::new(WorkspaceConfig {
            settings: Arc::new(MemorySettings::default()),
            secrets: Arc::new(MemoryStore::default()),
            history_path: Some(dir.join(format!("history-c{concurrency}.db"))),
            http: HttpConfig::default(),
            retry: RetryPolicy::default(),
            actor: "bench".into(),
        })
        .unwrap(),
    );
    ws.set_settings(Settings {
        concurrency,
        ..Settings::default()
    })
    .unwrap();
    let conn = subdesk_test_support::adapters::connect(
        &ws,
        sim,
        Provider::Twilio,
        &parent.sid,
        &parent.auth_token,
    )
    .await;
    ws.list_all(Arc::new(|_| {})).await;
    let items: Vec<ItemRef> = subs
        .iter()
        .map(|s| ItemRef {
            connection_id: conn.id,
            account_id: s.clone(),
        })
        .collect();

    // The preview (which reads each account's numbers to keep them) is the user's reading
    // time, not the job's: it is timed apart.
    let previewed = Instant::now();
    let preview = ws.bulk().preview(&items, Action::Close).await.unwrap();
    let preview_time = previewed.elapsed();
    let confirmation = Confirmation {
        typed: bulk_phrase(Action::Close, ITEMS),
        token: preview.confirm_token.unwrap(),
    };
    sim.clear_requests();
    let started = Instant::now();
    let counts = ws
        .bulk()
        .run(items, Action::Close, Some(&confirmation), Arc::new(|_| {}))
        .await
        .unwrap();
    let wall = started.elapsed();
    let log = sim.requests();
    assert_eq!(counts.succeeded as usize, ITEMS, "{counts:?}");
    assert!(subs
        .iter()
        .all(|s| sim.twilio().account(s).unwrap().status == "closed"));

    let rejected = log.iter().filter(|r| r.status == 429).count();
    // Beyond the simulator's limit, extra concurrency only earns 429s.
    let effective = concurrency.min(SIM_LIMIT as u32);
    let floor_one = LATENCY * ITEMS as u32 / effective;
    let floor_made = LATENCY * log.len() as u32 / effective;
    println!(
        "run_job close x {ITEMS}, concurrency {concurrency}{}:",
        if effective < concurrency {
            format!(" (the simulator admits {effective})")
        } else {
            String::new()
        }
    );
    println!("  wall time                         : {:7.2} s", secs(wall));
    println!("  floor, 1 request per item         : {:7.2} s  (1,000 x 50 ms / {effective})   ratio {:.2}", secs(floor_one), secs(wall) / secs(floor_one));
    println!(
        "  floor, requests actually made     : {:7.2} s  ({} requests: list pages + one POST per item, {rejected} answered 429)   ratio {:.2}",
        secs(floor_made),
        log.len(),
        secs(wall) / secs(floor_made)
    );
    println!(
        "  bulk preview (numbers kept)       : {:7.2} s  (one numbers read per account, at the concurrency)",
        secs(preview_time)
    );
    println!(
        "  throughput                        : {:7.1} items/s",
        ITEMS as f64 / secs(wall)
    );
}

async fn sequential(sim: &Sim) -> Duration {
    let parent = sim.twilio().add_parent("Reseller sequential");
    let subs: Vec<String> = (0..SEQUENTIAL_ITEMS)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&parent.sid, &format!("Tenant {i:04}"), "active", i % 3)
        })
        .collect();
    let api = TwilioApi::new(
        http::build_client(&HttpConfig::default()).unwrap(),
        &sim.base_url(),
        &parent.sid,
        parent.sid.clone(),
        Secret::new(parent.auth_token.clone()),
        RetryPolicy::default(),
        Arc::new(AdaptiveLimit::new(1)),
    );
    let started = Instant::now();
    for s in &subs {
        let r = api.apply(s, Action::Close).await.unwrap();
        assert_eq!(r.status_after, Status::Closed);
    }
    started.elapsed()
}

fn main() {
    let common::Bench { sim, rt, sim_rt } = common::start(SimConfig {
        latency: LATENCY,
        concurrency_limit: Some(SIM_LIMIT),
        ..SimConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    println!("== bulk: close {ITEMS} Twilio subaccounts; simulator latency {} ms, at most {SIM_LIMIT} requests in flight per parent ==", LATENCY.as_millis());
    rt.block_on(async {
        for concurrency in [8, 16, 32] {
            job(&sim, concurrency, dir.path()).await;
        }
        let seq = sequential(&sim).await;
        let extrapolated = seq * (ITEMS / SEQUENTIAL_ITEMS) as u32;
        println!("sequential loop, TwilioApi::apply one account at a time (no re-read), as SDK scripts do:");
        println!("  measured on {SEQUENTIAL_ITEMS} accounts      : {:7.2} s  ({:.1} ms per account)", secs(seq), seq.as_secs_f64() * 1000.0 / SEQUENTIAL_ITEMS as f64);
        println!("  x{} extrapolated to {ITEMS}      : {:7.2} s  (floor {:.2} s)", ITEMS / SEQUENTIAL_ITEMS, secs(extrapolated), secs(LATENCY * ITEMS as u32));
    });
    drop(sim);
    drop(sim_rt);
}
