//! The commands the web UI may call. Each one parses its input, calls the workspace, and maps
//! the error to `UiError {code, message}`. No rule lives here.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use subdesk_core::api::{
    AccountDetailView, AccountsExported, ActionPreview, ActionResult, AppStatus, ConnectionEdit,
    Exported, ListEvent, NewConnection, VerifiedParent,
};
use subdesk_core::confirm::Confirmation;
use subdesk_core::figures::{FiguresDone, FiguresEvent};
use subdesk_core::history::{ExportFormat, HistoryEntry, HistoryFilter, HistoryPage};
use subdesk_core::jobs::{BulkPreview, ItemRef, JobCounts, JobEvent, PreviewEvent};
use subdesk_core::providers::catalog::{Choices, ProviderInfo};
use subdesk_core::{Action, Connection, Error, Settings, UiError, Workspace};
use subdesk_team::{Team, TeamInput, TeamTested, TeamView};
use tauri::ipc::Channel;
use tauri::State;
use uuid::Uuid;

type Ws<'a> = State<'a, Arc<Workspace>>;
type TeamState<'a> = State<'a, Arc<Team>>;
type Reply<T> = Result<T, UiError>;

fn ui(e: Error) -> UiError {
    tracing::info!(code = e.code().as_str(), "command failed");
    e.to_ui()
}

/// Every provider's description: the connection form, the words, the statuses and the actions
/// each allows. The window draws its forms, filters, badges and buttons from it.
#[tauri::command]
pub fn provider_catalog() -> Vec<ProviderInfo> {
    subdesk_core::providers::catalog().to_vec()
}

#[tauri::command]
pub async fn app_status(ws: Ws<'_>) -> Reply<AppStatus> {
    Ok(ws.status().await)
}

/// What is wrong with the keychain, if anything; asked once the window shows.
#[tauri::command]
pub async fn keychain_check(ws: Ws<'_>) -> Reply<Option<String>> {
    Ok(ws.check_keychain().await)
}

#[tauri::command]
pub async fn open_demo(ws: Ws<'_>) -> Reply<AppStatus> {
    crate::demo::open(&ws).await.map_err(ui)?;
    Ok(ws.status().await)
}

#[tauri::command]
pub async fn close_demo(ws: Ws<'_>) -> Reply<AppStatus> {
    ws.close_demo().map_err(ui)?;
    Ok(ws.status().await)
}

/// *Check now*: reads one account again and settles its entries whose outcome is not known.
/// Answers how many are still open.
#[tauri::command]
pub async fn check_account(ws: Ws<'_>, connection_id: Uuid, account_id: String) -> Reply<u32> {
    let r = ws.check_now(connection_id, &account_id).await.map_err(ui)?;
    Ok(r.unknown)
}

/// Records what the user saw in the provider's console for an entry Subdesk cannot settle.
/// An entry of the team's trail (a negative id) is settled in this desktop's history when this
/// desktop wrote it; another desktop's entry is settled there.
#[tauri::command]
pub async fn settle_entry(
    ws: Ws<'_>,
    team: TeamState<'_>,
    entry_id: i64,
    went_through: bool,
) -> Reply<HistoryEntry> {
    let entry_id = if entry_id < 0 {
        team.local_id(entry_id).await.map_err(ui)?.ok_or_else(|| {
            Error::validation(
                "entry",
                "This entry was written on another desktop of the team: record what the console shows there, or use Check now on the account.",
            )
            .to_ui()
        })?
    } else {
        entry_id
    };
    ws.settle_by_hand(entry_id, went_through).await.map_err(ui)
}

#[tauri::command]
pub async fn verify_connection(ws: Ws<'_>, input: NewConnection) -> Reply<VerifiedParent> {
    ws.verify(&input).await.map_err(ui)
}

#[tauri::command]
pub async fn add_connection(ws: Ws<'_>, input: NewConnection) -> Reply<Connection> {
    let conn = ws.add_connection(&input).await.map_err(ui)?;
    tracing::info!(connection = %conn.id, provider = conn.provider.as_str(), "connection added");
    Ok(conn)
}

