//! `create_forward_draft`: a forward of a message (with its attachments) as a draft.
//!
//! Graph: `POST /me/messages/{id}/createForward` (message-createforward) with an optional
//! `comment` and `toRecipients`. The draft is recorded as created by this server (`own-drafts`
//! policy).

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::ToolContext;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::create_reply_draft::RESPONSE_DRAFT;
use super::response::{create, Kind};
use super::{mailbox_label, DraftInfo};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The id of the message to forward.
    pub message_id: String,
    /// Who to forward it to; may be left empty and added later with update_draft.
    #[serde(default)]
    pub to: Vec<String>,
    /// Your text, placed above the forwarded message.
    #[serde(default)]
    pub comment: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Default)]
pub struct CreateForwardDraft;

impl ToolHandler for CreateForwardDraft {
    type Args = Args;
    type Output = DraftInfo;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_forward_draft",
        title: "Draft a forward",
        description: "Create a forward of a message, with its attachments, as a draft (nothing is sent): subject \
\"FW: …\", your comment above the original. Recipients can be given now or added later with update_draft. \
To answer the sender use create_reply_draft instead. Returns the draft id; send it with send_draft. Example: \
{\"message_id\":\"AAMk...\",\"to\":[\"lee@contoso.com\"],\"comment\":\"FYI, see the figures below.\"}",
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
                Kind::Forward,
                &args.message_id,
                args.comment.as_deref(),
                &args.to,
                args.mailbox.as_deref(),
            )
            .await?;
            let text = info.to_text(
                Kind::Forward.label(),
                mailbox_label(args.mailbox.as_deref()),
            );
            Ok(Reply::new(text, info))
        })
    }
}
