//! Paging Graph collections by following `@odata.nextLink` (learn.microsoft.com graph/paging;
//! graph-and-peers §4.3), and the opaque cursor a tool hands the model to continue a list.
//!
//! * The nextLink is followed **verbatim**: never parsed, re-encoded or rebuilt from `$skip` /
//!   `$skiptoken` ("treat the entire URL as an opaque value").
//! * Each page is requested with the *same headers* as the first request: Graph does not carry
//!   `Prefer` (`IdType`, `outlook.body-content-type`, `outlook.timezone`) or `ConsistencyLevel`
//!   over to the next page.
//! * Collecting stops at [`PageLimits`] (pages and items). When the item cap falls inside a page,
//!   the continuation is that page's URL plus how many of its items were already returned, so
//!   nothing is skipped or shown twice.
//! * A [`Cursor`] is that continuation, base64url-encoded. Coming back from the model it is
//!   checked to start with the configured Graph base URL (at a path boundary, printable ASCII,
//!   no `\`, `#` or dot-segments), so a model cannot make the server fetch another host with the
//!   user's token (SSRF). It is only ever used for a `GET`. Graph's own nextLinks are checked the
//!   same way before they are followed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use super::request::parse_response;
use super::{GraphClient, GraphError, HttpRequest, HttpResponse};

/// Longest nextLink (and decoded cursor) accepted. Delta links with large skip tokens stay well
/// below this.
pub const MAX_LINK_CHARS: usize = 8 * 1024;
/// Largest in-page offset a cursor may carry (`$top` is at most 1000 for mail).
pub const MAX_CURSOR_SKIP: usize = 10_000;

/// How much one tool call may collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// Pages fetched at most (each is a Graph round trip).
    pub max_pages: usize,
    /// Items returned at most.
    pub max_items: usize,
}

impl PageLimits {
    /// Ten pages, 1000 items: tools normally set tighter limits for the model's context.
    pub const DEFAULT: Self = Self {
        max_pages: 10,
        max_items: 1000,
    };

    /// Both at least 1.
    pub fn new(max_pages: usize, max_items: usize) -> Self {
        Self {
            max_pages: max_pages.max(1),
            max_items: max_items.max(1),
        }
    }
}

impl Default for PageLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One page of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// `value`.
    pub items: Vec<Value>,
    /// `@odata.nextLink`: more pages follow.
    pub next_link: Option<String>,
    /// `@odata.deltaLink`: the last page of a delta round.
    pub delta_link: Option<String>,
}

/// Parses one collection page (a 2xx with a `value` array), or the Graph error.
pub fn parse_page(response: &HttpResponse) -> Result<Page, GraphError> {
    let Value::Object(mut body) = parse_response(response)? else {
        return Err(GraphError::malformed_response());
    };
    let Some(Value::Array(items)) = body.remove("value") else {
        return Err(GraphError::malformed_response());
    };
    let link = |body: &mut serde_json::Map<String, Value>, key: &str| match body.remove(key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    Ok(Page {
        items,
        next_link: link(&mut body, "@odata.nextLink"),
        delta_link: link(&mut body, "@odata.deltaLink"),
    })
}

/// The request for the page at `link`: a `GET` of the link exactly as given, with `template`'s
/// headers (minus `Content-Type`; there is no body).
pub fn next_page_request(template: &HttpRequest, link: &str) -> HttpRequest {
    HttpRequest {
        method: "GET",
        url: link.to_owned(),
        headers: template
            .headers
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
            .cloned()
            .collect(),
        body: None,
    }
}

/// What a paged read collected.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub items: Vec<Value>,
    /// Graph round trips made.
    pub pages: usize,
    /// Where to continue, when a limit stopped collection before the end.
    pub next: Option<Cursor>,
    /// The delta link, when the collection was read to its end and Graph gave one.
    pub delta_link: Option<String>,
}

/// Reads `first` and follows nextLinks until the end or `limits`.
pub async fn collect(
    client: &dyn GraphClient,
    first: HttpRequest,
    base_url: &str,
    limits: PageLimits,
) -> Result<Listing, GraphError> {
    run(client, first, 0, base_url, limits).await
}

/// Continues from `cursor` (already [decoded](Cursor::decode) against `base_url`), sending
/// `template`'s headers: the tool builds its usual first request and passes it as the template.
pub async fn resume(
    client: &dyn GraphClient,
    template: &HttpRequest,
    cursor: &Cursor,
    base_url: &str,
    limits: PageLimits,
) -> Result<Listing, GraphError> {
    validate_link(cursor.link(), base_url).map_err(|_| GraphError::malformed_response())?;
    let request = next_page_request(template, cursor.link());
    run(client, request, cursor.skip(), base_url, limits).await
}

