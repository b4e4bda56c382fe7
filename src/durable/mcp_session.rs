//! `McpSession`: one instance per MCP session of the session-era revisions (2024-11-05 HTTP+SSE,
//! 2025-03-26 … 2025-11-25 Streamable HTTP). The session's state lives here, and so do its open
//! SSE streams: requests of a session are handled *inside* this object, so a
//! `notifications/cancelled` on one POST reaches the tool running for another, and a response
//! can be written to the legacy `/sse` stream that another request opened.

use std::{
    cell::{OnceCell, RefCell},
    collections::HashMap,
    rc::Rc,
};

use futures_channel::mpsc::{unbounded, UnboundedSender};
use futures_util::StreamExt;
use m365_core::{
    mcp::{
        http::{self as mcp_http, ResponseMode},
        jsonrpc::{self, Incoming, Message, UnknownId},
        server::{EventSink, PostOutcome, RequestContext, Server, ServerInfo},
        session::SessionState,
        sse,
        tool::ToolRegistry,
        version::{self, ProtocolVersion},
    },
    oauth::tokens::UserKey,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{
    durable_object, DurableObject, Env, Headers, Request, Response, Result, State, Storage,
};

const SESSION: &str = "session";

/// The object name for a session id.
pub(crate) fn name(session_id: &str) -> String {
    format!("session:{session_id}")
}

/// A POST for this session, forwarded by the worker after authentication.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SessionPost {
    /// Set for `initialize` (and the legacy GET /sse): the new session to store first.
    pub create: Option<SessionState>,
    pub user_key: UserKey,
    pub client_id: String,
    /// Whether a Microsoft token was confirmed for this request (the body calls a tool); the
    /// token itself stays in the user's object.
    pub authorized: bool,
    /// The public origin, for the user's object to read its configuration.
    pub origin: String,
    /// The Microsoft permissions the user granted.
    pub scopes: Vec<String>,
    pub graph_base_url: String,
    pub protocol_header: Option<String>,
    pub accept: Option<String>,
    /// The raw JSON-RPC body.
    pub body: String,
    /// Legacy HTTP+SSE: answer 202 and deliver responses as `message` events on the `/sse` stream.
    pub legacy: bool,
}

/// Open an SSE stream: the legacy `/sse` stream (endpoint event first) or a GET stream.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StreamOpen {
    pub create: Option<SessionState>,
    pub user_key: UserKey,
    pub client_id: String,
    pub protocol_header: Option<String>,
    pub last_event_id: Option<String>,
    /// For the legacy transport: the URI of the message endpoint to announce.
    pub legacy_endpoint: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SessionDelete {
    pub user_key: UserKey,
    pub client_id: String,
}

/// The id under which the legacy `/sse` stream is registered.
const LEGACY_STREAM: &str = "legacy";

struct Inner {
    storage: Storage,
    session: OnceCell<RefCell<SessionState>>,
    /// Open SSE streams by stream id.
    streams: RefCell<HashMap<String, UnboundedSender<String>>>,
    server: Server,
}

#[durable_object]
pub struct McpSession {
    state: State,
    #[allow(dead_code)]
    env: Env,
    inner: Rc<Inner>,
}

fn now_secs() -> u64 {
    worker::Date::now().as_millis() / 1000
}

fn json_response(status: u16, body: &Value) -> Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

fn rejection(r: &version::Rejection) -> Result<Response> {
    json_response(r.status, &r.body())
}

/// An SSE response over the receiving end of a channel, with keep-alives while it is open.
fn stream_response(
    rx: futures_channel::mpsc::UnboundedReceiver<String>,
    keepalive: UnboundedSender<String>,
) -> Result<Response> {
    wasm_bindgen_futures::spawn_local(async move {
        // Comment lines keep proxies (Cloudflare's edge cuts idle streams at ~100 s) from
        // closing a quiet stream; the loop ends when the client goes away.
        loop {
            worker::Delay::from(std::time::Duration::from_secs(sse::KEEP_ALIVE_SECS)).await;
            if keepalive
                .unbounded_send(sse::keep_alive().to_string())
                .is_err()
            {
                break;
            }
        }
    });
    let headers = Headers::new();
    for (k, v) in sse::STREAM_HEADERS {
        headers.set(k, v)?;
    }
    Ok(Response::from_stream(rx.map(Ok::<String, worker::Error>))?.with_headers(headers))
}

