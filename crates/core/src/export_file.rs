//! What every export shares: spreadsheet-safe cells, and a file written whole or not at all.

use std::path::{Path, PathBuf};

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

/// Where an export may be written. The path comes from the save dialog, through the web view:
/// accept only an absolute path to a file of the wanted format (a name typed without an
/// extension gets the format's) outside Subdesk's own data folder `data_dir`, so nothing can
/// overwrite the history or the settings.
pub(crate) fn checked_path(
    path: PathBuf,
    wanted: &str,
    data_dir: Option<&Path>,
) -> Result<PathBuf> {
    let bad = |m: &str| Error::validation("path", m);
    if !path.is_absolute() {
        return Err(bad("Choose where to save the export."));
    }
    let path = if path.extension().is_none() {
        path.with_extension(wanted)
    } else {
        path
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() != Some(wanted) {
        return Err(bad(&format!("Save the export as a .{wanted} file.")));
    }
    let parent = path.parent().and_then(|p| p.canonicalize().ok());
    let data = data_dir.and_then(|d| d.canonicalize().ok());
    if let (Some(parent), Some(data)) = (parent, data) {
        if parent.starts_with(&data) {
            return Err(bad(
                "Save the export outside Subdesk's own data folder, for example in Documents.",
            ));
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::{cell, checked_path};
    use crate::ErrorCode;
    use std::path::{Path, PathBuf};

    fn refused(path: &Path, wanted: &str, data: Option<&Path>) -> String {
        let e = checked_path(path.to_path_buf(), wanted, data).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation, "{e:?}");
        assert_eq!(e.field(), Some("path"));
        e.user_message()
    }

    #[test]
    fn an_export_goes_to_an_absolute_file_of_its_format() {
        let out = tempfile::tempdir().unwrap();
        let csv = out.path().join("history.csv");
        assert_eq!(checked_path(csv.clone(), "csv", None).unwrap(), csv);
        assert_eq!(
            checked_path(out.path().join("History.CSV"), "csv", None).unwrap(),
            out.path().join("History.CSV"),
            "the extension's case does not matter"
        );
        assert_eq!(
            checked_path(out.path().join("history"), "json", None).unwrap(),
            out.path().join("history.json"),
            "a name without an extension gets the format's"
        );
        assert!(refused(Path::new("history.csv"), "csv", None).contains("Choose where"));
        assert!(refused(&out.path().join("history.txt"), "csv", None).contains(".csv file"));
        assert!(refused(&out.path().join("history.csv"), "json", None).contains(".json file"));
    }

    #[test]
    fn an_export_never_goes_into_the_data_folder() {
        let data = tempfile::tempdir().unwrap();
        let inner = data.path().join("logs");
        std::fs::create_dir(&inner).unwrap();
        for target in [data.path().join("history.csv"), inner.join("x.csv")] {
            assert!(
                refused(&target, "csv", Some(data.path()))
                    .contains("outside Subdesk's own data folder"),
                "{target:?}"
            );
        }
        // The same folder reached through `..` is still the data folder.
        let sneaky: PathBuf = inner.join("..").join("history.csv");
        assert!(refused(&sneaky, "csv", Some(data.path())).contains("data folder"));
        let elsewhere = tempfile::tempdir().unwrap();
        let ok = elsewhere.path().join("history.csv");
        assert_eq!(
            checked_path(ok.clone(), "csv", Some(data.path())).unwrap(),
            ok
        );
    }

    #[test]
    fn formula_openers_are_quoted_and_the_rest_left_alone() {
        for s in ["=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx"] {
            assert_eq!(cell(s), format!("'{s}"));
        }
        assert_eq!(cell("Acme, Inc."), "Acme, Inc.");
        assert_eq!(cell(""), "");
    }
}
