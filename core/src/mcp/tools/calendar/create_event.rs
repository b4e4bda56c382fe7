//! `create_event`: an event or meeting on the user's calendar (POST /me/events or
//! /me/calendars/{id}/events, user-post-events), and the pieces `update_event` shares: times in a
//! named zone, all-day boundaries, recurrence, reminder, Teams, attendees.
//!
//! * Start and end are wall-clock times with the zone Graph should read them in
//!   (`dateTimeTimeZone`), the mailbox zone unless `time_zone` names another; never UTC by default.
//! * All-day events: Graph wants midnight-to-midnight in the event's zone, at least one day,
//!   the end exclusive. The tool takes the last day inclusive and adds the day.
//! * `draft: true`: Graph has no way to save a meeting with attendees without sending the
//!   invitations (`responseRequested: false` only says no replies are wanted; the invitation
//!   still goes out, and event `isDraft` is read-only). So a draft is created without attendees,
//!   shown as tentative, with the intended attendees listed at the end of its body; adding them
//!   later with `update_event` sends the invitations.
//! * `Prefer: outlook.timezone` does not apply to POST/PATCH responses (microsoft-graph-docs
//!   #8755), so the times reported back are the ones sent, not the response's.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::get_event::{describe_recurrence, Attendee};
use super::{
    attendee_address, calendar_root, event_error, local_arg, zone_or_mailbox, EventSummary,
    LocalTime, WEEKDAYS,
};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    pub subject: String,
    /// Local start, 2026-06-02T09:30, in time_zone (a date for all-day events). No Z or offset.
    pub start: String,
    /// Local end (exclusive). Default 30 minutes after start. For all-day events: the last day
    /// (inclusive), default the start day.
    #[serde(default)]
    pub end: Option<String>,
    /// IANA (America/New_York) or Windows (Eastern Standard Time) zone of start and end.
    /// Default: the user's mailbox time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Whole days, start and end given as dates.
    #[serde(default)]
    pub all_day: bool,
    /// Description, plain text.
    #[serde(default)]
    pub body: Option<String>,
    /// Required attendees' addresses: each gets an invitation (unless draft).
    #[serde(default)]
    pub attendees: Vec<String>,
    /// Optional attendees' addresses.
    #[serde(default)]
    pub optional_attendees: Vec<String>,
    /// Rooms or equipment (their addresses).
    #[serde(default)]
    pub resources: Vec<String>,
    /// Where, as text (e.g. "Conf Room Baker").
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub recurrence: Option<RecurrenceArg>,
    /// Reminder this many minutes before the start (0 = at the start). Default 15.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 0, max = 40320)))]
    pub reminder_minutes: Option<u32>,
    /// No reminder at all.
    #[serde(default)]
    pub no_reminder: bool,
    /// Add a Microsoft Teams meeting link (work or school accounts).
    #[serde(default)]
    pub teams_meeting: bool,
    /// Default busy (tentative for drafts, free for all-day events without attendees).
    #[serde(default)]
    pub show_as: Option<ShowAs>,
    /// A calendar id from list_calendars; default the user's default calendar.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// Create it without sending invitations: the attendees are listed in the body instead, and
    /// update_event with add_attendees invites them later.
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShowAs {
    Free,
    Tentative,
    Busy,
    Oof,
    WorkingElsewhere,
}

