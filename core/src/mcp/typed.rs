//! Declaring a tool: a [`ToolHandler`] gives its [`ToolSpec`] (name, title, description,
//! annotations, scopes, safety class), typed `Args` and `Output`, and an async `run`. [`Typed`]
//! turns it into a [`Tool`] for the registry.
//!
//! Schemas are generated from the Rust types by `schemars` (doc comments become descriptions,
//! serde's `deny_unknown_fields` becomes `additionalProperties: false`, enums become `enum`s),
//! but only in `cargo test`: the generated schemas are committed as `tools/schemas.json`, which
//! the wasm build embeds and parses once. So the bundle carries neither schemars nor a generator
//! per tool, and the test `tools::tests::schemas_are_current` fails (and with
//! `UPDATE_SCHEMAS=1` rewrites the file) whenever a type changes.

use std::cell::OnceCell;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use super::deployment::Safety;
use super::tool::{Tool, ToolAnnotations, ToolContext, ToolError, ToolOutcome, ToolOutput};
use crate::graph::LocalBoxFuture;

/// The committed schemas: `{ tool name: { "input": …, "output": … } }`.
pub const SCHEMAS_JSON: &str = include_str!("tools/schemas.json");

thread_local! {
    // Parsed once per isolate (wasm is single-threaded), not per tools/list.
    static SCHEMAS: OnceCell<Map<String, Value>> = const { OnceCell::new() };
}

/// The committed schema `kind` ("input" or "output") of tool `name`.
pub fn committed_schema(name: &str, kind: &str) -> Option<Value> {
    SCHEMAS.with(|cell| {
        cell.get_or_init(|| {
            serde_json::from_slice::<Map<String, Value>>(SCHEMAS_JSON.as_bytes())
                .unwrap_or_default()
        })
        .get(name)
        .and_then(|t| t.get(kind))
        .cloned()
    })
}

/// Everything about a tool except its types and code.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    /// snake_case, ≤ 64 characters of `[A-Za-z0-9_.-]`.
    pub name: &'static str,
    pub title: &'static str,
    /// For the model: what it does, when to use it, what not to combine, an example.
    pub description: &'static str,
    pub annotations: ToolAnnotations,
    /// Microsoft Graph delegated permissions it needs.
    pub scopes: &'static [&'static str],
    pub safety: Safety,
}

/// A tool's compact text for the model and its `structuredContent`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<O> {
    pub text: String,
    pub data: O,
}

impl<O> Reply<O> {
    pub fn new(text: impl Into<String>, data: O) -> Self {
        Self {
            text: text.into(),
            data,
        }
    }
}

/// What a typed tool's `run` returns.
pub type ToolResult<O> = Result<Reply<O>, ToolError>;

/// A tool with typed arguments and output.
pub trait ToolHandler: Default + 'static {
    #[cfg(not(test))]
    type Args: DeserializeOwned;
    #[cfg(test)]
    type Args: DeserializeOwned + schemars::JsonSchema;
    #[cfg(not(test))]
    type Output: Serialize;
    #[cfg(test)]
    type Output: Serialize + schemars::JsonSchema;

    const SPEC: ToolSpec;

    fn run<'a>(
        &'a self,
        args: Self::Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Self::Output>>;
}

/// The arguments of a tool that takes none.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// A [`ToolHandler`] as a registry [`Tool`].
#[derive(Debug, Default)]
pub struct Typed<H>(PhantomData<H>);

impl<H: ToolHandler> Typed<H> {
    pub fn boxed() -> Box<dyn Tool> {
        Box::new(Self(PhantomData))
    }
}

/// serde's message for a bad argument, which names the field ("unknown field `x`, expected one
/// of …", "missing field `to`", "invalid value: … expected …").
fn argument_error(e: &serde_json::Error) -> ToolError {
    let text = e.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text);
    ToolError::invalid_argument(text)
}

