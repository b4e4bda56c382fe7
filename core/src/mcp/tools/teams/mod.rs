//! Microsoft Teams: teams, channels, chats and online meetings (work or school accounts).
//!
//! Shared here: the personal-account error (Teams exists only for work and school accounts;
//! every Graph permission table says "Delegated (personal Microsoft account): Not supported"),
//! not-found wording, how a `chatMessage` is shown (HTML bodies through
//! [`crate::text::html::to_text`]), and how a message to send is built (text or HTML, with
//! `<at id="n">` mentions and the matching `mentions` array, chatmessage-post) and counted
//! against the deployment's daily send cap (the same per-user counter as mail).

pub mod create_online_meeting;
pub mod list_channel_messages;
pub mod list_channels;
pub mod list_chat_messages;
pub mod list_chats;
pub mod list_joined_teams;
pub mod reply_to_channel_message;
pub mod send_channel_message;
pub mod send_chat_message;
pub mod time;

pub use create_online_meeting::CreateOnlineMeeting;
pub use list_channel_messages::ListChannelMessages;
pub use list_channels::ListChannels;
pub use list_chat_messages::ListChatMessages;
pub use list_chats::ListChats;
pub use list_joined_teams::ListJoinedTeams;
pub use reply_to_channel_message::ReplyToChannelMessage;
pub use send_channel_message::SendChannelMessage;
pub use send_chat_message::SendChatMessage;

tool_group![
    ListJoinedTeams,
    ListChannels,
    ListChannelMessages,
    SendChannelMessage,
    ReplyToChannelMessage,
    ListChats,
    ListChatMessages,
    SendChatMessage,
    CreateOnlineMeeting,
];

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::graph::{GraphError, GraphPath, GraphRequest};
use crate::mcp::tool::{ToolContext, ToolError};
use crate::mcp::tools::mail::{short_time, str_field};
use crate::text::html;

/// What a model reads when the signed-in account is a personal Microsoft account.
pub const PERSONAL_ACCOUNT: &str = "Microsoft Teams and Teams online meetings are available only for work or \
school (Microsoft 365) accounts, and this user is signed in with a personal Microsoft account, so this \
tool cannot be used. Do not retry; for a meeting with a personal account create a calendar event instead, \
or the user can reconnect with a work or school account.";

/// Whether a Graph failure says the account is a personal (consumer) Microsoft account.
pub fn is_personal_account_error(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("personal microsoft account")
        || m.contains("msa account")
        || m.contains("consumer account")
        || m.contains("not supported for msa")
}

