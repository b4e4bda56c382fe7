//! The JSON-RPC 2.0 envelope (jsonrpc.org/specification) with MCP's tightening of it
//! (MCP basic/index §Messages): parsing a POST body into one message or a batch, classifying each
//! message, the error vocabulary, and builders for what we send back.
//!
//! * Request ids are a string or an integer; MCP forbids `null` ("Unlike base JSON-RPC, the ID
//!   MUST NOT be null"). Ids are kept as the raw [`Value`] and echoed exactly: a string stays a
//!   string, `1` stays `1`. Numbers outside `i64`/`u64` (which `serde_json` would turn into an
//!   `f64`, changing them on the way back) and fractions are refused as ids.
//! * Errors whose request id could not be read carry `"id": null` up to 2025-11-25 (JSON-RPC 2.0
//!   §5: "If there was an error in detecting the id … it MUST be Null") and no `id` at all in
//!   2026-07-28 (basic/index §Error Responses: `id?`); see [`UnknownId`].
//! * Nothing here panics: bodies are size-checked before parsing, `serde_json` stops at 128
//!   levels of nesting, and every shape check is a `match`.

use serde_json::{Map, Value};

/// Largest POST body accepted (the whole body, batch included). Large enough for a `tools/call`
/// carrying an attachment of about 12 MB as a base64 data URI (the mail tools upload anything over
/// 3 MB in chunks); small enough that the body, its parsed copy and the decoded bytes stay well
/// inside a Worker's 128 MB of memory.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most messages accepted in one batch (2025-03-26 only).
pub const MAX_BATCH_LEN: usize = 32;

/// JSON-RPC and MCP error codes.
pub mod code {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available in this protocol version.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid method parameters (MCP also: unknown tool, bad cursor, bad log level).
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// 2026-07-28: HTTP headers disagree with the body or are missing/malformed.
    pub const HEADER_MISMATCH: i64 = -32020;
    /// 2026-07-28: the request needs a client capability the client did not declare.
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    /// 2026-07-28: the requested protocol version is not supported.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn parse_error(detail: &str) -> Self {
        Self::new(code::PARSE_ERROR, format!("Parse error: {detail}"))
    }

    pub fn invalid_request(detail: &str) -> Self {
        Self::new(code::INVALID_REQUEST, format!("Invalid request: {detail}"))
    }

    pub fn method_not_found(method: &str) -> Self {
        let shown: String = method.chars().take(100).collect();
        Self::new(code::METHOD_NOT_FOUND, format!("Method not found: {shown}"))
    }

    pub fn invalid_params(detail: &str) -> Self {
        Self::new(code::INVALID_PARAMS, format!("Invalid params: {detail}"))
    }

    pub fn internal(detail: &str) -> Self {
        Self::new(code::INTERNAL_ERROR, format!("Internal error: {detail}"))
    }

    pub fn header_mismatch(detail: &str) -> Self {
        Self::new(code::HEADER_MISMATCH, format!("Header mismatch: {detail}"))
    }

    /// `UnsupportedProtocolVersionError` (2026-07-28 schema): `data.supported` and
    /// `data.requested` are both required.
    pub fn unsupported_version(supported: &[&str], requested: &str) -> Self {
        Self::new(
            code::UNSUPPORTED_PROTOCOL_VERSION,
            "Unsupported protocol version",
        )
        .with_data(serde_json::json!({ "supported": supported, "requested": requested }))
    }

    /// `MissingRequiredClientCapabilityError`: `data.requiredCapabilities` is a
    /// `ClientCapabilities` object (e.g. `{"elicitation": {}}`).
    pub fn missing_client_capability(required: Value) -> Self {
        Self::new(
            code::MISSING_REQUIRED_CLIENT_CAPABILITY,
            "Missing required client capability",
        )
        .with_data(serde_json::json!({ "requiredCapabilities": required }))
    }

    /// The error object as JSON.
    pub fn to_value(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("code".into(), Value::from(self.code));
        obj.insert("message".into(), Value::String(self.message.clone()));
        if let Some(data) = &self.data {
            obj.insert("data".into(), data.clone());
        }
        Value::Object(obj)
    }
}

/// How an error response is written when the request's id could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownId {
    /// `"id": null` (JSON-RPC 2.0 §5; MCP up to 2025-11-25).
    Null,
    /// No `id` member (MCP 2026-07-28 §Error Responses).
    Omit,
}

/// A request: expects exactly one response with the same id.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// A string or an integer, exactly as received.
    pub id: Value,
    pub method: String,
    /// Always an object when present (`null` is read as absent).
    pub params: Option<Value>,
}

