//! Proof Key for Code Exchange (RFC 7636), S256 only.
//!
//! OAuth 2.1 §4.1.1 and the MCP authorization spec require PKCE with `S256`; `plain` is never
//! offered (code-style P9) and a request without a challenge is refused, so
//! `code_challenge_methods_supported` is `["S256"]` in our metadata.
//!
//! * [`validate_challenge`] runs at the authorization endpoint on `code_challenge` and
//!   `code_challenge_method`.
//! * [`verify_s256`] runs at the token endpoint on the stored challenge and the presented
//!   `code_verifier`; it compares in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::error::OAuthError;
use super::tokens::ct_eq;

/// Length of an S256 challenge: base64url without padding of a 32-byte SHA-256 digest.
pub const S256_CHALLENGE_LEN: usize = 43;

/// Shortest `code_verifier` (RFC 7636 §4.1).
pub const MIN_VERIFIER_LEN: usize = 43;

/// Longest `code_verifier` (RFC 7636 §4.1).
pub const MAX_VERIFIER_LEN: usize = 128;

/// The only supported `code_challenge_method`.
pub const S256: &str = "S256";

/// RFC 7636 §4.1: `code-verifier = 43*128unreserved`, `unreserved = ALPHA / DIGIT / "-" / "." /
/// "_" / "~"`.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier: `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`
/// (RFC 7636 §4.2).
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` is a well-formed RFC 7636 §4.1 verifier whose S256 transform equals
/// `challenge` (RFC 7636 §4.6). The comparison is constant-time; a malformed verifier is
/// `false` without hashing.
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    if !is_valid_verifier(verifier) {
        return false;
    }
    ct_eq(s256_challenge(verifier).as_bytes(), challenge.as_bytes())
}

/// Checks the authorization request's PKCE parameters and returns the challenge to bind to the
/// authorization code.
///
/// * A missing `code_challenge` is `invalid_request` (OAuth 2.1 §4.1.1; RFC 7636 §4.4.1).
/// * A missing `code_challenge_method` means `plain` (RFC 7636 §4.3), which, like an explicit
///   `plain` or any other method, is `invalid_request`: only `S256` is supported (MCP
///   authorization §Authorization Code Protection).
/// * The challenge must be exactly 43 base64url characters (the S256 output length), and the
///   last one must carry no stray bits (a canonical encoding of 32 bytes), so a challenge that
///   could never match any verifier is refused here instead of at the token endpoint.
pub fn validate_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<String, OAuthError> {
    let Some(challenge) = challenge.filter(|c| !c.is_empty()) else {
        return Err(OAuthError::invalid_request(
            "code_challenge required (PKCE with S256)",
        ));
    };
    match method {
        Some(S256) => {}
        None | Some("") => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method required: only S256 is supported",
            ))
        }
        Some("plain") => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method plain is not supported: use S256",
            ))
        }
        Some(_) => {
            return Err(OAuthError::invalid_request(
                "unsupported code_challenge_method: only S256 is supported",
            ))
        }
    }
    if !is_canonical_s256_challenge(challenge) {
        return Err(OAuthError::invalid_request(
            "code_challenge must be the 43-character base64url (no padding) SHA-256 of the code_verifier",
        ));
    }
    Ok(challenge.to_owned())
}

/// 43 base64url characters encoding exactly 32 bytes: 43 × 6 = 258 bits, so the last
/// character's two low bits must be zero.
fn is_canonical_s256_challenge(challenge: &str) -> bool {
    let bytes = challenge.as_bytes();
    if bytes.len() != S256_CHALLENGE_LEN
        || !bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return false;
    }
    matches!(URL_SAFE_NO_PAD.decode(bytes), Ok(decoded) if decoded.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(s256_challenge(RFC_VERIFIER), RFC_CHALLENGE);
        assert!(verify_s256(RFC_VERIFIER, RFC_CHALLENGE));
    }

    #[test]
    fn wrong_verifier_or_challenge_fails() {
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
        assert!(!verify_s256(other, RFC_CHALLENGE));
        assert!(!verify_s256(
            RFC_VERIFIER,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!verify_s256(RFC_VERIFIER, ""));
        // `plain` semantics never pass: the verifier itself is not its challenge.
        assert!(!verify_s256(RFC_VERIFIER, RFC_VERIFIER));
    }

    #[test]
    fn verifier_length_and_charset() {
        let ok43 = "a".repeat(43);
        let ok128 = "A1-._~".repeat(21) + "ab";
        assert_eq!(ok128.len(), 128);
        assert!(is_valid_verifier(&ok43));
        assert!(is_valid_verifier(&ok128));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        for bad in ["+", "/", "=", " ", "é", "\n", "%"] {
            let v = format!("{}{bad}", "a".repeat(43));
            assert!(!is_valid_verifier(&v), "{bad:?}");
        }
        // A malformed verifier never verifies, even against its own hash.
        let short = "a".repeat(42);
        assert!(!verify_s256(&short, &s256_challenge(&short)));
    }

    #[test]
    fn challenge_is_required() {
        for c in [None, Some("")] {
            let e = validate_challenge(c, Some("S256")).expect_err("missing challenge");
            assert_eq!(e.code(), "invalid_request");
            assert!(e.description().contains("code_challenge required"));
        }
    }

    #[test]
    fn only_s256_is_accepted() {
        assert_eq!(
            validate_challenge(Some(RFC_CHALLENGE), Some("S256")),
            Ok(RFC_CHALLENGE.to_owned())
        );
        for m in [None, Some(""), Some("plain"), Some("s256"), Some("S512")] {
            let e = validate_challenge(Some(RFC_CHALLENGE), m).expect_err("bad method");
            assert_eq!(e.code(), "invalid_request", "{m:?}");
        }
        let plain = validate_challenge(Some(RFC_CHALLENGE), Some("plain"));
        assert!(plain.is_err_and(|e| e.description().contains("plain")));
    }

    #[test]
    fn challenge_shape() {
        for bad in [
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c",   // 42
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cMA", // 44
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", // standard alphabet
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", // stray low bits
            RFC_VERIFIER.get(..42).unwrap_or_default(),
        ] {
            assert!(
                validate_challenge(Some(bad), Some("S256")).is_err(),
                "{bad}"
            );
        }
    }
}
