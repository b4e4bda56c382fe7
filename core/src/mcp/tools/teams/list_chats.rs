//! `list_chats`: the user's one-to-one, group and meeting chats, most recently active first.
//!
//! Graph: `GET /me/chats?$expand=members` (chat-list), delegated Chat.Read (Chat.ReadBasic does
//! not cover members); work or school accounts only. Only `$expand`, `$top`, `$filter` and
//! `$orderby` are supported, so no `$select`. Pages continue with `$skiptoken`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::graph::paging::PageLimits;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{short_time, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::or_teams_error;

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Chats per page, 1-50. Default 20.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 50)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor.
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    /// Pass as chat_id to list_chat_messages or send_chat_message.
    pub id: String,
    /// oneOnOne, group or meeting.
    pub chat_type: String,
    /// The chat's name (group and meeting chats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Display names of the members (the user included).
    pub members: Vec<String>,
    /// Last activity, ISO 8601 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChatList {
    pub chats: Vec<Chat>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default)]
pub struct ListChats;

fn chat(c: &Value) -> Option<Chat> {
    Some(Chat {
        id: str_field(c, "id")?,
        chat_type: str_field(c, "chatType").unwrap_or_else(|| "group".into()),
        topic: str_field(c, "topic"),
        members: c
            .get("members")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| str_field(m, "displayName"))
                    .collect()
            })
            .unwrap_or_default(),
        last_updated: str_field(c, "lastUpdatedDateTime"),
    })
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<ChatList> {
    let limit = args.limit.unwrap_or(20).clamp(1, 50) as usize;
    // chat-list supports only $expand, $top, $filter and $orderby (no $select).
    let request = GraphRequest::get(GraphPath::me().segment("chats"))
        .query("$expand", "members")
        .query("$top", limit.to_string());
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await;
    let listing = or_teams_error(cx, listing, "Chats could not be listed (not found).").await?;
    let mut chats: Vec<Chat> = listing.items.iter().filter_map(chat).collect();
    chats.sort_by(|a, b| b.last_updated.cmp(&a.last_updated));
    let next_cursor = listing.next.map(|c| c.encode());
    let mut text = format!("{} chat(s), most recently active first:", chats.len());
    for (i, c) in chats.iter().enumerate() {
        let name = match (&c.topic, c.members.is_empty()) {
            (Some(t), _) => t.clone(),
            (None, false) => format!("with {}", c.members.join(", ")),
            (None, true) => "(untitled chat)".to_owned(),
        };
        text.push_str(&format!("\n{}. {} [{}]", i + 1, name, c.chat_type));
        if c.topic.is_some() && !c.members.is_empty() {
            text.push_str(&format!(" · members: {}", c.members.join(", ")));
        }
        if let Some(t) = &c.last_updated {
            text.push_str(&format!(" · last active {}", short_time(t)));
        }
        text.push_str(&format!(" · id: {}", c.id));
    }
    if let Some(c) = &next_cursor {
        text.push_str(&format!("\nMore chats: call again with cursor \"{c}\"."));
    }
    Ok(Reply::new(text, ChatList { chats, next_cursor }))
}

impl ToolHandler for ListChats {
    type Args = Args;
    type Output = ChatList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_chats",
        title: "List my Teams chats",
        description: "List the user's Microsoft Teams chats (one-to-one, group and meeting chats), most \
recently active first, with topic, members and chat id for list_chat_messages and send_chat_message. For \
team channels use list_joined_teams instead. Work or school accounts only (not personal Microsoft \
accounts). Example: {\"limit\":10}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Chat.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<ChatList>> {
        Box::pin(run(args, cx))
    }
}
