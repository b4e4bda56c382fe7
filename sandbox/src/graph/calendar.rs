//! Calendar: calendars and calendar groups, events (CRUD, responses, cancel, reminders,
//! attachments, instances), `calendarView` with recurrence expansion, `reminderView`,
//! `getSchedule`, `findMeetingTimes`, and the `outlook/supportedTimeZones|supportedLanguages`
//! functions (reached through [`outlook_extra`]).
//!
//! Storage: events live in `Mailbox::events` as Graph JSON with `_calendarId` naming the calendar.
//! Timed events store `start`/`end` normalised to UTC (`{dateTime, timeZone: "UTC"}`) and keep the
//! zone the client gave in `originalStartTimeZone`/`originalEndTimeZone`. All-day events store their
//! dates as floating midnights (Graph shows them midnight-to-midnight in every time zone, jasonjoh
//! in microsoftgraph/microsoft-graph-docs#1802: "All day events always return midnight-to-midnight
//! regardless of time zone"). A series master carries its `recurrence`; occurrences are computed
//! (see `recurrence.rs`), with per-occurrence changes kept on the master in `_exceptions`
//! (original start → changed properties) and deleted/cancelled occurrences in `_cancelled`.
//!
//! Meetings between seeded users behave like Exchange: creating an event with attendees puts a
//! copy (same `iCalUId`) in each seeded attendee's default calendar and an `eventMessageRequest`
//! in their Inbox; responses update the organizer's attendee list; cancel/delete by the organizer
//! marks attendee copies cancelled and delivers a cancellation.
//!
//! Error codes (sources in the functions that use them):
//! - `ErrorInvalidParameter` "This request requires a time window specified by the query string
//!   parameters StartDateTime and EndDateTime." (calendarView/instances without the window;
//!   microsoftgraph/microsoft-graph-docs#57);
//! - `TimeZoneNotSupportedException` "A valid TimeZone value must be specified. The following
//!   TimeZone value is not supported: '…'." (microsoftgraph/microsoft-graph-docs#4758);
//! - `ErrorPropertyValidationFailure` "At least one property failed validation." (all-day events
//!   not at midnight or shorter than a day, bad recurrence; microsoftgraph/microsoft-graph-docs#7919,
//!   #19286);
//! - `ErrorCalendarEndDateIsEarlierThanStartDate` (end before start; Exchange response code that
//!   Graph passes through, EWS ResponseCode reference);
//! - `ErrorInvalidRequest` "Your request can't be completed. You need to be an organizer to cancel
//!   a meeting." (event-cancel docs) and "…You can't respond to this meeting because you're the
//!   meeting organizer." (Microsoft's calendar skill, microsoft/botframework-components; EWS
//!   `ErrorCalendarIsOrganizerForAccept`);
//! - getSchedule per-address error `{message: "Unable to resolve e-mail address … to an Active
//!   Directory object.", responseCode: "5009"}` (microsoftgraph/microsoft-graph-docs#11225) and
//!   `ErrorMailboxDataArrayTooBig` above 100 addresses (microsoft-graph-docs-contrib#5895).

use std::collections::BTreeSet;

use axum::http::Method;
use base64::Engine as _;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

use super::{
    folders,
    mail::{self, change_key, mailbox, new_item_id},
    recurrence::{self, Occurrence, Recurrence},
    request::{parse_id, Ctx, GraphRequest},
    router::{method_not_allowed, require_scope, Outcome, Reply, ReplyBody},
    shape::{self, iso_7, iso_z, IdKind},
    tz,
};
use crate::{
    error::GraphError,
    odata::CollectionRules,
    store::{AccountKind, Mailbox, World},
};

/// calendar-list-events, user-list-calendarview: Calendars.ReadBasic is the least privileged;
/// Calendars.ReadWrite implies Calendars.Read (`principal_has_scope`).
const READ: &[&str] = &["Calendars.ReadBasic", "Calendars.Read"];
const WRITE: &[&str] = &["Calendars.ReadWrite"];
/// user-findmeetingtimes: delegated (work or school) Calendars.Read.Shared, higher
/// Calendars.ReadWrite.Shared (implied).
const SHARED_READ: &[&str] = &["Calendars.Read.Shared"];
/// outlookuser-supportedtimezones / supportedlanguages: User.Read is the least privileged.
const USER_READ: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite",
    "MailboxSettings.Read",
];

pub const EVENTS: CollectionRules = CollectionRules::new("event");

/// calendarView and instances: Exchange returns the expanded view in start order.
pub const CALENDAR_VIEW: CollectionRules = CollectionRules {
    default_orderby: Some("start/dateTime"),
    ..CollectionRules::new("event")
};

pub const CALENDARS: CollectionRules = CollectionRules::new("calendar");

pub const CALENDAR_GROUPS: CollectionRules = CollectionRules::new("calendarGroup");

/// The `classId` Exchange gives the default "My Calendars" group.
const MY_CALENDARS_CLASS_ID: &str = "0006f0b7-0000-0000-c000-000000000046";
/// How Graph writes "no time" in `responseStatus.time`.
const NO_TIME: &str = "0001-01-01T00:00:00Z";

// =============================================================================================
// Routing
// =============================================================================================

pub fn handle(world: &mut World, ctx: &Ctx<'_>, rest: &[&str], req: &GraphRequest) -> Outcome {
    let m = &req.method;
    match rest {
        ["calendar"] => calendar_item(world, ctx, None, req),
        ["calendar", "events"] => events(world, ctx, None, req),
        ["calendar", "events", id, tail @ ..] => {
            let cal = default_calendar_id(mailbox(world, ctx)?)?;
            event(world, ctx, Some(cal), id, tail, req)
        }
        ["calendar", "calendarView"] => view(world, ctx, None, req),
        ["calendar", "getSchedule"] if *m == Method::POST => get_schedule(world, ctx, req),
        ["calendar", "getSchedule"] => Err(method_not_allowed()),
        ["calendars"] => calendars(world, ctx, req),
        ["calendars", c] => calendar_item(world, ctx, Some(c), req),
        ["calendars", c, "events"] => {
            let cal = calendar_id(mailbox(world, ctx)?, c)?;
            events(world, ctx, Some(cal), req)
        }
        ["calendars", c, "events", id, tail @ ..] => {
            let cal = calendar_id(mailbox(world, ctx)?, c)?;
            event(world, ctx, Some(cal), id, tail, req)
        }
        ["calendars", c, "calendarView"] => {
            let cal = calendar_id(mailbox(world, ctx)?, c)?;
            view(world, ctx, Some(cal), req)
        }
        ["calendars", c, "getSchedule"] if *m == Method::POST => {
            calendar_id(mailbox(world, ctx)?, c)?;
            get_schedule(world, ctx, req)
        }
        ["calendarGroups"] => calendar_groups(world, ctx, None, req),
        ["calendarGroups", g] => calendar_groups(world, ctx, Some(g), req),
        ["calendarGroups", g, "calendars"] => {
            calendar_group_check(world, ctx, g)?;
            calendars(world, ctx, req)
        }
        ["events"] => events(world, ctx, None, req),
        ["events", id, tail @ ..] => event(world, ctx, None, id, tail, req),
        ["calendarView"] => view(world, ctx, None, req),
        ["calendarView", id, tail @ ..] => event(world, ctx, None, id, tail, req),
        ["findMeetingTimes"] if *m == Method::POST => find_meeting_times(world, ctx, req),
        ["findMeetingTimes"] => Err(method_not_allowed()),
        [f] if f.starts_with("reminderView") => reminder_view(world, ctx, f, req),
        [first, ..] => Err(GraphError::no_resource(first)),
        [] => Err(GraphError::bad_request("Invalid request.")),
    }
}

/// `/me/outlook/…` paths other than `masterCategories`, which `mail::handle` forwards here:
/// `supportedTimeZones`, `supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')`
/// and `supportedLanguages`. `None` when the path is not one of these.
pub fn outlook_extra(
    world: &mut World,
    ctx: &Ctx<'_>,
    rest: &[&str],
    req: &GraphRequest,
) -> Option<Outcome> {
    let [first, f] = rest else { return None };
    if *first != "outlook" {
        return None;
    }
    let name = f.split('(').next().unwrap_or(f);
    match name {
        "supportedTimeZones" => Some(supported_time_zones(world, ctx, f, req)),
        "supportedLanguages" => Some(supported_languages(ctx, f, req)),
        _ => None,
    }
}

// =============================================================================================
// Small helpers
// =============================================================================================

fn touch(ev: &mut Value, now: DateTime<Utc>) {
    let ck = change_key();
    ev["@odata.etag"] = json!(format!("W/\"{ck}\""));
    ev["changeKey"] = json!(ck);
    ev["lastModifiedDateTime"] = json!(iso_7(now));
}

fn dtz_utc(t: DateTime<Utc>) -> Value {
    json!({"dateTime": tz::format_local(t.naive_utc()), "timeZone": "UTC"})
}

/// The zone results are shown in: `Prefer: outlook.timezone` when it resolves, else UTC.
fn out_zone(ctx: &Ctx<'_>) -> (Tz, String) {
    match ctx
        .prefs
        .timezone
        .as_deref()
        .and_then(|n| tz::resolve(n).map(|z| (z, n.to_string())))
    {
        Some(x) => x,
        None => (Tz::UTC, "UTC".to_string()),
    }
}

fn dtz_out(t: DateTime<Utc>, ctx: &Ctx<'_>) -> Value {
    let (zone, label) = out_zone(ctx);
    json!({"dateTime": tz::format_local(t.with_timezone(&zone).naive_local()), "timeZone": label})
}

fn zone_of(name: &str) -> Tz {
    tz::resolve(name).unwrap_or(Tz::UTC)
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn email_of(world: &World, uid: &str) -> Value {
    let u = world.user(uid);
    json!({
        "name": u.map(|u| u.display_name.clone()).unwrap_or_default(),
        "address": u.map(|u| u.profile.get("mail").and_then(Value::as_str).unwrap_or(&u.user_principal_name).to_string()).unwrap_or_default(),
    })
}

fn is_work(world: &World, uid: &str) -> bool {
    world.user(uid).is_none_or(|u| u.kind == AccountKind::Work)
}

fn not_found() -> GraphError {
    GraphError::item_not_found()
}

/// Property validation failure, as Graph reports bad event times and recurrences
/// (microsoftgraph/microsoft-graph-docs#7919: "At least one property failed validation.").
fn validation_failure() -> GraphError {
    GraphError::new(
        400,
        "ErrorPropertyValidationFailure",
        "At least one property failed validation.",
    )
}

fn tz_not_supported(name: &str) -> GraphError {
    GraphError::new(
        400,
        "TimeZoneNotSupportedException",
        format!("A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'."),
    )
}

/// The query parameter `name` (case-insensitive), decoded.
fn query_param(req: &GraphRequest, name: &str) -> Option<String> {
    let q = req.query.as_deref()?;
    q.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
        if k.trim().eq_ignore_ascii_case(name) {
            // A literal `+` in an ISO offset is common in hand-written URLs; keep it.
            Some(
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned(),
            )
        } else {
            None
        }
    })
}

/// An ISO 8601 instant: with an offset or `Z`, or without (then UTC), or a bare date.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    // `+01:00` sent unencoded arrives as ` 01:00` from form decoding elsewhere.
    let fixed;
    let s = if s.len() > 19 && s.as_bytes().get(19) == Some(&b' ') {
        fixed = format!("{}+{}", &s[..19], &s[20..]);
        fixed.as_str()
    } else {
        s
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%:z") {
        return Some(t.with_timezone(&Utc));
    }
    if let Some(n) = tz::parse_local(s) {
        return Some(Utc.from_utc_datetime(&n));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
}

/// `startDateTime`/`endDateTime` of calendarView and instances.
fn window(req: &GraphRequest) -> Result<(DateTime<Utc>, DateTime<Utc>), GraphError> {
    // microsoftgraph/microsoft-graph-docs#57: the 400 Graph returns without the window.
    let missing = || {
        GraphError::new(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        )
    };
    let s = query_param(req, "startDateTime")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(missing)?;
    let e = query_param(req, "endDateTime")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(missing)?;
    let bad = |name: &str, v: &str| {
        GraphError::new(
            400,
            "ErrorInvalidParameter",
            format!("The value '{v}' of parameter '{name}' is invalid."),
        )
    };
    let start = parse_instant(&s).ok_or_else(|| bad("StartDateTime", &s))?;
    let end = parse_instant(&e).ok_or_else(|| bad("EndDateTime", &e))?;
    Ok((start, end))
}

// =============================================================================================
// Calendars and groups
// =============================================================================================

pub fn default_calendar_id(mb: &Mailbox) -> Result<String, GraphError> {
    mb.calendars
        .iter()
        .find(|c| c["isDefaultCalendar"] == true)
        .or_else(|| mb.calendars.first())
        .and_then(|c| c["id"].as_str())
        .map(str::to_string)
        .ok_or_else(not_found)
}

fn calendar_id(mb: &Mailbox, given: &str) -> Result<String, GraphError> {
    let (imm, _) = parse_id(given);
    if mb.calendars.iter().any(|c| c["id"] == imm.as_str()) {
        Ok(imm)
    } else {
        Err(not_found())
    }
}

fn calendar_json(world: &World, ctx: &Ctx<'_>, name: &str, color: &str) -> Value {
    let personal = !is_work(world, &ctx.user_id);
    json!({
        "id": new_item_id(),
        "name": name,
        "color": color,
        "hexColor": "",
        "groupClassId": MY_CALENDARS_CLASS_ID,
        "isDefaultCalendar": false,
        "changeKey": change_key(),
        "canShare": true,
        "canViewPrivateItems": true,
        "canEdit": true,
        "allowedOnlineMeetingProviders": if personal { json!([]) } else { json!(["teamsForBusiness"]) },
        "defaultOnlineMeetingProvider": if personal { "unknown" } else { "teamsForBusiness" },
        "isTallyingResponses": true,
        "isRemovable": true,
        "owner": email_of(world, &ctx.user_id),
    })
}

