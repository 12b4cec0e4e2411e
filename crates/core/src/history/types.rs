//! History records and queries, as the UI sees them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

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

    pub fn parse(s: &str) -> Outcome {
        match s {
            "succeeded" => Outcome::Succeeded,
            "failed" => Outcome::Failed,
            "skipped" => Outcome::Skipped,
            "not_started" => Outcome::NotStarted,
            "unknown" => Outcome::Unknown,
            _ => Outcome::Pending,
        }
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
    pub connection_id: String,
    pub connection_label: String,
    pub provider: Provider,
    pub account_id: String,
    pub account_name: String,
    pub action: Action,
    pub status_before: Option<Status>,
    pub status_after: Option<Status>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    /// Groups the items of one bulk job.
    pub job_id: Option<String>,
    /// For deletions: the account's details as they were just before (JSON, secrets removed).
    pub snapshot: Option<String>,
    /// Set when start-up reconciliation completed this entry.
    pub reconciled: bool,
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
    #[ts(optional)]
    pub provider: Option<Provider>,
    #[ts(optional)]
    pub action: Option<Action>,
    #[ts(optional)]
    pub outcome: Option<Outcome>,
    /// Free text over account names and ids, connection labels, request ids and errors.
    #[ts(optional)]
    pub text: Option<String>,
}

/// A page of history, newest first. `before_id` of the next page is the last entry's id.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Total matching the filter.
    pub total: u32,
    pub has_more: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Json,
}
