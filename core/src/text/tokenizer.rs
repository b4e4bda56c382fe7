//! A small streaming HTML tokenizer that follows the WHATWG tokenizer where it decides what a
//! reader sees: tag and attribute syntax (quoted, unquoted, bare), comments (`<!-->` and `--!>`
//! included), bogus comments (`<!DOCTYPE>`, `<?xml?>`, `<![CDATA[`, `</ >`), raw-text elements
//! (`script` with its escape states, `style`, `title`, `textarea`, `xmp`, `iframe`, `noembed`,
//! `noframes`) and a tag cut off by the end of input (dropped, as browsers do). It never
//! allocates, never panics, and every byte is looked at a bounded number of times.

/// One token. Text and attribute values are raw: entities are decoded by the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Token<'a> {
    Text(&'a str),
    Start(Tag<'a>),
    End(Tag<'a>),
    /// The content of the raw-text element whose start tag came just before.
    Raw(&'a str),
    /// `<!-- … -->`, including conditional comments, and `<![CDATA[ … >` (a bogus comment in
    /// HTML content).
    Comment,
    /// A doctype, processing instruction, `</>` or a tag cut off by the end of input.
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag<'a> {
    /// As written (compare case-insensitively).
    pub(crate) name: &'a str,
    /// Everything between the name and the closing `>`; well-formed by construction.
    attrs: &'a str,
}

impl<'a> Tag<'a> {
    pub(crate) fn attrs(&self) -> Attrs<'a> {
        Attrs {
            s: self.attrs,
            pos: 0,
        }
    }

    /// The first attribute called `name` (duplicates are ignored, as in browsers); `""` for a
    /// bare attribute. Raw: entities not decoded.
    pub(crate) fn attr(&self, name: &str) -> Option<&'a str> {
        self.attrs()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    pub(crate) fn raw_attrs(&self) -> &'a str {
        self.attrs
    }
}

#[derive(Debug, Clone, Copy)]
enum RawEnd {
    Script,
    Until(&'static str),
}

#[derive(Debug)]
pub(crate) struct Tokenizer<'a> {
    s: &'a str,
    pos: usize,
    raw: Option<RawEnd>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

impl<'a> Tokenizer<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Self {
            s,
            pos: 0,
            raw: None,
        }
    }

    /// Does a `<` at `i` start markup (rather than being a literal `<`)?
    fn starts_markup(b: &[u8], i: usize) -> bool {
        match b.get(i + 1) {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some(b'!' | b'?') => true,
            Some(b'/') => i + 2 < b.len(),
            _ => false,
        }
    }

    fn markup(&mut self) -> Option<Token<'a>> {
        let b = self.s.as_bytes();
        let i = self.pos;
        match *b.get(i + 1)? {
            b'!' => {
                if b[i + 2..].starts_with(b"--") {
                    self.pos = comment_end(b, i + 4);
                    Some(Token::Comment)
                } else {
                    let cdata = b[i + 2..].starts_with(b"[CDATA[");
                    self.pos = bogus_end(b, i + 2);
                    Some(if cdata { Token::Comment } else { Token::Other })
                }
            }
            b'?' => {
                self.pos = bogus_end(b, i + 1);
                Some(Token::Other)
            }
            b'/' => match *b.get(i + 2)? {
                c if c.is_ascii_alphabetic() => Some(match self.tag(i + 2) {
                    Some(t) => Token::End(t),
                    None => Token::Other,
                }),
                b'>' => {
                    self.pos = i + 3;
                    Some(Token::Other)
                }
                _ => {
                    self.pos = bogus_end(b, i + 2);
                    Some(Token::Other)
                }
            },
            c if c.is_ascii_alphabetic() => {
                let Some(t) = self.tag(i + 1) else {
                    return Some(Token::Other);
                };
                self.raw = raw_end_for(t.name);
                Some(Token::Start(t))
            }
            _ => None,
        }
    }

    /// Parse a tag whose name starts at `start`; on success `pos` is after the `>`. A tag cut
    /// off by the end of input is dropped with everything after it.
    fn tag(&mut self, start: usize) -> Option<Tag<'a>> {
        let b = self.s.as_bytes();
        let mut j = start;
        while j < b.len() && !is_ws(b[j]) && b[j] != b'/' && b[j] != b'>' {
            j += 1;
        }
        let name = &self.s[start..j];
        let attrs_start = j;
        match scan_attrs(b, j) {
            Some((attrs_end, after)) => {
                self.pos = after;
                Some(Tag {
                    name,
                    attrs: &self.s[attrs_start..attrs_end],
                })
            }
            None => {
                self.pos = b.len();
                None
            }
        }
    }
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let b = self.s.as_bytes();
        if let Some(end) = self.raw.take() {
            let start = self.pos;
            let stop = match end {
                RawEnd::Script => script_end(b, start),
                RawEnd::Until(name) => find_end_tag(b, start, name).unwrap_or(b.len()),
            };
            self.pos = stop;
            return Some(Token::Raw(&self.s[start..stop]));
        }
        if self.pos >= b.len() {
            return None;
        }
        if b[self.pos] == b'<' {
            if let Some(t) = self.markup() {
                return Some(t);
            }
        }
        let start = self.pos;
        let mut i = start + 1;
        loop {
            match b[i.min(b.len())..].iter().position(|&c| c == b'<') {
                None => {
                    i = b.len();
                    break;
                }
                Some(off) => {
                    i += off;
                    if Self::starts_markup(b, i) {
                        break;
                    }
                    i += 1;
                }
            }
        }
        self.pos = i;
        Some(Token::Text(&self.s[start..i]))
    }
}

