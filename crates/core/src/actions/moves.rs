//! A Close that first moves the account's phone numbers to the parent account (Twilio's
//! "exchanging numbers between subaccounts", chosen in the Close dialog).
//!
//! Each number's move is a history entry of its own ([`Action::MoveNumber`]), written with
//! the discipline of every action: the intent before the request, the outcome after it, and a
//! doubtful answer settled by reading the account's numbers again. The close is sent only
//! when every number moved *and* a fresh read just before it shows none left; otherwise the
//! account is not closed and its entry says which numbers stayed and why. A re-run lists the
//! numbers again, so it moves only what is left, and a closed account is never sent a second
//! close (the status check before any of this skips it).

use std::time::Instant;

use super::{ActionContext, CrashPoint, Ending, Performed, Tries};
use crate::error::{Error, Result};
use crate::history::{Intent, Outcome};
use crate::model::{Action, MovableNumber, Subaccount};
use crate::providers::catalog::MOVE_NUMBERS;
use crate::providers::ProviderApi;

/// Where a number a move was about is now, read at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whereabouts {
    /// Still in the subaccount: not moved (yet).
    Subaccount,
    /// In the parent account: moved.
    Parent,
    /// In neither: released (a close or a release made outside Subdesk) or moved elsewhere,
    /// so whether the move went through is not known.
    Neither,
    /// Not in the parent, and the subaccount's numbers could not be read (a closed
    /// subaccount's, at Twilio): whether the move went through is not known.
    NotInParent,
}

/// Reads where the number `number_sid` of `account_id` is now: the parent's own number first
/// (there, it moved, whatever the subaccount's state), then the subaccount's numbers.
/// `Ok(None)` when the provider has no such move.
pub(crate) async fn whereabouts(
    api: &dyn ProviderApi,
    account_id: &str,
    number_sid: &str,
) -> Result<Option<Whereabouts>> {
    match api.parent_holds_number(number_sid).await? {
        None => return Ok(None),
        Some(true) => return Ok(Some(Whereabouts::Parent)),
        Some(false) => {}
    }
    Ok(Some(match api.movable_numbers(account_id).await {
        Ok(Some(list)) if list.iter().any(|n| n.sid == number_sid) => Whereabouts::Subaccount,
        Ok(_) => Whereabouts::Neither,
        Err(e) if e.retryable() => return Err(e),
        Err(_) => Whereabouts::NotInParent,
    }))
}

/// What the moves before a close came to.
pub(super) enum BeforeClose {
    /// Every number moved (or there were none): the close may be sent. The numbers moved now.
    Go(Vec<MovableNumber>),
    /// The account is not closed; its entry is written.
    Stopped(Box<Performed>),
}

