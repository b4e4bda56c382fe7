//! `list_mail_folders`: the whole folder tree with unread and total counts.
//!
//! Graph: `GET /me/mailFolders` (top level, every page followed), then each level's
//! `childFolders` for the folders that have children, up to 20 parents per `$batch`, until the
//! tree is complete or [`MAX_FOLDERS`] are listed. `$select` is the fields shown.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::graph::batch::Batch;
use crate::graph::paging::PageLimits;
use crate::graph::request::MAX_BATCH_REQUESTS;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{items, mailbox_root, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// Most folders listed (a larger tree is cut, and says so).
pub const MAX_FOLDERS: usize = 500;
/// Deepest level read (0 is the top).
const MAX_DEPTH: usize = 8;

const FOLDER_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "parentFolderId",
    "childFolderCount",
    "unreadItemCount",
    "totalItemCount",
];

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FolderInfo {
    /// Pass as `folder` to list_messages and other tools.
    pub id: String,
    pub name: String,
    /// Names from the top, joined by "/", e.g. "Inbox/Projects".
    pub path: String,
    /// 0 for a top-level folder.
    pub depth: usize,
    pub unread: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FolderTree {
    /// Depth-first: each folder is followed by its subfolders.
    pub folders: Vec<FolderInfo>,
    /// The tree was larger than what is listed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Debug, Default)]
pub struct ListMailFolders;

/// A folder as read from Graph, before ordering.
#[derive(Debug, Clone)]
struct Raw {
    info: FolderInfo,
    parent: Option<usize>,
    children: usize,
}

fn raw(v: &Value, parent: Option<(usize, &FolderInfo)>) -> Raw {
    let name = str_field(v, "displayName").unwrap_or_else(|| "(unnamed)".into());
    let (path, depth) = match parent {
        Some((_, p)) => (format!("{}/{name}", p.path), p.depth + 1),
        None => (name.clone(), 0),
    };
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    Raw {
        info: FolderInfo {
            id: str_field(v, "id").unwrap_or_default(),
            name,
            path,
            depth,
            unread: n("unreadItemCount"),
            total: n("totalItemCount"),
        },
        parent: parent.map(|(i, _)| i),
        children: n("childFolderCount") as usize,
    }
}

/// Depth-first order: each folder followed by its children, in Graph's order.
fn depth_first(all: &[Raw]) -> Vec<FolderInfo> {
    fn visit(all: &[Raw], parent: Option<usize>, out: &mut Vec<FolderInfo>) {
        for (i, f) in all.iter().enumerate() {
            if f.parent == parent {
                out.push(f.info.clone());
                visit(all, Some(i), out);
            }
        }
    }
    let mut out = Vec::with_capacity(all.len());
    visit(all, None, &mut out);
    out
}

/// The text a model reads: an indented tree.
pub fn tree_text(t: &FolderTree) -> String {
    let mut out = format!("{} mail folder(s) (unread/total):", t.folders.len());
    for f in &t.folders {
        out.push_str(&format!(
            "\n{}- {} ({}/{}) id: {}",
            "  ".repeat(f.depth),
            f.name,
            f.unread,
            f.total,
            f.id
        ));
    }
    if t.truncated {
        out.push_str(&format!(
            "\nThe tree has more folders than the {MAX_FOLDERS} listed."
        ));
    }
    out
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<FolderTree> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let tree = folder_tree(cx, &root).await?;
    Ok(Reply::new(tree_text(&tree), tree))
}

/// The mailbox's whole folder tree (up to [`MAX_FOLDERS`]): the top level, then each level's
/// children in `$batch`es of 20.
pub async fn folder_tree(
    cx: &ToolContext<'_>,
    root: &crate::graph::GraphPath,
) -> Result<FolderTree, ToolError> {
    let top = GraphRequest::get(root.clone().segment("mailFolders"))
        .select(FOLDER_FIELDS)
        .query("$top", "100");
    let listing = cx
        .list(&top, None, PageLimits::new(MAX_FOLDERS / 100, MAX_FOLDERS))
        .await?;
    let mut truncated = listing.next.is_some();
    let mut all: Vec<Raw> = listing.items.iter().map(|v| raw(v, None)).collect();
    let mut level: Vec<usize> = (0..all.len()).collect();
    for _ in 0..MAX_DEPTH {
        let parents: Vec<usize> = level
            .iter()
            .copied()
            .filter(|&i| all[i].children > 0)
            .collect();
        if parents.is_empty() {
            break;
        }
        let mut next_level = Vec::new();
        for group in parents.chunks(MAX_BATCH_REQUESTS) {
            if all.len() >= MAX_FOLDERS {
                truncated = true;
                break;
            }
            let mut batch = Batch::new();
            for &i in group {
                let path = root
                    .clone()
                    .segment("mailFolders")
                    .id(&all[i].info.id)
                    .map_err(|_| ToolError::new("Graph returned an unusable folder id."))?
                    .segment("childFolders");
                batch = batch
                    .add(
                        &i.to_string(),
                        &GraphRequest::get(path)
                            .select(FOLDER_FIELDS)
                            .query("$top", "100"),
                    )
                    .map_err(|_| ToolError::new("The request could not be built."))?;
            }
            let reply = cx
                .send_batch(&batch)
                .await
                .map_err(|e| cx.graph_error(&e))?;
            for &i in group {
                let page = reply
                    .result(&i.to_string())
                    .map_err(|e| cx.graph_error(&e))?;
                if page.get("@odata.nextLink").is_some() {
                    truncated = true;
                }
                for child in items(&page) {
                    if all.len() >= MAX_FOLDERS {
                        truncated = true;
                        break;
                    }
                    let parent_info = all[i].info.clone();
                    all.push(raw(child, Some((i, &parent_info))));
                    next_level.push(all.len() - 1);
                }
            }
        }
        level = next_level;
    }
    Ok(FolderTree {
        folders: depth_first(&all),
        truncated,
    })
}

impl ToolHandler for ListMailFolders {
    type Args = Args;
    type Output = FolderTree;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_mail_folders",
        title: "List mail folders",
        description: "List the whole mail folder tree (subfolders included) with unread and total message \
counts, paths like \"Inbox/Projects\" and folder ids. Use it to find a folder's id or name for \
list_messages, search_messages or move_message, or to see where unread mail is. Well-known folders (inbox, \
drafts, sentitems, deleteditems, archive, junkemail) can be named without it. Example: {}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<FolderTree>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tree_is_depth_first_with_paths() {
        let inbox = raw(
            &json!({"id": "I", "displayName": "Inbox", "unreadItemCount": 3, "totalItemCount": 9, "childFolderCount": 1}),
            None,
        );
        let sent = raw(&json!({"id": "S", "displayName": "Sent Items"}), None);
        let proj = raw(
            &json!({"id": "P", "displayName": "Projects"}),
            Some((0, &inbox.info)),
        );
        let list = depth_first(&[inbox, sent, proj]);
        let paths: Vec<_> = list.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["Inbox", "Inbox/Projects", "Sent Items"]);
        let text = tree_text(&FolderTree {
            folders: list,
            truncated: false,
        });
        assert!(
            text.contains("- Inbox (3/9) id: I\n  - Projects (0/0) id: P"),
            "{text}"
        );
    }
}
