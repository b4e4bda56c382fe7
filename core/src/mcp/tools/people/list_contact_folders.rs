//! `list_contact_folders`: the folders inside the user's Contacts folder.
//!
//! Graph: `GET /me/contactFolders` (user-list-contactfolders: "the contact folder collection in
//! the default Contacts folder"). The default folder itself is not listed; it is always there.

use serde::Serialize;

use crate::graph::paging::PageLimits;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactFolder {
    /// Pass as `folder` to list_contacts or create_contact.
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactFolderList {
    /// Folders inside the main Contacts folder (which is not listed: omit `folder` to use it).
    pub folders: Vec<ContactFolder>,
}

#[derive(Debug, Default)]
pub struct ListContactFolders;

async fn run(cx: &ToolContext<'_>) -> ToolResult<ContactFolderList> {
    let request = GraphRequest::get(GraphPath::me().segment("contactFolders"))
        .select(&["id", "displayName"])
        .query("$top", "100");
    let listing = cx.list(&request, None, PageLimits::new(5, 500)).await?;
    let folders: Vec<ContactFolder> = listing
        .items
        .iter()
        .filter_map(|f| {
            Some(ContactFolder {
                id: str_field(f, "id")?,
                name: str_field(f, "displayName").unwrap_or_default(),
            })
        })
        .collect();
    let mut text = format!(
        "The main Contacts folder (the default; omit folder to use it) and {} folder(s) inside it:",
        folders.len()
    );
    for (i, f) in folders.iter().enumerate() {
        text.push_str(&format!("\n{}. {} · id: {}", i + 1, f.name, f.id));
    }
    Ok(Reply::new(text, ContactFolderList { folders }))
}

impl ToolHandler for ListContactFolders {
    type Args = NoArgs;
    type Output = ContactFolderList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_contact_folders",
        title: "List contact folders",
        description: "List the user's contact folders (inside the main Contacts folder) with their ids, to \
pass as `folder` to list_contacts or create_contact. The main Contacts folder is the default and is not \
listed. Takes no arguments.",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Contacts.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<ContactFolderList>> {
        Box::pin(run(cx))
    }
}
