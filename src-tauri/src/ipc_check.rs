//! Every command of `command_list.rs`, called through Tauri's IPC on its mock runtime (no window,
//! no display): a session on the demo workspace that lists, previews, acts, exports and reads
//! the history, with the arguments as the UI sends them (camelCase, JSON). It fails when a
//! command is missing from the handler, when an argument's name or type changed on one side,
//! or when a command of the list is not called here.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use subdesk_core::api::{AccountRow, ListEvent};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::MemoryStore;
use subdesk_core::settings::MemorySettings;
use subdesk_core::{Status, Workspace, WorkspaceConfig};
use subdesk_team::{MemoryTeamStore, Team};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

use crate::COMMANDS;

struct Session {
    webview: WebviewWindow<MockRuntime>,
    ws: Arc<Workspace>,
    called: BTreeSet<String>,
    /// Keeps the app (and its state) alive while the session runs.
    _app: tauri::App<MockRuntime>,
}

impl Session {
    fn start() -> Session {
        // Built as the app builds it (lib.rs): the workspace through Team, team history off.
        let secrets = Arc::new(MemoryStore::default());
        let (ws, team) = tauri::async_runtime::block_on(Team::workspace(
            WorkspaceConfig {
                settings: Arc::new(MemorySettings::default()),
                secrets: secrets.clone(),
                history_path: None,
                http: HttpConfig::default(),
                retry: RetryPolicy::default(),
                actor: "ipc-test".into(),
            },
            Arc::new(MemoryTeamStore::default()),
            secrets,
            "IPC-TEST".into(),
        ))
        .expect("workspace");
        let ws = Arc::new(ws);
        let app = mock_builder()
            .plugin(tauri_plugin_dialog::init())
            .manage(Arc::clone(&ws))
            .manage(Arc::new(team))
            .invoke_handler(crate::invoke_handler())
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("mock window");
        Session {
            webview,
            ws,
            called: BTreeSet::new(),
            _app: app,
        }
    }

    /// The command's answer as JSON: `Ok` its value, `Err` the error it returned.
    fn call(&mut self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.called.insert(cmd.to_string());
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request)
            .map(|body| body.deserialize::<Value>().expect("a JSON answer"))
    }

    fn ok(&mut self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd}({args}) failed: {e}"))
    }

    /// The error's `code`: the command ran and refused with a UiError, not an IPC failure.
    fn refused(&mut self, cmd: &str, args: Value) -> String {
        let e = match self.call(cmd, args.clone()) {
            Ok(v) => panic!("{cmd}({args}) answered {v}, expected a refusal"),
            Err(e) => e,
        };
        let code = e["code"].as_str().unwrap_or_else(|| {
            panic!("{cmd}({args}): not a UiError ({e}): the arguments did not reach the command")
        });
        assert!(
            e["message"].as_str().is_some_and(|m| m.ends_with('.')),
            "{cmd}: {e}"
        );
        code.to_string()
    }

    /// The demo's rows, read through the workspace (a channel's events go to the web page).
    fn rows(&self) -> Vec<AccountRow> {
        let rows = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&rows);
        tauri::async_runtime::block_on(self.ws.list_all(Arc::new(move |ev| {
            if let ListEvent::Page { rows, .. } = ev {
                sink.lock().unwrap().extend(rows);
            }
        })));
        let rows = rows.lock().unwrap().clone();
        rows
    }
}

/// A channel argument as the UI's `new Channel()` serialises it.
fn channel(id: u32) -> Value {
    json!(format!("__CHANNEL__:{id}"))
}

