//! Vonage subaccounts (`/accounts/{api_key}/subaccounts`), HTTP Basic with the primary
//! account's API key and secret.
//!
//! # Assumptions (what the documents leave open, and what this code assumes)
//! Facts: shared/reference/providers.md §4 (Vonage's OpenAPI spec). The simulator
//! (`subdesk-sim`, `vonage.rs`) models each of these.
//! - **State** is the boolean `suspended`. Suspend and reactivate are `PATCH
//!   {"suspended": true|false}` in JSON, answered with the subaccount: the state after the
//!   change is read from that answer, never assumed, and read again when the answer still
//!   shows the old one.
//! - **No close or delete** exists in the API, so none is offered (a marketing page mentions
//!   deleting; the spec has no endpoint).
//! - **The list** answers the primary account and every subaccount at once, without paging;
//!   the primary is left out of the table.
//! - **Balance**: `balance` and `credit_limit` are shown only when the subaccount has its own
//!   (`use_primary_account_balance` false); otherwise they are null and the table says it
//!   shares the primary's.
//! - **Errors** are `{type, title, detail, instance}`: 401 wrong key or secret; 403 the account
//!   is not enabled for the Subaccounts API (only Vonage can enable it: the account manager);
//!   404 an unknown or foreign API key; 422 validation, shown with its `invalid_parameters`
//!   reasons. `instance` is kept as the request id
//!   (no request-id header is documented).
//! - Rate limits and what suspension does to numbers are not documented.
//!
//! Every guess with its source is in [`assumptions`]: amounts to 4 decimals and negative
//! credit limits, a PATCH answer that still shows the old state, a 422's `invalid_parameters`.

pub mod assumptions;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::catalog::{
    AccountIdFormat, ActionInfo, AdapterParts, Choices, FormField, ProviderInfo, ProviderSpec,
    StatusRule,
};
use super::http::{CallError, RetryPolicy};
use super::limit::AdaptiveLimit;
use super::{parse_json, send_json, JsonTransport, PageSink, ProviderApi, RawResponse, Refusal};
use crate::error::{Error, Result};
use crate::model::{
    AccountDetail, Action, ActionReceipt, Balance, Connection, Provider, Status, Subaccount,
};
use crate::secrets::Secret;

pub const API_KEY_PATTERN: &str = "^[0-9a-zA-Z]{6,16}$";

pub struct Spec;

impl ProviderSpec for Spec {
    fn info(&self) -> ProviderInfo {
        use Action::*;
        ProviderInfo {
            id: Provider::Vonage,
            name: "Vonage".into(),
            account_word: "subaccount".into(),
            default_base_url: "https://api.nexmo.com".into(),
            fields: vec![
                FormField::text("accountId", "API key", "e.g. bbe6222f")
                    .required("Enter the primary account's API key from the Vonage dashboard.")
                    .pattern(
                        API_KEY_PATTERN,
                        "A Vonage API key is 6 to 16 letters and digits, like bbe6222f. Copy it from the Vonage dashboard.",
                    ),
                FormField::secret("API secret", "Enter the primary account's API secret."),
            ],
            statuses: vec![
                StatusRule::new(Status::Active, "Active", &[Suspend]).word("not suspended"),
                StatusRule::new(Status::Suspended, "Suspended", &[Reactivate]),
            ],
            actions: vec![
                ActionInfo::new(Suspend, "Suspend", &[
                    "Suspended Vonage subaccounts can no longer make API calls. Vonage does not document what happens to their numbers.",
                    "You can reactivate them later.",
                ])
                .impact(&[
                    "The subaccount can no longer make API calls.",
                    "Vonage does not document what happens to its numbers while it is suspended.",
                    "You can reactivate it later.",
                ]),
                ActionInfo::new(Reactivate, "Reactivate", &["The accounts can be used again at once."])
                    .impact(&["The subaccount can use Vonage again."]),
            ],
            reports_status: true,
            lists_cancelled_on_request: false,
            forbidden_advice: "Only Vonage can enable the Subaccounts API: ask your Vonage account manager (Vonage Partners have it already).".into(),
            credentials_refused: "Vonage did not accept these credentials: either the API key or the API secret is wrong, and Vonage gives the same answer for both. Copy both again from API Settings in the Vonage API Dashboard.".into(),
            spend_note: Some("Vonage does not report spend per subaccount to Subdesk; see the subaccount's balance here, and its usage in the Vonage API Dashboard's reports.".into()),
        }
    }

    fn account_id(&self) -> AccountIdFormat {
        AccountIdFormat {
            pattern: API_KEY_PATTERN,
            what: "a Vonage subaccount API key (like bbe6222f)",
        }
    }

