//! `list_attachments`: a message's attachments (names, sizes, types, ids), no content.
//!
//! Graph: `GET /me/messages/{id}/attachments?$select=id,name,contentType,size,isInline`
//! (`@odata.type` tells files, attached Outlook items and cloud links apart).

use serde::{Deserialize, Serialize};

use super::{message_path, AttachmentInfo, ATTACHMENT_FIELDS};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{items, mailbox_root};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The message id.
    pub message_id: String,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttachmentList {
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Default)]
pub struct ListAttachments;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<AttachmentList> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let path = message_path(&root, "message_id", &args.message_id)?.segment("attachments");
    let answer = cx
        .call(&GraphRequest::get(path).select(ATTACHMENT_FIELDS))
        .await?;
    let attachments: Vec<AttachmentInfo> = items(&answer)
        .iter()
        .map(AttachmentInfo::from_graph)
        .collect();
    let mut text = format!("{} attachment(s)", attachments.len());
    for a in &attachments {
        text.push_str("\n- ");
        text.push_str(&a.to_text());
    }
    if !attachments.is_empty() {
        text.push_str("\nRead one with get_attachment (message_id and the attachment id).");
    }
    Ok(Reply::new(text, AttachmentList { attachments }))
}

impl ToolHandler for ListAttachments {
    type Args = Args;
    type Output = AttachmentList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_attachments",
        title: "List a message's attachments",
        description: "List the attachments of one message: name, size, media type, kind (file, attached \
Outlook item, or cloud link), whether it is an inline image, and the attachment id. No content: read one \
with get_attachment. get_message already lists attachments, so call this only when you need just the list. \
Example: {\"message_id\":\"AAMkAD...\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<AttachmentList>> {
        Box::pin(run(args, cx))
    }
}
