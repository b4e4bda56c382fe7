//! The resource server's side of bearer tokens: reading `Authorization: Bearer` (RFC 6750 §2.1)
//! and building the `WWW-Authenticate` challenges of RFC 6750 §3 with the RFC 9728 §5.1
//! `resource_metadata` parameter.
//!
//! * Every MCP request without a usable token is answered 401 with
//!   [`unauthorized`]`(resource_metadata_url, Some(scope), None)`; when a token was sent but is
//!   invalid or expired, with `error="invalid_token"` (RFC 6750 §3.1; MCP authorization
//!   §Error Handling: "Invalid or expired tokens MUST receive a HTTP 401").
//! * A valid token lacking a Microsoft permission the tool needs gets 403 with
//!   [`insufficient_scope`] naming every scope the operation needs (MCP authorization §Scope
//!   Challenge Handling; Claude treats any other 403 as terminal).
//! * Only the `Authorization` header is read. RFC 6750 §2.2 (form body) and §2.3 (URI query)
//!   are not supported: "Access tokens MUST NOT be included in the URI query string" (MCP
//!   authorization §Access Token Usage). Ignoring an `access_token` query parameter is the
//!   caller's job; [`parse_bearer`] never looks at the URL.
//!
//! Parameter values are written as HTTP quoted-strings: the RFC 6750 §3 `error_description`
//! and `scope` character rules are enforced by sanitizing (see
//! [`super::error::sanitize_description`]), and `"` and `\` in other values are escaped, so a
//! header can never be broken by the values put in it.

use super::error::{sanitize_description, OAuthError};

/// Longest bearer token accepted. Ours are 74 characters (`super::tokens::TOKEN_LEN`); anything
/// much longer is refused before it is hashed.
pub const MAX_TOKEN_LEN: usize = 1024;

/// The 401 challenge for a request without a valid token (RFC 6750 §3, RFC 9728 §5.1):
///
/// ```text
/// Bearer resource_metadata="https://h/.well-known/oauth-protected-resource/mcp", scope="mail.read"
/// Bearer resource_metadata="…", scope="…", error="invalid_token", error_description="…"
/// ```
///
/// `error` is `(code, description)`; pass it only when the request carried a token
/// (RFC 6750 §3.1: a request without authentication information gets no error code). An empty
/// `scope` or description is left out.
pub fn unauthorized(
    resource_metadata_url: &str,
    scope: Option<&str>,
    error: Option<(&str, &str)>,
) -> String {
    let mut params = vec![("resource_metadata", quote(resource_metadata_url))];
    if let Some(scope) = scope.map(sanitize_scope).filter(|s| !s.is_empty()) {
        params.push(("scope", format!("\"{scope}\"")));
    }
    if let Some((code, description)) = error {
        params.push(("error", quote(code)));
        let description = sanitize_description(description);
        if !description.is_empty() {
            params.push(("error_description", format!("\"{description}\"")));
        }
    }
    challenge(&params)
}

/// The 403 step-up challenge (RFC 6750 §3.1 `insufficient_scope`; MCP authorization §Runtime
/// Insufficient Scope Errors):
///
/// ```text
/// Bearer error="insufficient_scope", scope="mail.read mail.send", resource_metadata="…", error_description="…"
/// ```
///
/// `scope` should list every scope the operation needs, not only the missing ones (MCP
/// 2026-07-28: "include all scopes required for the current operation in a single challenge").
pub fn insufficient_scope(
    resource_metadata_url: &str,
    scope: &str,
    description: Option<&str>,
) -> String {
    let mut params = vec![("error", "\"insufficient_scope\"".to_owned())];
    let scope = sanitize_scope(scope);
    if !scope.is_empty() {
        params.push(("scope", format!("\"{scope}\"")));
    }
    params.push(("resource_metadata", quote(resource_metadata_url)));
    if let Some(description) = description.map(sanitize_description) {
        if !description.is_empty() {
            params.push(("error_description", format!("\"{description}\"")));
        }
    }
    challenge(&params)
}

/// Reads the access token from an `Authorization` header value (RFC 6750 §2.1):
///
/// ```text
/// credentials = "Bearer" 1*SP b64token     ; we accept exactly one SP
/// b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
/// ```
///
/// * No header: `Ok(None)` (unauthenticated; answer 401 without an error code).
/// * Another scheme (`Basic`, `DPoP`, …): also `Ok(None)`: there is no bearer token, and the
///   401 challenge tells the client which scheme to use.
/// * The scheme is matched case-insensitively (RFC 9110 §11.1); surrounding whitespace of the
///   whole value is ignored (RFC 9110 §5.5).
/// * `Bearer` with a missing or malformed token, extra whitespace or anything after the token:
///   `invalid_token` (RFC 6750 §3.1: "malformed"), so the client gets a 401 and
///   re-authorizes rather than a 400 it cannot act on.
pub fn parse_bearer(authorization_header: Option<&str>) -> Result<Option<&str>, OAuthError> {
    let Some(header) = authorization_header else {
        return Ok(None);
    };
    let header = header.trim_matches(|c| c == ' ' || c == '\t');
    let scheme_len = header.find([' ', '\t']).unwrap_or(header.len());
    let (scheme, rest) = header.split_at(scheme_len);
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let Some(token) = rest.strip_prefix(' ') else {
        return Err(OAuthError::invalid_token(
            "the Bearer credential has no token",
        ));
    };
    if token.len() > MAX_TOKEN_LEN {
        return Err(OAuthError::invalid_token("the access token is too long"));
    }
    if !is_b64token(token) {
        return Err(OAuthError::invalid_token("the access token is malformed"));
    }
    Ok(Some(token))
}

