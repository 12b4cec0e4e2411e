//! Twilio Accounts API behaviour, over real HTTP.

mod common;

use std::collections::HashSet;

use common::*;
use serde_json::{json, Value};
use subdesk_sim::SimConfig;

fn is_sid(v: &Value, prefix: &str) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 34 && s.starts_with(prefix) && s[2..].chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[tokio::test]
async fn paging_2500_subaccounts_with_page_size_1000() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    sim.twilio().seed_subaccounts(&p.sid, 2500);
    let http = client();

    let mut next = Some("/2010-04-01/Accounts.json?PageSize=1000".to_owned());
    let mut pages = Vec::new();
    while let Some(uri) = next {
        let body = json(tw_get(&http, &sim, &p, &uri).await).await;
        next = body["next_page_uri"].as_str().map(str::to_owned);
        pages.push(body);
        assert!(pages.len() <= 3, "too many pages");
    }
    assert_eq!(pages.len(), 3);
    let sizes: Vec<usize> = pages
        .iter()
        .map(|b| b["accounts"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, vec![1000, 1000, 501]);
    for (i, b) in pages.iter().enumerate() {
        assert_eq!(b["page"], json!(i));
        assert_eq!(b["page_size"], json!(1000));
        assert_eq!(b["start"], json!(i * 1000));
        assert_eq!(b["end"], json!(i * 1000 + sizes[i] - 1));
        assert_eq!(
            b["first_page_uri"],
            json!("/2010-04-01/Accounts.json?PageSize=1000&Page=0")
        );
        assert!(b["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("/2010-04-01/Accounts.json?")));
        assert_eq!(b["previous_page_uri"].is_null(), i == 0);
    }
    assert!(pages[2]["next_page_uri"].is_null());
    let next0 = pages[0]["next_page_uri"].as_str().unwrap_or_default();
    assert!(
        next0.starts_with("/2010-04-01/Accounts.json?PageSize=1000&Page=1&PageToken=PA"),
        "{next0}"
    );

    let all: Vec<&Value> = pages
        .iter()
        .flat_map(|b| b["accounts"].as_array().into_iter().flatten())
        .collect();
    let sids: HashSet<&str> = all.iter().filter_map(|a| a["sid"].as_str()).collect();
    assert_eq!(sids.len(), 2501);
    // The parent itself comes first: its owner is itself.
    assert_eq!(all[0]["sid"], json!(p.sid));
    assert_eq!(all[0]["owner_account_sid"], json!(p.sid));
    assert!(all[1..]
        .iter()
        .all(|a| a["owner_account_sid"] == json!(p.sid) && a["sid"] != json!(p.sid)));
    // Subaccounts by date_created ascending.
    let dates: Vec<chrono::DateTime<chrono::FixedOffset>> = all[1..]
        .iter()
        .map(|a| {
            chrono::DateTime::parse_from_rfc2822(a["date_created"].as_str().unwrap_or_default())
                .expect("RFC 2822")
        })
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]));
    // Mixed statuses.
    for status in ["active", "suspended", "closed"] {
        assert!(
            all.iter().any(|a| a["status"] == json!(status)),
            "no {status}"
        );
    }
}

#[tokio::test]
async fn account_object_has_spec_fields() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "Tenant A", "active", 2);
    let http = client();
    let resp = tw_get(&http, &sim, &p, &format!("/2010-04-01/Accounts/{sub}.json")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));
    let a = json(resp).await;
    assert!(is_sid(&a["sid"], "AC"));
    assert_eq!(a["sid"], json!(sub));
    assert_eq!(a["owner_account_sid"], json!(p.sid));
    assert_eq!(a["friendly_name"], json!("Tenant A"));
    assert_eq!(a["status"], json!("active"));
    assert_eq!(a["type"], json!("Full"));
    assert!(a["auth_token"]
        .as_str()
        .is_some_and(|t| t.len() == 32 && t.chars().all(|c| c.is_ascii_hexdigit())));
    for key in ["date_created", "date_updated"] {
        let d = a[key].as_str().unwrap_or_default();
        assert!(d.ends_with(" +0000"), "{d}");
        chrono::DateTime::parse_from_rfc2822(d).expect("RFC 2822 date");
    }
    assert_eq!(a["uri"], json!(format!("/2010-04-01/Accounts/{sub}.json")));
    assert_eq!(
        a["subresource_uris"]["incoming_phone_numbers"],
        json!(format!(
            "/2010-04-01/Accounts/{sub}/IncomingPhoneNumbers.json"
        ))
    );
    assert_eq!(
        a["subresource_uris"]["balance"],
        json!(format!("/2010-04-01/Accounts/{sub}/Balance.json"))
    );

    // The parent can fetch itself too.
    let me = json(
        tw_get(
            &http,
            &sim,
            &p,
            &format!("/2010-04-01/Accounts/{}.json", p.sid),
        )
        .await,
    )
    .await;
    assert_eq!(me["owner_account_sid"], json!(p.sid));
}

