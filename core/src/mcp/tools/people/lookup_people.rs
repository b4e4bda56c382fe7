//! `lookup_people`: resolve a name (partial or misspelled) to email addresses the user actually
//! has, so a model never has to guess one.
//!
//! Graph, one `$batch` of four independent reads:
//! - `GET /me/people?$search="…"` (user-list-people: fuzzy matching on names and addresses,
//!   relevance order; People.Read, work and personal accounts);
//! - `GET /me/people` without a search (the user's most relevant people, which covers
//!   misspellings the search misses);
//! - `GET /me/contacts` (the user's own contacts; contacts have no `$search`);
//! - `GET /me/messages` newest first (recent correspondents: senders and recipients).
//!
//! Every candidate comes from one of these answers, merged by address and scored by a small
//! fuzzy matcher ([`score`]: Jaro-Winkler over the name and address tokens, with prefix
//! matches), so an address that is not in the user's data can never be returned. A source that
//! fails (e.g. a permission not granted) is skipped and named in the answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::graph::batch::Batch;
use crate::graph::{GraphPath, GraphRequest, LocalBoxFuture};
use crate::mcp::deployment::Safety;
use crate::mcp::tool::{ToolAnnotations, ToolContext, ToolError};
use crate::mcp::tools::mail::{items, str_field, Person};
use crate::mcp::typed::{Reply, ToolHandler, ToolResult, ToolSpec};

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Args {
    /// A name, part of a name (even misspelled) or an email address to resolve.
    pub name: String,
    /// Most matches to return, 1-10. Default 5.
    #[serde(default)]
    #[cfg_attr(test, schemars(range(min = 1, max = 10)))]
    pub limit: Option<u32>,
}

/// Where a match was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The People API (people the user works with).
    People,
    /// The user's Outlook contacts.
    Contacts,
    /// Senders and recipients of the user's recent mail.
    RecentMail,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::Contacts => "contacts",
            Self::RecentMail => "recent mail",
        }
    }
}

/// How sure the match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonMatch {
    pub name: String,
    /// An address taken from the user's own data (never constructed).
    pub address: String,
    /// Similarity of the name to the query, 0-1.
    pub score: f64,
    pub confidence: Confidence,
    pub sources: Vec<Source>,
    /// Directory user id (for Teams mentions), for people in the user's organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Outlook contact id, when the person is a contact (for get_contact / update_contact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Lookup {
    /// Best first. Empty when nothing matches well.
    pub matches: Vec<PersonMatch>,
    /// Sources that could not be read (their permission is missing or Graph failed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unavailable_sources: Vec<Source>,
}

#[derive(Debug, Default)]
pub struct LookupPeople;

const PEOPLE_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "scoredEmailAddresses",
    "jobTitle",
    "companyName",
    "personType",
];
const CONTACT_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "emailAddresses",
    "companyName",
    "jobTitle",
];
const MAIL_FIELDS: &[&str] = &["from", "toRecipients", "ccRecipients"];

/// Lowest score returned at all; below [`GOOD`] the answer says the match is doubtful.
pub const MIN_SCORE: f64 = 0.72;
/// A good match.
pub const GOOD: f64 = 0.85;
/// A near-certain match.
pub const HIGH: f64 = 0.93;

// ---------------------------------------------------------------------------------------------
// The fuzzy matcher
// ---------------------------------------------------------------------------------------------

/// Lowercase with common Latin diacritics folded (é → e, ß → ss).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let r = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ś' | 'š' => "s",
            'ź' | 'ż' | 'ž' => "z",
            'ł' => "l",
            'ř' => "r",
            'ď' => "d",
            'ť' => "t",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

/// Folded alphanumeric tokens.
pub fn tokens(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4), 0-1.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_match = vec![false; a.len()];
    let mut b_match = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == *ca {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (i, ca) in a.iter().enumerate() {
        if !a_match[i] {
            continue;
        }
        while !b_match[k] {
            k += 1;
        }
        if *ca != b[k] {
            transpositions += 1;
        }
        k += 1;
    }
    let m = matches as f64;
    let jaro =
        (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64 / 2.0) / m) / 3.0;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// How well one query token matches one name token: exact 1, a prefix of at least two letters
/// 0.9-1 (longer prefixes score higher), else Jaro-Winkler.
fn token_similarity(q: &str, t: &str) -> f64 {
    if q == t {
        return 1.0;
    }
    let (ql, tl) = (q.chars().count(), t.chars().count());
    if ql >= 2 && t.starts_with(q) {
        return 0.9 + 0.1 * ql as f64 / tl as f64;
    }
    // An initial ("m") only counts as a prefix.
    if ql < 2 {
        return 0.0;
    }
    jaro_winkler(q, t)
}