/// Whether a directory id is a personal Microsoft account's: Graph shows an MSA user as a
/// 16-hex-digit id, and its object id in tokens is `00000000-0000-0000-` + that id.
pub fn is_personal_user_id(id: &str) -> bool {
    (id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        || id.to_ascii_lowercase().starts_with("00000000-0000-0000-")
}

/// Whether the signed-in user is a personal Microsoft account (`GET /me?$select=id`). Asked only
/// after a Teams call failed: Graph answers a personal account's Teams calls inconsistently
/// (403 "No authorization information present", 404 "resource does not exist", 500 "Unable to
/// find target address"), so the account kind, not the error, decides the message.
pub async fn is_personal_account(cx: &ToolContext<'_>) -> bool {
    cx.send(&GraphRequest::get(GraphPath::me()).select(&["id"]))
        .await
        .ok()
        .and_then(|me| str_field(&me, "id"))
        .is_some_and(|id| is_personal_user_id(&id))
}

/// A failed Graph call of a Teams tool: the personal-account case, `not_found` (what was not
/// found and what to call) for a 404, the generic mapping otherwise.
pub async fn graph_or_teams_error<T>(
    cx: &ToolContext<'_>,
    result: Result<T, GraphError>,
    not_found: &str,
) -> Result<T, ToolError> {
    let e = match result {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let personal = is_personal_account_error(&e.message)
        || (matches!(e.status, 400 | 403 | 404 | 500) && is_personal_account(cx).await);
    Err(if personal {
        ToolError::new(PERSONAL_ACCOUNT)
    } else if e.status == 404 {
        ToolError::new(not_found)
    } else {
        cx.graph_error(&e)
    })
}

/// The same for a call already mapped to a tool error (`cx.list`).
pub async fn or_teams_error<T>(
    cx: &ToolContext<'_>,
    result: Result<T, ToolError>,
    not_found: &str,
) -> Result<T, ToolError> {
    let e = match result {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let m = &e.message;
    // Failures that say nothing about the account: bad arguments, throttling, the network.
    let unrelated = m.starts_with("Invalid arguments")
        || m.contains("throttling")
        || m.starts_with("Could not reach")
        || m.starts_with("The request was cancelled")
        || m.starts_with("The Microsoft sign-in");
    Err(
        if is_personal_account_error(m) || (!unrelated && is_personal_account(cx).await) {
            ToolError::new(PERSONAL_ACCOUNT)
        } else if m.starts_with("Not found") {
            ToolError::new(not_found)
        } else {
            e
        },
    )
}

/// An id argument as one path segment, or an error naming the field.
pub fn id_arg(field: &str, value: &str, hint: &str) -> Result<String, ToolError> {
    let v = value.trim();
    if v.is_empty() || v == "." || v == ".." || v.len() > 1000 {
        return Err(ToolError::invalid_argument(format!("{field}: {hint}")));
    }
    Ok(v.to_owned())
}

/// `/teams/{team}`.
pub fn team_path(team_id: &str) -> Result<GraphPath, ToolError> {
    let hint = "pass a team id from list_joined_teams";
    let team = id_arg("team_id", team_id, hint)?;
    GraphPath::root()
        .segment("teams")
        .id(&team)
        .map_err(|_| ToolError::invalid_argument(format!("team_id: {hint}")))
}

/// `/teams/{team}/channels/{channel}`.
pub fn channel_path(team_id: &str, channel_id: &str) -> Result<GraphPath, ToolError> {
    let hint = "pass a channel id from list_channels";
    let channel = id_arg("channel_id", channel_id, hint)?;
    team_path(team_id)?
        .segment("channels")
        .id(&channel)
        .map_err(|_| ToolError::invalid_argument(format!("channel_id: {hint}")))
}

/// `/chats/{chat}`.
pub fn chat_path(chat_id: &str) -> Result<GraphPath, ToolError> {
    let hint = "pass a chat id from list_chats";
    let chat = id_arg("chat_id", chat_id, hint)?;
    GraphPath::root()
        .segment("chats")
        .id(&chat)
        .map_err(|_| ToolError::invalid_argument(format!("chat_id: {hint}")))
}

/// Longest message text kept in a listing.
pub const MESSAGE_CHARS: usize = 1500;

/// One Teams message (channel post, reply or chat message).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamsMessage {
    /// Pass as message_id to reply_to_channel_message or to read replies.
    pub id: String,
    /// Sender's display name (absent for system events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Sender's directory user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_user_id: Option<String>,
    /// ISO 8601, UTC.
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The message as plain text (HTML converted, hidden content removed), cut at 1500
    /// characters.
    pub text: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Only when not "normal".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance: Option<String>,
    /// Names of people @mentioned.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// Number of attachments (files, cards).
    #[serde(skip_serializing_if = "is_zero")]
    pub attachments: usize,
    /// For a reply: the id of the post it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to_id: Option<String>,
    /// Not a user message (e.g. someone was added); the text says what happened.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub system: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A message body as clean text: HTML through [`html::to_text`], plain text as is.
pub fn body_text(m: &Value) -> String {
    let content = m
        .pointer("/body/content")
        .and_then(Value::as_str)
        .unwrap_or("");
    let is_html = m
        .pointer("/body/contentType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    if is_html {
        html::to_text(content, &html::Options::default()).text
    } else {
        content.to_owned()
    }
}

impl TeamsMessage {
    pub fn from_graph(m: &Value) -> Self {
        let user = m.pointer("/from/user");
        let system = m
            .get("messageType")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "message");
        let deleted = m.get("deletedDateTime").is_some_and(|d| !d.is_null());
        let full = if deleted {
            "(deleted message)".to_owned()
        } else if system {
            let kind = m
                .pointer("/eventDetail/@odata.type")
                .and_then(Value::as_str)
                .map(|t| t.trim_start_matches("#microsoft.graph."))
                .unwrap_or("event");
            format!("(system event: {kind})")
        } else {
            body_text(m).trim().to_owned()
        };
        let (text, truncated) =
            match crate::text::budget::truncate_at_boundary(&full, MESSAGE_CHARS) {
                (t, None) => (t, false),
                (t, Some(_)) => (t, true),
            };
        let mentions = m
            .get("mentions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| str_field(x, "mentionText"))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: str_field(m, "id").unwrap_or_default(),
            from: user.and_then(|u| str_field(u, "displayName")).or_else(|| {
                m.pointer("/from/application")
                    .and_then(|a| str_field(a, "displayName"))
            }),
            from_user_id: user.and_then(|u| str_field(u, "id")),
            created: str_field(m, "createdDateTime").unwrap_or_default(),
            subject: str_field(m, "subject"),
            text,
            truncated,
            importance: str_field(m, "importance").filter(|i| i != "normal"),
            mentions,
            attachments: m
                .get("attachments")
                .and_then(Value::as_array)
                .map_or(0, Vec::len),
            reply_to_id: str_field(m, "replyToId"),
            system: system || deleted,
        }
    }

    /// Header line, then the text indented.
    pub fn to_text(&self, n: usize) -> String {
        let mut head = format!(
            "{n}. {} · {}",
            short_time(&self.created),
            self.from.as_deref().unwrap_or("(system)")
        );
        if let Some(s) = &self.subject {
            head.push_str(&format!(" · subject: {s}"));
        }
        if let Some(i) = &self.importance {
            head.push_str(&format!(" [{i}]"));
        }
        if self.attachments > 0 {
            head.push_str(&format!(" [{} attachment(s)]", self.attachments));
        }
        head.push_str(&format!(" · id: {}", self.id));
        let mut body = self.text.replace('\n', "\n   ");
        if self.truncated {
            body.push_str(" … (cut)");
        }
        format!("{head}\n   {body}")
    }
}

/// How the message text is written.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Text,
    Html,
}

/// Someone to @mention.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MentionArg {
    /// The name shown in the message. Write "@" + this name in the message where the mention
    /// goes; otherwise it is put at the start.
    pub name: String,
    /// The person's directory user id (from lookup_people) or their work email address.
    pub user: String,
}

