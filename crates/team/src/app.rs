//! Team history in the app: what Settings shows and saves (the password in the keychain, never
//! in the settings file, the window, a log or the history), turning it on and off at once
//! (off: the local history, exactly as without it), *Test*, *Move in*, the shared trail for
//! History, and copying the outcomes the server could not take when it is back.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use subdesk_core::error::{Error, Result};
use subdesk_core::history::{write_entries, ExportFormat, HistoryFilter, HistoryPage};
use subdesk_core::secrets::{Secret, SecretStore};
use subdesk_core::workspace::InFlightFactory;
use subdesk_core::{Connection, Workspace, WorkspaceConfig};
use ts_rs::TS;

use crate::{Desk, TeamInFlight, TeamPool, TeamSettings, DEFAULT_LEASE};

/// The keychain entry of the team database's password (beside the connections' secrets, which
/// are keyed by connection id).
pub const PASSWORD_KEY: &str = "team-history-password";

/// What the settings file keeps of team history: nothing secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SavedTeam {
    pub enabled: bool,
    pub settings: Option<TeamSettings>,
    /// This desktop's history's id in the shared trail (its entries are `<origin>/<local id>`),
    /// chosen once.
    pub origin: Option<String>,
}

/// Where [`SavedTeam`] is kept (the settings file in the app, memory in tests).
pub trait TeamStore: Send + Sync {
    fn load_team(&self) -> Result<SavedTeam>;
    fn save_team(&self, team: &SavedTeam) -> Result<()>;
}

/// A [`TeamStore`] in memory, for tests.
#[derive(Default)]
pub struct MemoryTeamStore(Mutex<SavedTeam>);

impl TeamStore for MemoryTeamStore {
    fn load_team(&self) -> Result<SavedTeam> {
        Ok(self.0.lock().expect("poisoned").clone())
    }
    fn save_team(&self, team: &SavedTeam) -> Result<()> {
        *self.0.lock().expect("poisoned") = team.clone();
        Ok(())
    }
}

/// Team history as Settings shows it. Never the password: only whether one is saved.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamView {
    pub enabled: bool,
    pub settings: Option<TeamSettings>,
    pub password_saved: bool,
    /// This computer's name, as the team sees it beside each of its entries.
    pub desktop: String,
    /// Why team history is on but cannot be used, if it is (every action is refused).
    pub problem: Option<String>,
    /// Outcomes waiting for the team database (copied when it is back).
    pub waiting: u32,
}

/// What Settings sends. `password`: a new one to keep in the keychain; absent: keep the saved
/// one.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamInput {
    pub enabled: bool,
    pub settings: TeamSettings,
    #[ts(optional, type = "string")]
    pub password: Option<Secret>,
}

/// *Test*'s answer: a sentence, and whether it says the database can be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamTested {
    pub ok: bool,
    pub message: String,
}

pub struct Team {
    in_flight: Arc<TeamInFlight>,
    store: Arc<dyn TeamStore>,
    secrets: Arc<dyn SecretStore>,
    /// Who acts here (the OS user), as claims name them when no display name is set.
    actor: String,
    desktop: String,
}

const NO_PASSWORD: &str =
    "Enter the team database's password: Subdesk keeps it in this computer's keychain.";

/// This computer's name, as the team sees it: `SUBDESK_DESKTOP_NAME` when set (two data
/// folders on one computer in the end-to-end tests), or the computer's own name.
pub fn desktop_name() -> String {
    std::env::var("SUBDESK_DESKTOP_NAME")
        .ok()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| whoami::devicename().ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "this computer".into())
}

/// The keychain, off the async workers (a call can block on D-Bus).
async fn keychain<T: Send + 'static>(
    secrets: &Arc<dyn SecretStore>,
    f: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
) -> Result<T> {
    let secrets = Arc::clone(secrets);
    tokio::task::spawn_blocking(move || f(secrets.as_ref()))
        .await
        .map_err(|e| Error::storage(e.to_string()))?
}

