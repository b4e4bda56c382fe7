//! The slice of Microsoft Graph v1.0's schema (CSDL) the sandbox checks requests against.
//!
//! Microsoft's metadata document (`v1.0-Prod.csdl`, 3.3 MB, from `microsoftgraph/msgraph-metadata`
//! `schemas/`) is not in this repository, so [`extract`] reduces it to the types the tools touch and
//! the result is committed as `sandbox/schema/graph-v1.0.json`, embedded with `include_str!` and read
//! by [`Schema::load`]. Regenerate with `m365-sandbox extract-schema <csdl> <out.json>` or
//! `UPDATE_SCHEMA=1 cargo test -p m365-sandbox --test schema_extract`; the same test fails when the
//! committed file no longer matches the CSDL (and is skipped where the CSDL is absent, as on CI).
//!
//! What is kept: the [`ROOTS`] and every type reachable from them through structural properties,
//! base types, and the derived types of those (a body's `@odata.type` selects them, e.g.
//! `attachment` → `fileAttachment`); navigation properties are listed with their target type but not
//! followed; enum members; and the parameter lists of the bound [`OPERATIONS`] on those types.
//!
//! Checks follow what Graph answers (OData .NET "ODL" reader messages, which Graph passes through):
//! see [`Schema::resolve_path`], [`Schema::check_select`], [`Schema::check_body`] and
//! [`Schema::check_action_body`].

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use quick_xml::events::{BytesStart, Event};
use serde_json::{json, Map, Value};

use crate::error::GraphError;

/// Entity and complex types the extraction starts from.
pub const ROOTS: &[&str] = &[
    "user",
    "message",
    "eventMessage",
    "mailFolder",
    "attachment",
    "event",
    "calendar",
    "calendarGroup",
    "contact",
    "contactFolder",
    "person",
    "mailboxSettings",
    "outlookCategory",
    "messageRule",
    "inferenceClassificationOverride",
    "team",
    "channel",
    "chat",
    "chatMessage",
    "conversationMember",
    "onlineMeeting",
    "scheduleInformation",
    "meetingTimeSuggestionsResult",
    "timeZoneInformation",
    "localeInfo",
    "userSettings",
    "mailTips",
    "searchResponse",
];

/// Bound actions and functions whose parameter lists are kept (when bound to a root or to
/// `outlookUser`, which `supportedTimeZones`/`supportedLanguages` are bound to).
pub const OPERATIONS: &[&str] = &[
    "sendMail",
    "send",
    "reply",
    "replyAll",
    "forward",
    "createReply",
    "createReplyAll",
    "createForward",
    "move",
    "copy",
    "accept",
    "decline",
    "tentativelyAccept",
    "cancel",
    "dismissReminder",
    "snoozeReminder",
    "findMeetingTimes",
    "getSchedule",
    "reminderView",
    "supportedTimeZones",
    "supportedLanguages",
    "createUploadSession",
    "getMailTips",
    "permanentDelete",
    "query",
];

/// Binding types besides the roots whose operations are kept.
const EXTRA_BINDINGS: &[&str] = &["outlookUser", "searchEntity"];

const NAMESPACE: &str = "microsoft.graph";
const EMBEDDED: &str = include_str!("../schema/graph-v1.0.json");

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/// Entity or complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    Entity,
    Complex,
}

/// A structural property. `type_name` is a short type name (`recipient`, `security.alert` for
/// other namespaces under `microsoft.graph.`) or an `Edm.*` primitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub type_name: String,
    pub collection: bool,
    pub nullable: bool,
}

/// A navigation property and the type it points at (kept by name, not followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavigationProperty {
    pub name: String,
    pub target: String,
    pub collection: bool,
}

/// An entity or complex type with its own (not inherited) members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuredType {
    /// Short name, e.g. `message`.
    pub name: String,
    pub kind: TypeKind,
    pub base_type: Option<String>,
    pub is_abstract: bool,
    pub open_type: bool,
    pub properties: Vec<Property>,
    pub navigation: Vec<NavigationProperty>,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumType {
    pub name: String,
    pub members: Vec<String>,
    pub flags: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Action,
    Function,
}

/// A non-binding parameter of a bound operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub type_name: String,
    pub collection: bool,
    pub nullable: bool,
    /// Annotated `Org.OData.Core.V1.OptionalParameter`.
    pub optional: bool,
}

/// A bound action or function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub name: String,
    pub kind: OperationKind,
    /// Short name of the binding type.
    pub binding: String,
    /// Bound to a collection (`Collection(attachment)` for `createUploadSession`).
    pub binding_collection: bool,
    pub parameters: Vec<Parameter>,
}

/// What a property path resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyKind {
    Primitive,
    Enum,
    Complex,
    Navigation,
}

/// The result of [`Schema::resolve_path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyInfo {
    /// The path segments with the schema's spelling (Graph matches names case-insensitively).
    pub path: Vec<String>,
    /// Short type name or `Edm.*`.
    pub type_name: String,
    pub collection: bool,
    pub nullable: bool,
    pub kind: PropertyKind,
}

impl PropertyInfo {
    /// The path joined with `/`.
    pub fn joined(&self) -> String {
        self.path.join("/")
    }
}

/// What a type name refers to.
#[derive(Debug, Clone, Copy)]
pub enum TypeRef<'a> {
    Primitive(&'a str),
    Enum(&'a EnumType),
    Structured(&'a StructuredType),
    /// A type outside the extracted slice (e.g. the target of an unfollowed navigation property).
    Unknown,
}

/// The extracted schema.
#[derive(Debug, Clone)]
pub struct Schema {
    structured: HashMap<String, StructuredType>,
    enums: HashMap<String, EnumType>,
    /// Direct subtypes of each type.
    derived: HashMap<String, Vec<String>>,
    operations: Vec<Operation>,
}

impl Default for Schema {
    /// The committed schema (same as [`Schema::load`]).
    fn default() -> Self {
        Self::load()
    }
}

/// `microsoft.graph.` + short name.
pub fn qualified(short: &str) -> String {
    if short.starts_with("Edm.") {
        short.to_string()
    } else {
        format!("{NAMESPACE}.{short}")
    }
}

/// Accepts `message`, `microsoft.graph.message`, `#microsoft.graph.message` (and `graph.message`).
pub fn short_name(name: &str) -> &str {
    let n = name.strip_prefix('#').unwrap_or(name);
    n.strip_prefix("microsoft.graph.")
        .or_else(|| n.strip_prefix("graph."))
        .unwrap_or(n)
}

fn rbr(message: impl Into<String>) -> GraphError {
    // Graph's code for every failure of its request-body (OData JSON) reader, e.g.
    // msgraph-sdk-python#440 and #313: {"code":"RequestBodyRead","message":"The property 'name'
    // does not exist on type 'microsoft.graph.recipient'. Make sure to only use property names
    // that are defined by the type or mark the type as open type."}
    GraphError::new(400, "RequestBodyRead", message)
}

fn node_kind(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "StartObject",
        Value::Array(_) => "StartArray",
        _ => "PrimitiveValue",
    }
}

fn find_ci<'a, T>(items: &'a [T], name: &str, key: impl Fn(&T) -> &str) -> Option<&'a T> {
    items
        .iter()
        .find(|i| key(i) == name)
        .or_else(|| items.iter().find(|i| key(i).eq_ignore_ascii_case(name)))
}

