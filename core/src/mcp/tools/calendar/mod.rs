//! Calendars and events, and what the calendar tools share: time-zone names, wall-clock times
//! (no time-zone database: Graph does every conversion, through `Prefer: outlook.timezone` on
//! reads and `dateTimeTimeZone` on writes), the event summary every listing returns, and the
//! error mapping for event ids.
//!
//! Times a model reads or writes are always wall-clock times in a named zone, the user's mailbox
//! zone unless another is asked for; nothing is silently UTC (ryaker/outlook-mcp #11, #32).

pub mod add_event_attachment;
pub mod create_calendar;
pub mod create_event;
pub mod delete_event;
pub mod find_meeting_times;
pub mod get_event;
pub mod get_schedule;
pub mod list_calendars;
pub mod list_event_attachments;
pub mod list_events;
pub mod list_reminders;
pub mod respond_to_event;
pub mod search_events;
pub mod update_event;
pub mod zones;

use serde::Serialize;
use serde_json::Value;

use crate::graph::{GraphError, GraphPath, GraphRequest};
use crate::mcp::tool::{ToolContext, ToolError};
use crate::mcp::tools::mail::{str_field, Person};
use crate::text::html;

tool_group![
    list_calendars::ListCalendars,
    create_calendar::CreateCalendar,
    list_events::ListEvents,
    search_events::SearchEvents,
    get_event::GetEvent,
    create_event::CreateEvent,
    update_event::UpdateEvent,
    delete_event::DeleteEvent,
    respond_to_event::RespondToEvent,
    find_meeting_times::FindMeetingTimes,
    get_schedule::GetSchedule,
    list_reminders::ListReminders,
    list_event_attachments::ListEventAttachments,
    add_event_attachment::AddEventAttachment,
];

// =============================================================================================
// Time zones
// =============================================================================================

/// A zone argument checked and canonicalised, or an error naming `field`.
pub fn zone_arg(field: &str, name: &str) -> Result<String, ToolError> {
    zones::canonical(name).map(str::to_owned).ok_or_else(|| {
        ToolError::invalid_argument(format!(
            "{field}: {:?} is not a time zone Microsoft 365 knows. Pass an IANA name such as \
             \"America/New_York\" or \"Europe/London\", or a Windows name such as \"Eastern Standard Time\"",
            name.trim()
        ))
    })
}

/// The zone `arg` names, or the user's mailbox zone when it is absent.
pub async fn zone_or_mailbox(
    cx: &ToolContext<'_>,
    field: &str,
    arg: Option<&str>,
) -> Result<String, ToolError> {
    match arg.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => zone_arg(field, a),
        None => {
            let tz = cx.mailbox_time_zone().await?;
            // Graph's own value; only quotes would break the header.
            Ok(tz.replace('"', ""))
        }
    }
}

/// `Prefer: outlook.timezone="…"`: the zone Graph writes `start`/`end` in on reads.
pub fn prefer_zone(zone: &str) -> String {
    format!("outlook.timezone=\"{zone}\"")
}

// =============================================================================================
// Wall-clock times
// =============================================================================================

/// A wall-clock date and time without a zone, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime {
    /// Days since 1970-01-01.
    days: i64,
    /// Seconds into the day.
    secs: i64,
}

