//! What every action needs around it, whether one action from a dialog, a bulk job or a check:
//! the history, the in-flight component, the retry budget, and who acts.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

use crate::actions::{ActionContext, CrashHook};
use crate::attribution::{checked_reason, Attribution};
use crate::error::{Error, Result};
use crate::history::History;
use crate::in_flight::{Claim, InFlight};
use crate::model::{Action, Connection};
use crate::providers::catalog::Choices;
use crate::providers::{ProviderApi, RetryPolicy};
use crate::settings::SavedSettings;

/// The Spend and Balance figures last read for each account (by connection and account id):
/// what the table and the previews showed, kept in the history beside an irreversible action.
pub(crate) type FiguresShown =
    std::sync::Mutex<std::collections::HashMap<(uuid::Uuid, String), crate::model::Figures>>;

/// The history, or why it could not be opened (then every action is refused with that sentence).
pub(crate) type HistoryOrWhy = std::result::Result<Arc<History>, String>;

pub(crate) struct ActionEnv {
    history: HistoryOrWhy,
    /// Accounts with an action under way, and the check that refuses an account in doubt: a
    /// second action on the same account is refused, so a dialog and a bulk job can never
    /// both act on it.
    pub in_flight: Arc<dyn InFlight>,
    pub retry: RetryPolicy,
    /// Who is acting, for the history (the OS user in the app).
    pub actor: String,
    /// The operator's display name, read when an action starts.
    pub settings: Arc<SavedSettings>,
    /// See [`crate::actions::CrashHook`]: set only by the fault-schedule explorer.
    crash_hook: RwLock<Option<CrashHook>>,
    /// When this workspace started: an entry a crash left pending was sent before it.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Woken when an action ends with its outcome unknown, so the re-check plans its next look.
    recheck: tokio::sync::Notify,
    /// See [`FiguresShown`]; written by [`crate::figures`].
    pub figures_shown: FiguresShown,
}

impl ActionEnv {
    pub fn new(
        history: HistoryOrWhy,
        in_flight: Arc<dyn InFlight>,
        retry: RetryPolicy,
        actor: String,
        settings: Arc<SavedSettings>,
    ) -> ActionEnv {
        ActionEnv {
            history,
            in_flight,
            retry,
            actor,
            settings,
            crash_hook: RwLock::new(None),
            started_at: chrono::Utc::now(),
            recheck: tokio::sync::Notify::new(),
            figures_shown: FiguresShown::default(),
        }
    }

    pub fn history(&self) -> Result<&Arc<History>> {
        self.history
            .as_ref()
            .map_err(|m| Error::Storage { detail: m.clone() })
    }

    /// Resolves when an action has ended with an unknown outcome since the last call.
    pub async fn unknown_recorded(&self) {
        self.recheck.notified().await
    }

    /// Called with each action's outcome: an unknown one wakes the re-check.
    pub fn note_outcome(&self, outcome: crate::history::Outcome) {
        if matches!(
            outcome,
            crate::history::Outcome::Unknown | crate::history::Outcome::Pending
        ) {
            self.recheck.notify_one();
        }
    }

    pub fn set_crash_hook(&self, hook: Option<CrashHook>) {
        *self.crash_hook.write().expect("poisoned") = hook;
    }

    /// Holds an account for an action: refused while another action holds it, and while an
    /// earlier action on it has no known outcome (see [`crate::in_flight`]).
    pub async fn claim(
        &self,
        conn: &Connection,
        account_id: &str,
        action: Action,
    ) -> Result<Claim> {
        self.in_flight
            .claim_for_action(conn, account_id, action)
            .await
    }

    /// Who acts (the OS user, and the display name set now) and why, for one action or one
    /// bulk job; the reason is checked here, before anything is sent.
    pub fn attribution(&self, reason: Option<&str>) -> Result<Attribution> {
        Ok(Attribution {
            actor: self.actor.clone(),
            operator_name: self.settings.get().operator_display_name,
            reason: checked_reason(reason)?,
        })
    }

    /// `job`: the bulk job's id and cancel flag, `None` for a single action.
    pub fn context<'a>(
        &'a self,
        conn: &'a Connection,
        api: &'a Arc<dyn ProviderApi>,
        history: &'a History,
        by: &'a Attribution,
        job: Option<(&'a str, &'a AtomicBool)>,
        choices: &'a Choices,
    ) -> ActionContext<'a> {
        ActionContext {
            conn,
            api,
            history,
            by,
            job_id: job.map(|(id, _)| id),
            retry: &self.retry,
            cancel: job.map(|(_, cancel)| cancel),
            choices,
            crash: self.crash_hook.read().expect("poisoned").clone(),
            trail: self.in_flight.as_ref(),
            figures_shown: &self.figures_shown,
        }
    }
}
