//! Recurring events: parsing and validating Graph's `patternedRecurrence`, and expanding a series
//! into occurrences the way Exchange does.
//!
//! Sources: resources/patternedrecurrence.md, recurrencepattern.md, recurrencerange.md and
//! concepts/outlook-schedule-recurring-events.md (Microsoft Graph docs).
//!
//! The rules that matter:
//! - occurrences keep the series' *wall-clock* time in the series time zone
//!   (`recurrenceTimeZone`, else the event's `originalStartTimeZone`), so a weekly 10:00 New York
//!   meeting is at 10:00 New York time on every date and its UTC time moves with US daylight
//!   saving;
//! - `range.startDate` is the first date considered; dates before it that the pattern would
//!   produce are skipped (e.g. a weekly Mon/Wed series starting on a Tuesday starts on Wednesday);
//! - `endDate` is inclusive; `numbered` counts occurrences from the first;
//! - `weekly` weeks are aligned to `firstDayOfWeek` (default Sunday) and the first week is the one
//!   containing `startDate`;
//! - `absoluteMonthly`/`absoluteYearly` on a day a month does not have (31, or 29–30 in February)
//!   fall on that month's last day (Outlook: "Some months have fewer than 31 days. For these
//!   months, the occurrence will fall on the last day of the month.");
//! - `relativeMonthly`/`relativeYearly` pick the `index`-th (first…fourth, last) day in the month
//!   that is one of `daysOfWeek`.
//!
//! Everything here is pure: no clock, no world.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;

use super::tz;

/// The most occurrences walked for one series (a daily `noEnd` series is walked from its start up
/// to the window, so this bounds work for decades-long series without losing realistic ones).
const MAX_STEPS: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    Daily,
    Weekly,
    AbsoluteMonthly,
    RelativeMonthly,
    AbsoluteYearly,
    RelativeYearly,
}

impl PatternKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "daily" => Self::Daily,
            "weekly" => Self::Weekly,
            "absolutemonthly" => Self::AbsoluteMonthly,
            "relativemonthly" => Self::RelativeMonthly,
            "absoluteyearly" => Self::AbsoluteYearly,
            "relativeyearly" => Self::RelativeYearly,
            _ => return None,
        })
    }
}

/// `weekIndex`: which matching day of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeekIndex {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

impl WeekIndex {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "first" => Self::First,
            "second" => Self::Second,
            "third" => Self::Third,
            "fourth" => Self::Fourth,
            "last" => Self::Last,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeEnd {
    /// Last date on which an occurrence may fall (inclusive).
    EndDate(NaiveDate),
    /// Number of occurrences.
    Numbered(u32),
    NoEnd,
}

/// A parsed, validated `patternedRecurrence`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    pub kind: PatternKind,
    pub interval: u32,
    pub month: u32,
    pub day_of_month: u32,
    pub days_of_week: Vec<Weekday>,
    pub first_day_of_week: Weekday,
    pub index: WeekIndex,
    pub start_date: NaiveDate,
    pub end: RangeEnd,
    /// `range.recurrenceTimeZone`, if given.
    pub time_zone: Option<String>,
}

pub fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.to_ascii_lowercase().as_str() {
        "sunday" => Weekday::Sun,
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        _ => return None,
    })
}

pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Sun => "sunday",
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
    }
}

