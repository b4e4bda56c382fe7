//! The dispatcher: one request in, one result or JSON-RPC error out, shaped for the protocol
//! version it is served with. Notifications the request produces on the way (progress, logs,
//! a subscription acknowledgement) go to an [`EventSink`]; the shell decides whether they travel
//! on an SSE stream or are dropped (JSON response).
//!
//! | method | eras | source |
//! |---|---|---|
//! | `initialize` | session | lifecycle §Initialization, §Version Negotiation |
//! | `ping` | session | basic/utilities/ping |
//! | `logging/setLevel` | session | server/utilities/logging |
//! | `tools/list`, `tools/call` | all | server/tools |
//! | `server/discover` | 2026-07-28 | server/discover |
//! | `subscriptions/listen` | 2026-07-28 | basic/patterns/subscriptions |
//!
//! Anything else is −32601 (HTTP 404 in 2026-07-28, see `http::status_for_error`). We declare no
//! resources, prompts or completions, so their methods do not exist either.
//!
//! `subscriptions/listen`: the server has nothing a client can subscribe to (the tool list is
//! static, so `listChanged` is not advertised; there are no resources or prompts). The
//! subscriptions page lets the acknowledgement carry "the subset the server agreed to honor",
//! omitting unsupported types, so we acknowledge with an empty filter and then end the
//! subscription gracefully with its result ("it SHOULD send a successful `subscriptions/listen`
//! response to signal a graceful end … A client that receives this response knows the
//! subscription closed cleanly"). Holding an empty stream open would cost a connection per
//! client for nothing, and a client whose stream drops without that response "MAY treat [it] as
//! a trigger to reconnect".
//!
//! Logging: the session era has `logging/setLevel` and sends `notifications/message` at or above
//! the level the client set (none before it sets one). 2026-07-28 deprecates logging ("New
//! implementations SHOULD NOT adopt it"); we do not declare the capability there, so no log
//! notifications are sent (a `_meta` log level is still validated).

use std::cell::RefCell;

use serde_json::{json, Map, Value};

use super::jsonrpc::{self, Incoming, Invalid, Message, Notification, Request, RpcError};
use super::schema;
use super::session::{LogLevel, SessionState};
use super::tool::{Tool, ToolContext, ToolEnv, ToolError, ToolOutcome, ToolRegistry};
use super::version::{self, ProtocolVersion, META_SUBSCRIPTION_ID, STATELESS_VERSIONS};
use crate::graph::GraphClient;

/// The server's own `instructions` (lifecycle `InitializeResult.instructions`,
/// `DiscoverResult.instructions`).
pub const INSTRUCTIONS: &str = include_str!("instructions.md");

/// Where request-related notifications go. `send` takes `&self` so the sink can be shared with
/// a running tool; implementations use interior mutability (a channel, a `RefCell<Vec<_>>`).
pub trait EventSink {
    fn send(&self, message: Value);
}

/// Drops everything (a JSON response, where notifications have no place).
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl EventSink for NullSink {
    fn send(&self, _message: Value) {}
}

/// Keeps everything, in order (tests; or a shell that writes the stream after the fact).
#[derive(Debug, Default)]
pub struct CollectingSink {
    messages: RefCell<Vec<Value>>,
}

impl CollectingSink {
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything sent so far, in order; the sink is emptied.
    pub fn take(&self) -> Vec<Value> {
        self.messages
            .try_borrow_mut()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
    }
}

impl EventSink for CollectingSink {
    fn send(&self, message: Value) {
        if let Ok(mut m) = self.messages.try_borrow_mut() {
            m.push(message);
        }
    }
}

/// `serverInfo` (the `Implementation` schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    pub name: String,
    pub title: String,
    pub version: String,
    pub description: String,
    pub website_url: Option<String>,
}

