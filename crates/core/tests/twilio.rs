//! The Twilio adapter against the simulator, over real HTTP.

mod common;

use std::time::Duration;

use common::*;
use subdesk_core::providers::{ProviderApi, RetryPolicy};
use subdesk_core::{Action, Error, Status};
use subdesk_sim::{FaultKind, FaultPlan, SimConfig};

#[tokio::test]
async fn lists_every_page_without_the_parent() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let subs = sim.twilio().seed_subaccounts(&p.sid, 2500);
    let other = sim.twilio().add_parent("Someone else");
    sim.twilio().seed_subaccounts(&other.sid, 3);
    let api = twilio(&sim, &p);
    sim.clear_requests();

    let (rows, pages, r) = list_all(&api).await;
    assert_eq!(r.unwrap(), 2500);
    assert_eq!(rows.len(), 2500);
    assert_eq!(pages, 3, "2,501 accounts with the parent, 1,000 a page");
    assert!(
        rows.iter().all(|s| s.id != p.sid && !s.is_parent),
        "the parent is never listed"
    );
    let mut ids: Vec<_> = rows.iter().map(|s| s.id.clone()).collect();
    ids.sort();
    let mut expected = subs.clone();
    expected.sort();
    assert_eq!(
        ids, expected,
        "exactly this parent's subaccounts, each once"
    );
    assert!(rows
        .iter()
        .all(|s| s.created.as_deref().is_some_and(|c| c.ends_with('Z'))));
    let gets: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/Accounts.json"))
        .collect();
    assert_eq!(gets.len(), 3);
    assert!(gets[0].query.contains("PageSize=1000"));
}

#[tokio::test]
async fn auth_tokens_in_list_responses_are_never_kept() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    sim.twilio().seed_subaccounts(&p.sid, 20);
    // The raw response really carries each subaccount's token...
    let raw: serde_json::Value = client(Duration::from_secs(5))
        .get(format!("{}/2010-04-01/Accounts.json", sim.base_url()))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tokens: Vec<String> = raw["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["auth_token"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tokens.len(), 21);
    // ...and none of them survives into what the adapter returns.
    let (rows, _, _) = list_all(&twilio(&sim, &p)).await;
    let kept = format!("{rows:?}{}", serde_json::to_string(&rows).unwrap());
    for t in tokens {
        assert!(!kept.contains(&t), "a token leaked into the rows");
    }
    assert!(!kept.contains("auth_token") && !kept.contains("authToken"));
}

#[tokio::test]
async fn suspend_reactivate_close_change_the_provider_state() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 3);
    let api = twilio(&sim, &p);

    let r = api.apply(&sub, Action::Suspend).await.unwrap();
    assert_eq!(r.status_after, Status::Suspended);
    assert!(r
        .request_id
        .as_deref()
        .is_some_and(|id| id.starts_with("RQ") && id.len() == 34));
    assert_eq!(sim.twilio().account(&sub).unwrap().status, "suspended");
    assert_eq!(
        sim.twilio().account(&sub).unwrap().numbers,
        3,
        "suspending keeps numbers"
    );

    assert_eq!(
        api.apply(&sub, Action::Reactivate)
            .await
            .unwrap()
            .status_after,
        Status::Active
    );
    assert_eq!(sim.twilio().account(&sub).unwrap().status, "active");

    let impact = api.impact(&sub, Action::Close).await.unwrap();
    assert_eq!(impact.numbers_released, Some(3));
    assert!(impact
        .consequences
        .iter()
        .any(|c| c.contains("cannot be undone")));

    assert_eq!(
        api.apply(&sub, Action::Close).await.unwrap().status_after,
        Status::Closed
    );
    let after = sim.twilio().account(&sub).unwrap();
    assert_eq!(
        (after.status.as_str(), after.numbers),
        ("closed", 0),
        "closing releases numbers"
    );
    assert_eq!(api.fetch(&sub).await.unwrap().status, Status::Closed);
}

#[tokio::test]
async fn impact_counts_numbers_across_pages() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Big tenant", "active", 1503);
    let impact = twilio(&sim, &p).impact(&sub, Action::Close).await.unwrap();
    assert_eq!(impact.numbers_released, Some(1503));
    let suspend = twilio(&sim, &p)
        .impact(&sub, Action::Suspend)
        .await
        .unwrap();
    assert_eq!(suspend.numbers_released, None);
    assert!(suspend
        .consequences
        .iter()
        .any(|c| c.contains("still billed")));
}

