//! Every guess about Vobiz's API in one place. (403 is read as "authenticated but not allowed",
//! per docs.vobiz.ai/errors, never as wrong credentials: see `classify` in mod.rs.)
//!
//! Vobiz's documentation contradicts itself (shared/reference/providers.md §2): Plivo-style paths
//! on the overview page, two error body shapes, `enabled` beside `is_active`. Each choice below
//! names the source it follows; when real responses disagree, this file is the one edit, and the
//! tests below say which behaviour changed.

use serde_json::Value;

use crate::model::Status;

/// Sub-account CRUD lives under lower-case plural `accounts/…/sub-accounts`, as every endpoint
/// page and both SDKs say (NOT the overview's `/Account/{id}/Subaccount/`, which is Plivo's text).
pub fn list_path(auth_id: &str) -> String {
    format!("/api/v1/accounts/{auth_id}/sub-accounts/")
}

pub fn item_path(auth_id: &str, sub_auth_id: &str) -> String {
    format!("/api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}")
}

/// The page size asked for. Documented: `size` has a default of 25 and **no maximum**
/// [doc: sub-accounts/list-sub-accounts]. 100 is another tool's schema, not Vobiz's API: the
/// official MCP server's list tool says `size` goes up to 100 [3rd: vobiz-ai/Vobiz-MCP-Server
/// list_sub_accounts]. Assumed: a server may give fewer rows than asked, silently, so the
/// listing never trusts the size it asked for: see [`next_page`]. (The simulator refuses more
/// than 100, as the MCP schema says, and can cap pages at 25: `VobizConfig::page_cap`.)
pub const PAGE_SIZE: u32 = 100;

/// Where a listing goes on after a page: `(page, size)` of the next request, or `None` when
/// the listing is done. `page`/`size` are the request just answered, `got` the rows it gave,
/// `total` the total it reported. The rows served so far end at `(page - 1) * size + got`; a
/// page shorter than asked means the server's page size is `got` (a silent cap), so the
/// listing pages on at that size. Done only when that end reaches `total` or a page is empty:
/// never on a short page while the total says more exist. When the end is not a whole number
/// of pages, the next page starts before it (rows seen twice are dropped by id), never after.
pub fn next_page(page: u32, size: u32, got: u32, total: u64) -> Option<(u32, u32)> {
    let end = u64::from(page - 1) * u64::from(size) + u64::from(got);
    if got == 0 || end >= total {
        return None;
    }
    let size = got.min(size);
    let page = u32::try_from(end / u64::from(size)).ok()?.checked_add(1)?;
    Some((page, size))
}

/// What a row's two flags say. `enabled` is the suspend flag (an update sets it); `is_active`
/// is "whether the sub-account is currently active and can make API calls"
/// [doc: sub-accounts/subaccount-object]. Older object pages show only `is_active`, so a row
/// without `enabled` is read from `is_active`; a row with neither is unknown, never guessed.
/// `enabled` true with `is_active` false is its own state: not suspended by the reseller, yet
/// unable to make calls (Vobiz does not say why); it is shown as unknown with those words, and
/// no action is offered on it until Vobiz reports it plainly.
pub fn status_of(enabled: Option<bool>, is_active: Option<bool>) -> (Status, &'static str) {
    match (enabled, is_active) {
        (Some(true), Some(false)) => (Status::Unknown, "enabled, but not active at Vobiz"),
        (Some(true), _) => (Status::Active, "enabled"),
        (Some(false), _) => (Status::Suspended, "disabled"),
        (None, Some(true)) => (Status::Active, "active"),
        (None, Some(false)) => (Status::Suspended, "not active"),
        (None, None) => (Status::Unknown, "not reported by Vobiz"),
    }
}

/// Request ids: the /errors page documents `requestId` in the body; the header is a guess. A
/// refused request keeps the header's id, else the body's `requestId` / `request_id` / `api_id`
/// (`providers::Refusal`), so the history has one whichever Vobiz sends.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The error body, read leniently: the /errors page documents an envelope
/// `{"status":"error","error":{"code","message","details"},"requestId"}`, the generated SDK a
/// Plivo shape `{"api_id","error":"<message>"}`, and bodies met elsewhere carry a numeric
/// `code`, `detail` as a string or a list, and `request_id`. Any of them is read; a field of an
/// unexpected type is skipped, never a reason to lose the rest.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
}

