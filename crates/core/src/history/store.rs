//! The history database: SQLite in WAL mode, one row per action.
//!
//! An action is written as an *intent* (outcome `pending`) before the provider call and
//! completed once with its outcome after. Triggers make the table append-only: rows cannot be
//! deleted, and a row can only be changed while its outcome is still `pending` or `unknown`.
//! `synchronous=FULL` makes each intent durable before the request goes out, across a crash or a
//! power loss.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, ToSql};

use super::types::{ExportFormat, HistoryEntry, HistoryFilter, HistoryPage, Outcome};
use crate::error::{Error, Result};
use crate::model::{Action, Provider, Status};

/// Each entry is one schema step; `PRAGMA user_version` records how many ran.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE actions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at       TEXT    NOT NULL,
    finished_at      TEXT,
    actor            TEXT    NOT NULL,
    connection_id    TEXT    NOT NULL,
    connection_label TEXT    NOT NULL,
    provider         TEXT    NOT NULL,
    account_id       TEXT    NOT NULL,
    account_name     TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    status_before    TEXT,
    status_after     TEXT,
    outcome          TEXT    NOT NULL DEFAULT 'pending',
    request_id       TEXT,
    error_code       TEXT,
    error_message    TEXT,
    duration_ms      INTEGER,
    job_id           TEXT,
    snapshot         TEXT,
    reconciled       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX actions_started ON actions (started_at);
CREATE INDEX actions_account ON actions (account_id);
CREATE INDEX actions_open ON actions (outcome) WHERE outcome IN ('pending', 'unknown');
CREATE TRIGGER actions_no_delete BEFORE DELETE ON actions
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER actions_outcome_once BEFORE UPDATE ON actions
WHEN OLD.outcome NOT IN ('pending', 'unknown')
BEGIN SELECT RAISE(ABORT, 'a completed history entry cannot change'); END;
"#,
    // 2: the free-text search ("what happened to this account", a name, a request id) through a
    // trigram full-text index instead of a scan: any substring of 3 characters or more, any case.
    // It indexes the table's own text (external content), kept in step by triggers; the table
    // stays append-only (an entry changes once, when its outcome arrives).
    r#"
CREATE VIRTUAL TABLE actions_text USING fts5(
    account_name, account_id, connection_label, request_id, error_message, actor,
    content = 'actions', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER actions_text_insert AFTER INSERT ON actions BEGIN
    INSERT INTO actions_text (rowid, account_name, account_id, connection_label, request_id, error_message, actor)
    VALUES (NEW.id, NEW.account_name, NEW.account_id, NEW.connection_label, NEW.request_id, NEW.error_message, NEW.actor);
END;
CREATE TRIGGER actions_text_update AFTER UPDATE ON actions BEGIN
    INSERT INTO actions_text (actions_text, rowid, account_name, account_id, connection_label, request_id, error_message, actor)
    VALUES ('delete', OLD.id, OLD.account_name, OLD.account_id, OLD.connection_label, OLD.request_id, OLD.error_message, OLD.actor);
    INSERT INTO actions_text (rowid, account_name, account_id, connection_label, request_id, error_message, actor)
    VALUES (NEW.id, NEW.account_name, NEW.account_id, NEW.connection_label, NEW.request_id, NEW.error_message, NEW.actor);
END;
INSERT INTO actions_text (actions_text) VALUES ('rebuild');
"#,
];

/// What is known before the provider call.
#[derive(Debug, Clone)]
pub struct Intent {
    pub actor: String,
    pub connection_id: String,
    pub connection_label: String,
    pub provider: Provider,
    pub account_id: String,
    pub account_name: String,
    pub action: Action,
    pub status_before: Option<Status>,
    pub job_id: Option<String>,
    pub snapshot: Option<String>,
}

/// What is known after it.
#[derive(Debug, Clone)]
pub struct Completion {
    pub outcome: Outcome,
    pub status_after: Option<Status>,
    pub request_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub duration_ms: Option<i64>,
    pub reconciled: bool,
}

impl Completion {
    pub fn outcome(outcome: Outcome) -> Completion {
        Completion {
            outcome,
            status_after: None,
            request_id: None,
            error_code: None,
            error_message: None,
            duration_ms: None,
            reconciled: false,
        }
    }