    fn adapter(
        &self,
        conn: &Connection,
        secret: Secret,
        parts: AdapterParts,
    ) -> Arc<dyn ProviderApi> {
        Arc::new(VonageApi {
            client: parts.client,
            base_url: conn.base_url.trim_end_matches('/').to_string(),
            api_key: conn.account_id.clone(),
            secret,
            retry: parts.retry,
            limit: parts.limit,
            max_body: parts.max_body,
        })
    }
}

pub struct VonageApi {
    client: reqwest::Client,
    base_url: String,
    api_key: String,
    secret: Secret,
    retry: RetryPolicy,
    limit: Arc<AdaptiveLimit>,
    max_body: u64,
}

#[derive(Deserialize)]
struct SubJson {
    api_key: String,
    name: Option<String>,
    suspended: Option<bool>,
    created_at: Option<String>,
    #[serde(default)]
    use_primary_account_balance: Option<bool>,
    balance: Option<f64>,
    credit_limit: Option<f64>,
}

#[derive(Deserialize)]
struct Primary {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Embedded {
    primary_account: Option<Primary>,
    #[serde(default)]
    subaccounts: Vec<SubJson>,
}

#[derive(Deserialize)]
struct ListJson {
    #[serde(rename = "_embedded")]
    embedded: Embedded,
}

impl VonageApi {
    fn url(&self, rest: &str) -> String {
        format!(
            "{}/accounts/{}/subaccounts{rest}",
            self.base_url, self.api_key
        )
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<serde_json::Value>,
        max_tries: u32,
    ) -> Result<RawResponse, CallError> {
        let transport = JsonTransport {
            limit: &self.limit,
            retry: &self.retry,
            max_body: self.max_body,
            request_id_header: "x-request-id",
        };
        send_json(
            transport,
            method,
            body,
            max_tries,
            |m| {
                self.client
                    .request(m, url)
                    .basic_auth(&self.api_key, Some(self.secret.expose()))
            },
            classify,
        )
        .await
    }

    fn check_id(&self, id: &str) -> Result<()> {
        super::check_account_id(Provider::Vonage, id)
    }

    async fn fetch_json(&self, id: &str) -> Result<SubJson> {
        let raw = self
            .send(
                reqwest::Method::GET,
                &self.url(&format!("/{id}")),
                None,
                u32::MAX,
            )
            .await
            .map_err(|e| e.error)?;
        parse_json(raw)
    }

    fn to_subaccount(s: SubJson) -> Subaccount {
        let (status, mut word) = match s.suspended {
            Some(false) => (Status::Active, "not suspended".to_string()),
            Some(true) => (Status::Suspended, "suspended".to_string()),
            None => (Status::Unknown, "no suspended flag".to_string()),
        };
        // Its own balance, where it has one: shown beside the state.
        if s.use_primary_account_balance == Some(false) {
            if let (Some(b), Some(c)) = (s.balance, s.credit_limit) {
                word = format!(
                    "{word}; balance {}, credit limit {}",
                    assumptions::amount(b),
                    assumptions::amount(c)
                );
            }
        } else if s.use_primary_account_balance == Some(true) {
            word = format!("{word}; uses the primary account's balance");
        }
        Subaccount {
            connection_id: uuid::Uuid::nil(),
            id: s.api_key,
            name: s.name.unwrap_or_default(),
            status,
            provider_status: word,
            created: s.created_at,
            updated: None,
            is_parent: false,
        }
    }

    /// The subaccount after a PATCH asking for `suspended`: the answer when it shows the change,
    /// else the subaccount read again once ([`assumptions`]); still as before,
    /// [`Error::NotApplied`]. A state the answer does not report at all is left to
    /// the caller, as before.
    async fn settled(&self, answered: Subaccount, suspended: bool) -> Result<Subaccount> {
        let asked = if suspended {
            Status::Suspended
        } else {
            Status::Active
        };
        if answered.status == asked || answered.status == Status::Unknown {
            return Ok(answered);
        }
        let again = Self::to_subaccount(self.fetch_json(&answered.id).await?);
        if again.status == asked {
            return Ok(again);
        }
        Err(Error::NotApplied {
            provider: Provider::Vonage,
            status: again.status,
        })
    }