/// A request body from the worker, parsed by `serde_json` (not `JSON.parse`, which would round
/// integers beyond 2^53).
async fn json_body<T: serde::de::DeserializeOwned>(req: &mut Request) -> Result<T> {
    Ok(serde_json::from_str(&req.text().await?)?)
}

impl Inner {
    async fn load(&self) -> Result<Option<&RefCell<SessionState>>> {
        if self.session.get().is_none() {
            let stored = match self.storage.get::<Value>(SESSION).await? {
                None => None,
                Some(Value::String(text)) => Some(serde_json::from_str::<SessionState>(&text)?),
                // Written as a structured value by an earlier build.
                Some(other) => Some(serde_json::from_value::<SessionState>(other)?),
            };
            if let Some(s) = stored {
                let _ = self.session.set(RefCell::new(s));
            }
        }
        Ok(self.session.get())
    }

    /// Stores the session as JSON text rather than as a structured value: `serde_wasm_bindgen`
    /// cannot represent an integer beyond 2^53 as a JavaScript number and fails the whole `put`,
    /// and such integers are legal in what the session keeps (a request id like
    /// 9007199254740993 in the replay buffer or the cancelled list, a number in the client's
    /// capabilities). One such request used to make every later request of the session a 500.
    async fn write(&self, s: &SessionState) -> Result<()> {
        self.storage.put(SESSION, serde_json::to_string(s)?).await
    }

    async fn create(&self, s: SessionState) -> Result<()> {
        self.write(&s).await?;
        let _ = self.session.set(RefCell::new(s));
        Ok(())
    }

    async fn save(&self) -> Result<()> {
        if let Some(cell) = self.session.get() {
            let snapshot = cell.borrow().clone();
            self.write(&snapshot).await?;
        }
        Ok(())
    }

    /// Ends the open connection of `stream_id`, if any. `close_channel` closes the channel for
    /// every sender, the keep-alive task's clone included; the client gets what was already
    /// queued, then the end of the stream. Dropping the map's sender alone would leave the
    /// keep-alive's clone holding the response open forever.
    fn close_connection(&self, stream_id: &str) {
        if let Some(tx) = self.streams.borrow_mut().remove(stream_id) {
            tx.close_channel();
        }
    }

    /// Registers `tx` as the connection of `stream_id`. A connection the client left behind for
    /// the same stream (it resumed without our noticing the drop) is closed: a message goes to
    /// one connection only, and the old one would otherwise idle on keep-alives.
    fn attach(&self, stream_id: String, tx: UnboundedSender<String>) {
        if let Some(old) = self.streams.borrow_mut().insert(stream_id, tx) {
            old.close_channel();
        }
    }

    /// Record an event on a stream and send it if the stream is open (it is replayable either way).
    fn emit(&self, stream_id: &str, message: Value, named: bool) {
        let Some(cell) = self.session.get() else {
            return;
        };
        let id = cell.borrow_mut().record_event(stream_id, message.clone());
        let frame = sse::message(Some(id.as_str()), &message, named);
        let target = if named { LEGACY_STREAM } else { stream_id };
        let closed = match self.streams.borrow().get(target) {
            Some(tx) => tx.unbounded_send(frame).is_err(),
            None => false,
        };
        if closed {
            self.streams.borrow_mut().remove(target);
        }
    }
}

/// Sends request-related notifications onto the request's SSE stream.
struct StreamSink {
    inner: Rc<Inner>,
    stream_id: String,
    legacy: bool,
}

impl EventSink for StreamSink {
    fn send(&self, message: Value) {
        self.inner.emit(&self.stream_id, message, self.legacy);
    }
}

impl DurableObject for McpSession {
    fn new(state: State, env: Env) -> Self {
        let inner = Rc::new(Inner {
            storage: state.storage(),
            session: OnceCell::new(),
            streams: RefCell::new(HashMap::new()),
            server: Server::new(
                ServerInfo::new(crate::BUILD.version),
                ToolRegistry::for_deployment(&crate::tool_runtime::deployment(&env)),
            ),
        });
        Self { state, env, inner }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/internal/post" => self.post(json_body(&mut req).await?).await,
            "/internal/stream" => self.open_stream(json_body(&mut req).await?).await,
            "/internal/delete" => self.delete(json_body(&mut req).await?).await,
            _ => Response::error("no such durable object route", 404),
        }
    }
}

