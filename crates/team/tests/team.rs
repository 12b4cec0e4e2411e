//! The team trail against a real PostgreSQL (Debian's `postgresql` package, installed by
//! ./scripts/test): each test starts a throwaway server in a temporary folder, listening on a
//! Unix socket in that folder only (no TCP port, so nothing to probe or race for), as the
//! `postgres` user when the tests run as root.

mod pg;

use std::time::Duration;

use pg::{set_up, Pg, PgOpts};

use subdesk_team::{
    connect, migrate, AccountKey, Claimed, Desk, NewEntry, NewOutcome, TeamError, TeamPool,
    SCHEMA_VERSION,
};

fn key(id: &str) -> AccountKey {
    AccountKey {
        provider: "twilio".into(),
        parent_account: "ACparent".into(),
        account_id: id.into(),
    }
}

fn entry(origin: &str, account: &str) -> NewEntry {
    NewEntry {
        origin: origin.into(),
        started_at: None,
        actor: "dana".into(),
        operator_name: Some("Dana K.".into()),
        desktop: "DESKTOP-1".into(),
        connection_label: "Reseller".into(),
        account: key(account),
        account_name: "Tenant".into(),
        action: "close".into(),
        status_before: Some("active".into()),
        job_id: None,
        snapshot: None,
        reason: Some("#4711".into()),
    }
}

