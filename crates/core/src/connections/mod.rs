//! The connections: the saved ones (settings in a [`SettingsStore`], secrets in the keychain),
//! the saved entries this version cannot read, and the demo workspace's; adding, editing,
//! verifying and removing them, and each one's adapter.

mod adapters;
mod draft;
mod keychain;

use std::sync::{Arc, RwLock};

use uuid::Uuid;

pub(crate) use adapters::Adapters;
pub(crate) use keychain::Keychain;

use crate::api::{ConnectionEdit, NewConnection, VerifiedParent};
use crate::error::{Error, Result};
use crate::in_flight::InFlight;
use crate::model::Connection;
use crate::providers::ProviderApi;
use crate::secrets::{MemoryStore, Secret, SecretStore};
use crate::settings::{read_entries, to_entries, SettingsStore, UnreadableEntry};

/// The demo workspace: its connections and their secrets, held in memory only, plus whatever
/// keeps the simulator alive.
struct Demo {
    connections: Vec<Connection>,
    secrets: MemoryStore,
    _keep_alive: Box<dyn std::any::Any + Send + Sync>,
}

pub(crate) struct Connections {
    store: Arc<dyn SettingsStore>,
    saved: RwLock<Vec<Connection>>,
    /// Saved entries this version cannot use: shown, and written back as they were.
    unreadable: Vec<UnreadableEntry>,
    demo: RwLock<Option<Demo>>,
    pub keychain: Keychain,
    adapters: Adapters,
}

