//! `update_mailbox_settings`: automatic replies, working hours, time zone, language.
//!
//! Graph: `PATCH /me/mailboxSettings` (user-update-mailboxsettings; MailboxSettings.ReadWrite)
//! with only the parts being changed. Time zones are checked first against
//! `GET /me/outlook/supportedTimeZones` (Windows names) and
//! `supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')` in one `$batch`
//! (Graph accepts either kind of name); the name is sent in the spelling Graph lists. Scheduled
//! automatic replies take local times in the (new) mailbox time zone. After the time zone
//! changes, the cached mailbox time zone is forgotten.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{clock_time, local_date_time, send_each};
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::items;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AutoReplyStatus {
    Disabled,
    AlwaysEnabled,
    Scheduled,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    None,
    ContactsOnly,
    All,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    fn as_str(self) -> &'static str {
        match self {
            Self::Monday => "monday",
            Self::Tuesday => "tuesday",
            Self::Wednesday => "wednesday",
            Self::Thursday => "thursday",
            Self::Friday => "friday",
            Self::Saturday => "saturday",
            Self::Sunday => "sunday",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AutoReplies {
    /// disabled, always_enabled, or scheduled (needs start and end).
    pub status: AutoReplyStatus,
    /// scheduled only: local start (2026-07-01 or 2026-07-01T09:00) in the mailbox time zone.
    #[serde(default)]
    pub start: Option<String>,
    /// scheduled only: local end, after start.
    #[serde(default)]
    pub end: Option<String>,
    /// Reply to people in the organization (plain text or HTML).
    #[serde(default)]
    pub internal_message: Option<String>,
    /// Reply to people outside the organization (plain text or HTML).
    #[serde(default)]
    pub external_message: Option<String>,
    /// Who outside gets the external reply: none, contacts_only or all.
    #[serde(default)]
    pub external_audience: Option<Audience>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// Working days, e.g. ["monday","tuesday","wednesday","thursday","friday"].
    pub days: Vec<Day>,
    /// Start of the working day, HH:MM (24 h), e.g. 09:00.
    pub start_time: String,
    /// End of the working day, HH:MM, after start_time.
    pub end_time: String,
    /// Time zone of these hours (Windows or IANA name). Default: the mailbox time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Out-of-office replies.
    #[serde(default)]
    pub automatic_replies: Option<AutoReplies>,
    #[serde(default)]
    pub working_hours: Option<WorkingHours>,
    /// The mailbox time zone, a Windows name ("Pacific Standard Time") or an IANA name
    /// ("America/Los_Angeles").
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Language and region (locale), e.g. "en-US", "de-DE".
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SettingsUpdated {
    /// The settings changed: automaticReplies, workingHours, timeZone, language.
    pub updated: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The automatic-replies status now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_replies: Option<String>,
    /// e.g. "monday-friday 09:00-17:00 (Pacific Standard Time)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Plain text as simple HTML (Outlook shows automatic replies as HTML); HTML is kept.
pub fn reply_html(text: &str) -> String {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if ["</", "<br", "<p>", "<div", "<html"]
        .iter()
        .any(|m| lower.contains(m))
    {
        return t.to_owned();
    }
    let escaped = t
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    escaped.lines().collect::<Vec<_>>().join("<br>")
}

/// A locale such as `en-US`: 2–3 letters, then subtags of 2–8 letters or digits.
pub fn valid_locale(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `name` matched against Graph's supported time zones (`alias` or `displayName`), as the
/// alias Graph lists.
pub fn match_zone(name: &str, lists: &[Value]) -> Option<String> {
    let n = name.trim();
    lists.iter().flat_map(items).find_map(|z| {
        let alias = z.get("alias").and_then(Value::as_str)?;
        let display = z.get("displayName").and_then(Value::as_str).unwrap_or("");
        (alias.eq_ignore_ascii_case(n) || display.eq_ignore_ascii_case(n)).then(|| alias.to_owned())
    })
}

/// Checks time zone names against Graph's lists (one `$batch`); names are returned in Graph's
/// spelling. When the lists cannot be read the names go to Graph as given.
async fn check_zones(
    cx: &ToolContext<'_>,
    names: &[(&str, &str)],
) -> Result<Vec<String>, ToolError> {
    // Functions returning collections of complex values: no $select.
    let outlook = GraphPath::me().segment("outlook");
    let reads = vec![
        (
            "windows".to_owned(),
            GraphRequest::get(outlook.clone().segment("supportedTimeZones")),
        ),
        (
            "iana".to_owned(),
            GraphRequest::get(outlook.segment(
                "supportedTimeZones(TimeZoneStandard=microsoft.graph.timeZoneStandard'Iana')",
            )),
        ),
    ];
    let lists: Vec<Value> = send_each(cx, reads)
        .await?
        .into_iter()
        .filter_map(|(_, r)| r.ok())
        .collect();
    names
        .iter()
        .map(|(field, name)| {
            if lists.is_empty() {
                return Ok(name.trim().to_owned());
            }
            match_zone(name, &lists).ok_or_else(|| {
                ToolError::invalid_argument(format!(
                    "{field}: {name:?} is not a time zone Outlook knows; use a Windows name such as \
                     \"Pacific Standard Time\" or an IANA name such as \"America/Los_Angeles\""
                ))
            })
        })
        .collect()
}

fn days_text(days: &[Day]) -> String {
    let names: Vec<&str> = days.iter().map(|d| d.as_str()).collect();
    let week = ["monday", "tuesday", "wednesday", "thursday", "friday"];
    if names == week {
        "monday-friday".to_owned()
    } else {
        names.join(", ")
    }
}

#[derive(Debug, Default)]
pub struct UpdateMailboxSettings;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<SettingsUpdated> {
    if args.automatic_replies.is_none()
        && args.working_hours.is_none()
        && args.time_zone.is_none()
        && args.language.is_none()
    {
        return Err(ToolError::invalid_argument(
            "nothing to change: give automatic_replies, working_hours, time_zone or language",
        ));
    }
    // Check everything that needs no Graph call first.
    if let Some(l) = &args.language {
        if !valid_locale(l.trim()) {
            return Err(ToolError::invalid_argument(format!(
                "language: {l:?} is not a locale; use a language tag such as \"en-US\" or \"de-DE\""
            )));
        }
    }
    let hours = match &args.working_hours {
        Some(w) => {
            if w.days.is_empty() {
                return Err(ToolError::invalid_argument(
                    "working_hours.days: name at least one day",
                ));
            }
            let bad = |f: &str, v: &str| {
                ToolError::invalid_argument(format!(
                    "working_hours.{f}: {v:?} is not a time such as 09:00"
                ))
            };
            let start =
                clock_time(w.start_time.trim()).ok_or_else(|| bad("start_time", &w.start_time))?;
            let end = clock_time(w.end_time.trim()).ok_or_else(|| bad("end_time", &w.end_time))?;
            if end <= start {
                return Err(ToolError::invalid_argument(
                    "working_hours.end_time must be after start_time",
                ));
            }
            let mut days: Vec<Day> = Vec::new();
            for d in &w.days {
                if !days.contains(d) {
                    days.push(*d);
                }
            }
            Some((days, start, end))
        }
        None => None,
    };
    if let Some(a) = &args.automatic_replies {
        let scheduled = a.status == AutoReplyStatus::Scheduled;
        if scheduled && (a.start.is_none() || a.end.is_none()) {
            return Err(ToolError::invalid_argument(
                "automatic_replies: status \"scheduled\" needs start and end",
            ));
        }
        if !scheduled && (a.start.is_some() || a.end.is_some()) {
            return Err(ToolError::invalid_argument(
                "automatic_replies: start and end only go with status \"scheduled\"",
            ));
        }
    }

    // Time zones: checked against Graph's lists in one batch.
    let mut zone_args: Vec<(&str, &str)> = Vec::new();
    if let Some(tz) = &args.time_zone {
        zone_args.push(("time_zone", tz.as_str()));
    }
    if let Some(tz) = args
        .working_hours
        .as_ref()
        .and_then(|w| w.time_zone.as_deref())
    {
        zone_args.push(("working_hours.time_zone", tz));
    }
    let zones = if zone_args.is_empty() {
        Vec::new()
    } else {
        check_zones(cx, &zone_args).await?
    };
    let mut zones = zones.into_iter();
    let new_tz = args.time_zone.as_ref().and_then(|_| zones.next());
    let hours_tz = args
        .working_hours
        .as_ref()
        .and_then(|w| w.time_zone.as_ref())
        .and_then(|_| zones.next());
    let needs_mailbox_tz = (hours.is_some() && hours_tz.is_none())
        || args
            .automatic_replies
            .as_ref()
            .is_some_and(|a| a.status == AutoReplyStatus::Scheduled);
    let mailbox_tz = match (&new_tz, needs_mailbox_tz) {
        (Some(t), _) => Some(t.clone()),
        (None, true) => Some(cx.mailbox_time_zone().await?),
        (None, false) => None,
    };

    let mut body = Map::new();
    let mut out = SettingsUpdated::default();
    if let Some(a) = &args.automatic_replies {
        let mut s = Map::new();
        let status = match a.status {
            AutoReplyStatus::Disabled => "disabled",
            AutoReplyStatus::AlwaysEnabled => "alwaysEnabled",
            AutoReplyStatus::Scheduled => "scheduled",
        };
        s.insert("status".into(), json!(status));
        if let (Some(start), Some(end)) = (&a.start, &a.end) {
            let start = local_date_time("automatic_replies.start", start, "00:00:00")?;
            let end = local_date_time("automatic_replies.end", end, "00:00:00")?;
            if end <= start {
                return Err(ToolError::invalid_argument(
                    "automatic_replies.end must be after start",
                ));
            }
            let tz = mailbox_tz.clone().unwrap_or_else(|| "UTC".to_owned());
            s.insert(
                "scheduledStartDateTime".into(),
                json!({"dateTime": start, "timeZone": tz}),
            );
            s.insert(
                "scheduledEndDateTime".into(),
                json!({"dateTime": end, "timeZone": tz}),
            );
        }
        if let Some(m) = &a.internal_message {
            s.insert("internalReplyMessage".into(), json!(reply_html(m)));
        }
        if let Some(m) = &a.external_message {
            s.insert("externalReplyMessage".into(), json!(reply_html(m)));
        }
        if let Some(aud) = a.external_audience {
            let aud = match aud {
                Audience::None => "none",
                Audience::ContactsOnly => "contactsOnly",
                Audience::All => "all",
            };
            s.insert("externalAudience".into(), json!(aud));
        }
        body.insert("automaticRepliesSetting".into(), Value::Object(s));
        out.updated.push("automaticReplies".into());
        out.automatic_replies = Some(status.to_owned());
    }
    if let Some((days, start, end)) = &hours {
        let tz = hours_tz
            .clone()
            .or_else(|| mailbox_tz.clone())
            .unwrap_or_else(|| "UTC".to_owned());
        body.insert(
            "workingHours".into(),
            json!({
                "daysOfWeek": days.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
                "startTime": format!("{start}.0000000"),
                "endTime": format!("{end}.0000000"),
                "timeZone": { "name": tz },
            }),
        );
        out.updated.push("workingHours".into());
        out.working_hours = Some(format!(
            "{} {}-{} ({tz})",
            days_text(days),
            &start[..5],
            &end[..5]
        ));
    }
    if let Some(tz) = &new_tz {
        body.insert("timeZone".into(), json!(tz));
        out.updated.push("timeZone".into());
        out.time_zone = Some(tz.clone());
    }
    if let Some(l) = &args.language {
        body.insert("language".into(), json!({ "locale": l.trim() }));
        out.updated.push("language".into());
        out.language = Some(l.trim().to_owned());
    }
    let path = GraphPath::me().segment("mailboxSettings");
    cx.call(&GraphRequest::patch(path, Value::Object(body)))
        .await?;
    if new_tz.is_some() {
        cx.forget_mailbox_time_zone().await;
    }
    let mut text = String::from("Updated mailbox settings:");
    if let Some(s) = &out.automatic_replies {
        text.push_str(&format!("\n- automatic replies: {s}"));
        if let Some(a) = &args.automatic_replies {
            if let (Some(st), Some(en)) = (&a.start, &a.end) {
                text.push_str(&format!(
                    " from {} to {} ({})",
                    st.trim(),
                    en.trim(),
                    mailbox_tz.as_deref().unwrap_or("UTC")
                ));
            }
        }
    }
    if let Some(w) = &out.working_hours {
        text.push_str(&format!("\n- working hours: {w}"));
    }
    if let Some(t) = &out.time_zone {
        text.push_str(&format!("\n- time zone: {t}"));
    }
    if let Some(l) = &out.language {
        text.push_str(&format!("\n- language: {l}"));
    }
    Ok(Reply::new(text, out))
}

impl ToolHandler for UpdateMailboxSettings {
    type Args = Args;
    type Output = SettingsUpdated;

    const SPEC: ToolSpec = ToolSpec {
        name: "update_mailbox_settings",
        title: "Update mailbox settings",
        description: "Change mailbox settings; give only the parts to change: automatic replies (out of office: \
disabled, always_enabled, or scheduled with local start/end, internal and external messages, external \
audience), working hours (days, HH:MM start/end, time zone), the mailbox time zone (Windows or IANA name) \
and language (e.g. en-US). Read the current values with get_mailbox_settings. Example: \
{\"automatic_replies\":{\"status\":\"scheduled\",\"start\":\"2026-07-01\",\"end\":\"2026-07-15\",\"internal_message\":\"Back on 15 July.\"}}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            idempotent: true,
            open_world: true,
        },
        scopes: &["MailboxSettings.ReadWrite", "User.Read"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<SettingsUpdated>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_become_html_and_locales_are_checked() {
        assert_eq!(
            reply_html("Away\nBack <soon> & well"),
            "Away<br>Back &lt;soon&gt; &amp; well"
        );
        assert_eq!(reply_html("<p>Away</p>"), "<p>Away</p>");
        assert!(valid_locale("en-US"));
        assert!(valid_locale("de"));
        assert!(valid_locale("zh-Hant-TW"));
        assert!(!valid_locale("english"));
        assert!(!valid_locale("en_US"));
    }

    #[test]
    fn zones_match_alias_or_display_name() {
        let lists = vec![
            json!({"value": [
                {"alias": "Pacific Standard Time", "displayName": "(UTC-08:00) Pacific Time (US & Canada)"}
            ]}),
            json!({"value": [{"alias": "America/Los_Angeles", "displayName": "America/Los_Angeles"}]}),
        ];
        assert_eq!(
            match_zone("pacific standard time", &lists).as_deref(),
            Some("Pacific Standard Time")
        );
        assert_eq!(
            match_zone("(UTC-08:00) Pacific Time (US & Canada)", &lists).as_deref(),
            Some("Pacific Standard Time")
        );
        assert_eq!(
            match_zone("america/los_angeles", &lists).as_deref(),
            Some("America/Los_Angeles")
        );
        assert_eq!(match_zone("Mars/Olympus", &lists), None);
    }
}
