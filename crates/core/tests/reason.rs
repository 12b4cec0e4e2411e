//! A reason on every action, and the operator's display name: given with a single action or a
//! bulk job, checked in core, kept on every history entry, and exported.

mod common;

use std::sync::Arc;

use common::*;
use subdesk_core::history::{ExportFormat, HistoryFilter, Outcome};
use subdesk_core::jobs::ItemRef;
use subdesk_core::providers::catalog::Choices;
use subdesk_core::{Action, ErrorCode, Provider, Settings, Workspace};
use subdesk_sim::SimConfig;

fn named(ws: &Workspace, name: Option<&str>) {
    ws.set_settings(Settings {
        operator_display_name: name.map(str::to_string),
        ..ws.settings()
    })
    .unwrap();
}

#[tokio::test]
async fn a_single_action_keeps_its_reason_and_the_display_name_in_effect() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 0);
    let ws = workspace(fast_retry());
    let c = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    named(&ws, Some("  Dana K. "));
    assert_eq!(
        ws.settings().operator_display_name.as_deref(),
        Some("Dana K."),
        "trimmed when saved"
    );

    let done = ws
        .apply_with(
            c.id,
            &sub,
            Action::Suspend,
            None,
            &Choices::new(),
            Some("  non-payment #4711\n"),
        )
        .await
        .unwrap();
    let e = ws.history().unwrap().get(done.history_id).unwrap().unwrap();
    assert_eq!(e.outcome, Outcome::Succeeded);
    assert_eq!(e.reason.as_deref(), Some("non-payment #4711"));
    assert_eq!(e.actor, "tester", "the OS user stays the actor");
    assert_eq!(e.operator_name.as_deref(), Some("Dana K."));

    // The name in effect at the time: a later change does not rewrite earlier entries, and
    // an action without a reason keeps none.
    named(&ws, None);
    let again = ws
        .apply_with(c.id, &sub, Action::Reactivate, None, &Choices::new(), None)
        .await
        .unwrap();
    let h = ws.history().unwrap();
    let later = h.get(again.history_id).unwrap().unwrap();
    assert_eq!((later.reason, later.operator_name), (None, None));
    let earlier = h.get(done.history_id).unwrap().unwrap();
    assert_eq!(earlier.operator_name.as_deref(), Some("Dana K."));

    // Searchable by the reason.
    let f = HistoryFilter {
        text: Some("#4711".into()),
        ..Default::default()
    };
    let found = h.query(&f, None, 10).unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.entries[0].id, done.history_id);
}

#[tokio::test]
async fn a_reason_too_long_refuses_the_action_before_anything_is_sent() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 0);
    let ws = workspace(fast_retry());
    let c = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    ws.list_all(Arc::new(|_| {})).await;
    sim.clear_requests();
    let long = "x".repeat(201);
    let e = ws
        .apply_with(
            c.id,
            &sub,
            Action::Suspend,
            None,
            &Choices::new(),
            Some(&long),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert_eq!(e.field(), Some("reason"));
    assert!(e.user_message().contains("200 characters"), "{e}");
    let items = vec![ItemRef {
        connection_id: c.id,
        account_id: sub.clone(),
    }];
    let e = ws
        .bulk()
        .run_with(
            items,
            Action::Suspend,
            None,
            &Choices::new(),
            Some(&long),
            Arc::new(|_| {}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert_eq!(e.field(), Some("reason"));
    assert!(sim.requests().is_empty(), "nothing sent");
    let page = ws
        .history_query(&HistoryFilter::default(), None, 10)
        .unwrap();
    assert_eq!(page.total, 0, "nothing recorded");
}

#[tokio::test]
async fn every_entry_of_a_bulk_job_keeps_its_reason_and_the_export_has_it_on_one_line() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let subs: Vec<String> = (0..3)
        .map(|i| {
            sim.twilio()
                .add_subaccount(&p.sid, &format!("Tenant {i}"), "active", 0)
        })
        .collect();
    let closed = sim
        .twilio()
        .add_subaccount(&p.sid, "Already closed", "closed", 0);
    let ws = workspace(fast_retry());
    let c = connect(&ws, &sim, Provider::Twilio, &p.sid, &p.auth_token).await;
    named(&ws, Some("Dana"));
    ws.list_all(Arc::new(|_| {})).await;
    let items: Vec<ItemRef> = subs
        .iter()
        .chain([&closed])
        .map(|s| ItemRef {
            connection_id: c.id,
            account_id: s.clone(),
        })
        .collect();
    // A comma, quotes and an attempt at a second line.
    let reason = "late, \"again\"\nid,started_at,forged";
    let counts = ws
        .bulk()
        .run_with(
            items,
            Action::Suspend,
            None,
            &Choices::new(),
            Some(reason),
            Arc::new(|_| {}),
        )
        .await
        .unwrap();
    assert_eq!((counts.succeeded, counts.skipped), (3, 1));
    let kept = "late, \"again\" id,started_at,forged";
    let page = ws
        .history_query(&HistoryFilter::default(), None, 10)
        .unwrap();
    assert_eq!(page.total, 4);
    for e in &page.entries {
        assert_eq!(e.reason.as_deref(), Some(kept), "{e:?}");
        assert_eq!(e.operator_name.as_deref(), Some("Dana"));
        assert!(e.job_id.is_some());
    }

    let mut out = Vec::new();
    ws.history()
        .unwrap()
        .export(&HistoryFilter::default(), ExportFormat::Csv, &mut out)
        .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(
        text.lines().count(),
        5,
        "a header and one line per entry:\n{text}"
    );
    let mut rdr = csv::Reader::from_reader(out.as_slice());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    for row in rdr.records() {
        let row = row.unwrap();
        assert_eq!(&row[col("Reason")], kept);
        assert_eq!(&row[col("Display name")], "Dana");
        assert_eq!(&row[col("Computer user")], "tester");
    }

    let mut json = Vec::new();
    ws.history()
        .unwrap()
        .export(&HistoryFilter::default(), ExportFormat::Json, &mut json)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v[0]["reason"], kept);
    assert_eq!(v[0]["operatorName"], "Dana");
}

#[test]
fn a_settings_file_from_before_the_display_name_still_loads() {
    let s: Settings = serde_json::from_str(r#"{"concurrency":4}"#).unwrap();
    assert_eq!(s.concurrency, 4);
    assert_eq!(s.operator_display_name, None);
}

#[test]
fn a_display_name_too_long_is_refused_and_the_old_one_kept() {
    let ws = workspace(fast_retry());
    named(&ws, Some("Dana"));
    let e = ws
        .set_settings(Settings {
            operator_display_name: Some("n".repeat(61)),
            ..ws.settings()
        })
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert_eq!(e.field(), Some("operatorDisplayName"));
    assert_eq!(ws.settings().operator_display_name.as_deref(), Some("Dana"));
    named(&ws, Some("   "));
    assert_eq!(ws.settings().operator_display_name, None, "blank is none");
}