impl ServerInfo {
    /// Our identity with the given build version.
    pub fn new(version: impl Into<String>) -> Self {
        Self {
            name: "m365-mcp".to_owned(),
            title: "Microsoft 365".to_owned(),
            version: version.into(),
            description: "Outlook mail, calendar, contacts and Teams of the signed-in Microsoft 365 user, through Microsoft Graph.".to_owned(),
            website_url: None,
        }
    }

    /// As sent to a client speaking `version`: `title` from 2025-06-18, `description` and
    /// `websiteUrl` from 2025-11-25.
    pub fn to_value(&self, version: ProtocolVersion) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), Value::from(self.name.as_str()));
        if version.has_structured_output() {
            obj.insert("title".into(), Value::from(self.title.as_str()));
        }
        obj.insert("version".into(), Value::from(self.version.as_str()));
        if version.has_rich_implementation() {
            obj.insert("description".into(), Value::from(self.description.as_str()));
            if let Some(url) = &self.website_url {
                obj.insert("websiteUrl".into(), Value::from(url.as_str()));
            }
        }
        Value::Object(obj)
    }
}

/// What one request is served with.
pub struct RequestContext<'a> {
    /// The version decided by `version::classify_post` / `version::check_session_request`
    /// (for `initialize`, pass [`ProtocolVersion::LATEST_SESSION`]; the handler negotiates).
    pub version: ProtocolVersion,
    /// The session, if the request belongs to one. Borrowed mutably only briefly, never across
    /// an `.await`, so a Durable Object can keep it in a `RefCell` while requests interleave.
    pub session: Option<&'a RefCell<SessionState>>,
    pub graph: &'a dyn GraphClient,
    /// Graph's version root, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base_url: &'a str,
    /// Whether the client has closed the response stream (2026-07-28: that is cancellation).
    pub stream_closed: Option<&'a dyn Fn() -> bool>,
    /// Deployment, user store and clock for tool calls.
    pub tool_env: ToolEnv<'a>,
}

impl std::fmt::Debug for RequestContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("version", &self.version)
            .field("session", &self.session.is_some())
            .field("graph_base_url", &self.graph_base_url)
            .finish_non_exhaustive()
    }
}

impl<'a> RequestContext<'a> {
    pub fn new(
        version: ProtocolVersion,
        graph: &'a dyn GraphClient,
        graph_base_url: &'a str,
    ) -> Self {
        Self {
            version,
            session: None,
            graph,
            graph_base_url,
            stream_closed: None,
            tool_env: ToolEnv::default(),
        }
    }

    pub fn with_tool_env(mut self, env: ToolEnv<'a>) -> Self {
        self.tool_env = env;
        self
    }

    pub fn with_session(mut self, session: &'a RefCell<SessionState>) -> Self {
        self.session = Some(session);
        self
    }

    pub fn with_stream_closed(mut self, closed: &'a dyn Fn() -> bool) -> Self {
        self.stream_closed = Some(closed);
        self
    }

    /// Whether request `id` has been cancelled (stream closed, or `notifications/cancelled`
    /// recorded in the session).
    pub fn is_cancelled(&self, id: &Value) -> bool {
        self.stream_closed.is_some_and(|closed| closed())
            || self
                .session
                .and_then(|s| s.try_borrow().ok().map(|s| s.is_cancelled(id)))
                .unwrap_or(false)
    }

    fn log_level(&self) -> Option<LogLevel> {
        if self.version.is_stateless() {
            return None;
        }
        self.session
            .and_then(|s| s.try_borrow().ok().and_then(|s| s.log_level))
    }
}

/// The HTTP-level outcome of [`Server::handle_post`] for a JSON (non-streaming) response.
#[derive(Debug, Clone, PartialEq)]
pub enum PostOutcome {
    /// 202 Accepted, no body: only notifications/responses were posted (or the one request was
    /// cancelled while it ran).
    Accepted,
    /// A JSON body with this status.
    Json { status: u16, body: Value },
}

