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
        match serde_json::from_value::<Connection>(upgraded(raw.clone())) {
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

/// A saved connection as this version writes it. Versions before provider options wrote
/// Twilio's API key as `auth: {kind: "apiKey", keySid}` and Telnyx's choice as
/// `listCancelled: true` (and the form's own keys, such as `edge`, at the top): each becomes the
/// option the provider now declares. An entry already in this form is returned as it is.
fn upgraded(mut raw: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let Some(entry) = raw.as_object_mut() else {
        return raw;
    };
    let mut options = match entry.remove("options") {
        Some(Value::Object(o)) => o,
        Some(other) => {
            // Not ours to fix: let reading refuse it.
            entry.insert("options".into(), other);
            return raw;
        }
        None => serde_json::Map::new(),
    };
    if let Some(auth) = entry.remove("auth") {
        if auth.get("kind").and_then(Value::as_str) == Some("apiKey") {
            if let Some(key) = auth.get("keySid").and_then(Value::as_str) {
                options
                    .entry("apiKeySid")
                    .or_insert_with(|| Value::String(key.into()));
            }
        }
    }
    if let Some(list) = entry.remove("listCancelled") {
        if list.as_bool() == Some(true) {
            options
                .entry("includeCancelled")
                .or_insert_with(|| Value::String("yes".into()));
        }
    }
    for key in ["apiKeySid", "edge", "region", "includeCancelled"] {
        if let Some(Value::String(v)) = entry.remove(key) {
            options.entry(key).or_insert(Value::String(v));
        }
    }
    entry.insert("options".into(), Value::Object(options));
    raw
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provider;

    /// Connections saved before provider options (an `auth` method, `listCancelled`) still load,
    /// with the same meaning, and are written back in this version's form.
    #[test]
    fn connections_saved_by_older_versions_still_load() {
        let twilio_key = serde_json::json!({
            "id": "7f0c3a52-8a55-4a43-9c61-0a1f2f3f4a10",
            "provider": "twilio",
            "label": "Main",
            "accountId": "AC0123456789abcdef0123456789abcdef",
            "auth": {"kind": "apiKey", "keySid": "SK0123456789abcdef0123456789abcdef"},
            "baseUrl": "https://api.dublin.ie1.twilio.com",
            "parentName": "Acme",
            "demo": false,
            "listCancelled": false
        });
        let twilio_token = serde_json::json!({
            "id": "7f0c3a52-8a55-4a43-9c61-0a1f2f3f4a11",
            "provider": "twilio",
            "label": "Token",
            "accountId": "AC0123456789abcdef0123456789abcdee",
            "auth": {"kind": "authToken"},
            "baseUrl": "https://api.twilio.com",
            "parentName": null,
            "demo": false
        });
        let telnyx = serde_json::json!({
            "id": "7f0c3a52-8a55-4a43-9c61-0a1f2f3f4a12",
            "provider": "telnyx",
            "label": "Manager",
            "accountId": "",
            "auth": {"kind": "authToken"},
            "baseUrl": "https://api.telnyx.com",
            "parentName": null,
            "demo": false,
            "listCancelled": true,
            "edge": "ignored-by-telnyx"
        });
        let (ok, unread) = read_entries(vec![twilio_key, twilio_token, telnyx]);
        assert!(
            unread.is_empty(),
            "{:?}",
            unread.iter().map(|u| &u.why).collect::<Vec<_>>()
        );
        assert_eq!(ok.len(), 3);

        assert_eq!(ok[0].provider, Provider::Twilio);
        assert_eq!(
            ok[0].option("apiKeySid"),
            Some("SK0123456789abcdef0123456789abcdef")
        );
        assert_eq!(ok[0].options.len(), 1);
        assert_eq!(
            crate::providers::twilio::AuthMethod::of(&ok[0]),
            crate::providers::twilio::AuthMethod::ApiKey {
                key_sid: "SK0123456789abcdef0123456789abcdef".into()
            }
        );
        assert_eq!(ok[0].parent_name.as_deref(), Some("Acme"));
        assert!(ok[1].options.is_empty());
        assert_eq!(
            crate::providers::twilio::AuthMethod::of(&ok[1]),
            crate::providers::twilio::AuthMethod::AuthToken
        );
        assert_eq!(ok[2].option("includeCancelled"), Some("yes"));

        // Written back in this version's form, and read again unchanged.
        let entries = to_entries(&ok).unwrap();
        assert!(entries
            .iter()
            .all(|e| e.get("auth").is_none() && e.get("listCancelled").is_none()));
        assert_eq!(read_entries(entries).0, ok);
    }

    #[test]
    fn an_entry_in_this_versions_form_is_read_as_written() {
        let entry = serde_json::json!({
            "id": "7f0c3a52-8a55-4a43-9c61-0a1f2f3f4a13",
            "provider": "telnyx",
            "label": "Manager",
            "accountId": "",
            "baseUrl": "https://api.telnyx.com",
            "parentName": null,
            "demo": false,
            "options": {"includeCancelled": "no"}
        });
        let (ok, unread) = read_entries(vec![entry.clone()]);
        assert!(unread.is_empty());
        assert_eq!(ok[0].option("includeCancelled"), Some("no"));
        assert_eq!(to_entries(&ok).unwrap(), vec![entry]);
    }
}
