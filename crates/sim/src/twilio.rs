//! Twilio's REST API 2010-04-01, Accounts resource: the wire format.
//!
//! Bodies follow the official OpenAPI spec (`api.v2010.account`, `ListAccountResponse`,
//! `ListIncomingPhoneNumberResponse`) and error bodies follow recorded responses
//! (`{code, message, more_info, status}`). The state rules themselves are in `state.rs`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::pipeline::{mark_applied, Ctx, Failure, Principal};
use crate::shared::Shared;
use crate::state::{
    AccountStatus, PhoneNumber, TwilioAccount, TwilioKeyKind, TwilioUpdate, TwilioUpdateError,
    World,
};

const BASE: &str = "/2010-04-01";
const MAX_PAGE_SIZE: usize = 1000;
const DEFAULT_PAGE_SIZE: usize = 50;

pub(crate) fn routes() -> Router<Arc<Shared>> {
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
}

// ------------------------------------------------------------------------------ errors

/// A Twilio v2010 error: `{code, message, more_info, status}` (401s also carry `detail`
/// and the `WWW-Authenticate` challenge, as recorded from the real API).
#[derive(Debug, Clone)]
pub(crate) struct TwilioError {
    status: StatusCode,
    code: u32,
    message: String,
}

impl TwilioError {
    pub(crate) fn new(status: StatusCode, code: u32, message: impl Into<String>) -> TwilioError {
        TwilioError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(code: u32, message: impl Into<String>) -> TwilioError {
        TwilioError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 with code 20404, naming the path like the real API does.
    pub(crate) fn not_found(path: &str) -> TwilioError {
        TwilioError::new(
            StatusCode::NOT_FOUND,
            20404,
            format!("The requested resource {path} was not found"),
        )
    }

    /// 401 code 20003.
    fn unauthorized() -> TwilioError {
        TwilioError::new(StatusCode::UNAUTHORIZED, 20003, "Authenticate")
    }

    pub(crate) fn method_not_allowed() -> TwilioError {
        TwilioError::new(StatusCode::METHOD_NOT_ALLOWED, 20004, "Method not allowed")
    }

    pub(crate) fn failure(failure: Failure) -> TwilioError {
        match failure {
            Failure::RateLimited => {
                TwilioError::new(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests")
            }
            Failure::ServerError => TwilioError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                20500,
                "An internal server error has occurred",
            ),
            Failure::Unavailable => TwilioError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                20503,
                "Service is unavailable. Please try again",
            ),
        }
    }
}

impl IntoResponse for TwilioError {
    fn into_response(self) -> Response {
        let more_info = format!("https://www.twilio.com/docs/errors/{}", self.code);
        let status = self.status.as_u16();
        if self.status == StatusCode::UNAUTHORIZED {
            let body = json!({
                "code": self.code,
                "detail": "",
                "message": self.message,
                "more_info": more_info,
                "status": status,
            });
            let mut resp = (self.status, Json(body)).into_response();
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Twilio API\""),
            );
            return resp;
        }
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": more_info,
            "status": status,
        });
        (self.status, Json(body)).into_response()
    }
}

// ------------------------------------------------------------------------------ provider

/// Twilio's Accounts API, as the pipeline sees it.
pub(crate) struct Twilio;

impl crate::provider::SimProvider for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn owns(&self, path: &str) -> bool {
        path.starts_with("/2010-04-01/") || path == "/2010-04-01"
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        routes()
    }

    fn request_id(&self, shared: &Shared, seq: u64, _: &crate::shared::Knobs) -> String {
        crate::ids::twilio_request_id(shared.seed, seq)
    }

    fn request_id_header(&self, _: &crate::shared::Knobs) -> Option<axum::http::HeaderName> {
        Some(axum::http::HeaderName::from_static("twilio-request-id"))
    }

    fn authenticate(
        &self,
        shared: &Shared,
        _path: &str,
        headers: &HeaderMap,
        _info: &crate::pipeline::ReqInfo,
    ) -> Result<Principal, Response> {
        authenticate(shared, headers).map_err(IntoResponse::into_response)
    }

    fn failure(&self, _: &crate::pipeline::ReqInfo, failure: Failure) -> Response {
        TwilioError::failure(failure).into_response()
    }

    fn not_found(&self, _: &crate::pipeline::ReqInfo, path: &str) -> Response {
        TwilioError::not_found(path).into_response()
    }

    fn method_not_allowed(&self, _: &crate::pipeline::ReqInfo) -> Response {
        TwilioError::method_not_allowed().into_response()
    }

    fn seed_demo(&self, shared: &Shared) -> crate::provider::DemoParent {
        let name = "Demo Reseller (Twilio)";
        let mut world = shared.world();
        let parent = world.add_twilio_parent(name);
        world.seed_twilio_subaccounts(&parent.sid, 40);
        crate::provider::DemoParent {
            provider: "twilio",
            label: "Demo Twilio".into(),
            parent_name: name.into(),
            account_id: parent.sid,
            secret: parent.auth_token,
        }
    }
}

