//! The Plivo adapter against the simulator, over real HTTP.

mod common;

use common::*;
use subdesk_core::providers::catalog::Choices;
use subdesk_core::{Action, Error, Provider, Status};
use subdesk_sim::{FaultKind, FaultPlan, SimConfig};

#[tokio::test]
async fn lists_every_subaccount_20_at_a_time() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main();
    for i in 0..45 {
        sim.plivo()
            .add_subaccount(&main, &format!("Tenant {i}"), i % 5 != 0, 0);
    }
    sim.clear_requests();
    let api = adapter(&sim, Provider::Plivo, &main, &token);
    let (rows, pages, r) = list_all(api.as_ref()).await;
    assert_eq!(r.unwrap(), 45);
    assert_eq!(pages, 3);
    assert_eq!(sim.requests().len(), 3, "pages of 20 until total_count");
    assert!(sim.requests().iter().all(|q| q.query.contains("limit=20")));
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == Status::Suspended)
            .count(),
        9
    );
    assert!(rows
        .iter()
        .all(|r| r.id.starts_with("SA") && r.id.len() == 20));
}

#[tokio::test]
async fn suspend_keeps_the_name_and_delete_asks_about_numbers() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main();
    let a = sim.plivo().add_subaccount(&main, "Harbour Dental", true, 3);
    let b = sim.plivo().add_subaccount(&main, "Quayside Bikes", true, 2);
    let api = adapter(&sim, Provider::Plivo, &main, &token);

    let r = api.apply(&a, Action::Suspend).await.unwrap();
    assert_eq!(r.status_after, Status::Suspended);
    let state = sim.plivo().subaccount(&a).unwrap();
    assert!(!state.enabled);
    assert_eq!(
        state.name, "Harbour Dental",
        "the update sends the current name"
    );
    assert!(r.request_id.is_some(), "api_id from the body");
    api.apply(&a, Action::Reactivate).await.unwrap();
    assert!(sim.plivo().subaccount(&a).unwrap().enabled);

    // Default: numbers move to the main account.
    api.apply(&a, Action::Delete).await.unwrap();
    assert!(sim.plivo().subaccount(&a).is_none());
    assert_eq!(sim.plivo().main_numbers(&main), 3);
    // cascade=true: deleted with it.
    let mut cascade = Choices::new();
    cascade.insert("cascade".into(), true);
    api.apply_within(&b, Action::Delete, &cascade, 3)
        .await
        .unwrap();
    assert!(sim.plivo().subaccount(&b).is_none());
    assert_eq!(
        sim.plivo().main_numbers(&main),
        3,
        "cascaded numbers do not move"
    );
    assert!(
        sim.requests().iter().all(|q| !q.query.contains("cascade")),
        "cascade travels in the JSON body, never in the query"
    );

    // Gone: 404 is NotFound, never a crash.
    let e = api.fetch(&b).await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert!(api.apply(&b, Action::Close).await.is_err());
}

#[tokio::test]
async fn wrong_token_bad_bodies_and_server_errors_are_told_apart() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main();
    let sub = sim.plivo().add_subaccount(&main, "Lantern Books", true, 0);
    let wrong = adapter(&sim, Provider::Plivo, &main, "nope");
    assert!(matches!(wrong.verify().await, Err(Error::Auth { .. })));
    let api = adapter(&sim, Provider::Plivo, &main, &token);
    assert_eq!(api.verify().await.unwrap(), "Plivo Reseller");

    sim.set_faults_on_writes_only(true);
    sim.set_faults(always(FaultKind::ServerError));
    let e = api.apply(&sub, Action::Suspend).await.unwrap_err();
    assert!(e.ambiguous, "a 500 on a write may have applied it");
    assert!(
        matches!(e.error, Error::Provider { status: 500, .. }),
        "{:?}",
        e.error
    );
    sim.set_faults(FaultPlan::default());
    // Not a subaccount id at all: refused before the network.
    assert!(api.fetch("../x").await.is_err());
}

#[tokio::test]
async fn a_delete_through_the_workspace_keeps_the_choice_and_a_snapshot() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main();
    let sub = sim.plivo().add_subaccount(&main, "Orchard Vets", true, 4);
    let (ws, _) = workspace_with_secrets(fast_retry());
    let conn = connect(&ws, &sim, Provider::Plivo, &main, &token).await;
    let conf = confirmed(&ws, conn.id, &sub, Action::Delete).await;
    let mut cascade = Choices::new();
    cascade.insert("cascade".into(), true);
    ws.apply_with(conn.id, &sub, Action::Delete, Some(&conf), &cascade, None)
        .await
        .unwrap();
    let page = ws.history_query(&Default::default(), None, 10).unwrap();
    let entry = &page.entries[0];
    let snap: serde_json::Value = serde_json::from_str(entry.snapshot.as_deref().unwrap()).unwrap();
    assert_eq!(snap["name"], "Orchard Vets");
    assert_eq!(snap["choices"]["cascade"], true);
    // A question Plivo does not ask is refused.
    let mut typo = Choices::new();
    typo.insert("cascde".into(), true);
    assert!(ws
        .apply_with(conn.id, &sub, Action::Suspend, None, &typo, None)
        .await
        .is_err());
}

