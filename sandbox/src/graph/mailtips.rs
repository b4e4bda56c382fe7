//! `POST /me/getMailTips` (user-getmailtips.md): MailTips for recipients, computed from the seeded
//! directory and mailbox settings.
//!
//! - Body `{"EmailAddresses": [...], "MailTipsOptions": "automaticReplies, mailboxFullStatus"}`,
//!   checked against the CSDL action (parameter names case-insensitive, `MailTipsOptions` a flags
//!   enum of `mailTipsType`); answer `Collection(microsoft.graph.mailTips)` in request order.
//! - Only the requested tips appear, plus `emailAddress` (with an empty `name`, as in the docs).
//! - `automaticReplies`: the recipient's internal or external reply message while automatic
//!   replies are on (always, or inside the scheduled window), with `messageLanguage` and, for
//!   scheduled replies, `scheduledStartTime`/`scheduledEndTime`; otherwise `{"message": ""}`.
//!   Recipients outside the caller's organisation never show one (MailTips do not cross tenants).
//! - `recipientScope`: `internal` for the caller's tenant (and its domain), else `external`.
//! - `mailboxFullStatus` (`mailboxFull`), `maxMessageSize`, `deliveryRestriction`
//!   (`deliveryRestricted`), `moderationStatus` (`isModerated`), `customMailTip` and the member
//!   counts are known only for the caller's organisation; external recipients omit them.
//! - A syntactically invalid address gets an `error` instead of tips (mailTipsError; the code and
//!   message are the sandbox's, no capture was found).

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{
    mail::mailbox,
    request::{Ctx, GraphRequest},
    router::{require_scope, Outcome, Reply},
};
use crate::store::World;

/// The options Graph knows (`mailTipsType`).
const OPTIONS: &[&str] = &[
    "automaticReplies",
    "mailboxFullStatus",
    "customMailTip",
    "externalMemberCount",
    "totalMemberCount",
    "maxMessageSize",
    "deliveryRestriction",
    "moderationStatus",
    "recipientScope",
    "recipientSuggestions",
];

/// Exchange Online's default maximum receive size (36 MB; the 35 MB limit plus encoding).
const MAX_MESSAGE_SIZE: u64 = 37_748_736;