#[test]
fn every_command_answers_through_ipc_without_a_desktop() {
    let dir = tempfile::tempdir().unwrap();
    // The save dialog is skipped when this is set (see `ask_save_path`); one test sets it.
    std::env::set_var("SUBDESK_EXPORT_PATH", dir.path().join("export.csv"));
    let mut s = Session::start();

    // Before any connection.
    let catalog = s.ok("provider_catalog", json!({}));
    assert_eq!(catalog.as_array().map(Vec::len), Some(5), "{catalog}");
    assert_eq!(s.ok("app_status", json!({}))["demo"], json!(false));
    assert_eq!(s.ok("keychain_check", json!({})), Value::Null);
    let about = s.ok("about_info", json!({}));
    assert!(about.is_object(), "{about}");
    // An unknown folder is refused by the argument's type before anything opens.
    assert!(s.call("open_folder", json!({"folder": "nowhere"})).is_err());

    // Settings round trip.
    let mut settings = s.ok("get_settings", json!({}));
    let before = settings.clone();
    settings["concurrency"] = json!(3);
    let saved = s.ok("set_settings", json!({ "settings": settings }));
    assert_eq!(saved["concurrency"], json!(3), "{saved} (was {before})");

    // Team history: off as it starts; Test names what is missing; Move in needs it on.
    let team = s.ok("team_settings", json!({}));
    assert_eq!(team["enabled"], json!(false), "{team}");
    assert_eq!(team["passwordSaved"], json!(false), "{team}");
    let input = json!({"enabled": false, "password": null, "settings": {
        "host": "", "port": 5432, "database": "subdesk", "user": "subdesk_app",
        "caFile": null, "requireTls": true}});
    let tested = s.call("test_team_settings", json!({ "input": input }));
    let said = match &tested {
        Ok(t) => t["message"].clone(),
        Err(e) => e["message"].clone(),
    };
    assert!(
        said.as_str().is_some_and(|m| m.ends_with('.')),
        "{tested:?}"
    );
    let saved = s.ok("save_team_settings", json!({ "input": input }));
    assert_eq!(saved["enabled"], json!(false), "{saved}");
    assert!(
        s.call("team_move_in", json!({})).is_err(),
        "Move in with team history off"
    );

    // Connections: a blank form and unknown ids are refused in sentences.
    let blank = json!({"provider": "twilio", "label": "", "accountId": "", "secret": ""});
    assert_eq!(
        s.refused("verify_connection", json!({ "input": blank })),
        "validation"
    );
    assert_eq!(
        s.refused("add_connection", json!({ "input": blank })),
        "validation"
    );
    let nobody = uuid::Uuid::new_v4();
    let code = s.refused(
        "edit_connection",
        json!({"connectionId": nobody, "edit": {"label": "x"}}),
    );
    assert!(!code.is_empty());
    assert!(!s
        .refused("remove_connection", json!({ "connectionId": nobody }))
        .is_empty());
    assert!(!s
        .refused(
            "settle_entry",
            json!({"entryId": 999_999, "wentThrough": true})
        )
        .is_empty());

    // The demo workspace: a simulator on loopback with every provider.
    let status = s.ok("open_demo", json!({}));
    assert_eq!(status["demo"], json!(true));
    let connections = status["connections"].as_array().unwrap().len();
    assert_eq!(connections, 5, "{status}");
    let listed = s.ok("list_accounts", json!({ "onEvent": channel(1) }));
    assert_eq!(
        listed,
        json!(connections),
        "every connection ended its listing"
    );

    let rows = s.rows();
    let twilio_active = rows
        .iter()
        .find(|r| r.provider.as_str() == "twilio" && r.status == Status::Active)
        .expect("an active Twilio demo tenant");
    let (conn, id) = (twilio_active.connection_id, twilio_active.id.clone());
    let detail = s.ok(
        "account_detail",
        json!({"connectionId": conn, "accountId": id}),
    );
    assert_eq!(detail["row"]["id"], json!(id));
    let preview = s.ok(
        "preview_action",
        json!({"connectionId": conn, "accountId": id, "action": "suspend"}),
    );
    assert_eq!(preview["action"], json!("suspend"));
    let done = s.ok(
        "apply_action",
        json!({"connectionId": conn, "accountId": id, "action": "suspend",
               "reason": "IPC test"}),
    );
    assert_eq!(done["row"]["status"], json!("suspended"), "{done}");
    assert_eq!(
        s.ok(
            "check_account",
            json!({"connectionId": conn, "accountId": id})
        ),
        json!(0)
    );

    let page = s.ok(
        "history_query",
        json!({"filter": {}, "beforeId": null, "limit": 50}),
    );
    let entries = page["entries"].as_array().expect("entries");
    assert!(
        entries.iter().any(|e| e["accountId"] == json!(id)),
        "the suspend is in the history: {page}"
    );
    let exported = s.ok("history_export", json!({"filter": {}, "format": "csv"}));
    assert!(exported["count"].as_u64().unwrap_or(0) >= 1, "{exported}");
    let item = json!({"connectionId": conn, "accountId": id});
    let accounts = s.ok("accounts_export", json!({ "items": [item] }));
    assert!(accounts.is_object(), "{accounts}");

    // Spend and balance: the figures of two accounts, read through the commands the table uses.
    let other = rows
        .iter()
        .find(|r| r.id != id)
        .expect("a second demo account");
    let pair = json!([{"connectionId": conn, "accountId": id},
                      {"connectionId": other.connection_id, "accountId": other.id}]);
    s.ok("figures_first", json!({"runId": "f1", "items": pair}));
    let read = s.ok(
        "figures_read",
        json!({"items": pair, "runId": "f1", "onEvent": channel(4)}),
    );
    assert_eq!(read["total"], json!(2), "{read}");
    s.ok("figures_stop", json!({"runId": "f1"}));

    // Bulk: a preview and a run over two accounts, and the cancels (of nothing left to stop).
    let two: Vec<Value> = rows
        .iter()
        .filter(|r| r.provider.as_str() == "twilio" && r.status == Status::Active && r.id != id)
        .take(2)
        .map(|r| json!({"connectionId": r.connection_id, "accountId": r.id}))
        .collect();
    assert_eq!(two.len(), 2, "two more active Twilio demo tenants");
    let bp = s.ok(
        "bulk_preview",
        json!({"items": two, "action": "suspend", "previewId": "p1", "onEvent": channel(2)}),
    );
    assert!(bp.is_object(), "{bp}");
    s.ok("bulk_preview_cancel", json!({"previewId": "p1"}));
    let counts = s.ok(
        "bulk_run",
        json!({"items": two, "action": "suspend", "reason": "IPC test", "onEvent": channel(3)}),
    );
    assert!(counts.is_object(), "{counts}");
    s.ok("bulk_cancel", json!({"jobId": "none"}));

    let closed = s.ok("close_demo", json!({}));
    assert_eq!(closed["demo"], json!(false));

    let missing: Vec<_> = COMMANDS
        .iter()
        .filter(|c| !s.called.contains(**c))
        .collect();
    assert!(
        missing.is_empty(),
        "commands of command_list.rs this session does not call: {missing:?}"
    );
}

