//! The team's in-flight component: core's [`InFlight`] over the shared database. Before any
//! action it takes a claim on (provider, parent account, subaccount) in the database (a second
//! desktop is told who holds it and since when) and checks the account's open entries written
//! by any desktop; it copies each intent into the shared trail before anything is sent (no
//! shared intent, nothing sent) and each outcome after (kept and copied later when the server
//! is away: the local history already has it). Within this desktop it keeps the local claims
//! and the local history's open entries as [`LocalInFlight`] does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use subdesk_core::confirm::Tokens;
use subdesk_core::error::{Error, Result};
use subdesk_core::history::{HistoryEntry, Outcome};
use subdesk_core::in_flight::{
    busy, in_doubt, Cancels, Claim, InFlight, LocalInFlight, OpenEntries,
};
use subdesk_core::{Action, Connection};
use uuid::Uuid;

use crate::{AccountKey, Claimed, Desk, NewEntry, NewOutcome, OpenEntry, TeamError};

/// How long a claim lives without being renewed: a desktop that crashed or lost its network
/// frees its accounts after this. A running action renews its claim every third of it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

pub struct TeamInFlight {
    local: LocalInFlight,
    /// The team database, or `None` while team history is off: then it is [`LocalInFlight`].
    /// `Err`: team history is on but cannot be used (why, in a sentence): every action is
    /// refused, never sent without the team's claim.
    desk: RwLock<std::result::Result<Option<Arc<Desk>>, String>>,
    /// This desktop's history, as the prefix of its entries' origin in the shared trail.
    origin: String,
    /// Outcomes the server could not take yet, by local entry id.
    unsent_outcomes: Mutex<HashMap<i64, (Connection, HistoryEntry)>>,
    /// The shared trail's id of each intent this desktop copied and has no final outcome for
    /// yet, by local entry id: its outcome is then written without finding the entry again.
    team_ids: Mutex<HashMap<i64, i64>>,
}

fn key(conn: &Connection, account_id: &str) -> AccountKey {
    AccountKey {
        provider: conn.provider.as_str().to_string(),
        parent_account: conn.account_id.clone(),
        account_id: account_id.to_string(),
    }
}

fn unavailable(e: TeamError) -> Error {
    Error::TeamUnavailable {
        sentence: e.user_message(),
    }
}

/// A team entry with no final outcome, as the refusal for an account in doubt.
fn team_in_doubt(conn: &Connection, open: &OpenEntry) -> Error {
    Error::InDoubt {
        action: Action::parse(&open.action),
        since: open.started_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        checkable: conn.provider.info().reports_status,
    }
}

/// The claim in the database, renewed while held and given back when dropped.
struct TeamHold {
    desk: Arc<Desk>,
    key: AccountKey,
    renew: tokio::task::JoinHandle<()>,
    _local: Claim,
}

impl Drop for TeamHold {
    fn drop(&mut self) {
        self.renew.abort();
        let (desk, key) = (Arc::clone(&self.desk), self.key.clone());
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            // If this fails the lease runs out by itself.
            rt.spawn(async move {
                let _ = desk.release(&key).await;
            });
        }
    }
}

impl TeamInFlight {
    /// `origin`: a stable id of this desktop's history (its entries are `origin/<local id>`
    /// in the shared trail, so copying them twice adds nothing).
    pub fn new(local: LocalInFlight, desk: Arc<Desk>, origin: &str) -> TeamInFlight {
        let t = TeamInFlight::switchable(local, origin);
        t.set_desk(Some(desk));
        t
    }

    /// Team history off for now: the local component until [`Self::set_desk`] turns it on.
    pub fn switchable(local: LocalInFlight, origin: &str) -> TeamInFlight {
        TeamInFlight {
            local,
            desk: RwLock::new(Ok(None)),
            origin: origin.to_string(),
            unsent_outcomes: Mutex::default(),
            team_ids: Mutex::default(),
        }
    }

    /// Turns team history on (with this database) or off (`None`: the local history only).
    /// Actions already past their claim finish where they started.
    pub fn set_desk(&self, desk: Option<Arc<Desk>>) {
        *self.desk.write().expect("poisoned") = Ok(desk);
    }

    /// Team history is on but cannot be used (`sentence` says why: no password in the
    /// keychain, settings a newer version wrote): every action is refused with it.
    pub fn set_unusable(&self, sentence: String) {
        *self.desk.write().expect("poisoned") = Err(sentence);
    }

    /// The team database in use, if team history is on and usable.
    pub fn desk(&self) -> Option<Arc<Desk>> {
        self.desk.read().expect("poisoned").clone().ok().flatten()
    }

