//! Vobiz sub-accounts API behaviour, over real HTTP.

mod common;

use std::collections::HashSet;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use subdesk_sim::{DeleteStyle, SimConfig, VobizErrorShape};

#[tokio::test]
async fn paging_300_at_size_25_newest_first() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    let seeded = sim.vobiz().seed_subaccounts(&p.auth_id, 300);
    let http = client();
    let mut all: Vec<Value> = Vec::new();
    for page in 1..=12 {
        let b = json(
            vz(
                &http,
                Method::GET,
                &sim,
                &p,
                &format!("?page={page}&size=25"),
            )
            .send()
            .await
            .expect("sent"),
        )
        .await;
        assert_eq!(b["total"], json!(300));
        assert_eq!(b["page"], json!(page));
        assert_eq!(b["size"], json!(25));
        let items = b["sub_accounts"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 25, "page {page}");
        all.extend(items);
    }
    let b = json(
        vz(&http, Method::GET, &sim, &p, "?page=13&size=25")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(b["sub_accounts"], json!([]));
    assert_eq!(b["total"], json!(300));

    let ids: HashSet<&str> = all.iter().filter_map(|s| s["auth_id"].as_str()).collect();
    assert_eq!(ids.len(), 300);
    // Newest first: the last seeded comes first.
    assert_eq!(all[0]["auth_id"], json!(seeded[299]));
    assert_eq!(all[299]["auth_id"], json!(seeded[0]));
    let created: Vec<&str> = all
        .iter()
        .filter_map(|s| s["created_at"].as_str())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
    // Some are disabled.
    assert!(all.iter().any(|s| s["enabled"] == json!(false)));
}

#[tokio::test]
async fn list_defaults_filters_and_validation() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    sim.vobiz().seed_subaccounts(&p.auth_id, 30);
    let http = client();
    // Without the trailing slash and without parameters: page 1, size 25.
    let resp = http
        .get(format!(
            "{}/api/v1/accounts/{}/sub-accounts",
            sim.base_url(),
            p.auth_id
        ))
        .header("X-Auth-ID", &p.auth_id)
        .header("X-Auth-Token", &p.auth_token)
        .send()
        .await
        .expect("sent");
    let b = json(resp).await;
    assert_eq!(
        (b["page"].clone(), b["size"].clone(), b["total"].clone()),
        (json!(1), json!(25), json!(30))
    );
    assert_eq!(b["sub_accounts"].as_array().map(Vec::len), Some(25));

    let b = json(
        vz(&http, Method::GET, &sim, &p, "?active_only=true&size=100")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let items = b["sub_accounts"].as_array().cloned().unwrap_or_default();
    assert_eq!(b["total"], json!(items.len()));
    assert!(items.len() < 30 && items.iter().all(|s| s["enabled"] == json!(true)));
    let b = json(
        vz(&http, Method::GET, &sim, &p, "?active_only=")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(b["total"], json!(30));

    for bad in [
        "page=0",
        "size=0",
        "size=101",
        "page=x",
        "active_only=maybe",
    ] {
        let (status, body) = status_json(
            vz(&http, Method::GET, &sim, &p, &format!("?{bad}"))
                .send()
                .await
                .expect("sent"),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], json!("BAD_REQUEST"), "{bad}");
    }
}