/// The close and suspend dialogs count the numbers in plain words: "its phone number", never
/// "all 1 phone number(s)".
#[tokio::test]
async fn impact_words_count_the_numbers_without_plural_brackets() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let one = sim
        .twilio()
        .add_subaccount(&p.sid, "One number", "active", 1);
    let three = sim
        .twilio()
        .add_subaccount(&p.sid, "Three numbers", "active", 3);
    let api = twilio(&sim, &p);
    let close = |id: String| {
        let api = &api;
        async move { api.impact(&id, Action::Close).await.unwrap().consequences }
    };
    let suspend = |id: String| {
        let api = &api;
        async move { api.impact(&id, Action::Suspend).await.unwrap().consequences }
    };
    assert_eq!(
        close(one.clone()).await[0],
        "Twilio releases its phone number. A released number may go to someone else."
    );
    assert_eq!(
        close(three.clone()).await[0],
        "Twilio releases all 3 of its phone numbers. Released numbers may go to someone else."
    );
    assert_eq!(
        suspend(one).await[1],
        "Its phone number is kept, and the parent account is still billed for it every month."
    );
    assert_eq!(
        suspend(three).await[1],
        "Its 3 phone numbers are kept, and the parent account is still billed for them every month."
    );
}

#[tokio::test]
async fn a_main_api_key_authenticates_as_the_parent() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    sim.twilio().seed_subaccounts(&p.sid, 5);
    let (key, secret) = sim.twilio().add_api_key(&p.sid);
    let api = subdesk_core::providers::twilio::TwilioApi::new(
        client(Duration::from_secs(5)),
        &sim.base_url(),
        &p.sid,
        key,
        subdesk_core::secrets::Secret::new(secret),
        fast_retry(),
        limit(),
    );
    assert_eq!(api.verify().await.unwrap(), "Reseller");
    assert_eq!(list_all(&api).await.0.len(), 5);
}

/// A wrong token and an unknown Account SID: with an Auth Token Twilio answers both with 401
/// 20003, so one sentence names both fields; with an API key the key authenticates and the
/// unknown SID is Twilio's 404, said as its own sentence on the Account SID field.
#[tokio::test]
async fn a_wrong_token_and_an_unknown_account_sid_are_told_apart_where_twilio_does() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let other = sim.twilio().add_parent("Someone else");
    let both = "Twilio did not accept these credentials: either the Account SID or the Auth Token is wrong, and Twilio gives the same answer for both. In the Twilio Console, both are under Account Info on the account's dashboard: compare the Account SID character by character, and copy the Auth Token again with its copy button.";
    let mut wrong_token = p.clone();
    wrong_token.auth_token = "0".repeat(32);
    let mut unknown_sid = p.clone();
    unknown_sid.sid = format!("AC{}", "e".repeat(32));
    for creds in [&wrong_token, &unknown_sid] {
        let e = twilio(&sim, creds).verify().await.unwrap_err();
        assert!(matches!(e, Error::Auth { .. }), "{e:?}");
        assert_eq!(e.user_message(), both);
    }

    let (key, secret) = sim.twilio().add_api_key(&p.sid);
    let with_key = |account_sid: &str, secret: &str| {
        subdesk_core::providers::twilio::TwilioApi::new(
            client(Duration::from_secs(5)),
            &sim.base_url(),
            account_sid,
            key.clone(),
            subdesk_core::secrets::Secret::new(secret),
            fast_retry(),
            limit(),
        )
    };
    let e = with_key(&unknown_sid.sid, &secret)
        .verify()
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("accountId"), "{e:?}");
    assert_eq!(
        e.user_message(),
        "Twilio accepted the API key, but has no account with this Account SID. Copy the Account SID again from Account Info on the Twilio Console's dashboard of the account that owns the key: it starts with AC."
    );
    // A listing with a key Twilio no longer accepts says the key's sentence, not the token's.
    let e = list_all(&with_key(&p.sid, "wrong")).await.2.unwrap_err();
    assert!(matches!(e, Error::ApiKeyRefused { .. }), "{e:?}");
    let key_refused = "Twilio did not accept this API key for this Account SID: the API key SID or its secret is wrong, the key belongs to another account, or it is a Standard or Restricted key, which cannot manage subaccounts. In the Console of the account whose SID you entered, check under API keys & tokens that this key is listed there as a Main key, or sign in with the Auth Token instead.";
    for e in [
        with_key(&p.sid, "wrong").verify().await.unwrap_err(),
        with_key(&other.sid, &secret).verify().await.unwrap_err(),
    ] {
        assert!(matches!(e, Error::ApiKeyRefused { .. }), "{e:?}");
        assert_eq!(e.user_message(), key_refused);
    }
}

