//! Mail tools and what they share: which mailbox (`/me` or a shared `/users/{upn}`), folder
//! names, and the compact message summary every listing returns.

pub mod compose;
pub mod organize;
pub mod read;

use serde::Serialize;
use serde_json::Value;

use crate::graph::{GraphPath, GraphRequest};
use crate::mcp::tool::Tool;

/// The mail tools, in listing order.
pub fn all() -> Vec<Box<dyn Tool>> {
    let mut tools = read::all();
    tools.extend(compose::all());
    tools.extend(organize::all());
    tools
}

#[cfg(test)]
pub fn generated_schemas() -> Vec<(&'static str, serde_json::Value, serde_json::Value)> {
    let mut all = read::generated_schemas();
    all.extend(compose::generated_schemas());
    all.extend(organize::generated_schemas());
    all
}
use crate::mcp::tool::{ToolContext, ToolError};

/// The mailbox a call reads or writes: the user's own, or a shared or delegated mailbox named
/// by user principal name (needs the `.Shared` permission).
pub fn mailbox_root(mailbox: Option<&str>) -> Result<GraphPath, ToolError> {
    match mailbox.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(GraphPath::me()),
        Some(m) if m.eq_ignore_ascii_case("me") => Ok(GraphPath::me()),
        Some(m) => {
            if !m.contains('@') || m.len() > 320 {
                return Err(ToolError::invalid_argument(
                    "mailbox must be the shared mailbox's address (user principal name), e.g. support@contoso.com",
                ));
            }
            GraphPath::user(m)
                .map_err(|_| ToolError::invalid_argument("mailbox is not a valid address"))
        }
    }
}

/// Well-known folder names Graph accepts in place of an id, with the spellings people use.
const WELL_KNOWN: &[(&str, &str)] = &[
    ("inbox", "inbox"),
    ("drafts", "drafts"),
    ("draft", "drafts"),
    ("sentitems", "sentitems"),
    ("sent", "sentitems"),
    ("sent items", "sentitems"),
    ("sent mail", "sentitems"),
    ("deleteditems", "deleteditems"),
    ("deleted", "deleteditems"),
    ("deleted items", "deleteditems"),
    ("trash", "deleteditems"),
    ("junkemail", "junkemail"),
    ("junk", "junkemail"),
    ("junk email", "junkemail"),
    ("spam", "junkemail"),
    ("archive", "archive"),
    ("outbox", "outbox"),
    ("msgfolderroot", "msgfolderroot"),
    ("root", "msgfolderroot"),
    ("clutter", "clutter"),
    ("conversationhistory", "conversationhistory"),
    ("scheduled", "scheduled"),
    ("searchfolders", "searchfolders"),
];

/// A well-known folder's Graph name, if `name` is one.
pub fn well_known_folder(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    WELL_KNOWN
        .iter()
        .find(|(k, _)| *k == lower)
        .map(|(_, v)| *v)
}

/// Whether `s` looks like a Graph id rather than a display name (ids are long base64).
pub fn looks_like_id(s: &str) -> bool {
    s.len() >= 40 && !s.contains(' ')
}

/// Resolves a folder given by well-known name, id, display name or path ("Inbox/Projects") to
/// the path segment Graph takes (`inbox` or an id). Names are matched case-insensitively: one
/// filtered read for a top-level folder, else the folder tree.
pub async fn resolve_folder(
    cx: &ToolContext<'_>,
    root: &GraphPath,
    folder: &str,
) -> Result<String, ToolError> {
    if let Some(w) = well_known_folder(folder) {
        return Ok(w.to_owned());
    }
    if looks_like_id(folder) {
        return Ok(folder.to_owned());
    }
    let wanted = folder.trim();
    let escaped = wanted.replace('\'', "''");
    let top = GraphRequest::get(root.clone().segment("mailFolders"))
        .select(&["id", "displayName"])
        .query("$filter", format!("displayName eq '{escaped}'"))
        .query("$top", "5");
    let found = cx.call(&top).await?;
    if let Some(id) = first_id(&found) {
        return Ok(id);
    }
    // Deeper folders, or a path such as "Inbox/Projects/Alpha": read the tree.
    let tree = read::list_mail_folders::folder_tree(cx, root).await?;
    let matches: Vec<_> = tree
        .folders
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case(wanted) || f.path.eq_ignore_ascii_case(wanted))
        .collect();
    match matches.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(ToolError::new(format!(
            "No mail folder is named {wanted:?}. Call list_mail_folders to see the folder names and ids, \
             or use a well-known name: inbox, drafts, sentitems, deleteditems, archive, junkemail."
        ))),
        several => Err(ToolError::new(format!(
            "Several mail folders are named {wanted:?}: {}. Pass the full path (e.g. \"{}\") or the folder id.",
            several.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", "),
            several[0].path
        ))),
    }
}

