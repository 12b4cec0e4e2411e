//! The shared team trail on PostgreSQL: the settings and how the server is reached (TLS, a pool,
//! *Test*), the schema and its migrations, append-only entries and outcomes, and claims with a
//! lease. No Postgres type leaves this crate. Core's in-flight and
//! history interfaces are what it sits behind, and [`Team`] is what the app turns on and off.
//!
//! What the server enforces (sql/001_schema.sql, sql/setup.sql): the app's role may read and
//! insert entries and outcomes, never change or delete them (grants, and triggers for every
//! role); an entry gets at most one final outcome (a unique index); a claim is one row per
//! (provider, parent account, subaccount), taken over only once its lease ran out.

use std::time::Duration;

mod app;
mod in_flight;
mod pool;
mod settings;
mod trail;

pub use app::{
    desktop_name, MemoryTeamStore, SavedTeam, Team, TeamInput, TeamStore, TeamTested, TeamView,
    PASSWORD_KEY,
};
pub use in_flight::{move_in, MovedIn, TeamInFlight, DEFAULT_LEASE};

pub use pool::{test, TeamPool, Tested, CONNECT_TIMEOUT, POOL_SIZE};
pub use settings::TeamSettings;

use chrono::{DateTime, Utc};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

use uuid::Uuid;

/// The newest schema this version knows.
pub const SCHEMA_VERSION: i32 = 2;

/// Each migration sets the schema's version itself (so that an admin may run the file alone).
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../sql/001_schema.sql")),
    (2, include_str!("../sql/002_last_outcome.sql")),
];

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("the team database cannot be reached ({0})")]
    Unreachable(String),
    #[error("{0}")]
    Settings(String),
    #[error("the CA file cannot be used ({0})")]
    CaFile(String),
    #[error("the team database does not offer TLS")]
    TlsRefused,
    #[error("the team database's certificate is not trusted ({0})")]
    TlsUntrusted(String),
    #[error("the team database does not exist ({0})")]
    NoDatabase(String),
    #[error("the database is empty: Subdesk's setup script has not been run on it")]
    NotSetUp,
    #[error("the team database refused the user name or password")]
    WrongPassword,
    #[error("this database has tables, but not Subdesk's")]
    NotSubdesk,
    #[error("the team database was set up by a newer Subdesk (schema {0})")]
    NewerSchema(i32),
    #[error("the team database has an older schema ({0}) than this Subdesk needs")]
    OlderSchema(i32),
    #[error("refused by the team database: {0}")]
    Refused(String),
    #[error("team database: {0}")]
    Db(String),
}

impl TeamError {
    /// One sentence for the Settings panel's *Test*.
    pub fn user_message(&self) -> String {
        match self {
            TeamError::Unreachable(_) => "Subdesk cannot reach the team database. Check the host and port, and that this computer may connect to it.".into(),
            TeamError::Settings(sentence) => sentence.clone(),
            TeamError::CaFile(m) => format!("Subdesk cannot use the CA file ({m}). Choose the PEM file of the certificate authority that signed the server's certificate."),
            TeamError::TlsRefused => "The team database does not offer an encrypted (TLS) connection, and Subdesk connects to another computer only with one. Ask whoever runs the database to turn TLS on.".into(),
            TeamError::TlsUntrusted(_) => "The team database's certificate is not trusted by this computer. If your team uses its own certificate authority, choose its CA file.".into(),
            TeamError::NoDatabase(_) => "The server has no database of that name. Check the database name with whoever runs it.".into(),
            TeamError::NotSetUp => "This database is empty: Subdesk's setup script has not been run on it. Ask whoever runs the database to run it (see the README's Team history).".into(),
            TeamError::WrongPassword => "The team database refused the user name or password. Check them with whoever runs the database.".into(),
            TeamError::NotSubdesk => "This database is not a Subdesk team database. Ask whoever runs it to run Subdesk's setup script on an empty database.".into(),
            TeamError::NewerSchema(v) => format!("The team database was set up by a newer Subdesk (schema {v}). Update Subdesk on this computer before using it."),
            TeamError::OlderSchema(v) => format!("The team database was set up by an older Subdesk (schema {v}). Ask whoever runs it to bring it up to date (see the README's Team history, Upgrading)."),
            TeamError::Refused(m) => format!("The team database refused the change ({m}). Nothing was changed."),
            TeamError::Db(m) => format!("The team database answered with an error ({m}). Try again; if it goes on, tell whoever runs the database."),
        }
    }
}

