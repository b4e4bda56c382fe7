//! `delete_mail_folder`: a folder the user created, with its contents, into Deleted Items.
//!
//! Graph: `GET /me/mailFolders/{id}` (name, counts and parent, to say what goes) with
//! `GET /me/mailFolders/deleteditems` in one `$batch`, then
//! `DELETE /me/mailFolders/{id}` (mailfolder-delete; the folder moves to Deleted Items). Built-in
//! folders are refused by name before any call, and by Graph's 403
//! `ErrorDeleteDistinguishedFolder` when given by id. A folder already in Deleted Items would be
//! removed for good, so that is refused unless the deployment allows permanent deletion.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{refuse_well_known, send_each};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{mailbox_root, resolve_folder, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The folder to delete: its display name or id.
    pub folder: String,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeletedFolder {
    pub id: String,
    pub name: String,
    /// Messages that went with it.
    pub message_count: u64,
    /// Subfolders that went with it.
    pub child_folder_count: u64,
}

#[derive(Debug, Default)]
pub struct DeleteMailFolder;

fn distinguished(folder: &str) -> ToolError {
    ToolError::new(format!(
        "{folder:?} is a built-in Outlook folder (inbox, drafts, sent items, ...), which cannot be deleted. \
         Only folders the user created can be deleted."
    ))
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<DeletedFolder> {
    refuse_well_known("folder", &args.folder, "delete")?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    let id = resolve_folder(cx, &root, &args.folder).await?;
    let path = root
        .clone()
        .segment("mailFolders")
        .id(&id)
        .map_err(|_| ToolError::invalid_argument("folder is not a valid folder id"))?;
    // The folder (name, counts, parent) and the Deleted Items id, in one $batch.
    let bin = root.segment("mailFolders").segment("deleteditems");
    let reads = vec![
        (
            "folder".to_owned(),
            GraphRequest::get(path.clone()).select(&[
                "id",
                "displayName",
                "parentFolderId",
                "totalItemCount",
                "childFolderCount",
            ]),
        ),
        ("bin".to_owned(), GraphRequest::get(bin).select(&["id"])),
    ];
    let mut info = Value::Null;
    let mut bin_id = None;
    for (key, result) in send_each(cx, reads).await? {
        match (key.as_str(), result) {
            ("folder", r) => info = r.map_err(|e| cx.graph_error(&e))?,
            (_, Ok(b)) => bin_id = str_field(&b, "id"),
            (_, Err(_)) => {}
        }
    }
    // Deleting a folder that is already in Deleted Items removes it from the mailbox.
    let in_bin = bin_id.is_some() && str_field(&info, "parentFolderId") == bin_id;
    if in_bin && !cx.deployment().permanent_delete {
        return Err(ToolError::new(format!(
            "{:?} is already in Deleted Items; deleting it there would remove it for good, which this server \
             does not allow. The user can empty Deleted Items in Outlook.",
            str_field(&info, "displayName").unwrap_or_else(|| args.folder.trim().to_owned())
        )));
    }
    cx.send(&GraphRequest::delete(path)).await.map_err(|e| {
        if e.code == "ErrorDeleteDistinguishedFolder" {
            distinguished(args.folder.trim())
        } else {
            cx.graph_error(&e)
        }
    })?;
    let count = |k: &str| info.get(k).and_then(Value::as_u64).unwrap_or(0);
    let deleted = DeletedFolder {
        id: str_field(&info, "id").unwrap_or(id),
        name: str_field(&info, "displayName").unwrap_or_else(|| args.folder.trim().to_owned()),
        message_count: count("totalItemCount"),
        child_folder_count: count("childFolderCount"),
    };
    let text = format!(
        "Deleted folder {:?} with {} message(s) and {} subfolder(s); {}. id: {}",
        deleted.name,
        deleted.message_count,
        deleted.child_folder_count,
        if in_bin {
            "it was in Deleted Items, so it is gone for good"
        } else {
            "Outlook keeps it in Deleted Items until that is emptied"
        },
        deleted.id
    );
    Ok(Reply::new(text, deleted))
}

impl ToolHandler for DeleteMailFolder {
    type Args = Args;
    type Output = DeletedFolder;

    const SPEC: ToolSpec = ToolSpec {
        name: "delete_mail_folder",
        title: "Delete a mail folder",
        description: "Delete a mail folder the user created (by display name or id) together with its messages and \
subfolders; Outlook moves it to Deleted Items. Built-in folders (inbox, drafts, sent items, archive, ...) are \
refused. To delete single messages use delete_message; to empty a folder into another use move_message. \
Example: {\"folder\":\"Old projects\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            // Where permanent deletion is allowed, a second call removes it from Deleted Items.
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
    ) -> LocalBoxFuture<'a, ToolResult<DeletedFolder>> {
        Box::pin(run(args, cx))
    }
}
