// Declares the app's own commands so each one needs an explicit permission in
// capabilities/default.json: the web UI can call exactly what is listed there.
const COMMANDS: &[&str] = &[
    "provider_catalog",
    "app_status",
    "keychain_check",
    "open_demo",
    "close_demo",
    "check_account",
    "settle_entry",
    "verify_connection",
    "add_connection",
    "edit_connection",
    "remove_connection",
    "list_accounts",
    "preview_action",
    "account_detail",
    "apply_action",
    "history_query",
    "history_export",
    "accounts_export",
    "bulk_preview",
    "bulk_run",
    "bulk_cancel",
    "bulk_preview_cancel",
    "get_settings",
    "set_settings",
    "about_info",
    "open_folder",
];

mod build_about;

fn main() {
    let out_dir = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest_dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"),
    );
    build_about::write(&out_dir, &manifest_dir);
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
