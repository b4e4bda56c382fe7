//! The retry and concurrency policy every Graph call goes through (issue 5 §1;
//! graph-and-peers §4.1, §4.2). [`RetryingClient`] wraps the shell's [`GraphClient`] and is a
//! [`GraphClient`] itself, so tools use it without knowing. Sleeping and randomness are inputs
//! ([`Sleeper`], [`Jitter`]; code-style P2): nothing here reads a clock or blocks a thread.
//!
//! # Which failures are retried
//! * **429** on *any* method, `POST` included: Graph throttles a request *instead of* running it
//!   (concepts/throttling: "wait the number of seconds specified in the Retry-After header …
//!   retry the request"), so sending it again cannot do anything twice. This covers the Outlook
//!   `MailboxConcurrency` 429.
//! * **503 / 504** and **transport errors** (no response) only for idempotent requests
//!   ([`is_idempotent`]): the request may have run, so it is repeated only where running it twice
//!   is harmless (RFC 9110 §9.2.2). A `sendMail`, `reply`, `forward`, `createReply`, `move`,
//!   `copy`, a `POST` that creates an item, and `PATCH` are never repeated after a 503/504/network
//!   failure; the caller sees the failure and decides (for a send, by checking Sent Items).
//! * Everything else (400, 401, 403, 404, 409, 500, 502, …) is returned at once: retrying does not
//!   change the answer, or may not be safe.
//!
//! # How long to wait
//! * `Retry-After` when present, as delta-seconds or an HTTP-date (RFC 9110 §10.2.3). An
//!   HTTP-date is measured against the response's own `Date` header (the server's clock, so our
//!   clock's skew does not matter and no clock is needed); without a `Date` it is ignored.
//! * Otherwise equal-jitter exponential backoff: attempt *n* waits between half and all of
//!   `min(BASE_BACKOFF_MS · 2ⁿ⁻¹, MAX_BACKOFF_MS)`, the random part from [`Jitter`], so
//!   concurrent calls do not retry in lockstep.
//!
//! # Budget (per call of [`RetryingClient::execute`], `$batch` inner retries included)
//! At most [`MAX_ATTEMPTS`] sends, no single wait above [`MAX_SINGLE_WAIT_MS`], and at most
//! [`TOTAL_WAIT_BUDGET_MS`] of waiting in all, so a tool call answers within MCP clients'
//! patience. A `Retry-After` longer than what is left is not waited at all: the call gives up at
//! once with [`RetryError::Throttled`] carrying the server's number, which the tool layer shows
//! as "throttled, try again in N seconds" ([`GraphError::tool_message`]). Through the
//! [`GraphClient`] impl, that outcome is the last 429/503/504 response with `Retry-After`
//! rewritten as delta-seconds, so [`GraphError::from_http`] reads the number.
//!
//! # `$batch`
//! The outer request follows the rules above (a `$batch` is idempotent when every sub-request
//! is). After an outer 2xx, sub-requests that answered 429 (or 503/504 when idempotent) are sent
//! again in a smaller batch, together with the `424`s that failed only because of them, after
//! the largest inner `Retry-After`; the merged reply is returned as one ordinary `$batch`
//! response, so callers match ids as usual.
//!
//! # At most 4 requests in flight per mailbox
//! Outlook runs at most 4 concurrent requests per app and mailbox (concepts/throttling-limits);
//! a 5th is answered 429. Every send holds permits of a [`ConcurrencyLimiter`] (a `$batch` holds
//! one per sub-request Graph may run in parallel, up to 4), released when the response arrives
//! and *not* held while waiting to retry.
//!
//! ## Sharing one limiter per user (for the shell)
//! The limiter is a single-threaded async semaphore (`Rc<RefCell<…>>` plus a FIFO of wakers, no
//! runtime), so it coordinates every future polled on the same isolate thread. Concurrent tool
//! calls of one user are only coordinated if they run in the *same* object, so:
//! * keep one `ConcurrencyLimiter::new(MAILBOX_CONCURRENCY)` as a field of the Durable Object
//!   instance that serves the user's tool calls (one instance per user, e.g. `UserState`, or a
//!   per-user object the session objects forward `tools/call` to), created in its constructor;
//! * for each tool call build `RetryingClient::new(fetch_client, sleeper, jitter)
//!   .with_limiter(self.limiter.clone())` (a clone shares the same permits);
//! * a Durable Object serves further requests while one awaits `fetch`, which is exactly when
//!   queued callers are woken; the limiter is in memory, so after an eviction it simply starts
//!   empty, which is safe.
//!
//! Tool calls that run outside that object (stateless requests in the worker) can only be
//! limited per call; route `tools/call` through the user's object to get the guarantee.
//! Calls to shared mailboxes (`/users/{upn}/…`) count against the caller's limiter, which is
//! conservative (Graph also states the limit per app regardless of mailbox).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::batch::{plan_retry, Batch, BatchReply, SubRequest, SubResponse};
use super::error::MAX_RETRY_AFTER_SECS;
use super::{GraphClient, GraphError, HttpRequest, HttpResponse, LocalBoxFuture, TransportError};

