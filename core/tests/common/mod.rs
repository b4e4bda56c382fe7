//! Runs tools natively against the sandbox in-process: the tool's Graph requests go through
//! `m365_sandbox::app` (routing, OData rules, the request log, faults) with a minted token, so
//! a tool test checks both what the tool answers and the Graph calls it made.
#![allow(dead_code)]

use std::cell::RefCell;
use std::sync::Arc;

use axum::body::Body;
use http_body_util::BodyExt;
use m365_core::graph::{GraphClient, HttpRequest, HttpResponse, LocalBoxFuture, TransportError};
use m365_core::mcp::deployment::Deployment;
use m365_core::mcp::server::NullSink;
use m365_core::mcp::tool::{ToolContext, ToolEnv, ToolRegistry};
use m365_core::store::MemoryStore;
use m365_sandbox::admin::RecordedRequest;
use m365_sandbox::{entra, seed, Sandbox};
use serde_json::Value;
use tower::ServiceExt;

#[allow(unused_imports)]
pub use serde_json::json;

pub const BASE: &str = "http://sandbox.test/v1.0";

/// Scopes a `full` deployment signs in with (every permission the tools can need).
pub const ALL_SCOPES: &[&str] = &[
    "User.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Mail.ReadWrite.Shared",
    "Mail.Send.Shared",
    "MailboxSettings.ReadWrite",
    "Calendars.ReadWrite",
    "Calendars.ReadWrite.Shared",
    "Contacts.ReadWrite",
    "People.Read",
    "User.ReadBasic.All",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "ChannelMessage.Read.All",
    "ChannelMessage.Send",
    "Chat.ReadWrite",
    "ChatMessage.Send",
    "OnlineMeetings.ReadWrite",
];

pub fn anchor() -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("anchor")
}

/// A Graph client that calls the sandbox app in-process with `token`.
pub struct SandboxGraph {
    pub sb: Arc<Sandbox>,
    pub token: RefCell<String>,
}

