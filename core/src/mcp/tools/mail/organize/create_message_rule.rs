//! `create_message_rule`: an Inbox rule (conditions → actions).
//!
//! Graph: `POST /me/mailFolders/inbox/messageRules` (mailfolder-post-messagerules;
//! MailboxSettings.ReadWrite) with `displayName`, `sequence`, `isEnabled`, `conditions`
//! (messageRulePredicates) and `actions` (messageRuleActions). `moveToFolder` takes a folder id,
//! so a well-known name is turned into its id; without a `sequence` the rule goes after the
//! existing ones. Those two reads share one `$batch`.
//!
//! Forwarding sends mail to someone else with no review, so `forward_to` is only accepted when
//! the deployment allows direct sending (`full` preset, `direct` send policy) and every address
//! is in the allowed recipient domains.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::send_each;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::{Preset, Safety, SendPolicy};
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{items, looks_like_id, resolve_folder, str_field, Person};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Importance {
    Low,
    Normal,
    High,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// The rule's name.
    pub name: String,
    /// Condition: the sender is one of these addresses.
    #[serde(default)]
    pub from_addresses: Vec<String>,
    /// Condition: the subject contains one of these words or phrases.
    #[serde(default)]
    pub subject_contains: Vec<String>,
    /// Condition: the body contains one of these words or phrases.
    #[serde(default)]
    pub body_contains: Vec<String>,
    /// Condition (when true): the user is a To recipient. Default false (no condition).
    #[serde(default)]
    pub sent_to_me: bool,
    /// Condition (when true): the message has attachments. Default false (no condition).
    #[serde(default)]
    pub has_attachments: bool,
    /// Condition: the message has this importance.
    #[serde(default)]
    pub importance: Option<Importance>,
    /// Action: move to this folder (well-known name, display name or id).
    #[serde(default)]
    pub move_to_folder: Option<String>,
    /// Action: mark as read. Default false.
    #[serde(default)]
    pub mark_as_read: bool,
    /// Action: add these categories.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Action: forward to these addresses (only where the deployment allows direct sending).
    #[serde(default)]
    pub forward_to: Vec<String>,
    /// Action: no later rules run on a matching message. Default false.
    #[serde(default)]
    pub stop_processing: bool,
    /// Order among the rules (1 runs first). Default: after the existing rules.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 1000)))]
    pub sequence: Option<u32>,
    /// Default true.
    #[serde(default = "yes")]
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Pass it to delete_message_rule.
    pub id: String,
    pub name: String,
    pub sequence: u64,
    pub enabled: bool,
}

fn phrases(field: &str, list: &[String]) -> Result<Vec<String>, ToolError> {
    let out: Vec<String> = list
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if out.len() != list.len() {
        return Err(ToolError::invalid_argument(format!(
            "{field}: an entry is empty"
        )));
    }
    Ok(out)
}

fn addresses(field: &str, list: &[String]) -> Result<Vec<String>, ToolError> {
    let out = phrases(field, list)?;
    if let Some(bad) = out.iter().find(|a| !a.contains('@') || a.contains(' ')) {
        return Err(ToolError::invalid_argument(format!(
            "{field}: {bad:?} is not an email address; use lookup_people to find an address"
        )));
    }
    Ok(out)
}

/// The `conditions` object, or an error when there is none (a rule without conditions would
/// act on every incoming message).
pub fn conditions(args: &Args) -> Result<Value, ToolError> {
    let mut c = Map::new();
    let from = addresses("from_addresses", &args.from_addresses)?;
    if !from.is_empty() {
        c.insert(
            "fromAddresses".into(),
            Value::Array(from.iter().map(|a| Person::to_recipient(a)).collect()),
        );
    }
    let subject = phrases("subject_contains", &args.subject_contains)?;
    if !subject.is_empty() {
        c.insert("subjectContains".into(), json!(subject));
    }
    let body = phrases("body_contains", &args.body_contains)?;
    if !body.is_empty() {
        c.insert("bodyContains".into(), json!(body));
    }
    // false is Graph's "no condition", so only true is sent.
    if args.sent_to_me {
        c.insert("sentToMe".into(), json!(true));
    }
    if args.has_attachments {
        c.insert("hasAttachments".into(), json!(true));
    }
    if let Some(i) = args.importance {
        let i = match i {
            Importance::Low => "low",
            Importance::Normal => "normal",
            Importance::High => "high",
        };
        c.insert("importance".into(), json!(i));
    }
    if c.is_empty() {
        return Err(ToolError::invalid_argument(
            "give at least one condition (from_addresses, subject_contains, body_contains, sent_to_me, \
             has_attachments or importance); a rule without conditions would act on every incoming message",
        ));
    }
    Ok(Value::Object(c))
}

