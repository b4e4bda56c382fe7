//! Client registration: RFC 7591 dynamic client registration (DCR) at `/register`, and client ID
//! metadata documents (CIMD, draft-ietf-oauth-client-id-metadata-document; MCP authorization
//! §Client ID Metadata Documents), as validation functions and the record we store. Storage,
//! fetching, time and randomness are the caller's.
//!
//! # Dynamic registration ([`validate_registration`])
//!
//! The body is a JSON object of at most [`MAX_REGISTRATION_BYTES`]; unknown members are ignored
//! (RFC 7591 §2). Member by member:
//!
//! * `redirect_uris`: required, 1 to [`MAX_REDIRECT_URIS`] entries (duplicates are dropped),
//!   each checked by [`validate_redirect_uri`]. Failures are `invalid_redirect_uri` naming the
//!   index; every other failure is `invalid_client_metadata` naming the member (RFC 7591 §3.2.2).
//! * `token_endpoint_auth_method`: `none`, `client_secret_basic` or `client_secret_post`.
//!   **When omitted we register `none`, not RFC 7591's `client_secret_basic` default.** RFC 7591
//!   §3.2.1 lets the server replace requested values as long as the response says what was
//!   registered, and every MCP client we checked either sends the member (claude.ai sends
//!   `none`, anthropics/claude-ai-mcp#886; mcp-remote and the MCP Inspector send it explicitly)
//!   or, like the TypeScript SDK, reads the method and any secret back from the response. A
//!   client that omits the member is in practice a public client that would otherwise be handed
//!   a secret it never sends, and then fail at `/token` with `invalid_client`. Public clients are
//!   safe here because PKCE S256 is mandatory for everyone and refresh tokens rotate. If only
//!   `token_endpoint_auth_methods_supported` (OpenID RP Metadata Choices) is given, the first of
//!   `none`, `client_secret_basic`, `client_secret_post` that it lists is used.
//! * `grant_types`: a subset of `authorization_code` and `refresh_token` that includes
//!   `authorization_code`. When omitted we register both (again RFC 7591 §3.2.1; the default of
//!   `authorization_code` alone would silently deny refresh tokens to clients that never asked).
//!   Anything else (`implicit`, `client_credentials`, `password`, device code…) is refused,
//!   since we would not honour it.
//! * `response_types`: `["code"]` (the default when omitted).
//! * `client_name`: at most [`MAX_CLIENT_NAME_CHARS`] characters, no control or bidirectional
//!   formatting characters (it is shown on the consent page, where a right-to-left override
//!   could disguise it).
//! * `client_uri`, `logo_uri`, `policy_uri`, `tos_uri`: https URLs when present; an empty string
//!   counts as absent (the TypeScript SDK sends `""` for unset `logo_uri`/`tos_uri`).
//! * `scope`: space-separated RFC 6749 §3.3 scope tokens; stored normalized.
//! * `application_type`: `native` or `web` (OpenID Connect Registration §2; the MCP spec asks
//!   clients to send it). Stored as given; not cross-checked against the redirect URIs because
//!   deployed clients get it wrong (Claude Code ≥ 2.1.80 omitted it for loopback redirects).
//! * `software_id`, `software_version`: kept (bounded) for display and logs.
//! * `client_secret`, `client_id` and similar server-assigned members in the request are ignored.
//!
//! # Redirect URIs ([`validate_redirect_uri`])
//!
//! All of RFC 3986 syntax strictly (no whitespace, control, non-ASCII or other characters that
//! must be percent-encoded; at most [`MAX_REDIRECT_URI_LEN`] characters), no fragment
//! (RFC 6749 §3.1.2), no userinfo, and by scheme:
//!
//! * `https` with a host: accepted (MCP authorization §Communication Security).
//! * `http` only on a loopback host, `localhost`, `127.0.0.1` or `[::1]`, with any port or none
//!   (RFC 8252 §7.3, §8.3; MCP: "All redirect URIs MUST be either localhost or use HTTPS").
//! * `javascript`, `data`, `file`, `vbscript` and other schemes a browser would execute or that
//!   cannot carry an authorization response (see [`FORBIDDEN_SCHEMES`]): refused.
//! * Any other scheme is a private-use scheme for a native app (RFC 8252 §7.1). RFC 8252 asks
//!   apps to use a reverse-domain scheme with a dot (`com.example.app:/cb`), but deployed MCP
//!   clients use single-label schemes (Cursor registers
//!   `cursor://anysphere.cursor-mcp/oauth/callback`), so **a dot is not required**: the
//!   RFC 8252 §7.1 requirement binds the app, and the protections that matter do not depend on
//!   it (PKCE S256 defeats a hijacked scheme; the consent page shows the redirect URI). The
//!   scheme must be syntactically valid, at most 64 characters, and followed by something.
//!
//! Matching a presented `redirect_uri` against the registration is [`ClientMetadata::allows_redirect_uri`]:
//! exact string comparison (RFC 9700 §4.1.3), except that the port of an `http` loopback
//! redirect is ignored (RFC 8252 §7.3), which Claude Code's ephemeral ports need.
//!
//! # Client ID metadata documents
//!
//! * [`is_cimd_client_id`] routes a `client_id` to CIMD handling: anything that starts with
//!   `https://` or `http://`. Our own client ids start with [`CLIENT_ID_PREFIX`], so the two
//!   never collide (CIMD §"Supporting Both Pre-Registered and Unregistered Clients").
//! * [`check_cimd_url`] then enforces the CIMD §3 client-identifier rules and the SSRF guard
//!   (CIMD §"Server Side Request Forgery"; MCP security best practices §SSRF) before anything is
//!   fetched: https only, no userinfo, fragment or query (the draft says SHOULD NOT for the
//!   query; we refuse it), a path other than `/`, no dot segments, a fully qualified public
//!   host name or a public IP literal. Special-use addresses of RFC 6890 and the IANA
//!   special-purpose registries are refused for IPv4 and IPv6, including IPv4-mapped,
//!   IPv4-compatible, NAT64, 6to4 and Teredo forms; names `localhost`, `*.localhost`,
//!   `*.local`, `*.internal`, `*.home.arpa` and single-label names are refused; numeric host
//!   forms a URL parser would read as IPv4 (`2130706433`, `0x7f.1`, `017700000001`, `127.1`)
//!   are refused outright unless written as canonical dotted-decimal. **This checks the URL
//!   only**: a public name can still resolve to a private address, so the fetch itself must
//!   run with the Workers `global_fetch_strictly_public` compatibility flag, `redirect: "manual"`
//!   (CIMD: "MUST NOT automatically follow HTTP redirects") with non-200 treated as an error,
//!   a timeout, and a read capped at [`MAX_CIMD_BYTES`].
//! * [`check_cimd_url_with`] and [`CimdPolicy::allow_loopback`] additionally admit loopback
//!   hosts (over http or https), which the draft permits when the authorization server itself
//!   runs on loopback; that is for the local sandbox only and never for the deployed worker.
//! * [`validate_cimd_document`] checks the fetched body: at most [`MAX_CIMD_BYTES`], a JSON
//!   object whose `client_id` equals the URL exactly (CIMD §4.1, "simple string comparison"),
//!   a non-empty `client_name`, `redirect_uris` as for DCR, and no `client_secret` or
//!   `client_secret_expires_at`. Grant and response types are reduced to the ones we support
//!   (a document may list more for other servers) and must still include the code flow.
//!   When `grant_types` is omitted both are registered, as for DCR.
//!   Client authentication must end up `none`: the document may prefer `private_key_jwt` only
//!   if its `token_endpoint_auth_methods_supported` also lists `none` (OpenID RP Metadata
//!   Choices). ChatGPT publishes exactly that (`token_endpoint_auth_method: "private_key_jwt"`,
//!   `token_endpoint_auth_methods_supported: ["none","private_key_jwt"]`, frozen in
//!   cloudflare/workers-oauth-provider `__tests__/oauth-cimd.test.ts`), so ChatGPT is registered
//!   as a public client. A document that offers only `private_key_jwt` is refused with a
//!   message saying we do not verify client assertions; shared-secret methods are refused as
//!   CIMD forbids them. Errors are `invalid_client_metadata`/`invalid_redirect_uri`; the
//!   authorization endpoint shows them as a page since the client is unverified.
//! * [`cache_ttl`] turns the response's `Cache-Control` into a cache lifetime. Errors and invalid
//!   documents must not be cached (CIMD §4.4).
//!
//! # Client ids and secrets
//!
//! [`generate_client_id`] makes `mcp_` + base64url of 16 caller-supplied random bytes.
//! Confidential clients get a secret from [`generate_client_secret`] (32 random bytes,
//! base64url); only its SHA-256 is stored ([`ClientRecord::client_secret_sha256`], the same
//! hash as `super::token::hash_client_secret`), and [`ClientRecord::verify_secret`] compares in
//! constant time. The plaintext appears once, in [`registration_response`].

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::error::OAuthError;
use super::tokens::{ct_eq, Secret};

