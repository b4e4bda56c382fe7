//! Small building blocks for the seed: a seeded PRNG, Exchange/Graph-style ids, date formats,
//! base64, a crude HTML→text for `bodyPreview`, and time-zone helpers.

use base64::Engine as _;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

/// splitmix64: tiny, fast, and good enough for varied fixtures. Never seeded from the OS.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator whose stream depends only on `label` (so independent parts of the seed do not
    /// shift each other when one of them changes how many numbers it draws).
    pub fn from_label(label: &str) -> Self {
        let d = digest(&[label]);
        Self(u64::from_le_bytes([
            d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7],
        ]))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        self.next_u64() % n
    }

    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

pub fn digest(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().into()
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A deterministic version-4-looking GUID from a label.
pub fn guid(label: &str) -> String {
    let mut b = digest(&["guid", label]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// What an Exchange id identifies; changes the id's header bytes like Exchange's do.
#[derive(Debug, Clone, Copy)]
pub enum IdKind {
    Folder,
    Item,
    Conversation,
}

/// An Exchange-style id: standard base64 (with `+`, `/` and `=` padding) of a header, the
/// mailbox GUID as ASCII, a per-mailbox database part and a per-item hash. The item part is
/// 21–23 bytes long so that about two ids in three end in `=` or `==`.
pub fn exchange_id(mailbox_id: &str, kind: IdKind, key: &str) -> String {
    let db = digest(&["db", mailbox_id]);
    let item = digest(&["item", mailbox_id, key]);
    let mut bytes: Vec<u8> = Vec::with_capacity(96);
    match kind {
        IdKind::Folder => {
            bytes.extend_from_slice(&[0x00, 0x03, 0x2e, 0x00]);
            bytes.extend_from_slice(mailbox_id.as_bytes());
            bytes.extend_from_slice(&[0x00, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x00]);
            bytes.extend_from_slice(&db[..16]);
            bytes.extend_from_slice(&[0x01, 0x00]);
            let n = 20 + (item[31] % 3) as usize;
            bytes.extend_from_slice(&item[..n]);
        }
        IdKind::Item => {
            bytes.extend_from_slice(&[0x00, 0x03, 0x24, 0x00]);
            bytes.extend_from_slice(mailbox_id.as_bytes());
            bytes.extend_from_slice(&[0x00, 0x46, 0x00, 0x00, 0x00, 0x00, 0x00]);
            bytes.extend_from_slice(&db[..16]);
            bytes.extend_from_slice(&[0x07, 0x00]);
            let n = 21 + (item[31] % 3) as usize;
            bytes.extend_from_slice(&item[..n]);
        }
        IdKind::Conversation => {
            bytes.extend_from_slice(&[0x00, 0x04, 0x24, 0x00]);
            bytes.extend_from_slice(mailbox_id.as_bytes());
            bytes.extend_from_slice(&[0x00, 0x10, 0x00]);
            bytes.extend_from_slice(&item[..16]);
        }
    }
    b64(&bytes)
}

/// `changeKey` (and the `@odata.etag` built from it).
pub fn change_key(key: &str) -> String {
    let d = digest(&["changekey", key]);
    let mut bytes = vec![0x09, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00];
    bytes.extend_from_slice(&d[..22]);
    b64(&bytes)
}

pub fn etag(change_key: &str) -> String {
    format!("W/\"{change_key}\"")
}

/// Percent-encode everything but unreserved characters (for ids inside URLs).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dates.

// The timestamp formats are Graph's, shared with the handlers.
pub use crate::graph::shape::{iso_7, iso_ms, iso_z};

/// `dateTimeTimeZone.dateTime`: seven fractional digits, no offset.
pub fn local_7(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.0000000").to_string()
}

pub fn dtz(t: NaiveDateTime, zone: &str) -> serde_json::Value {
    serde_json::json!({ "dateTime": local_7(t), "timeZone": zone })
}

pub fn dtz_utc(t: DateTime<Utc>) -> serde_json::Value {
    dtz(t.naive_utc(), "UTC")
}

pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Windows time-zone name → IANA zone, for the zones the seed uses.
pub fn zone(windows: &str) -> Tz {
    match windows {
        "Pacific Standard Time" => chrono_tz::America::Los_Angeles,
        "Eastern Standard Time" => chrono_tz::America::New_York,
        "Central Standard Time" => chrono_tz::America::Chicago,
        "Mountain Standard Time" => chrono_tz::America::Denver,
        "GMT Standard Time" => chrono_tz::Europe::London,
        "W. Europe Standard Time" => chrono_tz::Europe::Berlin,
        "Tokyo Standard Time" => chrono_tz::Asia::Tokyo,
        _ => chrono_tz::UTC,
    }
}

/// A wall-clock time in a Windows-named zone as an instant (gaps move forward an hour).
pub fn to_utc(local: NaiveDateTime, windows: &str) -> DateTime<Utc> {
    let tz = zone(windows);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc)),
    }
}