/// Why a time argument could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// It carries `Z` or an offset; we want a wall-clock time plus a zone name.
    Offset,
    Malformed,
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Day names, Monday first (Graph's `dayOfWeek` values).
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl LocalTime {
    pub fn new(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<Self> {
        if !(1..=9999).contains(&y)
            || !(1..=12).contains(&m)
            || d == 0
            || d > days_in_month(y, m)
            || hh > 23
            || mm > 59
            || ss > 59
        {
            return None;
        }
        Some(Self {
            days: days_from_civil(y, m, d),
            secs: i64::from(hh * 3600 + mm * 60 + ss),
        })
    }

    /// `YYYY-MM-DD` (then the bool is true), `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS` with
    /// optional fractions (Graph writes seven digits); a space may replace the `T`.
    pub fn parse(s: &str) -> Result<(Self, bool), TimeError> {
        let s = s.trim();
        let (date, time) = match s.split_once(['T', 't', ' ']) {
            Some((d, t)) => (d, Some(t.trim())),
            None => (s, None),
        };
        let mut parts = date.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TimeError::Malformed);
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(TimeError::Malformed);
        }
        let (y, m, d) = (
            digits(y).ok_or(TimeError::Malformed)?,
            digits(m).ok_or(TimeError::Malformed)?,
            digits(d).ok_or(TimeError::Malformed)?,
        );
        let Some(time) = time else {
            return Self::new(i64::from(y), m, d, 0, 0, 0)
                .map(|t| (t, true))
                .ok_or(TimeError::Malformed);
        };
        if time.ends_with(['Z', 'z']) || time.contains(['+', '-']) {
            return Err(TimeError::Offset);
        }
        let time = time.split('.').next().unwrap_or(time);
        let mut hms = time.split(':');
        let hh = hms.next().and_then(digits).ok_or(TimeError::Malformed)?;
        let mm = hms.next().and_then(digits).ok_or(TimeError::Malformed)?;
        let ss = match hms.next() {
            Some(x) => digits(x).ok_or(TimeError::Malformed)?,
            None => 0,
        };
        if hms.next().is_some() {
            return Err(TimeError::Malformed);
        }
        Self::new(i64::from(y), m, d, hh, mm, ss)
            .map(|t| (t, false))
            .ok_or(TimeError::Malformed)
    }

    /// A Graph `dateTime` (`2026-06-02T11:00:00.0000000`).
    pub fn from_graph(s: &str) -> Option<Self> {
        Self::parse(s.trim().trim_end_matches(['Z', 'z']))
            .ok()
            .map(|(t, _)| t)
    }

    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }

    /// 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> usize {
        // 1970-01-01 was a Thursday.
        (self.days + 3).rem_euclid(7) as usize
    }

    pub fn weekday_name(self) -> &'static str {
        WEEKDAYS[self.weekday()]
    }

    /// Midnight at the start of the same day.
    pub fn day(self) -> Self {
        Self {
            days: self.days,
            secs: 0,
        }
    }

    pub fn is_midnight(self) -> bool {
        self.secs == 0
    }

    pub fn plus_minutes(self, minutes: i64) -> Self {
        let total = self.secs + minutes * 60;
        Self {
            days: self.days + total.div_euclid(86_400),
            secs: total.rem_euclid(86_400),
        }
    }

    pub fn plus_days(self, days: i64) -> Self {
        Self {
            days: self.days + days,
            secs: self.secs,
        }
    }

    /// Whole minutes from `earlier` to `self`.
    pub fn minutes_since(self, earlier: Self) -> i64 {
        ((self.days - earlier.days) * 86_400 + self.secs - earlier.secs) / 60
    }

    /// `2026-06-02`.
    pub fn date_string(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// `11:00`.
    pub fn hm(self) -> String {
        format!("{:02}:{:02}", self.secs / 3600, self.secs / 60 % 60)
    }

    /// `2026-06-02T11:00:00`, what Graph's `dateTimeTimeZone.dateTime` takes.
    pub fn graph(self) -> String {
        format!("{}T{}:{:02}", self.date_string(), self.hm(), self.secs % 60)
    }

    /// `2026-06-02T11:00` (what the tools return).
    pub fn short(self) -> String {
        format!("{}T{}", self.date_string(), self.hm())
    }

    /// `Tue 2026-06-02`.
    pub fn day_label(self) -> String {
        let name = self.weekday_name();
        let mut abbrev = name[..1].to_ascii_uppercase();
        abbrev.push_str(&name[1..3]);
        format!("{abbrev} {}", self.date_string())
    }
}

