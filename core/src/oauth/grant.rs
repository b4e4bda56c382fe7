//! The grants one user has given to MCP clients, with their authorization codes, access tokens
//! and refresh tokens: the state the user's Durable Object persists.
//!
//! [`UserGrants`] is plain serde data (code-style P3). The Durable Object loads it, calls one
//! of the methods below, and writes it back; every method is pure, takes `now` (Unix seconds)
//! and randomness from the caller (P2), and never panics. Only [`TokenHash`]es are stored; all
//! hash comparisons are constant-time. The object holding a token is found from the token
//! itself ([`super::tokens::parse`] gives the [`UserKey`]).
//!
//! # Authorization codes
//!
//! [`UserGrants::issue_code`] mints a single-use code living [`CODE_LIFETIME_SECS`], bound to the
//! client, the redirect URI, the PKCE challenge and the resource. [`UserGrants::redeem_code`]
//! checks, in order:
//!
//! 1. a code that was already redeemed is refused with `invalid_grant` **and the grant issued
//!    from it is revoked** with all its tokens (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3), whoever
//!    presents it; redeemed codes are remembered for [`REPLAY_MEMORY_SECS`] for this;
//! 2. unknown or expired (`now >= issued + 60`): `invalid_grant`;
//! 3. another `client_id`: `invalid_grant` (RFC 6749 §4.1.3);
//! 4. `redirect_uri` absent: `invalid_request` (we always bind one, so it is required); not
//!    identical to the bound one: `invalid_grant` (RFC 6749 §4.1.3);
//! 5. PKCE S256 (RFC 7636 §4.6): `invalid_grant` on mismatch;
//! 6. `resource`, if sent, not the bound one: `invalid_target` (RFC 8707 §2).
//!
//! A failed check (other than 1) does not consume the code, so a stolen code presented without
//! the verifier cannot lock the legitimate client out. Success creates a [`Grant`] with an access
//! token ([`ACCESS_TOKEN_LIFETIME_SECS`]) and, if the client may use the `refresh_token` grant,
//! a refresh token.
//!
//! # Refresh-token rotation with a grace rule
//!
//! Every refresh issues a new refresh token (OAuth 2.1 §4.3.1 requires rotation for public
//! clients). Some clients refresh twice at once (Claude, from two egress addresses), so a
//! rotated-out token is not killed at once. Each refresh record is *live* (never presented),
//! *rotated* (presented at least once) or *dead*:
//!
//! * presenting a live or rotated token R succeeds and issues a new live child R' of R;
//! * R stays usable (each presentation gets its own child) until **one of its children is first
//!   used**: then R and all other children of R die;
//! * presenting a dead token is replay: the whole grant is revoked (every refresh and access
//!   token) and the answer is `invalid_grant`.
//!
//! So two concurrent refreshes with R both succeed, whichever replacement the client keeps works,
//! and a thief and a victim cannot both keep using one family. At most [`MAX_LIVE_REFRESH`]
//! non-dead records are kept per grant (the oldest child is killed to make room); dead records
//! are remembered for reuse detection for [`REPLAY_MEMORY_SECS`], at most [`MAX_DEAD_REFRESH`]
//! of them; a token forgotten after that is merely unknown (`invalid_grant`, no revocation).
//!
//! Refresh tokens expire [`REFRESH_IDLE_LIFETIME_SECS`] after they were issued (each rotation
//! restarts this idle clock) and never later than [`REFRESH_ABSOLUTE_LIFETIME_SECS`] after the
//! grant was created; access tokens never outlive that absolute limit either. A refresh may
//! narrow the scope (a subset of the granted scopes, else `invalid_scope`); the narrowing applies
//! to the new access token only, so a later refresh may ask for the full grant again
//! (RFC 6749 §6). A `resource` other than the grant's is `invalid_target`. The refresh token
//! must come from the same client (`invalid_grant`, RFC 6749 §6).
//!
//! # Access tokens and revocation
//!
//! [`UserGrants::authenticate`] checks a bearer token for the MCP endpoint: `invalid_token`
//! when unknown, revoked, expired, or issued for another resource (audience, RFC 8707,
//! MCP authorization §Token Audience Binding). [`UserGrants::revoke`] implements RFC 7009:
//! a refresh token revokes its grant, an access token only itself; tokens of other clients
//! and unknown tokens are ignored.
//!
//! The token response ([`TokenSet::to_json`]) follows RFC 6749 §5.1; the caller adds
//! `Cache-Control: no-store` and `Pragma: no-cache`.
//!
//! # Bounds
//!
//! A user holds at most [`MAX_GRANTS`] grants (a new grant evicts a revoked one, else the one
//! least recently used) and [`MAX_CODES`] codes; a grant at most [`MAX_ACCESS_PER_GRANT`]
//! access tokens. [`UserGrants::prune`] drops what has expired; the Durable Object should call
//! it before saving (the mutating methods already prune what they touch).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::OAuthError;
use super::pkce::verify_s256;
use super::tokens::{self, Secret, TokenHash, TokenKind, UserKey};

