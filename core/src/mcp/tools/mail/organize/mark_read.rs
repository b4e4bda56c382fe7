//! `mark_read`: messages marked read or unread.
//!
//! Graph: `PATCH /me/messages/{id}` with `{"isRead": true|false}` (message-update); several ids
//! in one `$batch` of PATCHes.

use serde::Deserialize;
use serde_json::json;

use super::{message_ids, message_path, send_each, Changed, MessagesChanged};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::mailbox_root;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// 1-20 message ids, as list_messages or search_messages returned them.
    #[cfg_attr(test, schemars(length(min = 1, max = 20)))]
    pub message_ids: Vec<String>,
    /// true marks them read, false unread. Default true.
    #[serde(default = "yes")]
    pub read: bool,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Default)]
pub struct MarkRead;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MessagesChanged> {
    let ids = message_ids(&args.message_ids)?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    let mut requests = Vec::with_capacity(ids.len());
    for id in &ids {
        requests.push((
            id.clone(),
            GraphRequest::patch(message_path(&root, id)?, json!({ "isRead": args.read })),
        ));
    }
    let results = send_each(cx, requests).await?;
    let outcome = MessagesChanged::collect(cx, results, |id, _| Changed::id(id));
    let done = if args.read {
        "Marked as read"
    } else {
        "Marked as unread"
    };
    let (text, data) = outcome.into_text(done)?;
    Ok(Reply::new(text, data))
}

impl ToolHandler for MarkRead {
    type Args = Args;
    type Output = MessagesChanged;

    const SPEC: ToolSpec = ToolSpec {
        name: "mark_read",
        title: "Mark messages read or unread",
        description: "Mark 1-20 messages as read (default) or unread in one call, e.g. after triaging a list. \
Only changes the read state; to flag use set_flag, to file use move_message. Repeating it changes nothing \
further. Example: {\"message_ids\":[\"AAMkAD...\",\"AAMkAE...\"],\"read\":false}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: true,
            open_world: true,
        },
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
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