#[tokio::test]
async fn object_fields() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    let sa = sim.vobiz().add_subaccount(&p.auth_id, "Acme Corp", true);
    assert!(
        sa.starts_with("SA_")
            && sa.len() == 11
            && sa[3..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert!(p.auth_id.starts_with("MA_") && p.auth_id.len() == 11);
    let http = client();
    let s = json(
        vz(&http, Method::GET, &sim, &p, &sa)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    for key in ["email", "phone", "description", "last_used"] {
        assert!(s[key].is_null(), "{key}");
    }
    assert_eq!(s["name"], json!("Acme Corp"));
    assert_eq!(s["permissions"], json!({"calls": true, "cdr": true}));
    assert_eq!(s["rate_limit"], json!(1000));
    assert!(s["id"].as_str().is_some_and(|id| id.parse::<u64>().is_ok()));
    assert!(s["parent_account_id"]
        .as_str()
        .is_some_and(|id| id.parse::<u64>().is_ok()));
    assert_eq!(s["parent_auth_id"], json!(p.auth_id));
    assert_eq!(s["auth_id"], json!(sa));
    assert_eq!(s["auth_token"], json!("<redacted>"));
    assert!(s["api_id"]
        .as_str()
        .is_some_and(|u| u.len() == 36 && u.matches('-').count() == 4));
    assert_eq!(s["email_verified"], json!(false));
    assert_eq!(s["enabled"], json!(true));
    assert_eq!(s["is_active"], json!(true));
    let created = s["created"].as_str().unwrap_or_default();
    chrono::NaiveDate::parse_from_str(created, "%Y-%m-%d").expect("YYYY-MM-DD");
    chrono::NaiveDate::parse_from_str(s["modified"].as_str().unwrap_or_default(), "%Y-%m-%d")
        .expect("YYYY-MM-DD");
    for key in ["created_at", "updated_at"] {
        let t = s[key].as_str().unwrap_or_default();
        assert!(t.ends_with('Z') && t.len() == 27, "{t}");
        chrono::DateTime::parse_from_rfc3339(t).expect("ISO-8601");
    }
    assert_eq!(s["account"], json!(format!("/v1/Account/{}/", p.auth_id)));
    assert_eq!(
        s["resource_uri"],
        json!(format!("/v1/Account/{}/Subaccount/{sa}/", p.auth_id))
    );
    // Trailing slash accepted on the item path too.
    let resp = vz(&http, Method::GET, &sim, &p, &format!("{sa}/"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn put_enabled_and_name() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    let sa = sim.vobiz().add_subaccount(&p.auth_id, "Acme", true);
    let http = client();
    let (status, s) = status_json(
        vz(&http, Method::PUT, &sim, &p, &sa)
            .json(&json!({"enabled": false}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(s["enabled"], json!(false));
    assert_eq!(s["is_active"], json!(true));
    assert_eq!(s["name"], json!("Acme"));
    assert_eq!(
        sim.vobiz().subaccount(&p.auth_id, &sa).map(|s| s.enabled),
        Some(false)
    );

    let (status, s) = status_json(
        vz(&http, Method::PUT, &sim, &p, &sa)
            .json(&json!({"enabled": true, "name": "Acme 2"}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (s["enabled"].clone(), s["name"].clone()),
        (json!(true), json!("Acme 2"))
    );

    for bad in [
        &b"not json"[..],
        b"[1,2]",
        br#"{"enabled":"no"}"#,
        br#"{"name":""}"#,
    ] {
        let resp = vz(&http, Method::PUT, &sim, &p, &sa)
            .header("content-type", "application/json")
            .body(bad.to_vec())
            .send()
            .await
            .expect("sent");
        let (status, body) = status_json(resp).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(bad));
        assert_eq!(body["error"]["code"], json!("BAD_REQUEST"));
    }
    assert_eq!(
        sim.vobiz()
            .subaccount(&p.auth_id, &sa)
            .map(|s| (s.name, s.enabled)),
        Some(("Acme 2".into(), true))
    );
    let recs = sim.requests();
    assert_eq!(
        recs.iter().map(|r| r.applied).collect::<Vec<_>>(),
        vec![true, true, false, false, false, false]
    );

    let (status, _) = status_json(
        vz(&http, Method::PUT, &sim, &p, "SA_NOTTHERE")
            .json(&json!({"enabled": false}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn delete_with_message_then_gone() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    let sa = sim.vobiz().add_subaccount(&p.auth_id, "Acme", true);
    let http = client();
    let (status, body) = status_json(
        vz(&http, Method::DELETE, &sim, &p, &sa)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"message": "Sub-account deleted successfully"}));
    assert_eq!(sim.vobiz().subaccount(&p.auth_id, &sa), None);
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let req = vz(&http, method.clone(), &sim, &p, &sa);
        let req = if method == Method::PUT {
            req.json(&json!({"enabled": true}))
        } else {
            req
        };
        let (status, body) = status_json(req.send().await.expect("sent")).await;
        assert_eq!(status, 404, "{method}");
        assert_eq!(body["error"]["code"], json!("NOT_FOUND"));
    }
    let b = json(
        vz(&http, Method::GET, &sim, &p, "")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(b["total"], json!(0));
}

#[tokio::test]
async fn delete_no_content() {
    let (sim, p) = vobiz_sim(SimConfig {
        vobiz: subdesk_sim::VobizConfig {
            delete_style: DeleteStyle::NoContent,
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await;
    let sa = sim.vobiz().add_subaccount(&p.auth_id, "Acme", false);
    let http = client();
    let resp = vz(&http, Method::DELETE, &sim, &p, &sa)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 204);
    assert_eq!(resp.bytes().await.expect("body").len(), 0);
    assert_eq!(sim.vobiz().subaccount(&p.auth_id, &sa), None);
}

#[tokio::test]
async fn envelope_error_shape() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    let http = client();
    let resp = vz(&http, Method::GET, &sim, &p, "SA_MISSING1")
        .send()
        .await
        .expect("sent");
    let header = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], json!("error"));
    assert_eq!(body["error"]["code"], json!("NOT_FOUND"));
    assert!(body["error"]["message"].is_string());
    assert_eq!(body["error"]["details"], json!({}));
    chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap_or_default())
        .expect("timestamp");
    let rid = body["requestId"].as_str().unwrap_or_default();
    assert!(rid.starts_with("req_"), "{rid}");
    assert_eq!(header.as_deref(), Some(rid));
}

#[tokio::test]
async fn plivo_error_shape() {
    let (sim, p) = vobiz_sim(SimConfig {
        vobiz: subdesk_sim::VobizConfig {
            error_shape: VobizErrorShape::Plivo,
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await;
    let http = client();
    for (resp, status) in [
        (
            vz(&http, Method::GET, &sim, &p, "SA_MISSING1")
                .send()
                .await
                .expect("sent"),
            404,
        ),
        (
            http.get(vobiz_url(&sim, &p.auth_id, ""))
                .send()
                .await
                .expect("sent"),
            401,
        ),
    ] {
        let header = resp
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (s, body) = status_json(resp).await;
        assert_eq!(s, status);
        let obj = body.as_object().cloned().unwrap_or_default();
        assert_eq!(obj.len(), 2, "{body}");
        assert!(body["error"].as_str().is_some_and(|m| !m.is_empty()));
        let api_id = body["api_id"].as_str().unwrap_or_default();
        assert_eq!(api_id.len(), 36);
        assert_eq!(header.as_deref(), Some(api_id));
    }
}

#[tokio::test]
async fn unauthorized() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    let other = sim.vobiz().add_parent("Other");
    let theirs = sim.vobiz().add_subaccount(&other.auth_id, "Theirs", true);
    let http = client();
    let cases = [
        http.get(vobiz_url(&sim, &p.auth_id, "")),
        http.get(vobiz_url(&sim, &p.auth_id, ""))
            .header("X-Auth-ID", &p.auth_id),
        http.get(vobiz_url(&sim, &p.auth_id, ""))
            .header("X-Auth-ID", &p.auth_id)
            .header("X-Auth-Token", "wrong"),
        // Valid credentials, but for another account than the one in the path.
        http.get(vobiz_url(&sim, &other.auth_id, ""))
            .header("X-Auth-ID", &p.auth_id)
            .header("X-Auth-Token", &p.auth_token),
        http.delete(vobiz_url(&sim, &other.auth_id, &theirs))
            .header("X-Auth-ID", &p.auth_id)
            .header("X-Auth-Token", &p.auth_token),
    ];
    for (i, req) in cases.into_iter().enumerate() {
        let resp = req.send().await.expect("sent");
        assert!(resp.headers().contains_key("x-request-id"));
        let (status, body) = status_json(resp).await;
        assert_eq!(status, 401, "case {i}");
        assert_eq!(body["error"]["code"], json!("UNAUTHORIZED"), "case {i}");
    }
    assert!(sim.vobiz().subaccount(&other.auth_id, &theirs).is_some());
    // Another parent's sub-account under one's own path is simply not there.
    let (status, _) = status_json(
        vz(&http, Method::GET, &sim, &p, &theirs)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 404);
}
