//! The Graph client policy driven without a network: retries and budgets (`graph::policy`), the
//! per-mailbox concurrency limit under concurrent futures, paging and cursors (`graph::paging`),
//! and `$batch` building, parsing and inner retries (`graph::batch`). Fakes: a scripted Graph
//! client that records every request, a sleeper that records every wait, a fixed jitter, and a
//! tiny single-threaded executor that runs many futures the way a Durable Object does.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use m365_core::graph::batch::{
    plan_retry, Batch, BatchError, BatchReply, SubRequest, MAX_BATCH_REQUESTS,
};
use m365_core::graph::paging::{self, Cursor, CursorError, PageLimits};
use m365_core::graph::policy::{
    ConcurrencyLimiter, FixedJitter, RetryError, RetryPolicy, RetryingClient, Sleeper,
    MAILBOX_CONCURRENCY, MAX_ATTEMPTS,
};
use m365_core::graph::{
    GraphClient, GraphError, GraphPath, GraphRequest, HttpRequest, HttpResponse, LocalBoxFuture,
    TransportError,
};
use m365_core::mcp::server::NullSink;
use m365_core::mcp::tool::ToolContext;
use serde_json::{json, Value};

const BASE: &str = "https://graph.test/v1.0";

// === executors ===

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future did not complete");
}

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

type Task<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Many futures on one thread, each polled only when woken (like tool calls in one isolate).
#[derive(Default)]
struct Executor<'a> {
    tasks: Vec<(Arc<Flag>, Option<Task<'a>>)>,
}

impl<'a> Executor<'a> {
    fn spawn(&mut self, f: impl Future<Output = ()> + 'a) {
        self.tasks
            .push((Arc::new(Flag(AtomicBool::new(true))), Some(Box::pin(f))));
    }

