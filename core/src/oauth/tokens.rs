//! Our own bearer credentials: authorization codes, access tokens and refresh tokens.
//!
//! # Format
//!
//! ```text
//! m365_{kind}_{userkey}_{secret}
//!      │      │         └ 43 chars: base64url (no padding) of 32 random bytes from the caller
//!      │      └ 22 chars: base64url (no padding) of the 16-byte [`UserKey`]
//!      └ `ac` authorization code, `at` access token, `rt` refresh token
//! ```
//!
//! Every token is exactly [`TOKEN_LEN`] (74) ASCII characters. The fields sit at fixed offsets:
//! base64url uses `_` itself, so the string is never split on `_`.
//!
//! * The **user key** names the Durable Object holding the user's grants
//!   ([`super::grant::UserGrants`]), so the worker routes a presented token to the right object
//!   with [`parse`] alone, without a lookup table. It is the first 16 bytes of
//!   `SHA-256("m365-user:" + tid + ":" + oid)` ([`user_key`]): stable for a user, not reversible to
//!   the Entra ids, and not secret (knowing it gives nothing without the 256-bit secret).
//! * The **secret** carries the 256 bits of entropy. Randomness is an input (the shell draws it
//!   with `getrandom`), so this module stays deterministic and clock-free.
//! * [`parse`] is strict (length, prefix, kind, separators, canonical base64url), so anything
//!   that is not byte-for-byte a token we could have minted is rejected before any storage access.
//!
//! # Storage
//!
//! Tokens are never stored: only [`hash`] (SHA-256 of the whole token string) is persisted, and
//! [`TokenHash`] compares in constant time. Token strings travel in [`Secret`], whose `Debug` is
//! redacted and which has no `PartialEq`, so a token cannot end up in a log line through `{:?}`
//! or be compared in variable time by accident (code-style P9).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// Common prefix of every token we mint.
pub const PREFIX: &str = "m365_";
/// Length of the encoded user key (16 bytes, base64url without padding).
pub const USER_KEY_LEN: usize = 22;
/// Length of the encoded secret (32 bytes, base64url without padding).
pub const SECRET_LEN: usize = 43;
/// Total length of a token: `m365_` + kind (2) + `_` + user key + `_` + secret.
pub const TOKEN_LEN: usize = PREFIX.len() + 2 + 1 + USER_KEY_LEN + 1 + SECRET_LEN;

const KIND_AT: usize = PREFIX.len();
const USER_KEY_AT: usize = KIND_AT + 3;
const SECRET_AT: usize = USER_KEY_AT + USER_KEY_LEN + 1;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `ac`: a single-use authorization code (RFC 6749 §4.1.2).
    AuthorizationCode,
    /// `at`: an access token presented to the MCP endpoint (RFC 6750).
    Access,
    /// `rt`: a refresh token presented to `/token` (RFC 6749 §6).
    Refresh,
}

impl TokenKind {
    /// The two-letter tag in the token string.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "ac",
            Self::Access => "at",
            Self::Refresh => "rt",
        }
    }

    fn from_tag(tag: &[u8]) -> Option<Self> {
        match tag {
            b"ac" => Some(Self::AuthorizationCode),
            b"at" => Some(Self::Access),
            b"rt" => Some(Self::Refresh),
            _ => None,
        }
    }
}

/// Identifies one user's Durable Object: 16 bytes derived from the Entra tenant and object ids.
/// Displayed (and serialized) as 22 characters of base64url; use that string as the Durable
/// Object name.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserKey([u8; 16]);

impl UserKey {
    /// The raw 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Wraps raw bytes (for tests and for keys read back from storage).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 22-character base64url form used in tokens and as the Durable Object name.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Parses the 22-character form; `None` unless it is canonical base64url of 16 bytes.
    pub fn decode(s: &str) -> Option<Self> {
        decode_fixed::<16>(s.as_bytes(), USER_KEY_LEN).map(Self)
    }
}

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