fn calendars(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            let mb = mailbox(world, ctx)?;
            shape::page(mb.calendars.clone(), IdKind::Plain, &CALENDARS, ctx, req)
        }
        Method::POST => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            ctx.schema.check_body("microsoft.graph.calendar", &body)?;
            let name = folders::required_name(&body, "name", "Name")?;
            let color = body
                .get("color")
                .and_then(Value::as_str)
                .unwrap_or("auto")
                .to_string();
            let mut cal = calendar_json(world, ctx, &name, &color);
            let mb = mailbox(world, ctx)?;
            // Exchange's folder-name uniqueness applies to calendars too.
            folders::ensure_unique(mb.calendars.iter(), "name", &name)?;
            if let Some(h) = body.get("hexColor").and_then(Value::as_str) {
                cal["hexColor"] = json!(h);
            }
            mb.calendars.push(cal.clone());
            Ok(Reply::created(with_context(cal, ctx, "calendars")))
        }
        _ => Err(method_not_allowed()),
    }
}

fn with_context(v: Value, ctx: &Ctx<'_>, set: &str) -> Value {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#users('{}')/{set}/$entity",
            ctx.base_url, ctx.user_id
        )),
    );
    if let Value::Object(m) = v {
        out.extend(m);
    }
    Value::Object(out)
}

/// `/me/calendar` (default) or `/me/calendars/{id}`.
fn calendar_item(
    world: &mut World,
    ctx: &Ctx<'_>,
    given: Option<&str>,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let id = match given {
        Some(g) => calendar_id(mb, g)?,
        None => default_calendar_id(mb)?,
    };
    let idx = mb
        .calendars
        .iter()
        .position(|c| c["id"] == id.as_str())
        .ok_or_else(not_found)?;
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            shape::single(
                mb.calendars[idx].clone(),
                IdKind::Plain,
                &CALENDARS,
                ctx,
                req,
            )
        }
        Method::PATCH => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            ctx.schema.check_body("microsoft.graph.calendar", &body)?;
            if let Some(name) = body.get("name").and_then(Value::as_str) {
                if mb
                    .calendars
                    .iter()
                    .enumerate()
                    .any(|(i, c)| i != idx && str_of(c, "name").eq_ignore_ascii_case(name))
                {
                    return Err(folders::folder_exists());
                }
            }
            let cal = &mut mb.calendars[idx];
            mail::merge(cal, &body);
            cal["changeKey"] = json!(change_key());
            Ok(Reply::ok(with_context(cal.clone(), ctx, "calendars")))
        }
        Method::DELETE => {
            require_scope(ctx.principal, WRITE)?;
            if mb.calendars[idx]["isDefaultCalendar"] == true {
                // The default calendar is a distinguished folder (EWS ErrorDeleteDistinguishedFolder).
                return Err(folders::distinguished(400));
            }
            mb.calendars.remove(idx);
            let gone: Vec<String> = mb
                .events
                .iter()
                .filter(|e| e["_calendarId"] == id.as_str())
                .filter_map(|e| e["id"].as_str().map(str::to_string))
                .collect();
            mb.events.retain(|e| e["_calendarId"] != id.as_str());
            for g in gone {
                mb.attachments.remove(&g);
            }
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

fn calendar_group_id(user_id: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(format!("calendar-group\u{1f}{user_id}\u{1f}my-calendars"))
}

fn calendar_group_check(world: &mut World, ctx: &Ctx<'_>, g: &str) -> Result<(), GraphError> {
    mailbox(world, ctx)?;
    if g == calendar_group_id(&ctx.user_id) {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// The mailbox has one calendar group, "My Calendars", holding every calendar.
fn calendar_groups(
    world: &mut World,
    ctx: &Ctx<'_>,
    one: Option<&str>,
    req: &GraphRequest,
) -> Outcome {
    if req.method != Method::GET {
        return Err(method_not_allowed());
    }
    require_scope(ctx.principal, READ)?;
    mailbox(world, ctx)?;
    let group = json!({
        "id": calendar_group_id(&ctx.user_id),
        "name": "My Calendars",
        "classId": MY_CALENDARS_CLASS_ID,
        "changeKey": base64::engine::general_purpose::STANDARD.encode(format!("ck-{}", ctx.user_id)).chars().take(28).collect::<String>(),
    });
    match one {
        None => shape::page(vec![group], IdKind::Plain, &CALENDAR_GROUPS, ctx, req),
        Some(g) if g == group["id"] => {
            shape::single(group, IdKind::Plain, &CALENDAR_GROUPS, ctx, req)
        }
        Some(_) => Err(not_found()),
    }
}

// =============================================================================================
// Event times, series and occurrences
// =============================================================================================

/// The zone an event's wall-clock times belong to: `recurrence.range.recurrenceTimeZone`, then
/// `originalStartTimeZone`, then `start.timeZone`.
fn event_zone_name(ev: &Value) -> String {
    let candidates = [
        ev.pointer("/recurrence/range/recurrenceTimeZone")
            .and_then(Value::as_str),
        ev.get("originalStartTimeZone").and_then(Value::as_str),
        ev.pointer("/start/timeZone").and_then(Value::as_str),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|n| !n.trim().is_empty() && tz::resolve(n).is_some())
        .unwrap_or("UTC")
        .to_string()
}

fn is_all_day(ev: &Value) -> bool {
    ev["isAllDay"] == true
}

/// The date of an all-day boundary: a midnight `dateTime` is taken as a floating date (how Graph
/// stores and shows all-day events); anything else is an instant converted to the event's zone.
fn all_day_date(dt: &Value, zone: Tz) -> Option<NaiveDate> {
    let local = tz::parse_local(dt.get("dateTime")?.as_str()?)?;
    if local.time() == NaiveTime::MIN {
        Some(local.date())
    } else {
        tz::instant(dt).map(|t| t.with_timezone(&zone).date_naive())
    }
}

/// The instants an event (single, occurrence or exception) covers.
fn span(ev: &Value) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if is_all_day(ev) {
        let zone = zone_of(&event_zone_name(ev));
        let s = all_day_date(&ev["start"], zone)?;
        let e = all_day_date(&ev["end"], zone)?;
        Some((
            tz::to_utc(s.and_time(NaiveTime::MIN), zone),
            tz::to_utc(e.and_time(NaiveTime::MIN), zone),
        ))
    } else {
        Some((tz::instant(&ev["start"])?, tz::instant(&ev["end"])?))
    }
}

/// A series master, ready to expand.
struct Series {
    rec: Recurrence,
    zone: Tz,
    start_local: NaiveDateTime,
    end_local: NaiveDateTime,
}

fn series(ev: &Value) -> Option<Series> {
    let r = ev.get("recurrence").filter(|r| r.is_object())?;
    let rec = recurrence::parse(r).ok()?;
    let zone = zone_of(&event_zone_name(ev));
    let (start_local, end_local) = if is_all_day(ev) {
        let s = all_day_date(&ev["start"], zone)?;
        let e = all_day_date(&ev["end"], zone)?;
        (s.and_time(NaiveTime::MIN), e.and_time(NaiveTime::MIN))
    } else {
        let s = tz::instant(&ev["start"])?
            .with_timezone(&zone)
            .naive_local();
        let e = tz::instant(&ev["end"])?.with_timezone(&zone).naive_local();
        (s, e)
    };
    Some(Series {
        rec,
        zone,
        start_local,
        end_local,
    })
}

const OCC_PREFIX: &str = "AAMkOcc";

/// The (immutable) id of an occurrence: stable, derived from the master's id and the original
/// start, and decodable back to both.
fn occurrence_id(master: &str, original_start: DateTime<Utc>) -> String {
    let raw = format!("{master}\u{1f}{}", occ_key(original_start));
    format!(
        "{OCC_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn parse_occurrence_id(imm: &str) -> Option<(String, DateTime<Utc>)> {
    let rest = imm.strip_prefix(OCC_PREFIX)?;
    let raw = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?,
    )
    .ok()?;
    let (master, key) = raw.split_once('\u{1f}')?;
    Some((
        master.to_string(),
        DateTime::parse_from_rfc3339(key).ok()?.with_timezone(&Utc),
    ))
}

fn occ_key(t: DateTime<Utc>) -> String {
    iso_z(t)
}

fn key_list(ev: &Value, k: &str) -> Vec<String> {
    ev.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn push_key(ev: &mut Value, k: &str, key: &str) {
    if !ev.get(k).is_some_and(Value::is_array) {
        ev[k] = json!([]);
    }
    if let Some(a) = ev[k].as_array_mut() {
        if !a.iter().any(|v| v == key) {
            a.push(json!(key));
        }
    }
}

/// A floating all-day boundary (`YYYY-MM-DDT00:00:00`, labelled UTC as Graph stores them).
fn floating(d: NaiveDate) -> Value {
    json!({"dateTime": tz::format_local(d.and_time(NaiveTime::MIN)), "timeZone": "UTC"})
}

/// The occurrence of `master` described by `occ`, with its exception applied.
fn materialize(master: &Value, occ: &Occurrence) -> Value {
    let master_id = str_of(master, "id").to_string();
    let key = occ_key(occ.start);
    let mut v = master.clone();
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| !k.starts_with('_') || k == "_calendarId");
    }
    v["id"] = json!(occurrence_id(&master_id, occ.start));
    v["seriesMasterId"] = json!(master_id);
    v["type"] = json!("occurrence");
    v["recurrence"] = Value::Null;
    v["originalStart"] = json!(key);
    v["occurrenceId"] = json!(format!("OID.{master_id}.{}", occ.date.format("%Y-%m-%d")));
    if is_all_day(master) {
        v["start"] = floating(occ.start_local.date());
        v["end"] = floating(occ.end_local.date());
    } else {
        v["start"] = dtz_utc(occ.start);
        v["end"] = dtz_utc(occ.end);
    }
    if let Some(ex) = master.pointer("/_exceptions").and_then(|e| e.get(&key)) {
        mail::merge(&mut v, ex);
        v["type"] = json!("exception");
    }
    if key_list(master, "_dismissed").contains(&key) {
        v["isReminderOn"] = json!(false);
    }
    v
}

/// Whether `master` has a (not cancelled) occurrence starting originally at `t`.
fn occurrence_at(master: &Value, t: DateTime<Utc>) -> Option<Occurrence> {
    let s = series(master)?;
    if key_list(master, "_cancelled").contains(&occ_key(t)) {
        return None;
    }
    let date = t.with_timezone(&s.zone).date_naive();
    let occ = recurrence::occurrence_on(date, s.start_local, s.end_local, s.zone);
    (occ.start == t && recurrence::occurs_on(&s.rec, date)).then_some(occ)
}

/// Occurrences and exceptions of a series overlapping `[from, to)`.
fn expand_series(master: &Value, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Value> {
    let Some(s) = series(master) else {
        return Vec::new();
    };
    let cancelled = key_list(master, "_cancelled");
    let exceptions: Vec<String> = master
        .get("_exceptions")
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    // Exceptions may move an occurrence: look a little wider and re-check each one's own span.
    let slack = Duration::days(7);
    for occ in recurrence::expand(
        &s.rec,
        s.start_local,
        s.end_local,
        s.zone,
        from - slack,
        to + slack,
    ) {
        let key = occ_key(occ.start);
        seen.insert(key.clone());
        if cancelled.contains(&key) {
            continue;
        }
        let v = materialize(master, &occ);
        if overlaps(&v, from, to) {
            out.push(v);
        }
    }
    for key in exceptions
        .iter()
        .filter(|k| !seen.contains(*k) && !cancelled.contains(*k))
    {
        if let Some(t) = DateTime::parse_from_rfc3339(key)
            .ok()
            .map(|t| t.with_timezone(&Utc))
        {
            if let Some(occ) = occurrence_at(master, t) {
                let v = materialize(master, &occ);
                if overlaps(&v, from, to) {
                    out.push(v);
                }
            }
        }
    }
    out
}

fn overlaps(ev: &Value, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    span(ev).is_some_and(|(s, e)| (s < to && e > from) || (s == e && s == from))
}

fn is_master(ev: &Value) -> bool {
    ev["type"] == "seriesMaster" || ev.get("recurrence").is_some_and(Value::is_object)
}

/// Single events and expanded occurrences of one calendar (or all) overlapping the window.
fn expanded(mb: &Mailbox, cal: Option<&str>, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Value> {
    let mut out = Vec::new();
    for ev in mb
        .events
        .iter()
        .filter(|e| cal.is_none_or(|c| e["_calendarId"] == c))
    {
        if is_master(ev) {
            out.extend(expand_series(ev, from, to));
        } else if overlaps(ev, from, to) {
            out.push(ev.clone());
        }
    }
    out
}

/// An event as clients see it (before ids/projection/prefs): internal keys other than
/// `_calendarId` dropped, and all-day boundaries written in the requested zone so that the
/// time-zone conversion in `shape` leaves them on their dates.
fn present(mut ev: Value, ctx: &Ctx<'_>) -> Value {
    if let Some(o) = ev.as_object_mut() {
        o.retain(|k, _| !k.starts_with('_') || k == "_calendarId");
    }
    if is_all_day(&ev) {
        let zone = zone_of(&event_zone_name(&ev));
        let label = ctx
            .prefs
            .timezone
            .as_deref()
            .filter(|n| tz::resolve(n).is_some())
            .unwrap_or("UTC")
            .to_string();
        for k in ["start", "end"] {
            if let Some(d) = all_day_date(&ev[k], zone) {
                ev[k] = json!({"dateTime": tz::format_local(d.and_time(NaiveTime::MIN)), "timeZone": label});
            }
        }
    }
    ev
}

fn present_one(ev: Value, ctx: &Ctx<'_>) -> Value {
    let v = shape::with_ids(present(ev, ctx), IdKind::InCalendar, ctx);
    let mut v = shape::with_prefs(v, ctx);
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| !k.starts_with('_'));
    }
    v
}

// =============================================================================================
// Event lookup
// =============================================================================================

#[derive(Debug, Clone, Copy)]
enum Target {
    Item(usize),
    Occurrence { master: usize, start: DateTime<Utc> },
}

/// Resolve an event id (REST or immutable, single/master or occurrence). A REST id issued for
/// another calendar, or an event outside `cal` when addressed through a calendar, is not found.
fn resolve(mb: &Mailbox, id: &str, cal: Option<&str>) -> Result<Target, GraphError> {
    let (imm, folder) = parse_id(id);
    let (target, master_id) = match parse_occurrence_id(&imm) {
        Some((master, start)) => (Some(start), master),
        None => (None, imm),
    };
    let idx = mb
        .events
        .iter()
        .position(|e| e["id"] == master_id.as_str())
        .ok_or_else(not_found)?;
    let ev = &mb.events[idx];
    let ev_cal = str_of(ev, "_calendarId");
    if folder.as_deref().is_some_and(|f| f != ev_cal) || cal.is_some_and(|c| c != ev_cal) {
        return Err(not_found());
    }
    match target {
        None => Ok(Target::Item(idx)),
        Some(start) => {
            occurrence_at(ev, start).ok_or_else(not_found)?;
            Ok(Target::Occurrence { master: idx, start })
        }
    }
}

fn target_value(mb: &Mailbox, t: Target) -> Result<Value, GraphError> {
    match t {
        Target::Item(i) => Ok(mb.events[i].clone()),
        Target::Occurrence { master, start } => {
            let m = &mb.events[master];
            let occ = occurrence_at(m, start).ok_or_else(not_found)?;
            Ok(materialize(m, &occ))
        }
    }
}

// =============================================================================================
// Collections: events and calendarView
// =============================================================================================

fn events(world: &mut World, ctx: &Ctx<'_>, cal: Option<String>, req: &GraphRequest) -> Outcome {
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            let mb = mailbox(world, ctx)?;
            // user-list-events: the default calendar's single instances and series masters.
            let cal = match cal {
                Some(c) => c,
                None => default_calendar_id(mb)?,
            };
            let items = mb
                .events
                .iter()
                .filter(|e| e["_calendarId"] == cal.as_str())
                .map(|e| present(e.clone(), ctx))
                .collect();
            strip_page(shape::page(items, IdKind::InCalendar, &EVENTS, ctx, req))
        }
        Method::POST => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            let cal = match cal {
                Some(c) => c,
                None => default_calendar_id(mailbox(world, ctx)?)?,
            };
            let ev = create_event(world, ctx, &cal, &body)?;
            Ok(shape::prefer_applied(
                Reply::created(present_one(ev, ctx)),
                ctx,
            ))
        }
        _ => Err(method_not_allowed()),
    }
}