/// A date or wall-clock date-time argument; the bool says it was a bare date.
pub fn local_arg(field: &str, value: &str) -> Result<(LocalTime, bool), ToolError> {
    LocalTime::parse(value).map_err(|e| {
        ToolError::invalid_argument(match e {
            TimeError::Offset => format!(
                "{field}: give the wall-clock time without Z or an offset, e.g. 2026-06-02T09:30, \
                 and name its zone in time_zone (default: the user's mailbox time zone); not {:?}",
                value.trim()
            ),
            TimeError::Malformed => format!(
                "{field}: expected a date (2026-06-02) or a local date-time (2026-06-02T09:30), not {:?}",
                value.trim()
            ),
        })
    })
}

/// A range of wall-clock time in one zone, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: LocalTime,
    pub end: LocalTime,
}

/// The farthest any zone is from UTC (UTC−12 … UTC+14), in minutes.
const MAX_OFFSET_MINUTES: i64 = 14 * 60;

impl Window {
    /// From `start`/`end` arguments: a bare end date is inclusive (the whole day), a date-time
    /// end exclusive; without `end`, `default_days` after the start. At most `max_days` long.
    pub fn from_args(
        start: &str,
        end: Option<&str>,
        default_days: i64,
        max_days: i64,
    ) -> Result<Self, ToolError> {
        let (s, _) = local_arg("start", start)?;
        let e = match end.map(str::trim).filter(|e| !e.is_empty()) {
            None => s.plus_days(default_days),
            Some(e) => match local_arg("end", e)? {
                (d, true) => d.plus_days(1),
                (t, false) => t,
            },
        };
        if e <= s {
            return Err(ToolError::invalid_argument(
                "end: must be after start (a bare end date includes that whole day)",
            ));
        }
        if e.minutes_since(s) > max_days * 1440 {
            return Err(ToolError::invalid_argument(format!(
                "end: the range may span at most {max_days} days; ask for a shorter range and page through it"
            )));
        }
        Ok(Self { start: s, end: e })
    }

    /// `startDateTime`/`endDateTime` for calendarView and reminderView. Graph reads these as UTC
    /// instants, and without a time-zone database we do not know the zone's offset on those
    /// days, so the instants are widened by the largest offset any zone has; [`Window::overlaps`]
    /// then keeps exactly the events in the wall-clock range, from the `start`/`end` Graph wrote
    /// in that zone (`Prefer: outlook.timezone`).
    pub fn graph_bounds(&self) -> (String, String) {
        let s = self.start.plus_minutes(-MAX_OFFSET_MINUTES);
        let e = self.end.plus_minutes(MAX_OFFSET_MINUTES);
        (format!("{}Z", s.graph()), format!("{}Z", e.graph()))
    }

    /// Whether an event from `start` to `end` (wall-clock, same zone) falls in the window.
    pub fn overlaps(&self, start: LocalTime, end: LocalTime) -> bool {
        (start < self.end && end > self.start) || (start == end && start == self.start)
    }

    /// `2026-06-01 00:00 – 2026-06-08 00:00`.
    pub fn label(&self) -> String {
        format!(
            "{} {} – {} {}",
            self.start.date_string(),
            self.start.hm(),
            self.end.date_string(),
            self.end.hm()
        )
    }
}

// =============================================================================================
// Paths and errors
// =============================================================================================

/// `/me/events/{id}` (an event in any of the user's calendars, or one occurrence of a series).
pub fn event_path(id: &str) -> Result<GraphPath, ToolError> {
    GraphPath::me()
        .segment("events")
        .id(id.trim())
        .map_err(|_| {
            ToolError::invalid_argument(
                "event_id: pass an event id from list_events or search_events",
            )
        })
}

/// `/me` or `/me/calendars/{id}` (calendarView and events hang off either).
pub fn calendar_root(calendar_id: Option<&str>) -> Result<GraphPath, ToolError> {
    match calendar_id.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(GraphPath::me()),
        Some(c) => GraphPath::me().segment("calendars").id(c).map_err(|_| {
            ToolError::invalid_argument("calendar_id: pass an id from list_calendars")
        }),
    }
}