fn parse_date(v: Option<&Value>) -> Option<NaiveDate> {
    let s = v?.as_str()?;
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parse and validate. The error names what is wrong (the caller wraps it in Graph's error).
pub fn parse(v: &Value) -> Result<Recurrence, String> {
    let pattern = v
        .get("pattern")
        .filter(|p| p.is_object())
        .ok_or("The recurrence pattern is missing.")?;
    let range = v
        .get("range")
        .filter(|r| r.is_object())
        .ok_or("The recurrence range is missing.")?;
    let kind = pattern
        .get("type")
        .and_then(Value::as_str)
        .and_then(PatternKind::parse)
        .ok_or("The recurrence pattern type is missing or not valid.")?;
    let interval = int(pattern.get("interval")).unwrap_or(0);
    if !(1..=999).contains(&interval) {
        return Err("The recurrence pattern interval must be between 1 and 999.".into());
    }
    let mut days_of_week = Vec::new();
    if let Some(days) = pattern.get("daysOfWeek").and_then(Value::as_array) {
        for d in days {
            let wd = d
                .as_str()
                .and_then(parse_weekday)
                .ok_or("daysOfWeek holds a value that is not a day of the week.")?;
            if !days_of_week.contains(&wd) {
                days_of_week.push(wd);
            }
        }
    }
    let first_day_of_week = match pattern.get("firstDayOfWeek").and_then(Value::as_str) {
        Some(s) => parse_weekday(s).ok_or("firstDayOfWeek is not a day of the week.")?,
        None => Weekday::Sun,
    };
    let index = match pattern.get("index").and_then(Value::as_str) {
        Some(s) => WeekIndex::parse(s).ok_or("The recurrence pattern index is not valid.")?,
        None => WeekIndex::First,
    };
    let month = int(pattern.get("month")).unwrap_or(0);
    let day_of_month = int(pattern.get("dayOfMonth")).unwrap_or(0);
    match kind {
        PatternKind::Daily => {}
        PatternKind::Weekly | PatternKind::RelativeMonthly => {
            if days_of_week.is_empty() {
                return Err(
                    "daysOfWeek must be set for a weekly or relativeMonthly pattern.".into(),
                );
            }
        }
        PatternKind::AbsoluteMonthly => {
            if !(1..=31).contains(&day_of_month) {
                return Err(
                    "dayOfMonth must be between 1 and 31 for an absoluteMonthly pattern.".into(),
                );
            }
        }
        PatternKind::AbsoluteYearly => {
            if !(1..=12).contains(&month) || !(1..=31).contains(&day_of_month) {
                return Err(
                    "month (1-12) and dayOfMonth (1-31) must be set for an absoluteYearly pattern."
                        .into(),
                );
            }
        }
        PatternKind::RelativeYearly => {
            if !(1..=12).contains(&month) || days_of_week.is_empty() {
                return Err(
                    "month and daysOfWeek must be set for a relativeYearly pattern.".into(),
                );
            }
        }
    }
    let start_date = parse_date(range.get("startDate"))
        .ok_or("The recurrence range startDate is missing or not a date.")?;
    let end = match range
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("enddate") => {
            let end = parse_date(range.get("endDate"))
                .ok_or("The recurrence range endDate is missing or not a date.")?;
            if end < start_date {
                return Err("The recurrence range endDate is before its startDate.".into());
            }
            RangeEnd::EndDate(end)
        }
        Some("numbered") => {
            let n = int(range.get("numberOfOccurrences")).unwrap_or(0);
            if n < 1 {
                return Err("numberOfOccurrences must be at least 1 for a numbered range.".into());
            }
            RangeEnd::Numbered(u32::try_from(n.min(999_999)).unwrap_or(999_999))
        }
        Some("noend") => RangeEnd::NoEnd,
        _ => return Err("The recurrence range type is missing or not valid.".into()),
    };
    let time_zone = range
        .get("recurrenceTimeZone")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    if let Some(z) = &time_zone {
        if tz::resolve(z).is_none() {
            return Err(format!("The recurrence time zone '{z}' is not supported."));
        }
    }
    Ok(Recurrence {
        kind,
        interval: interval as u32,
        month: month as u32,
        day_of_month: day_of_month as u32,
        days_of_week,
        first_day_of_week,
        index,
        start_date,
        end,
        time_zone,
    })
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// `dayOfMonth` in a month, clamped to the month's last day.
fn absolute_day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day.min(days_in_month(year, month)))
}

/// The `index`-th day of the month that is one of `days`.
fn relative_day(year: i32, month: u32, days: &[Weekday], index: WeekIndex) -> Option<NaiveDate> {
    let dim = days_in_month(year, month);
    let matching: Vec<NaiveDate> = (1..=dim)
        .filter_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .filter(|d| days.contains(&d.weekday()))
        .collect();
    match index {
        WeekIndex::First => matching.first().copied(),
        WeekIndex::Second => matching.get(1).copied(),
        WeekIndex::Third => matching.get(2).copied(),
        WeekIndex::Fourth => matching.get(3).copied(),
        WeekIndex::Last => matching.last().copied(),
    }
}

