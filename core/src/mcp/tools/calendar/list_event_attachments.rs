//! `list_event_attachments`: the files attached to an event (GET /me/events/{id}/attachments,
//! event-list-attachments), metadata only.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{event_path, send_event};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{items, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The event id (an occurrence shows its series' attachments).
    pub event_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Bytes.
    pub size: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_inline: bool,
}

impl AttachmentInfo {
    pub fn from_graph(a: &Value) -> Self {
        Self {
            id: str_field(a, "id").unwrap_or_default(),
            name: str_field(a, "name").unwrap_or_else(|| "(no name)".into()),
            content_type: str_field(a, "contentType"),
            size: a.get("size").and_then(Value::as_u64).unwrap_or(0),
            is_inline: a.get("isInline").and_then(Value::as_bool).unwrap_or(false),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Attachments {
    pub attachments: Vec<AttachmentInfo>,
}

#[derive(Debug, Default)]
pub struct ListEventAttachments;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Attachments> {
    let path = event_path(&args.event_id)?.segment("attachments");
    let request =
        GraphRequest::get(path).select(&["id", "name", "contentType", "size", "isInline"]);
    let result = send_event(cx, &request, "event_id").await?;
    let attachments: Vec<AttachmentInfo> = items(&result)
        .iter()
        .map(AttachmentInfo::from_graph)
        .collect();
    let mut text = format!("{} attachment(s)", attachments.len());
    for a in &attachments {
        text.push_str(&format!(
            "\n- {} ({}, {} bytes{})\n  id: {}",
            a.name,
            a.content_type.as_deref().unwrap_or("unknown type"),
            a.size,
            if a.is_inline { ", inline" } else { "" },
            a.id
        ));
    }
    Ok(Reply::new(text, Attachments { attachments }))
}

impl ToolHandler for ListEventAttachments {
    type Args = Args;
    type Output = Attachments;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_event_attachments",
        title: "List an event's attachments",
        description: "List the files attached to a calendar event: name, type, size and attachment id (no \
content). get_event says whether an event has attachments. To attach a file use add_event_attachment. \
Example: {\"event_id\":\"AAMk...\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Calendars.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Attachments>> {
        Box::pin(run(args, cx))
    }
}
