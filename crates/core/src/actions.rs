//! Performing one action safely: re-check the status, write the intent, call the provider,
//! settle doubt by re-reading, write the outcome. Single actions and bulk jobs share this, so
//! both follow the same rules.

mod moves;

pub(crate) use moves::{whereabouts, Whereabouts};

use std::sync::Arc;
use std::time::Instant;

use crate::attribution::Attribution;
use crate::error::{Error, Result};
use crate::history::{Completion, History, Intent, Outcome};
use crate::model::{check_transition, Action, ActionReceipt, Connection, Status, Subaccount};
use crate::providers::catalog::Choices;
use crate::providers::{ProviderApi, RetryPolicy};

/// How one action ended, with what the history recorded.
#[derive(Debug, Clone)]
pub struct Performed {
    pub outcome: Outcome,
    /// The account as last seen (after the call when it succeeded).
    pub account: Option<Subaccount>,
    pub error: Option<Error>,
    pub request_id: Option<String>,
    pub history_id: i64,
    pub attempts: u32,
}

/// The steps of an action where a crash leaves a different trace (see [`CrashHook`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// Nothing written yet.
    BeforeIntent,
    /// The intent is written; nothing sent.
    AfterIntent,
    /// Sent (and maybe applied); the outcome not written.
    AfterCall,
}

/// For the fault-schedule explorer: asked at each [`CrashPoint`] of each action with the
/// account's id; `true` makes the action stop there as a killed process would, leaving the
/// history as it is. The app never sets one.
pub type CrashHook = Arc<dyn Fn(CrashPoint, &str) -> bool + Send + Sync>;

pub struct ActionContext<'a> {
    pub conn: &'a Connection,
    pub api: &'a Arc<dyn ProviderApi>,
    pub history: &'a History,
    /// Who acts and why: stamped on every entry this context writes.
    pub by: &'a Attribution,
    pub job_id: Option<&'a str>,
    pub retry: &'a RetryPolicy,
    /// Set when the user cancelled the job: no new attempt starts after it.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
    /// The answers to the action's questions (Plivo's `cascade`), defaults filled in; kept in
    /// the history with the entry.
    pub choices: &'a Choices,
    /// See [`CrashHook`]; `None` in the app.
    pub crash: Option<CrashHook>,
    /// Told of each intent and outcome written (a team's shared trail copies them).
    pub trail: &'a dyn crate::in_flight::InFlight,
    /// The figures the table and previews showed, kept beside an irreversible action.
    pub(crate) figures_shown: &'a crate::action_env::FiguresShown,
}

/// The history intent for one action on one account.
pub fn intent(
    conn: &Connection,
    by: &Attribution,
    account_id: &str,
    name: &str,
    action: Action,
    before: Option<Status>,
    job_id: Option<&str>,
) -> Intent {
    Intent {
        actor: by.actor.clone(),
        operator_name: by.operator_name.clone(),
        reason: by.reason.clone(),
        connection_id: conn.id.to_string(),
        connection_label: conn.label.clone(),
        provider: conn.provider,
        account_id: account_id.to_string(),
        account_name: name.to_string(),
        action,
        status_before: before,
        job_id: job_id.map(str::to_string),
        snapshot: None,
    }
}