#[tokio::test]
async fn list_defaults_and_page_size_validation() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    sim.twilio().seed_subaccounts(&p.sid, 60);
    let http = client();
    let b = json(tw_get(&http, &sim, &p, "/2010-04-01/Accounts.json").await).await;
    assert_eq!(b["page_size"], json!(50));
    assert_eq!(b["accounts"].as_array().map(Vec::len), Some(50));
    assert!(b["next_page_uri"].is_string());

    for bad in ["0", "1001", "abc", "-1"] {
        let (status, body) = status_json(
            tw_get(
                &http,
                &sim,
                &p,
                &format!("/2010-04-01/Accounts.json?PageSize={bad}"),
            )
            .await,
        )
        .await;
        assert_eq!(status, 400, "PageSize={bad}");
        assert_eq!(body["code"], json!(20001));
        assert_eq!(body["status"], json!(400));
        assert!(body["message"]
            .as_str()
            .is_some_and(|m| m.contains("PageSize")));
    }
    let (status, _) =
        status_json(tw_get(&http, &sim, &p, "/2010-04-01/Accounts.json?Status=bogus").await).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn list_filters_by_status_and_friendly_name() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    sim.twilio().add_subaccount(&p.sid, "A", "active", 0);
    sim.twilio().add_subaccount(&p.sid, "B", "suspended", 0);
    sim.twilio().add_subaccount(&p.sid, "C", "suspended", 0);
    sim.twilio().add_subaccount(&p.sid, "D", "closed", 0);
    let http = client();
    let b = json(
        tw_get(
            &http,
            &sim,
            &p,
            "/2010-04-01/Accounts.json?Status=suspended&PageSize=1",
        )
        .await,
    )
    .await;
    assert_eq!(b["accounts"][0]["friendly_name"], json!("B"));
    let next = b["next_page_uri"].as_str().unwrap_or_default().to_owned();
    assert!(next.contains("Status=suspended"), "{next}");
    let b2 = json(tw_get(&http, &sim, &p, &next).await).await;
    assert_eq!(b2["accounts"][0]["friendly_name"], json!("C"));
    assert!(b2["next_page_uri"].is_null());

    let b = json(tw_get(&http, &sim, &p, "/2010-04-01/Accounts.json?FriendlyName=D").await).await;
    let names: Vec<&Value> = b["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| &a["friendly_name"])
        .collect();
    assert_eq!(names, vec![&json!("D")]);
}

