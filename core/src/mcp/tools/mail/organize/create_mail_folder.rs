//! `create_mail_folder`: a new mail folder, top level or under a parent.
//!
//! Graph: `POST /me/mailFolders` (user-post-mailfolders) or
//! `POST /me/mailFolders/{parent}/childFolders` (mailfolder-post-childfolders) with
//! `{"displayName": name}`; a sibling with the same name is 409 `ErrorFolderExists`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{mailbox_root, resolve_folder, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The new folder's name.
    pub name: String,
    /// Parent folder (well-known name such as inbox, display name or id); omit for a top-level
    /// folder.
    #[serde(default)]
    pub parent_folder: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

/// A mail folder a tool created or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    /// Folder id: pass it as folder to move_message, list_messages and the folder tools.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_folder_id: Option<String>,
}

/// Checks a folder name argument.
pub fn folder_name(field: &str, name: &str) -> Result<String, ToolError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(ToolError::invalid_argument(format!(
            "{field}: give the folder a name"
        )));
    }
    if n.chars().count() > 255 {
        return Err(ToolError::invalid_argument(format!(
            "{field}: at most 255 characters"
        )));
    }
    Ok(n.to_owned())
}

#[derive(Debug, Default)]
pub struct CreateMailFolder;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Folder> {
    let name = folder_name("name", &args.name)?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    let parent = match args
        .parent_folder
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(resolve_folder(cx, &root, p).await?),
        None => None,
    };
    let path = match &parent {
        Some(p) => root
            .segment("mailFolders")
            .id(p)
            .map_err(|_| ToolError::invalid_argument("parent_folder is not a valid folder id"))?
            .segment("childFolders"),
        None => root.segment("mailFolders"),
    };
    let created = cx
        .send(&GraphRequest::post(path, json!({ "displayName": name })))
        .await
        .map_err(|e| {
            if e.status == 409 || e.code == "ErrorFolderExists" {
                ToolError::new(format!(
                    "A folder named {name:?} already exists {}. Use that folder (list_mail_folders shows its id) \
                     or choose another name.",
                    match &args.parent_folder {
                        Some(p) => format!("in {:?}", p.trim()),
                        None => "at the top level".to_owned(),
                    }
                ))
            } else {
                cx.graph_error(&e)
            }
        })?;
    let folder = Folder {
        id: str_field(&created, "id").unwrap_or_default(),
        name: str_field(&created, "displayName").unwrap_or(name),
        parent_folder_id: str_field(&created, "parentFolderId"),
    };
    let text = format!(
        "Created folder {:?}{}. id: {}",
        folder.name,
        match &args.parent_folder {
            Some(p) => format!(" in {:?}", p.trim()),
            None => String::new(),
        },
        folder.id
    );
    Ok(Reply::new(text, folder))
}

impl ToolHandler for CreateMailFolder {
    type Args = Args;
    type Output = Folder;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_mail_folder",
        title: "Create a mail folder",
        description: "Create a mail folder at the top level or inside a parent folder (well-known name, display \
name or id) and return its id, e.g. before moving messages into it with move_message. Fails with a clear \
message if a folder of that name already exists there. Example: \
{\"name\":\"Invoices 2026\",\"parent_folder\":\"inbox\"}",
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
    ) -> LocalBoxFuture<'a, ToolResult<Folder>> {
        Box::pin(run(args, cx))
    }
}
