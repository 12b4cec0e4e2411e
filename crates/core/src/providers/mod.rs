//! Providers: each is one module that describes itself ([`catalog::ProviderSpec`]) and
//! implements one adapter trait ([`ProviderApi`]) over the shared HTTP client.
//!
//! **This file is the one place that lists the providers** ([`Provider`] and [`SPECS`]).
//! Nothing else in core matches on a provider: rules, words, forms and adapters are all read
//! from a provider's description. Adding a provider is its module, a variant and a line here.

pub mod catalog;
pub mod http;
pub mod limit;
pub mod plivo;
pub mod telnyx;
pub mod twilio;
pub mod vobiz;
pub mod vonage;

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use async_trait::async_trait;
use reqwest::header::HeaderMap;

use crate::error::{Error, Result};
use crate::model::{
    AccountDetail, Action, ActionReceipt, Connection, Figures, Impact, MovableNumber, Subaccount,
};
use crate::secrets::Secret;
use catalog::{AdapterParts, Choices, ProviderInfo, ProviderSpec};
pub use http::{CallError, HttpConfig, RetryPolicy};
pub use limit::AdaptiveLimit;

/// A telephony provider whose subaccounts Subdesk manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Provider {
    Twilio,
    Vobiz,
    Plivo,
    Vonage,
    Telnyx,
}

/// Every provider: its wire name (as in settings, history and the window) and its description.
const SPECS: &[(Provider, &str, &dyn ProviderSpec)] = &[
    (Provider::Twilio, "twilio", &twilio::Spec),
    (Provider::Vobiz, "vobiz", &vobiz::Spec),
    (Provider::Plivo, "plivo", &plivo::Spec),
    (Provider::Vonage, "vonage", &vonage::Spec),
    (Provider::Telnyx, "telnyx", &telnyx::Spec),
];

impl Provider {
    /// Every provider, in the order the window lists them.
    pub fn all() -> impl Iterator<Item = Provider> {
        SPECS.iter().map(|(p, _, _)| *p)
    }

    fn entry(self) -> &'static (Provider, &'static str, &'static dyn ProviderSpec) {
        SPECS
            .iter()
            .find(|(p, _, _)| *p == self)
            .expect("every provider is listed in SPECS")
    }

    pub fn spec(self) -> &'static dyn ProviderSpec {
        self.entry().2
    }

    /// Its description, built once.
    pub fn info(self) -> &'static ProviderInfo {
        let index = SPECS
            .iter()
            .position(|(p, _, _)| *p == self)
            .expect("listed");
        &catalog()[index]
    }

    /// "Twilio".
    pub fn name(self) -> &'static str {
        &self.info().name
    }

    /// The wire name, "twilio".
    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    pub fn parse(s: &str) -> Option<Provider> {
        SPECS.iter().find(|(_, k, _)| *k == s).map(|(p, _, _)| *p)
    }

    /// The production API base URL.
    pub fn default_base_url(self) -> &'static str {
        &self.info().default_base_url
    }
}

/// Every provider's description, in [`SPECS`] order: what the `provider_catalog` command sends.
pub fn catalog() -> &'static [ProviderInfo] {
    static CATALOG: OnceLock<Vec<ProviderInfo>> = OnceLock::new();
    CATALOG.get_or_init(|| SPECS.iter().map(|(_, _, s)| s.info()).collect())
}

/// Receives each page of a listing as it arrives, so rows can show before the last page.
pub type PageSink<'a> = &'a mut (dyn FnMut(Vec<Subaccount>) + Send);

#[async_trait]
pub trait ProviderApi: Send + Sync {
    fn provider(&self) -> Provider;

    /// Checks the credentials and returns the parent account's name.
    async fn verify(&self) -> Result<String>;

