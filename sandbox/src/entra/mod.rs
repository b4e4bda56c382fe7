//! Microsoft Entra ID (v2 endpoints) as the worker meets it: the authorization-code flow with
//! PKCE for a confidential client, refresh-token rotation, OIDC discovery, and the validation of
//! Graph access tokens (`authenticate`) that the Graph routes call.
//!
//! Routes (all under `/{tenant}`, where `tenant` is `common`, `organizations`, `consumers`, a
//! tenant id or a verified domain):
//! - `GET|POST /{tenant}/oauth2/v2.0/authorize`: the sign-in page (a plain HTML form listing the
//!   users the tenant segment allows) and the code issuance when that form is posted;
//! - `POST /{tenant}/oauth2/v2.0/token`: `authorization_code` and `refresh_token` grants;
//! - `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /{tenant}/discovery/v2.0/keys`;
//! - `GET /{tenant}/oauth2/v2.0/logout`.
//!
//! Deliberate differences from Entra (each a sandbox policy, documented where it is enforced):
//! - tokens are HS256 JWTs signed with a random per-state key; the JWKS is empty, so the id_token
//!   signature cannot be checked against it (a confidential client that received the id_token
//!   directly from the token endpoint may skip that check, OIDC Core §3.1.3.7);
//! - PKCE is required and must be S256 (`require_pkce`, `require_s256`; Entra accepts `plain` and
//!   does not require PKCE for web apps);
//! - `scope` is required at the token endpoint (Entra documents it as optional);
//! - a refresh token stops working once it has been used (`strict_rotation`; Entra keeps old
//!   refresh tokens valid, "Refresh tokens aren't revoked when used to acquire new access tokens");
//! - only the requested scopes are granted (Entra also returns scopes consented earlier).

mod authorize;
mod errors;
mod jwt;
mod metadata;
mod principal;
mod scopes;
mod token;

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::{
    routing::{get, post},
    Router,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{
    server::{Sandbox, Shared},
    store::{AccountKind, User, World},
};

pub use principal::{authenticate, principal_has_scope, Principal};

/// Client id of the sandbox's own app registration (the worker is configured with it).
pub const SANDBOX_CLIENT_ID: &str = "6e2f1c3a-5b7d-4e8f-9a0b-5a1db0c5e365";
/// Its client secret. Fake on purpose.
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-secret-not-for-production";
/// Its display name (`app_displayname`, sign-in page).
pub const SANDBOX_APP_NAME: &str = "M365 MCP (sandbox)";
/// Graph's resource URI: the `aud` of Graph access tokens and the prefix of Graph scopes.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
/// Graph's well-known application id (also accepted as an audience).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The tenant id of personal Microsoft accounts (the `consumers` tenant).
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
/// `expires_in` of access tokens, seconds.
pub const ACCESS_TOKEN_LIFETIME_SECS: i64 = 3599;
/// Lifetime of an authorization code, seconds ("Typically, they expire after about 10 minutes").
pub const AUTH_CODE_LIFETIME_SECS: i64 = 600;
/// Refresh tokens expire after this much inactivity (Entra's default sliding window).
pub const REFRESH_TOKEN_INACTIVITY_DAYS: i64 = 90;

/// The Graph delegated permissions every registered app is consented for. `.default` grants
/// exactly these.
pub const CONSENTED_GRAPH_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Mail.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Contacts.Read",
    "Contacts.ReadWrite",
    "People.Read",
    "MailboxSettings.Read",
    "MailboxSettings.ReadWrite",
    "Chat.Read",
    "Chat.ReadWrite",
    "ChannelMessage.Send",
    "ChannelMessage.Read.All",
    "Team.ReadBasic.All",
    "Channel.ReadBasic.All",
    "OnlineMeetings.ReadWrite",
];