/// The MCP server: identity, instructions and tools.
#[derive(Debug)]
pub struct Server {
    info: ServerInfo,
    instructions: String,
    tools: ToolRegistry,
}

fn params_object(params: Option<&Value>) -> Option<&Map<String, Value>> {
    params.and_then(Value::as_object)
}

fn progress_token(params: Option<&Value>) -> Option<Value> {
    params?
        .get("_meta")?
        .get("progressToken")
        .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
        .cloned()
}

impl Server {
    pub fn new(info: ServerInfo, tools: ToolRegistry) -> Self {
        Self {
            info,
            instructions: INSTRUCTIONS.trim().to_owned(),
            tools,
        }
    }

    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = instructions.into();
        self
    }

    pub fn info(&self) -> &ServerInfo {
        &self.info
    }

    pub fn tools(&self) -> &ToolRegistry {
        &self.tools
    }

    pub fn instructions(&self) -> &str {
        &self.instructions
    }

    /// `ServerCapabilities`: tools (a static list, so no `listChanged`), and `logging` in the
    /// session era.
    pub fn capabilities(&self, version: ProtocolVersion) -> Value {
        let mut caps = json!({ "tools": { "listChanged": false } });
        if version.has_session_rpcs() {
            if let Some(obj) = caps.as_object_mut() {
                obj.insert("logging".into(), json!({}));
            }
        }
        caps
    }

    /// Dispatches one request and returns its (version-shaped) result.
    pub async fn handle_request(
        &self,
        ctx: &RequestContext<'_>,
        request: &Request,
        sink: &dyn EventSink,
    ) -> Result<Value, RpcError> {
        let version = ctx.version;
        let method = request.method.as_str();
        if !version::method_exists(version, method) {
            return Err(RpcError::method_not_found(method));
        }
        let params = request.params.as_ref();
        let result = match method {
            "initialize" => return self.initialize(ctx, params),
            "ping" => Ok(json!({})),
            "logging/setLevel" => self.set_level(ctx, params),
            "tools/list" => self.list_tools(version, params),
            "tools/call" => self.call_tool(ctx, request, sink).await,
            "server/discover" => Ok(self.discover()),
            "subscriptions/listen" => self.listen(request, sink),
            _ => Err(RpcError::method_not_found(method)),
        }?;
        Ok(version::shape_result(
            version,
            method,
            result,
            &self.info.to_value(version),
        ))
    }

    /// Dispatches one request and returns the JSON-RPC response to send, or `None` when the
    /// request was cancelled while it ran (cancellation: the server SHOULD "not send a response
    /// for the cancelled request"). `initialize` cannot be cancelled.
    pub async fn respond(
        &self,
        ctx: &RequestContext<'_>,
        request: &Request,
        sink: &dyn EventSink,
    ) -> Option<Value> {
        // A cancellation recorded for an earlier request with the same id is stale: ids may be
        // reused once answered.
        self.clear_cancelled(ctx, &request.id);
        let outcome = self.handle_request(ctx, request, sink).await;
        if request.method != "initialize" && ctx.is_cancelled(&request.id) {
            self.clear_cancelled(ctx, &request.id);
            return None;
        }
        Some(match outcome {
            Ok(result) => jsonrpc::response(&request.id, result),
            Err(error) => {
                jsonrpc::error_response(Some(&request.id), &error, ctx.version.unknown_id())
            }
        })
    }

    fn clear_cancelled(&self, ctx: &RequestContext<'_>, id: &Value) {
        if let Some(mut s) = ctx.session.and_then(|s| s.try_borrow_mut().ok()) {
            s.clear_cancelled(id);
        }
    }

    /// Applies a notification from the client. Notifications are never answered; unknown ones
    /// are ignored.
    pub fn handle_notification(
        &self,
        session: Option<&RefCell<SessionState>>,
        notification: &Notification,
    ) {
        let Some(mut state) = session.and_then(|s| s.try_borrow_mut().ok()) else {
            return;
        };
        match notification.method.as_str() {
            "notifications/initialized" => state.initialized = true,
            "notifications/cancelled" => {
                if let Some(id) = notification
                    .params
                    .as_ref()
                    .and_then(|p| p.get("requestId"))
                    .filter(|id| id.is_string() || id.is_i64() || id.is_u64())
                {
                    state.cancel(id.clone());
                }
            }
            // notifications/progress from the client, roots/list_changed, anything else.
            _ => {}
        }
    }

    /// A JSON-RPC batch (2025-03-26 only; `version::check_session_request` enforces that):
    /// each request answered in order, invalid members answered with their error, notifications
    /// applied; `None` when nothing needs an answer (HTTP 202). `initialize` may not be batched
    /// (2025-03-26 lifecycle: "The initialize request MUST NOT be part of a JSON-RPC batch").
    pub async fn handle_batch(
        &self,
        ctx: &RequestContext<'_>,
        items: Vec<Result<Message, Invalid>>,
        sink: &dyn EventSink,
    ) -> Option<Value> {
        let unknown = ctx.version.unknown_id();
        let mut out = Vec::new();
        for item in items {
            match item {
                Err(invalid) if invalid.notification => {}
                Err(invalid) => out.push(jsonrpc::error_response(
                    invalid.id.as_ref(),
                    &invalid.error,
                    unknown,
                )),
                Ok(Message::Request(r)) if r.method == "initialize" => {
                    out.push(jsonrpc::error_response(
                        Some(&r.id),
                        &RpcError::invalid_request("initialize must not be part of a batch"),
                        unknown,
                    ));
                }
                Ok(Message::Request(r)) => {
                    if let Some(response) = self.respond(ctx, &r, sink).await {
                        out.push(response);
                    }
                }
                Ok(Message::Notification(n)) => self.handle_notification(ctx.session, &n),
                Ok(Message::Response(_)) => {}
            }
        }
        (!out.is_empty()).then_some(Value::Array(out))
    }

    /// Everything a POST body asks for, answered as JSON (no stream): the request's response
    /// (status per `http::status_for_response`), a batch's responses, or 202 for notifications
    /// and responses. For an SSE response the shell calls [`Server::respond`] itself with a sink
    /// that writes events.
    pub async fn handle_post(
        &self,
        ctx: &RequestContext<'_>,
        incoming: Incoming,
        sink: &dyn EventSink,
    ) -> PostOutcome {
        match incoming {
            Incoming::Single(Message::Request(r)) => match self.respond(ctx, &r, sink).await {
                Some(body) => PostOutcome::Json {
                    status: super::http::status_for_response(ctx.version, &body),
                    body,
                },
                None => PostOutcome::Accepted,
            },
            Incoming::Single(Message::Notification(n)) => {
                self.handle_notification(ctx.session, &n);
                PostOutcome::Accepted
            }
            Incoming::Single(Message::Response(_)) => PostOutcome::Accepted,
            Incoming::Batch(items) => match self.handle_batch(ctx, items, sink).await {
                Some(body) => PostOutcome::Json { status: 200, body },
                None => PostOutcome::Accepted,
            },
        }
    }

    fn initialize(
        &self,
        ctx: &RequestContext<'_>,
        params: Option<&Value>,
    ) -> Result<Value, RpcError> {
        let Some(params) = params_object(params) else {
            return Err(RpcError::invalid_params(
                "initialize needs params with protocolVersion, capabilities and clientInfo",
            ));
        };
        let Some(requested) = params.get("protocolVersion").and_then(Value::as_str) else {
            return Err(RpcError::invalid_params(
                "initialize needs params.protocolVersion (a string)",
            ));
        };
        let capabilities = match params.get("capabilities") {
            None | Some(Value::Null) => json!({}),
            Some(c @ Value::Object(_)) => c.clone(),
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "params.capabilities must be an object",
                ))
            }
        };
        let client_info = match params.get("clientInfo") {
            None | Some(Value::Null) => Value::Null,
            Some(c @ Value::Object(_)) => c.clone(),
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "params.clientInfo must be an object",
                ))
            }
        };
        let version = version::negotiate(requested);
        if let Some(session) = ctx.session {
            let mut state = session
                .try_borrow_mut()
                .map_err(|_| RpcError::internal("the session is busy; retry"))?;
            if state.protocol_version.is_some() {
                return Err(RpcError::invalid_request(
                    "this session is already initialized; start a new session without Mcp-Session-Id",
                ));
            }
            state.set_client(version, capabilities, client_info);
        }
        Ok(json!({
            "protocolVersion": version.as_str(),
            "capabilities": self.capabilities(version),
            "serverInfo": self.info.to_value(version),
            "instructions": self.instructions,
        }))
    }

    fn set_level(
        &self,
        ctx: &RequestContext<'_>,
        params: Option<&Value>,
    ) -> Result<Value, RpcError> {
        let level = params_object(params)
            .and_then(|p| p.get("level"))
            .and_then(Value::as_str)
            .and_then(LogLevel::parse)
            .ok_or_else(|| {
                RpcError::invalid_params(
                    "params.level must be one of debug, info, notice, warning, error, critical, alert, emergency",
                )
            })?;
        if let Some(mut state) = ctx.session.and_then(|s| s.try_borrow_mut().ok()) {
            state.log_level = Some(level);
        }
        Ok(json!({}))
    }

    fn list_tools(
        &self,
        version: ProtocolVersion,
        params: Option<&Value>,
    ) -> Result<Value, RpcError> {
        let cursor = match params_object(params).and_then(|p| p.get("cursor")) {
            None | Some(Value::Null) => None,
            Some(Value::String(c)) => Some(c.as_str()),
            Some(_) => return Err(RpcError::invalid_params("params.cursor must be a string")),
        };
        let (tools, next) = self.tools.page(cursor, version)?;
        let mut result = json!({ "tools": tools });
        if let (Some(next), Some(obj)) = (next, result.as_object_mut()) {
            obj.insert("nextCursor".into(), Value::from(next));
        }
        Ok(result)
    }

    async fn call_tool(
        &self,
        ctx: &RequestContext<'_>,
        request: &Request,
        sink: &dyn EventSink,
    ) -> Result<Value, RpcError> {
        let params = request.params.as_ref();
        let Some(p) = params_object(params) else {
            return Err(RpcError::invalid_params(
                "tools/call needs params with the tool name",
            ));
        };
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            return Err(RpcError::invalid_params(
                "params.name must be the tool name (a string)",
            ));
        };
        let Some(tool) = self.tools.get(name) else {
            // 2025-11-25 tools §Error Handling: unknown tools are protocol errors.
            let shown: String = name.chars().take(100).collect();
            return Err(RpcError::invalid_params(&format!("Unknown tool: {shown}")));
        };
        let empty = json!({});
        let args = match p.get("arguments") {
            None | Some(Value::Null) => &empty,
            Some(a @ Value::Object(_)) => a,
            Some(_) => {
                return Ok(call_result(
                    ctx.version,
                    tool,
                    Err(ToolError::invalid_argument("`arguments` must be an object")),
                ))
            }
        };
        if let Err(e) = schema::validate(&tool.input_schema(), args) {
            return Ok(call_result(
                ctx.version,
                tool,
                Err(ToolError::invalid_argument(e)),
            ));
        }
        let id = &request.id;
        let cancelled = || ctx.is_cancelled(id);
        let cx = ToolContext::new(ctx.graph, ctx.graph_base_url, sink)
            .with_progress_token(progress_token(params))
            .with_log_level(ctx.log_level())
            .with_cancellation(&cancelled)
            .with_scopes(tool.scopes())
            .with_env(ctx.tool_env);
        let outcome = tool.call(args, &cx).await;
        Ok(call_result(ctx.version, tool, outcome))
    }

    fn discover(&self) -> Value {
        json!({
            "supportedVersions": STATELESS_VERSIONS,
            "capabilities": self.capabilities(ProtocolVersion::V2026_07_28),
            "instructions": self.instructions,
        })
    }

    fn listen(&self, request: &Request, sink: &dyn EventSink) -> Result<Value, RpcError> {
        let filter_ok = request
            .params
            .as_ref()
            .and_then(|p| p.get("notifications"))
            .is_some_and(Value::is_object);
        if !filter_ok {
            return Err(RpcError::invalid_params(
                "params.notifications must be an object (the notification filter)",
            ));
        }
        let mut meta = Map::new();
        meta.insert(META_SUBSCRIPTION_ID.into(), request.id.clone());
        sink.send(jsonrpc::notification(
            "notifications/subscriptions/acknowledged",
            Some(json!({ "_meta": meta.clone(), "notifications": {} })),
        ));
        Ok(json!({ "_meta": meta }))
    }
}

