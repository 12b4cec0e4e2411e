//! What an action must hold and check before anything is sent: a claim on the account (no two
//! actions on one account at once) and the account's open history entries (an account whose
//! last action has no known outcome is *in doubt*: nothing is sent to it until that entry is
//! settled). Single actions, bulk jobs and *Check now* all go through here.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::history::{History, HistoryEntry};
use crate::model::Connection;

/// The accounts being acted on or checked right now, in this process.
#[derive(Default)]
pub struct InFlight {
    busy: Mutex<HashSet<(Uuid, String)>>,
}

/// An account held by one action or check; dropping it frees the account.
pub struct Claim {
    owner: Arc<InFlight>,
    key: (Uuid, String),
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.owner
            .busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

impl InFlight {
    /// Holds the account for an action: refused while another action or check holds it, and
    /// while the history has an entry for it whose outcome is not known.
    pub fn claim_for_action(
        self: &Arc<Self>,
        conn: &Connection,
        account_id: &str,
        history: &History,
    ) -> Result<Claim> {
        let claim = self.hold(conn.id, account_id).ok_or_else(busy)?;
        let open = history.open_for(&conn.id.to_string(), account_id)?;
        if let Some(first) = open.first() {
            return Err(in_doubt(conn, first));
        }
        Ok(claim)
    }

    /// Holds the account to check its open entries: refused (`None`) while an action holds
    /// it, since that action's own entry is in flight, not in doubt.
    pub fn claim_to_check(self: &Arc<Self>, conn: Uuid, account_id: &str) -> Option<Claim> {
        self.hold(conn, account_id)
    }

    /// Whether any account of the connection is held.
    pub fn holds_any(&self, conn: Uuid) -> bool {
        self.busy
            .lock()
            .expect("poisoned")
            .iter()
            .any(|(c, _)| *c == conn)
    }

    fn hold(self: &Arc<Self>, conn: Uuid, account_id: &str) -> Option<Claim> {
        let key = (conn, account_id.to_string());
        if !self.busy.lock().expect("poisoned").insert(key.clone()) {
            return None;
        }
        Some(Claim {
            owner: Arc::clone(self),
            key,
        })
    }
}

fn busy() -> Error {
    Error::validation(
        "accountId",
        "Another action on this account is still running. Wait for it to finish, then refresh.",
    )
}

/// The refusal for an account whose entry `open` has no known outcome.
pub fn in_doubt(conn: &Connection, open: &HistoryEntry) -> Error {
    Error::InDoubt {
        action: open.action,
        since: open.started_at.clone(),
        checkable: conn.provider.info().reports_status,
    }
}
