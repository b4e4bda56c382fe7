//! More of Outlook mail: message delta per folder, `getMailTips`, inbox rules (read), the
//! Microsoft Search API for messages (`POST /search/query`), and the message properties Graph
//! computes rather than stores (`uniqueBody`, `internetMessageHeaders`).
//!
//! Sources: concepts/delta-query-messages.md (per folder; `$select`, `$filter=receivedDateTime
//! ge …`; `@removed` for deleted items; `@odata.nextLink` then `@odata.deltaLink`),
//! api/user-getmailtips.md, api/mailfolder-list-messagerules.md,
//! concepts/search-concept-messages.md (work or school accounts only, own mailbox, body and
//! attachments searched, `hitsContainers` with `moreResultsAvailable`).
//!
//! Delta state (snapshots and pending pages) lives in a process-wide table keyed by random
//! tokens, so it needs no field in the world; a token the table does not know answers 410
//! `SyncStateNotFound`, as an expired one does on Graph.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex};

use axum::http::Method;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{
    mail::{mailbox, MESSAGES},
    request::{Ctx, GraphRequest},
    router::{require_scope, Outcome, Reply},
    shape::{self, IdKind},
};
use crate::{
    error::GraphError,
    odata::{self, search},
    store::{AccountKind, World},
};

const READ: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];
const SETTINGS_READ: &[&str] = &["MailboxSettings.Read", "MailboxSettings.ReadWrite"];

const RULES: odata::CollectionRules = odata::CollectionRules {
    entity_type: "microsoft.graph.messageRule",
    default_top: 1000,
    max_top: 1000,
    search: odata::SearchKind::None,
    count: false,
    messages_rules: false,
    default_orderby: None,
    unsupported: &[],
};

// === uniqueBody and internetMessageHeaders ===

/// Where the quoted history of a reply or forward starts in an HTML body (Outlook's markers).
const HTML_QUOTE_MARKERS: &[&str] = &[
    "<div id=\"appendonsend\"",
    "<hr style=\"display:inline-block",
    "<div id=\"divRplyFwdMsg\"",
    "<blockquote",
];
/// The same in a text body.
const TEXT_QUOTE_MARKERS: &[&str] = &[
    "\n-----Original Message-----",
    "\n________________",
    "\nFrom: ",
    "\n> ",
];

/// The part of a body before the quoted history.
pub fn unique_part(body: &Value) -> Value {
    let ct = body["contentType"].as_str().unwrap_or("html");
    let content = body["content"].as_str().unwrap_or("");
    let markers = if ct.eq_ignore_ascii_case("text") {
        TEXT_QUOTE_MARKERS
    } else {
        HTML_QUOTE_MARKERS
    };
    let cut = markers
        .iter()
        .filter_map(|m| content.find(m))
        .min()
        .unwrap_or(content.len());
    let mut head = content[..cut].to_string();
    if cut < content.len() {
        head.truncate(head.trim_end().len());
    }
    if !ct.eq_ignore_ascii_case("text") && cut < content.len() {
        head.push_str("</body></html>");
    }
    json!({ "contentType": ct, "content": head })
}

fn header_address(v: &Value) -> String {
    let e = &v["emailAddress"];
    match (e["name"].as_str(), e["address"].as_str()) {
        (Some(n), Some(a)) if !n.is_empty() => format!("{n} <{a}>"),
        (_, Some(a)) => a.to_string(),
        _ => String::new(),
    }
}

