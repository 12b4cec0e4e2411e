//! State shared by the `Sim` handle and every request: the world, the run-time knobs, the
//! fault RNG, the request log and the in-flight counters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

use crate::config::{FaultKind, FaultPlan, ScriptedFault, SimConfig};
use crate::faults::{self, FaultDraw};

/// One provider request as the simulator saw it (control endpoints under `/_sim` are not
/// recorded, so tests can poll them without disturbing counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// Arrival order, from 1.
    pub seq: u64,
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string, empty when there was none.
    pub query: String,
    /// HTTP status sent; 0 when no response was sent (reset, timeout, client went away).
    pub status: u16,
    /// The injected fault, if one hit this request.
    pub fault: Option<FaultKind>,
    /// Whether the request changed state (also true for a faulted request whose change went
    /// through before the failure).
    pub applied: bool,
    /// A write's body as sent (its first KiB, as text); empty for reads. Lets a test tell a
    /// Twilio close (`Status=closed`) from a suspend on the same path.
    pub body: String,
}

/// Settings that can change while the server runs.
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    pub(crate) latency: Duration,
    pub(crate) faults: FaultPlan,
    pub(crate) concurrency_limit: Option<usize>,
    pub(crate) retry_after_secs: Option<u64>,
    pub(crate) timeout_hang: Duration,
    pub(crate) apply_delay: Duration,
    pub(crate) faults_on_writes_only: bool,
    pub(crate) padding: Option<crate::padding::Padding>,
}

/// Locks a mutex, ignoring poisoning: a panic in one test thread must not turn every later
/// request into a panic too, and none of our critical sections leaves data half-written.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct FaultRng {
    rng: StdRng,
    next_seq: u64,
}

pub(crate) struct Shared {
    pub(crate) seed: u64,
    /// What each provider's state starts from (see [`ProviderState::new`]).
    config: SimConfig,
    knobs: Mutex<Knobs>,
    fault_rng: Mutex<FaultRng>,
    log: Mutex<Vec<RequestRecord>>,
    script: Mutex<Vec<ScriptedFault>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    per_parent: Mutex<HashMap<String, usize>>,
    /// The most requests each parent ever had in flight at once (`provider/parent` keys).
    max_per_parent: Mutex<HashMap<String, usize>>,
    /// The state of providers that keep their own (one value per type; see [`ProviderState`]).
    states: Mutex<axum::http::Extensions>,
}

/// A simulated provider's own accounts and switches, created on first use from the
/// simulator's start-up settings (its seed, and the provider's own fields of them).
pub(crate) trait ProviderState: Clone + Send + Sync + 'static {
    fn new(config: &SimConfig) -> Self;
}

impl Shared {
    pub(crate) fn new(config: &SimConfig) -> Shared {
        Shared {
            seed: config.rng_seed,
            config: config.clone(),
            knobs: Mutex::new(Knobs {
                latency: config.latency,
                faults: config.faults.clone(),
                concurrency_limit: config.concurrency_limit,
                retry_after_secs: config.retry_after_secs,
                timeout_hang: config.timeout_hang,
                apply_delay: config.apply_delay,
                faults_on_writes_only: config.faults_on_writes_only,
                padding: None,
            }),
            fault_rng: Mutex::new(FaultRng {
                rng: StdRng::seed_from_u64(config.rng_seed),
                next_seq: 1,
            }),
            log: Mutex::new(Vec::new()),
            script: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            per_parent: Mutex::new(HashMap::new()),
            max_per_parent: Mutex::new(HashMap::new()),
            states: Mutex::new(axum::http::Extensions::new()),
        }
    }

    /// Runs `f` on provider state `T` (created from the config the first time).
    pub(crate) fn state<T: ProviderState, R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut states = lock(&self.states);
        if states.get::<T>().is_none() {
            states.insert(T::new(&self.config));
        }
        f(states.get_mut::<T>().expect("inserted above"))
    }

    pub(crate) fn knobs(&self) -> Knobs {
        lock(&self.knobs).clone()
    }

    pub(crate) fn update_knobs(&self, f: impl FnOnce(&mut Knobs)) -> Knobs {
        let mut k = lock(&self.knobs);
        f(&mut k);
        k.clone()
    }

    /// Gives the request its sequence number and rolls its fault in one step, so the n-th
    /// request always gets the n-th roll: runs replay exactly given the same arrival order.
    pub(crate) fn begin(&self, plan: &FaultPlan) -> (u64, Option<FaultDraw>) {
        let mut f = lock(&self.fault_rng);
        let seq = f.next_seq;
        f.next_seq += 1;
        let draw = faults::roll(&mut f.rng, plan);
        (seq, draw)
    }

    pub(crate) fn plan(&self, fault: ScriptedFault) {
        lock(&self.script).push(fault);
    }

    pub(crate) fn clear_plan(&self) {
        lock(&self.script).clear();
    }

    /// The first planned fault for a write to `path`, taken off the plan.
    pub(crate) fn take_planned(&self, path: &str) -> Option<ScriptedFault> {
        let mut script = lock(&self.script);
        let at = script.iter().position(|f| path.contains(&f.target))?;
        Some(script.remove(at))
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        lock(&self.log).push(record);
    }

    /// A faulted request whose change went through late (see `SimConfig::apply_delay`).
    pub(crate) fn mark_applied_late(&self, seq: u64) {
        if let Some(r) = lock(&self.log).iter_mut().find(|r| r.seq == seq) {
            r.applied = true;
        }
    }

    /// Records in arrival order (they are appended as requests finish).
    pub(crate) fn records(&self) -> Vec<RequestRecord> {
        let mut v = lock(&self.log).clone();
        v.sort_by_key(|r| r.seq);
        v
    }

    pub(crate) fn clear_records(&self) {
        lock(&self.log).clear();
    }

    pub(crate) fn max_in_flight_seen(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn in_flight_now(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests each parent had in flight at once, by `provider/parent`.
    pub(crate) fn max_in_flight_per_parent(&self) -> HashMap<String, usize> {
        lock(&self.max_per_parent).clone()
    }

    /// Forgets the peaks (the counts of requests in flight now stay as they are).
    pub(crate) fn reset_in_flight_peaks(&self) {
        self.max_in_flight
            .store(self.in_flight_now(), Ordering::SeqCst);
        lock(&self.max_per_parent).clear();
    }

    /// Counts a provider request as in flight until the guard drops (also when the client
    /// goes away and the request's future is dropped).
    pub(crate) fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// Takes one of `key`'s concurrency slots, or `None` when all `limit` are taken.
    pub(crate) fn enter_parent(
        self: &Arc<Self>,
        key: &str,
        limit: Option<usize>,
    ) -> Option<ParentSlot> {
        let mut map = lock(&self.per_parent);
        let n = map.entry(key.to_owned()).or_insert(0);
        if limit.is_some_and(|l| *n >= l) {
            return None;
        }
        *n += 1;
        let mut peaks = lock(&self.max_per_parent);
        let peak = peaks.entry(key.to_owned()).or_insert(0);
        *peak = (*peak).max(*n);
        Some(ParentSlot {
            shared: Arc::clone(self),
            key: key.to_owned(),
        })
    }
}

pub(crate) struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) struct ParentSlot {
    shared: Arc<Shared>,
    key: String,
}

impl Drop for ParentSlot {
    fn drop(&mut self) {
        let mut map = lock(&self.shared.per_parent);
        if let Some(n) = map.get_mut(&self.key) {
            *n = n.saturating_sub(1);
        }
    }
}
