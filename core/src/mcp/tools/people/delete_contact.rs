//! `delete_contact`: removes one contact.
//!
//! Graph: `DELETE /me/contacts/{id}` (contact-delete), 204.

use serde::{Deserialize, Serialize};

use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{contact_not_found, contact_path};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The contact id from list_contacts or lookup_people.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    /// The id of the deleted contact.
    pub id: String,
    pub deleted: bool,
}

#[derive(Debug, Default)]
pub struct DeleteContact;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Deleted> {
    let path = contact_path(&args.id)?;
    cx.send(&GraphRequest::delete(path))
        .await
        .map_err(|e| contact_not_found(cx, &e))?;
    Ok(Reply::new(
        format!("Deleted the contact {}.", args.id.trim()),
        Deleted {
            id: args.id.trim().to_owned(),
            deleted: true,
        },
    ))
}

impl ToolHandler for DeleteContact {
    type Args = Args;
    type Output = Deleted;

    const SPEC: ToolSpec = ToolSpec {
        name: "delete_contact",
        title: "Delete a contact",
        description: "Delete one Outlook contact by id. Only when the user asked to remove that contact: \
confirm the right one with get_contact first (names repeat). It does not affect mail or the directory. \
Example: {\"id\":\"AAMkAG...\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            idempotent: true,
            open_world: true,
        },
        scopes: &["Contacts.ReadWrite"],
        safety: Safety::Delete,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Deleted>> {
        Box::pin(run(args, cx))
    }
}
