//! Discovery documents: RFC 8414 authorization server metadata (also served at the OpenID
//! configuration locations clients fall back to), RFC 9728 protected resource metadata for
//! each MCP endpoint, the router that maps a `/.well-known/…` path to the document to serve,
//! and the RFC 8707 canonical form of a `resource` value.
//!
//! The worker is both the MCP resource server and its authorization server, on one origin, with
//! the endpoints at the literal root paths `/authorize`, `/token`, `/register` and `/revoke`
//! (interop checklist: claude.ai falls back to exactly those paths without metadata, and only
//! uses the first `authorization_servers` entry).
//!
//! # Locations served ([`well_known`])
//!
//! For every MCP path `P` in [`ServerConfig::mcp_paths`] (e.g. `/mcp`, `/sse`):
//!
//! | path | document |
//! |---|---|
//! | `/.well-known/oauth-protected-resource/P` | RFC 9728 §3.1 path-inserted PRM, `resource` = origin + `P` |
//! | `/.well-known/oauth-protected-resource` | PRM of the first MCP path (root fallback clients try second) |
//! | `/.well-known/oauth-authorization-server` | RFC 8414 §3.1 AS metadata (issuer has no path) |
//! | `/.well-known/oauth-authorization-server/P` | the same document: ChatGPT and clients that take the MCP URL for the issuer ask here |
//! | `/.well-known/openid-configuration`, `/.well-known/openid-configuration/P`, `P/.well-known/openid-configuration` | the same document (OIDC Discovery §4 locations, path-inserted and path-appended) |
//!
//! A trailing slash is ignored. In every variant `issuer` stays the origin, because that is the
//! issuer: a client that derived a different issuer from the URL must not be told otherwise
//! (RFC 8414 §3.3 issuer check; RFC 9207).
//!
//! # Authorization server metadata ([`authorization_server_metadata`])
//!
//! Everything advertised is implemented: the code flow with PKCE S256 only, `query` response
//! mode, `authorization_code` and `refresh_token` grants, client authentication `none`,
//! `client_secret_basic` and `client_secret_post` at the token and revocation endpoints,
//! dynamic registration, client ID metadata documents, and RFC 9207 `iss` on every
//! authorization response. There is no `jwks_uri`, introspection or userinfo.
//!
//! # The OpenID configuration variant
//!
//! OIDC Discovery 1.0 §3 makes `jwks_uri`, `subject_types_supported` and
//! `id_token_signing_alg_values_supported` (which must include `RS256`) REQUIRED for an OpenID
//! Provider. We are not one: we issue no ID tokens, sign nothing and have no keys, so those
//! members could only be invented. **We serve the plain RFC 8414 document there instead and
//! leave them out**, as RFC 8414 §2 allows an OAuth-only server (`jwks_uri` OPTIONAL) and as
//! MCP clients use this location only as authorization server metadata (MCP authorization
//! §Authorization Server Metadata Discovery; the conformance suite checks only the OAuth
//! members there). A strict OIDC parser (the TypeScript SDK's
//! `OpenIdProviderDiscoveryMetadataSchema`) would reject it, but clients try
//! `/.well-known/oauth-authorization-server` first for a path-less issuer and stop at the
//! first 200, so they never get there.
//!
//! # Protected resource metadata ([`protected_resource_metadata`])
//!
//! `resource` is the MCP URL exactly as clients are given it (origin + path, no trailing slash:
//! claude.ai and the SDKs require PRM `resource` to equal the URL they connect to).
//! `scopes_supported` is the configured list without `offline_access` (MCP 2026-07-28: servers
//! "SHOULD NOT include offline_access in … Protected Resource Metadata scopes_supported").
//! `bearer_methods_supported` is `["header"]`: tokens in the query are never accepted.

use serde_json::{json, Value};

use super::registration::{parse_host, Host, Uri};

/// The `resource_name` of our protected resource metadata (RFC 9728 §2).
pub const RESOURCE_NAME: &str = "Microsoft 365 (Outlook mail, calendar, contacts, Teams)";

