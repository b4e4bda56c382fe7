//! `/me`, `/users/{id}` and `mailboxSettings`.

use axum::http::Method;
use serde_json::{json, Value};

use super::{
    request::{Ctx, GraphRequest},
    router::{method_not_allowed, require_scope, Outcome, Reply},
    shape::{self, IdKind},
};
use crate::{
    error::GraphError,
    odata::{CollectionRules, SearchKind},
    store::World,
};

pub const USERS: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.user",
    default_top: 100,
    max_top: 999,
    search: SearchKind::None,
    count: false,
    messages_rules: false,
    default_orderby: None,
    unsupported: &[],
};

pub const SETTINGS: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.mailboxSettings",
    default_top: 1,
    max_top: 1,
    search: SearchKind::None,
    count: false,
    messages_rules: false,
    default_orderby: None,
    unsupported: &[],
};

pub fn handle(world: &mut World, ctx: &Ctx<'_>, rest: &[&str], req: &GraphRequest) -> Outcome {
    match rest {
        [] => {
            if req.method != Method::GET {
                return Err(method_not_allowed());
            }
            require_scope(
                ctx.principal,
                &[
                    "User.Read",
                    "User.ReadBasic.All",
                    "User.Read.All",
                    "User.ReadWrite",
                ],
            )?;
            let user = world
                .user(&ctx.user_id)
                .ok_or_else(GraphError::item_not_found)?;
            shape::single(user.profile.clone(), IdKind::Plain, &USERS, ctx, req)
        }
        ["mailboxSettings"] | ["mailboxSettings", _] if ctx.user_id != ctx.principal.user_id => {
            Err(GraphError::access_denied(
                "Access is denied. Check credentials and try again.",
            ))
        }
        ["mailboxSettings"] => {
            let mb = world
                .mailboxes
                .get_mut(&ctx.user_id)
                .ok_or_else(GraphError::item_not_found)?;
            match req.method {
                Method::GET => {
                    require_scope(
                        ctx.principal,
                        &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
                    )?;
                    shape::single(mb.settings.clone(), IdKind::Plain, &SETTINGS, ctx, req)
                }
                Method::PATCH => {
                    require_scope(ctx.principal, &["MailboxSettings.ReadWrite"])?;
                    let body = req.json()?;
                    let patched = patch_settings(&mut mb.settings, &body, ctx)?;
                    Ok(Reply::ok(patched))
                }
                _ => Err(method_not_allowed()),
            }
        }
        ["mailboxSettings", prop] => {
            if req.method != Method::GET {
                return Err(method_not_allowed());
            }
            require_scope(
                ctx.principal,
                &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
            )?;
            ctx.schema
                .resolve_path("microsoft.graph.mailboxSettings", prop)?;
            let mb = world
                .mailboxes
                .get(&ctx.user_id)
                .ok_or_else(GraphError::item_not_found)?;
            let value = mb.settings.get(*prop).cloned().unwrap_or(Value::Null);
            Ok(Reply::ok(json!({
                "@odata.context": format!("{}/v1.0/$metadata#users('{}')/mailboxSettings/{prop}", ctx.base_url, ctx.user_id),
                "value": value,
            })))
        }
        [first, ..] => Err(GraphError::no_resource(first)),
    }
}