/// Largest accepted registration request body (bytes).
pub const MAX_REGISTRATION_BYTES: usize = 16 * 1024;
/// Most redirect URIs a client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest redirect URI (characters; all are ASCII).
pub const MAX_REDIRECT_URI_LEN: usize = 2000;
/// Longest `client_name` (Unicode scalar values).
pub const MAX_CLIENT_NAME_CHARS: usize = 200;
/// Longest `client_uri`, `logo_uri`, `policy_uri` or `tos_uri`.
pub const MAX_INFO_URI_LEN: usize = 2000;
/// Longest `scope` value.
pub const MAX_SCOPE_LEN: usize = 1000;
/// Longest `software_id` / `software_version`.
pub const MAX_SOFTWARE_FIELD_CHARS: usize = 200;
/// Largest client ID metadata document (CIMD §"Maximum Response Size": 5 kilobytes).
pub const MAX_CIMD_BYTES: usize = 5 * 1024;
/// Longest URL accepted as a CIMD client id.
pub const MAX_CIMD_URL_LEN: usize = 2000;
/// Prefix of the client ids we assign; never a URL, so never mistaken for a CIMD client id.
pub const CLIENT_ID_PREFIX: &str = "mcp_";

/// Shortest CIMD cache lifetime (seconds), also used for `no-store`/`no-cache`.
pub const CIMD_MIN_TTL: u64 = 60;
/// Longest CIMD cache lifetime (seconds).
pub const CIMD_MAX_TTL: u64 = 24 * 60 * 60;
/// CIMD cache lifetime when the response says nothing usable (seconds).
pub const CIMD_DEFAULT_TTL: u64 = 60 * 60;

/// Redirect URI schemes refused outright: script or document schemes a browser would run or
/// render (`javascript`, `data`, `vbscript`, `blob`, `about`, `view-source`, `filesystem`),
/// local files, and schemes that cannot receive an authorization response.
pub const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "data",
    "file",
    "vbscript",
    "blob",
    "about",
    "filesystem",
    "view-source",
    "mailto",
    "tel",
    "sms",
    "ftp",
    "ws",
    "wss",
];

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// How a client authenticates at the token endpoint (RFC 7591 §2 `token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    /// A public client: no secret, PKCE only.
    None,
    /// HTTP Basic with the client secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_secret` in the form body (RFC 6749 §2.3.1).
    ClientSecretPost,
}

impl TokenEndpointAuthMethod {
    /// The RFC 7591 name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(Self::None),
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_post" => Some(Self::ClientSecretPost),
            _ => None,
        }
    }
}

/// A grant type a client may use (RFC 7591 §2 `grant_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// RFC 6749 §4.1.
    AuthorizationCode,
    /// RFC 6749 §6.
    RefreshToken,
}

impl GrantType {
    /// The RFC 7591 name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "authorization_code" => Some(Self::AuthorizationCode),
            "refresh_token" => Some(Self::RefreshToken),
            _ => None,
        }
    }
}

/// OpenID Connect Registration §2 `application_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    /// Desktop, CLI or mobile app (loopback or private-use scheme redirects).
    Native,
    /// A hosted web application (https redirects).
    Web,
}

/// Validated client metadata: what a registration or a metadata document established, as
/// stored (in KV for DCR clients, in the CIMD cache for URL clients) and echoed in the
/// registration response (RFC 7591 §3.2.1). Field names are the RFC 7591 member names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMetadata {
    /// Registered redirect URIs, exactly as given (compared byte for byte).
    pub redirect_uris: Vec<String>,
    /// How the client authenticates at the token endpoint.
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Grant types the client may use; always contains `authorization_code`.
    pub grant_types: Vec<GrantType>,
    /// Always `["code"]`.
    pub response_types: Vec<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// Client home page (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    /// Client logo (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// Privacy policy (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_uri: Option<String>,
    /// Terms of service (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tos_uri: Option<String>,
    /// Scopes the client said it would request, normalized to single spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `native` or `web`, when the client said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_type: Option<ApplicationType>,
    /// RFC 7591 `software_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    /// RFC 7591 `software_version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
}

