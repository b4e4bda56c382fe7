//! `$search`: the OData search syntax Graph parses first (words, "phrases", AND/OR/NOT,
//! parentheses), then what the collection does with it — KQL over messages, fuzzy name matching
//! over people, or a plain substring match.
//!
//! Sources: microsoft-graph-docs-contrib `concepts/search-query-parameter.md` (default fields
//! from/subject/body, the KQL property list, up to 1,000 message results sorted by sent date,
//! up to 250 people) and `api-reference/v1.0/api/user-list-people.md` (fuzzy matching on name and
//! alias).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::error::GraphError;
use crate::odata::filter::{get_path, parse_instant};

/// Nesting bound (see `filter::MAX_DEPTH`); AND/OR chains are flat vectors.
const MAX_DEPTH: usize = 32;
/// Bound on operators.
const MAX_NODES: usize = 1000;

/// The OData-level tree of a `$search` value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// A double-quoted phrase, unescaped.
    Phrase(String),
    /// A bare word.
    Word(String),
}

fn bad(msg: String) -> GraphError {
    GraphError::bad_request(msg)
}

// ---------------------------------------------------------------------------------------------
// OData search syntax (ODL SearchLexer/SearchParser)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum STok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Phrase(String),
    Word(String),
    End,
}

/// ODL's search lexer: bare words may only contain letters (ODL `SearchLexer.InvalidWordPattern`
/// is `[^\p{L}\p{Nl}]`), so an unquoted `from:x` fails with "Syntax error: character ':' is not
/// valid at position 4 in 'from:x'." — the answer quoted in jasonjoh/node-outlook#12 (2016,
/// "You have to wrap your search phrase in double-quotes") and, for `(`, in
/// microsoft-graph-docs-contrib#8368 (`BadRequest`). A single unquoted word (`$search=pizza`,
/// the form used in `concepts/query-parameters.md`) is therefore accepted.
fn lex(text: &str) -> Result<Vec<(STok, usize)>, GraphError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '(' => {
                out.push((STok::LParen, start));
                i += 1;
            }
            ')' => {
                out.push((STok::RParen, start));
                i += 1;
            }
            '"' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(bad(format!(
                            "There is an unterminated string literal at position {} in '{text}'.",
                            chars.len()
                        )))
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(&e @ ('"' | '\\')) => {
                                s.push(e);
                                i += 2;
                            }
                            other => {
                                let shown = other.map(|c| c.to_string()).unwrap_or_default();
                                return Err(bad(format!(
                                    "An unrecognized escape sequence '\\{shown}' was found at position {} in '{text}'.",
                                    i + 1
                                )));
                            }
                        },
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push((STok::Phrase(s), start));
            }
            _ => {
                let mut s = String::new();
                while let Some(&ch) = chars.get(i) {
                    if ch.is_whitespace() || ch == ')' {
                        break;
                    }
                    s.push(ch);
                    i += 1;
                }
                let tok = match s.as_str() {
                    "AND" => STok::And,
                    "OR" => STok::Or,
                    "NOT" => STok::Not,
                    _ => {
                        if let Some((off, bad_ch)) =
                            s.chars().enumerate().find(|(_, ch)| !ch.is_alphabetic())
                        {
                            return Err(bad(format!(
                                "Syntax error: character '{bad_ch}' is not valid at position {} in '{text}'.",
                                start + off
                            )));
                        }
                        STok::Word(s)
                    }
                };
                out.push((tok, start));
            }
        }
    }
    out.push((STok::End, chars.len()));
    Ok(out)
}

struct SParser<'t> {
    toks: Vec<(STok, usize)>,
    i: usize,
    text: &'t str,
    depth: usize,
    nodes: usize,
}

