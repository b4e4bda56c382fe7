//! Graph errors, parsed from `{"error":{"code","message","innerError":{"request-id",…}}}`
//! (learn.microsoft.com graph/errors) and turned into text a model can act on: what happened and
//! what to do next (code-style P8: the wire mapping lives next to the error).
//!
//! Graph's `message` is quoted (collapsed to one line, at most [`MAX_MESSAGE_CHARS`]) because it
//! often names the offending property; the `request-id` is kept for logs only.

use serde_json::Value;

use super::{HttpResponse, TransportError};

/// Longest Graph message quoted back to the model.
pub const MAX_MESSAGE_CHARS: usize = 300;
/// Longest `Retry-After` we repeat (seconds); anything longer is reported as this.
pub const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// Status used for failures that never produced an HTTP response.
pub const STATUS_TRANSPORT: u16 = 0;
/// Status used when Graph answered something we could not read.
pub const STATUS_MALFORMED: u16 = 502;

/// A failed Graph call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// HTTP status, or [`STATUS_TRANSPORT`] when no response arrived.
    pub status: u16,
    /// Graph's error code (`ErrorItemNotFound`, `ErrorAccessDenied`, …), or ours.
    pub code: String,
    /// Graph's message, one line, truncated.
    pub message: String,
    /// Seconds from a numeric `Retry-After` header.
    pub retry_after: Option<u64>,
    /// `innerError.request-id`, for logs.
    pub request_id: Option<String>,
}

impl GraphError {
    /// From a non-2xx HTTP response.
    pub fn from_http(response: &HttpResponse) -> Self {
        let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        Self::from_parts(response.status, response.header("retry-after"), &body)
    }

    /// From a status, an optional `Retry-After` value and a (possibly absent) JSON error body;
    /// also used for `$batch` sub-responses.
    pub fn from_parts(status: u16, retry_after: Option<&str>, body: &Value) -> Self {
        let error = body.get("error");
        let code = error
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map_or_else(|| default_code(status).to_owned(), one_line);
        let message = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(one_line)
            .unwrap_or_default();
        let request_id = error
            .and_then(|e| e.get("innerError").or_else(|| e.get("innererror")))
            .and_then(|i| i.get("request-id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            status,
            code,
            message,
            retry_after: retry_after.and_then(parse_retry_after),
            request_id,
        }
    }

    /// The request never got an answer.
    pub fn transport(error: &TransportError) -> Self {
        Self {
            status: STATUS_TRANSPORT,
            code: "NetworkError".to_owned(),
            message: one_line(&error.message),
            retry_after: None,
            request_id: None,
        }
    }

    /// Graph answered with something that is not the JSON we expected.
    pub fn malformed_response() -> Self {
        Self {
            status: STATUS_MALFORMED,
            code: "MalformedResponse".to_owned(),
            message: String::new(),
            retry_after: None,
            request_id: None,
        }
    }

    /// Throttling and temporary server trouble: the same call may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(self.status, STATUS_TRANSPORT | 429 | 500 | 502 | 503 | 504)
    }

    /// What the model reads in an `isError` tool result. `scopes` are the Microsoft permissions
    /// the tool needs, named on a 403.
    pub fn tool_message(&self, scopes: &[&str]) -> String {
        let detail = self.detail();
        match self.status {
            STATUS_TRANSPORT => "Could not reach Microsoft Graph (network error or timeout). Try again in a few seconds. \
                 If the call was meant to change something, check whether the change happened before repeating it."
                .to_owned(),
            STATUS_MALFORMED if self.code == "MalformedResponse" => {
                "Microsoft Graph returned a response this server could not read. Try again in a few seconds.".to_owned()
            }
            400 => format!(
                "Microsoft Graph rejected the request as invalid ({detail}). Check the arguments against the tool's \
                 description and try again with corrected values."
            ),
            401 => format!(
                "The Microsoft sign-in behind this connection is no longer valid ({detail}). The user needs to \
                 reconnect (re-authorize) this connector; retrying will not help."
            ),
            403 => {
                let permissions = if scopes.is_empty() {
                    "the required Microsoft permission".to_owned()
                } else {
                    scopes.join(", ")
                };
                format!(
                    "Microsoft Graph denied access ({detail}). This tool needs the Microsoft permission(s) {permissions}. \
                     The user can grant them by reconnecting this connector and accepting the permissions; for a work \
                     or school account an administrator may have to approve them first. Do not retry until then."
                )
            }
            404 => format!(
                "Not found ({detail}): the item may have been deleted or moved, or the id is wrong. Pass ids back \
                 exactly as a previous tool returned them, or list or search again to get a current id."
            ),
            409 | 412 => format!(
                "The item was changed by someone else at the same time ({detail}). Read it again, then repeat the change."
            ),
            413 => format!("The request is too large for Microsoft Graph ({detail}). Send less data at once."),
            429 => format!(
                "Microsoft Graph is throttling requests for this mailbox ({detail}). {}",
                self.retry_hint()
            ),
            500..=599 => format!(
                "Microsoft Graph is temporarily unavailable (HTTP {}, {detail}). {}",
                self.status,
                self.retry_hint()
            ),
            status => format!("Microsoft Graph refused the request (HTTP {status}, {detail})."),
        }
    }