/// A Graph failure on an event call as the model should read it: a 404 names the id argument,
/// Exchange's time validation names the time arguments, anything else is the generic mapping.
pub fn event_error(cx: &ToolContext<'_>, e: &GraphError, id_field: &str) -> ToolError {
    match (e.status, e.code.as_str()) {
        (404, _) => ToolError::new(format!(
            "Not found ({}): no event or calendar matches {id_field}. It may have been deleted or cancelled, \
             or the id is wrong; pass ids exactly as list_events, search_events or list_calendars returned \
             them, or list again for current ids.",
            e.code
        )),
        (400, "TimeZoneNotSupportedException") => ToolError::invalid_argument(format!(
            "time_zone: Microsoft 365 does not support this time zone ({}). Use an IANA name such as \
             \"America/New_York\" or a Windows name such as \"Eastern Standard Time\"",
            e.message
        )),
        (400, "ErrorCalendarEndDateIsEarlierThanStartDate") => {
            ToolError::invalid_argument("end: the end is before the start")
        }
        (400, "ErrorPropertyValidationFailure") => ToolError::invalid_argument(format!(
            "Microsoft 365 refused the event's times or recurrence ({}). All-day events need whole days; \
             a recurrence needs days_of_week for weekly and relative_monthly patterns and an end after \
             its start",
            e.message
        )),
        _ => cx.graph_error(e),
    }
}

/// A listing's error, with "not found" explained: the only id in a calendar listing is the
/// calendar's (the generic text is [`crate::graph::GraphError::tool_message`]'s for 404).
pub fn calendar_not_found(e: ToolError) -> ToolError {
    if e.message.starts_with("Not found (") {
        ToolError::new(
            "Not found: no calendar matches calendar_id. Call list_calendars for current calendar ids, \
             or leave calendar_id out for the default calendar.",
        )
    } else {
        e
    }
}

/// Sends an event request, mapping failures with [`event_error`].
pub async fn send_event(
    cx: &ToolContext<'_>,
    request: &GraphRequest,
    id_field: &str,
) -> Result<Value, ToolError> {
    cx.send(request)
        .await
        .map_err(|e| event_error(cx, &e, id_field))
}

/// Checks an address argument's form.
pub fn address_arg(field: &str, address: &str) -> Result<String, ToolError> {
    let a = address.trim();
    let ok = a.len() <= 320
        && a.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        && !a.contains([' ', '<', '>', ',', ';', '"']);
    if ok {
        Ok(a.to_owned())
    } else {
        Err(ToolError::invalid_argument(format!(
            "{field}: {a:?} is not an email address; use lookup_people to find someone's address"
        )))
    }
}

/// An attendee's address: checked, and with the deployment's allowed domains, only there (an
/// invitation is mail to that address).
pub fn attendee_address(
    cx: &ToolContext<'_>,
    field: &str,
    address: &str,
) -> Result<String, ToolError> {
    let a = address_arg(field, address)?;
    if !cx.deployment().recipient_allowed(&a) {
        return Err(ToolError::new(format!(
            "This deployment only allows invitations to addresses in: {}. {a} is outside them; \
             leave it out or ask the user to invite them directly.",
            cx.deployment().allowed_domains.join(", ")
        )));
    }
    Ok(a)
}

// =============================================================================================
// Shaping
// =============================================================================================

/// An event's HTML or text body as clean text.
pub fn body_text(body: &Value) -> String {
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    let is_html = body
        .get("contentType")
        .and_then(Value::as_str)
        .is_none_or(|t| t.eq_ignore_ascii_case("html"));
    let text = if is_html {
        html::to_text(content, &html::Options::default()).text
    } else {
        content.to_owned()
    };
    text.trim().to_owned()
}

