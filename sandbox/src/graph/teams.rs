//! Teams, chats and online meetings (work and school accounts only).
//!
//! - `/me/joinedTeams`; `/teams/{id}`, `/members`, `/channels`, `/channels/{id}`,
//!   `/channels/{id}/messages` (GET, POST), `/messages/{id}`, `/messages/{id}/replies` (GET, POST),
//!   `/replies/{id}`;
//! - `/me/chats` (optionally `$expand=members`), `/chats/{id}`, `/chats/{id}/members`,
//!   `/chats/{id}/messages` (GET, POST), `/chats/{id}/messages/{id}`;
//! - `/me/onlineMeetings` (POST; GET only with `$filter=JoinWebUrl eq '…'`), `/me/onlineMeetings/{id}`.
//!
//! Rules from the Graph docs and captured responses:
//! - chatmessage-post / channel-post-messages: channel posts need delegated
//!   `ChannelMessage.Send`; chat posts `ChatMessage.Send` or `Chat.ReadWrite`; personal Microsoft
//!   accounts are not supported;
//! - @mentions: each `<at id="N">` in the HTML body needs a `mentions` entry with `id` N and each
//!   entry needs its marker: "Body does not contain marker for mention with Id '0'. Add 'Name' to
//!   the body." (400 BadRequest, microsoftgraph/microsoft-graph-docs#8832); a marker without an
//!   entry is Graph's generic "Invalid request body was sent." (microsoft-graph-docs#11010);
//! - channel-list-messages: "The maximum $top value is 50"; pages continue with `$skiptoken`;
//! - onlinemeeting-get: listing needs a filter: 400 InvalidArgument "Filter expression expected -
//!   /onlineMeetings?$filter={ParameterName} eq '{id}'." (microsoftgraph/msgraph-sdk-dotnet#2492).

use axum::http::Method;
use serde_json::{json, Value};

use super::{
    mail::mailbox,
    request::{Ctx, GraphRequest},
    router::{method_not_allowed, require_scope, Outcome, Reply, ReplyBody},
    shape::{self, iso_ms, IdKind},
};
use crate::{
    error::GraphError,
    odata::CollectionRules,
    store::{AccountKind, Chat, Team, World},
};

const TEAM_READ: &[&str] = &[
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
];
const TEAM_MEMBERS: &[&str] = &[
    "TeamMember.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
];
const CHANNEL_READ: &[&str] = &[
    "Channel.ReadBasic.All",
    "ChannelSettings.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
];
const CHANNEL_MESSAGE_READ: &[&str] = &["ChannelMessage.Read.All", "Group.Read.All"];
const CHANNEL_MESSAGE_SEND: &[&str] = &["ChannelMessage.Send", "Group.ReadWrite.All"];
const CHAT_READ: &[&str] = &["Chat.ReadBasic", "Chat.Read"];
const CHAT_MESSAGE_READ: &[&str] = &["ChatMessage.Read", "Chat.Read"];
const CHAT_MESSAGE_SEND: &[&str] = &["ChatMessage.Send", "Chat.ReadWrite"];
const CHAT_MEMBERS: &[&str] = &["ChatMember.Read", "Chat.ReadBasic", "Chat.Read"];
const MEETINGS_READ: &[&str] = &["OnlineMeetings.Read"];
const MEETINGS_WRITE: &[&str] = &["OnlineMeetings.ReadWrite"];

/// Options the Teams workload refuses (user-list-joinedteams: "This method doesn't support the
/// OData query parameters to customize the response"; channel-list-messages: only `$top` and
/// `$expand=replies`; chat-list-messages: `$top`, `$orderby`, `$filter` on dates).
const NO_QUERY: &[&str] = &[
    "$filter", "$orderby", "$skip", "$search", "$count", "$expand",
];
const MESSAGE_QUERY: &[&str] = &[
    "$filter", "$orderby", "$skip", "$search", "$count", "$select",
];