    fn detail(&self) -> String {
        if self.message.is_empty() {
            self.code.clone()
        } else {
            format!("{}: {}", self.code, self.message)
        }
    }

    fn retry_hint(&self) -> String {
        match self.retry_after {
            Some(0) | None => "Try again in a few seconds.".to_owned(),
            Some(1) => "Try again in 1 second.".to_owned(),
            Some(n) => format!("Try again in {n} seconds."),
        }
    }
}

fn default_code(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        412 => "PreconditionFailed",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "UnknownError",
    }
}

/// `Retry-After: <seconds>` (RFC 9110 §10.2.3). The HTTP-date form needs a clock and is ignored.
fn parse_retry_after(value: &str) -> Option<u64> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| s.min(MAX_RETRY_AFTER_SECS))
}

/// Whitespace (newlines included) collapsed to single spaces, at most [`MAX_MESSAGE_CHARS`].
fn one_line(s: &str) -> String {
    let mut out = String::new();
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > MAX_MESSAGE_CHARS {
        out = out.chars().take(MAX_MESSAGE_CHARS).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, headers: &[(&str, &str)], body: Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_string().into_bytes(),
        }
    }

    #[test]
    fn parses_graph_error_bodies() {
        let e = GraphError::from_http(&response(
            404,
            &[],
            json!({"error":{"code":"ErrorItemNotFound","message":"The specified object\nwas not found.",
                "innerError":{"request-id":"r-1","date":"2025-01-01T00:00:00"}}}),
        ));
        assert_eq!(e.status, 404);
        assert_eq!(e.code, "ErrorItemNotFound");
        assert_eq!(e.message, "The specified object was not found.");
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        let m = e.tool_message(&[]);
        assert!(m.contains("deleted or moved"), "{m}");
        assert!(m.contains("ErrorItemNotFound"), "{m}");
    }

    #[test]
    fn forbidden_names_the_permissions() {
        let e = GraphError::from_http(&response(
            403,
            &[],
            json!({"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}),
        ));
        let m = e.tool_message(&["User.Read", "MailboxSettings.Read"]);
        assert!(m.contains("User.Read, MailboxSettings.Read"), "{m}");
        assert!(m.contains("reconnecting"), "{m}");
    }

    #[test]
    fn throttling_repeats_retry_after() {
        let e = GraphError::from_http(&response(
            429,
            &[("Retry-After", "12")],
            json!({"error":{"code":"TooManyRequests","message":"Too many requests."}}),
        ));
        assert!(e.is_transient());
        assert!(e.tool_message(&[]).contains("Try again in 12 seconds."));
        let e = GraphError::from_parts(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), &Value::Null);
        assert_eq!(e.retry_after, None);
        assert!(e.tool_message(&[]).contains("a few seconds"));
        let e = GraphError::from_parts(503, Some("999999"), &Value::Null);
        assert_eq!(e.retry_after, Some(MAX_RETRY_AFTER_SECS));
        assert_eq!(e.code, "ServiceUnavailable");
    }

    #[test]
    fn unauthorized_transport_and_garbage() {
        let e = GraphError::from_parts(
            401,
            None,
            &json!({"error":{"code":"InvalidAuthenticationToken"}}),
        );
        assert!(e.tool_message(&[]).contains("reconnect"));
        let e = GraphError::from_http(&HttpResponse {
            status: 500,
            headers: vec![],
            body: b"<html>".to_vec(),
        });
        assert_eq!(e.code, "UnknownError");
        assert!(e.tool_message(&[]).contains("temporarily unavailable"));
        let e = GraphError::transport(&TransportError::new("connect timeout"));
        assert!(e.is_transient());
        assert!(e.tool_message(&[]).contains("Could not reach"));
        assert!(!e.tool_message(&[]).contains("connect timeout"));
    }

    #[test]
    fn long_messages_are_truncated_on_a_char_boundary() {
        let long = "é".repeat(1000);
        let e = GraphError::from_parts(400, None, &json!({"error":{"code":"X","message":long}}));
        assert_eq!(e.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
