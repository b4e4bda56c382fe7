//! `create_calendar`: a new calendar in the user's mailbox (POST /me/calendars, user-post-calendars).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::list_calendars::Calendar;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The new calendar's name (unique among the user's calendars).
    pub name: String,
    /// Colour; default auto.
    #[serde(default)]
    pub color: Option<Color>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Color {
    Auto,
    LightBlue,
    LightGreen,
    LightOrange,
    LightGray,
    LightYellow,
    LightTeal,
    LightPink,
    LightBrown,
    LightRed,
}

impl Color {
    fn graph(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::LightBlue => "lightBlue",
            Self::LightGreen => "lightGreen",
            Self::LightOrange => "lightOrange",
            Self::LightGray => "lightGray",
            Self::LightYellow => "lightYellow",
            Self::LightTeal => "lightTeal",
            Self::LightPink => "lightPink",
            Self::LightBrown => "lightBrown",
            Self::LightRed => "lightRed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Created {
    pub calendar: Calendar,
}

#[derive(Debug, Default)]
pub struct CreateCalendar;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Created> {
    let name = args.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(ToolError::invalid_argument(
            "name: give the calendar a name of 1-255 characters",
        ));
    }
    let mut body = json!({ "name": name });
    if let Some(c) = args.color {
        body["color"] = json!(c.graph());
    }
    let created = cx
        .send(&GraphRequest::post(GraphPath::me().segment("calendars"), body))
        .await
        .map_err(|e| {
            if e.status == 409 || e.code == "ErrorFolderExists" {
                ToolError::new(format!(
                    "A calendar named {name:?} already exists ({}). Use list_calendars to get its id, or choose another name.",
                    e.code
                ))
            } else {
                cx.graph_error(&e)
            }
        })?;
    let calendar = Calendar::from_graph(&created);
    let text = format!("Created calendar {:?}.\nid: {}", calendar.name, calendar.id);
    Ok(Reply::new(text, Created { calendar }))
}

impl ToolHandler for CreateCalendar {
    type Args = Args;
    type Output = Created;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_calendar",
        title: "Create a calendar",
        description: "Create a new, empty calendar in the user's mailbox (for example to keep a project's \
events apart). Returns its id for create_event and list_events (calendar_id). Check list_calendars first: \
names must be unique. Example: {\"name\":\"Project Alpha\",\"color\":\"lightGreen\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Calendars.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Created>> {
        Box::pin(run(args, cx))
    }
}