/// Sends per call, first one included (so at most 3 retries).
pub const MAX_ATTEMPTS: u32 = 4;
/// Longest single wait; a longer `Retry-After` ends the call with "try again in N s" instead.
pub const MAX_SINGLE_WAIT_MS: u64 = 10_000;
/// Total waiting per call, across all retries.
pub const TOTAL_WAIT_BUDGET_MS: u64 = 20_000;
/// Backoff ceiling of the first retry when Graph gives no `Retry-After`.
pub const BASE_BACKOFF_MS: u64 = 500;
/// Largest backoff ceiling.
pub const MAX_BACKOFF_MS: u64 = 8_000;
/// Outlook's concurrent-request limit per app and mailbox (concepts/throttling-limits).
pub const MAILBOX_CONCURRENCY: usize = 4;

/// Waits. The shell implements it with `worker::Delay`; tests record the requested waits.
pub trait Sleeper {
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()>;
}

/// Randomness for backoff. The shell implements it with `getrandom`; tests use a fixed value.
pub trait Jitter {
    /// A value in `0.0..1.0` (out-of-range values and NaN are clamped).
    fn next(&self) -> f64;
}

impl<T: Sleeper + ?Sized> Sleeper for &T {
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        (**self).sleep(ms)
    }
}

impl<T: Sleeper + ?Sized> Sleeper for Rc<T> {
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        (**self).sleep(ms)
    }
}

impl<T: Sleeper + ?Sized> Sleeper for Box<T> {
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        (**self).sleep(ms)
    }
}

impl<T: Jitter + ?Sized> Jitter for &T {
    fn next(&self) -> f64 {
        (**self).next()
    }
}

impl<T: Jitter + ?Sized> Jitter for Rc<T> {
    fn next(&self) -> f64 {
        (**self).next()
    }
}

impl<T: Jitter + ?Sized> Jitter for Box<T> {
    fn next(&self) -> f64 {
        (**self).next()
    }
}

/// A constant "random" value, for tests and deterministic runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedJitter(pub f64);

impl Jitter for FixedJitter {
    fn next(&self) -> f64 {
        self.0
    }
}

/// The retry budget; [`RetryPolicy::DEFAULT`] is made of the constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub max_single_wait_ms: u64,
    pub total_wait_budget_ms: u64,
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
}

impl RetryPolicy {
    pub const DEFAULT: Self = Self {
        max_attempts: MAX_ATTEMPTS,
        max_single_wait_ms: MAX_SINGLE_WAIT_MS,
        total_wait_budget_ms: TOTAL_WAIT_BUDGET_MS,
        base_backoff_ms: BASE_BACKOFF_MS,
        max_backoff_ms: MAX_BACKOFF_MS,
    };