/// Further Graph delegated permissions that exist and may be requested by name (the user consents
/// on the sign-in page). Anything else under Graph is answered with AADSTS650053.
pub const OTHER_KNOWN_GRAPH_SCOPES: &[&str] = &[
    "User.ReadWrite",
    "User.Read.All",
    "Mail.ReadBasic",
    "Mail.Read.Shared",
    "Mail.ReadWrite.Shared",
    "Mail.Send.Shared",
    "Calendars.ReadBasic",
    "Calendars.ReadWrite.Shared",
    "Contacts.Read.Shared",
    "Contacts.ReadWrite.Shared",
    "Chat.ReadBasic",
    "ChatMessage.Read",
    "ChatMessage.Send",
    "TeamMember.Read.All",
    "ChannelMember.Read.All",
    "OnlineMeetings.Read",
    "Presence.Read",
    "Files.Read",
    "Files.ReadWrite",
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Tasks.Read",
    "Tasks.ReadWrite",
    "Notes.Read",
    "Group.Read.All",
    "Directory.Read.All",
    "Place.Read.All",
    "IMAP.AccessAsUser.All",
    "SMTP.Send",
];

/// An app registration.
#[derive(Debug, Clone)]
pub struct RegisteredApp {
    pub client_id: String,
    pub display_name: String,
    pub client_secret: String,
    /// Exact redirect URIs. A registered `http://localhost…`/`http://127.0.0.1…` URI also matches
    /// the same URI on any port (Entra's loopback exception).
    pub redirect_uris: Vec<String>,
    /// Accept any loopback redirect URI (`http://127.0.0.1:*`, `http://localhost:*`,
    /// `http://[::1]:*`, any path). True for the sandbox app.
    pub any_loopback_redirect: bool,
}

/// Which accounts a `{tenant}` path segment admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantSelector {
    /// `common`: work and personal accounts.
    Common,
    /// `organizations`: work accounts only.
    Organizations,
    /// `consumers`: personal accounts only.
    Consumers,
    /// A tenant id or verified domain: that tenant's accounts.
    Tenant(String),
}

impl TenantSelector {
    /// Whether a user may sign in through this segment. Disabled accounts (`accountEnabled:
    /// false`, as shared mailboxes are) never can.
    pub fn admits(&self, user: &User) -> bool {
        if user.profile.get("accountEnabled") == Some(&Value::Bool(false)) {
            return false;
        }
        match self {
            Self::Common => true,
            Self::Organizations => user.kind == AccountKind::Work,
            Self::Consumers => user.kind == AccountKind::Personal,
            Self::Tenant(id) => user.tenant_id.eq_ignore_ascii_case(id),
        }
    }
}

/// Resolve a `{tenant}` path segment against the world's tenants (ids and verified domains).
/// `None` is Entra's AADSTS90002 (tenant not found).
pub fn resolve_tenant(world: &World, segment: &str) -> Option<TenantSelector> {
    let seg = segment.trim();
    if seg.eq_ignore_ascii_case("common") {
        return Some(TenantSelector::Common);
    }
    if seg.eq_ignore_ascii_case("organizations") {
        return Some(TenantSelector::Organizations);
    }
    if seg.eq_ignore_ascii_case("consumers") {
        return Some(TenantSelector::Consumers);
    }
    if seg.eq_ignore_ascii_case(CONSUMERS_TENANT_ID) {
        return Some(TenantSelector::Tenant(CONSUMERS_TENANT_ID.to_string()));
    }
    world
        .tenants
        .iter()
        .find(|t| t.id.eq_ignore_ascii_case(seg) || t.domain.eq_ignore_ascii_case(seg))
        .map(|t| TenantSelector::Tenant(t.id.clone()))
        .or_else(|| {
            // A tenant that only shows up through its users (no `Tenant` entry).
            world
                .users
                .iter()
                .find(|u| u.tenant_id.eq_ignore_ascii_case(seg))
                .map(|u| TenantSelector::Tenant(u.tenant_id.clone()))
        })
}

/// A signing key, kept out of `Debug` output.
#[derive(Clone)]
pub(crate) struct SigningKey(pub(crate) [u8; 32]);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

