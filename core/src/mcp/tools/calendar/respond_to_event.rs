//! `respond_to_event`: accept, tentatively accept or decline a meeting invitation (POST
//! /me/events/{id}/accept | tentativelyAccept | decline, event-accept etc.), with a comment,
//! whether to send the response, and for tentative/decline an optional proposed new time.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::create_event::Times;
use super::{event_path, send_event, zone_or_mailbox};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The meeting's id (an occurrence's id answers that occurrence only).
    pub event_id: String,
    pub response: Response,
    /// A message to the organiser.
    #[serde(default)]
    pub comment: Option<String>,
    /// Send the response to the organiser. Default true; false answers silently.
    #[serde(default)]
    pub send_response: Option<bool>,
    /// tentative/decline: propose this local start instead (needs propose_end).
    #[serde(default)]
    pub propose_start: Option<String>,
    #[serde(default)]
    pub propose_end: Option<String>,
    /// Zone of propose_start/propose_end (IANA or Windows). Default: the mailbox zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Response {
    #[default]
    Accept,
    Tentative,
    Decline,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Responded {
    pub id: String,
    /// accepted, tentativelyAccepted or declined.
    pub response: String,
    /// Whether the organiser was sent the response.
    pub sent: bool,
}

#[derive(Debug, Default)]
pub struct RespondToEvent;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Responded> {
    let path = event_path(&args.event_id)?;
    let send = args.send_response.unwrap_or(true);
    let (action, word) = match args.response {
        Response::Accept => ("accept", "accepted"),
        Response::Tentative => ("tentativelyAccept", "tentativelyAccepted"),
        Response::Decline => ("decline", "declined"),
    };
    let mut body = json!({ "sendResponse": send });
    if let Some(c) = args
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        body["comment"] = json!(c);
    }
    match (&args.propose_start, &args.propose_end) {
        (None, None) => {}
        (Some(s), Some(e)) => {
            if args.response == Response::Accept {
                return Err(ToolError::invalid_argument(
                    "propose_start: a new time can be proposed only with tentative or decline",
                ));
            }
            if !send {
                return Err(ToolError::invalid_argument(
                    "send_response: a proposed time must be sent to the organiser; leave send_response true",
                ));
            }
            let t = Times::from_args(s, Some(e), false, 0).map_err(|err| {
                ToolError::new(
                    err.message
                        .replace("start:", "propose_start:")
                        .replace("end:", "propose_end:"),
                )
            })?;
            let zone = zone_or_mailbox(cx, "time_zone", args.time_zone.as_deref()).await?;
            body["proposedNewTime"] = json!({
                "start": {"dateTime": t.start.graph(), "timeZone": zone},
                "end": {"dateTime": t.end.graph(), "timeZone": zone},
            });
        }
        _ => {
            return Err(ToolError::invalid_argument(
                "propose_start and propose_end go together",
            ))
        }
    }
    send_event(cx, &GraphRequest::post(path.segment(action), body), "event_id")
        .await
        .map_err(|e| {
            if e.message.contains("meeting organizer") || e.message.contains("You can't respond to this meeting because") {
                ToolError::new(
                    "The user organises this meeting, so there is no invitation to answer. To change it use \
                     update_event; to call it off use delete_event.",
                )
            } else if e.message.contains("been canceled") || e.message.contains("been cancelled") {
                ToolError::new(
                    "This meeting was cancelled by its organiser; there is nothing to answer. delete_event removes it \
                     from the calendar.",
                )
            } else if e.message.contains("new time can't be proposed") {
                ToolError::new(
                    "The organiser does not allow new time proposals for this meeting. Respond without \
                     propose_start/propose_end and suggest a time in the comment instead.",
                )
            } else {
                e
            }
        })?;
    let id = args.event_id.trim().to_owned();
    let mut text = format!("Responded {word} to the meeting");
    text.push_str(if send {
        "; the organiser was sent the response."
    } else {
        " without telling the organiser."
    });
    if args.response == Response::Decline {
        text.push_str(" Declined meetings are removed from the calendar.");
    }
    Ok(Reply::new(
        text,
        Responded {
            id,
            response: word.into(),
            sent: send,
        },
    ))
}

impl ToolHandler for RespondToEvent {
    type Args = Args;
    type Output = Responded;

    const SPEC: ToolSpec = ToolSpec {
        name: "respond_to_event",
        title: "Accept, tentatively accept or decline a meeting",
        description: "Answer a meeting invitation the user received: accept, tentative or decline, optionally \
with a comment to the organiser, silently (send_response false), or proposing another time (tentative or \
decline). Not for meetings the user organises (use update_event or delete_event). An occurrence id answers that \
occurrence; the series id the whole series. Example: {\"event_id\":\"AAMk...\",\"response\":\"decline\",\
\"comment\":\"Out that day\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            // A repeated answer sends the organiser another response message.
            idempotent: false,
            open_world: true,
        },
        scopes: &["Calendars.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Responded>> {
        Box::pin(run(args, cx))
    }
}