pub const JOINED_TEAMS: CollectionRules = CollectionRules {
    unsupported: NO_QUERY,
    ..CollectionRules::new("team")
};
pub const CHANNELS: CollectionRules = CollectionRules {
    unsupported: &["$orderby", "$skip", "$search", "$count", "$expand"],
    ..CollectionRules::new("channel")
};
pub const MEMBERS: CollectionRules = CollectionRules {
    unsupported: &["$orderby", "$skip", "$search", "$expand"],
    ..CollectionRules::new("conversationMember")
};
pub const CHANNEL_MESSAGES: CollectionRules = CollectionRules {
    default_top: 20,
    max_top: 50,
    default_orderby: Some("createdDateTime desc"),
    unsupported: MESSAGE_QUERY,
    ..CollectionRules::new("chatMessage")
};
pub const CHATS: CollectionRules = CollectionRules {
    default_top: 20,
    max_top: 50,
    default_orderby: Some("lastUpdatedDateTime desc"),
    unsupported: &["$skip", "$search", "$count"],
    ..CollectionRules::new("chat")
};
pub const CHAT_MESSAGES: CollectionRules = CollectionRules {
    default_top: 20,
    max_top: 50,
    default_orderby: Some("createdDateTime desc"),
    unsupported: &["$skip", "$search", "$count", "$select", "$expand"],
    ..CollectionRules::new("chatMessage")
};
pub const ONLINE_MEETINGS: CollectionRules = CollectionRules::new("onlineMeeting");

/// `/me/joinedTeams`, `/me/chats…`, `/me/onlineMeetings…`.
pub fn handle_me(world: &mut World, ctx: &Ctx<'_>, rest: &[&str], req: &GraphRequest) -> Outcome {
    require_work(world, ctx)?;
    match rest {
        ["joinedTeams"] => {
            get_only(req)?;
            require_scope(ctx.principal, TEAM_READ)?;
            let items = world
                .teams
                .iter()
                .filter(|t| t.member_ids.contains(&ctx.user_id))
                .map(joined_team)
                .collect();
            shape::page(items, IdKind::Plain, &JOINED_TEAMS, ctx, req)
        }
        ["chats"] => list_chats(world, ctx, req),
        ["chats", id, tail @ ..] => chat(world, ctx, id, tail, req),
        ["onlineMeetings"] => online_meetings(world, ctx, req),
        ["onlineMeetings", id] => online_meeting(world, ctx, id, req),
        [first, ..] => Err(GraphError::no_resource(first)),
        [] => Err(GraphError::bad_request("Invalid request.")),
    }
}

/// `/teams/…` and `/chats/…` (not under `/me`): `segs` is the whole path.
pub fn handle_top(world: &mut World, ctx: &Ctx<'_>, segs: &[&str], req: &GraphRequest) -> Outcome {
    require_work(world, ctx)?;
    match segs {
        ["teams"] => Err(GraphError::access_denied(
            "Access is denied. Check credentials and try again.",
        )),
        ["teams", id, tail @ ..] => team(world, ctx, id, tail, req),
        ["chats"] => list_chats(world, ctx, req),
        ["chats", id, tail @ ..] => chat(world, ctx, id, tail, req),
        [first, ..] => Err(GraphError::no_resource(first)),
        [] => Err(GraphError::bad_request("Invalid request.")),
    }
}

// =============================================================================================
// Helpers
// =============================================================================================

/// Teams and online meetings exist for work and school accounts only (every permission table:
/// "Delegated (personal Microsoft account): Not supported."). Graph answers a personal account's
/// `/me/chats` with 403 "No authorization information present" (AceDataCloud/Skills#444, 2026);
/// the sandbox gives that answer on every Teams, chat and online-meeting endpoint (the code
/// `Forbidden` is the sandbox's guess).
pub(crate) fn require_work(world: &World, ctx: &Ctx<'_>) -> Result<(), GraphError> {
    match world.user(&ctx.principal.user_id) {
        Some(u) if u.kind == AccountKind::Personal => Err(GraphError::new(
            403,
            "Forbidden",
            "No authorization information present",
        )),
        _ => Ok(()),
    }
}

fn get_only(req: &GraphRequest) -> Result<(), GraphError> {
    if req.method == Method::GET {
        Ok(())
    } else {
        Err(method_not_allowed())
    }
}

fn not_found(what: &str) -> GraphError {
    GraphError::new(404, "NotFound", format!("{what} not found"))
}

fn forbidden() -> GraphError {
    GraphError::new(403, "Forbidden", "Forbidden")
}

fn with_context(mut v: Value, ctx: &Ctx<'_>, context: &str) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!("{}/v1.0/$metadata#{context}", ctx.base_url)),
    );
    if let Some(o) = v.as_object_mut() {
        out.extend(std::mem::take(o));
    }
    Value::Object(out)
}

/// Next pages continue with `$skiptoken` (Teams refuses `$skip`).
fn skiptoken_links(outcome: Outcome) -> Outcome {
    let mut reply = outcome?;
    if let ReplyBody::Json(v) = &mut reply.body {
        if let Some(link) = v.get("@odata.nextLink").and_then(Value::as_str) {
            let fixed = link.replace("%24skip=", "%24skiptoken=");
            v["@odata.nextLink"] = json!(fixed);
        }
    }
    Ok(reply)
}

