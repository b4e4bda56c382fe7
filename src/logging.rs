//! Emits the core's structured log lines to the Workers log (visible in `wrangler dev` and
//! `wrangler tail`).

use m365_core::log::{loggable_path, Level, LogLine};

fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// One line per request: method, path without query, status and duration.
pub(crate) fn access(request_id: &str, method: &str, path: &str, status: u16, started_ms: u64) {
    let now = now_ms();
    let level = if status >= 500 {
        Level::Error
    } else {
        Level::Info
    };
    let line = LogLine::new(level, now, request_id, "request")
        .field("method", method)
        .field("path", loggable_path(path))
        .field("status", status)
        .field("duration_ms", now.saturating_sub(started_ms));
    worker::console_log!("{}", line.to_json());
}

pub(crate) fn error(request_id: &str, msg: &str, detail: &str) {
    let line = LogLine::new(Level::Error, now_ms(), request_id, msg)
        .field("detail", m365_core::log::sanitize_detail(detail));
    worker::console_error!("{}", line.to_json());
}