impl ClientMetadata {
    /// A public client (no secret; `token_endpoint_auth_method` is `none`).
    pub fn is_public(&self) -> bool {
        self.token_endpoint_auth_method == TokenEndpointAuthMethod::None
    }

    /// Whether the client registered this grant type.
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Whether `presented` (an authorization or token request's `redirect_uri`) matches a
    /// registered redirect URI: byte-for-byte (RFC 9700 §4.1.3; MCP security best practices
    /// §Redirect URIs), except that for `http` loopback redirects the port is ignored, so
    /// `http://127.0.0.1/cb` registered matches `http://127.0.0.1:53123/cb` presented
    /// (RFC 8252 §7.3). Scheme, host, path and query must still be identical.
    pub fn allows_redirect_uri(&self, presented: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| redirect_uri_matches(registered, presented))
    }
}

/// A dynamically registered client, as stored. `client_secret_sha256` is base64url (no
/// padding) of SHA-256 of the secret, present only for confidential clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    /// Our client id ([`generate_client_id`]).
    pub client_id: String,
    /// The validated metadata.
    #[serde(flatten)]
    pub metadata: ClientMetadata,
    /// base64url(SHA-256(secret)) for confidential clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_sha256: Option<String>,
    /// Registration time, Unix seconds (RFC 7591 `client_id_issued_at`).
    pub client_id_issued_at: u64,
}

impl ClientRecord {
    /// Builds the record for a validated registration. `id_random` and `secret_random` come
    /// from the caller's CSPRNG; a secret is minted only for confidential clients and returned
    /// for the one-time registration response.
    pub fn new(
        metadata: ClientMetadata,
        id_random: &[u8; 16],
        secret_random: &[u8; 32],
        now: u64,
    ) -> (Self, Option<Secret>) {
        let secret = (!metadata.is_public()).then(|| generate_client_secret(secret_random));
        let record = Self {
            client_id: generate_client_id(id_random),
            client_secret_sha256: secret.as_ref().map(|s| hash_secret_b64(s.expose())),
            metadata,
            client_id_issued_at: now,
        };
        (record, secret)
    }

    /// The stored secret hash as bytes (for `super::token::check_client_auth`).
    pub fn secret_hash(&self) -> Option<[u8; 32]> {
        let decoded = URL_SAFE_NO_PAD
            .decode(self.client_secret_sha256.as_deref()?)
            .ok()?;
        decoded.try_into().ok()
    }

    /// Whether `presented` is this client's secret (constant-time on the hashes). Always false
    /// for public clients.
    pub fn verify_secret(&self, presented: &str) -> bool {
        match self.secret_hash() {
            Some(expected) => ct_eq(&Sha256::digest(presented.as_bytes()), &expected),
            None => false,
        }
    }
}

/// `mcp_` + base64url (no padding) of 16 random bytes: 26 characters, 128 bits of entropy.
pub fn generate_client_id(random: &[u8; 16]) -> String {
    format!("{CLIENT_ID_PREFIX}{}", URL_SAFE_NO_PAD.encode(random))
}

/// A client secret: base64url (no padding) of 32 random bytes (43 characters).
pub fn generate_client_secret(random: &[u8; 32]) -> Secret {
    Secret::new(URL_SAFE_NO_PAD.encode(random))
}

