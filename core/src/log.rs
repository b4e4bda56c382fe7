//! Structured log lines: one JSON object per event, always carrying the request id. Only
//! values passed through [`LogLine::field`] are written, and fields whose names look like they
//! hold secrets are redacted here, at the one place lines are built, rather than trusted to
//! every caller.

use serde_json::{Map, Value};

/// Log severity, written as the `level` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

/// Field names whose values are never logged.
const SECRET_MARKERS: &[&str] = &[
    "authorization",
    "token",
    "secret",
    "password",
    "cookie",
    "code_verifier",
    "key",
];

fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_MARKERS.iter().any(|m| lower.contains(m))
}

/// A log line under construction.
#[derive(Debug)]
pub struct LogLine {
    fields: Map<String, Value>,
}

impl LogLine {
    /// Start a line: `ts` is milliseconds since the Unix epoch, supplied by the caller.
    pub fn new(level: Level, ts_ms: u64, request_id: &str, msg: &str) -> Self {
        let mut fields = Map::new();
        fields.insert("ts".into(), ts_ms.into());
        fields.insert("level".into(), level.as_str().into());
        fields.insert("request_id".into(), request_id.into());
        fields.insert("msg".into(), msg.into());
        Self { fields }
    }

    /// Add a field. Values of fields named like secrets are replaced by `"[redacted]"`.
    #[must_use]
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Self {
        let value = if is_secret_name(name) {
            Value::from("[redacted]")
        } else {
            value.into()
        };
        self.fields.insert(name.into(), value);
        self
    }

    /// The line as compact JSON.
    pub fn to_json(&self) -> String {
        Value::Object(self.fields.clone()).to_string()
    }
}

/// An error message made safe to log: runs of 16 or more token-like characters (base64, hex,
/// ids, hashes) are replaced and the text is cut to 300 characters. Errors from storage or
/// deserialization can quote whole stored records, which hold token hashes and client data.
pub fn sanitize_detail(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len().min(320));
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 16 {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in detail.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/' | '=' | '.') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

/// Strip the query string from a URL path for logging: query strings carry OAuth codes and state.
pub fn loggable_path(path_and_query: &str) -> &str {
    path_and_query.split(['?', '#']).next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_has_core_fields_and_redacts_secrets() {
        let line = LogLine::new(Level::Info, 1_700_000_000_000, "abc", "request")
            .field("path", "/health")
            .field("status", 200)
            .field("Authorization", "Bearer xyz")
            .field("refresh_token", "r1");
        let v: Value = serde_json::from_str(&line.to_json()).expect("valid JSON");
        assert_eq!(v["request_id"], "abc");
        assert_eq!(v["level"], "info");
        assert_eq!(v["status"], 200);
        assert_eq!(v["Authorization"], "[redacted]");
        assert_eq!(v["refresh_token"], "[redacted]");
        assert!(!line.to_json().contains("xyz"));
    }

    #[test]
    fn error_details_lose_tokens_and_length() {
        let d = sanitize_detail(
            "invalid type: JsValue(Object({\"h\":\"q0PZ7Vd0Jm1k8h2n5b7c9d1e3f5g7h9\"}))",
        );
        assert!(!d.contains("q0PZ7Vd0"), "{d}");
        assert!(d.contains("invalid type"));
        assert!(sanitize_detail(&"x ".repeat(400)).chars().count() <= 301);
    }

    #[test]
    fn query_strings_are_not_logged() {
        assert_eq!(loggable_path("/callback?code=secret&state=s"), "/callback");
        assert_eq!(loggable_path("/health"), "/health");
    }
}
