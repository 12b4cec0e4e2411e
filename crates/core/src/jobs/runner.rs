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
use crate::action_env::ActionEnv;
use crate::actions::intent;
use crate::api::AccountRow;
use crate::attribution::Attribution;
use crate::confirm::{Accounts, Confirmation};
use crate::connections::Connections;
use crate::error::{Error, ErrorCode, Result, UiError};
use crate::history::{Completion, History, HistoryCode, Intent, Outcome};
use crate::listing::Listing;
use crate::model::{check_transition, Action, Connection, Provider, Status, Subaccount};
use crate::providers::catalog::Choices;
use crate::providers::ProviderApi;

pub type JobSink = Arc<dyn Fn(JobEvent) + Send + Sync>;

/// What a job holds for each connection: the connection, its adapter (or why there is none),
/// the gate that bounds its requests in flight, and the listing taken right before the job.
#[derive(Clone)]
struct PerConnection {
    conn: Connection,
    api: std::result::Result<Arc<dyn ProviderApi>, Error>,
    gate: Arc<Semaphore>,
    fresh: Option<Arc<Fresh>>,
}

/// The phrase to type before an irreversible bulk action, e.g. `CLOSE 37`.
pub fn bulk_phrase(action: Action, count: usize) -> String {
    format!("{} {count}", action.as_str().to_uppercase())
}

