//! The Vobiz adapter against the simulator, over real HTTP.

mod common;

use std::time::Duration;

use common::*;
use subdesk_core::providers::vobiz::VobizApi;
use subdesk_core::providers::{ProviderApi, RetryPolicy};
use subdesk_core::secrets::Secret;
use subdesk_core::{Action, Error, Status};
use subdesk_sim::{DeleteStyle, FaultKind, FaultPlan, SimConfig, VobizErrorShape};

#[tokio::test]
async fn lists_300_sub_accounts_at_25_a_page() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.vobiz().add_parent("Reseller");
    let ids = sim.vobiz().seed_subaccounts(&p.auth_id, 300);
    sim.clear_requests();
    let api = vobiz(&sim, &p).with_page_size(25);
    let (rows, pages, r) = list_all(&api).await;
    assert_eq!(r.unwrap(), 300);
    assert_eq!(pages, 12);
    let mut got: Vec<_> = rows.iter().map(|s| s.id.clone()).collect();
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(sim.requests().len(), 12, "stops once total is reached");
    // enabled=false shows as Suspended.
    let disabled = rows
        .iter()
        .filter(|r| r.provider_status == "disabled")
        .count();
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == Status::Suspended)
            .count(),
        disabled
    );
}

#[tokio::test]
async fn disable_enable_delete() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.vobiz().add_parent("Reseller");
    let sub = sim.vobiz().add_subaccount(&p.auth_id, "Acme Corp", true);
    let api = vobiz(&sim, &p);

    assert_eq!(
        api.apply(&sub, Action::Suspend).await.unwrap().status_after,
        Status::Suspended
    );
    assert!(!sim.vobiz().subaccount(&p.auth_id, &sub).unwrap().enabled);
    assert_eq!(
        api.apply(&sub, Action::Reactivate)
            .await
            .unwrap()
            .status_after,
        Status::Active
    );
    assert!(sim.vobiz().subaccount(&p.auth_id, &sub).unwrap().enabled);

    let account = api.fetch(&sub).await.unwrap();
    let snap = api.snapshot(&account).await.unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&snap).unwrap();
    assert_eq!(v["name"], "Acme Corp");
    assert!(
        v.get("auth_token").is_none(),
        "snapshots hold no token field"
    );

    let impact = api.impact(&sub, Action::Delete).await.unwrap();
    assert!(impact
        .consequences
        .iter()
        .any(|c| c.contains("cannot be undone")));
    let r = api.apply(&sub, Action::Delete).await.unwrap();
    assert_eq!(r.status_after, Status::Deleted);
    assert!(sim.vobiz().subaccount(&p.auth_id, &sub).is_none());
    assert!(matches!(
        api.fetch(&sub).await.unwrap_err(),
        Error::NotFound { .. }
    ));
}

#[tokio::test]
async fn delete_accepts_200_with_a_message_and_204_empty() {
    for style in [DeleteStyle::WithMessage, DeleteStyle::NoContent] {
        let sim = sim(SimConfig {
            vobiz: subdesk_sim::VobizConfig {
                delete_style: style,
                ..Default::default()
            },
            ..SimConfig::default()
        })
        .await;
        let p = sim.vobiz().add_parent("Reseller");
        let sub = sim.vobiz().add_subaccount(&p.auth_id, "T", true);
        let r = vobiz(&sim, &p).apply(&sub, Action::Delete).await.unwrap();
        assert_eq!(r.status_after, Status::Deleted, "{style:?}");
        let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![if style == DeleteStyle::NoContent {
                204
            } else {
                200
            }]
        );
    }
}

