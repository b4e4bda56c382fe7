//! `whats_new`: what changed in a folder since the last call.
//!
//! Graph: `GET /me/mailFolders/{folder}/messages/delta` (concepts/delta-query-messages.md). The
//! first call reads the folder's messages of the last [`BASELINE_DAYS`] days (`$filter=
//! receivedDateTime ge …`, the one filter delta allows) to the end and keeps the
//! `@odata.deltaLink`; it answers with the unread ones. Later calls follow the stored link and
//! answer with new, changed and removed messages. The link is kept in the user's store under
//! `delta:{mailbox}:{folder}` and never shown to the model. A link Graph no longer accepts (sync
//! state expired, HTTP 410) starts a new baseline.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::graph::paging::{Cursor, PageLimits};
use crate::graph::{GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolContext, ToolError};
use crate::mcp::tools::mail::{
    listing_text, mailbox_root, resolve_folder, str_field, MessageSummary, SUMMARY_FIELDS,
};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

/// How far back the first call looks.
pub const BASELINE_DAYS: u64 = 14;
/// Changes returned per call at most (the rest come with the next call).
const MAX_CHANGES: usize = 50;
/// Pages read per call at most.
const MAX_PAGES: usize = 20;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// Folder: a well-known name (inbox, sentitems, …), display name or id. Default inbox.
    #[serde(default)]
    pub folder: Option<String>,
    /// A shared or delegated mailbox's address; omit for the user's own mailbox.
    #[serde(default)]
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    pub folder: String,
    /// true on the first call for this folder: `new` holds the recent unread messages.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
    /// Arrived since the last call (first call: recent unread messages), newest first.
    pub new: Vec<MessageSummary>,
    /// Changed since the last call (read state, flag, categories…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<MessageSummary>,
    /// Ids of messages deleted or moved out of the folder.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// More changes are waiting: call whats_new again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
}

/// What the store keeps per user and folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct State {
    /// The encoded cursor of the delta link (or, mid-round, the next page).
    link: String,
    /// When the round that produced it started (seconds), to tell new from changed.
    since: u64,
    /// The link continues a baseline round that did not fit in one call.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    baseline: bool,
}

#[derive(Debug, Default)]
pub struct WhatsNew;