/// What a candidate is matched on.
#[derive(Debug, Clone, Default)]
pub struct NameParts<'a> {
    pub display: &'a str,
    pub given: &'a str,
    pub surname: &'a str,
    pub address: &'a str,
}

/// The similarity of `query` to a person, 0-1: for each query word the best-matching name or
/// address-local-part word, averaged (weighted by word length), or the whole name compared as
/// one string (either word order), whichever is higher. A query that is an address must match
/// the address itself.
pub fn score(query: &str, p: &NameParts<'_>) -> f64 {
    let q = fold(query.trim());
    if q.contains('@') {
        let a = fold(p.address);
        return if a == q {
            1.0
        } else {
            jaro_winkler(&q, &a) * 0.95
        };
    }
    let q_tokens = tokens(&q);
    if q_tokens.is_empty() {
        return 0.0;
    }
    let local = p.address.split('@').next().unwrap_or("");
    let mut cand: Vec<String> = Vec::new();
    for s in [p.display, p.given, p.surname, local] {
        for t in tokens(s) {
            if !cand.contains(&t) {
                cand.push(t);
            }
        }
    }
    let local_folded = fold(local);
    if !local_folded.is_empty() && !cand.contains(&local_folded) {
        cand.push(local_folded);
    }
    if cand.is_empty() {
        return 0.0;
    }
    // Each query word against a different name word where possible.
    let mut used = vec![false; cand.len()];
    let mut total = 0.0;
    let mut weight = 0.0;
    for qt in &q_tokens {
        let mut best = (0.0, None);
        for (i, t) in cand.iter().enumerate() {
            let s = token_similarity(qt, t) - if used[i] { 0.15 } else { 0.0 };
            if s > best.0 {
                best = (s, Some(i));
            }
        }
        if let Some(i) = best.1 {
            used[i] = true;
        }
        let w = qt.chars().count().max(2) as f64;
        total += best.0.max(0.0) * w;
        weight += w;
    }
    let by_tokens = total / weight;
    let joined = q_tokens.join(" ");
    let whole = |name: &str| {
        let n = tokens(name).join(" ");
        if n.is_empty() {
            0.0
        } else {
            jaro_winkler(&joined, &n)
        }
    };
    let reversed = format!("{} {}", p.surname, p.given);
    // The whole-string comparison only helps multi-word queries ("meganbowen" style typos).
    let by_whole = if q_tokens.len() > 1 || joined.len() > 6 {
        whole(p.display).max(whole(&reversed)) * 0.97
    } else {
        0.0
    };
    by_tokens.max(by_whole).clamp(0.0, 1.0)
}

