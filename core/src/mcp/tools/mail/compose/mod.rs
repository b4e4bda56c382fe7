//! Drafting and sending: drafts, replies and forwards as drafts, attachments, and the send tools
//! the send policy allows.
//!
//! What the group shares:
//! * message building from tool arguments (recipients checked, text or HTML body, importance);
//! * attachments given as base64 `data:` URIs: small ones inline in the create (together at most
//!   [`INLINE_TOTAL_LIMIT`]), others up to 3 MB with one `POST …/attachments` each, larger ones
//!   (up to Graph's 150 MB) through `attachments/createUploadSession` and `PUT`s of
//!   [`UPLOAD_CHUNK`] bytes to the pre-authenticated upload URL (concepts/outlook-large-attachments);
//! * the record of every draft this server creates (`draft:{id}` in the user's store), which the
//!   `own-drafts` send policy checks ([`sending`]).

pub mod add_attachment;
pub mod create_draft;
pub mod create_forward_draft;
pub mod create_reply_all_draft;
pub mod create_reply_draft;
pub mod delete_draft;
pub mod forward;
pub mod list_drafts;
pub mod reply;
pub mod reply_all;
pub mod send_draft;
pub mod send_email;
pub mod sending;
pub mod update_draft;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::graph::batch::Batch;
use crate::graph::{GraphError, GraphPath, GraphRequest, HttpRequest};
use crate::mcp::tool::{ToolContext, ToolError};
use crate::mcp::tools::mail::{people, str_field, Person};

tool_group![
    create_draft::CreateDraft,
    update_draft::UpdateDraft,
    add_attachment::AddAttachment,
    create_reply_draft::CreateReplyDraft,
    create_reply_all_draft::CreateReplyAllDraft,
    create_forward_draft::CreateForwardDraft,
    list_drafts::ListDrafts,
    delete_draft::DeleteDraft,
    send_draft::SendDraft,
    send_email::SendEmail,
    reply::ReplyTool,
    reply_all::ReplyAllTool,
    forward::ForwardTool,
];

/// Largest total of attachments sent inline in the create request (decoded bytes); Graph's
/// request limit is about 4 MB and base64 adds a third.
pub const INLINE_TOTAL_LIMIT: usize = 3 * 1024 * 1024;
/// Largest attachment added with a plain `POST …/attachments`; larger ones need an upload session.
pub const SMALL_ATTACHMENT_LIMIT: usize = 3 * 1024 * 1024;
/// Graph's limit for one attachment (upload session).
pub const MAX_ATTACHMENT: usize = 150 * 1024 * 1024;
/// Bytes per upload `PUT`: a multiple of 320 KiB (as Graph asks) below the 4 MB request limit.
pub const UPLOAD_CHUNK: usize = 10 * 320 * 1024;
/// Most recipients accepted per field (Exchange's own limit is far higher; this bounds mistakes).
pub const MAX_RECIPIENTS: usize = 100;

/// Key of the store record marking draft `id` as created by this server for this user.
pub fn draft_key(id: &str) -> String {
    format!("draft:{id}")
}

/// Records that this server created draft `id` (what `own-drafts` sending checks). A store
/// failure is reported: a draft that is not recorded could not be sent under that policy.
pub async fn record_draft(cx: &ToolContext<'_>, id: &str, now: u64) -> Result<(), ToolError> {
    let store = cx.store()?;
    store
        .put(&draft_key(id), json!({ "created": now }))
        .await
        .map_err(|_| {
            ToolError::new(format!(
                "The draft was created (id: {id}) but could not be recorded as created by this server, so \
                 send_draft may refuse it. Try delete_draft on it and create it again."
            ))
        })
}

/// Text or HTML body.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BodyType {
    #[default]
    Text,
    Html,
}

impl BodyType {
    pub fn graph(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Html => "html",
        }
    }
}

/// A message's importance.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Importance {
    Low,
    Normal,
    High,
}

