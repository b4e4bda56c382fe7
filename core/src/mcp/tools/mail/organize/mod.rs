//! Organising mail: moving, copying, flags, categories, folders, rules, mailbox settings, deleting.
//!
//! What the message tools share: a list of 1–20 message ids changed with one request (one id)
//! or one `$batch` (several; Graph's limit is 20 per batch), each id's own outcome reported, and
//! the whole call failing only when every id failed.

pub mod copy_message;
pub mod create_category;
pub mod create_mail_folder;
pub mod create_message_rule;
pub mod delete_mail_folder;
pub mod delete_message;
pub mod delete_message_rule;
pub mod mark_read;
pub mod move_message;
pub mod rename_mail_folder;
pub mod set_categories;
pub mod set_flag;
pub mod update_mailbox_settings;

use serde::Serialize;
use serde_json::Value;

use crate::graph::batch::{Batch, SubRequest};
use crate::graph::request::parse_response;
use crate::graph::request::MAX_BATCH_REQUESTS;
use crate::graph::{GraphError, GraphPath, GraphRequest};
use crate::mcp::tool::{ToolContext, ToolError};

tool_group![
    move_message::MoveMessage,
    copy_message::CopyMessage,
    mark_read::MarkRead,
    set_flag::SetFlag,
    set_categories::SetCategories,
    create_mail_folder::CreateMailFolder,
    rename_mail_folder::RenameMailFolder,
    delete_mail_folder::DeleteMailFolder,
    create_category::CreateCategory,
    create_message_rule::CreateMessageRule,
    delete_message_rule::DeleteMessageRule,
    update_mailbox_settings::UpdateMailboxSettings,
    delete_message::DeleteMessage,
];

/// The `message_ids` argument checked: 1–20 non-empty ids, trimmed, duplicates dropped.
pub fn message_ids(ids: &[String]) -> Result<Vec<String>, ToolError> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let id = id.trim();
        if id.is_empty() {
            return Err(ToolError::invalid_argument(
                "message_ids: an id is empty; pass ids exactly as list_messages or search_messages returned them",
            ));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    if out.is_empty() {
        return Err(ToolError::invalid_argument(
            "message_ids: pass at least one message id",
        ));
    }
    if out.len() > MAX_BATCH_REQUESTS {
        return Err(ToolError::invalid_argument(format!(
            "message_ids: at most {MAX_BATCH_REQUESTS} ids per call; split the list and call again"
        )));
    }
    Ok(out)
}

/// `{root}/messages/{id}` with the id percent-encoded.
pub fn message_path(root: &GraphPath, id: &str) -> Result<GraphPath, ToolError> {
    root.clone().segment("messages").id(id).map_err(|_| {
        ToolError::invalid_argument(format!("message_ids: {id:?} is not a valid message id"))
    })
}

/// Sends one request per key: directly when there is one, otherwise in `$batch`es of at most
/// 20. Each key's own result comes back in order; only a failure of a whole batch is an `Err`.
pub async fn send_each(
    cx: &ToolContext<'_>,
    requests: Vec<(String, GraphRequest)>,
) -> Result<Vec<(String, Result<Value, GraphError>)>, ToolError> {
    send_each_with(cx, requests, false).await
}

/// [`send_each`] for POST actions that take no request body (`permanentDelete`: "Don't supply
/// a request body"): the body and its `Content-Type` are left out.
pub async fn send_each_without_body(
    cx: &ToolContext<'_>,
    requests: Vec<(String, GraphRequest)>,
) -> Result<Vec<(String, Result<Value, GraphError>)>, ToolError> {
    send_each_with(cx, requests, true).await
}