/// RFC 5322-style headers for a stored message.
pub fn headers(msg: &Value) -> Value {
    let list = |k: &str| {
        msg[k]
            .as_array()
            .map(|a| a.iter().map(header_address).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let from = header_address(&msg["from"]);
    let domain = msg["from"]["emailAddress"]["address"]
        .as_str()
        .and_then(|a| a.split('@').nth(1))
        .unwrap_or("sandbox.example")
        .to_string();
    let mut h = vec![
        ("Received", format!("from mail.{domain} by sandbox.example; {}", msg["receivedDateTime"].as_str().unwrap_or(""))),
        ("Authentication-Results", format!("spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}")),
        ("From", from),
        ("To", list("toRecipients")),
        ("Subject", msg["subject"].as_str().unwrap_or("").to_string()),
        ("Date", msg["sentDateTime"].as_str().unwrap_or("").to_string()),
        ("Message-ID", msg["internetMessageId"].as_str().unwrap_or("").to_string()),
        ("MIME-Version", "1.0".to_string()),
    ];
    let cc = list("ccRecipients");
    if !cc.is_empty() {
        h.push(("Cc", cc));
    }
    Value::Array(
        h.into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| json!({ "name": n, "value": v }))
            .collect(),
    )
}

/// Adds the computed properties a request selects explicitly (Graph returns neither by default).
pub fn with_computed(mut msg: Value, raw_query: Option<&str>) -> Value {
    let q = raw_query.unwrap_or("");
    if q.contains("uniqueBody") && msg.get("uniqueBody").is_none() {
        let u = unique_part(&msg["body"]);
        msg["uniqueBody"] = u;
    }
    if q.contains("internetMessageHeaders") && msg.get("internetMessageHeaders").is_none() {
        let h = headers(&msg);
        msg["internetMessageHeaders"] = h;
    }
    msg
}

// === Delta ===

#[derive(Debug, Clone)]
struct Snapshot {
    folder: String,
    user: String,
    /// id → version (etag, folder, read state, flag).
    versions: BTreeMap<String, String>,
    /// `$filter` and `$select` of the first request; they stay with the round.
    filter: Option<String>,
    select: Option<String>,
}

#[derive(Debug, Clone)]
struct Pending {
    items: Vec<Value>,
    /// The snapshot token for the deltaLink at the end.
    delta_token: String,
    path: String,
}

#[derive(Default)]
struct DeltaTable {
    snapshots: HashMap<String, Snapshot>,
    pending: HashMap<String, Pending>,
}

static DELTA: LazyLock<Mutex<DeltaTable>> = LazyLock::new(|| Mutex::new(DeltaTable::default()));

fn table() -> std::sync::MutexGuard<'static, DeltaTable> {
    DELTA
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn version(m: &Value) -> String {
    format!(
        "{}|{}|{}|{}|{}",
        m["@odata.etag"].as_str().unwrap_or(""),
        m["lastModifiedDateTime"].as_str().unwrap_or(""),
        m["isRead"],
        m["flag"]["flagStatus"],
        m["categories"]
    )
}

fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    raw?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let k = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// `GET …/mailFolders/{folder}/messages/delta`.
pub fn delta(world: &mut World, ctx: &Ctx<'_>, folder_id: &str, req: &GraphRequest) -> Outcome {
    if req.method != Method::GET {
        return Err(super::router::method_not_allowed());
    }
    require_scope(ctx.principal, READ)?;
    let raw = req.query.as_deref();
    let page_size = ctx.prefs.max_page_size.unwrap_or(10);
    let path = req.path();
    if let Some(skip) = query_param(raw, "$skiptoken") {
        let pending = table()
            .pending
            .remove(&skip)
            .ok_or_else(sync_state_not_found)?;
        return Ok(delta_page(ctx, pending, page_size));
    }
    let (previous, filter, select) = match query_param(raw, "$deltatoken") {
        Some(token) => {
            let snap = table()
                .snapshots
                .get(&token)
                .cloned()
                .ok_or_else(sync_state_not_found)?;
            if snap.folder != folder_id || snap.user != ctx.user_id {
                return Err(sync_state_not_found());
            }
            let (f, s) = (snap.filter.clone(), snap.select.clone());
            (Some(snap.versions), f, s)
        }
        None => {
            if query_param(raw, "$search").is_some()
                || query_param(raw, "$orderby")
                    .is_some_and(|o| !o.starts_with("receivedDateTime desc"))
            {
                return Err(GraphError::bad_request(
                    "The query parameter is not supported with delta: only $select, $top, $expand and $filter on receivedDateTime are.",
                ));
            }
            (
                None,
                query_param(raw, "$filter"),
                query_param(raw, "$select"),
            )
        }
    };
    // Parse $filter and $select as a message collection does (schema-checked).
    let mut synthetic = Vec::new();
    if let Some(f) = &filter {
        synthetic.push(format!(
            "$filter={}",
            percent_encoding::utf8_percent_encode(f, percent_encoding::NON_ALPHANUMERIC)
        ));
    }
    if let Some(s) = &select {
        synthetic.push(format!(
            "$select={}",
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
        ));
    }
    let synthetic = synthetic.join("&");
    let q = odata::parse(
        (!synthetic.is_empty()).then_some(synthetic.as_str()),
        &MESSAGES,
        ctx.schema,
    )?;
    let mb = mailbox(world, ctx)?;
    let current: Vec<&Value> = mb
        .messages
        .iter()
        .filter(|m| m["parentFolderId"] == folder_id)
        .filter(|m| {
            q.filter
                .as_ref()
                .is_none_or(|f| odata::filter_matches(f, m))
        })
        .collect();
    let versions: BTreeMap<String, String> = current
        .iter()
        .map(|m| (m["id"].as_str().unwrap_or("").to_string(), version(m)))
        .collect();
    let present = |m: &Value| {
        let v = shape::with_ids(m.clone(), IdKind::InFolder, ctx);
        shape::with_prefs(odata::project(&v, q.select.as_deref()), ctx)
    };
    let mut items: Vec<Value> = current
        .iter()
        .filter(|m| {
            let id = m["id"].as_str().unwrap_or("");
            previous
                .as_ref()
                .is_none_or(|p| p.get(id) != versions.get(id))
        })
        .map(|m| present(m))
        .collect();
    if let Some(p) = &previous {
        for id in p.keys().filter(|id| !versions.contains_key(*id)) {
            items.push(json!({ "@removed": { "reason": "deleted" }, "id": id }));
        }
    }
    let token = crate::server::new_id();
    table().snapshots.insert(
        token.clone(),
        Snapshot {
            folder: folder_id.to_string(),
            user: ctx.user_id.clone(),
            versions,
            filter,
            select,
        },
    );
    Ok(delta_page(
        ctx,
        Pending {
            items,
            delta_token: token,
            path,
        },
        page_size,
    ))
}

fn delta_page(ctx: &Ctx<'_>, mut pending: Pending, page_size: usize) -> Reply {
    let rest = if pending.items.len() > page_size {
        pending.items.split_off(page_size)
    } else {
        Vec::new()
    };
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#Collection(message)",
            ctx.base_url
        )),
    );
    let link = |name: &str, token: &str| format!("{}{}?{name}={token}", ctx.base_url, pending.path);
    if rest.is_empty() {
        out.insert(
            "@odata.deltaLink".into(),
            json!(link("$deltatoken", &pending.delta_token)),
        );
    } else {
        let skip = crate::server::new_id();
        out.insert("@odata.nextLink".into(), json!(link("$skiptoken", &skip)));
        table().pending.insert(
            skip,
            Pending {
                items: rest,
                delta_token: pending.delta_token.clone(),
                path: pending.path.clone(),
            },
        );
    }
    out.insert("value".into(), Value::Array(pending.items));
    shape::prefer_applied(Reply::ok(Value::Object(out)), ctx)
}

