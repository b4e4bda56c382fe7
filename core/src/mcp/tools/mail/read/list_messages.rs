//! `list_messages`: a folder's messages, newest first, with filters.
//!
//! Graph: `GET /me/mailFolders/{folder}/messages` (user-list-messages) with `$select`, `$top`,
//! `$filter` and `$orderby`. Graph requires every `$orderby` property to appear in `$filter`
//! first, in the same order ("InefficientFilter" otherwise), so when any filter is given the
//! filter starts with a `receivedDateTime` term.

use serde::{Deserialize, Serialize};

use crate::graph::paging::PageLimits;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{
    listing_text, mailbox_root, resolve_folder, MessageSummary, SUMMARY_FIELDS,
};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Folder: a well-known name (inbox, drafts, sentitems, deleteditems, archive, junkemail),
    /// a display name such as "Projects", or a folder id. Default inbox.
    #[serde(default)]
    pub folder: Option<String>,
    /// Only messages from this sender address.
    #[serde(default)]
    pub from: Option<String>,
    /// Only messages received at or after this time (ISO 8601, e.g. 2026-05-01 or
    /// 2026-05-01T09:00:00Z).
    #[serde(default)]
    pub received_after: Option<String>,
    /// Only messages received before this time (ISO 8601).
    #[serde(default)]
    pub received_before: Option<String>,
    /// true: only unread; false: only read.
    #[serde(default)]
    pub unread: Option<bool>,
    #[serde(default)]
    pub importance: Option<Importance>,
    /// true: only messages with attachments.
    #[serde(default)]
    pub has_attachments: Option<bool>,
    /// Only messages with this category.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub flag: Option<FlagFilter>,
    /// Only messages of this conversation (a conversationId from another result).
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// Default newest_first.
    #[serde(default)]
    pub order: Order,
    /// Messages per page, 1-50. Default 25.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 50)))]
    pub limit: Option<u32>,
    /// From a previous call's nextCursor, to get the next page (pass the other arguments
    /// unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Importance {
    Low,
    Normal,
    High,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagFilter {
    Flagged,
    Complete,
    NotFlagged,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageList {
    pub messages: Vec<MessageSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default)]
pub struct ListMessages;

/// A date or date-time argument as an OData `DateTimeOffset` literal, or an error naming `field`.
pub fn odata_time(field: &str, value: &str) -> Result<String, ToolError> {
    let v = value.trim();
    let bytes = v.as_bytes();
    let date_ok = bytes.len() >= 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[..4]
            .iter()
            .chain(&bytes[5..7])
            .chain(&bytes[8..10])
            .all(u8::is_ascii_digit);
    if !date_ok || !v.is_ascii() {
        return Err(ToolError::invalid_argument(format!(
            "{field} must be an ISO 8601 date or date-time such as 2026-05-01 or 2026-05-01T09:00:00Z, not {v:?}"
        )));
    }
    if v.len() == 10 {
        return Ok(format!("{v}T00:00:00Z"));
    }
    let rest = &v[10..];
    let ok = rest.starts_with('T')
        && rest[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | 'Z' | '+' | '-'));
    if !ok {
        return Err(ToolError::invalid_argument(format!(
            "{field} must be an ISO 8601 date-time such as 2026-05-01T09:00:00Z, not {v:?}"
        )));
    }
    // Without an offset Graph would read it as UTC; say so by adding the Z.
    let has_offset = rest.ends_with('Z') || rest[1..].contains('+') || rest[1..].contains('-');
    Ok(if has_offset {
        v.to_owned()
    } else {
        format!("{v}Z")
    })
}