fn raw_end_for(name: &str) -> Option<RawEnd> {
    const PLAIN: [&str; 7] = [
        "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes",
    ];
    if name.eq_ignore_ascii_case("script") {
        return Some(RawEnd::Script);
    }
    PLAIN
        .iter()
        .find(|n| name.eq_ignore_ascii_case(n))
        .map(|n| RawEnd::Until(n))
}

/// Attributes from `j` to the tag's `>`: returns (end of the attribute text, index after `>`),
/// or `None` when the input ends inside the tag.
fn scan_attrs(b: &[u8], mut j: usize) -> Option<(usize, usize)> {
    loop {
        while j < b.len() && is_ws(b[j]) {
            j += 1;
        }
        match *b.get(j)? {
            b'>' => return Some((j, j + 1)),
            b'/' => {
                if b.get(j + 1) == Some(&b'>') {
                    return Some((j, j + 2));
                }
                j += 1;
            }
            _ => j = skip_attr(b, j)?,
        }
    }
}

/// Skip one attribute (name, optional `=` and value) starting at `j`.
fn skip_attr(b: &[u8], mut j: usize) -> Option<usize> {
    j += 1; // the first character of a name may be `=`
    while j < b.len() && !is_ws(b[j]) && !matches!(b[j], b'/' | b'>' | b'=') {
        j += 1;
    }
    let mut k = j;
    while k < b.len() && is_ws(b[k]) {
        k += 1;
    }
    if b.get(k) != Some(&b'=') {
        return Some(j);
    }
    k += 1;
    while k < b.len() && is_ws(b[k]) {
        k += 1;
    }
    match *b.get(k)? {
        q @ (b'"' | b'\'') => {
            let close = b[k + 1..].iter().position(|&c| c == q)?;
            Some(k + 1 + close + 1)
        }
        b'>' => Some(k),
        _ => {
            while k < b.len() && !is_ws(b[k]) && b[k] != b'>' {
                k += 1;
            }
            Some(k)
        }
    }
}

/// Iterator over `(name, raw value)` of a tag's attributes.
#[derive(Debug, Clone)]
pub(crate) struct Attrs<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        let mut j = self.pos;
        while j < b.len() && (is_ws(b[j]) || b[j] == b'/') {
            j += 1;
        }
        if j >= b.len() {
            self.pos = j;
            return None;
        }
        let name_start = j;
        j += 1;
        while j < b.len() && !is_ws(b[j]) && !matches!(b[j], b'/' | b'>' | b'=') {
            j += 1;
        }
        let name = &self.s[name_start..j];
        let mut k = j;
        while k < b.len() && is_ws(b[k]) {
            k += 1;
        }
        if b.get(k) != Some(&b'=') {
            self.pos = j;
            return Some((name, ""));
        }
        k += 1;
        while k < b.len() && is_ws(b[k]) {
            k += 1;
        }
        let value = match b.get(k) {
            Some(&q @ (b'"' | b'\'')) => {
                let close = b[k + 1..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| k + 1 + p);
                let v = &self.s[k + 1..close];
                k = (close + 1).min(b.len());
                v
            }
            _ => {
                let start = k;
                while k < b.len() && !is_ws(b[k]) && b[k] != b'>' {
                    k += 1;
                }
                &self.s[start..k]
            }
        };
        self.pos = k;
        Some((name, value))
    }
}

/// After `<!--` at `i - 4`: the index after the comment's end (`-->`, `--!>`, or the abrupt
/// `<!-->` / `<!--->`), or the end of input.
fn comment_end(b: &[u8], i: usize) -> usize {
    if b.get(i) == Some(&b'>') {
        return i + 1;
    }
    if b[i.min(b.len())..].starts_with(b"->") {
        return i + 2;
    }
    let mut j = i;
    while j < b.len() {
        match b[j..].iter().position(|&c| c == b'-') {
            None => return b.len(),
            Some(off) => {
                j += off;
                let rest = &b[j..];
                if rest.starts_with(b"-->") {
                    return j + 3;
                }
                if rest.starts_with(b"--!>") {
                    return j + 4;
                }
                j += 1;
            }
        }
    }
    b.len()
}

/// A bogus comment runs to the first `>`.
fn bogus_end(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .position(|&c| c == b'>')
        .map_or(b.len(), |p| i + p + 1)
}

