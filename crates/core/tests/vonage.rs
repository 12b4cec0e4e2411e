//! The Vonage adapter against the simulator, over real HTTP.

mod common;

use common::*;
use subdesk_core::{Action, Error, ErrorCode, Provider, Status};
use subdesk_sim::{FaultKind, SimConfig, VonagePatchAnswer};

#[tokio::test]
async fn lists_subaccounts_in_one_answer_without_the_primary() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let own = sim
        .vonage()
        .add_subaccount(&key, "Birch Lane Florist", false, Some((42.5, 100.0)));
    let shared = sim
        .vonage()
        .add_subaccount(&key, "Nimbus Travel", true, None);
    let api = adapter(&sim, Provider::Vonage, &key, &secret);
    assert_eq!(api.verify().await.unwrap(), "Reseller");
    sim.clear_requests();
    let (rows, pages, r) = list_all(api.as_ref()).await;
    assert_eq!(r.unwrap(), 2);
    assert_eq!((pages, sim.requests().len()), (1, 1));
    assert!(rows.iter().all(|r| r.id != key), "the primary is left out");
    let own_row = rows.iter().find(|r| r.id == own).unwrap();
    assert_eq!(own_row.status, Status::Active);
    assert!(
        own_row
            .provider_status
            .contains("balance 42.50, credit limit 100.00"),
        "{}",
        own_row.provider_status
    );
    let shared_row = rows.iter().find(|r| r.id == shared).unwrap();
    assert_eq!(shared_row.status, Status::Suspended);
    assert!(shared_row
        .provider_status
        .contains("primary account's balance"));
}

#[tokio::test]
async fn suspend_and_reactivate_are_a_json_patch_and_nothing_else_is_offered() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let sub = sim
        .vonage()
        .add_subaccount(&key, "Foxglove Studio", false, None);
    let api = adapter(&sim, Provider::Vonage, &key, &secret);
    let r = api.apply(&sub, Action::Suspend).await.unwrap();
    assert_eq!(r.status_after, Status::Suspended);
    assert!(sim.vonage().subaccount(&sub).unwrap().suspended);
    assert!(sim.requests().iter().any(|q| q.method == "PATCH"));
    api.apply(&sub, Action::Reactivate).await.unwrap();
    assert!(!sim.vonage().subaccount(&sub).unwrap().suspended);
    for a in [Action::Close, Action::Delete] {
        assert!(api.apply(&sub, a).await.is_err());
        assert!(
            !subdesk_core::model::allowed_actions(Provider::Vonage, Status::Active, false)
                .contains(&a)
        );
    }
    assert!(matches!(
        api.apply(&key, Action::Suspend).await.unwrap_err().error,
        Error::ParentAccount
    ));
}

#[tokio::test]
async fn documented_errors_read_as_what_they_mean() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let sub = sim
        .vonage()
        .add_subaccount(&key, "Granite Builders", false, None);
    // 401: wrong secret.
    let wrong = adapter(&sim, Provider::Vonage, &key, "nope");
    assert!(matches!(wrong.verify().await, Err(Error::Auth { .. })));
    // 403: not enabled for the Subaccounts API, and the sentence says who can enable it.
    sim.vonage().set_subaccounts_enabled(&key, false);
    let api = adapter(&sim, Provider::Vonage, &key, &secret);
    let e = api.verify().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(
        e.user_message().contains("Vonage account manager"),
        "{}",
        e.user_message()
    );
    sim.vonage().set_subaccounts_enabled(&key, true);
    // 404: an unknown subaccount.
    assert!(matches!(
        api.fetch("ffffffff").await,
        Err(Error::NotFound { .. })
    ));
    // 5xx on a write: ambiguous, with the problem body's instance as request id.
    sim.set_faults_on_writes_only(true);
    sim.set_faults(always(FaultKind::ServerError));
    let e = api.apply(&sub, Action::Suspend).await.unwrap_err();
    assert!(e.ambiguous);
    assert!(e.request_id.is_some());
    // A gateway's HTML page is not mistaken for a Vonage answer.
    sim.set_faults(always(FaultKind::BadGateway));
    let e = api.apply(&sub, Action::Suspend).await.unwrap_err();
    assert!(e.ambiguous);
}

/// A PATCH answered 200 whose body still shows the old state: Subdesk reads the subaccount
/// again; changed, it is done; still as before, it says so in plain words ("Vonage answered,
/// but the subaccount is still active"), not "an answer Subdesk does not understand".
#[tokio::test]
async fn a_patch_answer_that_shows_the_old_state_is_read_again() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let sub = sim
        .vonage()
        .add_subaccount(&key, "Foxglove Studio", false, None);
    let (ws, _) = workspace_with_secrets(fast_retry());
    let conn = connect(&ws, &sim, Provider::Vonage, &key, &secret).await;
    // Applied, but the answer is stale: the re-read shows it done.
    sim.vonage().set_patch_answer(VonagePatchAnswer::Stale);
    let done = ws
        .apply(conn.id, &sub, Action::Suspend, None)
        .await
        .unwrap();
    assert_eq!(done.row.status, Status::Suspended);
    // Not applied: said plainly, and not sent again.
    sim.vonage().set_patch_answer(VonagePatchAnswer::Ignored);
    sim.clear_requests();
    let e = ws
        .apply(conn.id, &sub, Action::Reactivate, None)
        .await
        .unwrap_err();
    let m = e.user_message();
    assert!(
        m.starts_with("Vonage answered, but the subaccount is still suspended."),
        "{m}"
    );
    let patches = sim
        .requests()
        .iter()
        .filter(|q| q.method == "PATCH")
        .count();
    assert_eq!(patches, 1);
}

/// Balances keep the 4 decimals Vonage sends, and a credit limit may be negative (the spec's
/// own example is -100.25).
#[tokio::test]
async fn balances_keep_vonage_precision_and_negative_credit_limits() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let sub =
        sim.vonage()
            .add_subaccount(&key, "Birch Lane Florist", false, Some((42.1234, -100.25)));
    let api = adapter(&sim, Provider::Vonage, &key, &secret);
    let (rows, _, _) = list_all(api.as_ref()).await;
    let row = rows.iter().find(|r| r.id == sub).unwrap();
    assert!(
        row.provider_status
            .contains("balance 42.1234, credit limit -100.25"),
        "{}",
        row.provider_status
    );
    let detail = api.detail(row).await.unwrap();
    let b = detail.balance.unwrap();
    assert_eq!(b.amount, "42.1234");
    assert_eq!(b.credit_limit.as_deref(), Some("-100.25"));
}

/// A 422's `invalid_parameters` say why: Subdesk shows each reason.
#[tokio::test]
async fn a_422_shows_its_invalid_parameters() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let sub = sim
        .vonage()
        .add_subaccount(&key, "Granite Builders", false, None);
    sim.vonage().refuse_patch(
        &sub,
        "suspended",
        "A subaccount with a pending transfer cannot be suspended",
    );
    let api = adapter(&sim, Provider::Vonage, &key, &secret);
    let e = api.apply(&sub, Action::Suspend).await.unwrap_err();
    assert!(!e.ambiguous);
    let m = e.error.user_message();
    assert!(!m.contains("pending transfer"), "{m}");
    let words = e.error.provider_words().unwrap_or_default();
    assert!(
        words.contains("suspended: A subaccount with a pending transfer cannot be suspended"),
        "{words}"
    );
}
