//! Connections and settings in tauri-plugin-store (`settings.json` in the app data folder).
//! Only non-secret fields are written; tokens are in the keychain.

use std::sync::Arc;

use subdesk_core::{Connection, Error, Result, Settings, SettingsStore};
use tauri::{Runtime, Wry};
use tauri_plugin_store::Store;

pub const FILE: &str = "settings.json";
const CONNECTIONS: &str = "connections";
const SETTINGS: &str = "settings";

pub struct PluginStore<R: Runtime = Wry> {
    store: Arc<Store<R>>,
}

impl<R: Runtime> PluginStore<R> {
    pub fn new(store: Arc<Store<R>>) -> Self {
        PluginStore { store }
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
        self.store.save().map_err(Error::storage)
    }
}

impl<R: Runtime> SettingsStore for PluginStore<R> {
    fn load_connections(&self) -> Result<Vec<Connection>> {
        self.read(CONNECTIONS)
    }
    fn save_connections(&self, connections: &[Connection]) -> Result<()> {
        self.write(CONNECTIONS, &connections)
    }
    fn load_settings(&self) -> Result<Settings> {
        self.read(SETTINGS)
    }
    fn save_settings(&self, settings: &Settings) -> Result<()> {
        self.write(SETTINGS, settings)
    }
}
