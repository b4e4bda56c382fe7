//! HTML mail bodies turned into clean text a model reads well, with everything a human reader
//! would not see removed (the prompt-injection defence of issue 5 §2 "Context economy").
//!
//! Removed: `<head>`, scripts, styles, comments (conditional comments included), `<template>`,
//! `<noscript>`; elements hidden by the `hidden` attribute, `aria-hidden="true"`, or CSS, inline
//! or from `<style>` (`display:none`, `visibility:hidden`, `opacity:0`, `mso-hide:all`, a font
//! size of 1px or less, a zero-sized box with `overflow:hidden`, clipping, off-screen
//! positioning, `scale(0)`, text whose colour is indistinguishable from the background behind
//! it; see the `css` module); tracking pixels; and zero-width, bidi-control, tag and other
//! invisible format characters everywhere, even inside visible words and URLs. Alt text is kept
//! short (it is invisible while an image shows, so a place to hide instructions).
//!
//! Structure is kept: blank lines between paragraphs, headings as `## Title`, list items as
//! `- item` / `1. item`, table rows as lines with ` | ` between non-empty cells (single-cell
//! layout tables collapse to their content), `> ` for block quotes, `---` for rules.
//!
//! Links are shown inline as `text (url)`, or just the URL when the text already is that URL,
//! because a model reads a message top to bottom and should see where a link goes at the point
//! it is mentioned (a "verify your account" link's real host matters right there); footnote
//! references would make it look up every link and cost more tokens for short mail. When the
//! visible text names one host and the link goes to another, a flag follows:
//! `https://www.bank.example/verify (https://bank-alerts.example/verify) [link text shows
//! bank.example but goes to bank-alerts.example]`. URLs are shortened for display (see
//! [`Options`]); [`CleanText::links`] keeps every full URL.
//!
//! The parser follows the WHATWG tree-construction rules that decide what is inside what —
//! implied end tags, scopes, "any other end tag" stopping at special elements, reconstruction
//! of formatting elements (so `<p><b style="display:none">x</p>text` hides `text`, as a browser
//! does) — with a depth limit of 512, so it runs in linear time and cannot be made to show text
//! that a browser hides by misnesting. What it does not do: full selector matching (a rule like
//! `.box td` hides every `td` it could apply to), quirks-mode table font inheritance, foster
//! parenting, text over background images (assumed readable), generated content (`::before`).
//! Where it must guess, it errs on the side of hiding.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use super::css::{self, Bg, Cascade, Delta, Font, Prop, Rgba, Sheet, Val, PRIO_ATTR, PRIO_INLINE};
use super::entities::decode;
use super::tokenizer::{Tag, Token, Tokenizer};
use super::url::{self, Shown, Target};

/// How [`to_text`] renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Show each link's target after its text, `text (url)`. Default `true`.
    pub link_urls: bool,
    /// Show images with alt text, and inline (`cid:`) images, as `[image: alt]`. Default `true`.
    pub images: bool,
    /// A query string longer than this (after dropping `utm_*`, `fbclid` and the like) is shown
    /// as `?…`: such queries are click-tracking tokens a model cannot use, and one of them costs
    /// 50–100 tokens. Short ones (`?id=42`) stay. Default 40.
    pub max_query_chars: usize,
    /// Displayed URLs are cut to this many characters with `…`. Default 120.
    pub max_url_chars: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            link_urls: true,
            images: true,
            max_query_chars: 40,
            max_url_chars: 120,
        }
    }
}

/// The result of [`to_text`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanText {
    pub text: String,
    /// Every visible link, in order, with its full URL (`javascript:` and fragment-only links
    /// are left out).
    pub links: Vec<Link>,
    pub removed: Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The visible text (or `[image: alt]`).
    pub text: String,
    /// The href as written (entities decoded).
    pub url: String,
    /// Set when the visible text names a host (or address) other than where the link goes:
    /// what the text shows. A phishing tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shown_host: Option<String>,
}

/// What was left out, for the tool to report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// Hidden elements whose text was dropped (each counted once, nested ones with it).
    pub hidden_blocks: usize,
    /// Zero-width, bidi-control and other invisible characters removed from visible text.
    pub zero_width_chars: usize,
    /// `<script>` and `<style>` elements.
    pub scripts_styles: usize,
    /// Comments, including Outlook conditional comments.
    pub comments: usize,
    /// Images of at most 1×1 pixel (or with a zero dimension).
    pub tracking_images: usize,
}

/// Turn an HTML body into clean text. Never panics; linear in the input.
pub fn to_text(html: &str, opts: &Options) -> CleanText {
    let sheet = collect_styles(html);
    let mut r = Renderer::new(opts, &sheet);
    for tok in Tokenizer::new(html) {
        r.token(tok);
    }
    r.finish()
}

/// Pass 1: style sheets apply to the whole document, wherever their `<style>` is.
fn collect_styles(html: &str) -> Sheet {
    let mut sheet = Sheet::default();
    let b = html.as_bytes();
    let has_style = html.match_indices('<').any(|(i, _)| {
        b.get(i + 1..i + 6)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"style"))
    });
    if !has_style {
        return sheet;
    }
    let mut take_next = false;
    for tok in Tokenizer::new(html) {
        match tok {
            Token::Start(t) if t.name.eq_ignore_ascii_case("style") => {
                let media = t
                    .attr("media")
                    .map(|m| decode(m, true).trim().to_ascii_lowercase());
                take_next = media.is_none_or(|m| css::media_applies(&m));
            }
            Token::Raw(css) if take_next => {
                sheet.add(css);
                take_next = false;
            }
            _ => take_next = false,
        }
    }
    sheet.finish();
    sheet
}

macro_rules! tags {
    ($($v:ident = $s:literal),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum T { $($v,)* Other }
        /// Sorted by name (checked by a test) for binary search.
        const TAGS: &[(&str, T)] = &[$(($s, T::$v),)*];
        impl T {
            fn from_lower(s: &str) -> T {
                TAGS.binary_search_by(|(n, _)| n.cmp(&s)).map_or(T::Other, |i| TAGS[i].1)
            }
        }
    };
}

