//! `get_thread`: a whole conversation, oldest first, each message with only its new text.
//!
//! Graph: the conversation id (from the argument, or `GET /me/messages/{id}?$select=conversationId`),
//! then `GET /me/messages?$filter=receivedDateTime ge 1900-01-01T00:00:00Z and conversationId eq
//! '…'&$orderby=receivedDateTime asc` with `uniqueBody` (HTML, cleaned here). The filter starts
//! with `receivedDateTime` because Graph wants every `$orderby` property first in `$filter`.
//! All folders are searched, so the user's own replies (Sent Items) are part of the thread.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{check_id, clean_body, message_path, PREFER_HTML};
use crate::graph::paging::PageLimits;
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::read::list_messages::odata_string;
use crate::mcp::tools::mail::{mailbox_root, people, short_time, str_field, Person};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};
use crate::text::budget::truncate_at_boundary;

/// Characters of text one call returns at most, all messages together (~15k tokens).
const MAX_TOTAL_CHARS: usize = 60_000;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Any message of the conversation (its id). Give this or conversation_id.
    #[serde(default)]
    pub id: Option<String>,
    /// The conversationId from another result. Give this or id.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// Messages per call, 1-25. Default 10.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 25)))]
    pub limit: Option<u32>,
    /// Most characters of each message's text, 200-8000. Default 3000 (get_message reads one
    /// message in full).
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 200, max = 8000)))]
    pub max_chars_per_message: Option<u32>,
    /// From a previous call's nextCursor, for the later messages (pass the other arguments
    /// unchanged).
    #[serde(default)]
    pub cursor: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ThreadMessage {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Person>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Person>,
    /// ISO 8601, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    pub is_read: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_draft: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub has_attachments: bool,
    /// What this message added to the conversation, as clean text.
    pub text: String,
    /// The text was cut; get_message reads all of it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub conversation_id: String,
    pub subject: String,
    /// Oldest first.
    pub messages: Vec<ThreadMessage>,
    /// Pass as `cursor` for the later messages; absent when the thread is complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

const THREAD_FIELDS: &[&str] = &[
    "id",
    "subject",
    "from",
    "toRecipients",
    "receivedDateTime",
    "isRead",
    "isDraft",
    "hasAttachments",
    "uniqueBody",
];

#[derive(Debug, Default)]
pub struct GetThread;

/// One message of the thread, its text cut to `max_chars`.
pub fn thread_message(m: &Value, max_chars: usize) -> ThreadMessage {
    let clean = clean_body(m.get("uniqueBody"));
    let (text, cut) = truncate_at_boundary(&clean.text, max_chars);
    ThreadMessage {
        id: str_field(m, "id").unwrap_or_default(),
        from: m.get("from").and_then(Person::from_recipient),
        to: people(m, "toRecipients"),
        received: str_field(m, "receivedDateTime"),
        is_read: m.get("isRead").and_then(Value::as_bool).unwrap_or(true),
        is_draft: m.get("isDraft").and_then(Value::as_bool).unwrap_or(false),
        has_attachments: m
            .get("hasAttachments")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        text,
        truncated: cut.is_some(),
    }
}

/// The text a model reads.
pub fn thread_text(t: &Thread) -> String {
    let mut out = format!(
        "Conversation \"{}\": {} message(s), oldest first (conversationId: {})",
        t.subject,
        t.messages.len(),
        t.conversation_id
    );
    for (i, m) in t.messages.iter().enumerate() {
        let mut head = format!("\n\n{}. ", i + 1);
        if let Some(r) = &m.received {
            head.push_str(&short_time(r));
            head.push_str(" · ");
        }
        head.push_str(
            &m.from
                .as_ref()
                .map_or("(no sender)".into(), Person::display),
        );
        if !m.to.is_empty() {
            head.push_str(" → ");
            head.push_str(
                &m.to
                    .iter()
                    .map(|p| p.name.clone().unwrap_or_else(|| p.address.clone()))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        let mut marks = Vec::new();
        if !m.is_read {
            marks.push("unread");
        }
        if m.is_draft {
            marks.push("draft");
        }
        if m.has_attachments {
            marks.push("attachments");
        }
        if !marks.is_empty() {
            head.push_str(&format!(" [{}]", marks.join(", ")));
        }
        out.push_str(&head);
        out.push_str(&format!("\n   id: {}\n", m.id));
        out.push_str(if m.text.is_empty() {
            "(no new text)"
        } else {
            &m.text
        });
        if m.truncated {
            out.push_str("\n[… cut; get_message with this id reads all of it]");
        }
    }
    if let Some(c) = &t.next_cursor {
        out.push_str(&format!(
            "\n\nLater messages follow: call get_thread again with cursor \"{c}\"."
        ));
    }
    out
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Thread> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let conversation_id = match (&args.conversation_id, &args.id) {
        (Some(c), _) => check_id("conversation_id", c)?.to_owned(),
        (None, Some(id)) => {
            let m = cx
                .call(
                    &GraphRequest::get(message_path(&root, "id", id)?).select(&["conversationId"]),
                )
                .await?;
            str_field(&m, "conversationId").ok_or_else(|| {
                ToolError::new("This message has no conversation id; read it with get_message.")
            })?
        }
        (None, None) => {
            return Err(ToolError::invalid_argument(
                "give id (any message of the conversation) or conversation_id",
            ))
        }
    };
    let limit = args.limit.unwrap_or(10).clamp(1, 25) as usize;
    let per_message = args
        .max_chars_per_message
        .map_or(3000, |m| (m as usize).clamp(200, 8000))
        .min(MAX_TOTAL_CHARS / limit);
    let request = GraphRequest::get(root.segment("messages"))
        .select(THREAD_FIELDS)
        .query(
            "$filter",
            format!(
                "receivedDateTime ge 1900-01-01T00:00:00Z and conversationId eq {}",
                odata_string(&conversation_id)
            ),
        )
        .query("$orderby", "receivedDateTime asc")
        .query("$top", limit.to_string())
        .prefer(PREFER_HTML);
    let listing = cx
        .list(&request, args.cursor.as_deref(), PageLimits::new(1, limit))
        .await?;
    if listing.items.is_empty() && args.cursor.is_none() {
        return Err(ToolError::new(
            "No messages of this conversation were found: it may have been deleted, or the conversation id \
             is wrong. Pass an id exactly as a previous tool returned it.",
        ));
    }
    let subject = listing
        .items
        .first()
        .and_then(|m| str_field(m, "subject"))
        .unwrap_or_else(|| "(no subject)".into());
    let thread = Thread {
        conversation_id,
        subject,
        messages: listing
            .items
            .iter()
            .map(|m| thread_message(m, per_message))
            .collect(),
        next_cursor: listing.next.map(|c| c.encode()),
    };
    Ok(Reply::new(thread_text(&thread), thread))
}

impl ToolHandler for GetThread {
    type Args = Args;
    type Output = Thread;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_thread",
        title: "Read a conversation",
        description: "Read a whole email conversation, oldest first, across folders (the user's own replies \
included): for each message the sender, date, id and only the text it added (quoted history left out), \
as clean text. Give any message id or the conversationId. Use it to catch up on a discussion; use \
get_message for one message in full. Long threads continue with nextCursor. Example: {\"id\":\"AAMkAD...\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Thread>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_are_compact_and_cut() {
        let m = json!({"id": "M1", "isRead": false, "receivedDateTime": "2026-05-01T10:00:00Z",
            "from": {"emailAddress": {"name": "Lee", "address": "lee@contoso.example"}},
            "uniqueBody": {"contentType": "html", "content": format!("<p>{}</p>", "word ".repeat(100))}});
        let t = thread_message(&m, 200);
        assert!(t.truncated && t.text.chars().count() <= 200);
        let thread = Thread {
            conversation_id: "C".into(),
            subject: "S".into(),
            messages: vec![t],
            next_cursor: Some("abc".into()),
        };
        let text = thread_text(&thread);
        assert!(
            text.contains("2026-05-01 10:00 UTC · Lee <lee@contoso.example> [unread]"),
            "{text}"
        );
        assert!(
            text.contains("cursor \"abc\"") && text.contains("get_message"),
            "{text}"
        );
    }
}