pub(crate) fn db_error(e: tokio_postgres::Error) -> TeamError {
    match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            TeamError::WrongPassword
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => TeamError::NoDatabase(e.to_string()),
        Some(c)
            if *c == SqlState::INSUFFICIENT_PRIVILEGE
                || *c == SqlState::UNIQUE_VIOLATION
                || *c == SqlState::RAISE_EXCEPTION =>
        {
            TeamError::Refused(
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string()),
            )
        }
        Some(_) => TeamError::Db(e.to_string()),
        None => tls_problem(&e).unwrap_or_else(|| TeamError::Unreachable(chain(&e))),
    }
}

/// The error and its sources, in one line (for the logs; the user sees the sentence).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

/// A TLS failure among the error's sources: the server offers no TLS, or its certificate is not
/// trusted.
fn tls_problem(e: &(dyn std::error::Error + 'static)) -> Option<TeamError> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = next {
        // An io::Error hides the error it wraps from source(): ask it directly.
        let inner = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|i| i.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(why)) =
            inner.or_else(|| s.downcast_ref::<rustls::Error>())
        {
            return Some(TeamError::TlsUntrusted(format!("{why:?}")));
        }
        if s.to_string().contains("server does not support TLS") {
            return Some(TeamError::TlsRefused);
        }
        next = s.source();
    }
    None
}

/// Connects with a libpq-style connection string (`host=… port=… user=… dbname=…`). Loopback
/// and Unix sockets only in this slice: TLS to other hosts comes with the Settings panel.
pub async fn connect(conninfo: &str) -> Result<Client, TeamError> {
    let (client, connection) = tokio_postgres::connect(conninfo, NoTls)
        .await
        .map_err(db_error)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "team database connection ended");
        }
    });
    Ok(client)
}

/// Brings an empty database to [`SCHEMA_VERSION`]; refuses a newer schema, or a database that
/// has tables of something else. Returns the version in force.
pub async fn migrate(client: &mut Client) -> Result<i32, TeamError> {
    let tables = public_tables(client).await?;
    let version = match tables {
        0 => 0,
        _ => schema_version(client).await?,
    };
    if version > SCHEMA_VERSION {
        return Err(TeamError::NewerSchema(version));
    }
    for (_, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > version) {
        let tx = client.transaction().await.map_err(db_error)?;
        tx.batch_execute(sql).await.map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
    }
    Ok(version.max(SCHEMA_VERSION))
}

/// How many tables the database's public schema has (none: an empty database).
pub(crate) async fn public_tables(client: &Client) -> Result<i64, TeamError> {
    Ok(client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .await
        .map_err(db_error)?
        .get(0))
}

/// An open entry from a row of (id, action, started_at, actor, desktop).
fn open_entry(r: &tokio_postgres::Row) -> OpenEntry {
    OpenEntry {
        id: r.get(0),
        action: r.get(1),
        started_at: r.get(2),
        actor: r.get(3),
        desktop: r.get(4),
    }
}

/// The schema's version, for a database that has tables.
pub async fn schema_version(client: &Client) -> Result<i32, TeamError> {
    match client
        .query_one("SELECT version FROM subdesk_schema", &[])
        .await
    {
        Ok(row) => Ok(row.get(0)),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Err(TeamError::NotSubdesk),
        Err(e) => Err(db_error(e)),
    }
}

/// The account a claim or an entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountKey {
    pub provider: String,
    pub parent_account: String,
    pub account_id: String,
}

/// An entry as written before the request goes out.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Where it was first written (`<desktop uuid>/<local id>`): copies are idempotent.
    pub origin: String,
    /// When it started where it was first written; `None`: now (the server's clock).
    pub started_at: Option<DateTime<Utc>>,
    pub actor: String,
    pub operator_name: Option<String>,
    pub desktop: String,
    pub connection_label: String,
    pub account: AccountKey,
    pub account_name: String,
    pub action: String,
    pub status_before: Option<String>,
    pub job_id: Option<String>,
    pub snapshot: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewOutcome {
    /// `succeeded`, `failed`, `skipped`, `not_started` (final), or `unknown`.
    pub outcome: String,
    pub status_after: Option<String>,
    pub request_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub duration_ms: Option<i64>,
    pub reconciled: bool,
    /// When it was written where it was first written; `None`: now.
    pub written_at: Option<DateTime<Utc>>,
}

