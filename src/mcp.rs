//! The MCP endpoints: `/mcp` (Streamable HTTP, every revision from 2025-03-26 to the stateless
//! 2026-07-28) and `/sse` (the 2024-11-05 HTTP+SSE transport, plus plain JSON-RPC POSTs). Every
//! request is authenticated first; then session-era traffic goes to the session's Durable Object
//! and stateless traffic is served here.

use crate::tool_runtime::UserTools;
use m365_core::mcp::{
    http as mcp_http,
    jsonrpc::{self, Incoming, Message, UnknownId},
    server::{CollectingSink, NullSink, PostOutcome, RequestContext, Server, ServerInfo},
    session::SessionState,
    tool::ToolRegistry,
    version::{self, McpHeaders, PostRoute},
};
use serde_json::Value;
use worker::{Env, Headers, Request, Response, Result};

use crate::{
    durable::mcp_session::{self, SessionDelete, SessionPost, StreamOpen},
    oauth::{
        resource::{self, Caller},
        Settings,
    },
};

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

fn json_response(status: u16, body: &Value) -> Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

fn problem(p: mcp_http::HttpProblem) -> Result<Response> {
    json_response(p.status(), &p.body())
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    let _ = getrandom::fill(&mut b);
    b
}

fn graph_base(env: &Env) -> String {
    env.var("GRAPH_BASE_URL")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "https://graph.microsoft.com/v1.0".into())
}

/// Whether the body calls a tool (only then is the user's Microsoft token fetched).
fn calls_tool(incoming: &Incoming) -> bool {
    let is_call = |m: &Message| m.method() == Some("tools/call");
    match incoming {
        Incoming::Single(m) => is_call(m),
        Incoming::Batch(items) => items.iter().any(|i| i.as_ref().is_ok_and(is_call)),
    }
}

/// MCP authorization §Scope Challenge Handling: a tool needing a Microsoft permission this token
/// was not granted gets `403 insufficient_scope` naming every scope the call needs (the granted
/// ones plus the missing), so the client re-authorizes and the consent page and Microsoft ask
/// for the added permissions. Permissions this deployment does not offer are not challenged
/// for; the tool then reports Graph's refusal itself.
fn step_up(
    settings: &Settings,
    caller: &Caller,
    incoming: &Incoming,
    mcp_path: &str,
) -> Result<Option<Response>> {
    let Incoming::Single(Message::Request(r)) = incoming else {
        return Ok(None);
    };
    if r.method != "tools/call" {
        return Ok(None);
    }
    let Some(name) = r
        .params
        .as_ref()
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    let registry = ToolRegistry::for_deployment(&settings.deployment);
    let Some(tool) = registry.get(name) else {
        return Ok(None);
    };
    let args = r.params.as_ref().and_then(|p| p.get("arguments"));
    let missing = m365_core::mcp::tool::missing_scopes_for_call(tool, args, &caller.scopes);
    let offered = |s: &&str| {
        settings
            .server
            .scopes_supported
            .iter()
            .chain(&settings.server.on_demand_scopes)
            .any(|o| o.eq_ignore_ascii_case(s))
    };
    if missing.is_empty() || !missing.iter().all(offered) {
        return Ok(None);
    }
    let mut scope: Vec<String> = caller.scopes.clone();
    scope.extend(missing.iter().map(|s| (*s).to_string()));
    let challenge = m365_core::oauth::bearer::insufficient_scope(
        &settings.server.resource_metadata_url(mcp_path),
        &scope.join(" "),
        Some(&format!(
            "The tool {name} needs the Microsoft permission {}.",
            missing.join(", ")
        )),
    );
    let mut resp = json_response(
        403,
        &serde_json::json!({
            "error": "insufficient_scope",
            "error_description": format!("The tool {name} needs the Microsoft permission {}; authorize again with scope \"{}\".", missing.join(", "), scope.join(" ")),
        }),
    )?;
    resp.headers_mut().set("www-authenticate", &challenge)?;
    Ok(Some(resp))
}