    /// The wait before retry number `retry` (1-based) without `Retry-After`: equal jitter over
    /// `min(base · 2^(retry-1), max)`.
    pub fn backoff_ms(&self, retry: u32, jitter: f64) -> u64 {
        let shift = retry.saturating_sub(1).min(30);
        let ceiling = self
            .base_backoff_ms
            .saturating_mul(1u64 << shift)
            .min(self.max_backoff_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = ceiling / 2;
        // `as` saturates; the product is at most `ceiling - half`.
        half + ((ceiling - half) as f64 * jitter) as u64
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Whether sending `request` twice has the same effect as sending it once, so it may be repeated
/// after a 503/504 or a network failure:
/// * `GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE` (RFC 9110 §9.2.2; a repeated `DELETE` may answer
///   404, which the caller must read as "already gone");
/// * `POST /$batch` whose sub-requests all are;
/// * the `POST` actions that only read: `getMailTips`, `getSchedule`, `findMeetingTimes`,
///   `translateExchangeIds`, `/search/query`.
///
/// `PATCH` is not (RFC 9110), nor is any other `POST` (send, reply, forward, create, move, …).
pub fn is_idempotent(request: &HttpRequest) -> bool {
    if request.method.eq_ignore_ascii_case("POST") && is_batch_url(&request.url) {
        return request
            .body
            .as_deref()
            .and_then(|b| Batch::parse_body(b).ok())
            .is_some_and(|b| batch_is_idempotent(&b));
    }
    method_is_idempotent(request.method, &request.url)
}

/// [`is_idempotent`] for one method and URL (absolute, or relative as in a `$batch`).
pub fn method_is_idempotent(method: &str, url: &str) -> bool {
    const SAFE_POST_ACTIONS: &[&str] = &[
        "getMailTips",
        "getSchedule",
        "findMeetingTimes",
        "translateExchangeIds",
    ];
    match method.to_ascii_uppercase().as_str() {
        "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" => true,
        "POST" => {
            let path = url_path(url);
            let last = path.rsplit('/').next().unwrap_or("");
            SAFE_POST_ACTIONS.contains(&last) || path.ends_with("/search/query")
        }
        _ => false,
    }
}

fn batch_is_idempotent(batch: &Batch) -> bool {
    !batch.is_empty()
        && batch
            .items()
            .iter()
            .all(|i| method_is_idempotent(&i.method, &i.url))
}

fn url_path(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

fn is_batch_url(url: &str) -> bool {
    url_path(url).ends_with("/$batch")
}

/// Statuses worth another attempt: 429 always, 503/504 when idempotent.
fn retryable_status(status: u16, idempotent: bool) -> bool {
    status == 429 || (idempotent && matches!(status, 503 | 504))
}

/// Milliseconds to wait for a `Retry-After` value: delta-seconds, or an HTTP-date measured
/// against `date` (the response's `Date` header). `None` when unusable.
pub fn retry_after_ms(value: &str, date: Option<&str>) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Over-long digit strings overflow `parse`; treat them as "very long".
        return Some(
            value
                .parse::<u64>()
                .unwrap_or(u64::MAX)
                .saturating_mul(1000),
        );
    }
    let at = parse_http_date(value)?;
    let now = parse_http_date(date?)?;
    Some(at.saturating_sub(now).saturating_mul(1000))
}

/// Seconds since the Unix epoch for an HTTP-date in any of the three forms recipients must
/// accept (RFC 9110 §5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let (day, month, year, time) = match tokens.as_slice() {
        [weekday, day, month, year, time, "GMT"] if weekday.ends_with(',') => {
            (day.parse().ok()?, *month, year.parse().ok()?, *time)
        }
        [weekday, dmy, time, "GMT"] if weekday.ends_with(',') => {
            let mut parts = dmy.split('-');
            let day = parts.next()?.parse().ok()?;
            let month = parts.next()?;
            let yy: u64 = parts.next()?.parse().ok()?;
            // Two-digit years (RFC 9110 §5.6.7): read 70–99 as 19xx, the rest as 20xx.
            let year = match yy {
                0..=69 => 2000 + yy,
                70..=99 => 1900 + yy,
                _ => yy,
            };
            (day, month, year, *time)
        }
        [_weekday, month, day, time, year] => {
            (day.parse().ok()?, *month, year.parse().ok()?, *time)
        }
        _ => return None,
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':').map(str::parse::<u64>);
    let (h, m, sec) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    if hms.next().is_some()
        || !(1..=31).contains(&day)
        || !(1970..=9999).contains(&year)
        || h > 23
        || m > 59
        || sec > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date, year ≥ 1970 (H. Hinnant's algorithm).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn secs_for_hint(ms: u64) -> u64 {
    ms.div_ceil(1000).clamp(1, MAX_RETRY_AFTER_SECS)
}

/// A call that did not get a usable answer within the retry budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryError {
    /// Still 429 (or 503/504 for an idempotent request) when the budget ran out, or Graph asked
    /// for a longer wait than the budget allows.
    Throttled {
        /// The last response, `Retry-After` rewritten to `retry_after_secs`.
        response: HttpResponse,
        /// When to try again (Graph's `Retry-After`, else the next backoff), at least 1.
        retry_after_secs: u64,
        /// Sends made.
        attempts: u32,
    },
    /// No HTTP response: not retried (the request is not idempotent), or still failing.
    Transport {
        error: TransportError,
        attempts: u32,
    },
}

