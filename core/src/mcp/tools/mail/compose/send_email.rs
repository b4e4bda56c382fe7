//! `send_email`: composes and sends in one step (the `direct` send policy), under the recipient
//! allowlist and daily cap, and never twice for an identical call on the same UTC day.
//!
//! Graph: `POST /me/messages` (the draft, small attachments inline), attachments above 3 MB via
//! upload session, then `POST /me/messages/{id}/send` (see [`super::sending`] for why it goes
//! through a draft rather than `sendMail`).

use serde::Deserialize;
use serde_json::json;

use crate::graph::{GraphPath, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{ToolHandler, ToolResult, ToolSpec};

use super::create_draft::{create_with_attachments, NewMessage};
use super::sending::{idempotency_key, send_new, SendResult};
use super::{parse_attachments, AttachmentArg, BodyType, Importance};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Recipient addresses (at least one of to, cc, bcc).
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    pub subject: String,
    /// The message text (plain text, or HTML when body_type is html).
    pub body: String,
    /// Default text.
    #[serde(default)]
    pub body_type: BodyType,
    /// Default normal.
    #[serde(default)]
    pub importance: Option<Importance>,
    /// Files as base64 data URIs (all together up to about 12 MB per call).
    #[serde(default)]
    pub attachments: Vec<AttachmentArg>,
}

#[derive(Debug, Default)]
pub struct SendEmail;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<SendResult> {
    if args.to.is_empty() && args.cc.is_empty() && args.bcc.is_empty() {
        return Err(ToolError::invalid_argument(
            "to: at least one recipient address is needed",
        ));
    }
    let message = NewMessage::from_args(
        &args.to,
        &args.cc,
        &args.bcc,
        Some(&args.subject),
        Some(&args.body),
        args.body_type,
        args.importance,
    )?;
    let files = parse_attachments(&args.attachments)?;
    let fingerprint = json!({
        "message": message.to_graph(&[]),
        "attachments": files.iter().map(|f| (&f.name, &f.content_type)).collect::<Vec<_>>(),
    });
    let bytes: Vec<&[u8]> = files.iter().map(|f| f.bytes.as_slice()).collect();
    let key = idempotency_key("send_email", cx.now_secs(), &fingerprint, &bytes);
    let known: Vec<String> = args
        .to
        .iter()
        .chain(&args.cc)
        .chain(&args.bcc)
        .map(|a| a.trim().to_owned())
        .collect();
    let root = GraphPath::me();
    let create =
        Box::pin(async move { create_with_attachments(cx, &root, &message, &files).await });
    send_new(cx, &key, &known, create).await
}

impl ToolHandler for SendEmail {
    type Args = Args;
    type Output = SendResult;

    const SPEC: ToolSpec = ToolSpec {
        name: "send_email",
        title: "Send an email",
        description: "Compose and send a new email immediately (no draft review): recipients, subject, text or \
HTML body, importance, attachments as base64 data URIs. Prefer create_draft + send_draft when the user should \
review it; to answer a message use reply or reply_all (threaded). Recipients may be limited to certain domains \
and sends per day capped. Repeating an identical call the same day does not send again. Example: \
{\"to\":[\"megan@contoso.com\"],\"subject\":\"Lunch\",\"body\":\"12:30 at the usual place?\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Mail.Send", "Mail.ReadWrite"],
        safety: Safety::SendDirect,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<SendResult>> {
        Box::pin(run(args, cx))
    }
}
