//! The About panel: version, build, where the data and the logs live (each folder can be opened,
//! and nothing else), the licences of what the app bundles, and what Subdesk does with data.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use subdesk_core::{ErrorCode, UiError};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

/// What the About panel shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AboutInfo {
    pub version: String,
    /// The git commit the app was built from ("unknown" outside a git checkout).
    pub commit: String,
    /// The day of the build (UTC), YYYY-MM-DD.
    pub build_date: String,
    pub data_dir: String,
    pub log_dir: String,
    pub privacy: String,
    pub licences: Vec<Licence>,
}

/// One bundled dependency and its declared licence (SPDX expression), gathered at build time.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Licence {
    pub name: String,
    pub version: String,
    pub license: String,
    pub ecosystem: Ecosystem,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Ecosystem {
    Crate,
    Npm,
}

/// The only folders the window may ask the app to open.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Folder {
    Data,
    Log,
}

pub const PRIVACY: &str =
    "Subdesk keeps its settings and the history of actions in the data folder, \
tokens only in the system keychain, and logs (without tokens) in the log folder; it sends nothing \
anywhere except to the providers you connect.";

const LICENCES: &str = include_str!(concat!(env!("OUT_DIR"), "/licences.json"));

pub fn licences() -> Vec<Licence> {
    serde_json::from_str(LICENCES).expect("build.rs writes a valid licences.json")
}

pub fn folder<R: Runtime>(app: &AppHandle<R>, which: Folder) -> Result<PathBuf, UiError> {
    let path = match which {
        Folder::Data => app.path().app_data_dir(),
        Folder::Log => app.path().app_log_dir(),
    };
    path.map_err(|e| UiError {
        code: ErrorCode::Storage,
        message: format!("Subdesk could not find its folder: {e}"),
        retryable: false,
        field: None,
        details: None,
    })
}

pub fn info<R: Runtime>(app: &AppHandle<R>) -> Result<AboutInfo, UiError> {
    Ok(AboutInfo {
        version: app.package_info().version.to_string(),
        commit: env!("SUBDESK_BUILD_COMMIT").to_string(),
        build_date: env!("SUBDESK_BUILD_DATE").to_string(),
        data_dir: folder(app, Folder::Data)?.display().to_string(),
        log_dir: folder(app, Folder::Log)?.display().to_string(),
        privacy: PRIVACY.to_string(),
        licences: licences(),
    })
}

/// Opens the data or the log folder in the file manager (creating it first, as the log folder
/// may not exist yet). Paths never come from the window: it names one of the two folders.
pub fn open<R: Runtime>(app: &AppHandle<R>, which: Folder) -> Result<(), UiError> {
    let path = folder(app, which)?;
    let failed = |e: String| UiError {
        code: ErrorCode::Storage,
        message: format!(
            "Subdesk could not open {}: {e}. Open it from your file manager.",
            path.display()
        ),
        retryable: false,
        field: None,
        details: None,
    };
    std::fs::create_dir_all(&path).map_err(|e| failed(e.to_string()))?;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|e| failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_licence_list_names_tauri_and_the_ui_runtime() {
        let list = licences();
        let find = |name: &str| list.iter().find(|l| l.name == name);
        let tauri = find("tauri").expect("tauri is listed");
        assert!(tauri.license.contains("MIT"), "{tauri:?}");
        assert!(matches!(tauri.ecosystem, Ecosystem::Crate));
        let api = find("@tauri-apps/api").expect("the npm side is listed");
        assert!(matches!(api.ecosystem, Ecosystem::Npm));
        assert!(
            find("svelte").is_some(),
            "Svelte's runtime is in the bundle"
        );
        // Build-only and test-only dependencies are not bundled.
        assert!(find("tauri-build").is_none());
        assert!(find("vitest").is_none());
    }

    #[test]
    fn the_build_is_named() {
        assert!(!env!("SUBDESK_BUILD_COMMIT").is_empty());
        assert_eq!(env!("SUBDESK_BUILD_DATE").len(), 10);
    }
}
