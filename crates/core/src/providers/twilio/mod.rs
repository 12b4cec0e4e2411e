//! Twilio's Accounts resource (REST API 2010-04-01).
//!
//! Facts used here (shared/reference/providers.md §1): HTTP Basic auth; `.json` suffix; list
//! `GET /Accounts.json` follows `next_page_uri` and includes the parent itself (its
//! `owner_account_sid` is its own `sid`); status changes are `POST` form `Status=` (PascalCase:
//! a lower-case `status` is silently ignored by Twilio); closing is irreversible and releases the
//! subaccount's phone numbers. Every response carries `Twilio-Request-Id`.
//!
//! Every guess about what Twilio's documents leave open, with its source, is in
//! [`assumptions`]; the simulator models each of them, with both readings where the documents
//! disagree.

pub mod assumptions;
mod usage;

use async_trait::async_trait;
use serde::Deserialize;

use std::sync::Arc;

pub use super::catalog::MOVE_NUMBERS;
use super::catalog::{
    AccountIdFormat, ActionChoice, ActionInfo, AdapterParts, Choices, Drafted, FormField,
    ProviderInfo, ProviderSpec, StatusRule,
};
use super::http::{CallError, RetryPolicy};
use super::limit::AdaptiveLimit;
use super::{execute, parse_json, PageSink, ProviderApi, RawResponse};
use crate::api::NewConnection;
use crate::error::{Error, Result};
use crate::model::{
    AccountDetail, Action, ActionReceipt, Balance, Connection, Impact, MovableNumber, PhoneNumber,
    Provider, Status, Subaccount,
};
use crate::secrets::Secret;
use assumptions::Unreadable;

/// Twilio as the app describes it (see `providers::catalog`).
pub struct Spec;

impl ProviderSpec for Spec {
    fn info(&self) -> ProviderInfo {
        use Action::*;
        ProviderInfo {
            id: Provider::Twilio,
            name: "Twilio".into(),
            account_word: "subaccount".into(),
            default_base_url: "https://api.twilio.com".into(),
            fields: vec![
                FormField::text("accountId", "Account SID", "AC…")
                    .required("Enter the Account SID from the Twilio Console.")
                    .pattern(
                        "^AC[0-9a-fA-F]{32}$",
                        "A Twilio Account SID starts with AC followed by 32 characters, digits 0-9 and letters a-f (34 characters in all). Copy it from the Twilio Console.",
                    ),
                FormField::choice(
                    "authKind",
                    "Sign in with",
                    &[("authToken", "Auth Token"), ("apiKey", "Main API key")],
                ),
                FormField::text(API_KEY_SID, "API key SID", "SK…")
                    .required("Enter the API key SID (it starts with SK).")
                    .pattern(
                        "^SK[0-9a-fA-F]{32}$",
                        "An API key SID starts with SK followed by 32 characters, digits 0-9 and letters a-f (34 characters in all).",
                    )
                    .shown_when("authKind", "apiKey"),
                FormField::secret(
                    "Auth Token (or the API key's secret)",
                    "Enter the Auth Token (or the API key's secret).",
                ),
                FormField::text("edge", "Edge (optional)", "e.g. dublin").pattern(
                    "^[a-z0-9-]{1,20}$",
                    "The edge may only contain lower-case letters, digits and dashes, like dublin.",
                ),
                FormField::text("region", "Region (optional)", "e.g. ie1")
                    .pattern(
                        "^[a-z0-9-]{1,20}$",
                        "The region may only contain lower-case letters, digits and dashes, like ie1.",
                    )
                    .help("Only with an edge: Twilio no longer accepts a region on its own."),
            ],
            statuses: vec![
                StatusRule::new(Status::Active, "Active", &[Suspend, Close]),
                StatusRule::new(Status::Suspended, "Suspended", &[Reactivate, Close]),
                StatusRule::new(Status::Closed, "Closed", &[]),
            ],
            actions: vec![
                ActionInfo::new(Suspend, "Suspend", &[
                    "Suspended Twilio subaccounts keep their numbers, and the parent account is still billed for them every month.",
                    "You can reactivate them later.",
                    NO_MOVE_WHILE_SUSPENDED,
                ])
                .impact(&[
                    "The subaccount can no longer make calls, send messages or use the API.",
                    "{kept}",
                    "Calls already in progress are not ended.",
                    "You can reactivate it later.",
                    NO_MOVE_WHILE_SUSPENDED,
                ])
                .still_costs(&[
                    "Its phone numbers are still billed to the parent account every month while it is suspended.",
                    "Calls already in progress are not ended, and are billed until they end.",
                ]),
                ActionInfo::new(Reactivate, "Reactivate", &["The accounts can be used again at once."])
                    .impact(&["The subaccount can use Twilio again."]),
                ActionInfo::new(Close, "Close account", &[
                    "Twilio releases every phone number of these subaccounts; released numbers may go to someone else.",
                    "Closed subaccounts stop working at once and can never be reopened.",
                ])
                .consequences_if_moved(&[
                    "Subdesk moves every phone number of these subaccounts to the parent account first, so closing them releases none. A subaccount with a number that cannot be moved is not closed and keeps that number.",
                    "Closed subaccounts stop working at once and can never be reopened.",
                ])
                .impact(&[
                    "{released}",
                    "The subaccount stops working at once and its Console logs become inaccessible.",
                    "This cannot be undone: a closed subaccount cannot be reopened.",
                    "Twilio deletes closed subaccounts' data 30 days after closure when automatic deletion is on.",
                    "Subdesk keeps the subaccount's name and phone numbers in the history before closing it.",
                ])
                .choice(ActionChoice {
                    key: MOVE_NUMBERS.into(),
                    question: "Move its phone numbers to the parent account first".into(),
                    default: false,
                    yes: "Subdesk first moves each of its phone numbers to the parent account, and closes the subaccount only if every number moved; a number that stays keeps the subaccount open.".into(),
                    no: "Its phone numbers are not moved: closing releases them.".into(),
                })
                .still_costs(&[
                    "Calls already in progress are not ended, and are billed until they end.",
                ]),
            ],
            reports_status: true,
            lists_cancelled_on_request: false,
            forbidden_advice: "Ask Twilio support or the account's owner to allow it.".into(),
            credentials_refused: "Twilio did not accept these credentials: either the Account SID or the Auth Token is wrong, and Twilio gives the same answer for both. In the Twilio Console, both are under Account Info on the account's dashboard: compare the Account SID character by character, and copy the Auth Token again with its copy button.".into(),
            spend_note: None,
        }
    }

