//! What a tool call runs with in the worker: Graph requests and the user's store both go
//! through the user's `UserState` Durable Object, one instance per user. So the Microsoft token
//! never leaves that object, and every Graph request of the user, from any session or stateless
//! request, passes one in-memory concurrency limiter (at most 4 in flight per mailbox,
//! `core::graph::policy`). Retries (Retry-After, backoff) run here in the caller, so a waiting
//! retry holds no permit.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use futures_util::future::LocalBoxFuture;
use m365_core::graph::{GraphClient, HttpRequest, HttpResponse, TransportError};
use m365_core::mcp::deployment::Deployment;
use m365_core::mcp::tool::ToolEnv;
use m365_core::oauth::tokens::UserKey;
use m365_core::store::{StoreError, StoreOp, StoreReply, UserStore};
use serde::{Deserialize, Serialize};
use worker::Env;

use crate::durable::rpc::{self, Reply};

/// The deployment's tool configuration from worker variables. Invalid values are reported by
/// `Settings::load` (500 "server misconfigured"); here they fall back to the defaults.
pub(crate) fn deployment(env: &Env) -> Deployment {
    Deployment::from_vars(|k| env.var(k).ok().map(|v| v.to_string())).unwrap_or_default()
}

/// An HTTP request as it crosses into the Durable Object.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Base64.
    pub body: Option<String>,
}

/// An HTTP response as it comes back from the Durable Object.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Base64.
    pub body: String,
}

/// `/internal/graph`: one Graph request for the user.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct GraphCall {
    /// The public origin (the object reads its configuration for it).
    pub origin: String,
    pub graph_base_url: String,
    pub request: WireRequest,
}

impl WireRequest {
    pub(crate) fn from_http(r: &HttpRequest) -> Self {
        Self {
            method: r.method.to_owned(),
            url: r.url.clone(),
            headers: r.headers.clone(),
            body: r.body.as_ref().map(|b| STANDARD.encode(b)),
        }
    }

    pub(crate) fn into_http(self) -> Result<HttpRequest, String> {
        let method = match self.method.as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "PATCH" => "PATCH",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            other => return Err(format!("method {other} is not allowed")),
        };
        let body = match self.body {
            Some(b) => Some(STANDARD.decode(b).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok(HttpRequest {
            method,
            url: self.url,
            headers: self.headers,
            body,
        })
    }
}

impl WireResponse {
    pub(crate) fn from_http(r: &HttpResponse) -> Self {
        Self {
            status: r.status,
            headers: r.headers.clone(),
            body: STANDARD.encode(&r.body),
        }
    }
}

/// Graph through the user's object.
pub(crate) struct UserGraph {
    env: Env,
    object: String,
    origin: String,
    graph_base_url: String,
}

impl GraphClient for UserGraph {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let call = GraphCall {
                origin: self.origin.clone(),
                graph_base_url: self.graph_base_url.clone(),
                request: WireRequest::from_http(&request),
            };
            let err = |e: String| TransportError::new(e);
            match rpc::call::<_, WireResponse>(
                &self.env,
                "USER_STATE",
                &self.object,
                "/internal/graph",
                &call,
            )
            .await
            .map_err(|e| err(e.to_string()))?
            {
                Reply::Ok(w) => Ok(HttpResponse {
                    status: w.status,
                    headers: w.headers,
                    body: STANDARD.decode(w.body).map_err(|e| err(e.to_string()))?,
                }),
                // The object could not send: the sign-in is gone (401) or Graph unreachable.
                Reply::Status(401, _) => Ok(HttpResponse {
                    status: 401,
                    headers: vec![],
                    body: br#"{"error":{"code":"InvalidAuthenticationToken","message":"The Microsoft sign-in has expired or was revoked."}}"#.to_vec(),
                }),
                Reply::Status(status, body) => Err(err(format!("user object answered {status}: {body}"))),
            }
        })
    }
}

/// The user's store in their object.
pub(crate) struct UserObjectStore {
    env: Env,
    object: String,
}

impl UserStore for UserObjectStore {
    fn run(&self, op: StoreOp) -> LocalBoxFuture<'_, Result<StoreReply, StoreError>> {
        Box::pin(async move {
            match rpc::call::<_, StoreReply>(
                &self.env,
                "USER_STATE",
                &self.object,
                "/internal/store",
                &op,
            )
            .await
            {
                Ok(Reply::Ok(v)) => Ok(v),
                Ok(Reply::Status(s, b)) => Err(StoreError(format!("{s}: {b}"))),
                Err(e) => Err(StoreError(e.to_string())),
            }
        })
    }
}

/// Everything one MCP request's tool calls use; owned, so it can move into a spawned task.
pub(crate) struct UserTools {
    pub deployment: Deployment,
    pub graph: Box<dyn GraphClient>,
    pub store: UserObjectStore,
    pub scopes: Vec<String>,
}

impl UserTools {
    /// `authorized`: a Microsoft token was confirmed for this request (only requests that call a
    /// tool fetch one); otherwise Graph calls are refused.
    pub(crate) fn new(
        env: &Env,
        user: &UserKey,
        origin: &str,
        graph_base_url: &str,
        scopes: Vec<String>,
        authorized: bool,
    ) -> Self {
        let object = crate::durable::user_state::name(user);
        let graph: Box<dyn GraphClient> = if authorized {
            Box::new(m365_core::graph::policy::RetryingClient::new(
                UserGraph {
                    env: env.clone(),
                    object: object.clone(),
                    origin: origin.to_owned(),
                    graph_base_url: graph_base_url.to_owned(),
                },
                crate::graph_client::DelaySleeper,
                crate::graph_client::RandomJitter,
            ))
        } else {
            Box::new(crate::graph_client::NoGraph)
        };
        Self {
            deployment: deployment(env),
            graph,
            store: UserObjectStore {
                env: env.clone(),
                object,
            },
            scopes,
        }
    }

    pub(crate) fn env(&self) -> ToolEnv<'_> {
        ToolEnv {
            deployment: &self.deployment,
            store: Some(&self.store),
            now_secs: worker::Date::now().as_millis() / 1000,
            granted_scopes: &self.scopes,
        }
    }
}