/// Either member kind found on a type.
enum Member<'a> {
    Prop(&'a Property),
    Nav(&'a NavigationProperty),
}

impl Schema {
    /// The schema committed in `sandbox/schema/graph-v1.0.json`.
    pub fn load() -> Self {
        let v: Value =
            serde_json::from_str(EMBEDDED).expect("embedded graph-v1.0.json is valid JSON");
        Self::from_json(&v).expect("embedded graph-v1.0.json has the extractor's shape")
    }

    /// Reads the JSON [`extract`] writes.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let types = v
            .get("types")
            .and_then(Value::as_object)
            .ok_or("missing \"types\"")?;
        let mut structured = HashMap::new();
        let mut enums = HashMap::new();
        for (name, t) in types {
            let kind = t.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind == "enum" {
                let members = t
                    .get("members")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default();
                let flags = t.get("flags").and_then(Value::as_bool).unwrap_or(false);
                enums.insert(
                    name.clone(),
                    EnumType {
                        name: name.clone(),
                        members,
                        flags,
                    },
                );
                continue;
            }
            let kind = match kind {
                "entity" => TypeKind::Entity,
                "complex" => TypeKind::Complex,
                other => return Err(format!("type {name}: unknown kind {other:?}")),
            };
            let non_nullable: BTreeSet<&str> = t
                .get("nonNullable")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut properties = Vec::new();
            if let Some(props) = t.get("properties").and_then(Value::as_object) {
                for (p, ty) in props {
                    let (type_name, collection) = split_collection(ty.as_str().unwrap_or(""));
                    properties.push(Property {
                        name: p.clone(),
                        type_name: type_name.to_string(),
                        collection,
                        nullable: !non_nullable.contains(p.as_str()),
                    });
                }
            }
            let mut navigation = Vec::new();
            if let Some(navs) = t.get("navigation").and_then(Value::as_object) {
                for (p, ty) in navs {
                    let (target, collection) = split_collection(ty.as_str().unwrap_or(""));
                    navigation.push(NavigationProperty {
                        name: p.clone(),
                        target: target.to_string(),
                        collection,
                    });
                }
            }
            structured.insert(
                name.clone(),
                StructuredType {
                    name: name.clone(),
                    kind,
                    base_type: t.get("baseType").and_then(Value::as_str).map(String::from),
                    is_abstract: t.get("abstract").and_then(Value::as_bool).unwrap_or(false),
                    open_type: t.get("openType").and_then(Value::as_bool).unwrap_or(false),
                    properties,
                    navigation,
                },
            );
        }
        let mut derived: HashMap<String, Vec<String>> = HashMap::new();
        for t in structured.values() {
            if let Some(b) = &t.base_type {
                derived.entry(b.clone()).or_default().push(t.name.clone());
            }
        }
        for d in derived.values_mut() {
            d.sort();
        }
        let mut operations = Vec::new();
        for op in v
            .get("operations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = op
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let kind = match op.get("kind").and_then(Value::as_str) {
                Some("function") => OperationKind::Function,
                _ => OperationKind::Action,
            };
            let (binding, binding_collection) =
                split_collection(op.get("binding").and_then(Value::as_str).unwrap_or(""));
            let set = |key: &str| -> BTreeSet<String> {
                op.get(key)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let (non_nullable, optional) = (set("nonNullable"), set("optional"));
            let mut parameters = Vec::new();
            if let Some(ps) = op.get("parameters").and_then(Value::as_object) {
                for (p, ty) in ps {
                    let (type_name, collection) = split_collection(ty.as_str().unwrap_or(""));
                    parameters.push(Parameter {
                        name: p.clone(),
                        type_name: type_name.to_string(),
                        collection,
                        nullable: !non_nullable.contains(p),
                        optional: optional.contains(p),
                    });
                }
            }
            operations.push(Operation {
                name,
                kind,
                binding: binding.to_string(),
                binding_collection,
                parameters,
            });
        }
        Ok(Self {
            structured,
            enums,
            derived,
            operations,
        })
    }

    /// An entity or complex type by any spelling of its name (`message`,
    /// `microsoft.graph.message`, `#microsoft.graph.message`).
    pub fn structured_type(&self, name: &str) -> Option<&StructuredType> {
        self.structured.get(short_name(name))
    }

    /// An enum type by any spelling of its name.
    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enums.get(short_name(name))
    }

    /// What a (short or qualified) type name refers to.
    pub fn type_ref<'a>(&'a self, name: &'a str) -> TypeRef<'a> {
        if name.starts_with("Edm.") {
            return TypeRef::Primitive(name);
        }
        if let Some(t) = self.structured_type(name) {
            return TypeRef::Structured(t);
        }
        if let Some(e) = self.enum_type(name) {
            return TypeRef::Enum(e);
        }
        TypeRef::Unknown
    }

    /// Whether `derived` is `base` or inherits from it.
    pub fn is_assignable(&self, derived: &str, base: &str) -> bool {
        let (base, mut cur) = (short_name(base), Some(short_name(derived)));
        let mut guard = 0;
        while let Some(c) = cur {
            if c == base {
                return true;
            }
            guard += 1;
            if guard > 64 {
                break;
            }
            cur = self.structured.get(c).and_then(|t| t.base_type.as_deref());
        }
        false
    }

    /// `name` and all types deriving from it, transitively.
    pub fn derived_types(&self, name: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut queue = VecDeque::from([short_name(name)]);
        while let Some(n) = queue.pop_front() {
            if let Some((k, _)) = self.structured.get_key_value(n) {
                if out.contains(&k.as_str()) {
                    continue;
                }
                out.push(k.as_str());
            }
            for d in self.derived.get(n).into_iter().flatten() {
                queue.push_back(d);
            }
        }
        out
    }

    /// All properties of a type including inherited ones (base first).
    pub fn all_properties(&self, name: &str) -> Vec<&Property> {
        self.chain(name)
            .into_iter()
            .rev()
            .flat_map(|t| t.properties.iter())
            .collect()
    }

    /// The type and its base types, most derived first.
    fn chain(&self, name: &str) -> Vec<&StructuredType> {
        let mut out = Vec::new();
        let mut cur = self.structured_type(name);
        while let Some(t) = cur {
            if out.len() > 64 {
                break;
            }
            out.push(t);
            cur = t.base_type.as_deref().and_then(|b| self.structured.get(b));
        }
        out
    }

    /// A member by name on the type or its bases: exact spelling first, then case-insensitively
    /// (Graph resolves `Subject` and `From/EmailAddress/Address` — see the `$filter=Subject eq …`
    /// example in microsoft-graph-docs-contrib `concepts/query-parameters.md`).
    fn member(&self, type_name: &str, name: &str) -> Option<Member<'_>> {
        let chain = self.chain(type_name);
        for exact in [true, false] {
            for t in &chain {
                let eq = |n: &str| {
                    if exact {
                        n == name
                    } else {
                        n.eq_ignore_ascii_case(name)
                    }
                };
                if let Some(p) = t.properties.iter().find(|p| eq(&p.name)) {
                    return Some(Member::Prop(p));
                }
                if let Some(n) = t.navigation.iter().find(|n| eq(&n.name)) {
                    return Some(Member::Nav(n));
                }
            }
        }
        None
    }

    fn kind_of(&self, type_name: &str) -> PropertyKind {
        match self.type_ref(type_name) {
            TypeRef::Primitive(_) | TypeRef::Unknown => PropertyKind::Primitive,
            TypeRef::Enum(_) => PropertyKind::Enum,
            TypeRef::Structured(_) => PropertyKind::Complex,
        }
    }

    /// Resolves `from/emailAddress/address` on a type, walking complex properties and base types.
    /// A segment naming a derived type (`microsoft.graph.eventMessage/meetingMessageType`) casts.
    ///
    /// Errors as Graph: an unknown name gives 400 `RequestBroker--ParseUri` "Could not find a
    /// property named 'X' on type 'microsoft.graph.T'." (wslyvh/paperweight#1 for `$filter`,
    /// microsoft-graph-explorer-v4#3916 for `$select`); stepping into a collection gives ODL's
    /// `MetadataBinder_PropertyAccessSourceNotSingleValue` text.
    pub fn resolve_path(&self, type_name: &str, path: &str) -> Result<PropertyInfo, GraphError> {
        let mut cur = short_name(type_name).to_string();
        let mut out: Vec<String> = Vec::new();
        let mut info: Option<PropertyInfo> = None;
        let segments: Vec<&str> = path.split('/').map(str::trim).collect();
        for seg in segments {
            if let Some(prev) = &info {
                match prev.kind {
                    PropertyKind::Complex if !prev.collection => {}
                    PropertyKind::Complex | PropertyKind::Navigation if prev.collection => {
                        return Err(GraphError::bad_request(format!(
                            "The parent value for a property access of a property '{seg}' is not a single value. Property access can only be applied to a single value."
                        )));
                    }
                    PropertyKind::Navigation => {}
                    _ => {
                        return Err(GraphError::unknown_property(
                            seg,
                            &qualified(&prev.type_name),
                        ));
                    }
                }
                cur = prev.type_name.clone();
            }
            if seg.contains('.') {
                let cast = short_name(seg);
                if self.structured.contains_key(cast) && self.is_assignable(cast, &cur) {
                    cur = cast.to_string();
                    out.push(qualified(cast));
                    info = None;
                    continue;
                }
            }
            let m = self
                .member(&cur, seg)
                .ok_or_else(|| GraphError::unknown_property(seg, &qualified(&cur)))?;
            let (name, ty, collection, nullable, kind) = match m {
                Member::Prop(p) => (
                    p.name.clone(),
                    p.type_name.clone(),
                    p.collection,
                    p.nullable,
                    self.kind_of(&p.type_name),
                ),
                Member::Nav(n) => (
                    n.name.clone(),
                    n.target.clone(),
                    n.collection,
                    true,
                    PropertyKind::Navigation,
                ),
            };
            out.push(name);
            info = Some(PropertyInfo {
                path: out.clone(),
                type_name: ty,
                collection,
                nullable,
                kind,
            });
        }
        info.ok_or_else(|| GraphError::unknown_property(path, &qualified(&cur)))
    }

    /// Checks `$select` names and returns them with the schema's spelling.
    ///
    /// Unknown names are Graph's `RequestBroker--ParseUri` error. Navigation properties are
    /// accepted: OData v4 allows them in `$select` (OASIS URL conventions §5.1.3) and Graph's ODL
    /// parser binds them (ODL only restricts them to the last segment, `ODataSelectPath_
    /// NavPropSegmentCanOnlyBeLastSegment`); Graph then returns no value for them unless expanded,
    /// which is what [`crate::odata::project`] does for items that do not carry them. `*` selects
    /// everything.
    pub fn check_select(
        &self,
        type_name: &str,
        names: &[String],
    ) -> Result<Vec<String>, GraphError> {
        let mut out = Vec::new();
        for n in names {
            let n = n.trim();
            if n == "*" {
                out.push("*".to_string());
                continue;
            }
            let info = self.resolve_path(type_name, n)?;
            out.push(info.joined());
        }
        Ok(out)
    }

    /// Validates a POST/PATCH body against a type the way Graph's OData JSON reader does:
    /// unknown properties, wrong JSON kinds, non-members of enums (case-insensitive), nulls where
    /// the schema forbids them, nested complex values and collections; `@odata.type` switches to a
    /// derived type; `@odata.*` and `prop@odata.*` annotations are skipped. All errors are 400
    /// `RequestBodyRead` with ODL's messages (OData/odata.net `Microsoft.OData.Core.txt`).
    ///
    /// `OpenType="true"` is honoured for complex types only: Graph's CSDL marks `message`, `event`,
    /// `contact`, `user` open, yet Graph rejects unknown properties on them (msgraph-sdk-python#440:
    /// "The property 'OdataType' does not exist on type 'microsoft.graph.message'. …").
    pub fn check_body(&self, type_name: &str, body: &Value) -> Result<(), GraphError> {
        match body {
            Value::Object(obj) => self.check_object(short_name(type_name), obj, 0),
            other => Err(rbr(format!(
                "An unexpected '{}' node was found when reading from the JSON reader. A 'StartObject' node was expected.",
                node_kind(other)
            ))),
        }
    }

    /// The bound operation `name` for a binding type (or one of its base types), e.g.
    /// `operation("eventMessage", "reply")` finds the action bound to `message`.
    pub fn operation(&self, binding_type: &str, name: &str) -> Option<&Operation> {
        let (binding, collection) = split_collection(binding_type);
        let binding = short_name(binding);
        for t in std::iter::once(binding.to_string()).chain(
            self.chain(binding)
                .into_iter()
                .skip(1)
                .map(|t| t.name.clone()),
        ) {
            if let Some(op) = self
                .operations
                .iter()
                .find(|o| o.name == name && o.binding == t && o.binding_collection == collection)
            {
                return Some(op);
            }
        }
        None
    }

    /// Validates an action's JSON body (e.g. `sendMail` `{message, saveToSentItems}`): parameter
    /// names are matched case-insensitively (the CSDL says `Message`, clients send `message`);
    /// unknown and missing required parameters and bad values are 400 `RequestBodyRead` with ODL's
    /// `ODataParameterReaderCore_*` messages. `binding_type` may be `Collection(attachment)`.
    pub fn check_action_body(
        &self,
        binding_type: &str,
        action: &str,
        body: &Value,
    ) -> Result<(), GraphError> {
        let Some(op) = self.operation(binding_type, action) else {
            return Err(GraphError::new(
                500,
                "InternalServerError",
                format!("sandbox schema has no operation '{action}' bound to '{binding_type}'"),
            ));
        };
        let empty = Map::new();
        let obj = match body {
            Value::Null => &empty,
            Value::Object(o) => o,
            other => {
                return Err(rbr(format!(
                    "An unexpected '{}' node was found when reading from the JSON reader. A 'StartObject' node was expected.",
                    node_kind(other)
                )))
            }
        };
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in obj {
            if k.contains('@') {
                continue;
            }
            let Some(p) = find_ci(&op.parameters, k, |p| p.name.as_str()) else {
                return Err(rbr(format!(
                    "The parameter '{k}' in the request payload is not a valid parameter for the operation '{}'.",
                    op.name
                )));
            };
            if seen.contains(&p.name.as_str()) {
                return Err(rbr(format!(
                    "Multiple parameters with the name '{}' were found in the request payload.",
                    p.name
                )));
            }
            seen.push(&p.name);
            self.check_value(k, &p.type_name, p.collection, p.nullable, v, 0)?;
        }
        let missing: Vec<&str> = op
            .parameters
            .iter()
            .filter(|p| !p.nullable && !p.optional && !seen.contains(&p.name.as_str()))
            .map(|p| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(rbr(format!(
                "One or more parameters of the operation '{}' are missing from the request payload. The missing parameters are: {}.",
                op.name,
                missing.join(", ")
            )));
        }
        Ok(())
    }

    fn check_object(
        &self,
        expected: &str,
        obj: &Map<String, Value>,
        depth: usize,
    ) -> Result<(), GraphError> {
        if depth > 64 {
            return Err(rbr(
                "The maximum recursion depth limit was reached. The depth of nested values in a single property cannot exceed 64.",
            ));
        }
        let mut ty = expected.to_string();
        if let Some(t) = obj.get("@odata.type") {
            let Some(s) = t.as_str() else {
                return Err(rbr(
                    "The 'odata.type' instance annotation value is not a valid type name. The value of the 'odata.type' instance annotation must be a non-empty string.",
                ));
            };
            let given = s.strip_prefix('#').unwrap_or(s);
            let short = short_name(given);
            if !self.structured.contains_key(short) {
                if matches!(self.type_ref(expected), TypeRef::Unknown) {
                    return Ok(());
                }
                return Err(rbr(format!(
                    "A type named '{given}' could not be resolved by the model. When a model is available, each type name must resolve to a valid type."
                )));
            }
            if self.structured.contains_key(expected) && !self.is_assignable(short, expected) {
                return Err(rbr(format!(
                    "A resource with type '{}' was found, but it is not assignable to the expected type '{}'. The type specified in the resource must be equal to either the expected type or a derived type.",
                    qualified(short),
                    qualified(expected)
                )));
            }
            ty = short.to_string();
        }
        let Some(t) = self.structured.get(&ty) else {
            // Outside the extracted slice: nothing to check against.
            return Ok(());
        };
        let open = t.kind == TypeKind::Complex && self.chain(&ty).iter().any(|t| t.open_type);
        for (k, v) in obj {
            if k.contains('@') {
                continue;
            }
            match self.member(&ty, k) {
                Some(Member::Prop(p)) => {
                    self.check_value(k, &p.type_name, p.collection, p.nullable, v, depth + 1)?
                }
                Some(Member::Nav(n)) => self.check_nav(n, v, depth + 1)?,
                None if open => {}
                None => {
                    return Err(rbr(format!(
                        "The property '{k}' does not exist on type '{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
                        qualified(&ty)
                    )))
                }
            }
        }
        Ok(())
    }

    /// Deep-insert values of navigation properties (`message.attachments` in `sendMail`).
    fn check_nav(&self, n: &NavigationProperty, v: &Value, depth: usize) -> Result<(), GraphError> {
        match (n.collection, v) {
            (_, Value::Null) if !n.collection => Ok(()),
            (true, Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::Object(o) => self.check_object(&n.target, o, depth)?,
                        other => {
                            return Err(rbr(format!(
                                "A node of type '{}' was read from the JSON reader when trying to read the entries of a typed resource set; however, a node of type 'StartObject' or 'EndArray', or a null value, was expected.",
                                node_kind(other)
                            )))
                        }
                    }
                }
                Ok(())
            }
            (true, other) => Err(rbr(format!(
                "A node of type '{}' was read from the JSON reader when trying to read the contents of the property '{}'; however, a 'StartArray' node was expected.",
                node_kind(other),
                n.name
            ))),
            (false, Value::Object(o)) => self.check_object(&n.target, o, depth),
            (false, other) => Err(rbr(format!(
                "A node of type '{}' was read from the JSON reader when trying to read the contents of the property '{}'; however, a 'StartObject' node or 'PrimitiveValue' node with null value was expected.",
                node_kind(other),
                n.name
            ))),
        }
    }

    /// One property or parameter value.
    fn check_value(
        &self,
        name: &str,
        type_name: &str,
        collection: bool,
        nullable: bool,
        v: &Value,
        depth: usize,
    ) -> Result<(), GraphError> {
        let full = if collection {
            format!("Collection({})", qualified(type_name))
        } else {
            qualified(type_name)
        };
        if v.is_null() {
            if collection {
                return Err(rbr(format!(
                    "A null value was found for the property named '{name}', which has the expected type '{full}[Nullable=True]'. The expected type '{full}[Nullable=True]' cannot be null but it can have null values."
                )));
            }
            if !nullable {
                return Err(rbr(format!(
                    "A null value was found for the property named '{name}', which has the expected type '{full}[Nullable=False]'. The expected type '{full}[Nullable=False]' does not allow null values."
                )));
            }
            return Ok(());
        }
        let tref = self.type_ref(type_name);
        if collection {
            let Value::Array(items) = v else {
                return Err(rbr(match tref {
                    TypeRef::Structured(_) => format!(
                        "A node of type '{}' was read from the JSON reader when trying to read the contents of the property '{name}'; however, a 'StartArray' node was expected.",
                        node_kind(v)
                    ),
                    _ => format!(
                        "A node of type '{}' was read from the JSON reader when trying to read the items of a collection; however, a 'StartArray' node was expected.",
                        node_kind(v)
                    ),
                }));
            };
            for item in items {
                if item.is_null() {
                    if !nullable {
                        return Err(rbr(format!(
                            "A null value was found in a collection, but the expected collection item type '{}' does not allow null values.",
                            qualified(type_name)
                        )));
                    }
                    continue;
                }
                self.check_single(name, type_name, tref, item, depth)?;
            }
            return Ok(());
        }
        self.check_single(name, type_name, tref, v, depth)
    }

    fn check_single(
        &self,
        name: &str,
        type_name: &str,
        tref: TypeRef<'_>,
        v: &Value,
        depth: usize,
    ) -> Result<(), GraphError> {
        match tref {
            TypeRef::Unknown => Ok(()),
            TypeRef::Structured(_) => match v {
                Value::Object(o) => self.check_object(type_name, o, depth),
                Value::Array(_) => Err(rbr(format!(
                    "A node of type 'StartArray' was read from the JSON reader when trying to read the contents of the property '{name}'; however, a 'StartObject' node or 'PrimitiveValue' node with null value was expected."
                ))),
                _ => Err(rbr(format!(
                    "A 'PrimitiveValue' node with non-null value was found when trying to read the value of the property '{name}'; however, a 'StartArray' node, a 'StartObject' node, or a 'PrimitiveValue' node with null value was expected."
                ))),
            },
            TypeRef::Enum(e) => match v {
                Value::String(s) => {
                    let ok = |m: &str| e.members.iter().any(|x| x.eq_ignore_ascii_case(m.trim()));
                    let valid = if e.flags { s.split(',').all(ok) } else { ok(s) };
                    if valid {
                        Ok(())
                    } else {
                        // Not found in a Graph capture; this is the .NET Enum.Parse message the
                        // service's enum conversion produces. Code as for every body read error.
                        Err(rbr(format!("Requested value '{s}' was not found.")))
                    }
                }
                other => primitive_kind_error(name, &qualified(type_name), other),
            },
            TypeRef::Primitive(edm) => check_primitive(name, edm, v),
        }
    }
}