/// A mention resolved to a directory user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    pub user_id: String,
}

/// Most mentions in one message.
pub const MAX_MENTIONS: usize = 20;
/// Longest message accepted (Teams' limit is about 28 KB).
pub const MAX_MESSAGE_CHARS: usize = 20_000;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether `s` looks like a directory object id (a GUID).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The `chatMessage` body to post: plain text stays text unless there are mentions; mentions
/// become `<at id="n">name</at>` (replacing the first "@name" in the message, else put first)
/// with the matching `mentions` entries.
pub fn message_body(
    message: &str,
    format: Format,
    mentions: &[Mention],
) -> Result<Value, ToolError> {
    let message = message.trim();
    if message.is_empty() {
        return Err(ToolError::invalid_argument(
            "message: write the message text",
        ));
    }
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ToolError::invalid_argument(format!(
            "message: at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    if mentions.is_empty() && format == Format::Text {
        return Ok(json!({ "body": { "contentType": "text", "content": message } }));
    }
    let mut content = match format {
        Format::Html => message.to_owned(),
        Format::Text => escape(message)
            .replace("\r\n", "<br>")
            .replace('\n', "<br>"),
    };
    let mut entries = Vec::new();
    let mut leading = String::new();
    for (n, m) in mentions.iter().enumerate() {
        let shown = escape(m.name.trim());
        let at = format!("<at id=\"{n}\">{shown}</at>");
        let marker = format!("@{shown}");
        match content.find(&marker) {
            Some(pos) => content.replace_range(pos..pos + marker.len(), &at),
            None => {
                leading.push_str(&at);
                leading.push(' ');
            }
        }
        entries.push(json!({
            "id": n,
            "mentionText": m.name.trim(),
            "mentioned": { "user": {
                "id": m.user_id,
                "displayName": m.name.trim(),
                "userIdentityType": "aadUser",
            }},
        }));
    }
    if !leading.is_empty() {
        content = format!("{leading}{content}");
    }
    let mut body = json!({ "body": { "contentType": "html", "content": content } });
    if !entries.is_empty() {
        body["mentions"] = Value::Array(entries);
    }
    Ok(body)
}

/// Resolves mention arguments: user ids as given, addresses through `GET /users/{address}`
/// (User.ReadBasic.All).
pub async fn resolve_mentions(
    cx: &ToolContext<'_>,
    mentions: &[MentionArg],
) -> Result<Vec<Mention>, ToolError> {
    if mentions.len() > MAX_MENTIONS {
        return Err(ToolError::invalid_argument(format!(
            "mentions: at most {MAX_MENTIONS} people"
        )));
    }
    let mut out = Vec::new();
    for m in mentions {
        let name = m.name.trim();
        let user = m.user.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ToolError::invalid_argument(
                "mentions: each needs the person's name as it should appear (1-100 characters)",
            ));
        }
        if is_guid(user) {
            out.push(Mention {
                name: name.to_owned(),
                user_id: user.to_ascii_lowercase(),
            });
            continue;
        }
        if !user.contains('@') {
            return Err(ToolError::invalid_argument(format!(
                "mentions: user for {name:?} must be a directory user id or a work email address; use \
                     lookup_people to find it"
            )));
        }
        let path = GraphPath::user(user)
            .map_err(|_| ToolError::invalid_argument("mentions: user is not a valid address"))?;
        let found = cx
            .send(&GraphRequest::get(path).select(&["id"]))
            .await
            .map_err(|e| {
                if e.status == 404 {
                    ToolError::new(format!(
                        "Cannot mention {name:?}: no user with the address {user} is in the organisation's \
                     directory (only people in the organisation can be @mentioned). Write the message \
                     without that mention, or use lookup_people to check the address."
                    ))
                } else {
                    cx.graph_error(&e)
                }
            })?;
        let id = str_field(&found, "id").ok_or_else(|| {
            ToolError::new("Microsoft Graph returned a user without an id; try again.")
        })?;
        out.push(Mention {
            name: name.to_owned(),
            user_id: id,
        });
    }
    Ok(out)
}