fn first_id(collection: &Value) -> Option<String> {
    items(collection)
        .first()
        .and_then(|f| f.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The `value` array of a Graph collection.
pub fn items(collection: &Value) -> &[Value] {
    collection
        .get("value")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A string field, empty strings as absent.
pub fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A person on a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Person {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub address: String,
}

impl Person {
    /// From Graph's `recipient` (`{"emailAddress":{"name","address"}}`).
    pub fn from_recipient(v: &Value) -> Option<Self> {
        let e = v.get("emailAddress")?;
        Some(Self {
            name: str_field(e, "name"),
            address: str_field(e, "address")?,
        })
    }

    /// `Name <address>`, or the address alone.
    pub fn display(&self) -> String {
        match &self.name {
            Some(n) if !n.eq_ignore_ascii_case(&self.address) => format!("{n} <{}>", self.address),
            _ => self.address.clone(),
        }
    }

    /// Graph's `recipient` shape.
    pub fn to_recipient(address: &str) -> Value {
        serde_json::json!({ "emailAddress": { "address": address.trim() } })
    }
}

/// Recipients of a list field (`toRecipients`, …).
pub fn people(v: &Value, key: &str) -> Vec<Person> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Person::from_recipient).collect())
        .unwrap_or_default()
}

/// Fields a message summary reads.
pub const SUMMARY_FIELDS: &[&str] = &[
    "id",
    "subject",
    "from",
    "receivedDateTime",
    "isRead",
    "isDraft",
    "hasAttachments",
    "importance",
    "flag",
    "categories",
    "bodyPreview",
    "conversationId",
];

/// Longest preview kept in a summary.
pub const PREVIEW_CHARS: usize = 140;

/// One message in a listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageSummary {
    /// Immutable id: pass it to get_message and the other message tools.
    pub id: String,
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Person>,
    /// ISO 8601, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    pub is_read: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_draft: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub has_attachments: bool,
    /// Only when not "normal".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance: Option<String>,
    /// "flagged" or "complete"; absent when not flagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The start of the body, as plain text.
    pub preview: String,
    pub conversation_id: String,
}

/// Cuts `s` to `max` characters with an ellipsis, whitespace collapsed.
pub fn clip(s: &str, max: usize) -> String {
    let collapsed: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let mut out: String = collapsed.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `2026-05-30T14:02:11Z` → `2026-05-30 14:02 UTC`.
pub fn short_time(iso: &str) -> String {
    let t = iso.trim_end_matches('Z');
    match (t.get(..10), t.get(11..16)) {
        (Some(d), Some(hm)) => format!("{d} {hm} UTC"),
        _ => iso.to_owned(),
    }
}

impl MessageSummary {
    pub fn from_graph(m: &Value) -> Self {
        let flag = m
            .get("flag")
            .and_then(|f| f.get("flagStatus"))
            .and_then(Value::as_str)
            .filter(|s| *s != "notFlagged")
            .map(str::to_owned);
        Self {
            id: str_field(m, "id").unwrap_or_default(),
            subject: str_field(m, "subject").unwrap_or_else(|| "(no subject)".into()),
            from: m.get("from").and_then(Person::from_recipient),
            received: str_field(m, "receivedDateTime"),
            is_read: m.get("isRead").and_then(Value::as_bool).unwrap_or(true),
            is_draft: m.get("isDraft").and_then(Value::as_bool).unwrap_or(false),
            has_attachments: m
                .get("hasAttachments")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            importance: str_field(m, "importance").filter(|i| i != "normal"),
            flag,
            categories: m
                .get("categories")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            preview: clip(
                &str_field(m, "bodyPreview").unwrap_or_default(),
                PREVIEW_CHARS,
            ),
            conversation_id: str_field(m, "conversationId").unwrap_or_default(),
        }
    }

    /// Two lines: the header line, then the preview and id.
    pub fn to_text(&self, n: usize) -> String {
        let mut head = format!("{n}. ");
        if let Some(r) = &self.received {
            head.push_str(&short_time(r));
            head.push_str(" · ");
        }
        match &self.from {
            Some(p) => head.push_str(&p.display()),
            None => head.push_str("(no sender)"),
        }
        head.push_str(" · ");
        head.push_str(&self.subject);
        let mut marks = Vec::new();
        if !self.is_read {
            marks.push("unread".to_owned());
        }
        if self.is_draft {
            marks.push("draft".to_owned());
        }
        if self.has_attachments {
            marks.push("attachments".to_owned());
        }
        if let Some(i) = &self.importance {
            marks.push(format!("{i} importance"));
        }
        if let Some(f) = &self.flag {
            marks.push(f.clone());
        }
        if !self.categories.is_empty() {
            marks.push(format!("categories: {}", self.categories.join(", ")));
        }
        if !marks.is_empty() {
            head.push_str(" [");
            head.push_str(&marks.join(", "));
            head.push(']');
        }
        format!("{head}\n   {}\n   id: {}", self.preview, self.id)
    }
}

/// A listing's text: one entry per message, then how to continue.
pub fn listing_text(title: &str, messages: &[MessageSummary], next_cursor: Option<&str>) -> String {
    let mut out = format!("{title}: {} message(s)", messages.len());
    for (i, m) in messages.iter().enumerate() {
        out.push('\n');
        out.push_str(&m.to_text(i + 1));
    }
    if let Some(c) = next_cursor {
        out.push_str(&format!("\nMore messages: call again with cursor \"{c}\"."));
    }
    out
}
