//! What the pipeline and a provider hand each other about one request: the facts known on
//! arrival, who it authenticated as, whether it changed state, and the generic failures.
//! Its own module so that providers and the pipeline both depend on it rather than on each
//! other.

use axum::http::Extensions;
use axum::response::Response;

/// Per-request facts known before authentication; error bodies need them.
#[derive(Debug, Clone)]
pub(crate) struct ReqInfo {
    /// The id the provider gives this request, in its header and/or its bodies.
    pub(crate) request_id: String,
    /// Whatever else the provider's answers to this request depend on, fixed when the request
    /// arrives; the pipeline only carries it.
    details: Extensions,
}

impl ReqInfo {
    pub(crate) fn new(request_id: String) -> ReqInfo {
        ReqInfo {
            request_id,
            details: Extensions::new(),
        }
    }

    pub(crate) fn with<T: Clone + Send + Sync + 'static>(mut self, detail: T) -> ReqInfo {
        self.details.insert(detail);
        self
    }

    pub(crate) fn detail<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.details.get::<T>()
    }
}

/// Who the request authenticated as.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    /// The parent account's id at its provider: the key of its concurrency slots.
    pub(crate) parent: String,
    /// What else the credentials say (which kind of key, say), for the provider's own
    /// handlers; the pipeline only carries it.
    details: Extensions,
}

impl Principal {
    pub(crate) fn new(parent: impl Into<String>) -> Principal {
        Principal {
            parent: parent.into(),
            details: Extensions::new(),
        }
    }

    pub(crate) fn with<T: Clone + Send + Sync + 'static>(mut self, detail: T) -> Principal {
        self.details.insert(detail);
        self
    }

    pub(crate) fn detail<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.details.get::<T>()
    }
}

/// What handlers get from the pipeline, as a request extension.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) info: ReqInfo,
    pub(crate) principal: Principal,
}

/// Set by a handler in its response's extensions when the request changed state; the
/// pipeline copies it into the request log (`applied`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applied;

/// Marks a response as having changed state.
pub(crate) fn mark_applied(mut resp: Response, changed: bool) -> Response {
    if changed {
        resp.extensions_mut().insert(Applied);
    }
    resp
}

/// The generic failures every provider has, each rendered in the provider's own body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    RateLimited,
    ServerError,
    Unavailable,
}

/// The facts of a request no provider owns.
pub(crate) fn unowned() -> ReqInfo {
    ReqInfo::new(String::new())
}
