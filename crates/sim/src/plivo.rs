//! Plivo's Subaccount API (`/v1/Account/{auth_id}/Subaccount/`), as documented
//! (shared/reference/providers.md §3): HTTP Basic with the main account's Auth ID and token;
//! list pages of at most 20 (`limit`, `offset`, `meta.total_count`, newest first); update is a
//! POST that requires `name`; DELETE takes `cascade` in a JSON body (true deletes the subaccount's numbers,
//! applications and endpoints; false, the default, moves them to the main account) and answers
//! 204. Every answer carries `api_id` in its body (no request-id header). Errors are
//! `{"api_id", "error"}`: the usual Plivo shape, not confirmed for this resource.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};

use crate::provider::{basic_credentials, DemoParent, SimProvider};
use crate::request::{mark_applied, Ctx, Failure, Principal, ReqInfo};
use crate::shared::{ProviderState, Shared};
use crate::Sim;

/// The simulated Plivo's settings (see [`crate::SimConfig::plivo`]).
#[derive(Debug, Clone, Default)]
pub struct PlivoConfig {
    /// Subaccounts created after each list page is served, so offsets shift and
    /// `meta.total_count` changes during a listing.
    pub created_per_page: usize,
}

pub const MAX_LIMIT: usize = 20;

#[derive(Clone)]
pub(crate) struct PlivoWorld {
    rng: StdRng,
    /// Main accounts by auth id: (name, token, numbers of its own).
    mains: BTreeMap<String, PlivoMain>,
    /// Subaccounts by auth id.
    subs: BTreeMap<String, PlivoSub>,
    created: u64,
    /// See [`PlivoConfig::created_per_page`].
    created_per_page: usize,
}

#[derive(Clone)]
struct PlivoMain {
    /// "The name of the account holder" (plivo-go `Account.Name`).
    name: String,
    token: String,
    numbers: usize,
}

#[derive(Clone)]
struct PlivoSub {
    main: String,
    /// Its own Auth Token: "each subaccount has its own Auth ID and Token" [doc: Subaccount].
    token: String,
    name: String,
    enabled: bool,
    numbers: usize,
    created: DateTime<Utc>,
    modified: Option<DateTime<Utc>>,
    order: u64,
}

/// A Plivo subaccount as the simulator holds it (for tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlivoSubState {
    pub name: String,
    pub enabled: bool,
    pub numbers: usize,
}

impl ProviderState for PlivoWorld {
    fn new(config: &crate::SimConfig) -> Self {
        let seed = config.rng_seed;
        PlivoWorld {
            rng: StdRng::seed_from_u64(seed ^ 0x504c_4956_4f00),
            mains: BTreeMap::new(),
            subs: BTreeMap::new(),
            created: 0,
            created_per_page: config.plivo.created_per_page,
        }
    }
}

impl PlivoWorld {
    fn id(&mut self, prefix: &str) -> String {
        // `MA`/`SA` + 18 upper-case letters and digits, like `SA2025RK4E639VJFZAMM`.
        format!("{prefix}{}", crate::ids::upper_alnum(&mut self.rng, 18))
    }

    fn add_main(&mut self, name: &str) -> (String, String) {
        let id = self.id("MA");
        let token = crate::ids::secret(&mut self.rng, 40);
        self.mains.insert(
            id.clone(),
            PlivoMain {
                name: name.into(),
                token: token.clone(),
                numbers: 0,
            },
        );
        (id, token)
    }

    fn add_sub(&mut self, main: &str, name: &str, enabled: bool, numbers: usize) -> String {
        let id = self.id("SA");
        let token = crate::ids::secret(&mut self.rng, 40);
        self.created += 1;
        self.subs.insert(
            id.clone(),
            PlivoSub {
                main: main.into(),
                token,
                name: name.into(),
                enabled,
                numbers,
                created: Utc::now(),
                modified: None,
                order: self.created,
            },
        );
        id
    }
}

/// Plivo's API, as the pipeline sees it.
pub(crate) struct Plivo;

