//! What each simulated provider gives the pipeline: which paths it owns, its routes, how it
//! authenticates, where its request id goes, and its error bodies. Each provider module
//! implements [`SimProvider`] once; `lib.rs` lists them (`PROVIDERS`). The pipeline only
//! calls this trait, so it never names a provider.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName};
use axum::response::Response;
use axum::Router;

use crate::pipeline::{Failure, Principal, ReqInfo};
use crate::shared::Shared;

pub(crate) trait SimProvider: Sync {
    /// For logs and the per-parent concurrency key.
    fn name(&self) -> &'static str;

    /// Whether a request path belongs to this provider's API.
    fn owns(&self, path: &str) -> bool;

    fn routes(&self) -> Router<Arc<Shared>>;

    /// What the `seq`-th request's answers need before it is authenticated: its request id
    /// (stable for a seed) and any details of the provider's own.
    fn request_info(&self, shared: &Shared, seq: u64) -> ReqInfo;

    /// The header that carries the request id; `None`: only the body does.
    fn request_id_header(&self, info: &ReqInfo) -> Option<HeaderName>;

    /// Who the request is, or the provider's own refusal.
    fn authenticate(
        &self,
        shared: &Shared,
        path: &str,
        headers: &HeaderMap,
        info: &ReqInfo,
    ) -> Result<Principal, Response>;

    /// A rate limit, a server error or an outage in the provider's own body.
    fn failure(&self, info: &ReqInfo, failure: Failure) -> Response;

    fn not_found(&self, info: &ReqInfo, path: &str) -> Response;

    fn method_not_allowed(&self, info: &ReqInfo) -> Response;

    /// Adds the demo workspace's parent account and its sample tenants.
    fn seed_demo(&self, shared: &Shared) -> DemoParent;
}

/// A parent account of the demo workspace, with the credentials a connection needs.
#[derive(Debug, Clone)]
pub struct DemoParent {
    /// The provider's wire name, as in core (`"twilio"`).
    pub provider: &'static str,
    pub label: String,
    pub parent_name: String,
    /// Empty when the provider's connections have no account ID (Telnyx).
    pub account_id: String,
    pub secret: String,
}

/// HTTP Basic `user:password`, as Twilio, Plivo and Vonage use it.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Compares secrets without an early exit. A simulator does not need it for security, but
/// it costs nothing and keeps the code a fair model of what a server should do.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
