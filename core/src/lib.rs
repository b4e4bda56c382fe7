//! The plain-Rust heart of the server. Nothing here depends on `worker`, a JS runtime or the
//! system clock: time, randomness and I/O results are passed in, so `cargo test` exercises all of
//! it natively and nothing in here can panic on wasm32 for want of a clock.

pub mod entra;
pub mod graph;
pub mod health;
pub mod log;
pub mod mcp;
pub mod oauth;
pub mod request_id;
pub mod routes;
pub mod store;
pub mod text;
pub mod vault;