impl ShowAs {
    pub fn graph(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Tentative => "tentative",
            Self::Busy => "busy",
            Self::Oof => "oof",
            Self::WorkingElsewhere => "workingElsewhere",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    Daily,
    Weekly,
    AbsoluteMonthly,
    RelativeMonthly,
    AbsoluteYearly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    fn graph(self) -> &'static str {
        WEEKDAYS[self as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WeekOfMonth {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

/// How an event repeats. The series starts on the event's start date.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RecurrenceArg {
    /// absolute_monthly: the start's day number each month; relative_monthly: e.g. the second
    /// Tuesday each month; absolute_yearly: the start's date each year.
    pub pattern: Pattern,
    /// Every N days/weeks/months/years. Default 1.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 99)))]
    pub interval: Option<u32>,
    /// weekly: the days (default the start's weekday); relative_monthly: the weekday (default
    /// the start's).
    #[serde(default)]
    pub days_of_week: Vec<Weekday>,
    /// relative_monthly: which week (default the start's week of the month).
    #[serde(default)]
    pub week_of_month: Option<WeekOfMonth>,
    /// Last date a series may occur on (YYYY-MM-DD). Give this or count, or neither for no end.
    #[serde(default)]
    pub until: Option<String>,
    /// Number of occurrences.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 999)))]
    pub count: Option<u32>,
}

/// Graph's `patternedRecurrence` for `rec`, starting on `start` (local), in `zone`.
pub fn recurrence_json(
    rec: &RecurrenceArg,
    start: LocalTime,
    zone: &str,
) -> Result<Value, ToolError> {
    let interval = rec.interval.unwrap_or(1);
    if !(1..=99).contains(&interval) {
        return Err(ToolError::invalid_argument("recurrence.interval: 1-99"));
    }
    let (y, m, d) = start.ymd();
    let own_day = WEEKDAYS[start.weekday()];
    let days: Vec<&str> = if rec.days_of_week.is_empty() {
        vec![own_day]
    } else {
        rec.days_of_week.iter().map(|w| w.graph()).collect()
    };
    let mut pattern = Map::new();
    pattern.insert("interval".into(), json!(interval));
    match rec.pattern {
        Pattern::Daily => {
            pattern.insert("type".into(), json!("daily"));
        }
        Pattern::Weekly => {
            pattern.insert("type".into(), json!("weekly"));
            pattern.insert("daysOfWeek".into(), json!(days));
            pattern.insert("firstDayOfWeek".into(), json!("monday"));
        }
        Pattern::AbsoluteMonthly => {
            pattern.insert("type".into(), json!("absoluteMonthly"));
            pattern.insert("dayOfMonth".into(), json!(d));
        }
        Pattern::RelativeMonthly => {
            if days.len() != 1 {
                return Err(ToolError::invalid_argument(
                    "recurrence.days_of_week: relative_monthly takes one weekday, e.g. [\"tuesday\"]",
                ));
            }
            let index = match rec.week_of_month {
                Some(WeekOfMonth::First) => "first",
                Some(WeekOfMonth::Second) => "second",
                Some(WeekOfMonth::Third) => "third",
                Some(WeekOfMonth::Fourth) => "fourth",
                Some(WeekOfMonth::Last) => "last",
                None => {
                    ["first", "second", "third", "fourth", "last"][((d - 1) / 7).min(4) as usize]
                }
            };
            pattern.insert("type".into(), json!("relativeMonthly"));
            pattern.insert("daysOfWeek".into(), json!(days));
            pattern.insert("index".into(), json!(index));
        }
        Pattern::AbsoluteYearly => {
            pattern.insert("type".into(), json!("absoluteYearly"));
            pattern.insert("dayOfMonth".into(), json!(d));
            pattern.insert("month".into(), json!(m));
        }
    }
    let start_date = format!("{y:04}-{m:02}-{d:02}");
    let range = match (&rec.until, rec.count) {
        (Some(_), Some(_)) => {
            return Err(ToolError::invalid_argument(
                "recurrence: give until or count, not both",
            ))
        }
        (Some(u), None) => {
            let (until, date_only) = local_arg("recurrence.until", u)?;
            if !date_only {
                return Err(ToolError::invalid_argument(
                    "recurrence.until: a date such as 2026-12-31",
                ));
            }
            if until.date_string() < start_date {
                return Err(ToolError::invalid_argument(
                    "recurrence.until: must not be before the start date",
                ));
            }
            json!({"type": "endDate", "startDate": start_date, "endDate": until.date_string(), "recurrenceTimeZone": zone})
        }
        (None, Some(n)) => {
            if n == 0 {
                return Err(ToolError::invalid_argument("recurrence.count: at least 1"));
            }
            json!({"type": "numbered", "startDate": start_date, "numberOfOccurrences": n, "recurrenceTimeZone": zone})
        }
        (None, None) => {
            json!({"type": "noEnd", "startDate": start_date, "recurrenceTimeZone": zone})
        }
    };
    Ok(json!({ "pattern": Value::Object(pattern), "range": range }))
}

/// Start and end as Graph's `dateTimeTimeZone` pair, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub start: LocalTime,
    /// Exclusive (for all-day events the midnight after the last day).
    pub end: LocalTime,
    pub all_day: bool,
}

impl Times {
    /// From the arguments; `default_minutes` is the length when `end` is absent.
    pub fn from_args(
        start: &str,
        end: Option<&str>,
        all_day: bool,
        default_minutes: i64,
    ) -> Result<Self, ToolError> {
        let (s, s_date) = local_arg("start", start)?;
        if all_day {
            if !s_date && !s.is_midnight() {
                return Err(ToolError::invalid_argument(
                    "start: an all-day event takes a date such as 2026-06-26, not a time of day",
                ));
            }
            let last = match end.map(str::trim).filter(|e| !e.is_empty()) {
                None => s,
                Some(e) => {
                    let (e, e_date) = local_arg("end", e)?;
                    if !e_date && !e.is_midnight() {
                        return Err(ToolError::invalid_argument(
                            "end: an all-day event takes its last day as a date such as 2026-06-30",
                        ));
                    }
                    e
                }
            };
            let end = last.day().plus_days(1);
            if end <= s {
                return Err(ToolError::invalid_argument(
                    "end: the last day is before the start day",
                ));
            }
            return Ok(Self {
                start: s.day(),
                end,
                all_day: true,
            });
        }
        if s_date {
            return Err(ToolError::invalid_argument(
                "start: give a time of day (2026-06-02T09:30), or set all_day for a whole-day event",
            ));
        }
        let e = match end.map(str::trim).filter(|e| !e.is_empty()) {
            None => s.plus_minutes(default_minutes),
            Some(e) => match local_arg("end", e)? {
                (_, true) => {
                    return Err(ToolError::invalid_argument(
                        "end: give a time of day (2026-06-02T10:30)",
                    ))
                }
                (t, false) => t,
            },
        };
        if e < s {
            return Err(ToolError::invalid_argument(format!(
                "end: {} is before start {}",
                e.short(),
                s.short()
            )));
        }
        Ok(Self {
            start: s,
            end: e,
            all_day: false,
        })
    }

    /// `start`, `end` and `isAllDay` for a Graph body.
    pub fn write(&self, body: &mut Value, zone: &str) {
        body["start"] = json!({"dateTime": self.start.graph(), "timeZone": zone});
        body["end"] = json!({"dateTime": self.end.graph(), "timeZone": zone});
        body["isAllDay"] = json!(self.all_day);
    }

    /// How [`EventSummary`] writes them.
    pub fn shown(&self) -> (String, String) {
        if self.all_day {
            (self.start.date_string(), self.end.date_string())
        } else {
            (self.start.short(), self.end.short())
        }
    }
}

/// Graph attendees from the three address lists (checked against the deployment's domains).
pub fn attendees_json(
    cx: &ToolContext<'_>,
    lists: &[(&str, &str, &[String])],
) -> Result<Vec<Value>, ToolError> {
    let mut out: Vec<Value> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for &(field, kind, list) in lists {
        for a in list {
            let addr = attendee_address(cx, field, a)?;
            let lower = addr.to_ascii_lowercase();
            if seen.contains(&lower) {
                continue;
            }
            seen.push(lower);
            out.push(json!({"emailAddress": {"address": addr}, "type": kind}));
        }
    }
    Ok(out)
}

/// The reminder fields for a body.
pub fn reminder_json(body: &mut Value, minutes: Option<u32>, none: bool) -> Result<(), ToolError> {
    match (minutes, none) {
        (Some(_), true) => Err(ToolError::invalid_argument(
            "reminder_minutes: leave it out when no_reminder is true",
        )),
        (_, true) => {
            body["isReminderOn"] = json!(false);
            Ok(())
        }
        (Some(m), false) => {
            if m > 40_320 {
                return Err(ToolError::invalid_argument(
                    "reminder_minutes: at most 40320 (four weeks)",
                ));
            }
            body["isReminderOn"] = json!(true);
            body["reminderMinutesBeforeStart"] = json!(m);
            Ok(())
        }
        (None, false) => Ok(()),
    }
}

/// What create_event and update_event return.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    #[serde(flatten)]
    pub event: EventSummary,
    pub time_zone: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<Attendee>,
    /// Who was sent an invitation or update by this call.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notified: Vec<String>,
    /// The Teams join link, when one was added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// The series' pattern in words, for a recurring event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<String>,
    /// Created as a draft: nothing was sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// Something the user should know (e.g. no Teams link on a personal account).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Saved {
    /// From Graph's answer, with the local times we sent.
    pub fn from_graph(e: &Value, times: Option<&Times>, zone: &str) -> Self {
        let mut event = EventSummary::from_graph(e);
        if let Some(t) = times {
            (event.start, event.end) = t.shown();
            event.all_day = t.all_day;
        }
        Self {
            event,
            time_zone: zone.to_owned(),
            attendees: e
                .get("attendees")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Attendee::from_graph).collect())
                .unwrap_or_default(),
            notified: Vec::new(),
            join_url: e.get("onlineMeeting").and_then(|m| str_field(m, "joinUrl")),
            repeats: e.get("recurrence").and_then(describe_recurrence),
            draft: false,
            notes: Vec::new(),
        }
    }

    pub fn to_text(&self, verb: &str) -> String {
        let e = &self.event;
        let mut out = format!("{verb} {:?}: {} ({})", e.subject, e.when(), self.time_zone);
        if let Some(r) = &self.repeats {
            out.push_str(&format!("\nRepeats: {r}"));
        }
        if let Some(l) = &e.location {
            out.push_str(&format!("\nWhere: {l}"));
        }
        if let Some(u) = &self.join_url {
            out.push_str(&format!("\nTeams link: {u}"));
        }
        if self.draft {
            out.push_str("\nDraft: no invitations were sent.");
        }
        if !self.notified.is_empty() {
            out.push_str(&format!(
                "\nInvitations/updates sent to: {}",
                self.notified.join(", ")
            ));
        }
        for n in &self.notes {
            out.push_str(&format!("\nNote: {n}"));
        }
        out.push_str(&format!("\nid: {}", e.id));
        out
    }
}

