//! The app's small settings and the saved connection entries, as the settings file holds them
//! (tauri-plugin-store in the app, memory in tests): reading them without trusting a hand edit,
//! and writing them back without losing an entry this version cannot read.

use std::sync::{Mutex, RwLock};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::attribution::checked_display_name;
use crate::error::{Error, Result};
use crate::model::Connection;
use crate::providers::http;

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
pub(crate) fn valid_on_disk(mut s: Settings) -> Settings {
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

pub(crate) fn to_entries(connections: &[Connection]) -> Result<Vec<serde_json::Value>> {
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

/// The settings as they are now, with the store they are saved to and, when the settings file
/// had to be moved aside at start-up, the sentence that says so.
pub(crate) struct SavedSettings {
    store: std::sync::Arc<dyn SettingsStore>,
    current: RwLock<Settings>,
    problem: RwLock<Option<String>>,
}

impl SavedSettings {
    /// Reads the settings from `store`; a value out of range takes its default.
    pub fn load(store: std::sync::Arc<dyn SettingsStore>) -> SavedSettings {
        let current = valid_on_disk(store.load_settings().unwrap_or_default());
        SavedSettings {
            store,
            current: RwLock::new(current),
            problem: RwLock::new(None),
        }
    }

    pub fn get(&self) -> Settings {
        self.current.read().expect("poisoned").clone()
    }

    /// Checks and saves `s`; returns it as saved.
    pub fn set(&self, mut s: Settings) -> Result<Settings> {
        if s.concurrency == 0 || s.concurrency > MAX_CONCURRENCY {
            return Err(Error::validation(
                "concurrency",
                format!("Choose between 1 and {MAX_CONCURRENCY} requests at a time."),
            ));
        }
        s.operator_display_name = checked_display_name(s.operator_display_name.as_deref())?;
        self.store.save_settings(&s)?;
        *self.current.write().expect("poisoned") = s.clone();
        Ok(s)
    }

    pub fn note_problem(&self, message: String) {
        *self.problem.write().expect("poisoned") = Some(message);
    }

    pub fn problem(&self) -> Option<String> {
        self.problem.read().expect("poisoned").clone()
    }
}
