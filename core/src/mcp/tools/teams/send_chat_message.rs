//! `send_chat_message`: send a message in an existing Teams chat, as the user.
//!
//! Graph: `POST /chats/{id}/messages` (chat-post-messages), delegated ChatMessage.Send; work or
//! school accounts only. Same body and mentions as the channel tools; a send tool (preset
//! `full`, policy `direct`, daily cap, and with `SEND_ALLOWED_DOMAINS` every chat member's
//! address must be in an allowed domain: `GET /chats/{id}/members`, Chat.Read).

use serde::Deserialize;

use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{items, str_field};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::{
    chat_path, graph_or_teams_error, message_body, resolve_mentions, send_once, Format, MentionArg,
    Sent,
};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The chat id from list_chats.
    pub chat_id: String,
    /// The message. With format html it is HTML; write "@Name" where a mention goes.
    pub message: String,
    /// text (default; line breaks kept) or html.
    #[serde(default)]
    pub format: Format,
    /// People to @mention (members of the organisation).
    #[serde(default)]
    pub mentions: Vec<MentionArg>,
}

#[derive(Debug, Default)]
pub struct SendChatMessage;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Sent> {
    let path = chat_path(&args.chat_id)?.segment("messages");
    message_body(&args.message, args.format, &[])?;
    let mentions = resolve_mentions(cx, &args.mentions).await?;
    let body = message_body(&args.message, args.format, &mentions)?;
    check_member_domains(cx, &args.chat_id).await?;
    send_once(
        cx,
        path,
        body,
        &mentions,
        "No chat of the user has this id: nothing was sent. Call list_chats for current chat ids.",
        "Sent in the chat",
    )
    .await
}

/// With `SEND_ALLOWED_DOMAINS` set, every member of the chat must be in an allowed domain, as
/// every recipient of a mail must (`GET /chats/{id}/members`, Chat.Read).
async fn check_member_domains(cx: &ToolContext<'_>, chat_id: &str) -> Result<(), ToolError> {
    if cx.deployment().allowed_domains.is_empty() {
        return Ok(());
    }
    let path = chat_path(chat_id)?.segment("members");
    let members = cx.send(&GraphRequest::get(path)).await;
    let members = graph_or_teams_error(
        cx,
        members,
        "No chat of the user has this id: nothing was sent. Call list_chats for current chat ids.",
    )
    .await?;
    let outside: Vec<String> = items(&members)
        .iter()
        .filter_map(|m| str_field(m, "email").or_else(|| str_field(m, "displayName")))
        .filter(|a| !cx.deployment().recipient_allowed(a))
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    Err(ToolError::new(format!(
        "Refused: this deployment only sends to {}, and this chat includes {}. Nothing was sent; the user can \
         send it in Teams.",
        cx.deployment().allowed_domains.join(", "),
        outside.join(", ")
    )))
}

impl ToolHandler for SendChatMessage {
    type Args = Args;
    type Output = Sent;

    const SPEC: ToolSpec = ToolSpec {
        name: "send_chat_message",
        title: "Send a Teams chat message",
        description: "Send a message, as the user, in an existing Microsoft Teams chat (from list_chats); \
the members see it at once (no draft). Text or HTML with optional @mentions (user id from lookup_people or \
work address; write \"@Name\" where each goes). For channel posts use send_channel_message. Only when the \
user asked to send. Work or school accounts only. Example: {\"chat_id\":\"19:abc@unq.gbl.spaces\",\
\"message\":\"Running 5 minutes late\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["ChatMessage.Send", "User.ReadBasic.All", "Chat.Read"],
        safety: Safety::SendDirect,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Sent>> {
        Box::pin(run(args, cx))
    }
}
