//! The per-user Microsoft token vault: AES-256-GCM sealing of secrets at rest, and the record the
//! user's Durable Object persists (`MicrosoftTokens`), with the refresh decision as a pure function.
//!
//! Sealing:
//! - The key is 32 bytes from the Workers secret `TOKEN_ENCRYPTION_KEY` (`openssl rand -base64 32`),
//!   parsed by [`VaultKey::from_base64`].
//! - Every [`seal`] takes a 96-bit nonce the caller draws from its CSPRNG (`getrandom` →
//!   `crypto.getRandomValues` in the shell) **fresh for every encryption**. Reusing a nonce under
//!   one key breaks GCM (it leaks the XOR of the plaintexts and lets an attacker forge tags). With
//!   random nonces NIST SP 800-38D §8.3 caps one key at 2^32 encryptions, far above what one
//!   deployment does; rotate the key (users re-consent) long before that.
//! - The associated data ([`Aad`]) binds a ciphertext to the user and its purpose, so a sealed
//!   refresh token cannot be replayed as another user's, or as an access token: opening with any
//!   other user key or purpose fails.
//! - Format: base64url (no padding) of `version (0x01) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. The
//!   version byte is also authenticated (it prefixes the AAD given to GCM).
//!
//! Refresh coordination: exactly one upstream refresh however many tool calls arrive is the Durable
//! Object's job (it serialises requests: while a refresh is in flight, later callers await the
//! same result instead of starting another). What to do is decided here by
//! [`MicrosoftTokens::refresh_plan`]: use the cached access token, refresh, or send the user back
//! through authorization. On `invalid_grant` the caller calls
//! [`MicrosoftTokens::mark_needs_reconsent`].

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::entra::{AccessToken, CodeVerifier, EntraTokens, IdTokenClaims, RefreshToken};

/// Version byte of the sealed format.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Domain separation for the AAD encoding.
const AAD_DOMAIN: &[u8] = b"m365-mcp/vault/v1";
/// Refresh this long before the access token expires, seconds.
pub const REFRESH_SKEW_SECS: u64 = 300;

/// Why a vault operation failed. Deliberately vague about decryption failures: a wrong key, a
/// wrong user or purpose and a tampered ciphertext all look the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultError {
    /// The key is not base64, or not exactly 32 bytes once decoded.
    InvalidKey,
    /// The sealed value is not base64url, or too short to hold version, nonce and tag.
    Malformed,
    /// Unknown format version byte.
    UnsupportedVersion(u8),
    /// Authentication failed: wrong key, wrong associated data, or tampered ciphertext.
    Decrypt,
    /// Encryption failed (only for plaintexts beyond GCM's 64 GiB limit).
    Encrypt,
    /// The record holds no refresh token.
    NoRefreshToken,
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidKey => f.write_str("vault key must be base64 of exactly 32 bytes"),
            Self::Malformed => f.write_str("sealed value is malformed"),
            Self::UnsupportedVersion(v) => write!(f, "sealed value has unknown version {v}"),
            Self::Decrypt => f.write_str("sealed value failed authentication"),
            Self::Encrypt => f.write_str("encryption failed"),
            Self::NoRefreshToken => f.write_str("no refresh token stored"),
        }
    }
}

impl std::error::Error for VaultError {}

/// The AES-256 key of the vault. `Debug` is redacted; no `PartialEq` (code-style P9).
#[derive(Clone)]
pub struct VaultKey([u8; 32]);

impl VaultKey {
    /// Parse the Workers secret: base64 (standard or URL-safe alphabet, padded or not, surrounding
    /// whitespace ignored) of exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<Self, VaultError> {
        let s = s.trim();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(s).ok())
            .ok_or(VaultError::InvalidKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| VaultError::InvalidKey)?;
        Ok(Self(key))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A 32-byte key for another purpose derived from this one (HMAC-SHA256 keyed with the vault
    /// key over a domain-separated label), e.g. `derive("consent-csrf")` for the consent page's CSRF
    /// tokens. Keeps one secret to manage without reusing key material across algorithms.
    pub fn derive(&self, label: &str) -> DerivedKey {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(b"m365-mcp/derive/v1/");
        mac.update(label.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(&mac.finalize().into_bytes());
        DerivedKey(out)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey([redacted])")
    }
}

/// A key derived with [`VaultKey::derive`]. `Debug` is redacted.
#[derive(Clone)]
pub struct DerivedKey([u8; 32]);

impl DerivedKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKey([redacted])")
    }
}

