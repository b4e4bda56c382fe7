//! `send_draft`: sends a draft, under the deployment's send policy, recipient allowlist and
//! daily cap, and never twice (see [`super::sending`]).
//!
//! Graph: a `$batch` reading the draft (state, recipients, folder) and the Deleted Items folder
//! id, then
//! `POST /me/messages/{id}/send` (message-send). A repeat of an already sent draft makes no
//! request at all.

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::sending::{send_existing, SendResult};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The draft's id (from create_draft, a create_*_draft tool or list_drafts).
    pub message_id: String,
}

#[derive(Debug, Default)]
pub struct SendDraft;

impl ToolHandler for SendDraft {
    type Args = Args;
    type Output = SendResult;

    const SPEC: ToolSpec = ToolSpec {
        name: "send_draft",
        title: "Send a draft",
        description: "Send a draft email from the user's mailbox. Only after the user approved the draft's final \
content and recipients. Depending on this server's policy only drafts it created can be sent, recipients \
may be limited to certain domains and sends per day capped; a refusal says why. Safe to repeat: a draft is \
never sent twice. Example: {\"message_id\":\"AAMk...\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: true,
            open_world: true,
        },
        scopes: &["Mail.Send", "Mail.Read"],
        safety: Safety::SendDraft,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<SendResult>> {
        Box::pin(async move { send_existing(cx, &args.message_id).await })
    }
}
