//! Every guess about Vobiz's API in one place.
//!
//! Vobiz's documentation contradicts itself (shared/reference/providers.md §2): Plivo-style paths
//! on the overview page, two error body shapes, `enabled` beside `is_active`. Each choice below
//! names the source it follows; when real responses disagree, this file is the one edit, and the
//! tests below say which behaviour changed.

use serde::Deserialize;

/// Sub-account CRUD lives under lower-case plural `accounts/…/sub-accounts`, as every endpoint
/// page and both SDKs say (NOT the overview's `/Account/{id}/Subaccount/`, which is Plivo's text).
pub fn list_path(auth_id: &str) -> String {
    format!("/api/v1/accounts/{auth_id}/sub-accounts/")
}

pub fn item_path(auth_id: &str, sub_auth_id: &str) -> String {
    format!("/api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}")
}

/// The documented default page size. No maximum is documented, so we stay at the default
/// rather than risk a 400 from a larger value.
pub const PAGE_SIZE: u32 = 25;

/// `enabled` is the suspend flag: the update example returns `enabled:false` with
/// `is_active:true`, so `is_active` tracks something else (unconfirmed) and is ignored.
pub fn is_suspended(enabled: bool) -> bool {
    !enabled
}

/// Request ids: the /errors page documents `requestId` in the body; the header is a guess.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The error body: the /errors page documents an envelope
/// `{"status":"error","error":{"code","message","details"},"requestId"}`, the generated SDK a
/// Plivo shape `{"api_id","error":"<message>"}`. Both are accepted; `message`/`detail` at the top
/// level are read too.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: Option<ErrorField>,
    pub message: Option<String>,
    pub detail: Option<String>,
    #[serde(rename = "requestId")]
    pub request_id: Option<String>,
    pub api_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ErrorField {
    Text(String),
    Object {
        code: Option<String>,
        message: Option<String>,
    },
}

impl ErrorBody {
    /// (code, message, request id) from whichever shape arrived.
    pub fn parts(&self) -> (Option<String>, Option<String>, Option<String>) {
        let (code, msg) = match &self.error {
            Some(ErrorField::Object { code, message }) => (code.clone(), message.clone()),
            Some(ErrorField::Text(t)) => (None, Some(t.clone())),
            None => (None, None),
        };
        let msg = msg
            .or_else(|| self.message.clone())
            .or_else(|| self.detail.clone());
        let rid = self.request_id.clone().or_else(|| self.api_id.clone());
        (code, msg, rid)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_shapes_are_read() {
        let env: ErrorBody = serde_json::from_str(r#"{"status":"error","error":{"code":"NOT_FOUND","message":"Sub-account not found","details":{}},"timestamp":"t","requestId":"req_1"}"#).unwrap();
        assert_eq!(
            env.parts(),
            (
                Some("NOT_FOUND".into()),
                Some("Sub-account not found".into()),
                Some("req_1".into())
            )
        );
        let plivo: ErrorBody =
            serde_json::from_str(r#"{"api_id":"abc","error":"not found"}"#).unwrap();
        assert_eq!(
            plivo.parts(),
            (None, Some("not found".into()), Some("abc".into()))
        );
        let bare: ErrorBody = serde_json::from_str(r#"{"detail":"Invalid token"}"#).unwrap();
        assert_eq!(bare.parts().1.as_deref(), Some("Invalid token"));
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
        assert!(is_suspended(false) && !is_suspended(true));
        assert!(delete_succeeded(200) && delete_succeeded(204) && !delete_succeeded(404));
    }
}
