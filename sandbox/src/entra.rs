//! Placeholder until Entra lands.
use crate::server::Shared;
use axum::Router;
#[derive(Debug, Default)]
pub struct EntraState;
pub fn routes() -> Router<Shared> {
    Router::new()
}
