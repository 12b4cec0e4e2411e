//! The domain model: providers, connections, subaccounts, statuses and actions, with the rules
//! of which action is allowed in which status. The UI holds none of these rules: each row it
//! receives carries the actions core allows for it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::Error;

pub use crate::providers::Provider;

/// A parent account the user added. Its secret is not here: it lives in the keychain, keyed by
/// `id`. Everything in this struct is safe to store in a settings file and send to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Connection {
    pub id: Uuid,
    pub provider: Provider,
    pub label: String,
    /// Twilio `AC…` SID or Vobiz `MA_…` auth id of the parent account.
    pub account_id: String,
    pub base_url: String,
    /// The parent account's name as the provider reported it when the connection was verified.
    pub parent_name: Option<String>,
    /// A demo connection talks to the built-in simulator and is never saved.
    pub demo: bool,
    /// The provider's own settings of this connection, by their key in its description
    /// (Twilio's `apiKeySid`, Telnyx's `includeCancelled`): what each means is the provider
    /// module's business. Connections saved by older versions are read by
    /// [`crate::settings::read_entries`].
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub options: BTreeMap<String, String>,
}

impl Connection {
    /// One of the provider's settings; `None` when not set.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }
}

/// A provider-neutral status. The provider's own word is kept beside it in
/// [`Subaccount::provider_status`], so an unexpected value is shown, not lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Status {
    Active,
    Suspended,
    Closed,
    Deleted,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Closed => "closed",
            Status::Deleted => "deleted",
            Status::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Status {
        match s {
            "active" => Status::Active,
            "suspended" => Status::Suspended,
            "closed" => Status::Closed,
            "deleted" => Status::Deleted,
            _ => Status::Unknown,
        }
    }
}

/// Something the user can do to a subaccount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Action {
    Suspend,
    Reactivate,
    Close,
    Delete,
    /// One phone number moved to the parent account before a Close (Twilio's "exchanging
    /// numbers"): a history entry of its own, never a button.
    #[serde(rename = "move_number")]
    MoveNumber,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Suspend,
        Action::Reactivate,
        Action::Close,
        Action::Delete,
    ];

    /// Irreversible actions need an impact preview and a typed confirmation.
    pub fn irreversible(self) -> bool {
        matches!(self, Action::Close | Action::Delete)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Suspend => "suspend",
            Action::Reactivate => "reactivate",
            Action::Close => "close",
            Action::Delete => "delete",
            Action::MoveNumber => "move_number",
        }
    }

    /// The action as a noun, for sentences: "the close sent on …".
    pub fn noun(self) -> &'static str {
        match self {
            Action::Suspend => "suspension",
            Action::Reactivate => "reactivation",
            Action::Close => "close",
            Action::Delete => "deletion",
            Action::MoveNumber => "number move",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .chain([Action::MoveNumber])
            .find(|a| a.as_str() == s)
    }

    /// The status the subaccount should have once the action succeeded.
    pub fn target_status(self) -> Status {
        match self {
            Action::Suspend => Status::Suspended,
            Action::Reactivate => Status::Active,
            Action::Close => Status::Closed,
            Action::Delete => Status::Deleted,
            // A move leaves the account's status as it was.
            Action::MoveNumber => Status::Unknown,
        }
    }
}

/// One subaccount as listed by its provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Subaccount {
    pub connection_id: Uuid,
    /// Twilio SID (`AC…`) or Vobiz sub auth id (`SA_…`).
    pub id: String,
    pub name: String,
    pub status: Status,
    /// The provider's own status word, e.g. Twilio `"closed"` or Vobiz `"enabled=false"`.
    pub provider_status: String,
    /// ISO-8601 UTC, when the provider reports it.
    pub created: Option<String>,
    pub updated: Option<String>,
    /// True for the connection's own parent account. Listings leave it out; actions refuse it.
    pub is_parent: bool,
}

/// The actions core allows for a subaccount of `provider` in `status`, as the provider's
/// description says (see `providers::catalog`). The parent account never gets any action.
pub fn allowed_actions(provider: Provider, status: Status, is_parent: bool) -> Vec<Action> {
    if is_parent {
        return Vec::new();
    }
    provider.info().allowed(status)
}

/// Refuses, before any network call, an action the rules do not allow.
pub fn check_transition(
    provider: Provider,
    status: Status,
    is_parent: bool,
    action: Action,
) -> Result<(), Error> {
    if is_parent {
        return Err(Error::ParentAccount);
    }
    if allowed_actions(provider, status, false).contains(&action) {
        return Ok(());
    }
    if status == Status::Closed {
        return Err(Error::AlreadyClosed);
    }
    Err(Error::InvalidTransition {
        action,
        status,
        provider,
    })
}

