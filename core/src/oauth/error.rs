//! The one error type of the OAuth layer and its wire mappings, side by side (code-style P8).
//!
//! Every variant is a registered OAuth error code and carries a human-readable description:
//!
//! | code | defined in | HTTP status here |
//! |---|---|---|
//! | `invalid_request` | RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1 | 400 |
//! | `invalid_client` | RFC 6749 §5.2 | 401 |
//! | `invalid_grant` | RFC 6749 §5.2 | 400 |
//! | `unauthorized_client` | RFC 6749 §4.1.2.1, §5.2 | 400 |
//! | `unsupported_grant_type` | RFC 6749 §5.2 | 400 |
//! | `invalid_scope` | RFC 6749 §4.1.2.1, §5.2 | 400 |
//! | `access_denied` | RFC 6749 §4.1.2.1 | 403 (only ever rendered as a page; redirects have no status) |
//! | `unsupported_response_type` | RFC 6749 §4.1.2.1 | 400 |
//! | `server_error` | RFC 6749 §4.1.2.1 | 500 |
//! | `temporarily_unavailable` | RFC 6749 §4.1.2.1 | 503 |
//! | `invalid_target` | RFC 8707 §2 | 400 |
//! | `invalid_redirect_uri` | RFC 7591 §3.2.2 | 400 |
//! | `invalid_client_metadata` | RFC 7591 §3.2.2 | 400 |
//! | `invalid_token` | RFC 6750 §3.1 | 401 |
//! | `insufficient_scope` | RFC 6750 §3.1 | 403 |
//!
//! Three renderings:
//! * [`OAuthError::to_json`]: the token, revocation and registration endpoints' body
//!   (RFC 6749 §5.2, RFC 7591 §3.2.2); serve it with `Content-Type: application/json` and
//!   `Cache-Control: no-store`.
//! * [`OAuthError::redirect_params`]: the query of an authorization error response
//!   (RFC 6749 §4.1.2.1) including RFC 9207 `iss`. Only errors found *after* `client_id` and
//!   `redirect_uri` were verified may be redirected; the others are shown as a page.
//! * [`OAuthError::token_endpoint_www_authenticate`]: the `WWW-Authenticate: Basic` that
//!   RFC 6749 §5.2 requires on a 401 `invalid_client` when the client used the
//!   `Authorization` header.
//!
//! The resource server's `WWW-Authenticate: Bearer` challenges live in [`super::bearer`].
//!
//! Descriptions go on the wire, so they must never carry secrets or internal details. They are
//! sanitized to the RFC 6749 `error_description` character set (%x20-21 / %x23-5B / %x5D-7E)
//! and capped at [`MAX_DESCRIPTION_CHARS`] when rendered, so a description built from client
//! input can neither break the JSON or header nor smuggle a line break.

use std::borrow::Cow;
use std::fmt;

/// Longest `error_description` written to the wire; longer ones are cut.
pub const MAX_DESCRIPTION_CHARS: usize = 300;

/// Value of `WWW-Authenticate` on a 401 `invalid_client` from the token or revocation endpoint
/// when the client authenticated with HTTP Basic (RFC 6749 §5.2; RFC 7617 §2 makes `realm`
/// mandatory).
pub const BASIC_CHALLENGE: &str = "Basic realm=\"oauth\", charset=\"UTF-8\"";

