//! What both adapters share: the HTTP client, base-URL rules, retries with backoff, and the
//! mapping of transport failures to [`Error`].

use std::time::Duration;

use rand::Rng;
use reqwest::header::HeaderMap;
use url::Url;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The biggest provider answer Subdesk reads. A page of 1,000 Twilio accounts is about 1 MiB;
/// anything many times larger is a misconfigured address or a broken server, and reading it
/// whole would only fill memory.
pub const DEFAULT_MAX_BODY: u64 = 32 * 1024 * 1024;

/// How the shared clients are set up.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// A proxy for every request to a provider (`http://host:port`). `None`, what the app uses,
    /// takes the system's: `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, and on macOS and
    /// Windows the proxy set in the system settings. Tests set it so they never touch the
    /// process environment. Requests to this computer never go through either.
    pub proxy: Option<String>,
    /// Answers longer than this many bytes are refused ([`Error::ResponseTooLarge`]).
    pub max_body: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            proxy: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

fn builder(config: &HttpConfig) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Subdesk/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(32)
}

fn setup_error(e: reqwest::Error) -> Error {
    Error::Network {
        detail: format!("could not set up HTTP: {e}"),
    }
}

/// A client for provider hosts: connection pooling, rustls, timeouts, no redirects (a redirect
/// would re-send credentials to wherever the server points), and the configured or system
/// proxy. Never use it for this computer: see [`Clients`].
pub fn build_client(config: &HttpConfig) -> Result<reqwest::Client> {
    let b = builder(config);
    let b = match &config.proxy {
        // An explicit proxy replaces the system's (reqwest reads the system's only when no
        // proxy is given).
        Some(url) => b.proxy(reqwest::Proxy::all(url).map_err(setup_error)?),
        None => b,
    };
    b.build().map_err(setup_error)
}

/// A client that never uses a proxy, for requests to this computer (the simulator).
pub fn build_direct_client(config: &HttpConfig) -> Result<reqwest::Client> {
    builder(config).no_proxy().build().map_err(setup_error)
}

/// The app's two pooled clients and the body cap. A corporate proxy sees https requests to
/// providers, but a request to this computer must never leave it: a proxy would see the
/// simulator's tokens in clear over plain http, and usually cannot reach our loopback anyway.
#[derive(Clone)]
pub struct Clients {
    proxied: reqwest::Client,
    direct: reqwest::Client,
    max_body: u64,
}

impl Clients {
    pub fn new(config: &HttpConfig) -> Result<Clients> {
        Ok(Clients {
            proxied: build_client(config)?,
            direct: build_direct_client(config)?,
            max_body: config.max_body,
        })
    }

    /// The client for a (validated) API address: direct to this computer, else proxied.
    pub fn for_base_url(&self, base_url: &str) -> reqwest::Client {
        if is_loopback_url(base_url) {
            self.direct.clone()
        } else {
            self.proxied.clone()
        }
    }

    pub fn max_body(&self) -> u64 {
        self.max_body
    }
}

fn is_loopback_url(base_url: &str) -> bool {
    Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(is_loopback))
        .unwrap_or(false)
}

/// Reads a response body, refusing one longer than `max` bytes: first from its declared
/// Content-Length (nothing is read), then while reading (a chunked answer declares nothing).
/// The buffer only ever grows by copying into a fresh one and wiping the old, so no stray copy
/// of a body (Twilio's carry every subaccount's auth token) is left in freed memory by us.
pub(crate) async fn read_body(resp: &mut reqwest::Response, max: u64) -> Result<Vec<u8>> {
    let too_large = || Error::ResponseTooLarge {
        limit_mib: max.div_ceil(1024 * 1024),
    };
    let declared = resp.content_length();
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    // Wiped on every early return (too large, or the connection failing half-way).
    let mut body = Zeroizing::new(Vec::with_capacity(declared.unwrap_or(0) as usize));
    while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(too_large());
        }
        if body.capacity() - body.len() < chunk.len() {
            let mut bigger =
                Vec::with_capacity((body.len() + chunk.len()).max(body.capacity() * 2));
            bigger.extend_from_slice(&body);
            // The old buffer is wiped as it is dropped.
            drop(Zeroizing::new(std::mem::replace(&mut *body, bigger)));
        }
        body.extend_from_slice(&chunk);
    }
    // Moves the buffer out without a copy; RawResponse wipes it from here on.
    Ok(std::mem::take(&mut *body))
}

/// Accepts `https://host[:port]`, or `http://` only to this computer (the simulator). The
/// result has no trailing slash, path, query or credentials.
pub fn validate_base_url(input: &str) -> Result<String> {
    let bad = |m: &str| Error::validation("baseUrl", m);
    let url = Url::parse(input.trim()).map_err(|_| {
        bad("The API address is not a valid URL. It should look like https://api.example.com.")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "The API address must not contain a user name or password.",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        return Err(bad(
            "The API address must be just the scheme and host, like https://api.example.com.",
        ));
    }
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(bad(
                "The API address must use https. Plain http is only allowed to this computer (127.0.0.1 or localhost).",
            ))
        }
        _ => return Err(bad("The API address must start with https://.")),
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Exponential backoff with full jitter, never shorter than the server's Retry-After.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub max_tries: u32,
    pub base: Duration,
    pub cap: Duration,
    /// After an ambiguous failure of an irreversible write, how long to keep re-reading the
    /// account (with backoff) for the change to show before recording the outcome unknown.
    pub settle_window: Duration,
    /// How long after a request was sent the provider may still apply it (a backend finishing
    /// late after an outage). A read that shows no change settles an entry as *failed* only
    /// after this; before it, the entry stays *unknown* and is checked again.
    pub late_apply_window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_tries: 5,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(20),
            settle_window: Duration::from_secs(30),
            late_apply_window: Duration::from_secs(10 * 60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_tries: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before try number `attempt + 1` (`attempt` counts from 1).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.cap);
        let jittered = rand::rng().random_range(Duration::ZERO..=exp);
        match retry_after {
            // A server asking for more than two minutes is misbehaving; do not hang the job.
            Some(ra) => ra.min(Duration::from_secs(120)).max(jittered),
            None => jittered,
        }
    }
}

