//! Bulk jobs: many actions with bounded concurrency, retries, progress and cancel.

mod runner;
mod types;

pub use runner::{bulk_phrase, BulkJobs, JobSink, PreviewSink};

pub use types::*;
