//! The tool benchmark (not a timed test): for each tool, the Graph round trips one typical call
//! makes and the size of its result against Graph's raw JSON for the same data, plus the size of
//! `tools/list` per preset. Runs every tool natively against the in-process sandbox.
//!
//!     cargo run -p m365-core --example tool_report            # markdown tables on stdout
//!
//! The README's "Benchmarks" tables are this output.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use m365_core::mcp::deployment::Deployment;
use m365_core::mcp::tool::ToolRegistry;
use m365_core::mcp::version::ProtocolVersion;
use serde_json::Value;

/// One benchmarked call: the tool, its arguments (`$ID` and friends are replaced by ids read
/// from the sandbox first), and the raw Graph request a server without shaping would make for
/// the same answer (Graph's default fields, no `$select`), if there is one.
struct Case {
    tool: &'static str,
    args: &'static str,
    raw: Option<&'static str>,
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { tool: "get_profile", args: "{}", raw: Some("/me") },
    Case { tool: "list_messages", args: r#"{"limit":25}"#, raw: Some("/me/mailFolders/inbox/messages?$top=25") },
    Case { tool: "search_messages", args: r#"{"query":"invoice","limit":10}"#, raw: Some("/me/messages?$search=%22invoice%22&$top=10") },
    Case { tool: "get_message", args: r#"{"id":"$MESSAGE"}"#, raw: Some("/me/messages/$MESSAGE") },
    Case { tool: "get_thread", args: r#"{"id":"$MESSAGE"}"#, raw: None },
    Case { tool: "search", args: r#"{"query":"invoice"}"#, raw: None },
    Case { tool: "fetch", args: r#"{"id":"$MESSAGE"}"#, raw: Some("/me/messages/$MESSAGE") },
    Case { tool: "list_attachments", args: r#"{"message_id":"$ATTACH_MESSAGE"}"#, raw: Some("/me/messages/$ATTACH_MESSAGE/attachments") },
    Case { tool: "list_mail_folders", args: "{}", raw: Some("/me/mailFolders?$top=100") },
    Case { tool: "whats_new", args: "{}", raw: None },
    Case { tool: "get_mail_tips", args: r#"{"recipients":["megan@contoso.example"]}"#, raw: None },
    Case { tool: "list_categories", args: "{}", raw: Some("/me/outlook/masterCategories") },
    Case { tool: "get_mailbox_settings", args: "{}", raw: Some("/me/mailboxSettings") },
    Case { tool: "list_message_rules", args: "{}", raw: Some("/me/mailFolders/inbox/messageRules") },
    Case { tool: "list_drafts", args: "{}", raw: Some("/me/mailFolders/drafts/messages?$top=25") },
    Case { tool: "list_calendars", args: "{}", raw: Some("/me/calendars") },
    Case { tool: "list_events", args: r#"{"start":"2026-06-01","end":"2026-06-08"}"#, raw: Some("/me/calendarView?startDateTime=2026-06-01T00:00:00Z&endDateTime=2026-06-08T00:00:00Z") },
    Case { tool: "search_events", args: r#"{"query":"review","start":"2026-06-01","end":"2026-06-30"}"#, raw: None },
    Case { tool: "list_reminders", args: r#"{"start":"2026-06-01","end":"2026-06-08"}"#, raw: None },
    Case { tool: "get_schedule", args: r#"{"addresses":["megan@contoso.example"],"start":"2026-06-02T08:00","end":"2026-06-02T18:00"}"#, raw: None },
    Case { tool: "find_meeting_times", args: r#"{"attendees":["megan@contoso.example"],"start":"2026-06-02T08:00","end":"2026-06-05T18:00","duration_minutes":30}"#, raw: None },
    Case { tool: "list_contacts", args: "{}", raw: Some("/me/contacts?$top=25") },
    Case { tool: "list_contact_folders", args: "{}", raw: Some("/me/contactFolders") },
    Case { tool: "lookup_people", args: r#"{"name":"Meagan Bowan"}"#, raw: Some("/me/people?$search=Meagan%20Bowan") },
    Case { tool: "list_supported_time_zones", args: r#"{"contains":"Europe"}"#, raw: Some("/me/outlook/supportedTimeZones") },
    Case { tool: "list_joined_teams", args: "{}", raw: Some("/me/joinedTeams") },
    Case { tool: "list_chats", args: "{}", raw: Some("/me/chats") },
];

fn substitute(text: &str, ids: &[(&str, String)]) -> String {
    let mut out = text.to_owned();
    for (k, v) in ids {
        out = out.replace(k, v);
    }
    out
}

fn percent(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let h = Harness::new();
    // Ids the cases need, read from the seeded mailbox.
    let (_, inbox) = h
        .graph_get("/me/mailFolders/inbox/messages?$top=50&$select=id,hasAttachments,subject")
        .await;
    let msgs = inbox["value"].as_array().cloned().unwrap_or_default();
    let first = msgs
        .first()
        .and_then(|m| m["id"].as_str())
        .unwrap_or("")
        .to_owned();
    let with_att = msgs
        .iter()
        .find(|m| m["hasAttachments"] == true)
        .and_then(|m| m["id"].as_str())
        .unwrap_or(&first)
        .to_owned();
    let arg_ids = [
        ("$MESSAGE", first.clone()),
        ("$ATTACH_MESSAGE", with_att.clone()),
    ];
    let path_ids = [
        ("$MESSAGE", percent(&first)),
        ("$ATTACH_MESSAGE", percent(&with_att)),
    ];

    let registry = h.registry();
    println!("### Per tool (one typical call against the sandbox)\n");
    println!("| tool | Graph round trips | result bytes (text + structured) | raw Graph JSON bytes | result / raw |");
    println!("|---|---:|---:|---:|---:|");
    for case in CASES {
        if registry.get(case.tool).is_none() {
            continue;
        }
        let args: Value =
            serde_json::from_str(&substitute(case.args, &arg_ids)).expect("case args");
        let mark = h.mark();
        let called = h.call(case.tool, args).await;
        let trips = h
            .requests(mark)
            .iter()
            .filter(|r| r.batch.is_none())
            .count();
        let size = called.text.len()
            + if called.structured.is_null() {
                0
            } else {
                called.structured.to_string().len()
            };
        let raw = match case.raw {
            Some(p) => {
                let (status, v) = h.graph_get(&substitute(p, &path_ids)).await;
                (status < 300).then(|| v.to_string().len())
            }
            None => None,
        };
        let status = if called.is_error { " (error)" } else { "" };
        match raw {
            Some(r) => println!(
                "| `{}`{status} | {trips} | {size} | {r} | {:.0}% |",
                case.tool,
                100.0 * size as f64 / r as f64
            ),
            None => println!("| `{}`{status} | {trips} | {size} | – | – |", case.tool),
        }
    }

    println!("\n### Tools (all presets together; `draft` is the default)\n");
    println!("| tool | class | read-only | Microsoft permissions |");
    println!("|---|---|---|---|");
    for tool in ToolRegistry::builtin().iter() {
        println!(
            "| `{}` | {} | {} | {} |",
            tool.name(),
            tool.safety().as_str(),
            if tool.annotations().read_only {
                "yes"
            } else {
                "no"
            },
            tool.scopes().join(", ")
        );
    }

    println!("\n### `tools/list` per preset (protocol 2025-11-25)\n");
    println!("| preset | send policy | tools | bytes | ≈ tokens |");
    println!("|---|---|---:|---:|---:|");
    for (preset, policy) in [
        ("read", "own-drafts"),
        ("draft", "own-drafts"),
        ("full", "own-drafts"),
        ("full", "direct"),
    ] {
        let d = Deployment::from_vars(|k| match k {
            "TOOL_PRESET" => Some(preset.into()),
            "SEND_POLICY" => Some(policy.into()),
            _ => None,
        })
        .expect("deployment");
        let r = ToolRegistry::for_deployment(&d);
        let (tools, _) = r.page(None, ProtocolVersion::V2025_11_25).expect("page");
        let bytes = serde_json::json!({ "tools": tools }).to_string().len();
        let marker = if preset == "draft" { " (default)" } else { "" };
        println!(
            "| {preset}{marker} | {policy} | {} | {bytes} | {} |",
            r.len(),
            bytes / 4
        );
    }
}