impl SParser<'_> {
    fn peek(&self) -> &STok {
        self.toks.get(self.i).map(|t| &t.0).unwrap_or(&STok::End)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.i).map(|t| t.1).unwrap_or(0)
    }
    fn err(&self, what: &str) -> GraphError {
        bad(format!(
            "{what} at position {} in '{}'.",
            self.pos(),
            self.text
        ))
    }
    fn node(&mut self) -> Result<(), GraphError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(bad("Recursion depth exceeded allowed limit.".into()));
        }
        Ok(())
    }
    fn or(&mut self) -> Result<Node, GraphError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(bad("Recursion depth exceeded allowed limit.".into()));
        }
        let mut items = vec![self.and()?];
        while *self.peek() == STok::Or {
            self.i += 1;
            self.node()?;
            items.push(self.and()?);
        }
        self.depth -= 1;
        Ok(flat(items, Node::Or))
    }
    fn and(&mut self) -> Result<Node, GraphError> {
        let mut items = vec![self.not()?];
        loop {
            match self.peek() {
                STok::And => {
                    self.i += 1;
                }
                STok::Phrase(_) | STok::Word(_) | STok::Not | STok::LParen => {}
                _ => break,
            }
            self.node()?;
            items.push(self.not()?);
        }
        Ok(flat(items, Node::And))
    }
    fn not(&mut self) -> Result<Node, GraphError> {
        if *self.peek() == STok::Not {
            self.i += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(bad("Recursion depth exceeded allowed limit.".into()));
            }
            let e = self.not()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(e)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Node, GraphError> {
        match self.peek().clone() {
            STok::LParen => {
                self.i += 1;
                let e = self.or()?;
                if *self.peek() != STok::RParen {
                    return Err(self.err("')' or operator expected"));
                }
                self.i += 1;
                Ok(e)
            }
            STok::Phrase(p) => {
                self.i += 1;
                Ok(Node::Phrase(p))
            }
            STok::Word(w) => {
                self.i += 1;
                Ok(Node::Word(w))
            }
            _ => Err(self.err("Expression expected")),
        }
    }
}

/// Parses a decoded `$search` value with the OData search grammar.
pub fn parse_odata(text: &str) -> Result<Node, GraphError> {
    let toks = lex(text)?;
    let mut p = SParser {
        toks,
        i: 0,
        text,
        depth: 0,
        nodes: 0,
    };
    let n = p.or()?;
    if *p.peek() != STok::End {
        return Err(bad(format!(
            "Syntax error at position {} in '{text}'.",
            p.pos()
        )));
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// KQL over messages
// ---------------------------------------------------------------------------------------------

/// A KQL property that Exchange recognises on messages (`search-query-parameter.md` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Attachment,
    Bcc,
    Body,
    Cc,
    From,
    HasAttachment,
    Importance,
    Kind,
    Participants,
    Received,
    Recipients,
    Sent,
    Size,
    Subject,
    To,
}

impl Field {
    fn parse(name: &str) -> Option<Field> {
        Some(match name.to_ascii_lowercase().as_str() {
            "attachment" | "attachmentnames" => Field::Attachment,
            "bcc" => Field::Bcc,
            "body" => Field::Body,
            "cc" => Field::Cc,
            "from" => Field::From,
            "hasattachment" | "hasattachments" => Field::HasAttachment,
            "importance" => Field::Importance,
            "kind" => Field::Kind,
            "participants" => Field::Participants,
            "received" => Field::Received,
            "recipients" => Field::Recipients,
            "sent" => Field::Sent,
            "size" => Field::Size,
            "subject" => Field::Subject,
            "to" => Field::To,
            _ => return None,
        })
    }
}

/// KQL comparison in a property restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KOp {
    /// `:` or `=`
    Match,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A KQL query over a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Kql {
    And(Vec<Kql>),
    Or(Vec<Kql>),
    Not(Box<Kql>),
    /// Free text over the default fields (from, subject, body).
    Text(String),
    /// `field op value`; `upper` is set for a `a..b` range.
    Restrict {
        field: Field,
        op: KOp,
        value: String,
        upper: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum KTok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    /// `prop` immediately followed by an operator.
    Prop(String, KOp),
    Text(String),
    End,
}

fn klex(s: &str) -> Vec<KTok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let read_value = |i: &mut usize| -> String {
        let mut v = String::new();
        if chars.get(*i) == Some(&'"') {
            *i += 1;
            while let Some(&c) = chars.get(*i) {
                *i += 1;
                if c == '"' {
                    break;
                }
                v.push(c);
            }
            return v;
        }
        while let Some(&c) = chars.get(*i) {
            if c.is_whitespace() || c == ')' || c == '(' {
                break;
            }
            v.push(c);
            *i += 1;
        }
        v
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '(' {
            out.push(KTok::LParen);
            i += 1;
            continue;
        }
        if c == ')' {
            out.push(KTok::RParen);
            i += 1;
            continue;
        }
        if c == '"' {
            out.push(KTok::Text(read_value(&mut i)));
            continue;
        }
        // A property name is letters followed directly by an operator.
        let mut j = i;
        while chars.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
            j += 1;
        }
        if j > i {
            let name: String = chars[i..j].iter().collect();
            let rest: String = chars[j..chars.len().min(j + 2)].iter().collect();
            let op = if rest.starts_with(">=") {
                Some((KOp::Ge, 2))
            } else if rest.starts_with("<=") {
                Some((KOp::Le, 2))
            } else if rest.starts_with("<>") {
                Some((KOp::Ne, 2))
            } else if rest.starts_with(':') || rest.starts_with('=') {
                Some((KOp::Match, 1))
            } else if rest.starts_with('>') {
                Some((KOp::Gt, 1))
            } else if rest.starts_with('<') {
                Some((KOp::Lt, 1))
            } else {
                None
            };
            if let Some((op, len)) = op {
                out.push(KTok::Prop(name, op));
                i = j + len;
                continue;
            }
        }
        let w = read_value(&mut i);
        if w.is_empty() {
            i += 1;
            continue;
        }
        out.push(match w.as_str() {
            "AND" => KTok::And,
            "OR" => KTok::Or,
            "NOT" => KTok::Not,
            _ => KTok::Text(w),
        });
    }
    out.push(KTok::End);
    out
}

