//! `delete_message`: messages into Deleted Items, or gone for good where configured.
//!
//! Graph: `POST /me/messages/{id}/move` with `{"destinationId": "deleteditems"}` (recoverable,
//! the same as Outlook's Delete, and the id stays valid); `POST /me/messages/{id}/permanentDelete`
//! (message-permanentdelete: not recoverable) only when the call asks for `permanent` and the
//! deployment sets `PERMANENT_DELETE=true`. Several ids in one `$batch`.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    message_ids, message_path, send_each, send_each_without_body, Changed, MessagesChanged,
};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{mailbox_root, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// 1-20 message ids, as list_messages or search_messages returned them.
    #[cfg_attr(test, schemars(length(min = 1, max = 20)))]
    pub message_ids: Vec<String>,
    /// true deletes permanently (no recovery); only where this server allows it. Default false:
    /// the messages move to Deleted Items.
    #[serde(default)]
    pub permanent: bool,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Default)]
pub struct DeleteMessage;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MessagesChanged> {
    let ids = message_ids(&args.message_ids)?;
    if args.permanent && !cx.deployment().permanent_delete {
        return Err(ToolError::new(
            "Permanent deletion is not enabled on this server, so nothing was deleted. Call delete_message \
             again without permanent to move the messages to Deleted Items, where the user can recover or \
             purge them.",
        ));
    }
    let root = mailbox_root(args.mailbox.as_deref())?;
    let mut requests = Vec::with_capacity(ids.len());
    for id in &ids {
        let path = message_path(&root, id)?;
        let request = if args.permanent {
            GraphRequest::post(path.segment("permanentDelete"), json!({}))
        } else {
            GraphRequest::post(
                path.segment("move"),
                json!({ "destinationId": "deleteditems" }),
            )
        };
        requests.push((id.clone(), request));
    }
    let results = if args.permanent {
        send_each_without_body(cx, requests).await?
    } else {
        send_each(cx, requests).await?
    };
    let permanent = args.permanent;
    let outcome = MessagesChanged::collect(cx, results, |id, v: &Value| Changed {
        new_id: if permanent { None } else { str_field(v, "id") },
        ..Changed::id(id)
    });
    let done = if permanent {
        "Permanently deleted (not recoverable)"
    } else {
        "Moved to Deleted Items (recoverable there)"
    };
    let (text, data) = outcome.into_text(done)?;
    Ok(Reply::new(text, data))
}

impl ToolHandler for DeleteMessage {
    type Args = Args;
    type Output = MessagesChanged;

    const SPEC: ToolSpec = ToolSpec {
        name: "delete_message",
        title: "Delete messages",
        description: "Delete 1-20 messages: they move to Deleted Items, where the user can still recover them. \
permanent: true erases them for good, only if this server is configured to allow it. Confirm with the user \
before deleting. For drafts prefer delete_draft; to file mail away use move_message. Example: \
{\"message_ids\":[\"AAMkAD...\"]}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            idempotent: true,
            open_world: true,
        },
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
        safety: Safety::Delete,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MessagesChanged>> {
        Box::pin(run(args, cx))
    }
}