/// A notification: no id, no response.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub method: String,
    pub params: Option<Value>,
}

/// A response the client posted (to a server-initiated request; we send none, but 2025-era
/// clients may still post responses, which are accepted and ignored).
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub id: Value,
    pub result: Result<Value, Value>,
}

/// One well-formed message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Request(Request),
    Notification(Notification),
    Response(Response),
}

impl Message {
    pub fn method(&self) -> Option<&str> {
        match self {
            Self::Request(r) => Some(&r.method),
            Self::Notification(n) => Some(&n.method),
            Self::Response(_) => None,
        }
    }

    pub fn params(&self) -> Option<&Value> {
        match self {
            Self::Request(r) => r.params.as_ref(),
            Self::Notification(n) => n.params.as_ref(),
            Self::Response(_) => None,
        }
    }
}

/// A message that failed validation: the error to answer with, and the id if it was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub id: Option<Value>,
    pub error: RpcError,
    /// Whether the offending message had no id and a method, i.e. was meant as a notification
    /// (JSON-RPC: notifications are never answered, even when invalid).
    pub notification: bool,
}

impl Invalid {
    fn new(id: Option<Value>, error: RpcError) -> Self {
        Self {
            id,
            error,
            notification: false,
        }
    }
}

/// A parsed POST body.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A single message.
    Single(Message),
    /// A JSON array of messages; invalid elements are answered individually (JSON-RPC §6).
    Batch(Vec<Result<Message, Invalid>>),
}

/// Parses a POST body. `Err` is a failure of the body as a whole (too large, not JSON, an empty
/// or oversized batch, or a single invalid message), to be answered with one error response
/// (HTTP 400; 413 for size, see `http::status_for_body_error`).
pub fn parse(body: &[u8]) -> Result<Incoming, Invalid> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Invalid::new(None, too_large(body.len())));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let detail = match e.classify() {
            serde_json::error::Category::Eof => "the body ended early".to_owned(),
            _ => format!("the body is not valid JSON ({e})"),
        };
        Invalid::new(None, RpcError::parse_error(&detail))
    })?;
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(Invalid::new(
                    None,
                    RpcError::invalid_request("the batch is empty"),
                ));
            }
            if items.len() > MAX_BATCH_LEN {
                return Err(Invalid::new(
                    None,
                    RpcError::invalid_request(&format!(
                        "a batch may hold at most {MAX_BATCH_LEN} messages, this one has {}",
                        items.len()
                    )),
                ));
            }
            Ok(Incoming::Batch(items.into_iter().map(classify).collect()))
        }
        other => classify(other).map(Incoming::Single),
    }
}

/// The error for a body over [`MAX_BODY_BYTES`] (also usable from a `Content-Length` check).
pub fn too_large(len: usize) -> RpcError {
    RpcError::invalid_request(&format!(
        "the request body is {len} bytes, more than the {MAX_BODY_BYTES}-byte limit"
    ))
    .with_data(serde_json::json!({ "maxBytes": MAX_BODY_BYTES }))
}

/// Whether `error` is the [`too_large`] error (HTTP 413 rather than 400).
pub fn is_too_large(error: &RpcError) -> bool {
    error.code == code::INVALID_REQUEST
        && error
            .data
            .as_ref()
            .is_some_and(|d| d.get("maxBytes").is_some())
}

