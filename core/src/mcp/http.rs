//! HTTP-level rules of the MCP endpoint that need no body: `Origin` (DNS-rebinding defence),
//! `Accept` and `Content-Type` negotiation, and the HTTP status each protocol outcome maps to.
//!
//! Leniency is deliberate where deployed clients deviate from the letter of the spec and the
//! deviation is harmless:
//!
//! * `Accept`: the spec makes clients list both `application/json` and `text/event-stream`, but
//!   Anthropic's MCP proxy sends only `text/event-stream` (python-sdk#2349), JSON-RPC clients
//!   often send only `application/json` (typescript-sdk PR #1952) and browsers and curl send
//!   `*/*` or nothing (csharp-sdk PR #429 relaxed the same check). We answer in a type the client
//!   accepts and refuse (406) only when it accepts neither.
//! * `Content-Type`: JSON, or absent (a body that is not JSON fails as a parse error anyway).
//!   Form and text types are refused (415), so a browser "simple request" can never reach the
//!   endpoint without a CORS preflight.

use super::jsonrpc::{self, RpcError};
use super::version::ProtocolVersion;

/// What a response to a POSTed request should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// `application/json`: one JSON-RPC response; notifications raised meanwhile are dropped.
    Json,
    /// `text/event-stream`: request-related notifications, then the response.
    Sse,
}

/// An HTTP-level refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpProblem {
    /// 403: `Origin` present and not allowed.
    ForbiddenOrigin,
    /// 406: `Accept` excludes both JSON and event streams.
    NotAcceptable,
    /// 413: body larger than [`jsonrpc::MAX_BODY_BYTES`].
    PayloadTooLarge,
    /// 415: `Content-Type` is not JSON.
    UnsupportedMediaType,
    /// 405: a method the MCP endpoint does not serve; send `Allow:` [`MCP_ALLOW`].
    MethodNotAllowed,
}

impl HttpProblem {
    pub fn status(self) -> u16 {
        match self {
            Self::ForbiddenOrigin => 403,
            Self::NotAcceptable => 406,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::MethodNotAllowed => 405,
        }
    }

    /// A JSON-RPC error body (no id: the request was not read). The 2026-07-28 transport allows
    /// one for 403 ("The HTTP response body MAY comprise a JSON-RPC error response that has no
    /// id").
    pub fn body(self) -> serde_json::Value {
        let error = match self {
            Self::ForbiddenOrigin => RpcError::invalid_request(
                "the Origin header is not allowed for this server (DNS rebinding protection)",
            ),
            Self::NotAcceptable => RpcError::invalid_request(
                "the Accept header must allow application/json or text/event-stream",
            ),
            Self::PayloadTooLarge => jsonrpc::too_large(jsonrpc::MAX_BODY_BYTES + 1),
            Self::UnsupportedMediaType => {
                RpcError::invalid_request("the Content-Type must be application/json")
            }
            Self::MethodNotAllowed => RpcError::invalid_request(
                "the MCP endpoint accepts POST (and GET and DELETE for sessions)",
            ),
        };
        jsonrpc::error_response(None, &error, jsonrpc::UnknownId::Omit)
    }
}

/// Scheme, host and port of an origin, normalized (lowercase, default port made explicit).
fn parse_origin(origin: &str) -> Option<(String, String, u16)> {
    let origin = origin.trim().trim_end_matches('/');
    let (scheme, rest) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return None;
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        (format!("[{}]", host.to_ascii_lowercase()), port)
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), p.parse().ok()?),
            None => (rest.to_ascii_lowercase(), default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host, port))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|r| {
            r.split('.').count() == 3 && r.split('.').all(|o| o.parse::<u8>().is_ok())
        })
}