/// Said when times given without time_zone were read as UTC because that is the mailbox zone.
pub const UTC_NOTE: &str =
    "The times were read as UTC because the mailbox time zone is UTC (or not set). If the \
user meant another zone, update the event with time_zone.";

/// How the note a draft carries in its body begins (update_event removes it).
pub const DRAFT_NOTE_START: &str = "[Draft: invitations not sent yet.";

/// The note a draft carries in its body.
pub fn draft_note(attendees: &[Value]) -> String {
    let list: Vec<String> = attendees
        .iter()
        .filter_map(|a| {
            let addr = a.pointer("/emailAddress/address")?.as_str()?;
            let kind = a.get("type").and_then(Value::as_str).unwrap_or("required");
            Some(format!("{addr} ({kind})"))
        })
        .collect();
    if list.is_empty() {
        "[Draft: invitations not sent yet.]".to_owned()
    } else {
        format!(
            "[Draft: invitations not sent yet. Intended attendees: {}]",
            list.join(", ")
        )
    }
}

#[derive(Debug, Default)]
pub struct CreateEvent;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Saved> {
    let subject = args.subject.trim();
    if subject.is_empty() {
        return Err(ToolError::invalid_argument(
            "subject: give the event a subject",
        ));
    }
    let times = Times::from_args(&args.start, args.end.as_deref(), args.all_day, 30)?;
    let attendees = attendees_json(
        cx,
        &[
            ("attendees", "required", &args.attendees),
            ("optional_attendees", "optional", &args.optional_attendees),
            ("resources", "resource", &args.resources),
        ],
    )?;
    let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
    let mut body = json!({ "subject": subject });
    times.write(&mut body, &zone);
    let mut text = args.body.as_deref().unwrap_or("").trim().to_owned();
    if args.draft {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&draft_note(&attendees));
    } else if !attendees.is_empty() {
        body["attendees"] = json!(attendees);
    }
    if !text.is_empty() {
        body["body"] = json!({"contentType": "text", "content": text});
    }
    if let Some(l) = args
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        body["location"] = json!({"displayName": l});
    }
    if let Some(rec) = &args.recurrence {
        body["recurrence"] = recurrence_json(rec, times.start, &zone)?;
    }
    reminder_json(&mut body, args.reminder_minutes, args.no_reminder)?;
    if args.teams_meeting {
        body["isOnlineMeeting"] = json!(true);
        body["onlineMeetingProvider"] = json!("teamsForBusiness");
    }
    let show_as = match args.show_as {
        Some(s) => Some(s.graph()),
        None if args.draft => Some("tentative"),
        None if args.all_day && attendees.is_empty() => Some("free"),
        None => None,
    };
    if let Some(s) = show_as {
        body["showAs"] = json!(s);
    }
    let path = calendar_root(args.calendar_id.as_deref())?.segment("events");
    let created = cx
        .send(&GraphRequest::post(path, body))
        .await
        .map_err(|e| event_error(cx, &e, "calendar_id"))?;
    let mut saved = Saved::from_graph(&created, Some(&times), &zone);
    saved.draft = args.draft;
    if !args.draft {
        saved.notified = attendees
            .iter()
            .filter(|a| a["type"] != "resource")
            .filter_map(|a| a.pointer("/emailAddress/address").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
    }
    if args.teams_meeting && saved.join_url.is_none() {
        saved.notes.push(
            "No Teams link was added: this calendar does not offer Teams meetings (Teams meetings on events \
             need a work or school account)."
                .into(),
        );
    }
    if args.time_zone.is_none() && zone == "UTC" {
        saved.notes.push(UTC_NOTE.into());
    }
    let text = saved.to_text("Created");
    Ok(Reply::new(text, saved))
}