impl Importance {
    pub fn graph(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

/// A file to attach.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AttachmentArg {
    /// File name shown to recipients, e.g. "report.pdf".
    pub name: String,
    /// The content as a base64 data URI: "data:application/pdf;base64,JVBERi0x...".
    pub data: String,
}

/// An attachment argument, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAttachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Checks an email address well enough to catch a name given instead of an address.
pub fn valid_address(a: &str) -> bool {
    let a = a.trim();
    let Some((local, domain)) = a.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && a.len() <= 320
        && !a
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';'))
}

/// Graph recipients of argument `field`, each checked.
pub fn recipients(field: &str, addresses: &[String]) -> Result<Vec<Value>, ToolError> {
    if addresses.len() > MAX_RECIPIENTS {
        return Err(ToolError::invalid_argument(format!(
            "{field}: at most {MAX_RECIPIENTS} addresses"
        )));
    }
    addresses
        .iter()
        .map(|a| {
            if valid_address(a) {
                Ok(Person::to_recipient(a))
            } else {
                Err(ToolError::invalid_argument(format!(
                    "{field}: {a:?} is not an email address; pass plain addresses such as \"megan@contoso.com\" \
                     (to find someone's address use lookup_people)"
                )))
            }
        })
        .collect()
}

/// Decodes a `data:[<type>][;param]*;base64,<data>` URI.
pub fn parse_data_uri(field: &str, name: &str, uri: &str) -> Result<FileAttachment, ToolError> {
    let bad = |what: &str| {
        ToolError::invalid_argument(format!(
            "{field}: {what}; pass the file as a base64 data URI such as \"data:application/pdf;base64,JVBERi0x...\""
        ))
    };
    let name = name.trim();
    if name.is_empty() || name.len() > 255 || name.contains(['/', '\\']) {
        return Err(ToolError::invalid_argument(format!(
            "{field}: name must be a file name such as \"report.pdf\" (no path)"
        )));
    }
    let rest = uri
        .trim_start()
        .strip_prefix("data:")
        .or_else(|| uri.trim_start().strip_prefix("DATA:"))
        .ok_or_else(|| bad("data is not a data: URI"))?;
    let (meta, payload) = rest
        .split_once(',')
        .ok_or_else(|| bad("the data URI has no comma before the content"))?;
    let mut parts = meta.split(';');
    let media = parts.next().unwrap_or("").trim();
    if !parts.any(|p| p.trim().eq_ignore_ascii_case("base64")) {
        return Err(bad("the data URI is not base64 (it needs \";base64,\")"));
    }
    let content_type = if media.is_empty() {
        "application/octet-stream".to_owned()
    } else if media.contains('/') && media.len() <= 127 && media.is_ascii() {
        media.to_ascii_lowercase()
    } else {
        return Err(bad(&format!("{media:?} is not a media type")));
    };
    let cleaned: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
    if cleaned.len() / 4 * 3 > MAX_ATTACHMENT + 3 {
        return Err(ToolError::invalid_argument(format!(
            "{field}: {name} is larger than Graph's 150 MB attachment limit"
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&cleaned))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(&cleaned))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&cleaned))
        .map_err(|_| bad("the content is not valid base64"))?;
    if bytes.is_empty() {
        return Err(ToolError::invalid_argument(format!(
            "{field}: {name} is empty"
        )));
    }
    if bytes.len() > MAX_ATTACHMENT {
        return Err(ToolError::invalid_argument(format!(
            "{field}: {name} is larger than Graph's 150 MB attachment limit"
        )));
    }
    Ok(FileAttachment {
        name: name.to_owned(),
        content_type,
        bytes,
    })
}

/// Decodes every attachment argument.
pub fn parse_attachments(list: &[AttachmentArg]) -> Result<Vec<FileAttachment>, ToolError> {
    if list.len() > 20 {
        return Err(ToolError::invalid_argument(
            "attachments: at most 20 files per call; add more with add_attachment",
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, a)| parse_data_uri(&format!("attachments[{i}]"), &a.name, &a.data))
        .collect()
}

/// Graph's `fileAttachment` for a POST (inline or `…/attachments`).
pub fn file_attachment_json(a: &FileAttachment) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": a.name,
        "contentType": a.content_type,
        "contentBytes": base64::engine::general_purpose::STANDARD.encode(&a.bytes),
    })
}

