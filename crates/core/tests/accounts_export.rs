//! The accounts table exported to CSV from core's own listing: the rows named, in that order,
//! spreadsheet-safe, rows Subdesk no longer lists left out and counted, and rows kept from an
//! earlier listing marked with when they were read.

mod common;

use std::sync::Arc;

use common::*;
use subdesk_core::accounts_export::CSV_HEADER;
use subdesk_core::api::ListEvent;
use subdesk_core::jobs::ItemRef;
use subdesk_core::{Error, Provider, Workspace};
use subdesk_sim::{FaultKind, SimConfig};
use uuid::Uuid;

/// Lists every connection; returns the IDs listed for each.
async fn list(ws: &Arc<Workspace>) -> Vec<(Uuid, String)> {
    let ids = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&ids);
    ws.list_all(Arc::new(move |e| {
        if let ListEvent::Page {
            connection_id,
            rows,
        } = e
        {
            let mut ids = sink.lock().unwrap();
            ids.extend(rows.into_iter().map(|r| (connection_id, r.id)));
        }
    }))
    .await;
    let v = ids.lock().unwrap().clone();
    v
}

fn read(path: &std::path::Path) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn header(path: &std::path::Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.headers().unwrap().iter().map(String::from).collect()
}

fn item(connection_id: Uuid, account_id: &str) -> ItemRef {
    ItemRef {
        connection_id,
        account_id: account_id.into(),
    }
}

#[tokio::test]
async fn rows_are_written_in_the_order_given_with_every_column_and_safe_cells() {
    let sim = sim(SimConfig::default()).await;
    let tp = sim.twilio().add_parent("Reseller");
    let plain = sim
        .twilio()
        .add_subaccount(&tp.sid, "Bright Dental", "active", 0);
    let formula = sim
        .twilio()
        .add_subaccount(&tp.sid, "=HYPERLINK(\"x\")", "suspended", 0);
    let quoted = sim
        .twilio()
        .add_subaccount(&tp.sid, "Acme, \"the\" firm\nline 2", "active", 0);
    let vp = sim.vobiz().add_parent("V");
    sim.vobiz().seed_subaccounts(&vp.auth_id, 2);
    let ws = workspace(fast_retry());
    let t = connect(&ws, &sim, Provider::Twilio, &tp.sid, &tp.auth_token).await;
    let v = connect(&ws, &sim, Provider::Vobiz, &vp.auth_id, &vp.auth_token).await;
    let listed = list(&ws).await;
    let vobiz_id = listed.iter().find(|(c, _)| *c == v.id).unwrap().1.clone();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    let items = vec![
        item(t.id, &quoted),
        item(v.id, &vobiz_id),
        item(t.id, &formula),
        item(t.id, &plain),
        item(t.id, &plain), // repeated: written once
    ];
    let done = ws.accounts_export(&items, &path).unwrap();
    assert_eq!((done.count, done.left_out), (4, 0));
    assert_eq!(done.path, path.display().to_string());

    assert_eq!(header(&path), CSV_HEADER.map(String::from).to_vec());
    let rows = read(&path);
    let ids: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(ids, [&quoted, &vobiz_id, &formula, &plain]);

    // A name with a comma, quotes and a line break survives the round trip.
    assert_eq!(rows[0][2], "Acme, \"the\" firm\nline 2");
    // A name a spreadsheet would run as a formula is kept as text.
    assert_eq!(rows[2][2], "'=HYPERLINK(\"x\")");
    let twilio = &rows[3];
    assert_eq!(twilio[0], "Test Twilio");
    assert_eq!(twilio[1], "Twilio");
    assert_eq!(twilio[2], "Bright Dental");
    assert_eq!(twilio[4], "active");
    assert_eq!(twilio[5], "active");
    assert!(twilio[6].starts_with("20"), "created: {}", twilio[6]);
    assert_eq!(twilio[7], "", "freshly listed");
    assert_eq!(rows[2][4], "suspended");
    // Vobiz: the glossary's word beside the provider's own.
    assert_eq!(rows[1][1], "Vobiz");
    assert_ne!(rows[1][4], rows[1][5]);
}

#[tokio::test]
async fn rows_no_longer_listed_are_left_out_and_counted_and_none_known_writes_nothing() {
    let sim = sim(SimConfig::default()).await;
    let tp = sim.twilio().add_parent("Reseller");
    let a = sim.twilio().add_subaccount(&tp.sid, "Alpha", "active", 0);
    let ws = workspace(fast_retry());
    let t = connect(&ws, &sim, Provider::Twilio, &tp.sid, &tp.auth_token).await;
    list(&ws).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    // Listed once: not stale.
    ws.accounts_export(&[item(t.id, &a)], &path).unwrap();
    assert_eq!(read(&path)[0][7], "");

    let items = [
        item(t.id, "AC00000000000000000000000000000000"),
        item(t.id, &a),
        item(Uuid::new_v4(), &a),
    ];
    let done = ws.accounts_export(&items, &path).unwrap();
    assert_eq!((done.count, done.left_out), (1, 2));
    assert_eq!(read(&path).len(), 1);

    // The connection's own parent account is never a row.
    let other = dir.path().join("parent.csv");
    let e = ws
        .accounts_export(&[item(t.id, &tp.sid)], &other)
        .unwrap_err();
    assert!(matches!(e, Error::Validation { .. }), "{e:?}");
    assert!(e.user_message().contains("Refresh"), "{}", e.user_message());
    assert!(!other.exists(), "nothing is written when no row is known");
    let e = ws.accounts_export(&[], &other).unwrap_err();
    assert!(matches!(e, Error::Validation { .. }));
    assert!(!other.exists());
}

#[tokio::test]
async fn rows_kept_from_an_earlier_listing_say_since_when() {
    let sim = sim(SimConfig::default()).await;
    let tp = sim.twilio().add_parent("Reseller");
    let a = sim.twilio().add_subaccount(&tp.sid, "Alpha", "active", 0);
    let ws = workspace(fast_retry());
    let t = connect(&ws, &sim, Provider::Twilio, &tp.sid, &tp.auth_token).await;
    list(&ws).await;
    // The provider stops answering: the next listing fails, the rows stay from the first.
    sim.set_faults(always(FaultKind::Unavailable));
    assert!(list(&ws).await.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    ws.accounts_export(&[item(t.id, &a)], &path).unwrap();
    let rows = read(&path);
    let since = &rows[0][7];
    assert!(
        since.starts_with("20") && since.ends_with('Z'),
        "stale since: {since:?}"
    );
}