/// `Origin` validation (2025-11-25 and 2026-07-28 transports: "Servers MUST validate the Origin
/// header on all incoming connections … If the Origin header is present and invalid, servers
/// MUST respond with HTTP 403 Forbidden").
///
/// * Absent: allowed. Non-browser clients (SDKs, Claude's and ChatGPT's back ends) send none;
///   a browser always sends one on a cross-origin POST.
/// * Present: must equal `public_origin` or one of `extra_allowed` (scheme, host and port
///   compared after normalization). `null` (sandboxed frames, `file:`) is never allowed.
/// * When the server itself runs on a loopback host (local development), any loopback origin is
///   allowed, whatever the port: local tools such as the MCP Inspector run on their own port.
///   A loopback origin is never accepted by a public deployment, which is exactly what DNS
///   rebinding would present.
pub fn origin_allowed(origin: Option<&str>, public_origin: &str, extra_allowed: &[String]) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let Some(candidate) = parse_origin(origin) else {
        return false;
    };
    let ours = parse_origin(public_origin);
    if ours.as_ref() == Some(&candidate) {
        return true;
    }
    if extra_allowed
        .iter()
        .any(|a| parse_origin(a).as_ref() == Some(&candidate))
    {
        return true;
    }
    matches!(ours, Some((_, host, _)) if is_loopback(&host)) && is_loopback(&candidate.1)
}

/// Media ranges of an `Accept` header with a non-zero quality.
fn accepted_types(accept: &str) -> impl Iterator<Item = String> + '_ {
    accept.split(',').filter_map(|range| {
        let mut parts = range.split(';');
        let media = parts.next()?.trim().to_ascii_lowercase();
        // `q=0` (RFC 9110 §12.4.2: "0", "0.", "0.0" … "0.000") means "not acceptable".
        let refused = parts.any(|p| {
            p.trim().strip_prefix("q=").is_some_and(|q| {
                let q = q.trim();
                q.starts_with('0') && q.bytes().all(|b| b == b'0' || b == b'.')
            })
        });
        (!media.is_empty() && !refused).then_some(media)
    })
}

/// Which response types a POST's `Accept` allows: `(json, event_stream)`. Absent or `*/*`
/// allows both.
pub fn accepts(accept: Option<&str>) -> (bool, bool) {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return (true, true);
    };
    let (mut json, mut sse) = (false, false);
    for media in accepted_types(accept) {
        match media.as_str() {
            "*/*" => return (true, true),
            "application/*" | "application/json" => json = true,
            "text/*" | "text/event-stream" => sse = true,
            _ => {}
        }
    }
    (json, sse)
}

/// Checks a POST's `Accept` header; see the module docs for the leniency.
pub fn check_post_accept(accept: Option<&str>) -> Result<(), HttpProblem> {
    match accepts(accept) {
        (false, false) => Err(HttpProblem::NotAcceptable),
        _ => Ok(()),
    }
}

/// Checks a GET (standalone stream or legacy SSE): it must accept `text/event-stream`
/// (2025-11-25 transports §Listening for Messages: "The client MUST include an Accept header,
/// listing text/event-stream").
pub fn check_get_accept(accept: Option<&str>) -> Result<(), HttpProblem> {
    if accepts(accept).1 {
        Ok(())
    } else {
        Err(HttpProblem::NotAcceptable)
    }
}

/// Checks a POST's `Content-Type`: `application/json`, any `+json` type, or absent.
pub fn check_content_type(content_type: Option<&str>) -> Result<(), HttpProblem> {
    let Some(ct) = content_type else {
        return Ok(());
    };
    let media = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(HttpProblem::UnsupportedMediaType)
    }
}

/// Checks a declared `Content-Length` before the body is read.
pub fn check_content_length(content_length: Option<u64>) -> Result<(), HttpProblem> {
    match content_length {
        Some(n) if n > jsonrpc::MAX_BODY_BYTES as u64 => Err(HttpProblem::PayloadTooLarge),
        _ => Ok(()),
    }
}

/// The status for a whole-body failure from [`jsonrpc::parse`]: 413 for size, else 400.
pub fn status_for_body_error(error: &RpcError) -> u16 {
    if jsonrpc::is_too_large(error) {
        413
    } else {
        400
    }
}

