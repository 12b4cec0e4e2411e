//! Vonage's Subaccounts API (`/accounts/{api_key}/subaccounts`), as its OpenAPI spec describes
//! it (shared/reference/providers.md §4): HTTP Basic with the primary account's API key and
//! secret; the list answers the primary account and every subaccount at once (no paging);
//! suspend and reactivate are `PATCH {"suspended": true|false}` in JSON; there is no close or
//! delete. Errors are `{type, title, detail, instance}`: 401 bad credentials, 403 the account
//! is not enabled for the Subaccounts API, 404 an unknown or foreign key, 422 validation.
//! Vonage documents no request-id header: `instance` in the error body is the request's id.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::provider::{basic_credentials, DemoParent, SimProvider};
use crate::request::{mark_applied, Ctx, Failure, Principal, ReqInfo};
use crate::shared::{ProviderState, Shared};
use crate::Sim;

/// The simulated Vonage's settings (see [`crate::SimConfig::vonage`]).
#[derive(Debug, Clone, Default)]
pub struct VonageConfig {
    /// What a PATCH answers. The spec documents 200 with the subaccount; this models
    /// an answer that still shows the state from before the request.
    pub patch_answer: VonagePatchAnswer,
}

/// What Vonage's PATCH on a subaccount answers (see [`VonageConfig::patch_answer`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VonagePatchAnswer {
    /// 200 with the subaccount as the change left it (what the spec documents).
    #[default]
    Current,
    /// The change is made, but the 200 shows the subaccount as it was before (a stale read).
    Stale,
    /// 200 with the subaccount unchanged, and the change is not made.
    Ignored,
}

#[derive(Clone)]
pub(crate) struct VonageWorld {
    rng: StdRng,
    primaries: BTreeMap<String, VonagePrimary>,
    subs: BTreeMap<String, VonageSub>,
    /// Primary keys whose account is not enabled for the Subaccounts API (403).
    not_enabled: Vec<String>,
    /// See [`VonageConfig::patch_answer`].
    patch_answer: VonagePatchAnswer,
    /// Subaccounts whose PATCH answers 422 validation, with one `invalid_parameters` entry:
    /// `(name, reason)`. Which requests Vonage refuses this way is not documented.
    refused: BTreeMap<String, (String, String)>,
}

#[derive(Clone)]
struct VonagePrimary {
    name: String,
    secret: String,
    created: DateTime<Utc>,
}

#[derive(Clone)]
struct VonageSub {
    primary: String,
    name: String,
    suspended: bool,
    /// `None`: uses the primary account's balance (`balance` and `credit_limit` are null).
    own_balance: Option<(f64, f64)>,
    created: DateTime<Utc>,
}

/// A Vonage subaccount as the simulator holds it (for tests).
#[derive(Debug, Clone, PartialEq)]
pub struct VonageSubState {
    pub name: String,
    pub suspended: bool,
}

impl ProviderState for VonageWorld {
    fn new(config: &crate::SimConfig) -> Self {
        let seed = config.rng_seed;
        VonageWorld {
            rng: StdRng::seed_from_u64(seed ^ 0x564f_4e41_4745),
            primaries: BTreeMap::new(),
            subs: BTreeMap::new(),
            not_enabled: Vec::new(),
            patch_answer: config.vonage.patch_answer,
            refused: BTreeMap::new(),
        }
    }
}

impl VonageWorld {
    fn add_primary(&mut self, name: &str) -> (String, String) {
        let key = crate::ids::hex(&mut self.rng, 8);
        let secret = crate::ids::secret(&mut self.rng, 16);
        self.primaries.insert(
            key.clone(),
            VonagePrimary {
                name: name.into(),
                secret: secret.clone(),
                created: Utc::now(),
            },
        );
        (key, secret)
    }

    fn add_sub(
        &mut self,
        primary: &str,
        name: &str,
        suspended: bool,
        own: Option<(f64, f64)>,
    ) -> String {
        let key = crate::ids::hex(&mut self.rng, 8);
        self.subs.insert(
            key.clone(),
            VonageSub {
                primary: primary.into(),
                name: name.into(),
                suspended,
                own_balance: own,
                created: Utc::now(),
            },
        );
        key
    }
}

pub(crate) struct Vonage;

