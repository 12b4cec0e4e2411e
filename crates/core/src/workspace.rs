//! The workspace: the one API the desktop shell calls, a façade over the parts that do the
//! work: the settings ([`crate::settings`]), the connections and their secrets
//! ([`crate::connections`]), the listing ([`crate::listing`]), the in-flight component
//! ([`crate::in_flight`]), bulk jobs ([`crate::jobs`]) and reconciliation
//! ([`crate::reconcile`]). It performs one action itself, through [`crate::actions`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use uuid::Uuid;

use crate::action_env::{ActionEnv, HistoryOrWhy};
use crate::api::{
    AccountDetailView, AccountRow, AccountsExported, ActionPreview, ActionResult, AppStatus,
    ConnectionEdit, ListEvent, NewConnection, VerifiedParent,
};
use crate::confirm::Confirmation;
use crate::connections::{Adapters, Connections, Keychain};
use crate::error::{Error, Result};
use crate::figures::{FigureReads, FiguresDone, FiguresSink};
use crate::history::{ExportFormat, History, HistoryFilter, HistoryPage, Outcome};
use crate::in_flight::{InFlight, LocalInFlight};
use crate::jobs::{BulkJobs, ItemRef};
use crate::listing::Listing;
use crate::model::{check_confirmation, confirmation_phrase, Action, Connection};
use crate::providers::catalog::Choices;
use crate::providers::{http, HttpConfig, ProviderApi, RetryPolicy};
use crate::reconcile::Reconciler;
use crate::secrets::{Secret, SecretStore};
use crate::settings::SavedSettings;

pub use crate::settings::{
    read_entries, MemorySettings, Settings, SettingsStore, UnreadableEntry, MAX_CONCURRENCY,
};

pub struct WorkspaceConfig {
    pub settings: Arc<dyn SettingsStore>,
    pub secrets: Arc<dyn SecretStore>,
    /// None: history in memory (tests).
    pub history_path: Option<std::path::PathBuf>,
    pub http: HttpConfig,
    pub retry: RetryPolicy,
    /// Who is acting, for the history (the OS user in the app).
    pub actor: String,
}

pub struct Workspace {
    settings: Arc<SavedSettings>,
    connections: Arc<Connections>,
    listing: Arc<Listing>,
    figures: Arc<FigureReads>,
    env: Arc<ActionEnv>,
    history_problem: Option<String>,
}