/// The HTTP status for a JSON-RPC error produced while *dispatching* a single request (errors
/// rejected before dispatch carry their own status in `version::Rejection`).
///
/// * 2026-07-28: unknown method → 404 (streamable-http: "If the server does not implement the
///   requested RPC method, it MUST respond with 404 Not Found"); a missing client capability
///   → 400 (basic/index §_meta); header and version errors → 400. Everything else is in-band,
///   200, like the TypeScript SDK (`inboundClassification.ts` `httpStatusForErrorCode`).
/// * Session era: JSON-RPC errors are in-band (200).
pub fn status_for_error(version: ProtocolVersion, error: &RpcError) -> u16 {
    if !version.is_stateless() {
        return 200;
    }
    match error.code {
        jsonrpc::code::METHOD_NOT_FOUND => 404,
        jsonrpc::code::HEADER_MISMATCH
        | jsonrpc::code::MISSING_REQUIRED_CLIENT_CAPABILITY
        | jsonrpc::code::UNSUPPORTED_PROTOCOL_VERSION
        | jsonrpc::code::INVALID_REQUEST
        | jsonrpc::code::PARSE_ERROR => 400,
        _ => 200,
    }
}

/// The status for a response envelope built by the dispatcher (`server::Server::respond`):
/// [`status_for_error`] of its error, or 200.
pub fn status_for_response(version: ProtocolVersion, response: &serde_json::Value) -> u16 {
    match response.get("error") {
        Some(e) => {
            let code = e
                .get("code")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            status_for_error(version, &RpcError::new(code, ""))
        }
        None => 200,
    }
}

/// JSON or SSE for a request. SSE when the client accepts it and the method can produce
/// notifications before its response (`tools/call`: progress, logs, keep-alives during slow
/// Graph calls; `subscriptions/listen`: its acknowledgement) or when the client accepts nothing
/// else; JSON otherwise.
pub fn response_mode(accept: Option<&str>, method: &str) -> ResponseMode {
    let (json, sse) = accepts(accept);
    let streams = matches!(method, "tools/call" | "subscriptions/listen");
    if sse && (streams || !json) {
        ResponseMode::Sse
    } else {
        ResponseMode::Json
    }
}

/// `Allow` for the MCP endpoint: GET and DELETE serve sessions (2025-11-25); a 2026-only server
/// would answer them 405.
pub const MCP_ALLOW: &str = "GET, POST, DELETE";

