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

/// **Paging order**: the list is asked for `sort=created_at` every time. The spec gives two
/// orders for a list that names none: "by default sorting direction is ascending" with the
/// parameter's default `created_at`, and "if not given, results are sorted by created_at in
/// descending order" [spec]. Oldest first, a managed account created during a listing lands
/// on the last page instead of shifting every page (the simulator models both defaults:
/// `SimConfig::telnyx_unsorted_newest_first`).
pub const LIST_SORT: &str = "created_at";

/// **When a listing ends.** `meta{page_number, page_size, total_pages, total_results}` is
/// documented, every field optional [spec]. With `total_pages`, the page numbered it is the
/// last; without it, a page shorter than `size` (or empty) is. An empty page always ends it.
pub fn last_page(number: u64, size: u32, got: usize, total_pages: Option<u64>) -> bool {
    got == 0
        || match total_pages {
            Some(total) => number >= total,
            None => got < size as usize,
        }
}

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
    fn a_listing_ends_at_total_pages_else_at_a_short_page() {
        assert!(!last_page(1, 250, 250, Some(3)));
        assert!(last_page(3, 250, 20, Some(3)));
        assert!(!last_page(2, 250, 250, None));
        assert!(last_page(3, 250, 20, None));
        assert!(last_page(3, 250, 0, None));
        assert!(last_page(1, 250, 0, Some(5)), "an empty page ends it");
    }

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
