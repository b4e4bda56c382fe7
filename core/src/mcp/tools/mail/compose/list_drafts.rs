//! `list_drafts`: the Drafts folder, most recently changed first.
//!
//! Graph: `GET /me/mailFolders/drafts/messages` with `$select`, `$top` and
//! `$orderby=lastModifiedDateTime desc`. Under the `own-drafts` send policy each draft says
//! whether this server created it (only those can be sent with send_draft), from the user's store.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::graph::paging::PageLimits;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::{Safety, SendPolicy};
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{clip, mailbox_root, short_time, str_field, PREVIEW_CHARS};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{addresses, draft_key, mailbox_label};

/// Fields read per draft.
pub const FIELDS: &[&str] = &[
    "id",
    "subject",
    "toRecipients",
    "ccRecipients",
    "lastModifiedDateTime",
    "hasAttachments",
    "bodyPreview",
];

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Drafts per page, 1-50. Default 25.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 50)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor, to get the next page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DraftSummary {
    pub id: String,
    pub subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// Last change, ISO 8601 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub has_attachments: bool,
    pub preview: String,
    /// Under the own-drafts send policy: whether this server created the draft (only those can
    /// be sent with send_draft). Absent under other policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_here: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DraftList {
    pub drafts: Vec<DraftSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl DraftSummary {
    pub fn from_graph(m: &Value) -> Self {
        Self {
            id: str_field(m, "id").unwrap_or_default(),
            subject: str_field(m, "subject").unwrap_or_else(|| "(no subject)".into()),
            to: addresses(m, "toRecipients"),
            cc: addresses(m, "ccRecipients"),
            modified: str_field(m, "lastModifiedDateTime"),
            has_attachments: m
                .get("hasAttachments")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            preview: clip(
                &str_field(m, "bodyPreview").unwrap_or_default(),
                PREVIEW_CHARS,
            ),
            created_here: None,
        }
    }

    pub fn to_text(&self, n: usize) -> String {
        let mut head = format!("{n}. ");
        if let Some(t) = &self.modified {
            head.push_str(&short_time(t));
            head.push_str(" · ");
        }
        head.push_str(&self.subject);
        head.push_str(" · to: ");
        if self.to.is_empty() {
            head.push_str("(nobody yet)");
        } else {
            head.push_str(&self.to.join(", "));
        }
        if !self.cc.is_empty() {
            head.push_str(&format!(" · cc: {}", self.cc.join(", ")));
        }
        let mut marks = Vec::new();
        if self.has_attachments {
            marks.push("attachments");
        }
        match self.created_here {
            Some(true) => marks.push("created here"),
            Some(false) => marks.push("not created here: send_draft refuses it"),
            None => {}
        }
        if !marks.is_empty() {
            head.push_str(&format!(" [{}]", marks.join(", ")));
        }
        format!("{head}\n   {}\n   id: {}", self.preview, self.id)
    }
}

#[derive(Debug, Default)]
pub struct ListDrafts;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<DraftList> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let limit = args.limit.unwrap_or(25).clamp(1, 50) as usize;
    let request = GraphRequest::get(
        root.segment("mailFolders")
            .segment("drafts")
            .segment("messages"),
    )
    .select(FIELDS)
    .query("$top", limit.to_string())
    .query("$orderby", "lastModifiedDateTime desc");
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await?;
    let mut drafts: Vec<DraftSummary> =
        listing.items.iter().map(DraftSummary::from_graph).collect();
    let own_drafts = cx.deployment().send_policy == SendPolicy::OwnDrafts
        && mailbox_label(args.mailbox.as_deref()).is_none();
    if own_drafts {
        if let Ok(store) = cx.store() {
            for d in &mut drafts {
                let known = store.get(&draft_key(&d.id)).await.map_err(|_| {
                    ToolError::new("The per-user store could not be read. Try again.")
                })?;
                d.created_here = Some(known.is_some());
            }
        }
    }
    let next_cursor = listing.next.map(|c| c.encode());
    let mut text = format!("Drafts: {} draft(s)", drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        text.push('\n');
        text.push_str(&d.to_text(i + 1));
    }
    if let Some(c) = &next_cursor {
        text.push_str(&format!("\nMore drafts: call again with cursor \"{c}\"."));
    }
    Ok(Reply::new(
        text,
        DraftList {
            drafts,
            next_cursor,
        },
    ))
}

impl ToolHandler for ListDrafts {
    type Args = Args;
    type Output = DraftList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_drafts",
        title: "List draft emails",
        description: "List the drafts in the Drafts folder, most recently changed first: subject, recipients, a \
preview and the id to pass to update_draft, add_attachment, send_draft or delete_draft. Under the own-drafts \
send policy each draft says whether this server created it (only those can be sent). Example: {\"limit\":10}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<DraftList>> {
        Box::pin(run(args, cx))
    }
}
