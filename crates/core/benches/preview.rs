//! The bulk preview of a Close of 1,000 Twilio subaccounts: it reads every account's
//! IncomingPhoneNumbers (one page each here) to count the numbers the job releases and keep
//! them in the history. Simulator latency 20 ms per request, no provider limit, concurrency
//! setting 8 (the default). Shown beside the floor of one request per account at the
//! connection's concurrency, and the most requests the simulator saw in flight at once, per
//! parent. Two connections of 500 accounts each show whether the bound is per connection.
//!
//! Measured on the 2-core CI machine: before (one semaphore of 8 for the whole preview), one
//! connection 2.78 s, two connections 2.74 s; after (each connection's own limit), 2.73 s and
//! 1.40 s. The reads were never one at a time (that would be 20 s).
//!
//! `cargo bench -p subdesk-core --bench preview`

use std::sync::Arc;
use std::time::{Duration, Instant};

use subdesk_core::api::NewConnection;
use subdesk_core::jobs::ItemRef;
use subdesk_core::secrets::Secret;
use subdesk_core::{Action, Provider, Workspace};
use subdesk_sim::{Sim, SimConfig};

mod common;

const ITEMS: usize = 1_000;
const LATENCY: Duration = Duration::from_millis(20);
const CONCURRENCY: u32 = 8;

async fn workspace(
    sim: &Sim,
    connections: usize,
    tag: &str,
) -> (Arc<Workspace>, Vec<ItemRef>, Vec<String>) {
    let ws = common::workspace(CONCURRENCY);
    let mut items = Vec::new();
    let mut parents = Vec::new();
    for c in 0..connections {
        let parent = sim.twilio().add_parent(&format!("Reseller {tag} {c}"));
        let conn = ws
            .add_connection(&NewConnection {
                provider: Provider::Twilio,
                label: format!("Bench {c}"),
                account_id: parent.sid.clone(),
                secret: Secret::new(parent.auth_token.clone()),
                base_url: Some(sim.base_url()),
                options: Default::default(),
            })
            .await
            .unwrap();
        parents.push(parent.sid.clone());
        for i in 0..ITEMS / connections {
            let sid = sim.twilio().add_subaccount(
                &parent.sid,
                &format!("Tenant {i:04}"),
                "active",
                i % 3,
            );
            items.push(ItemRef {
                connection_id: conn.id,
                account_id: sid,
            });
        }
    }
    ws.list_all(Arc::new(|_| {})).await;
    (ws, items, parents)
}

async fn preview(sim: &Sim, connections: usize) {
    let (ws, items, parents) = workspace(sim, connections, &format!("x{connections}")).await;
    sim.clear_requests();
    sim.reset_in_flight_peaks();
    let started = Instant::now();
    let p = ws.bulk().preview(&items, Action::Close).await.unwrap();
    let wall = started.elapsed();
    let requests = sim.requests().len();
    assert_eq!(p.runnable.len(), ITEMS);
    let per = ITEMS / connections;
    let expected: usize = connections * (0..per).map(|i| i % 3).sum::<usize>();
    assert_eq!(p.numbers_released, Some(expected as u32));
    let floor = LATENCY * ITEMS as u32 / (CONCURRENCY * connections as u32);
    println!("preview close x {ITEMS}, {connections} connection(s) of {}, concurrency {CONCURRENCY} each:", ITEMS / connections);
    println!(
        "  wall time                        : {:6.2} s   ({requests} requests)",
        wall.as_secs_f64()
    );
    println!(
        "  floor at each connection's limit : {:6.2} s   ({ITEMS} x {} ms / ({CONCURRENCY} x {connections}))   ratio {:.2}",
        floor.as_secs_f64(),
        LATENCY.as_millis(),
        wall.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  one at a time would be           : {:6.2} s",
        (LATENCY * ITEMS as u32).as_secs_f64()
    );
    let peaks: Vec<String> = parents
        .iter()
        .map(|p| sim.max_in_flight_for("twilio", p).to_string())
        .collect();
    println!(
        "  most in flight at once           : {} per connection, {} in all",
        peaks.join(" and "),
        sim.max_in_flight_seen()
    );
}

fn main() {
    let common::Bench { sim, rt, sim_rt } = common::start(SimConfig {
        latency: LATENCY,
        ..SimConfig::default()
    });
    println!(
        "== bulk preview: count the numbers of {ITEMS} Twilio subaccounts; simulator latency {} ms ==",
        LATENCY.as_millis()
    );
    rt.block_on(async {
        preview(&sim, 1).await;
        preview(&sim, 2).await;
    });
    drop(sim);
    drop(sim_rt);
}
