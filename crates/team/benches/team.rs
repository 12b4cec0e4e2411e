//! The shared team trail, measured against a real PostgreSQL (started here, like the tests'):
//!
//! - **Race**: ten desktops (ten workspaces in this process, each with its own history folder
//!   and its own pool to the one database) bulk-close the same 1,000 simulated Twilio accounts
//!   at once; every account must be closed exactly once (close requests counted at the
//!   simulator) and every close must be in the shared trail; wall time beside one desktop
//!   closing 1,000 alone.
//! - **Scale**: 1,000,000 entries in the shared trail: an account's entries, a filtered page.
//! - **Cost**: writing an intent and its outcome to the shared trail, per action, on loopback.
//!
//! `cargo bench -p subdesk-team --bench team`

#[path = "../tests/pg/mod.rs"]
mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use pg::{set_up, Pg};
use subdesk_core::confirm::Confirmation;
use subdesk_core::jobs::{ItemRef, JobCounts, JobSink};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret};
use subdesk_core::workspace::InFlightFactory;
use subdesk_core::{Action, MemorySettings, Provider, Settings, Workspace, WorkspaceConfig};
use subdesk_sim::{Sim, SimConfig, TwilioParent};
use subdesk_team::{AccountKey, Desk, NewEntry, NewOutcome, TeamInFlight, TeamPool, TrailFilter};

const ACCOUNTS: usize = 1_000;
const DESKTOPS: usize = 10;
const LATENCY: Duration = Duration::from_millis(20);
const CONCURRENCY: u32 = 8;

fn desk(pg: &Pg, name: &str) -> Desk {
    Desk::new(
        TeamPool::open(&pg.settings("subdesk_app"), "test").unwrap(),
        name,
        name,
        Duration::from_secs(120),
    )
}

async fn desktop(
    pg: &Pg,
    sim: &Sim,
    p: &TwilioParent,
    name: &str,
    dir: &std::path::Path,
) -> (Arc<Workspace>, subdesk_core::Connection) {
    let d = Arc::new(desk(pg, name));
    let origin = format!("{name}-{}", uuid::Uuid::new_v4());
    let factory: InFlightFactory =
        Box::new(move |local| Arc::new(TeamInFlight::new(local, d, &origin)));
    let ws = Arc::new(
        Workspace::with_in_flight(
            WorkspaceConfig {
                settings: Arc::new(MemorySettings::default()),
                secrets: Arc::new(MemoryStore::default()),
                history_path: Some(dir.join(format!("{name}.db"))),
                http: HttpConfig::default(),
                retry: RetryPolicy::default(),
                actor: name.to_lowercase(),
            },
            factory,
        )
        .unwrap(),
    );
    ws.set_settings(Settings {
        concurrency: CONCURRENCY,
        ..Settings::default()
    })
    .unwrap();
    let conn = ws
        .add_connection(&subdesk_core::api::NewConnection {
            provider: Provider::Twilio,
            label: "Reseller".into(),
            account_id: p.sid.clone(),
            secret: Secret::new(&p.auth_token),
            base_url: Some(sim.base_url()),
            options: Default::default(),
        })
        .await
        .unwrap();
    ws.list_all(Arc::new(|_| {})).await;
    (ws, conn)
}

/// Runs the bulk close: how long its preview took and its counts, or `None` when the run was
/// refused because the accounts changed since its preview (another desktop took some: the
/// user would be asked to look again).
async fn close_all(
    ws: &Arc<Workspace>,
    conn: &subdesk_core::Connection,
    ids: &[String],
) -> (Duration, Option<JobCounts>) {
    let items: Vec<ItemRef> = ids
        .iter()
        .map(|id| ItemRef {
            connection_id: conn.id,
            account_id: id.clone(),
        })
        .collect();
    let t = Instant::now();
    let p = ws.bulk().preview(&items, Action::Close).await.unwrap();
    let previewed = t.elapsed();
    let c = Confirmation {
        typed: p.confirm_phrase.unwrap(),
        token: p.confirm_token.unwrap(),
    };
    let sink: JobSink = Arc::new(|_| {});
    match ws.bulk().run(items, Action::Close, Some(&c), sink).await {
        Ok(counts) => (previewed, Some(counts)),
        Err(e) if e.code() == subdesk_core::ErrorCode::ConfirmationMismatch => (previewed, None),
        Err(e) => panic!("{e:?}"),
    }
}

