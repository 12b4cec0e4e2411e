//! `subdesk-batch`: runs one bulk action headlessly through the public [`Workspace`] API, the
//! same path the app takes (verify, list, run_job with its history). The crash test
//! (`tests/crash.rs`) starts it and kills it with SIGKILL mid-way.
//!
//! Inputs come from the environment only, so the token never shows in a process listing:
//!
//! | Variable | Meaning |
//! |---|---|
//! | `SUBDESK_BATCH_BASE_URL` | API base URL (https, or http to this computer) |
//! | `SUBDESK_BATCH_PROVIDER` | `twilio` or `vobiz` |
//! | `SUBDESK_BATCH_ACCOUNT_ID` | parent Account SID / Auth ID |
//! | `SUBDESK_BATCH_TOKEN` | its Auth Token (removed from the environment once read) |
//! | `SUBDESK_BATCH_DB` | history database path |
//! | `SUBDESK_BATCH_ACTION` | `suspend`, `reactivate`, `close` or `delete` |
//! | `SUBDESK_BATCH_CONCURRENCY` | requests at a time, 1–32 (default 8) |
//!
//! Stdout, one JSON object per line: first `{"connection": <Connection>}` (no secret in it),
//! then `{"item": {...}}` for every finished item, then `{"finished": <counts>}`. Errors go to
//! stderr with exit status 1 (bad input: 2).

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use subdesk_core::api::{ListEvent, NewConnection};
use subdesk_core::confirm::Confirmation;
use subdesk_core::jobs::{bulk_phrase, ItemRef, JobEvent};
use subdesk_core::providers::{HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret};
use subdesk_core::{Action, MemorySettings, Provider, Settings, Workspace, WorkspaceConfig};

struct Args {
    base_url: String,
    provider: Provider,
    account_id: String,
    token: Secret,
    db: PathBuf,
    action: Action,
    concurrency: u32,
}

fn var(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("{name} is not set"))
}

fn args() -> Result<Args, String> {
    let provider = var("SUBDESK_BATCH_PROVIDER")?;
    let action = var("SUBDESK_BATCH_ACTION")?;
    let concurrency = match std::env::var("SUBDESK_BATCH_CONCURRENCY") {
        Ok(c) => c
            .trim()
            .parse()
            .map_err(|_| format!("SUBDESK_BATCH_CONCURRENCY is not a number: {c:?}"))?,
        Err(_) => Settings::default().concurrency,
    };
    let token = Secret::new(var("SUBDESK_BATCH_TOKEN")?);
    // Nothing this process starts needs the token; do not hand it on. Still single-threaded
    // here, so changing the environment is safe.
    std::env::remove_var("SUBDESK_BATCH_TOKEN");
    Ok(Args {
        base_url: var("SUBDESK_BATCH_BASE_URL")?,
        provider: Provider::parse(provider.trim()).ok_or_else(|| {
            format!("SUBDESK_BATCH_PROVIDER must be twilio or vobiz, not {provider:?}")
        })?,
        account_id: var("SUBDESK_BATCH_ACCOUNT_ID")?,
        token,
        db: PathBuf::from(var("SUBDESK_BATCH_DB")?),
        action: Action::parse(action.trim()).ok_or_else(|| {
            format!(
                "SUBDESK_BATCH_ACTION must be suspend, reactivate, close or delete, not {action:?}"
            )
        })?,
        concurrency,
    })
}

/// What the listing gave: every account, how many the action applies to, or why it failed.
#[derive(Default)]
struct Listed {
    items: Vec<ItemRef>,
    runnable: usize,
    failed: Option<String>,
}

