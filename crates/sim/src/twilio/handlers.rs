//! Twilio's Accounts and IncomingPhoneNumbers endpoints.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};

use super::auth::{
    accounts_resource_allowed, own_resources_only, readable_while_not_active, resolve,
};
use super::error::TwilioError;
use super::json::{account_json, number_json};
use super::paging::{envelope, first, paginate, parse_paging, query_pairs};
use super::state::{
    AccountStatus, NumberTie, TransferError, TwilioUpdate, TwilioUpdateError, TwilioWorld,
};
use crate::request::{mark_applied, Ctx};
use crate::shared::Shared;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/2010-04-01/Accounts.json", get(list_accounts))
        // `{Sid}.json` is matched as one segment and the suffix checked in the handler.
        .route(
            "/2010-04-01/Accounts/{file}",
            get(fetch_account).post(update_account),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
            get(list_numbers),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/{file}",
            get(fetch_number).post(update_number),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/Balance.json",
            get(fetch_balance),
        )
        .route(
            "/2010-04-01/Accounts/{sid}/Usage/Records/Daily.json",
            get(super::usage::list_daily),
        )
}

type TwilioResult = Result<Response, TwilioError>;

/// `GET /2010-04-01/Accounts.json`: the parent itself, then its subaccounts.
async fn list_accounts(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(raw): RawQuery,
) -> TwilioResult {
    accounts_resource_allowed(&ctx)?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = parse_paging(&pairs)?;
    let status = first(&pairs, "Status");
    if let Some(s) = status {
        if AccountStatus::parse(s).is_none() {
            return Err(TwilioError::bad_request(
                20001,
                format!("Invalid Status {s:?}: must be one of active, suspended, closed"),
            ));
        }
    }
    let friendly_name = first(&pairs, "FriendlyName");

    shared.state(|world: &mut TwilioWorld| {
        let family = world.family(&ctx.principal.parent);
        let all_sids: Vec<&str> = family.iter().map(|a| a.sid.as_str()).collect();
        let kept: Vec<(usize, &str)> = family
            .iter()
            .enumerate()
            .filter(|(_, a)| status.is_none_or(|s| a.status.as_str() == s))
            .filter(|(_, a)| friendly_name.is_none_or(|f| a.friendly_name == f))
            .map(|(i, a)| (i, a.sid.as_str()))
            .collect();
        let mut filters = Vec::new();
        if let Some(f) = friendly_name {
            filters.push(("FriendlyName", f));
        }
        if let Some(s) = status {
            filters.push(("Status", s));
        }
        let paged = paginate(
            "/2010-04-01/Accounts.json",
            &filters,
            &all_sids,
            &kept,
            &paging,
        )?;
        let items = kept[paged.start..paged.end_exclusive]
            .iter()
            .map(|(i, _)| account_json(family[*i]))
            .collect();
        Ok(envelope(paged, "accounts", items))
    })
}

/// `{Sid}.json` → `{Sid}`; anything else (e.g. the XML form without `.json`) is a 404.
fn strip_json(
    file: Result<Path<String>, PathRejection>,
    path: &str,
) -> Result<String, TwilioError> {
    file.ok()
        .and_then(|Path(file)| file.strip_suffix(".json").map(str::to_owned))
        .ok_or_else(|| TwilioError::not_found(path))
}

