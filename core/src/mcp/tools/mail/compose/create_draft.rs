//! `create_draft`: a new message in Drafts, with attachments of any size Graph allows.
//!
//! Graph: `POST /me/messages` (user-post-messages) with the small attachments inline; then
//! `POST /me/messages/{id}/attachments` for further ones up to 3 MB and
//! `attachments/createUploadSession` + `PUT`s for larger ones (concepts/outlook-large-attachments).
//! The draft is recorded in the user's store as created by this server (`own-drafts` policy).

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::mailbox_root;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::{
    attach, file_attachment_json, mailbox_label, parse_attachments, plan_attachments, recipients,
    record_draft, AttachedFile, AttachmentArg, BodyType, DraftInfo, FileAttachment, Importance,
};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Recipient addresses.
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// The message text (plain text, or HTML when body_type is html).
    #[serde(default)]
    pub body: Option<String>,
    /// Default text.
    #[serde(default)]
    pub body_type: BodyType,
    /// Default normal.
    #[serde(default)]
    pub importance: Option<Importance>,
    /// Files as base64 data URIs (all together up to about 12 MB per call).
    #[serde(default)]
    pub attachments: Vec<AttachmentArg>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

/// The fields of a new message.
#[derive(Debug, Default, Clone)]
pub struct NewMessage {
    pub to: Vec<Value>,
    pub cc: Vec<Value>,
    pub bcc: Vec<Value>,
    pub subject: Option<String>,
    pub body: Option<(String, BodyType)>,
    pub importance: Option<Importance>,
}

impl NewMessage {
    /// Checks recipient arguments and collects the fields.
    pub fn from_args(
        to: &[String],
        cc: &[String],
        bcc: &[String],
        subject: Option<&str>,
        body: Option<&str>,
        body_type: BodyType,
        importance: Option<Importance>,
    ) -> Result<Self, ToolError> {
        Ok(Self {
            to: recipients("to", to)?,
            cc: recipients("cc", cc)?,
            bcc: recipients("bcc", bcc)?,
            subject: subject.map(str::to_owned),
            body: body.map(|b| (b.to_owned(), body_type)),
            importance,
        })
    }

    /// The Graph `message` JSON (only the fields given), plus inline attachments.
    pub fn to_graph(&self, inline: &[&FileAttachment]) -> Value {
        let mut m = Map::new();
        if let Some(s) = &self.subject {
            m.insert("subject".into(), Value::from(s.as_str()));
        }
        if let Some((content, kind)) = &self.body {
            m.insert(
                "body".into(),
                serde_json::json!({"contentType": kind.graph(), "content": content}),
            );
        }
        for (key, list) in [
            ("toRecipients", &self.to),
            ("ccRecipients", &self.cc),
            ("bccRecipients", &self.bcc),
        ] {
            if !list.is_empty() {
                m.insert(key.into(), Value::Array(list.clone()));
            }
        }
        if let Some(i) = self.importance {
            m.insert("importance".into(), Value::from(i.graph()));
        }
        if !inline.is_empty() {
            m.insert(
                "attachments".into(),
                Value::Array(inline.iter().map(|f| file_attachment_json(f)).collect()),
            );
        }
        Value::Object(m)
    }
}

/// Creates the draft in `root` with `files` attached and records it as this server's.
/// A failure after the create names the draft id, so nothing is left unexplained.
pub async fn create_with_attachments(
    cx: &ToolContext<'_>,
    root: &GraphPath,
    message: &NewMessage,
    files: &[FileAttachment],
) -> Result<DraftInfo, ToolError> {
    // The draft must be recorded (own-drafts policy): without a store, create nothing.
    cx.store()?;
    let (inline, later) = plan_attachments(files);
    let inline_files: Vec<&FileAttachment> = inline.iter().map(|&i| &files[i]).collect();
    let created = cx
        .call(&GraphRequest::post(
            root.clone().segment("messages"),
            message.to_graph(&inline_files),
        ))
        .await?;
    let mut info = DraftInfo::from_graph(&created);
    if info.id.is_empty() {
        return Err(ToolError::new(
            "Microsoft Graph created the draft but returned no id. Call list_drafts to find it.",
        ));
    }
    record_draft(cx, &info.id, cx.now_secs()).await?;
    let mut attached: Vec<(usize, AttachedFile)> = inline
        .iter()
        .map(|&i| {
            (
                i,
                AttachedFile {
                    name: files[i].name.clone(),
                    size: files[i].bytes.len(),
                    method: "inline".into(),
                    id: None,
                },
            )
        })
        .collect();
    for &i in &later {
        match attach(cx, root, &info.id, &files[i]).await {
            Ok(a) => attached.push((i, a)),
            Err(e) => {
                return Err(ToolError::new(format!(
                    "The draft was created (id: {}) but attaching {} failed: {} Add it again with add_attachment, \
                     or delete the draft with delete_draft.",
                    info.id, files[i].name, e.message
                )))
            }
        }
    }
    attached.sort_by_key(|(i, _)| *i);
    info.attachments = attached.into_iter().map(|(_, a)| a).collect();
    Ok(info)
}

#[derive(Debug, Default)]
pub struct CreateDraft;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<DraftInfo> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let message = NewMessage::from_args(
        &args.to,
        &args.cc,
        &args.bcc,
        args.subject.as_deref(),
        args.body.as_deref(),
        args.body_type,
        args.importance,
    )?;
    let files = parse_attachments(&args.attachments)?;
    let info = create_with_attachments(cx, &root, &message, &files).await?;
    let text = info.to_text("Draft created", mailbox_label(args.mailbox.as_deref()));
    Ok(Reply::new(text, info))
}

impl ToolHandler for CreateDraft {
    type Args = Args;
    type Output = DraftInfo;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_draft",
        title: "Create a draft email",
        description: "Create a new email as a draft in Drafts (nothing is sent): recipients, subject, text or \
HTML body, importance and attachments (base64 data URIs, about 12 MB in all per call; add more with add_attachment). Returns the draft id. To answer \
or pass on an existing message use create_reply_draft, create_reply_all_draft or create_forward_draft \
instead (they keep the thread). Send it with send_draft after the user approved it. Example: \
{\"to\":[\"megan@contoso.com\"],\"subject\":\"Q3 report\",\"body\":\"Hi Megan, attached.\",\
\"attachments\":[{\"name\":\"q3.pdf\",\"data\":\"data:application/pdf;base64,JVBERi0x...\"}]}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<DraftInfo>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_given_fields_are_sent() {
        let m = NewMessage::from_args(
            &["a@b.com".into()],
            &[],
            &[],
            Some("Hi"),
            Some("<p>x</p>"),
            BodyType::Html,
            Some(Importance::High),
        )
        .unwrap();
        assert_eq!(
            m.to_graph(&[]),
            json!({"subject":"Hi","body":{"contentType":"html","content":"<p>x</p>"},
                   "toRecipients":[{"emailAddress":{"address":"a@b.com"}}],"importance":"high"})
        );
        assert_eq!(NewMessage::default().to_graph(&[]), json!({}));
        let f = FileAttachment {
            name: "a.txt".into(),
            content_type: "text/plain".into(),
            bytes: b"hi".to_vec(),
        };
        assert_eq!(
            NewMessage::default().to_graph(&[&f])["attachments"][0]["contentBytes"],
            "aGk="
        );
    }
}
