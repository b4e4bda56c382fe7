//! `$filter`: a lexer and parser for the OData expression syntax Graph accepts, binding of every
//! property against the schema, and evaluation over Graph-shaped JSON.
//!
//! Messages follow OData .NET (ODL, `OData/odata.net` `src/Microsoft.OData.Core/Microsoft.OData.
//! Core.txt`), which Graph runs. Syntax and type errors are 400 `BadRequest` "Invalid filter
//! clause: <ODL message>" — the form Graph returns (e.g. "Invalid filter clause: The $filter
//! expression must evaluate to a single boolean value." in a microsoft-graph-docs-contrib API
//! page, "Invalid filter clause: Could not find a property named 'isAssigned' …" reported from
//! Intune); unknown properties are [`GraphError::unknown_property`] as Exchange answers them
//! (wslyvh/paperweight#1: `isJunk ne true` → `RequestBroker--ParseUri`).

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

use crate::error::GraphError;
use crate::schema::{qualified, PropertyKind, Schema, TypeRef};

/// Nesting bound (parentheses, `not`, lambdas). `and`/`or` chains are flat, so recursion depth is
/// this, not the filter's length; past it the answer is ODL's `UriQueryExpressionParser_TooDeep`.
const MAX_DEPTH: usize = 32;
/// Bound on operators, so a filter's cost stays small however long the URL.
const MAX_NODES: usize = 1000;

/// A bound `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All must hold (a flat `a and b and c`).
    And(Vec<Expr>),
    /// Any must hold.
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(CmpOp, Operand, Operand),
    /// `x in (a, b)`.
    In(Operand, Vec<Operand>),
    /// `contains`/`startswith`/`endswith`, case-insensitive like Exchange.
    Func(StrFunc, Operand, Operand),
    /// `source/any(var: body)` or `source/all(var: body)`; `any()` tests non-emptiness.
    Lambda {
        all: bool,
        source: PropRef,
        var: Option<String>,
        body: Option<Box<Expr>>,
    },
    /// A Boolean property or literal used as a condition (`isRead`, `true`).
    Value(Operand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CmpOp {
    /// ODL's `BinaryOperatorKind` name, used in its messages.
    fn odl_name(self) -> &'static str {
        match self {
            CmpOp::Eq => "Equal",
            CmpOp::Ne => "NotEqual",
            CmpOp::Gt => "GreaterThan",
            CmpOp::Ge => "GreaterThanOrEqual",
            CmpOp::Lt => "LessThan",
            CmpOp::Le => "LessThanOrEqual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrFunc {
    Contains,
    StartsWith,
    EndsWith,
}

/// A property (from the item, or from a lambda variable) or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Prop(PropRef),
    Lit(Literal),
}

/// A property path as the schema spells it; `var` is the lambda variable it starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct PropRef {
    pub var: Option<String>,
    pub path: Vec<String>,
    pub ty: ValueType,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    DateTime(DateTime<FixedOffset>),
    Date(NaiveDate),
    Guid(String),
}

/// How values of a property compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    String,
    Boolean,
    Number,
    /// `Edm.DateTimeOffset` and `Edm.Date`: compared as instants.
    DateTime,
    Enum,
    Guid,
    Other,
}

pub(crate) fn value_type(edm_or_name: &str, kind: PropertyKind) -> ValueType {
    match kind {
        PropertyKind::Enum => ValueType::Enum,
        PropertyKind::Complex | PropertyKind::Navigation => ValueType::Other,
        PropertyKind::Primitive => match edm_or_name {
            "Edm.String" => ValueType::String,
            "Edm.Boolean" => ValueType::Boolean,
            "Edm.DateTimeOffset" | "Edm.Date" => ValueType::DateTime,
            "Edm.Guid" => ValueType::Guid,
            "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" | "Edm.Double"
            | "Edm.Single" | "Edm.Decimal" => ValueType::Number,
            _ => ValueType::Other,
        },
    }
}

pub(crate) fn invalid(detail: impl std::fmt::Display) -> GraphError {
    GraphError::bad_request(format!("Invalid filter clause: {detail}"))
}

/// Exchange's answer for filter constructs it cannot serve on mail (see [`Options::messages`]).
pub(crate) fn invalid_nodes() -> GraphError {
    GraphError::new(
        400,
        "ErrorInvalidUrlQueryFilter",
        "The query filter contains one or more invalid nodes.",
    )
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    /// A numeric, date, time or guid literal as written.
    Lit(String),
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
    End,
}

struct Lexer {
    chars: Vec<char>,
    text: String,
    pos: usize,
}

impl Lexer {
    fn new(text: &str) -> Self {
        Self {
            chars: text.chars().collect(),
            text: text.to_string(),
            pos: 0,
        }
    }

