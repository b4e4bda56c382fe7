//! The MCP protocol core driven end to end, the way the worker shell drives it: body → parse →
//! classify → (session checks) → dispatch, with a fake Graph client that asserts every outgoing
//! request (URL, `Prefer`, the `$batch` body) and answers with fixtures.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use m365_core::graph::{HttpRequest, HttpResponse, LocalBoxFuture, TransportError};
use m365_core::mcp::http;
use m365_core::mcp::jsonrpc::{self, code, Incoming, Message, Request};
use m365_core::mcp::schema;
use m365_core::mcp::server::{CollectingSink, PostOutcome, RequestContext, Server, ServerInfo};
use m365_core::mcp::session::{LogLevel, SessionState};
use m365_core::mcp::tool::{
    Tool, ToolAnnotations, ToolContext, ToolOutcome, ToolOutput, ToolRegistry,
};
use m365_core::mcp::version::{self, McpHeaders, PostRoute, ProtocolVersion};
use m365_core::mcp::EventSink;
use m365_core::oauth::tokens::UserKey;
use serde_json::{json, Value};

const BASE: &str = "https://graph.test/v1.0";

// === a tiny executor: every future here completes without waiting on I/O ===

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future did not complete");
}

// === Graph fixtures ===

fn me_fixture() -> Value {
    json!({"@odata.context":"https://graph.test/v1.0/$metadata#users/$entity",
        "displayName":"Adele Vance","mail":"AdeleV@contoso.com","userPrincipalName":"AdeleV@contoso.com",
        "id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","jobTitle":"Retail Manager","preferredLanguage":"en-US"})
}

fn settings_fixture() -> Value {
    json!({"timeZone":"Pacific Standard Time","language":{"locale":"en-US","displayName":"English (United States)"}})
}

fn batch_reply(me: (u16, Value), settings: (u16, Value)) -> HttpResponse {
    // Graph returns sub-responses in an order of its choosing: settings first here.
    let body = json!({"responses":[
        {"id":"settings","status":settings.0,"headers":{"Content-Type":"application/json"},"body":settings.1},
        {"id":"me","status":me.0,"headers":{"Content-Type":"application/json"},"body":me.1},
    ]});
    HttpResponse {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

/// Asserts the exact `$batch` that `get_profile` must send.
fn assert_profile_request(req: &HttpRequest) {
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "https://graph.test/v1.0/$batch");
    assert_eq!(req.header("Content-Type"), Some("application/json"));
    assert_eq!(req.header("Prefer"), Some("IdType=\"ImmutableId\""));
    assert!(
        req.header("Authorization").is_none(),
        "the shell adds the token"
    );
    let body: Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"requests":[
            {"id":"me","method":"GET",
             "url":"/me?$select=displayName,mail,userPrincipalName,id,jobTitle,preferredLanguage",
             "headers":{"Prefer":"IdType=\"ImmutableId\""}},
            {"id":"settings","method":"GET","url":"/me/mailboxSettings?$select=timeZone,language",
             "headers":{"Prefer":"IdType=\"ImmutableId\""}}
        ]})
    );
}

type Reply = Box<dyn Fn(&HttpRequest) -> Result<HttpResponse, TransportError>>;

/// A Graph client that checks the request and counts calls.
struct FakeGraph {
    calls: Cell<usize>,
    reply: Reply,
}

impl FakeGraph {
    fn new(reply: impl Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + 'static) -> Self {
        Self {
            calls: Cell::new(0),
            reply: Box::new(reply),
        }
    }

    fn profile() -> Self {
        Self::new(|req| {
            assert_profile_request(req);
            Ok(batch_reply((200, me_fixture()), (200, settings_fixture())))
        })
    }
}

impl m365_core::graph::GraphClient for FakeGraph {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        self.calls.set(self.calls.get() + 1);
        let reply = (self.reply)(&request);
        Box::pin(async move { reply })
    }
}

// === a miniature shell: exactly the sequence the worker performs ===

fn server() -> Server {
    Server::new(ServerInfo::new("0.1.0"), ToolRegistry::builtin())
}

fn user() -> UserKey {
    UserKey::from_bytes([1; 16])
}

struct Answer {
    status: u16,
    body: Option<Value>,
}

struct Shell {
    server: Server,
    graph: FakeGraph,
    sessions: RefCell<Vec<RefCell<SessionState>>>,
    sink: CollectingSink,
    next_random: Cell<u8>,
}

impl Shell {
    fn new(graph: FakeGraph) -> Self {
        Self::with_server(server(), graph)
    }

    fn with_server(server: Server, graph: FakeGraph) -> Self {
        Self {
            server,
            graph,
            sessions: RefCell::new(Vec::new()),
            sink: CollectingSink::new(),
            next_random: Cell::new(0),
        }
    }

    fn post(&self, headers: McpHeaders<'_>, body: &[u8]) -> Answer {
        self.post_as(headers, body, &user(), "client-1")
    }