async fn send_each_with(
    cx: &ToolContext<'_>,
    requests: Vec<(String, GraphRequest)>,
    no_body: bool,
) -> Result<Vec<(String, Result<Value, GraphError>)>, ToolError> {
    let not_content_type = |(k, _): &(String, String)| !k.eq_ignore_ascii_case("content-type");
    if requests.len() == 1 {
        let (key, request) = requests.into_iter().next().expect("one request");
        let result = if no_body {
            let mut http = request.to_http(cx.graph_base_url());
            http.body = None;
            http.headers.retain(not_content_type);
            match cx.graph().send(http).await {
                Ok(response) => parse_response(&response),
                Err(e) => Err(GraphError::transport(&e)),
            }
        } else {
            cx.send(&request).await
        };
        return Ok(vec![(key, result)]);
    }
    let mut out = Vec::with_capacity(requests.len());
    for chunk in requests.chunks(MAX_BATCH_REQUESTS) {
        let mut batch = Batch::new();
        for (i, (_, request)) in chunk.iter().enumerate() {
            let mut sub = SubRequest::from_graph((i + 1).to_string(), request);
            if no_body {
                sub.body = None;
                sub.headers.retain(not_content_type);
            }
            batch = batch
                .push(sub)
                .map_err(|e| ToolError::new(format!("Could not build the $batch: {e}.")))?;
        }
        let reply = cx
            .send_batch(&batch)
            .await
            .map_err(|e| cx.graph_error(&e))?;
        for (i, (key, _)) in chunk.iter().enumerate() {
            out.push((key.clone(), reply.result(&(i + 1).to_string())));
        }
    }
    Ok(out)
}

/// One message a tool changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    /// The message id as passed.
    pub id: String,
    /// move: the message's id in its new folder (the same with immutable ids); copy: the
    /// copy's id; delete: the id in Deleted Items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_id: Option<String>,
    /// set_categories: the message's categories now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
}

impl Changed {
    pub fn id(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            new_id: None,
            categories: None,
        }
    }
}

/// One message a tool could not change, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Failed {
    pub id: String,
    /// What happened and what to do.
    pub error: String,
}