/// Drop bookkeeping keys the projection may have kept (`_calendarId`).
fn strip_page(outcome: Outcome) -> Outcome {
    let mut reply = outcome?;
    if let ReplyBody::Json(v) = &mut reply.body {
        if let Some(items) = v.get_mut("value").and_then(Value::as_array_mut) {
            for it in items {
                if let Some(o) = it.as_object_mut() {
                    o.retain(|k, _| !k.starts_with('_'));
                }
            }
        } else if let Some(o) = v.as_object_mut() {
            o.retain(|k, _| !k.starts_with('_'));
        }
    }
    Ok(reply)
}

fn view(world: &mut World, ctx: &Ctx<'_>, cal: Option<String>, req: &GraphRequest) -> Outcome {
    if req.method != Method::GET {
        return Err(method_not_allowed());
    }
    require_scope(ctx.principal, READ)?;
    let (from, to) = window(req)?;
    let mb = mailbox(world, ctx)?;
    let cal = match cal {
        Some(c) => c,
        None => default_calendar_id(mb)?,
    };
    let mut items = expanded(mb, Some(&cal), from, to);
    items.sort_by_key(|e| span(e).map(|(s, _)| s));
    let items = items.into_iter().map(|e| present(e, ctx)).collect();
    strip_page(shape::page(
        items,
        IdKind::InCalendar,
        &CALENDAR_VIEW,
        ctx,
        req,
    ))
}

// =============================================================================================
// One event
// =============================================================================================

fn event(
    world: &mut World,
    ctx: &Ctx<'_>,
    cal: Option<String>,
    id: &str,
    tail: &[&str],
    req: &GraphRequest,
) -> Outcome {
    let m = req.method.clone();
    let target = resolve(mailbox(world, ctx)?, id, cal.as_deref())?;
    match tail {
        [] => match m {
            Method::GET => {
                require_scope(ctx.principal, READ)?;
                let v = target_value(mailbox(world, ctx)?, target)?;
                strip_page(shape::single(
                    present(v, ctx),
                    IdKind::InCalendar,
                    &EVENTS,
                    ctx,
                    req,
                ))
            }
            Method::PATCH => {
                require_scope(ctx.principal, WRITE)?;
                let body = req.json()?;
                ctx.schema.check_body("microsoft.graph.event", &body)?;
                let v = update_event(world, ctx, target, &body)?;
                Ok(shape::prefer_applied(Reply::ok(present_one(v, ctx)), ctx))
            }
            Method::DELETE => {
                require_scope(ctx.principal, WRITE)?;
                delete_event(world, ctx, target)?;
                Ok(Reply::no_content())
            }
            _ => Err(method_not_allowed()),
        },
        [action @ ("accept" | "decline" | "tentativelyAccept")] => {
            if m != Method::POST {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, WRITE)?;
            respond(world, ctx, target, action, req)
        }
        ["cancel"] => {
            if m != Method::POST {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, WRITE)?;
            let body = if req.body.is_empty() {
                json!({})
            } else {
                req.json()?
            };
            ctx.schema
                .check_action_body("microsoft.graph.event", "cancel", &body)?;
            let comment = body_param(&body, "comment")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            cancel_event(world, ctx, target, &comment)?;
            Ok(Reply::accepted())
        }
        ["dismissReminder"] => {
            if m != Method::POST {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, WRITE)?;
            reminder_action(world, ctx, target, None)
        }
        ["snoozeReminder"] => {
            if m != Method::POST {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            ctx.schema
                .check_action_body("microsoft.graph.event", "snoozeReminder", &body)?;
            let nt = body_param(&body, "newReminderTime")
                .cloned()
                .unwrap_or(Value::Null);
            let when = nt
                .get("timeZone")
                .and_then(Value::as_str)
                .map(|z| {
                    if tz::resolve(z).is_none() {
                        Err(tz_not_supported(z))
                    } else {
                        Ok(())
                    }
                })
                .transpose()
                .and_then(|_| {
                    tz::instant(&nt).ok_or_else(|| {
                        GraphError::new(
                            400,
                            "ErrorInvalidParameter",
                            "The value of the parameter 'NewReminderTime' is invalid.",
                        )
                    })
                })?;
            reminder_action(world, ctx, target, Some(when))
        }
        ["instances"] => {
            if m != Method::GET {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, READ)?;
            let (from, to) = window(req)?;
            let mb = mailbox(world, ctx)?;
            let items = match target {
                Target::Item(i) if is_master(&mb.events[i]) => {
                    let mut v = expand_series(&mb.events[i], from, to);
                    v.sort_by_key(|e| span(e).map(|(s, _)| s));
                    v
                }
                // Instances of a single event or an occurrence: the event itself, if in range.
                t => {
                    let v = target_value(mb, t)?;
                    if overlaps(&v, from, to) {
                        vec![v]
                    } else {
                        Vec::new()
                    }
                }
            };
            let items = items.into_iter().map(|e| present(e, ctx)).collect();
            strip_page(shape::page(
                items,
                IdKind::InCalendar,
                &CALENDAR_VIEW,
                ctx,
                req,
            ))
        }
        ["attachments"] => event_attachments(world, ctx, target, req),
        ["attachments", "createUploadSession"] if m == Method::POST => {
            // outlook-large-attachments.md: the same 3–150 MB sessions as for messages.
            require_scope(ctx.principal, WRITE)?;
            let (_, eid) = event_item_id(mailbox(world, ctx)?, target)?;
            mail::open_upload_session(world, ctx, eid, "Events", req)
        }
        ["attachments", aid] => event_attachment(world, ctx, target, aid, false, req),
        ["attachments", aid, "$value"] => event_attachment(world, ctx, target, aid, true, req),
        ["forward"] => {
            if m != Method::POST {
                return Err(method_not_allowed());
            }
            require_scope(ctx.principal, WRITE)?;
            forward_event(world, ctx, target, req)
        }
        [first, ..] => Err(GraphError::no_resource(first)),
    }
}

/// An action parameter (names are case-insensitive: the CSDL says `Comment`, clients send `comment`).
fn body_param<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

// =============================================================================================
// Create / update / delete
// =============================================================================================

/// Validate `start`/`end` (and `isAllDay`) and store them normalised. `start_given`/`end_given`
/// say which the request body set (only those update `originalStart/EndTimeZone`).
fn apply_times(ev: &mut Value, start_given: bool, end_given: bool) -> Result<(), GraphError> {
    let (Some(start), Some(end)) = (
        ev.get("start").filter(|v| v.is_object()).cloned(),
        ev.get("end").filter(|v| v.is_object()).cloned(),
    ) else {
        return Err(validation_failure());
    };
    let zone_name = |dt: &Value| {
        dt.get("timeZone")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let (sz_name, ez_name) = (zone_name(&start), zone_name(&end));
    let sz = tz::resolve(&sz_name)
        .filter(|_| !sz_name.is_empty())
        .ok_or_else(|| tz_not_supported(&sz_name))?;
    let ez = tz::resolve(&ez_name)
        .filter(|_| !ez_name.is_empty())
        .ok_or_else(|| tz_not_supported(&ez_name))?;
    // A dateTime Exchange cannot read: Graph's "UnableToDeserializePostBody".
    let unreadable = || {
        GraphError::new(
            400,
            "UnableToDeserializePostBody",
            "were unable to deserialize ",
        )
    };
    let sl = start
        .get("dateTime")
        .and_then(Value::as_str)
        .and_then(tz::parse_local)
        .ok_or_else(unreadable)?;
    let el = end
        .get("dateTime")
        .and_then(Value::as_str)
        .and_then(tz::parse_local)
        .ok_or_else(unreadable)?;
    if is_all_day(ev) {
        // All-day events must start and end at midnight and last whole days (at least one):
        // ErrorPropertyValidationFailure (microsoftgraph/microsoft-graph-docs#7919) — "The duration
        // of an event marked as All day must be at least 24 hours" (OfficeDev/Office-365-SDK-for-Java#5).
        if sl.time() != NaiveTime::MIN || el.time() != NaiveTime::MIN || el.date() <= sl.date() {
            return Err(validation_failure());
        }
        ev["start"] = floating(sl.date());
        ev["end"] = floating(el.date());
    } else {
        let (s, e) = (tz::to_utc(sl, sz), tz::to_utc(el, ez));
        if e < s {
            // Exchange's code for this (EWS ResponseCode reference), passed through by Graph.
            return Err(GraphError::new(
                400,
                "ErrorCalendarEndDateIsEarlierThanStartDate",
                "The end date you entered occurs before the start date.",
            ));
        }
        if e - s > Duration::days(5 * 365) {
            return Err(GraphError::new(
                400,
                "ErrorCalendarDurationIsTooLong",
                "The duration of the calendar item is too long.",
            ));
        }
        ev["start"] = dtz_utc(s);
        ev["end"] = dtz_utc(e);
    }
    if start_given {
        ev["originalStartTimeZone"] = json!(sz_name);
    }
    if end_given {
        ev["originalEndTimeZone"] = json!(ez_name);
    }
    Ok(())
}

/// Validate and normalise `recurrence`, fill what Graph fills (recurrenceTimeZone, the unused
/// pattern fields) and set `type`.
fn apply_recurrence(ev: &mut Value) -> Result<(), GraphError> {
    let Some(r) = ev.get("recurrence").filter(|r| r.is_object()).cloned() else {
        ev["recurrence"] = Value::Null;
        ev["type"] = json!("singleInstance");
        return Ok(());
    };
    let rec = recurrence::parse(&r).map_err(|_| validation_failure())?;
    if recurrence::dates(&rec).next().is_none() {
        return Err(validation_failure());
    }
    let zone = rec
        .time_zone
        .clone()
        .unwrap_or_else(|| str_of(ev, "originalStartTimeZone").to_string());
    let p = &r["pattern"];
    let rg = &r["range"];
    let days: Vec<&str> = rec
        .days_of_week
        .iter()
        .map(|d| recurrence::weekday_name(*d))
        .collect();
    let index = match rec.index {
        recurrence::WeekIndex::First => "first",
        recurrence::WeekIndex::Second => "second",
        recurrence::WeekIndex::Third => "third",
        recurrence::WeekIndex::Fourth => "fourth",
        recurrence::WeekIndex::Last => "last",
    };
    let (end_date, count) = match rec.end {
        recurrence::RangeEnd::EndDate(d) => (d.format("%Y-%m-%d").to_string(), 0),
        recurrence::RangeEnd::Numbered(n) => ("0001-01-01".to_string(), n),
        recurrence::RangeEnd::NoEnd => ("0001-01-01".to_string(), 0),
    };
    ev["recurrence"] = json!({
        "pattern": {
            "type": p["type"],
            "interval": rec.interval,
            "month": rec.month,
            "dayOfMonth": rec.day_of_month,
            "daysOfWeek": days,
            "firstDayOfWeek": recurrence::weekday_name(rec.first_day_of_week),
            "index": index,
        },
        "range": {
            "type": rg["type"],
            "startDate": rec.start_date.format("%Y-%m-%d").to_string(),
            "endDate": end_date,
            "recurrenceTimeZone": zone,
            "numberOfOccurrences": count,
        }
    });
    ev["type"] = json!("seriesMaster");
    Ok(())
}

fn normalize_attendees(ev: &mut Value) {
    if let Some(list) = ev.get_mut("attendees").and_then(Value::as_array_mut) {
        for a in list {
            if a.get("type").and_then(Value::as_str).is_none() {
                a["type"] = json!("required");
            }
            if !a.get("status").is_some_and(Value::is_object) {
                a["status"] = json!({"response": "none", "time": NO_TIME});
            }
        }
    }
}

fn join_url() -> String {
    let id = crate::server::new_id().replace('-', "");
    format!(
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0?context=%7b%22Tid%22%3a%22sandbox%22%7d",
        &id[..24]
    )
}

/// `isOnlineMeeting` / `onlineMeetingProvider`: a work account's calendar allows
/// `teamsForBusiness` (the default provider) and gets a Teams join URL; a personal account's
/// calendar allows no provider (`allowedOnlineMeetingProviders: []`, as seeded), so the request
/// is ignored and the event stays offline, as Exchange does for a provider the calendar does not
/// allow.
fn apply_online_meeting(ev: &mut Value, work: bool) {
    let wanted = ev["isOnlineMeeting"] == true;
    if !wanted {
        if ev.get("onlineMeeting").is_none() {
            ev["onlineMeeting"] = Value::Null;
        }
        if ev.get("onlineMeetingProvider").is_none() {
            ev["onlineMeetingProvider"] = json!("unknown");
        }
        return;
    }
    if ev.get("onlineMeeting").is_some_and(Value::is_object) {
        return;
    }
    let provider = ev
        .get("onlineMeetingProvider")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    if work && matches!(provider, "unknown" | "teamsForBusiness") {
        ev["onlineMeetingProvider"] = json!("teamsForBusiness");
        ev["onlineMeeting"] =
            json!({"joinUrl": join_url(), "conferenceId": null, "tollNumber": null});
        ev["onlineMeetingUrl"] = Value::Null;
    } else {
        ev["isOnlineMeeting"] = json!(false);
        ev["onlineMeetingProvider"] = json!("unknown");
        ev["onlineMeeting"] = Value::Null;
    }
}

fn sync_location(ev: &mut Value, body: &Value) {
    let blank = json!({"displayName": "", "locationType": "default", "uniqueIdType": "unknown", "address": {}, "coordinates": {}});
    if let Some(loc) = body.get("location").filter(|l| l.is_object()) {
        let mut l = blank.clone();
        mail::merge(&mut l, loc);
        ev["location"] = l.clone();
        if body.get("locations").is_none() {
            ev["locations"] = if str_of(&l, "displayName").is_empty() {
                json!([])
            } else {
                json!([l])
            };
        }
    } else if let Some(first) = body
        .get("locations")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        let mut l = blank;
        mail::merge(&mut l, first);
        ev["location"] = l;
    }
}

fn web_link(id: &str) -> String {
    format!(
        "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    )
}

fn ical_uid() -> String {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(new_item_id())
        .unwrap_or_default();
    let hex: String = raw
        .iter()
        .rev()
        .take(16)
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("040000008200E00074C5B7101A82E00800000000{hex}")
}

/// POST an event into calendar `cal` of the addressed mailbox. Returns the stored event.
fn create_event(
    world: &mut World,
    ctx: &Ctx<'_>,
    cal: &str,
    body: &Value,
) -> Result<Value, GraphError> {
    ctx.schema.check_body("microsoft.graph.event", body)?;
    // event.transactionId: "a custom identifier … to avoid redundant POST operations in case of
    // client retries": a second POST with the same id returns the event already created.
    if let Some(tx) = body
        .get("transactionId")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        if let Some(existing) = mailbox(world, ctx)?
            .events
            .iter()
            .find(|e| e["transactionId"] == tx)
        {
            return Ok(existing.clone());
        }
    }
    let work = is_work(world, &ctx.user_id);
    let me = email_of(world, &ctx.user_id);
    let id = new_item_id();
    let now = iso_7(ctx.now);
    let uid = ical_uid();
    let ck = change_key();
    let mut ev = json!({
        "@odata.etag": format!("W/\"{ck}\""),
        "id": id,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "changeKey": ck,
        "categories": [],
        "transactionId": null,
        "originalStartTimeZone": "UTC",
        "originalEndTimeZone": "UTC",
        "iCalUId": uid,
        "uid": uid,
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": true,
        "hasAttachments": false,
        "subject": "",
        "bodyPreview": "",
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": false,
        "isCancelled": false,
        "isOrganizer": true,
        "responseRequested": true,
        "seriesMasterId": null,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": web_link(&id),
    });
    let rest = json!({
        "onlineMeetingUrl": null,
        "isOnlineMeeting": false,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": true,
        "occurrenceId": null,
        "isDraft": false,
        "hideAttendees": false,
        "responseStatus": {"response": "organizer", "time": NO_TIME},
        "body": {"contentType": "html", "content": ""},
        "start": null,
        "end": null,
        "location": {"displayName": "", "locationType": "default", "uniqueIdType": "unknown", "address": {}, "coordinates": {}},
        "locations": [],
        "recurrence": null,
        "attendees": [],
        "organizer": {"emailAddress": me},
        "onlineMeeting": null,
        "_calendarId": cal,
    });
    if let (Some(m), Value::Object(extra)) = (ev.as_object_mut(), rest) {
        m.extend(extra);
    }
    let mut fields = body.clone();
    let attachments = fields.as_object_mut().and_then(|o| {
        for k in SERVER_SET {
            o.remove(*k);
        }
        o.remove("attachments")
    });
    mail::merge(&mut ev, &fields);
    sync_location(&mut ev, body);
    apply_times(&mut ev, true, true)?;
    apply_recurrence(&mut ev)?;
    normalize_attendees(&mut ev);
    apply_online_meeting(&mut ev, work);
    shape::refresh_body_preview(&mut ev);
    let mb = mailbox(world, ctx)?;
    if let Some(Value::Array(atts)) = attachments {
        for a in atts {
            mail::add_attachment(mb, &id, &a, ctx)?;
        }
        ev["hasAttachments"] = json!(!mb.attachments.get(&id).is_none_or(Vec::is_empty));
    }
    mb.events.push(ev.clone());
    sync_attendee_copies(world, ctx, &id, None);
    let mb = mailbox(world, ctx)?;
    Ok(mb
        .events
        .iter()
        .find(|e| e["id"] == id.as_str())
        .cloned()
        .unwrap_or(ev))
}

/// Properties the server sets on an event: dropped from a create or PATCH body.
const SERVER_SET: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "organizer",
    "isOrganizer",
    "type",
    "seriesMasterId",
    "iCalUId",
    "uid",
    "webLink",
    "responseStatus",
    "originalStart",
    "occurrenceId",
];

