//! A small JSON Schema (2020-12) validator for the subset our tool schemas use, so that tool
//! arguments are checked against the very `inputSchema` that `tools/list` publishes and a bad
//! argument becomes an `isError` result naming the field (2025-11-25 tools §Error Handling:
//! input validation errors are tool execution errors, "so the model can self-correct").
//!
//! Supported keywords: `type` (a name or a list), `enum`, `const`, `properties`, `required`,
//! `additionalProperties` (boolean or schema), `items`, `minItems`, `maxItems`, `uniqueItems`,
//! `minLength`, `maxLength` (in characters), `minimum`, `maximum`, `exclusiveMinimum`,
//! `exclusiveMaximum`, `anyOf`, `oneOf`, `allOf`. Annotation keywords (`title`, `description`,
//! `default`, `examples`, `format`) are ignored, as 2020-12 allows for `format`. Keywords outside
//! this list (`pattern`, `$ref`, …) are ignored too, so schemas must not rely on them for
//! safety; a unit test over the registry keeps our schemas inside the subset.

use serde_json::{Map, Value};

/// The subset of keywords [`validate`] enforces or knowingly ignores.
pub const KNOWN_KEYWORDS: &[&str] = &[
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "anyOf",
    "oneOf",
    "allOf",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "$schema",
];

/// Longest array checked for `uniqueItems`.
const MAX_UNIQUE_CHECK: u64 = 1000;

/// Deepest schema nesting followed (our schemas are shallow; this only bounds work).
const MAX_DEPTH: usize = 32;

/// The first violation found: where (`recipients[2].address`, empty for the root) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "the arguments {}", self.message)
        } else {
            write!(f, "`{}` {}", self.path, self.message)
        }
    }
}

/// Validates `instance` against `schema`.
pub fn validate(schema: &Value, instance: &Value) -> Result<(), SchemaError> {
    check(schema, instance, "", 0)
}