    /// All tokens with their start positions.
    fn tokens(mut self) -> Result<(Vec<(Tok, usize)>, String), GraphError> {
        let mut out = Vec::new();
        loop {
            while self.pos < self.chars.len() && self.chars[self.pos].is_whitespace() {
                self.pos += 1;
            }
            let start = self.pos;
            let Some(&c) = self.chars.get(self.pos) else {
                out.push((Tok::End, start));
                return Ok((out, self.text));
            };
            let next = self.chars.get(self.pos + 1).copied();
            let tok = match c {
                '(' => {
                    self.pos += 1;
                    Tok::LParen
                }
                ')' => {
                    self.pos += 1;
                    Tok::RParen
                }
                ',' => {
                    self.pos += 1;
                    Tok::Comma
                }
                '/' => {
                    self.pos += 1;
                    Tok::Slash
                }
                ':' => {
                    self.pos += 1;
                    Tok::Colon
                }
                '\'' => {
                    self.pos += 1;
                    let mut s = String::new();
                    loop {
                        match self.chars.get(self.pos) {
                            None => {
                                return Err(invalid(format!(
                                "There is an unterminated string literal at position {} in '{}'.",
                                self.chars.len(),
                                self.text
                            )))
                            }
                            Some('\'') if self.chars.get(self.pos + 1) == Some(&'\'') => {
                                s.push('\'');
                                self.pos += 2;
                            }
                            Some('\'') => {
                                self.pos += 1;
                                break;
                            }
                            Some(&ch) => {
                                s.push(ch);
                                self.pos += 1;
                            }
                        }
                    }
                    Tok::Str(s)
                }
                c if c.is_ascii_digit()
                    || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) =>
                {
                    let mut s = String::new();
                    s.push(c);
                    self.pos += 1;
                    while let Some(&ch) = self.chars.get(self.pos) {
                        if ch.is_ascii_alphanumeric() || matches!(ch, '.' | ':' | '+' | '-') {
                            s.push(ch);
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                    Tok::Lit(s)
                }
                c if c.is_alphabetic() || c == '_' || c == '$' => {
                    let mut s = String::new();
                    while let Some(&ch) = self.chars.get(self.pos) {
                        if ch.is_alphanumeric()
                            || ch == '_'
                            || ch == '.'
                            || (ch == '$' && s.is_empty())
                        {
                            s.push(ch);
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                    Tok::Ident(s)
                }
                other => {
                    return Err(invalid(format!(
                    "Syntax error: character '{other}' is not valid at position {start} in '{}'.",
                    self.text
                )))
                }
            };
            out.push((tok, start));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parser (syntax tree)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Syn {
    Lit(Literal),
    Path(Vec<String>),
    Lambda {
        path: Vec<String>,
        all: bool,
        var: Option<String>,
        body: Option<Box<Syn>>,
    },
    Call(String, Vec<Syn>),
    Not(Box<Syn>),
    And(Vec<Syn>),
    Or(Vec<Syn>),
    Cmp(CmpOp, Box<Syn>, Box<Syn>),
    In(Box<Syn>, Vec<Syn>),
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    text: String,
    depth: usize,
    nodes: usize,
}

fn is_kw(t: &Tok, kw: &str) -> bool {
    matches!(t, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map(|t| &t.0).unwrap_or(&Tok::End)
    }
    fn peek_at(&self, k: usize) -> &Tok {
        self.toks.get(self.i + k).map(|t| &t.0).unwrap_or(&Tok::End)
    }
    fn pos(&self) -> usize {
        self.toks
            .get(self.i)
            .map(|t| t.1)
            .unwrap_or(self.text.chars().count())
    }
    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn err(&self, what: &str) -> GraphError {
        invalid(format!(
            "{what} at position {} in '{}'.",
            self.pos(),
            self.text
        ))
    }
    fn syntax(&self) -> GraphError {
        invalid(format!(
            "Syntax error at position {} in '{}'.",
            self.pos(),
            self.text
        ))
    }
    fn node(&mut self) -> Result<(), GraphError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(invalid("Recursion depth exceeded allowed limit."));
        }
        Ok(())
    }
    fn enter(&mut self) -> Result<(), GraphError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid("Recursion depth exceeded allowed limit."));
        }
        Ok(())
    }

    fn parse_top(&mut self) -> Result<Syn, GraphError> {
        if *self.peek() == Tok::End {
            return Err(self.err("Expression expected"));
        }
        let e = self.parse_or()?;
        if *self.peek() != Tok::End {
            return Err(self.syntax());
        }
        Ok(e)
    }

    fn parse_or(&mut self) -> Result<Syn, GraphError> {
        self.enter()?;
        let mut items = vec![self.parse_and()?];
        while is_kw(self.peek(), "or") {
            self.bump();
            self.node()?;
            items.push(self.parse_and()?);
        }
        self.depth -= 1;
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Syn::Lit(Literal::Null))
        } else {
            Syn::Or(items)
        })
    }

    fn parse_and(&mut self) -> Result<Syn, GraphError> {
        let mut items = vec![self.parse_cmp()?];
        while is_kw(self.peek(), "and") {
            self.bump();
            self.node()?;
            items.push(self.parse_cmp()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Syn::Lit(Literal::Null))
        } else {
            Syn::And(items)
        })
    }

    fn parse_cmp(&mut self) -> Result<Syn, GraphError> {
        let mut l = self.parse_unary()?;
        // `Some(None)` is `in`.
        let keyword = |t: &Tok| -> Option<Option<CmpOp>> {
            let Tok::Ident(s) = t else { return None };
            Some(match s.to_ascii_lowercase().as_str() {
                "eq" => Some(CmpOp::Eq),
                "ne" => Some(CmpOp::Ne),
                "gt" => Some(CmpOp::Gt),
                "ge" => Some(CmpOp::Ge),
                "lt" => Some(CmpOp::Lt),
                "le" => Some(CmpOp::Le),
                "in" => None,
                _ => return None,
            })
        };
        while let Some(op) = keyword(self.peek()) {
            self.bump();
            match op {
                Some(op) => {
                    let r = self.parse_unary()?;
                    self.node()?;
                    l = Syn::Cmp(op, Box::new(l), Box::new(r));
                }
                None => {
                    if *self.peek() != Tok::LParen {
                        return Err(self.err("'(' expected"));
                    }
                    self.bump();
                    let mut items = Vec::new();
                    loop {
                        items.push(self.parse_unary()?);
                        match self.bump() {
                            Tok::Comma => continue,
                            Tok::RParen => break,
                            _ => {
                                self.i = self.i.saturating_sub(1);
                                return Err(self.err("')' or ',' expected"));
                            }
                        }
                    }
                    self.node()?;
                    l = Syn::In(Box::new(l), items);
                }
            }
        }
        Ok(l)
    }

    fn parse_unary(&mut self) -> Result<Syn, GraphError> {
        if is_kw(self.peek(), "not") && !matches!(self.peek_at(1), Tok::Slash) {
            self.bump();
            self.enter()?;
            let e = self.parse_unary()?;
            self.depth -= 1;
            return Ok(Syn::Not(Box::new(e)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Syn, GraphError> {
        let start = self.pos();
        match self.bump() {
            Tok::LParen => {
                let e = self.parse_or()?;
                if *self.peek() != Tok::RParen {
                    return Err(self.err("')' or operator expected"));
                }
                self.bump();
                Ok(e)
            }
            Tok::Str(s) => Ok(Syn::Lit(Literal::Str(s))),
            Tok::Lit(s) => parse_literal(&s).map(Syn::Lit).ok_or_else(|| {
                invalid(format!(
                    "Syntax error at position {start} in '{}'.",
                    self.text
                ))
            }),
            Tok::Ident(id) => {
                let lower = id.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => return Ok(Syn::Lit(Literal::Bool(true))),
                    "false" => return Ok(Syn::Lit(Literal::Bool(false))),
                    "null" => return Ok(Syn::Lit(Literal::Null)),
                    _ => {}
                }
                if *self.peek() == Tok::LParen {
                    self.bump();
                    let mut args = Vec::new();
                    if *self.peek() == Tok::RParen {
                        self.bump();
                        return Ok(Syn::Call(id, args));
                    }
                    loop {
                        args.push(self.parse_or()?);
                        match self.bump() {
                            Tok::Comma => continue,
                            Tok::RParen => break,
                            _ => {
                                self.i = self.i.saturating_sub(1);
                                return Err(self.err("')' or ',' expected"));
                            }
                        }
                    }
                    return Ok(Syn::Call(id, args));
                }
                let mut path = vec![id];
                while *self.peek() == Tok::Slash {
                    self.bump();
                    let seg = match self.bump() {
                        Tok::Ident(s) => s,
                        _ => {
                            self.i = self.i.saturating_sub(1);
                            return Err(self.err("Expression expected"));
                        }
                    };
                    let lower = seg.to_ascii_lowercase();
                    if (lower == "any" || lower == "all") && *self.peek() == Tok::LParen {
                        self.bump();
                        return self.parse_lambda(path, lower == "all");
                    }
                    path.push(seg);
                }
                Ok(Syn::Path(path))
            }
            Tok::End => {
                self.i = self.toks.len();
                Err(invalid(format!(
                    "Expression expected at position {start} in '{}'.",
                    self.text
                )))
            }
            _ => Err(invalid(format!(
                "Expression expected at position {start} in '{}'.",
                self.text
            ))),
        }
    }

    fn parse_lambda(&mut self, path: Vec<String>, all: bool) -> Result<Syn, GraphError> {
        if *self.peek() == Tok::RParen {
            self.bump();
            return Ok(Syn::Lambda {
                path,
                all,
                var: None,
                body: None,
            });
        }
        let var = match (self.peek().clone(), self.peek_at(1).clone()) {
            (Tok::Ident(v), Tok::Colon) => {
                self.bump();
                self.bump();
                v
            }
            _ => return Err(self.err("':' expected")),
        };
        self.enter()?;
        let body = self.parse_or()?;
        self.depth -= 1;
        if *self.peek() != Tok::RParen {
            return Err(self.err("')' or operator expected"));
        }
        self.bump();
        Ok(Syn::Lambda {
            path,
            all,
            var: Some(var),
            body: Some(Box::new(body)),
        })
    }
}

/// Numbers, `Edm.Date`, `Edm.DateTimeOffset` (unquoted, e.g. `2026-01-01T00:00:00Z`) and GUIDs.
fn parse_literal(s: &str) -> Option<Literal> {
    if s.contains('T') && s.contains('-') {
        if let Ok(d) = DateTime::parse_from_rfc3339(s) {
            return Some(Literal::DateTime(d));
        }
        for f in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%#z"] {
            if let Ok(d) = DateTime::parse_from_str(s, f) {
                return Some(Literal::DateTime(d));
            }
        }
        if let Some(base) = s.strip_suffix('Z') {
            if let Ok(n) = NaiveDateTime::parse_from_str(base, "%Y-%m-%dT%H:%M") {
                return Some(Literal::DateTime(Utc.from_utc_datetime(&n).fixed_offset()));
            }
        }
        return None;
    }
    if s.len() == 10 && s.as_bytes().get(4) == Some(&b'-') {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(Literal::Date);
    }
    if s.len() == 36 && s.matches('-').count() == 4 {
        let ok = s
            .split('-')
            .zip([8, 4, 4, 4, 12])
            .all(|(p, l)| p.len() == l && p.chars().all(|c| c.is_ascii_hexdigit()));
        return ok.then(|| Literal::Guid(s.to_ascii_lowercase()));
    }
    let body = s.trim_end_matches(['L', 'l', 'M', 'm', 'D', 'd', 'F', 'f']);
    if body.chars().all(|c| c.is_ascii_digit() || c == '-') {
        if let Ok(i) = body.parse::<i64>() {
            return Some(Literal::Int(i));
        }
    }
    let f: f64 = body.parse().ok()?;
    f.is_finite().then_some(Literal::Float(f))
}

// ---------------------------------------------------------------------------------------------
// Binding against the schema
// ---------------------------------------------------------------------------------------------

/// Binding options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Exchange's mail rules: `endswith` and any/all over recipient collections answer
    /// `ErrorInvalidUrlQueryFilter` "The query filter contains one or more invalid nodes."
    /// Not in Microsoft's docs; reported from live mailboxes by several projects (found by
    /// searching public code for the message, e.g. comments "Graph's /me/messages rejects
    /// toRecipients/any(r: r/emailAddress/address eq '<addr>') … with ErrorInvalidUrlQueryFilter"
    /// and a Go Graph test double's `RejectRecipientLambdas`/`RejectUnsupportedFilterFunctions`
    /// "established by running the request against a live mailbox").
    pub messages: bool,
}

