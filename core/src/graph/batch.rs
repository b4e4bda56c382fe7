//! JSON batching: several Graph calls in one `POST /$batch` round trip, built as values and
//! parsed back by id (learn.microsoft.com graph/json-batching; graph-and-peers §4.2).
//!
//! Rules this module owns:
//! * At most [`MAX_BATCH_REQUESTS`] (20) sub-requests, each with a unique non-empty `id` and a URL
//!   relative to the version root (`/me/messages`); an absolute URL or a nested `$batch` is
//!   refused before anything is sent.
//! * `dependsOn` may only name an *earlier* sub-request, so the dependency graph cannot have a
//!   cycle and the order in the body is a valid execution order.
//! * The outer request's headers are **not** applied to sub-requests: every sub-request carries
//!   its own `Prefer` (built from its [`GraphRequest`]), and a body requires a `Content-Type`
//!   header ("headers is required when body is present").
//! * Bodies that are not JSON travel base64-encoded, both ways (json-batching §Request format;
//!   Graph also base64-encodes some JSON replies, e.g. to uploads, so [`SubResponse::json`]
//!   accepts that too).
//! * Responses come back in any order and an outer `200` says nothing about the inner results:
//!   [`BatchReply`] is looked up by id, each [`SubResponse`] has its own status.
//! * A sub-request whose dependency failed answers `424 Failed Dependency`;
//!   [`BatchReply::resolve`] reports the failure that caused it instead.
//! * Each sub-request is throttled on its own (an inner `429`). [`plan_retry`] picks exactly the
//!   sub-requests worth sending again (and the `424`s that only failed because of them); the
//!   waiting and re-sending is done by [`super::policy::RetryingClient`].

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::request::{parse_response, GraphRequest};
use super::{GraphError, HttpRequest, HttpResponse};

pub use super::request::MAX_BATCH_REQUESTS;

/// Status of a sub-request not run because one it depends on failed (RFC 4918 §11.4).
pub const STATUS_FAILED_DEPENDENCY: u16 = 424;

/// A batch that cannot be built (or a `$batch` body that cannot be read back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// More than [`MAX_BATCH_REQUESTS`] sub-requests.
    TooMany,
    /// An empty sub-request id.
    EmptyId,
    /// Two sub-requests with the same id.
    DuplicateId(String),
    /// `dependsOn` names an id that is not an earlier sub-request.
    UnknownDependency { id: String, depends_on: String },
    /// The URL is not relative to the version root (absolute, no leading `/`, or `$batch`).
    InvalidUrl(String),
    /// A body without a `Content-Type` header.
    MissingContentType(String),
    /// The JSON is not a `$batch` body.
    Malformed,
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooMany => write!(f, "a $batch holds at most {MAX_BATCH_REQUESTS} requests"),
            Self::EmptyId => f.write_str("a $batch request id is empty"),
            Self::DuplicateId(id) => write!(f, "$batch request id {id:?} is used twice"),
            Self::UnknownDependency { id, depends_on } => write!(
                f,
                "$batch request {id:?} depends on {depends_on:?}, which is not an earlier request"
            ),
            Self::InvalidUrl(id) => write!(
                f,
                "$batch request {id:?} needs a URL relative to the version root"
            ),
            Self::MissingContentType(id) => {
                write!(f, "$batch request {id:?} has a body but no Content-Type")
            }
            Self::Malformed => f.write_str("not a $batch body"),
        }
    }
}

/// One entry of a `$batch` body, as it goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct SubRequest {
    pub id: String,
    /// `GET`, `POST`, … (upper case).
    pub method: String,
    /// Relative to the version root, already encoded: `/me/messages?$top=5`.
    pub url: String,
    /// The sub-request's own headers (`Prefer`, `Content-Type`, `ConsistencyLevel`, …).
    pub headers: Vec<(String, String)>,
    /// A JSON body, or a base64 string when the `Content-Type` is not JSON.
    pub body: Option<Value>,
    /// Ids of earlier sub-requests that must succeed before this one runs.
    pub depends_on: Vec<String>,
}

