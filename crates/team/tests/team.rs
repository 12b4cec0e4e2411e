//! The team trail against a real PostgreSQL (Debian's `postgresql` package, installed by
//! ./scripts/test): each test starts a throwaway server in a temporary folder, listening on a
//! Unix socket in that folder only (no TCP port, so nothing to probe or race for), as the
//! `postgres` user when the tests run as root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use subdesk_team::{connect, migrate, AccountKey, Claimed, Desk, NewEntry, NewOutcome, TeamError};

struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

fn pg_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .filter(|b| b.join("initdb").exists())
        .expect("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): ./scripts/test installs it (apt package postgresql)")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

/// Runs a PostgreSQL tool, as `postgres` when we are root (initdb refuses root).
fn run(bin: &Path, tool: &str, args: &[&str]) {
    let exe = bin.join(tool);
    let out = if is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&exe)
            .args(args)
            .output()
    } else {
        Command::new(&exe).args(args).output()
    };
    let out = out.unwrap_or_else(|e| panic!("{tool} could not start: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Pg {
    fn start() -> Pg {
        let bin = pg_bin();
        let dir = tempfile::Builder::new()
            .prefix("subdesk-pg-")
            .tempdir()
            .unwrap();
        if is_root() {
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status();
            assert!(
                st.is_ok_and(|s| s.success()),
                "chown of the server's folder"
            );
        }
        let data = dir.path().join("data");
        let (data_s, sock) = (data.display().to_string(), dir.path().display().to_string());
        run(
            &bin,
            "initdb",
            &[
                "-D",
                &data_s,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        let opts = format!("-c listen_addresses='' -k {sock} -c fsync=off");
        let log = dir.path().join("server.log").display().to_string();
        run(
            &bin,
            "pg_ctl",
            &[
                "-D", &data_s, "-o", &opts, "-l", &log, "-w", "-t", "60", "start",
            ],
        );
        Pg { dir, bin }
    }

    fn conninfo(&self, user: &str) -> String {
        format!(
            "host={} user={user} dbname=postgres",
            self.dir.path().display()
        )
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        run(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }
}

/// The schema, and the app's role as sql/setup.sql creates it.
async fn set_up(pg: &Pg) {
    let mut owner = connect(&pg.conninfo("postgres")).await.unwrap();
    assert_eq!(migrate(&mut owner).await.unwrap(), 1);
    let setup = include_str!("../sql/setup.sql");
    let grants: String = setup
        .lines()
        .filter(|l| !l.starts_with("\\i") && !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(":app_password", "'test'");
    owner.batch_execute(&grants).await.unwrap();
}

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
    let app = connect(&pg.conninfo("subdesk_app")).await.unwrap();
    let desk = Desk::new(app, "dana", "DESKTOP-1", Duration::from_secs(60));
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
        connect(&pg.conninfo("subdesk_app")).await.unwrap(),
        "Dana",
        "DESKTOP-1",
        Duration::from_millis(400),
    );
    let b = Desk::new(
        connect(&pg.conninfo("subdesk_app")).await.unwrap(),
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
        connect(&pg.conninfo("subdesk_app")).await.unwrap(),
        "Dana",
        "DESKTOP-1",
        Duration::from_secs(60),
    );
    let b = Desk::new(
        connect(&pg.conninfo("subdesk_app")).await.unwrap(),
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
    assert_eq!(migrate(&mut owner).await.unwrap(), 1);
    assert_eq!(migrate(&mut owner).await.unwrap(), 1, "idempotent");
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