    /// The connection keeps only the API key SID (when it signs in with a key); the edge and
    /// region become its API address.
    fn draft(&self, input: &NewConnection) -> Result<Drafted> {
        Ok(Drafted {
            options: input
                .option(API_KEY_SID)
                .map(|key| (API_KEY_SID.to_string(), key.to_string()))
                .into_iter()
                .collect(),
            base_url: regional_base_url(input.option("edge"), input.option("region"))?,
        })
    }

    fn account_id(&self) -> AccountIdFormat {
        AccountIdFormat {
            pattern: r"^AC[0-9a-fA-F]{32}$",
            what: "a Twilio account SID (AC followed by 32 hexadecimal characters)",
        }
    }

    fn adapter(
        &self,
        conn: &Connection,
        secret: Secret,
        parts: AdapterParts,
    ) -> Arc<dyn ProviderApi> {
        let username = match AuthMethod::of(conn) {
            AuthMethod::ApiKey { key_sid } => key_sid,
            AuthMethod::AuthToken => conn.account_id.clone(),
        };
        Arc::new(
            TwilioApi::new(
                parts.client,
                &conn.base_url,
                &conn.account_id,
                username,
                secret,
                parts.retry,
                parts.limit,
            )
            .with_max_body(parts.max_body),
        )
    }
}

/// A phone number's SID as Twilio writes it (`PN` and 32 characters), checked before it goes
/// into a request's path.
fn check_number_sid(sid: &str) -> Result<()> {
    if !sid.starts_with("PN") || sid.len() != 34 || !sid.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(Error::validation(
            "number",
            "A Twilio phone number SID starts with PN.",
        ));
    }
    Ok(())
}

/// Why the Suspend dialogs offer no move of the numbers (see [`assumptions`]: "Moving numbers
/// out of a suspended subaccount").
const NO_MOVE_WHILE_SUSPENDED: &str = "Subdesk offers no move of the numbers to the parent account here: Twilio's documents do not say that a suspended subaccount's numbers can be moved. To keep them, close the subaccount with its numbers moved first while it is still active.";

/// The connection option holding a Main API key's SID, when the connection signs in with one.
pub const API_KEY_SID: &str = "apiKeySid";

/// How a Twilio connection authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// Account SID as user, Auth Token as secret.
    AuthToken,
    /// A Main API key: the key SID as user, the key secret as secret.
    ApiKey { key_sid: String },
}

impl AuthMethod {
    /// A connection's, from its options.
    pub fn of(conn: &Connection) -> AuthMethod {
        match conn.option(API_KEY_SID) {
            Some(key) if !key.is_empty() => AuthMethod::ApiKey {
                key_sid: key.to_string(),
            },
            _ => AuthMethod::AuthToken,
        }
    }
}

