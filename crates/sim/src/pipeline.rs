//! The path every provider request takes before and after its handler:
//! sequence number and fault roll → in-flight count → authentication → per-parent
//! concurrency limit → latency → fault or handler → request-id header and log record.
//!
//! Keeping this in one middleware means the handlers only implement the providers' rules,
//! and every cross-cutting knob behaves the same for every provider.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::{Apply, FaultKind};
use crate::faults::FaultDraw;
use crate::provider::SimProvider;
use crate::request::{Applied, Ctx, Failure, ReqInfo};
use crate::server::ConnKill;
use crate::shared::{RequestRecord, Shared};

/// Is this one of the simulator's own control endpoints (no auth, no faults, not logged)?
pub(crate) fn is_control(path: &str) -> bool {
    path == "/_sim" || path.starts_with("/_sim/")
}

fn failure_response(
    provider: &dyn SimProvider,
    info: &ReqInfo,
    failure: Failure,
    retry_after: Option<u64>,
) -> Response {
    let mut resp = provider.failure(info, failure);
    if failure == Failure::RateLimited {
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    resp
}

/// What a load balancer in front of the API answers when the API behind it fails or is slow:
/// an HTML page, not the provider's JSON error body.
fn gateway_page(status: StatusCode) -> Response {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Gateway error")
    );
    let html =
        format!("<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n");
    let mut resp = Response::new(axum::body::Body::from(html));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html"),
    );
    resp
}

/// Writes the request's log record exactly once: when the request finishes, or (if its
/// future is dropped because the client went away) with status 0.
struct LogEntry {
    shared: Arc<Shared>,
    record: Option<RequestRecord>,
    /// None: the request id travels only in the body (where some providers document it).
    header: Option<HeaderName>,
    request_id: String,
}

impl LogEntry {
    fn finish(mut self, mut resp: Response, fault: Option<FaultKind>, applied: bool) -> Response {
        if let (Some(h), Ok(v)) = (&self.header, HeaderValue::from_str(&self.request_id)) {
            resp.headers_mut().insert(h.clone(), v);
        }
        self.write(resp.status().as_u16(), fault, applied);
        resp
    }

    fn write(&mut self, status: u16, fault: Option<FaultKind>, applied: bool) {
        if let Some(mut r) = self.record.take() {
            r.status = status;
            r.fault = fault;
            r.applied = applied;
            tracing::debug!(
                seq = r.seq,
                method = %r.method,
                path = %r.path,
                status,
                fault = ?fault,
                applied,
                "request"
            );
            self.shared.record(r);
        }
    }
}

impl Drop for LogEntry {
    fn drop(&mut self) {
        self.write(0, None, false);
    }
}

