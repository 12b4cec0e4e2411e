//! The throwaway PostgreSQL of `subdesk-test-support` (its `pg` module).
pub use subdesk_test_support::pg::*;