pub const API_PREFIX: &str = "/2010-04-01";
pub const PAGE_SIZE: u32 = 1000;
pub const REQUEST_ID_HEADER: &str = "twilio-request-id";
/// A guard against a server that keeps handing out next pages: 1,000 pages of 1,000 is far
/// beyond Twilio's default limit of 1,000 subaccounts.
pub(crate) const MAX_PAGES: usize = 1000;

/// `AC` followed by 32 hex digits.
pub fn is_account_sid(s: &str) -> bool {
    s.len() == 34 && s.starts_with("AC") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `SK` followed by 32 hex digits.
pub fn is_api_key_sid(s: &str) -> bool {
    s.len() == 34 && s.starts_with("SK") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The regional API host for an edge and region (`api.{edge}.{region}.twilio.com`); with only
/// an edge the region is `us1`, as Twilio's SDKs do. The old `api.{region}.twilio.com` form no
/// longer works, so a region alone is refused.
pub fn regional_base_url(edge: Option<&str>, region: Option<&str>) -> Result<Option<String>> {
    let clean = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_ascii_lowercase)
    };
    let (edge, region) = (clean(edge), clean(region));
    let valid = |s: &str| {
        s.len() <= 20
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    match (edge, region) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Error::validation(
            "edge",
            "Choose an edge location too (for example dublin for ie1): Twilio no longer accepts a region on its own.",
        )),
        (Some(e), r) => {
            let r = r.unwrap_or_else(|| "us1".to_string());
            if !valid(&e) || !valid(&r) {
                return Err(Error::validation(
                    "edge",
                    "The edge and region may only contain letters, digits and dashes, like dublin and ie1.",
                ));
            }
            Ok(Some(format!("https://api.{e}.{r}.twilio.com")))
        }
    }
}

pub struct TwilioApi {
    client: reqwest::Client,
    base_url: String,
    account_sid: String,
    username: String,
    secret: Secret,
    retry: RetryPolicy,
    limit: Arc<AdaptiveLimit>,
    max_body: u64,
}

/// The fields we use. Twilio also returns each subaccount's `auth_token`: it is deliberately
/// absent here, so serde skips it and it is never kept in memory as a value of ours.
#[derive(Deserialize)]
struct AccountJson {
    sid: String,
    owner_account_sid: Option<String>,
    friendly_name: Option<String>,
    status: String,
    date_created: Option<String>,
    date_updated: Option<String>,
}

#[derive(Deserialize)]
struct AccountList {
    accounts: Vec<AccountJson>,
    next_page_uri: Option<String>,
}

#[derive(Deserialize)]
struct NumberList {
    incoming_phone_numbers: Vec<NumberJson>,
    next_page_uri: Option<String>,
}

/// The parts of an IncomingPhoneNumber a user needs to tell a customer what was given up.
#[derive(Deserialize, serde::Serialize)]
struct NumberJson {
    sid: String,
    phone_number: String,
    /// Shown in the account detail; left out of the close snapshot, which keeps its shape.
    #[serde(default, skip_serializing)]
    friendly_name: Option<String>,
}

/// The answer to a number transfer: who holds the number now.
#[derive(Deserialize)]
struct MovedJson {
    account_sid: String,
}

/// `Balance.json`: `{account_sid, balance, currency}`, every field nullable in the spec.
#[derive(Deserialize)]
struct BalanceJson {
    balance: Option<String>,
    currency: Option<String>,
}

/// The v2010 error body: `{code, message, more_info, status}`.
#[derive(Deserialize)]
struct ErrorJson {
    code: Option<i64>,
    message: Option<String>,
}

