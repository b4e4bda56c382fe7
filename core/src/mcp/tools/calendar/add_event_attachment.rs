//! `add_event_attachment`: attach a small file to an event (POST /me/events/{id}/attachments with
//! a `fileAttachment`, event-post-attachments). The content comes as a base64 `data:` URI; files
//! of 3 MB or more need an upload session, which this tool does not do.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::list_event_attachments::AttachmentInfo;
use super::{event_path, send_event};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// Largest file a single POST may carry (outlook-large-attachments: under 3 MB).
pub const MAX_BYTES: usize = 3 * 1024 * 1024 - 1;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The event id (for a series, the series id).
    pub event_id: String,
    /// File name shown to attendees, e.g. "agenda.pdf".
    pub name: String,
    /// The file as a data URI: data:application/pdf;base64,JVBERi0x... (under 3 MB).
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Added {
    pub attachment: AttachmentInfo,
}

#[derive(Debug, Default)]
pub struct AddEventAttachment;

/// The media type and base64 content of a `data:` URI (RFC 2397, base64 only), checked.
pub fn parse_data_uri(uri: &str) -> Result<(String, String, usize), ToolError> {
    let bad = |why: &str| {
        ToolError::invalid_argument(format!(
            "data: {why}; pass data:<media type>;base64,<content>, e.g. data:text/plain;base64,SGVsbG8="
        ))
    };
    let rest = uri
        .trim()
        .strip_prefix("data:")
        .ok_or_else(|| bad("it does not start with data:"))?;
    let (meta, content) = rest
        .split_once(',')
        .ok_or_else(|| bad("no comma before the content"))?;
    let Some(media) = meta.strip_suffix(";base64") else {
        return Err(bad("the content must be base64 (;base64,)"));
    };
    let media = media.split(';').next().unwrap_or("").trim();
    let media = if media.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        media.to_ascii_lowercase()
    };
    let content: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(&content)
        .map_err(|_| bad("the content is not valid base64"))?;
    if bytes.is_empty() {
        return Err(bad("the file is empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(ToolError::invalid_argument(format!(
            "data: the file is {} bytes; this tool attaches files under 3 MB",
            bytes.len()
        )));
    }
    Ok((media, content, bytes.len()))
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Added> {
    let name = args.name.trim();
    if name.is_empty() || name.chars().count() > 255 || name.contains(['/', '\\']) {
        return Err(ToolError::invalid_argument(
            "name: a file name of 1-255 characters without slashes, e.g. agenda.pdf",
        ));
    }
    let (media, content, size) = parse_data_uri(&args.data)?;
    let path = event_path(&args.event_id)?.segment("attachments");
    let body = json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": name,
        "contentType": media,
        "contentBytes": content,
    });
    let created = send_event(cx, &GraphRequest::post(path, body), "event_id").await?;
    let mut attachment = AttachmentInfo::from_graph(&created);
    if attachment.size == 0 {
        attachment.size = size as u64;
    }
    let text = format!(
        "Attached {} ({}, {} bytes) to the event.\nattachment id: {}",
        attachment.name,
        attachment.content_type.as_deref().unwrap_or(&media),
        attachment.size,
        attachment.id
    );
    Ok(Reply::new(text, Added { attachment }))
}

impl ToolHandler for AddEventAttachment {
    type Args = Args;
    type Output = Added;

    const SPEC: ToolSpec = ToolSpec {
        name: "add_event_attachment",
        title: "Attach a file to an event",
        description: "Attach a file (under 3 MB, given as a base64 data: URI) to an event on the user's calendar, \
e.g. an agenda for a meeting they organise. Returns the attachment id. List attachments with \
list_event_attachments. Example: {\"event_id\":\"AAMk...\",\"name\":\"agenda.txt\",\
\"data\":\"data:text/plain;base64,QWdlbmRhOiBwcmljaW5n\"}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Calendars.ReadWrite"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Added>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_uris_are_checked() {
        let (m, c, n) = parse_data_uri("data:Text/Plain;charset=utf-8;base64,SGVs bG8=").unwrap();
        assert_eq!((m.as_str(), c.as_str(), n), ("text/plain", "SGVsbG8=", 5));
        assert!(parse_data_uri("SGVsbG8=")
            .unwrap_err()
            .message
            .contains("data:"));
        assert!(parse_data_uri("data:text/plain,Hello").is_err());
        assert!(parse_data_uri("data:text/plain;base64,***").is_err());
        assert!(parse_data_uri("data:text/plain;base64,").is_err());
    }
}