/// Checks the HTTP method of a request to the MCP endpoint (CORS preflight `OPTIONS`, if the
/// shell answers it, is handled before this).
pub fn check_method(method: &str) -> Result<(), HttpProblem> {
    match method {
        "POST" | "GET" | "DELETE" => Ok(()),
        _ => Err(HttpProblem::MethodNotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://mcp.example.com";

    #[test]
    fn origins() {
        assert!(origin_allowed(None, PUBLIC, &[]));
        assert!(origin_allowed(Some("https://mcp.example.com"), PUBLIC, &[]));
        assert!(origin_allowed(
            Some("HTTPS://MCP.example.com:443/"),
            PUBLIC,
            &[]
        ));
        assert!(!origin_allowed(Some("https://evil.example"), PUBLIC, &[]));
        assert!(!origin_allowed(Some("http://mcp.example.com"), PUBLIC, &[]));
        assert!(!origin_allowed(
            Some("https://mcp.example.com:8443"),
            PUBLIC,
            &[]
        ));
        assert!(!origin_allowed(Some("null"), PUBLIC, &[]));
        assert!(!origin_allowed(Some(""), PUBLIC, &[]));
        assert!(!origin_allowed(
            Some("https://mcp.example.com.evil.example"),
            PUBLIC,
            &[]
        ));
        assert!(!origin_allowed(
            Some("https://user@mcp.example.com"),
            PUBLIC,
            &[]
        ));
        assert!(
            !origin_allowed(Some("http://localhost:6274"), PUBLIC, &[]),
            "rebinding"
        );
        assert!(!origin_allowed(Some("http://127.0.0.1"), PUBLIC, &[]));
        let extra = vec!["https://claude.ai".to_owned()];
        assert!(origin_allowed(Some("https://claude.ai"), PUBLIC, &extra));
        assert!(!origin_allowed(Some("https://chatgpt.com"), PUBLIC, &extra));
    }

    #[test]
    fn loopback_servers_allow_loopback_origins() {
        let local = "http://127.0.0.1:8787";
        assert!(origin_allowed(Some("http://localhost:6274"), local, &[]));
        assert!(origin_allowed(Some("http://127.0.0.1:9999"), local, &[]));
        assert!(origin_allowed(Some("http://[::1]:3000"), local, &[]));
        assert!(origin_allowed(
            Some("http://app.localhost"),
            "http://localhost:8787",
            &[]
        ));
        assert!(!origin_allowed(Some("https://evil.example"), local, &[]));
        assert!(!origin_allowed(
            Some("http://127.0.0.1.evil.example"),
            local,
            &[]
        ));
        assert!(!origin_allowed(Some("http://127.1"), local, &[]));
    }

    #[test]
    fn accept_is_lenient_but_not_blind() {
        assert_eq!(accepts(None), (true, true));
        assert_eq!(accepts(Some("*/*")), (true, true));
        assert_eq!(
            accepts(Some("application/json, text/event-stream")),
            (true, true)
        );
        assert_eq!(accepts(Some("text/event-stream")), (false, true));
        assert_eq!(accepts(Some("application/json;q=0.9")), (true, false));
        assert_eq!(
            accepts(Some("application/json;q=0, text/event-stream")),
            (false, true)
        );
        assert_eq!(
            check_post_accept(Some("text/html")),
            Err(HttpProblem::NotAcceptable)
        );
        assert_eq!(check_post_accept(Some("text/event-stream")), Ok(()));
        assert_eq!(
            check_get_accept(Some("application/json")),
            Err(HttpProblem::NotAcceptable)
        );
        assert_eq!(check_get_accept(Some("text/event-stream")), Ok(()));
    }

    #[test]
    fn content_types_and_lengths() {
        assert_eq!(check_content_type(None), Ok(()));
        assert_eq!(
            check_content_type(Some("application/json; charset=utf-8")),
            Ok(())
        );
        assert_eq!(check_content_type(Some("Application/JSON")), Ok(()));
        assert_eq!(check_content_type(Some("application/vnd.x+json")), Ok(()));
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
        ] {
            assert_eq!(
                check_content_type(Some(bad)),
                Err(HttpProblem::UnsupportedMediaType),
                "{bad}"
            );
        }
        assert_eq!(check_content_length(Some(1024)), Ok(()));
        assert_eq!(
            check_content_length(Some(jsonrpc::MAX_BODY_BYTES as u64 + 1)),
            Err(HttpProblem::PayloadTooLarge)
        );
        assert_eq!(HttpProblem::PayloadTooLarge.status(), 413);
        assert_eq!(check_method("PUT"), Err(HttpProblem::MethodNotAllowed));
        assert_eq!(HttpProblem::MethodNotAllowed.status(), 405);
        assert_eq!(check_method("DELETE"), Ok(()));
        assert!(HttpProblem::ForbiddenOrigin.body().get("id").is_none());
    }

    #[test]
    fn statuses() {
        let big = jsonrpc::parse(&vec![b' '; jsonrpc::MAX_BODY_BYTES + 1]).unwrap_err();
        assert_eq!(status_for_body_error(&big.error), 413);
        assert_eq!(status_for_body_error(&RpcError::parse_error("x")), 400);
        let new = ProtocolVersion::V2026_07_28;
        let old = ProtocolVersion::V2025_11_25;
        assert_eq!(status_for_error(new, &RpcError::method_not_found("x")), 404);
        assert_eq!(status_for_error(old, &RpcError::method_not_found("x")), 200);
        assert_eq!(status_for_error(new, &RpcError::invalid_params("x")), 200);
        assert_eq!(
            status_for_error(
                new,
                &RpcError::missing_client_capability(serde_json::json!({}))
            ),
            400
        );
    }

    #[test]
    fn response_modes() {
        let both = Some("application/json, text/event-stream");
        assert_eq!(response_mode(both, "tools/call"), ResponseMode::Sse);
        assert_eq!(response_mode(both, "tools/list"), ResponseMode::Json);
        assert_eq!(
            response_mode(Some("application/json"), "tools/call"),
            ResponseMode::Json
        );
        assert_eq!(
            response_mode(Some("text/event-stream"), "tools/list"),
            ResponseMode::Sse
        );
        assert_eq!(
            response_mode(None, "subscriptions/listen"),
            ResponseMode::Sse
        );
    }
}