/// Well-known suffix of RFC 9728 protected resource metadata.
pub const PRM_WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";
/// Well-known suffix of RFC 8414 authorization server metadata.
pub const AS_WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";
/// Well-known suffix of OpenID Connect Discovery.
pub const OIDC_WELL_KNOWN: &str = "/.well-known/openid-configuration";

/// The authorization endpoint path.
pub const AUTHORIZE_PATH: &str = "/authorize";
/// The token endpoint path.
pub const TOKEN_PATH: &str = "/token";
/// The dynamic registration endpoint path.
pub const REGISTER_PATH: &str = "/register";
/// The RFC 7009 revocation endpoint path.
pub const REVOKE_PATH: &str = "/revoke";

/// Client authentication methods accepted at the token and revocation endpoints.
pub const CLIENT_AUTH_METHODS: [&str; 3] = ["none", "client_secret_basic", "client_secret_post"];

/// What the discovery documents are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The public origin clients use, scheme + host (+ port), no path and no trailing slash:
    /// `https://m365.example.com`, or `http://127.0.0.1:8787` locally. It is the issuer
    /// (RFC 8414 §2) and the prefix of every endpoint and resource URL, so it must be exactly
    /// what clients are given; a trailing slash is tolerated and dropped.
    pub public_origin: String,
    /// The MCP endpoint paths, each starting with `/`: `["/mcp", "/sse"]`. The first is the
    /// primary one, described by the root protected resource metadata.
    pub mcp_paths: Vec<String>,
    /// Scopes clients may request, for AS metadata `scopes_supported`; protected resource
    /// metadata lists the same without `offline_access`. Keep it to what basic use needs (MCP
    /// security best practices §Scope Minimization).
    pub scopes_supported: Vec<String>,
    /// Scopes a client may also request but that are not advertised or granted by default: the
    /// `.Shared` permissions, asked for by a step-up challenge only when a tool call names a
    /// shared mailbox (personal Microsoft accounts do not support them, so asking at every
    /// sign-in would lock those accounts out).
    pub on_demand_scopes: Vec<String>,
}

impl ServerConfig {
    /// The issuer identifier: [`ServerConfig::public_origin`] without a trailing slash.
    pub fn issuer(&self) -> &str {
        self.public_origin.trim_end_matches('/')
    }

    /// The RFC 8707 resource identifier of the MCP endpoint at `mcp_path`: origin + path.
    pub fn resource(&self, mcp_path: &str) -> String {
        format!("{}{mcp_path}", self.issuer())
    }

    /// The URL of the path-inserted protected resource metadata of `mcp_path`, for the
    /// `resource_metadata` parameter of `WWW-Authenticate` (RFC 9728 §5.1).
    pub fn resource_metadata_url(&self, mcp_path: &str) -> String {
        format!("{}{PRM_WELL_KNOWN}{mcp_path}", self.issuer())
    }

    /// Whether `mcp_path` is one of ours.
    fn has_mcp_path(&self, mcp_path: &str) -> bool {
        self.mcp_paths.iter().any(|p| p == mcp_path)
    }
}

/// A discovery document to serve (as `application/json`), and which kind it is.
#[derive(Debug, Clone, PartialEq)]
pub enum WellKnown {
    /// RFC 9728 protected resource metadata for the MCP endpoint at `mcp_path`.
    ProtectedResource {
        /// The MCP path the document describes.
        mcp_path: String,
        /// The document.
        document: Value,
    },
    /// RFC 8414 authorization server metadata.
    AuthorizationServer(Value),
    /// The OpenID configuration location, served with the RFC 8414 document (module docs).
    OpenIdConfiguration(Value),
}

impl WellKnown {
    /// The JSON document.
    pub fn document(&self) -> &Value {
        match self {
            Self::ProtectedResource { document, .. }
            | Self::AuthorizationServer(document)
            | Self::OpenIdConfiguration(document) => document,
        }
    }

    /// The JSON document, owned.
    pub fn into_document(self) -> Value {
        match self {
            Self::ProtectedResource { document, .. }
            | Self::AuthorizationServer(document)
            | Self::OpenIdConfiguration(document) => document,
        }
    }
}

