//! Protocol revisions, and every rule that depends on which one a request speaks.
//!
//! Two eras share the `/mcp` endpoint (2026-07-28 basic/versioning §Backward Compatibility: "A
//! dual-era server MAY serve both eras concurrently on the same endpoint"):
//!
//! * **Session era** (2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25): `initialize` negotiates the
//!   version once, an `Mcp-Session-Id` carries it afterwards, `MCP-Protocol-Version` is checked
//!   against what we support.
//! * **Stateless era** (2026-07-28): every request carries
//!   `_meta["io.modelcontextprotocol/protocolVersion"]` and `…/clientCapabilities`, mirrored in the
//!   `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers, which must agree with the body
//!   (streamable-http §Server Validation).
//!
//! [`classify_post`] decides which era a POST belongs to, body first, as the TypeScript SDK's
//! dual-era classifier does (`typescript-sdk@3924de99d:packages/core-internal/src/shared/
//! inboundClassification.ts`): a `_meta` protocol-version claim selects the stateless era (and
//! is then validated, never silently downgraded); `initialize` without a claim opens a session;
//! a modern `MCP-Protocol-Version` header without a claim is a malformed modern request
//! (−32602, 400); otherwise the `Mcp-Session-Id` header names the session. The rejection order
//! matches what the conformance suite asserts (`conformance@c321dd3:src/scenarios/server/
//! stateless.ts`, `http-standard-headers.ts`): missing `_meta` fields (−32602) before a header
//! that disagrees with `_meta` (−32020) before an unsupported version (−32022) before missing or
//! mismatched `Mcp-Method`/`Mcp-Name` (−32020); all with HTTP 400.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::jsonrpc::{self, Incoming, Message, RpcError, UnknownId};
use super::session::LogLevel;

/// `_meta` key of the per-request protocol version (2026-07-28).
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the per-request client capabilities (2026-07-28).
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of the per-request client identity (2026-07-28, optional).
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of the per-request log level (2026-07-28, optional, deprecated).
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key identifying the server on every 2026-07-28 result.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// `_meta` key correlating a `subscriptions/listen` stream.
pub const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// Freshness hint for `tools/list` (2026-07-28 server/utilities/caching): the list only changes
/// with a deployment, and without `listChanged` clients rely on this TTL alone.
pub const TOOLS_LIST_TTL_MS: u64 = 5 * 60 * 1000;
/// Freshness hint for `server/discover`.
pub const DISCOVER_TTL_MS: u64 = 60 * 60 * 1000;

/// A protocol revision this server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProtocolVersion {
    #[serde(rename = "2024-11-05")]
    V2024_11_05,
    #[serde(rename = "2025-03-26")]
    V2025_03_26,
    #[serde(rename = "2025-06-18")]
    V2025_06_18,
    #[serde(rename = "2025-11-25")]
    V2025_11_25,
    #[serde(rename = "2026-07-28")]
    V2026_07_28,
}

/// Session-era versions, newest first (what `initialize` may settle on).
pub const SESSION_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
/// Stateless versions, newest first: what `server/discover` advertises and
/// `UnsupportedProtocolVersionError` lists. Only modern revisions are named there, because a
/// client picks one of them for per-request `_meta`, which legacy revisions do not have (the
/// TypeScript SDK does the same: "the `server/discover` advertisement only ever contains modern
/// revisions", `protocolEras.ts`); the conformance suite checks that the error's list is a
/// subset of the discover list.
pub const STATELESS_VERSIONS: [&str; 1] = ["2026-07-28"];

impl ProtocolVersion {
    /// Every supported revision, oldest first.
    pub const ALL: [Self; 5] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
        Self::V2026_07_28,
    ];
    /// What `initialize` answers when the client asks for something we do not speak in the
    /// session era (lifecycle §Version Negotiation: "This SHOULD be the latest").
    pub const LATEST_SESSION: Self = Self::V2025_11_25;
    /// Assumed for a session request with neither a negotiated version nor a header
    /// (2025-11-25 transports §Protocol Version Header: "SHOULD assume protocol version
    /// 2025-03-26").
    pub const HEADERLESS_DEFAULT: Self = Self::V2025_03_26;

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// 2026-07-28 and later: no sessions, per-request `_meta`.
    pub fn is_stateless(self) -> bool {
        self >= Self::V2026_07_28
    }

    /// JSON-RPC batches: 2025-03-26 "MUST support receiving JSON-RPC batches"; 2025-06-18
    /// "Remove support for JSON-RPC batching"; 2024-11-05 never mentioned them over HTTP.
    pub fn allows_batch(self) -> bool {
        self == Self::V2025_03_26
    }

    /// `ToolAnnotations` exist from 2025-03-26.
    pub fn has_tool_annotations(self) -> bool {
        self >= Self::V2025_03_26
    }

    /// `title`, `outputSchema` and `structuredContent` exist from 2025-06-18.
    pub fn has_structured_output(self) -> bool {
        self >= Self::V2025_06_18
    }

    /// `Implementation.description`, `websiteUrl` and `icons` exist from 2025-11-25.
    pub fn has_rich_implementation(self) -> bool {
        self >= Self::V2025_11_25
    }

    /// `ping`, `logging/setLevel` and the `logging` capability: session era only (2026-07-28
    /// changelog: "Remove `ping`, `logging/setLevel`…"; logging is deprecated there and we do not
    /// declare it).
    pub fn has_session_rpcs(self) -> bool {
        !self.is_stateless()
    }

    /// How an error whose request id could not be read is written.
    pub fn unknown_id(self) -> UnknownId {
        if self.is_stateless() {
            UnknownId::Omit
        } else {
            UnknownId::Null
        }
    }
}