/// An OAuth protocol error: its code is the variant, the payload its `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// Missing, repeated or malformed parameter (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1).
    InvalidRequest(Cow<'static, str>),
    /// Client authentication failed or the client is unknown (RFC 6749 §5.2).
    InvalidClient(Cow<'static, str>),
    /// Authorization code or refresh token invalid, expired, revoked or mismatched
    /// (RFC 6749 §5.2).
    InvalidGrant(Cow<'static, str>),
    /// The client may not use this grant or response type (RFC 6749 §4.1.2.1, §5.2).
    UnauthorizedClient(Cow<'static, str>),
    /// The grant type is not supported (RFC 6749 §5.2).
    UnsupportedGrantType(Cow<'static, str>),
    /// The requested scope is invalid, unknown or exceeds the grant (RFC 6749 §4.1.2.1, §5.2).
    InvalidScope(Cow<'static, str>),
    /// The resource owner or server denied the request (RFC 6749 §4.1.2.1).
    AccessDenied(Cow<'static, str>),
    /// The response type is not supported (RFC 6749 §4.1.2.1).
    UnsupportedResponseType(Cow<'static, str>),
    /// Unexpected condition on our side (RFC 6749 §4.1.2.1).
    ServerError(Cow<'static, str>),
    /// Overloaded or in maintenance; try again later (RFC 6749 §4.1.2.1).
    TemporarilyUnavailable(Cow<'static, str>),
    /// The `resource` is invalid, unknown or not ours (RFC 8707 §2).
    InvalidTarget(Cow<'static, str>),
    /// A registered redirect URI is invalid (RFC 7591 §3.2.2).
    InvalidRedirectUri(Cow<'static, str>),
    /// A client metadata field is invalid (RFC 7591 §3.2.2).
    InvalidClientMetadata(Cow<'static, str>),
    /// The access token is expired, revoked, malformed or invalid (RFC 6750 §3.1).
    InvalidToken(Cow<'static, str>),
    /// The access token lacks a scope the request needs (RFC 6750 §3.1).
    InsufficientScope(Cow<'static, str>),
}

macro_rules! constructors {
    ($($(#[$doc:meta])* $fn_name:ident => $variant:ident;)*) => {
        impl OAuthError {
            $(
                $(#[$doc])*
                pub fn $fn_name(description: impl Into<Cow<'static, str>>) -> Self {
                    Self::$variant(description.into())
                }
            )*
        }
    };
}

constructors! {
    /// `invalid_request` with this description.
    invalid_request => InvalidRequest;
    /// `invalid_client` with this description.
    invalid_client => InvalidClient;
    /// `invalid_grant` with this description.
    invalid_grant => InvalidGrant;
    /// `unauthorized_client` with this description.
    unauthorized_client => UnauthorizedClient;
    /// `unsupported_grant_type` with this description.
    unsupported_grant_type => UnsupportedGrantType;
    /// `invalid_scope` with this description.
    invalid_scope => InvalidScope;
    /// `access_denied` with this description.
    access_denied => AccessDenied;
    /// `unsupported_response_type` with this description.
    unsupported_response_type => UnsupportedResponseType;
    /// `server_error` with this description.
    server_error => ServerError;
    /// `temporarily_unavailable` with this description.
    temporarily_unavailable => TemporarilyUnavailable;
    /// `invalid_target` with this description.
    invalid_target => InvalidTarget;
    /// `invalid_redirect_uri` with this description.
    invalid_redirect_uri => InvalidRedirectUri;
    /// `invalid_client_metadata` with this description.
    invalid_client_metadata => InvalidClientMetadata;
    /// `invalid_token` with this description.
    invalid_token => InvalidToken;
    /// `insufficient_scope` with this description.
    insufficient_scope => InsufficientScope;
}

impl OAuthError {
    /// The registered error code, the value of the `error` parameter.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::AccessDenied(_) => "access_denied",
            Self::UnsupportedResponseType(_) => "unsupported_response_type",
            Self::ServerError(_) => "server_error",
            Self::TemporarilyUnavailable(_) => "temporarily_unavailable",
            Self::InvalidTarget(_) => "invalid_target",
            Self::InvalidRedirectUri(_) => "invalid_redirect_uri",
            Self::InvalidClientMetadata(_) => "invalid_client_metadata",
            Self::InvalidToken(_) => "invalid_token",
            Self::InsufficientScope(_) => "insufficient_scope",
        }
    }

    /// The description as constructed (unsanitized; use it for logs, not for the wire).
    pub fn description(&self) -> &str {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidClient(d)
            | Self::InvalidGrant(d)
            | Self::UnauthorizedClient(d)
            | Self::UnsupportedGrantType(d)
            | Self::InvalidScope(d)
            | Self::AccessDenied(d)
            | Self::UnsupportedResponseType(d)
            | Self::ServerError(d)
            | Self::TemporarilyUnavailable(d)
            | Self::InvalidTarget(d)
            | Self::InvalidRedirectUri(d)
            | Self::InvalidClientMetadata(d)
            | Self::InvalidToken(d)
            | Self::InsufficientScope(d) => d,
        }
    }

    /// The HTTP status of a direct (non-redirect) error response.
    ///
    /// * 400 by default (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 6750 §3.1 `invalid_request`).
    /// * 401 for `invalid_client` (RFC 6749 §5.2 allows 401 always and requires it when the
    ///   client used the `Authorization` header; Claude re-registers on a 401 `invalid_client`)
    ///   and `invalid_token` (RFC 6750 §3.1).
    /// * 403 for `insufficient_scope` (RFC 6750 §3.1) and `access_denied` (only ever rendered
    ///   as a page; on the redirect path the status is the redirect's).
    /// * 500 `server_error`, 503 `temporarily_unavailable` (the HTTP meanings these codes
    ///   stand in for on the redirect path, RFC 6749 §4.1.2.1).
    pub const fn http_status(&self) -> u16 {
        match self {
            Self::InvalidClient(_) | Self::InvalidToken(_) => 401,
            Self::InsufficientScope(_) | Self::AccessDenied(_) => 403,
            Self::ServerError(_) => 500,
            Self::TemporarilyUnavailable(_) => 503,
            Self::InvalidRequest(_)
            | Self::InvalidGrant(_)
            | Self::UnauthorizedClient(_)
            | Self::UnsupportedGrantType(_)
            | Self::InvalidScope(_)
            | Self::UnsupportedResponseType(_)
            | Self::InvalidTarget(_)
            | Self::InvalidRedirectUri(_)
            | Self::InvalidClientMetadata(_) => 400,
        }
    }

    /// The description as it may go on the wire: see [`sanitize_description`].
    pub fn wire_description(&self) -> String {
        sanitize_description(self.description())
    }

    /// The JSON error body `{"error": …, "error_description": …}` (RFC 6749 §5.2,
    /// RFC 7591 §3.2.2). `error_description` is left out when it sanitizes to nothing.
    pub fn to_json(&self) -> String {
        let mut body = serde_json::Map::new();
        body.insert("error".into(), self.code().into());
        let description = self.wire_description();
        if !description.is_empty() {
            body.insert("error_description".into(), description.into());
        }
        serde_json::Value::Object(body).to_string()
    }

    /// The parameters of an authorization error response to add to the client's
    /// `redirect_uri` query, in order: `error`, `error_description` (when non-empty), `state`
    /// (exactly as received, when the request had one; RFC 6749 §4.1.2.1) and `iss`
    /// (RFC 9207 §2, required because our metadata sets
    /// `authorization_response_iss_parameter_supported`). The caller percent-encodes them.
    pub fn redirect_params(&self, state: Option<&str>, iss: &str) -> Vec<(String, String)> {
        let mut params = Vec::with_capacity(4);
        params.push(("error".to_owned(), self.code().to_owned()));
        let description = self.wire_description();
        if !description.is_empty() {
            params.push(("error_description".to_owned(), description));
        }
        if let Some(state) = state {
            params.push(("state".to_owned(), state.to_owned()));
        }
        params.push(("iss".to_owned(), iss.to_owned()));
        params
    }

    /// `WWW-Authenticate` for this error at the token or revocation endpoint: [`BASIC_CHALLENGE`]
    /// when this is `invalid_client` and the client authenticated with the `Authorization`
    /// header (RFC 6749 §5.2: "MUST … include the WWW-Authenticate response header field
    /// matching the authentication scheme used by the client"), otherwise `None`.
    pub fn token_endpoint_www_authenticate(&self, client_used_basic: bool) -> Option<&'static str> {
        match self {
            Self::InvalidClient(_) if client_used_basic => Some(BASIC_CHALLENGE),
            _ => None,
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

impl std::error::Error for OAuthError {}

/// Restricts `text` to the RFC 6749 §5.2 `error_description` set (%x20-21 / %x23-5B /
/// %x5D-7E), which RFC 6750 §3 shares, and to [`MAX_DESCRIPTION_CHARS`] characters:
/// `"` becomes `'`, `\` becomes `/`, tabs and line breaks become spaces, and any other control
/// or non-ASCII character becomes `?`. The result is safe inside JSON, a query string and an
/// HTTP quoted-string without further escaping.
pub fn sanitize_description(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_DESCRIPTION_CHARS));
    for (i, c) in text.chars().enumerate() {
        if i == MAX_DESCRIPTION_CHARS {
            break;
        }
        out.push(match c {
            '"' => '\'',
            '\\' => '/',
            '\t' | '\n' | '\r' => ' ',
            ' '..='~' => c,
            _ => '?',
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<OAuthError> {
        vec![
            OAuthError::invalid_request("a"),
            OAuthError::invalid_client("a"),
            OAuthError::invalid_grant("a"),
            OAuthError::unauthorized_client("a"),
            OAuthError::unsupported_grant_type("a"),
            OAuthError::invalid_scope("a"),
            OAuthError::access_denied("a"),
            OAuthError::unsupported_response_type("a"),
            OAuthError::server_error("a"),
            OAuthError::temporarily_unavailable("a"),
            OAuthError::invalid_target("a"),
            OAuthError::invalid_redirect_uri("a"),
            OAuthError::invalid_client_metadata("a"),
            OAuthError::invalid_token("a"),
            OAuthError::insufficient_scope("a"),
        ]
    }

    #[test]
    fn codes_and_statuses() {
        let table: Vec<(&str, u16)> = all().iter().map(|e| (e.code(), e.http_status())).collect();
        assert_eq!(
            table,
            vec![
                ("invalid_request", 400),
                ("invalid_client", 401),
                ("invalid_grant", 400),
                ("unauthorized_client", 400),
                ("unsupported_grant_type", 400),
                ("invalid_scope", 400),
                ("access_denied", 403),
                ("unsupported_response_type", 400),
                ("server_error", 500),
                ("temporarily_unavailable", 503),
                ("invalid_target", 400),
                ("invalid_redirect_uri", 400),
                ("invalid_client_metadata", 400),
                ("invalid_token", 401),
                ("insufficient_scope", 403),
            ]
        );
    }

    #[test]
    fn json_body() {
        let e = OAuthError::invalid_grant("authorization code expired");
        assert_eq!(
            e.to_json(),
            r#"{"error":"invalid_grant","error_description":"authorization code expired"}"#
        );
        let parsed: serde_json::Value =
            serde_json::from_str(&e.to_json()).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(parsed["error"], "invalid_grant");
    }

    #[test]
    fn json_body_without_description() {
        assert_eq!(
            OAuthError::invalid_request("").to_json(),
            r#"{"error":"invalid_request"}"#
        );
    }

    #[test]
    fn descriptions_are_sanitized() {
        let e = OAuthError::invalid_client_metadata(
            "bad \"redirect\"\\ uri\r\nSet-Cookie: x=1 \u{7f}é\u{202e}".to_owned(),
        );
        let d = e.wire_description();
        assert_eq!(d, "bad 'redirect'/ uri  Set-Cookie: x=1 ???");
        assert!(d
            .bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e)));
        // The raw description stays available for logs.
        assert!(e.description().contains('\n'));
    }

    #[test]
    fn descriptions_are_capped() {
        let long = "x".repeat(5000);
        assert_eq!(sanitize_description(&long).len(), MAX_DESCRIPTION_CHARS);
    }

    #[test]
    fn redirect_params_with_and_without_state() {
        let e = OAuthError::access_denied("the user declined");
        assert_eq!(
            e.redirect_params(Some("xyz 1"), "https://m365.example.com"),
            vec![
                ("error".to_owned(), "access_denied".to_owned()),
                (
                    "error_description".to_owned(),
                    "the user declined".to_owned()
                ),
                ("state".to_owned(), "xyz 1".to_owned()),
                ("iss".to_owned(), "https://m365.example.com".to_owned()),
            ]
        );
        let params = OAuthError::invalid_scope("").redirect_params(None, "http://127.0.0.1:8787");
        assert_eq!(
            params,
            vec![
                ("error".to_owned(), "invalid_scope".to_owned()),
                ("iss".to_owned(), "http://127.0.0.1:8787".to_owned()),
            ]
        );
    }

    #[test]
    fn basic_challenge_only_for_invalid_client_over_basic() {
        let e = OAuthError::invalid_client("client authentication failed");
        assert_eq!(
            e.token_endpoint_www_authenticate(true),
            Some(BASIC_CHALLENGE)
        );
        assert_eq!(e.token_endpoint_www_authenticate(false), None);
        assert_eq!(
            OAuthError::invalid_grant("x").token_endpoint_www_authenticate(true),
            None
        );
        assert!(BASIC_CHALLENGE.starts_with("Basic realm=\""));
    }

    #[test]
    fn display_and_static_or_owned_descriptions() {
        const BAD: OAuthError = OAuthError::InvalidClient(Cow::Borrowed("unknown client"));
        assert_eq!(BAD.to_string(), "invalid_client: unknown client");
        let owned =
            OAuthError::invalid_redirect_uri(format!("redirect_uris[{}]: has a fragment", 2));
        assert_eq!(owned.description(), "redirect_uris[2]: has a fragment");
    }
}
