//! `send_channel_message`: post a new message in a Teams channel, as the user.
//!
//! Graph: `POST /teams/{id}/channels/{id}/messages` (channel-post-messages), delegated
//! ChannelMessage.Send; work or school accounts only. Mentions need `<at id="n">` markers in an
//! HTML body plus the `mentions` array ([`super::message_body`]); people given by address are
//! resolved with `GET /users/{address}` (User.ReadBasic.All). A send tool: registered only with
//! the `full` preset and the `direct` send policy, and counted against the daily send cap.

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::{channel_path, message_body, resolve_mentions, send_once, Format, MentionArg, Sent};

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    #[default]
    Normal,
    High,
    Urgent,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The team id from list_joined_teams.
    pub team_id: String,
    /// The channel id from list_channels.
    pub channel_id: String,
    /// The message. With format html it is HTML; write "@Name" where a mention goes.
    pub message: String,
    /// text (default; line breaks kept) or html.
    #[serde(default)]
    pub format: Format,
    /// People to @mention (people in the organisation only).
    #[serde(default)]
    pub mentions: Vec<MentionArg>,
    /// Optional subject line of the post.
    #[serde(default)]
    pub subject: Option<String>,
    /// Default normal.
    #[serde(default)]
    pub importance: Importance,
}

#[derive(Debug, Default)]
pub struct SendChannelMessage;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Sent> {
    let path = channel_path(&args.team_id, &args.channel_id)?.segment("messages");
    // Check the message before any Graph call.
    message_body(&args.message, args.format, &[])?;
    let subject = args
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if subject.is_some_and(|s| s.chars().count() > 250) {
        return Err(ToolError::invalid_argument(
            "subject: at most 250 characters",
        ));
    }
    let mentions = resolve_mentions(cx, &args.mentions).await?;
    let mut body = message_body(&args.message, args.format, &mentions)?;
    if let Some(s) = subject {
        body["subject"] = s.into();
    }
    match args.importance {
        Importance::Normal => {}
        Importance::High => body["importance"] = "high".into(),
        Importance::Urgent => body["importance"] = "urgent".into(),
    }
    send_once(cx, path, body, &mentions, "No such team or channel among the user's teams: nothing was posted. Call list_joined_teams and \
             list_channels for current ids.", "Posted in the channel").await
}

impl ToolHandler for SendChannelMessage {
    type Args = Args;
    type Output = Sent;

    const SPEC: ToolSpec = ToolSpec {
        name: "send_channel_message",
        title: "Post in a Teams channel",
        description: "Post a new message, as the user, in a Microsoft Teams channel that all its members \
see immediately (no draft). Text or HTML, optional subject and importance, and @mentions: list people \
with their user id (from lookup_people) or work address, and write \"@Name\" in the message where each \
goes. To answer an existing post use reply_to_channel_message. Only when the user asked to post. Work or \
school accounts only. Example: {\"team_id\":\"…\",\"channel_id\":\"…\",\"message\":\"@Megan Bowen the deck \
is ready\",\"mentions\":[{\"name\":\"Megan Bowen\",\"user\":\"megan@contoso.com\"}]}",
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
