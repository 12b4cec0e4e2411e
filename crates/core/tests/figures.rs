//! The Spend and Balance figures of every provider against the simulator, over real HTTP:
//! what each reports, what each says in words where it reports nothing, and a failed read
//! said as a sentence (never an error that would block a preview).

mod common;

use chrono::{Datelike, Utc};
use common::*;
use subdesk_core::providers::ProviderApi;
use subdesk_core::secrets::Secret;
use subdesk_core::Provider;
use subdesk_sim::{FaultKind, SimConfig};

#[tokio::test]
async fn twilio_spend_is_the_sum_of_the_daily_usage_records_in_one_request() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 2);
    assert!(sim.twilio().set_daily_spend(&sub, 12_500)); // $1.25 a day
    let api = twilio(&sim, &p);
    let account = api.fetch(&sub).await.unwrap();
    sim.clear_requests();
    let f = api.figures(&account).await.unwrap();

    let d30 = f.spend_30_days.expect("read");
    assert_eq!(
        (d30.amount.as_str(), d30.currency.as_deref()),
        ("37.5000", Some("USD"))
    );
    let days_this_month = Utc::now().date_naive().day() as f64;
    let month = f.spend_this_month.expect("read");
    assert_eq!(month.amount.parse::<f64>().unwrap(), 1.25 * days_this_month);
    assert_eq!(f.spend_note, None);
    assert_eq!(f.balance, None);
    assert_eq!(
        f.balance_note.as_deref(),
        Some("Shares the parent account's balance.")
    );
    assert!(f.read_at.ends_with('Z'));
    let requests = sim.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let r = &requests[0];
    assert_eq!(
        r.path,
        format!("/2010-04-01/Accounts/{sub}/Usage/Records/Daily.json")
    );
    assert!(r.query.contains("Category=totalprice"), "{}", r.query);
}

#[tokio::test]
async fn twilio_spend_of_an_account_that_spends_nothing_is_zero() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Quiet Tenant", "active", 0);
    let api = twilio(&sim, &p);
    let f = api.figures(&api.fetch(&sub).await.unwrap()).await.unwrap();
    assert_eq!(f.spend_30_days.unwrap().amount, "0.0000");
}

#[tokio::test]
async fn a_twilio_5xx_on_the_usage_read_is_a_sentence_not_an_error() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 0);
    let api = twilio(&sim, &p);
    let account = api.fetch(&sub).await.unwrap();
    sim.set_faults(always(FaultKind::Unavailable));
    let f = api.figures(&account).await.expect("never blocks");
    assert_eq!(f.spend_30_days, None);
    let note = f.spend_note.expect("says why");
    assert!(note.starts_with("Could not read the spend: "), "{note}");
    assert!(note.contains("Try again"), "{note}");
    assert_eq!(
        f.balance_note.as_deref(),
        Some("Shares the parent account's balance.")
    );
}

#[tokio::test]
async fn twilio_says_when_it_refuses_a_suspended_subaccounts_usage() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Late Payer", "suspended", 1);
    let api = twilio(&sim, &p);
    let f = api.figures(&api.fetch(&sub).await.unwrap()).await.unwrap();
    assert_eq!(
        f.spend_note.as_deref(),
        Some("Twilio does not let Subdesk read a suspended subaccount's spend.")
    );
    // The other reading of error 20003's causes: the usage is readable.
    sim.twilio().set_suspended_reads_refused(false);
    sim.twilio().set_daily_spend(&sub, 10_000);
    let f = api.figures(&api.fetch(&sub).await.unwrap()).await.unwrap();
    assert_eq!(f.spend_30_days.unwrap().amount, "30.0000");
}

#[tokio::test]
async fn a_twilio_api_key_cannot_read_a_subaccounts_usage_and_says_so() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Foxglove Studio", "active", 0);
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
    let f = api.figures(&api.fetch(&sub).await.unwrap()).await.unwrap();
    let note = f.spend_note.unwrap();
    assert!(
        note.contains("API key cannot read the subaccount's spend"),
        "{note}"
    );
}

