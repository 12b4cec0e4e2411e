//! The local, append-only record of every action.

mod types;

pub use types::*;