/// What the user must see before an irreversible action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Impact {
    /// Phone numbers the action releases, when the provider lets us count them.
    pub numbers_released: Option<u32>,
    /// Plain sentences, shown as a list in the confirmation dialog.
    pub consequences: Vec<String>,
    /// The same sentences when the Close's "move its phone numbers to the parent account
    /// first" is chosen (Twilio): the numbers move and the close releases none. `None` when
    /// the action offers no such move; the dialog shows these while the move is ticked.
    #[serde(default)]
    pub consequences_if_moved: Option<Vec<String>>,
}

/// One phone number an account holds, as its provider lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PhoneNumber {
    /// E.164, e.g. `+14155550123`.
    pub number: String,
    /// The provider's label for it, when it has one other than the number itself.
    pub friendly_name: Option<String>,
}

/// A phone number a Close can move to the parent account first (Twilio's "exchanging numbers
/// between subaccounts"): the provider's id for it and the number itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MovableNumber {
    /// The provider's id (Twilio's `PN…` SID).
    pub sid: String,
    /// E.164, e.g. `+14155550123`.
    pub number: String,
}

/// An account's balance as its provider reports it, amounts kept as the provider wrote them
/// (never rounded or converted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Balance {
    pub amount: String,
    /// ISO 4217 code when reported, e.g. `"USD"`.
    pub currency: Option<String>,
    /// The credit limit, where the provider reports one (Vonage, Telnyx).
    pub credit_limit: Option<String>,
    /// What can still be spent (the balance with the credit), where the provider reports it
    /// (Telnyx's `available_credit`).
    pub available: Option<String>,
}

/// An amount in one currency: as the provider wrote it, or the sum of amounts the provider
/// wrote in that one currency. Amounts in different currencies are never added together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Money {
    /// A decimal, e.g. `"23.7500"`; never rounded or converted.
    pub amount: String,
    /// ISO 4217 code in capitals when reported, e.g. `"USD"`.
    pub currency: Option<String>,
}

/// What an account spends and holds, read for the table's Spend and Balance columns and the
/// action previews. Each figure is `None` with a plain note where it is not reported or could
/// not be read; `read_at` is when it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Figures {
    /// Spend over the last 30 days (today included, days in UTC).
    pub spend_30_days: Option<Money>,
    /// Spend since the first of this month (UTC).
    pub spend_this_month: Option<Money>,
    /// Why there is no spend: "Plivo does not report spend per subaccount; …".
    pub spend_note: Option<String>,
    pub balance: Option<Balance>,
    /// Why there is no balance: "Shares the parent account's balance."
    pub balance_note: Option<String>,
    /// ISO-8601 UTC.
    pub read_at: String,
}

impl Figures {
    /// Figures that could not be read: both notes say why (`sentence`).
    pub fn unread(sentence: &str) -> Figures {
        let note = format!("Could not be read: {sentence}");
        Figures {
            spend_30_days: None,
            spend_this_month: None,
            spend_note: Some(note.clone()),
            balance: None,
            balance_note: Some(note),
            read_at: crate::history::now_iso(),
        }
    }
}

/// What a provider tells about one account beyond its row: its numbers and its balance.
/// Read-only; nothing here changes the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountDetail {
    /// Its phone numbers, the same list the close dialog counts; `None` when they cannot be
    /// listed (by this provider, or with these credentials): `numbers_note` then says why.
    pub numbers: Option<Vec<PhoneNumber>>,
    /// A plain sentence about the numbers, shown when there is no list.
    pub numbers_note: Option<String>,
    /// `None` when the provider reports no balance for it: `balance_note` then says so.
    pub balance: Option<Balance>,
    /// A plain sentence about the balance, e.g. "Telnyx does not report a balance for this
    /// account." or "Uses the primary account's balance."
    pub balance_note: Option<String>,
}

impl AccountDetail {
    /// A provider that lists neither numbers nor a balance for its subaccounts.
    pub fn nothing_reported(provider: Provider) -> AccountDetail {
        AccountDetail {
            numbers: None,
            numbers_note: Some(AccountDetail::numbers_not_listed(provider)),
            balance: None,
            balance_note: Some(AccountDetail::balance_not_reported(provider)),
        }
    }

    /// "Plivo does not list this account's phone numbers to Subdesk."
    pub fn numbers_not_listed(provider: Provider) -> String {
        format!(
            "{} does not list this account's phone numbers to Subdesk.",
            provider.name()
        )
    }

