//! `delete_message_rule`: an Inbox rule removed.
//!
//! Graph: `DELETE /me/mailFolders/inbox/messageRules/{id}` (messagerule-delete;
//! MailboxSettings.ReadWrite).

use serde::{Deserialize, Serialize};

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The rule's id, as list_message_rules or create_message_rule returned it.
    pub rule_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeletedRule {
    pub id: String,
}

#[derive(Debug, Default)]
pub struct DeleteMessageRule;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<DeletedRule> {
    let id = args.rule_id.trim();
    let path = GraphPath::me()
        .segment("mailFolders")
        .segment("inbox")
        .segment("messageRules")
        .id(id)
        .map_err(|_| {
            ToolError::invalid_argument("rule_id: pass the id list_message_rules returned")
        })?;
    cx.send(&GraphRequest::delete(path)).await.map_err(|e| {
        if e.status == 404 {
            ToolError::new(format!(
                "No Inbox rule has the id {id:?}; it may have been deleted already. Call list_message_rules \
                 for the current rules and their ids."
            ))
        } else {
            cx.graph_error(&e)
        }
    })?;
    Ok(Reply::new(
        format!("Deleted the Inbox rule {id}."),
        DeletedRule { id: id.to_owned() },
    ))
}

impl ToolHandler for DeleteMessageRule {
    type Args = Args;
    type Output = DeletedRule;

    const SPEC: ToolSpec = ToolSpec {
        name: "delete_message_rule",
        title: "Delete an Inbox rule",
        description: "Delete one Inbox rule by id, e.g. an unwanted forwarding or filing rule. Messages the rule \
already handled stay where they are. Get ids from list_message_rules; to add a rule use create_message_rule. \
Example: {\"rule_id\":\"AQAAAJ5dZqA=\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            idempotent: true,
            open_world: true,
        },
        scopes: &["MailboxSettings.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<DeletedRule>> {
        Box::pin(run(args, cx))
    }
}
