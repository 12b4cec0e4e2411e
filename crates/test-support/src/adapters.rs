//! Helpers shared by the integration tests: a simulator with seeded parents, adapters pointed
//! at it, and a fast retry policy.

use std::sync::Arc;
use std::time::Duration;

use subdesk_core::providers::twilio::TwilioApi;
use subdesk_core::providers::vobiz::VobizApi;
use subdesk_core::providers::{http, HttpConfig, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret};
use subdesk_core::{Subaccount, Workspace, WorkspaceConfig};
use subdesk_sim::{Sim, SimConfig, TwilioParent, VobizParent};

pub fn limit() -> Arc<subdesk_core::providers::AdaptiveLimit> {
    Arc::new(subdesk_core::providers::AdaptiveLimit::new(8))
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_tries: 5,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
        settle_window: Duration::from_millis(400),
        late_apply_window: Duration::ZERO,
    }
}

/// What the dialog sends after the user read the preview and typed its phrase.
pub async fn confirmed(
    ws: &Arc<Workspace>,
    conn: uuid::Uuid,
    id: &str,
    action: subdesk_core::Action,
) -> subdesk_core::confirm::Confirmation {
    let p = ws.preview(conn, id, action).await.expect("preview");
    subdesk_core::confirm::Confirmation {
        typed: p.confirm_phrase.expect("irreversible"),
        token: p.confirm_token.expect("irreversible"),
    }
}

/// What the bulk dialog sends after its preview.
pub async fn bulk_confirmed(
    ws: &Arc<Workspace>,
    items: &[subdesk_core::jobs::ItemRef],
    action: subdesk_core::Action,
) -> subdesk_core::confirm::Confirmation {
    let p = ws
        .bulk()
        .preview(items, action)
        .await
        .expect("bulk preview");
    subdesk_core::confirm::Confirmation {
        typed: p.confirm_phrase.expect("irreversible"),
        token: p.confirm_token.expect("irreversible"),
    }
}

pub fn client(timeout: Duration) -> reqwest::Client {
    http::build_client(&HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: timeout,
        ..HttpConfig::default()
    })
    .unwrap()
}

pub async fn sim(config: SimConfig) -> Sim {
    Sim::start(config).await.expect("simulator starts")
}

pub fn twilio(sim: &Sim, parent: &TwilioParent) -> TwilioApi {
    twilio_with(sim, parent, fast_retry(), Duration::from_secs(5))
}

pub fn twilio_with(
    sim: &Sim,
    parent: &TwilioParent,
    retry: RetryPolicy,
    timeout: Duration,
) -> TwilioApi {
    TwilioApi::new(
        client(timeout),
        &sim.base_url(),
        &parent.sid,
        parent.sid.clone(),
        Secret::new(parent.auth_token.clone()),
        retry,
        limit(),
    )
}

pub fn vobiz(sim: &Sim, parent: &VobizParent) -> VobizApi {
    VobizApi::new(
        client(Duration::from_secs(5)),
        &sim.base_url(),
        &parent.auth_id,
        Secret::new(parent.auth_token.clone()),
        fast_retry(),
        limit(),
    )
}

/// Collects a listing, page by page.
pub async fn list_all(
    api: &dyn subdesk_core::providers::ProviderApi,
) -> (Vec<Subaccount>, usize, subdesk_core::Result<usize>) {
    let mut rows = Vec::new();
    let mut pages = 0;
    let mut sink = |page: Vec<Subaccount>| {
        pages += 1;
        rows.extend(page);
    };
    let r = api.list(&mut sink).await;
    (rows, pages, r)
}

/// A workspace with in-memory settings, secrets and history.
pub fn workspace(retry: RetryPolicy) -> Arc<Workspace> {
    workspace_with_secrets(retry).0
}

pub fn workspace_with_secrets(retry: RetryPolicy) -> (Arc<Workspace>, Arc<MemoryStore>) {
    let secrets = Arc::new(MemoryStore::default());
    let ws = Arc::new(
        Workspace::new(WorkspaceConfig {
            settings: Arc::new(subdesk_core::MemorySettings::default()),
            secrets: secrets.clone(),
            history_path: None,
            http: HttpConfig {
                connect_timeout: Duration::from_secs(2),
                request_timeout: Duration::from_secs(5),
                ..HttpConfig::default()
            },
            retry,
            actor: "tester".into(),
        })
        .unwrap(),
    );
    (ws, secrets)
}

/// The adapter a connection of `provider` gets, pointed at the simulator: built through the
/// provider's description, as the app builds it.
pub fn adapter(
    sim: &Sim,
    provider: subdesk_core::Provider,
    account_id: &str,
    secret: &str,
) -> Arc<dyn subdesk_core::providers::ProviderApi> {
    let conn = subdesk_core::Connection {
        id: uuid::Uuid::new_v4(),
        provider,
        label: "Test".into(),
        account_id: account_id.into(),
        base_url: sim.base_url(),
        parent_name: None,
        demo: false,
        options: Default::default(),
    };
    provider.spec().adapter(
        &conn,
        Secret::new(secret),
        subdesk_core::providers::catalog::AdapterParts {
            client: client(Duration::from_secs(5)),
            max_body: 1 << 20,
            retry: fast_retry(),
            limit: limit(),
        },
    )
}

/// What the connection form sends for a provider, pointed at the simulator.
pub fn new_connection(
    sim: &Sim,
    provider: subdesk_core::Provider,
    account_id: &str,
    secret: &str,
) -> subdesk_core::api::NewConnection {
    subdesk_core::api::NewConnection {
        provider,
        label: format!("Test {}", provider.name()),
        account_id: account_id.into(),
        secret: Secret::new(secret),
        base_url: Some(sim.base_url()),
        options: Default::default(),
    }
}

/// Adds a connection through the workspace, as the form would, pointed at the simulator.
pub async fn connect(
    ws: &Workspace,
    sim: &Sim,
    provider: subdesk_core::Provider,
    account_id: &str,
    secret: &str,
) -> subdesk_core::Connection {
    ws.add_connection(&new_connection(sim, provider, account_id, secret))
        .await
        .unwrap()
}

/// Every request fails with `kind`.
pub fn always(kind: subdesk_sim::FaultKind) -> subdesk_sim::FaultPlan {
    subdesk_sim::FaultPlan {
        rate: 1.0,
        kinds: vec![kind],
    }
}