    /// Why team history is on but cannot be used, if it is.
    pub fn unusable(&self) -> Option<String> {
        self.desk.read().expect("poisoned").clone().err()
    }

    /// This desktop's history's id in the shared trail.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Copies one entry and its outcome into the shared trail (idempotent).
    async fn copy_outcome(
        &self,
        desk: &Desk,
        conn: &Connection,
        e: &HistoryEntry,
    ) -> Result<(), TeamError> {
        let o = shared_outcome(e);
        let known = {
            let mut ids = self.team_ids.lock().expect("poisoned");
            match o.outcome.as_str() {
                "unknown" => ids.get(&e.id).copied(),
                _ => ids.remove(&e.id),
            }
        };
        let id = match known {
            Some(id) => id,
            None => {
                desk.begin(&shared_entry(&self.origin, desk.desktop(), conn, e))
                    .await?
            }
        };
        match desk.outcome(id, &o).await {
            // Already there: a copy sent before the answer was lost.
            Err(TeamError::Refused(_)) if o.outcome != "unknown" => Ok(()),
            other => other,
        }
    }

    /// Copies the outcomes the server could not take before; true when none is left.
    pub async fn catch_up(&self) -> bool {
        let Some(desk) = self.desk() else {
            return self.waiting() == 0;
        };
        let waiting: Vec<(i64, (Connection, HistoryEntry))> = self
            .unsent_outcomes
            .lock()
            .expect("poisoned")
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let mut all = true;
        for (id, (conn, entry)) in waiting {
            match self.copy_outcome(&desk, &conn, &entry).await {
                Ok(()) => {
                    self.unsent_outcomes.lock().expect("poisoned").remove(&id);
                }
                Err(_) => all = false,
            }
        }
        all
    }

    /// How many outcomes wait for the server.
    pub fn waiting(&self) -> usize {
        self.unsent_outcomes.lock().expect("poisoned").len()
    }
}

