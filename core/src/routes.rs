//! Which endpoint a request is for. Every endpoint the worker serves is one variant here, so the
//! shell's dispatch is an exhaustive `match` and a new endpoint cannot be half-wired.

/// An endpoint of the worker, decided from method and path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /health`: liveness plus a check that the storage bindings answer.
    Health,
    /// `GET /__test/panic`: panics on purpose; served only when test routes are enabled.
    TestPanic,
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
    fn unknown_paths_are_not_found() {
        assert_eq!(route("GET", "/", false), Route::NotFound);
        assert_eq!(route("GET", "/healthz", false), Route::NotFound);
    }
}
