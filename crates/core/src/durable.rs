//! Files that must survive a crash, a power cut or a full disk: written to a temporary file in
//! the same folder, flushed, then renamed over the old one (a rename is atomic), so a reader
//! finds either the old file or the new one, never a torn one. A file that cannot be read any
//! more is moved aside, never overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Replaces `path` with `bytes` atomically. The temporary file has a random name and is created
/// exclusively (a planted file or link of that name is never followed), and it is removed if
/// anything fails before the rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".settings-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(Error::storage)?;
    tmp.write_all(bytes).map_err(Error::storage)?;
    tmp.as_file().sync_all().map_err(Error::storage)?;
    tmp.persist(path).map_err(|e| Error::storage(e.error))?;
    // The rename itself is durable once the folder's entry is.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// If `path` exists but is not a JSON object (cut short by a crash, a full disk, a bad edit),
/// renames it to `<name>.unreadable-<UTC time>` beside it and returns that path. A missing file
/// or a readable one returns `None`.
pub fn set_aside_if_unreadable(path: &Path) -> Result<Option<PathBuf>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::storage(e)),
    };
    if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes).is_ok() {
        return Ok(None);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".into());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let aside = path.with_file_name(format!("{name}.unreadable-{stamp}"));
    std::fs::rename(path, &aside).map_err(Error::storage)?;
    Ok(Some(aside))
}

/// The banner's sentence after [`set_aside_if_unreadable`] moved a settings file.
pub fn settings_moved_message(aside: &Path) -> String {
    format!(
        "Subdesk could not read its settings file (it was probably cut short by a crash or a full disk), so it started without your saved connections. The damaged file was kept as {}. Your tokens are still in the keychain: add the connections again, or ask someone technical to restore the file.",
        aside.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_file_is_moved_aside_and_a_good_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        assert_eq!(set_aside_if_unreadable(&path).unwrap(), None, "missing");
        std::fs::write(&path, br#"{"connections":[]}"#).unwrap();
        assert_eq!(set_aside_if_unreadable(&path).unwrap(), None, "readable");
        std::fs::write(&path, br#"{"connections":[{"id":"#).unwrap();
        let aside = set_aside_if_unreadable(&path).unwrap().unwrap();
        assert!(!path.exists());
        assert_eq!(std::fs::read(&aside).unwrap(), br#"{"connections":[{"id":"#);
        assert!(settings_moved_message(&aside).contains(&aside.display().to_string()));
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"old").unwrap();
        write_atomically(&path, b"{\"new\":true}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"new\":true}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left");
    }
}
