//! The tool framework, small on purpose: a [`Tool`] trait, the [`ToolContext`] a call runs in
//! (Graph access, progress, logs, cancellation) and the [`ToolRegistry`] that `tools/list` and
//! `tools/call` read. Issue 5 grows this (typed arguments, presets, safety classes) without
//! changing the dispatcher: a tool only has to describe itself and answer `call`.
//!
//! * Names follow the conformance referee's rule (`tools-name-format`: at most 64 characters of
//!   `[A-Za-z0-9_./-]`; 2025-11-25 tools §Tool Names allows 128, the referee is stricter) and are
//!   unique; [`ToolRegistry::new`] refuses anything else.
//! * Every annotation is written explicitly: defaults are not what a Graph tool is
//!   (`destructiveHint` and `openWorldHint` default to `true`; ChatGPT treats a tool without
//!   `readOnlyHint` as a write).
//! * Listing order is registration order, so it is deterministic (2026-07-28 tools: SHOULD) and
//!   groups related tools; pages are cut at [`TOOLS_PAGE_SIZE`] with an opaque cursor
//!   (server/utilities/pagination; an invalid cursor is −32602).

use std::cell::Cell;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::deployment::{Deployment, Safety};
use super::jsonrpc::{self, RpcError};
use super::schema;
use super::server::EventSink;
use super::session::LogLevel;
use super::version::ProtocolVersion;
use crate::graph::batch::{Batch, BatchReply};
use crate::graph::paging::{self, Cursor, Listing, PageLimits};
use crate::graph::request::parse_response;
use crate::graph::{GraphClient, GraphError, GraphRequest, LocalBoxFuture};
use crate::store::UserStore;

/// Tools per `tools/list` page. Larger than any preset's tool count, because some clients do not
/// follow `nextCursor`; pagination still works for those that do.
pub const TOOLS_PAGE_SIZE: usize = 100;
/// Longest tool name (conformance `TOOL_NAME_MAX_LENGTH`).
pub const MAX_TOOL_NAME_LEN: usize = 64;

/// `ToolAnnotations` (2025-03-26 onward), always all four hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolAnnotations {
    /// Does not modify its environment.
    pub read_only: bool,
    /// May destroy or overwrite data (meaningful when not read-only).
    pub destructive: bool,
    /// Repeating the call with the same arguments has no further effect.
    pub idempotent: bool,
    /// Talks to an open world of external entities. Every Graph tool does: mail, calendars and
    /// directories hold content written by other people and change outside our control.
    pub open_world: bool,
}

impl ToolAnnotations {
    /// A read of Microsoft 365 data: no side effects, safe to repeat, external content.
    pub const READ_ONLY: Self = Self {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    };

    fn to_value(self, title: Option<&str>) -> Value {
        let mut v = json!({
            "readOnlyHint": self.read_only,
            "destructiveHint": self.destructive,
            "idempotentHint": self.idempotent,
            "openWorldHint": self.open_world,
        });
        if let (Some(t), Some(obj)) = (title, v.as_object_mut()) {
            obj.insert("title".into(), Value::from(t));
        }
        v
    }
}

/// A successful tool result: compact text for the model, plus the structured form when the
/// tool declares an `outputSchema` (which it must then conform to).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub text: String,
    pub structured: Option<Value>,
}

/// A failed tool call, as text the model can act on (it becomes an `isError` result, never a
/// JSON-RPC error: 2025-11-25 tools §Error Handling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    pub message: String,
}

impl ToolError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// An argument the model got wrong, named.
    pub fn invalid_argument(detail: impl std::fmt::Display) -> Self {
        // A detail that is already a sentence keeps one full stop.
        let detail = detail.to_string();
        let detail = detail.trim_end().trim_end_matches('.');
        Self::new(format!(
            "Invalid arguments: {detail}. Correct the arguments and call the tool again."
        ))
    }

    /// The call was cancelled by the client.
    pub fn cancelled() -> Self {
        Self::new("The request was cancelled.")
    }
}

