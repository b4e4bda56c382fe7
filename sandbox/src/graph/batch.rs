//! `POST /v1.0/$batch` (concepts/json-batching.md): at most 20 sub-requests with relative URLs;
//! `dependsOn` orders them and a failed dependency answers 424; a body needs a `Content-Type`
//! header; each sub-request is authenticated, throttled and logged on its own; responses come back
//! in an order of the server's choosing (here: reversed), so clients must match them by `id`.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, Method},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde_json::{json, Map, Value};

use super::{
    request::GraphRequest,
    router::{execute, ReplyBody},
};
use crate::{
    admin::{RecordedRequest, RequestSeq},
    entra,
    error::GraphError,
    server::Shared,
};

pub const MAX_REQUESTS: usize = 20;

pub async fn handle(
    State(state): State<Shared>,
    seq: Option<Extension<RequestSeq>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let batch_seq = seq.map_or(0, |Extension(RequestSeq(s))| s);
    match run(&state, &headers, &body, batch_seq) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

fn run(
    state: &crate::server::Sandbox,
    headers: &HeaderMap,
    body: &[u8],
    batch_seq: u64,
) -> Result<Value, GraphError> {
    entra::authenticate(
        state,
        headers.get("authorization").and_then(|v| v.to_str().ok()),
    )?;
    let payload: Value = serde_json::from_slice(body)
        .map_err(|_| GraphError::bad_request("Invalid batch payload format."))?;
    let requests = payload
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::bad_request("Invalid batch payload format."))?;
    if requests.is_empty() {
        return Err(GraphError::bad_request("Invalid batch payload format."));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(GraphError::bad_request(format!(
            "The number of batch requests ({}) exceeds the limit of {MAX_REQUESTS}.",
            requests.len()
        )));
    }
    let mut ids: Vec<String> = Vec::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(GraphError::bad_request("Batch request id is missing.")),
        };
        if ids.contains(&id) {
            return Err(GraphError::bad_request(format!(
                "Batch request id '{id}' is duplicated."
            )));
        }
        for dep in r
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !dep.as_str().is_some_and(|d| ids.iter().any(|i| i == d)) {
                return Err(GraphError::bad_request(format!("Batch request '{id}' depends on '{dep}', which is not an earlier request in the batch.")));
            }
        }
        ids.push(id);
    }

    let mut statuses: Vec<(String, u16)> = Vec::new();
    let mut responses = Vec::new();
    for (r, id) in requests.iter().zip(&ids) {
        let failed_dep = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|d| statuses.iter().any(|(i, s)| i == d && *s >= 400));
        let resp = if failed_dep {
            error_response(
                id,
                &GraphError::new(
                    424,
                    "FailedDependency",
                    "A request this request depends on failed.",
                ),
            )
        } else {
            sub_request(state, headers, r, id, batch_seq)
        };
        statuses.push((id.clone(), resp["status"].as_u64().unwrap_or(500) as u16));
        responses.push(resp);
    }
    responses.reverse();
    Ok(json!({ "responses": responses }))
}

fn error_response(id: &str, e: &GraphError) -> Value {
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), json!("application/json"));
    if let Some(r) = e.retry_after {
        headers.insert("Retry-After".into(), json!(r.to_string()));
    }
    json!({ "id": id, "status": e.status, "headers": headers, "body": e.body(&crate::server::new_id(), &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()) })
}

fn sub_request(
    state: &crate::server::Sandbox,
    outer: &HeaderMap,
    r: &Value,
    id: &str,
    batch_seq: u64,
) -> Value {
    let method = r
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    let url = r.get("url").and_then(Value::as_str).unwrap_or("");
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return error_response(
            id,
            &GraphError::bad_request("Invalid HTTP method in batch request."),
        );
    };
    if url.is_empty() || url.contains("://") || url.contains("$batch") {
        return error_response(
            id,
            &GraphError::bad_request("Batch request URLs must be relative, e.g. '/me/messages'."),
        );
    }
    let url = if url.starts_with('/') {
        url.to_string()
    } else {
        format!("/{url}")
    };
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (url.clone(), None),
    };
    let mut headers = HeaderMap::new();
    if let Some(auth) = outer.get("authorization") {
        headers.insert("authorization", auth.clone());
    }
    if let Some(h) = r.get("headers").and_then(Value::as_object) {
        for (k, v) in h {
            if let (Ok(name), Some(Ok(val))) = (
                HeaderName::try_from(k.as_str()),
                v.as_str().map(HeaderValue::from_str),
            ) {
                headers.append(name, val);
            }
        }
    }
    let body = match r.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(b) => {
            if !headers.contains_key("content-type") {
                return error_response(
                    id,
                    &GraphError::bad_request(
                        "Content-Type header must be specified when a body is present.",
                    ),
                );
            }
            match b {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            }
        }
    };
    let greq = GraphRequest::new(
        method.clone(),
        &path,
        query.clone(),
        headers.clone(),
        body.clone(),
    );

    // Each sub-request is throttled on its own, as Graph does.
    let (_, fault) = state.controls.draw(&path);
    let outcome = match fault {
        Some((ref f, retry)) => Err(f.error(retry)),
        None => execute(state, &greq),
    };
    let resp = match outcome {
        Err(e) => error_response(id, &e),
        Ok(reply) => {
            let mut h = Map::new();
            for (k, v) in &reply.headers {
                h.insert(k.clone(), json!(v));
            }
            let body = match reply.body {
                ReplyBody::None => Value::Null,
                ReplyBody::Json(v) => {
                    h.insert("Content-Type".into(), json!("application/json"));
                    v
                }
                ReplyBody::Bytes {
                    content_type,
                    bytes,
                } => {
                    h.insert("Content-Type".into(), json!(content_type));
                    json!(base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        bytes
                    ))
                }
            };
            let mut v = json!({ "id": id, "status": reply.status, "headers": h });
            if !body.is_null() {
                v["body"] = body;
            }
            v
        }
    };
    state.controls.record(RecordedRequest {
        seq: state.controls.next_seq(),
        time: state.now().to_rfc3339(),
        method: method.to_string(),
        path: format!("/v1.0{path}"),
        query,
        headers: headers
            .iter()
            .filter(|(k, _)| k.as_str() != "authorization")
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned()),
        status: resp["status"].as_u64().unwrap_or(0) as u16,
        fault: fault.map(|(f, _)| format!("{f:?}")),
        batch: Some((batch_seq, id.to_string())),
    });
    resp
}
