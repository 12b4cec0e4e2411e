//! Bulk jobs as the UI sees them: the plan it sends, the preview it shows, the events it gets.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::api::AccountRow;
use crate::error::UiError;
use crate::history::Outcome;
use crate::model::{Action, Provider, Status};

/// One account the user selected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemRef {
    pub connection_id: Uuid,
    pub account_id: String,
}

/// Per connection, what a bulk action will do.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionCount {
    pub connection_id: Uuid,
    pub connection_label: String,
    pub provider: Provider,
    pub count: u32,
}

/// A selected account the action will not touch, and why.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SkippedItem {
    pub item: ItemRef,
    pub name: String,
    pub reason: String,
}

/// Shown before a bulk job starts.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkPreview {
    pub action: Action,
    pub irreversible: bool,
    pub runnable: Vec<AccountRow>,
    pub skipped: Vec<SkippedItem>,
    pub per_connection: Vec<ConnectionCount>,
    /// Phone numbers the job releases, summed over the runnable accounts (Twilio close).
    pub numbers_released: Option<u32>,
    /// What the action does, per provider involved, in plain sentences.
    pub consequences: Vec<String>,
    /// For irreversible actions: what the user must type, e.g. `CLOSE 37`.
    pub confirm_phrase: Option<String>,
    /// For irreversible actions: the single-use token the job must carry.
    pub confirm_token: Option<String>,
}

/// How one item of a job ended.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemResult {
    pub item: ItemRef,
    pub outcome: Outcome,
    pub status_after: Option<Status>,
    pub row: Option<AccountRow>,
    pub error: Option<UiError>,
    pub attempts: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobCounts {
    pub total: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub skipped: u32,
    pub not_started: u32,
    pub remaining: u32,
}

/// Streamed through a Tauri channel while a job runs. Each event is built once and sent at
/// once, so the size difference between variants costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum JobEvent {
    #[serde(rename_all = "camelCase")]
    Started { job_id: String, counts: JobCounts },
    #[serde(rename_all = "camelCase")]
    Item {
        result: ItemResult,
        counts: JobCounts,
        /// Estimated seconds left, from the pace so far.
        eta_secs: Option<u32>,
    },
    #[serde(rename_all = "camelCase")]
    Finished {
        job_id: String,
        counts: JobCounts,
        cancelled: bool,
        failures: Vec<ItemResult>,
    },
}