/// The store key for a mailbox and folder.
pub fn store_key(mailbox: Option<&str>, folder: &str) -> String {
    let mb = mailbox
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty() && m != "me")
        .unwrap_or_else(|| "me".into());
    format!("delta:{mb}:{folder}")
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, H. Hinnant's civil_from_days).
pub fn iso(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Sorts delta items into new, changed and removed. `since` is when the previous round started
/// (None on the baseline, where only unread messages count as new).
pub fn classify(
    items: &[Value],
    since: Option<u64>,
) -> (Vec<MessageSummary>, Vec<MessageSummary>, Vec<String>) {
    let (mut new, mut changed, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    let since_iso = since.map(iso);
    for item in items {
        if item.get("@removed").is_some() {
            if let Some(id) = str_field(item, "id") {
                removed.push(id);
            }
            continue;
        }
        let m = MessageSummary::from_graph(item);
        match &since_iso {
            None => {
                if !m.is_read {
                    new.push(m);
                }
            }
            Some(s) => {
                if m.received.as_deref().is_some_and(|r| r >= s.as_str()) {
                    new.push(m);
                } else {
                    changed.push(m);
                }
            }
        }
    }
    new.sort_by(|a, b| b.received.cmp(&a.received));
    (new, changed, removed)
}

fn changes_text(c: &Changes) -> String {
    let mut out = if c.baseline {
        format!(
            "First check of {}: from now on whats_new reports what changed since the previous call. \
             Unread messages of the last {BASELINE_DAYS} days: {}",
            c.folder,
            c.new.len()
        )
    } else {
        format!(
            "Since the last check of {}: {} new, {} changed, {} removed",
            c.folder,
            c.new.len(),
            c.changed.len(),
            c.removed.len()
        )
    };
    if !c.new.is_empty() {
        out.push('\n');
        out.push_str(&listing_text("New", &c.new, None));
    }
    if !c.changed.is_empty() {
        out.push('\n');
        out.push_str(&listing_text("Changed", &c.changed, None));
    }
    if !c.removed.is_empty() {
        out.push_str(&format!(
            "\nRemoved (deleted or moved away): {}",
            c.removed.join(", ")
        ));
    }
    if c.more {
        out.push_str("\nMore changes are waiting: call whats_new again.");
    }
    out
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Changes> {
    let store = cx.store()?;
    let root = mailbox_root(args.mailbox.as_deref())?;
    let folder_arg = args.folder.as_deref().unwrap_or("inbox");
    let folder = resolve_folder(cx, &root, folder_arg).await?;
    let key = store_key(args.mailbox.as_deref(), &folder);
    let path = root
        .segment("mailFolders")
        .id(&folder)
        .map_err(|_| ToolError::invalid_argument("folder is not a valid folder id"))?
        .segment("messages")
        .segment("delta");
    let now = cx.now_secs();
    let stored: Option<State> = store
        .get(&key)
        .await
        .map_err(|_| ToolError::new("The server's per-user storage is unavailable. Try again."))?
        .and_then(|v| serde_json::from_value(v).ok());
    let template = GraphRequest::get(path.clone())
        .select(SUMMARY_FIELDS)
        .prefer("odata.maxpagesize=100");
    let baseline_limits = PageLimits::new(MAX_PAGES, MAX_PAGES * 100);
    let start_baseline = || async {
        let first = template.clone().query(
            "$filter",
            format!(
                "receivedDateTime ge {}",
                iso(now.saturating_sub(BASELINE_DAYS * 86_400))
            ),
        );
        cx.list(&first, None, baseline_limits).await
    };
    let (listing, baseline, since) = match &stored {
        Some(state) => {
            let limits = if state.baseline {
                baseline_limits
            } else {
                PageLimits::new(MAX_PAGES, MAX_CHANGES)
            };
            match cx.list(&template, Some(&state.link), limits).await {
                Ok(l) => (l, state.baseline, state.since),
                Err(e)
                    if e.message.contains("(HTTP 410")
                        || e.message.contains("yncState")
                        || e.message.contains("cursor") =>
                {
                    // The sync state expired (or the stored link is unusable): start over.
                    let _ = store.delete(&key).await;
                    (start_baseline().await?, true, now)
                }
                Err(e) => return Err(e),
            }
        }
        None => (start_baseline().await?, true, now),
    };
    // Where the next call continues: the delta link when this round is complete, else the
    // next page of this round (same `since`, so arrivals are still told apart).
    let (state, more) = match (&listing.delta_link, &listing.next) {
        (Some(d), _) => (
            Some(State {
                link: Cursor::new(d.clone(), 0).encode(),
                since: now,
                baseline: false,
            }),
            false,
        ),
        (None, Some(c)) => (
            Some(State {
                link: c.encode(),
                since,
                baseline,
            }),
            true,
        ),
        (None, None) => (None, false),
    };
    if let Some(state) = state {
        store.put(&key, json!(state)).await.map_err(|_| {
            ToolError::new("The server's per-user storage is unavailable. Try again.")
        })?;
    }
    let (new, changed, removed) = classify(&listing.items, (!baseline).then_some(since));
    let mut new = new;
    if baseline {
        // The baseline round reads everything recent; only unread messages are reported.
        new.truncate(MAX_CHANGES);
    }
    let changes = Changes {
        folder: folder_arg.to_owned(),
        baseline,
        new,
        changed,
        removed,
        more,
    };
    Ok(Reply::new(changes_text(&changes), changes))
}

impl ToolHandler for WhatsNew {
    type Args = Args;
    type Output = Changes;

    const SPEC: ToolSpec = ToolSpec {
        name: "whats_new",
        title: "What's new in mail",
        description: "Report what changed in a mail folder (default inbox) since this tool was last called \
for it: new messages, changed ones (read, flagged, categorised) and removed ids. The first call sets the \
starting point and returns the recent unread messages. The server remembers the position per user and \
folder, so just call it again later; use list_messages for a full listing instead. Example: {\"folder\":\"inbox\"}",
        annotations: crate::mcp::tool::ToolAnnotations {
            read_only: true,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        scopes: &["Mail.Read", "Mail.Read.Shared"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Changes>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_classification() {
        assert_eq!(store_key(None, "inbox"), "delta:me:inbox");
        assert_eq!(
            store_key(Some("Support@Contoso.com"), "F1"),
            "delta:support@contoso.com:F1"
        );
        let items = vec![
            json!({"id": "A", "isRead": false, "receivedDateTime": "2026-06-01T10:00:00Z"}),
            json!({"id": "B", "isRead": true, "receivedDateTime": "2026-05-01T10:00:00Z"}),
            json!({"id": "C", "@removed": {"reason": "deleted"}}),
        ];
        let (n, c, r) = classify(&items, None);
        assert_eq!(
            (n.len(), c.len(), r.as_slice()),
            (1, 0, &["C".to_owned()][..])
        );
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_780_272_000), "2026-06-01T00:00:00Z");
        assert_eq!(iso(951_782_400 + 3661), "2000-02-29T01:01:01Z");
        let since = 1_780_272_000 - 86_400;
        let (n, c, _) = classify(&items, Some(since));
        assert_eq!((n[0].id.as_str(), c[0].id.as_str()), ("A", "B"));
    }
}