/// What a tool call produces.
pub type ToolOutcome = Result<ToolOutput, ToolError>;

/// One tool. Object-safe: `call` returns a boxed future (no `Send`; see
/// [`crate::graph::LocalBoxFuture`]).
pub trait Tool {
    /// Unique, ≤ 64 characters of `[A-Za-z0-9_./-]`.
    fn name(&self) -> &'static str;
    /// Short human-readable name.
    fn title(&self) -> &'static str;
    /// For the model: what it does, when to use it, what it returns.
    fn description(&self) -> &'static str;
    /// JSON Schema of the arguments (root `type: "object"`), within [`schema::KNOWN_KEYWORDS`].
    fn input_schema(&self) -> Value;
    /// JSON Schema of `structuredContent` (root `type: "object"`), if the tool returns one.
    fn output_schema(&self) -> Option<Value>;
    fn annotations(&self) -> ToolAnnotations;
    /// Microsoft Graph delegated permissions the tool needs (named in 403 messages; issue 5
    /// derives the sign-in scopes from the registered tools).
    fn scopes(&self) -> &'static [&'static str];
    /// What the tool can do to the user's data (decides presets and send policy).
    fn safety(&self) -> Safety;
    /// Runs the tool. `args` has already been validated against [`Tool::input_schema`].
    fn call<'a>(
        &'a self,
        args: &'a Value,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolOutcome>;
}

/// A schema stored as JSON text (smaller in wasm than a `json!` literal). Our constants are
/// checked by tests; malformed text yields `{}` (accept anything) rather than a panic.
pub fn static_schema(text: &str) -> Value {
    // `from_slice`, not `from_str`: the same deserializer instance `jsonrpc::parse` uses.
    serde_json::from_slice(text.as_bytes()).unwrap_or_else(|_| Value::Object(Map::new()))
}

fn never_cancelled() -> bool {
    false
}

/// What a running tool can use.
pub struct ToolContext<'a> {
    graph: &'a dyn GraphClient,
    graph_base_url: &'a str,
    sink: &'a dyn EventSink,
    progress_token: Option<Value>,
    log_level: Option<LogLevel>,
    cancelled: &'a dyn Fn() -> bool,
    scopes: &'static [&'static str],
    last_progress: Cell<Option<f64>>,
    env: ToolEnv<'a>,
}

/// The deployment and per-user state a tool call runs with.
#[derive(Clone, Copy)]
pub struct ToolEnv<'a> {
    pub deployment: &'a Deployment,
    /// The user's persistent store; `None` where there is none (then tools that need one say so).
    pub store: Option<&'a dyn UserStore>,
    /// Seconds since the Unix epoch (time is an input; the std clock panics on wasm32).
    pub now_secs: u64,
    /// The Microsoft permissions the user granted (from the sign-in), for `get_profile`.
    pub granted_scopes: &'a [String],
}

static DEFAULT_DEPLOYMENT: Deployment = Deployment::DEFAULT;

impl Default for ToolEnv<'_> {
    fn default() -> Self {
        Self {
            deployment: &DEFAULT_DEPLOYMENT,
            store: None,
            now_secs: 0,
            granted_scopes: &[],
        }
    }
}

impl std::fmt::Debug for ToolContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolContext")
            .field("graph_base_url", &self.graph_base_url)
            .field("progress_token", &self.progress_token)
            .field("log_level", &self.log_level)
            .finish_non_exhaustive()
    }
}

impl<'a> ToolContext<'a> {
    /// A context with no progress token, no logging and no cancellation.
    pub fn new(
        graph: &'a dyn GraphClient,
        graph_base_url: &'a str,
        sink: &'a dyn EventSink,
    ) -> Self {
        Self {
            graph,
            graph_base_url,
            sink,
            progress_token: None,
            log_level: None,
            cancelled: &never_cancelled,
            scopes: &[],
            last_progress: Cell::new(None),
            env: ToolEnv::default(),
        }
    }