impl std::fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `initialize` version negotiation (lifecycle §Version Negotiation): the requested version if it
/// is a session-era version we speak, otherwise the latest session-era version. Never an error:
/// "the server MUST respond with another protocol version it supports".
pub fn negotiate(requested: &str) -> ProtocolVersion {
    match ProtocolVersion::parse(requested) {
        Some(v) if !v.is_stateless() => v,
        _ => ProtocolVersion::LATEST_SESSION,
    }
}

/// Whether a header value names a modern revision: compared as a string, as revision
/// identifiers are ISO dates (`protocolEras.ts` `isModernProtocolVersion`).
fn names_modern(version: &str) -> bool {
    version >= "2026-07-28"
}

/// The MCP request headers, as the shell read them (names are matched case-insensitively by the
/// shell; values raw).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct McpHeaders<'a> {
    /// `MCP-Protocol-Version`.
    pub protocol_version: Option<&'a str>,
    /// `Mcp-Session-Id`.
    pub session_id: Option<&'a str>,
    /// `Mcp-Method`.
    pub method: Option<&'a str>,
    /// `Mcp-Name`.
    pub name: Option<&'a str>,
}

/// A request the protocol layer refuses before dispatch: HTTP status and JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub status: u16,
    /// The request id, when it was readable.
    pub id: Option<Value>,
    pub error: RpcError,
    /// How to write a missing id.
    pub unknown_id: UnknownId,
}

impl Rejection {
    pub fn new(status: u16, id: Option<Value>, error: RpcError, unknown_id: UnknownId) -> Self {
        Self {
            status,
            id,
            error,
            unknown_id,
        }
    }

    /// The JSON-RPC error response to send as the body.
    pub fn body(&self) -> Value {
        jsonrpc::error_response(self.id.as_ref(), &self.error, self.unknown_id)
    }
}

/// A validated stateless (2026-07-28) request's `_meta`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatelessMeta {
    pub version: ProtocolVersion,
    pub client_capabilities: Value,
    pub client_info: Option<Value>,
    /// Validated but unused: we do not emit log notifications in 2026-07-28 (see
    /// [`ProtocolVersion::has_session_rpcs`]).
    pub log_level: Option<LogLevel>,
}

/// Where a POST to the MCP endpoint goes.
#[derive(Debug, Clone, PartialEq)]
pub enum PostRoute {
    /// 2026-07-28: serve statelessly; every header check has passed.
    Stateless(StatelessMeta),
    /// A 2026-07-28 notification (none are defined over HTTP): answer 202 and ignore it.
    StatelessNotification,
    /// `initialize`: create a session, then dispatch it.
    Initialize,
    /// A message for the session named by `Mcp-Session-Id`; load it and check it with
    /// [`check_session_request`].
    Session { session_id: String },
    /// Session-era traffic without a session id: "Servers that require a session ID SHOULD
    /// respond to requests without an `Mcp-Session-Id` header (other than initialization) with
    /// HTTP 400 Bad Request" (2025-11-25 transports §Session Management). The shell uses
    /// [`no_session_rejection`] (or, on the legacy `/sse` endpoint, serves it without a session).
    NoSession,
}

/// The `=?base64?…?=` sentinel decoding of `Mcp-Name` / `Mcp-Param-*` (streamable-http §Value
/// Encoding): a value without the exact lowercase markers is literal; a marked value must be
/// valid standard Base64 of UTF-8, otherwise `None` (a header-validation failure).
pub fn decode_header_value(raw: &str) -> Option<String> {
    match raw
        .strip_prefix("=?base64?")
        .and_then(|r| r.strip_suffix("?="))
    {
        Some(encoded) => {
            let bytes = STANDARD.decode(encoded).ok()?;
            String::from_utf8(bytes).ok()
        }
        None => Some(raw.to_owned()),
    }
}

/// RFC 9110 §5.5: a field value's leading and trailing SP/HTAB are not part of it.
fn ows_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

fn meta_of(params: Option<&Value>) -> Option<&Map<String, Value>> {
    params?.get("_meta")?.as_object()
}

fn has_claim(params: Option<&Value>) -> bool {
    meta_of(params).is_some_and(|m| m.contains_key(META_PROTOCOL_VERSION))
}

