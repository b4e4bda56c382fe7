//! Which endpoint a request is for. Every endpoint the worker serves is one variant here, so the
//! shell's dispatch is an exhaustive `match` and a new endpoint cannot be half-wired.

/// An endpoint of the worker, decided from method and path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /health`: liveness plus a check that the storage bindings answer.
    Health,
    /// `GET /__test/panic`: panics on purpose; served only when test routes are enabled.
    TestPanic,
    /// `GET /__test/graph-me`: authenticates like the MCP endpoint, then calls Graph `/me` with
    /// the user's Microsoft token from the vault; test routes only (the resource-server path
    /// end to end before the MCP endpoint exists).
    TestGraphMe,
    /// `/mcp`: Streamable HTTP (POST, GET, DELETE).
    Mcp,
    /// `GET /sse`: the 2024-11-05 HTTP+SSE stream; `POST /sse`: plain JSON-RPC.
    SseStream,
    SsePost,
    /// `POST /sse/message`, `/messages`, `/message`: the HTTP+SSE message endpoint.
    SseMessage,
    /// `GET /.well-known/…`: authorization server and protected resource metadata (RFC 8414,
    /// RFC 9728, OpenID discovery), resolved further by `oauth::metadata`.
    WellKnown,
    /// `POST /register`: dynamic client registration (RFC 7591).
    Register,
    /// `GET /authorize`: validate the request and show the consent page (or skip it for a
    /// client this browser's user already approved).
    Authorize,
    /// `POST /authorize/consent`: the consent form's approve/deny.
    Consent,
    /// `GET /callback`: Microsoft's redirect back after sign-in.
    Callback,
    /// `POST /token`: authorization code and refresh token grants.
    Token,
    /// `POST /revoke`: token revocation (RFC 7009).
    Revoke,
    /// A known path with a method it does not accept; carries the `Allow` header value.
    MethodNotAllowed(&'static str),
    /// Nothing here.
    NotFound,
}

/// Map a request to its endpoint. `test_routes` enables the test-only endpoints.
pub fn route(method: &str, path: &str, test_routes: bool) -> Route {
    // A trailing slash is the same resource; clients differ in whether they add one.
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    match (method, path) {
        ("GET" | "HEAD", "/health") => Route::Health,
        (_, "/health") => Route::MethodNotAllowed("GET, HEAD"),
        ("GET", "/__test/panic") if test_routes => Route::TestPanic,
        ("GET", "/__test/graph-me") if test_routes => Route::TestGraphMe,
        ("GET" | "HEAD", p)
            if p.starts_with("/.well-known/")
                || p.ends_with("/.well-known/openid-configuration") =>
        {
            Route::WellKnown
        }
        (_, "/mcp") => Route::Mcp,
        ("GET", "/sse") => Route::SseStream,
        ("POST", "/sse") => Route::SsePost,
        (_, "/sse") => Route::MethodNotAllowed("GET, POST"),
        ("POST", "/sse/message" | "/messages" | "/message") => Route::SseMessage,
        (_, "/sse/message" | "/messages" | "/message") => Route::MethodNotAllowed("POST"),
        ("POST", "/register") => Route::Register,
        (_, "/register") => Route::MethodNotAllowed("POST"),
        ("GET", "/authorize") => Route::Authorize,
        (_, "/authorize") => Route::MethodNotAllowed("GET"),
        ("POST", "/authorize/consent") => Route::Consent,
        (_, "/authorize/consent") => Route::MethodNotAllowed("POST"),
        ("GET", "/callback") => Route::Callback,
        (_, "/callback") => Route::MethodNotAllowed("GET"),
        ("POST", "/token") => Route::Token,
        (_, "/token") => Route::MethodNotAllowed("POST"),
        ("POST", "/revoke") => Route::Revoke,
        (_, "/revoke") => Route::MethodNotAllowed("POST"),
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_accepts_get_and_head_with_or_without_slash() {
        assert_eq!(route("GET", "/health", false), Route::Health);
        assert_eq!(route("HEAD", "/health/", false), Route::Health);
        assert_eq!(
            route("POST", "/health", false),
            Route::MethodNotAllowed("GET, HEAD")
        );
    }

    #[test]
    fn test_routes_exist_only_when_enabled() {
        assert_eq!(route("GET", "/__test/panic", false), Route::NotFound);
        assert_eq!(route("GET", "/__test/panic", true), Route::TestPanic);
    }

    #[test]
    fn oauth_endpoints_and_their_methods() {
        assert_eq!(
            route("GET", "/.well-known/oauth-authorization-server", false),
            Route::WellKnown
        );
        assert_eq!(
            route("GET", "/.well-known/oauth-protected-resource/mcp", false),
            Route::WellKnown
        );
        assert_eq!(
            route("GET", "/mcp/.well-known/openid-configuration", false),
            Route::WellKnown
        );
        assert_eq!(route("POST", "/register", false), Route::Register);
        assert_eq!(
            route("GET", "/register", false),
            Route::MethodNotAllowed("POST")
        );
        assert_eq!(route("GET", "/authorize", false), Route::Authorize);
        assert_eq!(route("POST", "/authorize/consent", false), Route::Consent);
        assert_eq!(route("GET", "/callback", false), Route::Callback);
        assert_eq!(route("POST", "/token", false), Route::Token);
        assert_eq!(
            route("GET", "/token", false),
            Route::MethodNotAllowed("POST")
        );
        assert_eq!(route("POST", "/revoke", false), Route::Revoke);
    }

    #[test]
    fn unknown_paths_are_not_found() {
        assert_eq!(route("GET", "/", false), Route::NotFound);
        assert_eq!(route("GET", "/healthz", false), Route::NotFound);
    }
}
