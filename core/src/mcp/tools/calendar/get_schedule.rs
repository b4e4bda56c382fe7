//! `get_schedule`: free/busy of people (or rooms) over a window (POST /me/calendar/getSchedule,
//! calendar-getschedule): per address the availability view (one digit per interval) and the
//! busy items. Work or school accounts only; times in the zone of `Prefer: outlook.timezone`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{address_arg, graph_time, prefer_zone, zone_or_mailbox, LocalTime, Window};
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// Addresses per call (Graph allows 100; more would not fit a model's context usefully).
pub const MAX_ADDRESSES: usize = 20;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Addresses of people, distribution lists or rooms (1-20).
    pub addresses: Vec<String>,
    /// Start of the window: a date or local date-time in time_zone.
    pub start: String,
    /// End: a date (included) or local date-time. Default 1 day after start; at most 62 days.
    #[serde(default)]
    pub end: Option<String>,
    /// IANA or Windows zone of the window and the times shown. Default: the mailbox zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Minutes per availability-view digit, 5-1440. Default 30.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 5, max = 1440)))]
    pub interval_minutes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct BusyItem {
    pub start: String,
    pub end: String,
    /// tentative, busy, oof, workingElsewhere.
    pub status: String,
    /// Only when the calendar shares it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub address: String,
    /// One digit per interval from the window's start: 0 free, 1 tentative, 2 busy, 3 out of
    /// office, 4 working elsewhere.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub availability_view: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<BusyItem>,
    /// Working hours, e.g. "monday-friday 08:00-17:00 (Pacific Standard Time)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<String>,
    /// Why this address has no schedule (unknown, outside the organisation, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Schedules {
    pub time_zone: String,
    /// The window's local start; availability digits count from here.
    pub start: String,
    pub interval_minutes: u32,
    pub schedules: Vec<Schedule>,
}

#[derive(Debug, Default)]
pub struct GetSchedule;

fn working_hours(w: &Value) -> Option<String> {
    let days: Vec<&str> = w
        .get("daysOfWeek")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let hm = |k: &str| str_field(w, k).map(|t| t.chars().take(5).collect::<String>());
    let zone = w.get("timeZone").and_then(|z| str_field(z, "name"));
    let days = match days.as_slice() {
        ["monday", "tuesday", "wednesday", "thursday", "friday"] => "monday-friday".to_owned(),
        d => d.join(", "),
    };
    let mut out = format!("{days} {}-{}", hm("startTime")?, hm("endTime")?);
    if let Some(z) = zone {
        out.push_str(&format!(" ({z})"));
    }
    Some(out)
}

impl Schedule {
    fn from_graph(v: &Value) -> Self {
        let address = str_field(v, "scheduleId").unwrap_or_default();
        let error = v.get("error").and_then(|e| str_field(e, "message"));
        let items = v
            .get("scheduleItems")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|i| {
                        Some(BusyItem {
                            start: graph_time(i, "start")?.short(),
                            end: graph_time(i, "end")?.short(),
                            status: str_field(i, "status").unwrap_or_else(|| "busy".into()),
                            subject: str_field(i, "subject"),
                            location: str_field(i, "location"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            address,
            availability_view: str_field(v, "availabilityView").unwrap_or_default(),
            items,
            working_hours: v.get("workingHours").and_then(working_hours),
            error,
        }
    }
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Schedules> {
    if args.addresses.is_empty() || args.addresses.len() > MAX_ADDRESSES {
        return Err(ToolError::invalid_argument(format!(
            "addresses: give 1-{MAX_ADDRESSES} addresses"
        )));
    }
    let addresses = args
        .addresses
        .iter()
        .map(|a| address_arg("addresses", a))
        .collect::<Result<Vec<_>, _>>()?;
    let window = Window::from_args(&args.start, args.end.as_deref(), 1, 62)?;
    let interval = args.interval_minutes.unwrap_or(30);
    if !(5..=1440).contains(&interval) {
        return Err(ToolError::invalid_argument("interval_minutes: 5-1440"));
    }
    let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
    let body = json!({
        "schedules": addresses,
        "startTime": {"dateTime": window.start.graph(), "timeZone": zone},
        "endTime": {"dateTime": window.end.graph(), "timeZone": zone},
        "availabilityViewInterval": interval,
    });
    let request = GraphRequest::post(
        GraphPath::me().segment("calendar").segment("getSchedule"),
        body,
    )
    .prefer(prefer_zone(&zone));
    let result = cx.send(&request).await.map_err(|e| {
        if e.status == 403 {
            ToolError::new(format!(
                "{} Free/busy lookups work only for work or school accounts.",
                cx.graph_error(&e).message
            ))
        } else {
            cx.graph_error(&e)
        }
    })?;
    let schedules: Vec<Schedule> = result
        .get("value")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(Schedule::from_graph).collect())
        .unwrap_or_default();
    let mut text = format!(
        "Free/busy {} ({zone}), one digit per {interval} min from {} (0 free, 1 tentative, 2 busy, 3 out of office, 4 elsewhere):",
        window.label(),
        window.start.short()
    );
    for s in &schedules {
        text.push_str(&format!("\n- {}", s.address));
        if let Some(e) = &s.error {
            text.push_str(&format!(": not available ({e})"));
            continue;
        }
        text.push_str(&format!(": {}", s.availability_view));
        if let Some(w) = &s.working_hours {
            text.push_str(&format!(" · works {w}"));
        }
        for i in &s.items {
            let when = match (
                LocalTime::from_graph(&i.start),
                LocalTime::from_graph(&i.end),
            ) {
                (Some(a), Some(b)) if a.date_string() == b.date_string() => {
                    format!("{} {}–{}", a.day_label(), a.hm(), b.hm())
                }
                _ => format!("{} – {}", i.start, i.end),
            };
            text.push_str(&format!("\n   {when} {}", i.status));
            if let Some(sub) = &i.subject {
                text.push_str(&format!(" · {sub}"));
            }
        }
    }
    Ok(Reply::new(
        text,
        Schedules {
            time_zone: zone,
            start: window.start.short(),
            interval_minutes: interval,
            schedules,
        },
    ))
}

impl ToolHandler for GetSchedule {
    type Args = Args;
    type Output = Schedules;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_schedule",
        title: "Get free/busy for people",
        description: "Free/busy of up to 20 people or rooms over a window (at most 62 days): per address an \
availability string (one digit per interval: 0 free, 1 tentative, 2 busy, 3 out of office, 4 elsewhere), \
the busy blocks in local time, and working hours. Work or school accounts only. To get suggested slots \
instead use find_meeting_times. Example: {\"addresses\":[\"megan@contoso.com\",\"lee@contoso.com\"],\
\"start\":\"2026-06-03\",\"interval_minutes\":60}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Calendars.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Schedules>> {
        Box::pin(run(args, cx))
    }
}
