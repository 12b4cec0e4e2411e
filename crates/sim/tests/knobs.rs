//! Latency, concurrency limits, fault injection and the `/_sim` control endpoints.

mod common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use subdesk_sim::{FaultKind, FaultPlan, Sim, SimConfig, TwilioParent};
use tokio::task::JoinSet;

fn plan(rate: f64, kinds: &[FaultKind]) -> FaultPlan {
    FaultPlan {
        rate,
        kinds: kinds.to_vec(),
    }
}

async fn list_status(
    http: &reqwest::Client,
    sim: &Sim,
    p: &TwilioParent,
) -> reqwest::Result<reqwest::Response> {
    http.get(format!("{}/2010-04-01/Accounts.json", sim.base_url()))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .send()
        .await
}

#[tokio::test]
async fn concurrency_limit_answers_429_beyond_it() {
    let (sim, p) = twilio_sim(SimConfig {
        latency: Duration::from_millis(400),
        concurrency_limit: Some(2),
        retry_after_secs: Some(3),
        ..SimConfig::default()
    })
    .await;
    let sim = Arc::new(sim);
    let http = client();
    let mut set = JoinSet::new();
    for _ in 0..6 {
        let (sim, p, http) = (Arc::clone(&sim), p.clone(), http.clone());
        set.spawn(async move {
            let resp = list_status(&http, &sim, &p).await.expect("sent");
            let retry = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (status, body) = status_json(resp).await;
            (status, body, retry)
        });
    }
    let mut ok = 0;
    let mut limited = 0;
    while let Some(res) = set.join_next().await {
        let (status, body, retry) = res.expect("task");
        match status {
            200 => ok += 1,
            429 => {
                limited += 1;
                assert_eq!(
                    body,
                    json!({"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429})
                );
                assert_eq!(retry.as_deref(), Some("3"));
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((ok, limited), (2, 4));
    assert!(sim.max_in_flight_seen() >= 2);
    // 429s from the limit are not faults and changed nothing.
    assert!(sim
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .all(|r| r.fault.is_none() && !r.applied));
}

#[tokio::test]
async fn concurrency_limit_is_per_parent() {
    let sim = Arc::new(
        start(SimConfig {
            latency: Duration::from_millis(200),
            concurrency_limit: Some(1),
            ..SimConfig::default()
        })
        .await,
    );
    let a = sim.twilio().add_parent("A");
    let b = sim.twilio().add_parent("B");
    let v = sim.vobiz().add_parent("V");
    let http = client();
    let mut set = JoinSet::new();
    for p in [a, b] {
        let (sim, http) = (Arc::clone(&sim), http.clone());
        set.spawn(async move {
            list_status(&http, &sim, &p)
                .await
                .expect("sent")
                .status()
                .as_u16()
        });
    }
    {
        let (sim, http) = (Arc::clone(&sim), http.clone());
        set.spawn(async move {
            vz(&http, Method::GET, &sim, &v, "")
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        });
    }
    let statuses: Vec<u16> = set.join_all().await;
    assert_eq!(statuses, vec![200, 200, 200]);
    assert_eq!(sim.max_in_flight_seen(), 3);
}

#[tokio::test]
async fn vobiz_rate_limit_body() {
    let (sim, p) = vobiz_sim(SimConfig {
        latency: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    sim.set_concurrency_limit(Some(1));
    let sim = Arc::new(sim);
    let http = client();
    let mut set = JoinSet::new();
    for _ in 0..2 {
        let (sim, p, http) = (Arc::clone(&sim), p.clone(), http.clone());
        set.spawn(async move {
            status_json(
                vz(&http, Method::GET, &sim, &p, "")
                    .send()
                    .await
                    .expect("sent"),
            )
            .await
        });
    }
    let mut results = set.join_all().await;
    results.sort_by_key(|(s, _)| *s);
    assert_eq!(results[0].0, 200);
    assert_eq!(results[1].0, 429);
    assert_eq!(results[1].1["error"]["code"], json!("RATE_LIMITED"));
}

#[tokio::test]
async fn max_in_flight_tracks_client_concurrency() {
    let (sim, p) = twilio_sim(SimConfig {
        latency: Duration::from_millis(60),
        ..SimConfig::default()
    })
    .await;
    let sim = Arc::new(sim);
    let http = client();
    let permits = Arc::new(tokio::sync::Semaphore::new(3));
    let mut set = JoinSet::new();
    for _ in 0..12 {
        let (sim, p, http, permits) = (
            Arc::clone(&sim),
            p.clone(),
            http.clone(),
            Arc::clone(&permits),
        );
        set.spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            list_status(&http, &sim, &p)
                .await
                .expect("sent")
                .status()
                .as_u16()
        });
    }
    assert!(set.join_all().await.iter().all(|&s| s == 200));
    let max = sim.max_in_flight_seen();
    assert!((2..=3).contains(&max), "max in flight {max}");
    assert_eq!(sim.requests().len(), 12);
}

#[tokio::test]
async fn latency_is_applied_and_adjustable() {
    let (sim, p) = twilio_sim(SimConfig {
        latency: Duration::from_millis(150),
        ..SimConfig::default()
    })
    .await;
    let http = client();
    let t = Instant::now();
    assert_eq!(
        list_status(&http, &sim, &p).await.expect("sent").status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(150));
    sim.set_latency(Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(
        list_status(&http, &sim, &p).await.expect("sent").status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn fault_rate_is_roughly_honoured() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(
            0.3,
            &[
                FaultKind::TooManyRequests,
                FaultKind::ServerError,
                FaultKind::Unavailable,
            ],
        ),
        retry_after_secs: Some(1),
        ..SimConfig::default()
    })
    .await;
    let http = client();
    for _ in 0..300 {
        let resp = list_status(&http, &sim, &p).await.expect("sent");
        let status = resp.status().as_u16();
        let retry = resp.headers().contains_key("retry-after");
        let body = json(resp).await;
        match status {
            200 => assert!(body["accounts"].is_array()),
            429 => {
                assert_eq!(body["code"], json!(20429));
                assert!(retry);
            }
            500 => assert_eq!(body["code"], json!(20500)),
            503 => assert_eq!(body["code"], json!(20503)),
            other => panic!("unexpected {other}"),
        }
    }
    let recs = sim.requests();
    assert_eq!(recs.len(), 300);
    let faulted = recs.iter().filter(|r| r.fault.is_some()).count();
    assert!(
        (50..=130).contains(&faulted),
        "{faulted} faults of 300 at rate 0.3"
    );
    for r in &recs {
        let expected = match r.fault {
            None => 200,
            Some(FaultKind::TooManyRequests) => 429,
            Some(FaultKind::ServerError) => 500,
            Some(FaultKind::Unavailable) => 503,
            Some(k) => panic!("unexpected kind {k:?}"),
        };
        assert_eq!(r.status, expected);
    }
    for kind in [
        FaultKind::TooManyRequests,
        FaultKind::ServerError,
        FaultKind::Unavailable,
    ] {
        assert!(
            recs.iter().any(|r| r.fault == Some(kind)),
            "{kind:?} never drawn"
        );
    }
}

#[tokio::test]
async fn vobiz_fault_bodies() {
    let (sim, p) = vobiz_sim(SimConfig::default()).await;
    let http = client();
    for (kind, status, code) in [
        (FaultKind::TooManyRequests, 429, "RATE_LIMITED"),
        (FaultKind::ServerError, 500, "INTERNAL_ERROR"),
        (FaultKind::Unavailable, 503, "SERVICE_UNAVAILABLE"),
    ] {
        sim.set_faults(plan(1.0, &[kind]));
        let (s, body) = status_json(
            vz(&http, Method::GET, &sim, &p, "")
                .send()
                .await
                .expect("sent"),
        )
        .await;
        assert_eq!((s, body["error"]["code"].clone()), (status, json!(code)));
    }
}

#[tokio::test]
async fn same_seed_same_faults() {
    async fn run(seed: u64) -> Vec<Option<FaultKind>> {
        let (sim, p) = twilio_sim(SimConfig {
            rng_seed: seed,
            faults: plan(0.5, &[FaultKind::ServerError, FaultKind::Unavailable]),
            ..SimConfig::default()
        })
        .await;
        let http = client();
        for _ in 0..40 {
            list_status(&http, &sim, &p).await.expect("sent");
        }
        sim.requests().into_iter().map(|r| r.fault).collect()
    }
    let a = run(7).await;
    assert_eq!(a, run(7).await);
    assert_ne!(a, run(8).await);
}

#[tokio::test]
async fn reset_drops_the_connection_without_a_response() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(1.0, &[FaultKind::Reset]),
        ..SimConfig::default()
    })
    .await;
    let http = client();
    let err = list_status(&http, &sim, &p)
        .await
        .expect_err("a reset, not a response");
    assert!(err.status().is_none());
    assert!(!err.is_timeout());
    let rec = sim.requests();
    assert_eq!((rec[0].status, rec[0].fault), (0, Some(FaultKind::Reset)));

    // At the socket level it is a real TCP reset.
    let port = sim.port();
    let auth = format!("{}:{}", p.sid, p.auth_token);
    let outcome = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let req = format!(
            "GET /2010-04-01/Accounts.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {}\r\n\r\n",
            base64_encode(auth.as_bytes())
        );
        s.write_all(req.as_bytes()).expect("write");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).map(|_| buf)
    })
    .await
    .expect("join");
    match outcome {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        Ok(bytes) => panic!(
            "expected a reset, got {} bytes: {:?}",
            bytes.len(),
            String::from_utf8_lossy(&bytes)
        ),
    }

    // Once the faults stop, the next request works (on a fresh connection).
    sim.set_faults(FaultPlan::default());
    assert_eq!(
        list_status(&http, &sim, &p).await.expect("sent").status(),
        200
    );
}

