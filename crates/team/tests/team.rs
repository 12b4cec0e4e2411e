//! The team trail against a real PostgreSQL (Debian's `postgresql` package, installed by
//! ./scripts/test): each test starts a throwaway server in a temporary folder, listening on a
//! Unix socket in that folder only (no TCP port, so nothing to probe or race for), as the
//! `postgres` user when the tests run as root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use subdesk_team::{
    connect, migrate, AccountKey, Claimed, Desk, NewEntry, NewOutcome, TeamError, TeamPool,
    TeamSettings,
};

struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The loopback TCP port, when the server listens on one.
    port: Option<u16>,
}

/// How a test server is started.
#[derive(Default)]
struct PgOpts {
    /// Also listen on 127.0.0.1 (for TLS, which a Unix socket does not carry).
    tcp: bool,
    /// TLS on, with this certificate and key (PEM).
    tls: Option<(String, String)>,
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
fn try_run(bin: &Path, tool: &str, args: &[&str]) -> Result<(), String> {
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
    let out = out.map_err(|e| format!("{tool} could not start: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{tool} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn run(bin: &Path, tool: &str, args: &[&str]) {
    if let Err(e) = try_run(bin, tool, args) {
        panic!("{e}");
    }
}

fn write_as_server(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    if is_root() {
        let st = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&path)
            .status();
        assert!(st.is_ok_and(|s| s.success()), "chown {name}");
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.display().to_string()
}

impl Pg {
    fn start() -> Pg {
        Pg::start_with(PgOpts::default())
    }

    fn start_with(opts: PgOpts) -> Pg {
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
        // The owner signs in without a password (over this folder's socket or loopback);
        // every other role with its password, as on a team's server.
        write_as_server(
            &data,
            "pg_hba.conf",
            "local all postgres trust\nlocal all all scram-sha-256\n\
             host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
        );
        let mut opts_s = format!("-k {sock} -c fsync=off");
        if let Some((cert, key)) = &opts.tls {
            let cert = write_as_server(dir.path(), "server.crt", cert);
            let key = write_as_server(dir.path(), "server.key", key);
            opts_s.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={cert} -c ssl_key_file={key}"
            ));
        }
        let log = dir.path().join("server.log").display().to_string();
        if !opts.tcp {
            let o = format!("{opts_s} -c listen_addresses=''");
            run(
                &bin,
                "pg_ctl",
                &[
                    "-D", &data_s, "-o", &o, "-l", &log, "-w", "-t", "60", "start",
                ],
            );
            return Pg {
                dir,
                bin,
                port: None,
            };
        }
        // A loopback port: a taken one makes the start fail, and the next one is tried (no
        // probing before the start, so nothing can take it in between).
        let base = 20_000 + (std::process::id() % 20_000) as u16;
        for attempt in 0..20u16 {
            let port = base + attempt * 997 % 20_000;
            let o = format!("{opts_s} -c listen_addresses=127.0.0.1 -p {port}");
            match try_run(
                &bin,
                "pg_ctl",
                &[
                    "-D", &data_s, "-o", &o, "-l", &log, "-w", "-t", "60", "start",
                ],
            ) {
                Ok(()) => {
                    return Pg {
                        dir,
                        bin,
                        port: Some(port),
                    }
                }
                Err(e) => {
                    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
                    assert!(
                        server_log.contains("could not bind")
                            || server_log.contains("already in use"),
                        "{e}\n{server_log}"
                    );
                }
            }
        }
        panic!("no free loopback port for the test server in 20 tries");
    }

    fn conninfo(&self, user: &str) -> String {
        let password = if user == "postgres" {
            ""
        } else {
            " password=test"
        };
        format!(
            "host={} port={} user={user} dbname=postgres{password}",
            self.dir.path().display(),
            self.port.unwrap_or(5432)
        )
    }

    /// Settings that reach this server over its Unix socket.
    fn settings(&self, user: &str) -> TeamSettings {
        TeamSettings {
            host: self.dir.path().display().to_string(),
            port: self.port.unwrap_or(5432),
            database: "postgres".into(),
            user: user.into(),
            ca_file: None,
            require_tls: false,
        }
    }

    /// Settings that reach this server over loopback TCP.
    fn tcp_settings(&self, user: &str) -> TeamSettings {
        TeamSettings {
            host: "127.0.0.1".into(),
            port: self.port.expect("started with tcp"),
            ..self.settings(user)
        }
    }

    /// The app's pool, as a desktop opens it.
    fn pool(&self, user: &str) -> TeamPool {
        TeamPool::open(&self.settings(user), "test").unwrap()
    }

    fn stop(&self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = try_run(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }

    /// Starts the stopped server again, as it was.
    fn restart(&self) {
        let data = self.dir.path().join("data").display().to_string();
        let sock = self.dir.path().display().to_string();
        let log = self.dir.path().join("server.log").display().to_string();
        let o = format!("-k {sock} -c fsync=off -c listen_addresses=''");
        run(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-o", &o, "-l", &log, "-w", "-t", "60", "start"],
        );
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop();
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
    assert_eq!(ok.schema, 1);
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
