//! Calls from the worker into Durable Objects: JSON over the stub's `fetch`, one helper so every
//! call site handles status and decoding the same way.

use serde::{de::DeserializeOwned, Serialize};
use worker::{Env, Headers, Method, Request, RequestInit, Response, Result};

/// What a Durable Object answered: its status and, for 2xx, the decoded body.
pub(crate) enum Reply<R> {
    Ok(R),
    /// A non-2xx answer with its status and body text.
    Status(u16, String),
}

/// POST `body` as JSON to `path` on the object named `name` in namespace `binding`.
pub(crate) async fn call<T: Serialize, R: DeserializeOwned>(
    env: &Env,
    binding: &str,
    name: &str,
    path: &str,
    body: &T,
) -> Result<Reply<R>> {
    let stub = env.durable_object(binding)?.get_by_name(name)?;
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(serde_json::to_string(body)?.into()));
    let req = Request::new_with_init(&format!("https://durable-object{path}"), &init)?;
    let mut resp = stub.fetch_with_request(req).await?;
    let status = resp.status_code();
    if (200..300).contains(&status) {
        Ok(Reply::Ok(resp.json().await?))
    } else {
        Ok(Reply::Status(status, resp.text().await.unwrap_or_default()))
    }
}

/// A JSON reply from inside a Durable Object.
pub(crate) fn json<T: Serialize>(status: u16, value: &T) -> Result<Response> {
    Ok(Response::from_json(value)?.with_status(status))
}