struct KParser {
    toks: Vec<KTok>,
    i: usize,
    depth: usize,
    nodes: usize,
}

/// KQL is lenient: stray operators and unbalanced parentheses are tolerated, as Outlook does.
impl KParser {
    fn peek(&self) -> &KTok {
        self.toks.get(self.i).unwrap_or(&KTok::End)
    }
    fn or(&mut self, field: Option<Field>) -> Option<Kql> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let mut items: Vec<Kql> = self.and(field).into_iter().collect();
        while *self.peek() == KTok::Or && self.nodes <= MAX_NODES {
            self.i += 1;
            self.nodes += 1;
            items.extend(self.and(field));
        }
        self.depth -= 1;
        kflat(items, Kql::Or)
    }
    fn and(&mut self, field: Option<Field>) -> Option<Kql> {
        let mut items: Vec<Kql> = self.not(field).into_iter().collect();
        while self.nodes <= MAX_NODES {
            match self.peek() {
                KTok::And => self.i += 1,
                KTok::Text(_) | KTok::Prop(..) | KTok::Not | KTok::LParen => {}
                _ => break,
            }
            self.nodes += 1;
            items.extend(self.not(field));
        }
        kflat(items, Kql::And)
    }
    fn not(&mut self, field: Option<Field>) -> Option<Kql> {
        if *self.peek() == KTok::Not {
            self.i += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return None;
            }
            let e = self.not(field);
            self.depth -= 1;
            return e.map(|e| Kql::Not(Box::new(e)));
        }
        self.primary(field)
    }
    fn primary(&mut self, field: Option<Field>) -> Option<Kql> {
        let t = self.peek().clone();
        self.i += 1;
        match t {
            KTok::LParen => {
                let e = self.or(field);
                if *self.peek() == KTok::RParen {
                    self.i += 1;
                }
                e
            }
            KTok::Text(w) => Some(leaf(field, KOp::Match, &w)),
            KTok::Prop(name, op) => match Field::parse(&name) {
                Some(f) => {
                    if *self.peek() == KTok::LParen && op == KOp::Match {
                        self.i += 1;
                        let e = self.or(Some(f));
                        if *self.peek() == KTok::RParen {
                            self.i += 1;
                        }
                        return e;
                    }
                    match self.peek().clone() {
                        KTok::Text(v) => {
                            self.i += 1;
                            Some(leaf(Some(f), op, &v))
                        }
                        _ => None,
                    }
                }
                // Not a property KQL knows on mail: the whole `name:value` is free text.
                None => {
                    let sym = match op {
                        KOp::Match => ":",
                        KOp::Ne => "<>",
                        KOp::Gt => ">",
                        KOp::Ge => ">=",
                        KOp::Lt => "<",
                        KOp::Le => "<=",
                    };
                    let v = match self.peek().clone() {
                        KTok::Text(v) => {
                            self.i += 1;
                            v
                        }
                        _ => String::new(),
                    };
                    Some(leaf(field, KOp::Match, &format!("{name}{sym}{v}")))
                }
            },
            KTok::End => {
                self.i -= 1;
                None
            }
            KTok::RParen | KTok::And | KTok::Or | KTok::Not => None,
        }
    }
}