/// Lifetime of an authorization code (RFC 6749 §4.1.2 recommends at most 10 minutes).
pub const CODE_LIFETIME_SECS: u64 = 60;
/// Lifetime of an access token.
pub const ACCESS_TOKEN_LIFETIME_SECS: u64 = 3600;
/// A refresh token expires this long after it was issued, unless rotated before.
pub const REFRESH_IDLE_LIFETIME_SECS: u64 = 30 * 86_400;
/// No refresh or access token of a grant outlives the grant's creation by more than this.
pub const REFRESH_ABSOLUTE_LIFETIME_SECS: u64 = 90 * 86_400;
/// How long redeemed codes and dead refresh tokens are remembered to detect replay.
pub const REPLAY_MEMORY_SECS: u64 = 86_400;
/// Non-dead refresh records per grant (the rotated token and its live children).
pub const MAX_LIVE_REFRESH: usize = 8;
/// Dead refresh records remembered per grant.
pub const MAX_DEAD_REFRESH: usize = 16;
/// Unexpired access tokens per grant; the oldest is dropped beyond this.
pub const MAX_ACCESS_PER_GRANT: usize = 16;
/// Authorization codes (pending or remembered) per user.
pub const MAX_CODES: usize = 32;
/// Grants per user.
pub const MAX_GRANTS: usize = 64;

/// Everything a user has authorized: the value the user's Durable Object persists.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserGrants {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    codes: Vec<AuthCode>,
}

/// One client's authorization for this user, bound to one resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    id: String,
    #[serde(rename = "client")]
    client_id: String,
    #[serde(rename = "aud")]
    resource: String,
    #[serde(rename = "scope", default, skip_serializing_if = "Vec::is_empty")]
    scopes: Vec<String>,
    #[serde(rename = "at")]
    created_at: u64,
    /// Last creation or refresh, for eviction.
    #[serde(rename = "used")]
    used_at: u64,
    #[serde(default, skip_serializing_if = "is_false")]
    revoked: bool,
    /// Next refresh record id.
    #[serde(default)]
    seq: u32,
    /// The refresh-token family.
    #[serde(rename = "rt", default, skip_serializing_if = "Vec::is_empty")]
    refresh: Vec<RefreshRecord>,
    #[serde(rename = "tok", default, skip_serializing_if = "Vec::is_empty")]
    access: Vec<AccessRecord>,
}

/// One refresh token of a family.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RefreshRecord {
    id: u32,
    /// The token this one replaced.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    parent: Option<u32>,
    #[serde(rename = "h")]
    hash: TokenHash,
    #[serde(rename = "exp")]
    expires_at: u64,
    /// Presented at least once ("rotated").
    #[serde(rename = "u", default, skip_serializing_if = "is_false")]
    used: bool,
    /// When it died (replaced, or sibling of the replacement that was used).
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    dead_at: Option<u64>,
}

impl RefreshRecord {
    const fn is_dead(&self) -> bool {
        self.dead_at.is_some()
    }
}

/// One access token. Its audience is the grant's resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AccessRecord {
    #[serde(rename = "h")]
    hash: TokenHash,
    #[serde(rename = "exp")]
    expires_at: u64,
    /// Set only when narrower than the grant's scopes.
    #[serde(rename = "scope", default, skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<String>>,
}