    /// After [`ProviderApi::verify`]: what these credentials cannot do here, in plain
    /// sentences for the connection form (e.g. an API key that cannot read a subaccount's
    /// numbers). Probes with reads only.
    async fn limitations(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Every subaccount, all pages, the parent left out. Returns how many were listed.
    async fn list(&self, sink: PageSink<'_>) -> Result<usize>;

    /// One account's current state (used to re-check before and after actions).
    async fn fetch(&self, id: &str) -> Result<Subaccount>;

    /// Performs the action and returns the status the provider reports afterwards, sending at
    /// most `max_tries` requests (rate-limit retries included).
    /// `choices`: the answers to the action's questions (see [`catalog::ActionChoice`]),
    /// defaults filled in.
    async fn apply_within(
        &self,
        id: &str,
        action: Action,
        choices: &Choices,
        max_tries: u32,
    ) -> Result<ActionReceipt, CallError>;

    /// [`ProviderApi::apply_within`] with the adapter's own retry policy and the choices'
    /// defaults.
    async fn apply(&self, id: &str, action: Action) -> Result<ActionReceipt, CallError> {
        let choices = self
            .provider()
            .info()
            .resolve_choices(action, &Choices::new())
            .unwrap_or_default();
        self.apply_within(id, action, &choices, u32::MAX).await
    }

    /// What the user must know before the action (numbers released, consequences): by
    /// default the impact sentences of the provider's description.
    async fn impact(&self, id: &str, action: Action) -> Result<Impact> {
        let _ = id;
        Ok(Impact {
            numbers_released: None,
            consequences: self.provider().info().impact(action, &[]),
            consequences_if_moved: None,
        })
    }

    /// The account's details as a JSON snapshot with secrets removed, kept in the history
    /// before an irreversible action (what it destroys). When the snapshot lists phone
    /// numbers, it does so as a top-level `numbers` array, which the bulk preview counts.
    /// `account` is the account as just read (a re-read, or the listing the preview used).
    async fn snapshot(&self, account: &Subaccount) -> Result<Option<String>>;

    /// What the account detail shows beyond the row: its phone numbers (listed by the same
    /// code [`ProviderApi::impact`] counts them with) and its balance, each `None` with a plain
    /// note where the provider reports nothing. Reads only. `account` is the account as just
    /// fetched. The default: a provider that reports neither.
    async fn detail(&self, account: &Subaccount) -> Result<AccountDetail> {
        let _ = account;
        Ok(AccountDetail::nothing_reported(self.provider()))
    }

    /// The phone numbers `id` holds that a Close can move to the parent account first, read
    /// now; `None` when this provider has no such move (the default).
    async fn movable_numbers(&self, id: &str) -> Result<Option<Vec<MovableNumber>>> {
        let _ = id;
        Ok(None)
    }

    /// Whether the connection's parent account holds the phone number `number_sid` now (where
    /// [`ProviderApi::move_number_within`] puts it), read now; `None` when this provider has no
    /// such move (the default).
    async fn parent_holds_number(&self, number_sid: &str) -> Result<Option<bool>> {
        let _ = number_sid;
        Ok(None)
    }

    /// Moves one number of `id` to the connection's parent account, sending at most
    /// `max_tries` requests. `Ok` once the provider answered that the parent holds it.
    async fn move_number_within(
        &self,
        id: &str,
        number: &MovableNumber,
        max_tries: u32,
    ) -> Result<Option<String>, CallError> {
        let _ = (id, number, max_tries);
        Err(Error::validation(
            "choices",
            format!(
                "{:?} cannot move phone numbers between accounts.",
                self.provider()
            ),
        )
        .into())
    }

    /// What the account spends and holds (the table's Spend and Balance, the previews'
    /// figures). Reads only. The default: a provider that reports no spend (its description's
    /// [`ProviderInfo::spend_note`]) and the balance [`ProviderApi::detail`] reads.
    async fn figures(&self, account: &Subaccount) -> Result<Figures> {
        let detail = self.detail(account).await?;
        Ok(Figures {
            spend_30_days: None,
            spend_this_month: None,
            spend_note: self.provider().info().spend_note.clone(),
            balance: detail.balance,
            balance_note: detail.balance_note,
            read_at: crate::history::now_iso(),
        })
    }
}

/// Builds the adapter for a connection, on the client its address calls for (see
/// [`http::Clients`]).
pub fn adapter_for(
    conn: &Connection,
    secret: Secret,
    clients: &http::Clients,
    retry: RetryPolicy,
    limit: Arc<AdaptiveLimit>,
) -> Arc<dyn ProviderApi> {
    let parts = AdapterParts {
        client: clients.for_base_url(&conn.base_url),
        max_body: clients.max_body(),
        retry,
        limit,
    };
    conn.provider.spec().adapter(conn, secret, parts)
}

/// Refuses an ID that is not of the provider's subaccount format (see
/// [`ProviderSpec::account_id`]) before anything is sent.
pub(crate) fn check_account_id(provider: Provider, id: &str) -> Result<()> {
    let format = provider.spec().account_id();
    if catalog::matches(format.pattern, id) {
        Ok(())
    } else {
        Err(Error::validation(
            "accountId",
            format!("{id} is not {}.", format.what),
        ))
    }
}

/// The check before a change: an ID of the provider's format, and never the connection's own
/// parent account (`parent`).
pub(crate) fn check_target(provider: Provider, id: &str, parent: &str) -> Result<()> {
    check_account_id(provider, id)?;
    if id == parent {
        return Err(Error::ParentAccount);
    }
    Ok(())
}

/// What a JSON adapter sends with: its limit, its retry budget, its body cap, and the header
/// its provider puts the request id in.
pub(crate) struct JsonTransport<'a> {
    pub limit: &'a AdaptiveLimit,
    pub retry: &'a RetryPolicy,
    pub max_body: u64,
    pub request_id_header: &'a str,
}

/// The one way a JSON adapter calls its provider: `authed` builds the request with the
/// provider's credentials; `body`, when given, is sent as JSON. A GET is retried as a read,
/// anything else as a write (see [`execute`]).
pub(crate) async fn send_json(
    transport: JsonTransport<'_>,
    method: reqwest::Method,
    body: Option<serde_json::Value>,
    max_tries: u32,
    authed: impl Fn(reqwest::Method) -> reqwest::RequestBuilder,
    classify: impl Fn(&RawResponse) -> Refusal,
) -> Result<RawResponse, CallError> {
    let idempotent = method == reqwest::Method::GET;
    execute(
        transport.limit,
        transport.retry,
        max_tries,
        idempotent,
        transport.request_id_header,
        transport.max_body,
        || {
            let r = authed(method.clone());
            match &body {
                Some(b) => r.json(b),
                None => r,
            }
        },
        classify,
    )
    .await
}

/// A response whose body has been read. The body is wiped when the response is dropped: a
/// Twilio account list carries the auth token of every subaccount, and must not linger in
/// freed memory. Parse it with [`parse_json`], which consumes it, so it lives no longer than
/// the parse.
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub request_id: Option<String>,
    /// Requests sent to get this response.
    pub attempts: u32,
}

