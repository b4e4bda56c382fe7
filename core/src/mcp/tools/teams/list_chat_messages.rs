//! `list_chat_messages`: the messages of one Teams chat, newest first.
//!
//! Graph: `GET /chats/{id}/messages?$top=…&$orderby=createdDateTime desc` (chat-list-messages:
//! `$top` ≤ 50, `$orderby` on createdDateTime or lastModifiedDateTime desc; no `$select`),
//! delegated Chat.Read; work or school accounts only. Bodies are HTML: shown as clean text.

use serde::Deserialize;

use crate::graph::paging::PageLimits;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::list_channel_messages::{shape, MessageList};
use super::{chat_path, or_teams_error};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The chat id from list_chats.
    pub chat_id: String,
    /// Messages per page, 1-50. Default 20.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 50)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor (pass chat_id unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Default)]
pub struct ListChatMessages;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MessageList> {
    let limit = args.limit.unwrap_or(20).clamp(1, 50) as usize;
    let request = GraphRequest::get(chat_path(&args.chat_id)?.segment("messages"))
        .query("$top", limit.to_string())
        .query("$orderby", "createdDateTime desc");
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await;
    let listing = or_teams_error(
        cx,
        listing,
        "No chat of the user has this id: call list_chats for current chat ids.",
    )
    .await?;
    Ok(shape(
        &listing.items,
        listing.next.map(|c| c.encode()),
        "Chat messages",
    ))
}

impl ToolHandler for ListChatMessages {
    type Args = Args;
    type Output = MessageList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_chat_messages",
        title: "Read a Teams chat",
        description: "Read the messages of one Microsoft Teams chat (from list_chats), newest first, as \
clean text with sender, time and message ids; older messages continue with nextCursor. For channel posts \
use list_channel_messages. Work or school accounts only (not personal Microsoft accounts). Example: \
{\"chat_id\":\"19:abc@unq.gbl.spaces\",\"limit\":15}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Chat.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MessageList>> {
        Box::pin(run(args, cx))
    }
}