fn hash_secret_b64(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// The RFC 7591 §3.2.1 registration response body (serve with 201 Created and
/// `Cache-Control: no-store`): every registered metadata member, `client_id`,
/// `client_id_issued_at`, and for confidential clients `client_secret` and
/// `client_secret_expires_at: 0` (never expires). `plaintext_secret` is ignored for public
/// clients.
pub fn registration_response(record: &ClientRecord, plaintext_secret: Option<&str>) -> Value {
    let mut body = match serde_json::to_value(&record.metadata) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    body.insert("client_id".into(), record.client_id.clone().into());
    body.insert(
        "client_id_issued_at".into(),
        record.client_id_issued_at.into(),
    );
    if let (Some(secret), Some(_)) = (plaintext_secret, &record.client_secret_sha256) {
        body.insert("client_secret".into(), secret.into());
        body.insert("client_secret_expires_at".into(), 0.into());
    }
    Value::Object(body)
}

// ---------------------------------------------------------------------------------------------
// Dynamic client registration
// ---------------------------------------------------------------------------------------------

/// Validates an RFC 7591 §3.1 registration request body; see the module docs for the rules.
pub fn validate_registration(body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    if body.len() > MAX_REGISTRATION_BYTES {
        return Err(OAuthError::invalid_client_metadata(format!(
            "registration request exceeds {MAX_REGISTRATION_BYTES} bytes"
        )));
    }
    let raw = parse_json_object(body, "registration request")?;

    let redirect_uris = redirect_uris(&raw)?;
    let token_endpoint_auth_method = dcr_auth_method(&raw)?;
    let grant_types = match optional_string_array(&raw, "grant_types")? {
        None => vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        Some(list) => strict_grant_types(&list)?,
    };
    let response_types = match optional_string_array(&raw, "response_types")? {
        None => vec!["code".to_owned()],
        Some(list) => strict_response_types(&list)?,
    };
    Ok(ClientMetadata {
        redirect_uris,
        token_endpoint_auth_method,
        grant_types,
        response_types,
        ..common_metadata(&raw)?
    })
}

/// `token_endpoint_auth_method`, defaulting as the module docs explain.
fn dcr_auth_method(raw: &Map<String, Value>) -> Result<TokenEndpointAuthMethod, OAuthError> {
    const FIELD: &str = "token_endpoint_auth_method";
    if let Some(method) = optional_string(raw, FIELD)? {
        return TokenEndpointAuthMethod::parse(method).ok_or_else(|| {
            OAuthError::invalid_client_metadata(format!(
                "{FIELD} {} is not supported: use none, client_secret_basic or client_secret_post",
                quoted(method)
            ))
        });
    }
    match optional_string_array(raw, "token_endpoint_auth_methods_supported")? {
        None => Ok(TokenEndpointAuthMethod::None),
        Some(offered) => [
            TokenEndpointAuthMethod::None,
            TokenEndpointAuthMethod::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost,
        ]
        .into_iter()
        .find(|m| offered.iter().any(|o| *o == m.as_str()))
        .ok_or_else(|| {
            OAuthError::invalid_client_metadata(
                "token_endpoint_auth_methods_supported lists no method this server supports (none, client_secret_basic, client_secret_post)",
            )
        }),
    }
}

fn strict_grant_types(list: &[&str]) -> Result<Vec<GrantType>, OAuthError> {
    let mut out = Vec::new();
    for value in list {
        let grant = GrantType::parse(value).ok_or_else(|| {
            OAuthError::invalid_client_metadata(format!(
                "grant_types: {} is not supported: use authorization_code and refresh_token",
                quoted(value)
            ))
        })?;
        if !out.contains(&grant) {
            out.push(grant);
        }
    }
    require_code_grant(out)
}

fn require_code_grant(grants: Vec<GrantType>) -> Result<Vec<GrantType>, OAuthError> {
    if grants.contains(&GrantType::AuthorizationCode) {
        Ok(grants)
    } else {
        Err(OAuthError::invalid_client_metadata(
            "grant_types must include authorization_code",
        ))
    }
}

fn strict_response_types(list: &[&str]) -> Result<Vec<String>, OAuthError> {
    if list.is_empty() || list.iter().any(|r| *r != "code") {
        return Err(OAuthError::invalid_client_metadata(
            "response_types must be [\"code\"]",
        ));
    }
    Ok(vec!["code".to_owned()])
}

/// `redirect_uris`: required, non-empty, bounded, each valid; duplicates dropped.
fn redirect_uris(raw: &Map<String, Value>) -> Result<Vec<String>, OAuthError> {
    let Some(list) = optional_string_array(raw, "redirect_uris")? else {
        return Err(OAuthError::invalid_redirect_uri(
            "redirect_uris is required",
        ));
    };
    if list.is_empty() {
        return Err(OAuthError::invalid_redirect_uri(
            "redirect_uris must not be empty",
        ));
    }
    if list.len() > MAX_REDIRECT_URIS {
        return Err(OAuthError::invalid_redirect_uri(format!(
            "redirect_uris has more than {MAX_REDIRECT_URIS} entries"
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, uri) in list.iter().enumerate() {
        validate_redirect_uri(uri).map_err(|reason| {
            OAuthError::invalid_redirect_uri(format!("redirect_uris[{i}] {reason}"))
        })?;
        if !out.iter().any(|u| u == uri) {
            out.push((*uri).to_owned());
        }
    }
    Ok(out)
}

/// The display and informational members shared by DCR and CIMD. The flow members are
/// placeholders filled in by the caller.
fn common_metadata(raw: &Map<String, Value>) -> Result<ClientMetadata, OAuthError> {
    Ok(ClientMetadata {
        redirect_uris: Vec::new(),
        token_endpoint_auth_method: TokenEndpointAuthMethod::None,
        grant_types: Vec::new(),
        response_types: Vec::new(),
        client_name: display_string(raw, "client_name", MAX_CLIENT_NAME_CHARS)?,
        client_uri: info_uri(raw, "client_uri")?,
        logo_uri: info_uri(raw, "logo_uri")?,
        policy_uri: info_uri(raw, "policy_uri")?,
        tos_uri: info_uri(raw, "tos_uri")?,
        scope: scope(raw)?,
        application_type: application_type(raw)?,
        software_id: display_string(raw, "software_id", MAX_SOFTWARE_FIELD_CHARS)?,
        software_version: display_string(raw, "software_version", MAX_SOFTWARE_FIELD_CHARS)?,
    })
}

/// A human-readable string member: bounded, no control or bidi-formatting characters; empty
/// or all-whitespace counts as absent.
fn display_string(
    raw: &Map<String, Value>,
    field: &str,
    max_chars: usize,
) -> Result<Option<String>, OAuthError> {
    let Some(value) = optional_string(raw, field)? else {
        return Ok(None);
    };
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max_chars {
        return Err(OAuthError::invalid_client_metadata(format!(
            "{field} is longer than {max_chars} characters"
        )));
    }
    if value.chars().any(is_disallowed_display_char) {
        return Err(OAuthError::invalid_client_metadata(format!(
            "{field} contains control or bidirectional formatting characters"
        )));
    }
    Ok(Some(value.to_owned()))
}

/// Control characters, and the Unicode bidirectional formatting characters that can reorder
/// how a name is displayed (Trojan Source, CVE-2021-42574).
fn is_disallowed_display_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `client_uri`, `logo_uri`, `policy_uri`, `tos_uri`: an https URL with a host, or absent.
fn info_uri(raw: &Map<String, Value>, field: &str) -> Result<Option<String>, OAuthError> {
    let Some(value) = optional_string(raw, field)? else {
        return Ok(None);
    };
    if value.is_empty() {
        return Ok(None);
    }
    let bad = || OAuthError::invalid_client_metadata(format!("{field} must be an https URL"));
    if value.len() > MAX_INFO_URI_LEN {
        return Err(OAuthError::invalid_client_metadata(format!(
            "{field} is longer than {MAX_INFO_URI_LEN} characters"
        )));
    }
    let uri = Uri::parse(value).ok_or_else(bad)?;
    let authority = uri.authority.as_ref().ok_or_else(bad)?;
    if !uri.scheme.eq_ignore_ascii_case("https") || authority.userinfo.is_some() {
        return Err(bad());
    }
    parse_host(authority.host).map_err(|_| bad())?;
    Ok(Some(value.to_owned()))
}

/// `scope`: RFC 6749 §3.3 scope tokens separated by spaces; stored with single spaces.
fn scope(raw: &Map<String, Value>) -> Result<Option<String>, OAuthError> {
    let Some(value) = optional_string(raw, "scope")? else {
        return Ok(None);
    };
    if value.len() > MAX_SCOPE_LEN {
        return Err(OAuthError::invalid_client_metadata(format!(
            "scope is longer than {MAX_SCOPE_LEN} characters"
        )));
    }
    let tokens: Vec<&str> = value.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.iter().any(|t| !is_scope_token(t)) {
        return Err(OAuthError::invalid_client_metadata(
            "scope must be space-separated scope tokens (RFC 6749 section 3.3)",
        ));
    }
    Ok((!tokens.is_empty()).then(|| tokens.join(" ")))
}

/// RFC 6749 §3.3 `scope-token = 1*NQCHAR`, `NQCHAR = %x21 / %x23-5B / %x5D-7E`.
pub fn is_scope_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

fn application_type(raw: &Map<String, Value>) -> Result<Option<ApplicationType>, OAuthError> {
    match optional_string(raw, "application_type")? {
        None => Ok(None),
        Some("native") => Ok(Some(ApplicationType::Native)),
        Some("web") => Ok(Some(ApplicationType::Web)),
        Some(other) => Err(OAuthError::invalid_client_metadata(format!(
            "application_type {} is not supported: use native or web",
            quoted(other)
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------

fn parse_json_object(body: &[u8], what: &str) -> Result<Map<String, Value>, OAuthError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(OAuthError::invalid_client_metadata(format!(
            "{what} must be a JSON object"
        ))),
        Err(_) => Err(OAuthError::invalid_client_metadata(format!(
            "{what} is not valid JSON"
        ))),
    }
}

/// A string member; `null` counts as absent.
fn optional_string<'a>(
    raw: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, OAuthError> {
    match raw.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(OAuthError::invalid_client_metadata(format!(
            "{field} must be a string"
        ))),
    }
}

/// An array-of-strings member; `null` counts as absent.
fn optional_string_array<'a>(
    raw: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<&'a str>>, OAuthError> {
    let not_strings =
        || OAuthError::invalid_client_metadata(format!("{field} must be an array of strings"));
    match raw.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(not_strings))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(not_strings()),
    }
}

/// A client-supplied value for an error description: quoted, shortened, printable.
fn quoted(value: &str) -> String {
    let short: String = value.chars().take(60).collect();
    let ellipsis = if value.chars().count() > 60 {
        "..."
    } else {
        ""
    };
    format!("'{short}{ellipsis}'")
}

// ---------------------------------------------------------------------------------------------
// Redirect URIs
// ---------------------------------------------------------------------------------------------

/// Checks one redirect URI against the rules in the module docs. The error is a reason phrase
/// for an `invalid_redirect_uri` description ("redirect_uris[0] " + reason).
pub fn validate_redirect_uri(uri: &str) -> Result<(), Cow<'static, str>> {
    if uri.is_empty() {
        return Err("is empty".into());
    }
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(format!("is longer than {MAX_REDIRECT_URI_LEN} characters").into());
    }
    let parsed = Uri::parse(uri).ok_or(
        "is not a valid absolute URI (RFC 3986): whitespace, control, non-ASCII and other unsafe characters are not allowed",
    )?;
    let scheme = parsed.scheme.to_ascii_lowercase();
    if FORBIDDEN_SCHEMES.contains(&scheme.as_str()) {
        return Err(format!("uses the forbidden scheme {scheme}:").into());
    }
    if parsed.fragment.is_some() {
        return Err("must not contain a fragment (RFC 6749 section 3.1.2)".into());
    }
    if parsed
        .authority
        .as_ref()
        .is_some_and(|a| a.userinfo.is_some())
    {
        return Err("must not contain userinfo (user:password@)".into());
    }
    match scheme.as_str() {
        "https" => {
            let authority = parsed
                .authority
                .as_ref()
                .ok_or("must be an https URL with a host")?;
            parse_host(authority.host).map_err(|e| format!("has an invalid host: {e}"))?;
            check_port(authority.port).map_err(|e| format!("has an invalid port: {e}"))?;
            Ok(())
        }
        "http" => {
            let authority = parsed
                .authority
                .as_ref()
                .ok_or("must be an http URL with a host")?;
            let host =
                parse_host(authority.host).map_err(|e| format!("has an invalid host: {e}"))?;
            check_port(authority.port).map_err(|e| format!("has an invalid port: {e}"))?;
            if is_redirect_loopback(&host) {
                Ok(())
            } else {
                Err(
                    "must use https; http is allowed only for localhost, 127.0.0.1 and [::1]"
                        .into(),
                )
            }
        }
        _ => {
            if parsed.scheme.len() > 64 {
                return Err("has a scheme longer than 64 characters".into());
            }
            let rest_empty = parsed.authority.as_ref().is_none_or(|a| a.host.is_empty())
                && parsed.path.is_empty()
                && parsed.query.is_none();
            if rest_empty {
                return Err("has nothing after its private-use scheme".into());
            }
            if parsed.authority.is_none()
                && parsed.path.bytes().all(|b| b.is_ascii_digit())
                && parsed.query.is_none()
            {
                return Err("looks like a host:port without http:// or https://".into());
            }
            Ok(())
        }
    }
}

/// The loopback hosts allowed for `http` redirects: exactly `localhost`, `127.0.0.1`, `[::1]`.
fn is_redirect_loopback(host: &Host) -> bool {
    match host {
        Host::Domain(name) => name == "localhost",
        Host::V4(ip) => *ip == Ipv4Addr::LOCALHOST,
        Host::V6(ip) => *ip == Ipv6Addr::LOCALHOST,
    }
}

/// Registered vs presented redirect URI (see [`ClientMetadata::allows_redirect_uri`]).
fn redirect_uri_matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    // RFC 8252 §7.3: loopback redirects may use any port at request time.
    match (
        loopback_without_port(registered),
        loopback_without_port(presented),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// For an `http` loopback redirect URI, the URI with its port removed; otherwise `None`.
fn loopback_without_port(uri: &str) -> Option<String> {
    let parsed = Uri::parse(uri)?;
    if parsed.scheme != "http" || parsed.fragment.is_some() {
        return None;
    }
    let authority = parsed.authority.as_ref()?;
    if authority.userinfo.is_some() || !is_redirect_loopback(&parse_host(authority.host).ok()?) {
        return None;
    }
    check_port(authority.port).ok()?;
    let mut out = format!("http://{}{}", authority.host, parsed.path);
    if let Some(query) = parsed.query {
        out.push('?');
        out.push_str(query);
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Client ID metadata documents
// ---------------------------------------------------------------------------------------------

/// Which hosts a CIMD fetch may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CimdPolicy {
    /// Also admit loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`) over http or https.
    /// Only for the local sandbox, where the authorization server itself runs on loopback
    /// (the one exception the CIMD draft allows); never in the deployed worker.
    pub allow_loopback: bool,
}

impl CimdPolicy {
    /// Public https hosts only: the deployed worker's policy.
    pub const PUBLIC_ONLY: Self = Self {
        allow_loopback: false,
    };
}

/// Where to fetch a client ID metadata document from; the URL to fetch is the client id
/// itself, exactly as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CimdTarget {
    /// `https` (or `http` for a loopback host under [`CimdPolicy::allow_loopback`]).
    pub scheme: &'static str,
    /// The host, lowercased; IPv6 literals keep their brackets.
    pub host: String,
    /// The port, 443 (or 80 for http) when none is given.
    pub port: u16,
    /// The path (never empty or `/`); there is never a query.
    pub path: String,
}

/// Whether `client_id` is URL-shaped (`https://…` or `http://…`, any case) and should be
/// resolved as a client ID metadata document instead of looked up as a registered client.
/// Our own ids start with [`CLIENT_ID_PREFIX`] and never match. Validity is checked by
/// [`check_cimd_url`], so a malformed URL gets a precise error instead of "unknown client".
pub fn is_cimd_client_id(client_id: &str) -> bool {
    let lower_prefix = |p: &str| {
        client_id
            .get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    };
    lower_prefix("https://") || lower_prefix("http://")
}

/// [`check_cimd_url_with`] under [`CimdPolicy::PUBLIC_ONLY`].
pub fn check_cimd_url(url: &str) -> Result<CimdTarget, OAuthError> {
    check_cimd_url_with(url, CimdPolicy::PUBLIC_ONLY)
}

/// Checks a CIMD client id before fetching it: the CIMD §3 client-identifier rules and the
/// SSRF guard described in the module docs. Errors are `invalid_client` (the client cannot be
/// identified), with a description naming the rule.
pub fn check_cimd_url_with(url: &str, policy: CimdPolicy) -> Result<CimdTarget, OAuthError> {
    let bad = |why: &str| {
        OAuthError::invalid_client(format!(
            "client_id is not a usable client ID metadata document URL: {why}"
        ))
    };
    if url.len() > MAX_CIMD_URL_LEN {
        return Err(bad("it is too long"));
    }
    let parsed = Uri::parse(url).ok_or_else(|| bad("it is not a valid URL"))?;
    let secure = match parsed.scheme {
        "https" => true,
        "http" if policy.allow_loopback => false,
        _ => return Err(bad("it must use https")),
    };
    let authority = parsed
        .authority
        .as_ref()
        .ok_or_else(|| bad("it must have a host"))?;
    if authority.userinfo.is_some() {
        return Err(bad("it must not contain userinfo"));
    }
    if parsed.fragment.is_some() {
        return Err(bad("it must not contain a fragment"));
    }
    if parsed.query.is_some() {
        return Err(bad("it must not contain a query"));
    }
    if parsed.path.is_empty() || parsed.path == "/" {
        return Err(bad("it must contain a path"));
    }
    if parsed.path.split('/').any(is_dot_segment) {
        return Err(bad("it must not contain dot path segments (. or ..)"));
    }
    let host = parse_host(authority.host).map_err(|e| bad(&format!("invalid host: {e}")))?;
    let loopback = is_any_loopback(&host);
    if loopback && policy.allow_loopback {
        // The sandbox exception: loopback, over http or https.
    } else {
        if !secure {
            return Err(bad("it must use https"));
        }
        check_public_host(&host).map_err(|e| bad(&e))?;
    }
    let port = match check_port(authority.port).map_err(|e| bad(&format!("invalid port: {e}")))? {
        Some(port) => port,
        None if secure => 443,
        None => 80,
    };
    Ok(CimdTarget {
        scheme: if secure { "https" } else { "http" },
        host: authority.host.to_ascii_lowercase(),
        port,
        path: parsed.path.to_owned(),
    })
}

/// `.` or `..`, also percent-encoded (`%2e`, `%2E%2e`, …).
fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.replace("%2e", ".").replace("%2E", ".");
    decoded == "." || decoded == ".."
}

/// Validates a fetched client ID metadata document (see the module docs). `url` is the client
/// id the document was fetched from. Errors are `invalid_client_metadata` or
/// `invalid_redirect_uri`.
pub fn validate_cimd_document(url: &str, body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    if body.len() > MAX_CIMD_BYTES {
        return Err(OAuthError::invalid_client_metadata(format!(
            "client metadata document exceeds {MAX_CIMD_BYTES} bytes"
        )));
    }
    let raw = parse_json_object(body, "client metadata document")?;
    // CIMD §4.1: "MUST match the URL of the document using simple string comparison".
    match optional_string(&raw, "client_id")? {
        Some(id) if id == url => {}
        Some(_) => {
            return Err(OAuthError::invalid_client_metadata(
                "client_id in the metadata document does not match the URL it was fetched from",
            ))
        }
        None => {
            return Err(OAuthError::invalid_client_metadata(
                "client metadata document has no client_id",
            ))
        }
    }
    // CIMD §4.1: no shared secrets in a public document.
    for field in ["client_secret", "client_secret_expires_at"] {
        if raw.contains_key(field) {
            return Err(OAuthError::invalid_client_metadata(format!(
                "client metadata document must not contain {field}"
            )));
        }
    }
    let common = common_metadata(&raw)?;
    if common.client_name.is_none() {
        return Err(OAuthError::invalid_client_metadata(
            "client metadata document must have a non-empty client_name",
        ));
    }
    let token_endpoint_auth_method = cimd_auth_method(&raw)?;
    let grant_types = match optional_string_array(&raw, "grant_types")? {
        None => vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        Some(list) => {
            let mut grants = Vec::new();
            for grant in list.iter().filter_map(|g| GrantType::parse(g)) {
                if !grants.contains(&grant) {
                    grants.push(grant);
                }
            }
            require_code_grant(grants)?
        }
    };
    if let Some(list) = optional_string_array(&raw, "response_types")? {
        if !list.contains(&"code") {
            return Err(OAuthError::invalid_client_metadata(
                "response_types must include code",
            ));
        }
    }
    let redirect_uris = redirect_uris(&raw)?;
    Ok(ClientMetadata {
        redirect_uris,
        token_endpoint_auth_method,
        grant_types,
        response_types: vec!["code".to_owned()],
        ..common
    })
}

/// Negotiates CIMD client authentication down to `none` (module docs).
fn cimd_auth_method(raw: &Map<String, Value>) -> Result<TokenEndpointAuthMethod, OAuthError> {
    const SHARED_SECRET: &[&str] = &[
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
    ];
    let preferred = optional_string(raw, "token_endpoint_auth_method")?;
    let offered = optional_string_array(raw, "token_endpoint_auth_methods_supported")?;
    if let Some(method) = preferred.filter(|m| SHARED_SECRET.contains(m)) {
        return Err(OAuthError::invalid_client_metadata(format!(
            "token_endpoint_auth_method {method} uses a shared secret, which a client metadata document cannot have"
        )));
    }
    if let (Some(method), Some(offered)) = (preferred, &offered) {
        if !offered.contains(&method) {
            return Err(OAuthError::invalid_client_metadata(
                "token_endpoint_auth_method must be one of token_endpoint_auth_methods_supported",
            ));
        }
    }
    let none_offered = match (&offered, preferred) {
        (Some(offered), _) => offered.contains(&"none"),
        (None, None | Some("none")) => true,
        (None, Some(_)) => false,
    };
    if preferred == Some("none") || none_offered {
        return Ok(TokenEndpointAuthMethod::None);
    }
    Err(OAuthError::invalid_client_metadata(match preferred {
        Some("private_key_jwt") => Cow::Borrowed(
            "private_key_jwt is not supported by this server (client assertions are not verified): list none in token_endpoint_auth_methods_supported to be used as a public client with PKCE",
        ),
        Some(other) => Cow::Owned(format!(
            "token_endpoint_auth_method {} is not supported: this server accepts only none for client metadata documents",
            quoted(other)
        )),
        None => Cow::Borrowed(
            "token_endpoint_auth_methods_supported must include none: this server accepts only public clients for client metadata documents",
        ),
    }))
}

/// How long to cache a fetched, valid client ID metadata document, from its `Cache-Control`
/// (CIMD §4.4 "SHOULD respect HTTP cache headers … MAY define its own upper and/or lower
/// bounds"): `s-maxage` (we are a shared cache, RFC 9111 §5.2.2.10) or else `max-age`, clamped
/// to [[`CIMD_MIN_TTL`], [`CIMD_MAX_TTL`]]; `no-store` or `no-cache` give the minimum (some
/// caching is needed so a burst of authorizations does not refetch every time); no usable
/// directive gives [`CIMD_DEFAULT_TTL`].
pub fn cache_ttl(cache_control: Option<&str>) -> u64 {
    let Some(header) = cache_control else {
        return CIMD_DEFAULT_TTL;
    };
    let mut max_age = None;
    let mut s_maxage = None;
    for directive in header.split(',') {
        let directive = directive.trim();
        let (name, value) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return CIMD_MIN_TTL;
        }
        let seconds = value.and_then(parse_delta_seconds);
        if name.eq_ignore_ascii_case("max-age") {
            max_age = max_age.or(seconds);
        } else if name.eq_ignore_ascii_case("s-maxage") {
            s_maxage = s_maxage.or(seconds);
        }
    }
    s_maxage
        .or(max_age)
        .map_or(CIMD_DEFAULT_TTL, |s| s.clamp(CIMD_MIN_TTL, CIMD_MAX_TTL))
}