/// A valid request id: a string or an integer that round-trips exactly.
fn valid_id(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// Classifies one JSON value as a message.
pub fn classify(value: Value) -> Result<Message, Invalid> {
    let Value::Object(mut obj) = value else {
        return Err(Invalid::new(
            None,
            RpcError::invalid_request("a JSON-RPC message must be an object"),
        ));
    };
    let raw_id = obj.remove("id");
    let id = raw_id.as_ref().filter(|v| valid_id(v)).cloned();
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(Invalid::new(
            id,
            RpcError::invalid_request("\"jsonrpc\" must be exactly \"2.0\""),
        ));
    }
    if let Some(method) = obj.remove("method") {
        let is_notification = raw_id.is_none();
        let fail = |id: Option<Value>, detail: &str| Invalid {
            id,
            error: RpcError::invalid_request(detail),
            notification: is_notification,
        };
        let Value::String(method) = method else {
            return Err(fail(id, "\"method\" must be a string"));
        };
        if obj.contains_key("result") || obj.contains_key("error") {
            return Err(fail(
                id,
                "a message cannot have both \"method\" and \"result\"/\"error\"",
            ));
        }
        let params = match obj.remove("params") {
            None | Some(Value::Null) => None,
            Some(p @ Value::Object(_)) => Some(p),
            Some(_) => return Err(fail(id, "\"params\" must be an object")),
        };
        return match raw_id {
            None => Ok(Message::Notification(Notification { method, params })),
            Some(Value::Null) => Err(fail(None, "the request id must not be null")),
            Some(_) if id.is_none() => {
                Err(fail(None, "the request id must be a string or an integer"))
            }
            Some(raw) => Ok(Message::Request(Request {
                id: raw,
                method,
                params,
            })),
        };
    }
    let result = obj.remove("result");
    let error = obj.remove("error");
    match (result, error) {
        (Some(result), None) => match raw_id {
            Some(raw) if id.is_some() => Ok(Message::Response(Response {
                id: raw,
                result: Ok(result),
            })),
            _ => Err(Invalid::new(
                None,
                RpcError::invalid_request("a result response needs a string or integer id"),
            )),
        },
        (None, Some(error)) => {
            let well_formed = error.get("code").is_some_and(|c| c.is_i64())
                && error.get("message").is_some_and(Value::is_string);
            if !well_formed {
                return Err(Invalid::new(
                    id,
                    RpcError::invalid_request(
                        "an error response needs an integer \"code\" and a string \"message\"",
                    ),
                ));
            }
            match raw_id {
                Some(raw) if id.is_some() || raw.is_null() => Ok(Message::Response(Response {
                    id: raw,
                    result: Err(error),
                })),
                None => Ok(Message::Response(Response {
                    id: Value::Null,
                    result: Err(error),
                })),
                Some(_) => Err(Invalid::new(
                    None,
                    RpcError::invalid_request("the response id must be a string or an integer"),
                )),
            }
        }
        (Some(_), Some(_)) => Err(Invalid::new(
            id,
            RpcError::invalid_request("a response cannot have both \"result\" and \"error\""),
        )),
        (None, None) => Err(Invalid::new(
            id,
            RpcError::invalid_request("the message has no \"method\""),
        )),
    }
}

/// `{"jsonrpc":"2.0","id":…,"result":…}`.
pub fn response(id: &Value, result: Value) -> Value {
    let mut obj = Map::new();
    obj.insert("jsonrpc".into(), Value::from("2.0"));
    obj.insert("id".into(), id.clone());
    obj.insert("result".into(), result);
    Value::Object(obj)
}

/// `{"jsonrpc":"2.0","id":…,"error":{…}}`; `id: None` is written per `unknown`.
pub fn error_response(id: Option<&Value>, error: &RpcError, unknown: UnknownId) -> Value {
    let mut obj = Map::new();
    obj.insert("jsonrpc".into(), Value::from("2.0"));
    match (id, unknown) {
        (Some(id), _) => {
            obj.insert("id".into(), id.clone());
        }
        (None, UnknownId::Null) => {
            obj.insert("id".into(), Value::Null);
        }
        (None, UnknownId::Omit) => {}
    }
    obj.insert("error".into(), error.to_value());
    Value::Object(obj)
}

