//! The workspace: the one API the desktop shell calls. It owns the connections (settings in a
//! [`SettingsStore`], secrets in a [`SecretStore`]), the history, the shared HTTP client and
//! the demo workspace, and it is where every action goes through [`crate::actions`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::accounts_export::ExportRow;
use crate::actions::ActionContext;
use crate::api::{
    AccountDetailView, AccountRow, AccountsExported, ActionPreview, ActionResult, AppStatus,
    ConnectionEdit, ListEvent, NewConnection, VerifiedParent,
};
use crate::attribution::{checked_display_name, checked_reason, Attribution};
use crate::confirm::{Confirmation, Tokens};
use crate::error::{Error, Result};
use crate::history::{ExportFormat, History, HistoryFilter, HistoryPage, Outcome};
use crate::in_flight::{Claim, InFlight};
use crate::jobs::ItemRef;
use crate::listing_cache::ListingCache;
use crate::model::{
    check_confirmation, confirmation_phrase, Action, Connection, Provider, Subaccount,
};
use crate::providers::catalog::{self, Choices, FieldKind};
use crate::providers::{self, http, AdaptiveLimit, HttpConfig, ProviderApi, RetryPolicy};
use crate::secrets::{MemoryStore, Secret, SecretStore};

/// Settings kept in the settings file: nothing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Settings {
    /// Concurrent requests per connection in bulk jobs.
    pub concurrency: u32,
    /// A name shown beside the OS user in the history ("dana (Dana K.)"), for teams that
    /// share an OS account; each entry keeps the one set when it was written.
    pub operator_display_name: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 8,
            operator_display_name: None,
        }
    }
}

pub const MAX_CONCURRENCY: u32 = 32;

/// Settings read from a file a person may have edited: a value out of range falls back to its
/// default (with a warning) instead of stalling jobs (0) or flooding a provider (1000).
fn valid_on_disk(mut s: Settings) -> Settings {
    if s.concurrency == 0 || s.concurrency > MAX_CONCURRENCY {
        tracing::warn!(
            concurrency = s.concurrency,
            "saved concurrency out of range; using the default"
        );
        s.concurrency = Settings::default().concurrency;
    }
    match checked_display_name(s.operator_display_name.as_deref()) {
        Ok(name) => s.operator_display_name = name,
        Err(_) => {
            tracing::warn!("saved display name too long; using none");
            s.operator_display_name = None;
        }
    }
    s
}

/// Where connections and settings are saved (tauri-plugin-store in the app). Connections are
/// read and written entry by entry, as JSON values, so one entry this version cannot read (a
/// newer provider, a hand edit) is kept as written instead of taking the others down with it.
pub trait SettingsStore: Send + Sync {
    /// The saved connections, one JSON value each, as written.
    fn load_connection_entries(&self) -> Result<Vec<serde_json::Value>>;
    fn save_connection_entries(&self, entries: &[serde_json::Value]) -> Result<()>;
    fn load_settings(&self) -> Result<Settings>;
    fn save_settings(&self, settings: &Settings) -> Result<()>;

    /// The connections this version can read; the others are left out.
    fn load_connections(&self) -> Result<Vec<Connection>> {
        Ok(read_entries(self.load_connection_entries()?).0)
    }

    fn save_connections(&self, connections: &[Connection]) -> Result<()> {
        self.save_connection_entries(&to_entries(connections)?)
    }
}

/// A saved connection entry this version cannot use, kept exactly as written.
#[derive(Debug, Clone)]
pub struct UnreadableEntry {
    pub raw: serde_json::Value,
    /// Why, in a sentence for the banner.
    pub why: String,
}

/// Splits saved entries into the connections this version can use and the ones it keeps
/// unread. An entry with an unsafe API address (plain http to another computer, from a hand
/// edit) is kept unread too: a token must never go there.
pub fn read_entries(entries: Vec<serde_json::Value>) -> (Vec<Connection>, Vec<UnreadableEntry>) {
    let mut ok = Vec::new();
    let mut unread = Vec::new();
    for raw in entries {
        let label = raw
            .get("label")
            .and_then(|l| l.as_str())
            .map(|l| format!("\u{2068}{}\u{2069}", l.chars().take(80).collect::<String>()))
            .unwrap_or_else(|| "without a name".into());
        match serde_json::from_value::<Connection>(raw.clone()) {
            Ok(c) if http::validate_base_url(&c.base_url).is_ok() => ok.push(c),
            Ok(_) => unread.push(UnreadableEntry {
                raw,
                why: format!("The saved connection {label} has an API address Subdesk will not send a token to (plain http to another computer). It is kept as it was, unused. Remove it from the settings file, or add the connection again with an https address."),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "a saved connection this version cannot read");
                unread.push(UnreadableEntry {
                    raw,
                    why: format!("The saved connection {label} could not be read by this version of Subdesk (it may come from a newer version, or the settings file was edited by hand). It is kept as it was, unused: update Subdesk to use it."),
                });
            }
        }
    }
    (ok, unread)
}