/// RFC 9111 §1.2.2 `delta-seconds = 1*DIGIT`; values too large saturate.
fn parse_delta_seconds(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

// ---------------------------------------------------------------------------------------------
// Strict RFC 3986 URI parsing and host classification (shared with `metadata`)
// ---------------------------------------------------------------------------------------------

/// An absolute URI split into its RFC 3986 §3 components, borrowed from the input. Built only
/// by [`Uri::parse`], which accepts nothing a lenient (WHATWG) parser would have to repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Uri<'a> {
    /// The scheme as written.
    pub(crate) scheme: &'a str,
    /// The authority, when the URI has `//`.
    pub(crate) authority: Option<Authority<'a>>,
    /// The path, possibly empty.
    pub(crate) path: &'a str,
    /// The query without `?`.
    pub(crate) query: Option<&'a str>,
    /// The fragment without `#`.
    pub(crate) fragment: Option<&'a str>,
}

/// RFC 3986 §3.2 authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authority<'a> {
    /// Everything before `@`, when present.
    pub(crate) userinfo: Option<&'a str>,
    /// The host as written; IP-literals keep their brackets.
    pub(crate) host: &'a str,
    /// The port digits as written (`Some("")` for a bare `:`).
    pub(crate) port: Option<&'a str>,
}

