//! Hygiene against real networks: proxies, answer size, keychain calls.
//!
//! - A proxy (HTTPS_PROXY or the system's) carries https requests to providers, but a request
//!   to this computer never goes through one.
//! - An answer over the size cap is refused with a clear error, and a write that got one stays
//!   in doubt.
//! - Keychain reads run off the async runtime (a locked keyring's prompt must not freeze the
//!   window) and happen once per connection per session.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use subdesk_core::api::{ListEvent, NewConnection};
use subdesk_core::providers::twilio::TwilioApi;
use subdesk_core::providers::vobiz::VobizApi;
use subdesk_core::providers::{http, HttpConfig, ProviderApi, RetryPolicy};
use subdesk_core::secrets::{MemoryStore, Secret, SecretStore};
use subdesk_core::{
    Action, Connection, ErrorCode, MemorySettings, Provider, SettingsStore, Workspace,
    WorkspaceConfig,
};
use subdesk_sim::{Padding, SimConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use uuid::Uuid;

const MIB: u64 = 1024 * 1024;

/// A fake HTTP proxy on this computer: records the head of every request it gets and answers
/// 502 (so a tunnel through it never opens).
async fn fake_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&heads);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let _ = sock
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (format!("http://{addr}"), heads)
}

fn workspace_with(
    http: HttpConfig,
    secrets: Arc<dyn SecretStore>,
    settings: Arc<MemorySettings>,
) -> Arc<Workspace> {
    Arc::new(
        Workspace::new(WorkspaceConfig {
            settings,
            secrets,
            history_path: None,
            http,
            retry: RetryPolicy::none(),
            actor: "tester".into(),
        })
        .unwrap(),
    )
}

fn new_twilio(base_url: &str, sid: &str, token: &str) -> NewConnection {
    NewConnection {
        provider: Provider::Twilio,
        label: "Acme Twilio".into(),
        account_id: sid.into(),
        secret: Secret::new(token),
        base_url: Some(base_url.into()),
        options: Default::default(),
    }
}

async fn listed(ws: &Arc<Workspace>) -> Vec<ListEvent> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    ws.list_all(Arc::new(move |e| sink.lock().unwrap().push(e)))
        .await;
    let v = events.lock().unwrap().clone();
    v
}

