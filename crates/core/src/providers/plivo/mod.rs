//! Plivo subaccounts (`/v1/Account/{auth_id}/Subaccount/`), HTTP Basic with the main account's
//! Auth ID and token.
//!
//! # Assumptions (what the documents leave open, and what this code assumes)
//! Facts: shared/reference/providers.md §3. The simulator (`subdesk-sim`, `plivo.rs`) models
//! each of these.
//! - **State** is only the boolean `enabled`: true is active, false is suspended. There is no
//!   closed state and no status enum.
//! - **Paging**: `limit` at most 20 with `offset`; `meta.total_count` says when to stop. The
//!   list is newest first, so a subaccount created while we page shifts later pages: rows are
//!   passed on once per `auth_id`, and a listing whose `total_count` changed is read again
//!   ([`assumptions::MAX_PASSES`]).
//! - **Update** is a POST that requires `name`: Subdesk always sends the current name (read
//!   just before, never blank) with `enabled`. Its success status (200 or 202) is not confirmed:
//!   any 2xx with `"message": "changed"` is success, and the state after it is the one asked
//!   for (the answer carries no object).
//! - **Delete** takes `cascade`: false (Plivo's default) moves the subaccount's numbers,
//!   applications and endpoints to the main account; true deletes them with it. It answers
//!   204. The user chooses in the dialog; the history keeps the choice and a snapshot. The
//!   choice travels in a JSON body, as Plivo's SDKs send it ([`assumptions::delete_body`]).
//! - **Auth ID**: only a main account's (`MA…`); a subaccount's (`SA…`) is refused at the
//!   connection form ([`assumptions::AUTH_ID_PATTERN`]). The connection shows the main
//!   account's name from its account resource ([`assumptions::account_name`]).
//! - **Errors**: `{"api_id", "error"}` is Plivo's usual error body, not confirmed for this
//!   resource; anything else is read as an unexpected answer. 401 is wrong credentials.
//! - **Request id**: `api_id` in the body (no header is documented).
//! - What disabling does to numbers is not documented: the dialog does not promise anything.
//!
//! Every guess with its source is in [`assumptions`].

pub mod assumptions;

use std::collections::HashSet;
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
use crate::model::{Action, ActionReceipt, Connection, Provider, Status, Subaccount};
use crate::secrets::Secret;

pub const PAGE_SIZE: u32 = 20;
const MAX_PAGES: usize = 5000;
pub use assumptions::AUTH_ID_PATTERN;

pub struct Spec;

impl ProviderSpec for Spec {
    fn info(&self) -> ProviderInfo {
        use Action::*;
        ProviderInfo {
            id: Provider::Plivo,
            name: "Plivo".into(),
            account_word: "subaccount".into(),
            default_base_url: "https://api.plivo.com".into(),
            fields: vec![
                FormField::text("accountId", "Auth ID", "MA…")
                    .required("Enter the Auth ID of the main account from the Plivo console.")
                    .pattern(AUTH_ID_PATTERN, assumptions::AUTH_ID_INVALID),
                FormField::secret("Auth Token", "Enter the Auth Token."),
            ],
            statuses: vec![
                StatusRule::new(Status::Active, "Active", &[Suspend, Delete]).word("enabled"),
                StatusRule::new(Status::Suspended, "Suspended", &[Reactivate, Delete])
                    .word("disabled"),
            ],
            actions: vec![
                ActionInfo::new(Suspend, "Suspend", &[
                    "Suspended (disabled) Plivo subaccounts can no longer use Plivo. Plivo does not document what happens to their numbers while they are disabled.",
                    "You can reactivate them later.",
                ])
                .impact(&[
                    "The subaccount can no longer use Plivo.",
                    "Plivo does not document what happens to its numbers while it is disabled.",
                    "You can reactivate it later.",
                ])
                .word("disable"),
                ActionInfo::new(Reactivate, "Reactivate", &["The accounts can be used again at once."])
                    .impact(&["The subaccount can use Plivo again."])
                    .word("enable"),
                ActionInfo::new(Delete, "Delete account", &[
                    "Plivo deletes these subaccounts permanently and their credentials stop working at once.",
                    "Subdesk saves each subaccount's details in the history before deleting it.",
                ])
                .impact(&[
                    "Plivo deletes the subaccount permanently; its Auth ID and token stop working at once.",
                    "This cannot be undone. Subdesk saves a copy of the subaccount's details in the history first.",
                ])
                .choice(ActionChoice {
                    key: "cascade".into(),
                    question: "What happens to the subaccount's phone numbers, applications and endpoints?".into(),
                    default: false,
                    yes: "Its phone numbers, applications and endpoints are deleted with it; released numbers may go to someone else.".into(),
                    no: "Its phone numbers, applications and endpoints move to the main account (Plivo's default).".into(),
                }),
            ],
            reports_status: true,
            lists_cancelled_on_request: false,
            forbidden_advice: "Ask Plivo support or the main account's owner to allow it.".into(),
            credentials_refused: "Plivo did not accept these credentials: either the Auth ID or the Auth Token is wrong, and Plivo gives the same answer for both. Copy both again from the overview page of the Plivo console.".into(),
            spend_note: Some("Plivo does not report spend per subaccount to Subdesk; see the main account's usage and invoices in the Plivo console, which cover its subaccounts.".into()),
        }
    }