impl<'a> Uri<'a> {
    /// Parses an absolute URI. Every character must be one RFC 3986 allows unencoded
    /// (unreserved, gen-delims, sub-delims) or a `%` followed by two hex digits; `[` and `]`
    /// only around an IP-literal host; `#` at most once. Anything else is `None`.
    pub(crate) fn parse(s: &'a str) -> Option<Self> {
        if !is_uri_charset(s) {
            return None;
        }
        let (scheme, rest) = s.split_once(':')?;
        let mut scheme_chars = scheme.bytes();
        if !scheme_chars.next()?.is_ascii_alphabetic()
            || !scheme_chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return None;
        }
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) if !f.contains('#') => (r, Some(f)),
            Some(_) => return None,
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.strip_prefix("//") {
            Some(after) => {
                let end = after.find('/').unwrap_or(after.len());
                let (authority, path) = after.split_at(end);
                (Some(Authority::parse(authority)?), path)
            }
            None => (None, rest),
        };
        if path.contains(['[', ']'])
            || query.is_some_and(|q| q.contains(['[', ']']))
            || fragment.is_some_and(|f| f.contains(['[', ']']))
        {
            return None;
        }
        Some(Self {
            scheme,
            authority,
            path,
            query,
            fragment,
        })
    }
}

impl<'a> Authority<'a> {
    fn parse(s: &'a str) -> Option<Self> {
        let (userinfo, hostport) = match s.split_once('@') {
            Some((_, h)) if h.contains('@') => return None,
            Some((u, h)) => (Some(u), h),
            None => (None, s),
        };
        if userinfo.is_some_and(|u| u.contains(['[', ']'])) {
            return None;
        }
        let (host, port) = if hostport.starts_with('[') {
            let close = hostport.find(']')?;
            let (host, after) = hostport.split_at(close + 1);
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (host, port)
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        let brackets_ok = match host.strip_prefix('[') {
            Some(inner) => inner
                .strip_suffix(']')
                .is_some_and(|i| !i.contains(['[', ']'])),
            None => !host.contains(['[', ']']),
        };
        if !brackets_ok || port.is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        Some(Self {
            userinfo,
            host,
            port,
        })
    }
}

/// RFC 3986 characters: unreserved / gen-delims / sub-delims / pct-encoded.
fn is_uri_charset(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                i += 3;
                continue;
            }
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b':'
            | b'/'
            | b'?'
            | b'#'
            | b'['
            | b']'
            | b'@'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'=' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

/// An explicit port: digits, 1–65535. `Ok(None)` when there is none; a bare `:` is an error.
fn check_port(port: Option<&str>) -> Result<Option<u16>, &'static str> {
    match port {
        None => Ok(None),
        Some("") => Err("empty port"),
        Some(p) if p.len() > 5 => Err("port out of range"),
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => Err("port out of range"),
            Ok(n) => Ok(Some(n)),
        },
    }
}