/// An entry of an account with no final outcome: the account is in doubt for every desktop.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenEntry {
    pub id: i64,
    pub action: String,
    pub started_at: DateTime<Utc>,
    pub actor: String,
    pub desktop: String,
}

/// One entry of the shared trail with its last outcome, for History.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailEntry {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub actor: String,
    pub operator_name: Option<String>,
    pub desktop: String,
    pub account: AccountKey,
    pub account_name: String,
    pub action: String,
    /// The final outcome, or `unknown` / `pending` (no outcome row yet).
    pub outcome: String,
}

/// A filter of the shared trail (empty fields do not filter).
#[derive(Debug, Clone, Default)]
pub struct TrailFilter {
    pub account: Option<AccountKey>,
    pub action: Option<String>,
    pub desktop: Option<String>,
}

/// What [`Desk::claim`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Claimed {
    Ours,
    /// "Dana, on DESKTOP-2, started a Close 40 s ago."
    HeldBy {
        operator: String,
        desktop: String,
        action: String,
        since: DateTime<Utc>,
    },
}

/// One desktop's handle on the team database.
pub struct Desk {
    pool: TeamPool,
    /// This desktop's claims carry it; a restart is a new holder.
    holder: Uuid,
    operator: String,
    desktop: String,
    lease: Duration,
}

/// A statement as this connection prepared it the first time: the server parses and plans
/// each of a desktop's few statements once per connection, not at every call.
async fn prepared(
    client: &deadpool_postgres::Object,
    sql: &str,
) -> Result<tokio_postgres::Statement, TeamError> {
    client.prepare_cached(sql).await.map_err(db_error)
}

impl Desk {
    pub fn new(pool: TeamPool, operator: &str, desktop: &str, lease: Duration) -> Desk {
        Desk {
            pool,
            holder: Uuid::new_v4(),
            operator: operator.into(),
            desktop: desktop.into(),
            lease,
        }
    }

    /// Writes an entry, or finds the one with the same origin (a second copy adds nothing).
    pub async fn begin(&self, e: &NewEntry) -> Result<i64, TeamError> {
        Ok(self.begin_new(e).await?.0)
    }