    fn post_as(&self, headers: McpHeaders<'_>, body: &[u8], who: &UserKey, client: &str) -> Answer {
        let incoming = match jsonrpc::parse(body) {
            Ok(i) => i,
            Err(invalid) => {
                return Answer {
                    status: http::status_for_body_error(&invalid.error),
                    body: Some(jsonrpc::error_response(
                        invalid.id.as_ref(),
                        &invalid.error,
                        jsonrpc::UnknownId::Null,
                    )),
                }
            }
        };
        let route = match version::classify_post(&incoming, &headers) {
            Ok(r) => r,
            Err(rejection) => {
                return Answer {
                    status: rejection.status,
                    body: Some(rejection.body()),
                }
            }
        };
        match route {
            PostRoute::Stateless(meta) => {
                let ctx = RequestContext::new(meta.version, &self.graph, BASE);
                self.finish(block_on(
                    self.server.handle_post(&ctx, incoming, &self.sink),
                ))
            }
            PostRoute::StatelessNotification => Answer {
                status: 202,
                body: None,
            },
            PostRoute::Initialize => {
                let n = self.next_random.get();
                self.next_random.set(n.wrapping_add(1));
                let state = RefCell::new(SessionState::new([n; 32], *who, client, 1000));
                let ctx = RequestContext::new(ProtocolVersion::LATEST_SESSION, &self.graph, BASE)
                    .with_session(&state);
                let outcome = block_on(self.server.handle_post(&ctx, incoming, &self.sink));
                let ok = matches!(&outcome, PostOutcome::Json { body, .. } if body.get("result").is_some());
                let id = state.borrow().id().to_owned();
                if ok {
                    self.sessions.borrow_mut().push(state);
                }
                let mut reply = self.finish(outcome);
                if ok {
                    reply.body.as_mut().unwrap()["_session"] = Value::from(id);
                }
                reply
            }
            PostRoute::Session { session_id } => {
                let sessions = self.sessions.borrow();
                let found = sessions.iter().find(|s| s.borrow().id() == session_id);
                let access = match found {
                    Some(state) => state.borrow().check_access(who, client, 1000),
                    None => Err(version::session_not_found(None)),
                };
                let (Some(state), Ok(())) = (found, access.as_ref()) else {
                    let r = access
                        .err()
                        .unwrap_or_else(|| version::session_not_found(None));
                    return Answer {
                        status: r.status,
                        body: Some(r.body()),
                    };
                };
                state.borrow_mut().touch(1000);
                let negotiated = state.borrow().protocol_version;
                let is_batch = matches!(incoming, Incoming::Batch(_));
                let v = match version::check_session_request(
                    negotiated,
                    headers.protocol_version,
                    is_batch,
                ) {
                    Ok(v) => v,
                    Err(r) => {
                        return Answer {
                            status: r.status,
                            body: Some(r.body()),
                        }
                    }
                };
                let ctx = RequestContext::new(v, &self.graph, BASE).with_session(state);
                self.finish(block_on(
                    self.server.handle_post(&ctx, incoming, &self.sink),
                ))
            }
            PostRoute::NoSession => {
                let id = match &incoming {
                    Incoming::Single(Message::Request(r)) => Some(r.id.clone()),
                    _ => None,
                };
                let r = version::no_session_rejection(id);
                Answer {
                    status: r.status,
                    body: Some(r.body()),
                }
            }
        }
    }

    fn finish(&self, outcome: PostOutcome) -> Answer {
        match outcome {
            PostOutcome::Accepted => Answer {
                status: 202,
                body: None,
            },
            PostOutcome::Json { status, body } => Answer {
                status,
                body: Some(body),
            },
        }
    }

    /// `initialize` + `notifications/initialized`; returns the session id.
    fn open_session(&self, version: &str) -> String {
        let r = self.post(
            McpHeaders::default(),
            json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
                "protocolVersion":version,"capabilities":{},"clientInfo":{"name":"test","version":"1"}}})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(r.status, 200);
        let body = r.body.unwrap();
        let id = body["_session"].as_str().unwrap().to_owned();
        let r = self.post(
            session_headers(&id, None),
            br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        );
        assert_eq!(r.status, 202);
        id
    }

    fn session(&self, id: &str) -> SessionState {
        self.sessions
            .borrow()
            .iter()
            .find(|s| s.borrow().id() == id)
            .map(|s| s.borrow().clone())
            .unwrap()
    }

    fn call(&self, session: &str, body: Value) -> Value {
        let r = self.post(session_headers(session, None), body.to_string().as_bytes());
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body.unwrap()
    }
}

fn session_headers<'a>(id: &'a str, version: Option<&'a str>) -> McpHeaders<'a> {
    McpHeaders {
        protocol_version: version,
        session_id: Some(id),
        method: None,
        name: None,
    }
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
    })
}

fn modern<'a>(method: &'a str, name: Option<&'a str>) -> McpHeaders<'a> {
    McpHeaders {
        protocol_version: Some("2026-07-28"),
        session_id: None,
        method: Some(method),
        name,
    }
}

fn modern_call(
    shell: &Shell,
    id: Value,
    method: &str,
    mut params: Value,
    name: Option<&str>,
) -> Answer {
    params["_meta"] = meta();
    let body = json!({"jsonrpc":"2.0","id":id,"method":method,"params":params});
    shell.post(modern(method, name), body.to_string().as_bytes())
}

// === lifecycle ===

#[test]
fn initialize_negotiates_each_version() {
    for (requested, expected) in [
        ("2024-11-05", "2024-11-05"),
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2026-07-28", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
        ("garbage", "2025-11-25"),
    ] {
        let shell = Shell::new(FakeGraph::profile());
        let r = shell.post(
            McpHeaders::default(),
            json!({"jsonrpc":"2.0","id":"init-1","method":"initialize","params":{
                "protocolVersion":requested,"capabilities":{"roots":{}},"clientInfo":{"name":"c","version":"9"}}})
            .to_string()
            .as_bytes(),
        );
        assert_eq!(r.status, 200);
        let body = r.body.unwrap();
        assert_eq!(body["id"], "init-1");
        let result = &body["result"];
        assert_eq!(result["protocolVersion"], expected, "{requested}");
        assert_eq!(
            result["capabilities"],
            json!({"tools":{"listChanged":false},"logging":{}})
        );
        assert_eq!(result["serverInfo"]["name"], "m365-mcp");
        assert_eq!(
            result["serverInfo"].get("title").is_some(),
            expected >= "2025-06-18"
        );
        assert_eq!(
            result["serverInfo"].get("description").is_some(),
            expected >= "2025-11-25"
        );
        assert!(result["instructions"]
            .as_str()
            .unwrap()
            .contains("get_profile"));
        assert!(result.get("resultType").is_none(), "2026-only field");
        let state = shell.session(body["_session"].as_str().unwrap());
        assert_eq!(state.protocol_version.map(|v| v.as_str()), Some(expected));
        assert_eq!(state.client_info, json!({"name":"c","version":"9"}));
        assert_eq!(state.client_capabilities, json!({"roots":{}}));
        assert!(!state.initialized);
    }
}

