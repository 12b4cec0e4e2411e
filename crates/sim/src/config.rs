//! Start-up configuration and the fault vocabulary.
//!
//! Everything here is plain data so tests can build it with struct-update syntax
//! (`SimConfig { latency: .., ..Default::default() }`) and the binary can fill it from flags.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

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
    /// Which of the two documented success answers Vobiz's DELETE gives.
    pub vobiz_delete_style: DeleteStyle,
    /// Which of the two documented error bodies Vobiz gives.
    pub vobiz_error_shape: VobizErrorShape,
    /// How long a [`FaultKind::Timeout`] request hangs before its connection is dropped.
    /// Real servers hang for about a minute; tests set this small to stay fast.
    pub timeout_hang: Duration,
    /// A faulted write that goes through does so this long after its failure answer, so a
    /// re-read right after the failure still shows the old state (a busy backend finishing
    /// the request late). Zero: the change is made before the failure answer.
    pub apply_delay: Duration,
    /// Twilio: whether a parent's Main API key may change a subaccount's `Status`. The
    /// docs disagree (Main keys are "equivalent to the Auth Token" on the keys page; "denied
    /// on subaccount resources" on the subaccounts page). Reads of a subaccount's own
    /// resources (its IncomingPhoneNumbers) are always denied to a Main key.
    pub twilio_main_key_writes_subaccounts: bool,
    /// Twilio: closed subaccounts disappear (a fetch answers 404) right after closing, as
    /// they do 30 days after closure when automatic deletion is on (Twilio's default).
    pub twilio_purge_closed: bool,
    /// Twilio: reads of a suspended or closed subaccount's own resources (its
    /// IncomingPhoneNumbers, its Balance) answer 401 with code 20003, even with the parent's
    /// Auth Token. Twilio's page for error 20003 lists "the account is suspended or closed"
    /// among its causes; whether the parent's reads of a subaccount are refused that way is
    /// not documented, so on by default (the cautious reading) and off for the other.
    pub twilio_suspended_reads_refused: bool,
    /// Only writes (POST, PUT, PATCH, DELETE) draw faults; reads always answer. For tests of
    /// what a client does after a write's answer is lost, without faulting its re-reads.
    pub faults_on_writes_only: bool,
    /// Vobiz: every request of an authenticated parent answers 403 (not allowed to manage
    /// sub-accounts).
    pub vobiz_forbidden: bool,
    /// Vobiz: sub-accounts created after each list page is served, so paging shifts.
    pub vobiz_created_per_page: usize,
    /// Vobiz: a server that serves at most this many rows a page, silently: it skips
    /// `(page - 1) * size` rows of the size asked for, gives no more than the cap, and echoes
    /// the size asked for. The docs give `size` a default of 25 and no maximum
    /// (shared/reference/providers.md §2), so a client must read back how many rows it got.
    /// `None`: every page is the size asked for.
    pub vobiz_page_cap: Option<usize>,
    /// Telnyx: the list answers without `meta`. Every `meta` field is optional in the spec
    /// (team-telnyx/telnyx-java `ListManagedAccounts200Response`), so a client cannot count
    /// on `total_pages`.
    pub telnyx_list_without_meta: bool,
    /// Telnyx: the order of a list that sends no `sort`. The spec says both "by default
    /// sorting direction is ascending" (default `created_at`) and "if not given, results are
    /// sorted by created_at in descending order"; true follows the second sentence.
    pub telnyx_unsorted_newest_first: bool,
    /// Telnyx: how the managed-accounts resource refuses a valid key of an account that is not
    /// a manager. The spec documents only 200 and 401 for the list ("Unauthorized response.
    /// Happens when the current user is not a manager account": team-telnyx/telnyx-java
    /// `ManagedAccountsApi.java`), with the same body as a wrong key; false (the default)
    /// answers that. True answers 403 with code 10010 ("Authorization failed"), an answer
    /// the spec does not document. Other resources (`GET /v2/balance`) take the key either way.
    pub telnyx_not_manager_403: bool,
    /// Vonage: what a PATCH answers. The spec documents 200 with the subaccount; this models
    /// an answer that still shows the state from before the request.
    pub vonage_patch_answer: VonagePatchAnswer,
    /// Plivo: subaccounts created after each list page is served, so offsets shift and
    /// `meta.total_count` changes during a listing.
    pub plivo_created_per_page: usize,
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
            vobiz_delete_style: DeleteStyle::WithMessage,
            vobiz_error_shape: VobizErrorShape::Envelope,
            timeout_hang: Duration::from_secs(60),
            apply_delay: Duration::ZERO,
            twilio_main_key_writes_subaccounts: true,
            twilio_purge_closed: false,
            twilio_suspended_reads_refused: true,
            faults_on_writes_only: false,
            vobiz_forbidden: false,
            vobiz_created_per_page: 0,
            vobiz_page_cap: None,
            telnyx_list_without_meta: false,
            telnyx_unsorted_newest_first: true,
            plivo_created_per_page: 0,
            telnyx_not_manager_403: false,
            vonage_patch_answer: VonagePatchAnswer::Current,
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

/// Vobiz's DELETE documents both a 200 with a message and a bare 204; clients must take both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteStyle {
    /// 200 `{"message":"Sub-account deleted successfully"}`.
    #[default]
    WithMessage,
    /// 204 with an empty body.
    NoContent,
}

impl FromStr for DeleteStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "with_message" => Ok(DeleteStyle::WithMessage),
            "no_content" => Ok(DeleteStyle::NoContent),
            _ => Err(format!(
                "unknown delete style {s:?} (expected with_message or no_content)"
            )),
        }
    }
}

/// Vobiz documents two contradictory error bodies; the simulator can speak either, so the
/// client's parser is tested against both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VobizErrorShape {
    /// `{"status":"error","error":{"code","message","details"},"timestamp","requestId"}`.
    #[default]
    Envelope,
    /// `{"api_id":"<uuid>","error":"<message>"}` (the Plivo-style SDK schema).
    Plivo,
    /// `{"code": 404, "detail": ["…"], "request_id": "…"}`: a numeric code, a list of details
    /// and a snake_case request id, which a lenient client must read too.
    Loose,
}

impl FromStr for VobizErrorShape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "envelope" => Ok(VobizErrorShape::Envelope),
            "plivo" => Ok(VobizErrorShape::Plivo),
            "loose" => Ok(VobizErrorShape::Loose),
            _ => Err(format!(
                "unknown error shape {s:?} (expected envelope, plivo or loose)"
            )),
        }
    }
}

/// What Vonage's PATCH on a subaccount answers (see [`SimConfig::vonage_patch_answer`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VonagePatchAnswer {
    /// 200 with the subaccount as the change left it (what the spec documents).
    #[default]
    Current,
    /// The change is made, but the 200 shows the subaccount as it was before (a stale read).
    Stale,
    /// 200 with the subaccount unchanged, and the change is not made.
    Ignored,
}
