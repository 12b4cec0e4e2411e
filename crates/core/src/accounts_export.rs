//! The accounts table as a CSV file, written by core from its own listing: the window names the
//! rows (in its order) and never supplies a cell.

use crate::error::{Error, Result};
use crate::export_file::cell;
use crate::model::{Connection, Subaccount};

/// Plain headings: the file is for a spreadsheet and a person, not a program.
pub const CSV_HEADER: [&str; 8] = [
    "Connection",
    "Provider",
    "Account name",
    "Account ID",
    "Status",
    "Provider's status",
    "Created",
    "Not updated since",
];

/// One row of the table as Subdesk last read it.
pub struct ExportRow<'a> {
    pub connection: &'a Connection,
    pub account: &'a Subaccount,
    /// When the row was last read, if its connection's latest listing did not bring it again.
    pub stale_since: Option<&'a str>,
}

/// Writes the header and `rows` in the order given. Returns how many rows were written.
pub fn write_csv<'a>(
    rows: impl IntoIterator<Item = ExportRow<'a>>,
    out: &mut dyn std::io::Write,
) -> Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).map_err(Error::storage)?;
    let mut n = 0u64;
    for r in rows {
        let fields = [
            r.connection.label.as_str(),
            r.connection.provider.info().name.as_str(),
            r.account.name.as_str(),
            r.account.id.as_str(),
            // The glossary's word, as the table shows it; the provider's own word beside it.
            r.account.status.as_str(),
            r.account.provider_status.as_str(),
            r.account.created.as_deref().unwrap_or_default(),
            r.stale_since.unwrap_or_default(),
        ];
        w.write_record(fields.iter().map(|f| cell(f)))
            .map_err(Error::storage)?;
        n += 1;
    }
    w.flush().map_err(Error::storage)?;
    Ok(n)
}