/// A pending (or, for replay detection, redeemed) authorization code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthCode {
    #[serde(rename = "h")]
    hash: TokenHash,
    #[serde(rename = "client")]
    client_id: String,
    #[serde(rename = "redirect")]
    redirect_uri: String,
    #[serde(rename = "pkce")]
    code_challenge: String,
    #[serde(rename = "aud")]
    resource: String,
    #[serde(rename = "scope", default, skip_serializing_if = "Vec::is_empty")]
    scopes: Vec<String>,
    #[serde(rename = "exp")]
    expires_at: u64,
    /// The grant created when it was redeemed.
    #[serde(rename = "grant", default, skip_serializing_if = "Option::is_none")]
    redeemed_grant: Option<String>,
}

const fn is_false(b: &bool) -> bool {
    !*b
}

/// What an authorization code is bound to (from the validated `/authorize` request).
#[derive(Debug, Clone, Copy)]
pub struct CodeRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    /// The S256 `code_challenge`.
    pub code_challenge: &'a str,
    /// The canonical MCP resource URL.
    pub resource: &'a str,
    /// Our MCP-level scopes being granted.
    pub scopes: &'a [String],
}

/// The `authorization_code` grant of a `/token` request, after client authentication.
#[derive(Debug, Clone, Copy)]
pub struct CodeRedemption<'a> {
    pub code: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: &'a str,
    pub resource: Option<&'a str>,
    /// Whether the client may use the `refresh_token` grant (its registered `grant_types`).
    pub issue_refresh: bool,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: Option<Secret>,
    /// Space-separated scopes of the access token; omitted from JSON when empty.
    pub scope: String,
}

impl TokenSet {
    /// The RFC 6749 §5.1 JSON body. Send it with `Cache-Control: no-store`.
    pub fn to_json(&self) -> String {
        let mut body = json!({
            "access_token": self.access_token.expose(),
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        });
        if let Some(rt) = &self.refresh_token {
            body["refresh_token"] = json!(rt.expose());
        }
        if !self.scope.is_empty() {
            body["scope"] = json!(self.scope);
        }
        body.to_string()
    }
}

/// Who a valid access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessContext {
    pub grant_id: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: u64,
}

impl Grant {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    pub fn resource(&self) -> &str {
        &self.resource
    }
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
    pub const fn created_at(&self) -> u64 {
        self.created_at
    }
    pub const fn is_revoked(&self) -> bool {
        self.revoked
    }

    const fn absolute_end(&self) -> u64 {
        self.created_at
            .saturating_add(REFRESH_ABSOLUTE_LIFETIME_SECS)
    }

    /// Revokes the grant: refresh tokens are forgotten at once; access-token hashes stay (so
    /// `authenticate` can say "revoked") until they expire and `prune` drops the grant.
    fn revoke(&mut self) {
        self.revoked = true;
        self.refresh.clear();
    }

    fn find_refresh(&self, hash: &TokenHash) -> Option<usize> {
        find_ct(self.refresh.iter().map(|r| &r.hash), hash)
    }

    fn find_access(&self, hash: &TokenHash) -> Option<usize> {
        find_ct(self.access.iter().map(|a| &a.hash), hash)
    }

    fn issue_access(
        &mut self,
        user: &UserKey,
        scopes: Option<Vec<String>>,
        now: u64,
        secret: [u8; 32],
    ) -> (Secret, u64) {
        self.access.retain(|a| a.expires_at > now);
        while self.access.len() >= MAX_ACCESS_PER_GRANT {
            let oldest = oldest_index(self.access.iter().map(|a| a.expires_at));
            self.access.remove(oldest);
        }
        let token = tokens::mint(TokenKind::Access, user, secret);
        let expires_at = now
            .saturating_add(ACCESS_TOKEN_LIFETIME_SECS)
            .min(self.absolute_end());
        self.access.push(AccessRecord {
            hash: tokens::hash(token.expose()),
            expires_at,
            scopes,
        });
        (token, expires_at)
    }

