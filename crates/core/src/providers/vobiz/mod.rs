//! Vobiz sub-accounts (REST `/api/v1/accounts/{auth_id}/sub-accounts/`), authenticated with the
//! `X-Auth-ID` / `X-Auth-Token` header pair. Unconfirmed API facts live in [`assumptions`].

pub mod assumptions;

use async_trait::async_trait;
use serde::Deserialize;

use std::sync::Arc;

use super::catalog::{
    AccountIdFormat, ActionInfo, AdapterParts, Choices, FormField, ProviderInfo, ProviderSpec,
    StatusRule,
};
use super::http::{CallError, RetryPolicy};
use super::limit::AdaptiveLimit;
use super::{parse_json, send_json, JsonTransport, PageSink, ProviderApi, RawResponse, Refusal};
use crate::error::{Error, Result};
use crate::model::Connection;
use crate::model::{AccountDetail, Action, ActionReceipt, Provider, Status, Subaccount};
use crate::secrets::Secret;
use assumptions as guess;

/// Vobiz as the app describes it (see `providers::catalog`).
pub struct Spec;

impl ProviderSpec for Spec {
    fn info(&self) -> ProviderInfo {
        use Action::*;
        ProviderInfo {
            id: Provider::Vobiz,
            name: "Vobiz".into(),
            account_word: "sub-account".into(),
            default_base_url: "https://api.vobiz.ai".into(),
            fields: vec![
                FormField::text("accountId", "Auth ID", "MA_…")
                    .required("Enter the Auth ID from the Vobiz console (it usually starts with MA_).")
                    .pattern(
                        guess::AUTH_ID_PATTERN,
                        "A Vobiz Auth ID has 1 to 64 letters, digits, _ and -, like MA_XXXXXXXX. Copy it from the Vobiz console.",
                    ),
                FormField::secret("Auth Token", "Enter the Auth Token."),
            ],
            statuses: vec![
                StatusRule::new(Status::Active, "Active", &[Suspend, Delete]).word("enabled"),
                StatusRule::new(Status::Suspended, "Suspended", &[Reactivate, Delete])
                    .word("disabled"),
                StatusRule::new(Status::Deleted, "Deleted", &[]),
            ],
            actions: vec![
                ActionInfo::new(Suspend, "Suspend", &[
                    "Suspended (disabled) Vobiz sub-accounts stop accepting traffic but keep their numbers.",
                    "You can reactivate them later.",
                ])
                .impact(&[
                    "The sub-account stops accepting traffic: API calls and trunk usage are blocked.",
                    "It keeps its numbers. You can enable it again later.",
                ])
                .word("disable"),
                ActionInfo::new(Reactivate, "Reactivate", &["The accounts can be used again at once."])
                    .impact(&["The sub-account can send traffic again."])
                    .word("enable"),
                ActionInfo::new(Delete, "Delete account", &[
                    "Vobiz deletes these sub-accounts permanently and revokes their credentials at once.",
                    "Vobiz does not document what happens to their numbers and trunks; move them first if you need them.",
                    "Subdesk saves each sub-account's details in the history before deleting it.",
                ])
                .impact(&[
                    "Vobiz deletes the sub-account permanently and revokes its credentials at once.",
                    "Anything still using its Auth ID and token stops working.",
                    "Vobiz does not document what happens to the sub-account's numbers and trunks; move them first if you need them.",
                    "This cannot be undone. Subdesk saves a copy of the sub-account's details in the history first.",
                ]),
            ],
            reports_status: true,
            lists_cancelled_on_request: false,
            forbidden_advice: "Ask Vobiz support or the account's owner to enable sub-account management.".into(),
            credentials_refused: "Vobiz did not accept these credentials: either the Auth ID or the Auth Token is wrong, and Vobiz gives the same answer for both. Copy both again from the Vobiz console.".into(),
            spend_note: Some("Vobiz does not report spend per sub-account to Subdesk; see the sub-account's call records and transactions in the Vobiz console.".into()),
        }
    }