impl GraphClient for SandboxGraph {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        let token = self.token.borrow().clone();
        let sb = self.sb.clone();
        Box::pin(async move {
            let uri = request
                .url
                .strip_prefix("http://sandbox.test")
                .ok_or_else(|| TransportError::new(format!("not the sandbox: {}", request.url)))?
                .to_owned();
            let mut b = axum::http::Request::builder()
                .method(request.method)
                .uri(uri);
            // Like the shell, the token goes only to Graph itself: an upload session's
            // pre-authenticated URL (`/upload/…`) must not receive it.
            if request.url.starts_with(BASE) {
                b = b.header("authorization", format!("Bearer {token}"));
            }
            for (k, v) in &request.headers {
                b = b.header(k.as_str(), v.as_str());
            }
            let req = b
                .body(Body::from(request.body.clone().unwrap_or_default()))
                .map_err(|e| TransportError::new(e.to_string()))?;
            let resp = m365_sandbox::app(sb)
                .oneshot(req)
                .await
                .map_err(|e| TransportError::new(e.to_string()))?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                .collect();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| TransportError::new(e.to_string()))?
                .to_bytes()
                .to_vec();
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

/// A tool call's result as a client sees it.
#[derive(Debug, Clone)]
pub struct Called {
    pub text: String,
    pub structured: Value,
    pub is_error: bool,
}

impl Called {
    /// Panics with the text when the call failed.
    pub fn ok(self) -> Self {
        assert!(!self.is_error, "tool failed: {}", self.text);
        self
    }

    /// Panics when the call succeeded.
    pub fn err(self) -> Self {
        assert!(self.is_error, "tool should have failed: {}", self.text);
        self
    }
}

/// The seeded sandbox, one user's store and a deployment.
pub struct Harness {
    pub sb: Arc<Sandbox>,
    pub graph: SandboxGraph,
    pub store: MemoryStore,
    pub deployment: Deployment,
    pub now_secs: u64,
    /// The scopes the token was minted with (what `get_profile` reports as granted).
    pub granted: Vec<String>,
}

impl Harness {
    /// Adele, every scope, the `full` preset with `direct` sending.
    pub fn new() -> Self {
        let deployment = Deployment::from_vars(|k| match k {
            "TOOL_PRESET" => Some("full".into()),
            "SEND_POLICY" => Some("direct".into()),
            "ADMIN_CONSENTED" => Some("true".into()),
            _ => None,
        })
        .expect("deployment");
        Self::with(seed::ADELE_ID, ALL_SCOPES, deployment)
    }

    pub fn with(user: &str, scopes: &[&str], deployment: Deployment) -> Self {
        let sb = Arc::new(Sandbox::new("http://sandbox.test".to_string(), anchor()));
        let token = entra::mint_access_token(&sb, user, scopes, entra::GRAPH_RESOURCE);
        Self {
            graph: SandboxGraph {
                sb: sb.clone(),
                token: RefCell::new(token),
            },
            sb,
            store: MemoryStore::new(),
            deployment,
            now_secs: anchor().timestamp() as u64,
            granted: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Signs in as another user (same sandbox, same store).
    pub fn become_user(&self, user: &str, scopes: &[&str]) {
        *self.graph.token.borrow_mut() =
            entra::mint_access_token(&self.sb, user, scopes, entra::GRAPH_RESOURCE);
    }

    pub fn registry(&self) -> ToolRegistry {
        ToolRegistry::for_deployment(&self.deployment)
    }

    /// Calls tool `name` as `tools/call` would: validate against the input schema, then run.
    pub async fn call(&self, name: &str, args: Value) -> Called {
        let registry = self.registry();
        let tool = registry
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not registered in this deployment"));
        if let Err(e) = m365_core::mcp::schema::validate(&tool.input_schema(), &args) {
            return Called {
                text: format!("Invalid arguments: {e}"),
                structured: Value::Null,
                is_error: true,
            };
        }
        let sink = NullSink;
        let env = ToolEnv {
            deployment: &self.deployment,
            store: Some(&self.store),
            now_secs: self.now_secs,
            granted_scopes: &self.granted,
        };
        let cx = ToolContext::new(&self.graph, BASE, &sink)
            .with_scopes(tool.scopes())
            .with_env(env);
        match tool.call(&args, &cx).await {
            Ok(out) => {
                let structured = out.structured.unwrap_or(Value::Null);
                if let Some(schema) = tool.output_schema() {
                    if let Err(e) = m365_core::mcp::schema::validate(&schema, &structured) {
                        panic!("{name}: structuredContent does not match outputSchema: {e}\n{structured}");
                    }
                }
                Called {
                    text: out.text,
                    structured,
                    is_error: false,
                }
            }
            Err(e) => Called {
                text: e.message,
                structured: Value::Null,
                is_error: true,
            },
        }
    }

    /// The sandbox's request log from `since` (a `seq`; 0 for all).
    pub fn requests(&self, since: u64) -> Vec<RecordedRequest> {
        self.sb.controls.requests_since(since)
    }

    /// The last logged request's `seq` (0 before any), to pass to [`Harness::requests`] after a
    /// call: it returns the requests after this one.
    pub fn mark(&self) -> u64 {
        self.requests(0).iter().map(|r| r.seq).max().unwrap_or(0)
    }

    /// A Graph GET straight to the sandbox (to check effects), as the current user.
    pub async fn graph_get(&self, path: &str) -> (u16, Value) {
        let req = HttpRequest {
            method: "GET",
            url: format!("{BASE}{path}"),
            headers: vec![("Prefer".into(), "IdType=\"ImmutableId\"".into())],
            body: None,
        };
        let resp = self.graph.send(req).await.expect("sandbox");
        let v = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        (resp.status, v)
    }
}

/// Asserts every recorded Graph request carries the immutable-id preference and, for GETs of
/// collections or items, a `$select`.
pub fn assert_graph_hygiene(requests: &[RecordedRequest]) {
    for r in requests {
        if r.path.starts_with("/_admin") || r.path.starts_with("/upload/") {
            continue;
        }
        let prefer = r.headers.get("prefer").cloned().unwrap_or_default();
        assert!(
            prefer.contains("IdType=\"ImmutableId\""),
            "{} {} lacks the immutable-id preference: {prefer:?}",
            r.method,
            r.path
        );
        if let Some(q) = &r.query {
            assert!(
                !(q.contains("$search") && (q.contains("$filter") || q.contains("$orderby"))),
                "$search combined with $filter/$orderby: {q}"
            );
        }
    }
}
