//! Building Graph requests as values (code-style P6) and reading their answers.
//!
//! * Every request carries `Prefer: IdType="ImmutableId"`, so the ids a tool hands to the model
//!   stay valid when an item moves between folders (learn.microsoft.com graph/outlook-immutable-id).
//!   Further preferences are combined into the same header, comma-separated (RFC 7240 §2).
//! * Ids go into the path through [`GraphPath::id`], which percent-encodes every byte outside
//!   RFC 3986 `unreserved` (Outlook ids contain `/`, `+` and `=`), so a model-supplied `../` or
//!   `?$expand=` can never rewrite the URL. `.` and `..` are refused outright: WHATWG URL parsing
//!   treats them (and `%2e` spellings) as dot-segments whatever the encoding.
//! * `$batch` (concepts/json-batching): at most 20 sub-requests with URLs relative to the version
//!   root; request headers of the outer request are *not* applied to sub-requests, so each
//!   sub-request carries its own `Prefer`; responses come back in any order and are matched by
//!   `id`.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use serde_json::Value;

use super::{GraphError, HttpRequest, HttpResponse};

/// The preference every request carries.
pub const PREFER_IMMUTABLE_ID: &str = "IdType=\"ImmutableId\"";
/// Graph's limit on sub-requests in one `$batch`.
pub const MAX_BATCH_REQUESTS: usize = 20;

/// Bytes escaped in a path segment: everything but RFC 3986 `unreserved`.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Bytes escaped in a query value. OData syntax characters (`$ , ' ( ) : /`) stay readable, as
/// Graph's own examples write them; the query delimiters and anything outside printable ASCII
/// are escaped.
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// An id that cannot be put into a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId;

/// A path below the Graph version root (`/me/mailFolders/{id}/messages`), already encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphPath(String);

impl GraphPath {
    /// `/me`: the signed-in user.
    pub fn me() -> Self {
        Self("/me".to_owned())
    }

    /// A top-level collection such as `/teams` or `/chats`.
    pub fn root(name: &'static str) -> Self {
        Self(String::new()).segment(name)
    }

    /// `/users/{id or userPrincipalName}` (shared and delegated mailboxes).
    pub fn user(id: &str) -> Result<Self, InvalidId> {
        Self(String::new()).segment("users").id(id)
    }

    /// Appends a fixed segment such as `messages` (written by us, never by the model; encoded
    /// all the same).
    pub fn segment(mut self, name: &'static str) -> Self {
        self.0.push('/');
        self.0.extend(utf8_percent_encode(name, PATH_SEGMENT));
        self
    }

