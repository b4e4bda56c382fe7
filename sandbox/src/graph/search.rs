//! The Microsoft Search API for mail: `POST /search/query` with `entityTypes: ["message"]`
//! (search-query.md, concepts/search-concept-messages.md).
//!
//! - Work and school accounts only, and only the signed-in user's own mailbox. A personal account
//!   gets the same 403 as the other work-only APIs here (no capture of Graph's answer was found).
//! - Body `{"requests": [{"entityTypes": ["message"], "query": {"queryString": "…"}, "from": 0,
//!   "size": 25, "fields": [...], "enableTopResults": bool}]}`, checked against the CSDL action.
//!   `queryString` is KQL, matched like `$search` on messages (from, subject, body, and the KQL
//!   properties); results newest `receivedDateTime` first.
//! - Answer: `value[0].searchTerms` and one `hitsContainers` entry whose `hits` carry `hitId` (the
//!   message id, as the client asked for ids), `rank`, `summary` (matched terms in `<c0>…</c0>`,
//!   `<ddd/>` for cuts) and `resource` (`@odata.type` plus the message properties, or only the
//!   requested `fields`); `total` counts the hits on the page, as the doc's known limitation says,
//!   and `moreResultsAvailable` says whether another page exists.
//! - Scope: Mail.Read (Mail.ReadWrite also works). Only `message` is searchable in the sandbox;
//!   other entity types are refused with a sandbox message rather than answered empty.

use axum::http::Method;
use serde_json::{json, Map, Value};

use super::{
    mail::mailbox,
    request::{present_id, Ctx, GraphRequest},
    router::{method_not_allowed, require_scope, Outcome, Reply},
};
use crate::{
    error::GraphError,
    odata::search,
    store::{AccountKind, World},
};

/// Largest `size` for message searches.
const MAX_SIZE: u64 = 1000;
const DEFAULT_SIZE: u64 = 25;

/// The message properties a hit's `resource` carries when `fields` is not given.
const DEFAULT_FIELDS: &[&str] = &[
    "createdDateTime",
    "lastModifiedDateTime",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "isRead",
    "isDraft",
    "webLink",
    "replyTo",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
];

pub fn handle(world: &mut World, ctx: &Ctx<'_>, segs: &[&str], req: &GraphRequest) -> Outcome {
    match segs {
        ["search", "query"] if req.method == Method::POST => query(world, ctx, req),
        ["search", "query"] => Err(method_not_allowed()),
        [_, first, ..] => Err(GraphError::no_resource(first)),
        _ => Err(GraphError::no_resource("search")),
    }
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::new(400, "BadRequest", message)
}

fn query(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    if world
        .user(&ctx.principal.user_id)
        .is_some_and(|u| u.kind == AccountKind::Personal)
    {
        return Err(GraphError::new(
            403,
            "Forbidden",
            "This API is not supported for personal Microsoft accounts. Sign in with a work or school account.",
        ));
    }
    let body = req.json()?;
    ctx.schema
        .check_action_body("microsoft.graph.searchEntity", "query", &body)?;
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if requests.is_empty() {
        return Err(bad("At least one search request is required."));
    }
    let mut responses = Vec::new();
    for r in &requests {
        let types: Vec<String> = r["entityTypes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if types.len() != 1 || !types[0].eq_ignore_ascii_case("message") {
            return Err(bad(format!(
                "The sandbox searches entityTypes ['message'] only; got {types:?}."
            )));
        }
        require_scope(ctx.principal, &["Mail.Read", "Mail.ReadWrite"])?;
        let text = r["query"]["queryString"].as_str().unwrap_or("").trim();
        if text.is_empty() {
            return Err(bad("The query string is required."));
        }
        let from = r["from"].as_u64().unwrap_or(0);
        let size = r["size"].as_u64().unwrap_or(DEFAULT_SIZE);
        if size > MAX_SIZE {
            return Err(bad(format!(
                "The size of a page must not exceed {MAX_SIZE} for message searches."
            )));
        }
        let fields: Option<Vec<String>> = r["fields"].as_array().map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        });
        responses.push(search_messages(
            world,
            ctx,
            text,
            from,
            size,
            fields.as_deref(),
        )?);
    }
    Ok(Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.searchResponse)", ctx.base_url),
        "value": responses,
    })))
}

