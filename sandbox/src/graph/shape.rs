//! How stored entities are shown: ids in the requested format, bodies in the requested content
//! type, event times in the requested time zone, and collection pages with `@odata.nextLink`.

use serde_json::{json, Map, Value};

use super::{
    request::{present_id, Ctx, GraphRequest},
    router::{Outcome, Reply},
    tz,
};
use crate::odata::{self, CollectionRules};

/// Which id rules apply to an entity (immutable ids exist for messages, events and contacts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// Message or contact: the REST id depends on the containing folder (`parentFolderId`).
    InFolder,
    /// Event: the REST id depends on the calendar.
    InCalendar,
    /// Everything else: ids are what they are.
    Plain,
}

/// Ids as the client asked for them, on a stored entity (before projection, which may drop the
/// folder the REST id depends on).
pub fn with_ids(mut v: Value, kind: IdKind, ctx: &Ctx<'_>) -> Value {
    let folder = match kind {
        IdKind::InFolder => v
            .get("parentFolderId")
            .and_then(Value::as_str)
            .map(str::to_string),
        IdKind::InCalendar => v
            .get("_calendarId")
            .and_then(Value::as_str)
            .map(str::to_string),
        IdKind::Plain => return v,
    };
    if let Some(id) = v.get("id").and_then(Value::as_str).map(str::to_string) {
        v["id"] = Value::String(present_id(&id, folder.as_deref(), &ctx.prefs));
    }
    if let Some(master) = v
        .get("seriesMasterId")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        v["seriesMasterId"] = Value::String(present_id(&master, folder.as_deref(), &ctx.prefs));
    }
    v
}

/// Body and time-zone preferences, on an entity after projection.
pub fn with_prefs(mut v: Value, ctx: &Ctx<'_>) -> Value {
    if let Some(ct) = ctx.prefs.body_content_type.as_deref() {
        for key in ["body", "uniqueBody"] {
            if let Some(body) = v.get_mut(key) {
                convert_body(body, ct);
            }
        }
    }
    for key in ["start", "end", "originalStart"] {
        if let Some(dt) = v.get_mut(key) {
            if dt.is_object() {
                tz::convert_date_time_time_zone(dt, ctx.prefs.timezone.as_deref().unwrap_or("UTC"));
            }
        }
    }
    v
}

fn convert_body(body: &mut Value, want: &str) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    let have = obj
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("html")
        .to_ascii_lowercase();
    if have == want {
        return;
    }
    let content = obj
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let converted = if want == "text" {
        html_to_text(&content)
    } else {
        text_to_html(&content)
    };
    obj.insert("contentType".into(), Value::String(want.into()));
    obj.insert("content".into(), Value::String(converted));
}