/// A `CallToolResult` for `version`: text content always; `structuredContent` from 2025-06-18
/// when the tool declares an `outputSchema`; `isError` for failures.
pub fn call_result(version: ProtocolVersion, tool: &dyn Tool, outcome: ToolOutcome) -> Value {
    match outcome {
        Ok(output) => {
            let mut result = json!({
                "content": [{ "type": "text", "text": output.text }],
                "isError": false,
            });
            if version.has_structured_output() && tool.output_schema().is_some() {
                if let (Some(structured), Some(obj)) = (output.structured, result.as_object_mut()) {
                    obj.insert("structuredContent".into(), structured);
                }
            }
            result
        }
        Err(error) => json!({
            "content": [{ "type": "text", "text": error.message }],
            "isError": true,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_info_per_version() {
        let mut info = ServerInfo::new("1.2.3");
        info.website_url = Some("https://mcp.example.com".into());
        assert_eq!(
            info.to_value(ProtocolVersion::V2025_03_26),
            json!({"name":"m365-mcp","version":"1.2.3"})
        );
        assert_eq!(
            info.to_value(ProtocolVersion::V2025_06_18),
            json!({"name":"m365-mcp","title":"Microsoft 365","version":"1.2.3"})
        );
        let full = info.to_value(ProtocolVersion::V2025_11_25);
        assert_eq!(full["websiteUrl"], "https://mcp.example.com");
        assert!(full["description"]
            .as_str()
            .is_some_and(|d| d.contains("Graph")));
    }

    #[test]
    fn capabilities_per_era() {
        let s = Server::new(ServerInfo::new("1"), ToolRegistry::builtin());
        assert_eq!(
            s.capabilities(ProtocolVersion::V2025_11_25),
            json!({"tools":{"listChanged":false},"logging":{}})
        );
        assert_eq!(
            s.capabilities(ProtocolVersion::V2026_07_28),
            json!({"tools":{"listChanged":false}})
        );
    }

    #[test]
    fn instructions_cover_the_essentials() {
        let text = INSTRUCTIONS.to_lowercase();
        for needle in [
            "get_profile",
            "ids",
            "exactly",
            "time zone",
            "draft",
            "never guess",
            "cursor",
            "untrusted",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
        assert!(
            INSTRUCTIONS.len() < 3000,
            "instructions cost context: {}",
            INSTRUCTIONS.len()
        );
    }

    #[test]
    fn sinks() {
        let c = CollectingSink::new();
        c.send(json!(1));
        c.send(json!(2));
        assert_eq!(c.take(), vec![json!(1), json!(2)]);
        assert!(c.take().is_empty());
        NullSink.send(json!(1));
    }
}
