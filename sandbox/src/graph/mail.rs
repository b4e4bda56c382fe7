//! Mail: `mailFolders`, `messages` (CRUD and the send/reply/forward/move/copy actions),
//! `sendMail`, attachments (including upload sessions) and the master category list.
//! Sending delivers a copy to any seeded recipient's Inbox, so cross-user flows can be tested.
//!
//! Further rules kept here:
//! - `DELETE messages/{id}` moves the message to Deleted Items (same immutable id); deleting it
//!   there removes it; `permanentDelete` removes it at once. Folders behave the same way, and
//!   distinguished folders refuse deletion.
//! - `internetMessageHeaders` and `uniqueBody` are computed and returned only when `$select`ed;
//!   `$expand=attachments` inlines attachments; an `itemAttachment`'s `item` needs
//!   `$expand=microsoft.graph.itemattachment/item`; `$value` honours a single `Range`.
//! - Hidden folders are listed only with `includeHiddenFolders=true`.
//! - Upload sessions take 3–150 MB (`ErrorAttachmentSizeShouldNotBeLessThanMinimumSize` below).
//! - In a shared mailbox (reached through `/users/{id}` when the router allows it) every check
//!   asks for the `Mail.*.Shared` scope instead ([`need`]).
//!
//! `getMailTips` is in `mailtips`, Inbox rules in `rules`, delta in `delta`.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, Method},
    response::Response,
};
use base64::Engine as _;
use serde_json::{json, Value};

use super::{
    folders,
    request::{parse_id, Ctx, GraphRequest},
    router::{into_response, method_not_allowed, require_scope, Outcome, Reply},
    shape::{self, iso_z, IdKind},
};
use crate::{
    error::GraphError,
    odata::{CollectionRules, SearchKind},
    server::Shared,
    store::{Mailbox, UploadSession, World},
};

pub(crate) const READ: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];
pub(crate) const WRITE: &[&str] = &["Mail.ReadWrite"];
pub(crate) const SEND: &[&str] = &["Mail.Send"];
const SHARED_READ: &[&str] = &["Mail.Read.Shared", "Mail.ReadWrite.Shared"];
const SHARED_WRITE: &[&str] = &["Mail.ReadWrite.Shared"];
const SHARED_SEND: &[&str] = &["Mail.Send.Shared"];

/// The permission check for a mail operation. In the caller's own mailbox the plain scopes
/// (`Mail.Read`…) or their `.Shared` supersets work; in a mailbox shared with the caller (the
/// router only lets delegated mailboxes through) only the `.Shared` ones do
/// (permissions-reference: "Mail.Read.Shared — read mail a user can access, including their own
/// and shared mail"). A missing one is Graph's 403 `ErrorAccessDenied`.
pub(crate) fn need(ctx: &Ctx<'_>, own: &[&str]) -> Result<(), GraphError> {
    let shared = if own == SEND {
        SHARED_SEND
    } else if own == WRITE {
        SHARED_WRITE
    } else {
        SHARED_READ
    };
    if ctx.user_id == ctx.principal.user_id && crate::entra::principal_has_scope(ctx.principal, own)
    {
        return Ok(());
    }
    require_scope(ctx.principal, shared)
}

/// Largest attachment accepted by a plain POST; larger ones need an upload session
/// (concepts/outlook-large-attachments.md: "under 3 MB").
const MAX_INLINE_ATTACHMENT: usize = 3 * 1024 * 1024;
/// Largest attachment an upload session accepts (150 MB on Graph).
const MAX_UPLOAD: usize = 150 * 1024 * 1024;

pub const MESSAGES: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.message",
    default_top: 10,
    max_top: 1000,
    search: SearchKind::MessagesKql,
    count: true,
    messages_rules: true,
    default_orderby: Some("receivedDateTime desc"),
    unsupported: &[],
};

pub const FOLDERS: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.mailFolder",
    default_top: 10,
    max_top: 1000,
    search: SearchKind::None,
    count: true,
    messages_rules: false,
    default_orderby: None,
    unsupported: &[],
};

pub const ATTACHMENTS: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.attachment",
    default_top: 1000,
    max_top: 1000,
    search: SearchKind::None,
    count: true,
    messages_rules: false,
    default_orderby: None,
    unsupported: &[],
};

pub const CATEGORIES: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.outlookCategory",
    default_top: 1000,
    max_top: 1000,
    search: SearchKind::None,
    count: false,
    messages_rules: false,
    default_orderby: None,
    unsupported: &[],
};

pub fn handle(world: &mut World, ctx: &Ctx<'_>, rest: &[&str], req: &GraphRequest) -> Outcome {
    let m = &req.method;
    match rest {
        ["sendMail"] if m == Method::POST => send_mail(world, ctx, req),
        ["outlook", "masterCategories"] => categories(world, ctx, req),
        ["outlook", "masterCategories", id] => category(world, ctx, id, req),
        ["outlook", ..] => {
            super::calendar::outlook_extra(world, ctx, rest, req).unwrap_or_else(|| {
                Err(GraphError::no_resource(
                    rest.get(1).copied().unwrap_or("outlook"),
                ))
            })
        }
        ["getMailTips"] if m == Method::POST => super::mailtips::handle(world, ctx, req),
        ["getMailTips"] => Err(method_not_allowed()),
        ["mailFolders"] => folders(world, ctx, None, req),
        ["mailFolders", f] => folder(world, ctx, f, req),
        ["mailFolders", f, "permanentDelete"] if m == Method::POST => {
            permanent_delete_folder(world, ctx, f)
        }
        ["mailFolders", f, "childFolders"] => {
            let id = folder_id(mailbox(world, ctx)?, f)?;
            folders(world, ctx, Some(id), req)
        }
        ["mailFolders", f, "childFolders", c, tail @ ..] => {
            // A child folder by id is the folder itself (mailfolder-list-childfolders.md).
            let parent = folder_id(mailbox(world, ctx)?, f)?;
            let child = folder_id(mailbox(world, ctx)?, c)?;
            let mb = mailbox(world, ctx)?;
            if !mb
                .folders
                .iter()
                .any(|x| x["id"] == child.as_str() && x["parentFolderId"] == parent.as_str())
            {
                return Err(GraphError::item_not_found());
            }
            let mut segs = vec!["mailFolders", c];
            segs.extend_from_slice(tail);
            handle(world, ctx, &segs, req)
        }
        ["mailFolders", f, "messageRules", tail @ ..] => {
            super::rules::handle(world, ctx, f, tail, req)
        }
        ["mailFolders", f, "messages"] => {
            let id = folder_id(mailbox(world, ctx)?, f)?;
            messages(world, ctx, Some(id), req)
        }
        ["mailFolders", f, "messages", "delta"] => {
            let id = folder_id(mailbox(world, ctx)?, f)?;
            super::delta::messages(world, ctx, &id, req)
        }
        ["mailFolders", f, "messages", msg, tail @ ..] => {
            let fid = folder_id(mailbox(world, ctx)?, f)?;
            let idx = find_message(mailbox(world, ctx)?, msg)?;
            if mailbox(world, ctx)?.messages[idx]["parentFolderId"] != fid.as_str() {
                return Err(GraphError::item_not_found());
            }
            message(world, ctx, msg, tail, req)
        }
        ["messages"] => messages(world, ctx, None, req),
        ["messages", msg, tail @ ..] => message(world, ctx, msg, tail, req),
        [first, ..] => Err(GraphError::no_resource(first)),
        [] => Err(GraphError::bad_request("Invalid request.")),
    }
}