/// How the attachments of a new message are sent: indices of those inline in the create, and
/// of those added afterwards.
pub fn plan_attachments(files: &[FileAttachment]) -> (Vec<usize>, Vec<usize>) {
    let mut inline = Vec::new();
    let mut later = Vec::new();
    let mut total = 0usize;
    for (i, f) in files.iter().enumerate() {
        if f.bytes.len() <= SMALL_ATTACHMENT_LIMIT && total + f.bytes.len() <= INLINE_TOTAL_LIMIT {
            total += f.bytes.len();
            inline.push(i);
        } else {
            later.push(i);
        }
    }
    (inline, later)
}

/// What was attached, for the tool result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttachedFile {
    pub name: String,
    /// Bytes.
    pub size: usize,
    /// "inline" (in the create request), "post" or "upload_session".
    pub method: String,
    /// The attachment id, when Graph returned one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The attachment id in an upload session's final `Location` (`…/attachments/{id}` or
/// `…/Attachments('{id}')`).
pub fn attachment_id_from_location(location: &str) -> Option<String> {
    let lower = location.to_ascii_lowercase();
    let pos = lower.rfind("attachments")?;
    let tail = &location[pos + "attachments".len()..];
    let id = if let Some(rest) = tail.strip_prefix("('") {
        rest.split("')").next()?
    } else {
        // The last segment; an unencoded id may itself contain `/`.
        tail.strip_prefix('/')?.split('?').next()?
    };
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .ok()?
        .into_owned();
    (!id.is_empty()).then_some(id)
}

/// Adds one attachment to message `message_id` after it was created: `POST …/attachments` up to
/// 3 MB, an upload session above.
pub async fn attach(
    cx: &ToolContext<'_>,
    root: &GraphPath,
    message_id: &str,
    file: &FileAttachment,
) -> Result<AttachedFile, ToolError> {
    let attachments = root
        .clone()
        .segment("messages")
        .id(message_id)
        .map_err(|_| ToolError::invalid_argument("message_id is not a valid id"))?
        .segment("attachments");
    if file.bytes.len() <= SMALL_ATTACHMENT_LIMIT {
        let created = cx
            .call(&GraphRequest::post(attachments, file_attachment_json(file)))
            .await?;
        return Ok(AttachedFile {
            name: file.name.clone(),
            size: file.bytes.len(),
            method: "post".into(),
            id: str_field(&created, "id"),
        });
    }
    let session = cx
        .call(&GraphRequest::post(
            attachments.segment("createUploadSession"),
            json!({ "AttachmentItem": {
                "attachmentType": "file",
                "name": file.name,
                "size": file.bytes.len(),
                "contentType": file.content_type,
            }}),
        ))
        .await?;
    let url = str_field(&session, "uploadUrl")
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .ok_or_else(|| {
            ToolError::new(
                "Microsoft Graph did not return an upload URL for the attachment. Try again.",
            )
        })?;
    let total = file.bytes.len();
    let mut start = 0usize;
    let mut id = None;
    while start < total {
        if cx.is_cancelled() {
            return Err(ToolError::cancelled());
        }
        let end = (start + UPLOAD_CHUNK).min(total);
        // The upload URL is pre-authenticated: no Authorization header (the shell adds its
        // token only to requests under the Graph base URL).
        let request = HttpRequest {
            method: "PUT",
            url: url.clone(),
            headers: vec![
                ("Content-Type".into(), "application/octet-stream".into()),
                (
                    "Content-Range".into(),
                    format!("bytes {start}-{}/{total}", end - 1),
                ),
            ],
            body: Some(file.bytes[start..end].to_vec()),
        };
        let response = cx
            .graph()
            .send(request)
            .await
            .map_err(|e| cx.graph_error(&GraphError::transport(&e)))?;
        if !(200..300).contains(&response.status) {
            let e = GraphError::from_http(&response);
            return Err(ToolError::new(format!(
                "Uploading {} failed at byte {start} of {total}: {}",
                file.name,
                e.tool_message(cx.scopes())
            )));
        }
        if let Some(loc) = response.header("location") {
            id = attachment_id_from_location(loc);
        }
        cx.progress(end as f64, Some(total as f64), Some("uploading attachment"));
        start = end;
    }
    Ok(AttachedFile {
        name: file.name.clone(),
        size: total,
        method: "upload_session".into(),
        id,
    })
}

