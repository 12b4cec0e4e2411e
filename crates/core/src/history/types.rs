//! History records and queries, as the UI sees them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ErrorCode;
use crate::model::{Action, Provider, Status};

/// How an action ended. `Pending` is an intent whose outcome is not known yet (in flight, or
/// the app stopped before the answer and start-up could not reach the provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Outcome {
    Pending,
    Succeeded,
    Failed,
    Skipped,
    NotStarted,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::NotStarted => "not_started",
            Outcome::Unknown => "unknown",
        }
    }

    /// An outcome this version does not know (a newer Subdesk wrote it) reads as `Unknown`,
    /// never as a known one.
    pub fn parse(s: &str) -> Outcome {
        match s {
            "pending" => Outcome::Pending,
            "succeeded" => Outcome::Succeeded,
            "failed" => Outcome::Failed,
            "skipped" => Outcome::Skipped,
            "not_started" => Outcome::NotStarted,
            _ => Outcome::Unknown,
        }
    }
}

/// What an entry's `error_code` says: the stable code of the error that ended it, or one of the
/// history's own reasons. Stored and sent to the window as its string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryCode {
    /// The error that ended the action.
    Error(ErrorCode),
    /// Reconciliation could not check the action: its connection is no longer set up. Checked
    /// again once a connection with that id exists again.
    ConnectionMissing,
    /// Reconciliation found that the change did not take effect.
    NotApplied,
    /// Reconciliation read the account unchanged while the provider may still apply the
    /// change: checked again later.
    NotYetApplied,
    /// The user recorded what the provider's console showed.
    SettledByHand,
    /// The rules refuse the action for the account as listed: skipped without a call.
    NotAllowed,
    /// A code this version does not know (written by a newer Subdesk), kept as written.
    Unrecognised(String),
}

impl HistoryCode {
    pub fn as_str(&self) -> &str {
        match self {
            HistoryCode::Error(code) => code.as_str(),
            HistoryCode::ConnectionMissing => "connection_missing",
            HistoryCode::NotApplied => "not_applied",
            HistoryCode::NotYetApplied => "not_yet_applied",
            HistoryCode::SettledByHand => "settled_by_hand",
            HistoryCode::NotAllowed => "not_allowed",
            HistoryCode::Unrecognised(s) => s,
        }
    }

    pub fn parse(s: &str) -> HistoryCode {
        match s {
            "connection_missing" => HistoryCode::ConnectionMissing,
            "not_applied" => HistoryCode::NotApplied,
            "not_yet_applied" => HistoryCode::NotYetApplied,
            "settled_by_hand" => HistoryCode::SettledByHand,
            "not_allowed" => HistoryCode::NotAllowed,
            _ => ErrorCode::parse(s)
                .map_or_else(|| HistoryCode::Unrecognised(s.into()), HistoryCode::Error),
        }
    }
}

impl From<ErrorCode> for HistoryCode {
    fn from(code: ErrorCode) -> Self {
        HistoryCode::Error(code)
    }
}

impl Serialize for HistoryCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One action as recorded. Times are ISO-8601 UTC. No field ever holds a secret.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// The OS user who ran Subdesk.
    pub actor: String,
    /// The display name set in Settings when the action ran, shown beside the OS user.
    pub operator_name: Option<String>,
    /// The reason or ticket reference the user gave with the action or its bulk job.
    pub reason: Option<String>,
    pub connection_id: String,
    pub connection_label: String,
    /// `None` when the stored provider is one this version does not know (a newer Subdesk
    /// wrote it): shown as unknown, never as another provider.
    pub provider: Option<Provider>,
    pub account_id: String,
    pub account_name: String,
    /// `None` when the stored action is one this version does not know.
    pub action: Option<Action>,
    pub status_before: Option<Status>,
    pub status_after: Option<Status>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    #[ts(type = "string | null")]
    pub error_code: Option<HistoryCode>,
    pub error_message: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    /// Groups the items of one bulk job.
    pub job_id: Option<String>,
    /// For deletions: the account's details as they were just before (JSON, secrets removed).
    pub snapshot: Option<String>,
    /// Set when start-up reconciliation completed this entry.
    pub reconciled: bool,
    /// The desktop that wrote it, for an entry of a team's shared trail (absent in the local
    /// history: this desktop wrote all of its entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub desktop: Option<String>,
}

/// A history query. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct HistoryFilter {
    /// ISO-8601, inclusive.
    #[ts(optional)]
    pub from: Option<String>,
    /// ISO-8601, exclusive.
    #[ts(optional)]
    pub to: Option<String>,
    #[ts(optional)]
    pub connection_id: Option<String>,
    /// One account's own entries (exact id; with `connection_id`, that connection's account).
    #[ts(optional)]
    pub account_id: Option<String>,
    #[ts(optional)]
    pub provider: Option<Provider>,
    #[ts(optional)]
    pub action: Option<Action>,
    #[ts(optional)]
    pub outcome: Option<Outcome>,
    /// Free text over account names and ids, connection labels, request ids, errors, the
    /// operator (OS user or display name) and the reason.
    #[ts(optional)]
    pub text: Option<String>,
}

/// A page of history, newest first. A bulk job is never split between pages: every job a page
/// shows comes with all its entries (that match the filter), even those older than the page's
/// other entries. `next_before_id` is the next page's `before_id` (not the last entry's id,
/// which can be a job's oldest entry, far below the page's other entries).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Total matching the filter.
    pub total: u32,
    pub has_more: bool,
    /// Where the next page starts (its `before_id`); `None` when there is no next page.
    #[ts(type = "number | null")]
    pub next_before_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Json,
}
