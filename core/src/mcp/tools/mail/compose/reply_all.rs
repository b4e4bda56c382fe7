//! `reply_all`: answers the sender and all recipients and sends at once (the `direct` send
//! policy). The allowlist is checked against the recipients Graph computed for the reply.
//!
//! Graph: `POST /me/messages/{id}/createReplyAll`, then `POST /me/messages/{draft}/send`.

use serde::Deserialize;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::ToolContext;
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::reply::{respond, DIRECT_SEND};
use super::response::Kind;
use super::sending::SendResult;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The id of the message to answer.
    pub message_id: String,
    /// Your reply text, placed above the quoted original.
    pub comment: String,
}

#[derive(Debug, Default)]
pub struct ReplyAllTool;

impl ToolHandler for ReplyAllTool {
    type Args = Args;
    type Output = SendResult;

    const SPEC: ToolSpec = ToolSpec {
        name: "reply_all",
        title: "Reply to all",
        description: "Reply to a message's sender and all its other recipients and send at once (threaded, \
original quoted). Use reply to answer only the sender; prefer create_reply_all_draft + send_draft when the user \
should review it. Recipients may be limited to certain domains and sends per day capped. Repeating an \
identical call the same day does not send again. Example: {\"message_id\":\"AAMk...\",\"comment\":\"Agreed.\"}",
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
            respond(
                cx,
                "reply_all",
                Kind::ReplyAll,
                &args.message_id,
                &args.comment,
                &[],
            )
            .await
        })
    }
}
