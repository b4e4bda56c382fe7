//! `GET mailFolders/{id}/messages/delta` (message-delta.md, concepts/delta-query-messages.md).
//!
//! - A round without a token returns every message in the folder; later rounds, started from the
//!   saved `@odata.deltaLink`, return only what changed since the link was issued: new and
//!   changed messages in full, and `{"@odata.type", "id", "@removed": {"reason": "deleted"}}` for
//!   messages deleted from the folder or moved out of it.
//! - Pages end with `@odata.nextLink` (`$skiptoken`) until the last one, which carries
//!   `@odata.deltaLink` (`$deltatoken`). Tokens are opaque and encode the round's query options,
//!   so follow-up requests need not repeat `$select`; `Prefer: odata.maxpagesize` applies per
//!   request (default page 10 here).
//! - Query options: `$select`, `$top` (page size), `$filter` only as `receivedDateTime ge|gt …`,
//!   `$orderby` only `receivedDateTime desc`, no `$search`; custom option
//!   `changeType=created|updated|deleted`. Other filters are refused as Exchange refuses
//!   unsupported filter nodes.
//! - An unknown token: 400 `ErrorInvalidSyncStateData` (Exchange's sync-state error; the sandbox
//!   keeps tokens until reset, so it only happens for made-up or foreign tokens).
//! - Each message in a delta response carries `@odata.type`, as in the doc's examples.

use axum::http::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{
    mail::{mailbox, need, READ},
    request::{present_id, Ctx, GraphRequest},
    router::{method_not_allowed, Outcome, Reply},
    shape::{self, IdKind},
};
use crate::{
    error::GraphError,
    odata::{self, CollectionRules, SearchKind},
    store::{DeltaState, World},
};

const DEFAULT_PAGE: usize = 10;

const DELTA_RULES: CollectionRules = CollectionRules {
    entity_type: "microsoft.graph.message",
    default_top: DEFAULT_PAGE,
    max_top: 1000,
    search: SearchKind::None,
    count: false,
    messages_rules: true,
    default_orderby: None,
    unsupported: &["$search", "$skip", "$count", "$expand"],
};

pub fn messages(world: &mut World, ctx: &Ctx<'_>, folder_id: &str, req: &GraphRequest) -> Outcome {
    if req.method != Method::GET {
        return Err(method_not_allowed());
    }
    need(ctx, READ)?;
    let params: Vec<(String, String)> = req
        .query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let param = |n: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    if let Some(token) = param("$skiptoken") {
        let state = take_token(world, ctx, folder_id, &token)?;
        return page(world, ctx, req, state);
    }
    let (previous, query) = match param("$deltatoken") {
        Some(token) => {
            let state = take_token(world, ctx, folder_id, &token)?;
            (Some(state.baseline), state.query)
        }
        None => (None, req.query.clone()),
    };
    let rules = check_query(query.as_deref(), ctx)?;
    let change_type = custom(query.as_deref(), "changeType");
    if let Some(c) = &change_type {
        if !["created", "updated", "deleted"].contains(&c.to_ascii_lowercase().as_str()) {
            return Err(GraphError::bad_request(format!(
                "The value '{c}' for the query parameter 'changeType' is not valid. Valid values are: created, updated, deleted."
            )));
        }
    }
    let mb = mailbox(world, ctx)?;
    let current: Vec<&Value> = mb
        .messages
        .iter()
        .filter(|m| m["parentFolderId"] == folder_id)
        .filter(|m| {
            rules
                .filter
                .as_ref()
                .is_none_or(|f| odata::filter_matches(f, m))
        })
        .collect();
    let baseline: std::collections::BTreeMap<String, String> = current
        .iter()
        .map(|m| (m["id"].as_str().unwrap_or("").to_string(), fingerprint(m)))
        .collect();
    let wants = |kind: &str| {
        change_type
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(kind))
    };
    let mut pending: Vec<Value> = Vec::new();
    if let Some(prev) = &previous {
        if wants("deleted") {
            for id in prev.keys().filter(|id| !baseline.contains_key(*id)) {
                pending.push(json!({
                    "@odata.type": "#microsoft.graph.message",
                    "id": id,
                    "parentFolderId": folder_id,
                    "@removed": {"reason": "deleted"},
                }));
            }
        }
    }
    for m in &current {
        let id = m["id"].as_str().unwrap_or("");
        let kind = match previous.as_ref().map(|p| p.get(id)) {
            None | Some(None) => "created",
            Some(Some(fp)) if *fp != baseline[id] => "updated",
            Some(Some(_)) => continue,
        };
        // The first round reports everything, whatever changeType says.
        if previous.is_none() || wants(kind) {
            pending.push((*m).clone());
        }
    }
    if rules
        .orderby
        .first()
        .is_some_and(|o| o.descending && o.path.join("/") == "receivedDateTime")
    {
        pending.sort_by(|a, b| {
            b["receivedDateTime"]
                .as_str()
                .cmp(&a["receivedDateTime"].as_str())
        });
    }
    let state = DeltaState {
        user_id: ctx.user_id.clone(),
        folder_id: folder_id.to_string(),
        query,
        baseline,
        pending,
        offset: 0,
    };
    page(world, ctx, req, state)
}

