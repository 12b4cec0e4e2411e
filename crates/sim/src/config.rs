//! Start-up configuration and the fault vocabulary. Each provider's own settings are
//! declared in its module (`TwilioConfig`, `VobizConfig`, …) and held here by name.
//!
//! Everything here is plain data so tests can build it with struct-update syntax
//! (`SimConfig { latency: .., ..Default::default() }`) and the binary can fill it from flags.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::plivo::PlivoConfig;
use crate::telnyx::TelnyxConfig;
use crate::twilio::TwilioConfig;
use crate::vobiz::VobizConfig;
use crate::vonage::VonageConfig;

/// How the simulator starts. Latency, faults and the concurrency limit can be changed later
/// through [`crate::Sim`] or `POST /_sim/config`; the rest is fixed for the server's life.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Port on 127.0.0.1; `None` picks a free one (what tests want, so they can run in parallel).
    pub port: Option<u16>,
    /// Added to every provider request before it is processed (and counted as in flight).
    pub latency: Duration,
    /// Maximum concurrent requests per authenticated parent account; beyond it → 429.
    pub concurrency_limit: Option<usize>,
    /// Injected failures.
    pub faults: FaultPlan,
    /// Seeds every random choice (fault rolls, generated ids), so runs are reproducible
    /// given the same request order.
    pub rng_seed: u64,
    /// `Retry-After` (seconds) sent on 429 answers when set. Twilio does not document it for
    /// the 2010 API, so the default is to leave it out and let clients fall back to backoff.
    pub retry_after_secs: Option<u64>,
    /// How long a [`FaultKind::Timeout`] request hangs before its connection is dropped.
    /// Real servers hang for about a minute; tests set this small to stay fast.
    pub timeout_hang: Duration,
    /// A faulted write that goes through does so this long after its failure answer, so a
    /// re-read right after the failure still shows the old state (a busy backend finishing
    /// the request late). Zero: the change is made before the failure answer.
    pub apply_delay: Duration,
    /// Only writes (POST, PUT, PATCH, DELETE) draw faults; reads always answer. For tests of
    /// what a client does after a write's answer is lost, without faulting its re-reads.
    pub faults_on_writes_only: bool,
    /// Each provider's own settings, declared in its module.
    pub twilio: TwilioConfig,
    pub vobiz: VobizConfig,
    pub plivo: PlivoConfig,
    pub vonage: VonageConfig,
    pub telnyx: TelnyxConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: None,
            latency: Duration::ZERO,
            concurrency_limit: None,
            faults: FaultPlan::default(),
            rng_seed: 42,
            retry_after_secs: None,
            timeout_hang: Duration::from_secs(60),
            apply_delay: Duration::ZERO,
            faults_on_writes_only: false,
            twilio: TwilioConfig::default(),
            vobiz: VobizConfig::default(),
            plivo: PlivoConfig::default(),
            vonage: VonageConfig::default(),
            telnyx: TelnyxConfig::default(),
        }
    }
}

/// Which requests fail and how. Each provider request fails with probability `rate`; the
/// kind is then chosen uniformly from `kinds`. An empty `kinds` means no faults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultPlan {
    /// Probability per request, 0.0..=1.0 (values outside are clamped by the comparison).
    pub rate: f64,
    pub kinds: Vec<FaultKind>,
}

impl FaultPlan {
    /// Every kind except `Timeout`, which is slow by design and usually wanted on purpose.
    pub fn quick_kinds() -> Vec<FaultKind> {
        vec![
            FaultKind::TooManyRequests,
            FaultKind::ServerError,
            FaultKind::Unavailable,
            FaultKind::Reset,
            FaultKind::BadGateway,
            FaultKind::GatewayTimeout,
        ]
    }
}

/// A fault planned for one write, for tests that explore fault schedules: the next write
/// (POST, PUT, PATCH, DELETE) whose path contains `target` (an account id) fails with `kind`,
/// whatever the random [`FaultPlan`] says, and the change it asks for goes through as `apply`
/// says. Planned faults are used in the order they were added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedFault {
    pub target: String,
    pub kind: FaultKind,
    pub apply: Apply,
}

/// Whether, and when, a faulted write's change goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apply {
    /// Never: the backend dropped the request (always so for a 429).
    Never,
    /// Before the failure is answered: a re-read right after it shows the change.
    BeforeAnswer,
    /// This long after the failure was answered: a re-read right after it still shows the old
    /// state (a busy backend finishing the request late).
    After(Duration),
}

/// A failure the simulator can inject into a provider request.
///
/// Only `TooManyRequests` is never processed: it is the one failure the providers document as
/// "not processed, safe to retry" (Twilio 20429). Every other kind may or may not have
/// changed state before failing (a seeded coin decides; the request log says which), because
/// that is what real outages do to clients: a 503 or a gateway's 502/504 says nothing about
/// whether the API behind it already acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with the provider's rate-limit body.
    TooManyRequests,
    /// 500 with the provider's error body.
    ServerError,
    /// 503 with the provider's error body.
    Unavailable,
    /// The TCP connection is reset; no HTTP response at all.
    Reset,
    /// No answer for [`SimConfig::timeout_hang`], then the connection is dropped.
    Timeout,
    /// 502 from a gateway in front of the API, with an HTML body (not the provider's JSON).
    BadGateway,
    /// 504 from a gateway in front of the API, with an HTML body.
    GatewayTimeout,
    /// 404 from a gateway in front of the API (a misrouted request, a path the gateway does not
    /// know yet), with an HTML body: it says nothing about the account, unlike the provider's
    /// own 404 error body.
    GatewayNotFound,
}

impl FaultKind {
    pub const ALL: [FaultKind; 8] = [
        FaultKind::TooManyRequests,
        FaultKind::ServerError,
        FaultKind::Unavailable,
        FaultKind::Reset,
        FaultKind::Timeout,
        FaultKind::BadGateway,
        FaultKind::GatewayTimeout,
        FaultKind::GatewayNotFound,
    ];

    /// The snake_case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::TooManyRequests => "too_many_requests",
            FaultKind::ServerError => "server_error",
            FaultKind::Unavailable => "unavailable",
            FaultKind::Reset => "reset",
            FaultKind::Timeout => "timeout",
            FaultKind::BadGateway => "bad_gateway",
            FaultKind::GatewayTimeout => "gateway_timeout",
            FaultKind::GatewayNotFound => "gateway_not_found",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown fault kind {s:?} (expected one of too_many_requests, server_error, unavailable, reset, timeout, bad_gateway, gateway_timeout, gateway_not_found)"
                )
            })
    }
}