#[tokio::test]
async fn errors_become_sentences_the_user_can_act_on() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let api = twilio(&sim, &p);

    // Wrong credentials (401 / 20003).
    let mut wrong = p.clone();
    wrong.auth_token = "0".repeat(32);
    let e = twilio(&sim, &wrong).verify().await.unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(!e.user_message().contains(&p.auth_token));

    // Unknown subaccount (404 / 20404).
    let ghost = format!("AC{}", "f".repeat(32));
    assert!(matches!(
        api.fetch(&ghost).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        api.apply(&ghost, Action::Suspend).await.unwrap_err().error,
        Error::NotFound { .. }
    ));

    // Already closed (21479).
    let closed = sim.twilio().add_subaccount(&p.sid, "Gone", "closed", 0);
    assert!(matches!(
        api.apply(&closed, Action::Reactivate)
            .await
            .unwrap_err()
            .error,
        Error::AlreadyClosed
    ));

    // The parent: refused before any call is made.
    sim.clear_requests();
    assert!(matches!(
        api.apply(&p.sid, Action::Close).await.unwrap_err().error,
        Error::ParentAccount
    ));
    assert!(sim.requests().is_empty(), "nothing was sent for the parent");

    // Suspended by Twilio (21478).
    let locked = sim
        .twilio()
        .add_subaccount(&p.sid, "Locked", "suspended", 0);
    sim.twilio().set_suspended_by_twilio(&locked, true);
    assert!(matches!(
        api.apply(&locked, Action::Reactivate)
            .await
            .unwrap_err()
            .error,
        Error::SuspendedByProvider
    ));

    // Parent suspended (21476).
    let sub = sim.twilio().add_subaccount(&p.sid, "Child", "active", 0);
    assert!(sim.twilio().set_status(&p.sid, "suspended"));
    assert!(matches!(
        api.apply(&sub, Action::Suspend).await.unwrap_err().error,
        Error::ParentSuspended
    ));

    // A SID that is not one is refused before the network.
    assert!(matches!(
        api.fetch("AC123").await.unwrap_err(),
        Error::Validation { .. }
    ));
}

#[tokio::test]
async fn rate_limits_are_retried_with_backoff_then_reported() {
    let sim = sim(SimConfig {
        faults: FaultPlan {
            rate: 1.0,
            kinds: vec![FaultKind::TooManyRequests],
        },
        retry_after_secs: None,
        ..SimConfig::default()
    })
    .await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim.twilio().add_subaccount(&p.sid, "T", "active", 0);
    let api = twilio_with(
        &sim,
        &p,
        RetryPolicy {
            max_tries: 3,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
            ..RetryPolicy::default()
        },
        Duration::from_secs(5),
    );
    sim.clear_requests();
    let e = api.apply(&sub, Action::Suspend).await.unwrap_err();
    assert!(
        matches!(e.error, Error::RateLimited { .. }),
        "{:?}",
        e.error
    );
    assert!(!e.ambiguous, "a 429 is never processed");
    assert_eq!(sim.requests().len(), 3, "tried three times");
    assert_eq!(sim.twilio().account(&sub).unwrap().status, "active");

    // A caller's remaining budget caps the sends, so retries at two layers never add up past it.
    sim.clear_requests();
    let e = api
        .apply_within(&sub, Action::Suspend, &Default::default(), 2)
        .await
        .unwrap_err();
    assert_eq!((e.attempts, sim.requests().len()), (2, 2));

    // Once the limit clears, the same call goes through.
    sim.set_faults(FaultPlan::default());
    assert_eq!(
        api.apply(&sub, Action::Suspend).await.unwrap().status_after,
        Status::Suspended
    );
}