impl SubRequest {
    /// A sub-request with no headers and no body.
    pub fn new(id: impl Into<String>, method: &str, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            method: method.to_ascii_uppercase(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
            depends_on: Vec::new(),
        }
    }

    /// The sub-request for a typed [`GraphRequest`]: its relative URL, its `Prefer` and other
    /// headers (so preferences are repeated per sub-request) and its JSON body.
    pub fn from_graph(id: impl Into<String>, request: &GraphRequest) -> Self {
        let http = request.to_http("");
        let body = http.body.as_deref().map(|b| {
            serde_json::from_slice(b).unwrap_or_else(|_| Value::String(STANDARD.encode(b)))
        });
        Self {
            id: id.into(),
            method: http.method.to_owned(),
            url: http.url,
            // `Accept` is for the outer request; sub-responses are JSON regardless.
            headers: http
                .headers
                .into_iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("accept"))
                .collect(),
            body,
            depends_on: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A JSON body (adds `Content-Type: application/json` unless one is set).
    pub fn json_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self.ensure_content_type("application/json")
    }

    /// A non-JSON body (a MIME message, file bytes): base64 on the wire, with its media type.
    pub fn binary_body(mut self, content_type: &str, bytes: &[u8]) -> Self {
        self.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = Some(Value::String(STANDARD.encode(bytes)));
        self
    }

    /// Runs only after `ids` (earlier sub-requests) succeeded.
    pub fn depends_on(mut self, ids: &[&str]) -> Self {
        self.depends_on.extend(ids.iter().map(|s| (*s).to_owned()));
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    fn ensure_content_type(mut self, content_type: &str) -> Self {
        if self.header_value("content-type").is_none() {
            self.headers
                .push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        self
    }

    fn to_json(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut entry = Map::new();
        entry.insert("id".into(), Value::String(self.id.clone()));
        entry.insert("method".into(), Value::String(self.method.clone()));
        entry.insert("url".into(), Value::String(self.url.clone()));
        if !self.depends_on.is_empty() {
            entry.insert("dependsOn".into(), json!(self.depends_on));
        }
        if !headers.is_empty() {
            entry.insert("headers".into(), Value::Object(headers));
        }
        if let Some(body) = &self.body {
            entry.insert("body".into(), body.clone());
        }
        Value::Object(entry)
    }

    fn from_json(v: &Value) -> Result<Self, BatchError> {
        let id = match v.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(BatchError::Malformed),
        };
        let method = v
            .get("method")
            .and_then(Value::as_str)
            .ok_or(BatchError::Malformed)?;
        let url = v
            .get("url")
            .and_then(Value::as_str)
            .ok_or(BatchError::Malformed)?;
        let headers = v
            .get("headers")
            .and_then(Value::as_object)
            .map(headers_from_json)
            .unwrap_or_default();
        let depends_on = v
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            id,
            method: method.to_ascii_uppercase(),
            url: url.to_owned(),
            headers,
            body: v.get("body").filter(|b| !b.is_null()).cloned(),
            depends_on,
        })
    }
}