pub fn to_local(t: DateTime<Utc>, windows: &str) -> NaiveDateTime {
    t.with_timezone(&zone(windows)).naive_local()
}

pub fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
}

/// Move a date forward to a weekday (Mon–Fri) if it falls on a weekend.
pub fn weekday_on_or_after(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    match d.weekday() {
        chrono::Weekday::Sat => d + Duration::days(2),
        chrono::Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

/// Move a date back to a weekday if it falls on a weekend.
pub fn weekday_on_or_before(d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    match d.weekday() {
        chrono::Weekday::Sat => d - Duration::days(1),
        chrono::Weekday::Sun => d - Duration::days(2),
        _ => d,
    }
}

/// The first `wd` on or after `d`.
pub fn next_weekday(d: NaiveDate, wd: chrono::Weekday) -> NaiveDate {
    use chrono::Datelike;
    let diff =
        (7 + wd.num_days_from_monday() as i64 - d.weekday().num_days_from_monday() as i64) % 7;
    d + Duration::days(diff)
}

pub fn weekday_name(wd: chrono::Weekday) -> &'static str {
    match wd {
        chrono::Weekday::Mon => "monday",
        chrono::Weekday::Tue => "tuesday",
        chrono::Weekday::Wed => "wednesday",
        chrono::Weekday::Thu => "thursday",
        chrono::Weekday::Fri => "friday",
        chrono::Weekday::Sat => "saturday",
        chrono::Weekday::Sun => "sunday",
    }
}

// ---------------------------------------------------------------------------------------------
// Text.

/// A crude HTML→text (tags dropped, `<style>`/`<script>`/`<head>`/comments skipped, a few
/// entities decoded, whitespace collapsed) — enough for `bodyPreview`.
/// Stops once about `max` bytes of text have been collected (previews need only the start).
pub fn html_to_text_bounded(html: &str, max: usize) -> String {
    let bytes = html.as_bytes();
    let starts = |i: usize, pat: &str| {
        bytes.len() >= i + pat.len() && bytes[i..i + pat.len()].eq_ignore_ascii_case(pat.as_bytes())
    };
    let skip_to = |i: usize, end: &str| html[i..].find(end).map(|p| i + p + end.len());
    let mut out = String::with_capacity(html.len().min(max) / 2);
    let mut i = 0;
    while i < bytes.len() && out.len() < max {
        if bytes[i] == b'<' {
            let next = if starts(i, "<!--") {
                skip_to(i, "-->")
            } else if starts(i, "<style") {
                skip_to(i, "</style>")
            } else if starts(i, "<script") {
                skip_to(i, "</script>")
            } else if starts(i, "<head") {
                skip_to(i, "</head>")
            } else {
                if ["<br", "</p", "</div", "</tr", "</h", "<li", "</td"]
                    .iter()
                    .any(|p| starts(i, p))
                {
                    out.push(' ');
                }
                skip_to(i, ">")
            };
            i = next.unwrap_or(bytes.len());
            continue;
        }
        let next_lt = html[i..].find('<').map_or(bytes.len(), |p| i + p);
        out.push_str(&html[i..next_lt]);
        i = next_lt;
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&zwnj;", "")
        .replace("&#8203;", "")
        .replace("&#847;", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&rsquo;", "\u{2019}")
        .replace("&mdash;", "\u{2014}")
        .replace("&ndash;", "\u{2013}")
        .replace("&middot;", "\u{b7}")
        .replace("&copy;", "\u{a9}")
        .replace("&amp;", "&");
    collapse_ws(&decoded)
}

pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{200c}' | '\u{feff}') {
            if c.is_whitespace() && !out.is_empty() {
                space = true;
            }
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// The first 255 characters of a body's text, as `bodyPreview`.
pub fn preview(content: &str, html: bool) -> String {
    let text = if html {
        html_to_text_bounded(content, 4_000)
    } else {
        collapse_ws(content)
    };
    text.chars().take(255).collect()
}

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Plain-text paragraphs (`\r\n` line ends, as Exchange stores text bodies) as simple Outlook HTML.
pub fn text_to_html_paras(text: &str) -> String {
    let mut out = String::new();
    for para in text.split("\r\n\r\n") {
        out.push_str("<div style=\"font-family:Calibri,Arial,Helvetica,sans-serif; font-size:11pt; color:rgb(0,0,0)\">");
        out.push_str(&esc(para).replace("\r\n", "<br>"));
        out.push_str("</div>\r\n<div style=\"font-family:Calibri,Arial,Helvetica,sans-serif; font-size:11pt\"><br></div>\r\n");
    }
    out
}

/// Wrap a body fragment the way Exchange returns HTML bodies.
pub fn html_doc(inner: &str) -> String {
    format!(
        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n<style type=\"text/css\" style=\"display:none;\"> P {{margin-top:0;margin-bottom:0;}} </style>\r\n</head>\r\n<body dir=\"ltr\">\r\n{inner}</body>\r\n</html>\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_spread() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut r = Rng::from_label("x");
        let mut seen = [false; 10];
        for _ in 0..200 {
            seen[r.below(10) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn exchange_ids_look_right() {
        let id = exchange_id("3f6b8a1e-52c4-4d97-8e0a-1b2c3d4e5f60", IdKind::Item, "m1");
        assert!(id.starts_with("AAMk"), "{id}");
        assert!((100..=150).contains(&id.len()), "{}", id.len());
        let fid = exchange_id(
            "3f6b8a1e-52c4-4d97-8e0a-1b2c3d4e5f60",
            IdKind::Folder,
            "inbox",
        );
        assert!(fid.starts_with("AAMu"), "{fid}");
        let padded = (0..30)
            .map(|i| exchange_id("x", IdKind::Item, &i.to_string()))
            .filter(|s| s.ends_with('='))
            .count();
        assert!(padded > 5);
    }

    #[test]
    fn html_to_text_skips_markup() {
        let t = html_to_text_bounded(
            "<html><head><title>x</title></head><body><style>p{}</style><p>Hello&nbsp;<b>there</b></p><!-- c --><script>x()</script><div>A &amp; B</div></body></html>",
            usize::MAX,
        );
        assert_eq!(t, "Hello there A & B");
    }

    #[test]
    fn formats() {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 14, 3, 12).unwrap();
        assert_eq!(iso_z(t), "2024-05-01T14:03:12Z");
        assert_eq!(iso_7(t), "2024-05-01T14:03:12.0000000Z");
        assert_eq!(iso_ms(t), "2024-05-01T14:03:12.000Z");
        assert_eq!(local_7(t.naive_utc()), "2024-05-01T14:03:12.0000000");
        assert_eq!(url_encode("a+b/c="), "a%2Bb%2Fc%3D");
    }
}