impl RetryError {
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Throttled {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Self::Transport { .. } => None,
        }
    }

    pub fn attempts(&self) -> u32 {
        match self {
            Self::Throttled { attempts, .. } | Self::Transport { attempts, .. } => *attempts,
        }
    }

    /// The Graph error a tool reports: for [`RetryError::Throttled`] its `retry_after` is
    /// `retry_after_secs`, so [`GraphError::tool_message`] says "try again in N seconds".
    pub fn to_graph_error(&self) -> GraphError {
        match self {
            Self::Throttled { response, .. } => GraphError::from_http(response),
            Self::Transport { error, .. } => GraphError::transport(error),
        }
    }

    /// What [`GraphClient::send`] returns for this outcome.
    pub fn into_send_result(self) -> Result<HttpResponse, TransportError> {
        match self {
            Self::Throttled { response, .. } => Ok(response),
            Self::Transport { error, .. } => Err(error),
        }
    }
}

impl std::fmt::Display for RetryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Throttled {
                response,
                retry_after_secs,
                attempts,
            } => write!(
                f,
                "HTTP {} after {attempts} attempt(s); retry after {retry_after_secs} s",
                response.status
            ),
            Self::Transport { error, attempts } => {
                write!(
                    f,
                    "transport error after {attempts} attempt(s): {}",
                    error.message
                )
            }
        }
    }
}

/// Counters over a client's lifetime (for logs and the round-trip benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryStats {
    /// HTTP requests sent.
    pub sends: u32,
    /// Waits before a retry.
    pub retries: u32,
    /// Milliseconds waited in all.
    pub waited_ms: u64,
    /// Calls that ended with [`RetryError`] or with inner `$batch` failures left unretried.
    pub gave_up: u32,
}

#[derive(Debug, Default)]
struct Budget {
    attempts: u32,
    waited_ms: u64,
}

/// The [`GraphClient`] tools use: retries and the per-mailbox concurrency limit around the
/// shell's client `C` (see the module docs for the rules).
pub struct RetryingClient<C, S, R> {
    inner: C,
    sleeper: S,
    jitter: R,
    limiter: ConcurrencyLimiter,
    policy: RetryPolicy,
    stats: Cell<RetryStats>,
}

impl<C, S, R> std::fmt::Debug for RetryingClient<C, S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryingClient")
            .field("limiter", &self.limiter)
            .field("policy", &self.policy)
            .field("stats", &self.stats.get())
            .finish_non_exhaustive()
    }
}