fn leaf(field: Option<Field>, op: KOp, value: &str) -> Kql {
    let value = value.trim_end_matches('*').to_string();
    match field {
        None => Kql::Text(value),
        Some(f) => {
            let (v, upper) = match value.split_once("..") {
                Some((a, b)) if op == KOp::Match => (a.to_string(), Some(b.to_string())),
                _ => (value, None),
            };
            Kql::Restrict {
                field: f,
                op,
                value: v,
                upper,
            }
        }
    }
}

/// Parses KQL text (the inside of a quoted `$search` phrase). `None` for an empty query.
pub fn parse_kql(text: &str) -> Option<Kql> {
    let mut p = KParser {
        toks: klex(text),
        i: 0,
        depth: 0,
        nodes: 0,
    };
    let mut items: Vec<Kql> = p.or(None).into_iter().collect();
    // Whatever follows a stray `)` is ANDed on.
    while *p.peek() != KTok::End && p.i < p.toks.len() && p.nodes <= MAX_NODES {
        p.i += 1;
        p.nodes += 1;
        items.extend(p.or(None));
    }
    kflat(items, Kql::And)
}

fn flat(mut items: Vec<Node>, f: fn(Vec<Node>) -> Node) -> Node {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    f(items)
}

fn kflat(mut items: Vec<Kql>, f: fn(Vec<Kql>) -> Kql) -> Option<Kql> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(f(items)),
    }
}

/// Turns the OData-level tree into KQL: phrases are KQL text, bare words free text.
pub fn to_kql(n: &Node) -> Option<Kql> {
    match n {
        Node::And(items) => kflat(items.iter().filter_map(to_kql).collect(), Kql::And),
        Node::Or(items) => kflat(items.iter().filter_map(to_kql).collect(), Kql::Or),
        Node::Not(a) => to_kql(a).map(|a| Kql::Not(Box::new(a))),
        Node::Phrase(p) => parse_kql(p),
        Node::Word(w) => Some(Kql::Text(w.clone())),
    }
}

fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn s(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or("").to_string()
}

fn path(item: &Value, p: &[&str]) -> Option<Value> {
    let owned: Vec<String> = p.iter().map(|s| s.to_string()).collect();
    get_path(item, &owned).cloned()
}

fn people_text(v: Option<&Value>) -> Vec<String> {
    let one = |r: &Value| {
        let e = r.get("emailAddress").unwrap_or(r);
        format!("{} {}", s(e.get("name")), s(e.get("address")))
    };
    match v {
        Some(Value::Array(a)) => a.iter().map(one).collect(),
        Some(o @ Value::Object(_)) => vec![one(o)],
        _ => Vec::new(),
    }
}

fn field_texts(item: &Value, f: Field) -> Vec<String> {
    let body = || {
        let b = path(item, &["body", "content"]).and_then(|v| v.as_str().map(strip_html));
        vec![b.unwrap_or_else(|| s(item.get("bodyPreview")))]
    };
    match f {
        Field::Subject => vec![s(item.get("subject"))],
        Field::Body => body(),
        Field::From => people_text(item.get("from")),
        Field::To => people_text(item.get("toRecipients")),
        Field::Cc => people_text(item.get("ccRecipients")),
        Field::Bcc => people_text(item.get("bccRecipients")),
        Field::Recipients => ["toRecipients", "ccRecipients", "bccRecipients"]
            .iter()
            .flat_map(|k| people_text(item.get(*k)))
            .collect(),
        Field::Participants => ["from", "toRecipients", "ccRecipients", "bccRecipients"]
            .iter()
            .flat_map(|k| people_text(item.get(*k)))
            .collect(),
        Field::Attachment => {
            let mut names: Vec<String> = item
                .get("attachments")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|x| s(x.get("name"))).collect())
                .unwrap_or_default();
            if let Some(Value::Array(a)) = item.get("_attachmentNames") {
                names.extend(a.iter().filter_map(Value::as_str).map(String::from));
            }
            names
        }
        _ => Vec::new(),
    }
}

/// `2018-07-23`, `07/23/2018` (the docs' form), `7/23/2018`, or a full date-time.
fn parse_day(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%m/%d/%Y"))
        .ok()
        .or_else(|| parse_instant(v).map(|t| t.date_naive()))
}

fn instant(item: &Value, key: &str) -> Option<DateTime<Utc>> {
    item.get(key)
        .and_then(Value::as_str)
        .and_then(parse_instant)
}

fn cmp_op<T: PartialOrd>(op: KOp, a: T, b: T) -> bool {
    match op {
        KOp::Match => a == b,
        KOp::Ne => a != b,
        KOp::Gt => a > b,
        KOp::Ge => a >= b,
        KOp::Lt => a < b,
        KOp::Le => a <= b,
    }
}

