//! The accounts table as a CSV file, written by core from its own listing: the window names the
//! rows (in its order) and never supplies a cell.

use crate::error::{Error, Result};
use crate::export_file::cell;
use crate::model::{Connection, Figures, Subaccount};

/// Plain headings: the file is for a spreadsheet and a person, not a program.
pub const CSV_HEADER: [&str; 14] = [
    "Connection",
    "Provider",
    "Account name",
    "Account ID",
    "Status",
    "Provider's status",
    "Created",
    "Not updated since",
    "Spend (30 days)",
    "Spend currency",
    "Balance",
    "Balance currency",
    "Figures note",
    "Figures read at",
];

/// One row of the table as Subdesk last read it.
pub struct ExportRow<'a> {
    pub connection: &'a Connection,
    pub account: &'a Subaccount,
    /// When the row was last read, if its connection's latest listing did not bring it again.
    pub stale_since: Option<&'a str>,
    /// The spend and balance last read for it (what the table showed), if any were read.
    pub figures: Option<&'a Figures>,
}

/// The six figure cells: spend and its currency, balance and its currency, the notes that
/// say why one is missing, and when they were read. Empty when none were read.
fn figure_cells(f: Option<&Figures>) -> [String; 6] {
    let Some(f) = f else {
        return Default::default();
    };
    let spend = f.spend_30_days.as_ref();
    let balance = f.balance.as_ref();
    let notes: Vec<&str> = [f.spend_note.as_deref(), f.balance_note.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    [
        spend.map(|m| m.amount.clone()).unwrap_or_default(),
        spend.and_then(|m| m.currency.clone()).unwrap_or_default(),
        balance.map(|b| b.amount.clone()).unwrap_or_default(),
        balance.and_then(|b| b.currency.clone()).unwrap_or_default(),
        notes.join(" "),
        f.read_at.clone(),
    ]
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
        let figures = figure_cells(r.figures);
        w.write_record(
            fields
                .iter()
                .copied()
                .chain(figures.iter().map(String::as_str))
                .map(cell),
        )
        .map_err(Error::storage)?;
        n += 1;
    }
    w.flush().map_err(Error::storage)?;
    Ok(n)
}