/// Further properties a PATCH may not set (read-only on event).
const PATCH_READ_ONLY: &[&str] = &["hasAttachments", "bodyPreview", "isCancelled"];

fn update_event(
    world: &mut World,
    ctx: &Ctx<'_>,
    target: Target,
    body: &Value,
) -> Result<Value, GraphError> {
    let work = is_work(world, &ctx.user_id);
    let mut patch = body.clone();
    if let Some(o) = patch.as_object_mut() {
        o.retain(|k, _| {
            !SERVER_SET.contains(&k.as_str())
                && !PATCH_READ_ONLY.contains(&k.as_str())
                && k != "attachments"
        });
    }
    let start_given = patch.get("start").is_some();
    let end_given = patch.get("end").is_some();
    let mb = mailbox(world, ctx)?;
    match target {
        Target::Item(i) => {
            let mut ev = mb.events[i].clone();
            let organizer = ev["isOrganizer"] == true;
            mail::merge(&mut ev, &patch);
            sync_location(&mut ev, &patch);
            if start_given || end_given || patch.get("isAllDay").is_some() {
                apply_times(&mut ev, start_given, end_given)?;
            }
            if patch.get("recurrence").is_some() {
                apply_recurrence(&mut ev)?;
            }
            normalize_attendees(&mut ev);
            if patch.get("isOnlineMeeting").is_some()
                || patch.get("onlineMeetingProvider").is_some()
            {
                apply_online_meeting(&mut ev, work);
            }
            shape::refresh_body_preview(&mut ev);
            touch(&mut ev, ctx.now);
            let id = str_of(&ev, "id").to_string();
            mb.events[i] = ev.clone();
            if organizer {
                sync_attendee_copies(world, ctx, &id, None);
            }
            Ok(ev)
        }
        Target::Occurrence { master, start } => {
            // Changing one occurrence makes it an exception, stored on the master.
            let m = mb.events[master].clone();
            let occ = occurrence_at(&m, start).ok_or_else(not_found)?;
            let mut ev = materialize(&m, &occ);
            if patch.get("recurrence").is_some_and(|r| !r.is_null()) {
                return Err(validation_failure());
            }
            mail::merge(&mut ev, &patch);
            sync_location(&mut ev, &patch);
            if start_given || end_given || patch.get("isAllDay").is_some() {
                apply_times(&mut ev, start_given, end_given)?;
            }
            normalize_attendees(&mut ev);
            shape::refresh_body_preview(&mut ev);
            touch(&mut ev, ctx.now);
            let mut changes = patch.clone();
            for k in [
                "start",
                "end",
                "location",
                "locations",
                "attendees",
                "bodyPreview",
                "originalStartTimeZone",
                "originalEndTimeZone",
            ] {
                if !ev[k].is_null()
                    && (patch.get(k).is_some()
                        || k == "bodyPreview"
                        || (k == "location" && patch.get("locations").is_some()))
                {
                    changes[k] = ev[k].clone();
                }
            }
            let key = occ_key(start);
            let me = &mut mb.events[master];
            if !me.get("_exceptions").is_some_and(Value::is_object) {
                me["_exceptions"] = json!({});
            }
            let slot = &mut me["_exceptions"][key.as_str()];
            if slot.is_null() {
                *slot = json!({});
            }
            mail::merge(slot, &changes);
            let master_id = str_of(me, "id").to_string();
            let organizer = me["isOrganizer"] == true;
            let updated = materialize(&mb.events[master], &occ);
            if organizer {
                sync_attendee_copies(world, ctx, &master_id, None);
            }
            Ok(updated)
        }
    }
}

fn delete_event(world: &mut World, ctx: &Ctx<'_>, target: Target) -> Result<(), GraphError> {
    // event-delete: "If the event is a meeting, deleting it on the organizer's calendar sends a
    // cancellation message to the meeting attendees."
    remove_or_cancel(world, ctx, target, None)
}

/// Remove an event (or one occurrence) from the addressed mailbox; for the organizer of a
/// meeting, cancel it for the attendees (`comment` goes into the cancellation).
fn remove_or_cancel(
    world: &mut World,
    ctx: &Ctx<'_>,
    target: Target,
    comment: Option<&str>,
) -> Result<(), GraphError> {
    let mb = mailbox(world, ctx)?;
    let (idx, occurrence) = match target {
        Target::Item(i) => (i, None),
        Target::Occurrence { master, start } => (master, Some(start)),
    };
    let ev = mb.events[idx].clone();
    match occurrence {
        None => {
            mb.events.remove(idx);
            if let Some(id) = ev["id"].as_str() {
                mb.attachments.remove(id);
            }
        }
        Some(start) => push_key(&mut mb.events[idx], "_cancelled", &occ_key(start)),
    }
    if ev["isOrganizer"] == true && ev["isCancelled"] != true {
        cancel_for_attendees(world, ctx, &ev, occurrence, comment.unwrap_or(""));
    }
    Ok(())
}

fn cancel_event(
    world: &mut World,
    ctx: &Ctx<'_>,
    target: Target,
    comment: &str,
) -> Result<(), GraphError> {
    let mb = mailbox(world, ctx)?;
    let idx = match target {
        Target::Item(i) | Target::Occurrence { master: i, .. } => i,
    };
    if mb.events[idx]["isOrganizer"] != true {
        // event-cancel: "An attendee calling this action gets an error (HTTP 400 Bad Request),
        // with the following error message: 'Your request can't be completed. You need to be an
        // organizer to cancel a meeting.'"
        return Err(GraphError::new(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        ));
    }
    remove_or_cancel(world, ctx, target, Some(comment))
}

// =============================================================================================
// Meetings between seeded users
// =============================================================================================