    pub fn with_error(mut self, e: &Error) -> Completion {
        self.error_code = Some(e.code().as_str().to_string());
        self.error_message = Some(e.user_message());
        self
    }
}

pub struct History {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// An exclusive lock on `<history>.lock` for the life of the store: one writer at a time, so
    /// a second Subdesk window cannot reconcile the first one's in-flight actions.
    _lock: Option<std::fs::File>,
}

/// The result of opening the history at start-up: the store, and a sentence for the user when
/// something was wrong with the file.
pub struct Opened {
    pub history: History,
    pub problem: Option<String>,
}

pub fn now_iso() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl History {
    /// Opens (or creates) the database. A damaged file is moved aside, never deleted, and a new
    /// one is started; the returned `problem` says so. A locked file is an error: the caller
    /// keeps the app open without history, and refuses actions.
    pub fn open(path: &Path) -> Result<Opened> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(Error::storage)?;
        }
        let lock = Self::take_lock(path)?;
        match Self::open_checked(path, &lock) {
            Ok(history) => Ok(Opened {
                history,
                problem: None,
            }),
            Err(OpenError::Locked(e)) => Err(Error::Storage {
                detail: format!("the history file is locked by another program ({e}); close other Subdesk windows"),
            }),
            Err(OpenError::Refused(e)) => Err(Error::Storage { detail: e }),
            Err(OpenError::Damaged(reason)) => {
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                let aside = path.with_extension(format!("damaged-{stamp}.db"));
                std::fs::rename(path, &aside).map_err(Error::storage)?;
                for ext in ["db-wal", "db-shm"] {
                    let side = path.with_extension(ext);
                    if side.exists() {
                        let _ = std::fs::rename(&side, aside.with_extension(ext));
                    }
                }
                let history = Self::open_checked(path, &lock).map_err(|e| Error::Storage {
                    detail: e.to_string(),
                })?;
                Ok(Opened {
                    history,
                    problem: Some(format!(
                        "The history file was damaged ({reason}). Subdesk kept it aside as {} and started a new history. Keep that file if you need the old entries.",
                        aside.display()
                    )),
                })
            }
        }
    }

    /// An in-memory history, for tests.
    pub fn in_memory() -> Result<History> {
        let conn = Connection::open_in_memory()?;
        migrate(&conn).map_err(|_| Error::storage("could not set up the in-memory history"))?;
        Ok(History {
            conn: Mutex::new(conn),
            path: PathBuf::from(":memory:"),
            _lock: None,
        })
    }

    fn take_lock(path: &Path) -> Result<std::fs::File> {
        let lock_path = path.with_extension("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(Error::storage)?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Storage {
                detail: "another Subdesk window is already open and keeps the history; use that window, or close it and start Subdesk again".into(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::storage(e)),
        }
    }

    fn open_checked(path: &Path, lock: &std::fs::File) -> std::result::Result<History, OpenError> {
        let conn = Connection::open(path).map_err(OpenError::from_sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .map_err(OpenError::from_sqlite)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(OpenError::from_sqlite)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(OpenError::from_sqlite)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(OpenError::from_sqlite)?;
        if check != "ok" {
            return Err(OpenError::Damaged(check));
        }
        migrate(&conn).map_err(|e| match e {
            MigrateError::TooNew => OpenError::Refused(
                "the history was written by a newer Subdesk; update Subdesk to open it".into(),
            ),
            MigrateError::Sqlite(e) => OpenError::from_sqlite(e),
        })?;
        Ok(History {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            _lock: lock.try_clone().ok(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep going.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the intent; durable when this returns.
    pub fn begin(&self, i: &Intent) -> Result<i64> {
        self.insert(i, &Completion::outcome(Outcome::Pending))
    }

    /// Records an item that ends without a provider call (skipped, not started), in one write:
    /// a crash can never leave it looking like an open intent.
    pub fn record(&self, i: &Intent, c: &Completion) -> Result<i64> {
        self.insert(i, c)
    }

    fn insert(&self, i: &Intent, c: &Completion) -> Result<i64> {
        let conn = self.lock();
        let now = now_iso();
        let finished = !matches!(c.outcome, Outcome::Pending | Outcome::Unknown);
        conn.execute(
            "INSERT INTO actions (started_at, finished_at, actor, connection_id, connection_label, provider,
                account_id, account_name, action, status_before, job_id, snapshot,
                outcome, status_after, request_id, error_code, error_message, duration_ms, reconciled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            params![
                now,
                finished.then_some(&now),
                i.actor,
                i.connection_id,
                i.connection_label,
                i.provider.as_str(),
                i.account_id,
                i.account_name,
                i.action.as_str(),
                i.status_before.map(Status::as_str),
                i.job_id,
                i.snapshot,
                c.outcome.as_str(),
                c.status_after.map(Status::as_str),
                c.request_id,
                c.error_code,
                c.error_message,
                c.duration_ms,
                c.reconciled,
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    pub fn complete(&self, id: i64, c: &Completion) -> Result<()> {
        let conn = self.lock();
        let n = conn.execute(
            "UPDATE actions SET finished_at = ?2, outcome = ?3, status_after = ?4, request_id = COALESCE(?5, request_id),
                error_code = ?6, error_message = ?7, duration_ms = COALESCE(?8, duration_ms), reconciled = ?9
             WHERE id = ?1",
            params![
                id,
                (c.outcome != Outcome::Unknown).then(now_iso),
                c.outcome.as_str(),
                c.status_after.map(Status::as_str),
                c.request_id,
                c.error_code,
                c.error_message,
                c.duration_ms,
                c.reconciled,
            ],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::storage(format!("history entry {id} does not exist")))
        }
    }

    pub fn get(&self, id: i64) -> Result<Option<HistoryEntry>> {
        let conn = self.lock();
        Ok(conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM actions WHERE id = ?1"),
                [id],
                entry_from_row,
            )
            .optional()?)
    }

    /// Intents with no known outcome that can still be checked: in flight when the app stopped,
    /// or unreachable at the last start. Those whose connection is gone (a closed demo, a
    /// removed connection) stay unknown but are not checked again.
    pub fn open_intents(&self) -> Result<Vec<HistoryEntry>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM actions
             WHERE outcome = 'pending' OR (outcome = 'unknown' AND COALESCE(error_code, '') <> 'connection_missing')
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Intents left unknown because their connection was gone when reconciliation ran; they
    /// are checked again once a connection with that id exists again (a settings file restored,
    /// a demo reopened).
    /// The last action that succeeded on each account of a connection: `account_id ->
    /// (action, finished_at)`. For providers that do not report a state (Telnyx), the table
    /// shows it beside the account.
    pub fn last_succeeded(
        &self,
        connection_id: &str,
    ) -> Result<std::collections::HashMap<String, (String, String)>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT account_id, action, finished_at FROM actions
             WHERE connection_id = ?1 AND outcome = 'succeeded' AND finished_at IS NOT NULL
             ORDER BY id",
        )?;
        let rows = stmt.query_map([connection_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get::<_, String>(1)?, r.get::<_, String>(2)?),
            ))
        })?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (id, last) = row?;
            out.insert(id, last);
        }
        Ok(out)
    }

    pub fn intents_missing_connection(&self) -> Result<Vec<HistoryEntry>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM actions
             WHERE outcome = 'unknown' AND error_code = 'connection_missing'
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A page of entries, newest first.
    pub fn query(
        &self,
        f: &HistoryFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage> {
        let limit = limit.clamp(1, 1000);
        let (where_sql, args) = filter_sql(f);
        let conn = self.lock();
        let total: u32 = conn.query_row(
            &format!("SELECT COUNT(*) FROM actions WHERE {where_sql}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let mut sql = format!("SELECT {COLUMNS} FROM actions WHERE {where_sql}");
        let mut page_args = args;
        if let Some(b) = before_id {
            sql.push_str(" AND id < ?");
            page_args.push(Box::new(b));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", limit + 1));
        let mut stmt = conn.prepare(&sql)?;
        let mut entries: Vec<HistoryEntry> = stmt
            .query_map(params_from_iter(page_args.iter()), entry_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        let has_more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        Ok(HistoryPage {
            entries,
            total,
            has_more,
        })
    }

    /// Writes every entry matching the filter, newest first, to `out`. Returns the count.
    pub fn export(
        &self,
        f: &HistoryFilter,
        format: ExportFormat,
        out: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let (where_sql, args) = filter_sql(f);
        // A long export reads through its own connection (WAL lets it), so actions can keep
        // writing their intents meanwhile.
        let (reader, guard);
        let conn: &Connection = if self.path == Path::new(":memory:") {
            guard = self.lock();
            &guard
        } else {
            reader = Connection::open_with_flags(
                &self.path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )?;
            &reader
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM actions WHERE {where_sql} ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map(params_from_iter(args.iter()), entry_from_row)?;
        let mut n = 0u64;
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(CSV_HEADER).map_err(Error::storage)?;
                for row in rows {
                    w.write_record(csv_record(&row?)).map_err(Error::storage)?;
                    n += 1;
                }
                w.flush().map_err(Error::storage)?;
            }
            ExportFormat::Json => {
                out.write_all(b"[").map_err(Error::storage)?;
                for row in rows {
                    if n > 0 {
                        out.write_all(b",\n").map_err(Error::storage)?;
                    }
                    serde_json::to_writer(&mut *out, &row?).map_err(Error::storage)?;
                    n += 1;
                }
                out.write_all(b"]\n").map_err(Error::storage)?;
            }
        }
        Ok(n)
    }

    /// Exports to a file, written whole or not at all (a temp file renamed into place).
    pub fn export_to_path(
        &self,
        f: &HistoryFilter,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64> {
        // A temporary file with a random name, created exclusively beside the target (a file
        // or link planted under a predictable name is never followed), removed on any failure,
        // renamed over the target only once complete.
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".subdesk-export-")
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(Error::storage)?;
        let mut file = std::io::BufWriter::new(tmp);
        let n = self.export(f, format, &mut file)?;
        let tmp = file.into_inner().map_err(|e| Error::storage(e.error()))?;
        tmp.as_file().sync_all().map_err(Error::storage)?;
        tmp.persist(path).map_err(|e| Error::storage(e.error))?;
        Ok(n)
    }

    /// Runs SQLite's full integrity check ("ok" when sound).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .lock()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Raw access for benchmarks and tests that need a transaction around many writes.
    pub fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.lock())
    }
}

enum OpenError {
    Locked(String),
    /// The file is not a database, or fails SQLite's check: moved aside, a new one started.
    Damaged(String),
    /// Anything else (permissions, disk, a newer schema): the file is left alone.
    Refused(String),
}

impl OpenError {
    fn from_sqlite(e: rusqlite::Error) -> OpenError {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => OpenError::Locked(e.to_string()),
            Some(C::NotADatabase | C::DatabaseCorrupt) => OpenError::Damaged(e.to_string()),
            _ => OpenError::Refused(format!("the history could not be opened ({e})")),
        }
    }
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Locked(s) | OpenError::Damaged(s) | OpenError::Refused(s) => f.write_str(s),
        }
    }
}

