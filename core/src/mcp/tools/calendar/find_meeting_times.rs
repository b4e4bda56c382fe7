//! `find_meeting_times`: times when the attendees (and the user) are free (POST
//! /me/findMeetingTimes, user-findmeetingtimes). Work or school accounts only; the answer's times
//! are in the zone of `Prefer: outlook.timezone`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::create_event::attendees_json;
use super::{graph_time, prefer_zone, zone_or_mailbox, LocalTime, Window};
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Addresses of the people who must attend.
    pub attendees: Vec<String>,
    /// Addresses of people who may attend.
    #[serde(default)]
    pub optional_attendees: Vec<String>,
    /// Meeting length in minutes, 5-1440. Default 30.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 5, max = 1440)))]
    pub duration_minutes: Option<u32>,
    /// Earliest local start (date or date-time) in time_zone.
    pub start: String,
    /// Latest local end: a date (included) or date-time. Default 7 days after start; at most 62.
    #[serde(default)]
    pub end: Option<String>,
    /// IANA or Windows zone of the window and the suggestions. Default: the mailbox zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Only within working hours. Default true.
    #[serde(default)]
    pub working_hours_only: Option<bool>,
    /// Suggestions wanted, 1-20. Default 5.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 20)))]
    pub max_suggestions: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    pub address: String,
    /// free, tentative, busy, oof, workingElsewhere, unknown.
    pub availability: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// Local start in timeZone.
    pub start: String,
    pub end: String,
    /// 0-100: how likely everyone can attend.
    pub confidence: f64,
    /// The user's own availability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer_availability: Option<String>,
    pub attendees: Vec<Availability>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MeetingTimes {
    pub time_zone: String,
    pub suggestions: Vec<Suggestion>,
    /// Why there are none (Graph's emptySuggestionsReason), explained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_reason: Option<String>,
}

#[derive(Debug, Default)]
pub struct FindMeetingTimes;

