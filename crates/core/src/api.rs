//! The types that cross the IPC boundary to the web UI. They are mirrored to TypeScript by
//! ts-rs (`cargo test` writes `ui/src/lib/bindings/`), so the UI and the Rust side cannot drift.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::UiError;
use crate::model::{AccountDetail, Action, Connection, Impact, Provider, Status, Subaccount};
use crate::secrets::Secret;

/// One row of the Accounts table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountRow {
    pub connection_id: Uuid,
    pub connection_label: String,
    pub provider: Provider,
    pub id: String,
    pub name: String,
    pub status: Status,
    pub provider_status: String,
    pub created: Option<String>,
    /// Decided by core from the transition rules; the UI offers exactly these.
    pub allowed_actions: Vec<Action>,
    pub demo: bool,
    /// For providers that do not report a state (Telnyx): the last action Subdesk recorded as
    /// done on this account, e.g. "suspended on 2026-11-24 14:02 UTC".
    pub recorded: Option<String>,
    /// An earlier action on this account has no known outcome: the sentence that says which
    /// and since when. Such a row offers no action, only *Check now*.
    pub in_doubt: Option<String>,
    /// Another desktop of the team was acting on this account when it was listed: the
    /// sentence that says who, on which desktop, and since when.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub held_elsewhere: Option<String>,
}

impl AccountRow {
    pub fn new(conn: &Connection, s: Subaccount) -> AccountRow {
        AccountRow {
            connection_id: conn.id,
            connection_label: conn.label.clone(),
            provider: conn.provider,
            allowed_actions: crate::model::allowed_actions(conn.provider, s.status, s.is_parent),
            id: s.id,
            name: s.name,
            status: s.status,
            provider_status: s.provider_status,
            created: s.created,
            demo: conn.demo,
            recorded: None,
            in_doubt: None,
            held_elsewhere: None,
        }
    }

    /// Marks the row in doubt because of `open`, an entry with no known outcome.
    pub fn in_doubt_by(mut self, conn: &Connection, open: &crate::history::HistoryEntry) -> Self {
        self.in_doubt = Some(crate::in_flight::in_doubt(conn, open).user_message());
        self.allowed_actions.clear();
        self
    }
}

/// Streamed while listing: one page of one connection, or that connection's end or failure.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum ListEvent {
    #[serde(rename_all = "camelCase")]
    Page {
        connection_id: Uuid,
        rows: Vec<AccountRow>,
    },
    #[serde(rename_all = "camelCase")]
    Done { connection_id: Uuid, total: u32 },
    #[serde(rename_all = "camelCase")]
    Failed { connection_id: Uuid, error: UiError },
}

/// A change to a saved connection: a new name, and optionally a new token (checked against the
/// provider before it replaces the old one in the keychain). The token is never sent back.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionEdit {
    pub label: String,
    /// Empty or absent: the token stays as it is.
    #[ts(optional, type = "string")]
    pub secret: Option<Secret>,
}

/// What the user typed in the Connections form. The secret arrives here once and is never sent
/// back.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewConnection {
    pub provider: Provider,
    pub label: String,
    /// The parent account's ID, in the provider's own form (Twilio `AC…`, Vobiz `MA_…`).
    pub account_id: String,
    #[ts(type = "string")]
    pub secret: Secret,
    /// Advanced: a full API base URL (https, or http only to this computer).
    #[ts(optional)]
    pub base_url: Option<String>,
    /// The provider's own fields, by their key in its description
    /// ([`crate::providers::catalog::FormField::key`]): Twilio's `apiKeySid`, `edge` and
    /// `region`, Telnyx's `includeCancelled`. Core checks each against that description; a key
    /// it does not declare is refused.
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub options: BTreeMap<String, String>,
}

impl NewConnection {
    /// The value of a connection-form field by its key in the provider description (see
    /// `providers::catalog::FormField::key`); `None` when the form left it out.
    pub fn field(&self, key: &str) -> Option<&str> {
        match key {
            "accountId" => Some(&self.account_id),
            "secret" => Some(self.secret.expose()),
            _ => self.options.get(key).map(String::as_str),
        }
    }

    /// A provider field's value, trimmed; `None` when absent or blank.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// The parent account the credentials opened, shown before the user saves a connection.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VerifiedParent {
    pub account_id: String,
    pub name: String,
    pub base_url: String,
    /// What these credentials cannot do here, in plain sentences (empty: nothing known).
    pub limitations: Vec<String>,
}

/// Everything the confirmation dialog shows before an action on one account.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActionPreview {
    pub row: AccountRow,
    pub action: Action,
    pub irreversible: bool,
    pub impact: Impact,
    /// For irreversible actions: what the user must type (the id's last characters).
    pub confirm_phrase: Option<String>,
    /// For irreversible actions: the single-use token the action must carry.
    pub confirm_token: Option<String>,
}

/// What the account detail shows: the account as just read, its last change, and what its
/// provider reports about its numbers and balance. Read-only.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountDetailView {
    pub row: AccountRow,
    /// ISO-8601 UTC, when the provider reports it.
    pub updated: Option<String>,
    pub detail: AccountDetail,
}

/// The outcome of one action, after the provider answered.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ActionResult {
    pub row: AccountRow,
    #[ts(type = "number")]
    pub history_id: i64,
    pub request_id: Option<String>,
}

/// A finished history export: where it went and how many entries it holds.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Exported {
    pub path: String,
    #[ts(type = "number")]
    pub count: u64,
}

/// A finished export of the accounts table: where it went, how many rows it holds, and how
/// many of the rows asked for were left out because Subdesk no longer lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountsExported {
    pub path: String,
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub left_out: u64,
}

/// The state of the app's own dependencies, shown at start-up.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatus {
    pub version: String,
    /// True while the demo workspace (simulator, sample tenants) is open.
    pub demo: bool,
    pub connections: Vec<Connection>,
    /// None when the keychain works; else a sentence saying what is missing.
    pub keychain_problem: Option<String>,
    /// None when the history database opened; else what happened to it.
    pub history_problem: Option<String>,
    /// None when the settings file was read; else where the unreadable one was moved.
    pub settings_problem: Option<String>,
    /// Actions whose outcome is still unknown (network down, not shown yet, connection removed).
    pub unreconciled: u32,
    /// Saved connections this version cannot use, one sentence each: kept in the settings
    /// file as written, never dropped by a save.
    pub unreadable_connections: Vec<String>,
}