/// RFC 6750 §2.1 `b64token`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

/// `Bearer k1=v1, k2=v2` with values already quoted.
fn challenge(params: &[(&str, String)]) -> String {
    let mut out = String::from("Bearer ");
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// An HTTP quoted-string (RFC 9110 §5.6.4) of `value`: `"` and `\` are escaped, anything
/// outside printable ASCII (including CR and LF) is dropped.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {}
        }
    }
    out.push('"');
    out
}

/// A `scope` value as RFC 6750 §3 allows it: scope tokens (RFC 6749 §3.3 `NQCHAR`, i.e.
/// %x21 / %x23-5B / %x5D-7E) separated by single spaces. Characters outside the set are
/// dropped and runs of whitespace collapse.
fn sanitize_scope(scope: &str) -> String {
    let tokens: Vec<String> = scope
        .split([' ', '\t', '\r', '\n'])
        .map(|t| {
            t.chars()
                .filter(|c| matches!(c, '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e'))
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    tokens.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRM: &str = "https://m365.example.com/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn unauthorized_without_token() {
        assert_eq!(
            unauthorized(PRM, Some("mail.read calendar.read"), None),
            "Bearer resource_metadata=\"https://m365.example.com/.well-known/oauth-protected-resource/mcp\", scope=\"mail.read calendar.read\""
        );
        assert_eq!(
            unauthorized(PRM, None, None),
            format!("Bearer resource_metadata=\"{PRM}\"")
        );
        assert_eq!(
            unauthorized(PRM, Some("  "), None),
            format!("Bearer resource_metadata=\"{PRM}\"")
        );
    }

    #[test]
    fn unauthorized_with_invalid_token() {
        assert_eq!(
            unauthorized(
                PRM,
                Some("mail.read"),
                Some(("invalid_token", "The access token expired"))
            ),
            format!(
                "Bearer resource_metadata=\"{PRM}\", scope=\"mail.read\", error=\"invalid_token\", error_description=\"The access token expired\""
            )
        );
        assert_eq!(
            unauthorized(PRM, None, Some(("invalid_token", ""))),
            format!("Bearer resource_metadata=\"{PRM}\", error=\"invalid_token\"")
        );
    }

    #[test]
    fn insufficient_scope_challenge() {
        assert_eq!(
            insufficient_scope(PRM, "mail.read mail.send", Some("Sending mail needs mail.send")),
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"mail.read mail.send\", resource_metadata=\"{PRM}\", error_description=\"Sending mail needs mail.send\""
            )
        );
        assert_eq!(
            insufficient_scope(PRM, "mail.send", None),
            format!("Bearer error=\"insufficient_scope\", scope=\"mail.send\", resource_metadata=\"{PRM}\"")
        );
    }

    #[test]
    fn values_cannot_break_the_header() {
        let h = unauthorized(
            "https://x.example/\"a\\b\r\nX: y",
            Some("a\"b c\\d\r\nX-Evil: 1"),
            Some(("invalid_token", "bad \"token\"\r\nSet-Cookie: a=b")),
        );
        assert!(!h.contains('\r') && !h.contains('\n'));
        assert_eq!(
            h,
            "Bearer resource_metadata=\"https://x.example/\\\"a\\\\bX: y\", scope=\"ab cd X-Evil: 1\", error=\"invalid_token\", error_description=\"bad 'token'  Set-Cookie: a=b\""
        );
    }

    #[test]
    fn parse_bearer_accepts_b64token() {
        let token = "m365_at_AAAAAAAAAAAAAAAAAAAAAA_abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE";
        let header = format!("Bearer {token}");
        assert_eq!(parse_bearer(Some(&header)), Ok(Some(token)));
        assert_eq!(parse_bearer(Some("bearer abc")), Ok(Some("abc")));
        assert_eq!(
            parse_bearer(Some("BEARER a.b~c+d/e==")),
            Ok(Some("a.b~c+d/e=="))
        );
        assert_eq!(parse_bearer(Some("  Bearer abc  ")), Ok(Some("abc")));
    }

    #[test]
    fn parse_bearer_no_token() {
        assert_eq!(parse_bearer(None), Ok(None));
        assert_eq!(parse_bearer(Some("Basic dXNlcjpwYXNz")), Ok(None));
        assert_eq!(parse_bearer(Some("DPoP abc")), Ok(None));
        assert_eq!(parse_bearer(Some("")), Ok(None));
        assert_eq!(parse_bearer(Some("Bearerabc")), Ok(None));
    }

    #[test]
    fn parse_bearer_malformed_is_invalid_token() {
        for bad in [
            "Bearer",
            "Bearer ",
            "Bearer  abc",
            "Bearer\tabc",
            "Bearer abc def",
            "Bearer abc,def",
            "Bearer ===",
            "Bearer =abc",
            "Bearer ab=c",
            "Bearer abc\"",
            "Bearer é",
        ] {
            let e = parse_bearer(Some(bad)).expect_err(bad);
            assert_eq!(e.code(), "invalid_token", "{bad:?}");
            assert_eq!(e.http_status(), 401);
        }
        let long = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert!(parse_bearer(Some(&long)).is_err());
        let max = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN));
        assert!(parse_bearer(Some(&max)).is_ok());
    }
}
