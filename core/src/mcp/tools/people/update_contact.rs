//! `update_contact`: change some fields of a contact; others stay as they are.
//!
//! Graph: `PATCH /me/contacts/{id}` (contact-update). Lists (emails, business phones) are
//! replaced as a whole.

use serde::Deserialize;

use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{contact_not_found, contact_path, Contact};

super::contact_args! {
    #[derive(Debug, Deserialize)]
    #[cfg_attr(test, derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Args {
        /// The contact id from list_contacts or lookup_people.
        pub id: String,
    }
}

#[derive(Debug, Default)]
pub struct UpdateContact;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Contact> {
    if args.fields().is_empty() {
        return Err(ToolError::invalid_argument(
            "give at least one field to change (e.g. emails, mobile_phone, job_title)",
        ));
    }
    let body = args.fields().to_body()?;
    let path = contact_path(&args.id)?;
    // PATCH answers with the updated contact (contact-update), so no second read.
    let c = cx
        .send(&GraphRequest::patch(path, body))
        .await
        .map_err(|e| contact_not_found(cx, &e))?;
    let contact = Contact::from_graph(&c);
    Ok(Reply::new(
        format!("Updated the contact.\n{}", contact.to_text()),
        contact,
    ))
}

impl ToolHandler for UpdateContact {
    type Args = Args;
    type Output = Contact;

    const SPEC: ToolSpec = ToolSpec {
        name: "update_contact",
        title: "Update a contact",
        description: "Change fields of an existing Outlook contact by id; fields you omit stay unchanged, an \
empty string clears a field, and emails / business_phones replace the whole list (include the ones to \
keep: read them with get_contact first). Returns the updated contact. Example: \
{\"id\":\"AAMkAG...\",\"job_title\":\"Head of Sales\",\"mobile_phone\":\"+1 206 555 0100\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: true,
            open_world: true,
        },
        scopes: &["Contacts.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Contact>> {
        Box::pin(run(args, cx))
    }
}
