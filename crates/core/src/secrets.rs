//! Secrets: a redacting wrapper, and where secrets are kept.
//!
//! The app keeps secrets only in the OS keychain ([`KeyringStore`]). [`MemoryStore`] serves the
//! demo workspace (whose credentials must never touch the real keychain) and unit tests.
//! `keyring::mock` cannot stand in for tests: it gives each `Entry` its own secret.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

/// A secret string. Debug and Display print `<redacted>`; it cannot be serialised, only
/// deserialised (it arrives once from the UI when a connection is added). Its memory is wiped
/// when it is dropped, clones included. Copies made outside it (the keychain's and the HTTP
/// stack's buffers, request headers) are beyond its reach.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The same secret without surrounding white space (a pasted token often ends in a newline).
    pub fn trimmed(&self) -> Secret {
        Secret(self.0.trim().to_string())
    }

    /// The only way to read the value: call sites are easy to audit with a search.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where connection secrets live, keyed by connection id.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Secret>>;
    fn set(&self, key: &str, secret: &Secret) -> Result<()>;
    /// Deleting a missing entry is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// Checks that the store is reachable and unlocked, without touching any real entry.
    fn probe(&self) -> Result<()>;
}

/// The OS keychain through the `keyring` crate (Secret Service on Linux, Keychain on macOS,
/// Credential Manager on Windows). Calls can block (D-Bus on Linux).
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: impl Into<String>) -> KeyringStore {
        KeyringStore {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key).map_err(keychain_error)
    }
}

fn keychain_error(e: keyring::Error) -> Error {
    let detail = match &e {
        keyring::Error::NoStorageAccess(_) => {
            "no Secret Service is running, or the keyring is locked".to_string()
        }
        keyring::Error::PlatformFailure(inner) => format!("the keychain failed: {inner}"),
        other => other.to_string(),
    };
    Error::Keychain { detail }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        match self.entry(key)?.get_password() {
            Ok(s) => Ok(Some(Secret(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    fn set(&self, key: &str, secret: &Secret) -> Result<()> {
        self.entry(key)?
            .set_password(secret.expose())
            .map_err(keychain_error)
    }

    fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }

    fn probe(&self) -> Result<()> {
        self.get("subdesk-probe").map(|_| ())
    }
}

/// Secrets held in memory for the life of the process.
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, Secret>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        Ok(self.map.lock().expect("poisoned").get(key).cloned())
    }

    fn set(&self, key: &str, secret: &Secret) -> Result<()> {
        self.map
            .lock()
            .expect("poisoned")
            .insert(key.to_string(), secret.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.map.lock().expect("poisoned").remove(key);
        Ok(())
    }

    fn probe(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            token: Secret,
        }
        let dbg = format!("{:?}", Holder { token: s.clone() });
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn secrets_are_wiped_on_drop() {
        // Freed memory cannot be read back without undefined behaviour: this checks that the
        // type promises it (the Drop impl above keeps the promise).
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
    }

    #[test]
    fn secrets_deserialise_from_ui_input() {
        let s: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
        assert!(Secret::new("  ").is_blank());
    }

    #[test]
    fn memory_store_round_trip() {
        let m = MemoryStore::default();
        assert!(m.get("a").unwrap().is_none());
        m.set("a", &Secret::new("x")).unwrap();
        assert_eq!(m.get("a").unwrap().unwrap().expose(), "x");
        m.delete("a").unwrap();
        m.delete("a").unwrap();
        assert!(m.get("a").unwrap().is_none());
    }
}