/// A `$batch` under construction: sub-requests in execution order, validated as they are added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    items: Vec<SubRequest>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `request` under `id`, run in parallel with the others.
    pub fn add(self, id: &str, request: &GraphRequest) -> Result<Self, BatchError> {
        self.push(SubRequest::from_graph(id, request))
    }

    /// Adds `request` under `id`, run after the sub-requests `depends_on` succeeded.
    /// Graph advises a batch be "either fully sequential or fully parallel".
    pub fn add_after(
        self,
        id: &str,
        request: &GraphRequest,
        depends_on: &[&str],
    ) -> Result<Self, BatchError> {
        self.push(SubRequest::from_graph(id, request).depends_on(depends_on))
    }

    /// Adds a sub-request, checking the rules in the module docs.
    pub fn push(mut self, item: SubRequest) -> Result<Self, BatchError> {
        if self.items.len() >= MAX_BATCH_REQUESTS {
            return Err(BatchError::TooMany);
        }
        if item.id.is_empty() {
            return Err(BatchError::EmptyId);
        }
        if self.get(&item.id).is_some() {
            return Err(BatchError::DuplicateId(item.id));
        }
        if !item.url.starts_with('/') || item.url.contains("://") || item.url.contains("$batch") {
            return Err(BatchError::InvalidUrl(item.id));
        }
        if let Some(dep) = item
            .depends_on
            .iter()
            .find(|d| self.get(d.as_str()).is_none())
        {
            return Err(BatchError::UnknownDependency {
                id: item.id.clone(),
                depends_on: dep.clone(),
            });
        }
        if item.body.is_some() && item.header_value("content-type").is_none() {
            return Err(BatchError::MissingContentType(item.id));
        }
        self.items.push(item);
        Ok(self)
    }

    pub fn items(&self) -> &[SubRequest] {
        &self.items
    }

    pub fn get(&self, id: &str) -> Option<&SubRequest> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many sub-requests Graph may run at once: those without `dependsOn` (Outlook runs up
    /// to 4 of them in parallel); at least 1.
    pub fn parallelism(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.depends_on.is_empty())
            .count()
            .max(1)
    }

    /// `{"requests":[…]}`.
    pub fn to_json(&self) -> Value {
        json!({ "requests": self.items.iter().map(SubRequest::to_json).collect::<Vec<_>>() })
    }

    /// The body bytes.
    pub fn to_body(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// `POST {base_url}/$batch`. Do not send an empty batch (Graph refuses it).
    pub fn to_http(&self, base_url: &str) -> HttpRequest {
        HttpRequest {
            method: "POST",
            url: format!("{}/$batch", base_url.trim_end_matches('/')),
            headers: vec![
                ("Accept".to_owned(), "application/json".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
                // Every Graph request carries it, the outer one too (each sub-request repeats it).
                (
                    "Prefer".to_owned(),
                    super::request::PREFER_IMMUTABLE_ID.to_owned(),
                ),
            ],
            body: Some(self.to_body()),
        }
    }

    /// Reads a `$batch` body back (the retry layer does, to re-send single sub-requests),
    /// applying the same checks as [`Batch::push`].
    pub fn parse_body(body: &[u8]) -> Result<Self, BatchError> {
        let v: Value = serde_json::from_slice(body).map_err(|_| BatchError::Malformed)?;
        let items = v
            .get("requests")
            .and_then(Value::as_array)
            .ok_or(BatchError::Malformed)?;
        items
            .iter()
            .try_fold(Self::new(), |b, item| b.push(SubRequest::from_json(item)?))
    }
}

/// One sub-response: its own status, headers and body.
#[derive(Debug, Clone, PartialEq)]
pub struct SubResponse {
    pub id: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// As received: JSON, or a base64 string for non-JSON content.
    pub body: Value,
}

impl SubResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// No `Content-Type`, or a JSON one (`application/json`, `…+json`, with parameters).
    pub fn is_json(&self) -> bool {
        self.header("content-type").is_none_or(|ct| {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
    }

    /// The JSON body, decoding a base64-wrapped one; `None` for non-JSON content.
    pub fn json(&self) -> Option<Value> {
        if !self.is_json() {
            return None;
        }
        match &self.body {
            Value::String(s) => decode_base64(s)
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .or_else(|| Some(self.body.clone())),
            other => Some(other.clone()),
        }
    }

    /// The body bytes: base64-decoded for non-JSON content, the JSON text otherwise.
    pub fn bytes(&self) -> Vec<u8> {
        match &self.body {
            Value::Null => Vec::new(),
            Value::String(s) if !self.is_json() => {
                decode_base64(s).unwrap_or_else(|| s.clone().into_bytes())
            }
            other => self
                .json()
                .unwrap_or_else(|| other.clone())
                .to_string()
                .into_bytes(),
        }
    }

    /// The Graph error of a non-2xx sub-response (with its own `Retry-After`).
    pub fn error(&self) -> Option<GraphError> {
        if self.is_success() {
            return None;
        }
        let body = self.json().unwrap_or(Value::Null);
        Some(GraphError::from_parts(
            self.status,
            self.header("retry-after"),
            &body,
        ))
    }

    /// The body of a 2xx (JSON, or the base64 string for other content), else the error.
    pub fn result(&self) -> Result<Value, GraphError> {
        match self.error() {
            Some(e) => Err(e),
            None => Ok(self.json().unwrap_or_else(|| self.body.clone())),
        }
    }

    fn to_json(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut v = json!({ "id": self.id, "status": self.status, "headers": headers });
        if let (false, Some(obj)) = (self.body.is_null(), v.as_object_mut()) {
            obj.insert("body".into(), self.body.clone());
        }
        v
    }
}

/// The parsed answer to a `$batch`, looked up by sub-request id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReply {
    responses: Vec<SubResponse>,
}

impl BatchReply {
    /// Parses the outer response. An outer failure (the whole batch refused or throttled) is the
    /// error; sub-request failures stay per id. Entries without an id are ignored.
    pub fn parse(response: &HttpResponse) -> Result<Self, GraphError> {
        let body = parse_response(response)?;
        let items = body
            .get("responses")
            .and_then(Value::as_array)
            .ok_or_else(GraphError::malformed_response)?;
        let responses = items
            .iter()
            .filter_map(|item| {
                let id = match item.get("id") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return None,
                };
                let status = item
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(500);
                let headers = item
                    .get("headers")
                    .and_then(Value::as_object)
                    .map(headers_from_json)
                    .unwrap_or_default();
                let body = item.get("body").cloned().unwrap_or(Value::Null);
                Some(SubResponse {
                    id,
                    status,
                    headers,
                    body,
                })
            })
            .collect();
        Ok(Self { responses })
    }

    /// Every sub-response, in the order received.
    pub fn responses(&self) -> &[SubResponse] {
        &self.responses
    }

    pub fn get(&self, id: &str) -> Option<&SubResponse> {
        self.responses.iter().find(|r| r.id == id)
    }

    /// The body for `id`, or its error; a missing id is a malformed reply.
    pub fn result(&self, id: &str) -> Result<Value, GraphError> {
        self.get(id)
            .ok_or_else(GraphError::malformed_response)?
            .result()
    }

    /// Like [`BatchReply::result`], but a `424` is reported as the failure that caused it
    /// (following `dependsOn` through further `424`s), which is what the model can act on.
    pub fn resolve(&self, batch: &Batch, id: &str) -> Result<Value, GraphError> {
        match self.failed_dependency(batch, id) {
            Some(cause) => Err(cause.error().unwrap_or_else(GraphError::malformed_response)),
            None => self.result(id),
        }
    }

    /// For a `424` sub-response: the failed sub-response at the root of its `dependsOn` chain.
    pub fn failed_dependency(&self, batch: &Batch, id: &str) -> Option<&SubResponse> {
        let mut current = self.get(id)?;
        if current.status != STATUS_FAILED_DEPENDENCY {
            return None;
        }
        // Dependencies point to earlier entries, so this ends; the bound is belt and braces.
        for _ in 0..MAX_BATCH_REQUESTS {
            let failed = batch
                .get(&current.id)?
                .depends_on
                .iter()
                .filter_map(|d| self.get(d))
                .find(|r| !r.is_success())?;
            if failed.status != STATUS_FAILED_DEPENDENCY {
                return Some(failed);
            }
            current = failed;
        }
        None
    }

    /// Replaces (or adds) the sub-responses present in `newer`, by id.
    pub fn merge(&mut self, newer: Self) {
        for r in newer.responses {
            match self.responses.iter_mut().find(|o| o.id == r.id) {
                Some(slot) => *slot = r,
                None => self.responses.push(r),
            }
        }
    }

    /// Sets `Retry-After: {secs}` (delta-seconds) on the sub-responses `ids` that are throttled
    /// or unavailable, so the tool layer reads one number.
    pub fn set_retry_after(&mut self, ids: &[String], secs: u64) {
        for r in self
            .responses
            .iter_mut()
            .filter(|r| ids.contains(&r.id) && matches!(r.status, 429 | 503 | 504))
        {
            set_header(&mut r.headers, "Retry-After", &secs.to_string());
        }
    }

    /// `{"responses":[…]}`.
    pub fn to_json(&self) -> Value {
        json!({ "responses": self.responses.iter().map(SubResponse::to_json).collect::<Vec<_>>() })
    }

    /// This reply as an HTTP response with `outer`'s status and headers (how the retry layer
    /// hands a merged reply to callers that parse plain `$batch` responses).
    pub fn to_http(&self, outer: &HttpResponse) -> HttpResponse {
        HttpResponse {
            status: outer.status,
            headers: outer
                .headers
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length"))
                .cloned()
                .collect(),
            body: self.to_json().to_string().into_bytes(),
        }
    }
}