impl ActionContext<'_> {
    /// Whether this action is a Close with the numbers' move chosen.
    pub(super) fn moves_numbers(&self, action: Action) -> bool {
        action == Action::Close && self.choices.get(MOVE_NUMBERS).copied().unwrap_or(false)
    }

    /// Moves every number of `current` to the parent, one entry each. `close`: the close's
    /// intent, recorded as failed (never sent) when a number stays.
    pub(super) async fn move_numbers_first(
        &self,
        current: &Subaccount,
        close: &Intent,
    ) -> Result<BeforeClose> {
        let numbers = match self.api.movable_numbers(&current.id).await {
            Ok(Some(numbers)) => numbers,
            Ok(None) => return Ok(BeforeClose::Go(Vec::new())),
            Err(e) => return self.stop(close, current, e).await,
        };
        let mut moved = Vec::new();
        let mut stayed = Vec::new();
        for n in &numbers {
            if self.cancelled() {
                stayed.push(format!(
                    "{} (the job was cancelled before it moved)",
                    n.number
                ));
                continue;
            }
            let done = self.move_one(current, &close.account_name, n).await?;
            match done.outcome {
                Outcome::Succeeded => moved.push(n.clone()),
                _ => stayed.push(format!("{} ({})", n.number, self.why(done.error.as_ref()))),
            }
        }
        if stayed.is_empty() {
            // The last word before the close: a number bought meanwhile, or a move the
            // provider answered but did not make, keeps the account open.
            match self.api.movable_numbers(&current.id).await {
                Ok(left) => stayed.extend(left.into_iter().flatten().map(|n| {
                    format!(
                        "{} (still in the subaccount when Subdesk checked before closing)",
                        n.number
                    )
                })),
                Err(e) => return self.stop(close, current, e).await,
            }
        }
        if stayed.is_empty() {
            return Ok(BeforeClose::Go(moved));
        }
        let e = Error::NumbersStayed {
            stayed,
            moved: moved.len(),
        };
        self.stop(close, current, e).await
    }

    /// The close is not sent: its entry is recorded as failed, with the user's answers.
    async fn stop(&self, close: &Intent, current: &Subaccount, e: Error) -> Result<BeforeClose> {
        let mut intent = close.clone();
        intent.snapshot = Some(super::with_choices(intent.snapshot.take(), self.choices));
        let ending = Ending::unsent(Outcome::Failed, Some(current.clone()), e);
        self.record_unsent(&intent, ending)
            .await
            .map(|done| BeforeClose::Stopped(Box::new(done)))
    }

    /// One number's move, as one history entry.
    async fn move_one(
        &self,
        current: &Subaccount,
        name: &str,
        n: &MovableNumber,
    ) -> Result<Performed> {
        self.crashes_at(CrashPoint::BeforeIntent, &current.id)?;
        let mut intent = self.intent(&current.id, name, Action::MoveNumber, Some(current.status));
        intent.snapshot = Some(
            serde_json::json!({
                "number_sid": n.sid,
                "phone_number": n.number,
                "to": self.conn.account_id,
            })
            .to_string(),
        );
        let started = Instant::now();
        let history_id = self.history.begin(&intent)?;
        if let Err(e) = self.intent_shared(history_id).await {
            let ending = Ending::unsent(Outcome::Failed, Some(current.clone()), e);
            return self.complete(history_id, started, ending).await;
        }
        self.crashes_at(CrashPoint::AfterIntent, &current.id)?;
        let ending = self.send_move(current, n).await;
        self.crashes_at(CrashPoint::AfterCall, &current.id)?;
        self.complete(history_id, started, ending).await
    }

    /// Sends the move; after a doubtful answer, reads where the number is: in the parent means
    /// moved, still in the subaccount means send again (safe: once the number has left, the same
    /// request answers 404 and moves nothing, so no number is ever moved twice), in neither
    /// (released meanwhile) leaves the outcome unknown.
    async fn send_move(&self, current: &Subaccount, n: &MovableNumber) -> Ending {
        let mut tries = Tries::default();
        loop {
            let budget = self.retry.max_tries.saturating_sub(tries.sent).max(1);
            let call = match self.api.move_number_within(&current.id, n, budget).await {
                Ok(request_id) => {
                    tries.sent += 1;
                    tries.request_id = request_id.or(tries.request_id.take());
                    return tries.end(Outcome::Succeeded, Some(current.clone()), None);
                }
                Err(call) => call,
            };
            tries.sent += call.attempts.max(1);
            tries.request_id = call.request_id.clone().or(tries.request_id.take());
            // Gone from the account after an attempt that may have gone through: that one did
            // it, if the parent holds the number now.
            if tries.in_doubt && matches!(call.error, Error::NotFound { .. }) {
                return match self.now_at(&current.id, n).await {
                    Some(Whereabouts::Parent) => {
                        tries.end(Outcome::Succeeded, Some(current.clone()), None)
                    }
                    _ => tries.unknown(&call.error),
                };
            }
            if !call.ambiguous {
                return match tries.in_doubt {
                    true => tries.unknown(&call.error),
                    false => tries.end(Outcome::Failed, Some(current.clone()), Some(call.error)),
                };
            }
            tries.in_doubt = true;
            match self.now_at(&current.id, n).await {
                Some(Whereabouts::Parent) => {
                    return tries.end(Outcome::Succeeded, Some(current.clone()), None)
                }
                Some(Whereabouts::Subaccount)
                    if tries.sent < self.retry.max_tries && !self.cancelled() =>
                {
                    tokio::time::sleep(self.retry.delay(tries.sent, None)).await
                }
                _ => return tries.unknown(&call.error),
            }
        }
    }

    /// Where the number is now, `None` when that cannot be read.
    async fn now_at(&self, account_id: &str, n: &MovableNumber) -> Option<Whereabouts> {
        whereabouts(self.api.as_ref(), account_id, &n.sid)
            .await
            .ok()
            .flatten()
    }

    /// Why a number stayed, in a few words for the close's sentence.
    fn why(&self, e: Option<&Error>) -> String {
        let provider = self.conn.provider.name();
        match e {
            Some(Error::Refused { detail, .. }) => {
                format!("{provider} refused: {}", detail.trim_end_matches('.'))
            }
            Some(Error::OutcomeUnknown { .. }) => format!(
                "{provider}'s answer was lost, so whether it moved is not known yet; the history settles it"
            ),
            Some(e) => e.user_message().trim_end_matches('.').to_string(),
            None => "not moved".into(),
        }
    }
}

/// The close's snapshot with the numbers moved before it (`"moved_to_parent"`), so the
/// history says where they went.
pub(super) fn with_moved(snapshot: Option<String>, moved: &[MovableNumber]) -> Option<String> {
    if moved.is_empty() {
        return snapshot;
    }
    let mut value = snapshot
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    value["moved_to_parent"] = serde_json::json!(moved
        .iter()
        .map(|n| serde_json::json!({"sid": n.sid, "phone_number": n.number}))
        .collect::<Vec<_>>());
    Some(value.to_string())
}
