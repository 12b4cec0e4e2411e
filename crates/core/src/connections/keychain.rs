//! The saved connections' secrets: in the system keychain, asked once per session per
//! connection (a locked keyring would prompt every time), one call at a time, never on the
//! async runtime.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::secrets::{Secret, SecretStore};

pub(crate) struct Keychain {
    store: Arc<dyn SecretStore>,
    /// Each saved connection's secret after its first keychain read.
    cache: Mutex<HashMap<Uuid, Secret>>,
    /// One keychain call at a time: a locked keyring prompts once, and whoever waited finds
    /// the secret cached.
    gate: tokio::sync::Mutex<()>,
    /// The probe's answer, once [`Keychain::check`] ran: `Some(None)` when the keychain works.
    /// Kept off the start-up path (a probe can wait on a password prompt).
    checked: tokio::sync::OnceCell<Option<String>>,
}

impl Keychain {
    pub fn new(store: Arc<dyn SecretStore>) -> Keychain {
        Keychain {
            store,
            cache: Mutex::new(HashMap::new()),
            gate: tokio::sync::Mutex::new(()),
            checked: tokio::sync::OnceCell::new(),
        }
    }

    /// Probes the keychain once per session, and says what is wrong with it, if anything.
    pub async fn check(&self) -> Option<String> {
        self.checked
            .get_or_init(|| async {
                self.call(|s| s.probe())
                    .await
                    .err()
                    .map(|e| e.user_message())
            })
            .await
            .clone()
    }

    /// The probe's answer if it ran: `None` when it has not, `Some(None)` when it worked.
    pub fn checked(&self) -> Option<Option<String>> {
        self.checked.get().cloned()
    }

    /// Holds the keychain for a sequence of calls (add, edit, remove).
    pub async fn hold(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.gate.lock().await
    }

    /// Runs a keychain call on the blocking pool, never on the async runtime: on Linux it is a
    /// D-Bus round trip, and a locked keyring may show a prompt and wait for the user.
    pub async fn call<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || call(store.as_ref()))
            .await
            .map_err(|e| Error::Keychain {
                detail: format!("the keychain call did not finish: {e}"),
            })?
    }

    /// The connection's secret, from the cache or else from the keychain; `None` when the
    /// keychain has none.
    pub async fn secret(&self, id: Uuid) -> Result<Option<Secret>> {
        if let Some(s) = self.cached(id) {
            return Ok(Some(s));
        }
        let _gate = self.gate.lock().await;
        if let Some(s) = self.cached(id) {
            return Ok(Some(s));
        }
        let key = id.to_string();
        let Some(secret) = self.call(move |s| s.get(&key)).await? else {
            return Ok(None);
        };
        self.cache
            .lock()
            .expect("poisoned")
            .insert(id, secret.clone());
        Ok(Some(secret))
    }

    /// Drops the cached secret: the next use reads it back from the keychain.
    pub fn forget(&self, id: Uuid) {
        self.cache.lock().expect("poisoned").remove(&id);
    }

    fn cached(&self, id: Uuid) -> Option<Secret> {
        self.cache.lock().expect("poisoned").get(&id).cloned()
    }
}
