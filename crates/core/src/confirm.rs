//! Irreversible actions are bound to the preview the user saw: the preview issues a single-use
//! token for exactly that action on exactly those accounts, and the action runs only with it
//! and the phrase the user typed. A direct call without the preview (a script, a stale window,
//! a forged `invoke`) is refused by core, not by the UI.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::Action;

/// How long a preview stays good: long enough to read it, short enough that the accounts it
/// showed are still what the user thinks they are.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// What the UI sends with an irreversible action.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Confirmation {
    /// What the user typed (the ID's last characters, or e.g. `CLOSE 37`).
    pub typed: String,
    /// The token the preview issued.
    pub token: String,
}

/// The accounts a token covers: (connection, account id).
pub type Accounts = BTreeSet<(Uuid, String)>;

struct Issued {
    action: Action,
    accounts: Accounts,
    /// What the preview read before the action, kept in the history (see `actions.rs`).
    snapshots: HashMap<(Uuid, String), String>,
    at: Instant,
}

/// The tokens issued and not yet used.
#[derive(Default)]
pub struct Tokens {
    issued: Mutex<HashMap<String, Issued>>,
}

impl Tokens {
    pub fn issue(
        &self,
        action: Action,
        accounts: Accounts,
        snapshots: HashMap<(Uuid, String), String>,
    ) -> String {
        let token = Uuid::new_v4().to_string();
        let mut issued = self.issued.lock().expect("poisoned");
        issued.retain(|_, i| i.at.elapsed() < TOKEN_LIFETIME);
        issued.insert(
            token.clone(),
            Issued {
                action,
                accounts,
                snapshots,
                at: Instant::now(),
            },
        );
        token
    }

    /// Uses the token up if it was issued for exactly this action on exactly these accounts,
    /// and returns the snapshots its preview read. Any mismatch refuses, and the token stays
    /// unused only when it was not the token's own (so a wrong call cannot burn a good token).
    pub fn redeem(
        &self,
        token: Option<&str>,
        action: Action,
        accounts: &Accounts,
    ) -> Result<HashMap<(Uuid, String), String>> {
        let mut issued = self.issued.lock().expect("poisoned");
        let Some(t) = token.filter(|t| issued.contains_key(*t)) else {
            return Err(Error::PreviewRequired);
        };
        let i = &issued[t];
        if i.at.elapsed() >= TOKEN_LIFETIME {
            issued.remove(t);
            return Err(Error::PreviewRequired);
        }
        if i.action != action || &i.accounts != accounts {
            return Err(Error::PreviewRequired);
        }
        Ok(issued.remove(t).expect("checked").snapshots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts(ids: &[&str]) -> (Uuid, Accounts) {
        let c = Uuid::new_v4();
        (c, ids.iter().map(|i| (c, i.to_string())).collect())
    }

    #[test]
    fn a_token_opens_exactly_its_preview_once() {
        let tokens = Tokens::default();
        let (c, two) = accounts(&["A", "B"]);
        let t = tokens.issue(Action::Close, two.clone(), HashMap::new());
        let one: Accounts = [(c, "A".to_string())].into();
        assert!(matches!(
            tokens.redeem(Some(&t), Action::Close, &one),
            Err(Error::PreviewRequired)
        ));
        assert!(tokens.redeem(Some(&t), Action::Delete, &two).is_err());
        assert!(tokens.redeem(None, Action::Close, &two).is_err());
        assert!(tokens.redeem(Some("forged"), Action::Close, &two).is_err());
        assert!(tokens.redeem(Some(&t), Action::Close, &two).is_ok());
        // Single use.
        assert!(tokens.redeem(Some(&t), Action::Close, &two).is_err());
    }
}
