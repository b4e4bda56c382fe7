//! `copy_message`: copies of messages in another folder.
//!
//! Graph: `POST /me/messages/{id}/copy` with `{"destinationId": folder}` (message-copy; 201 with
//! the copy, which has a new id). Several ids go in one `$batch`.

use super::move_message::{move_or_copy, Args};
use super::MessagesChanged;
use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default)]
pub struct CopyMessage;

impl ToolHandler for CopyMessage {
    type Args = Args;
    type Output = MessagesChanged;

    const SPEC: ToolSpec = ToolSpec {
        name: "copy_message",
        title: "Copy messages to a folder",
        description: "Copy 1-20 messages into another mail folder (well-known name, display name or id); the \
originals stay where they are and each copy gets a new id (newId). Calling it twice makes two copies. To \
file a message without duplicating it use move_message. Example: \
{\"message_ids\":[\"AAMkAD...\"],\"folder\":\"Projects\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
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
        Box::pin(move_or_copy(args, cx, "copy"))
    }
}
