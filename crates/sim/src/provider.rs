//! What each simulated provider gives the pipeline: which paths it owns, its routes, how it
//! authenticates, where its request id goes, and its error bodies. Each provider module
//! implements [`SimProvider`] once; `lib.rs` lists them (`PROVIDERS`). The pipeline only
//! calls this trait, so it never names a provider.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName};
use axum::response::Response;
use axum::Router;

use crate::pipeline::{Failure, Principal, ReqInfo};
use crate::shared::{Knobs, Shared};

pub(crate) trait SimProvider: Sync {
    /// For logs and the per-parent concurrency key.
    fn name(&self) -> &'static str;

    /// Whether a request path belongs to this provider's API.
    fn owns(&self, path: &str) -> bool;

    fn routes(&self) -> Router<Arc<Shared>>;

    /// The request id of the `seq`-th request (stable for a seed).
    fn request_id(&self, shared: &Shared, seq: u64, knobs: &Knobs) -> String;

    /// The header that carries it; `None`: only the body does.
    fn request_id_header(&self, knobs: &Knobs) -> Option<HeaderName>;

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
