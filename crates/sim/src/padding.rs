//! The oversized-answer knob: a successful provider answer followed by megabytes of JSON white
//! space. It is still valid JSON, so only a client's size limit can tell it apart; it models a
//! wrong API address that serves something huge, or a provider answer grown out of bounds.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_LENGTH;
use axum::response::Response;
use hyper::body::{Frame, SizeHint};

/// Padding added to every successful provider answer that has a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Padding {
    /// Bytes of white space after the answer.
    pub bytes: usize,
    /// Sent chunked, without Content-Length: the client finds out only by reading.
    pub chunked: bool,
}

static SPACES: [u8; 64 * 1024] = [b' '; 64 * 1024];

/// Pads `resp` when it is a success with a body (not 204).
pub(crate) async fn pad(resp: Response, padding: Padding) -> Response {
    let status = resp.status();
    if !status.is_success() || status.as_u16() == 204 {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let head = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(CONTENT_LENGTH);
    let total = (head.len() + padding.bytes) as u64;
    let body = Padded {
        head: Some(head),
        left: padding.bytes,
        exact: (!padding.chunked).then_some(total),
    };
    Response::from_parts(parts, Body::new(body))
}

struct Padded {
    head: Option<Bytes>,
    left: usize,
    exact: Option<u64>,
}

impl hyper::body::Body for Padded {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.left.min(SPACES.len());
        self.left -= n;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&SPACES[..n])))))
    }

    fn size_hint(&self) -> SizeHint {
        match self.exact {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
