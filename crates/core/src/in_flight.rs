//! What an action must hold and check before anything is sent: a claim on the account (no two
//! actions on one account at once) and the account's open history entries (an account whose
//! last action has no known outcome is *in doubt*: nothing is sent to it until that entry is
//! settled). Single actions, bulk jobs and *Check now* all go through here.
//!
//! [`InFlight`] is the one interface actions and jobs see; [`LocalInFlight`] keeps the claims in
//! this process and the entries in the local history. A team's shared implementation (claims
//! with a lease, history in a shared database) replaces it without touching actions or jobs.
//! The confirmation tokens and the cancel flags of jobs and previews sit beside the claims.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::action_env::HistoryOrWhy;
use crate::confirm::Tokens;
use crate::error::{Error, Result};
use crate::history::{History, HistoryEntry};
use crate::model::{Action, Connection};

/// Open entries by (connection id, account id): the accounts in doubt.
pub type OpenEntries = HashMap<(String, String), HistoryEntry>;

/// Claims on accounts and the open-entries check, with the tokens and cancel flags that go
/// with them. Asynchronous where a shared implementation asks a server.
#[async_trait::async_trait]
pub trait InFlight: Send + Sync {
    /// Holds the account for an action: refused while another action or check holds it, and
    /// while the history has an entry for it whose outcome is not known.
    async fn claim_for_action(
        &self,
        conn: &Connection,
        account_id: &str,
        action: Action,
    ) -> Result<Claim>;

    /// Holds the account to check its open entries: refused (`None`) while an action holds
    /// it, since that action's own entry is in flight, not in doubt.
    fn claim_to_check(&self, conn: Uuid, account_id: &str) -> Option<Claim>;

    /// Whether any account of the connection is held.
    fn holds_any(&self, conn: Uuid) -> bool;

    /// Every entry with no known outcome of the accounts of `conns`, by (connection id,
    /// account id).
    async fn open_entries(&self, conns: &[Connection]) -> Result<OpenEntries>;

    /// The open entries of one account, oldest first.
    async fn open_for(&self, conn: &Connection, account_id: &str) -> Result<Vec<HistoryEntry>>;

    /// The accounts of `conns` another desktop of a team is acting on now, by (connection id,
    /// account id), each with the sentence saying who, on which desktop, and since when.
    /// None outside a team.
    async fn held_elsewhere(&self, _conns: &[Connection]) -> HashMap<(String, String), String> {
        HashMap::new()
    }

    /// Previews of irreversible actions not yet confirmed.
    fn tokens(&self) -> &Tokens;

    /// The cancel flags of running jobs and previews.
    fn cancels(&self) -> &Cancels;

    /// Refuses to remove a connection that has claims or entries whose outcome is not known
    /// (in this desktop's own history).
    fn refuse_if_in_use(&self, conn: Uuid) -> Result<()>;

    /// Called once an action's intent is in the local history, before anything is sent: a
    /// shared trail copies it, and an error stops the action unsent.
    async fn intent_recorded(&self, _conn: &Connection, _entry: &HistoryEntry) -> Result<()> {
        Ok(())
    }

    /// Called once an entry's outcome is in the local history. A shared trail that cannot
    /// take it now keeps it to copy later: the local history already has it.
    async fn outcome_recorded(&self, _conn: &Connection, _entry: &HistoryEntry) {}
}

/// An account held by one action or check; dropping it frees the account.
pub struct Claim {
    _release: Box<dyn Send + Sync>,
    reread: bool,
}

impl Claim {
    /// A claim freed by dropping `release` (an implementation's own guard).
    pub fn new(release: impl Send + Sync + 'static) -> Claim {
        Claim {
            _release: Box::new(release),
            reread: false,
        }
    }

    /// Marks the claim as taken where others act too (another desktop of a team): the
    /// account must be read again before acting, whatever this desktop listed.
    pub fn reread_first(mut self) -> Claim {
        self.reread = true;
        self
    }

    /// Whether the account must be read again before acting.
    pub fn reread(&self) -> bool {
        self.reread
    }
}

type Held = Arc<Mutex<HashSet<(Uuid, String)>>>;

/// The accounts being acted on or checked right now, in this process, and the local history's
/// open entries.
pub struct LocalInFlight {
    busy: Held,
    history: HistoryOrWhy,
    tokens: Tokens,
    cancels: Cancels,
}

/// Frees a local claim when dropped.
struct LocalHold {
    busy: Held,
    key: (Uuid, String),
}

