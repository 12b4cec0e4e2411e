//! Telnyx managed accounts (`/v2/managed_accounts`), with a manager account's API key as a
//! Bearer token.
//!
//! # Assumptions (what the documents leave open, and what this code assumes)
//! Facts: shared/reference/providers.md §5 (Telnyx's OpenAPI spec). The simulator
//! (`subdesk-sim`, `telnyx.rs`) models each of these.
//! - **No status field.** The managed-account object documents none, so Subdesk cannot read
//!   whether an account is disabled. Every row's state is *unknown* with the words "not
//!   reported by Telnyx", both Suspend (disable) and Reactivate (enable) are offered, the
//!   dialog says that the state cannot be read back, and the table shows the last action
//!   Subdesk recorded for the account beside it. A 2xx answer to disable/enable is taken as
//!   done (there is nothing to compare); after a lost answer the action is sent again, which
//!   is harmless for these two.
//! - **Paging**: `page[number]` from 1 and `page[size]` up to 250, in an order asked for
//!   explicitly; `meta.total_pages` says when to stop, and without it a short or empty page
//!   does ([`assumptions::last_page`], [`assumptions::LIST_SORT`]).
//! - **Cancelled accounts** are listed only with `include_cancelled_accounts=true`, and only
//!   when the connection asks for them (its form's "Cancelled accounts" choice): nothing can
//!   act on them. The object has no field that says an account is cancelled, so Subdesk lists
//!   twice, without and with the flag, and an account only the second listing has is shown
//!   *closed* ("cancelled at Telnyx") with no action. Without the choice the flag is never sent.
//! - **Enable** takes `reenable_all_connections` (default false): the dialog asks.
//! - **Errors** are `{"errors": [{"code", "title", "detail"}]}` with string codes: 401 (10009)
//!   a wrong key, or (the one refusal the spec documents for the list) a key whose account is
//!   not a manager; 403 (10010, not documented) the latter too. Which of the two it is, is told
//!   with a read any valid key may make ([`assumptions::NOT_A_MANAGER_PROBE`]); only Telnyx can
//!   make an account a manager. 404 (10005) not found, 429 (10011) too many requests. A 422 on
//!   disable/enable is a refusal with Telnyx's own reasons, shown as they are
//!   (`assumptions::reasons`). The request id is the `x-request-id` header.
//! - No close or delete exists. What disabling does to numbers is not documented; ongoing
//!   calls are not affected.
//! - The connection has no account ID: the key alone identifies the manager account.
//!
//! Every guess with its source is in [`assumptions`].

pub mod assumptions;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::catalog::{
    AccountIdFormat, ActionChoice, ActionInfo, AdapterParts, Choices, FormField, ProviderInfo,
    ProviderSpec, StatusRule,
};
use super::http::{CallError, RetryPolicy};
use super::limit::AdaptiveLimit;
use super::{parse_json, send_json, JsonTransport, PageSink, ProviderApi, RawResponse, Refusal};
use crate::error::{Error, Result};
use crate::model::{
    AccountDetail, Action, ActionReceipt, Balance, Connection, Provider, Status, Subaccount,
};
use crate::secrets::Secret;

pub const PAGE_SIZE: u32 = 250;
const MAX_PAGES: u64 = 2000;
/// The words of a managed account's state: Telnyx does not report one.
pub const NOT_REPORTED: &str = "not reported by Telnyx";
/// The words of an account Telnyx lists only among the cancelled ones.
pub const CANCELLED: &str = "cancelled at Telnyx";

/// The connection option that asks for cancelled accounts too; `"yes"` turns it on.
pub const INCLUDE_CANCELLED: &str = "includeCancelled";

pub struct Spec;

