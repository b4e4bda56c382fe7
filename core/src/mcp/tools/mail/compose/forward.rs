//! `forward`: forwards a message (with its attachments) and sends at once (the `direct` send
//! policy), under the recipient allowlist and daily cap, never twice for an identical call.
//!
//! Graph: `POST /me/messages/{id}/createForward` with the recipients and comment, then
//! `POST /me/messages/{draft}/send`.

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolContext, ToolError};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::reply::{respond, DIRECT_SEND};
use super::response::Kind;
use super::sending::SendResult;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The id of the message to forward.
    pub message_id: String,
    /// Recipient addresses (at least one).
    pub to: Vec<String>,
    /// Your text, placed above the forwarded message.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Default)]
pub struct ForwardTool;

impl ToolHandler for ForwardTool {
    type Args = Args;
    type Output = SendResult;

    const SPEC: ToolSpec = ToolSpec {
        name: "forward",
        title: "Forward a message",
        description: "Forward a message, with its attachments, to new recipients and send at once. Prefer \
create_forward_draft + send_draft when the user should review it. Recipients may be limited to certain \
domains and sends per day capped. Repeating an identical call the same day does not send again. Example: \
{\"message_id\":\"AAMk...\",\"to\":[\"lee@contoso.com\"],\"comment\":\"FYI\"}",
        annotations: DIRECT_SEND,
        scopes: &["Mail.Send", "Mail.ReadWrite"],
        safety: Safety::SendDirect,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<SendResult>> {
        Box::pin(async move {
            if args.to.is_empty() {
                return Err(ToolError::invalid_argument(
                    "to: at least one recipient address is needed",
                ));
            }
            let comment = args.comment.unwrap_or_default();
            respond(
                cx,
                "forward",
                Kind::Forward,
                &args.message_id,
                &comment,
                &args.to,
            )
            .await
        })
    }
}
