//! `search` and `fetch`: the two tools ChatGPT deep research and company knowledge require,
//! backed by the mailbox, with exactly the shapes ChatGPT expects (OpenAI MCP docs, interop notes
//! §4.2): the result is one text item whose text is the JSON object, `{"results":[{"id","title",
//! "url"}]}` for search and `{"id","title","text","url","metadata"}` for fetch. The same object
//! is the structuredContent.
//!
//! Graph: search is `GET /me/messages?$search="…"` (the query as free KQL words, never with
//! `$filter`/`$orderby`); fetch is `GET /me/messages/{id}` with the whole body as HTML, cleaned.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::search_messages::{build_kql, search_param, Args as SearchArgs};
use super::{clean_body, message_path, PREFER_HTML};
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{items, people, short_time, str_field, Person};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};
use crate::text::budget::truncate_at_boundary;

/// Results per search.
const SEARCH_RESULTS: usize = 20;
/// Longest text fetch returns (~15k tokens).
const FETCH_MAX_CHARS: usize = 60_000;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SearchArgsDr {
    /// Words to find in the user's mail (sender, subject, body).
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct SearchResult {
    /// The message id: pass it to fetch.
    pub id: String,
    pub title: String,
    /// Opens the message in Outlook on the web.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct SearchResults {
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FetchArgs {
    /// A message id from search.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FetchMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The text was cut at this many characters.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Document {
    pub id: String,
    pub title: String,
    pub text: String,
    pub url: String,
    pub metadata: FetchMetadata,
}

#[derive(Debug, Default)]
pub struct Search;

#[derive(Debug, Default)]
pub struct Fetch;

fn title(m: &Value) -> String {
    let subject = str_field(m, "subject").unwrap_or_else(|| "(no subject)".into());
    let from = m
        .get("from")
        .and_then(Person::from_recipient)
        .map(|p| p.name.unwrap_or(p.address));
    let date = str_field(m, "receivedDateTime").map(|d| short_time(&d));
    match (from, date) {
        (Some(f), Some(d)) => format!("{subject} — {f}, {d}"),
        (Some(f), None) => format!("{subject} — {f}"),
        (None, Some(d)) => format!("{subject} — {d}"),
        (None, None) => subject,
    }
}

fn url(m: &Value) -> String {
    str_field(m, "webLink").unwrap_or_else(|| "https://outlook.office.com/mail/".into())
}

/// Search results from a Graph message page.
pub fn results(page: &Value) -> SearchResults {
    SearchResults {
        results: items(page)
            .iter()
            .filter_map(|m| {
                Some(SearchResult {
                    id: str_field(m, "id")?,
                    title: title(m),
                    url: url(m),
                })
            })
            .collect(),
    }
}

/// The fetched document from a Graph message.
pub fn document(m: &Value) -> Document {
    let clean = clean_body(m.get("body"));
    let (text, cut) = truncate_at_boundary(&clean.text, FETCH_MAX_CHARS);
    let join = |ps: Vec<Person>| {
        (!ps.is_empty()).then(|| {
            ps.iter()
                .map(Person::display)
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    Document {
        id: str_field(m, "id").unwrap_or_default(),
        title: title(m),
        text,
        url: url(m),
        metadata: FetchMetadata {
            from: m
                .get("from")
                .and_then(Person::from_recipient)
                .map(|p| p.display()),
            to: join(people(m, "toRecipients")),
            received: str_field(m, "receivedDateTime"),
            conversation_id: str_field(m, "conversationId"),
            truncated: cut.is_some(),
        },
    }
}

fn as_json_text<T: Serialize>(v: &T) -> Result<String, ToolError> {
    serde_json::to_string(v).map_err(|_| ToolError::new("The result could not be encoded."))
}

async fn run_search(args: SearchArgsDr, cx: &ToolContext<'_>) -> ToolResult<SearchResults> {
    let kql = build_kql(&SearchArgs {
        query: Some(args.query),
        ..SearchArgs::default()
    })?;
    let request = GraphRequest::get(GraphPath::me().segment("messages"))
        .select(&["id", "subject", "from", "receivedDateTime", "webLink"])
        .query("$search", search_param(&kql))
        .query("$top", SEARCH_RESULTS.to_string());
    let page = cx.call(&request).await?;
    let out = results(&page);
    Ok(Reply::new(as_json_text(&out)?, out))
}

async fn run_fetch(args: FetchArgs, cx: &ToolContext<'_>) -> ToolResult<Document> {
    let path = message_path(&GraphPath::me(), "id", &args.id)?;
    let request = GraphRequest::get(path)
        .select(&[
            "id",
            "subject",
            "from",
            "toRecipients",
            "receivedDateTime",
            "conversationId",
            "webLink",
            "body",
        ])
        .prefer(PREFER_HTML);
    let m = cx.call(&request).await?;
    let doc = document(&m);
    Ok(Reply::new(as_json_text(&doc)?, doc))
}

impl ToolHandler for Search {
    type Args = SearchArgsDr;
    type Output = SearchResults;

    const SPEC: ToolSpec = ToolSpec {
        name: "search",
        title: "Search mail (deep research)",
        description: "Search the user's mailbox for messages matching the query words (sender, subject, \
body), most relevant first; returns JSON {\"results\":[{\"id\",\"title\",\"url\"}]}. Read a result with \
fetch. For searches with fields, folders or dates use search_messages instead. Example: \
{\"query\":\"contoso pricing proposal\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: SearchArgsDr,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<SearchResults>> {
        Box::pin(run_search(args, cx))
    }
}

impl ToolHandler for Fetch {
    type Args = FetchArgs;
    type Output = Document;

    const SPEC: ToolSpec = ToolSpec {
        name: "fetch",
        title: "Fetch a message (deep research)",
        description: "Fetch one message found by search, by its id, as JSON {\"id\",\"title\",\"text\",\
\"url\",\"metadata\"}: the whole body as clean text (hidden text removed) with sender, recipients and date \
in metadata. For chunked reading, headers or attachments use get_message instead. Example: \
{\"id\":\"AAMkAD...\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: FetchArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Document>> {
        Box::pin(run_fetch(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_match_chatgpt() {
        let page = json!({"value": [{"id": "M1", "subject": "Pricing", "receivedDateTime": "2026-05-01T10:00:00Z",
            "from": {"emailAddress": {"name": "Alex", "address": "alex@fabrikam.example"}},
            "webLink": "https://outlook.office365.com/owa/?ItemID=M1"}]});
        let r = serde_json::to_value(results(&page)).unwrap();
        assert_eq!(
            r,
            json!({"results": [{"id": "M1", "title": "Pricing — Alex, 2026-05-01 10:00 UTC",
            "url": "https://outlook.office365.com/owa/?ItemID=M1"}]})
        );
        let d = serde_json::to_value(document(&json!({"id": "M1", "subject": "S",
            "body": {"contentType": "html", "content": "<p>Hi<span hidden>x</span></p>"}})))
        .unwrap();
        assert_eq!(d["text"], "Hi");
        let keys: Vec<_> = d.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
    }
}
