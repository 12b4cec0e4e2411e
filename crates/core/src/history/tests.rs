use super::*;
use crate::model::{Action, Provider, Status};

fn intent(account: &str, action: Action) -> Intent {
    Intent {
        actor: "alice".into(),
        operator_name: None,
        reason: None,
        connection_id: "conn-1".into(),
        connection_label: "Acme Twilio".into(),
        provider: Provider::Twilio,
        account_id: account.into(),
        account_name: format!("Tenant {account}"),
        action,
        status_before: Some(Status::Active),
        job_id: None,
        snapshot: None,
    }
}

fn succeeded(after: Status) -> Completion {
    Completion {
        status_after: Some(after),
        request_id: Some("RQ123".into()),
        duration_ms: Some(42),
        ..Completion::outcome(Outcome::Succeeded)
    }
}

#[test]
fn intent_then_outcome_round_trips() {
    let h = History::in_memory().unwrap();
    let id = h.begin(&intent("AC1", Action::Close)).unwrap();
    let e = h.get(id).unwrap().unwrap();
    assert_eq!(e.outcome, Outcome::Pending);
    assert!(e.finished_at.is_none());
    assert_eq!(h.open_intents().unwrap().len(), 1);

    h.complete(id, &succeeded(Status::Closed)).unwrap();
    let e = h.get(id).unwrap().unwrap();
    assert_eq!(e.outcome, Outcome::Succeeded);
    assert_eq!(e.status_before, Some(Status::Active));
    assert_eq!(e.status_after, Some(Status::Closed));
    assert_eq!(e.request_id.as_deref(), Some("RQ123"));
    assert_eq!(e.actor, "alice");
    assert!(e.finished_at.is_some());
    assert!(e.started_at.ends_with('Z'));
    assert!(h.open_intents().unwrap().is_empty());
}

#[test]
fn history_is_append_only() {
    let h = History::in_memory().unwrap();
    let id = h.begin(&intent("AC1", Action::Close)).unwrap();
    h.complete(id, &succeeded(Status::Closed)).unwrap();
    // A completed entry cannot be rewritten, and nothing can be deleted.
    assert!(h
        .complete(id, &Completion::outcome(Outcome::Failed))
        .is_err());
    let del = h.with_connection(|c| Ok(c.execute("DELETE FROM actions", [])?));
    assert!(del.is_err());
    assert_eq!(h.get(id).unwrap().unwrap().outcome, Outcome::Succeeded);
}

#[test]
fn unknown_outcomes_stay_open_until_reconciled() {
    let h = History::in_memory().unwrap();
    let id = h.begin(&intent("AC1", Action::Suspend)).unwrap();
    h.complete(id, &Completion::outcome(Outcome::Unknown))
        .unwrap();
    assert_eq!(h.open_intents().unwrap().len(), 1);
    let done = Completion {
        reconciled: true,
        ..succeeded(Status::Suspended)
    };
    h.complete(id, &done).unwrap();
    assert!(h.open_intents().unwrap().is_empty());
    assert!(h.get(id).unwrap().unwrap().reconciled);
}

#[test]
fn a_page_never_splits_a_job() {
    let h = History::in_memory().unwrap();
    // ids 1: single; 2-6: job J1; 7: single; 8: J1 again (a single action ran during the job);
    // 9: single; 10-12: job J2.
    let plan: [(&str, Option<&str>); 12] = [
        ("AC01", None),
        ("AC02", Some("J1")),
        ("AC03", Some("J1")),
        ("AC04", Some("J1")),
        ("AC05", Some("J1")),
        ("AC06", Some("J1")),
        ("AC07", None),
        ("AC08", Some("J1")),
        ("AC09", None),
        ("AC10", Some("J2")),
        ("AC11", Some("J2")),
        ("AC12", Some("J2")),
    ];
    for (account, job) in plan {
        let i = Intent {
            job_id: job.map(String::from),
            ..intent(account, Action::Suspend)
        };
        let id = h.begin(&i).unwrap();
        h.complete(id, &succeeded(Status::Suspended)).unwrap();
    }
    let all = HistoryFilter::default();
    let ids = |p: &HistoryPage| p.entries.iter().map(|e| e.id).collect::<Vec<_>>();

    let p1 = h.query(&all, None, 3).unwrap();
    assert_eq!(ids(&p1), [12, 11, 10]);
    assert_eq!((p1.has_more, p1.next_before_id), (true, Some(10)));
    // Three entries from id 9 down, the third (8) of job J1: all of J1 comes with it, its
    // entries below the page too.
    let p2 = h.query(&all, p1.next_before_id, 3).unwrap();
    assert_eq!(ids(&p2), [9, 8, 7, 6, 5, 4, 3, 2]);
    assert_eq!((p2.has_more, p2.next_before_id), (true, Some(7)));
    // Below 7: J1's entries were all shown already; only the single action is left.
    let p3 = h.query(&all, p2.next_before_id, 3).unwrap();
    assert_eq!(ids(&p3), [1]);
    assert_eq!((p3.has_more, p3.next_before_id), (false, None));
    assert_eq!(p3.total, 12);

    // Under a filter, a job comes whole as far as the filter goes: J1's entries for AC0*.
    let some = HistoryFilter {
        text: Some("AC0".into()),
        ..HistoryFilter::default()
    };
    let f1 = h.query(&some, None, 2).unwrap();
    assert_eq!(ids(&f1), [9, 8, 6, 5, 4, 3, 2]);
    assert_eq!(
        h.query(&some, f1.next_before_id, 10).unwrap().entries.len(),
        2
    );
}