pub fn handle(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest) -> Outcome {
    require_scope(
        ctx.principal,
        &[
            "Mail.Read",
            "Mail.ReadWrite",
            "Mail.Read.Shared",
            "Mail.ReadWrite.Shared",
        ],
    )?;
    let body = req.json()?;
    ctx.schema
        .check_action_body("microsoft.graph.user", "getMailTips", &body)?;
    let param = |name: &str| {
        body.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        })
    };
    let addresses: Vec<String> = param("EmailAddresses")
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let wanted: Vec<&str> = param("MailTipsOptions")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
        .split(',')
        .filter_map(|o| {
            OPTIONS
                .iter()
                .find(|k| k.eq_ignore_ascii_case(o.trim()))
                .copied()
        })
        .collect();
    mailbox(world, ctx)?;
    let caller_tenant = ctx.principal.tenant_id.clone();
    let caller_domain = world
        .tenant(&caller_tenant)
        .map(|t| t.domain.clone())
        .unwrap_or_default();
    // A personal account has no organisation: every recipient is external.
    let personal = world
        .user(&ctx.principal.user_id)
        .is_some_and(|u| u.kind == crate::store::AccountKind::Personal);
    let caller_domain = if personal {
        String::new()
    } else {
        caller_domain
    };
    let sender_internal_to = |tenant: &str| !personal && tenant == caller_tenant;
    let mut out = Vec::new();
    for address in addresses {
        let mut tip = Map::new();
        tip.insert(
            "emailAddress".into(),
            json!({"name": "", "address": address}),
        );
        if !super::mail::valid_address(&address) {
            tip.insert(
                "error".into(),
                json!({"message": format!("The SMTP address '{address}' is not valid."), "code": "ErrorInvalidSmtpAddress"}),
            );
            out.push(Value::Object(tip));
            continue;
        }
        let user = world.user_by_address(&address);
        let internal = match user {
            Some(u) => sender_internal_to(&u.tenant_id),
            None => {
                !caller_domain.is_empty()
                    && address
                        .rsplit('@')
                        .next()
                        .is_some_and(|d| d.eq_ignore_ascii_case(&caller_domain))
            }
        };
        let settings = user
            .and_then(|u| world.mailboxes.get(&u.id))
            .map(|mb| mb.settings.clone());
        let custom = user.and_then(|u| {
            u.profile
                .get("_customMailTip")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        for option in &wanted {
            match *option {
                "automaticReplies" => {
                    let v = match (&settings, internal) {
                        (Some(s), true) => automatic_replies(s, true, ctx.now),
                        _ => json!({"message": ""}),
                    };
                    tip.insert("automaticReplies".into(), v);
                }
                "recipientScope" => {
                    tip.insert(
                        "recipientScope".into(),
                        json!(if internal { "internal" } else { "external" }),
                    );
                }
                "recipientSuggestions" => {
                    tip.insert("recipientSuggestions".into(), json!([]));
                }
                _ if !internal || user.is_none() => {}
                "mailboxFullStatus" => {
                    tip.insert("mailboxFull".into(), json!(false));
                }
                "maxMessageSize" => {
                    tip.insert("maxMessageSize".into(), json!(MAX_MESSAGE_SIZE));
                }
                "deliveryRestriction" => {
                    tip.insert("deliveryRestricted".into(), json!(false));
                }
                "moderationStatus" => {
                    tip.insert("isModerated".into(), json!(false));
                }
                "customMailTip" => {
                    tip.insert(
                        "customMailTip".into(),
                        json!(custom.clone().unwrap_or_default()),
                    );
                }
                "externalMemberCount" => {
                    tip.insert("externalMemberCount".into(), json!(0));
                }
                "totalMemberCount" => {
                    tip.insert("totalMemberCount".into(), json!(1));
                }
                _ => {}
            }
        }
        out.push(Value::Object(tip));
    }
    Ok(Reply::ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Collection(microsoft.graph.mailTips)", ctx.base_url),
        "value": out,
    })))
}

/// `automaticRepliesMailTips` from a recipient's `mailboxSettings.automaticRepliesSetting`.
fn automatic_replies(settings: &Value, internal: bool, now: DateTime<Utc>) -> Value {
    let a = &settings["automaticRepliesSetting"];
    let status = a["status"]
        .as_str()
        .unwrap_or("disabled")
        .to_ascii_lowercase();
    let when = |k: &str| {
        a[k]["dateTime"]
            .as_str()
            .and_then(super::calendar::parse_instant)
    };
    let (start, end) = (when("scheduledStartDateTime"), when("scheduledEndDateTime"));
    let on = match status.as_str() {
        "alwaysenabled" => true,
        "scheduled" => start.is_some_and(|s| s <= now) && end.is_none_or(|e| now < e),
        _ => false,
    };
    if !on {
        return json!({"message": ""});
    }
    let message = if internal {
        a["internalReplyMessage"].as_str().unwrap_or("")
    } else {
        a["externalReplyMessage"].as_str().unwrap_or("")
    };
    let mut v = json!({
        "message": message,
        "messageLanguage": settings["language"].clone(),
    });
    if status == "scheduled" {
        v["scheduledStartTime"] = a["scheduledStartDateTime"].clone();
        v["scheduledEndTime"] = a["scheduledEndDateTime"].clone();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn scheduled_replies_show_only_inside_their_window() {
        let s = json!({
            "language": {"locale": "en-US", "displayName": "English (United States)"},
            "automaticRepliesSetting": {
                "status": "scheduled",
                "scheduledStartDateTime": {"dateTime": "2026-06-10T13:00:00.0000000", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2026-06-17T13:00:00.0000000", "timeZone": "UTC"},
                "internalReplyMessage": "away", "externalReplyMessage": "away (ext)",
            }
        });
        let before = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let during = Utc.with_ymd_and_hms(2026, 6, 12, 0, 0, 0).unwrap();
        assert_eq!(automatic_replies(&s, true, before), json!({"message": ""}));
        let v = automatic_replies(&s, true, during);
        assert_eq!(v["message"], "away");
        assert_eq!(v["scheduledEndTime"]["timeZone"], "UTC");
    }
}
