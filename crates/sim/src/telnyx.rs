//! Telnyx's Managed Accounts API (`/v2/managed_accounts`), as its OpenAPI spec describes it
//! (shared/reference/providers.md §5): `Authorization: Bearer <API key>`; the list pages with
//! `page[number]` (from 1) and `page[size]` (1 to 250, default 20) and answers
//! `meta.total_pages`; cancelled accounts are listed only with `include_cancelled_accounts=true`;
//! `POST …/{id}/actions/disable` and `…/actions/enable` (`{"reenable_all_connections": bool}`)
//! answer `{data: ManagedAccount}`. **The managed-account object has no status field**: the
//! simulator keeps whether an account is disabled, and never shows it. Errors are
//! `{"errors": [{"code", "title", "detail"}]}` with string codes (10009 authentication failed,
//! 10010 not authorized, 10005 not found, 10011 too many requests); `x-request-id` header. A
//! valid key of an account that is not a manager is refused on managed accounts with 401, the
//! one refusal the spec documents (403/10010 behind a knob), and may read `GET /v2/balance`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};

use crate::provider::{DemoParent, SimProvider};
use crate::request::{mark_applied, Ctx, Failure, Principal, ReqInfo};
use crate::shared::{ProviderState, Shared};
use crate::Sim;

/// The simulated Telnyx's settings (see [`crate::SimConfig::telnyx`]).
#[derive(Debug, Clone)]
pub struct TelnyxConfig {
    /// The list answers without `meta`. Every `meta` field is optional in the spec
    /// (team-telnyx/telnyx-java `ListManagedAccounts200Response`), so a client cannot count
    /// on `total_pages`.
    pub list_without_meta: bool,
    /// The order of a list that sends no `sort`. The spec says both "by default
    /// sorting direction is ascending" (default `created_at`) and "if not given, results are
    /// sorted by created_at in descending order"; true follows the second sentence.
    pub unsorted_newest_first: bool,
    /// How the managed-accounts resource refuses a valid key of an account that is not
    /// a manager. The spec documents only 200 and 401 for the list ("Unauthorized response.
    /// Happens when the current user is not a manager account": team-telnyx/telnyx-java
    /// `ManagedAccountsApi.java`), with the same body as a wrong key; false (the default)
    /// answers that. True answers 403 with code 10010 ("Authorization failed"), an answer
    /// the spec does not document. Other resources (`GET /v2/balance`) take the key either way.
    pub not_manager_403: bool,
}

impl Default for TelnyxConfig {
    fn default() -> Self {
        TelnyxConfig {
            list_without_meta: false,
            unsorted_newest_first: true,
            not_manager_403: false,
        }
    }
}

pub const MAX_PAGE_SIZE: usize = 250;

#[derive(Clone)]
pub(crate) struct TelnyxWorld {
    rng: StdRng,
    /// Manager accounts by API key: (manager id, is a manager).
    keys: BTreeMap<String, (String, bool)>,
    accounts: BTreeMap<String, TelnyxAccount>,
    order: u64,
    /// See [`TelnyxConfig::list_without_meta`].
    without_meta: bool,
    /// See [`TelnyxConfig::unsorted_newest_first`].
    unsorted_newest_first: bool,
    /// See [`TelnyxConfig::not_manager_403`].
    not_manager_403: bool,
}

#[derive(Clone)]
struct TelnyxAccount {
    manager: String,
    organization_name: String,
    email: String,
    disabled: bool,
    cancelled: bool,
    /// `rollup_billing`: the account uses its manager's balance, not its own [spec].
    rollup_billing: bool,
    connections_enabled: bool,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    order: u64,
}

/// A managed account as the simulator holds it (for tests: what Telnyx never shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelnyxAccountState {
    pub organization_name: String,
    pub disabled: bool,
    pub connections_enabled: bool,
}

impl ProviderState for TelnyxWorld {
    fn new(config: &crate::SimConfig) -> Self {
        let seed = config.rng_seed;
        TelnyxWorld {
            rng: StdRng::seed_from_u64(seed ^ 0x5445_4c4e_5958),
            keys: BTreeMap::new(),
            accounts: BTreeMap::new(),
            order: 0,
            without_meta: config.telnyx.list_without_meta,
            unsorted_newest_first: config.telnyx.unsorted_newest_first,
            not_manager_403: config.telnyx.not_manager_403,
        }
    }
}