impl Drop for RawResponse {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.body);
    }
}

/// Sends a request, retrying what is safe to retry (see [`http::should_retry`]). `classify`
/// turns a non-success response into the provider's error. Bodies over `max_body` bytes are
/// refused unread ([`Error::ResponseTooLarge`]: ambiguous for a write, never retried).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn execute(
    limit: &AdaptiveLimit,
    policy: &RetryPolicy,
    max_tries: u32,
    idempotent: bool,
    request_id_header: &str,
    max_body: u64,
    build: impl Fn() -> reqwest::RequestBuilder,
    classify: impl Fn(&RawResponse) -> Refusal,
) -> Result<RawResponse, CallError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let slot = limit.acquire().await;
        let (error, request_id, retry_after) = match build().send().await {
            Err(e) => (http::transport_error(e), None, None),
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let request_id = http::header_string(&headers, request_id_header);
                match http::read_body(&mut resp, max_body).await {
                    Err(e) => (e, request_id, None),
                    Ok(body) => {
                        let raw = RawResponse {
                            status,
                            headers,
                            body,
                            request_id,
                            attempts: attempt,
                        };
                        if (200..300).contains(&status) {
                            slot.succeeded();
                            return Ok(raw);
                        }
                        if status == 429 {
                            slot.rate_limited();
                        }
                        let retry_after = http::retry_after(&raw.headers);
                        let refusal = classify(&raw);
                        // The header's id, else one the error body carries (Vobiz's documented
                        // `requestId`), so the history keeps it either way.
                        let request_id = raw.request_id.clone().or(refusal.request_id);
                        (refusal.error, request_id, retry_after)
                    }
                }
            }
        };
        drop(slot);
        if attempt < policy.max_tries.min(max_tries) && http::should_retry(&error, idempotent) {
            let wait = policy.delay(attempt, retry_after.map(std::time::Duration::from_secs));
            tracing::debug!(attempt, ?wait, code = error.code().as_str(), "retrying");
            tokio::time::sleep(wait).await;
            continue;
        }
        let ambiguous = !idempotent && http::write_is_ambiguous(&error);
        return Err(CallError {
            error,
            request_id,
            ambiguous,
            attempts: attempt,
        });
    }
}

/// A non-success answer as the adapter reads it: the error, and a request id its body carried.
pub(crate) struct Refusal {
    pub error: Error,
    pub request_id: Option<String>,
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Refusal {
        Refusal {
            error,
            request_id: None,
        }
    }
}

/// Parses a success body, or says plainly that the provider answered something unexpected.
/// Takes the response so its body is wiped as soon as it is parsed.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(raw: RawResponse) -> Result<T> {
    serde_json::from_slice(&raw.body).map_err(|e| Error::UnexpectedResponse {
        detail: format!(
            "HTTP {} with a body that is not the expected JSON ({e})",
            raw.status
        ),
    })
}

/// A refusal read the way HTTP statuses mean it, for providers whose error bodies add only a
/// code and a message (Vobiz, Plivo, Vonage, Telnyx): 401 wrong credentials, 403 not allowed
/// to manage subaccounts, 404 with the provider's error body `what` is gone, 429 rate limited; otherwise the provider's own
/// message, or an unexpected answer when there is no error body to read (a proxy's page).
pub(crate) fn refusal_by_status(
    provider: Provider,
    raw: &RawResponse,
    what: &str,
    code: Option<String>,
    message: Option<String>,
) -> Error {
    match raw.status {
        401 => Error::Auth { provider },
        403 => Error::Forbidden { provider },
        // Gone only when the provider says so in its own error body: a gateway's or a
        // proxy's 404 page says nothing about the account.
        404 if code.is_some() || message.is_some() => Error::NotFound { what: what.into() },
        429 => Error::RateLimited {
            retry_after_secs: http::retry_after(&raw.headers),
        },
        status if message.is_some() || status >= 500 => Error::Provider {
            status,
            code,
            message: message.unwrap_or_else(|| format!("HTTP {status}")),
        },
        status => Error::UnexpectedResponse {
            detail: format!("HTTP {status} without a {} error body", provider.name()),
        },
    }
}