fn to_entries(connections: &[Connection]) -> Result<Vec<serde_json::Value>> {
    connections
        .iter()
        .map(|c| serde_json::to_value(c).map_err(Error::storage))
        .collect()
}

/// Settings in memory, for tests.
#[derive(Default)]
pub struct MemorySettings {
    connections: Mutex<Vec<serde_json::Value>>,
    settings: Mutex<Settings>,
    /// Every save fails while set, as on a full disk.
    pub full: std::sync::atomic::AtomicBool,
}

impl MemorySettings {
    fn refuse_when_full(&self) -> Result<()> {
        match self.full.load(std::sync::atomic::Ordering::SeqCst) {
            true => Err(Error::storage("No space left on device (os error 28)")),
            false => Ok(()),
        }
    }
}

impl SettingsStore for MemorySettings {
    fn load_connection_entries(&self) -> Result<Vec<serde_json::Value>> {
        Ok(self.connections.lock().expect("poisoned").clone())
    }
    fn save_connection_entries(&self, c: &[serde_json::Value]) -> Result<()> {
        self.refuse_when_full()?;
        *self.connections.lock().expect("poisoned") = c.to_vec();
        Ok(())
    }
    fn load_settings(&self) -> Result<Settings> {
        Ok(self.settings.lock().expect("poisoned").clone())
    }
    fn save_settings(&self, s: &Settings) -> Result<()> {
        self.refuse_when_full()?;
        *self.settings.lock().expect("poisoned") = s.clone();
        Ok(())
    }
}

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

/// The demo workspace: its connections and their secrets, held in memory only, plus whatever
/// keeps the simulator alive.
struct Demo {
    connections: Vec<Connection>,
    secrets: MemoryStore,
    _keep_alive: Box<dyn std::any::Any + Send + Sync>,
}

pub struct Workspace {
    settings_store: Arc<dyn SettingsStore>,
    connections: RwLock<Vec<Connection>>,
    /// Saved entries this version cannot use: shown, and written back as they were.
    unreadable: Vec<UnreadableEntry>,
    settings: RwLock<Settings>,
    secrets: Arc<dyn SecretStore>,
    demo: RwLock<Option<Demo>>,
    history: std::result::Result<Arc<History>, String>,
    history_problem: Option<String>,
    /// The keychain probe's answer, once [`Workspace::check_keychain`] ran: `Some(None)` when
    /// the keychain works. Kept off the start-up path (a probe can wait on a password prompt).
    keychain_checked: tokio::sync::OnceCell<Option<String>>,
    /// Set by the shell when the settings file had to be moved aside at start-up.
    settings_problem: RwLock<Option<String>>,
    pub(crate) clients: http::Clients,
    pub(crate) retry: RetryPolicy,
    pub(crate) actor: String,
    /// The last listing, so selections can be previewed without re-reading every account.
    rows: ListingCache,
    pub(crate) jobs: Mutex<HashMap<String, Arc<AtomicBool>>>,
    /// Bulk previews under way, by the id the dialog gave them: set to `true` to stop one.
    pub(crate) previews: Mutex<HashMap<String, tokio::sync::watch::Sender<bool>>>,
    /// Accounts with an action under way, and the check that refuses an account in doubt: a
    /// second action on the same account is refused, so a dialog and a bulk job can never
    /// both act on it.
    in_flight: Arc<InFlight>,
    /// Woken when an action ends with its outcome unknown, so the re-check plans its next look.
    recheck: tokio::sync::Notify,
    /// See [`crate::actions::CrashHook`]: set only by the fault-schedule explorer.
    crash_hook: RwLock<Option<crate::actions::CrashHook>>,
    /// When this workspace started: an entry a crash left pending was sent before it.
    started_at: chrono::DateTime<chrono::Utc>,
    /// One adaptive in-flight limit per connection, shared by every request to it.
    limits: Mutex<HashMap<Uuid, Arc<AdaptiveLimit>>>,
    /// Previews of irreversible actions not yet confirmed.
    pub(crate) tokens: Tokens,
    /// Each saved connection's secret after its first keychain read: the keychain is asked
    /// once per session, not once per job (a locked keyring would prompt every time).
    secret_cache: Mutex<HashMap<Uuid, Secret>>,
    /// One keychain call at a time: a locked keyring prompts once, and whoever waited finds
    /// the secret cached.
    keychain_gate: tokio::sync::Mutex<()>,
}