impl<C: GraphClient, S: Sleeper, R: Jitter> RetryingClient<C, S, R> {
    /// With [`RetryPolicy::DEFAULT`] and a limiter of its own (limits only this client's calls;
    /// share one with [`RetryingClient::with_limiter`]).
    pub fn new(inner: C, sleeper: S, jitter: R) -> Self {
        Self {
            inner,
            sleeper,
            jitter,
            limiter: ConcurrencyLimiter::new(MAILBOX_CONCURRENCY),
            policy: RetryPolicy::DEFAULT,
            stats: Cell::new(RetryStats::default()),
        }
    }

    /// Uses `limiter` (a clone of the user's, see the module docs).
    pub fn with_limiter(mut self, limiter: ConcurrencyLimiter) -> Self {
        self.limiter = limiter;
        self
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn limiter(&self) -> &ConcurrencyLimiter {
        &self.limiter
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub fn stats(&self) -> RetryStats {
        self.stats.get()
    }

    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Sends `request` under the policy. `Ok` is Graph's answer (which may still be an error
    /// status that is not retried, e.g. 404 or a 503 to a `sendMail`).
    pub async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, RetryError> {
        let mut budget = Budget::default();
        let outcome = if request.method.eq_ignore_ascii_case("POST") && is_batch_url(&request.url) {
            self.execute_batch(request, &mut budget).await
        } else {
            let idempotent = is_idempotent(&request);
            self.send_with_retries(&request, idempotent, 1, &mut budget)
                .await
        };
        if outcome.is_err() {
            self.bump(|s| s.gave_up += 1);
        }
        outcome
    }

    /// Whole-request retries of `request`.
    async fn send_with_retries(
        &self,
        request: &HttpRequest,
        idempotent: bool,
        weight: usize,
        budget: &mut Budget,
    ) -> Result<HttpResponse, RetryError> {
        loop {
            budget.attempts += 1;
            let wait = match self.send_once(request.clone(), weight).await {
                Ok(response) => {
                    if !retryable_status(response.status, idempotent) {
                        return Ok(response);
                    }
                    let asked = response
                        .header("retry-after")
                        .and_then(|v| retry_after_ms(v, response.header("date")));
                    match self.next_wait(budget, asked) {
                        Ok(ms) => ms,
                        Err(hint_ms) => {
                            let secs = secs_for_hint(hint_ms);
                            let mut response = response;
                            set_header(&mut response.headers, "Retry-After", &secs.to_string());
                            return Err(RetryError::Throttled {
                                response,
                                retry_after_secs: secs,
                                attempts: budget.attempts,
                            });
                        }
                    }
                }
                Err(error) => {
                    let give_up = RetryError::Transport {
                        error,
                        attempts: budget.attempts,
                    };
                    if !idempotent {
                        return Err(give_up);
                    }
                    match self.next_wait(budget, None) {
                        Ok(ms) => ms,
                        Err(_) => return Err(give_up),
                    }
                }
            };
            self.wait(wait, budget).await;
        }
    }

    /// A `$batch`: outer retries, then inner ones for throttled sub-requests.
    async fn execute_batch(
        &self,
        request: HttpRequest,
        budget: &mut Budget,
    ) -> Result<HttpResponse, RetryError> {
        let Some(batch) = request
            .body
            .as_deref()
            .and_then(|b| Batch::parse_body(b).ok())
        else {
            // Not a body we can read: send it as it is, without assuming it is safe to repeat.
            return self.send_with_retries(&request, false, 1, budget).await;
        };
        let first = self
            .send_with_retries(
                &request,
                batch_is_idempotent(&batch),
                self.batch_weight(&batch),
                budget,
            )
            .await?;
        if !(200..300).contains(&first.status) {
            return Ok(first);
        }
        let Ok(mut reply) = BatchReply::parse(&first) else {
            return Ok(first);
        };
        let date = first.header("date");
        loop {
            let Some(plan) = plan_retry(&batch, &reply, sub_request_retryable) else {
                return Ok(reply.to_http(&first));
            };
            let asked = plan
                .ids
                .iter()
                .filter_map(|id| reply.get(id))
                .filter_map(|r| r.header("retry-after"))
                .filter_map(|v| retry_after_ms(v, date))
                .max();
            let wait = match self.next_wait(budget, asked) {
                Ok(ms) => ms,
                Err(hint_ms) => {
                    reply.set_retry_after(&plan.ids, secs_for_hint(hint_ms));
                    self.bump(|s| s.gave_up += 1);
                    return Ok(reply.to_http(&first));
                }
            };
            self.wait(wait, budget).await;
            let again = HttpRequest {
                body: Some(plan.batch.to_body()),
                ..request.clone()
            };
            let outcome = self
                .send_with_retries(
                    &again,
                    batch_is_idempotent(&plan.batch),
                    self.batch_weight(&plan.batch),
                    budget,
                )
                .await;
            match outcome {
                Ok(response) if (200..300).contains(&response.status) => {
                    match BatchReply::parse(&response) {
                        Ok(newer) => reply.merge(newer),
                        Err(_) => return Ok(self.gave_up_inner(&reply, &first)),
                    }
                }
                // The smaller batch failed as a whole: keep the earlier per-id answers.
                Ok(_) | Err(RetryError::Transport { .. }) => {
                    return Ok(self.gave_up_inner(&reply, &first));
                }
                Err(RetryError::Throttled {
                    retry_after_secs, ..
                }) => {
                    reply.set_retry_after(&plan.ids, retry_after_secs);
                    return Ok(self.gave_up_inner(&reply, &first));
                }
            }
        }
    }

    fn gave_up_inner(&self, reply: &BatchReply, outer: &HttpResponse) -> HttpResponse {
        self.bump(|s| s.gave_up += 1);
        reply.to_http(outer)
    }

    /// Permits a `$batch` holds: one per sub-request Graph may run at once.
    fn batch_weight(&self, batch: &Batch) -> usize {
        batch.parallelism().min(self.limiter.limit())
    }

    /// The wait before the next attempt, or `Err(hint)` when the budget does not allow it
    /// (`hint`: how long the caller should wait before trying again).
    fn next_wait(&self, budget: &Budget, asked_ms: Option<u64>) -> Result<u64, u64> {
        let wait =
            asked_ms.unwrap_or_else(|| self.policy.backoff_ms(budget.attempts, self.jitter.next()));
        let allowed = budget.attempts < self.policy.max_attempts
            && wait <= self.policy.max_single_wait_ms
            && budget.waited_ms.saturating_add(wait) <= self.policy.total_wait_budget_ms;
        if allowed {
            Ok(wait)
        } else {
            Err(wait)
        }
    }

    async fn send_once(
        &self,
        request: HttpRequest,
        weight: usize,
    ) -> Result<HttpResponse, TransportError> {
        let _permit = self.limiter.acquire_many(weight).await;
        self.bump(|s| s.sends += 1);
        self.inner.send(request).await
    }

    async fn wait(&self, ms: u64, budget: &mut Budget) {
        budget.waited_ms += ms;
        self.bump(|s| {
            s.retries += 1;
            s.waited_ms += ms;
        });
        self.sleeper.sleep(ms).await;
    }

    fn bump(&self, f: impl FnOnce(&mut RetryStats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }
}

fn sub_request_retryable(request: &SubRequest, response: &SubResponse) -> bool {
    retryable_status(
        response.status,
        method_is_idempotent(&request.method, &request.url),
    )
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_owned(), value.to_owned()));
}

impl<C: GraphClient, S: Sleeper, R: Jitter> GraphClient for RetryingClient<C, S, R> {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            self.execute(request)
                .await
                .or_else(RetryError::into_send_result)
        })
    }
}