impl SimProvider for Plivo {
    fn name(&self) -> &'static str {
        "plivo"
    }

    fn owns(&self, path: &str) -> bool {
        path.starts_with("/v1/Account/")
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        Router::new()
            .route("/v1/Account/{main}/", get(account))
            .route("/v1/Account/{main}/Subaccount/", get(list))
            .route(
                "/v1/Account/{main}/Subaccount/{sub}/",
                get(fetch).post(update).delete(remove),
            )
    }

    fn request_info(&self, shared: &Shared, seq: u64) -> ReqInfo {
        ReqInfo::new(crate::ids::request_uuid(shared.seed ^ 0x504c, seq))
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
        let path_id = path
            .strip_prefix("/v1/Account/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default();
        let who = basic_credentials(headers)
            .filter(|(user, _)| user == path_id)
            .and_then(|(user, token)| {
                shared.state(|w: &mut PlivoWorld| {
                    let main = w.mains.get(&user).is_some_and(|m| m.token == token);
                    let sub = w.subs.get(&user).is_some_and(|s| s.token == token);
                    (main || sub).then_some((user, main))
                })
            });
        match who {
            Some((user, true)) => Ok(Principal::new(user)),
            // A subaccount's own credentials are real, but a subaccount has no subaccounts
            // to manage. What Plivo answers then is not documented; assumed: 403.
            Some((_, false)) => Err(error(
                info,
                StatusCode::FORBIDDEN,
                "Subaccounts cannot manage subaccounts",
            )),
            None => Err(error(
                info,
                StatusCode::UNAUTHORIZED,
                "Authentication failed",
            )),
        }
    }

    fn failure(&self, info: &ReqInfo, failure: Failure) -> Response {
        match failure {
            Failure::RateLimited => error(info, StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
            Failure::ServerError => error(info, StatusCode::INTERNAL_SERVER_ERROR, "Server error"),
            Failure::Unavailable => {
                error(info, StatusCode::SERVICE_UNAVAILABLE, "Service unavailable")
            }
        }
    }

    fn not_found(&self, info: &ReqInfo, _path: &str) -> Response {
        error(info, StatusCode::NOT_FOUND, "not found")
    }

    fn method_not_allowed(&self, info: &ReqInfo) -> Response {
        error(info, StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
    }

    fn default_subaccounts(&self) -> usize {
        6
    }

    /// "Plivo Tenant 1", …: every fourth disabled, 0–2 numbers each.
    fn seed_parent(&self, shared: &Shared, subaccounts: usize) -> Value {
        shared.state(|w: &mut PlivoWorld| {
            let (id, token) = w.add_main("Demo Reseller (Plivo)");
            for i in 0..subaccounts {
                w.add_sub(&id, &format!("Plivo Tenant {}", i + 1), i % 4 != 3, i % 3);
            }
            json!({"auth_id": id, "auth_token": token})
        })
    }

    fn seed_demo(&self, shared: &Shared) -> DemoParent {
        shared.state(|w: &mut PlivoWorld| {
            let (id, token) = w.add_main("Demo Reseller (Plivo)");
            for (i, name) in DEMO_NAMES.iter().enumerate() {
                w.add_sub(&id, name, i % 4 != 3, i % 3);
            }
            DemoParent {
                provider: "plivo",
                label: "Demo Plivo".into(),
                parent_name: "Demo Reseller (Plivo)".into(),
                account_id: id,
                secret: token,
            }
        })
    }
}

const DEMO_NAMES: [&str; 6] = [
    "Harbour Dental",
    "Quayside Bikes",
    "Lantern Books",
    "Juniper Yoga",
    "Orchard Vets",
    "Copper Kettle Cafe",
];

fn error(info: &ReqInfo, status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"api_id": info.request_id, "error": message})),
    )
        .into_response()
}

fn sub_json(id: &str, s: &PlivoSub) -> Value {
    json!({
        "account": format!("/v1/Account/{}/", s.main),
        "api_id": Value::Null,
        "auth_id": id,
        "auth_token": "<hidden by the simulator>",
        "created": s.created.format("%Y-%m-%d").to_string(),
        "enabled": s.enabled,
        "modified": s.modified.map(|m| m.format("%Y-%m-%d").to_string()),
        "name": s.name,
        "resource_uri": format!("/v1/Account/{}/Subaccount/{id}/", s.main),
    })
}