fn explain_empty(reason: &str) -> String {
    match reason.to_ascii_lowercase().as_str() {
        "attendeesunavailable" => "attendeesUnavailable: the attendees are busy at every time in the window. Try a longer window, a shorter meeting, or working_hours_only false.".into(),
        "attendeesunavailableorunknown" => "attendeesUnavailableOrUnknown: some attendees' calendars cannot be seen (outside the organisation or unknown addresses) and the others are busy. Check the addresses, or compare get_schedule results.".into(),
        "locationsunavailable" => "locationsUnavailable: no room is free.".into(),
        "organizerunavailable" => "organizerUnavailable: the user is busy (or outside working hours) at every time in the window. Try another window or working_hours_only false.".into(),
        other => format!("{other}: Graph gave no further reason. Try a wider window."),
    }
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MeetingTimes> {
    if args.attendees.is_empty() && args.optional_attendees.is_empty() {
        return Err(ToolError::invalid_argument(
            "attendees: give at least one address (to check only the user's own calendar use list_events)",
        ));
    }
    let attendees = attendees_json(
        cx,
        &[
            ("attendees", "required", &args.attendees),
            ("optional_attendees", "optional", &args.optional_attendees),
        ],
    )?;
    let window = Window::from_args(&args.start, args.end.as_deref(), 7, 62)?;
    let duration = args.duration_minutes.unwrap_or(30);
    if !(5..=1440).contains(&duration) {
        return Err(ToolError::invalid_argument("duration_minutes: 5-1440"));
    }
    let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
    let max = args.max_suggestions.unwrap_or(5).clamp(1, 20);
    let domain = if args.working_hours_only.unwrap_or(true) {
        "work"
    } else {
        "unrestricted"
    };
    let body = json!({
        "attendees": attendees,
        "timeConstraint": {
            "activityDomain": domain,
            "timeSlots": [{
                "start": {"dateTime": window.start.graph(), "timeZone": zone},
                "end": {"dateTime": window.end.graph(), "timeZone": zone},
            }],
        },
        "meetingDuration": format!("PT{}H{}M", duration / 60, duration % 60),
        "maxCandidates": max,
        "isOrganizerOptional": false,
        "returnSuggestionReasons": false,
        "minimumAttendeePercentage": 50,
    });
    let request = GraphRequest::post(GraphPath::me().segment("findMeetingTimes"), body)
        .prefer(prefer_zone(&zone));
    let result = cx.send(&request).await.map_err(|e| {
        if e.status == 403 {
            ToolError::new(format!(
                "{} Finding meeting times works only for work or school accounts; with a personal account \
                 compare calendars with list_events instead.",
                cx.graph_error(&e).message
            ))
        } else if e.code == "TimeZoneNotSupportedException" {
            super::event_error(cx, &e, "")
        } else {
            cx.graph_error(&e)
        }
    })?;
    let suggestions: Vec<Suggestion> = result
        .get("meetingTimeSuggestions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    let slot = s.get("meetingTimeSlot")?;
                    let start = graph_time(slot, "start")?;
                    let end = graph_time(slot, "end")?;
                    Some(Suggestion {
                        start: start.short(),
                        end: end.short(),
                        confidence: s.get("confidence").and_then(Value::as_f64).unwrap_or(0.0),
                        organizer_availability: str_field(s, "organizerAvailability"),
                        attendees: s
                            .get("attendeeAvailability")
                            .and_then(Value::as_array)
                            .map(|x| {
                                x.iter()
                                    .filter_map(|a| {
                                        Some(Availability {
                                            address: a
                                                .pointer("/attendee/emailAddress/address")?
                                                .as_str()?
                                                .to_owned(),
                                            availability: str_field(a, "availability")
                                                .unwrap_or_else(|| "unknown".into()),
                                        })
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let empty_reason = if suggestions.is_empty() {
        Some(explain_empty(
            &str_field(&result, "emptySuggestionsReason").unwrap_or_else(|| "unknown".into()),
        ))
    } else {
        None
    };
    let mut text = format!(
        "Meeting times of {duration} min in {} ({zone}): {} suggestion(s)",
        window.label(),
        suggestions.len()
    );
    for (i, s) in suggestions.iter().enumerate() {
        let when = match (
            LocalTime::from_graph(&s.start),
            LocalTime::from_graph(&s.end),
        ) {
            (Some(a), Some(b)) => format!("{} {}–{}", a.day_label(), a.hm(), b.hm()),
            _ => format!("{} – {}", s.start, s.end),
        };
        let busy: Vec<String> = s
            .attendees
            .iter()
            .filter(|a| a.availability != "free")
            .map(|a| format!("{} {}", a.address, a.availability))
            .collect();
        text.push_str(&format!(
            "\n{}. {when} · confidence {:.0}%",
            i + 1,
            s.confidence
        ));
        if !busy.is_empty() {
            text.push_str(&format!(" · {}", busy.join(", ")));
        }
    }
    if let Some(r) = &empty_reason {
        text.push_str(&format!("\nNo suggestions: {r}"));
    }
    Ok(Reply::new(
        text,
        MeetingTimes {
            time_zone: zone,
            suggestions,
            empty_reason,
        },
    ))
}

impl ToolHandler for FindMeetingTimes {
    type Args = Args;
    type Output = MeetingTimes;

    const SPEC: ToolSpec = ToolSpec {
        name: "find_meeting_times",
        title: "Find times when people are free",
        description: "Suggest meeting times within a window when the user and the attendees are free (working \
hours by default), best first with each attendee's availability; times are local to time_zone (default the \
mailbox zone). Then create the meeting with create_event. Work or school accounts only. For raw free/busy \
blocks use get_schedule. Example: {\"attendees\":[\"megan@contoso.com\"],\"duration_minutes\":60,\
\"start\":\"2026-06-08\",\"end\":\"2026-06-10\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Calendars.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MeetingTimes>> {
        Box::pin(run(args, cx))
    }
}