// === the concurrency limiter ===

/// A counting semaphore for one isolate thread: `Rc<RefCell<…>>` state and a FIFO queue of
/// wakers, no runtime, no `Send`. Clones share the permits. Fair: a caller never overtakes one
/// already waiting. A dropped [`Acquire`] leaves the queue; a dropped [`Permit`] wakes the next
/// waiter.
#[derive(Clone)]
pub struct ConcurrencyLimiter {
    state: Rc<RefCell<LimiterState>>,
}

#[derive(Debug)]
struct LimiterState {
    limit: usize,
    in_use: usize,
    next_id: u64,
    queue: VecDeque<Waiter>,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    permits: usize,
    waker: Waker,
}

impl LimiterState {
    /// The waker of the first waiter, if it could now be served.
    fn front_if_ready(&self) -> Option<Waker> {
        self.queue
            .front()
            .filter(|w| self.limit - self.in_use >= w.permits)
            .map(|w| w.waker.clone())
    }
}

impl std::fmt::Debug for ConcurrencyLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("ConcurrencyLimiter")
            .field("limit", &st.limit)
            .field("in_use", &st.in_use)
            .field("waiting", &st.queue.len())
            .finish()
    }
}

impl Default for ConcurrencyLimiter {
    fn default() -> Self {
        Self::new(MAILBOX_CONCURRENCY)
    }
}

