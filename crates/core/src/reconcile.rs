//! Reconciliation: entries whose outcome is not known (the app was killed mid-action, or the
//! provider's answer was lost) are settled from the account's current state at the provider.
//!
//! A read is proof only when it cannot be overtaken: a provider may apply a request long after
//! it failed to answer it, so a read showing the account unchanged settles the entry as
//! *failed* only once [`crate::providers::RetryPolicy::late_apply_window`] has passed since the
//! last request was sent. Before that the entry stays *unknown* and is checked again (the app
//! re-checks by itself, at each start, and on *Check now*). A provider that reports no state
//! (Telnyx) is never settled by a read: the user records what the provider's console shows.

use std::time::Duration;

use uuid::Uuid;

use crate::action_env::ActionEnv;
use crate::actions::{whereabouts, Whereabouts};
use crate::connections::Connections;
use crate::error::{Error, Result};
use crate::history::{display_time, now_iso, Completion, HistoryCode, HistoryEntry, Outcome};
use crate::model::{Action, Connection};
use crate::providers::ProviderApi;

/// What a reconciliation pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    pub succeeded: u32,
    pub failed: u32,
    /// Still unknown: the provider could not be reached, the change may still show, the
    /// provider reports no state, or the connection is gone.
    pub unknown: u32,
}

impl Reconciled {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Succeeded => self.succeeded += 1,
            Outcome::Failed => self.failed += 1,
            _ => self.unknown += 1,
        }
    }
}

/// Settles open entries from the accounts' current state; the workspace's reconcile, *Check
/// now* and *settle by hand* go through it.
pub(crate) struct Reconciler<'a> {
    pub connections: &'a Connections,
    pub env: &'a ActionEnv,
}

