//! `search_events`: events whose subject, location, organiser, attendees or body preview
//! contain the given words, over a date range.
//!
//! Graph has no text search for expanded calendars: calendarView rejects `$search`, `$filter`
//! on `/events` sees series masters only (never moved or changed occurrences), and the
//! Microsoft Search API covers only the primary calendar of work accounts. So this reads the
//! calendarView of the range (recurrences expanded) page by page, up to [`MAX_PAGES`] pages a
//! call, and matches the words here. Only the first 255 characters of a body (`bodyPreview`)
//! are searched; the description says so.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::list_events::{view_request, MAX_RANGE_DAYS};
use super::{
    calendar_not_found, events_text, zone_or_mailbox, EventSummary, LocalTime, Window,
    SUMMARY_FIELDS,
};
use crate::graph::paging::PageLimits;
use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{people, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// calendarView pages read per call.
pub const MAX_PAGES: usize = 10;
const PAGE_SIZE: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Words to find (all must occur, case-insensitive), e.g. "pricing workshop" or a person's
    /// name or address.
    pub query: String,
    /// Start of the range searched: a date or local date-time in time_zone. Default 90 days ago.
    #[serde(default)]
    pub start: Option<String>,
    /// End of the range: a date (included) or local date-time. Default 180 days after start.
    #[serde(default)]
    pub end: Option<String>,
    /// IANA or Windows zone name for the range and the times shown. Default: the mailbox zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// A calendar id from list_calendars; default the user's default calendar.
    #[serde(default)]
    pub calendar_id: Option<String>,
    /// Stop after this many matches, 1-50. Default 20.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 50)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor: continue the scan (pass the other arguments unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Match {
    #[serde(flatten)]
    pub event: EventSummary,
    /// Where the words were found: subject, location, organizer, attendees, body.
    pub matched_in: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    pub time_zone: String,
    pub matches: Vec<Match>,
    /// Events (occurrences) read in this call.
    pub scanned: usize,
    /// Present when the range was not read to its end: pass as `cursor` to search on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default)]
pub struct SearchEvents;

/// The searchable text of an event, by field.
fn haystacks(e: &Value) -> Vec<(&'static str, String)> {
    let person_text = |p: &crate::mcp::tools::mail::Person| {
        format!("{} {}", p.name.as_deref().unwrap_or(""), p.address)
    };
    let mut out = vec![
        ("subject", str_field(e, "subject").unwrap_or_default()),
        (
            "location",
            e.get("location")
                .and_then(|l| str_field(l, "displayName"))
                .unwrap_or_default(),
        ),
        (
            "organizer",
            e.get("organizer")
                .and_then(crate::mcp::tools::mail::Person::from_recipient)
                .map(|p| person_text(&p))
                .unwrap_or_default(),
        ),
        (
            "attendees",
            people(e, "attendees")
                .iter()
                .map(person_text)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("body", str_field(e, "bodyPreview").unwrap_or_default()),
    ];
    for (_, text) in &mut out {
        *text = text.to_lowercase();
    }
    out
}

/// The fields holding the words, if every word occurs somewhere.
pub fn matches(e: &Value, words: &[String]) -> Option<Vec<String>> {
    let hay = haystacks(e);
    let mut found: Vec<String> = Vec::new();
    for w in words {
        let fields: Vec<&str> = hay
            .iter()
            .filter(|(_, t)| t.contains(w.as_str()))
            .map(|(k, _)| *k)
            .collect();
        if fields.is_empty() {
            return None;
        }
        for f in fields {
            if !found.iter().any(|x| x == f) {
                found.push(f.to_owned());
            }
        }
    }
    Some(found)
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<SearchResult> {
    let words: Vec<String> = args
        .query
        .split_whitespace()
        .map(|w| w.trim_matches('"').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Err(ToolError::invalid_argument(
            "query: give at least one word to look for",
        ));
    }
    let start = match args
        .start
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => s.to_owned(),
        None => {
            let today = LocalTime::new(1970, 1, 1, 0, 0, 0)
                .map(|epoch| epoch.plus_days((cx.now_secs() / 86_400) as i64))
                .ok_or_else(|| ToolError::new("The server clock is not available."))?;
            today.plus_days(-90).date_string()
        }
    };
    let window = Window::from_args(&start, args.end.as_deref(), 180, MAX_RANGE_DAYS)?;
    let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
    let limit = args.limit.unwrap_or(20).clamp(1, 50) as usize;
    let mut fields = SUMMARY_FIELDS.to_vec();
    fields.extend(["bodyPreview", "attendees"]);
    let request = view_request(
        args.calendar_id.as_deref(),
        &window,
        &zone,
        &fields,
        PAGE_SIZE,
    )?;
    let mut cursor = args.cursor.clone();
    let mut found = Vec::new();
    let mut scanned = 0;
    for _ in 0..MAX_PAGES {
        let listing = cx
            .list(&request, cursor.as_deref(), PageLimits::new(1, PAGE_SIZE))
            .await
            .map_err(calendar_not_found)?;
        scanned += listing.items.len();
        for item in &listing.items {
            let event = EventSummary::from_graph(item);
            if !event.span().is_some_and(|(s, e)| window.overlaps(s, e)) {
                continue;
            }
            if let Some(matched_in) = matches(item, &words) {
                found.push(Match { event, matched_in });
            }
        }
        cursor = listing.next.map(|c| c.encode());
        if cursor.is_none() || found.len() >= limit || cx.is_cancelled() {
            break;
        }
    }
    let summaries: Vec<EventSummary> = found.iter().map(|m| m.event.clone()).collect();
    let header = format!(
        "Events matching {:?} in {} ({zone}), {scanned} event(s) read",
        args.query.trim(),
        window.label()
    );
    let mut text = events_text(&header, &summaries, None);
    if let Some(c) = &cursor {
        text.push_str(&format!(
            "\nThe range was not read to its end; to search on, call again with the same arguments and cursor \"{c}\"."
        ));
    }
    Ok(Reply::new(
        text,
        SearchResult {
            time_zone: zone,
            matches: found,
            scanned,
            next_cursor: cursor,
        },
    ))
}

impl ToolHandler for SearchEvents {
    type Args = Args;
    type Output = SearchResult;

    const SPEC: ToolSpec = ToolSpec {
        name: "search_events",
        title: "Search calendar events",
        description: "Find events in a date range (default: 90 days ago to 90 days ahead) whose subject, \
location, organiser, attendee names/addresses or the first 255 characters of the body contain all the given \
words; recurring meetings are expanded. Graph cannot text-search a calendar view, so this reads the range and \
matches here, up to 1000 events a call (nextCursor continues). For everything in a range use list_events. \
Example: {\"query\":\"pricing workshop\",\"start\":\"2026-05-01\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Calendars.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<SearchResult>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_word_must_match_somewhere() {
        let e = json!({
            "subject": "Partnership pricing workshop",
            "location": {"displayName": "Thames Room"},
            "organizer": {"emailAddress": {"name": "Alex Wilber", "address": "alex@fabrikam.example"}},
            "attendees": [{"emailAddress": {"name": "Adele Vance", "address": "adele@contoso.example"}}],
            "bodyPreview": "Agenda: reseller margins",
        });
        let w = |q: &str| {
            q.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            matches(&e, &w("Pricing thames")).unwrap(),
            vec!["subject".to_owned(), "location".to_owned()]
        );
        assert_eq!(
            matches(&e, &w("adele")).unwrap(),
            vec!["attendees".to_owned()]
        );
        assert_eq!(
            matches(&e, &w("fabrikam margins")).unwrap(),
            vec!["organizer".to_owned(), "body".to_owned()]
        );
        assert!(matches(&e, &w("pricing budget")).is_none());
    }
}
