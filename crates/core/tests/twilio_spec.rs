//! Every request the Twilio adapter sends, checked against Twilio's official OpenAPI spec.
//!
//! A recording proxy sits between the real [`TwilioApi`] and the simulator: it keeps each
//! request exactly as it went over the wire (method, raw path, raw query, content type, raw
//! body) and forwards it unchanged. The requests are then validated against
//! `fixtures/twilio_accounts_extract.json`, an extract of `twilio_api_v2010.json`. The rules come
//! from the fixture: path templates and their parameters' schemas, the query parameters each
//! operation declares, the request body's properties and the enums they reference. Nothing about
//! Twilio is hard-coded in the validator, so a parameter the adapter invents, mis-cases or fills
//! out of range fails here even when the simulator would accept it.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use subdesk_core::confirm::Confirmation;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::Value;
use subdesk_core::api::NewConnection;
use subdesk_core::jobs::{bulk_phrase, ItemRef};
use subdesk_core::providers::twilio::TwilioApi;
use subdesk_core::providers::ProviderApi;
use subdesk_core::secrets::Secret;
use subdesk_core::{Action, Provider, Status};
use subdesk_sim::SimConfig;

use common::*;

// ------------------------------------------------------------------------------ the proxy

/// One request as the proxy received it. The credentials are not kept, only the scheme.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    /// Raw, still percent-encoded.
    path: String,
    /// Raw query string, without `?`.
    query: Option<String>,
    content_type: Option<String>,
    /// The first word of the Authorization header (`Basic`), if any.
    auth_scheme: Option<String>,
    body: Vec<u8>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    log: Arc<Mutex<Vec<Recorded>>>,
}

/// Headers that belong to one hop and are not forwarded either way.
const HOP_BY_HOP: [&str; 6] = [
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
];

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("request body");
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    p.log.lock().unwrap().push(Recorded {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        content_type: header("content-type"),
        auth_scheme: header("authorization")
            .and_then(|a| a.split_whitespace().next().map(str::to_string)),
        body: body.to_vec(),
    });

    let target = format!(
        "{}{}",
        p.upstream,
        parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
    );
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).expect("method");
    let mut out = p.client.request(method, target).body(body.to_vec());
    for (name, value) in parts.headers.iter() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    let resp = out.send().await.expect("the simulator answers");
    let mut back = Response::builder().status(resp.status().as_u16());
    for (name, value) in resp.headers().iter() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            back = back.header(name.as_str(), value.as_bytes());
        }
    }
    let bytes = resp.bytes().await.expect("response body");
    back.body(Body::from(bytes)).expect("response")
}

/// Starts a recording proxy to `upstream` on 127.0.0.1; returns its base URL and the log.
async fn start_proxy(upstream: &str) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let state = Proxy {
        upstream: upstream.trim_end_matches('/').to_string(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        log: Arc::clone(&log),
    };
    let app = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), log)
}

// ------------------------------------------------------------------------------ the validator

/// The spec extract, and the checks it implies.
struct Spec {
    doc: Value,
    patterns: Mutex<HashMap<String, regex::Regex>>,
}

/// Schema keywords the validator understands. Any other keyword in a schema the adapter's
/// values are checked against is reported, so the validator never silently ignores a rule.
const KNOWN_KEYWORDS: [&str; 10] = [
    "type",
    "format",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "description",
    "nullable",
];

