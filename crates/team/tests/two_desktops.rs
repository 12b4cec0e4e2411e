//! Two desktops (two workspaces, each with its own history folder) sharing one team database,
//! acting through the simulator over real HTTP: the claims and the shared trail keep them from
//! acting twice on one account.

mod pg;

use std::sync::Arc;
use std::time::Duration;

use pg::{set_up, Pg};
use subdesk_core::jobs::{ItemRef, JobSink};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret};
use subdesk_core::workspace::InFlightFactory;
use subdesk_core::{
    Action, Connection, ErrorCode, MemorySettings, Provider, Workspace, WorkspaceConfig,
};
use subdesk_sim::{Sim, SimConfig, TwilioParent};
use subdesk_team::{Desk, TeamInFlight, TeamPool};

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_tries: 3,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(30),
        settle_window: Duration::from_millis(150),
        late_apply_window: Duration::from_millis(300),
    }
}

struct Desktop {
    ws: Arc<Workspace>,
    conn: Connection,
    _dir: tempfile::TempDir,
}

/// A desktop of the team: its own history folder, the team database for claims and the trail.
async fn desktop(pg: &Pg, sim: &Sim, p: &TwilioParent, operator: &str, name: &str) -> Desktop {
    let dir = tempfile::tempdir().unwrap();
    let desk = Arc::new(Desk::new(
        TeamPool::open(&pg.settings("subdesk_app"), "test").unwrap(),
        operator,
        name,
        Duration::from_secs(60),
    ));
    let origin = uuid::Uuid::new_v4().to_string();
    let factory: InFlightFactory =
        Box::new(move |local| Arc::new(TeamInFlight::new(local, desk, &origin)));
    let ws = Arc::new(
        Workspace::with_in_flight(
            WorkspaceConfig {
                settings: Arc::new(MemorySettings::default()),
                secrets: Arc::new(MemoryStore::default()),
                history_path: Some(dir.path().join("history.db")),
                http: HttpConfig::default(),
                retry: policy(),
                actor: operator.to_lowercase(),
            },
            factory,
        )
        .unwrap(),
    );
    let conn = ws.add_connection(&new_twilio(sim, p)).await.unwrap();
    ws.list_all(Arc::new(|_| {})).await;
    Desktop {
        ws,
        conn,
        _dir: dir,
    }
}

/// What the connection form sends for the simulated Twilio parent.
fn new_twilio(sim: &Sim, p: &TwilioParent) -> subdesk_core::api::NewConnection {
    subdesk_core::api::NewConnection {
        provider: Provider::Twilio,
        label: "Reseller".into(),
        account_id: p.sid.clone(),
        secret: Secret::new(&p.auth_token),
        base_url: Some(sim.base_url()),
        options: Default::default(),
    }
}

fn closes(sim: &Sim, id: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.contains(id) && r.body.contains("Status=closed"))
        .count()
}

