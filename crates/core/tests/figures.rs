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

// ------------------------------------------------------------- the workspace's bounded read

mod reads {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use subdesk_core::figures::{FigureRow, FiguresEvent};
    use subdesk_core::jobs::ItemRef;
    use subdesk_core::{Settings, Workspace};

    /// A workspace with one Twilio connection of `n` seeded subaccounts, listed, at
    /// `concurrency`.
    async fn listed(
        sim: &subdesk_sim::Sim,
        n: usize,
        concurrency: u32,
    ) -> (Arc<Workspace>, Vec<ItemRef>) {
        let p = sim.twilio().add_parent("Reseller");
        sim.twilio().seed_subaccounts(&p.sid, n);
        sim.twilio().set_suspended_reads_refused(false);
        let ws = workspace(fast_retry());
        ws.set_settings(Settings {
            concurrency,
            ..Settings::default()
        })
        .unwrap();
        let c = connect(&ws, sim, Provider::Twilio, &p.sid, &p.auth_token).await;
        let rows = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&rows);
        ws.list_all(Arc::new(move |e| {
            if let subdesk_core::api::ListEvent::Page { rows, .. } = e {
                sink.lock().unwrap().extend(rows.into_iter().map(|r| r.id));
            }
        }))
        .await;
        let ids = rows.lock().unwrap().clone();
        let items = ids
            .into_iter()
            .map(|account_id| ItemRef {
                connection_id: c.id,
                account_id,
            })
            .collect();
        (ws, items)
    }

    fn collect() -> (
        Arc<Mutex<Vec<FigureRow>>>,
        subdesk_core::figures::FiguresSink,
    ) {
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&got);
        (
            got,
            Arc::new(move |e: FiguresEvent| {
                let FiguresEvent::Read { rows, done, total } = e;
                assert!(done <= total);
                sink.lock().unwrap().extend(rows);
            }),
        )
    }

    #[tokio::test]
    async fn every_row_is_read_once_at_the_connections_concurrency_in_the_order_asked() {
        let sim = sim(SimConfig::default()).await;
        let (ws, items) = listed(&sim, 60, 4).await;
        sim.set_latency(Duration::from_millis(20));
        sim.reset_in_flight_peaks();
        sim.clear_requests();
        let (got, sink) = collect();
        let done = ws.figures_read(&items, "r1", sink).await.unwrap();
        assert_eq!((done.done, done.total, done.stopped), (60, 60, false));
        let got = got.lock().unwrap().clone();
        assert_eq!(got.len(), 60);
        let seen: std::collections::HashSet<_> = got.iter().map(|r| &r.account_id).collect();
        assert_eq!(seen.len(), 60, "each once");
        assert_eq!(sim.requests().len(), 60, "one request a row");
        assert!(
            sim.max_in_flight_seen() <= 4,
            "{}",
            sim.max_in_flight_seen()
        );
        assert!(sim.max_in_flight_seen() >= 2, "reads go side by side");
        // The first rows asked are among the first read.
        let first: Vec<&String> = got.iter().take(8).map(|r| &r.account_id).collect();
        assert!(first.contains(&&items[0].account_id), "{first:?}");
        // Kept for the export, with the time each was read.
        let f = ws
            .figures_last(items[1].connection_id, &items[1].account_id)
            .unwrap();
        assert!(f.spend_30_days.is_some() || f.spend_note.is_some());
        assert!(!f.read_at.is_empty());
    }

    #[tokio::test]
    async fn a_stop_ends_the_read_and_keeps_what_was_read() {
        let sim = sim(SimConfig::default()).await;
        let (ws, items) = listed(&sim, 80, 2).await;
        sim.set_latency(Duration::from_millis(30));
        let (got, sink) = collect();
        let ws2 = Arc::clone(&ws);
        let stopper = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            ws2.figures_stop("r2");
        });
        let done = ws.figures_read(&items, "r2", sink).await.unwrap();
        stopper.await.unwrap();
        assert!(done.stopped);
        assert!(done.done > 0 && done.done < 80, "{done:?}");
        assert_eq!(got.lock().unwrap().len() as u32, done.done);
        // The two in flight at the stop are logged when the simulator ends them; no other.
        let sent = sim.requests().len();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let later = sim.requests().len();
        assert!(
            later <= sent + 2,
            "nothing new after the stop: {sent} then {later}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(sim.requests().len(), later);
    }

    #[tokio::test]
    async fn rows_that_scroll_into_view_are_read_next() {
        let sim = sim(SimConfig::default()).await;
        let (ws, items) = listed(&sim, 60, 1).await;
        sim.set_latency(Duration::from_millis(10));
        let (got, sink) = collect();
        let ws2 = Arc::clone(&ws);
        let wanted = items[55].clone();
        let w2 = wanted.clone();
        let mover = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(60)).await;
            ws2.figures_first("r3", &[w2]);
        });
        ws.figures_read(&items, "r3", sink).await.unwrap();
        mover.await.unwrap();
        let got = got.lock().unwrap();
        let at = got
            .iter()
            .position(|r| r.account_id == wanted.account_id)
            .unwrap();
        assert!(at < 30, "read {at}th, not last");
    }

    #[tokio::test]
    async fn a_failed_read_is_a_row_that_says_why_and_the_export_writes_the_figures() {
        let sim = sim(SimConfig::default()).await;
        let (ws, items) = listed(&sim, 3, 2).await;
        let (got, sink) = collect();
        ws.figures_read(&items, "r4", sink).await.unwrap();
        assert_eq!(got.lock().unwrap().len(), 3);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.csv");
        ws.accounts_export(&items, &path).unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let spend = header.iter().position(|h| h == "Spend (30 days)").unwrap();
        let note = header.iter().position(|h| h == "Figures note").unwrap();
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert!(rows.iter().all(|r| !r[spend].is_empty()), "{rows:?}");
        assert!(rows
            .iter()
            .all(|r| r[note].contains("Shares the parent account's balance.")));

        sim.set_faults(always(FaultKind::ServerError));
        let (got, sink) = collect();
        ws.figures_read(&items, "r5", sink).await.unwrap();
        let got = got.lock().unwrap();
        assert!(got.iter().all(|r| r
            .figures
            .spend_note
            .as_deref()
            .is_some_and(|n| n.starts_with("Could not read the spend"))));
    }

    #[tokio::test]
    async fn a_close_keeps_the_figures_that_were_shown_in_its_history_snapshot() {
        let sim = sim(SimConfig::default()).await;
        let (ws, items) = listed(&sim, 3, 2).await;
        let item = items[0].clone();
        sim.twilio().set_daily_spend(&item.account_id, 20_000);
        let (_, sink) = collect();
        ws.figures_read(std::slice::from_ref(&item), "r6", sink)
            .await
            .unwrap();
        let preview = ws
            .preview(
                item.connection_id,
                &item.account_id,
                subdesk_core::Action::Close,
            )
            .await
            .unwrap();
        let done = ws
            .apply(
                item.connection_id,
                &item.account_id,
                subdesk_core::Action::Close,
                Some(&subdesk_core::confirm::Confirmation {
                    typed: preview.confirm_phrase.unwrap(),
                    token: preview.confirm_token.unwrap(),
                }),
            )
            .await
            .unwrap();
        let entry = ws.history().unwrap().get(done.history_id).unwrap().unwrap();
        let snap: serde_json::Value =
            serde_json::from_str(entry.snapshot.as_deref().unwrap()).unwrap();
        assert_eq!(
            snap["figures_shown"]["spend30Days"]["amount"], "60.0000",
            "{snap}"
        );
        assert!(
            snap["numbers"].is_array(),
            "the snapshot itself is kept: {snap}"
        );
    }
}