    fn account_id(&self) -> AccountIdFormat {
        AccountIdFormat {
            pattern: "^[A-Z0-9]{2,40}$",
            what: "a Plivo subaccount Auth ID (like SA2025RK4E639VJFZAMM)",
        }
    }

    fn adapter(
        &self,
        conn: &Connection,
        secret: Secret,
        parts: AdapterParts,
    ) -> Arc<dyn ProviderApi> {
        Arc::new(PlivoApi::new(
            parts.client,
            &conn.base_url,
            &conn.account_id,
            secret,
            parts.retry,
            parts.limit,
            parts.max_body,
        ))
    }
}

pub struct PlivoApi {
    client: reqwest::Client,
    base_url: String,
    auth_id: String,
    secret: Secret,
    retry: RetryPolicy,
    limit: Arc<AdaptiveLimit>,
    max_body: u64,
}

#[derive(Deserialize)]
struct SubJson {
    auth_id: String,
    name: Option<String>,
    enabled: Option<bool>,
    created: Option<String>,
    modified: Option<String>,
}

#[derive(Deserialize)]
struct Meta {
    total_count: u64,
}

#[derive(Deserialize)]
struct SubList {
    meta: Meta,
    objects: Vec<SubJson>,
}

#[derive(Deserialize)]
struct ErrorJson {
    api_id: Option<String>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Changed {
    api_id: Option<String>,
}

impl PlivoApi {
    pub fn new(
        client: reqwest::Client,
        base_url: &str,
        auth_id: &str,
        secret: Secret,
        retry: RetryPolicy,
        limit: Arc<AdaptiveLimit>,
        max_body: u64,
    ) -> PlivoApi {
        PlivoApi {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            auth_id: auth_id.to_string(),
            secret,
            retry,
            limit,
            max_body,
        }
    }

    fn url(&self, rest: &str) -> String {
        format!(
            "{}/v1/Account/{}/Subaccount/{rest}",
            self.base_url, self.auth_id
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
            request_id_header: "x-plivo-request-id",
        };
        send_json(
            transport,
            method,
            body,
            max_tries,
            |m| {
                self.client
                    .request(m, url)
                    .basic_auth(&self.auth_id, Some(self.secret.expose()))
            },
            classify,
        )
        .await
    }

    fn check_id(&self, id: &str) -> Result<()> {
        super::check_account_id(Provider::Plivo, id)
    }

    fn to_subaccount(s: SubJson) -> Subaccount {
        let (status, word) = match s.enabled {
            Some(true) => (Status::Active, "enabled"),
            Some(false) => (Status::Suspended, "disabled"),
            None => (Status::Unknown, "no enabled flag"),
        };
        Subaccount {
            connection_id: uuid::Uuid::nil(),
            id: s.auth_id,
            name: s.name.unwrap_or_default(),
            status,
            provider_status: word.into(),
            created: s.created,
            updated: s.modified,
            is_parent: false,
        }
    }

    /// One pass over every page. Returns whether `meta.total_count` stayed the same.
    async fn list_pass(&self, seen: &mut HashSet<String>, sink: PageSink<'_>) -> Result<bool> {
        let mut offset = 0u64;
        let mut first_total = None;
        let mut stable = true;
        for _ in 0..MAX_PAGES {
            let list = self.page(offset).await?;
            let total = *first_total.get_or_insert(list.meta.total_count);
            stable &= list.meta.total_count == total;
            let n = list.objects.len() as u64;
            let fresh: Vec<Subaccount> = list
                .objects
                .into_iter()
                .filter(|s| seen.insert(s.auth_id.clone()))
                .map(Self::to_subaccount)
                .collect();
            if !fresh.is_empty() {
                sink(fresh);
            }
            offset += n;
            if n == 0 || offset >= list.meta.total_count {
                return Ok(stable);
            }
        }
        Err(Error::UnexpectedResponse {
            detail: "Plivo kept returning more pages".into(),
        })
    }