fn attendee_addresses(ev: &Value) -> Vec<String> {
    ev["attendees"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| x["type"] != "resource")
                .filter_map(|x| {
                    x.pointer("/emailAddress/address")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Seeded users (other than the organizer) among an event's attendees.
fn seeded_attendees(world: &World, organizer: &str, ev: &Value) -> Vec<String> {
    let mut out: Vec<String> = attendee_addresses(ev)
        .iter()
        .filter_map(|a| world.user_by_address(a))
        .filter(|u| u.id != organizer && world.mailboxes.contains_key(&u.id))
        .map(|u| u.id.clone())
        .collect();
    out.dedup();
    out
}

/// Properties copied from the organizer's event to attendee copies.
const SHARED_PROPS: &[&str] = &[
    "subject",
    "body",
    "bodyPreview",
    "start",
    "end",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "location",
    "locations",
    "isAllDay",
    "recurrence",
    "type",
    "attendees",
    "organizer",
    "isOnlineMeeting",
    "onlineMeeting",
    "onlineMeetingProvider",
    "onlineMeetingUrl",
    "importance",
    "sensitivity",
    "responseRequested",
    "allowNewTimeProposals",
    "hideAttendees",
    "_exceptions",
    "_cancelled",
    "iCalUId",
    "uid",
];

/// Make attendee copies match the organizer's event `id` (create, update, or cancel for removed
/// attendees), delivering requests. `only` limits the work to one attendee.
fn sync_attendee_copies(world: &mut World, ctx: &Ctx<'_>, id: &str, only: Option<&str>) {
    let organizer_uid = ctx.user_id.clone();
    let Some(ev) = world
        .mailboxes
        .get(&organizer_uid)
        .and_then(|mb| mb.events.iter().find(|e| e["id"] == id))
        .cloned()
    else {
        return;
    };
    if ev["isDraft"] == true || ev["isOrganizer"] != true {
        return;
    }
    let uid = str_of(&ev, "iCalUId").to_string();
    if uid.is_empty() {
        return;
    }
    let from = email_of(world, &organizer_uid);
    let current = seeded_attendees(world, &organizer_uid, &ev);
    // Attendees that were removed: their copies are cancelled.
    let holders: Vec<String> = world
        .mailboxes
        .iter()
        .filter(|(u, mb)| {
            **u != organizer_uid
                && mb
                    .events
                    .iter()
                    .any(|e| e["iCalUId"] == uid.as_str() && e["isOrganizer"] != true)
        })
        .map(|(u, _)| u.clone())
        .collect();
    for u in holders.iter().filter(|u| !current.contains(u)) {
        if only.is_some_and(|o| o != u) {
            continue;
        }
        if let Some(mb) = world.mailboxes.get_mut(u) {
            for e in mb
                .events
                .iter_mut()
                .filter(|e| e["iCalUId"] == uid.as_str())
            {
                e["isCancelled"] = json!(true);
            }
        }
        deliver_event_message(
            world,
            u,
            &from,
            "meetingCancelled",
            &format!("Canceled: {}", str_of(&ev, "subject")),
            "",
            &ev,
            ctx.now,
        );
    }
    for u in current {
        if only.is_some_and(|o| o != u) {
            continue;
        }
        let Some(mb) = world.mailboxes.get_mut(&u) else {
            continue;
        };
        let Ok(cal) = default_calendar_id(mb) else {
            continue;
        };
        let existing = mb.events.iter().position(|e| e["iCalUId"] == uid.as_str());
        let changed;
        match existing {
            Some(i) => {
                let copy = &mut mb.events[i];
                changed = ["start", "end", "subject", "location", "recurrence"]
                    .iter()
                    .any(|k| copy[*k] != ev[*k]);
                for k in SHARED_PROPS {
                    match ev.get(*k) {
                        Some(v) => copy[*k] = v.clone(),
                        None => {
                            if let Some(o) = copy.as_object_mut() {
                                o.remove(*k);
                            }
                        }
                    }
                }
                copy["isCancelled"] = json!(false);
                touch(copy, ctx.now);
            }
            None => {
                let mut copy = ev.clone();
                let cid = new_item_id();
                copy["id"] = json!(cid);
                copy["webLink"] = json!(web_link(&cid));
                copy["_calendarId"] = json!(cal);
                copy["isOrganizer"] = json!(false);
                copy["responseStatus"] = json!({"response": "notResponded", "time": NO_TIME});
                // An unanswered request shows as tentative until accepted (Exchange keeps the
                // organizer's status as the "intended" one).
                copy["_intendedShowAs"] = ev.get("showAs").cloned().unwrap_or(json!("busy"));
                if ev["showAs"] != "free" {
                    copy["showAs"] = json!("tentative");
                }
                copy["transactionId"] = Value::Null;
                if let Some(o) = copy.as_object_mut() {
                    o.remove("_dismissed");
                }
                mb.events.push(copy);
                changed = true;
            }
        }
        if changed {
            deliver_event_message(
                world,
                &u,
                &from,
                "meetingRequest",
                str_of(&ev, "subject"),
                ev["body"]["content"].as_str().unwrap_or(""),
                &ev,
                ctx.now,
            );
        }
    }
}

/// The organizer cancelled or deleted a meeting (or one occurrence): attendee copies are marked
/// cancelled (Exchange keeps them, prefixed "Canceled: ", until the attendee removes them) and a
/// cancellation arrives in their Inbox.
fn cancel_for_attendees(
    world: &mut World,
    ctx: &Ctx<'_>,
    ev: &Value,
    occurrence: Option<DateTime<Utc>>,
    comment: &str,
) {
    let uid = str_of(ev, "iCalUId").to_string();
    if uid.is_empty() || ev["isDraft"] == true {
        return;
    }
    let from = email_of(world, &ctx.user_id);
    let subject = format!("Canceled: {}", str_of(ev, "subject"));
    for u in seeded_attendees(world, &ctx.user_id, ev) {
        let Some(mb) = world.mailboxes.get_mut(&u) else {
            continue;
        };
        let mut had_copy = false;
        for e in mb
            .events
            .iter_mut()
            .filter(|e| e["iCalUId"] == uid.as_str() && e["isOrganizer"] != true)
        {
            had_copy = true;
            match occurrence {
                Some(t) => push_key(e, "_cancelled", &occ_key(t)),
                None => {
                    e["isCancelled"] = json!(true);
                    e["subject"] = json!(subject);
                }
            }
        }
        if had_copy || occurrence.is_none() {
            deliver_event_message(
                world,
                &u,
                &from,
                "meetingCancelled",
                &subject,
                comment,
                ev,
                ctx.now,
            );
        }
    }
}

/// Put an `eventMessage` (request, cancellation or response) in `to`'s Inbox. `text` is plain
/// text (a comment) or the event's HTML body.
#[allow(clippy::too_many_arguments)]
fn deliver_event_message(
    world: &mut World,
    to: &str,
    from: &Value,
    kind: &str,
    subject: &str,
    text: &str,
    ev: &Value,
    now: DateTime<Utc>,
) {
    let to_addr = email_of(world, to);
    let Some(mb) = world.mailboxes.get_mut(to) else {
        return;
    };
    let Some(inbox) = mb.well_known_folders.get("inbox").cloned() else {
        return;
    };
    let id = new_item_id();
    let ck = change_key();
    let odata_type = match kind {
        "meetingRequest" => "#microsoft.graph.eventMessageRequest",
        "meetingAccepted" | "meetingTenativelyAccepted" | "meetingDeclined" => {
            "#microsoft.graph.eventMessageResponse"
        }
        _ => "#microsoft.graph.eventMessage",
    };
    let html = if text.trim_start().starts_with('<') {
        text.to_string()
    } else {
        format!(
            "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>{}</div></body></html>",
            text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
        )
    };
    let preview: String = shape::html_to_text(&html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(255)
        .collect();
    let (start, end) = match span(ev) {
        Some((s, e)) => (dtz_utc(s), dtz_utc(e)),
        None => (Value::Null, Value::Null),
    };
    let mut msg = json!({
        "@odata.type": odata_type,
        "@odata.etag": format!("W/\"{ck}\""),
        "id": id,
        "createdDateTime": iso_z(now),
        "lastModifiedDateTime": iso_z(now),
        "changeKey": ck,
        "categories": [],
        "receivedDateTime": iso_z(now),
        "sentDateTime": iso_z(now),
        "hasAttachments": false,
        "internetMessageId": format!("<{}@sandbox.example>", &crate::server::new_id()[..18]),
        "subject": subject,
        "bodyPreview": preview,
        "importance": ev.get("importance").cloned().unwrap_or(json!("normal")),
        "parentFolderId": inbox,
        "conversationId": new_item_id(),
        "isDeliveryReceiptRequested": null,
        "isReadReceiptRequested": false,
        "isRead": false,
        "isDraft": false,
        "webLink": format!("https://outlook.office365.com/owa/?ItemID={}&viewmodel=ReadMessageItem", percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)),
        "inferenceClassification": "focused",
        "body": {"contentType": "html", "content": html},
        "sender": {"emailAddress": from},
        "from": {"emailAddress": from},
        "toRecipients": [{"emailAddress": to_addr}],
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
    });
    let meeting = json!({
        "meetingMessageType": kind,
        "startDateTime": start,
        "endDateTime": end,
        "location": ev.get("location").cloned().unwrap_or(Value::Null),
        "type": ev.get("type").cloned().unwrap_or(json!("singleInstance")),
        "recurrence": ev.get("recurrence").cloned().unwrap_or(Value::Null),
        "isOutOfDate": false,
        "isAllDay": ev.get("isAllDay").cloned().unwrap_or(json!(false)),
        "isDelegated": false,
    });
    if let (Some(m), Value::Object(extra)) = (msg.as_object_mut(), meeting) {
        m.extend(extra);
    }
    if kind == "meetingRequest" {
        msg["meetingRequestType"] = json!("newMeetingRequest");
        msg["responseRequested"] = ev.get("responseRequested").cloned().unwrap_or(json!(true));
        msg["allowNewTimeProposals"] = ev
            .get("allowNewTimeProposals")
            .cloned()
            .unwrap_or(json!(true));
    }
    mb.messages.push(msg);
}

// =============================================================================================
// Responses and reminders
// =============================================================================================

fn respond(
    world: &mut World,
    ctx: &Ctx<'_>,
    target: Target,
    action: &str,
    req: &GraphRequest,
) -> Outcome {
    let body = if req.body.is_empty() {
        json!({})
    } else {
        req.json()?
    };
    ctx.schema
        .check_action_body("microsoft.graph.event", action, &body)?;
    let comment = body_param(&body, "comment")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let send = body_param(&body, "sendResponse")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let proposed = body_param(&body, "proposedNewTime")
        .filter(|v| v.is_object())
        .cloned();
    let mb = mailbox(world, ctx)?;
    let idx = match target {
        Target::Item(i) | Target::Occurrence { master: i, .. } => i,
    };
    let ev = mb.events[idx].clone();
    if ev["isOrganizer"] == true {
        // The organizer cannot answer their own meeting (EWS ErrorCalendarIsOrganizerForAccept;
        // Graph's text as Microsoft's calendar skill reproduces it).
        return Err(GraphError::new(400, "ErrorInvalidRequest", "Your request can't be completed. You can't respond to this meeting because you're the meeting organizer."));
    }
    if ev["isCancelled"] == true {
        return Err(GraphError::new(400, "ErrorInvalidRequest", "Your request can't be completed. You can't respond to a meeting that has been canceled."));
    }
    if let Some(p) = &proposed {
        // event-tentativelyaccept / event-decline: proposedNewTime "can only be set when
        // allowNewTimeProposals is true" and needs sendResponse (the proposal goes to the organizer).
        if action == "accept" || ev["allowNewTimeProposals"] == false || !send {
            return Err(GraphError::new(
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. A new time can't be proposed for this meeting.",
            ));
        }
        for k in ["start", "end"] {
            let z = p
                .pointer(&format!("/{k}/timeZone"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if tz::resolve(z).is_none() {
                return Err(tz_not_supported(z));
            }
        }
    }
    let response = match action {
        "accept" => "accepted",
        "tentativelyAccept" => "tentativelyAccepted",
        _ => "declined",
    };
    let status = json!({"response": response, "time": iso_7(ctx.now)});
    match target {
        Target::Item(i) => {
            if response == "declined" {
                // Declining removes the meeting from the attendee's calendar (Exchange moves it to
                // Deleted Items).
                let gone = mb.events.remove(i);
                if let Some(id) = gone["id"].as_str() {
                    mb.attachments.remove(id);
                }
            } else {
                let e = &mut mb.events[i];
                e["responseStatus"] = status.clone();
                if response == "tentativelyAccepted" {
                    if e["showAs"] != "free" {
                        e["showAs"] = json!("tentative");
                    }
                } else {
                    let intended = e
                        .get("_intendedShowAs")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    match intended {
                        Some(s) => e["showAs"] = json!(s),
                        None if e["showAs"] == "tentative" => e["showAs"] = json!("busy"),
                        None => {}
                    }
                }
                touch(e, ctx.now);
            }
        }
        Target::Occurrence { master, start } => {
            let key = occ_key(start);
            if response == "declined" {
                push_key(&mut mb.events[master], "_cancelled", &key);
            } else {
                let me = &mut mb.events[master];
                if !me.get("_exceptions").is_some_and(Value::is_object) {
                    me["_exceptions"] = json!({});
                }
                let slot = &mut me["_exceptions"][key.as_str()];
                if slot.is_null() {
                    *slot = json!({});
                }
                slot["responseStatus"] = status.clone();
            }
        }
    }
    if send && ev["responseRequested"] != false {
        let me_addr = email_of(world, &ctx.user_id);
        let my_address = str_of(&me_addr, "address").to_ascii_lowercase();
        let organizer = ev
            .pointer("/organizer/emailAddress/address")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(org) = world.user_by_address(&organizer).map(|u| u.id.clone()) {
            let uid = str_of(&ev, "iCalUId").to_string();
            if let Some(mb) = world.mailboxes.get_mut(&org) {
                if let Some(oev) = mb
                    .events
                    .iter_mut()
                    .find(|e| e["iCalUId"] == uid.as_str() && e["isOrganizer"] == true)
                {
                    if let Some(list) = oev["attendees"].as_array_mut() {
                        for a in list.iter_mut().filter(|a| {
                            a.pointer("/emailAddress/address")
                                .and_then(Value::as_str)
                                .is_some_and(|x| x.eq_ignore_ascii_case(&my_address))
                        }) {
                            a["status"] = status.clone();
                            if let Some(p) = &proposed {
                                a["proposedNewTime"] = p.clone();
                            }
                        }
                    }
                }
            }
            let (kind, prefix) = match response {
                "accepted" => ("meetingAccepted", "Accepted"),
                "tentativelyAccepted" => ("meetingTenativelyAccepted", "Tentative"),
                _ => ("meetingDeclined", "Declined"),
            };
            let subject = format!("{prefix}: {}", str_of(&ev, "subject"));
            deliver_event_message(
                world, &org, &me_addr, kind, &subject, &comment, &ev, ctx.now,
            );
            if let Some(mb) = world.mailboxes.get_mut(&org) {
                if let Some(m) = mb.messages.last_mut() {
                    m["responseType"] = json!(response);
                    if let Some(p) = &proposed {
                        m["proposedNewTime"] = p.clone();
                    }
                }
            }
        }
    }
    Ok(Reply::accepted())
}

/// `dismissReminder` (`when` = None) or `snoozeReminder` (`when` = the new reminder time).
fn reminder_action(
    world: &mut World,
    ctx: &Ctx<'_>,
    target: Target,
    when: Option<DateTime<Utc>>,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    match target {
        Target::Item(i) => {
            let ev = &mut mb.events[i];
            if ev["isReminderOn"] != true {
                return Err(GraphError::new(
                    400,
                    "ErrorInvalidRequest",
                    "Your request can't be completed. The reminder is not set for this event.",
                ));
            }
            match when {
                None if is_master(ev) => {
                    // Dismiss the next occurrence's reminder.
                    let next = expand_series(ev, ctx.now, ctx.now + Duration::days(3660))
                        .into_iter()
                        .filter_map(|o| o["originalStart"].as_str().map(str::to_string))
                        .next();
                    if let Some(k) = next {
                        push_key(ev, "_dismissed", &k);
                    }
                }
                None => ev["isReminderOn"] = json!(false),
                Some(t) => ev["_snooze"] = json!({ "*": iso_z(t) }),
            }
        }
        Target::Occurrence { master, start } => {
            let key = occ_key(start);
            let ev = &mut mb.events[master];
            match when {
                None => push_key(ev, "_dismissed", &key),
                Some(t) => {
                    if !ev.get("_snooze").is_some_and(Value::is_object) {
                        ev["_snooze"] = json!({});
                    }
                    ev["_snooze"][key.as_str()] = json!(iso_z(t));
                }
            }
        }
    }
    Ok(Reply::no_content().with_status(200))
}

/// `reminderView(startDateTime='…',endDateTime='…')`: reminders firing in the window.
fn reminder_view(world: &mut World, ctx: &Ctx<'_>, seg: &str, req: &GraphRequest) -> Outcome {
    if req.method != Method::GET {
        return Err(method_not_allowed());
    }
    require_scope(ctx.principal, READ)?;
    let params = function_params(seg);
    let get = |n: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    // Without both parameters no function overload matches: ODL's "Resource not found for the
    // segment" answer.
    let (Some(s), Some(e)) = (get("startDateTime"), get("endDateTime")) else {
        return Err(GraphError::no_resource("reminderView"));
    };
    let bad = |name: &str, v: &str| {
        GraphError::new(
            400,
            "ErrorInvalidParameter",
            format!("The value '{v}' of parameter '{name}' is invalid."),
        )
    };
    let from = parse_instant(&s).ok_or_else(|| bad("StartDateTime", &s))?;
    let to = parse_instant(&e).ok_or_else(|| bad("EndDateTime", &e))?;
    let mb = mailbox(world, ctx)?;
    let cal = default_calendar_id(mb)?;
    // Events whose reminder may fire in the window start at most ~5 weeks after it.
    let mut candidates: Vec<(Value, Option<String>)> = Vec::new();
    for ev in mb
        .events
        .iter()
        .filter(|e| e["_calendarId"] == cal.as_str())
    {
        if is_master(ev) {
            for o in expand_series(ev, from, to + Duration::days(35)) {
                let key = o["originalStart"].as_str().map(str::to_string);
                let snooze = key.as_ref().and_then(|k| {
                    ev.pointer("/_snooze")
                        .and_then(|s| s.get(k))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                candidates.push((o, snooze));
            }
        } else {
            let snooze = ev
                .pointer("/_snooze/*")
                .and_then(Value::as_str)
                .map(str::to_string);
            candidates.push((ev.clone(), snooze));
        }
    }
    let mut out: Vec<(DateTime<Utc>, Value)> = Vec::new();
    for (ev, snooze) in candidates {
        if ev["isReminderOn"] != true || ev["isCancelled"] == true {
            continue;
        }
        let Some((start, end)) = span(&ev) else {
            continue;
        };
        let minutes = ev["reminderMinutesBeforeStart"].as_i64().unwrap_or(15);
        let fire = snooze
            .and_then(|s| parse_instant(&s))
            .unwrap_or(start - Duration::minutes(minutes));
        if fire < from || fire >= to {
            continue;
        }
        let shown = shape::with_ids(present(ev.clone(), ctx), IdKind::InCalendar, ctx);
        out.push((
            fire,
            json!({
                "eventId": shown["id"],
                "changeKey": ev["changeKey"],
                "eventStartTime": dtz_out(start, ctx),
                "eventEndTime": dtz_out(end, ctx),
                "eventSubject": ev["subject"],
                "eventLocation": ev["location"],
                "eventWebLink": ev["webLink"],
                "reminderFireTime": dtz_out(fire, ctx),
            }),
        ));
    }
    out.sort_by_key(|(t, _)| *t);
    let value: Vec<Value> = out.into_iter().map(|(_, v)| v).collect();
    Ok(shape::prefer_applied(
        Reply::ok(json!({
            "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.reminder)", ctx.base_url),
            "value": value,
        })),
        ctx,
    ))
}

/// `name(a='x',b=2)` → `[(a, x), (b, 2)]` (quotes removed, `''` unescaped).
fn function_params(seg: &str) -> Vec<(String, String)> {
    let Some(open) = seg.find('(') else {
        return Vec::new();
    };
    let inner = seg[open + 1..].trim_end_matches(')');
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut parts = Vec::new();
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if quoted && chars.get(i + 1) == Some(&'\'') {
                cur.push('\'');
                i += 2;
                continue;
            }
            quoted = !quoted;
            cur.push(c);
        } else if c == ',' && !quoted {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
        i += 1;
    }
    parts.push(cur);
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            let v = v.trim();
            // `microsoft.graph.timeZoneStandard'Iana'` → `Iana`; `'2026-…'` → `2026-…`.
            let v = match v.find('\'') {
                Some(q) => v[q + 1..].trim_end_matches('\'').replace("''", "'"),
                None => v.to_string(),
            };
            out.push((k.trim().to_string(), v));
        }
    }
    out
}

// =============================================================================================
// Attachments and forward
// =============================================================================================

fn event_item_id(mb: &Mailbox, target: Target) -> Result<(usize, String), GraphError> {
    match target {
        Target::Item(i) => Ok((i, str_of(&mb.events[i], "id").to_string())),
        // Attachments of an occurrence are the series'.
        Target::Occurrence { master, .. } => {
            Ok((master, str_of(&mb.events[master], "id").to_string()))
        }
    }
}

fn event_attachments(
    world: &mut World,
    ctx: &Ctx<'_>,
    target: Target,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let (idx, eid) = event_item_id(mb, target)?;
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, READ)?;
            let items = mb.attachments.get(&eid).cloned().unwrap_or_default();
            shape::page(items, IdKind::Plain, &mail::ATTACHMENTS, ctx, req)
        }
        Method::POST => {
            require_scope(ctx.principal, WRITE)?;
            let body = req.json()?;
            let a = mail::add_attachment(mb, &eid, &body, ctx)?;
            mb.events[idx]["hasAttachments"] = json!(true);
            Ok(Reply::created(a))
        }
        _ => Err(method_not_allowed()),
    }
}