/// Classifies a POST body (2026-07-28 versioning §Backward Compatibility; see the module docs).
pub fn classify_post(
    incoming: &Incoming,
    headers: &McpHeaders<'_>,
) -> Result<PostRoute, Rejection> {
    let header_version = headers.protocol_version.map(ows_trim);
    let header_modern = header_version.is_some_and(names_modern);
    let style = if header_modern {
        UnknownId::Omit
    } else {
        UnknownId::Null
    };
    let message = match incoming {
        Incoming::Batch(items) => {
            // Batches never carry modern requests (2026-07-28: "MUST be a single JSON-RPC request
            // or notification").
            let modern = header_modern
                || items
                    .iter()
                    .any(|m| m.as_ref().is_ok_and(|m| has_claim(m.params())));
            if modern {
                return Err(Rejection::new(
                    400,
                    None,
                    RpcError::invalid_request(
                        "JSON-RPC batches are not accepted for protocol version 2026-07-28",
                    ),
                    UnknownId::Omit,
                ));
            }
            return Ok(session_route(headers));
        }
        Incoming::Single(m) => m,
    };
    let id = match message {
        Message::Request(r) => Some(r.id.clone()),
        _ => None,
    };
    let reject = |status: u16, error: RpcError| Rejection::new(status, id.clone(), error, style);

    match message {
        Message::Response(_) => {
            if header_modern {
                return Err(reject(
                    400,
                    RpcError::invalid_request(
                        "clients do not send JSON-RPC responses in protocol version 2026-07-28",
                    ),
                ));
            }
            Ok(session_route(headers))
        }
        Message::Request(req) => {
            let params = req.params.as_ref();
            if has_claim(params) {
                let meta = validate_meta(params)
                    .map_err(|e| Rejection::new(400, id.clone(), e, UnknownId::Omit))?;
                check_modern_headers(&req.method, params, headers)
                    .map_err(|e| Rejection::new(400, id.clone(), e, UnknownId::Omit))?;
                return Ok(PostRoute::Stateless(meta));
            }
            if req.method == "initialize" {
                if header_modern {
                    return Err(reject(
                        400,
                        RpcError::header_mismatch(
                            "an initialize request (session era) was sent with a 2026-07-28 MCP-Protocol-Version header",
                        ),
                    ));
                }
                return Ok(PostRoute::Initialize);
            }
            if header_modern {
                let missing = missing_meta_keys(params);
                return Err(reject(
                    400,
                    RpcError::invalid_params(&format!(
                        "the MCP-Protocol-Version header names {}, but the request lacks the required _meta field(s) {}",
                        header_version.unwrap_or_default(),
                        missing.join(", ")
                    )),
                ));
            }
            Ok(session_route(headers))
        }
        Message::Notification(n) => {
            let params = n.params.as_ref();
            if has_claim(params) || header_modern {
                let meta_version = meta_of(params)
                    .and_then(|m| m.get(META_PROTOCOL_VERSION))
                    .map(|v| v.as_str().ok_or(()));
                match (meta_version, header_version) {
                    (Some(Err(())), _) => {
                        return Err(reject(
                            400,
                            RpcError::invalid_params(&format!(
                                "_meta[\"{META_PROTOCOL_VERSION}\"] must be a string"
                            )),
                        ))
                    }
                    (Some(Ok(m)), Some(h)) if m != h => {
                        return Err(reject(
                            400,
                            RpcError::header_mismatch(&format!(
                                "the MCP-Protocol-Version header is '{h}' but _meta names '{m}'"
                            )),
                        ))
                    }
                    _ => {}
                }
                if let Some(h) = headers.method.map(ows_trim) {
                    if h != n.method {
                        return Err(reject(400, method_mismatch(h, &n.method)));
                    }
                }
                return Ok(PostRoute::StatelessNotification);
            }
            Ok(session_route(headers))
        }
    }
}

fn session_route(headers: &McpHeaders<'_>) -> PostRoute {
    match headers.session_id.map(ows_trim).filter(|s| !s.is_empty()) {
        Some(id) => PostRoute::Session {
            session_id: id.to_owned(),
        },
        None => PostRoute::NoSession,
    }
}

/// GET (standalone SSE stream) and DELETE (end of session) on the MCP endpoint: both exist only
/// in the session era. Returns the session id to load.
///
/// * A 2026-07-28 `MCP-Protocol-Version` → 405 (2026-07-28 streamable-http §Backward
///   Compatibility: "HTTP GET or DELETE to the MCP endpoint: respond with 405").
/// * No `Mcp-Session-Id` → 400 ("Servers that require a session ID SHOULD respond to requests
///   without an `Mcp-Session-Id` header … with HTTP 400").
///
/// Then load the session and call [`crate::mcp::session::SessionState::check_access`] and
/// [`check_session_request`] (with `is_batch = false`) as for a POST.
pub fn classify_session_method(headers: &McpHeaders<'_>) -> Result<String, Rejection> {
    if headers
        .protocol_version
        .map(ows_trim)
        .is_some_and(names_modern)
    {
        return Err(Rejection::new(
            405,
            None,
            RpcError::invalid_request(
                "protocol version 2026-07-28 has no GET stream and no sessions; use POST",
            ),
            UnknownId::Omit,
        ));
    }
    match session_route(headers) {
        PostRoute::Session { session_id } => Ok(session_id),
        _ => Err(no_session_rejection(None)),
    }
}

