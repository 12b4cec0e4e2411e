//! Vobiz's sub-account endpoints: list, fetch, update and delete.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{json, Value};

use super::config::DeleteStyle;
use super::error::VobizError;
use super::json::sub_json;
use super::state::{VobizSub, VobizUpdate, VobizWorld};
use crate::request::{mark_applied, Ctx};
use crate::shared::Shared;

const MAX_SIZE: u64 = 100;
const DEFAULT_SIZE: u64 = 25;

pub(super) fn routes() -> Router<Arc<Shared>> {
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
    let (items, total) = shared.state(|world: &mut VobizWorld| {
        let served = usize::try_from(params.size)
            .unwrap_or(usize::MAX)
            .min(world.page_cap.unwrap_or(usize::MAX));
        // `active_only` filters on `enabled`: what it really filters on is unconfirmed, and
        // `is_active` is always true here.
        let subs: Vec<&VobizSub> = world
            .list(&ctx.principal.parent)
            .into_iter()
            .filter(|s| !params.active_only || s.enabled)
            .collect();
        let offset =
            usize::try_from((params.page - 1).saturating_mul(params.size)).unwrap_or(usize::MAX);
        let items: Vec<Value> = subs
            .iter()
            .skip(offset)
            .take(served)
            .map(|s| sub_json(s))
            .collect();
        (items, subs.len())
    });
    // Accounts created while a client pages through (newest first): later pages shift, so an
    // offset-paged client sees a row twice and the total changes under it.
    let added = shared.state(|w: &mut VobizWorld| w.created_per_page);
    if added > 0 {
        shared.state(|world: &mut VobizWorld| {
            for i in 0..added {
                let n = world.list(&ctx.principal.parent).len();
                world.add_subaccount(
                    &ctx.principal.parent,
                    &format!("Created during a listing {n}-{i}"),
                    true,
                    chrono::Utc::now(),
                );
            }
        });
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
        shared.state(|world: &mut VobizWorld| {
            let s = world
                .get(&ctx.principal.parent, &sub)
                .ok_or(VobizError::NOT_FOUND)?;
            Ok(Json(sub_json(s)).into_response())
        })
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
    shared.state(|world: &mut VobizWorld| {
        // Unknown sub-accounts are 404 whatever the body says.
        world.get(parent, &sub).ok_or(VobizError::NOT_FOUND)?;
        let update = parse_update(&body)?;
        let changed = world
            .update(parent, &sub, update)
            .ok_or(VobizError::NOT_FOUND)?;
        let s = world.get(parent, &sub).ok_or(VobizError::NOT_FOUND)?;
        Ok(mark_applied(Json(sub_json(s)).into_response(), changed))
    })
}

/// `DELETE …/sub-accounts/{sub}`: permanent; 200 with a message or 204, as configured.
async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    path: SubPath,
) -> Response {
    let result = sub_id(path).and_then(|sub| {
        if !shared.state(|w: &mut VobizWorld| w.delete(&ctx.principal.parent, &sub)) {
            return Err(VobizError::NOT_FOUND);
        }
        let resp = match super::Wire::of(&ctx.info).delete_style {
            DeleteStyle::WithMessage => {
                Json(json!({"message": "Sub-account deleted successfully"})).into_response()
            }
            DeleteStyle::NoContent => StatusCode::NO_CONTENT.into_response(),
        };
        Ok(mark_applied(resp, true))
    });
    respond(&ctx, result)
}