/// Authentication, then the Origin check: what every MCP request passes first.
async fn admit(
    req: &Request,
    env: &Env,
    mcp_path: &str,
) -> Result<std::result::Result<(Settings, m365_core::oauth::tokens::UserKey, Caller), Response>> {
    let settings = match Settings::load(req, env) {
        Ok(s) => s,
        Err(e) => {
            return Ok(Err(Response::error(
                format!("server misconfigured: {e}"),
                500,
            )?))
        }
    };
    // MCP transports §Security: a present Origin that is not ours is refused (DNS rebinding).
    let origin = header(req, "origin");
    // Browser-based clients on other origins can be allowed by the deployment (ALLOWED_ORIGINS,
    // space separated); server-side clients send no Origin at all.
    let allowed: Vec<String> = env
        .var("ALLOWED_ORIGINS")
        .map(|v| {
            v.to_string()
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if !mcp_http::origin_allowed(origin.as_deref(), &settings.server.public_origin, &allowed) {
        return Ok(Err(json_response(
            403,
            &serde_json::json!({"error": "forbidden", "error_description": "This Origin is not allowed."}),
        )?));
    }
    match resource::authenticate(req, env, &settings, mcp_path).await? {
        Ok((user, caller)) => Ok(Ok((settings, user, caller))),
        Err(resp) => Ok(Err(resp)),
    }
}

/// `/mcp` (and plain JSON-RPC POSTs to `/sse`).
pub(crate) async fn mcp(mut req: Request, env: &Env, mcp_path: &str) -> Result<Response> {
    let method = req.method().to_string();
    if let Err(p) = mcp_http::check_method(&method) {
        let mut resp = problem(p)?;
        resp.headers_mut().set("allow", mcp_http::MCP_ALLOW)?;
        return Ok(resp);
    }
    let (settings, user, caller) = match admit(&req, env, mcp_path).await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let protocol_version = header(&req, "mcp-protocol-version");
    let session_id = header(&req, "mcp-session-id");
    let mcp_method = header(&req, "mcp-method");
    let mcp_name = header(&req, "mcp-name");
    let headers = McpHeaders {
        protocol_version: protocol_version.as_deref(),
        session_id: session_id.as_deref(),
        method: mcp_method.as_deref(),
        name: mcp_name.as_deref(),
    };
    match method.as_str() {
        "GET" | "DELETE" => {
            let id = match version::classify_session_method(&headers) {
                Ok(id) => id,
                Err(r) => return json_response(r.status, &r.body()),
            };
            let name = mcp_session::name(&id);
            if method == "DELETE" {
                let call = SessionDelete {
                    user_key: user,
                    client_id: caller.client_id,
                };
                return forward(env, &name, "/internal/delete", &call).await;
            }
            if let Err(p) = mcp_http::check_get_accept(header(&req, "accept").as_deref()) {
                return problem(p);
            }
            let open = StreamOpen {
                create: None,
                user_key: user,
                client_id: caller.client_id,
                protocol_header: protocol_version,
                last_event_id: header(&req, "last-event-id"),
                legacy_endpoint: None,
            };
            forward(env, &name, "/internal/stream", &open).await
        }
        _ => {
            let accept = header(&req, "accept");
            if let Err(p) = mcp_http::check_post_accept(accept.as_deref())
                .and_then(|()| {
                    mcp_http::check_content_type(header(&req, "content-type").as_deref())
                })
                .and_then(|()| {
                    mcp_http::check_content_length(
                        header(&req, "content-length").and_then(|l| l.parse().ok()),
                    )
                })
            {
                return problem(p);
            }
            let body = req.bytes().await?;
            let incoming = match jsonrpc::parse(&body) {
                Ok(i) => i,
                Err(invalid) => {
                    return json_response(
                        mcp_http::status_for_body_error(&invalid.error),
                        &jsonrpc::error_response(
                            invalid.id.as_ref(),
                            &invalid.error,
                            UnknownId::Null,
                        ),
                    )
                }
            };
            let route = match version::classify_post(&incoming, &headers) {
                Ok(r) => r,
                Err(r) => return json_response(r.status, &r.body()),
            };
            if let Some(resp) = step_up(&settings, &caller, &incoming, mcp_path)? {
                return Ok(resp);
            }
            let graph_token = if calls_tool(&incoming) {
                match resource::graph_token(env, &settings, &user, mcp_path).await? {
                    Ok(t) => Some(t),
                    Err(resp) => return Ok(resp),
                }
            } else {
                None
            };
            let body = String::from_utf8_lossy(&body).into_owned();
            match route {
                PostRoute::StatelessNotification => Ok(Response::empty()?.with_status(202)),
                PostRoute::Stateless(meta) => {
                    let base = graph_base(env);
                    let tools = UserTools::new(
                        env,
                        &user,
                        &settings.server.public_origin,
                        &base,
                        caller.scopes.clone(),
                        graph_token.is_some(),
                    );
                    // A request that asked for progress is streamed as it runs, and closing the
                    // stream cancels it (2026-07-28 §Cancellation).
                    if let Incoming::Single(Message::Request(request)) = &incoming {
                        let sse = matches!(
                            mcp_http::response_mode(accept.as_deref(), &request.method),
                            mcp_http::ResponseMode::Sse
                        );
                        let wants_progress = request
                            .params
                            .as_ref()
                            .and_then(|p| p.get("_meta"))
                            .and_then(|m| m.get("progressToken"))
                            .is_some();
                        if sse && wants_progress {
                            return stream_stateless(meta.version, tools, base, request.clone());
                        }
                    }
                    let server = Server::new(
                        ServerInfo::new(crate::BUILD.version),
                        ToolRegistry::for_deployment(&tools.deployment),
                    );
                    let ctx = RequestContext::new(meta.version, tools.graph.as_ref(), &base)
                        .with_tool_env(tools.env());
                    // Otherwise notifications that must reach the client (the acknowledgement of
                    // `subscriptions/listen`) come as SSE before the response; with none, plain
                    // JSON keeps the 2026-07-28 HTTP statuses of errors.
                    let sse = match &incoming {
                        Incoming::Single(Message::Request(r)) => matches!(
                            mcp_http::response_mode(accept.as_deref(), &r.method),
                            mcp_http::ResponseMode::Sse
                        ),
                        _ => false,
                    };
                    let sink = CollectingSink::new();
                    let outcome = if sse {
                        server.handle_post(&ctx, incoming, &sink).await
                    } else {
                        server.handle_post(&ctx, incoming, &NullSink).await
                    };
                    let notes = sink.take();
                    match outcome {
                        PostOutcome::Accepted => Ok(Response::empty()?.with_status(202)),
                        PostOutcome::Json { status, body } if notes.is_empty() => {
                            json_response(status, &body)
                        }
                        PostOutcome::Json { body, .. } => {
                            let mut text = String::new();
                            for n in notes.iter().chain(std::iter::once(&body)) {
                                text.push_str(&m365_core::mcp::sse::message(None, n, false));
                            }
                            Ok(Response::ok(text)?.with_headers(sse_headers()?))
                        }
                    }
                }
                PostRoute::Initialize => {
                    let state =
                        SessionState::new(random32(), user.clone(), &caller.client_id, now_secs());
                    let id = state.id().to_string();
                    let post = SessionPost {
                        create: Some(state),
                        user_key: user,
                        client_id: caller.client_id,
                        authorized: graph_token.is_some(),
                        origin: settings.server.public_origin.clone(),
                        scopes: caller.scopes.clone(),
                        graph_base_url: graph_base(env),
                        protocol_header: protocol_version,
                        accept,
                        body,
                        legacy: false,
                    };
                    let mut resp =
                        forward(env, &mcp_session::name(&id), "/internal/post", &post).await?;
                    if resp.status_code() < 300 {
                        resp.headers_mut().set("mcp-session-id", &id)?;
                    }
                    Ok(resp)
                }
                PostRoute::Session { session_id } => {
                    let post = SessionPost {
                        create: None,
                        user_key: user,
                        client_id: caller.client_id,
                        authorized: graph_token.is_some(),
                        origin: settings.server.public_origin.clone(),
                        scopes: caller.scopes.clone(),
                        graph_base_url: graph_base(env),
                        protocol_header: protocol_version,
                        accept,
                        body,
                        legacy: false,
                    };
                    forward(
                        env,
                        &mcp_session::name(&session_id),
                        "/internal/post",
                        &post,
                    )
                    .await
                }
                PostRoute::NoSession => {
                    let id = match &incoming {
                        Incoming::Single(Message::Request(r)) => Some(r.id.clone()),
                        _ => None,
                    };
                    let r = version::no_session_rejection(id);
                    json_response(r.status, &r.body())
                }
            }
        }
    }
}

fn sse_headers() -> Result<Headers> {
    let headers = Headers::new();
    for (k, v) in m365_core::mcp::sse::STREAM_HEADERS {
        headers.set(k, v)?;
    }
    Ok(headers)
}

/// Sends notifications onto a stateless request's stream as they happen.
struct ChannelSink(futures_channel::mpsc::UnboundedSender<String>);

impl m365_core::mcp::server::EventSink for ChannelSink {
    fn send(&self, message: Value) {
        let _ = self
            .0
            .unbounded_send(m365_core::mcp::sse::message(None, &message, false));
    }
}

/// Run a stateless request while streaming its notifications; when the client closes the
/// stream the receiver is dropped, which the request sees as cancellation.
fn stream_stateless(
    version: m365_core::mcp::version::ProtocolVersion,
    tools: UserTools,
    base: String,
    request: m365_core::mcp::jsonrpc::Request,
) -> Result<Response> {
    let (tx, rx) = futures_channel::mpsc::unbounded::<String>();
    wasm_bindgen_futures::spawn_local(async move {
        let server = Server::new(
            ServerInfo::new(crate::BUILD.version),
            ToolRegistry::for_deployment(&tools.deployment),
        );
        let probe = tx.clone();
        let closed = move || probe.is_closed();
        let ctx = RequestContext::new(version, tools.graph.as_ref(), &base)
            .with_stream_closed(&closed)
            .with_tool_env(tools.env());
        let sink = ChannelSink(tx.clone());
        if let Some(body) = server.respond(&ctx, &request, &sink).await {
            let _ = tx.unbounded_send(m365_core::mcp::sse::message(None, &body, false));
        }
        tx.close_channel();
    });
    use futures_util::StreamExt;
    Ok(Response::from_stream(rx.map(Ok::<String, worker::Error>))?.with_headers(sse_headers()?))
}

fn now_secs() -> u64 {
    worker::Date::now().as_millis() / 1000
}

/// `GET /sse`: the 2024-11-05 transport. A new session; the stream's first event names the
/// endpoint for this session's POSTs.
pub(crate) async fn sse_stream(req: Request, env: &Env) -> Result<Response> {
    let (_settings, user, caller) = match admit(&req, env, "/sse").await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let state = SessionState::new(random32(), user.clone(), &caller.client_id, now_secs());
    let id = state.id().to_string();
    let open = StreamOpen {
        create: Some(state),
        user_key: user,
        client_id: caller.client_id,
        protocol_header: None,
        last_event_id: None,
        // Relative, as the TypeScript and Python SDKs resolve it against the /sse URL.
        legacy_endpoint: Some(format!("/sse/message?sessionId={id}")),
    };
    forward(env, &mcp_session::name(&id), "/internal/stream", &open).await
}

/// `POST /sse/message?sessionId=…` (also `/messages?sessionId=…` and `/messages/?session_id=…`,
/// the TypeScript and Python SDK conventions): 202, the answer arrives on the stream.
pub(crate) async fn sse_message(mut req: Request, env: &Env) -> Result<Response> {
    let (settings, user, caller) = match admit(&req, env, "/sse").await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let url = req.url()?;
    let Some(session_id) = url
        .query_pairs()
        .find(|(k, _)| k == "sessionId" || k == "session_id")
        .map(|(_, v)| v.into_owned())
    else {
        return json_response(
            400,
            &serde_json::json!({"error": "missing sessionId query parameter"}),
        );
    };
    let body = req.bytes().await?;
    let incoming = match jsonrpc::parse(&body) {
        Ok(i) => i,
        Err(invalid) => {
            return json_response(
                mcp_http::status_for_body_error(&invalid.error),
                &jsonrpc::error_response(invalid.id.as_ref(), &invalid.error, UnknownId::Null),
            )
        }
    };
    if let Some(resp) = step_up(&settings, &caller, &incoming, "/sse")? {
        return Ok(resp);
    }
    let graph_token = if calls_tool(&incoming) {
        match resource::graph_token(env, &settings, &user, "/sse").await? {
            Ok(t) => Some(t),
            Err(resp) => return Ok(resp),
        }
    } else {
        None
    };
    let post = SessionPost {
        create: None,
        user_key: user,
        client_id: caller.client_id,
        authorized: graph_token.is_some(),
        origin: settings.server.public_origin.clone(),
        scopes: caller.scopes.clone(),
        graph_base_url: graph_base(env),
        protocol_header: None,
        accept: None,
        body: String::from_utf8_lossy(&body).into_owned(),
        legacy: true,
    };
    forward(
        env,
        &mcp_session::name(&session_id),
        "/internal/post",
        &post,
    )
    .await
}

/// Send a JSON call to a session object and return its response as is (streams included).
async fn forward<T: serde::Serialize>(
    env: &Env,
    name: &str,
    path: &str,
    body: &T,
) -> Result<Response> {
    let stub = env.durable_object("MCP_SESSION")?.get_by_name(name)?;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(serde_json::to_string(body)?.into()));
    let request = Request::new_with_init(&format!("https://durable-object{path}"), &init)?;
    let resp = stub.fetch_with_request(request).await?;
    // A fetched response's headers are immutable; copy them so the shell can add its own
    // (`Mcp-Session-Id`, `x-request-id`). The body (a stream for SSE) passes through untouched.
    let status = resp.status_code();
    let headers = Headers::new();
    for (k, v) in resp.headers().entries() {
        headers.append(&k, &v)?;
    }
    let (_, body) = resp.into_parts();
    Ok(Response::from_body(body)?
        .with_status(status)
        .with_headers(headers))
}
