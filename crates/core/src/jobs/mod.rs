//! Bulk jobs: many actions with bounded concurrency, retries, progress and cancel.

mod types;

pub use types::*;
