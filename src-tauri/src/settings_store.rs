//! Connections and settings in tauri-plugin-store (`settings.json` in the app data folder).
//! Only non-secret fields are written; tokens are in the keychain.
//!
//! The plugin keeps the values; the file is written by us, atomically (temporary file, fsync,
//! rename: `subdesk_core::durable`), because the plugin writes it in place and a crash or a full
//! disk during a save would leave a torn file, which the plugin then silently reads as empty.

use std::path::PathBuf;
use std::sync::Arc;

use subdesk_core::{Error, Result, Settings, SettingsStore};
use subdesk_team::{SavedTeam, TeamStore};
use tauri::{Runtime, Wry};
use tauri_plugin_store::Store;

pub const FILE: &str = "settings.json";
const CONNECTIONS: &str = "connections";
const SETTINGS: &str = "settings";
/// Team history's settings (never its password: that is in the keychain).
const TEAM: &str = "team";

pub struct PluginStore<R: Runtime = Wry> {
    store: Arc<Store<R>>,
    path: PathBuf,
}

impl<R: Runtime> PluginStore<R> {
    /// `path`: where the plugin reads `store` from (the app data folder's settings.json).
    pub fn new(store: Arc<Store<R>>, path: PathBuf) -> Self {
        PluginStore { store, path }
    }

    fn read<T: serde::de::DeserializeOwned + Default>(&self, key: &str) -> Result<T> {
        match self.store.get(key) {
            None => Ok(T::default()),
            Some(v) => serde_json::from_value(v).map_err(|e| {
                Error::storage(format!("{FILE} has an unreadable \"{key}\" entry: {e}"))
            }),
        }
    }

    fn write<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let v = serde_json::to_value(value).map_err(Error::storage)?;
        self.store.set(key, v);
        let all: serde_json::Map<String, serde_json::Value> =
            self.store.entries().into_iter().collect();
        let bytes = serde_json::to_vec_pretty(&all).map_err(Error::storage)?;
        subdesk_core::durable::write_atomically(&self.path, &bytes)
    }
}

impl<R: Runtime> SettingsStore for PluginStore<R> {
    /// Entry by entry: one entry core cannot read is kept as written (see
    /// [`subdesk_core::workspace::read_entries`]).
    fn load_connection_entries(&self) -> Result<Vec<serde_json::Value>> {
        self.read(CONNECTIONS)
    }
    fn save_connection_entries(&self, entries: &[serde_json::Value]) -> Result<()> {
        self.write(CONNECTIONS, &entries)
    }
    fn load_settings(&self) -> Result<Settings> {
        self.read(SETTINGS)
    }
    fn save_settings(&self, settings: &Settings) -> Result<()> {
        self.write(SETTINGS, settings)
    }
}

impl<R: Runtime> TeamStore for PluginStore<R> {
    fn load_team(&self) -> Result<SavedTeam> {
        self.read(TEAM)
    }
    fn save_team(&self, team: &SavedTeam) -> Result<()> {
        self.write(TEAM, team)
    }
}