    fn account_id(&self) -> AccountIdFormat {
        AccountIdFormat {
            pattern: guess::AUTH_ID_PATTERN,
            what: "a Vobiz sub-account ID (like SA_XXXXXXXX)",
        }
    }

    fn adapter(
        &self,
        conn: &Connection,
        secret: Secret,
        parts: AdapterParts,
    ) -> Arc<dyn ProviderApi> {
        Arc::new(
            VobizApi::new(
                parts.client,
                &conn.base_url,
                &conn.account_id,
                secret,
                parts.retry,
                parts.limit,
            )
            .with_max_body(parts.max_body),
        )
    }
}

/// Enough pages for 100,000 sub-accounts at the default size; beyond it the server is looping.
const MAX_PAGES: usize = 4000;

pub struct VobizApi {
    client: reqwest::Client,
    base_url: String,
    auth_id: String,
    secret: Secret,
    retry: RetryPolicy,
    limit: Arc<AdaptiveLimit>,
    page_size: u32,
    max_body: u64,
}

/// The fields we use; `auth_token` (redacted by Vobiz anyway) is never read.
#[derive(Deserialize)]
struct SubJson {
    auth_id: String,
    name: Option<String>,
    /// Missing in older documented objects: see `assumptions::status_of`.
    enabled: Option<bool>,
    is_active: Option<bool>,
    created_at: Option<String>,
    updated_at: Option<String>,
    created: Option<String>,
}

#[derive(Deserialize)]
struct SubList {
    sub_accounts: Vec<SubJson>,
    total: u64,
}

impl VobizApi {
    pub fn new(
        client: reqwest::Client,
        base_url: &str,
        auth_id: &str,
        secret: Secret,
        retry: RetryPolicy,
        limit: Arc<AdaptiveLimit>,
    ) -> VobizApi {
        VobizApi {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            auth_id: auth_id.to_string(),
            secret,
            retry,
            limit,
            page_size: guess::PAGE_SIZE,
            max_body: super::http::DEFAULT_MAX_BODY,
        }
    }

    /// Refuses answers longer than `bytes` (see [`super::http::HttpConfig::max_body`]).
    pub fn with_max_body(mut self, bytes: u64) -> VobizApi {
        self.max_body = bytes;
        self
    }

    /// For tests that page at a given size.
    pub fn with_page_size(mut self, size: u32) -> VobizApi {
        self.page_size = size.max(1);
        self
    }

    /// The token header is marked sensitive: `Debug` prints `Sensitive`, and HTTP/2 never puts
    /// it in its header compression table.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .client
            .request(method, format!("{}{path}", self.base_url))
            .header("X-Auth-ID", &self.auth_id);
        match reqwest::header::HeaderValue::from_str(self.secret.expose()) {
            Ok(mut token) => {
                token.set_sensitive(true);
                request.header("X-Auth-Token", token)
            }
            // Not a valid header value: reqwest refuses the request when it is sent, as it
            // always has (its error does not quote the value).
            Err(_) => request.header("X-Auth-Token", self.secret.expose()),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
        max_tries: u32,
    ) -> Result<RawResponse, CallError> {
        let transport = JsonTransport {
            limit: &self.limit,
            retry: &self.retry,
            max_body: self.max_body,
            request_id_header: guess::REQUEST_ID_HEADER,
        };
        send_json(
            transport,
            method,
            body,
            max_tries,
            |m| self.request(m, path),
            classify,
        )
        .await
    }

    fn check_id(&self, id: &str) -> Result<()> {
        super::check_account_id(Provider::Vobiz, id)
    }

    fn to_subaccount(s: SubJson) -> Subaccount {
        let (status, words) = guess::status_of(s.enabled, s.is_active);
        Subaccount {
            connection_id: uuid::Uuid::nil(),
            id: s.auth_id,
            name: s.name.unwrap_or_default(),
            status,
            provider_status: words.to_string(),
            created: s.created_at.or(s.created),
            updated: s.updated_at,
            is_parent: false,
        }
    }

