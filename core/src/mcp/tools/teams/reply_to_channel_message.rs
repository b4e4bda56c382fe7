//! `reply_to_channel_message`: answer a post in a Teams channel, as the user.
//!
//! Graph: `POST /teams/{id}/channels/{id}/messages/{id}/replies` (chatmessage-post-replies),
//! delegated ChannelMessage.Send; work or school accounts only. Same body and mentions as
//! `send_channel_message`; a send tool (preset `full`, policy `direct`, daily cap).

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::{channel_path, message_body, resolve_mentions, send_once, Format, MentionArg, Sent};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The team id from list_joined_teams.
    pub team_id: String,
    /// The channel id from list_channels.
    pub channel_id: String,
    /// The id of the post to answer (a top-level post from list_channel_messages).
    pub message_id: String,
    /// The reply. With format html it is HTML; write "@Name" where a mention goes.
    pub message: String,
    /// text (default; line breaks kept) or html.
    #[serde(default)]
    pub format: Format,
    /// People to @mention (people in the organisation only).
    #[serde(default)]
    pub mentions: Vec<MentionArg>,
}

#[derive(Debug, Default)]
pub struct ReplyToChannelMessage;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Sent> {
    let path = channel_path(&args.team_id, &args.channel_id)?
        .segment("messages")
        .id(args.message_id.trim())
        .map_err(|_| {
            ToolError::invalid_argument("message_id: pass a post id from list_channel_messages")
        })?
        .segment("replies");
    message_body(&args.message, args.format, &[])?;
    let mentions = resolve_mentions(cx, &args.mentions).await?;
    let body = message_body(&args.message, args.format, &mentions)?;
    send_once(cx, path, body, &mentions, "No such post in this channel (wrong team, channel or message id, or the post was deleted): \
             nothing was sent. Read the channel again with list_channel_messages for current ids.", "Replied in the thread").await
}

impl ToolHandler for ReplyToChannelMessage {
    type Args = Args;
    type Output = Sent;

    const SPEC: ToolSpec = ToolSpec {
        name: "reply_to_channel_message",
        title: "Reply to a Teams channel post",
        description: "Reply, as the user, to a post in a Microsoft Teams channel (the reply appears in that \
post's thread at once; no draft). Text or HTML with optional @mentions (user id from lookup_people, or \
work address; write \"@Name\" where each goes). message_id is a top-level post's id from \
list_channel_messages. Only when the user asked to reply. Work or school accounts only. Example: \
{\"team_id\":\"…\",\"channel_id\":\"…\",\"message_id\":\"1716900000000\",\"message\":\"Done, thanks!\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["ChannelMessage.Send", "User.ReadBasic.All"],
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
