//! Subdesk's core: everything but the window. Providers, the domain rules, the history of
//! actions, secrets and bulk jobs live here so they are tested without Tauri.

pub mod accounts_export;
mod action_env;
pub mod actions;
pub mod api;
pub mod attribution;
pub mod confirm;
mod connections;
pub mod durable;
pub mod error;
mod export_file;
pub mod figures;
pub mod history;
pub mod in_flight;
pub mod jobs;
mod listing;
mod listing_cache;
pub mod model;
pub mod money;
pub mod providers;
pub mod reconcile;
pub mod secrets;
pub mod settings;
pub mod workspace;

pub use error::{Error, ErrorCode, Result, UiError};
pub use model::{Action, Connection, Impact, Provider, Status, Subaccount};
pub use settings::{MemorySettings, Settings, SettingsStore};
pub use workspace::{Workspace, WorkspaceConfig};
