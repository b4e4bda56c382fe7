//! `list_supported_languages`: the locales the user's mailbox supports.
//!
//! Graph: `GET /me/outlook/supportedLanguages` (outlookuser-supportedlanguages), delegated
//! User.Read; a function returning `localeInfo` values.

use serde::Serialize;

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{items, str_field};
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Language {
    /// Locale code such as en-US.
    pub locale: String,
    /// E.g. "English (United States)".
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LanguageList {
    pub languages: Vec<Language>,
}

#[derive(Debug, Default)]
pub struct ListSupportedLanguages;

async fn run(cx: &ToolContext<'_>) -> ToolResult<LanguageList> {
    let path = GraphPath::me()
        .segment("outlook")
        .segment("supportedLanguages");
    let answer = cx.call(&GraphRequest::get(path)).await?;
    let languages: Vec<Language> = items(&answer)
        .iter()
        .filter_map(|l| {
            Some(Language {
                locale: str_field(l, "locale")?,
                name: str_field(l, "displayName").unwrap_or_default(),
            })
        })
        .collect();
    let list: Vec<String> = languages
        .iter()
        .map(|l| format!("{} ({})", l.locale, l.name))
        .collect();
    let text = format!(
        "{} supported language(s): {}",
        languages.len(),
        list.join(", ")
    );
    Ok(Reply::new(text, LanguageList { languages }))
}

impl ToolHandler for ListSupportedLanguages {
    type Args = NoArgs;
    type Output = LanguageList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_supported_languages",
        title: "List supported languages",
        description:
            "List the languages (locales such as en-US, de-DE) the user's mailbox supports, with \
their names. Use it to pick a valid locale for mailbox settings; the user's current language is in \
get_profile. Takes no arguments.",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["User.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<LanguageList>> {
        Box::pin(run(cx))
    }
}
