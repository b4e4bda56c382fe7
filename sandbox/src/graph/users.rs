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
                    ctx.schema
                        .check_body("microsoft.graph.mailboxSettings", &body)?;
                    if let Some(tz) = body.get("timeZone").and_then(Value::as_str) {
                        if super::tz::resolve(tz).is_none() {
                            return Err(GraphError::new(
                                400,
                                "ErrorInvalidTimeZone",
                                format!("The time zone '{tz}' is not valid."),
                            ));
                        }
                    }
                    super::mail::merge(&mut mb.settings, &body);
                    Ok(Reply::ok(mb.settings.clone()))
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
