//! Compact JWS (HS256) encoding and decoding, and random opaque strings.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Key id in the JWT header. Nothing is published under it (HS256 keys are secret).
pub(crate) const KEY_ID: &str = "sandbox-hs256";

pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `n` random bytes, base64url-encoded.
pub(crate) fn random_b64(n: usize) -> String {
    let mut buf = vec![0u8; n];
    if getrandom::fill(&mut buf).is_err() {
        // Extremely unlikely; keep values unique anyway.
        let seed = format!(
            "{:?}{}",
            std::time::SystemTime::now(),
            crate::server::new_id()
        );
        let h = sha256(seed.as_bytes());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = h[i % 32];
        }
    }
    b64url(&buf)
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// Sign `claims` as a compact HS256 JWS.
pub(crate) fn encode(key: &[u8], claims: &Value) -> String {
    let header = json!({ "typ": "JWT", "alg": "HS256", "kid": KEY_ID });
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let mut m = mac(key);
    m.update(signing_input.as_bytes());
    let sig = m.finalize().into_bytes();
    format!("{signing_input}.{}", b64url(&sig))
}

/// Why a token did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// No `.` at all.
    NoDots,
    /// Not three base64url parts with JSON header and payload.
    Malformed,
    /// Well formed, but the signature is not ours (or `alg` is not HS256).
    BadSignature,
}

/// Decode the payload of a compact JWS without checking the signature.
pub(crate) fn peek(token: &str) -> Result<Value, DecodeError> {
    if !token.contains('.') {
        return Err(DecodeError::NoDots);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(DecodeError::Malformed);
    }
    let payload = URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|_| DecodeError::Malformed)?;
    let v: Value = serde_json::from_slice(&payload).map_err(|_| DecodeError::Malformed)?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(DecodeError::Malformed)
    }
}

/// Decode and verify a compact HS256 JWS.
pub(crate) fn decode(key: &[u8], token: &str) -> Result<Value, DecodeError> {
    let claims = peek(token)?;
    let parts: Vec<&str> = token.split('.').collect();
    let header = URL_SAFE_NO_PAD
        .decode(parts[0].trim_end_matches('='))
        .map_err(|_| DecodeError::Malformed)?;
    let header: Value = serde_json::from_slice(&header).map_err(|_| DecodeError::Malformed)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(DecodeError::BadSignature);
    }
    let sig = URL_SAFE_NO_PAD
        .decode(parts[2].trim_end_matches('='))
        .map_err(|_| DecodeError::BadSignature)?;
    let mut m = mac(key);
    m.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    m.verify_slice(&sig)
        .map_err(|_| DecodeError::BadSignature)?;
    Ok(claims)
}
