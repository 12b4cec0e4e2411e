//! The Spend and Balance columns: each listed account's figures ([`Figures`]), read lazily and
//! bounded. The window asks for the rows in view first and the rest after them; each
//! connection's accounts are read by as many workers as the concurrency setting allows (the
//! adapter's adaptive limit still halves its requests on a 429), from a queue the window can
//! reorder while it runs (the rows that scrolled into view go first) and stop. Each figure
//! keeps the time it was read; the last figures read are kept for the table's export.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::action_env::ActionEnv;
use crate::connections::Connections;
use crate::error::Result;
use crate::jobs::ItemRef;
use crate::listing::Listing;
use crate::model::{Figures, Subaccount};
use crate::providers::ProviderApi;
use crate::settings::SavedSettings;

/// One account's figures, as the table receives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FigureRow {
    pub connection_id: Uuid,
    pub account_id: String,
    pub figures: Figures,
}

/// Streamed while figures are read: the rows read since the last event (at most one event
/// every 100 ms), and how far the read is.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum FiguresEvent {
    #[serde(rename_all = "camelCase")]
    Read {
        rows: Vec<FigureRow>,
        done: u32,
        total: u32,
    },
}

/// How a read ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FiguresDone {
    pub done: u32,
    pub total: u32,
    /// Stopped by [`FigureReads::stop`]: the rest were not read.
    pub stopped: bool,
}

pub type FiguresSink = Arc<dyn Fn(FiguresEvent) + Send + Sync>;

/// The least time between two events: a thousand rows read in a second make ten table
/// updates, not a thousand.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

type Queue = Arc<Mutex<VecDeque<Subaccount>>>;

/// A read under way: its queues (one per connection) and its stop.
struct Run {
    queues: HashMap<Uuid, Queue>,
    stop: tokio::sync::watch::Sender<bool>,
}

pub(crate) struct FigureReads {
    connections: Arc<Connections>,
    listing: Arc<Listing>,
    settings: Arc<SavedSettings>,
    /// Where the last figures are kept: the action environment's, so an irreversible action
    /// keeps in the history the figures that were shown (see `ActionContext::kept_before`).
    env: Arc<ActionEnv>,
    runs: Mutex<HashMap<String, Run>>,
}

impl FigureReads {
    pub fn new(
        connections: Arc<Connections>,
        listing: Arc<Listing>,
        settings: Arc<SavedSettings>,
        env: Arc<ActionEnv>,
    ) -> FigureReads {
        FigureReads {
            connections,
            listing,
            settings,
            env,
            runs: Mutex::new(HashMap::new()),
        }
    }

    /// The figures last read for an account.
    pub fn last(&self, connection_id: Uuid, account_id: &str) -> Option<Figures> {
        let last = self
            .env
            .figures_shown
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        last.get(&(connection_id, account_id.to_string())).cloned()
    }

    /// Reads the figures of `items` (in that order, per connection), streaming them to `sink`.
    /// An account not in the last listing is left out; one whose read fails gets figures that
    /// say why ([`Figures::unread`]). `run_id` names the read for [`Self::stop`] and
    /// [`Self::first`]; a second read under the same id replaces nothing, it runs beside.
    pub async fn read(
        &self,
        items: &[ItemRef],
        run_id: &str,
        sink: FiguresSink,
    ) -> Result<FiguresDone> {
        let (queues, unread) = self.queues(items).await;
        let total: u32 =
            queues.values().map(|(_, q)| q.len() as u32).sum::<u32>() + unread.len() as u32;
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let mut run = Run {
            queues: HashMap::new(),
            stop,
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<FigureRow>();
        let mut workers = tokio::task::JoinSet::new();
        let per_connection = self.settings.get().concurrency.max(1) as usize;
        for (conn_id, (api, queue)) in queues {
            let queue: Queue = Arc::new(Mutex::new(queue));
            run.queues.insert(conn_id, Arc::clone(&queue));
            for _ in 0..per_connection {
                workers.spawn(work(
                    conn_id,
                    Arc::clone(&api),
                    Arc::clone(&queue),
                    tx.clone(),
                ));
            }
        }
        drop(tx);
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(run_id.to_string(), run);
        let mut batch = Batch::new(total, sink);
        for row in unread {
            self.remember(&row);
            batch.push(row);
        }
        let ended = loop {
            tokio::select! {
                row = rx.recv() => match row {
                    Some(row) => {
                        self.remember(&row);
                        batch.push(row);
                    }
                    None => break false,
                },
                _ = stopped.wait_for(|s| *s) => break true,
                () = tokio::time::sleep(FLUSH_EVERY) => {}
            }
            batch.flush_if_due();
        };
        workers.abort_all();
        batch.flush();
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(run_id);
        Ok(FiguresDone {
            done: batch.done,
            total,
            stopped: ended,
        })
    }

    /// Stops the read `run_id`: requests in flight are dropped, no other is sent, and what was
    /// read stays. Unknown ids (a read already ended) are ignored.
    pub fn stop(&self, run_id: &str) {
        if let Some(run) = self
            .runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(run_id)
        {
            let _ = run.stop.send(true);
        }
    }

    /// Moves `items` to the front of the read `run_id`'s queues, in that order: the rows that
    /// scrolled into view are read next. Items already read or not queued are ignored.
    pub fn first(&self, run_id: &str, items: &[ItemRef]) {
        let runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        let Some(run) = runs.get(run_id) else { return };
        for (conn_id, queue) in &run.queues {
            let wanted: Vec<&str> = items
                .iter()
                .filter(|i| i.connection_id == *conn_id)
                .map(|i| i.account_id.as_str())
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let mut q = queue.lock().unwrap_or_else(|p| p.into_inner());
            let (mut front, rest): (VecDeque<Subaccount>, VecDeque<Subaccount>) =
                q.drain(..).partition(|a| wanted.contains(&a.id.as_str()));
            front
                .make_contiguous()
                .sort_by_key(|a| wanted.iter().position(|w| *w == a.id));
            front.extend(rest);
            *q = front;
        }
    }

    fn remember(&self, row: &FigureRow) {
        self.env
            .figures_shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                (row.connection_id, row.account_id.clone()),
                row.figures.clone(),
            );
    }

