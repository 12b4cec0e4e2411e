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

use super::types::{
    BulkPreview, ConnectionCount, ItemRef, ItemResult, JobCounts, JobEvent, PreviewEvent,
    SkippedItem,
};
use crate::actions::intent;
use crate::api::AccountRow;
use crate::confirm::{Accounts, Confirmation};
use crate::error::{Error, Result, UiError};
use crate::history::Outcome;
use crate::history::{Completion, HistoryCode};
use crate::model::{allowed_actions, Action, Connection, Provider, Subaccount};
use crate::providers::catalog::Choices;
use crate::providers::ProviderApi;
use crate::workspace::Workspace;

pub type JobSink = Arc<dyn Fn(JobEvent) + Send + Sync>;

/// What a job holds for each connection: the connection, its adapter (or why there is none),
/// and the gate that bounds its requests in flight.
type PerConnection = (
    Connection,
    std::result::Result<Arc<dyn ProviderApi>, Error>,
    Arc<Semaphore>,
    Option<Arc<Fresh>>,
);

/// The phrase to type before an irreversible bulk action, e.g. `CLOSE 37`.
pub fn bulk_phrase(action: Action, count: usize) -> String {
    format!("{} {count}", action.as_str().to_uppercase())
}

/// What a bulk action does, from the description of each provider among the accounts it will
/// touch. The answers to its questions add their own sentences in the dialog, as the user
/// changes them (`ActionChoice::yes` / `no`, from the same description).
fn bulk_consequences(action: Action, rows: &[AccountRow]) -> Vec<String> {
    let mut providers: Vec<Provider> = rows.iter().map(|r| r.provider).collect();
    providers.sort();
    providers.dedup();
    let mut out: Vec<String> = Vec::new();
    for p in providers {
        let info = p.info();
        for line in info
            .action(action)
            .map(|a| a.consequences.clone())
            .unwrap_or_default()
        {
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

/// Bulk jobs of one workspace: their preview, their run and their cancel. The workspace keeps
/// the state they share with single actions (the last listing, the in-flight claims, the
/// confirmation tokens, the running jobs' cancel flags); this type holds the job logic.
pub struct BulkJobs {
    ws: Arc<Workspace>,
}

impl Workspace {
    /// The bulk jobs of this workspace.
    pub fn bulk(self: &Arc<Self>) -> BulkJobs {
        BulkJobs {
            ws: Arc::clone(self),
        }
    }
}

impl BulkJobs {
    /// Splits a selection into what will run and what will be skipped, from the last listing.
    /// For an irreversible action it also reads what each account loses (a Twilio close: its
    /// phone numbers), counts the numbers released, and issues the token the job must carry.
    pub async fn preview(&self, items: &[ItemRef], action: Action) -> Result<BulkPreview> {
        self.preview_with(items, action, None, Arc::new(|_| {}))
            .await
    }

    /// [`Self::preview`], streaming to `sink` first the split (so the dialog shows its lists at
    /// once), then how many accounts have been read. The reads go at each connection's own
    /// concurrency: every connection's adapter shares that connection's adaptive limit (the
    /// concurrency setting, halved on a 429), and nothing else bounds them, so two connections
    /// read side by side. `preview_id`: the id [`Self::cancel_preview`] stops it by; a stopped
    /// preview drops its requests in flight, sends no other and returns [`Error::Cancelled`].
    pub async fn preview_with(
        &self,
        items: &[ItemRef],
        action: Action,
        preview_id: Option<&str>,
        sink: PreviewSink,
    ) -> Result<BulkPreview> {
        let registered = preview_id.map(|id| Registered::new(&self.ws, id));
        let mut cancel = registered.as_ref().map(|r| r.cancel.clone());
        if cancel.as_ref().is_some_and(|c| *c.borrow()) {
            return Err(Error::Cancelled);
        }
        let (runnable, skipped) = self.split(items, action)?;
        let mut per: Vec<ConnectionCount> = Vec::new();
        for r in &runnable {
            match per.iter_mut().find(|c| c.connection_id == r.connection_id) {
                Some(c) => c.count += 1,
                None => per.push(ConnectionCount {
                    connection_id: r.connection_id,
                    connection_label: r.connection_label.clone(),
                    provider: r.provider,
                    count: 1,
                }),
            }
        }
        let mut preview = BulkPreview {
            action,
            irreversible: action.irreversible(),
            confirm_phrase: action
                .irreversible()
                .then(|| bulk_phrase(action, runnable.len())),
            consequences: bulk_consequences(action, &runnable),
            runnable,
            skipped,
            per_connection: per,
            numbers_released: None,
            unread: 0,
            confirm_token: None,
        };
        sink(PreviewEvent::Split {
            preview: preview.clone(),
        });
        if action.irreversible() {
            let read = self
                .snapshots(&preview.runnable, cancel.as_mut(), &sink)
                .await?;
            preview.numbers_released = (action == Action::Close)
                .then(|| count_numbers(read.snapshots.values()))
                .flatten();
            preview.unread = read.unread;
            preview.confirm_token = Some(self.ws.tokens.issue(
                action,
                accounts_of(&preview.runnable),
                read.snapshots,
            ));
        }
        Ok(preview)
    }

    /// Stops the preview started with `preview_id`: its requests in flight are dropped and no
    /// other is sent. A stop that arrives before its preview started (the two commands may
    /// overtake each other) stops that preview as it starts.
    pub fn cancel_preview(&self, preview_id: &str) {
        let mut previews = self.ws.previews.lock().expect("poisoned");
        match previews.get(preview_id) {
            Some(tx) => {
                tx.send_replace(true);
            }
            None => {
                previews.insert(preview_id.to_string(), tokio::sync::watch::channel(true).0);
            }
        }
    }

    fn split(
        &self,
        items: &[ItemRef],
        action: Action,
    ) -> Result<(Vec<AccountRow>, Vec<SkippedItem>)> {
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
            let conn = self.ws.connection(item.connection_id)?;
            let Some(acc) = self.ws.cached(conn.id, &item.account_id) else {
                skipped.push(SkippedItem {
                    item: item.clone(),
                    name: item.account_id.clone(),
                    reason: "Not in the current list; refresh first.".into(),
                });
                continue;
            };
            if allowed_actions(conn.provider, acc.status, acc.is_parent).contains(&action) {
                runnable.push(AccountRow::new(&conn, acc));
            } else {
                let reason = crate::model::check_transition(
                    conn.provider,
                    acc.status,
                    acc.is_parent,
                    action,
                )
                .err()
                .map(|e| e.user_message())
                .unwrap_or_default();
                skipped.push(SkippedItem {
                    item: item.clone(),
                    name: acc.name,
                    reason,
                });
            }
        }
        Ok((runnable, skipped))
    }

    /// Each account's snapshot (what an irreversible action destroys), read at each
    /// connection's concurrency (its adapter's adaptive limit), with the progress to `sink`.
    ///
    /// An account whose snapshot cannot be read is counted in [`Read::unread`] and does not
    /// fail the preview: refusing the whole selection for one flaky read would only make the
    /// user start again, and it is safe to go on, because the job reads the snapshot of an
    /// account it has none for right before acting on it, and leaves the account untouched if
    /// that read fails too (no copy, no irreversible change; see `ActionContext::perform_on`).
    /// The dialog says how many could not be read and what that means.
    async fn snapshots(
        &self,
        rows: &[AccountRow],
        mut cancel: Option<&mut tokio::sync::watch::Receiver<bool>>,
        sink: &PreviewSink,
    ) -> Result<Read> {
        let mut set = tokio::task::JoinSet::new();
        let mut apis: HashMap<Uuid, Arc<dyn ProviderApi>> = HashMap::new();
        for r in rows {
            let api = match apis.get(&r.connection_id) {
                Some(api) => Arc::clone(api),
                None => {
                    let api = self
                        .ws
                        .api_for(&self.ws.connection(r.connection_id)?)
                        .await?;
                    apis.insert(r.connection_id, Arc::clone(&api));
                    api
                }
            };
            // The account as the last listing showed it (what `split` judged runnable).
            let Some(account) = self.ws.cached(r.connection_id, &r.id) else {
                continue;
            };
            let key = (r.connection_id, r.id.clone());
            set.spawn(async move { (key, api.snapshot(&account).await) });
        }
        let mut progress = Progress::new(set.len() as u32, Arc::clone(sink));
        let mut out = Read {
            snapshots: HashMap::new(),
            unread: 0,
        };
        let mut done = 0;
        progress.report(done);
        loop {
            let joined = tokio::select! {
                joined = set.join_next() => joined,
                () = stopped(cancel.as_deref_mut()) => {
                    // Dropping the tasks drops their requests; none is sent after this.
                    set.abort_all();
                    return Err(Error::Cancelled);
                }
            };
            let Some(joined) = joined else { break };
            done += 1;
            match joined {
                Ok((key, Ok(Some(snap)))) => {
                    out.snapshots.insert(key, snap);
                }
                Ok((_, Ok(None))) => {}
                Ok((key, Err(e))) => {
                    tracing::warn!(account = %key.1, error = %e, "bulk preview: could not read an account's details");
                    out.unread += 1;
                }
                Err(e) => {
                    tracing::error!(error = %e, "a bulk preview read failed");
                    out.unread += 1;
                }
            }
            progress.report(done);
        }
        Ok(out)
    }

    /// A connection's accounts as the provider lists them right now, for a job that acts on
    /// many of them: a few list pages instead of one re-read per account.
    async fn fresh_listing(&self, api: &Arc<dyn ProviderApi>) -> Option<Fresh> {
        let mut rows = HashMap::new();
        let mut sink = |page: Vec<Subaccount>| {
            rows.extend(page.into_iter().map(|a| (a.id.clone(), a)));
        };
        match api.list(&mut sink).await {
            Ok(_) => Some(Fresh {
                rows,
                at: Instant::now(),
            }),
            Err(e) => {
                // Each item then re-reads its own account before acting.
                tracing::warn!(error = %e, "listing before the job failed; re-reading per account");
                None
            }
        }
    }

    /// Asks a running job to stop scheduling new items.
    pub fn cancel(&self, job_id: &str) -> bool {
        match self.ws.jobs.lock().expect("poisoned").get(job_id) {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Runs a bulk action on `items` and returns the final counts. Progress goes to `sink`.
    /// Items the rules do not allow are recorded as skipped without any call; the others run.
    pub async fn run(
        &self,
        items: Vec<ItemRef>,
        action: Action,
        confirmation: Option<&Confirmation>,
        sink: JobSink,
    ) -> Result<JobCounts> {
        self.run_with(items, action, confirmation, &Choices::new(), None, sink)
            .await
    }

    /// [`Self::run`] with the user's answers to the action's questions; each connection's
    /// accounts get the answers to the questions its provider asks (defaults for the rest).
    /// `reason`: the user's reason or ticket reference, kept with every entry of the job
    /// (checked first: one that is too long refuses the job before anything is sent).
    pub async fn run_with(
        &self,
        items: Vec<ItemRef>,
        action: Action,
        confirmation: Option<&Confirmation>,
        choices: &Choices,
        reason: Option<&str>,
        sink: JobSink,
    ) -> Result<JobCounts> {
        let by = Arc::new(self.ws.attribution(reason)?);
        let (runnable, skipped) = self.split(&items, action)?;
        let snapshots = if action.irreversible() {
            let expected = bulk_phrase(action, runnable.len());
            if !confirmation.is_some_and(|c| c.typed.trim().eq_ignore_ascii_case(&expected)) {
                return Err(Error::ConfirmationMismatch { expected });
            }
            self.ws.tokens.redeem(
                confirmation.map(|c| c.token.as_str()),
                action,
                &accounts_of(&runnable),
            )?
        } else {
            HashMap::new()
        };
        let snapshots = Arc::new(snapshots);
        let history = Arc::clone(self.ws.history()?);
        let job_id = Uuid::new_v4().to_string();
        let cancel = Arc::new(AtomicBool::new(false));
        self.ws
            .jobs
            .lock()
            .expect("poisoned")
            .insert(job_id.clone(), Arc::clone(&cancel));

        let total = (runnable.len() + skipped.len()) as u32;
        let tally = Arc::new(Tally {
            counts: Mutex::new(JobCounts {
                total,
                remaining: total,
                ..Default::default()
            }),
            failures: Mutex::new(Vec::new()),
            started: Instant::now(),
        });
        sink(JobEvent::Started {
            job_id: job_id.clone(),
            counts: tally.snapshot(),
        });

        for s in &skipped {
            let conn = self.ws.connection(s.item.connection_id)?;
            let mut c = Completion::outcome(Outcome::Skipped);
            c.error_code = Some(HistoryCode::NotAllowed);
            c.error_message = Some(s.reason.clone());
            history.record(
                &intent(
                    &conn,
                    &by,
                    &s.item.account_id,
                    &s.name,
                    action,
                    None,
                    Some(&job_id),
                ),
                &c,
            )?;
            let error = Some(UiError {
                code: crate::ErrorCode::InvalidTransition,
                message: s.reason.clone(),
                retryable: false,
            });
            let result = ItemResult {
                item: s.item.clone(),
                outcome: Outcome::Skipped,
                status_after: None,
                row: None,
                error,
                attempts: 0,
            };
            tally.finish(result, &cancel, &sink);
        }

        // One adapter per connection for the whole job: one keychain read, one in-flight limit,
        // and (for many accounts) one fresh listing right before the job instead of one
        // re-read per account. The providers refuse a change of a closed or deleted account
        // themselves, so a listing a few seconds old is safe; an item that starts later than
        // FRESH_FOR after it re-reads its own account.
        let concurrency = self.ws.settings().concurrency.max(1) as usize;
        let mut per_conn: HashMap<Uuid, usize> = HashMap::new();
        for row in &runnable {
            *per_conn.entry(row.connection_id).or_default() += 1;
        }
        let mut apis: HashMap<Uuid, PerConnection> = HashMap::new();
        let mut set = tokio::task::JoinSet::new();
        for row in runnable {
            if !apis.contains_key(&row.connection_id) {
                let conn = self.ws.connection(row.connection_id)?;
                let api = self.ws.api_for(&conn).await;
                let fresh = match &api {
                    Ok(api) if per_conn[&conn.id] >= LIST_WHEN_AT_LEAST => {
                        self.fresh_listing(api).await.map(Arc::new)
                    }
                    _ => None,
                };
                apis.insert(
                    conn.id,
                    (conn, api, Arc::new(Semaphore::new(concurrency)), fresh),
                );
            }
            let (conn, api, gate, fresh) = apis.get(&row.connection_id).expect("inserted above");
            let (conn, api, gate, fresh) =
                (conn.clone(), api.clone(), Arc::clone(gate), fresh.clone());
            let asked = conn.provider.info().choices_for(action, choices);
            let (ws, history, cancel, tally, sink, job_id, snapshots, by) = (
                Arc::clone(&self.ws),
                Arc::clone(&history),
                Arc::clone(&cancel),
                Arc::clone(&tally),
                Arc::clone(&sink),
                job_id.clone(),
                Arc::clone(&snapshots),
                Arc::clone(&by),
            );
            set.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let item = ItemRef {
                    connection_id: conn.id,
                    account_id: row.id.clone(),
                };
                let unsent = |outcome: Outcome, e: Error| {
                    let c = Completion::outcome(outcome).with_error(&e);
                    let _ = history.record(
                        &intent(
                            &conn,
                            &by,
                            &row.id,
                            &row.name,
                            action,
                            Some(row.status),
                            Some(&job_id),
                        ),
                        &c,
                    );
                    ItemResult {
                        item: item.clone(),
                        outcome,
                        status_after: None,
                        row: None,
                        error: Some(e.to_ui()),
                        attempts: 0,
                    }
                };
                let claim = ws.claim(conn.id, &row.id);
                let listed = fresh
                    .as_deref()
                    .filter(|f| f.at.elapsed() < FRESH_FOR)
                    .map(|f| f.rows.get(&row.id));
                let result = match api {
                    _ if cancel.load(Ordering::SeqCst) => {
                        unsent(Outcome::NotStarted, Error::Cancelled)
                    }
                    _ if claim.is_err() => unsent(Outcome::Skipped, claim.err().expect("checked")),
                    Err(e) => unsent(Outcome::Failed, e),
                    // Listed just now, and not there any more: deleted, or closed and purged.
                    Ok(_) if listed == Some(None) => unsent(Outcome::Skipped, gone(&row)),
                    Ok(api) => {
                        let ctx = ws.context(
                            &conn,
                            &api,
                            &history,
                            &by,
                            Some((&job_id, &cancel)),
                            &asked,
                        );
                        let snapshot = snapshots.get(&(conn.id, row.id.clone())).cloned();
                        let performed = match listed.flatten() {
                            Some(now) => {
                                ctx.perform_on(now.clone(), &row.name, action, snapshot)
                                    .await
                            }
                            None => ctx.perform(&row.id, &row.name, action).await,
                        };
                        match performed {
                            // Only a history write can fail here; the item is reported, not lost.
                            Err(e) => ItemResult {
                                item: item.clone(),
                                outcome: Outcome::Failed,
                                status_after: None,
                                row: None,
                                error: Some(e.to_ui()),
                                attempts: 0,
                            },
                            Ok(p) => {
                                if let Some(a) = &p.account {
                                    ws.remember(&conn, std::slice::from_ref(a));
                                }
                                let row = p.account.map(|a| AccountRow::new(&conn, a));
                                ItemResult {
                                    item,
                                    outcome: p.outcome,
                                    status_after: row.as_ref().map(|r| r.status),
                                    row,
                                    error: p.error.map(|e| e.to_ui()),
                                    attempts: p.attempts,
                                }
                            }
                        }
                    }
                };
                tally.finish(result, &cancel, &sink);
            });
        }
        while let Some(joined) = set.join_next().await {
            if let Err(e) = joined {
                tracing::error!(error = %e, "a job item task failed");
            }
        }
        self.ws.jobs.lock().expect("poisoned").remove(&job_id);
        let final_counts = tally.snapshot();
        let failures = std::mem::take(&mut *tally.failures.lock().expect("poisoned"));
        sink(JobEvent::Finished {
            job_id,
            counts: final_counts.clone(),
            cancelled: cancel.load(Ordering::SeqCst),
            failures,
        });
        Ok(final_counts)
    }
}

pub type PreviewSink = Arc<dyn Fn(PreviewEvent) + Send + Sync>;

/// What a preview read: the snapshots, and how many accounts could not be read.
struct Read {
    snapshots: HashMap<(Uuid, String), String>,
    unread: u32,
}

/// A preview's entry in the workspace, for its cancel; removed when the preview ends.
struct Registered {
    ws: Arc<Workspace>,
    id: String,
    cancel: tokio::sync::watch::Receiver<bool>,
}

impl Registered {
    fn new(ws: &Arc<Workspace>, id: &str) -> Registered {
        let cancel = ws
            .previews
            .lock()
            .expect("poisoned")
            .entry(id.to_string())
            .or_insert_with(|| tokio::sync::watch::channel(false).0)
            .subscribe();
        Registered {
            ws: Arc::clone(ws),
            id: id.to_string(),
            cancel,
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut previews) = self.ws.previews.lock() {
            previews.remove(&self.id);
        }
    }
}

/// Resolves when the preview is stopped; never without a cancel.
async fn stopped(cancel: Option<&mut tokio::sync::watch::Receiver<bool>>) {
    if let Some(rx) = cancel {
        if rx.wait_for(|stop| *stop).await.is_ok() {
            return;
        }
    }
    std::future::pending().await
}

/// The least time between two "counting" events: a thousand accounts read in a second make
/// twenty events, not a thousand.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// Throttled "counting" events: the first, then at most one per [`PROGRESS_EVERY`], and
/// always the last.
struct Progress {
    total: u32,
    last: Option<Instant>,
    sink: PreviewSink,
}

impl Progress {
    fn new(total: u32, sink: PreviewSink) -> Progress {
        Progress {
            total,
            last: None,
            sink,
        }
    }

    fn report(&mut self, done: u32) {
        if done == self.total || self.last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
            self.last = Some(Instant::now());
            (self.sink)(PreviewEvent::Counting {
                done,
                total: self.total,
            });
        }
    }
}

/// Below this many accounts of one connection, each re-reads itself; from it on, the job
/// lists the connection once (at most a few pages) before it starts.
const LIST_WHEN_AT_LEAST: usize = 10;

/// How long a listing taken before the job counts as the accounts' current state.
const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// A connection's accounts as listed right before the job.
struct Fresh {
    rows: HashMap<String, Subaccount>,
    at: Instant,
}

fn accounts_of(rows: &[AccountRow]) -> Accounts {
    rows.iter()
        .map(|r| (r.connection_id, r.id.clone()))
        .collect()
}

/// Phone numbers listed in the snapshots (see `ProviderApi::snapshot`); `None` when some
/// could not be read (an API key that may not read them).
fn count_numbers<'a>(snapshots: impl Iterator<Item = &'a String>) -> Option<u32> {
    let mut total = 0u32;
    for s in snapshots {
        let v: serde_json::Value = serde_json::from_str(s).ok()?;
        match v.get("numbers") {
            Some(serde_json::Value::Array(a)) => total += a.len() as u32,
            Some(_) => return None,
            None => {}
        }
    }
    Some(total)
}

