//! `rename_mail_folder`: a mail folder's new name.
//!
//! Graph: `PATCH /me/mailFolders/{id}` with `{"displayName": name}` (mailfolder-update). Built-in
//! (well-known) folders are refused before any call.

use serde::Deserialize;
use serde_json::json;

use super::create_mail_folder::{folder_name, Folder};
use super::refuse_well_known;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{mailbox_root, resolve_folder, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The folder to rename: its display name or id.
    pub folder: String,
    /// The new name.
    pub new_name: String,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Default)]
pub struct RenameMailFolder;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Folder> {
    let new_name = folder_name("new_name", &args.new_name)?;
    refuse_well_known("folder", &args.folder, "rename")?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    let id = resolve_folder(cx, &root, &args.folder).await?;
    let path = root
        .segment("mailFolders")
        .id(&id)
        .map_err(|_| ToolError::invalid_argument("folder is not a valid folder id"))?;
    let updated = cx
        .send(&GraphRequest::patch(path, json!({ "displayName": new_name })))
        .await
        .map_err(|e| {
            if e.status == 409 || e.code == "ErrorFolderExists" {
                ToolError::new(format!(
                    "Another folder in the same place is already named {new_name:?}. Choose another name."
                ))
            } else {
                cx.graph_error(&e)
            }
        })?;
    let folder = Folder {
        id: str_field(&updated, "id").unwrap_or(id),
        name: str_field(&updated, "displayName").unwrap_or(new_name),
        parent_folder_id: str_field(&updated, "parentFolderId"),
    };
    let text = format!(
        "Renamed folder {:?} to {:?}. id: {}",
        args.folder.trim(),
        folder.name,
        folder.id
    );
    Ok(Reply::new(text, folder))
}

impl ToolHandler for RenameMailFolder {
    type Args = Args;
    type Output = Folder;

    const SPEC: ToolSpec = ToolSpec {
        name: "rename_mail_folder",
        title: "Rename a mail folder",
        description: "Rename a mail folder the user created, given by display name or id; its id and contents stay \
the same. Built-in folders (inbox, sent items, drafts, ...) cannot be renamed. To create a folder use \
create_mail_folder. Example: {\"folder\":\"Projects\",\"new_name\":\"Projects 2026\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
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
    ) -> LocalBoxFuture<'a, ToolResult<Folder>> {
        Box::pin(run(args, cx))
    }
}