pub fn mailbox<'w>(world: &'w mut World, ctx: &Ctx<'_>) -> Result<&'w mut Mailbox, GraphError> {
    world.mailboxes.get_mut(&ctx.user_id).ok_or_else(|| {
        GraphError::new(
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        )
    })
}

/// A folder by id or well-known name (`inbox`, `SentItems`… case-insensitive).
pub fn folder_id(mb: &Mailbox, name_or_id: &str) -> Result<String, GraphError> {
    if let Some((_, id)) = mb
        .well_known_folders
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name_or_id))
    {
        return Ok(id.clone());
    }
    let (imm, _) = parse_id(name_or_id);
    if mb.folders.iter().any(|f| f["id"] == imm.as_str()) {
        Ok(imm)
    } else {
        Err(GraphError::item_not_found())
    }
}

/// Index of a message by the id a client sent (immutable or REST; a REST id issued before the
/// message moved no longer resolves, as on Graph).
fn find_message(mb: &Mailbox, id: &str) -> Result<usize, GraphError> {
    let (imm, folder) = parse_id(id);
    let idx = mb
        .messages
        .iter()
        .position(|m| m["id"] == imm.as_str())
        .ok_or_else(GraphError::item_not_found)?;
    if let Some(folder) = folder {
        if mb.messages[idx]["parentFolderId"] != folder.as_str() {
            return Err(GraphError::item_not_found());
        }
    }
    Ok(idx)
}

/// A fresh Exchange-style item id: base64 with `+`, `/` and `=` as real ids have.
pub fn new_item_id() -> String {
    let mut b = [0u8; 40];
    let _ = getrandom::fill(&mut b);
    let mut raw = b"\x00\x00\x09\x00\x2e\x00\x00\x00\x00\x00".to_vec();
    raw.extend_from_slice(&b);
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// An Outlook item's `changeKey`.
pub fn change_key() -> String {
    new_item_id().chars().skip(12).take(28).collect()
}

fn etag() -> String {
    format!("W/\"{}\"", &new_item_id()[..28])
}

// === Folders ===

fn with_counts(mb: &Mailbox, folder: &Value) -> Value {
    let id = folder["id"].as_str().unwrap_or("");
    let mut f = folder.clone();
    let in_folder = mb.messages.iter().filter(|m| m["parentFolderId"] == id);
    let (total, unread) = in_folder.fold((0, 0), |(t, u), m| {
        (t + 1, u + usize::from(m["isRead"] == false))
    });
    f["totalItemCount"] = json!(total);
    f["unreadItemCount"] = json!(unread);
    f["childFolderCount"] = json!(mb
        .folders
        .iter()
        .filter(|c| c["parentFolderId"] == id)
        .count());
    f
}

fn folders(
    world: &mut World,
    ctx: &Ctx<'_>,
    parent: Option<String>,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let parent = match parent {
        Some(p) => p,
        None => mb
            .well_known_folders
            .get("msgfolderroot")
            .cloned()
            .unwrap_or_default(),
    };
    match req.method {
        Method::GET => {
            need(ctx, READ)?;
            // Hidden folders are listed only with `includeHiddenFolders=true`
            // (user-list-mailfolders.md, "List mail folders including hidden folders").
            let hidden = query_flag(req, "includeHiddenFolders")?;
            let items = mb
                .folders
                .iter()
                .filter(|f| {
                    f["parentFolderId"] == parent.as_str() && (hidden || f["isHidden"] != true)
                })
                .map(|f| with_counts(mb, f))
                .collect();
            shape::page(items, IdKind::Plain, &FOLDERS, ctx, req)
        }
        Method::POST => {
            need(ctx, WRITE)?;
            let body = req.json()?;
            ctx.schema.check_body("microsoft.graph.mailFolder", &body)?;
            let name = folders::required_name(&body, "displayName", "DisplayName")?;
            let siblings = mb.folders.iter();
            folders::ensure_unique(
                siblings.filter(|f| f["parentFolderId"] == parent.as_str()),
                "displayName",
                &name,
            )?;
            let folder = json!({
                "id": new_item_id(), "displayName": name, "parentFolderId": parent,
                "childFolderCount": 0, "unreadItemCount": 0, "totalItemCount": 0,
                "sizeInBytes": 0, "isHidden": body.get("isHidden").cloned().unwrap_or(json!(false)),
            });
            mb.folders.push(folder.clone());
            Ok(Reply::created(with_counts(mb, &folder)))
        }
        _ => Err(method_not_allowed()),
    }
}

fn folder(world: &mut World, ctx: &Ctx<'_>, f: &str, req: &GraphRequest) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let id = folder_id(mb, f)?;
    let idx = mb
        .folders
        .iter()
        .position(|x| x["id"] == id.as_str())
        .ok_or_else(GraphError::item_not_found)?;
    match req.method {
        Method::GET => {
            need(ctx, READ)?;
            let v = with_counts(mb, &mb.folders[idx]);
            shape::single(v, IdKind::Plain, &FOLDERS, ctx, req)
        }
        Method::PATCH => {
            need(ctx, WRITE)?;
            let body = req.json()?;
            ctx.schema.check_body("microsoft.graph.mailFolder", &body)?;
            if body.get("displayName").is_some() {
                let name = folders::required_name(&body, "displayName", "DisplayName")?;
                let parent = mb.folders[idx]["parentFolderId"].clone();
                folders::ensure_unique(
                    mb.folders
                        .iter()
                        .filter(|f| f["parentFolderId"] == parent && f["id"] != id.as_str()),
                    "displayName",
                    &name,
                )?;
            }
            merge(&mut mb.folders[idx], &body);
            Ok(Reply::ok(with_context(
                with_counts(mb, &mb.folders[idx]),
                ctx,
                "mailFolders/$entity",
            )))
        }
        Method::DELETE => {
            need(ctx, WRITE)?;
            if mb.well_known_folders.values().any(|w| *w == id) {
                return Err(folders::distinguished(403));
            }
            // Like Outlook, a deleted folder moves (with its contents) into Deleted Items; one
            // already there is deleted for good.
            let deleted = mb
                .well_known_folders
                .get("deleteditems")
                .cloned()
                .unwrap_or_default();
            if in_subtree(mb, &id, &deleted) {
                folders::delete_tree(&mut mb.folders, &mut mb.messages, id);
            } else {
                mb.folders[idx]["parentFolderId"] = json!(deleted);
            }
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

/// `POST mailFolders/{id}/permanentDelete`: the folder, its subfolders and their items are gone
/// for good (mailfolder-permanentdelete.md; 204). Distinguished folders refuse as for DELETE.
fn permanent_delete_folder(world: &mut World, ctx: &Ctx<'_>, f: &str) -> Outcome {
    need(ctx, WRITE)?;
    let mb = mailbox(world, ctx)?;
    let id = folder_id(mb, f)?;
    if mb.well_known_folders.values().any(|w| *w == id) {
        return Err(folders::distinguished(403));
    }
    folders::delete_tree(&mut mb.folders, &mut mb.messages, id);
    Ok(Reply::no_content())
}

/// Whether folder `id` is `root` or lies below it.
fn in_subtree(mb: &Mailbox, id: &str, root: &str) -> bool {
    let mut cur = id.to_string();
    for _ in 0..64 {
        if cur == root {
            return true;
        }
        match mb
            .folders
            .iter()
            .find(|f| f["id"] == cur.as_str())
            .and_then(|f| f["parentFolderId"].as_str())
        {
            Some(p) => cur = p.to_string(),
            None => return false,
        }
    }
    false
}

/// A boolean custom query parameter (`includeHiddenFolders=true`), case-insensitive name.
pub fn query_flag(req: &GraphRequest, name: &str) -> Result<bool, GraphError> {
    let Some(q) = req.query.as_deref() else {
        return Ok(false);
    };
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        if k.eq_ignore_ascii_case(name) {
            return match v.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(GraphError::bad_request(format!(
                    "The value '{v}' for the query parameter '{name}' is not valid."
                ))),
            };
        }
    }
    Ok(false)
}

/// `@odata.context` first, then the entity.
fn with_context(v: Value, ctx: &Ctx<'_>, set: &str) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#users('{}')/{set}",
            ctx.base_url, ctx.user_id
        )),
    );
    if let Value::Object(o) = v {
        out.extend(o);
    }
    Value::Object(out)
}