/// The `Retry-After` header in seconds (the HTTP-date form is not used by these providers).
pub fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A transport failure, reduced to what the user can act on. The URL is dropped: it can carry
/// account ids the user did not ask to see, never secrets, but keep messages short.
pub fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout
    } else if e.is_decode() {
        Error::UnexpectedResponse {
            detail: "the answer could not be read".into(),
        }
    } else {
        Error::Network {
            detail: e.without_url().to_string(),
        }
    }
}

/// A provider call that failed, with what we know about whether it took effect.
#[derive(Debug, Clone)]
pub struct CallError {
    pub error: Error,
    pub request_id: Option<String>,
    /// True when the provider may have applied the change before failing (a 500, a dropped
    /// connection, a timeout): the caller must re-read the account before trying again.
    pub ambiguous: bool,
    /// Requests actually sent (0 when refused before the network).
    pub attempts: u32,
}

impl CallError {
    pub fn clear(error: Error, request_id: Option<String>) -> CallError {
        CallError {
            error,
            request_id,
            ambiguous: false,
            attempts: 0,
        }
    }
}

impl CallError {
    /// A 2xx whose body could not be read: the change was probably made, but we cannot tell.
    pub fn unreadable(error: Error, request_id: Option<String>, attempts: u32) -> CallError {
        CallError {
            error,
            request_id,
            ambiguous: true,
            attempts,
        }
    }
}

impl From<Error> for CallError {
    fn from(error: Error) -> Self {
        CallError::clear(error, None)
    }
}

/// Whether a failed write may have been applied. Only a 429 is documented as "not processed"
/// (Twilio 20429); a 4xx is a refusal; anything else (any 5xx, a gateway's 502/504 page, a
/// dropped connection, a timeout, an unreadable answer) leaves us in doubt.
pub fn write_is_ambiguous(error: &Error) -> bool {
    match error {
        Error::Network { .. }
        | Error::Timeout
        | Error::UnexpectedResponse { .. }
        | Error::ResponseTooLarge { .. } => true,
        Error::Provider { status, .. } => *status >= 500,
        _ => false,
    }
}

/// Whether to send a request again: reads on any transient failure; writes only on a rate
/// limit, which the provider did not process. Whether to re-send a write after an ambiguous
/// failure is the action's decision, after a re-read (see `actions.rs`).
pub fn should_retry(error: &Error, idempotent: bool) -> bool {
    match error {
        Error::RateLimited { .. } => true,
        e if idempotent => e.retryable(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_or_loopback_http() {
        assert_eq!(
            validate_base_url("https://api.twilio.com/").unwrap(),
            "https://api.twilio.com"
        );
        assert_eq!(
            validate_base_url("http://127.0.0.1:4010").unwrap(),
            "http://127.0.0.1:4010"
        );
        assert!(validate_base_url("http://localhost:8080").is_ok());
        assert!(validate_base_url("http://[::1]:8080").is_ok());
        for bad in [
            "http://api.twilio.com",
            "http://10.0.0.5",
            "ftp://x",
            "not a url",
            "https://user:pw@api.twilio.com",
            "https://api.twilio.com/2010-04-01",
            "https://api.twilio.com?x=1",
            "",
        ] {
            let e = validate_base_url(bad).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::Validation, "{bad}");
        }
    }

    #[test]
    fn only_addresses_on_this_computer_skip_the_proxy() {
        for direct in [
            "http://127.0.0.1:4010",
            "http://localhost:8080",
            "http://[::1]:8080",
            "https://127.0.0.1",
        ] {
            assert!(is_loopback_url(direct), "{direct}");
        }
        for proxied in [
            "https://api.twilio.com",
            "https://localhost.example.com",
            "https://10.0.0.5",
            "not a url",
        ] {
            assert!(!is_loopback_url(proxied), "{proxied}");
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_tries: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            assert!(p.delay(1, None) <= Duration::from_millis(100));
            assert!(p.delay(3, None) <= Duration::from_millis(400));
            assert!(p.delay(10, None) <= Duration::from_secs(1));
            assert!(p.delay(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        }
    }

    #[test]
    fn only_unprocessed_writes_are_resent() {
        let rl = Error::RateLimited {
            retry_after_secs: None,
        };
        let s503 = Error::Provider {
            status: 503,
            code: None,
            message: String::new(),
        };
        let s500 = Error::Provider {
            status: 500,
            code: None,
            message: String::new(),
        };
        let s502 = Error::Provider {
            status: 502,
            code: None,
            message: String::new(),
        };
        // Only a 429 is documented as not processed: a 503 is as ambiguous as a 500.
        assert!(should_retry(&rl, false) && !should_retry(&s503, false));
        assert!(!should_retry(&s500, false) && should_retry(&s500, true));
        assert!(!should_retry(&Error::Timeout, false) && should_retry(&Error::Timeout, true));
        assert!(write_is_ambiguous(&s500) && write_is_ambiguous(&Error::Timeout));
        assert!(write_is_ambiguous(&s503) && write_is_ambiguous(&s502));
        assert!(!write_is_ambiguous(&rl));
        assert!(!write_is_ambiguous(&Error::AlreadyClosed));
    }
}