impl ConcurrencyLimiter {
    /// `limit` permits (at least 1).
    pub fn new(limit: usize) -> Self {
        Self {
            state: Rc::new(RefCell::new(LimiterState {
                limit: limit.max(1),
                in_use: 0,
                next_id: 0,
                queue: VecDeque::new(),
            })),
        }
    }

    /// One permit.
    pub fn acquire(&self) -> Acquire {
        self.acquire_many(1)
    }

    /// `n` permits at once (clamped to `1..=limit`, so it can always be granted eventually).
    pub fn acquire_many(&self, n: usize) -> Acquire {
        Acquire {
            state: self.state.clone(),
            permits: n.clamp(1, self.limit()),
            id: None,
        }
    }

    pub fn limit(&self) -> usize {
        self.state.borrow().limit
    }

    /// Permits held right now.
    pub fn in_flight(&self) -> usize {
        self.state.borrow().in_use
    }

    /// Callers queued for permits.
    pub fn waiting(&self) -> usize {
        self.state.borrow().queue.len()
    }
}

/// The future of [`ConcurrencyLimiter::acquire`].
pub struct Acquire {
    state: Rc<RefCell<LimiterState>>,
    permits: usize,
    /// Our place in the queue, once queued.
    id: Option<u64>,
}

impl std::fmt::Debug for Acquire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.permits)
            .field("queued", &self.id.is_some())
            .finish()
    }
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let this = &mut *self;
        let mut wake_next = None;
        let granted = {
            let mut st = this.state.borrow_mut();
            let free = st.limit - st.in_use;
            match this.id {
                None if st.queue.is_empty() && free >= this.permits => {
                    st.in_use += this.permits;
                    true
                }
                None => {
                    let id = st.next_id;
                    st.next_id += 1;
                    st.queue.push_back(Waiter {
                        id,
                        permits: this.permits,
                        waker: cx.waker().clone(),
                    });
                    this.id = Some(id);
                    false
                }
                Some(id) => {
                    let at_front = st.queue.front().is_some_and(|w| w.id == id);
                    if at_front && free >= this.permits {
                        st.queue.pop_front();
                        st.in_use += this.permits;
                        this.id = None;
                        // Permits may remain for the next in line.
                        wake_next = st.front_if_ready();
                        true
                    } else {
                        if let Some(w) = st.queue.iter_mut().find(|w| w.id == id) {
                            if !w.waker.will_wake(cx.waker()) {
                                w.waker.clone_from(cx.waker());
                            }
                        }
                        false
                    }
                }
            }
        };
        // Wake outside the borrow: a waker may poll synchronously.
        if let Some(w) = wake_next {
            w.wake();
        }
        if granted {
            Poll::Ready(Permit {
                state: this.state.clone(),
                permits: this.permits,
            })
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        let Some(id) = self.id else {
            return;
        };
        let wake = {
            let mut st = self.state.borrow_mut();
            st.queue.retain(|w| w.id != id);
            st.front_if_ready()
        };
        if let Some(w) = wake {
            w.wake();
        }
    }
}