// === Messages ===

fn messages(
    world: &mut World,
    ctx: &Ctx<'_>,
    folder: Option<String>,
    req: &GraphRequest,
) -> Outcome {
    match req.method {
        Method::GET => {
            need(ctx, READ)?;
            let mb = mailbox(world, ctx)?;
            let items = mb
                .messages
                .iter()
                .filter(|m| folder.as_deref().is_none_or(|f| m["parentFolderId"] == f))
                .cloned()
                .collect();
            let items = with_selected_extras(items, mb, ctx, req);
            shape::page(items, IdKind::InFolder, &MESSAGES, ctx, req)
        }
        Method::POST => {
            need(ctx, WRITE)?;
            let body = req.json()?;
            ctx.schema.check_body("microsoft.graph.message", &body)?;
            let mb = mailbox(world, ctx)?;
            let target = match folder {
                Some(f) => f,
                None => mb
                    .well_known_folders
                    .get("drafts")
                    .cloned()
                    .unwrap_or_default(),
            };
            let msg = create_draft(mb, ctx, &target, &body)?;
            let v = shape::with_prefs(shape::with_ids(msg, IdKind::InFolder, ctx), ctx);
            Ok(shape::prefer_applied(Reply::created(v), ctx))
        }
        _ => Err(method_not_allowed()),
    }
}

fn create_draft(
    mb: &mut Mailbox,
    ctx: &Ctx<'_>,
    folder: &str,
    body: &Value,
) -> Result<Value, GraphError> {
    let id = new_item_id();
    let now = iso_z(ctx.now);
    let mut msg = json!({
        "@odata.etag": etag(), "id": id, "createdDateTime": now, "lastModifiedDateTime": now,
        "changeKey": &etag()[3..20], "categories": [], "receivedDateTime": now, "sentDateTime": now,
        "hasAttachments": false, "internetMessageId": format!("<{}@sandbox.example>", &new_item_id()[..20]),
        "subject": "", "bodyPreview": "", "importance": "normal", "parentFolderId": folder,
        "conversationId": new_item_id(), "conversationIndex": base64::engine::general_purpose::STANDARD.encode(&new_item_id()[..22]),
        "isDeliveryReceiptRequested": false, "isReadReceiptRequested": false, "isRead": true, "isDraft": true,
        "webLink": format!("https://outlook.office365.com/owa/?ItemID={}&viewmodel=ReadMessageItem", percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)),
        "inferenceClassification": "focused",
        "body": {"contentType": "text", "content": ""},
        "sender": null, "from": null, "toRecipients": [], "ccRecipients": [], "bccRecipients": [], "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
    });
    let mut fields = body.clone();
    let attachments = fields.as_object_mut().and_then(|o| o.remove("attachments"));
    merge(&mut msg, &fields);
    shape::refresh_body_preview(&mut msg);
    if let Some(Value::Array(atts)) = attachments {
        for a in atts {
            add_attachment(mb, &id, &a, ctx)?;
        }
        msg["hasAttachments"] = json!(true);
    }
    mb.messages.push(msg.clone());
    Ok(msg)
}

fn remove_message(mb: &mut Mailbox, idx: usize) {
    let removed = mb.messages.remove(idx);
    if let Some(i) = removed["id"].as_str() {
        mb.attachments.remove(i);
    }
}

/// `internetMessageHeaders` and `uniqueBody` come back only when `$select` names them (message
/// resource: "Returned only on applying a $select query option"); they are derived from the stored
/// message when asked for.
fn with_selected_extras(
    mut items: Vec<Value>,
    mb: &Mailbox,
    ctx: &Ctx<'_>,
    req: &GraphRequest,
) -> Vec<Value> {
    let Ok(q) = crate::odata::parse(req.query.as_deref(), &MESSAGES, ctx.schema) else {
        return items;
    };
    // `$expand=attachments` (optionally with a nested `$select`): the message's attachments
    // inline, `contentBytes` included as on Graph; an attached item's `item` stays out.
    if let Some(e) = q.expand_items.iter().find(|e| e.name == "attachments") {
        for m in items.iter_mut() {
            let list: Vec<Value> = mb
                .attachments
                .get(m["id"].as_str().unwrap_or(""))
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|a| crate::odata::project(&present_attachment(a, false), e.select.as_deref()))
                .collect();
            m["attachments"] = Value::Array(list);
        }
    }
    let sel = q.select.unwrap_or_default();
    let want = |n: &str| sel.iter().any(|s| s.eq_ignore_ascii_case(n));
    let (headers, unique) = (want("internetMessageHeaders"), want("uniqueBody"));
    for m in items.iter_mut().filter(|_| headers || unique) {
        if headers {
            m["internetMessageHeaders"] = internet_message_headers(m);
        }
        if unique {
            m["uniqueBody"] = unique_body(m);
        }
    }
    items
}

fn rfc5322_date(iso: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(iso)
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_default()
}

fn mailbox_header(r: &Value) -> String {
    let name = r["emailAddress"]["name"].as_str().unwrap_or("");
    let address = r["emailAddress"]["address"].as_str().unwrap_or("");
    if name.is_empty() || name == address {
        format!("<{address}>")
    } else {
        format!("\"{}\" <{address}>", name.replace('"', ""))
    }
}

