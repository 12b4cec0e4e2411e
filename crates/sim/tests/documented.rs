//! Provider behaviours from the documents that a first real account meets and our first
//! simulator did not show: API key kinds, a subaccount's own credentials, closed accounts
//! purged after 30 days, gateway failures and late-applied writes.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use subdesk_sim::{FaultKind, FaultPlan, SimConfig, TwilioKeyKind};

fn plan(rate: f64, kinds: &[FaultKind]) -> FaultPlan {
    FaultPlan {
        rate,
        kinds: kinds.to_vec(),
    }
}

fn numbers_path(sid: &str) -> String {
    format!("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json")
}

#[tokio::test]
async fn a_main_key_manages_accounts_but_cannot_read_a_subaccounts_numbers() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "Customer", "active", 3);
    let (key, secret) = sim
        .twilio()
        .add_api_key_of_kind(&p.sid, TwilioKeyKind::Main);
    let http = client();
    let get = |path: String| {
        http.get(format!("{}{path}", sim.base_url()))
            .basic_auth(&key, Some(&secret))
            .send()
    };
    assert_eq!(
        get("/2010-04-01/Accounts.json".into())
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get(format!("/2010-04-01/Accounts/{sub}.json"))
            .await
            .unwrap()
            .status(),
        200
    );
    // The parent's own numbers are main-account resources: allowed.
    assert_eq!(get(numbers_path(&p.sid)).await.unwrap().status(), 200);
    // The subaccount's numbers: denied with Twilio's 401.
    let (status, body) = status_json(get(numbers_path(&sub)).await.unwrap()).await;
    assert_eq!((status, body["code"].clone()), (401, json!(20003)));
}

#[tokio::test]
async fn whether_a_main_key_may_change_a_subaccount_is_a_knob() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "Customer", "active", 0);
    let (key, secret) = sim.twilio().add_api_key(&p.sid);
    let http = client();
    let post = |status: &'static str| {
        http.post(format!("{}/2010-04-01/Accounts/{sub}.json", sim.base_url()))
            .basic_auth(&key, Some(&secret))
            .form(&[("Status", status)])
            .send()
    };
    assert_eq!(post("suspended").await.unwrap().status(), 200);
    sim.twilio().set_main_key_writes_subaccounts(false);
    let (status, body) = status_json(post("active").await.unwrap()).await;
    assert_eq!((status, body["code"].clone()), (401, json!(20003)));
    assert_eq!(sim.twilio().account(&sub).unwrap().status, "suspended");
}

