//! Graph v1.0 routes.
use crate::server::Shared;
use axum::Router;
pub fn routes() -> Router<Shared> {
    Router::new()
}
