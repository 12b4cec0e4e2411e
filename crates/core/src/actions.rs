//! Performing one action safely: re-check the status, write the intent, call the provider,
//! settle doubt by re-reading, write the outcome. Single actions and bulk jobs share this, so
//! both follow the same rules.

use std::sync::Arc;
use std::time::{Duration, Instant};

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
}

impl ActionContext<'_> {
    fn intent(&self, account_id: &str, name: &str, action: Action, before: Option<Status>) -> Intent {
        Intent {
            actor: self.actor.to_string(),
            connection_id: self.conn.id.to_string(),
            connection_label: self.conn.label.clone(),
            provider: self.conn.provider,
            account_id: account_id.to_string(),
            account_name: name.to_string(),
            action,
            status_before: before,
            job_id: self.job_id.map(str::to_string),
            snapshot: None,
        }
    }

    /// Records an item that was never sent (cancelled before it started).
    pub fn record_not_started(&self, account_id: &str, name: &str, action: Action) -> Result<i64> {
        let c = Completion::outcome(Outcome::NotStarted).with_error(&Error::Cancelled);
        self.history.record(&self.intent(account_id, name, action, None), &c)
    }

    /// Performs `action` on `account_id`, retrying transient failures up to the policy's tries.
    /// Never sends the change twice once it succeeded: after a doubtful failure (a 500, a lost
    /// connection, a timeout) the account is re-read, and a retry is only sent if the change did
    /// not take effect.
    pub async fn perform(&self, account_id: &str, known_name: &str, action: Action) -> Result<Performed> {
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
                return Ok(Performed { outcome: Outcome::Failed, account: None, error: Some(e), request_id: None, history_id: id, attempts: 0 });
            }
        };
        let name = if current.name.is_empty() { known_name } else { &current.name };
        if let Err(e) = check_transition(provider, current.status, current.is_parent, action) {
            let id = self.history.record(
                &self.intent(account_id, name, action, Some(current.status)),
                &Completion { status_after: Some(current.status), ..Completion::outcome(Outcome::Skipped).with_error(&e) },
            )?;
            return Ok(Performed { outcome: Outcome::Skipped, account: Some(current), error: Some(e), request_id: None, history_id: id, attempts: 0 });
        }

        let mut intent = self.intent(account_id, name, action, Some(current.status));
        if action == Action::Delete {
            // The provider's docs tell users to back up before deleting: keep the details.
            intent.snapshot = self.api.snapshot(account_id).await.ok().flatten();
        }
        let history_id = self.history.begin(&intent)?;
        let target = action.target_status();
        let mut attempts = 0;
        let mut doubtful = false;
        let mut last_request_id = None;

        let finish = |outcome: Outcome, account: Option<Subaccount>, error: Option<Error>, request_id: Option<String>, attempts: u32| -> Result<Performed> {
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
            Ok(Performed { outcome, account, error, request_id, history_id, attempts })
        };

        loop {
            attempts += 1;
            match self.api.apply(account_id, action).await {
                Ok(receipt) => {
                    let mut account = current.clone();
                    account.status = receipt.status_after;
                    account.provider_status = receipt.provider_status_after.clone();
                    if receipt.status_after == target {
                        return finish(Outcome::Succeeded, Some(account), None, receipt.request_id, attempts);
                    }
                    // Twilio ignores a mis-cased parameter and answers 200: compare, never assume.
                    let e = Error::UnexpectedResponse {
                        detail: format!("the provider reports the account as {} after the change", receipt.status_after.as_str()),
                    };
                    return finish(Outcome::Failed, Some(account), Some(e), receipt.request_id, attempts);
                }
                Err(call) => {
                    last_request_id = call.request_id.clone().or(last_request_id);
                    doubtful |= call.ambiguous;
                    // Already in the target state after a doubtful try means our earlier try
                    // went through: done, not failed.
                    let settled = if doubtful { self.settle(account_id, action, &current).await } else { None };
                    if let Some(account) = settled {
                        return finish(Outcome::Succeeded, Some(account), None, last_request_id, attempts);
                    }
                    // A clear refusal, or a rate limit the HTTP layer already retried, is final.
                    // A doubtful failure is tried again, now that the re-read says it did not apply.
                    if !call.ambiguous || attempts >= self.retry.max_tries {
                        return finish(Outcome::Failed, Some(current.clone()), Some(call.error), last_request_id, attempts);
                    }
                    let wait = self.retry.delay(attempts, retry_after(&call.error));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// After a doubtful failure: re-reads the account and returns it when the action did take
    /// effect (a deleted account answers 404).
    async fn settle(&self, account_id: &str, action: Action, before: &Subaccount) -> Option<Subaccount> {
        match self.api.fetch(account_id).await {
            Ok(a) if a.status == action.target_status() => Some(a),
            Err(Error::NotFound { .. }) if action == Action::Delete => {
                let mut gone = before.clone();
                gone.status = Status::Deleted;
                gone.provider_status = "deleted".into();
                Some(gone)
            }
            _ => None,
        }
    }
}

fn retry_after(e: &Error) -> Option<Duration> {
    match e {
        Error::RateLimited { retry_after_secs: Some(s) } => Some(Duration::from_secs(*s)),
        _ => None,
    }
}
