//! The OAuth endpoints' I/O: reading requests, KV and Durable Object storage, the fetch to
//! Microsoft Entra, cookies and responses. Every decision is made in `m365_core::oauth`,
//! `m365_core::entra` and `m365_core::vault`; this module only carries values between them.

pub(crate) mod authorize;
pub(crate) mod callback;
pub(crate) mod clients;
mod register;
pub(crate) mod resource;
pub(crate) mod token;
mod well_known;

pub(crate) use authorize::{authorize, consent};
pub(crate) use callback::callback;
pub(crate) use register::register;
pub(crate) use resource::test_graph_me;
pub(crate) use token::{revoke, token};
pub(crate) use well_known::well_known;

use m365_core::{
    entra::{ClientSecret, EntraConfig},
    oauth::{consent as consent_page, error::OAuthError, metadata::ServerConfig},
    vault::VaultKey,
};
use worker::{Env, Headers, Request, Response, Result};

/// Lifetime of a pending authorization (consent + Microsoft sign-in), seconds.
pub(crate) const PENDING_TTL_SECONDS: u64 = 600;

/// Everything the endpoints need from configuration, read once per request.
pub(crate) struct Settings {
    pub server: ServerConfig,
    pub entra: EntraConfig,
    pub vault_key: VaultKey,
    /// Key for CSRF tokens and signed cookies, derived from the vault key (key separation).
    pub mac_key: [u8; 32],
    /// The Microsoft Graph delegated permissions the registered tools need (our OAuth scope
    /// names are these permission names, so a client asking for a scope is asking for that
    /// Microsoft permission). `GRAPH_SCOPES` overrides them (space-separated).
    pub default_scopes: Vec<String>,
    /// Tool preset, send policy and limits (`TOOL_PRESET`, `SEND_POLICY`, …).
    pub deployment: m365_core::mcp::deployment::Deployment,
    /// Whether the public origin is https or loopback (where `__Host-` cookies work).
    pub secure_cookies: bool,
    /// CIMD documents on loopback are allowed only when this server itself runs on loopback.
    pub loopback_origin: bool,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty())
        .or_else(|| {
            env.secret(name)
                .ok()
                .map(|v| v.to_string())
                .filter(|v| !v.is_empty())
        })
}

impl Settings {
    /// Read configuration. The public origin is `PUBLIC_URL` when set, else the request's own
    /// origin (what clients derive the issuer from).
    pub(crate) fn load(req: &Request, env: &Env) -> std::result::Result<Self, String> {
        let url = req.url().map_err(|e| e.to_string())?;
        let origin = var(env, "PUBLIC_URL").unwrap_or_else(|| url.origin().ascii_serialization());
        Self::for_origin(env, &origin)
    }

    /// Configuration for a known public origin (inside a Durable Object, which sees no client
    /// request).
    pub(crate) fn for_origin(env: &Env, origin: &str) -> std::result::Result<Self, String> {
        let origin = origin.trim_end_matches('/').to_string();
        let host = worker::Url::parse(&origin)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let loopback_origin =
            consent_page::is_loopback_host(&host) && var(env, "PUBLIC_URL").is_none();
        let secret =
            var(env, "ENTRA_CLIENT_SECRET").ok_or("secret ENTRA_CLIENT_SECRET is not set")?;
        let key =
            var(env, "TOKEN_ENCRYPTION_KEY").ok_or("secret TOKEN_ENCRYPTION_KEY is not set")?;
        let vault_key =
            VaultKey::from_base64(&key).map_err(|e| format!("TOKEN_ENCRYPTION_KEY: {e}"))?;
        let mac_key = *vault_key.derive("oauth-mac").as_bytes();
        let deployment = m365_core::mcp::deployment::Deployment::from_vars(|k| var(env, k))?;
        // What the registered tools need; the `.Shared` permissions only on demand (a step-up
        // when a call names a shared mailbox), since personal accounts do not support them.
        let needed = m365_core::mcp::tool::ToolRegistry::for_deployment(&deployment).scopes();
        let (on_demand, wanted): (Vec<&str>, Vec<&str>) = needed
            .into_iter()
            .partition(|s| m365_core::mcp::tool::is_on_demand_scope(s));
        let default_scopes: Vec<String> = match var(env, "GRAPH_SCOPES") {
            Some(s) => s.split_whitespace().map(str::to_string).collect(),
            None => wanted.into_iter().map(str::to_string).collect(),
        };
        let on_demand_scopes: Vec<String> = on_demand
            .into_iter()
            .filter(|s| !default_scopes.iter().any(|d| d.eq_ignore_ascii_case(s)))
            .map(str::to_string)
            .collect();
        Ok(Self {
            server: ServerConfig {
                public_origin: origin.clone(),
                mcp_paths: vec!["/mcp".into(), "/sse".into()],
                scopes_supported: default_scopes.clone(),
                on_demand_scopes,
            },
            entra: EntraConfig {
                authority: var(env, "ENTRA_AUTHORITY")
                    .unwrap_or_else(|| "https://login.microsoftonline.com".into()),
                tenant: var(env, "ENTRA_TENANT").unwrap_or_else(|| "common".into()),
                client_id: var(env, "ENTRA_CLIENT_ID").ok_or("ENTRA_CLIENT_ID is not set")?,
                client_secret: ClientSecret::new(secret),
                redirect_uri: format!("{origin}/callback"),
            },
            vault_key,
            mac_key,
            default_scopes,
            deployment,
            secure_cookies: consent_page::is_secure_origin(&origin),
            loopback_origin,
        })
    }
}

// === Small shared helpers ===

pub(crate) fn now_secs() -> u64 {
    worker::Date::now().as_millis() / 1000
}

pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // Workers always has crypto.getRandomValues; a failure here is not recoverable anyway.
    let _ = getrandom::fill(&mut b);
    b
}

pub(crate) fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A JSON response with the no-store headers every OAuth response needs (RFC 6749 §5.1).
pub(crate) fn json_response(status: u16, body: String) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "no-store")?;
    headers.set("pragma", "no-cache")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

pub(crate) fn oauth_error(e: &OAuthError) -> Result<Response> {
    json_response(e.http_status(), e.to_json())
}

/// An HTML page with the consent page's security headers (CSP, no framing, no caching).
pub(crate) fn html_response(status: u16, html: String, cookies: &[String]) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    for (k, v) in consent_page::security_headers() {
        headers.set(k, &v)?;
    }
    for c in cookies {
        headers.append("set-cookie", c)?;
    }
    Ok(Response::ok(html)?
        .with_status(status)
        .with_headers(headers))
}

pub(crate) fn error_page(status: u16, title: &str, e: &OAuthError) -> Result<Response> {
    html_response(
        status,
        consent_page::render_error_page(title, e.description()),
        &[],
    )
}

/// 302 to `location`, with extra `Set-Cookie` headers.
pub(crate) fn redirect(location: &str, cookies: &[String]) -> Result<Response> {
    let headers = Headers::new();
    headers.set("location", location)?;
    headers.set("cache-control", "no-store")?;
    for c in cookies {
        headers.append("set-cookie", c)?;
    }
    Ok(Response::empty()?.with_status(302).with_headers(headers))
}

/// `redirect_uri` with parameters added to its query (it may already have one; RFC 6749 §3.1.2).
pub(crate) fn with_query(redirect_uri: &str, params: &[(String, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{sep}{}", ser.finish())
}

/// The value of cookie `name` in the request.
pub(crate) fn cookie(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}