/// The transport headers of a received or sent message (drafts have none: `null`). Senders the
/// seed marks as spoofed fail SPF, DKIM and DMARC in `Authentication-Results`.
pub fn internet_message_headers(m: &Value) -> Value {
    if m["isDraft"] == true {
        return Value::Null;
    }
    let from = m["from"]["emailAddress"]["address"].as_str().unwrap_or("");
    let domain = from.rsplit('@').next().unwrap_or("");
    let list = |k: &str| -> String {
        m[k].as_array()
            .map(|a| a.iter().map(mailbox_header).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let sent = rfc5322_date(m["sentDateTime"].as_str().unwrap_or(""));
    let received = rfc5322_date(m["receivedDateTime"].as_str().unwrap_or(""));
    let bad = crate::seed::fails_authentication(from);
    let (spf, dkim, dmarc) = if bad {
        (
            "fail",
            "none (message not signed)",
            "fail action=quarantine",
        )
    } else {
        ("pass", "pass (signature was verified)", "pass action=none")
    };
    let mut h: Vec<(&str, String)> = vec![
        ("Received", format!("from mail.{domain} (203.0.113.25) by CY8PR11MB7012.namprd11.prod.outlook.com with Microsoft SMTP Server (version=TLS1_2); {received}")),
        ("Authentication-Results", format!("spf={spf} (sender IP is 203.0.113.25) smtp.mailfrom={domain}; dkim={dkim} header.d={domain};dmarc={dmarc} header.from={domain};compauth={} reason={}", if bad { "fail" } else { "pass" }, if bad { "000" } else { "100" })),
        ("From", mailbox_header(&m["from"])),
    ];
    if m["sender"]["emailAddress"]["address"] != m["from"]["emailAddress"]["address"]
        && m["sender"].is_object()
    {
        h.push(("Sender", mailbox_header(&m["sender"])));
    }
    h.push(("To", list("toRecipients")));
    let cc = list("ccRecipients");
    if !cc.is_empty() {
        h.push(("CC", cc));
    }
    let reply_to = list("replyTo");
    if !reply_to.is_empty() {
        h.push(("Reply-To", reply_to));
    }
    let subject = m["subject"].as_str().unwrap_or("").to_string();
    h.push(("Subject", subject.clone()));
    h.push((
        "Thread-Topic",
        subject
            .trim_start_matches("RE: ")
            .trim_start_matches("FW: ")
            .to_string(),
    ));
    h.push((
        "Thread-Index",
        m["conversationIndex"].as_str().unwrap_or("").to_string(),
    ));
    h.push(("Date", sent));
    h.push((
        "Message-ID",
        m["internetMessageId"].as_str().unwrap_or("").to_string(),
    ));
    h.push(("Accept-Language", "en-US".into()));
    h.push(("Content-Language", "en-US".into()));
    h.push((
        "X-MS-Has-Attach",
        if m["hasAttachments"] == true {
            "yes"
        } else {
            ""
        }
        .into(),
    ));
    h.push((
        "X-MS-Exchange-Organization-SCL",
        if bad { "5" } else { "1" }.into(),
    ));
    h.push((
        "X-MS-Exchange-Organization-AuthAs",
        if bad { "Anonymous" } else { "Internal" }.into(),
    ));
    let html = m["body"]["contentType"]
        .as_str()
        .is_some_and(|c| c.eq_ignore_ascii_case("html"));
    h.push((
        "Content-Type",
        if html {
            "text/html; charset=\"utf-8\""
        } else {
            "text/plain; charset=\"utf-8\""
        }
        .into(),
    ));
    h.push(("MIME-Version", "1.0".into()));
    Value::Array(
        h.into_iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect(),
    )
}

/// The part of a body that is new in this message: everything before the quoted history
/// (Outlook's `divRplyFwdMsg` block in HTML, the `____` separator in text).
pub fn unique_body(m: &Value) -> Value {
    let ct = m["body"]["contentType"]
        .as_str()
        .unwrap_or("html")
        .to_string();
    let content = m["body"]["content"].as_str().unwrap_or("");
    let markers: &[&str] = if ct.eq_ignore_ascii_case("html") {
        &[
            "<div id=\"appendonsend\">",
            "<hr style=\"display:inline-block",
            "<div id=\"divRplyFwdMsg\"",
        ]
    } else {
        &[
            "\r\n\r\n________________________________",
            "\n\n________________________________",
            "\r\n________________________________",
        ]
    };
    let cut = markers.iter().filter_map(|mk| content.find(mk)).min();
    let unique = match cut {
        Some(i) if ct.eq_ignore_ascii_case("html") => {
            let mut u = content[..i].to_string();
            if u.contains("<body") {
                u.push_str("</body></html>");
            }
            u
        }
        Some(i) => content[..i].trim_end().to_string(),
        None => content.to_string(),
    };
    json!({"contentType": ct, "content": unique})
}

fn message(
    world: &mut World,
    ctx: &Ctx<'_>,
    id: &str,
    tail: &[&str],
    req: &GraphRequest,
) -> Outcome {
    let m = req.method.clone();
    match tail {
        [] => match m {
            Method::GET => {
                need(ctx, READ)?;
                let mb = mailbox(world, ctx)?;
                let idx = find_message(mb, id)?;
                let item = with_selected_extras(vec![mb.messages[idx].clone()], mb, ctx, req)
                    .pop()
                    .unwrap_or_default();
                shape::single(item, IdKind::InFolder, &MESSAGES, ctx, req)
            }
            Method::PATCH => {
                need(ctx, WRITE)?;
                let body = req.json()?;
                ctx.schema.check_body("microsoft.graph.message", &body)?;
                let mb = mailbox(world, ctx)?;
                let idx = find_message(mb, id)?;
                let msg = &mut mb.messages[idx];
                // Only drafts can change content; received and sent mail only takes flags, read
                // state, categories, importance and classification.
                const ALWAYS: &[&str] = &[
                    "isRead",
                    "categories",
                    "flag",
                    "importance",
                    "inferenceClassification",
                    "isReadReceiptRequested",
                    "isDeliveryReceiptRequested",
                ];
                if msg["isDraft"] != true {
                    if let Some(bad) = body
                        .as_object()
                        .and_then(|o| o.keys().find(|k| !ALWAYS.contains(&k.as_str())))
                    {
                        return Err(GraphError::new(400, "ErrorInvalidPropertyUpdateSentMessage", format!("Update operation is not supported for the property '{bad}' on a message that has been sent.")));
                    }
                }
                merge(msg, &body);
                msg["lastModifiedDateTime"] = json!(iso_z(ctx.now));
                msg["@odata.etag"] = json!(etag());
                shape::refresh_body_preview(msg);
                let v = shape::with_prefs(shape::with_ids(msg.clone(), IdKind::InFolder, ctx), ctx);
                Ok(shape::prefer_applied(Reply::ok(v), ctx))
            }
            Method::DELETE => {
                // Outlook's "delete": the message moves to Deleted Items (keeping its immutable
                // id; a default id issued for the old folder stops resolving); deleting it again
                // from Deleted Items removes it from view. `permanentDelete` skips the bin.
                need(ctx, WRITE)?;
                let mb = mailbox(world, ctx)?;
                let idx = find_message(mb, id)?;
                let bin = mb
                    .well_known_folders
                    .get("deleteditems")
                    .cloned()
                    .unwrap_or_default();
                if mb.messages[idx]["parentFolderId"] == bin.as_str() || bin.is_empty() {
                    remove_message(mb, idx);
                } else {
                    let msg = &mut mb.messages[idx];
                    msg["parentFolderId"] = json!(bin);
                    msg["lastModifiedDateTime"] = json!(iso_z(ctx.now));
                    msg["@odata.etag"] = json!(etag());
                }
                Ok(Reply::no_content())
            }
            _ => Err(method_not_allowed()),
        },
        ["permanentDelete"] if m == Method::POST => {
            need(ctx, WRITE)?;
            let mb = mailbox(world, ctx)?;
            let idx = find_message(mb, id)?;
            remove_message(mb, idx);
            Ok(Reply::no_content())
        }
        ["attachments"] => attachments(world, ctx, id, req),
        ["attachments", "createUploadSession"] if m == Method::POST => {
            create_upload_session(world, ctx, id, req)
        }
        ["attachments", aid] => attachment(world, ctx, id, aid, false, req),
        ["attachments", aid, "$value"] => attachment(world, ctx, id, aid, true, req),
        [action] if m == Method::POST => message_action(world, ctx, id, action, req),
        [action] => {
            if [
                "send",
                "reply",
                "replyAll",
                "forward",
                "createReply",
                "createReplyAll",
                "createForward",
                "move",
                "copy",
            ]
            .contains(action)
            {
                Err(method_not_allowed())
            } else {
                Err(GraphError::no_resource(action))
            }
        }
        [first, ..] => Err(GraphError::no_resource(first)),
    }
}

fn message_action(
    world: &mut World,
    ctx: &Ctx<'_>,
    id: &str,
    action: &str,
    req: &GraphRequest,
) -> Outcome {
    let body = if req.body.is_empty() {
        json!({})
    } else {
        req.json()?
    };
    match action {
        "send" => {
            need(ctx, SEND)?;
            let mb = mailbox(world, ctx)?;
            let idx = find_message(mb, id)?;
            if mb.messages[idx]["isDraft"] != true {
                return Err(GraphError::new(
                    400,
                    "ErrorInvalidOperation",
                    "Only draft messages can be sent.",
                ));
            }
            let msg = mb.messages.remove(idx);
            submit(world, ctx, msg, true)?;
            Ok(Reply::accepted())
        }
        "reply" | "replyAll" | "forward" | "createReply" | "createReplyAll" | "createForward" => {
            let create = action.starts_with("create");
            need(ctx, if create { WRITE } else { SEND })?;
            let kind = action.trim_start_matches("create").to_ascii_lowercase();
            ctx.schema
                .check_action_body("microsoft.graph.message", action, &body)?;
            let mb = mailbox(world, ctx)?;
            let idx = find_message(mb, id)?;
            let original = mb.messages[idx].clone();
            let drafts = mb
                .well_known_folders
                .get("drafts")
                .cloned()
                .unwrap_or_default();
            let me = user_address(world, ctx);
            let mut fields = response_fields(&original, &kind, &body, &me);
            if let Some(extra) = body.get("message") {
                merge(&mut fields, extra);
            }
            let mb = mailbox(world, ctx)?;
            let draft = create_draft(mb, ctx, &drafts, &fields)?;
            if create {
                let v = shape::with_prefs(shape::with_ids(draft, IdKind::InFolder, ctx), ctx);
                return Ok(shape::prefer_applied(Reply::created(v), ctx));
            }
            let idx = find_message(mb, draft["id"].as_str().unwrap_or(""))?;
            let msg = mb.messages.remove(idx);
            submit(world, ctx, msg, true)?;
            Ok(Reply::accepted())
        }
        "move" | "copy" => {
            need(ctx, WRITE)?;
            ctx.schema
                .check_action_body("microsoft.graph.message", action, &body)?;
            let dest = body
                .get("destinationId")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    GraphError::new(400, "ErrorInvalidIdMalformed", "Id is malformed.")
                })?;
            let mb = mailbox(world, ctx)?;
            let dest = folder_id(mb, dest)?;
            let idx = find_message(mb, id)?;
            let moved = if action == "move" {
                let msg = &mut mb.messages[idx];
                msg["parentFolderId"] = json!(dest);
                msg["lastModifiedDateTime"] = json!(iso_z(ctx.now));
                msg.clone()
            } else {
                let mut copy = mb.messages[idx].clone();
                let old = copy["id"].as_str().unwrap_or("").to_string();
                let new_id = new_item_id();
                copy["id"] = json!(new_id);
                copy["parentFolderId"] = json!(dest);
                if let Some(atts) = mb.attachments.get(&old).cloned() {
                    mb.attachments.insert(new_id, atts);
                }
                mb.messages.push(copy.clone());
                copy
            };
            let v = shape::with_prefs(shape::with_ids(moved, IdKind::InFolder, ctx), ctx);
            Ok(shape::prefer_applied(Reply::created(v), ctx))
        }
        other => Err(GraphError::no_resource(other)),
    }
}