fn add_months(year: i32, month: u32, n: u32) -> (i32, u32) {
    let total = year * 12 + (month as i32 - 1) + n as i32;
    (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32)
}

/// Dates the pattern produces on or after `start_date`, in order, ignoring the range's end.
fn pattern_dates(r: &Recurrence) -> Box<dyn Iterator<Item = NaiveDate> + '_> {
    let start = r.start_date;
    let step = r.interval;
    match r.kind {
        PatternKind::Daily => Box::new((0u64..).map_while(move |k| {
            start.checked_add_signed(Duration::days(k as i64 * i64::from(step)))
        })),
        PatternKind::Weekly => {
            // The week containing startDate, aligned to firstDayOfWeek.
            let back = (7 + start.weekday().num_days_from_monday() as i64
                - r.first_day_of_week.num_days_from_monday() as i64)
                % 7;
            let week0 = start - Duration::days(back);
            let mut offsets: Vec<i64> = r
                .days_of_week
                .iter()
                .map(|d| {
                    (7 + d.num_days_from_monday() as i64
                        - r.first_day_of_week.num_days_from_monday() as i64)
                        % 7
                })
                .collect();
            offsets.sort_unstable();
            Box::new(
                (0u64..)
                    .map_while(move |w| {
                        week0.checked_add_signed(Duration::weeks(w as i64 * i64::from(step)))
                    })
                    .flat_map(move |ws| {
                        offsets
                            .clone()
                            .into_iter()
                            .map(move |o| ws + Duration::days(o))
                    })
                    .filter(move |d| *d >= start),
            )
        }
        PatternKind::AbsoluteMonthly | PatternKind::RelativeMonthly => {
            let (y0, m0) = (start.year(), start.month());
            Box::new(
                (0u32..)
                    .map(move |k| add_months(y0, m0, k * step))
                    .take_while(|(y, _)| *y < 10_000)
                    .filter_map(move |(y, m)| match r.kind {
                        PatternKind::AbsoluteMonthly => absolute_day(y, m, r.day_of_month),
                        _ => relative_day(y, m, &r.days_of_week, r.index),
                    })
                    .filter(move |d| *d >= start),
            )
        }
        PatternKind::AbsoluteYearly | PatternKind::RelativeYearly => {
            let y0 = start.year();
            Box::new(
                (0u32..)
                    .map(move |k| y0 + (k * step) as i32)
                    .take_while(|y| *y < 10_000)
                    .filter_map(move |y| match r.kind {
                        PatternKind::AbsoluteYearly => absolute_day(y, r.month, r.day_of_month),
                        _ => relative_day(y, r.month, &r.days_of_week, r.index),
                    })
                    .filter(move |d| *d >= start),
            )
        }
    }
}

/// Occurrence dates of the series, in order, honouring the range (bounded by [`MAX_STEPS`]).
pub fn dates(r: &Recurrence) -> impl Iterator<Item = NaiveDate> + '_ {
    let limit = match r.end {
        RangeEnd::Numbered(n) => (n as usize).min(MAX_STEPS),
        _ => MAX_STEPS,
    };
    let end = match r.end {
        RangeEnd::EndDate(d) => Some(d),
        _ => None,
    };
    pattern_dates(r)
        .take(limit)
        .take_while(move |d| end.is_none_or(|e| *d <= e))
}

/// The last occurrence date, if the series ends.
pub fn last_date(r: &Recurrence) -> Option<NaiveDate> {
    match r.end {
        RangeEnd::NoEnd => None,
        _ => dates(r).last(),
    }
}

/// One expanded occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The date in the series time zone.
    pub date: NaiveDate,
    /// Wall-clock start and end in the series time zone.
    pub start_local: NaiveDateTime,
    pub end_local: NaiveDateTime,
    /// The instants (for all-day events: the zone's midnights).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The occurrence of the series on `date` (whether or not the pattern produces that date).
pub fn occurrence_on(
    date: NaiveDate,
    first_start_local: NaiveDateTime,
    first_end_local: NaiveDateTime,
    zone: Tz,
) -> Occurrence {
    let start_local = date.and_time(first_start_local.time());
    let end_local = start_local + (first_end_local - first_start_local);
    Occurrence {
        date,
        start_local,
        end_local,
        start: tz::to_utc(start_local, zone),
        end: tz::to_utc(end_local, zone),
    }
}

