//! The demo workspace: the provider simulator, started in-process on loopback with sample
//! tenants, behind one demo connection of every provider (the simulator lists them). Their credentials live in memory
//! only and never reach the keychain.

use std::time::Duration;

use subdesk_core::{secrets::Secret, Connection, Provider, Workspace};
use subdesk_sim::{Sim, SimConfig};
use uuid::Uuid;

pub async fn open(ws: &Workspace) -> subdesk_core::Result<()> {
    if ws.demo_open() {
        return Ok(());
    }
    let sim = Sim::start(SimConfig {
        // A little latency so progress and pending states are visible, as with a real provider.
        latency: Duration::from_millis(40),
        ..SimConfig::default()
    })
    .await
    .map_err(|e| subdesk_core::Error::Network {
        detail: format!("could not start the demo simulator: {e}"),
    })?;
    let base = sim.base_url();
    // One parent of every simulated provider, with its sample tenants.
    let connections = sim
        .seed_demo()
        .into_iter()
        .filter_map(|p| {
            let provider = Provider::parse(p.provider)?;
            Some((
                Connection {
                    id: Uuid::new_v4(),
                    provider,
                    label: p.label,
                    account_id: p.account_id,
                    base_url: base.clone(),
                    parent_name: Some(p.parent_name),
                    demo: true,
                    options: Default::default(),
                },
                Secret::new(p.secret),
            ))
        })
        .collect();
    ws.open_demo(connections, Box::new(sim))
}