impl TwilioApi {
    /// A write: `form` POSTed to `url` (retried as a write, see [`execute`]), its JSON answer
    /// and request id. An API key's refusal is worded for keys ([`Self::key_limit`]).
    async fn post_form<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        form: &[(&str, &str)],
        max_tries: u32,
    ) -> Result<(T, Option<String>), CallError> {
        let raw = execute(
            &self.limit,
            &self.retry,
            max_tries,
            false,
            REQUEST_ID_HEADER,
            self.max_body,
            || self.authed(self.client.post(url)).form(form),
            classify,
        )
        .await
        .map_err(|mut e| {
            e.error = self.key_limit(e.error);
            e
        })?;
        let (request_id, attempts) = (raw.request_id.clone(), raw.attempts);
        let json =
            parse_json(raw).map_err(|e| CallError::unreadable(e, request_id.clone(), attempts))?;
        Ok((json, request_id))
    }

    pub fn new(
        client: reqwest::Client,
        base_url: &str,
        account_sid: &str,
        username: String,
        secret: Secret,
        retry: RetryPolicy,
        limit: Arc<AdaptiveLimit>,
    ) -> TwilioApi {
        TwilioApi {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            account_sid: account_sid.to_string(),
            username,
            secret,
            retry,
            limit,
            max_body: super::http::DEFAULT_MAX_BODY,
        }
    }

    /// Refuses answers longer than `bytes` (see [`super::http::HttpConfig::max_body`]).
    pub fn with_max_body(mut self, bytes: u64) -> TwilioApi {
        self.max_body = bytes;
        self
    }

    /// Basic auth; reqwest marks the `Authorization` value sensitive (kept out of `Debug` and
    /// of HTTP/2 header compression tables).
    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.basic_auth(&self.username, Some(self.secret.expose()))
    }

    fn account_url(&self, sid: &str) -> String {
        format!("{}{API_PREFIX}/Accounts/{sid}.json", self.base_url)
    }

    /// Follows a `next_page_uri`, which Twilio gives relative to its host. Anything else (an
    /// absolute URL to another host) is refused: credentials go only to the configured host.
    fn next_url(&self, uri: &str) -> Result<String> {
        if uri.starts_with(API_PREFIX) {
            Ok(format!("{}{uri}", self.base_url))
        } else {
            Err(Error::UnexpectedResponse {
                detail: "Twilio's next page address is not a Twilio API path".into(),
            })
        }
    }

    async fn get(&self, url: &str) -> Result<RawResponse, CallError> {
        execute(
            &self.limit,
            &self.retry,
            u32::MAX,
            true,
            REQUEST_ID_HEADER,
            self.max_body,
            || self.authed(self.client.get(url)),
            classify,
        )
        .await
    }

    fn check_sid(&self, id: &str) -> Result<()> {
        super::check_account_id(Provider::Twilio, id)
    }

    fn to_subaccount(&self, a: AccountJson) -> Subaccount {
        let is_parent =
            a.sid == self.account_sid || a.owner_account_sid.as_deref() == Some(a.sid.as_str());
        Subaccount {
            connection_id: uuid::Uuid::nil(),
            name: a.friendly_name.unwrap_or_default(),
            status: Status::parse(&a.status),
            provider_status: a.status,
            created: a.date_created.as_deref().and_then(rfc2822_to_iso),
            updated: a.date_updated.as_deref().and_then(rfc2822_to_iso),
            id: a.sid,
            is_parent,
        }
    }

    fn uses_api_key(&self) -> bool {
        self.username != self.account_sid
    }

    /// A 401 on the Accounts resource said for what this connection signs in with: with an API
    /// key, the key's sentence (its SID, its secret, its kind), never the Auth Token's.
    fn refused_as_signed_in(&self, e: Error) -> Error {
        match e {
            Error::Auth { provider } if self.uses_api_key() => Error::ApiKeyRefused { provider },
            e => e,
        }
    }

    /// A 401 on a subaccount's resource with an API key is the documented key limit, not
    /// wrong credentials (the same key just worked on the Accounts resource).
    fn key_limit(&self, e: Error) -> Error {
        match e {
            Error::Auth { provider } if self.uses_api_key() => {
                Error::ApiKeyCannotReachSubaccount { provider }
            }
            e => e,
        }
    }

    /// Every IncomingPhoneNumber of `sid`, all pages.
    async fn numbers(&self, sid: &str) -> Result<Vec<NumberJson>> {
        let mut url = format!(
            "{}{API_PREFIX}/Accounts/{sid}/IncomingPhoneNumbers.json?PageSize={PAGE_SIZE}",
            self.base_url
        );
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let raw = self.get(&url).await.map_err(|e| self.key_limit(e.error))?;
            let page: NumberList = parse_json(raw)?;
            all.extend(page.incoming_phone_numbers);
            match page.next_page_uri {
                Some(next) => url = self.next_url(&next)?,
                None => return Ok(all),
            }
        }
        Err(too_many_pages())
    }

    /// The numbers closing would release, or why they cannot be read ([`Unreadable`]).
    async fn releasable_numbers(
        &self,
        sid: &str,
    ) -> Result<std::result::Result<Vec<NumberJson>, Unreadable>> {
        match self.numbers(sid).await {
            Ok(n) => Ok(Ok(n)),
            Err(e) => self.unreadable(sid, e).await.map(Err),
        }
    }

    /// Why a read of `sid`'s own resources failed, when it is not the credentials: an API
    /// key's documented limit, or a 20003 while the account itself reads fine (Twilio's page
    /// for 20003 lists "the account is suspended or closed" among its causes). Any other
    /// failure, and a 20003 whose account read fails too, is returned as it is.
    async fn unreadable(&self, sid: &str, e: Error) -> Result<Unreadable> {
        match self.key_limit(e) {
            Error::ApiKeyCannotReachSubaccount { .. } => Ok(Unreadable::ApiKey),
            auth @ Error::Auth { .. } => match self.fetch(sid).await {
                Ok(account) => Ok(Unreadable::Refused {
                    status: account.status,
                }),
                Err(_) => Err(auth),
            },
            e => Err(e),
        }
    }
}

