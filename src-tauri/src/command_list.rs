// The commands the web UI may call, declared once. `build.rs` reads this list for the app
// manifest (each command gets an `allow-…` permission), `lib.rs` for the invoke handler and
// `COMMANDS`; a test of `lib.rs` fails, naming the command, when the capability file,
// `ui/src/lib/api.ts` or the UI's mock (`ui/src/mock/backend.ts`) disagree with it.
// `ipc_check.rs` calls every one of them through IPC on the mock runtime.
// Each name is a function of `commands.rs`.
commands! {
    provider_catalog,
    app_status,
    keychain_check,
    open_demo,
    close_demo,
    check_account,
    settle_entry,
    verify_connection,
    add_connection,
    edit_connection,
    remove_connection,
    list_accounts,
    preview_action,
    account_detail,
    apply_action,
    history_query,
    history_export,
    accounts_export,
    bulk_preview,
    bulk_run,
    bulk_cancel,
    bulk_preview_cancel,
    get_settings,
    set_settings,
    about_info,
    open_folder,
    team_settings,
    save_team_settings,
    test_team_settings,
    team_move_in,
}
