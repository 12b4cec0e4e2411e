//! Team history as the app turns it on and off ([`Team`]), against a real PostgreSQL and the
//! simulator over real HTTP: the workspace built from saved team settings acts through the
//! team's claims and its entries show in History's trail; off, the local history only; with
//! the server away, listing works, actions are refused with a sentence, and it recovers by
//! itself; *Move in* copies once; *Test* answers in a sentence; the password stays in the
//! keychain.

mod pg;

use std::sync::Arc;
use std::time::Duration;

use pg::{set_up, Pg};
use subdesk_core::history::{HistoryFilter, Outcome};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret, SecretStore};
use subdesk_core::{Action, ErrorCode, MemorySettings, Provider, Workspace, WorkspaceConfig};
use subdesk_sim::{Sim, SimConfig, TwilioParent};
use subdesk_team::{
    MemoryTeamStore, SavedTeam, Team, TeamInput, TeamSettings, TeamStore, PASSWORD_KEY,
};

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_tries: 2,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(30),
        settle_window: Duration::from_millis(150),
        late_apply_window: Duration::from_millis(300),
    }
}

struct App {
    ws: Arc<Workspace>,
    team: Team,
    store: Arc<MemoryTeamStore>,
    secrets: Arc<MemoryStore>,
    _dir: tempfile::TempDir,
}

/// A desktop as the app starts it, with `saved` in its settings file and `password` in its
/// keychain.
async fn app(saved: SavedTeam, password: Option<&str>, desktop: &str) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryTeamStore::default());
    store.save_team(&saved).unwrap();
    let secrets = Arc::new(MemoryStore::default());
    if let Some(p) = password {
        secrets.set(PASSWORD_KEY, &Secret::new(p)).unwrap();
    }
    let (ws, team) = Team::workspace(
        WorkspaceConfig {
            settings: Arc::new(MemorySettings::default()),
            secrets: secrets.clone(),
            history_path: Some(dir.path().join("history.db")),
            http: HttpConfig::default(),
            retry: policy(),
            actor: "dana".into(),
        },
        store.clone(),
        secrets.clone(),
        desktop.into(),
    )
    .await
    .unwrap();
    App {
        ws: Arc::new(ws),
        team,
        store,
        secrets,
        _dir: dir,
    }
}

fn on(settings: TeamSettings) -> SavedTeam {
    SavedTeam {
        enabled: true,
        settings: Some(settings),
        origin: None,
    }
}

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

