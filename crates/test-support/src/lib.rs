//! What Subdesk's tests and benchmarks share, in one crate instead of a copy per test folder:
//!
//! - [`adapters`]: a simulator with seeded parents, adapters and workspaces pointed at it, a
//!   fast retry policy, confirmed actions (core's integration tests);
//! - [`sim_http`]: plain HTTP calls to the simulator (the simulator's own tests);
//! - [`bench`]: the simulator on a runtime of its own beside the client's (network benchmarks);
//! - [`pg`]: a throwaway PostgreSQL server started with initdb and pg_ctl (team tests, bench).
//!
//! Each test folder keeps a one-line module (`tests/common/mod.rs`, `tests/pg/mod.rs`) that
//! re-exports its part, so a test names its helpers as before.

pub mod adapters;
pub mod bench;
pub mod pg;
pub mod sim_http;
