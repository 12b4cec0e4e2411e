//! The local, append-only record of every action: SQLite in WAL mode, one row per action.
//!
//! `schema` holds the migrations and the row mapping, `open` the lock, the checks and the
//! recovery of a damaged file, `write` intents and completions, `query` the reads, `export`
//! CSV and JSON.

mod export;
mod open;
mod query;
mod schema;
mod types;
mod write;

pub use export::{write_entries, CSV_HEADER};
pub use open::{History, Opened};
pub use types::*;
pub use write::{
    capped, display_time, now_iso, Completion, Intent, MAX_MESSAGE_CHARS, MAX_NAME_CHARS,
};

#[cfg(test)]
mod tests;
