//! One Streamable HTTP session of the session era (2025-03-26 … 2025-11-25, and the 2024-11-05
//! HTTP+SSE transport): plain data a Durable Object persists (code-style P3), with the rules
//! that belong to it.
//!
//! * Session id: "SHOULD be globally unique and cryptographically secure … MUST only contain
//!   visible ASCII characters (ranging from 0x21 to 0x7E)" (2025-11-25 transports §Session
//!   Management). It is 32 random bytes from the caller, base64url without padding (43 chars).
//! * Bound to the user and client that created it: "bind session IDs to user-specific
//!   information" (security best practices §Session Hijacking). The shell answers a session used
//!   with another user's token as if it did not exist (404), so ids cannot be probed.
//! * After DELETE the server "MUST respond to requests containing that session ID with HTTP 404"
//!   ([`SessionState::delete`], [`SessionState::is_deleted`]).
//! * Resumability (§Resumability and Redelivery): event ids are unique per session and encode the
//!   stream (`<stream>.<seq>`), and a resumed stream replays only its own missed messages, each
//!   once ("MUST NOT replay messages that would have been delivered on a different stream").
//!   The replay buffer is bounded ([`MAX_STREAMS`], [`MAX_EVENTS_PER_STREAM`],
//!   [`MAX_REPLAY_BYTES`]); when it had to drop events a client still needs, resumption is refused
//!   rather than delivered with a gap.
//!
//! No clock is read here: every time is passed in as Unix seconds.

use std::collections::VecDeque;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::version::{self, ProtocolVersion, Rejection};
use crate::oauth::tokens::UserKey;

/// Sessions idle longer than this are treated as gone (404): seconds.
pub const SESSION_IDLE_TTL_SECS: u64 = 24 * 60 * 60;
/// Streams whose events are kept for replay; the least recently used one is dropped first.
pub const MAX_STREAMS: usize = 8;
/// Events kept per stream.
pub const MAX_EVENTS_PER_STREAM: usize = 64;
/// Serialized bytes kept across all streams (the state must fit a Durable Object value).
pub const MAX_REPLAY_BYTES: usize = 256 * 1024;
/// Client-supplied `capabilities`/`clientInfo` larger than this are not stored.
pub const MAX_CLIENT_FIELD_BYTES: usize = 16 * 1024;
/// Request ids remembered as cancelled.
pub const MAX_CANCELLED: usize = 32;
/// Longest session id accepted from a header (ours are 43 characters).
pub const MAX_SESSION_ID_LEN: usize = 128;

/// Log severity (RFC 5424 levels, MCP server/utilities/logging), ordered from least to most
/// severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

impl LogLevel {
    pub const ALL: [Self; 8] = [
        Self::Debug,
        Self::Info,
        Self::Notice,
        Self::Warning,
        Self::Error,
        Self::Critical,
        Self::Alert,
        Self::Emergency,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
            Self::Alert => "alert",
            Self::Emergency => "emergency",
        }
    }
}

/// Whether `id` is usable as a session id: 1–[`MAX_SESSION_ID_LEN`] visible ASCII characters.
pub fn valid_session_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_SESSION_ID_LEN
        && id.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// A server-sent event id: `<stream>.<seq>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId(String);