/// An authorization code waiting to be redeemed.
#[derive(Debug, Clone)]
pub(crate) struct PendingCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub tenant: TenantSelector,
    pub user_id: String,
    /// Everything granted at `/authorize` (may span several resources).
    pub scopes: scopes::ScopeSet,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: String,
    pub issued_at: DateTime<Utc>,
    pub redeemed: bool,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub user_id: String,
    /// Scopes the user consented to in the flow that produced this grant (all resources), in
    /// full-URI form (`https://graph.microsoft.com/Mail.Read`, `api://x/y`).
    pub consented: Vec<String>,
    pub last_used: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    /// Set once the token has been exchanged (only enforced with `strict_rotation`).
    pub used: bool,
    pub revoked: bool,
}

/// Everything Entra remembers. Replaced by `EntraState::default()` on `/_admin/reset`, which also
/// rotates the signing key (so every token issued before the reset stops validating).
#[derive(Debug)]
pub struct EntraState {
    /// App registrations by client id. Holds the sandbox app from the start.
    pub apps: BTreeMap<String, RegisteredApp>,
    /// Reject a refresh token once it has been exchanged (default true). Entra itself does NOT
    /// revoke a used refresh token; this exists so tests prove the worker stores the newest one.
    pub strict_rotation: bool,
    /// Require PKCE on every authorization request (default true; Entra requires it only for SPA
    /// redirect URIs).
    pub require_pkce: bool,
    /// Require `code_challenge_method=S256` (default true; Entra also accepts `plain`).
    pub require_s256: bool,
    /// Issue opaque (non-JWT) access tokens for personal accounts, as Graph tokens for Microsoft
    /// accounts really are (default false). Proves the worker never decodes access tokens.
    pub opaque_personal_access_tokens: bool,
    /// Tolerated clock skew when checking `exp`/`nbf` (default 0; Microsoft.IdentityModel's
    /// default is 300 s, so real Graph accepts a token up to five minutes past `exp`).
    pub clock_skew_seconds: i64,
    /// Lifetime of issued access tokens (`expires_in`), default [`ACCESS_TOKEN_LIFETIME_SECS`];
    /// tests shorten it (`POST /_admin/entra`) to make the worker refresh.
    pub access_token_lifetime_seconds: i64,
    pub(crate) signing_key: SigningKey,
    pub(crate) codes: HashMap<String, PendingCode>,
    pub(crate) refresh_tokens: HashMap<String, RefreshGrant>,
    /// Access token `uti` → user id, for revocation.
    pub(crate) issued_access: HashMap<String, String>,
    pub(crate) revoked_access: HashSet<String>,
    /// Opaque access token → its claims.
    pub(crate) opaque_access: HashMap<String, Value>,
}

impl Default for EntraState {
    fn default() -> Self {
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No OS randomness: fall back to something process-specific rather than all zeros.
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            key.copy_from_slice(&jwt::sha256(seed.as_bytes()));
        }
        let mut apps = BTreeMap::new();
        apps.insert(
            SANDBOX_CLIENT_ID.to_string(),
            RegisteredApp {
                client_id: SANDBOX_CLIENT_ID.to_string(),
                display_name: SANDBOX_APP_NAME.to_string(),
                client_secret: SANDBOX_CLIENT_SECRET.to_string(),
                redirect_uris: Vec::new(),
                any_loopback_redirect: true,
            },
        );
        Self {
            apps,
            strict_rotation: true,
            require_pkce: true,
            require_s256: true,
            opaque_personal_access_tokens: false,
            clock_skew_seconds: 0,
            access_token_lifetime_seconds: ACCESS_TOKEN_LIFETIME_SECS,
            signing_key: SigningKey(key),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            issued_access: HashMap::new(),
            revoked_access: HashSet::new(),
            opaque_access: HashMap::new(),
        }
    }
}

impl EntraState {
    /// Number of refresh tokens for a user that would still be accepted (not revoked, and not
    /// used when `strict_rotation` is on). For test assertions.
    pub fn live_refresh_tokens(&self, user_id: &str) -> usize {
        self.refresh_tokens
            .values()
            .filter(|g| g.user_id == user_id && !g.revoked && !(self.strict_rotation && g.used))
            .count()
    }
}

