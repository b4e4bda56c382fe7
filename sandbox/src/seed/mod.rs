//! The seeded world: two work tenants (Contoso, Fabrikam) and one personal Microsoft account, with
//! realistic mail, calendars, contacts, people, Teams and online meetings, all as Graph v1.0 JSON.
//!
//! [`world`] is a pure function of the anchor day (no OS randomness): content, subjects and ids
//! are the same for every anchor, only dates move with it. Messages fall in the ~120 days before
//! the anchor, events between 180 days before and 180 days after it.
//!
//! Notable fixtures have their subjects exported as constants (see [`fixtures`]) so tests can find
//! them without hard-coding ids.
//!
//! Storage conventions other modules rely on:
//! - Ids are immutable-id-like standard base64 (with `+`, `/` and `=`); messages, events and
//!   contacts ~116–120 characters; attachment ids extend their parent's id.
//! - Sandbox keys: `_calendarId` on every event; `_eventId` on every `eventMessage` (the event
//!   it is about, in the same mailbox).
//! - Timed events are stored in UTC (`timeZone: "UTC"`) with the organizer's zone kept in
//!   `originalStartTimeZone`/`originalEndTimeZone` and `recurrence.range.recurrenceTimeZone`.
//!   All-day events keep midnight boundaries in the owner's zone (`timeZone` = the owner's
//!   Windows zone), so they must not be shifted when converted.
//! - Series masters have `type: "seriesMaster"`, `start` = first occurrence; no stored
//!   occurrences or exceptions. Cancelled meetings exist only in attendees' calendars.
//! - `contact_folders[0]` is the default "Contacts" folder (its parent id is not a listed
//!   folder); "Vendors" is its child. `calendars[0]` is the default calendar.
//! - `fileAttachment.size` is the decoded length of `contentBytes`.
//! - Work mailboxes also have the well-known `conversationhistory` folder.

mod calendar;
mod contacts;
mod directory;
mod files;
mod mail;
mod newsletter;
mod settings;
mod teams;
mod text;
mod util;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::store::{Mailbox, Tenant, User, World};

/// Contoso, the primary work tenant (`contoso.example`).
pub const CONTOSO_TENANT_ID: &str = "7bb4cba7-c221-46bd-a73e-a98fe587237f";
/// Fabrikam, the second work tenant (`fabrikam.example`).
pub const FABRIKAM_TENANT_ID: &str = "667cdc99-717e-423f-96f0-d7e73679e553";
/// The tenant personal Microsoft accounts sign in through.
pub const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Adele Vance — the primary seeded user (Contoso, Pacific time, en-US).
pub const ADELE_ID: &str = "6adadd97-a7e1-4098-bd78-47512fb97401";
/// Megan Bowen (Contoso, Eastern time).
pub const MEGAN_ID: &str = "96a4cd0e-afb5-40a7-b771-36519a94954c";
/// Lee Gu (Contoso, Pacific time).
pub const LEE_ID: &str = "677b5d20-efa3-4f60-b2b7-9fa34d53eee6";
/// Nestor Wilke (Contoso, Mountain time; automatic replies always on).
pub const NESTOR_ID: &str = "ea9bbd77-b3e0-4d0d-a193-3bec37b75e06";
/// Patti Fernandez (Contoso, Pacific time).
pub const PATTI_ID: &str = "86570ff4-30e2-45da-8364-3c4b247ffc29";
/// Alex Wilber (Fabrikam, GMT Standard Time / Europe/London, en-GB).
pub const ALEX_ID: &str = "3b6acb61-08c7-4b6d-8c75-45063d7c66da";
/// Johanna Lorenz (Fabrikam, W. Europe Standard Time, de-DE).
pub const JOHANNA_ID: &str = "b9c8c9f7-26ed-4ec2-854b-e3155efec12f";
/// Sam Taylor — a personal Microsoft account (`sam.personal@outlook.example`).
pub const PERSONAL_USER_ID: &str = "00000000-0000-0000-f353-92a3aa7822e0";