    async fn page(&self, offset: u64) -> Result<SubList> {
        let url = self.url(&format!("?limit={PAGE_SIZE}&offset={offset}"));
        let raw = self
            .send(reqwest::Method::GET, &url, None, u32::MAX)
            .await
            .map_err(|e| e.error)?;
        parse_json(raw)
    }
}

fn classify(raw: &RawResponse) -> Refusal {
    let body: Option<ErrorJson> = serde_json::from_slice(&raw.body).ok();
    let request_id = body.as_ref().and_then(|b| b.api_id.clone());
    let message = body
        .as_ref()
        .and_then(|b| b.error.as_ref())
        .map(|e| match e {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    let error =
        super::refusal_by_status(Provider::Plivo, raw, "The Plivo subaccount", None, message);
    Refusal { error, request_id }
}

#[async_trait]
impl ProviderApi for PlivoApi {
    fn provider(&self) -> Provider {
        Provider::Plivo
    }

    /// One list page proves the credentials and the Subaccount API; the name shown is the
    /// main account's own, from its account resource ([`assumptions::account_name`]).
    async fn verify(&self) -> Result<String> {
        self.page(0).await?;
        let url = format!("{}/v1/Account/{}/", self.base_url, self.auth_id);
        let raw = self
            .send(reqwest::Method::GET, &url, None, u32::MAX)
            .await
            .map_err(|e| e.error)?;
        let account: serde_json::Value = parse_json(raw)?;
        Ok(assumptions::account_name(&account).unwrap_or_else(|| self.auth_id.clone()))
    }

    /// Newest first with offsets: a subaccount created meanwhile shifts every later page.
    /// Rows are passed on once per `auth_id`, and when `meta.total_count` changed during a
    /// pass, the list is read again (at most `MAX_PASSES` times), as for Vobiz.
    async fn list(&self, sink: PageSink<'_>) -> Result<usize> {
        let mut seen = HashSet::new();
        for _ in 0..assumptions::MAX_PASSES {
            if self.list_pass(&mut seen, sink).await? {
                return Ok(seen.len());
            }
            tracing::debug!("Plivo's total_count changed during a listing; listing again");
        }
        Ok(seen.len())
    }

    async fn fetch(&self, id: &str) -> Result<Subaccount> {
        self.check_id(id)?;
        let raw = self
            .send(
                reqwest::Method::GET,
                &self.url(&format!("{id}/")),
                None,
                u32::MAX,
            )
            .await
            .map_err(|e| e.error)?;
        Ok(Self::to_subaccount(parse_json(raw)?))
    }

    async fn apply_within(
        &self,
        id: &str,
        action: Action,
        choices: &Choices,
        max_tries: u32,
    ) -> Result<ActionReceipt, CallError> {
        super::check_target(Provider::Plivo, id, &self.auth_id)?;
        let url = self.url(&format!("{id}/"));
        let (raw, status_after, word) = match action {
            Action::Suspend | Action::Reactivate => {
                // The update requires `name`: send the current one, read just now.
                let current = self.fetch(id).await.map_err(CallError::from)?;
                if current.name.trim().is_empty() {
                    return Err(Error::UnexpectedResponse {
                        detail:
                            "Plivo sent this subaccount without a name, which its update requires"
                                .into(),
                    }
                    .into());
                }
                let enabled = action == Action::Reactivate;
                let body = serde_json::json!({"name": current.name, "enabled": enabled});
                let raw = self
                    .send(reqwest::Method::POST, &url, Some(body), max_tries)
                    .await?;
                let (status, word) = if enabled {
                    (Status::Active, "enabled")
                } else {
                    (Status::Suspended, "disabled")
                };
                (raw, status, word)
            }
            Action::Delete => {
                let cascade = choices.get("cascade").copied().unwrap_or(false);
                let body = assumptions::delete_body(cascade);
                let raw = self
                    .send(reqwest::Method::DELETE, &url, Some(body), max_tries)
                    .await?;
                (raw, Status::Deleted, "deleted")
            }
            Action::Close | Action::MoveNumber => {
                return Err(Error::InvalidTransition {
                    action,
                    status: Status::Active,
                    provider: Provider::Plivo,
                }
                .into())
            }
        };
        let request_id = raw.request_id.clone().or_else(|| {
            serde_json::from_slice::<Changed>(&raw.body)
                .ok()
                .and_then(|c| c.api_id)
        });
        Ok(ActionReceipt {
            status_after,
            provider_status_after: word.into(),
            request_id,
        })
    }

    async fn snapshot(&self, account: &Subaccount) -> Result<Option<String>> {
        let current = self.fetch(&account.id).await?;
        Ok(Some(
            serde_json::json!({
                "auth_id": current.id,
                "name": current.name,
                "enabled": current.status == Status::Active,
                "created": current.created,
                "modified": current.updated,
                "taken_at": crate::history::now_iso(),
            })
            .to_string(),
        ))
    }
}
