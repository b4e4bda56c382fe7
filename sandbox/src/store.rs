//! The sandbox's in-memory world: tenants, users and one mailbox per user. Entities are kept as
//! Graph-shaped JSON objects (`serde_json::Value`) so OData query options apply to them uniformly.
//! Keys starting with `_` are sandbox bookkeeping (e.g. `_calendarId`) and are never sent.

use std::collections::BTreeMap;

use serde_json::Value;

/// Whether an account is a work/school (Entra) account or a personal Microsoft account. Some Graph
/// APIs (Teams, getSchedule, findMeetingTimes, online meetings) exist only for work accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    Work,
    Personal,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    /// Tenant id (a GUID).
    pub id: String,
    pub display_name: String,
    /// The verified domain, e.g. `contoso.example`.
    pub domain: String,
}

#[derive(Debug, Clone)]
pub struct User {
    /// Object id (`oid`, a GUID); also the Graph `user.id`.
    pub id: String,
    pub tenant_id: String,
    /// Sign-in name, e.g. `adele@contoso.example`.
    pub user_principal_name: String,
    pub display_name: String,
    pub kind: AccountKind,
    /// The Graph `user` resource as `/me` returns it.
    pub profile: Value,
}

/// A Teams team with its channels and their messages.
#[derive(Debug, Clone, Default)]
pub struct Team {
    /// Graph `team` JSON.
    pub team: Value,
    /// Graph `channel` JSON objects.
    pub channels: Vec<Value>,
    /// Channel id → `chatMessage` objects (top-level posts); replies are in `replies`.
    pub channel_messages: BTreeMap<String, Vec<Value>>,
    /// Message id → reply `chatMessage` objects.
    pub replies: BTreeMap<String, Vec<Value>>,
    /// User ids of members.
    pub member_ids: Vec<String>,
}

/// A 1:1 or group chat.
#[derive(Debug, Clone, Default)]
pub struct Chat {
    /// Graph `chat` JSON.
    pub chat: Value,
    pub messages: Vec<Value>,
    pub member_ids: Vec<String>,
}

/// Everything one user owns.
#[derive(Debug, Clone, Default)]
pub struct Mailbox {
    /// Graph `mailboxSettings` JSON (time zone, language, working hours, automatic replies…).
    pub settings: Value,
    /// Graph `mailFolder` JSON objects (all levels; `parentFolderId` links them).
    pub folders: Vec<Value>,
    /// Well-known folder name (`inbox`, `drafts`, `sentitems`, `deleteditems`, `archive`, `junkemail`,
    /// `outbox`, `msgfolderroot`) → folder id.
    pub well_known_folders: BTreeMap<String, String>,
    /// Graph `message` JSON objects; `parentFolderId` places each in a folder.
    pub messages: Vec<Value>,
    /// Message or event id → Graph `fileAttachment`/`itemAttachment` JSON (with `contentBytes`).
    pub attachments: BTreeMap<String, Vec<Value>>,
    /// Graph `outlookCategory` objects (the master category list).
    pub categories: Vec<Value>,
    /// Graph `calendar` JSON objects; the default one has `isDefaultCalendar: true`.
    pub calendars: Vec<Value>,
    /// Graph `event` JSON objects: single instances and series masters (with `recurrence`).
    /// `_calendarId` says which calendar holds each.
    pub events: Vec<Value>,
    /// Graph `contactFolder` JSON objects.
    pub contact_folders: Vec<Value>,
    /// Graph `contact` JSON objects; `parentFolderId` places each.
    pub contacts: Vec<Value>,
    /// Graph `person` JSON objects, in relevance order.
    pub people: Vec<Value>,
    /// Graph `onlineMeeting` JSON objects.
    pub online_meetings: Vec<Value>,
    /// Graph `messageRule` JSON objects (the Inbox rules).
    pub message_rules: Vec<Value>,
}

/// The whole sandbox state. Rebuilt from the seed on `/_admin/reset`.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    /// User id → mailbox.
    pub mailboxes: BTreeMap<String, Mailbox>,
    pub teams: Vec<Team>,
    pub chats: Vec<Chat>,
    /// Attachment upload sessions by their token (the last segment of `uploadUrl`).
    pub uploads: BTreeMap<String, UploadSession>,
    /// Delta state behind `$skiptoken`/`$deltatoken` values of message delta links.
    pub delta_tokens: BTreeMap<String, DeltaState>,
    /// Shared mailboxes: mailbox (user) id → the users with full access to it. Only these users
    /// reach `/users/{mailbox}/…` mail, and only with `Mail.*.Shared` scopes. Shared mailboxes are
    /// users that cannot sign in.
    pub shared_mailboxes: BTreeMap<String, Vec<String>>,
}

/// Where a message delta round stands (`mailFolders/{id}/messages/delta`).
#[derive(Debug, Clone, Default)]
pub struct DeltaState {
    pub user_id: String,
    pub folder_id: String,
    /// The round's query options (`$select`, `$top`, `$filter`, `$orderby`, `changeType`), kept as
    /// Graph encodes them into its tokens.
    pub query: Option<String>,
    /// Message id → fingerprint of the folder at the start of the round: what the next round is
    /// compared against.
    pub baseline: BTreeMap<String, String>,
    /// For a `$skiptoken`: the round's remaining changes (messages, or `@removed` stubs) and the
    /// offset of the next page.
    pub pending: Vec<Value>,
    pub offset: usize,
}

/// A large-attachment upload in progress (`createUploadSession`, then ranged `PUT`s).
#[derive(Debug, Clone, Default)]
pub struct UploadSession {
    pub user_id: String,
    /// The message or event the attachment goes to (immutable id).
    pub parent_id: String,
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub is_inline: bool,
    pub received: Vec<u8>,
    /// Unix seconds after which the session is gone.
    pub expires: i64,
    /// `Messages` or `Events` (for the Outlook URL in the final `Location`).
    pub collection: String,
}

impl World {
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(upn))
    }

    /// The seeded user whose mail address or UPN is `address`, if any.
    pub fn user_by_address(&self, address: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.user_principal_name.eq_ignore_ascii_case(address)
                || u.profile
                    .get("mail")
                    .and_then(Value::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case(address))
        })
    }

    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }
}

/// Remove sandbox bookkeeping keys (`_…`) from an entity before it is sent.
pub fn strip_internal(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|k, _| !k.starts_with('_'));
    }
    v
}
