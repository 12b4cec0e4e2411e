//! Vobiz's sub-accounts API (`/api/v1/accounts/{auth_id}/sub-accounts/…`): the wire format.
//!
//! Field list from the current OpenAPI fragments and Python SDK (providers.md 2.4). The real
//! error body is unconfirmed (two documented shapes), so the simulator speaks either one, as
//! configured, to keep clients honest.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::config::{DeleteStyle, VobizErrorShape};
use crate::pipeline::{mark_applied, Ctx, Failure, Principal, ReqInfo};
use crate::shared::Shared;
use crate::state::{VobizRowShape, VobizSub, VobizUpdate};

const MAX_SIZE: u64 = 100;
const DEFAULT_SIZE: u64 = 25;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    // The path is accepted with and without its trailing slash: the docs show both.
    Router::new()
        .route("/api/v1/accounts/{auth_id}/sub-accounts", get(list))
        .route("/api/v1/accounts/{auth_id}/sub-accounts/", get(list))
        .route(
            "/api/v1/accounts/{auth_id}/sub-accounts/{sub}",
            get(fetch).put(update).delete(delete),
        )
        .route(
            "/api/v1/accounts/{auth_id}/sub-accounts/{sub}/",
            get(fetch).put(update).delete(delete),
        )
}

// ------------------------------------------------------------------------------ errors

/// A Vobiz error; rendered with the request's id in the configured body shape.
#[derive(Debug, Clone)]
pub(crate) struct VobizError {
    status: StatusCode,
    /// UPPER_SNAKE code of the envelope shape.
    code: &'static str,
    message: &'static str,
}

impl VobizError {
    const fn new(status: StatusCode, code: &'static str, message: &'static str) -> VobizError {
        VobizError {
            status,
            code,
            message,
        }
    }

    const NOT_FOUND: VobizError =
        VobizError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Sub-account not found");
    const UNAUTHORIZED: VobizError = VobizError::new(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "Invalid or missing authentication credentials",
    );
    const FORBIDDEN: VobizError = VobizError::new(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        "You do not have permission to manage sub-accounts",
    );
    const METHOD_NOT_ALLOWED: VobizError = VobizError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Method not allowed",
    );

    const fn bad_request(message: &'static str) -> VobizError {
        VobizError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    pub(crate) fn failure(failure: Failure) -> VobizError {
        match failure {
            Failure::RateLimited => VobizError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "Too many requests. Please retry later.",
            ),
            Failure::ServerError => VobizError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "An internal error occurred",
            ),
            Failure::Unavailable => VobizError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "Service temporarily unavailable",
            ),
        }
    }

    /// The body in the configured shape, carrying the request id (also sent as
    /// `X-Request-Id` by the pipeline).
    pub(crate) fn render(&self, info: &ReqInfo) -> Response {
        let body = match info.vobiz_shape {
            VobizErrorShape::Envelope => json!({
                "status": "error",
                "error": {"code": self.code, "message": self.message, "details": {}},
                "timestamp": iso(Utc::now()),
                "requestId": info.request_id,
            }),
            VobizErrorShape::Plivo => json!({
                "api_id": info.request_id,
                "error": self.message,
            }),
            // Seen in the wild beside the documented ones: a numeric code, `detail` as a list,
            // and a snake_case request id.
            VobizErrorShape::Loose => json!({
                "code": self.status.as_u16(),
                "detail": [self.message],
                "request_id": info.request_id,
            }),
        };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn not_found(info: &ReqInfo) -> Response {
    VobizError::NOT_FOUND.render(info)
}

pub(crate) fn method_not_allowed(info: &ReqInfo) -> Response {
    VobizError::METHOD_NOT_ALLOWED.render(info)
}

// ------------------------------------------------------------------------------ provider

/// Vobiz's sub-accounts API, as the pipeline sees it.
pub(crate) struct Vobiz;

impl crate::provider::SimProvider for Vobiz {
    fn name(&self) -> &'static str {
        "vobiz"
    }

    fn owns(&self, path: &str) -> bool {
        path.starts_with("/api/v1/accounts/")
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        routes()
    }

    fn request_id(&self, shared: &Shared, seq: u64, knobs: &crate::shared::Knobs) -> String {
        match knobs.vobiz_error_shape {
            VobizErrorShape::Envelope | VobizErrorShape::Loose => {
                crate::ids::vobiz_request_id(shared.seed, seq)
            }
            VobizErrorShape::Plivo => crate::ids::vobiz_api_id(shared.seed, seq),
        }
    }

    /// The loose shape models an API that documents its request id only in the body.
    fn request_id_header(&self, knobs: &crate::shared::Knobs) -> Option<axum::http::HeaderName> {
        (knobs.vobiz_error_shape != VobizErrorShape::Loose)
            .then(|| axum::http::HeaderName::from_static("x-request-id"))
    }

    fn authenticate(
        &self,
        shared: &Shared,
        path: &str,
        headers: &HeaderMap,
        info: &ReqInfo,
    ) -> Result<Principal, Response> {
        authenticate(shared, path, headers).map_err(|e| e.render(info))
    }

    fn failure(&self, info: &ReqInfo, failure: Failure) -> Response {
        VobizError::failure(failure).render(info)
    }

    fn not_found(&self, info: &ReqInfo, _path: &str) -> Response {
        not_found(info)
    }

    fn method_not_allowed(&self, info: &ReqInfo) -> Response {
        method_not_allowed(info)
    }

    fn seed_demo(&self, shared: &Shared) -> crate::provider::DemoParent {
        let name = "Demo Reseller (Vobiz)";
        let mut world = shared.world();
        let parent = world.add_vobiz_parent(name);
        world.seed_vobiz_subaccounts(&parent.auth_id, 15);
        crate::provider::DemoParent {
            provider: "vobiz",
            label: "Demo Vobiz".into(),
            parent_name: name.into(),
            account_id: parent.auth_id,
            secret: parent.auth_token,
        }
    }
}