/// Maps a request path to the discovery document it names (table in the module docs), or
/// `None` when it is not one of ours.
pub fn well_known(path: &str, cfg: &ServerConfig) -> Option<WellKnown> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    if path == PRM_WELL_KNOWN {
        let mcp_path = cfg.mcp_paths.first()?;
        return Some(prm(cfg, mcp_path));
    }
    if let Some(mcp_path) = path.strip_prefix(PRM_WELL_KNOWN) {
        return cfg.has_mcp_path(mcp_path).then(|| prm(cfg, mcp_path));
    }
    let is_mcp_suffix = |suffix: &str| suffix.is_empty() || cfg.has_mcp_path(suffix);
    if let Some(suffix) = path.strip_prefix(AS_WELL_KNOWN) {
        return is_mcp_suffix(suffix)
            .then(|| WellKnown::AuthorizationServer(authorization_server_metadata(cfg)));
    }
    if let Some(suffix) = path.strip_prefix(OIDC_WELL_KNOWN) {
        return is_mcp_suffix(suffix)
            .then(|| WellKnown::OpenIdConfiguration(openid_configuration(cfg)));
    }
    if let Some(prefix) = path.strip_suffix(OIDC_WELL_KNOWN) {
        return cfg
            .has_mcp_path(prefix)
            .then(|| WellKnown::OpenIdConfiguration(openid_configuration(cfg)));
    }
    None
}

fn prm(cfg: &ServerConfig, mcp_path: &str) -> WellKnown {
    WellKnown::ProtectedResource {
        mcp_path: mcp_path.to_owned(),
        document: protected_resource_metadata(cfg, mcp_path),
    }
}

/// RFC 8414 §2 authorization server metadata (see the module docs for what is advertised).
pub fn authorization_server_metadata(cfg: &ServerConfig) -> Value {
    let issuer = cfg.issuer();
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
        "registration_endpoint": format!("{issuer}{REGISTER_PATH}"),
        "revocation_endpoint": format!("{issuer}{REVOKE_PATH}"),
        "scopes_supported": cfg.scopes_supported,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        // RFC 7636 §4.3 / MCP: clients MUST refuse to proceed without this member.
        "code_challenge_methods_supported": ["S256"],
        // draft-ietf-oauth-client-id-metadata-document §5 (claude.ai also needs "none" above).
        "client_id_metadata_document_supported": true,
        // RFC 9207 §3: we send `iss` on every authorization response.
        "authorization_response_iss_parameter_supported": true,
    })
}

/// The document served at the OpenID configuration locations: the RFC 8414 document as is
/// (module docs explain why the OIDC-only members are absent).
pub fn openid_configuration(cfg: &ServerConfig) -> Value {
    authorization_server_metadata(cfg)
}

/// RFC 9728 §2 protected resource metadata for the MCP endpoint at `mcp_path`.
pub fn protected_resource_metadata(cfg: &ServerConfig, mcp_path: &str) -> Value {
    let scopes: Vec<&str> = cfg
        .scopes_supported
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "offline_access")
        .collect();
    json!({
        "resource": cfg.resource(mcp_path),
        "authorization_servers": [cfg.issuer()],
        "scopes_supported": scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": RESOURCE_NAME,
    })
}