impl SimProvider for Vonage {
    fn name(&self) -> &'static str {
        "vonage"
    }

    fn owns(&self, path: &str) -> bool {
        path.starts_with("/accounts/")
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        Router::new()
            .route("/accounts/{key}/subaccounts", get(list))
            .route(
                "/accounts/{key}/subaccounts/{sub}",
                get(fetch).patch(modify),
            )
    }

    fn request_info(&self, shared: &Shared, seq: u64) -> ReqInfo {
        ReqInfo::new(crate::ids::request_uuid(shared.seed ^ 0x564f, seq))
    }

    fn request_id_header(&self, _: &ReqInfo) -> Option<HeaderName> {
        None
    }

    fn authenticate(
        &self,
        shared: &Shared,
        path: &str,
        headers: &HeaderMap,
        info: &ReqInfo,
    ) -> Result<Principal, Response> {
        let path_key = path
            .strip_prefix("/accounts/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_string();
        let Some((user, secret)) = basic_credentials(headers) else {
            return Err(problem(
                info,
                StatusCode::UNAUTHORIZED,
                "Invalid credentials",
                "You did not provide correct credentials.",
            ));
        };
        let (valid, enabled) = shared.state(|w: &mut VonageWorld| {
            (
                w.primaries.get(&user).is_some_and(|p| p.secret == secret),
                !w.not_enabled.contains(&user),
            )
        });
        if !valid {
            return Err(problem(
                info,
                StatusCode::UNAUTHORIZED,
                "Invalid credentials",
                "You did not provide correct credentials.",
            ));
        }
        if user != path_key {
            return Err(problem(
                info,
                StatusCode::NOT_FOUND,
                "Invalid API Key",
                &format!("API key '{path_key}' does not exist, or you do not have access"),
            ));
        }
        if !enabled {
            return Err(problem(
                info,
                StatusCode::FORBIDDEN,
                "Authorisation error",
                "Account is not provisioned to access Subaccount Provisioning API",
            ));
        }
        Ok(Principal::new(user))
    }

    fn failure(&self, info: &ReqInfo, failure: Failure) -> Response {
        match failure {
            Failure::RateLimited => problem(
                info,
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Rate limit hit. Please wait and try again.",
            ),
            Failure::ServerError => problem(
                info,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "Something went wrong.",
            ),
            Failure::Unavailable => problem(
                info,
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "Please try again later.",
            ),
        }
    }

    fn not_found(&self, info: &ReqInfo, path: &str) -> Response {
        problem(
            info,
            StatusCode::NOT_FOUND,
            "Invalid Resource",
            &format!("{path} was not found"),
        )
    }

    fn method_not_allowed(&self, info: &ReqInfo) -> Response {
        problem(
            info,
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "This method is not allowed here.",
        )
    }

    fn default_subaccounts(&self) -> usize {
        4
    }

    /// "Vonage Tenant 1", …: every third suspended, the first with a balance of its own.
    fn seed_parent(&self, shared: &Shared, subaccounts: usize) -> Value {
        shared.state(|w: &mut VonageWorld| {
            let (key, secret) = w.add_primary("Demo Reseller (Vonage)");
            for i in 0..subaccounts {
                let own_balance = (i == 0).then_some((12.5, 50.0));
                w.add_sub(
                    &key,
                    &format!("Vonage Tenant {}", i + 1),
                    i % 3 == 2,
                    own_balance,
                );
            }
            json!({"api_key": key, "api_secret": secret})
        })
    }

    fn seed_demo(&self, shared: &Shared) -> DemoParent {
        shared.state(|w: &mut VonageWorld| {
            let (key, secret) = w.add_primary("Demo Reseller (Vonage)");
            // (name, suspended, own balance and credit limit; None: shares the primary's)
            type Tenant = (&'static str, bool, Option<(f64, f64)>);
            let tenants: [Tenant; 5] = [
                ("Birch Lane Florist", false, Some((42.5, 100.0))),
                ("Riverside Tutors", false, None),
                ("Nimbus Travel", true, Some((0.0, 50.0))),
                ("Foxglove Studio", false, None),
                ("Granite Builders", false, Some((318.75, 500.0))),
            ];
            for (name, suspended, own) in tenants {
                w.add_sub(&key, name, suspended, own);
            }
            DemoParent {
                provider: "vonage",
                label: "Demo Vonage".into(),
                parent_name: "Demo Reseller (Vonage)".into(),
                account_id: key,
                secret,
            }
        })
    }
}

fn problem(info: &ReqInfo, status: StatusCode, title: &str, detail: &str) -> Response {
    let mut resp = (
        status,
        Json(json!({
            "type": format!("https://developer.nexmo.com/api-errors#{}", status.as_u16()),
            "title": title,
            "detail": detail,
            "instance": info.request_id,
        })),
    )
        .into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    resp
}

/// A 422 validation problem with one `invalid_parameters` entry, as the errors page documents
/// it ("see the detail (and, if present, the invalid_parameters) fields").
fn validation(info: &ReqInfo, name: &str, reason: &str) -> Response {
    let mut resp = problem(
        info,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Bad Request",
        "The request failed due to validation errors",
    );
    let body = json!({
        "type": "https://developer.nexmo.com/api-errors/account/subaccounts#validation",
        "title": "Bad Request",
        "detail": "The request failed due to validation errors",
        "instance": info.request_id,
        "invalid_parameters": [{"name": name, "reason": reason}],
    });
    *resp.body_mut() = axum::body::Body::from(body.to_string());
    resp
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn sub_json(key: &str, s: &VonageSub) -> Value {
    json!({
        "api_key": key,
        "name": s.name,
        "primary_account_api_key": s.primary,
        "use_primary_account_balance": s.own_balance.is_none(),
        "created_at": iso(s.created),
        "suspended": s.suspended,
        "balance": s.own_balance.map(|b| b.0),
        "credit_limit": s.own_balance.map(|b| b.1),
    })
}

async fn list(State(shared): State<Arc<Shared>>, Extension(ctx): Extension<Ctx>) -> Response {
    let key = ctx.principal.parent.clone();
    let body = shared.state(|w: &mut VonageWorld| {
        let p = &w.primaries[&key];
        let subs: Vec<Value> = w
            .subs
            .iter()
            .filter(|(_, s)| s.primary == key)
            .map(|(k, s)| sub_json(k, s))
            .collect();
        json!({"_embedded": {
            "primary_account": {
                "api_key": key,
                "name": p.name,
                "balance": 1250.0,
                "credit_limit": 0.0,
                "suspended": false,
                "created_at": iso(p.created),
            },
            "subaccounts": subs,
        }})
    });
    Json(body).into_response()
}

async fn fetch(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    Path((_, sub)): Path<(String, String)>,
) -> Response {
    let key = ctx.principal.parent.clone();
    match shared.state(|w: &mut VonageWorld| {
        w.subs
            .get(&sub)
            .filter(|s| s.primary == key)
            .map(|s| sub_json(&sub, s))
    }) {
        Some(v) => Json(v).into_response(),
        None => problem(
            &ctx.info,
            StatusCode::NOT_FOUND,
            "Invalid API Key",
            &format!("API key '{sub}' does not exist, or you do not have access"),
        ),
    }
}

async fn modify(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    Path((_, sub)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Ok(fields) = serde_json::from_slice::<BTreeMap<String, Value>>(&body) else {
        return problem(
            &ctx.info,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Bad Request",
            "The request body is not valid JSON.",
        );
    };
    let suspended = match fields.get("suspended") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return validation(&ctx.info, "suspended", "Must be a boolean"),
    };
    if let Some((name, reason)) = shared.state(|w: &mut VonageWorld| w.refused.get(&sub).cloned()) {
        return validation(&ctx.info, &name, &reason);
    }
    let key = ctx.principal.parent.clone();
    let changed = shared.state(|w: &mut VonageWorld| {
        let answer = w.patch_answer;
        let s = w.subs.get_mut(&sub).filter(|s| s.primary == key)?;
        let before = sub_json(&sub, s);
        if answer == VonagePatchAnswer::Ignored {
            return Some(before);
        }
        if let Some(v) = suspended {
            s.suspended = v;
        }
        if let Some(n) = fields.get("name").and_then(Value::as_str) {
            s.name = n.into();
        }
        Some(match answer {
            VonagePatchAnswer::Stale => before,
            _ => sub_json(&sub, s),
        })
    });
    match changed {
        Some(v) => mark_applied(Json(v).into_response(), true),
        None => problem(
            &ctx.info,
            StatusCode::NOT_FOUND,
            "Invalid API Key",
            &format!("API key '{sub}' does not exist, or you do not have access"),
        ),
    }
}

/// The simulator's Vonage accounts: `sim.vonage()`.
pub struct VonageSim<'a> {
    shared: &'a Shared,
}

impl Sim {
    /// Seeding, switches and inspection of the simulated Vonage.
    pub fn vonage(&self) -> VonageSim<'_> {
        VonageSim {
            shared: &self.shared,
        }
    }
}

