//! Durable Object classes. Each is a thin adapter: load state, call the core, persist.

pub(crate) mod json_store;
pub(crate) mod mcp_session;
pub(crate) mod records;
pub(crate) mod rpc;
pub(crate) mod user_state;
