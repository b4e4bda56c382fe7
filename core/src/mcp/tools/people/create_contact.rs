//! `create_contact`: a new Outlook contact in the default Contacts folder or another folder.
//!
//! Graph: `POST /me/contacts` or `/me/contactFolders/{id}/contacts` (user-post-contacts,
//! contactfolder-post-contacts). Outlook builds displayName from the name parts when it is not
//! given.

use serde::Deserialize;

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{resolve_contact_folder, Contact};

super::contact_args! {
    #[derive(Debug, Deserialize)]
    #[cfg_attr(test, derive(schemars::JsonSchema))]
    #[serde(deny_unknown_fields)]
    pub struct Args {
        /// Contact folder name or id; default the main Contacts folder.
        #[serde(default)]
        pub folder: Option<String>,
    }
}

#[derive(Debug, Default)]
pub struct CreateContact;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Contact> {
    let f = &args.fields();
    let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !(has(&f.given_name)
        || has(&f.surname)
        || has(&f.display_name)
        || has(&f.company)
        || f.emails.as_ref().is_some_and(|e| !e.is_empty()))
    {
        return Err(ToolError::invalid_argument(
            "give at least a name (given_name, surname or display_name), a company or an email address",
        ));
    }
    let body = f.to_body()?;
    let folder = resolve_contact_folder(cx, args.folder.as_deref().unwrap_or("")).await?;
    let path = match &folder {
        None => GraphPath::me().segment("contacts"),
        Some(id) => GraphPath::me()
            .segment("contactFolders")
            .id(id)
            .map_err(|_| ToolError::invalid_argument("folder is not a valid folder id"))?
            .segment("contacts"),
    };
    let created = cx.call(&GraphRequest::post(path, body)).await?;
    let contact = Contact::from_graph(&created);
    Ok(Reply::new(
        format!("Created the contact.\n{}", contact.to_text()),
        contact,
    ))
}

impl ToolHandler for CreateContact {
    type Args = Args;
    type Output = Contact;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_contact",
        title: "Create a contact",
        description: "Create an Outlook contact (default in the main Contacts folder) with name, up to 3 \
email addresses, phones, company, job title, department, birthday and notes. Check with lookup_people or \
list_contacts first that the person is not already a contact; to change an existing one use \
update_contact. Returns the new contact with its id. Example: {\"given_name\":\"Ana\",\"surname\":\"Lopez\",\
\"emails\":[{\"address\":\"ana.lopez@fabrikam.com\"}],\"company\":\"Fabrikam\"}",
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
    ) -> LocalBoxFuture<'a, ToolResult<Contact>> {
        Box::pin(run(args, cx))
    }
}
