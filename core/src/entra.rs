//! The worker as an OAuth client of Microsoft Entra ID (v2 endpoints): the authorization URL, the
//! token requests for the authorization-code and refresh-token grants, the token response and its
//! errors, and the claims of the id_token. Everything is build → send → parse (the shell does the
//! fetch, code-style P4); nothing here reads a clock or a random source (P2).
//!
//! Facts this module relies on (sources in brackets):
//! - Scopes only, never `resource`: Entra v2 rejects `resource` together with v2 scopes
//!   ("AADSTS9010010: The resource parameter provided in the request doesn't match with the requested
//!   scopes", anthropics/claude-code#52871, microsoft/powerbi-modeling-mcp#68); the sandbox enforces
//!   the same (`sandbox/src/entra/scopes.rs` `check_resource_param`).
//! - Graph scopes are sent as short names (`Mail.Read`): "if the resource identifier is omitted in
//!   the scope parameter, the resource is assumed to be Microsoft Graph. For example, `scope=User.Read`
//!   is equivalent to `https://graph.microsoft.com/User.Read`" (learn.microsoft.com
//!   entra/identity-platform/scopes-oidc). Short names also stay correct in national clouds, whose
//!   Graph host differs (e.g. `microsoftgraph.chinacloudapi.cn`). The sandbox accepts both forms.
//!   `.default` is the exception: it must be fully qualified (`https://graph.microsoft.com/.default`)
//!   and cannot be combined with named scopes of the same resource (AADSTS70011).
//! - A token request names scopes of one resource only, plus OIDC scopes (AADSTS28000;
//!   MicrosoftDocs/entra-docs `v2-oauth2-auth-code-flow.md`).
//! - `client_secret` in the form body (client_secret_post) is Entra's documented form ("This secret
//!   needs to be URL-Encoded"); HTTP Basic "is also supported" (same page). The sandbox accepts both.
//! - `offline_access` yields a refresh token; `openid profile` yield an id_token carrying `oid`,
//!   `tid` and `preferred_username` (the sandbox only emits `preferred_username`/`name` with `profile`).
//! - Refresh tokens rotate: "Replace the old refresh token with this newly acquired refresh token"
//!   (same page); the caller stores the new one every time (see `vault`).
//! - Error bodies: `{"error","error_description":"AADSTS70008: …","error_codes":[70008],"timestamp",
//!   "trace_id","correlation_id","error_uri"}` (MicrosoftDocs/entra-docs `reference-error-codes.md`).

use std::fmt;

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

/// Graph's resource URI (the prefix of fully qualified Graph scopes).
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
/// Graph's well-known application id (also usable as the scope prefix).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The OIDC scopes sent with every authorization and token request: an id_token with `oid`/`tid`
/// (`openid profile`) and a refresh token (`offline_access`).
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "offline_access"];
/// Scopes that are not Graph permissions (OIDC and `offline_access`).
const RESERVED_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
/// Leeway when checking an id_token's `exp` against our clock, seconds.
pub const ID_TOKEN_LEEWAY_SECS: u64 = 300;
/// Largest id_token we decode (Entra's are a few KB).
const MAX_ID_TOKEN_LEN: usize = 64 * 1024;

