//! The workspace end to end without a window: connections, listing, one action at a time with
//! its history, reconciliation.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use subdesk_core::api::{ConnectionEdit, ListEvent, NewConnection};
use subdesk_core::confirm::Confirmation;
use subdesk_core::history::{Completion, HistoryCode, HistoryFilter, Intent, Outcome};
use subdesk_core::secrets::{Secret, SecretStore};
use subdesk_core::{Action, Error, Provider, Status, Workspace};
use subdesk_sim::{FaultKind, FaultPlan, Sim, SimConfig};

fn new_twilio(sim: &Sim, sid: &str, token: &str) -> NewConnection {
    NewConnection {
        provider: Provider::Twilio,
        label: "Acme Twilio".into(),
        account_id: sid.into(),
        secret: Secret::new(token),
        base_url: Some(sim.base_url()),
        options: Default::default(),
    }
}

fn new_vobiz(sim: &Sim, id: &str, token: &str) -> NewConnection {
    NewConnection {
        provider: Provider::Vobiz,
        label: "Acme Vobiz".into(),
        account_id: id.into(),
        ..new_twilio(sim, "", token)
    }
}

async fn listed(ws: &Arc<Workspace>) -> Vec<ListEvent> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    ws.list_all(Arc::new(move |e| sink.lock().unwrap().push(e)))
        .await;
    let v = events.lock().unwrap().clone();
    v
}

#[tokio::test]
async fn connections_are_verified_before_they_are_saved() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Acme Reseller");
    let ws = workspace(fast_retry());

    let v = ws
        .verify(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap();
    assert_eq!(v.name, "Acme Reseller");
    assert!(ws.connections().is_empty(), "verifying saves nothing");

    let bad = ws
        .add_connection(&new_twilio(&sim, &p.sid, "wrong-token"))
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::Auth { .. }));
    assert!(ws.connections().is_empty());

    let c = ws
        .add_connection(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap();
    assert_eq!(c.parent_name.as_deref(), Some("Acme Reseller"));
    assert_eq!(ws.connections().len(), 1);
    let dup = ws
        .add_connection(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap_err();
    assert!(dup.user_message().contains("already connected"));

    for (field, input) in [
        (
            "accountId",
            NewConnection {
                account_id: "AC123".into(),
                ..new_twilio(&sim, "", "t")
            },
        ),
        (
            "baseUrl",
            NewConnection {
                base_url: Some("http://example.com".into()),
                ..new_twilio(&sim, &p.sid, "t")
            },
        ),
        (
            "secret",
            NewConnection {
                secret: Secret::new("  "),
                ..new_twilio(&sim, &p.sid, "")
            },
        ),
        (
            "label",
            NewConnection {
                label: " ".into(),
                ..new_twilio(&sim, &p.sid, "t")
            },
        ),
        (
            "apiKeySid",
            NewConnection {
                options: [("apiKeySid".to_string(), "SKnope".to_string())].into(),
                ..new_twilio(&sim, &p.sid, "t")
            },
        ),
        // An option Twilio does not declare, and an answer its choice does not offer.
        (
            "edgeTypo",
            NewConnection {
                options: [("edgeTypo".to_string(), "dublin".to_string())].into(),
                ..new_twilio(&sim, &p.sid, "t")
            },
        ),
        (
            "authKind",
            NewConnection {
                options: [("authKind".to_string(), "password".to_string())].into(),
                ..new_twilio(&sim, &p.sid, "t")
            },
        ),
    ] {
        match ws.verify(&input).await.unwrap_err() {
            Error::Validation { field: f, .. } => assert_eq!(f, field),
            e => panic!("{field}: {e:?}"),
        }
    }

    ws.remove_connection(c.id).await.unwrap();
    assert!(ws.connections().is_empty());
}

#[tokio::test]
async fn one_table_streams_both_providers_with_core_decided_actions() {
    let sim = sim(SimConfig::default()).await;
    let tp = sim.twilio().add_parent("T");
    sim.twilio().seed_subaccounts(&tp.sid, 30);
    let vp = sim.vobiz().add_parent("V");
    sim.vobiz().seed_subaccounts(&vp.auth_id, 10);
    let ws = workspace(fast_retry());
    ws.add_connection(&new_twilio(&sim, &tp.sid, &tp.auth_token))
        .await
        .unwrap();
    ws.add_connection(&new_vobiz(&sim, &vp.auth_id, &vp.auth_token))
        .await
        .unwrap();

    let events = listed(&ws).await;
    let rows: Vec<_> = events
        .iter()
        .flat_map(|e| match e {
            ListEvent::Page { rows, .. } => rows.clone(),
            _ => vec![],
        })
        .collect();
    assert_eq!(rows.len(), 40);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, ListEvent::Done { .. }))
            .count(),
        2
    );
    for r in &rows {
        assert_eq!(
            r.allowed_actions,
            subdesk_core::model::allowed_actions(r.provider, r.status, false)
        );
        if r.status == Status::Closed {
            assert!(r.allowed_actions.is_empty());
        }
    }
    assert!(
        rows.iter().any(|r| r.provider == Provider::Vobiz)
            && rows.iter().any(|r| r.provider == Provider::Twilio)
    );
}