/// The 404 for a session id that is unknown, terminated, expired or another user's ("The server
/// MAY terminate the session at any time, after which it MUST respond to requests containing
/// that session ID with HTTP 404 Not Found"; the client then starts a new session).
pub fn session_not_found(id: Option<Value>) -> Rejection {
    Rejection::new(
        404,
        id,
        RpcError::invalid_request(
            "session not found: it ended or expired; send a new initialize request without Mcp-Session-Id",
        ),
        UnknownId::Null,
    )
}

/// The 400 for session-era traffic without `Mcp-Session-Id`.
pub fn no_session_rejection(id: Option<Value>) -> Rejection {
    Rejection::new(
        400,
        id,
        RpcError::invalid_request(
            "no Mcp-Session-Id header: send an initialize request first, then repeat the session id it returned on every request",
        ),
        UnknownId::Null,
    )
}

fn missing_meta_keys(params: Option<&Value>) -> Vec<&'static str> {
    let Some(meta) = meta_of(params) else {
        return vec!["_meta"];
    };
    [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES]
        .into_iter()
        .filter(|k| !meta.contains_key(*k))
        .collect()
}

/// Validates the required and optional `_meta` fields of a 2026-07-28 request (basic/index
/// §_meta: "A request missing any required field is malformed; the server MUST reject it with
/// … -32602 … On HTTP, the response status MUST be 400").
fn validate_meta(params: Option<&Value>) -> Result<StatelessMeta, RpcError> {
    let missing = missing_meta_keys(params);
    if !missing.is_empty() {
        return Err(RpcError::invalid_params(&format!(
            "the request lacks the required _meta field(s) {}",
            missing.join(", ")
        )));
    }
    let Some(meta) = meta_of(params) else {
        return Err(RpcError::invalid_params("_meta must be an object"));
    };
    let requested = meta
        .get(META_PROTOCOL_VERSION)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            RpcError::invalid_params(&format!(
                "_meta[\"{META_PROTOCOL_VERSION}\"] must be a string"
            ))
        })?;
    let client_capabilities = meta
        .get(META_CLIENT_CAPABILITIES)
        .filter(|c| c.is_object())
        .cloned()
        .ok_or_else(|| {
            RpcError::invalid_params(&format!(
                "_meta[\"{META_CLIENT_CAPABILITIES}\"] must be an object"
            ))
        })?;
    let client_info = match meta.get(META_CLIENT_INFO) {
        None => None,
        Some(info @ Value::Object(o))
            if o.get("name").is_some_and(Value::is_string)
                && o.get("version").is_some_and(Value::is_string) =>
        {
            Some(info.clone())
        }
        Some(_) => {
            return Err(RpcError::invalid_params(&format!(
            "_meta[\"{META_CLIENT_INFO}\"] must be an object with string \"name\" and \"version\""
        )))
        }
    };
    let log_level = match meta.get(META_LOG_LEVEL) {
        None => None,
        Some(v) => Some(v.as_str().and_then(LogLevel::parse).ok_or_else(|| {
            RpcError::invalid_params(&format!(
                "_meta[\"{META_LOG_LEVEL}\"] must be one of debug, info, notice, warning, error, critical, alert, emergency"
            ))
        })?),
    };
    // The version is checked against what we support after the header cross-check, so that a
    // header disagreeing with `_meta` is reported as such.
    let version = ProtocolVersion::parse(requested)
        .filter(|v| v.is_stateless())
        .unwrap_or(ProtocolVersion::V2026_07_28);
    Ok(StatelessMeta {
        version,
        client_capabilities,
        client_info,
        log_level,
    })
}

fn method_mismatch(header: &str, body: &str) -> RpcError {
    RpcError::header_mismatch(&format!(
        "Mcp-Method header value '{}' does not match body method '{}'",
        shorten(header),
        shorten(body)
    ))
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(100).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The body field `Mcp-Name` mirrors, per method (streamable-http §Standard Request Headers).
fn name_source(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    }
}

