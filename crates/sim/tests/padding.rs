//! The oversized-answer knob: successful answers followed by white space, with or without a
//! Content-Length.

mod common;

use common::*;
use subdesk_sim::{Padding, SimConfig};

#[tokio::test]
async fn padded_answers_are_still_json_and_declare_their_length_unless_chunked() {
    let (sim, p) = twilio_sim(SimConfig::default()).await;
    let http = client();
    let path = format!("/2010-04-01/Accounts/{}.json", p.sid);
    let plain = tw_get(&http, &sim, &p, &path).await.bytes().await.unwrap();

    for chunked in [false, true] {
        sim.set_padding(Some(Padding {
            bytes: 300_000,
            chunked,
        }));
        let resp = tw_get(&http, &sim, &p, &path).await;
        assert_eq!(resp.status(), 200);
        let declared = resp.content_length();
        let body = resp.bytes().await.unwrap();
        assert_eq!(body.len(), plain.len() + 300_000, "chunked: {chunked}");
        assert_eq!(
            declared,
            (!chunked).then_some(body.len() as u64),
            "chunked: {chunked}"
        );
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["sid"], p.sid.as_str());
    }

    // Errors are never padded; neither is anything once the knob is off.
    let missing = tw_get(&http, &sim, &p, "/2010-04-01/Accounts/ACnope.json").await;
    assert!(missing.status().is_client_error());
    assert!(missing.bytes().await.unwrap().len() < 1000);
    sim.set_padding(None);
    let again = tw_get(&http, &sim, &p, &path).await.bytes().await.unwrap();
    assert_eq!(again.len(), plain.len());
    sim.shutdown().await;
}