#[tokio::test]
async fn network_failures_and_timeouts_are_reported_as_such() {
    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = subdesk_core::providers::twilio::TwilioApi::new(
        client(Duration::from_secs(2)),
        &format!("http://127.0.0.1:{port}"),
        &format!("AC{}", "a".repeat(32)),
        format!("AC{}", "a".repeat(32)),
        subdesk_core::secrets::Secret::new("x"),
        RetryPolicy::none(),
        limit(),
    );
    let e = api.verify().await.unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");

    let sim = sim(SimConfig {
        faults: FaultPlan {
            rate: 1.0,
            kinds: vec![FaultKind::Timeout],
        },
        timeout_hang: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let p = sim.twilio().add_parent("Reseller");
    let api = twilio_with(&sim, &p, RetryPolicy::none(), Duration::from_millis(300));
    assert!(matches!(api.verify().await.unwrap_err(), Error::Timeout));

    sim.set_faults(FaultPlan {
        rate: 1.0,
        kinds: vec![FaultKind::Reset],
    });
    let sub = sim.twilio().add_subaccount(&p.sid, "T", "active", 0);
    let e = api.apply(&sub, Action::Close).await.unwrap_err();
    assert!(matches!(e.error, Error::Network { .. }), "{:?}", e.error);
    assert!(e.ambiguous, "a dropped write may have been applied");
}

#[tokio::test]
async fn a_non_json_answer_is_an_unexpected_response() {
    // A real HTTP server on loopback that answers like a captive portal would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let body = "<html><body>Please log in to the Wi-Fi</body></html>";
            let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes()).await;
        }
    });
    let sid = format!("AC{}", "b".repeat(32));
    let api = subdesk_core::providers::twilio::TwilioApi::new(
        client(Duration::from_secs(2)),
        &format!("http://127.0.0.1:{port}"),
        &sid,
        sid.clone(),
        subdesk_core::secrets::Secret::new("x"),
        RetryPolicy::none(),
        limit(),
    );
    let e = api.verify().await.unwrap_err();
    assert!(matches!(e, Error::UnexpectedResponse { .. }), "{e:?}");
    assert!(e.user_message().contains("does not understand"));
}

/// Error 20003's page lists "the account is suspended or closed" among its causes. When the
/// parent's credentials work (the account itself reads fine) but a suspended subaccount's
/// numbers and balance answer 20003, Subdesk says what happened, never "wrong credentials":
/// the preview, the detail and the close snapshot go ahead with the numbers marked unreadable.
#[tokio::test]
async fn a_suspended_subaccounts_refused_reads_are_not_wrong_credentials() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Quiet Harbour", "suspended", 3);
    let api = twilio(&sim, &p);
    const SAID: &str = "Twilio does not let Subdesk read a suspended subaccount's phone numbers.";

    let impact = api.impact(&sub, Action::Close).await.unwrap();
    assert_eq!(impact.numbers_released, None);
    // Whole sentences: the reason once read "all phone numbers (Twilio does not let … numbers
    // Subdesk could not count them)", a clause dropped into another.
    assert_eq!(
        impact.consequences[0],
        format!(
            "Twilio releases all phone numbers of this subaccount, and Subdesk could not count them: {} Released numbers may go to someone else.",
            SAID
        ),
        "{:?}",
        impact.consequences
    );
    let account = api.fetch(&sub).await.unwrap();
    let d = api.detail(&account).await.unwrap();
    assert_eq!(d.numbers, None);
    assert_eq!(d.numbers_note.as_deref(), Some(SAID));
    assert_eq!(d.balance, None);
    assert!(d
        .balance_note
        .unwrap()
        .contains("suspended subaccount's balance"));
    let snap: serde_json::Value =
        serde_json::from_str(&api.snapshot(&account).await.unwrap().unwrap()).unwrap();
    assert!(!snap["numbers"].is_array(), "{snap}");
    assert_eq!(snap["numbers_unreadable"], true);
    assert_eq!(snap["numbers_note"], SAID);

    // Through the workspace: the suspend-then-close flow goes ahead, never asking for
    // credentials, and the bulk preview says it could not count the numbers.
    let (ws, _) = workspace_with_secrets(fast_retry());
    let conn = connect(
        &ws,
        &sim,
        subdesk_core::Provider::Twilio,
        &p.sid,
        &p.auth_token,
    )
    .await;
    let item = subdesk_core::jobs::ItemRef {
        connection_id: conn.id,
        account_id: sub.clone(),
    };
    ws.list_all(std::sync::Arc::new(|_| {})).await;
    let bulk = ws.bulk().preview(&[item], Action::Close).await.unwrap();
    assert_eq!((bulk.runnable.len(), bulk.unread), (1, 0), "{bulk:?}");
    assert_eq!(bulk.numbers_released, None);
    let conf = confirmed(&ws, conn.id, &sub, Action::Close).await;
    ws.apply(conn.id, &sub, Action::Close, Some(&conf))
        .await
        .unwrap();
    assert_eq!(sim.twilio().account(&sub).unwrap().status, "closed");

    // Wrong credentials are still wrong credentials.
    let mut wrong = p.clone();
    wrong.auth_token = "0".repeat(32);
    let e = twilio(&sim, &wrong)
        .impact(&sub, Action::Close)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
}