#[tokio::test]
async fn authentication_failures_and_api_keys() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let other = sim.twilio().add_parent("Someone Else");
    let other_sub = sim
        .twilio()
        .add_subaccount(&other.sid, "Theirs", "active", 0);
    let sub = sim.twilio().add_subaccount(&p.sid, "Mine", "active", 0);
    let (key, secret) = sim.twilio().add_api_key(&p.sid);
    assert!(is_sid(&json!(key), "SK"));
    let http = client();
    let url = |path: &str| format!("{}{path}", sim.base_url());

    let expected = json!({"code":20003,"detail":"","message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401});
    let cases = [
        http.get(url("/2010-04-01/Accounts.json")),
        http.get(url("/2010-04-01/Accounts.json"))
            .basic_auth(&p.sid, Some("wrong")),
        http.get(url("/2010-04-01/Accounts.json"))
            .basic_auth(&key, Some("wrong")),
        http.get(url("/2010-04-01/Accounts.json"))
            .basic_auth("ACnope", Some(&p.auth_token)),
        http.get(url("/2010-04-01/Accounts.json"))
            .header("Authorization", "Basic !!!not-base64"),
        http.get(url("/2010-04-01/Accounts.json"))
            .bearer_auth(&p.auth_token),
        // A subaccount's SID with a token that is not its own.
        http.get(url("/2010-04-01/Accounts.json"))
            .basic_auth(&sub, Some("x")),
        // A key of parent P used on another parent's account.
        http.get(url(&format!("/2010-04-01/Accounts/{other_sub}.json")))
            .basic_auth(&key, Some(&secret)),
    ];
    for (i, req) in cases.into_iter().enumerate() {
        let resp = req.send().await.expect("sent");
        assert_eq!(resp.status(), 401, "case {i}");
        assert_eq!(
            resp.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Basic realm=\"Twilio API\""),
            "case {i}"
        );
        assert!(resp.headers().contains_key("twilio-request-id"));
        assert_eq!(json(resp).await, expected, "case {i}");
    }

    // The key authenticates as its parent: list and update work.
    let b = json(
        http.get(url("/2010-04-01/Accounts.json"))
            .basic_auth(&key, Some(&secret))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(b["accounts"][0]["sid"], json!(p.sid));
    assert_eq!(b["accounts"].as_array().map(Vec::len), Some(2));
    let resp = http
        .post(url(&format!("/2010-04-01/Accounts/{sub}.json")))
        .basic_auth(&key, Some(&secret))
        .form(&[("Status", "suspended")])
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        sim.twilio().account(&sub).map(|a| a.status),
        Some("suspended".into())
    );

    // The key authenticates on its own: an Account SID no account has is not found (404
    // 20404), while another parent's existing account refuses the key (401 above).
    let ghost = format!("AC{}", "e".repeat(32));
    let resp = http
        .get(url(&format!("/2010-04-01/Accounts/{ghost}.json")))
        .basic_auth(&key, Some(&secret))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 404);
    assert_eq!(json(resp).await["code"], json!(20404));
    // With an Auth Token the SID is the username: an unknown one fails authentication.
    let resp = http
        .get(url(&format!("/2010-04-01/Accounts/{ghost}.json")))
        .basic_auth(&ghost, Some(&p.auth_token))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 401);
    assert_eq!(json(resp).await["code"], json!(20003));

    // The parent's own credentials do not see another parent's account: 404.
    let resp = tw_get(
        &http,
        &sim,
        &p,
        &format!("/2010-04-01/Accounts/{other_sub}.json"),
    )
    .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn not_found_bodies() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let http = client();
    let missing = "AC0123456789abcdef0123456789abcdef";
    let path = format!("/2010-04-01/Accounts/{missing}.json");
    let (status, body) = status_json(tw_get(&http, &sim, &p, &path).await).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"code":20404,"message":format!("The requested resource {path} was not found"),"more_info":"https://www.twilio.com/docs/errors/20404","status":404})
    );
    let (status, _) =
        status_json(tw_update(&http, &sim, &p, missing, &[("Status", "closed")]).await).await;
    assert_eq!(status, 404);
    for path in [
        "/2010-04-01/Nope.json".to_owned(),
        format!("/2010-04-01/Accounts/{}", p.sid),
        "/totally/unknown".to_owned(),
    ] {
        let (status, body) = status_json(tw_get(&http, &sim, &p, &path).await).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["code"], json!(20404), "{path}");
    }
    let (status, body) = status_json(
        tw_get(
            &http,
            &sim,
            &p,
            &format!("/2010-04-01/Accounts/{missing}/IncomingPhoneNumbers.json"),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["code"].clone()), (404, json!(20404)));
}

#[tokio::test]
async fn status_transitions() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "T", "active", 3);
    let http = client();
    let before = sim.twilio().account(&sub).expect("exists");
    for status in ["suspended", "active", "suspended", "closed"] {
        let (code, body) =
            status_json(tw_update(&http, &sim, &p, &sub, &[("Status", status)]).await).await;
        assert_eq!(code, 200, "{status}: {body}");
        assert_eq!(body["status"], json!(status));
        assert_eq!(
            sim.twilio().account(&sub).map(|a| a.status),
            Some(status.to_owned())
        );
    }
    assert_eq!(before.numbers, 3);
    // Closing released every number.
    assert_eq!(sim.twilio().account(&sub).map(|a| a.numbers), Some(0));
    // A closed subaccount's numbers answer 401 20003 by default (error 20003's "the account is
    // suspended or closed"); the other reading lets them be read.
    let refused = tw_get(
        &http,
        &sim,
        &p,
        &format!("/2010-04-01/Accounts/{sub}/IncomingPhoneNumbers.json"),
    )
    .await;
    assert_eq!(refused.status().as_u16(), 401);
    sim.twilio().set_suspended_reads_refused(false);
    let b = json(
        tw_get(
            &http,
            &sim,
            &p,
            &format!("/2010-04-01/Accounts/{sub}/IncomingPhoneNumbers.json"),
        )
        .await,
    )
    .await;
    assert_eq!(b["incoming_phone_numbers"], json!([]));
    assert!(b["next_page_uri"].is_null());
    // Records: four applied changes.
    let applied: Vec<bool> = sim.requests().iter().map(|r| r.applied).collect();
    assert_eq!(&applied[..4], &[true, true, true, true]);
}