/// Graph delegated permissions this server may ask for, in canonical spelling, with the text the
/// consent page shows for them (wording after Microsoft's permission descriptions).
pub const KNOWN_GRAPH_SCOPES: &[(&str, &str)] = &[
    (
        "User.Read",
        "Read your profile (name, email address, job title)",
    ),
    (
        "User.ReadBasic.All",
        "Read the basic profiles of people in your organization",
    ),
    ("Mail.Read", "Read your mail"),
    (
        "Mail.ReadBasic",
        "Read basic details of your mail (without message bodies)",
    ),
    (
        "Mail.ReadWrite",
        "Read, create, change and delete your mail",
    ),
    ("Mail.Send", "Send mail as you"),
    (
        "Mail.Read.Shared",
        "Read mail you can access, including shared mailboxes",
    ),
    (
        "Mail.ReadWrite.Shared",
        "Read and write mail you can access, including shared mailboxes",
    ),
    (
        "Mail.Send.Shared",
        "Send mail on behalf of others or from shared mailboxes",
    ),
    ("MailboxSettings.Read", "Read your mailbox settings"),
    (
        "MailboxSettings.ReadWrite",
        "Read and change your mailbox settings (automatic replies, rules, time zone)",
    ),
    ("Calendars.Read", "Read your calendars"),
    (
        "Calendars.ReadWrite",
        "Read, create, change and delete events in your calendars",
    ),
    (
        "Calendars.Read.Shared",
        "Read calendars you can access, including shared calendars",
    ),
    (
        "Calendars.ReadWrite.Shared",
        "Read and write calendars you can access, including shared calendars",
    ),
    ("Contacts.Read", "Read your contacts"),
    (
        "Contacts.ReadWrite",
        "Read, create, change and delete your contacts",
    ),
    (
        "People.Read",
        "Read the list of people most relevant to you",
    ),
    ("Chat.Read", "Read your Teams chat messages"),
    (
        "Chat.ReadBasic",
        "Read the names and members of your Teams chats",
    ),
    ("Chat.ReadWrite", "Read and send your Teams chat messages"),
    ("ChatMessage.Send", "Send Teams chat messages as you"),
    (
        "ChannelMessage.Read.All",
        "Read Teams channel messages you can access",
    ),
    (
        "ChannelMessage.Send",
        "Post messages to Teams channels as you",
    ),
    (
        "Team.ReadBasic.All",
        "Read the names and descriptions of your teams",
    ),
    (
        "Channel.ReadBasic.All",
        "Read the names and descriptions of channels in your teams",
    ),
    ("OnlineMeetings.Read", "Read your online meetings"),
    (
        "OnlineMeetings.ReadWrite",
        "Read and create online meetings as you",
    ),
    ("Presence.Read", "Read your presence information"),
    ("Files.Read", "Read your files"),
    ("Files.ReadWrite", "Read, change and delete your files"),
];

/// RFC 3986 unreserved characters stay; everything else in a path segment is escaped.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// `Debug` is redacted and there is no `PartialEq` (code-style P9); read the value with
        /// `secret()` only where it goes on the wire or into the vault.
        #[derive(Clone)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted; {} bytes])"), self.0.len())
            }
        }
    };
}

secret_type!(
    /// The worker's Entra client secret (Workers secret `ENTRA_CLIENT_SECRET`).
    ClientSecret
);
secret_type!(
    /// A Microsoft (Graph) access token. Opaque to us: never decoded (Microsoft account tokens are
    /// not JWTs, and Graph tokens are not meant to be read by clients).
    AccessToken
);
secret_type!(
    /// A Microsoft refresh token.
    RefreshToken
);
secret_type!(
    /// An authorization code Entra sent to `/callback`.
    AuthorizationCode
);
secret_type!(
    /// The PKCE code verifier of the upstream (worker → Entra) authorization request.
    CodeVerifier
);

/// Where and as whom the worker signs users in.
#[derive(Debug, Clone)]
pub struct EntraConfig {
    /// `https://login.microsoftonline.com`, or the sandbox base URL (`http://127.0.0.1:8790`).
    /// A trailing `/` is ignored.
    pub authority: String,
    /// `common`, `organizations`, `consumers`, or a tenant id / verified domain.
    pub tenant: String,
    /// The app registration's Application (client) ID.
    pub client_id: String,
    pub client_secret: ClientSecret,
    /// `https://<host>/callback`, registered on the app (web platform).
    pub redirect_uri: String,
}

impl EntraConfig {
    fn endpoint(&self, leaf: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/{leaf}",
            self.authority.trim_end_matches('/'),
            utf8_percent_encode(self.tenant.trim(), PATH_SEGMENT)
        )
    }

    /// `{authority}/{tenant}/oauth2/v2.0/authorize`.
    pub fn authorize_endpoint(&self) -> String {
        self.endpoint("authorize")
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_endpoint(&self) -> String {
        self.endpoint("token")
    }
}

/// An outbound HTTP request for the shell to send. `Debug` leaves out the body, which carries the
/// client secret and a code or refresh token.
#[derive(Clone)]
pub struct HttpRequestParts {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl fmt::Debug for HttpRequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequestParts")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field(
                "body",
                &format_args!("[redacted; {} bytes]", self.body.len()),
            )
            .finish()
    }
}

