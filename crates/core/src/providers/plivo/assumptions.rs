//! Every guess about Plivo's Subaccount API in one place, with its source. Facts:
//! shared/reference/providers.md §3. The simulator (`subdesk-sim`, `plivo.rs`) models each of
//! these as the source says, not as this adapter reads it.
//!
//! Sources, cited below by their short names:
//! - [go] plivo/plivo-go `accounts.go` (`SubaccountDeleteParams`, `Account`) and
//!   `baseclient.go` (`NewRequest`);
//! - [python] plivo/plivo-python `plivo/rest/client.py` (`create_request`: `params` for GET,
//!   `json` otherwise);
//! - [node] plivo/plivo-node (the same rule, as issue 22 reports it; not re-read here);
//! - [doc] Plivo's API reference, "Subaccount" pages (delete: `cascade`, default false).

use serde_json::Value;

/// **Delete**: `cascade` travels in a JSON body, never in the query. Documented: the delete
/// takes `cascade`, default false [doc]. Every official SDK sends the parameters of a non-GET
/// request as a JSON body (`Content-Type: application/json`) and builds a query string only for
/// GET [go] [python] [node]; plivo-go declares it `Cascade bool json:"cascade"`. Assumed: the
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
    fn the_delete_body_carries_the_choice_both_ways() {
        assert_eq!(delete_body(true), serde_json::json!({"cascade": true}));
        assert_eq!(delete_body(false), serde_json::json!({"cascade": false}));
    }
}