/// What a sealed value is. Part of the associated data, so a ciphertext only opens for the purpose
/// it was sealed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    MicrosoftRefreshToken,
    MicrosoftAccessToken,
    /// The PKCE verifier of the worker's own request to Entra, kept with the pending request.
    UpstreamPkceVerifier,
    /// Anything else held for a pending authorization request.
    PendingAuthorization,
}

impl Purpose {
    /// The stable label in the associated data. Never change one: existing ciphertexts would stop
    /// opening.
    pub const fn label(self) -> &'static str {
        match self {
            Self::MicrosoftRefreshToken => "microsoft-refresh-token",
            Self::MicrosoftAccessToken => "microsoft-access-token",
            Self::UpstreamPkceVerifier => "upstream-pkce-verifier",
            Self::PendingAuthorization => "pending-authorization",
        }
    }
}

/// Associated data: domain, purpose and user key, each length-prefixed (u32 big-endian), so no two
/// different (user, purpose) pairs serialise to the same bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Aad(Vec<u8>);

impl Aad {
    /// `user_key` identifies whose secret it is (for Microsoft tokens, [`user_key`] of the tenant
    /// and object ids; for a pending request, its id).
    pub fn new(user_key: &str, purpose: Purpose) -> Self {
        let mut out = Vec::with_capacity(AAD_DOMAIN.len() + user_key.len() + 40);
        for field in [AAD_DOMAIN, purpose.label().as_bytes(), user_key.as_bytes()] {
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field);
        }
        Self(out)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Aad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Aad({} bytes)", self.0.len())
    }
}

/// The key of a Microsoft user in the vault: `{tid}:{oid}`, lowercased (both are GUIDs).
pub fn user_key(tenant_id: &str, object_id: &str) -> String {
    format!(
        "{}:{}",
        tenant_id.trim().to_ascii_lowercase(),
        object_id.trim().to_ascii_lowercase()
    )
}

/// The bytes GCM authenticates besides the ciphertext: the version byte, then the [`Aad`].
fn gcm_aad(version: u8, aad: &Aad) -> Vec<u8> {
    let mut v = Vec::with_capacity(1 + aad.0.len());
    v.push(version);
    v.extend_from_slice(&aad.0);
    v
}

/// Encrypt `plaintext` for `aad`. `nonce` must come from a CSPRNG and be fresh for every call
/// (see the module docs). Errors only for plaintexts beyond GCM's limit.
pub fn seal(
    key: &VaultKey,
    plaintext: &[u8],
    aad: &Aad,
    nonce: [u8; 12],
) -> Result<String, VaultError> {
    let ad = gcm_aad(FORMAT_V1, aad);
    let ct = key
        .cipher()
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &ad,
            },
        )
        .map_err(|_| VaultError::Encrypt)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(URL_SAFE_NO_PAD.encode(out))
}

/// Decrypt a value made by [`seal`] with the same key and associated data.
pub fn open(key: &VaultKey, sealed: &str, aad: &Aad) -> Result<Vec<u8>, VaultError> {
    let raw = URL_SAFE_NO_PAD
        .decode(sealed.trim())
        .map_err(|_| VaultError::Malformed)?;
    let (&version, rest) = raw.split_first().ok_or(VaultError::Malformed)?;
    if version != FORMAT_V1 {
        return Err(VaultError::UnsupportedVersion(version));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed);
    }
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let ad = gcm_aad(version, aad);
    key.cipher()
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: &ad })
        .map_err(|_| VaultError::Decrypt)
}

fn open_string(key: &VaultKey, sealed: &str, aad: &Aad) -> Result<String, VaultError> {
    String::from_utf8(open(key, sealed, aad)?).map_err(|_| VaultError::Decrypt)
}

/// Seal an upstream PKCE verifier for a pending request (`pending_id` is the request's id).
pub fn seal_pkce_verifier(
    key: &VaultKey,
    pending_id: &str,
    verifier: &CodeVerifier,
    nonce: [u8; 12],
) -> Result<String, VaultError> {
    let aad = Aad::new(pending_id, Purpose::UpstreamPkceVerifier);
    seal(key, verifier.secret().as_bytes(), &aad, nonce)
}

