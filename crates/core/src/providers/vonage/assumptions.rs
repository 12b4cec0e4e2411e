//! Every guess about Vonage's Subaccounts API in one place, with its source. Facts:
//! shared/reference/providers.md §4. The simulator (`subdesk-sim`, `vonage.rs`) models each of
//! these as the source says, not as this adapter reads it.
//!
//! Sources, cited below by their short names:
//! - \[spec] Vonage's Subaccounts API OpenAPI document (developer.vonage.com, "Subaccounts API",
//!   `retrieveSubaccountsList`, `modifySubaccount`, the `Subaccount` schema and its examples);
//! - \[errors] developer.vonage.com/api-errors/subaccounts (the `validation` error: "see the
//!   detail (and, if present, the invalid_parameters) fields").
//!
//! **The answer to a PATCH.** Documented: 200 with the subaccount \[spec]. Assumed: that body
//! may still show the state from before the change (a stale read, or a change not made), so an
//! answer that still shows the old state is followed by one re-read (`VonageApi::settled`), and
//! if that too shows the old state the user is told "Vonage answered, but the subaccount is
//! still …" ([`crate::Error::NotApplied`]), without sending the change again. The simulator
//! models both cases (`VonageConfig::patch_answer`: `Stale`, `Ignored`).

use serde::Deserialize;

/// **Amounts.** `balance` and `credit_limit` are JSON numbers with up to 4 decimals in the
/// spec's examples, and a credit limit may be negative (its own example is -100.25) \[spec].
/// Shown as Vonage sends them, to 4 decimals at most and at least 2 (42.5 shows as 42.50,
/// 42.1234 as 42.1234, -100.25 as -100.25), never rounded to cents.
pub fn amount(value: f64) -> String {
    let mut s = format!("{value:.4}");
    while s.ends_with('0') && s.len() - s.find('.').unwrap_or(s.len()) > 3 {
        s.pop();
    }
    s
}

/// The problem body, `{type, title, detail, instance}`, with `invalid_parameters:
/// [{name, reason}]` on a 422 validation error \[spec] \[errors].
#[derive(Deserialize)]
pub(crate) struct Problem {
    pub title: Option<String>,
    pub detail: Option<String>,
    pub instance: Option<String>,
    #[serde(default)]
    pub invalid_parameters: Vec<InvalidParameter>,
}

#[derive(Deserialize)]
pub(crate) struct InvalidParameter {
    pub name: Option<String>,
    pub reason: Option<String>,
}

/// **A 422's reasons**: its `detail`, then every `invalid_parameters` entry as "name: reason"
/// \[errors]. `None` when there is no reason at all to show.
pub(crate) fn reasons(problem: &Problem) -> Option<String> {
    let params: Vec<String> = problem
        .invalid_parameters
        .iter()
        .filter_map(|p| match (&p.name, &p.reason) {
            (Some(n), Some(r)) => Some(format!("{n}: {r}")),
            (None, Some(r)) => Some(r.clone()),
            _ => None,
        })
        .collect();
    let detail = problem.detail.clone().or(problem.title.clone());
    match (detail, params.is_empty()) {
        (None, true) => None,
        (Some(d), true) => Some(d),
        (None, false) => Some(params.join("; ")),
        (Some(d), false) => Some(format!(
            "{} ({})",
            d.trim_end_matches('.'),
            params.join("; ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_four_decimals_and_their_sign() {
        assert_eq!(amount(42.1234), "42.1234");
        assert_eq!(amount(42.5), "42.50");
        assert_eq!(amount(100.0), "100.00");
        assert_eq!(amount(-100.25), "-100.25");
        assert_eq!(amount(0.001), "0.001");
    }

    #[test]
    fn a_422_names_each_invalid_parameter() {
        let p: Problem = serde_json::from_str(
            r#"{"type":"t","title":"Bad Request","detail":"The request failed due to validation errors","instance":"i","invalid_parameters":[{"name":"suspended","reason":"Must be a boolean"}]}"#,
        )
        .unwrap();
        assert_eq!(
            reasons(&p).as_deref(),
            Some("The request failed due to validation errors (suspended: Must be a boolean)")
        );
    }
}