/// One JSON line on stdout, flushed at once so a reader sees progress as it happens.
fn emit(value: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (the reader went away) must not stop the job.
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

/// The workspace the job runs in: the history at `--db`, the connection `--base-url` names.
async fn open(a: &Args) -> Result<Arc<Workspace>, String> {
    let ws = Arc::new(
        Workspace::new(WorkspaceConfig {
            settings: Arc::new(MemorySettings::default()),
            secrets: Arc::new(MemoryStore::default()),
            history_path: Some(a.db.clone()),
            http: HttpConfig {
                connect_timeout: Duration::from_secs(5),
                request_timeout: Duration::from_secs(30),
                ..HttpConfig::default()
            },
            retry: RetryPolicy::default(),
            actor: subdesk_core::workspace::os_user(),
        })
        .map_err(|e| e.user_message())?,
    );
    // Without a history the job would refuse to run anyway; say why up front.
    ws.history().map_err(|e| e.user_message())?;
    ws.set_settings(Settings {
        concurrency: a.concurrency,
        ..Settings::default()
    })
    .map_err(|e| e.user_message())?;

    let conn = ws
        .add_connection(&NewConnection {
            provider: a.provider,
            label: format!("batch {}", a.provider.as_str()),
            account_id: a.account_id.clone(),
            secret: a.token.clone(),
            base_url: Some(a.base_url.clone()),
            options: Default::default(),
        })
        .await
        .map_err(|e| e.user_message())?;
    emit(json!({ "connection": conn }));
    Ok(ws)
}

/// Every subaccount listed, and how many of them the action applies to.
async fn list(ws: &Arc<Workspace>, action: Action) -> Result<Listed, String> {
    let listed: Arc<Mutex<Listed>> = Arc::default();
    let sink = Arc::clone(&listed);
    ws.list_all(Arc::new(move |e| {
        let mut l = sink.lock().expect("poisoned");
        match e {
            ListEvent::Page { rows, .. } => {
                for r in rows {
                    // What run_job's confirmation counts: the accounts the action applies to.
                    if r.allowed_actions.contains(&action) {
                        l.runnable += 1;
                    }
                    l.items.push(ItemRef {
                        connection_id: r.connection_id,
                        account_id: r.id,
                    });
                }
            }
            ListEvent::Failed { error, .. } => l.failed = Some(error.message),
            ListEvent::Done { .. } => {}
        }
    }))
    .await;
    let listed = std::mem::take(&mut *listed.lock().expect("poisoned"));
    match &listed.failed {
        Some(m) => Err(format!("listing failed: {m}")),
        None => Ok(listed),
    }
}

async fn run(a: Args) -> Result<(), String> {
    let ws = open(&a).await?;
    let action = a.action;
    let Listed {
        items, runnable, ..
    } = list(&ws, action).await?;
    if items.is_empty() {
        emit(json!({ "finished": null, "reason": "no subaccounts" }));
        return Ok(());
    }

    // Like the dialog: preview first (it issues the token), then confirm with its phrase.
    let confirmation = if action.irreversible() {
        let preview = ws
            .bulk()
            .preview(&items, action)
            .await
            .map_err(|e| e.user_message())?;
        Some(Confirmation {
            typed: bulk_phrase(action, runnable),
            token: preview.confirm_token.unwrap_or_default(),
        })
    } else {
        None
    };
    let counts = ws
        .bulk()
        .run(
            items,
            action,
            confirmation.as_ref(),
            Arc::new(|e| {
                if let JobEvent::Item { result, counts, .. } = e {
                    emit(json!({
                        "item": {
                            "accountId": result.item.account_id,
                            "outcome": result.outcome,
                            "statusAfter": result.status_after,
                            "error": result.error.map(|e| e.message),
                            "done": counts.total - counts.remaining,
                            "total": counts.total,
                        }
                    }));
                }
            }),
        )
        .await
        .map_err(|e| e.user_message())?;
    emit(json!({ "finished": counts }));
    Ok(())
}

fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(m) => {
            eprintln!("subdesk-batch: {m}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(m) = rt.block_on(run(a)) {
        eprintln!("subdesk-batch: {m}");
        std::process::exit(1);
    }
}