/// Is there `</name` followed by whitespace, `/` or `>` at `i`?
fn is_end_tag_at(b: &[u8], i: usize, name: &str) -> bool {
    let n = name.len();
    b.len() > i + 2 + n
        && b[i] == b'<'
        && b[i + 1] == b'/'
        && b[i + 2..i + 2 + n].eq_ignore_ascii_case(name.as_bytes())
        && (is_ws(b[i + 2 + n]) || matches!(b[i + 2 + n], b'/' | b'>'))
}

fn is_start_tag_at(b: &[u8], i: usize, name: &str) -> bool {
    let n = name.len();
    b.len() > i + 1 + n
        && b[i] == b'<'
        && b[i + 1..i + 1 + n].eq_ignore_ascii_case(name.as_bytes())
        && (is_ws(b[i + 1 + n]) || matches!(b[i + 1 + n], b'/' | b'>'))
}

fn find_end_tag(b: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        let off = b[i..].iter().position(|&c| c == b'<')?;
        i += off;
        if is_end_tag_at(b, i, name) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The end of script data, honouring the escaped (`<!--`) and double-escaped (`<!-- <script>`)
/// states, so `</script>` inside those does not end the element early.
fn script_end(b: &[u8], from: usize) -> usize {
    #[derive(PartialEq)]
    enum S {
        Data,
        Escaped,
        Double,
    }
    let mut state = S::Data;
    let mut i = from;
    while i < b.len() {
        let Some(off) = b[i..].iter().position(|&c| c == b'<' || c == b'-') else {
            return b.len();
        };
        i += off;
        let rest = &b[i..];
        match state {
            S::Data => {
                if rest.starts_with(b"<!--") {
                    state = S::Escaped;
                    i += 4;
                    continue;
                }
                if is_end_tag_at(b, i, "script") {
                    return i;
                }
            }
            S::Escaped => {
                if rest.starts_with(b"-->") {
                    state = S::Data;
                    i += 3;
                    continue;
                }
                if is_end_tag_at(b, i, "script") {
                    return i;
                }
                if is_start_tag_at(b, i, "script") {
                    state = S::Double;
                    i += 7;
                    continue;
                }
            }
            S::Double => {
                if rest.starts_with(b"-->") {
                    state = S::Data;
                    i += 3;
                    continue;
                }
                if is_end_tag_at(b, i, "script") {
                    state = S::Escaped;
                    i += 8;
                    continue;
                }
            }
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<String> {
        Tokenizer::new(s)
            .map(|t| match t {
                Token::Text(t) => format!("T({t})"),
                Token::Start(t) => format!("S({}|{})", t.name, t.raw_attrs().trim()),
                Token::End(t) => format!("E({})", t.name),
                Token::Raw(t) => format!("R({t})"),
                Token::Comment => "C".into(),
                Token::Other => "O".into(),
            })
            .collect()
    }

    #[test]
    fn tags_comments_and_text() {
        assert_eq!(
            kinds("<!DOCTYPE html><P class=a>x &lt; y</p><!-- c --> z"),
            ["O", "S(P|class=a)", "T(x &lt; y)", "E(p)", "C", "T( z)"]
        );
        assert_eq!(kinds("a < b <3 </> c"), ["T(a < b <3 )", "O", "T( c)"]);
        assert_eq!(kinds("<!-->x<!--->y"), ["C", "T(x)", "C", "T(y)"]);
        assert_eq!(kinds("<!-- a --!> b"), ["C", "T( b)"]);
        assert_eq!(kinds("<![CDATA[x]]>y"), ["C", "T(y)"]);
        assert_eq!(kinds("<div title='a>b'>"), ["S(div|title='a>b')"]);
        assert_eq!(kinds("x<div class=\"unterminated"), ["T(x)", "O"]);
        assert_eq!(kinds("<scr<script>ipt>"), ["S(scr<script|)", "T(ipt>)"]);
    }

    #[test]
    fn raw_text_elements() {
        assert_eq!(
            kinds("<script>if (a<b) x='</p>'</script>t"),
            ["S(script|)", "R(if (a<b) x='</p>')", "E(script)", "T(t)"]
        );
        assert_eq!(
            kinds("<script><!--<script></script>hid</script>-->v"),
            [
                "S(script|)",
                "R(<!--<script></script>hid)",
                "E(script)",
                "T(-->v)"
            ]
        );
        assert_eq!(
            kinds("<STYLE>p{}</Style >x"),
            ["S(STYLE|)", "R(p{})", "E(Style)", "T(x)"]
        );
        assert_eq!(kinds("<style>p{}"), ["S(style|)", "R(p{})"]);
    }

    #[test]
    fn attributes() {
        let t =
            match Tokenizer::new("<a HREF = \"x&amp;y\" id=z disabled style='a' style=b>").next() {
                Some(Token::Start(t)) => t,
                other => panic!("{other:?}"),
            };
        let all: Vec<_> = t.attrs().collect();
        assert_eq!(
            all,
            [
                ("HREF", "x&amp;y"),
                ("id", "z"),
                ("disabled", ""),
                ("style", "a"),
                ("style", "b")
            ]
        );
        assert_eq!(t.attr("href"), Some("x&amp;y"));
        assert_eq!(t.attr("style"), Some("a"));
    }
}