/// Contoso Support — the shared mailbox `support@contoso.example` (no sign-in). Adele has full
/// access: with `Mail.Read.Shared` she reads and with `Mail.ReadWrite.Shared` she changes its mail
/// at `/users/support@contoso.example/…` (`Mail.Send.Shared` to send from it). Nobody else has.
pub const SUPPORT_MAILBOX_ID: &str = "5c0e7d2a-91f4-4b6e-8d3a-2f6b9c1e4a70";
pub const SUPPORT_UPN: &str = "support@contoso.example";

pub const ADELE_UPN: &str = "adele@contoso.example";
pub const ALEX_UPN: &str = "alex@fabrikam.example";
pub const PERSONAL_UPN: &str = "sam.personal@outlook.example";

/// The user the sandbox signs in by default.
pub fn primary_user_id() -> &'static str {
    ADELE_ID
}

/// Subjects and other handles of notable seeded items, for tests.
pub mod fixtures {
    pub use super::calendar::{
        ATTACHMENT_EVENT_SUBJECT, CANCELLED_SUBJECT, DST_SERIES_SUBJECT, EASTERN_MEETING_SUBJECT,
        GO_NO_GO_SUBJECT, LONDON_MEETING_SUBJECT,
    };
    pub use super::mail::{
        INLINE_IMAGE_SUBJECT, ITEM_ATTACHMENT_SUBJECT, LARGE_CSV_SUBJECT, LARGE_PDF_SUBJECT,
        LARGE_ZIP_SUBJECT, ON_BEHALF_SUBJECT, PHISHING_SUBJECT, SPECIAL_CHARS_SUBJECT,
        SUPPORT_DAMAGED_SUBJECT,
    };
    pub use super::newsletter::{INJECTION_ADDRESS, INJECTION_SUBJECT};
    pub use super::teams::{ALPHA_CHAT_TOPIC, OFFICE_HOURS_SUBJECT};

    /// Subject of the 8-message thread (Inbox/Projects/Alpha and Sent Items).
    pub const LONGEST_THREAD_SUBJECT: &str = "Alpha beta feedback roundup";
    /// Subject of the cross-tenant thread between Adele and Alex (6 messages).
    pub const CROSS_TENANT_THREAD_SUBJECT: &str = "Partnership pricing proposal";
}

/// Whether mail from `address` comes from one of the seed's spoofing or junk senders (their
/// messages fail SPF, DKIM and DMARC in `internetMessageHeaders`).
pub fn fails_authentication(address: &str) -> bool {
    ["phish", "prize", "pharmacy"]
        .iter()
        .any(|k| directory::person(k).address.eq_ignore_ascii_case(address))
}