    /// One pass over every page, at the size the server really serves
    /// ([`guess::next_page`]). Returns whether `total` stayed the same throughout.
    async fn list_pass(
        &self,
        seen: &mut std::collections::HashSet<String>,
        sink: PageSink<'_>,
    ) -> Result<bool> {
        let (mut page, mut size) = (1u32, self.page_size);
        let mut first_total = None;
        let mut stable = true;
        for _ in 0..MAX_PAGES {
            let list = self.list_page(page, size).await?;
            let total = *first_total.get_or_insert(list.total);
            stable &= list.total == total;
            let got = u32::try_from(list.sub_accounts.len()).unwrap_or(u32::MAX);
            let fresh: Vec<Subaccount> = list
                .sub_accounts
                .into_iter()
                .filter(|s| seen.insert(s.auth_id.clone()))
                .map(Self::to_subaccount)
                .collect();
            if !fresh.is_empty() {
                sink(fresh);
            }
            match guess::next_page(page, size, got, list.total) {
                Some(next) => (page, size) = next,
                None => return Ok(stable),
            }
        }
        Err(Error::UnexpectedResponse {
            detail: "Vobiz kept returning more pages".into(),
        })
    }

    async fn list_page(&self, page: u32, size: u32) -> Result<SubList> {
        let path = format!(
            "{}?page={page}&size={size}",
            guess::list_path(&self.auth_id)
        );
        let raw = self
            .send(reqwest::Method::GET, &path, None, u32::MAX)
            .await
            .map_err(|e| e.error)?;
        parse_json(raw)
    }
}

fn classify(raw: &RawResponse) -> Refusal {
    let body = guess::ErrorBody::parse(&raw.body);
    let request_id = body.as_ref().and_then(|b| b.request_id.clone());
    let (code, message) = body
        .as_ref()
        .map(|b| (b.code.clone(), b.message.clone()))
        .unwrap_or_default();
    let error = match raw.status {
        401 => Error::Auth {
            provider: Provider::Vobiz,
        },
        // Authenticated, but not allowed (docs.vobiz.ai/errors): not a credentials problem.
        403 => Error::Forbidden {
            provider: Provider::Vobiz,
        },
        // Vobiz's own error body only: a gateway's 404 page says nothing about the account.
        404 if body.is_some() => Error::NotFound {
            what: "The Vobiz sub-account".into(),
        },
        429 => Error::RateLimited {
            retry_after_secs: super::http::retry_after(&raw.headers),
        },
        status if body.is_some() || status >= 500 => Error::Provider {
            status,
            code,
            message: message.unwrap_or_else(|| format!("HTTP {status}")),
        },
        status => Error::UnexpectedResponse {
            detail: format!("HTTP {status} without a Vobiz error body"),
        },
    };
    Refusal { error, request_id }
}

#[async_trait]
impl ProviderApi for VobizApi {
    fn provider(&self) -> Provider {
        Provider::Vobiz
    }

    /// Vobiz documents no "who am I" call for sub-account management: listing one item proves
    /// the credentials and the path. The parent's name is its auth id.
    async fn verify(&self) -> Result<String> {
        self.check_id(&self.auth_id)?;
        self.list_page(1, 1).await?;
        Ok(self.auth_id.clone())
    }

    /// Pages are offsets into a list that may change while we page (newest first: a
    /// sub-account created meanwhile shifts every later page). Rows are passed on once per
    /// `auth_id`, and when `total` changed during a pass, the list is read again (at most
    /// `MAX_PASSES` times) for the rows a shift may have skipped.
    async fn list(&self, sink: PageSink<'_>) -> Result<usize> {
        const MAX_PASSES: usize = 3;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MAX_PASSES {
            if self.list_pass(&mut seen, sink).await? {
                return Ok(seen.len());
            }
            tracing::debug!("Vobiz's total changed during a listing; listing again");
        }
        Ok(seen.len())
    }

