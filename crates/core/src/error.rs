//! The one error type. Each kind has a stable code the UI switches on, and a plain sentence for
//! a non-technical user that says what happened and what to do next. No variant ever holds a
//! secret: provider bodies are reduced to their code and message before they get here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{Action, Provider, Status};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{provider:?} rejected the credentials")]
    Auth { provider: Provider },
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("rate limited")]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("cannot {action:?} a {status:?} {provider:?} account")]
    InvalidTransition {
        action: Action,
        status: Status,
        provider: Provider,
    },
    #[error("the parent account cannot be changed")]
    ParentAccount,
    #[error("the account is already closed")]
    AlreadyClosed,
    #[error("the parent account is suspended")]
    ParentSuspended,
    /// Another desktop of the team holds the account (its claim in the team database).
    #[error("held by {operator} on {desktop}")]
    HeldElsewhere {
        operator: String,
        desktop: String,
        action: Action,
        since_secs: u64,
    },
    /// A Close with the numbers' move chosen stopped before the close: these numbers (each
    /// "+14155550100: why") stayed in the account, so it was not closed.
    #[error("{} phone number(s) stayed, the account was not closed", stayed.len())]
    NumbersStayed { stayed: Vec<String>, moved: usize },
    /// The team database could not take a claim or an intent: nothing is sent without them.
    #[error("team database: {sentence}")]
    TeamUnavailable { sentence: String },
    #[error("suspended by the provider")]
    SuspendedByProvider,
    #[error("provider error {status} {code:?}: {message}")]
    Provider {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// The provider understood the request and said, in its own words, why it will not do it
    /// (a 422 with reasons): nothing was changed, and sending it again would not help.
    #[error("{provider:?} refused the request ({status}): {detail}")]
    Refused {
        provider: Provider,
        status: u16,
        code: Option<String>,
        detail: String,
        /// `detail` is Subdesk's own sentence for a documented code (said in the message);
        /// false: it is the provider's own words, kept for *Details* ([`Error::provider_words`]).
        explained: bool,
    },
    /// The provider answered a change as done, yet the account, read again, is still in the
    /// state it was in: nothing changed.
    #[error("{provider:?} answered, but the account is still {status:?}")]
    NotApplied { provider: Provider, status: Status },
    #[error("network: {detail}")]
    Network { detail: String },
    #[error("timed out")]
    Timeout,
    #[error("unexpected response: {detail}")]
    UnexpectedResponse { detail: String },
    #[error("the answer was larger than {limit_mib} MiB")]
    ResponseTooLarge { limit_mib: u64 },
    #[error("keychain: {detail}")]
    Keychain { detail: String },
    #[error("no saved token for {label}")]
    MissingSecret { label: String },
    #[error("storage: {detail}")]
    Storage { detail: String },
    #[error("invalid {field}: {message}")]
    Validation { field: String, message: String },
    #[error("confirmation does not match")]
    ConfirmationMismatch { expected: String },
    #[error("cancelled")]
    Cancelled,
    /// Another action (or a check) holds the account right now: not wrong input, and over
    /// once that action finishes.
    #[error("another action holds the account")]
    Busy,
    #[error("the API key cannot manage subaccounts")]
    ApiKeyRefused { provider: Provider },
    #[error("the API key cannot reach this subaccount's resources")]
    ApiKeyCannotReachSubaccount { provider: Provider },
    #[error("these are a subaccount's credentials")]
    SubaccountCredentials { provider: Provider },
    #[error("outcome unknown after {cause}")]
    OutcomeUnknown { cause: String },
    /// The account has an entry whose outcome is not known (in flight, or unknown): nothing
    /// is sent to it until that entry is settled.
    #[error("in doubt since {since}")]
    InDoubt {
        /// The action in doubt; `None` when a newer Subdesk wrote one this one does not know.
        action: Option<Action>,
        /// When it was sent (ISO-8601 UTC).
        since: String,
        /// The provider can report the account's state, so a re-read can settle it.
        checkable: bool,
    },
    /// A connection that still has actions in flight or not confirmed cannot be removed.
    #[error("{open} open entries")]
    ConnectionInUse { open: u32 },
    #[error("no matching preview for this irreversible action")]
    PreviewRequired,
    #[error("{provider:?} does not allow this account to manage subaccounts")]
    Forbidden { provider: Provider },
    /// A validation error of the action dialog's reason field (code `validation`).
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
    /// A validation error of the Settings display name field (code `validation`).
    #[error("the display name is longer than {max} characters")]
    DisplayNameTooLong { max: usize },
}

