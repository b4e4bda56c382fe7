//! `get_mailbox_settings`: time zone, language, formats, working hours and automatic replies.
//!
//! Graph: `GET /me/mailboxSettings?$select=…` (MailboxSettings.Read). Automatic-reply messages
//! are HTML and are cleaned like bodies.

use serde::Serialize;
use serde_json::{json, Value};

use super::clean_body;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{clip, str_field};
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WorkingHours {
    pub days: Vec<String>,
    /// HH:MM in the working-hours time zone.
    pub start: String,
    pub end: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AutomaticReplies {
    /// "disabled", "alwaysEnabled" or "scheduled".
    pub status: String,
    /// Who outside the organisation gets the external reply: "none", "contactsOnly" or "all".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_audience: Option<String>,
    /// For "scheduled": the period (ISO 8601 with its time zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MailboxSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Locale such as en-US.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_replies: Option<AutomaticReplies>,
}

const SETTINGS_FIELDS: &[&str] = &[
    "timeZone",
    "language",
    "dateFormat",
    "timeFormat",
    "workingHours",
    "automaticRepliesSetting",
];

#[derive(Debug, Default)]
pub struct GetMailboxSettings;

fn hhmm(t: Option<String>) -> String {
    t.map(|t| t.get(..5).unwrap_or(&t).to_owned())
        .unwrap_or_default()
}

fn reply_text(v: &Value, key: &str) -> Option<String> {
    let html = v.get(key).and_then(Value::as_str)?;
    let clean = clean_body(Some(&json!({"contentType": "html", "content": html})));
    Some(clip(&clean.text, 1000)).filter(|t| !t.is_empty())
}

fn date_time(v: &Value, key: &str) -> Option<String> {
    let d = v.get(key)?;
    let dt = str_field(d, "dateTime")?;
    let dt = dt.get(..19).unwrap_or(&dt).to_owned();
    Some(match str_field(d, "timeZone") {
        Some(tz) => format!("{dt} ({tz})"),
        None => dt,
    })
}

/// The settings from Graph's `mailboxSettings`.
pub fn shape(v: &Value) -> MailboxSettings {
    let working_hours = v.get("workingHours").map(|w| WorkingHours {
        days: w
            .get("daysOfWeek")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        start: hhmm(str_field(w, "startTime")),
        end: hhmm(str_field(w, "endTime")),
        time_zone: w.get("timeZone").and_then(|t| str_field(t, "name")),
    });
    let automatic_replies = v.get("automaticRepliesSetting").map(|a| {
        let status = str_field(a, "status").unwrap_or_else(|| "disabled".into());
        let on = status != "disabled";
        let scheduled = status == "scheduled";
        AutomaticReplies {
            external_audience: str_field(a, "externalAudience").filter(|_| on),
            scheduled_start: date_time(a, "scheduledStartDateTime").filter(|_| scheduled),
            scheduled_end: date_time(a, "scheduledEndDateTime").filter(|_| scheduled),
            internal_message: reply_text(a, "internalReplyMessage"),
            external_message: reply_text(a, "externalReplyMessage"),
            status,
        }
    });
    MailboxSettings {
        time_zone: str_field(v, "timeZone"),
        language: v.get("language").and_then(|l| str_field(l, "locale")),
        date_format: str_field(v, "dateFormat"),
        time_format: str_field(v, "timeFormat"),
        working_hours,
        automatic_replies,
    }
}

pub fn settings_text(s: &MailboxSettings) -> String {
    let mut lines = vec!["Mailbox settings:".to_owned()];
    if let Some(tz) = &s.time_zone {
        lines.push(format!("Time zone: {tz}"));
    }
    if let Some(l) = &s.language {
        lines.push(format!("Language: {l}"));
    }
    if let (Some(d), Some(t)) = (&s.date_format, &s.time_format) {
        lines.push(format!("Formats: {d} {t}"));
    }
    if let Some(w) = &s.working_hours {
        lines.push(format!(
            "Working hours: {} {}-{}{}",
            w.days.join(", "),
            w.start,
            w.end,
            w.time_zone
                .as_deref()
                .map(|z| format!(" ({z})"))
                .unwrap_or_default()
        ));
    }
    if let Some(a) = &s.automatic_replies {
        let mut line = format!("Automatic replies: {}", a.status);
        if let (Some(f), Some(t)) = (&a.scheduled_start, &a.scheduled_end) {
            line.push_str(&format!(" from {f} to {t}"));
        }
        if let Some(e) = &a.external_audience {
            line.push_str(&format!(", external audience {e}"));
        }
        lines.push(line);
        if let Some(m) = &a.internal_message {
            lines.push(format!("  Internal reply: {m}"));
        }
        if let Some(m) = &a.external_message {
            lines.push(format!("  External reply: {m}"));
        }
    }
    lines.join("\n")
}

async fn run(cx: &ToolContext<'_>) -> ToolResult<MailboxSettings> {
    let v = cx
        .call(
            &GraphRequest::get(GraphPath::me().segment("mailboxSettings")).select(SETTINGS_FIELDS),
        )
        .await?;
    let s = shape(&v);
    Ok(Reply::new(settings_text(&s), s))
}

impl ToolHandler for GetMailboxSettings {
    type Args = NoArgs;
    type Output = MailboxSettings;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_mailbox_settings",
        title: "Get mailbox settings",
        description: "Get the user's mailbox settings: time zone, language, date and time formats, working \
hours, and automatic replies (out of office: status, scheduled period, audience and the reply texts). Use \
it to check whether out-of-office is on or before changing it with update_mailbox_settings. Takes no \
arguments. Example: {}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["MailboxSettings.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MailboxSettings>> {
        Box::pin(run(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_compact() {
        let s = shape(
            &json!({"timeZone": "Pacific Standard Time", "language": {"locale": "en-US"},
            "workingHours": {"daysOfWeek": ["monday"], "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": {"name": "Pacific Standard Time"}},
            "automaticRepliesSetting": {"status": "disabled", "externalAudience": "all", "internalReplyMessage": ""}}),
        );
        let a = s.automatic_replies.as_ref().unwrap();
        assert_eq!(
            (a.status.as_str(), &a.external_audience, &a.internal_message),
            ("disabled", &None, &None)
        );
        let t = settings_text(&s);
        assert!(
            t.contains("Working hours: monday 08:00-17:00 (Pacific Standard Time)"),
            "{t}"
        );
    }
}
