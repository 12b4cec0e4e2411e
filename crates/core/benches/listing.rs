//! Listing 10,000 Twilio subaccounts: wall time against the latency floor, and what the client
//! spends itself (parsing, building table rows, serialising them for the IPC).
//!
//! `cargo bench -p subdesk-core --bench listing`
//!
//! The simulator runs in this process but on its own tokio runtime, so the client's work and
//! the simulator's do not queue behind each other on the same worker threads (they still share
//! the machine's cores). Its own cost (building 1,000-account JSON pages) is part of the wall
//! times; the zero-latency figures show how large it is together with the client's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use subdesk_core::api::{AccountRow, ListEvent};
use subdesk_core::providers::twilio::TwilioApi;
use subdesk_core::providers::{http, AdaptiveLimit, HttpConfig, ProviderApi, RetryPolicy};
use subdesk_core::secrets::Secret;
use subdesk_core::{Connection, Provider, Subaccount};
use subdesk_sim::SimConfig;

mod common;

const ACCOUNTS: usize = 10_000;
const LATENCY: Duration = Duration::from_millis(50);
const RUNS: usize = 5;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn summary(v: &[Duration]) -> String {
    let min = v.iter().min().unwrap();
    format!(
        "median {:8.1} ms   min {:8.1} ms   ({} runs)",
        ms(median(v.to_vec())),
        ms(*min),
        v.len()
    )
}

async fn list(api: &TwilioApi) -> (Vec<Subaccount>, usize, Duration) {
    let mut rows = Vec::with_capacity(ACCOUNTS);
    let mut pages = 0;
    let started = Instant::now();
    let mut sink = |page: Vec<Subaccount>| {
        pages += 1;
        rows.extend(page);
    };
    let n = api.list(&mut sink).await.expect("listing works");
    let took = started.elapsed();
    assert_eq!(n, ACCOUNTS);
    (rows, pages, took)
}

/// The same pages fetched as bytes only (no JSON parsing), following `next_page_uri` by a
/// substring search: the HTTP + simulator share of a listing.
async fn fetch_raw(
    client: &reqwest::Client,
    base: &str,
    sid: &str,
    token: &str,
) -> (usize, Duration) {
    let started = Instant::now();
    let mut url = format!("{base}/2010-04-01/Accounts.json?PageSize=1000");
    let mut bytes = 0;
    loop {
        let body = client
            .get(&url)
            .basic_auth(sid, Some(token))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        bytes += body.len();
        let text = std::str::from_utf8(&body).unwrap();
        let key = "\"next_page_uri\":\"";
        match text.find(key) {
            Some(i) => {
                let rest = &text[i + key.len()..];
                url = format!("{base}{}", &rest[..rest.find('"').unwrap()]);
            }
            None => return (bytes, started.elapsed()),
        }
    }
}

fn main() {
    let common::Bench { sim, rt, sim_rt } = common::start(SimConfig {
        latency: LATENCY,
        ..SimConfig::default()
    });
    let parent = sim.twilio().add_parent("Reseller");
    sim.twilio().seed_subaccounts(&parent.sid, ACCOUNTS);
    let client = http::build_client(&HttpConfig::default()).unwrap();
    let api = TwilioApi::new(
        client.clone(),
        &sim.base_url(),
        &parent.sid,
        parent.sid.clone(),
        Secret::new(parent.auth_token.clone()),
        RetryPolicy::default(),
        Arc::new(AdaptiveLimit::new(8)),
    );

    println!("== listing: {ACCOUNTS} Twilio subaccounts through TwilioApi::list ==");
    rt.block_on(async {
        // Warm-up: connections, allocator, page cache.
        sim.set_latency(Duration::ZERO);
        list(&api).await;

        sim.set_latency(LATENCY);
        let mut walls = Vec::new();
        let mut requests = 0;
        let mut pages = 0;
        for _ in 0..RUNS {
            sim.clear_requests();
            let (_, p, took) = list(&api).await;
            requests = sim.requests().len();
            pages = p;
            walls.push(took);
        }
        let floor = LATENCY * requests as u32;
        println!("latency {} ms per request; {requests} requests per listing ({pages} pages of up to 1,000; the parent is on a page too)", LATENCY.as_millis());
        println!("wall time, {} ms latency       : {}", LATENCY.as_millis(), summary(&walls));
        println!("latency floor (requests x latency): {:8.1} ms   (pages are sequential: each next_page_uri comes from the previous page)", ms(floor));
        println!("overhead above the floor        : {:8.1} ms (median)", ms(median(walls.clone()).saturating_sub(floor)));

        sim.set_latency(Duration::ZERO);
        let mut zero = Vec::new();
        let mut raw = Vec::new();
        let mut bytes = 0;
        for _ in 0..RUNS {
            zero.push(list(&api).await.2);
            let (b, t) = fetch_raw(&client, &sim.base_url(), &parent.sid, &parent.auth_token).await;
            bytes = b;
            raw.push(t);
        }
        println!("wall time, zero latency         : {}", summary(&zero));
        println!("  of which HTTP + simulator only : {}   ({:.1} MB of JSON, bytes only, no parsing)", summary(&raw), bytes as f64 / 1e6);
        println!(
            "  so client-side parsing is about {:.1} ms per listing (difference of medians)",
            ms(median(zero.clone()).saturating_sub(median(raw.clone())))
        );
    });

    // Table fill: Subaccount -> AccountRow (allowed actions decided by core), then the JSON the
    // IPC would carry, one ListEvent::Page per page as Workspace::list_all emits them.
    let (subs, _, _) = rt.block_on(list(&api));
    let conn = Connection {
        id: uuid::Uuid::new_v4(),
        provider: Provider::Twilio,
        label: "Reseller".into(),
        account_id: parent.sid.clone(),
        base_url: sim.base_url(),
        parent_name: Some("Reseller".into()),
        demo: false,
        options: Default::default(),
    };
    let mut fill = Vec::new();
    let mut ser = Vec::new();
    let mut ipc_bytes = 0;
    for _ in 0..20 {
        let input = subs.clone();
        let started = Instant::now();
        let rows: Vec<AccountRow> = input
            .into_iter()
            .map(|s| AccountRow::new(&conn, s))
            .collect();
        fill.push(started.elapsed());
        let started = Instant::now();
        let mut total = 0;
        let mut rows = rows.into_iter();
        loop {
            let page: Vec<AccountRow> = rows.by_ref().take(1000).collect();
            if page.is_empty() {
                break;
            }
            let event = ListEvent::Page {
                connection_id: conn.id,
                rows: page,
            };
            total += serde_json::to_string(&event).unwrap().len();
        }
        ser.push(started.elapsed());
        ipc_bytes = total;
    }
    println!(
        "table fill: {ACCOUNTS} Subaccount -> AccountRow: {}",
        summary(&fill)
    );
    println!(
        "IPC JSON (10 ListEvent::Page)      : {}   ({:.1} MB)",
        summary(&ser),
        ipc_bytes as f64 / 1e6
    );
    drop(sim);
    drop(sim_rt);
}