impl TwilioApi {
    /// `Balance.json` of `sid`. The spec says "child accounts do not contain balance
    /// information", which reads two ways: a subaccount answers with `balance` null (what this
    /// code expects and the simulator does by default), or with a balance after all (shown
    /// when it comes). A key refused on the subaccount's resources, or an answer without a
    /// balance, is "not reported"; any other failure is the detail's error.
    async fn balance(&self, sid: &str) -> Result<(Option<Balance>, Option<String>)> {
        let url = format!("{}{API_PREFIX}/Accounts/{sid}/Balance.json", self.base_url);
        let raw = match self.get(&url).await {
            Ok(raw) => raw,
            Err(e) => {
                let why = self.unreadable(sid, e.error).await?;
                // An API key's refusal has always read as "not reported" here.
                let note = match why {
                    Unreadable::ApiKey => None,
                    refused => Some(refused.sentence("balance")),
                };
                return Ok((None, note));
            }
        };
        let body: BalanceJson = parse_json(raw)?;
        let balance = body
            .balance
            .filter(|b| !b.trim().is_empty())
            .map(|amount| Balance {
                amount,
                currency: body.currency.filter(|c| !c.is_empty()),
                credit_limit: None,
                available: None,
            });
        Ok((balance, None))
    }
}

fn too_many_pages() -> Error {
    Error::UnexpectedResponse {
        detail: "Twilio kept returning more pages".into(),
    }
}

/// Twilio's dates look like `Thu, 30 Jul 2015 20:00:00 +0000`.
fn rfc2822_to_iso(s: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc2822(s).ok().map(|d| {
        d.with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    })
}

/// Maps a Twilio error response to the error the user can act on.
fn classify(raw: &RawResponse) -> super::Refusal {
    classify_error(raw).into()
}

fn classify_error(raw: &RawResponse) -> Error {
    let body: Option<ErrorJson> = serde_json::from_slice(&raw.body).ok();
    let code = body.as_ref().and_then(|b| b.code);
    let message = body
        .as_ref()
        .and_then(|b| b.message.clone())
        .unwrap_or_else(|| format!("HTTP {}", raw.status));
    if let Some(detail) = code.and_then(transfer_refusal) {
        return Error::Refused {
            provider: Provider::Twilio,
            status: raw.status,
            code: code.map(|c| c.to_string()),
            detail: detail.into(),
            explained: true,
        };
    }
    match (raw.status, code) {
        (_, Some(21479)) => Error::AlreadyClosed,
        (_, Some(21477)) => Error::ParentAccount,
        (_, Some(21476)) => Error::ParentSuspended,
        (_, Some(21478)) => Error::SuspendedByProvider,
        (401, _) | (_, Some(20003)) => Error::Auth {
            provider: Provider::Twilio,
        },
        // Twilio's own 404 body (code 20404); a gateway's 404 page says nothing about the
        // account, and is ambiguous like any unreadable answer.
        (404, _) if body.is_some() => Error::NotFound {
            what: "The Twilio account".into(),
        },
        (429, _) | (_, Some(20429)) => Error::RateLimited {
            retry_after_secs: super::http::retry_after(&raw.headers),
        },
        (status, code) if body.is_some() || status >= 500 => Error::Provider {
            status,
            code: code.map(|c| c.to_string()),
            message,
        },
        (status, _) => Error::UnexpectedResponse {
            detail: format!("HTTP {status} without a Twilio error body"),
        },
    }
}

/// Twilio's documented refusals of a number transfer, in words for the user (see
/// [`assumptions`]: "Moving numbers to the parent before a close").
fn transfer_refusal(code: i64) -> Option<&'static str> {
    Some(match code {
        21613 => "The number needs an address on file (error 21613). Add a compliant address to the parent account in the Twilio Console, then close the subaccount again.",
        21649 => "The number is regulated and needs an approved regulatory bundle (error 21649). Create the bundle in the parent account in the Twilio Console, then close the subaccount again.",
        21472 => "The account that would receive the number is not active (error 21472).",
        21473 => "The account that would receive the number is not related to the subaccount (error 21473).",
        21474 => "Only the parent account's own credentials may move numbers (error 21474). Edit the connection to use the parent's Auth Token.",
        _ => return None,
    })
}

fn status_param(action: Action) -> Result<&'static str> {
    match action {
        Action::Suspend => Ok("suspended"),
        Action::Reactivate => Ok("active"),
        Action::Close => Ok("closed"),
        Action::Delete => Err(Error::validation(
            "action",
            "Twilio accounts cannot be deleted, only closed.",
        )),
        Action::MoveNumber => Err(Error::validation(
            "action",
            "A number is moved with its own request, not with the account's status.",
        )),
    }
}

