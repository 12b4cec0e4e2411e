//! The Telnyx adapter against the simulator, over real HTTP.

mod common;

use common::*;
use subdesk_core::providers::catalog::Choices;
use subdesk_core::{Action, Error, ErrorCode, Provider, Status};
use subdesk_sim::{FaultKind, SimConfig};

#[tokio::test]
async fn lists_every_page_of_250_and_leaves_cancelled_accounts_out() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    for i in 0..520 {
        sim.telnyx()
            .add_account(&manager, &format!("Tenant {i}"), i % 7 == 0, false);
    }
    sim.telnyx().add_account(&manager, "Gone Ltd", true, true);
    sim.clear_requests();
    let api = adapter(&sim, Provider::Telnyx, "", &key);
    let (rows, pages, r) = list_all(api.as_ref()).await;
    assert_eq!(r.unwrap(), 520);
    assert_eq!((pages, sim.requests().len()), (3, 3));
    assert!(sim.requests()[0].query.contains("page%5Bsize%5D=250"));
    assert!(rows.iter().all(|r| r.name != "Gone Ltd"));
    // No status field: never pretended.
    assert!(rows
        .iter()
        .all(|r| r.status == Status::Unknown && r.provider_status == "not reported by Telnyx"));
    assert_eq!(
        subdesk_core::model::allowed_actions(Provider::Telnyx, Status::Unknown, false),
        vec![Action::Suspend, Action::Reactivate]
    );
}

#[tokio::test]
async fn disable_and_enable_with_the_connections_choice() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let acct = sim
        .telnyx()
        .add_account(&manager, "Helix Robotics", false, false);
    let api = adapter(&sim, Provider::Telnyx, "", &key);
    let r = api.apply(&acct, Action::Suspend).await.unwrap();
    assert_eq!(r.status_after, Status::Suspended);
    assert!(r.request_id.is_some());
    let state = sim.telnyx().account(&acct).unwrap();
    assert!(state.disabled && !state.connections_enabled);
    // Default: connections stay off.
    api.apply(&acct, Action::Reactivate).await.unwrap();
    let state = sim.telnyx().account(&acct).unwrap();
    assert!(!state.disabled && !state.connections_enabled);
    let mut all = Choices::new();
    all.insert("reenableAllConnections".into(), true);
    api.apply(&acct, Action::Suspend).await.unwrap();
    api.apply_within(&acct, Action::Reactivate, &all, 3)
        .await
        .unwrap();
    assert!(sim.telnyx().account(&acct).unwrap().connections_enabled);
    assert!(api.apply(&acct, Action::Delete).await.is_err());
}

#[tokio::test]
async fn documented_errors_read_as_what_they_mean() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let acct = sim
        .telnyx()
        .add_account(&manager, "Sparrow Logistics", false, false);
    assert!(matches!(
        adapter(&sim, Provider::Telnyx, "", "KEYwrong")
            .verify()
            .await,
        Err(Error::Auth { .. })
    ));
    let (_, not_manager) = sim.telnyx().add_manager(false);
    let e = adapter(&sim, Provider::Telnyx, "", &not_manager)
        .verify()
        .await
        .unwrap_err();
    // The documented answer is a 401, as for a wrong key: told apart by GET /v2/balance.
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(e.user_message().contains("Telnyx support"));
    let api = adapter(&sim, Provider::Telnyx, "", &key);
    assert!(matches!(
        api.fetch("00000000-0000-4000-8000-000000000000").await,
        Err(Error::NotFound { .. })
    ));
    sim.set_faults_on_writes_only(true);
    sim.set_faults(always(FaultKind::TooManyRequests));
    let e = api.apply(&acct, Action::Suspend).await.unwrap_err();
    assert!(matches!(e.error, Error::RateLimited { .. }));
    assert!(!e.ambiguous, "a 429 was not processed");
}

#[tokio::test]
async fn the_table_shows_the_last_action_subdesk_recorded() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let acct = sim
        .telnyx()
        .add_account(&manager, "Oakridge Legal", false, false);
    let (ws, _) = workspace_with_secrets(fast_retry());
    let conn = connect(&ws, &sim, Provider::Telnyx, "", &key).await;
    assert_eq!(conn.account_id, "");
    ws.apply(conn.id, &acct, Action::Suspend, None)
        .await
        .unwrap();
    let rows = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = {
        let rows = rows.clone();
        std::sync::Arc::new(move |ev: subdesk_core::api::ListEvent| {
            if let subdesk_core::api::ListEvent::Page { rows: r, .. } = ev {
                rows.lock().unwrap().extend(r);
            }
        })
    };
    ws.list_all(sink).await;
    let rows = rows.lock().unwrap();
    let row = rows.iter().find(|r| r.id == acct).unwrap();
    assert_eq!(row.status, Status::Unknown);
    let recorded = row.recorded.as_deref().unwrap();
    assert!(
        recorded.starts_with("Subdesk suspended it on "),
        "{recorded}"
    );
}

