//! Link targets as a model should read them: which hrefs to drop (`javascript:`, `data:`,
//! fragments, relative links that mean nothing outside a browser), `mailto:` as the address,
//! and web URLs shortened (userinfo, fragments, `utm_*`-style parameters and long tracking query
//! strings removed). Plus the phishing tell: visible text that names one host while the link goes
//! to another.

use percent_encoding::percent_decode_str;

use super::html::is_invisible;

/// Where a link goes, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Nothing worth showing (`javascript:`, `#top`, a relative path, `cid:`…).
    Drop,
    Web {
        display: String,
        host: String,
    },
    Mail {
        addr: String,
    },
    Other {
        display: String,
    },
}

/// Query parameters that only track, dropped before judging a query's length.
const TRACKING_PARAMS: &[&str] = &[
    "utm_", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi",
    "mkt_tok", "trk", "sc_cid",
];

/// The href with tabs and newlines removed and surrounding whitespace trimmed (as browsers do),
/// invisible and control characters dropped (they can smuggle text or reverse what a reader
/// sees), and inner spaces percent-encoded.
pub(crate) fn clean_href(href: &str) -> String {
    let mut out = String::with_capacity(href.len());
    for c in href.trim_matches(|c: char| c <= ' ').chars() {
        if c.is_whitespace() && !matches!(c, '\t' | '\n' | '\r') {
            out.push_str("%20");
        } else if !c.is_control() && !is_invisible(c) {
            out.push(c);
        }
    }
    out
}

fn scheme(href: &str) -> Option<(String, &str)> {
    let colon = href.find(':')?;
    let s = &href[..colon];
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then(|| (s.to_ascii_lowercase(), &href[colon + 1..]))
}

/// Classify and shorten an (already cleaned) href.
pub(crate) fn target(href: &str, max_query: usize, max_len: usize) -> Target {
    if href.is_empty() || href.starts_with('#') {
        return Target::Drop;
    }
    let Some((scheme, rest)) = scheme(href) else {
        return match href.strip_prefix("//") {
            Some(_) => web("https", &href[2..], max_query, max_len),
            None => Target::Drop,
        };
    };
    match scheme.as_str() {
        "http" | "https" => {
            let rest = rest.trim_start_matches(['/', '\\']);
            web(&scheme, rest, max_query, max_len)
        }
        "mailto" => {
            let addr = rest.split('?').next().unwrap_or("");
            let addr: String = percent_decode_str(addr)
                .decode_utf8_lossy()
                .chars()
                .filter(|&c| !c.is_control() && !is_invisible(c))
                .collect::<String>()
                .trim()
                .to_string();
            if addr.is_empty() {
                Target::Drop
            } else {
                Target::Mail { addr }
            }
        }
        "javascript" | "vbscript" | "data" | "file" | "cid" | "about" | "blob" | "mid" => {
            Target::Drop
        }
        _ => Target::Other {
            display: shorten_chars(href, max_len),
        },
    }
}

/// `authority_and_rest` is everything after `scheme://`.
fn web(scheme: &str, authority_and_rest: &str, max_query: usize, max_len: usize) -> Target {
    let end = authority_and_rest
        .find(['/', '\\', '?', '#'])
        .unwrap_or(authority_and_rest.len());
    let authority = &authority_and_rest[..end];
    let mut rest = &authority_and_rest[end..];
    // `https://paypal.com@evil.example/` goes to evil.example: show only the real host.
    let hostport = authority.rsplit('@').next().unwrap_or(authority);
    let hostport: String = percent_decode_str(hostport)
        .decode_utf8_lossy()
        .to_ascii_lowercase()
        .chars()
        .filter(|&c| !c.is_control() && !is_invisible(c) && !c.is_whitespace())
        .collect();
    let host = host_of(&hostport);
    if host.is_empty() {
        return Target::Drop;
    }
    if let Some(hash) = rest.find('#') {
        rest = &rest[..hash];
    }
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut display = format!("{scheme}://{hostport}{}", path.replace('\\', "/"));
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| {
                let name = p.split('=').next().unwrap_or("").to_ascii_lowercase();
                !TRACKING_PARAMS
                    .iter()
                    .any(|t| name == *t || (t.ends_with('_') && name.starts_with(t)))
            })
            .collect();
        let kept = kept.join("&");
        if kept.chars().count() > max_query {
            display.push_str("?…");
        } else if !kept.is_empty() {
            display.push('?');
            display.push_str(&kept);
        }
    }
    Target::Web {
        display: shorten_chars(&display, max_len),
        host,
    }
}

fn shorten_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.max(16)) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The host of `host[:port]`, lowercase, without a trailing dot.
fn host_of(hostport: &str) -> String {
    let host = if hostport.starts_with('[') {
        hostport.split(']').next().map_or(hostport, |h| &h[1..])
    } else {
        hostport.split(':').next().unwrap_or(hostport)
    };
    host.trim_end_matches('.').to_string()
}

fn strip_www(host: &str) -> &str {
    host.strip_prefix("www.").unwrap_or(host)
}

/// Same site: equal, or one a subdomain of the other (`www.` ignored).
pub(crate) fn same_site(a: &str, b: &str) -> bool {
    let (a, b) = (strip_www(a), strip_www(b));
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

/// A host or address named by a link's visible text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shown {
    Host(String),
    Email { addr: String, host: String },
}

/// File extensions and words that look like a bare domain (`report.pdf`, `Node.js`).
const NOT_TLDS: &[&str] = &[
    "js", "ts", "py", "rs", "go", "md", "txt", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
    "png", "jpg", "jpeg", "gif", "svg", "webp", "zip", "csv", "htm", "html", "exe", "msi", "json",
    "xml", "yaml", "yml", "log", "mp3", "mp4", "mov", "wav", "ics", "eml", "msg", "tar", "gz",
    "vcf", "rtf", "odt", "dll", "sh", "bat", "ps1", "cs", "cpp", "java", "rb", "php",
];