/// What a bulk action does, from the description of each provider among the accounts it will
/// touch. The answers to its questions add their own sentences in the dialog, as the user
/// changes them (`ActionChoice::yes` / `no`, from the same description).
fn bulk_consequences(action: Action, rows: &[AccountRow], moved: bool) -> Vec<String> {
    let mut providers: Vec<Provider> = rows.iter().map(|r| r.provider).collect();
    providers.sort();
    providers.dedup();
    let mut out: Vec<String> = Vec::new();
    for p in providers {
        let info = p.info();
        let lines = info
            .action(action)
            .map(|a| match moved && !a.consequences_if_moved.is_empty() {
                true => a.consequences_if_moved.clone(),
                false => a.consequences.clone(),
            })
            .unwrap_or_default();
        for line in lines {
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

/// [`bulk_consequences`] with the numbers moved first, when a provider of `rows` offers that
/// move for `action` (Twilio's Close); `None` otherwise.
fn bulk_consequences_if_moved(action: Action, rows: &[AccountRow]) -> Option<Vec<String>> {
    rows.iter()
        .any(|r| {
            r.provider
                .info()
                .action(action)
                .is_some_and(|a| !a.consequences_if_moved.is_empty())
        })
        .then(|| bulk_consequences(action, rows, true))
}

/// Bulk jobs of one workspace: their preview, their run and their cancel. They share with
/// single actions the connections, the last listing and the action environment (the in-flight
/// claims, the confirmation tokens, the cancel flags); this type holds the job logic.
#[derive(Clone)]
pub struct BulkJobs {
    connections: Arc<Connections>,
    listing: Arc<Listing>,
    env: Arc<ActionEnv>,
}

impl BulkJobs {
    pub(crate) fn new(
        connections: Arc<Connections>,
        listing: Arc<Listing>,
        env: Arc<ActionEnv>,
    ) -> BulkJobs {
        BulkJobs {
            connections,
            listing,
            env,
        }
    }

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
        let registered = preview_id.map(|id| Registered::new(&self.env, id));
        let mut cancel = registered.as_ref().map(|r| r.cancel.clone());
        if cancel.as_ref().is_some_and(|c| *c.borrow()) {
            return Err(Error::Cancelled);
        }
        let (runnable, skipped) = self.split(items, action).await?;
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
            consequences: bulk_consequences(action, &runnable, false),
            consequences_if_moved: bulk_consequences_if_moved(action, &runnable),
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
            preview.confirm_token = Some(self.env.in_flight.tokens().issue(
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
        self.env.in_flight.cancels().cancel_preview(preview_id)
    }

    /// What will run and what will be skipped, from the last listing: an account not listed,
    /// one whose earlier action is not confirmed (in doubt), one the rules refuse. Refuses a
    /// selection that mixes demo and real accounts.
    async fn split(
        &self,
        items: &[ItemRef],
        action: Action,
    ) -> Result<(Vec<AccountRow>, Vec<SkippedItem>)> {
        if items.is_empty() {
            return Err(Error::validation("items", "Select at least one account."));
        }
        let mut conns: HashMap<Uuid, Connection> = HashMap::new();
        for item in items {
            if !conns.contains_key(&item.connection_id) {
                let conn = self.connections.get(item.connection_id)?;
                conns.insert(conn.id, conn);
            }
        }
        refuse_mixed(conns.values())?;
        let all: Vec<Connection> = conns.values().cloned().collect();
        let open = self.env.in_flight.open_entries(&all).await?;
        let mut runnable = Vec::new();
        let mut skipped = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for item in items {
            if !seen.insert(item.clone()) {
                continue;
            }
            let conn = &conns[&item.connection_id];
            let skip = |name: String, e: Error| SkippedItem {
                item: item.clone(),
                name,
                reason: e.user_message(),
                code: e.code(),
            };
            let Some(acc) = self.listing.cached(conn.id, &item.account_id) else {
                skipped.push(SkippedItem {
                    item: item.clone(),
                    name: item.account_id.clone(),
                    reason: "Not in the current list; refresh first.".into(),
                    code: ErrorCode::NotFound,
                });
                continue;
            };
            let key = (conn.id.to_string(), acc.id.clone());
            if let Some(entry) = open.get(&key) {
                skipped.push(skip(acc.name, crate::in_flight::in_doubt(conn, entry)));
                continue;
            }
            match check_transition(conn.provider, acc.status, acc.is_parent, action) {
                Ok(()) => runnable.push(AccountRow::new(conn, acc)),
                Err(e) => skipped.push(skip(acc.name, e)),
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
                    let conn = self.connections.get(r.connection_id)?;
                    let api = self.connections.api_for(&conn).await?;
                    apis.insert(r.connection_id, Arc::clone(&api));
                    api
                }
            };
            // The account as the last listing showed it (what `split` judged runnable).
            let Some(account) = self.listing.cached(r.connection_id, &r.id) else {
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
        self.env.in_flight.cancels().cancel_job(job_id)
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
        let by = Arc::new(self.env.attribution(reason)?);
        let (runnable, skipped) = self.split(&items, action).await?;
        let snapshots = Arc::new(self.redeem(action, &runnable, confirmation)?);
        let history = Arc::clone(self.env.history()?);
        // Every connection resolved before the first write: a connection removed while the
        // job runs can no longer stop it half-way, with writes in flight.
        let conns = self.resolve(&runnable, &skipped).await;
        let job = Arc::new(Job {
            id: Uuid::new_v4().to_string(),
            cancel: Arc::new(AtomicBool::new(false)),
            tally: Tally::new((runnable.len() + skipped.len()) as u32),
            sink,
            by,
            history,
            action,
        });
        self.env
            .in_flight
            .cancels()
            .job_started(&job.id, Arc::clone(&job.cancel));
        (job.sink)(JobEvent::Started {
            job_id: job.id.clone(),
            counts: job.tally.snapshot(),
        });
        for s in &skipped {
            job.record_skipped(&conns[&s.item.connection_id].conn, s)?;
        }
        let mut set = tokio::task::JoinSet::new();
        for row in runnable {
            let per = conns[&row.connection_id].clone();
            let asked = per.conn.provider.info().choices_for(action, choices);
            let snapshot = snapshots.get(&(per.conn.id, row.id.clone())).cloned();
            let (jobs, job) = (self.clone(), Arc::clone(&job));
            set.spawn(async move {
                let _permit = Arc::clone(&per.gate).acquire_owned().await;
                let result = job.run_item(&jobs, &per, &row, &asked, snapshot).await;
                job.tally.finish(result, &job.cancel, &job.sink);
            });
        }
        while let Some(joined) = set.join_next().await {
            if let Err(e) = joined {
                tracing::error!(error = %e, "a job item task failed");
            }
        }
        self.env.in_flight.cancels().job_ended(&job.id);
        Ok(job.finish())
    }

    /// Checks the typed phrase and redeems the preview's token; returns the snapshots the
    /// preview read. Nothing to check for a reversible action.
    fn redeem(
        &self,
        action: Action,
        runnable: &[AccountRow],
        confirmation: Option<&Confirmation>,
    ) -> Result<HashMap<(Uuid, String), String>> {
        if !action.irreversible() {
            return Ok(HashMap::new());
        }
        let expected = bulk_phrase(action, runnable.len());
        if !confirmation.is_some_and(|c| c.typed.trim().eq_ignore_ascii_case(&expected)) {
            return Err(Error::ConfirmationMismatch { expected });
        }
        self.env.in_flight.tokens().redeem(
            confirmation.map(|c| c.token.as_str()),
            action,
            &accounts_of(runnable),
        )
    }

    /// One adapter per connection for the whole job: one keychain read, one in-flight limit,
    /// and (for many accounts) one fresh listing right before the job instead of one re-read
    /// per account. The providers refuse a change of a closed or deleted account themselves,
    /// so a listing a few seconds old is safe; an item that starts later than FRESH_FOR after
    /// it re-reads its own account. Every connection was resolved by `split` already.
    async fn resolve(
        &self,
        runnable: &[AccountRow],
        skipped: &[SkippedItem],
    ) -> HashMap<Uuid, PerConnection> {
        let concurrency = self.env.settings.get().concurrency.max(1) as usize;
        let mut count: HashMap<Uuid, usize> = HashMap::new();
        for row in runnable {
            *count.entry(row.connection_id).or_default() += 1;
        }
        let ids = runnable
            .iter()
            .map(|r| r.connection_id)
            .chain(skipped.iter().map(|s| s.item.connection_id));
        let mut out = HashMap::new();
        for id in ids {
            if out.contains_key(&id) {
                continue;
            }
            let Ok(conn) = self.connections.get(id) else {
                continue;
            };
            let many = count.get(&id).copied().unwrap_or(0) >= LIST_WHEN_AT_LEAST;
            // A connection with only skipped accounts needs no adapter.
            let api = match count.contains_key(&id) {
                true => self.connections.api_for(&conn).await,
                false => Err(Error::Cancelled),
            };
            let fresh = match &api {
                Ok(api) if many => self.fresh_listing(api).await.map(Arc::new),
                _ => None,
            };
            let gate = Arc::new(Semaphore::new(concurrency));
            out.insert(
                id,
                PerConnection {
                    conn,
                    api,
                    gate,
                    fresh,
                },
            );
        }
        out
    }
}

/// A running job: what every item shares.
struct Job {
    id: String,
    cancel: Arc<AtomicBool>,
    tally: Tally,
    sink: JobSink,
    by: Arc<Attribution>,
    history: Arc<History>,
    action: Action,
}

impl Job {
    fn intent(&self, conn: &Connection, id: &str, name: &str, before: Option<Status>) -> Intent {
        intent(
            conn,
            &self.by,
            id,
            name,
            self.action,
            before,
            Some(&self.id),
        )
    }

    fn record_skipped(&self, conn: &Connection, s: &SkippedItem) -> Result<()> {
        let c = Completion {
            error_code: Some(match s.code {
                ErrorCode::InvalidTransition | ErrorCode::AlreadyClosed => HistoryCode::NotAllowed,
                code => code.into(),
            }),
            error_message: Some(s.reason.clone()),
            ..Completion::outcome(Outcome::Skipped)
        };
        self.history
            .record(&self.intent(conn, &s.item.account_id, &s.name, None), &c)?;
        let error = Some(UiError {
            code: s.code,
            message: s.reason.clone(),
            retryable: false,
            field: None,
            details: None,
        });
        let result = ItemResult {
            item: s.item.clone(),
            outcome: Outcome::Skipped,
            status_after: None,
            row: None,
            error,
            attempts: 0,
        };
        self.tally.finish(result, &self.cancel, &self.sink);
        Ok(())
    }

    /// An item that ends before anything is sent, recorded in one write.
    fn unsent(
        &self,
        per: &PerConnection,
        row: &AccountRow,
        outcome: Outcome,
        e: Error,
    ) -> ItemResult {
        let c = Completion::outcome(outcome).with_error(&e);
        let i = self.intent(&per.conn, &row.id, &row.name, Some(row.status));
        let _ = self.history.record(&i, &c);
        ItemResult {
            item: item_of(row),
            outcome,
            status_after: None,
            row: None,
            error: Some(e.to_ui()),
            attempts: 0,
        }
    }

    /// One item: claimed (refused while busy or in doubt), re-read unless the fresh listing
    /// has it, then performed.
    async fn run_item(
        &self,
        jobs: &BulkJobs,
        per: &PerConnection,
        row: &AccountRow,
        asked: &Choices,
        snapshot: Option<String>,
    ) -> ItemResult {
        if self.cancel.load(Ordering::SeqCst) {
            return self.unsent(per, row, Outcome::NotStarted, Error::Cancelled);
        }
        let claim = match jobs.env.claim(&per.conn, &row.id, self.action).await {
            Ok(c) => c,
            Err(e) => return self.unsent(per, row, Outcome::Skipped, e),
        };
        let api = match &per.api {
            Ok(api) => api,
            Err(e) => return self.unsent(per, row, Outcome::Failed, e.clone()),
        };
        // A listing is fresh only if no one else may have acted since (see Claim::reread).
        let listed = per
            .fresh
            .as_deref()
            .filter(|f| f.at.elapsed() < FRESH_FOR && !claim.reread())
            .map(|f| f.rows.get(&row.id));
        // Listed just now, and not there any more: deleted, or closed and purged.
        if listed == Some(None) {
            return self.unsent(per, row, Outcome::Skipped, gone(row));
        }
        let job = Some((self.id.as_str(), self.cancel.as_ref()));
        let ctx = jobs
            .env
            .context(&per.conn, api, &self.history, &self.by, job, asked);
        let performed = match listed.flatten() {
            Some(now) => {
                ctx.perform_on(now.clone(), &row.name, self.action, snapshot)
                    .await
            }
            None => ctx.perform(&row.id, &row.name, self.action).await,
        };
        match performed {
            // Only a history write can fail here; the item is reported, not lost.
            Err(e) => ItemResult {
                item: item_of(row),
                outcome: Outcome::Failed,
                status_after: None,
                row: None,
                error: Some(e.to_ui()),
                attempts: 0,
            },
            Ok(p) => {
                if let Some(a) = &p.account {
                    jobs.listing.remember(&per.conn, std::slice::from_ref(a));
                }
                jobs.env.note_outcome(p.outcome);
                let item = item_of(row);
                let row = p.account.map(|a| AccountRow::new(&per.conn, a));
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

    fn finish(&self) -> JobCounts {
        let counts = self.tally.snapshot();
        let (failures, not_confirmed) = self.tally.take_lists();
        (self.sink)(JobEvent::Finished {
            job_id: self.id.clone(),
            counts: counts.clone(),
            cancelled: self.cancel.load(Ordering::SeqCst),
            failures,
            not_confirmed,
        });
        counts
    }
}

fn item_of(row: &AccountRow) -> ItemRef {
    ItemRef {
        connection_id: row.connection_id,
        account_id: row.id.clone(),
    }
}

/// A selection of demo and real accounts together is refused: one slip would act on a real
/// customer while the user thinks they are trying the demo.
fn refuse_mixed<'a>(conns: impl Iterator<Item = &'a Connection>) -> Result<()> {
    let (mut demo, mut real) = (false, false);
    for c in conns {
        demo |= c.demo;
        real |= !c.demo;
    }
    if demo && real {
        return Err(Error::validation(
            "items",
            "This selection mixes demo accounts with real ones. Select only real accounts (or only demo ones), then try again.",
        ));
    }
    Ok(())
}

pub type PreviewSink = Arc<dyn Fn(PreviewEvent) + Send + Sync>;

/// What a preview read: the snapshots, and how many accounts could not be read.
struct Read {
    snapshots: HashMap<(Uuid, String), String>,
    unread: u32,
}

/// A preview's entry among the cancel flags, for its cancel; removed when the preview ends.
struct Registered {
    env: Arc<ActionEnv>,
    id: String,
    cancel: tokio::sync::watch::Receiver<bool>,
}

impl Registered {
    fn new(env: &Arc<ActionEnv>, id: &str) -> Registered {
        Registered {
            env: Arc::clone(env),
            id: id.to_string(),
            cancel: env.in_flight.cancels().preview_started(id),
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.env.in_flight.cancels().preview_ended(&self.id);
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

/// The running counts of a job, and its failed and unconfirmed items for the summary.
struct Tally {
    counts: Mutex<JobCounts>,
    failures: Mutex<Vec<ItemResult>>,
    not_confirmed: Mutex<Vec<ItemResult>>,
    started: Instant,
}

impl Tally {
    fn new(total: u32) -> Tally {
        Tally {
            counts: Mutex::new(JobCounts {
                total,
                remaining: total,
                ..Default::default()
            }),
            failures: Mutex::new(Vec::new()),
            not_confirmed: Mutex::new(Vec::new()),
            started: Instant::now(),
        }
    }

    fn snapshot(&self) -> JobCounts {
        self.counts.lock().expect("poisoned").clone()
    }

    fn take_lists(&self) -> (Vec<ItemResult>, Vec<ItemResult>) {
        (
            std::mem::take(&mut *self.failures.lock().expect("poisoned")),
            std::mem::take(&mut *self.not_confirmed.lock().expect("poisoned")),
        )
    }

    /// Counts one finished item and reports it with the new counts and an estimate of the rest.
    fn finish(&self, result: ItemResult, cancel: &AtomicBool, sink: &JobSink) {
        let counts = {
            let mut c = self.counts.lock().expect("poisoned");
            match result.outcome {
                Outcome::Succeeded => c.succeeded += 1,
                Outcome::Skipped => c.skipped += 1,
                Outcome::NotStarted => c.not_started += 1,
                Outcome::Failed => c.failed += 1,
                // Sent, and not confirmed: never counted as failed, never offered for a retry.
                Outcome::Unknown | Outcome::Pending => c.not_confirmed += 1,
            }
            c.remaining -= 1;
            c.clone()
        };
        match result.outcome {
            Outcome::Failed => self.failures.lock().expect("poisoned").push(result.clone()),
            Outcome::Unknown | Outcome::Pending => self
                .not_confirmed
                .lock()
                .expect("poisoned")
                .push(result.clone()),
            _ => {}
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