#[tokio::test]
async fn cancelled_accounts_are_listed_only_on_request_and_shown_closed_with_no_action() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    for i in 0..260 {
        sim.telnyx()
            .add_account(&manager, &format!("Tenant {i}"), false, false);
    }
    let gone = sim.telnyx().add_account(&manager, "Gone Ltd", true, true);
    let conn = subdesk_core::Connection {
        id: uuid::Uuid::new_v4(),
        provider: Provider::Telnyx,
        label: "Test".into(),
        account_id: String::new(),
        base_url: sim.base_url(),
        parent_name: None,
        demo: false,
        options: [("includeCancelled".to_string(), "yes".to_string())].into(),
    };
    let api = Provider::Telnyx.spec().adapter(
        &conn,
        subdesk_core::secrets::Secret::new(&key),
        subdesk_core::providers::catalog::AdapterParts {
            client: client(std::time::Duration::from_secs(5)),
            max_body: 1 << 20,
            retry: fast_retry(),
            limit: limit(),
        },
    );
    sim.clear_requests();
    let (rows, _, r) = list_all(api.as_ref()).await;
    assert_eq!(r.unwrap(), 261);
    let cancelled: Vec<_> = rows.iter().filter(|r| r.status == Status::Closed).collect();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        (
            cancelled[0].id.as_str(),
            cancelled[0].provider_status.as_str()
        ),
        (gone.as_str(), "cancelled at Telnyx")
    );
    assert!(
        subdesk_core::model::allowed_actions(Provider::Telnyx, Status::Closed, false).is_empty()
    );
    // Two listings of 2 pages each: the flag only on the second.
    let queries: Vec<String> = sim.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(queries.len(), 4);
    assert_eq!(
        queries
            .iter()
            .filter(|q| q.contains("include_cancelled_accounts=true"))
            .count(),
        2
    );
}

#[tokio::test]
async fn the_form_asks_for_cancelled_accounts_and_the_saved_connection_keeps_the_answer() {
    let info = Provider::Telnyx.info();
    assert!(info.lists_cancelled_on_request);
    let field = info
        .fields
        .iter()
        .find(|f| f.key == subdesk_core::providers::telnyx::INCLUDE_CANCELLED)
        .expect("the Telnyx form asks");
    assert_eq!(
        field.options.first().map(|o| o.value.as_str()),
        Some("no"),
        "off by default"
    );
    for p in [
        Provider::Twilio,
        Provider::Vobiz,
        Provider::Plivo,
        Provider::Vonage,
    ] {
        assert!(!p.info().lists_cancelled_on_request, "{p:?}");
    }
}

#[tokio::test]
async fn a_connection_saved_with_cancelled_accounts_lists_them_and_one_saved_without_does_not() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    sim.telnyx().add_account(&manager, "Open Ltd", false, false);
    sim.telnyx().add_account(&manager, "Gone Ltd", true, true);
    let ws = workspace(fast_retry());
    let mut with = new_connection(&sim, Provider::Telnyx, "", &key);
    with.options.insert("includeCancelled".into(), "yes".into());
    let conn = ws.add_connection(&with).await.unwrap();
    assert_eq!(conn.option("includeCancelled"), Some("yes"));
    let api = ws.api_for(&conn).await.unwrap();
    let (rows, _, _) = list_all(api.as_ref()).await;
    assert_eq!(rows.len(), 2);
    ws.remove_connection(conn.id).await.unwrap();

    // No answer (or "no") keeps them out.
    let conn = connect(&ws, &sim, Provider::Telnyx, "", &key).await;
    assert_ne!(conn.option("includeCancelled"), Some("yes"));
    let (rows, _, _) = list_all(ws.api_for(&conn).await.unwrap().as_ref()).await;
    assert_eq!(
        rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Open Ltd"]
    );
}

