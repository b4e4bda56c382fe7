//! Graph v1.0 routing: authenticate, resolve `me` / `users/{id}`, then hand the remaining path to
//! the workload module that owns it. Handlers are synchronous functions over the locked world, so
//! `$batch` can run sub-requests through exactly the same code.

use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{any, post},
    Router,
};
use serde_json::Value;

use super::{
    batch, calendar, contacts, mail, people,
    request::{Ctx, GraphRequest, Prefs},
    search, teams, users,
};
use crate::{
    entra::{self, Principal},
    error::GraphError,
    server::{Sandbox, Shared},
    store::World,
};

/// What a handler answers.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
}

#[derive(Debug)]
pub enum ReplyBody {
    None,
    Json(Value),
    Bytes {
        content_type: String,
        bytes: Vec<u8>,
    },
}

impl Reply {
    pub fn json(status: u16, v: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ReplyBody::Json(v),
        }
    }
    pub fn ok(v: Value) -> Self {
        Self::json(200, v)
    }
    pub fn created(v: Value) -> Self {
        Self::json(201, v)
    }
    /// 202 Accepted with no body (sendMail, send, reply…).
    pub fn accepted() -> Self {
        Self {
            status: 202,
            headers: Vec::new(),
            body: ReplyBody::None,
        }
    }
    pub fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: ReplyBody::None,
        }
    }
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

pub type Outcome = Result<Reply, GraphError>;

/// Graph's 403 for a token without the permission an API needs.
pub fn require_scope(p: &Principal, any_of: &[&str]) -> Result<(), GraphError> {
    if entra::principal_has_scope(p, any_of) {
        Ok(())
    } else {
        Err(GraphError::access_denied(
            "Access is denied. Check credentials and try again.",
        ))
    }
}

/// 405 for a method a resource does not support, as Graph answers it.
pub fn method_not_allowed() -> GraphError {
    GraphError::new(
        405,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1.0/$batch", post(batch::handle))
        .route("/v1.0", any(top))
        .route("/v1.0/{*rest}", any(top))
        // Upload ranges are raw bytes; Graph advises < 4 MB per PUT but takes larger ones.
        .route(
            "/upload/{token}",
            any(mail::upload_chunk).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
}

async fn top(State(state): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::admin::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let raw_path = parts.uri.path().strip_prefix("/v1.0").unwrap_or("");
    let greq = GraphRequest::new(
        parts.method.clone(),
        raw_path,
        parts.uri.query().map(str::to_string),
        parts.headers.clone(),
        bytes.to_vec(),
    );
    into_response(execute(&state, &greq))
}

/// Run one Graph request (top-level or from a batch).
pub fn execute(state: &Sandbox, req: &GraphRequest) -> Outcome {
    let principal = entra::authenticate(state, req.header("authorization"))?;
    let prefs = Prefs::from_headers(&req.headers);
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let mut world = state.world();
    let (user_id, rest) = match segs.as_slice() {
        ["me", rest @ ..] => (principal.user_id.clone(), rest),
        ["users", who, rest @ ..] => (resolve_user(&world, &principal, who)?, rest),
        ["teams", ..] | ["chats", ..] => {
            let ctx = ctx(state, &principal, prefs, principal.user_id.clone());
            return teams::handle_top(&mut world, &ctx, &segs, req);
        }
        ["search", ..] => {
            let ctx = ctx(state, &principal, prefs, principal.user_id.clone());
            return search::handle(&mut world, &ctx, &segs, req);
        }
        [] => return Err(GraphError::bad_request("Invalid request.")),
        [first, ..] => return Err(GraphError::no_resource(first)),
    };
    let ctx = ctx(state, &principal, prefs, user_id.clone());
    if rest.is_empty() || rest.first() == Some(&"mailboxSettings") {
        return users::handle(&mut world, &ctx, rest, req);
    }
    let first = rest.first().copied().unwrap_or("");
    let ws = first.split('(').next().unwrap_or(first);
    // Another user's mailbox: only the mail of a shared mailbox the caller has full access to
    // (the `.Shared` scopes are checked by the mail handlers); everything else is Exchange's
    // 403 (docs-contrib #4749: the scope *and* a mailbox permission are needed).
    if user_id != principal.user_id {
        let delegated = world
            .shared_mailboxes
            .get(&user_id)
            .is_some_and(|users| users.contains(&principal.user_id));
        if !(delegated && matches!(ws, "messages" | "mailFolders" | "sendMail")) {
            return Err(GraphError::access_denied(
                "Access is denied. Check credentials and try again.",
            ));
        }
    }
    match ws {
        "messages" | "mailFolders" | "sendMail" | "outlook" | "getMailTips" => {
            mail::handle(&mut world, &ctx, rest, req)
        }
        "calendar" | "calendars" | "events" | "calendarView" | "calendarGroups"
        | "findMeetingTimes" | "reminderView" => calendar::handle(&mut world, &ctx, rest, req),
        "contacts" | "contactFolders" => contacts::handle(&mut world, &ctx, rest, req),
        "people" => people::handle(&mut world, &ctx, rest, req),
        "joinedTeams" | "chats" | "onlineMeetings" => teams::handle_me(&mut world, &ctx, rest, req),
        _ => Err(GraphError::no_resource(first)),
    }
}

fn ctx<'a>(state: &'a Sandbox, principal: &'a Principal, prefs: Prefs, user_id: String) -> Ctx<'a> {
    Ctx {
        principal,
        schema: &state.schema,
        prefs,
        base_url: &state.base_url,
        user_id,
        now: state.now(),
    }
}

/// `users/{id | userPrincipalName}`: only users of the caller's own tenant are visible.
fn resolve_user(world: &World, p: &Principal, who: &str) -> Result<String, GraphError> {
    let found = world
        .user(who)
        .or_else(|| world.user_by_upn(who))
        .filter(|u| u.tenant_id == p.tenant_id);
    found.map(|u| u.id.clone()).ok_or_else(|| {
        GraphError::new(
            404,
            "Request_ResourceNotFound",
            format!("Resource '{who}' does not exist or one of its queried reference-property objects are not present."),
        )
    })
}

pub fn into_response(outcome: Outcome) -> Response {
    match outcome {
        Err(e) => e.into_response(),
        Ok(reply) => {
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
            let mut resp = match reply.body {
                ReplyBody::None => status.into_response(),
                ReplyBody::Json(v) => (status, axum::Json(v)).into_response(),
                ReplyBody::Bytes {
                    content_type,
                    bytes,
                } => (status, [("content-type", content_type)], Bytes::from(bytes)).into_response(),
            };
            for (k, v) in reply.headers {
                if let (Ok(name), Ok(val)) = (
                    axum::http::HeaderName::try_from(k),
                    HeaderValue::from_str(&v),
                ) {
                    resp.headers_mut().append(name, val);
                }
            }
            if let Ok(v) = HeaderValue::from_str(&crate::server::new_id()) {
                resp.headers_mut().insert("request-id", v);
            }
            resp
        }
    }
}