impl VonageSim<'_> {
    /// A Vonage primary account: `(api_key, api_secret)`.
    pub fn add_primary(&self, name: &str) -> (String, String) {
        self.shared.state(|w: &mut VonageWorld| w.add_primary(name))
    }

    /// A subaccount; `own_balance`: `(balance, credit_limit)`, or `None` to share the
    /// primary's. Returns its API key.
    pub fn add_subaccount(
        &self,
        primary: &str,
        name: &str,
        suspended: bool,
        own_balance: Option<(f64, f64)>,
    ) -> String {
        self.shared
            .state(|w: &mut VonageWorld| w.add_sub(primary, name, suspended, own_balance))
    }

    pub fn subaccount(&self, key: &str) -> Option<VonageSubState> {
        self.shared.state(|w: &mut VonageWorld| {
            w.subs.get(key).map(|s| VonageSubState {
                name: s.name.clone(),
                suspended: s.suspended,
            })
        })
    }

    /// Whether the primary account is enabled for the Subaccounts API (403 when not).
    /// From now on, a PATCH of `sub` answers 422 validation with `invalid_parameters`
    /// `[{name, reason}]`.
    pub fn refuse_patch(&self, sub: &str, name: &str, reason: &str) {
        self.shared.state(|w: &mut VonageWorld| {
            w.refused.insert(sub.into(), (name.into(), reason.into()))
        });
    }

    /// See [`VonageConfig::patch_answer`].
    pub fn set_patch_answer(&self, answer: VonagePatchAnswer) {
        self.shared
            .state(|w: &mut VonageWorld| w.patch_answer = answer);
    }

    pub fn set_subaccounts_enabled(&self, primary: &str, enabled: bool) {
        self.shared.state(|w: &mut VonageWorld| {
            w.not_enabled.retain(|k| k != primary);
            if !enabled {
                w.not_enabled.push(primary.to_string());
            }
        })
    }
}