/// The account is no longer in the provider's list: deleted, or closed and then purged.
fn gone(row: &AccountRow) -> Error {
    Error::NotFound {
        what: format!("{} ({})", row.name, row.id),
    }
}

/// The running counts of a job, and its failures for the summary.
struct Tally {
    counts: Mutex<JobCounts>,
    failures: Mutex<Vec<ItemResult>>,
    started: Instant,
}

impl Tally {
    fn snapshot(&self) -> JobCounts {
        self.counts.lock().expect("poisoned").clone()
    }

    /// Counts one finished item and reports it with the new counts and an estimate of the rest.
    fn finish(&self, result: ItemResult, cancel: &AtomicBool, sink: &JobSink) {
        let counts = {
            let mut c = self.counts.lock().expect("poisoned");
            match result.outcome {
                Outcome::Succeeded => c.succeeded += 1,
                Outcome::Skipped => c.skipped += 1,
                Outcome::NotStarted => c.not_started += 1,
                // Failed, and Unknown (the provider's answer was lost and could not be
                // re-read): both need the user's attention.
                _ => c.failed += 1,
            }
            c.remaining -= 1;
            c.clone()
        };
        if matches!(
            result.outcome,
            Outcome::Failed | Outcome::Unknown | Outcome::Pending
        ) {
            self.failures.lock().expect("poisoned").push(result.clone());
        }
        let done = counts.total - counts.remaining;
        let eta_secs =
            (done > 0 && counts.remaining > 0 && !cancel.load(Ordering::SeqCst)).then(|| {
                (self.started.elapsed().as_secs_f64() / done as f64 * counts.remaining as f64)
                    .ceil() as u32
            });
        sink(JobEvent::Item {
            result,
            counts,
            eta_secs,
        });
    }
}
