//! Time zones as Exchange names them. Graph accepts both Windows names ("Pacific Standard Time")
//! and IANA names ("America/Los_Angeles") in `Prefer: outlook.timezone` and in
//! `dateTimeTimeZone.timeZone`; the table maps Windows names to IANA (CLDR windowsZones, the
//! "001" territory of each).

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;

/// Windows time-zone id → IANA name.
pub const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Central Standard Time", "America/Chicago"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Greenland Standard Time", "America/Godthab"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Myanmar Standard Time", "Asia/Yangon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
];

/// Resolve a Windows or IANA time-zone name (case-insensitive for Windows names).
pub fn resolve(name: &str) -> Option<Tz> {
    let name = name.trim();
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(name))
    {
        return iana.parse().ok();
    }
    if name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("gmt") {
        return Some(Tz::UTC);
    }
    name.parse().ok()
}

/// Parse Graph's `dateTime` (`2026-11-21T17:00:00.0000000`, fractions optional, no offset).
pub fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim().trim_end_matches('Z');
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()
}

/// Format as Graph does: seven fractional digits, no offset.
pub fn format_local(dt: NaiveDateTime) -> String {
    dt.format("%Y-%m-%dT%H:%M:%S.0000000").to_string()
}

/// A wall-clock time in a zone as an instant. For a time skipped by a DST change, the instant
/// after the gap; for a repeated time, the earlier one (Exchange's choice).
pub fn to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => zone
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc)),
    }
}

/// A `dateTimeTimeZone` value (`{dateTime, timeZone}`) as an instant.
pub fn instant(dt: &Value) -> Option<DateTime<Utc>> {
    let local = parse_local(dt.get("dateTime")?.as_str()?)?;
    let zone = resolve(dt.get("timeZone").and_then(Value::as_str).unwrap_or("UTC"))?;
    Some(to_utc(local, zone))
}

/// Rewrite a `dateTimeTimeZone` value into `target` (unknown target: left in UTC).
pub fn convert_date_time_time_zone(dt: &mut Value, target: &str) {
    let Some(at) = instant(dt) else { return };
    let (zone, label) = match resolve(target) {
        Some(z) => (z, target.to_string()),
        None => (Tz::UTC, "UTC".to_string()),
    };
    let local = at.with_timezone(&zone).naive_local();
    dt["dateTime"] = Value::String(format_local(local));
    dt["timeZone"] = Value::String(label);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn windows_and_iana_names_resolve() {
        assert_eq!(
            resolve("Pacific Standard Time"),
            Some(chrono_tz::America::Los_Angeles)
        );
        assert_eq!(
            resolve("eastern standard time"),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(resolve("Europe/London"), Some(chrono_tz::Europe::London));
        assert_eq!(resolve("Mars/Olympus"), None);
    }

    #[test]
    fn converts_across_zones_with_dst() {
        // 14:00 UTC on 2026-07-01 is 10:00 in New York (EDT) and 15:00 in London (BST).
        let mut v = json!({"dateTime": "2026-07-01T14:00:00.0000000", "timeZone": "UTC"});
        convert_date_time_time_zone(&mut v, "Eastern Standard Time");
        assert_eq!(v["dateTime"], "2026-07-01T10:00:00.0000000");
        convert_date_time_time_zone(&mut v, "Europe/London");
        assert_eq!(v["dateTime"], "2026-07-01T15:00:00.0000000");
        assert_eq!(v["timeZone"], "Europe/London");
    }
}