impl ProviderSpec for Spec {
    fn info(&self) -> ProviderInfo {
        use Action::*;
        ProviderInfo {
            id: Provider::Telnyx,
            name: "Telnyx".into(),
            account_word: "managed account".into(),
            default_base_url: "https://api.telnyx.com".into(),
            fields: vec![FormField::secret(
                "API key (of the manager account)",
                "Enter the manager account's API key (it starts with KEY).",
            )
            .help("Telnyx identifies the manager account by its key: no account ID is needed."),
            FormField::choice(INCLUDE_CANCELLED, "Cancelled accounts", &[
                ("no", "Leave them out"),
                ("yes", "List them too (shown as cancelled, nothing can be done to them)"),
            ])],
            // Read from Telnyx, a row is always unknown; right after an action it shows what
            // Subdesk sent, until the next refresh.
            statuses: vec![
                StatusRule::new(Status::Unknown, "Not reported", &[Suspend, Reactivate])
                    .word(NOT_REPORTED),
                StatusRule::new(Status::Active, "Reactivated (sent)", &[Suspend, Reactivate])
                    .word("enabled"),
                StatusRule::new(Status::Suspended, "Suspended (sent)", &[Suspend, Reactivate])
                    .word("disabled"),
                StatusRule::new(Status::Closed, "Cancelled", &[]).word(CANCELLED),
            ],
            actions: vec![
                ActionInfo::new(Suspend, "Suspend", &[
                    "Disabled Telnyx accounts can no longer use Telnyx services (calls, messages), and their users cannot log in to the portal. Calls in progress are not ended.",
                    "Telnyx does not report whether an account is disabled: Subdesk cannot read the state back, and records what it sent.",
                    "You can reactivate them later.",
                ])
                .impact(&[
                    "The account can no longer use Telnyx services (calls, messages), and its users cannot log in to the Telnyx portal.",
                    "Calls in progress are not ended.",
                    "Telnyx does not report whether an account is disabled, so Subdesk cannot show its state: it records what it sent.",
                    "You can reactivate it later.",
                ])
                .still_costs(&[
                    "Calls in progress are not ended, and are billed until they end.",
                ])
                .word("disable"),
                ActionInfo::new(Reactivate, "Reactivate", &[
                    "The accounts can use Telnyx again.",
                    "Telnyx does not report whether an account is disabled: Subdesk cannot read the state back, and records what it sent.",
                ])
                .impact(&[
                    "The account can use Telnyx again.",
                    "Telnyx does not report whether an account is disabled, so Subdesk cannot show its state: it records what it sent.",
                ])
                .word("enable")
                .choice(ActionChoice {
                    key: "reenableAllConnections".into(),
                    question: "Also re-enable all of the account's connections?".into(),
                    default: false,
                    yes: "Telnyx also re-enables all of the account's connections (those that pass its checks).".into(),
                    no: "The account's connections stay disabled; enable them in the Telnyx portal if needed.".into(),
                }),
            ],
            reports_status: false,
            lists_cancelled_on_request: true,
            forbidden_advice: "Only Telnyx can make an account a manager account: ask Telnyx support.".into(),
            credentials_refused: "Telnyx did not accept this API key: it is mistyped, or it was deleted. Copy it again from API Keys in the Telnyx Mission Control Portal, or create a new key there.".into(),
            spend_note: Some("Telnyx does not report spend per managed account to Subdesk; see the balance here, and the account's usage in the Telnyx portal's reporting.".into()),
        }
    }

    fn account_id(&self) -> AccountIdFormat {
        AccountIdFormat {
            pattern: "^[0-9a-fA-F-]{8,64}$",
            what: "a Telnyx managed account ID (a UUID)",
        }
    }

    fn adapter(
        &self,
        conn: &Connection,
        secret: Secret,
        parts: AdapterParts,
    ) -> Arc<dyn ProviderApi> {
        Arc::new(TelnyxApi {
            client: parts.client,
            base_url: conn.base_url.trim_end_matches('/').to_string(),
            secret,
            retry: parts.retry,
            limit: parts.limit,
            max_body: parts.max_body,
            list_cancelled: conn.option(INCLUDE_CANCELLED) == Some("yes"),
        })
    }
}

pub struct TelnyxApi {
    client: reqwest::Client,
    base_url: String,
    secret: Secret,
    retry: RetryPolicy,
    limit: Arc<AdaptiveLimit>,
    max_body: u64,
    /// The connection asked for cancelled accounts too.
    list_cancelled: bool,
}

#[derive(Deserialize)]
struct AccountJson {
    id: String,
    organization_name: Option<String>,
    email: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// Every field optional, as the spec has it ([`assumptions::last_page`]).
#[derive(Deserialize, Default)]
struct Meta {
    total_pages: Option<u64>,
}

#[derive(Deserialize)]
struct ListJson {
    data: Vec<AccountJson>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct OneJson {
    data: AccountJson,
}

/// The single-account fetch's `balance{balance, credit_limit, available_credit, currency,
/// record_type}` (strings; list items omit it).
#[derive(Deserialize)]
struct OneBalanceJson {
    data: BalanceHolder,
}

#[derive(Deserialize)]
struct BalanceHolder {
    balance: Option<BalanceJson>,
    /// The account uses its manager's balance ([`assumptions::ROLLUP_NOTE`]).
    #[serde(default)]
    rollup_billing: Option<bool>,
}

#[derive(Deserialize)]
struct BalanceJson {
    balance: Option<String>,
    credit_limit: Option<String>,
    available_credit: Option<String>,
    currency: Option<String>,
}

impl TelnyxApi {
    fn url(&self, rest: &str) -> String {
        format!("{}/v2/managed_accounts{rest}", self.base_url)
    }