/// A classified host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    /// A DNS name, lowercased.
    Domain(String),
    /// A canonical dotted-decimal IPv4 address.
    V4(Ipv4Addr),
    /// A bracketed IPv6 literal.
    V6(Ipv6Addr),
}

/// Classifies a host as written in a URI. Refused: empty hosts, percent-encoded hosts,
/// IPvFuture and zone identifiers, labels that are not letters/digits/`-`/`_` or are empty
/// (including a trailing dot), over-long names, and every numeric form a WHATWG URL parser
/// would read as IPv4 unless it is canonical dotted-decimal (WHATWG URL "ends in a number":
/// `2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `1.2.3.4.5`).
pub(crate) fn parse_host(raw: &str) -> Result<Host, &'static str> {
    if raw.is_empty() {
        return Err("empty host");
    }
    if let Some(inner) = raw.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or("unterminated IP literal")?;
        if inner.contains('%') || inner.starts_with(['v', 'V']) {
            return Err("unsupported IP literal");
        }
        return inner
            .parse::<Ipv6Addr>()
            .map(Host::V6)
            .map_err(|_| "invalid IPv6 literal");
    }
    if raw.contains('%') {
        return Err("percent-encoded host");
    }
    if raw.len() > 253 {
        return Err("host name too long");
    }
    let lower = raw.to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err("empty label in host name");
    }
    let last = labels.last().copied().unwrap_or_default();
    if is_numeric_label(last) {
        return canonical_ipv4(&labels)
            .map(Host::V4)
            .ok_or("non-canonical numeric host");
    }
    let valid_label = |l: &&str| {
        l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !labels.iter().all(valid_label) {
        return Err("invalid host name");
    }
    Ok(Host::Domain(lower))
}