    fn issue_refresh(
        &mut self,
        user: &UserKey,
        parent: Option<u32>,
        now: u64,
        secret: [u8; 32],
    ) -> Secret {
        let token = tokens::mint(TokenKind::Refresh, user, secret);
        let id = self.seq;
        self.seq = self.seq.wrapping_add(1);
        self.refresh.push(RefreshRecord {
            id,
            parent,
            hash: tokens::hash(token.expose()),
            expires_at: now
                .saturating_add(REFRESH_IDLE_LIFETIME_SECS)
                .min(self.absolute_end()),
            used: false,
            dead_at: None,
        });
        token
    }

    /// The presented record `index` is being used: on its first use its parent and siblings
    /// die. Then room is made for one more child.
    fn rotate(&mut self, index: usize, now: u64) {
        let Some(record) = self.refresh.get(index) else {
            return;
        };
        let (id, parent, first_use) = (record.id, record.parent, !record.used);
        if first_use {
            if let Some(parent) = parent {
                for r in &mut self.refresh {
                    let is_parent = r.id == parent;
                    let is_sibling = r.parent == Some(parent) && r.id != id;
                    if (is_parent || is_sibling) && r.dead_at.is_none() {
                        r.dead_at = Some(now);
                    }
                }
            }
            if let Some(r) = self.refresh.get_mut(index) {
                r.used = true;
            }
        }
        loop {
            let live: Vec<usize> = (0..self.refresh.len())
                .filter(|&i| i != index && !self.refresh[i].is_dead())
                .collect();
            if live.len() + 1 < MAX_LIVE_REFRESH {
                break;
            }
            // The oldest other non-dead record (lowest id; ids only grow) is killed.
            let Some(&victim) = live.iter().min_by_key(|&&i| self.refresh[i].id) else {
                break;
            };
            self.refresh[victim].dead_at = Some(now);
        }
    }

    /// Drops expired and long-dead refresh records and expired access tokens.
    fn prune_tokens(&mut self, now: u64) {
        self.access.retain(|a| a.expires_at > now);
        self.refresh.retain(|r| match r.dead_at {
            Some(dead) => dead.saturating_add(REPLAY_MEMORY_SECS) > now,
            None => r.expires_at > now,
        });
        loop {
            let dead: Vec<usize> = (0..self.refresh.len())
                .filter(|&i| self.refresh[i].is_dead())
                .collect();
            if dead.len() <= MAX_DEAD_REFRESH {
                break;
            }
            let Some(&oldest) = dead
                .iter()
                .min_by_key(|&&i| (self.refresh[i].dead_at, self.refresh[i].id))
            else {
                break;
            };
            self.refresh.remove(oldest);
        }
    }

    /// Whether anything of this grant can still be used or must still be remembered.
    fn is_alive(&self, now: u64) -> bool {
        let access = self.access.iter().any(|a| a.expires_at > now);
        if self.revoked {
            return access;
        }
        access
            || self
                .refresh
                .iter()
                .any(|r| !r.is_dead() && r.expires_at > now)
    }
}

impl AuthCode {
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    pub const fn expires_at(&self) -> u64 {
        self.expires_at
    }
    /// The id of the grant it was exchanged for, once redeemed.
    pub fn redeemed_grant(&self) -> Option<&str> {
        self.redeemed_grant.as_deref()
    }

    /// Unredeemed codes go at expiry; redeemed ones are remembered for replay detection.
    const fn keep(&self, now: u64) -> bool {
        if self.redeemed_grant.is_some() {
            self.expires_at.saturating_add(REPLAY_MEMORY_SECS) > now
        } else {
            self.expires_at > now
        }
    }
}

impl UserGrants {
    pub fn new() -> Self {
        Self::default()
    }

    /// All grants, including revoked ones not yet pruned.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Pending codes and redeemed ones remembered for replay detection.
    pub fn codes(&self) -> &[AuthCode] {
        &self.codes
    }