/// The OS user name, for the history's "who". Asked of the OS (not of $USER, which a service
/// manager or a container may leave unset).
pub fn os_user() -> String {
    whoami::username()
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The history at `path` (in memory when `None`), or why it could not be opened, and the
/// sentence for the banner when something was wrong with it.
fn open_history(path: Option<&Path>) -> Result<(HistoryOrWhy, Option<String>)> {
    Ok(match path {
        None => (Ok(Arc::new(History::in_memory()?)), None),
        Some(p) => match History::open(p) {
            Ok(o) => (Ok(Arc::new(o.history)), o.problem),
            Err(e) => {
                let m = e.user_message();
                (Err(m.clone()), Some(m))
            }
        },
    })
}

/// Builds the in-flight component from the local one (a team's shared implementation wraps
/// it; see [`Workspace::with_in_flight`]).
pub type InFlightFactory = Box<dyn FnOnce(LocalInFlight) -> Arc<dyn InFlight> + Send>;

impl Workspace {
    pub fn new(cfg: WorkspaceConfig) -> Result<Workspace> {
        Workspace::with_in_flight(cfg, Box::new(|local| Arc::new(local)))
    }

    /// A workspace whose claims and open entries go through what `in_flight` builds around
    /// the local component: a team's shared trail.
    pub fn with_in_flight(cfg: WorkspaceConfig, in_flight: InFlightFactory) -> Result<Workspace> {
        let (history, history_problem) = open_history(cfg.history_path.as_deref())?;
        let settings = Arc::new(SavedSettings::load(Arc::clone(&cfg.settings)));
        let adapters = Adapters::new(
            http::Clients::new(&cfg.http)?,
            cfg.retry.clone(),
            Arc::clone(&settings),
        );
        let connections = Arc::new(Connections::load(
            cfg.settings,
            Keychain::new(cfg.secrets),
            adapters,
        ));
        let in_flight = in_flight(LocalInFlight::new(history.clone()));
        let env = Arc::new(ActionEnv::new(
            history,
            in_flight,
            cfg.retry,
            cfg.actor,
            Arc::clone(&settings),
        ));
        let listing = Arc::new(Listing::new(Arc::clone(&connections), Arc::clone(&env)));
        let figures = Arc::new(FigureReads::new(
            Arc::clone(&connections),
            Arc::clone(&listing),
            Arc::clone(&settings),
            Arc::clone(&env),
        ));
        Ok(Workspace {
            settings,
            connections,
            listing,
            figures,
            env,
            history_problem,
        })
    }

    pub fn history(&self) -> Result<&Arc<History>> {
        self.env.history()
    }

    pub fn history_path(&self) -> Option<&Path> {
        self.env.history().ok().map(|h| h.path())
    }

    /// Where an export chosen in the save dialog may be written: an absolute path to a `.{wanted}`
    /// file (the extension added when none was typed), never inside the folder of the history.
    pub fn export_path(&self, chosen: PathBuf, wanted: &str) -> Result<PathBuf> {
        let data_dir = self.history_path().and_then(|h| h.parent());
        crate::export_file::checked_path(chosen, wanted, data_dir)
    }

    /// Whether the settings hold any connection entry, readable or not: the demo opens only
    /// when there is none.
    pub fn has_saved_entries(&self) -> bool {
        self.connections.has_saved_entries()
    }

    /// The sentences about saved entries this version keeps unread.
    pub fn unreadable_connections(&self) -> Vec<String> {
        self.connections.unreadable()
    }

    pub fn saved_connections(&self) -> Vec<Connection> {
        self.connections.saved()
    }

    /// Saved connections, then the demo's.
    pub fn connections(&self) -> Vec<Connection> {
        self.connections.all()
    }

    pub fn connection(&self, id: Uuid) -> Result<Connection> {
        self.connections.get(id)
    }

    pub fn demo_open(&self) -> bool {
        self.connections.demo_open()
    }

    /// The app's state for the window. Quick: it does not touch the keychain (see
    /// [`Self::check_keychain`]); a keychain problem found by an earlier check is included.
    pub async fn status(&self) -> AppStatus {
        let keychain_problem = self.connections.keychain.checked().flatten();
        // Unknown outcomes only (those of removed connections included): pending ones are in
        // flight, or being reconciled right now.
        let unreconciled = self
            .history()
            .and_then(|h| h.all_open())
            .map(|v| v.iter().filter(|e| e.outcome == Outcome::Unknown).count() as u32)
            .unwrap_or(0);
        AppStatus {
            version: env!("CARGO_PKG_VERSION").into(),
            demo: self.demo_open(),
            connections: self.connections(),
            keychain_problem,
            history_problem: self.history_problem.clone(),
            settings_problem: self.settings.problem(),
            unreconciled,
            unreadable_connections: self.unreadable_connections(),
        }
    }

    /// Probes the keychain once per session (the window asks right after it shows), and says
    /// what is wrong with it, if anything.
    pub async fn check_keychain(&self) -> Option<String> {
        self.connections.keychain.check().await
    }

    /// Records that the settings file could not be read (see [`crate::durable`]): the banner
    /// says so, and the demo is not opened as if this were a first start.
    pub fn note_settings_problem(&self, message: String) {
        self.settings.note_problem(message)
    }

    pub fn settings_problem(&self) -> Option<String> {
        self.settings.problem()
    }

    /// Opens the demo workspace with connections whose secrets stay in memory. `keep_alive`
    /// holds the simulator for as long as the demo is open.
    pub fn open_demo(
        &self,
        connections: Vec<(Connection, Secret)>,
        keep_alive: Box<dyn std::any::Any + Send + Sync>,
    ) -> Result<()> {
        self.connections.open_demo(connections, keep_alive)
    }

    /// Closes the demo workspace; refused while one of its accounts is being acted on or has
    /// an action whose outcome is not known (closing would leave it unchecked for good).
    pub fn close_demo(&self) -> Result<()> {
        let closed = self.connections.close_demo(self.env.in_flight.as_ref())?;
        if !closed.is_empty() {
            self.listing.retain(|c| !closed.contains(&c));
        }
        Ok(())
    }

    /// For the fault-schedule explorer only: see [`crate::actions::CrashHook`].
    #[doc(hidden)]
    pub fn set_crash_hook(&self, hook: Option<crate::actions::CrashHook>) {
        self.env.set_crash_hook(hook)
    }

    /// Resolves when an action has ended with an unknown outcome since the last call: the
    /// app's re-check loop then plans its next look (see [`Self::next_check_in`]).
    pub async fn unknown_recorded(&self) {
        self.env.unknown_recorded().await
    }

    /// The adapter for a connection; its secret comes from the keychain the first time only.
    pub async fn api_for(&self, conn: &Connection) -> Result<Arc<dyn ProviderApi>> {
        self.connections.api_for(conn).await
    }

    /// Checks the credentials with a real call; nothing is saved.
    pub async fn verify(&self, input: &NewConnection) -> Result<VerifiedParent> {
        self.connections.verify(input).await
    }

    /// Verifies, stores the secret in the keychain, then saves the settings.
    pub async fn add_connection(&self, input: &NewConnection) -> Result<Connection> {
        self.connections.add(input).await
    }

    /// Renames a saved connection and, when a new token is given, replaces its token (checked
    /// with the provider first). Nothing changes when the check fails.
    pub async fn edit_connection(&self, id: Uuid, edit: &ConnectionEdit) -> Result<Connection> {
        self.connections.edit(id, edit).await
    }

    /// Removes a saved connection and its keychain entry. History entries stay. Refused while
    /// the connection has an action under way or not confirmed.
    pub async fn remove_connection(&self, id: Uuid) -> Result<()> {
        let forget_rows = || self.listing.retain(|c| c != id);
        self.connections
            .remove(id, self.env.in_flight.as_ref(), forget_rows)
            .await
    }

    pub fn settings(&self) -> Settings {
        self.settings.get()
    }

    pub fn set_settings(&self, s: Settings) -> Result<Settings> {
        let s = self.settings.set(s)?;
        self.connections.adapters().set_max(s.concurrency as usize);
        Ok(s)
    }

    /// Lists every connection's subaccounts at once, streaming each page as it arrives.
    pub async fn list_all(self: &Arc<Self>, on_event: Arc<dyn Fn(ListEvent) + Send + Sync>) {
        self.listing.list_all(on_event).await
    }

    /// The bulk jobs of this workspace.
    pub fn bulk(self: &Arc<Self>) -> BulkJobs {
        BulkJobs::new(
            Arc::clone(&self.connections),
            Arc::clone(&self.listing),
            Arc::clone(&self.env),
        )
    }

    /// Settling entries whose outcome is not known.
    fn reconciler(&self) -> Reconciler<'_> {
        Reconciler {
            connections: &self.connections,
            env: &self.env,
        }
    }

    /// Settles every open entry it can. Safe to run again: unknown ones are checked again.
    /// Entries of an account an action holds right now are left alone (they are in flight).
    pub async fn reconcile(&self) -> Result<crate::reconcile::Reconciled> {
        self.reconciler().reconcile().await
    }

    /// *Check now* for one account: reads it and settles its open entries.
    pub async fn check_now(
        &self,
        connection_id: Uuid,
        account_id: &str,
    ) -> Result<crate::reconcile::Reconciled> {
        self.reconciler().check_now(connection_id, account_id).await
    }

    /// Records what the user found in the provider's console for an entry Subdesk cannot
    /// settle by itself: `went_through` says whether the change shows there.
    pub async fn settle_by_hand(
        &self,
        entry_id: i64,
        went_through: bool,
    ) -> Result<crate::history::HistoryEntry> {
        self.reconciler()
            .settle_by_hand(entry_id, went_through)
            .await
    }

    /// How long until the soonest entry that may still apply can be settled by a read.
    pub fn next_check_in(&self) -> Option<std::time::Duration> {
        self.reconciler().next_check_in()
    }

    /// What the confirmation dialog shows. Reads the account's current state and impact.
    pub async fn preview(
        &self,
        connection_id: Uuid,
        account_id: &str,
        action: Action,
    ) -> Result<ActionPreview> {
        let conn = self.connection(connection_id)?;
        // Nothing to preview for an account in doubt: it is refused until settled.
        if let Some(open) = self
            .env
            .in_flight
            .open_for(&conn, account_id)
            .await?
            .first()
        {
            return Err(crate::in_flight::in_doubt(&conn, open));
        }
        let api = self.api_for(&conn).await?;
        let account = api.fetch(account_id).await?;
        crate::model::check_transition(conn.provider, account.status, account.is_parent, action)?;
        let impact = api.impact(account_id, action).await?;
        self.listing.remember(&conn, std::slice::from_ref(&account));
        let confirm_token = action.irreversible().then(|| {
            self.env.in_flight.tokens().issue(
                action,
                [(conn.id, account_id.to_string())].into(),
                HashMap::new(),
            )
        });
        Ok(ActionPreview {
            row: AccountRow::new(&conn, account),
            action,
            irreversible: action.irreversible(),
            impact,
            confirm_phrase: action
                .irreversible()
                .then(|| confirmation_phrase(account_id)),
            confirm_token,
        })
    }

    /// The account detail: the account read again, with its numbers and balance as its
    /// provider reports them. Reads only, so it refuses nothing (the parent, a closed account);
    /// a missing connection or a provider that does not answer is a plain error.
    pub async fn account_detail(
        &self,
        connection_id: Uuid,
        account_id: &str,
    ) -> Result<AccountDetailView> {
        let conn = self.connection(connection_id)?;
        let api = self.api_for(&conn).await?;
        let account = api.fetch(account_id).await?;
        let detail = api.detail(&account).await?;
        self.listing.remember(&conn, std::slice::from_ref(&account));
        let updated = account.updated.clone();
        Ok(AccountDetailView {
            row: AccountRow::new(&conn, account),
            updated,
            detail,
        })
    }

    /// Performs one action after its confirmation: an irreversible one needs the typed
    /// phrase and the token of the preview that showed it. The history gets the intent first.
    pub async fn apply(
        self: &Arc<Self>,
        connection_id: Uuid,
        account_id: &str,
        action: Action,
        confirmation: Option<&Confirmation>,
    ) -> Result<ActionResult> {
        self.apply_with(
            connection_id,
            account_id,
            action,
            confirmation,
            &Choices::new(),
            None,
        )
        .await
    }

    /// [`Self::apply`] with the user's answers to the action's questions (Plivo's `cascade`);
    /// unanswered ones take their defaults, and a question the action does not ask is refused.
    /// `reason`: the user's reason or ticket reference, kept with the history entry (checked
    /// first: one that is too long refuses the action before anything is sent).
    pub async fn apply_with(
        self: &Arc<Self>,
        connection_id: Uuid,
        account_id: &str,
        action: Action,
        confirmation: Option<&Confirmation>,
        choices: &Choices,
        reason: Option<&str>,
    ) -> Result<ActionResult> {
        let by = self.env.attribution(reason)?;
        let conn = self.connection(connection_id)?;
        let choices = conn.provider.info().resolve_choices(action, choices)?;
        if action.irreversible() {
            check_confirmation(account_id, confirmation.map(|c| c.typed.as_str()))?;
            self.env.in_flight.tokens().redeem(
                confirmation.map(|c| c.token.as_str()),
                action,
                &[(conn.id, account_id.to_string())].into(),
            )?;
        }
        let _claim = self.env.claim(&conn, account_id, action).await?;
        let history = Arc::clone(self.history()?);
        let api = self.api_for(&conn).await?;
        let known = self
            .listing
            .cached(conn.id, account_id)
            .map(|a| a.name)
            .unwrap_or_default();
        let done = self
            .env
            .context(&conn, &api, &history, &by, None, &choices)
            .perform(account_id, &known, action)
            .await?;
        if let Some(a) = &done.account {
            self.listing.remember(&conn, std::slice::from_ref(a));
        }
        self.env.note_outcome(done.outcome);
        match (done.outcome, done.error, done.account) {
            (Outcome::Succeeded, _, Some(account)) => Ok(ActionResult {
                row: AccountRow::new(&conn, account),
                history_id: done.history_id,
                request_id: done.request_id,
            }),
            (_, Some(e), _) => Err(e),
            _ => Err(Error::UnexpectedResponse {
                detail: "no account after the action".into(),
            }),
        }
    }

    pub fn history_query(
        &self,
        f: &HistoryFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage> {
        self.history()?.query(f, before_id, limit)
    }

    pub fn history_export(
        &self,
        f: &HistoryFilter,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64> {
        self.history()?.export_to_path(f, format, path)
    }

    /// Writes the accounts table to a CSV file at `path` (see [`Listing::export`]).
    /// Writes the table's rows (`items`, in the table's order) to a CSV file, with the spend
    /// and balance last read for each (the figures the table showed).
    pub fn accounts_export(&self, items: &[ItemRef], path: &Path) -> Result<AccountsExported> {
        self.listing
            .export(items, path, &|c, id| self.figures.last(c, id))
    }

    /// Reads the Spend and Balance figures of `items` (the rows in view first), streaming them
    /// to `sink`; see [`crate::figures`]. `run_id` names the read for
    /// [`Self::figures_stop`] and [`Self::figures_first`].
    pub async fn figures_read(
        &self,
        items: &[ItemRef],
        run_id: &str,
        sink: FiguresSink,
    ) -> Result<FiguresDone> {
        self.figures.read(items, run_id, sink).await
    }

    /// Stops a figures read; what was read stays.
    pub fn figures_stop(&self, run_id: &str) {
        self.figures.stop(run_id)
    }

    /// Reads these accounts next (they scrolled into view).
    pub fn figures_first(&self, run_id: &str, items: &[ItemRef]) {
        self.figures.first(run_id, items)
    }

    /// The figures last read for an account, if any.
    pub fn figures_last(
        &self,
        connection_id: Uuid,
        account_id: &str,
    ) -> Option<crate::model::Figures> {
        self.figures.last(connection_id, account_id)
    }
}