fn event_attachment(
    world: &mut World,
    ctx: &Ctx<'_>,
    target: Target,
    aid: &str,
    raw: bool,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let (idx, eid) = event_item_id(mb, target)?;
    let list = mb.attachments.entry(eid).or_default();
    let pos = list
        .iter()
        .position(|a| a["id"] == aid)
        .ok_or_else(not_found)?;
    match (&req.method, raw) {
        (&Method::GET, false) => {
            require_scope(ctx.principal, READ)?;
            shape::single(
                list[pos].clone(),
                IdKind::Plain,
                &mail::ATTACHMENTS,
                ctx,
                req,
            )
        }
        (&Method::GET, true) => {
            require_scope(ctx.principal, READ)?;
            Ok(mail::attachment_content_ranged(&list[pos], req))
        }
        (&Method::DELETE, false) => {
            require_scope(ctx.principal, WRITE)?;
            list.remove(pos);
            if list.is_empty() {
                mb.events[idx]["hasAttachments"] = json!(false);
            }
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

/// event-forward: `{ToRecipients, Comment}`; seeded recipients get the meeting request.
fn forward_event(world: &mut World, ctx: &Ctx<'_>, target: Target, req: &GraphRequest) -> Outcome {
    let body = req.json()?;
    ctx.schema
        .check_action_body("microsoft.graph.event", "forward", &body)
        .or_else(|e| if e.status == 500 { Ok(()) } else { Err(e) })?;
    let to: Vec<String> = body_param(&body, "toRecipients")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| {
                    r.pointer("/emailAddress/address")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    if to.is_empty() {
        return Err(GraphError::new(400, "ErrorInvalidRecipients", "At least one recipient is not valid., A message can't be sent because it contains no recipients."));
    }
    let comment = body_param(&body, "comment")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let ev = target_value(mailbox(world, ctx)?, target)?;
    let from = email_of(world, &ctx.user_id);
    let subject = format!("FW: {}", str_of(&ev, "subject"));
    let users: Vec<String> = to
        .iter()
        .filter_map(|a| world.user_by_address(a).map(|u| u.id.clone()))
        .collect();
    for u in users {
        deliver_event_message(
            world,
            &u,
            &from,
            "meetingRequest",
            &subject,
            &comment,
            &ev,
            ctx.now,
        );
    }
    Ok(Reply::accepted())
}

// =============================================================================================
// Free/busy: getSchedule and findMeetingTimes
// =============================================================================================

/// Work/school only (calendar-getschedule, user-findmeetingtimes: "Delegated (personal Microsoft
/// account): Not supported"). Graph answers such calls with 403 ErrorAccessDenied, as reported for
/// findMeetingTimes in microsoftgraph/microsoft-graph-docs#559.
fn require_work(world: &World, ctx: &Ctx<'_>) -> Result<(), GraphError> {
    if is_work(world, &ctx.principal.user_id) {
        Ok(())
    } else {
        Err(GraphError::access_denied(
            "Access is denied. Check credentials and try again.",
        ))
    }
}

/// Working hours from mailbox settings (Mon–Fri 08:00–17:00 in the mailbox zone by default).
struct Hours {
    days: Vec<Weekday>,
    start: NaiveTime,
    end: NaiveTime,
    zone: Tz,
    json: Value,
}

fn parse_time_of_day(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(s.trim(), "%H:%M"))
        .ok()
}

fn working_hours(mb: &Mailbox) -> Hours {
    let wh = mb
        .settings
        .get("workingHours")
        .cloned()
        .unwrap_or(Value::Null);
    let mut days: Vec<Weekday> = wh["daysOfWeek"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().and_then(recurrence::parse_weekday))
                .collect()
        })
        .unwrap_or_default();
    if days.is_empty() {
        days = vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
    }
    let start = wh["startTime"]
        .as_str()
        .and_then(parse_time_of_day)
        .unwrap_or_else(|| NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN));
    let end = wh["endTime"]
        .as_str()
        .and_then(parse_time_of_day)
        .unwrap_or_else(|| NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN));
    let zone_name = wh
        .pointer("/timeZone/name")
        .and_then(Value::as_str)
        .filter(|n| tz::resolve(n).is_some())
        .or_else(|| {
            mb.settings
                .get("timeZone")
                .and_then(Value::as_str)
                .filter(|n| tz::resolve(n).is_some())
        })
        .unwrap_or("UTC")
        .to_string();
    let json = json!({
        "daysOfWeek": days.iter().map(|d| recurrence::weekday_name(*d)).collect::<Vec<_>>(),
        "startTime": start.format("%H:%M:%S.0000000").to_string(),
        "endTime": end.format("%H:%M:%S.0000000").to_string(),
        "timeZone": {"name": zone_name},
    });
    Hours {
        days,
        start,
        end,
        zone: zone_of(&zone_name),
        json,
    }
}

fn within_hours(h: &Hours, s: DateTime<Utc>, e: DateTime<Utc>) -> bool {
    let ls = s.with_timezone(&h.zone).naive_local();
    let le = e.with_timezone(&h.zone).naive_local();
    ls.date() == le.date()
        && h.days.contains(&ls.weekday())
        && ls.time() >= h.start
        && le.time() <= h.end
}

/// Rank of a free/busy status when several items overlap (the busiest wins).
fn busy_rank(status: &str) -> u8 {
    match status {
        "oof" => 4,
        "busy" => 3,
        "tentative" => 2,
        "workingElsewhere" => 1,
        _ => 0,
    }
}

fn view_digit(status: &str) -> char {
    match status {
        "tentative" => '1',
        "busy" => '2',
        "oof" => '3',
        "workingElsewhere" => '4',
        _ => '0',
    }
}

/// The default calendar's items that make someone not free in a window: `(start, end, status, event)`.
fn busy_items(
    mb: &Mailbox,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, String, Value)> {
    let Ok(cal) = default_calendar_id(mb) else {
        return Vec::new();
    };
    let mut out: Vec<_> = expanded(mb, Some(&cal), from, to)
        .into_iter()
        .filter(|e| e["isCancelled"] != true)
        .filter_map(|e| {
            let status = e["showAs"].as_str().unwrap_or("busy").to_string();
            if status == "free" || status == "unknown" {
                return None;
            }
            let (s, en) = span(&e)?;
            Some((s, en, status, e))
        })
        .collect();
    out.sort_by_key(|(s, _, _, _)| *s);
    out
}

fn status_in(
    items: &[(DateTime<Utc>, DateTime<Utc>, String, Value)],
    s: DateTime<Utc>,
    e: DateTime<Utc>,
) -> String {
    items
        .iter()
        .filter(|(a, b, _, _)| *a < e && *b > s)
        .map(|(_, _, st, _)| st.as_str())
        .max_by_key(|st| busy_rank(st))
        .unwrap_or("free")
        .to_string()
}

/// A `dateTimeTimeZone` from a request body: zone checked, then the instant.
fn body_instant(v: Option<&Value>, name: &str) -> Result<DateTime<Utc>, GraphError> {
    let v = v.filter(|v| v.is_object()).ok_or_else(|| {
        GraphError::new(
            400,
            "ErrorInvalidParameter",
            format!("The value of the parameter '{name}' is empty."),
        )
    })?;
    let z = v
        .get("timeZone")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    if z.is_empty() || tz::resolve(z).is_none() {
        return Err(tz_not_supported(z));
    }
    tz::instant(v).ok_or_else(|| {
        GraphError::new(
            400,
            "UnableToDeserializePostBody",
            "were unable to deserialize ",
        )
    })
}