/// Normalise Graph delegated scopes for an Entra request:
/// - trims, drops empties, names with characters no Graph permission has (only ASCII letters,
///   digits, `.`, `_`, `-` pass), OIDC scopes (`openid profile email offline_access`, which the request
///   builders add themselves) and scopes of other resources (`api://…`; a token request may only
///   name one resource, AADSTS28000);
/// - strips the Graph prefix (`https://graph.microsoft.com/` or Graph's app id) and writes known
///   permissions in canonical case (`mail.read` → `Mail.Read`);
/// - dedupes case-insensitively, keeping first-seen order;
/// - drops `.default` when named scopes are present (Entra rejects the mix, AADSTS70011) and writes
///   a lone `.default` fully qualified (`https://graph.microsoft.com/.default`; a bare `.default`
///   is invalid).
pub fn graph_scope_strings(scopes: &[&str]) -> Vec<String> {
    let mut named: Vec<String> = Vec::new();
    let mut wants_default = false;
    for raw in scopes {
        let s = raw.trim();
        if s.is_empty() || RESERVED_SCOPES.iter().any(|r| r.eq_ignore_ascii_case(s)) {
            continue;
        }
        let Some(name) = graph_scope_name(s) else {
            continue;
        };
        if name.eq_ignore_ascii_case(".default") {
            wants_default = true;
            continue;
        }
        // Graph permission names are letters, digits and dots (`User.ReadBasic.All`).
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            continue;
        }
        let canonical =
            canonical_graph_scope(name).map_or_else(|| name.to_string(), str::to_string);
        if !named.iter().any(|n| n.eq_ignore_ascii_case(&canonical)) {
            named.push(canonical);
        }
    }
    if named.is_empty() && wants_default {
        named.push(format!("{GRAPH_RESOURCE}/.default"));
    }
    named
}

/// The Graph permission name in `s` (`Mail.Read` for `Mail.Read`,
/// `https://graph.microsoft.com/Mail.Read` or `00000003-…/Mail.Read`); `None` for another resource.
fn graph_scope_name(s: &str) -> Option<&str> {
    for prefix in [GRAPH_RESOURCE, GRAPH_APP_ID] {
        if let Some(head) = s.get(..prefix.len()) {
            if head.eq_ignore_ascii_case(prefix) {
                return s[prefix.len()..].strip_prefix('/');
            }
        }
    }
    if s.contains('/') || s.contains(':') {
        None
    } else {
        Some(s)
    }
}

/// The canonical spelling of a known Graph permission.
pub fn canonical_graph_scope(name: &str) -> Option<&'static str> {
    KNOWN_GRAPH_SCOPES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(n, _)| *n)
}

/// The `scope` value for Entra: `openid profile offline_access` plus the normalised Graph scopes.
fn scope_param(scopes: &[String]) -> String {
    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let mut all: Vec<String> = OIDC_SCOPES.iter().map(|s| (*s).to_string()).collect();
    all.extend(graph_scope_strings(&refs));
    all.join(" ")
}

/// The `prompt` values Entra v2 documents; anything else is left out of the request.
const PROMPTS: &[&str] = &["login", "none", "consent", "select_account"];

/// Parameters the worker sets itself; [`authorize_url_with_extra`] never lets extras override them
/// (and never sends `resource`).
const RESERVED_AUTHORIZE_PARAMS: &[&str] = &[
    "client_id",
    "response_type",
    "redirect_uri",
    "response_mode",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
    "prompt",
    "resource",
    "client_secret",
];