impl Spec {
    fn load() -> Spec {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/twilio_accounts_extract.json"
        );
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(
            doc["paths"].as_object().is_some_and(|p| !p.is_empty()),
            "the fixture has paths"
        );
        Spec {
            doc,
            patterns: Mutex::new(HashMap::new()),
        }
    }

    /// Follows `$ref`s (`#/components/schemas/X`, kept in the extract's top-level `schemas`).
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..16 {
            let Some(r) = schema.get("$ref") else {
                return Ok(schema);
            };
            let r = r.as_str().ok_or("a $ref that is not a string")?;
            let name = r
                .strip_prefix("#/components/schemas/")
                .ok_or_else(|| format!("unsupported $ref {r}"))?;
            schema = self.doc["schemas"]
                .get(name)
                .ok_or_else(|| format!("$ref {r} is not in the fixture"))?;
        }
        Err("$ref chain too long".into())
    }

    fn regex(&self, pattern: &str) -> Result<regex::Regex, String> {
        let mut cache = self.patterns.lock().unwrap();
        if let Some(r) = cache.get(pattern) {
            return Ok(r.clone());
        }
        let r = regex::Regex::new(pattern)
            .map_err(|e| format!("pattern {pattern:?} does not compile: {e}"))?;
        cache.insert(pattern.to_string(), r.clone());
        Ok(r)
    }

    /// Checks one string value (a path segment, a query value, a form field) against a schema.
    fn check_value(&self, what: &str, value: &str, schema: &Value, errors: &mut Vec<String>) {
        let schema = match self.resolve(schema) {
            Ok(s) => s,
            Err(e) => return errors.push(format!("{what}: {e}")),
        };
        let Some(obj) = schema.as_object() else {
            return errors.push(format!("{what}: the schema is not an object"));
        };
        for k in obj.keys() {
            if !KNOWN_KEYWORDS.contains(&k.as_str()) {
                errors.push(format!(
                    "{what}: schema keyword {k:?} is not checked by this validator"
                ));
            }
        }
        let number = match obj.get("type").and_then(Value::as_str) {
            Some("integer") => match value.parse::<i64>() {
                Ok(n) => Some(n as f64),
                Err(_) => {
                    errors.push(format!("{what}: {value:?} is not an integer"));
                    None
                }
            },
            Some("number") => match value.parse::<f64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(format!("{what}: {value:?} is not a number"));
                    None
                }
            },
            Some("boolean") => {
                if value != "true" && value != "false" {
                    errors.push(format!("{what}: {value:?} is not true or false"));
                }
                None
            }
            Some("string") | None => None,
            Some(other) => {
                errors.push(format!("{what}: a {other} cannot be sent as a string"));
                None
            }
        };
        if let Some(n) = number {
            if let Some(min) = obj.get("minimum").and_then(Value::as_f64) {
                if n < min {
                    errors.push(format!("{what}: {value} is below the minimum {min}"));
                }
            }
            if let Some(max) = obj.get("maximum").and_then(Value::as_f64) {
                if n > max {
                    errors.push(format!("{what}: {value} is above the maximum {max}"));
                }
            }
        }
        if let Some(allowed) = obj.get("enum").and_then(Value::as_array) {
            let ok = allowed.iter().any(|a| match a {
                Value::String(s) => s == value,
                // A number or boolean in the enum: compare as JSON values.
                other => value.parse::<Value>().is_ok_and(|v| v == *other),
            });
            if !ok {
                errors.push(format!("{what}: {value:?} is not one of {allowed:?}"));
            }
        }
        let len = value.chars().count() as u64;
        if let Some(min) = obj.get("minLength").and_then(Value::as_u64) {
            if len < min {
                errors.push(format!("{what}: {value:?} is shorter than {min}"));
            }
        }
        if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
            if len > max {
                errors.push(format!("{what}: {value:?} is longer than {max}"));
            }
        }
        if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
            match self.regex(p) {
                Ok(r) if r.is_match(value) => {}
                Ok(_) => errors.push(format!("{what}: {value:?} does not match {p}")),
                Err(e) => errors.push(format!("{what}: {e}")),
            }
        }
    }

    /// The templates (with their operation) whose shape matches the path, with the path
    /// parameters' raw values.
    fn match_path(
        &self,
        method: &str,
        path: &str,
    ) -> Vec<(String, &Value, BTreeMap<String, String>)> {
        let mut found = Vec::new();
        let segments: Vec<&str> = path.split('/').collect();
        for (template, ops) in self.doc["paths"].as_object().unwrap() {
            let Some(op) = ops.get(method) else { continue };
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut params = BTreeMap::new();
            let all = parts
                .iter()
                .zip(&segments)
                .all(|(t, s)| match (t.find('{'), t.find('}')) {
                    (Some(open), Some(close)) if open < close => {
                        let (prefix, suffix) = (&t[..open], &t[close + 1..]);
                        let ok = s.len() > prefix.len() + suffix.len()
                            && s.starts_with(prefix)
                            && s.ends_with(suffix);
                        if ok {
                            params.insert(
                                t[open + 1..close].to_string(),
                                s[prefix.len()..s.len() - suffix.len()].to_string(),
                            );
                        }
                        ok
                    }
                    _ => t == s,
                });
            if all {
                found.push((template.clone(), op, params));
            }
        }
        found
    }

    fn parameters<'a>(
        &'a self,
        op: &'a Value,
        location: &'a str,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(move |p| p["in"] == location)
    }

    /// Every way the request departs from the spec; empty when it conforms. On success also
    /// returns the operation's id.
    fn validate(&self, r: &Recorded) -> (Option<String>, Vec<String>) {
        let mut errors = Vec::new();
        let method = r.method.to_ascii_lowercase();
        let matches = self.match_path(&method, &r.path);
        let (template, op, path_params) = match matches.len() {
            1 => matches.into_iter().next().unwrap(),
            0 => {
                return (
                    None,
                    vec![format!(
                        "{} {}: no path of the spec matches this method and path",
                        r.method, r.path
                    )],
                )
            }
            _ => {
                let names: Vec<_> = matches.iter().map(|m| m.0.clone()).collect();
                return (
                    None,
                    vec![format!(
                        "{} {}: ambiguous, matches {names:?}",
                        r.method, r.path
                    )],
                );
            }
        };
        let op_id = op["operationId"].as_str().unwrap_or("?").to_string();
        let ctx = format!("{} {} ({op_id})", r.method, r.path);

        // Authentication as the spec's security scheme says.
        let schemes: Vec<&str> = self.doc["securitySchemes"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|s| s["scheme"].as_str())
            .collect();
        let sent = r.auth_scheme.as_deref().unwrap_or("");
        if !schemes.iter().any(|s| s.eq_ignore_ascii_case(sent)) {
            errors.push(format!(
                "{ctx}: authenticated with {sent:?}, the spec has {schemes:?}"
            ));
        }

        // Path parameters.
        for (name, raw) in &path_params {
            match self
                .parameters(op, "path")
                .find(|p| p["name"] == name.as_str())
            {
                None => errors.push(format!(
                    "{ctx}: path parameter {name} of {template} is not declared"
                )),
                Some(p) => match percent_decode(raw) {
                    Ok(v) => self.check_value(
                        &format!("{ctx}: path parameter {name}"),
                        &v,
                        &p["schema"],
                        &mut errors,
                    ),
                    Err(e) => errors.push(format!("{ctx}: path parameter {name}: {e}")),
                },
            }
        }

        // Query parameters: declared for this operation, exact case, valid values, once each.
        let mut seen = HashSet::new();
        if let Some(q) = &r.query {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                if !seen.insert(k.to_string()) {
                    errors.push(format!("{ctx}: query parameter {k} is given twice"));
                }
                match self
                    .parameters(op, "query")
                    .find(|p| p["name"] == k.as_ref())
                {
                    Some(p) => self.check_value(
                        &format!("{ctx}: query parameter {k}"),
                        &v,
                        &p["schema"],
                        &mut errors,
                    ),
                    None => {
                        let near = self
                            .parameters(op, "query")
                            .filter_map(|p| p["name"].as_str())
                            .find(|n| n.eq_ignore_ascii_case(&k));
                        errors.push(match near {
                            Some(n) => format!("{ctx}: query parameter {k:?} is not declared (the spec spells it {n:?})"),
                            None => format!("{ctx}: query parameter {k:?} is not declared for {op_id}"),
                        });
                    }
                }
            }
        }
        for p in self
            .parameters(op, "query")
            .filter(|p| p["required"] == true)
        {
            let name = p["name"].as_str().unwrap_or("?");
            if !seen.contains(name) {
                errors.push(format!("{ctx}: required query parameter {name} is missing"));
            }
        }

        // The body: a form of declared properties when the operation has a request body,
        // nothing otherwise.
        match op.get("requestBody").filter(|b| !b.is_null()) {
            None => {
                if !r.body.is_empty() {
                    errors.push(format!("{ctx}: sends a body, the operation has none"));
                }
            }
            Some(body_schema) => {
                let media = r
                    .content_type
                    .as_deref()
                    .and_then(|c| c.split(';').next())
                    .map(str::trim)
                    .unwrap_or("");
                if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                    errors.push(format!(
                        "{ctx}: content type {:?}, not application/x-www-form-urlencoded",
                        r.content_type
                    ));
                }
                let props = body_schema["properties"].as_object();
                let mut fields = HashSet::new();
                for (k, v) in url::form_urlencoded::parse(&r.body) {
                    if !fields.insert(k.to_string()) {
                        errors.push(format!("{ctx}: form field {k} is given twice"));
                    }
                    match props.and_then(|p| p.get(k.as_ref())) {
                        Some(schema) => self.check_value(
                            &format!("{ctx}: form field {k}"),
                            &v,
                            schema,
                            &mut errors,
                        ),
                        None => {
                            let near = props
                                .into_iter()
                                .flat_map(|p| p.keys())
                                .find(|n| n.eq_ignore_ascii_case(&k));
                            errors.push(match near {
                                Some(n) => format!("{ctx}: form field {k:?} is not declared (the spec spells it {n:?})"),
                                None => format!("{ctx}: form field {k:?} is not declared for {op_id}"),
                            });
                        }
                    }
                }
                for req in body_schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !fields.contains(req) {
                        errors.push(format!("{ctx}: required form field {req} is missing"));
                    }
                }
            }
        }
        (errors.is_empty().then_some(op_id), errors)
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or("a truncated %-escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("a bad %-escape %{hex}"))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "not UTF-8 once decoded".to_string())
}