#[test]
fn initialize_errors_and_session_lifecycle() {
    let shell = Shell::new(FakeGraph::profile());
    for params in [
        json!(null),
        json!({}),
        json!({"protocolVersion":5}),
        json!({"protocolVersion":"2025-11-25","capabilities":[]}),
    ] {
        let r = shell.post(
            McpHeaders::default(),
            json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":params})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(
            r.body.unwrap()["error"]["code"],
            code::INVALID_PARAMS,
            "{params}"
        );
    }
    assert!(
        shell.sessions.borrow().is_empty(),
        "failed initialize creates no session"
    );

    let id = shell.open_session("2025-11-25");
    let state = shell.session(&id);
    assert!(state.initialized);
    assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)));

    // Requests without a session id are refused; unknown ids are 404.
    let r = shell.post(
        McpHeaders::default(),
        br#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body.unwrap()["id"], 2);
    let r = shell.post(
        session_headers("nope", None),
        br#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    );
    assert_eq!(r.status, 404);

    // Another user's (or another client's) token cannot use the session.
    let r = shell.post_as(
        session_headers(&id, None),
        br#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#,
        &UserKey::from_bytes([9; 16]),
        "client-1",
    );
    assert_eq!(r.status, 404);
    let r = shell.post_as(
        session_headers(&id, None),
        br#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#,
        &user(),
        "client-2",
    );
    assert_eq!(r.status, 404);

    // A wrong MCP-Protocol-Version is a 400; the negotiated one is fine.
    let r = shell.post(
        session_headers(&id, Some("1999-01-01")),
        br#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#,
    );
    assert_eq!(r.status, 400);
    assert!(r.body.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("2025-11-25"));
    let r = shell.post(
        session_headers(&id, Some("2025-11-25")),
        br#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#,
    );
    assert_eq!(r.body.unwrap(), json!({"jsonrpc":"2.0","id":4,"result":{}}));

    // A second initialize on the session itself is refused (a new one opens a new session).
    let ctx_state = RefCell::new(shell.session(&id));
    let graph = FakeGraph::profile();
    let ctx =
        RequestContext::new(ProtocolVersion::LATEST_SESSION, &graph, BASE).with_session(&ctx_state);
    let req = Request {
        id: json!(5),
        method: "initialize".into(),
        params: Some(json!({"protocolVersion":"2025-11-25"})),
    };
    let e = block_on(shell.server.handle_request(&ctx, &req, &shell.sink)).unwrap_err();
    assert_eq!(e.code, code::INVALID_REQUEST);

    // DELETE ends it: 404 afterwards.
    shell.sessions.borrow().iter().for_each(|s| {
        if s.borrow().id() == id {
            s.borrow_mut().delete();
        }
    });
    let r = shell.post(
        session_headers(&id, None),
        br#"{"jsonrpc":"2.0","id":6,"method":"ping"}"#,
    );
    assert_eq!(r.status, 404);
}

// === tools/list ===

struct Dummy(&'static str);

impl Tool for Dummy {
    fn name(&self) -> &'static str {
        self.0
    }
    fn title(&self) -> &'static str {
        "Dummy"
    }
    fn safety(&self) -> m365_core::mcp::deployment::Safety {
        m365_core::mcp::deployment::Safety::Read
    }
    fn description(&self) -> &'static str {
        "Does nothing."
    }
    fn input_schema(&self) -> Value {
        json!({"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":5}},"required":["n"],"additionalProperties":false})
    }
    fn output_schema(&self) -> Option<Value> {
        None
    }
    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::READ_ONLY
    }
    fn scopes(&self) -> &'static [&'static str] {
        &[]
    }
    fn call<'a>(
        &'a self,
        args: &'a Value,
        _cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolOutcome> {
        let n = args["n"].as_u64().unwrap_or(0);
        Box::pin(async move {
            Ok(ToolOutput {
                text: format!("n={n}"),
                structured: None,
            })
        })
    }
}

fn paged_shell() -> Shell {
    let mut tools = m365_core::mcp::tools::all();
    for name in ["alpha", "bravo", "charlie", "delta"] {
        tools.push(Box::new(Dummy(name)));
    }
    let registry = ToolRegistry::new(tools).unwrap().with_page_size(2);
    Shell::with_server(
        Server::new(ServerInfo::new("0.1.0"), registry),
        FakeGraph::profile(),
    )
}

fn list_all(shell: &Shell, session: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for i in 0..500 {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let body = shell.call(
            session,
            json!({"jsonrpc":"2.0","id":i,"method":"tools/list","params":params}),
        );
        let result = &body["result"];
        for t in result["tools"].as_array().unwrap() {
            names.push(t["name"].as_str().unwrap().to_owned());
        }
        match result.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_owned()),
            None => return names,
        }
    }
    panic!("pagination did not end");
}

#[test]
fn tools_list_paginates_deterministically() {
    let shell = paged_shell();
    let s = shell.open_session("2025-11-25");
    let first = list_all(&shell, &s);
    assert_eq!(first[0], "get_profile");
    assert!(first.contains(&"list_messages".to_owned()));
    assert!(first.ends_with(&[
        "alpha".into(),
        "bravo".into(),
        "charlie".into(),
        "delta".into()
    ]));
    assert_eq!(list_all(&shell, &s), first, "same order every time");

    for cursor in [json!("bogus"), json!(""), json!(12)] {
        let body = shell.call(
            &s,
            json!({"jsonrpc":"2.0","id":"c","method":"tools/list","params":{"cursor":cursor}}),
        );
        assert_eq!(body["error"]["code"], code::INVALID_PARAMS, "{cursor}");
        assert_eq!(body["id"], "c");
    }
}

#[test]
fn tools_list_shape_per_version() {
    let shell = Shell::new(FakeGraph::profile());
    for (version, annotations, title) in [
        ("2024-11-05", false, false),
        ("2025-03-26", true, false),
        ("2025-06-18", true, true),
        ("2025-11-25", true, true),
    ] {
        let s = shell.open_session(version);
        let body = shell.call(&s, json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}));
        let tool = &body["result"]["tools"][0];
        assert_eq!(tool["name"], "get_profile");
        assert_eq!(tool["inputSchema"]["type"], "object");
        assert_eq!(tool.get("annotations").is_some(), annotations, "{version}");
        assert_eq!(tool.get("title").is_some(), title, "{version}");
        assert_eq!(tool.get("outputSchema").is_some(), title, "{version}");
        if annotations {
            assert_eq!(tool["annotations"]["readOnlyHint"], true);
            assert_eq!(tool["annotations"]["openWorldHint"], true);
            assert_eq!(tool["annotations"]["destructiveHint"], false);
        }
        assert!(body["result"].get("ttlMs").is_none());
        assert!(body["result"].get("nextCursor").is_none());
    }

    let r = modern_call(&shell, json!(9), "tools/list", json!({}), None);
    assert_eq!(r.status, 200);
    let result = &r.body.unwrap()["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["ttlMs"], version::TOOLS_LIST_TTL_MS);
    assert_eq!(result["cacheScope"], "private");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "m365-mcp"
    );
    assert_eq!(result["tools"][0]["title"], "Get my profile");
}

// === tools/call ===