fn search_messages(
    world: &mut World,
    ctx: &Ctx<'_>,
    text: &str,
    from: u64,
    size: u64,
    fields: Option<&[String]>,
) -> Result<Value, GraphError> {
    let kql = search::parse_kql(text);
    let terms = search_terms(text);
    let mb = mailbox(world, ctx)?;
    let mut hits: Vec<&Value> = mb
        .messages
        .iter()
        .filter(|m| kql.as_ref().is_none_or(|k| search::kql_matches(k, m)))
        .collect();
    hits.sort_by(|a, b| {
        b["receivedDateTime"]
            .as_str()
            .cmp(&a["receivedDateTime"].as_str())
    });
    let start = (from as usize).min(hits.len());
    let end = start.saturating_add(size as usize).min(hits.len());
    let page: Vec<Value> = hits[start..end]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let id = present_id(
                m["id"].as_str().unwrap_or(""),
                m["parentFolderId"].as_str(),
                &ctx.prefs,
            );
            let mut resource = Map::new();
            resource.insert("@odata.type".into(), json!("#microsoft.graph.message"));
            let wanted: Vec<&str> = match fields {
                Some(f) => f.iter().map(String::as_str).collect(),
                None => DEFAULT_FIELDS.to_vec(),
            };
            for f in wanted {
                if let Some((k, v)) = m
                    .as_object()
                    .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(f)))
                {
                    if !k.starts_with('_') {
                        resource.insert(k.clone(), v.clone());
                    }
                }
            }
            json!({
                "hitId": id,
                "rank": start + i + 1,
                "summary": summary(m, &terms),
                "resource": resource,
            })
        })
        .collect();
    Ok(json!({
        "searchTerms": terms,
        "hitsContainers": [{
            "hits": page,
            "total": end - start,
            "moreResultsAvailable": end < hits.len(),
        }],
    }))
}

/// The free-text words of a KQL query, lower-cased (operators and `property:` prefixes dropped).
fn search_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        let w = raw.trim_matches('"');
        if w.is_empty() || ["AND", "OR", "NOT"].contains(&w) {
            continue;
        }
        let w = w.rsplit(':').next().unwrap_or(w).trim_matches('"');
        let w = w.to_lowercase();
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// A snippet of the body preview around the first matched term, terms wrapped in `<c0>`.
fn summary(m: &Value, terms: &[String]) -> String {
    let preview = m["bodyPreview"].as_str().unwrap_or("");
    let lower = preview.to_lowercase();
    let first = terms
        .iter()
        .filter_map(|t| lower.find(t.as_str()))
        .min()
        .unwrap_or(0);
    // Keep whole characters: the lower-cased text may differ in length only for rare letters.
    let start = preview
        .char_indices()
        .map(|(i, _)| i)
        .take_while(|i| *i + 60 <= first)
        .last()
        .unwrap_or(0);
    let window: String = preview[start..].chars().take(200).collect();
    let mut out = String::new();
    if start > 0 {
        out.push_str("<ddd/>");
    }
    let mut rest = window.as_str();
    'outer: while !rest.is_empty() {
        let low = rest.to_lowercase();
        for t in terms {
            if !t.is_empty() && low.starts_with(t.as_str()) && rest.is_char_boundary(t.len()) {
                out.push_str("<c0>");
                out.push_str(&rest[..t.len()]);
                out.push_str("</c0>");
                rest = &rest[t.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if preview[start..].chars().count() > 200 {
        out.push_str("<ddd/>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_summary_highlighting() {
        assert_eq!(
            search_terms("from:megan AND \"budget review\" OR Contoso"),
            vec!["megan", "budget", "review", "contoso"]
        );
        let m = json!({"bodyPreview": "The Contoso budget is ready."});
        assert_eq!(
            summary(&m, &["contoso".into(), "budget".into()]),
            "The <c0>Contoso</c0> <c0>budget</c0> is ready."
        );
    }
}
