//! The `subdesk-sim` binary: prints one JSON line with its URL and credentials, serves the
//! seeded world, and exits cleanly on SIGTERM.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn prints_its_json_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_subdesk-sim"))
        .args([
            "--twilio-subaccounts",
            "7",
            "--vobiz-subaccounts",
            "3",
            "--seed",
            "5",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("a line within 10 s")
        .expect("read")
        .expect("one line");
    let info: Value = serde_json::from_str(&line).expect("the line is JSON");
    let base = info["base_url"].as_str().expect("base_url").to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let sid = info["twilio"]["account_sid"]
        .as_str()
        .expect("account_sid")
        .to_owned();
    let token = info["twilio"]["auth_token"]
        .as_str()
        .expect("auth_token")
        .to_owned();
    let auth_id = info["vobiz"]["auth_id"]
        .as_str()
        .expect("auth_id")
        .to_owned();
    let vtoken = info["vobiz"]["auth_token"]
        .as_str()
        .expect("auth_token")
        .to_owned();

    let http = client();
    let b = json(
        http.get(format!("{base}/2010-04-01/Accounts.json"))
            .basic_auth(&sid, Some(&token))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let accounts = b["accounts"].as_array().cloned().unwrap_or_default();
    assert_eq!(accounts.len(), 8);
    assert_eq!(
        accounts[0]["friendly_name"],
        json!("Demo Reseller (Twilio)")
    );
    let b = json(
        http.get(format!("{base}/api/v1/accounts/{auth_id}/sub-accounts/"))
            .header("X-Auth-ID", &auth_id)
            .header("X-Auth-Token", &vtoken)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(b["total"], json!(3));
    let state = json(
        http.get(format!("{base}/_sim/state"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(state["twilio"].as_array().map(Vec::len), Some(8));

    // A Vonage primary with the default 4 subaccounts, and its credentials on the line.
    let key = info["vonage"]["api_key"].as_str().expect("api_key");
    let secret = info["vonage"]["api_secret"].as_str().expect("api_secret");
    let b = json(
        http.get(format!("{base}/accounts/{key}/subaccounts"))
            .basic_auth(key, Some(secret))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        b["_embedded"]["subaccounts"].as_array().map(Vec::len),
        Some(4)
    );

    // Nothing else on stdout.
    terminate(&mut child).await;
    let rest = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("stdout closes")
        .expect("read");
    assert_eq!(rest, None);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits after SIGTERM")
        .expect("wait");
    if cfg!(unix) {
        assert!(status.success(), "{status}");
    }
}

/// SIGTERM where there is a `kill` command (what harnesses send); a hard kill otherwise.
async fn terminate(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await
            .is_ok_and(|s| s.success());
        if sent {
            return;
        }
    }
    let _ = child.start_kill();
}

#[tokio::test]
async fn rejects_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_subdesk-sim"))
        .args(["--fault-rate", "1.5"])
        .output()
        .await
        .expect("runs");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}