fn query_has(req: &GraphRequest, option: &str, value: &str) -> bool {
    req.query.as_deref().is_some_and(|q| {
        q.split('&').any(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let k = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
            let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
            k.eq_ignore_ascii_case(option)
                && v.split(',').any(|x| x.trim().eq_ignore_ascii_case(value))
        })
    })
}

fn user_identity(world: &World, uid: &str) -> Value {
    let u = world.user(uid);
    json!({
        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
        "id": uid,
        "displayName": u.map(|u| u.display_name.clone()),
        "userIdentityType": "aadUser",
        "tenantId": u.map(|u| u.tenant_id.clone()),
    })
}

fn member_json(world: &World, uid: &str, owner: bool) -> Value {
    let u = world.user(uid);
    json!({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "id": base64_id(uid),
        "roles": if owner { json!(["owner"]) } else { json!([]) },
        "displayName": u.map(|u| u.display_name.clone()),
        "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
        "userId": uid,
        "email": u.and_then(|u| u.profile.get("mail").and_then(Value::as_str).map(str::to_string)),
        "tenantId": u.map(|u| u.tenant_id.clone()),
    })
}

fn base64_id(uid: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("MCMjMSMj{uid}"))
}

/// How `joinedTeams` shows a team: only the basic properties, the rest null.
fn joined_team(t: &Team) -> Value {
    json!({
        "id": t.team["id"],
        "createdDateTime": null,
        "displayName": t.team["displayName"],
        "description": t.team["description"],
        "internalId": null,
        "classification": null,
        "specialization": null,
        "visibility": null,
        "webUrl": null,
        "isArchived": t.team["isArchived"],
        "tenantId": t.team["tenantId"],
        "isMembershipLimitedToOwners": null,
        "memberSettings": null,
        "guestSettings": null,
        "messagingSettings": null,
        "funSettings": null,
        "discoverySettings": null,
        "summary": null,
    })
}

/// A new message id: creation time in epoch milliseconds, unique among `taken`.
fn new_message_id(
    now: chrono::DateTime<chrono::Utc>,
    taken: &dyn Fn(&str) -> bool,
) -> (String, chrono::DateTime<chrono::Utc>) {
    let mut ms = now.timestamp_millis();
    while taken(&ms.to_string()) {
        ms += 1;
    }
    (
        ms.to_string(),
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).unwrap_or(now),
    )
}

/// The `id` values of `<at id="…">` markers in an HTML body.
fn at_markers(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<at") {
        let start = from + pos;
        let Some(end) = lower[start..].find('>').map(|e| start + e) else {
            break;
        };
        let tag = &html[start + 3..end];
        // `<at` must be the whole tag name.
        if tag.starts_with(|c: char| c.is_whitespace()) {
            let tl = tag.to_ascii_lowercase();
            if let Some(i) = tl.find("id") {
                let rest = tag[i + 2..].trim_start();
                if let Some(rest) = rest.strip_prefix('=') {
                    let rest = rest.trim_start();
                    let (q, body) = match rest.chars().next() {
                        Some(c @ ('"' | '\'')) => (Some(c), &rest[1..]),
                        _ => (None, rest),
                    };
                    let value: String = match q {
                        Some(q) => body.chars().take_while(|c| *c != q).collect(),
                        None => body
                            .chars()
                            .take_while(|c| !c.is_whitespace() && *c != '/')
                            .collect(),
                    };
                    out.push(value.trim().to_string());
                }
            }
        }
        from = end + 1;
    }
    out
}