fn restrict(item: &Value, field: Field, op: KOp, value: &str, upper: Option<&str>) -> bool {
    let v = value.to_lowercase();
    match field {
        Field::Received | Field::Sent => {
            let key = if field == Field::Received {
                "receivedDateTime"
            } else {
                "sentDateTime"
            };
            let Some(day) = instant(item, key).map(|t| t.date_naive()) else {
                return false;
            };
            let Some(d) = parse_day(value) else {
                return false;
            };
            match upper.and_then(parse_day) {
                Some(hi) => day >= d && day <= hi,
                None => cmp_op(op, day, d),
            }
        }
        Field::Size => {
            let size = item
                .get("_size")
                .and_then(Value::as_f64)
                .unwrap_or_else(|| {
                    (s(path(item, &["body", "content"]).as_ref()).len()
                        + s(item.get("subject")).len()) as f64
                });
            let Ok(n) = value.trim().parse::<f64>() else {
                return false;
            };
            match upper.and_then(|u| u.trim().parse::<f64>().ok()) {
                Some(hi) => size >= n && size <= hi,
                None => cmp_op(op, size, n),
            }
        }
        Field::HasAttachment => {
            let has = item
                .get("hasAttachments")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let want = matches!(v.as_str(), "true" | "yes" | "1");
            if op == KOp::Ne {
                has != want
            } else {
                has == want
            }
        }
        Field::Importance => {
            let imp = s(item.get("importance")).to_lowercase();
            let want = if v == "medium" {
                "normal".to_string()
            } else {
                v
            };
            (imp == want) != (op == KOp::Ne)
        }
        Field::Kind => {
            let t = s(item.get("@odata.type")).to_lowercase();
            let meeting = t.contains("eventmessage");
            let r = match v.as_str() {
                "email" => !meeting,
                "meetings" => meeting,
                _ => false,
            };
            r != (op == KOp::Ne)
        }
        _ => {
            let hit = field_texts(item, field)
                .iter()
                .any(|t| t.to_lowercase().contains(&v));
            hit != (op == KOp::Ne)
        }
    }
}

/// Whether a message matches a KQL query. Text matches are case-insensitive substrings.
pub fn kql_matches(q: &Kql, item: &Value) -> bool {
    match q {
        Kql::And(items) => items.iter().all(|k| kql_matches(k, item)),
        Kql::Or(items) => items.iter().any(|k| kql_matches(k, item)),
        Kql::Not(a) => !kql_matches(a, item),
        Kql::Text(t) => {
            let t = t.to_lowercase();
            [Field::From, Field::Subject, Field::Body].iter().any(|f| {
                field_texts(item, *f)
                    .iter()
                    .any(|x| x.to_lowercase().contains(&t))
            })
        }
        Kql::Restrict {
            field,
            op,
            value,
            upper,
        } => restrict(item, *field, *op, value, upper.as_deref()),
    }
}

// ---------------------------------------------------------------------------------------------
// People and plain substring search
// ---------------------------------------------------------------------------------------------

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn person_tokens(item: &Value) -> Vec<String> {
    let mut texts = vec![
        s(item.get("displayName")),
        s(item.get("givenName")),
        s(item.get("surname")),
        s(item.get("userPrincipalName")),
        s(item.get("mail")),
    ];
    for key in ["scoredEmailAddresses", "emailAddresses"] {
        if let Some(Value::Array(a)) = item.get(key) {
            texts.extend(a.iter().map(|e| s(e.get("address"))));
        }
    }
    let mut out = Vec::new();
    for t in texts {
        let t = t.to_lowercase();
        if t.is_empty() {
            continue;
        }
        out.extend(
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(String::from),
        );
        out.push(t);
    }
    out
}

/// Fuzzy name match: every word of the term must prefix a token of the person's names or
/// addresses, or be within a small edit distance of one ("Irene McGowen" finds "Irene McGowan",
/// the example in `search-query-parameter.md`).
fn person_matches(term: &str, item: &Value) -> bool {
    let toks = person_tokens(item);
    let term = term.to_lowercase();
    let term = term
        .strip_prefix("topic:")
        .map(|_| "\u{0}")
        .unwrap_or(&term);
    term.split_whitespace().all(|w| {
        toks.iter().any(|t| {
            t.starts_with(w)
                || (w.chars().count() >= 4
                    && edit_distance(w, t) <= if w.chars().count() >= 8 { 2 } else { 1 })
        })
    })
}

