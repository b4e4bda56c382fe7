//! A Graph request after transport: method, decoded path segments, raw query, headers and body,
//! plus what it resolves to (the signed-in principal and the `Prefer` preferences). One type
//! serves both top-level requests and `$batch` sub-requests, so both follow the same rules.

use axum::http::{HeaderMap, Method};
use base64::Engine as _;
use serde_json::Value;

use crate::{entra::Principal, error::GraphError};

/// Preferences from `Prefer` headers (several headers and comma-separated values both allowed,
/// as RFC 7240 says).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    /// `outlook.body-content-type="text"|"html"`.
    pub body_content_type: Option<String>,
    /// `outlook.timezone="…"` (Windows or IANA name).
    pub timezone: Option<String>,
    /// `IdType="ImmutableId"`.
    pub immutable_id: bool,
    /// `odata.maxpagesize=N`.
    pub max_page_size: Option<usize>,
    /// The preferences that were recognised, echoed in `Preference-Applied`.
    pub applied: Vec<String>,
}

impl Prefs {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut p = Self::default();
        for value in headers.get_all("prefer") {
            let Ok(value) = value.to_str() else { continue };
            for pref in split_outside_quotes(value, ',') {
                let pref = pref.trim();
                let (name, val) = match pref.split_once('=') {
                    Some((n, v)) => (n.trim(), v.trim().trim_matches('"')),
                    None => (pref, ""),
                };
                match name.to_ascii_lowercase().as_str() {
                    "outlook.body-content-type"
                        if val.eq_ignore_ascii_case("text") || val.eq_ignore_ascii_case("html") =>
                    {
                        p.body_content_type = Some(val.to_ascii_lowercase());
                        p.applied.push(format!(
                            "outlook.body-content-type=\"{}\"",
                            val.to_ascii_lowercase()
                        ));
                    }
                    "outlook.timezone" if !val.is_empty() => {
                        p.timezone = Some(val.to_string());
                        p.applied.push(format!("outlook.timezone=\"{val}\""));
                    }
                    "idtype" if val.eq_ignore_ascii_case("immutableid") => {
                        p.immutable_id = true;
                        p.applied.push("IdType=\"ImmutableId\"".into());
                    }
                    "odata.maxpagesize" => {
                        if let Ok(n) = val.parse::<usize>() {
                            p.max_page_size = Some(n.clamp(1, 1000));
                            p.applied
                                .push(format!("odata.maxpagesize={}", n.clamp(1, 1000)));
                        }
                    }
                    _ => {}
                }
            }
        }
        p
    }
}

/// Split on `sep` except inside double quotes (time zone names never contain commas, but a
/// header value like `a="x,y"` must not be cut).
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// Characters escaped in a path segment: controls, space, and the delimiters that would change
/// the URL's meaning.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'?')
    .add(b'+')
    .add(b'=')
    .add(b'<')
    .add(b'>');