async fn expect_error(resp: reqwest::Response, status: u16, code: u32) -> Value {
    let (s, body) = status_json(resp).await;
    assert_eq!(s, status, "{body}");
    assert_eq!(body["code"], json!(code), "{body}");
    assert_eq!(body["status"], json!(status));
    assert_eq!(
        body["more_info"],
        json!(format!("https://www.twilio.com/docs/errors/{code}"))
    );
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    body
}

#[tokio::test]
async fn error_codes_for_forbidden_changes() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let http = client();
    let active = sim.twilio().add_subaccount(&p.sid, "active", "active", 1);
    let closed = sim.twilio().add_subaccount(&p.sid, "closed", "closed", 4);
    assert_eq!(sim.twilio().account(&closed).map(|a| a.numbers), Some(0));
    let by_twilio = sim
        .twilio()
        .add_subaccount(&p.sid, "by twilio", "suspended", 0);
    sim.twilio().set_suspended_by_twilio(&by_twilio, true);

    // 21477: the parent itself.
    expect_error(
        tw_update(&http, &sim, &p, &p.sid, &[("Status", "closed")]).await,
        400,
        21477,
    )
    .await;
    expect_error(
        tw_update(&http, &sim, &p, &p.sid, &[("Status", "suspended")]).await,
        400,
        21477,
    )
    .await;
    assert_eq!(
        sim.twilio().account(&p.sid).map(|a| a.status),
        Some("active".into())
    );
    // 21479: closed is final, including closed → closed.
    for s in ["active", "suspended", "closed"] {
        expect_error(
            tw_update(&http, &sim, &p, &closed, &[("Status", s)]).await,
            400,
            21479,
        )
        .await;
    }
    // 21478: suspended by Twilio.
    expect_error(
        tw_update(&http, &sim, &p, &by_twilio, &[("Status", "active")]).await,
        400,
        21478,
    )
    .await;
    assert_eq!(
        sim.twilio().account(&by_twilio).map(|a| a.status),
        Some("suspended".into())
    );
    // 21100: bad Status value (also the legacy numeric one and wrong case).
    for s in ["bogus", "1", "Closed", ""] {
        let body = expect_error(
            tw_update(&http, &sim, &p, &active, &[("Status", s)]).await,
            400,
            21100,
        )
        .await;
        assert_eq!(body["message"], json!("Invalid Status value"));
    }
    // FriendlyName longer than 64 characters.
    let long = "x".repeat(65);
    expect_error(
        tw_update(&http, &sim, &p, &active, &[("FriendlyName", &long)]).await,
        400,
        21100,
    )
    .await;
    // 21476: the parent is suspended.
    assert!(sim.twilio().set_status(&p.sid, "suspended"));
    expect_error(
        tw_update(&http, &sim, &p, &active, &[("Status", "suspended")]).await,
        400,
        21476,
    )
    .await;
    assert_eq!(
        sim.twilio().account(&active).map(|a| a.status),
        Some("active".into())
    );
    // None of these changed anything.
    assert!(sim.requests().iter().all(|r| !r.applied));
}

#[tokio::test]
async fn lower_case_status_is_ignored_and_friendly_name_updates() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "Old", "active", 2);
    let http = client();
    let (code, body) =
        status_json(tw_update(&http, &sim, &p, &sub, &[("status", "closed")]).await).await;
    assert_eq!(code, 200);
    assert_eq!(body["status"], json!("active"));
    let state = sim.twilio().account(&sub).expect("exists");
    assert_eq!((state.status.as_str(), state.numbers), ("active", 2));
    assert!(!sim.requests()[0].applied);

    let (code, body) =
        status_json(tw_update(&http, &sim, &p, &sub, &[("FriendlyName", "New name")]).await).await;
    assert_eq!(code, 200);
    assert_eq!(body["friendly_name"], json!("New name"));
    assert_eq!(
        sim.twilio().account(&sub).map(|a| a.friendly_name),
        Some("New name".into())
    );
    // The parent's own name may change (only its status may not).
    let (code, _) =
        status_json(tw_update(&http, &sim, &p, &p.sid, &[("FriendlyName", "Parent 2")]).await)
            .await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn update_requires_a_form_body() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "T", "active", 0);
    let http = client();
    let resp = http
        .post(format!("{}/2010-04-01/Accounts/{sub}.json", sim.base_url()))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .json(&json!({"Status": "closed"}))
        .send()
        .await
        .expect("sent");
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 415);
    assert_eq!(body["status"], json!(415));
    assert!(body["code"].is_u64());
    assert_eq!(
        sim.twilio().account(&sub).map(|a| a.status),
        Some("active".into())
    );
}