    /// Polls woken tasks until none is woken.
    fn run_until_stalled(&mut self) {
        loop {
            let mut progressed = false;
            for (flag, slot) in &mut self.tasks {
                let Some(task) = slot else { continue };
                if !flag.0.swap(false, Ordering::SeqCst) {
                    continue;
                }
                progressed = true;
                let waker = Waker::from(flag.clone());
                if task
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_ready()
                {
                    *slot = None;
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn unfinished(&self) -> usize {
        self.tasks.iter().filter(|(_, t)| t.is_some()).count()
    }
}

// === fakes ===

fn response(status: u16, headers: &[(&str, &str)], body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        },
    }
}

fn ok(body: Value) -> Result<HttpResponse, TransportError> {
    Ok(response(200, &[("Content-Type", "application/json")], body))
}

fn throttled(retry_after: &str) -> Result<HttpResponse, TransportError> {
    Ok(response(
        429,
        &[("Retry-After", retry_after)],
        json!({"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}),
    ))
}

fn status(code: u16) -> Result<HttpResponse, TransportError> {
    Ok(response(
        code,
        &[],
        json!({"error":{"code":"ServiceNotAvailable","message":"Try later."}}),
    ))
}

fn network() -> Result<HttpResponse, TransportError> {
    Err(TransportError::new("connection reset"))
}

/// Graph answering from a script, recording what was sent.
#[derive(Default)]
struct Script {
    replies: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    seen: RefCell<Vec<HttpRequest>>,
}

impl Script {
    fn new(replies: Vec<Result<HttpResponse, TransportError>>) -> Rc<Self> {
        Rc::new(Self {
            replies: RefCell::new(replies.into()),
            seen: RefCell::default(),
        })
    }

    fn client(self: &Rc<Self>) -> impl Fn(HttpRequest) -> Result<HttpResponse, TransportError> {
        let me = self.clone();
        move |r| {
            me.seen.borrow_mut().push(r);
            me.replies
                .borrow_mut()
                .pop_front()
                .expect("a scripted reply for every request")
        }
    }

    fn sent(&self) -> usize {
        self.seen.borrow().len()
    }

    fn body(&self, i: usize) -> Value {
        serde_json::from_slice(self.seen.borrow()[i].body.as_deref().unwrap_or_default()).unwrap()
    }
}

/// Records every wait and returns at once.
#[derive(Default)]
struct RecordingSleeper {
    sleeps: RefCell<Vec<u64>>,
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        self.sleeps.borrow_mut().push(ms);
        Box::pin(std::future::ready(()))
    }
}

impl RecordingSleeper {
    fn sleeps(&self) -> Vec<u64> {
        self.sleeps.borrow().clone()
    }
}

/// A sleeper whose waits end only when the test says so.
#[derive(Default)]
struct ManualSleeper {
    sleeps: RefCell<Vec<u64>>,
    fired: Rc<Cell<bool>>,
    wakers: RefCell<Vec<Waker>>,
}

impl ManualSleeper {
    fn fire(&self) {
        self.fired.set(true);
        for w in self.wakers.borrow_mut().drain(..) {
            w.wake();
        }
    }
}

impl Sleeper for ManualSleeper {
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        self.sleeps.borrow_mut().push(ms);
        Box::pin(poll_fn(move |cx| {
            if self.fired.get() {
                Poll::Ready(())
            } else {
                self.wakers.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
        }))
    }
}

/// Graph where every request stays in flight until the test answers it.
#[derive(Default)]
struct Gate {
    in_flight: Cell<usize>,
    max_in_flight: Cell<usize>,
    started: RefCell<Vec<String>>,
    waiting: RefCell<VecDeque<Rc<Slot>>>,
}

#[derive(Default)]
struct Slot {
    reply: RefCell<Option<HttpResponse>>,
    waker: RefCell<Option<Waker>>,
}

impl Gate {
    /// Answers the oldest request in flight with `reply`.
    fn answer_one(&self, reply: HttpResponse) -> bool {
        let Some(slot) = self.waiting.borrow_mut().pop_front() else {
            return false;
        };
        *slot.reply.borrow_mut() = Some(reply);
        if let Some(w) = slot.waker.borrow_mut().take() {
            w.wake();
        }
        true
    }
}

struct GatedGraph<'a>(&'a Gate);

impl GraphClient for GatedGraph<'_> {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        let gate = self.0;
        Box::pin(async move {
            gate.in_flight.set(gate.in_flight.get() + 1);
            gate.max_in_flight
                .set(gate.max_in_flight.get().max(gate.in_flight.get()));
            gate.started.borrow_mut().push(request.url.clone());
            let slot = Rc::new(Slot::default());
            gate.waiting.borrow_mut().push_back(slot.clone());
            let reply = poll_fn(|cx| match slot.reply.borrow_mut().take() {
                Some(r) => Poll::Ready(r),
                None => {
                    *slot.waker.borrow_mut() = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
            .await;
            gate.in_flight.set(gate.in_flight.get() - 1);
            Ok(reply)
        })
    }
}

fn get(path: &'static str) -> HttpRequest {
    GraphRequest::get(GraphPath::me().segment(path))
        .select(&["id"])
        .to_http(BASE)
}

fn send_mail() -> HttpRequest {
    GraphRequest::post(
        GraphPath::me().segment("sendMail"),
        json!({"message":{"subject":"hi"}}),
    )
    .to_http(BASE)
}

// === retries ===

#[test]
fn throttled_get_waits_retry_after_then_succeeds() {
    let script = Script::new(vec![throttled("3"), ok(json!({"id":"me"}))]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let r = block_on(client.execute(get("messages"))).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(sleeper.sleeps(), [3000]);
    assert_eq!(script.sent(), 2);
    let seen = script.seen.borrow();
    assert_eq!(seen[0], seen[1], "the same request is sent again");
    let stats = client.stats();
    assert_eq!(
        (stats.sends, stats.retries, stats.waited_ms, stats.gave_up),
        (2, 1, 3000, 0)
    );
}

#[test]
fn throttled_send_mail_is_retried_because_graph_did_not_run_it() {
    let script = Script::new(vec![throttled("1"), Ok(response(202, &[], Value::Null))]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.0));
    assert_eq!(block_on(client.execute(send_mail())).unwrap().status, 202);
    assert_eq!(sleeper.sleeps(), [1000]);
}

#[test]
fn exhausted_budget_is_a_typed_throttled_outcome() {
    // 8 s + 8 s fit in the 20 s budget; a third 8 s wait does not.
    let script = Script::new(vec![throttled("8"), throttled("8"), throttled("8")]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let err = block_on(client.execute(get("messages"))).unwrap_err();
    assert_eq!(sleeper.sleeps(), [8000, 8000]);
    assert_eq!(err.retry_after_secs(), Some(8));
    assert_eq!(err.attempts(), 3);
    let RetryError::Throttled { response, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(response.status, 429);
    assert_eq!(response.header("retry-after"), Some("8"));
    let g = err.to_graph_error();
    assert_eq!((g.status, g.retry_after), (429, Some(8)));
    assert_eq!(g.code, "ApplicationThrottled");
    let msg = g.tool_message(&[]);
    assert!(msg.contains("throttling"), "{msg}");
    assert!(msg.contains("Try again in 8 seconds."), "{msg}");
    assert_eq!(client.stats().gave_up, 1);
}

#[test]
fn a_retry_after_beyond_the_budget_is_not_waited_at_all() {
    let script = Script::new(vec![throttled("120")]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let err = block_on(client.execute(get("messages"))).unwrap_err();
    assert!(sleeper.sleeps().is_empty());
    assert_eq!((err.retry_after_secs(), err.attempts()), (Some(120), 1));
}

#[test]
fn attempts_are_capped_even_with_short_waits() {
    let script = Script::new(vec![throttled("0"); 4]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let err = block_on(client.execute(get("messages"))).unwrap_err();
    assert_eq!(script.sent(), MAX_ATTEMPTS as usize);
    assert_eq!(sleeper.sleeps(), [0, 0, 0]);
    assert_eq!(err.retry_after_secs(), Some(1), "never 'try again in 0 s'");
}

#[test]
fn the_tool_layer_reads_the_outcome_through_the_graph_client_trait() {
    let script = Script::new(vec![throttled("30")]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let sink = NullSink;
    let cx = ToolContext::new(&client, BASE, &sink);
    let req = GraphRequest::get(GraphPath::me()).select(&["id"]);
    let err = block_on(cx.send(&req)).unwrap_err();
    assert_eq!(err.retry_after, Some(30));
    assert!(cx
        .graph_error(&err)
        .message
        .contains("Try again in 30 seconds."));
}

#[test]
fn unavailable_get_is_retried_with_jittered_backoff() {
    let script = Script::new(vec![status(503), status(504), ok(json!({}))]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    assert_eq!(
        block_on(client.execute(get("messages"))).unwrap().status,
        200
    );
    // Equal jitter: retry n waits ceiling/2 + jitter·ceiling/2, ceiling = 500 ms · 2ⁿ⁻¹.
    assert_eq!(sleeper.sleeps(), [375, 750]);
}

#[test]
fn unavailable_with_retry_after_waits_that_long() {
    let script = Script::new(vec![
        Ok(response(503, &[("Retry-After", "2")], Value::Null)),
        ok(json!({})),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    block_on(client.execute(get("messages"))).unwrap();
    assert_eq!(sleeper.sleeps(), [2000]);
}

#[test]
fn unavailable_send_mail_is_not_retried() {
    for code in [503, 504] {
        let script = Script::new(vec![status(code)]);
        let sleeper = RecordingSleeper::default();
        let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
        let r = block_on(client.execute(send_mail())).unwrap();
        assert_eq!(r.status, code, "Graph's answer is returned as it is");
        assert_eq!(script.sent(), 1);
        assert!(sleeper.sleeps().is_empty());
    }
}

#[test]
fn only_idempotent_writes_are_retried_after_a_gateway_timeout() {
    let delete = GraphRequest::delete(GraphPath::me().segment("messages").id("AA/b=").unwrap())
        .to_http(BASE);
    let script = Script::new(vec![status(504), Ok(response(204, &[], Value::Null))]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.0));
    assert_eq!(block_on(client.execute(delete)).unwrap().status, 204);
    assert_eq!(sleeper.sleeps(), [250]);

    let patch = GraphRequest::patch(
        GraphPath::me().segment("messages").id("x").unwrap(),
        json!({"isRead": true}),
    )
    .to_http(BASE);
    let create_reply = GraphRequest::post(
        GraphPath::me()
            .segment("messages")
            .id("x")
            .unwrap()
            .segment("createReply"),
        json!({}),
    )
    .to_http(BASE);
    for req in [patch, create_reply] {
        let script = Script::new(vec![status(504)]);
        let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.0));
        assert_eq!(block_on(client.execute(req)).unwrap().status, 504);
        assert_eq!(script.sent(), 1);
    }
}

#[test]
fn other_errors_are_returned_at_once() {
    for code in [400, 401, 403, 404, 409, 500, 502] {
        let script = Script::new(vec![status(code)]);
        let sleeper = RecordingSleeper::default();
        let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
        assert_eq!(
            block_on(client.execute(get("messages"))).unwrap().status,
            code
        );
        assert_eq!(script.sent(), 1, "{code}");
    }
}

#[test]
fn transport_errors_are_retried_for_reads_only() {
    let script = Script::new(vec![network(), ok(json!({}))]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(1.0));
    assert_eq!(
        block_on(client.execute(get("messages"))).unwrap().status,
        200
    );
    assert_eq!(sleeper.sleeps(), [500]);

    let script = Script::new(vec![network()]);
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(1.0));
    let err = block_on(client.execute(send_mail())).unwrap_err();
    assert!(
        matches!(err, RetryError::Transport { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        script.sent(),
        1,
        "a send that may have happened is never repeated"
    );
    let script = Script::new(vec![network()]);
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(1.0));
    assert_eq!(
        block_on(client.send(send_mail())),
        Err(TransportError::new("connection reset"))
    );
}

#[test]
fn transport_errors_give_up_after_max_attempts() {
    let script = Script::new(vec![network(); 4]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.0));
    let err = block_on(client.execute(get("messages"))).unwrap_err();
    assert!(
        matches!(err, RetryError::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(sleeper.sleeps(), [250, 500, 1000]);
    assert_eq!(err.to_graph_error().status, 0);
}

#[test]
fn http_date_retry_after_is_measured_against_the_date_header() {
    let script = Script::new(vec![
        Ok(response(
            429,
            &[
                ("Date", "Wed, 21 Oct 2015 07:28:00 GMT"),
                ("Retry-After", "Wed, 21 Oct 2015 07:28:07 GMT"),
            ],
            Value::Null,
        )),
        ok(json!({})),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    block_on(client.execute(get("messages"))).unwrap();
    assert_eq!(sleeper.sleeps(), [7000]);

    // Beyond the budget: give up with the date turned into seconds the tool layer can read.
    let script = Script::new(vec![Ok(response(
        429,
        &[
            ("Date", "Wed, 21 Oct 2015 07:28:00 GMT"),
            ("Retry-After", "Wed, 21 Oct 2015 07:29:00 GMT"),
        ],
        Value::Null,
    ))]);
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let r = block_on(client.send(get("messages"))).unwrap();
    assert_eq!(r.header("retry-after"), Some("60"));
    assert_eq!(GraphError::from_http(&r).retry_after, Some(60));

    // No Date header to measure against: fall back to backoff.
    let script = Script::new(vec![
        Ok(response(
            429,
            &[("Retry-After", "Wed, 21 Oct 2015 07:28:07 GMT")],
            Value::Null,
        )),
        ok(json!({})),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.0));
    block_on(client.execute(get("messages"))).unwrap();
    assert_eq!(sleeper.sleeps(), [250]);
}

#[test]
fn a_custom_policy_is_honoured() {
    let script = Script::new(vec![throttled("1"), throttled("1")]);
    let sleeper = RecordingSleeper::default();
    let client =
        RetryingClient::new(script.client(), &sleeper, FixedJitter(0.0)).with_policy(RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::DEFAULT
        });
    let err = block_on(client.execute(get("messages"))).unwrap_err();
    assert_eq!((err.attempts(), script.sent()), (2, 2));
}

// === concurrency ===

#[test]
fn ten_concurrent_requests_keep_at_most_four_in_flight() {
    let gate = Gate::default();
    let limiter = ConcurrencyLimiter::new(MAILBOX_CONCURRENCY);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(GatedGraph(&gate), &sleeper, FixedJitter(0.5))
        .with_limiter(limiter.clone());
    let done = Cell::new(0);
    let mut ex = Executor::default();
    for i in 0..10 {
        let (client, done) = (&client, &done);
        ex.spawn(async move {
            let url = format!("{BASE}/me/messages/{i}");
            let req = HttpRequest {
                method: "GET",
                url,
                headers: vec![],
                body: None,
            };
            assert_eq!(client.send(req).await.unwrap().status, 200);
            done.set(done.get() + 1);
        });
    }
    ex.run_until_stalled();
    assert_eq!(gate.in_flight.get(), 4);
    assert_eq!((limiter.in_flight(), limiter.waiting()), (4, 6));
    while gate.answer_one(response(200, &[], json!({}))) {
        ex.run_until_stalled();
        assert!(gate.in_flight.get() <= 4);
    }
    assert_eq!(done.get(), 10);
    assert_eq!(ex.unfinished(), 0);
    assert_eq!(gate.max_in_flight.get(), 4);
    assert_eq!((limiter.in_flight(), limiter.waiting()), (0, 0));
    let started = gate.started.borrow();
    let order: Vec<&str> = started
        .iter()
        .map(|u| u.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        order,
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "FIFO"
    );
}

#[test]
fn concurrent_tool_calls_of_one_user_share_the_limit() {
    // Two tool calls, each with its own client, sharing the user's limiter (as in the DO).
    let gate = Gate::default();
    let limiter = ConcurrencyLimiter::default();
    let sleeper = RecordingSleeper::default();
    let a = RetryingClient::new(GatedGraph(&gate), &sleeper, FixedJitter(0.5))
        .with_limiter(limiter.clone());
    let b = RetryingClient::new(GatedGraph(&gate), &sleeper, FixedJitter(0.5))
        .with_limiter(limiter.clone());
    let mut ex = Executor::default();
    for i in 0..6 {
        let client = if i % 2 == 0 { &a } else { &b };
        ex.spawn(async move {
            client.send(get("messages")).await.unwrap();
        });
    }
    ex.run_until_stalled();
    assert_eq!(gate.in_flight.get(), 4);
    while gate.answer_one(response(200, &[], json!({}))) {
        ex.run_until_stalled();
    }
    assert_eq!(ex.unfinished(), 0);
    assert_eq!(gate.max_in_flight.get(), 4);
}

#[test]
fn a_batch_holds_one_permit_per_parallel_sub_request() {
    let gate = Gate::default();
    let limiter = ConcurrencyLimiter::default();
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(GatedGraph(&gate), &sleeper, FixedJitter(0.5))
        .with_limiter(limiter.clone());
    let batch = Batch::new()
        .add("a", &GraphRequest::get(GraphPath::me()))
        .unwrap()
        .add("b", &GraphRequest::get(GraphPath::me().segment("messages")))
        .unwrap()
        .add("c", &GraphRequest::get(GraphPath::me().segment("events")))
        .unwrap();
    let mut ex = Executor::default();
    let (client_ref, batch_ref) = (&client, &batch);
    ex.spawn(async move {
        client_ref.send(get("messages")).await.unwrap();
    });
    ex.spawn(async move {
        client_ref.send(batch_ref.to_http(BASE)).await.unwrap();
    });
    ex.spawn(async move {
        client_ref.send(get("contacts")).await.unwrap();
    });
    ex.run_until_stalled();
    // 1 + 3 permits: the third request waits although only two requests are on the wire.
    assert_eq!(
        (gate.in_flight.get(), limiter.in_flight(), limiter.waiting()),
        (2, 4, 1)
    );
    assert!(gate.answer_one(response(200, &[], json!({}))));
    ex.run_until_stalled();
    assert_eq!((gate.in_flight.get(), limiter.in_flight()), (2, 4));
    while gate.answer_one(response(200, &[], json!({"responses": []}))) {
        ex.run_until_stalled();
    }
    assert_eq!(ex.unfinished(), 0);
}

#[test]
fn permits_are_not_held_while_waiting_to_retry() {
    let gate = Gate::default();
    let limiter = ConcurrencyLimiter::new(1);
    let sleeper = ManualSleeper::default();
    let client = RetryingClient::new(GatedGraph(&gate), &sleeper, FixedJitter(0.5))
        .with_limiter(limiter.clone());
    let finished = RefCell::new(Vec::new());
    let mut ex = Executor::default();
    for name in ["a", "b"] {
        let (client, finished) = (&client, &finished);
        ex.spawn(async move {
            client.send(get("messages")).await.unwrap();
            finished.borrow_mut().push(name);
        });
    }
    ex.run_until_stalled();
    assert!(gate.answer_one(throttled("5").unwrap()));
    ex.run_until_stalled();
    // `a` sleeps 5 s without its permit; `b` is on the wire meanwhile.
    assert_eq!(*sleeper.sleeps.borrow(), [5000]);
    assert_eq!((gate.in_flight.get(), limiter.in_flight()), (1, 1));
    assert!(gate.answer_one(response(200, &[], json!({}))));
    ex.run_until_stalled();
    assert_eq!(*finished.borrow(), ["b"]);
    sleeper.fire();
    ex.run_until_stalled();
    assert!(gate.answer_one(response(200, &[], json!({}))));
    ex.run_until_stalled();
    assert_eq!(*finished.borrow(), ["b", "a"]);
}

#[test]
fn a_dropped_waiter_leaves_the_queue() {
    let limiter = ConcurrencyLimiter::new(1);
    let held = block_on(limiter.acquire());
    let mut first = Box::pin(limiter.acquire());
    let mut second = Box::pin(limiter.acquire());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(first.as_mut().poll(&mut cx).is_pending());
    assert!(second.as_mut().poll(&mut cx).is_pending());
    assert_eq!(limiter.waiting(), 2);
    drop(first);
    assert_eq!(limiter.waiting(), 1);
    drop(held);
    let permit = match second.as_mut().poll(&mut cx) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("the next waiter gets the permit"),
    };
    assert_eq!((limiter.in_flight(), limiter.waiting()), (1, 0));
    drop(permit);
    assert_eq!(limiter.in_flight(), 0);
    // More permits than the limit are clamped, so this cannot wait forever.
    let all = block_on(limiter.acquire_many(10));
    assert_eq!(limiter.in_flight(), 1);
    drop(all);
}

// === paging ===

fn page(items: &[i64], next: Option<&str>) -> Result<HttpResponse, TransportError> {
    let mut body = json!({"value": items.iter().map(|i| json!({"id": i})).collect::<Vec<_>>()});
    if let Some(n) = next {
        body["@odata.nextLink"] = json!(n);
    }
    ok(body)
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|v| v["id"].as_i64().unwrap()).collect()
}

fn list_request() -> HttpRequest {
    GraphRequest::get(GraphPath::me().segment("messages"))
        .select(&["id", "subject"])
        .query("$top", "3")
        .prefer("outlook.body-content-type=\"text\"")
        .header("ConsistencyLevel", "eventual")
        .to_http(BASE)
}

#[test]
fn paging_follows_next_links_verbatim_and_stops_at_the_page_cap() {
    let link2 = format!("{BASE}/me/messages?%24select=id%2Csubject&%24top=3&%24skip=3");
    let link3 = format!("{BASE}/me/messages?$skiptoken=X%3D%3D&$top=3");
    let link4 = format!("{BASE}/me/messages?$skiptoken=Y");
    let script = Script::new(vec![
        page(&[1, 2, 3], Some(&link2)),
        page(&[4, 5, 6], Some(&link3)),
        page(&[7, 8, 9], Some(&link4)),
    ]);
    let client = script.client();
    let first = list_request();
    let listing = block_on(paging::collect(
        &client,
        first.clone(),
        BASE,
        PageLimits::new(3, 100),
    ))
    .unwrap();
    assert_eq!(ids(&listing.items), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(listing.pages, 3);
    assert_eq!(listing.next, Some(Cursor::new(link4.clone(), 0)));
    let seen = script.seen.borrow();
    assert_eq!(seen[1].url, link2, "verbatim, %24 and all");
    assert_eq!(seen[2].url, link3);
    for r in seen.iter() {
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.headers, first.headers,
            "Prefer and ConsistencyLevel re-sent"
        );
    }
}

#[test]
fn paging_to_the_end_returns_no_cursor_and_keeps_the_delta_link() {
    let link2 = format!("{BASE}/me/mailFolders('inbox')/messages/delta?$skiptoken=a");
    let delta = format!("{BASE}/me/mailFolders('inbox')/messages/delta?$deltatoken=z");
    let script = Script::new(vec![
        page(&[1], Some(&link2)),
        ok(json!({"value":[{"id":2}], "@odata.deltaLink": delta})),
    ]);
    let client = script.client();
    let listing = block_on(paging::collect(
        &client,
        list_request(),
        BASE,
        PageLimits::DEFAULT,
    ))
    .unwrap();
    assert_eq!(ids(&listing.items), [1, 2]);
    assert_eq!(listing.next, None);
    assert_eq!(listing.delta_link.as_deref(), Some(delta.as_str()));
}

#[test]
fn an_item_cap_inside_a_page_resumes_without_loss_or_repeats() {
    let link2 = format!("{BASE}/me/messages?$skip=3");
    let script = Script::new(vec![page(&[1, 2, 3], Some(&link2)), page(&[4, 5, 6], None)]);
    let client = script.client();
    let first = list_request();
    let listing = block_on(paging::collect(
        &client,
        first.clone(),
        BASE,
        PageLimits::new(10, 5),
    ))
    .unwrap();
    assert_eq!(ids(&listing.items), [1, 2, 3, 4, 5]);
    let cursor = listing.next.unwrap();
    assert_eq!((cursor.link(), cursor.skip()), (link2.as_str(), 2));

    // The model hands the cursor back on the next call.
    let token = cursor.encode();
    let cursor = Cursor::decode(&token, BASE).unwrap();
    let script = Script::new(vec![page(&[4, 5, 6], None)]);
    let client = script.client();
    let more = block_on(paging::resume(
        &client,
        &first,
        &cursor,
        BASE,
        PageLimits::new(10, 5),
    ))
    .unwrap();
    assert_eq!(ids(&more.items), [6]);
    assert_eq!(more.next, None);
    let seen = script.seen.borrow();
    assert_eq!(seen[0].url, link2);
    assert_eq!(seen[0].headers, first.headers);
}

#[test]
fn cursors_round_trip_and_foreign_urls_are_refused() {
    let c = Cursor::new(format!("{BASE}/me/messages?%24skip=10"), 0);
    assert_eq!(Cursor::decode(&c.encode(), BASE), Ok(c.clone()));
    assert_eq!(
        Cursor::decode(&c.encode(), &format!("{BASE}/")),
        Ok(c),
        "a trailing slash in the configuration does not matter"
    );
    use base64::Engine as _;
    let forge = |link: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(link);
    for foreign in [
        "https://attacker.example/v1.0/me/messages",
        "https://graph.test/v1.0.attacker.example/me",
        "https://graph.test/v1.0@attacker.example/me",
        "https://graph.test/v1.0/../../x",
        "http://169.254.169.254/latest/meta-data",
    ] {
        let err = Cursor::decode(&forge(foreign), BASE).unwrap_err();
        assert_eq!(err, CursorError::ForeignUrl, "{foreign}");
        assert!(err.tool_message().contains("without a cursor"));
    }
    assert_eq!(
        Cursor::decode("not a cursor", BASE),
        Err(CursorError::Malformed)
    );
}

#[test]
fn a_next_link_to_another_host_is_not_followed() {
    let script = Script::new(vec![page(&[1], Some("https://attacker.example/v1.0/me?x"))]);
    let client = script.client();
    let err = block_on(paging::collect(
        &client,
        list_request(),
        BASE,
        PageLimits::DEFAULT,
    ))
    .unwrap_err();
    assert_eq!(err.code, "MalformedResponse");
    assert_eq!(script.sent(), 1);
}

#[test]
fn paging_errors_are_graph_errors() {
    let script = Script::new(vec![status(404)]);
    let client = script.client();
    let err = block_on(paging::collect(
        &client,
        list_request(),
        BASE,
        PageLimits::DEFAULT,
    ))
    .unwrap_err();
    assert_eq!(err.status, 404);
    let script = Script::new(vec![ok(json!({"no":"value"}))]);
    let client = script.client();
    let err = block_on(paging::collect(
        &client,
        list_request(),
        BASE,
        PageLimits::DEFAULT,
    ))
    .unwrap_err();
    assert_eq!(err.code, "MalformedResponse");
}

// === $batch ===

fn batch_reply(items: Vec<Value>) -> Result<HttpResponse, TransportError> {
    ok(json!({ "responses": items }))
}

fn sub_ok(id: &str, body: Value) -> Value {
    json!({"id": id, "status": 200, "headers": {"Content-Type": "application/json"}, "body": body})
}

fn sub_throttled(id: &str, retry_after: &str) -> Value {
    json!({"id": id, "status": 429, "headers": {"Retry-After": retry_after, "Content-Type": "application/json"},
        "body": {"error": {"code": "ApplicationThrottled", "message": "slow down"}}})
}

fn sub_failed_dependency(id: &str) -> Value {
    json!({"id": id, "status": 424, "body": {"error": {"code": "FailedDependency", "message": "dep"}}})
}

fn three_step_batch() -> Batch {
    let folder = GraphRequest::get(GraphPath::me().segment("mailFolders").id("inbox").unwrap())
        .select(&["id"]);
    let list = GraphRequest::get(GraphPath::me().segment("messages"))
        .select(&["id"])
        .prefer("outlook.body-content-type=\"text\"");
    let settings = GraphRequest::get(GraphPath::me().segment("mailboxSettings"));
    Batch::new()
        .add("folder", &folder)
        .unwrap()
        .add_after("list", &list, &["folder"])
        .unwrap()
        .add_after("settings", &settings, &["list"])
        .unwrap()
}

#[test]
fn batch_body_has_ids_depends_on_and_per_request_headers() {
    let draft = GraphRequest::post(GraphPath::me().segment("messages"), json!({"subject":"s"}));
    let batch = three_step_batch()
        .push(SubRequest::from_graph("draft", &draft).depends_on(&["settings"]))
        .unwrap();
    let http = batch.to_http(&format!("{BASE}/"));
    assert_eq!(
        (http.method, http.url.as_str()),
        ("POST", "https://graph.test/v1.0/$batch")
    );
    assert_eq!(http.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(http.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"requests": [
            {"id":"folder","method":"GET","url":"/me/mailFolders/inbox?$select=id",
             "headers":{"Prefer":"IdType=\"ImmutableId\""}},
            {"id":"list","method":"GET","url":"/me/messages?$select=id","dependsOn":["folder"],
             "headers":{"Prefer":"IdType=\"ImmutableId\", outlook.body-content-type=\"text\""}},
            {"id":"settings","method":"GET","url":"/me/mailboxSettings","dependsOn":["list"],
             "headers":{"Prefer":"IdType=\"ImmutableId\""}},
            {"id":"draft","method":"POST","url":"/me/messages","dependsOn":["settings"],
             "headers":{"Prefer":"IdType=\"ImmutableId\"","Content-Type":"application/json"},
             "body":{"subject":"s"}}
        ]})
    );
    // Read back (as the retry layer does); JSON objects do not keep header order.
    let back = Batch::parse_body(&batch.to_body()).unwrap();
    assert_eq!((back.len(), back.to_json()), (batch.len(), batch.to_json()));
    assert_eq!(
        back.get("draft").unwrap().header_value("content-type"),
        Some("application/json")
    );
}

#[test]
fn batch_rules_are_checked_while_building() {
    let me = GraphRequest::get(GraphPath::me());
    let mut full = Batch::new();
    for i in 0..MAX_BATCH_REQUESTS {
        full = full.add(&i.to_string(), &me).unwrap();
    }
    assert_eq!(full.len(), 20);
    assert_eq!(full.parallelism(), 20);
    assert_eq!(full.add("x", &me), Err(BatchError::TooMany));
    let one = Batch::new().add("a", &me).unwrap();
    assert_eq!(
        one.clone().add("a", &me),
        Err(BatchError::DuplicateId("a".into()))
    );
    assert_eq!(
        one.clone().add_after("b", &me, &["zzz"]),
        Err(BatchError::UnknownDependency {
            id: "b".into(),
            depends_on: "zzz".into()
        })
    );
    assert_eq!(
        one.add_after("b", &me, &["b"]).unwrap_err().to_string(),
        "$batch request \"b\" depends on \"b\", which is not an earlier request"
    );
    assert_eq!(
        three_step_batch().parallelism(),
        1,
        "a sequential batch runs one at a time"
    );
}

#[test]
fn batch_replies_match_ids_in_any_order_and_explain_424() {
    let batch = three_step_batch()
        .push(SubRequest::new("raw", "GET", "/me/messages/x/$value"))
        .unwrap();
    let mime = "From: a@b\r\n\r\nhi";
    let wrapped = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        br#"{"id":"wrapped"}"#,
    );
    let reply = BatchReply::parse(
        &batch_reply(vec![
            sub_failed_dependency("settings"),
            json!({"id":"raw","status":200,"headers":{"Content-Type":"text/plain"},
                "body": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mime)}),
            sub_failed_dependency("list"),
            json!({"id":"folder","status":404,"body":{"error":{"code":"ErrorItemNotFound","message":"gone"}}}),
        ])
        .unwrap(),
    )
    .unwrap();
    assert_eq!(reply.get("folder").unwrap().status, 404);
    // 424 on "settings" ← "list" ← "folder": the model hears about the 404 that caused it.
    let cause = reply.failed_dependency(&batch, "settings").unwrap();
    assert_eq!(cause.id, "folder");
    let err = reply.resolve(&batch, "settings").unwrap_err();
    assert_eq!((err.status, err.code.as_str()), (404, "ErrorItemNotFound"));
    assert_eq!(reply.result("settings").unwrap_err().status, 424);
    assert!(reply.failed_dependency(&batch, "folder").is_none());
    // Non-JSON bodies are base64 on the wire.
    let raw = reply.get("raw").unwrap();
    assert!(!raw.is_json());
    assert_eq!(raw.bytes(), mime.as_bytes());
    assert_eq!(raw.json(), None);
    assert_eq!(
        reply.result("missing").unwrap_err().code,
        "MalformedResponse"
    );
    // A JSON reply Graph wrapped in base64 still reads as JSON.
    let r = BatchReply::parse(
        &batch_reply(vec![json!({"id":"u","status":201,
            "headers":{"Content-Type":"application/json"},"body": wrapped})])
        .unwrap(),
    )
    .unwrap();
    assert_eq!(r.result("u"), Ok(json!({"id":"wrapped"})));
}

#[test]
fn retry_plans_include_dependents_of_throttled_requests_only() {
    let batch = three_step_batch();
    let reply = BatchReply::parse(
        &batch_reply(vec![
            sub_failed_dependency("settings"),
            sub_throttled("list", "2"),
            sub_ok("folder", json!({"id":"f"})),
        ])
        .unwrap(),
    )
    .unwrap();
    let plan = plan_retry(&batch, &reply, |_, r| r.status == 429).unwrap();
    assert_eq!(plan.ids, ["list", "settings"]);
    let items = plan.batch.items();
    assert!(items[0].depends_on.is_empty(), "folder already succeeded");
    assert_eq!(items[1].depends_on, ["list"]);

    // A 424 caused by a 404 is final.
    let reply = BatchReply::parse(
        &batch_reply(vec![
            sub_failed_dependency("settings"),
            sub_failed_dependency("list"),
            json!({"id":"folder","status":404}),
        ])
        .unwrap(),
    )
    .unwrap();
    assert_eq!(plan_retry(&batch, &reply, |_, r| r.status == 429), None);
}

#[test]
fn throttled_sub_requests_are_retried_alone_after_their_retry_after() {
    let batch = Batch::new()
        .add("me", &GraphRequest::get(GraphPath::me()).select(&["id"]))
        .unwrap()
        .add(
            "inbox",
            &GraphRequest::get(GraphPath::me().segment("messages")),
        )
        .unwrap()
        .add_after(
            "next",
            &GraphRequest::get(GraphPath::me().segment("events")),
            &["inbox"],
        )
        .unwrap();
    let script = Script::new(vec![
        batch_reply(vec![
            sub_failed_dependency("next"),
            sub_throttled("inbox", "2"),
            sub_ok("me", json!({"id":"u1"})),
        ]),
        batch_reply(vec![
            sub_ok("next", json!({"value":[]})),
            sub_ok("inbox", json!({"value":[{"id":"m"}]})),
        ]),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let r = block_on(client.send(batch.to_http(BASE))).unwrap();
    assert_eq!(sleeper.sleeps(), [2000]);
    let retried = script.body(1);
    assert_eq!(
        retried["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap(), r["dependsOn"].clone()))
            .collect::<Vec<_>>(),
        [("inbox", Value::Null), ("next", json!(["inbox"]))]
    );
    assert_eq!(script.seen.borrow()[1].url, format!("{BASE}/$batch"));
    // The merged answer is an ordinary $batch response for the existing parser.
    let parsed = BatchReply::parse(&r).unwrap();
    assert_eq!(parsed.result("me"), Ok(json!({"id":"u1"})));
    assert_eq!(parsed.result("inbox"), Ok(json!({"value":[{"id":"m"}]})));
    assert_eq!(parsed.result("next"), Ok(json!({"value":[]})));
}

#[test]
fn throttled_sub_requests_past_the_budget_report_retry_after() {
    let batch = Batch::new()
        .add("a", &GraphRequest::get(GraphPath::me()))
        .unwrap()
        .add("b", &GraphRequest::get(GraphPath::me().segment("messages")))
        .unwrap();
    let script = Script::new(vec![batch_reply(vec![
        sub_ok("a", json!({})),
        sub_throttled("b", "45"),
    ])]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let r = block_on(client.send(batch.to_http(BASE))).unwrap();
    assert!(sleeper.sleeps().is_empty());
    assert_eq!(script.sent(), 1);
    let parsed = BatchReply::parse(&r).unwrap();
    assert!(parsed.result("a").is_ok());
    let b = parsed.result("b").unwrap_err();
    assert_eq!((b.status, b.retry_after), (429, Some(45)));
    assert!(b.tool_message(&[]).contains("Try again in 45 seconds."));
    assert_eq!(client.stats().gave_up, 1);
}

#[test]
fn unavailable_sub_requests_are_retried_only_when_idempotent() {
    let send = GraphRequest::post(GraphPath::me().segment("sendMail"), json!({"message":{}}));
    let batch = Batch::new()
        .add("read", &GraphRequest::get(GraphPath::me()))
        .unwrap()
        .add("send", &send)
        .unwrap();
    let unavailable = |id: &str| json!({"id": id, "status": 503, "headers": {"Retry-After": "1"}});
    let script = Script::new(vec![
        batch_reply(vec![unavailable("read"), unavailable("send")]),
        batch_reply(vec![sub_ok("read", json!({"ok":true}))]),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let r = block_on(client.send(batch.to_http(BASE))).unwrap();
    let retried = script.body(1);
    assert_eq!(retried["requests"].as_array().unwrap().len(), 1);
    assert_eq!(retried["requests"][0]["id"], "read");
    let reply = BatchReply::parse(&r).unwrap();
    assert_eq!(reply.result("read"), Ok(json!({"ok":true})));
    assert_eq!(
        reply.get("send").unwrap().status,
        503,
        "a send is never repeated"
    );
}

#[test]
fn a_throttled_batch_is_resent_whole_but_an_unavailable_write_batch_is_not() {
    let reads = Batch::new()
        .add("a", &GraphRequest::get(GraphPath::me()))
        .unwrap();
    let script = Script::new(vec![
        throttled("1"),
        batch_reply(vec![sub_ok("a", json!(1))]),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    let r = block_on(client.send(reads.to_http(BASE))).unwrap();
    assert_eq!(BatchReply::parse(&r).unwrap().result("a"), Ok(json!(1)));
    assert_eq!(script.body(0), script.body(1));

    let script = Script::new(vec![status(503), batch_reply(vec![sub_ok("a", json!(1))])]);
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    assert_eq!(
        block_on(client.send(reads.to_http(BASE))).unwrap().status,
        200,
        "reads: retried"
    );

    let writes = Batch::new()
        .add(
            "s",
            &GraphRequest::post(GraphPath::me().segment("sendMail"), json!({})),
        )
        .unwrap();
    let script = Script::new(vec![status(503)]);
    let client = RetryingClient::new(script.client(), &sleeper, FixedJitter(0.5));
    assert_eq!(
        block_on(client.send(writes.to_http(BASE))).unwrap().status,
        503
    );
    assert_eq!(script.sent(), 1);
}