/// WHATWG URL "ends in a number": all digits, or `0x`/`0X` followed by hex digits (or nothing).
fn is_numeric_label(label: &str) -> bool {
    if let Some(hex) = label.strip_prefix("0x") {
        return hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit())
}

/// Exactly four decimal labels 0–255 without leading zeros.
fn canonical_ipv4(labels: &[&str]) -> Option<Ipv4Addr> {
    let [a, b, c, d] = labels else {
        return None;
    };
    let octet = |s: &str| -> Option<u8> {
        if s.is_empty() || s.len() > 3 || (s.len() > 1 && s.starts_with('0')) {
            return None;
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    Some(Ipv4Addr::new(octet(a)?, octet(b)?, octet(c)?, octet(d)?))
}

/// Loopback in the wide sense used for the sandbox exception: `localhost`, `*.localhost`,
/// `127.0.0.0/8`, `::1`.
fn is_any_loopback(host: &Host) -> bool {
    match host {
        Host::Domain(name) => name == "localhost" || name.ends_with(".localhost"),
        Host::V4(ip) => ip.is_loopback(),
        Host::V6(ip) => ip.is_loopback(),
    }
}

/// Host names that are never public.
const NON_PUBLIC_SUFFIXES: &[&str] = &[".localhost", ".local", ".internal", ".home.arpa"];

/// The SSRF guard on a host: a fully qualified name outside the non-public suffixes, or a
/// globally reachable IP literal.
pub(crate) fn check_public_host(host: &Host) -> Result<(), String> {
    match host {
        Host::Domain(name) => {
            if name == "localhost" || NON_PUBLIC_SUFFIXES.iter().any(|s| name.ends_with(s)) {
                return Err(format!("{name} is not a public host"));
            }
            if !name.contains('.') {
                return Err("the host must be a fully qualified domain name".to_owned());
            }
            Ok(())
        }
        Host::V4(ip) if is_special_v4(*ip) => Err(format!("{ip} is not a public address")),
        Host::V6(ip) if is_special_v6(*ip) => Err(format!("{ip} is not a public address")),
        Host::V4(_) | Host::V6(_) => Ok(()),
    }
}

/// IPv4 special-purpose ranges (RFC 6890, IANA IPv4 Special-Purpose Address Registry) and
/// multicast/reserved space: none of them is a place a metadata document may live.
pub(crate) fn is_special_v4(ip: Ipv4Addr) -> bool {
    const RANGES: &[([u8; 4], u8)] = &[
        ([0, 0, 0, 0], 8),       // "this network" (RFC 791)
        ([10, 0, 0, 0], 8),      // private (RFC 1918)
        ([100, 64, 0, 0], 10),   // shared address space / CGNAT (RFC 6598)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata endpoints
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // TEST-NET-1
        ([192, 31, 196, 0], 24), // AS112-v4
        ([192, 52, 193, 0], 24), // AMT
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast (deprecated)
        ([192, 168, 0, 0], 16),  // private
        ([192, 175, 48, 0], 24), // direct delegation AS112
        ([198, 18, 0, 0], 15),   // benchmarking (RFC 2544)
        ([198, 51, 100, 0], 24), // TEST-NET-2
        ([203, 0, 113, 0], 24),  // TEST-NET-3
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255 broadcast
    ];
    let addr = u32::from(ip);
    RANGES.iter().any(|(base, len)| {
        let mask = u32::MAX << (32 - u32::from(*len));
        addr & mask == u32::from(Ipv4Addr::from(*base)) & mask
    })
}

/// IPv6: only global unicast `2000::/3` is public, minus the special-purpose blocks inside it
/// (IANA IPv6 Special-Purpose Address Registry). Everything outside `2000::/3` — unspecified,
/// loopback, IPv4-mapped and IPv4-compatible, NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`),
/// discard-only, unique local `fc00::/7`, link-local `fe80::/10`, site-local, multicast — is
/// refused.
pub(crate) fn is_special_v6(ip: Ipv6Addr) -> bool {
    const RANGES: &[(u128, u8)] = &[
        (0x2001_0000_0000_0000_0000_0000_0000_0000, 23), // IETF protocol assignments, Teredo
        (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32), // documentation
        (0x2002_0000_0000_0000_0000_0000_0000_0000, 16), // 6to4 (embeds any IPv4)
        (0x3fff_0000_0000_0000_0000_0000_0000_0000, 20), // documentation (RFC 9637)
    ];
    let addr = u128::from(ip);
    let in_range = |base: u128, len: u8| {
        let mask = u128::MAX << (128 - u32::from(len));
        addr & mask == base & mask
    };
    !in_range(0x2000_0000_0000_0000_0000_0000_0000_0000, 3)
        || RANGES.iter().any(|(base, len)| in_range(*base, *len))
}

#[cfg(test)]
mod tests;