tags! {
    A = "a", Address = "address", Applet = "applet", Area = "area", Article = "article",
    Aside = "aside", Audio = "audio", B = "b", Base = "base", Basefont = "basefont",
    Bgsound = "bgsound", Big = "big", Blockquote = "blockquote", Body = "body", Br = "br",
    Button = "button", Canvas = "canvas", Caption = "caption", Center = "center", Code = "code",
    Col = "col", Colgroup = "colgroup", Datalist = "datalist", Dd = "dd", Details = "details",
    Dialog = "dialog", Dir = "dir", Div = "div", Dl = "dl", Dt = "dt", Em = "em", Embed = "embed",
    Fieldset = "fieldset", Figcaption = "figcaption", Figure = "figure", Font = "font",
    Footer = "footer", Form = "form", Frame = "frame", Frameset = "frameset", H1 = "h1",
    H2 = "h2", H3 = "h3", H4 = "h4", H5 = "h5", H6 = "h6", Head = "head", Header = "header",
    Hgroup = "hgroup", Hr = "hr", Html = "html", I = "i", Iframe = "iframe", Image = "image",
    Img = "img", Input = "input", Keygen = "keygen", Legend = "legend", Li = "li", Link = "link",
    Listing = "listing", Main = "main", Marquee = "marquee", Menu = "menu", Meta = "meta",
    Nav = "nav", Nobr = "nobr", Noembed = "noembed", Noframes = "noframes",
    Noscript = "noscript", Object = "object", Ol = "ol", P = "p", Param = "param",
    Plaintext = "plaintext", Pre = "pre", Rp = "rp", S = "s", Script = "script",
    Search = "search", Section = "section", Select = "select", Small = "small",
    Source = "source", Strike = "strike", Strong = "strong", Style = "style",
    Summary = "summary", Table = "table", Tbody = "tbody", Td = "td", Template = "template",
    Textarea = "textarea", Tfoot = "tfoot", Th = "th", Thead = "thead", Title = "title",
    Tr = "tr", Track = "track", Tt = "tt", U = "u", Ul = "ul", Video = "video", Wbr = "wbr",
    Xmp = "xmp",
}

impl T {
    fn heading(self) -> Option<usize> {
        Some(match self {
            T::H1 => 1,
            T::H2 => 2,
            T::H3 => 3,
            T::H4 => 4,
            T::H5 => 5,
            T::H6 => 6,
            _ => return None,
        })
    }

    fn is_void(self) -> bool {
        use T::*;
        matches!(
            self,
            Area | Base
                | Basefont
                | Bgsound
                | Br
                | Col
                | Embed
                | Frame
                | Hr
                | Image
                | Img
                | Input
                | Keygen
                | Link
                | Meta
                | Param
                | Source
                | Track
                | Wbr
        )
    }

    /// Content is raw text that is never shown (the tokenizer skips it).
    fn is_raw(self) -> bool {
        use T::*;
        matches!(
            self,
            Script | Style | Title | Textarea | Xmp | Iframe | Noembed | Noframes
        )
    }

    fn is_formatting(self) -> bool {
        use T::*;
        matches!(
            self,
            A | B | Big | Code | Em | Font | I | Nobr | S | Small | Strike | Strong | Tt | U
        )
    }

    /// WHATWG "special" elements.
    fn is_special(self) -> bool {
        use T::*;
        self.heading().is_some()
            || matches!(
                self,
                Address
                    | Applet
                    | Area
                    | Article
                    | Aside
                    | Base
                    | Basefont
                    | Bgsound
                    | Blockquote
                    | Body
                    | Br
                    | Button
                    | Caption
                    | Center
                    | Col
                    | Colgroup
                    | Dd
                    | Details
                    | Dir
                    | Div
                    | Dl
                    | Dt
                    | Embed
                    | Fieldset
                    | Figcaption
                    | Figure
                    | Footer
                    | Form
                    | Frame
                    | Frameset
                    | Head
                    | Header
                    | Hgroup
                    | Hr
                    | Html
                    | Iframe
                    | Img
                    | Input
                    | Keygen
                    | Li
                    | Link
                    | Listing
                    | Main
                    | Marquee
                    | Menu
                    | Meta
                    | Nav
                    | Noembed
                    | Noframes
                    | Noscript
                    | Object
                    | Ol
                    | P
                    | Param
                    | Plaintext
                    | Pre
                    | Script
                    | Search
                    | Section
                    | Select
                    | Source
                    | Style
                    | Summary
                    | Table
                    | Tbody
                    | Td
                    | Template
                    | Textarea
                    | Tfoot
                    | Th
                    | Thead
                    | Title
                    | Tr
                    | Track
                    | Ul
                    | Wbr
                    | Xmp
            )
    }

    /// Boundaries of the WHATWG "has an element in scope".
    fn bounds_scope(self) -> bool {
        use T::*;
        matches!(
            self,
            Applet | Caption | Html | Table | Td | Th | Marquee | Object | Template
        )
    }

    /// Start tags that close an open `<p>` (tables excepted: in quirks mode they do not, and
    /// keeping the `<p>` open can only hide more).
    fn closes_p(self) -> bool {
        use T::*;
        self.heading().is_some()
            || matches!(
                self,
                Address
                    | Article
                    | Aside
                    | Blockquote
                    | Center
                    | Details
                    | Dialog
                    | Dir
                    | Div
                    | Dl
                    | Fieldset
                    | Figcaption
                    | Figure
                    | Footer
                    | Header
                    | Hgroup
                    | Main
                    | Menu
                    | Nav
                    | Ol
                    | P
                    | Search
                    | Section
                    | Summary
                    | Ul
                    | Pre
                    | Listing
                    | Form
                    | Plaintext
                    | Xmp
                    | Hr
                    | Li
                    | Dd
                    | Dt
            )
    }

    /// Start tags before which formatting elements are not reconstructed.
    fn no_reconstruct(self) -> bool {
        use T::*;
        self.closes_p()
            || matches!(
                self,
                Table
                    | Tbody
                    | Thead
                    | Tfoot
                    | Tr
                    | Td
                    | Th
                    | Caption
                    | Colgroup
                    | Body
                    | Html
                    | Head
                    | Template
            )
    }