impl Connections {
    /// Reads the saved entries; one that cannot be read is kept aside, unused.
    pub fn load(store: Arc<dyn SettingsStore>, keychain: Keychain, adapters: Adapters) -> Self {
        let entries = store.load_connection_entries().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read saved connections");
            Vec::new()
        });
        let (saved, unreadable) = read_entries(entries);
        Connections {
            store,
            saved: RwLock::new(saved),
            unreadable,
            demo: RwLock::new(None),
            keychain,
            adapters,
        }
    }

    pub fn adapters(&self) -> &Adapters {
        &self.adapters
    }

    /// Saves `all` with the unreadable entries after them, as they were: a save never drops an
    /// entry this version could not read; then makes `all` the saved connections.
    fn save(&self, all: Vec<Connection>) -> Result<()> {
        let mut entries = to_entries(&all)?;
        entries.extend(self.unreadable.iter().map(|u| u.raw.clone()));
        self.store.save_connection_entries(&entries)?;
        *self.saved.write().expect("poisoned") = all;
        Ok(())
    }

    /// Whether the settings hold any connection entry, readable or not.
    pub fn has_saved_entries(&self) -> bool {
        !self.saved().is_empty() || !self.unreadable.is_empty()
    }

    /// The sentences about saved entries this version keeps unread.
    pub fn unreadable(&self) -> Vec<String> {
        self.unreadable.iter().map(|u| u.why.clone()).collect()
    }

    pub fn saved(&self) -> Vec<Connection> {
        self.saved.read().expect("poisoned").clone()
    }

    /// Saved connections, then the demo's.
    pub fn all(&self) -> Vec<Connection> {
        let mut all = self.saved();
        if let Some(d) = self.demo.read().expect("poisoned").as_ref() {
            all.extend(d.connections.iter().cloned());
        }
        all
    }

    pub fn get(&self, id: Uuid) -> Result<Connection> {
        self.all()
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::NotFound {
                what: "That connection".into(),
            })
    }

    pub fn demo_open(&self) -> bool {
        self.demo.read().expect("poisoned").is_some()
    }

    /// Opens the demo workspace with connections whose secrets stay in memory.
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

    /// Closes the demo workspace unless `in_flight` refuses one of its connections; returns
    /// the ids of the connections it closed.
    pub fn close_demo(&self, in_flight: &dyn InFlight) -> Result<Vec<Uuid>> {
        let ids: Vec<Uuid> = self
            .demo
            .read()
            .expect("poisoned")
            .as_ref()
            .map(|d| d.connections.iter().map(|c| c.id).collect())
            .unwrap_or_default();
        for id in &ids {
            in_flight.refuse_if_in_use(*id)?;
        }
        let closed = self.demo.write().expect("poisoned").take();
        Ok(closed
            .map(|d| d.connections.iter().map(|c| c.id).collect())
            .unwrap_or_default())
    }

    async fn secret_for(&self, conn: &Connection) -> Result<Secret> {
        let missing = || Error::MissingSecret {
            label: conn.label.clone(),
        };
        if conn.demo {
            let key = conn.id.to_string();
            return self
                .demo
                .read()
                .expect("poisoned")
                .as_ref()
                .and_then(|d| d.secrets.get(&key).ok().flatten())
                .ok_or_else(missing);
        }
        self.keychain.secret(conn.id).await?.ok_or_else(missing)
    }

    /// The adapter for a connection; its secret comes from the keychain the first time only.
    pub async fn api_for(&self, conn: &Connection) -> Result<Arc<dyn ProviderApi>> {
        let secret = self.secret_for(conn).await?;
        Ok(self.adapters.for_connection(conn, secret))
    }

    /// Checks the credentials with a real call; nothing is saved.
    pub async fn verify(&self, input: &NewConnection) -> Result<VerifiedParent> {
        let draft = draft::draft(input, &self.saved())?;
        let api = self.adapters.for_check(&draft, input.secret.trimmed());
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
    pub async fn add(&self, input: &NewConnection) -> Result<Connection> {
        let mut conn = draft::draft(input, &self.saved())?;
        let api = self.adapters.for_check(&conn, input.secret.trimmed());
        conn.parent_name = Some(api.verify().await?);
        let key = conn.id.to_string();
        // Not cached here: the first use reads it back, so the keychain stays the one source.
        let secret = input.secret.trimmed();
        let _gate = self.keychain.hold().await;
        let k = key.clone();
        self.keychain
            .call(move |store| store.set(&k, &secret))
            .await?;
        let mut all = self.saved();
        all.push(conn.clone());
        if let Err(e) = self.save(all) {
            let _ = self.keychain.call(move |store| store.delete(&key)).await;
            return Err(e);
        }
        Ok(conn)
    }

    /// Renames a saved connection and, when a new token is given, replaces its token: the new
    /// one is checked with the provider first (as when adding), then overwrites the old one in
    /// the keychain. Nothing changes when the check fails.
    pub async fn edit(&self, id: Uuid, edit: &ConnectionEdit) -> Result<Connection> {
        let mut conn = self.get(id)?;
        if conn.demo {
            return Err(Error::validation(
                "connectionId",
                "Demo connections cannot be changed; add a connection of your own instead.",
            ));
        }
        conn.label = draft::checked_label(&edit.label)?.to_string();
        let secret = edit
            .secret
            .as_ref()
            .map(Secret::trimmed)
            .filter(|s| !s.expose().is_empty());
        if let Some(secret) = &secret {
            let api = self.adapters.for_check(&conn, secret.clone());
            conn.parent_name = Some(api.verify().await?);
        }
        let _gate = self.keychain.hold().await;
        if let Some(secret) = secret {
            let key = id.to_string();
            self.keychain
                .call(move |store| store.set(&key, &secret))
                .await?;
            self.keychain.forget(id);
        }
        let all: Vec<Connection> = self
            .saved()
            .into_iter()
            .map(|c| if c.id == id { conn.clone() } else { c })
            .collect();
        self.save(all)?;
        Ok(conn)
    }

    /// Removes a saved connection and its keychain entry, unless `in_flight` refuses it.
    /// History entries stay. The settings without it are saved first; its token leaves the
    /// keychain only after that succeeded, so a full disk leaves the connection as it was.
    /// `forget_rows`: called once the connection is gone, to drop what was listed of it.
    pub async fn remove(
        &self,
        id: Uuid,
        in_flight: &dyn InFlight,
        forget_rows: impl FnOnce(),
    ) -> Result<()> {
        let conn = self.get(id)?;
        if conn.demo {
            return Err(Error::validation(
                "connectionId",
                "Demo connections cannot be removed; close the demo workspace instead.",
            ));
        }
        in_flight.refuse_if_in_use(id)?;
        let all: Vec<Connection> = self.saved().into_iter().filter(|c| c.id != id).collect();
        self.save(all)?;
        forget_rows();
        let _gate = self.keychain.hold().await;
        self.keychain.forget(id);
        let key = id.to_string();
        if let Err(e) = self.keychain.call(move |s| s.delete(&key)).await {
            // The connection is gone; a token left behind is harmless and is overwritten if
            // the same id ever comes back (it cannot: ids are new for each connection).
            tracing::warn!(error = %e, connection = %id, "could not delete the removed connection's token");
        }
        Ok(())
    }
}
