//! How Graph checks the bearer token on every request, with Graph's own 401 texts:
//! - no token: "Access token is empty." (microsoftgraph/msgraph-sample-reactspa#54);
//! - not a JWT: "IDX14100: JWT is not well formed, there are no dots (.)…" (MaikuB/flutter_appauth#575;
//!   Graph reports IDX14100 for any malformed token, AzureAD/…-identitymodel-extensions#2618), or for
//!   an `Ew…` compact token "CompactToken parsing failed with error code: 80049217"
//!   (Earlybyte/aad_oauth#102);
//! - expired: "Lifetime validation failed, the token is expired." (s1t5/mail-archiver#267);
//! - not yet valid / revoked: "Access token has expired or is not yet valid."
//!   (microsofthackathons/tdi#24);
//! - wrong audience: "Access token validation failure. Invalid audience."
//!   (microsoftgraph/microsoft-graph-docs#16208);
//! - bad signature: "Access token validation failure." (sandbox choice; no public sample found).

use serde_json::Value;

use super::{jwt, GRAPH_APP_ID, GRAPH_RESOURCE};
use crate::{error::GraphError, server::Sandbox};

/// The caller of a Graph request, from a valid access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `oid`: the signed-in user's object id (Graph `user.id`).
    pub user_id: String,
    /// `tid`.
    pub tenant_id: String,
    /// `scp` split into short names (`Mail.Read`).
    pub scopes: Vec<String>,
    /// `appid`: the client the token was issued to.
    pub app_id: String,
}

const CODE: &str = "InvalidAuthenticationToken";
const EMPTY: &str = "Access token is empty.";
const MALFORMED: &str = "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.";
const COMPACT: &str = "CompactToken parsing failed with error code: 80049217";
const EXPIRED: &str = "Lifetime validation failed, the token is expired.";
const NOT_VALID: &str = "Access token has expired or is not yet valid.";
const AUDIENCE: &str = "Access token validation failure. Invalid audience.";
const FAILURE: &str = "Access token validation failure.";

fn unauthorized(message: &str) -> GraphError {
    GraphError::unauthorized(CODE, message)
}

/// Validate the `Authorization` header of a Graph request. Takes the Entra lock briefly and never
/// the world lock, so it may be called while the caller holds `world()`.
pub fn authenticate(
    state: &Sandbox,
    authorization_header: Option<&str>,
) -> Result<Principal, GraphError> {
    let token = authorization_header
        .map(str::trim)
        .and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .unwrap_or("");
    if token.is_empty() {
        return Err(unauthorized(EMPTY));
    }
    let now = state.now().timestamp();
    let (claims, skew) = {
        let entra = state.entra();
        let claims = if let Some(c) = entra.opaque_access.get(token) {
            c.clone()
        } else {
            match jwt::decode(&entra.signing_key.0, token) {
                Ok(c) => c,
                Err(jwt::DecodeError::NoDots) if token.starts_with("Ew") => {
                    return Err(unauthorized(COMPACT))
                }
                Err(jwt::DecodeError::NoDots | jwt::DecodeError::Malformed) => {
                    return Err(unauthorized(MALFORMED))
                }
                Err(jwt::DecodeError::BadSignature) => return Err(unauthorized(FAILURE)),
            }
        };
        let uti = claims.get("uti").and_then(Value::as_str).unwrap_or("");
        if entra.revoked_access.contains(uti) {
            return Err(unauthorized(NOT_VALID));
        }
        (claims, entra.clock_skew_seconds)
    };
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    let graph_aud = aud
        .trim_end_matches('/')
        .eq_ignore_ascii_case(GRAPH_RESOURCE)
        || aud.eq_ignore_ascii_case(GRAPH_APP_ID);
    if !graph_aud {
        return Err(unauthorized(AUDIENCE));
    }
    let num = |k: &str| claims.get(k).and_then(Value::as_i64);
    match (num("nbf"), num("exp")) {
        (_, None) => return Err(unauthorized(FAILURE)),
        (Some(nbf), _) if nbf > now + skew => return Err(unauthorized(NOT_VALID)),
        (_, Some(exp)) if exp <= now - skew => return Err(unauthorized(EXPIRED)),
        _ => {}
    }
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let user_id = s("oid");
    if user_id.is_empty() {
        return Err(unauthorized(FAILURE));
    }
    Ok(Principal {
        user_id,
        tenant_id: s("tid"),
        scopes: s("scp").split_whitespace().map(str::to_string).collect(),
        app_id: s("appid"),
    })
}

/// Whether the token carries one of `any_of`. A broader permission implies the narrower one:
/// `X.ReadWrite[.Suffix]` ⊇ `X.Read[.Suffix]` (Mail, Calendars, Contacts, MailboxSettings, Chat…),
/// and `Mail.Read` ⊇ `Mail.ReadBasic`. Case-insensitive, as scope names are.
pub fn principal_has_scope(p: &Principal, any_of: &[&str]) -> bool {
    any_of.iter().any(|wanted| {
        p.scopes
            .iter()
            .any(|held| held.eq_ignore_ascii_case(wanted) || implies(held, wanted))
    })
}

/// Whether holding `held` grants `wanted`.
fn implies(held: &str, wanted: &str) -> bool {
    let held = held.to_ascii_lowercase();
    let wanted = wanted.to_ascii_lowercase();
    // X.ReadWrite[.S] ⊇ X.Read[.S]
    if let Some((res, rest)) = held.split_once(".readwrite") {
        if wanted == format!("{res}.read{rest}") {
            return true;
        }
    }
    // Mail.Read / Mail.ReadWrite ⊇ Mail.ReadBasic
    wanted == "mail.readbasic" && (held == "mail.read" || held == "mail.readwrite")
}