#[tokio::test]
async fn https_goes_through_the_proxy_and_this_computer_never_does() {
    let (proxy, heads) = fake_proxy().await;
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Acme Reseller");
    let config = HttpConfig {
        proxy: Some(proxy),
        ..HttpConfig::default()
    };

    // The fake proxy notices what it should: a client that proxies everything (the app's
    // only client before) sends even the simulator's request to it.
    let _ = http::build_client(&config)
        .unwrap()
        .get(format!("{}/2010-04-01/Accounts.json", sim.base_url()))
        .send()
        .await;
    let seen = std::mem::take(&mut *heads.lock().unwrap());
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("GET http://127.0.0.1:"), "{seen:?}");

    let ws = workspace_with(
        config,
        Arc::new(MemoryStore::default()),
        Arc::new(MemorySettings::default()),
    );
    // (b) This computer: straight to the simulator, never via the proxy.
    let parent = ws
        .verify(&new_twilio(&sim.base_url(), &p.sid, &p.auth_token))
        .await
        .unwrap();
    assert_eq!(parent.name, "Acme Reseller");
    assert!(heads.lock().unwrap().is_empty(), "{:?}", heads.lock());

    // (a) A provider host over https: a tunnel through the proxy, which refuses it here. The
    // proxy sees the host name only: the credentials travel inside the tunnel.
    let err = ws
        .verify(&new_twilio(
            "https://api.subdesk-test.invalid",
            &p.sid,
            &p.auth_token,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err:?}");
    let seen = heads.lock().unwrap().clone();
    assert!(!seen.is_empty());
    for head in &seen {
        assert!(
            head.starts_with("CONNECT api.subdesk-test.invalid:443 "),
            "{head}"
        );
        assert!(!head.to_lowercase().contains("authorization"), "{head}");
        assert!(!head.contains(&p.auth_token), "{head}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_oversized_answer_is_refused_with_a_clear_error_declared_or_not() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Acme Reseller");
    sim.twilio().seed_subaccounts(&p.sid, 3);
    let ws = workspace_with(
        HttpConfig {
            max_body: MIB,
            ..HttpConfig::default()
        },
        Arc::new(MemoryStore::default()),
        Arc::new(MemorySettings::default()),
    );
    ws.add_connection(&new_twilio(&sim.base_url(), &p.sid, &p.auth_token))
        .await
        .unwrap();

    for chunked in [false, true] {
        sim.set_padding(Some(Padding {
            bytes: 2 * MIB as usize,
            chunked,
        }));
        sim.clear_requests();
        let events = listed(&ws).await;
        let error = events
            .iter()
            .find_map(|e| match e {
                ListEvent::Failed { error, .. } => Some(error.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("chunked {chunked}: {events:?}"));
        assert_eq!(error.code, ErrorCode::ResponseTooLarge, "{error:?}");
        assert!(
            error.message.contains("larger than 1 MiB"),
            "{}",
            error.message
        );
        assert!(!error.retryable);
        assert_eq!(
            sim.requests().len(),
            1,
            "the same answer is not asked for again"
        );
    }

    // Under the cap the padding is only white space: the same listing goes through.
    sim.set_padding(Some(Padding {
        bytes: 100_000,
        chunked: true,
    }));
    let events = listed(&ws).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ListEvent::Done { total: 3, .. })),
        "{events:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_oversized_answer_to_a_change_leaves_it_in_doubt() {
    let sim = sim(SimConfig::default()).await;
    let tp = sim.twilio().add_parent("Acme Reseller");
    let tsub = sim
        .twilio()
        .add_subaccount(&tp.sid, "Bright Dental", "active", 0);
    let vp = sim.vobiz().add_parent("Acme Voice");
    let vsub = sim
        .vobiz()
        .add_subaccount(&vp.auth_id, "Bright Dental", true);
    sim.set_padding(Some(Padding {
        bytes: 2 * MIB as usize,
        chunked: true,
    }));
    let twilio = TwilioApi::new(
        client(Duration::from_secs(5)),
        &sim.base_url(),
        &tp.sid,
        tp.sid.clone(),
        Secret::new(tp.auth_token.clone()),
        fast_retry(),
        limit(),
    )
    .with_max_body(MIB);
    let vobiz = VobizApi::new(
        client(Duration::from_secs(5)),
        &sim.base_url(),
        &vp.auth_id,
        Secret::new(vp.auth_token.clone()),
        fast_retry(),
        limit(),
    )
    .with_max_body(MIB);
    let apis: [(&dyn ProviderApi, &str); 2] = [(&twilio, &tsub), (&vobiz, &vsub)];
    for (api, id) in apis {
        let e = api.apply(id, Action::Suspend).await.unwrap_err();
        assert_eq!(e.error.code(), ErrorCode::ResponseTooLarge, "{e:?}");
        assert!(e.ambiguous, "the change may have been made: {e:?}");
        assert_eq!(e.attempts, 1);
    }
    assert_eq!(sim.twilio().account(&tsub).unwrap().status, "suspended");
    assert!(!sim.vobiz().subaccount(&vp.auth_id, &vsub).unwrap().enabled);
    sim.shutdown().await;
}

/// A keychain that counts reads and can hold one read open, like an unlock prompt waiting for
/// the user.
#[derive(Default)]
struct PromptingKeychain {
    inner: MemoryStore,
    reads: AtomicUsize,
    prompt: Mutex<Option<(oneshot::Sender<()>, std::sync::mpsc::Receiver<()>)>>,
    prompting: AtomicBool,
}

impl SecretStore for PromptingKeychain {
    fn get(&self, key: &str) -> subdesk_core::Result<Option<Secret>> {
        self.reads.fetch_add(1, SeqCst);
        let prompt = self.prompt.lock().unwrap().take();
        if let Some((shown, answered)) = prompt {
            self.prompting.store(true, SeqCst);
            let _ = shown.send(());
            // Not a timing: only keeps a regression from hanging the test run.
            let _ = answered.recv_timeout(Duration::from_secs(10));
            self.prompting.store(false, SeqCst);
        }
        self.inner.get(key)
    }
    fn set(&self, key: &str, secret: &Secret) -> subdesk_core::Result<()> {
        self.inner.set(key, secret)
    }
    fn delete(&self, key: &str) -> subdesk_core::Result<()> {
        self.inner.delete(key)
    }
    fn probe(&self) -> subdesk_core::Result<()> {
        Ok(())
    }
}

// One thread runs every task here: a keychain call made on it would stall them all.
#[tokio::test(flavor = "current_thread")]
async fn keychain_reads_stay_off_the_runtime_and_happen_once_per_connection() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Acme Reseller");
    let subs = sim.twilio().seed_subaccounts(&p.sid, 2);
    // As after a restart: the connection is saved and its token is in the keychain.
    let conn = Connection {
        id: Uuid::new_v4(),
        provider: Provider::Twilio,
        label: "Acme Twilio".into(),
        account_id: p.sid.clone(),
        base_url: sim.base_url(),
        parent_name: None,
        demo: false,
        options: Default::default(),
    };
    let settings = Arc::new(MemorySettings::default());
    settings
        .save_connections(std::slice::from_ref(&conn))
        .unwrap();
    let keychain = Arc::new(PromptingKeychain::default());
    keychain
        .inner
        .set(&conn.id.to_string(), &Secret::new(p.auth_token.clone()))
        .unwrap();
    let ws = workspace_with(HttpConfig::default(), keychain.clone(), settings);

    let (shown, prompt_shown) = oneshot::channel();
    let (answer, answered) = std::sync::mpsc::channel();
    *keychain.prompt.lock().unwrap() = Some((shown, answered));
    let listing = tokio::spawn({
        let ws = Arc::clone(&ws);
        async move { listed(&ws).await }
    });
    prompt_shown.await.unwrap();
    // The keychain is waiting for the user; the app still answers.
    let status = ws.status().await;
    assert!(
        keychain.prompting.load(SeqCst),
        "the status waited for the keychain prompt to close"
    );
    assert_eq!(status.connections.len(), 1);
    answer.send(()).unwrap();
    let events = listing.await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ListEvent::Done { total: 2, .. })),
        "{events:?}"
    );

    // Later listings and previews use the token read the first time.
    listed(&ws).await;
    ws.preview(conn.id, &subs[0], Action::Suspend)
        .await
        .unwrap();
    assert_eq!(keychain.reads.load(SeqCst), 1);

    // Removing the connection removes its keychain entry (and forgets the token).
    ws.remove_connection(conn.id).await.unwrap();
    assert!(keychain.inner.get(&conn.id.to_string()).unwrap().is_none());
    sim.shutdown().await;
}