/// Minimal base64 so the raw-socket test needs no extra dependency.
fn base64_encode(input: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn timeout_hangs_then_drops() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(1.0, &[FaultKind::Timeout]),
        timeout_hang: Duration::from_millis(400),
        ..SimConfig::default()
    })
    .await;
    let http = client();
    let t = Instant::now();
    let err = list_status(&http, &sim, &p).await.expect_err("no response");
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert!(err.status().is_none());
    // The request is in the log as soon as the fault is decided, not when it ends.
    assert_eq!(sim.requests()[0].fault, Some(FaultKind::Timeout));

    // A client with a shorter timeout gives up first.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let err = list_status(&impatient, &sim, &p)
        .await
        .expect_err("timeout");
    assert!(err.is_timeout());
}

#[tokio::test]
async fn server_errors_may_or_may_not_have_applied() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(1.0, &[FaultKind::ServerError]),
        ..SimConfig::default()
    })
    .await;
    let subs: Vec<String> = (0..30)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("S{i}"), "active", 0)
        })
        .collect();
    let http = client();
    for sub in &subs {
        let (status, body) =
            status_json(tw_update(&http, &sim, &p, sub, &[("Status", "suspended")]).await).await;
        assert_eq!((status, body["code"].clone()), (500, json!(20500)));
    }
    let recs = sim.requests();
    for (sub, rec) in subs.iter().zip(&recs) {
        let suspended = sim.twilio().account(sub).map(|a| a.status) == Some("suspended".into());
        assert_eq!(rec.applied, suspended, "{sub}");
        assert_eq!(rec.fault, Some(FaultKind::ServerError));
    }
    let applied = recs.iter().filter(|r| r.applied).count();
    assert!(applied > 0 && applied < 30, "applied {applied} of 30");
}