async fn bulk_close(d: &Desktop, ids: &[String]) -> subdesk_core::jobs::JobCounts {
    let items: Vec<ItemRef> = ids
        .iter()
        .map(|id| ItemRef {
            connection_id: d.conn.id,
            account_id: id.clone(),
        })
        .collect();
    let p = d.ws.bulk().preview(&items, Action::Close).await.unwrap();
    let confirmation = subdesk_core::confirm::Confirmation {
        typed: p.confirm_phrase.unwrap(),
        token: p.confirm_token.unwrap(),
    };
    let sink: JobSink = Arc::new(|_| {});
    match d
        .ws
        .bulk()
        .run(items, Action::Close, Some(&confirmation), sink)
        .await
    {
        Ok(counts) => counts,
        // The other desktop's intents appeared between this one's preview and its run (the
        // accounts are in doubt now): the run is refused, nothing sent, and the user asked to
        // look again; the other desktop closes them.
        Err(e) if e.code() == ErrorCode::ConfirmationMismatch => Default::default(),
        Err(e) => panic!("{e:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_desktops_closing_the_same_accounts_close_each_exactly_once() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(5),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let subs: Vec<String> = (0..40)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("Tenant {i:02}"), "active", 0)
        })
        .collect();
    let dana = desktop(&pg, &sim, &p, "Dana", "DESKTOP-1").await;
    let sam = desktop(&pg, &sim, &p, "Sam", "DESKTOP-2").await;

    let (a, b) = tokio::join!(bulk_close(&dana, &subs), bulk_close(&sam, &subs));
    for s in &subs {
        assert_eq!(closes(&sim, s), 1, "{s} closed exactly once");
    }
    assert_eq!(a.succeeded + b.succeeded, 40, "{a:?} {b:?}");
    assert_eq!(
        a.failed + b.failed + a.not_confirmed + b.not_confirmed,
        0,
        "{a:?} {b:?}"
    );

    // One trail: every close is in the shared database once, with its outcome.
    let owner = subdesk_team::connect(&pg.conninfo("postgres"))
        .await
        .unwrap();
    let row = owner
        .query_one(
            "SELECT count(*) FROM entries e JOIN outcomes o ON o.entry_id = e.id
             WHERE e.action = 'close' AND o.outcome = 'succeeded'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 40);
    // The server's counts (History's totals) agree with the rows, written at once by both.
    let off: i64 = owner
        .query_one(
            "SELECT count(*) FROM (
                SELECT action, outcome, count(*) AS n FROM entry_state GROUP BY 1, 2) s
             FULL JOIN (
                SELECT action, outcome, sum(n) AS n FROM trail_counts GROUP BY 1, 2
                HAVING sum(n) <> 0) c USING (action, outcome)
             WHERE s.n IS DISTINCT FROM c.n",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(off, 0, "trail_counts disagrees with entry_state");
    let desktops: i64 = owner
        .query_one(
            "SELECT count(DISTINCT desktop) FROM entries WHERE action = 'close'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(desktops >= 1);
    let claims: i64 = owner
        .query_one("SELECT count(*) FROM claims", &[])
        .await
        .unwrap()
        .get(0);
    // Released after each item (the release is sent when the claim is dropped).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let left: i64 = owner
        .query_one("SELECT count(*) FROM claims", &[])
        .await
        .unwrap()
        .get(0);
    assert!(left <= claims);
    assert_eq!(left, 0, "every claim given back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_desktop_is_told_who_holds_the_account_and_an_unknown_entry_is_seen_by_all() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Maple Street Bakery", "active", 0);
    let dana = desktop(&pg, &sim, &p, "Dana", "DESKTOP-1").await;
    let sam = desktop(&pg, &sim, &p, "Sam", "DESKTOP-2").await;

    // Dana's claim, taken as her action would.
    let desk = Desk::new(
        TeamPool::open(&pg.settings("subdesk_app"), "test").unwrap(),
        "Dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let key = subdesk_team::AccountKey {
        provider: "twilio".into(),
        parent_account: p.sid.clone(),
        account_id: sub.clone(),
    };
    assert_eq!(
        desk.claim(&key, "close").await.unwrap(),
        subdesk_team::Claimed::Ours
    );
    let e = sam
        .ws
        .apply(sam.conn.id, &sub, Action::Suspend, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Busy);
    let said = e.user_message();
    assert!(
        said.starts_with("Dana, on DESKTOP-1, started a Close ")
            && said.contains(" s ago. Nothing was sent"),
        "{said}"
    );
    desk.release(&key).await.unwrap();

    // Dana's close is lost in an outage and applied late: unknown on her desktop, and so
    // in doubt on Sam's.
    sim.plan_fault(subdesk_sim::ScriptedFault {
        target: sub.clone(),
        kind: subdesk_sim::FaultKind::GatewayTimeout,
        apply: subdesk_sim::Apply::After(Duration::from_secs(2)),
    });
    let p = dana
        .ws
        .preview(dana.conn.id, &sub, Action::Close)
        .await
        .unwrap();
    let confirmation = subdesk_core::confirm::Confirmation {
        typed: p.confirm_phrase.unwrap(),
        token: p.confirm_token.unwrap(),
    };
    let done = dana
        .ws
        .apply(dana.conn.id, &sub, Action::Close, Some(&confirmation))
        .await;
    assert!(done.is_err(), "not confirmed: {done:?}");
    let e = sam
        .ws
        .preview(sam.conn.id, &sub, Action::Close)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InDoubt, "{e:?}");
    let e = sam
        .ws
        .apply(sam.conn.id, &sub, Action::Suspend, None)
        .await
        .unwrap_err();
    // In doubt, or busy while Dana's desktop holds the account to re-read it for that very
    // entry (its check of an unknown outcome takes the claim): refused either way, nothing sent.
    assert!(
        matches!(e.code(), ErrorCode::InDoubt | ErrorCode::Busy),
        "{e:?}"
    );
    assert_eq!(closes(&sim, &sub), 1, "one close, from Dana");
    let suspends = sim
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST" && r.path.contains(&sub) && r.body.contains("Status=suspended")
        })
        .count();
    assert_eq!(suspends, 0, "Sam sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_the_local_history_in_copies_each_entry_once() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let subs: Vec<String> = (0..3)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("Tenant {i}"), "active", 0)
        })
        .collect();
    // A desktop that used the local history only, until now.
    let dir = tempfile::tempdir().unwrap();
    let ws = Arc::new(
        Workspace::new(WorkspaceConfig {
            settings: Arc::new(MemorySettings::default()),
            secrets: Arc::new(MemoryStore::default()),
            history_path: Some(dir.path().join("history.db")),
            http: HttpConfig::default(),
            retry: policy(),
            actor: "dana".into(),
        })
        .unwrap(),
    );
    let conn = ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();
    for s in &subs {
        ws.apply(conn.id, s, Action::Suspend, None).await.unwrap();
    }
    let desk = Desk::new(
        TeamPool::open(&pg.settings("subdesk_app"), "test").unwrap(),
        "Dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let history = ws.history().unwrap().clone();
    let conns = ws.saved_connections();
    let first = subdesk_team::move_in(&desk, &history, "desk-1", &conns)
        .await
        .unwrap();
    assert_eq!((first.copied, first.already, first.skipped), (3, 0, 0));
    assert_eq!(
        first.user_message(),
        "Copied 3 entries into the team history."
    );
    let again = subdesk_team::move_in(&desk, &history, "desk-1", &conns)
        .await
        .unwrap();
    assert_eq!((again.copied, again.already), (0, 3), "idempotent");
    assert_eq!(
        again.user_message(),
        "Copied 0 entries into the team history; 3 entries were there already."
    );
    let owner = subdesk_team::connect(&pg.conninfo("postgres"))
        .await
        .unwrap();
    let rows = owner
        .query(
            "SELECT e.account_id, e.action, o.outcome, e.started_at FROM entries e
             JOIN outcomes o ON o.entry_id = e.id ORDER BY e.account_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let local = history
        .query(&Default::default(), None, 10)
        .unwrap()
        .entries;
    for r in &rows {
        let (id, action, outcome): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        assert!(subs.contains(&id));
        assert_eq!(
            (action.as_str(), outcome.as_str()),
            ("suspend", "succeeded")
        );
        let started: chrono::DateTime<chrono::Utc> = r.get(3);
        let mine = local.iter().find(|e| e.account_id == id).unwrap();
        assert_eq!(
            started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            mine.started_at,
            "the entry keeps its own time"
        );
    }
}

/// A desktop that comes to an account after another desktop closed it skips it on the trail's
/// word (a closed account cannot be changed or reopened), without reading it again: in a race
/// the late desktops cost the provider nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_account_another_desktop_closed_is_skipped_without_a_request() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let subs: Vec<String> = (0..6)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("Tenant {i:02}"), "active", 0)
        })
        .collect();
    let dana = desktop(&pg, &sim, &p, "Dana", "DESKTOP-1").await;
    let sam = desktop(&pg, &sim, &p, "Sam", "DESKTOP-2").await;
    let items: Vec<ItemRef> = subs
        .iter()
        .map(|id| ItemRef {
            connection_id: sam.conn.id,
            account_id: id.clone(),
        })
        .collect();
    // Sam looked before Dana closed them; he confirms after.
    let preview = sam.ws.bulk().preview(&items, Action::Close).await.unwrap();
    let done = bulk_close(&dana, &subs).await;
    assert_eq!(done.succeeded, 6, "{done:?}");
    let before = sim.requests().len();
    let confirmation = subdesk_core::confirm::Confirmation {
        typed: preview.confirm_phrase.unwrap(),
        token: preview.confirm_token.unwrap(),
    };
    let sink: JobSink = Arc::new(|_| {});
    let late = sam
        .ws
        .bulk()
        .run(items, Action::Close, Some(&confirmation), sink)
        .await
        .unwrap();
    assert_eq!((late.succeeded, late.skipped), (0, 6), "{late:?}");
    let about_them = sim.requests()[before..]
        .iter()
        .filter(|r| subs.iter().any(|s| r.path.contains(s.as_str())))
        .count();
    assert_eq!(about_them, 0, "no request about an account Dana closed");
    for s in &subs {
        assert_eq!(closes(&sim, s), 1);
    }
    // A single action on one is refused with the sentence, before anything is sent.
    let e = sam
        .ws
        .apply(sam.conn.id, &subs[0], Action::Suspend, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::AlreadyClosed, "{e:?}");
}