fn params(raw: Option<&str>) -> BTreeMap<String, String> {
    serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = params(raw.as_deref());
    let number =
        |k: &str, default: usize| q.get(k).map(|v| v.parse::<usize>()).unwrap_or(Ok(default));
    let (Ok(limit), Ok(offset)) = (number("limit", 20), number("offset", 0)) else {
        return error(
            &ctx.info,
            StatusCode::BAD_REQUEST,
            "limit and offset must be integers",
        );
    };
    if limit == 0 || limit > MAX_LIMIT {
        return error(
            &ctx.info,
            StatusCode::BAD_REQUEST,
            "limit must be between 1 and 20",
        );
    }
    let main = ctx.principal.parent.clone();
    let (objects, total) = shared.state(|w: &mut PlivoWorld| {
        let mut mine: Vec<(&String, &PlivoSub)> =
            w.subs.iter().filter(|(_, s)| s.main == main).collect();
        mine.sort_by_key(|(_, s)| std::cmp::Reverse(s.order));
        let page: Vec<Value> = mine
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(id, s)| sub_json(id, s))
            .collect();
        (page, mine.len())
    });
    // Subaccounts created while a client pages through (newest first): later pages shift and
    // `total_count` changes under it.
    shared.state(|w: &mut PlivoWorld| {
        for _ in 0..w.created_per_page {
            let n = w.created;
            w.add_sub(&main, &format!("Created during a listing {n}"), true, 0);
        }
    });
    let base = format!("/v1/Account/{main}/Subaccount/");
    let next =
        (offset + limit < total).then(|| format!("{base}?limit={limit}&offset={}", offset + limit));
    let previous = (offset > 0).then(|| {
        format!(
            "{base}?limit={limit}&offset={}",
            offset.saturating_sub(limit)
        )
    });
    Json(json!({
        "api_id": ctx.info.request_id,
        "meta": {"limit": limit, "next": next, "offset": offset, "previous": previous, "total_count": total},
        "objects": objects,
    }))
    .into_response()
}

/// `GET /v1/Account/{auth_id}/`: the main account itself (plivo-go `AccountService.Get`, the
/// `Account` fields: `account_type`, `auth_id`, `cash_credits`, `name`, …).
async fn account(State(shared): State<Arc<Shared>>, Extension(ctx): Extension<Ctx>) -> Response {
    let main = ctx.principal.parent.clone();
    let found = shared.state(|w: &mut PlivoWorld| w.mains.get(&main).map(|m| m.name.clone()));
    match found {
        Some(name) => Json(json!({
            "account_type": "standard",
            "api_id": ctx.info.request_id,
            "auth_id": main,
            "auto_recharge": false,
            "billing_mode": "prepaid",
            "cash_credits": "125.50000",
            "name": name,
            "resource_uri": format!("/v1/Account/{main}/"),
            "timezone": "Asia/Kolkata",
        }))
        .into_response(),
        None => error(&ctx.info, StatusCode::NOT_FOUND, "not found"),
    }
}

async fn fetch(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    Path((_, sub)): Path<(String, String)>,
) -> Response {
    let main = ctx.principal.parent.clone();
    match shared.state(|w: &mut PlivoWorld| {
        w.subs
            .get(&sub)
            .filter(|s| s.main == main)
            .map(|s| sub_json(&sub, s))
    }) {
        Some(mut v) => {
            v["api_id"] = json!(ctx.info.request_id);
            Json(v).into_response()
        }
        None => error(&ctx.info, StatusCode::NOT_FOUND, "not found"),
    }
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    Path((_, sub)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Plivo's SDKs send JSON; a form body is read too.
    let json_body = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let fields: BTreeMap<String, Value> = if json_body {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return error(&ctx.info, StatusCode::BAD_REQUEST, "invalid JSON body"),
        }
    } else {
        serde_urlencoded::from_bytes::<BTreeMap<String, String>>(&body)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, json!(v)))
            .collect()
    };
    // `name` is required by the update, and must not be blank.
    let Some(name) = fields
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
    else {
        return error(&ctx.info, StatusCode::BAD_REQUEST, "name is required");
    };
    let enabled = match fields.get("enabled") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Some(s == "true"),
        Some(_) => {
            return error(
                &ctx.info,
                StatusCode::BAD_REQUEST,
                "enabled must be true or false",
            )
        }
    };
    let main = ctx.principal.parent.clone();
    let changed = shared.state(|w: &mut PlivoWorld| {
        let s = w.subs.get_mut(&sub).filter(|s| s.main == main)?;
        s.name = name;
        if let Some(e) = enabled {
            s.enabled = e;
        }
        s.modified = Some(Utc::now());
        Some(())
    });
    match changed {
        Some(()) => mark_applied(
            (
                StatusCode::ACCEPTED,
                Json(json!({"message": "changed", "api_id": ctx.info.request_id})),
            )
                .into_response(),
            true,
        ),
        None => error(&ctx.info, StatusCode::NOT_FOUND, "not found"),
    }
}