#[tauri::command]
pub async fn edit_connection(
    ws: Ws<'_>,
    connection_id: Uuid,
    edit: ConnectionEdit,
) -> Reply<Connection> {
    ws.edit_connection(connection_id, &edit).await.map_err(ui)
}

#[tauri::command]
pub async fn remove_connection(ws: Ws<'_>, connection_id: Uuid) -> Reply<()> {
    ws.remove_connection(connection_id).await.map_err(ui)
}

#[tauri::command]
pub async fn list_accounts(ws: Ws<'_>, on_event: Channel<ListEvent>) -> Reply<u32> {
    let ws: Arc<Workspace> = Arc::clone(&ws);
    let started = std::time::Instant::now();
    let rows = Arc::new(AtomicUsize::new(0));
    let ended = Arc::new(AtomicUsize::new(0));
    let send = sink(on_event);
    let (counted, settled) = (Arc::clone(&rows), Arc::clone(&ended));
    ws.list_all(Arc::new(move |ev: ListEvent| {
        match &ev {
            ListEvent::Page { rows, .. } => {
                counted.fetch_add(rows.len(), Ordering::Relaxed);
            }
            ListEvent::Done { .. } | ListEvent::Failed { .. } => {
                settled.fetch_add(1, Ordering::Relaxed);
            }
        }
        send(ev)
    }))
    .await;
    // Counts only: no name, id or address of an account reaches the log.
    tracing::info!(
        rows = rows.load(Ordering::Relaxed),
        ms = started.elapsed().as_millis() as u64,
        "accounts listed"
    );
    crate::memory::release_freed().await;
    // How many connections ended (each with one `done` or `failed`): the reply can reach the
    // window before the last pages do (a large message is fetched, a small one is not), so the
    // window counts these to know that everything arrived.
    Ok(ended.load(Ordering::Relaxed) as u32)
}

#[tauri::command]
pub async fn preview_action(
    ws: Ws<'_>,
    connection_id: Uuid,
    account_id: String,
    action: Action,
) -> Reply<ActionPreview> {
    ws.preview(connection_id, &account_id, action)
        .await
        .map_err(ui)
}

/// The account detail: numbers, balance and dates as the provider reports them. Reads only.
#[tauri::command]
pub async fn account_detail(
    ws: Ws<'_>,
    connection_id: Uuid,
    account_id: String,
) -> Reply<AccountDetailView> {
    ws.account_detail(connection_id, &account_id)
        .await
        .map_err(ui)
}

#[tauri::command]
pub async fn apply_action(
    ws: Ws<'_>,
    connection_id: Uuid,
    account_id: String,
    action: Action,
    confirmation: Option<Confirmation>,
    choices: Option<Choices>,
    reason: Option<String>,
) -> Reply<ActionResult> {
    let choices = choices.unwrap_or_default();
    ws.apply_with(
        connection_id,
        &account_id,
        action,
        confirmation.as_ref(),
        &choices,
        reason.as_deref(),
    )
    .await
    .map_err(ui)
}

/// The team's trail while team history is on, this desktop's history otherwise.
#[tauri::command]
pub async fn history_query(
    ws: Ws<'_>,
    team: TeamState<'_>,
    filter: HistoryFilter,
    before_id: Option<i64>,
    limit: u32,
) -> Reply<HistoryPage> {
    if team.shows_trail() {
        return team
            .history_page(&filter, &ws.saved_connections(), before_id, limit)
            .await
            .map_err(ui);
    }
    let ws: Arc<Workspace> = Arc::clone(&ws);
    blocking(move || ws.history_query(&filter, before_id, limit)).await
}

