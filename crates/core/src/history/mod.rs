//! The local, append-only record of every action.

mod store;
mod types;

pub use store::{now_iso, Completion, History, Intent, Opened, CSV_HEADER};
pub use types::*;

#[cfg(test)]
mod tests;