impl<H: ToolHandler> Tool for Typed<H> {
    fn name(&self) -> &'static str {
        H::SPEC.name
    }
    fn title(&self) -> &'static str {
        H::SPEC.title
    }
    fn description(&self) -> &'static str {
        H::SPEC.description
    }
    fn input_schema(&self) -> Value {
        committed_schema(H::SPEC.name, "input")
            .unwrap_or_else(|| serde_json::json!({"type": "object", "additionalProperties": false}))
    }
    fn output_schema(&self) -> Option<Value> {
        committed_schema(H::SPEC.name, "output")
    }
    fn annotations(&self) -> ToolAnnotations {
        H::SPEC.annotations
    }
    fn scopes(&self) -> &'static [&'static str] {
        H::SPEC.scopes
    }
    fn safety(&self) -> Safety {
        H::SPEC.safety
    }
    fn call<'a>(
        &'a self,
        args: &'a Value,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolOutcome> {
        Box::pin(async move {
            let args: H::Args = H::Args::deserialize(args).map_err(|e| argument_error(&e))?;
            if cx.is_cancelled() {
                return Err(ToolError::cancelled());
            }
            let handler = H::default();
            let reply = handler.run(args, cx).await?;
            let structured = serde_json::to_value(&reply.data)
                .map_err(|_| ToolError::new("The result could not be encoded."))?;
            Ok(ToolOutput {
                text: reply.text,
                structured: Some(structured),
            })
        })
    }
}

use serde::Deserialize as _;

/// Schema generation (tests only): the input and output schema of `H` as committed.
#[cfg(test)]
pub fn generate<H: ToolHandler>() -> (&'static str, Value, Value) {
    use schemars::generate::SchemaSettings;
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let clean = |schema: schemars::Schema| {
        let mut v = schema.to_value();
        if let Some(o) = v.as_object_mut() {
            // The type's own doc comment is for Rust readers; tools/list carries descriptions
            // only where they help the model (the fields).
            o.remove("title");
            o.remove("description");
            o.remove("$defs");
            o.entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
        }
        v
    };
    let mut input = clean(
        settings
            .clone()
            .into_generator()
            .into_root_schema_for::<H::Args>(),
    );
    tidy(&mut input, true);
    // The output schema describes what we serialize (fields skipped when empty are optional).
    let output = clean(
        settings
            .with(|s| s.contract = schemars::generate::Contract::Serialize)
            .into_generator()
            .into_root_schema_for::<H::Output>(),
    );
    let mut output = output;
    tidy(&mut output, false);
    (H::SPEC.name, input, output)
}

/// Makes a generated schema lean for `tools/list`: one-line descriptions (none in output
/// schemas), no Rust integer `format`s, and for arguments an optional field is just its type (omitting it is how a model
/// says "none"; `null` is still accepted by serde), without `"default": null`.
#[cfg(test)]
fn tidy(v: &mut Value, input: bool) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(d)) = o.get_mut("description") {
                *d = d.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            // Output field docs are for Rust readers: the model reads the text content, and
            // every byte of an outputSchema is in every tools/list.
            if !input {
                o.remove("description");
            }
            if matches!(o.get("format"), Some(Value::String(f)) if f.starts_with("uint") || f.starts_with("int") || f == "double" || f == "float")
            {
                o.remove("format");
            }
            if input {
                if o.get("default") == Some(&Value::Null) {
                    o.remove("default");
                }
                if let Some(Value::Array(types)) = o.get_mut("type") {
                    types.retain(|t| t != "null");
                    if types.len() == 1 {
                        let t = types[0].clone();
                        o.insert("type".into(), t);
                    }
                }
                if let Some(Value::Array(values)) = o.get_mut("enum") {
                    values.retain(|t| !t.is_null());
                }
                if let Some(Value::Array(any)) = o.get_mut("anyOf") {
                    any.retain(|s| s.get("type") != Some(&Value::from("null")));
                    if any.len() == 1 {
                        let only = any.remove(0);
                        o.remove("anyOf");
                        if let Value::Object(inner) = only {
                            for (k, val) in inner {
                                o.entry(k).or_insert(val);
                            }
                        }
                    }
                }
            }
            for child in o.values_mut() {
                tidy(child, input);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| tidy(c, input)),
        _ => {}
    }
}
