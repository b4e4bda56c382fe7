//! Test controls under `/_admin` (never part of Graph): reset to the seed, move the clock, inject
//! faults (429 with `Retry-After`, 503, 504, added latency, a per-mailbox concurrency limit that
//! answers 429 `MailboxConcurrency`), and the log of every request so tests can assert on exactly
//! what the worker sent.
//!
//! Faults are deterministic: a rate of 0.25 fails every fourth matching request (an accumulator,
//! not a coin toss), and `script` lists explicit outcomes for the next requests, so a test never
//! depends on luck.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Mutex, MutexGuard,
    },
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::{Query, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{error::GraphError, server::Shared};

/// Largest request body the log keeps verbatim; longer bodies are truncated (attachments).
const LOGGED_BODY_LIMIT: usize = 64 * 1024;
/// Largest request body the sandbox accepts at all (Graph's own limit is about 4 MB per request;
/// upload sessions take chunks of at most that).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// One injected outcome, either scripted or drawn by rate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// 429 `TooManyRequests` / `ApplicationThrottled` with `Retry-After`.
    Throttle,
    /// 503 `ServiceNotAvailable` with `Retry-After`.
    Unavailable,
    /// 504 `GatewayTimeout`.
    GatewayTimeout,
}

/// Fault settings, replaced as a whole by `POST /_admin/faults`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Share of Graph requests (0.0–1.0) answered 429.
    pub throttle_rate: f64,
    /// Share answered 503.
    pub unavailable_rate: f64,
    /// Share answered 504.
    pub gateway_timeout_rate: f64,
    /// `Retry-After` seconds sent with 429 and 503 (default 1).
    pub retry_after_seconds: Option<u64>,
    /// Latency added to every Graph request, in milliseconds.
    pub latency_ms: u64,
    /// More than this many concurrent requests for one mailbox get 429 `MailboxConcurrency`
    /// (Graph's Outlook limit is 4).
    pub max_concurrent_per_mailbox: Option<usize>,
    /// Outcomes for the next matching requests, in order, before rates apply.
    pub script: Vec<Fault>,
    /// Only requests whose path (after `/v1.0`) starts with this are affected; default all.
    pub path_prefix: Option<String>,
}

/// The log sequence number of the request being handled (a request extension), so `$batch` can
/// link its sub-requests to it.
#[derive(Debug, Clone, Copy)]
pub struct RequestSeq(pub u64);

/// A request as the sandbox received it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub seq: u64,
    pub time: String,
    pub method: String,
    pub path: String,
    /// The raw (still percent-encoded) query string.
    pub query: Option<String>,
    /// Headers with `authorization` reduced to its scheme and a short fingerprint.
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub status: u16,
    /// The fault injected instead of a real answer, if any.
    pub fault: Option<String>,
    /// For sub-requests of a `$batch`: the batch's `seq` and the sub-request id.
    pub batch: Option<(u64, String)>,
}

#[derive(Debug, Default)]
struct FaultState {
    config: FaultConfig,
    /// Accumulators for the three rates (see module docs).
    acc: [f64; 3],
}

