//! `list_calendars`: the user's calendars (GET /me/calendars, calendar-list).

use serde::Serialize;
use serde_json::Value;

use crate::graph::paging::PageLimits;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

const FIELDS: &[&str] = &[
    "id",
    "name",
    "isDefaultCalendar",
    "canEdit",
    "owner",
    "color",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Calendar {
    /// Pass as calendar_id to list_events, search_events or create_event.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_default: bool,
    /// False for calendars the user can only read (shared with them, Birthdays, holidays).
    pub can_edit: bool,
    /// The owner's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl Calendar {
    pub fn from_graph(c: &Value) -> Self {
        Self {
            id: str_field(c, "id").unwrap_or_default(),
            name: str_field(c, "name").unwrap_or_else(|| "(no name)".into()),
            is_default: c
                .get("isDefaultCalendar")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            can_edit: c.get("canEdit").and_then(Value::as_bool).unwrap_or(false),
            owner: c.get("owner").and_then(|o| str_field(o, "address")),
            color: str_field(c, "color").filter(|c| c != "auto"),
        }
    }

    pub fn to_text(&self) -> String {
        let mut marks = Vec::new();
        if self.is_default {
            marks.push("default".to_owned());
        }
        if !self.can_edit {
            marks.push("read-only".to_owned());
        }
        if let Some(o) = &self.owner {
            marks.push(format!("owner {o}"));
        }
        let marks = if marks.is_empty() {
            String::new()
        } else {
            format!(" [{}]", marks.join(", "))
        };
        format!("- {}{marks}\n  id: {}", self.name, self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Calendars {
    pub calendars: Vec<Calendar>,
}

#[derive(Debug, Default)]
pub struct ListCalendars;

async fn run(cx: &ToolContext<'_>) -> ToolResult<Calendars> {
    let request = GraphRequest::get(GraphPath::me().segment("calendars"))
        .select(FIELDS)
        .query("$top", "100");
    let listing = cx.list(&request, None, PageLimits::new(3, 300)).await?;
    let calendars: Vec<Calendar> = listing.items.iter().map(Calendar::from_graph).collect();
    let mut text = format!("{} calendar(s):", calendars.len());
    for c in &calendars {
        text.push('\n');
        text.push_str(&c.to_text());
    }
    Ok(Reply::new(text, Calendars { calendars }))
}

impl ToolHandler for ListCalendars {
    type Args = NoArgs;
    type Output = Calendars;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_calendars",
        title: "List calendars",
        description: "List the user's calendars (the default one, others they created, and calendars shared \
with them) with ids, owner and whether they can be edited. Only needed to work with a calendar other than \
the default: pass its id as calendar_id to list_events, search_events or create_event. Example: {}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Calendars.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Calendars>> {
        Box::pin(run(cx))
    }
}