    /// Inserts a marker in the list of active formatting elements.
    fn is_marker(self) -> bool {
        use T::*;
        matches!(
            self,
            Td | Th | Caption | Applet | Object | Marquee | Template
        )
    }

    /// Never rendered, whatever the styles say.
    fn ua_hidden(self) -> bool {
        use T::*;
        matches!(
            self,
            Template | Noscript | Rp | Datalist | Video | Audio | Canvas | Object | Applet
        )
    }

    /// Blank line (2) or line break (1) around the element.
    fn block(self) -> u8 {
        use T::*;
        if self.heading().is_some() {
            return 2;
        }
        match self {
            P | Blockquote | Pre | Listing | Dl | Figure | Address | Ul | Ol | Table => 2,
            Div | Li | Dt | Dd | Tr | Tbody | Thead | Tfoot | Caption | Section | Article
            | Aside | Header | Footer | Nav | Main | Center | Form | Fieldset | Legend
            | Details | Summary | Dialog | Figcaption | Hgroup | Menu | Dir | Search | Body
            | Select => 1,
            _ => 0,
        }
    }
}

const fn fnv(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < s.len() {
        h ^= s[i].to_ascii_lowercase() as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

const KEY_A: u64 = fnv(b"a");
const KEY_P: u64 = fnv(b"p");
const KEY_LI: u64 = fnv(b"li");
const KEY_TR: u64 = fnv(b"tr");
const KEY_OL: u64 = fnv(b"ol");
const KEY_UL: u64 = fnv(b"ul");
const KEY_BODY: u64 = fnv(b"body");
/// Groups whose members close each other: `</h2>` closes an `<h3>`, `<td>` closes a `<th>`.
const KEY_HEADING: u64 = fnv(b"h1");
const KEY_CELL: u64 = fnv(b"td");
const KEY_DDT: u64 = fnv(b"dd");
const KEY_TSEC: u64 = fnv(b"tbody");

/// A lowercased tag name (empty if longer than the buffer: no known tag is).
struct Name {
    buf: [u8; 24],
    len: usize,
}

impl Name {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

fn classify(raw: &str) -> (T, u64, Name) {
    let mut name = Name {
        buf: [0; 24],
        len: 0,
    };
    if raw.len() <= name.buf.len() {
        for (d, s) in name.buf.iter_mut().zip(raw.bytes()) {
            *d = s.to_ascii_lowercase();
        }
        name.len = raw.len();
    }
    let t = T::from_lower(name.as_str());
    let key = match t {
        _ if t.heading().is_some() => KEY_HEADING,
        T::Td | T::Th => KEY_CELL,
        T::Dd | T::Dt => KEY_DDT,
        T::Tbody | T::Thead | T::Tfoot => KEY_TSEC,
        _ => fnv(raw.as_bytes()),
    };
    (t, key, name)
}

/// The keys are already FNV hashes.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type KeyMap = HashMap<u64, Vec<u32>, BuildHasherDefault<KeyHasher>>;

/// Deeper elements are not opened (as in browsers, which also cap depth); a hidden one makes its
/// would-be parent hidden instead, so the limit can only hide more.
const MAX_DEPTH: usize = 512;
/// Active formatting elements kept after the last marker.
const AFE_CAP: usize = 64;
/// Longest alt text shown: alt text is invisible while the image is displayed, so it is a place
/// to hide instructions; a short caption is all a reader needs.
const ALT_MAX_CHARS: usize = 80;

/// Scope kinds, indexes into [`Open::floors`].
const SPECIAL: usize = 0;
const SPECIAL_ADP: usize = 1;
const DEFAULT: usize = 2;
const BUTTON: usize = 3;
const LIST: usize = 4;
const TABLE: usize = 5;

fn floors(parent: [u32; 6], t: T, serial: u32) -> [u32; 6] {
    let mut f = parent;
    if t.is_special() {
        f[SPECIAL] = serial;
        if !matches!(t, T::Address | T::Div | T::P) {
            f[SPECIAL_ADP] = serial;
        }
    }
    if t.bounds_scope() {
        f[DEFAULT] = serial;
        f[BUTTON] = serial;
        f[LIST] = serial;
    }
    if t == T::Button {
        f[BUTTON] = serial;
    }
    if matches!(t, T::Ol | T::Ul) {
        f[LIST] = serial;
    }
    if matches!(t, T::Html | T::Table | T::Template) {
        f[TABLE] = serial;
    }
    f
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BgState {
    /// No background declared: the reading pane's white.
    Default,
    Known(Rgba),
    /// An image or gradient: colour tests are skipped.
    Unknown,
}

/// Computed visibility of an element's text.
#[derive(Debug, Clone, Copy)]
struct Vis {
    hidden: bool,
    tiny: bool,
    color: Rgba,
    bg: BgState,
    opacity: f32,
    /// 0 when visible; otherwise the id of the element that made it invisible.
    root: u32,
}

const ROOT_VIS: Vis = Vis {
    hidden: false,
    tiny: false,
    color: Rgba::BLACK,
    bg: BgState::Default,
    opacity: 1.0,
    root: 0,
};

impl Vis {
    fn visible(&self) -> bool {
        self.root == 0
    }

    /// Hidden for images too (which do not care about font size or colour).
    fn box_hidden(&self) -> bool {
        self.hidden || self.opacity <= 0.05
    }
}

fn derive(parent: &Vis, d: &Delta, forced: bool, next_root: &mut u32) -> Vis {
    let hidden = parent.hidden || d.hide || forced;
    let tiny = match d.font {
        Font::Inherit => parent.tiny,
        Font::Abs(px) => px <= 1.5,
        Font::Rel(f) => parent.tiny || f <= 0.1,
    };
    let color = d.color.unwrap_or(parent.color);
    let opacity = parent.opacity * d.opacity;
    let bg = match d.bg {
        None => parent.bg,
        Some(Bg::Image) => BgState::Unknown,
        Some(Bg::Color(c)) => match parent.bg {
            BgState::Unknown if c.a < 1.0 => BgState::Unknown,
            BgState::Known(under) => BgState::Known(c.over(under, 1.0)),
            _ => BgState::Known(c.over(Rgba::WHITE, 1.0)),
        },
    };
    let camouflaged = match bg {
        BgState::Unknown => false,
        BgState::Default => color
            .over(Rgba::WHITE, opacity)
            .indistinguishable(Rgba::WHITE),
        BgState::Known(b) => color.over(b, opacity).indistinguishable(b),
    };
    let invisible = hidden || tiny || opacity <= 0.05 || camouflaged;
    let root = match (invisible, parent.root) {
        (false, _) => 0,
        (true, 0) => {
            *next_root = next_root.saturating_add(1);
            *next_root
        }
        (true, r) => r,
    };
    Vis {
        hidden,
        tiny,
        color,
        bg,
        opacity,
        root,
    }
}

/// An open element.
#[derive(Debug)]
struct Open {
    t: T,
    key: u64,
    serial: u32,
    floors: [u32; 6],
    delta: Delta,
    forced_hidden: bool,
    vis: Vis,
    /// Output length when opened: where a link's text or a table row starts.
    mark: usize,
    /// `<ol>`: the last item number.
    counter: i64,
    /// `<a>`: the href (decoded), until the link is written out.
    href: Option<Box<str>>,
}

/// An entry in the list of active formatting elements.
#[derive(Debug, Clone)]
enum Fmt {
    Marker,
    El {
        t: T,
        key: u64,
        serial: u32,
        delta: Delta,
        attrs_hash: u64,
        href: Option<Box<str>>,
    },
}

/// Invisible format characters: zero-width, bidi controls, soft hyphen, fillers, tag characters
/// and variation selectors beyond the emoji ones.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Output with lazy whitespace: separators are written only when visible text follows.
#[derive(Debug, Default)]
struct Writer {
    out: String,
    /// Pending line breaks (2 = a blank line).
    nl: u8,
    space: bool,
    /// Pending table-cell separators.
    cells: u16,
    marker: Option<String>,
    quote: u16,
    pre: u16,
    /// The output length when the current link opened, and where its text really starts (after
    /// the separators and list or heading marker written before its first character).
    link_mark: Option<usize>,
    link_text_start: Option<usize>,
    /// A line so far holding only `&nbsp;`: Outlook's way of writing an empty line.
    nbsp_line: bool,
}

impl Writer {
    fn block(&mut self, n: u8) {
        if !self.out.is_empty() {
            if std::mem::take(&mut self.nbsp_line) {
                self.nl = 2;
            }
            self.nl = self.nl.max(n);
        }
    }

    fn br(&mut self) {
        if !self.out.is_empty() {
            self.nl = (self.nl + 1).min(2);
        }
    }

    fn trim_spaces(&mut self) {
        let t = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(t);
    }

    fn prefix(&mut self) {
        for _ in 0..self.quote {
            self.out.push_str("> ");
        }
    }

    fn flush(&mut self) {
        self.nbsp_line = false;
        if self.out.is_empty() {
            self.nl = 0;
            self.space = false;
            self.cells = 0;
            self.prefix();
        } else if self.nl > 0 {
            self.trim_spaces();
            let have = self.out.bytes().rev().take_while(|&b| b == b'\n').count();
            for _ in have..usize::from(self.nl) {
                self.out.push('\n');
            }
            self.nl = 0;
            self.space = false;
            self.cells = 0;
            self.prefix();
        } else if self.cells > 0 {
            self.trim_spaces();
            for _ in 1..self.cells {
                self.out.push_str(" |");
            }
            self.out.push_str(" | ");
            self.cells = 0;
            self.space = false;
        } else if self.space {
            if !self.out.ends_with([' ', '\n']) {
                self.out.push(' ');
            }
            self.space = false;
        }
        if let Some(m) = self.marker.take() {
            self.out.push_str(&m);
        }
        if self.link_mark.is_some() && self.link_text_start.is_none() {
            self.link_text_start = Some(self.out.len());
        }
    }

    fn open_link(&mut self) {
        self.link_mark = Some(self.out.len());
        self.link_text_start = None;
    }

    /// Where the text of the link opened at `mark` starts.
    fn link_start(&mut self, mark: usize) -> usize {
        let start = match (self.link_mark, self.link_text_start) {
            (Some(m), Some(s)) if m == mark => s,
            _ => mark,
        };
        if self.link_mark == Some(mark) {
            self.link_mark = None;
            self.link_text_start = None;
        }
        start.min(self.out.len())
    }

    fn dirty(&self) -> bool {
        self.nl > 0 || self.space || self.cells > 0 || self.marker.is_some() || self.out.is_empty()
    }

    /// Write decoded text, collapsing whitespace (outside `<pre>`) and dropping invisible
    /// characters.
    fn text(&mut self, s: &str, invisible: &mut usize) {
        for c in s.chars() {
            if c.is_ascii_graphic() && self.pre == 0 {
                if self.dirty() {
                    self.flush();
                }
                self.out.push(c);
                continue;
            }
            if is_invisible(c) {
                *invisible += 1;
                continue;
            }
            if self.pre > 0 {
                match c {
                    '\n' | '\u{2028}' | '\u{2029}' => {
                        self.br();
                        continue;
                    }
                    '\t' => {}
                    c if c.is_control() => continue,
                    _ => {}
                }
                if self.dirty() {
                    self.flush();
                }
                self.out.push(if c.is_whitespace() { ' ' } else { c });
                continue;
            }
            if c.is_whitespace() {
                if !self.out.is_empty() {
                    self.space = true;
                    if c == '\u{A0}' && self.nl > 0 {
                        self.nbsp_line = true;
                    }
                }
                continue;
            }
            if c.is_control() {
                continue;
            }
            if self.dirty() {
                self.flush();
            }
            self.out.push(c);
        }
    }

    /// Append right after the last text, leaving pending separators pending.
    fn append(&mut self, s: &str) {
        self.out.push_str(s);
    }
}

struct Renderer<'a> {
    opts: &'a Options,
    sheet: &'a Sheet,
    w: Writer,
    stack: Vec<Open>,
    by_key: KeyMap,
    afe: Vec<Fmt>,
    serial: u32,
    next_root: u32,
    /// Bitset of the hidden roots already counted.
    counted: Vec<u64>,
    in_head: bool,
    lists: usize,
    links: Vec<Link>,
    removed: Removed,
}

impl<'a> Renderer<'a> {
    fn new(opts: &'a Options, sheet: &'a Sheet) -> Self {
        Self {
            opts,
            sheet,
            w: Writer::default(),
            stack: Vec::new(),
            by_key: KeyMap::default(),
            afe: Vec::new(),
            serial: 0,
            next_root: 0,
            counted: Vec::new(),
            in_head: false,
            lists: 0,
            links: Vec::new(),
            removed: Removed::default(),
        }
    }

    fn token(&mut self, tok: Token<'_>) {
        match tok {
            Token::Text(s) => self.text(s),
            Token::Start(t) => self.start(&t),
            Token::End(t) => self.end(&t),
            Token::Comment => self.removed.comments += 1,
            Token::Raw(_) | Token::Other => {}
        }
    }

    fn finish(mut self) -> CleanText {
        while !self.stack.is_empty() {
            self.pop();
        }
        let mut text = self.w.out;
        text.truncate(text.trim_end().len());
        CleanText {
            text,
            links: self.links,
            removed: self.removed,
        }
    }

    fn top_vis(&self) -> Vis {
        self.stack.last().map_or(ROOT_VIS, |o| o.vis)
    }

    fn top_floor(&self, kind: usize) -> u32 {
        self.stack.last().map_or(0, |o| o.floors[kind])
    }

    /// The most recent open element with `key`, if it is in the given kind of scope.
    fn in_scope(&self, key: u64, kind: usize) -> Option<u32> {
        let s = *self.by_key.get(&key)?.last()?;
        (s >= self.top_floor(kind)).then_some(s)
    }

    fn on_stack(&self, key: u64, serial: u32) -> bool {
        self.by_key
            .get(&key)
            .is_some_and(|v| v.binary_search(&serial).is_ok())
    }

    fn index_of(&self, serial: u32) -> Option<usize> {
        self.stack.binary_search_by_key(&serial, |o| o.serial).ok()
    }

    // ----- text -------------------------------------------------------------------------

    fn text(&mut self, raw: &str) {
        let blank = raw.bytes().all(|b| b.is_ascii_whitespace());
        if self.in_head {
            if blank {
                return;
            }
            self.in_head = false;
        }
        if !blank {
            self.reconstruct();
        }
        let vis = self.top_vis();
        let s = decode(raw, false);
        if vis.visible() {
            self.w.text(&s, &mut self.removed.zero_width_chars);
        } else if s.chars().any(|c| !c.is_whitespace() && !is_invisible(c)) {
            self.count_hidden(vis.root);
        }
    }

    fn count_hidden(&mut self, root: u32) {
        let (word, bit) = ((root / 64) as usize, 1u64 << (root % 64));
        if self.counted.len() <= word {
            self.counted.resize(word + 1, 0);
        }
        if self.counted[word] & bit == 0 {
            self.counted[word] |= bit;
            self.removed.hidden_blocks += 1;
        }
    }

    // ----- start tags -------------------------------------------------------------------

    fn start(&mut self, tag: &Tag<'_>) {
        let (t, key, name) = classify(tag.name);
        if t.is_raw() {
            if matches!(t, T::Script | T::Style) {
                self.removed.scripts_styles += 1;
            }
            return;
        }
        if self.in_head {
            match t {
                T::Base | T::Basefont | T::Bgsound | T::Link | T::Meta | T::Head => return,
                T::Noscript | T::Template => {}
                _ => self.in_head = false,
            }
        }
        match t {
            T::Head => {
                if self.w.out.is_empty() && self.stack.iter().all(|o| o.t == T::Html) {
                    self.in_head = true;
                }
                return;
            }
            T::Html if !self.stack.is_empty() => return,
            T::Body if self.by_key.get(&KEY_BODY).is_some_and(|v| !v.is_empty()) => return,
            T::Br => {
                self.reconstruct();
                if self.top_vis().visible() {
                    self.w.br();
                }
                return;
            }
            T::Hr => {
                self.close_p();
                let (c, _) = self.cascade(tag, t, name.as_str());
                if self.top_vis().visible() && !c.delta().hide {
                    self.w.block(2);
                    self.w.text("---", &mut 0);
                    self.w.block(2);
                }
                return;
            }
            T::Img | T::Image => {
                self.reconstruct();
                self.image(tag, t, name.as_str());
                return;
            }
            _ if t.is_void() => return,
            _ => {}
        }

        // Implied end tags.
        if t.closes_p() {
            self.close_p();
        }
        let close = match t {
            _ if t.heading().is_some() => self
                .stack
                .last()
                .filter(|o| o.t.heading().is_some())
                .map(|o| o.serial),
            T::Li => self.in_scope(KEY_LI, SPECIAL_ADP),
            T::Dd | T::Dt => self.in_scope(KEY_DDT, SPECIAL_ADP),
            T::Td | T::Th => self.in_scope(KEY_CELL, TABLE),
            T::Tr => self.in_scope(KEY_TR, TABLE),
            T::Tbody | T::Thead | T::Tfoot => self.in_scope(KEY_TSEC, TABLE),
            _ => None,
        };
        if let Some(s) = close {
            self.pop_to(s);
        }
        if t == T::A {
            self.close_open_link();
        }
        if !t.no_reconstruct() {
            self.reconstruct();
        }

        let (cascade, aria_hidden) = self.cascade(tag, t, name.as_str());
        let mut delta = cascade.delta();
        delta.hide |= aria_hidden || t.ua_hidden();
        let href = if t == T::A {
            tag.attr("href")
                .map(|h| decode(h, true).into_owned().into_boxed_str())
        } else {
            None
        };
        let Some(serial) = self.push(t, key, delta, href.clone()) else {
            return;
        };
        if t == T::Ol {
            let start = tag
                .attr("start")
                .and_then(|s| s.trim().parse::<i64>().ok())
                .unwrap_or(1);
            if let Some(o) = self.stack.last_mut() {
                o.counter = start.saturating_sub(1);
            }
        }
        if t.is_formatting() {
            self.afe_push(Fmt::El {
                t,
                key,
                serial,
                delta,
                attrs_hash: fnv(tag.raw_attrs().as_bytes()),
                href,
            });
        }
        if t.is_marker() {
            self.afe.push(Fmt::Marker);
        }
    }

    fn close_p(&mut self) {
        if let Some(s) = self.in_scope(KEY_P, BUTTON) {
            self.pop_to(s);
        }
    }

    /// The cascaded styles of an element, and whether it is `aria-hidden`.
    fn cascade(&self, tag: &Tag<'_>, t: T, name: &str) -> (Cascade, bool) {
        let mut c = Cascade::default();
        let (mut style, mut class, mut id) = (None, None, None);
        let mut aria_hidden = false;
        let mut seen = [false; 4];
        for (n, v) in tag.attrs() {
            let once = |i: usize, seen: &mut [bool; 4]| !std::mem::replace(&mut seen[i], true);
            if n.eq_ignore_ascii_case("style") {
                style = style.or(Some(v));
            } else if n.eq_ignore_ascii_case("class") {
                class = class.or(Some(v));
            } else if n.eq_ignore_ascii_case("id") {
                id = id.or(Some(v));
            } else if n.eq_ignore_ascii_case("hidden") {
                c.set(Prop::Display, Val::Flag(true), PRIO_ATTR);
            } else if n.eq_ignore_ascii_case("aria-hidden") {
                aria_hidden |= decode(v, true).trim().eq_ignore_ascii_case("true");
            } else if n.eq_ignore_ascii_case("bgcolor") && once(0, &mut seen) {
                if let Some(col) = css::parse_attr_color(&decode(v, true)) {
                    c.set(Prop::BgColor, Val::Color(col), PRIO_ATTR);
                }
            } else if n.eq_ignore_ascii_case("background") && once(1, &mut seen) {
                if !v.trim().is_empty() {
                    c.set(Prop::BgImage, Val::Flag(true), PRIO_ATTR);
                }
            } else if (n.eq_ignore_ascii_case("color") && t == T::Font
                || n.eq_ignore_ascii_case("text") && t == T::Body)
                && once(2, &mut seen)
            {
                if let Some(col) = css::parse_attr_color(&decode(v, true)) {
                    c.set(Prop::Color, Val::Color(col), PRIO_ATTR);
                }
            }
        }
        if !self.sheet.is_empty() {
            let class = class.map(|v| decode(v, true));
            let id = id.map(|v| decode(v, true));
            let attr = |n: &str| tag.attr(n).map(|v| decode(v, true).into_owned());
            let el = css::Element {
                tag: name,
                class: class.as_deref().unwrap_or(""),
                id: id.as_deref(),
                attr: &attr,
            };
            self.sheet.apply(&mut c, &el);
        }
        if let Some(s) = style {
            c.apply(&decode(s, true), PRIO_INLINE);
        }
        (c, aria_hidden)
    }

    fn image(&mut self, tag: &Tag<'_>, t: T, name: &str) {
        let (c, aria_hidden) = self.cascade(tag, t, name);
        let attr_px = |n: &str| tag.attr(n).and_then(|v| css::attr_px(&decode(v, true)));
        let w = c.px(Prop::Width).or_else(|| attr_px("width"));
        let h = c.px(Prop::Height).or_else(|| attr_px("height"));
        let tiny = matches!((w, h), (Some(w), Some(h)) if w <= 1.0 && h <= 1.0)
            || w.is_some_and(|w| w <= 0.0)
            || h.is_some_and(|h| h <= 0.0);
        if tiny {
            self.removed.tracking_images += 1;
            return;
        }
        let d = c.delta();
        let parent = self.top_vis();
        if aria_hidden || d.hide || parent.box_hidden() || parent.opacity * d.opacity <= 0.05 {
            return;
        }
        if !self.opts.images {
            return;
        }
        let src = tag.attr("src").map(|s| decode(s, true)).unwrap_or_default();
        let cid = src
            .trim_start()
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("cid:"));
        let alt = tag
            .attr("alt")
            .map(|a| clean_inline(&decode(a, true), ALT_MAX_CHARS))
            .unwrap_or_default();
        let label = match (alt.is_empty(), cid) {
            (false, _) => format!("[image: {alt}]"),
            (true, true) => "[image]".to_string(),
            (true, false) => return,
        };
        self.w.text(&label, &mut 0);
    }

    // ----- end tags ---------------------------------------------------------------------

    fn end(&mut self, tag: &Tag<'_>) {
        let (t, key, _) = classify(tag.name);
        if t.is_raw() {
            return;
        }
        if self.in_head {
            match t {
                T::Head => {
                    self.in_head = false;
                    return;
                }
                T::Body | T::Html | T::Br => self.in_head = false,
                _ => return,
            }
        }
        let target = match t {
            T::Head | T::Html | T::Body => None,
            T::Br => {
                self.reconstruct();
                if self.top_vis().visible() {
                    self.w.br();
                }
                None
            }
            T::P => {
                let s = self.in_scope(key, BUTTON);
                if s.is_none() && self.top_vis().visible() {
                    self.w.block(2);
                }
                s
            }
            T::Li => self.in_scope(key, LIST),
            T::Td
            | T::Th
            | T::Tr
            | T::Tbody
            | T::Thead
            | T::Tfoot
            | T::Table
            | T::Caption
            | T::Template => self.in_scope(key, TABLE),
            _ if t.is_formatting() => {
                self.end_formatting(key);
                None
            }
            _ if t.is_special() => self.in_scope(key, DEFAULT),
            _ => {
                self.end_other(key);
                None
            }
        };
        if let Some(s) = target {
            self.pop_to(s);
        }
    }

    /// WHATWG "any other end tag": the nearest element with this name, unless a special element
    /// comes first.
    fn end_other(&mut self, key: u64) {
        if let Some(s) = self.in_scope(key, SPECIAL) {
            self.pop_to(s);
        }
    }

    /// A simplified adoption agency: enough to agree with browsers on what is inside what.
    fn end_formatting(&mut self, key: u64) {
        let found = self.afe.iter().rposition(|f| match f {
            Fmt::Marker => true,
            Fmt::El { key: k, .. } => *k == key,
        });
        let Some(i) = found else {
            return self.end_other(key);
        };
        let Fmt::El { serial, .. } = self.afe[i] else {
            return self.end_other(key);
        };
        if !self.on_stack(key, serial) {
            self.afe.remove(i);
            return;
        }
        if serial < self.top_floor(DEFAULT) {
            return;
        }
        self.afe.remove(i);
        let top = self.stack.last().map_or(0, |o| o.serial);
        if top == serial {
            self.pop();
        } else if self.top_floor(SPECIAL) > serial {
            // A block opened inside the formatting element stays open; the formatting element
            // no longer applies to what follows.
            self.remove_middle(serial);
        } else {
            self.pop_to(serial);
        }
    }

    // ----- the stack --------------------------------------------------------------------

    fn push(&mut self, t: T, key: u64, delta: Delta, href: Option<Box<str>>) -> Option<u32> {
        let parent = self.top_vis();
        let vis = derive(&parent, &delta, false, &mut self.next_root);
        if self.stack.len() >= MAX_DEPTH {
            // Not opened, but a visible block still breaks the line.
            if vis.visible() && t.block() > 0 {
                self.w.block(t.block());
            }
            if !vis.visible() && parent.visible() {
                if let Some(top) = self.stack.last_mut() {
                    top.forced_hidden = true;
                    top.vis.hidden = true;
                    top.vis.root = vis.root;
                }
            }
            return None;
        }
        self.serial = self.serial.saturating_add(1);
        let serial = self.serial;
        let parent_floors = self.stack.last().map_or([0; 6], |o| o.floors);
        self.by_key.entry(key).or_default().push(serial);
        self.stack.push(Open {
            t,
            key,
            serial,
            floors: floors(parent_floors, t, serial),
            delta,
            forced_hidden: false,
            vis,
            mark: self.w.out.len(),
            counter: 0,
            href,
        });
        self.opened();
        Some(serial)
    }

    fn pop(&mut self) {
        let Some(e) = self.stack.pop() else {
            return;
        };
        if let Some(v) = self.by_key.get_mut(&e.key) {
            if let Some(i) = v.iter().rposition(|&s| s == e.serial) {
                v.remove(i);
            }
        }
        self.closed(e);
    }

    fn pop_to(&mut self, serial: u32) {
        while self.stack.last().is_some_and(|o| o.serial >= serial) {
            self.pop();
        }
    }

    fn remove_middle(&mut self, serial: u32) {
        let Some(idx) = self.index_of(serial) else {
            return;
        };
        let e = self.stack.remove(idx);
        if let Some(v) = self.by_key.get_mut(&e.key) {
            if let Some(i) = v.iter().rposition(|&s| s == serial) {
                v.remove(i);
            }
        }
        let mut parent = if idx == 0 {
            ROOT_VIS
        } else {
            self.stack[idx - 1].vis
        };
        for o in &mut self.stack[idx..] {
            o.vis = derive(&parent, &o.delta, o.forced_hidden, &mut self.next_root);
            parent = o.vis;
        }
        self.closed(e);
    }

    /// WHATWG "reconstruct the active formatting elements".
    fn reconstruct(&mut self) {
        let stale = |f: &Fmt, r: &Self| match f {
            Fmt::Marker => false,
            Fmt::El { key, serial, .. } => !r.on_stack(*key, *serial),
        };
        let n = self.afe.len();
        if n == 0 || !stale(&self.afe[n - 1], self) {
            return;
        }
        let mut i = n - 1;
        while i > 0 && stale(&self.afe[i - 1], self) {
            i -= 1;
        }
        for j in i..n {
            let Fmt::El {
                t,
                key,
                delta,
                href,
                ..
            } = self.afe[j].clone()
            else {
                continue;
            };
            if let Some(s) = self.push(t, key, delta, href) {
                if let Fmt::El { serial, .. } = &mut self.afe[j] {
                    *serial = s;
                }
            }
        }
    }

    fn afe_push(&mut self, f: Fmt) {
        let Fmt::El {
            key, attrs_hash, ..
        } = f
        else {
            return;
        };
        let start = self
            .afe
            .iter()
            .rposition(|f| matches!(f, Fmt::Marker))
            .map_or(0, |m| m + 1);
        // The "Noah's Ark" clause: at most three identical entries.
        let same: Vec<usize> = (start..self.afe.len())
            .filter(|&i| {
                matches!(&self.afe[i], Fmt::El { key: k, attrs_hash: h, .. } if *k == key && *h == attrs_hash)
            })
            .collect();
        if same.len() >= 3 {
            self.afe.remove(same[0]);
        }
        if self.afe.len() - start >= AFE_CAP {
            self.afe.remove(start);
        }
        self.afe.push(f);
    }

    fn clear_to_marker(&mut self) {
        while let Some(f) = self.afe.pop() {
            if matches!(f, Fmt::Marker) {
                break;
            }
        }
    }

    // ----- layout -----------------------------------------------------------------------

    fn opened(&mut self) {
        let Some(o) = self.stack.last() else {
            return;
        };
        let (t, visible) = (o.t, o.vis.visible());
        match t {
            T::Pre | T::Listing => self.w.pre += 1,
            T::Blockquote => self.w.quote += 1,
            T::Ol | T::Ul => self.lists += 1,
            T::A => self.w.open_link(),
            _ => {}
        }
        if !visible {
            return;
        }
        if let Some(level) = t.heading() {
            self.w.block(2);
            self.w.marker = Some(format!("{} ", "#".repeat(level)));
            return;
        }
        match t {
            T::Li => {
                self.w.block(1);
                self.w.marker = Some(self.li_marker());
            }
            T::Ul | T::Ol => self.w.block(if self.lists > 1 { 1 } else { 2 }),
            T::Td | T::Th => self.cell_start(),
            t => {
                let n = t.block();
                if n > 0 {
                    self.w.block(n);
                }
            }
        }
    }

    fn closed(&mut self, e: Open) {
        match e.t {
            T::Pre | T::Listing => self.w.pre = self.w.pre.saturating_sub(1),
            T::Blockquote => self.w.quote = self.w.quote.saturating_sub(1),
            T::Ol | T::Ul => self.lists = self.lists.saturating_sub(1),
            _ => {}
        }
        if e.t.is_marker() {
            self.clear_to_marker();
        }
        if let Some(href) = &e.href {
            self.finish_link(e.mark, href);
        }
        if !e.vis.visible() {
            return;
        }
        if e.t.heading().is_some() || e.t == T::Li {
            self.w.marker = None;
        }
        match e.t {
            T::Ul | T::Ol => self.w.block(if self.lists > 0 { 1 } else { 2 }),
            T::Td | T::Th => {}
            t => {
                let n = t.block();
                if n > 0 {
                    self.w.block(n);
                }
            }
        }
    }

    fn li_marker(&mut self) -> String {
        let last = |k| self.by_key.get(&k).and_then(|v| v.last()).copied();
        let indent = "  ".repeat(self.lists.saturating_sub(1));
        let (ol, ul) = (last(KEY_OL), last(KEY_UL));
        if ol > ul {
            if let Some(i) = ol.and_then(|s| self.index_of(s)) {
                let o = &mut self.stack[i];
                o.counter = o.counter.saturating_add(1);
                return format!("{indent}{}. ", o.counter);
            }
        }
        format!("{indent}- ")
    }

    fn cell_start(&mut self) {
        let Some(tr) = self.in_scope(KEY_TR, TABLE) else {
            return;
        };
        if let Some(i) = self.index_of(tr) {
            if self.w.out.len() > self.stack[i].mark {
                // Runs of empty cells are capped: a row of thousands adds nothing readable.
                self.w.cells = (self.w.cells + 1).min(16);
            }
        }
    }

    // ----- links ------------------------------------------------------------------------

    /// A new `<a>` ends any open link's text (browsers do not nest links).
    fn close_open_link(&mut self) {
        let in_afe = self
            .afe
            .iter()
            .rev()
            .take_while(|f| !matches!(f, Fmt::Marker))
            .any(|f| matches!(f, Fmt::El { key, .. } if *key == KEY_A));
        if in_afe {
            self.end_formatting(KEY_A);
            let start = self
                .afe
                .iter()
                .rposition(|f| matches!(f, Fmt::Marker))
                .map_or(0, |m| m + 1);
            let mut i = start;
            while i < self.afe.len() {
                if matches!(&self.afe[i], Fmt::El { key, .. } if *key == KEY_A) {
                    self.afe.remove(i);
                } else {
                    i += 1;
                }
            }
        }
        if let Some(i) = self
            .by_key
            .get(&KEY_A)
            .and_then(|v| v.last())
            .and_then(|&s| self.index_of(s))
        {
            if let Some(href) = self.stack[i].href.take() {
                let mark = self.stack[i].mark;
                self.finish_link(mark, &href);
            }
        }
    }

    fn finish_link(&mut self, mark: usize, href: &str) {
        let mark = self.w.link_start(mark);
        let Some(raw) = self.w.out.get(mark..) else {
            return;
        };
        let lead = raw.len() - raw.trim_start().len();
        let multiline = raw.trim().contains('\n');
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return;
        }
        let href = url::clean_href(href);
        let target = url::target(&href, self.opts.max_query_chars, self.opts.max_url_chars);
        let display = match &target {
            Target::Drop => return,
            Target::Web { display, .. } | Target::Other { display } => display.clone(),
            Target::Mail { addr } => addr.clone(),
        };
        let mismatch = match (url::shown(&text), &target) {
            (
                Some(Shown::Host(shown) | Shown::Email { host: shown, .. }),
                Target::Web { host, .. },
            ) if !url::same_site(&shown, host) => {
                let note = if host.is_ascii() {
                    ""
                } else {
                    " (look-alike characters)"
                };
                Some((shown, format!("goes to {host}{note}")))
            }
            (Some(Shown::Email { addr: shown, .. }), Target::Mail { addr })
                if !shown.eq_ignore_ascii_case(addr) =>
            {
                Some((shown, format!("mails {addr}")))
            }
            (Some(Shown::Host(shown)), Target::Mail { addr })
                if !url::same_site(&shown, addr.rsplit('@').next().unwrap_or(addr)) =>
            {
                Some((shown, format!("mails {addr}")))
            }
            _ => None,
        };
        self.links.push(Link {
            text: text.clone(),
            url: href.clone(),
            shown_host: mismatch.as_ref().map(|(s, _)| s.clone()),
        });
        let mut suffix = String::new();
        if self.opts.link_urls {
            let same = url::text_is_href(&text, &href) || text.eq_ignore_ascii_case(&display);
            if !same {
                suffix = format!(" ({display})");
            } else if !multiline && display.len() < text.len() {
                // The text is the (long) URL itself: show it shortened.
                self.w.out.truncate(mark + lead);
                self.w.out.push_str(&display);
            }
        }
        if let Some((shown, goes)) = mismatch {
            suffix.push_str(&format!(" [link text shows {shown} but {goes}]"));
        }
        self.w.append(&suffix);
    }
}

/// Alt text and the like: invisible characters removed, whitespace collapsed, length capped.
fn clean_inline(s: &str, max_chars: usize) -> String {
    let cleaned: String = s.chars().filter(|&c| !is_invisible(c)).collect();
    let mut out = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((i, _)) = out.char_indices().nth(max_chars) {
        out.truncate(i);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tag_table_is_sorted() {
        assert!(super::TAGS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(super::T::from_lower("blockquote"), super::T::Blockquote);
        assert_eq!(super::T::from_lower("xyz"), super::T::Other);
    }
}