#[test]
fn filters_and_pages_newest_first() {
    let h = History::in_memory().unwrap();
    for i in 0..250 {
        let action = if i % 2 == 0 {
            Action::Suspend
        } else {
            Action::Close
        };
        let id = h.begin(&intent(&format!("AC{i:03}"), action)).unwrap();
        let c = if i % 5 == 0 {
            Completion::outcome(Outcome::Failed).with_error(&crate::Error::AlreadyClosed)
        } else {
            succeeded(action.target_status())
        };
        h.complete(id, &c).unwrap();
    }
    let all = HistoryFilter::default();
    let p1 = h.query(&all, None, 100).unwrap();
    assert_eq!(p1.total, 250);
    assert_eq!(p1.entries.len(), 100);
    assert!(p1.has_more);
    assert!(
        p1.entries.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let p3 = h.query(&all, Some(p1.entries[99].id - 100), 100).unwrap();
    assert_eq!(p3.entries.len(), 50);
    assert!(!p3.has_more);

    let failed = HistoryFilter {
        outcome: Some(Outcome::Failed),
        ..Default::default()
    };
    let p = h.query(&failed, None, 1000).unwrap();
    assert_eq!(p.total, 50);
    assert!(p
        .entries
        .iter()
        .all(|e| e.error_code.as_ref().map(HistoryCode::as_str) == Some("already_closed")));

    let closes = HistoryFilter {
        action: Some(Action::Close),
        ..Default::default()
    };
    assert_eq!(h.query(&closes, None, 10).unwrap().total, 125);

    let text = HistoryFilter {
        text: Some("ac12".into()),
        ..Default::default()
    };
    assert_eq!(h.query(&text, None, 100).unwrap().total, 10, "AC120..AC129");

    // One account's own entries: the exact id, not every id that contains it.
    let one = HistoryFilter {
        account_id: Some("AC012".into()),
        ..Default::default()
    };
    let p = h.query(&one, None, 100).unwrap();
    assert_eq!(p.total, 1);
    assert_eq!(p.entries[0].account_id, "AC012");

    let wildcard = HistoryFilter {
        text: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(
        h.query(&wildcard, None, 10).unwrap().total,
        0,
        "% is literal"
    );

    let future = HistoryFilter {
        from: Some("2999-01-01".into()),
        ..Default::default()
    };
    assert_eq!(h.query(&future, None, 10).unwrap().total, 0);
    let past = HistoryFilter {
        from: Some("2000-01-01T00:00:00Z".into()),
        to: Some("2999-01-01T00:00:00+02:00".into()),
        ..Default::default()
    };
    assert_eq!(h.query(&past, None, 10).unwrap().total, 250);
}

#[test]
fn exports_csv_and_json_with_every_column() {
    let h = History::in_memory().unwrap();
    let id = h.begin(&intent("AC1", Action::Close)).unwrap();
    h.complete(id, &succeeded(Status::Closed)).unwrap();
    let mut i2 = intent("AC2", Action::Suspend);
    i2.account_name = "Comma, \"Quoted\" Ltd".into();
    h.record(&i2, &Completion::outcome(Outcome::Skipped))
        .unwrap();

    let mut csv_out = Vec::new();
    let n = h
        .export(&HistoryFilter::default(), ExportFormat::Csv, &mut csv_out)
        .unwrap();
    assert_eq!(n, 2);
    let mut rdr = csv::Reader::from_reader(csv_out.as_slice());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        CSV_HEADER.to_vec()
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][8], "Comma, \"Quoted\" Ltd");
    assert_eq!(&rows[1][12], "succeeded");
    assert!(
        chrono::DateTime::parse_from_rfc3339(&rows[1][1]).is_ok(),
        "ISO-8601 UTC"
    );

    let mut json_out = Vec::new();
    h.export(&HistoryFilter::default(), ExportFormat::Json, &mut json_out)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json_out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["statusAfter"], "closed");
}

