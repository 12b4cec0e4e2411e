//! The app's secret store against a real Secret Service (scripts/test runs the Rust tests inside
//! scripts/with-keyring, a private D-Bus session with an unlocked gnome-keyring).

use std::sync::{Mutex, MutexGuard};

use subdesk_core::secrets::{KeyringStore, Secret, SecretStore};

/// One test at a time on the keychain, as the app does (its keychain calls go through one
/// gate): once, two tests writing to the fresh keyring at the same moment made
/// gnome-keyring-daemon drop off the bus ("Message recipient disconnected from message bus
/// without replying").
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

fn store() -> KeyringStore {
    let store = KeyringStore::new("com.subdesk.desktop.tests");
    if let Err(e) = store.probe() {
        panic!(
            "No Secret Service is reachable ({}). Run the tests through ./scripts/test, or wrap \
             the command in scripts/with-keyring (needs gnome-keyring and dbus-x11).",
            e.user_message()
        );
    }
    store
}

#[test]
fn stores_reads_and_deletes_a_secret_in_the_real_keychain() {
    let _gate = one_at_a_time();
    let store = store();
    let key = format!("test-{}", uuid::Uuid::new_v4());
    assert!(store.get(&key).unwrap().is_none());
    store.set(&key, &Secret::new("s3cret-token-value")).unwrap();
    // A fresh store object (as after an app restart) sees the same secret: this is a real,
    // persistent backend, not keyring's per-entry mock.
    let again = KeyringStore::new("com.subdesk.desktop.tests");
    assert_eq!(
        again.get(&key).unwrap().unwrap().expose(),
        "s3cret-token-value"
    );
    store.set(&key, &Secret::new("rotated")).unwrap();
    assert_eq!(again.get(&key).unwrap().unwrap().expose(), "rotated");
    store.delete(&key).unwrap();
    assert!(again.get(&key).unwrap().is_none());
    store.delete(&key).unwrap();
}

#[test]
fn secrets_of_different_connections_do_not_mix() {
    let _gate = one_at_a_time();
    let store = store();
    let (a, b) = (
        format!("a-{}", uuid::Uuid::new_v4()),
        format!("b-{}", uuid::Uuid::new_v4()),
    );
    store.set(&a, &Secret::new("token-a")).unwrap();
    store.set(&b, &Secret::new("token-b")).unwrap();
    assert_eq!(store.get(&a).unwrap().unwrap().expose(), "token-a");
    assert_eq!(store.get(&b).unwrap().unwrap().expose(), "token-b");
    store.delete(&a).unwrap();
    assert!(store.get(&a).unwrap().is_none());
    assert_eq!(store.get(&b).unwrap().unwrap().expose(), "token-b");
    store.delete(&b).unwrap();
}

#[test]
fn without_a_secret_service_the_error_says_what_is_missing() {
    // The child half: D-Bus points at nothing; the store must fail plainly, never fall back to
    // keyring's mock or to a file.
    if std::env::var_os("SUBDESK_PROBE_CHILD").is_some() {
        match KeyringStore::new("com.subdesk.desktop.tests").probe() {
            Ok(()) => println!("PROBE-OK"),
            Err(e) => println!("PROBE-ERROR: {}", e.user_message()),
        }
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "without_a_secret_service_the_error_says_what_is_missing",
            "--nocapture",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/subdesk-test-bus",
        )
        .env("SUBDESK_PROBE_CHILD", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PROBE-ERROR:"), "{text}");
    assert!(text.contains("keychain is not available"), "{text}");
}
