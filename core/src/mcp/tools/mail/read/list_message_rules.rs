//! `list_message_rules`: the user's inbox rules, each summarised in one line.
//!
//! Graph: `GET /me/mailFolders/inbox/messageRules` (MailboxSettings.Read). Conditions and
//! actions are open-ended objects; they are summarised as `name: value` pairs. Folder ids in
//! `moveToFolder`/`copyToFolder` are shown by name, read in one `$batch`
//! (`GET /me/mailFolders/{id}?$select=displayName`).

use serde::Serialize;
use serde_json::Value;

use crate::graph::batch::Batch;
use crate::graph::request::MAX_BATCH_REQUESTS;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext};
use crate::mcp::tools::mail::{clip, items, str_field};
use crate::mcp::typed::{NoArgs, Reply, ToolHandler, ToolResult, ToolSpec};

const RULE_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "sequence",
    "isEnabled",
    "hasError",
    "conditions",
    "exceptions",
    "actions",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub name: String,
    /// Order of evaluation (lowest first).
    pub sequence: u64,
    pub enabled: bool,
    /// Outlook marked the rule as broken (e.g. its target folder is gone).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub has_error: bool,
    /// e.g. "senderContains: newsletter; hasAttachments: true".
    pub conditions: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub exceptions: String,
    /// e.g. "moveToFolder: Newsletters; stopProcessingRules: true" (folders by name).
    pub actions: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Rules {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Default)]
pub struct ListMessageRules;

/// `name: value` pairs of a predicates or actions object (recipients as addresses).
pub fn summarise(v: Option<&Value>) -> String {
    let Some(Value::Object(o)) = v else {
        return String::new();
    };
    let value = |x: &Value| -> String {
        match x {
            Value::Array(a) => a
                .iter()
                .map(|e| {
                    e.get("emailAddress")
                        .and_then(|ea| str_field(ea, "address"))
                        .unwrap_or_else(|| match e {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                })
                .collect::<Vec<_>>()
                .join(", "),
            Value::String(s) => s.clone(),
            Value::Object(_) => x.to_string(),
            other => other.to_string(),
        }
    };
    let mut pairs: Vec<(&String, &Value)> = o.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    pairs
        .into_iter()
        .filter(|(k, x)| {
            !k.starts_with('@')
                && !x.is_null()
                && x.as_array().is_none_or(|a| !a.is_empty())
                && **x != Value::Bool(false)
        })
        .map(|(k, x)| format!("{k}: {}", clip(&value(x), 200)))
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn rule(v: &Value) -> Rule {
    Rule {
        id: str_field(v, "id").unwrap_or_default(),
        name: str_field(v, "displayName").unwrap_or_else(|| "(unnamed)".into()),
        sequence: v.get("sequence").and_then(Value::as_u64).unwrap_or(0),
        enabled: v.get("isEnabled").and_then(Value::as_bool).unwrap_or(false),
        has_error: v.get("hasError").and_then(Value::as_bool).unwrap_or(false),
        conditions: summarise(v.get("conditions")),
        exceptions: summarise(v.get("exceptions")),
        actions: summarise(v.get("actions")),
    }
}

/// Actions that name a folder by id.
const FOLDER_ACTIONS: &[&str] = &["moveToFolder", "copyToFolder"];

/// Replaces folder ids in rule actions by the folders' names (best effort: an id that cannot
/// be read, e.g. a deleted folder, stays as it is).
async fn name_folders(cx: &ToolContext<'_>, rules: &mut [Value]) {
    let mut ids: Vec<String> = Vec::new();
    for r in rules.iter() {
        for a in FOLDER_ACTIONS {
            if let Some(id) = r.get("actions").and_then(|x| str_field(x, a)) {
                if !ids.contains(&id) && ids.len() < MAX_BATCH_REQUESTS {
                    ids.push(id);
                }
            }
        }
    }
    if ids.is_empty() {
        return;
    }
    let mut batch = Batch::new();
    for (i, id) in ids.iter().enumerate() {
        let Ok(path) = GraphPath::me().segment("mailFolders").id(id) else {
            continue;
        };
        match batch.add(
            &i.to_string(),
            &GraphRequest::get(path).select(&["displayName"]),
        ) {
            Ok(b) => batch = b,
            Err(_) => return,
        }
    }
    let Ok(reply) = cx.send_batch(&batch).await else {
        return;
    };
    for r in rules.iter_mut() {
        for a in FOLDER_ACTIONS {
            let Some(id) = r.get("actions").and_then(|x| str_field(x, a)) else {
                continue;
            };
            let Some(i) = ids.iter().position(|x| *x == id) else {
                continue;
            };
            if let Some(name) = reply
                .result(&i.to_string())
                .ok()
                .and_then(|f| str_field(&f, "displayName"))
            {
                r["actions"][*a] = Value::String(name);
            }
        }
    }
}

async fn run(cx: &ToolContext<'_>) -> ToolResult<Rules> {
    let path = GraphPath::me()
        .segment("mailFolders")
        .segment("inbox")
        .segment("messageRules");
    let answer = cx
        .call(&GraphRequest::get(path).select(RULE_FIELDS))
        .await?;
    let mut raw: Vec<Value> = items(&answer).to_vec();
    name_folders(cx, &mut raw).await;
    let mut rules: Vec<Rule> = raw.iter().map(rule).collect();
    rules.sort_by_key(|r| r.sequence);
    let mut text = format!("{} inbox rule(s), in evaluation order:", rules.len());
    for r in &rules {
        let state = match (r.enabled, r.has_error) {
            (_, true) => "in error",
            (true, false) => "on",
            (false, false) => "off",
        };
        text.push_str(&format!(
            "\n{}. {} [{state}] if {} then {}",
            r.sequence,
            r.name,
            if r.conditions.is_empty() {
                "(all messages)"
            } else {
                &r.conditions
            },
            r.actions
        ));
        if !r.exceptions.is_empty() {
            text.push_str(&format!(" except {}", r.exceptions));
        }
        text.push_str(&format!(" (id: {})", r.id));
    }
    Ok(Reply::new(text, Rules { rules }))
}

impl ToolHandler for ListMessageRules {
    type Args = NoArgs;
    type Output = Rules;

    const SPEC: ToolSpec = ToolSpec {
        name: "list_message_rules",
        title: "List inbox rules",
        description: "List the user's inbox rules in evaluation order: name, on/off, conditions, exceptions \
and actions (move, forward, categorise, delete…) and each rule's id. Use it to explain why mail lands in a \
folder or is forwarded, or before creating or deleting a rule. Takes no arguments. Example: {}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["MailboxSettings.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        _args: NoArgs,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Rules>> {
        Box::pin(run(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_are_one_line() {
        let r = rule(
            &json!({"id": "R1", "displayName": "Newsletters", "sequence": 2, "isEnabled": true,
            "conditions": {"senderContains": ["news"], "hasAttachments": false, "fromAddresses": [
                {"emailAddress": {"name": "N", "address": "n@x.example"}}]},
            "actions": {"moveToFolder": "F1", "stopProcessingRules": true}}),
        );
        assert_eq!(
            r.conditions,
            "fromAddresses: n@x.example; senderContains: news"
        );
        assert_eq!(r.actions, "moveToFolder: F1; stopProcessingRules: true");
        assert!(r.exceptions.is_empty());
    }
}