impl Team {
    /// The app's workspace, with team history as saved: on (the team database's claims and
    /// trail) or off (the local history only). Must run inside a tokio runtime.
    pub async fn workspace(
        cfg: WorkspaceConfig,
        store: Arc<dyn TeamStore>,
        secrets: Arc<dyn SecretStore>,
        desktop: String,
    ) -> Result<(Workspace, Team)> {
        let mut saved = store.load_team().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "team history settings unreadable; team history off");
            SavedTeam::default()
        });
        let origin = match &saved.origin {
            Some(o) => o.clone(),
            None => {
                let o = uuid::Uuid::new_v4().to_string();
                saved.origin = Some(o.clone());
                store.save_team(&saved)?;
                o
            }
        };
        let slot: Arc<Mutex<Option<Arc<TeamInFlight>>>> = Arc::default();
        let put = Arc::clone(&slot);
        let factory: InFlightFactory = Box::new(move |local| {
            let t = Arc::new(TeamInFlight::switchable(local, &origin));
            *put.lock().expect("poisoned") = Some(Arc::clone(&t));
            t
        });
        let actor = cfg.actor.clone();
        let ws = Workspace::with_in_flight(cfg, factory)?;
        let in_flight = slot
            .lock()
            .expect("poisoned")
            .take()
            .expect("the workspace built its in-flight component");
        let team = Team {
            in_flight,
            store,
            secrets,
            actor,
            desktop,
        };
        team.apply(&ws, &saved).await;
        Ok((ws, team))
    }

    /// Turns team history on or off as `saved` says. On without a password, or with settings
    /// that cannot be used: on, and every action refused with the sentence saying why.
    async fn apply(&self, ws: &Workspace, saved: &SavedTeam) {
        let settings = match (saved.enabled, &saved.settings) {
            (false, _) => return self.in_flight.set_desk(None),
            (true, None) => return self.in_flight.set_unusable(
                "Team history is on without its settings. Enter them in Settings, Team history."
                    .into(),
            ),
            (true, Some(s)) => s.clone(),
        };
        let password = match keychain(&self.secrets, |k| k.get(PASSWORD_KEY)).await {
            Ok(Some(p)) => p,
            Ok(None) => return self.in_flight.set_unusable(NO_PASSWORD.into()),
            Err(e) => return self.in_flight.set_unusable(e.user_message()),
        };
        match TeamPool::open(&settings, password.expose()) {
            Ok(pool) => {
                let operator = ws
                    .settings()
                    .operator_display_name
                    .unwrap_or_else(|| self.actor.clone());
                let desk = Desk::new(pool, &operator, &self.desktop, DEFAULT_LEASE);
                self.in_flight.set_desk(Some(Arc::new(desk)));
            }
            Err(e) => self.in_flight.set_unusable(e.user_message()),
        }
    }

    pub async fn view(&self) -> Result<TeamView> {
        let saved = self.store.load_team()?;
        let password_saved = keychain(&self.secrets, |k| k.get(PASSWORD_KEY))
            .await?
            .is_some();
        Ok(TeamView {
            enabled: saved.enabled,
            settings: saved.settings,
            password_saved,
            desktop: self.desktop.clone(),
            problem: self.in_flight.unusable(),
            waiting: u32::try_from(self.in_flight.waiting()).unwrap_or(u32::MAX),
        })
    }

    /// Saves the settings (the password, when a new one is given, in the keychain) and turns
    /// team history on or off at once.
    pub async fn save(&self, ws: &Workspace, input: TeamInput) -> Result<TeamView> {
        if input.enabled {
            if let Some(problem) = input.settings.problem() {
                return Err(Error::validation("team", problem));
            }
        }
        if let Some(p) = input.password.filter(|p| !p.is_blank()) {
            keychain(&self.secrets, move |k| k.set(PASSWORD_KEY, &p)).await?;
        } else if input.enabled
            && keychain(&self.secrets, |k| k.get(PASSWORD_KEY))
                .await?
                .is_none()
        {
            return Err(Error::validation("password", NO_PASSWORD));
        }
        let mut saved = self.store.load_team()?;
        saved.enabled = input.enabled;
        saved.settings = Some(input.settings);
        self.store.save_team(&saved)?;
        self.apply(ws, &saved).await;
        tracing::info!(enabled = saved.enabled, "team history settings saved");
        self.view().await
    }

    /// *Test*: connects with the settings as entered (and the password entered, or the saved
    /// one), and says in a sentence what is wrong or what was found.
    pub async fn test(&self, input: TeamInput) -> Result<TeamTested> {
        let password = match input.password.filter(|p| !p.is_blank()) {
            Some(p) => Some(p),
            None => keychain(&self.secrets, |k| k.get(PASSWORD_KEY)).await?,
        };
        let Some(password) = password else {
            return Ok(TeamTested {
                ok: false,
                message: NO_PASSWORD.into(),
            });
        };
        Ok(
            match crate::test(&input.settings, password.expose()).await {
                Ok(t) => TeamTested {
                    ok: true,
                    message: t.user_message(),
                },
                Err(e) => {
                    tracing::info!(error = %e, "team database test failed");
                    TeamTested {
                        ok: false,
                        message: e.user_message(),
                    }
                }
            },
        )
    }

    /// The team database, or the sentence for an action that needs it.
    fn desk(&self) -> Result<Arc<Desk>> {
        if let Some(sentence) = self.in_flight.unusable() {
            return Err(Error::validation("team", sentence));
        }
        self.in_flight.desk().ok_or_else(|| {
            Error::validation(
                "team",
                "Team history is off. Turn it on and save, then move the history in.",
            )
        })
    }

    /// *Move in*: copies this computer's history into the team's, once; the sentence says
    /// how many entries were copied.
    pub async fn move_in(&self, ws: &Workspace) -> Result<String> {
        let desk = self.desk()?;
        let history = Arc::clone(ws.history()?);
        let moved = crate::move_in(
            &desk,
            &history,
            self.in_flight.origin(),
            &ws.saved_connections(),
        )
        .await
        .map_err(|e| Error::validation("team", e.user_message()))?;
        tracing::info!(
            copied = moved.copied,
            already = moved.already,
            skipped = moved.skipped,
            "history moved into the team trail"
        );
        Ok(moved.user_message())
    }

    /// Whether History shows the team's trail (team history on and usable) rather than this
    /// desktop's own history.
    pub fn shows_trail(&self) -> bool {
        self.in_flight.desk().is_some()
    }

    /// Applies the settings again after the display name changed: the team's claims name the
    /// operator by it.
    pub async fn settings_changed(&self, ws: &Workspace) {
        match self.store.load_team() {
            Ok(saved) if saved.enabled => self.apply(ws, &saved).await,
            _ => {}
        }
    }

    /// A page of the team's trail for History.
    pub async fn history_page(
        &self,
        f: &HistoryFilter,
        conns: &[Connection],
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage> {
        self.desk()?
            .history_page(f, conns, before_id, limit)
            .await
            .map_err(|e| {
                Error::validation(
                    "team",
                    format!(
                        "{} The team history shows again once it is back.",
                        e.user_message()
                    ),
                )
            })
    }

    /// History's export while team history is on: every entry of the team's trail matching
    /// `f`, newest first, with the desktop that wrote it; written whole or not at all.
    pub async fn export(
        &self,
        f: &HistoryFilter,
        conns: &[Connection],
        format: ExportFormat,
        path: &std::path::Path,
    ) -> Result<u64> {
        let mut entries = Vec::new();
        let mut before = None;
        loop {
            let page = self.history_page(f, conns, before, 1000).await?;
            before = page.entries.last().map(|e| e.id);
            entries.extend(page.entries);
            if !page.has_more || before.is_none() {
                break;
            }
        }
        let mut bytes = Vec::new();
        let n = write_entries(entries.into_iter().map(Ok), format, true, &mut bytes)?;
        subdesk_core::durable::write_atomically(path, &bytes)?;
        Ok(n)
    }

    /// The local id of a team entry this desktop wrote (History gives team entries negative
    /// ids); `None` for an entry another desktop wrote.
    pub async fn local_id(&self, team_id: i64) -> Result<Option<i64>> {
        let desk = self.desk()?;
        let origin = desk
            .origin_of(team_id)
            .await
            .map_err(|e| Error::validation("team", e.user_message()))?;
        let ours = format!("{}/", self.in_flight.origin());
        Ok(origin
            .and_then(|o| o.strip_prefix(&ours).map(str::to_string))
            .and_then(|id| id.parse().ok()))
    }

    /// Copies the outcomes the team database could not take; true when none is left.
    pub async fn catch_up(&self) -> bool {
        self.in_flight.catch_up().await
    }
}