/// All test controls; part of [`crate::Sandbox`].
#[derive(Debug, Default)]
pub struct Controls {
    clock_offset: AtomicI64,
    seq: AtomicU64,
    faults: Mutex<FaultState>,
    in_flight: Mutex<BTreeMap<String, usize>>,
    log: Mutex<Vec<RecordedRequest>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Controls {
    pub fn clock_offset_seconds(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        self.clock_offset.store(0, Ordering::Relaxed);
        *lock(&self.faults) = FaultState::default();
        lock(&self.log).clear();
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Append to the request log (used by the middleware and by `$batch` for its sub-requests).
    pub fn record(&self, r: RecordedRequest) {
        lock(&self.log).push(r);
    }

    pub fn requests_since(&self, since: u64) -> Vec<RecordedRequest> {
        lock(&self.log)
            .iter()
            .filter(|r| r.seq > since)
            .cloned()
            .collect()
    }

    pub fn set_faults(&self, config: FaultConfig) {
        *lock(&self.faults) = FaultState {
            config,
            acc: [0.0; 3],
        };
    }

    pub fn faults(&self) -> FaultConfig {
        lock(&self.faults).config.clone()
    }

    /// Latency to add and the fault (if any) to inject for a Graph request at `graph_path`.
    pub fn draw(&self, graph_path: &str) -> (u64, Option<(Fault, u64)>) {
        let mut st = lock(&self.faults);
        let latency = st.config.latency_ms;
        let retry = st.config.retry_after_seconds.unwrap_or(1);
        if let Some(prefix) = &st.config.path_prefix {
            if !graph_path.starts_with(prefix.as_str()) {
                return (latency, None);
            }
        }
        if !st.config.script.is_empty() {
            let f = st.config.script.remove(0);
            return (latency, Some((f, retry)));
        }
        let rates = [
            st.config.throttle_rate,
            st.config.unavailable_rate,
            st.config.gateway_timeout_rate,
        ];
        let kinds = [Fault::Throttle, Fault::Unavailable, Fault::GatewayTimeout];
        for i in 0..3 {
            st.acc[i] += rates[i].clamp(0.0, 1.0);
            if st.acc[i] >= 1.0 - 1e-9 {
                st.acc[i] -= 1.0;
                return (latency, Some((kinds[i].clone(), retry)));
            }
        }
        (latency, None)
    }

    /// Count a request in flight for `mailbox`; `None` if that exceeds the configured limit.
    fn enter(&self, mailbox: &str) -> Option<InFlight<'_>> {
        let limit = lock(&self.faults).config.max_concurrent_per_mailbox;
        let mut map = lock(&self.in_flight);
        let n = map.entry(mailbox.to_string()).or_insert(0);
        if limit.is_some_and(|l| *n >= l) {
            return None;
        }
        *n += 1;
        Some(InFlight {
            controls: self,
            mailbox: mailbox.to_string(),
        })
    }
}

/// Decrements the in-flight count when the request finishes, however it finishes.
struct InFlight<'a> {
    controls: &'a Controls,
    mailbox: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut map = lock(&self.controls.in_flight);
        if let Some(n) = map.get_mut(&self.mailbox) {
            *n = n.saturating_sub(1);
        }
    }
}

impl Fault {
    pub fn error(&self, retry_after: u64) -> GraphError {
        match self {
            // Graph's throttling answer for Outlook resources (concepts/throttling.md).
            Self::Throttle => GraphError::new(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
            )
            .with_retry_after(retry_after),
            Self::Unavailable => GraphError::new(
                503,
                "ServiceNotAvailable",
                "Service is temporarily unavailable.",
            )
            .with_retry_after(retry_after),
            Self::GatewayTimeout => GraphError::new(504, "UnknownError", "Gateway timeout."),
        }
    }
}

/// The mailbox a Graph request is for: the `oid` claim of its bearer token (read without
/// verification; authentication happens in the Graph handlers), else the token itself.
fn mailbox_key(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))?;
    let payload = token.split('.').nth(1)?;
    let claims: Value = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())?;
    claims
        .get("oid")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| Some(token.to_string()))
}

fn loggable_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            let v = v.to_str().unwrap_or("<binary>");
            let v = if k.as_str() == "authorization" {
                // Tests need to know a token was sent and which one, never the token itself.
                let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
                let digest = sha2::Digest::finalize(sha2::Digest::chain_update(
                    sha2::Sha256::default(),
                    rest,
                ));
                let fp: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
                format!("{scheme} <{} chars, sha256 {fp}…>", rest.len())
            } else {
                v.to_string()
            };
            (k.as_str().to_string(), v)
        })
        .collect()
}

/// Middleware on every route: records the request and, for Graph paths, applies latency, faults
/// and the concurrency limit before the handler runs.
pub async fn record_and_inject(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_admin") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return GraphError::new(
                413,
                "RequestEntityTooLarge",
                "The request body is too large.",
            )
            .into_response();
        }
    };
    let seq = state.controls.next_seq();
    let mut rec = RecordedRequest {
        seq,
        time: state.now().to_rfc3339(),
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_string),
        headers: loggable_headers(&parts.headers),
        body: body_for_log(&bytes),
        status: 0,
        fault: None,
        batch: None,
    };

    let graph_path = path.strip_prefix("/v1.0");
    let mut guard = None;
    if let Some(gp) = graph_path {
        let (latency, fault) = state.controls.draw(gp);
        if let Some((fault, retry)) = fault {
            rec.fault = Some(format!("{fault:?}"));
            let resp = fault.error(retry).into_response();
            rec.status = resp.status().as_u16();
            state.controls.record(rec);
            return resp;
        }
        if let Some(mailbox) = mailbox_key(&parts.headers) {
            match state.controls.enter(&mailbox) {
                Some(g) => guard = Some(g),
                None => {
                    rec.fault = Some("MailboxConcurrency".into());
                    let resp = GraphError::new(
                        429,
                        "ApplicationThrottled",
                        "Application is over its MailboxConcurrency limit.",
                    )
                    .with_retry_after(state.controls.faults().retry_after_seconds.unwrap_or(1))
                    .into_response();
                    rec.status = 429;
                    state.controls.record(rec);
                    return resp;
                }
            }
        }
        // Latency is spent holding the mailbox slot, like a slow request on Graph.
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
    }
    let mut parts = parts;
    parts.extensions.insert(RequestSeq(seq));
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(guard);
    rec.status = resp.status().as_u16();
    state.controls.record(rec);
    resp
}