#[test]
fn get_profile_success_structured_matches_output_schema() {
    let shell = Shell::new(FakeGraph::profile());
    let s = shell.open_session("2025-11-25");
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":"call-1","method":"tools/call","params":{"name":"get_profile","arguments":{}}}),
    );
    assert_eq!(shell.graph.calls.get(), 1, "one round trip");
    let result = &body["result"];
    assert_eq!(result["isError"], false);
    let text = result["content"][0]["text"].as_str().unwrap();
    assert_eq!(result["content"][0]["type"], "text");
    assert!(
        text.starts_with("Adele Vance <AdeleV@contoso.com>"),
        "{text}"
    );
    assert!(text.contains("Pacific Standard Time"), "{text}");
    let structured = &result["structuredContent"];
    let output_schema = m365_core::mcp::tool::ToolRegistry::builtin()
        .get("get_profile")
        .and_then(|t| t.output_schema())
        .unwrap();
    assert_eq!(schema::validate(&output_schema, structured), Ok(()));
    let mut keys: Vec<&String> = structured.as_object().unwrap().keys().collect();
    let mut schema_keys: Vec<&String> = output_schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    keys.sort();
    schema_keys.sort();
    // Fields skipped when empty (the permission report without a sign-in record) are optional.
    assert!(keys.iter().all(|k| schema_keys.contains(k)), "{keys:?}");
    let required: Vec<&str> = output_schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        required.iter().all(|k| structured.get(*k).is_some()),
        "{required:?}"
    );
    assert_eq!(
        *structured,
        json!({"displayName":"Adele Vance","email":"AdeleV@contoso.com","userPrincipalName":"AdeleV@contoso.com",
            "id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","jobTitle":"Retail Manager",
            "timeZone":"Pacific Standard Time","language":"en-US"})
    );

    // 2025-03-26 has no structuredContent; 2026-07-28 adds resultType.
    let old = shell.open_session("2025-03-26");
    let body = shell.call(
        &old,
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_profile"}}),
    );
    assert!(body["result"].get("structuredContent").is_none());
    assert_eq!(body["result"]["isError"], false);
    let r = modern_call(
        &shell,
        json!(3),
        "tools/call",
        json!({"name":"get_profile","arguments":{}}),
        Some("get_profile"),
    );
    let result = &r.body.unwrap()["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["structuredContent"]["timeZone"],
        "Pacific Standard Time"
    );
    assert!(result.get("ttlMs").is_none(), "tools/call is not cacheable");
}