#[tokio::test]
async fn the_app_role_can_append_but_never_change_or_delete_an_entry() {
    let pg = Pg::start();
    set_up(&pg).await;
    let desk = Desk::new(
        pg.pool("subdesk_app"),
        "dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let id = desk.begin(&entry("d1/1", "AC1")).await.unwrap();
    assert_eq!(
        desk.begin(&entry("d1/1", "AC1")).await.unwrap(),
        id,
        "a copy adds nothing"
    );
    desk.outcome(
        id,
        &NewOutcome {
            outcome: "unknown".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    desk.outcome(
        id,
        &NewOutcome {
            outcome: "succeeded".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let second = desk
        .outcome(
            id,
            &NewOutcome {
                outcome: "failed".into(),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(second, Err(TeamError::Refused(_))),
        "one final outcome: {second:?}"
    );

    let app = connect(&pg.conninfo("subdesk_app")).await.unwrap();
    for sql in [
        "UPDATE entries SET account_name = 'x'",
        "DELETE FROM entries",
        "UPDATE outcomes SET outcome = 'failed'",
        "DELETE FROM outcomes",
    ] {
        let e = app.execute(sql, &[]).await.unwrap_err();
        assert!(
            format!("{e:?}").contains("permission denied"),
            "{sql}: {e:?}"
        );
    }
    // Not even the owner: the triggers refuse it.
    let owner = connect(&pg.conninfo("postgres")).await.unwrap();
    let e = owner
        .execute("UPDATE entries SET account_name = 'x'", &[])
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("append-only"), "{e:?}");
    let e = owner
        .execute("DELETE FROM outcomes", &[])
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("append-only"), "{e:?}");
}

#[tokio::test]
async fn a_second_desktop_is_told_who_holds_an_account_until_the_lease_runs_out() {
    let pg = Pg::start();
    set_up(&pg).await;
    let a = Desk::new(
        pg.pool("subdesk_app"),
        "Dana",
        "DESKTOP-1",
        Duration::from_millis(400),
    );
    let b = Desk::new(
        pg.pool("subdesk_app"),
        "Sam",
        "DESKTOP-2",
        Duration::from_secs(60),
    );
    assert_eq!(a.claim(&key("AC1"), "close").await.unwrap(), Claimed::Ours);
    match b.claim(&key("AC1"), "suspend").await.unwrap() {
        Claimed::HeldBy {
            operator,
            desktop,
            action,
            ..
        } => {
            assert_eq!(
                (operator.as_str(), desktop.as_str(), action.as_str()),
                ("Dana", "DESKTOP-1", "close")
            )
        }
        other => panic!("{other:?}"),
    }
    // Another account is free.
    assert_eq!(
        b.claim(&key("AC2"), "suspend").await.unwrap(),
        Claimed::Ours
    );
    // Desktop 1 "crashes": its lease runs out and desktop 2 takes the account over.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        b.claim(&key("AC1"), "suspend").await.unwrap(),
        Claimed::Ours
    );
    // Released by its holder only.
    a.release(&key("AC1")).await.unwrap();
    assert!(matches!(
        a.claim(&key("AC1"), "close").await.unwrap(),
        Claimed::HeldBy { .. }
    ));
    b.release(&key("AC1")).await.unwrap();
    assert_eq!(a.claim(&key("AC1"), "close").await.unwrap(), Claimed::Ours);
}

#[tokio::test]
async fn an_entry_in_doubt_written_by_one_desktop_is_seen_by_another() {
    let pg = Pg::start();
    set_up(&pg).await;
    let a = Desk::new(
        pg.pool("subdesk_app"),
        "Dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let b = Desk::new(
        pg.pool("subdesk_app"),
        "Sam",
        "DESKTOP-2",
        Duration::from_secs(60),
    );
    let id = a.begin(&entry("d1/7", "AC9")).await.unwrap();
    a.outcome(
        id,
        &NewOutcome {
            outcome: "unknown".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let open = b.open_for(&key("AC9")).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].actor.as_str(), open[0].desktop.as_str()),
        ("dana", "DESKTOP-1")
    );
    a.outcome(
        id,
        &NewOutcome {
            outcome: "succeeded".into(),
            reconciled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(b.open_for(&key("AC9")).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_newer_schema_or_a_foreign_database_is_refused_with_its_sentence() {
    let pg = Pg::start();
    let mut owner = connect(&pg.conninfo("postgres")).await.unwrap();
    owner
        .batch_execute("CREATE TABLE invoices (id int)")
        .await
        .unwrap();
    let e = migrate(&mut owner).await.unwrap_err();
    assert!(matches!(e, TeamError::NotSubdesk), "{e:?}");
    assert!(e.user_message().contains("not a Subdesk team database"));
    owner.batch_execute("DROP TABLE invoices").await.unwrap();
    assert_eq!(migrate(&mut owner).await.unwrap(), SCHEMA_VERSION);
    assert_eq!(
        migrate(&mut owner).await.unwrap(),
        SCHEMA_VERSION,
        "idempotent"
    );
    owner
        .batch_execute(
            "DROP TRIGGER IF EXISTS x ON subdesk_schema; UPDATE subdesk_schema SET version = 7",
        )
        .await
        .unwrap();
    let e = migrate(&mut owner).await.unwrap_err();
    assert!(matches!(e, TeamError::NewerSchema(7)), "{e:?}");
    assert!(e.user_message().contains("newer Subdesk"));
    let e = connect(&format!(
        "host={}/nowhere user=postgres dbname=postgres",
        pg.dir.path().display()
    ))
    .await
    .unwrap_err();
    assert!(matches!(e, TeamError::Unreachable(_)), "{e:?}");
}

#[tokio::test]
async fn test_says_what_is_wrong_in_a_sentence_and_what_is_right() {
    let pg = Pg::start();
    // An empty database: connected, but not set up.
    let e = subdesk_team::test(&pg.settings("postgres"), "")
        .await
        .unwrap_err();
    assert!(matches!(e, TeamError::NotSetUp), "{e:?}");
    assert!(e
        .user_message()
        .starts_with("This database is empty: Subdesk's setup script has not been run on it."));
    set_up(&pg).await;
    let ok = subdesk_team::test(&pg.settings("subdesk_app"), "test")
        .await
        .unwrap();
    assert_eq!(ok.schema, SCHEMA_VERSION);
    assert_eq!(
        ok.user_message(),
        "Connected: a Subdesk team history with 0 entries, on this computer, not encrypted."
    );

    let e = subdesk_team::test(&pg.settings("subdesk_app"), "wrong")
        .await
        .unwrap_err();
    assert!(matches!(e, TeamError::WrongPassword), "{e:?}");
    assert_eq!(e.user_message(), "The team database refused the user name or password. Check them with whoever runs the database.");

    let mut no_db = pg.settings("subdesk_app");
    no_db.database = "subdesk_typo".into();
    let e = subdesk_team::test(&no_db, "test").await.unwrap_err();
    assert!(matches!(e, TeamError::NoDatabase(_)), "{e:?}");
    assert!(e.user_message().contains("no database of that name"));

    let mut nowhere = pg.settings("subdesk_app");
    nowhere.host = format!("{}/nowhere", pg.dir.path().display());
    let e = subdesk_team::test(&nowhere, "test").await.unwrap_err();
    assert!(matches!(e, TeamError::Unreachable(_)), "{e:?}");
    assert!(e
        .user_message()
        .starts_with("Subdesk cannot reach the team database."));

    let mut blank = pg.settings("subdesk_app");
    blank.user = " ".into();
    let e = subdesk_team::test(&blank, "test").await.unwrap_err();
    assert_eq!(
        e.user_message(),
        "Enter the user name Subdesk signs in to the team database with."
    );

    let mut bad_ca = pg.settings("subdesk_app");
    bad_ca.host = "db.example.org".into();
    bad_ca.ca_file = Some(pg.dir.path().join("missing.pem").display().to_string());
    let e = subdesk_team::test(&bad_ca, "test").await.unwrap_err();
    assert!(matches!(e, TeamError::CaFile(_)), "{e:?}");
    assert!(e
        .user_message()
        .starts_with("Subdesk cannot use the CA file"));

    // A newer schema is refused before anything is written.
    let owner = connect(&pg.conninfo("postgres")).await.unwrap();
    owner
        .batch_execute("UPDATE subdesk_schema SET version = 9")
        .await
        .unwrap();
    let e = subdesk_team::test(&pg.settings("subdesk_app"), "test")
        .await
        .unwrap_err();
    assert!(matches!(e, TeamError::NewerSchema(9)), "{e:?}");
    // An older one: its admin is asked to bring it up to date.
    owner
        .batch_execute("UPDATE subdesk_schema SET version = 1")
        .await
        .unwrap();
    let e = subdesk_team::test(&pg.settings("subdesk_app"), "test")
        .await
        .unwrap_err();
    assert!(matches!(e, TeamError::OlderSchema(1)), "{e:?}");
    assert!(e.user_message().contains("older Subdesk"), "{e:?}");
}

/// A trail set up at schema 1 (before History's state table) is brought up to date with each
/// entry's last outcome, as the admin's upgrade (the migration's file run alone) does it; the
/// app's role then reads it, and new outcomes keep it current.
#[tokio::test]
async fn a_schema_1_trail_is_upgraded_with_each_entrys_last_outcome() {
    let pg = Pg::start();
    let owner = connect(&pg.conninfo("postgres")).await.unwrap();
    owner
        .batch_execute(include_str!("../sql/001_schema.sql"))
        .await
        .unwrap();
    owner
        .batch_execute(
            "CREATE ROLE subdesk_app LOGIN PASSWORD 'test';
             GRANT SELECT ON subdesk_schema TO subdesk_app;
             GRANT SELECT, INSERT ON entries, outcomes TO subdesk_app;
             GRANT USAGE ON SEQUENCE entries_id_seq, outcomes_id_seq TO subdesk_app;
             GRANT SELECT, INSERT, UPDATE, DELETE ON claims TO subdesk_app;",
        )
        .await
        .unwrap();
    let desk = Desk::new(
        pg.pool("subdesk_app"),
        "dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let (done, doubt, open) = (
        desk.begin(&entry("d/1", "AC1")).await.unwrap(),
        desk.begin(&entry("d/2", "AC2")).await.unwrap(),
        desk.begin(&entry("d/3", "AC3")).await.unwrap(),
    );
    for (id, o) in [
        (done, "unknown"),
        (done, "succeeded"),
        (done, "unknown"),
        (doubt, "unknown"),
    ] {
        let o = NewOutcome {
            outcome: o.into(),
            ..Default::default()
        };
        desk.outcome(id, &o).await.unwrap();
    }
    owner
        .batch_execute(include_str!("../sql/002_last_outcome.sql"))
        .await
        .unwrap();
    let app = connect(&pg.conninfo("subdesk_app")).await.unwrap();
    let state = |rows: Vec<tokio_postgres::Row>| -> Vec<(i64, String)> {
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    };
    let read = "SELECT entry_id, outcome FROM entry_state ORDER BY entry_id";
    assert_eq!(
        state(app.query(read, &[]).await.unwrap()),
        vec![
            (done, "succeeded".to_string()),
            (doubt, "unknown".to_string()),
            (open, "pending".to_string())
        ]
    );
    assert_eq!(
        subdesk_team::schema_version(&app).await.unwrap(),
        SCHEMA_VERSION
    );
    let o = NewOutcome {
        outcome: "failed".into(),
        ..Default::default()
    };
    desk.outcome(doubt, &o).await.unwrap();
    let added = desk.begin(&entry("d/4", "AC4")).await.unwrap();
    assert_eq!(
        state(app.query(read, &[]).await.unwrap()),
        vec![
            (done, "succeeded".to_string()),
            (doubt, "failed".to_string()),
            (open, "pending".to_string()),
            (added, "pending".to_string())
        ]
    );
    let counts = "SELECT outcome, sum(n)::bigint FROM trail_counts GROUP BY outcome
                  HAVING sum(n) <> 0 ORDER BY outcome";
    let counted: Vec<(String, i64)> = app
        .query(counts, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        counted,
        vec![
            ("failed".to_string(), 1),
            ("pending".to_string(), 2),
            ("succeeded".to_string(), 1)
        ]
    );
    // The state is the server's: the app's role cannot write it.
    let e = app
        .execute("UPDATE entry_state SET outcome = 'succeeded'", &[])
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("permission denied"), "{e:?}");
    let e = app
        .execute("UPDATE trail_counts SET n = 0", &[])
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("permission denied"), "{e:?}");
}

/// A private CA, and a server certificate for 127.0.0.1 it signed: (CA PEM, cert PEM, key PEM).
fn private_ca() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn tls_is_used_with_a_private_ca_and_its_failures_have_their_sentences() {
    let (ca, cert, key) = private_ca();
    let pg = Pg::start_with(PgOpts {
        tcp: true,
        tls: Some((cert, key)),
    });
    set_up(&pg).await;
    let mut s = pg.tcp_settings("subdesk_app");
    s.require_tls = true;

    // The system's roots do not know the team's own CA.
    let e = subdesk_team::test(&s, "test").await.unwrap_err();
    assert!(matches!(e, TeamError::TlsUntrusted(_)), "{e:?}");
    assert!(e.user_message().contains("choose its CA file"));

    let ca_path = pg.dir.path().join("team-ca.pem");
    std::fs::write(&ca_path, ca).unwrap();
    s.ca_file = Some(ca_path.display().to_string());
    let ok = subdesk_team::test(&s, "test").await.unwrap();
    assert!(ok.tls);
    assert!(
        ok.user_message().ends_with("encrypted (TLS)."),
        "{}",
        ok.user_message()
    );
    // The server itself says the session is encrypted.
    let pool = TeamPool::open(&s, "test").unwrap();
    let c = pool.get().await.unwrap();
    let ssl: bool = c
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(ssl, "the server sees a TLS session");
}

#[tokio::test]
async fn a_server_without_tls_is_refused_when_tls_is_required() {
    let pg = Pg::start_with(PgOpts {
        tcp: true,
        tls: None,
    });
    set_up(&pg).await;
    let mut s = pg.tcp_settings("subdesk_app");
    assert!(
        subdesk_team::test(&s, "test").await.is_ok(),
        "loopback without TLS is allowed"
    );
    s.require_tls = true;
    let e = subdesk_team::test(&s, "test").await.unwrap_err();
    assert!(matches!(e, TeamError::TlsRefused), "{e:?}");
    assert!(e
        .user_message()
        .starts_with("The team database does not offer an encrypted (TLS) connection"));
}

#[tokio::test]
async fn the_pool_recovers_by_itself_when_the_server_is_back() {
    let pg = Pg::start();
    set_up(&pg).await;
    let desk = Desk::new(
        pg.pool("subdesk_app"),
        "Dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    assert_eq!(
        desk.claim(&key("AC5"), "suspend").await.unwrap(),
        Claimed::Ours
    );
    pg.stop();
    let e = desk.claim(&key("AC6"), "suspend").await.unwrap_err();
    assert!(
        matches!(e, TeamError::Unreachable(_) | TeamError::Db(_)),
        "{e:?}"
    );
    pg.restart();
    // The same handle, with no reconnect by the caller: the claim taken before the restart
    // is still ours, and a new one can be taken.
    assert_eq!(
        desk.claim(&key("AC6"), "suspend").await.unwrap(),
        Claimed::Ours
    );
    assert_eq!(
        desk.claim(&key("AC5"), "suspend").await.unwrap(),
        Claimed::Ours
    );
}