fn fail(path: &str, message: impl Into<String>) -> Result<(), SchemaError> {
    Err(SchemaError {
        path: path.to_owned(),
        message: message.into(),
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn has_type(v: &Value, ty: &str) -> bool {
    match ty {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => false,
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let mut t: String = s.chars().take(60).collect();
        t.push('…');
        t
    } else {
        s
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn check(schema: &Value, v: &Value, path: &str, depth: usize) -> Result<(), SchemaError> {
    let schema = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return fail(path, "is not allowed"),
        Value::Object(s) => s,
        _ => return Ok(()),
    };
    if depth > MAX_DEPTH {
        return fail(path, "is nested too deeply");
    }
    if let Some(ty) = schema.get("type") {
        let names: Vec<&str> = match ty {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !names.is_empty() && !names.iter().any(|t| has_type(v, t)) {
            let wanted: Vec<String> = names
                .iter()
                .map(|t| match *t {
                    "integer" | "object" | "array" => format!("an {t}"),
                    "null" => "null".to_owned(),
                    other => format!("a {other}"),
                })
                .collect();
            return fail(
                path,
                format!("must be {}, not {}", wanted.join(" or "), type_name(v)),
            );
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if !options.contains(v) {
            let list: Vec<String> = options.iter().map(show).collect();
            return fail(
                path,
                format!("must be one of {}, not {}", list.join(", "), show(v)),
            );
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            return fail(path, format!("must be {}", show(c)));
        }
    }
    match v {
        Value::Object(obj) => check_object(schema, obj, path, depth)?,
        Value::Array(items) => check_array(schema, items, path, depth)?,
        Value::String(s) => {
            let len = s.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                if len < min {
                    return fail(
                        path,
                        if min == 1 {
                            "must not be empty".to_owned()
                        } else {
                            format!("must be at least {min} characters long")
                        },
                    );
                }
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                if len > max {
                    return fail(
                        path,
                        format!("must be at most {max} characters long (it has {len})"),
                    );
                }
            }
        }
        Value::Number(n) => {
            // Bounds are printed as the schema wrote them (serde_json's number formatting), so
            // no float formatting code is linked in for messages.
            let x = n.as_f64().unwrap_or(f64::NAN);
            let bound = |k: &str| {
                schema
                    .get(k)
                    .and_then(|b| b.as_f64().map(|f| (f, b.to_string())))
            };
            if let Some((min, shown)) = bound("minimum") {
                if x < min {
                    return fail(path, format!("must be at least {shown}, not {n}"));
                }
            }
            if let Some((max, shown)) = bound("maximum") {
                if x > max {
                    return fail(path, format!("must be at most {shown}, not {n}"));
                }
            }
            if let Some((min, shown)) = bound("exclusiveMinimum") {
                if x <= min {
                    return fail(path, format!("must be greater than {shown}, not {n}"));
                }
            }
            if let Some((max, shown)) = bound("exclusiveMaximum") {
                if x >= max {
                    return fail(path, format!("must be less than {shown}, not {n}"));
                }
            }
        }
        _ => {}
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for s in all {
            check(s, v, path, depth + 1)?;
        }
    }
    if let Some(Value::Array(any)) = schema.get("anyOf") {
        let mut first = None;
        for s in any {
            match check(s, v, path, depth + 1) {
                Ok(()) => {
                    first = None;
                    break;
                }
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first {
            return Err(e);
        }
    }
    if let Some(Value::Array(one)) = schema.get("oneOf") {
        let matches = one
            .iter()
            .filter(|s| check(s, v, path, depth + 1).is_ok())
            .count();
        if matches != 1 {
            return fail(path, "does not match exactly one of the allowed forms");
        }
    }
    Ok(())
}

fn check_object(
    schema: &Map<String, Value>,
    obj: &Map<String, Value>,
    path: &str,
    depth: usize,
) -> Result<(), SchemaError> {
    let properties = schema.get("properties").and_then(Value::as_object);
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !obj.contains_key(name) {
                return fail(&child(path, name), "is required");
            }
        }
    }
    for (key, value) in obj {
        match properties.and_then(|p| p.get(key)) {
            Some(s) => check(s, value, &child(path, key), depth + 1)?,
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    // Sorted: map order differs with serde_json's `preserve_order` feature.
                    let mut known: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    known.sort_unstable();
                    let hint = if known.is_empty() {
                        "no arguments are accepted here".to_owned()
                    } else {
                        format!("accepted: {}", known.join(", "))
                    };
                    return fail(
                        &child(path, key),
                        format!("is not a known argument ({hint})"),
                    );
                }
                Some(s @ Value::Object(_)) => check(s, value, &child(path, key), depth + 1)?,
                _ => {}
            },
        }
    }
    Ok(())
}

fn check_array(
    schema: &Map<String, Value>,
    items: &[Value],
    path: &str,
    depth: usize,
) -> Result<(), SchemaError> {
    let len = items.len() as u64;
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
        if len < min {
            return fail(path, format!("must have at least {min} item(s)"));
        }
    }
    if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
        if len > max {
            return fail(path, format!("must have at most {max} item(s), not {len}"));
        }
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        // The pairwise check is quadratic; bound it rather than trust every schema to set
        // `maxItems`.
        if len > MAX_UNIQUE_CHECK {
            return fail(
                path,
                format!("must have at most {MAX_UNIQUE_CHECK} item(s), not {len}"),
            );
        }
        for (i, a) in items.iter().enumerate() {
            if items[..i].contains(a) {
                return fail(&format!("{path}[{i}]"), "repeats an earlier item");
            }
        }
    }
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            check(item_schema, item, &format!("{path}[{i}]"), depth + 1)?;
        }
    }
    Ok(())
}

/// Keywords used in `schema` (recursively) that [`validate`] does not know; empty when the
/// schema stays inside the supported subset.
pub fn unknown_keywords(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_unknown(schema, &mut out, 0);
    out
}