/// Occurrences overlapping `[from, to)`. Each keeps the wall-clock time of `first_start_local`
/// (the master's start in the series zone) and the master's wall-clock duration.
pub fn expand(
    r: &Recurrence,
    first_start_local: NaiveDateTime,
    first_end_local: NaiveDateTime,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Occurrence> {
    // A date more than two days past `to` (in any zone) cannot start inside the window; the
    // duration is added so long occurrences starting before `from` are still caught.
    let stop = (to + Duration::days(2)).date_naive();
    let mut out = Vec::new();
    for date in dates(r) {
        if date > stop {
            break;
        }
        let occ = occurrence_on(date, first_start_local, first_end_local, zone);
        let zero_length_at_start = occ.start == occ.end && occ.start == from;
        if (occ.start < to && occ.end > from) || zero_length_at_start {
            out.push(occ);
        }
    }
    out
}

/// Whether the series has an occurrence on `date`.
pub fn occurs_on(r: &Recurrence, date: NaiveDate) -> bool {
    dates(r).take_while(|d| *d <= date).any(|d| d == date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
        date.and_hms_opt(h, m, 0).expect("time")
    }

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0)
            .single()
            .expect("utc")
    }

    fn london(o: &Occurrence) -> String {
        o.start
            .with_timezone(&chrono_tz::Europe::London)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn weekly_monday(start: &str) -> Recurrence {
        parse(&json!({
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "sunday"},
            "range": {"type": "noEnd", "startDate": start, "recurrenceTimeZone": "Eastern Standard Time"}
        }))
        .expect("valid")
    }

    #[test]
    fn new_york_series_seen_from_london_across_the_march_switches() {
        // US DST starts 2026-03-08, EU DST starts 2026-03-29: for three weeks the gap is 4 hours.
        let r = weekly_monday("2026-03-02");
        let ny = chrono_tz::America::New_York;
        let occ = expand(
            &r,
            at(d(2026, 3, 2), 10, 0),
            at(d(2026, 3, 2), 11, 0),
            ny,
            utc(2026, 3, 1, 0, 0),
            utc(2026, 4, 7, 0, 0),
        );
        let shown: Vec<String> = occ.iter().map(london).collect();
        assert_eq!(
            shown,
            [
                "2026-03-02 15:00",
                "2026-03-09 14:00",
                "2026-03-16 14:00",
                "2026-03-23 14:00",
                "2026-03-30 15:00",
                "2026-04-06 15:00"
            ]
        );
        // Always 10:00 in New York.
        assert!(occ
            .iter()
            .all(|o| o.start.with_timezone(&ny).format("%H:%M").to_string() == "10:00"));
        // The UTC time moves from 15:00 to 14:00 with US DST.
        assert_eq!(occ[0].start, utc(2026, 3, 2, 15, 0));
        assert_eq!(occ[1].start, utc(2026, 3, 9, 14, 0));
        assert_eq!(occ[1].end - occ[1].start, Duration::hours(1));
    }

    #[test]
    fn new_york_series_seen_from_london_across_the_autumn_switches() {
        // EU DST ends 2026-10-25, US DST ends 2026-11-01: one week with a 4-hour gap.
        let r = weekly_monday("2026-10-12");
        let ny = chrono_tz::America::New_York;
        let occ = expand(
            &r,
            at(d(2026, 10, 12), 10, 0),
            at(d(2026, 10, 12), 10, 30),
            ny,
            utc(2026, 10, 12, 0, 0),
            utc(2026, 11, 10, 0, 0),
        );
        let shown: Vec<String> = occ.iter().map(london).collect();
        assert_eq!(
            shown,
            [
                "2026-10-12 15:00",
                "2026-10-19 15:00",
                "2026-10-26 14:00",
                "2026-11-02 15:00",
                "2026-11-09 15:00"
            ]
        );
    }

    #[test]
    fn all_day_recurring_events_stay_on_their_dates() {
        // A yearly all-day event (a birthday) on 29 March, in a zone that switches to DST on the
        // night before: each occurrence is midnight to midnight on 29 March local time.
        let r = parse(&json!({
            "pattern": {"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 29},
            "range": {"type": "numbered", "startDate": "2026-03-29", "numberOfOccurrences": 3}
        }))
        .expect("valid");
        let zone = chrono_tz::Europe::London;
        let occ = expand(
            &r,
            at(d(2026, 3, 29), 0, 0),
            at(d(2026, 3, 30), 0, 0),
            zone,
            utc(2020, 1, 1, 0, 0),
            utc(2035, 1, 1, 0, 0),
        );
        assert_eq!(occ.len(), 3);
        for (o, y) in occ.iter().zip(2026..) {
            assert_eq!(o.date, d(y, 3, 29));
            assert_eq!(o.start_local, at(d(y, 3, 29), 0, 0));
            assert_eq!(o.end_local, at(d(y, 3, 30), 0, 0));
        }
        // A weekly all-day event across the US switch keeps its date in New York.
        let r = parse(&json!({
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["friday"]},
            "range": {"type": "endDate", "startDate": "2026-03-06", "endDate": "2026-03-20"}
        }))
        .expect("valid");
        let ny = chrono_tz::America::New_York;
        let occ = expand(
            &r,
            at(d(2026, 3, 6), 0, 0),
            at(d(2026, 3, 7), 0, 0),
            ny,
            utc(2026, 3, 1, 0, 0),
            utc(2026, 4, 1, 0, 0),
        );
        let dates: Vec<NaiveDate> = occ.iter().map(|o| o.date).collect();
        assert_eq!(dates, [d(2026, 3, 6), d(2026, 3, 13), d(2026, 3, 20)]);
        assert!(occ
            .iter()
            .all(|o| o.start.with_timezone(&ny).format("%H:%M").to_string() == "00:00"));
    }

    #[test]
    fn daily_with_interval_and_end_date_is_inclusive() {
        let r = parse(&json!({
            "pattern": {"type": "daily", "interval": 3},
            "range": {"type": "endDate", "startDate": "2026-01-01", "endDate": "2026-01-10"}
        }))
        .expect("valid");
        assert_eq!(
            dates(&r).collect::<Vec<_>>(),
            [d(2026, 1, 1), d(2026, 1, 4), d(2026, 1, 7), d(2026, 1, 10)]
        );
        assert_eq!(last_date(&r), Some(d(2026, 1, 10)));
    }

    #[test]
    fn weekly_skips_days_before_start_and_honours_interval_and_first_day() {
        // Every other week on Mon and Thu, weeks starting Monday; 2026-01-07 is a Wednesday, so
        // the first occurrence is Thursday 8th, then Mon 19th.
        let r = parse(&json!({
            "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["thursday", "monday"], "firstDayOfWeek": "monday"},
            "range": {"type": "numbered", "startDate": "2026-01-07", "numberOfOccurrences": 5}
        }))
        .expect("valid");
        assert_eq!(
            dates(&r).collect::<Vec<_>>(),
            [
                d(2026, 1, 8),
                d(2026, 1, 19),
                d(2026, 1, 22),
                d(2026, 2, 2),
                d(2026, 2, 5)
            ]
        );
        // The same with Sunday-based weeks: the week of Sun 4 Jan holds Thu 8; the next used week
        // starts Sun 18 (Mon 19, Thu 22).
        let r2 = parse(&json!({
            "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["thursday", "monday"], "firstDayOfWeek": "sunday"},
            "range": {"type": "numbered", "startDate": "2026-01-07", "numberOfOccurrences": 3}
        }))
        .expect("valid");
        assert_eq!(
            dates(&r2).collect::<Vec<_>>(),
            [d(2026, 1, 8), d(2026, 1, 19), d(2026, 1, 22)]
        );
    }

    #[test]
    fn absolute_monthly_on_the_31st_falls_on_the_last_day() {
        let r = parse(&json!({
            "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
            "range": {"type": "numbered", "startDate": "2026-01-31", "numberOfOccurrences": 4}
        }))
        .expect("valid");
        assert_eq!(
            dates(&r).collect::<Vec<_>>(),
            [
                d(2026, 1, 31),
                d(2026, 2, 28),
                d(2026, 3, 31),
                d(2026, 4, 30)
            ]
        );
    }

    #[test]
    fn relative_monthly_first_last_and_weekday_sets() {
        let r = parse(&json!({
            "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"], "index": "second"},
            "range": {"type": "numbered", "startDate": "2026-01-01", "numberOfOccurrences": 3}
        }))
        .expect("valid");
        assert_eq!(
            dates(&r).collect::<Vec<_>>(),
            [d(2026, 1, 13), d(2026, 2, 10), d(2026, 3, 10)]
        );
        let last_fri = parse(&json!({
            "pattern": {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["friday"], "index": "last"},
            "range": {"type": "endDate", "startDate": "2026-01-01", "endDate": "2026-06-30"}
        }))
        .expect("valid");
        assert_eq!(
            dates(&last_fri).collect::<Vec<_>>(),
            [d(2026, 1, 30), d(2026, 3, 27), d(2026, 5, 29)]
        );
        // "First weekday of the month".
        let first_weekday = parse(&json!({
            "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"], "index": "first"},
            "range": {"type": "numbered", "startDate": "2026-02-01", "numberOfOccurrences": 2}
        }))
        .expect("valid");
        assert_eq!(
            dates(&first_weekday).collect::<Vec<_>>(),
            [d(2026, 2, 2), d(2026, 3, 2)]
        );
    }

    #[test]
    fn yearly_patterns() {
        let abs = parse(&json!({
            "pattern": {"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29},
            "range": {"type": "numbered", "startDate": "2028-02-29", "numberOfOccurrences": 3}
        }))
        .expect("valid");
        assert_eq!(
            dates(&abs).collect::<Vec<_>>(),
            [d(2028, 2, 29), d(2029, 2, 28), d(2030, 2, 28)]
        );
        // Thanksgiving: fourth Thursday of November.
        let rel = parse(&json!({
            "pattern": {"type": "relativeYearly", "interval": 1, "month": 11, "daysOfWeek": ["thursday"], "index": "fourth"},
            "range": {"type": "noEnd", "startDate": "2026-01-01"}
        }))
        .expect("valid");
        assert_eq!(
            dates(&rel).take(2).collect::<Vec<_>>(),
            [d(2026, 11, 26), d(2027, 11, 25)]
        );
        assert!(occurs_on(&rel, d(2027, 11, 25)));
        assert!(!occurs_on(&rel, d(2027, 11, 26)));
    }

    #[test]
    fn invalid_patterns_are_refused() {
        let bad = [
            json!({"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2026-01-01"}}),
            json!({"pattern": {"type": "daily", "interval": 0}, "range": {"type": "noEnd", "startDate": "2026-01-01"}}),
            json!({"pattern": {"type": "fortnightly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2026-01-01"}}),
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate", "startDate": "2026-01-05", "endDate": "2026-01-01"}}),
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "numbered", "startDate": "2026-01-05"}}),
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "noEnd"}}),
            json!({"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 32}, "range": {"type": "noEnd", "startDate": "2026-01-01"}}),
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "noEnd", "startDate": "2026-01-01", "recurrenceTimeZone": "Mars/Base"}}),
        ];
        for b in bad {
            assert!(parse(&b).is_err(), "{b}");
        }
    }

    #[test]
    fn window_filtering_keeps_overlapping_occurrences_only() {
        let r = parse(&json!({
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "noEnd", "startDate": "2026-06-01"}
        }))
        .expect("valid");
        let zone = chrono_tz::UTC;
        // 23:00–01:00 nightly: the window 2026-06-05T00:30..2026-06-05T23:30 catches the one from
        // the 4th (ends 01:00 on the 5th) and the one starting 23:00 on the 5th.
        let occ = expand(
            &r,
            at(d(2026, 6, 1), 23, 0),
            at(d(2026, 6, 2), 1, 0),
            zone,
            utc(2026, 6, 5, 0, 30),
            utc(2026, 6, 5, 23, 30),
        );
        assert_eq!(
            occ.iter().map(|o| o.date).collect::<Vec<_>>(),
            [d(2026, 6, 4), d(2026, 6, 5)]
        );
    }
}