/// A keychain whose probe fails (locked, or no Secret Service), counting the probes.
#[derive(Default)]
struct LockedKeychain {
    probes: AtomicUsize,
}

impl SecretStore for LockedKeychain {
    fn get(&self, _key: &str) -> subdesk_core::Result<Option<Secret>> {
        Ok(None)
    }
    fn set(&self, _key: &str, _secret: &Secret) -> subdesk_core::Result<()> {
        Ok(())
    }
    fn delete(&self, _key: &str) -> subdesk_core::Result<()> {
        Ok(())
    }
    fn probe(&self) -> subdesk_core::Result<()> {
        self.probes.fetch_add(1, SeqCst);
        Err(subdesk_core::Error::Keychain {
            detail: "the keychain is locked".into(),
        })
    }
}

#[tokio::test]
async fn the_status_never_waits_on_the_keychain_and_the_window_asks_for_it_once() {
    let keychain = Arc::new(LockedKeychain::default());
    let ws = workspace_with(
        HttpConfig::default(),
        keychain.clone(),
        Arc::new(MemorySettings::default()),
    );
    // Start-up: the status comes without a keychain probe.
    assert_eq!(ws.status().await.keychain_problem, None);
    assert_eq!(keychain.probes.load(SeqCst), 0);
    // Then the window asks; the answer is kept for the session and in later statuses.
    let problem = ws
        .check_keychain()
        .await
        .expect("a locked keychain is a problem");
    assert!(!problem.is_empty());
    assert_eq!(ws.check_keychain().await.as_deref(), Some(problem.as_str()));
    assert_eq!(
        ws.status().await.keychain_problem.as_deref(),
        Some(problem.as_str())
    );
    assert_eq!(keychain.probes.load(SeqCst), 1);
}