#[test]
fn a_damaged_file_is_kept_aside_and_a_new_history_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    std::fs::write(&path, b"this is not a database, it is a shopping list").unwrap();
    let opened = History::open(&path).unwrap();
    let problem = opened.problem.expect("the damage is reported");
    assert!(problem.contains("damaged"), "{problem}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("damaged"))
        .collect();
    assert_eq!(aside.len(), 1, "the damaged file is kept");
    assert_eq!(
        std::fs::read(aside[0].path()).unwrap(),
        b"this is not a database, it is a shopping list"
    );
    opened.history.begin(&intent("AC1", Action::Close)).unwrap();
    assert_eq!(opened.history.integrity_check().unwrap(), "ok");
}

#[test]
fn a_file_survives_reopening_and_migrations_are_not_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    {
        let o = History::open(&path).unwrap();
        assert!(o.problem.is_none());
        o.history.begin(&intent("AC1", Action::Close)).unwrap();
    }
    let o = History::open(&path).unwrap();
    assert!(o.problem.is_none());
    assert_eq!(o.history.open_intents().unwrap().len(), 1);
    let v: i64 = o
        .history
        .with_connection(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(v, schema::MIGRATIONS.len() as i64);
    let mode: String = o
        .history
        .with_connection(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn export_to_path_writes_the_whole_file() {
    let h = History::in_memory().unwrap();
    h.record(&intent("AC1", Action::Close), &succeeded(Status::Closed))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.json");
    assert_eq!(
        h.export_to_path(&HistoryFilter::default(), ExportFormat::Json, &p)
            .unwrap(),
        1
    );
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(v[0]["accountId"], "AC1");
    assert!(!dir.path().join("out.subdesk-partial").exists());
}

#[test]
fn a_second_writer_is_refused_while_the_first_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let first = History::open(&path).unwrap();
    let second = History::open(&path)
        .err()
        .expect("a second writer is refused");
    assert!(
        second.user_message().contains("another Subdesk window"),
        "{}",
        second.user_message()
    );
    drop(first);
    assert!(
        History::open(&path).is_ok(),
        "free again once the first closed"
    );
}

#[test]
fn a_history_from_a_newer_version_is_refused_not_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    {
        let o = History::open(&path).unwrap();
        o.history
            .with_connection(|c| Ok(c.execute_batch("PRAGMA user_version = 99")?))
            .unwrap();
    }
    let e = History::open(&path).err().expect("refused");
    assert!(
        e.user_message().contains("newer Subdesk"),
        "{}",
        e.user_message()
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("damaged")), "{names:?}");
}

#[test]
fn skipped_items_are_written_complete_in_one_go() {
    let h = History::in_memory().unwrap();
    let id = h
        .record(
            &intent("AC1", Action::Close),
            &Completion::outcome(Outcome::Skipped),
        )
        .unwrap();
    let e = h.get(id).unwrap().unwrap();
    assert_eq!(e.outcome, Outcome::Skipped);
    assert!(e.finished_at.is_some());
    assert!(h.open_intents().unwrap().is_empty());
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let h = History::in_memory().unwrap();
    let mut i = intent("AC1", Action::Suspend);
    i.account_name = "=HYPERLINK(\"http://evil\")".into();
    h.record(&i, &Completion::outcome(Outcome::Skipped))
        .unwrap();
    let mut out = Vec::new();
    h.export(&HistoryFilter::default(), ExportFormat::Csv, &mut out)
        .unwrap();
    let mut rdr = csv::Reader::from_reader(out.as_slice());
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(&row[8], "'=HYPERLINK(\"http://evil\")");
}

