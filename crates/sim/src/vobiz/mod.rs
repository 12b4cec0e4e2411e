//! Vobiz's sub-accounts API (`/api/v1/accounts/{auth_id}/sub-accounts/…`).
//!
//! Field list from the current OpenAPI fragments and Python SDK (providers.md 2.4). The real
//! error body is unconfirmed (two documented shapes), so the simulator speaks either one, as
//! configured, to keep clients honest. `state` holds the sub-accounts; `auth`, `handlers`,
//! `json` and `error` are the wire side; `sim` is the seeding and inspection API of
//! [`crate::Sim`].

mod auth;
mod config;
mod error;
mod handlers;
mod ids;
mod json;
mod sim;
mod state;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};

use crate::provider::{DemoParent, SimProvider};
use crate::request::{Failure, Principal, ReqInfo};
use crate::shared::Shared;
use error::VobizError;

pub use config::{DeleteStyle, VobizConfig, VobizErrorShape};
pub use sim::VobizSim;
pub(crate) use state::VobizWorld;
pub use state::{VobizParent, VobizRowShape, VobizSubState};

/// Which of its documented answers Vobiz gives (the two sources disagree), fixed for each
/// request when it arrives.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Wire {
    pub(crate) error_shape: VobizErrorShape,
    pub(crate) delete_style: config::DeleteStyle,
}

impl Wire {
    /// A request no provider owns carries none: the defaults.
    pub(crate) fn of(info: &ReqInfo) -> Wire {
        info.detail::<Wire>().copied().unwrap_or_default()
    }
}

/// Vobiz's sub-accounts API, as the pipeline sees it.
pub(crate) struct Vobiz;

impl SimProvider for Vobiz {
    fn name(&self) -> &'static str {
        "vobiz"
    }

    fn owns(&self, path: &str) -> bool {
        path.starts_with("/api/v1/accounts/")
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        handlers::routes()
    }

    fn request_info(&self, shared: &Shared, seq: u64) -> ReqInfo {
        let wire = shared.state(|w: &mut VobizWorld| w.wire);
        let id = match wire.error_shape {
            VobizErrorShape::Envelope | VobizErrorShape::Loose => ids::request_id(shared.seed, seq),
            VobizErrorShape::Plivo => ids::api_id(shared.seed, seq),
        };
        ReqInfo::new(id).with(wire)
    }

    /// The loose shape models an API that documents its request id only in the body.
    fn request_id_header(&self, info: &ReqInfo) -> Option<HeaderName> {
        (Wire::of(info).error_shape != VobizErrorShape::Loose)
            .then(|| HeaderName::from_static("x-request-id"))
    }

    fn authenticate(
        &self,
        shared: &Shared,
        path: &str,
        headers: &HeaderMap,
        info: &ReqInfo,
    ) -> Result<Principal, Response> {
        auth::authenticate(shared, path, headers).map_err(|e| e.render(info))
    }

    fn failure(&self, info: &ReqInfo, failure: Failure) -> Response {
        VobizError::failure(failure).render(info)
    }

    fn not_found(&self, info: &ReqInfo, _path: &str) -> Response {
        VobizError::NOT_FOUND.render(info)
    }

    fn method_not_allowed(&self, info: &ReqInfo) -> Response {
        VobizError::METHOD_NOT_ALLOWED.render(info)
    }

    fn snapshot(&self, shared: &Shared) -> Option<Value> {
        let subs = shared.state(|w: &mut VobizWorld| w.all());
        let rows: Vec<Value> = subs
            .into_iter()
            .map(|(parent, s)| {
                json!({
                    "parent_auth_id": parent,
                    "auth_id": s.auth_id,
                    "name": s.name,
                    "enabled": s.enabled,
                })
            })
            .collect();
        Some(Value::Array(rows))
    }

    fn default_subaccounts(&self) -> usize {
        12
    }

    fn seed_parent(&self, shared: &Shared, subaccounts: usize) -> Value {
        shared.state(|w: &mut VobizWorld| {
            let parent = w.add_parent("Demo Reseller (Vobiz)");
            w.seed_subaccounts(&parent.auth_id, subaccounts);
            json!({"auth_id": parent.auth_id, "auth_token": parent.auth_token})
        })
    }

    fn seed_demo(&self, shared: &Shared) -> DemoParent {
        let name = "Demo Reseller (Vobiz)";
        shared.state(|w: &mut VobizWorld| {
            let parent = w.add_parent(name);
            w.seed_subaccounts(&parent.auth_id, 15);
            DemoParent {
                provider: "vobiz",
                label: "Demo Vobiz".into(),
                parent_name: name.into(),
                account_id: parent.auth_id,
                secret: parent.auth_token,
            }
        })
    }
}
