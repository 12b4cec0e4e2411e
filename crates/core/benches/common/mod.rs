//! The shared helpers of `subdesk-test-support` (its `bench` module).
pub use subdesk_test_support::bench::*;