/// Writes `path` only when its content changed (the bindings check compares the folder).
fn write_if_changed(path: &std::path::Path, json: &Value) {
    let text = serde_json::to_string_pretty(json).unwrap() + "\n";
    if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(path, text).unwrap();
    }
}

/// The answers of the real commands that the window's Vitest mock (`ui/src/mock/backend.ts`)
/// replays instead of writing its own: core's limits, and each refusal as core words it, for
/// a demo tenant (its name and ID replaced by `{name}` and `{id}`). Written beside the
/// bindings by `./scripts/bindings`; the bindings check fails when the committed file differs.
#[test]
fn export_bindings_fixtures() {
    let mut s = Session::start();
    let status = s.ok("open_demo", json!({}));
    let rows = s.rows();
    let row = rows
        .iter()
        .find(|r| r.provider.as_str() == "twilio" && r.status == Status::Active)
        .expect("an active Twilio demo tenant")
        .clone();
    let (conn, id) = (row.connection_id, row.id.clone());
    let parent = status["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(conn))
        .expect("the tenant's connection")
        .clone();
    let on_row = |action: &str, extra: Value| {
        let mut args = json!({"connectionId": conn, "accountId": id, "action": action});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        args
    };
    // The typed confirmation is the ID's last characters: as volatile as the ID.
    let preview = s.ok("preview_action", on_row("close", json!({})));
    let phrase = preview["confirmPhrase"]
        .as_str()
        .expect("a close asks for a phrase")
        .to_string();
    let token = preview["confirmToken"].clone();
    let mut errors = serde_json::Map::new();
    let mut record = |s: &mut Session, key: &str, cmd: &str, args: Value| {
        let e = s
            .call(cmd, args)
            .expect_err(&format!("{key}: {cmd} was expected to refuse"));
        assert!(e["code"].is_string(), "{key}: {e}");
        let words = e["message"].as_str().unwrap().replace(&id, "{id}");
        let words = words.replace(&row.name, "{name}");
        let mut e = e.clone();
        e["message"] = json!(words.replace(&format!(" {phrase} "), " {phrase} "));
        errors.insert(key.into(), e);
    };
    let long_reason = "x".repeat(subdesk_core::attribution::MAX_REASON + 1);
    record(
        &mut s,
        "reasonTooLong",
        "apply_action",
        on_row("suspend", json!({"reason": long_reason})),
    );
    record(
        &mut s,
        "confirmationMissing",
        "apply_action",
        on_row("close", json!({})),
    );
    record(
        &mut s,
        "confirmationMismatch",
        "apply_action",
        on_row(
            "close",
            json!({"confirmation": {"typed": "WRONG", "token": token}}),
        ),
    );
    record(
        &mut s,
        "invalidTransition",
        "apply_action",
        on_row("reactivate", json!({})),
    );
    let unknown = format!("AC{}", "0".repeat(32));
    record(
        &mut s,
        "notFound",
        "account_detail",
        json!({"connectionId": conn, "accountId": unknown}),
    );
    let mut settings = s.ok("get_settings", json!({}));
    settings["operatorDisplayName"] =
        json!("n".repeat(subdesk_core::attribution::MAX_DISPLAY_NAME + 1));
    record(
        &mut s,
        "displayNameTooLong",
        "set_settings",
        json!({ "settings": settings }),
    );
    let wrong = json!({"provider": "twilio", "label": "Wrong token", "accountId": parent["accountId"],
                       "secret": "0".repeat(32), "baseUrl": parent["baseUrl"]});
    record(
        &mut s,
        "wrongSecret",
        "verify_connection",
        json!({ "input": wrong }),
    );
    record(
        &mut s,
        "nothingToExport",
        "accounts_export",
        json!({"items": []}),
    );
    let providers = record_providers(&mut s, &rows);
    s.ok("close_demo", json!({}));

    let fixtures = json!({
        "limits": {
            "maxReason": subdesk_core::attribution::MAX_REASON,
            "maxDisplayName": subdesk_core::attribution::MAX_DISPLAY_NAME,
        },
        "errors": errors,
        "providers": providers,
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
    write_if_changed(&dir.join("fixtures.json"), &fixtures);
}

/// Replaces the demo's volatile values in `v` (IDs, names, connection ids, times: new at each
/// start of the simulator) with `{placeholders}` the mock fills in for its own rows.
fn templated(v: &Value, swaps: &[(String, &str)]) -> Value {
    match v {
        Value::String(text) => {
            let mut out = text.clone();
            for (from, to) in swaps {
                if !from.is_empty() {
                    out = out.replace(from.as_str(), to);
                }
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| templated(i, swaps)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), templated(v, swaps)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// For each of the five providers, as core and the simulator answer for a demo tenant: one
/// listed row of each status the demo has (active, suspended, …), with the preview of every
/// action that row offers, and the first active row's detail. The mock builds its rows,
/// previews and details from these instead of writing its own sentences.
fn record_providers(s: &mut Session, rows: &[AccountRow]) -> Value {
    let mut out = serde_json::Map::new();
    let mut sorted: Vec<&AccountRow> = rows.iter().filter(|r| r.in_doubt.is_none()).collect();
    sorted.sort_by(|a, b| (a.provider.as_str(), &a.name).cmp(&(b.provider.as_str(), &b.name)));
    for row in sorted {
        let entry = out
            .entry(row.provider.as_str().to_string())
            .or_insert_with(|| json!({}));
        let status = row.status.as_str().to_string();
        if entry.get(&status).is_some() {
            continue;
        }
        let swaps = [
            (row.id.clone(), "{id}"),
            (row.name.clone(), "{name}"),
            (row.connection_id.to_string(), "{connectionId}"),
            (row.created.clone().unwrap_or_default(), "{created}"),
        ];
        let at = json!({"connectionId": row.connection_id, "accountId": row.id});
        let mut previews = serde_json::Map::new();
        let mut bulk = serde_json::Map::new();
        for action in &row.allowed_actions {
            let name = serde_json::to_value(action).unwrap();
            let mut args = at.clone();
            args["action"] = name.clone();
            let mut p = s.ok("preview_action", args);
            p.as_object_mut().unwrap().remove("row");
            let mut swaps = swaps.to_vec();
            if let Some(phrase) = p["confirmPhrase"].as_str() {
                swaps.push((phrase.to_string(), "{phrase}"));
                p["confirmToken"] = json!("{token}");
            }
            previews.insert(name.as_str().unwrap().into(), templated(&p, &swaps));
            // The same action in bulk: its sentences are worded for many accounts.
            let items = json!([{"connectionId": row.connection_id, "accountId": row.id}]);
            let b = s.ok(
                "bulk_preview",
                json!({"items": items, "action": name, "previewId": null, "onEvent": channel(9)}),
            );
            bulk.insert(
                name.as_str().unwrap().into(),
                templated(
                    &json!({"consequences": b["consequences"], "consequencesIfMoved": b["consequencesIfMoved"]}),
                    &swaps,
                ),
            );
        }
        let mut state = json!({
            "row": templated(&serde_json::to_value(row).unwrap(), &swaps),
            "previews": previews,
            "bulk": bulk,
        });
        if entry.as_object().unwrap().is_empty() || row.status == Status::Active {
            let view = s.ok("account_detail", at);
            state["detail"] = templated(&view["detail"], &swaps);
        }
        entry[status] = state;
    }
    Value::Object(out)
}
