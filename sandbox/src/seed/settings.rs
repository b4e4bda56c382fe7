//! Mailbox settings and the master category list.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::directory::{language_display, Person};
use super::util::{at, dtz, guid};
use super::CONTOSO_TENANT_ID;

/// Graph `mailboxSettings` JSON.
pub fn mailbox_settings(p: &Person, anchor: DateTime<Utc>, archive_folder_id: &str) -> Value {
    let (date_format, time_format) = match p.locale {
        "en-GB" => ("dd/MM/yyyy", "HH:mm"),
        "de-DE" => ("dd.MM.yyyy", "HH:mm"),
        _ => ("M/d/yyyy", "h:mm tt"),
    };
    let (start, end) = match p.key {
        "megan" | "alex" => ("09:00:00.0000000", "17:30:00.0000000"),
        "johanna" => ("08:30:00.0000000", "17:00:00.0000000"),
        "lee" => ("10:00:00.0000000", "18:00:00.0000000"),
        _ => ("08:00:00.0000000", "17:00:00.0000000"),
    };
    let today = anchor.date_naive();
    let auto = match p.key {
        // Megan is away for a week starting in ten days.
        "megan" => json!({
            "status": "scheduled",
            "externalAudience": "contactsOnly",
            "scheduledStartDateTime": dtz(at(today + Duration::days(10), 13, 0), "UTC"),
            "scheduledEndDateTime": dtz(at(today + Duration::days(17), 13, 0), "UTC"),
            "internalReplyMessage": "<html><body><p>I'm out of the office with limited access to email. For urgent marketing requests, please contact Adele Vance.</p></body></html>",
            "externalReplyMessage": "<html><body><p>Thank you for your message. I'm out of the office and will reply when I return.</p></body></html>",
        }),
        "nestor" => json!({
            "status": "alwaysEnabled",
            "externalAudience": "all",
            "scheduledStartDateTime": dtz(at(today - Duration::days(3), 0, 0), "UTC"),
            "scheduledEndDateTime": dtz(at(today - Duration::days(2), 0, 0), "UTC"),
            "internalReplyMessage": "<html><body><p>I'm visiting sites this month and checking email once a day.</p></body></html>",
            "externalReplyMessage": "<html><body><p>Thanks for your email. I'm travelling and will respond within two business days.</p></body></html>",
        }),
        _ => json!({
            "status": "disabled",
            "externalAudience": "all",
            "scheduledStartDateTime": dtz(at(today, 16, 0), "UTC"),
            "scheduledEndDateTime": dtz(at(today + Duration::days(1), 16, 0), "UTC"),
            "internalReplyMessage": "",
            "externalReplyMessage": "",
        }),
    };
    json!({
        "archiveFolder": archive_folder_id,
        "timeZone": p.tz,
        "automaticRepliesSetting": auto,
        "dateFormat": date_format,
        "timeFormat": time_format,
        "userPurpose": "user",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "language": { "locale": p.locale, "displayName": language_display(p.locale) },
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": start,
            "endTime": end,
            "timeZone": { "name": p.tz },
        },
    })
}

/// Graph `outlookCategory` objects: Outlook's six defaults plus custom ones.
pub fn categories(p: &Person) -> Vec<Value> {
    let mut list: Vec<(&str, &str)> = vec![
        ("Red category", "preset0"),
        ("Orange category", "preset1"),
        ("Yellow category", "preset3"),
        ("Green category", "preset4"),
        ("Blue category", "preset7"),
        ("Purple category", "preset8"),
        ("Receipts", "preset19"),
    ];
    if p.tenant_id == CONTOSO_TENANT_ID {
        list.push(("Project Alpha", "preset9"));
    }
    if p.key == "adele" {
        list.push(("Follow up – customers", "preset2"));
        list.push(("Travel", "preset5"));
    }
    list.into_iter()
        .map(|(name, color)| json!({ "id": guid(&format!("category:{}:{name}", p.key)), "displayName": name, "color": color }))
        .collect()
}

/// Graph `messageRule` objects for the Inbox: Adele files two newsletters and her receipts;
/// everyone else starts without rules.
pub fn message_rules(p: &Person, folders: &[Value]) -> Vec<Value> {
    let folder = |name: &str| {
        folders
            .iter()
            .find(|f| f["displayName"] == name)
            .and_then(|f| f["id"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let rule_id = |n: u8| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode([1, 0, 0, 0, 0x5a, 0x17, n, 0x3c])
    };
    if p.key != "adele" {
        return Vec::new();
    }
    vec![
        json!({
            "id": rule_id(1),
            "displayName": "Newsletters to their folder",
            "sequence": 1,
            "isEnabled": true,
            "hasError": false,
            "isReadOnly": false,
            "conditions": { "senderContains": ["WEEKLYBYTE@LUCERNEPUBLISHING.EXAMPLE", "DEVDIGEST@PROSEWARE.EXAMPLE"] },
            "actions": { "moveToFolder": folder("Newsletters"), "stopProcessingRules": true },
        }),
        json!({
            "id": rule_id(2),
            "displayName": "Receipts",
            "sequence": 2,
            "isEnabled": true,
            "hasError": false,
            "isReadOnly": false,
            "conditions": { "subjectContains": ["receipt", "order confirmation"] },
            "exceptions": { "importance": "high" },
            "actions": { "moveToFolder": folder("Receipts"), "markAsRead": true, "assignCategories": ["Receipts"] },
        }),
    ]
}