/// Validates every recorded request; returns how many of each operation were seen.
fn validate_all(spec: &Spec, log: &[Recorded]) -> HashMap<String, usize> {
    let mut per_op = HashMap::new();
    let mut errors = Vec::new();
    for r in log {
        let (op, e) = spec.validate(r);
        errors.extend(e);
        if let Some(op) = op {
            *per_op.entry(op).or_insert(0) += 1;
        }
    }
    assert!(
        errors.is_empty(),
        "{} request(s) depart from Twilio's spec:\n{}",
        errors.len(),
        errors.join("\n")
    );
    per_op
}

fn form_values(log: &[Recorded], field: &str) -> HashSet<String> {
    log.iter()
        .filter(|r| r.method == "POST")
        .flat_map(|r| {
            url::form_urlencoded::parse(&r.body)
                .into_owned()
                .collect::<Vec<_>>()
        })
        .filter(|(k, _)| k == field)
        .map(|(_, v)| v)
        .collect()
}

// ------------------------------------------------------------------------------ tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_adapter_sends_conforms_to_twilios_spec() {
    let spec = Spec::load();
    let sim = sim(SimConfig::default()).await;
    let (proxy, log) = start_proxy(&sim.base_url()).await;
    let p = sim.twilio().add_parent("Reseller");
    let (key_sid, key_secret) = sim.twilio().add_api_key(&p.sid);
    sim.twilio().seed_subaccounts(&p.sid, 2500);
    // Enough numbers that counting them follows next_page_uri twice.
    let busy = sim
        .twilio()
        .add_subaccount(&p.sid, "Many Numbers Ltd", "active", 2500);
    let closed = sim.twilio().add_subaccount(&p.sid, "Gone Ltd", "closed", 0);

    let api = TwilioApi::new(
        client(Duration::from_secs(10)),
        &proxy,
        &p.sid,
        p.sid.clone(),
        Secret::new(p.auth_token.clone()),
        fast_retry(),
        limit(),
    );
    assert_eq!(api.verify().await.unwrap(), "Reseller");
    let (rows, pages, total) = list_all(&api).await;
    assert_eq!(total.unwrap(), 2502);
    assert_eq!(
        (rows.len(), pages),
        (2502, 3),
        "2,503 accounts with the parent, 1,000 a page"
    );
    assert_eq!(api.fetch(&busy).await.unwrap().status, Status::Active);
    // The Spend column's read: the daily Usage Records of one subaccount.
    let figures = api.figures(&api.fetch(&busy).await.unwrap()).await.unwrap();
    assert!(figures.spend_30_days.is_some(), "{figures:?}");
    assert_eq!(
        api.impact(&busy, Action::Suspend)
            .await
            .unwrap()
            .numbers_released,
        None
    );
    assert_eq!(
        api.apply(&busy, Action::Suspend)
            .await
            .unwrap()
            .status_after,
        Status::Suspended
    );
    assert_eq!(
        api.apply(&busy, Action::Reactivate)
            .await
            .unwrap()
            .status_after,
        Status::Active
    );
    assert_eq!(
        api.impact(&busy, Action::Close)
            .await
            .unwrap()
            .numbers_released,
        Some(2500)
    );
    assert_eq!(
        api.apply(&busy, Action::Close).await.unwrap().status_after,
        Status::Closed
    );
    // Refusals are sent the same way.
    assert!(api.apply(&closed, Action::Reactivate).await.is_err());
    // A Main API key authenticates the same requests.
    let keyed = TwilioApi::new(
        client(Duration::from_secs(10)),
        &proxy,
        &p.sid,
        key_sid,
        Secret::new(key_secret),
        fast_retry(),
        limit(),
    );
    assert_eq!(keyed.verify().await.unwrap(), "Reseller");
    assert_eq!(keyed.fetch(&closed).await.unwrap().status, Status::Closed);
    // Moving numbers to the parent before a close: the transfer, a refused one, a repeat.
    let movers = sim
        .twilio()
        .add_subaccount(&p.sid, "Movers Ltd", "active", 2);
    let numbers = api.movable_numbers(&movers).await.unwrap().unwrap();
    api.move_number_within(&movers, &numbers[0], 3)
        .await
        .unwrap();
    sim.twilio()
        .tie_number(&numbers[1].sid, Some(subdesk_sim::NumberTie::Address));
    assert!(api
        .move_number_within(&movers, &numbers[1], 3)
        .await
        .is_err());
    assert!(api
        .move_number_within(&movers, &numbers[0], 3)
        .await
        .is_err());
    // Where a moved number is now: the parent's own number, found or Twilio's 404.
    assert_eq!(
        api.parent_holds_number(&numbers[0].sid).await.unwrap(),
        Some(true)
    );
    assert_eq!(
        api.parent_holds_number(&numbers[1].sid).await.unwrap(),
        Some(false)
    );

    // The app's own paths over the same adapter: connect, list, preview, one action, a job.
    let ws = workspace(fast_retry());
    let conn = ws
        .add_connection(&NewConnection {
            provider: Provider::Twilio,
            label: "Through the proxy".into(),
            account_id: p.sid.clone(),
            secret: Secret::new(p.auth_token.clone()),
            base_url: Some(proxy.clone()),
            options: Default::default(),
        })
        .await
        .unwrap();
    ws.list_all(Arc::new(|_| {})).await;
    let active: Vec<String> = rows
        .iter()
        .filter(|r| r.status == Status::Active && r.id != busy)
        .map(|r| r.id.clone())
        .take(6)
        .collect();
    let preview = ws
        .preview(conn.id, &active[0], Action::Close)
        .await
        .unwrap();
    ws.apply(
        conn.id,
        &active[0],
        Action::Close,
        Some(&Confirmation {
            typed: preview.confirm_phrase.unwrap(),
            token: preview.confirm_token.unwrap(),
        }),
    )
    .await
    .unwrap();
    let items: Vec<ItemRef> = active[1..]
        .iter()
        .map(|a| ItemRef {
            connection_id: conn.id,
            account_id: a.clone(),
        })
        .collect();
    for action in [Action::Suspend, Action::Reactivate] {
        let counts = ws
            .bulk()
            .run(items.clone(), action, None, Arc::new(|_| {}))
            .await
            .unwrap();
        assert_eq!(counts.succeeded, 5, "{action:?}: {counts:?}");
    }
    let preview = ws.bulk().preview(&items, Action::Close).await.unwrap();
    assert_eq!(preview.runnable.len(), 5);
    let counts = ws
        .bulk()
        .run(
            items,
            Action::Close,
            Some(&Confirmation {
                typed: bulk_phrase(Action::Close, 5),
                token: preview.confirm_token.unwrap(),
            }),
            Arc::new(|_| {}),
        )
        .await
        .unwrap();
    assert_eq!(counts.succeeded, 5);

    let log = log.lock().unwrap().clone();
    let per_op = validate_all(&spec, &log);
    eprintln!("{} requests conform: {per_op:?}", log.len());

    // The test saw what it meant to exercise.
    assert!(per_op["FetchAccount"] >= 4, "{per_op:?}");
    assert!(per_op["ListAccount"] >= 6, "three pages, twice: {per_op:?}");
    assert!(per_op["UpdateAccount"] >= 14, "{per_op:?}");
    assert!(
        per_op["ListIncomingPhoneNumber"] >= 6,
        "three pages of numbers, twice: {per_op:?}"
    );
    assert!(
        per_op["UpdateIncomingPhoneNumber"] >= 3,
        "numbers moved to the parent: {per_op:?}"
    );
    assert_eq!(
        form_values(&log, "AccountSid"),
        [p.sid.clone()].into(),
        "numbers only ever go to the parent"
    );
    let statuses = form_values(&log, "Status");
    assert_eq!(
        statuses,
        ["suspended", "active", "closed"].map(String::from).into(),
        "every status the adapter sets"
    );
    let followed = |path_end: &str| {
        log.iter().any(|r| {
            r.path.ends_with(path_end)
                && r.query.as_deref().is_some_and(|q| q.contains("PageToken="))
        })
    };
    assert!(
        followed("/Accounts.json"),
        "next_page_uri of the account list was followed"
    );
    assert!(
        followed("/IncomingPhoneNumbers.json"),
        "next_page_uri of the number list was followed"
    );
    sim.shutdown().await;
}