// ------------------------------------------------------------------------------ auth

/// `X-Auth-ID` / `X-Auth-Token` must name a parent, and that parent must be the `{auth_id}`
/// in the path: credentials of one account never reach another's sub-accounts.
pub(crate) fn authenticate(
    shared: &Shared,
    path: &str,
    headers: &HeaderMap,
) -> Result<Principal, VobizError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let path_id = path
        .strip_prefix("/api/v1/accounts/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let (Some(id), Some(token)) = (header("x-auth-id"), header("x-auth-token")) else {
        return Err(VobizError::UNAUTHORIZED);
    };
    if id != path_id || !shared.world().vobiz_authenticate(id, token) {
        return Err(VobizError::UNAUTHORIZED);
    }
    // Authenticated, but this account may not manage sub-accounts (docs.vobiz.ai/errors: 403
    // means "authenticated but lacking permission").
    if shared.knobs().vobiz_forbidden {
        return Err(VobizError::FORBIDDEN);
    }
    Ok(Principal {
        parent: id.to_owned(),
        via_key: false,
        standard_key: false,
    })
}

// ------------------------------------------------------------------------------ JSON

/// ISO-8601 with microseconds and `Z`, like `2026-03-25T08:33:24.700542Z`.
fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn sub_json(s: &VobizSub) -> Value {
    let mut v = json!({
        "name": s.name,
        "email": null,
        "phone": null,
        "description": null,
        "permissions": {"calls": true, "cdr": true},
        "rate_limit": 1000,
        "id": s.numeric_id.to_string(),
        "parent_account_id": s.parent_numeric_id.to_string(),
        "parent_auth_id": s.parent_auth_id,
        "auth_id": s.auth_id,
        "auth_token": "<redacted>",
        "api_id": s.api_id,
        "email_verified": false,
        "enabled": s.enabled,
        "created": s.created.format("%Y-%m-%d").to_string(),
        "modified": s.updated.format("%Y-%m-%d").to_string(),
        "is_active": true,
        "created_at": iso(s.created),
        "updated_at": iso(s.updated),
        "last_used": null,
        "kyc_mode": "personal_use",
        "business_type": null,
        "kyc_calls_blocked": false,
        "account": format!("/v1/Account/{}/", s.parent_auth_id),
        "resource_uri": format!("/v1/Account/{}/Subaccount/{}/", s.parent_auth_id, s.auth_id),
    });
    let obj = v.as_object_mut().expect("an object");
    match s.shape {
        VobizRowShape::Current => {}
        VobizRowShape::OnlyIsActive => {
            obj.remove("enabled");
            obj.insert("is_active".into(), json!(s.enabled));
        }
        VobizRowShape::NotActive => {
            obj.insert("is_active".into(), json!(false));
        }
        VobizRowShape::NoFlags => {
            obj.remove("enabled");
            obj.remove("is_active");
        }
    }
    v
}

// ------------------------------------------------------------------------------ handlers

/// Turns a handler's outcome into a response, rendering errors with the request's id.
fn respond(ctx: &Ctx, result: Result<Response, VobizError>) -> Response {
    result.unwrap_or_else(|e| e.render(&ctx.info))
}

struct ListParams {
    page: u64,
    size: u64,
    active_only: bool,
}

fn parse_list_params(raw: Option<&str>) -> Result<ListParams, VobizError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|_| VobizError::bad_request("Invalid query string"))?;
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let page = match get("page") {
        None => 1,
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|&p| p >= 1)
            .ok_or(VobizError::bad_request("page must be an integer >= 1"))?,
    };
    let size = match get("size") {
        None => DEFAULT_SIZE,
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=MAX_SIZE).contains(s))
            .ok_or(VobizError::bad_request(
                "size must be an integer between 1 and 100",
            ))?,
    };
    let active_only = match get("active_only").map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(VobizError::bad_request("active_only must be true or false")),
    };
    Ok(ListParams {
        page,
        size,
        active_only,
    })
}