#[async_trait::async_trait]
impl InFlight for TeamInFlight {
    async fn claim_for_action(
        &self,
        conn: &Connection,
        account_id: &str,
        action: Action,
    ) -> Result<Claim> {
        // The demo's sample accounts are this desktop's alone: never in the team's trail.
        let desk = match (conn.demo, self.unusable()) {
            (true, _) => None,
            (false, Some(sentence)) => return Err(Error::TeamUnavailable { sentence }),
            (false, None) => self.desk(),
        };
        let Some(desk) = desk else {
            return self.local.claim_for_action(conn, account_id, action).await;
        };
        let local = self.local.hold(conn.id, account_id).ok_or_else(busy)?;
        if let Some(first) = self.local.open_for(conn, account_id).await?.first() {
            return Err(in_doubt(conn, first));
        }
        let k = key(conn, account_id);
        // What the trail already says refuses without a claim: an account another desktop
        // closed (the late desktops of a race cost one query), or one in doubt. It is asked
        // again once the claim is taken, when no other desktop can start on the account.
        match desk.before_acting(&k).await.map_err(unavailable)? {
            (open, _) if !open.is_empty() => return Err(team_in_doubt(conn, &open[0])),
            (_, true) => return Err(Error::AlreadyClosed),
            _ => {}
        }
        match desk.claim(&k, action.as_str()).await.map_err(unavailable)? {
            Claimed::Ours => {}
            Claimed::HeldBy {
                operator,
                desktop,
                action: theirs,
                since,
            } => {
                return Err(Error::HeldElsewhere {
                    operator,
                    desktop,
                    action: Action::parse(&theirs).unwrap_or(action),
                    since_secs: (Utc::now() - since).num_seconds().max(0) as u64,
                })
            }
        }
        let hold = |renew| TeamHold {
            desk: Arc::clone(&desk),
            key: k.clone(),
            renew,
            _local: local,
        };
        // An open entry written by another desktop: in doubt for everyone. A close another
        // desktop made: nothing to do, and nothing to read again to know it.
        let (open, closed) = match desk.before_acting(&k).await {
            Ok(found) => found,
            Err(e) => {
                drop(hold(tokio::spawn(async {})));
                return Err(unavailable(e));
            }
        };
        if let Some(first) = open.first() {
            drop(hold(tokio::spawn(async {})));
            return Err(team_in_doubt(conn, first));
        }
        if closed {
            drop(hold(tokio::spawn(async {})));
            return Err(Error::AlreadyClosed);
        }
        let (renewer, renew_key) = (Arc::clone(&desk), k.clone());
        let every = desk.lease() / 3;
        let renew = tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let _ = renewer.claim(&renew_key, action.as_str()).await;
            }
        });
        Ok(Claim::new(hold(renew)).reread_first())
    }

    fn claim_to_check(&self, conn: Uuid, account_id: &str) -> Option<Claim> {
        self.local.claim_to_check(conn, account_id)
    }

    fn holds_any(&self, conn: Uuid) -> bool {
        self.local.holds_any(conn)
    }

    async fn open_entries(&self, conns: &[Connection]) -> Result<OpenEntries> {
        let mut open = self.local.open_entries(conns).await?;
        let Some(desk) = self.desk() else {
            return Ok(open);
        };
        for conn in conns.iter().filter(|c| !c.demo) {
            // Listing works while the server is away; actions are refused at their claim.
            let Ok(theirs) = desk
                .open_under(conn.provider.as_str(), &conn.account_id)
                .await
            else {
                continue;
            };
            for (account_id, e) in theirs {
                open.entry((conn.id.to_string(), account_id.clone()))
                    .or_insert_with(|| as_entry(conn, &account_id, &e));
            }
        }
        Ok(open)
    }

    async fn open_for(&self, conn: &Connection, account_id: &str) -> Result<Vec<HistoryEntry>> {
        let mut open = self.local.open_for(conn, account_id).await?;
        let desk = self.desk();
        if let (true, false, Some(desk)) = (open.is_empty(), conn.demo, desk) {
            let theirs = desk
                .open_for(&key(conn, account_id))
                .await
                .map_err(unavailable)?;
            open.extend(theirs.iter().map(|e| as_entry(conn, account_id, e)));
        }
        Ok(open)
    }

    async fn held_elsewhere(&self, conns: &[Connection]) -> HashMap<(String, String), String> {
        let mut held = HashMap::new();
        let Some(desk) = self.desk() else {
            return held;
        };
        for conn in conns.iter().filter(|c| !c.demo) {
            // Listing works while the server is away: the rows then say nothing of it.
            let Ok(theirs) = desk
                .held_under(conn.provider.as_str(), &conn.account_id)
                .await
            else {
                continue;
            };
            for (account_id, claim) in theirs {
                if let Claimed::HeldBy {
                    operator,
                    desktop,
                    action,
                    since,
                } = claim
                {
                    let secs = (Utc::now() - since).num_seconds().max(0) as u64;
                    held.insert(
                        (conn.id.to_string(), account_id),
                        held_sentence(&operator, &desktop, &action, secs),
                    );
                }
            }
        }
        held
    }

    fn tokens(&self) -> &Tokens {
        self.local.tokens()
    }

    fn cancels(&self) -> &Cancels {
        self.local.cancels()
    }

    fn refuse_if_in_use(&self, conn: Uuid) -> Result<()> {
        self.local.refuse_if_in_use(conn)
    }

    async fn intent_recorded(&self, conn: &Connection, entry: &HistoryEntry) -> Result<()> {
        let Some(desk) = self.desk().filter(|_| !conn.demo) else {
            return Ok(());
        };
        let id = desk
            .begin(&shared_entry(&self.origin, desk.desktop(), conn, entry))
            .await
            .map_err(unavailable)?;
        self.team_ids.lock().expect("poisoned").insert(entry.id, id);
        Ok(())
    }

    async fn outcome_recorded(&self, conn: &Connection, entry: &HistoryEntry) {
        let Some(desk) = self.desk().filter(|_| !conn.demo) else {
            return;
        };
        self.catch_up().await;
        if let Err(e) = self.copy_outcome(&desk, conn, entry).await {
            tracing::warn!(error = %e, entry = entry.id, "outcome kept to copy into the team trail later");
            self.unsent_outcomes
                .lock()
                .expect("poisoned")
                .insert(entry.id, (conn.clone(), entry.clone()));
        }
    }
}

/// "In progress on DESKTOP-2: Dana started a Close 40 s ago."
fn held_sentence(operator: &str, desktop: &str, action: &str, secs: u64) -> String {
    let mut word = action.replace('_', " ");
    if let Some(first) = word.get(0..1) {
        word = first.to_uppercase() + &word[1..];
    }
    let ago = match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    };
    format!("In progress on {desktop}: {operator} started a {word} {ago} ago.")
}

