//! Every guess about Plivo's Subaccount API in one place, with its source. Facts:
//! shared/reference/providers.md §3. The simulator (`subdesk-sim`, `plivo.rs`) models each of
//! these as the source says, not as this adapter reads it.
//!
//! Sources, cited below by their short names:
//! - \[go] plivo/plivo-go `accounts.go` (`SubaccountDeleteParams`, `Account`) and
//!   `baseclient.go` (`NewRequest`);
//! - \[python] plivo/plivo-python `plivo/rest/client.py` (`create_request`: `params` for GET,
//!   `json` otherwise);
//! - \[node] plivo/plivo-node (the same rule, as issue 22 reports it; not re-read here);
//! - \[doc] Plivo's API reference, "Subaccount" pages (delete: `cascade`, default false).

use serde_json::Value;

/// **Auth ID**: only a main account's. Documented: a main account's Auth ID looks like
/// `MA2025RK4E639VJFZAGV`, a subaccount's like `SA2025RK4E639VJFZAMM`, and "each subaccount
/// has its own Auth ID and Token" \[doc]; the Subaccount resource lives under the main
/// account's Auth ID (`/v1/Account/{auth_id}/Subaccount/`). Assumed from the examples: `MA`
/// and 18 capital letters or digits. A subaccount's credentials reach only that subaccount
/// (what Plivo answers when they ask for subaccounts is not documented), so the connection
/// form refuses an `SA…` Auth ID before any request, with [`AUTH_ID_INVALID`].
pub const AUTH_ID_PATTERN: &str = "^MA[A-Z0-9]{18}$";

/// What the form says when the Auth ID is not a main account's.
pub const AUTH_ID_INVALID: &str = "Enter the main account's Plivo Auth ID: 20 capital letters and digits starting with MA, like MA2025RK4E639VJFZAGV. An Auth ID starting with SA is a subaccount's, which cannot manage subaccounts: use the main account's Auth ID and Auth Token from the Plivo console.";

/// **The main account's name.** `GET /v1/Account/{auth_id}/` answers the account, whose
/// `name` is "the name of the account holder" [go: `Account`, `AccountService.Get`]. It is
/// what the connection shows (before, its Auth ID). Assumed: a blank or missing name falls
/// back to the Auth ID, never to a guess.
pub fn account_name(account: &Value) -> Option<String> {
    account
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// **Listing again.** Documented: `limit` (at most 20), `offset` and `meta.total_count`
/// \[doc]; the order is not documented (the examples are newest first). Assumed: newest first,
/// so a subaccount created during a listing shifts every later page and the listing misses
/// it; when `total_count` changed between pages, the list is read again from the start, at
/// most this many times in all (the same rule as Vobiz's).
pub const MAX_PASSES: usize = 3;

/// **Delete**: `cascade` travels in a JSON body, never in the query. Documented: the delete
/// takes `cascade`, default false \[doc]. Every official SDK sends the parameters of a non-GET
/// request as a JSON body (`Content-Type: application/json`) and builds a query string only for
/// GET \[go] \[python] \[node]; plivo-go declares it `Cascade bool json:"cascade"`. Assumed: the
/// API reads it where its SDKs put it (a query parameter would be ignored and the default,
/// false, would move the numbers to the main account whatever the user chose). Sent always,
/// false included, so the request says the user's choice in full.
pub fn delete_body(cascade: bool) -> Value {
    serde_json::json!({ "cascade": cascade })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_main_accounts_auth_id_is_accepted() {
        let ok = |s| crate::providers::catalog::matches(AUTH_ID_PATTERN, s);
        assert!(ok("MA2025RK4E639VJFZAGV"));
        assert!(!ok("SA2025RK4E639VJFZAMM"));
        assert!(!ok("MA2025RK4E639VJFZAG"));
        assert!(!ok("ma2025rk4e639vjfzagv"));
    }

    #[test]
    fn the_delete_body_carries_the_choice_both_ways() {
        assert_eq!(delete_body(true), serde_json::json!({"cascade": true}));
        assert_eq!(delete_body(false), serde_json::json!({"cascade": false}));
    }
}