fn primitive_kind_error(name: &str, target: &str, v: &Value) -> Result<(), GraphError> {
    Err(rbr(match v {
        Value::Object(_) | Value::Array(_) => format!(
            "An unexpected '{}' node was found for property named '{name}' when reading from the JSON reader. A 'PrimitiveValue' node was expected.",
            node_kind(v)
        ),
        Value::Bool(_) => format!("Cannot convert a value of type 'Edm.Boolean' to the expected target type '{target}'."),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            let fits = n.as_i64().is_some_and(|i| i32::try_from(i).is_ok());
            let t = if fits { "Edm.Int32" } else { "Edm.Int64" };
            format!("Cannot convert a value of type '{t}' to the expected target type '{target}'.")
        }
        Value::Number(_) => format!("Cannot convert a value of type 'Edm.Double' to the expected target type '{target}'."),
        Value::String(s) => format!("Cannot convert the literal '{s}' to the expected type '{target}'."),
        Value::Null => return Ok(()),
    }))
}

/// JSON kind and literal checks for `Edm.*` values, with ODL's reader messages
/// (`ODataJsonReaderUtils_CannotConvert*`, `ReaderValidationUtils_CannotConvertPrimitiveValue`).
fn check_primitive(name: &str, edm: &str, v: &Value) -> Result<(), GraphError> {
    let ok = match (edm, v) {
        (_, Value::Object(_) | Value::Array(_)) => false,
        ("Edm.String", Value::String(_)) => true,
        ("Edm.Boolean", Value::Bool(_)) => true,
        ("Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte", Value::Number(n)) => {
            let range = match edm {
                "Edm.Int16" => (i16::MIN as i64, i16::MAX as i64),
                "Edm.Int32" => (i32::MIN as i64, i32::MAX as i64),
                "Edm.Byte" => (0, 255),
                "Edm.SByte" => (-128, 127),
                _ => (i64::MIN, i64::MAX),
            };
            n.as_i64().is_some_and(|i| i >= range.0 && i <= range.1)
        }
        ("Edm.Double" | "Edm.Single" | "Edm.Decimal", Value::Number(_)) => true,
        ("Edm.Double" | "Edm.Single", Value::String(s)) => {
            matches!(s.as_str(), "INF" | "-INF" | "NaN")
        }
        ("Edm.Int64" | "Edm.Decimal", Value::String(s)) => s.trim().parse::<f64>().is_ok(),
        ("Edm.DateTimeOffset", Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s.trim()).is_ok()
        }
        ("Edm.Date", Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        ("Edm.TimeOfDay", Value::String(s)) => {
            chrono::NaiveTime::parse_from_str(s, "%H:%M:%S%.f").is_ok()
                || chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok()
        }
        ("Edm.Duration", Value::String(s)) => is_iso_duration(s),
        ("Edm.Guid", Value::String(s)) => is_guid(s),
        ("Edm.Binary" | "Edm.Stream", Value::String(s)) => is_base64(s),
        // Edm.Untyped, geography and anything else: accept.
        (
            "Edm.String" | "Edm.Boolean" | "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte"
            | "Edm.SByte" | "Edm.Double" | "Edm.Single" | "Edm.Decimal" | "Edm.DateTimeOffset"
            | "Edm.Date" | "Edm.TimeOfDay" | "Edm.Duration" | "Edm.Guid" | "Edm.Binary"
            | "Edm.Stream",
            _,
        ) => false,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        if let Value::Number(n) = v {
            // An integer out of range for an integral target.
            let integral = edm.starts_with("Edm.Int") || edm == "Edm.Byte" || edm == "Edm.SByte";
            if integral && (n.is_i64() || n.is_u64()) {
                return Err(rbr(format!(
                    "Cannot convert the literal '{n}' to the expected type '{edm}'."
                )));
            }
        }
        primitive_kind_error(name, edm, v)
    }
}

