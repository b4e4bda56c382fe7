//! `list_contacts`: the user's Outlook contacts (default folder or another), optionally only
//! those whose name starts with a word or who have an exact address, with paging.
//!
//! Graph: `GET /me/contacts` or `/me/contactFolders/{id}/contacts` (user-list-contacts,
//! contactfolder-list-contacts). Contacts do not support `$search`, so the search is a
//! `$filter`: `startswith` on displayName, givenName and surname, or `emailAddresses/any(...)`
//! for an address.

use serde::{Deserialize, Serialize};

use crate::graph::paging::PageLimits;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::read::list_messages::odata_string;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{resolve_contact_folder, ContactSummary, CONTACT_SUMMARY_FIELDS};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Contact folder name or id (from list_contact_folders). Default the main Contacts folder.
    #[serde(default)]
    pub folder: Option<String>,
    /// Only contacts whose first name, last name or display name starts with this text, or,
    /// when it is an email address, contacts with exactly that address.
    #[serde(default)]
    pub search: Option<String>,
    /// Contacts per page, 1-100. Default 25.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 100)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor (pass the other arguments unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactList {
    pub contacts: Vec<ContactSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default)]
pub struct ListContacts;

/// The `$filter` for a search text.
pub fn search_filter(search: &str) -> Result<Option<String>, ToolError> {
    let s = search.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > 100 {
        return Err(ToolError::invalid_argument(
            "search: at most 100 characters (a name or an email address)",
        ));
    }
    if s.contains('@') {
        return Ok(Some(format!(
            "emailAddresses/any(a:a/address eq {})",
            odata_string(s)
        )));
    }
    let lit = odata_string(s);
    Ok(Some(format!(
        "startswith(displayName,{lit}) or startswith(givenName,{lit}) or startswith(surname,{lit})"
    )))
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<ContactList> {
    let limit = args.limit.unwrap_or(25).clamp(1, 100) as usize;
    let filter = search_filter(args.search.as_deref().unwrap_or(""))?;
    let folder = resolve_contact_folder(cx, args.folder.as_deref().unwrap_or("")).await?;
    let path = match &folder {
        None => GraphPath::me().segment("contacts"),
        Some(id) => GraphPath::me()
            .segment("contactFolders")
            .id(id)
            .map_err(|_| ToolError::invalid_argument("folder is not a valid folder id"))?
            .segment("contacts"),
    };
    let mut request = GraphRequest::get(path)
        .select(CONTACT_SUMMARY_FIELDS)
        .query("$top", limit.to_string());
    request = match filter {
        Some(f) => request.query("$filter", f),
        None => request.query("$orderby", "displayName"),
    };
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await
        .map_err(|e| {
            if e.message.starts_with("Not found") && folder.is_some() {
                ToolError::new(
                    "No contact folder has this id: call list_contact_folders for current ids.",
                )
            } else {
                e
            }
        })?;
    let contacts: Vec<ContactSummary> = listing
        .items
        .iter()
        .map(ContactSummary::from_graph)
        .collect();
    let next_cursor = listing.next.map(|c| c.encode());
    let where_ = args.folder.as_deref().unwrap_or("Contacts");
    let mut text = match &args.search {
        Some(s) => format!("{} contact(s) in {where_} matching {s:?}", contacts.len()),
        None => format!("{} contact(s) in {where_}", contacts.len()),
    };
    for (i, c) in contacts.iter().enumerate() {
        text.push('\n');
        text.push_str(&c.to_text(i + 1));
    }
    if contacts.is_empty() && args.search.is_some() {
        text.push_str(
            "\nThe search matches the start of a name or an exact address; for partial or misspelled \
             names use lookup_people.",
        );
    }
    if let Some(c) = &next_cursor {
        text.push_str(&format!("\nMore contacts: call again with cursor \"{c}\"."));
    }
    Ok(Reply::new(
        text,
        ContactList {
            contacts,
            next_cursor,
        },
    ))
}

impl ToolHandler for ListContacts {
    type Args = Args;
    type Output = ContactList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_contacts",
        title: "List contacts",
        description: "List the user's Outlook contacts (default the main Contacts folder, or another folder \
by name or id) with name, email addresses, company, job title, phones and id. `search` keeps contacts whose \
first, last or display name starts with the text, or who have exactly that email address. To find someone's \
address from a partial or misspelled name use lookup_people instead (it also covers colleagues and \
correspondents). Example: {\"search\":\"Bow\",\"limit\":10}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Contacts.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<ContactList>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        assert_eq!(
            search_filter("O'Brien").unwrap().unwrap(),
            "startswith(displayName,'O''Brien') or startswith(givenName,'O''Brien') or startswith(surname,'O''Brien')"
        );
        assert_eq!(
            search_filter(" ana@x.example ").unwrap().unwrap(),
            "emailAddresses/any(a:a/address eq 'ana@x.example')"
        );
        assert_eq!(search_filter("  ").unwrap(), None);
        assert!(search_filter(&"x".repeat(101)).is_err());
    }
}