/// The sub-requests to send again after a partly failed batch.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPlan {
    /// Ids to re-send, in batch order.
    pub ids: Vec<String>,
    /// Just those sub-requests; `dependsOn` pointing outside the plan (to sub-requests that
    /// already succeeded) is dropped.
    pub batch: Batch,
}

/// Which sub-requests of `batch` to send again given `reply`: those `retryable` accepts, plus
/// each `424` all of whose failed dependencies are being retried. `None` when there is nothing
/// to retry. Sub-requests missing from the reply are not retried.
pub fn plan_retry(
    batch: &Batch,
    reply: &BatchReply,
    retryable: impl Fn(&SubRequest, &SubResponse) -> bool,
) -> Option<RetryPlan> {
    let mut ids: Vec<String> = Vec::new();
    for item in &batch.items {
        let Some(resp) = reply.get(&item.id) else {
            continue;
        };
        let again = if resp.status == STATUS_FAILED_DEPENDENCY && !item.depends_on.is_empty() {
            let mut failed = item
                .depends_on
                .iter()
                .filter(|d| !reply.get(d).is_some_and(SubResponse::is_success))
                .peekable();
            failed.peek().is_some() && failed.all(|d| ids.contains(d))
        } else {
            retryable(item, resp)
        };
        if again {
            ids.push(item.id.clone());
        }
    }
    if ids.is_empty() {
        return None;
    }
    let items = batch
        .items
        .iter()
        .filter(|i| ids.contains(&i.id))
        .map(|i| SubRequest {
            depends_on: i
                .depends_on
                .iter()
                .filter(|d| ids.contains(d))
                .cloned()
                .collect(),
            ..i.clone()
        })
        .collect();
    Some(RetryPlan {
        ids,
        batch: Batch { items },
    })
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_owned(), value.to_owned()));
}

