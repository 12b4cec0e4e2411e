//! Every guess about Telnyx's Managed Accounts API in one place, with its source. Facts:
//! shared/reference/providers.md §5. The simulator (`subdesk-sim`, `telnyx.rs`) models each of
//! these as the source says, not as this adapter reads it.
//!
//! Sources, cited below by their short names:
//! - [spec] Telnyx's OpenAPI spec for managed accounts, as generated into team-telnyx/telnyx-java
//!   `src/main/java/com/telnyx/sdk/api/ManagedAccountsApi.java` (responses and parameters of
//!   each operation) and team-telnyx/telnyx-node `src/resources/managed-accounts/*.ts`;
//! - [doc] developers.telnyx.com, API fundamentals (authentication, errors, rate limiting).

use serde::Deserialize;

/// Telnyx's error body, `{"errors": [{code, title, detail, source, meta}]}` with string codes
/// [doc] [spec]. Only `code`, `title` and `detail` are read; `source` and `meta` are objects
/// whose content is not documented.
#[derive(Deserialize)]
pub(crate) struct Errors {
    pub errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
pub(crate) struct ErrorItem {
    pub code: Option<String>,
    pub title: Option<String>,
    pub detail: Option<String>,
}

/// **422 on disable and enable.** Documented for both: "Unprocessable entity. Check the
/// 'detail' field in response for details" [spec]. Which cases answer it is not documented
/// (the simulator gives it for an action on an account already in that state). Read as a
/// refusal with Telnyx's reasons ([`crate::Error::Refused`]): not ambiguous, never sent again.
/// The reasons are every error's `detail` (else its `title`), in order; `None` when there are
/// none to show.
pub(crate) fn reasons(errors: &[ErrorItem]) -> Option<String> {
    let parts: Vec<&str> = errors
        .iter()
        .filter_map(|e| e.detail.as_deref().or(e.title.as_deref()))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_422s_reasons_are_its_details_in_order() {
        let body: Errors = serde_json::from_str(
            r#"{"errors":[{"code":"10015","title":"Unprocessable entity","detail":"Already enabled.","source":{"pointer":"/id"},"meta":{}},{"code":"1","title":"Only a title"}]}"#,
        )
        .unwrap();
        assert_eq!(
            reasons(&body.errors).as_deref(),
            Some("Already enabled. Only a title")
        );
        assert_eq!(reasons(&[]), None);
    }
}