fn is_iso_duration(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => {
            if t.is_empty() {
                return false;
            }
            (d, Some(t))
        }
        None => (rest, None),
    };
    let parts_ok = |p: &str, units: &str| {
        let mut num = String::new();
        let mut last_unit = 0usize;
        for c in p.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else if let Some(i) = units.find(c) {
                if num.is_empty() || i < last_unit {
                    return false;
                }
                last_unit = i + 1;
                num.clear();
            } else {
                return false;
            }
        }
        num.is_empty()
    };
    parts_ok(date, "YMWD") && time.is_none_or(|t| parts_ok(t, "HMS"))
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, l)| p.len() == l && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_base64(s: &str) -> bool {
    use base64::Engine;
    let t = s.trim();
    base64::engine::general_purpose::STANDARD.decode(t).is_ok()
        || base64::engine::general_purpose::URL_SAFE.decode(t).is_ok()
        || base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(t)
            .is_ok()
        || base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .is_ok()
}

/// `Collection(X)` → (`X`, true); `X` → (`X`, false).
fn split_collection(t: &str) -> (&str, bool) {
    match t
        .strip_prefix("Collection(")
        .and_then(|r| r.strip_suffix(')'))
    {
        Some(inner) => (inner, true),
        None => (t, false),
    }
}