/// Open what [`seal_pkce_verifier`] sealed.
pub fn open_pkce_verifier(
    key: &VaultKey,
    pending_id: &str,
    sealed: &str,
) -> Result<CodeVerifier, VaultError> {
    let aad = Aad::new(pending_id, Purpose::UpstreamPkceVerifier);
    open_string(key, sealed, &aad).map(CodeVerifier::new)
}

/// Fresh nonces for one store: one per sealed value. Draw each from the CSPRNG.
#[derive(Debug, Clone, Copy)]
pub struct StoreNonces {
    pub access: [u8; 12],
    pub refresh: [u8; 12],
}

/// What to do before a Graph call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshPlan {
    /// The stored access token is good for more than [`REFRESH_SKEW_SECS`].
    UseCached,
    /// Refresh with the stored refresh token (one upstream call, coordinated by the Durable
    /// Object), then store the answer with [`MicrosoftTokens::apply_refresh`].
    Refresh,
    /// No usable grant: the user must authorize again (the MCP client gets `invalid_token` /
    /// re-authorization with a message saying Microsoft sign-in expired).
    Reconsent,
}

/// The vault record persisted in the user's Durable Object. Tokens are only held sealed. `Debug`
/// shows no ciphertext.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicrosoftTokens {
    pub access_token_sealed: String,
    /// Unix seconds at which the access token expires.
    pub access_expires_at: u64,
    pub refresh_token_sealed: Option<String>,
    /// Graph scopes (and OIDC scopes) Microsoft granted, normalised (`EntraTokens::scope`).
    pub scopes: Vec<String>,
    pub tenant_id: String,
    pub object_id: String,
    /// For display (`preferred_username`); never a key.
    pub username: String,
    /// Set on `invalid_grant` (or interaction/consent required) from a refresh.
    pub needs_reconsent: bool,
    /// Unix seconds of the last store.
    pub updated_at: u64,
}

impl fmt::Debug for MicrosoftTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MicrosoftTokens")
            .field("access_token_sealed", &"[sealed]")
            .field("access_expires_at", &self.access_expires_at)
            .field(
                "refresh_token_sealed",
                &self.refresh_token_sealed.as_ref().map(|_| "[sealed]"),
            )
            .field("scopes", &self.scopes)
            .field("tenant_id", &self.tenant_id)
            .field("object_id", &self.object_id)
            .field("username", &self.username)
            .field("needs_reconsent", &self.needs_reconsent)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

impl MicrosoftTokens {
    /// The record after a sign-in (code redemption): the user comes from the validated id_token
    /// claims ([`crate::entra::id_token_claims`]).
    pub fn new(
        key: &VaultKey,
        claims: &IdTokenClaims,
        tokens: &EntraTokens,
        now: u64,
        nonces: StoreNonces,
    ) -> Result<Self, VaultError> {
        let mut record = Self {
            access_token_sealed: String::new(),
            access_expires_at: 0,
            refresh_token_sealed: None,
            scopes: Vec::new(),
            tenant_id: claims.tid.clone(),
            object_id: claims.oid.clone(),
            username: claims.username().to_string(),
            needs_reconsent: false,
            updated_at: now,
        };
        record.store(key, tokens, now, nonces)?;
        Ok(record)
    }

    /// The vault key of this record's user (`{tid}:{oid}`), which the associated data binds every
    /// ciphertext to. The Durable Object should check it equals the user it serves
    /// ([`MicrosoftTokens::is_owned_by`]).
    pub fn user_key(&self) -> String {
        user_key(&self.tenant_id, &self.object_id)
    }

    /// Whether this record belongs to `user_key` (as made by [`user_key`]).
    pub fn is_owned_by(&self, user_key: &str) -> bool {
        self.user_key() == user_key.trim().to_ascii_lowercase()
    }

    /// Store a token response: seal the access token and, when present, the (rotated) refresh
    /// token; keep the previous refresh token only if Entra sent none (RFC 6749 §6: a new one
    /// replaces the old one only when issued). Scopes are replaced by the granted ones unless Entra
    /// left `scope` out. Clears `needs_reconsent`.
    pub fn store(
        &mut self,
        key: &VaultKey,
        tokens: &EntraTokens,
        now: u64,
        nonces: StoreNonces,
    ) -> Result<(), VaultError> {
        let user = self.user_key();
        let access_sealed = seal(
            key,
            tokens.access_token.secret().as_bytes(),
            &Aad::new(&user, Purpose::MicrosoftAccessToken),
            nonces.access,
        )?;
        let refresh_sealed = match &tokens.refresh_token {
            Some(rt) => Some(seal(
                key,
                rt.secret().as_bytes(),
                &Aad::new(&user, Purpose::MicrosoftRefreshToken),
                nonces.refresh,
            )?),
            None => self.refresh_token_sealed.clone(),
        };
        self.access_token_sealed = access_sealed;
        self.access_expires_at = now.saturating_add(tokens.expires_in);
        self.refresh_token_sealed = refresh_sealed;
        if !tokens.scope.is_empty() {
            self.scopes.clone_from(&tokens.scope);
        }
        self.needs_reconsent = false;
        self.updated_at = now;
        Ok(())
    }