/// The OS user name, for the history's "who". Asked of the OS (not of $USER, which a service
/// manager or a container may leave unset).
/// A connection's name as typed, or why it cannot be one.
fn checked_label(label: &str) -> Result<&str> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 80 {
        return Err(Error::validation(
            "label",
            "Give the connection a name of 1 to 80 characters.",
        ));
    }
    Ok(label)
}

pub fn os_user() -> String {
    whoami::username()
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

impl Workspace {
    pub fn new(cfg: WorkspaceConfig) -> Result<Workspace> {
        let (history, history_problem) = match &cfg.history_path {
            None => (Ok(Arc::new(History::in_memory()?)), None),
            Some(p) => match History::open(p) {
                Ok(o) => (Ok(Arc::new(o.history)), o.problem),
                Err(e) => {
                    let m = e.user_message();
                    (Err(m.clone()), Some(m))
                }
            },
        };
        let entries = cfg.settings.load_connection_entries().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read saved connections");
            Vec::new()
        });
        let (connections, unreadable) = read_entries(entries);
        let settings = valid_on_disk(cfg.settings.load_settings().unwrap_or_default());
        Ok(Workspace {
            settings_store: cfg.settings,
            connections: RwLock::new(connections),
            unreadable,
            settings: RwLock::new(settings),
            secrets: cfg.secrets,
            demo: RwLock::new(None),
            history,
            history_problem,
            keychain_checked: tokio::sync::OnceCell::new(),
            settings_problem: RwLock::new(None),
            clients: http::Clients::new(&cfg.http)?,
            retry: cfg.retry,
            actor: cfg.actor,
            rows: ListingCache::default(),
            jobs: Mutex::new(HashMap::new()),
            previews: Mutex::new(HashMap::new()),
            limits: Mutex::new(HashMap::new()),
            in_flight: Arc::new(InFlight::default()),
            started_at: chrono::Utc::now(),
            crash_hook: RwLock::new(None),
            recheck: tokio::sync::Notify::new(),
            tokens: Tokens::default(),
            secret_cache: Mutex::new(HashMap::new()),
            keychain_gate: tokio::sync::Mutex::new(()),
        })
    }

    pub fn history(&self) -> Result<&Arc<History>> {
        self.history
            .as_ref()
            .map_err(|m| Error::Storage { detail: m.clone() })
    }

    pub fn history_path(&self) -> Option<&Path> {
        self.history.as_ref().ok().map(|h| h.path())
    }

    /// Saves `all` with the unreadable entries after them, as they were: a save never drops an
    /// entry this version could not read.
    fn save_connections(&self, all: &[Connection]) -> Result<()> {
        let mut entries = to_entries(all)?;
        entries.extend(self.unreadable.iter().map(|u| u.raw.clone()));
        self.settings_store.save_connection_entries(&entries)
    }

    /// Whether the settings hold any connection entry, readable or not: the demo opens only
    /// when there is none.
    pub fn has_saved_entries(&self) -> bool {
        !self.saved_connections().is_empty() || !self.unreadable.is_empty()
    }

    /// The sentences about saved entries this version keeps unread.
    pub fn unreadable_connections(&self) -> Vec<String> {
        self.unreadable.iter().map(|u| u.why.clone()).collect()
    }

    pub fn saved_connections(&self) -> Vec<Connection> {
        self.connections.read().expect("poisoned").clone()
    }

    /// Saved connections, then the demo's.
    pub fn connections(&self) -> Vec<Connection> {
        let mut all = self.saved_connections();
        if let Some(d) = self.demo.read().expect("poisoned").as_ref() {
            all.extend(d.connections.iter().cloned());
        }
        all
    }

    pub fn connection(&self, id: Uuid) -> Result<Connection> {
        self.connections()
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::NotFound {
                what: "That connection".into(),
            })
    }

    pub fn demo_open(&self) -> bool {
        self.demo.read().expect("poisoned").is_some()
    }

    /// The app's state for the window. Quick: it does not touch the keychain (see
    /// [`Self::check_keychain`]); a keychain problem found by an earlier check is included.
    pub async fn status(&self) -> AppStatus {
        let keychain_problem = self.keychain_checked.get().cloned().flatten();
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
            settings_problem: self.settings_problem.read().expect("poisoned").clone(),
            unreconciled,
            unreadable_connections: self.unreadable_connections(),
        }
    }

    /// Probes the keychain once per session (the window asks right after it shows), and says
    /// what is wrong with it, if anything.
    pub async fn check_keychain(&self) -> Option<String> {
        self.keychain_checked
            .get_or_init(|| async {
                self.keychain(|s| s.probe())
                    .await
                    .err()
                    .map(|e| e.user_message())
            })
            .await
            .clone()
    }

    /// Records that the settings file could not be read (see [`crate::durable`]): the banner
    /// says so, and the demo is not opened as if this were a first start.
    pub fn note_settings_problem(&self, message: String) {
        *self.settings_problem.write().expect("poisoned") = Some(message);
    }

    pub fn settings_problem(&self) -> Option<String> {
        self.settings_problem.read().expect("poisoned").clone()
    }

    /// Opens the demo workspace with connections whose secrets stay in memory. `keep_alive`
    /// holds the simulator for as long as the demo is open.
    pub fn open_demo(
        &self,
        connections: Vec<(Connection, Secret)>,
        keep_alive: Box<dyn std::any::Any + Send + Sync>,
    ) -> Result<()> {
        let secrets = MemoryStore::default();
        let mut conns = Vec::new();
        for (mut c, s) in connections {
            c.demo = true;
            secrets.set(&c.id.to_string(), &s)?;
            conns.push(c);
        }
        *self.demo.write().expect("poisoned") = Some(Demo {
            connections: conns,
            secrets,
            _keep_alive: keep_alive,
        });
        Ok(())
    }

    /// Closes the demo workspace; refused while one of its accounts is being acted on or has
    /// an action whose outcome is not known (closing would leave it unchecked for good).
    pub fn close_demo(&self) -> Result<()> {
        let ids: Vec<Uuid> = self
            .demo
            .read()
            .expect("poisoned")
            .as_ref()
            .map(|d| d.connections.iter().map(|c| c.id).collect())
            .unwrap_or_default();
        for id in &ids {
            self.refuse_if_in_use(*id)?;
        }
        let closed = self.demo.write().expect("poisoned").take();
        if let Some(d) = closed {
            let ids: Vec<Uuid> = d.connections.iter().map(|c| c.id).collect();
            self.rows.retain(|c| !ids.contains(&c));
        }
        Ok(())
    }

    /// Refuses to remove a connection that has claims or entries whose outcome is not known.
    fn refuse_if_in_use(&self, id: Uuid) -> Result<()> {
        let key = id.to_string();
        let mut open = self
            .history()
            .and_then(|h| h.all_open())?
            .iter()
            .filter(|e| e.connection_id == key)
            .count() as u32;
        if open == 0 && self.in_flight.holds_any(id) {
            open = 1;
        }
        match open {
            0 => Ok(()),
            open => Err(Error::ConnectionInUse { open }),
        }
    }

    /// For the fault-schedule explorer only: see [`crate::actions::CrashHook`].
    #[doc(hidden)]
    pub fn set_crash_hook(&self, hook: Option<crate::actions::CrashHook>) {
        *self.crash_hook.write().expect("poisoned") = hook;
    }

    /// Resolves when an action has ended with an unknown outcome since the last call: the
    /// app's re-check loop then plans its next look (see [`Self::next_check_in`]).
    pub async fn unknown_recorded(&self) {
        self.recheck.notified().await
    }

    pub(crate) fn note_outcome(&self, outcome: Outcome) {
        if matches!(outcome, Outcome::Unknown | Outcome::Pending) {
            self.recheck.notify_one();
        }
    }

    pub(crate) fn in_flight(&self) -> &Arc<InFlight> {
        &self.in_flight
    }

    pub(crate) fn started_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.started_at
    }

    /// Runs a keychain call on the blocking pool, never on the async runtime: on Linux it is a
    /// D-Bus round trip, and a locked keyring may show a prompt and wait for the user.
    async fn keychain<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = Arc::clone(&self.secrets);
        tokio::task::spawn_blocking(move || call(store.as_ref()))
            .await
            .map_err(|e| Error::Keychain {
                detail: format!("the keychain call did not finish: {e}"),
            })?
    }

    fn cached_secret(&self, id: Uuid) -> Option<Secret> {
        self.secret_cache
            .lock()
            .expect("poisoned")
            .get(&id)
            .cloned()
    }

    async fn secret_for(&self, conn: &Connection) -> Result<Secret> {
        let key = conn.id.to_string();
        let missing = || Error::MissingSecret {
            label: conn.label.clone(),
        };
        if conn.demo {
            return self
                .demo
                .read()
                .expect("poisoned")
                .as_ref()
                .and_then(|d| d.secrets.get(&key).ok().flatten())
                .ok_or_else(missing);
        }
        if let Some(s) = self.cached_secret(conn.id) {
            return Ok(s);
        }
        let _gate = self.keychain_gate.lock().await;
        if let Some(s) = self.cached_secret(conn.id) {
            return Ok(s);
        }
        let secret = self
            .keychain(move |s| s.get(&key))
            .await?
            .ok_or_else(missing)?;
        self.secret_cache
            .lock()
            .expect("poisoned")
            .insert(conn.id, secret.clone());
        Ok(secret)
    }

    /// The adapter for a connection; its secret comes from the keychain the first time only.
    pub async fn api_for(&self, conn: &Connection) -> Result<Arc<dyn ProviderApi>> {
        let secret = self.secret_for(conn).await?;
        Ok(providers::adapter_for(
            conn,
            secret,
            &self.clients,
            self.retry.clone(),
            self.limit_for(conn.id),
        ))
    }

    fn limit_for(&self, id: Uuid) -> Arc<AdaptiveLimit> {
        let max = self.settings().concurrency as usize;
        Arc::clone(
            self.limits
                .lock()
                .expect("poisoned")
                .entry(id)
                .or_insert_with(|| Arc::new(AdaptiveLimit::new(max))),
        )
    }

    /// Turns the form into a connection (not yet saved), checking every field.
    fn draft(&self, input: &NewConnection) -> Result<Connection> {
        let label = checked_label(&input.label)?;
        if input.secret.is_blank() || input.secret.expose().trim().chars().any(char::is_control) {
            return Err(Error::validation(
                "secret",
                "Enter the Auth Token (or the API key's secret).",
            ));
        }
        let info = input.provider.info();
        for f in &info.fields {
            if f.kind == FieldKind::Secret || f.kind == FieldKind::Choice {
                continue;
            }
            let value = input.field(&f.key).map(str::trim).unwrap_or("");
            if value.is_empty() {
                // A field shown only for a choice (Twilio's key SID) is checked when present.
                if f.required && f.shown_when.is_none() {
                    return Err(Error::validation(&f.key, f.missing.clone()));
                }
                continue;
            }
            if let Some(p) = &f.pattern {
                if !catalog::matches(p, value) {
                    return Err(Error::validation(&f.key, f.invalid.clone()));
                }
            }
        }
        let account_id = input.account_id.trim().to_string();
        let drafted = input.provider.spec().draft(input)?;
        let auth = drafted.auth;
        let base_url =
            self.base_url(input.base_url.as_deref(), drafted.base_url, input.provider)?;
        let dup = self.saved_connections().into_iter().find(|c| {
            !account_id.is_empty()
                && c.provider == input.provider
                && c.account_id == account_id
                && c.base_url == base_url
        });
        if let Some(d) = dup {
            return Err(Error::validation(
                "accountId",
                format!("This account is already connected as \"{}\".", d.label),
            ));
        }
        Ok(Connection {
            id: Uuid::new_v4(),
            provider: input.provider,
            label: label.to_string(),
            account_id,
            auth,
            base_url,
            parent_name: None,
            demo: false,
            list_cancelled: info.lists_cancelled_on_request
                && input.field(catalog::INCLUDE_CANCELLED) == Some("yes"),
        })
    }

    fn base_url(
        &self,
        advanced: Option<&str>,
        regional: Option<String>,
        p: Provider,
    ) -> Result<String> {
        match advanced.map(str::trim).filter(|s| !s.is_empty()) {
            Some(u) => http::validate_base_url(u),
            None => Ok(regional.unwrap_or_else(|| p.default_base_url().to_string())),
        }
    }

    /// Checks the credentials with a real call; nothing is saved.
    pub async fn verify(&self, input: &NewConnection) -> Result<VerifiedParent> {
        let draft = self.draft(input)?;
        let api = providers::adapter_for(
            &draft,
            input.secret.trimmed(),
            &self.clients,
            self.retry.clone(),
            Arc::new(AdaptiveLimit::new(1)),
        );
        let name = api.verify().await?;
        let limitations = api.limitations().await?;
        Ok(VerifiedParent {
            account_id: draft.account_id,
            name,
            base_url: draft.base_url,
            limitations,
        })
    }

    /// Verifies, stores the secret in the keychain, then saves the settings.
    pub async fn add_connection(&self, input: &NewConnection) -> Result<Connection> {
        let mut conn = self.draft(input)?;
        let api = providers::adapter_for(
            &conn,
            input.secret.trimmed(),
            &self.clients,
            self.retry.clone(),
            Arc::new(AdaptiveLimit::new(1)),
        );
        conn.parent_name = Some(api.verify().await?);
        let key = conn.id.to_string();
        // Not cached here: the first use reads it back, so the keychain stays the one source.
        let secret = input.secret.trimmed();
        let _gate = self.keychain_gate.lock().await;
        let k = key.clone();
        self.keychain(move |store| store.set(&k, &secret)).await?;
        let mut all = self.saved_connections();
        all.push(conn.clone());
        if let Err(e) = self.save_connections(&all) {
            let _ = self.keychain(move |store| store.delete(&key)).await;
            return Err(e);
        }
        *self.connections.write().expect("poisoned") = all;
        Ok(conn)
    }

    /// Renames a saved connection and, when a new token is given, replaces its token: the new
    /// one is checked with the provider first (as when adding), then overwrites the old one in
    /// the keychain. Nothing changes when the check fails.
    pub async fn edit_connection(&self, id: Uuid, edit: &ConnectionEdit) -> Result<Connection> {
        let mut conn = self.connection(id)?;
        if conn.demo {
            return Err(Error::validation(
                "connectionId",
                "Demo connections cannot be changed; add a connection of your own instead.",
            ));
        }
        conn.label = checked_label(&edit.label)?.to_string();
        let secret = edit
            .secret
            .as_ref()
            .map(Secret::trimmed)
            .filter(|s| !s.expose().is_empty());
        if let Some(secret) = &secret {
            let api = providers::adapter_for(
                &conn,
                secret.clone(),
                &self.clients,
                self.retry.clone(),
                Arc::new(AdaptiveLimit::new(1)),
            );
            conn.parent_name = Some(api.verify().await?);
        }
        let _gate = self.keychain_gate.lock().await;
        if let Some(secret) = secret {
            let key = id.to_string();
            self.keychain(move |store| store.set(&key, &secret)).await?;
            // The next use reads the new token back from the keychain.
            self.secret_cache.lock().expect("poisoned").remove(&id);
        }
        let all: Vec<Connection> = self
            .saved_connections()
            .into_iter()
            .map(|c| if c.id == id { conn.clone() } else { c })
            .collect();
        self.save_connections(&all)?;
        *self.connections.write().expect("poisoned") = all;
        Ok(conn)
    }

    /// Removes a saved connection and its keychain entry. History entries stay. Refused while
    /// the connection has an action under way or not confirmed. The settings without it are
    /// saved first; its token leaves the keychain only after that succeeded, so a full disk
    /// leaves the connection as it was.
    pub async fn remove_connection(&self, id: Uuid) -> Result<()> {
        let conn = self.connection(id)?;
        if conn.demo {
            return Err(Error::validation(
                "connectionId",
                "Demo connections cannot be removed; close the demo workspace instead.",
            ));
        }
        self.refuse_if_in_use(id)?;
        let all: Vec<Connection> = self
            .saved_connections()
            .into_iter()
            .filter(|c| c.id != id)
            .collect();
        self.save_connections(&all)?;
        *self.connections.write().expect("poisoned") = all;
        self.rows.retain(|c| c != id);
        let _gate = self.keychain_gate.lock().await;
        self.secret_cache.lock().expect("poisoned").remove(&id);
        let key = id.to_string();
        if let Err(e) = self.keychain(move |s| s.delete(&key)).await {
            // The connection is gone; a token left behind is harmless and is overwritten if
            // the same id ever comes back (it cannot: ids are new for each connection).
            tracing::warn!(error = %e, connection = %id, "could not delete the removed connection's token");
        }
        Ok(())
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().expect("poisoned").clone()
    }

    pub fn set_settings(&self, mut s: Settings) -> Result<Settings> {
        if s.concurrency == 0 || s.concurrency > MAX_CONCURRENCY {
            return Err(Error::validation(
                "concurrency",
                format!("Choose between 1 and {MAX_CONCURRENCY} requests at a time."),
            ));
        }
        s.operator_display_name = checked_display_name(s.operator_display_name.as_deref())?;
        self.settings_store.save_settings(&s)?;
        *self.settings.write().expect("poisoned") = s.clone();
        // Running adapters share these limits: change their ceiling rather than replace them,
        // so one connection never has two limits at once.
        for limit in self.limits.lock().expect("poisoned").values() {
            limit.set_max(s.concurrency as usize);
        }
        Ok(s)
    }

    pub(crate) fn remember(&self, conn: &Connection, accounts: &[Subaccount]) {
        self.rows
            .remember(conn.id, accounts, &crate::history::now_iso());
    }

    pub(crate) fn cached(&self, conn: Uuid, id: &str) -> Option<Subaccount> {
        self.rows.get(conn, id).map(|l| l.account)
    }

    /// Lists every connection's subaccounts at once, streaming each page as it arrives.
    pub async fn list_all(self: &Arc<Self>, on_event: Arc<dyn Fn(ListEvent) + Send + Sync>) {
        let mut set = tokio::task::JoinSet::new();
        let open = Arc::new(self.open_entries());
        for conn in self.connections() {
            let ws = Arc::clone(self);
            let on_event = Arc::clone(&on_event);
            let open = Arc::clone(&open);
            set.spawn(async move {
                ws.rows.listing_started(conn.id);
                let result = async {
                    let api = ws.api_for(&conn).await?;
                    // A provider that reports no state: show what Subdesk last did instead.
                    let recorded = if conn.provider.info().reports_status {
                        HashMap::new()
                    } else {
                        ws.history()
                            .and_then(|h| h.last_succeeded(&conn.id.to_string()))
                            .unwrap_or_default()
                    };
                    let mut sink = |page: Vec<Subaccount>| {
                        ws.remember(&conn, &page);
                        let rows = page
                            .into_iter()
                            .map(|s| {
                                let last = recorded.get(&s.id).cloned();
                                let key = (conn.id.to_string(), s.id.clone());
                                let mut row = AccountRow::new(&conn, s);
                                row.recorded =
                                    last.map(|(action, at)| recorded_words(&action, &at));
                                match open.get(&key) {
                                    Some(entry) => row.in_doubt_by(&conn, entry),
                                    None => row,
                                }
                            })
                            .collect();
                        on_event(ListEvent::Page {
                            connection_id: conn.id,
                            rows,
                        });
                    };
                    api.list(&mut sink).await
                }
                .await;
                on_event(match result {
                    Ok(total) => ListEvent::Done {
                        connection_id: conn.id,
                        total: total as u32,
                    },
                    Err(e) => ListEvent::Failed {
                        connection_id: conn.id,
                        error: e.to_ui(),
                    },
                });
            });
        }
        while set.join_next().await.is_some() {}
    }

    /// Every entry with no known outcome, by (connection id, account id): the accounts in
    /// doubt. Few, and read through a partial index.
    fn open_entries(&self) -> HashMap<(String, String), crate::history::HistoryEntry> {
        self.history()
            .and_then(|h| h.all_open())
            .unwrap_or_default()
            .into_iter()
            .map(|e| ((e.connection_id.clone(), e.account_id.clone()), e))
            .collect()
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
            .history()?
            .open_for(&conn.id.to_string(), account_id)?
            .first()
        {
            return Err(crate::in_flight::in_doubt(&conn, open));
        }
        let api = self.api_for(&conn).await?;
        let account = api.fetch(account_id).await?;
        crate::model::check_transition(conn.provider, account.status, account.is_parent, action)?;
        let impact = api.impact(account_id, action).await?;
        self.remember(&conn, std::slice::from_ref(&account));
        let confirm_token = action.irreversible().then(|| {
            self.tokens.issue(
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
        self.remember(&conn, std::slice::from_ref(&account));
        let updated = account.updated.clone();
        Ok(AccountDetailView {
            row: AccountRow::new(&conn, account),
            updated,
            detail,
        })
    }

    /// Holds an account for an action: refused while another action holds it, and while an
    /// earlier action on it has no known outcome (see [`crate::in_flight`]).
    pub(crate) fn claim(&self, conn: &Connection, account_id: &str) -> Result<Claim> {
        self.in_flight
            .claim_for_action(conn, account_id, self.history()?)
    }

    /// Who acts (the OS user, and the display name set now) and why, for one action or one
    /// bulk job; the reason is checked here, before anything is sent.
    pub(crate) fn attribution(&self, reason: Option<&str>) -> Result<Attribution> {
        Ok(Attribution {
            actor: self.actor.clone(),
            operator_name: self.settings().operator_display_name,
            reason: checked_reason(reason)?,
        })
    }

    /// `job`: the bulk job's id and cancel flag, `None` for a single action.
    pub(crate) fn context<'a>(
        &'a self,
        conn: &'a Connection,
        api: &'a Arc<dyn ProviderApi>,
        history: &'a History,
        by: &'a Attribution,
        job: Option<(&'a str, &'a AtomicBool)>,
        choices: &'a Choices,
    ) -> ActionContext<'a> {
        ActionContext {
            conn,
            api,
            history,
            by,
            job_id: job.map(|(id, _)| id),
            retry: &self.retry,
            cancel: job.map(|(_, cancel)| cancel),
            choices,
            crash: self.crash_hook.read().expect("poisoned").clone(),
        }
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
        let by = self.attribution(reason)?;
        let conn = self.connection(connection_id)?;
        let choices = conn.provider.info().resolve_choices(action, choices)?;
        if action.irreversible() {
            check_confirmation(account_id, confirmation.map(|c| c.typed.as_str()))?;
            self.tokens.redeem(
                confirmation.map(|c| c.token.as_str()),
                action,
                &[(conn.id, account_id.to_string())].into(),
            )?;
        }
        let _claim = self.claim(&conn, account_id)?;
        let history = Arc::clone(self.history()?);
        let api = self.api_for(&conn).await?;
        let known = self
            .cached(conn.id, account_id)
            .map(|a| a.name)
            .unwrap_or_default();
        let done = self
            .context(&conn, &api, &history, &by, None, &choices)
            .perform(account_id, &known, action)
            .await?;
        if let Some(a) = &done.account {
            self.remember(&conn, std::slice::from_ref(a));
        }
        self.note_outcome(done.outcome);
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

    /// Writes the accounts table to a CSV file at `path`, whole or not at all: the rows named
    /// by `items`, in that order, as Subdesk last read them. An item Subdesk does not list (its
    /// connection was removed, or it was never listed) is left out and counted; a repeated one
    /// is written once. Nothing is written when none of them is listed.
    pub fn accounts_export(&self, items: &[ItemRef], path: &Path) -> Result<AccountsExported> {
        let connections: HashMap<Uuid, Connection> =
            self.connections().into_iter().map(|c| (c.id, c)).collect();
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::with_capacity(items.len());
        let mut left_out = 0u64;
        for item in items {
            if !seen.insert(item) {
                continue;
            }
            let conn = connections.get(&item.connection_id);
            match (conn, self.rows.get(item.connection_id, &item.account_id)) {
                (Some(conn), Some(listed)) if !listed.account.is_parent => {
                    let stale = self.rows.stale_since(conn.id, &listed);
                    rows.push((conn, listed.account, stale));
                }
                _ => left_out += 1,
            }
        }
        if rows.is_empty() {
            return Err(Error::validation(
                "items",
                "None of these accounts is in the list any more. Refresh the list, then export again.",
            ));
        }
        let count = crate::export_file::write_atomically(path, |out| {
            crate::accounts_export::write_csv(
                rows.iter().map(|(connection, account, stale)| ExportRow {
                    connection,
                    account,
                    stale_since: stale.as_deref(),
                }),
                out,
            )
        })?;
        Ok(AccountsExported {
            path: path.display().to_string(),
            count,
            left_out,
        })
    }
}

/// "Subdesk suspended it on 2026-11-24 14:02 UTC".
fn recorded_words(action: &str, at: &str) -> String {
    let done = match Action::parse(action) {
        Some(a) => crate::error::past_tense(a).to_string(),
        None => format!("ran \"{action}\" on"),
    };
    let when: String = at.chars().take(16).collect::<String>().replace('T', " ");
    format!("Subdesk {done} it on {when} UTC")
}
