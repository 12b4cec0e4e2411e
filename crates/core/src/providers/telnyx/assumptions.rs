//! Every guess about Telnyx's Managed Accounts API in one place, with its source. Facts:
//! shared/reference/providers.md §5. The simulator (`subdesk-sim`, `telnyx.rs`) models each of
//! these as the source says, not as this adapter reads it.
//!
//! Sources, cited below by their short names:
//! - \[spec] Telnyx's OpenAPI spec for managed accounts, as generated into team-telnyx/telnyx-java
//!   `src/main/java/com/telnyx/sdk/api/ManagedAccountsApi.java` (responses and parameters of
//!   each operation) and team-telnyx/telnyx-node `src/resources/managed-accounts/*.ts`;
//! - \[doc] developers.telnyx.com, API fundamentals (authentication, errors, rate limiting).

use serde::Deserialize;

/// **Paging order**: the list is asked for `sort=created_at` every time. The spec gives two
/// orders for a list that names none: "by default sorting direction is ascending" with the
/// parameter's default `created_at`, and "if not given, results are sorted by created_at in
/// descending order" \[spec]. Oldest first, a managed account created during a listing lands
/// on the last page instead of shifting every page (the simulator models both defaults:
/// `TelnyxConfig::unsorted_newest_first`).
pub const LIST_SORT: &str = "created_at";

/// **When a listing ends.** `meta{page_number, page_size, total_pages, total_results}` is
/// documented, every field optional \[spec]. With `total_pages`, the page numbered it is the
/// last; without it, a page shorter than `size` (or empty) is. An empty page always ends it.
pub fn last_page(number: u64, size: u32, got: usize, total_pages: Option<u64>) -> bool {
    got == 0
        || match total_pages {
            Some(total) => number >= total,
            None => got < size as usize,
        }
}

/// **A key that is not a manager's.** For `GET /managed_accounts` the spec documents only 200
/// and 401, "Unauthorized response. Happens when the current user is not a manager account"
/// \[spec]; a wrong key is 401 too (10009) \[doc]. The 403 with code 10010 that Subdesk first
/// expected is not documented for this resource. So after a 401 or 403 from the
/// managed-accounts resource, Subdesk reads the key's own balance, which any valid key may
/// read (`GET /balance`: \[doc] "Get user balance details"; team-telnyx/telnyx-node
/// `src/resources/Balance.ts`): answered, the key is right and its
/// account is not a manager ([`crate::Error::Forbidden`]); refused with 401, the key is
/// wrong ([`crate::Error::Auth`]). Assumed: the balance is readable with every valid key
/// (no key scope is documented for it). The simulator models the 401 and, behind
/// `TelnyxConfig::not_manager_403`, the 403.
pub const NOT_A_MANAGER_PROBE: &str = "/v2/balance";

/// **Balances.** The single-account fetch carries `balance{balance, credit_limit,
/// available_credit, currency, record_type}` (strings; list items omit it) \[spec]; all three
/// amounts are shown. `rollup_billing` true means the account is billed to its manager's
/// balance \[spec]; what its own `balance` then holds is not documented, so none is shown and
/// the detail says this instead.
pub const ROLLUP_NOTE: &str = "This managed account uses the manager account's balance (rollup billing), so Telnyx reports none of its own.";

/// Telnyx's error body, `{"errors": [{code, title, detail, source, meta}]}` with string codes
/// \[doc] \[spec]. Only `code`, `title` and `detail` are read; `source` and `meta` are objects
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
/// 'detail' field in response for details" \[spec]. Which cases answer it is not documented
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