#[test]
fn unknown_tool_is_a_protocol_error_bad_arguments_are_tool_errors() {
    let shell = Shell::new(FakeGraph::new(|_| panic!("no Graph call expected")));
    let s = shell.open_session("2025-11-25");
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_everything"}}),
    );
    assert_eq!(body["error"]["code"], code::INVALID_PARAMS);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("send_everything"));
    for params in [json!({}), json!({"name":5}), json!(null)] {
        let body = shell.call(
            &s,
            json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":params}),
        );
        assert_eq!(body["error"]["code"], code::INVALID_PARAMS, "{params}");
    }
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_profile","arguments":{"user":"ceo@contoso.com"}}}),
    );
    assert_eq!(body["result"]["isError"], true);
    let text = body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("`user` is not a known argument"), "{text}");
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_profile","arguments":[1]}}),
    );
    assert_eq!(body["result"]["isError"], true);
    assert!(body["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("`arguments` must be an object"));
}

#[test]
fn argument_validation_names_the_field() {
    let shell = paged_shell();
    let s = shell.open_session("2025-11-25");
    for (args, needle) in [
        (json!({}), "`n` is required"),
        (json!({"n": 9}), "`n` must be at most 5, not 9"),
        (json!({"n": "2"}), "`n` must be an integer, not a string"),
    ] {
        let body = shell.call(&s, json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha","arguments":args}}));
        assert_eq!(body["result"]["isError"], true);
        let text = body["result"]["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(needle), "{text}");
    }
    let body = shell.call(&s, json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha","arguments":{"n":3}}}));
    assert_eq!(body["result"]["content"][0]["text"], "n=3");
    assert!(
        body["result"].get("structuredContent").is_none(),
        "no outputSchema, no structuredContent"
    );
}

fn profile_error(graph: FakeGraph) -> String {
    let shell = Shell::new(graph);
    let s = shell.open_session("2025-11-25");
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_profile"}}),
    );
    assert_eq!(body["result"]["isError"], true, "{body}");
    assert!(body["result"].get("structuredContent").is_none());
    body["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn graph_failures_become_actionable_tool_errors() {
    let forbidden = profile_error(FakeGraph::new(|req| {
        assert_profile_request(req);
        Ok(batch_reply(
            (
                403,
                json!({"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}),
            ),
            (
                403,
                json!({"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}),
            ),
        ))
    }));
    assert!(
        forbidden.contains("User.Read, MailboxSettings.Read"),
        "{forbidden}"
    );
    assert!(
        forbidden.contains("reconnecting this connector"),
        "{forbidden}"
    );

    let not_found = profile_error(FakeGraph::new(|_| {
        Ok(batch_reply(
            (
                404,
                json!({"error":{"code":"Request_ResourceNotFound","message":"Resource does not exist."}}),
            ),
            (200, settings_fixture()),
        ))
    }));
    assert!(not_found.contains("deleted or moved"), "{not_found}");
    assert!(
        not_found.contains("Request_ResourceNotFound"),
        "{not_found}"
    );

    let throttled = profile_error(FakeGraph::new(|_| {
        Ok(HttpResponse {
            status: 429,
            headers: vec![("Retry-After".into(), "7".into())],
            body: json!({"error":{"code":"TooManyRequests","message":"Please retry later."}})
                .to_string()
                .into_bytes(),
        })
    }));
    assert!(throttled.contains("throttling"), "{throttled}");
    assert!(throttled.contains("Try again in 7 seconds."), "{throttled}");

    let sub_throttled = profile_error(FakeGraph::new(|_| {
        let body = json!({"responses":[{"id":"me","status":429,"headers":{"Retry-After":"30"},
            "body":{"error":{"code":"ApplicationThrottled","message":"Too many requests"}}},
            {"id":"settings","status":200,"body":settings_fixture()}]});
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: body.to_string().into_bytes(),
        })
    }));
    assert!(
        sub_throttled.contains("Try again in 30 seconds."),
        "{sub_throttled}"
    );

    let unauthorized = profile_error(FakeGraph::new(|_| {
        Ok(HttpResponse {
            status: 401,
            headers: vec![],
            body: json!({"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}).to_string().into_bytes(),
        })
    }));
    assert!(unauthorized.contains("reconnect"), "{unauthorized}");

    let unavailable = profile_error(FakeGraph::new(|_| {
        Ok(HttpResponse {
            status: 503,
            headers: vec![],
            body: b"Service Unavailable".to_vec(),
        })
    }));
    assert!(
        unavailable.contains("temporarily unavailable"),
        "{unavailable}"
    );

    let down = profile_error(FakeGraph::new(|_| {
        Err(TransportError::new("connection reset by peer"))
    }));
    assert!(down.contains("Could not reach Microsoft Graph"), "{down}");
    assert!(
        !down.contains("connection reset"),
        "transport details stay in logs"
    );

    let garbage = profile_error(FakeGraph::new(|_| {
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: b"<html>".to_vec(),
        })
    }));
    assert!(garbage.contains("could not read"), "{garbage}");
}

#[test]
fn unreadable_mailbox_settings_still_return_the_profile() {
    let shell = Shell::new(FakeGraph::new(|_| {
        Ok(batch_reply(
            (200, me_fixture()),
            (
                403,
                json!({"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}),
            ),
        ))
    }));
    let s = shell.open_session("2025-11-25");
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_profile"}}),
    );
    let result = &body["result"];
    assert_eq!(result["isError"], false);
    assert_eq!(result["structuredContent"]["timeZone"], Value::Null);
    assert_eq!(
        result["structuredContent"]["language"], "en-US",
        "falls back to preferredLanguage"
    );
    assert!(result["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("MailboxSettings.Read"));
}

// === ping, logging, progress ===

#[test]
fn ping_exists_only_in_the_session_era() {
    let shell = Shell::new(FakeGraph::profile());
    let s = shell.open_session("2025-06-18");
    let body = shell.call(&s, json!({"jsonrpc":"2.0","id":"p","method":"ping"}));
    assert_eq!(body, json!({"jsonrpc":"2.0","id":"p","result":{}}));
    for method in [
        "ping",
        "initialize",
        "logging/setLevel",
        "resources/subscribe",
        "resources/unsubscribe",
        "prompts/list",
        "unknown/method",
    ] {
        let r = modern_call(&shell, json!(500), method, json!({}), None);
        assert_eq!(r.status, 404, "{method}");
        let body = r.body.unwrap();
        assert_eq!(body["error"]["code"], code::METHOD_NOT_FOUND, "{method}");
        assert_eq!(body["id"], 500);
    }
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":1,"method":"server/discover"}),
    );
    assert_eq!(
        body["error"]["code"],
        code::METHOD_NOT_FOUND,
        "2026-only method in a session"
    );
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":1,"method":"resources/list"}),
    );
    assert_eq!(
        body["error"]["code"],
        code::METHOD_NOT_FOUND,
        "no resources capability"
    );
}

#[test]
fn logging_set_level_filters_log_notifications() {
    let shell = Shell::new(FakeGraph::profile());
    let s = shell.open_session("2025-11-25");
    let call =
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_profile"}});

    shell.call(&s, call.clone());
    assert!(
        shell
            .sink
            .take()
            .iter()
            .all(|m| m["method"] != "notifications/message"),
        "no logs before setLevel"
    );

    for bad in [json!({"level":"verbose"}), json!({}), json!({"level":3})] {
        let body = shell.call(
            &s,
            json!({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":bad}),
        );
        assert_eq!(body["error"]["code"], code::INVALID_PARAMS, "{bad}");
    }
    let body = shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"debug"}}),
    );
    assert_eq!(body["result"], json!({}));
    assert_eq!(shell.session(&s).log_level, Some(LogLevel::Debug));
    shell.call(&s, call.clone());
    let logs: Vec<Value> = shell
        .sink
        .take()
        .into_iter()
        .filter(|m| m["method"] == "notifications/message")
        .collect();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["params"]["level"], "debug");
    assert_eq!(logs[0]["params"]["logger"], "m365");

    shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"info"}}),
    );
    shell.call(&s, call);
    assert!(shell
        .sink
        .take()
        .iter()
        .all(|m| m["method"] != "notifications/message"));
}

#[test]
fn progress_notifications_follow_the_progress_token() {
    let shell = Shell::new(FakeGraph::profile());
    let s = shell.open_session("2025-11-25");
    shell.call(
        &s,
        json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_profile"}}),
    );
    assert!(shell.sink.take().is_empty(), "no token, no progress");

    for token in [json!("tok-1"), json!(42)] {
        shell.call(
            &s,
            json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_profile","_meta":{"progressToken":token}}}),
        );
        let progress: Vec<Value> = shell.sink.take();
        assert_eq!(progress.len(), 2);
        assert!(progress
            .iter()
            .all(|m| m["method"] == "notifications/progress"
                && m["params"]["progressToken"] == token));
        assert!(
            progress[0]["params"]["progress"].as_f64() < progress[1]["params"]["progress"].as_f64()
        );
        assert_eq!(progress[1]["params"]["total"], 1.0);
    }
    // Tokens of other types are ignored.
    shell.call(&s, json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_profile","_meta":{"progressToken":{"x":1}}}}));
    assert!(shell.sink.take().is_empty());
    // Progress the client sends is ignored (a notification: 202).
    let r = shell.post(
        session_headers(&s, None),
        br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}"#,
    );
    assert_eq!(r.status, 202);
}

// === cancellation ===

