//! Logs go to stderr and to a file in the platform's log folder (Linux:
//! `~/.local/share/com.subdesk.desktop/logs/Subdesk.log`; macOS: `~/Library/Logs/…`; Windows:
//! `%LOCALAPPDATA%\…\logs`), rotated by size. tauri-plugin-log writes both; our `tracing` events
//! reach it through tracing's `log` feature. Secrets never reach a log: `Secret` prints
//! `<redacted>`, and no request or response body is logged.

use log::LevelFilter;
use tauri::plugin::TauriPlugin;
use tauri::Runtime;
use tauri_plugin_log::{RotationStrategy, Target, TargetKind, TimezoneStrategy};

/// A file is rotated when it reaches this size; the newest files are kept.
pub const MAX_FILE_BYTES: u128 = 2 * 1024 * 1024;
pub const FILES_KEPT: usize = 5;

pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    let (level, per_target) = levels(std::env::var("SUBDESK_LOG").ok().as_deref());
    let mut builder = tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            Target::new(TargetKind::Stderr),
            Target::new(TargetKind::LogDir { file_name: None }),
        ])
        .max_file_size(MAX_FILE_BYTES)
        .rotation_strategy(RotationStrategy::KeepSome(FILES_KEPT))
        .timezone_strategy(TimezoneStrategy::UseUtc)
        .level(level);
    for (target, level) in per_target {
        builder = builder.level_for(target, level);
    }
    builder.build()
}

/// `SUBDESK_LOG`: a level (`info`, the default), optionally with per-module levels, e.g.
/// `debug,hyper=warn`. Unknown parts are ignored.
pub fn levels(spec: Option<&str>) -> (LevelFilter, Vec<(String, LevelFilter)>) {
    let mut level = LevelFilter::Info;
    let mut per_target = Vec::new();
    for part in spec
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.split_once('=') {
            Some((target, l)) => {
                if let Ok(l) = l.trim().parse() {
                    per_target.push((target.trim().to_string(), l));
                }
            }
            None => {
                if let Ok(l) = part.parse() {
                    level = l;
                }
            }
        }
    }
    (level, per_target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_comes_from_subdesk_log() {
        assert_eq!(levels(None), (LevelFilter::Info, vec![]));
        assert_eq!(levels(Some("debug")).0, LevelFilter::Debug);
        assert_eq!(
            levels(Some("warn, hyper=error ,nonsense=loud")),
            (
                LevelFilter::Warn,
                vec![("hyper".to_string(), LevelFilter::Error)]
            )
        );
    }
}