impl ErrorBody {
    /// `None` when the body is not a JSON object at all.
    pub fn parse(bytes: &[u8]) -> Option<ErrorBody> {
        let v: Value = serde_json::from_slice(bytes).ok()?;
        let obj = v.as_object()?;
        let text = |v: Option<&Value>| -> Option<String> {
            match v? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Array(items) => {
                    let parts: Vec<String> = items
                        .iter()
                        .filter_map(|i| match i {
                            Value::String(s) => Some(s.clone()),
                            Value::Object(o) => o
                                .get("msg")
                                .or_else(|| o.get("message"))
                                .and_then(Value::as_str)
                                .map(str::to_string),
                            _ => None,
                        })
                        .collect();
                    (!parts.is_empty()).then(|| parts.join("; "))
                }
                _ => None,
            }
        };
        let inner = obj.get("error").and_then(Value::as_object);
        Some(ErrorBody {
            code: text(inner.and_then(|e| e.get("code"))).or_else(|| text(obj.get("code"))),
            message: text(inner.and_then(|e| e.get("message")))
                .or_else(|| obj.get("error").and_then(Value::as_str).map(str::to_string))
                .or_else(|| text(obj.get("message")))
                .or_else(|| text(obj.get("detail"))),
            request_id: text(obj.get("requestId"))
                .or_else(|| text(obj.get("request_id")))
                .or_else(|| text(obj.get("api_id"))),
        })
    }
}

/// The sub-account fields saved in the history before a delete (providers.md §2.4, minus
/// `auth_token`): an allowlist, so an unknown new field is never copied.
pub const SNAPSHOT_FIELDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "description",
    "permissions",
    "rate_limit",
    "id",
    "parent_account_id",
    "parent_auth_id",
    "auth_id",
    "api_id",
    "email_verified",
    "enabled",
    "created",
    "modified",
    "is_active",
    "created_at",
    "updated_at",
    "last_used",
    "account",
    "resource_uri",
    "kyc_mode",
    "business_type",
    "kyc_calls_blocked",
];

/// Delete succeeds with 200 `{"message": …}` or 204 with no body: both are declared in the
/// delete page's OpenAPI fragment. Any 2xx is taken as done.
pub fn delete_succeeded(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Balances. The sub-account object (providers.md §2.4) documents no balance. Vobiz's Partner
/// API has a customer balance, `GET /api/v1/partner/accounts/{customer_auth_id}/balance`
/// ("real-time wallet", response shape not confirmed; the skill says `cash_credits`, the
/// customer profile lists `cash_credits`), but it is for a partner's customers (`MA_…`
/// accounts, partner credentials), which Subdesk does not connect: it is never called on a
/// sub-account (`SA_…`). Assumed: a sub-account object that carries a balance anyway carries
/// it the way the Partner pages describe, so it is read with [`balance_of`]: `cash_credits`,
/// else `balance`, a string or a number, with `currency` when present. Any other shape (an
/// object, a list, no such field) is not understood and the detail says "not reported",
/// never a guessed amount.
pub fn balance_of(object: &Value) -> Option<crate::model::Balance> {
    let amount = ["cash_credits", "balance"]
        .iter()
        .find_map(|k| match object.get(*k)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })?;
    Some(crate::model::Balance {
        amount,
        currency: object
            .get("currency")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        credit_limit: None,
        available: None,
    })
}

/// A Vobiz auth ID, of a main account (`MA_…`) or a sub-account (`SA_…`). The documents show
/// only examples; assumed: 1 to 64 letters, digits, `_` and `-`. The connection form checks the
/// same pattern (it is in the provider description).
pub const AUTH_ID_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";