fn suspends(sim: &Sim, id: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| {
            r.method == "POST" && r.path.contains(id) && r.body.contains("Status=suspended")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_workspace_from_team_settings_acts_through_the_team_and_its_entry_is_in_the_trail() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Maple Street Bakery", "active", 0);
    let dana = app(on(pg.settings("subdesk_app")), Some("test"), "DESKTOP-1").await;
    let conn = dana.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();
    dana.ws.list_all(Arc::new(|_| {})).await;

    let done = dana
        .ws
        .apply(conn.id, &sub, Action::Suspend, None)
        .await
        .unwrap();
    assert!(done.request_id.is_some(), "{done:?}");
    assert_eq!(suspends(&sim, &sub), 1);

    // History shows the team's trail: the entry, by whom and from which desktop, with its
    // outcome, under this desktop's connection.
    assert!(dana.team.shows_trail());
    let conns = dana.ws.saved_connections();
    let page = dana
        .team
        .history_page(&HistoryFilter::default(), &conns, None, 50)
        .await
        .unwrap();
    assert_eq!(page.total, 1, "{page:?}");
    let e = &page.entries[0];
    assert!(e.id < 0, "a team entry's id is never a local one: {}", e.id);
    assert_eq!(e.account_id, sub);
    assert_eq!(e.action, Some(Action::Suspend));
    assert_eq!(e.outcome, Outcome::Succeeded);
    assert_eq!(e.actor, "dana");
    assert_eq!(e.desktop.as_deref(), Some("DESKTOP-1"));
    assert_eq!(e.connection_id, conn.id.to_string());
    assert!(e.finished_at.is_some());
    // The account's own history across the team, and the filters and search of History.
    let of_account = HistoryFilter {
        connection_id: Some(conn.id.to_string()),
        account_id: Some(sub.clone()),
        ..Default::default()
    };
    let page = dana
        .team
        .history_page(&of_account, &conns, None, 20)
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    for (f, n) in [
        (
            HistoryFilter {
                text: Some("maple street".into()),
                ..Default::default()
            },
            1,
        ),
        (
            HistoryFilter {
                text: Some("DESKTOP-1".into()),
                ..Default::default()
            },
            1,
        ),
        (
            HistoryFilter {
                text: Some("100%".into()),
                ..Default::default()
            },
            0,
        ),
        (
            HistoryFilter {
                action: Some(Action::Close),
                ..Default::default()
            },
            0,
        ),
        (
            HistoryFilter {
                outcome: Some(Outcome::Succeeded),
                ..Default::default()
            },
            1,
        ),
        (
            HistoryFilter {
                from: Some("2999-01-01T00:00:00.000Z".into()),
                ..Default::default()
            },
            0,
        ),
    ] {
        let page = dana.team.history_page(&f, &conns, None, 20).await.unwrap();
        assert_eq!(page.entries.len(), n, "{f:?}");
    }
    // This desktop's own entry maps back to its local id (for *settle by hand*).
    let local = dana
        .ws
        .history()
        .unwrap()
        .query(&HistoryFilter::default(), None, 5)
        .unwrap();
    assert_eq!(
        dana.team.local_id(e.id).await.unwrap(),
        Some(local.entries[0].id)
    );

    // A second desktop sees Dana's entry in its History.
    let sam = app(on(pg.settings("subdesk_app")), Some("test"), "DESKTOP-2").await;
    let sam_conn = sam.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();
    let page = sam
        .team
        .history_page(
            &HistoryFilter::default(),
            &sam.ws.saved_connections(),
            None,
            50,
        )
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    assert_eq!(page.entries[0].connection_id, sam_conn.id.to_string());
    assert_eq!(sam.team.local_id(page.entries[0].id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn settings_save_the_password_in_the_keychain_only_and_turn_team_history_on_and_off() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim.twilio().add_subaccount(&p.sid, "Tenant", "active", 0);
    let a = app(SavedTeam::default(), None, "DESKTOP-1").await;
    assert!(!a.team.shows_trail(), "off by default");
    let conn = a.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();

    let input = |password: Option<&str>, enabled| TeamInput {
        enabled,
        settings: pg.settings("subdesk_app"),
        password: password.map(Secret::new),
    };
    // On without a password: refused with a sentence, nothing saved.
    let e = a.team.save(&a.ws, input(None, true)).await.unwrap_err();
    assert!(
        e.user_message().contains("password"),
        "{}",
        e.user_message()
    );
    assert!(!a.store.load_team().unwrap().enabled);
    // *Test* with a wrong password, then the right one.
    let t = a.team.test(input(Some("nope"), true)).await.unwrap();
    assert!(!t.ok);
    assert_eq!(
        t.message,
        "The team database refused the user name or password. Check them with whoever runs the database."
    );
    let t = a.team.test(input(Some("test"), true)).await.unwrap();
    assert!(t.ok, "{t:?}");
    assert!(t
        .message
        .starts_with("Connected: a Subdesk team history with 0 entries"));

    let view = a.team.save(&a.ws, input(Some("test"), true)).await.unwrap();
    assert!(
        view.enabled && view.password_saved && view.problem.is_none(),
        "{view:?}"
    );
    // The password is in the keychain, and nowhere in what is saved or shown.
    assert_eq!(
        a.secrets.get(PASSWORD_KEY).unwrap().unwrap().expose(),
        "test"
    );
    let saved = serde_json::to_string(&a.store.load_team().unwrap()).unwrap();
    let shown = serde_json::to_string(&view).unwrap();
    assert!(
        !saved.contains("test\"") && !shown.contains("\"test\""),
        "{saved} {shown}"
    );
    assert!(a.team.shows_trail());

    // On: the action goes into the team's trail.
    a.ws.apply(conn.id, &sub, Action::Suspend, None)
        .await
        .unwrap();
    let conns = a.ws.saved_connections();
    let page = a
        .team
        .history_page(&HistoryFilter::default(), &conns, None, 10)
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);

    // Off: the local history only; the saved password is kept for turning it on again.
    let view = a.team.save(&a.ws, input(None, false)).await.unwrap();
    assert!(!view.enabled && view.password_saved);
    assert!(!a.team.shows_trail());
    a.ws.apply(conn.id, &sub, Action::Reactivate, None)
        .await
        .unwrap();
    let page = a
        .team
        .history_page(&HistoryFilter::default(), &conns, None, 10)
        .await;
    assert!(page.is_err(), "no trail while off");
    let owner = subdesk_team::connect(&pg.conninfo("postgres"))
        .await
        .unwrap();
    let n: i64 = owner
        .query_one("SELECT count(*) FROM entries", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        n, 1,
        "the reactivation, made with team history off, stayed local"
    );

    // *Move in*, once: the local entry the team does not have yet is copied, the other not.
    a.team.save(&a.ws, input(None, true)).await.unwrap();
    assert_eq!(
        a.team.move_in(&a.ws).await.unwrap(),
        "Copied 1 entry into the team history; 1 entry was there already."
    );
    assert_eq!(
        a.team.move_in(&a.ws).await.unwrap(),
        "Copied 0 entries into the team history; 2 entries were there already."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_the_server_away_listing_works_actions_are_refused_and_it_recovers_by_itself() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim.twilio().add_subaccount(&p.sid, "Tenant", "active", 0);
    let a = app(on(pg.settings("subdesk_app")), Some("test"), "DESKTOP-1").await;
    let conn = a.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();

    pg.stop();
    let rows = Arc::new(std::sync::Mutex::new(0usize));
    let counted = Arc::clone(&rows);
    a.ws.list_all(Arc::new(move |ev| {
        if let subdesk_core::api::ListEvent::Page { rows, .. } = ev {
            *counted.lock().unwrap() += rows.len();
        }
    }))
    .await;
    assert_eq!(
        *rows.lock().unwrap(),
        1,
        "listing works with the server away"
    );
    let e =
        a.ws.apply(conn.id, &sub, Action::Suspend, None)
            .await
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Storage);
    assert!(
        e.user_message().starts_with(
            "Nothing was sent: Subdesk acts only once the team database has the action"
        ),
        "{}",
        e.user_message()
    );
    assert_eq!(suspends(&sim, &sub), 0, "nothing sent without a claim");

    // Back: the next action works without anything being done in the app.
    pg.restart();
    let done =
        a.ws.apply(conn.id, &sub, Action::Suspend, None)
            .await
            .unwrap();
    assert!(done.request_id.is_some(), "{done:?}");
    assert_eq!(suspends(&sim, &sub), 1);
    assert!(a.team.catch_up().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_history_on_without_a_password_refuses_actions_with_a_sentence() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim.twilio().add_subaccount(&p.sid, "Tenant", "active", 0);
    let settings = TeamSettings {
        host: "localhost".into(),
        port: 5432,
        database: "subdesk".into(),
        user: "subdesk_app".into(),
        ca_file: None,
        require_tls: false,
    };
    let a = app(on(settings), None, "DESKTOP-1").await;
    let conn = a.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();
    let view = a.team.view().await.unwrap();
    assert!(
        view.problem
            .as_deref()
            .is_some_and(|p| p.contains("password")),
        "{view:?}"
    );
    let e =
        a.ws.apply(conn.id, &sub, Action::Suspend, None)
            .await
            .unwrap_err();
    assert!(
        e.user_message()
            .contains("Enter the team database's password"),
        "{}",
        e.user_message()
    );
    assert_eq!(suspends(&sim, &sub), 0);
    // History shows this desktop's own history meanwhile; Move in says what is missing.
    assert!(!a.team.shows_trail());
    let e = a.team.move_in(&a.ws).await.unwrap_err();
    assert!(
        e.user_message()
            .starts_with("Enter the team database's password"),
        "{}",
        e.user_message()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_row_says_that_another_desktop_is_acting_on_the_account() {
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let held = sim.twilio().add_subaccount(&p.sid, "Held", "active", 0);
    let free = sim.twilio().add_subaccount(&p.sid, "Free", "active", 0);
    let sam = app(on(pg.settings("subdesk_app")), Some("test"), "DESKTOP-2").await;
    sam.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();

    // Dana's desktop takes the account, as her Close would.
    let dana = subdesk_team::Desk::new(
        subdesk_team::TeamPool::open(&pg.settings("subdesk_app"), "test").unwrap(),
        "Dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let key = subdesk_team::AccountKey {
        provider: "twilio".into(),
        parent_account: p.sid.clone(),
        account_id: held.clone(),
    };
    assert_eq!(
        dana.claim(&key, "close").await.unwrap(),
        subdesk_team::Claimed::Ours
    );

    let rows = listed(&sam.ws).await;
    let said = |id: &str| {
        rows.iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{id} listed"))
            .held_elsewhere
            .clone()
    };
    let sentence = said(&held).expect("the held row says so");
    assert!(
        sentence.starts_with("In progress on DESKTOP-1: Dana started a Close ")
            && sentence.ends_with(" s ago."),
        "{sentence}"
    );
    assert_eq!(said(&free), None);

    // Given back: the row no longer says it.
    dana.release(&key).await.unwrap();
    let rows = listed(&sam.ws).await;
    assert_eq!(
        rows.iter().find(|r| r.id == held).unwrap().held_elsewhere,
        None
    );
}

async fn listed(ws: &Arc<Workspace>) -> Vec<subdesk_core::api::AccountRow> {
    let rows = Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = Arc::clone(&rows);
    ws.list_all(Arc::new(move |ev| {
        if let subdesk_core::api::ListEvent::Page { rows, .. } = ev {
            into.lock().unwrap().extend(rows);
        }
    }))
    .await;
    let out = rows.lock().unwrap().clone();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_export_writes_the_team_trail_with_each_entrys_desktop() {
    use subdesk_core::history::ExportFormat;
    let pg = Pg::start();
    set_up(&pg).await;
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Reseller");
    let a_sub = sim
        .twilio()
        .add_subaccount(&p.sid, "=Tenant A", "active", 0);
    let b_sub = sim.twilio().add_subaccount(&p.sid, "Tenant B", "active", 0);
    let dana = app(on(pg.settings("subdesk_app")), Some("test"), "DESKTOP-1").await;
    let sam = app(on(pg.settings("subdesk_app")), Some("test"), "DESKTOP-2").await;
    let dc = dana.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();
    let sc = sam.ws.add_connection(&new_twilio(&sim, &p)).await.unwrap();
    dana.ws
        .apply(dc.id, &a_sub, Action::Suspend, None)
        .await
        .unwrap();
    sam.ws
        .apply(sc.id, &b_sub, Action::Suspend, None)
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("team.csv");
    let conns = dana.ws.saved_connections();
    let n = dana
        .team
        .export(
            &HistoryFilter::default(),
            &conns,
            ExportFormat::Csv,
            &csv_path,
        )
        .await
        .unwrap();
    assert_eq!(n, 2);
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",Display name,Reason,Desktop,Account as it was before (JSON)"),
        "{header}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[0].contains(&b_sub) && rows[0].contains(",DESKTOP-2,"),
        "newest first: {csv}"
    );
    assert!(
        rows[1].contains(",DESKTOP-1,") && rows[1].contains("'=Tenant A"),
        "cells made safe: {csv}"
    );

    let json_path = dir.path().join("team.json");
    let filter = HistoryFilter {
        text: Some("DESKTOP-1".into()),
        ..Default::default()
    };
    let n = sam
        .team
        .export(
            &filter,
            &sam.ws.saved_connections(),
            ExportFormat::Json,
            &json_path,
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json[0]["desktop"], "DESKTOP-1");
    assert_eq!(json[0]["accountId"], a_sub.as_str());
}