fn user_address(world: &World, ctx: &Ctx<'_>) -> Value {
    let u = world.user(&ctx.user_id);
    json!({
        "emailAddress": {
            "name": u.map(|u| u.display_name.clone()).unwrap_or_default(),
            "address": u.and_then(|u| u.profile.get("mail").and_then(Value::as_str).map(str::to_string)).unwrap_or_default(),
        }
    })
}

/// Subject, recipients and quoted body of a reply, reply-all or forward.
fn response_fields(original: &Value, kind: &str, body: &Value, me: &Value) -> Value {
    let subject = original["subject"].as_str().unwrap_or("");
    let prefix = if kind == "forward" { "FW: " } else { "RE: " };
    let my_addr = me["emailAddress"]["address"]
        .as_str()
        .unwrap_or("")
        .to_ascii_lowercase();
    let not_me = |r: &&Value| {
        r["emailAddress"]["address"]
            .as_str()
            .is_none_or(|a| a.to_ascii_lowercase() != my_addr)
    };
    let to: Vec<Value> = match kind {
        "reply" => original["from"]
            .as_object()
            .map(|_| vec![original["from"].clone()])
            .unwrap_or_default(),
        "replyall" => {
            let mut v: Vec<Value> = original["from"]
                .as_object()
                .map(|_| vec![original["from"].clone()])
                .unwrap_or_default();
            v.extend(
                original["toRecipients"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(not_me)
                    .cloned(),
            );
            v
        }
        _ => body
            .get("toRecipients")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    };
    let cc: Vec<Value> = if kind == "replyall" {
        original["ccRecipients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(not_me)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let comment = body.get("comment").and_then(Value::as_str).unwrap_or("");
    let quoted = format!(
        "{comment}\n\n________________________________\nFrom: {}\nSubject: {subject}\n\n{}",
        original["from"]["emailAddress"]["address"]
            .as_str()
            .unwrap_or(""),
        original["bodyPreview"].as_str().unwrap_or("")
    );
    let already = subject.to_ascii_uppercase().starts_with(prefix.trim());
    json!({
        "subject": if already { subject.to_string() } else { format!("{prefix}{subject}") },
        "toRecipients": to, "ccRecipients": cc,
        "body": {"contentType": "text", "content": quoted},
        "conversationId": original["conversationId"],
    })
}

fn addresses(msg: &Value) -> Vec<String> {
    ["toRecipients", "ccRecipients", "bccRecipients"]
        .iter()
        .flat_map(|k| msg[*k].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_string))
        .collect()
}

pub(crate) fn valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !a.contains(char::is_whitespace)
}

/// Send a message: check recipients, file it in Sent Items (unless told not to) and deliver a
/// copy to each seeded recipient's Inbox.
fn submit(world: &mut World, ctx: &Ctx<'_>, mut msg: Value, save: bool) -> Result<(), GraphError> {
    let to = addresses(&msg);
    if to.is_empty() {
        return Err(GraphError::new(400, "ErrorInvalidRecipients", "At least one recipient is not valid., A message can't be sent because it contains no recipients."));
    }
    if let Some(bad) = to.iter().find(|a| !valid_address(a)) {
        return Err(GraphError::new(400, "ErrorInvalidRecipients", format!("At least one recipient is not valid., Recipient '{bad}' is not resolved. All recipients must be resolved before a message can be submitted.")));
    }
    let me = user_address(world, ctx);
    let now = iso_z(ctx.now);
    msg["isDraft"] = json!(false);
    msg["sentDateTime"] = json!(now);
    msg["receivedDateTime"] = json!(now);
    msg["from"] = me.clone();
    msg["sender"] = me;
    let atts = msg["id"].as_str().and_then(|id| {
        world
            .mailboxes
            .get(&ctx.user_id)?
            .attachments
            .get(id)
            .cloned()
    });
    let mut recipients: Vec<String> = to
        .iter()
        .filter_map(|a| world.user_by_address(a).map(|u| u.id.clone()))
        .collect();
    recipients.dedup();
    for uid in recipients {
        let Some(mb) = world.mailboxes.get_mut(&uid) else {
            continue;
        };
        let mut copy = msg.clone();
        let id = new_item_id();
        copy["id"] = json!(id);
        copy["isRead"] = json!(false);
        copy["parentFolderId"] = json!(mb
            .well_known_folders
            .get("inbox")
            .cloned()
            .unwrap_or_default());
        copy["bccRecipients"] = json!([]);
        if let Some(a) = &atts {
            mb.attachments.insert(id, a.clone());
        }
        mb.messages.push(copy);
    }
    let mb = mailbox(world, ctx)?;
    if save {
        msg["parentFolderId"] = json!(mb
            .well_known_folders
            .get("sentitems")
            .cloned()
            .unwrap_or_default());
        mb.messages.push(msg);
    } else if let Some(id) = msg["id"].as_str() {
        mb.attachments.remove(id);
    }
    Ok(())
}

fn send_mail(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    need(ctx, SEND)?;
    let body = req.json()?;
    ctx.schema
        .check_action_body("microsoft.graph.user", "sendMail", &body)?;
    let Some(message) = body.get("message").filter(|m| m.is_object()) else {
        return Err(GraphError::new(
            400,
            "ErrorInvalidParameter",
            "The value of the parameter 'Message' is empty.",
        ));
    };
    let save = body
        .get("saveToSentItems")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let mb = mailbox(world, ctx)?;
    let drafts = mb
        .well_known_folders
        .get("drafts")
        .cloned()
        .unwrap_or_default();
    let msg = create_draft(mb, ctx, &drafts, message)?;
    let idx = find_message(mb, msg["id"].as_str().unwrap_or(""))?;
    let msg = mb.messages.remove(idx);
    submit(world, ctx, msg, save)?;
    Ok(Reply::accepted())
}

// === Attachments ===

fn attachments(world: &mut World, ctx: &Ctx<'_>, id: &str, req: &GraphRequest) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let idx = find_message(mb, id)?;
    let mid = mb.messages[idx]["id"].as_str().unwrap_or("").to_string();
    match req.method {
        Method::GET => {
            need(ctx, READ)?;
            let (expand, req) = item_expansion(req);
            let items = mb
                .attachments
                .get(&mid)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|a| present_attachment(a, expand))
                .collect();
            shape::page(items, IdKind::Plain, &ATTACHMENTS, ctx, &req)
        }
        Method::POST => {
            need(ctx, WRITE)?;
            let body = req.json()?;
            let a = add_attachment(mb, &mid, &body, ctx)?;
            mb.messages[idx]["hasAttachments"] = json!(true);
            Ok(Reply::created(a))
        }
        _ => Err(method_not_allowed()),
    }
}