// ---------------------------------------------------------------------------------------------
// Extraction from the CSDL
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct RawMember {
    name: String,
    type_ref: String,
    nullable: bool,
    optional: bool,
}

#[derive(Debug, Default)]
struct RawType {
    /// `entity`, `complex` or `enum`.
    kind: &'static str,
    namespace: String,
    name: String,
    base: Option<String>,
    is_abstract: bool,
    open: bool,
    flags: bool,
    props: Vec<RawMember>,
    navs: Vec<RawMember>,
    members: Vec<String>,
}

#[derive(Debug, Default)]
struct RawOperation {
    kind: &'static str,
    name: String,
    bound: bool,
    params: Vec<RawMember>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn local(e: &BytesStart<'_>) -> Vec<u8> {
    e.local_name().as_ref().to_vec()
}

/// Reads the CSDL and writes the extracted schema JSON to `out_path` (for the
/// `m365-sandbox extract-schema <csdl> <out.json>` subcommand).
pub fn extract_to_file(csdl_path: &str, out_path: &str) -> Result<(), String> {
    let xml = std::fs::read_to_string(csdl_path).map_err(|e| format!("{csdl_path}: {e}"))?;
    let v = try_extract(&xml, ROOTS)?;
    std::fs::write(out_path, to_file_text(&v)).map_err(|e| format!("{out_path}: {e}"))
}

/// The committed file's text for an extracted value: one type per line, so diffs stay readable
/// while the file stays small.
pub fn to_file_text(v: &Value) -> String {
    let mut s = String::from("{\n");
    let obj = v.as_object().cloned().unwrap_or_default();
    let n = obj.len();
    for (i, (k, val)) in obj.iter().enumerate() {
        s.push_str(&serde_json::to_string(k).unwrap_or_default());
        s.push(':');
        match val {
            Value::Object(m) if !m.is_empty() => {
                s.push_str("{\n");
                let m_len = m.len();
                for (j, (tk, tv)) in m.iter().enumerate() {
                    s.push_str(&serde_json::to_string(tk).unwrap_or_default());
                    s.push(':');
                    s.push_str(&serde_json::to_string(tv).unwrap_or_default());
                    s.push_str(if j + 1 < m_len { ",\n" } else { "\n" });
                }
                s.push('}');
            }
            Value::Array(a) if !a.is_empty() && k == "operations" => {
                s.push_str("[\n");
                for (j, item) in a.iter().enumerate() {
                    s.push_str(&serde_json::to_string(item).unwrap_or_default());
                    s.push_str(if j + 1 < a.len() { ",\n" } else { "\n" });
                }
                s.push(']');
            }
            other => s.push_str(&serde_json::to_string(other).unwrap_or_default()),
        }
        s.push_str(if i + 1 < n { ",\n" } else { "\n" });
    }
    s.push_str("}\n");
    s
}

/// Extracts the schema slice for `roots` (short names in the `microsoft.graph` namespace) from a
/// CSDL document. Malformed XML yields `{"error": "..."}`; see [`try_extract`].
pub fn extract(csdl_xml: &str, roots: &[&str]) -> Value {
    try_extract(csdl_xml, roots).unwrap_or_else(|e| json!({ "error": e }))
}

/// [`extract`], reporting malformed XML as an error.
pub fn try_extract(csdl_xml: &str, roots: &[&str]) -> Result<Value, String> {
    let (types, ops, aliases) = parse_csdl(csdl_xml)?;
    // Type references use namespace aliases (`graph.message`, `self.alert`): resolve to short keys.
    let norm = |r: &str| -> (String, bool) {
        let (inner, coll) = split_collection(r);
        let key = if inner.starts_with("Edm.") {
            inner.to_string()
        } else {
            let (ns, name) = inner.rsplit_once('.').unwrap_or(("", inner));
            let ns = aliases.get(ns).map(String::as_str).unwrap_or(ns);
            let full = format!("{ns}.{name}");
            full.strip_prefix("microsoft.graph.")
                .map(String::from)
                .unwrap_or(full)
        };
        (key, coll)
    };
    let key_of = |t: &RawType| -> String {
        let full = format!("{}.{}", t.namespace, t.name);
        full.strip_prefix("microsoft.graph.")
            .map(String::from)
            .unwrap_or(full)
    };
    let mut by_key: BTreeMap<String, &RawType> = BTreeMap::new();
    let mut derived: HashMap<String, Vec<String>> = HashMap::new();
    for t in &types {
        let k = key_of(t);
        if let Some(b) = &t.base {
            derived.entry(norm(b).0).or_default().push(k.clone());
        }
        by_key.insert(k, t);
    }

    // Operations bound to the roots (or outlookUser) whose names are listed.
    let bindings: BTreeSet<&str> = roots.iter().chain(EXTRA_BINDINGS).copied().collect();
    let mut op_values = Vec::new();
    let mut queue: VecDeque<(String, bool)> = roots.iter().map(|r| (r.to_string(), true)).collect();
    for op in &ops {
        if !op.bound || !OPERATIONS.contains(&op.name.as_str()) || op.params.is_empty() {
            continue;
        }
        let (binding, binding_coll) = norm(&op.params[0].type_ref);
        if !bindings.contains(binding.as_str()) {
            continue;
        }
        let mut params = Map::new();
        let (mut non_nullable, mut optional) = (Vec::new(), Vec::new());
        for p in &op.params[1..] {
            let (ty, coll) = norm(&p.type_ref);
            if !ty.starts_with("Edm.") {
                queue.push_back((ty.clone(), true));
            }
            params.insert(p.name.clone(), Value::String(wrap(&ty, coll)));
            if !p.nullable {
                non_nullable.push(Value::String(p.name.clone()));
            }
            if p.optional {
                optional.push(Value::String(p.name.clone()));
            }
        }
        let mut o = Map::new();
        o.insert("name".into(), json!(op.name));
        o.insert("kind".into(), json!(op.kind));
        o.insert("binding".into(), json!(wrap(&binding, binding_coll)));
        o.insert("parameters".into(), Value::Object(params));
        if !non_nullable.is_empty() {
            o.insert("nonNullable".into(), Value::Array(non_nullable));
        }
        if !optional.is_empty() {
            o.insert("optional".into(), Value::Array(optional));
        }
        op_values.push(Value::Object(o));
    }
    op_values.sort_by(|a, b| {
        let k = |v: &Value| {
            (
                v["name"].as_str().unwrap_or("").to_string(),
                v["binding"].as_str().unwrap_or("").to_string(),
            )
        };
        k(a).cmp(&k(b))
    });

    // Reachability: (key, value_reachable). Value-reachable types (roots, property and parameter
    // types) bring their derived types; base types reached only as bases do not (or `entity` would
    // bring all 1,182 entity types).
    let mut included: BTreeSet<String> = BTreeSet::new();
    let mut expanded: BTreeSet<String> = BTreeSet::new();
    while let Some((k, value)) = queue.pop_front() {
        let Some(t) = by_key.get(&k) else { continue };
        if value && expanded.insert(k.clone()) {
            for d in derived.get(&k).into_iter().flatten() {
                queue.push_back((d.clone(), true));
            }
        }
        if !included.insert(k.clone()) {
            continue;
        }
        if let Some(b) = &t.base {
            queue.push_back((norm(b).0, false));
        }
        for p in &t.props {
            let (ty, _) = norm(&p.type_ref);
            if !ty.starts_with("Edm.") {
                queue.push_back((ty, true));
            }
        }
    }

    let mut out_types = Map::new();
    for k in &included {
        let t = by_key[k];
        let mut o = Map::new();
        o.insert("kind".into(), json!(t.kind));
        if t.kind == "enum" {
            o.insert("members".into(), json!(t.members));
            if t.flags {
                o.insert("flags".into(), json!(true));
            }
            out_types.insert(k.clone(), Value::Object(o));
            continue;
        }
        if let Some(b) = &t.base {
            o.insert("baseType".into(), json!(norm(b).0));
        }
        if t.is_abstract {
            o.insert("abstract".into(), json!(true));
        }
        if t.open {
            o.insert("openType".into(), json!(true));
        }
        let mut props = Map::new();
        let mut non_nullable = Vec::new();
        for p in &t.props {
            let (ty, coll) = norm(&p.type_ref);
            props.insert(p.name.clone(), json!(wrap(&ty, coll)));
            if !p.nullable {
                non_nullable.push(json!(p.name));
            }
        }
        if !props.is_empty() {
            o.insert("properties".into(), Value::Object(props));
        }
        if !non_nullable.is_empty() {
            o.insert("nonNullable".into(), Value::Array(non_nullable));
        }
        let mut navs = Map::new();
        for n in &t.navs {
            let (ty, coll) = norm(&n.type_ref);
            navs.insert(n.name.clone(), json!(wrap(&ty, coll)));
        }
        if !navs.is_empty() {
            o.insert("navigation".into(), Value::Object(navs));
        }
        out_types.insert(k.clone(), Value::Object(o));
    }
    let mut root = Map::new();
    root.insert(
        "source".into(),
        json!("microsoftgraph/msgraph-metadata schemas/v1.0-Prod.csdl, reduced by m365-sandbox extract-schema"),
    );
    root.insert("roots".into(), json!(roots));
    root.insert("operations".into(), Value::Array(op_values));
    root.insert("types".into(), Value::Object(out_types));
    Ok(Value::Object(root))
}

fn wrap(ty: &str, collection: bool) -> String {
    if collection {
        format!("Collection({ty})")
    } else {
        ty.to_string()
    }
}

type Parsed = (Vec<RawType>, Vec<RawOperation>, HashMap<String, String>);

fn parse_csdl(xml: &str) -> Result<Parsed, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut types: Vec<RawType> = Vec::new();
    let mut ops: Vec<RawOperation> = Vec::new();
    let mut aliases: HashMap<String, String> = HashMap::new();
    let mut namespace = String::new();
    // What the open element we are inside is: 0 none, 1 type, 2 operation.
    let mut in_type: Option<RawType> = None;
    let mut in_op: Option<RawOperation> = None;
    // Open Parameter element awaiting its annotations.
    let mut param_open = false;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("CSDL XML error at byte {}: {e}", reader.error_position()))?;
        let (e, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(end) => {
                match end.local_name().as_ref() {
                    b"EntityType" | b"ComplexType" | b"EnumType" => {
                        if let Some(t) = in_type.take() {
                            types.push(t);
                        }
                    }
                    b"Action" | b"Function" => {
                        if let Some(o) = in_op.take() {
                            ops.push(o);
                        }
                    }
                    b"Parameter" => param_open = false,
                    _ => {}
                }
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        let Some(e) = e else { continue };
        match local(&e).as_slice() {
            b"Schema" => {
                namespace = attr(&e, "Namespace").unwrap_or_default();
                if let Some(a) = attr(&e, "Alias") {
                    aliases.insert(a, namespace.clone());
                }
            }
            tag @ (b"EntityType" | b"ComplexType" | b"EnumType") => {
                let t = RawType {
                    kind: match tag {
                        b"EntityType" => "entity",
                        b"ComplexType" => "complex",
                        _ => "enum",
                    },
                    namespace: namespace.clone(),
                    name: attr(&e, "Name").unwrap_or_default(),
                    base: attr(&e, "BaseType"),
                    is_abstract: attr(&e, "Abstract").as_deref() == Some("true"),
                    open: attr(&e, "OpenType").as_deref() == Some("true"),
                    flags: attr(&e, "IsFlags").as_deref() == Some("true"),
                    ..RawType::default()
                };
                if empty {
                    types.push(t);
                } else {
                    in_type = Some(t);
                }
            }
            b"Property" | b"NavigationProperty" => {
                if let Some(t) = in_type.as_mut() {
                    let m = RawMember {
                        name: attr(&e, "Name").unwrap_or_default(),
                        type_ref: attr(&e, "Type").unwrap_or_default(),
                        nullable: attr(&e, "Nullable").as_deref() != Some("false"),
                        optional: false,
                    };
                    if local(&e).as_slice() == b"Property" {
                        t.props.push(m);
                    } else {
                        t.navs.push(m);
                    }
                }
            }
            b"Member" => {
                if let Some(t) = in_type.as_mut() {
                    t.members.push(attr(&e, "Name").unwrap_or_default());
                }
            }
            tag @ (b"Action" | b"Function") => {
                let o = RawOperation {
                    kind: if tag == b"Action" {
                        "action"
                    } else {
                        "function"
                    },
                    name: attr(&e, "Name").unwrap_or_default(),
                    bound: attr(&e, "IsBound").as_deref() == Some("true"),
                    params: Vec::new(),
                };
                if empty {
                    ops.push(o);
                } else {
                    in_op = Some(o);
                }
            }
            b"Parameter" => {
                if let Some(o) = in_op.as_mut() {
                    o.params.push(RawMember {
                        name: attr(&e, "Name").unwrap_or_default(),
                        type_ref: attr(&e, "Type").unwrap_or_default(),
                        nullable: attr(&e, "Nullable").as_deref() != Some("false"),
                        optional: false,
                    });
                    param_open = !empty;
                }
            }
            b"Annotation"
                if param_open
                    && attr(&e, "Term").as_deref()
                        == Some("Org.OData.Core.V1.OptionalParameter") =>
            {
                if let Some(p) = in_op.as_mut().and_then(|o| o.params.last_mut()) {
                    p.optional = true;
                }
            }
            _ => {}
        }
    }
    Ok((types, ops, aliases))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"<?xml version="1.0"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EnumType Name="importance"><Member Name="low" Value="0"/><Member Name="normal" Value="1"/><Member Name="high" Value="2"/></EnumType>
  <EnumType Name="unused"><Member Name="x" Value="0"/></EnumType>
  <ComplexType Name="emailAddress"><Property Name="address" Type="Edm.String"/><Property Name="name" Type="Edm.String"/></ComplexType>
  <ComplexType Name="recipient"><Property Name="emailAddress" Type="graph.emailAddress"/></ComplexType>
  <ComplexType Name="attendee" BaseType="graph.recipient"><Property Name="type" Type="Edm.String"/></ComplexType>
  <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
  <EntityType Name="unrelated" BaseType="graph.entity"><Property Name="z" Type="Edm.Int32"/></EntityType>
  <EntityType Name="message" BaseType="graph.entity" OpenType="true">
    <Property Name="subject" Type="Edm.String"/>
    <Property Name="importance" Type="graph.importance"/>
    <Property Name="toRecipients" Type="Collection(graph.recipient)"/>
    <Property Name="isRead" Type="Edm.Boolean"/>
    <NavigationProperty Name="attachments" Type="Collection(graph.attachment)" ContainsTarget="true"/>
  </EntityType>
  <EntityType Name="attachment" BaseType="graph.entity" Abstract="true"><Property Name="name" Type="Edm.String"/></EntityType>
  <EntityType Name="fileAttachment" BaseType="graph.attachment"><Property Name="contentBytes" Type="Edm.Binary"/></EntityType>
  <Action Name="sendMail" IsBound="true">
    <Parameter Name="bindingParameter" Type="graph.user"/>
    <Parameter Name="Message" Type="graph.message" Nullable="false"/>
    <Parameter Name="SaveToSentItems" Type="Edm.Boolean"/>
  </Action>
  <Action Name="move" IsBound="true"><Parameter Name="bindingParameter" Type="graph.message"/><Parameter Name="DestinationId" Type="Edm.String" Nullable="false"/></Action>
  <Action Name="move" IsBound="true"><Parameter Name="bindingParameter" Type="graph.driveItem"/></Action>
  <EntityType Name="user" BaseType="graph.entity"><Property Name="displayName" Type="Edm.String"/></EntityType>
</Schema></edmx:DataServices></edmx:Edmx>"#;

    fn mini() -> Schema {
        Schema::from_json(&extract(MINI, &["message", "user"])).unwrap()
    }

    #[test]
    fn extract_follows_structure_and_derived_types_only() {
        let v = extract(MINI, &["message", "user"]);
        let types = v["types"].as_object().unwrap();
        for k in [
            "message",
            "entity",
            "recipient",
            "attendee",
            "emailAddress",
            "importance",
            "user",
        ] {
            assert!(types.contains_key(k), "{k} missing");
        }
        // Not reached: base-only types bring no derived types; enums not referenced are dropped.
        assert!(!types.contains_key("unrelated"));
        assert!(!types.contains_key("unused"));
        // Navigation targets are named, not followed (attachment is no root here).
        assert!(!types.contains_key("attachment"));
        assert_eq!(
            types["message"]["navigation"]["attachments"],
            "Collection(attachment)"
        );
        assert_eq!(types["entity"]["nonNullable"], json!(["id"]));
        let ops = v["operations"].as_array().unwrap();
        assert_eq!(ops.len(), 2, "{ops:?}");
        assert_eq!(ops[1]["name"], "sendMail");
        assert_eq!(ops[1]["nonNullable"], json!(["Message"]));
    }

    #[test]
    fn roots_bring_derived_attachment_types() {
        let v = extract(MINI, &["attachment"]);
        assert!(v["types"].get("fileAttachment").is_some());
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        assert!(try_extract("<a><b></a>", ROOTS).is_err());
        assert!(extract("<a><b></a>", ROOTS).get("error").is_some());
        assert_eq!(extract("", ROOTS)["types"], json!({}));
    }

    #[test]
    fn names_accept_every_spelling() {
        let s = mini();
        for n in [
            "message",
            "microsoft.graph.message",
            "#microsoft.graph.message",
        ] {
            assert_eq!(s.structured_type(n).unwrap().name, "message");
        }
    }

    #[test]
    fn resolve_path_walks_complex_and_base_types_case_insensitively() {
        let s = mini();
        let p = s.resolve_path("message", "id").unwrap();
        assert_eq!(p.type_name, "Edm.String");
        assert!(!p.nullable);
        let p = s
            .resolve_path("microsoft.graph.message", "Importance")
            .unwrap();
        assert_eq!(
            (p.path.clone(), p.kind),
            (vec!["importance".to_string()], PropertyKind::Enum)
        );
        let e = s.resolve_path("message", "subjekt").unwrap_err();
        assert_eq!(e.code, "RequestBroker--ParseUri");
        assert_eq!(
            e.message,
            "Could not find a property named 'subjekt' on type 'microsoft.graph.message'."
        );
        let e = s
            .resolve_path("message", "toRecipients/emailAddress")
            .unwrap_err();
        assert_eq!(e.status, 400);
    }

    #[test]
    fn body_checks() {
        let s = mini();
        s.check_body("message", &json!({"subject": "x", "@odata.type": "#microsoft.graph.message", "isRead@odata.type": "x"}))
            .unwrap();
        let e = s.check_body("message", &json!({"foo": 1})).unwrap_err();
        assert_eq!(e.code, "RequestBodyRead");
        assert!(e
            .message
            .starts_with("The property 'foo' does not exist on type 'microsoft.graph.message'."));
        let e = s
            .check_body(
                "message",
                &json!({"toRecipients": [{"emailAddress": {"adress": "a"}}]}),
            )
            .unwrap_err();
        assert!(
            e.message.contains("'microsoft.graph.emailAddress'"),
            "{}",
            e.message
        );
        assert!(s.check_body("message", &json!({"isRead": "yes"})).is_err());
        assert!(s.check_body("message", &json!({"subject": 5})).is_err());
        assert!(s
            .check_body("message", &json!({"importance": "HIGH"}))
            .is_ok());
        assert!(s
            .check_body("message", &json!({"importance": "urgent"}))
            .is_err());
        assert!(s
            .check_body("message", &json!({"toRecipients": {}}))
            .is_err());
        assert!(s
            .check_body("message", &json!({"toRecipients": null}))
            .is_err());
        assert!(s.check_body("message", &json!([])).is_err());
        let e = s
            .check_body("message", &json!({"@odata.type": "#microsoft.graph.nope"}))
            .unwrap_err();
        assert!(e
            .message
            .starts_with("A type named 'microsoft.graph.nope' could not be resolved"));
        let e = s
            .check_body("message", &json!({"@odata.type": "#microsoft.graph.user"}))
            .unwrap_err();
        assert!(e.message.contains("is not assignable"), "{}", e.message);
    }

    #[test]
    fn action_bodies() {
        let s = mini();
        s.check_action_body(
            "user",
            "sendMail",
            &json!({"message": {"subject": "x"}, "saveToSentItems": false}),
        )
        .unwrap();
        let e = s
            .check_action_body("user", "sendMail", &json!({"saveToSentItems": false}))
            .unwrap_err();
        assert!(
            e.message.ends_with("The missing parameters are: Message."),
            "{}",
            e.message
        );
        let e = s
            .check_action_body("user", "sendMail", &json!({"message": {}, "foo": 1}))
            .unwrap_err();
        assert_eq!(
            e.message,
            "The parameter 'foo' in the request payload is not a valid parameter for the operation 'sendMail'."
        );
        assert!(s
            .check_action_body("message", "move", &json!({"destinationId": "x"}))
            .is_ok());
        assert!(s.check_action_body("message", "move", &json!({})).is_err());
    }

    #[test]
    fn primitive_literals() {
        assert!(
            is_iso_duration("PT30M")
                && is_iso_duration("P1DT2H")
                && !is_iso_duration("P")
                && !is_iso_duration("PT")
        );
        assert!(!is_iso_duration("30M") && !is_iso_duration("PTM"));
        assert!(is_guid("0123abcd-0000-0000-0000-000000000000") && !is_guid("x"));
        assert!(check_primitive("n", "Edm.Int32", &json!(3_000_000_000u64)).is_err());
        assert!(check_primitive("n", "Edm.Int64", &json!(3_000_000_000u64)).is_ok());
        assert!(check_primitive("d", "Edm.DateTimeOffset", &json!("2026-01-01T00:00:00Z")).is_ok());
        assert!(check_primitive("d", "Edm.DateTimeOffset", &json!("tomorrow")).is_err());
    }

    #[test]
    fn embedded_schema_loads_and_knows_the_tool_types() {
        let s = Schema::load();
        for t in ROOTS {
            assert!(
                s.structured_type(t).is_some(),
                "{t} missing from the committed schema"
            );
        }
        for t in [
            "fileAttachment",
            "itemAttachment",
            "referenceAttachment",
            "recipient",
            "dateTimeTimeZone",
        ] {
            assert!(s.structured_type(t).is_some(), "{t}");
        }
        assert!(s.enum_type("importance").is_some());
        assert!(s.operation("user", "sendMail").is_some());
        assert!(s.operation("eventMessage", "reply").is_some());
        assert!(s
            .operation("Collection(attachment)", "createUploadSession")
            .is_some());
        assert!(s.operation("outlookUser", "supportedTimeZones").is_some());
        assert_eq!(
            s.resolve_path("message", "from/emailAddress/address")
                .unwrap()
                .type_name,
            "Edm.String"
        );
    }
}