/// The outcome of a tool that changes several messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessagesChanged {
    pub changed: Vec<Changed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Failed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl MessagesChanged {
    /// Splits results into changed and failed, with `shape` turning a success into [`Changed`].
    pub fn collect(
        cx: &ToolContext<'_>,
        results: Vec<(String, Result<Value, GraphError>)>,
        shape: impl Fn(&str, &Value) -> Changed,
    ) -> Self {
        let mut changed = Vec::new();
        let mut failed = Vec::new();
        for (id, result) in results {
            match result {
                Ok(v) => changed.push(shape(&id, &v)),
                Err(e) => failed.push(Failed {
                    id,
                    error: cx.graph_error(&e).message,
                }),
            }
        }
        Self {
            changed,
            failed,
            warnings: Vec::new(),
        }
    }

    /// An error when nothing changed (the model reads why), else the text: `done` (e.g.
    /// "Marked 2 message(s) as read"), the ids, the failures and the warnings.
    pub fn into_text(self, done: &str) -> Result<(String, Self), ToolError> {
        if self.changed.is_empty() {
            let mut text = self
                .failed
                .iter()
                .map(|f| {
                    if self.failed.len() == 1 {
                        f.error.clone()
                    } else {
                        format!("{}: {}", f.id, f.error)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            if text.is_empty() {
                text = "Nothing was changed.".to_owned();
            }
            return Err(ToolError::new(text));
        }
        let mut text = format!("{done}: {} message(s).", self.changed.len());
        for c in &self.changed {
            text.push_str(&format!("\n- id: {}", c.id));
            if let Some(n) = &c.new_id {
                if *n != c.id {
                    text.push_str(&format!(" → new id: {n}"));
                }
            }
            if let Some(cats) = &c.categories {
                if cats.is_empty() {
                    text.push_str(" (no categories)");
                } else {
                    text.push_str(&format!(" (categories: {})", cats.join(", ")));
                }
            }
        }
        if !self.failed.is_empty() {
            text.push_str(&format!("\nNot changed: {} message(s):", self.failed.len()));
            for f in &self.failed {
                text.push_str(&format!("\n- id: {} — {}", f.id, f.error));
            }
        }
        for w in &self.warnings {
            text.push_str(&format!("\nWarning: {w}"));
        }
        Ok((text, self))
    }
}

/// A folder argument that names a well-known folder (which cannot be renamed or deleted).
pub fn refuse_well_known(field: &str, folder: &str, what: &str) -> Result<(), ToolError> {
    if let Some(w) = super::well_known_folder(folder) {
        return Err(ToolError::new(format!(
            "{field}: {folder:?} is the built-in {w} folder, which Outlook does not let anyone {what}. \
             Choose a folder you created (list_mail_folders shows them)."
        )));
    }
    Ok(())
}

/// A local date or date-time argument as Graph's `dateTimeTimeZone.dateTime`
/// (`2026-06-10T17:00:00`): `2026-06-10` becomes `2026-06-10T{default_time}`. Offsets and `Z`
/// are refused: the time zone is given separately.
pub fn local_date_time(field: &str, value: &str, default_time: &str) -> Result<String, ToolError> {
    let v = value.trim();
    let bad = || {
        ToolError::invalid_argument(format!(
            "{field} must be a local date or date-time such as 2026-06-10 or 2026-06-10T17:00 \
             (no offset; the time zone is separate), not {v:?}"
        ))
    };
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 10
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
    {
        return Err(bad());
    }
    let month: u32 = v[5..7].parse().map_err(|_| bad())?;
    let day: u32 = v[8..10].parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    if b.len() == 10 {
        return Ok(format!("{v}T{default_time}"));
    }
    if b[10] != b'T' && b[10] != b' ' {
        return Err(bad());
    }
    let time = clock_time(&v[11..]).ok_or_else(bad)?;
    Ok(format!("{}T{time}", &v[..10]))
}

/// `HH:MM` or `HH:MM:SS` (fractions dropped) as `HH:MM:SS`.
pub fn clock_time(t: &str) -> Option<String> {
    let t = t.split('.').next().unwrap_or(t);
    let parts: Vec<&str> = t.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let h: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let s: u32 = parts.get(2).map_or(Some(0), |s| s.parse().ok())?;
    (h < 24 && m < 60 && s < 60).then(|| format!("{h:02}:{m:02}:{s:02}"))
}

/// The UTC calendar date (`YYYY-MM-DD`) of a Unix time.
pub fn utc_date(secs: u64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Strings of a JSON array field.
pub fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_trimmed_and_deduplicated() {
        let ids = message_ids(&[" a ".into(), "b".into(), "a".into()]).unwrap();
        assert_eq!(ids, vec!["a", "b"]);
        assert!(message_ids(&[]).is_err());
        assert!(message_ids(&["".into()]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("id{i}")).collect();
        let e = message_ids(&many).unwrap_err();
        assert!(e.message.contains("at most 20"), "{}", e.message);
    }

    #[test]
    fn local_times_are_checked() {
        assert_eq!(
            local_date_time("due", "2026-06-10", "17:00:00").unwrap(),
            "2026-06-10T17:00:00"
        );
        assert_eq!(
            local_date_time("due", "2026-06-10T09:30", "17:00:00").unwrap(),
            "2026-06-10T09:30:00"
        );
        assert!(local_date_time("due", "2026-06-10T09:30Z", "x").is_err());
        assert!(local_date_time("due", "2026-13-10", "x").is_err());
        let e = local_date_time("due", "next friday", "x").unwrap_err();
        assert!(e.message.contains("due"), "{}", e.message);
        assert_eq!(clock_time("8:00"), None);
        assert_eq!(clock_time("08:00").as_deref(), Some("08:00:00"));
        assert_eq!(clock_time("24:00"), None);
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_780_272_000), "2026-06-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
    }
}