impl ToolHandler for CreateEvent {
    type Args = Args;
    type Output = Saved;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_event",
        title: "Create an event or meeting",
        description: "Create an event on the user's calendar. start/end are local times in time_zone (IANA or \
Windows name; default the mailbox zone, never UTC). With attendees this sends them invitations at once; \
draft:true sends nothing (attendees are listed in the body, invite later with update_event). Supports \
all-day, recurrence, reminder, location, rooms and a Teams link. Check free times first with find_meeting_times. \
Example: {\"subject\":\"Design review\",\"start\":\"2026-06-03T14:00\",\"end\":\"2026-06-03T15:00\",\
\"attendees\":[\"megan@contoso.com\"],\"teams_meeting\":true}",
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

    fn t(s: &str) -> LocalTime {
        LocalTime::parse(s).unwrap().0
    }

    #[test]
    fn all_day_ends_are_inclusive_last_days() {
        let x = Times::from_args("2026-06-26", Some("2026-06-30"), true, 30).unwrap();
        assert_eq!(
            (x.start.graph(), x.end.graph()),
            ("2026-06-26T00:00:00".into(), "2026-07-01T00:00:00".into())
        );
        let one = Times::from_args("2026-06-26", None, true, 30).unwrap();
        assert_eq!(one.end.graph(), "2026-06-27T00:00:00");
        assert!(Times::from_args("2026-06-26T09:00", None, true, 30).is_err());
        assert!(Times::from_args("2026-06-26", Some("2026-06-25"), true, 30).is_err());
    }

