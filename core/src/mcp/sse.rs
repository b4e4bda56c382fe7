//! Server-sent events framing (WHATWG HTML §9.2 "Server-sent events", the `text/event-stream`
//! format) for MCP's SSE responses and streams.
//!
//! * Multi-line data is split into one `data:` line per line (CR, LF and CRLF all end a line in
//!   the format, so none may appear inside a field).
//! * `id` and `event` values are single-line by construction: line breaks are removed, and an
//!   `id` containing NUL is dropped, as the parser would ignore it anyway.
//! * The priming event (2025-11-25 transports: "an event ID and an empty `data` field") sets the
//!   client's last event id without dispatching an event, since its data is empty.
//! * Keep-alives are comment lines; Cloudflare closes a response that sends nothing for about
//!   100 s, so [`KEEP_ALIVE_SECS`] stays well below that (the interop notes suggest ≤ 25 s).

use serde_json::Value;

/// Interval between keep-alive comments on an idle stream, seconds.
pub const KEEP_ALIVE_SECS: u64 = 25;
/// Reconnection delay suggested to clients in the `retry` field, milliseconds.
pub const RETRY_MS: u32 = 3000;
/// Response headers of every event stream. `X-Accel-Buffering: no` is a SHOULD in 2026-07-28
/// streamable-http §Receiving Messages (proxies must not buffer events).
pub const STREAM_HEADERS: [(&str, &str); 3] = [
    ("Content-Type", "text/event-stream"),
    ("Cache-Control", "no-cache, no-transform"),
    ("X-Accel-Buffering", "no"),
];

fn single_line(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// One event: optional `id:` and `event:` lines, then `data` split into `data:` lines, then the
/// blank line that dispatches it.
pub fn event(id: Option<&str>, event: Option<&str>, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + 32);
    if let Some(id) = id.filter(|i| !i.contains('\0')) {
        out.push_str("id: ");
        out.push_str(&single_line(id));
        out.push('\n');
    }
    if let Some(name) = event {
        out.push_str("event: ");
        out.push_str(&single_line(name));
        out.push('\n');
    }
    let normalized = data.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalized.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A JSON-RPC message as an event. Streamable HTTP uses unnamed events (the default type,
/// `message`); the 2024-11-05 HTTP+SSE transport names them `message` explicitly
/// (`named = true`).
pub fn message(id: Option<&str>, message: &Value, named: bool) -> String {
    event(
        id,
        if named { Some("message") } else { None },
        &message.to_string(),
    )
}

/// The priming event: an id, optionally a `retry` hint, and an empty data field.
pub fn priming(id: &str, retry_ms: Option<u32>) -> String {
    let mut out = String::new();
    if let Some(ms) = retry_ms {
        out.push_str(&retry(ms));
    }
    out.push_str("id: ");
    out.push_str(&single_line(id));
    out.push_str("\ndata:\n\n");
    out
}

/// A `retry:` line (reconnection time, milliseconds).
pub fn retry(ms: u32) -> String {
    format!("retry: {ms}\n")
}

/// A keep-alive comment; clients ignore it.
pub fn keep_alive() -> &'static str {
    ": keep-alive\n\n"
}

/// The first event of the 2024-11-05 HTTP+SSE transport: `event: endpoint` with the URI the
/// client must POST to (a relative URL, as the TypeScript and Python SDKs send it).
pub fn endpoint(uri: &str) -> String {
    event(None, Some("endpoint"), &single_line(uri))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_split_lines_and_sanitize_fields() {
        assert_eq!(event(None, None, "x"), "data: x\n\n");
        assert_eq!(
            event(Some("s1.4"), Some("message"), "a\nb\r\nc\rd"),
            "id: s1.4\nevent: message\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
        );
        assert_eq!(
            event(Some("a\nb"), Some("e\rv"), ""),
            "id: ab\nevent: ev\ndata: \n\n"
        );
        assert_eq!(event(Some("a\0b"), None, "x"), "data: x\n\n");
    }

    #[test]
    fn messages_priming_keepalive_endpoint() {
        let m = json!({"jsonrpc":"2.0","method":"n","params":{"t":"line1\nline2"}});
        let framed = message(Some("s0.2"), &m, false);
        assert_eq!(framed.matches("data: ").count(), 1, "JSON escapes newlines");
        assert!(framed.starts_with("id: s0.2\ndata: {"));
        assert!(message(None, &m, true).starts_with("event: message\ndata: "));
        assert_eq!(priming("s0.1", None), "id: s0.1\ndata:\n\n");
        assert_eq!(
            priming("s0.1", Some(RETRY_MS)),
            "retry: 3000\nid: s0.1\ndata:\n\n"
        );
        assert!(keep_alive().starts_with(':') && keep_alive().ends_with("\n\n"));
        assert_eq!(
            endpoint("/sse/message?sessionId=abc"),
            "event: endpoint\ndata: /sse/message?sessionId=abc\n\n"
        );
    }
}