    /// The deployment, store and clock.
    pub fn with_env(mut self, env: ToolEnv<'a>) -> Self {
        self.env = env;
        self
    }

    pub fn deployment(&self) -> &Deployment {
        self.env.deployment
    }

    pub fn now_secs(&self) -> u64 {
        self.env.now_secs
    }

    /// The user's store, or an error a tool can return as is.
    pub fn store(&self) -> Result<&'a dyn UserStore, ToolError> {
        self.env.store.ok_or_else(|| {
            ToolError::new("This server has no per-user storage for this request, which this tool needs. Try again.")
        })
    }

    /// The Microsoft permissions the user granted.
    pub fn granted_scopes(&self) -> &[String] {
        self.env.granted_scopes
    }

    /// The mailbox time zone (Windows or IANA name, as mailboxSettings gives it), read once
    /// from Graph and then kept in the user's store. Every date a calendar tool shows or
    /// accepts without an explicit zone is in this zone, never silently UTC.
    pub async fn mailbox_time_zone(&self) -> Result<String, ToolError> {
        const KEY: &str = "mailbox_time_zone";
        if let Some(store) = self.env.store {
            if let Ok(Some(Value::String(tz))) = store.get(KEY).await {
                return Ok(tz);
            }
        }
        let settings = self
            .call(
                &GraphRequest::get(crate::graph::GraphPath::me().segment("mailboxSettings"))
                    .select(&["timeZone"]),
            )
            .await?;
        let tz = settings
            .get("timeZone")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or("UTC")
            .to_owned();
        if let Some(store) = self.env.store {
            let _ = store.put(KEY, Value::from(tz.clone())).await;
        }
        Ok(tz)
    }

    /// Forgets the cached mailbox time zone (after `update_mailbox_settings` changes it).
    pub async fn forget_mailbox_time_zone(&self) {
        if let Some(store) = self.env.store {
            let _ = store.delete("mailbox_time_zone").await;
        }
    }

    /// The Graph client (for paging and batches).
    pub fn graph(&self) -> &dyn GraphClient {
        self.graph
    }

    /// The running tool's scopes.
    pub fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The request's `_meta.progressToken` (a string or an integer; anything else is ignored).
    pub fn with_progress_token(mut self, token: Option<Value>) -> Self {
        self.progress_token = token.filter(|t| t.is_string() || t.is_i64() || t.is_u64());
        self
    }

    /// Minimum level of `notifications/message` to send; `None` sends none.
    pub fn with_log_level(mut self, level: Option<LogLevel>) -> Self {
        self.log_level = level;
        self
    }

    /// A check the tool polls between steps.
    pub fn with_cancellation(mut self, cancelled: &'a dyn Fn() -> bool) -> Self {
        self.cancelled = cancelled;
        self
    }

    /// The running tool's scopes (for permission errors).
    pub fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }

    pub fn graph_base_url(&self) -> &str {
        self.graph_base_url
    }

    pub fn is_cancelled(&self) -> bool {
        (self.cancelled)()
    }

    /// Sends one Graph request and returns its JSON body.
    pub async fn send(&self, request: &GraphRequest) -> Result<Value, GraphError> {
        let response = self
            .graph
            .send(request.to_http(self.graph_base_url))
            .await
            .map_err(|e| GraphError::transport(&e))?;
        parse_response(&response)
    }

    /// Sends a `$batch` (one round trip) and returns its sub-responses by id.
    pub async fn send_batch(&self, batch: &Batch) -> Result<BatchReply, GraphError> {
        let response = self
            .graph
            .send(batch.to_http(self.graph_base_url))
            .await
            .map_err(|e| GraphError::transport(&e))?;
        BatchReply::parse(&response)
    }

    /// Sends one Graph request; a failure becomes the tool error the model reads.
    pub async fn call(&self, request: &GraphRequest) -> Result<Value, ToolError> {
        self.send(request).await.map_err(|e| self.graph_error(&e))
    }

    /// Reads a collection from `first` (or from `cursor`, an opaque token an earlier page
    /// returned), following `@odata.nextLink` verbatim within `limits`.
    pub async fn list(
        &self,
        first: &GraphRequest,
        cursor: Option<&str>,
        limits: PageLimits,
    ) -> Result<Listing, ToolError> {
        let template = first.to_http(self.graph_base_url);
        let listing = match cursor {
            None => paging::collect(self.graph, template, self.graph_base_url, limits).await,
            Some(token) => {
                let cursor = Cursor::decode(token, self.graph_base_url).map_err(|e| {
                    ToolError::invalid_argument(format!("cursor: {}", e.tool_message()))
                })?;
                paging::resume(self.graph, &template, &cursor, self.graph_base_url, limits).await
            }
        };
        listing.map_err(|e| self.graph_error(&e))
    }

    /// A Graph failure as a tool error naming this tool's permissions.
    pub fn graph_error(&self, error: &GraphError) -> ToolError {
        ToolError::new(error.tool_message(self.scopes))
    }

    /// Sends `notifications/progress` if the client asked for progress (`progressToken`).
    /// Values that do not increase are dropped ("The progress value MUST increase with each
    /// notification").
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.progress_token else {
            return;
        };
        if !progress.is_finite() || self.last_progress.get().is_some_and(|p| progress <= p) {
            return;
        }
        self.last_progress.set(Some(progress));
        let mut params = Map::new();
        params.insert("progressToken".into(), token.clone());
        params.insert("progress".into(), json!(progress));
        if let Some(total) = total.filter(|t| t.is_finite()) {
            params.insert("total".into(), json!(total));
        }
        if let Some(message) = message {
            params.insert("message".into(), Value::from(message));
        }
        self.sink.send(jsonrpc::notification(
            "notifications/progress",
            Some(Value::Object(params)),
        ));
    }

    /// Sends `notifications/message` at `level` if the client asked for that level or lower.
    /// Log data must not contain message content, addresses or secrets (logging §Security).
    pub fn log(&self, level: LogLevel, data: Value) {
        if self.log_level.is_some_and(|min| level >= min) {
            self.sink.send(jsonrpc::notification(
                "notifications/message",
                Some(json!({ "level": level.as_str(), "logger": "m365", "data": data })),
            ));
        }
    }
}