fn check_modern_headers(
    method: &str,
    params: Option<&Value>,
    headers: &McpHeaders<'_>,
) -> Result<(), RpcError> {
    let requested = meta_of(params)
        .and_then(|m| m.get(META_PROTOCOL_VERSION))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let header_version = headers.protocol_version.map(ows_trim);
    if let Some(h) = header_version {
        if h != requested {
            return Err(RpcError::header_mismatch(&format!(
                "MCP-Protocol-Version header value '{}' does not match _meta protocol version '{}'",
                shorten(h),
                shorten(requested)
            )));
        }
    }
    if let Some(h) = headers.method.map(ows_trim) {
        if h != method {
            return Err(method_mismatch(h, method));
        }
    }
    if !ProtocolVersion::parse(requested).is_some_and(ProtocolVersion::is_stateless) {
        // basic/versioning §Protocol Version Negotiation.
        return Err(RpcError::unsupported_version(
            &STATELESS_VERSIONS,
            requested,
        ));
    }
    if header_version.is_none() {
        return Err(RpcError::header_mismatch(
            "the required MCP-Protocol-Version header is missing",
        ));
    }
    if headers.method.is_none() {
        return Err(RpcError::header_mismatch(
            "the required Mcp-Method header is missing",
        ));
    }
    if let Some(field) = name_source(method) {
        if let Some(body_value) = params.and_then(|p| p.get(field)).and_then(Value::as_str) {
            let Some(raw) = headers.name.map(ows_trim) else {
                return Err(RpcError::header_mismatch(&format!(
                    "the required Mcp-Name header is missing (params.{field} is '{}')",
                    shorten(body_value)
                )));
            };
            let Some(decoded) = decode_header_value(raw) else {
                return Err(RpcError::header_mismatch(
                    "the Mcp-Name header is not valid =?base64?…?= encoding of UTF-8",
                ));
            };
            if decoded != body_value {
                return Err(RpcError::header_mismatch(&format!(
                    "Mcp-Name header value '{}' does not match body value '{}'",
                    shorten(&decoded),
                    shorten(body_value)
                )));
            }
        }
    }
    Ok(())
}

/// Checks a request for an existing session once the shell has loaded its state and decides the
/// version it is served with:
///
/// * `MCP-Protocol-Version` present: it must be a session-era version we support, else 400
///   (2025-11-25 transports §Protocol Version Header: "If the server receives a request with an
///   invalid or unsupported MCP-Protocol-Version, it MUST respond with 400 Bad Request"). The
///   session's negotiated version is still the one served ("Both parties MUST respect the
///   negotiated protocol version").
/// * absent: the negotiated version, or 2025-03-26 if none was negotiated.
/// * a batch is accepted only when that version is 2025-03-26.
pub fn check_session_request(
    negotiated: Option<ProtocolVersion>,
    protocol_header: Option<&str>,
    is_batch: bool,
) -> Result<ProtocolVersion, Rejection> {
    if let Some(h) = protocol_header.map(ows_trim) {
        if ProtocolVersion::parse(h).is_none_or(ProtocolVersion::is_stateless) {
            return Err(Rejection::new(
                400,
                None,
                RpcError::invalid_request(&format!(
                    "unsupported MCP-Protocol-Version '{}'; this session accepts {}",
                    shorten(h),
                    SESSION_VERSIONS.join(", ")
                ))
                .with_data(serde_json::json!({ "supported": SESSION_VERSIONS, "requested": h })),
                UnknownId::Null,
            ));
        }
    }
    let version = negotiated
        .or_else(|| protocol_header.and_then(|h| ProtocolVersion::parse(ows_trim(h))))
        .unwrap_or(ProtocolVersion::HEADERLESS_DEFAULT);
    if is_batch && !version.allows_batch() {
        return Err(Rejection::new(
            400,
            None,
            RpcError::invalid_request(&format!(
                "JSON-RPC batches are only accepted for protocol version 2025-03-26; this session speaks {version}"
            )),
            UnknownId::Null,
        ));
    }
    Ok(version)
}

/// Whether `method` exists in `version` (anything else is −32601). Capabilities we do not
/// declare (resources, prompts, completions) have no methods here either: "a server returns this
/// error when a client invokes … one gated behind a server capability the server did not
/// advertise" (2026-07-28 schema `MethodNotFoundError`).
pub fn method_exists(version: ProtocolVersion, method: &str) -> bool {
    match method {
        "tools/list" | "tools/call" => true,
        "initialize" | "ping" | "logging/setLevel" => version.has_session_rpcs(),
        "server/discover" | "subscriptions/listen" => version.is_stateless(),
        _ => false,
    }
}

/// Adds what 2026-07-28 requires on every result — `resultType` (basic/index §ResultType),
/// `_meta["io.modelcontextprotocol/serverInfo"]` (SHOULD) and, for cacheable results, `ttlMs`
/// and `cacheScope` (server/utilities/caching) — and leaves earlier versions' results as they
/// are (those fields do not exist there).
pub fn shape_result(
    version: ProtocolVersion,
    method: &str,
    mut result: Value,
    server_info: &Value,
) -> Value {
    if !version.is_stateless() {
        return result;
    }
    let Some(obj) = result.as_object_mut() else {
        return result;
    };
    obj.entry("resultType")
        .or_insert_with(|| Value::from("complete"));
    let meta = obj
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        meta.entry(META_SERVER_INFO)
            .or_insert_with(|| server_info.clone());
    }
    if let Some((ttl, scope)) = cache_hints(method) {
        obj.entry("ttlMs").or_insert_with(|| Value::from(ttl));
        obj.entry("cacheScope")
            .or_insert_with(|| Value::from(scope));
    }
    result
}