fn collect_unknown(schema: &Value, out: &mut Vec<String>, depth: usize) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    for (k, v) in obj {
        if !KNOWN_KEYWORDS.contains(&k.as_str()) {
            out.push(k.clone());
        }
        match k.as_str() {
            "properties" => {
                for s in v.as_object().into_iter().flat_map(|m| m.values()) {
                    collect_unknown(s, out, depth + 1);
                }
            }
            "items" | "additionalProperties" => collect_unknown(v, out, depth + 1),
            "anyOf" | "oneOf" | "allOf" => {
                for s in v.as_array().into_iter().flatten() {
                    collect_unknown(s, out, depth + 1);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(schema: Value, v: Value) -> String {
        validate(&schema, &v).unwrap_err().to_string()
    }

    #[test]
    fn objects_name_the_field() {
        let s = json!({"type":"object","properties":{
            "top":{"type":"integer","minimum":1,"maximum":50},
            "folder":{"type":"string","minLength":1,"maxLength":5},
            "order":{"enum":["asc","desc"]},
            "to":{"type":"array","minItems":1,"maxItems":2,"uniqueItems":true,
                  "items":{"type":"object","properties":{"address":{"type":"string"}},"required":["address"],"additionalProperties":false}}
        },"required":["folder"],"additionalProperties":false});
        assert_eq!(validate(&s, &json!({"folder":"inbox","top":10})), Ok(()));
        assert_eq!(err(s.clone(), json!({})), "`folder` is required");
        assert_eq!(
            err(s.clone(), json!({"folder":"x","top":0})),
            "`top` must be at least 1, not 0"
        );
        assert_eq!(
            err(s.clone(), json!({"folder":"x","top":"5"})),
            "`top` must be an integer, not a string"
        );
        assert_eq!(
            err(s.clone(), json!({"folder":"x","top":2.5})),
            "`top` must be an integer, not a number"
        );
        assert!(
            validate(&s, &json!({"folder":"x","top":3.0})).is_ok(),
            "3.0 is an integer in 2020-12"
        );
        assert_eq!(
            err(s.clone(), json!({"folder":"toolong"})),
            "`folder` must be at most 5 characters long (it has 7)"
        );
        assert_eq!(
            err(s.clone(), json!({"folder":""})),
            "`folder` must not be empty"
        );
        assert_eq!(
            err(s.clone(), json!({"folder":"x","order":"up"})),
            "`order` must be one of \"asc\", \"desc\", not \"up\""
        );
        assert_eq!(
            err(s.clone(), json!({"folder":"x","extra":1})),
            "`extra` is not a known argument (accepted: folder, order, to, top)"
        );
        assert_eq!(
            err(s.clone(), json!({"folder":"x","to":[]})),
            "`to` must have at least 1 item(s)"
        );
        assert_eq!(
            err(s.clone(), json!({"folder":"x","to":[{"address":"a"},{}]})),
            "`to[1].address` is required"
        );
        assert_eq!(
            err(
                s.clone(),
                json!({"folder":"x","to":[{"address":"a"},{"address":"a"}]})
            ),
            "`to[1]` repeats an earlier item"
        );
        assert_eq!(
            err(s, json!([1])),
            "the arguments must be an object, not an array"
        );
        let none = json!({"type":"object","additionalProperties":false});
        assert_eq!(
            err(none, json!({"x":1})),
            "`x` is not a known argument (no arguments are accepted here)"
        );
    }

    #[test]
    fn composition_and_nullable_types() {
        let s = json!({"type":["string","null"]});
        assert!(validate(&s, &Value::Null).is_ok());
        assert_eq!(
            err(s, json!(1)),
            "the arguments must be a string or null, not an integer"
        );
        let any = json!({"anyOf":[{"type":"string"},{"type":"integer","exclusiveMinimum":0}]});
        assert!(validate(&any, &json!(3)).is_ok());
        assert!(validate(&any, &json!(0)).is_err());
        let one = json!({"oneOf":[{"type":"number"},{"type":"integer"}]});
        assert!(validate(&one, &json!(1)).is_err(), "1 matches both");
        assert!(validate(&one, &json!(1.5)).is_ok());
        assert!(validate(&json!(false), &json!(1)).is_err());
        assert!(validate(&json!({"const":"x"}), &json!("y")).is_err());
    }

    #[test]
    fn deep_instances_do_not_overflow() {
        let mut v = json!(1);
        for _ in 0..100 {
            v = json!({"a": v});
        }
        let mut s = json!({"type":"integer"});
        for _ in 0..100 {
            s = json!({"type":"object","properties":{"a": s}});
        }
        assert!(validate(&s, &v).unwrap_err().message.contains("too deeply"));
    }

    #[test]
    fn unknown_keyword_report() {
        assert!(
            unknown_keywords(&json!({"type":"object","properties":{"a":{"type":"string"}}}))
                .is_empty()
        );
        assert_eq!(
            unknown_keywords(&json!({"type":"object","properties":{"a":{"pattern":"x"}}})),
            vec!["pattern".to_owned()]
        );
    }
}