/// Asks where to save with the native dialog, opened from here (the window has no dialog
/// permission and never names a path itself), then exports. `None`: the user cancelled.
/// `SUBDESK_EXPORT_PATH`, when set, stands in for the dialog's answer: the end-to-end tests
/// use it, since WebDriver cannot drive a native dialog.
/// While team history is on: the team's trail, with each entry's desktop.
#[tauri::command]
pub async fn history_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    ws: Ws<'_>,
    team: TeamState<'_>,
    filter: HistoryFilter,
    format: ExportFormat,
) -> Reply<Option<Exported>> {
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    };
    let Some(chosen) = ask_save_path(&app, "Export history", "subdesk-history", ext).await else {
        return Ok(None);
    };
    let path = ws.export_path(chosen, ext).map_err(ui)?;
    let shown = path.display().to_string();
    if team.shows_trail() {
        let count = team
            .export(&filter, &ws.saved_connections(), format, &path)
            .await
            .map_err(ui)?;
        return Ok(Some(Exported { path: shown, count }));
    }
    let ws: Arc<Workspace> = Arc::clone(&ws);
    let count = blocking(move || ws.history_export(&filter, format, &path)).await?;
    Ok(Some(Exported { path: shown, count }))
}

/// The accounts table (the rows the window shows, in its order) to a CSV file. Like
/// [`history_export`]: the native save dialog or `SUBDESK_EXPORT_PATH`, the same path checks,
/// and core writes every cell from its own listing (the window only names the rows).
#[tauri::command]
pub async fn accounts_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    ws: Ws<'_>,
    items: Vec<ItemRef>,
) -> Reply<Option<AccountsExported>> {
    if items.is_empty() {
        return Err(Error::validation(
            "items",
            "There are no accounts to export. Clear the search or filters, then export again.",
        )
        .to_ui());
    }
    let Some(chosen) = ask_save_path(&app, "Export accounts", "subdesk-accounts", "csv").await
    else {
        return Ok(None);
    };
    let path = ws.export_path(chosen, "csv").map_err(ui)?;
    let ws: Arc<Workspace> = Arc::clone(&ws);
    blocking(move || ws.accounts_export(&items, &path))
        .await
        .map(Some)
}

/// Where to save an export: the native save dialog's answer (`None`: cancelled), or
/// `SUBDESK_EXPORT_PATH` when set, since WebDriver cannot drive a native dialog.
async fn ask_save_path<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    title: &str,
    stem: &str,
    ext: &str,
) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    if let Some(p) = std::env::var_os("SUBDESK_EXPORT_PATH") {
        return Some(PathBuf::from(p));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let stamp = subdesk_core::history::now_iso()
        .chars()
        .take(10)
        .collect::<String>();
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(format!("{stem}-{stamp}.{ext}"))
        .add_filter(ext.to_uppercase(), &[ext])
        .save_file(move |p| {
            let _ = tx.send(p);
        });
    rx.await.ok().flatten().and_then(|p| p.into_path().ok())
}

/// Streams the split at once, then the counting progress; returns the preview with the numbers
/// count and the confirmation token. `preview_id` (chosen by the dialog) is what
/// `bulk_preview_cancel` stops it by: Tauri runs a command to its end even when the window
/// stops waiting for it, so closing the dialog must say so for the requests to stop.
#[tauri::command]
pub async fn bulk_preview(
    ws: Ws<'_>,
    items: Vec<ItemRef>,
    action: Action,
    preview_id: Option<String>,
    on_event: Channel<PreviewEvent>,
) -> Reply<BulkPreview> {
    let ws: Arc<Workspace> = Arc::clone(&ws);
    ws.bulk()
        .preview_with(&items, action, preview_id.as_deref(), sink(on_event))
        .await
        .map_err(ui)
}

/// Stops a bulk preview: its requests in flight are dropped, no other is sent.
#[tauri::command]
pub async fn bulk_preview_cancel(ws: Ws<'_>, preview_id: String) -> Reply<()> {
    ws.bulk().cancel_preview(&preview_id);
    Ok(())
}

/// Reads the Spend and Balance figures of `items` (the rows in view first), streaming them to
/// `on_event`; resolves when all were read or `figures_stop` stopped it. `run_id` is what
/// `figures_stop` and `figures_first` name it by.
#[tauri::command]
pub async fn figures_read(
    ws: Ws<'_>,
    items: Vec<ItemRef>,
    run_id: String,
    on_event: Channel<FiguresEvent>,
) -> Reply<FiguresDone> {
    let ws: Arc<Workspace> = Arc::clone(&ws);
    ws.figures_read(&items, &run_id, sink(on_event))
        .await
        .map_err(ui)
}