/// The middleware (see the module docs for the order of steps and why).
pub(crate) async fn pipeline(
    State(shared): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if is_control(&path) {
        return next.run(req).await;
    }
    let Some(provider) = crate::provider_of(&path) else {
        // No provider's path: the first provider's 404, without auth, faults or log.
        return crate::fallback_provider().not_found(&crate::request::unowned(), &path);
    };
    let knobs = shared.knobs();
    let (seq, draw) = shared.begin(&knobs.faults);
    let is_write = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let draw = draw.filter(|_| is_write || !knobs.faults_on_writes_only);
    // A planned fault replaces the random draw, and brings its own apply delay.
    let planned = is_write.then(|| shared.take_planned(&path)).flatten();
    let (draw, apply_delay) = match planned {
        Some(p) => (
            Some(FaultDraw {
                kind: p.kind,
                apply_first: p.apply != Apply::Never,
            }),
            match p.apply {
                Apply::After(d) => d,
                Apply::Never | Apply::BeforeAnswer => std::time::Duration::ZERO,
            },
        ),
        None => (draw, knobs.apply_delay),
    };
    let _in_flight = shared.enter();
    let body = if is_write {
        let (parts, bytes) = req.into_parts();
        let bytes = axum::body::to_bytes(bytes, 1 << 20)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).into_owned();
        req = Request::from_parts(parts, axum::body::Body::from(bytes));
        text
    } else {
        String::new()
    };

    let info = provider.request_info(&shared, seq);
    let log = LogEntry {
        shared: Arc::clone(&shared),
        record: Some(RequestRecord {
            seq,
            method: req.method().to_string(),
            path: path.clone(),
            query: req.uri().query().unwrap_or_default().to_owned(),
            status: 0,
            fault: None,
            applied: false,
            body,
        }),
        header: provider.request_id_header(&info),
        request_id: info.request_id.clone(),
    };

    let auth = provider.authenticate(&shared, &path, req.headers(), &info);
    let principal = match auth {
        Ok(p) => p,
        Err(resp) => return log.finish(resp, None, false),
    };

    let slot_key = format!("{}/{}", provider.name(), principal.parent);
    let Some(slot) = shared.enter_parent(&slot_key, knobs.concurrency_limit) else {
        let resp = failure_response(
            provider,
            &info,
            Failure::RateLimited,
            knobs.retry_after_secs,
        );
        return log.finish(resp, None, false);
    };

    if !knobs.latency.is_zero() {
        tokio::time::sleep(knobs.latency).await;
    }

    let kill = req.extensions().get::<ConnKill>().cloned();
    req.extensions_mut().insert(Ctx {
        info: info.clone(),
        principal,
    });

    let Some(draw) = draw else {
        let resp = next.run(req).await;
        let applied = resp.extensions().get::<Applied>().is_some();
        let resp = match knobs.padding {
            Some(padding) => crate::padding::pad(resp, padding).await,
            None => resp,
        };
        return log.finish(resp, None, applied);
    };

    // A fault. Some kinds may strike after the work is done: then run the handler and
    // throw its answer away, as a crashing upstream or a lost connection would.
    let applied = if !(draw.kind.may_apply() && draw.apply_first) {
        false
    } else if apply_delay.is_zero() {
        let resp = next.run(req).await;
        resp.extensions().get::<Applied>().is_some()
    } else {
        // The backend finishes the request after the failure was answered: a re-read right
        // after the failure still shows the old state.
        let (late, delay) = (Arc::clone(&shared), apply_delay);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let resp = next.run(req).await;
            if resp.extensions().get::<Applied>().is_some() {
                late.mark_applied_late(seq);
            }
        });
        false
    };
    let fault = Some(draw.kind);
    match draw.kind {
        FaultKind::TooManyRequests => {
            let resp = failure_response(
                provider,
                &info,
                Failure::RateLimited,
                knobs.retry_after_secs,
            );
            log.finish(resp, fault, false)
        }
        FaultKind::Unavailable => log.finish(
            failure_response(provider, &info, Failure::Unavailable, None),
            fault,
            applied,
        ),
        FaultKind::ServerError => log.finish(
            failure_response(provider, &info, Failure::ServerError, None),
            fault,
            applied,
        ),
        FaultKind::BadGateway => log.finish(gateway_page(StatusCode::BAD_GATEWAY), fault, applied),
        FaultKind::GatewayTimeout => {
            log.finish(gateway_page(StatusCode::GATEWAY_TIMEOUT), fault, applied)
        }
        FaultKind::GatewayNotFound => {
            log.finish(gateway_page(StatusCode::NOT_FOUND), fault, applied)
        }
        FaultKind::Reset | FaultKind::Timeout => {
            let mut log = log;
            log.write(0, fault, applied);
            if draw.kind == FaultKind::Timeout {
                // The upstream has lost the request; it no longer counts against the
                // parent's concurrency while it hangs.
                drop(slot);
                tokio::time::sleep(knobs.timeout_hang).await;
            }
            match kill {
                Some(kill) => {
                    kill.pull();
                    // The connection task drops this future together with the connection.
                    std::future::pending::<Response>().await
                }
                // Not served by our connection loop (cannot happen in practice): the closest
                // thing we can do is an empty 500.
                None => {
                    let mut resp = Response::new(axum::body::Body::empty());
                    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    resp
                }
            }
        }
    }
}
