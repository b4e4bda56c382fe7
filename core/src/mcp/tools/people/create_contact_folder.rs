//! `create_contact_folder`: a new contact folder, inside the main Contacts folder or inside
//! another folder.
//!
//! Graph: `POST /me/contactFolders` (user-post-contactfolders) or
//! `POST /me/contactFolders/{id}/childFolders` (contactfolder-post-childfolders). A duplicate
//! name is 409 `ErrorFolderExists`.

use serde::Deserialize;
use serde_json::json;

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::list_contact_folders::ContactFolder;
use super::resolve_contact_folder;

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The new folder's name.
    pub name: String,
    /// Create it inside this folder (name or id); default inside the main Contacts folder.
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Default)]
pub struct CreateContactFolder;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<ContactFolder> {
    let name = args.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(ToolError::invalid_argument(
            "name: give the folder's name (1-255 characters)",
        ));
    }
    let parent = resolve_contact_folder(cx, args.parent.as_deref().unwrap_or("")).await?;
    let path = match &parent {
        None => GraphPath::me().segment("contactFolders"),
        Some(id) => GraphPath::me()
            .segment("contactFolders")
            .id(id)
            .map_err(|_| ToolError::invalid_argument("parent is not a valid folder id"))?
            .segment("childFolders"),
    };
    let created = cx
        .send(&GraphRequest::post(path, json!({ "displayName": name })))
        .await
        .map_err(|e| match e.status {
            409 => ToolError::new(format!(
                "A contact folder named {name:?} already exists there. Call list_contact_folders to get its id \
                 and use it instead."
            )),
            404 if parent.is_some() => ToolError::new(
                "The parent folder was not found: call list_contact_folders for current ids.",
            ),
            _ => cx.graph_error(&e),
        })?;
    let folder = ContactFolder {
        id: str_field(&created, "id").unwrap_or_default(),
        name: str_field(&created, "displayName").unwrap_or_else(|| name.to_owned()),
    };
    Ok(Reply::new(
        format!(
            "Created the contact folder {} · id: {}",
            folder.name, folder.id
        ),
        folder,
    ))
}

impl ToolHandler for CreateContactFolder {
    type Args = Args;
    type Output = ContactFolder;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_contact_folder",
        title: "Create a contact folder",
        description: "Create a contact folder, by default inside the main Contacts folder, or inside another \
folder given by name or id. Fails if a folder of that name already exists there (then use the existing \
one from list_contact_folders). Returns the new folder's id for list_contacts / create_contact. Example: \
{\"name\":\"Suppliers\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Contacts.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<ContactFolder>> {
        Box::pin(run(args, cx))
    }
}
