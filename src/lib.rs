//! The Workers shell: turns `worker` types into core calls and back. Everything that can be
//! decided without a JS runtime lives in `m365_core`; this crate only performs I/O (storage
//! probes, fetches, clock and randomness) and translates types at the edge.

mod durable;
mod graph_client;
mod health;
mod logging;
mod mcp;
mod oauth;
mod tool_runtime;

use m365_core::routes::{self, Route};
use worker::{event, Context, Env, Request, Response, Result};

pub use durable::{mcp_session::McpSession, records::Records, user_state::UserState};

/// Build identity, fixed at compile time (see build.rs).
pub(crate) const BUILD: m365_core::health::BuildInfo = m365_core::health::BuildInfo {
    name: env!("CARGO_PKG_NAME"),
    version: env!("CARGO_PKG_VERSION"),
    revision: env!("BUILD_REVISION"),
};

#[event(start)]
fn start() {
    // Chain, never replace: worker's own panic hook marks the instance for reinitialisation
    // (panic recovery), and the order of start functions is not specified. Ours adds the panic
    // message and location to the log in console_error_panic_hook's format.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        console_error_panic_hook::hook(info);
        previous(info);
    }));
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let started = worker::Date::now().as_millis();
    let request_id = m365_core::request_id::from_random(random_bytes());
    let method = req.method().to_string();
    let path = req.path();

    let response = dispatch(req, &env, &method, &path).await;
    let mut response = match response {
        Ok(r) => r,
        Err(e) => {
            // The error text stays in the log; the client gets an opaque 500 with the request id.
            logging::error(&request_id, "unhandled error", &e.to_string());
            json_error(500, "internal_error", "The server hit an internal error.")?
        }
    };
    response.headers_mut().set("x-request-id", &request_id)?;
    logging::access(&request_id, &method, &path, response.status_code(), started);
    Ok(response)
}

async fn dispatch(req: Request, env: &Env, method: &str, path: &str) -> Result<Response> {
    match routes::route(method, path, test_routes_enabled(env)) {
        Route::Mcp => mcp::mcp(req, env, "/mcp").await,
        Route::SsePost => mcp::mcp(req, env, "/sse").await,
        Route::SseStream => mcp::sse_stream(req, env).await,
        Route::SseMessage => mcp::sse_message(req, env).await,
        Route::WellKnown => oauth::well_known(&req, env).await,
        Route::Register => oauth::register(req, env).await,
        Route::Authorize => oauth::authorize(&req, env).await,
        Route::Consent => oauth::consent(req, env).await,
        Route::Callback => oauth::callback(&req, env).await,
        Route::Token => oauth::token(req, env).await,
        Route::Revoke => oauth::revoke(req, env).await,
        Route::Health => {
            let report = health::report(env).await;
            let status = report.http_status();
            let mut resp = Response::from_json(&report)?.with_status(status);
            resp.headers_mut().set("cache-control", "no-store")?;
            if req.method() == worker::Method::Head {
                resp = Response::empty()?.with_status(status);
            }
            Ok(resp)
        }
        Route::TestPanic => panic!("panic requested through /__test/panic"),
        Route::TestGraphMe => oauth::test_graph_me(&req, env).await,
        Route::MethodNotAllowed(allow) => {
            let mut resp = json_error(
                405,
                "method_not_allowed",
                "This endpoint does not accept that method.",
            )?;
            resp.headers_mut().set("allow", allow)?;
            Ok(resp)
        }
        Route::NotFound => json_error(404, "not_found", "No such endpoint."),
    }
}

/// Test-only endpoints exist only where the deployment sets `TEST_ROUTES = "1"` (local dev, tests).
fn test_routes_enabled(env: &Env) -> bool {
    env.var("TEST_ROUTES")
        .map(|v| v.to_string() == "1")
        .unwrap_or(false)
}

fn json_error(status: u16, code: &str, message: &str) -> Result<Response> {
    Ok(
        Response::from_json(&serde_json::json!({ "error": code, "error_description": message }))?
            .with_status(status),
    )
}

/// 16 bytes from the platform CSPRNG (`crypto.getRandomValues` on Workers).
pub(crate) fn random_bytes() -> [u8; 16] {
    let mut buf = [0u8; 16];
    // getrandom only fails when the platform has no CSPRNG, which Workers always has; a zeroed
    // id is still a usable log correlation value, so there is nothing better to do than continue.
    let _ = getrandom::fill(&mut buf);
    buf
}
