//! The history's schema: its migrations, and how a row reads back into an entry.

use rusqlite::{Connection, Row};

use super::types::{HistoryCode, HistoryEntry, Outcome};
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
    // 3: who and why beyond the OS user: the display name set in Settings at the time, and the
    // reason or ticket the user gave (`non-payment #4711`). Both are searchable: the text index
    // cannot gain a column in place, so it is dropped with its triggers, made again with the
    // two new columns, and rebuilt from the table (old rows have neither, and stay findable by
    // everything else).
    r#"
ALTER TABLE actions ADD COLUMN operator_name TEXT;
ALTER TABLE actions ADD COLUMN reason TEXT;
DROP TRIGGER actions_text_insert;
DROP TRIGGER actions_text_update;
DROP TABLE actions_text;
CREATE VIRTUAL TABLE actions_text USING fts5(
    account_name, account_id, connection_label, request_id, error_message, actor, operator_name, reason,
    content = 'actions', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER actions_text_insert AFTER INSERT ON actions BEGIN
    INSERT INTO actions_text (rowid, account_name, account_id, connection_label, request_id, error_message, actor, operator_name, reason)
    VALUES (NEW.id, NEW.account_name, NEW.account_id, NEW.connection_label, NEW.request_id, NEW.error_message, NEW.actor, NEW.operator_name, NEW.reason);
END;
CREATE TRIGGER actions_text_update AFTER UPDATE ON actions BEGIN
    INSERT INTO actions_text (actions_text, rowid, account_name, account_id, connection_label, request_id, error_message, actor, operator_name, reason)
    VALUES ('delete', OLD.id, OLD.account_name, OLD.account_id, OLD.connection_label, OLD.request_id, OLD.error_message, OLD.actor, OLD.operator_name, OLD.reason);
    INSERT INTO actions_text (rowid, account_name, account_id, connection_label, request_id, error_message, actor, operator_name, reason)
    VALUES (NEW.id, NEW.account_name, NEW.account_id, NEW.connection_label, NEW.request_id, NEW.error_message, NEW.actor, NEW.operator_name, NEW.reason);
END;
INSERT INTO actions_text (actions_text) VALUES ('rebuild');
"#,
    // 4: a page of History brings every job it shows whole: a job's entries by its id.
    r#"
CREATE INDEX actions_job ON actions (job_id) WHERE job_id IS NOT NULL;
"#,
];

pub(super) enum MigrateError {
    TooNew,
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

pub(super) fn migrate(conn: &Connection) -> std::result::Result<(), MigrateError> {
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

pub(super) const COLUMNS: &str = "id, started_at, finished_at, actor, connection_id, connection_label, provider, \
    account_id, account_name, action, status_before, status_after, outcome, request_id, error_code, \
    error_message, duration_ms, job_id, snapshot, reconciled, operator_name, reason";

pub(super) fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let status = |s: Option<String>| s.map(|s| Status::parse(&s));
    Ok(HistoryEntry {
        id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        actor: r.get(3)?,
        connection_id: r.get(4)?,
        connection_label: r.get(5)?,
        provider: Provider::parse(&r.get::<_, String>(6)?),
        account_id: r.get(7)?,
        account_name: r.get(8)?,
        action: Action::parse(&r.get::<_, String>(9)?),
        status_before: status(r.get(10)?),
        status_after: status(r.get(11)?),
        outcome: Outcome::parse(&r.get::<_, String>(12)?),
        request_id: r.get(13)?,
        error_code: r
            .get::<_, Option<String>>(14)?
            .map(|s| HistoryCode::parse(&s)),
        error_message: r.get(15)?,
        duration_ms: r.get(16)?,
        job_id: r.get(17)?,
        snapshot: r.get(18)?,
        reconciled: r.get(19)?,
        operator_name: r.get(20)?,
        reason: r.get(21)?,
        desktop: None,
    })
}
