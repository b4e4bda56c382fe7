//! `list_categories`: the user's category list (names and colours).
//!
//! Graph: `GET /me/outlook/masterCategories?$select=id,displayName,color` (MailboxSettings.Read).

use serde::Serialize;

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{items, str_field};
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Category {
    /// The name set_categories and list_messages take.
    pub name: String,
    /// Outlook's colour preset (preset0 red … preset24), "none" for no colour.
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Categories {
    pub categories: Vec<Category>,
}

#[derive(Debug, Default)]
pub struct ListCategories;

/// Outlook's colour names for the presets it shows.
pub fn color_name(preset: &str) -> &'static str {
    const NAMES: [&str; 25] = [
        "red",
        "orange",
        "brown",
        "yellow",
        "green",
        "teal",
        "olive",
        "blue",
        "purple",
        "cranberry",
        "steel",
        "dark steel",
        "gray",
        "dark gray",
        "black",
        "dark red",
        "dark orange",
        "dark brown",
        "dark yellow",
        "dark green",
        "dark teal",
        "dark olive",
        "dark blue",
        "dark purple",
        "dark cranberry",
    ];
    preset
        .strip_prefix("preset")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| NAMES.get(n).copied())
        .unwrap_or("no colour")
}

async fn run(cx: &ToolContext<'_>) -> ToolResult<Categories> {
    let answer = cx
        .call(
            &GraphRequest::get(
                GraphPath::me()
                    .segment("outlook")
                    .segment("masterCategories"),
            )
            .select(&["displayName", "color"]),
        )
        .await?;
    let categories: Vec<Category> = items(&answer)
        .iter()
        .filter_map(|c| {
            Some(Category {
                name: str_field(c, "displayName")?,
                color: str_field(c, "color").unwrap_or_else(|| "none".into()),
            })
        })
        .collect();
    let mut text = format!("{} categories:", categories.len());
    for c in &categories {
        text.push_str(&format!("\n- {} ({})", c.name, color_name(&c.color)));
    }
    Ok(Reply::new(text, Categories { categories }))
}

impl ToolHandler for ListCategories {
    type Args = NoArgs;
    type Output = Categories;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_categories",
        title: "List categories",
        description: "List the user's Outlook categories (the colour labels for mail and events) with their \
colours. Use it before set_categories or a category filter in list_messages, to use an existing name \
exactly instead of inventing a new one. Takes no arguments. Example: {}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["MailboxSettings.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Categories>> {
        Box::pin(run(cx))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn colours() {
        assert_eq!(super::color_name("preset0"), "red");
        assert_eq!(super::color_name("preset24"), "dark cranberry");
        assert_eq!(super::color_name("none"), "no colour");
    }
}
