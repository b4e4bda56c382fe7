//! Sending under the deployment's rules, and never twice.
//!
//! Every send ends in `POST /me/messages/{id}/send` of a draft: `send_draft` sends one the model
//! names; `send_email`, `reply`, `reply_all` and `forward` first create the draft
//! (`POST /me/messages`, `createReply`, `createReplyAll`, `createForward`). Going through a draft
//! gives every send an id, so the outcome of a send whose answer was lost can be checked:
//! with `Prefer: IdType="ImmutableId"` a sent draft keeps its id in Sent Items with
//! `isDraft: false`, and a draft that was not sent is still a draft (a 404 also counts as sent,
//! as Graph may answer while the item moves). It also lets the recipient allowlist be checked
//! against the recipients Graph itself computed for a reply-all.
//!
//! Rules, in order:
//! * `own-drafts`: `send_draft` only sends drafts recorded as created by this server for this
//!   user (`draft:{id}` in the store, written by every drafting tool).
//! * Recipient allowlist ([`Deployment::recipient_allowed`]) for every To, Cc and Bcc address.
//! * Daily cap: a counter per UTC day (`sendcount:{YYYY-MM-DD}`), incremented atomically just
//!   before the send.
//!
//! Never twice: a send record (`send:{draft id}` for `send_draft`; `sendkey:{sha256 of tool,
//! UTC day and arguments}` for the direct tools) is claimed with `put_if_absent` before the
//! `POST …/send` and marked `sent` after it. A repeated call finds the record:
//! * `sent`: answers "already sent", no request at all;
//! * claimed but not marked sent (a timeout, a 503/504, a crash between send and mark): reads
//!   the draft; gone or no longer a draft means it was sent (the record is marked and the call
//!   answers "already sent"); still a draft means it was not sent, and it is sent now, unless the
//!   claim is younger than [`LEASE_SECS`] and may belong to a send still running, which is
//!   answered "in progress, try again".
//!
//! After a definite refusal (a 4xx or 429: Graph did not run the send) the record is removed so a
//! corrected retry can send. The retry policy below never repeats a `POST …/send` after a
//! 503/504/network failure, only after a 429, so one call makes at most one send attempt that
//! Graph may have run.

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::graph::request::parse_response;
use crate::graph::{GraphError, GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::SendPolicy;
use crate::mcp::tool::{ToolContext, ToolError};
use crate::mcp::tools::mail::str_field;
use crate::mcp::typed::{Reply, ToolResult};
use crate::store::UserStore;

use super::{addresses, draft_key, message_path, not_found, read_message, DraftInfo};

/// How long a claimed send is presumed to be still running (seconds).
pub const LEASE_SECS: u64 = 120;

/// What a send tool returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    /// "sent", or "already_sent" when an earlier identical call already sent it.
    pub status: String,
    /// The message's id (the same in Sent Items).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// To, Cc and Bcc addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// When it was sent (ISO 8601 UTC).
    pub sent_at: String,
}

/// A send record's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Claimed; the send may be running.
    Sending,
    /// The last attempt's outcome was not known when it ended.
    Unknown,
    Sent,
}

/// A send record in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub state: State,
    pub at: u64,
    pub draft: Option<String>,
}

impl Record {
    pub fn new(state: State, at: u64, draft: Option<&str>) -> Self {
        Self {
            state,
            at,
            draft: draft.map(str::to_owned),
        }
    }

    pub fn to_value(&self) -> Value {
        let state = match self.state {
            State::Sending => "sending",
            State::Unknown => "unknown",
            State::Sent => "sent",
        };
        let mut v = json!({ "state": state, "at": self.at });
        if let Some(d) = &self.draft {
            v["draft"] = Value::from(d.as_str());
        }
        v
    }