impl TelnyxWorld {
    fn add_manager(&mut self, is_manager: bool) -> (String, String) {
        let key = format!("KEY{}", crate::ids::secret(&mut self.rng, 40));
        let id = crate::ids::uuid_like(&mut self.rng);
        self.keys.insert(key.clone(), (id.clone(), is_manager));
        (id, key)
    }

    fn add_account(
        &mut self,
        manager: &str,
        name: &str,
        disabled: bool,
        cancelled: bool,
    ) -> String {
        let id = crate::ids::uuid_like(&mut self.rng);
        self.order += 1;
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        self.accounts.insert(
            id.clone(),
            TelnyxAccount {
                manager: manager.into(),
                organization_name: name.into(),
                email: format!("admin@{slug}.example"),
                disabled,
                cancelled,
                rollup_billing: false,
                connections_enabled: !disabled,
                created: Utc::now(),
                updated: Utc::now(),
                order: self.order,
            },
        );
        id
    }
}

pub(crate) struct Telnyx;

impl SimProvider for Telnyx {
    fn name(&self) -> &'static str {
        "telnyx"
    }

    fn owns(&self, path: &str) -> bool {
        path.starts_with("/v2/")
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        Router::new()
            .route("/v2/managed_accounts", get(list))
            .route("/v2/managed_accounts/{id}", get(fetch))
            .route("/v2/managed_accounts/{id}/actions/{action}", post(act))
            .route("/v2/balance", get(balance))
    }

    fn request_info(&self, shared: &Shared, seq: u64) -> ReqInfo {
        ReqInfo::new(crate::ids::request_uuid(shared.seed ^ 0x544c, seq))
    }

    fn request_id_header(&self, _: &ReqInfo) -> Option<HeaderName> {
        Some(HeaderName::from_static("x-request-id"))
    }

    fn authenticate(
        &self,
        shared: &Shared,
        path: &str,
        headers: &HeaderMap,
        _info: &ReqInfo,
    ) -> Result<Principal, Response> {
        let key = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().strip_prefix("Bearer "))
            .map(|k| k.trim().to_string());
        let found = key.and_then(|k| shared.state(|w: &mut TelnyxWorld| w.keys.get(&k).cloned()));
        let managed = path.starts_with("/v2/managed_accounts");
        let wrong_key = || {
            error(
                StatusCode::UNAUTHORIZED,
                "10009",
                "Authentication failed",
                "Could not understand the provided credentials.",
            )
        };
        match found {
            None => Err(wrong_key()),
            Some((_, false)) if managed => {
                if shared.state(|w: &mut TelnyxWorld| w.not_manager_403) {
                    Err(error(StatusCode::FORBIDDEN, "10010", "Authorization failed", "You are not authorized to manage accounts. Contact Telnyx support to become a manager account."))
                } else {
                    Err(wrong_key())
                }
            }
            Some((id, _)) => Ok(Principal::new(id)),
        }
    }

    fn failure(&self, _: &ReqInfo, failure: Failure) -> Response {
        match failure {
            Failure::RateLimited => error(
                StatusCode::TOO_MANY_REQUESTS,
                "10011",
                "Too many requests",
                "You have exceeded the rate limit.",
            ),
            Failure::ServerError => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "10007",
                "Unexpected error",
                "An unexpected error occurred.",
            ),
            Failure::Unavailable => error(
                StatusCode::SERVICE_UNAVAILABLE,
                "10008",
                "Service unavailable",
                "The service is temporarily unavailable.",
            ),
        }
    }

    fn not_found(&self, _: &ReqInfo, _path: &str) -> Response {
        error(
            StatusCode::NOT_FOUND,
            "10005",
            "Resource not found",
            "The requested resource or URL could not be found.",
        )
    }

    fn method_not_allowed(&self, _: &ReqInfo) -> Response {
        error(
            StatusCode::METHOD_NOT_ALLOWED,
            "10006",
            "Method not allowed",
            "This method is not allowed here.",
        )
    }

    fn default_subaccounts(&self) -> usize {
        5
    }

    /// "Telnyx Tenant 1", …: every fifth disabled (the third first).
    fn seed_parent(&self, shared: &Shared, subaccounts: usize) -> Value {
        shared.state(|w: &mut TelnyxWorld| {
            let (id, key) = w.add_manager(true);
            for i in 0..subaccounts {
                w.add_account(&id, &format!("Telnyx Tenant {}", i + 1), i % 5 == 2, false);
            }
            json!({"manager_id": id, "api_key": key})
        })
    }

    fn seed_demo(&self, shared: &Shared) -> DemoParent {
        shared.state(|w: &mut TelnyxWorld| {
            let (id, key) = w.add_manager(true);
            for (i, name) in [
                "Sparrow Logistics",
                "Maple Street Clinic",
                "Helix Robotics",
                "Tidewater Marina",
                "Oakridge Legal",
            ]
            .iter()
            .enumerate()
            {
                w.add_account(&id, name, i == 2, false);
            }
            w.add_account(&id, "Former Tenant Ltd", true, true);
            DemoParent {
                provider: "telnyx",
                label: "Demo Telnyx".into(),
                parent_name: "Demo Reseller (Telnyx)".into(),
                account_id: String::new(),
                secret: key,
            }
        })
    }
}

