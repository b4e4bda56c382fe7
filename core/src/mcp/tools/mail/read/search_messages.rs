//! `search_messages`: messages found by words and fields, most relevant first.
//!
//! Graph: `GET /me/messages?$search="…"` (or a folder's messages) with a KQL query built from
//! the structured arguments (concepts/search-query-parameter.md). The `$search` value is an
//! OData phrase: the KQL inside is wrapped in double quotes with `"` and `\` escaped, and values
//! inside the KQL that hold spaces or punctuation are quoted themselves. `$search` is never
//! combined with `$filter` or `$orderby` (Graph refuses it), so every restriction (dates,
//! attachments) is KQL.
//!
//! With `include_attachment_contents` the Microsoft Search API is used instead
//! (`POST /search/query`, entityTypes `message`, concepts/search-concept-messages.md), which
//! also searches inside attachments; it exists only for work or school accounts and only for
//! the user's own mailbox.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::graph::paging::PageLimits;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::read::list_messages::odata_time;
use crate::mcp::tools::mail::{
    clip, listing_text, mailbox_root, resolve_folder, str_field, MessageSummary, PREVIEW_CHARS,
    SUMMARY_FIELDS,
};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Free words to find in sender, subject and body, e.g. "budget review".
    #[serde(default)]
    pub query: Option<String>,
    /// Sender: a name or address (part of it is enough).
    #[serde(default)]
    pub from: Option<String>,
    /// A recipient: a name or address.
    #[serde(default)]
    pub to: Option<String>,
    /// Words or a phrase in the subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// Words or a phrase in the body.
    #[serde(default)]
    pub body: Option<String>,
    /// true: only messages with attachments; false: only without.
    #[serde(default)]
    pub has_attachments: Option<bool>,
    /// Received on or after this date (ISO 8601, e.g. 2026-05-01).
    #[serde(default)]
    pub received_after: Option<String>,
    /// Received before this date (ISO 8601).
    #[serde(default)]
    pub received_before: Option<String>,
    /// Raw KQL for experts, ANDed with the other fields, e.g.
    /// "participants:megan AND (subject:budget OR subject:forecast)".
    #[serde(default)]
    pub kql: Option<String>,
    /// Only this folder (well-known name, display name or id). Default all folders.
    #[serde(default)]
    pub folder: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
    /// true: use Microsoft Search, which also searches inside attachments (work or school
    /// accounts only, own mailbox only, no folder). Default false.
    #[serde(default)]
    pub include_attachment_contents: bool,
    /// Results per page, 1-50. Default 25.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 50)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor, to get the next page (pass the other arguments
    /// unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    /// The KQL query that was run.
    pub kql: String,
    /// Most relevant first.
    pub messages: Vec<MessageSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default)]
pub struct SearchMessages;

/// A value inside KQL: double quotes dropped (KQL has no escape for them), quoted when it holds
/// anything but letters, digits and `@ . _ -`.
pub fn kql_value(field: &str, raw: &str) -> Result<String, ToolError> {
    let v: String = raw
        .chars()
        .map(|c| if c == '"' || c.is_control() { ' ' } else { c })
        .collect();
    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        return Err(ToolError::invalid_argument(format!(
            "{field} is empty; give words to search for or leave it out"
        )));
    }
    let plain = v
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '@' | '.' | '_' | '-'));
    Ok(if plain { v } else { format!("\"{v}\"") })
}

/// A date argument as a KQL date (`2026-05-01`).
fn kql_date(field: &str, raw: &str) -> Result<String, ToolError> {
    let t = odata_time(field, raw)?;
    Ok(t.get(..10).unwrap_or(&t).to_owned())
}

/// The KQL query for `args` (an error when nothing to search for was given).
pub fn build_kql(args: &Args) -> Result<String, ToolError> {
    let mut terms = Vec::new();
    if let Some(q) = &args.query {
        let words: Vec<String> = q
            .split_whitespace()
            .filter_map(|w| match w {
                "AND" | "OR" | "NOT" => Some(w.to_owned()),
                // A word of nothing but quotes is dropped.
                _ => kql_value("query", w).ok(),
            })
            .collect();
        if words.is_empty() {
            return Err(ToolError::invalid_argument(
                "query is empty; give words to search for or leave it out",
            ));
        }
        let joined = words.join(" ");
        terms.push(if words.len() > 1 {
            format!("({joined})")
        } else {
            joined
        });
    }
    for (field, prop, value) in [
        ("from", "from", &args.from),
        ("to", "to", &args.to),
        ("subject", "subject", &args.subject),
        ("body", "body", &args.body),
    ] {
        if let Some(v) = value {
            terms.push(format!("{prop}:{}", kql_value(field, v)?));
        }
    }
    if let Some(h) = args.has_attachments {
        terms.push(format!("hasAttachments:{h}"));
    }
    if let Some(a) = &args.received_after {
        terms.push(format!("received>={}", kql_date("received_after", a)?));
    }
    if let Some(b) = &args.received_before {
        terms.push(format!("received<{}", kql_date("received_before", b)?));
    }
    if let Some(k) = &args.kql {
        let k = k.trim();
        if k.is_empty() {
            return Err(ToolError::invalid_argument(
                "kql is empty; give a KQL query or leave it out",
            ));
        }
        if k.len() > 1000 {
            return Err(ToolError::invalid_argument(
                "kql is too long (at most 1000 characters)",
            ));
        }
        terms.push(if terms.is_empty() {
            k.to_owned()
        } else {
            format!("({k})")
        });
    }
    if terms.is_empty() {
        return Err(ToolError::invalid_argument(
            "give something to search for: query, from, to, subject, body, has_attachments, \
             received_after, received_before or kql (to list a folder without search terms use list_messages)",
        ));
    }
    Ok(terms.join(" AND "))
}