fn sync_state_not_found() -> GraphError {
    GraphError::new(
        410,
        "SyncStateNotFound",
        "The sync state generation is not found. Please start a new sync without a delta token.",
    )
}

// === Mail tips ===

/// `POST /me/getMailTips`.
pub fn mail_tips(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    if req.method != Method::POST {
        return Err(super::router::method_not_allowed());
    }
    require_scope(
        ctx.principal,
        &["Mail.Read", "Mail.ReadWrite", "Mail.ReadBasic"],
    )?;
    let body = req.json()?;
    let addresses = body["EmailAddresses"]
        .as_array()
        .or_else(|| body["emailAddresses"].as_array())
        .ok_or_else(|| GraphError::bad_request("EmailAddresses is required."))?;
    if addresses.is_empty() || addresses.len() > 100 {
        return Err(GraphError::bad_request(
            "Between 1 and 100 email addresses are allowed.",
        ));
    }
    let options = body["MailTipsOptions"]
        .as_str()
        .or_else(|| body["mailTipsOptions"].as_str())
        .ok_or_else(|| GraphError::bad_request("MailTipsOptions is required."))?
        .to_ascii_lowercase();
    let me = world.user(&ctx.user_id).cloned();
    let my_tenant = me.as_ref().map(|u| u.tenant_id.clone()).unwrap_or_default();
    let now = ctx.now;
    let mut out = Vec::new();
    for a in addresses {
        let addr = a.as_str().unwrap_or("").to_string();
        let mut tip = json!({ "emailAddress": { "address": addr } });
        let user = world.user_by_address(&addr).cloned();
        let internal = user.as_ref().is_some_and(|u| u.tenant_id == my_tenant);
        if options.contains("recipientscope") {
            tip["recipientScope"] = json!(if internal {
                "internal"
            } else {
                "external, externalPartner, externalNonPartner"
            });
        }
        if options.contains("mailboxfullstatus") {
            tip["mailboxFull"] = json!(false);
        }
        if options.contains("deliveryrestriction") {
            tip["deliveryRestricted"] = json!(false);
        }
        if options.contains("moderationstatus") {
            tip["isModerated"] = json!(false);
        }
        if options.contains("maxmessagesize") {
            tip["maxMessageSize"] = json!(37_748_736);
        }
        if options.contains("automaticreplies") {
            let mut reply = json!({});
            if let Some(u) = &user {
                if let Some(mbx) = world.mailboxes.get(&u.id) {
                    let s = &mbx.settings["automaticRepliesSetting"];
                    let status = s["status"].as_str().unwrap_or("disabled");
                    let start = s["scheduledStartDateTime"]["dateTime"]
                        .as_str()
                        .unwrap_or("");
                    let end = s["scheduledEndDateTime"]["dateTime"].as_str().unwrap_or("");
                    let now_s = shape::iso_7(now);
                    let on = status == "alwaysEnabled"
                        || (status == "scheduled"
                            && start <= now_s.as_str()
                            && now_s.as_str() < end);
                    if on {
                        let key = if internal {
                            "internalReplyMessage"
                        } else {
                            "externalReplyMessage"
                        };
                        reply = json!({ "message": s[key], "messageLanguage": {"locale": "en-US", "displayName": "English (United States)"} });
                        if status == "scheduled" {
                            reply["scheduledStartTime"] = s["scheduledStartDateTime"].clone();
                            reply["scheduledEndTime"] = s["scheduledEndDateTime"].clone();
                        }
                    }
                }
            }
            tip["automaticReplies"] = reply;
        }
        out.push(tip);
    }
    Ok(Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.mailTips)", ctx.base_url),
        "value": out,
    })))
}