/// A `dateTimeTimeZone` value's wall-clock time.
pub fn graph_time(v: &Value, key: &str) -> Option<LocalTime> {
    v.get(key)
        .and_then(|t| t.get("dateTime"))
        .and_then(Value::as_str)
        .and_then(LocalTime::from_graph)
}

/// Fields an event summary reads.
pub const SUMMARY_FIELDS: &[&str] = &[
    "id",
    "subject",
    "start",
    "end",
    "isAllDay",
    "location",
    "organizer",
    "isOrganizer",
    "responseStatus",
    "showAs",
    "isCancelled",
    "type",
    "seriesMasterId",
    "isOnlineMeeting",
    "categories",
];

/// One event (or one occurrence of a series) in a listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    /// Pass to get_event, update_event, delete_event, respond_to_event. An occurrence's id
    /// addresses that occurrence only.
    pub id: String,
    pub subject: String,
    /// Local start in the listing's time zone: 2026-06-02T11:00, or a date for all-day events.
    pub start: String,
    /// Local end; for all-day events the day after the last day.
    pub end: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub all_day: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<Person>,
    /// True when the user organises it (then delete_event cancels it for everyone).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_organizer: bool,
    /// The user's answer: accepted, tentativelyAccepted, declined, notResponded (absent when
    /// the user organises it or it is not a meeting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// free, tentative, busy, oof, workingElsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_as: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
    /// occurrence or exception (one instance of a recurring series), seriesMaster (the series
    /// itself); absent for a single event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<String>,
    /// The series' id, for occurrences (pass it to change or delete the whole series).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_master_id: Option<String>,
    /// Has a Teams (or other online meeting) link; get_event returns it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub online_meeting: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

/// A time for output: a date for all-day boundaries, else `2026-06-02T11:00`.
fn shown_time(v: &Value, key: &str, all_day: bool) -> String {
    match graph_time(v, key) {
        Some(t) if all_day => t.date_string(),
        Some(t) => t.short(),
        None => String::new(),
    }
}

