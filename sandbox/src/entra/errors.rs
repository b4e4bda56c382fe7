//! Entra's error shapes: the token endpoint's JSON body, the `error`/`error_description` redirect
//! back to the client, and the error page shown when there is nowhere safe to redirect to.
//!
//! Sources for the codes and texts used across this module (all read through the search tool):
//! - MicrosoftDocs/entra-docs `docs/identity-platform/reference-error-codes.md` (JSON shape with
//!   `error_codes`/`timestamp`/`trace_id`/`correlation_id`/`error_uri`; AADSTS50011, 50034,
//!   50058, 50147, 50173, 501481, 501491, 54005, 65001, 65004, 70008, 700005, 700016, 700082,
//!   7000215, 7000218, 70011, 90002, 900144, 900561, 900971, 90102) and `v2-oauth2-auth-code-flow.md`.
//! - AADSTS9010010 / `invalid_target`: anthropics/claude-code#52871 (redirect
//!   `?error=invalid_target&error_description=AADSTS9010010…`), IBM/mcp-context-forge#2881,
//!   microsoft/powerbi-modeling-mcp#68.
//! - AADSTS28000 text: Earlybyte/aad_oauth#328; AADSTS50148: AzureAD/microsoft-authentication-
//!   library-for-js#5044; AADSTS7000215 full text and 401: keycloak/keycloak#31294,
//!   OfficeDev/microsoft-365-agents-toolkit#8621; AADSTS700016 text: AzureADQuickStarts/
//!   AppModelv2-WebApp-OpenIDConnect-DotNet#50; AADSTS50011 text: okieselbach/AutopilotMonitor#37;
//!   AADSTS650053 text: anthropics/claude-code#73460; AADSTS50149: MicrosoftDocs/entra-docs#1538.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{guid, html_escape};

/// One Entra error: the OAuth `error` string, the AADSTS number and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub error: &'static str,
    pub code: u32,
    pub message: String,
    pub status: u16,
}

impl OAuthError {
    pub(crate) fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self {
            error,
            code,
            message: message.into(),
            status: 400,
        }
    }

    #[must_use]
    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// AADSTS900144 for a missing parameter.
    pub(crate) fn missing(name: &str) -> Self {
        Self::new(
            "invalid_request",
            900_144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    /// AADSTS9010010: `resource` together with scopes of another resource.
    pub(crate) fn resource_mismatch() -> Self {
        Self::new(
            "invalid_target",
            9_010_010,
            "The resource parameter provided in the request doesn't match with the requested scopes.",
        )
    }

    /// AADSTS90002: unknown tenant segment.
    pub(crate) fn tenant_not_found(segment: &str) -> Self {
        Self::new(
            "invalid_tenant",
            90_002,
            format!(
                "Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        )
    }

    /// AADSTS700016: unknown client id.
    pub(crate) fn unknown_client(client_id: &str, tenant_segment: &str) -> Self {
        Self::new(
            "unauthorized_client",
            700_016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant_segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )
    }

    /// The `error_description` Entra sends: message plus trace/correlation ids and timestamp.
    fn description(&self, now: DateTime<Utc>, trace: &str, correlation: &str) -> String {
        format!(
            "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {}",
            self.code,
            self.message,
            timestamp(now)
        )
    }

    /// The token endpoint's JSON error.
    pub(crate) fn json_response(&self, now: DateTime<Utc>) -> Response {
        let trace = guid();
        let correlation = guid();
        let body = json!({
            "error": self.error,
            "error_description": self.description(now, &trace, &correlation),
            "error_codes": [self.code],
            "timestamp": timestamp(now),
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut resp = (status, axum::Json(body)).into_response();
        no_store(&mut resp);
        resp
    }

    /// The `error`/`error_description` parameters for a redirect back to the client.
    pub(crate) fn redirect_params(&self, now: DateTime<Utc>) -> Vec<(String, String)> {
        let trace = guid();
        let correlation = guid();
        vec![
            ("error".to_string(), self.error.to_string()),
            (
                "error_description".to_string(),
                self.description(now, &trace, &correlation),
            ),
            (
                "error_uri".to_string(),
                format!("https://login.microsoftonline.com/error?code={}", self.code),
            ),
        ]
    }

    /// The HTML error page (no redirect), as Entra shows when the client or redirect URI cannot be
    /// trusted. The sandbox answers it with the error's status (400) so tests can tell it apart.
    pub(crate) fn page(&self, now: DateTime<Utc>) -> Response {
        let trace = guid();
        let correlation = guid();
        let body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\n<body>\n<h1>Sorry, but we’re having trouble signing you in.</h1>\n<p id=\"error-code\" data-error=\"{}\" data-code=\"AADSTS{}\">AADSTS{}: {}</p>\n<dl id=\"error-details\"><dt>Request Id</dt><dd>{trace}</dd><dt>Correlation Id</dt><dd>{correlation}</dd><dt>Timestamp</dt><dd>{}</dd></dl>\n</body></html>\n",
            self.error,
            self.code,
            self.code,
            html_escape(&self.message),
            timestamp_iso(now)
        );
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Html(body)).into_response()
    }
}

/// `2016-01-09 02:02:12Z`, the format of Entra's `timestamp`.
pub(crate) fn timestamp(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

fn timestamp_iso(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, as on every token endpoint response.
pub(crate) fn no_store(resp: &mut Response) {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