/// Stops a figures read: its requests in flight are dropped, what was read stays.
#[tauri::command]
pub async fn figures_stop(ws: Ws<'_>, run_id: String) -> Reply<()> {
    ws.figures_stop(&run_id);
    Ok(())
}

/// Reads these accounts next (they scrolled into view).
#[tauri::command]
pub async fn figures_first(ws: Ws<'_>, run_id: String, items: Vec<ItemRef>) -> Reply<()> {
    ws.figures_first(&run_id, &items);
    Ok(())
}

#[tauri::command]
pub async fn bulk_run(
    ws: Ws<'_>,
    items: Vec<ItemRef>,
    action: Action,
    confirmation: Option<Confirmation>,
    choices: Option<Choices>,
    reason: Option<String>,
    on_event: Channel<JobEvent>,
) -> Reply<JobCounts> {
    let ws: Arc<Workspace> = Arc::clone(&ws);
    let choices = choices.unwrap_or_default();
    ws.bulk()
        .run_with(
            items,
            action,
            confirmation.as_ref(),
            &choices,
            reason.as_deref(),
            sink(on_event),
        )
        .await
        .map_err(ui)
}

#[tauri::command]
pub async fn bulk_cancel(ws: Ws<'_>, job_id: String) -> Reply<()> {
    ws.bulk().cancel(&job_id);
    Ok(())
}

#[tauri::command]
pub async fn get_settings(ws: Ws<'_>) -> Reply<Settings> {
    Ok(ws.settings())
}

#[tauri::command]
pub async fn set_settings(ws: Ws<'_>, team: TeamState<'_>, settings: Settings) -> Reply<Settings> {
    let saved = ws.set_settings(settings).map_err(ui)?;
    // The team's claims name the operator by the display name.
    team.settings_changed(&ws).await;
    Ok(saved)
}

/// Settings, Team history: as saved (never the password, only whether one is saved).
#[tauri::command]
pub async fn team_settings(team: TeamState<'_>) -> Reply<TeamView> {
    team.view().await.map_err(ui)
}

/// Saves Team history's settings (a new password to the keychain) and turns it on or off.
#[tauri::command]
pub async fn save_team_settings(
    ws: Ws<'_>,
    team: TeamState<'_>,
    input: TeamInput,
) -> Reply<TeamView> {
    team.save(&ws, input).await.map_err(ui)
}

/// *Test*: a sentence saying what is wrong with the settings entered, or what was found.
#[tauri::command]
pub async fn test_team_settings(team: TeamState<'_>, input: TeamInput) -> Reply<TeamTested> {
    team.test(input).await.map_err(ui)
}

/// *Move in*: copies this computer's history into the team's, once; says how many entries.
#[tauri::command]
pub async fn team_move_in(ws: Ws<'_>, team: TeamState<'_>) -> Reply<String> {
    team.move_in(&ws).await.map_err(ui)
}

/// Sends core's events to the window through a channel; a closed window only loses the view.
fn sink<T: tauri::ipc::IpcResponse + Send + Sync + 'static>(
    channel: Channel<T>,
) -> Arc<dyn Fn(T) + Send + Sync> {
    Arc::new(move |ev: T| {
        if let Err(e) = channel.send(ev) {
            tracing::warn!(error = %e, "the window stopped listening");
        }
    })
}

/// SQLite work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> subdesk_core::Result<T> + Send + 'static,
) -> Reply<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::storage(e.to_string()).to_ui())?
        .map_err(ui)
}

/// Version, build, folders, licences and the privacy statement, for the About panel.
#[tauri::command]
pub fn about_info<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Reply<crate::about::AboutInfo> {
    crate::about::info(&app)
}

/// Opens the data or the log folder (nothing else) in the file manager.
#[tauri::command]
pub fn open_folder<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    folder: crate::about::Folder,
) -> Reply<()> {
    crate::about::open(&app, folder)
}
