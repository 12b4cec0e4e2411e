//! Helpers shared by the integration tests: every test talks real HTTP to a fresh simulator.

use std::time::Duration;

use serde_json::Value;
use subdesk_sim::{Sim, SimConfig, TwilioParent, VobizParent};

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

pub async fn start(config: SimConfig) -> Sim {
    Sim::start(config).await.expect("simulator starts")
}

/// A simulator with one Twilio parent.
pub async fn twilio_sim(config: SimConfig) -> (Sim, TwilioParent) {
    let sim = start(config).await;
    let parent = sim.twilio().add_parent("Parent Co");
    (sim, parent)
}

/// A simulator with one Vobiz parent.
pub async fn vobiz_sim(config: SimConfig) -> (Sim, VobizParent) {
    let sim = start(config).await;
    let parent = sim.vobiz().add_parent("Parent Co");
    (sim, parent)
}

/// GET a Twilio path (relative, starting with /2010-04-01) with the parent's credentials.
pub async fn tw_get(
    http: &reqwest::Client,
    sim: &Sim,
    p: &TwilioParent,
    path: &str,
) -> reqwest::Response {
    http.get(format!("{}{path}", sim.base_url()))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .send()
        .await
        .expect("request sent")
}

/// POST a form to `/2010-04-01/Accounts/{sid}.json` with the parent's credentials.
pub async fn tw_update(
    http: &reqwest::Client,
    sim: &Sim,
    p: &TwilioParent,
    sid: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!("{}/2010-04-01/Accounts/{sid}.json", sim.base_url()))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .form(form)
        .send()
        .await
        .expect("request sent")
}

pub fn vobiz_url(sim: &Sim, parent: &str, rest: &str) -> String {
    format!(
        "{}/api/v1/accounts/{parent}/sub-accounts/{rest}",
        sim.base_url()
    )
}

/// A Vobiz request builder with the parent's auth headers.
pub fn vz(
    http: &reqwest::Client,
    method: reqwest::Method,
    sim: &Sim,
    p: &VobizParent,
    rest: &str,
) -> reqwest::RequestBuilder {
    http.request(method, vobiz_url(sim, &p.auth_id, rest))
        .header("X-Auth-ID", &p.auth_id)
        .header("X-Auth-Token", &p.auth_token)
}

pub async fn json(resp: reqwest::Response) -> Value {
    resp.json().await.expect("JSON body")
}

/// Status and JSON body.
pub async fn status_json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, json(resp).await)
}
