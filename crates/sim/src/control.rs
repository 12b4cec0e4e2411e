//! `/_sim/…`: the simulator's own endpoints, for end-to-end tests that drive the binary from
//! another process (node). No auth (the server only listens on loopback), no faults, no
//! latency, and not in the request log.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};

use crate::config::FaultKind;
use crate::shared::{Knobs, Shared};
use crate::PROVIDERS;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/state", get(state))
        .route("/_sim/config", get(get_config).post(set_config))
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/plan", axum::routing::post(plan_fault))
}

/// `GET /_sim/state`: the accounts of every provider that lists them (see
/// [`crate::provider::SimProvider::snapshot`]), under the provider's name, and under `_sim`
/// the simulator's own counters (no provider's): requests in flight now, the most ever in
/// flight at once, and that most per parent (`"twilio/AC…": 8`).
async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let mut all: Map<String, Value> = PROVIDERS
        .iter()
        .filter_map(|p| Some((p.name().to_owned(), p.snapshot(&shared)?)))
        .collect();
    all.insert(
        "_sim".to_owned(),
        json!({
            "in_flight": shared.in_flight_now(),
            "max_in_flight": shared.max_in_flight_seen(),
            "max_in_flight_per_parent": shared.max_in_flight_per_parent(),
        }),
    );
    Json(Value::Object(all)).into_response()
}

/// `GET /_sim/requests`: the request log, in arrival order.
async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.records()).into_response()
}

/// `DELETE /_sim/requests`: empties the request log.
async fn clear_requests(State(shared): State<Arc<Shared>>) -> Response {
    shared.clear_records();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_sim/plan` with `{"target": "<account id>", "kind": "gateway_timeout",
/// "apply_ms": 400}`: plans a fault for the next write to that account (see
/// [`crate::ScriptedFault`]). `apply_ms` absent: never applied; 0: applied before the answer.
async fn plan_fault(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Plan {
        target: String,
        kind: FaultKind,
        apply_ms: Option<u64>,
    }
    let Ok(body) = body else {
        return bad_request("could not read the request body".into());
    };
    let plan: Plan = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("invalid plan: {e}")),
    };
    if plan.target.is_empty() {
        return bad_request("invalid plan: target is empty".into());
    }
    let apply = match plan.apply_ms {
        None => crate::Apply::Never,
        Some(0) => crate::Apply::BeforeAnswer,
        Some(ms) => crate::Apply::After(Duration::from_millis(ms)),
    };
    shared.plan(crate::ScriptedFault {
        target: plan.target,
        kind: plan.kind,
        apply,
    });
    StatusCode::NO_CONTENT.into_response()
}

fn knobs_json(k: &Knobs) -> Value {
    json!({
        "latency_ms": k.latency.as_millis(),
        "fault_rate": k.faults.rate,
        "fault_kinds": k.faults.kinds,
        "concurrency_limit": k.concurrency_limit,
        "retry_after_secs": k.retry_after_secs,
        "timeout_hang_ms": k.timeout_hang.as_millis(),
        "apply_delay_ms": k.apply_delay.as_millis(),
        "faults_on_writes_only": k.faults_on_writes_only,
    })
}

/// The common knobs and every provider's switches.
fn config_json(shared: &Shared, knobs: &Knobs) -> Value {
    let mut v = knobs_json(knobs);
    if let Some(obj) = v.as_object_mut() {
        for p in PROVIDERS {
            obj.extend(p.switches(shared));
        }
    }
    v
}

async fn get_config(State(shared): State<Arc<Shared>>) -> Response {
    Json(config_json(&shared, &shared.knobs())).into_response()
}

/// A partial update: absent fields stay as they are; `null` clears the optional ones.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigPatch {
    latency_ms: Option<u64>,
    fault_rate: Option<f64>,
    fault_kinds: Option<Vec<FaultKind>>,
    #[serde(default, deserialize_with = "present")]
    concurrency_limit: Option<Option<usize>>,
    #[serde(default, deserialize_with = "present")]
    retry_after_secs: Option<Option<u64>>,
    timeout_hang_ms: Option<u64>,
    apply_delay_ms: Option<u64>,
    faults_on_writes_only: Option<bool>,
}

/// Tells "field absent" (outer `None`, via `default`) from "field is null" (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

/// `POST /_sim/config` with a JSON [`ConfigPatch`]; answers the resulting settings.
async fn set_config(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Ok(body) = body else {
        return bad_request("could not read the request body".into());
    };
    let mut fields: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_request(format!("invalid config patch: {e}")),
    };
    // Each provider takes its own fields; what is left must be common knobs.
    let mut changes = Vec::new();
    for p in PROVIDERS {
        match p.take_switches(&mut fields) {
            Ok(change) => changes.extend(change),
            Err(e) => return bad_request(format!("invalid config patch: {e}")),
        }
    }
    let patch = match ConfigPatch::deserialize(Value::Object(fields)) {
        Ok(p) => p,
        Err(e) => return bad_request(format!("invalid config patch: {e}")),
    };
    if let Some(rate) = patch.fault_rate {
        if !(0.0..=1.0).contains(&rate) {
            return bad_request(format!("fault_rate must be between 0 and 1, got {rate}"));
        }
    }
    if patch.concurrency_limit == Some(Some(0)) {
        return bad_request("concurrency_limit must be at least 1 (or null for none)".into());
    }
    let knobs = shared.update_knobs(|k| {
        if let Some(ms) = patch.latency_ms {
            k.latency = Duration::from_millis(ms);
        }
        if let Some(rate) = patch.fault_rate {
            k.faults.rate = rate;
        }
        if let Some(kinds) = patch.fault_kinds {
            k.faults.kinds = kinds;
        }
        if let Some(limit) = patch.concurrency_limit {
            k.concurrency_limit = limit;
        }
        if let Some(secs) = patch.retry_after_secs {
            k.retry_after_secs = secs;
        }
        if let Some(ms) = patch.timeout_hang_ms {
            k.timeout_hang = Duration::from_millis(ms);
        }
        if let Some(ms) = patch.apply_delay_ms {
            k.apply_delay = Duration::from_millis(ms);
        }
        if let Some(yes) = patch.faults_on_writes_only {
            k.faults_on_writes_only = yes;
        }
    });
    for change in changes {
        change(&shared);
    }
    Json(config_json(&shared, &knobs)).into_response()
}
