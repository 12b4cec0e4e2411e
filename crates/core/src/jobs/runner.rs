//! Runs a bulk job: every item goes through [`crate::actions::ActionContext::perform`] with at
//! most `concurrency` requests in flight per connection. Cancel stops scheduling: items already
//! started finish, the rest are recorded as not started. Every item ends with exactly one
//! outcome, in the history and in the events.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::Semaphore;
use uuid::Uuid;

use super::types::{BulkPreview, ConnectionCount, ItemRef, ItemResult, JobCounts, JobEvent, SkippedItem};
use crate::api::AccountRow;
use crate::error::{Error, Result};
use crate::history::Outcome;
use crate::model::{allowed_actions, Action, Connection, Provider};
use crate::workspace::Workspace;

pub type JobSink = Arc<dyn Fn(JobEvent) + Send + Sync>;

/// The phrase to type before an irreversible bulk action, e.g. `CLOSE 37`.
pub fn bulk_phrase(action: Action, count: usize) -> String {
    format!("{} {count}", action.as_str().to_uppercase())
}

impl Workspace {
    /// Splits a selection into what will run and what will be skipped, from the last listing.
    /// For Twilio closes it also counts the phone numbers that will be released.
    pub async fn bulk_preview(&self, items: &[ItemRef], action: Action) -> Result<BulkPreview> {
        let (runnable, skipped) = self.split(items, action)?;
        let mut per: Vec<ConnectionCount> = Vec::new();
        for r in &runnable {
            match per.iter_mut().find(|c| c.connection_id == r.connection_id) {
                Some(c) => c.count += 1,
                None => per.push(ConnectionCount { connection_id: r.connection_id, connection_label: r.connection_label.clone(), provider: r.provider, count: 1 }),
            }
        }
        let numbers_released = if action == Action::Close {
            Some(self.count_numbers(&runnable).await?)
        } else {
            None
        };
        Ok(BulkPreview {
            action,
            irreversible: action.irreversible(),
            confirm_phrase: action.irreversible().then(|| bulk_phrase(action, runnable.len())),
            runnable,
            skipped,
            per_connection: per,
            numbers_released,
        })
    }

    fn split(&self, items: &[ItemRef], action: Action) -> Result<(Vec<AccountRow>, Vec<SkippedItem>)> {
        if items.is_empty() {
            return Err(Error::validation("items", "Select at least one account."));
        }
        let mut runnable = Vec::new();
        let mut skipped = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for item in items {
            if !seen.insert(item.clone()) {
                continue;
            }
            let conn = self.connection(item.connection_id)?;
            let Some(acc) = self.cached(conn.id, &item.account_id) else {
                skipped.push(SkippedItem { item: item.clone(), name: item.account_id.clone(), reason: "Not in the current list; refresh first.".into() });
                continue;
            };
            if allowed_actions(conn.provider, acc.status, acc.is_parent).contains(&action) {
                runnable.push(AccountRow::new(&conn, acc));
            } else {
                let reason = crate::model::check_transition(conn.provider, acc.status, acc.is_parent, action)
                    .err()
                    .map(|e| e.user_message())
                    .unwrap_or_default();
                skipped.push(SkippedItem { item: item.clone(), name: acc.name, reason });
            }
        }
        Ok((runnable, skipped))
    }

    async fn count_numbers(&self, rows: &[AccountRow]) -> Result<u32> {
        let mut set = tokio::task::JoinSet::new();
        let limit = Arc::new(Semaphore::new(self.settings().concurrency as usize));
        for r in rows.iter().filter(|r| r.provider == Provider::Twilio) {
            let conn = self.connection(r.connection_id)?;
            let api = self.api_for(&conn)?;
            let (id, limit) = (r.id.clone(), Arc::clone(&limit));
            set.spawn(async move {
                let _permit = limit.acquire_owned().await;
                api.impact(&id, Action::Close).await.map(|i| i.numbers_released.unwrap_or(0))
            });
        }
        let mut total = 0;
        while let Some(r) = set.join_next().await {
            total += r.map_err(|e| Error::storage(e.to_string()))??;
        }
        Ok(total)
    }

