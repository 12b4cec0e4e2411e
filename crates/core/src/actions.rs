//! Performing one action safely: re-check the status, write the intent, call the provider,
//! settle doubt by re-reading, write the outcome. Single actions and bulk jobs share this, so
//! both follow the same rules.

use std::sync::Arc;
use std::time::Instant;

use crate::attribution::Attribution;
use crate::error::{Error, Result};
use crate::history::{Completion, History, Intent, Outcome};
use crate::model::{check_transition, Action, Connection, Status, Subaccount};
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
    ///
    /// Never sends a change twice once it may have taken effect: after an ambiguous failure (a
    /// 5xx, a lost connection, a timeout) a Close or Delete is never sent again; the account is
    /// re-read with backoff for [`RetryPolicy::settle_window`], and the outcome is recorded
    /// unknown if the change still does not show. A Suspend or Reactivate is idempotent and is
    /// sent again when a re-read shows it did not take effect.
    pub async fn perform_on(
        &self,
        current: Subaccount,
        known_name: &str,
        action: Action,
        snapshot: Option<String>,
    ) -> Result<Performed> {
        let started = Instant::now();
        let provider = self.conn.provider;
        let account_id = current.id.clone();
        let account_id = account_id.as_str();
        let name = if current.name.is_empty() {
            known_name
        } else {
            &current.name
        };
        if let Err(e) = check_transition(provider, current.status, current.is_parent, action) {
            let id = self.history.record(
                &self.intent(account_id, name, action, Some(current.status)),
                &Completion {
                    status_after: Some(current.status),
                    ..Completion::outcome(Outcome::Skipped).with_error(&e)
                },
            )?;
            return Ok(Performed {
                outcome: Outcome::Skipped,
                account: Some(current),
                error: Some(e),
                request_id: None,
                history_id: id,
                attempts: 0,
            });
        }

        let mut intent = self.intent(account_id, name, action, Some(current.status));
        if action.irreversible() {
            // What the action destroys is kept first (a Twilio close: the numbers it releases;
            // a Vobiz delete: the sub-account's details). No copy, no irreversible change.
            let snap = match snapshot {
                Some(s) => Ok(Some(s)),
                None => self.api.snapshot(&current).await,
            };
            match snap {
                Ok(snap) => intent.snapshot = snap,
                Err(e) => {
                    let id = self.history.record(
                        &intent,
                        &Completion::outcome(Outcome::Failed).with_error(&e),
                    )?;
                    return Ok(Performed {
                        outcome: Outcome::Failed,
                        account: Some(current),
                        error: Some(e),
                        request_id: None,
                        history_id: id,
                        attempts: 0,
                    });
                }
            }
        }
        if !self.choices.is_empty() {
            intent.snapshot = Some(with_choices(intent.snapshot.take(), self.choices));
        }
        let history_id = self.history.begin(&intent)?;
        let target = action.target_status();
        let mut last_request_id = None;

        let finish = |outcome: Outcome,
                      account: Option<Subaccount>,
                      error: Option<Error>,
                      request_id: Option<String>,
                      attempts: u32|
         -> Result<Performed> {
            let mut c = Completion {
                status_after: account.as_ref().map(|a| a.status),
                request_id: request_id.clone(),
                duration_ms: Some(started.elapsed().as_millis() as i64),
                ..Completion::outcome(outcome)
            };
            if let Some(e) = &error {
                c = c.with_error(e);
            }
            self.history.complete(history_id, &c)?;
            Ok(Performed {
                outcome,
                account,
                error,
                request_id,
                history_id,
                attempts,
            })
        };

        // One budget of tries for the whole action, rate-limit retries in the HTTP layer included.
        let mut sent = 0u32;
        let mut in_doubt = false;
        loop {
            let budget = self.retry.max_tries.saturating_sub(sent).max(1);
            match self
                .api
                .apply_within(account_id, action, self.choices, budget)
                .await
            {
                Ok(receipt) => {
                    let attempts = sent + 1;
                    let mut account = current.clone();
                    account.status = receipt.status_after;
                    account.provider_status = receipt.provider_status_after.clone();
                    if receipt.status_after == target {
                        return finish(
                            Outcome::Succeeded,
                            Some(account),
                            None,
                            receipt.request_id,
                            attempts,
                        );
                    }
                    // Twilio ignores a mis-cased parameter and answers 200: compare, never assume.
                    let e = Error::UnexpectedResponse {
                        detail: format!(
                            "the provider reports the account as {} after the change",
                            receipt.status_after.as_str()
                        ),
                    };
                    return finish(
                        Outcome::Failed,
                        Some(account),
                        Some(e),
                        receipt.request_id,
                        attempts,
                    );
                }
                Err(call) => {
                    sent += call.attempts.max(1);
                    last_request_id = call.request_id.clone().or(last_request_id);
                    // "Already closed" or "not found" after an attempt that may have gone
                    // through: that attempt did it.
                    if in_doubt && already_done(action, &call.error) {
                        return finish(
                            Outcome::Succeeded,
                            Some(done_account(&current, action)),
                            None,
                            last_request_id,
                            sent,
                        );
                    }
                    // A clear refusal, or a rate limit the HTTP layer already retried, is final.
                    if !call.ambiguous {
                        return finish(
                            Outcome::Failed,
                            Some(current.clone()),
                            Some(call.error),
                            last_request_id,
                            sent,
                        );
                    }
                    in_doubt = true;
                    if action.irreversible() {
                        // Never sent again: the provider may still be working on the first one.
                        return match self.settle_patiently(account_id, action, &current).await {
                            Some(account) => finish(
                                Outcome::Succeeded,
                                Some(account),
                                None,
                                last_request_id,
                                sent,
                            ),
                            None => finish(
                                Outcome::Unknown,
                                Some(current.clone()),
                                Some(Error::OutcomeUnknown {
                                    cause: cause_of(&call.error),
                                }),
                                last_request_id,
                                sent,
                            ),
                        };
                    }
                    // Reversible: look, then send again only if it did not take effect.
                    match self.settle(account_id, action, &current).await {
                        Settled::Applied(account) => {
                            return finish(
                                Outcome::Succeeded,
                                Some(account),
                                None,
                                last_request_id,
                                sent,
                            );
                        }
                        Settled::Unknown => {
                            return finish(
                                Outcome::Unknown,
                                Some(current.clone()),
                                Some(Error::OutcomeUnknown {
                                    cause: cause_of(&call.error),
                                }),
                                last_request_id,
                                sent,
                            );
                        }
                        Settled::NotApplied(account) if sent >= self.retry.max_tries => {
                            return finish(
                                Outcome::Failed,
                                Some(account),
                                Some(call.error),
                                last_request_id,
                                sent,
                            );
                        }
                        Settled::NotApplied(account) if self.cancelled() => {
                            return finish(
                                Outcome::Failed,
                                Some(account),
                                Some(Error::Cancelled),
                                last_request_id,
                                sent,
                            );
                        }
                        Settled::NotApplied(_) => {
                            tokio::time::sleep(self.retry.delay(sent, None)).await
                        }
                    }
                }
            }
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
            Ok(a) => Settled::NotApplied(a),
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

enum Settled {
    Applied(Subaccount),
    NotApplied(Subaccount),
    Unknown,
}
