//! Start-up reconciliation: intents that never got an outcome (the app was killed, the machine
//! lost power) are completed from the account's current state at the provider.

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::history::{Completion, HistoryCode, HistoryEntry, Outcome};
use crate::model::Action;
use crate::workspace::Workspace;

/// What start-up reconciliation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    pub succeeded: u32,
    pub failed: u32,
    /// Still unknown: the provider could not be reached, or the connection is gone.
    pub unknown: u32,
}

impl Workspace {
    /// Completes every open intent it can. Safe to run again: unknown ones are retried.
    pub async fn reconcile(&self) -> Result<Reconciled> {
        let history = self.history()?.clone();
        let mut report = Reconciled::default();
        // Those whose connection was missing before, now that it exists again.
        let returned = history
            .intents_missing_connection()?
            .into_iter()
            .filter(|e| {
                Uuid::parse_str(&e.connection_id).is_ok_and(|id| self.connection(id).is_ok())
            });
        for entry in history.open_intents()?.into_iter().chain(returned) {
            let (Some(_), Some(action)) = (entry.provider, entry.action) else {
                // Written by a newer Subdesk with a provider or an action this one does not
                // know: it cannot be checked here, and is left exactly as it was.
                report.unknown += 1;
                continue;
            };
            let completion = self.reconcile_one(&entry, action).await;
            match completion.outcome {
                Outcome::Succeeded => report.succeeded += 1,
                Outcome::Failed => report.failed += 1,
                _ => report.unknown += 1,
            }
            history.complete(entry.id, &completion)?;
        }
        Ok(report)
    }

    async fn reconcile_one(&self, e: &HistoryEntry, action: Action) -> Completion {
        let reconciled = |c: Completion| Completion {
            reconciled: true,
            ..c
        };
        let conn = Uuid::parse_str(&e.connection_id)
            .ok()
            .and_then(|id| self.connection(id).ok());
        let Some(conn) = conn else {
            return Completion {
                error_code: Some(HistoryCode::ConnectionMissing),
                error_message: Some("Subdesk could not check this action: its connection is no longer set up. Check the account in the provider's console.".into()),
                ..Completion::outcome(Outcome::Unknown)
            };
        };
        let api = match self.api_for(&conn).await {
            Ok(api) => api,
            Err(err) => return Completion::outcome(Outcome::Unknown).with_error(&err),
        };
        let target = action.target_status();
        match api.fetch(&e.account_id).await {
            Ok(a) if a.status == target => reconciled(Completion {
                status_after: Some(a.status),
                ..Completion::outcome(Outcome::Succeeded)
            }),
            Ok(a) => reconciled(Completion {
                status_after: Some(a.status),
                error_code: Some(HistoryCode::NotApplied),
                error_message: Some(format!(
                    "Reconciled at start-up: the change did not take effect; the account is {}. Try the action again if it is still needed.",
                    a.status.as_str()
                )),
                ..Completion::outcome(Outcome::Failed)
            }),
            // A deleted account answers 404; so does a closed Twilio subaccount once Twilio
            // has purged it (30 days after closure by default). Either way it is done.
            Err(Error::NotFound { .. }) if matches!(action, Action::Delete | Action::Close) => {
                reconciled(Completion {
                    status_after: Some(target),
                    ..Completion::outcome(Outcome::Succeeded)
                })
            }
            Err(err) if err.retryable() => Completion {
                error_code: Some(err.code().into()),
                error_message: Some("Outcome unknown: the provider could not be reached at start-up. Subdesk will check again at the next start.".into()),
                ..Completion::outcome(Outcome::Unknown)
            },
            // Anything else (credentials rotated, keychain locked) says nothing about whether the
            // change happened: keep it open and check again at the next start.
            Err(err) => Completion::outcome(Outcome::Unknown).with_error(&err),
        }
    }
}
