//! Twilio's REST API 2010-04-01, Accounts resource.
//!
//! Bodies follow the official OpenAPI spec (`api.v2010.account`, `ListAccountResponse`,
//! `ListIncomingPhoneNumberResponse`) and error bodies follow recorded responses
//! (`{code, message, more_info, status}`). `state` holds the accounts and their rules;
//! `auth`, `handlers`, `json`, `paging` and `error` are the wire side; `sim` is the seeding
//! and inspection API of [`crate::Sim`].

mod auth;
mod config;
mod error;
mod handlers;
mod ids;
mod json;
mod paging;
mod sim;
mod state;
mod switches;
mod usage;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{Map, Value};

use crate::provider::{DemoParent, SimProvider, SwitchChange};
use crate::request::{Failure, Principal, ReqInfo};
use crate::shared::Shared;
use error::TwilioError;

pub use config::TwilioConfig;
pub use sim::TwilioSim;
pub(crate) use state::TwilioWorld;
pub use state::{NumberTie, TwilioAccountState, TwilioKeyKind, TwilioParent, TwilioTransfer};

/// Twilio's Accounts API, as the pipeline sees it.
pub(crate) struct Twilio;

impl SimProvider for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn owns(&self, path: &str) -> bool {
        path.starts_with("/2010-04-01/") || path == "/2010-04-01"
    }

    fn routes(&self) -> Router<Arc<Shared>> {
        handlers::routes()
    }

    fn request_info(&self, shared: &Shared, seq: u64) -> ReqInfo {
        ReqInfo::new(ids::request_id(shared.seed, seq))
    }

    fn request_id_header(&self, _: &ReqInfo) -> Option<HeaderName> {
        Some(HeaderName::from_static("twilio-request-id"))
    }

    fn authenticate(
        &self,
        shared: &Shared,
        _path: &str,
        headers: &HeaderMap,
        _info: &ReqInfo,
    ) -> Result<Principal, Response> {
        auth::authenticate(shared, headers).map_err(IntoResponse::into_response)
    }

    fn failure(&self, _: &ReqInfo, failure: Failure) -> Response {
        TwilioError::failure(failure).into_response()
    }

    fn not_found(&self, _: &ReqInfo, path: &str) -> Response {
        TwilioError::not_found(path).into_response()
    }

    fn method_not_allowed(&self, _: &ReqInfo) -> Response {
        TwilioError::method_not_allowed().into_response()
    }

    fn switches(&self, shared: &Shared) -> Map<String, Value> {
        switches::to_json(shared)
    }

    fn take_switches(
        &self,
        patch: &mut Map<String, Value>,
    ) -> Result<Option<SwitchChange>, String> {
        switches::take(patch)
    }

    fn snapshot(&self, shared: &Shared) -> Option<Value> {
        Some(serde_json::json!(
            shared.state(|w: &mut TwilioWorld| w.all())
        ))
    }

    fn default_subaccounts(&self) -> usize {
        25
    }

    fn seed_parent(&self, shared: &Shared, subaccounts: usize) -> Value {
        shared.state(|w: &mut TwilioWorld| {
            let parent = w.add_parent("Demo Reseller (Twilio)");
            w.seed_subaccounts(&parent.sid, subaccounts);
            serde_json::json!({"account_sid": parent.sid, "auth_token": parent.auth_token})
        })
    }

    fn seed_demo(&self, shared: &Shared) -> DemoParent {
        let name = "Demo Reseller (Twilio)";
        shared.state(|w: &mut TwilioWorld| {
            let parent = w.add_parent(name);
            w.seed_subaccounts(&parent.sid, 40);
            DemoParent {
                provider: "twilio",
                label: "Demo Twilio".into(),
                parent_name: name.into(),
                account_id: parent.sid,
                secret: parent.auth_token,
            }
        })
    }
}