/// If the visible text of a link is a URL, a domain or an e-mail address, what it names.
pub(crate) fn shown(text: &str) -> Option<Shown> {
    let t = text
        .trim()
        .trim_start_matches(['(', '<', '[', '"', '\''])
        .trim_end_matches(['.', ',', ';', ':', ')', '>', ']', '!', '?', '"', '\'']);
    if t.is_empty() || t.chars().any(char::is_whitespace) {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let lower = lower.strip_prefix("mailto:").unwrap_or(&lower);
    if !lower.contains('/') {
        if let Some((local, domain)) = lower.rsplit_once('@') {
            if !local.is_empty() && looks_like_domain(domain) {
                return Some(Shown::Email {
                    addr: lower.to_string(),
                    host: domain.to_string(),
                });
            }
            return None;
        }
    }
    let (explicit, rest) = match lower.split_once("://") {
        Some((s, r)) if s == "http" || s == "https" => (true, r),
        Some(_) => return None,
        None => (lower.starts_with("www."), lower),
    };
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let hostport = authority.rsplit('@').next().unwrap_or(authority);
    let host = host_of(hostport);
    if !looks_like_domain(&host) {
        return None;
    }
    if !explicit && end == rest.len() {
        // A bare `word.word`: only a domain if the TLD is written in lowercase and is not a
        // file extension (`Node.js`, `ASP.NET`, `report.pdf` are not links to hosts).
        let tld_as_written = t.rsplit('.').next().unwrap_or("");
        let tld = host.rsplit('.').next().unwrap_or("");
        if NOT_TLDS.contains(&tld) || tld_as_written.chars().any(|c| c.is_ascii_uppercase()) {
            return None;
        }
    }
    Some(Shown::Host(strip_www(&host).to_string()))
}

fn looks_like_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let tld = labels[labels.len() - 1];
    // Letters only in the TLD; non-ASCII counts as a letter (IDNs, and look-alikes to flag).
    let letter = |c: char| c.is_ascii_alphabetic() || !c.is_ascii();
    let tld_ok = (tld.len() >= 2 && tld.chars().all(letter)) || tld.starts_with("xn--");
    tld_ok
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && l.chars()
                    .all(|c| letter(c) || c.is_ascii_digit() || c == '-')
        })
}

/// Does the visible text already say where the link goes (same URL, ignoring scheme, `www.`,
/// a trailing slash and the query)?
pub(crate) fn text_is_href(text: &str, href: &str) -> bool {
    fn norm(s: &str) -> String {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("mailto:").unwrap_or(&s);
        let s = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .unwrap_or(s);
        let s = s.strip_prefix("www.").unwrap_or(s);
        let s = s.split(['?', '#']).next().unwrap_or(s);
        s.trim_end_matches('/').to_string()
    }
    let t = norm(text);
    !t.is_empty() && t == norm(href)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disp(href: &str) -> String {
        match target(href, 32, 120) {
            Target::Web { display, .. } | Target::Other { display } => display,
            Target::Mail { addr } => format!("mail:{addr}"),
            Target::Drop => "drop".into(),
        }
    }

    #[test]
    fn targets() {
        assert_eq!(disp("javascript:alert(1)"), "drop");
        assert_eq!(disp("JaVaScRiPt:alert(1)"), "drop");
        assert_eq!(disp("#top"), "drop");
        assert_eq!(disp("page.html"), "drop");
        assert_eq!(disp("cid:logo@x"), "drop");
        assert_eq!(
            disp("mailto:a%40b@c.example?subject=hi"),
            "mail:a@b@c.example"
        );
        assert_eq!(disp("https://Example.COM/a#frag"), "https://example.com/a");
        assert_eq!(
            disp("https://click.example/ls/click?upn=0123456789abcdef0123456789abcdef0123"),
            "https://click.example/ls/click?…"
        );
        assert_eq!(
            disp("https://shop.example/p?id=5&utm_source=newsletter&utm_medium=email"),
            "https://shop.example/p?id=5"
        );
        assert_eq!(
            disp("https://paypal.com@evil.example/login"),
            "https://evil.example/login"
        );
        assert_eq!(disp("//cdn.example/x"), "https://cdn.example/x");
        assert_eq!(disp("msteams:/l/meetup-join/1"), "msteams:/l/meetup-join/1");
    }

    #[test]
    fn shown_hosts() {
        let host = |s: &str| Some(Shown::Host(s.to_string()));
        assert_eq!(
            shown("https://www.woodgrovebank.example/secure"),
            host("woodgrovebank.example")
        );
        assert_eq!(shown("PayPal.com"), host("paypal.com"));
        assert_eq!(shown("www.paypal.com/login."), host("paypal.com"));
        assert_eq!(shown("PayPal"), None);
        assert_eq!(shown("Node.js"), None);
        assert_eq!(shown("ASP.NET"), None);
        assert_eq!(shown("report.pdf"), None);
        assert_eq!(shown("click here"), None);
        assert_eq!(shown("v1.2"), None);
        assert!(matches!(
            shown("support@paypal.com"),
            Some(Shown::Email { .. })
        ));
        assert!(same_site("paypal.com", "www.paypal.com"));
        assert!(same_site("click.relecloud.example", "relecloud.example"));
        assert!(!same_site("paypal.com", "paypal.com.evil.example"));
        assert!(text_is_href(
            "www.example.com/",
            "https://example.com?utm=1"
        ));
    }
}
