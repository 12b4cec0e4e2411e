//! Writing entries: an intent before the provider call, its completion once after.

use rusqlite::params;

use super::open::History;
use super::types::{HistoryCode, Outcome};
use crate::error::{Error, Result};
use crate::model::{Action, Provider, Status};

/// What is known before the provider call.
#[derive(Debug, Clone)]
pub struct Intent {
    /// The OS user.
    pub actor: String,
    /// The display name from Settings at the time, when one is set.
    pub operator_name: Option<String>,
    /// Checked by [`crate::attribution::checked_reason`] before it gets here.
    pub reason: Option<String>,
    pub connection_id: String,
    pub connection_label: String,
    pub provider: Provider,
    pub account_id: String,
    pub account_name: String,
    pub action: Action,
    pub status_before: Option<Status>,
    pub job_id: Option<String>,
    pub snapshot: Option<String>,
}

/// What is known after it.
#[derive(Debug, Clone)]
pub struct Completion {
    pub outcome: Outcome,
    pub status_after: Option<Status>,
    pub request_id: Option<String>,
    pub error_code: Option<HistoryCode>,
    pub error_message: Option<String>,
    pub duration_ms: Option<i64>,
    pub reconciled: bool,
}

impl Completion {
    pub fn outcome(outcome: Outcome) -> Completion {
        Completion {
            outcome,
            status_after: None,
            request_id: None,
            error_code: None,
            error_message: None,
            duration_ms: None,
            reconciled: false,
        }
    }

    pub fn with_error(mut self, e: &Error) -> Completion {
        self.error_code = Some(e.code().into());
        self.error_message = Some(e.user_message());
        self
    }
}

/// The longest account name the history keeps, in characters; a longer one (a hostile or
/// broken name from a provider) is cut there and ends with "…".
pub const MAX_NAME_CHARS: usize = 200;
/// The longest error message the history keeps, in characters (a provider's message is part
/// of it).
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// `s` cut to `max` characters, marked with "…" when cut.
pub fn capped(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some((end, _)) => {
            let keep = s[..end].char_indices().last().map_or(0, |(i, _)| i);
            std::borrow::Cow::Owned(format!("{}…", &s[..keep]))
        }
    }
}

pub fn now_iso() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A stored time for a sentence: "2026-11-24 14:02 UTC" (the stored text when it is not one
/// of ours).
pub fn display_time(iso: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(iso) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => iso.to_string(),
    }
}

impl History {
    /// Writes the intent; durable when this returns.
    pub fn begin(&self, i: &Intent) -> Result<i64> {
        self.insert(i, &Completion::outcome(Outcome::Pending))
    }

    /// Records an item that ends without a provider call (skipped, not started), in one write:
    /// a crash can never leave it looking like an open intent.
    pub fn record(&self, i: &Intent, c: &Completion) -> Result<i64> {
        self.insert(i, c)
    }

    fn insert(&self, i: &Intent, c: &Completion) -> Result<i64> {
        let conn = self.lock();
        let now = now_iso();
        let finished = !matches!(c.outcome, Outcome::Pending | Outcome::Unknown);
        conn.execute(
            "INSERT INTO actions (started_at, finished_at, actor, connection_id, connection_label, provider,
                account_id, account_name, action, status_before, job_id, snapshot,
                outcome, status_after, request_id, error_code, error_message, duration_ms, reconciled,
                operator_name, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            params![
                now,
                finished.then_some(&now),
                i.actor,
                i.connection_id,
                i.connection_label,
                i.provider.as_str(),
                i.account_id,
                capped(&i.account_name, MAX_NAME_CHARS),
                i.action.as_str(),
                i.status_before.map(Status::as_str),
                i.job_id,
                i.snapshot,
                c.outcome.as_str(),
                c.status_after.map(Status::as_str),
                c.request_id,
                c.error_code.as_ref().map(HistoryCode::as_str),
                c.error_message.as_deref().map(|m| capped(m, MAX_MESSAGE_CHARS)),
                c.duration_ms,
                c.reconciled,
                i.operator_name,
                i.reason,
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    pub fn complete(&self, id: i64, c: &Completion) -> Result<()> {
        let conn = self.lock();
        let n = conn.execute(
            "UPDATE actions SET finished_at = ?2, outcome = ?3, status_after = ?4, request_id = COALESCE(?5, request_id),
                error_code = ?6, error_message = ?7, duration_ms = COALESCE(?8, duration_ms), reconciled = ?9
             WHERE id = ?1",
            params![
                id,
                (c.outcome != Outcome::Unknown).then(now_iso),
                c.outcome.as_str(),
                c.status_after.map(Status::as_str),
                c.request_id,
                c.error_code.as_ref().map(HistoryCode::as_str),
                c.error_message.as_deref().map(|m| capped(m, MAX_MESSAGE_CHARS)),
                c.duration_ms,
                c.reconciled,
            ],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::storage(format!("history entry {id} does not exist")))
        }
    }
}
