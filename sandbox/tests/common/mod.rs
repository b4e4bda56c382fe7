//! The in-process harness the integration tests share: requests go through
//! `m365_sandbox::app` with `tower::ServiceExt::oneshot` (no socket), responses are read whole.
//! Each test crate uses a different part of it.
#![allow(dead_code)]

use std::sync::Arc;

use axum::{
    body::{Body, Bytes},
    http::{header, request, HeaderMap, Request, StatusCode},
    Router,
};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use m365_sandbox::{
    entra,
    store::{AccountKind, User},
    Sandbox,
};
use serde_json::{json, Value};
use tower::ServiceExt;

// === Requests and responses ===

/// A response read to the end.
pub struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Raw {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn send_raw(app: Router, req: Request<Body>) -> Raw {
    let resp = app.oneshot(req).await.expect("response");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Raw {
        status,
        headers,
        body,
    }
}

/// The request `b` builds, with a JSON body (and its content type) when there is one.
pub fn json_request(b: request::Builder, body: Option<Value>) -> Request<Body> {
    match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    }
    .expect("request")
}

/// A response with its body as text (the Entra endpoints answer with HTML, redirects and JSON).
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no Location; status {} body {}", self.status, self.body))
    }
}

pub async fn send(s: &Arc<Sandbox>, req: Request<Body>) -> Resp {
    let r = send_raw(m365_sandbox::app(s.clone()), req).await;
    Resp {
        body: r.text(),
        status: r.status,
        headers: r.headers,
    }
}

// === Graph over the seeded sandbox ===

pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("anchor")
}

/// The seeded sandbox at [`anchor`], called with minted Graph tokens.
pub struct Env {
    pub sb: Arc<Sandbox>,
}

impl Env {
    pub fn new() -> Self {
        Self {
            sb: Arc::new(Sandbox::new("http://sandbox.test".to_string(), anchor())),
        }
    }

    pub fn token(&self, user: &str, scopes: &[&str]) -> String {
        entra::mint_access_token(&self.sb, user, scopes, entra::GRAPH_RESOURCE)
    }

    /// Status and JSON body (`null` when empty, `{"raw": …}` when not JSON).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        prefer: Option<&str>,
    ) -> (u16, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"));
        if let Some(p) = prefer {
            b = b.header("prefer", p);
        }
        let r = send_raw(m365_sandbox::app(self.sb.clone()), json_request(b, body)).await;
        let v = if r.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&r.body)
                .unwrap_or_else(|_| json!({"raw": String::from_utf8_lossy(&r.body)}))
        };
        (r.status.as_u16(), v)
    }

    /// Any request with extra headers; the response whole. `path` may be a full link
    /// (`http://sandbox.test/v1.0/…`, as in `@odata.nextLink`).
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Raw {
        let path = path.strip_prefix("http://sandbox.test").unwrap_or(path);
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        send_raw(m365_sandbox::app(self.sb.clone()), json_request(b, body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call("GET", path, token, None, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, token, Some(body), None).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.call("DELETE", path, token, None, None).await
    }
}

/// A query string from pairs.
pub fn q(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// One path segment, percent-encoded.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Graph's `error.code`, or "".
pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// A collection's `value`.
pub fn items(v: &Value) -> Vec<Value> {
    v["value"].as_array().cloned().unwrap_or_default()
}

// === Entra test tenants ===

/// RFC 7636 appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub fn user(id: &str, tid: &str, upn: &str, name: &str, kind: AccountKind) -> User {
    User {
        id: id.to_string(),
        tenant_id: tid.to_string(),
        user_principal_name: upn.to_string(),
        display_name: name.to_string(),
        kind,
        profile: json!({ "id": id, "displayName": name, "userPrincipalName": upn, "mail": upn }),
    }
}

/// Microsoft's Graph v1.0 CSDL, which lives outside the repository: env `GRAPH_CSDL`, else
/// `../shared/graph/v1.0-Prod.csdl` beside the checkout. `None` where it is absent (CI clones),
/// and the tests that need it skip.
pub fn csdl_path() -> Option<std::path::PathBuf> {
    let p = std::env::var_os("GRAPH_CSDL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/graph/v1.0-Prod.csdl")
        });
    p.is_file().then_some(p)
}