#[tokio::test]
async fn resets_may_have_applied_too() {
    let (sim, p) = vobiz_sim(SimConfig {
        faults: plan(1.0, &[FaultKind::Reset]),
        ..SimConfig::default()
    })
    .await;
    let subs: Vec<String> = (0..20)
        .map(|i| {
            sim.vobiz()
                .add_subaccount(&p.auth_id, &format!("S{i}"), true)
        })
        .collect();
    let http = client();
    for sub in &subs {
        assert!(vz(&http, Method::DELETE, &sim, &p, sub)
            .send()
            .await
            .is_err());
    }
    let recs = sim.requests();
    for (sub, rec) in subs.iter().zip(&recs) {
        assert_eq!(
            rec.applied,
            sim.vobiz().subaccount(&p.auth_id, sub).is_none()
        );
    }
    let applied = recs.iter().filter(|r| r.applied).count();
    assert!(applied > 0 && applied < 20, "applied {applied} of 20");
}

#[tokio::test]
async fn request_log_and_clear() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let http = client();
    tw_get(
        &http,
        &sim,
        &p,
        "/2010-04-01/Accounts.json?PageSize=5&Status=active",
    )
    .await;
    let recs = sim.requests();
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(
        (r.seq, r.method.as_str(), r.path.as_str()),
        (1, "GET", "/2010-04-01/Accounts.json")
    );
    assert_eq!(r.query, "PageSize=5&Status=active");
    assert_eq!((r.status, r.fault, r.applied), (200, None, false));
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn control_endpoints() {
    let (sim, p) = twilio_sim(SimConfig {
        faults: plan(1.0, &[FaultKind::Unavailable]),
        ..SimConfig::default()
    })
    .await;
    let sub = sim.twilio().add_subaccount(&p.sid, "T", "active", 2);
    let v = sim.vobiz().add_parent("V");
    let sa = sim.vobiz().add_subaccount(&v.auth_id, "VS", false);
    let http = client();
    let base = sim.base_url();

    // Never faulted, never logged.
    let state = json(
        http.get(format!("{base}/_sim/state"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let twilio = state["twilio"].as_array().cloned().unwrap_or_default();
    assert_eq!(twilio.len(), 2);
    assert!(twilio.contains(&json!({"sid": sub, "owner_account_sid": p.sid, "friendly_name": "T", "status": "active", "numbers": 2, "suspended_by_twilio": false})));
    assert_eq!(
        state["vobiz"],
        json!([{"parent_auth_id": v.auth_id, "auth_id": sa, "name": "VS", "enabled": false}])
    );
    assert!(sim.requests().is_empty());

    // Provider requests fail (rate 1), then the config endpoint turns faults off.
    assert_eq!(
        list_status(&http, &sim, &p).await.expect("sent").status(),
        503
    );
    let cfg = json(
        http.post(format!("{base}/_sim/config"))
            .json(&json!({"fault_rate": 0.0, "latency_ms": 5, "concurrency_limit": 4}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(cfg["fault_rate"], json!(0.0));
    assert_eq!(cfg["latency_ms"], json!(5));
    assert_eq!(cfg["concurrency_limit"], json!(4));
    assert_eq!(cfg["fault_kinds"], json!(["unavailable"]));
    assert_eq!(
        list_status(&http, &sim, &p).await.expect("sent").status(),
        200
    );
    let cfg = json(
        http.post(format!("{base}/_sim/config"))
            .json(
                &json!({"concurrency_limit": null, "fault_kinds": ["too_many_requests", "reset"]}),
            )
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(cfg["concurrency_limit"], Value::Null);
    assert_eq!(cfg["latency_ms"], json!(5));
    assert_eq!(cfg["fault_kinds"], json!(["too_many_requests", "reset"]));

    for bad in [
        json!({"fault_rate": 2.0}),
        json!({"fault_kinds": ["explode"]}),
        json!({"latency": 1}),
    ] {
        let resp = http
            .post(format!("{base}/_sim/config"))
            .json(&bad)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 400, "{bad}");
    }

    let recs = json(
        http.get(format!("{base}/_sim/requests"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let recs = recs.as_array().cloned().unwrap_or_default();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["status"], json!(503));
    assert_eq!(recs[0]["fault"], json!("unavailable"));
    assert_eq!(recs[1]["status"], json!(200));
    assert_eq!(recs[1]["fault"], Value::Null);
    assert_eq!(recs[1]["path"], json!("/2010-04-01/Accounts.json"));
    let resp = http
        .delete(format!("{base}/_sim/requests"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 204);
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let http = client();
    let base = sim.base_url();
    assert_eq!(
        list_status(&http, &sim, &p).await.expect("sent").status(),
        200
    );
    sim.shutdown().await;
    let fresh = client();
    assert!(fresh
        .get(format!("{base}/_sim/state"))
        .send()
        .await
        .is_err());
}

/// A provider's own switches go through `/_sim/config` beside the common knobs, and a patch
/// with one bad field changes nothing.
#[tokio::test]
async fn control_config_carries_provider_switches() {
    let (sim, _p) = twilio_sim(SimConfig::default()).await;
    let http = client();
    let url = format!("{}/_sim/config", sim.base_url());
    let post = |body: Value| http.post(&url).json(&body).send();

    let cfg = json(http.get(&url).send().await.expect("sent")).await;
    assert_eq!(cfg["twilio_purge_closed"], json!(false));
    assert_eq!(cfg["twilio_main_key_writes_subaccounts"], json!(true));

    let cfg = json(
        post(json!({"twilio_purge_closed": true}))
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(cfg["twilio_purge_closed"], json!(true));
    assert_eq!(cfg["twilio_main_key_writes_subaccounts"], json!(true));

    let resp = post(json!({"twilio_purge_closed": false, "latency": 1}))
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);
    let resp = post(json!({"twilio_purge_closed": "no", "latency_ms": 7}))
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);

    let cfg = json(
        post(json!({"twilio_purge_closed": null}))
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(cfg["twilio_purge_closed"], json!(true));
    assert_eq!(cfg["latency_ms"], json!(0));
}

/// A planned fault strikes the next write to its target only, replaces the random plan for
/// it, and applies its change when it says; the request log keeps the write's body.
#[tokio::test]
async fn a_planned_fault_strikes_one_write_to_its_target() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let a = sim.twilio().add_subaccount(&p.sid, "A", "active", 0);
    let b = sim.twilio().add_subaccount(&p.sid, "B", "active", 0);
    sim.plan_fault(subdesk_sim::ScriptedFault {
        target: a.clone(),
        kind: FaultKind::GatewayNotFound,
        apply: subdesk_sim::Apply::After(Duration::from_millis(150)),
    });
    let http = client();
    let post = |sid: &str, status: &str| {
        http.post(format!("{}/2010-04-01/Accounts/{sid}.json", sim.base_url()))
            .basic_auth(&p.sid, Some(&p.auth_token))
            .form(&[("Status", status)])
            .send()
    };
    // B's write is not the target: answered normally.
    assert_eq!(post(&b, "suspended").await.unwrap().status(), 200);
    // A's first write gets a gateway's HTML 404 page, not Twilio's JSON body.
    let resp = post(&a, "closed").await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("<html>"));
    assert_eq!(
        sim.twilio().account(&a).unwrap().status,
        "active",
        "not yet"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sim.twilio().account(&a).unwrap().status,
        "closed",
        "applied late"
    );
    let log = sim.requests();
    let faulted = log.iter().find(|r| r.path.contains(&a)).unwrap();
    assert_eq!(faulted.fault, Some(FaultKind::GatewayNotFound));
    assert!(faulted.applied, "marked applied once it went through");
    assert_eq!(faulted.body, "Status=closed");
    // Used up: the next write to A is answered by the provider (closed is final: 400).
    assert_eq!(post(&a, "active").await.unwrap().status(), 400);
}

/// `POST /_sim/plan` plans the same fault from another process (the end-to-end tests).
#[tokio::test]
async fn a_fault_can_be_planned_over_http() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let a = sim.twilio().add_subaccount(&p.sid, "A", "active", 0);
    let http = client();
    let plan = |body: Value| {
        http.post(format!("{}/_sim/plan", sim.base_url()))
            .json(&body)
            .send()
    };
    assert_eq!(
        plan(json!({"target": a, "kind": "nonsense"}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        plan(json!({"target": "", "kind": "unavailable"}))
            .await
            .unwrap()
            .status(),
        400
    );
    let ok = plan(json!({"target": a, "kind": "unavailable", "apply_ms": 0}));
    assert_eq!(ok.await.unwrap().status(), 204);
    let resp = http
        .post(format!("{}/2010-04-01/Accounts/{a}.json", sim.base_url()))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .form(&[("Status", "suspended")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(
        sim.twilio().account(&a).unwrap().status,
        "suspended",
        "applied before the answer"
    );
}
