//! Twilio's error bodies.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::request::Failure;

/// A Twilio v2010 error: `{code, message, more_info, status}` (401s also carry `detail`
/// and the `WWW-Authenticate` challenge, as recorded from the real API).
#[derive(Debug, Clone)]
pub(super) struct TwilioError {
    status: StatusCode,
    code: u32,
    message: String,
}

impl TwilioError {
    pub(super) fn new(status: StatusCode, code: u32, message: impl Into<String>) -> TwilioError {
        TwilioError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(super) fn bad_request(code: u32, message: impl Into<String>) -> TwilioError {
        TwilioError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 with code 20404, naming the path like the real API does.
    pub(super) fn not_found(path: &str) -> TwilioError {
        TwilioError::new(
            StatusCode::NOT_FOUND,
            20404,
            format!("The requested resource {path} was not found"),
        )
    }

    /// 401 code 20003.
    pub(super) fn unauthorized() -> TwilioError {
        TwilioError::new(StatusCode::UNAUTHORIZED, 20003, "Authenticate")
    }

    pub(super) fn method_not_allowed() -> TwilioError {
        TwilioError::new(StatusCode::METHOD_NOT_ALLOWED, 20004, "Method not allowed")
    }

    pub(super) fn failure(failure: Failure) -> TwilioError {
        match failure {
            Failure::RateLimited => {
                TwilioError::new(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests")
            }
            Failure::ServerError => TwilioError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                20500,
                "An internal server error has occurred",
            ),
            Failure::Unavailable => TwilioError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                20503,
                "Service is unavailable. Please try again",
            ),
        }
    }
}

impl IntoResponse for TwilioError {
    fn into_response(self) -> Response {
        let more_info = format!("https://www.twilio.com/docs/errors/{}", self.code);
        let status = self.status.as_u16();
        if self.status == StatusCode::UNAUTHORIZED {
            let body = json!({
                "code": self.code,
                "detail": "",
                "message": self.message,
                "more_info": more_info,
                "status": status,
            });
            let mut resp = (self.status, Json(body)).into_response();
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Twilio API\""),
            );
            return resp;
        }
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": more_info,
            "status": status,
        });
        (self.status, Json(body)).into_response()
    }
}