/// `{"jsonrpc":"2.0","method":…,"params":…}`.
pub fn notification(method: &str, params: Option<Value>) -> Value {
    let mut obj = Map::new();
    obj.insert("jsonrpc".into(), Value::from("2.0"));
    obj.insert("method".into(), Value::from(method));
    if let Some(params) = params {
        obj.insert("params".into(), params);
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn single(body: &str) -> Result<Message, Invalid> {
        match parse(body.as_bytes())? {
            Incoming::Single(m) => Ok(m),
            Incoming::Batch(_) => panic!("expected a single message"),
        }
    }

    #[test]
    fn requests_keep_their_id_exactly() {
        for (body, id) in [
            (
                r#"{"jsonrpc":"2.0","id":"abc","method":"ping"}"#,
                json!("abc"),
            ),
            (r#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#, json!(7)),
            (r#"{"jsonrpc":"2.0","id":-3,"method":"ping"}"#, json!(-3)),
            (
                r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
                json!(u64::MAX),
            ),
            (r#"{"jsonrpc":"2.0","id":"1","method":"ping"}"#, json!("1")),
        ] {
            let Ok(Message::Request(r)) = single(body) else {
                panic!("{body}")
            };
            assert_eq!(r.id, id);
            assert_eq!(response(&r.id, json!({}))["id"], id);
            let text = serde_json::to_string(&response(&r.id, json!({}))).unwrap();
            assert!(text.contains(&format!("\"id\":{id}")), "{text}");
        }
    }

    #[test]
    fn bad_ids_are_invalid_requests() {
        for body in [
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}"#,
        ] {
            let e = single(body).unwrap_err();
            assert_eq!(e.error.code, code::INVALID_REQUEST, "{body}");
            assert_eq!(e.id, None, "{body}");
        }
    }

    #[test]
    fn envelope_errors() {
        let e = single(r#"{"jsonrpc":"1.0","id":4,"method":"ping"}"#).unwrap_err();
        assert_eq!(
            (e.error.code, e.id),
            (code::INVALID_REQUEST, Some(json!(4)))
        );
        let e = single(r#"{"id":4,"method":"ping"}"#).unwrap_err();
        assert_eq!(e.error.code, code::INVALID_REQUEST);
        let e = single(r#"{"jsonrpc":"2.0","id":4}"#).unwrap_err();
        assert!(e.error.message.contains("no \"method\""));
        let e = single(r#"{"jsonrpc":"2.0","id":4,"method":5}"#).unwrap_err();
        assert_eq!(e.error.code, code::INVALID_REQUEST);
        let e = single(r#"{"jsonrpc":"2.0","id":4,"method":"x","params":[1]}"#).unwrap_err();
        assert!(e.error.message.contains("params"));
        let e = single(r#"{"jsonrpc":"2.0","method":"x","params":"s"}"#).unwrap_err();
        assert!(e.notification);
        assert_eq!(single("[1,2").unwrap_err().error.code, code::PARSE_ERROR);
        assert_eq!(single("").unwrap_err().error.code, code::PARSE_ERROR);
        assert_eq!(
            single("\"x\"").unwrap_err().error.code,
            code::INVALID_REQUEST
        );
        assert_eq!(single("[]").unwrap_err().error.code, code::INVALID_REQUEST);
    }

    #[test]
    fn notifications_and_responses() {
        assert_eq!(
            single(r#"{"jsonrpc":"2.0","method":"notifications/initialized","params":null}"#),
            Ok(Message::Notification(Notification {
                method: "notifications/initialized".into(),
                params: None
            }))
        );
        assert_eq!(
            single(r#"{"jsonrpc":"2.0","id":"s1","result":{}}"#),
            Ok(Message::Response(Response {
                id: json!("s1"),
                result: Ok(json!({}))
            }))
        );
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}}"#),
            Ok(Message::Response(_))
        ));
        assert!(single(r#"{"jsonrpc":"2.0","id":1,"error":{"message":"x"}}"#).is_err());
        assert!(single(r#"{"jsonrpc":"2.0","id":1,"result":1,"error":{}}"#).is_err());
        assert!(single(r#"{"jsonrpc":"2.0","result":1}"#).is_err());
    }

    #[test]
    fn batches() {
        let Ok(Incoming::Batch(items)) = parse(
            br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},1,{"jsonrpc":"2.0","method":"n"}]"#,
        ) else {
            panic!()
        };
        assert_eq!(items.len(), 3);
        assert!(items[0].is_ok() && items[1].is_err() && items[2].is_ok());
        let many = format!("[{}]", vec!["1"; MAX_BATCH_LEN + 1].join(","));
        assert!(parse(many.as_bytes())
            .unwrap_err()
            .error
            .message
            .contains("at most"));
    }

    #[test]
    fn size_depth_and_number_limits() {
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        let e = parse(&big).unwrap_err();
        assert!(
            e.error.message.contains("16777216-byte limit"),
            "{}",
            e.error.message
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(
            parse(deep.as_bytes()).unwrap_err().error.code,
            code::PARSE_ERROR
        );
        assert_eq!(
            parse(b"1e999999").unwrap_err().error.code,
            code::PARSE_ERROR
        );
        assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
    }

    #[test]
    fn error_ids_per_era() {
        let e = RpcError::parse_error("x");
        assert_eq!(error_response(None, &e, UnknownId::Null)["id"], Value::Null);
        assert!(error_response(None, &e, UnknownId::Omit)
            .get("id")
            .is_none());
        assert_eq!(
            error_response(Some(&json!("a")), &e, UnknownId::Omit)["id"],
            json!("a")
        );
        let v = RpcError::unsupported_version(&["2026-07-28"], "1999-01-01").to_value();
        assert_eq!(
            v,
            json!({"code":-32022,"message":"Unsupported protocol version",
                "data":{"supported":["2026-07-28"],"requested":"1999-01-01"}})
        );
    }
}