impl fmt::Debug for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserKey({})", self.encode())
    }
}

impl Serialize for UserKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for UserKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::decode(&s).ok_or_else(|| serde::de::Error::custom("invalid user key"))
    }
}

/// The user key for an Entra user: the first 16 bytes of `SHA-256("m365-user:" + tid + ":" + oid)`.
pub fn user_key(tenant_id: &str, object_id: &str) -> UserKey {
    let digest = Sha256::new()
        .chain_update(b"m365-user:")
        .chain_update(tenant_id.as_bytes())
        .chain_update(b":")
        .chain_update(object_id.as_bytes())
        .finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    UserKey(key)
}

/// A secret string (one of our tokens, a PKCE verifier, a client secret). `Debug` prints
/// `Secret(<redacted>)`; there is deliberately no `PartialEq` and no `Display`: read it with
/// [`Secret::expose`] where it must go on the wire, compare it through a hash.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for writing it into a response or hashing it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Mints a token of `kind` for `user` from 32 caller-supplied random bytes.
pub fn mint(kind: TokenKind, user: &UserKey, secret_bytes: [u8; 32]) -> Secret {
    let mut out = String::with_capacity(TOKEN_LEN);
    out.push_str(PREFIX);
    out.push_str(kind.tag());
    out.push('_');
    out.push_str(&user.encode());
    out.push('_');
    out.push_str(&URL_SAFE_NO_PAD.encode(secret_bytes));
    Secret(out)
}

/// The routing information of a well-formed token. The secret part is not kept: the token
/// is checked by comparing [`hash`] of the whole string with the stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedToken {
    pub kind: TokenKind,
    pub user_key: UserKey,
}

/// Parses a token string strictly; `None` for anything we could not have minted.
pub fn parse(token: &str) -> Option<ParsedToken> {
    let b = token.as_bytes();
    if b.len() != TOKEN_LEN
        || !b.starts_with(PREFIX.as_bytes())
        || b[USER_KEY_AT - 1] != b'_'
        || b[SECRET_AT - 1] != b'_'
    {
        return None;
    }
    let kind = TokenKind::from_tag(&b[KIND_AT..KIND_AT + 2])?;
    let user_key = UserKey(decode_fixed::<16>(
        &b[USER_KEY_AT..USER_KEY_AT + USER_KEY_LEN],
        USER_KEY_LEN,
    )?);
    decode_fixed::<32>(&b[SECRET_AT..], SECRET_LEN)?;
    Some(ParsedToken { kind, user_key })
}

/// Parses and requires a particular kind.
pub fn parse_kind(token: &str, kind: TokenKind) -> Option<ParsedToken> {
    parse(token).filter(|p| p.kind == kind)
}

/// Decodes exactly `len` characters of canonical unpadded base64url into `N` bytes.
fn decode_fixed<const N: usize>(s: &[u8], len: usize) -> Option<[u8; N]> {
    if s.len() != len
        || !s
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
    {
        return None;
    }
    // The default engine rejects non-zero trailing bits, so only the canonical encoding passes.
    let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
    bytes.try_into().ok()
}

/// SHA-256 of a token string: the only form in which tokens are stored. Serialized as 43
/// characters of base64url. Equality is constant-time.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for TokenHash {
    // A hash is not a secret, but a prefix is all anyone needs to tell two apart.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = URL_SAFE_NO_PAD.encode(self.0);
        write!(f, "TokenHash({}…)", &full[..8])
    }
}

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        decode_fixed::<32>(s.as_bytes(), SECRET_LEN)
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("invalid token hash"))
    }
}

/// SHA-256 of the whole token string.
pub fn hash(token: &str) -> TokenHash {
    TokenHash(Sha256::digest(token.as_bytes()).into())
}