/// A parsed and bound filter plus the root-level property paths it uses, in order of first use
/// (for the `InefficientFilter` rule).
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub expr: Expr,
    pub properties: Vec<String>,
}

/// Type of a bound operand, for compatibility checks.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Null,
    /// `Edm.*` primitive.
    Prim(String),
    Enum(String),
    /// Complex or entity (not comparable).
    Structured(String),
    /// Collection of the inner type name (`Edm.String`, `recipient`).
    Collection(String),
}

impl Ty {
    fn display(&self) -> String {
        match self {
            Ty::Null => "null".into(),
            Ty::Prim(p) => p.clone(),
            Ty::Enum(e) | Ty::Structured(e) => qualified(e),
            Ty::Collection(i) => format!("Collection({})", qualified(i)),
        }
    }
}

struct Binder<'a> {
    schema: &'a Schema,
    root: &'a str,
    opts: Options,
    /// Lambda variables in scope: (name, element type name, is the element type structured).
    scopes: Vec<(String, String)>,
    properties: Vec<String>,
}

/// Parses and binds `$filter` text against `type_name`.
pub fn parse(
    text: &str,
    type_name: &str,
    schema: &Schema,
    opts: Options,
) -> Result<Bound, GraphError> {
    let (toks, text) = Lexer::new(text).tokens()?;
    let mut p = Parser {
        toks,
        i: 0,
        text,
        depth: 0,
        nodes: 0,
    };
    let syn = p.parse_top()?;
    let mut b = Binder {
        schema,
        root: type_name,
        opts,
        scopes: Vec::new(),
        properties: Vec::new(),
    };
    let expr = b.bind_bool(&syn)?;
    Ok(Bound {
        expr,
        properties: b.properties,
    })
}

