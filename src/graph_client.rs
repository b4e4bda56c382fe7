//! Sending Graph requests with the Workers fetch API. Only the user's `UserState` object calls
//! [`send`] with a token (see `tool_runtime`); the token never leaves that object.

use futures_util::future::LocalBoxFuture;
use m365_core::graph::{GraphClient, HttpRequest, HttpResponse, TransportError};
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// Performs `req`, adding the bearer token only when one is given.
pub(crate) async fn send(
    token: Option<&str>,
    req: HttpRequest,
) -> std::result::Result<HttpResponse, TransportError> {
    let err = |e: worker::Error| TransportError::new(e.to_string());
    let headers = Headers::new();
    for (k, v) in &req.headers {
        headers.set(k, v).map_err(err)?;
    }
    if let Some(token) = token {
        headers
            .set("authorization", &format!("Bearer {token}"))
            .map_err(err)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(req.method.to_string()))
        .with_headers(headers);
    if let Some(body) = req.body {
        init.with_body(Some(js_sys_bytes(&body)));
    }
    let request = Request::new_with_init(&req.url, &init).map_err(err)?;
    let mut resp = Fetch::Request(request).send().await.map_err(err)?;
    let headers = resp.headers().entries().collect();
    let body = resp.bytes().await.map_err(err)?;
    Ok(HttpResponse {
        status: resp.status_code(),
        headers,
        body,
    })
}

fn js_sys_bytes(bytes: &[u8]) -> wasm_bindgen::JsValue {
    // Bytes as they are: attachment upload chunks are binary.
    worker::js_sys::Uint8Array::from(bytes).into()
}

/// For requests that make no Graph call: any attempt is a bug, reported as a transport error.
#[derive(Debug)]
pub(crate) struct NoGraph;

impl GraphClient for NoGraph {
    fn send(
        &self,
        _request: HttpRequest,
    ) -> LocalBoxFuture<'_, std::result::Result<HttpResponse, TransportError>> {
        Box::pin(async {
            Err(TransportError::new(
                "no Microsoft token was obtained for this request",
            ))
        })
    }
}

/// `policy::Sleeper` on Workers: a timer promise (`setTimeout`).
#[derive(Debug)]
pub(crate) struct DelaySleeper;

impl m365_core::graph::policy::Sleeper for DelaySleeper {
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        Box::pin(worker::Delay::from(std::time::Duration::from_millis(ms)))
    }
}

/// `policy::Jitter` from the platform CSPRNG.
#[derive(Debug)]
pub(crate) struct RandomJitter;

impl m365_core::graph::policy::Jitter for RandomJitter {
    fn next(&self) -> f64 {
        let mut b = [0u8; 4];
        let _ = getrandom::fill(&mut b);
        f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
    }
}
