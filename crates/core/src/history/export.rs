//! Exports of the history to CSV or JSON, written whole or not at all.

use std::path::Path;

use rusqlite::{params_from_iter, Connection};

use super::open::History;
use super::query::filter_sql;
use super::schema::{entry_from_row, COLUMNS};
use super::types::{ExportFormat, HistoryEntry, HistoryFilter};
use crate::error::{Error, Result};
use crate::export_file::{cell, write_atomically};
use crate::model::Status;

impl History {
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
        write_entries(rows.map(|r| r.map_err(Error::from)), format, false, out)
    }

    /// Exports to a file, written whole or not at all (see [`write_atomically`]).
    pub fn export_to_path(
        &self,
        f: &HistoryFilter,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64> {
        write_atomically(path, |out| self.export(f, format, out))
    }
}

/// Plain headings, in the accounts export's words (the file is for a spreadsheet and a person):
/// times in UTC (ISO 8601), statuses, actions and outcomes in the glossary's words. Columns added
/// by later versions go before the snapshot (the long JSON cell stays last), so the earlier
/// columns keep their positions.
pub const CSV_HEADER: [&str; 22] = [
    "Entry",
    "Started (UTC)",
    "Finished (UTC)",
    "Computer user",
    "Connection ID",
    "Connection",
    "Provider",
    "Account ID",
    "Account name",
    "Action",
    "Status before",
    "Status after",
    "Outcome",
    "Request ID",
    "Error code",
    "Error",
    "Duration (ms)",
    "Job ID",
    "Reconciled at start-up",
    "Display name",
    "Reason",
    "Account as it was before (JSON)",
];

/// Writes `entries` as an export: CSV with [`CSV_HEADER`], or a JSON array. `desktop`: a team's
/// trail, whose CSV also has the column of the desktop that wrote each entry (before
/// `snapshot`). Returns the count.
pub fn write_entries(
    entries: impl Iterator<Item = Result<HistoryEntry>>,
    format: ExportFormat,
    desktop: bool,
    out: &mut dyn std::io::Write,
) -> Result<u64> {
    let mut n = 0u64;
    match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let mut header = CSV_HEADER.to_vec();
            if desktop {
                header.insert(header.len() - 1, "Desktop");
            }
            w.write_record(header).map_err(Error::storage)?;
            for e in entries {
                let e = e?;
                let mut record = csv_record(&e);
                if desktop {
                    record.insert(record.len() - 1, cell(e.desktop.as_deref().unwrap_or("")));
                }
                w.write_record(record).map_err(Error::storage)?;
                n += 1;
            }
            w.flush().map_err(Error::storage)?;
        }
        ExportFormat::Json => {
            out.write_all(b"[").map_err(Error::storage)?;
            for e in entries {
                if n > 0 {
                    out.write_all(b",\n").map_err(Error::storage)?;
                }
                serde_json::to_writer(&mut *out, &e?).map_err(Error::storage)?;
                n += 1;
            }
            out.write_all(b"]\n").map_err(Error::storage)?;
        }
    }
    Ok(n)
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
        e.provider.map_or("unknown", |p| p.as_str()).into(),
        e.account_id.clone(),
        e.account_name.clone(),
        e.action.map_or("unknown", |a| a.as_str()).into(),
        st(e.status_before),
        st(e.status_after),
        e.outcome.as_str().into(),
        opt(&e.request_id),
        e.error_code
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        opt(&e.error_message),
        e.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
        opt(&e.job_id),
        e.reconciled.to_string(),
        opt(&e.operator_name),
        opt(&e.reason),
        opt(&e.snapshot),
    ]
}
