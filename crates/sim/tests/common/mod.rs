//! The shared helpers of `subdesk-test-support` (its `sim_http` module).
pub use subdesk_test_support::sim_http::*;
