//! `add_attachment`: one file onto a draft, any size Graph allows.
//!
//! Graph: `POST /me/messages/{id}/attachments` (message-post-attachments) up to 3 MB; above,
//! `POST …/attachments/createUploadSession` (attachment-createuploadsession) and `PUT`s of the
//! content in ranges to the returned pre-authenticated `uploadUrl`.

use serde::{Deserialize, Serialize};

use crate::graph::LocalBoxFuture;
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::mailbox_root;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{attach, message_path, not_found, parse_data_uri, AttachedFile};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The draft's id.
    pub message_id: String,
    /// File name shown to recipients, e.g. "report.pdf".
    pub name: String,
    /// The content as a base64 data URI: "data:application/pdf;base64,JVBERi0x..." (up to about 12 MB per call).
    pub data: String,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Attached {
    pub message_id: String,
    pub attachment: AttachedFile,
}

#[derive(Debug, Default)]
pub struct AddAttachment;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Attached> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    message_path(&root, "message_id", &args.message_id)?;
    let file = parse_data_uri("data", &args.name, &args.data)?;
    let attachment = attach(cx, &root, args.message_id.trim(), &file)
        .await
        .map_err(|e| {
            if e.message.starts_with("Not found") {
                not_found(&args.message_id, "draft")
            } else {
                e
            }
        })?;
    let text = format!(
        "Attached {} ({} bytes{}) to draft {}.",
        attachment.name,
        attachment.size,
        if attachment.method == "upload_session" {
            ", uploaded in chunks"
        } else {
            ""
        },
        args.message_id.trim()
    );
    Ok(Reply::new(
        text,
        Attached {
            message_id: args.message_id.trim().to_owned(),
            attachment,
        },
    ))
}

impl ToolHandler for AddAttachment {
    type Args = Args;
    type Output = Attached;

    const SPEC: ToolSpec = ToolSpec {
        name: "add_attachment",
        title: "Attach a file to a draft",
        description: "Attach one file to an existing draft (from create_draft or a create_*_draft tool). The file \
is a base64 data URI of up to about 12 MB (one tool call carries at most 16 MB); files over 3 MB are uploaded in chunks. To attach files while creating a \
new draft, pass them to create_draft instead. Example: {\"message_id\":\"AAMk...\",\"name\":\"notes.txt\",\
\"data\":\"data:text/plain;base64,SGVsbG8=\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Attached>> {
        Box::pin(run(args, cx))
    }
}