fn substring_matches(term: &str, item: &Value, fields: &[&str]) -> bool {
    let term = term.to_lowercase();
    fields.iter().any(|f| {
        let segs: Vec<&str> = f.split('/').collect();
        texts_at(item, &segs)
            .iter()
            .any(|t| t.to_lowercase().contains(&term))
    })
}

fn texts_at(v: &Value, segs: &[&str]) -> Vec<String> {
    match (v, segs.split_first()) {
        (Value::Array(a), _) => a.iter().flat_map(|x| texts_at(x, segs)).collect(),
        (Value::String(s), None) => vec![s.clone()],
        (Value::Object(o), Some((first, rest))) => {
            o.get(*first).map(|x| texts_at(x, rest)).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// Evaluates an OData-level search tree with a leaf predicate.
pub fn node_matches(n: &Node, leaf: &dyn Fn(&str) -> bool) -> bool {
    match n {
        Node::And(items) => items.iter().all(|n| node_matches(n, leaf)),
        Node::Or(items) => items.iter().any(|n| node_matches(n, leaf)),
        Node::Not(a) => !node_matches(a, leaf),
        Node::Phrase(p) | Node::Word(p) => leaf(p),
    }
}

pub fn people_matches(n: &Node, item: &Value) -> bool {
    node_matches(n, &|t| person_matches(t, item))
}

pub fn substring_node_matches(n: &Node, item: &Value, fields: &[&str]) -> bool {
    node_matches(n, &|t| substring_matches(t, item, fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odata_grammar() {
        assert_eq!(parse_odata("pizza").unwrap(), Node::Word("pizza".into()));
        assert_eq!(
            parse_odata("\"a \\\" b\"").unwrap(),
            Node::Phrase("a \" b".into())
        );
        let e = parse_odata("from:alice").unwrap_err();
        assert_eq!(
            e.message,
            "Syntax error: character ':' is not valid at position 4 in 'from:alice'."
        );
        let e = parse_odata("startswith(displayName,'Garth')").unwrap_err();
        assert!(
            e.message
                .starts_with("Syntax error: character '(' is not valid at position 10"),
            "{}",
            e.message
        );
        assert!(parse_odata("\"open").is_err());
        assert!(parse_odata("(a").is_err());
        assert!(parse_odata("").is_err());
        assert!(parse_odata("a OR").is_err());
        assert!(matches!(parse_odata("a b OR NOT c").unwrap(), Node::Or(..)));
        assert!(parse_odata(&"(".repeat(500)).is_err());
    }

    #[test]
    fn kql_fields_and_dates() {
        let m = json!({
            "subject": "Quarterly report", "body": {"contentType": "html", "content": "<p>Pizza party</p>"},
            "from": {"emailAddress": {"name": "Randi W", "address": "randiw@contoso.com"}},
            "toRecipients": [{"emailAddress": {"name": "Dana S", "address": "danas@contoso.com"}}],
            "receivedDateTime": "2018-07-23T10:00:00Z", "sentDateTime": "2018-07-23T09:59:00Z",
            "hasAttachments": true, "importance": "high"
        });
        let q = |s: &str| kql_matches(&to_kql(&parse_odata(s).unwrap()).unwrap(), &m);
        assert!(q("\"pizza\""));
        assert!(q("pizza"));
        assert!(q("\"from:randiw AND subject:quarterly\""));
        assert!(!q("\"from:danas\""));
        assert!(q("\"to:danas\" AND \"participants:randiw\""));
        assert!(q("\"received:07/23/2018\""));
        assert!(q("\"received>=2018-07-01\""));
        assert!(!q("\"received<2018-07-23\""));
        assert!(q("\"sent:2018-07-01..2018-07-31\""));
        assert!(q("\"hasAttachments:true\" AND \"importance:high\""));
        assert!(q("\"subject:(report OR invoice)\""));
        assert!(!q("\"NOT body:pizza\""));
        assert!(!q("\"foo:bar\""));
        assert!(q("\"kind:email\""));
    }

    #[test]
    fn people_fuzzy() {
        let p = json!({"displayName": "Irene McGowan", "givenName": "Irene", "surname": "McGowan",
            "scoredEmailAddresses": [{"address": "irenem@contoso.com"}]});
        let q = |s: &str| people_matches(&parse_odata(s).unwrap(), &p);
        assert!(q("\"Irene McGowen\""));
        assert!(!q("j") && q("ire") && q("irenem"));
        assert!(!q("\"Alex Wilber\""));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