    /// `GET /managed_accounts/{id}`, read as `T` (the account, or just its balance).
    async fn get_one<T: serde::de::DeserializeOwned>(&self, id: &str) -> Result<T> {
        self.check_id(id)?;
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
                    .bearer_auth(self.secret.expose())
            },
            classify,
        )
        .await
    }

    fn check_id(&self, id: &str) -> Result<()> {
        super::check_account_id(Provider::Telnyx, id)
    }

    fn to_subaccount(a: AccountJson) -> Subaccount {
        Subaccount {
            connection_id: uuid::Uuid::nil(),
            name: a
                .organization_name
                .filter(|n| !n.is_empty())
                .or(a.email)
                .unwrap_or_default(),
            id: a.id,
            status: Status::Unknown,
            provider_status: NOT_REPORTED.into(),
            created: a.created_at,
            updated: a.updated_at,
            is_parent: false,
        }
    }

    /// Every page of one listing; `found` gets the accounts not in `seen` yet.
    async fn list_pages(
        &self,
        cancelled: bool,
        seen: &mut std::collections::HashSet<String>,
        found: &mut (dyn FnMut(Vec<AccountJson>) + Send),
    ) -> Result<()> {
        let mut number = 1u64;
        loop {
            if number > MAX_PAGES {
                return Err(Error::UnexpectedResponse {
                    detail: "Telnyx kept returning more pages".into(),
                });
            }
            let page = self.page(number, PAGE_SIZE, cancelled).await?;
            let n = page.data.len();
            let fresh: Vec<AccountJson> = page
                .data
                .into_iter()
                .filter(|a| seen.insert(a.id.clone()))
                .collect();
            if !fresh.is_empty() {
                found(fresh);
            }
            let total_pages = page.meta.unwrap_or_default().total_pages;
            if assumptions::last_page(number, PAGE_SIZE, n, total_pages) {
                return Ok(());
            }
            number += 1;
        }
    }

    /// Every managed account: the listing without cancelled accounts, then (when the
    /// connection asks for them) the one with them, for the accounts only it has.
    async fn list_all(&self, sink: PageSink<'_>) -> Result<usize> {
        let mut seen = std::collections::HashSet::new();
        self.list_pages(false, &mut seen, &mut |page| {
            sink(page.into_iter().map(Self::to_subaccount).collect())
        })
        .await?;
        if self.list_cancelled {
            // Only the second listing has the cancelled ones; the rest were sent already.
            self.list_pages(true, &mut seen, &mut |page| {
                sink(page.into_iter().map(Self::cancelled).collect())
            })
            .await?;
        }
        Ok(seen.len())
    }

    /// A refusal of the managed-accounts resource, told apart. The spec documents 401 for a
    /// key whose account is not a manager, the same status as a wrong key; `GET /v2/balance`,
    /// which any valid key may read, says which it is ([`assumptions::NOT_A_MANAGER_PROBE`]).
    /// Other errors, and a probe that fails for another reason, are returned as they were.
    async fn which_refusal(&self, e: Error) -> Error {
        if !matches!(e, Error::Auth { .. } | Error::Forbidden { .. }) {
            return e;
        }
        let url = format!("{}{}", self.base_url, assumptions::NOT_A_MANAGER_PROBE);
        match self.send(reqwest::Method::GET, &url, None, u32::MAX).await {
            Ok(_) => Error::Forbidden {
                provider: Provider::Telnyx,
            },
            Err(CallError {
                error: Error::Auth { .. },
                ..
            }) => Error::Auth {
                provider: Provider::Telnyx,
            },
            Err(_) => e,
        }
    }

    /// An account Telnyx lists only among the cancelled ones.
    fn cancelled(a: AccountJson) -> Subaccount {
        Subaccount {
            status: Status::Closed,
            provider_status: CANCELLED.into(),
            ..Self::to_subaccount(a)
        }
    }

    async fn page(&self, number: u64, size: u32, cancelled: bool) -> Result<ListJson> {
        let flag = if cancelled {
            "&include_cancelled_accounts=true"
        } else {
            ""
        };
        let url = self.url(&format!(
            "?page%5Bnumber%5D={number}&page%5Bsize%5D={size}&sort={}{flag}",
            assumptions::LIST_SORT
        ));
        let raw = self
            .send(reqwest::Method::GET, &url, None, u32::MAX)
            .await
            .map_err(|e| e.error)?;
        parse_json(raw)
    }
}

