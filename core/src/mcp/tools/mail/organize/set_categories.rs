//! `set_categories`: the categories (coloured labels) of messages.
//!
//! Graph: `PATCH /me/messages/{id}` with `{"categories": [...]}` (the whole list is replaced).
//! Adding or removing reads each message's `categories` first. The master category list
//! (`GET /me/outlook/masterCategories`, MailboxSettings.Read) is read in the same `$batch` as the
//! other requests, to warn about names Outlook does not know (it shows them without a colour).

use serde::Deserialize;
use serde_json::{json, Value};

use super::{message_ids, message_path, send_each, strings, Changed, Failed, MessagesChanged};
use crate::graph::{GraphError, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{items, mailbox_root};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    // Keep the existing categories and add these.
    #[default]
    Add,
    // Remove these, keep the rest.
    Remove,
    // Set exactly these (an empty list clears all).
    Replace,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// 1-20 message ids, as list_messages or search_messages returned them.
    #[cfg_attr(test, schemars(length(min = 1, max = 20)))]
    pub message_ids: Vec<String>,
    /// Category names, e.g. ["Project Alpha"] (list_categories shows the defined ones).
    pub categories: Vec<String>,
    /// add (default), remove, or replace the whole list.
    #[serde(default)]
    pub mode: Mode,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

const MASTER: &str = "\u{0}master";

/// The categories after applying `mode` with `wanted` to `current` (names compared
/// case-insensitively, order kept, no duplicates).
pub fn apply(mode: Mode, current: &[String], wanted: &[String]) -> Vec<String> {
    let has = |list: &[String], name: &str| list.iter().any(|c| c.eq_ignore_ascii_case(name));
    let mut out: Vec<String> = Vec::new();
    let base: &[String] = if mode == Mode::Replace { &[] } else { current };
    for c in base.iter().chain(if mode == Mode::Remove {
        [].iter()
    } else {
        wanted.iter()
    }) {
        if !(has(&out, c) || mode == Mode::Remove && has(wanted, c)) {
            out.push(c.clone());
        }
    }
    out
}

#[derive(Debug, Default)]
pub struct SetCategories;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MessagesChanged> {
    let ids = message_ids(&args.message_ids)?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    let wanted: Vec<String> = args
        .categories
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if wanted.is_empty() && args.mode != Mode::Replace {
        return Err(ToolError::invalid_argument(
            "categories: name at least one category (to clear all, pass [] with mode \"replace\")",
        ));
    }
    let master = GraphRequest::get(root.clone().segment("outlook").segment("masterCategories"))
        .select(&["displayName"]);
    let patch = |id: &str, cats: &[String]| -> Result<GraphRequest, ToolError> {
        Ok(GraphRequest::patch(
            message_path(&root, id)?,
            json!({ "categories": cats }),
        ))
    };

    // Replace: the master list and the PATCHes in one batch. Add/remove: the master list and
    // the current categories first, then the PATCHes.
    let mut results: Vec<(String, Result<Value, GraphError>)> = Vec::new();
    let mut master_list: Option<Vec<String>> = None;
    let mut targets: Vec<(String, Vec<String>)> = Vec::new();
    let mut failed: Vec<Failed> = Vec::new();
    if args.mode == Mode::Replace {
        let mut requests = vec![(MASTER.to_owned(), master)];
        for id in &ids {
            requests.push((id.clone(), patch(id, &wanted)?));
            targets.push((id.clone(), wanted.clone()));
        }
        for (key, r) in send_each(cx, requests).await? {
            if key == MASTER {
                master_list = r.ok().map(|v| names(&v));
            } else {
                results.push((key, r));
            }
        }
    } else {
        let mut reads = vec![(MASTER.to_owned(), master)];
        for id in &ids {
            reads.push((
                id.clone(),
                GraphRequest::get(message_path(&root, id)?).select(&["id", "categories"]),
            ));
        }
        let mut writes = Vec::new();
        for (key, r) in send_each(cx, reads).await? {
            if key == MASTER {
                master_list = r.ok().map(|v| names(&v));
                continue;
            }
            match r {
                Ok(v) => {
                    let current = strings(&v, "categories");
                    let new = apply(args.mode, &current, &wanted);
                    if new == current {
                        // Nothing to change: no request.
                        results.push((key.clone(), Ok(Value::Null)));
                    } else {
                        writes.push((key.clone(), patch(&key, &new)?));
                    }
                    targets.push((key, new));
                }
                Err(e) => failed.push(Failed {
                    id: key,
                    error: cx.graph_error(&e).message,
                }),
            }
        }
        if !writes.is_empty() {
            results.extend(send_each(cx, writes).await?);
        }
    }
    let mut outcome = MessagesChanged::collect(cx, results, |id, _| Changed {
        categories: targets
            .iter()
            .find(|(t, _)| t == id)
            .map(|(_, c)| c.clone()),
        ..Changed::id(id)
    });
    // Keep the order of the ids as passed.
    outcome
        .changed
        .sort_by_key(|c| ids.iter().position(|i| *i == c.id));
    outcome.failed.extend(failed);
    if let (Some(known), false) = (&master_list, args.mode == Mode::Remove) {
        for w in &wanted {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(w)) {
                outcome.warnings.push(format!(
                    "\"{w}\" is not in the master category list, so Outlook shows it without a colour; \
                     create it with create_category if it should have one."
                ));
            }
        }
    }
    let done = match args.mode {
        Mode::Add => "Categories added",
        Mode::Remove => "Categories removed",
        Mode::Replace => "Categories set",
    };
    let (text, data) = outcome.into_text(done)?;
    Ok(Reply::new(text, data))
}

fn names(collection: &Value) -> Vec<String> {
    items(collection)
        .iter()
        .filter_map(|c| c.get("displayName").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

impl ToolHandler for SetCategories {
    type Args = Args;
    type Output = MessagesChanged;

    const SPEC: ToolSpec = ToolSpec {
        name: "set_categories",
        title: "Categorize messages",
        description: "Add, remove or replace the categories (coloured labels) of 1-20 messages. mode add \
(default) keeps existing ones, remove takes the named ones off, replace sets exactly the list ([] clears). \
Warns when a name is not in the master list (list_categories; create_category adds one). Example: \
{\"message_ids\":[\"AAMkAD...\"],\"categories\":[\"Project Alpha\"],\"mode\":\"add\"}",
        annotations: ToolAnnotations {
            read_only: false,
            // replace drops the categories a message had.
            destructive: true,
            idempotent: true,
            open_world: true,
        },
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared", "MailboxSettings.Read"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MessagesChanged>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn modes() {
        let cur = v(&["Red category", "Travel"]);
        assert_eq!(
            apply(Mode::Add, &cur, &v(&["travel", "Receipts"])),
            v(&["Red category", "Travel", "Receipts"])
        );
        assert_eq!(
            apply(Mode::Remove, &cur, &v(&["TRAVEL"])),
            v(&["Red category"])
        );
        assert_eq!(apply(Mode::Replace, &cur, &v(&["A", "a"])), v(&["A"]));
        assert_eq!(apply(Mode::Replace, &cur, &[]), Vec::<String>::new());
    }
}
