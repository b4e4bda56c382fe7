//! `send_chat_message`: send a message in an existing Teams chat, as the user.
//!
//! Graph: `POST /chats/{id}/messages` (chat-post-messages), delegated ChatMessage.Send; work or
//! school accounts only. Same body and mentions as the channel tools; a send tool (preset
//! `full`, policy `direct`, daily cap).

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::{chat_path, message_body, resolve_mentions, send_once, Format, MentionArg, Sent};

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
        scopes: &["ChatMessage.Send", "User.ReadBasic.All"],
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
