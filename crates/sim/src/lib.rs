//! `subdesk-sim`: a stateful simulator of the sub-account APIs of Twilio (Accounts,
//! 2010-04-01), Vobiz, Plivo, Vonage and Telnyx, served over real HTTP on 127.0.0.1.
//!
//! Why a hand-written simulator rather than a spec-driven mock (Prism): the client's hard
//! parts are stateful — paging to the end, closed being final, closing releasing numbers,
//! provider error codes, 429s under concurrency, failures that may or may not have applied.
//! A stateless mock can produce none of that (see providers.md §7).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use subdesk_sim::{Sim, SimConfig};
//! let sim = Sim::start(SimConfig::default()).await?;
//! let parent = sim.twilio().add_parent("Reseller");
//! sim.twilio().seed_subaccounts(&parent.sid, 100);
//! // point the client at sim.base_url() with (parent.sid, parent.auth_token)
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Layout: one module per provider (`twilio`, `vobiz`, `plivo`, `vonage`, `telnyx`: its
//! routes, auth, error bodies and its own state, reached through `provider::SimProvider`
//! and listed once in `PROVIDERS`); `config` (start-up settings), `pipeline` (auth,
//! concurrency, latency, faults, request log), `request` (what the pipeline and a provider
//! hand each other), `faults` (seeded fault rolls), `server` (connections and resets),
//! `control` (`/_sim` endpoints), `shared` (what every request shares), `tenants` (seeded
//! tenant names).

mod config;
mod control;
mod faults;
mod ids;
mod padding;
mod pipeline;
mod plivo;
mod provider;
mod request;
mod server;
mod shared;
mod telnyx;
mod tenants;
mod twilio;
mod vobiz;
mod vonage;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::response::Response;
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Apply, FaultKind, FaultPlan, ScriptedFault, SimConfig};
pub use padding::Padding;
pub use plivo::{PlivoConfig, PlivoSim, PlivoSubState};
pub use provider::DemoParent;
pub use shared::RequestRecord;
pub use telnyx::{TelnyxAccountState, TelnyxConfig, TelnyxSim};
pub use twilio::{
    NumberTie, TwilioAccountState, TwilioConfig, TwilioKeyKind, TwilioParent, TwilioSim,
    TwilioTransfer,
};
pub use vobiz::{
    DeleteStyle, VobizConfig, VobizErrorShape, VobizParent, VobizRowShape, VobizSim, VobizSubState,
};
pub use vonage::{VonageConfig, VonagePatchAnswer, VonageSim, VonageSubState};

use provider::SimProvider;
use request::Ctx;
use shared::Shared;

/// Every simulated provider. **The one list**: adding a provider is its module and a line here.
const PROVIDERS: &[&dyn SimProvider] = &[
    &twilio::Twilio,
    &vobiz::Vobiz,
    &plivo::Plivo,
    &vonage::Vonage,
    &telnyx::Telnyx,
];

/// A simulated provider as the simulator binary lists it.
#[derive(Debug, Clone, Copy)]
pub struct SimProviderInfo {
    /// Its simulator name (`twilio`, `vobiz`, …).
    pub name: &'static str,
    /// How many subaccounts the binary seeds under its parent by default.
    pub default_subaccounts: usize,
}

/// Every simulated provider, in the registry's order.
pub fn providers() -> Vec<SimProviderInfo> {
    PROVIDERS
        .iter()
        .map(|p| SimProviderInfo {
            name: p.name(),
            default_subaccounts: p.default_subaccounts(),
        })
        .collect()
}

/// The provider whose API a path belongs to.
fn provider_of(path: &str) -> Option<&'static dyn SimProvider> {
    PROVIDERS.iter().copied().find(|p| p.owns(path))
}

/// Who answers a path no provider owns (with its 404 body): the first provider.
fn fallback_provider() -> &'static dyn SimProvider {
    PROVIDERS[0]
}