/// calendar-getschedule.
fn get_schedule(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    require_scope(ctx.principal, READ)?;
    require_work(world, ctx)?;
    let body = req.json()?;
    ctx.schema
        .check_action_body("microsoft.graph.calendar", "getSchedule", &body)?;
    let schedules: Vec<String> = body_param(&body, "schedules")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if schedules.is_empty() {
        return Err(GraphError::new(
            400,
            "ErrorInvalidParameter",
            "The value of the parameter 'Schedules' is empty.",
        ));
    }
    if schedules.len() > 100 {
        // microsoft-graph-docs-contrib#5895.
        return Err(GraphError::new(
            400,
            "ErrorMailboxDataArrayTooBig",
            format!("There are too many target users in the EmailAddress array. The allowed size = 100; the actual size = {}.", schedules.len()),
        ));
    }
    let from = body_instant(body_param(&body, "startTime"), "StartTime")?;
    let to = body_instant(body_param(&body, "endTime"), "EndTime")?;
    let interval = match body_param(&body, "availabilityViewInterval") {
        None | Some(Value::Null) => 30,
        Some(v) => v.as_i64().unwrap_or(0),
    };
    // calendar-getschedule: "availabilityViewInterval … The default is 30 minutes, minimum is 5,
    // maximum is 1440."
    if !(5..=1440).contains(&interval) {
        return Err(GraphError::new(400, "ErrorInvalidParameter", "The value of the parameter 'AvailabilityViewInterval' is invalid: it must be between 5 and 1440."));
    }
    if to <= from {
        return Err(GraphError::new(
            400,
            "ErrorInvalidParameter",
            "The value of the parameter 'EndTime' must be later than 'StartTime'.",
        ));
    }
    // Exchange's availability service answers at most 62 days (EWS ErrorTimeIntervalTooBig).
    if to - from > Duration::days(62) {
        return Err(GraphError::new(
            400,
            "ErrorTimeIntervalTooBig",
            "The time interval is too big. The maximum allowed is 62 days.",
        ));
    }
    let step = Duration::minutes(interval);
    let slots = ((to - from).num_minutes() + interval - 1) / interval;
    let mut value = Vec::new();
    for addr in schedules {
        let user = world
            .user_by_address(&addr)
            .filter(|u| {
                u.tenant_id == ctx.principal.tenant_id
                    && u.kind == AccountKind::Work
                    && world.mailboxes.contains_key(&u.id)
            })
            .map(|u| u.id.clone());
        let Some(uid) = user else {
            // microsoftgraph/microsoft-graph-docs#11225.
            value.push(json!({
                "scheduleId": addr,
                "error": {"message": format!("Unable to resolve e-mail address {addr} to an Active Directory object."), "responseCode": "5009"},
            }));
            continue;
        };
        let Some(mb) = world.mailboxes.get(&uid) else {
            continue;
        };
        let own = uid == ctx.principal.user_id;
        let items = busy_items(mb, from, to);
        let view: String = (0..slots)
            .map(|i| {
                let s = from + step * i as i32;
                view_digit(&status_in(&items, s, s + step))
            })
            .collect();
        let schedule_items: Vec<Value> = items
            .iter()
            .map(|(s, e, status, ev)| {
                let private = ev["sensitivity"] == "private" || ev["sensitivity"] == "confidential";
                let hide = private && !own;
                json!({
                    "isPrivate": private,
                    "status": status,
                    "subject": if hide { Value::Null } else { ev["subject"].clone() },
                    "location": if hide { Value::Null } else { ev.pointer("/location/displayName").cloned().unwrap_or(json!("")) },
                    "start": dtz_out(*s, ctx),
                    "end": dtz_out(*e, ctx),
                })
            })
            .collect();
        value.push(json!({
            "scheduleId": addr,
            "availabilityView": view,
            "scheduleItems": schedule_items,
            "workingHours": working_hours(mb).json,
        }));
    }
    Ok(shape::prefer_applied(
        Reply::ok(json!({
            "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)", ctx.base_url),
            "value": value,
        })),
        ctx,
    ))
}

/// ISO 8601 duration (`PT1H`, `PT1H30M`, `P1D`, `PT45M`, `PT90S`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let rest = s.strip_prefix('P').or_else(|| s.strip_prefix('p'))?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total = Duration::zero();
    let mut parse_part = |text: &str, units: &[(char, i64)]| -> Option<()> {
        let mut num = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else {
                let secs = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?.1;
                let n: f64 = num.parse().ok()?;
                total += Duration::milliseconds((n * secs as f64 * 1000.0) as i64);
                num.clear();
            }
        }
        num.is_empty().then_some(())
    };
    parse_part(date, &[('W', 604_800), ('D', 86_400)])?;
    if let Some(t) = time {
        if t.is_empty() {
            return None;
        }
        parse_part(t, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    (total > Duration::zero()).then_some(total)
}

struct Attendee {
    kind: String,
    address: String,
    name: String,
    mailbox: Option<String>,
}

/// user-findmeetingtimes.
fn find_meeting_times(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    require_scope(ctx.principal, SHARED_READ)?;
    require_work(world, ctx)?;
    let body = if req.body.is_empty() {
        json!({})
    } else {
        req.json()?
    };
    ctx.schema
        .check_action_body("microsoft.graph.user", "findMeetingTimes", &body)?;
    let attendees: Vec<Attendee> = body_param(&body, "attendees")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let address = x
                        .pointer("/emailAddress/address")
                        .and_then(Value::as_str)?
                        .to_string();
                    let mailbox = world
                        .user_by_address(&address)
                        .filter(|u| {
                            u.tenant_id == ctx.principal.tenant_id
                                && world.mailboxes.contains_key(&u.id)
                        })
                        .map(|u| u.id.clone());
                    Some(Attendee {
                        kind: x
                            .get("type")
                            .and_then(Value::as_str)
                            .unwrap_or("required")
                            .to_ascii_lowercase(),
                        name: x
                            .pointer("/emailAddress/name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        address,
                        mailbox,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let duration = match body_param(&body, "meetingDuration").and_then(Value::as_str) {
        None => Duration::minutes(30),
        Some(d) => parse_duration(d).ok_or_else(|| {
            GraphError::new(
                400,
                "ErrorInvalidParameter",
                format!("The value '{d}' of parameter 'MeetingDuration' is invalid."),
            )
        })?,
    };
    let max_candidates = body_param(&body, "maxCandidates")
        .and_then(Value::as_i64)
        .filter(|n| *n > 0)
        .unwrap_or(5) as usize;
    let organizer_optional = body_param(&body, "isOrganizerOptional")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let reasons = body_param(&body, "returnSuggestionReasons")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let min_pct = body_param(&body, "minimumAttendeePercentage")
        .and_then(Value::as_f64)
        .unwrap_or(50.0);
    let constraint = body_param(&body, "timeConstraint")
        .cloned()
        .unwrap_or(Value::Null);
    let domain = constraint
        .get("activityDomain")
        .and_then(Value::as_str)
        .unwrap_or("work")
        .to_ascii_lowercase();
    let mut slots: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for ts in constraint
        .get("timeslots")
        .or_else(|| constraint.get("timeSlots"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let s = body_instant(ts.get("start"), "Start")?;
        let e = body_instant(ts.get("end"), "End")?;
        slots.push((s, e));
    }
    if slots.is_empty() {
        // Without a time constraint Exchange looks over the next two days.
        slots.push((ctx.now, ctx.now + Duration::days(2)));
    }
    let location = body
        .pointer("/locationConstraint/locations")
        .and_then(Value::as_array)
        .and_then(|l| l.first())
        .map(|l| json!({"displayName": l["displayName"].clone(), "locationEmailAddress": l.get("locationEmailAddress").cloned().unwrap_or(json!(""))}));
    let me = ctx.principal.user_id.clone();
    let my_items = {
        let (lo, hi) = (
            slots.iter().map(|s| s.0).min().unwrap_or(ctx.now),
            slots.iter().map(|s| s.1).max().unwrap_or(ctx.now),
        );
        world
            .mailboxes
            .get(&me)
            .map(|mb| busy_items(mb, lo, hi))
            .unwrap_or_default()
    };
    let my_hours = world.mailboxes.get(&me).map(working_hours);
    let (lo, hi) = (
        slots.iter().map(|s| s.0).min().unwrap_or(ctx.now),
        slots.iter().map(|s| s.1).max().unwrap_or(ctx.now),
    );
    let their_items: Vec<Option<Vec<_>>> = attendees
        .iter()
        .map(|a| {
            a.mailbox
                .as_ref()
                .and_then(|u| world.mailboxes.get(u))
                .map(|mb| busy_items(mb, lo, hi))
        })
        .collect();
    let step = Duration::minutes(30);
    let mut suggestions: Vec<(f64, DateTime<Utc>, Value)> = Vec::new();
    let mut candidates = 0usize;
    let mut organizer_busy = 0usize;
    for (s, e) in slots {
        // Start on the next half hour.
        let secs = s.timestamp();
        let mut t = Utc
            .timestamp_opt(secs + (1800 - secs.rem_euclid(1800)) % 1800, 0)
            .single()
            .unwrap_or(s);
        while t + duration <= e {
            let end = t + duration;
            let in_hours =
                domain != "work" || my_hours.as_ref().is_none_or(|h| within_hours(h, t, end));
            if in_hours {
                candidates += 1;
                let org_status = status_in(&my_items, t, end);
                let org_blocked =
                    !organizer_optional && busy_rank(&org_status) >= busy_rank("busy");
                if org_blocked {
                    organizer_busy += 1;
                } else {
                    let mut availability = Vec::new();
                    let mut scores = Vec::new();
                    for (a, items) in attendees.iter().zip(&their_items) {
                        let st = match items {
                            Some(items) => status_in(items, t, end),
                            None => "unknown".to_string(),
                        };
                        let score = match st.as_str() {
                            "free" | "workingElsewhere" => 100.0,
                            "tentative" | "unknown" => 50.0,
                            _ => 0.0,
                        };
                        if a.kind != "optional" {
                            scores.push(score);
                        }
                        let mut email = json!({"address": a.address});
                        if !a.name.is_empty() {
                            email["name"] = json!(a.name);
                        }
                        availability.push(json!({"attendee": {"type": a.kind, "emailAddress": email}, "availability": st}));
                    }
                    if !organizer_optional {
                        scores.push(match org_status.as_str() {
                            "tentative" => 50.0,
                            _ => 100.0,
                        });
                    }
                    let confidence = if scores.is_empty() {
                        100.0
                    } else {
                        scores.iter().sum::<f64>() / scores.len() as f64
                    };
                    if confidence >= min_pct {
                        let mut sug = json!({
                            "confidence": confidence,
                            "organizerAvailability": org_status,
                            "attendeeAvailability": availability,
                            "locations": location.clone().map_or_else(|| json!([]), |l| json!([l])),
                            "meetingTimeSlot": {"start": dtz_out(t, ctx), "end": dtz_out(end, ctx)},
                        });
                        if reasons {
                            sug["suggestionReason"] = json!(if confidence >= 100.0 {
                                "Suggested because it is one of the nearest times when all attendees are available."
                            } else {
                                "Suggested because it is one of the nearest times when most attendees are available."
                            });
                        }
                        suggestions.push((confidence, t, sug));
                    }
                }
            }
            t += step;
        }
    }
    suggestions.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    });
    suggestions.truncate(max_candidates);
    let list: Vec<Value> = suggestions
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, mut s))| {
            s["order"] = json!(i + 1);
            s
        })
        .collect();
    // emptySuggestionsReason (user-findmeetingtimes): attendeesUnavailable,
    // attendeesUnavailableOrUnknown, locationsUnavailable, organizerUnavailable, unknown; the
    // service capitalises them ("OrganizerUnavailable", anthropics/claude-ai-mcp#418).
    let reason = if !list.is_empty() {
        ""
    } else if candidates == 0 || (candidates > 0 && organizer_busy == candidates) {
        "OrganizerUnavailable"
    } else if attendees.iter().any(|a| a.mailbox.is_none()) {
        "AttendeesUnavailableOrUnknown"
    } else {
        "AttendeesUnavailable"
    };
    Ok(shape::prefer_applied(
        Reply::ok(json!({
            "@odata.context": format!("{}/v1.0/$metadata#microsoft.graph.meetingTimeSuggestionsResult", ctx.base_url),
            "emptySuggestionsReason": reason,
            "meetingTimeSuggestions": list,
        })),
        ctx,
    ))
}

// =============================================================================================
// outlook/supportedTimeZones and supportedLanguages
// =============================================================================================

