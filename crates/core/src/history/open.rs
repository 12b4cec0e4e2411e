//! Opening the history database: the single-writer lock, WAL and `synchronous=FULL`, the
//! integrity check, migrations, and a damaged file moved aside.
//!
//! The history database: SQLite in WAL mode, one row per action.
//!
//! An action is written as an *intent* (outcome `pending`) before the provider call and
//! completed once with its outcome after. Triggers make the table append-only: rows cannot be
//! deleted, and a row can only be changed while its outcome is still `pending` or `unknown`.
//! `synchronous=FULL` makes each intent durable before the request goes out, across a crash or a
//! power loss.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::Connection;

use super::schema::{migrate, MigrateError};
use crate::error::{Error, Result};

pub struct History {
    conn: Mutex<Connection>,
    pub(super) path: PathBuf,
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

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep going.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
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
