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
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
    #[error("the display name is longer than {max} characters")]
    DisplayNameTooLong { max: usize },
}

/// Stable codes: the UI and the history switch on these, never on the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    Auth,
    NotFound,
    RateLimited,
    InvalidTransition,
    ParentAccount,
    AlreadyClosed,
    ParentSuspended,
    SuspendedByProvider,
    Provider,
    /// The provider refused with its reasons (shown in its own words); nothing was changed.
    Refused,
    /// The provider answered, but the account is still as it was.
    NotApplied,
    Network,
    Timeout,
    UnexpectedResponse,
    ResponseTooLarge,
    Keychain,
    MissingSecret,
    Storage,
    Validation,
    ConfirmationMismatch,
    Cancelled,
    /// Another action on the account is still running.
    Busy,
    ApiKeyRefused,
    ApiKeyCannotReachSubaccount,
    SubaccountCredentials,
    OutcomeUnknown,
    /// An earlier action on the account is not confirmed; *Check now* settles it.
    InDoubt,
    /// The connection has actions in flight or not confirmed.
    ConnectionInUse,
    PreviewRequired,
    Forbidden,
    /// The reason given with an action is too long; the dialog marks its reason field.
    ReasonTooLong,
    /// The operator's display name in Settings is too long; the panel marks that field.
    DisplayNameTooLong,
}

impl ErrorCode {
    /// The code for its stable string, `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        use serde::de::IntoDeserializer;
        let d: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            s.into_deserializer();
        ErrorCode::deserialize(d).ok()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Auth => "auth",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::ParentAccount => "parent_account",
            ErrorCode::AlreadyClosed => "already_closed",
            ErrorCode::ParentSuspended => "parent_suspended",
            ErrorCode::SuspendedByProvider => "suspended_by_provider",
            ErrorCode::Provider => "provider",
            ErrorCode::Refused => "refused",
            ErrorCode::NotApplied => "not_applied",
            ErrorCode::Network => "network",
            ErrorCode::Timeout => "timeout",
            ErrorCode::UnexpectedResponse => "unexpected_response",
            ErrorCode::ResponseTooLarge => "response_too_large",
            ErrorCode::Keychain => "keychain",
            ErrorCode::MissingSecret => "missing_secret",
            ErrorCode::Storage => "storage",
            ErrorCode::Validation => "validation",
            ErrorCode::ConfirmationMismatch => "confirmation_mismatch",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Busy => "busy",
            ErrorCode::ApiKeyRefused => "api_key_refused",
            ErrorCode::ApiKeyCannotReachSubaccount => "api_key_cannot_reach_subaccount",
            ErrorCode::SubaccountCredentials => "subaccount_credentials",
            ErrorCode::OutcomeUnknown => "outcome_unknown",
            ErrorCode::InDoubt => "in_doubt",
            ErrorCode::ConnectionInUse => "connection_in_use",
            ErrorCode::PreviewRequired => "preview_required",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::ReasonTooLong => "reason_too_long",
            ErrorCode::DisplayNameTooLong => "display_name_too_long",
        }
    }
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
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Auth { .. } => ErrorCode::Auth,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Error::ParentAccount => ErrorCode::ParentAccount,
            Error::AlreadyClosed => ErrorCode::AlreadyClosed,
            Error::ParentSuspended => ErrorCode::ParentSuspended,
            Error::SuspendedByProvider => ErrorCode::SuspendedByProvider,
            Error::Provider { .. } => ErrorCode::Provider,
            Error::Refused { .. } => ErrorCode::Refused,
            Error::NotApplied { .. } => ErrorCode::NotApplied,
            Error::Network { .. } => ErrorCode::Network,
            Error::Timeout => ErrorCode::Timeout,
            Error::UnexpectedResponse { .. } => ErrorCode::UnexpectedResponse,
            Error::ResponseTooLarge { .. } => ErrorCode::ResponseTooLarge,
            Error::Keychain { .. } => ErrorCode::Keychain,
            Error::MissingSecret { .. } => ErrorCode::MissingSecret,
            Error::Storage { .. } => ErrorCode::Storage,
            Error::Validation { .. } => ErrorCode::Validation,
            Error::ConfirmationMismatch { .. } => ErrorCode::ConfirmationMismatch,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Busy => ErrorCode::Busy,
            Error::ApiKeyRefused { .. } => ErrorCode::ApiKeyRefused,
            Error::ApiKeyCannotReachSubaccount { .. } => ErrorCode::ApiKeyCannotReachSubaccount,
            Error::SubaccountCredentials { .. } => ErrorCode::SubaccountCredentials,
            Error::OutcomeUnknown { .. } => ErrorCode::OutcomeUnknown,
            Error::InDoubt { .. } => ErrorCode::InDoubt,
            Error::ConnectionInUse { .. } => ErrorCode::ConnectionInUse,
            Error::PreviewRequired => ErrorCode::PreviewRequired,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::ReasonTooLong { .. } => ErrorCode::ReasonTooLong,
            Error::DisplayNameTooLong { .. } => ErrorCode::DisplayNameTooLong,
        }
    }

    /// Whether the same request may succeed later without the user changing anything.
    pub fn retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Network { .. } | Error::Timeout => true,
            Error::Provider { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A sentence for a non-technical user: what happened, then what to do.
    pub fn user_message(&self) -> String {
        match self {
            Error::Auth { provider } => format!(
                "{} did not accept these credentials: the account ID or the token is wrong. Copy both again from the {} console.",
                provider.name(),
                provider.name()
            ),
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
            Error::Busy => "Another action on this account is still running. Wait for it to finish, then refresh.".into(),
            Error::ApiKeyRefused { provider } => format!(
                "{} refused this API key for managing subaccounts. Either the key's secret is wrong, or it is a Standard or Restricted key, which cannot use the Accounts resource. Edit the connection to use the parent account's Auth Token (or a Main API key).",
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
            Error::Provider { message, .. } => format!(
                "The provider refused the request: {message}. Check the account in the provider's console."
            ),
            Error::Refused { provider, detail, .. } => format!(
                "{} did not do it, and said why: {} Nothing was changed. Check the account in the {} console before you try again.",
                provider.name(),
                as_sentence(detail),
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
        }
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

pub(crate) fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Suspend => "suspended",
        Action::Reactivate => "reactivated",
        Action::Close => "closed",
        Action::Delete => "deleted",
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
        ]
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
    fn refused_credentials_never_point_to_a_form_the_user_is_already_in() {
        let m = Error::Auth {
            provider: Provider::Vobiz,
        }
        .user_message();
        assert_eq!(
            m,
            "Vobiz did not accept these credentials: the account ID or the token is wrong. Copy both again from the Vobiz console."
        );
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
        assert_eq!(not_now.user_message(), "A Twilio account that is closed cannot be closed.");
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