// === Inbox rules ===

/// The seeded inbox rules of a user (read-only here).
pub fn seeded_rules(user_key: &str) -> Vec<Value> {
    let id = |n: u8| {
        base64::engine::general_purpose::STANDARD.encode([
            b'r',
            b'u',
            b'l',
            b'e',
            n,
            user_key.len() as u8,
            0,
            1,
        ])
    };
    vec![
        json!({
            "id": id(1), "displayName": "Newsletters to Reading", "sequence": 1, "isEnabled": true,
            "hasError": false, "isReadOnly": false,
            "conditions": { "senderContains": ["newsletter", "digest"] },
            "actions": { "moveToFolder": "Reading", "stopProcessingRules": true },
        }),
        json!({
            "id": id(2), "displayName": "Flag mail from my manager", "sequence": 2, "isEnabled": false,
            "hasError": false, "isReadOnly": false,
            "conditions": { "fromAddresses": [ { "emailAddress": { "name": "Patti Fernandez", "address": "patti@contoso.example" } } ] },
            "exceptions": { "subjectContains": ["FYI"] },
            "actions": { "markImportance": "high" },
        }),
    ]
}

/// `GET …/mailFolders/inbox/messageRules`.
pub fn message_rules(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    if req.method != Method::GET {
        return Err(super::router::method_not_allowed());
    }
    require_scope(ctx.principal, SETTINGS_READ)?;
    let key = world
        .user(&ctx.user_id)
        .map(|u| u.user_principal_name.clone())
        .unwrap_or_default();
    let q = odata::parse(req.query.as_deref(), &RULES, ctx.schema)?;
    let select = q.select.clone();
    let items: Vec<Value> = seeded_rules(&key)
        .iter()
        .map(|r| odata::project(r, select.as_deref()))
        .collect();
    Ok(Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#users('{}')/mailFolders('inbox')/messageRules", ctx.base_url, ctx.user_id),
        "value": items,
    })))
}

// === Microsoft Search API ===