/// The addresses of a recipient list field of a Graph message.
pub fn addresses(message: &Value, key: &str) -> Vec<String> {
    people(message, key)
        .into_iter()
        .map(|p| p.address)
        .collect()
}

/// A draft as the drafting tools return it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DraftInfo {
    /// The draft's id: pass it to update_draft, add_attachment, send_draft or delete_draft.
    pub id: String,
    pub subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachedFile>,
}

impl DraftInfo {
    /// From the message Graph returned for a create or update.
    pub fn from_graph(m: &Value) -> Self {
        Self {
            id: str_field(m, "id").unwrap_or_default(),
            subject: str_field(m, "subject").unwrap_or_else(|| "(no subject)".into()),
            to: addresses(m, "toRecipients"),
            cc: addresses(m, "ccRecipients"),
            bcc: addresses(m, "bccRecipients"),
            attachments: Vec::new(),
        }
    }

    /// Compact text: what the draft is and what to do next.
    pub fn to_text(&self, headline: &str, mailbox: Option<&str>) -> String {
        let mut out = format!("{headline} (id: {})\nSubject: {}", self.id, self.subject);
        for (label, list) in [("To", &self.to), ("Cc", &self.cc), ("Bcc", &self.bcc)] {
            if !list.is_empty() {
                out.push_str(&format!("\n{label}: {}", list.join(", ")));
            }
        }
        if self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty() {
            out.push_str("\nNo recipients yet: add them with update_draft before sending.");
        }
        for a in &self.attachments {
            out.push_str(&format!("\nAttachment: {} ({} bytes)", a.name, a.size));
        }
        match mailbox {
            Some(m) => out.push_str(&format!(
                "\nThe draft is in the Drafts folder of {m}; change it with update_draft or add_attachment (with the same mailbox)."
            )),
            None => out.push_str(
                "\nChange it with update_draft or add_attachment; send it with send_draft when the user has approved it.",
            ),
        }
        out
    }
}

/// The shared mailbox named by `mailbox`, for texts (None for the user's own).
pub fn mailbox_label(mailbox: Option<&str>) -> Option<&str> {
    mailbox
        .map(str::trim)
        .filter(|m| !m.is_empty() && !m.eq_ignore_ascii_case("me"))
}

/// `{root}/messages/{id}`, or an argument error naming `field`.
pub fn message_path(root: &GraphPath, field: &str, id: &str) -> Result<GraphPath, ToolError> {
    root.clone()
        .segment("messages")
        .id(id.trim())
        .map_err(|_| ToolError::invalid_argument(format!("{field} is not a valid message id")))
}

/// A 404 on a message id as a tool error telling the model what to do.
pub fn not_found(id: &str, what: &str) -> ToolError {
    ToolError::new(format!(
        "No {what} with id {id} was found: it may have been sent, deleted or moved, or the id is wrong. \
         Call list_drafts (or list_messages) to get a current id."
    ))
}