/// Exchange's own HTML→text conversion is crude: tags dropped, entities decoded, block elements
/// become line breaks. Hidden text is *not* removed (it is not on Graph either), which is exactly
/// why the worker must clean bodies itself.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let lower: String = after
            .chars()
            .take(10)
            .collect::<String>()
            .to_ascii_lowercase();
        // Skip script/style contents and comments entirely, as Exchange does.
        let end = if lower.starts_with("<!--") {
            after.find("-->").map(|i| i + 3)
        } else if lower.starts_with("<script") || lower.starts_with("<style") {
            let close = if lower.starts_with("<script") {
                "</script>"
            } else {
                "</style>"
            };
            after
                .to_ascii_lowercase()
                .find(close)
                .map(|i| i + close.len())
        } else {
            let tag_end = after.find('>').map(|i| i + 1);
            if let Some(te) = tag_end {
                let tag = after[1..te - 1]
                    .trim_start_matches('/')
                    .to_ascii_lowercase();
                let name = tag
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or("");
                if matches!(
                    name,
                    "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "table"
                ) {
                    out.push('\n');
                }
            }
            tag_end
        };
        match end {
            Some(e) => rest = &after[e..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    decode_entities(&out)
}

/// Recompute `bodyPreview` from `body` (first 255 characters of the text, whitespace collapsed),
/// as Exchange does whenever a body is written.
pub fn refresh_body_preview(item: &mut Value) {
    let content = item["body"]["content"].as_str().unwrap_or("");
    let is_html = item["body"]["contentType"]
        .as_str()
        .is_some_and(|c| c.eq_ignore_ascii_case("html"));
    let text = if is_html {
        html_to_text(content)
    } else {
        content.to_string()
    };
    let preview: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(255)
        .collect();
    item["bodyPreview"] = Value::String(preview);
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn text_to_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>{}</div></body></html>", escaped.replace('\n', "<br>"))
}

/// A full entity for a GET by id: `$select` checked and applied, preferences applied.
pub fn single(
    item: Value,
    kind: IdKind,
    rules: &CollectionRules,
    ctx: &Ctx<'_>,
    req: &GraphRequest,
) -> Outcome {
    let q = odata::parse(req.query.as_deref(), rules, ctx.schema)?;
    let item = with_ids(item, kind, ctx);
    let projected = odata::project(&item, q.select_with_expanded().as_deref());
    let mut v = with_prefs(projected, ctx);
    if let Value::Object(map) = &mut v {
        let mut out = Map::new();
        out.insert(
            "@odata.context".into(),
            json!(format!(
                "{}/v1.0/$metadata#{}/$entity",
                ctx.base_url, rules.entity_type
            )),
        );
        out.extend(std::mem::take(map));
        v = Value::Object(out);
    }
    Ok(prefer_applied(Reply::ok(v), ctx))
}

/// A collection page: query options parsed and checked against the schema, then applied.
pub fn page(
    items: Vec<Value>,
    kind: IdKind,
    rules: &CollectionRules,
    ctx: &Ctx<'_>,
    req: &GraphRequest,
) -> Outcome {
    let mut q = odata::parse(req.query.as_deref(), rules, ctx.schema)?;
    if q.top.is_none() {
        q.top = ctx.prefs.max_page_size;
    }
    let presented: Vec<Value> = items.into_iter().map(|v| with_ids(v, kind, ctx)).collect();
    let page = odata::apply(presented.iter(), &q, rules)?;
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#{}",
            ctx.base_url, rules.entity_type
        )),
    );
    if let Some(c) = page.count {
        out.insert("@odata.count".into(), json!(c));
    }
    let values: Vec<Value> = page.items.into_iter().map(|v| with_prefs(v, ctx)).collect();
    out.insert("value".into(), Value::Array(values));
    if let Some(next) = page.next_skip {
        out.insert(
            "@odata.nextLink".into(),
            json!(odata::next_link(
                ctx.base_url,
                &req.path(),
                req.query.as_deref(),
                next
            )),
        );
    }
    Ok(prefer_applied(Reply::ok(Value::Object(out)), ctx))
}

/// Echo the preferences that were honoured, as Graph does in `Preference-Applied`.
pub fn prefer_applied(reply: Reply, ctx: &Ctx<'_>) -> Reply {
    if ctx.prefs.applied.is_empty() {
        reply
    } else {
        reply.header("Preference-Applied", ctx.prefs.applied.join(", "))
    }
}

// === Timestamps ===

/// `2024-05-01T14:03:12Z` — how Graph writes mail `DateTimeOffset`s.
pub fn iso_z(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2024-05-01T14:03:12.1234567Z` — how Graph writes event/contact timestamps.
pub fn iso_7(t: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

/// `2024-05-01T14:03:12.123Z` — Teams timestamps.
pub fn iso_ms(t: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}.{:03}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_text_drops_tags_scripts_styles_and_comments() {
        let t = html_to_text("<html><style>p{color:red}</style><p>Hello&nbsp;<b>there</b></p><!-- hidden --><script>x()</script><br>Bye &amp; thanks");
        assert!(t.contains("Hello there"));
        assert!(t.contains("Bye & thanks"));
        assert!(!t.contains("color:red"));
        assert!(!t.contains("hidden"));
        assert!(!t.contains("x()"));
    }
}
