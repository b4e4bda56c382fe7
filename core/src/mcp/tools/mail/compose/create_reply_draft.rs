//! `create_reply_draft`: a reply to the sender, as a draft in the same conversation.
//!
//! Graph: `POST /me/messages/{id}/createReply` (message-createreply) with an optional `comment`;
//! Graph addresses it, prefixes the subject and quotes the original. The draft is recorded as
//! created by this server (`own-drafts` policy).

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::response::{create, Kind};
use super::{mailbox_label, DraftInfo};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The id of the message to answer.
    pub message_id: String,
    /// Your text, placed above the quoted original.
    #[serde(default)]
    pub comment: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Default)]
pub struct CreateReplyDraft;

/// Annotations of the three response-draft tools.
pub const RESPONSE_DRAFT: ToolAnnotations = ToolAnnotations {
    read_only: false,
    destructive: false,
    idempotent: false,
    open_world: true,
};

impl ToolHandler for CreateReplyDraft {
    type Args = Args;
    type Output = DraftInfo;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_reply_draft",
        title: "Draft a reply",
        description: "Create a reply to a message's sender as a draft (nothing is sent): threaded, subject \
\"RE: …\", original quoted below your comment. Use create_reply_all_draft to include everyone, \
create_forward_draft to pass it on. Returns the draft id; review or change it with update_draft, send it \
with send_draft. Example: {\"message_id\":\"AAMk...\",\"comment\":\"Thanks, Tuesday works for me.\"}",
        annotations: RESPONSE_DRAFT,
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<DraftInfo>> {
        Box::pin(async move {
            let info = create(
                cx,
                Kind::Reply,
                &args.message_id,
                args.comment.as_deref(),
                &[],
                args.mailbox.as_deref(),
            )
            .await?;
            let text = info.to_text(Kind::Reply.label(), mailbox_label(args.mailbox.as_deref()));
            Ok(Reply::new(text, info))
        })
    }
}
