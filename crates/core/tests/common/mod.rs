//! The shared helpers of `subdesk-test-support` (its `adapters` module).
pub use subdesk_test_support::adapters::*;