/// The Entra v2 authorization URL the consent step redirects the browser to:
/// `{authority}/{tenant}/oauth2/v2.0/authorize?client_id=…&response_type=code&redirect_uri=…&
/// response_mode=query&scope=openid profile offline_access <graph scopes>&state=…&
/// code_challenge=…&code_challenge_method=S256[&login_hint=…][&prompt=…]`.
///
/// `code_challenge` is BASE64URL(SHA-256(verifier)) (RFC 7636 §4.2); `state` is the single-use value
/// bound to the pending request. `prompt` is sent only if it is one of Entra's values (`login`,
/// `none`, `consent`, `select_account`). No `resource` parameter, ever (AADSTS9010010).
pub fn authorize_url(
    cfg: &EntraConfig,
    state: &str,
    code_challenge: &str,
    scopes: &[String],
    login_hint: Option<&str>,
    prompt: Option<&str>,
) -> String {
    authorize_url_with_extra(cfg, state, code_challenge, scopes, login_hint, prompt, &[])
}

/// [`authorize_url`] plus extra query parameters, e.g. `domain_hint`, or the sandbox's
/// `sandbox_auto=1` (with `login_hint`, the sandbox signs the hinted user in without showing its
/// page; tests use it). Extras named like a parameter the worker sets (or `resource`) are dropped.
pub fn authorize_url_with_extra(
    cfg: &EntraConfig,
    state: &str,
    code_challenge: &str,
    scopes: &[String],
    login_hint: Option<&str>,
    prompt: Option<&str>,
    extra: &[(&str, &str)],
) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", &cfg.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &cfg.redirect_uri)
        .append_pair("response_mode", "query")
        .append_pair("scope", &scope_param(scopes))
        .append_pair("state", state)
        .append_pair("code_challenge", code_challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(hint) = login_hint.map(str::trim).filter(|h| !h.is_empty()) {
        q.append_pair("login_hint", hint);
    }
    if let Some(p) = prompt.map(str::trim) {
        if let Some(p) = PROMPTS.iter().find(|v| v.eq_ignore_ascii_case(p)) {
            q.append_pair("prompt", p);
        }
    }
    for (k, v) in extra {
        if !RESERVED_AUTHORIZE_PARAMS
            .iter()
            .any(|r| r.eq_ignore_ascii_case(k.trim()))
        {
            q.append_pair(k, v);
        }
    }
    format!("{}?{}", cfg.authorize_endpoint(), q.finish())
}

fn token_request(cfg: &EntraConfig, params: &[(&str, &str)]) -> HttpRequestParts {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("client_id", &cfg.client_id);
    for (k, v) in params {
        body.append_pair(k, v);
    }
    // client_secret_post: Entra's documented form; the serializer URL-encodes it.
    body.append_pair("client_secret", cfg.client_secret.secret());
    HttpRequestParts {
        method: "POST",
        url: cfg.token_endpoint(),
        headers: vec![
            (
                "content-type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            ),
            ("accept".to_string(), "application/json".to_string()),
        ],
        body: body.finish(),
    }
}

/// Redeem the code Entra sent to `/callback` (grant `authorization_code`, with the PKCE verifier,
/// the same `redirect_uri` and the Graph scopes; RFC 6749 §4.1.3, RFC 7636 §4.5).
pub fn token_request_for_code(
    cfg: &EntraConfig,
    code: &AuthorizationCode,
    code_verifier: &CodeVerifier,
    scopes: &[String],
) -> HttpRequestParts {
    let scope = scope_param(scopes);
    token_request(
        cfg,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.secret()),
            ("redirect_uri", &cfg.redirect_uri),
            ("code_verifier", code_verifier.secret()),
            ("scope", &scope),
        ],
    )
}

/// Refresh the Microsoft access token (grant `refresh_token`, RFC 6749 §6). `scopes` are the Graph
/// scopes the user granted; `openid profile offline_access` are added so the answer carries a new
/// refresh token (always store it) and an id_token.
pub fn token_request_for_refresh(
    cfg: &EntraConfig,
    refresh_token: &RefreshToken,
    scopes: &[String],
) -> HttpRequestParts {
    let scope = scope_param(scopes);
    token_request(
        cfg,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.secret()),
            ("scope", &scope),
        ],
    )
}

/// A successful token response.
#[derive(Debug, Clone)]
pub struct EntraTokens {
    pub access_token: AccessToken,
    /// Present when `offline_access` was granted; a new one on every refresh.
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime of the access token, seconds.
    pub expires_in: u64,
    /// The scopes granted, as Entra reports them, normalised: Graph permissions as short names
    /// (`Mail.Read`, Entra writes `https://graph.microsoft.com/Mail.Read` or short names), OIDC
    /// scopes as is, other resources' scopes as full URIs; deduplicated. Empty when Entra left
    /// `scope` out ("the token is for the scopes requested").
    pub scope: Vec<String>,
    /// The raw id_token (a JWT), when `openid` was requested. Read it with [`id_token_claims`].
    pub id_token: Option<String>,
}

