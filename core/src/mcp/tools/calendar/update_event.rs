//! `update_event`: change an event, one occurrence, or a whole series (PATCH /me/events/{id},
//! event-update). The event is read first (its times in the zone the arguments use, its
//! attendees, whether the user organises it) so that moving the start keeps the length, adding
//! attendees keeps the others, and an attendee is told that changes to a meeting they do not
//! organise would only change their own copy.

use serde::Deserialize;
use serde_json::{json, Value};

use super::create_event::{
    attendees_json, recurrence_json, reminder_json, RecurrenceArg, Saved, ShowAs, Times,
    DRAFT_NOTE_START, UTC_NOTE,
};
use super::{event_path, graph_time, prefer_zone, send_event, zone_or_mailbox};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The event id: an occurrence's id changes that occurrence only, the series id (seriesMasterId)
    /// the whole series.
    pub event_id: String,
    #[serde(default)]
    pub subject: Option<String>,
    /// New local start (2026-06-02T09:30, or a date for all-day events); the length is kept
    /// unless end is given.
    #[serde(default)]
    pub start: Option<String>,
    /// New local end (exclusive); for all-day events the last day.
    #[serde(default)]
    pub end: Option<String>,
    /// IANA or Windows zone of start and end. Default: the mailbox zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Make it an all-day event (true) or a timed one (false, then give start).
    #[serde(default)]
    pub all_day: Option<bool>,
    /// New description (plain text), replacing the old one.
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// Required attendees to invite (they get an invitation).
    #[serde(default)]
    pub add_attendees: Vec<String>,
    #[serde(default)]
    pub add_optional_attendees: Vec<String>,
    /// Rooms or equipment to add.
    #[serde(default)]
    pub add_resources: Vec<String>,
    /// Attendees to take off (they get a cancellation).
    #[serde(default)]
    pub remove_attendees: Vec<String>,
    /// A new recurrence for a series or a single event (not for one occurrence).
    #[serde(default)]
    pub recurrence: Option<RecurrenceArg>,
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 0, max = 40320)))]
    pub reminder_minutes: Option<u32>,
    #[serde(default)]
    pub no_reminder: bool,
    /// true: add a Teams link (an online meeting cannot be turned back into an offline one).
    #[serde(default)]
    pub teams_meeting: Option<bool>,
    #[serde(default)]
    pub show_as: Option<ShowAs>,
}

impl Args {
    /// Whether the change is one only the organiser can make (it goes to the attendees).
    fn changes_the_meeting(&self) -> bool {
        self.subject.is_some()
            || self.start.is_some()
            || self.end.is_some()
            || self.all_day.is_some()
            || self.body.is_some()
            || self.location.is_some()
            || !self.add_attendees.is_empty()
            || !self.add_optional_attendees.is_empty()
            || !self.add_resources.is_empty()
            || !self.remove_attendees.is_empty()
            || self.recurrence.is_some()
            || self.teams_meeting.is_some()
    }
}

const READ_FIELDS: &[&str] = &[
    "id",
    "subject",
    "start",
    "end",
    "isAllDay",
    "isOrganizer",
    "attendees",
    "type",
    "body",
    "showAs",
];

/// The description without create_event's draft note, if it had one.
pub fn strip_draft_note(content: &str) -> Option<String> {
    let start = content.find(DRAFT_NOTE_START)?;
    let end = content[start..].find(']').map(|i| start + i + 1)?;
    let mut out = content[..start].trim_end().to_owned();
    out.push_str(&content[end..]);
    Some(out)
}

#[derive(Debug, Default)]
pub struct UpdateEvent;

