//! `get_attachment`: one attachment's content.
//!
//! Graph: `GET …/attachments/{aid}?$select=id,name,contentType,size,isInline` for what it is,
//! then for a file `GET …/attachments/{aid}/$value` (the raw bytes, with a `Range` header for the
//! chunk asked for; a server that ignores it answers 200 with everything and the chunk is cut
//! here). Text types come back as text (HTML cleaned like a body), in character chunks; anything
//! else as base64 with its media type, in byte chunks. Attached Outlook items and cloud links are
//! described, not downloaded.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{check_id, message_path, AttachmentInfo, ATTACHMENT_FIELDS};
use crate::graph::request::parse_response;
use crate::graph::{GraphError, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::mailbox_root;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};
use crate::text::budget::chunk;
use crate::text::html;

/// Default and largest text chunk (characters).
const TEXT_CHUNK: usize = 20_000;
/// Default and largest binary chunk (bytes). Base64 costs about one token per 2.3 characters
/// and the chunk is in both the text and structuredContent, so 12 KB (~16k characters, ~7k
/// tokens each) by default and 16 KB at most keep a result within the ~20k-token budget.
const DEFAULT_BYTES: usize = 12 * 1024;
const MAX_BYTES: usize = 16 * 1024;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The message id.
    pub message_id: String,
    /// The attachment id from get_message or list_attachments.
    pub attachment_id: String,
    /// Where to start: a character offset for text, a byte offset for binary content; from a
    /// previous call's nextOffset. Default 0.
    #[serde(default)]
    pub offset: Option<u64>,
    /// How much to return: characters for text (at most 20000, the default), bytes for
    /// binary (at most 16384, default 12288).
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 16384)))]
    pub length: Option<u32>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttachmentContent {
    pub attachment: AttachmentInfo,
    /// "text", "base64", or "none" (an attached Outlook item or a cloud link: described only).
    pub encoding: String,
    /// The media type of the content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// This chunk: text, or base64 of the bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Where this chunk starts (characters for text, bytes for base64).
    pub offset: u64,
    /// Whole length (characters for text, bytes for base64).
    pub total: u64,
    /// Pass as `offset` to read on; absent when this chunk reaches the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
}

#[derive(Debug, Default)]
pub struct GetAttachment;

/// Whether an attachment is best read as text.
pub fn is_text(content_type: Option<&str>, name: &str) -> bool {
    let ct = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ct.starts_with("text/") {
        return true;
    }
    if matches!(
        ct.as_str(),
        "application/json"
            | "application/xml"
            | "application/csv"
            | "application/x-yaml"
            | "application/yaml"
            | "application/ics"
            | "message/rfc822"
    ) {
        return true;
    }
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    (ct.is_empty() || ct == "application/octet-stream")
        && matches!(
            ext.as_str(),
            "txt"
                | "csv"
                | "tsv"
                | "md"
                | "json"
                | "xml"
                | "ics"
                | "vcf"
                | "log"
                | "yaml"
                | "yml"
                | "eml"
        )
}

fn is_html(content_type: Option<&str>, name: &str) -> bool {
    content_type.is_some_and(|c| c.to_ascii_lowercase().starts_with("text/html"))
        || name.to_ascii_lowercase().ends_with(".html")
        || name.to_ascii_lowercase().ends_with(".htm")
}

/// The binary chunk `[offset, offset+len)` of `bytes`, which start at `starts_at` (0 for a full
/// download, the range start for a 206).
pub fn binary_chunk(
    bytes: &[u8],
    starts_at: u64,
    offset: u64,
    len: usize,
    total: u64,
) -> (Vec<u8>, Option<u64>) {
    let from = offset.saturating_sub(starts_at) as usize;
    let piece: Vec<u8> = bytes.iter().skip(from).take(len).copied().collect();
    let end = offset + piece.len() as u64;
    (piece, (end < total).then_some(end))
}