#[async_trait]
impl ProviderApi for TwilioApi {
    fn provider(&self) -> Provider {
        Provider::Twilio
    }

    async fn verify(&self) -> Result<String> {
        self.check_sid(&self.account_sid)?;
        let raw = self
            .get(&self.account_url(&self.account_sid))
            .await
            .map_err(|e| match e.error {
                // A Standard or Restricted key cannot use the Accounts resource at all.
                e @ Error::Auth { .. } => self.refused_as_signed_in(e),
                // The key authenticated, and no account has this SID (see `assumptions`: API
                // keys and an unknown Account SID).
                Error::NotFound { .. } => {
                    Error::validation("accountId", assumptions::UNKNOWN_ACCOUNT_SID)
                }
                e => e,
            })?;
        let a: AccountJson = parse_json(raw)?;
        // A subaccount's own credentials open that subaccount, whose owner is its parent: they
        // would list nothing and could act on nothing.
        if a.owner_account_sid
            .as_deref()
            .is_some_and(|owner| owner != a.sid)
        {
            return Err(Error::SubaccountCredentials {
                provider: Provider::Twilio,
            });
        }
        Ok(a.friendly_name.unwrap_or(a.sid))
    }

    async fn limitations(&self) -> Result<Vec<String>> {
        if !self.uses_api_key() {
            return Ok(Vec::new());
        }
        // Probe one subaccount's numbers: Twilio keeps main-account API keys to main-account
        // resources. Reads only: nothing is changed to find out.
        let url = format!("{}{API_PREFIX}/Accounts.json?PageSize=20", self.base_url);
        let raw = self.get(&url).await.map_err(|e| e.error)?;
        let page: AccountList = parse_json(raw)?;
        let Some(sub) = page
            .accounts
            .into_iter()
            .map(|a| self.to_subaccount(a))
            .find(|a| !a.is_parent)
        else {
            return Ok(vec![
                "This connection uses an API key, and the account has no subaccount yet to check what the key may do. Signing in with the Auth Token instead avoids any such limit.".into(),
            ]);
        };
        let mut notes = Vec::new();
        if matches!(
            self.releasable_numbers(&sub.id).await?,
            Err(Unreadable::ApiKey)
        ) {
            notes.push("This API key cannot read subaccounts' phone numbers (Twilio keeps main-account API keys to main-account resources), so Subdesk cannot show which numbers closing would release.".into());
        }
        notes.push("Twilio does not document whether an API key may suspend or close a subaccount. Signing in with the Auth Token instead lets Subdesk do both.".into());
        Ok(notes)
    }

    async fn list(&self, sink: PageSink<'_>) -> Result<usize> {
        let mut url = format!(
            "{}{API_PREFIX}/Accounts.json?PageSize={PAGE_SIZE}",
            self.base_url
        );
        let mut total = 0;
        for _ in 0..MAX_PAGES {
            let raw = self
                .get(&url)
                .await
                .map_err(|e| self.refused_as_signed_in(e.error))?;
            let page: AccountList = parse_json(raw)?;
            let rows: Vec<Subaccount> = page
                .accounts
                .into_iter()
                .map(|a| self.to_subaccount(a))
                .filter(|s| !s.is_parent)
                .collect();
            total += rows.len();
            sink(rows);
            match page.next_page_uri {
                Some(next) => url = self.next_url(&next)?,
                None => return Ok(total),
            }
        }
        Err(too_many_pages())
    }

    async fn fetch(&self, id: &str) -> Result<Subaccount> {
        self.check_sid(id)?;
        let raw = self.get(&self.account_url(id)).await.map_err(|e| e.error)?;
        Ok(self.to_subaccount(parse_json(raw)?))
    }

    async fn apply_within(
        &self,
        id: &str,
        action: Action,
        _choices: &Choices,
        max_tries: u32,
    ) -> Result<ActionReceipt, CallError> {
        super::check_target(Provider::Twilio, id, &self.account_sid)?;
        let status = status_param(action)?;
        let url = self.account_url(id);
        let (json, request_id) = self
            .post_form(&url, &[("Status", status)], max_tries)
            .await?;
        let account = self.to_subaccount(json);
        Ok(ActionReceipt {
            status_after: account.status,
            provider_status_after: account.provider_status,
            request_id,
        })
    }