#[tokio::test]
async fn incoming_phone_numbers_paging() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let sub = sim.twilio().add_subaccount(&p.sid, "T", "active", 5);
    let other = sim.twilio().add_subaccount(&p.sid, "U", "active", 3);
    let http = client();
    let mut next = Some(format!(
        "/2010-04-01/Accounts/{sub}/IncomingPhoneNumbers.json?PageSize=2"
    ));
    let mut numbers = Vec::new();
    let mut pages = 0;
    while let Some(uri) = next {
        let b = json(tw_get(&http, &sim, &p, &uri).await).await;
        pages += 1;
        assert_eq!(b["page_size"], json!(2));
        numbers.extend(
            b["incoming_phone_numbers"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        next = b["next_page_uri"].as_str().map(str::to_owned);
        assert!(pages <= 3);
    }
    assert_eq!(pages, 3);
    assert_eq!(numbers.len(), 5);
    let mut seen = HashSet::new();
    for n in &numbers {
        assert!(is_sid(&n["sid"], "PN"), "{n}");
        assert_eq!(n["account_sid"], json!(sub));
        assert_eq!(n["status"], json!("in-use"));
        assert_eq!(n["origin"], json!("twilio"));
        let e164 = n["phone_number"].as_str().unwrap_or_default();
        assert!(
            e164.starts_with("+1")
                && e164.len() == 12
                && e164[1..].chars().all(|c| c.is_ascii_digit()),
            "{e164}"
        );
        assert!(seen.insert(e164.to_owned()));
        assert!(n["friendly_name"].is_string());
        chrono::DateTime::parse_from_rfc2822(n["date_created"].as_str().unwrap_or_default())
            .expect("date");
    }
    // Unique across accounts too.
    let b = json(
        tw_get(
            &http,
            &sim,
            &p,
            &format!("/2010-04-01/Accounts/{other}/IncomingPhoneNumbers.json?PageSize=1000"),
        )
        .await,
    )
    .await;
    for n in b["incoming_phone_numbers"].as_array().into_iter().flatten() {
        assert!(seen.insert(n["phone_number"].as_str().unwrap_or_default().to_owned()));
    }
    let (status, body) = status_json(
        tw_get(
            &http,
            &sim,
            &p,
            &format!("/2010-04-01/Accounts/{sub}/IncomingPhoneNumbers.json?PageSize=1001"),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["code"].clone()), (400, json!(20001)));
}

#[tokio::test]
async fn every_response_has_a_unique_request_id() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let http = client();
    let mut ids = HashSet::new();
    let requests = [
        http.get(format!("{}/2010-04-01/Accounts.json", sim.base_url()))
            .basic_auth(&p.sid, Some(&p.auth_token)),
        http.get(format!("{}/2010-04-01/Accounts.json", sim.base_url())),
        http.get(format!("{}/2010-04-01/Accounts/ACx.json", sim.base_url()))
            .basic_auth(&p.sid, Some(&p.auth_token)),
        http.delete(format!("{}/2010-04-01/Accounts.json", sim.base_url()))
            .basic_auth(&p.sid, Some(&p.auth_token)),
    ];
    for req in requests {
        let resp = req.send().await.expect("sent");
        let id = resp
            .headers()
            .get("twilio-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .expect("Twilio-Request-Id");
        assert!(
            id.len() == 34
                && id.starts_with("RQ")
                && id[2..].chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
        assert!(ids.insert(id));
    }
    assert_eq!(ids.len(), 4);
    // Wrong method: Twilio-style body, 405.
    let recs = sim.requests();
    assert_eq!(recs.last().map(|r| r.status), Some(405));
}