#[derive(Debug, Default)]
pub struct CreateMessageRule;

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Rule> {
    let name = args.name.trim().to_owned();
    if name.is_empty() {
        return Err(ToolError::invalid_argument("name: give the rule a name"));
    }
    let conditions = conditions(&args)?;
    let forward = addresses("forward_to", &args.forward_to)?;
    let categories = phrases("categories", &args.categories)?;
    let folder_arg = args
        .move_to_folder
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty());
    if folder_arg.is_none() && !args.mark_as_read && categories.is_empty() && forward.is_empty() {
        return Err(ToolError::invalid_argument(
            "give at least one action: move_to_folder, mark_as_read, categories or forward_to",
        ));
    }
    if !forward.is_empty() {
        let d = cx.deployment();
        if d.preset != Preset::Full || d.send_policy != SendPolicy::Direct {
            return Err(ToolError::new(
                "This server's send policy does not allow forwarding rules: a rule that forwards mail sends it \
                 to others without review, which is only allowed when the deployment permits direct sending. \
                 Create the rule without forward_to, or ask the user to set up forwarding in Outlook.",
            ));
        }
        if let Some(bad) = forward.iter().find(|a| !d.recipient_allowed(a)) {
            return Err(ToolError::new(format!(
                "forward_to: {bad} is outside the recipient domains this server may send to ({}). Forward only \
                 to addresses in those domains.",
                d.allowed_domains.join(", ")
            )));
        }
    }

    let me = GraphPath::me();
    let rules = me
        .clone()
        .segment("mailFolders")
        .segment("inbox")
        .segment("messageRules");
    let folder = match folder_arg {
        Some(f) => Some(resolve_folder(cx, &me, f).await?),
        None => None,
    };
    // Reads: the folder id of a well-known name, the existing rules' order.
    let mut reads = Vec::new();
    if let Some(f) = folder.as_deref().filter(|f| !looks_like_id(f)) {
        let path = me
            .clone()
            .segment("mailFolders")
            .id(f)
            .map_err(|_| ToolError::invalid_argument("move_to_folder is not a valid folder"))?;
        reads.push(("folder".to_owned(), GraphRequest::get(path).select(&["id"])));
    }
    if args.sequence.is_none() {
        reads.push((
            "rules".to_owned(),
            GraphRequest::get(rules.clone()).select(&["sequence"]),
        ));
    }
    let mut folder_id = folder.clone();
    let mut sequence = args.sequence.map(u64::from);
    if !reads.is_empty() {
        for (key, result) in send_each(cx, reads).await? {
            let v = result.map_err(|e| cx.graph_error(&e))?;
            if key == "folder" {
                folder_id = str_field(&v, "id").or(folder_id);
            } else {
                let last = items(&v)
                    .iter()
                    .filter_map(|r| r.get("sequence").and_then(Value::as_u64))
                    .max()
                    .unwrap_or(0);
                sequence = Some(last + 1);
            }
        }
    }
    let sequence = sequence.unwrap_or(1);

    let mut actions = Map::new();
    if let Some(f) = &folder_id {
        actions.insert("moveToFolder".into(), json!(f));
    }
    if args.mark_as_read {
        actions.insert("markAsRead".into(), json!(true));
    }
    if !categories.is_empty() {
        actions.insert("assignCategories".into(), json!(categories));
    }
    if !forward.is_empty() {
        actions.insert(
            "forwardTo".into(),
            Value::Array(forward.iter().map(|a| Person::to_recipient(a)).collect()),
        );
    }
    if args.stop_processing {
        actions.insert("stopProcessingRules".into(), json!(true));
    }
    let body = json!({
        "displayName": name,
        "sequence": sequence,
        "isEnabled": args.enabled,
        "conditions": conditions,
        "actions": Value::Object(actions),
    });
    let created = cx.call(&GraphRequest::post(rules, body)).await?;
    let rule = Rule {
        id: str_field(&created, "id").unwrap_or_default(),
        name: str_field(&created, "displayName").unwrap_or(name),
        sequence: created
            .get("sequence")
            .and_then(Value::as_u64)
            .unwrap_or(sequence),
        enabled: created
            .get("isEnabled")
            .and_then(Value::as_bool)
            .unwrap_or(args.enabled),
    };
    let mut what = Vec::new();
    if let Some(f) = folder_arg {
        what.push(format!("move to {f}"));
    }
    if args.mark_as_read {
        what.push("mark as read".to_owned());
    }
    if !categories.is_empty() {
        what.push(format!("categorize as {}", categories.join(", ")));
    }
    if !forward.is_empty() {
        what.push(format!("forward to {}", forward.join(", ")));
    }
    if args.stop_processing {
        what.push("stop processing more rules".to_owned());
    }
    let text = format!(
        "Created Inbox rule {:?} (sequence {}, {}): {}. id: {}",
        rule.name,
        rule.sequence,
        if rule.enabled { "enabled" } else { "disabled" },
        what.join("; "),
        rule.id
    );
    Ok(Reply::new(text, rule))
}

impl ToolHandler for CreateMessageRule {
    type Args = Args;
    type Output = Rule;

    const SPEC: ToolSpec = ToolSpec {
        name: "create_message_rule",
        title: "Create an Inbox rule",
        description: "Create an Inbox rule that acts on new incoming mail: conditions (sender addresses, subject or \
body words, sent to me, attachments, importance; at least one) and actions (move to a folder, mark read, \
categorize, forward, stop processing). Forwarding only works where this server allows direct sending. Does \
not touch mail already received (use move_message for that). Example: \
{\"name\":\"Invoices\",\"from_addresses\":[\"billing@fabrikam.com\"],\"move_to_folder\":\"Invoices\",\"mark_as_read\":true}",
        annotations: ToolAnnotations {
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["MailboxSettings.ReadWrite", "Mail.Read"],
        safety: Safety::Organize,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Rule>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_built_and_required() {
        let a = Args {
            name: "x".into(),
            from_addresses: vec!["a@b.example".into()],
            subject_contains: vec![" invoice ".into()],
            sent_to_me: true,
            importance: Some(Importance::High),
            ..Args::default()
        };
        let c = conditions(&a).unwrap();
        assert_eq!(
            c["fromAddresses"][0]["emailAddress"]["address"],
            "a@b.example"
        );
        assert_eq!(c["subjectContains"], json!(["invoice"]));
        assert_eq!(c["sentToMe"], true);
        assert_eq!(c["importance"], "high");
        assert!(c.get("bodyContains").is_none());
        assert!(conditions(&Args::default()).is_err());
        let bad = Args {
            from_addresses: vec!["Megan".into()],
            ..Args::default()
        };
        assert!(conditions(&bad)
            .unwrap_err()
            .message
            .contains("from_addresses"));
    }
}
