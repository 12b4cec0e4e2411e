//! Vobiz's error bodies, in whichever of the documented shapes the simulator speaks.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::json;

use super::config::VobizErrorShape;
use super::json::iso;
use crate::request::{Failure, ReqInfo};

/// A Vobiz error; rendered with the request's id in the configured body shape.
#[derive(Debug, Clone)]
pub(super) struct VobizError {
    status: StatusCode,
    /// UPPER_SNAKE code of the envelope shape.
    code: &'static str,
    message: &'static str,
}

impl VobizError {
    const fn new(status: StatusCode, code: &'static str, message: &'static str) -> VobizError {
        VobizError {
            status,
            code,
            message,
        }
    }

    pub(super) const NOT_FOUND: VobizError =
        VobizError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "Sub-account not found");
    pub(super) const UNAUTHORIZED: VobizError = VobizError::new(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "Invalid or missing authentication credentials",
    );
    pub(super) const FORBIDDEN: VobizError = VobizError::new(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        "You do not have permission to manage sub-accounts",
    );
    pub(super) const METHOD_NOT_ALLOWED: VobizError = VobizError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Method not allowed",
    );

    pub(super) const fn bad_request(message: &'static str) -> VobizError {
        VobizError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    pub(super) fn failure(failure: Failure) -> VobizError {
        match failure {
            Failure::RateLimited => VobizError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "Too many requests. Please retry later.",
            ),
            Failure::ServerError => VobizError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "An internal error occurred",
            ),
            Failure::Unavailable => VobizError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "Service temporarily unavailable",
            ),
        }
    }

    /// The body in the configured shape, carrying the request id (also sent as
    /// `X-Request-Id` by the pipeline).
    pub(super) fn render(&self, info: &ReqInfo) -> Response {
        let body = match super::Wire::of(info).error_shape {
            VobizErrorShape::Envelope => json!({
                "status": "error",
                "error": {"code": self.code, "message": self.message, "details": {}},
                "timestamp": iso(Utc::now()),
                "requestId": info.request_id,
            }),
            VobizErrorShape::Plivo => json!({
                "api_id": info.request_id,
                "error": self.message,
            }),
            // Seen in the wild beside the documented ones: a numeric code, `detail` as a list,
            // and a snake_case request id.
            VobizErrorShape::Loose => json!({
                "code": self.status.as_u16(),
                "detail": [self.message],
                "request_id": info.request_id,
            }),
        };
        (self.status, Json(body)).into_response()
    }
}