fn error(status: StatusCode, code: &str, title: &str, detail: &str) -> Response {
    (
        status,
        Json(json!({"errors": [{"code": code, "title": title, "detail": detail}]})),
    )
        .into_response()
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The list item: no secrets, no balance, and no status of any kind (none is documented).
fn account_json(id: &str, a: &TelnyxAccount) -> Value {
    json!({
        "id": id,
        "record_type": "managed_account",
        "email": a.email,
        "manager_account_id": a.manager,
        "organization_name": a.organization_name,
        "created_at": iso(a.created),
        "updated_at": iso(a.updated),
        "managed_account_allow_custom_pricing": false,
        "rollup_billing": a.rollup_billing,
    })
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(_ctx): Extension<Ctx>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: BTreeMap<String, String> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let number = |k: &str, d: usize| q.get(k).map(|v| v.parse::<usize>()).unwrap_or(Ok(d));
    let (Ok(page), Ok(size)) = (number("page[number]", 1), number("page[size]", 20)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "10015",
            "Invalid parameter",
            "page[number] and page[size] must be integers.",
        );
    };
    if page == 0 || size == 0 || size > MAX_PAGE_SIZE {
        return error(
            StatusCode::BAD_REQUEST,
            "10015",
            "Invalid parameter",
            "page[size] must be between 1 and 250 and page[number] at least 1.",
        );
    }
    let cancelled = q
        .get("include_cancelled_accounts")
        .is_some_and(|v| v == "true");
    let newest_first = match q.get("sort").map(String::as_str) {
        Some("created_at") => false,
        Some("-created_at") => true,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "10015",
                "Invalid parameter",
                "sort must be created_at or -created_at here.",
            )
        }
        None => shared.state(|w: &mut TelnyxWorld| w.unsorted_newest_first),
    };
    let manager = _ctx.principal.parent.clone();
    let (data, total, without_meta) = shared.state(|w: &mut TelnyxWorld| {
        let mut mine: Vec<(&String, &TelnyxAccount)> = w
            .accounts
            .iter()
            .filter(|(_, a)| a.manager == manager && (cancelled || !a.cancelled))
            .collect();
        mine.sort_by_key(|(_, a)| a.order);
        if newest_first {
            mine.reverse();
        }
        let data: Vec<Value> = mine
            .iter()
            .skip((page - 1) * size)
            .take(size)
            .map(|(id, a)| account_json(id, a))
            .collect();
        (data, mine.len(), w.without_meta)
    });
    if without_meta {
        return Json(json!({ "data": data })).into_response();
    }
    Json(json!({
        "data": data,
        "meta": {"page_number": page, "page_size": size, "total_pages": total.div_ceil(size), "total_results": total},
    }))
    .into_response()
}

async fn fetch(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let manager = ctx.principal.parent.clone();
    match shared.state(|w: &mut TelnyxWorld| {
        w.accounts.get(&id).filter(|a| a.manager == manager).map(|a| {
            let mut v = account_json(&id, a);
            // A rollup account has no balance of its own: what its `balance` then holds is not
            // documented; zeros here, so a client that shows them shows something wrong.
            v["balance"] = if a.rollup_billing {
                json!({"balance": "0.00", "credit_limit": "0.00", "available_credit": "0.00", "currency": "USD", "record_type": "balance"})
            } else {
                json!({"balance": "12.50", "credit_limit": "100.00", "available_credit": "112.50", "currency": "USD", "record_type": "balance"})
            };
            v
        })
    }) {
        Some(v) => Json(json!({"data": v})).into_response(),
        None => error(StatusCode::NOT_FOUND, "10005", "Resource not found", "The requested resource or URL could not be found."),
    }
}