#[tokio::test]
async fn a_failed_connection_is_reported_while_the_others_list() {
    let sim = sim(SimConfig::default()).await;
    let tp = sim.twilio().add_parent("T");
    sim.twilio().seed_subaccounts(&tp.sid, 3);
    let vp = sim.vobiz().add_parent("V");
    let (ws, secrets) = workspace_with_secrets(fast_retry());
    ws.add_connection(&new_twilio(&sim, &tp.sid, &tp.auth_token))
        .await
        .unwrap();
    let v = ws
        .add_connection(&new_vobiz(&sim, &vp.auth_id, &vp.auth_token))
        .await
        .unwrap();
    // The token was rotated in the provider's console since.
    secrets
        .set(&v.id.to_string(), &Secret::new("rotated"))
        .unwrap();
    let events = listed(&ws).await;
    assert!(events
        .iter()
        .any(|e| matches!(e, ListEvent::Done { total: 3, .. })));
    let failed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ListEvent::Failed {
                connection_id,
                error,
            } => Some((*connection_id, error.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, v.id);
    assert_eq!(failed[0].1.code, subdesk_core::ErrorCode::Auth);
    assert!(!failed[0].1.message.contains("rotated"));
}

#[tokio::test]
async fn closing_needs_the_typed_confirmation_and_is_recorded() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("T");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 4);
    let ws = workspace(fast_retry());
    let c = ws
        .add_connection(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap();

    let preview = ws.preview(c.id, &sub, Action::Close).await.unwrap();
    assert_eq!(preview.impact.numbers_released, Some(4));
    assert_eq!(
        preview.confirm_phrase.as_deref(),
        Some(&sub[sub.len() - 3..])
    );
    assert_eq!(preview.row.name, "Bright Dental");

    let token = preview.confirm_token.clone().unwrap();
    let with = |typed: &str, token: &str| Confirmation {
        typed: typed.into(),
        token: token.into(),
    };
    sim.clear_requests();
    for wrong in [None, Some(with("xyz", &token)), Some(with("", &token))] {
        let e = ws
            .apply(c.id, &sub, Action::Close, wrong.as_ref())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::ConfirmationMismatch { .. }));
    }
    // The right phrase without the preview's token (a direct invoke) is refused too.
    let e = ws
        .apply(
            c.id,
            &sub,
            Action::Close,
            Some(&with(&sub[sub.len() - 3..], "forged")),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PreviewRequired), "{e:?}");
    assert!(
        sim.requests().is_empty(),
        "nothing sent without the confirmation"
    );
    assert_eq!(
        ws.history_query(&HistoryFilter::default(), None, 10)
            .unwrap()
            .total,
        0
    );

    let done = ws
        .apply(
            c.id,
            &sub,
            Action::Close,
            Some(&with(&sub[sub.len() - 3..], &token)),
        )
        .await
        .unwrap();
    assert_eq!(done.row.status, Status::Closed);
    assert!(done.row.allowed_actions.is_empty());
    assert_eq!(sim.twilio().account(&sub).unwrap().status, "closed");

    let page = ws
        .history_query(&HistoryFilter::default(), None, 10)
        .unwrap();
    assert_eq!(page.total, 1);
    let e = &page.entries[0];
    assert_eq!(
        (e.outcome, e.status_before, e.status_after),
        (
            Outcome::Succeeded,
            Some(Status::Active),
            Some(Status::Closed)
        )
    );
    assert_eq!(e.request_id, done.request_id);
    assert!(e.request_id.as_deref().unwrap().starts_with("RQ"));
    assert_eq!(
        (
            e.actor.as_str(),
            e.account_name.as_str(),
            e.connection_label.as_str()
        ),
        ("tester", "Bright Dental", "Acme Twilio")
    );
    assert!(e.duration_ms.is_some());

    // The token was used up; a new preview of a closed account is refused by the rules.
    sim.clear_requests();
    let again = ws
        .apply(
            c.id,
            &sub,
            Action::Close,
            Some(&with(&sub[sub.len() - 3..], &token)),
        )
        .await
        .unwrap_err();
    assert!(matches!(again, Error::PreviewRequired), "{again:?}");
    let e = ws.preview(c.id, &sub, Action::Close).await.unwrap_err();
    assert!(
        matches!(e, Error::AlreadyClosed | Error::InvalidTransition { .. }),
        "{e:?}"
    );
    assert!(sim.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn the_parent_account_cannot_be_touched_from_here() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("T");
    let ws = workspace(fast_retry());
    let c = ws
        .add_connection(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap();
    let e = ws.preview(c.id, &p.sid, Action::Close).await.unwrap_err();
    assert!(matches!(e, Error::ParentAccount), "{e:?}");
    // Without a preview there is no token, so a direct call gets nowhere either.
    let phrase = &p.sid[p.sid.len() - 3..];
    let forged = Confirmation {
        typed: phrase.into(),
        token: "forged".into(),
    };
    let e = ws
        .apply(c.id, &p.sid, Action::Close, Some(&forged))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PreviewRequired), "{e:?}");
    assert!(
        sim.requests().iter().all(|r| r.method == "GET"),
        "no POST ever reaches the parent"
    );
    assert_eq!(sim.twilio().account(&p.sid).unwrap().status, "active");
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_re_reading_not_by_sending_again() {
    // Half the requests fail with a 500, and the simulator applies about half of those writes
    // before failing: the answer is lost, not the change. The history must still match.
    let sim = sim(SimConfig::default()).await;
    let vp = sim.vobiz().add_parent("V");
    let subs: Vec<String> = (0..30)
        .map(|i| {
            sim.vobiz()
                .add_subaccount(&vp.auth_id, &format!("Tenant {i}"), true)
        })
        .collect();
    let ws = workspace(fast_retry());
    let c = ws
        .add_connection(&new_vobiz(&sim, &vp.auth_id, &vp.auth_token))
        .await
        .unwrap();
    sim.set_faults(FaultPlan {
        rate: 0.5,
        kinds: vec![FaultKind::ServerError],
    });
    for sub in &subs {
        // The preview reads through the same faults: try it until it opens, as a user would.
        let mut confirmation = None;
        for _ in 0..20 {
            if let Ok(p) = ws.preview(c.id, sub, Action::Delete).await {
                confirmation = Some(Confirmation {
                    typed: p.confirm_phrase.unwrap(),
                    token: p.confirm_token.unwrap(),
                });
                break;
            }
        }
        let _ = ws
            .apply(c.id, sub, Action::Delete, confirmation.as_ref())
            .await;
    }
    sim.set_faults(FaultPlan::default());
    // Lost answers whose re-read failed too stay unknown until reconciliation looks again.
    assert_eq!(ws.reconcile().await.unwrap().unknown, 0);
    let page = ws
        .history_query(&HistoryFilter::default(), None, 100)
        .unwrap();
    assert_eq!(page.total, 30);
    for e in &page.entries {
        let gone = sim.vobiz().subaccount(&vp.auth_id, &e.account_id).is_none();
        assert_eq!(
            gone,
            e.outcome == Outcome::Succeeded,
            "history and provider disagree: {e:?}"
        );
        if e.outcome == Outcome::Succeeded {
            assert!(
                e.snapshot.as_deref().is_some_and(|s| s.contains("Tenant")),
                "snapshot saved before delete"
            );
        }
    }
    let succeeded = page
        .entries
        .iter()
        .filter(|e| e.outcome == Outcome::Succeeded)
        .count();
    assert!(succeeded > 10, "most deletes go through: {succeeded}");
    let applied: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE" && r.applied)
        .map(|r| r.path)
        .collect();
    let unique: std::collections::HashSet<_> = applied.iter().collect();
    assert_eq!(applied.len(), unique.len(), "no account deleted twice");
}