async fn run(
    client: &dyn GraphClient,
    mut request: HttpRequest,
    mut skip: usize,
    base_url: &str,
    limits: PageLimits,
) -> Result<Listing, GraphError> {
    let limits = PageLimits::new(limits.max_pages, limits.max_items);
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let response = client
            .send(request.clone())
            .await
            .map_err(|e| GraphError::transport(&e))?;
        let page = parse_page(&response)?;
        pages += 1;
        let room = limits.max_items - items.len();
        let offset = skip;
        let fresh: Vec<Value> = page.items.into_iter().skip(skip).collect();
        skip = 0;
        if fresh.len() > room {
            // The cap falls inside this page: continue from this page, past what we return.
            items.extend(fresh.into_iter().take(room));
            return Ok(Listing {
                items,
                pages,
                next: Some(Cursor::new(request.url, offset + room)),
                delta_link: None,
            });
        }
        items.extend(fresh);
        let Some(link) = page.next_link else {
            return Ok(Listing {
                items,
                pages,
                next: None,
                delta_link: page.delta_link,
            });
        };
        // Graph's own link is held to the same rule as a cursor from the model.
        validate_link(&link, base_url).map_err(|_| GraphError::malformed_response())?;
        if pages >= limits.max_pages || items.len() >= limits.max_items {
            return Ok(Listing {
                items,
                pages,
                next: Some(Cursor::new(link, 0)),
                delta_link: None,
            });
        }
        request = next_page_request(&request, &link);
    }
}

/// Where a listing continues: a page URL (a Graph nextLink, or the first request's URL) and how
/// many of that page's items were already returned. Opaque to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    link: String,
    skip: usize,
}

/// A cursor the server did not issue, or one that was altered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not base64url, not UTF-8, too long, or a bad offset.
    Malformed,
    /// The link does not point below the configured Graph base URL.
    ForeignUrl,
}

impl CursorError {
    /// What the model reads (the same for both: the details are for logs).
    pub fn tool_message(self) -> &'static str {
        "The cursor is not valid (it must be passed back exactly as a previous call of this tool \
         returned it). Call the tool again without a cursor to start from the first page."
    }
}

impl std::fmt::Display for CursorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed cursor",
            Self::ForeignUrl => "cursor points outside the Graph base URL",
        })
    }
}

impl Cursor {
    pub fn new(link: impl Into<String>, skip: usize) -> Self {
        Self {
            link: link.into(),
            skip,
        }
    }

    /// The page URL, verbatim.
    pub fn link(&self) -> &str {
        &self.link
    }

    /// Items of that page already returned.
    pub fn skip(&self) -> usize {
        self.skip
    }

    /// The link's path below `base_url` (`/me/messages`), for a tool that wants to check the
    /// cursor is for its own collection; `None` if the link is not below `base_url`.
    pub fn path<'a>(&'a self, base_url: &str) -> Option<&'a str> {
        let rest = self.link.strip_prefix(base_url.trim_end_matches('/'))?;
        Some(rest.split('?').next().unwrap_or(rest))
    }

    /// base64url (no padding) of the link, prefixed by `"{skip} "` when the offset is not 0.
    pub fn encode(&self) -> String {
        if self.skip == 0 {
            URL_SAFE_NO_PAD.encode(&self.link)
        } else {
            URL_SAFE_NO_PAD.encode(format!("{} {}", self.skip, self.link))
        }
    }

    /// Reads a cursor back from the model, refusing any link not below `base_url`.
    pub fn decode(token: &str, base_url: &str) -> Result<Self, CursorError> {
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_LINK_CHARS * 4 / 3 + 8 {
            return Err(CursorError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim_end_matches('='))
            .map_err(|_| CursorError::Malformed)?;
        let text = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
        let (skip, link) = match text.split_once(' ') {
            Some((n, link)) if n.bytes().all(|b| b.is_ascii_digit()) => {
                let skip = n.parse::<usize>().map_err(|_| CursorError::Malformed)?;
                if skip == 0 || skip > MAX_CURSOR_SKIP {
                    return Err(CursorError::Malformed);
                }
                (skip, link.to_owned())
            }
            Some(_) => return Err(CursorError::ForeignUrl),
            None => (0, text),
        };
        validate_link(&link, base_url)?;
        Ok(Self { link, skip })
    }
}

