//! A throwaway PostgreSQL server for the tests (Debian's `postgresql` package, installed by
//! ./scripts/test): initdb and pg_ctl in a temporary folder, as the `postgres` user when the
//! tests run as root, on a Unix socket in that folder (and a loopback port when asked).

use std::path::{Path, PathBuf};
use std::process::Command;

use subdesk_team::{connect, migrate, TeamPool, TeamSettings};

pub struct Pg {
    pub dir: tempfile::TempDir,
    bin: PathBuf,
    /// The loopback TCP port, when the server listens on one.
    port: Option<u16>,
}

/// How a test server is started.
#[derive(Default)]
pub struct PgOpts {
    /// Also listen on 127.0.0.1 (for TLS, which a Unix socket does not carry).
    pub tcp: bool,
    /// TLS on, with this certificate and key (PEM).
    pub tls: Option<(String, String)>,
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
    pub fn start() -> Pg {
        Pg::start_with(PgOpts::default())
    }

    pub fn start_with(opts: PgOpts) -> Pg {
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

    pub fn conninfo(&self, user: &str) -> String {
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
    pub fn settings(&self, user: &str) -> TeamSettings {
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
    pub fn tcp_settings(&self, user: &str) -> TeamSettings {
        TeamSettings {
            host: "127.0.0.1".into(),
            port: self.port.expect("started with tcp"),
            ..self.settings(user)
        }
    }

    /// The app's pool, as a desktop opens it.
    pub fn pool(&self, user: &str) -> TeamPool {
        TeamPool::open(&self.settings(user), "test").unwrap()
    }

    pub fn stop(&self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = try_run(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
    }

    /// Starts the stopped server again, as it was.
    pub fn restart(&self) {
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
pub async fn set_up(pg: &Pg) {
    let mut owner = connect(&pg.conninfo("postgres")).await.unwrap();
    assert_eq!(
        migrate(&mut owner).await.unwrap(),
        subdesk_team::SCHEMA_VERSION
    );
    let setup = include_str!("../../team/sql/setup.sql");
    let grants: String = setup
        .lines()
        .filter(|l| !l.starts_with("\\i") && !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(":app_password", "'test'");
    owner.batch_execute(&grants).await.unwrap();
}