/// Windows time-zone display names (Windows registry `Display` values).
const WINDOWS_DISPLAY: &[(&str, &str)] = &[
    (
        "Dateline Standard Time",
        "(UTC-12:00) International Date Line West",
    ),
    ("UTC-11", "(UTC-11:00) Coordinated Universal Time-11"),
    ("Hawaiian Standard Time", "(UTC-10:00) Hawaii"),
    ("Alaskan Standard Time", "(UTC-09:00) Alaska"),
    (
        "Pacific Standard Time (Mexico)",
        "(UTC-08:00) Baja California",
    ),
    (
        "Pacific Standard Time",
        "(UTC-08:00) Pacific Time (US & Canada)",
    ),
    ("US Mountain Standard Time", "(UTC-07:00) Arizona"),
    (
        "Mountain Standard Time (Mexico)",
        "(UTC-07:00) La Paz, Mazatlan",
    ),
    (
        "Mountain Standard Time",
        "(UTC-07:00) Mountain Time (US & Canada)",
    ),
    (
        "Central America Standard Time",
        "(UTC-06:00) Central America",
    ),
    (
        "Central Standard Time (Mexico)",
        "(UTC-06:00) Guadalajara, Mexico City, Monterrey",
    ),
    (
        "Central Standard Time",
        "(UTC-06:00) Central Time (US & Canada)",
    ),
    ("Canada Central Standard Time", "(UTC-06:00) Saskatchewan"),
    (
        "SA Pacific Standard Time",
        "(UTC-05:00) Bogota, Lima, Quito, Rio Branco",
    ),
    ("Eastern Standard Time (Mexico)", "(UTC-05:00) Chetumal"),
    (
        "Eastern Standard Time",
        "(UTC-05:00) Eastern Time (US & Canada)",
    ),
    ("US Eastern Standard Time", "(UTC-05:00) Indiana (East)"),
    ("Venezuela Standard Time", "(UTC-04:00) Caracas"),
    (
        "Atlantic Standard Time",
        "(UTC-04:00) Atlantic Time (Canada)",
    ),
    (
        "SA Western Standard Time",
        "(UTC-04:00) Georgetown, La Paz, Manaus, San Juan",
    ),
    ("Pacific SA Standard Time", "(UTC-04:00) Santiago"),
    ("Newfoundland Standard Time", "(UTC-03:30) Newfoundland"),
    ("E. South America Standard Time", "(UTC-03:00) Brasilia"),
    (
        "Argentina Standard Time",
        "(UTC-03:00) City of Buenos Aires",
    ),
    ("SA Eastern Standard Time", "(UTC-03:00) Cayenne, Fortaleza"),
    ("Greenland Standard Time", "(UTC-03:00) Greenland"),
    ("Montevideo Standard Time", "(UTC-03:00) Montevideo"),
    ("Azores Standard Time", "(UTC-01:00) Azores"),
    ("Cape Verde Standard Time", "(UTC-01:00) Cabo Verde Is."),
    ("UTC", "(UTC) Coordinated Universal Time"),
    (
        "GMT Standard Time",
        "(UTC+00:00) Dublin, Edinburgh, Lisbon, London",
    ),
    ("Greenwich Standard Time", "(UTC+00:00) Monrovia, Reykjavik"),
    ("Morocco Standard Time", "(UTC+01:00) Casablanca"),
    (
        "W. Europe Standard Time",
        "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
    ),
    (
        "Central Europe Standard Time",
        "(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague",
    ),
    (
        "Romance Standard Time",
        "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris",
    ),
    (
        "Central European Standard Time",
        "(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb",
    ),
    (
        "W. Central Africa Standard Time",
        "(UTC+01:00) West Central Africa",
    ),
    ("GTB Standard Time", "(UTC+02:00) Athens, Bucharest"),
    (
        "FLE Standard Time",
        "(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius",
    ),
    ("E. Europe Standard Time", "(UTC+02:00) Chisinau"),
    ("Egypt Standard Time", "(UTC+02:00) Cairo"),
    ("South Africa Standard Time", "(UTC+02:00) Harare, Pretoria"),
    ("Israel Standard Time", "(UTC+02:00) Jerusalem"),
    ("Turkey Standard Time", "(UTC+03:00) Istanbul"),
    ("Arab Standard Time", "(UTC+03:00) Kuwait, Riyadh"),
    (
        "Russian Standard Time",
        "(UTC+03:00) Moscow, St. Petersburg",
    ),
    ("E. Africa Standard Time", "(UTC+03:00) Nairobi"),
    ("Iran Standard Time", "(UTC+03:30) Tehran"),
    ("Arabian Standard Time", "(UTC+04:00) Abu Dhabi, Muscat"),
    ("Pakistan Standard Time", "(UTC+05:00) Islamabad, Karachi"),
    (
        "India Standard Time",
        "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi",
    ),
    ("Sri Lanka Standard Time", "(UTC+05:30) Sri Jayawardenepura"),
    ("Nepal Standard Time", "(UTC+05:45) Kathmandu"),
    ("Bangladesh Standard Time", "(UTC+06:00) Dhaka"),
    ("Myanmar Standard Time", "(UTC+06:30) Yangon (Rangoon)"),
    (
        "SE Asia Standard Time",
        "(UTC+07:00) Bangkok, Hanoi, Jakarta",
    ),
    (
        "China Standard Time",
        "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi",
    ),
    (
        "Singapore Standard Time",
        "(UTC+08:00) Kuala Lumpur, Singapore",
    ),
    ("Taipei Standard Time", "(UTC+08:00) Taipei"),
    ("W. Australia Standard Time", "(UTC+08:00) Perth"),
    ("Tokyo Standard Time", "(UTC+09:00) Osaka, Sapporo, Tokyo"),
    ("Korea Standard Time", "(UTC+09:00) Seoul"),
    ("Cen. Australia Standard Time", "(UTC+09:30) Adelaide"),
    ("AUS Central Standard Time", "(UTC+09:30) Darwin"),
    ("E. Australia Standard Time", "(UTC+10:00) Brisbane"),
    (
        "AUS Eastern Standard Time",
        "(UTC+10:00) Canberra, Melbourne, Sydney",
    ),
    ("Tasmania Standard Time", "(UTC+10:00) Hobart"),
    (
        "West Pacific Standard Time",
        "(UTC+10:00) Guam, Port Moresby",
    ),
    (
        "Central Pacific Standard Time",
        "(UTC+11:00) Solomon Is., New Caledonia",
    ),
    (
        "New Zealand Standard Time",
        "(UTC+12:00) Auckland, Wellington",
    ),
    ("Fiji Standard Time", "(UTC+12:00) Fiji"),
    ("Tonga Standard Time", "(UTC+13:00) Nuku'alofa"),
    ("Samoa Standard Time", "(UTC+13:00) Samoa"),
];

/// outlookuser-supportedtimezones: Windows zones by default, IANA with
/// `TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana'`.
fn supported_time_zones(
    world: &mut World,
    ctx: &Ctx<'_>,
    seg: &str,
    req: &GraphRequest,
) -> Outcome {
    if req.method != Method::GET {
        return Err(method_not_allowed());
    }
    require_scope(ctx.principal, USER_READ)?;
    mailbox(world, ctx)?;
    let params = function_params(seg);
    let standard = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("TimeZoneStandard"))
        .map(|(_, v)| v.clone());
    let raw = seg
        .find('(')
        .map(|i| &seg[i + 1..seg.len().saturating_sub(1)])
        .unwrap_or("");
    let iana = match standard.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("windows") => false,
        Some("iana") => true,
        Some(_) => {
            let literal = raw.split_once('=').map_or(raw, |(_, v)| v).trim();
            return Err(GraphError::bad_request(format!(
                "The string '{literal}' is not a valid enumeration type constant."
            )));
        }
    };
    let value: Vec<Value> = if iana {
        let mut names: Vec<&str> = tz::WINDOWS_ZONES.iter().map(|(_, i)| *i).collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|n| json!({"alias": n, "displayName": n}))
            .collect()
    } else {
        tz::WINDOWS_ZONES
            .iter()
            .map(|(w, _)| {
                let display = WINDOWS_DISPLAY
                    .iter()
                    .find(|(k, _)| k == w)
                    .map_or(*w, |(_, d)| *d);
                json!({"alias": w, "displayName": display})
            })
            .collect()
    };
    Ok(Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.timeZoneInformation)", ctx.base_url),
        "value": value,
    })))
}

pub const LANGUAGES: &[(&str, &str)] = &[
    ("ar-SA", "Arabic (Saudi Arabia)"),
    ("cs-CZ", "Czech (Czech Republic)"),
    ("da-DK", "Danish (Denmark)"),
    ("de-AT", "German (Austria)"),
    ("de-CH", "German (Switzerland)"),
    ("de-DE", "German (Germany)"),
    ("el-GR", "Greek (Greece)"),
    ("en-AU", "English (Australia)"),
    ("en-CA", "English (Canada)"),
    ("en-GB", "English (United Kingdom)"),
    ("en-IE", "English (Ireland)"),
    ("en-IN", "English (India)"),
    ("en-NZ", "English (New Zealand)"),
    ("en-US", "English (United States)"),
    ("es-ES", "Spanish (Spain, International Sort)"),
    ("es-MX", "Spanish (Mexico)"),
    ("fi-FI", "Finnish (Finland)"),
    ("fr-CA", "French (Canada)"),
    ("fr-FR", "French (France)"),
    ("he-IL", "Hebrew (Israel)"),
    ("hi-IN", "Hindi (India)"),
    ("hu-HU", "Hungarian (Hungary)"),
    ("it-IT", "Italian (Italy)"),
    ("ja-JP", "Japanese (Japan)"),
    ("ko-KR", "Korean (Korea)"),
    ("nb-NO", "Norwegian, Bokmål (Norway)"),
    ("nl-NL", "Dutch (Netherlands)"),
    ("pl-PL", "Polish (Poland)"),
    ("pt-BR", "Portuguese (Brazil)"),
    ("pt-PT", "Portuguese (Portugal)"),
    ("ru-RU", "Russian (Russia)"),
    ("sv-SE", "Swedish (Sweden)"),
    ("th-TH", "Thai (Thailand)"),
    ("tr-TR", "Turkish (Turkey)"),
    ("uk-UA", "Ukrainian (Ukraine)"),
    ("zh-CN", "Chinese (Simplified, PRC)"),
    ("zh-TW", "Chinese (Traditional, Taiwan)"),
];

/// outlookuser-supportedlanguages.
fn supported_languages(ctx: &Ctx<'_>, seg: &str, req: &GraphRequest) -> Outcome {
    if req.method != Method::GET {
        return Err(method_not_allowed());
    }
    if seg.contains('(') && !seg.ends_with("()") {
        return Err(GraphError::no_resource("supportedLanguages"));
    }
    require_scope(ctx.principal, USER_READ)?;
    let value: Vec<Value> = LANGUAGES
        .iter()
        .map(|(l, d)| json!({"locale": l, "displayName": d}))
        .collect();
    Ok(Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.localeInfo)", ctx.base_url),
        "value": value,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrence_ids_round_trip() {
        let t = Utc
            .with_ymd_and_hms(2026, 3, 9, 14, 0, 0)
            .single()
            .expect("time");
        let id = occurrence_id("AAMkAG+/x==", t);
        assert_eq!(
            parse_occurrence_id(&id),
            Some(("AAMkAG+/x==".to_string(), t))
        );
        assert_eq!(parse_occurrence_id("AAMkAG+/x=="), None);
    }

    #[test]
    fn function_parameters_are_parsed() {
        let p = function_params(
            "reminderView(startDateTime='2026-03-01T00:00:00',endDateTime='2026-03-02T00:00:00')",
        );
        assert_eq!(
            p,
            vec![
                (
                    "startDateTime".to_string(),
                    "2026-03-01T00:00:00".to_string()
                ),
                ("endDateTime".to_string(), "2026-03-02T00:00:00".to_string())
            ]
        );
        let p = function_params(
            "supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')",
        );
        assert_eq!(
            p,
            vec![("TimeZoneStandard".to_string(), "Iana".to_string())]
        );
        assert!(function_params("supportedTimeZones").is_empty());
    }

    #[test]
    fn iso_durations() {
        assert_eq!(parse_duration("PT1H"), Some(Duration::hours(1)));
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P1D"), Some(Duration::days(1)));
        assert_eq!(parse_duration("PT0.5H"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("1 hour"), None);
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("PT0M"), None);
    }

    #[test]
    fn instants_with_and_without_offsets() {
        let t = Utc
            .with_ymd_and_hms(2026, 3, 9, 14, 0, 0)
            .single()
            .expect("time");
        assert_eq!(parse_instant("2026-03-09T14:00:00Z"), Some(t));
        assert_eq!(parse_instant("2026-03-09T15:00:00+01:00"), Some(t));
        assert_eq!(parse_instant("2026-03-09T15:00:00 01:00"), Some(t));
        assert_eq!(parse_instant("2026-03-09T14:00:00.0000000"), Some(t));
        assert_eq!(
            parse_instant("2026-03-09"),
            Utc.with_ymd_and_hms(2026, 3, 9, 0, 0, 0).single()
        );
        assert_eq!(parse_instant("next week"), None);
    }

    #[test]
    fn all_day_times_must_be_midnight_and_a_day_long() {
        let mut ev = json!({"isAllDay": true, "start": {"dateTime": "2026-03-10T00:00:00", "timeZone": "Pacific Standard Time"}, "end": {"dateTime": "2026-03-11T00:00:00", "timeZone": "Pacific Standard Time"}});
        apply_times(&mut ev, true, true).expect("valid");
        assert_eq!(ev["start"]["dateTime"], "2026-03-10T00:00:00.0000000");
        assert_eq!(ev["originalStartTimeZone"], "Pacific Standard Time");
        let mut bad = json!({"isAllDay": true, "start": {"dateTime": "2026-03-10T09:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-03-11T00:00:00", "timeZone": "UTC"}});
        assert_eq!(
            apply_times(&mut bad, true, true).unwrap_err().code,
            "ErrorPropertyValidationFailure"
        );
        let mut same = json!({"isAllDay": true, "start": {"dateTime": "2026-03-10T00:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-03-10T00:00:00", "timeZone": "UTC"}});
        assert!(apply_times(&mut same, true, true).is_err());
    }

    #[test]
    fn timed_events_are_stored_in_utc() {
        let mut ev = json!({"start": {"dateTime": "2026-07-01T10:00:00", "timeZone": "America/New_York"}, "end": {"dateTime": "2026-07-01T11:00:00", "timeZone": "Eastern Standard Time"}});
        apply_times(&mut ev, true, true).expect("valid");
        assert_eq!(
            ev["start"],
            json!({"dateTime": "2026-07-01T14:00:00.0000000", "timeZone": "UTC"})
        );
        assert_eq!(ev["originalStartTimeZone"], "America/New_York");
        assert_eq!(ev["originalEndTimeZone"], "Eastern Standard Time");
        let mut backwards = json!({"start": {"dateTime": "2026-07-01T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-07-01T09:00:00", "timeZone": "UTC"}});
        assert_eq!(
            apply_times(&mut backwards, true, true).unwrap_err().code,
            "ErrorCalendarEndDateIsEarlierThanStartDate"
        );
        let mut bad_zone = json!({"start": {"dateTime": "2026-07-01T10:00:00", "timeZone": "Greenwich Mean Time"}, "end": {"dateTime": "2026-07-01T11:00:00", "timeZone": "UTC"}});
        let e = apply_times(&mut bad_zone, true, true).unwrap_err();
        assert_eq!(e.code, "TimeZoneNotSupportedException");
        assert!(e.message.contains("'Greenwich Mean Time'"));
    }
}