/// Declares [`ErrorCode`] with each code's stable string, once: the enum, its list and its
/// strings come from this one declaration.
macro_rules! error_codes {
    ($( $(#[doc = $doc:expr])* $code:ident = $s:literal, )*) => {
        /// Stable codes: the UI and the history switch on these, never on the text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        #[ts(export)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $code, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$code => $s, )*
                }
            }
        }
    };
}

error_codes! {
    Auth = "auth",
    NotFound = "not_found",
    RateLimited = "rate_limited",
    InvalidTransition = "invalid_transition",
    ParentAccount = "parent_account",
    AlreadyClosed = "already_closed",
    ParentSuspended = "parent_suspended",
    SuspendedByProvider = "suspended_by_provider",
    Provider = "provider",
    /// The provider refused with its reasons (shown in its own words); nothing was changed.
    Refused = "refused",
    /// The provider answered, but the account is still as it was.
    NotApplied = "not_applied",
    Network = "network",
    Timeout = "timeout",
    UnexpectedResponse = "unexpected_response",
    ResponseTooLarge = "response_too_large",
    Keychain = "keychain",
    MissingSecret = "missing_secret",
    Storage = "storage",
    /// Input that cannot be accepted; `UiError.field` names the form field to mark (the
    /// reason, the display name, a connection field…).
    Validation = "validation",
    ConfirmationMismatch = "confirmation_mismatch",
    Cancelled = "cancelled",
    /// Another action on the account is still running.
    Busy = "busy",
    ApiKeyRefused = "api_key_refused",
    ApiKeyCannotReachSubaccount = "api_key_cannot_reach_subaccount",
    SubaccountCredentials = "subaccount_credentials",
    OutcomeUnknown = "outcome_unknown",
    /// An earlier action on the account is not confirmed; *Check now* settles it.
    InDoubt = "in_doubt",
    /// The connection has actions in flight or not confirmed.
    ConnectionInUse = "connection_in_use",
    PreviewRequired = "preview_required",
    Forbidden = "forbidden",
    /// A Close with the move chosen: some numbers stayed, so the account was not closed.
    NumbersStayed = "numbers_stayed",
}

impl ErrorCode {
    /// The code for its stable string, `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        use serde::de::IntoDeserializer;
        let d: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            s.into_deserializer();
        ErrorCode::deserialize(d).ok()
    }
}

/// Whether the same request may succeed later without the user changing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    No,
    Yes,
    /// Only when the provider's status says the fault was on its side (5xx).
    IfServerFault,
}

/// What crosses the IPC boundary: a code to act on and a sentence to show.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
    /// True when trying again later may work (network, rate limit, provider outage).
    pub retryable: bool,
    /// The form field the error is about (`label`, `accountId`, `reason`…), when it is about
    /// one: the form marks that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// The provider's own words, shown under a collapsed *Details* beside `message`, never in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub details: Option<String>,
}

