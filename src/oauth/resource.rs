//! The resource-server side: every MCP request carries a bearer token we issued for that MCP
//! resource (RFC 6750, RFC 8707 audience), checked in the user's Durable Object; otherwise 401
//! with a `WWW-Authenticate` challenge that leads the client to our metadata (RFC 9728 §5.1).
//! And the other direction: the user's Microsoft access token from the vault, refreshed there
//! with a single upstream call. The client's token never goes to Graph and Graph's token never
//! goes to the client.

use m365_core::oauth::{
    bearer,
    tokens::{self, TokenKind, UserKey},
};
use serde::{Deserialize, Serialize};
use worker::{Env, Headers, Request, Response, Result};

use super::Settings;
use crate::durable::rpc::{self, Reply};

/// Who an access token speaks for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Caller {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AuthenticateCall {
    pub access_token: String,
    pub resource: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct GraphTokenCall {
    /// This server's public origin (the Durable Object builds the Entra configuration from it).
    pub origin: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct GraphToken {
    pub access_token: String,
}

/// The 401 every unauthenticated MCP request gets.
fn challenge(settings: &Settings, mcp_path: &str, error: Option<&str>) -> Result<Response> {
    let scope = settings.default_scopes.join(" ");
    let value = bearer::unauthorized(
        &settings.server.resource_metadata_url(mcp_path),
        Some(&scope),
        error.map(|d| ("invalid_token", d)),
    );
    let headers = Headers::new();
    headers.set("www-authenticate", &value)?;
    headers.set("content-type", "application/json")?;
    let body = serde_json::json!({
        "error": if error.is_some() { "invalid_token" } else { "unauthorized" },
        "error_description": error.unwrap_or("This endpoint needs an access token; see the WWW-Authenticate header."),
    });
    Ok(Response::ok(body.to_string())?
        .with_status(401)
        .with_headers(headers))
}

/// Authenticate a request to the MCP endpoint at `mcp_path`: the caller, or the 401 to send.
pub(crate) async fn authenticate(
    req: &Request,
    env: &Env,
    settings: &Settings,
    mcp_path: &str,
) -> Result<std::result::Result<(UserKey, Caller), Response>> {
    let header = req.headers().get("authorization")?;
    let token = match bearer::parse_bearer(header.as_deref()) {
        Ok(Some(t)) => t.to_string(),
        Ok(None) => return Ok(Err(challenge(settings, mcp_path, None)?)),
        Err(e) => return Ok(Err(challenge(settings, mcp_path, Some(e.description()))?)),
    };
    let Some(parsed) = tokens::parse_kind(&token, TokenKind::Access) else {
        return Ok(Err(challenge(
            settings,
            mcp_path,
            Some("The access token is not one this server issued."),
        )?));
    };
    let call = AuthenticateCall {
        access_token: token,
        resource: settings.server.resource(mcp_path),
    };
    let name = crate::durable::user_state::name(&parsed.user_key);
    match rpc::call::<_, Caller>(env, "USER_STATE", &name, "/internal/authenticate", &call).await? {
        Reply::Ok(caller) => Ok(Ok((parsed.user_key, caller))),
        Reply::Status(_, body) => {
            let description = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error_description"].as_str().map(str::to_string))
                .unwrap_or_else(|| "The access token is not valid.".into());
            Ok(Err(challenge(settings, mcp_path, Some(&description))?))
        }
    }
}

/// The user's Microsoft Graph access token, or the response to send: 401 `invalid_token` when
/// the Microsoft sign-in must be repeated (the client re-authorizes), 503 when Microsoft is
/// temporarily unavailable.
pub(crate) async fn graph_token(
    env: &Env,
    settings: &Settings,
    user: &UserKey,
    mcp_path: &str,
) -> Result<std::result::Result<String, Response>> {
    let call = GraphTokenCall {
        origin: settings.server.public_origin.clone(),
    };
    let name = crate::durable::user_state::name(user);
    match rpc::call::<_, GraphToken>(env, "USER_STATE", &name, "/internal/graph-token", &call)
        .await?
    {
        Reply::Ok(t) => Ok(Ok(t.access_token)),
        Reply::Status(401, _) => Ok(Err(challenge(
            settings,
            mcp_path,
            Some("The Microsoft sign-in has expired or was revoked; authorize again."),
        )?)),
        Reply::Status(status, body) => Ok(Err(Response::ok(body)?.with_status(if status >= 500 {
            status
        } else {
            503
        }))),
    }
}

/// `GET /__test/graph-me` (test routes only): the resource-server path end to end.
pub(crate) async fn test_graph_me(req: &Request, env: &Env) -> Result<Response> {
    let settings = match Settings::load(req, env) {
        Ok(s) => s,
        Err(e) => return Response::error(e, 500),
    };
    let (user, caller) = match authenticate(req, env, &settings, "/mcp").await? {
        Ok(x) => x,
        Err(resp) => return Ok(resp),
    };
    let token = match graph_token(env, &settings, &user, "/mcp").await? {
        Ok(t) => t,
        Err(resp) => return Ok(resp),
    };
    let base = env
        .var("GRAPH_BASE_URL")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let headers = Headers::new();
    headers.set("authorization", &format!("Bearer {token}"))?;
    let mut init = worker::RequestInit::new();
    init.with_headers(headers);
    let graph_req = Request::new_with_init(
        &format!("{base}/me?$select=displayName,userPrincipalName"),
        &init,
    )?;
    let mut resp = worker::Fetch::Request(graph_req).send().await?;
    let me: serde_json::Value = resp.json().await?;
    Response::from_json(&serde_json::json!({
        "client_id": caller.client_id,
        "scopes": caller.scopes,
        "graph_status": resp.status_code(),
        "me": me,
    }))
}