/// An OData string literal.
pub fn odata_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The `$filter` for `args` (None when no filter applies).
pub fn build_filter(args: &Args) -> Result<Option<String>, ToolError> {
    let mut terms = Vec::new();
    if let Some(a) = &args.received_after {
        terms.push(format!(
            "receivedDateTime ge {}",
            odata_time("received_after", a)?
        ));
    }
    if let Some(b) = &args.received_before {
        terms.push(format!(
            "receivedDateTime lt {}",
            odata_time("received_before", b)?
        ));
    }
    if let Some(f) = &args.from {
        if !f.contains('@') {
            return Err(ToolError::invalid_argument(format!(
                "from must be an email address, not {f:?}; to find someone's address use lookup_people, \
                 or search_messages with from: \"name\""
            )));
        }
        terms.push(format!(
            "from/emailAddress/address eq {}",
            odata_string(f.trim())
        ));
    }
    if let Some(u) = args.unread {
        terms.push(format!("isRead eq {}", !u));
    }
    if let Some(i) = args.importance {
        let i = match i {
            Importance::Low => "low",
            Importance::Normal => "normal",
            Importance::High => "high",
        };
        terms.push(format!("importance eq '{i}'"));
    }
    if let Some(h) = args.has_attachments {
        terms.push(format!("hasAttachments eq {h}"));
    }
    if let Some(c) = &args.category {
        terms.push(format!("categories/any(c:c eq {})", odata_string(c)));
    }
    if let Some(f) = args.flag {
        let f = match f {
            FlagFilter::Flagged => "flagged",
            FlagFilter::Complete => "complete",
            FlagFilter::NotFlagged => "notFlagged",
        };
        terms.push(format!("flag/flagStatus eq '{f}'"));
    }
    if let Some(c) = &args.conversation_id {
        terms.push(format!("conversationId eq {}", odata_string(c)));
    }
    if terms.is_empty() {
        return Ok(None);
    }
    // $orderby=receivedDateTime needs receivedDateTime first in $filter.
    if args.received_after.is_none() && args.received_before.is_none() {
        terms.insert(0, "receivedDateTime ge 1900-01-01T00:00:00Z".to_owned());
    }
    Ok(Some(terms.join(" and ")))
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MessageList> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let folder_arg = args.folder.as_deref().unwrap_or("inbox");
    let limit = args.limit.unwrap_or(25).clamp(1, 50) as usize;
    let filter = build_filter(&args)?;
    let folder = resolve_folder(cx, &root, folder_arg).await?;
    let path = root
        .segment("mailFolders")
        .id(&folder)
        .map_err(|_| ToolError::invalid_argument("folder is not a valid folder id"))?
        .segment("messages");
    let order = match args.order {
        Order::NewestFirst => "receivedDateTime desc",
        Order::OldestFirst => "receivedDateTime asc",
    };
    let mut request = GraphRequest::get(path)
        .select(SUMMARY_FIELDS)
        .query("$top", limit.to_string());
    if let Some(f) = filter {
        request = request.query("$filter", f);
    }
    request = request.query("$orderby", order);
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await
        .map_err(|e| {
            if e.message.contains("rejected the request as invalid") {
                ToolError::new(format!(
                    "{} The filter arguments (from, received_after, received_before, category, conversation_id) \
                     are the likely cause.",
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
        &format!("Folder {folder_arg}"),
        &messages,
        next_cursor.as_deref(),
    );
    Ok(Reply::new(
        text,
        MessageList {
            messages,
            next_cursor,
        },
    ))
}

impl ToolHandler for ListMessages {
    type Args = Args;
    type Output = MessageList;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_messages",
        title: "List messages in a folder",
        description: "List the messages in one mail folder (default the inbox), newest first, as compact \
summaries: date (UTC), sender, subject, flags, a short preview and the message id. Filter by sender \
address, received date range, unread, importance, attachments, category, flag or conversation. Use it to \
browse or triage; to find messages by words or people across folders use search_messages instead; to read \
one message use get_message with its id. Long results continue with nextCursor. Example: \
{\"folder\":\"inbox\",\"unread\":true,\"received_after\":\"2026-05-01\",\"limit\":10}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MessageList>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_checked_and_normalised() {
        assert_eq!(
            odata_time("x", "2026-05-01").unwrap(),
            "2026-05-01T00:00:00Z"
        );
        assert_eq!(
            odata_time("x", "2026-05-01T09:00:00").unwrap(),
            "2026-05-01T09:00:00Z"
        );
        assert_eq!(
            odata_time("x", "2026-05-01T09:00:00+02:00").unwrap(),
            "2026-05-01T09:00:00+02:00"
        );
        let e = odata_time("received_after", "last tuesday").unwrap_err();
        assert!(e.message.contains("received_after"), "{}", e.message);
        assert!(odata_time("x", "2026-05-01T09:00' or 1 eq 1").is_err());
    }

    #[test]
    fn filter_puts_received_first_and_escapes() {
        let a = Args {
            from: Some("o'brien@contoso.com".into()),
            unread: Some(true),
            ..Args::default()
        };
        assert_eq!(
            build_filter(&a).unwrap().unwrap(),
            "receivedDateTime ge 1900-01-01T00:00:00Z and from/emailAddress/address eq 'o''brien@contoso.com' and isRead eq false"
        );
        assert_eq!(build_filter(&Args::default()).unwrap(), None);
        assert!(build_filter(&Args {
            from: Some("Megan".into()),
            ..Args::default()
        })
        .is_err());
    }
}