/// A request to run against the world.
#[derive(Debug, Clone)]
pub struct GraphRequest {
    pub method: Method,
    /// The path after `/v1.0`, split on `/` and percent-decoded per segment, so an id holding an
    /// encoded `/` (`%2F`) stays one segment and an unencoded one splits the path (as on Graph).
    pub segments: Vec<String>,
    /// The raw query string.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl GraphRequest {
    /// Build from the raw (still percent-encoded) path after `/v1.0`.
    pub fn new(
        method: Method,
        raw_path: &str,
        query: Option<String>,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> Self {
        let segments = raw_path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        Self {
            method,
            segments,
            query,
            headers,
            body,
        }
    }

    /// The request body as JSON; Graph's error for a body that is not JSON.
    pub fn json(&self) -> Result<Value, GraphError> {
        if self.body.is_empty() {
            return Err(GraphError::new(
                400,
                "BadRequest",
                "Empty Payload. JSON content expected.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            GraphError::new(400, "BadRequest", format!("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. ({e})"))
        })
    }

    /// The path as sent, re-encoded (for `@odata.nextLink`), starting with `/v1.0`.
    pub fn path(&self) -> String {
        let mut p = String::from("/v1.0");
        for s in &self.segments {
            p.push('/');
            p.extend(percent_encoding::utf8_percent_encode(s, SEGMENT));
        }
        p
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The context handlers work in.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub principal: &'a Principal,
    pub schema: &'a crate::schema::Schema,
    pub prefs: Prefs,
    pub base_url: &'a str,
    /// The id of the mailbox addressed (`me` or `users/{id}`).
    pub user_id: String,
    pub now: chrono::DateTime<chrono::Utc>,
}

// === Ids ===
//
// Items are stored under their immutable id. Without `Prefer: IdType="ImmutableId"` Graph hands
// out the default (REST) id, which changes when an item moves to another folder. The sandbox
// models that: the REST id encodes the immutable id *and* the current folder, so a client that
// keeps default ids across a move gets 404, as on Graph.

const REST_ID_PREFIX: &str = "AAMkR";

/// The id to show for an item stored under `immutable_id` in `folder_id`.
pub fn present_id(immutable_id: &str, folder_id: Option<&str>, prefs: &Prefs) -> String {
    if prefs.immutable_id {
        return immutable_id.to_string();
    }
    let raw = format!("{immutable_id}\u{1f}{}", folder_id.unwrap_or(""));
    format!(
        "{REST_ID_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// Decode an id a client sent: `(immutable id, folder it was issued for)`.
pub fn parse_id(id: &str) -> (String, Option<String>) {
    if let Some(rest) = id.strip_prefix(REST_ID_PREFIX) {
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(rest) {
            if let Ok(s) = String::from_utf8(bytes) {
                if let Some((imm, folder)) = s.split_once('\u{1f}') {
                    return (
                        imm.to_string(),
                        (!folder.is_empty()).then(|| folder.to_string()),
                    );
                }
            }
        }
    }
    (id.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("prefer", v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn several_preferences_in_one_header_and_across_headers() {
        let p = Prefs::from_headers(&headers(&[
            "outlook.body-content-type=\"text\", IdType=\"ImmutableId\"",
            "outlook.timezone=\"Pacific Standard Time\"",
        ]));
        assert_eq!(p.body_content_type.as_deref(), Some("text"));
        assert!(p.immutable_id);
        assert_eq!(p.timezone.as_deref(), Some("Pacific Standard Time"));
        assert_eq!(p.applied.len(), 3);
    }

    #[test]
    fn unknown_or_invalid_preferences_are_ignored() {
        let p = Prefs::from_headers(&headers(&[
            "outlook.body-content-type=\"pdf\", respond-async",
        ]));
        assert_eq!(p, Prefs::default());
    }

    #[test]
    fn rest_ids_round_trip_and_carry_the_folder() {
        let prefs = Prefs::default();
        let id = present_id("AAkALg+/x=", Some("inbox-id"), &prefs);
        assert_ne!(id, "AAkALg+/x=");
        assert_eq!(
            parse_id(&id),
            ("AAkALg+/x=".to_string(), Some("inbox-id".to_string()))
        );
        assert_eq!(parse_id("AAkALg+/x="), ("AAkALg+/x=".to_string(), None));
        let imm = Prefs {
            immutable_id: true,
            ..Prefs::default()
        };
        assert_eq!(
            present_id("AAkALg+/x=", Some("inbox-id"), &imm),
            "AAkALg+/x="
        );
    }

    #[test]
    fn encoded_slashes_stay_inside_a_segment() {
        let r = GraphRequest::new(
            Method::GET,
            "/me/messages/AA%2FBB%3D/attachments",
            None,
            HeaderMap::new(),
            vec![],
        );
        assert_eq!(r.segments, ["me", "messages", "AA/BB=", "attachments"]);
        let r = GraphRequest::new(
            Method::GET,
            "/me/messages/AA/BB=/attachments",
            None,
            HeaderMap::new(),
            vec![],
        );
        assert_eq!(r.segments.len(), 5);
    }
}