    /// Each connection's adapter and its accounts to read, in the order asked, each once;
    /// accounts not listed (and parents) left out. The accounts of a connection whose adapter
    /// cannot be had (its secret is gone from the keychain) are returned apart, with figures
    /// that say why, and cost no request.
    async fn queues(&self, items: &[ItemRef]) -> (Queues, Vec<FigureRow>) {
        let mut seen = HashSet::new();
        let mut out: Queues = HashMap::new();
        let mut apis: HashMap<Uuid, std::result::Result<Arc<dyn ProviderApi>, String>> =
            HashMap::new();
        let mut unread = Vec::new();
        for item in items {
            if !seen.insert(item) {
                continue;
            }
            let Some(account) = self.listing.cached(item.connection_id, &item.account_id) else {
                continue;
            };
            if account.is_parent {
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = apis.entry(item.connection_id)
            {
                let api = match self.connections.get(item.connection_id) {
                    Ok(conn) => self.connections.api_for(&conn).await,
                    Err(e) => Err(e),
                };
                slot.insert(api.map_err(|e| e.user_message()));
            }
            match &apis[&item.connection_id] {
                Ok(api) => out
                    .entry(item.connection_id)
                    .or_insert_with(|| (Arc::clone(api), VecDeque::new()))
                    .1
                    .push_back(account),
                Err(why) => unread.push(FigureRow {
                    connection_id: item.connection_id,
                    account_id: account.id,
                    figures: Figures::unread(why),
                }),
            }
        }
        (out, unread)
    }
}

type Queues = HashMap<Uuid, (Arc<dyn ProviderApi>, VecDeque<Subaccount>)>;

/// One worker: reads the front of its connection's queue until it is empty.
async fn work(
    connection_id: Uuid,
    api: Arc<dyn ProviderApi>,
    queue: Queue,
    tx: tokio::sync::mpsc::UnboundedSender<FigureRow>,
) {
    loop {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let Some(account) = next else { return };
        let figures = match api.figures(&account).await {
            Ok(f) => f,
            Err(e) => Figures::unread(&e.user_message()),
        };
        let row = FigureRow {
            connection_id,
            account_id: account.id,
            figures,
        };
        if tx.send(row).is_err() {
            return;
        }
    }
}

/// Rows read since the last event, sent at most every [`FLUSH_EVERY`].
struct Batch {
    rows: Vec<FigureRow>,
    done: u32,
    total: u32,
    last: Option<Instant>,
    sink: FiguresSink,
}

impl Batch {
    fn new(total: u32, sink: FiguresSink) -> Batch {
        Batch {
            rows: Vec::new(),
            done: 0,
            total,
            last: None,
            sink,
        }
    }

    fn push(&mut self, row: FigureRow) {
        self.rows.push(row);
        self.done += 1;
    }

    fn flush_if_due(&mut self) {
        if self.last.is_none_or(|t| t.elapsed() >= FLUSH_EVERY) && !self.rows.is_empty() {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.last = Some(Instant::now());
        (self.sink)(FiguresEvent::Read {
            rows: std::mem::take(&mut self.rows),
            done: self.done,
            total: self.total,
        });
    }
}
