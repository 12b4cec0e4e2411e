//! The HTTP server: accepts loopback connections and serves each with hyper.
//!
//! We do not use `axum::serve` because a fault must be able to drop a connection *without*
//! answering. Each connection gets a [`ConnKill`] switch, put into every request's
//! extensions; when a handler pulls it, the connection task drops the hyper connection and
//! closes the socket with SO_LINGER 0, so the client sees a TCP reset instead of a status.
//! HTTP/1.1 only: with one request per connection at a time, killing the connection hits
//! exactly the request that drew the fault (an HTTP/2 connection would take its siblings down).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Pulled by a handler to drop its connection without a response.
#[derive(Clone)]
pub(crate) struct ConnKill(Arc<Notify>);

impl ConnKill {
    pub(crate) fn pull(&self) {
        // notify_one stores a permit, so the pull is not lost if the connection task is not
        // waiting at this very moment.
        self.0.notify_one();
    }
}

/// Accepts until `shutdown` turns true (or its sender is gone), then drops every connection.
pub(crate) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    conns.spawn(serve_connection(stream, app.clone()));
                }
                Err(e) => {
                    // Typically EMFILE under a flood; back off briefly instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

async fn serve_connection(stream: TcpStream, app: Router) {
    let _ = stream.set_nodelay(true);
    // A second handle on the same socket, so we can still set SO_LINGER after hyper owns the
    // stream. It also keeps the socket open until this task ends, which is harmless.
    let dup = duplicate(&stream)
        .map_err(|e| tracing::debug!("cannot duplicate socket, resets become plain closes: {e}"))
        .ok();
    let kill = ConnKill(Arc::new(Notify::new()));
    let switch = kill.clone();
    let service = service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(switch.clone());
        let app = app.clone();
        // Router's error type is Infallible, which is exactly what hyper wants here.
        async move { app.oneshot(req.map(Body::new)).await }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        // hyper's default 30 s header timeout also closes idle keep-alive connections, which
        // races with clients reusing pooled ones and shows up as spurious network errors in
        // long demo sessions. On loopback there are no slow-loris clients to defend against;
        // the client decides when an idle connection ends.
        .header_read_timeout(None)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        res = conn => {
            if let Err(e) = res {
                tracing::debug!("connection ended with error: {e}");
            }
        }
        _ = kill.0.notified() => {
            if let Some(sock) = &dup {
                // Abortive close: the kernel answers with RST, like a crashed upstream.
                let _ = sock.set_linger(Some(Duration::ZERO));
            }
            // Returning drops the hyper connection (and the pending request) without a reply.
        }
    }
    drop(dup);
}

#[cfg(unix)]
fn duplicate(stream: &TcpStream) -> io::Result<socket2::Socket> {
    use std::os::fd::AsFd;
    Ok(socket2::Socket::from(stream.as_fd().try_clone_to_owned()?))
}

#[cfg(windows)]
fn duplicate(stream: &TcpStream) -> io::Result<socket2::Socket> {
    use std::os::windows::io::AsSocket;
    Ok(socket2::Socket::from(
        stream.as_socket().try_clone_to_owned()?,
    ))
}

#[cfg(not(any(unix, windows)))]
fn duplicate(_stream: &TcpStream) -> io::Result<socket2::Socket> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no socket duplication here",
    ))
}