fn body_for_log(bytes: &Bytes) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let cut = &bytes[..bytes.len().min(LOGGED_BODY_LIMIT)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > LOGGED_BODY_LIMIT {
        s.push_str(&format!("…[{} bytes in all]", bytes.len()));
    }
    Some(s)
}

#[derive(Debug, Deserialize)]
struct SinceQuery {
    #[serde(default)]
    since: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    /// Move the clock forward (or back, if negative) by this many seconds.
    advance_seconds: Option<i64>,
    /// Set the offset from real time outright.
    offset_seconds: Option<i64>,
}

/// `/_admin` routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/_admin", get(index))
        .route("/_admin/reset", post(reset))
        .route("/_admin/requests", get(requests).delete(clear_requests))
        .route(
            "/_admin/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/_admin/clock", get(get_clock).post(set_clock))
        .route("/_admin/entra", post(set_entra))
}

async fn index(State(state): State<Shared>) -> Json<Value> {
    let world = state.world();
    let users: Vec<Value> = world
        .users
        .iter()
        .map(|u| json!({"id": u.id, "tenantId": u.tenant_id, "userPrincipalName": u.user_principal_name, "displayName": u.display_name, "kind": u.kind}))
        .collect();
    let tenants: Vec<Value> = world
        .tenants
        .iter()
        .map(|t| json!({"id": t.id, "displayName": t.display_name, "domain": t.domain}))
        .collect();
    Json(json!({
        "sandbox": "m365-sandbox",
        "baseUrl": state.base_url,
        "graph": format!("{}/v1.0", state.base_url),
        "now": state.now().to_rfc3339(),
        "tenants": tenants,
        "users": users,
        "controls": ["POST /_admin/reset", "GET|DELETE /_admin/requests?since=N", "GET|POST|DELETE /_admin/faults", "GET|POST /_admin/clock", "POST /_admin/entra"],
    }))
}

async fn reset(State(state): State<Shared>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

async fn requests(State(state): State<Shared>, Query(q): Query<SinceQuery>) -> Json<Value> {
    let reqs = state.controls.requests_since(q.since);
    let last = state.controls.seq.load(Ordering::Relaxed);
    Json(json!({ "last": last, "requests": reqs }))
}

async fn clear_requests(State(state): State<Shared>) -> StatusCode {
    lock(&state.controls.log).clear();
    StatusCode::NO_CONTENT
}

async fn get_faults(State(state): State<Shared>) -> Json<FaultConfig> {
    Json(state.controls.faults())
}

async fn set_faults(State(state): State<Shared>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(cfg) => {
            state.controls.set_faults(cfg.clone());
            Json(cfg).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn clear_faults(State(state): State<Shared>) -> StatusCode {
    state.controls.set_faults(FaultConfig::default());
    StatusCode::NO_CONTENT
}

async fn get_clock(State(state): State<Shared>) -> Json<Value> {
    Json(
        json!({"now": state.now().to_rfc3339(), "offsetSeconds": state.controls.clock_offset_seconds()}),
    )
}

async fn set_clock(State(state): State<Shared>, body: Bytes) -> Response {
    match serde_json::from_slice::<ClockChange>(&body) {
        Ok(c) => {
            if let Some(o) = c.offset_seconds {
                state.controls.clock_offset.store(o, Ordering::Relaxed);
            }
            if let Some(a) = c.advance_seconds {
                state.controls.clock_offset.fetch_add(a, Ordering::Relaxed);
            }
            get_clock(State(state)).await.into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

/// `POST /_admin/entra`: identity-provider behaviour for a test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntraChange {
    /// `expires_in` of access tokens issued from now on.
    access_token_lifetime_seconds: Option<i64>,
    /// Revoke every refresh and access token of this user (as an admin "revoke sessions" does),
    /// so the next refresh answers `invalid_grant`.
    revoke_user: Option<String>,
}

async fn set_entra(State(state): State<Shared>, body: Bytes) -> Response {
    match serde_json::from_slice::<EntraChange>(&body) {
        Ok(c) => {
            let mut entra = state.entra();
            if let Some(l) = c.access_token_lifetime_seconds {
                entra.access_token_lifetime_seconds = l.max(1);
            }
            if let Some(user) = c.revoke_user {
                crate::entra::revoke_user_tokens(&mut entra, &user);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}