    pub fn from_value(v: &Value) -> Self {
        let state = match v.get("state").and_then(Value::as_str) {
            Some("sent") => State::Sent,
            Some("unknown") => State::Unknown,
            _ => State::Sending,
        };
        Self {
            state,
            at: v.get("at").and_then(Value::as_u64).unwrap_or(0),
            draft: str_field(v, "draft"),
        }
    }

    /// Whether a send under this claim may still be running at `now`.
    pub fn in_flight(&self, now: u64) -> bool {
        self.state == State::Sending && now < self.at.saturating_add(LEASE_SECS)
    }
}

/// Days since 1970-01-01 → (year, month, day) (H. Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` of the UTC day containing `secs`.
pub fn utc_day(secs: u64) -> String {
    let (y, m, d) = civil((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_utc(secs: u64) -> String {
    let rem = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        utc_day(secs),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The store key of a direct send: the tool, the UTC day and a fingerprint of its arguments
/// (`extra` carries attachment bytes).
pub fn idempotency_key(tool: &str, now: u64, fingerprint: &Value, extra: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(tool.as_bytes());
    h.update([0]);
    h.update(utc_day(now).as_bytes());
    h.update([0]);
    h.update(fingerprint.to_string().as_bytes());
    for e in extra {
        h.update((e.len() as u64).to_le_bytes());
        h.update(e);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sendkey:{hex}")
}

/// Key of `send_draft`'s record for draft `id`.
pub fn draft_send_key(id: &str) -> String {
    format!("send:{id}")
}

/// A draft as the send path sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub subject: String,
    pub recipients: Vec<String>,
}

impl Facts {
    pub fn from_message(m: &Value) -> Self {
        let mut recipients = addresses(m, "toRecipients");
        recipients.extend(addresses(m, "ccRecipients"));
        recipients.extend(addresses(m, "bccRecipients"));
        Self {
            subject: str_field(m, "subject").unwrap_or_else(|| "(no subject)".into()),
            recipients,
        }
    }

    pub fn from_info(d: &DraftInfo) -> Self {
        Self {
            subject: d.subject.clone(),
            recipients: d.to.iter().chain(&d.cc).chain(&d.bcc).cloned().collect(),
        }
    }
}

/// What reading a draft found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// No such message (sent and moved, deleted, or a wrong id).
    Missing,
    /// A message that is not a draft (sent).
    NotDraft(String),
    /// A draft the user deleted (in Deleted Items): not sent, and not to be sent.
    Deleted(String),
    Draft(Facts),
}

impl Found {
    /// For a message this server tried to send: does it show that the send happened?
    fn shows_sent(&self) -> bool {
        matches!(self, Self::Missing | Self::NotDraft(_))
    }
}

/// Reads the draft (just what the send path needs) and whether it is in Deleted Items, in one
/// `$batch` ([`super::read_message`]).
pub async fn read_draft(cx: &ToolContext<'_>, path: &GraphPath) -> Result<Found, GraphError> {
    let found = read_message(
        cx,
        &GraphPath::me(),
        path,
        &[
            "id",
            "subject",
            "isDraft",
            "toRecipients",
            "ccRecipients",
            "bccRecipients",
        ],
    )
    .await?;
    Ok(match found {
        None => Found::Missing,
        Some((m, deleted)) => {
            if m.get("isDraft").and_then(Value::as_bool) != Some(true) {
                Found::NotDraft(str_field(&m, "subject").unwrap_or_else(|| "(no subject)".into()))
            } else if deleted {
                Found::Deleted(str_field(&m, "subject").unwrap_or_else(|| "(no subject)".into()))
            } else {
                Found::Draft(Facts::from_message(&m))
            }
        }
    })
}

fn store_error() -> ToolError {
    ToolError::new(
        "This server's per-user store could not be reached, so it cannot guarantee the message is not sent twice. \
         Nothing was sent. Try again in a few seconds.",
    )
}

/// Refuses recipients outside the deployment's allowed domains.
pub fn check_allowed(cx: &ToolContext<'_>, recipients: &[String]) -> Result<(), ToolError> {
    let d = cx.deployment();
    let refused: Vec<&String> = recipients
        .iter()
        .filter(|a| !d.recipient_allowed(a))
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    let list: Vec<&str> = refused.iter().map(|s| s.as_str()).collect();
    Err(ToolError::new(format!(
        "Refused by this deployment's recipient policy: {} {} outside the allowed domains ({}). Nothing was sent. \
         Remove {} from the recipients, or the user can send the message from Outlook.",
        list.join(", "),
        if list.len() == 1 { "is" } else { "are" },
        d.allowed_domains.join(", "),
        if list.len() == 1 { "that address" } else { "those addresses" },
    )))
}

fn cap_key(now: u64) -> String {
    format!("sendcount:{}", utc_day(now))
}

fn cap_refusal(cap: u64) -> ToolError {
    ToolError::new(format!(
        "Refused: this deployment allows at most {cap} sent message(s) per user per day (UTC), and today's limit is \
         reached. Nothing was sent. Try again tomorrow (UTC), or the user can send it from Outlook."
    ))
}

/// Refuses when today's cap is already reached (without counting this send).
pub async fn cap_peek(cx: &ToolContext<'_>, store: &dyn UserStore) -> Result<(), ToolError> {
    let Some(cap) = cx.deployment().daily_send_cap else {
        return Ok(());
    };
    let used = store
        .get(&cap_key(cx.now_secs()))
        .await
        .map_err(|_| store_error())?
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if used >= cap {
        return Err(cap_refusal(cap));
    }
    Ok(())
}

/// Counts this send against today's cap, or refuses.
async fn cap_take(cx: &ToolContext<'_>, store: &dyn UserStore) -> Result<(), ToolError> {
    let Some(cap) = cx.deployment().daily_send_cap else {
        return Ok(());
    };
    match store
        .increment(&cap_key(cx.now_secs()), cap)
        .await
        .map_err(|_| store_error())?
    {
        Some(_) => Ok(()),
        None => Err(cap_refusal(cap)),
    }
}

fn in_progress(rec: &Record, now: u64) -> ToolError {
    let wait = rec.at.saturating_add(LEASE_SECS).saturating_sub(now).max(5);
    ToolError::new(format!(
        "An identical send started at {} is still in progress or its outcome is not known yet. Nothing more was \
         sent. Call the tool again in {wait} seconds: it checks whether the message went out and never sends it twice.",
        iso_utc(rec.at)
    ))
}

fn already_sent(id: &str, at: u64, facts: Option<&Facts>) -> ToolResult<SendResult> {
    let text = format!(
        "Already sent at {} (message id: {id}); this repeated request sent nothing again. It is in Sent Items.",
        iso_utc(at)
    );
    Ok(Reply::new(
        text,
        SendResult {
            status: "already_sent".into(),
            message_id: id.to_owned(),
            subject: facts.map(|f| f.subject.clone()),
            recipients: facts.map(|f| f.recipients.clone()).unwrap_or_default(),
            sent_at: iso_utc(at),
        },
    ))
}

fn sent(id: &str, at: u64, facts: &Facts, note: &str) -> ToolResult<SendResult> {
    let text = format!(
        "Sent {:?} to {} (message id: {id}).{note} A copy is in Sent Items.",
        facts.subject,
        facts.recipients.join(", ")
    );
    Ok(Reply::new(
        text,
        SendResult {
            status: "sent".into(),
            message_id: id.to_owned(),
            subject: Some(facts.subject.clone()),
            recipients: facts.recipients.clone(),
            sent_at: iso_utc(at),
        },
    ))
}

async fn put(store: &dyn UserStore, key: &str, rec: &Record) -> Result<(), ToolError> {
    store
        .put(key, rec.to_value())
        .await
        .map_err(|_| store_error())
}

/// `POST {path}/send` with no body, as the API is documented (message-send: "Do not supply a
/// request body").
async fn post_send(cx: &ToolContext<'_>, path: &GraphPath) -> Result<Value, GraphError> {
    let mut http =
        GraphRequest::post(path.clone().segment("send"), json!({})).to_http(cx.graph_base_url());
    http.body = None;
    http.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
    let response = cx
        .graph()
        .send(http)
        .await
        .map_err(|e| GraphError::transport(&e))?;
    parse_response(&response)
}

/// The send itself, with the claim at `key` already held: counts it against the cap, posts it
/// and records the outcome (see the module docs).
async fn attempt(
    cx: &ToolContext<'_>,
    store: &dyn UserStore,
    key: &str,
    id: &str,
    path: &GraphPath,
    facts: &Facts,
) -> ToolResult<SendResult> {
    if let Err(e) = cap_take(cx, store).await {
        let _ = store.delete(key).await;
        return Err(e);
    }
    let now = cx.now_secs();
    match post_send(cx, path).await {
        Ok(_) => {
            // The send happened; failing to mark it would only cost a check on a repeat.
            let _ = put(store, key, &Record::new(State::Sent, now, Some(id))).await;
            sent(id, now, facts, "")
        }
        Err(e) if e.status == 429 || (400..500).contains(&e.status) => {
            let _ = store.delete(key).await;
            if e.status == 404 {
                return Err(not_found(id, "draft"));
            }
            Err(ToolError::new(format!(
                "{} Nothing was sent; the draft {id} is kept.",
                cx.graph_error(&e).message
            )))
        }
        Err(e) => {
            let _ = put(store, key, &Record::new(State::Unknown, now, Some(id))).await;
            match read_draft(cx, path).await {
                Ok(found) if found.shows_sent() => {
                    let _ = put(store, key, &Record::new(State::Sent, now, Some(id))).await;
                    sent(
                        id,
                        now,
                        facts,
                        " (Graph's answer to the send was lost, but the draft has left Drafts, so it went out.)",
                    )
                }
                Ok(_) => Err(ToolError::new(format!(
                    "Sending failed ({}): Microsoft Graph did not complete the send, and {id} is still a draft, so it \
                     was not sent. Call the tool again in a few seconds to retry; it checks first and \
                     never sends the message twice.",
                    if e.status == 0 {
                        "network error or timeout".to_owned()
                    } else {
                        format!("HTTP {}", e.status)
                    }
                ))),
                Err(_) => Err(ToolError::new(format!(
                    "Sending failed (HTTP {}) and whether the message went out is not known yet. Do not send it \
                     another way. Call the tool again in a minute: it checks whether draft {id} was sent and never \
                     sends it twice.",
                    e.status
                ))),
            }
        }
    }
}

/// `send_draft`: sends draft `id` of the user's own mailbox under the deployment's rules.
pub async fn send_existing(cx: &ToolContext<'_>, id: &str) -> ToolResult<SendResult> {
    let id = id.trim();
    let store = cx.store()?;
    let path = message_path(&GraphPath::me(), "message_id", id)?;
    let key = draft_send_key(id);
    let now = cx.now_secs();
    let previous = store
        .get(&key)
        .await
        .map_err(|_| store_error())?
        .map(|v| Record::from_value(&v));
    let mut found = None;
    if let Some(rec) = &previous {
        if rec.state == State::Sent {
            return already_sent(id, rec.at, None);
        }
        let f = read_draft(cx, &path)
            .await
            .map_err(|e| cx.graph_error(&e))?;
        if f.shows_sent() {
            let _ = put(store, &key, &Record::new(State::Sent, rec.at, Some(id))).await;
            return already_sent(id, rec.at, None);
        }
        if rec.in_flight(now) {
            return Err(in_progress(rec, now));
        }
        found = Some(f);
    }
    let created_here = cx.deployment().send_policy != SendPolicy::OwnDrafts
        || store
            .get(&draft_key(id))
            .await
            .map_err(|_| store_error())?
            .is_some();
    let found = match found {
        Some(f) => f,
        None => read_draft(cx, &path)
            .await
            .map_err(|e| cx.graph_error(&e))?,
    };
    // Only a live draft is refused for not being this server's: a deleted draft (delete_draft
    // forgets its record), a received message or a wrong id get the reason that applies to them.
    if !created_here && matches!(found, Found::Draft(_)) {
        return Err(ToolError::new(format!(
            "Refused by this deployment's send policy (own-drafts): send_draft only sends drafts that this server \
             created for the user (with create_draft, create_reply_draft, create_reply_all_draft or \
             create_forward_draft). Draft {id} was not created here, so it was not sent. Create a new draft with \
             one of those tools and send that, or the user can send this one from Outlook."
        )));
    }
    let facts = match found {
        Found::Missing => return Err(not_found(id, "draft")),
        Found::Deleted(subject) => {
            return Err(ToolError::new(format!(
                "Draft {id} ({subject:?}) was deleted (it is in Deleted Items), so it was not sent. Create a new \
                 draft if the message should still go out."
            )))
        }
        Found::NotDraft(subject) => {
            return Err(ToolError::new(format!(
                "Message {id} ({subject:?}) is not a draft (it was already sent, or it is a received message), so it \
                 was not sent. To answer a message, create a reply draft with create_reply_draft."
            )))
        }
        Found::Draft(f) => f,
    };
    if facts.recipients.is_empty() {
        return Err(ToolError::new(format!(
            "Draft {id} has no recipients, so it was not sent. Add them with update_draft, then call send_draft again."
        )));
    }
    check_allowed(cx, &facts.recipients)?;
    cap_peek(cx, store).await?;
    let claim = Record::new(State::Sending, now, Some(id));
    if previous.is_some() {
        put(store, &key, &claim).await?;
    } else if let Some(existing) = store
        .put_if_absent(&key, claim.to_value())
        .await
        .map_err(|_| store_error())?
    {
        let rec = Record::from_value(&existing);
        if rec.state == State::Sent {
            return already_sent(id, rec.at, None);
        }
        return Err(in_progress(&rec, now));
    }
    attempt(cx, store, &key, id, &path, &facts).await
}

/// The direct send tools: creates a draft with `create` (only when no earlier identical call
/// did) and sends it, under the same rules and never-twice guarantee. `key` comes from
/// [`idempotency_key`]; `known_recipients` are checked against the allowlist before anything
/// is created.
pub async fn send_new(
    cx: &ToolContext<'_>,
    key: &str,
    known_recipients: &[String],
    create: LocalBoxFuture<'_, Result<DraftInfo, ToolError>>,
) -> ToolResult<SendResult> {
    let store = cx.store()?;
    let now = cx.now_secs();
    let previous = store
        .get(key)
        .await
        .map_err(|_| store_error())?
        .map(|v| Record::from_value(&v));
    let mut resume: Option<(String, Facts)> = None;
    if let Some(rec) = &previous {
        if rec.state == State::Sent {
            return already_sent(rec.draft.as_deref().unwrap_or(""), rec.at, None);
        }
        match &rec.draft {
            Some(d) => {
                let path = message_path(&GraphPath::me(), "message_id", d)?;
                let f = read_draft(cx, &path)
                    .await
                    .map_err(|e| cx.graph_error(&e))?;
                if f.shows_sent() {
                    let _ = put(store, key, &Record::new(State::Sent, rec.at, Some(d))).await;
                    return already_sent(d, rec.at, None);
                }
                if rec.in_flight(now) {
                    return Err(in_progress(rec, now));
                }
                if let Found::Draft(facts) = f {
                    resume = Some((d.clone(), facts));
                }
            }
            // Claimed, but the draft was never created: nothing can have been sent.
            None if rec.in_flight(now) => return Err(in_progress(rec, now)),
            None => {}
        }
    }
    check_allowed(cx, known_recipients)?;
    cap_peek(cx, store).await?;
    let claim = Record::new(
        State::Sending,
        now,
        resume.as_ref().map(|(d, _)| d.as_str()),
    );
    if previous.is_some() {
        put(store, key, &claim).await?;
    } else if let Some(existing) = store
        .put_if_absent(key, claim.to_value())
        .await
        .map_err(|_| store_error())?
    {
        let rec = Record::from_value(&existing);
        if rec.state == State::Sent {
            return already_sent(rec.draft.as_deref().unwrap_or(""), rec.at, None);
        }
        return Err(in_progress(&rec, now));
    }
    let (id, facts) = match resume {
        Some(r) => r,
        None => {
            let info = match create.await {
                Ok(i) => i,
                Err(e) => {
                    let _ = store.delete(key).await;
                    return Err(ToolError::new(format!("{} Nothing was sent.", e.message)));
                }
            };
            put(
                store,
                key,
                &Record::new(State::Sending, now, Some(&info.id)),
            )
            .await?;
            let facts = Facts::from_info(&info);
            (info.id, facts)
        }
    };
    let path = message_path(&GraphPath::me(), "message_id", &id)?;
    if facts.recipients.is_empty() {
        let _ = store.delete(key).await;
        return Err(ToolError::new(format!(
            "The message has no recipients, so it was not sent; it was kept as draft {id}. Add recipients with \
             update_draft and send it with send_draft, or delete it with delete_draft."
        )));
    }
    if let Err(e) = check_allowed(cx, &facts.recipients) {
        // Graph added recipients we could not check beforehand (a reply-all): remove the draft.
        let _ = cx.send(&GraphRequest::delete(path.clone())).await;
        let _ = store.delete(key).await;
        let _ = store.delete(&draft_key(&id)).await;
        return Err(e);
    }
    attempt(cx, store, key, &id, &path, &facts).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_times() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(iso_utc(1_780_272_000), "2026-06-01T00:00:00Z");
        assert_eq!(iso_utc(1_780_272_000 + 86_399), "2026-06-01T23:59:59Z");
        assert_eq!(utc_day(951_782_400), "2000-02-29");
        assert_eq!(utc_day(4_107_542_400), "2100-03-01");
    }

    #[test]
    fn records_round_trip_and_leases() {
        let r = Record::new(State::Sending, 100, Some("AAMk/="));
        assert_eq!(Record::from_value(&r.to_value()), r);
        assert!(r.in_flight(100 + LEASE_SECS - 1));
        assert!(!r.in_flight(100 + LEASE_SECS));
        let s = Record::new(State::Unknown, 100, None);
        assert_eq!(Record::from_value(&s.to_value()), s);
        assert!(!s.in_flight(101), "an ended attempt is not in flight");
    }

    #[test]
    fn keys_depend_on_tool_day_and_arguments() {
        let a = json!({"to":["a@b.com"],"subject":"x"});
        let k = idempotency_key("send_email", 1_780_272_000, &a, &[]);
        assert!(k.starts_with("sendkey:") && k.len() == 8 + 64, "{k}");
        assert_eq!(
            k,
            idempotency_key("send_email", 1_780_272_000 + 3600, &a, &[])
        );
        assert_ne!(
            k,
            idempotency_key("send_email", 1_780_272_000 + 86_400, &a, &[])
        );
        assert_ne!(k, idempotency_key("reply", 1_780_272_000, &a, &[]));
        assert_ne!(k, idempotency_key("send_email", 1_780_272_000, &a, &[b"x"]));
        assert_ne!(
            idempotency_key("t", 0, &json!(1), &[b"ab", b"c"]),
            idempotency_key("t", 0, &json!(1), &[b"a", b"bc"])
        );
    }
}