/// One page of the round in `state`; stores the token for what follows.
fn page(world: &mut World, ctx: &Ctx<'_>, req: &GraphRequest, mut state: DeltaState) -> Outcome {
    let q = check_query(state.query.as_deref(), ctx)?;
    let size = ctx
        .prefs
        .max_page_size
        .or(q.top)
        .unwrap_or(DEFAULT_PAGE)
        .max(1);
    let end = (state.offset + size).min(state.pending.len());
    let values: Vec<Value> = state.pending[state.offset..end]
        .iter()
        .map(|m| present(m, &q, ctx))
        .collect();
    let token = crate::server::new_id().replace('-', "");
    let base = format!("{}{}", ctx.base_url.trim_end_matches('/'), req.path());
    let mut out = serde_json::Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#Collection(message)",
            ctx.base_url
        )),
    );
    if end < state.pending.len() {
        out.insert(
            "@odata.nextLink".into(),
            json!(format!("{base}?%24skiptoken={token}")),
        );
        state.offset = end;
    } else {
        out.insert(
            "@odata.deltaLink".into(),
            json!(format!("{base}?%24deltatoken={token}")),
        );
        state.pending = Vec::new();
        state.offset = 0;
    }
    out.insert("value".into(), Value::Array(values));
    world.delta_tokens.insert(token, state);
    Ok(shape::prefer_applied(Reply::ok(Value::Object(out)), ctx))
}

fn present(m: &Value, q: &odata::Query, ctx: &Ctx<'_>) -> Value {
    let folder = m["parentFolderId"].as_str();
    if m.get("@removed").is_some() {
        let id = present_id(m["id"].as_str().unwrap_or(""), folder, &ctx.prefs);
        return json!({
            "@odata.type": "#microsoft.graph.message",
            "id": id,
            "@removed": {"reason": "deleted"},
        });
    }
    let mut v = shape::with_ids(m.clone(), IdKind::InFolder, ctx);
    if v.get("@odata.type").is_none() {
        if let Some(o) = v.as_object_mut() {
            let mut first = serde_json::Map::new();
            first.insert("@odata.type".into(), json!("#microsoft.graph.message"));
            first.extend(std::mem::take(o));
            *o = first;
        }
    }
    shape::with_prefs(odata::project(&v, q.select.as_deref()), ctx)
}

/// The round's options, with delta's restrictions on `$filter` and `$orderby`.
fn check_query(query: Option<&str>, ctx: &Ctx<'_>) -> Result<odata::Query, GraphError> {
    // Tokens and custom options are not system query options for the parser.
    let cleaned: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| {
            let k = p.split('=').next().unwrap_or("");
            let k = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
            !["$skiptoken", "$deltatoken", "changetype"].contains(&k.to_ascii_lowercase().as_str())
        })
        .collect();
    let cleaned = cleaned.join("&");
    let q = odata::parse(Some(&cleaned), &DELTA_RULES, ctx.schema)?;
    let filter_ok = q.filter.as_ref().is_none_or(|f| match f {
        odata::Expr::Compare(op, odata::Operand::Prop(p), odata::Operand::Lit(_)) => {
            p.path.join("/") == "receivedDateTime"
                && matches!(op, odata::CmpOp::Ge | odata::CmpOp::Gt)
        }
        _ => false,
    });
    if !filter_ok {
        return Err(GraphError::new(
            400,
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        ));
    }
    let order_ok = q.orderby.is_empty()
        || (q.orderby.len() == 1
            && q.orderby[0].descending
            && q.orderby[0].path.join("/") == "receivedDateTime");
    if !order_ok {
        return Err(GraphError::bad_request(
            "Delta queries on messages support only '$orderby=receivedDateTime desc'.",
        ));
    }
    Ok(q)
}

fn custom(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

fn take_token(
    world: &World,
    ctx: &Ctx<'_>,
    folder_id: &str,
    token: &str,
) -> Result<DeltaState, GraphError> {
    world
        .delta_tokens
        .get(token)
        .filter(|s| s.user_id == ctx.user_id && s.folder_id == folder_id)
        .cloned()
        .ok_or_else(|| {
            GraphError::new(
                400,
                "ErrorInvalidSyncStateData",
                "Sync state data is corrupt or otherwise invalid.",
            )
        })
}

/// What a later round compares: the whole stored message.
fn fingerprint(m: &Value) -> String {
    let digest = Sha256::digest(m.to_string().as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}
