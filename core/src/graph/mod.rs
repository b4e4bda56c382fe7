//! Microsoft Graph as the core sees it: requests it *builds* ([`request`]), a client trait the
//! shell *sends* them through ([`GraphClient`]) and the parsing of what comes back, errors
//! included ([`error`]). Code-style P4 (build → send → parse) and P6 (typed requests, ids as
//! percent-encoded path segments).
//!
//! The core never sees the user's Microsoft token: the shell's [`GraphClient`] adds
//! `Authorization` when it performs the fetch, so nothing here can leak it into a tool result.

pub mod batch;
pub mod error;
pub mod paging;
pub mod policy;
pub mod request;

use std::future::Future;
use std::pin::Pin;

pub use error::GraphError;
pub use request::{GraphPath, GraphRequest};

/// A boxed future without a `Send` bound: Workers futures are `!Send` (workers-rs `send.rs`),
/// and `async fn` in a trait is not dyn-compatible (E0038 on rustc 1.95), so traits that are
/// used as `&dyn` return this instead.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// An outbound HTTP request for the shell to perform. Carries no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// Absolute URL, already percent-encoded.
    pub url: String,
    /// Header names and values, in order; names are as written (HTTP names are case-insensitive).
    pub headers: Vec<(String, String)>,
    /// Request body bytes, if any.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// What came back from the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The request never produced an HTTP response (DNS, connection reset, timeout, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// For logs; never shown to the model verbatim.
    pub message: String,
}

impl TransportError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// Sends Graph requests. The shell implements it with the Workers fetch API (adding the user's
/// `Authorization` header); tests use a closure, which gets this trait for free.
pub trait GraphClient {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>>;
}

/// A synchronous closure is a client: tests assert on the outgoing request and return a fixture
/// (the oauth2-rs `mock_http_client` pattern, code-style P4).
impl<F> GraphClient for F
where
    F: Fn(HttpRequest) -> Result<HttpResponse, TransportError>,
{
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(std::future::ready(self(request)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_case_insensitively() {
        let r = HttpResponse {
            status: 200,
            headers: vec![("Retry-After".into(), "7".into())],
            body: vec![],
        };
        assert_eq!(r.header("retry-after"), Some("7"));
        assert_eq!(r.header("x"), None);
    }
}