    async fn fetch(&self, id: &str) -> Result<Subaccount> {
        self.check_id(id)?;
        let raw = self
            .send(
                reqwest::Method::GET,
                &guess::item_path(&self.auth_id, id),
                None,
                u32::MAX,
            )
            .await
            .map_err(|e| e.error)?;
        Ok(Self::to_subaccount(parse_json(raw)?))
    }

    /// A balance only if the sub-account object carries one in a shape Vobiz's pages
    /// describe (see [`guess::balance_of`]); numbers are not listed (no sub-account numbers
    /// endpoint is documented for the main account's credentials).
    async fn detail(&self, account: &Subaccount) -> Result<AccountDetail> {
        self.check_id(&account.id)?;
        let raw = self
            .send(
                reqwest::Method::GET,
                &guess::item_path(&self.auth_id, &account.id),
                None,
                u32::MAX,
            )
            .await
            .map_err(|e| e.error)?;
        let object: serde_json::Value = parse_json(raw)?;
        let balance = guess::balance_of(&object);
        Ok(AccountDetail {
            numbers: None,
            numbers_note: Some(AccountDetail::numbers_not_listed(Provider::Vobiz)),
            balance_note: balance
                .is_none()
                .then(|| AccountDetail::balance_not_reported(Provider::Vobiz)),
            balance,
        })
    }

    async fn apply_within(
        &self,
        id: &str,
        action: Action,
        _choices: &Choices,
        max_tries: u32,
    ) -> Result<ActionReceipt, CallError> {
        super::check_target(Provider::Vobiz, id, &self.auth_id)?;
        let path = guess::item_path(&self.auth_id, id);
        let enabled = match action {
            Action::Suspend => false,
            Action::Reactivate => true,
            Action::Delete => {
                let raw = self
                    .send(reqwest::Method::DELETE, &path, None, max_tries)
                    .await?;
                return Ok(ActionReceipt {
                    status_after: Status::Deleted,
                    provider_status_after: "deleted".into(),
                    request_id: raw.request_id.clone(),
                });
            }
            Action::Close | Action::MoveNumber => {
                return Err(Error::validation(
                    "action",
                    "Vobiz sub-accounts cannot be closed; delete or disable them instead.",
                )
                .into())
            }
        };
        let raw = self
            .send(
                reqwest::Method::PUT,
                &path,
                Some(serde_json::json!({ "enabled": enabled })),
                max_tries,
            )
            .await?;
        let (request_id, attempts) = (raw.request_id.clone(), raw.attempts);
        let sub = Self::to_subaccount(
            parse_json(raw).map_err(|e| CallError::unreadable(e, request_id.clone(), attempts))?,
        );
        Ok(ActionReceipt {
            status_after: sub.status,
            provider_status_after: sub.provider_status,
            request_id,
        })
    }

    async fn snapshot(&self, account: &Subaccount) -> Result<Option<String>> {
        let id = account.id.as_str();
        self.check_id(id)?;
        let raw = self
            .send(
                reqwest::Method::GET,
                &guess::item_path(&self.auth_id, id),
                None,
                u32::MAX,
            )
            .await
            .map_err(|e| e.error)?;
        let value: serde_json::Value = parse_json(raw)?;
        // Only fields known to be harmless are kept: a field Vobiz adds later (a key, a token)
        // must not slip into the history and its exports.
        let kept: serde_json::Map<String, serde_json::Value> = value
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| guess::SNAPSHOT_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(Some(serde_json::Value::Object(kept).to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_header_is_marked_sensitive() {
        let api = VobizApi::new(
            reqwest::Client::new(),
            "https://api.vobiz.ai",
            "MA_TEST1",
            Secret::new("s3cr3t-value"),
            RetryPolicy::none(),
            Arc::new(AdaptiveLimit::new(1)),
        );
        let request = api.request(reqwest::Method::GET, "/x").build().unwrap();
        let token = &request.headers()["x-auth-token"];
        assert!(token.is_sensitive());
        assert_eq!(format!("{token:?}"), "Sensitive");
        assert!(!format!("{request:?}").contains("s3cr3t"));
        assert!(!request.headers()["x-auth-id"].is_sensitive());
    }
}