// ------------------------------------------------------------------------------ auth

/// HTTP Basic: an Account SID with its auth token, or a Main API key with its secret.
pub(crate) fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Principal, TwilioError> {
    let (user, password) =
        crate::provider::basic_credentials(headers).ok_or_else(TwilioError::unauthorized)?;
    let caller = shared
        .world()
        .twilio_authenticate(&user, &password)
        .ok_or_else(TwilioError::unauthorized)?;
    Ok(Principal {
        parent: caller.account_sid,
        via_key: caller.key.is_some(),
        standard_key: caller.key == Some(TwilioKeyKind::Standard),
    })
}

/// The account at `sid` as these credentials may see it. An API key used on another
/// parent's account fails authentication (the key is not valid there); an Account SID's
/// token just does not see foreign accounts (404), as Twilio answers.
/// A Standard API key may use everything except the Accounts resource itself
/// (twilio.com/docs/iam/api-keys): listing, fetching or updating accounts is refused.
fn accounts_resource_allowed(ctx: &Ctx) -> Result<(), TwilioError> {
    if ctx.principal.standard_key {
        return Err(TwilioError::unauthorized());
    }
    Ok(())
}

/// "Main account API Keys are only available to access main account resources. Access to
/// subaccount resources will be denied." (twilio.com/docs/iam/api/subaccounts): an API key
/// reaching into a subaccount's own resources is refused with Twilio's 401.
fn own_resources_only(ctx: &Ctx, account: &TwilioAccount) -> Result<(), TwilioError> {
    if ctx.principal.via_key && account.sid != ctx.principal.parent {
        return Err(TwilioError::unauthorized());
    }
    Ok(())
}

fn resolve<'w>(
    world: &'w World,
    ctx: &Ctx,
    sid: &str,
    path: &str,
) -> Result<&'w TwilioAccount, TwilioError> {
    if let Some(account) = world.twilio_visible(&ctx.principal.parent, sid) {
        return Ok(account);
    }
    if ctx.principal.via_key && world.twilio_owner_of(sid).is_some() {
        return Err(TwilioError::unauthorized());
    }
    Err(TwilioError::not_found(path))
}

// ------------------------------------------------------------------------------ JSON

/// RFC 2822 in GMT as the API writes it: `Thu, 30 Jul 2015 20:00:00 +0000`.
fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

const SUBRESOURCES: &[(&str, &str)] = &[
    ("addresses", "Addresses"),
    ("conferences", "Conferences"),
    ("signing_keys", "SigningKeys"),
    ("transcriptions", "Transcriptions"),
    ("connect_apps", "ConnectApps"),
    ("sip", "SIP"),
    ("authorized_connect_apps", "AuthorizedConnectApps"),
    ("usage", "Usage"),
    ("keys", "Keys"),
    ("applications", "Applications"),
    ("recordings", "Recordings"),
    ("short_codes", "SMS/ShortCodes"),
    ("calls", "Calls"),
    ("notifications", "Notifications"),
    ("incoming_phone_numbers", "IncomingPhoneNumbers"),
    ("queues", "Queues"),
    ("messages", "Messages"),
    ("outgoing_caller_ids", "OutgoingCallerIds"),
    ("available_phone_numbers", "AvailablePhoneNumbers"),
    ("balance", "Balance"),
];

fn account_json(a: &TwilioAccount) -> Value {
    let subresources: Map<String, Value> = SUBRESOURCES
        .iter()
        .map(|(key, name)| {
            (
                (*key).to_owned(),
                Value::String(format!("{BASE}/Accounts/{}/{name}.json", a.sid)),
            )
        })
        .collect();
    json!({
        "auth_token": a.auth_token,
        "date_created": rfc2822(a.created),
        "date_updated": rfc2822(a.updated),
        "friendly_name": a.friendly_name,
        "owner_account_sid": a.owner_account_sid,
        "sid": a.sid,
        "status": a.status.as_str(),
        "subresource_uris": subresources,
        "type": "Full",
        "uri": format!("{BASE}/Accounts/{}.json", a.sid),
    })
}