fn confidence(score: f64) -> Confidence {
    if score >= HIGH {
        Confidence::High
    } else if score >= GOOD {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

// ---------------------------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Candidate {
    name: Option<String>,
    given: Option<String>,
    surname: Option<String>,
    address: String,
    sources: Vec<Source>,
    /// Found by the People API's own (fuzzy) search.
    people_search_hit: bool,
    /// Position in the People API's relevance order.
    people_rank: Option<usize>,
    user_id: Option<String>,
    contact_id: Option<String>,
    job_title: Option<String>,
    company: Option<String>,
}

/// Candidates by lowercase address, merged over the sources.
#[derive(Debug, Default)]
pub struct Candidates {
    by_address: BTreeMap<String, Candidate>,
}

impl Candidates {
    fn entry(&mut self, address: &str, source: Source) -> Option<&mut Candidate> {
        let address = address.trim();
        if !address.contains('@') || address.len() > 320 {
            return None;
        }
        let c = self
            .by_address
            .entry(address.to_ascii_lowercase())
            .or_insert_with(|| Candidate {
                address: address.to_owned(),
                ..Candidate::default()
            });
        if !c.sources.contains(&source) {
            c.sources.push(source);
        }
        Some(c)
    }

    /// People API results (`search` tells whether these came from `$search`).
    pub fn add_people(&mut self, answer: &Value, search: bool) {
        for (rank, p) in items(answer).iter().enumerate() {
            let org_user = p.pointer("/personType/subclass").and_then(Value::as_str)
                == Some("OrganizationUser");
            let addresses: Vec<String> = p
                .get("scoredEmailAddresses")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|e| str_field(e, "address")).collect())
                .unwrap_or_default();
            for address in addresses.iter().take(3) {
                let Some(c) = self.entry(address, Source::People) else {
                    continue;
                };
                c.name = c.name.take().or_else(|| str_field(p, "displayName"));
                c.given = c.given.take().or_else(|| str_field(p, "givenName"));
                c.surname = c.surname.take().or_else(|| str_field(p, "surname"));
                c.job_title = c.job_title.take().or_else(|| str_field(p, "jobTitle"));
                c.company = c.company.take().or_else(|| str_field(p, "companyName"));
                if org_user {
                    c.user_id = c.user_id.take().or_else(|| str_field(p, "id"));
                }
                c.people_search_hit |= search;
                c.people_rank = Some(c.people_rank.map_or(rank, |r| r.min(rank)));
            }
        }
    }

    pub fn add_contacts(&mut self, answer: &Value) {
        for k in items(answer) {
            let emails = super::contact_emails(k);
            for e in emails.iter().take(3) {
                let Some(c) = self.entry(&e.address, Source::Contacts) else {
                    continue;
                };
                // The contact's own name wins over how a message header spelled it.
                if let Some(n) = str_field(k, "displayName") {
                    c.name = Some(n);
                }
                c.given = str_field(k, "givenName").or(c.given.take());
                c.surname = str_field(k, "surname").or(c.surname.take());
                c.contact_id = str_field(k, "id");
                c.job_title = c.job_title.take().or_else(|| str_field(k, "jobTitle"));
                c.company = c.company.take().or_else(|| str_field(k, "companyName"));
            }
        }
    }

    /// Senders and recipients of recent messages.
    pub fn add_messages(&mut self, answer: &Value, me: &[String]) {
        for m in items(answer) {
            let mut people: Vec<Person> = m
                .get("from")
                .and_then(Person::from_recipient)
                .into_iter()
                .collect();
            people.extend(crate::mcp::tools::mail::people(m, "toRecipients"));
            people.extend(crate::mcp::tools::mail::people(m, "ccRecipients"));
            for p in people {
                if me.iter().any(|a| a.eq_ignore_ascii_case(&p.address)) {
                    continue;
                }
                if let Some(c) = self.entry(&p.address, Source::RecentMail) {
                    if c.name.is_none() {
                        c.name = p.name.filter(|n| !n.contains('@'));
                    }
                }
            }
        }
    }

    /// The candidates scoring at least [`MIN_SCORE`] against `query`, best first.
    pub fn ranked(&self, query: &str, limit: usize) -> Vec<PersonMatch> {
        let mut scored: Vec<(f64, &Candidate)> = self
            .by_address
            .values()
            .map(|c| {
                let parts = NameParts {
                    display: c.name.as_deref().unwrap_or(""),
                    given: c.given.as_deref().unwrap_or(""),
                    surname: c.surname.as_deref().unwrap_or(""),
                    address: &c.address,
                };
                let mut s = score(query, &parts);
                // The People API's own fuzzy search found them: a little more confidence.
                if c.people_search_hit {
                    s = (s + 0.03).min(1.0);
                }
                (s, c)
            })
            .filter(|(s, _)| *s >= MIN_SCORE)
            .collect();
        scored.sort_by(|(sa, a), (sb, b)| {
            sb.partial_cmp(sa)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| b.sources.len().cmp(&a.sources.len()))
                .then_with(|| {
                    a.people_rank
                        .unwrap_or(usize::MAX)
                        .cmp(&b.people_rank.unwrap_or(usize::MAX))
                })
                .then_with(|| a.address.cmp(&b.address))
        });
        scored
            .into_iter()
            .take(limit)
            .map(|(s, c)| {
                let mut sources = c.sources.clone();
                sources.sort();
                PersonMatch {
                    name: c.name.clone().unwrap_or_else(|| c.address.clone()),
                    address: c.address.clone(),
                    score: (s * 100.0).round() / 100.0,
                    confidence: confidence(s),
                    sources,
                    user_id: c.user_id.clone(),
                    contact_id: c.contact_id.clone(),
                    job_title: c.job_title.clone(),
                    company: c.company.clone(),
                }
            })
            .collect()
    }
}

