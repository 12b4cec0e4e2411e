//! Performing one action safely: re-check the status, write the intent, call the provider,
//! settle doubt by re-reading, write the outcome. Single actions and bulk jobs share this, so
//! both follow the same rules.

use std::sync::Arc;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::history::{Completion, History, Intent, Outcome};
use crate::model::{check_transition, Action, Connection, Status, Subaccount};
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
    pub actor: &'a str,
    pub job_id: Option<&'a str>,
    pub retry: &'a RetryPolicy,
    /// Set when the user cancelled the job: no new attempt starts after it.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
}

/// The history intent for one action on one account.
pub fn intent(
    conn: &Connection,
    actor: &str,
    account_id: &str,
    name: &str,
    action: Action,
    before: Option<Status>,
    job_id: Option<&str>,
) -> Intent {
    Intent {
        actor: actor.to_string(),
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
            self.actor,
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

    /// Performs `action` on `account_id`, retrying transient failures up to the policy's tries.
    /// Never sends the change twice once it succeeded: after a doubtful failure (a 500, a lost
    /// connection, a timeout) the account is re-read, and a retry is only sent if the change did
    /// not take effect.
    pub async fn perform(
        &self,
        account_id: &str,
        known_name: &str,
        action: Action,
    ) -> Result<Performed> {
        let started = Instant::now();
        let provider = self.conn.provider;

        // Re-check the status right before the call: the table may be stale.
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
        if action == Action::Delete {
            // The provider's docs tell users to back up before deleting, and the dialog promises
            // a copy: no copy, no delete.
            match self.api.snapshot(account_id).await {
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
        loop {
            let budget = self.retry.max_tries.saturating_sub(sent).max(1);
            match self.api.apply_within(account_id, action, budget).await {
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
                    // The change may have gone through: look before sending anything again.
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
                            // Neither the answer nor a re-read: sending again could act twice.
                            // Start-up reconciliation settles it later.
                            return finish(
                                Outcome::Unknown,
                                Some(current.clone()),
                                Some(call.error),
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

    /// After a doubtful failure: did the action take effect? A deleted account answers 404.
    async fn settle(&self, account_id: &str, action: Action, before: &Subaccount) -> Settled {
        match self.api.fetch(account_id).await {
            Ok(a) if a.status == action.target_status() => Settled::Applied(a),
            Ok(a) => Settled::NotApplied(a),
            Err(Error::NotFound { .. }) if action == Action::Delete => {
                let mut gone = before.clone();
                gone.status = Status::Deleted;
                gone.provider_status = "deleted".into();
                Settled::Applied(gone)
            }
            Err(_) => Settled::Unknown,
        }
    }
}

enum Settled {
    Applied(Subaccount),
    NotApplied(Subaccount),
    Unknown,
}