/// `ttlMs`/`cacheScope` for the cacheable methods we serve. `tools/list` is `private`: it may
/// come to depend on the caller's granted scopes (2026-07-28 tools: "MAY vary by the
/// authorization presented"), and caching §Choosing a Cache Scope says per-user lists are
/// private. `server/discover` is the same for everyone.
pub fn cache_hints(method: &str) -> Option<(u64, &'static str)> {
    match method {
        "tools/list" => Some((TOOLS_LIST_TTL_MS, "private")),
        "server/discover" => Some((DISCOVER_TTL_MS, "public")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Incoming {
        jsonrpc::parse(body.to_string().as_bytes()).unwrap()
    }

    fn modern_meta() -> Value {
        json!({
            META_PROTOCOL_VERSION: "2026-07-28",
            META_CLIENT_CAPABILITIES: {},
            META_CLIENT_INFO: {"name": "t", "version": "1"},
        })
    }

    fn modern_headers<'a>(method: &'a str, name: Option<&'a str>) -> McpHeaders<'a> {
        McpHeaders {
            protocol_version: Some("2026-07-28"),
            session_id: None,
            method: Some(method),
            name,
        }
    }

    #[test]
    fn versions_parse_order_and_negotiate() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::parse(v.as_str()), Some(v));
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                Value::from(v.as_str()),
                "serde uses the wire form"
            );
        }
        assert_eq!(negotiate("2025-06-18"), ProtocolVersion::V2025_06_18);
        assert_eq!(negotiate("2024-11-05"), ProtocolVersion::V2024_11_05);
        assert_eq!(negotiate("2026-07-28"), ProtocolVersion::V2025_11_25);
        assert_eq!(negotiate("1999-01-01"), ProtocolVersion::V2025_11_25);
        assert_eq!(negotiate(""), ProtocolVersion::V2025_11_25);
        assert!(ProtocolVersion::V2025_03_26.allows_batch());
        assert!(!ProtocolVersion::V2025_06_18.allows_batch());
        assert!(!ProtocolVersion::V2024_11_05.allows_batch());
    }

    #[test]
    fn base64_sentinel() {
        assert_eq!(
            decode_header_value("get_profile").as_deref(),
            Some("get_profile")
        );
        assert_eq!(
            decode_header_value("=?base64?SGVsbG8sIOS4lueVjA==?=").as_deref(),
            Some("Hello, 世界")
        );
        assert_eq!(
            decode_header_value("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=").as_deref(),
            Some("=?base64?literal?=")
        );
        assert_eq!(decode_header_value("=?base64?!!!?="), None);
        assert_eq!(decode_header_value("=?base64?/w==?="), None, "not UTF-8");
        assert_eq!(
            decode_header_value("=?BASE64?eA==?=").as_deref(),
            Some("=?BASE64?eA==?="),
            "markers are case-sensitive; anything else is literal"
        );
    }

    #[test]
    fn era_detection() {
        let init = parse(
            json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}),
        );
        assert_eq!(
            classify_post(&init, &McpHeaders::default()),
            Ok(PostRoute::Initialize)
        );
        let with_session = McpHeaders {
            session_id: Some(" abc "),
            ..McpHeaders::default()
        };
        let list = parse(json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}));
        assert_eq!(
            classify_post(&list, &with_session),
            Ok(PostRoute::Session {
                session_id: "abc".into()
            })
        );
        assert_eq!(
            classify_post(&list, &McpHeaders::default()),
            Ok(PostRoute::NoSession)
        );
        let modern = parse(
            json!({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":modern_meta()}}),
        );
        let route = classify_post(&modern, &modern_headers("tools/list", None)).unwrap();
        let PostRoute::Stateless(meta) = route else {
            panic!("{route:?}")
        };
        assert_eq!(meta.version, ProtocolVersion::V2026_07_28);
        assert_eq!(meta.client_info, Some(json!({"name":"t","version":"1"})));
        // A modern claim wins over a session header (which 2026-07-28 says to ignore).
        let mut h = modern_headers("tools/list", None);
        h.session_id = Some("abc");
        assert!(matches!(
            classify_post(&modern, &h),
            Ok(PostRoute::Stateless(_))
        ));
        // initialize with a modern claim is a modern request (later answered -32601).
        let init_modern = parse(
            json!({"jsonrpc":"2.0","id":4,"method":"initialize","params":{"_meta":modern_meta()}}),
        );
        assert!(matches!(
            classify_post(&init_modern, &modern_headers("initialize", None)),
            Ok(PostRoute::Stateless(_))
        ));
        // initialize without a claim but with a modern header is contradictory.
        let e = classify_post(&init, &modern_headers("initialize", None)).unwrap_err();
        assert_eq!(
            (e.status, e.error.code),
            (400, jsonrpc::code::HEADER_MISMATCH)
        );
    }

    #[test]
    fn missing_meta_is_invalid_params_400() {
        for params in [
            json!({}),
            json!({"_meta": {META_CLIENT_CAPABILITIES: {}}}),
            json!({"_meta": {META_PROTOCOL_VERSION: "2026-07-28"}}),
            json!({"_meta": {META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: []}}),
            json!({"_meta": {META_PROTOCOL_VERSION: 5, META_CLIENT_CAPABILITIES: {}}}),
            json!({"_meta": {META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}, META_LOG_LEVEL: "loud"}}),
            json!({"_meta": {META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}, META_CLIENT_INFO: "x"}}),
        ] {
            let body =
                parse(json!({"jsonrpc":"2.0","id":101,"method":"server/discover","params":params}));
            let e = classify_post(&body, &modern_headers("server/discover", None)).unwrap_err();
            assert_eq!(
                (e.status, e.error.code, e.id.clone()),
                (400, jsonrpc::code::INVALID_PARAMS, Some(json!(101))),
                "{params}"
            );
        }
        // clientInfo is optional.
        let body = parse(
            json!({"jsonrpc":"2.0","id":105,"method":"server/discover","params":{"_meta":{
            META_PROTOCOL_VERSION: "2026-07-28", META_CLIENT_CAPABILITIES: {}}}}),
        );
        assert!(classify_post(&body, &modern_headers("server/discover", None)).is_ok());
    }

    #[test]
    fn unsupported_version_and_header_mismatch() {
        let mut meta = modern_meta();
        meta[META_PROTOCOL_VERSION] = json!("v999.0.0");
        let body = parse(
            json!({"jsonrpc":"2.0","id":301,"method":"server/discover","params":{"_meta":meta}}),
        );
        let mut h = modern_headers("server/discover", None);
        h.protocol_version = Some("v999.0.0");
        let e = classify_post(&body, &h).unwrap_err();
        assert_eq!(
            (e.status, e.error.code),
            (400, jsonrpc::code::UNSUPPORTED_PROTOCOL_VERSION)
        );
        assert_eq!(
            e.error.data,
            Some(json!({"supported":["2026-07-28"],"requested":"v999.0.0"}))
        );
        assert_eq!(e.body()["id"], json!(301));
        // Header says 2026-07-28, _meta says v999: a mismatch, not an unsupported version.
        let e = classify_post(&body, &modern_headers("server/discover", None)).unwrap_err();
        assert_eq!(
            (e.status, e.error.code),
            (400, jsonrpc::code::HEADER_MISMATCH)
        );
        // A legacy version in _meta is not a stateless version.
        let mut meta = modern_meta();
        meta[META_PROTOCOL_VERSION] = json!("2025-11-25");
        let body =
            parse(json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":meta}}));
        let mut h = modern_headers("tools/list", None);
        h.protocol_version = Some("2025-11-25");
        assert_eq!(
            classify_post(&body, &h).unwrap_err().error.code,
            jsonrpc::code::UNSUPPORTED_PROTOCOL_VERSION
        );
    }

    #[test]
    fn standard_header_rules() {
        let list = parse(
            json!({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":modern_meta()}}),
        );
        let call = parse(
            json!({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{
            "name":"get_profile","arguments":{},"_meta":modern_meta()}}),
        );
        let mismatch = |b: &Incoming, h: McpHeaders<'_>| {
            let e = classify_post(b, &h).unwrap_err();
            assert_eq!(
                (e.status, e.error.code),
                (400, jsonrpc::code::HEADER_MISMATCH),
                "{h:?}"
            );
            assert_eq!(e.unknown_id, UnknownId::Omit);
            e
        };
        mismatch(&list, modern_headers("prompts/list", None));
        mismatch(&list, modern_headers("TOOLS/LIST", None));
        let e = mismatch(
            &list,
            McpHeaders {
                method: None,
                ..modern_headers("", None)
            },
        );
        assert!(e.error.message.contains("Mcp-Method"));
        let e = mismatch(
            &list,
            McpHeaders {
                protocol_version: None,
                ..modern_headers("tools/list", None)
            },
        );
        assert!(e.error.message.contains("MCP-Protocol-Version"));
        assert!(classify_post(&list, &modern_headers(" tools/list\t", None)).is_ok());
        mismatch(&call, modern_headers("tools/call", None));
        mismatch(&call, modern_headers("tools/call", Some("wrong_tool_name")));
        mismatch(&call, modern_headers("tools/call", Some("=?base64?%%%?=")));
        assert!(classify_post(
            &call,
            &modern_headers("tools/call", Some("  get_profile  "))
        )
        .is_ok());
        assert!(classify_post(
            &call,
            &modern_headers("tools/call", Some("=?base64?Z2V0X3Byb2ZpbGU=?="))
        )
        .is_ok());
    }

    #[test]
    fn modern_header_without_claim() {
        let body = parse(json!({"jsonrpc":"2.0","id":9,"method":"tools/list"}));
        let e = classify_post(&body, &modern_headers("tools/list", None)).unwrap_err();
        assert_eq!(
            (e.status, e.error.code),
            (400, jsonrpc::code::INVALID_PARAMS)
        );
        assert!(e.error.message.contains("_meta"), "{}", e.error.message);
        let note = parse(json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
        assert_eq!(
            classify_post(&note, &modern_headers("notifications/initialized", None)),
            Ok(PostRoute::StatelessNotification)
        );
        assert!(classify_post(&note, &modern_headers("other", None)).is_err());
        let resp = parse(json!({"jsonrpc":"2.0","id":1,"result":{}}));
        assert!(classify_post(&resp, &modern_headers("x", None)).is_err());
        assert_eq!(
            classify_post(&resp, &McpHeaders::default()),
            Ok(PostRoute::NoSession)
        );
    }

    #[test]
    fn batches_are_session_era_only() {
        let batch = parse(json!([{"jsonrpc":"2.0","id":1,"method":"tools/list"}]));
        let h = McpHeaders {
            session_id: Some("s"),
            ..McpHeaders::default()
        };
        assert!(matches!(
            classify_post(&batch, &h),
            Ok(PostRoute::Session { .. })
        ));
        let modern = parse(
            json!([{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":modern_meta()}}]),
        );
        assert_eq!(classify_post(&modern, &h).unwrap_err().status, 400);
        assert_eq!(
            check_session_request(Some(ProtocolVersion::V2025_03_26), None, true),
            Ok(ProtocolVersion::V2025_03_26)
        );
        assert_eq!(
            check_session_request(None, None, true),
            Ok(ProtocolVersion::V2025_03_26)
        );
        for v in [
            ProtocolVersion::V2025_06_18,
            ProtocolVersion::V2025_11_25,
            ProtocolVersion::V2024_11_05,
        ] {
            let e = check_session_request(Some(v), None, true).unwrap_err();
            assert_eq!(
                (e.status, e.error.code),
                (400, jsonrpc::code::INVALID_REQUEST)
            );
        }
    }

    #[test]
    fn session_protocol_header() {
        let v = Some(ProtocolVersion::V2025_11_25);
        assert_eq!(
            check_session_request(v, Some("2025-11-25"), false),
            Ok(ProtocolVersion::V2025_11_25)
        );
        assert_eq!(
            check_session_request(v, Some("2025-06-18"), false),
            Ok(ProtocolVersion::V2025_11_25)
        );
        assert_eq!(
            check_session_request(v, None, false),
            Ok(ProtocolVersion::V2025_11_25)
        );
        assert_eq!(
            check_session_request(None, Some("2025-06-18"), false),
            Ok(ProtocolVersion::V2025_06_18)
        );
        for bad in ["1999-01-01", "2026-07-28", "", "garbage"] {
            assert_eq!(
                check_session_request(v, Some(bad), false)
                    .unwrap_err()
                    .status,
                400,
                "{bad}"
            );
        }
    }

    #[test]
    fn get_and_delete() {
        let h = McpHeaders {
            session_id: Some("abc"),
            ..McpHeaders::default()
        };
        assert_eq!(classify_session_method(&h), Ok("abc".to_owned()));
        assert_eq!(
            classify_session_method(&McpHeaders::default())
                .unwrap_err()
                .status,
            400
        );
        let modern = McpHeaders {
            protocol_version: Some("2026-07-28"),
            ..h
        };
        assert_eq!(classify_session_method(&modern).unwrap_err().status, 405);
        assert_eq!(session_not_found(Some(json!(1))).body()["id"], 1);
        assert_eq!(session_not_found(None).status, 404);
    }

    #[test]
    fn method_table() {
        let old = ProtocolVersion::V2025_11_25;
        let new = ProtocolVersion::V2026_07_28;
        for m in [
            "initialize",
            "ping",
            "logging/setLevel",
            "tools/list",
            "tools/call",
        ] {
            assert!(method_exists(old, m), "{m}");
        }
        for m in [
            "server/discover",
            "subscriptions/listen",
            "resources/list",
            "prompts/list",
            "x",
        ] {
            assert!(!method_exists(old, m), "{m}");
        }
        for m in [
            "server/discover",
            "subscriptions/listen",
            "tools/list",
            "tools/call",
        ] {
            assert!(method_exists(new, m), "{m}");
        }
        for m in [
            "initialize",
            "ping",
            "logging/setLevel",
            "resources/subscribe",
            "resources/unsubscribe",
            "prompts/list",
        ] {
            assert!(!method_exists(new, m), "{m}");
        }
    }

    #[test]
    fn result_shaping_is_2026_only() {
        let info = json!({"name":"s","version":"1"});
        let old = shape_result(
            ProtocolVersion::V2025_11_25,
            "tools/list",
            json!({"tools":[]}),
            &info,
        );
        assert_eq!(old, json!({"tools":[]}));
        let new = shape_result(
            ProtocolVersion::V2026_07_28,
            "tools/list",
            json!({"tools":[]}),
            &info,
        );
        assert_eq!(
            new,
            json!({"tools":[],"resultType":"complete","_meta":{META_SERVER_INFO: info},
                "ttlMs":TOOLS_LIST_TTL_MS,"cacheScope":"private"})
        );
        let call = shape_result(
            ProtocolVersion::V2026_07_28,
            "tools/call",
            json!({"content":[]}),
            &info,
        );
        assert!(call.get("ttlMs").is_none());
        assert_eq!(call["resultType"], "complete");
    }
}
