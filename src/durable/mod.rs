//! Durable Object classes. Each is a thin adapter: load state, call the core, persist.

pub(crate) mod json_store;
pub(crate) mod mcp_session;
pub(crate) mod records;
pub(crate) mod rpc;
pub(crate) mod user_state;

/// A Durable Object's answer when its handler failed: a bare 500, with the error logged only in
/// sanitized form. An `Err` returned to the runtime would be logged verbatim as an uncaught
/// exception, and storage and decoding errors can quote whole stored records.
pub(crate) fn contain_error(
    object: &str,
    outcome: worker::Result<worker::Response>,
) -> worker::Result<worker::Response> {
    match outcome {
        Ok(r) => Ok(r),
        Err(e) => {
            let detail = m365_core::log::sanitize_detail(&e.to_string());
            worker::console_error!(
                "{}",
                serde_json::json!({"level": "error", "msg": "durable object error", "object": object, "detail": detail})
            );
            worker::Response::error("internal error", 500)
        }
    }
}
