//! `list_reminders`: the reminders that fire in a window (GET
//! /me/reminderView(startDateTime='…',endDateTime='…'), user-reminderview), with their events,
//! in the mailbox zone unless another is asked for. reminderView returns `reminder` complex
//! values, which `$select` does not apply to, so none is sent. As in list_events, the UTC window
//! Graph gets is widened by the largest zone offset and the wall-clock window applied here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{graph_time, prefer_zone, zone_or_mailbox, Window};
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Start of the window in which reminders fire: a date or local date-time in time_zone.
    pub start: String,
    /// End: a date (included) or local date-time. Default 1 day after start; at most 31 days.
    #[serde(default)]
    pub end: Option<String>,
    /// IANA or Windows zone. Default: the mailbox zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Reminder {
    /// When the reminder fires (local).
    pub fires: String,
    pub event_id: String,
    pub subject: String,
    pub event_start: String,
    pub event_end: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Reminders {
    pub time_zone: String,
    pub reminders: Vec<Reminder>,
}

#[derive(Debug, Default)]
pub struct ListReminders;

/// `'2026-06-01T00:00:00Z'` as an OData string literal in a function segment.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Reminders> {
    let window = Window::from_args(&args.start, args.end.as_deref(), 1, 31)?;
    let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
    let (from, to) = window.graph_bounds();
    let function = format!(
        "reminderView(startDateTime={},endDateTime={})",
        literal(&from),
        literal(&to)
    );
    let path = GraphPath::me()
        .id(&function)
        .map_err(|_| ToolError::new("The reminder window could not be encoded."))?;
    let request = GraphRequest::get(path).prefer(prefer_zone(&zone));
    let result = cx.call(&request).await?;
    let mut reminders: Vec<(super::LocalTime, Reminder)> = result
        .get("value")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| {
                    let fires = graph_time(r, "reminderFireTime")?;
                    if fires < window.start || fires >= window.end {
                        return None;
                    }
                    Some((
                        fires,
                        Reminder {
                            fires: fires.short(),
                            event_id: str_field(r, "eventId")?,
                            subject: str_field(r, "eventSubject")
                                .unwrap_or_else(|| "(no subject)".into()),
                            event_start: graph_time(r, "eventStartTime")
                                .map(|t| t.short())
                                .unwrap_or_default(),
                            event_end: graph_time(r, "eventEndTime")
                                .map(|t| t.short())
                                .unwrap_or_default(),
                            location: r
                                .get("eventLocation")
                                .and_then(|l| str_field(l, "displayName")),
                        },
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    reminders.sort_by_key(|r| r.0);
    let reminders: Vec<Reminder> = reminders.into_iter().map(|(_, r)| r).collect();
    let mut text = format!(
        "Reminders firing {} ({zone}): {}",
        window.label(),
        reminders.len()
    );
    for (i, r) in reminders.iter().enumerate() {
        text.push_str(&format!(
            "\n{}. {} reminder for {:?} at {}",
            i + 1,
            r.fires.replace('T', " "),
            r.subject,
            r.event_start.replace('T', " ")
        ));
        if let Some(l) = &r.location {
            text.push_str(&format!(" · {l}"));
        }
        text.push_str(&format!("\n   event id: {}", r.event_id));
    }
    Ok(Reply::new(
        text,
        Reminders {
            time_zone: zone,
            reminders,
        },
    ))
}

impl ToolHandler for ListReminders {
    type Args = Args;
    type Output = Reminders;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_reminders",
        title: "List upcoming reminders",
        description: "List the calendar reminders that fire in a window (default one day from start, at most \
31 days), soonest first: when each fires and its event's subject, local start and id (times in the mailbox \
time zone unless time_zone is given). Use it for \"what do I need to be reminded of today\"; for the events \
themselves use list_events. Example: {\"start\":\"2026-06-02\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Calendars.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Reminders>> {
        Box::pin(run(args, cx))
    }
}
