//! Graph's error shape: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
//! Codes and messages follow what Graph answers for the same mistake, so the worker's error mapping
//! is tested against the real vocabulary.

use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// A Graph error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Seconds, sent as `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
}

impl GraphError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `BadRequest` — the generic code Graph uses for malformed query options.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 400 for a property name the schema does not define on the type.
    pub fn unknown_property(property: &str, type_name: &str) -> Self {
        Self::new(
            400,
            "RequestBroker--ParseUri",
            format!("Could not find a property named '{property}' on type '{type_name}'."),
        )
    }

    /// 404 for an item id that is not in the mailbox.
    pub fn item_not_found() -> Self {
        Self::new(
            404,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    /// 404 for a URL Graph has no resource for.
    pub fn no_resource(path: &str) -> Self {
        Self::new(
            400,
            "BadRequest",
            format!(
                "Resource not found for the segment '{}'.",
                path.rsplit('/').next().unwrap_or(path)
            ),
        )
    }

    pub fn unauthorized(code: &str, message: &str) -> Self {
        Self::new(401, code, message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "ErrorAccessDenied", message)
    }

    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The JSON body, with the request id and date Graph puts in `innerError`.
    pub fn body(&self, request_id: &str, date: &str) -> serde_json::Value {
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": { "date": date, "request-id": request_id, "client-request-id": request_id }
            }
        })
    }
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for GraphError {}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
        let request_id = crate::server::new_id();
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, axum::Json(self.body(&request_id, &date))).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert("retry-after", v);
            }
        }
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert("request-id", v);
        }
        if self.status == 401 {
            resp.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_static("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\""),
            );
        }
        resp
    }
}