enum MigrateError {
    TooNew,
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

fn migrate(conn: &Connection) -> std::result::Result<(), MigrateError> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(MigrateError::TooNew);
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version) {
        conn.execute_batch(&format!(
            "BEGIN; {step}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

const COLUMNS: &str = "id, started_at, finished_at, actor, connection_id, connection_label, provider, \
    account_id, account_name, action, status_before, status_after, outcome, request_id, error_code, \
    error_message, duration_ms, job_id, snapshot, reconciled";

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let status = |s: Option<String>| s.map(|s| Status::parse(&s));
    Ok(HistoryEntry {
        id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        actor: r.get(3)?,
        connection_id: r.get(4)?,
        connection_label: r.get(5)?,
        provider: Provider::parse(&r.get::<_, String>(6)?).unwrap_or(Provider::Twilio),
        account_id: r.get(7)?,
        account_name: r.get(8)?,
        action: Action::parse(&r.get::<_, String>(9)?).unwrap_or(Action::Suspend),
        status_before: status(r.get(10)?),
        status_after: status(r.get(11)?),
        outcome: Outcome::parse(&r.get::<_, String>(12)?),
        request_id: r.get(13)?,
        error_code: r.get(14)?,
        error_message: r.get(15)?,
        duration_ms: r.get(16)?,
        job_id: r.get(17)?,
        snapshot: r.get(18)?,
        reconciled: r.get(19)?,
    })
}

/// The columns the free-text filter searches (and `actions_text` indexes).
const TEXT_COLUMNS: [&str; 6] = [
    "account_name",
    "account_id",
    "connection_label",
    "request_id",
    "error_message",
    "actor",
];

fn filter_sql(f: &HistoryFilter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mut eq = |col: &str, v: Option<String>, clauses: &mut Vec<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            clauses.push(format!("{col} = ?"));
            args.push(Box::new(v));
        }
    };
    eq("connection_id", f.connection_id.clone(), &mut clauses);
    eq(
        "provider",
        f.provider.map(|p| p.as_str().to_string()),
        &mut clauses,
    );
    eq(
        "action",
        f.action.map(|a| a.as_str().to_string()),
        &mut clauses,
    );
    eq(
        "outcome",
        f.outcome.map(|o| o.as_str().to_string()),
        &mut clauses,
    );
    if let Some(from) = f.from.as_ref().filter(|s| !s.is_empty()) {
        clauses.push("started_at >= ?".into());
        args.push(Box::new(normalise_time(from)));
    }
    if let Some(to) = f.to.as_ref().filter(|s| !s.is_empty()) {
        clauses.push("started_at < ?".into());
        args.push(Box::new(normalise_time(to)));
    }
    if let Some(text) = f.text.as_ref().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if text.chars().count() >= 3 {
            // The trigram index finds any substring of 3+ characters, case-insensitively; the
            // text is passed as one quoted phrase, so FTS syntax in it means nothing.
            clauses
                .push("id IN (SELECT rowid FROM actions_text WHERE actions_text MATCH ?)".into());
            args.push(Box::new(format!("\"{}\"", text.replace('"', "\"\""))));
        } else {
            // Too short for trigrams: a scan, as before.
            let like = format!(
                "%{}%",
                text.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let parts: Vec<String> = TEXT_COLUMNS
                .iter()
                .map(|c| format!("{c} LIKE ? ESCAPE '\\'"))
                .collect();
            clauses.push(format!("({})", parts.join(" OR ")));
            for _ in TEXT_COLUMNS {
                args.push(Box::new(like.clone()));
            }
        }
    }
    (clauses.join(" AND "), args)
}