/// `GET /2010-04-01/Accounts/{Sid}.json`.
async fn fetch_account(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    file: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> TwilioResult {
    accounts_resource_allowed(&ctx)?;
    let sid = strip_json(file, uri.path())?;
    shared.state(|world: &mut TwilioWorld| {
        let account = resolve(world, &ctx, &sid, uri.path())?;
        Ok(Json(account_json(account)).into_response())
    })
}

/// True when the body is declared as a form (parameters may be `; charset=…`).
fn is_form(headers: &HeaderMap) -> Option<bool> {
    let ct = headers.get(header::CONTENT_TYPE)?;
    let essence = ct
        .to_str()
        .ok()
        .and_then(|s| s.split(';').next())
        .unwrap_or("");
    Some(
        essence
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded"),
    )
}

/// The form of a POST, or Twilio's refusal of a body that is not one.
fn form_of(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<(String, String)>, TwilioError> {
    let body =
        body.map_err(|_| TwilioError::bad_request(21100, "Could not read the request body"))?;
    // An empty POST without a content type is a valid "change nothing" request.
    match is_form(headers) {
        Some(true) => {}
        None if body.is_empty() => {}
        _ => {
            return Err(TwilioError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                20415,
                "Unsupported Media Type: send parameters as application/x-www-form-urlencoded",
            ))
        }
    }
    serde_urlencoded::from_bytes(&body)
        .map_err(|_| TwilioError::bad_request(21100, "Could not parse the form-encoded body"))
}

/// `GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json`.
async fn fetch_number(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    path: Result<Path<(String, String)>, PathRejection>,
    uri: Uri,
) -> TwilioResult {
    let uri_path = uri.path();
    let Ok(Path((sid, file))) = path else {
        return Err(TwilioError::not_found(uri_path));
    };
    let pn = strip_json(Ok(Path(file)), uri_path)?;
    shared.state(|world: &mut TwilioWorld| {
        let account = resolve(world, &ctx, &sid, uri_path)?;
        own_resources_only(&ctx, account)?;
        readable_while_not_active(world, account)?;
        let number = account
            .numbers
            .iter()
            .find(|n| n.sid == pn)
            .ok_or_else(|| TwilioError::not_found(uri_path))?;
        Ok(Json(number_json(&account.sid, number)).into_response())
    })
}

/// `POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json`. Only
/// `AccountSid` is modelled: Twilio's "exchanging numbers between subaccounts" moves the
/// number to that account (the parent, or another subaccount of the same parent). Other
/// fields of the spec's `UpdateIncomingPhoneNumberRequest` are accepted and ignored.
async fn update_number(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    path: Result<Path<(String, String)>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> TwilioResult {
    let uri_path = uri.path();
    let Ok(Path((sid, file))) = path else {
        return Err(TwilioError::not_found(uri_path));
    };
    let pn = strip_json(Ok(Path(file)), uri_path)?;
    let form = form_of(&headers, body)?;
    let target = first(&form, "AccountSid").map(str::to_owned);
    shared.state(|world: &mut TwilioWorld| {
        let account = resolve(world, &ctx, &sid, uri_path)?;
        own_resources_only(&ctx, account)?;
        readable_while_not_active(world, account)?;
        let target = target.unwrap_or_else(|| sid.clone());
        let changed = world
            .transfer(&ctx.principal.parent, &sid, &pn, &target)
            .map_err(|e| transfer_error(e, uri_path))?;
        let owner = if changed { &target } else { &sid };
        let holder = world
            .get(owner)
            .ok_or_else(|| TwilioError::not_found(uri_path))?;
        let number = holder
            .numbers
            .iter()
            .find(|n| n.sid == pn)
            .ok_or_else(|| TwilioError::not_found(uri_path))?;
        let resp = Json(number_json(&holder.sid, number)).into_response();
        Ok(mark_applied(resp, changed))
    })
}

/// The codes and messages of Twilio's error pages for a refused transfer.
fn transfer_error(e: TransferError, path: &str) -> TwilioError {
    let bad = TwilioError::bad_request;
    match e {
        TransferError::NotFound => TwilioError::not_found(path),
        TransferError::NotParent => bad(21474, "API User must be the parent account to transfer phone numbers."),
        TransferError::Unrelated => bad(
            21473,
            "AccountSid you are transferring to is not related to the originating owner of the phone number",
        ),
        TransferError::TargetNotActive => bad(21472, "Account is not active"),
        TransferError::Tied(NumberTie::Address) => bad(21613, "PhoneNumber Requires an Address"),
        TransferError::Tied(NumberTie::Bundle) => bad(
            21649,
            "Phone Number Requires a Bundle: the account receiving it has no compliant Bundle",
        ),
    }
}

/// `POST /2010-04-01/Accounts/{Sid}.json` with `Status` and/or `FriendlyName`.
async fn update_account(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    file: Result<Path<String>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> TwilioResult {
    let path = uri.path();
    let sid = strip_json(file, path)?;
    let form = form_of(&headers, body)?;
    // Parameter names are case-sensitive: `status=closed` is ignored, as on the real API.
    let update = TwilioUpdate {
        status: first(&form, "Status"),
        friendly_name: first(&form, "FriendlyName"),
    };

    accounts_resource_allowed(&ctx)?;
    shared.state(|world: &mut TwilioWorld| {
        let account = resolve(world, &ctx, &sid, path)?;
        if !world.switches.main_key_writes_subaccounts {
            own_resources_only(&ctx, account)?;
        }
        let changed = world
            .update(&ctx.principal.parent, &sid, &update)
            .map_err(|e| update_error(e, path))?;
        let account = world
            .get(&sid)
            .ok_or_else(|| TwilioError::not_found(path))?;
        let closed = account.status == AccountStatus::Closed;
        let resp = Json(account_json(account)).into_response();
        if closed && world.switches.purge_closed {
            world.purge_closed();
        }
        Ok(mark_applied(resp, changed))
    })
}

fn update_error(e: TwilioUpdateError, path: &str) -> TwilioError {
    let bad = TwilioError::bad_request;
    match e {
        TwilioUpdateError::NotFound => TwilioError::not_found(path),
        TwilioUpdateError::InvalidStatus(_) => bad(21100, "Invalid Status value"),
        TwilioUpdateError::FriendlyNameTooLong => {
            bad(21100, "FriendlyName must be 64 characters or fewer")
        }
        TwilioUpdateError::ParentAccount => bad(
            21477,
            "Status updates are only allowed for subaccounts; the main account's status cannot be changed",
        ),
        TwilioUpdateError::Closed => bad(
            21479,
            "Cannot change the status of a closed subaccount: closed subaccounts cannot be reopened",
        ),
        TwilioUpdateError::ParentSuspended => bad(
            21476,
            "Cannot change the status of a subaccount while its parent account is suspended",
        ),
        TwilioUpdateError::SuspendedByTwilio => bad(
            21478,
            "Cannot change the status of a subaccount that was suspended by Twilio",
        ),
    }
}

/// `GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json`.
async fn list_numbers(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    sid: Result<Path<String>, PathRejection>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> TwilioResult {
    let path = uri.path();
    let Ok(Path(sid)) = sid else {
        return Err(TwilioError::not_found(path));
    };
    let pairs = query_pairs(raw.as_deref())?;
    let paging = parse_paging(&pairs)?;
    shared.state(|world: &mut TwilioWorld| {
        let account = resolve(world, &ctx, &sid, path)?;
        own_resources_only(&ctx, account)?;
        readable_while_not_active(world, account)?;
        let all_sids: Vec<&str> = account.numbers.iter().map(|n| n.sid.as_str()).collect();
        let kept: Vec<(usize, &str)> = all_sids.iter().copied().enumerate().collect();
        let paged = paginate(path, &[], &all_sids, &kept, &paging)?;
        let items = account.numbers[paged.start..paged.end_exclusive]
            .iter()
            .map(|n| number_json(&account.sid, n))
            .collect();
        Ok(envelope(paged, "incoming_phone_numbers", items))
    })
}

/// `GET /2010-04-01/Accounts/{AccountSid}/Balance.json`: `{account_sid, balance, currency}`,
/// all three nullable in the spec. A subaccount answers with `balance` and `currency` null
/// ("child accounts do not contain balance information") unless a test gave it one.
async fn fetch_balance(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    sid: Result<Path<String>, PathRejection>,
    uri: Uri,
) -> TwilioResult {
    let path = uri.path();
    let Ok(Path(sid)) = sid else {
        return Err(TwilioError::not_found(path));
    };
    shared.state(|world: &mut TwilioWorld| {
        let account = resolve(world, &ctx, &sid, path)?;
        own_resources_only(&ctx, account)?;
        readable_while_not_active(world, account)?;
        let (balance, currency) = match &account.balance {
            Some((b, c)) => (Some(b.clone()), Some(c.clone())),
            None => (None, None),
        };
        Ok(Json(serde_json::json!({
            "account_sid": account.sid,
            "balance": balance,
            "currency": currency,
        }))
        .into_response())
    })
}
