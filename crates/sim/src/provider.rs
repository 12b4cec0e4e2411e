//! What each simulated provider gives the pipeline: which paths it owns, its routes, how it
//! authenticates, where its request id goes, and its error bodies. Each provider module
//! implements [`SimProvider`] once; `lib.rs` lists them (`PROVIDERS`). The pipeline only
//! calls this trait, so it never names a provider.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName};
use axum::response::Response;
use axum::Router;
use serde_json::{Map, Value};

use crate::request::{Failure, Principal, ReqInfo};
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

    /// Who the request is, or the provider's own refusal. The refusal is the response itself, as
    /// axum handlers return it; boxing it would only add noise on a loopback test server.
    #[allow(clippy::result_large_err)]
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

    /// This provider's run-time switches as `GET /_sim/config` shows them (names start with
    /// the provider's name).
    fn switches(&self, _shared: &Shared) -> Map<String, Value> {
        Map::new()
    }

    /// Takes this provider's switches out of a `POST /_sim/config` patch and checks them; the
    /// change is applied only once the whole patch is known to be valid.
    fn take_switches(
        &self,
        _patch: &mut Map<String, Value>,
    ) -> Result<Option<SwitchChange>, String> {
        Ok(None)
    }

    /// Its accounts as `GET /_sim/state` lists them under [`SimProvider::name`]; `None`: not
    /// listed.
    fn snapshot(&self, _shared: &Shared) -> Option<Value> {
        None
    }

    /// Adds the demo workspace's parent account and its sample tenants.
    fn seed_demo(&self, shared: &Shared) -> DemoParent;

    /// How many subaccounts the simulator binary seeds under this provider's parent unless
    /// told otherwise (`--<name>-subaccounts`).
    fn default_subaccounts(&self) -> usize;

    /// Adds a parent account with `subaccounts` generated subaccounts, for the simulator
    /// binary; returns the parent's credentials under the names the provider gives them.
    fn seed_parent(&self, shared: &Shared, subaccounts: usize) -> Value;
}

/// A checked change to a provider's switches (see [`SimProvider::take_switches`]).
pub(crate) type SwitchChange = Box<dyn FnOnce(&Shared) + Send>;

/// Removes `key` from a config patch: `None` when absent or null (no change), as the common
/// fields read.
pub(crate) fn take_bool(patch: &mut Map<String, Value>, key: &str) -> Result<Option<bool>, String> {
    match patch.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(other) => Err(format!("{key} must be true or false, got {other}")),
    }
}

/// A parent account of the demo workspace, with the credentials a connection needs.
#[derive(Debug, Clone)]
pub struct DemoParent {
    /// The provider's wire name, as core spells it.
    pub provider: &'static str,
    pub label: String,
    pub parent_name: String,
    /// Empty when the provider's connections have no account ID (Telnyx).
    pub account_id: String,
    pub secret: String,
}

/// HTTP Basic `user:password`, as most of the providers use it.
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