fn lit_ty(l: &Literal) -> Ty {
    Ty::Prim(
        match l {
            Literal::Null => return Ty::Null,
            Literal::Bool(_) => "Edm.Boolean",
            Literal::Int(i) if i32::try_from(*i).is_ok() => "Edm.Int32",
            Literal::Int(_) => "Edm.Int64",
            Literal::Float(_) => "Edm.Decimal",
            Literal::Str(_) => "Edm.String",
            Literal::DateTime(_) => "Edm.DateTimeOffset",
            Literal::Date(_) => "Edm.Date",
            Literal::Guid(_) => "Edm.Guid",
        }
        .to_string(),
    )
}

#[derive(PartialEq)]
enum Family {
    Str,
    Bool,
    Num,
    Time,
    Guid,
    Other(String),
}

fn family(p: &str) -> Family {
    match p {
        "Edm.String" => Family::Str,
        "Edm.Boolean" => Family::Bool,
        "Edm.DateTimeOffset" | "Edm.Date" => Family::Time,
        "Edm.Guid" => Family::Guid,
        "Edm.Int16" | "Edm.Int32" | "Edm.Int64" | "Edm.Byte" | "Edm.SByte" | "Edm.Double"
        | "Edm.Single" | "Edm.Decimal" => Family::Num,
        other => Family::Other(other.to_string()),
    }
}