    /// Asks a running job to stop scheduling new items.
    pub fn cancel_job(&self, job_id: &str) -> bool {
        match self.jobs.lock().expect("poisoned").get(job_id) {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Runs a bulk action on `items` and returns the final counts. Progress goes to `sink`.
    pub async fn run_job(self: &Arc<Self>, items: Vec<ItemRef>, action: Action, confirmation: Option<&str>, sink: JobSink) -> Result<JobCounts> {
        let (runnable, _) = self.split(&items, action)?;
        if action.irreversible() {
            let expected = bulk_phrase(action, runnable.len());
            if !confirmation.is_some_and(|c| c.trim().eq_ignore_ascii_case(&expected)) {
                return Err(Error::ConfirmationMismatch { expected });
            }
        }
        let history = Arc::clone(self.history()?);
        let job_id = Uuid::new_v4().to_string();
        let cancel = Arc::new(AtomicBool::new(false));
        self.jobs.lock().expect("poisoned").insert(job_id.clone(), Arc::clone(&cancel));

        let mut unique = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for i in items {
            if seen.insert(i.clone()) {
                unique.push(i);
            }
        }
        let total = unique.len() as u32;
        let counts = Arc::new(Mutex::new(JobCounts { total, remaining: total, ..Default::default() }));
        let failures = Arc::new(Mutex::new(Vec::new()));
        sink(JobEvent::Started { job_id: job_id.clone(), counts: counts.lock().expect("poisoned").clone() });

        let concurrency = self.settings().concurrency.max(1) as usize;
        let mut gates: HashMap<Uuid, Arc<Semaphore>> = HashMap::new();
        let started = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for item in unique {
            let ws = Arc::clone(self);
            let conn: Connection = self.connection(item.connection_id)?;
            let gate = Arc::clone(gates.entry(conn.id).or_insert_with(|| Arc::new(Semaphore::new(concurrency))));
            let (history, cancel, counts, failures, sink, job_id) =
                (Arc::clone(&history), Arc::clone(&cancel), Arc::clone(&counts), Arc::clone(&failures), Arc::clone(&sink), job_id.clone());
            set.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let name = ws.cached(conn.id, &item.account_id).map(|a| a.name).unwrap_or_default();
                let result = match ws.api_for(&conn) {
                    Err(e) => failed_item(&item, e, 0),
                    Ok(api) => {
                        let ctx = ws.context(&conn, &api, &history, Some(&job_id));
                        if cancel.load(Ordering::SeqCst) {
                            let _ = ctx.record_not_started(&item.account_id, &name, action);
                            ItemResult { item: item.clone(), outcome: Outcome::NotStarted, status_after: None, row: None, error: Some(Error::Cancelled.to_ui()), attempts: 0 }
                        } else {
                            match ctx.perform(&item.account_id, &name, action).await {
                                Err(e) => failed_item(&item, e, 0),
                                Ok(p) => {
                                    if let Some(a) = &p.account {
                                        ws.remember(&conn, std::slice::from_ref(a));
                                    }
                                    let row = p.account.map(|a| AccountRow::new(&conn, a));
                                    ItemResult { item: item.clone(), outcome: p.outcome, status_after: row.as_ref().map(|r| r.status), row, error: p.error.map(|e| e.to_ui()), attempts: p.attempts }
                                }
                            }
                        }
                    }
                };
                let snapshot = {
                    let mut c = counts.lock().expect("poisoned");
                    match result.outcome {
                        Outcome::Succeeded => c.succeeded += 1,
                        Outcome::Skipped => c.skipped += 1,
                        Outcome::NotStarted => c.not_started += 1,
                        _ => c.failed += 1,
                    }
                    c.remaining -= 1;
                    c.clone()
                };
                if matches!(result.outcome, Outcome::Failed | Outcome::Unknown | Outcome::Pending) {
                    failures.lock().expect("poisoned").push(result.clone());
                }
                let done = snapshot.total - snapshot.remaining;
                let eta_secs = (done > 0 && snapshot.remaining > 0 && !cancel.load(Ordering::SeqCst))
                    .then(|| (started.elapsed().as_secs_f64() / done as f64 * snapshot.remaining as f64).ceil() as u32);
                sink(JobEvent::Item { result, counts: snapshot, eta_secs });
            });
        }
        while let Some(joined) = set.join_next().await {
            if let Err(e) = joined {
                tracing::error!(error = %e, "a job item task failed");
            }
        }
        self.jobs.lock().expect("poisoned").remove(&job_id);
        let final_counts = counts.lock().expect("poisoned").clone();
        let failures = std::mem::take(&mut *failures.lock().expect("poisoned"));
        sink(JobEvent::Finished { job_id, counts: final_counts.clone(), cancelled: cancel.load(Ordering::SeqCst), failures });
        Ok(final_counts)
    }
}

fn failed_item(item: &ItemRef, e: Error, attempts: u32) -> ItemResult {
    ItemResult { item: item.clone(), outcome: Outcome::Failed, status_after: None, row: None, error: Some(e.to_ui()), attempts }
}