#[test]
fn text_search_finds_substrings_in_any_case_through_the_index() {
    let h = History::in_memory().unwrap();
    let sid = "AC0123456789abcdef0123456789abcdef";
    let mut i = intent(sid, Action::Close);
    i.account_name = "Bright Dental Clinic".into();
    let id = h.begin(&i).unwrap();
    h.begin(&intent("AC99", Action::Suspend)).unwrap();
    let find = |text: &str| {
        let f = HistoryFilter {
            text: Some(text.into()),
            ..Default::default()
        };
        h.query(&f, None, 10)
            .unwrap()
            .entries
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(find(sid), vec![id], "an exact ID");
    assert_eq!(find("dental cl"), vec![id], "part of a name, any case");
    assert_eq!(find("89ABCDEF0123"), vec![id], "part of an ID");
    assert!(
        find("\"Dental").is_empty(),
        "a quote is text, not FTS syntax"
    );
    assert_eq!(find("Br").len(), 1, "shorter than a trigram: scanned");
    // The request id written with the outcome is searchable too.
    h.complete(id, &succeeded(Status::Closed)).unwrap();
    assert_eq!(find("RQ123"), vec![id]);
    // The index is used, not a scan of the table.
    let plan: String = h
        .with_connection(|c| {
            Ok(c.query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM actions WHERE id IN (SELECT rowid FROM actions_text WHERE actions_text MATCH '\"dental\"')",
                [],
                |r| r.get::<_, String>(3),
            )?)
        })
        .unwrap();
    assert!(!plan.starts_with("SCAN actions"), "{plan}");
}

#[test]
fn a_history_from_before_the_text_index_is_migrated_and_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    {
        // A file as the first release wrote it: schema 1, one entry.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(&format!(
            "{}; PRAGMA user_version = 1;",
            schema::MIGRATIONS[0]
        ))
        .unwrap();
        c.execute(
            "INSERT INTO actions (started_at, actor, connection_id, connection_label, provider, account_id, account_name, action, outcome)
             VALUES ('2026-01-01T00:00:00.000Z', 'alice', 'c', 'Acme', 'twilio', 'AC42', 'Old Dental', 'close', 'succeeded')",
            [],
        )
        .unwrap();
    }
    let o = History::open(&path).unwrap();
    assert!(o.problem.is_none());
    let f = HistoryFilter {
        text: Some("old dent".into()),
        ..Default::default()
    };
    assert_eq!(o.history.query(&f, None, 10).unwrap().total, 1);
}

#[cfg(unix)]
#[test]
fn an_export_never_follows_a_planted_link() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let target = dir.path().join("out.csv");
    // The name the first release wrote its partial file under.
    std::os::unix::fs::symlink(&victim, dir.path().join("out.subdesk-partial")).unwrap();
    let h = History::in_memory().unwrap();
    h.begin(&intent("AC1", Action::Close)).unwrap();
    h.export_to_path(&HistoryFilter::default(), ExportFormat::Csv, &target)
        .unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("Entry,"));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".partial")), "{names:?}");
}

#[test]
fn values_written_by_a_newer_subdesk_read_as_unknown_never_as_known_ones() {
    let h = History::in_memory().unwrap();
    let id = h
        .record(&intent("AC9", Action::Close), &succeeded(Status::Closed))
        .unwrap();
    h.with_connection(|c| {
        // A newer version's provider, action, outcome and code; the triggers allow changing a
        // row only while it is open, so write it as a fresh row.
        c.execute(
            "INSERT INTO actions (started_at, actor, connection_id, connection_label, provider,
                account_id, account_name, action, outcome, error_code)
             VALUES ('2027-01-01T00:00:00.000Z', 'bob', 'conn-2', 'Future', 'acme-telecom',
                'X1', 'Tenant X1', 'archive', 'rolled_back', 'quota_exhausted')",
            [],
        )?;
        Ok(())
    })
    .unwrap();
    let page = h.query(&HistoryFilter::default(), None, 10).unwrap();
    let future = page.entries.iter().find(|e| e.account_id == "X1").unwrap();
    assert_eq!(future.provider, None, "not read as Twilio");
    assert_eq!(future.action, None, "not read as Suspend");
    assert_eq!(future.outcome, Outcome::Unknown, "not read as pending");
    assert_eq!(
        future.error_code,
        Some(HistoryCode::Unrecognised("quota_exhausted".into()))
    );
    let known = h.get(id).unwrap().unwrap();
    assert_eq!(known.provider, Some(Provider::Twilio));
    assert_eq!(known.action, Some(Action::Close));

    let mut csv = Vec::new();
    h.export(&HistoryFilter::default(), ExportFormat::Csv, &mut csv)
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains(",unknown,X1,") && l.contains("quota_exhausted")),
        "{csv}"
    );
}