/// A running simulator. Dropping it stops the server too; [`Sim::shutdown`] also waits for
/// the server task to finish.
pub struct Sim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Sim {
    /// Binds 127.0.0.1 (port `config.port`, or a free one) and serves on the current tokio
    /// runtime. Only loopback: the simulator has no real security and must not be reachable
    /// from elsewhere.
    pub async fn start(config: SimConfig) -> io::Result<Sim> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port.unwrap_or(0))).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(&config));
        let app = router(Arc::clone(&shared));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, app, stopped));
        tracing::info!("simulator listening on http://{addr}");
        Ok(Sim {
            shared,
            addr,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`: the base of every provider's paths (each owns its own
    /// prefix, such as Twilio's `/2010-04-01/…`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    // ------------------------------------------------------------------ seeding
    // (each provider's own seeding, switches and inspection are on its handle, in its module:
    // `sim.twilio()`, `sim.vobiz()`, `sim.plivo()`, `sim.vonage()`, `sim.telnyx()`)

    /// The demo workspace: one parent account of every simulated provider, with sample tenants.
    pub fn seed_demo(&self) -> Vec<DemoParent> {
        PROVIDERS
            .iter()
            .map(|p| p.seed_demo(&self.shared))
            .collect()
    }

    /// A parent account of `provider` (its simulator name, as [`providers`] lists it) with
    /// `subaccounts` generated subaccounts: its credentials as a JSON object, keyed as the
    /// provider names them. `None` for a provider the simulator does not know.
    pub fn seed_parent(&self, provider: &str, subaccounts: usize) -> Option<serde_json::Value> {
        PROVIDERS
            .iter()
            .find(|p| p.name() == provider)
            .map(|p| p.seed_parent(&self.shared, subaccounts))
    }

    // ------------------------------------------------------------------ inspection

    /// Every provider request so far, in arrival order (`/_sim` requests are not logged).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.records()
    }

    pub fn clear_requests(&self) {
        self.shared.clear_records();
    }

    /// The most provider requests ever in flight at once (all parents together, counted
    /// from arrival, including those answered 401 or 429): what a client's concurrency
    /// bound is checked against.
    pub fn max_in_flight_seen(&self) -> usize {
        self.shared.max_in_flight_seen()
    }

    /// Provider requests in flight right now (a client that dropped its requests sees this
    /// fall to 0 once the simulator notices the closed connections).
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight_now()
    }

    /// The most requests one parent ever had in flight at once (past authentication, counted
    /// as the per-parent limit counts them); 0 for a parent that had none. `provider` is the
    /// simulator's name for it (`twilio`, `vobiz`, …), `parent` the parent's id.
    pub fn max_in_flight_for(&self, provider: &str, parent: &str) -> usize {
        self.shared
            .max_in_flight_per_parent()
            .get(&format!("{provider}/{parent}"))
            .copied()
            .unwrap_or(0)
    }

    /// Forgets the in-flight peaks, so a test can measure one phase of its work.
    pub fn reset_in_flight_peaks(&self) {
        self.shared.reset_in_flight_peaks();
    }

    // ------------------------------------------------------------------ knobs

    pub fn set_latency(&self, latency: Duration) {
        self.shared.update_knobs(|k| k.latency = latency);
    }

    pub fn set_faults(&self, plan: FaultPlan) {
        self.shared.update_knobs(|k| k.faults = plan);
    }

    pub fn set_concurrency_limit(&self, limit: Option<usize>) {
        self.shared.update_knobs(|k| k.concurrency_limit = limit);
    }

    /// Pads every successful answer from now on (`None` stops it): see [`Padding`].
    pub fn set_padding(&self, padding: Option<Padding>) {
        self.shared.update_knobs(|k| k.padding = padding);
    }

    /// See [`SimConfig::faults_on_writes_only`].
    pub fn set_faults_on_writes_only(&self, yes: bool) {
        self.shared.update_knobs(|k| k.faults_on_writes_only = yes);
    }

    /// See [`SimConfig::apply_delay`].
    pub fn set_apply_delay(&self, delay: Duration) {
        self.shared.update_knobs(|k| k.apply_delay = delay);
    }

    /// Plans a fault for one write (see [`ScriptedFault`]).
    pub fn plan_fault(&self, fault: ScriptedFault) {
        self.shared.plan(fault);
    }

    /// Forgets the planned faults not used yet.
    pub fn clear_planned_faults(&self) {
        self.shared.clear_plan();
    }

    /// Stops accepting, drops every open connection and waits for the server task.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            if let Err(e) = task.await {
                tracing::warn!("simulator task ended abnormally: {e}");
            }
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        // Tells the accept loop to stop; it then drops its connections on its own.
        self.stop.send_replace(true);
    }
}

/// All routes behind the pipeline middleware. Unknown paths and wrong methods get the
/// provider's own error body rather than axum's plain-text defaults.
fn router(shared: Arc<Shared>) -> Router {
    let routes = PROVIDERS
        .iter()
        .fold(Router::new(), |r, p| r.merge(p.routes()));
    routes
        .merge(control::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            pipeline::pipeline,
        ))
        .with_state(shared)
}

async fn fallback(req: Request) -> Response {
    let path = req.uri().path();
    match (provider_of(path), req.extensions().get::<Ctx>()) {
        (Some(p), Some(ctx)) => p.not_found(&ctx.info, path),
        _ => fallback_provider().not_found(&request::unowned(), path),
    }
}

async fn method_not_allowed(req: Request) -> Response {
    match (provider_of(req.uri().path()), req.extensions().get::<Ctx>()) {
        (Some(p), Some(ctx)) => p.method_not_allowed(&ctx.info),
        _ => fallback_provider().method_not_allowed(&request::unowned()),
    }
}