/// `POST /search/query` for `entityTypes: ["message"]`.
pub fn search_query(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    if req.method != Method::POST {
        return Err(super::router::method_not_allowed());
    }
    require_scope(ctx.principal, READ)?;
    let personal = world
        .user(&ctx.user_id)
        .is_some_and(|u| u.kind == AccountKind::Personal);
    if personal {
        return Err(GraphError::new(
            400,
            "BadRequest",
            "The Microsoft Search API is not supported for personal Microsoft accounts (MSA).",
        ));
    }
    let body = req.json()?;
    let r = &body["requests"][0];
    let types: Vec<&str> = r["entityTypes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if types != ["message"] {
        return Err(GraphError::bad_request(
            "entityTypes: this sandbox's search supports [\"message\"] only.",
        ));
    }
    let query = r["query"]["queryString"]
        .as_str()
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("query.queryString is required."))?;
    let from = r["from"].as_u64().unwrap_or(0) as usize;
    let size = (r["size"].as_u64().unwrap_or(25) as usize).clamp(1, 25);
    let kql = search::parse_kql(query);
    let mb = mailbox(world, ctx)?;
    let mut matched: Vec<&Value> = mb
        .messages
        .iter()
        .filter(|m| {
            let Some(k) = &kql else { return true };
            // Attachment contents count as body text.
            let mut with_files = (*m).clone();
            let mid = m["id"].as_str().unwrap_or("");
            let mut extra = String::new();
            for a in mb.attachments.get(mid).into_iter().flatten() {
                let ct = a["contentType"].as_str().unwrap_or("");
                if ct.starts_with("text/") || ct.contains("csv") || ct.contains("json") {
                    if let Ok(b) = base64::engine::general_purpose::STANDARD
                        .decode(a["contentBytes"].as_str().unwrap_or(""))
                    {
                        extra.push(' ');
                        extra.push_str(&String::from_utf8_lossy(&b));
                    }
                }
            }
            if !extra.is_empty() {
                let content = format!(
                    "{}{}",
                    with_files["body"]["content"].as_str().unwrap_or(""),
                    extra
                );
                with_files["body"]["content"] = json!(content);
            }
            search::kql_matches(k, &with_files)
        })
        .collect();
    matched.sort_by(|a, b| {
        b["receivedDateTime"]
            .as_str()
            .cmp(&a["receivedDateTime"].as_str())
    });
    let total = matched.len();
    let hits: Vec<Value> = matched
        .iter()
        .skip(from)
        .take(size)
        .enumerate()
        .map(|(i, m)| {
            let id = m["id"].as_str().unwrap_or("");
            json!({
                "hitId": id,
                "rank": from + i + 1,
                "summary": m["bodyPreview"].as_str().unwrap_or("").chars().take(120).collect::<String>(),
                "resource": {
                    "@odata.type": "#microsoft.graph.message",
                    "id": id,
                    "subject": m["subject"], "from": m["from"], "sender": m["sender"],
                    "receivedDateTime": m["receivedDateTime"], "sentDateTime": m["sentDateTime"],
                    "isRead": m["isRead"], "hasAttachments": m["hasAttachments"],
                    "importance": m["importance"], "bodyPreview": m["bodyPreview"],
                    "conversationId": m["conversationId"], "webLink": m["webLink"],
                },
            })
        })
        .collect();
    let more = from + hits.len() < total;
    Ok(Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.searchResponse)", ctx.base_url),
        "value": [{
            "searchTerms": query.split_whitespace().collect::<Vec<_>>(),
            "hitsContainers": [{ "hits": hits, "total": hits.len(), "moreResultsAvailable": more }],
        }],
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_part_cuts_the_quoted_history() {
        let b = json!({"contentType": "html", "content": "<html><body><p>Yes.</p><div id=\"appendonsend\"></div><hr style=\"display:inline-block\"><p>Old</p></body></html>"});
        let u = unique_part(&b);
        assert_eq!(u["content"], "<html><body><p>Yes.</p></body></html>");
        let t = json!({"contentType": "text", "content": "Sure\r\n\r\nFrom: Lee\r\nold"});
        assert_eq!(unique_part(&t)["content"], "Sure");
        let plain = json!({"contentType": "text", "content": "no history"});
        assert_eq!(unique_part(&plain)["content"], "no history");
    }

    #[test]
    fn computed_properties_only_when_selected() {
        let m = json!({"subject": "S", "body": {"contentType": "text", "content": "x"},
            "from": {"emailAddress": {"name": "A", "address": "a@b.example"}}});
        assert!(with_computed(m.clone(), Some("$select=subject"))
            .get("uniqueBody")
            .is_none());
        let w = with_computed(m, Some("$select=uniqueBody,internetMessageHeaders"));
        assert_eq!(w["uniqueBody"]["content"], "x");
        assert!(w["internetMessageHeaders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "From" && h["value"] == "A <a@b.example>"));
    }
}