async fn act(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "10005",
                "Resource not found",
                "The requested resource or URL could not be found.",
            )
        }
    };
    let reenable = if body.is_empty() {
        false
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => v
                .get("reenable_all_connections")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "10015",
                    "Invalid parameter",
                    "The request body is not valid JSON.",
                )
            }
        }
    };
    let manager = ctx.principal.parent.clone();
    let done = shared.state(|w: &mut TelnyxWorld| {
        let a = w.accounts.get_mut(&id).filter(|a| a.manager == manager)?;
        if a.disabled == disable {
            return Some(Err(already(disable)));
        }
        a.disabled = disable;
        if disable {
            a.connections_enabled = false;
        } else if reenable {
            a.connections_enabled = true;
        }
        a.updated = Utc::now();
        Some(Ok(account_json(&id, a)))
    });
    match done {
        Some(Ok(v)) => mark_applied(Json(json!({"data": v})).into_response(), true),
        Some(Err(refused)) => refused,
        None => error(
            StatusCode::NOT_FOUND,
            "10005",
            "Resource not found",
            "The requested resource or URL could not be found.",
        ),
    }
}

/// `GET /v2/balance`: the key's own account balance, which any valid key may read
/// (`{data: {balance, credit_limit, available_credit, currency, pending, record_type}}`,
/// strings) [doc: account balance].
async fn balance(Extension(_ctx): Extension<Ctx>) -> Response {
    Json(json!({"data": {
        "balance": "300.00",
        "credit_limit": "100.00",
        "available_credit": "400.00",
        "currency": "USD",
        "pending": "0.00",
        "record_type": "balance",
    }}))
    .into_response()
}

/// The 422 both actions document ("Unprocessable entity. Check the 'detail' field", with
/// `errors[{code, title, detail, source, meta}]`: team-telnyx/telnyx-java
/// `ManagedAccountsApi.java`, generated from the spec). Which cases answer it is not
/// documented; the simulator gives it for an action on an account already in that state.
fn already(disabled: bool) -> Response {
    let detail = if disabled {
        "The managed account is already disabled."
    } else {
        "The managed account is already enabled."
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"errors": [{
            "code": "10015",
            "title": "Unprocessable entity",
            "detail": detail,
            "source": {"pointer": "/id"},
            "meta": {},
        }]})),
    )
        .into_response()
}

/// The simulator's Telnyx accounts: `sim.telnyx()`.
pub struct TelnyxSim<'a> {
    shared: &'a Shared,
}

impl Sim {
    /// Seeding, switches and inspection of the simulated Telnyx.
    pub fn telnyx(&self) -> TelnyxSim<'_> {
        TelnyxSim {
            shared: &self.shared,
        }
    }
}

impl TelnyxSim<'_> {
    /// A Telnyx manager account: `(manager id, API key)`. `is_manager` false: the key works
    /// but the account was never granted manager status (refused on managed accounts: see
    /// [`TelnyxConfig::not_manager_403`]).
    pub fn add_manager(&self, is_manager: bool) -> (String, String) {
        self.shared
            .state(|w: &mut TelnyxWorld| w.add_manager(is_manager))
    }

    pub fn add_account(
        &self,
        manager: &str,
        name: &str,
        disabled: bool,
        cancelled: bool,
    ) -> String {
        self.shared
            .state(|w: &mut TelnyxWorld| w.add_account(manager, name, disabled, cancelled))
    }

    /// Makes a managed account use its manager's balance (`rollup_billing`).
    pub fn set_rollup_billing(&self, id: &str, yes: bool) {
        self.shared.state(|w: &mut TelnyxWorld| {
            if let Some(a) = w.accounts.get_mut(id) {
                a.rollup_billing = yes;
            }
        });
    }

    pub fn account(&self, id: &str) -> Option<TelnyxAccountState> {
        self.shared.state(|w: &mut TelnyxWorld| {
            w.accounts.get(id).map(|a| TelnyxAccountState {
                organization_name: a.organization_name.clone(),
                disabled: a.disabled,
                connections_enabled: a.connections_enabled,
            })
        })
    }
}