impl Drop for LocalHold {
    fn drop(&mut self) {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

impl LocalInFlight {
    /// `history`: the local history, or why it could not be opened (then every action is
    /// refused with that sentence).
    pub(crate) fn new(history: HistoryOrWhy) -> LocalInFlight {
        LocalInFlight {
            busy: Arc::default(),
            history,
            tokens: Tokens::default(),
            cancels: Cancels::default(),
        }
    }

    fn history(&self) -> Result<&History> {
        self.history
            .as_deref()
            .map_err(|m| Error::Storage { detail: m.clone() })
    }

    /// Every entry of this desktop's history with no known outcome.
    pub fn local_open_entries(&self) -> Result<OpenEntries> {
        Ok(self
            .history()?
            .all_open()?
            .into_iter()
            .map(|e| ((e.connection_id.clone(), e.account_id.clone()), e))
            .collect())
    }

    /// Holds the account in this process only (a shared implementation adds its own claim).
    pub fn hold(&self, conn: Uuid, account_id: &str) -> Option<Claim> {
        let key = (conn, account_id.to_string());
        if !self.busy.lock().expect("poisoned").insert(key.clone()) {
            return None;
        }
        Some(Claim::new(LocalHold {
            busy: Arc::clone(&self.busy),
            key,
        }))
    }
}

#[async_trait::async_trait]
impl InFlight for LocalInFlight {
    async fn claim_for_action(
        &self,
        conn: &Connection,
        account_id: &str,
        _action: Action,
    ) -> Result<Claim> {
        let history = self.history()?;
        let claim = self.hold(conn.id, account_id).ok_or_else(busy)?;
        let open = history.open_for(&conn.id.to_string(), account_id)?;
        if let Some(first) = open.first() {
            return Err(in_doubt(conn, first));
        }
        Ok(claim)
    }

    fn claim_to_check(&self, conn: Uuid, account_id: &str) -> Option<Claim> {
        self.hold(conn, account_id)
    }

    fn holds_any(&self, conn: Uuid) -> bool {
        self.busy
            .lock()
            .expect("poisoned")
            .iter()
            .any(|(c, _)| *c == conn)
    }

    async fn open_entries(&self, _conns: &[Connection]) -> Result<OpenEntries> {
        self.local_open_entries()
    }

    async fn open_for(&self, conn: &Connection, account_id: &str) -> Result<Vec<HistoryEntry>> {
        self.history()?.open_for(&conn.id.to_string(), account_id)
    }

    fn refuse_if_in_use(&self, conn: Uuid) -> Result<()> {
        let key = conn.to_string();
        let mut open = self
            .local_open_entries()?
            .keys()
            .filter(|(c, _)| *c == key)
            .count() as u32;
        if open == 0 && self.holds_any(conn) {
            open = 1;
        }
        match open {
            0 => Ok(()),
            open => Err(Error::ConnectionInUse { open }),
        }
    }

    fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    fn cancels(&self) -> &Cancels {
        &self.cancels
    }
}

/// The cancel flags of the running bulk jobs, and of the bulk previews under way by the id the
/// dialog gave them (set to `true` to stop one).
#[derive(Default)]
pub struct Cancels {
    jobs: Mutex<HashMap<String, Arc<AtomicBool>>>,
    previews: Mutex<HashMap<String, tokio::sync::watch::Sender<bool>>>,
}

impl Cancels {
    /// Registers a running job's flag.
    pub fn job_started(&self, id: &str, flag: Arc<AtomicBool>) {
        self.jobs
            .lock()
            .expect("poisoned")
            .insert(id.to_string(), flag);
    }

    pub fn job_ended(&self, id: &str) {
        self.jobs.lock().expect("poisoned").remove(id);
    }

    /// Asks a running job to stop scheduling new items; false when no such job runs.
    pub fn cancel_job(&self, id: &str) -> bool {
        match self.jobs.lock().expect("poisoned").get(id) {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// The stop signal of the preview `id`, registered until [`Self::preview_ended`]; already
    /// set when its stop arrived first.
    pub fn preview_started(&self, id: &str) -> tokio::sync::watch::Receiver<bool> {
        self.previews
            .lock()
            .expect("poisoned")
            .entry(id.to_string())
            .or_insert_with(|| tokio::sync::watch::channel(false).0)
            .subscribe()
    }

    pub fn preview_ended(&self, id: &str) {
        if let Ok(mut previews) = self.previews.lock() {
            previews.remove(id);
        }
    }

    /// Stops the preview `id`; a stop that arrives before its preview started (the two
    /// commands may overtake each other) stops that preview as it starts.
    pub fn cancel_preview(&self, id: &str) {
        let mut previews = self.previews.lock().expect("poisoned");
        match previews.get(id) {
            Some(tx) => {
                tx.send_replace(true);
            }
            None => {
                previews.insert(id.to_string(), tokio::sync::watch::channel(true).0);
            }
        }
    }
}

/// "Another action on this account is still running…" (see [`Error::Busy`]).
pub fn busy() -> Error {
    Error::Busy
}

/// The refusal for an account whose entry `open` has no known outcome.
pub fn in_doubt(conn: &Connection, open: &HistoryEntry) -> Error {
    Error::InDoubt {
        action: open.action,
        since: open.started_at.clone(),
        checkable: conn.provider.info().reports_status,
    }
}