    /// Appends an id or other caller-supplied value as one percent-encoded segment.
    pub fn id(mut self, id: &str) -> Result<Self, InvalidId> {
        if id.is_empty() || id == "." || id == ".." {
            return Err(InvalidId);
        }
        self.0.push('/');
        self.0.extend(utf8_percent_encode(id, PATH_SEGMENT));
        Ok(self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One Graph call: method, path, OData query options, preferences, extra headers and body.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphRequest {
    method: &'static str,
    path: GraphPath,
    query: Vec<(&'static str, String)>,
    prefer: Vec<String>,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

impl GraphRequest {
    fn new(method: &'static str, path: GraphPath, body: Option<Value>) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            prefer: vec![PREFER_IMMUTABLE_ID.to_owned()],
            headers: Vec::new(),
            body,
        }
    }

    pub fn get(path: GraphPath) -> Self {
        Self::new("GET", path, None)
    }

    pub fn post(path: GraphPath, body: Value) -> Self {
        Self::new("POST", path, Some(body))
    }

    pub fn patch(path: GraphPath, body: Value) -> Self {
        Self::new("PATCH", path, Some(body))
    }

    pub fn delete(path: GraphPath) -> Self {
        Self::new("DELETE", path, None)
    }

    /// `$select=a,b,c`: always used, so no tool fetches fields it does not return.
    pub fn select(self, fields: &[&str]) -> Self {
        self.query("$select", fields.join(","))
    }

    /// Adds a query option; `name` is ours (`$top`, `$filter`, …), the value is encoded.
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Adds a `Prefer` preference (e.g. `outlook.timezone="Pacific Standard Time"`).
    pub fn prefer(mut self, preference: impl Into<String>) -> Self {
        self.prefer.push(preference.into());
        self
    }

    /// Adds another request header (`ConsistencyLevel: eventual`, …).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The URL relative to the version root, as `$batch` wants it: `/me?$select=a,b`.
    pub fn relative_url(&self) -> String {
        let mut url = self.path.as_str().to_owned();
        for (i, (name, value)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.extend(utf8_percent_encode(value, QUERY_VALUE));
        }
        url
    }

    /// The combined `Prefer` header value.
    pub fn prefer_header(&self) -> String {
        self.prefer.join(", ")
    }

    fn header_pairs(&self) -> Vec<(String, String)> {
        let mut headers = vec![("Prefer".to_owned(), self.prefer_header())];
        if self.body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        headers.extend(
            self.headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone())),
        );
        headers
    }

    /// The HTTP request against `base_url` (the version root, e.g.
    /// `https://graph.microsoft.com/v1.0`).
    pub fn to_http(&self, base_url: &str) -> HttpRequest {
        let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
        headers.extend(self.header_pairs());
        HttpRequest {
            method: self.method,
            url: format!("{}{}", base_url.trim_end_matches('/'), self.relative_url()),
            headers,
            body: self.body.as_ref().map(|b| b.to_string().into_bytes()),
        }
    }
}

/// Parses a plain (non-batch) Graph response: the JSON body of a 2xx (or `null` for an empty
/// body such as 204), otherwise the Graph error.
pub fn parse_response(response: &HttpResponse) -> Result<Value, GraphError> {
    if !(200..300).contains(&response.status) {
        return Err(GraphError::from_http(response));
    }
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&response.body).map_err(|_| GraphError::malformed_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::batch::BatchReply;
    use serde_json::json;

    #[test]
    fn ids_are_single_encoded_segments() {
        let p = GraphPath::me()
            .segment("messages")
            .id("AAMk/a+b=c?$expand=x#y")
            .unwrap();
        assert_eq!(
            p.as_str(),
            "/me/messages/AAMk%2Fa%2Bb%3Dc%3F%24expand%3Dx%23y"
        );
        let p = GraphPath::me()
            .segment("messages")
            .id("../../users")
            .unwrap();
        assert_eq!(p.as_str(), "/me/messages/..%2F..%2Fusers");
        assert_eq!(GraphPath::me().id(""), Err(InvalidId));
        assert_eq!(GraphPath::me().id(".."), Err(InvalidId));
        assert_eq!(GraphPath::me().id("."), Err(InvalidId));
        assert_eq!(
            GraphPath::user("adele@contoso.com").unwrap().as_str(),
            "/users/adele%40contoso.com"
        );
        assert_eq!(
            GraphPath::me().id("é").unwrap().as_str(),
            "/me/%C3%A9",
            "non-ASCII is UTF-8 percent-encoded"
        );
    }

    #[test]
    fn requests_always_prefer_immutable_ids_and_combine_preferences() {
        let r = GraphRequest::get(GraphPath::me())
            .select(&["displayName", "mail"])
            .prefer("outlook.timezone=\"Pacific Standard Time\"")
            .to_http("https://graph.microsoft.com/v1.0/");
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.url,
            "https://graph.microsoft.com/v1.0/me?$select=displayName,mail"
        );
        assert_eq!(
            r.header("prefer"),
            Some("IdType=\"ImmutableId\", outlook.timezone=\"Pacific Standard Time\"")
        );
        assert_eq!(r.header("accept"), Some("application/json"));
        assert_eq!(r.header("content-type"), None);
        assert!(r.body.is_none());
    }

    #[test]
    fn query_values_are_encoded_but_odata_stays_readable() {
        let r = GraphRequest::get(GraphPath::me().segment("messages"))
            .query("$filter", "from/emailAddress/address eq 'a&b@x.com'")
            .query("$search", "\"budget #2\"");
        assert_eq!(
            r.relative_url(),
            "/me/messages?$filter=from/emailAddress/address%20eq%20'a%26b@x.com'&$search=%22budget%20%232%22"
        );
    }

    #[test]
    fn bodies_get_a_content_type() {
        let r = GraphRequest::patch(GraphPath::me().segment("mailboxSettings"), json!({"a": 1}))
            .to_http("https://g/v1.0");
        assert_eq!(r.method, "PATCH");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body.as_deref(), Some(&b"{\"a\":1}"[..]));
    }

    #[test]
    fn batch_responses_are_matched_by_id_in_any_order() {
        let body = json!({"responses":[
            {"id":"b","status":404,"headers":{"Content-Type":"application/json"},
             "body":{"error":{"code":"ErrorItemNotFound","message":"gone"}}},
            {"id":"a","status":200,"body":{"x":1}},
            {"id":"c","status":429,"headers":{"Retry-After":"9"},"body":{"error":{"code":"TooManyRequests","message":"slow"}}}
        ]});
        let resp = HttpResponse {
            status: 200,
            headers: vec![],
            body: body.to_string().into_bytes(),
        };
        let parsed = BatchReply::parse(&resp).unwrap();
        assert_eq!(parsed.result("a"), Ok(json!({"x":1})));
        let b = parsed.result("b").unwrap_err();
        assert_eq!((b.status, b.code.as_str()), (404, "ErrorItemNotFound"));
        assert_eq!(parsed.result("c").unwrap_err().retry_after, Some(9));
        assert_eq!(
            parsed.result("zz").unwrap_err().status,
            502,
            "a missing id is a malformed reply"
        );
    }

    #[test]
    fn malformed_and_failed_outer_responses() {
        let bad = HttpResponse {
            status: 200,
            headers: vec![],
            body: b"not json".to_vec(),
        };
        assert_eq!(parse_response(&bad).unwrap_err().status, 502);
        assert_eq!(BatchReply::parse(&bad).unwrap_err().status, 502);
        let empty = HttpResponse {
            status: 204,
            headers: vec![],
            body: vec![],
        };
        assert_eq!(parse_response(&empty), Ok(Value::Null));
        let throttled = HttpResponse {
            status: 429,
            headers: vec![("Retry-After".into(), "3".into())],
            body: vec![],
        };
        assert_eq!(
            BatchReply::parse(&throttled).unwrap_err().retry_after,
            Some(3)
        );
    }
}