/// The tools a deployment serves.
pub struct ToolRegistry {
    tools: Vec<Box<dyn Tool>>,
    page_size: usize,
}

impl std::fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolRegistry")
            .field(
                "tools",
                &self.tools.iter().map(|t| t.name()).collect::<Vec<_>>(),
            )
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// Whether `name` is a valid tool name (see the module docs).
pub fn valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOOL_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/'))
}

impl ToolRegistry {
    /// A registry of `tools`, in listing order. Refuses invalid or duplicate names and schemas
    /// that are not objects or use keywords the argument validator does not enforce.
    pub fn new(tools: Vec<Box<dyn Tool>>) -> Result<Self, String> {
        for (i, tool) in tools.iter().enumerate() {
            let name = tool.name();
            if !valid_tool_name(name) {
                return Err(format!("invalid tool name {name:?}"));
            }
            if tools[..i].iter().any(|t| t.name() == name) {
                return Err(format!("duplicate tool name {name:?}"));
            }
            let input = tool.input_schema();
            if input.get("type") != Some(&Value::from("object")) {
                return Err(format!("{name}: inputSchema must have type \"object\""));
            }
            let unknown = schema::unknown_keywords(&input);
            if !unknown.is_empty() {
                return Err(format!(
                    "{name}: inputSchema uses unsupported keywords {unknown:?}"
                ));
            }
            if let Some(output) = tool.output_schema() {
                if output.get("type") != Some(&Value::from("object")) {
                    return Err(format!("{name}: outputSchema must have type \"object\""));
                }
            }
        }
        Ok(Self {
            tools,
            page_size: TOOLS_PAGE_SIZE,
        })
    }