impl EventSummary {
    pub fn from_graph(e: &Value) -> Self {
        let all_day = e.get("isAllDay").and_then(Value::as_bool).unwrap_or(false);
        let is_organizer = e
            .get("isOrganizer")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let response = e
            .get("responseStatus")
            .and_then(|r| r.get("response"))
            .and_then(Value::as_str)
            .filter(|r| !matches!(*r, "none" | "organizer") && !is_organizer)
            .map(str::to_owned);
        let kind = str_field(e, "type").filter(|t| t != "singleInstance");
        Self {
            id: str_field(e, "id").unwrap_or_default(),
            subject: str_field(e, "subject").unwrap_or_else(|| "(no subject)".into()),
            start: shown_time(e, "start", all_day),
            end: shown_time(e, "end", all_day),
            all_day,
            location: e.get("location").and_then(|l| str_field(l, "displayName")),
            organizer: e.get("organizer").and_then(Person::from_recipient),
            is_organizer,
            response,
            show_as: str_field(e, "showAs").filter(|s| s != "unknown"),
            cancelled: e
                .get("isCancelled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            recurrence: kind,
            series_master_id: str_field(e, "seriesMasterId"),
            online_meeting: e
                .get("isOnlineMeeting")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            categories: e
                .get("categories")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// When it happens, as a model reads it: `Tue 2026-06-02 11:00–11:45`, `Fri 2026-06-26 – Tue
    /// 2026-06-30 (all day)`.
    pub fn when(&self) -> String {
        let s = LocalTime::from_graph(&self.start);
        let e = LocalTime::from_graph(&self.end);
        match (s, e) {
            (Some(s), Some(e)) if self.all_day => {
                let last = e.plus_days(-1);
                if last <= s {
                    format!("{} (all day)", s.day_label())
                } else {
                    format!("{} – {} (all day)", s.day_label(), last.day_label())
                }
            }
            (Some(s), Some(e)) if s.date_string() == e.date_string() => {
                format!("{} {}–{}", s.day_label(), s.hm(), e.hm())
            }
            (Some(s), Some(e)) => format!(
                "{} {} – {} {}",
                s.day_label(),
                s.hm(),
                e.day_label(),
                e.hm()
            ),
            _ => format!("{} – {}", self.start, self.end),
        }
    }

    /// Two lines: when, subject and marks; then the id.
    pub fn to_text(&self, n: usize) -> String {
        let mut head = format!("{n}. {} · {}", self.when(), self.subject);
        if let Some(l) = &self.location {
            head.push_str(&format!(" · {l}"));
        }
        let mut marks: Vec<String> = Vec::new();
        if self.cancelled {
            marks.push("CANCELLED".into());
        }
        if self.is_organizer {
            marks.push("you organise".into());
        } else if let Some(o) = &self.organizer {
            marks.push(format!("organiser {}", o.display()));
        }
        if let Some(r) = &self.response {
            marks.push(format!("your response: {r}"));
        }
        if let Some(s) = self.show_as.as_deref().filter(|s| *s != "busy") {
            marks.push(format!("shown as {s}"));
        }
        if self.recurrence.is_some() {
            marks.push("recurring".into());
        }
        if self.online_meeting {
            marks.push("online meeting".into());
        }
        if !self.categories.is_empty() {
            marks.push(format!("categories: {}", self.categories.join(", ")));
        }
        if !marks.is_empty() {
            head.push_str(&format!(" [{}]", marks.join(", ")));
        }
        let mut out = format!("{head}\n   id: {}", self.id);
        if let Some(m) = &self.series_master_id {
            out.push_str(&format!("\n   series id: {m}"));
        }
        out
    }

    /// The wall-clock start and end, for window checks.
    pub fn span(&self) -> Option<(LocalTime, LocalTime)> {
        Some((
            LocalTime::from_graph(&self.start)?,
            LocalTime::from_graph(&self.end)?,
        ))
    }
}

/// A listing's text: a header, one entry per event, how to continue.
pub fn events_text(header: &str, events: &[EventSummary], next_cursor: Option<&str>) -> String {
    let mut out = format!("{header}: {} event(s)", events.len());
    for (i, e) in events.iter().enumerate() {
        out.push('\n');
        out.push_str(&e.to_text(i + 1));
    }
    if let Some(c) = next_cursor {
        out.push_str(&format!(
            "\nMore events: call again with the same arguments and cursor \"{c}\"."
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> LocalTime {
        LocalTime::parse(s).unwrap().0
    }

    #[test]
    fn civil_dates_round_trip_and_weekdays_are_right() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (2026, 3, 8),
            (2026, 12, 31),
            (2400, 2, 29),
        ] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        assert_eq!(t("2026-06-02").weekday_name(), "tuesday");
        assert_eq!(t("2026-03-08").weekday_name(), "sunday");
        assert_eq!(t("1970-01-01").weekday_name(), "thursday");
        assert_eq!(t("2026-06-02").day_label(), "Tue 2026-06-02");
    }

    #[test]
    fn times_parse_without_offsets_only() {
        assert!(LocalTime::parse("2026-06-02").unwrap().1);
        assert_eq!(t("2026-06-02T09:30").graph(), "2026-06-02T09:30:00");
        assert_eq!(t("2026-06-02 09:30:15").graph(), "2026-06-02T09:30:15");
        assert_eq!(
            LocalTime::from_graph("2026-06-02T11:00:00.0000000")
                .unwrap()
                .short(),
            "2026-06-02T11:00"
        );
        assert_eq!(
            LocalTime::parse("2026-06-02T09:30Z"),
            Err(TimeError::Offset)
        );
        assert_eq!(
            LocalTime::parse("2026-06-02T09:30:00+02:00"),
            Err(TimeError::Offset)
        );
        assert_eq!(LocalTime::parse("2026-02-30"), Err(TimeError::Malformed));
        assert_eq!(
            LocalTime::parse("2026-06-02T25:00"),
            Err(TimeError::Malformed)
        );
        assert_eq!(LocalTime::parse("tomorrow"), Err(TimeError::Malformed));
        let e = local_arg("start", "2026-06-02T09:00:00Z").unwrap_err();
        assert!(
            e.message.contains("start") && e.message.contains("time_zone"),
            "{}",
            e.message
        );
    }

    #[test]
    fn arithmetic_crosses_days_and_months() {
        assert_eq!(
            t("2026-06-30T23:30").plus_minutes(45).short(),
            "2026-07-01T00:15"
        );
        assert_eq!(
            t("2026-03-01").plus_minutes(-14 * 60).short(),
            "2026-02-28T10:00"
        );
        assert_eq!(
            t("2026-06-02T10:00").minutes_since(t("2026-06-01T09:00")),
            25 * 60
        );
    }

    #[test]
    fn windows_widen_for_graph_and_filter_exactly() {
        let w = Window::from_args("2026-06-01", Some("2026-06-07"), 7, 400).unwrap();
        assert_eq!(w.end, t("2026-06-08"));
        assert_eq!(
            w.graph_bounds(),
            (
                "2026-05-31T10:00:00Z".to_owned(),
                "2026-06-08T14:00:00Z".to_owned()
            )
        );
        assert!(w.overlaps(t("2026-06-07T23:00"), t("2026-06-08T01:00")));
        assert!(!w.overlaps(t("2026-06-08T00:00"), t("2026-06-08T01:00")));
        assert!(!w.overlaps(t("2026-05-31T22:00"), t("2026-06-01T00:00")));
        assert!(w.overlaps(t("2026-06-01T00:00"), t("2026-06-01T00:00")));
        let d = Window::from_args("2026-06-01T09:00", None, 7, 400).unwrap();
        assert_eq!(d.end, t("2026-06-08T09:00"));
        let e = Window::from_args("2026-06-05", Some("2026-06-01"), 7, 400).unwrap_err();
        assert!(e.message.contains("end"), "{}", e.message);
        assert!(Window::from_args("2026-01-01", Some("2027-06-01"), 7, 400).is_err());
    }

    #[test]
    fn summaries_show_local_times_and_all_day_dates() {
        let e = json!({
            "id": "AAMk=", "subject": "Sync", "isAllDay": false, "type": "occurrence",
            "seriesMasterId": "M", "isOrganizer": false,
            "start": {"dateTime": "2026-03-10T15:00:00.0000000", "timeZone": "Europe/London"},
            "end": {"dateTime": "2026-03-10T15:45:00.0000000", "timeZone": "Europe/London"},
            "responseStatus": {"response": "accepted"},
            "organizer": {"emailAddress": {"name": "Megan", "address": "megan@contoso.example"}},
        });
        let s = EventSummary::from_graph(&e);
        assert_eq!(
            (s.start.as_str(), s.end.as_str()),
            ("2026-03-10T15:00", "2026-03-10T15:45")
        );
        assert_eq!(s.when(), "Tue 2026-03-10 15:00–15:45");
        assert_eq!(s.response.as_deref(), Some("accepted"));
        let text = s.to_text(1);
        assert!(
            text.contains("recurring") && text.contains("series id: M"),
            "{text}"
        );
        let a = EventSummary::from_graph(&json!({
            "id": "x", "subject": "PTO", "isAllDay": true,
            "start": {"dateTime": "2026-06-26T00:00:00.0000000"},
            "end": {"dateTime": "2026-07-01T00:00:00.0000000"},
        }));
        assert_eq!(
            (a.start.as_str(), a.end.as_str()),
            ("2026-06-26", "2026-07-01")
        );
        assert_eq!(a.when(), "Fri 2026-06-26 – Tue 2026-06-30 (all day)");
    }
}