    async fn read_list(&self) -> Result<ListJson> {
        let raw = self
            .send(reqwest::Method::GET, &self.url(""), None, u32::MAX)
            .await
            .map_err(|e| e.error)?;
        parse_json(raw)
    }
}

fn classify(raw: &RawResponse) -> Refusal {
    let body: Option<assumptions::Problem> = serde_json::from_slice(&raw.body).ok();
    let request_id = body.as_ref().and_then(|b| b.instance.clone());
    if raw.status == 422 {
        if let Some(detail) = body.as_ref().and_then(assumptions::reasons) {
            let error = Error::Refused {
                provider: Provider::Vonage,
                status: 422,
                code: None,
                detail,
                explained: false,
            };
            return Refusal { error, request_id };
        }
    }
    let message = body.as_ref().and_then(|b| match (&b.title, &b.detail) {
        (Some(t), Some(d)) => Some(format!("{t}: {d}")),
        (t, d) => t.clone().or(d.clone()),
    });
    let error = super::refusal_by_status(
        Provider::Vonage,
        raw,
        "The Vonage subaccount (or the connection's API key)",
        None,
        message,
    );
    Refusal { error, request_id }
}

#[async_trait]
impl ProviderApi for VonageApi {
    fn provider(&self) -> Provider {
        Provider::Vonage
    }

    async fn verify(&self) -> Result<String> {
        let list = self.read_list().await?;
        Ok(list
            .embedded
            .primary_account
            .and_then(|p| p.name)
            .unwrap_or_else(|| self.api_key.clone()))
    }

    async fn list(&self, sink: PageSink<'_>) -> Result<usize> {
        let list = self.read_list().await?;
        let subs: Vec<Subaccount> = list
            .embedded
            .subaccounts
            .into_iter()
            .filter(|s| s.api_key != self.api_key)
            .map(Self::to_subaccount)
            .collect();
        let n = subs.len();
        if n > 0 {
            sink(subs);
        }
        Ok(n)
    }

    async fn fetch(&self, id: &str) -> Result<Subaccount> {
        super::check_target(Provider::Vonage, id, &self.api_key)?;
        Ok(Self::to_subaccount(self.fetch_json(id).await?))
    }

    /// `balance` and `credit_limit` of the subaccount object: its own where it has one, null
    /// when it shares the primary account's (`use_primary_account_balance`). Vonage gives no
    /// currency on the subaccount, so none is shown. Numbers are not listed (the Subaccounts
    /// API has no numbers endpoint).
    async fn detail(&self, account: &Subaccount) -> Result<AccountDetail> {
        self.check_id(&account.id)?;
        let s = self.fetch_json(&account.id).await?;
        let balance = match (s.use_primary_account_balance, s.balance) {
            (Some(true), _) | (_, None) => None,
            (_, Some(b)) => Some(Balance {
                amount: assumptions::amount(b),
                currency: None,
                credit_limit: s.credit_limit.map(assumptions::amount),
                available: None,
            }),
        };
        let balance_note = match (&balance, s.use_primary_account_balance) {
            (Some(_), _) => None,
            (None, Some(true)) => Some(
                "This subaccount uses the primary account's balance, so Vonage reports none of its own."
                    .to_string(),
            ),
            (None, _) => Some(AccountDetail::balance_not_reported(Provider::Vonage)),
        };
        Ok(AccountDetail {
            numbers: None,
            numbers_note: Some(AccountDetail::numbers_not_listed(Provider::Vonage)),
            balance,
            balance_note,
        })
    }

    async fn apply_within(
        &self,
        id: &str,
        action: Action,
        _choices: &Choices,
        max_tries: u32,
    ) -> Result<ActionReceipt, CallError> {
        super::check_target(Provider::Vonage, id, &self.api_key)?;
        let suspended = match action {
            Action::Suspend => true,
            Action::Reactivate => false,
            Action::Close | Action::Delete | Action::MoveNumber => {
                return Err(Error::InvalidTransition {
                    action,
                    status: Status::Active,
                    provider: Provider::Vonage,
                }
                .into())
            }
        };
        let raw = self
            .send(
                reqwest::Method::PATCH,
                &self.url(&format!("/{id}")),
                Some(serde_json::json!({ "suspended": suspended })),
                max_tries,
            )
            .await?;
        let (request_id, attempts) = (raw.request_id.clone(), raw.attempts);
        let answered = Self::to_subaccount(
            parse_json(raw).map_err(|e| CallError::unreadable(e, request_id.clone(), attempts))?,
        );
        let sub = self
            .settled(answered, suspended)
            .await
            .map_err(|error| CallError {
                error,
                request_id: request_id.clone(),
                ambiguous: false,
                attempts,
            })?;
        Ok(ActionReceipt {
            status_after: sub.status,
            provider_status_after: sub.provider_status,
            request_id,
        })
    }

    /// Nothing irreversible is offered, so nothing to keep.
    async fn snapshot(&self, _account: &Subaccount) -> Result<Option<String>> {
        Ok(None)
    }
}
