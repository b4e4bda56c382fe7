//! `get_mail_tips`: what Outlook would warn about before sending to some recipients.
//!
//! Graph: `POST /me/getMailTips` (user-getmailtips) with the addresses and the tips asked for:
//! automatic replies, mailbox full, delivery restriction, moderation, recipient scope
//! (external), group member counts, custom tips and the largest message size.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::clean_body;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{clip, items, str_field};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// Graph's limit on addresses per call.
const MAX_RECIPIENTS: usize = 100;

const TIP_OPTIONS: &str =
    "automaticReplies, mailboxFullStatus, deliveryRestriction, moderationStatus, \
recipientScope, externalMemberCount, totalMemberCount, customMailTip, maxMessageSize";

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Recipient email addresses, 1-100.
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MailTip {
    pub address: String,
    /// The recipient's automatic reply (out of office), as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_reply: Option<String>,
    /// When the automatic reply period ends (ISO 8601), if scheduled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_reply_until: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mailbox_full: bool,
    /// The recipient does not accept mail from the user.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub delivery_restricted: bool,
    /// Mail to it waits for a moderator.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub moderated: bool,
    /// Outside the user's organisation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    /// For a group: members in total, and how many are external.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_member_count: Option<u64>,
    /// An administrator's note for senders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_tip: Option<String>,
    /// Largest message (bytes) the recipient accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_message_size: Option<u64>,
    /// Why tips for this address could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct MailTips {
    pub tips: Vec<MailTip>,
}

#[derive(Debug, Default)]
pub struct GetMailTips;

/// One `mailTips` object.
pub fn tip(v: &Value) -> MailTip {
    let auto = v.get("automaticReplies");
    let reply_text = auto
        .and_then(|a| a.get("message"))
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .map(|m| {
            let clean = clean_body(Some(&json!({"contentType": "html", "content": m})));
            clip(&clean.text, 500)
        })
        .filter(|t| !t.is_empty());
    let until = auto
        .and_then(|a| a.get("scheduledEndTime"))
        .and_then(|t| t.get("dateTime"))
        .and_then(Value::as_str)
        .filter(|_| reply_text.is_some())
        .map(str::to_owned);
    let scope = v
        .get("recipientScope")
        .and_then(Value::as_str)
        .unwrap_or("");
    let n = |k: &str| v.get(k).and_then(Value::as_u64).filter(|n| *n > 0);
    let b = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    MailTip {
        address: v
            .get("emailAddress")
            .and_then(|e| str_field(e, "address"))
            .unwrap_or_default(),
        automatic_reply: reply_text,
        automatic_reply_until: until,
        mailbox_full: b("mailboxFull"),
        delivery_restricted: b("deliveryRestricted"),
        moderated: b("isModerated"),
        external: scope.split(',').any(|s| s.trim().starts_with("external")),
        member_count: n("totalMemberCount"),
        external_member_count: n("externalMemberCount"),
        custom_tip: str_field(v, "customMailTip").map(|t| clip(&t, 300)),
        max_message_size: n("maxMessageSize"),
        error: v.get("error").map(|e| {
            str_field(e, "message")
                .or_else(|| str_field(e, "code"))
                .unwrap_or_else(|| "unknown error".into())
        }),
    }
}

/// One line per recipient: what matters before sending.
pub fn tips_text(tips: &[MailTip]) -> String {
    let mut out = format!("Mail tips for {} recipient(s):", tips.len());
    for t in tips {
        let mut notes = Vec::new();
        if let Some(e) = &t.error {
            notes.push(format!("could not check: {e}"));
        }
        if let Some(r) = &t.automatic_reply {
            let until = t
                .automatic_reply_until
                .as_deref()
                .map(|u| format!(" until {}", u.get(..16).unwrap_or(u)))
                .unwrap_or_default();
            notes.push(format!("automatic reply on{until}: \"{r}\""));
        }
        if t.mailbox_full {
            notes.push("mailbox full (mail will bounce)".into());
        }
        if t.delivery_restricted {
            notes.push("does not accept mail from you".into());
        }
        if t.moderated {
            notes.push("moderated (a moderator must approve)".into());
        }
        if t.external {
            notes.push("external (outside your organisation)".into());
        }
        if let Some(m) = t.member_count {
            let ext = t
                .external_member_count
                .map(|e| format!(", {e} external"))
                .unwrap_or_default();
            notes.push(format!("group of {m} members{ext}"));
        }
        if let Some(c) = &t.custom_tip {
            notes.push(format!("note: {c}"));
        }
        if notes.is_empty() {
            notes.push("nothing to note".into());
        }
        out.push_str(&format!("\n- {}: {}", t.address, notes.join("; ")));
    }
    out
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<MailTips> {
    let recipients: Vec<&str> = args
        .recipients
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return Err(ToolError::invalid_argument(format!(
            "recipients: give 1 to {MAX_RECIPIENTS} email addresses"
        )));
    }
    if let Some(bad) = recipients
        .iter()
        .find(|r| !r.contains('@') || r.contains(' '))
    {
        return Err(ToolError::invalid_argument(format!(
            "recipients: {bad:?} is not an email address; to find someone's address use lookup_people"
        )));
    }
    let body = json!({ "EmailAddresses": recipients, "MailTipsOptions": TIP_OPTIONS });
    let answer = cx
        .call(&GraphRequest::post(
            GraphPath::me().segment("getMailTips"),
            body,
        ))
        .await?;
    let tips: Vec<MailTip> = items(&answer).iter().map(tip).collect();
    Ok(Reply::new(tips_text(&tips), MailTips { tips }))
}

impl ToolHandler for GetMailTips {
    type Args = Args;
    type Output = MailTips;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_mail_tips",
        title: "Check recipients before sending",
        description: "Check recipients before sending, as Outlook's mail tips do: automatic replies (out of \
office, with the message and end date), full mailboxes, recipients that refuse the user's mail, moderated \
groups, external recipients and group sizes. Use it before sending to people whose availability matters or \
to large or external lists. Example: {\"recipients\":[\"megan@contoso.com\",\"partner@fabrikam.com\"]}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["Mail.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<MailTips>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tips_are_summarised() {
        let t = tip(&json!({"emailAddress": {"address": "n@contoso.example"},
            "automaticReplies": {"message": "<p>Away <span style='display:none'>secret</span></p>",
                "scheduledEndTime": {"dateTime": "2026-06-10T00:00:00.0000000", "timeZone": "UTC"}},
            "mailboxFull": true, "recipientScope": "external, externalPartner", "totalMemberCount": 0}));
        assert_eq!(t.automatic_reply.as_deref(), Some("Away"));
        assert!(t.mailbox_full && t.external && t.member_count.is_none());
        let text = tips_text(&[t]);
        assert!(
            text.contains("automatic reply on until 2026-06-10T00:00: \"Away\""),
            "{text}"
        );
        let e = tip(
            &json!({"emailAddress": {"address": "x@y"}, "error": {"code": "E", "message": "nope"}}),
        );
        assert_eq!(e.error.as_deref(), Some("nope"));
    }
}