/// `$search` value for the People API: the words in double quotes.
pub fn people_search(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c == '"' || c == '\\' { ' ' } else { c })
        .collect();
    format!(
        "\"{}\"",
        cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// The four reads, as one batch.
pub fn batch(name: &str) -> Batch {
    let people = || GraphRequest::get(GraphPath::me().segment("people")).select(PEOPLE_FIELDS);
    Batch::new()
        .add(
            "search",
            &people()
                .query("$search", people_search(name))
                .query("$top", "25"),
        )
        .and_then(|b| b.add("people", &people().query("$top", "100")))
        .and_then(|b| {
            b.add(
                "contacts",
                &GraphRequest::get(GraphPath::me().segment("contacts"))
                    .select(CONTACT_FIELDS)
                    .query("$top", "500"),
            )
        })
        .and_then(|b| {
            b.add(
                "recent",
                &GraphRequest::get(GraphPath::me().segment("messages"))
                    .select(MAIL_FIELDS)
                    .query("$top", "100")
                    .query("$orderby", "receivedDateTime desc"),
            )
        })
        .unwrap_or_default()
}

fn match_text(i: usize, m: &PersonMatch) -> String {
    let mut line = format!(
        "{}. {} <{}> · score {:.2} ({})",
        i + 1,
        m.name,
        m.address,
        m.score,
        match m.confidence {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low: check with the user",
        }
    );
    match (&m.job_title, &m.company) {
        (Some(j), Some(c)) => line.push_str(&format!(" · {j}, {c}")),
        (Some(x), None) | (None, Some(x)) => line.push_str(&format!(" · {x}")),
        _ => {}
    }
    let sources: Vec<&str> = m.sources.iter().map(|s| s.label()).collect();
    line.push_str(&format!(" · found in: {}", sources.join(", ")));
    if let Some(u) = &m.user_id {
        line.push_str(&format!(" · user id: {u}"));
    }
    if let Some(c) = &m.contact_id {
        line.push_str(&format!(" · contact id: {c}"));
    }
    line
}

async fn run(args: Args, cx: &ToolContext<'_>) -> ToolResult<Lookup> {
    let name = args.name.trim();
    if tokens(name).is_empty() || name.chars().count() > 200 {
        return Err(ToolError::invalid_argument(
            "name: give a name, part of a name or an email address (at most 200 characters)",
        ));
    }
    let limit = args.limit.unwrap_or(5).clamp(1, 10) as usize;
    let reply = cx
        .send_batch(&batch(name))
        .await
        .map_err(|e| cx.graph_error(&e))?;
    let mut candidates = Candidates::default();
    let mut unavailable = Vec::new();
    let mut first_error = None;
    let mut take = |id: &str, source: Source| match reply.result(id) {
        Ok(v) => Some(v),
        Err(e) => {
            if !unavailable.contains(&source) {
                unavailable.push(source);
            }
            first_error.get_or_insert(e);
            None
        }
    };
    let search = take("search", Source::People);
    let people = take("people", Source::People);
    let contacts = take("contacts", Source::Contacts);
    let recent = take("recent", Source::RecentMail);
    if let Some(v) = &search {
        candidates.add_people(v, true);
    }
    if let Some(v) = &people {
        candidates.add_people(v, false);
    }
    if let Some(v) = &contacts {
        candidates.add_contacts(v);
    }
    if let Some(v) = &recent {
        candidates.add_messages(v, &[]);
    }
    if search.is_none() && people.is_none() && contacts.is_none() && recent.is_none() {
        return Err(first_error.map_or_else(
            || ToolError::new("No source of people could be read."),
            |e| cx.graph_error(&e),
        ));
    }
    let matches = candidates.ranked(name, limit);
    let mut text = if matches.is_empty() {
        format!(
            "No one in the user's people, contacts or recent mail matches {name:?} well. Do not guess an \
             address: ask the user for it, or try another spelling or just the first or last name."
        )
    } else if matches[0].score < GOOD {
        format!(
            "No close match for {name:?}; the nearest names below are uncertain: confirm with the user before \
             using one."
        )
    } else {
        format!("People matching {name:?} (best first; use these addresses exactly):")
    };
    for (i, m) in matches.iter().enumerate() {
        text.push('\n');
        text.push_str(&match_text(i, m));
    }
    if !unavailable.is_empty() {
        let names: Vec<&str> = unavailable.iter().map(|s| s.label()).collect();
        text.push_str(&format!(
            "\nNot searched (permission missing or unavailable): {}.",
            names.join(", ")
        ));
    }
    Ok(Reply::new(
        text,
        Lookup {
            matches,
            unavailable_sources: unavailable,
        },
    ))
}

impl ToolHandler for LookupPeople {
    type Args = Args;
    type Output = Lookup;

    const SPEC: ToolSpec = ToolSpec {
        name: "lookup_people",
        title: "Look up people by name",
        description: "Resolve a person's name (full, partial or misspelled) or address to email addresses \
from the user's own data: the people they work with, their contacts and recent correspondents, ranked by \
similarity with a confidence. Call it before writing to or inviting someone known only by name; never \
invent or guess an address, and if nothing matches well, ask the user. Org members include a user id \
(for Teams mentions). Example: {\"name\":\"Megan Bowen\"}",
        annotations: ToolAnnotations::READ_ONLY,
        scopes: &["People.Read", "Contacts.Read", "Mail.Read"],
        safety: Safety::Read,
    };

    fn run<'a>(
        &'a self,
        args: Args,
        cx: &'a ToolContext<'a>,
    ) -> LocalBoxFuture<'a, ToolResult<Lookup>> {
        Box::pin(run(args, cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parts<'a>(
        display: &'a str,
        given: &'a str,
        surname: &'a str,
        address: &'a str,
    ) -> NameParts<'a> {
        NameParts {
            display,
            given,
            surname,
            address,
        }
    }

    #[test]
    fn jaro_winkler_known_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.001);
        assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 0.001);
        assert_eq!(jaro_winkler("abc", "abc"), 1.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
        assert_eq!(jaro_winkler("", "x"), 0.0);
    }

    #[test]
    fn scores_partial_misspelled_and_unrelated_names() {
        let megan = parts("Megan Bowen", "Megan", "Bowen", "megan@contoso.example");
        assert_eq!(score("Megan Bowen", &megan), 1.0);
        assert!(score("meg", &megan) >= HIGH, "{}", score("meg", &megan));
        assert!(score("Bowen", &megan) >= HIGH);
        assert!(
            score("Meagan Bowan", &megan) >= GOOD,
            "{}",
            score("Meagan Bowan", &megan)
        );
        assert!(score("Bowen, Megan", &megan) >= HIGH);
        assert!(score("megan@contoso.example", &megan) == 1.0);
        assert!(
            score("Lee Gu", &megan) < MIN_SCORE,
            "{}",
            score("Lee Gu", &megan)
        );
        assert!(score("Zebediah", &megan) < MIN_SCORE);
        let z = parts("Zoë Müller", "Zoë", "Müller", "zoe.mueller@x.example");
        assert!(
            score("zoe muller", &z) >= HIGH,
            "{}",
            score("zoe muller", &z)
        );
        // An address local part counts as a name.
        let bare = parts("", "", "", "katherine.johnson@northwind.example");
        assert!(score("Katherine Johnson", &bare) >= GOOD);
    }

    #[test]
    fn candidates_merge_by_address_and_never_invent_one() {
        let mut c = Candidates::default();
        c.add_people(
            &json!({"value":[{"id":"u1","displayName":"Megan Bowen","givenName":"Megan","surname":"Bowen",
                "scoredEmailAddresses":[{"address":"Megan@contoso.example"}],"personType":{"subclass":"OrganizationUser"}}]}),
            false,
        );
        c.add_contacts(&json!({"value":[{"id":"k1","displayName":"Megan Bowen","emailAddresses":[{"address":"megan@contoso.example"}]}]}));
        c.add_messages(
            &json!({"value":[{"from":{"emailAddress":{"name":"Megan B.","address":"megan@contoso.example"}},
                "toRecipients":[{"emailAddress":{"name":"Meg Ryan","address":"meg.ryan@films.example"}}]}]}),
            &[],
        );
        let m = c.ranked("Meagan Bowan", 5);
        assert_eq!(m[0].address, "Megan@contoso.example");
        assert_eq!(
            m[0].sources,
            vec![Source::People, Source::Contacts, Source::RecentMail]
        );
        assert_eq!(m[0].user_id.as_deref(), Some("u1"));
        assert_eq!(m[0].contact_id.as_deref(), Some("k1"));
        assert!(m
            .iter()
            .all(|x| ["megan@contoso.example", "meg.ryan@films.example"]
                .contains(&x.address.to_ascii_lowercase().as_str())));
        assert!(c.ranked("Xavier Quint", 5).is_empty());
    }

    #[test]
    fn the_batch_reads_four_sources() {
        let b = batch("Me\"gan");
        assert_eq!(b.len(), 4);
        let body: Value = serde_json::from_slice(
            b.to_http("https://g/v1.0")
                .body
                .as_deref()
                .unwrap_or_default(),
        )
        .unwrap();
        let url = body["requests"][0]["url"].as_str().unwrap();
        assert!(url.starts_with("/me/people?$select="), "{url}");
        assert!(
            url.contains("$search=%22Me gan%22") || url.contains("$search=%22Me%20gan%22"),
            "{url}"
        );
    }
}
