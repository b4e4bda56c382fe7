//! `list_channels`: the channels of one team.
//!
//! Graph: `GET /teams/{id}/channels` (channel-list), delegated Channel.ReadBasic.All; work or
//! school accounts only.

use serde::{Deserialize, Serialize};

use crate::graph::paging::PageLimits;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{clip, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{or_teams_error, team_path};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The team id from list_joined_teams.
    pub team_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    /// Pass as channel_id to list_channel_messages or send_channel_message.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// standard, private or shared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChannelList {
    pub channels: Vec<Channel>,
}

#[derive(Debug, Default)]
pub struct ListChannels;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<ChannelList> {
    let request = GraphRequest::get(team_path(&args.team_id)?.segment("channels")).select(&[
        "id",
        "displayName",
        "description",
        "membershipType",
    ]);
    let listing = cx.list(&request, None, PageLimits::new(5, 500)).await;
    let listing = or_teams_error(
        cx,
        listing,
        "No team has this id among the user's teams: call list_joined_teams for current team ids.",
    )
    .await?;
    let channels: Vec<Channel> = listing
        .items
        .iter()
        .filter_map(|c| {
            Some(Channel {
                id: str_field(c, "id")?,
                name: str_field(c, "displayName").unwrap_or_default(),
                description: str_field(c, "description").map(|d| clip(&d, 200)),
                membership: str_field(c, "membershipType"),
            })
        })
        .collect();
    let mut text = format!("{} channel(s):", channels.len());
    for (i, c) in channels.iter().enumerate() {
        text.push_str(&format!("\n{}. {}", i + 1, c.name));
        if let Some(m) = c.membership.as_deref().filter(|m| *m != "standard") {
            text.push_str(&format!(" [{m}]"));
        }
        if let Some(d) = &c.description {
            text.push_str(&format!(" · {d}"));
        }
        text.push_str(&format!(" · id: {}", c.id));
    }
    Ok(Reply::new(text, ChannelList { channels }))
}

impl ToolHandler for ListChannels {
    type Args = Args;
    type Output = ChannelList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_channels",
        title: "List a team's channels",
        description: "List the channels of one Microsoft Teams team (from list_joined_teams) with names, \
descriptions and channel ids for list_channel_messages and send_channel_message. Work or school accounts \
only (not personal Microsoft accounts). Example: {\"team_id\":\"02bd9fd6-8f93-4758-87c3-1fb73740a315\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Channel.ReadBasic.All"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<ChannelList>> {
        Box::pin(run(args, cx))
    }
}
