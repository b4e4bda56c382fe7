//! `list_events`: events in a wall-clock range, recurring series expanded into their
//! occurrences (GET /me/calendarView or /me/calendars/{id}/calendarView, user-list-calendarview),
//! shown in the mailbox time zone (`Prefer: outlook.timezone`) unless another zone is asked for.
//!
//! The range is wall-clock time in that zone; see [`Window::graph_bounds`] for how it becomes
//! calendarView's UTC window.

use serde::{Deserialize, Serialize};

use super::{
    calendar_not_found, calendar_root, events_text, prefer_zone, zone_or_mailbox, EventSummary,
    Window, SUMMARY_FIELDS,
};
use crate::graph::paging::PageLimits;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// Longest range one call may ask for.
pub const MAX_RANGE_DAYS: i64 = 400;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Start of the range: a date (2026-06-01, from midnight) or a local date-time
    /// (2026-06-01T09:00) in time_zone. No Z or offset.
    pub start: String,
    /// End of the range: a date (that whole day is included) or a local date-time (exclusive).
    /// Default 7 days after start. At most 400 days after start.
    #[serde(default)]
    pub end: Option<String>,
    /// Zone for the range and the times shown: IANA (Europe/London) or Windows (GMT Standard
    /// Time) name. Default: the user's mailbox time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// A calendar id from list_calendars; default the user's default calendar.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// Events per page, 1-100. Default 50.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 100)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor (pass the other arguments unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventList {
    /// The zone every start and end is written in.
    pub time_zone: String,
    pub events: Vec<EventSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default)]
pub struct ListEvents;

/// The calendarView request for `window` in `zone`, `fields` selected, `top` per page.
pub fn view_request(
    calendar_id: Option<&str>,
    window: &Window,
    zone: &str,
    fields: &[&str],
    top: usize,
) -> Result<GraphRequest, ToolError> {
    let (from, to) = window.graph_bounds();
    Ok(
        GraphRequest::get(calendar_root(calendar_id)?.segment("calendarView"))
            .query("startDateTime", from)
            .query("endDateTime", to)
            .select(fields)
            .query("$orderby", "start/dateTime")
            .query("$top", top.to_string())
            .prefer(prefer_zone(zone)),
    )
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<EventList> {
    let window = Window::from_args(&args.start, args.end.as_deref(), 7, MAX_RANGE_DAYS)?;
    let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
    let limit = args.limit.unwrap_or(50).clamp(1, 100) as usize;
    let request = view_request(
        args.calendar_id.as_deref(),
        &window,
        &zone,
        SUMMARY_FIELDS,
        limit,
    )?;
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await
        .map_err(calendar_not_found)?;
    let events: Vec<EventSummary> = listing
        .items
        .iter()
        .map(EventSummary::from_graph)
        .filter(|e| e.span().is_some_and(|(s, en)| window.overlaps(s, en)))
        .collect();
    let next_cursor = listing.next.map(|c| c.encode());
    let header = format!("{} ({zone})", window.label());
    let text = events_text(&header, &events, next_cursor.as_deref());
    Ok(Reply::new(
        text,
        EventList {
            time_zone: zone,
            events,
            next_cursor,
        },
    ))
}

impl ToolHandler for ListEvents {
    type Args = Args;
    type Output = EventList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_events",
        title: "List calendar events in a date range",
        description: "List the events in a date range, oldest first, with recurring meetings expanded into \
their single occurrences: local start and end, subject, location, organiser, the user's response and the \
event id. Times are in the user's mailbox time zone unless time_zone names another (IANA or Windows name). \
Use it for \"what is on my calendar\"; to find events by words use search_events; for the full details \
(attendees, body, Teams link) use get_event. Example: {\"start\":\"2026-06-01\",\"end\":\"2026-06-05\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Calendars.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<EventList>> {
        Box::pin(run(args, cx))
    }
}