/// The `$search` value: the KQL as one OData phrase, `\` and `"` escaped.
pub fn search_param(kql: &str) -> String {
    format!("\"{}\"", kql.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Fields the Microsoft Search API returns for a message hit.
const SEARCH_API_FIELDS: &[&str] = &[
    "id",
    "subject",
    "from",
    "receivedDateTime",
    "isRead",
    "hasAttachments",
    "importance",
    "bodyPreview",
    "conversationId",
];

const MS_CURSOR_PREFIX: &str = "msearch:";
/// Largest page the Microsoft Search API serves for messages.
const MS_MAX_SIZE: usize = 25;

fn ms_cursor(from: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{MS_CURSOR_PREFIX}{from}"))
}

fn ms_cursor_decode(c: &str) -> Result<usize, ToolError> {
    URL_SAFE_NO_PAD
        .decode(c.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(MS_CURSOR_PREFIX)?.parse::<usize>().ok())
        .filter(|n| *n <= 1000)
        .ok_or_else(|| {
            ToolError::invalid_argument(
                "cursor: pass it back exactly as the previous search_messages call (with the same \
                 include_attachment_contents) returned it, or search again without a cursor",
            )
        })
}

/// Message hits of a Microsoft Search API answer, and whether more are available.
pub fn search_api_hits(answer: &Value) -> (Vec<MessageSummary>, bool) {
    let container = answer
        .get("value")
        .and_then(|v| v.get(0))
        .and_then(|v| v.get("hitsContainers"))
        .and_then(|v| v.get(0));
    let Some(container) = container else {
        return (Vec::new(), false);
    };
    let more = container
        .get("moreResultsAvailable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let hits = container
        .get("hits")
        .and_then(Value::as_array)
        .map(|hits| {
            hits.iter()
                .filter_map(|h| {
                    let resource = h.get("resource")?;
                    let mut m = MessageSummary::from_graph(resource);
                    if m.id.is_empty() {
                        m.id = str_field(h, "hitId")?;
                    }
                    if m.preview.is_empty() {
                        if let Some(s) = str_field(h, "summary") {
                            m.preview = clip(&strip_highlights(&s), PREVIEW_CHARS);
                        }
                    }
                    Some(m)
                })
                .collect()
        })
        .unwrap_or_default();
    (hits, more)
}

/// Search summaries mark matches with `<c0>…</c0>` and elide with `<ddd/>`.
fn strip_highlights(s: &str) -> String {
    s.replace("<c0>", "")
        .replace("</c0>", "")
        .replace("<ddd/>", "…")
}

async fn microsoft_search(
    args: &Args,
    kql: String,
    limit: usize,
    cx: &ToolContext<'_>,
) -> ToolResult<SearchResults> {
    if args
        .mailbox
        .as_deref()
        .is_some_and(|m| !m.trim().is_empty() && m.trim() != "me")
    {
        return Err(ToolError::invalid_argument(
            "include_attachment_contents searches only the user's own mailbox; leave out mailbox, or search the shared mailbox without include_attachment_contents",
        ));
    }
    if args.folder.is_some() {
        return Err(ToolError::invalid_argument(
            "include_attachment_contents searches the whole mailbox; leave out folder (or search the folder without include_attachment_contents)",
        ));
    }
    let from = match &args.cursor {
        Some(c) => ms_cursor_decode(c)?,
        None => 0,
    };
    // The Search API pages messages 25 at a time at most.
    let limit = limit.min(MS_MAX_SIZE);
    let body = json!({
        "requests": [{
            "entityTypes": ["message"],
            "query": { "queryString": kql },
            "from": from,
            "size": limit,
            "enableTopResults": true,
            "fields": SEARCH_API_FIELDS,
        }]
    });
    let request = GraphRequest::post(GraphPath::root().segment("search").segment("query"), body);
    let answer = cx.send(&request).await.map_err(|e| match e.status {
        400 | 403 | 404 | 501 => ToolError::new(format!(
            "Searching attachment contents uses the Microsoft Search API, which needs a work or school \
             (Microsoft 365) account and searches only the user's own mailbox; it is not available for \
             personal Microsoft accounts (outlook.com, hotmail.com). Search again without \
             include_attachment_contents. (Microsoft Graph said: {})",
            cx.graph_error(&e).message
        )),
        _ => cx.graph_error(&e),
    })?;
    let (messages, more) = search_api_hits(&answer);
    let next_cursor = (more && !messages.is_empty()).then(|| ms_cursor(from + messages.len()));
    let text = listing_text(
        &format!("Search (mailbox and attachment contents) {kql}"),
        &messages,
        next_cursor.as_deref(),
    );
    Ok(Reply::new(
        text,
        SearchResults {
            kql,
            messages,
            next_cursor,
        },
    ))
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<SearchResults> {
    let kql = build_kql(&args)?;
    let limit = args.limit.unwrap_or(25).clamp(1, 50) as usize;
    if args.include_attachment_contents {
        return microsoft_search(&args, kql, limit, cx).await;
    }
    let root = mailbox_root(args.mailbox.as_deref())?;
    let path = match &args.folder {
        None => root.segment("messages"),
        Some(f) => {
            let folder = resolve_folder(cx, &root, f).await?;
            root.segment("mailFolders")
                .id(&folder)
                .map_err(|_| ToolError::invalid_argument("folder is not a valid folder id"))?
                .segment("messages")
        }
    };
    // No $filter and no $orderby: Graph refuses them with $search; results come by relevance.
    let request = GraphRequest::get(path)
        .select(SUMMARY_FIELDS)
        .query("$search", search_param(&kql))
        .query("$top", limit.to_string());
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await
        .map_err(|e| {
            if e.message.contains("rejected the request as invalid") {
                ToolError::new(format!(
                    "{} The search terms are the likely cause: check the kql argument (KQL such as \
                     from:megan AND subject:\"budget review\"), or search with the plain fields instead.",
                    e.message
                ))
            } else {
                e
            }
        })?;
    let messages: Vec<MessageSummary> = listing
        .items
        .iter()
        .map(MessageSummary::from_graph)
        .collect();
    let next_cursor = listing.next.map(|c| c.encode());
    let text = listing_text(
        &format!("Search {kql} (most relevant first)"),
        &messages,
        next_cursor.as_deref(),
    );
    Ok(Reply::new(
        text,
        SearchResults {
            kql,
            messages,
            next_cursor,
        },
    ))
}

impl ToolHandler for SearchMessages {
    type Args = Args;
    type Output = SearchResults;

    const SPEC: ToolSpec = ToolSpec {
        name: "search_messages",
        title: "Search mail",
        description: "Search messages across all folders (or one folder) by words, sender, recipient, \
subject, body, attachments and received dates, most relevant first; compact summaries with ids. Use it \
to find mail by content or people; use list_messages to browse a folder by date or unread state (search \
cannot sort by date). kql takes raw KQL. include_attachment_contents also searches inside attachments \
(work or school accounts only). Example: {\"from\":\"megan\",\"subject\":\"budget review\",\"received_after\":\"2026-05-01\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<SearchResults>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kql_from_fields_is_quoted_and_escaped() {
        let a = Args {
            query: Some("budget Q3:review".into()),
            from: Some("megan@contoso.example".into()),
            subject: Some("say \"hi\" now".into()),
            has_attachments: Some(true),
            received_after: Some("2026-05-01T10:00:00Z".into()),
            received_before: Some("2026-06-01".into()),
            kql: Some("participants:lee OR to:patti".into()),
            ..Args::default()
        };
        let kql = build_kql(&a).unwrap();
        assert_eq!(
            kql,
            "(budget \"Q3:review\") AND from:megan@contoso.example AND subject:\"say hi now\" AND \
             hasAttachments:true AND received>=2026-05-01 AND received<2026-06-01 AND \
             (participants:lee OR to:patti)"
        );
        assert_eq!(
            search_param("subject:\"a b\" AND x\\y"),
            "\"subject:\\\"a b\\\" AND x\\\\y\""
        );
    }

    #[test]
    fn bad_search_arguments_name_the_field() {
        assert!(build_kql(&Args::default())
            .unwrap_err()
            .message
            .contains("list_messages"));
        let e = build_kql(&Args {
            subject: Some("  \" ".into()),
            ..Args::default()
        })
        .unwrap_err();
        assert!(e.message.contains("subject"), "{}", e.message);
        let e = build_kql(&Args {
            received_after: Some("last week".into()),
            ..Args::default()
        })
        .unwrap_err();
        assert!(e.message.contains("received_after"), "{}", e.message);
    }

    #[test]
    fn microsoft_search_hits_and_cursor() {
        let answer = json!({"value": [{"hitsContainers": [{"moreResultsAvailable": true, "total": 1,
            "hits": [{"hitId": "H1", "summary": "the <c0>budget</c0> plan<ddd/>",
                      "resource": {"@odata.type": "#microsoft.graph.message", "subject": "Budget"}}]}]}]});
        let (hits, more) = search_api_hits(&answer);
        assert!(more);
        assert_eq!(hits[0].id, "H1");
        assert_eq!(hits[0].preview, "the budget plan…");
        assert_eq!(ms_cursor_decode(&ms_cursor(25)).unwrap(), 25);
        assert!(ms_cursor_decode("bm9wZQ").is_err());
    }
}