    /// The built-in tools.
    pub fn builtin() -> Self {
        Self {
            tools: super::tools::all(),
            page_size: TOOLS_PAGE_SIZE,
        }
    }

    /// The built-in tools this deployment allows (the others are not registered at all).
    pub fn for_deployment(deployment: &Deployment) -> Self {
        Self {
            tools: super::tools::all()
                .into_iter()
                .filter(|t| {
                    deployment.allows(t.name(), t.safety()) && deployment.scopes_allowed(t.scopes())
                })
                .collect(),
            page_size: TOOLS_PAGE_SIZE,
        }
    }

    /// Changes the page size (at least 1).
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    pub fn get(&self, name: &str) -> Option<&dyn Tool> {
        self.tools.iter().find(|t| t.name() == name).map(|t| &**t)
    }

    pub fn len(&self) -> usize {
        self.tools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Tool> {
        self.tools.iter().map(|t| &**t)
    }

    /// Every Graph scope the registered tools need, first-seen order, deduplicated.
    pub fn scopes(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for scope in self.tools.iter().flat_map(|t| t.scopes().iter().copied()) {
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        out
    }

    /// A tool as `tools/list` shows it to a client speaking `version`: `title` and
    /// `outputSchema` from 2025-06-18, `annotations` from 2025-03-26 (with the title inside
    /// them for 2025-03-26, which has no top-level `title`).
    pub fn descriptor(tool: &dyn Tool, version: ProtocolVersion) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), Value::from(tool.name()));
        if version.has_structured_output() {
            obj.insert("title".into(), Value::from(tool.title()));
        }
        obj.insert("description".into(), Value::from(tool.description()));
        obj.insert("inputSchema".into(), tool.input_schema());
        if version.has_structured_output() {
            if let Some(output) = tool.output_schema() {
                obj.insert("outputSchema".into(), output);
            }
        }
        if version.has_tool_annotations() {
            let title = (!version.has_structured_output()).then(|| tool.title());
            obj.insert("annotations".into(), tool.annotations().to_value(title));
        }
        Value::Object(obj)
    }

    /// One page of `tools/list`: the tool descriptors and the cursor of the next page.
    pub fn page(
        &self,
        cursor: Option<&str>,
        version: ProtocolVersion,
    ) -> Result<(Vec<Value>, Option<String>), RpcError> {
        let start = match cursor {
            None => 0,
            Some(c) => decode_cursor(c).ok_or_else(|| {
                RpcError::invalid_params("the cursor is not one this server issued")
            })?,
        };
        let end = start.saturating_add(self.page_size).min(self.tools.len());
        let tools = self
            .tools
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|t| Self::descriptor(&**t, version))
            .collect();
        let next = (end < self.tools.len()).then(|| encode_cursor(end));
        Ok((tools, next))
    }
}

const CURSOR_PREFIX: &str = "tools:";

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    if cursor.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let offset: usize = text.strip_prefix(CURSOR_PREFIX)?.parse().ok()?;
    (offset > 0).then_some(offset)
}

/// Whether a granted permission covers a required one: the same name (case-insensitive), or the
/// `ReadWrite` form of a `Read` permission (`Mail.ReadWrite` covers `Mail.Read`), as Graph's own
/// permission hierarchy does.
pub fn scope_covers(granted: &str, required: &str) -> bool {
    if granted.eq_ignore_ascii_case(required) {
        return true;
    }
    let (g, r) = (granted.to_ascii_lowercase(), required.to_ascii_lowercase());
    r.split_once(".read").is_some_and(|(base, rest)| {
        !rest.starts_with("write") && g == format!("{base}.readwrite{rest}")
    })
}

/// Whether a permission is asked for only when a call needs it: the `.Shared` permissions,
/// needed only to reach another user's (shared or delegated) mailbox.
pub fn is_on_demand_scope(scope: &str) -> bool {
    scope.to_ascii_lowercase().ends_with(".shared")
}

