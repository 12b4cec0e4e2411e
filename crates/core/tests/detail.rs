//! The account detail (numbers and balance) of every provider against the simulator, over
//! real HTTP, and the workspace command that shows it.

mod common;

use common::*;
use subdesk_core::providers::ProviderApi;
use subdesk_core::secrets::Secret;
use subdesk_core::{Action, Error, Provider};
use subdesk_sim::{FaultKind, SimConfig};

#[tokio::test]
async fn twilio_lists_the_numbers_the_close_dialog_counts_and_no_subaccount_balance() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 3);
    let api = twilio(&sim, &p);
    let account = api.fetch(&sub).await.unwrap();
    let d = api.detail(&account).await.unwrap();
    let numbers = d.numbers.as_ref().expect("listed with the auth token");
    let impact = api.impact(&sub, Action::Close).await.unwrap();
    assert_eq!(Some(numbers.len() as u32), impact.numbers_released);
    assert_eq!(numbers.len(), 3);
    assert!(numbers.iter().all(|n| n.number.starts_with('+')));
    assert!(
        numbers.iter().all(|n| n.friendly_name.is_some()),
        "Twilio's national format differs from the E.164 number"
    );
    assert_eq!(d.numbers_note, None);
    // The spec: "child accounts do not contain balance information" (balance null).
    assert_eq!(d.balance, None);
    assert_eq!(
        d.balance_note.as_deref(),
        Some("Twilio does not report a balance for this subaccount.")
    );
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.path.ends_with(&format!("/Accounts/{sub}/Balance.json"))));
}

#[tokio::test]
async fn twilio_shows_a_subaccount_balance_when_twilio_reports_one() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Nimbus Travel", "active", 0);
    assert!(sim.twilio().set_balance(&sub, Some(("-3.17", "USD"))));
    let api = twilio(&sim, &p);
    let d = api.detail(&api.fetch(&sub).await.unwrap()).await.unwrap();
    let b = d.balance.expect("reported");
    assert_eq!(
        (b.amount.as_str(), b.currency.as_deref()),
        ("-3.17", Some("USD"))
    );
    assert_eq!(d.balance_note, None);
    assert_eq!(d.numbers.map(|n| n.len()), Some(0), "none, but listed");
}

#[tokio::test]
async fn twilio_api_key_cannot_list_a_subaccounts_numbers_and_says_so() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Foxglove Studio", "active", 2);
    let (key, secret) = sim.twilio().add_api_key(&p.sid);
    let api = subdesk_core::providers::twilio::TwilioApi::new(
        client(std::time::Duration::from_secs(5)),
        &sim.base_url(),
        &p.sid,
        key,
        Secret::new(secret),
        fast_retry(),
        limit(),
    );
    let d = api.detail(&api.fetch(&sub).await.unwrap()).await.unwrap();
    assert_eq!(d.numbers, None);
    assert!(d.numbers_note.unwrap().contains("API key cannot read"));
    assert_eq!(d.balance, None);
}

#[tokio::test]
async fn vonage_balance_is_its_own_or_shared_with_the_primary() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let own = sim
        .vonage()
        .add_subaccount(&key, "Birch Lane Florist", false, Some((42.5, 100.0)));
    let shared = sim
        .vonage()
        .add_subaccount(&key, "Nimbus Travel", false, None);
    let api = adapter(&sim, Provider::Vonage, &key, &secret);

    let d = api.detail(&api.fetch(&own).await.unwrap()).await.unwrap();
    let b = d.balance.expect("its own balance");
    assert_eq!(
        (b.amount.as_str(), b.credit_limit.as_deref()),
        ("42.50", Some("100.00"))
    );
    assert_eq!(d.numbers, None);
    assert_eq!(
        d.numbers_note.as_deref(),
        Some("Vonage does not list this account's phone numbers to Subdesk.")
    );

    let d = api
        .detail(&api.fetch(&shared).await.unwrap())
        .await
        .unwrap();
    assert_eq!(d.balance, None);
    assert!(d
        .balance_note
        .unwrap()
        .contains("uses the primary account's balance"));
}

#[tokio::test]
async fn telnyx_balance_comes_from_the_single_account_fetch() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let id = sim
        .telnyx()
        .add_account(&manager, "Harbor Logistics", false, false);
    let api = adapter(&sim, Provider::Telnyx, "", &key);
    let (rows, _, _) = list_all(api.as_ref()).await;
    let row = rows.into_iter().find(|r| r.id == id).unwrap();
    sim.clear_requests();
    let d = api.detail(&row).await.unwrap();
    let b = d.balance.expect("the fetch carries balance{…}");
    assert_eq!(
        (
            b.amount.as_str(),
            b.currency.as_deref(),
            b.credit_limit.as_deref()
        ),
        ("12.50", Some("USD"), Some("100.00"))
    );
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path.ends_with(&format!("/managed_accounts/{id}"))));
    assert_eq!(d.numbers, None);
}

#[tokio::test]
async fn vobiz_and_plivo_report_neither_in_plain_words() {
    let sim = sim(SimConfig::default()).await;
    let v = sim.vobiz().add_parent("Reseller");
    let sub = sim.vobiz().add_subaccount(&v.auth_id, "Acme Corp", true);
    let api = vobiz(&sim, &v);
    let d = api.detail(&api.fetch(&sub).await.unwrap()).await.unwrap();
    assert_eq!((d.numbers, d.balance), (None, None));
    assert_eq!(
        d.balance_note.as_deref(),
        Some("Vobiz does not report a balance for this account.")
    );

    let (main, token) = sim.plivo().add_main();
    let psub = sim.plivo().add_subaccount(&main, "Maple Clinic", true, 2);
    let api = adapter(&sim, Provider::Plivo, &main, &token);
    let d = api.detail(&api.fetch(&psub).await.unwrap()).await.unwrap();
    assert_eq!((d.numbers, d.balance), (None, None));
    assert_eq!(
        d.balance_note.as_deref(),
        Some("Plivo does not report a balance for this account.")
    );
}

#[tokio::test]
async fn the_workspace_shows_a_detail_and_says_plainly_when_it_cannot() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "closed", 4);
    let ws = workspace(fast_retry());
    let c = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    // Read-only: a closed account still has a detail. Twilio refuses reads of a closed
    // subaccount's numbers with 20003 (as for wrong credentials): said as it is.
    let view = ws.account_detail(c.id, &sub).await.unwrap();
    assert_eq!(view.row.id, sub);
    assert_eq!(view.row.name, "Bright Dental");
    assert_eq!(view.detail.numbers, None);
    assert_eq!(
        view.detail.numbers_note.as_deref(),
        Some("Twilio does not let Subdesk read a closed subaccount's phone numbers.")
    );
    assert!(view.updated.is_some());

    let missing = ws
        .account_detail(uuid::Uuid::new_v4(), &sub)
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");

    sim.set_faults(always(FaultKind::Unavailable));
    let down = ws.account_detail(c.id, &sub).await.unwrap_err();
    assert!(!down.user_message().is_empty());
    assert!(
        matches!(down, Error::Provider { .. } | Error::Network { .. }),
        "{down:?}"
    );
}