/// Provider requests by method: "1000 GET, 1000 POST".
fn by_method(reqs: &[subdesk_sim::RequestRecord]) -> String {
    let n = |m: &str| reqs.iter().filter(|r| r.method == m).count();
    format!("{} GET, {} POST", n("GET"), n("POST"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

async fn race(pg: &Pg, sim: &Sim, dir: &std::path::Path) {
    let subs = |p: &TwilioParent| -> Vec<String> {
        (0..ACCOUNTS)
            .map(|i| {
                sim.twilio()
                    .add_subaccount(&p.sid, &format!("Tenant {i:04}"), "active", 0)
            })
            .collect()
    };
    // One desktop alone.
    let alone_parent = sim.twilio().add_parent("Alone");
    let alone_subs = subs(&alone_parent);
    let (ws, conn) = desktop(pg, sim, &alone_parent, "ALONE", dir).await;
    let before = sim.requests().len();
    let t = Instant::now();
    let (alone_preview, _) = close_all(&ws, &conn, &alone_subs).await;
    let alone = t.elapsed();
    let alone_reqs = by_method(&sim.requests()[before..]);

    // Ten at once, on the same accounts.
    let p = sim.twilio().add_parent("Shared");
    let shared = subs(&p);
    let mut desktops = Vec::new();
    for i in 0..DESKTOPS {
        desktops.push(desktop(pg, sim, &p, &format!("DESKTOP-{i}"), dir).await);
    }
    let before = sim.requests().len();
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (ws, conn) in desktops {
        let ids = shared.clone();
        set.spawn(async move {
            let ran = close_all(&ws, &conn, &ids).await;
            (ran, t.elapsed())
        });
    }
    let mut refused = 0;
    let (mut previews, mut closed, mut skipped) = (Vec::new(), Vec::new(), 0);
    let mut finished = Vec::new();
    while let Some(ran) = set.join_next().await {
        let ((previewed, counts), done) = ran.unwrap();
        previews.push(previewed.as_secs_f64());
        finished.push(done.as_secs_f64());
        match counts {
            Some(c) => {
                closed.push(c.succeeded);
                skipped += c.skipped;
            }
            None => refused += 1,
        }
    }
    let ten = t.elapsed();
    let reqs = sim.requests();
    let ten_reqs = by_method(&reqs[before..]);
    let mut twice = 0;
    for s in &shared {
        let n = reqs[before..]
            .iter()
            .filter(|r| {
                r.method == "POST"
                    && r.path.contains(s.as_str())
                    && r.body.contains("Status=closed")
            })
            .count();
        if n != 1 {
            twice += 1;
        }
    }
    let owner = subdesk_team::connect(&pg.conninfo("postgres"))
        .await
        .unwrap();
    let in_trail: i64 = owner
        .query_one(
            "SELECT count(DISTINCT e.account_id) FROM entries e JOIN outcomes o ON o.entry_id = e.id
             WHERE e.parent_account = $1 AND e.action = 'close' AND o.outcome = 'succeeded'",
            &[&p.sid],
        )
        .await
        .unwrap()
        .get(0);
    println!("race: {DESKTOPS} desktops x {ACCOUNTS} accounts, {} ms per request, concurrency {CONCURRENCY} each", LATENCY.as_millis());
    println!(
        "  one desktop alone          {:>8.2} s",
        alone.as_secs_f64()
    );
    println!(
        "  ten desktops at once       {:>8.2} s  ({:.2}x one alone; target at most 1.3x)",
        ten.as_secs_f64(),
        ten.as_secs_f64() / alone.as_secs_f64()
    );
    println!(
        "  where the time goes: alone, preview {:.2} s, requests {alone_reqs}; ten, preview median {:.2} s, requests {ten_reqs}",
        alone_preview.as_secs_f64(),
        median(previews)
    );
    closed.sort_unstable();
    println!("  closes by desktop {closed:?}; items skipped by all ten {skipped}");
    finished.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let finished: Vec<String> = finished.iter().map(|s| format!("{s:.1}")).collect();
    println!("  each desktop done after (s): {}", finished.join(", "));
    println!("  accounts not closed exactly once: {twice} (must be 0)");
    println!("  desktops whose run was refused because the accounts changed since their preview: {refused}");
    println!("  closes in the shared trail: {in_trail} of {ACCOUNTS}");
    assert_eq!(twice, 0, "an account was closed twice or not at all");
    assert_eq!(in_trail as usize, ACCOUNTS);
}

async fn scale(pg: &Pg) {
    let owner = subdesk_team::connect(&pg.conninfo("postgres"))
        .await
        .unwrap();
    let t = Instant::now();
    owner
        .batch_execute(
            "INSERT INTO entries (origin, actor, desktop, connection_label, provider, parent_account,
                                  account_id, account_name, action, started_at)
             SELECT 'bench/' || g, 'dana', 'DESKTOP-' || ((g / 7) % 10), 'Reseller', 'twilio', 'ACparent',
                    'AC' || (g % 50000), 'Tenant ' || g,
                    (ARRAY['suspend','reactivate','close','delete'])[1 + g % 4],
                    now() - make_interval(secs => g)
             FROM generate_series(1, 1000000) g;
             INSERT INTO outcomes (entry_id, outcome)
             SELECT id, 'succeeded' FROM entries WHERE origin LIKE 'bench/%';",
        )
        .await
        .unwrap();
    // What autovacuum does on a trail that has grown (each entry's state row was rewritten
    // once by its outcome): counts then read the indexes alone.
    for table in ["entries", "outcomes", "entry_state"] {
        owner
            .batch_execute(&format!("VACUUM ANALYZE {table}"))
            .await
            .unwrap();
    }
    println!(
        "scale: 1,000,000 entries and outcomes written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let d = desk(pg, "BENCH");
    let mut account = Vec::new();
    let mut page = Vec::new();
    let mut open = Vec::new();
    for i in 0..30 {
        let k = AccountKey {
            provider: "twilio".into(),
            parent_account: "ACparent".into(),
            account_id: format!("AC{}", 1000 + i * 37),
        };
        let t = Instant::now();
        let rows = d
            .page(
                &TrailFilter {
                    account: Some(k.clone()),
                    ..Default::default()
                },
                None,
                100,
            )
            .await
            .unwrap();
        account.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(rows.len(), 20);
        let t = Instant::now();
        let rows = d
            .page(
                &TrailFilter {
                    action: Some("close".into()),
                    desktop: Some("DESKTOP-3".into()),
                    ..Default::default()
                },
                Some(900_000 - i * 1000),
                100,
            )
            .await
            .unwrap();
        page.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(rows.len(), 100);
        let t = Instant::now();
        d.open_for(&k).await.unwrap();
        open.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("  an account's entries (20 of 1,000,000)     median {:>6.2} ms, max {:>6.2} ms (target under 50)", median(account.clone()), account.iter().cloned().fold(0.0, f64::max));
    println!("  a filtered page (100, action and desktop) median {:>6.2} ms, max {:>6.2} ms (target under 50)", median(page.clone()), page.iter().cloned().fold(0.0, f64::max));
    println!(
        "  an account's open entries (the in-doubt check) median {:>6.2} ms",
        median(open)
    );
    history_pages(&d).await;
}

/// History's pages of the trail (the app's query: each entry with its last outcome, and the
/// count of all that match), on the 1,000,000 entries of [`scale`].
async fn history_pages(d: &Desk) {
    use subdesk_core::history::{HistoryFilter, Outcome};
    let conn = subdesk_core::Connection {
        id: uuid::Uuid::new_v4(),
        provider: subdesk_core::Provider::Twilio,
        label: "Reseller".into(),
        account_id: "ACparent".into(),
        base_url: "https://api.twilio.com".into(),
        parent_name: None,
        demo: false,
        options: Default::default(),
    };
    let conns = [conn.clone()];
    let shapes: [(&str, HistoryFilter); 4] = [
        ("the first page, no filter", HistoryFilter::default()),
        (
            "an account's detail (its 20 entries)",
            HistoryFilter {
                connection_id: Some(conn.id.to_string()),
                account_id: Some("AC1037".into()),
                ..Default::default()
            },
        ),
        (
            "an action and an outcome",
            HistoryFilter {
                action: Some(subdesk_core::Action::Close),
                outcome: Some(Outcome::Succeeded),
                ..Default::default()
            },
        ),
        (
            "a search (\"tenant 4242\")",
            HistoryFilter {
                text: Some("tenant 4242".into()),
                ..Default::default()
            },
        ),
    ];
    println!("  History's page of 50 with its total (the app's query):");
    for (what, f) in shapes {
        let mut ms = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let page = d.history_page(&f, &conns, None, 50).await.unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(!page.entries.is_empty(), "{what}");
        }
        println!(
            "    {what:<40} median {:>8.2} ms, max {:>8.2} ms",
            median(ms.clone()),
            ms.iter().cloned().fold(0.0, f64::max)
        );
    }
}

async fn cost(pg: &Pg) {
    let d = desk(pg, "COST");
    let n = 1000;
    let mut each = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        let id = d
            .begin(&NewEntry {
                origin: format!("cost/{i}"),
                started_at: None,
                actor: "dana".into(),
                operator_name: None,
                desktop: "COST".into(),
                connection_label: "Reseller".into(),
                account: AccountKey {
                    provider: "twilio".into(),
                    parent_account: "ACcost".into(),
                    account_id: format!("AC{i}"),
                },
                account_name: format!("Tenant {i}"),
                action: "suspend".into(),
                status_before: Some("active".into()),
                job_id: None,
                snapshot: None,
                reason: None,
            })
            .await
            .unwrap();
        d.outcome(
            id,
            &NewOutcome {
                outcome: "succeeded".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        each.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("cost: an intent and its outcome in the shared trail, median {:.2} ms per action over {n} (target under 5)", median(each));
}

fn main() {
    let sim_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim_rt
        .block_on(Sim::start(SimConfig {
            latency: LATENCY,
            ..SimConfig::default()
        }))
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let pg = Pg::start();
    rt.block_on(set_up(&pg));
    let dir = tempfile::tempdir().unwrap();
    // SUBDESK_BENCH_ONLY=scale: the 1,000,000-entry queries alone.
    let only = std::env::var("SUBDESK_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "cost" {
        rt.block_on(cost(&pg));
    }
    if only.is_empty() || only == "race" {
        rt.block_on(race(&pg, &sim, dir.path()));
    }
    if only.is_empty() || only == "scale" {
        rt.block_on(scale(&pg));
    }
}
