//! Inbox rules: `mailFolders/inbox/messageRules` (GET, POST) and `messageRules/{id}` (GET,
//! PATCH, DELETE), as in mailfolder-list-messagerules.md and mailfolder-post-messagerules.md.
//!
//! - Delegated MailboxSettings.Read to read, MailboxSettings.ReadWrite to change (both work and
//!   personal accounts).
//! - Rules exist on the Inbox only; another folder's `messageRules` is refused (sandbox wording).
//! - A new rule needs `displayName`, `sequence` and `actions` (the doc's "Required"); the answer is
//!   201 with the rule, `hasError: false`, `isReadOnly: false`, `isEnabled` defaulting to true, and
//!   `senderContains` values upper-cased as in the doc's example response.
//! - `moveToFolder`/`copyToFolder` must name an existing folder (id or well-known name; stored as
//!   the id).
//! - Rules are stored, listed and edited; delivery in the sandbox does not run them.

use axum::http::Method;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{
    mail::{folder_id, mailbox, merge},
    request::{Ctx, GraphRequest},
    router::{method_not_allowed, require_scope, Outcome, Reply},
    shape::{self, IdKind},
};
use crate::{
    error::GraphError,
    odata::{CollectionRules, SearchKind},
    store::{Mailbox, World},
};

const READ: &[&str] = &["MailboxSettings.Read", "MailboxSettings.ReadWrite"];
const WRITE: &[&str] = &["MailboxSettings.ReadWrite"];

pub const RULES: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.messageRule",
    default_top: 1000,
    max_top: 1000,
    search: SearchKind::None,
    count: false,
    messages_rules: false,
    default_orderby: Some("sequence asc"),
    unsupported: &["$search", "$skip"],
};

pub fn handle(
    world: &mut World,
    ctx: &Ctx<'_>,
    folder: &str,
    tail: &[&str],
    req: &GraphRequest,
) -> Outcome {
    // Like mailboxSettings, another mailbox's rules are out of reach of delegated scopes.
    if ctx.user_id != ctx.principal.user_id {
        return Err(GraphError::access_denied(
            "Access is denied. Check credentials and try again.",
        ));
    }
    let mb = mailbox(world, ctx)?;
    let fid = folder_id(mb, folder)?;
    if mb.well_known_folders.get("inbox") != Some(&fid) {
        return Err(GraphError::new(
            400,
            "ErrorInvalidRequest",
            "Message rules can only be accessed on the Inbox folder.",
        ));
    }
    match tail {
        [] => match req.method {
            Method::GET => {
                require_scope(ctx.principal, READ)?;
                shape::page(mb.message_rules.clone(), IdKind::Plain, &RULES, ctx, req)
            }
            Method::POST => {
                require_scope(ctx.principal, WRITE)?;
                let body = req.json()?;
                ctx.schema
                    .check_body("microsoft.graph.messageRule", &body)?;
                for (key, param) in [("displayName", "DisplayName"), ("sequence", "Sequence")] {
                    if body.get(key).is_none_or(Value::is_null)
                        || body[key].as_str().is_some_and(|s| s.trim().is_empty())
                    {
                        return Err(missing(param));
                    }
                }
                if body
                    .get("actions")
                    .and_then(Value::as_object)
                    .is_none_or(|a| a.values().all(Value::is_null))
                {
                    return Err(missing("Actions"));
                }
                let mut rule = json!({
                    "id": new_rule_id(),
                    "displayName": "",
                    "sequence": 1,
                    "isEnabled": true,
                    "hasError": false,
                    "isReadOnly": false,
                    "conditions": {},
                    "actions": {},
                });
                merge(&mut rule, &body);
                normalize(mb, &mut rule)?;
                mb.message_rules.push(rule.clone());
                Ok(Reply::created(with_context(rule, ctx)))
            }
            _ => Err(method_not_allowed()),
        },
        [id] => {
            let pos = mb
                .message_rules
                .iter()
                .position(|r| r["id"] == *id)
                .ok_or_else(GraphError::item_not_found)?;
            match req.method {
                Method::GET => {
                    require_scope(ctx.principal, READ)?;
                    shape::single(
                        mb.message_rules[pos].clone(),
                        IdKind::Plain,
                        &RULES,
                        ctx,
                        req,
                    )
                }
                Method::PATCH => {
                    require_scope(ctx.principal, WRITE)?;
                    let body = req.json()?;
                    ctx.schema
                        .check_body("microsoft.graph.messageRule", &body)?;
                    let mut rule = mb.message_rules[pos].clone();
                    merge(&mut rule, &body);
                    normalize(mb, &mut rule)?;
                    mb.message_rules[pos] = rule.clone();
                    Ok(Reply::ok(with_context(rule, ctx)))
                }
                Method::DELETE => {
                    require_scope(ctx.principal, WRITE)?;
                    mb.message_rules.remove(pos);
                    Ok(Reply::no_content())
                }
                _ => Err(method_not_allowed()),
            }
        }
        [first, ..] => Err(GraphError::no_resource(first)),
    }
}

fn missing(param: &str) -> GraphError {
    GraphError::new(
        400,
        "ErrorInvalidParameter",
        format!("The value of the parameter '{param}' is empty."),
    )
}

/// Folder references resolved to ids; `senderContains` upper-cased.
fn normalize(mb: &Mailbox, rule: &mut Value) -> Result<(), GraphError> {
    for key in ["moveToFolder", "copyToFolder"] {
        if let Some(f) = rule["actions"].get(key).and_then(Value::as_str) {
            let id = folder_id(mb, f).map_err(|_| {
                GraphError::new(
                    400,
                    "ErrorInvalidParameter",
                    format!("The folder '{f}' in the rule action '{key}' does not exist."),
                )
            })?;
            rule["actions"][key] = json!(id);
        }
    }
    for part in ["conditions", "exceptions"] {
        if let Some(list) = rule
            .get_mut(part)
            .and_then(|c| c.get_mut("senderContains"))
            .and_then(Value::as_array_mut)
        {
            for v in list.iter_mut() {
                if let Some(s) = v.as_str() {
                    *v = json!(s.to_uppercase());
                }
            }
        }
    }
    Ok(())
}

fn with_context(v: Value, ctx: &Ctx<'_>) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#users('{}')/mailFolders('inbox')/messageRules/$entity",
            ctx.base_url, ctx.user_id
        )),
    );
    if let Value::Object(o) = v {
        out.extend(o);
    }
    Value::Object(out)
}

/// Rule ids are short base64 strings (`AQAAAJ5dZqA=`).
pub fn new_rule_id() -> String {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    let mut raw = vec![0x01, 0x00, 0x00, 0x00];
    raw.extend_from_slice(&b);
    base64::engine::general_purpose::STANDARD.encode(raw)
}