/// `+14155550123` → `(415) 555-0123`, Twilio's default friendly name for a US number.
fn national_format(e164: &str) -> String {
    match e164.strip_prefix("+1") {
        Some(d) if d.len() == 10 => format!("({}) {}-{}", &d[0..3], &d[3..6], &d[6..10]),
        _ => e164.to_owned(),
    }
}

fn number_json(account_sid: &str, n: &PhoneNumber) -> Value {
    json!({
        "account_sid": account_sid,
        "address_requirements": "none",
        "address_sid": null,
        "api_version": "2010-04-01",
        "beta": false,
        "bundle_sid": null,
        "capabilities": {"fax": false, "mms": true, "sms": true, "voice": true},
        "date_created": rfc2822(n.created),
        "date_updated": rfc2822(n.created),
        "emergency_address_sid": null,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": national_format(&n.phone_number),
        "identity_sid": null,
        "origin": "twilio",
        "phone_number": n.phone_number,
        "sid": n.sid,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status": "in-use",
        "status_callback": "",
        "status_callback_method": "POST",
        "trunk_sid": null,
        "type": "local",
        "uri": format!("{BASE}/Accounts/{account_sid}/IncomingPhoneNumbers/{}.json", n.sid),
        "voice_application_sid": null,
        "voice_caller_id_lookup": false,
        "voice_fallback_method": "POST",
        "voice_fallback_url": null,
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": null,
    })
}

// ------------------------------------------------------------------------------ paging

/// Where a page starts: `PageToken` = `PA` + the SID of the item just before the page.
/// Twilio's tokens are opaque; naming the boundary item (rather than an offset) keeps pages
/// stable while accounts before the boundary change status underneath a paging client.
struct PageRequest {
    size: usize,
    page: Option<usize>,
    /// The raw token (echoed in `uri`) and the boundary SID.
    token: Option<(String, String)>,
}

fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, TwilioError> {
    serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|_| TwilioError::bad_request(20001, "Invalid query string"))
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn parse_paging(pairs: &[(String, String)]) -> Result<PageRequest, TwilioError> {
    let size = match first(pairs, "PageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                return Err(TwilioError::bad_request(
                    20001,
                    format!(
                        "Invalid PageSize {v:?}: must be an integer between 1 and {MAX_PAGE_SIZE}"
                    ),
                ))
            }
        },
    };
    let page = match first(pairs, "Page") {
        None => None,
        Some(v) => Some(v.parse::<usize>().map_err(|_| {
            TwilioError::bad_request(
                20001,
                format!("Invalid Page {v:?}: must be a non-negative integer"),
            )
        })?),
    };
    let token = match first(pairs, "PageToken") {
        None | Some("") => None,
        Some(raw) => {
            let Some(sid) = raw.strip_prefix("PA") else {
                return Err(TwilioError::bad_request(
                    20001,
                    format!("Invalid PageToken {raw:?}"),
                ));
            };
            Some((raw.to_owned(), sid.to_owned()))
        }
    };
    Ok(PageRequest { size, page, token })
}

/// The page metadata of a list envelope.
struct Paged {
    start: usize,
    end_exclusive: usize,
    fields: Map<String, Value>,
}