#[tokio::test]
async fn a_standard_key_cannot_use_the_accounts_resource() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    sim.twilio().add_subaccount(&p.sid, "Customer", "active", 0);
    let (key, secret) = sim
        .twilio()
        .add_api_key_of_kind(&p.sid, TwilioKeyKind::Standard);
    let http = client();
    for path in [
        "/2010-04-01/Accounts.json".to_string(),
        format!("/2010-04-01/Accounts/{}.json", p.sid),
    ] {
        let resp = http
            .get(format!("{}{path}", sim.base_url()))
            .basic_auth(&key, Some(&secret))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{path}");
    }
    // Everything else of its own account is open to it.
    let resp = http
        .get(format!("{}{}", sim.base_url(), numbers_path(&p.sid)))
        .basic_auth(&key, Some(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_subaccounts_own_credentials_see_only_that_subaccount() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "Customer", "active", 0);
    sim.twilio().add_subaccount(&p.sid, "Sibling", "active", 0);
    let token = sim.twilio().auth_token(&sub).unwrap();
    let http = client();
    let get = |path: String| {
        http.get(format!("{}{path}", sim.base_url()))
            .basic_auth(&sub, Some(&token))
            .send()
    };
    let (status, me) = status_json(
        get(format!("/2010-04-01/Accounts/{sub}.json"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["owner_account_sid"], json!(p.sid));
    let (_, list) = status_json(get("/2010-04-01/Accounts.json".into()).await.unwrap()).await;
    let sids: Vec<_> = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["sid"].clone())
        .collect();
    assert_eq!(sids, vec![json!(sub)]);
    // The parent is out of its reach.
    let resp = get(format!("/2010-04-01/Accounts/{}.json", p.sid))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn closed_subaccounts_are_purged_and_then_answer_404() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let closed = sim.twilio().add_subaccount(&p.sid, "Gone", "closed", 0);
    let open = sim.twilio().add_subaccount(&p.sid, "Here", "active", 0);
    assert_eq!(sim.twilio().purge_closed(), 1);
    let http = client();
    let resp = tw_get(
        &http,
        &sim,
        &p,
        &format!("/2010-04-01/Accounts/{closed}.json"),
    )
    .await;
    assert_eq!(status_json(resp).await.1["code"], json!(20404));
    // With the knob on, a close is answered, then the account is gone at once.
    sim.twilio().set_purge_closed(true);
    let (status, body) =
        status_json(tw_update(&http, &sim, &p, &open, &[("Status", "closed")]).await).await;
    assert_eq!((status, body["status"].clone()), (200, json!("closed")));
    let resp = tw_get(
        &http,
        &sim,
        &p,
        &format!("/2010-04-01/Accounts/{open}.json"),
    )
    .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn gateway_failures_are_html_and_may_have_applied() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(
            1.0,
            &[
                FaultKind::BadGateway,
                FaultKind::GatewayTimeout,
                FaultKind::Unavailable,
            ],
        ),
        ..SimConfig::default()
    })
    .await;
    let subs: Vec<String> = (0..40)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("S{i}"), "active", 0)
        })
        .collect();
    let http = client();
    for sub in &subs {
        let resp = tw_update(&http, &sim, &p, sub, &[("Status", "suspended")]).await;
        let status = resp.status().as_u16();
        assert!([502, 503, 504].contains(&status), "{status}");
        let body = resp.text().await.unwrap();
        if status != 503 {
            assert!(body.starts_with("<html>"), "{body}");
        }
    }
    let recs = sim.requests();
    for (sub, rec) in subs.iter().zip(&recs) {
        let suspended = sim.twilio().account(sub).unwrap().status == "suspended";
        assert_eq!(rec.applied, suspended, "{sub}");
    }
    // Each kind, 503 included, sometimes applied the change and sometimes not.
    for kind in [
        FaultKind::BadGateway,
        FaultKind::GatewayTimeout,
        FaultKind::Unavailable,
    ] {
        let of_kind: Vec<_> = recs.iter().filter(|r| r.fault == Some(kind)).collect();
        assert!(of_kind.iter().any(|r| r.applied), "{kind:?} never applied");
        assert!(
            of_kind.iter().any(|r| !r.applied),
            "{kind:?} always applied"
        );
    }
}

#[tokio::test]
async fn a_late_write_is_invisible_right_after_its_failure() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(1.0, &[FaultKind::ServerError]),
        apply_delay: Duration::from_millis(300),
        rng_seed: 3,
        ..SimConfig::default()
    })
    .await;
    let subs: Vec<String> = (0..12)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("S{i}"), "active", 0)
        })
        .collect();
    let http = client();
    for sub in &subs {
        let resp = tw_update(&http, &sim, &p, sub, &[("Status", "closed")]).await;
        assert_eq!(resp.status(), 500);
    }
    // Straight after the failures nothing is visible yet.
    assert!(subs
        .iter()
        .all(|s| sim.twilio().account(s).unwrap().status == "active"));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let closed = subs
        .iter()
        .filter(|s| sim.twilio().account(s).unwrap().status == "closed")
        .count();
    assert!(closed > 0 && closed < subs.len(), "closed {closed}");
    let applied = sim.requests().iter().filter(|r| r.applied).count();
    assert_eq!(applied, closed);
}

#[tokio::test]
async fn faults_can_spare_reads() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(1.0, &[FaultKind::ServerError]),
        faults_on_writes_only: true,
        ..SimConfig::default()
    })
    .await;
    let sub = sim.twilio().add_subaccount(&p.sid, "Customer", "active", 0);
    let http = client();
    let read = tw_get(&http, &sim, &p, &format!("/2010-04-01/Accounts/{sub}.json")).await;
    assert_eq!(read.status(), 200);
    let write = tw_update(&http, &sim, &p, &sub, &[("Status", "suspended")]).await;
    assert_eq!(write.status(), 500);
}