impl EventId {
    fn new(stream: &str, seq: u64) -> Self {
        Self(format!("{stream}.{seq}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Splits an id received in `Last-Event-ID` into stream and sequence number.
    fn parse(s: &str) -> Option<(&str, u64)> {
        let (stream, seq) = s.trim().rsplit_once('.')?;
        if stream.is_empty() || !stream.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        Some((stream, seq.parse().ok()?))
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredEvent {
    seq: u64,
    size: usize,
    message: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stream {
    id: String,
    /// Sequence number when the stream was opened; resuming from before it is meaningless.
    opened_at: u64,
    /// Highest sequence number of an event of this stream that was dropped (0: none).
    lost_through: u64,
    /// Sequence number of the last activity, for least-recently-used eviction.
    touched: u64,
    events: VecDeque<StoredEvent>,
    /// The stream is finished: a POST stream after its request was answered (or cancelled).
    /// Resuming it replays what was missed and then ends, as the original stream did.
    #[serde(default)]
    ended: bool,
}

/// The persisted state of one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    id: String,
    owner: UserKey,
    client_id: String,
    created_at: u64,
    last_seen: u64,
    /// Negotiated by `initialize`; `None` until then.
    pub protocol_version: Option<ProtocolVersion>,
    /// The client's `capabilities` from `initialize`.
    pub client_capabilities: Value,
    /// The client's `clientInfo` from `initialize`.
    pub client_info: Value,
    /// Set by `notifications/initialized`.
    pub initialized: bool,
    /// Set by `logging/setLevel`; `None` means no log notifications are sent.
    pub log_level: Option<LogLevel>,
    deleted: bool,
    next_seq: u64,
    next_stream: u32,
    streams: Vec<Stream>,
    cancelled: VecDeque<Value>,
}

impl SessionState {
    /// A new session for `owner` (the user) and `client_id` (the OAuth client), with an id made
    /// from 32 bytes of the platform CSPRNG.
    pub fn new(random: [u8; 32], owner: UserKey, client_id: &str, now: u64) -> Self {
        Self {
            id: URL_SAFE_NO_PAD.encode(random),
            owner,
            client_id: client_id.to_owned(),
            created_at: now,
            last_seen: now,
            protocol_version: None,
            client_capabilities: Value::Null,
            client_info: Value::Null,
            initialized: false,
            log_level: None,
            deleted: false,
            next_seq: 1,
            next_stream: 0,
            streams: Vec::new(),
            cancelled: VecDeque::new(),
        }
    }

    /// The `Mcp-Session-Id` value.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn owner(&self) -> &UserKey {
        &self.owner
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    /// Whether the request's token belongs to the user and client that created the session.
    pub fn owned_by(&self, user_key: &UserKey, client_id: &str) -> bool {
        self.owner == *user_key && self.client_id == client_id
    }

    /// The access check for every request naming this session: 404 when it was deleted, has
    /// expired, or belongs to another user or client (answered like an unknown id, so session ids
    /// cannot be probed with another token). On success, call [`SessionState::touch`].
    pub fn check_access(
        &self,
        user_key: &UserKey,
        client_id: &str,
        now: u64,
    ) -> Result<(), Rejection> {
        if self.deleted || self.expired(now) || !self.owned_by(user_key, client_id) {
            return Err(version::session_not_found(None));
        }
        Ok(())
    }

    /// Records activity (call once per request).
    pub fn touch(&mut self, now: u64) {
        self.last_seen = self.last_seen.max(now);
    }

    /// Idle for longer than [`SESSION_IDLE_TTL_SECS`].
    pub fn expired(&self, now: u64) -> bool {
        now.saturating_sub(self.last_seen) > SESSION_IDLE_TTL_SECS
    }

    /// Ends the session (HTTP DELETE); the replay buffer is released.
    pub fn delete(&mut self) {
        self.deleted = true;
        self.streams.clear();
        self.cancelled.clear();
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    /// Stores what `initialize` negotiated. Oversized client fields are not kept.
    pub fn set_client(&mut self, version: ProtocolVersion, capabilities: Value, info: Value) {
        self.protocol_version = Some(version);
        self.client_capabilities = bounded(capabilities);
        self.client_info = bounded(info);
    }

    /// `notifications/cancelled`: remember `request_id` so a running request can stop and its
    /// response is not sent. Unknown or finished ids are harmless (cancellation §Error Handling).
    pub fn cancel(&mut self, request_id: Value) {
        if self.cancelled.contains(&request_id) {
            return;
        }
        if self.cancelled.len() >= MAX_CANCELLED {
            self.cancelled.pop_front();
        }
        self.cancelled.push_back(request_id);
    }

    pub fn is_cancelled(&self, request_id: &Value) -> bool {
        self.cancelled.contains(request_id)
    }

    /// Forgets a cancellation (the request finished, or the id is being reused by a new request).
    pub fn clear_cancelled(&mut self, request_id: &Value) {
        self.cancelled.retain(|id| id != request_id);
    }

    /// Opens a new SSE stream (a POST's response stream or a GET stream) and returns its id.
    pub fn open_stream(&mut self) -> String {
        let id = format!("s{}", self.next_stream);
        self.next_stream = self.next_stream.wrapping_add(1);
        if self.streams.len() >= MAX_STREAMS {
            if let Some(oldest) = self
                .streams
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| s.touched)
                .map(|(i, _)| i)
            {
                self.streams.remove(oldest);
            }
        }
        let seq = self.next_seq;
        self.streams.push(Stream {
            id: id.clone(),
            opened_at: seq,
            lost_through: 0,
            touched: seq,
            events: VecDeque::new(),
            ended: false,
        });
        id
    }

    /// Marks a stream finished: a POST's stream once its response is sent ("After the JSON-RPC
    /// response has been sent, the server SHOULD terminate the SSE stream", 2025-11-25
    /// transports §Sending Messages) or its request was cancelled. Its events stay replayable.
    pub fn end_stream(&mut self, stream_id: &str) {
        if let Some(stream) = self.streams.iter_mut().find(|s| s.id == stream_id) {
            stream.ended = true;
        }
    }

    /// Whether the stream of `last_event_id` is finished, so that a resumption of it ends after
    /// the replay instead of staying open for messages that will never come.
    pub fn stream_ended(&self, last_event_id: &str) -> bool {
        EventId::parse(last_event_id)
            .and_then(|(id, _)| self.streams.iter().find(|s| s.id == id))
            .is_some_and(|s| s.ended)
    }

    /// An event id without a stored message, for the priming event ("an event ID and an empty
    /// `data` field", 2025-11-25 transports §Sending Messages) and other id-only frames.
    /// `None` if the stream is unknown.
    pub fn prime_stream(&mut self, stream_id: &str) -> Option<EventId> {
        let seq = self.next_seq;
        let stream = self.streams.iter_mut().find(|s| s.id == stream_id)?;
        stream.touched = seq;
        self.next_seq += 1;
        Some(EventId::new(stream_id, seq))
    }

    /// Records `message` as sent on `stream_id` and returns its event id. A message for a stream
    /// that is not (or no longer) known still gets a unique id but cannot be replayed.
    pub fn record_event(&mut self, stream_id: &str, message: Value) -> EventId {
        let seq = self.next_seq;
        self.next_seq += 1;
        let size = serde_json::to_string(&message).map_or(usize::MAX, |s| s.len());
        let Some(stream) = self.streams.iter_mut().find(|s| s.id == stream_id) else {
            return EventId::new(stream_id, seq);
        };
        stream.touched = seq;
        if size > MAX_REPLAY_BYTES {
            stream.lost_through = seq;
        } else {
            stream.events.push_back(StoredEvent { seq, size, message });
            if stream.events.len() > MAX_EVENTS_PER_STREAM {
                if let Some(dropped) = stream.events.pop_front() {
                    stream.lost_through = stream.lost_through.max(dropped.seq);
                }
            }
        }
        self.enforce_byte_budget();
        EventId::new(stream_id, seq)
    }

    fn enforce_byte_budget(&mut self) {
        loop {
            let total: usize = self
                .streams
                .iter()
                .flat_map(|s| s.events.iter().map(|e| e.size))
                .sum();
            if total <= MAX_REPLAY_BYTES {
                return;
            }
            // Drop the oldest event across all streams.
            let Some(stream) = self
                .streams
                .iter_mut()
                .filter(|s| !s.events.is_empty())
                .min_by_key(|s| s.events.front().map_or(u64::MAX, |e| e.seq))
            else {
                return;
            };
            if let Some(dropped) = stream.events.pop_front() {
                stream.lost_through = stream.lost_through.max(dropped.seq);
            }
        }
    }

    /// The stream a `Last-Event-ID` belongs to, if it is one of ours.
    pub fn stream_of(&self, last_event_id: &str) -> Option<&str> {
        let (stream, _) = EventId::parse(last_event_id)?;
        self.streams
            .iter()
            .find(|s| s.id == stream)
            .map(|s| s.id.as_str())
    }

    /// The messages sent on the stream of `last_event_id` after it, in order, each once, never
    /// from another stream. `None` when the id is not ours, names a stream no longer kept, lies in
    /// the future, or when events after it were dropped (a replay would have a gap).
    pub fn events_after(&self, last_event_id: &str) -> Option<Vec<(EventId, Value)>> {
        let (stream_id, after) = EventId::parse(last_event_id)?;
        if after >= self.next_seq {
            return None;
        }
        let stream = self.streams.iter().find(|s| s.id == stream_id)?;
        if stream.lost_through > after {
            return None;
        }
        Some(
            stream
                .events
                .iter()
                .filter(|e| e.seq > after)
                .map(|e| (EventId::new(&stream.id, e.seq), e.message.clone()))
                .collect(),
        )
    }
}

fn bounded(v: Value) -> Value {
    match serde_json::to_string(&v) {
        Ok(s) if s.len() <= MAX_CLIENT_FIELD_BYTES => v,
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> SessionState {
        SessionState::new([7; 32], UserKey::from_bytes([1; 16]), "client-a", 1000)
    }

    #[test]
    fn ids_are_visible_ascii_and_owned() {
        let s = state();
        assert_eq!(s.id().len(), 43);
        assert!(valid_session_id(s.id()));
        assert!(!valid_session_id(""));
        assert!(!valid_session_id("a b"));
        assert!(!valid_session_id("é"));
        assert!(!valid_session_id(&"a".repeat(MAX_SESSION_ID_LEN + 1)));
        assert!(s.owned_by(&UserKey::from_bytes([1; 16]), "client-a"));
        assert!(!s.owned_by(&UserKey::from_bytes([2; 16]), "client-a"));
        assert!(!s.owned_by(&UserKey::from_bytes([1; 16]), "client-b"));
        let other = SessionState::new([8; 32], UserKey::from_bytes([1; 16]), "c", 0);
        assert_ne!(s.id(), other.id());
    }

    #[test]
    fn access_checks() {
        let mut s = state();
        let me = UserKey::from_bytes([1; 16]);
        assert!(s.check_access(&me, "client-a", 1000).is_ok());
        assert_eq!(
            s.check_access(&UserKey::from_bytes([2; 16]), "client-a", 1000)
                .unwrap_err()
                .status,
            404
        );
        assert_eq!(
            s.check_access(&me, "client-b", 1000).unwrap_err().status,
            404
        );
        assert_eq!(
            s.check_access(&me, "client-a", 2000 + SESSION_IDLE_TTL_SECS)
                .unwrap_err()
                .status,
            404
        );
        s.delete();
        assert_eq!(
            s.check_access(&me, "client-a", 1000).unwrap_err().status,
            404
        );
    }

    #[test]
    fn expiry_and_deletion() {
        let mut s = state();
        assert!(!s.expired(1000 + SESSION_IDLE_TTL_SECS));
        assert!(s.expired(1001 + SESSION_IDLE_TTL_SECS));
        s.touch(5000);
        assert!(!s.expired(1001 + SESSION_IDLE_TTL_SECS));
        s.touch(10); // a clock going backwards does not rewind activity
        assert!(!s.expired(5000 + SESSION_IDLE_TTL_SECS));
        assert!(!s.is_deleted());
        s.delete();
        assert!(s.is_deleted());
    }

    #[test]
    fn replay_is_per_stream_and_exactly_once() {
        let mut s = state();
        let a = s.open_stream();
        let b = s.open_stream();
        let prime = s.prime_stream(&a).unwrap();
        let a1 = s.record_event(&a, json!(1));
        let b1 = s.record_event(&b, json!("b"));
        let a2 = s.record_event(&a, json!(2));
        let a3 = s.record_event(&a, json!(3));
        assert_ne!(a1, b1);
        assert!(a1.as_str().starts_with(&a));
        let replay = s.events_after(a1.as_str()).unwrap();
        assert_eq!(replay, vec![(a2.clone(), json!(2)), (a3.clone(), json!(3))]);
        let all = s.events_after(prime.as_str()).unwrap();
        assert_eq!(
            all.len(),
            3,
            "everything after the priming event, nothing from b"
        );
        assert_eq!(s.events_after(a3.as_str()).unwrap(), vec![]);
        assert_eq!(s.events_after(b1.as_str()).unwrap(), vec![]);
        assert_eq!(s.stream_of(a2.as_str()), Some(a.as_str()));
        for bad in [
            "", "x", "s0", "s0.", "s0.x", "zz.1", "s0.99999", "s.1", "s-0.1", "s0.-1",
        ] {
            assert_eq!(s.events_after(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ended_streams_are_still_replayable() {
        let mut s = state();
        let a = s.open_stream();
        let get = s.open_stream();
        let prime = s.prime_stream(&a).unwrap();
        let get_prime = s.prime_stream(&get).unwrap();
        assert!(!s.stream_ended(prime.as_str()));
        let answer = s.record_event(&a, json!({"id": 1, "result": {}}));
        s.end_stream(&a);
        s.end_stream("unknown");
        assert!(s.stream_ended(prime.as_str()));
        assert!(s.stream_ended(answer.as_str()));
        assert!(!s.stream_ended(get_prime.as_str()), "per stream");
        assert!(!s.stream_ended("garbage"));
        assert_eq!(
            s.events_after(prime.as_str()).unwrap(),
            vec![(answer.clone(), json!({"id": 1, "result": {}}))]
        );
        assert_eq!(s.events_after(answer.as_str()).unwrap(), vec![]);
        let back: SessionState = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert!(back.stream_ended(prime.as_str()), "persisted");
        // State stored before the flag existed reads as not ended.
        let mut old = serde_json::to_value(&s).unwrap();
        for stream in old["streams"].as_array_mut().unwrap() {
            stream.as_object_mut().unwrap().remove("ended");
        }
        let old: SessionState = serde_json::from_value(old).unwrap();
        assert!(!old.stream_ended(prime.as_str()));
    }

    #[test]
    fn dropped_events_refuse_resumption_instead_of_a_gap() {
        let mut s = state();
        let a = s.open_stream();
        let prime = s.prime_stream(&a).unwrap();
        let first = s.record_event(&a, json!(0));
        for i in 1..=MAX_EVENTS_PER_STREAM {
            s.record_event(&a, json!(i));
        }
        assert_eq!(s.events_after(prime.as_str()), None, "event 0 was dropped");
        let after_first = s.events_after(first.as_str()).unwrap();
        assert_eq!(
            after_first.len(),
            MAX_EVENTS_PER_STREAM,
            "1..=64 are all kept"
        );
        let recent = s.record_event(&a, json!("x"));
        let last = s.record_event(&a, json!("y"));
        assert_eq!(
            s.events_after(recent.as_str()).unwrap(),
            vec![(last, json!("y"))]
        );
    }

    #[test]
    fn byte_budget_and_stream_limits_hold() {
        let mut s = state();
        let big = json!("x".repeat(MAX_REPLAY_BYTES / 4));
        let a = s.open_stream();
        let first = s.record_event(&a, big.clone());
        for _ in 0..5 {
            s.record_event(&a, big.clone());
        }
        let bytes = serde_json::to_string(&s).unwrap().len();
        assert!(bytes < MAX_REPLAY_BYTES + 4096, "{bytes}");
        assert_eq!(s.events_after(first.as_str()), None);
        let huge = s.record_event(&a, json!("y".repeat(MAX_REPLAY_BYTES + 1)));
        assert_eq!(s.events_after(huge.as_str()).map(|v| v.len()), Some(0));
        let ids: Vec<String> = (0..MAX_STREAMS + 2).map(|_| s.open_stream()).collect();
        assert_eq!(s.streams.len(), MAX_STREAMS);
        assert!(
            s.stream_of(&format!("{a}.1")).is_none(),
            "oldest stream evicted"
        );
        assert!(s
            .stream_of(&format!("{}.1", ids[MAX_STREAMS + 1]))
            .is_some());
        assert_eq!(s.prime_stream("nope"), None);
    }

    #[test]
    fn cancellations_are_bounded() {
        let mut s = state();
        s.cancel(json!(1));
        s.cancel(json!(1));
        assert!(s.is_cancelled(&json!(1)));
        assert!(
            !s.is_cancelled(&json!("1")),
            "ids compare by type and value"
        );
        for i in 0..MAX_CANCELLED as u64 {
            s.cancel(json!(i + 100));
        }
        assert!(!s.is_cancelled(&json!(1)));
        s.clear_cancelled(&json!(100 + MAX_CANCELLED as u64 - 1));
        assert!(!s.is_cancelled(&json!(100 + MAX_CANCELLED as u64 - 1)));
    }

    #[test]
    fn serde_round_trip_and_client_bounds() {
        let mut s = state();
        s.set_client(
            ProtocolVersion::V2025_11_25,
            json!({"roots":{}}),
            json!("x".repeat(MAX_CLIENT_FIELD_BYTES)),
        );
        assert_eq!(s.client_info, Value::Null);
        s.log_level = Some(LogLevel::Warning);
        let a = s.open_stream();
        s.record_event(&a, json!({"k":"v"}));
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains("\"2025-11-25\""), "{text}");
        let back: SessionState = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn log_levels_order_and_parse() {
        assert!(LogLevel::Debug < LogLevel::Emergency);
        assert_eq!(LogLevel::parse("warning"), Some(LogLevel::Warning));
        assert_eq!(LogLevel::parse("WARNING"), None);
        for l in LogLevel::ALL {
            assert_eq!(LogLevel::parse(l.as_str()), Some(l));
        }
    }
}