/// Validate a posted `chatMessage` and build the stored one.
fn new_message(
    world: &World,
    ctx: &Ctx<'_>,
    body: &Value,
    id: String,
    created: chrono::DateTime<chrono::Utc>,
) -> Result<Value, GraphError> {
    ctx.schema.check_body("microsoft.graph.chatMessage", body)?;
    let content = body
        .pointer("/body/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    let attachments = body
        .get("attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if content.trim().is_empty() && attachments.is_empty() {
        return Err(GraphError::bad_request("Missing body content."));
    }
    let content_type = body
        .pointer("/body/contentType")
        .and_then(Value::as_str)
        .unwrap_or("text")
        .to_ascii_lowercase();
    let mentions = body
        .get("mentions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let markers = if content_type == "html" {
        at_markers(content)
    } else {
        Vec::new()
    };
    let mention_id = |m: &Value| match m.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    for m in &mentions {
        let mid = mention_id(m);
        if !markers.contains(&mid) {
            let text = m.get("mentionText").and_then(Value::as_str).unwrap_or("");
            return Err(GraphError::bad_request(format!("Body does not contain marker for mention with Id '{mid}'. Add '{text}' to the body.")));
        }
    }
    if markers
        .iter()
        .any(|a| !mentions.iter().any(|m| mention_id(m) == *a))
    {
        return Err(GraphError::bad_request("Invalid request body was sent."));
    }
    let importance = body
        .get("importance")
        .and_then(Value::as_str)
        .unwrap_or("normal");
    Ok(json!({
        "id": id,
        "replyToId": null,
        "etag": id,
        "messageType": "message",
        "createdDateTime": iso_ms(created),
        "lastModifiedDateTime": iso_ms(created),
        "lastEditedDateTime": null,
        "deletedDateTime": null,
        "subject": body.get("subject").cloned().unwrap_or(Value::Null),
        "summary": body.get("summary").cloned().unwrap_or(Value::Null),
        "chatId": null,
        "importance": importance,
        "locale": "en-us",
        "webUrl": null,
        "channelIdentity": null,
        "policyViolation": null,
        "eventDetail": null,
        "from": {"application": null, "device": null, "user": user_identity(world, &ctx.principal.user_id)},
        "body": {"contentType": content_type, "content": content},
        "attachments": attachments,
        "mentions": mentions,
        "reactions": [],
        "messageHistory": [],
    }))
}

// =============================================================================================
// Teams and channels
// =============================================================================================

fn team_index(world: &World, ctx: &Ctx<'_>, id: &str) -> Result<usize, GraphError> {
    let idx = world
        .teams
        .iter()
        .position(|t| {
            t.team["id"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
        })
        .filter(|i| world.teams[*i].team["tenantId"] == ctx.principal.tenant_id.as_str())
        // Graph: 404 NotFound "No team found with Group Id {id}".
        .ok_or_else(|| {
            GraphError::new(404, "NotFound", format!("No team found with Group Id {id}"))
        })?;
    if !world.teams[idx].member_ids.contains(&ctx.principal.user_id) {
        return Err(forbidden());
    }
    Ok(idx)
}

fn channel_index(t: &Team, id: &str) -> Result<usize, GraphError> {
    t.channels
        .iter()
        .position(|c| c["id"] == id)
        .ok_or_else(|| not_found("Channel"))
}

fn team(world: &mut World, ctx: &Ctx<'_>, id: &str, tail: &[&str], req: &GraphRequest) -> Outcome {
    let ti = team_index(world, ctx, id)?;
    match tail {
        [] => {
            get_only(req)?;
            require_scope(ctx.principal, TEAM_READ)?;
            shape::single(
                world.teams[ti].team.clone(),
                IdKind::Plain,
                &JOINED_TEAMS,
                ctx,
                req,
            )
        }
        ["members"] => {
            get_only(req)?;
            require_scope(ctx.principal, TEAM_MEMBERS)?;
            let t = &world.teams[ti];
            let items = t
                .member_ids
                .iter()
                .enumerate()
                .map(|(i, u)| member_json(world, u, i == 0))
                .collect();
            shape::page(items, IdKind::Plain, &MEMBERS, ctx, req)
        }
        ["channels"] => {
            get_only(req)?;
            require_scope(ctx.principal, CHANNEL_READ)?;
            let items = world.teams[ti].channels.clone();
            shape::page(items, IdKind::Plain, &CHANNELS, ctx, req)
        }
        ["channels", cid] => {
            get_only(req)?;
            require_scope(ctx.principal, CHANNEL_READ)?;
            let ci = channel_index(&world.teams[ti], cid)?;
            shape::single(
                world.teams[ti].channels[ci].clone(),
                IdKind::Plain,
                &CHANNELS,
                ctx,
                req,
            )
        }
        ["channels", cid, "messages", rest @ ..] => {
            let ci = channel_index(&world.teams[ti], cid)?;
            let cid = world.teams[ti].channels[ci]["id"]
                .as_str()
                .unwrap_or("")
                .to_string();
            channel_messages(world, ctx, ti, &cid, rest, req)
        }
        [first, ..] => Err(GraphError::no_resource(first)),
    }
}

fn channel_messages(
    world: &mut World,
    ctx: &Ctx<'_>,
    ti: usize,
    cid: &str,
    rest: &[&str],
    req: &GraphRequest,
) -> Outcome {
    let team_id = world.teams[ti].team["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let tenant = world.teams[ti].team["tenantId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    match rest {
        [] => match req.method {
            Method::GET => {
                require_scope(ctx.principal, CHANNEL_MESSAGE_READ)?;
                let t = &world.teams[ti];
                let expand = query_has(req, "$expand", "replies");
                let items: Vec<Value> = t
                    .channel_messages
                    .get(cid)
                    .map(|list| {
                        list.iter()
                            .map(|m| {
                                let mut m = m.clone();
                                if expand {
                                    let id = m["id"].as_str().unwrap_or("").to_string();
                                    m["replies"] =
                                        json!(t.replies.get(&id).cloned().unwrap_or_default());
                                }
                                m
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                skiptoken_links(shape::page(
                    items,
                    IdKind::Plain,
                    &CHANNEL_MESSAGES,
                    ctx,
                    req,
                ))
            }
            Method::POST => {
                require_scope(ctx.principal, CHANNEL_MESSAGE_SEND)?;
                let body = req.json()?;
                let taken = |id: &str| message_id_taken(&world.teams[ti], id);
                let (id, created) = new_message_id(ctx.now, &taken);
                let mut m = new_message(world, ctx, &body, id.clone(), created)?;
                m["channelIdentity"] = json!({"teamId": team_id, "channelId": cid});
                m["webUrl"] = json!(message_url(cid, &id, &id, &team_id, &tenant));
                world.teams[ti]
                    .channel_messages
                    .entry(cid.to_string())
                    .or_default()
                    .push(m.clone());
                let ctx_path = format!("teams('{team_id}')/channels('{cid}')/messages/$entity");
                Ok(Reply::created(with_context(m, ctx, &ctx_path)))
            }
            _ => Err(method_not_allowed()),
        },
        [mid, tail @ ..] => {
            let pos = world.teams[ti]
                .channel_messages
                .get(cid)
                .and_then(|l| l.iter().position(|m| m["id"] == *mid))
                .ok_or_else(|| not_found("Message"))?;
            match tail {
                [] => {
                    get_only(req)?;
                    require_scope(ctx.principal, CHANNEL_MESSAGE_READ)?;
                    let m = world.teams[ti].channel_messages[cid][pos].clone();
                    shape::single(m, IdKind::Plain, &CHANNEL_MESSAGES, ctx, req)
                }
                ["replies"] => match req.method {
                    Method::GET => {
                        require_scope(ctx.principal, CHANNEL_MESSAGE_READ)?;
                        let items = world.teams[ti]
                            .replies
                            .get(*mid)
                            .cloned()
                            .unwrap_or_default();
                        skiptoken_links(shape::page(
                            items,
                            IdKind::Plain,
                            &CHANNEL_MESSAGES,
                            ctx,
                            req,
                        ))
                    }
                    Method::POST => {
                        require_scope(ctx.principal, CHANNEL_MESSAGE_SEND)?;
                        let body = req.json()?;
                        let taken = |id: &str| message_id_taken(&world.teams[ti], id);
                        let (id, created) = new_message_id(ctx.now, &taken);
                        let mut m = new_message(world, ctx, &body, id.clone(), created)?;
                        m["replyToId"] = json!(mid);
                        m["channelIdentity"] = json!({"teamId": team_id, "channelId": cid});
                        m["webUrl"] = json!(message_url(cid, &id, mid, &team_id, &tenant));
                        let t = &mut world.teams[ti];
                        t.replies
                            .entry((*mid).to_string())
                            .or_default()
                            .push(m.clone());
                        if let Some(top) =
                            t.channel_messages.get_mut(cid).and_then(|l| l.get_mut(pos))
                        {
                            top["lastModifiedDateTime"] = m["createdDateTime"].clone();
                        }
                        let ctx_path = format!("teams('{team_id}')/channels('{cid}')/messages('{mid}')/replies/$entity");
                        Ok(Reply::created(with_context(m, ctx, &ctx_path)))
                    }
                    _ => Err(method_not_allowed()),
                },
                ["replies", rid] => {
                    get_only(req)?;
                    require_scope(ctx.principal, CHANNEL_MESSAGE_READ)?;
                    let r = world.teams[ti]
                        .replies
                        .get(*mid)
                        .and_then(|l| l.iter().find(|m| m["id"] == *rid))
                        .cloned()
                        .ok_or_else(|| not_found("Message"))?;
                    shape::single(r, IdKind::Plain, &CHANNEL_MESSAGES, ctx, req)
                }
                [first, ..] => Err(GraphError::no_resource(first)),
            }
        }
    }
}

/// Whether a channel message or reply of the team already has `id`.
fn message_id_taken(t: &Team, id: &str) -> bool {
    t.channel_messages
        .values()
        .chain(t.replies.values())
        .flatten()
        .any(|m| m["id"] == id)
}

fn message_url(cid: &str, id: &str, parent: &str, team: &str, tenant: &str) -> String {
    format!(
        "https://teams.microsoft.com/l/message/{}/{id}?groupId={team}&tenantId={tenant}&createdTime={id}&parentMessageId={parent}",
        percent_encoding::utf8_percent_encode(cid, percent_encoding::NON_ALPHANUMERIC)
    )
}

// =============================================================================================
// Chats
// =============================================================================================

fn chat_index(world: &World, ctx: &Ctx<'_>, id: &str) -> Result<usize, GraphError> {
    let idx = world
        .chats
        .iter()
        .position(|c| c.chat["id"] == id)
        .ok_or_else(|| not_found("Chat"))?;
    if !world.chats[idx].member_ids.contains(&ctx.principal.user_id) {
        return Err(forbidden());
    }
    Ok(idx)
}

fn chat_view(world: &World, c: &Chat, with_members: bool) -> Value {
    let mut v = c.chat.clone();
    if with_members {
        v["members"] = json!(c
            .member_ids
            .iter()
            .map(|u| member_json(world, u, true))
            .collect::<Vec<_>>());
    }
    v
}

fn list_chats(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    get_only(req)?;
    require_scope(ctx.principal, CHAT_READ)?;
    let members = query_has(req, "$expand", "members");
    let items = world
        .chats
        .iter()
        .filter(|c| c.member_ids.contains(&ctx.principal.user_id))
        .map(|c| chat_view(world, c, members))
        .collect();
    let outcome = skiptoken_links(shape::page(items, IdKind::Plain, &CHATS, ctx, req));
    if members {
        keep_expanded_members(world, outcome)
    } else {
        outcome
    }
}

/// OData: an expanded navigation property is returned whether or not `$select` names it
/// (`$select=id,topic&$expand=members` still has `members`); `$select` projection drops it, so
/// it is put back.
fn keep_expanded_members(world: &World, outcome: Outcome) -> Outcome {
    let mut reply = outcome?;
    if let ReplyBody::Json(v) = &mut reply.body {
        for item in v
            .get_mut("value")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if item.get("members").is_some() {
                continue;
            }
            let Some(chat) = world
                .chats
                .iter()
                .find(|c| item.get("id").is_some_and(|id| c.chat["id"] == *id))
            else {
                continue;
            };
            item["members"] = chat_view(world, chat, true)["members"].clone();
        }
    }
    Ok(reply)
}

fn chat(world: &mut World, ctx: &Ctx<'_>, id: &str, tail: &[&str], req: &GraphRequest) -> Outcome {
    let ci = chat_index(world, ctx, id)?;
    let chat_id = world.chats[ci].chat["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    match tail {
        [] => {
            get_only(req)?;
            require_scope(ctx.principal, CHAT_READ)?;
            let v = chat_view(
                world,
                &world.chats[ci],
                query_has(req, "$expand", "members"),
            );
            shape::single(v, IdKind::Plain, &CHATS, ctx, req)
        }
        ["members"] => {
            get_only(req)?;
            require_scope(ctx.principal, CHAT_MEMBERS)?;
            let items = world.chats[ci]
                .member_ids
                .iter()
                .map(|u| member_json(world, u, true))
                .collect();
            shape::page(items, IdKind::Plain, &MEMBERS, ctx, req)
        }
        ["messages"] => match req.method {
            Method::GET => {
                require_scope(ctx.principal, CHAT_MESSAGE_READ)?;
                let items = world.chats[ci].messages.clone();
                skiptoken_links(shape::page(items, IdKind::Plain, &CHAT_MESSAGES, ctx, req))
            }
            Method::POST => {
                require_scope(ctx.principal, CHAT_MESSAGE_SEND)?;
                let body = req.json()?;
                let taken = |mid: &str| world.chats[ci].messages.iter().any(|m| m["id"] == mid);
                let (mid, created) = new_message_id(ctx.now, &taken);
                let mut m = new_message(world, ctx, &body, mid, created)?;
                m["chatId"] = json!(chat_id);
                let c = &mut world.chats[ci];
                c.chat["lastUpdatedDateTime"] = m["createdDateTime"].clone();
                c.messages.push(m.clone());
                let ctx_path = format!("chats('{chat_id}')/messages/$entity");
                Ok(Reply::created(with_context(m, ctx, &ctx_path)))
            }
            _ => Err(method_not_allowed()),
        },
        ["messages", mid] => {
            get_only(req)?;
            require_scope(ctx.principal, CHAT_MESSAGE_READ)?;
            let m = world.chats[ci]
                .messages
                .iter()
                .find(|m| m["id"] == *mid)
                .cloned()
                .ok_or_else(|| not_found("Message"))?;
            shape::single(m, IdKind::Plain, &CHAT_MESSAGES, ctx, req)
        }
        [first, ..] => Err(GraphError::no_resource(first)),
    }
}

// =============================================================================================
// Online meetings
// =============================================================================================

fn participant(world: &World, uid: Option<&str>, upn: &str, role: &str) -> Value {
    let u = uid
        .and_then(|id| world.user(id))
        .or_else(|| world.user_by_address(upn));
    json!({
        "identity": {"application": null, "device": null, "user": {"id": u.map(|u| u.id.clone()), "displayName": null, "tenantId": u.map(|u| u.tenant_id.clone())}},
        "role": role,
        "upn": if upn.is_empty() { u.map(|u| u.user_principal_name.clone()).unwrap_or_default() } else { upn.to_string() },
    })
}

fn online_meetings(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, MEETINGS_READ)?;
            // onlinemeeting-get: only `$filter=JoinWebUrl eq '…'` (or joinMeetingId /
            // VideoTeleconferenceId) lists meetings.
            let filter = req.query.as_deref().and_then(|q| {
                q.split('&').find_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    let k = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
                    (k.eq_ignore_ascii_case("$filter")).then(|| {
                        percent_encoding::percent_decode_str(&v.replace('+', " "))
                            .decode_utf8_lossy()
                            .into_owned()
                    })
                })
            });
            let expected = || {
                GraphError::new(400, "InvalidArgument", "Filter expression expected - /onlineMeetings?$filter={ParameterName} eq '{id}'.")
            };
            let filter = filter.ok_or_else(expected)?;
            let (name, value) = filter.split_once(" eq ").ok_or_else(expected)?;
            let value = value
                .trim()
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .ok_or_else(expected)?
                .replace("''", "'");
            let name = name.trim().to_ascii_lowercase();
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            let mb = mailbox(world, ctx)?;
            let hits: Vec<Value> = mb
                .online_meetings
                .iter()
                .filter(|m| match name.as_str() {
                    "joinweburl" => {
                        let url = m["joinWebUrl"].as_str().unwrap_or("");
                        url == value || decode(url) == decode(&value)
                    }
                    "joinmeetingidsettings/joinmeetingid" => {
                        m.pointer("/joinMeetingIdSettings/joinMeetingId")
                            .and_then(Value::as_str)
                            == Some(value.as_str())
                    }
                    "videoteleconferenceid" => {
                        m["videoTeleconferenceId"].as_str() == Some(value.as_str())
                    }
                    _ => false,
                })
                .cloned()
                .collect();
            if !matches!(
                name.as_str(),
                "joinweburl" | "joinmeetingidsettings/joinmeetingid" | "videoteleconferenceid"
            ) {
                return Err(expected());
            }
            Ok(Reply::ok(json!({
                "@odata.context": format!("{}/v1.0/$metadata#users('{}')/onlineMeetings", ctx.base_url, ctx.user_id),
                "value": hits,
            })))
        }
        Method::POST => {
            require_scope(ctx.principal, MEETINGS_WRITE)?;
            let body = req.json()?;
            ctx.schema
                .check_body("microsoft.graph.onlineMeeting", &body)?;
            let instant = |k: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, GraphError> {
                match body.get(k).and_then(Value::as_str) {
                    None => Ok(None),
                    Some(s) => chrono::DateTime::parse_from_rfc3339(s)
                        .map(|t| Some(t.with_timezone(&chrono::Utc)))
                        .map_err(|_| GraphError::bad_request(format!("Cannot convert the literal '{s}' to the expected type 'Edm.DateTimeOffset'."))),
                }
            };
            // onlinemeeting-create: without times the meeting starts now and lasts an hour.
            let start = instant("startDateTime")?.unwrap_or(ctx.now);
            let end = instant("endDateTime")?.unwrap_or(start + chrono::Duration::hours(1));
            if end < start {
                return Err(GraphError::bad_request(
                    "The end time of the meeting must be after its start time.",
                ));
            }
            let me = ctx.principal.user_id.clone();
            let attendees: Vec<Value> = body
                .pointer("/participants/attendees")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|p| {
                            let id = p.pointer("/identity/user/id").and_then(Value::as_str);
                            let upn = p.get("upn").and_then(Value::as_str).unwrap_or("");
                            let role = p.get("role").and_then(Value::as_str).unwrap_or("attendee");
                            participant(world, id, upn, role)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let raw = crate::server::new_id().replace('-', "");
            let thread = format!("19:meeting_{}@thread.v2", &raw[..24]);
            let join = format!(
                "https://teams.microsoft.com/l/meetup-join/{}/0?context=%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{me}%22%7d",
                percent_encoding::utf8_percent_encode(&thread, percent_encoding::NON_ALPHANUMERIC).to_string().replace("%3A", "%3a"),
                ctx.principal.tenant_id
            );
            let digits: String = raw
                .chars()
                .filter_map(|c| c.to_digit(16))
                .map(|d| char::from(b'0' + (d % 10) as u8))
                .take(12)
                .collect();
            let id = {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(format!("1*{me}*0**{thread}"))
            };
            let mut m = json!({
                "id": id,
                "creationDateTime": iso_ms(ctx.now),
                "startDateTime": iso_ms(start),
                "endDateTime": iso_ms(end),
                "joinWebUrl": join,
                "subject": body.get("subject").cloned().unwrap_or(Value::Null),
                "isBroadcast": false,
                "isEntryExitAnnounced": true,
                "allowedPresenters": "everyone",
                "allowMeetingChat": "enabled",
                "allowTeamworkReactions": true,
                "allowAttendeeToEnableMic": true,
                "allowAttendeeToEnableCamera": true,
                "recordAutomatically": false,
                "externalId": body.get("externalId").cloned().unwrap_or(Value::Null),
                "videoTeleconferenceId": null,
                "broadcastSettings": null,
                "audioConferencing": null,
                "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": false},
            });
            let rest = json!({
                "joinMeetingIdSettings": {"isPasscodeRequired": true, "joinMeetingId": digits, "passcode": format!("{}", 100_000 + (ctx.now.timestamp_subsec_millis() * 997) % 900_000)},
                "chatInfo": {"threadId": thread, "messageId": "0", "replyChainMessageId": null},
                "joinInformation": {"content": "data:text/html,%3cp%3eMicrosoft+Teams+meeting%3c%2fp%3e", "contentType": "html"},
                "participants": {"organizer": participant(world, Some(&me), "", "presenter"), "attendees": attendees},
            });
            if let (Some(o), Value::Object(extra)) = (m.as_object_mut(), rest) {
                o.extend(extra);
            }
            for k in [
                "allowedPresenters",
                "allowMeetingChat",
                "isEntryExitAnnounced",
                "recordAutomatically",
                "lobbyBypassSettings",
                "allowAttendeeToEnableMic",
                "allowAttendeeToEnableCamera",
            ] {
                if let Some(v) = body.get(k) {
                    m[k] = v.clone();
                }
            }
            mailbox(world, ctx)?.online_meetings.push(m.clone());
            Ok(Reply::created(with_context(
                m,
                ctx,
                &format!("users('{}')/onlineMeetings/$entity", ctx.user_id),
            )))
        }
        _ => Err(method_not_allowed()),
    }
}

fn online_meeting(world: &mut World, ctx: &Ctx<'_>, id: &str, req: &GraphRequest) -> Outcome {
    let mb = mailbox(world, ctx)?;
    let pos = mb
        .online_meetings
        .iter()
        .position(|m| m["id"] == id)
        .ok_or_else(|| not_found("Online meeting"))?;
    match req.method {
        Method::GET => {
            require_scope(ctx.principal, MEETINGS_READ)?;
            shape::single(
                mb.online_meetings[pos].clone(),
                IdKind::Plain,
                &ONLINE_MEETINGS,
                ctx,
                req,
            )
        }
        Method::PATCH => {
            require_scope(ctx.principal, MEETINGS_WRITE)?;
            let body = req.json()?;
            ctx.schema
                .check_body("microsoft.graph.onlineMeeting", &body)?;
            super::mail::merge(&mut mb.online_meetings[pos], &body);
            Ok(Reply::ok(mb.online_meetings[pos].clone()))
        }
        Method::DELETE => {
            require_scope(ctx.principal, MEETINGS_WRITE)?;
            mb.online_meetings.remove(pos);
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_markers_are_found_with_either_quote() {
        assert_eq!(at_markers("<p>Hi <at id=\"0\">Megan</at> and <AT id='1'>Lee</AT><attachment id=\"x\"></attachment></p>"), ["0", "1"]);
        assert!(at_markers("<p>at the office</p>").is_empty());
    }
}