/// Counts one send against the deployment's daily cap (shared with mail: `sendcount:{day}`),
/// or refuses.
pub async fn take_send_quota(cx: &ToolContext<'_>) -> Result<(), ToolError> {
    let Some(cap) = cx.deployment().daily_send_cap else {
        return Ok(());
    };
    let day = time::utc_day(cx.now_secs());
    let store = cx.store()?;
    match store.increment(&format!("sendcount:{day}"), cap).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(ToolError::new(format!(
            "Refused: this deployment allows at most {cap} sent message(s) per user per day (UTC), mail and \
                     Teams together, and today's limit is reached. Nothing was sent. Try again tomorrow (UTC), or the \
                     user can post it in Teams."
        ))),
        Err(_) => Err(ToolError::new(
            "The send counter could not be read, so nothing was sent. Try again in a few seconds.",
        )),
    }
}

/// How long an identical send (same target, same body) is recognised as a repeat.
pub const REPEAT_WINDOW_SECS: u64 = 600;

fn send_key(path: &GraphPath, body: &Value) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}\n{body}", path.as_str()).as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("teams-send:{hex}")
}

fn store_error() -> ToolError {
    ToolError::new(
        "The send record could not be read, so nothing was sent. Try again in a few seconds.",
    )
}

/// Posts `body` to `path` once: an identical request within [`REPEAT_WINDOW_SECS`] (a model
/// retrying after a timeout) sends nothing again and answers with the first message; then
/// the daily cap; then the POST. `not_found` is the 404 text; `what` starts the answer.
pub async fn send_once(
    cx: &ToolContext<'_>,
    path: GraphPath,
    body: Value,
    mentions: &[Mention],
    not_found: &str,
    what: &str,
) -> Result<crate::mcp::typed::Reply<Sent>, ToolError> {
    let key = send_key(&path, &body);
    let now = cx.now_secs();
    let store = cx.store().ok();
    if let Some(store) = store {
        let fresh = json!({ "at": now });
        match store.put_if_absent(&key, fresh.clone()).await {
            Ok(None) => {}
            Ok(Some(prev)) => {
                let at = prev.get("at").and_then(Value::as_u64).unwrap_or(0);
                if now.saturating_sub(at) > REPEAT_WINDOW_SECS {
                    store.put(&key, fresh).await.map_err(|_| store_error())?;
                } else if let Some(id) = str_field(&prev, "id") {
                    let sent = Sent {
                        id,
                        created: str_field(&prev, "created"),
                        web_url: str_field(&prev, "webUrl"),
                        mentioned: mentions.iter().map(|m| m.name.clone()).collect(),
                    };
                    let text = format!(
                        "Already sent {} seconds ago (message id: {}); this repeated request sent nothing again.",
                        now.saturating_sub(at),
                        sent.id
                    );
                    return Ok(crate::mcp::typed::Reply::new(text, sent));
                } else {
                    return Err(ToolError::new(
                        "An identical message was just sent and its outcome is not known yet. Nothing more was \
                         sent. Read the conversation (list_channel_messages or list_chat_messages) to see whether \
                         it arrived before sending again.",
                    ));
                }
            }
            Err(_) => return Err(store_error()),
        }
    }
    let forget = || async {
        if let Some(store) = store {
            let _ = store.delete(&key).await;
        }
    };
    if let Err(e) = take_send_quota(cx).await {
        forget().await;
        return Err(e);
    }
    let posted = cx.send(&GraphRequest::post(path, body)).await;
    let posted = match graph_or_teams_error(cx, posted, not_found).await {
        Ok(v) => v,
        Err(e) => {
            forget().await;
            return Err(e);
        }
    };
    let sent = Sent::from_graph(&posted, mentions);
    if let Some(store) = store {
        let record =
            json!({ "at": now, "id": sent.id, "created": sent.created, "webUrl": sent.web_url });
        let _ = store.put(&key, record).await;
    }
    Ok(crate::mcp::typed::Reply::new(sent.to_text(what), sent))
}