fn parse_time(iso: &str) -> Option<chrono::DateTime<Utc>> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A local entry as the shared trail keeps it.
fn shared_entry(origin: &str, desktop: &str, conn: &Connection, e: &HistoryEntry) -> NewEntry {
    NewEntry {
        origin: format!("{origin}/{}", e.id),
        started_at: parse_time(&e.started_at),
        actor: e.actor.clone(),
        operator_name: e.operator_name.clone(),
        desktop: desktop.to_string(),
        connection_label: e.connection_label.clone(),
        account: key(conn, &e.account_id),
        account_name: e.account_name.clone(),
        action: e.action.map_or("unknown", Action::as_str).to_string(),
        status_before: e.status_before.map(|s| s.as_str().to_string()),
        job_id: e.job_id.clone(),
        snapshot: e.snapshot.clone(),
        reason: e.reason.clone(),
    }
}

/// A local entry's outcome as the shared trail keeps it.
fn shared_outcome(e: &HistoryEntry) -> NewOutcome {
    NewOutcome {
        outcome: e.outcome.as_str().to_string(),
        status_after: e.status_after.map(|s| s.as_str().to_string()),
        request_id: e.request_id.clone(),
        error_code: e.error_code.as_ref().map(|c| c.as_str().to_string()),
        error_message: e.error_message.clone(),
        duration_ms: e.duration_ms,
        reconciled: e.reconciled,
        written_at: e.finished_at.as_deref().and_then(parse_time),
    }
}

/// What [`move_in`] copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MovedIn {
    /// Entries new to the shared trail.
    pub copied: u64,
    /// Entries it had already (an earlier move, or copied as they happened).
    pub already: u64,
    /// Entries of connections no longer saved here: their parent account is not known.
    pub skipped: u64,
}

impl MovedIn {
    pub fn user_message(&self) -> String {
        let n = |k: u64| {
            if k == 1 {
                "1 entry".to_string()
            } else {
                format!("{k} entries")
            }
        };
        let mut s = format!("Copied {} into the team history", n(self.copied));
        if self.already > 0 {
            s.push_str(&format!(
                "; {} {} there already",
                n(self.already),
                if self.already == 1 { "was" } else { "were" }
            ));
        }
        s.push('.');
        if self.skipped > 0 {
            s.push_str(&format!(
                " {} of removed connections stayed in this computer's history only.",
                n(self.skipped)
            ));
        }
        s
    }
}

/// Copies this desktop's history into the shared trail, once: running it again adds nothing.
/// `origin` is the same id the desktop's [`TeamInFlight`] uses, so entries copied as they
/// happened are not copied twice. Pending entries are copied without an outcome.
pub async fn move_in(
    desk: &Desk,
    history: &subdesk_core::history::History,
    origin: &str,
    conns: &[Connection],
) -> std::result::Result<MovedIn, TeamError> {
    let by_id: HashMap<String, &Connection> = conns.iter().map(|c| (c.id.to_string(), c)).collect();
    let mut moved = MovedIn::default();
    let mut before = None;
    loop {
        let page = history
            .query(&Default::default(), before, 1000)
            .map_err(|e| TeamError::Db(e.user_message()))?;
        for e in &page.entries {
            let Some(conn) = by_id.get(&e.connection_id) else {
                moved.skipped += 1;
                continue;
            };
            let (id, new) = desk
                .begin_new(&shared_entry(origin, desk.desktop(), conn, e))
                .await?;
            if !new {
                moved.already += 1;
                continue;
            }
            moved.copied += 1;
            if e.outcome != Outcome::Pending {
                desk.outcome(id, &shared_outcome(e)).await?;
            }
        }
        // Core's cursor, not the last entry's id: a page brings each job whole, so its last
        // entry can be a job's oldest, below entries the next page still has to bring.
        match page.next_before_id {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    Ok(moved)
}

/// Another desktop's open entry, as this desktop shows it (its id is negative: it is not an
/// entry of the local history).
fn as_entry(conn: &Connection, account_id: &str, e: &OpenEntry) -> HistoryEntry {
    HistoryEntry {
        id: -e.id,
        started_at: e.started_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        finished_at: None,
        actor: e.actor.clone(),
        operator_name: None,
        reason: None,
        connection_id: conn.id.to_string(),
        connection_label: conn.label.clone(),
        provider: Some(conn.provider),
        account_id: account_id.to_string(),
        account_name: String::new(),
        action: Action::parse(&e.action),
        status_before: None,
        status_after: None,
        outcome: Outcome::Unknown,
        request_id: None,
        error_code: None,
        error_message: Some(format!("Sent from {} by {}.", e.desktop, e.actor)),
        duration_ms: None,
        job_id: None,
        snapshot: None,
        reconciled: false,
        desktop: Some(e.desktop.clone()),
    }
}