#[tokio::test]
async fn reconciliation_completes_every_open_intent() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("T");
    let done_sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Closed meanwhile", "active", 0);
    let not_done = sim
        .twilio()
        .add_subaccount(&p.sid, "Never reached", "active", 0);
    let ws = workspace(fast_retry());
    let c = ws
        .add_connection(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap();
    let h = ws.history().unwrap().clone();
    let intent = |id: &str, conn: String| Intent {
        actor: "tester".into(),
        operator_name: None,
        reason: None,
        connection_id: conn,
        connection_label: "Acme".into(),
        provider: Provider::Twilio,
        account_id: id.into(),
        account_name: "x".into(),
        action: Action::Close,
        status_before: Some(Status::Active),
        job_id: None,
        snapshot: None,
    };
    // The app died after these intents were written.
    let a = h.begin(&intent(&done_sub, c.id.to_string())).unwrap();
    let b = h.begin(&intent(&not_done, c.id.to_string())).unwrap();
    let orphan = h
        .begin(&intent(&not_done, uuid::Uuid::new_v4().to_string()))
        .unwrap();
    sim.twilio().set_status(&done_sub, "closed");

    // Network down: nothing can be checked, so they stay open as unknown.
    sim.set_faults(FaultPlan {
        rate: 1.0,
        kinds: vec![FaultKind::Unavailable],
    });
    let r = ws.reconcile().await.unwrap();
    assert_eq!(r.unknown, 3);
    assert_eq!(h.get(a).unwrap().unwrap().outcome, Outcome::Unknown);
    assert!(h
        .get(a)
        .unwrap()
        .unwrap()
        .error_message
        .unwrap()
        .contains("check again"));

    sim.set_faults(FaultPlan::default());
    let r = ws.reconcile().await.unwrap();
    assert_eq!(
        (r.succeeded, r.failed, r.unknown),
        (1, 1, 0),
        "the orphan is not checked again"
    );
    assert!(
        h.open_intents().unwrap().is_empty(),
        "no intent stays open with the network up"
    );
    let ea = h.get(a).unwrap().unwrap();
    assert_eq!(
        (ea.outcome, ea.status_after, ea.reconciled),
        (Outcome::Succeeded, Some(Status::Closed), true)
    );
    let eb = h.get(b).unwrap().unwrap();
    assert_eq!(
        (eb.outcome, eb.status_after),
        (Outcome::Failed, Some(Status::Active))
    );
    assert!(eb.error_message.unwrap().contains("did not take effect"));
    let eo = h.get(orphan).unwrap().unwrap();
    assert_eq!(
        (eo.outcome, eo.error_code.as_ref().map(|c| c.as_str())),
        (Outcome::Unknown, Some("connection_missing"))
    );
    let _ = Completion::outcome(Outcome::Succeeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_actions_on_one_account_never_run_at_once() {
    let sim = sim(SimConfig {
        latency: std::time::Duration::from_millis(150),
        ..SimConfig::default()
    })
    .await;
    let p = sim.twilio().add_parent("T");
    let sub = sim.twilio().add_subaccount(&p.sid, "Busy", "active", 0);
    let ws = workspace(fast_retry());
    let c = ws
        .add_connection(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap();
    let (a, b) = (Arc::clone(&ws), Arc::clone(&ws));
    let (s1, s2) = (sub.clone(), sub.clone());
    let first = tokio::spawn(async move { a.apply(c.id, &s1, Action::Suspend, None).await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let second = b.apply(c.id, &s2, Action::Suspend, None).await;
    let e = second.unwrap_err();
    assert!(e.user_message().contains("still running"), "{e:?}");
    assert_eq!(first.await.unwrap().unwrap().row.status, Status::Suspended);
    // Free again once the first finished.
    assert!(ws.apply(c.id, &sub, Action::Reactivate, None).await.is_ok());
}

#[tokio::test]
async fn a_hand_edited_concurrency_out_of_range_falls_back_to_the_default() {
    use subdesk_core::{MemorySettings, Settings, SettingsStore, WorkspaceConfig};
    for bad in [0, 33, 1000] {
        let store = Arc::new(MemorySettings::default());
        store
            .save_settings(&Settings {
                concurrency: bad,
                ..Settings::default()
            })
            .unwrap();
        let ws = Workspace::new(WorkspaceConfig {
            settings: store,
            secrets: Arc::new(subdesk_core::secrets::MemoryStore::default()),
            history_path: None,
            http: subdesk_core::providers::HttpConfig::default(),
            retry: fast_retry(),
            actor: "tester".into(),
        })
        .unwrap();
        assert_eq!(
            ws.settings().concurrency,
            Settings::default().concurrency,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn an_intent_whose_connection_was_missing_is_checked_once_it_is_back() {
    use subdesk_core::secrets::MemoryStore;
    use subdesk_core::{Connection, MemorySettings, SettingsStore, WorkspaceConfig};
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("T");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Closed meanwhile", "active", 0);
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection {
        id: uuid::Uuid::new_v4(),
        provider: Provider::Twilio,
        label: "Restored".into(),
        account_id: p.sid.clone(),
        base_url: sim.base_url(),
        parent_name: None,
        demo: false,
        options: Default::default(),
    };
    let open = |settings: Arc<MemorySettings>, secrets: Arc<MemoryStore>| {
        Arc::new(
            Workspace::new(WorkspaceConfig {
                settings,
                secrets,
                history_path: Some(dir.path().join("history.db")),
                http: subdesk_core::providers::HttpConfig::default(),
                retry: fast_retry(),
                actor: "tester".into(),
            })
            .unwrap(),
        )
    };
    // The settings file was lost: the intent's connection is unknown at this start.
    let id = {
        let ws = open(Arc::default(), Arc::default());
        let id = ws
            .history()
            .unwrap()
            .begin(&Intent {
                actor: "tester".into(),
                operator_name: None,
                reason: None,
                connection_id: conn.id.to_string(),
                connection_label: conn.label.clone(),
                provider: Provider::Twilio,
                account_id: sub.clone(),
                account_name: "Closed meanwhile".into(),
                action: Action::Close,
                status_before: Some(Status::Active),
                job_id: None,
                snapshot: None,
            })
            .unwrap();
        ws.reconcile().await.unwrap();
        let e = ws.history().unwrap().get(id).unwrap().unwrap();
        assert_eq!(e.error_code, Some(HistoryCode::ConnectionMissing));
        id
    };
    sim.twilio().set_status(&sub, "closed");
    // The file is restored: the same connection exists again, and the intent is settled.
    let settings = Arc::new(MemorySettings::default());
    settings
        .save_connections(std::slice::from_ref(&conn))
        .unwrap();
    let secrets = Arc::new(MemoryStore::default());
    secrets
        .set(&conn.id.to_string(), &Secret::new(p.auth_token.clone()))
        .unwrap();
    let ws = open(settings, secrets);
    let r = ws.reconcile().await.unwrap();
    assert_eq!(r.succeeded, 1, "{r:?}");
    let e = ws.history().unwrap().get(id).unwrap().unwrap();
    assert_eq!(
        (e.outcome, e.status_after),
        (Outcome::Succeeded, Some(Status::Closed))
    );
}

#[tokio::test]
async fn a_connection_is_renamed_and_its_token_replaced_only_after_the_new_one_is_checked() {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let p = sim.twilio().add_parent("Acme Reseller");
    sim.twilio().seed_subaccounts(&p.sid, 3);
    let (ws, secrets) = workspace_with_secrets(fast_retry());
    let conn = ws
        .add_connection(&new_twilio(&sim, &p.sid, &p.auth_token))
        .await
        .unwrap();
    let key = conn.id.to_string();
    // The token was rotated at Twilio: the saved one no longer works.
    secrets.set(&key, &Secret::new("0".repeat(32))).unwrap();
    let failed = listed(&ws).await;
    assert!(
        failed.iter().any(|e| matches!(e, ListEvent::Failed { .. })),
        "{failed:?}"
    );

    // A wrong new token is refused and changes nothing.
    let wrong = ConnectionEdit {
        label: "Renamed".into(),
        secret: Some(Secret::new("f".repeat(32))),
    };
    assert!(matches!(
        ws.edit_connection(conn.id, &wrong).await,
        Err(Error::Auth { .. })
    ));
    assert_eq!(ws.connection(conn.id).unwrap().label, "Acme Twilio");
    assert_eq!(secrets.get(&key).unwrap().unwrap().expose(), "0".repeat(32));

    // The right one replaces the old token in the keychain, and the next listing uses it.
    let edit = ConnectionEdit {
        label: "  Acme (new token) ".into(),
        secret: Some(Secret::new(format!(" {} ", p.auth_token))),
    };
    let edited = ws.edit_connection(conn.id, &edit).await.unwrap();
    assert_eq!(edited.label, "Acme (new token)");
    assert_eq!(ws.saved_connections()[0].label, "Acme (new token)");
    assert_eq!(secrets.get(&key).unwrap().unwrap().expose(), p.auth_token);
    let events = listed(&ws).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ListEvent::Done { total: 3, .. })),
        "{events:?}"
    );

    // A rename alone keeps the token; an empty name is refused.
    let renamed = ConnectionEdit {
        label: "Acme".into(),
        secret: None,
    };
    assert_eq!(
        ws.edit_connection(conn.id, &renamed).await.unwrap().label,
        "Acme"
    );
    assert_eq!(secrets.get(&key).unwrap().unwrap().expose(), p.auth_token);
    let blank = ConnectionEdit {
        label: "  ".into(),
        secret: None,
    };
    assert!(matches!(
        ws.edit_connection(conn.id, &blank).await,
        Err(Error::Validation { .. })
    ));
}