#[test]
fn cancelled_requests_get_no_response() {
    let state = RefCell::new(SessionState::new([3; 32], user(), "c", 0));
    state
        .borrow_mut()
        .set_client(ProtocolVersion::V2025_11_25, json!({}), json!({}));
    let server = server();
    let sink = CollectingSink::new();

    // notifications/cancelled arrives (from another HTTP request) while the tool waits on Graph.
    let graph = |req: HttpRequest| -> Result<HttpResponse, TransportError> {
        assert_profile_request(&req);
        server.handle_notification(
            Some(&state),
            &m365_core::mcp::Notification {
                method: "notifications/cancelled".into(),
                params: Some(json!({"requestId":"long-1","reason":"user pressed stop"})),
            },
        );
        Ok(batch_reply((200, me_fixture()), (200, settings_fixture())))
    };
    let ctx = RequestContext::new(ProtocolVersion::V2025_11_25, &graph, BASE).with_session(&state);
    let req = Request {
        id: json!("long-1"),
        method: "tools/call".into(),
        params: Some(json!({"name":"get_profile"})),
    };
    assert_eq!(block_on(server.respond(&ctx, &req, &sink)), None);
    assert!(
        !state.borrow().is_cancelled(&json!("long-1")),
        "cleared once handled"
    );

    // A stale cancellation for a reused id does not kill the new request.
    state.borrow_mut().cancel(json!("again"));
    let quiet = |_req: HttpRequest| Ok(batch_reply((200, me_fixture()), (200, settings_fixture())));
    let ctx = RequestContext::new(ProtocolVersion::V2025_11_25, &quiet, BASE).with_session(&state);
    let req = Request {
        id: json!("again"),
        ..req
    };
    assert!(block_on(server.respond(&ctx, &req, &sink)).is_some());

    // 2026-07-28: a closed response stream is the cancellation.
    let closed = || true;
    let ctx =
        RequestContext::new(ProtocolVersion::V2026_07_28, &quiet, BASE).with_stream_closed(&closed);
    assert_eq!(block_on(server.respond(&ctx, &req, &sink)), None);
    // Malformed cancellations are ignored.
    server.handle_notification(
        Some(&state),
        &m365_core::mcp::Notification {
            method: "notifications/cancelled".into(),
            params: Some(json!({"requestId":null})),
        },
    );
    server.handle_notification(
        Some(&state),
        &m365_core::mcp::Notification {
            method: "notifications/cancelled".into(),
            params: None,
        },
    );
}

// === 2026-07-28 ===

#[test]
fn server_discover_and_meta_validation() {
    let shell = Shell::new(FakeGraph::profile());
    let r = modern_call(&shell, json!(201), "server/discover", json!({}), None);
    assert_eq!(r.status, 200);
    let body = r.body.unwrap();
    assert_eq!(body["id"], 201);
    let result = &body["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["supportedVersions"], json!(["2026-07-28"]));
    assert_eq!(
        result["capabilities"],
        json!({"tools":{"listChanged":false}})
    );
    assert_eq!(result["cacheScope"], "public");
    assert!(result["ttlMs"].as_u64().is_some());
    assert!(result["instructions"].as_str().unwrap().contains("opaque"));
    let info = &result["_meta"]["io.modelcontextprotocol/serverInfo"];
    assert_eq!(
        (info["name"].as_str(), info["version"].as_str()),
        (Some("m365-mcp"), Some("0.1.0"))
    );

    // Missing required _meta: -32602 with HTTP 400, id echoed.
    let r = shell.post(
        modern("server/discover", None),
        br#"{"jsonrpc":"2.0","id":101,"method":"server/discover","params":{}}"#,
    );
    assert_eq!(r.status, 400);
    let body = r.body.unwrap();
    assert_eq!(
        (body["error"]["code"].as_i64(), body["id"].as_i64()),
        (Some(code::INVALID_PARAMS), Some(101))
    );

    // Unsupported version: -32022 listing the discover versions and echoing the request.
    let mut m = meta();
    m["io.modelcontextprotocol/protocolVersion"] = json!("v999.0.0");
    let body = json!({"jsonrpc":"2.0","id":301,"method":"server/discover","params":{"_meta":m}});
    let mut h = modern("server/discover", None);
    h.protocol_version = Some("v999.0.0");
    let r = shell.post(h, body.to_string().as_bytes());
    assert_eq!(r.status, 400);
    let b = r.body.unwrap();
    assert_eq!(b["error"]["code"], code::UNSUPPORTED_PROTOCOL_VERSION);
    assert_eq!(
        b["error"]["data"],
        json!({"supported":["2026-07-28"],"requested":"v999.0.0"})
    );
    assert_eq!(b["id"], 301);
    // Header 2026-07-28, body v999: header mismatch.
    let r = shell.post(modern("server/discover", None), body.to_string().as_bytes());
    assert_eq!(
        (r.status, r.body.unwrap()["error"]["code"].as_i64()),
        (400, Some(code::HEADER_MISMATCH))
    );
}

#[test]
fn header_mismatches_2026() {
    let shell = Shell::new(FakeGraph::profile());
    let cases: Vec<(&str, Value, McpHeaders<'static>)> = vec![
        ("tools/list", json!({}), modern("prompts/list", None)),
        ("tools/list", json!({}), modern("TOOLS/LIST", None)),
        (
            "tools/list",
            json!({}),
            McpHeaders {
                method: None,
                ..modern("", None)
            },
        ),
        (
            "tools/list",
            json!({}),
            McpHeaders {
                protocol_version: None,
                ..modern("tools/list", None)
            },
        ),
        (
            "tools/call",
            json!({"name":"get_profile"}),
            modern("tools/call", None),
        ),
        (
            "tools/call",
            json!({"name":"get_profile"}),
            modern("tools/call", Some("wrong_tool_name")),
        ),
        (
            "tools/call",
            json!({"name":"get_profile"}),
            modern("tools/call", Some("=?base64?not base64?=")),
        ),
    ];
    for (method, mut params, headers) in cases {
        params["_meta"] = meta();
        let body = json!({"jsonrpc":"2.0","id":"h","method":method,"params":params});
        let r = shell.post(headers, body.to_string().as_bytes());
        assert_eq!(r.status, 400, "{headers:?}");
        let b = r.body.unwrap();
        assert_eq!(b["error"]["code"], code::HEADER_MISMATCH, "{headers:?}");
        assert_eq!(b["id"], "h");
    }
    assert_eq!(shell.graph.calls.get(), 0, "nothing was executed");
    // Accepted variations: whitespace around values, base64 names.
    let r = modern_call(
        &shell,
        json!(1),
        "tools/call",
        json!({"name":"get_profile"}),
        Some("  get_profile\t"),
    );
    assert_eq!(r.status, 200);
    let r = modern_call(
        &shell,
        json!(2),
        "tools/call",
        json!({"name":"get_profile"}),
        Some("=?base64?Z2V0X3Byb2ZpbGU=?="),
    );
    assert_eq!(r.status, 200);
    // An unknown tool in 2026 is still -32602 in-band.
    let r = modern_call(
        &shell,
        json!(3),
        "tools/call",
        json!({"name":"nope"}),
        Some("nope"),
    );
    assert_eq!(
        (r.status, r.body.unwrap()["error"]["code"].as_i64()),
        (200, Some(code::INVALID_PARAMS))
    );
}

#[test]
fn subscriptions_listen_acknowledges_then_closes() {
    let shell = Shell::new(FakeGraph::profile());
    let r = modern_call(
        &shell,
        json!(77),
        "subscriptions/listen",
        json!({"notifications":{"toolsListChanged":true}}),
        None,
    );
    assert_eq!(r.status, 200);
    let events = shell.sink.take();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["method"],
        "notifications/subscriptions/acknowledged"
    );
    assert_eq!(
        events[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        77
    );
    assert_eq!(
        events[0]["params"]["notifications"],
        json!({}),
        "we honor nothing"
    );
    let result = &r.body.unwrap()["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/subscriptionId"],
        77
    );
    let r = modern_call(&shell, json!(78), "subscriptions/listen", json!({}), None);
    assert_eq!(r.body.unwrap()["error"]["code"], code::INVALID_PARAMS);
    assert!(shell.sink.take().is_empty());
}