    #[test]
    fn timed_events_need_times_and_order() {
        let x = Times::from_args("2026-06-02T09:30", None, false, 30).unwrap();
        assert_eq!(x.end.short(), "2026-06-02T10:00");
        let e =
            Times::from_args("2026-06-02T09:30", Some("2026-06-02T09:00"), false, 30).unwrap_err();
        assert!(
            e.message.contains("end:") && e.message.contains("before start"),
            "{}",
            e.message
        );
        assert!(Times::from_args("2026-06-02", None, false, 30).is_err());
    }

    #[test]
    fn recurrences_default_from_the_start() {
        let weekly = RecurrenceArg {
            pattern: Pattern::Weekly,
            interval: None,
            days_of_week: vec![],
            week_of_month: None,
            until: Some("2026-12-31".into()),
            count: None,
        };
        let r = recurrence_json(&weekly, t("2026-01-06T11:00"), "America/New_York").unwrap();
        assert_eq!(r["pattern"]["daysOfWeek"], json!(["tuesday"]));
        assert_eq!(
            r["range"],
            json!({"type":"endDate","startDate":"2026-01-06","endDate":"2026-12-31","recurrenceTimeZone":"America/New_York"})
        );
        let monthly = RecurrenceArg {
            pattern: Pattern::RelativeMonthly,
            interval: Some(2),
            days_of_week: vec![],
            week_of_month: None,
            until: None,
            count: Some(6),
        };
        let r = recurrence_json(&monthly, t("2026-01-13T11:00"), "UTC").unwrap();
        assert_eq!(
            r["pattern"],
            json!({"type":"relativeMonthly","interval":2,"daysOfWeek":["tuesday"],"index":"second"})
        );
        assert_eq!(r["range"]["numberOfOccurrences"], 6);
        let both = RecurrenceArg {
            count: Some(3),
            until: Some("2026-02-01".into()),
            ..weekly.clone()
        };
        assert!(recurrence_json(&both, t("2026-01-06T11:00"), "UTC").is_err());
        let before = RecurrenceArg {
            until: Some("2025-12-01".into()),
            ..weekly
        };
        assert!(recurrence_json(&before, t("2026-01-06T11:00"), "UTC").is_err());
    }

    #[test]
    fn drafts_list_their_attendees() {
        let a = vec![json!({"emailAddress":{"address":"megan@contoso.example"},"type":"required"})];
        assert_eq!(
            draft_note(&a),
            "[Draft: invitations not sent yet. Intended attendees: megan@contoso.example (required)]"
        );
    }
}
