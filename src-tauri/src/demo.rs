//! The demo workspace: the provider simulator, started in-process on loopback with sample
//! tenants, behind a demo Twilio and a demo Vobiz connection. Their credentials live in memory
//! only and never reach the keychain.

use std::time::Duration;

use subdesk_core::{secrets::Secret, AuthMethod, Connection, Provider, Workspace};
use subdesk_sim::{Sim, SimConfig};
use uuid::Uuid;

/// Sample sizes: enough to scroll, filter and try bulk actions, small enough to list at once.
const TWILIO_TENANTS: usize = 40;
const VOBIZ_TENANTS: usize = 15;

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
    let tw = sim.add_twilio_parent("Demo Reseller (Twilio)");
    sim.seed_twilio_subaccounts(&tw.sid, TWILIO_TENANTS);
    let vb = sim.add_vobiz_parent("Demo Reseller (Vobiz)");
    sim.seed_vobiz_subaccounts(&vb.auth_id, VOBIZ_TENANTS);
    let base = sim.base_url();
    let conn = |provider, label: &str, account_id: String, parent: &str| Connection {
        id: Uuid::new_v4(),
        provider,
        label: label.to_string(),
        account_id,
        auth: AuthMethod::AuthToken,
        base_url: base.clone(),
        parent_name: Some(parent.to_string()),
        demo: true,
    };
    let connections = vec![
        (
            conn(
                Provider::Twilio,
                "Demo Twilio",
                tw.sid.clone(),
                "Demo Reseller (Twilio)",
            ),
            Secret::new(tw.auth_token),
        ),
        (
            conn(
                Provider::Vobiz,
                "Demo Vobiz",
                vb.auth_id.clone(),
                "Demo Reseller (Vobiz)",
            ),
            Secret::new(vb.auth_token),
        ),
    ];
    ws.open_demo(connections, Box::new(sim))
}