fn recorded(
    method: &str,
    path: &str,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Recorded {
    Recorded {
        method: method.into(),
        path: path.into(),
        query: query.map(str::to_string),
        content_type: content_type.map(str::to_string),
        auth_scheme: Some("Basic".into()),
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn the_validator_catches_requests_that_break_the_spec() {
    let spec = Spec::load();
    let sid = "AC0123456789abcdef0123456789abcdef";
    let account = format!("/2010-04-01/Accounts/{sid}.json");
    let form = Some("application/x-www-form-urlencoded");
    let fails = |r: Recorded, needle: &str| {
        let (op, errors) = spec.validate(&r);
        assert!(op.is_none() && !errors.is_empty(), "{r:?} passed");
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{r:?}: expected {needle:?} in {errors:?}"
        );
    };

    // The two mistakes the brief names: a lower-case form field and an oversized page.
    fails(
        recorded("POST", &account, None, form, "status=closed"),
        "form field \"status\" is not declared (the spec spells it \"Status\")",
    );
    fails(
        recorded(
            "GET",
            "/2010-04-01/Accounts.json",
            Some("PageSize=5000"),
            None,
            "",
        ),
        "above the maximum 1000",
    );
    // And the other rules.
    fails(
        recorded("POST", &account, None, form, "Status=closing"),
        "is not one of",
    );
    fails(
        recorded(
            "POST",
            &account,
            None,
            Some("application/json"),
            "Status=closed",
        ),
        "not application/x-www-form-urlencoded",
    );
    fails(
        recorded("POST", &account, None, form, "Status=closed&Status=active"),
        "given twice",
    );
    fails(
        recorded(
            "GET",
            "/2010-04-01/Accounts.json",
            Some("pagesize=50"),
            None,
            "",
        ),
        "the spec spells it \"PageSize\"",
    );
    fails(
        recorded(
            "GET",
            "/2010-04-01/Accounts.json",
            Some("PageSize=0"),
            None,
            "",
        ),
        "below the minimum 1",
    );
    fails(
        recorded(
            "GET",
            "/2010-04-01/Accounts.json",
            Some("PageSize=ten"),
            None,
            "",
        ),
        "not an integer",
    );
    fails(
        recorded(
            "GET",
            "/2010-04-01/Accounts.json",
            Some("Status=closing"),
            None,
            "",
        ),
        "is not one of",
    );
    fails(
        recorded(
            "GET",
            "/2010-04-01/Accounts.json",
            Some("Limit=5"),
            None,
            "",
        ),
        "not declared for ListAccount",
    );
    fails(
        recorded("GET", "/2010-04-01/Accounts/AC123.json", None, None, ""),
        "does not match",
    );
    fails(
        recorded(
            "GET",
            "/2010-04-01/Accounts/SK0123456789abcdef0123456789abcdef.json",
            None,
            None,
            "",
        ),
        "does not match",
    );
    fails(
        recorded(
            "GET",
            &format!("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"),
            Some("PageSize=1000&Page=-1"),
            None,
            "",
        ),
        "below the minimum 0",
    );
    fails(
        recorded("GET", &account, None, form, "Status=closed"),
        "sends a body",
    );
    let number = format!(
        "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/PN0123456789abcdef0123456789abcdef.json"
    );
    fails(
        recorded("POST", &number, None, form, "AccountSid=AC123"),
        "does not match",
    );
    fails(
        recorded("POST", &number, None, form, &format!("accountSid={sid}")),
        "the spec spells it \"AccountSid\"",
    );
    fails(
        recorded("DELETE", &account, None, None, ""),
        "no path of the spec matches",
    );
    fails(
        recorded("GET", "/2010-04-01/Accounts", None, None, ""),
        "no path of the spec matches",
    );
    fails(
        recorded(
            "GET",
            &format!("/2010-04-01/Accounts/{sid}/Calls.json"),
            None,
            None,
            "",
        ),
        "no path of the spec matches",
    );
    let mut anonymous = recorded("GET", &account, None, None, "");
    anonymous.auth_scheme = None;
    fails(anonymous, "authenticated with");

    // The well-formed versions pass, so the failures above are about the mistakes.
    let passes = |r: Recorded, op: &str| {
        let (got, errors) = spec.validate(&r);
        assert!(errors.is_empty(), "{r:?}: {errors:?}");
        assert_eq!(got.as_deref(), Some(op));
    };
    passes(
        recorded("POST", &account, None, form, "Status=closed"),
        "UpdateAccount",
    );
    passes(
        recorded(
            "POST",
            &account,
            None,
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            "Status=active&FriendlyName=A+B",
        ),
        "UpdateAccount",
    );
    passes(
        recorded(
            "GET",
            "/2010-04-01/Accounts.json",
            Some("PageSize=1000&Page=2&PageToken=PAxyz"),
            None,
            "",
        ),
        "ListAccount",
    );
    passes(recorded("GET", &account, None, None, ""), "FetchAccount");
    passes(
        recorded(
            "GET",
            &format!("/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"),
            Some("PageSize=1000"),
            None,
            "",
        ),
        "ListIncomingPhoneNumber",
    );
}

/// The same mistakes sent for real through the proxy are caught from what was recorded, even
/// though the simulator (like Twilio) may accept the request.
#[tokio::test]
async fn a_mis_cased_request_sent_through_the_proxy_fails_validation() {
    let spec = Spec::load();
    let sim = sim(SimConfig::default()).await;
    let (proxy, log) = start_proxy(&sim.base_url()).await;
    let p = sim.twilio().add_parent("Reseller");
    let sub = sim
        .twilio()
        .add_subaccount(&p.sid, "Bright Dental", "active", 1);
    let http = client(Duration::from_secs(5));
    let resp = http
        .post(format!("{proxy}/2010-04-01/Accounts/{sub}.json"))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .form(&[("status", "closed")])
        .send()
        .await
        .unwrap();
    let answered = resp.status().as_u16();
    assert_eq!(
        sim.twilio().account(&sub).unwrap().status,
        "active",
        "a lower-case field changes nothing"
    );
    http.get(format!("{proxy}/2010-04-01/Accounts.json?PageSize=5000"))
        .basic_auth(&p.sid, Some(&p.auth_token))
        .send()
        .await
        .unwrap();

    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 2);
    let (_, post_errors) = spec.validate(&log[0]);
    assert!(
        post_errors
            .iter()
            .any(|e| e.contains("\"status\" is not declared")),
        "HTTP {answered}: {post_errors:?}"
    );
    let (_, get_errors) = spec.validate(&log[1]);
    assert!(
        get_errors
            .iter()
            .any(|e| e.contains("PageSize") && e.contains("maximum")),
        "{get_errors:?}"
    );
    sim.shutdown().await;
}