/// The canonical form of a `resource` value for comparison (RFC 8707 §2; MCP authorization
/// §Canonical Server URI; RFC 3986 §6.2.2–6.2.3): `http` or `https` only, scheme and host
/// lowercased, the scheme's default port dropped, a trailing slash removed from the path
/// (`https://h/` and `https://h` compare equal, as do `https://h/mcp/` and `https://h/mcp`),
/// the query kept as is. `None` for anything that is not a valid absolute http(s) URI with a
/// host, or that has a fragment or userinfo (RFC 8707 §2: "MUST NOT include a fragment") —
/// the caller answers those with `invalid_target`.
pub fn canonical_resource(s: &str) -> Option<String> {
    let uri = Uri::parse(s)?;
    let scheme = uri.scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let authority = uri.authority.as_ref()?;
    if uri.fragment.is_some() || authority.userinfo.is_some() {
        return None;
    }
    let host = match parse_host(authority.host).ok()? {
        Host::Domain(name) => name,
        Host::V4(ip) => ip.to_string(),
        Host::V6(ip) => format!("[{ip}]"),
    };
    let mut out = format!("{scheme}://{host}");
    match authority.port {
        None => {}
        Some(port) => {
            let port = port.trim_start_matches('0');
            if port.is_empty() || port.len() > 5 || port.parse::<u16>().is_err() {
                return None;
            }
            if port != default_port {
                out.push(':');
                out.push_str(port);
            }
        }
    }
    out.push_str(uri.path.strip_suffix('/').unwrap_or(uri.path));
    if let Some(query) = uri.query {
        out.push('?');
        out.push_str(query);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ServerConfig {
        ServerConfig {
            public_origin: "https://m365.example.com".to_owned(),
            mcp_paths: vec!["/mcp".to_owned(), "/sse".to_owned()],
            scopes_supported: vec![
                "mail.read".to_owned(),
                "calendar.read".to_owned(),
                "offline_access".to_owned(),
            ],
            on_demand_scopes: vec![],
        }
    }

    fn local() -> ServerConfig {
        ServerConfig {
            public_origin: "http://127.0.0.1:8787/".to_owned(),
            mcp_paths: vec!["/mcp".to_owned()],
            scopes_supported: vec!["mail.read".to_owned()],
            on_demand_scopes: vec![],
        }
    }

    #[test]
    fn authorization_server_metadata_golden() {
        assert_eq!(
            authorization_server_metadata(&cfg()),
            json!({
                "issuer": "https://m365.example.com",
                "authorization_endpoint": "https://m365.example.com/authorize",
                "token_endpoint": "https://m365.example.com/token",
                "registration_endpoint": "https://m365.example.com/register",
                "revocation_endpoint": "https://m365.example.com/revoke",
                "scopes_supported": ["mail.read", "calendar.read", "offline_access"],
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
                "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "client_id_metadata_document_supported": true,
                "authorization_response_iss_parameter_supported": true
            })
        );
    }

    #[test]
    fn local_issuer_drops_trailing_slash() {
        let doc = authorization_server_metadata(&local());
        assert_eq!(doc["issuer"], "http://127.0.0.1:8787");
        assert_eq!(doc["token_endpoint"], "http://127.0.0.1:8787/token");
        assert_eq!(
            local().resource_metadata_url("/mcp"),
            "http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp"
        );
    }

    #[test]
    fn openid_configuration_is_the_as_document_without_oidc_claims() {
        let doc = openid_configuration(&cfg());
        assert_eq!(doc, authorization_server_metadata(&cfg()));
        for absent in [
            "jwks_uri",
            "subject_types_supported",
            "id_token_signing_alg_values_supported",
            "userinfo_endpoint",
        ] {
            assert!(doc.get(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn protected_resource_metadata_golden() {
        assert_eq!(
            protected_resource_metadata(&cfg(), "/mcp"),
            json!({
                "resource": "https://m365.example.com/mcp",
                "authorization_servers": ["https://m365.example.com"],
                "scopes_supported": ["mail.read", "calendar.read"],
                "bearer_methods_supported": ["header"],
                "resource_name": RESOURCE_NAME
            })
        );
        assert_eq!(
            protected_resource_metadata(&cfg(), "/sse")["resource"],
            "https://m365.example.com/sse"
        );
    }

    fn kind(w: Option<WellKnown>) -> Option<String> {
        w.map(|w| match w {
            WellKnown::ProtectedResource { mcp_path, document } => {
                assert_eq!(
                    document["resource"],
                    format!("https://m365.example.com{mcp_path}")
                );
                format!("prm{mcp_path}")
            }
            WellKnown::AuthorizationServer(d) => {
                assert_eq!(d["issuer"], "https://m365.example.com");
                "as".to_owned()
            }
            WellKnown::OpenIdConfiguration(d) => {
                assert_eq!(d["issuer"], "https://m365.example.com");
                "oidc".to_owned()
            }
        })
    }

    #[test]
    fn well_known_router() {
        let c = cfg();
        let cases: &[(&str, Option<&str>)] = &[
            ("/.well-known/oauth-protected-resource", Some("prm/mcp")),
            ("/.well-known/oauth-protected-resource/", Some("prm/mcp")),
            ("/.well-known/oauth-protected-resource/mcp", Some("prm/mcp")),
            (
                "/.well-known/oauth-protected-resource/mcp/",
                Some("prm/mcp"),
            ),
            ("/.well-known/oauth-protected-resource/sse", Some("prm/sse")),
            ("/.well-known/oauth-protected-resource/other", None),
            ("/.well-known/oauth-protected-resource/mcp/x", None),
            ("/.well-known/oauth-protected-resourcex", None),
            ("/.well-known/oauth-authorization-server", Some("as")),
            ("/.well-known/oauth-authorization-server/", Some("as")),
            ("/.well-known/oauth-authorization-server/mcp", Some("as")),
            ("/.well-known/oauth-authorization-server/sse", Some("as")),
            ("/.well-known/oauth-authorization-server/tenant1", None),
            ("/.well-known/openid-configuration", Some("oidc")),
            ("/.well-known/openid-configuration/mcp", Some("oidc")),
            ("/mcp/.well-known/openid-configuration", Some("oidc")),
            ("/sse/.well-known/openid-configuration", Some("oidc")),
            ("/x/.well-known/openid-configuration", None),
            ("/.well-known/jwks.json", None),
            ("/mcp", None),
            ("/", None),
            ("", None),
        ];
        for (path, want) in cases {
            assert_eq!(kind(well_known(path, &c)).as_deref(), *want, "{path}");
        }
        let no_mcp = ServerConfig {
            mcp_paths: Vec::new(),
            ..cfg()
        };
        assert!(well_known("/.well-known/oauth-protected-resource", &no_mcp).is_none());
        assert!(well_known("/.well-known/oauth-authorization-server", &no_mcp).is_some());
    }

    #[test]
    fn well_known_into_document() {
        let w = well_known("/.well-known/oauth-authorization-server", &cfg());
        let doc = w.map(WellKnown::into_document).unwrap_or_default();
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    }

    #[test]
    fn canonical_resource_normalises() {
        let ok: &[(&str, &str)] = &[
            (
                "https://m365.example.com/mcp",
                "https://m365.example.com/mcp",
            ),
            (
                "HTTPS://M365.Example.COM/mcp",
                "https://m365.example.com/mcp",
            ),
            (
                "https://m365.example.com/mcp/",
                "https://m365.example.com/mcp",
            ),
            (
                "https://m365.example.com:443/mcp",
                "https://m365.example.com/mcp",
            ),
            (
                "https://m365.example.com:8443/mcp",
                "https://m365.example.com:8443/mcp",
            ),
            ("http://127.0.0.1:8787/mcp", "http://127.0.0.1:8787/mcp"),
            ("http://localhost:80/mcp", "http://localhost/mcp"),
            ("https://m365.example.com/", "https://m365.example.com"),
            ("https://m365.example.com", "https://m365.example.com"),
            ("https://[::1]:8443/mcp", "https://[::1]:8443/mcp"),
            ("https://[0:0::1]/mcp", "https://[::1]/mcp"),
            ("https://h.example/mcp?x=1", "https://h.example/mcp?x=1"),
            // Path case is significant.
            ("https://h.example/MCP", "https://h.example/MCP"),
        ];
        for (input, want) in ok {
            assert_eq!(canonical_resource(input).as_deref(), Some(*want), "{input}");
        }
        for bad in [
            "https://m365.example.com/mcp#frag",
            "https://user@m365.example.com/mcp",
            "urn:example:mcp",
            "ftp://m365.example.com/mcp",
            "/mcp",
            "mcp",
            "",
            "https:///mcp",
            "https://m365.example.com:0/mcp",
            "https://m365.example.com:99999/mcp",
            "https://m365.example.com:/mcp",
            "https://m365 .example.com/mcp",
            "https://2130706433/mcp",
        ] {
            assert_eq!(canonical_resource(bad), None, "{bad}");
        }
        // The comparison the authorization endpoint makes.
        let ours = canonical_resource(&cfg().resource("/mcp"));
        assert_eq!(canonical_resource("https://M365.example.com/mcp/"), ours);
        assert_ne!(
            canonical_resource("https://m365.example.com/mcp-other"),
            ours
        );
    }
}
