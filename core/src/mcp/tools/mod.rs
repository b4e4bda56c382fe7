//! The built-in tools, one file per tool, in groups. Each group's `mod.rs` holds its list
//! ([`tool_group!`]); [`all`] joins the groups in listing order (`tools/list` order).

/// Declares a group's tool list once: `all()` for the registry and, in tests, the schema
/// generators.
macro_rules! tool_group {
    ($($tool:ty),* $(,)?) => {
        /// This group's tools, in listing order.
        pub fn all() -> Vec<Box<dyn $crate::mcp::tool::Tool>> {
            vec![$($crate::mcp::typed::Typed::<$tool>::boxed()),*]
        }

        /// Each tool's name with its generated input and output schema.
        #[cfg(test)]
        pub fn generated_schemas() -> Vec<(&'static str, serde_json::Value, serde_json::Value)> {
            vec![$($crate::mcp::typed::generate::<$tool>()),*]
        }
    };
}

pub mod calendar;
pub mod mail;
pub mod people;
pub mod teams;

use super::tool::Tool;

/// Every built-in tool, in listing order (a deployment filters it).
pub fn all() -> Vec<Box<dyn Tool>> {
    let mut tools = people::all();
    tools.extend(mail::all());
    tools.extend(calendar::all());
    tools.extend(teams::all());
    tools
}

#[cfg(test)]
fn generated_schemas() -> Vec<(&'static str, serde_json::Value, serde_json::Value)> {
    let mut all = people::generated_schemas();
    all.extend(mail::generated_schemas());
    all.extend(calendar::generated_schemas());
    all.extend(teams::generated_schemas());
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::schema;
    use crate::mcp::tool::ToolRegistry;
    use serde_json::{Map, Value};

    /// The committed `schemas.json` is what the types generate. `UPDATE_SCHEMAS=1 cargo test -p
    /// m365-core schemas_are_current` rewrites it.
    #[test]
    fn schemas_are_current() {
        let mut map = Map::new();
        for (name, input, output) in generated_schemas() {
            let mut entry = Map::new();
            entry.insert("input".into(), input);
            entry.insert("output".into(), output);
            map.insert(name.into(), Value::Object(entry));
        }
        let text = serde_json::to_string_pretty(&Value::Object(map)).unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/mcp/tools/schemas.json");
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap();
        assert!(
            committed == text,
            "src/mcp/tools/schemas.json is stale: run UPDATE_SCHEMAS=1 cargo test -p m365-core schemas_are_current"
        );
    }

    #[test]
    fn every_tool_passes_the_registry_checks() {
        let registry = ToolRegistry::new(all()).expect("valid registry");
        for tool in registry.iter() {
            let input = tool.input_schema();
            assert_eq!(input["type"], "object", "{}", tool.name());
            assert_eq!(
                input["additionalProperties"],
                false,
                "{}: unknown arguments must be rejected",
                tool.name()
            );
            let output = tool
                .output_schema()
                .expect("every tool has an outputSchema");
            assert_eq!(output["type"], "object", "{}", tool.name());
            assert!(
                schema::unknown_keywords(&output).is_empty(),
                "{}: {:?}",
                tool.name(),
                schema::unknown_keywords(&output)
            );
            assert!(!tool.scopes().is_empty(), "{}", tool.name());
            assert!(
                tool.description().len() >= 80,
                "{}: describe it for a model",
                tool.name()
            );
            // A tool that can reach another mailbox declares the `.Shared` permission it then
            // needs (the step-up challenge asks for it).
            if input["properties"].get("mailbox").is_some() {
                assert!(
                    tool.scopes().iter().any(|s| s.ends_with(".Shared")),
                    "{} takes `mailbox` but declares no .Shared permission",
                    tool.name()
                );
            }
            let a = tool.annotations();
            if a.read_only {
                assert!(!a.destructive, "{}", tool.name());
            }
        }
    }
}