/// Accepts `2026-11-23`, `2026-11-23T10:00`, or full ISO-8601 with an offset, and turns it into
/// the stored form (UTC, `Z`) so string comparison orders correctly.
fn normalise_time(s: &str) -> String {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return d
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
    }
    if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
        return d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    }
    s.to_string()
}

pub const CSV_HEADER: [&str; 20] = [
    "id",
    "started_at",
    "finished_at",
    "actor",
    "connection_id",
    "connection_label",
    "provider",
    "account_id",
    "account_name",
    "action",
    "status_before",
    "status_after",
    "outcome",
    "request_id",
    "error_code",
    "error_message",
    "duration_ms",
    "job_id",
    "reconciled",
    "snapshot",
];

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@` (or a tab/CR) as a formula.
/// Names and error texts come from providers and customers, so such cells get a leading `'`.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn csv_record(e: &HistoryEntry) -> Vec<String> {
    csv_fields(e).iter().map(|f| cell(f)).collect()
}

fn csv_fields(e: &HistoryEntry) -> Vec<String> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let st = |s: Option<Status>| s.map(|s| s.as_str().to_string()).unwrap_or_default();
    vec![
        e.id.to_string(),
        e.started_at.clone(),
        opt(&e.finished_at),
        e.actor.clone(),
        e.connection_id.clone(),
        e.connection_label.clone(),
        e.provider.as_str().into(),
        e.account_id.clone(),
        e.account_name.clone(),
        e.action.as_str().into(),
        st(e.status_before),
        st(e.status_after),
        e.outcome.as_str().into(),
        opt(&e.request_id),
        opt(&e.error_code),
        opt(&e.error_message),
        e.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
        opt(&e.job_id),
        e.reconciled.to_string(),
        opt(&e.snapshot),
    ]
}
