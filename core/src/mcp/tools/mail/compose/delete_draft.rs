//! `delete_draft`: deletes a draft, and nothing else.
//!
//! Graph: one `$batch` reading the message (`id,isDraft,subject,parentFolderId`) and the Deleted
//! Items folder id (a received or sent message is refused: deleting those is `delete_message`, a
//! Delete-class tool the deployment may not offer; a draft already in Deleted Items is left
//! there, so this tool never deletes anything for good), then `DELETE /me/messages/{id}`
//! (message-delete), which moves it to Deleted Items. The store's record of the draft is removed.

use serde::{Deserialize, Serialize};

use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::mailbox_root;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{draft_key, draft_state, message_path, not_found, DraftState};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The draft's id.
    pub message_id: String,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    pub id: String,
    pub subject: String,
}

#[derive(Debug, Default)]
pub struct DeleteDraft;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Deleted> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let id = args.message_id.trim();
    let path = message_path(&root, "message_id", id)?;
    let subject = match draft_state(cx, &root, &path).await? {
        DraftState::Missing => return Err(not_found(id, "draft")),
        DraftState::NotDraft(subject) => {
            return Err(ToolError::new(format!(
                "Message {id} ({subject:?}) is not a draft; delete_draft only deletes drafts. Nothing was deleted."
            )))
        }
        DraftState::Deleted(subject) => {
            return Ok(Reply::new(
                format!("Draft {subject:?} (id: {id}) was already deleted (it is in Deleted Items); nothing more was done."),
                Deleted {
                    id: id.to_owned(),
                    subject,
                },
            ))
        }
        DraftState::Draft(subject) => subject,
    };
    match cx.send(&GraphRequest::delete(path)).await {
        Ok(_) => {}
        Err(e) if e.status == 404 => return Err(not_found(id, "draft")),
        Err(e) => return Err(cx.graph_error(&e)),
    }
    if let Ok(store) = cx.store() {
        let _ = store.delete(&draft_key(id)).await;
    }
    Ok(Reply::new(
        format!("Deleted draft {subject:?} (id: {id}); it is in Deleted Items."),
        Deleted {
            id: id.to_owned(),
            subject,
        },
    ))
}

impl ToolHandler for DeleteDraft {
    type Args = Args;
    type Output = Deleted;

    const SPEC: ToolSpec = ToolSpec {
        name: "delete_draft",
        title: "Delete a draft",
        description: "Delete a draft email (for example one the user decided not to send). Only drafts: a \
received or sent message is refused (deleting other mail is delete_message, where this server offers it). \
Get ids from list_drafts or the tool that created the draft; to change a draft instead use update_draft. \
Example: {\"message_id\":\"AAMk...\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            idempotent: true,
            open_world: true,
        },
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Deleted>> {
        Box::pin(run(args, cx))
    }
}