    async fn impact(&self, id: &str, action: Action) -> Result<Impact> {
        self.check_sid(id)?;
        let read = match action {
            Action::Close | Action::Suspend => {
                Some(self.releasable_numbers(id).await?.map(|n| n.len() as u32))
            }
            Action::Reactivate | Action::Delete | Action::MoveNumber => None,
        };
        let numbers = read.and_then(|r| r.ok());
        // The sentences are the description's; the two that depend on how many numbers the
        // subaccount has are worded here, for that count.
        let released = match &read {
            Some(Ok(0)) => "This subaccount has no phone numbers, so none are released.".to_string(),
            Some(Ok(1)) => "Twilio releases its phone number. A released number may go to someone else.".to_string(),
            Some(Ok(n)) => format!("Twilio releases all {n} of its phone numbers. Released numbers may go to someone else."),
            Some(Err(why)) => why.released_sentence(),
            None => "Twilio releases all phone numbers of this subaccount. Released numbers may go to someone else.".into(),
        };
        let moved = match &read {
            Some(Ok(0)) => released.clone(),
            Some(Ok(1)) => "Subdesk moves its phone number to the parent account first, so the close releases none. If it cannot be moved, the close is not sent: the subaccount stays open and keeps it.".to_string(),
            Some(Ok(n)) => format!("Subdesk moves its {n} phone numbers to the parent account first, so the close releases none. If a number cannot be moved, the close is not sent: the subaccount stays open and keeps the numbers that stayed."),
            _ => "Subdesk reads its phone numbers again and moves them to the parent account first, so the close releases none. If they cannot be read or a number cannot be moved, the close is not sent: the subaccount stays open and keeps the numbers that stayed.".into(),
        };
        let kept = match numbers {
            Some(0) => "It has no phone numbers, so none are billed while it is suspended.".to_string(),
            Some(1) => "Its phone number is kept, and the parent account is still billed for it every month.".to_string(),
            Some(n) => format!("Its {n} phone numbers are kept, and the parent account is still billed for them every month."),
            None => "Its phone numbers are kept, and the parent account is still billed for them every month.".to_string(),
        };
        let consequences = self
            .provider()
            .info()
            .impact(action, &[("released", &released), ("kept", &kept)]);
        Ok(Impact {
            numbers_released: if action == Action::Close {
                numbers
            } else {
                None
            },
            consequences_if_moved: (action == Action::Close).then(|| {
                self.provider()
                    .info()
                    .impact(action, &[("released", &moved), ("kept", &kept)])
            }),
            consequences,
        })
    }

    /// Before a close: the SID, the name and the phone numbers it releases, so a user can
    /// later tell the customer which numbers were given up.
    async fn snapshot(&self, account: &Subaccount) -> Result<Option<String>> {
        let id = account.id.as_str();
        self.check_sid(id)?;
        let read = self.releasable_numbers(id).await?;
        let mut snap = serde_json::json!({
            "sid": account.id,
            "friendly_name": account.name,
            "status": account.provider_status,
            "taken_at": crate::history::now_iso(),
            "numbers": read.as_ref().ok(),
        });
        // Unreadable: `numbers` stays null (the bulk preview then says it could not count),
        // and the reason is kept, so the close goes ahead with it on record.
        if let Err(why) = read {
            snap["numbers_unreadable"] = true.into();
            snap["numbers_note"] = match why {
                Unreadable::ApiKey => {
                    "This connection's API key cannot read the subaccount's phone numbers.".into()
                }
                refused => refused.sentence("phone numbers").into(),
            };
        }
        Ok(Some(snap.to_string()))
    }

    /// The numbers closing would release (the list [`ProviderApi::impact`] counts) and what
    /// `Balance.json` says.
    async fn detail(&self, account: &Subaccount) -> Result<AccountDetail> {
        let id = account.id.as_str();
        self.check_sid(id)?;
        let read = self.releasable_numbers(id).await?.map(|list| {
            list.into_iter()
                .map(|n| PhoneNumber {
                    friendly_name: n.friendly_name.filter(|f| *f != n.phone_number),
                    number: n.phone_number,
                })
                .collect::<Vec<_>>()
        });
        let (balance, refused) = self.balance(id).await?;
        let balance_note = match (&balance, refused) {
            (Some(_), _) => None,
            (None, Some(why)) => Some(why),
            (None, None) => Some("Twilio does not report a balance for this subaccount.".into()),
        };
        Ok(AccountDetail {
            numbers_note: read.as_ref().err().map(|why| why.sentence("phone numbers")),
            numbers: read.ok(),
            balance_note,
            balance,
        })
    }

    async fn movable_numbers(&self, id: &str) -> Result<Option<Vec<MovableNumber>>> {
        super::check_target(Provider::Twilio, id, &self.account_sid)?;
        let list = match self.releasable_numbers(id).await? {
            Ok(list) => list,
            Err(why) => {
                return Err(Error::Refused {
                    provider: Provider::Twilio,
                    status: 401,
                    code: Some("20003".into()),
                    detail: format!(
                        "{} So Subdesk cannot move them.",
                        why.sentence("phone numbers")
                    ),
                    explained: true,
                })
            }
        };
        Ok(Some(
            list.into_iter()
                .map(|n| MovableNumber {
                    sid: n.sid,
                    number: n.phone_number,
                })
                .collect(),
        ))
    }

