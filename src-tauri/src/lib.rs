//! Subdesk's desktop shell: builds the Tauri app, wires plugins and state, and registers the
//! commands. Everything else is in `subdesk-core`.

mod about;
#[cfg(test)]
mod command_check;
mod commands;
mod demo;
#[cfg(test)]
mod ipc_check;
mod logging;
mod memory;
mod rendering;
mod settings_store;

use std::sync::Arc;

use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::KeyringStore;
use subdesk_core::workspace::os_user;
use subdesk_core::WorkspaceConfig;
use subdesk_team::Team;
use tauri::Manager;
use tauri_plugin_store::StoreExt;
use tauri_plugin_window_state::StateFlags;

/// Declares the commands of `command_list.rs`: their names and the invoke handler.
macro_rules! commands {
    ($($name:ident),* $(,)?) => {
        /// Every command the web UI may call, by name (the one list: `command_list.rs`).
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The invoke handler of every command in `COMMANDS`.
        fn invoke_handler<R: tauri::Runtime>(
        ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(commands::$name),*]
        }
    };
}
include!("command_list.rs");

/// The keychain service name under which connection secrets are stored.
pub const KEYCHAIN_SERVICE: &str = "com.subdesk.desktop";

pub fn run() {
    // Before GTK and WebKit start, and before any other thread exists.
    memory::limit_arenas();
    rendering::configure();
    if let Err(message) = check_display() {
        eprintln!("{message}");
        std::process::exit(2);
    }
    let result = tauri::Builder::default()
        // First, so a second launch hands over before anything else starts (the history lock
        // would refuse it): it brings the running window forward and exits with 0.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("a second launch was handed over to this window");
            focus_main_window(app);
        }))
        // The window opens where it was left: size, position (only when that spot is still on a
        // screen: the plugin checks the monitors) and maximised. Not visibility or decorations:
        // the window always starts shown, as the end-to-end harness expects.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED,
                )
                .build(),
        )
        .plugin(logging::plugin())
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        // Used by our open_folder command only; the window gets no opener permission.
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            std::fs::create_dir_all(&data_dir)?;
            // A settings file torn by a crash is moved aside before the store reads it (the
            // store would silently start empty) and the user is told where it went.
            let settings_path = data_dir.join(settings_store::FILE);
            let settings_problem =
                match subdesk_core::durable::set_aside_if_unreadable(&settings_path) {
                    Ok(None) => None,
                    Ok(Some(aside)) => Some(subdesk_core::durable::settings_moved_message(&aside)),
                    Err(e) => Some(e.user_message()),
                };
            let store = app
                .store_builder(settings_store::FILE)
                .disable_auto_save()
                .build()?;
            // Out of the plugin's table: it would otherwise write the file in place at exit.
            // Our handle keeps the values; PluginStore writes the file atomically.
            store.close_resource();
            let saved = Arc::new(settings_store::PluginStore::new(store, settings_path));
            let keychain = Arc::new(KeyringStore::new(KEYCHAIN_SERVICE));
            // Team history as saved: on, the team database's claims and trail; off, the local
            // history only. Settings turns it on and off without a restart.
            let (ws, team) = tauri::async_runtime::block_on(Team::workspace(
                WorkspaceConfig {
                    settings: saved.clone(),
                    secrets: keychain.clone(),
                    history_path: Some(data_dir.join("history.db")),
                    http: HttpConfig::default(),
                    retry: retry_policy(),
                    actor: os_user(),
                },
                saved,
                keychain,
                subdesk_team::desktop_name(),
            ))?;
            let team = Arc::new(team);
            app.manage(Arc::clone(&team));
            // Outcomes the team database could not take are copied once it is back (also
            // before the next action's outcome): nothing written here is lost.
            tauri::async_runtime::spawn(async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                    team.catch_up().await;
                }
            });
            if let Some(problem) = settings_problem {
                tracing::warn!("{problem}");
                ws.note_settings_problem(problem);
            }
            let ws = Arc::new(ws);
            app.manage(Arc::clone(&ws));
            let log_dir = app.path().app_log_dir()?;
            tracing::info!(data_dir = %data_dir.display(), log_dir = %log_dir.display(), "Subdesk started");
            if let Some(said) = rendering::described() {
                tracing::info!("{said}");
            }
            tauri::async_runtime::block_on(async {
                // First start, or every connection removed: open the demo so there is
                // something to look at, with a banner saying nothing real is touched.
                // Not after a damaged settings file: the user had connections, and the banner
                // says what happened instead of a demo that looks like a fresh start.
                if !ws.has_saved_entries()
                    && ws.settings_problem().is_none()
                    && std::env::var_os("SUBDESK_NO_DEMO").is_none()
                {
                    if let Err(e) = demo::open(&ws).await {
                        tracing::warn!(error = %e, "demo workspace did not open");
                    }
                }
            });
            // Settle actions a crash left open before the window asks for the status, but never
            // hold the window back for long: with the network slow it finishes in the background.
            let bg = Arc::clone(&ws);
            let reconciling = tauri::async_runtime::spawn(async move {
                match bg.reconcile().await {
                    Ok(r) => tracing::info!(?r, "start-up reconciliation"),
                    Err(e) => tracing::warn!(error = %e, "start-up reconciliation failed"),
                }
            });
            // Entries still unknown are checked again by themselves: each time the soonest one
            // can be settled by a read, and at least every five minutes while any is open. A
            // new unknown outcome wakes the loop to plan its look.
            let again = Arc::clone(&ws);
            tauri::async_runtime::spawn(async move {
                use std::time::Duration;
                loop {
                    let wait = again
                        .next_check_in()
                        .unwrap_or(Duration::from_secs(300))
                        .clamp(Duration::from_secs(1), Duration::from_secs(300));
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = again.unknown_recorded() => continue,
                    }
                    if again.status().await.unreconciled > 0 {
                        if let Err(e) = again.reconcile().await {
                            tracing::warn!(error = %e, "re-checking unknown outcomes failed");
                        }
                    }
                }
            });
            tauri::async_runtime::block_on(async {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(8), reconciling).await;
            });
            Ok(())
        })
        .invoke_handler(invoke_handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Subdesk could not start: {e}");
        std::process::exit(1);
    }
}