fn classify(raw: &RawResponse) -> Refusal {
    let errors = serde_json::from_slice::<assumptions::Errors>(&raw.body)
        .map(|e| e.errors)
        .unwrap_or_default();
    let code = errors.first().and_then(|e| e.code.clone());
    if raw.status == 422 {
        if let Some(detail) = assumptions::reasons(&errors) {
            return Error::Refused {
                provider: Provider::Telnyx,
                status: 422,
                code,
                detail,
                explained: false,
            }
            .into();
        }
    }
    let first = errors.into_iter().next();
    let message = first.as_ref().map(|e| match (&e.title, &e.detail) {
        (Some(t), Some(d)) => format!("{t}: {d}"),
        (t, d) => t.clone().or(d.clone()).unwrap_or_default(),
    });
    let error = super::refusal_by_status(
        Provider::Telnyx,
        raw,
        "The Telnyx managed account",
        code,
        message,
    );
    Refusal {
        error,
        request_id: None,
    }
}

#[async_trait]
impl ProviderApi for TelnyxApi {
    fn provider(&self) -> Provider {
        Provider::Telnyx
    }

    /// Listing one managed account proves the key and the manager status; a refusal is told
    /// apart (`TelnyxApi::which_refusal`).
    async fn verify(&self) -> Result<String> {
        match self.page(1, 1, false).await {
            Ok(_) => Ok("Telnyx manager account".into()),
            Err(e) => Err(self.which_refusal(e).await),
        }
    }

    async fn list(&self, sink: PageSink<'_>) -> Result<usize> {
        match self.list_all(sink).await {
            Ok(n) => Ok(n),
            Err(e) => Err(self.which_refusal(e).await),
        }
    }

    async fn fetch(&self, id: &str) -> Result<Subaccount> {
        let one: OneJson = self.get_one(id).await?;
        Ok(Self::to_subaccount(one.data))
    }

    /// The balance comes only with the single-account fetch (`GET /managed_accounts/{id}`),
    /// not with list items; an answer without one says so. Telnyx has no numbers endpoint
    /// for a managed account with the manager's key.
    async fn detail(&self, account: &Subaccount) -> Result<AccountDetail> {
        let one: OneBalanceJson = self.get_one(&account.id).await?;
        let numbers_note = Some(AccountDetail::numbers_not_listed(Provider::Telnyx));
        if one.data.rollup_billing == Some(true) {
            return Ok(AccountDetail {
                numbers: None,
                numbers_note,
                balance: None,
                balance_note: Some(assumptions::ROLLUP_NOTE.into()),
            });
        }
        let balance = one.data.balance.and_then(|b| {
            b.balance.filter(|a| !a.is_empty()).map(|amount| Balance {
                amount,
                currency: b.currency.filter(|c| !c.is_empty()),
                credit_limit: b.credit_limit,
                available: b.available_credit.filter(|a| !a.is_empty()),
            })
        });
        Ok(AccountDetail {
            numbers: None,
            numbers_note,
            balance_note: balance
                .is_none()
                .then(|| AccountDetail::balance_not_reported(Provider::Telnyx)),
            balance,
        })
    }

    async fn apply_within(
        &self,
        id: &str,
        action: Action,
        choices: &Choices,
        max_tries: u32,
    ) -> Result<ActionReceipt, CallError> {
        self.check_id(id)?;
        let (verb, body, status_after, word) = match action {
            Action::Suspend => (
                "disable",
                None,
                Status::Suspended,
                "disabled (as sent by Subdesk)",
            ),
            Action::Reactivate => (
                "enable",
                Some(serde_json::json!({
                    "reenable_all_connections":
                        choices.get("reenableAllConnections").copied().unwrap_or(false)
                })),
                Status::Active,
                "enabled (as sent by Subdesk)",
            ),
            Action::Close | Action::Delete | Action::MoveNumber => {
                return Err(Error::InvalidTransition {
                    action,
                    status: Status::Unknown,
                    provider: Provider::Telnyx,
                }
                .into())
            }
        };
        let raw = self
            .send(
                reqwest::Method::POST,
                &self.url(&format!("/{id}/actions/{verb}")),
                body,
                max_tries,
            )
            .await?;
        let (request_id, attempts) = (raw.request_id.clone(), raw.attempts);
        // The answer is the account, without any state: it proves the call was understood.
        let _: OneJson =
            parse_json(raw).map_err(|e| CallError::unreadable(e, request_id.clone(), attempts))?;
        Ok(ActionReceipt {
            status_after,
            provider_status_after: word.into(),
            request_id,
        })
    }

    async fn snapshot(&self, _account: &Subaccount) -> Result<Option<String>> {
        Ok(None)
    }
}