    /// The parent's own IncomingPhoneNumber (`GET …/Accounts/{Parent}/IncomingPhoneNumbers/
    /// {Sid}.json`, `FetchIncomingPhoneNumber`): found means the parent holds it; Twilio's own
    /// 404 means it does not (see [`assumptions`]: "Moving numbers to the parent").
    async fn parent_holds_number(&self, number_sid: &str) -> Result<Option<bool>> {
        check_number_sid(number_sid)?;
        let url = format!(
            "{}{API_PREFIX}/Accounts/{}/IncomingPhoneNumbers/{number_sid}.json",
            self.base_url, self.account_sid
        );
        match self.get(&url).await.map_err(|e| e.error) {
            Ok(_) => Ok(Some(true)),
            Err(Error::NotFound { .. }) => Ok(Some(false)),
            Err(e) => Err(e),
        }
    }

    /// Twilio's "exchanging numbers between subaccounts": the number's `AccountSid` set to the
    /// parent (see [`assumptions`]).
    async fn move_number_within(
        &self,
        id: &str,
        number: &MovableNumber,
        max_tries: u32,
    ) -> Result<Option<String>, CallError> {
        super::check_target(Provider::Twilio, id, &self.account_sid)?;
        check_number_sid(&number.sid)?;
        let url = format!(
            "{}{API_PREFIX}/Accounts/{id}/IncomingPhoneNumbers/{}.json",
            self.base_url, number.sid
        );
        let parent = self.account_sid.as_str();
        let (moved, request_id): (MovedJson, _) = self
            .post_form(&url, &[("AccountSid", parent)], max_tries)
            .await?;
        if moved.account_sid != parent {
            return Err(CallError::clear(
                Error::UnexpectedResponse {
                    detail: "Twilio answered the move, but the number is not in the parent account"
                        .into(),
                },
                request_id,
            ));
        }
        Ok(request_id)
    }

    /// Spend from the daily Usage Records (one request); Twilio keeps no balance per
    /// subaccount, so the balance is that sentence.
    async fn figures(&self, account: &Subaccount) -> Result<crate::model::Figures> {
        self.usage_figures(&account.id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_patterns() {
        assert!(is_account_sid("AC0123456789abcdef0123456789ABCDEF"));
        assert!(!is_account_sid("AC0123"));
        assert!(!is_account_sid("SK0123456789abcdef0123456789abcdef"));
        assert!(!is_account_sid("AC0123456789abcdef0123456789abcdeg"));
        assert!(is_api_key_sid("SK0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn regional_hosts() {
        assert_eq!(regional_base_url(None, None).unwrap(), None);
        assert_eq!(
            regional_base_url(Some("dublin"), Some("ie1"))
                .unwrap()
                .unwrap(),
            "https://api.dublin.ie1.twilio.com"
        );
        assert_eq!(
            regional_base_url(Some("Ashburn"), None).unwrap().unwrap(),
            "https://api.ashburn.us1.twilio.com"
        );
        assert!(regional_base_url(None, Some("ie1")).is_err());
        assert!(regional_base_url(Some("evil.com/"), None).is_err());
    }

    #[test]
    fn dates_become_iso_utc() {
        assert_eq!(
            rfc2822_to_iso("Thu, 30 Jul 2015 20:00:00 +0000").unwrap(),
            "2015-07-30T20:00:00Z"
        );
        assert!(rfc2822_to_iso("yesterday").is_none());
    }

    #[test]
    fn the_authorization_header_is_marked_sensitive() {
        let client = reqwest::Client::new();
        let api = TwilioApi::new(
            client.clone(),
            "https://api.twilio.com",
            "AC0123456789abcdef0123456789abcdef",
            "AC0123456789abcdef0123456789abcdef".into(),
            Secret::new("token"),
            RetryPolicy::none(),
            Arc::new(AdaptiveLimit::new(1)),
        );
        let request = api.authed(client.get("https://api.twilio.com/")).build();
        let auth = request.unwrap().headers()["authorization"].clone();
        assert!(auth.is_sensitive());
        assert_eq!(format!("{auth:?}"), "Sensitive");
    }

    #[test]
    fn status_is_sent_in_twilio_case() {
        assert_eq!(status_param(Action::Close).unwrap(), "closed");
        assert_eq!(status_param(Action::Reactivate).unwrap(), "active");
        assert!(status_param(Action::Delete).is_err());
    }
}
