//! `update_draft`: changes only the fields given, and only on a draft.
//!
//! Graph: one `$batch` reading `GET /me/messages/{id}?$select=id,isDraft,subject,parentFolderId`
//! and the Deleted Items folder id (refuse anything that is not a live draft: on a received or
//! sent message Graph would change flags and importance silently, and a deleted draft stays a
//! draft in Deleted Items), then `PATCH /me/messages/{id}` (message-update) with the given fields.

use serde::Deserialize;

use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::mailbox_root;
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

use super::create_draft::NewMessage;
use super::{
    deleted_draft, draft_state, mailbox_label, message_path, not_found, recipients, BodyType,
    DraftInfo, DraftState, Importance,
};

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The draft's id (from create_draft, list_drafts or a create_*_draft tool).
    pub message_id: String,
    /// Replaces all To recipients.
    #[serde(default)]
    pub to: Option<Vec<String>>,
    /// Replaces all Cc recipients ([] removes them).
    #[serde(default)]
    pub cc: Option<Vec<String>>,
    /// Replaces all Bcc recipients ([] removes them).
    #[serde(default)]
    pub bcc: Option<Vec<String>>,
    #[serde(default)]
    pub subject: Option<String>,
    /// Replaces the whole body (for a reply draft this includes the quoted original).
    #[serde(default)]
    pub body: Option<String>,
    /// Type of body; default text.
    #[serde(default)]
    pub body_type: Option<BodyType>,
    #[serde(default)]
    pub importance: Option<Importance>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Default)]
pub struct UpdateDraft;

/// The PATCH body (only the fields given), or an argument error when there is nothing to change.
pub fn patch_body(args: &Args) -> Result<serde_json::Value, ToolError> {
    if args.body_type.is_some() && args.body.is_none() {
        return Err(ToolError::invalid_argument(
            "body_type needs body: pass the whole new body with its type",
        ));
    }
    let mut message = NewMessage::from_args(
        &[],
        &[],
        &[],
        args.subject.as_deref(),
        args.body.as_deref(),
        args.body_type.unwrap_or_default(),
        args.importance,
    )?
    .to_graph(&[]);
    let obj = message
        .as_object_mut()
        .ok_or_else(|| ToolError::new("internal error building the update"))?;
    for (field, key, list) in [
        ("to", "toRecipients", &args.to),
        ("cc", "ccRecipients", &args.cc),
        ("bcc", "bccRecipients", &args.bcc),
    ] {
        if let Some(list) = list {
            obj.insert(
                key.into(),
                serde_json::Value::Array(recipients(field, list)?),
            );
        }
    }
    if obj.is_empty() {
        return Err(ToolError::invalid_argument(
            "nothing to change: pass at least one of to, cc, bcc, subject, body, importance",
        ));
    }
    Ok(message)
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<DraftInfo> {
    let root = mailbox_root(args.mailbox.as_deref())?;
    let patch = patch_body(&args)?;
    let path = message_path(&root, "message_id", &args.message_id)?;
    match draft_state(cx, &root, &path).await? {
        DraftState::Missing => return Err(not_found(&args.message_id, "draft")),
        DraftState::Deleted(subject) => return Err(deleted_draft(&args.message_id, &subject)),
        DraftState::NotDraft(subject) => {
            return Err(ToolError::new(format!(
                "Message {} ({subject:?}) is not a draft, so update_draft does not change it. To answer it, \
                 create a reply draft with create_reply_draft; to mark or flag it use the organising tools.",
                args.message_id
            )))
        }
        DraftState::Draft(_) => {}
    }
    let updated = cx.call(&GraphRequest::patch(path, patch)).await?;
    let mut info = DraftInfo::from_graph(&updated);
    if info.id.is_empty() {
        info.id = args.message_id.clone();
    }
    let text = info.to_text("Draft updated", mailbox_label(args.mailbox.as_deref()));
    Ok(Reply::new(text, info))
}

impl ToolHandler for UpdateDraft {
    type Args = Args;
    type Output = DraftInfo;

    const SPEC: ToolSpec = ToolSpec {
        name: "update_draft",
        title: "Update a draft email",
        description: "Change a draft: only the fields you pass are changed (to, cc and bcc replace the whole \
list; body replaces the whole body). Refuses messages that are not drafts. Add files with add_attachment; \
send with send_draft. Example: {\"message_id\":\"AAMk...\",\"subject\":\"Q3 report (final)\",\"cc\":[\"lee@contoso.com\"]}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: true,
            idempotent: true,
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
    fn patch_has_only_given_fields() {
        let a = Args {
            message_id: "x".into(),
            cc: Some(vec![]),
            subject: Some("S".into()),
            ..Args::default()
        };
        assert_eq!(
            patch_body(&a).unwrap(),
            json!({"subject":"S","ccRecipients":[]})
        );
        let none = Args {
            message_id: "x".into(),
            ..Args::default()
        };
        assert!(patch_body(&none)
            .unwrap_err()
            .message
            .contains("nothing to change"));
        let type_only = Args {
            message_id: "x".into(),
            body_type: Some(BodyType::Html),
            ..Args::default()
        };
        assert!(patch_body(&type_only)
            .unwrap_err()
            .message
            .contains("body_type"));
    }
}
