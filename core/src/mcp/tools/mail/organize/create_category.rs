//! `create_category`: a category in the master list (name and colour).
//!
//! Graph: `POST /me/outlook/masterCategories` with `{"displayName", "color"}`
//! (outlookuser-post-mastercategories; MailboxSettings.ReadWrite). A name already in the list
//! (case-insensitive) is 409 `ErrorDuplicateCategory`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// Outlook's category colour presets.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Preset0,
    Preset1,
    Preset2,
    Preset3,
    Preset4,
    Preset5,
    Preset6,
    Preset7,
    Preset8,
    Preset9,
    Preset10,
    Preset11,
    Preset12,
    Preset13,
    Preset14,
    Preset15,
    Preset16,
    Preset17,
    Preset18,
    Preset19,
    Preset20,
    Preset21,
    Preset22,
    Preset23,
    Preset24,
}

/// The colour names of preset0..preset24, in order.
pub const COLOR_NAMES: [&str; 25] = [
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

impl Color {
    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The category name, e.g. "Project Alpha".
    pub name: String,
    /// preset0 red, 1 orange, 2 brown, 3 yellow, 4 green, 5 teal, 6 olive, 7 blue, 8 purple,
    /// 9 cranberry, 10 steel, 11 dark steel, 12 gray, 13 dark gray, 14 black, 15 dark red,
    /// 16 dark orange, 17 dark brown, 18 dark yellow, 19 dark green, 20 dark teal, 21 dark
    /// olive, 22 dark blue, 23 dark purple, 24 dark cranberry. Default: no colour.
    #[serde(default)]
    pub color: Option<Color>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: String,
    pub name: String,
    /// Graph's preset name (preset0..preset24) or "none".
    pub color: String,
}

#[derive(Debug, Default)]
pub struct CreateCategory;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Category> {
    let name = args.name.trim().to_owned();
    if name.is_empty() {
        return Err(ToolError::invalid_argument(
            "name: give the category a name",
        ));
    }
    if name.chars().count() > 255 {
        return Err(ToolError::invalid_argument("name: at most 255 characters"));
    }
    let color = args
        .color
        .map_or_else(|| "none".to_owned(), |c| format!("preset{}", c.index()));
    let path = GraphPath::me()
        .segment("outlook")
        .segment("masterCategories");
    let created = cx
        .send(&GraphRequest::post(
            path,
            json!({ "displayName": name, "color": color }),
        ))
        .await
        .map_err(|e| {
            if e.status == 409 || e.code == "ErrorDuplicateCategory" {
                ToolError::new(format!(
                    "A category named {name:?} already exists (names are case-insensitive). Use it as it is \
                     with set_categories, or pick another name."
                ))
            } else {
                cx.graph_error(&e)
            }
        })?;
    let category = Category {
        id: str_field(&created, "id").unwrap_or_default(),
        name: str_field(&created, "displayName").unwrap_or(name),
        color: str_field(&created, "color").unwrap_or(color),
    };
    let colour = category
        .color
        .strip_prefix("preset")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|i| COLOR_NAMES.get(i))
        .map_or("no colour".to_owned(), |n| (*n).to_owned());
    let text = format!(
        "Created category {:?} ({colour}). id: {}",
        category.name, category.id
    );
    Ok(Reply::new(text, category))
}

impl ToolHandler for CreateCategory {
    type Args = Args;
    type Output = Category;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_category",
        title: "Create a category",
        description: "Add a category (a coloured label) to the user's master category list, so set_categories can \
apply it with a colour. Colours are presets: preset0 red, preset1 orange, preset3 yellow, preset4 green, \
preset7 blue, preset8 purple ... (see the color argument). Fails if the name exists (list_categories shows \
the list). Example: {\"name\":\"Project Alpha\",\"color\":\"preset7\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["MailboxSettings.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Category>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_map_to_names() {
        let c: Color = serde_json::from_str("\"preset24\"").unwrap();
        assert_eq!(c.index(), 24);
        assert_eq!(COLOR_NAMES[c.index()], "dark cranberry");
        let c: Color = serde_json::from_str("\"preset7\"").unwrap();
        assert_eq!(COLOR_NAMES[c.index()], "blue");
        assert!(serde_json::from_str::<Color>("\"preset25\"").is_err());
    }
}