/// Twilio's "exchanging numbers between subaccounts": the number leaves the subaccount's
/// listing and appears under the parent; a number tied to an address or a bundle is refused
/// with Twilio's code, in a sentence that says what to do.
#[tokio::test]
async fn numbers_move_to_the_parent_and_tied_ones_are_refused() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Movers Ltd", "active", 3);
    let api = twilio(&sim, &p);

    let numbers = api.movable_numbers(&sub).await.unwrap().unwrap();
    assert_eq!(numbers.len(), 3);
    let listed: Vec<String> = sim
        .twilio()
        .numbers(&sub)
        .into_iter()
        .map(|n| n.0)
        .collect();
    assert_eq!(
        numbers.iter().map(|n| n.sid.clone()).collect::<Vec<_>>(),
        listed
    );

    // One moves.
    let rid = api.move_number_within(&sub, &numbers[0], 3).await.unwrap();
    assert!(
        rid.is_some_and(|r| r.starts_with("RQ")),
        "Twilio-Request-Id kept"
    );
    assert_eq!(sim.twilio().numbers(&sub).len(), 2);
    assert!(sim
        .twilio()
        .numbers(&p.sid)
        .iter()
        .any(|n| n.0 == numbers[0].sid && n.1 == numbers[0].number));
    assert_eq!(sim.twilio().transfers().len(), 1);
    // Sending it again moves nothing: the number is no longer the subaccount's.
    let again = api
        .move_number_within(&sub, &numbers[0], 3)
        .await
        .unwrap_err();
    assert!(
        matches!(again.error, Error::NotFound { .. }),
        "{:?}",
        again.error
    );
    assert_eq!(sim.twilio().transfers().len(), 1);

    // Tied to an address, then to a bundle: refused, and nothing moves.
    sim.twilio()
        .tie_number(&numbers[1].sid, Some(subdesk_sim::NumberTie::Address));
    sim.twilio()
        .tie_number(&numbers[2].sid, Some(subdesk_sim::NumberTie::Bundle));
    for (n, code) in [(&numbers[1], "21613"), (&numbers[2], "21649")] {
        let e = api.move_number_within(&sub, n, 3).await.unwrap_err();
        assert!(!e.ambiguous);
        match &e.error {
            Error::Refused { code: Some(c), .. } => assert_eq!(c, code),
            other => panic!("{other:?}"),
        }
        let sentence = e.error.user_message();
        assert!(
            sentence.contains(code) && sentence.contains("parent account"),
            "{sentence}"
        );
    }
    assert_eq!(sim.twilio().numbers(&sub).len(), 2);
    assert_eq!(sim.twilio().transfers().len(), 1);
    sim.shutdown().await;
}

/// The documented refusals of the transfer that are about who asks and who receives: a
/// subaccount's own credentials (21474), and the suspended subaccount's numbers, which Twilio
/// may refuse to show its parent (so Subdesk says it cannot move them).
#[tokio::test]
async fn transfers_are_refused_as_twilio_documents() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Own Keys Ltd", "active", 1);
    let (pn, _) = sim.twilio().numbers(&sub).remove(0);
    let token = sim.twilio().auth_token(&sub).unwrap();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/2010-04-01/Accounts/{sub}/IncomingPhoneNumbers/{pn}.json",
            sim.base_url()
        ))
        .basic_auth(&sub, Some(&token))
        .form(&[("AccountSid", p.sid.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], 21474);
    assert_eq!(sim.twilio().numbers(&sub).len(), 1);

    let suspended = sim
        .twilio()
        .add_subaccount(&p.sid, "Paused Ltd", "suspended", 2);
    let api = twilio(&sim, &p);
    let e = api.movable_numbers(&suspended).await.unwrap_err();
    let sentence = e.user_message();
    assert!(
        sentence.contains("suspended subaccount's phone numbers")
            && sentence.contains("cannot move them"),
        "{sentence}"
    );
    sim.shutdown().await;
}
