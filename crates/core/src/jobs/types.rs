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
    /// Why, as a code: `invalid_transition` (the rules), `in_doubt` (an earlier action on it is
    /// not confirmed), `not_found` (not in the current list).
    pub code: crate::error::ErrorCode,
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
    /// Phone numbers the job releases, summed over the runnable accounts whose numbers could
    /// be read (Twilio close). `None`: not a close, or the API key may not read numbers.
    pub numbers_released: Option<u32>,
    /// Runnable accounts whose details (a close: their numbers) could not be read during the
    /// preview. Each is read again right before the job acts on it, and is left as it is if
    /// that read fails too (no copy, no irreversible change).
    pub unread: u32,
    /// What the action does, per provider involved, in plain sentences.
    pub consequences: Vec<String>,
    /// The same when the numbers are moved to the parent account first (Twilio's Close with
    /// "move its phone numbers" chosen): shown while the move is ticked. `None`: no provider
    /// of the job offers that move.
    pub consequences_if_moved: Option<Vec<String>>,
    /// For irreversible actions: what the user must type, e.g. `CLOSE 37`.
    pub confirm_phrase: Option<String>,
    /// For irreversible actions: the single-use token the job must carry.
    pub confirm_token: Option<String>,
}

/// Streamed through a Tauri channel while a bulk preview runs, before it returns the final
/// [`BulkPreview`] (with the numbers count and the confirmation token).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum PreviewEvent {
    /// The split, known from the last listing without a request: what will run, what will be
    /// skipped, per connection, and the consequences. No numbers and no token yet.
    Split { preview: BulkPreview },
    /// Accounts read so far of those an irreversible action will touch (throttled: the first,
    /// then at most one every 50 ms, and always the last, `done == total`).
    Counting { done: u32, total: u32 },
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
    /// Sent, but whether the provider made the change could not be confirmed: never offered
    /// for a retry; *Check now* settles them.
    pub not_confirmed: u32,
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
        /// Items that failed: nothing changed, and a retry is safe.
        failures: Vec<ItemResult>,
        /// Items whose outcome is not known: not to be retried.
        not_confirmed: Vec<ItemResult>,
    },
}