    /// [`MicrosoftTokens::store`] for the answer to a refresh.
    pub fn apply_refresh(
        &mut self,
        key: &VaultKey,
        tokens: &EntraTokens,
        now: u64,
        nonces: StoreNonces,
    ) -> Result<(), VaultError> {
        self.store(key, tokens, now, nonces)
    }

    /// The access token if it is still valid for more than `skew` seconds at `now`; `None` means
    /// refresh first (or re-consent, see [`MicrosoftTokens::refresh_plan`]).
    pub fn access_token(
        &self,
        key: &VaultKey,
        now: u64,
        skew: u64,
    ) -> Result<Option<AccessToken>, VaultError> {
        if self.needs_reconsent || !self.access_fresh(now, skew) {
            return Ok(None);
        }
        let aad = Aad::new(&self.user_key(), Purpose::MicrosoftAccessToken);
        open_string(key, &self.access_token_sealed, &aad).map(|t| Some(AccessToken::new(t)))
    }

    /// The refresh token, for [`crate::entra::token_request_for_refresh`].
    pub fn refresh_token(&self, key: &VaultKey) -> Result<RefreshToken, VaultError> {
        let sealed = self
            .refresh_token_sealed
            .as_deref()
            .ok_or(VaultError::NoRefreshToken)?;
        let aad = Aad::new(&self.user_key(), Purpose::MicrosoftRefreshToken);
        open_string(key, sealed, &aad).map(RefreshToken::new)
    }

    fn access_fresh(&self, now: u64, skew: u64) -> bool {
        !self.access_token_sealed.is_empty() && self.access_expires_at > now.saturating_add(skew)
    }

    /// What to do before a Graph call at `now` (pure; the Durable Object acts on it and makes sure
    /// concurrent callers share one refresh).
    pub fn refresh_plan(&self, now: u64) -> RefreshPlan {
        if self.needs_reconsent {
            RefreshPlan::Reconsent
        } else if self.access_fresh(now, REFRESH_SKEW_SECS) {
            RefreshPlan::UseCached
        } else if self.refresh_token_sealed.is_some() {
            RefreshPlan::Refresh
        } else {
            RefreshPlan::Reconsent
        }
    }

    /// After `invalid_grant` (or interaction/consent required) on a refresh: the grant is dead.
    /// Drops the sealed tokens so nothing stale is used, and flags the record.
    pub fn mark_needs_reconsent(&mut self, now: u64) {
        self.needs_reconsent = true;
        self.access_token_sealed.clear();
        self.access_expires_at = 0;
        self.refresh_token_sealed = None;
        self.updated_at = now;
    }

    /// Whether every scope in `required` was granted (case-insensitive).
    pub fn has_scopes(&self, required: &[&str]) -> bool {
        required
            .iter()
            .all(|r| self.scopes.iter().any(|s| s.eq_ignore_ascii_case(r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_is_unambiguous() {
        // Without length prefixes "ab" + "c" and "a" + "bc" would collide.
        assert_ne!(
            Aad::new("user:a", Purpose::MicrosoftAccessToken).as_bytes(),
            Aad::new("user:b", Purpose::MicrosoftAccessToken).as_bytes()
        );
        assert_ne!(
            Aad::new("u", Purpose::MicrosoftAccessToken).as_bytes(),
            Aad::new("u", Purpose::MicrosoftRefreshToken).as_bytes()
        );
    }

    #[test]
    fn key_debug_is_redacted() {
        let k = VaultKey::from_bytes([7; 32]);
        assert_eq!(format!("{k:?}"), "VaultKey([redacted])");
        assert_eq!(format!("{:?}", k.derive("x")), "DerivedKey([redacted])");
        assert_ne!(k.derive("a").as_bytes(), k.derive("b").as_bytes());
    }
}