pub fn is_auth_id(s: &str) -> bool {
    crate::providers::catalog::matches(AUTH_ID_PATTERN, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape_is_read() {
        let env = ErrorBody::parse(br#"{"status":"error","error":{"code":"NOT_FOUND","message":"Sub-account not found","details":{}},"timestamp":"t","requestId":"req_1"}"#).unwrap();
        assert_eq!(
            env,
            ErrorBody {
                code: Some("NOT_FOUND".into()),
                message: Some("Sub-account not found".into()),
                request_id: Some("req_1".into())
            }
        );
        let plivo = ErrorBody::parse(br#"{"api_id":"abc","error":"not found"}"#).unwrap();
        assert_eq!(
            (plivo.message.as_deref(), plivo.request_id.as_deref()),
            (Some("not found"), Some("abc"))
        );
        let bare = ErrorBody::parse(br#"{"detail":"Invalid token"}"#).unwrap();
        assert_eq!(bare.message.as_deref(), Some("Invalid token"));
        let loose =
            ErrorBody::parse(br#"{"code":404,"detail":["Not found","really"],"request_id":"r9"}"#)
                .unwrap();
        assert_eq!(
            loose,
            ErrorBody {
                code: Some("404".into()),
                message: Some("Not found; really".into()),
                request_id: Some("r9".into())
            }
        );
        let fastapi =
            ErrorBody::parse(br#"{"detail":[{"loc":["body"],"msg":"field required"}]}"#).unwrap();
        assert_eq!(fastapi.message.as_deref(), Some("field required"));
        assert!(ErrorBody::parse(b"<html>").is_none());
    }

    #[test]
    fn a_balance_is_read_only_from_a_shape_the_partner_pages_describe() {
        let b = balance_of(&serde_json::json!({"cash_credits": "12.50000", "currency": "INR"}))
            .unwrap();
        assert_eq!(
            (b.amount.as_str(), b.currency.as_deref()),
            ("12.50000", Some("INR"))
        );
        let n = balance_of(&serde_json::json!({"balance": 3.5})).unwrap();
        assert_eq!((n.amount.as_str(), n.currency), ("3.5", None));
        // The documented sub-account object carries none; an object or null is not understood.
        assert_eq!(
            balance_of(&serde_json::json!({"name": "Acme", "enabled": true})),
            None
        );
        assert_eq!(
            balance_of(&serde_json::json!({"balance": {"amount": 1}})),
            None
        );
        assert_eq!(balance_of(&serde_json::json!({"cash_credits": null})), None);
    }

    #[test]
    fn a_short_page_sets_the_size_and_only_the_total_ends_a_listing() {
        // Asked 100, got 25 of 130: on at 25 a page, from the 26th row.
        assert_eq!(next_page(1, 100, 25, 130), Some((2, 25)));
        assert_eq!(next_page(2, 25, 25, 130), Some((3, 25)));
        assert_eq!(next_page(6, 25, 5, 130), None);
        // A full page of the size asked for goes on at that size.
        assert_eq!(next_page(1, 100, 100, 300), Some((2, 100)));
        assert_eq!(next_page(3, 100, 100, 300), None);
        // An end that is not a whole page: start before it, never after.
        assert_eq!(next_page(2, 25, 10, 300), Some((4, 10)));
        assert_eq!(next_page(1, 100, 0, 300), None);
    }

    #[test]
    fn paths_are_the_lower_case_plural_ones() {
        assert_eq!(list_path("MA_X"), "/api/v1/accounts/MA_X/sub-accounts/");
        assert_eq!(
            item_path("MA_X", "SA_Y"),
            "/api/v1/accounts/MA_X/sub-accounts/SA_Y"
        );
    }

    #[test]
    fn enabled_is_the_suspend_flag_and_any_2xx_deletes() {
        assert_eq!(status_of(Some(true), Some(true)).0, Status::Active);
        assert_eq!(status_of(Some(false), Some(true)).0, Status::Suspended);
        assert_eq!(status_of(None, Some(false)).0, Status::Suspended);
        assert_eq!(status_of(None, None).0, Status::Unknown);
        let (s, words) = status_of(Some(true), Some(false));
        assert_eq!(
            (s, words),
            (Status::Unknown, "enabled, but not active at Vobiz")
        );
        assert!(delete_succeeded(200) && delete_succeeded(204) && !delete_succeeded(404));
    }
}