/// `Content-Range: bytes 0-99/1234` → (0, 1234).
fn content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let start = range.split('-').next()?.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<AttachmentContent> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let aid = check_id("attachment_id", &args.attachment_id)?;
    let path = message_path(&root, "message_id", &args.message_id)?
        .segment("attachments")
        .id(aid)
        .map_err(|_| ToolError::invalid_argument("attachment_id is not a valid id"))?;
    let meta = cx
        .call(&GraphRequest::get(path.clone()).select(ATTACHMENT_FIELDS))
        .await?;
    let info = AttachmentInfo::from_graph(&meta);
    let offset = args.offset.unwrap_or(0);
    if info.kind != "file" {
        let what = if info.kind == "item" {
            "an attached Outlook item (an email, meeting or contact), not a file: its name is usually \
             the item's subject. It cannot be downloaded as a file here"
        } else {
            "a link to a file in OneDrive or SharePoint, not a copy of the file: open it from the \
             message in Outlook"
        };
        let text = format!(
            "{} ({}) is {what}.",
            info.name,
            super::human_size(info.size)
        );
        return Ok(Reply::new(
            text,
            AttachmentContent {
                attachment: info,
                encoding: "none".into(),
                media_type: None,
                content: None,
                offset: 0,
                total: 0,
                next_offset: None,
            },
        ));
    }
    let text_like = is_text(info.content_type.as_deref(), &info.name);
    let length = args.length.map(|l| l as usize);
    let byte_len = length.unwrap_or(DEFAULT_BYTES).clamp(1, MAX_BYTES);
    if !text_like && info.size > 0 && offset >= info.size {
        return Err(ToolError::invalid_argument(format!(
            "offset {offset} is past the end of the attachment ({} bytes)",
            info.size
        )));
    }
    let mut request = GraphRequest::get(path.value());
    if !text_like {
        request = request.header(
            "Range",
            format!("bytes={offset}-{}", offset + byte_len as u64 - 1),
        );
    }
    let response = cx
        .graph()
        .send(request.to_http(cx.graph_base_url()))
        .await
        .map_err(|e| cx.graph_error(&GraphError::transport(&e)))?;
    if !(200..300).contains(&response.status) {
        let e = parse_response(&response)
            .err()
            .unwrap_or_else(GraphError::malformed_response);
        return Err(cx.graph_error(&e));
    }
    let media_type = response
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())
        .or_else(|| info.content_type.clone());
    if text_like {
        let raw = String::from_utf8_lossy(&response.body).into_owned();
        let text = if is_html(info.content_type.as_deref(), &info.name) {
            html::to_text(&raw, &html::Options::default()).text
        } else {
            raw.replace("\r\n", "\n")
        };
        let max = length.unwrap_or(TEXT_CHUNK).clamp(1, TEXT_CHUNK);
        let piece = chunk(&text, offset as usize, max);
        if offset > 0 && offset as usize >= piece.total_chars {
            return Err(ToolError::invalid_argument(format!(
                "offset {offset} is past the end of the text ({} characters)",
                piece.total_chars
            )));
        }
        let mut out = format!(
            "{} ({}), text, characters {offset}-{} of {}:\n{}",
            info.name,
            info.content_type.as_deref().unwrap_or("text"),
            offset as usize + piece.text.chars().count(),
            piece.total_chars,
            piece.text
        );
        if let Some(n) = piece.next_offset {
            out.push_str(&format!(
                "\n--- continues: call get_attachment again with offset {n} ---"
            ));
        }
        return Ok(Reply::new(
            out,
            AttachmentContent {
                attachment: info,
                encoding: "text".into(),
                media_type,
                content: Some(piece.text),
                offset,
                total: piece.total_chars as u64,
                next_offset: piece.next_offset.map(|n| n as u64),
            },
        ));
    }
    let (starts_at, total) = if response.status == 206 {
        let cr = response
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-range"))
            .and_then(|(_, v)| content_range(v));
        match cr {
            Some((s, t)) => (s, t.unwrap_or(info.size)),
            None => (offset, info.size),
        }
    } else {
        (0, response.body.len() as u64)
    };
    if offset >= total && total > 0 {
        return Err(ToolError::invalid_argument(format!(
            "offset {offset} is past the end of the attachment ({total} bytes)"
        )));
    }
    let (piece, next_offset) = binary_chunk(&response.body, starts_at, offset, byte_len, total);
    let end = offset + piece.len() as u64;
    let encoded = STANDARD.encode(&piece);
    let mut out = format!(
        "{} ({}), bytes {offset}-{end} of {total}, base64:\n{encoded}",
        info.name,
        media_type.as_deref().unwrap_or("application/octet-stream")
    );
    if let Some(n) = next_offset {
        out.push_str(&format!(
            "\n--- More: call get_attachment again with offset {n} ({} bytes left). ---",
            total - n
        ));
    }
    Ok(Reply::new(
        out,
        AttachmentContent {
            attachment: info,
            encoding: "base64".into(),
            media_type,
            content: Some(encoded),
            offset,
            total,
            next_offset,
        },
    ))
}

impl ToolHandler for GetAttachment {
    type Args = Args;
    type Output = AttachmentContent;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_attachment",
        title: "Read an attachment",
        description: "Read one attachment of a message. Text files (txt, csv, json, xml, ics, html…) come \
back as text; other files as base64 with their media type. Large ones come in chunks: call again with \
offset = nextOffset. Attached Outlook items and cloud links are described, not downloaded. Get the ids \
from get_message or list_attachments. Example: {\"message_id\":\"AAMkAD...\",\"attachment_id\":\"AAMkAD...\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<AttachmentContent>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_and_chunks() {
        assert!(is_text(Some("text/csv; charset=utf-8"), "x"));
        assert!(is_text(Some("application/octet-stream"), "notes.TXT"));
        assert!(!is_text(Some("application/pdf"), "a.txt"));
        assert!(!is_text(Some("image/png"), "logo.png"));
        let bytes: Vec<u8> = (0..100u8).collect();
        assert_eq!(
            binary_chunk(&bytes, 0, 90, 20, 100),
            ((90..100).collect(), None)
        );
        assert_eq!(binary_chunk(&bytes, 0, 0, 10, 100).1, Some(10));
        // A 206 whose body starts at the range start.
        assert_eq!(
            binary_chunk(&bytes[..10], 50, 50, 10, 100),
            ((0..10).collect(), Some(60))
        );
        assert_eq!(content_range("bytes 50-59/100"), Some((50, Some(100))));
    }
}