/// Brings the window back from the taskbar or from behind other windows.
fn focus_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// A crash must not leave the process's memory (tokens read from the keychain) in a core file.
/// Linux: no core file at all (RLIMIT_CORE 0), and the process is not dumpable (no core, no
/// ptrace by other processes of the same user). Elsewhere nothing to do: macOS and Windows do
/// not write core files of apps by default.
pub fn no_core_dumps() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls with constant arguments; they touch no Rust-managed memory.
    unsafe {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::setrlimit(libc::RLIMIT_CORE, &zero) != 0
            || libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) != 0
        {
            eprintln!("Subdesk could not turn off core dumps; continuing.");
        }
    }
}

/// A window needs a display; say so plainly instead of letting GTK panic.
fn check_display() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let has = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        if !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
            return Err("Subdesk needs a graphical display, and none was found (DISPLAY and WAYLAND_DISPLAY are not set). \
Start it from a desktop session, or under a virtual display: xvfb-run -a subdesk".into());
        }
        // The variable may name a display that is gone (a closed session, a stopped Xvfb).
        // GTK's checked start-up says so instead of the panic inside tauri's window code.
        if gtk::init().is_err() {
            let named = ["WAYLAND_DISPLAY", "DISPLAY"]
                .iter()
                .filter_map(|k| {
                    std::env::var(k)
                        .ok()
                        .filter(|v| !v.is_empty())
                        .map(|v| format!("{k}={v}"))
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(format!(
                "Subdesk could not open the graphical display ({named}): nothing answers there. \
Start it from a desktop session, or under a virtual display: xvfb-run -a subdesk"
            ));
        }
    }
    Ok(())
}

/// The action path's timing: the defaults, or (for the end-to-end tests, and for a provider
/// known to answer slowly) `SUBDESK_SETTLE_WINDOW_MS` (how long to re-read an account after a
/// lost answer) and `SUBDESK_LATE_APPLY_WINDOW_MS` (how long a provider may still apply a
/// write; before it, a read showing no change does not settle the entry as failed).
fn retry_policy() -> RetryPolicy {
    let ms = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_millis)
    };
    let d = RetryPolicy::default();
    RetryPolicy {
        settle_window: ms("SUBDESK_SETTLE_WINDOW_MS").unwrap_or(d.settle_window),
        late_apply_window: ms("SUBDESK_LATE_APPLY_WINDOW_MS").unwrap_or(d.late_apply_window),
        ..d
    }
}