    /// "Telnyx does not report a balance for this account."
    pub fn balance_not_reported(provider: Provider) -> String {
        format!(
            "{} does not report a balance for this account.",
            provider.name()
        )
    }
}

/// The result of a successful provider call, as the provider reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionReceipt {
    pub status_after: Status,
    pub provider_status_after: String,
    pub request_id: Option<String>,
}

/// Last characters of an id that the user must type to confirm an irreversible action.
pub const CONFIRM_SUFFIX_LEN: usize = 3;

pub fn confirmation_phrase(account_id: &str) -> String {
    let chars: Vec<char> = account_id.chars().collect();
    let start = chars.len().saturating_sub(CONFIRM_SUFFIX_LEN);
    chars[start..].iter().collect()
}

/// Checks the typed confirmation of an irreversible action on one account. Case-insensitive
/// because SIDs are hex and users type either case; surrounding spaces are ignored.
pub fn check_confirmation(account_id: &str, typed: Option<&str>) -> Result<(), Error> {
    let expected = confirmation_phrase(account_id);
    match typed {
        Some(t) if t.trim().eq_ignore_ascii_case(&expected) => Ok(()),
        _ => Err(Error::ConfirmationMismatch { expected }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_transitions_follow_the_documented_rules() {
        use Action::*;
        let t = Provider::Twilio;
        assert_eq!(
            allowed_actions(t, Status::Active, false),
            vec![Suspend, Close]
        );
        assert_eq!(
            allowed_actions(t, Status::Suspended, false),
            vec![Reactivate, Close]
        );
        assert!(allowed_actions(t, Status::Closed, false).is_empty());
        assert!(allowed_actions(t, Status::Unknown, false).is_empty());
        assert!(matches!(
            check_transition(t, Status::Closed, false, Reactivate),
            Err(Error::AlreadyClosed)
        ));
        assert!(matches!(
            check_transition(t, Status::Active, false, Delete),
            Err(Error::InvalidTransition { .. })
        ));
        assert!(matches!(
            check_transition(t, Status::Active, false, Reactivate),
            Err(Error::InvalidTransition { .. })
        ));
    }

    #[test]
    fn vobiz_transitions_follow_the_documented_rules() {
        use Action::*;
        let v = Provider::Vobiz;
        assert_eq!(
            allowed_actions(v, Status::Active, false),
            vec![Suspend, Delete]
        );
        assert_eq!(
            allowed_actions(v, Status::Suspended, false),
            vec![Reactivate, Delete]
        );
        assert!(allowed_actions(v, Status::Deleted, false).is_empty());
        assert!(check_transition(v, Status::Suspended, false, Delete).is_ok());
        assert!(check_transition(v, Status::Active, false, Close).is_err());
    }

    #[test]
    fn the_parent_account_never_gets_an_action() {
        for p in [Provider::Twilio, Provider::Vobiz] {
            for s in [Status::Active, Status::Suspended] {
                assert!(allowed_actions(p, s, true).is_empty());
                for a in Action::ALL {
                    assert!(matches!(
                        check_transition(p, s, true, a),
                        Err(Error::ParentAccount)
                    ));
                }
            }
        }
    }

    #[test]
    fn only_close_and_delete_are_irreversible() {
        assert!(Action::Close.irreversible());
        assert!(Action::Delete.irreversible());
        assert!(!Action::Suspend.irreversible());
        assert!(!Action::Reactivate.irreversible());
    }

    #[test]
    fn confirmation_takes_the_last_three_characters() {
        let sid = "AC0123456789abcdef0123456789abcdef";
        assert_eq!(confirmation_phrase(sid), "def");
        assert!(check_confirmation(sid, Some("def")).is_ok());
        assert!(check_confirmation(sid, Some(" DEF ")).is_ok());
        assert!(check_confirmation(sid, Some("de")).is_err());
        assert!(check_confirmation(sid, None).is_err());
        assert_eq!(confirmation_phrase("ab"), "ab");
    }

    #[test]
    fn names_round_trip() {
        for a in Action::ALL.into_iter().chain([Action::MoveNumber]) {
            assert_eq!(Action::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str(), "{a:?}");
        }
        for s in [
            Status::Active,
            Status::Suspended,
            Status::Closed,
            Status::Deleted,
        ] {
            assert_eq!(Status::parse(s.as_str()), s);
        }
        assert_eq!(Status::parse("frozen"), Status::Unknown);
        assert_eq!(Provider::parse("vobiz"), Some(Provider::Vobiz));
    }
}