impl Error {
    /// The one table of the error contract: each kind's code and whether it may be retried.
    fn contract(&self) -> (ErrorCode, Retry) {
        use ErrorCode as C;
        use Retry::*;
        match self {
            Error::Auth { .. } => (C::Auth, No),
            Error::NotFound { .. } => (C::NotFound, No),
            Error::RateLimited { .. } => (C::RateLimited, Yes),
            Error::InvalidTransition { .. } => (C::InvalidTransition, No),
            Error::ParentAccount => (C::ParentAccount, No),
            Error::AlreadyClosed => (C::AlreadyClosed, No),
            Error::ParentSuspended => (C::ParentSuspended, No),
            Error::SuspendedByProvider => (C::SuspendedByProvider, No),
            Error::Provider { .. } => (C::Provider, IfServerFault),
            Error::Refused { .. } => (C::Refused, No),
            Error::NotApplied { .. } => (C::NotApplied, No),
            Error::Network { .. } => (C::Network, Yes),
            Error::Timeout => (C::Timeout, Yes),
            Error::UnexpectedResponse { .. } => (C::UnexpectedResponse, No),
            Error::ResponseTooLarge { .. } => (C::ResponseTooLarge, No),
            Error::Keychain { .. } => (C::Keychain, No),
            Error::MissingSecret { .. } => (C::MissingSecret, No),
            Error::Storage { .. } => (C::Storage, No),
            Error::Validation { .. } => (C::Validation, No),
            Error::ConfirmationMismatch { .. } => (C::ConfirmationMismatch, No),
            Error::Cancelled => (C::Cancelled, No),
            Error::Busy | Error::HeldElsewhere { .. } => (C::Busy, No),
            Error::TeamUnavailable { .. } => (C::Storage, No),
            Error::ApiKeyRefused { .. } => (C::ApiKeyRefused, No),
            Error::ApiKeyCannotReachSubaccount { .. } => (C::ApiKeyCannotReachSubaccount, No),
            Error::SubaccountCredentials { .. } => (C::SubaccountCredentials, No),
            Error::OutcomeUnknown { .. } => (C::OutcomeUnknown, No),
            Error::InDoubt { .. } => (C::InDoubt, No),
            Error::ConnectionInUse { .. } => (C::ConnectionInUse, No),
            Error::PreviewRequired => (C::PreviewRequired, No),
            Error::Forbidden { .. } => (C::Forbidden, No),
            Error::NumbersStayed { .. } => (C::NumbersStayed, No),
            Error::ReasonTooLong { .. } => (C::Validation, No),
            Error::DisplayNameTooLong { .. } => (C::Validation, No),
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.contract().0
    }

    /// Whether the same request may succeed later without the user changing anything.
    pub fn retryable(&self) -> bool {
        match self.contract().1 {
            Retry::No => false,
            Retry::Yes => true,
            Retry::IfServerFault => match self {
                Error::Provider { status, .. } => *status >= 500,
                _ => false,
            },
        }
    }

    /// A sentence for a non-technical user: what happened, then what to do.
    pub fn user_message(&self) -> String {
        match self {
            Error::Auth { provider } => provider.info().credentials_refused.clone(),
            Error::NotFound { what } => format!(
                "{what} was not found. It may have been removed by someone else: refresh the list."
            ),
            Error::RateLimited { .. } => "The provider is receiving too many requests right now. Subdesk retried and gave up; wait a minute and try again.".into(),
            Error::InvalidTransition { action, status, provider } => invalid_transition(*action, *status, *provider),
            Error::ParentAccount => "This is the parent account of the connection. Subdesk never changes a parent account; use the provider's console if you really mean to.".into(),
            Error::AlreadyClosed => "This account is already closed, and a closed account cannot be changed or reopened. Refresh the list to see it.".into(),
            Error::ParentSuspended => "The parent account is suspended, so its subaccounts cannot be changed. Reactivate the parent account in the provider's console first.".into(),
            Error::SuspendedByProvider => "The provider itself suspended this account, so only the provider can change it. Contact the provider's support.".into(),
            Error::Provider { .. } | Error::Refused { .. } | Error::NotApplied { .. } => {
                self.provider_answer()
            }
            // An answer lost after a change was sent ends as OutcomeUnknown (see actions.rs), so
            // these sentences are only ever about requests that changed nothing.
            Error::Network { .. } => "Subdesk could not reach the provider, so nothing was changed. If your other connections still answer, the provider itself is having trouble: try again in a few minutes. If none answer, check your internet connection.".into(),
            Error::Timeout => "The provider did not answer in time, so nothing was changed. Try again in a few minutes.".into(),
            Error::UnexpectedResponse { .. } => "The provider sent an answer Subdesk does not understand. Check the connection's API address, or try again later.".into(),
            Error::ResponseTooLarge { limit_mib } => format!(
                "The provider's answer was larger than {limit_mib} MiB, so Subdesk stopped reading it and nothing was changed. Check the connection's API address; if it is right, contact the provider's support."
            ),
            Error::Keychain { detail } => format!(
                "The system keychain is not available ({detail}). Unlock your keyring (on Linux: GNOME Keyring or KWallet with the Secret Service) and try again."
            ),
            Error::MissingSecret { label } => format!(
                "The keychain has no saved token for the connection \"{label}\" (it may have been removed outside Subdesk). Remove the connection and add it again."
            ),
            Error::Storage { detail } => format!(
                "Subdesk could not read or write its local data ({detail}). Check that the disk is not full, then restart Subdesk."
            ),
            Error::Validation { message, .. } => message.clone(),
            Error::ConfirmationMismatch { expected } => format!(
                "The confirmation does not match. Type {expected} exactly to confirm."
            ),
            Error::Cancelled => "Cancelled. Nothing more was sent.".into(),
            Error::NumbersStayed { stayed, moved } => numbers_stayed(stayed, *moved),
            Error::Busy => "Another action on this account is still running. Wait for it to finish, then refresh.".into(),
            Error::HeldElsewhere { operator, desktop, action, since_secs } => format!(
                "{operator}, on {desktop}, started a {} {} ago. Nothing was sent: wait for it to finish, then refresh.",
                capitalised(action.as_str()),
                ago(*since_secs)
            ),
            Error::TeamUnavailable { sentence } => format!(
                "Nothing was sent: Subdesk acts only once the team database has the action, and it could not be reached. {sentence} Listing still works; try again when the team database is back."
            ),
            Error::ApiKeyRefused { provider } => format!(
                "{} did not accept this API key for this Account SID: the API key SID or its secret is wrong, the key belongs to another account, or it is a Standard or Restricted key, which cannot manage subaccounts. In the Console of the account whose SID you entered, check under API keys & tokens that this key is listed there as a Main key, or sign in with the Auth Token instead.",
                provider.name()
            ),
            Error::ApiKeyCannotReachSubaccount { provider } => format!(
                "{} does not let this connection's API key reach a subaccount's own resources (its phone numbers, or its status). Edit the connection to use the parent account's Auth Token instead of an API key.",
                provider.name()
            ),
            Error::SubaccountCredentials { provider } => format!(
                "These are a {} subaccount's own credentials, which only reach that one subaccount. Enter the parent account's ID and token instead.",
                provider.name()
            ),
            Error::OutcomeUnknown { cause } => format!(
                "The provider's answer was lost ({cause}) and, after checking the account again for a while, Subdesk still cannot tell whether the change was made. It was not sent again. Subdesk checks it again at the next start; look at the account in the provider's console before you act on it again."
            ),
            Error::InDoubt { action, since, checkable } => format!(
                "Subdesk is not sure whether the {} sent on {} went through, so it sends nothing more to this account until that is settled. {}",
                action.map_or("earlier action", |a| a.noun()),
                crate::history::display_time(since),
                if *checkable {
                    "Use Check now to read the account again."
                } else {
                    "This provider does not report the account's state: look at it in the provider's console, then record what you found with Check now."
                }
            ),
            Error::ConnectionInUse { open } => format!(
                "This connection still has {} under way or not confirmed. Removing it now would leave {} unchecked: wait for {}, or settle {} with Check now in History, then remove the connection.",
                if *open == 1 { "1 action".to_string() } else { format!("{open} actions") },
                if *open == 1 { "it" } else { "them" },
                if *open == 1 { "it to finish" } else { "them to finish" },
                if *open == 1 { "it" } else { "them" },
            ),
            Error::Forbidden { provider } => format!(
                "{} accepted the credentials but does not allow this account to manage its {}s. {} Then try again.",
                provider.name(),
                provider.info().account_word,
                provider.info().forbidden_advice
            ),
            Error::ReasonTooLong { max } => format!(
                "The reason is too long: shorten it to {max} characters or fewer (a ticket number is enough), then try again. Nothing was changed."
            ),
            Error::DisplayNameTooLong { max } => format!(
                "The display name is too long: shorten it to {max} characters or fewer, then save again."
            ),
            Error::PreviewRequired => "Nothing was changed: this permanent action must be confirmed on the preview that shows exactly these accounts, and that preview is missing, already used, older than 15 minutes or for other accounts. Open the action again and confirm it there.".into(),
        }
    }

    /// The sentence of an error the provider answered with: its own failure, a refusal with
    /// its reasons, or a change it answered but did not make.
    fn provider_answer(&self) -> String {
        match self {
            // The provider's own words stay in the technical text (`Display`), not here: a 5xx
            // body is rarely meant for a person. A 5xx after a change was sent ends as
            // OutcomeUnknown, so this one changed nothing.
            Error::Provider { status, .. } if *status >= 500 => {
                "The provider had a problem on its side, so nothing was changed. Try again in a few minutes.".into()
            }
            // The provider's own words go to `provider_words` (the window's *Details*), never
            // into the sentence.
            Error::Provider { .. } => {
                "The provider refused the request. Check the account in the provider's console before you try again.".into()
            }
            Error::Refused { provider, detail, explained: true, .. } => format!(
                "{} did not do it, and nothing was changed. {}",
                provider.name(),
                as_sentence(detail),
            ),
            Error::Refused { provider, .. } => format!(
                "{} refused the request and gave its reasons. Nothing was changed. Check the account in the {} console before you try again.",
                provider.name(),
                provider.name()
            ),
            Error::NotApplied { provider, status } => format!(
                "{} answered, but the {} is still {}. Nothing was changed: refresh in a minute to see whether the change arrived late, and if not, try again or check it in the {} console.",
                provider.name(),
                provider.info().account_word,
                status.as_str(),
                provider.name()
            ),
            other => other.to_string(),
        }
    }

    pub fn to_ui(&self) -> UiError {
        UiError {
            code: self.code(),
            message: self.user_message(),
            retryable: self.retryable(),
            field: self.field().map(str::to_string),
            details: self.provider_words(),
        }
    }

    /// The provider's own words about this error ("HTTP 400, code 21100: Invalid status"),
    /// for the window's collapsed *Details*; never part of [`Error::user_message`]. `None` when
    /// the provider said nothing of its own (or Subdesk's sentence already explains its code).
    pub fn provider_words(&self) -> Option<String> {
        let (status, code, words) = match self {
            Error::Provider {
                status,
                code,
                message,
            } => (*status, code, message),
            Error::Refused {
                status,
                code,
                detail,
                explained: false,
                ..
            } => (*status, code, detail),
            _ => return None,
        };
        let words = words.trim();
        if words.is_empty() || words == format!("HTTP {status}") {
            return None;
        }
        Some(match code {
            Some(code) => format!("HTTP {status}, code {code}: {words}"),
            None => format!("HTTP {status}: {words}"),
        })
    }

    /// The form field this error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } => Some(field),
            Error::ReasonTooLong { .. } => Some("reason"),
            Error::DisplayNameTooLong { .. } => Some("operatorDisplayName"),
            _ => None,
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Error {
        Error::Validation {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn storage(e: impl std::fmt::Display) -> Error {
        Error::Storage {
            detail: e.to_string(),
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// "40 s", "3 min", "2 h".
fn ago(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

/// A provider's words as a sentence of ours: trimmed, and ending with a full stop when they
/// have no end of their own.
fn as_sentence(words: &str) -> String {
    let words = words.trim();
    if words.ends_with(['.', '!', '?']) {
        words.to_string()
    } else {
        format!("{words}.")
    }
}

/// A transition the rules do not allow: the provider does not offer the action at all, or
/// not for an account in this status. Refreshing would not change either, so no such advice.
fn invalid_transition(action: Action, status: Status, provider: Provider) -> String {
    let info = provider.info();
    if !info.actions.iter().any(|a| a.action == action) {
        return format!(
            "{} does not offer a way to {} its {}s, so Subdesk never asks for it.",
            provider.name(),
            action.as_str(),
            info.account_word
        );
    }
    format!(
        "A {} account that is {} cannot be {}.",
        provider.name(),
        status.as_str(),
        past_tense(action)
    )
}

/// "The subaccount was not closed: its phone number +1… stayed in it (why). …"
fn numbers_stayed(stayed: &[String], moved: usize) -> String {
    let which = match stayed {
        [one] => format!("its phone number {one} stayed in it"),
        many => format!(
            "{} of its phone numbers stayed in it: {}",
            many.len(),
            many.join("; ")
        ),
    };
    let moved = match moved {
        0 => String::new(),
        1 => " The one number that moved is now in the parent account.".into(),
        n => format!(" The {n} numbers that moved are now in the parent account."),
    };
    format!(
        "The subaccount was not closed: {which}.{moved} Fix what stopped the move, then close it again with the move: only the numbers left are moved."
    )
}

pub(crate) fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Suspend => "suspended",
        Action::Reactivate => "reactivated",
        Action::Close => "closed",
        Action::Delete => "deleted",
        Action::MoveNumber => "moved",
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::storage(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Error> {
        vec![
            Error::Auth {
                provider: Provider::Twilio,
            },
            Error::NotFound {
                what: "Account ACx".into(),
            },
            Error::RateLimited {
                retry_after_secs: Some(2),
            },
            Error::InvalidTransition {
                action: Action::Reactivate,
                status: Status::Active,
                provider: Provider::Twilio,
            },
            Error::ParentAccount,
            Error::AlreadyClosed,
            Error::ParentSuspended,
            Error::SuspendedByProvider,
            Error::Provider {
                status: 400,
                code: Some("21100".into()),
                message: "bad".into(),
            },
            Error::Provider {
                status: 503,
                code: None,
                message: "down".into(),
            },
            Error::Refused {
                provider: Provider::Telnyx,
                status: 422,
                code: Some("10015".into()),
                detail: "The managed account is already enabled".into(),
                explained: false,
            },
            Error::NotApplied {
                provider: Provider::Vonage,
                status: Status::Active,
            },
            Error::Network {
                detail: "reset".into(),
            },
            Error::Timeout,
            Error::UnexpectedResponse {
                detail: "html".into(),
            },
            Error::ResponseTooLarge { limit_mib: 32 },
            Error::Keychain {
                detail: "locked".into(),
            },
            Error::MissingSecret {
                label: "Main".into(),
            },
            Error::Storage {
                detail: "disk full".into(),
            },
            Error::validation("label", "Give the connection a name."),
            Error::ConfirmationMismatch {
                expected: "def".into(),
            },
            Error::Cancelled,
            Error::Busy,
            Error::ApiKeyRefused {
                provider: Provider::Twilio,
            },
            Error::ApiKeyCannotReachSubaccount {
                provider: Provider::Twilio,
            },
            Error::SubaccountCredentials {
                provider: Provider::Twilio,
            },
            Error::OutcomeUnknown {
                cause: "HTTP 502".into(),
            },
            Error::PreviewRequired,
            Error::Forbidden {
                provider: Provider::Vobiz,
            },
            Error::NumbersStayed {
                stayed: vec!["+14155550100 (Twilio refused: the number needs an address on file (error 21613))".into()],
                moved: 2,
            },
            Error::NumbersStayed {
                stayed: vec!["+14155550100 (a)".into(), "+14155550101 (b)".into()],
                moved: 0,
            },
            Error::InDoubt {
                action: Some(Action::Close),
                since: "2026-11-24T14:02:03.000Z".into(),
                checkable: true,
            },
            Error::InDoubt {
                action: None,
                since: "2026-11-24T14:02:03.000Z".into(),
                checkable: false,
            },
            Error::ConnectionInUse { open: 2 },
            Error::ReasonTooLong { max: 200 },
            Error::DisplayNameTooLong { max: 60 },
        ]
    }

    #[test]
    fn every_code_is_declared_once_unique_and_used() {
        let mut strings = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(
                strings.insert(code.as_str()),
                "{code:?}: its string is used twice"
            );
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code), "{code:?}");
            assert_eq!(
                serde_json::to_value(code).unwrap().as_str().unwrap(),
                code.as_str(),
                "{code:?}: the serialized code and the declared string differ"
            );
        }
        let used: Vec<ErrorCode> = all().iter().map(Error::code).collect();
        for code in ErrorCode::ALL {
            assert!(
                used.contains(code),
                "{code:?} is declared but no error kind has it"
            );
        }
        for e in all() {
            assert!(
                ErrorCode::ALL.contains(&e.code()),
                "{e:?}: its code is not in the table"
            );
        }
    }

    #[test]
    fn field_errors_are_one_validation_code_with_their_field() {
        for (e, field) in [
            (Error::ReasonTooLong { max: 200 }, "reason"),
            (Error::DisplayNameTooLong { max: 60 }, "operatorDisplayName"),
            (
                Error::validation("label", "Give the connection a name."),
                "label",
            ),
        ] {
            let ui = e.to_ui();
            assert_eq!(ui.code, ErrorCode::Validation, "{e:?}");
            assert_eq!(ui.field.as_deref(), Some(field), "{e:?}");
            assert!(!ui.retryable, "{e:?}");
        }
        assert_eq!(Error::Busy.to_ui().field, None);
        assert_eq!(Error::Busy.code(), ErrorCode::Busy);
    }

    #[test]
    fn every_error_has_a_sentence_that_ends_with_advice() {
        for e in all() {
            let m = e.user_message();
            assert!(m.len() > 20, "{e:?}: message too short: {m}");
            assert!(m.ends_with('.'), "{e:?}: not a sentence: {m}");
            assert_eq!(e.to_ui().code, e.code());
        }
    }

    #[test]
    fn codes_are_stable_snake_case_strings() {
        let json = serde_json::to_string(&Error::AlreadyClosed.to_ui()).unwrap();
        assert!(json.contains("\"code\":\"already_closed\""), "{json}");
        for e in all() {
            let json = serde_json::to_value(e.code()).unwrap();
            assert_eq!(json.as_str().unwrap(), e.code().as_str());
        }
    }

    #[test]
    fn a_failure_that_changed_nothing_never_asks_to_check_whether_it_went_through() {
        let down = Error::Provider {
            status: 503,
            code: None,
            message: "<html>Service Unavailable</html>".into(),
        };
        assert_eq!(
            down.user_message(),
            "The provider had a problem on its side, so nothing was changed. Try again in a few minutes."
        );
        assert_eq!(
            Error::Timeout.user_message(),
            "The provider did not answer in time, so nothing was changed. Try again in a few minutes."
        );
        let unreachable = Error::Network {
            detail: "connection refused".into(),
        }
        .user_message();
        assert!(
            unreachable.starts_with("Subdesk could not reach the provider, so nothing was changed. If your other connections still answer, the provider itself is having trouble"),
            "{unreachable}"
        );
        for e in all() {
            let m = e.user_message();
            assert!(!m.contains("whether the change went through"), "{e:?}: {m}");
            assert!(!m.contains("Service Unavailable"), "{e:?}: {m}");
        }
    }

    #[test]
    fn the_providers_own_words_go_to_details_never_into_the_sentence() {
        let refused = Error::Provider {
            status: 400,
            code: Some("21100".into()),
            message: "Invalid Status transition".into(),
        };
        assert_eq!(
            refused.user_message(),
            "The provider refused the request. Check the account in the provider's console before you try again."
        );
        assert_eq!(
            refused.to_ui().details.as_deref(),
            Some("HTTP 400, code 21100: Invalid Status transition")
        );
        let reasons = Error::Refused {
            provider: Provider::Vonage,
            status: 422,
            code: None,
            detail: "primary_account_id: must be a subaccount".into(),
            explained: false,
        };
        assert_eq!(
            reasons.user_message(),
            "Vonage refused the request and gave its reasons. Nothing was changed. Check the account in the Vonage console before you try again."
        );
        assert_eq!(
            reasons.provider_words().as_deref(),
            Some("HTTP 422: primary_account_id: must be a subaccount")
        );
        let down = Error::Provider {
            status: 503,
            code: Some("20503".into()),
            message: "Service is unavailable. Please try again".into(),
        };
        assert!(!down.user_message().contains("Service is unavailable"));
        assert_eq!(
            down.provider_words().as_deref(),
            Some("HTTP 503, code 20503: Service is unavailable. Please try again")
        );
        // Subdesk's own sentence for a documented code is the message itself: no Details.
        let explained = Error::Refused {
            provider: Provider::Twilio,
            status: 400,
            code: Some("21613".into()),
            detail: "The number needs an address on file (error 21613).".into(),
            explained: true,
        };
        assert_eq!(
            explained.user_message(),
            "Twilio did not do it, and nothing was changed. The number needs an address on file (error 21613)."
        );
        assert_eq!(explained.provider_words(), None);
        assert_eq!(Error::Timeout.to_ui().details, None);
    }

    #[test]
    fn refused_credentials_never_point_to_a_form_the_user_is_already_in() {
        let m = Error::Auth {
            provider: Provider::Vobiz,
        }
        .user_message();
        assert_eq!(
            m,
            "Vobiz did not accept these credentials: either the Auth ID or the Auth Token is wrong, and Vobiz gives the same answer for both. Copy both again from the Vobiz console."
        );
        // Telnyx's form has no account ID: its sentence names only the key.
        let telnyx = Error::Auth {
            provider: Provider::Telnyx,
        }
        .user_message();
        assert!(
            telnyx.starts_with("Telnyx did not accept this API key:"),
            "{telnyx}"
        );
        for provider in Provider::all() {
            let m = Error::Auth { provider }.user_message();
            assert!(!m.to_lowercase().contains("edit the connection"), "{m}");
            let m = Error::ApiKeyRefused { provider }.user_message();
            assert!(!m.to_lowercase().contains("edit the connection"), "{m}");
        }
    }

    #[test]
    fn a_transition_the_provider_never_offers_says_so_without_refresh_advice() {
        let never = Error::InvalidTransition {
            action: Action::Delete,
            status: Status::Active,
            provider: Provider::Vonage,
        };
        assert_eq!(
            never.user_message(),
            "Vonage does not offer a way to delete its subaccounts, so Subdesk never asks for it."
        );
        let not_now = Error::InvalidTransition {
            action: Action::Close,
            status: Status::Closed,
            provider: Provider::Twilio,
        };
        assert_eq!(
            not_now.user_message(),
            "A Twilio account that is closed cannot be closed."
        );
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(Error::Timeout.retryable());
        assert!(Error::RateLimited {
            retry_after_secs: None
        }
        .retryable());
        assert!(Error::Provider {
            status: 502,
            code: None,
            message: String::new()
        }
        .retryable());
        assert!(!Error::Provider {
            status: 400,
            code: None,
            message: String::new()
        }
        .retryable());
        assert!(!Error::AlreadyClosed.retryable());
        assert!(!Error::Auth {
            provider: Provider::Vobiz
        }
        .retryable());
    }
}