/// Both actions document a 422 whose `detail` says why (here: enabling an account that is
/// already enabled). Subdesk shows Telnyx's words, says it was not done, and sends it once.
#[tokio::test]
async fn a_422_shows_telnyx_detail_and_is_sent_once() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let acct = sim
        .telnyx()
        .add_account(&manager, "Tidewater Marina", false, false);
    let (ws, _) = workspace_with_secrets(fast_retry());
    let conn = connect(&ws, &sim, Provider::Telnyx, "", &key).await;
    sim.clear_requests();
    let e = ws
        .apply(conn.id, &acct, Action::Reactivate, None)
        .await
        .unwrap_err();
    let posts = sim.requests().iter().filter(|q| q.method == "POST").count();
    assert_eq!(posts, 1, "a 422 is an answer: never sent again");
    // One sentence of what Subdesk verified; Telnyx's own words go to Details.
    assert_eq!(
        e.user_message(),
        "Telnyx refused the request and gave its reasons. Nothing was changed. Check the account in the Telnyx console before you try again."
    );
    let words = e.to_ui().details.unwrap_or_default();
    assert!(words.starts_with("HTTP 422"), "{words}");
    assert!(
        words.contains("The managed account is already enabled"),
        "{words}"
    );
    // The adapter says the same, and the refusal is not ambiguous.
    let api = adapter(&sim, Provider::Telnyx, "", &key);
    let e = api.apply(&acct, Action::Reactivate).await.unwrap_err();
    assert!(!e.ambiguous);
    assert_eq!(e.error.code(), ErrorCode::Refused);
}

/// Every `meta` field is optional in the spec: without `total_pages`, Subdesk pages on until
/// a short or empty page. It always asks for `sort=created_at`, since the spec gives two
/// different orders for a list that names none.
#[tokio::test]
async fn a_list_without_meta_is_paged_to_a_short_page_in_an_explicit_order() {
    for n in [520usize, 500] {
        let sim = sim(SimConfig {
            telnyx: subdesk_sim::TelnyxConfig {
                list_without_meta: true,
                ..Default::default()
            },
            ..SimConfig::default()
        })
        .await;
        let (manager, key) = sim.telnyx().add_manager(true);
        for i in 0..n {
            sim.telnyx()
                .add_account(&manager, &format!("Tenant {i}"), false, false);
        }
        sim.clear_requests();
        let api = adapter(&sim, Provider::Telnyx, "", &key);
        let (rows, _, r) = list_all(api.as_ref()).await;
        assert_eq!(r.unwrap(), n);
        assert_eq!(rows.len(), n);
        // 520: 250, 250, 20 (short); 500: 250, 250, 0 (empty).
        assert_eq!(sim.requests().len(), 3);
        assert!(
            sim.requests()
                .iter()
                .all(|q| q.query.contains("sort=created_at")),
            "{:?}",
            sim.requests()
        );
    }
}

/// The spec documents only 200 and 401 ("the current user is not a manager account") for the
/// list, and a wrong key gets 401 too. Subdesk asks `GET /v2/balance`, which any valid key may
/// read, and says which it is: a wrong key, or a key whose account is not a manager. The
/// undocumented 403/10010 is read the same way.
#[tokio::test]
async fn a_key_that_is_not_a_managers_is_told_from_a_wrong_key() {
    for telnyx_not_manager_403 in [false, true] {
        let sim = sim(SimConfig {
            telnyx: subdesk_sim::TelnyxConfig {
                not_manager_403: telnyx_not_manager_403,
                ..Default::default()
            },
            ..SimConfig::default()
        })
        .await;
        let (_, key) = sim.telnyx().add_manager(false);
        sim.clear_requests();
        let e = adapter(&sim, Provider::Telnyx, "", &key)
            .verify()
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            ErrorCode::Forbidden,
            "{telnyx_not_manager_403}: {e:?}"
        );
        let m = e.user_message();
        assert!(
            m.contains("accepted the credentials") && m.contains("manager"),
            "{m}"
        );
        let (ws, _) = workspace_with_secrets(fast_retry());
        let e = ws
            .add_connection(&new_connection(&sim, Provider::Telnyx, "", &key))
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden);

        let e = adapter(&sim, Provider::Telnyx, "", "KEYwrong")
            .verify()
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Auth, "a wrong key stays a wrong key");
    }
}

/// The detail shows `available_credit` beside the balance, and a `rollup_billing` account
/// says it uses the manager account's balance instead of showing one of its own.
#[tokio::test]
async fn rollup_accounts_use_the_managers_balance_and_available_credit_is_shown() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let own = sim
        .telnyx()
        .add_account(&manager, "Maple Street Clinic", false, false);
    let rollup = sim
        .telnyx()
        .add_account(&manager, "Helix Robotics", false, false);
    sim.telnyx().set_rollup_billing(&rollup, true);
    let api = adapter(&sim, Provider::Telnyx, "", &key);
    let (rows, _, _) = list_all(api.as_ref()).await;
    let row = |id: &str| rows.iter().find(|r| r.id == id).unwrap().clone();
    let d = api.detail(&row(&own)).await.unwrap();
    let b = d.balance.unwrap();
    assert_eq!(b.available.as_deref(), Some("112.50"));
    let d = api.detail(&row(&rollup)).await.unwrap();
    assert_eq!(
        d.balance, None,
        "zeros of a rollup account are not its balance"
    );
    let note = d.balance_note.unwrap();
    assert!(
        note.contains("uses the manager account's balance"),
        "{note}"
    );
}