/// Add a file or item attachment from a POST body (checked against the schema, size-limited).
pub fn add_attachment(
    mb: &mut Mailbox,
    parent_id: &str,
    body: &Value,
    ctx: &Ctx<'_>,
) -> Result<Value, GraphError> {
    let odata_type = body
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or("");
    if odata_type.is_empty() {
        return Err(GraphError::new(400, "ErrorInvalidParameter", "The attachment type is missing; set '@odata.type' (e.g. '#microsoft.graph.fileAttachment')."));
    }
    ctx.schema.check_body("microsoft.graph.attachment", body)?;
    let mut a = body.clone();
    let size = if odata_type.ends_with("fileAttachment") {
        let bytes = body
            .get("contentBytes")
            .and_then(Value::as_str)
            .unwrap_or("");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(bytes)
            .map_err(|_| {
                GraphError::new(
                    400,
                    "ErrorInvalidParameter",
                    "The value of 'contentBytes' is not valid base64.",
                )
            })?;
        if decoded.len() > MAX_INLINE_ATTACHMENT {
            return Err(GraphError::new(413, "ErrorAttachmentSizeLimitExceeded", "The attachment is larger than 3 MB; use an upload session (attachments/createUploadSession)."));
        }
        decoded.len()
    } else {
        body.to_string().len()
    };
    a["id"] = json!(new_item_id());
    a["size"] = json!(size);
    a["lastModifiedDateTime"] = json!(iso_z(ctx.now));
    if a.get("isInline").is_none() {
        a["isInline"] = json!(false);
    }
    mb.attachments
        .entry(parent_id.to_string())
        .or_default()
        .push(a.clone());
    Ok(a)
}