#[test]
fn stateless_notifications_and_responses() {
    let shell = Shell::new(FakeGraph::profile());
    let r = shell.post(
        modern("notifications/cancelled", None),
        br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#,
    );
    assert_eq!(r.status, 202);
    let r = shell.post(
        modern("x", None),
        br#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
    );
    assert_eq!(r.status, 400);
}

// === batches ===

#[test]
fn batches_only_for_2025_03_26() {
    let shell = Shell::new(FakeGraph::profile());
    let s = shell.open_session("2025-03-26");
    let batch = json!([
        {"jsonrpc":"2.0","id":"a","method":"ping"},
        {"jsonrpc":"2.0","method":"notifications/initialized"},
        {"jsonrpc":"2.0","id":2,"method":"tools/list"},
        {"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-03-26"}},
        {"jsonrpc":"2.0","id":4,"method":"nope"},
        42,
        {"jsonrpc":"2.0","method":"bad","params":"x"},
        {"jsonrpc":"2.0","id":"resp","result":{}}
    ]);
    let r = shell.post(session_headers(&s, None), batch.to_string().as_bytes());
    assert_eq!(r.status, 200);
    let responses = r.body.unwrap();
    let ids: Vec<Value> = responses
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![json!("a"), json!(2), json!(3), json!(4), Value::Null]
    );
    assert_eq!(
        responses[2]["error"]["code"],
        code::INVALID_REQUEST,
        "initialize cannot be batched"
    );
    assert_eq!(responses[3]["error"]["code"], code::METHOD_NOT_FOUND);
    assert_eq!(responses[4]["error"]["code"], code::INVALID_REQUEST);

    let only_notes = json!([{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":9,"result":{}}]);
    assert_eq!(
        shell
            .post(session_headers(&s, None), only_notes.to_string().as_bytes())
            .status,
        202
    );
    assert_eq!(shell.post(session_headers(&s, None), b"[]").status, 400);

    for version in ["2025-06-18", "2025-11-25", "2024-11-05"] {
        let other = shell.open_session(version);
        let r = shell.post(
            session_headers(&other, None),
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
        );
        assert_eq!(r.status, 400, "{version}");
    }
    let modern_batch =
        json!([{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":meta()}}]);
    let r = shell.post(
        modern("tools/list", None),
        modern_batch.to_string().as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.unwrap().get("id").is_none(),
        "2026-style: no id when none applies"
    );
}

// === ids, envelope errors, sizes ===

#[test]
fn ids_are_echoed_exactly() {
    let shell = Shell::new(FakeGraph::profile());
    let s = shell.open_session("2025-11-25");
    for id in [
        json!("1"),
        json!(1),
        json!(-7),
        json!(0),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("ü-😀"),
    ] {
        let r = shell.post(
            session_headers(&s, None),
            json!({"jsonrpc":"2.0","id":id,"method":"ping"})
                .to_string()
                .as_bytes(),
        );
        let body = r.body.unwrap();
        assert_eq!(body["id"], id);
        assert_eq!(body["id"].is_string(), id.is_string());
        let text = body.to_string();
        assert!(text.contains(&format!("\"id\":{id}")), "{text}");
    }
    let r = shell.post(
        session_headers(&s, None),
        br#"{"jsonrpc":"2.0","id":5,"method":"nope"}"#,
    );
    assert_eq!(r.body.unwrap()["id"], 5);
}

#[test]
fn envelope_errors_and_limits() {
    let shell = Shell::new(FakeGraph::profile());
    let s = shell.open_session("2025-11-25");
    let h = || session_headers(&s, None);
    let r = shell.post(h(), b"{not json");
    assert_eq!(r.status, 400);
    let body = r.body.unwrap();
    assert_eq!(
        (body["error"]["code"].as_i64(), &body["id"]),
        (Some(code::PARSE_ERROR), &Value::Null)
    );
    let r = shell.post(h(), br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#);
    assert_eq!(
        (r.status, r.body.unwrap()["error"]["code"].as_i64()),
        (400, Some(code::INVALID_REQUEST))
    );
    let r = shell.post(h(), br#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#);
    assert_eq!(r.status, 400);
    let r = shell.post(h(), br#"{"jsonrpc":"2.0","id":1}"#);
    assert_eq!(
        r.body.unwrap()["id"],
        1,
        "a readable id is echoed even on invalid requests"
    );
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":"{}"}}}}"#,
        "a".repeat(jsonrpc::MAX_BODY_BYTES)
    );
    let r = shell.post(h(), huge.as_bytes());
    assert_eq!(r.status, 413);
    assert!(r.body.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("16777216-byte limit"));
    // The server keeps serving.
    let r = shell.post(h(), br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#);
    assert_eq!(r.body.unwrap()["result"], json!({}));
}

// === SSE resumption with real dispatcher output ===

#[test]
fn dropped_stream_resumes_with_missed_events_exactly_once() {
    struct StreamSink<'a> {
        state: &'a RefCell<SessionState>,
        stream: String,
        wire: RefCell<Vec<String>>,
    }
    impl EventSink for StreamSink<'_> {
        fn send(&self, message: Value) {
            let id = self
                .state
                .borrow_mut()
                .record_event(&self.stream, message.clone());
            self.wire.borrow_mut().push(m365_core::mcp::sse::message(
                Some(id.as_str()),
                &message,
                false,
            ));
        }
    }

    let state = RefCell::new(SessionState::new([5; 32], user(), "c", 0));
    state
        .borrow_mut()
        .set_client(ProtocolVersion::V2025_11_25, json!({}), json!({}));
    let stream = state.borrow_mut().open_stream();
    let prime = state.borrow_mut().prime_stream(&stream).unwrap();
    let other = state.borrow_mut().open_stream();
    state
        .borrow_mut()
        .record_event(&other, json!({"jsonrpc":"2.0","method":"elsewhere"}));

    let graph = FakeGraph::profile();
    let server = server();
    let sink = StreamSink {
        state: &state,
        stream: stream.clone(),
        wire: RefCell::new(Vec::new()),
    };
    let ctx = RequestContext::new(ProtocolVersion::V2025_11_25, &graph, BASE).with_session(&state);
    let req = Request {
        id: json!(10),
        method: "tools/call".into(),
        params: Some(json!({"name":"get_profile","_meta":{"progressToken":"t"}})),
    };
    let response = block_on(server.respond(&ctx, &req, &sink)).unwrap();
    sink.send(response.clone());
    let wire = sink.wire.borrow().clone();
    assert_eq!(wire.len(), 3, "progress, progress, response");

    // The client saw only the first event before the connection dropped.
    let last_seen = wire[0]
        .lines()
        .next()
        .unwrap()
        .strip_prefix("id: ")
        .unwrap()
        .to_owned();
    let replay = state.borrow().events_after(&last_seen).unwrap();
    assert_eq!(replay.len(), 2);
    assert_eq!(replay[0].1["params"]["progress"], 1.0);
    assert_eq!(replay[1].1, response);
    assert!(replay.iter().all(|(_, m)| m["method"] != "elsewhere"));
    // From the priming event: all three; from the last: nothing more.
    assert_eq!(
        state.borrow().events_after(prime.as_str()).unwrap().len(),
        3
    );
    let last = replay[1].0.as_str().to_owned();
    assert!(state.borrow().events_after(&last).unwrap().is_empty());
    // The session (with its buffer) survives persistence.
    let saved = serde_json::to_string(&*state.borrow()).unwrap();
    let restored: SessionState = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored.events_after(&last_seen).unwrap(), replay);
}

// === no panic on hostile input ===

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    let leaf = depth == 0;
    match rng.below(if leaf { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!((rng.next() as f64) / 7.0),
        4 => json!(rng
            .pick(&[
                "",
                "x",
                "get_profile",
                "2026-07-28",
                "2025-03-26",
                "debug",
                "=?base64?x?=",
                "é\n\u{0}"
            ])
            .to_string()),
        5 => json!(u64::MAX),
        6 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "name",
                "arguments",
                "cursor",
                "level",
                "_meta",
                "protocolVersion",
                "notifications",
                "requestId",
                "progressToken",
                "io.modelcontextprotocol/protocolVersion",
                "io.modelcontextprotocol/clientCapabilities",
                "io.modelcontextprotocol/logLevel",
            ];
            let mut m = serde_json::Map::new();
            for _ in 0..rng.below(5) {
                m.insert(rng.pick(&keys).to_string(), random_value(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

#[test]
fn hostile_inputs_never_panic() {
    let graph = FakeGraph::new(|req| {
        let status = [200u16, 200, 403, 404, 429, 500][req.url.len() % 6];
        Ok(HttpResponse {
            status,
            headers: vec![],
            body: b"{\"responses\":[{\"id\":\"me\",\"status\":200,\"body\":{}}]}".to_vec(),
        })
    });
    let shell = Shell::new(graph);
    let legacy = shell.open_session("2025-03-26");
    let methods = [
        "initialize",
        "ping",
        "tools/list",
        "tools/call",
        "logging/setLevel",
        "server/discover",
        "subscriptions/listen",
        "notifications/cancelled",
        "notifications/initialized",
        "resources/read",
        "",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // Random bytes.
    for _ in 0..500 {
        let len = rng.below(200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = shell.post(session_headers(&legacy, None), &bytes);
        let _ = shell.post(modern("tools/call", Some("get_profile")), &bytes);
    }
    // Structurally plausible messages with random parts, against every route.
    for i in 0..3000 {
        let mut msg = serde_json::Map::new();
        if rng.below(10) > 0 {
            msg.insert("jsonrpc".into(), json!("2.0"));
        }
        if rng.below(3) > 0 {
            msg.insert(
                "id".into(),
                if rng.below(2) == 0 {
                    json!(i)
                } else {
                    random_value(&mut rng, 1)
                },
            );
        }
        msg.insert("method".into(), json!(rng.pick(&methods)));
        let mut params = random_value(&mut rng, 3);
        if rng.below(2) == 0 {
            if let Some(p) = params.as_object_mut() {
                p.insert(
                    "_meta".into(),
                    if rng.below(2) == 0 {
                        meta()
                    } else {
                        random_value(&mut rng, 2)
                    },
                );
            }
        }
        msg.insert("params".into(), params);
        let body = if rng.below(8) == 0 {
            Value::Array(vec![Value::Object(msg.clone()), Value::Object(msg)])
        } else {
            Value::Object(msg)
        };
        let bytes = body.to_string();
        let method = *rng.pick(&methods);
        let name = *rng.pick(&["get_profile", "", "=?base64?Z2V0X3Byb2ZpbGU=?=", "x"]);
        let headers = match rng.below(4) {
            0 => McpHeaders::default(),
            1 => session_headers(
                &legacy,
                Some(*rng.pick(&["2025-03-26", "2025-11-25", "2026-07-28", "junk"])),
            ),
            _ => McpHeaders {
                name: Some(name),
                ..modern(method, None)
            },
        };
        let r = shell.post(headers, bytes.as_bytes());
        assert!(
            matches!(r.status, 200 | 202 | 400 | 404 | 413),
            "{} for {bytes}",
            r.status
        );
        if let Some(body) = &r.body {
            assert!(body.is_object() || body.is_array());
        }
    }
    // Deep nesting and huge numbers.
    for body in [
        format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("{}{}", "{\"a\":".repeat(5000), "}".repeat(5000)),
        r#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":99999999999999999999999999,"method":"ping"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_profile","arguments":{"a":1e308}}}"#.to_owned(),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{"cursor":"{}"}}}}"#, "A".repeat(100_000)),
    ] {
        let r = shell.post(session_headers(&legacy, None), body.as_bytes());
        assert!(matches!(r.status, 200 | 400), "{}", r.status);
    }
    // Still serving.
    let r = shell.post(
        session_headers(&legacy, None),
        br#"{"jsonrpc":"2.0","id":"ok","method":"ping"}"#,
    );
    assert_eq!(r.body.unwrap()["result"], json!({}));
}