impl McpSession {
    async fn checked(
        &self,
        create: Option<SessionState>,
        user: &UserKey,
        client_id: &str,
    ) -> Result<std::result::Result<(), Response>> {
        let inner = &self.inner;
        if let Some(s) = create {
            inner.create(s).await?;
        }
        let Some(cell) = inner.load().await? else {
            return Ok(Err(rejection(&version::session_not_found(None))?));
        };
        let now = now_secs();
        if let Err(r) = cell.borrow().check_access(user, client_id, now) {
            return Ok(Err(rejection(&r)?));
        }
        cell.borrow_mut().touch(now);
        Ok(Ok(()))
    }

    async fn post(&self, mut p: SessionPost) -> Result<Response> {
        let is_new = p.create.is_some();
        if let Err(resp) = self
            .checked(p.create.take(), &p.user_key, &p.client_id)
            .await?
        {
            return Ok(resp);
        }
        let inner = self.inner.clone();
        let Some(cell) = inner.session.get() else {
            return Response::error("session vanished", 500);
        };
        let incoming = match jsonrpc::parse(p.body.as_bytes()) {
            Ok(i) => i,
            Err(invalid) => {
                return json_response(
                    mcp_http::status_for_body_error(&invalid.error),
                    &jsonrpc::error_response(invalid.id.as_ref(), &invalid.error, UnknownId::Null),
                )
            }
        };
        let negotiated = cell.borrow().protocol_version;
        let version = if is_new || (p.legacy && negotiated.is_none()) {
            // `initialize` picks the version itself; the legacy transport starts at 2024-11-05.
            if p.legacy {
                ProtocolVersion::V2024_11_05
            } else {
                ProtocolVersion::LATEST_SESSION
            }
        } else if p.legacy {
            negotiated.unwrap_or(ProtocolVersion::V2024_11_05)
        } else {
            match version::check_session_request(
                negotiated,
                p.protocol_header.as_deref(),
                matches!(incoming, Incoming::Batch(_)),
            ) {
                Ok(v) => v,
                Err(r) => return rejection(&r),
            }
        };
        let mode = match &incoming {
            Incoming::Single(Message::Request(r)) if !p.legacy => {
                mcp_http::response_mode(p.accept.as_deref(), &r.method)
            }
            _ => ResponseMode::Json,
        };

        if p.legacy {
            // HTTP+SSE (2024-11-05): 202 now, the response as a `message` event on the stream.
            let tools = self.tools(&p);
            let base = p.graph_base_url.clone();
            let inner2 = inner.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let Some(cell) = inner2.session.get() else {
                    return;
                };
                let ctx = RequestContext::new(version, tools.graph.as_ref(), &base)
                    .with_session(cell)
                    .with_tool_env(tools.env());
                let sink = StreamSink {
                    inner: inner2.clone(),
                    stream_id: LEGACY_STREAM.into(),
                    legacy: true,
                };
                if let PostOutcome::Json { body, .. } =
                    inner2.server.handle_post(&ctx, incoming, &sink).await
                {
                    inner2.emit(LEGACY_STREAM, body, true);
                }
                let _ = inner2.save().await;
            });
            return Ok(Response::ok("Accepted")?.with_status(202));
        }

        let tools = self.tools(&p);
        match (mode, incoming) {
            (ResponseMode::Sse, Incoming::Single(Message::Request(request))) => {
                let stream_id = cell.borrow_mut().open_stream();
                let (tx, rx) = unbounded::<String>();
                if let Some(prime) = cell.borrow_mut().prime_stream(&stream_id) {
                    let _ = tx.unbounded_send(sse::priming(prime.as_str(), Some(sse::RETRY_MS)));
                }
                inner.attach(stream_id.clone(), tx.clone());
                let base = p.graph_base_url.clone();
                let inner2 = inner.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let Some(cell) = inner2.session.get() else {
                        return;
                    };
                    let ctx = RequestContext::new(version, tools.graph.as_ref(), &base)
                        .with_session(cell)
                        .with_tool_env(tools.env());
                    let sink = StreamSink {
                        inner: inner2.clone(),
                        stream_id: stream_id.clone(),
                        legacy: false,
                    };
                    if let Some(body) = inner2.server.respond(&ctx, &request, &sink).await {
                        inner2.emit(&stream_id, body, false);
                    }
                    // The response ends the request's stream (on whichever connection now
                    // carries it: the POST's, or a GET that resumed it), and a later resumption
                    // of it ends after its replay.
                    if let Some(cell) = inner2.session.get() {
                        cell.borrow_mut().end_stream(&stream_id);
                    }
                    inner2.close_connection(&stream_id);
                    let _ = inner2.save().await;
                });
                stream_response(rx, tx)
            }
            (_, incoming) => {
                let ctx = RequestContext::new(version, tools.graph.as_ref(), &p.graph_base_url)
                    .with_session(cell)
                    .with_tool_env(tools.env());
                let outcome = inner
                    .server
                    .handle_post(&ctx, incoming, &m365_core::mcp::server::NullSink)
                    .await;
                inner.save().await?;
                match outcome {
                    PostOutcome::Accepted => Ok(Response::empty()?.with_status(202)),
                    PostOutcome::Json { status, body } => json_response(status, &body),
                }
            }
        }
    }

    /// What this post's tool calls run with (Graph and the store through the user's object).
    fn tools(&self, p: &SessionPost) -> crate::tool_runtime::UserTools {
        crate::tool_runtime::UserTools::new(
            &self.env,
            &p.user_key,
            &p.origin,
            &p.graph_base_url,
            p.scopes.clone(),
            p.authorized,
        )
    }

    async fn open_stream(&self, o: StreamOpen) -> Result<Response> {
        let legacy = o.legacy_endpoint.is_some();
        if let Err(resp) = self.checked(o.create, &o.user_key, &o.client_id).await? {
            return Ok(resp);
        }
        let inner = &self.inner;
        let Some(cell) = inner.session.get() else {
            return Response::error("session vanished", 500);
        };
        if !legacy {
            let negotiated = cell.borrow().protocol_version;
            if let Err(r) =
                version::check_session_request(negotiated, o.protocol_header.as_deref(), false)
            {
                return rejection(&r);
            }
        }
        let (tx, rx) = unbounded::<String>();
        let stream_id = if let Some(endpoint) = &o.legacy_endpoint {
            let _ = tx.unbounded_send(sse::endpoint(endpoint));
            LEGACY_STREAM.to_string()
        } else if let Some(last) = &o.last_event_id {
            // Resumption: the missed events of that stream, exactly once, then the stream goes on.
            let Some(events) = cell.borrow().events_after(last) else {
                return json_response(
                    400,
                    &serde_json::json!({"error": "The Last-Event-ID cannot be resumed; open a new stream."}),
                );
            };
            for (id, msg) in &events {
                let _ = tx.unbounded_send(sse::message(Some(id.as_str()), msg, false));
            }
            if cell.borrow().stream_ended(last) {
                // The request of that stream has been answered: nothing more will come on it.
                tx.close_channel();
                return stream_response(rx, tx);
            }
            last.split('.').next().unwrap_or(last).to_string()
        } else {
            let id = cell.borrow_mut().open_stream();
            if let Some(prime) = cell.borrow_mut().prime_stream(&id) {
                let _ = tx.unbounded_send(sse::priming(prime.as_str(), Some(sse::RETRY_MS)));
            }
            id
        };
        inner.attach(stream_id, tx.clone());
        inner.save().await?;
        stream_response(rx, tx)
    }

    async fn delete(&self, d: SessionDelete) -> Result<Response> {
        if let Err(resp) = self.checked(None, &d.user_key, &d.client_id).await? {
            return Ok(resp);
        }
        if let Some(cell) = self.inner.session.get() {
            cell.borrow_mut().delete();
        }
        // The session's open streams end with it (dropping the senders alone would leave the
        // keep-alive tasks' clones holding them open).
        for (_, tx) in self.inner.streams.borrow_mut().drain() {
            tx.close_channel();
        }
        self.inner.save().await?;
        let _ = &self.state;
        Ok(Response::empty()?.with_status(204))
    }
}
