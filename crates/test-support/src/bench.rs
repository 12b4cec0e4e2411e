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