fn attachment(
    world: &mut World,
    ctx: &Ctx<'_>,
    id: &str,
    aid: &str,
    raw: bool,
    req: &GraphRequest,
) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let idx = find_message(mb, id)?;
    let mid = mb.messages[idx]["id"].as_str().unwrap_or("").to_string();
    let list = mb.attachments.entry(mid.clone()).or_default();
    let pos = list
        .iter()
        .position(|a| a["id"] == aid)
        .ok_or_else(GraphError::item_not_found)?;
    match (&req.method, raw) {
        (&Method::GET, false) => {
            need(ctx, READ)?;
            let (expand, req) = item_expansion(req);
            let a = present_attachment(list[pos].clone(), expand);
            shape::single(a, IdKind::Plain, &ATTACHMENTS, ctx, &req)
        }
        (&Method::GET, true) => {
            need(ctx, READ)?;
            Ok(attachment_content_ranged(&list[pos], req))
        }
        (&Method::DELETE, false) => {
            need(ctx, WRITE)?;
            list.remove(pos);
            let empty = list.is_empty();
            if empty {
                mb.messages[idx]["hasAttachments"] = json!(false);
            }
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

/// `$expand=microsoft.graph.itemattachment/item` (attachment-get.md, "Expand and get the
/// properties of the item attached to a message"): whether it was asked for, and the request
/// without that option (the generic `$expand` check knows only navigation properties of
/// `attachment` itself).
fn item_expansion(req: &GraphRequest) -> (bool, GraphRequest) {
    let mut out = req.clone();
    let Some(q) = req.query.as_deref() else {
        return (false, out);
    };
    let mut expand = false;
    let kept: Vec<&str> = q
        .split('&')
        .filter(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let k = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
            let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
            let hit = k.eq_ignore_ascii_case("$expand")
                && v.trim()
                    .eq_ignore_ascii_case("microsoft.graph.itemattachment/item");
            expand |= hit;
            !hit
        })
        .collect();
    out.query = (!kept.is_empty()).then(|| kept.join("&"));
    (expand, out)
}

/// An attachment as listed or read: an `itemAttachment`'s `item` only when expanded.
fn present_attachment(mut a: Value, expand_item: bool) -> Value {
    if !expand_item {
        if let Some(o) = a.as_object_mut() {
            o.remove("item");
        }
    }
    a
}

/// `attachments/{id}/$value`: the decoded bytes under the attachment's content type (messages
/// and events alike). An `itemAttachment` yields its item as MIME text.
pub fn attachment_content(a: &Value) -> Reply {
    let (content_type, bytes) = attachment_bytes(a);
    Reply {
        status: 200,
        headers: vec![("Accept-Ranges".into(), "bytes".into())],
        body: super::router::ReplyBody::Bytes {
            content_type,
            bytes,
        },
    }
}

fn attachment_bytes(a: &Value) -> (String, Vec<u8>) {
    if a["@odata.type"]
        .as_str()
        .is_some_and(|t| t.ends_with("itemAttachment"))
    {
        return ("message/rfc822".into(), item_mime(&a["item"]).into_bytes());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(a["contentBytes"].as_str().unwrap_or(""))
        .unwrap_or_default();
    let ct = a["contentType"]
        .as_str()
        .unwrap_or("application/octet-stream")
        .to_string();
    (ct, bytes)
}

/// A message item as RFC 5322 text (headers, blank line, body).
fn item_mime(item: &Value) -> String {
    let mut out = String::new();
    if let Some(h) = internet_message_headers(item).as_array() {
        for kv in h {
            let name = kv["name"].as_str().unwrap_or("");
            if name == "Received" || name == "Authentication-Results" {
                continue;
            }
            out.push_str(&format!(
                "{name}: {}\r\n",
                kv["value"].as_str().unwrap_or("")
            ));
        }
    }
    out.push_str("\r\n");
    out.push_str(item["body"]["content"].as_str().unwrap_or(""));
    out
}

/// `$value` with an optional `Range: bytes=…` header: one satisfiable range gives 206 with
/// `Content-Range`; an unsatisfiable one 416 with `Content-Range: bytes */size`; a malformed or
/// multi-range header is ignored (whole body, 200), as RFC 9110 §14.2 allows.
pub fn attachment_content_ranged(a: &Value, req: &GraphRequest) -> Reply {
    let mut reply = attachment_content(a);
    let Some(range) = req.header("range") else {
        return reply;
    };
    let super::router::ReplyBody::Bytes { bytes, .. } = &mut reply.body else {
        return reply;
    };
    let total = bytes.len();
    let Some(spec) = range
        .trim()
        .strip_prefix("bytes=")
        .filter(|s| !s.contains(','))
    else {
        return reply;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return reply;
    };
    let (first, last) = (first.trim(), last.trim());
    let span = match (first.parse::<usize>().ok(), last.parse::<usize>().ok()) {
        (Some(f), Some(l)) if f <= l => Some((f, l.min(total.saturating_sub(1)))),
        (Some(f), None) if last.is_empty() => Some((f, total.saturating_sub(1))),
        (None, Some(n)) if first.is_empty() && n > 0 => {
            Some((total.saturating_sub(n), total.saturating_sub(1)))
        }
        _ => return reply,
    };
    match span {
        Some((f, l)) if f < total => {
            *bytes = bytes[f..=l].to_vec();
            reply.status = 206;
            reply.header("Content-Range", format!("bytes {f}-{l}/{total}"))
        }
        _ => {
            bytes.clear();
            reply.status = 416;
            reply.header("Content-Range", format!("bytes */{total}"))
        }
    }
}

fn create_upload_session(
    world: &mut World,
    ctx: &Ctx<'_>,
    id: &str,
    req: &GraphRequest,
) -> Outcome {
    need(ctx, WRITE)?;
    let mb = mailbox(world, ctx)?;
    let idx = find_message(mb, id)?;
    let parent_id = mb.messages[idx]["id"].as_str().unwrap_or("").to_string();
    open_upload_session(world, ctx, parent_id, "Messages", req)
}

/// `attachments/createUploadSession` on a message or event (`collection`: `Messages` or
/// `Events`, as in the Outlook URL of the final `Location`), after the caller checked access.
pub fn open_upload_session(
    world: &mut World,
    ctx: &Ctx<'_>,
    parent_id: String,
    collection: &str,
    req: &GraphRequest,
) -> Outcome {
    let body = req.json()?;
    ctx.schema.check_action_body(
        "Collection(microsoft.graph.attachment)",
        "createUploadSession",
        &body,
    )?;
    let item = body
        .get("AttachmentItem")
        .or_else(|| body.get("attachmentItem"))
        .cloned()
        .unwrap_or(Value::Null);
    let size = item.get("size").and_then(Value::as_u64).unwrap_or(0) as usize;
    let name = item
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if name.is_empty() || size == 0 {
        return Err(GraphError::new(
            400,
            "ErrorInvalidParameter",
            "AttachmentItem needs 'name' and a non-zero 'size'.",
        ));
    }
    if size < MAX_INLINE_ATTACHMENT {
        // The code is from outlook-large-attachments.md, "Errors"; the message is the sandbox's.
        return Err(GraphError::new(
            400,
            "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
            "Attachment size must be greater than the minimum size.",
        ));
    }
    if size > MAX_UPLOAD {
        return Err(GraphError::new(
            400,
            "ErrorAttachmentSizeLimitExceeded",
            "The attachment exceeds the 150 MB limit.",
        ));
    }
    let token = crate::server::new_id();
    let expires = ctx.now + chrono::Duration::minutes(15);
    world.uploads.insert(
        token.clone(),
        UploadSession {
            user_id: ctx.user_id.clone(),
            parent_id,
            name,
            content_type: item
                .get("contentType")
                .and_then(Value::as_str)
                .unwrap_or("application/octet-stream")
                .to_string(),
            size,
            is_inline: item
                .get("isInline")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            received: Vec::new(),
            expires: expires.timestamp(),
            collection: collection.to_string(),
        },
    );
    // 201 Created, as in outlook-large-attachments.md step 1.
    Ok(Reply::created(json!({
        "@odata.context": format!("{}/v1.0/$metadata#microsoft.graph.uploadSession", ctx.base_url),
        "uploadUrl": format!("{}/upload/{token}", ctx.base_url),
        "expirationDateTime": iso_z(expires),
        "nextExpectedRanges": ["0-"],
    })))
}

/// `PUT {uploadUrl}` with `Content-Range: bytes start-end/total`. Like Graph's pre-authenticated
/// upload URL, it takes no `Authorization` header (sending one is an error).
pub async fn upload_chunk(
    State(state): State<Shared>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = state.now();
    let base = state.base_url.clone();
    let mut world = state.world();
    into_response(upload(
        &mut world, &base, &token, &method, &headers, &body, now,
    ))
}

fn upload(
    world: &mut World,
    base_url: &str,
    token: &str,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Outcome {
    if headers.contains_key("authorization") {
        return Err(GraphError::new(
            401,
            "InvalidAuthenticationToken",
            "Do not send an Authorization header to a pre-authenticated upload URL.",
        ));
    }
    let session = world
        .uploads
        .get_mut(token)
        .filter(|s| s.expires > now.timestamp())
        .ok_or_else(GraphError::item_not_found)?;
    if *method == Method::DELETE {
        world.uploads.remove(token);
        return Ok(Reply::no_content());
    }
    if *method != Method::PUT {
        return Err(method_not_allowed());
    }
    let range = headers
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parsed = range
        .strip_prefix("bytes ")
        .and_then(|r| r.split_once('/'))
        .and_then(|(se, total)| {
            let (s, e) = se.split_once('-')?;
            Some((
                s.parse::<usize>().ok()?,
                e.parse::<usize>().ok()?,
                total.parse::<usize>().ok()?,
            ))
        });
    let Some((start, end, total)) = parsed else {
        return Err(GraphError::new(
            400,
            "InvalidContentRange",
            "The Content-Range header is missing or malformed.",
        ));
    };
    if total != session.size
        || start != session.received.len()
        || end < start
        || end - start + 1 != body.len()
        || end >= total
    {
        return Err(GraphError::new(
            416,
            "InvalidRange",
            format!(
                "The range {start}-{end}/{total} does not match the expected range {}-.",
                session.received.len()
            ),
        ));
    }
    session.received.extend_from_slice(body);
    if session.received.len() < session.size {
        return Ok(Reply::ok(json!({
            "expirationDateTime": chrono::DateTime::from_timestamp(session.expires, 0).map(iso_z).unwrap_or_default(),
            "nextExpectedRanges": [format!("{}-", session.received.len())],
        })));
    }
    let Some(s) = world.uploads.remove(token) else {
        return Err(GraphError::item_not_found());
    };
    let Some(mb) = world.mailboxes.get_mut(&s.user_id) else {
        return Err(GraphError::item_not_found());
    };
    let aid = new_item_id();
    let att = json!({
        "@odata.type": "#microsoft.graph.fileAttachment", "id": aid, "name": s.name, "contentType": s.content_type,
        "size": s.size, "isInline": s.is_inline, "lastModifiedDateTime": iso_z(now),
        "contentBytes": base64::engine::general_purpose::STANDARD.encode(&s.received),
    });
    mb.attachments
        .entry(s.parent_id.clone())
        .or_default()
        .push(att);
    if let Some(m) = mb
        .messages
        .iter_mut()
        .chain(mb.events.iter_mut())
        .find(|m| m["id"] == s.parent_id.as_str())
    {
        m["hasAttachments"] = json!(true);
    }
    // Graph's Location points into the Outlook REST API, the attachment id in `Attachments('…')`
    // (outlook-large-attachments.md, step 3).
    let tenant = world
        .user(&s.user_id)
        .map(|u| u.tenant_id.clone())
        .unwrap_or_default();
    Ok(Reply::no_content()
        .header(
            "Location",
            format!(
                "{}/api/v2.0/Users('{}@{tenant}')/{}('{}')/Attachments('{aid}')",
                base_url.trim_end_matches('/'),
                s.user_id,
                s.collection,
                s.parent_id
            ),
        )
        .with_status(201))
}

// === Categories ===

fn categories(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    let mb = mailbox(world, ctx)?;
    match req.method {
        Method::GET => {
            require_scope(
                ctx.principal,
                &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
            )?;
            shape::page(mb.categories.clone(), IdKind::Plain, &CATEGORIES, ctx, req)
        }
        Method::POST => {
            require_scope(ctx.principal, &["MailboxSettings.ReadWrite"])?;
            let body = req.json()?;
            ctx.schema
                .check_body("microsoft.graph.outlookCategory", &body)?;
            let name = body
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if name.is_empty() {
                return Err(GraphError::new(
                    400,
                    "ErrorInvalidParameter",
                    "The value of the parameter 'DisplayName' is empty.",
                ));
            }
            if mb.categories.iter().any(|c| {
                c["displayName"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&name))
            }) {
                return Err(GraphError::new(
                    409,
                    "ErrorDuplicateCategory",
                    "A category with the specified name already exists.",
                ));
            }
            let c = json!({"id": crate::server::new_id(), "displayName": name, "color": body.get("color").cloned().unwrap_or(json!("preset0"))});
            mb.categories.push(c.clone());
            Ok(Reply::created(c))
        }
        _ => Err(method_not_allowed()),
    }
}

fn category(world: &mut World, ctx: &Ctx<'_>, id: &str, req: &GraphRequest) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let pos = mb
        .categories
        .iter()
        .position(|c| c["id"] == id)
        .ok_or_else(GraphError::item_not_found)?;
    match req.method {
        Method::GET => {
            require_scope(
                ctx.principal,
                &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
            )?;
            shape::single(
                mb.categories[pos].clone(),
                IdKind::Plain,
                &CATEGORIES,
                ctx,
                req,
            )
        }
        Method::DELETE => {
            require_scope(ctx.principal, &["MailboxSettings.ReadWrite"])?;
            mb.categories.remove(pos);
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

// === Helpers ===

/// Shallow-merge a PATCH body into an entity (Graph replaces whole complex values).
pub fn merge(target: &mut Value, patch: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            if !k.starts_with('@') {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}