    /// [`Self::begin`], and whether this call wrote it (false: it was there already).
    pub async fn begin_new(&self, e: &NewEntry) -> Result<(i64, bool), TeamError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                &prepared(
                    &client,
                    "INSERT INTO entries (origin, actor, operator_name, desktop, connection_label,
                    provider, parent_account, account_id, account_name, action, status_before,
                    job_id, snapshot, reason, started_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                         COALESCE($15, now()))
                 ON CONFLICT (origin) DO NOTHING RETURNING id",
                )
                .await?,
                &[
                    &e.origin,
                    &e.actor,
                    &e.operator_name,
                    &e.desktop,
                    &e.connection_label,
                    &e.account.provider,
                    &e.account.parent_account,
                    &e.account.account_id,
                    &e.account_name,
                    &e.action,
                    &e.status_before,
                    &e.job_id,
                    &e.snapshot,
                    &e.reason,
                    &e.started_at,
                ],
            )
            .await
            .map_err(db_error)?;
        match row {
            Some(r) => Ok((r.get(0), true)),
            None => Ok((
                client
                    .query_one(
                        &prepared(&client, "SELECT id FROM entries WHERE origin = $1").await?,
                        &[&e.origin],
                    )
                    .await
                    .map_err(db_error)?
                    .get(0),
                false,
            )),
        }
    }

    /// Appends an outcome; a second final one for the same entry is refused by the server.
    pub async fn outcome(&self, entry: i64, o: &NewOutcome) -> Result<(), TeamError> {
        let client = self.pool.get().await?;
        client
            .execute(
                &prepared(
                    &client,
                    "INSERT INTO outcomes (entry_id, outcome, status_after, request_id, error_code,
                    error_message, duration_ms, reconciled, written_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, now()))",
                )
                .await?,
                &[
                    &entry,
                    &o.outcome,
                    &o.status_after,
                    &o.request_id,
                    &o.error_code,
                    &o.error_message,
                    &o.duration_ms,
                    &o.reconciled,
                    &o.written_at,
                ],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// The account's entries with no final outcome, written by any desktop.
    pub async fn open_for(&self, key: &AccountKey) -> Result<Vec<OpenEntry>, TeamError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &prepared(
                    &client,
                    "SELECT e.id, e.action, e.started_at, e.actor, e.desktop FROM entries e
                 WHERE e.provider = $1 AND e.parent_account = $2 AND e.account_id = $3
                   AND NOT EXISTS (SELECT 1 FROM outcomes o
                                   WHERE o.entry_id = e.id AND o.outcome <> 'unknown')
                 ORDER BY e.id",
                )
                .await?,
                &[&key.provider, &key.parent_account, &key.account_id],
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(open_entry).collect())
    }

    /// Every entry with no final outcome under one parent account, with its account id.
    pub async fn open_under(
        &self,
        provider: &str,
        parent_account: &str,
    ) -> Result<Vec<(String, OpenEntry)>, TeamError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &prepared(&client, "SELECT e.id, e.action, e.started_at, e.actor, e.desktop, e.account_id FROM entries e
                 WHERE e.provider = $1 AND e.parent_account = $2
                   AND NOT EXISTS (SELECT 1 FROM outcomes o
                                   WHERE o.entry_id = e.id AND o.outcome <> 'unknown')
                 ORDER BY e.id").await?,
                &[&provider, &parent_account],
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(|r| (r.get(5), open_entry(r))).collect())
    }

    /// A page of the trail, newest first: entries before `before_id` matching `f`.
    pub async fn page(
        &self,
        f: &TrailFilter,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<TrailEntry>, TeamError> {
        let client = self.pool.get().await?;
        // Built for the filter at hand, so that each shape gets its own plan (an account's
        // entries by their index, a page by id).
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::new();
        let mut arg = |v: &'static str, value, conds: &mut Vec<String>| {
            args.push(value);
            conds.push(format!("{v} = ${}", args.len()));
        };
        if let Some(k) = &f.account {
            arg("e.provider", &k.provider, &mut conds);
            arg("e.parent_account", &k.parent_account, &mut conds);
            arg("e.account_id", &k.account_id, &mut conds);
        }
        if let Some(a) = &f.action {
            arg("e.action", a, &mut conds);
        }
        if let Some(d) = &f.desktop {
            arg("e.desktop", d, &mut conds);
        }
        if let Some(b) = &before_id {
            args.push(b);
            conds.push(format!("e.id < ${}", args.len()));
        }
        args.push(&limit);
        let limit_arg = args.len();
        let where_sql = if conds.is_empty() {
            "TRUE".to_string()
        } else {
            conds.join(" AND ")
        };
        let sql = format!(
            "SELECT e.id, e.started_at, e.actor, e.operator_name, e.desktop, e.provider,
                    e.parent_account, e.account_id, e.account_name, e.action,
                    COALESCE((SELECT o.outcome FROM outcomes o WHERE o.entry_id = e.id
                              ORDER BY (o.outcome = 'unknown'), o.id DESC LIMIT 1), 'pending')
             FROM entries e WHERE {where_sql} ORDER BY e.id DESC LIMIT ${limit_arg}"
        );
        let rows = client.query(&sql, &args).await.map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| TrailEntry {
                id: r.get(0),
                started_at: r.get(1),
                actor: r.get(2),
                operator_name: r.get(3),
                desktop: r.get(4),
                account: AccountKey {
                    provider: r.get(5),
                    parent_account: r.get(6),
                    account_id: r.get(7),
                },
                account_name: r.get(8),
                action: r.get(9),
                outcome: r.get(10),
            })
            .collect())
    }

    /// How long a claim lives without renewal.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// This desktop's name, as its claims and entries carry it.
    pub fn desktop(&self) -> &str {
        &self.desktop
    }

    /// Takes the account for `action`, or says who holds it. A claim whose lease ran out
    /// (its desktop stopped renewing it) is taken over.
    pub async fn claim(&self, key: &AccountKey, action: &str) -> Result<Claimed, TeamError> {
        let client = self.pool.get().await?;
        let lease = self.lease.as_secs_f64();
        // One round trip: taken, or who holds it (as this statement's snapshot saw the claim).
        let row = client
            .query_opt(
                &prepared(
                    &client,
                    "WITH taken AS (
                    INSERT INTO claims (provider, parent_account, account_id, holder, operator,
                        desktop, action, lease_until)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
                    ON CONFLICT (provider, parent_account, account_id) DO UPDATE
                        SET holder = EXCLUDED.holder, operator = EXCLUDED.operator,
                            desktop = EXCLUDED.desktop, action = EXCLUDED.action,
                            since = now(), lease_until = EXCLUDED.lease_until
                        WHERE claims.lease_until < now() OR claims.holder = EXCLUDED.holder
                    RETURNING holder)
                 SELECT true, NULL::text, NULL::text, NULL::text, NULL::timestamptz FROM taken
                 UNION ALL
                 SELECT false, operator, desktop, action, since FROM claims
                 WHERE provider = $1 AND parent_account = $2 AND account_id = $3
                   AND NOT EXISTS (SELECT 1 FROM taken)",
                )
                .await?,
                &[
                    &key.provider,
                    &key.parent_account,
                    &key.account_id,
                    &self.holder,
                    &self.operator,
                    &self.desktop,
                    &action,
                    &lease,
                ],
            )
            .await
            .map_err(db_error)?;
        let r = match row {
            Some(r) if r.get::<_, bool>(0) => return Ok(Claimed::Ours),
            Some(r) => r,
            // The holder's claim was written after this statement's snapshot: read it now.
            None => client
                .query_one(
                    &prepared(
                        &client,
                        "SELECT false, operator, desktop, action, since FROM claims
                     WHERE provider = $1 AND parent_account = $2 AND account_id = $3",
                    )
                    .await?,
                    &[&key.provider, &key.parent_account, &key.account_id],
                )
                .await
                .map_err(db_error)?,
        };
        Ok(Claimed::HeldBy {
            operator: r.get(1),
            desktop: r.get(2),
            action: r.get(3),
            since: r.get(4),
        })
    }

    /// What the trail says of an account about to be acted on, in one round trip: its entries
    /// with no final outcome (written by any desktop: the account is in doubt), and whether a
    /// close of it succeeded (it is closed: a closed account cannot be changed or reopened).
    pub async fn before_acting(
        &self,
        key: &AccountKey,
    ) -> Result<(Vec<OpenEntry>, bool), TeamError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &prepared(
                    &client,
                    "SELECT e.id, e.action, e.started_at, e.actor, e.desktop, s.outcome
                 FROM entries e JOIN entry_state s ON s.entry_id = e.id
                 WHERE e.provider = $1 AND e.parent_account = $2 AND e.account_id = $3
                   AND (s.outcome IN ('pending', 'unknown')
                        OR (e.action = 'close' AND s.outcome = 'succeeded'))
                 ORDER BY e.id",
                )
                .await?,
                &[&key.provider, &key.parent_account, &key.account_id],
            )
            .await
            .map_err(db_error)?;
        let closed = rows.iter().any(|r| r.get::<_, String>(5) == "succeeded");
        let open = rows
            .iter()
            .filter(|r| r.get::<_, String>(5) != "succeeded")
            .map(open_entry)
            .collect();
        Ok((open, closed))
    }

    /// The accounts under one parent account other desktops hold now (their lease has not run
    /// out), by account id.
    pub async fn held_under(
        &self,
        provider: &str,
        parent_account: &str,
    ) -> Result<Vec<(String, Claimed)>, TeamError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &prepared(
                    &client,
                    "SELECT account_id, operator, desktop, action, since FROM claims
                 WHERE provider = $1 AND parent_account = $2 AND holder <> $3
                   AND lease_until > now()",
                )
                .await?,
                &[&provider, &parent_account, &self.holder],
            )
            .await
            .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    Claimed::HeldBy {
                        operator: r.get(1),
                        desktop: r.get(2),
                        action: r.get(3),
                        since: r.get(4),
                    },
                )
            })
            .collect())
    }

    /// Gives the account back (only this desktop's own claim).
    pub async fn release(&self, key: &AccountKey) -> Result<(), TeamError> {
        let client = self.pool.get().await?;
        client
            .execute(
                &prepared(
                    &client,
                    "DELETE FROM claims WHERE provider = $1 AND parent_account = $2
                    AND account_id = $3 AND holder = $4",
                )
                .await?,
                &[
                    &key.provider,
                    &key.parent_account,
                    &key.account_id,
                    &self.holder,
                ],
            )
            .await
            .map_err(db_error)?;
        Ok(())
    }
}