#[tokio::test]
async fn both_error_shapes_are_understood() {
    for shape in [VobizErrorShape::Envelope, VobizErrorShape::Plivo] {
        let sim = sim(SimConfig {
            vobiz: subdesk_sim::VobizConfig {
                error_shape: shape,
                ..Default::default()
            },
            ..SimConfig::default()
        })
        .await;
        let p = sim.vobiz().add_parent("Reseller");
        let api = vobiz(&sim, &p);
        assert!(
            matches!(
                api.fetch("SA_NOSUCH1").await.unwrap_err(),
                Error::NotFound { .. }
            ),
            "{shape:?}"
        );
        let wrong = VobizApi::new(
            client(Duration::from_secs(2)),
            &sim.base_url(),
            &p.auth_id,
            Secret::new("nope"),
            fast_retry(),
            limit(),
        );
        let e = wrong.verify().await.unwrap_err();
        assert!(matches!(e, Error::Auth { .. }), "{shape:?}: {e:?}");
        assert!(!format!("{e:?}{}", e.user_message()).contains(&p.auth_token));
    }
}

#[tokio::test]
async fn rate_limits_server_errors_and_timeouts() {
    let sim = sim(SimConfig {
        faults: FaultPlan {
            rate: 1.0,
            kinds: vec![FaultKind::TooManyRequests],
        },
        timeout_hang: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let p = sim.vobiz().add_parent("Reseller");
    let sub = sim.vobiz().add_subaccount(&p.auth_id, "T", true);
    let api = vobiz(&sim, &p);
    assert!(matches!(
        api.fetch(&sub).await.unwrap_err(),
        Error::RateLimited { .. }
    ));
    assert_eq!(sim.requests().len(), 5, "retried up to five tries");

    sim.set_faults(FaultPlan {
        rate: 1.0,
        kinds: vec![FaultKind::ServerError],
    });
    let e = api.apply(&sub, Action::Suspend).await.unwrap_err();
    assert!(
        matches!(e.error, Error::Provider { status: 500, .. }),
        "{:?}",
        e.error
    );
    assert!(e.ambiguous);
    // The adapter's own sentence (the action path turns an ambiguous write into "not
    // confirmed" before a user sees it).
    assert!(
        e.error
            .user_message()
            .contains("Try again in a few minutes"),
        "{}",
        e.error.user_message()
    );

    sim.set_faults(FaultPlan {
        rate: 1.0,
        kinds: vec![FaultKind::Timeout],
    });
    let slow = VobizApi::new(
        client(Duration::from_millis(300)),
        &sim.base_url(),
        &p.auth_id,
        Secret::new(p.auth_token.clone()),
        RetryPolicy::none(),
        limit(),
    );
    assert!(matches!(
        slow.fetch(&sub).await.unwrap_err(),
        Error::Timeout
    ));
}

// ---- Vobiz as its documents describe it, beyond the happy path (issue "Hold up against the
// real providers", item 6).

#[tokio::test]
async fn rows_with_older_or_odd_flags_never_fail_the_listing() {
    use subdesk_sim::VobizRowShape;
    let sim = sim(SimConfig::default()).await;
    let p = sim.vobiz().add_parent("Reseller");
    let plain = sim.vobiz().add_subaccount(&p.auth_id, "Plain", true);
    let old_on = sim
        .vobiz()
        .add_subaccount(&p.auth_id, "Old object, active", true);
    let old_off = sim
        .vobiz()
        .add_subaccount(&p.auth_id, "Old object, inactive", false);
    let odd = sim
        .vobiz()
        .add_subaccount(&p.auth_id, "Enabled but not active", true);
    let bare = sim.vobiz().add_subaccount(&p.auth_id, "No flags", true);
    sim.vobiz()
        .set_row_shape(&old_on, VobizRowShape::OnlyIsActive);
    sim.vobiz()
        .set_row_shape(&old_off, VobizRowShape::OnlyIsActive);
    sim.vobiz().set_row_shape(&odd, VobizRowShape::NotActive);
    sim.vobiz().set_row_shape(&bare, VobizRowShape::NoFlags);
    let (rows, _, r) = list_all(&vobiz(&sim, &p)).await;
    assert_eq!(r.unwrap(), 5);
    let row = |id: &str| rows.iter().find(|s| s.id == id).unwrap().clone();
    assert_eq!(row(&plain).status, Status::Active);
    assert_eq!(row(&old_on).status, Status::Active);
    assert_eq!(row(&old_off).status, Status::Suspended);
    assert_eq!(
        (row(&odd).status, row(&odd).provider_status.as_str()),
        (Status::Unknown, "enabled, but not active at Vobiz")
    );
    assert_eq!(row(&bare).status, Status::Unknown);
    // Nothing is offered on a state Subdesk cannot read plainly.
    assert!(subdesk_core::model::allowed_actions(
        subdesk_core::Provider::Vobiz,
        Status::Unknown,
        false
    )
    .is_empty());
}

#[tokio::test]
async fn loose_error_bodies_are_read_and_their_request_id_kept() {
    let sim = sim(SimConfig {
        vobiz: subdesk_sim::VobizConfig {
            error_shape: VobizErrorShape::Loose,
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await;
    let p = sim.vobiz().add_parent("Reseller");
    let api = vobiz(&sim, &p);
    let e = api.fetch("SA_NOPE0001").await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    // A refused change keeps the body's request_id (no header carries one here).
    sim.clear_requests();
    let call = api.apply("SA_NOPE0001", Action::Suspend).await.unwrap_err();
    assert!(
        matches!(call.error, Error::NotFound { .. }),
        "{:?}",
        call.error
    );
    let id = call.request_id.expect("the body's request_id");
    assert!(!id.is_empty());
}

#[tokio::test]
async fn a_403_is_not_allowed_not_wrong_credentials() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.vobiz().add_parent("Reseller");
    sim.vobiz().set_forbidden(true);
    let e = vobiz(&sim, &p).verify().await.unwrap_err();
    assert!(matches!(e, Error::Forbidden { .. }), "{e:?}");
    assert!(!e.user_message().contains("credentials are wrong"));
    assert!(e.user_message().contains("does not allow this account"));
}

#[tokio::test]
async fn a_listing_while_accounts_are_created_has_no_duplicates_and_misses_none() {
    let sim = sim(SimConfig::default()).await;
    let p = sim.vobiz().add_parent("Reseller");
    let before = sim.vobiz().seed_subaccounts(&p.auth_id, 250);
    sim.vobiz().set_created_per_page(1);
    sim.clear_requests();
    let (rows, _, r) = list_all(&vobiz(&sim, &p)).await;
    let n = r.unwrap();
    let ids: std::collections::HashSet<_> = rows.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids.len(), rows.len(), "no row twice");
    assert_eq!(n, rows.len());
    for id in &before {
        assert!(ids.contains(id), "{id} skipped by a shifted page");
    }
    // The size asked for first (the docs document no maximum; see assumptions::PAGE_SIZE).
    assert!(
        sim.requests()[0].query.contains("size=100"),
        "{}",
        sim.requests()[0].query
    );
}

/// A server that gives 25 rows however many were asked for (the documented default, with no
/// documented maximum): Subdesk reads back the rows a page gave and pages on at that size,
/// until the reported total, so no row is skipped.
#[tokio::test]
async fn a_server_that_caps_pages_at_25_silently_is_listed_to_the_end() {
    let sim = sim(SimConfig {
        vobiz: subdesk_sim::VobizConfig {
            page_cap: Some(25),
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await;
    let p = sim.vobiz().add_parent("Reseller");
    let ids = sim.vobiz().seed_subaccounts(&p.auth_id, 130);
    sim.clear_requests();
    let (rows, _, r) = list_all(&vobiz(&sim, &p)).await;
    assert_eq!(r.unwrap(), 130);
    let got: std::collections::HashSet<_> = rows.iter().map(|s| s.id.clone()).collect();
    for id in &ids {
        assert!(got.contains(id), "{id} skipped");
    }
    let queries: Vec<String> = sim.requests().iter().map(|q| q.query.clone()).collect();
    assert_eq!(
        queries.len(),
        6,
        "one page of 100 asked, then pages of 25: {queries:?}"
    );
    assert!(
        queries[1..].iter().all(|q| q.contains("size=25")),
        "{queries:?}"
    );
}