    /// Nothing left: the Durable Object may delete its stored value.
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty() && self.codes.is_empty()
    }

    /// Mints an authorization code for `user` (the Durable Object's own key) bound to `req`.
    pub fn issue_code(
        &mut self,
        user: &UserKey,
        req: &CodeRequest<'_>,
        now: u64,
        secret_bytes: [u8; 32],
    ) -> Secret {
        self.codes.retain(|c| c.keep(now));
        while self.codes.len() >= MAX_CODES {
            let oldest = oldest_index(self.codes.iter().map(|c| c.expires_at));
            self.codes.remove(oldest);
        }
        let code = tokens::mint(TokenKind::AuthorizationCode, user, secret_bytes);
        self.codes.push(AuthCode {
            hash: tokens::hash(code.expose()),
            client_id: req.client_id.to_owned(),
            redirect_uri: req.redirect_uri.to_owned(),
            code_challenge: req.code_challenge.to_owned(),
            resource: req.resource.to_owned(),
            scopes: normalize_scopes(req.scopes.iter().map(String::as_str)),
            expires_at: now.saturating_add(CODE_LIFETIME_SECS),
            redeemed_grant: None,
        });
        code
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3); see the module docs for the checks.
    /// `rng` returns 32 fresh random bytes per call.
    pub fn redeem_code(
        &mut self,
        req: &CodeRedemption<'_>,
        now: u64,
        rng: &mut dyn FnMut() -> [u8; 32],
    ) -> Result<TokenSet, OAuthError> {
        let unknown = || OAuthError::invalid_grant("invalid authorization code");
        let user = tokens::parse_kind(req.code, TokenKind::AuthorizationCode)
            .ok_or_else(unknown)?
            .user_key;
        let hash = tokens::hash(req.code);
        let index = find_ct(self.codes.iter().map(|c| &c.hash), &hash).ok_or_else(unknown)?;
        let code = &self.codes[index];

        // RFC 6749 §4.1.2: a code used twice revokes what it issued.
        if let Some(grant_id) = &code.redeemed_grant {
            if let Some(grant) = self.grants.iter_mut().find(|g| &g.id == grant_id) {
                grant.revoke();
            }
            return Err(OAuthError::invalid_grant(
                "authorization code already used; the grant it issued is revoked",
            ));
        }
        if now >= code.expires_at {
            return Err(OAuthError::invalid_grant("authorization code expired"));
        }
        if code.client_id != req.client_id {
            return Err(OAuthError::invalid_grant(
                "authorization code was issued to another client",
            ));
        }
        // RFC 6749 §4.1.3: identical to the redirect_uri of the authorization request.
        let Some(redirect_uri) = req.redirect_uri else {
            return Err(OAuthError::invalid_request("missing redirect_uri"));
        };
        if redirect_uri != code.redirect_uri {
            return Err(OAuthError::invalid_grant("redirect_uri mismatch"));
        }
        // RFC 7636 §4.6.
        if !verify_s256(req.code_verifier, &code.code_challenge) {
            return Err(OAuthError::invalid_grant("PKCE verification failed"));
        }
        // RFC 8707 §2.
        if req
            .resource
            .is_some_and(|r| !resource_matches(&code.resource, r))
        {
            return Err(OAuthError::invalid_target(
                "resource does not match the authorization request",
            ));
        }

        let grant_id = URL_SAFE_NO_PAD.encode(&rng()[..16]);
        let mut grant = Grant {
            id: grant_id.clone(),
            client_id: code.client_id.clone(),
            resource: code.resource.clone(),
            scopes: code.scopes.clone(),
            created_at: now,
            used_at: now,
            revoked: false,
            seq: 0,
            refresh: Vec::new(),
            access: Vec::new(),
        };
        let (access_token, expires_at) = grant.issue_access(&user, None, now, rng());
        let refresh_token = req
            .issue_refresh
            .then(|| grant.issue_refresh(&user, None, now, rng()));
        let scope = grant.scopes.join(" ");
        if let Some(code) = self.codes.get_mut(index) {
            code.redeemed_grant = Some(grant_id);
        }

        self.prune(now);
        while self.grants.len() >= MAX_GRANTS {
            let victim = self
                .grants
                .iter()
                .enumerate()
                .min_by_key(|(_, g)| (!g.revoked, g.used_at))
                .map_or(0, |(i, _)| i);
            self.grants.remove(victim);
        }
        self.grants.push(grant);
        Ok(TokenSet {
            access_token,
            token_type: "Bearer",
            expires_in: expires_at.saturating_sub(now),
            refresh_token,
            scope,
        })
    }

    /// The `refresh_token` grant (RFC 6749 §6) with rotation, the grace rule and reuse
    /// detection described in the module docs. `client_id` is the authenticated client.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        client_id: &str,
        resource: Option<&str>,
        scope: Option<&str>,
        now: u64,
        rng: &mut dyn FnMut() -> [u8; 32],
    ) -> Result<TokenSet, OAuthError> {
        let unknown = || OAuthError::invalid_grant("invalid refresh token");
        let user = tokens::parse_kind(refresh_token, TokenKind::Refresh)
            .ok_or_else(unknown)?
            .user_key;
        let hash = tokens::hash(refresh_token);
        let (grant, index) = self
            .grants
            .iter_mut()
            .find_map(|g| g.find_refresh(&hash).map(|i| (g, i)))
            .ok_or_else(unknown)?;
        if grant.client_id != client_id {
            return Err(OAuthError::invalid_grant(
                "refresh token was issued to another client",
            ));
        }
        let record = &grant.refresh[index];
        if record.is_dead() {
            grant.revoke();
            return Err(OAuthError::invalid_grant(
                "refresh token was already replaced; the grant is revoked",
            ));
        }
        if now >= record.expires_at {
            return Err(OAuthError::invalid_grant("refresh token expired"));
        }
        if resource.is_some_and(|r| !resource_matches(&grant.resource, r)) {
            return Err(OAuthError::invalid_target(
                "resource does not match the grant",
            ));
        }
        // RFC 6749 §6: the scope may only narrow what was granted.
        let requested = scope
            .map(|s| normalize_scopes(s.split(' ')))
            .filter(|s| !s.is_empty());
        if let Some(requested) = &requested {
            if !requested.iter().all(|s| grant.scopes.contains(s)) {
                return Err(OAuthError::invalid_scope(
                    "requested scope exceeds the granted scope",
                ));
            }
        }
        let narrowed = requested.filter(|r| r.len() < grant.scopes.len());
        let scope = narrowed.as_ref().unwrap_or(&grant.scopes).join(" ");

        let parent = record.id;
        grant.rotate(index, now);
        let refresh_token = grant.issue_refresh(&user, Some(parent), now, rng());
        let (access_token, expires_at) = grant.issue_access(&user, narrowed, now, rng());
        grant.used_at = now;
        grant.prune_tokens(now);
        Ok(TokenSet {
            access_token,
            token_type: "Bearer",
            expires_in: expires_at.saturating_sub(now),
            refresh_token: Some(refresh_token),
            scope,
        })
    }

    /// Checks a bearer token presented to the MCP endpoint serving `expected_resource`.
    pub fn authenticate(
        &self,
        access_token: &str,
        expected_resource: &str,
        now: u64,
    ) -> Result<AccessContext, OAuthError> {
        let unknown = || OAuthError::invalid_token("unknown access token");
        tokens::parse_kind(access_token, TokenKind::Access).ok_or_else(unknown)?;
        let hash = tokens::hash(access_token);
        let (grant, record) = self
            .grants
            .iter()
            .find_map(|g| g.find_access(&hash).map(|i| (g, &g.access[i])))
            .ok_or_else(unknown)?;
        if grant.revoked {
            return Err(OAuthError::invalid_token("access token revoked"));
        }
        if now >= record.expires_at {
            return Err(OAuthError::invalid_token("access token expired"));
        }
        if !resource_matches(&grant.resource, expected_resource) {
            return Err(OAuthError::invalid_token(
                "access token was issued for another resource",
            ));
        }
        Ok(AccessContext {
            grant_id: grant.id.clone(),
            client_id: grant.client_id.clone(),
            scopes: record.scopes.as_ref().unwrap_or(&grant.scopes).clone(),
            expires_at: record.expires_at,
        })
    }

    /// RFC 7009 revocation by the authenticated `client_id`. A refresh token (live, rotated or
    /// dead) revokes its whole grant; an access token only itself. Unknown tokens and tokens of
    /// other clients are ignored (RFC 7009 §2.2: the answer is 200 either way).
    pub fn revoke(&mut self, token: &str, client_id: &str) {
        let Some(parsed) = tokens::parse(token) else {
            return;
        };
        let hash = tokens::hash(token);
        for grant in &mut self.grants {
            if grant.client_id != client_id {
                continue;
            }
            match parsed.kind {
                TokenKind::Refresh => {
                    if grant.find_refresh(&hash).is_some() {
                        grant.revoke();
                        return;
                    }
                }
                TokenKind::Access => {
                    if let Some(i) = grant.find_access(&hash) {
                        grant.access.remove(i);
                        return;
                    }
                }
                TokenKind::AuthorizationCode => return,
            }
        }
    }

    /// Revokes every grant of a client and forgets its pending codes (client deleted).
    pub fn revoke_client(&mut self, client_id: &str) {
        for grant in self.grants.iter_mut().filter(|g| g.client_id == client_id) {
            grant.revoke();
        }
        self.codes.retain(|c| c.client_id != client_id);
    }

    /// Drops expired codes, tokens and grants, and dead refresh records past the replay memory.
    pub fn prune(&mut self, now: u64) {
        self.codes.retain(|c| c.keep(now));
        for grant in &mut self.grants {
            grant.prune_tokens(now);
        }
        self.grants.retain(|g| g.is_alive(now));
    }
}