impl Binder<'_> {
    fn bind_bool(&mut self, s: &Syn) -> Result<Expr, GraphError> {
        let e = self.bind(s)?;
        match &e {
            Expr::Value(Operand::Prop(p)) if p.ty != ValueType::Boolean => Err(invalid(
                "The $filter expression must evaluate to a single boolean value.",
            )),
            Expr::Value(Operand::Lit(l)) if !matches!(l, Literal::Bool(_)) => Err(invalid(
                "The $filter expression must evaluate to a single boolean value.",
            )),
            _ => Ok(e),
        }
    }

    /// Binds a node that must be Boolean-valued.
    /// Binds a node that must be Boolean-valued. Each kind has its own function so the
    /// recursive frame stays small.
    fn bind(&mut self, s: &Syn) -> Result<Expr, GraphError> {
        match s {
            Syn::And(items) => self.bind_logic(items, true),
            Syn::Or(items) => self.bind_logic(items, false),
            Syn::Not(inner) => self.bind_not(inner),
            Syn::Cmp(op, l, r) => self.bind_cmp(*op, l, r),
            Syn::In(l, items) => self.bind_in(l, items),
            Syn::Call(name, args) => self.bind_call(name, args),
            Syn::Lambda {
                path,
                all,
                var,
                body,
            } => self.bind_lambda(path, *all, var.as_deref(), body.as_deref()),
            Syn::Lit(_) | Syn::Path(_) => Ok(Expr::Value(self.operand(s)?.0)),
        }
    }

    fn bind_logic(&mut self, items: &[Syn], and: bool) -> Result<Expr, GraphError> {
        let kind = if and { "And" } else { "Or" };
        let mut out = Vec::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            let e = self.bind(it)?;
            if let Some(t) = self.non_bool_type(&e) {
                let (a, b) = if i == 0 {
                    (t, "Edm.Boolean".to_string())
                } else {
                    ("Edm.Boolean".to_string(), t)
                };
                return Err(invalid(format!(
                    "A binary operator with incompatible types was detected. Found operand types '{a}' and '{b}' for operator kind '{kind}'."
                )));
            }
            out.push(e);
        }
        Ok(if and { Expr::And(out) } else { Expr::Or(out) })
    }

    fn bind_not(&mut self, inner: &Syn) -> Result<Expr, GraphError> {
        let e = self.bind(inner)?;
        if let Some(t) = self.non_bool_type(&e) {
            return Err(invalid(format!(
                "A unary operator with an incompatible type was detected. Found operand type '{t}' for operator kind 'Not'."
            )));
        }
        Ok(Expr::Not(Box::new(e)))
    }

    fn bind_cmp(&mut self, op: CmpOp, l: &Syn, r: &Syn) -> Result<Expr, GraphError> {
        // `contains(subject,'x') eq true`: a Boolean function compared with a literal.
        if let (Syn::Call(name, args), Syn::Lit(Literal::Bool(b)))
        | (Syn::Lit(Literal::Bool(b)), Syn::Call(name, args)) = (l, r)
        {
            if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                let f = self.bind_call(name, args)?;
                return Ok(if (op == CmpOp::Eq) == *b {
                    f
                } else {
                    Expr::Not(Box::new(f))
                });
            }
        }
        let (lo, lt) = self.operand(l)?;
        let (ro, rt) = self.operand(r)?;
        let (lo, ro) = self.check_compatible(op, lo, &lt, ro, &rt)?;
        Ok(Expr::Compare(op, lo, ro))
    }

    fn bind_in(&mut self, l: &Syn, items: &[Syn]) -> Result<Expr, GraphError> {
        let (lo, lt) = self.operand(l)?;
        let mut values = Vec::new();
        for it in items {
            let (o, t) = self.operand(it)?;
            let (_, o) = self.check_compatible(CmpOp::Eq, lo.clone(), &lt, o, &t)?;
            values.push(o);
        }
        Ok(Expr::In(lo, values))
    }

    fn bind_lambda(
        &mut self,
        path: &[String],
        all: bool,
        var: Option<&str>,
        body: Option<&Syn>,
    ) -> Result<Expr, GraphError> {
        let (source, elem) = self.lambda_source(path)?;
        let body = match (var, body) {
            (Some(v), Some(b)) => {
                self.scopes.push((v.to_string(), elem));
                let r = self.bind_bool(b);
                self.scopes.pop();
                Some(Box::new(r?))
            }
            _ => None,
        };
        Ok(Expr::Lambda {
            all,
            source,
            var: var.map(String::from),
            body,
        })
    }

    /// The type of a Boolean-position expression that is not Boolean.
    fn non_bool_type(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Value(Operand::Prop(p)) if p.ty != ValueType::Boolean => Some(match p.ty {
                ValueType::String => "Edm.String".into(),
                ValueType::Number => "Edm.Int32".into(),
                ValueType::DateTime => "Edm.DateTimeOffset".into(),
                _ => "Edm.Untyped".into(),
            }),
            Expr::Value(Operand::Lit(l)) if !matches!(l, Literal::Bool(_)) => {
                Some(lit_ty(l).display())
            }
            _ => None,
        }
    }

    fn record(&mut self, path: &str) {
        let lower = path.to_ascii_lowercase();
        if !self
            .properties
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&lower))
        {
            self.properties.push(path.to_string());
        }
    }

    /// Resolves a path, from a lambda variable when its first segment names one.
    fn resolve(&mut self, path: &[String]) -> Result<(PropRef, Ty, PropertyKind), GraphError> {
        let scope = path
            .first()
            .and_then(|first| self.scopes.iter().rev().find(|(v, _)| v == first).cloned());
        if let Some((var, elem)) = scope {
            let rest = &path[1..];
            if rest.is_empty() {
                let (ty, kind) = match self.schema.type_ref(&elem) {
                    TypeRef::Enum(_) => (Ty::Enum(elem.clone()), PropertyKind::Enum),
                    TypeRef::Structured(_) => (Ty::Structured(elem.clone()), PropertyKind::Complex),
                    _ => (Ty::Prim(elem.clone()), PropertyKind::Primitive),
                };
                let vt = value_type(&elem, kind);
                return Ok((
                    PropRef {
                        var: Some(var),
                        path: Vec::new(),
                        ty: vt,
                    },
                    ty,
                    kind,
                ));
            }
            if elem.starts_with("Edm.") {
                return Err(GraphError::unknown_property(&rest[0], &elem));
            }
            let info = self.schema.resolve_path(&elem, &rest.join("/"))?;
            let ty = info_ty(&info);
            let vt = value_type(&info.type_name, info.kind);
            return Ok((
                PropRef {
                    var: Some(var),
                    path: info.path.clone(),
                    ty: vt,
                },
                ty,
                info.kind,
            ));
        }
        let info = self.schema.resolve_path(self.root, &path.join("/"))?;
        self.record(&info.joined());
        let ty = info_ty(&info);
        let vt = value_type(&info.type_name, info.kind);
        Ok((
            PropRef {
                var: None,
                path: info.path.clone(),
                ty: vt,
            },
            ty,
            info.kind,
        ))
    }

    fn lambda_source(&mut self, path: &[String]) -> Result<(PropRef, String), GraphError> {
        let (pr, ty, _) = self.resolve(path)?;
        let Ty::Collection(elem) = ty else {
            return Err(invalid("Any/All may only be used following a collection."));
        };
        if self.opts.messages && pr.var.is_none() {
            let last = pr.path.last().map(String::as_str).unwrap_or("");
            if ["toRecipients", "ccRecipients", "bccRecipients"].contains(&last) {
                return Err(invalid_nodes());
            }
        }
        Ok((pr, elem))
    }

    fn operand(&mut self, s: &Syn) -> Result<(Operand, Ty), GraphError> {
        match s {
            Syn::Lit(l) => Ok((Operand::Lit(l.clone()), lit_ty(l))),
            Syn::Path(p) => {
                let (pr, ty, _) = self.resolve(p)?;
                Ok((Operand::Prop(pr), ty))
            }
            Syn::Call(name, args) => {
                let lower = name.to_ascii_lowercase();
                if ["contains", "startswith", "endswith"].contains(&lower.as_str()) {
                    // A Boolean function where a comparable value is needed (`contains(a,b) gt 1`).
                    self.bind_call(name, args)?;
                    // Sandbox wording: only `eq`/`ne` against true/false is bound for these.
                    Err(invalid(format!(
                        "The Boolean function '{name}' can only be compared with true or false."
                    )))
                } else {
                    Err(self.unknown_function(name))
                }
            }
            _ => Err(invalid(
                "The operand for a binary operator is not a single value. Binary operators require both operands to be single values.",
            )),
        }
    }

    fn unknown_function(&self, name: &str) -> GraphError {
        const ODL_BUILTINS: &[&str] = &[
            "tolower",
            "toupper",
            "trim",
            "length",
            "indexof",
            "substring",
            "concat",
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "fractionalseconds",
            "date",
            "time",
            "now",
            "round",
            "floor",
            "ceiling",
            "cast",
            "isof",
            "matchespattern",
            "totaloffsetminutes",
            "maxdatetime",
            "mindatetime",
        ];
        if self.opts.messages && ODL_BUILTINS.contains(&name.to_ascii_lowercase().as_str()) {
            return invalid_nodes();
        }
        invalid(format!(
            "An unknown function with name '{name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed."
        ))
    }

    fn bind_call(&mut self, name: &str, args: &[Syn]) -> Result<Expr, GraphError> {
        let f = match name.to_ascii_lowercase().as_str() {
            "contains" => StrFunc::Contains,
            "startswith" => StrFunc::StartsWith,
            "endswith" => StrFunc::EndsWith,
            _ => return Err(self.unknown_function(name)),
        };
        let lname = name.to_ascii_lowercase();
        let sig = || {
            invalid(format!(
                "No function signature for the function with name '{lname}' matches the specified arguments. The function signatures considered are: {lname}(Edm.String Nullable=true, Edm.String Nullable=true)."
            ))
        };
        if args.len() != 2 {
            return Err(sig());
        }
        let (a, at) = self.operand(&args[0])?;
        let (b, bt) = self.operand(&args[1])?;
        let stringy =
            |t: &Ty| matches!(t, Ty::Null) || matches!(t, Ty::Prim(p) if p == "Edm.String");
        if !stringy(&at) || !stringy(&bt) {
            return Err(sig());
        }
        if self.opts.messages && f == StrFunc::EndsWith {
            return Err(invalid_nodes());
        }
        Ok(Expr::Func(f, a, b))
    }

    /// ODL's operand type rules for comparisons; string literals against enum properties must
    /// name a member (case-insensitively).
    fn check_compatible(
        &self,
        op: CmpOp,
        lo: Operand,
        lt: &Ty,
        ro: Operand,
        rt: &Ty,
    ) -> Result<(Operand, Operand), GraphError> {
        let incompatible = || {
            invalid(format!(
                "A binary operator with incompatible types was detected. Found operand types '{}' and '{}' for operator kind '{}'.",
                lt.display(),
                rt.display(),
                op.odl_name()
            ))
        };
        if matches!(lt, Ty::Collection(_)) || matches!(rt, Ty::Collection(_)) {
            return Err(invalid(format!(
                "The operand for a binary operator '{}' is not a single value. Binary operators require both operands to be single values.",
                op.odl_name()
            )));
        }
        let enum_member = |e: &str, o: &Operand| -> Result<(), GraphError> {
            if let Operand::Lit(Literal::Str(s)) = o {
                let Some(et) = self.schema.enum_type(e) else {
                    return Ok(());
                };
                let ok = |m: &str| et.members.iter().any(|x| x.eq_ignore_ascii_case(m.trim()));
                let valid = if et.flags {
                    s.split(',').all(ok)
                } else {
                    ok(s)
                };
                if !valid {
                    return Err(invalid(format!(
                        "The string '{s}' is not a valid enumeration type constant."
                    )));
                }
                Ok(())
            } else {
                Err(incompatible())
            }
        };
        match (lt, rt) {
            (Ty::Null, Ty::Null) => Ok((lo, ro)),
            (Ty::Null, Ty::Structured(_)) | (Ty::Structured(_), Ty::Null) => Ok((lo, ro)),
            (Ty::Structured(_), _) | (_, Ty::Structured(_)) => Err(incompatible()),
            (Ty::Null, _) | (_, Ty::Null) => Ok((lo, ro)),
            (Ty::Enum(a), Ty::Enum(b)) if a == b => Ok((lo, ro)),
            (Ty::Enum(e), Ty::Prim(p)) if p == "Edm.String" => {
                enum_member(e, &ro).map(|_| (lo, ro))
            }
            (Ty::Prim(p), Ty::Enum(e)) if p == "Edm.String" => {
                enum_member(e, &lo).map(|_| (lo, ro))
            }
            (Ty::Prim(a), Ty::Prim(b)) => {
                let (fa, fb) = (family(a), family(b));
                if fa == fb && !matches!(fa, Family::Other(_)) {
                    Ok((lo, ro))
                } else {
                    Err(incompatible())
                }
            }
            _ => Err(incompatible()),
        }
    }
}

