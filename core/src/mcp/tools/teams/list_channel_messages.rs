//! `list_channel_messages`: a channel's posts, newest first, or the replies to one post.
//!
//! Graph: `GET /teams/{id}/channels/{id}/messages` (channel-list-messages: only `$top` (≤ 50)
//! and `$expand=replies`; no `$select` or `$orderby`; pages continue with `$skiptoken`) and
//! `GET …/messages/{id}/replies` (chatmessage-list-replies). Delegated
//! ChannelMessage.Read.All; work or school accounts only. Bodies are HTML: shown as clean text.

use serde::{Deserialize, Serialize};

use crate::graph::paging::PageLimits;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{channel_path, or_teams_error, TeamsMessage};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The team id from list_joined_teams.
    pub team_id: String,
    /// The channel id from list_channels.
    pub channel_id: String,
    /// A post's id: list the replies to that post instead of the channel's posts.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Messages per page, 1-50. Default 20.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 50)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor (pass the other arguments unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageList {
    /// Newest first.
    pub messages: Vec<TeamsMessage>,
    /// Pass as `cursor` to get older messages; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Sorts newest first (Graph's order, made certain) and renders a listing.
pub fn shape(
    items: &[serde_json::Value],
    next_cursor: Option<String>,
    title: &str,
) -> Reply<MessageList> {
    let mut messages: Vec<TeamsMessage> = items.iter().map(TeamsMessage::from_graph).collect();
    messages.sort_by(|a, b| b.created.cmp(&a.created));
    let mut text = format!("{title}: {} message(s), newest first", messages.len());
    for (i, m) in messages.iter().enumerate() {
        text.push('\n');
        text.push_str(&m.to_text(i + 1));
    }
    if let Some(c) = &next_cursor {
        text.push_str(&format!(
            "\nOlder messages: call again with cursor \"{c}\"."
        ));
    }
    Reply::new(
        text,
        MessageList {
            messages,
            next_cursor,
        },
    )
}

#[derive(Debug, Default)]
pub struct ListChannelMessages;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MessageList> {
    let limit = args.limit.unwrap_or(20).clamp(1, 50) as usize;
    let mut path = channel_path(&args.team_id, &args.channel_id)?.segment("messages");
    let thread = args
        .message_id
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    if let Some(id) = thread {
        path = path
            .id(id)
            .map_err(|_| {
                ToolError::invalid_argument("message_id: pass a message id from this tool")
            })?
            .segment("replies");
    }
    let request = GraphRequest::get(path).query("$top", limit.to_string());
    let not_found = if thread.is_some() {
        "No such post in this channel: the team, channel or message id is wrong, or the post was deleted. \
         List the channel's messages again for current ids."
    } else {
        "No such team or channel among the user's teams: call list_joined_teams and list_channels for current ids."
    };
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await;
    let listing = or_teams_error(cx, listing, not_found).await?;
    let title = if thread.is_some() {
        "Replies"
    } else {
        "Channel posts"
    };
    Ok(shape(
        &listing.items,
        listing.next.map(|c| c.encode()),
        title,
    ))
}

impl ToolHandler for ListChannelMessages {
    type Args = Args;
    type Output = MessageList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_channel_messages",
        title: "Read a Teams channel",
        description: "Read the posts of a Microsoft Teams channel, newest first, as clean text with sender, \
time, subject and message ids; pass message_id to read the replies to one post instead. Older messages \
continue with nextCursor. Use list_joined_teams and list_channels to get the ids; for chats use \
list_chat_messages. Work or school accounts only (not personal Microsoft accounts). Example: \
{\"team_id\":\"02bd...\",\"channel_id\":\"19:abc@thread.tacv2\",\"limit\":10}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["ChannelMessage.Read.All"],
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