impl Reconciler<'_> {
    /// Settles every open entry it can. Safe to run again: unknown ones are checked again.
    /// Entries of an account an action holds right now are left alone (they are in flight).
    pub async fn reconcile(&self) -> Result<Reconciled> {
        let history = self.env.history()?.clone();
        let mut report = Reconciled::default();
        // Those whose connection was missing before, now that it exists again.
        let returned = history
            .intents_missing_connection()?
            .into_iter()
            .filter(|e| {
                Uuid::parse_str(&e.connection_id).is_ok_and(|id| self.connections.get(id).is_ok())
            });
        for entry in history.open_intents()?.into_iter().chain(returned) {
            if let Some(outcome) = self.settle_entry(&entry).await? {
                report.count(outcome);
            }
        }
        Ok(report)
    }

    /// *Check now* for one account: reads it and settles its open entries.
    pub async fn check_now(&self, connection_id: Uuid, account_id: &str) -> Result<Reconciled> {
        let history = self.env.history()?.clone();
        let mut report = Reconciled::default();
        for entry in history.open_for(&connection_id.to_string(), account_id)? {
            if let Some(outcome) = self.settle_entry(&entry).await? {
                report.count(outcome);
            }
        }
        Ok(report)
    }

    /// Records what the user found in the provider's console for an entry Subdesk cannot
    /// settle by itself (a provider that reports no state, a connection since removed):
    /// `went_through` says whether the change shows there.
    pub async fn settle_by_hand(&self, entry_id: i64, went_through: bool) -> Result<HistoryEntry> {
        let history = self.env.history()?;
        let entry = history
            .get(entry_id)?
            .filter(|e| matches!(e.outcome, Outcome::Pending | Outcome::Unknown))
            .ok_or_else(|| {
                Error::validation(
                    "entryId",
                    "This entry is already settled. Refresh History to see its outcome.",
                )
            })?;
        if let Ok(id) = Uuid::parse_str(&entry.connection_id) {
            // An action in flight owns its entry.
            if self
                .env
                .in_flight
                .claim_to_check(id, &entry.account_id)
                .is_none()
            {
                return Err(Error::validation(
                    "entryId",
                    "An action on this account is still running. Wait for it to finish.",
                ));
            }
        }
        let (outcome, said) = match went_through {
            true => (Outcome::Succeeded, "went through"),
            false => (Outcome::Failed, "did not go through"),
        };
        let c = Completion {
            status_after: went_through
                .then(|| entry.action.map(Action::target_status))
                .flatten(),
            error_code: Some(HistoryCode::SettledByHand),
            error_message: Some(format!(
                "Settled by hand on {}: {} checked the account in the provider's console and recorded that the change {said}.",
                display_time(&now_iso()),
                self.env.actor
            )),
            reconciled: true,
            ..Completion::outcome(outcome)
        };
        history.complete(entry_id, &c)?;
        let settled = history
            .get(entry_id)?
            .ok_or_else(|| Error::storage("entry vanished"))?;
        self.shared(&settled).await;
        Ok(settled)
    }

    /// Hands a settled entry to the trail (a team's shared history), when its connection is
    /// still here.
    async fn shared(&self, entry: &HistoryEntry) {
        let conn = Uuid::parse_str(&entry.connection_id)
            .ok()
            .and_then(|id| self.connections.get(id).ok());
        if let Some(conn) = conn {
            self.env.in_flight.outcome_recorded(&conn, entry).await;
        }
    }

    /// Settles one entry, unless an action holds its account. Returns the outcome written.
    async fn settle_entry(&self, entry: &HistoryEntry) -> Result<Option<Outcome>> {
        let (Some(_), Some(action)) = (entry.provider, entry.action) else {
            // Written by a newer Subdesk with a provider or an action this one does not
            // know: it cannot be checked here, and is left exactly as it was.
            return Ok(Some(Outcome::Unknown));
        };
        let conn = Uuid::parse_str(&entry.connection_id)
            .ok()
            .and_then(|id| self.connections.get(id).ok());
        let Some(conn) = conn else {
            let c = Completion {
                error_code: Some(HistoryCode::ConnectionMissing),
                error_message: Some("Subdesk could not check this action: its connection has been removed. Check the account in the provider's console, then record what you found.".into()),
                ..Completion::outcome(Outcome::Unknown)
            };
            self.env.history()?.complete(entry.id, &c)?;
            return Ok(Some(Outcome::Unknown));
        };
        let Some(_claim) = self
            .env
            .in_flight
            .claim_to_check(conn.id, &entry.account_id)
        else {
            return Ok(None);
        };
        let c = self.read_outcome(&conn, entry, action).await;
        let outcome = c.outcome;
        let history = self.env.history()?;
        history.complete(entry.id, &c)?;
        if let Some(settled) = history.get(entry.id)? {
            self.env.in_flight.outcome_recorded(&conn, &settled).await;
        }
        Ok(Some(outcome))
    }

    async fn read_outcome(
        &self,
        conn: &Connection,
        e: &HistoryEntry,
        action: Action,
    ) -> Completion {
        let reconciled = |c: Completion| Completion {
            reconciled: true,
            ..c
        };
        if !conn.provider.info().reports_status {
            return Completion {
                error_code: e.error_code.clone(),
                error_message: Some(format!(
                    "{} does not report whether an account is disabled, so Subdesk cannot check this by itself. Look at the account in {}'s portal, then record what you found.",
                    conn.provider.name(),
                    conn.provider.name()
                )),
                ..Completion::outcome(Outcome::Unknown)
            };
        }
        let api = match self.connections.api_for(conn).await {
            Ok(api) => api,
            Err(err) => return Completion::outcome(Outcome::Unknown).with_error(&err),
        };
        if action == Action::MoveNumber {
            return self.read_move(api.as_ref(), e).await;
        }
        let target = action.target_status();
        match api.fetch(&e.account_id).await {
            Ok(a) if a.status == target => reconciled(Completion {
                status_after: Some(a.status),
                ..Completion::outcome(Outcome::Succeeded)
            }),
            Ok(a) => match self.may_still_apply(e) {
                Some(until) => not_yet(
                    "the change has not shown yet, but the provider may still apply it",
                    &until,
                ),
                None => reconciled(Completion {
                    status_after: Some(a.status),
                    error_code: Some(HistoryCode::NotApplied),
                    error_message: Some(format!(
                        "Checked later: the change did not take effect; the account is {}. Try the action again if it is still needed.",
                        a.status.as_str()
                    )),
                    ..Completion::outcome(Outcome::Failed)
                }),
            },
            // A deleted account answers the provider's own 404; so does a closed Twilio
            // subaccount once Twilio has purged it (30 days after closure by default). Either
            // way it is done. (A gateway's 404 page is not a NotFound: see `refusal_by_status`.)
            Err(Error::NotFound { .. }) if matches!(action, Action::Delete | Action::Close) => {
                reconciled(Completion {
                    status_after: Some(target),
                    ..Completion::outcome(Outcome::Succeeded)
                })
            }
            Err(err) if err.retryable() => Completion {
                error_code: Some(err.code().into()),
                error_message: Some("Outcome unknown: the provider could not be reached. Subdesk will check again by itself.".into()),
                ..Completion::outcome(Outcome::Unknown)
            },
            // Anything else (credentials rotated, keychain locked) says nothing about whether the
            // change happened: keep it open and check again later.
            Err(err) => Completion::outcome(Outcome::Unknown).with_error(&err),
        }
    }

    /// A number's move (see `actions::moves`), settled by reading where the number is: in the
    /// parent account means moved; still in the subaccount once the late-apply window has
    /// passed means not moved; in neither (a close or a release made outside Subdesk, or a move
    /// elsewhere) stays not known, with a sentence saying so, for the user to record.
    async fn read_move(&self, api: &dyn ProviderApi, e: &HistoryEntry) -> Completion {
        let snapshot = e
            .snapshot
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
        let field = |k: &str| {
            snapshot
                .as_ref()
                .and_then(|v| v[k].as_str().map(str::to_string))
        };
        let Some(number) = field("number_sid") else {
            return Completion {
                error_message: Some("Subdesk cannot tell which number this move was about. Look at the account's numbers in the provider's console, then record what you found.".into()),
                ..Completion::outcome(Outcome::Unknown)
            };
        };
        let shown = field("phone_number").unwrap_or_else(|| number.clone());
        let now_at = match whereabouts(api, &e.account_id, &number).await {
            Ok(Some(at)) => at,
            Ok(None) => return Completion::outcome(Outcome::Unknown),
            Err(err) => return Completion::outcome(Outcome::Unknown).with_error(&err),
        };
        let reconciled = |c: Completion| Completion {
            reconciled: true,
            status_after: e.status_before,
            ..c
        };
        let not_known = |why: &str| {
            Completion {
            error_message: Some(format!(
                "Checked on {}: the number {shown} is not in the parent account, and {why}, so whether this move went through is not known: a close or a release made outside Subdesk may have released it. Look for the number in {}'s console, then record what you found.",
                display_time(&now_iso()),
                api.provider().name()
            )),
            ..Completion::outcome(Outcome::Unknown)
        }
        };
        match now_at {
            Whereabouts::Parent => reconciled(Completion::outcome(Outcome::Succeeded)),
            Whereabouts::Neither => not_known("no longer in the subaccount either"),
            Whereabouts::NotInParent => {
                not_known("Subdesk cannot read the subaccount's numbers to see whether it is still there")
            }
            Whereabouts::Subaccount => match self.may_still_apply(e) {
                Some(until) => not_yet(
                    "the number has not moved yet, but the provider may still move it",
                    &until,
                ),
                None => reconciled(Completion {
                    error_code: Some(HistoryCode::NotApplied),
                    error_message: Some("Checked later: the number did not move and is still in the subaccount. Close the subaccount again with the move if it is still needed.".into()),
                    ..Completion::outcome(Outcome::Failed)
                }),
            },
        }
    }

    /// Until when the provider may still apply the entry's last request (ISO-8601), or `None`
    /// once that time has passed. The last request went out before the entry was completed
    /// (its start plus its duration); an entry left pending by a crash was sent before this
    /// workspace started.
    fn may_still_apply(&self, e: &HistoryEntry) -> Option<String> {
        let started = chrono::DateTime::parse_from_rfc3339(&e.started_at).ok()?;
        let started = started.with_timezone(&chrono::Utc);
        let last_sent = match (e.outcome, e.duration_ms) {
            (Outcome::Unknown, Some(ms)) => started + chrono::Duration::milliseconds(ms),
            _ => self.env.started_at.max(started),
        };
        let window = chrono::Duration::from_std(self.env.retry.late_apply_window)
            .unwrap_or(chrono::Duration::MAX);
        let until = last_sent + window;
        (chrono::Utc::now() < until).then(|| until.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    }

    /// How long until the soonest entry that may still apply can be settled by a read; the
    /// app waits that long before it re-checks by itself. `None` when no entry is waiting for
    /// its window to end (those past it were read by the check that followed their window).
    pub fn next_check_in(&self) -> Option<Duration> {
        let open = self.env.history().ok()?.open_intents().ok()?;
        let until = open
            .iter()
            .filter(|e| e.outcome == Outcome::Unknown)
            .filter_map(|e| self.may_still_apply(e))
            .min()?;
        let until = chrono::DateTime::parse_from_rfc3339(&until).ok()?;
        (until.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .ok()
    }
}

/// An entry that stays unknown because the provider may still apply it (a late write): what
/// was seen, until when it may change, and that Subdesk checks again by itself.
fn not_yet(seen: &str, until: &str) -> Completion {
    Completion {
        error_code: Some(HistoryCode::NotYetApplied),
        error_message: Some(format!(
            "Checked on {}: {seen} until about {}. Subdesk checks again by itself, and sends nothing to this account until then.",
            display_time(&now_iso()),
            display_time(until)
        )),
        ..Completion::outcome(Outcome::Unknown)
    }
}
