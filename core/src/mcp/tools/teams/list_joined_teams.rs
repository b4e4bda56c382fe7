//! `list_joined_teams`: the teams the user is a member of.
//!
//! Graph: `GET /me/joinedTeams` (user-list-joinedteams), delegated Team.ReadBasic.All; work or
//! school accounts only.

use serde::Serialize;

use crate::graph::paging::PageLimits;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{clip, str_field};
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

use super::or_teams_error;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Pass as team_id to list_channels.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamList {
    pub teams: Vec<Team>,
}

#[derive(Debug, Default)]
pub struct ListJoinedTeams;

async fn run(cx: &ToolContext<'_>) -> ToolResult<TeamList> {
    // user-list-joinedteams: "doesn't support the OData query parameters to customize the
    // response" (no $select).
    let request = GraphRequest::get(GraphPath::me().segment("joinedTeams"));
    let listing = cx.list(&request, None, PageLimits::new(5, 500)).await;
    let listing = or_teams_error(cx, listing, "Teams could not be listed (not found).").await?;
    let teams: Vec<Team> = listing
        .items
        .iter()
        .filter_map(|t| {
            Some(Team {
                id: str_field(t, "id")?,
                name: str_field(t, "displayName").unwrap_or_else(|| "(no name)".into()),
                description: str_field(t, "description").map(|d| clip(&d, 200)),
                archived: t
                    .get("isArchived")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false),
            })
        })
        .collect();
    let mut text = format!("The user is a member of {} team(s):", teams.len());
    for (i, t) in teams.iter().enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, t.name));
        if t.archived {
            text.push_str(" [archived]");
        }
        if let Some(d) = &t.description {
            text.push_str(&format!(" · {d}"));
        }
        text.push_str(&format!(" · id: {}", t.id));
    }
    Ok(Reply::new(text, TeamList { teams }))
}

impl ToolHandler for ListJoinedTeams {
    type Args = NoArgs;
    type Output = TeamList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_joined_teams",
        title: "List my Teams teams",
        description: "List the Microsoft Teams teams the user is a member of, with names, descriptions and \
team ids (for list_channels). Start here to read or post in a team channel; for one-to-one and group chats \
use list_chats instead. Work or school accounts only (not personal Microsoft accounts). Takes no arguments.",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Team.ReadBasic.All"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<TeamList>> {
        Box::pin(run(cx))
    }
}
