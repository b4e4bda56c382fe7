//! `set_flag`: follow-up flags.
//!
//! Graph: `PATCH /me/messages/{id}` with `flag` (followupFlag: `flagStatus` notFlagged |
//! flagged | complete; `startDateTime` and `dueDateTime` as dateTimeTimeZone — Graph requires a
//! start whenever a due date is set). Due dates are in the mailbox time zone, so the date the
//! user sees in Outlook is the date asked for. Several ids in one `$batch`.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    local_date_time, message_ids, message_path, send_each, utc_date, Changed, MessagesChanged,
};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::mailbox_root;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagState {
    Flagged,
    Complete,
    NotFlagged,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// 1-20 message ids, as list_messages or search_messages returned them.
    #[cfg_attr(test, schemars(length(min = 1, max = 20)))]
    pub message_ids: Vec<String>,
    /// flagged (follow up), complete (done) or not_flagged (clear the flag).
    pub flag: FlagState,
    /// Only with flagged: the due date (2026-06-10, or 2026-06-10T17:00) in the mailbox time
    /// zone.
    #[serde(default)]
    pub due: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

/// The `flag` value for a PATCH. `due` is a checked local date-time, `today` the UTC date.
pub fn flag_body(state: FlagState, due: Option<(&str, &str)>, today: &str) -> Value {
    match (state, due) {
        (FlagState::Flagged, Some((due, tz))) => {
            // The start is today, or the due date when that is earlier (start ≤ due).
            let due_date = &due[..10];
            let start = if today <= due_date { today } else { due_date };
            json!({
                "flagStatus": "flagged",
                "startDateTime": { "dateTime": format!("{start}T00:00:00"), "timeZone": tz },
                "dueDateTime": { "dateTime": due, "timeZone": tz },
            })
        }
        (FlagState::Flagged, None) => json!({ "flagStatus": "flagged" }),
        (FlagState::Complete, _) => json!({ "flagStatus": "complete" }),
        (FlagState::NotFlagged, _) => json!({ "flagStatus": "notFlagged" }),
    }
}

#[derive(Debug, Default)]
pub struct SetFlag;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MessagesChanged> {
    let ids = message_ids(&args.message_ids)?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    let due = match (&args.due, args.flag) {
        (Some(d), FlagState::Flagged) => Some(local_date_time("due", d, "17:00:00")?),
        (Some(_), _) => return Err(ToolError::invalid_argument(
            "due: a due date only goes with flag \"flagged\"; omit it for complete or not_flagged",
        )),
        (None, _) => None,
    };
    let tz = match due {
        Some(_) => Some(cx.mailbox_time_zone().await?),
        None => None,
    };
    let today = utc_date(cx.now_secs());
    let flag = flag_body(args.flag, due.as_deref().zip(tz.as_deref()), &today);
    let mut requests = Vec::with_capacity(ids.len());
    for id in &ids {
        requests.push((
            id.clone(),
            GraphRequest::patch(message_path(&root, id)?, json!({ "flag": flag })),
        ));
    }
    let results = send_each(cx, requests).await?;
    let outcome = MessagesChanged::collect(cx, results, |id, _| Changed::id(id));
    let done = match (args.flag, &due) {
        (FlagState::Flagged, Some(d)) => format!(
            "Flagged for follow-up, due {} ({})",
            d.replace('T', " "),
            tz.as_deref().unwrap_or("")
        ),
        (FlagState::Flagged, None) => "Flagged for follow-up".to_owned(),
        (FlagState::Complete, _) => "Flag marked complete".to_owned(),
        (FlagState::NotFlagged, _) => "Flag cleared".to_owned(),
    };
    let (text, data) = outcome.into_text(&done)?;
    Ok(Reply::new(text, data))
}

impl ToolHandler for SetFlag {
    type Args = Args;
    type Output = MessagesChanged;

    const SPEC: ToolSpec = ToolSpec {
        name: "set_flag",
        title: "Flag messages for follow-up",
        description: "Set the follow-up flag of 1-20 messages: flagged (optionally with a due date in the \
mailbox time zone), complete, or not_flagged to clear it. Use it for to-dos; for labels use \
set_categories. Example: {\"message_ids\":[\"AAMkAD...\"],\"flag\":\"flagged\",\"due\":\"2026-06-10\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: true,
            open_world: true,
        },
        // MailboxSettings.Read: the mailbox time zone for due dates.
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared", "MailboxSettings.Read"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MessagesChanged>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_bodies() {
        let f = flag_body(
            FlagState::Flagged,
            Some(("2026-06-10T17:00:00", "Pacific Standard Time")),
            "2026-06-01",
        );
        assert_eq!(f["flagStatus"], "flagged");
        assert_eq!(f["startDateTime"]["dateTime"], "2026-06-01T00:00:00");
        assert_eq!(f["dueDateTime"]["dateTime"], "2026-06-10T17:00:00");
        assert_eq!(f["dueDateTime"]["timeZone"], "Pacific Standard Time");
        // A due date in the past: the start is not after it.
        let f = flag_body(
            FlagState::Flagged,
            Some(("2026-05-01T17:00:00", "UTC")),
            "2026-06-01",
        );
        assert_eq!(f["startDateTime"]["dateTime"], "2026-05-01T00:00:00");
        assert_eq!(
            flag_body(FlagState::NotFlagged, None, "2026-06-01"),
            json!({"flagStatus": "notFlagged"})
        );
        assert_eq!(
            flag_body(FlagState::Complete, None, "2026-06-01"),
            json!({"flagStatus": "complete"})
        );
    }
}
