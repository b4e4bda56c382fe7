//! `create_online_meeting`: a standalone Teams meeting (a join link), without a calendar event.
//!
//! Graph: `POST /me/onlineMeetings` (application-post-onlinemeetings), delegated
//! OnlineMeetings.ReadWrite; work or school accounts only. It creates no calendar event and
//! sends no invitation (concepts/choose-online-meeting-api): for a meeting in people's
//! calendars, create a calendar event with a Teams link instead.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::tools::people::valid_address;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::graph_or_teams_error;

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The meeting's title.
    pub subject: String,
    /// Start as ISO 8601 with a UTC offset, e.g. 2026-06-03T15:00:00-07:00 or 2026-06-03T22:00:00Z.
    pub start: String,
    /// End, same form; after start.
    pub end: String,
    /// Work addresses of people to register as attendees (they get no invitation: share the link).
    #[serde(default)]
    pub attendees: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeeting {
    pub id: String,
    /// The link to join the meeting: share it with the participants.
    pub join_url: String,
    pub subject: String,
    /// ISO 8601 UTC.
    pub start: String,
    /// ISO 8601 UTC.
    pub end: String,
    /// Meeting id for joining by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
}

#[derive(Debug, Default)]
pub struct CreateOnlineMeeting;

/// An ISO 8601 date-time with an offset, as UTC, or an error naming `field`.
pub fn instant(field: &str, value: &str) -> Result<i64, ToolError> {
    super::time::parse_instant(value).ok_or_else(|| {
            ToolError::invalid_argument(format!(
                "{field} must be an ISO 8601 date-time with a UTC offset, e.g. 2026-06-03T15:00:00-07:00 or \
                 2026-06-03T22:00:00Z, not {value:?} (get_profile gives the user's time zone)"
            ))
        })
}

/// The request body, after checking the arguments.
pub fn body(args: &Args) -> Result<Value, ToolError> {
    let subject = args.subject.trim();
    if subject.is_empty() || subject.chars().count() > 250 {
        return Err(ToolError::invalid_argument(
            "subject: give a title of 1-250 characters",
        ));
    }
    let start = instant("start", &args.start)?;
    let end = instant("end", &args.end)?;
    if end <= start {
        return Err(ToolError::invalid_argument("end must be after start"));
    }
    if end - start > 24 * 3600 {
        return Err(ToolError::invalid_argument(
            "end: a meeting can last at most 24 hours",
        ));
    }
    let mut attendees = Vec::new();
    for a in &args.attendees {
        let a = a.trim();
        if !valid_address(a) {
            return Err(ToolError::invalid_argument(format!(
                "attendees: {a:?} is not an email address; use lookup_people to find addresses"
            )));
        }
        attendees.push(json!({ "upn": a, "role": "attendee" }));
    }
    let fmt = super::time::format_utc;
    let mut body = json!({
        "subject": subject,
        "startDateTime": fmt(start),
        "endDateTime": fmt(end),
    });
    if !attendees.is_empty() {
        body["participants"] = json!({ "attendees": attendees });
    }
    Ok(body)
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<OnlineMeeting> {
    let body = body(&args)?;
    let created = cx
        .send(&GraphRequest::post(
            GraphPath::me().segment("onlineMeetings"),
            body.clone(),
        ))
        .await;
    let created = graph_or_teams_error(
        cx,
        created,
        "Online meetings are not available for this account.",
    )
    .await?;
    let join_url = str_field(&created, "joinWebUrl").ok_or_else(|| {
        ToolError::new("Microsoft Graph created the meeting but returned no join link; try again.")
    })?;
    let m = OnlineMeeting {
        id: str_field(&created, "id").unwrap_or_default(),
        join_url,
        subject: str_field(&created, "subject").unwrap_or_else(|| args.subject.trim().to_owned()),
        start: str_field(&created, "startDateTime")
            .or_else(|| str_field(&body, "startDateTime"))
            .unwrap_or_default(),
        end: str_field(&created, "endDateTime")
            .or_else(|| str_field(&body, "endDateTime"))
            .unwrap_or_default(),
        meeting_id: created
            .pointer("/joinMeetingIdSettings/joinMeetingId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        passcode: created
            .pointer("/joinMeetingIdSettings/passcode")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let mut text = format!(
        "Created the Teams meeting \"{}\" ({} to {}). Join link: {}",
        m.subject, m.start, m.end, m.join_url
    );
    if let (Some(id), Some(p)) = (&m.meeting_id, &m.passcode) {
        text.push_str(&format!(" · meeting id {id}, passcode {p}"));
    }
    text.push_str(
        "\nNo calendar event or invitation was created: share the link, or create a calendar event with it.",
    );
    Ok(Reply::new(text, m))
}

impl ToolHandler for CreateOnlineMeeting {
    type Args = Args;
    type Output = OnlineMeeting;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_online_meeting",
        title: "Create a Teams meeting link",
        description: "Create a standalone Microsoft Teams meeting and get its join link (plus meeting id and \
passcode). It adds nothing to any calendar and sends no invitations: to invite people with a calendar \
entry, create a calendar event with a Teams meeting instead. Times need a UTC offset. Work or school \
accounts only (not personal Microsoft accounts). Example: {\"subject\":\"Design sync\",\
\"start\":\"2026-06-03T15:00:00-07:00\",\"end\":\"2026-06-03T15:30:00-07:00\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["OnlineMeetings.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<OnlineMeeting>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(start: &str, end: &str) -> Args {
        Args {
            subject: "Sync".into(),
            start: start.into(),
            end: end.into(),
            attendees: vec!["megan@contoso.example".into()],
        }
    }

    #[test]
    fn body_converts_to_utc_and_checks() {
        let b = body(&args(
            "2026-06-03T15:00:00-07:00",
            "2026-06-03T15:30:00-07:00",
        ))
        .unwrap();
        assert_eq!(b["startDateTime"], "2026-06-03T22:00:00Z");
        assert_eq!(b["endDateTime"], "2026-06-03T22:30:00Z");
        assert_eq!(
            b["participants"]["attendees"][0]["upn"],
            "megan@contoso.example"
        );
        assert!(body(&args("2026-06-03T15:00:00", "2026-06-03T16:00:00Z"))
            .unwrap_err()
            .message
            .contains("start"));
        assert!(body(&args("2026-06-03T16:00:00Z", "2026-06-03T15:00:00Z"))
            .unwrap_err()
            .message
            .contains("after"));
        let mut bad = args("2026-06-03T15:00:00Z", "2026-06-03T16:00:00Z");
        bad.attendees = vec!["Megan".into()];
        assert!(body(&bad).unwrap_err().message.contains("attendees"));
    }
}
