//! `delete_event`: take an event off the calendar. For a meeting the user organises, Graph's
//! `POST /me/events/{id}/cancel` (event-cancel) removes it and sends the attendees a cancellation
//! carrying the optional comment; for anything else (the user's own appointment, or a meeting
//! they were invited to) `DELETE /me/events/{id}` (event-delete) removes it from their calendar
//! only. The event is read first to choose: `cancel` from an attendee is a 400 ("You need to be
//! an organizer to cancel a meeting").

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{event_path, send_event};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The event id; an occurrence's id deletes that occurrence only, the series id the series.
    pub event_id: String,
    /// For a meeting the user organises: a message sent with the cancellation.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    pub id: String,
    pub subject: String,
    /// cancelled (a meeting the user organised: attendees were told) or removed (only from the
    /// user's calendar).
    pub action: String,
    /// Attendees who were sent a cancellation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notified: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Default)]
pub struct DeleteEvent;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Deleted> {
    let path = event_path(&args.event_id)?;
    let ev = send_event(
        cx,
        &GraphRequest::get(path.clone()).select(&[
            "id",
            "subject",
            "isOrganizer",
            "attendees",
            "isCancelled",
        ]),
        "event_id",
    )
    .await?;
    let subject = str_field(&ev, "subject").unwrap_or_else(|| "(no subject)".into());
    let organizer = ev
        .get("isOrganizer")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let attendees: Vec<String> = ev
        .get("attendees")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|x| x.get("type").and_then(Value::as_str) != Some("resource"))
                .filter_map(|x| x.pointer("/emailAddress/address").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let cancelled_already = ev
        .get("isCancelled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let comment = args
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let id = args.event_id.trim().to_owned();
    let result = if organizer && !attendees.is_empty() && !cancelled_already {
        let body = json!({ "comment": comment.unwrap_or("") });
        send_event(
            cx,
            &GraphRequest::post(path.segment("cancel"), body),
            "event_id",
        )
        .await?;
        Deleted {
            id,
            subject,
            action: "cancelled".into(),
            notified: attendees,
            note: None,
        }
    } else {
        send_event(cx, &GraphRequest::delete(path), "event_id").await?;
        let note = match (organizer, comment) {
            (false, Some(_)) => Some(
                "The comment was not sent: only the organiser's cancellation carries a message. To tell the \
                 organiser, use respond_to_event with decline and a comment (for a meeting still on the calendar)."
                    .to_owned(),
            ),
            (false, None) if !attendees.is_empty() => Some(
                "Removed from the user's calendar only; the organiser was not told (respond_to_event with decline does that)."
                    .to_owned(),
            ),
            _ => None,
        };
        Deleted {
            id,
            subject,
            action: "removed".into(),
            notified: Vec::new(),
            note,
        }
    };
    let mut text = match result.action.as_str() {
        "cancelled" => format!(
            "Cancelled {:?} and sent a cancellation to {}.",
            result.subject,
            result.notified.join(", ")
        ),
        _ => format!("Deleted {:?} from the calendar.", result.subject),
    };
    if let Some(n) = &result.note {
        text.push_str(&format!("\nNote: {n}"));
    }
    Ok(Reply::new(text, result))
}

impl ToolHandler for DeleteEvent {
    type Args = Args;
    type Output = Deleted;

    const SPEC: ToolSpec = ToolSpec {
        name: "delete_event",
        title: "Delete or cancel an event",
        description: "Delete an event. If the user organises the meeting, it is cancelled for everyone and the \
attendees get a cancellation (with comment, if given); otherwise it is only removed from the user's calendar \
and the organiser is not told (to decline politely use respond_to_event instead). An occurrence id deletes \
that occurrence only; the series id deletes the whole series. Example: {\"event_id\":\"AAMk...\",\
\"comment\":\"Moving this to next week\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Calendars.ReadWrite"],
        safety: Safety::Delete,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Deleted>> {
        Box::pin(run(args, cx))
    }
}
