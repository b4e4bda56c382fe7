//! `list_supported_time_zones`: the time zones the user's mailbox accepts, as Windows names
//! (the default) or IANA names.
//!
//! Graph: `GET /me/outlook/supportedTimeZones` or
//! `supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')`
//! (outlookuser-supportedtimezones), delegated User.Read. The list is long (~140 zones), so an
//! optional text filter keeps only matching ones.

use serde::{Deserialize, Serialize};

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{items, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Standard {
    #[default]
    Windows,
    Iana,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// windows ("Pacific Standard Time") or iana ("America/Los_Angeles"). Default windows.
    #[serde(default)]
    pub standard: Standard,
    /// Only zones whose name or display name contains this text (case-insensitive), e.g. a city.
    #[serde(default)]
    pub contains: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimeZone {
    /// The name to pass as a time zone.
    pub name: String,
    /// E.g. "(UTC-08:00) Pacific Time (US & Canada)"; absent when equal to the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimeZoneList {
    pub time_zones: Vec<TimeZone>,
}

#[derive(Debug, Default)]
pub struct ListSupportedTimeZones;

/// The function segment for `standard`.
pub fn function_segment(standard: Standard) -> &'static str {
    match standard {
        Standard::Windows => "supportedTimeZones",
        Standard::Iana => {
            "supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')"
        }
    }
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<TimeZoneList> {
    let path = GraphPath::me()
        .segment("outlook")
        .segment(function_segment(args.standard));
    // A function returning a collection of complex values: no $select.
    let answer = cx.call(&GraphRequest::get(path)).await?;
    let wanted = args
        .contains
        .as_deref()
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty());
    let time_zones: Vec<TimeZone> = items(&answer)
        .iter()
        .filter_map(|z| {
            let name = str_field(z, "alias")?;
            let display = str_field(z, "displayName").filter(|d| *d != name);
            Some(TimeZone {
                name,
                display_name: display,
            })
        })
        .filter(|z| {
            wanted.as_ref().is_none_or(|w| {
                z.name.to_lowercase().contains(w)
                    || z.display_name
                        .as_ref()
                        .is_some_and(|d| d.to_lowercase().contains(w))
            })
        })
        .collect();
    let mut text = format!(
        "{} supported time zone(s) ({} names){}",
        time_zones.len(),
        match args.standard {
            Standard::Windows => "Windows",
            Standard::Iana => "IANA",
        },
        wanted
            .as_ref()
            .map(|w| format!(" matching {w:?}"))
            .unwrap_or_default()
    );
    for z in &time_zones {
        text.push('\n');
        match &z.display_name {
            Some(d) => text.push_str(&format!("{} · {d}", z.name)),
            None => text.push_str(&z.name),
        }
    }
    if time_zones.is_empty() && wanted.is_some() {
        text.push_str("\nNo zone matches: try a city or region name, or omit contains.");
    }
    Ok(Reply::new(text, TimeZoneList { time_zones }))
}

impl ToolHandler for ListSupportedTimeZones {
    type Args = Args;
    type Output = TimeZoneList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_supported_time_zones",
        title: "List supported time zones",
        description: "List the time zones the user's mailbox supports, as Windows names (default, e.g. \
\"Pacific Standard Time\" with \"(UTC-08:00) Pacific Time (US & Canada)\") or IANA names (e.g. \
\"America/Los_Angeles\"). Use it to find the exact zone name for a city before creating events or \
changing settings; filter with `contains` to keep the answer short. The user's own zone is in get_profile. \
Example: {\"standard\":\"iana\",\"contains\":\"london\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["User.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<TimeZoneList>> {
        Box::pin(run(args, cx))
    }
}