/// Picks the page out of `keys` (the filtered list, in order; each entry is the item's
/// position in the unfiltered list and its SID) and builds the envelope's URIs.
fn paginate(
    base: &str,
    filters: &[(&str, &str)],
    all_sids: &[&str],
    kept: &[(usize, &str)],
    req: &PageRequest,
) -> Result<Paged, TwilioError> {
    let size = req.size;
    let (start, end) = match &req.token {
        None => {
            let start = req.page.unwrap_or(0).saturating_mul(size).min(kept.len());
            (start, (start + size).min(kept.len()))
        }
        Some((raw, sid)) => {
            let pos = all_sids.iter().position(|s| s == sid).ok_or_else(|| {
                TwilioError::bad_request(20001, format!("Invalid PageToken {raw:?}"))
            })?;
            let start = kept.partition_point(|(i, _)| *i <= pos);
            (start, (start + size).min(kept.len()))
        }
    };
    let page = req.page.unwrap_or(start / size);
    let filter_qs = serde_urlencoded::to_string(filters).unwrap_or_default();
    let uri = |page: usize, token: Option<&str>| {
        let mut u = format!("{base}?");
        if !filter_qs.is_empty() {
            u.push_str(&filter_qs);
            u.push('&');
        }
        u.push_str(&format!("PageSize={size}&Page={page}"));
        if let Some(t) = token {
            u.push_str("&PageToken=");
            u.push_str(t);
        }
        u
    };
    let next = (end < kept.len() && end > 0)
        .then(|| uri(page + 1, Some(&format!("PA{}", kept[end - 1].1))));
    // The previous page is [start - size, start): anchored on the item before it, or
    // token-less when it is the first page.
    let previous = (start > 0).then(|| {
        let prev_start = start.saturating_sub(size);
        let token = (prev_start > 0).then(|| format!("PA{}", kept[prev_start - 1].1));
        uri(page.saturating_sub(1), token.as_deref())
    });
    let mut fields = Map::new();
    fields.insert("first_page_uri".into(), Value::String(uri(0, None)));
    fields.insert(
        "uri".into(),
        Value::String(uri(page, req.token.as_ref().map(|(raw, _)| raw.as_str()))),
    );
    fields.insert(
        "next_page_uri".into(),
        next.map_or(Value::Null, Value::String),
    );
    fields.insert(
        "previous_page_uri".into(),
        previous.map_or(Value::Null, Value::String),
    );
    fields.insert("page".into(), json!(page));
    fields.insert("page_size".into(), json!(size));
    fields.insert("start".into(), json!(start));
    // Spec semantics: the index of the last item on this page.
    fields.insert("end".into(), json!(end.saturating_sub(1).max(start)));
    Ok(Paged {
        start,
        end_exclusive: end,
        fields,
    })
}

fn envelope(mut paged: Paged, key: &str, items: Vec<Value>) -> Response {
    paged.fields.insert(key.to_owned(), Value::Array(items));
    Json(Value::Object(paged.fields)).into_response()
}

// ------------------------------------------------------------------------------ handlers

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

    let world = shared.world();
    let family = world.twilio_family(&ctx.principal.parent);
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
        &format!("{BASE}/Accounts.json"),
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
    let world = shared.world();
    let account = resolve(&world, &ctx, &sid, uri.path())?;
    Ok(Json(account_json(account)).into_response())
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
    let body =
        body.map_err(|_| TwilioError::bad_request(21100, "Could not read the request body"))?;
    // An empty POST without a content type is a valid "change nothing" request.
    match is_form(&headers) {
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
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| TwilioError::bad_request(21100, "Could not parse the form-encoded body"))?;
    // Parameter names are case-sensitive: `status=closed` is ignored, as on the real API.
    let update = TwilioUpdate {
        status: first(&form, "Status"),
        friendly_name: first(&form, "FriendlyName"),
    };

    accounts_resource_allowed(&ctx)?;
    let knobs = shared.knobs();
    let mut world = shared.world();
    let account = resolve(&world, &ctx, &sid, path)?;
    if !knobs.twilio_main_key_writes_subaccounts {
        own_resources_only(&ctx, account)?;
    }
    let changed = world
        .twilio_update(&ctx.principal.parent, &sid, &update)
        .map_err(|e| update_error(e, path))?;
    let account = world
        .twilio_get(&sid)
        .ok_or_else(|| TwilioError::not_found(path))?;
    let closed = account.status == AccountStatus::Closed;
    let resp = Json(account_json(account)).into_response();
    if closed && knobs.twilio_purge_closed {
        world.purge_closed_twilio();
    }
    Ok(mark_applied(resp, changed))
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
    let world = shared.world();
    let account = resolve(&world, &ctx, &sid, path)?;
    own_resources_only(&ctx, account)?;
    let all_sids: Vec<&str> = account.numbers.iter().map(|n| n.sid.as_str()).collect();
    let kept: Vec<(usize, &str)> = all_sids.iter().copied().enumerate().collect();
    let paged = paginate(path, &[], &all_sids, &kept, &paging)?;
    let items = account.numbers[paged.start..paged.end_exclusive]
        .iter()
        .map(|n| number_json(&account.sid, n))
        .collect();
    Ok(envelope(paged, "incoming_phone_numbers", items))
}