/// Held permits; dropping it returns them and wakes the next waiter.
pub struct Permit {
    state: Rc<RefCell<LimiterState>>,
    permits: usize,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let wake = {
            let mut st = self.state.borrow_mut();
            st.in_use = st.in_use.saturating_sub(self.permits);
            st.front_if_ready()
        };
        if let Some(w) = wake {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_in_all_three_forms() {
        let t = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110 §5.6.7)
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Wed, 29 Feb 2028 23:59:59 GMT"),
            Some(1_835_481_599)
        );
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_after_values() {
        let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(retry_after_ms("7", None), Some(7000));
        assert_eq!(retry_after_ms(" 0 ", None), Some(0));
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:44 GMT", date),
            Some(7000)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:00 GMT", date),
            Some(0),
            "a date in the past means now"
        );
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:44 GMT", None), None);
        assert_eq!(retry_after_ms("-1", None), None);
        assert_eq!(retry_after_ms("1.5", None), None);
        assert_eq!(
            retry_after_ms("99999999999999999999999", None),
            Some(u64::MAX)
        );
    }

    #[test]
    fn backoff_is_equal_jitter_and_capped() {
        let p = RetryPolicy::DEFAULT;
        assert_eq!(p.backoff_ms(1, 0.0), 250);
        assert_eq!(p.backoff_ms(1, 1.0), 500);
        assert_eq!(p.backoff_ms(2, 0.5), 750);
        assert_eq!(p.backoff_ms(3, 0.0), 1000);
        assert_eq!(p.backoff_ms(30, 1.0), MAX_BACKOFF_MS);
        assert_eq!(p.backoff_ms(u32::MAX, f64::NAN), MAX_BACKOFF_MS / 2);
        assert_eq!(p.backoff_ms(1, 7.0), 500, "clamped");
    }

    #[test]
    fn idempotency_rules() {
        let req = |method: &'static str, url: &str, body: Option<&str>| HttpRequest {
            method,
            url: url.to_owned(),
            headers: vec![],
            body: body.map(|b| b.as_bytes().to_vec()),
        };
        let g = "https://graph.microsoft.com/v1.0";
        assert!(is_idempotent(&req(
            "GET",
            &format!("{g}/me/messages"),
            None
        )));
        assert!(is_idempotent(&req(
            "DELETE",
            &format!("{g}/me/messages/x"),
            None
        )));
        assert!(is_idempotent(&req("PUT", &format!("{g}/x/content"), None)));
        assert!(!is_idempotent(&req(
            "PATCH",
            &format!("{g}/me/messages/x"),
            None
        )));
        assert!(!is_idempotent(&req(
            "POST",
            &format!("{g}/me/sendMail"),
            None
        )));
        assert!(!is_idempotent(&req(
            "POST",
            &format!("{g}/me/messages/x/reply"),
            None
        )));
        assert!(is_idempotent(&req(
            "POST",
            &format!("{g}/me/getMailTips"),
            None
        )));
        assert!(is_idempotent(&req(
            "POST",
            &format!("{g}/search/query"),
            None
        )));
        assert!(is_idempotent(&req(
            "POST",
            &format!("{g}/$batch"),
            Some(
                r#"{"requests":[{"id":"1","method":"GET","url":"/me"},{"id":"2","method":"POST","url":"/me/calendar/getSchedule","headers":{"Content-Type":"application/json"},"body":{}}]}"#
            )
        )));
        assert!(!is_idempotent(&req(
            "POST",
            &format!("{g}/$batch"),
            Some(
                r#"{"requests":[{"id":"1","method":"GET","url":"/me"},{"id":"2","method":"POST","url":"/me/sendMail","headers":{"Content-Type":"application/json"},"body":{}}]}"#
            )
        )));
        assert!(!is_idempotent(&req(
            "POST",
            &format!("{g}/$batch"),
            Some("junk")
        )));
        assert!(!is_idempotent(&req(
            "POST",
            &format!("{g}/$batch"),
            Some(r#"{"requests":[]}"#)
        )));
    }
}