/// Build the whole world for an anchor day (UTC midnight of "today").
pub fn world(anchor: DateTime<Utc>) -> World {
    let tenants = vec![
        Tenant {
            id: CONTOSO_TENANT_ID.into(),
            display_name: "Contoso".into(),
            domain: "contoso.example".into(),
        },
        Tenant {
            id: FABRIKAM_TENANT_ID.into(),
            display_name: "Fabrikam".into(),
            domain: "fabrikam.example".into(),
        },
        Tenant {
            id: CONSUMERS_TENANT_ID.into(),
            display_name: "Microsoft accounts".into(),
            domain: "outlook.example".into(),
        },
    ];
    let users: Vec<User> = directory::USERS
        .iter()
        .map(|p| User {
            id: p.user_id.into(),
            tenant_id: p.tenant_id.into(),
            user_principal_name: p.address.into(),
            display_name: p.display.into(),
            kind: p.kind(),
            profile: directory::profile(p),
        })
        .collect();

    let meetings = calendar::meetings(anchor);
    let mut mailboxes = BTreeMap::new();
    let mut adele_event_ids = BTreeMap::new();
    for p in directory::USERS {
        let cal = calendar::build(p, anchor, &meetings);
        let mail = mail::build(p, anchor, &cal.invites);
        let contacts = contacts::build(p, anchor);
        let people = contacts::people(p, &mail.messages, &contacts.contacts);
        let mut attachments = mail.attachments;
        attachments.extend(cal.attachments);
        let archive = mail.well_known.get("archive").cloned().unwrap_or_default();
        let rules = settings::message_rules(p, &mail.folders);
        if p.user_id == ADELE_ID {
            adele_event_ids = cal.event_ids.clone();
        }
        mailboxes.insert(
            p.user_id.to_string(),
            Mailbox {
                settings: settings::mailbox_settings(p, anchor, &archive),
                folders: mail.folders,
                well_known_folders: mail.well_known,
                messages: mail.messages,
                attachments,
                categories: settings::categories(p),
                calendars: cal.calendars,
                events: cal.events,
                contact_folders: contacts.folders,
                contacts: contacts.contacts,
                people,
                online_meetings: Vec::new(),
                message_rules: rules,
            },
        );
    }
    // The shared support mailbox: mail and settings only.
    let support = &directory::SUPPORT;
    let mut users = users;
    let mut profile = directory::profile(support);
    profile["accountEnabled"] = serde_json::json!(false);
    profile["_customMailTip"] = serde_json::json!(
        "This is the shared Contoso Support mailbox. Customers receive an automatic acknowledgement."
    );
    users.push(User {
        id: SUPPORT_MAILBOX_ID.into(),
        tenant_id: CONTOSO_TENANT_ID.into(),
        user_principal_name: SUPPORT_UPN.into(),
        display_name: support.display.into(),
        kind: support.kind(),
        profile,
    });
    let mail = mail::build(support, anchor, &[]);
    let archive = mail.well_known.get("archive").cloned().unwrap_or_default();
    mailboxes.insert(
        SUPPORT_MAILBOX_ID.to_string(),
        Mailbox {
            settings: settings::mailbox_settings(support, anchor, &archive),
            folders: mail.folders,
            well_known_folders: mail.well_known,
            messages: mail.messages,
            attachments: mail.attachments,
            categories: settings::categories(support),
            ..Mailbox::default()
        },
    );
    let shared_mailboxes =
        BTreeMap::from([(SUPPORT_MAILBOX_ID.to_string(), vec![ADELE_ID.to_string()])]);
    let (teams, chats, online) = teams::build(anchor, &meetings, &adele_event_ids);
    if let Some(mb) = mailboxes.get_mut(ADELE_ID) {
        mb.online_meetings = online;
    }
    World {
        tenants,
        users,
        mailboxes,
        teams,
        chats,
        shared_mailboxes,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 10, 0, 0, 0).unwrap()
    }

    #[test]
    fn users_and_tenants() {
        let w = world(anchor());
        assert_eq!(
            w.user(primary_user_id())
                .map(|u| u.user_principal_name.as_str()),
            Some(ADELE_UPN)
        );
        assert!(w.user_by_upn(ALEX_UPN).is_some());
        assert_eq!(
            w.user(PERSONAL_USER_ID).map(|u| u.tenant_id.as_str()),
            Some(CONSUMERS_TENANT_ID)
        );
        assert!(
            w.users
                .iter()
                .filter(|u| u.tenant_id == CONTOSO_TENANT_ID)
                .count()
                >= 3
        );
        for u in &w.users {
            assert!(
                w.mailboxes.contains_key(&u.id),
                "{} has no mailbox",
                u.display_name
            );
            assert!(w.tenant(&u.tenant_id).is_some());
        }
    }

    #[test]
    fn every_event_has_a_calendar() {
        let w = world(anchor());
        for mb in w.mailboxes.values() {
            for e in &mb.events {
                let cal = e["_calendarId"].as_str().unwrap_or_default();
                assert!(mb.calendars.iter().any(|c| c["id"] == cal));
            }
        }
    }
}