/// `PATCH mailboxSettings` (user-update-mailboxsettings.md): complex settings merge property by
/// property ("Existing properties that are not included in the request body will maintain their
/// previous values"), enum values are stored in Graph's camelCase, and the answer holds only the
/// updated settings, in full, under the `mailboxSettings` context. Errors from the doc's table:
/// a bad `daysOfWeek` value is 400 `InvalidArguments` "Requested value 'X' was not found.", a
/// start not before the end 400 `ErrorInvalidTimeSettings`, an unknown working-hours zone 400
/// `InvalidTimeZone`; an unknown mailbox `timeZone` 400 `ErrorInvalidTimeZone` (sandbox wording);
/// a `language.locale` not among `supportedLanguages` 400 `ErrorInvalidParameter` (sandbox).
fn patch_settings(settings: &mut Value, body: &Value, ctx: &Ctx<'_>) -> Result<Value, GraphError> {
    const DAYS: &[&str] = &[
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    if let Some(days) = body["workingHours"]["daysOfWeek"].as_array() {
        for d in days {
            let name = d.as_str().unwrap_or("");
            if !DAYS.iter().any(|x| x.eq_ignore_ascii_case(name)) {
                return Err(GraphError::new(
                    400,
                    "InvalidArguments",
                    format!("Requested value '{name}' was not found."),
                ));
            }
        }
    }
    ctx.schema
        .check_body("microsoft.graph.mailboxSettings", body)?;
    if let Some(tz) = body.get("timeZone").and_then(Value::as_str) {
        if super::tz::resolve(tz).is_none() {
            return Err(GraphError::new(
                400,
                "ErrorInvalidTimeZone",
                format!("The time zone '{tz}' is not valid."),
            ));
        }
    }
    let mut next = settings.clone();
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#users('{}')/mailboxSettings",
            ctx.base_url, ctx.user_id
        )),
    );
    let Some(fields) = body.as_object() else {
        return Ok(Value::Object(out));
    };
    for (k, v) in fields.iter().filter(|(k, _)| !k.starts_with('@')) {
        let merged = match (next.get(k), v) {
            (Some(Value::Object(old)), Value::Object(new)) => {
                let mut m = old.clone();
                for (nk, nv) in new {
                    if !nk.starts_with('@') || nk == "@odata.type" {
                        m.insert(nk.clone(), nv.clone());
                    }
                }
                Value::Object(m)
            }
            _ => v.clone(),
        };
        next[k.as_str()] = merged;
    }
    // Enum values as Graph writes them.
    let camel = |s: &str, all: &[&str]| {
        all.iter()
            .find(|x| x.eq_ignore_ascii_case(s))
            .map_or_else(|| s.to_string(), |x| (*x).to_string())
    };
    if let Some(st) = next["automaticRepliesSetting"]["status"].as_str() {
        next["automaticRepliesSetting"]["status"] =
            json!(camel(st, &["disabled", "alwaysEnabled", "scheduled"]));
    }
    if let Some(a) = next["automaticRepliesSetting"]["externalAudience"].as_str() {
        next["automaticRepliesSetting"]["externalAudience"] =
            json!(camel(a, &["none", "contactsOnly", "all"]));
    }
    if let Some(days) = next["workingHours"]["daysOfWeek"].as_array() {
        let lower: Vec<Value> = days
            .iter()
            .map(|d| json!(d.as_str().unwrap_or("").to_ascii_lowercase()))
            .collect();
        next["workingHours"]["daysOfWeek"] = json!(lower);
    }
    if body.get("workingHours").is_some() {
        let wh = &next["workingHours"];
        let time = |k: &str| {
            wh[k]
                .as_str()
                .and_then(|t| chrono::NaiveTime::parse_from_str(t, "%H:%M:%S%.f").ok())
        };
        if let (Some(s), Some(e)) = (time("startTime"), time("endTime")) {
            if s >= e {
                return Err(GraphError::new(
                    400,
                    "ErrorInvalidTimeSettings",
                    "Start Time should occur before End Time.",
                ));
            }
        }
        let zone = &wh["timeZone"];
        let custom = zone["@odata.type"]
            .as_str()
            .is_some_and(|t| t.ends_with("customTimeZone"));
        if let Some(name) = zone["name"].as_str() {
            if !custom && super::tz::resolve(name).is_none() {
                return Err(GraphError::new(
                    400,
                    "InvalidTimeZone",
                    "Time Zone settings provided are invalid.",
                ));
            }
        }
    }
    if body.get("language").is_some() {
        let locale = next["language"]["locale"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let known = super::calendar::LANGUAGES
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(&locale));
        match known {
            Some((l, d)) => next["language"] = json!({"locale": l, "displayName": d}),
            None => {
                return Err(GraphError::new(
                    400,
                    "ErrorInvalidParameter",
                    format!("The locale '{locale}' is not supported."),
                ))
            }
        }
    }
    for k in fields.keys().filter(|k| !k.starts_with('@')) {
        out.insert(k.clone(), next[k.as_str()].clone());
    }
    *settings = next;
    Ok(Value::Object(out))
}