async fn remove(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    Path((_, sub)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    // `cascade` is read from the JSON body only, as every official SDK sends the parameters
    // of a non-GET request (plivo-go baseclient.go `NewRequest`; plivo-python and plivo-node
    // build a query string only for GET). A query parameter is not read: Plivo's default,
    // false, applies then.
    let cascade = match delete_cascade(&body) {
        Ok(c) => c,
        Err(message) => return error(&ctx.info, StatusCode::BAD_REQUEST, message),
    };
    let main = ctx.principal.parent.clone();
    let gone = shared.state(|w: &mut PlivoWorld| {
        if w.subs.get(&sub).is_none_or(|s| s.main != main) {
            return false;
        }
        let s = w.subs.remove(&sub).expect("checked");
        if !cascade {
            // Re-mapped to the main account.
            if let Some(m) = w.mains.get_mut(&main) {
                m.numbers += s.numbers;
            }
        }
        true
    });
    if gone {
        mark_applied(StatusCode::NO_CONTENT.into_response(), true)
    } else {
        error(&ctx.info, StatusCode::NOT_FOUND, "not found")
    }
}

/// `cascade` from a DELETE's JSON body: absent or an empty body is false (the documented
/// default).
fn delete_cascade(body: &[u8]) -> Result<bool, &'static str> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(false);
    }
    let Ok(fields) = serde_json::from_slice::<BTreeMap<String, Value>>(body) else {
        return Err("invalid JSON body");
    };
    match fields.get("cascade") {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err("cascade must be true or false"),
    }
}

/// The simulator's Plivo accounts: `sim.plivo()`.
pub struct PlivoSim<'a> {
    shared: &'a Shared,
}

impl Sim {
    /// Seeding, switches and inspection of the simulated Plivo.
    pub fn plivo(&self) -> PlivoSim<'_> {
        PlivoSim {
            shared: &self.shared,
        }
    }
}

impl PlivoSim<'_> {
    /// A Plivo main account named "Plivo Reseller": `(auth_id, auth_token)`.
    pub fn add_main(&self) -> (String, String) {
        self.add_main_named("Plivo Reseller")
    }

    /// A Plivo main account whose holder's name is `name`: `(auth_id, auth_token)`.
    pub fn add_main_named(&self, name: &str) -> (String, String) {
        self.shared.state(|w: &mut PlivoWorld| w.add_main(name))
    }

    /// A subaccount of `main` with `numbers` phone numbers; returns its auth id.
    pub fn add_subaccount(&self, main: &str, name: &str, enabled: bool, numbers: usize) -> String {
        self.shared
            .state(|w: &mut PlivoWorld| w.add_sub(main, name, enabled, numbers))
    }

    /// See [`PlivoConfig::created_per_page`].
    pub fn set_created_per_page(&self, n: usize) {
        self.shared
            .state(|w: &mut PlivoWorld| w.created_per_page = n);
    }

    /// Every subaccount of `main`, newest first: `(auth_id, name)`.
    pub fn subaccounts(&self, main: &str) -> Vec<(String, String)> {
        self.shared.state(|w: &mut PlivoWorld| {
            let mut mine: Vec<(&String, &PlivoSub)> =
                w.subs.iter().filter(|(_, s)| s.main == main).collect();
            mine.sort_by_key(|(_, s)| std::cmp::Reverse(s.order));
            mine.into_iter()
                .map(|(id, s)| (id.clone(), s.name.clone()))
                .collect()
        })
    }

    /// A subaccount's own Auth Token (its Auth ID is `id`).
    pub fn subaccount_token(&self, id: &str) -> Option<String> {
        self.shared
            .state(|w: &mut PlivoWorld| w.subs.get(id).map(|s| s.token.clone()))
    }

    pub fn subaccount(&self, id: &str) -> Option<PlivoSubState> {
        self.shared.state(|w: &mut PlivoWorld| {
            w.subs.get(id).map(|s| PlivoSubState {
                name: s.name.clone(),
                enabled: s.enabled,
                numbers: s.numbers,
            })
        })
    }

    /// The main account's own numbers (numbers of deleted subaccounts move here unless
    /// `cascade` was true).
    pub fn main_numbers(&self, main: &str) -> usize {
        self.shared
            .state(|w: &mut PlivoWorld| w.mains.get(main).map_or(0, |m| m.numbers))
    }
}