/// The answer of a send tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    /// The new message's id.
    pub id: String,
    /// ISO 8601, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Link to the message in Teams.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// Names of the people @mentioned.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentioned: Vec<String>,
}

impl Sent {
    pub fn from_graph(m: &Value, mentions: &[Mention]) -> Self {
        Self {
            id: str_field(m, "id").unwrap_or_default(),
            created: str_field(m, "createdDateTime"),
            web_url: str_field(m, "webUrl"),
            mentioned: mentions.iter().map(|m| m.name.clone()).collect(),
        }
    }

    pub fn to_text(&self, what: &str) -> String {
        let mut t = format!("{what} (message id: {})", self.id);
        if !self.mentioned.is_empty() {
            t.push_str(&format!("; mentioned: {}", self.mentioned.join(", ")));
        }
        if let Some(u) = &self.web_url {
            t.push_str(&format!("; link: {u}"));
        }
        t.push('.');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn megan() -> Mention {
        Mention {
            name: "Megan Bowen".into(),
            user_id: "96a4cd0e-afb5-40a7-b771-36519a94954c".into(),
        }
    }

    #[test]
    fn plain_text_stays_text() {
        assert_eq!(
            message_body(" Hi <all> ", Format::Text, &[]).unwrap(),
            json!({"body":{"contentType":"text","content":"Hi <all>"}})
        );
        assert!(message_body("  ", Format::Text, &[]).is_err());
    }

    #[test]
    fn mentions_replace_the_marker_or_go_first() {
        let b = message_body("Thanks @Megan Bowen!\nSee <this>", Format::Text, &[megan()]).unwrap();
        assert_eq!(
            b["body"]["content"],
            "Thanks <at id=\"0\">Megan Bowen</at>!<br>See &lt;this&gt;"
        );
        assert_eq!(b["mentions"][0]["id"], 0);
        assert_eq!(b["mentions"][0]["mentionText"], "Megan Bowen");
        assert_eq!(
            b["mentions"][0]["mentioned"]["user"]["userIdentityType"],
            "aadUser"
        );
        let lee = Mention {
            name: "Lee".into(),
            user_id: "x".into(),
        };
        let b = message_body("<p>Please review</p>", Format::Html, &[megan(), lee]).unwrap();
        assert_eq!(
            b["body"]["content"],
            "<at id=\"0\">Megan Bowen</at> <at id=\"1\">Lee</at> <p>Please review</p>"
        );
        assert_eq!(b["mentions"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn messages_are_shown_as_clean_text() {
        let m = json!({"id":"1","messageType":"message","createdDateTime":"2026-05-30T14:02:11.5Z",
            "from":{"user":{"id":"u","displayName":"Megan Bowen"}},
            "body":{"contentType":"html","content":"<p>Hello <b>team</b><span style=\"display:none\">secret</span></p>"},
            "mentions":[{"mentionText":"Lee"}],"importance":"high","attachments":[{}]});
        let t = TeamsMessage::from_graph(&m);
        assert_eq!(t.text, "Hello team");
        assert_eq!(t.from.as_deref(), Some("Megan Bowen"));
        assert_eq!(t.mentions, vec!["Lee"]);
        assert!(t
            .to_text(1)
            .starts_with("1. 2026-05-30 14:02 UTC · Megan Bowen [high] [1 attachment(s)] · id: 1"));
        let sys = TeamsMessage::from_graph(&json!({"id":"2","messageType":"systemEventMessage",
            "eventDetail":{"@odata.type":"#microsoft.graph.membersAddedEventMessageDetail"}}));
        assert!(sys.system && sys.text.contains("membersAdded"));
        let long = TeamsMessage::from_graph(
            &json!({"id":"3","body":{"contentType":"text","content":"word ".repeat(1000)}}),
        );
        assert!(long.truncated && long.text.chars().count() <= MESSAGE_CHARS);
    }

    #[test]
    fn personal_account_errors_are_recognised() {
        assert!(is_personal_account_error(
            "This API is not supported for personal Microsoft accounts. Sign in with a work or school account."
        ));
        assert!(!is_personal_account_error("Forbidden"));
        assert!(is_personal_user_id("00000000-0000-0000-f353-92a3aa7822e0"));
        assert!(is_personal_user_id("4c9e1d2a3b5f6e7d"));
        assert!(!is_personal_user_id("96a4cd0e-afb5-40a7-b771-36519a94954c"));
        assert!(is_guid("96a4cd0e-afb5-40a7-b771-36519a94954c"));
        assert!(!is_guid("megan@contoso.example"));
    }
}