/// Reads message `path` (`fields` and `parentFolderId`) and the id of `root`'s Deleted Items in
/// one `$batch`: `Ok(None)` when the message does not exist, else the message and whether it
/// sits in Deleted Items (Graph's `DELETE` of a message moves it there, where it stays a draft).
pub async fn read_message(
    cx: &ToolContext<'_>,
    root: &GraphPath,
    path: &GraphPath,
    fields: &[&str],
) -> Result<Option<(Value, bool)>, GraphError> {
    let mut select: Vec<&str> = fields.to_vec();
    select.push("parentFolderId");
    let batch = Batch::new()
        .add("message", &GraphRequest::get(path.clone()).select(&select))
        .and_then(|b| {
            b.add(
                "deleted",
                &GraphRequest::get(root.clone().segment("mailFolders").segment("deleteditems"))
                    .select(&["id"]),
            )
        })
        .map_err(|_| GraphError::malformed_response())?;
    let reply = cx.send_batch(&batch).await?;
    let message = match reply.result("message") {
        Ok(m) => m,
        Err(e) if e.status == 404 => return Ok(None),
        Err(e) => return Err(e),
    };
    let deleted = reply
        .result("deleted")
        .ok()
        .and_then(|d| str_field(&d, "id"))
        .is_some_and(|d| str_field(&message, "parentFolderId").as_deref() == Some(d.as_str()));
    Ok(Some((message, deleted)))
}

/// A message as the drafting tools check it before changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftState {
    Missing,
    /// A draft the user deleted (in Deleted Items).
    Deleted(String),
    NotDraft(String),
    Draft(String),
}

/// Reads whether message `path` is a live draft (and its subject).
pub async fn draft_state(
    cx: &ToolContext<'_>,
    root: &GraphPath,
    path: &GraphPath,
) -> Result<DraftState, ToolError> {
    let found = read_message(cx, root, path, &["id", "isDraft", "subject"])
        .await
        .map_err(|e| cx.graph_error(&e))?;
    Ok(match found {
        None => DraftState::Missing,
        Some((m, deleted)) => {
            let subject = str_field(&m, "subject").unwrap_or_else(|| "(no subject)".into());
            if m.get("isDraft").and_then(Value::as_bool) != Some(true) {
                DraftState::NotDraft(subject)
            } else if deleted {
                DraftState::Deleted(subject)
            } else {
                DraftState::Draft(subject)
            }
        }
    })
}

/// The error for a draft the user deleted.
pub fn deleted_draft(id: &str, subject: &str) -> ToolError {
    ToolError::new(format!(
        "Draft {id} ({subject:?}) was deleted (it is in Deleted Items), so it was left unchanged. Create a new \
         draft instead, or call list_drafts for the current drafts."
    ))
}

/// Shared code of the reply, reply-all and forward draft tools.
pub mod response {
    use super::*;
    use crate::mcp::tools::mail::mailbox_root;

