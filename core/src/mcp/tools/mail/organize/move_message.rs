//! `move_message`: messages into another folder.
//!
//! Graph: `POST /me/messages/{id}/move` with `{"destinationId": folder}` (message-move; 201 with
//! the moved message). With `Prefer: IdType="ImmutableId"` the id stays the same. Several ids go
//! in one `$batch`. The destination is resolved once (well-known name, display name or id).

use serde::Deserialize;
use serde_json::{json, Value};

use super::{message_ids, message_path, send_each, Changed, MessagesChanged};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{mailbox_root, resolve_folder, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// 1-20 message ids, as list_messages or search_messages returned them.
    #[cfg_attr(test, schemars(length(min = 1, max = 20)))]
    pub message_ids: Vec<String>,
    /// Destination folder: a well-known name (inbox, archive, deleteditems, junkemail, drafts),
    /// a display name such as "Projects", or a folder id.
    pub folder: String,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

/// Moves (`action` "move") or copies ("copy") the messages of `args` to its folder.
pub(super) async fn move_or_copy(
    args: Args,
    cx: &ToolContext<'_>,
    action: &'static str,
) -> ToolResult<MessagesChanged> {
    let ids = message_ids(&args.message_ids)?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    if args.folder.trim().is_empty() {
        return Err(crate::mcp::tool::ToolError::invalid_argument(
            "folder: name the destination folder, e.g. \"archive\" or \"Projects\"",
        ));
    }
    let folder = resolve_folder(cx, &root, &args.folder).await?;
    let mut requests = Vec::with_capacity(ids.len());
    for id in &ids {
        let path = message_path(&root, id)?.segment(action);
        requests.push((
            id.clone(),
            GraphRequest::post(path, json!({ "destinationId": folder })),
        ));
    }
    let results = send_each(cx, requests).await?;
    let outcome = MessagesChanged::collect(cx, results, |id, v: &Value| Changed {
        new_id: str_field(v, "id").or_else(|| Some(id.to_owned())),
        ..Changed::id(id)
    });
    let verb = if action == "move" { "Moved" } else { "Copied" };
    let (text, data) = outcome.into_text(&format!("{verb} to {}", args.folder.trim()))?;
    Ok(Reply::new(text, data))
}

#[derive(Debug, Default)]
pub struct MoveMessage;

impl ToolHandler for MoveMessage {
    type Args = Args;
    type Output = MessagesChanged;

    const SPEC: ToolSpec = ToolSpec {
        name: "move_message",
        title: "Move messages to a folder",
        description: "Move 1-20 messages to another mail folder (well-known name, display name or id), e.g. to \
archive or file them. Message ids stay the same after the move. To keep the original in place use \
copy_message; to delete use delete_message (moving to deleteditems also works). Example: \
{\"message_ids\":[\"AAMkAD...\"],\"folder\":\"archive\"}",
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
        Box::pin(move_or_copy(args, cx, "move"))
    }
}
