//! What every export shares: spreadsheet-safe cells, and a file written whole or not at all.

use std::path::Path;

use crate::error::{Error, Result};

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@` (or a tab/CR) as a formula.
/// Names and error texts come from providers and customers, so such cells get a leading `'`.
pub(crate) fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Writes through `write` into `path`, whole or not at all, and returns what `write` returned.
/// A temporary file with a random name, created exclusively beside the target (a file or link
/// planted under a predictable name is never followed), removed on any failure, renamed over the
/// target only once complete and synced.
pub(crate) fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<T>,
) -> Result<T> {
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
    let out = write(&mut file)?;
    let tmp = file.into_inner().map_err(|e| Error::storage(e.error()))?;
    tmp.as_file().sync_all().map_err(Error::storage)?;
    tmp.persist(path).map_err(|e| Error::storage(e.error))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formula_openers_are_quoted_and_the_rest_left_alone() {
        for s in ["=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx"] {
            assert_eq!(cell(s), format!("'{s}"));
        }
        assert_eq!(cell("Acme, Inc."), "Acme, Inc.");
        assert_eq!(cell(""), "");
    }
}