/// `GET …/sub-accounts/`: newest first, `{sub_accounts, total, page, size}`.
async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(raw): RawQuery,
) -> Response {
    respond(&ctx, list_page(&shared, &ctx, raw.as_deref()))
}

fn list_page(shared: &Shared, ctx: &Ctx, raw: Option<&str>) -> Result<Response, VobizError> {
    let params = parse_list_params(raw)?;
    let world = shared.world();
    // `active_only` filters on `enabled`: what it really filters on is unconfirmed, and
    // `is_active` is always true here.
    let subs: Vec<&VobizSub> = world
        .vobiz_list(&ctx.principal.parent)
        .into_iter()
        .filter(|s| !params.active_only || s.enabled)
        .collect();
    let offset =
        usize::try_from((params.page - 1).saturating_mul(params.size)).unwrap_or(usize::MAX);
    let items: Vec<Value> = subs
        .iter()
        .skip(offset)
        .take(usize::try_from(params.size).unwrap_or(usize::MAX))
        .map(|s| sub_json(s))
        .collect();
    let total = subs.len();
    drop(world);
    // Accounts created while a client pages through (newest first): later pages shift, so an
    // offset-paged client sees a row twice and the total changes under it.
    let added = shared.knobs().vobiz_created_per_page;
    if added > 0 {
        let mut world = shared.world();
        for i in 0..added {
            let n = world.vobiz_list(&ctx.principal.parent).len();
            world.add_vobiz_subaccount(
                &ctx.principal.parent,
                &format!("Created during a listing {n}-{i}"),
                true,
                chrono::Utc::now(),
            );
        }
    }
    Ok(Json(json!({
        "sub_accounts": items,
        "total": total,
        "page": params.page,
        "size": params.size,
    }))
    .into_response())
}

/// The `(auth_id, sub)` path parameters; the parent was already checked by `authenticate`.
type SubPath = Result<Path<(String, String)>, PathRejection>;

/// The `{sub}` path parameter; one that cannot be decoded names nothing (404).
fn sub_id(path: SubPath) -> Result<String, VobizError> {
    path.map(|Path((_, sub))| sub)
        .map_err(|_| VobizError::NOT_FOUND)
}

/// `GET …/sub-accounts/{sub}`.
async fn fetch(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    path: SubPath,
) -> Response {
    let result = sub_id(path).and_then(|sub| {
        let world = shared.world();
        let s = world
            .vobiz_get(&ctx.principal.parent, &sub)
            .ok_or(VobizError::NOT_FOUND)?;
        Ok(Json(sub_json(s)).into_response())
    });
    respond(&ctx, result)
}

/// Reads `{enabled?, name?}` from a JSON object; other fields are accepted and ignored.
fn parse_update(body: &[u8]) -> Result<VobizUpdate, VobizError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| VobizError::bad_request("Request body must be valid JSON"))?;
    let obj = value.as_object().ok_or(VobizError::bad_request(
        "Request body must be a JSON object",
    ))?;
    let enabled = match obj.get("enabled") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(VobizError::bad_request("enabled must be a boolean")),
    };
    let name = match obj.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 255 => {
            Some(s.clone())
        }
        Some(_) => {
            return Err(VobizError::bad_request(
                "name must be a non-empty string of at most 255 characters",
            ))
        }
    };
    Ok(VobizUpdate { name, enabled })
}

/// `PUT …/sub-accounts/{sub}` with a partial JSON body; answers the full object.
async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    path: SubPath,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    respond(&ctx, apply_update(&shared, &ctx, path, body))
}

fn apply_update(
    shared: &Shared,
    ctx: &Ctx,
    path: SubPath,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, VobizError> {
    let sub = sub_id(path)?;
    let parent = &ctx.principal.parent;
    let body = body.map_err(|_| VobizError::bad_request("Could not read the request body"))?;
    let mut world = shared.world();
    // Unknown sub-accounts are 404 whatever the body says.
    world.vobiz_get(parent, &sub).ok_or(VobizError::NOT_FOUND)?;
    let update = parse_update(&body)?;
    let changed = world
        .vobiz_update(parent, &sub, update)
        .ok_or(VobizError::NOT_FOUND)?;
    let s = world.vobiz_get(parent, &sub).ok_or(VobizError::NOT_FOUND)?;
    Ok(mark_applied(Json(sub_json(s)).into_response(), changed))
}

/// `DELETE …/sub-accounts/{sub}`: permanent; 200 with a message or 204, as configured.
async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    path: SubPath,
) -> Response {
    let result = sub_id(path).and_then(|sub| {
        if !shared.world().vobiz_delete(&ctx.principal.parent, &sub) {
            return Err(VobizError::NOT_FOUND);
        }
        let resp = match ctx.info.delete_style {
            DeleteStyle::WithMessage => {
                Json(json!({"message": "Sub-account deleted successfully"})).into_response()
            }
            DeleteStyle::NoContent => StatusCode::NO_CONTENT.into_response(),
        };
        Ok(mark_applied(resp, true))
    });
    respond(&ctx, result)
}