/// Why a token request failed, classified by what the caller does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntraError {
    /// `invalid_grant`: the code or refresh token is expired, revoked or already used
    /// (AADSTS50173 revoked, 700082/70008 expired by inactivity, 70043 sign-in frequency,
    /// 54005 code already redeemed, 70000 invalid, 50089 flow token expired, …). For a refresh token
    /// this means the user must authorize again: call `MicrosoftTokens::mark_needs_reconsent`.
    InvalidGrant {
        codes: Vec<u64>,
        description: String,
    },
    /// `interaction_required`, or an `invalid_grant` whose code asks for an interactive step
    /// (MFA 50076/50079/50078/50072/50074/50158, Conditional Access 53000–53004, password
    /// change 50132/50133): the user must go through the authorize endpoint again.
    InteractionRequired {
        codes: Vec<u64>,
        description: String,
    },
    /// `consent_required` or AADSTS65001 (DelegationDoesNotExist): the user (or an admin) has not
    /// consented to the scopes asked for; authorize again, asking for them.
    ConsentRequired {
        codes: Vec<u64>,
        description: String,
    },
    /// `invalid_client` / `unauthorized_client`: the worker's registration or secret is wrong or
    /// expired (AADSTS7000215, 7000222, 700016). An operator problem; retrying does not help.
    InvalidClient {
        codes: Vec<u64>,
        description: String,
    },
    /// 5xx, 429, `temporarily_unavailable`, `server_error`: retry later (after `retry_after`
    /// seconds when known; see [`EntraError::with_retry_after`]).
    Transient {
        status: u16,
        retry_after: Option<u64>,
        codes: Vec<u64>,
        description: String,
    },
    /// Any other OAuth error (`invalid_request`, `invalid_scope`, …).
    Other {
        status: u16,
        error: String,
        codes: Vec<u64>,
        description: String,
    },
    /// A 2xx answer that is not a usable token response (not JSON, no `access_token`, …).
    MalformedResponse { detail: &'static str },
    /// The id_token is unusable (see [`IdTokenError`]).
    InvalidIdToken(IdTokenError),
}

/// What is wrong with an id_token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTokenError {
    /// Not a compact JWS with a base64url JSON header and payload.
    Malformed,
    /// `aud` does not name our client id (OIDC Core §3.1.3.7 rule 3), or `azp` names another.
    AudienceMismatch,
    /// `exp` missing, or in the past (rule 9).
    Expired,
    /// `iss` missing or not `…/{tid}/v2.0` (rule 2, Entra's multi-tenant issuer form).
    IssuerMismatch,
    /// A required claim (`oid`, `tid`) is missing or not a non-empty string.
    MissingClaim(&'static str),
}

impl EntraError {
    /// The `error_codes` (AADSTS numbers) Entra sent, if any.
    pub fn codes(&self) -> &[u64] {
        match self {
            Self::InvalidGrant { codes, .. }
            | Self::InteractionRequired { codes, .. }
            | Self::ConsentRequired { codes, .. }
            | Self::InvalidClient { codes, .. }
            | Self::Transient { codes, .. }
            | Self::Other { codes, .. } => codes,
            Self::MalformedResponse { .. } | Self::InvalidIdToken(_) => &[],
        }
    }

    /// Whether the user must go through authorization (and Microsoft sign-in) again: the refresh
    /// token is dead or Entra wants interaction or consent. On a refresh, the caller marks the vault
    /// record (`MicrosoftTokens::mark_needs_reconsent`).
    pub fn needs_reauthorization(&self) -> bool {
        matches!(
            self,
            Self::InvalidGrant { .. }
                | Self::InteractionRequired { .. }
                | Self::ConsentRequired { .. }
        )
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }

    /// Attach the `Retry-After` header of the response (delta-seconds form; HTTP dates are
    /// ignored) to a [`EntraError::Transient`].
    #[must_use]
    pub fn with_retry_after(self, header: Option<&str>) -> Self {
        match self {
            Self::Transient {
                status,
                codes,
                description,
                ..
            } => Self::Transient {
                status,
                retry_after: header.and_then(|h| h.trim().parse::<u64>().ok()),
                codes,
                description,
            },
            other => other,
        }
    }
}

/// Short and free of personal data (descriptions can name the user's account), so fit for logs:
/// the class and the AADSTS codes.
impl fmt::Display for EntraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::InvalidGrant { .. } => "invalid_grant",
            Self::InteractionRequired { .. } => "interaction_required",
            Self::ConsentRequired { .. } => "consent_required",
            Self::InvalidClient { .. } => "invalid_client",
            Self::Transient { .. } => "transient",
            Self::Other { error, .. } => {
                if error.is_empty() {
                    "error"
                } else {
                    error.as_str()
                }
            }
            Self::MalformedResponse { detail } => {
                return write!(f, "malformed token response: {detail}")
            }
            Self::InvalidIdToken(e) => return write!(f, "invalid id_token: {e:?}"),
        };
        f.write_str("entra ")?;
        f.write_str(kind)?;
        if let Self::Transient { status, .. } | Self::Other { status, .. } = self {
            write!(f, " (HTTP {status})")?;
        }
        for c in self.codes() {
            write!(f, " AADSTS{c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EntraError {}

/// AADSTS codes that come with `invalid_grant` but mean "send the user through an interactive
/// sign-in" (MicrosoftDocs/entra-docs `reference-error-codes.md`).
const INTERACTION_CODES: &[u64] = &[
    50_072, 50_074, 50_076, 50_078, 50_079, 50_125, 50_132, 50_133, 50_158, 53_000, 53_001, 53_002,
    53_003, 53_004,
];
/// AADSTS65001 DelegationDoesNotExist: no consent for the requested scopes.
const CONSENT_CODE: u64 = 65_001;

/// Parse the token endpoint's answer (status and body; pass `Retry-After` through
/// [`EntraError::with_retry_after`]).
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<EntraTokens, EntraError> {
    let json: Option<Map<String, Value>> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    };
    let is_success = (200..300).contains(&status);
    match json {
        Some(m) if is_success && m.get("error").is_none() => parse_tokens(&m),
        Some(m) => Err(classify_error(status, &m)),
        None if is_success => Err(EntraError::MalformedResponse {
            detail: "body is not a JSON object",
        }),
        None => Err(classify_error(status, &Map::new())),
    }
}

fn parse_tokens(m: &Map<String, Value>) -> Result<EntraTokens, EntraError> {
    let access_token = m
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(EntraError::MalformedResponse {
            detail: "no access_token",
        })?;
    if let Some(tt) = m.get("token_type").and_then(Value::as_str) {
        if !tt.eq_ignore_ascii_case("bearer") {
            return Err(EntraError::MalformedResponse {
                detail: "token_type is not Bearer",
            });
        }
    }
    // v2 sends a number; the v1 endpoint sent a string. Accept both.
    let expires_in = match m.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .ok_or(EntraError::MalformedResponse {
        detail: "no usable expires_in",
    })?;
    let refresh_token = m
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(RefreshToken::new);
    let id_token = m
        .get("id_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let scope = m
        .get("scope")
        .and_then(Value::as_str)
        .map(normalize_granted_scopes)
        .unwrap_or_default();
    Ok(EntraTokens {
        access_token: AccessToken::new(access_token),
        refresh_token,
        expires_in,
        scope,
        id_token,
    })
}

/// The granted `scope` string → short Graph names, OIDC names, other resources' full URIs.
/// Tolerates a percent-encoded value (Microsoft's own sample shows
/// `"scope": "https%3A%2F%2Fgraph.microsoft.com%2Fmail.read"`).
fn normalize_granted_scopes(raw: &str) -> Vec<String> {
    let decoded = percent_decode_str(raw).decode_utf8_lossy();
    let mut out: Vec<String> = Vec::new();
    for s in decoded.split_whitespace() {
        let name = match graph_scope_name(s) {
            Some(n) if n.eq_ignore_ascii_case(".default") => format!("{GRAPH_RESOURCE}/.default"),
            Some(n) if !n.is_empty() => {
                canonical_graph_scope(n).map_or_else(|| n.to_string(), str::to_string)
            }
            _ => s.to_string(),
        };
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}

fn classify_error(status: u16, m: &Map<String, Value>) -> EntraError {
    let error = m
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let description = m
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let codes: Vec<u64> = m
        .get("error_codes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let suberror = m.get("suberror").and_then(Value::as_str).unwrap_or("");
    let has = |list: &[u64]| codes.iter().any(|c| list.contains(c));

    if status == 429
        || status >= 500
        || error == "temporarily_unavailable"
        || error == "server_error"
    {
        return EntraError::Transient {
            status,
            retry_after: None,
            codes,
            description,
        };
    }
    match error.as_str() {
        "consent_required" => EntraError::ConsentRequired { codes, description },
        "interaction_required" if codes.contains(&CONSENT_CODE) => {
            EntraError::ConsentRequired { codes, description }
        }
        "interaction_required" => EntraError::InteractionRequired { codes, description },
        "invalid_grant" if codes.contains(&CONSENT_CODE) || suberror == "consent_required" => {
            EntraError::ConsentRequired { codes, description }
        }
        "invalid_grant" if has(INTERACTION_CODES) => {
            EntraError::InteractionRequired { codes, description }
        }
        "invalid_grant" => EntraError::InvalidGrant { codes, description },
        "invalid_client" | "unauthorized_client" => {
            EntraError::InvalidClient { codes, description }
        }
        _ => EntraError::Other {
            status,
            error,
            codes,
            description,
        },
    }
}

/// The user facts the worker takes from the id_token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenClaims {
    /// Object id of the user in their tenant: with `tid`, the stable key of the user.
    pub oid: String,
    /// Tenant id (`9188040d-6c67-4c5b-b112-36a304b66dad` for personal Microsoft accounts).
    pub tid: String,
    /// Sign-in name (UPN or email); needs the `profile` scope. Display only, never a key (mutable).
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    /// Only with the `email` scope (which we don't request) or optional-claim configuration.
    pub email: Option<String>,
    pub exp: u64,
}

impl IdTokenClaims {
    /// What to show as the account: `preferred_username`, else `email`, else `oid`.
    pub fn username(&self) -> &str {
        self.preferred_username
            .as_deref()
            .or(self.email.as_deref())
            .unwrap_or(&self.oid)
    }
}

/// Read the claims of the id_token from a token response, checking `aud` (our client id; `azp`
/// too when several audiences), `exp` (against `now`, Unix seconds, with
/// [`ID_TOKEN_LEEWAY_SECS`]), `iss` (ends with `/{tid}/v2.0`) and the presence of `oid` and `tid`.
///
/// The signature is not verified. OIDC Core 1.0 §3.1.3.7 rule 6: "If the ID Token is received via
/// direct communication between the Client and the Token Endpoint (which it is in this flow), the
/// TLS server validation MAY be used to validate the issuer in place of checking the token
/// signature." Only call this on the `id_token` of a [`parse_token_response`] answer fetched over
/// HTTPS from the configured authority, never on a token from the browser. (The sandbox signs with
/// HS256 and publishes an empty JWKS, so verification against its keys is not even possible
/// there; `sandbox/src/entra/mod.rs`.)
pub fn id_token_claims(
    id_token: &str,
    client_id: &str,
    now: u64,
) -> Result<IdTokenClaims, EntraError> {
    let bad = |e: IdTokenError| EntraError::InvalidIdToken(e);
    if id_token.len() > MAX_ID_TOKEN_LEN {
        return Err(bad(IdTokenError::Malformed));
    }
    let parts: Vec<&str> = id_token.trim().split('.').collect();
    let [header, payload, _signature] = parts.as_slice() else {
        return Err(bad(IdTokenError::Malformed));
    };
    decode_json_object(header).ok_or(bad(IdTokenError::Malformed))?;
    let claims = decode_json_object(payload).ok_or(bad(IdTokenError::Malformed))?;

    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a.eq_ignore_ascii_case(client_id),
        Some(Value::Array(list)) => {
            let names_us = list
                .iter()
                .filter_map(Value::as_str)
                .any(|a| a.eq_ignore_ascii_case(client_id));
            let azp_ok = list.len() < 2
                || claims
                    .get("azp")
                    .and_then(Value::as_str)
                    .is_none_or(|azp| azp.eq_ignore_ascii_case(client_id));
            names_us && azp_ok
        }
        _ => false,
    };
    if !aud_ok || client_id.is_empty() {
        return Err(bad(IdTokenError::AudienceMismatch));
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or(bad(IdTokenError::Expired))?;
    if now >= exp.saturating_add(ID_TOKEN_LEEWAY_SECS) {
        return Err(bad(IdTokenError::Expired));
    }
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let oid = text("oid").ok_or(bad(IdTokenError::MissingClaim("oid")))?;
    let tid = text("tid").ok_or(bad(IdTokenError::MissingClaim("tid")))?;
    let iss = text("iss").ok_or(bad(IdTokenError::IssuerMismatch))?;
    let tail = format!("/{tid}/v2.0");
    let iss_ok = iss.len() > tail.len()
        && iss
            .get(iss.len() - tail.len()..)
            .is_some_and(|t| t.eq_ignore_ascii_case(&tail));
    if !iss_ok {
        return Err(bad(IdTokenError::IssuerMismatch));
    }
    Ok(IdTokenClaims {
        oid,
        tid,
        preferred_username: text("preferred_username"),
        name: text("name"),
        email: text("email"),
        exp,
    })
}

fn decode_json_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = if part.ends_with('=') {
        URL_SAFE.decode(part).ok()?
    } else {
        URL_SAFE_NO_PAD.decode(part).ok()?
    };
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_strings_normalise() {
        let got = graph_scope_strings(&[
            "mail.read",
            "https://graph.microsoft.com/Mail.Read",
            " Calendars.ReadWrite ",
            "offline_access",
            "openid",
            "",
            "api://other/thing",
            "https://graph.microsoft.com/.default",
            "00000003-0000-0000-c000-000000000000/Mail.Send",
            "Custom.Scope",
        ]);
        assert_eq!(
            got,
            [
                "Mail.Read",
                "Calendars.ReadWrite",
                "Mail.Send",
                "Custom.Scope"
            ]
        );
        assert_eq!(
            graph_scope_strings(&[".default", "openid"]),
            ["https://graph.microsoft.com/.default"]
        );
        assert!(graph_scope_strings(&[]).is_empty());
    }

    #[test]
    fn granted_scopes_normalise() {
        assert_eq!(
            normalize_granted_scopes(
                "profile openid email https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/user.read"
            ),
            ["profile", "openid", "email", "Mail.Read", "User.Read"]
        );
        assert_eq!(
            normalize_granted_scopes("https%3A%2F%2Fgraph.microsoft.com%2Fmail.read"),
            ["Mail.Read"]
        );
        assert_eq!(
            normalize_granted_scopes("api://x/y.read"),
            ["api://x/y.read"]
        );
    }

    #[test]
    fn display_has_codes_not_description() {
        let e = EntraError::InvalidGrant {
            codes: vec![70_008],
            description: "AADSTS70008: user@example.com".into(),
        };
        let s = e.to_string();
        assert_eq!(s, "entra invalid_grant AADSTS70008");
        assert!(!s.contains("example.com"));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let t = RefreshToken::new("0.AAAA-very-secret");
        assert!(!format!("{t:?}").contains("very-secret"));
        let cfg = EntraConfig {
            authority: "https://login.microsoftonline.com".into(),
            tenant: "common".into(),
            client_id: "cid".into(),
            client_secret: ClientSecret::new("s3cr3t-value"),
            redirect_uri: "https://mcp.example.com/callback".into(),
        };
        assert!(!format!("{cfg:?}").contains("s3cr3t"));
        let req = token_request_for_refresh(&cfg, &t, &["Mail.Read".into()]);
        let dbg = format!("{req:?}");
        assert!(!dbg.contains("s3cr3t") && !dbg.contains("very-secret"));
    }
}