impl ActionContext<'_> {
    fn intent(
        &self,
        account_id: &str,
        name: &str,
        action: Action,
        before: Option<Status>,
    ) -> Intent {
        intent(
            self.conn,
            self.by,
            account_id,
            name,
            action,
            before,
            self.job_id,
        )
    }

    /// Records an item that was never sent (cancelled before it started).
    pub fn record_not_started(&self, account_id: &str, name: &str, action: Action) -> Result<i64> {
        let c = Completion::outcome(Outcome::NotStarted).with_error(&Error::Cancelled);
        self.history
            .record(&self.intent(account_id, name, action, None), &c)
    }

    /// Performs `action` on `account_id` after re-reading it (the table may be stale).
    pub async fn perform(
        &self,
        account_id: &str,
        known_name: &str,
        action: Action,
    ) -> Result<Performed> {
        let current = match self.api.fetch(account_id).await {
            Ok(a) => a,
            Err(e) => {
                let id = self.history.record(
                    &self.intent(account_id, known_name, action, None),
                    &Completion::outcome(Outcome::Failed).with_error(&e),
                )?;
                self.outcome_shared(id).await;
                return Ok(Performed {
                    outcome: Outcome::Failed,
                    account: None,
                    error: Some(e),
                    request_id: None,
                    history_id: id,
                    attempts: 0,
                });
            }
        };
        self.perform_on(current, known_name, action, None).await
    }

    /// Performs `action` on an account whose state was just read (by [`Self::perform`], or by
    /// a bulk job's list pages). `snapshot`: the details to keep before an irreversible action
    /// when the caller already has them (a bulk preview read them); otherwise they are read now.
    /// The caller holds the account's claim (see [`crate::in_flight`]).
    ///
    /// Never sends a change twice once it may have taken effect: after an ambiguous failure (a
    /// 5xx, a lost connection, a timeout) a Close or Delete is never sent again; the account is
    /// re-read with backoff for [`RetryPolicy::settle_window`], and the outcome is recorded
    /// unknown if the change still does not show. A Suspend or Reactivate is idempotent and is
    /// sent again when a re-read shows it did not take effect. Once an attempt was ambiguous,
    /// every ending other than a confirmed change is *unknown*, never *failed*.
    pub async fn perform_on(
        &self,
        current: Subaccount,
        known_name: &str,
        action: Action,
        snapshot: Option<String>,
    ) -> Result<Performed> {
        let name = if current.name.is_empty() {
            known_name.to_string()
        } else {
            current.name.clone()
        };
        self.crashes_at(CrashPoint::BeforeIntent, &current.id)?;
        let mut intent = self.intent(&current.id, &name, action, Some(current.status));
        let provider = self.conn.provider;
        if let Err(e) = check_transition(provider, current.status, current.is_parent, action) {
            let ending = Ending::unsent(Outcome::Skipped, Some(current), e);
            return self.record_unsent(&intent, ending).await;
        }
        let mut moved = Vec::new();
        if self.moves_numbers(action) {
            match self.move_numbers_first(&current, &intent).await? {
                moves::BeforeClose::Go(numbers) => moved = numbers,
                moves::BeforeClose::Stopped(done) => return Ok(*done),
            }
        }
        // After a move, the numbers a preview read are no longer the account's: read again.
        let snapshot = snapshot.filter(|_| moved.is_empty());
        match self.kept_before(&current, action, snapshot).await {
            Ok(snap) => intent.snapshot = moves::with_moved(snap, &moved),
            // No copy, no irreversible change.
            Err(e) => {
                let ending = Ending::unsent(Outcome::Failed, Some(current), e);
                return self.record_unsent(&intent, ending).await;
            }
        }
        // Timed from the intent, so that its start plus this duration bounds the last request
        // sent (reconciliation's late-apply window counts from there).
        let started = Instant::now();
        let history_id = self.history.begin(&intent)?;
        if let Err(e) = self.intent_shared(history_id).await {
            // No shared intent, nothing sent.
            let ending = Ending::unsent(Outcome::Failed, Some(current), e);
            return self.complete(history_id, started, ending).await;
        }
        self.crashes_at(CrashPoint::AfterIntent, &current.id)?;
        let ending = self.send_and_settle(&current, action).await;
        self.crashes_at(CrashPoint::AfterCall, &current.id)?;
        self.complete(history_id, started, ending).await
    }

    /// Writes the outcome of the entry `history_id`, then tells the trail.
    async fn complete(
        &self,
        history_id: i64,
        started: Instant,
        ending: Ending,
    ) -> Result<Performed> {
        let mut c = Completion {
            status_after: ending.account.as_ref().map(|a| a.status),
            request_id: ending.request_id.clone(),
            duration_ms: Some(started.elapsed().as_millis() as i64),
            ..Completion::outcome(ending.outcome)
        };
        if let Some(e) = &ending.error {
            c = c.with_error(e);
        }
        self.history.complete(history_id, &c)?;
        self.outcome_shared(history_id).await;
        Ok(ending.performed(history_id))
    }

    /// Hands the intent just written to the trail; an error means: do not send.
    async fn intent_shared(&self, history_id: i64) -> Result<()> {
        match self.history.get(history_id)? {
            Some(entry) => self.trail.intent_recorded(self.conn, &entry).await,
            None => Ok(()),
        }
    }

    /// Hands an entry's outcome to the trail (which keeps it for later if it cannot take it).
    async fn outcome_shared(&self, history_id: i64) {
        if let Ok(Some(entry)) = self.history.get(history_id) {
            self.trail.outcome_recorded(self.conn, &entry).await;
        }
    }

    /// What is kept in the history before the action: for an irreversible one, what it
    /// destroys (a Twilio close: the numbers it releases; a Vobiz delete: the details); the
    /// user's answers to its questions beside it.
    async fn kept_before(
        &self,
        current: &Subaccount,
        action: Action,
        snapshot: Option<String>,
    ) -> Result<Option<String>> {
        let mut snap = None;
        if action.irreversible() {
            snap = match snapshot {
                Some(s) => Some(s),
                None => self.api.snapshot(current).await?,
            };
        }
        if !self.choices.is_empty() {
            snap = Some(with_choices(snap, self.choices));
        }
        if let Some(s) = snap.take() {
            snap = Some(self.with_figures_shown(&current.id, s));
        }
        Ok(snap)
    }

    /// The snapshot with the spend and balance last shown for the account beside it
    /// (`"figures_shown": {…}`), when any were read.
    fn with_figures_shown(&self, account_id: &str, snapshot: String) -> String {
        let shown = self
            .figures_shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(self.conn.id, account_id.to_string()))
            .cloned();
        let Some(figures) = shown else {
            return snapshot;
        };
        match serde_json::from_str::<serde_json::Value>(&snapshot) {
            Ok(mut v) if v.is_object() => {
                v["figures_shown"] = serde_json::json!(figures);
                v.to_string()
            }
            _ => snapshot,
        }
    }

    /// An item that ends without a provider call, recorded in one write.
    async fn record_unsent(&self, intent: &Intent, ending: Ending) -> Result<Performed> {
        let mut c = Completion {
            status_after: ending.account.as_ref().map(|a| a.status),
            ..Completion::outcome(ending.outcome)
        };
        if let Some(e) = &ending.error {
            c = c.with_error(e);
        }
        let id = self.history.record(intent, &c)?;
        self.outcome_shared(id).await;
        Ok(ending.performed(id))
    }

    /// Sends the change, and after an ambiguous failure settles whether it took effect. One
    /// budget of tries for the whole action, rate-limit retries in the HTTP layer included.
    async fn send_and_settle(&self, current: &Subaccount, action: Action) -> Ending {
        let mut tries = Tries::default();
        loop {
            let budget = self.retry.max_tries.saturating_sub(tries.sent).max(1);
            let call = self
                .api
                .apply_within(&current.id, action, self.choices, budget)
                .await;
            let call = match call {
                Ok(receipt) => return tries.answered(current, action, receipt),
                Err(call) => call,
            };
            tries.sent += call.attempts.max(1);
            tries.request_id = call.request_id.clone().or(tries.request_id.take());
            // "Already closed" or "not found" (the provider's own 404) after an attempt that
            // may have gone through: that attempt did it.
            if tries.in_doubt && already_done(action, &call.error) {
                return tries.end(
                    Outcome::Succeeded,
                    Some(done_account(current, action)),
                    None,
                );
            }
            if !call.ambiguous {
                // A clear refusal, or a rate limit the HTTP layer already retried. After an
                // ambiguous attempt it says nothing about that attempt, which may still apply.
                return match tries.in_doubt {
                    true => tries.unknown(&call.error),
                    false => tries.end(Outcome::Failed, Some(current.clone()), Some(call.error)),
                };
            }
            tries.in_doubt = true;
            if action.irreversible() || !self.conn.provider.info().reports_status {
                // Never sent again: the provider may still be working on the first one. A
                // provider that reports no state cannot be re-read to settle it.
                return match self.settle_patiently(&current.id, action, current).await {
                    Some(account) => tries.end(Outcome::Succeeded, Some(account), None),
                    None => tries.unknown(&call.error),
                };
            }
            // Reversible: look, then send again only if it did not take effect.
            match self.settle(&current.id, action, current).await {
                Settled::Applied(account) => {
                    return tries.end(Outcome::Succeeded, Some(account), None)
                }
                Settled::NotApplied if tries.sent < self.retry.max_tries && !self.cancelled() => {
                    tokio::time::sleep(self.retry.delay(tries.sent, None)).await
                }
                // Unreadable, the budget spent, or cancelled: the change may still show.
                _ => return tries.unknown(&call.error),
            }
        }
    }

    /// Whether a crash is simulated at this point (see [`CrashHook`]).
    fn crashes_at(&self, point: CrashPoint, account_id: &str) -> Result<()> {
        match self
            .crash
            .as_ref()
            .is_some_and(|hook| hook(point, account_id))
        {
            true => Err(Error::storage("simulated crash")),
            false => Ok(()),
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// After a doubtful failure: did the action take effect? One re-read.
    async fn settle(&self, account_id: &str, action: Action, before: &Subaccount) -> Settled {
        match self.api.fetch(account_id).await {
            Ok(a) if a.status == action.target_status() => Settled::Applied(a),
            Ok(_) => Settled::NotApplied,
            Err(e) if already_done(action, &e) => Settled::Applied(done_account(before, action)),
            Err(_) => Settled::Unknown,
        }
    }

    /// After a doubtful failure of an irreversible action: re-read with backoff until the
    /// change shows or the settle window is over. The provider may apply a request late, so
    /// one re-read showing the old state proves nothing.
    async fn settle_patiently(
        &self,
        account_id: &str,
        action: Action,
        before: &Subaccount,
    ) -> Option<Subaccount> {
        if !self.conn.provider.info().reports_status {
            return None;
        }
        let deadline = Instant::now() + self.retry.settle_window;
        let mut round = 0u32;
        loop {
            if let Settled::Applied(a) = self.settle(account_id, action, before).await {
                return Some(a);
            }
            round += 1;
            let wait = self.retry.delay(round, None).max(self.retry.base);
            if Instant::now() + wait > deadline {
                return None;
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// The snapshot with the user's answers beside it (`"choices": {"cascade": true}`), so the
/// history says what was chosen.
fn with_choices(snapshot: Option<String>, choices: &Choices) -> String {
    let mut value = snapshot
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    value["choices"] = serde_json::json!(choices);
    value.to_string()
}

/// A Close answered "already closed", or a Close or Delete whose account is gone (Twilio
/// deletes closed subaccounts 30 days after closure; a deleted Vobiz sub-account answers 404):
/// the account is where the action wanted it.
fn already_done(action: Action, e: &Error) -> bool {
    matches!(
        (action, e),
        (Action::Close, Error::AlreadyClosed)
            | (Action::Close, Error::NotFound { .. })
            | (Action::Delete, Error::NotFound { .. })
    )
}

fn done_account(before: &Subaccount, action: Action) -> Subaccount {
    let mut a = before.clone();
    a.status = action.target_status();
    a.provider_status = action.target_status().as_str().into();
    a
}

/// What was lost, in a few words for the unknown-outcome sentence.
fn cause_of(e: &Error) -> String {
    match e {
        Error::Timeout => "no answer in time".into(),
        Error::Network { .. } => "the connection dropped".into(),
        Error::Provider { status, .. } => format!("HTTP {status}"),
        Error::UnexpectedResponse { .. } => "an unreadable answer".into(),
        other => other.code().as_str().replace('_', " "),
    }
}

/// How the sending ended, before it is written to the history.
struct Ending {
    outcome: Outcome,
    /// The account as last seen; `None` when the outcome is unknown, so that no cache puts
    /// back the state from before a change that may have happened.
    account: Option<Subaccount>,
    error: Option<Error>,
    request_id: Option<String>,
    attempts: u32,
}

impl Ending {
    fn unsent(outcome: Outcome, account: Option<Subaccount>, error: Error) -> Ending {
        Ending {
            outcome,
            account,
            error: Some(error),
            request_id: None,
            attempts: 0,
        }
    }

    fn performed(self, history_id: i64) -> Performed {
        Performed {
            outcome: self.outcome,
            account: self.account,
            error: self.error,
            request_id: self.request_id,
            history_id,
            attempts: self.attempts,
        }
    }
}

/// The requests sent so far for one action, and whether one of them may have taken effect.
#[derive(Default)]
struct Tries {
    sent: u32,
    in_doubt: bool,
    request_id: Option<String>,
}

impl Tries {
    fn end(&self, outcome: Outcome, account: Option<Subaccount>, error: Option<Error>) -> Ending {
        Ending {
            outcome,
            account,
            error,
            request_id: self.request_id.clone(),
            attempts: self.sent,
        }
    }

    fn unknown(&self, last: &Error) -> Ending {
        let cause = cause_of(last);
        self.end(
            Outcome::Unknown,
            None,
            Some(Error::OutcomeUnknown { cause }),
        )
    }

    /// The provider answered the change: done when it reports the target state.
    fn answered(mut self, current: &Subaccount, action: Action, receipt: ActionReceipt) -> Ending {
        self.sent += 1;
        self.request_id = receipt.request_id.clone().or(self.request_id);
        let mut account = current.clone();
        account.status = receipt.status_after;
        account.provider_status = receipt.provider_status_after.clone();
        if receipt.status_after == action.target_status() {
            return self.end(Outcome::Succeeded, Some(account), None);
        }
        // Twilio ignores a mis-cased parameter and answers 200: compare, never assume.
        let e = Error::UnexpectedResponse {
            detail: format!(
                "the provider reports the account as {} after the change",
                receipt.status_after.as_str()
            ),
        };
        match self.in_doubt {
            true => self.unknown(&e),
            false => self.end(Outcome::Failed, Some(account), Some(e)),
        }
    }
}

enum Settled {
    Applied(Subaccount),
    NotApplied,
    Unknown,
}