/// Checks that `link` is a URL below `base_url` (the version root, e.g.
/// `https://graph.microsoft.com/v1.0`): it starts with it followed by `/` or `?`, is printable
/// ASCII without `\` (WHATWG parsers read it as `/`) or `#`, at most [`MAX_LINK_CHARS`] long, and
/// has no `.`/`..` path segments in any spelling (they would be resolved away).
pub fn validate_link(link: &str, base_url: &str) -> Result<(), CursorError> {
    let base = base_url.trim_end_matches('/');
    if base.is_empty() {
        return Err(CursorError::ForeignUrl);
    }
    if link.len() > MAX_LINK_CHARS {
        return Err(CursorError::Malformed);
    }
    if !link
        .bytes()
        .all(|b| (0x21..=0x7e).contains(&b) && b != b'\\' && b != b'#')
    {
        return Err(CursorError::ForeignUrl);
    }
    let Some(rest) = link.strip_prefix(base) else {
        return Err(CursorError::ForeignUrl);
    };
    if !(rest.starts_with('/') || rest.starts_with('?')) {
        return Err(CursorError::ForeignUrl);
    }
    let path = rest.split('?').next().unwrap_or("");
    let dot_segment = path.split('/').any(|segment| {
        let s = segment.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    });
    if dot_segment {
        return Err(CursorError::ForeignUrl);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://graph.microsoft.com/v1.0";

    #[test]
    fn links_must_stay_below_the_base_url() {
        let ok = [
            "https://graph.microsoft.com/v1.0/me/messages?%24skip=10",
            "https://graph.microsoft.com/v1.0/me/mailFolders('inbox')/messages/delta?$skiptoken=a-b_c",
            "https://graph.microsoft.com/v1.0?x=1",
        ];
        for link in ok {
            assert_eq!(validate_link(link, BASE), Ok(()), "{link}");
            assert_eq!(
                validate_link(link, "https://graph.microsoft.com/v1.0/"),
                Ok(())
            );
        }
        let bad = [
            "https://evil.example/v1.0/me/messages",
            "https://graph.microsoft.com/v1.0.evil.example/me",
            "https://graph.microsoft.com/beta/me/messages",
            "https://graph.microsoft.com@evil.example/v1.0/me",
            "https://graph.microsoft.com/v1.0/../beta/me",
            "https://graph.microsoft.com/v1.0/me/%2E%2e/x",
            "https://graph.microsoft.com/v1.0/me\\..\\x",
            "https://graph.microsoft.com/v1.0/me messages",
            "https://graph.microsoft.com/v1.0/me#frag",
            "http://graph.microsoft.com/v1.0/me",
            "/me/messages",
        ];
        for link in bad {
            assert_eq!(
                validate_link(link, BASE),
                Err(CursorError::ForeignUrl),
                "{link}"
            );
        }
        assert_eq!(
            validate_link("https://x/me", ""),
            Err(CursorError::ForeignUrl)
        );
        let long = format!("{BASE}/me?{}", "a".repeat(MAX_LINK_CHARS));
        assert_eq!(validate_link(&long, BASE), Err(CursorError::Malformed));
    }

    #[test]
    fn cursor_encodings() {
        let c = Cursor::new(format!("{BASE}/me/messages?%24skip=10"), 0);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(c.encode()).unwrap(),
            c.link().as_bytes(),
            "a plain cursor is the nextLink, base64url"
        );
        assert_eq!(c.path(BASE), Some("/me/messages"));
        let c = Cursor::new(format!("{BASE}/me/messages?$top=25"), 7);
        assert_eq!(Cursor::decode(&c.encode(), BASE), Ok(c));
        for garbage in ["", "!!!", "%%%%", &URL_SAFE_NO_PAD.encode([0xff, 0xfe])] {
            assert_eq!(
                Cursor::decode(garbage, BASE),
                Err(CursorError::Malformed),
                "{garbage}"
            );
        }
        let zero = URL_SAFE_NO_PAD.encode(format!("0 {BASE}/me"));
        assert_eq!(Cursor::decode(&zero, BASE), Err(CursorError::Malformed));
        let huge = URL_SAFE_NO_PAD.encode(format!("99999999 {BASE}/me"));
        assert_eq!(Cursor::decode(&huge, BASE), Err(CursorError::Malformed));
    }
}