fn headers_from_json(map: &Map<String, Value>) -> Vec<(String, String)> {
    map.iter()
        .filter_map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), v))
        })
        .collect()
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphPath;

    #[test]
    fn from_graph_repeats_prefer_and_sets_content_type() {
        let r = GraphRequest::post(GraphPath::me().segment("messages"), json!({"subject": "x"}))
            .prefer("outlook.body-content-type=\"text\"");
        let s = SubRequest::from_graph("1", &r);
        assert_eq!(s.method, "POST");
        assert_eq!(s.url, "/me/messages");
        assert_eq!(
            s.header_value("prefer"),
            Some("IdType=\"ImmutableId\", outlook.body-content-type=\"text\"")
        );
        assert_eq!(s.header_value("content-type"), Some("application/json"));
        assert_eq!(s.header_value("accept"), None);
        assert_eq!(s.body, Some(json!({"subject": "x"})));
    }

    #[test]
    fn binary_bodies_are_base64_with_their_media_type() {
        let s = SubRequest::new("m", "post", "/me/sendMail").binary_body("text/plain", b"MIME\r\n");
        assert_eq!(s.method, "POST");
        assert_eq!(s.header_value("content-type"), Some("text/plain"));
        assert_eq!(s.body, Some(json!("TUlNRQ0K")));
        let missing = SubRequest {
            body: Some(json!({})),
            ..SubRequest::new("x", "POST", "/me/messages")
        };
        assert_eq!(
            Batch::new().push(missing),
            Err(BatchError::MissingContentType("x".into()))
        );
    }

    #[test]
    fn urls_must_be_relative() {
        for url in ["https://evil.example/x", "me/messages", "/$batch"] {
            assert_eq!(
                Batch::new().push(SubRequest::new("a", "GET", url)),
                Err(BatchError::InvalidUrl("a".into())),
                "{url}"
            );
        }
        assert_eq!(
            Batch::new().push(SubRequest::new("", "GET", "/me")),
            Err(BatchError::EmptyId)
        );
    }
}