/// The permissions one call of `tool` with `args` needs: its scopes; for a tool taking a
/// `mailbox` argument, the `.Shared` ones only when the call names another mailbox (other than
/// "me"). A tool without that argument needs its `.Shared` permission on every call
/// (`find_meeting_times` reads other people's calendars).
pub fn required_scopes(tool: &dyn Tool, args: Option<&Value>) -> Vec<&'static str> {
    let takes_mailbox = tool
        .input_schema()
        .get("properties")
        .and_then(|p| p.get("mailbox"))
        .is_some();
    let other_mailbox = !takes_mailbox
        || args
            .and_then(|a| a.get("mailbox"))
            .and_then(Value::as_str)
            .map(str::trim)
            .is_some_and(|m| !m.is_empty() && !m.eq_ignore_ascii_case("me"));
    tool.scopes()
        .iter()
        .copied()
        .filter(|s| other_mailbox || !is_on_demand_scope(s))
        .collect()
}

/// The permissions a call of `tool` with `args` needs that `granted` does not cover (for a
/// step-up challenge, MCP authorization §Scope Challenge Handling).
pub fn missing_scopes_for_call(
    tool: &dyn Tool,
    args: Option<&Value>,
    granted: &[String],
) -> Vec<&'static str> {
    required_scopes(tool, args)
        .into_iter()
        .filter(|need| !granted.iter().any(|g| scope_covers(g, need)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_ends_each_sentence_once() {
        let e = ToolError::invalid_argument("cursor: start from the first page.");
        assert_eq!(
            e.message,
            "Invalid arguments: cursor: start from the first page. Correct the arguments and call the tool again."
        );
        assert!(!ToolError::invalid_argument("limit: at most 50")
            .message
            .contains(".."));
    }

    struct Fake(&'static str);

    impl Tool for Fake {
        fn name(&self) -> &'static str {
            self.0
        }
        fn title(&self) -> &'static str {
            "Fake"
        }
        fn description(&self) -> &'static str {
            "A fake tool."
        }
        fn input_schema(&self) -> Value {
            json!({"type":"object","additionalProperties":false})
        }
        fn output_schema(&self) -> Option<Value> {
            Some(json!({"type":"object"}))
        }
        fn annotations(&self) -> ToolAnnotations {
            ToolAnnotations::READ_ONLY
        }
        fn scopes(&self) -> &'static [&'static str] {
            &["User.Read"]
        }
        fn safety(&self) -> Safety {
            Safety::Read
        }
        fn call<'a>(
            &'a self,
            _: &'a Value,
            _: &'a ToolContext<'a>,
        ) -> LocalBoxFuture<'a, ToolOutcome> {
            Box::pin(async {
                Ok(ToolOutput {
                    text: "ok".into(),
                    structured: Some(json!({})),
                })
            })
        }
    }

    fn registry(names: &[&'static str]) -> Result<ToolRegistry, String> {
        ToolRegistry::new(
            names
                .iter()
                .map(|n| Box::new(Fake(n)) as Box<dyn Tool>)
                .collect(),
        )
    }

    #[test]
    fn names_are_checked() {
        assert!(registry(&["a", "b.c", "d-e/f_1"]).is_ok());
        assert!(registry(&["a", "a"]).unwrap_err().contains("duplicate"));
        assert!(registry(&["has space"]).is_err());
        assert!(registry(&[""]).is_err());
        let long: &'static str = Box::leak("x".repeat(MAX_TOOL_NAME_LEN + 1).into_boxed_str());
        assert!(registry(&[long]).is_err());
    }

    #[test]
    fn pages_and_cursors() {
        let r = registry(&["a", "b", "c", "d", "e"])
            .unwrap()
            .with_page_size(2);
        let v = ProtocolVersion::V2025_11_25;
        let (p1, c1) = r.page(None, v).unwrap();
        assert_eq!(p1.len(), 2);
        let (p2, c2) = r.page(c1.as_deref(), v).unwrap();
        assert_eq!(p2[0]["name"], "c");
        let (p3, c3) = r.page(c2.as_deref(), v).unwrap();
        assert_eq!((p3.len(), c3), (1, None));
        for bad in [
            "",
            "x",
            "dG9vbHM6MA",
            "dG9vbHM6LTE",
            "!!!",
            &"A".repeat(100),
        ] {
            let e = r.page(Some(bad), v).unwrap_err();
            assert_eq!(e.code, jsonrpc::code::INVALID_PARAMS, "{bad:?}");
        }
        let beyond = encode_cursor(99);
        assert_eq!(r.page(Some(&beyond), v).unwrap(), (vec![], None));
    }

    #[test]
    fn descriptors_follow_the_version() {
        let t = Fake("t");
        let old = ToolRegistry::descriptor(&t, ProtocolVersion::V2024_11_05);
        assert_eq!(old.as_object().unwrap().len(), 3, "{old}");
        let mid = ToolRegistry::descriptor(&t, ProtocolVersion::V2025_03_26);
        assert_eq!(mid["annotations"]["title"], "Fake");
        assert!(mid.get("title").is_none() && mid.get("outputSchema").is_none());
        let new = ToolRegistry::descriptor(&t, ProtocolVersion::V2025_11_25);
        assert_eq!(new["title"], "Fake");
        assert_eq!(new["outputSchema"], json!({"type":"object"}));
        assert_eq!(
            new["annotations"],
            json!({"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":true})
        );
    }

    #[test]
    fn read_write_covers_read_but_not_the_reverse() {
        assert!(scope_covers("Mail.ReadWrite", "Mail.Read"));
        assert!(scope_covers("mail.read", "Mail.Read"));
        assert!(scope_covers(
            "Calendars.ReadWrite.Shared",
            "Calendars.Read.Shared"
        ));
        assert!(!scope_covers("Mail.Read", "Mail.ReadWrite"));
        assert!(!scope_covers("Mail.Read", "Mail.Send"));
        assert!(!scope_covers("MailboxSettings.ReadWrite", "Mail.Read"));
    }

    #[test]
    fn shared_scopes_are_needed_only_for_another_mailbox() {
        struct Shared;
        impl Tool for Shared {
            fn name(&self) -> &'static str {
                "s"
            }
            fn title(&self) -> &'static str {
                "S"
            }
            fn description(&self) -> &'static str {
                "S"
            }
            fn input_schema(&self) -> Value {
                json!({"type":"object","properties":{"mailbox":{"type":"string"}}})
            }
            fn output_schema(&self) -> Option<Value> {
                None
            }
            fn annotations(&self) -> ToolAnnotations {
                ToolAnnotations::READ_ONLY
            }
            fn scopes(&self) -> &'static [&'static str] {
                &["Mail.Read", "Mail.Read.Shared"]
            }
            fn safety(&self) -> Safety {
                Safety::Read
            }
            fn call<'a>(
                &'a self,
                _: &'a Value,
                _: &'a ToolContext<'a>,
            ) -> LocalBoxFuture<'a, ToolOutcome> {
                Box::pin(async { Err(ToolError::new("x")) })
            }
        }
        let granted = vec!["Mail.Read".to_owned()];
        assert!(missing_scopes_for_call(&Shared, Some(&json!({})), &granted).is_empty());
        assert!(
            missing_scopes_for_call(&Shared, Some(&json!({"mailbox": "me"})), &granted).is_empty()
        );
        assert_eq!(
            missing_scopes_for_call(
                &Shared,
                Some(&json!({"mailbox": "support@contoso.com"})),
                &granted
            ),
            vec!["Mail.Read.Shared"]
        );
    }

    #[test]
    fn scopes_are_deduplicated() {
        assert_eq!(registry(&["a", "b"]).unwrap().scopes(), vec!["User.Read"]);
    }
}
