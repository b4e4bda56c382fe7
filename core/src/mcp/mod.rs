//! The Model Context Protocol, sans IO: what the worker's `/mcp` (and legacy `/sse`) endpoint
//! decides, as pure functions and plain data. The shell owns the sockets, the Durable Objects
//! and the SSE streams; it calls, in order:
//!
//! 1. [`http`]: `Origin` (403), `Accept` (406), `Content-Type` (415), `Content-Length` (413).
//! 2. [`jsonrpc::parse`]: the body as one message or a batch (400/413 on failure).
//! 3. [`version::classify_post`]: which era and route — stateless 2026-07-28 (all header rules
//!    checked), `initialize` (new [`session::SessionState`]), an existing session (then
//!    [`version::check_session_request`] after loading it and checking
//!    [`session::SessionState::owned_by`]), or no session (400).
//! 4. [`server::Server`]: `respond` / `handle_post` / `handle_notification` / `handle_batch`,
//!    with a [`server::RequestContext`] (version, session, Graph client) and an
//!    [`server::EventSink`] for notifications; [`http::response_mode`] picks JSON or SSE and
//!    [`sse`] frames the events, recording them with [`session::SessionState::record_event`]
//!    for `Last-Event-ID` resumption.
//!
//! Wire types are hand-written over `serde_json::Value` rather than taken from `rmcp`: we
//! serve eight methods, and rmcp's message unions would add ~117 KB gz to the wasm and turn a
//! malformed `tools/call` into a silent `CustomRequest` (code-style-anchors §3); even its lean
//! per-method structs pull tokio, chrono and ~27 more crates into the build, and its version
//! shaping lives in a handler we cannot use. Per-version shaping is in [`version`].

pub mod deployment;
pub mod http;
pub mod jsonrpc;
pub mod schema;
pub mod server;
pub mod session;
pub mod sse;
pub mod tool;
pub mod tools;
pub mod typed;
pub mod version;

pub use jsonrpc::{Incoming, Message, Notification, Request, RpcError};
pub use server::{
    CollectingSink, EventSink, NullSink, PostOutcome, RequestContext, Server, ServerInfo,
};
pub use session::{LogLevel, SessionState};
pub use tool::{
    Tool, ToolAnnotations, ToolContext, ToolError, ToolOutcome, ToolOutput, ToolRegistry,
};
pub use version::{McpHeaders, PostRoute, ProtocolVersion, Rejection};