/// Plivo reads `cascade` from the DELETE's JSON body (as its SDKs send it); sent as a query
/// parameter it is lost and the numbers move to the main account whatever the user chose.
#[tokio::test]
async fn delete_sends_the_cascade_choice_in_a_json_body() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main();
    let keep = sim.plivo().add_subaccount(&main, "Juniper Yoga", true, 2);
    let gone = sim
        .plivo()
        .add_subaccount(&main, "Copper Kettle Cafe", true, 5);
    let api = adapter(&sim, Provider::Plivo, &main, &token);
    let mut yes = Choices::new();
    yes.insert("cascade".into(), true);
    api.apply_within(&gone, Action::Delete, &yes, 3)
        .await
        .unwrap();
    assert_eq!(
        sim.plivo().main_numbers(&main),
        0,
        "cascade=true deletes the numbers with the subaccount"
    );
    let mut no = Choices::new();
    no.insert("cascade".into(), false);
    api.apply_within(&keep, Action::Delete, &no, 3)
        .await
        .unwrap();
    assert_eq!(sim.plivo().main_numbers(&main), 2, "false moves them");
}

/// A subaccount's Auth ID (`SA…`) and token are real credentials, but they manage no
/// subaccounts: the connection form refuses them before any request, and says to use the
/// main account's (`MA…`).
#[tokio::test]
async fn a_subaccount_auth_id_is_refused_at_the_form() {
    let sim = sim(SimConfig::default()).await;
    let (main, _) = sim.plivo().add_main();
    let sub = sim.plivo().add_subaccount(&main, "Lantern Books", true, 0);
    let token = sim.plivo().subaccount_token(&sub).unwrap();
    sim.clear_requests();
    let ws = workspace(fast_retry());
    let e = ws
        .add_connection(&new_connection(&sim, Provider::Plivo, &sub, &token))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    let m = e.user_message();
    assert!(
        m.contains("subaccount") && m.contains("main account"),
        "{m}"
    );
    assert!(sim.requests().is_empty(), "refused before the network");
    let info = Provider::Plivo.info();
    let field = info.fields.iter().find(|f| f.key == "accountId").unwrap();
    let pattern = field.pattern.as_deref().unwrap();
    assert!(subdesk_core::providers::catalog::matches(pattern, &main));
    assert!(!subdesk_core::providers::catalog::matches(pattern, &sub));
}

/// Newest first with offsets: subaccounts created during a listing shift its pages and change
/// `meta.total_count`. Subdesk then lists again (as for Vobiz), so the ones created during the
/// first pass are shown, each once.
#[tokio::test]
async fn a_listing_whose_total_changed_is_read_again() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main();
    for i in 0..45 {
        sim.plivo()
            .add_subaccount(&main, &format!("Tenant {i}"), true, 0);
    }
    sim.plivo().set_created_per_page(1);
    let api = adapter(&sim, Provider::Plivo, &main, &token);
    let (rows, _, r) = list_all(api.as_ref()).await;
    let n = r.unwrap();
    let ids: std::collections::HashSet<_> = rows.iter().map(|s| s.id.clone()).collect();
    assert_eq!((ids.len(), n), (rows.len(), rows.len()), "no row twice");
    let all = sim.plivo().subaccounts(&main);
    let first_created = all
        .iter()
        .find(|(_, name)| name == "Created during a listing 45")
        .unwrap();
    assert!(
        ids.contains(&first_created.0),
        "the subaccount created after the first page is listed"
    );
    for (id, name) in &all {
        if name.starts_with("Tenant") {
            assert!(ids.contains(id), "{name} skipped");
        }
    }
}

/// The connection shows the main account's name, read from its account resource
/// (`GET /v1/Account/{auth_id}/`), not its Auth ID.
#[tokio::test]
async fn the_connection_shows_the_main_accounts_real_name() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main_named("Harbourside Telecom Ltd");
    let ws = workspace(fast_retry());
    let conn = connect(&ws, &sim, Provider::Plivo, &main, &token).await;
    assert_eq!(conn.parent_name.as_deref(), Some("Harbourside Telecom Ltd"));
    assert!(sim
        .requests()
        .iter()
        .any(|q| q.method == "GET" && q.path == format!("/v1/Account/{main}/")));
}
