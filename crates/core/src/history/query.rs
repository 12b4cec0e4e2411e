//! Reading entries back: one by id, the open intents, pages under a filter.

use std::collections::BTreeSet;

use rusqlite::{params_from_iter, OptionalExtension, ToSql};

use super::open::History;
use super::schema::{entry_from_row, COLUMNS};
use super::types::{HistoryCode, HistoryEntry, HistoryFilter, HistoryPage};
use crate::error::Result;

impl History {
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
             WHERE outcome = 'pending' OR (outcome = 'unknown' AND COALESCE(error_code, '') <> ?1)
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([HistoryCode::ConnectionMissing.as_str()], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The entries of one account whose outcome is not known (pending or unknown), oldest
    /// first. While there is one, the account is in doubt: nothing is sent to it.
    pub fn open_for(&self, connection_id: &str, account_id: &str) -> Result<Vec<HistoryEntry>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM actions
             WHERE outcome IN ('pending', 'unknown') AND connection_id = ?1 AND account_id = ?2
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([connection_id, account_id], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every entry whose outcome is not known (pending or unknown), whatever its connection,
    /// oldest first.
    pub fn all_open(&self) -> Result<Vec<HistoryEntry>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM actions WHERE outcome IN ('pending', 'unknown') ORDER BY id"
        ))?;
        let rows = stmt.query_map([], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

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

    /// Intents left unknown because their connection was gone when reconciliation ran; they
    /// are checked again once a connection with that id exists again (a settings file restored,
    /// a demo reopened).
    pub fn intents_missing_connection(&self) -> Result<Vec<HistoryEntry>> {
        let conn = self.lock();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM actions
             WHERE outcome = 'unknown' AND error_code = ?1
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([HistoryCode::ConnectionMissing.as_str()], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A page of entries, newest first, each job whole (see [`HistoryPage`]): up to `limit`
    /// entries below `before_id`, then the rest of every job among them. Entries of a job a
    /// page before this one showed are left out: that page held all of them.
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
        let (unseen, unseen_args) = unseen_below(f, before_id);
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM actions WHERE {unseen} ORDER BY id DESC LIMIT {limit}"
        ))?;
        let mut entries: Vec<HistoryEntry> = stmt
            .query_map(params_from_iter(unseen_args.iter()), entry_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        let Some(cursor) = entries.last().map(|e| e.id) else {
            return Ok(HistoryPage {
                entries,
                total,
                has_more: false,
                next_before_id: None,
            });
        };
        let jobs: BTreeSet<String> = entries.iter().filter_map(|e| e.job_id.clone()).collect();
        let mut rest = Vec::new();
        for job in jobs {
            let mut job_args = filter_sql(f).1;
            job_args.push(Box::new(job));
            job_args.push(Box::new(cursor));
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM actions WHERE {where_sql} AND job_id = ? AND id < ?"
            ))?;
            let found = stmt.query_map(params_from_iter(job_args.iter()), entry_from_row)?;
            rest.extend(found.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        rest.sort_by(|a, b| b.id.cmp(&a.id));
        entries.extend(rest);
        let (more, more_args) = unseen_below(f, Some(cursor));
        let has_more: bool = conn.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM actions WHERE {more})"),
            params_from_iter(more_args.iter()),
            |r| r.get(0),
        )?;
        Ok(HistoryPage {
            entries,
            total,
            has_more,
            next_before_id: has_more.then_some(cursor),
        })
    }
}

/// The filter's entries a page below `before_id` may show: older than it, and not of a job
/// with an entry at or above it (a page above held that whole job).
fn unseen_below(f: &HistoryFilter, before_id: Option<i64>) -> (String, Vec<Box<dyn ToSql>>) {
    let (where_sql, mut args) = filter_sql(f);
    let Some(b) = before_id else {
        return (where_sql, args);
    };
    args.push(Box::new(b));
    args.extend(filter_sql(f).1);
    args.push(Box::new(b));
    let sql = format!(
        "{where_sql} AND id < ? AND (job_id IS NULL OR job_id NOT IN \
         (SELECT job_id FROM actions WHERE {where_sql} AND id >= ? AND job_id IS NOT NULL))"
    );
    (sql, args)
}

/// The columns the free-text filter searches (and `actions_text` indexes).
const TEXT_COLUMNS: [&str; 8] = [
    "account_name",
    "account_id",
    "connection_label",
    "request_id",
    "error_message",
    "actor",
    "operator_name",
    "reason",
];

pub(super) fn filter_sql(f: &HistoryFilter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mut eq = |col: &str, v: Option<String>, clauses: &mut Vec<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            clauses.push(format!("{col} = ?"));
            args.push(Box::new(v));
        }
    };
    eq("connection_id", f.connection_id.clone(), &mut clauses);
    eq("account_id", f.account_id.clone(), &mut clauses);
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