#[tokio::test]
async fn vonage_balance_and_credit_limit_and_no_spend() {
    let sim = sim(SimConfig::default()).await;
    let (key, secret) = sim.vonage().add_primary("Reseller");
    let own = sim
        .vonage()
        .add_subaccount(&key, "Birch Lane Florist", false, Some((42.5, 100.0)));
    let shared = sim
        .vonage()
        .add_subaccount(&key, "Nimbus Travel", false, None);
    let api = adapter(&sim, Provider::Vonage, &key, &secret);
    let f = api.figures(&api.fetch(&own).await.unwrap()).await.unwrap();
    let b = f.balance.expect("its own");
    assert_eq!(
        (b.amount.as_str(), b.credit_limit.as_deref()),
        ("42.50", Some("100.00"))
    );
    assert_eq!(f.spend_30_days, None);
    assert!(f
        .spend_note
        .unwrap()
        .starts_with("Vonage does not report spend per subaccount"));
    let f = api
        .figures(&api.fetch(&shared).await.unwrap())
        .await
        .unwrap();
    assert_eq!(f.balance, None);
    assert!(f
        .balance_note
        .unwrap()
        .contains("primary account's balance"));
}

#[tokio::test]
async fn telnyx_balance_credit_limit_and_available_credit() {
    let sim = sim(SimConfig::default()).await;
    let (manager, key) = sim.telnyx().add_manager(true);
    let id = sim
        .telnyx()
        .add_account(&manager, "Harbor Logistics", false, false);
    let rollup = sim
        .telnyx()
        .add_account(&manager, "Rollup Tenant", false, false);
    sim.telnyx().set_rollup_billing(&rollup, true);
    let api = adapter(&sim, Provider::Telnyx, "", &key);
    let (rows, _, _) = list_all(api.as_ref()).await;
    let row = rows.iter().find(|r| r.id == id).unwrap();
    let f = api.figures(row).await.unwrap();
    let b = f.balance.expect("from the account's fetch");
    assert_eq!(
        (
            b.amount.as_str(),
            b.currency.as_deref(),
            b.credit_limit.as_deref(),
        ),
        ("12.50", Some("USD"), Some("100.00"))
    );
    assert!(b.available.is_some());
    assert!(f
        .spend_note
        .unwrap()
        .starts_with("Telnyx does not report spend per managed account"));
    let row = rows.iter().find(|r| r.id == rollup).unwrap();
    let f = api.figures(row).await.unwrap();
    assert_eq!(f.balance, None);
    assert!(f.balance_note.is_some());
}

#[tokio::test]
async fn plivo_and_vobiz_say_where_to_look_instead() {
    let sim = sim(SimConfig::default()).await;
    let (main, token) = sim.plivo().add_main();
    let psub = sim.plivo().add_subaccount(&main, "Maple Clinic", true, 2);
    let api = adapter(&sim, Provider::Plivo, &main, &token);
    sim.clear_requests();
    let f = api.figures(&api.fetch(&psub).await.unwrap()).await.unwrap();
    assert_eq!((f.spend_30_days, f.balance), (None, None));
    let note = f.spend_note.unwrap();
    assert!(
        note.starts_with("Plivo does not report spend per subaccount"),
        "{note}"
    );
    assert!(note.contains("Plivo console"), "{note}");
    assert_eq!(sim.requests().len(), 1, "the fetch only: nothing to read");

    let v = sim.vobiz().add_parent("Reseller");
    let sub = sim.vobiz().add_subaccount(&v.auth_id, "Acme Corp", true);
    let api = vobiz(&sim, &v);
    let f = api.figures(&api.fetch(&sub).await.unwrap()).await.unwrap();
    let note = f.spend_note.unwrap();
    assert!(
        note.starts_with("Vobiz does not report spend per sub-account"),
        "{note}"
    );
    assert!(note.contains("Vobiz console"), "{note}");
    assert_eq!(
        f.balance_note.as_deref(),
        Some("Vobiz does not report a balance for this account.")
    );
}