/// Constant-time byte comparison: the time depends only on the lengths, which are public
/// (hash lengths are fixed). Used for every comparison of a secret-derived value.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> UserKey {
        user_key("tenant", "object")
    }

    #[test]
    fn minted_tokens_parse_back() {
        for kind in [
            TokenKind::AuthorizationCode,
            TokenKind::Access,
            TokenKind::Refresh,
        ] {
            for fill in [0u8, 0xff, 0x3f, 0xfb] {
                let t = mint(kind, &key(), [fill; 32]);
                assert_eq!(t.expose().len(), TOKEN_LEN);
                assert_eq!(
                    parse(t.expose()),
                    Some(ParsedToken {
                        kind,
                        user_key: key()
                    })
                );
            }
        }
        assert_eq!(TOKEN_LEN, 74);
    }

    #[test]
    fn user_key_is_stable_and_distinct() {
        assert_eq!(key(), user_key("tenant", "object"));
        assert_ne!(key(), user_key("tenant", "object2"));
        // ("a:b","c") and ("a","b:c") would collide, but Entra tid/oid are GUIDs (no colons).
        assert_eq!(key().encode().len(), USER_KEY_LEN);
        assert_eq!(UserKey::decode(&key().encode()), Some(key()));
    }

    #[test]
    fn parse_rejects_malformed() {
        let good = mint(TokenKind::Access, &key(), [7; 32]).into_inner();
        assert!(parse(&good).is_some());
        let mut cases: Vec<String> = vec![
            String::new(),
            "m365_at_".into(),
            good[..TOKEN_LEN - 1].to_string(),
            format!("{good}A"),
            good.replacen("m365_", "m366_", 1),
            good.replacen("_at_", "_xx_", 1),
            good.replacen("_at_", "_AT_", 1),
            format!(" {}", &good[1..]),
        ];
        // Separator positions.
        for pos in [USER_KEY_AT - 1, SECRET_AT - 1] {
            let mut b = good.clone().into_bytes();
            b[pos] = b'-';
            cases.push(String::from_utf8(b).unwrap_or_default());
        }
        // A character outside base64url in the user key and in the secret.
        for pos in [USER_KEY_AT + 3, SECRET_AT + 5] {
            let mut b = good.clone().into_bytes();
            b[pos] = b'+';
            cases.push(String::from_utf8(b).unwrap_or_default());
        }
        // Non-canonical last symbols (trailing bits set).
        let mut b = good.clone().into_bytes();
        b[USER_KEY_AT + USER_KEY_LEN - 1] = b'B';
        let mut c = good.clone().into_bytes();
        c[TOKEN_LEN - 1] = b'B';
        cases.push(String::from_utf8(b).unwrap_or_default());
        cases.push(String::from_utf8(c).unwrap_or_default());
        // Multi-byte characters must not panic on slicing.
        cases.push(format!("m365_at_{}", "é".repeat(33)));
        cases.push(format!("{}é", &good[..TOKEN_LEN - 2]));
        for case in &cases {
            assert_eq!(parse(case), None, "{case:?}");
        }
    }

    #[test]
    fn hash_roundtrips_and_compares() {
        let h = hash("m365_at_x");
        assert_eq!(h, hash("m365_at_x"));
        assert_ne!(h, hash("m365_at_y"));
        let json = serde_json::to_string(&h).unwrap_or_default();
        assert_eq!(json.len(), SECRET_LEN + 2);
        let back: TokenHash = serde_json::from_str(&json).unwrap_or(TokenHash([0; 32]));
        assert_eq!(back, h);
        assert!(serde_json::from_str::<TokenHash>("\"short\"").is_err());
    }

    #[test]
    fn secret_debug_is_redacted() {
        let t = mint(TokenKind::Refresh, &key(), [1; 32]);
        let shown = format!("{t:?}");
        assert!(!shown.contains("m365"), "{shown}");
    }

    #[test]
    fn ct_eq_basics() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
    }
}