/// Register (or replace) a confidential client app. Its redirect URIs match exactly, plus
/// Entra's loopback exception (a registered loopback URI matches on any port).
pub fn register_app(state: &mut EntraState, client_id: &str, secret: &str, redirect_uris: &[&str]) {
    state.apps.insert(
        client_id.to_string(),
        RegisteredApp {
            client_id: client_id.to_string(),
            display_name: format!("Test app {client_id}"),
            client_secret: secret.to_string(),
            redirect_uris: redirect_uris.iter().map(|s| (*s).to_string()).collect(),
            any_loopback_redirect: false,
        },
    );
}

/// Revoke everything issued to a user, as "Revoke sessions" in Entra does: their refresh tokens
/// fail with AADSTS50173, and access tokens issued so far are rejected by `authenticate` with
/// `InvalidAuthenticationToken` / "Access token has expired or is not yet valid." (real Graph
/// only does this for CAE-capable clients; others keep working until `exp`).
pub fn revoke_user_tokens(state: &mut EntraState, user_id: &str) {
    for grant in state.refresh_tokens.values_mut() {
        if grant.user_id == user_id {
            grant.revoked = true;
        }
    }
    let utis: Vec<String> = state
        .issued_access
        .iter()
        .filter(|(_, u)| u.as_str() == user_id)
        .map(|(uti, _)| uti.clone())
        .collect();
    state.revoked_access.extend(utis);
}

/// Mint a Graph-style access token directly (no flow): `scopes` are short names (`Mail.Read`),
/// `audience` is the `aud` claim (`GRAPH_RESOURCE` for Graph; anything else makes Graph answer
/// "Invalid audience."). Issued now by the sandbox clock, valid for `ACCESS_TOKEN_LIFETIME_SECS`.
/// The token is for the sandbox app.
pub fn mint_access_token(
    state: &Sandbox,
    user_id: &str,
    scopes: &[&str],
    audience: &str,
) -> String {
    let now = state.now();
    mint_access_token_at(
        state,
        user_id,
        scopes,
        audience,
        now,
        now + chrono::Duration::seconds(ACCESS_TOKEN_LIFETIME_SECS),
    )
}

/// Like [`mint_access_token`] with explicit `iat`/`nbf` (= `issued_at`) and `exp`, e.g. to test
/// expiry with a token that expired an hour ago.
pub fn mint_access_token_at(
    state: &Sandbox,
    user_id: &str,
    scopes: &[&str],
    audience: &str,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> String {
    let info = {
        let world = state.world();
        world.user(user_id).map(UserInfo::from_user)
    }
    .unwrap_or_else(|| UserInfo {
        id: user_id.to_string(),
        tenant_id: CONSUMERS_TENANT_ID.to_string(),
        upn: user_id.to_string(),
        display_name: user_id.to_string(),
        kind: AccountKind::Work,
        email: None,
    });
    let scp: Vec<String> = scopes.iter().map(|s| (*s).to_string()).collect();
    let mut entra = state.entra();
    token::issue_access_token(
        &mut entra,
        &info,
        SANDBOX_CLIENT_ID,
        SANDBOX_APP_NAME,
        audience,
        &scp,
        issued_at,
        expires_at,
    )
}

/// The user facts tokens are built from (copied out of the world so no lock is held).
#[derive(Debug, Clone)]
pub(crate) struct UserInfo {
    pub id: String,
    pub tenant_id: String,
    pub upn: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub email: Option<String>,
}

impl UserInfo {
    pub(crate) fn from_user(u: &User) -> Self {
        let email = u
            .profile
            .get("mail")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| Some(u.user_principal_name.clone()));
        Self {
            id: u.id.clone(),
            tenant_id: u.tenant_id.clone(),
            upn: u.user_principal_name.clone(),
            display_name: u.display_name.clone(),
            kind: u.kind,
            email,
        }
    }
}

/// The Entra routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::get_authorize).post(authorize::post_authorize),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token::post_token).get(token::token_wrong_method),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(metadata::logout))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(metadata::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(metadata::keys))
}

/// A new GUID-shaped id (trace ids, session_state).
pub(crate) fn guid() -> String {
    crate::server::new_id()
}

/// Escape text for HTML element content and attribute values.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
