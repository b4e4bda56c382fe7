//! `reply`: answers the sender of a message and sends at once (the `direct` send policy), under
//! the recipient allowlist and daily cap, never twice for an identical call the same UTC day.
//!
//! Graph: `POST /me/messages/{id}/createReply` with the comment, then
//! `POST /me/messages/{draft}/send` (see [`super::sending`]).

use serde::Deserialize;
use serde_json::json;

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::response::{create, Kind};
use super::sending::{idempotency_key, send_new, SendResult};
use super::{message_path, recipients};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The id of the message to answer.
    pub message_id: String,
    /// Your reply text, placed above the quoted original.
    pub comment: String,
}

/// Annotations of the direct reply and forward tools.
pub const DIRECT_SEND: ToolAnnotations = ToolAnnotations {
    read_only: false,
    destructive: false,
    idempotent: false,
    open_world: true,
};

/// Shared by `reply`, `reply_all` and `forward`.
pub async fn respond(
    cx: &ToolContext<'_>,
    tool: &str,
    kind: Kind,
    message_id: &str,
    comment: &str,
    to: &[String],
) -> ToolResult<SendResult> {
    let id = message_id.trim();
    message_path(&crate::graph::GraphPath::me(), "message_id", id)?;
    if kind != Kind::Forward && comment.trim().is_empty() {
        return Err(ToolError::invalid_argument(
            "comment: the reply text is empty",
        ));
    }
    recipients("to", to)?;
    let key = idempotency_key(
        tool,
        cx.now_secs(),
        &json!({ "message_id": id, "comment": comment, "to": to }),
        &[],
    );
    let known: Vec<String> = to.iter().map(|a| a.trim().to_owned()).collect();
    let create = Box::pin(create(cx, kind, id, Some(comment), to, None));
    send_new(cx, &key, &known, create).await
}

#[derive(Debug, Default)]
pub struct ReplyTool;

impl ToolHandler for ReplyTool {
    type Args = Args;
    type Output = SendResult;

    const SPEC: ToolSpec = ToolSpec {
        name: "reply",
        title: "Reply to a message",
        description: "Reply to a message's sender and send at once (threaded, original quoted). Use reply_all to \
include all recipients; prefer create_reply_draft + send_draft when the user should review the text. \
Recipients may be limited to certain domains and sends per day capped. Repeating an identical call the same \
day does not send again. Example: {\"message_id\":\"AAMk...\",\"comment\":\"Thanks, confirmed for Tuesday.\"}",
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
                "reply",
                Kind::Reply,
                &args.message_id,
                &args.comment,
                &[],
            )
            .await
        })
    }
}