/// The new times, from the arguments and the event as it is (`cur`, in the same zone).
fn new_times(args: &Args, cur: &Value) -> Result<Option<Times>, ToolError> {
    if args.start.is_none() && args.end.is_none() && args.all_day.is_none() {
        return Ok(None);
    }
    let was_all_day = cur
        .get("isAllDay")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let all_day = args.all_day.unwrap_or(was_all_day);
    let (Some(cs), Some(ce)) = (graph_time(cur, "start"), graph_time(cur, "end")) else {
        return Err(ToolError::new(
            "The event's current times could not be read; give both start and end.",
        ));
    };
    if all_day {
        let s = match &args.start {
            Some(s) => super::local_arg("start", s)?.0,
            None => cs.day(),
        };
        let end = match &args.end {
            Some(e) => e.clone(),
            None => {
                // Keep the number of days.
                let cur_last = if was_all_day { ce.plus_days(-1) } else { ce };
                let days = cur_last.day().minutes_since(cs.day()) / 1440;
                s.plus_days(days.max(0)).date_string()
            }
        };
        let start = args.start.clone().unwrap_or_else(|| s.date_string());
        return Times::from_args(&start, Some(&end), true, 0).map(Some);
    }
    let start = match &args.start {
        Some(s) => s.clone(),
        None if was_all_day => {
            return Err(ToolError::invalid_argument(
                "start: give a time of day to turn an all-day event into a timed one",
            ))
        }
        None => cs.short(),
    };
    let length = if was_all_day {
        30
    } else {
        ce.minutes_since(cs)
    };
    Times::from_args(&start, args.end.as_deref(), false, length).map(Some)
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Saved> {
    let path = event_path(&args.event_id)?;
    let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
    let cur = send_event(
        cx,
        &GraphRequest::get(path.clone())
            .select(READ_FIELDS)
            .prefer(prefer_zone(&zone)),
        "event_id",
    )
    .await?;
    let organizer = cur
        .get("isOrganizer")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if !organizer && args.changes_the_meeting() {
        return Err(ToolError::new(
            "The user is an attendee of this meeting, not its organiser: changes to its time, subject, place, \
             description or attendees would only alter their own copy and reach nobody. Ask the organiser, or \
             use respond_to_event (decline, or tentative with a comment proposing another time). Only \
             reminder_minutes, no_reminder and show_as can be changed here.",
        ));
    }
    let is_occurrence = matches!(
        cur.get("type").and_then(Value::as_str),
        Some("occurrence" | "exception")
    );
    if is_occurrence && args.recurrence.is_some() {
        return Err(ToolError::invalid_argument(
            "recurrence: this id is one occurrence; pass the series id (seriesMasterId) to change the pattern",
        ));
    }
    let mut body = json!({});
    if let Some(s) = &args.subject {
        if s.trim().is_empty() {
            return Err(ToolError::invalid_argument("subject: must not be empty"));
        }
        body["subject"] = json!(s.trim());
    }
    let times = new_times(&args, &cur)?;
    if let Some(t) = &times {
        t.write(&mut body, &zone);
    }
    if let Some(b) = &args.body {
        body["body"] = json!({"contentType": "text", "content": b.trim()});
    }
    if let Some(l) = &args.location {
        body["location"] = json!({"displayName": l.trim()});
    }
    // Attendees: the current list, minus removals, plus additions.
    let added = attendees_json(
        cx,
        &[
            ("add_attendees", "required", &args.add_attendees),
            (
                "add_optional_attendees",
                "optional",
                &args.add_optional_attendees,
            ),
            ("add_resources", "resource", &args.add_resources),
        ],
    )?;
    let mut notes = Vec::new();
    let mut new_invites = Vec::new();
    let current: Vec<Value> = cur
        .get("attendees")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let address_of = |a: &Value| {
        a.pointer("/emailAddress/address")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    if !added.is_empty() || !args.remove_attendees.is_empty() {
        let remove: Vec<String> = args
            .remove_attendees
            .iter()
            .map(|r| r.trim().to_ascii_lowercase())
            .collect();
        for r in &remove {
            if !current.iter().any(|a| address_of(a) == *r) {
                notes.push(format!("{r} was not an attendee."));
            }
        }
        let mut list: Vec<Value> = current
            .iter()
            .filter(|a| !remove.contains(&address_of(a)))
            .map(|a| json!({"emailAddress": a["emailAddress"].clone(), "type": a.get("type").cloned().unwrap_or(json!("required"))}))
            .collect();
        for a in added {
            let addr = address_of(&a);
            if list.iter().any(|x| address_of(x) == addr) {
                notes.push(format!("{addr} was already invited."));
                continue;
            }
            if a["type"] != "resource" {
                new_invites.push(addr);
            }
            list.push(a);
        }
        body["attendees"] = json!(list);
    }
    // A draft from create_event becomes a meeting: its note goes, and it stops being tentative.
    if !new_invites.is_empty() && args.body.is_none() {
        let content = cur
            .pointer("/body/content")
            .and_then(Value::as_str)
            .unwrap_or("");
        if let Some(cleaned) = strip_draft_note(content) {
            let kind = cur
                .pointer("/body/contentType")
                .and_then(Value::as_str)
                .unwrap_or("html");
            body["body"] = json!({"contentType": kind, "content": cleaned});
            if args.show_as.is_none()
                && cur.get("showAs").and_then(Value::as_str) == Some("tentative")
            {
                body["showAs"] = json!("busy");
            }
            notes.push("This was a draft: its note was removed from the description and it is now shown as busy.".into());
        }
    }
    if let Some(rec) = &args.recurrence {
        let start = times
            .map(|t| t.start)
            .or_else(|| graph_time(&cur, "start"))
            .ok_or_else(|| ToolError::new("The event's start could not be read."))?;
        body["recurrence"] = recurrence_json(rec, start, &zone)?;
    }
    reminder_json(&mut body, args.reminder_minutes, args.no_reminder)?;
    match args.teams_meeting {
        Some(true) => {
            body["isOnlineMeeting"] = json!(true);
            body["onlineMeetingProvider"] = json!("teamsForBusiness");
        }
        Some(false) => {
            return Err(ToolError::invalid_argument(
                "teams_meeting: an online meeting cannot be turned back into an offline one; delete and recreate it instead",
            ))
        }
        None => {}
    }
    if let Some(s) = args.show_as {
        body["showAs"] = json!(s.graph());
    }
    if body.as_object().is_some_and(|o| o.is_empty()) {
        return Err(ToolError::invalid_argument(
            "nothing to change: give at least one field to update besides event_id",
        ));
    }
    let updated = send_event(cx, &GraphRequest::patch(path, body), "event_id").await?;
    // The PATCH answer is not in our zone: show the new times, or the ones read before.
    let shown = times.or_else(|| {
        Some(Times {
            start: graph_time(&cur, "start")?,
            end: graph_time(&cur, "end")?,
            all_day: cur
                .get("isAllDay")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    });
    let mut saved = Saved::from_graph(&updated, shown.as_ref(), &zone);
    if organizer && args.changes_the_meeting() {
        let remaining: Vec<String> = saved
            .attendees
            .iter()
            .filter(|a| a.kind != "resource")
            .map(|a| a.address.to_ascii_lowercase())
            .collect();
        // New attendees get an invitation; when the meeting itself changed, everyone an update.
        let others_changed = args.subject.is_some()
            || times.is_some()
            || args.body.is_some()
            || args.location.is_some()
            || args.recurrence.is_some()
            || args.teams_meeting.is_some();
        saved.notified = if others_changed {
            remaining
        } else {
            new_invites
        };
    }
    if args.teams_meeting == Some(true) && saved.join_url.is_none() {
        saved.notes.push(
            "No Teams link was added: this calendar does not offer Teams meetings (work or school accounts only)."
                .into(),
        );
    }
    if !args.remove_attendees.is_empty() {
        notes.push("Removed attendees are sent a cancellation.".into());
    }
    if args.time_zone.is_none() && zone == "UTC" && times.is_some() {
        notes.push(UTC_NOTE.into());
    }
    saved.notes.extend(notes);
    Ok(Reply::new(saved.to_text("Updated"), saved))
}

impl ToolHandler for UpdateEvent {
    type Args = Args;
    type Output = Saved;

    const SPEC: ToolSpec = ToolSpec {
        name: "update_event",
        title: "Change an event or meeting",
        description: "Change an event the user organises: subject, times (local, in time_zone or the mailbox \
zone; moving the start keeps the length), description, location, reminder, show-as, recurrence, Teams link, \
and add or remove attendees. For a meeting, saving sends the attendees an update and new attendees an \
invitation. An occurrence id changes that occurrence only; the series id changes all. To answer someone \
else's meeting use respond_to_event. Example: {\"event_id\":\"AAMk...\",\"start\":\"2026-06-03T15:00\",\
\"add_attendees\":[\"lee@contoso.com\"]}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Calendars.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Saved>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(start: &str, end: &str, all_day: bool) -> Value {
        json!({"isAllDay": all_day, "start": {"dateTime": start}, "end": {"dateTime": end}})
    }

    #[test]
    fn draft_notes_are_stripped() {
        let html = "<html><body><p>Numbers for Q3.<br><br>[Draft: invitations not sent yet. Intended attendees: a@b.example (required)]</p></body></html>";
        assert_eq!(
            strip_draft_note(html).unwrap(),
            "<html><body><p>Numbers for Q3.<br><br></p></body></html>"
        );
        assert_eq!(strip_draft_note("no note"), None);
    }

    #[test]
    fn moving_the_start_keeps_the_length() {
        let c = cur(
            "2026-06-02T09:00:00.0000000",
            "2026-06-02T09:45:00.0000000",
            false,
        );
        let a = Args {
            start: Some("2026-06-03T14:00".into()),
            ..Args::default()
        };
        let t = new_times(&a, &c).unwrap().unwrap();
        assert_eq!(
            (t.start.short(), t.end.short()),
            ("2026-06-03T14:00".into(), "2026-06-03T14:45".into())
        );
        let a = Args {
            end: Some("2026-06-02T10:30".into()),
            ..Args::default()
        };
        let t = new_times(&a, &c).unwrap().unwrap();
        assert_eq!(
            (t.start.short(), t.end.short()),
            ("2026-06-02T09:00".into(), "2026-06-02T10:30".into())
        );
        assert!(new_times(&Args::default(), &c).unwrap().is_none());
    }

    #[test]
    fn all_day_moves_keep_the_days() {
        let c = cur(
            "2026-06-26T00:00:00.0000000",
            "2026-07-01T00:00:00.0000000",
            true,
        );
        let a = Args {
            start: Some("2026-07-06".into()),
            ..Args::default()
        };
        let t = new_times(&a, &c).unwrap().unwrap();
        assert_eq!(
            (t.start.graph(), t.end.graph()),
            ("2026-07-06T00:00:00".into(), "2026-07-11T00:00:00".into())
        );
        let a = Args {
            all_day: Some(false),
            ..Args::default()
        };
        assert!(new_times(&a, &c).unwrap_err().message.contains("start"));
        let timed = cur(
            "2026-06-02T09:00:00.0000000",
            "2026-06-02T09:45:00.0000000",
            false,
        );
        let a = Args {
            all_day: Some(true),
            ..Args::default()
        };
        let t = new_times(&a, &timed).unwrap().unwrap();
        assert_eq!(
            (t.start.graph(), t.end.graph()),
            ("2026-06-02T00:00:00".into(), "2026-06-03T00:00:00".into())
        );
    }
}
