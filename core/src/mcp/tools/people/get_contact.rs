//! `get_contact`: one contact with every field a model may need.
//!
//! Graph: `GET /me/contacts/{id}` (contact-get), which finds a contact in any folder.

use serde::Deserialize;

use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{contact_not_found, contact_path, Contact, CONTACT_FIELDS};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The contact id from list_contacts or lookup_people.
    pub id: String,
}

#[derive(Debug, Default)]
pub struct GetContact;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Contact> {
    let request = GraphRequest::get(contact_path(&args.id)?).select(CONTACT_FIELDS);
    let c = cx
        .send(&request)
        .await
        .map_err(|e| contact_not_found(cx, &e))?;
    let contact = Contact::from_graph(&c);
    Ok(Reply::new(contact.to_text(), contact))
}

impl ToolHandler for GetContact {
    type Args = Args;
    type Output = Contact;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_contact",
        title: "Get a contact",
        description: "Get one Outlook contact by id with all its details: name parts, email addresses, \
phones, company, job title, department, office, postal addresses, birthday, notes and categories. Use it \
after list_contacts or lookup_people when you need more than the address. Example: {\"id\":\"AAMkAG...\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Contacts.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Contact>> {
        Box::pin(run(args, cx))
    }
}