fn info_ty(info: &crate::schema::PropertyInfo) -> Ty {
    if info.collection {
        return Ty::Collection(info.type_name.clone());
    }
    match info.kind {
        PropertyKind::Primitive => Ty::Prim(info.type_name.clone()),
        PropertyKind::Enum => Ty::Enum(info.type_name.clone()),
        PropertyKind::Complex | PropertyKind::Navigation => Ty::Structured(info.type_name.clone()),
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// A value reduced for comparison: strings lower-cased (Exchange compares case-insensitively),
/// date-times as instants.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Time(DateTime<Utc>),
}

impl Scalar {
    /// Ordering within one kind; `None` across kinds.
    pub(crate) fn partial(&self, other: &Scalar) -> Option<Ordering> {
        match (self, other) {
            (Scalar::Null, Scalar::Null) => Some(Ordering::Equal),
            (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
            (Scalar::Num(a), Scalar::Num(b)) => a.partial_cmp(b),
            (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
            (Scalar::Time(a), Scalar::Time(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Parses a JSON date-time (`2026-01-01T10:00:00Z`, fractional seconds, offsets; also a bare
/// `YYYY-MM-DD` as midnight UTC).
pub(crate) fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(n) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(Utc.from_utc_datetime(&n));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| Utc.from_utc_datetime(&n))
}

pub(crate) fn json_scalar(v: Option<&Value>, ty: ValueType) -> Scalar {
    match v {
        None | Some(Value::Null) => Scalar::Null,
        Some(Value::Bool(b)) => Scalar::Bool(*b),
        Some(Value::Number(n)) => n.as_f64().map(Scalar::Num).unwrap_or(Scalar::Null),
        Some(Value::String(s)) => {
            if ty == ValueType::DateTime {
                if let Some(t) = parse_instant(s) {
                    return Scalar::Time(t);
                }
            }
            Scalar::Str(s.to_lowercase())
        }
        Some(_) => Scalar::Null,
    }
}

fn lit_scalar(l: &Literal) -> Scalar {
    match l {
        Literal::Null => Scalar::Null,
        Literal::Bool(b) => Scalar::Bool(*b),
        Literal::Int(i) => Scalar::Num(*i as f64),
        Literal::Float(f) => Scalar::Num(*f),
        Literal::Str(s) | Literal::Guid(s) => Scalar::Str(s.to_lowercase()),
        Literal::DateTime(d) => Scalar::Time(d.with_timezone(&Utc)),
        Literal::Date(d) => d
            .and_hms_opt(0, 0, 0)
            .map(|n| Scalar::Time(Utc.from_utc_datetime(&n)))
            .unwrap_or(Scalar::Null),
    }
}

/// Walks `path` (schema spelling; JSON keys matched exactly, then case-insensitively).
pub(crate) fn get_path<'v>(item: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut cur = item;
    for seg in path {
        if seg.contains('.') && seg.starts_with("microsoft.graph.") {
            // Type cast segment: the item either is of that type or has no such properties.
            continue;
        }
        let obj = cur.as_object()?;
        cur = obj.get(seg).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(seg))
                .map(|(_, v)| v)
        })?;
    }
    Some(cur)
}

struct Env<'v> {
    item: &'v Value,
    scopes: Vec<(&'v str, &'v Value)>,
}

impl<'v> Env<'v> {
    fn prop(&self, p: &'v PropRef) -> Option<&'v Value> {
        let base = match &p.var {
            None => self.item,
            Some(v) => self
                .scopes
                .iter()
                .rev()
                .find(|(n, _)| n == v)
                .map(|(_, val)| *val)?,
        };
        get_path(base, &p.path)
    }

    fn scalar(&self, o: &'v Operand) -> Scalar {
        match o {
            Operand::Lit(l) => lit_scalar(l),
            Operand::Prop(p) => json_scalar(self.prop(p), p.ty),
        }
    }

    fn eval(&mut self, e: &'v Expr) -> bool {
        match e {
            Expr::And(items) => items.iter().all(|x| self.eval(x)),
            Expr::Or(items) => items.iter().any(|x| self.eval(x)),
            Expr::Not(x) => !self.eval(x),
            Expr::Compare(op, l, r) => compare(*op, &self.scalar(l), &self.scalar(r)),
            Expr::In(l, vs) => self.eval_in(l, vs),
            Expr::Func(f, a, b) => self.eval_func(*f, a, b),
            Expr::Lambda {
                all,
                source,
                var,
                body,
            } => self.eval_lambda(*all, source, var.as_deref(), body.as_deref()),
            Expr::Value(o) => self.scalar(o) == Scalar::Bool(true),
        }
    }

    fn eval_in(&self, l: &'v Operand, vs: &'v [Operand]) -> bool {
        let a = self.scalar(l);
        vs.iter().any(|v| compare(CmpOp::Eq, &a, &self.scalar(v)))
    }

    fn eval_func(&self, f: StrFunc, a: &'v Operand, b: &'v Operand) -> bool {
        match (self.scalar(a), self.scalar(b)) {
            (Scalar::Str(a), Scalar::Str(b)) => match f {
                StrFunc::Contains => a.contains(&b),
                StrFunc::StartsWith => a.starts_with(&b),
                StrFunc::EndsWith => a.ends_with(&b),
            },
            _ => false,
        }
    }

    fn eval_lambda(
        &mut self,
        all: bool,
        source: &'v PropRef,
        var: Option<&'v str>,
        body: Option<&'v Expr>,
    ) -> bool {
        let items: Vec<&'v Value> = match self.prop(source) {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => Vec::new(),
        };
        let (Some(var), Some(body)) = (var, body) else {
            return all || !items.is_empty();
        };
        for it in items {
            self.scopes.push((var, it));
            let r = self.eval(body);
            self.scopes.pop();
            if r != all {
                return r;
            }
        }
        all
    }
}

fn compare(op: CmpOp, a: &Scalar, b: &Scalar) -> bool {
    let eq = match (a, b) {
        (Scalar::Null, Scalar::Null) => true,
        (Scalar::Null, _) | (_, Scalar::Null) => false,
        _ => a.partial(b) == Some(Ordering::Equal),
    };
    match op {
        CmpOp::Eq => eq,
        CmpOp::Ne => !eq,
        _ => {
            if matches!(a, Scalar::Null) || matches!(b, Scalar::Null) {
                return false;
            }
            match (op, a.partial(b)) {
                (_, None) => false,
                (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
                (CmpOp::Ge, Some(o)) => o != Ordering::Less,
                (CmpOp::Lt, Some(o)) => o == Ordering::Less,
                (CmpOp::Le, Some(o)) => o != Ordering::Greater,
                _ => false,
            }
        }
    }
}

/// Whether `item` satisfies `expr`.
pub fn matches(expr: &Expr, item: &Value) -> bool {
    let mut env = Env {
        item,
        scopes: Vec::new(),
    };
    env.eval(expr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lexes_literals() {
        assert_eq!(parse_literal("42"), Some(Literal::Int(42)));
        assert_eq!(parse_literal("-3"), Some(Literal::Int(-3)));
        assert_eq!(parse_literal("1.5"), Some(Literal::Float(1.5)));
        assert!(matches!(
            parse_literal("2026-01-01T00:00:00Z"),
            Some(Literal::DateTime(_))
        ));
        assert!(matches!(
            parse_literal("2026-01-01T00:00:00.123+02:00"),
            Some(Literal::DateTime(_))
        ));
        assert!(matches!(
            parse_literal("2026-01-01"),
            Some(Literal::Date(_))
        ));
        assert_eq!(parse_literal("2026-13-01"), None);
        assert_eq!(
            parse_literal("99999999999999999999999"),
            Some(Literal::Float(1e23))
        );
        assert_eq!(parse_literal("1e999"), None);
        assert_eq!(parse_literal("12abc"), None);
    }

    #[test]
    fn scalars_compare_instants_across_offsets() {
        let a = json_scalar(
            Some(&json!("2026-01-01T10:00:00+02:00")),
            ValueType::DateTime,
        );
        let b = lit_scalar(&parse_literal("2026-01-01T08:00:00Z").unwrap());
        assert!(compare(CmpOp::Eq, &a, &b));
        assert!(!compare(CmpOp::Gt, &a, &Scalar::Null));
        assert!(compare(CmpOp::Ne, &a, &Scalar::Null));
    }
}