/// Whether a `resource` sent by a client names the bound resource: identical, or equal once the
/// scheme and host are lowercased and a lone trailing `/` is dropped (MCP authorization
/// §Canonical Server URI: servers SHOULD accept uppercase scheme and host).
pub fn resource_matches(bound: &str, sent: &str) -> bool {
    bound == sent || canonical_resource(bound) == canonical_resource(sent)
}

fn canonical_resource(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let path = if path == "/" { "" } else { path };
    format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

/// Scope tokens without empties or duplicates, in first-seen order.
fn normalize_scopes<'a>(scopes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scopes.into_iter().map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// Index of the hash equal to `wanted`, comparing every entry in constant time.
fn find_ct<'a>(hashes: impl Iterator<Item = &'a TokenHash>, wanted: &TokenHash) -> Option<usize> {
    let mut found = None;
    for (i, h) in hashes.enumerate() {
        if h == wanted && found.is_none() {
            found = Some(i);
        }
    }
    found
}

/// Index of the smallest key (0 for an empty iterator; callers check emptiness).
fn oldest_index(keys: impl Iterator<Item = u64>) -> usize {
    keys.enumerate()
        .min_by_key(|&(_, k)| k)
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;
    const RES: &str = "https://mcp.example.com/mcp";
    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    /// Distinct 32-byte values: a counter in the first bytes under a per-stream tag.
    fn rng_from(tag: u8) -> impl FnMut() -> [u8; 32] {
        let mut n = 0u64;
        move || {
            n += 1;
            let mut b = [tag; 32];
            b[..8].copy_from_slice(&n.to_le_bytes());
            b
        }
    }

    fn rng() -> impl FnMut() -> [u8; 32] {
        rng_from(1)
    }

    fn granted() -> (UserGrants, TokenSet) {
        let user = tokens::user_key("t", "o");
        let mut g = UserGrants::new();
        let scopes = vec!["mcp".to_string(), "mail.read".to_string()];
        let code = g.issue_code(
            &user,
            &CodeRequest {
                client_id: "c",
                redirect_uri: "https://app/cb",
                code_challenge: CHALLENGE,
                resource: RES,
                scopes: &scopes,
            },
            NOW,
            [200; 32],
        );
        let set = g
            .redeem_code(
                &CodeRedemption {
                    code: code.expose(),
                    client_id: "c",
                    redirect_uri: Some("https://app/cb"),
                    code_verifier: VERIFIER,
                    resource: Some(RES),
                    issue_refresh: true,
                },
                NOW,
                &mut rng_from(0xee),
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
        (g, set)
    }

    fn rt(set: &TokenSet) -> String {
        set.refresh_token
            .as_ref()
            .map(|t| t.expose().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn resource_matching() {
        assert!(resource_matches(RES, RES));
        assert!(resource_matches(RES, "HTTPS://MCP.Example.com/mcp"));
        assert!(resource_matches("https://h", "https://h/"));
        assert!(!resource_matches(RES, "https://mcp.example.com/MCP"));
        assert!(!resource_matches(RES, "https://mcp.example.com/mcp/"));
        assert!(!resource_matches(RES, "https://mcp.example.com/sse"));
        assert!(!resource_matches(RES, "https://evil.example.com/mcp"));
        assert!(!resource_matches(RES, ""));
    }

    #[test]
    fn scopes_are_normalized() {
        assert_eq!(normalize_scopes("a  b a c".split(' ')), ["a", "b", "c"]);
        assert!(normalize_scopes("".split(' ')).is_empty());
    }

    #[test]
    fn family_stays_bounded_under_many_concurrent_refreshes() {
        let (mut g, set) = granted();
        let r0 = rt(&set);
        let mut r = rng();
        // The first use of r0 makes it "rotated"; further presentations each get a child.
        for _ in 0..20 {
            assert!(g.refresh(&r0, "c", None, None, NOW + 5, &mut r).is_ok());
        }
        let grant = &g.grants()[0];
        let live = grant.refresh.iter().filter(|x| !x.is_dead()).count();
        let dead = grant.refresh.iter().filter(|x| x.is_dead()).count();
        assert_eq!(live, MAX_LIVE_REFRESH);
        assert!(dead <= MAX_DEAD_REFRESH, "{dead}");
        assert!(grant.access.len() <= MAX_ACCESS_PER_GRANT);
    }

    #[test]
    fn dead_records_are_forgotten_after_the_replay_memory() {
        let (mut g, set) = granted();
        let mut r = rng();
        let r1 = g.refresh(&rt(&set), "c", None, None, NOW + 10, &mut r);
        let r1 = r1.map(|s| rt(&s)).unwrap_or_default();
        assert!(g.refresh(&r1, "c", None, None, NOW + 20, &mut r).is_ok());
        // r0 is dead now; after the replay memory it is forgotten, not replayed.
        g.prune(NOW + 20 + REPLAY_MEMORY_SECS);
        let later = NOW + 30 + REPLAY_MEMORY_SECS;
        let e = g.refresh(&rt(&set), "c", None, None, later, &mut r).err();
        assert_eq!(e.map(|e| e.code()), Some("invalid_grant"));
        assert!(!g.grants()[0].is_revoked());
    }

    #[test]
    fn grants_and_codes_are_capped() {
        let user = tokens::user_key("t", "o");
        let mut g = UserGrants::new();
        let mut r = rng();
        for i in 0..(MAX_GRANTS as u64 + 5) {
            let code = g.issue_code(
                &user,
                &CodeRequest {
                    client_id: "c",
                    redirect_uri: "https://app/cb",
                    code_challenge: CHALLENGE,
                    resource: RES,
                    scopes: &[],
                },
                NOW + i,
                [i as u8; 32],
            );
            let redemption = CodeRedemption {
                code: code.expose(),
                client_id: "c",
                redirect_uri: Some("https://app/cb"),
                code_verifier: VERIFIER,
                resource: None,
                issue_refresh: true,
            };
            assert!(g.redeem_code(&redemption, NOW + i, &mut r).is_ok());
        }
        assert_eq!(g.grants().len(), MAX_GRANTS);
        assert!(g.codes().len() <= MAX_CODES);
    }

    #[test]
    fn stored_form_is_compact_and_hash_only() {
        let (g, set) = granted();
        let json = serde_json::to_string(&g).unwrap_or_default();
        assert!(!json.contains(set.access_token.expose()));
        assert!(!json.contains(&rt(&set)));
        assert!(json.len() < 1000, "{} bytes: {json}", json.len());
    }

    #[test]
    fn token_set_json() {
        let (_, set) = granted();
        let v: serde_json::Value = serde_json::from_str(&set.to_json()).unwrap_or_default();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], ACCESS_TOKEN_LIFETIME_SECS);
        assert_eq!(v["scope"], "mcp mail.read");
        assert_eq!(v["access_token"].as_str(), Some(set.access_token.expose()));
        assert_eq!(
            v["refresh_token"].as_str().map(str::to_owned),
            Some(rt(&set))
        );
        assert!(!format!("{set:?}").contains("m365_"));
    }
}