#[test]
fn history_codes_round_trip_through_their_stored_strings() {
    use crate::error::ErrorCode;
    for code in [
        HistoryCode::ConnectionMissing,
        HistoryCode::NotApplied,
        HistoryCode::NotAllowed,
        HistoryCode::Error(ErrorCode::AlreadyClosed),
        HistoryCode::Error(ErrorCode::ApiKeyCannotReachSubaccount),
        HistoryCode::Error(ErrorCode::OutcomeUnknown),
    ] {
        assert_eq!(HistoryCode::parse(code.as_str()), code);
        assert_eq!(serde_json::to_value(&code).unwrap(), code.as_str());
    }
    assert_eq!(
        ErrorCode::parse("rate_limited"),
        Some(ErrorCode::RateLimited)
    );
    assert_eq!(ErrorCode::parse("Rate_Limited"), None);
}

#[test]
fn a_history_written_by_the_previous_version_migrates_and_keeps_reasons_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    {
        // A file as the previous release wrote it: schema 2 (with the text index), one entry.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(&format!(
            "{}; {}; PRAGMA user_version = 2;",
            schema::MIGRATIONS[0],
            schema::MIGRATIONS[1]
        ))
        .unwrap();
        c.execute(
            "INSERT INTO actions (started_at, actor, connection_id, connection_label, provider, account_id, account_name, action, outcome)
             VALUES ('2026-01-01T00:00:00.000Z', 'alice', 'c', 'Acme', 'twilio', 'AC42', 'Old Dental', 'close', 'succeeded')",
            [],
        )
        .unwrap();
    }
    let o = History::open(&path).unwrap();
    assert!(o.problem.is_none());
    let h = o.history;
    let version: usize = h
        .with_connection(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(version, schema::MIGRATIONS.len());
    let find = |text: &str| {
        let f = HistoryFilter {
            text: Some(text.into()),
            ..Default::default()
        };
        h.query(&f, None, 10).unwrap().entries
    };
    // The old entry: still found by its name (the index was rebuilt), with no reason.
    let old = find("old dent");
    assert_eq!(old.len(), 1);
    assert_eq!(
        (old[0].reason.clone(), old[0].operator_name.clone()),
        (None, None)
    );

    let mut i = intent("AC43", Action::Suspend);
    i.reason = Some("non-payment #4711".into());
    i.operator_name = Some("Dana K.".into());
    let id = h.begin(&i).unwrap();
    assert_eq!(
        find("PAYMENT #47").iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![id]
    );
    assert_eq!(
        find("dana k").iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![id]
    );
    // Still indexed after the outcome's update.
    h.complete(id, &succeeded(Status::Suspended)).unwrap();
    assert_eq!(find("#4711").len(), 1);
    assert_eq!(h.integrity_check().unwrap(), "ok");
}

#[test]
fn the_export_has_the_operator_and_reason_columns_before_the_snapshot() {
    let h = History::in_memory().unwrap();
    let mut i = intent("AC1", Action::Suspend);
    i.reason = Some("=1+1, \"quoted\"".into());
    i.operator_name = Some("Dana".into());
    h.record(&i, &Completion::outcome(Outcome::Skipped))
        .unwrap();
    let mut out = Vec::new();
    h.export(&HistoryFilter::default(), ExportFormat::Csv, &mut out)
        .unwrap();
    let mut rdr = csv::Reader::from_reader(out.as_slice());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &headers[3], "Computer user",
        "earlier columns keep their places"
    );
    assert_eq!(&headers[12], "Outcome");
    assert_eq!(
        &headers[headers.len() - 3..],
        ["Display name", "Reason", "Account as it was before (JSON)"]
    );
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(&row[headers.len() - 3], "Dana");
    assert_eq!(
        &row[headers.len() - 2],
        "'=1+1, \"quoted\"",
        "a formula-looking reason is neutralised like every cell"
    );
}

#[test]
fn hostile_names_are_kept_as_text_and_capped() {
    let h = History::in_memory().unwrap();
    // A right-to-left override and a name far longer than any real one.
    let name = format!("\u{202E}evil{}", "x".repeat(400));
    let mut i = intent("AC1", Action::Suspend);
    i.account_name = name.clone();
    let mut c = Completion::outcome(Outcome::Failed);
    c.error_message = Some("m".repeat(5000));
    let id = h.record(&i, &c).unwrap();
    let e = h.get(id).unwrap().unwrap();
    assert_eq!(e.account_name.chars().count(), super::MAX_NAME_CHARS);
    assert!(e.account_name.starts_with("\u{202E}evil") && e.account_name.ends_with('…'));
    assert_eq!(
        e.error_message.unwrap().chars().count(),
        super::MAX_MESSAGE_CHARS
    );
    assert_eq!(super::capped("short", 200), "short");
}