    /// Which response Graph creates.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        Reply,
        ReplyAll,
        Forward,
    }

    impl Kind {
        pub fn action(self) -> &'static str {
            match self {
                Self::Reply => "createReply",
                Self::ReplyAll => "createReplyAll",
                Self::Forward => "createForward",
            }
        }

        pub fn label(self) -> &'static str {
            match self {
                Self::Reply => "Reply draft",
                Self::ReplyAll => "Reply-all draft",
                Self::Forward => "Forward draft",
            }
        }
    }

    /// The `create*` request body.
    pub fn body(comment: Option<&str>, to: &[Value]) -> Value {
        let mut b = serde_json::Map::new();
        if let Some(c) = comment.filter(|c| !c.trim().is_empty()) {
            b.insert("comment".into(), Value::from(c));
        }
        if !to.is_empty() {
            b.insert("toRecipients".into(), Value::Array(to.to_vec()));
        }
        Value::Object(b)
    }

    /// Creates the response draft to `message_id` in `mailbox` (or the user's own) and records it.
    pub async fn create(
        cx: &ToolContext<'_>,
        kind: Kind,
        message_id: &str,
        comment: Option<&str>,
        to: &[String],
        mailbox: Option<&str>,
    ) -> Result<DraftInfo, ToolError> {
        let root = mailbox_root(mailbox)?;
        let to = recipients("to", to)?;
        // The draft must be recorded (own-drafts policy): without a store, create nothing.
        cx.store()?;
        let path = message_path(&root, "message_id", message_id)?;
        let created = match cx
            .send(&GraphRequest::post(
                path.segment(kind.action()),
                body(comment, &to),
            ))
            .await
        {
            Ok(v) => v,
            Err(e) if e.status == 404 => return Err(not_found(message_id, "message")),
            Err(e) => return Err(cx.graph_error(&e)),
        };
        let info = DraftInfo::from_graph(&created);
        if info.id.is_empty() {
            return Err(ToolError::new(
                "Microsoft Graph created the draft but returned no id. Call list_drafts to find it.",
            ));
        }
        record_draft(cx, &info.id, cx.now_secs()).await?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(n: usize) -> FileAttachment {
        FileAttachment {
            name: "f".into(),
            content_type: "application/octet-stream".into(),
            bytes: vec![0; n],
        }
    }

    #[test]
    fn data_uris_are_decoded_and_checked() {
        let a = parse_data_uri("a", "r.pdf", "data:application/pdf;base64,JVBERi0x").unwrap();
        assert_eq!(a.content_type, "application/pdf");
        assert_eq!(a.bytes, b"%PDF-1");
        let b = parse_data_uri("a", "x.txt", "data:text/plain;charset=utf-8;base64,aGk=").unwrap();
        assert_eq!(
            (b.content_type.as_str(), b.bytes.as_slice()),
            ("text/plain", &b"hi"[..])
        );
        let c = parse_data_uri("a", "x", "data:;base64,aG\n k=").unwrap();
        assert_eq!(c.content_type, "application/octet-stream");
        for bad in [
            "aGk=",
            "data:text/plain,hi",
            "data:text/plain;base64",
            "data:text/plain;base64,!!!",
            "data:text/plain;base64,",
        ] {
            let e = parse_data_uri("attachments[0]", "x", bad).unwrap_err();
            assert!(e.message.contains("attachments[0]"), "{bad}: {}", e.message);
        }
        assert!(parse_data_uri("a", "../x", "data:;base64,aGk=").is_err());
        assert!(parse_data_uri("a", "", "data:;base64,aGk=").is_err());
    }

    #[test]
    fn small_attachments_go_inline_until_three_mb() {
        let files = [
            file(1_000_000),
            file(4_000_000),
            file(1_500_000),
            file(1_000_000),
        ];
        let (inline, later) = plan_attachments(&files);
        assert_eq!(inline, vec![0, 2]);
        assert_eq!(later, vec![1, 3]);
        assert_eq!(plan_attachments(&[]), (vec![], vec![]));
    }

    #[test]
    fn addresses_are_checked() {
        assert!(valid_address("a.b@contoso.com"));
        assert!(!valid_address("Megan Bowen"));
        assert!(!valid_address("a@b"));
        assert!(!valid_address("a@b.com, c@d.com"));
        let e = recipients("cc", &["megan".into()]).unwrap_err();
        assert!(e.message.contains("cc"), "{}", e.message);
        assert_eq!(
            recipients("to", &[" x@y.com ".into()]).unwrap(),
            vec![json!({"emailAddress":{"address":"x@y.com"}})]
        );
    }

    #[test]
    fn location_ids() {
        assert_eq!(
            attachment_id_from_location("/v1.0/me/messages/AB%2Bc/attachments/XYZ%3D").as_deref(),
            Some("XYZ=")
        );
        assert_eq!(
            attachment_id_from_location(
                "https://outlook.office.com/api/v2.0/Users('a')/Messages('b')/Attachments('AAMk=')"
            )
            .as_deref(),
            Some("AAMk=")
        );
        assert_eq!(
            attachment_id_from_location("/v1.0/me/messages/a/attachments/AA/b+c=").as_deref(),
            Some("AA/b+c=")
        );
        assert_eq!(attachment_id_from_location("https://x/y"), None);
    }

    #[test]
    fn response_bodies() {
        assert_eq!(response::body(Some(" "), &[]), json!({}));
        assert_eq!(
            response::body(Some("Thanks"), &[Person::to_recipient("a@b.com")]),
            json!({"comment":"Thanks","toRecipients":[{"emailAddress":{"address":"a@b.com"}}]})
        );
    }
}
