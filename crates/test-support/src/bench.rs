//! What the network benchmarks share: the simulator on a runtime of its own (so its work does
//! not compete with the client's workers) and the client runtime.

use subdesk_sim::{Sim, SimConfig};
use tokio::runtime::{Builder, Runtime};

pub struct Bench {
    /// Dropped before `sim_rt`: the server shuts down on the runtime that runs it.
    pub sim: Sim,
    pub rt: Runtime,
    pub sim_rt: Runtime,
}

/// Starts the simulator with `config` on one worker, and a two-worker client runtime.
pub fn start(config: SimConfig) -> Bench {
    let runtime = |workers| {
        Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap()
    };
    let sim_rt = runtime(1);
    let sim = sim_rt.block_on(Sim::start(config)).unwrap();
    Bench {
        sim,
        rt: runtime(2),
        sim_rt,
    }
}

/// A workspace for a benchmark: settings, secrets and history in memory, default HTTP and
/// retry, `concurrency` actions at once per connection.
pub fn workspace(concurrency: u32) -> std::sync::Arc<subdesk_core::Workspace> {
    use subdesk_core::providers::{HttpConfig, RetryPolicy};
    let ws = subdesk_core::Workspace::new(subdesk_core::WorkspaceConfig {
        settings: std::sync::Arc::new(subdesk_core::MemorySettings::default()),
        secrets: std::sync::Arc::new(subdesk_core::secrets::MemoryStore::default()),
        history_path: None,
        http: HttpConfig::default(),
        retry: RetryPolicy::default(),
        actor: "bench".into(),
    })
    .unwrap();
    ws.set_settings(subdesk_core::Settings {
        concurrency,
        ..subdesk_core::Settings::default()
    })
    .unwrap();
    std::sync::Arc::new(ws)
}
