//! Just enough CSS to tell whether text is visible.
//!
//! * Properties that hide: `display`, `visibility`, `content-visibility`, `opacity` and
//!   `filter:opacity()`, `font-size`, `color`/`-webkit-text-fill-color` against the background
//!   (colours, uniform gradients), a box of at most 1px (`height`, `max-height`, `width`,
//!   `max-width`) with `overflow:hidden`, `clip`/`clip-path`, `mso-hide`, off-screen positioning,
//!   `text-indent`, large negative margins, `transform` (`scale(0)`, far `translate`).
//! * Syntax: colours (hex, `rgb[a]()`, `hsl[a]()`, the named colours), `!important`, comments,
//!   escapes (`d\isplay`), and the cascade order attribute < sheet < inline < `!important`.
//! * Style sheets: see [`Sheet`]; `@media` is evaluated for a desktop reading pane, `@supports`
//!   and similar groups are entered, other at-rules skipped.

/// An sRGB colour with alpha in `0.0..=1.0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgba {
    pub(crate) r: u8,
    pub(crate) g: u8,
    pub(crate) b: u8,
    pub(crate) a: f32,
}

impl Rgba {
    pub(crate) const BLACK: Rgba = Rgba::rgb(0, 0, 0);
    pub(crate) const WHITE: Rgba = Rgba::rgb(255, 255, 255);

    pub(crate) const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b, a: 1.0 }
    }

    /// `self` painted over the opaque `under`, with extra `opacity`.
    pub(crate) fn over(self, under: Rgba, opacity: f32) -> Rgba {
        let a = (self.a * opacity).clamp(0.0, 1.0);
        let mix = |f: u8, u: u8| (f32::from(f) * a + f32::from(u) * (1.0 - a)).round() as u8;
        Rgba::rgb(
            mix(self.r, under.r),
            mix(self.g, under.g),
            mix(self.b, under.b),
        )
    }

    /// Too close to tell apart: every channel within 24 of 255 (white text on `#fafbfc`,
    /// `#f2f3f5` on `#f2f3f5`, `#eee` on white are invisible; `#ddd` or `#999` on white are not).
    pub(crate) fn indistinguishable(self, other: Rgba) -> bool {
        const CLOSE: u8 = 24;
        self.r.abs_diff(other.r) <= CLOSE
            && self.g.abs_diff(other.g) <= CLOSE
            && self.b.abs_diff(other.b) <= CLOSE
    }
}

/// The properties that matter for visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prop {
    Display,
    Visibility,
    Opacity,
    FontSize,
    Color,
    BgColor,
    BgImage,
    Height,
    MaxHeight,
    Width,
    MaxWidth,
    Overflow,
    MsoHide,
    Position,
    Left,
    Top,
    TextIndent,
    Transform,
    /// `-webkit-text-fill-color`: paints the text instead of `color`.
    FillColor,
    ContentVisibility,
    Clip,
    FilterOpacity,
    MarginLeft,
    MarginTop,
}

const PROPS: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Val {
    Flag(bool),
    Num(f32),
    Font(Font),
    Color(Rgba),
    /// `inherit`, `currentcolor`, a percentage length…: as if not declared.
    Inherit,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Font {
    Inherit,
    /// An absolute size in px.
    Abs(f32),
    /// A factor of the parent's size (`em`, `%`, `smaller`).
    Rel(f32),
}

/// What an element's own styles (and presentational attributes) do to visibility.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Delta {
    /// Hidden with everything inside it, whatever the descendants say.
    pub(crate) hide: bool,
    pub(crate) font: Font,
    pub(crate) color: Option<Rgba>,
    pub(crate) bg: Option<Bg>,
    pub(crate) opacity: f32,
}

impl Default for Delta {
    fn default() -> Self {
        Self {
            hide: false,
            font: Font::Inherit,
            color: None,
            bg: None,
            opacity: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bg {
    Color(Rgba),
    /// A background image or gradient: the colour behind the text is unknown.
    Image,
}

/// Priorities: presentational attribute < stylesheet < inline < stylesheet `!important` <
/// inline `!important`. Within one priority the later declaration wins.
pub(crate) const PRIO_ATTR: u8 = 0;
pub(crate) const PRIO_SHEET: u8 = 1;
pub(crate) const PRIO_INLINE: u8 = 2;

/// The cascaded values for one element.
#[derive(Debug, Default)]
pub(crate) struct Cascade {
    slots: [Option<(Val, u8)>; PROPS],
}

impl Cascade {
    pub(crate) fn set(&mut self, p: Prop, v: Val, prio: u8) {
        let slot = &mut self.slots[p as usize];
        if slot.is_none_or(|(_, old)| prio >= old) {
            *slot = Some((v, prio));
        }
    }

    /// Apply a declaration list (a `style` attribute or a rule body).
    pub(crate) fn apply(&mut self, decls: &str, prio: u8) {
        parse_decls(decls, &mut |p, v, important| {
            self.set(p, v, if important { prio + 2 } else { prio });
        });
    }

    pub(crate) fn apply_parsed(&mut self, decls: &[(Prop, Val, bool)], prio: u8) {
        for &(p, v, important) in decls {
            self.set(p, v, if important { prio + 2 } else { prio });
        }
    }

    fn get(&self, p: Prop) -> Option<Val> {
        self.slots[p as usize].map(|(v, _)| v)
    }

    fn flag(&self, p: Prop) -> bool {
        self.get(p) == Some(Val::Flag(true))
    }

    /// A length declared in px (or an absolute unit converted to px).
    pub(crate) fn px(&self, p: Prop) -> Option<f32> {
        self.num(p)
    }

    fn num(&self, p: Prop) -> Option<f32> {
        match self.get(p) {
            Some(Val::Num(n)) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn delta(&self) -> Delta {
        let tiny_box = [Prop::Height, Prop::MaxHeight, Prop::Width, Prop::MaxWidth]
            .iter()
            .any(|&p| self.num(p).is_some_and(|n| n <= 1.0));
        let off_screen = self.flag(Prop::Position)
            && [Prop::Left, Prop::Top]
                .iter()
                .any(|&p| self.num(p).is_some_and(|n| n <= -500.0));
        let far = |p| self.num(p).is_some_and(|n| n <= -1000.0);
        let hide = self.flag(Prop::Display)
            || self.flag(Prop::Visibility)
            || self.flag(Prop::ContentVisibility)
            || self.flag(Prop::MsoHide)
            || self.flag(Prop::Transform)
            || self.flag(Prop::Clip)
            || (tiny_box && self.flag(Prop::Overflow))
            || off_screen
            || self.num(Prop::TextIndent).is_some_and(|n| n <= -500.0)
            || far(Prop::MarginLeft)
            || far(Prop::MarginTop);
        // A uniform gradient is a colour; any other image makes the background unknown.
        let bg = match self.get(Prop::BgImage) {
            Some(Val::Flag(true)) => Some(Bg::Image),
            Some(Val::Color(c)) if c.a > 0.0 => Some(Bg::Color(c)),
            _ => match self.get(Prop::BgColor) {
                Some(Val::Color(c)) if c.a > 0.0 => Some(Bg::Color(c)),
                _ => None,
            },
        };
        let color = match (self.get(Prop::FillColor), self.get(Prop::Color)) {
            (Some(Val::Color(c)), _) | (_, Some(Val::Color(c))) => Some(c),
            _ => None,
        };
        Delta {
            hide,
            font: match self.get(Prop::FontSize) {
                Some(Val::Font(f)) => f,
                _ => Font::Inherit,
            },
            color,
            bg,
            opacity: self.num(Prop::Opacity).unwrap_or(1.0).clamp(0.0, 1.0)
                * self.num(Prop::FilterOpacity).unwrap_or(1.0).clamp(0.0, 1.0),
        }
    }
}

/// Remove `/* … */` comments (an unterminated one runs to the end).
fn strip_comments(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains("/*") {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        out.push(' ');
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out.into()
}

/// Split `s` at `sep` outside parentheses and quotes.
fn split_top(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let b = s.as_bytes();
    let mut depth = 0u32;
    let mut quote = 0u8;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        match c {
            _ if quote != 0 && c == quote => quote = 0,
            _ if quote != 0 => {}
            b'"' | b'\'' => quote = c,
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.into_iter()
}

/// Parse a declaration list, calling `f(prop, value, important)` for each relevant, valid one.
/// (A `dyn` callback: one copy of this large function in the wasm, not one per caller.)
pub(crate) fn parse_decls(decls: &str, f: &mut dyn FnMut(Prop, Val, bool)) {
    let decls = strip_comments(decls);
    for decl in split_top(&decls, b';') {
        let Some((name, value)) = decl.split_once(':') else {
            continue;
        };
        let (name, value) = (unescape(name), unescape(value));
        let name = name.trim();
        let mut value = value.trim();
        let mut important = false;
        if let Some(bang) = value.rfind('!') {
            if value[bang + 1..].trim().eq_ignore_ascii_case("important") {
                important = true;
                value = value[..bang].trim_end();
            }
        }
        let lower = value.to_ascii_lowercase();
        let v = lower.as_str();
        let mut emit = |p, val: Option<Val>| {
            if let Some(val) = val {
                f(p, val, important);
            }
        };
        let name = name.to_ascii_lowercase();
        let Ok(i) = PROPERTIES.binary_search_by(|(n, _)| n.cmp(&name.as_str())) else {
            continue;
        };
        let prop = PROPERTIES[i].1;
        if name == "background" {
            emit(Prop::BgImage, Some(background_image(v)));
            let c = split_ws_top(v).find_map(parse_color);
            let transparent = Rgba {
                a: 0.0,
                ..Rgba::BLACK
            };
            emit(Prop::BgColor, Some(Val::Color(c.unwrap_or(transparent))));
            continue;
        }
        let val = match prop {
            Prop::Display => keyword(v, |k| k == "none"),
            Prop::Visibility => keyword(v, |k| k == "hidden" || k == "collapse"),
            Prop::ContentVisibility => keyword(v, |k| k == "hidden"),
            Prop::Position => keyword(v, |k| k == "absolute" || k == "fixed"),
            Prop::Opacity => number_or_percent(v).map(Val::Num),
            Prop::FontSize => font_size(v),
            Prop::Color | Prop::FillColor | Prop::BgColor => color_val(v),
            Prop::BgImage => Some(background_image(v)),
            Prop::Overflow => Some(Val::Flag(
                v.split_ascii_whitespace()
                    .any(|k| k == "hidden" || k == "clip"),
            )),
            Prop::MsoHide => Some(Val::Flag(v == "all")),
            Prop::Transform => Some(Val::Flag(transform_hides(v))),
            Prop::Clip => Some(Val::Flag(clip_hides(v))),
            Prop::FilterOpacity => Some(match functions(v).find(|(f, _)| *f == "opacity") {
                Some((_, args)) => number_or_percent(args.trim()).map_or(Val::Inherit, Val::Num),
                None => Val::Inherit,
            }),
            // Lengths: height, widths, offsets, margins, text-indent.
            _ => length_val(v),
        };
        emit(prop, val);
    }
}

/// The properties read, by name (sorted for binary search).
const PROPERTIES: &[(&str, Prop)] = &[
    ("-webkit-text-fill-color", Prop::FillColor),
    ("background", Prop::BgImage),
    ("background-color", Prop::BgColor),
    ("background-image", Prop::BgImage),
    ("clip", Prop::Clip),
    ("clip-path", Prop::Clip),
    ("color", Prop::Color),
    ("content-visibility", Prop::ContentVisibility),
    ("display", Prop::Display),
    ("filter", Prop::FilterOpacity),
    ("font-size", Prop::FontSize),
    ("height", Prop::Height),
    ("left", Prop::Left),
    ("margin-left", Prop::MarginLeft),
    ("margin-top", Prop::MarginTop),
    ("max-height", Prop::MaxHeight),
    ("max-width", Prop::MaxWidth),
    ("mso-hide", Prop::MsoHide),
    ("opacity", Prop::Opacity),
    ("overflow", Prop::Overflow),
    ("overflow-x", Prop::Overflow),
    ("overflow-y", Prop::Overflow),
    ("position", Prop::Position),
    ("text-indent", Prop::TextIndent),
    ("top", Prop::Top),
    ("transform", Prop::Transform),
    ("visibility", Prop::Visibility),
    ("width", Prop::Width),
];

fn is_global_keyword(v: &str) -> bool {
    matches!(
        v,
        "inherit" | "initial" | "unset" | "revert" | "revert-layer"
    )
}

fn keyword(v: &str, hidden: impl Fn(&str) -> bool) -> Option<Val> {
    if is_global_keyword(v) {
        return Some(Val::Inherit);
    }
    if v.is_empty() {
        return None;
    }
    Some(Val::Flag(hidden(v)))
}

/// `background-image` (or the image part of `background`): `Flag(false)` for none, a colour
/// for a gradient whose stops are all alike, `Flag(true)` for anything else.
fn background_image(v: &str) -> Val {
    if v.contains("url(") || v.contains("image(") || v.contains("element(") {
        return Val::Flag(true);
    }
    let mut stops: Vec<Rgba> = Vec::new();
    let mut gradient = false;
    for (_, args) in functions(v).filter(|(f, _)| f.ends_with("gradient")) {
        gradient = true;
        for part in split_top(args, b',') {
            match split_ws_top(part.trim()).find_map(parse_color) {
                Some(c) => stops.push(c),
                None if part.contains(['(', '#']) => return Val::Flag(true),
                None => {} // a direction or position: `to right`, `45deg`
            }
        }
    }
    match stops.first() {
        _ if !gradient => Val::Flag(false),
        Some(&first)
            if stops
                .iter()
                .all(|c| c.indistinguishable(first) && c.a >= 1.0) =>
        {
            Val::Color(first)
        }
        _ => Val::Flag(true),
    }
}

/// The `name(args)` calls in a value, outermost only.
fn functions(v: &str) -> impl Iterator<Item = (&str, &str)> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(open) = b[i..].iter().position(|&c| c == b'(').map(|p| p + i) {
        let name_start = b[..open]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))
            .map_or(0, |p| p + 1);
        let mut depth = 0u32;
        let mut close = b.len();
        for (j, &c) in b.iter().enumerate().skip(open) {
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((&v[name_start..open], &v[open + 1..close]));
        i = (close + 1).min(b.len());
    }
    out.into_iter()
}

/// `scale(0)`, `scale(0.01)`, `matrix(0,0,0,0,…)`, `translateX(-9999px)`: nothing readable left.
fn transform_hides(v: &str) -> bool {
    functions(v).any(|(f, args)| {
        let nums = || {
            args.split([',', ' '])
                .filter(|a| !a.trim().is_empty())
                .filter_map(|a| number_prefix(a.trim()))
        };
        match f {
            "scale" | "scalex" | "scaley" | "scale3d" => nums().any(|(n, _)| n.abs() <= 0.05),
            "matrix" | "matrix3d" => {
                let n: Vec<f32> = nums().map(|(n, _)| n).collect();
                n.len() >= 4 && n[0].abs() <= 0.05 && n[3].abs() <= 0.05
            }
            "translate" | "translatex" | "translatey" | "translate3d" => nums()
                .filter_map(|(n, unit)| absolute_px(n, unit))
                .any(|px| px.abs() >= 2000.0),
            _ => false,
        }
    })
}

/// `clip: rect(0 0 0 0)` (a box of at most 1px), `clip-path: inset(50%)`, `circle(0)`.
fn clip_hides(v: &str) -> bool {
    functions(v).any(|(f, args)| {
        let nums: Vec<(f32, &str)> = args
            .split([',', ' '])
            .filter(|a| !a.trim().is_empty())
            .filter_map(|a| number_prefix(a.trim()))
            .collect();
        match f {
            "rect" if nums.len() == 4 => {
                let (top, right, bottom, left) = (nums[0].0, nums[1].0, nums[2].0, nums[3].0);
                right - left <= 1.0 || bottom - top <= 1.0
            }
            "inset" => nums
                .first()
                .is_some_and(|&(n, unit)| unit == "%" && n >= 50.0),
            "circle" | "ellipse" => nums.first().is_some_and(|&(n, _)| n <= 0.0),
            _ => false,
        }
    })
}

/// Resolve CSS escapes (`d\isplay`, `\6e one`): browsers do, so hiding must see through them.
fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\\') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let (mut v, mut digits) = (0u32, 0);
        while digits < 6 {
            let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) else {
                break;
            };
            v = v * 16 + d;
            digits += 1;
            chars.next();
        }
        if digits == 0 {
            match chars.next() {
                Some('\n') | None => {}
                Some(other) => out.push(other),
            }
            continue;
        }
        if chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
        out.push(char::from_u32(v).filter(|_| v != 0).unwrap_or('\u{FFFD}'));
    }
    out.into()
}

/// Whitespace-separated tokens, keeping `rgb(1, 2, 3)` together.
fn split_ws_top(v: &str) -> impl Iterator<Item = &str> {
    let mut out = Vec::new();
    let mut depth = 0u32;
    let mut start = None;
    for (i, c) in v.char_indices() {
        match c {
            '(' => {
                depth += 1;
                start.get_or_insert(i);
            }
            ')' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => {
                if let Some(s) = start.take() {
                    out.push(&v[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push(&v[s..]);
    }
    out.into_iter()
}

/// A leading number (`12`, `-0.5`, `.5`) and the rest (the unit). Hand-rolled: CSS needs no
/// exact rounding, and `f32::from_str` would add several KB to the wasm bundle.
fn number_prefix(v: &str) -> Option<(f32, &str)> {
    let b = v.as_bytes();
    let mut i = 0;
    let negative = b.first() == Some(&b'-');
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut n = 0.0f32;
    let mut digits = 0;
    while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
        n = n * 10.0 + f32::from(d - b'0');
        i += 1;
        digits += 1;
    }
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        let mut scale = 0.1f32;
        while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
            n += f32::from(d - b'0') * scale;
            scale *= 0.1;
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 || !n.is_finite() {
        return None;
    }
    Some((if negative { -n } else { n }, v[i..].trim()))
}

/// A legacy `width`/`height` attribute in px (`"1"`, `"1px"`); `None` for percentages.
pub(crate) fn attr_px(v: &str) -> Option<f32> {
    let (n, unit) = number_prefix(v.trim())?;
    matches!(unit, "" | "px").then_some(n)
}

fn number_or_percent(v: &str) -> Option<f32> {
    let (n, unit) = number_prefix(v)?;
    match unit {
        "" => Some(n),
        "%" => Some(n / 100.0),
        _ => None,
    }
}

/// A length in px; `Inherit` for relative or unknown units, `None` if invalid.
fn length_val(v: &str) -> Option<Val> {
    if is_global_keyword(v) || v == "auto" || v == "none" {
        return Some(Val::Inherit);
    }
    let (n, unit) = number_prefix(v)?;
    Some(match absolute_px(n, unit) {
        Some(px) => Val::Num(px),
        None => Val::Inherit,
    })
}

fn absolute_px(n: f32, unit: &str) -> Option<f32> {
    Some(match unit {
        // Unitless lengths are px in quirks mode, which most mail is.
        "px" | "" => n,
        "pt" => n * 4.0 / 3.0,
        "pc" => n * 16.0,
        "in" => n * 96.0,
        "cm" => n * 96.0 / 2.54,
        "mm" => n * 96.0 / 25.4,
        "q" => n * 96.0 / 101.6,
        "rem" => n * 16.0,
        "vw" | "vh" | "vmin" | "vmax" if n == 0.0 => 0.0,
        _ => return None,
    })
}

fn font_size(v: &str) -> Option<Val> {
    if is_global_keyword(v) {
        return Some(Val::Font(Font::Inherit));
    }
    let kw = match v {
        "xx-small" => Some(9.0),
        "x-small" => Some(10.0),
        "small" => Some(13.0),
        "medium" => Some(16.0),
        "large" => Some(18.0),
        "x-large" => Some(24.0),
        "xx-large" => Some(32.0),
        "xxx-large" => Some(48.0),
        _ => None,
    };
    if let Some(px) = kw {
        return Some(Val::Font(Font::Abs(px)));
    }
    match v {
        "smaller" => return Some(Val::Font(Font::Rel(0.83))),
        "larger" => return Some(Val::Font(Font::Rel(1.2))),
        _ => {}
    }
    let (n, unit) = number_prefix(v)?;
    if n < 0.0 {
        return None;
    }
    Some(Val::Font(match unit {
        "em" | "ex" | "ch" => Font::Rel(n),
        "%" => Font::Rel(n / 100.0),
        u => match absolute_px(n, u) {
            Some(px) => Font::Abs(px),
            None => Font::Inherit,
        },
    }))
}

fn color_val(v: &str) -> Option<Val> {
    if is_global_keyword(v) || v == "currentcolor" {
        return Some(Val::Inherit);
    }
    parse_color(v).map(Val::Color)
}

/// Parse a CSS colour (already lowercase). System colours and anything unknown are `None`.
pub(crate) fn parse_color(v: &str) -> Option<Rgba> {
    let v = v.trim();
    if let Some(hex) = v.strip_prefix('#') {
        return parse_hex(hex);
    }
    if v == "transparent" {
        return Some(Rgba {
            a: 0.0,
            ..Rgba::BLACK
        });
    }
    if let Some(open) = v.find('(') {
        let func = v[..open].trim();
        let args = v[open + 1..].trim_end().strip_suffix(')')?;
        let parts: Vec<&str> = args
            .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() < 3 {
            return None;
        }
        let alpha = match parts.get(3) {
            Some(a) => number_or_percent(a)?.clamp(0.0, 1.0),
            None => 1.0,
        };
        return match func {
            "rgb" | "rgba" => {
                let ch = |s: &str| -> Option<u8> {
                    let (n, unit) = number_prefix(s)?;
                    let n = match unit {
                        "%" => n * 2.55,
                        "" => n,
                        _ => return None,
                    };
                    Some(n.round().clamp(0.0, 255.0) as u8)
                };
                Some(Rgba {
                    r: ch(parts[0])?,
                    g: ch(parts[1])?,
                    b: ch(parts[2])?,
                    a: alpha,
                })
            }
            "hsl" | "hsla" => {
                let (h, hu) = number_prefix(parts[0])?;
                let h = match hu {
                    "" | "deg" => h,
                    "turn" => h * 360.0,
                    "rad" => h.to_degrees(),
                    _ => return None,
                };
                let pct = |s: &str| -> Option<f32> {
                    let (n, _) = number_prefix(s)?;
                    Some((n / 100.0).clamp(0.0, 1.0))
                };
                let (r, g, b) = hsl_to_rgb(h, pct(parts[1])?, pct(parts[2])?);
                Some(Rgba { r, g, b, a: alpha })
            }
            _ => None,
        };
    }
    named_color(v).map(|c| Rgba::rgb((c >> 16) as u8, (c >> 8) as u8, c as u8))
}

fn parse_hex(hex: &str) -> Option<Rgba> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let d = |i: usize, n: usize| u8::from_str_radix(hex.get(i..i + n)?, 16).ok();
    let (r, g, b, a) = match hex.len() {
        3 | 4 => (
            d(0, 1)? * 17,
            d(1, 1)? * 17,
            d(2, 1)? * 17,
            if hex.len() == 4 { d(3, 1)? * 17 } else { 255 },
        ),
        6 | 8 => (
            d(0, 2)?,
            d(2, 2)?,
            d(4, 2)?,
            if hex.len() == 8 { d(6, 2)? } else { 255 },
        ),
        _ => return None,
    };
    Some(Rgba {
        r,
        g,
        b,
        a: f32::from(a) / 255.0,
    })
}

fn hsl_to_rgb(h: f32, s: f32, l: f32) -> (u8, u8, u8) {
    let h = h / 360.0;
    let h = h - h.floor();
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let f = |t: f32| {
        let t = t - t.floor();
        let v = if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        };
        (v * 255.0).round().clamp(0.0, 255.0) as u8
    };
    (f(h + 1.0 / 3.0), f(h), f(h - 1.0 / 3.0))
}

/// The CSS named colours (sorted for binary search).
fn named_color(name: &str) -> Option<u32> {
    const NAMED: &[(&str, u32)] = &[
        ("aliceblue", 0xf0f8ff),
        ("antiquewhite", 0xfaebd7),
        ("aqua", 0x00ffff),
        ("aquamarine", 0x7fffd4),
        ("azure", 0xf0ffff),
        ("beige", 0xf5f5dc),
        ("bisque", 0xffe4c4),
        ("black", 0x000000),
        ("blanchedalmond", 0xffebcd),
        ("blue", 0x0000ff),
        ("blueviolet", 0x8a2be2),
        ("brown", 0xa52a2a),
        ("burlywood", 0xdeb887),
        ("cadetblue", 0x5f9ea0),
        ("chartreuse", 0x7fff00),
        ("chocolate", 0xd2691e),
        ("coral", 0xff7f50),
        ("cornflowerblue", 0x6495ed),
        ("cornsilk", 0xfff8dc),
        ("crimson", 0xdc143c),
        ("cyan", 0x00ffff),
        ("darkblue", 0x00008b),
        ("darkcyan", 0x008b8b),
        ("darkgoldenrod", 0xb8860b),
        ("darkgray", 0xa9a9a9),
        ("darkgreen", 0x006400),
        ("darkgrey", 0xa9a9a9),
        ("darkkhaki", 0xbdb76b),
        ("darkmagenta", 0x8b008b),
        ("darkolivegreen", 0x556b2f),
        ("darkorange", 0xff8c00),
        ("darkorchid", 0x9932cc),
        ("darkred", 0x8b0000),
        ("darksalmon", 0xe9967a),
        ("darkseagreen", 0x8fbc8f),
        ("darkslateblue", 0x483d8b),
        ("darkslategray", 0x2f4f4f),
        ("darkslategrey", 0x2f4f4f),
        ("darkturquoise", 0x00ced1),
        ("darkviolet", 0x9400d3),
        ("deeppink", 0xff1493),
        ("deepskyblue", 0x00bfff),
        ("dimgray", 0x696969),
        ("dimgrey", 0x696969),
        ("dodgerblue", 0x1e90ff),
        ("firebrick", 0xb22222),
        ("floralwhite", 0xfffaf0),
        ("forestgreen", 0x228b22),
        ("fuchsia", 0xff00ff),
        ("gainsboro", 0xdcdcdc),
        ("ghostwhite", 0xf8f8ff),
        ("gold", 0xffd700),
        ("goldenrod", 0xdaa520),
        ("gray", 0x808080),
        ("green", 0x008000),
        ("greenyellow", 0xadff2f),
        ("grey", 0x808080),
        ("honeydew", 0xf0fff0),
        ("hotpink", 0xff69b4),
        ("indianred", 0xcd5c5c),
        ("indigo", 0x4b0082),
        ("ivory", 0xfffff0),
        ("khaki", 0xf0e68c),
        ("lavender", 0xe6e6fa),
        ("lavenderblush", 0xfff0f5),
        ("lawngreen", 0x7cfc00),
        ("lemonchiffon", 0xfffacd),
        ("lightblue", 0xadd8e6),
        ("lightcoral", 0xf08080),
        ("lightcyan", 0xe0ffff),
        ("lightgoldenrodyellow", 0xfafad2),
        ("lightgray", 0xd3d3d3),
        ("lightgreen", 0x90ee90),
        ("lightgrey", 0xd3d3d3),
        ("lightpink", 0xffb6c1),
        ("lightsalmon", 0xffa07a),
        ("lightseagreen", 0x20b2aa),
        ("lightskyblue", 0x87cefa),
        ("lightslategray", 0x778899),
        ("lightslategrey", 0x778899),
        ("lightsteelblue", 0xb0c4de),
        ("lightyellow", 0xffffe0),
        ("lime", 0x00ff00),
        ("limegreen", 0x32cd32),
        ("linen", 0xfaf0e6),
        ("magenta", 0xff00ff),
        ("maroon", 0x800000),
        ("mediumaquamarine", 0x66cdaa),
        ("mediumblue", 0x0000cd),
        ("mediumorchid", 0xba55d3),
        ("mediumpurple", 0x9370db),
        ("mediumseagreen", 0x3cb371),
        ("mediumslateblue", 0x7b68ee),
        ("mediumspringgreen", 0x00fa9a),
        ("mediumturquoise", 0x48d1cc),
        ("mediumvioletred", 0xc71585),
        ("midnightblue", 0x191970),
        ("mintcream", 0xf5fffa),
        ("mistyrose", 0xffe4e1),
        ("moccasin", 0xffe4b5),
        ("navajowhite", 0xffdead),
        ("navy", 0x000080),
        ("oldlace", 0xfdf5e6),
        ("olive", 0x808000),
        ("olivedrab", 0x6b8e23),
        ("orange", 0xffa500),
        ("orangered", 0xff4500),
        ("orchid", 0xda70d6),
        ("palegoldenrod", 0xeee8aa),
        ("palegreen", 0x98fb98),
        ("paleturquoise", 0xafeeee),
        ("palevioletred", 0xdb7093),
        ("papayawhip", 0xffefd5),
        ("peachpuff", 0xffdab9),
        ("peru", 0xcd853f),
        ("pink", 0xffc0cb),
        ("plum", 0xdda0dd),
        ("powderblue", 0xb0e0e6),
        ("purple", 0x800080),
        ("rebeccapurple", 0x663399),
        ("red", 0xff0000),
        ("rosybrown", 0xbc8f8f),
        ("royalblue", 0x4169e1),
        ("saddlebrown", 0x8b4513),
        ("salmon", 0xfa8072),
        ("sandybrown", 0xf4a460),
        ("seagreen", 0x2e8b57),
        ("seashell", 0xfff5ee),
        ("sienna", 0xa0522d),
        ("silver", 0xc0c0c0),
        ("skyblue", 0x87ceeb),
        ("slateblue", 0x6a5acd),
        ("slategray", 0x708090),
        ("slategrey", 0x708090),
        ("snow", 0xfffafa),
        ("springgreen", 0x00ff7f),
        ("steelblue", 0x4682b4),
        ("tan", 0xd2b48c),
        ("teal", 0x008080),
        ("thistle", 0xd8bfd8),
        ("tomato", 0xff6347),
        ("turquoise", 0x40e0d0),
        ("violet", 0xee82ee),
        ("wheat", 0xf5deb3),
        ("white", 0xffffff),
        ("whitesmoke", 0xf5f5f5),
        ("yellow", 0xffff00),
        ("yellowgreen", 0x9acd32),
    ];
    NAMED
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| NAMED[i].1)
}

/// A legacy colour attribute (`bgcolor`, `<font color>`): CSS syntax, or bare hex digits.
pub(crate) fn parse_attr_color(v: &str) -> Option<Rgba> {
    let v = v.trim().to_ascii_lowercase();
    parse_color(&v).or_else(|| parse_hex(&v))
}

/// Style rules from every `<style>` in the document.
///
/// A rule's subject (the last compound selector: `span.a.b[data-x="1"]`) is matched exactly. A
/// selector that says more than that (`.box td`, `li:first-child`) contributes only its hiding
/// declarations, to every element its subject matches: that can hide too much, never too little.
/// Selectors that never match at rest (`:hover`, `::before`) are ignored.
///
/// Indexed by one sorted `Vec<u64>` of `(hash << 32) | rule` (no hash map: smaller wasm), the
/// hash taken over the subject's id, else first class, else tag.
#[derive(Debug, Default)]
pub(crate) struct Sheet {
    rules: Vec<Rule>,
    index: Vec<u64>,
    sorted: bool,
}

#[derive(Debug)]
struct Rule {
    subject: Compound,
    specificity: u32,
    decls: Vec<(Prop, Val, bool)>,
}

/// A compound selector, names lowercased (mail is mostly quirks mode: case-insensitive).
#[derive(Debug, Default)]
struct Compound {
    tag: Option<String>,
    classes: Vec<String>,
    id: Option<String>,
    attrs: Vec<AttrSel>,
}

#[derive(Debug)]
struct AttrSel {
    name: String,
    /// 0 (present), or the operator's first byte: `=`, `~`, `|`, `^`, `$`, `*`.
    op: u8,
    value: String,
}

const BY_TAG: u8 = b't';
const BY_CLASS: u8 = b'.';
const BY_ID: u8 = b'#';
const UNIVERSAL: u8 = b'*';

fn name_hash(kind: u8, name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in std::iter::once(kind).chain(name.bytes()) {
        h ^= u32::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

impl Compound {
    fn key(&self) -> (u8, &str) {
        if let Some(id) = &self.id {
            (BY_ID, id)
        } else if let Some(class) = self.classes.first() {
            (BY_CLASS, class)
        } else if let Some(tag) = &self.tag {
            (BY_TAG, tag)
        } else {
            (UNIVERSAL, "")
        }
    }

    fn matches(&self, el: &Element<'_>) -> bool {
        let has_class = |c: &String| {
            el.class
                .split_ascii_whitespace()
                .any(|x| x.eq_ignore_ascii_case(c))
        };
        self.tag.as_deref().is_none_or(|t| t == el.tag)
            && self.classes.iter().all(has_class)
            && self
                .id
                .as_deref()
                .is_none_or(|id| el.id.is_some_and(|e| e.trim().eq_ignore_ascii_case(id)))
            && self.attrs.iter().all(|a| {
                let Some(v) = (el.attr)(&a.name) else {
                    return false;
                };
                let v = v.to_ascii_lowercase();
                let want = a.value.as_str();
                match a.op {
                    0 => true,
                    b'=' => v == want,
                    b'~' => v.split_ascii_whitespace().any(|w| w == want),
                    b'|' => v == want || v.starts_with(&format!("{want}-")),
                    b'^' => !want.is_empty() && v.starts_with(want),
                    b'$' => !want.is_empty() && v.ends_with(want),
                    b'*' => !want.is_empty() && v.contains(want),
                    _ => false,
                }
            })
    }
}

/// What a selector is matched against.
pub(crate) struct Element<'a> {
    /// Lowercase tag name.
    pub(crate) tag: &'a str,
    pub(crate) class: &'a str,
    pub(crate) id: Option<&'a str>,
    /// An attribute's value (entities decoded), by case-insensitive name.
    pub(crate) attr: &'a dyn Fn(&str) -> Option<String>,
}

/// Pseudo-classes that depend on interaction or state: such rules do not apply at rest.
const DYNAMIC: &[&str] = &[
    "hover",
    "focus",
    "focus-within",
    "focus-visible",
    "active",
    "visited",
    "target",
    "target-within",
    "checked",
    "indeterminate",
    "placeholder-shown",
    "autofill",
    "-webkit-autofill",
    "fullscreen",
    "modal",
    "popover-open",
    "open",
    "playing",
    "paused",
    "current",
    "past",
    "future",
    "invalid",
    "user-invalid",
    "-moz-focusring",
    // Legacy one-colon pseudo-elements.
    "before",
    "after",
    "first-line",
    "first-letter",
    "selection",
];

/// Parse a selector into its subject compound, whether the selector is exactly that compound,
/// and its specificity. `None` for selectors that never match at rest, have no usable subject,
/// or use syntax this parser does not know.
fn parse_selector(sel: &str) -> Option<(Compound, bool, u32)> {
    let b = sel.as_bytes();
    let (mut depth, mut quote, mut start, mut complex) = (0i32, 0u8, 0usize, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
        } else {
            match c {
                b'"' | b'\'' => quote = c,
                b'[' | b'(' => depth += 1,
                b']' | b')' => depth -= 1,
                b'\\' => i += 1,
                b' ' | b'\t' | b'\n' | b'\r' | 0x0c | b'>' | b'+' | b'~' if depth == 0 => {
                    complex = true;
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    let subject = sel.get(start..)?.trim();
    let (compound, pseudo, specificity) = parse_compound(subject)?;
    let exact = !complex && !pseudo;
    let universal = compound.tag.is_none()
        && compound.classes.is_empty()
        && compound.id.is_none()
        && compound.attrs.is_empty();
    if universal && !exact {
        return None; // `.x *` would hide everything
    }
    Some((compound, exact, specificity))
}

/// One compound selector: `(compound, has a pseudo-class, specificity)`.
fn parse_compound(s: &str) -> Option<(Compound, bool, u32)> {
    let b = s.as_bytes();
    let mut c = Compound::default();
    let mut pseudo = false;
    let mut i = 0;
    let ident = |i: &mut usize| -> String {
        let start = *i;
        while *i < b.len()
            && (b[*i].is_ascii_alphanumeric()
                || matches!(b[*i], b'-' | b'_' | b'\\')
                || b[*i] >= 0x80)
        {
            if b[*i] == b'\\' {
                *i += 1;
            }
            *i += 1;
        }
        unescape(s.get(start..(*i).min(b.len())).unwrap_or("")).to_ascii_lowercase()
    };
    if b.first() == Some(&b'*') {
        i = 1;
    } else {
        let tag = ident(&mut i);
        if !tag.is_empty() {
            c.tag = Some(tag);
        }
    }
    if b.get(i) == Some(&b'|') {
        // A namespace prefix: the name follows.
        i += 1;
        let tag = ident(&mut i);
        c.tag = (!tag.is_empty()).then_some(tag);
    }
    let mut ids = 0;
    let mut others = 0;
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                let class = ident(&mut i);
                if class.is_empty() {
                    return None;
                }
                c.classes.push(class);
                others += 1;
            }
            b'#' => {
                i += 1;
                let id = ident(&mut i);
                if id.is_empty() || c.id.is_some() {
                    return None;
                }
                c.id = Some(id);
                ids += 1;
            }
            b'[' => {
                let close = i + s[i..].find(']')?;
                c.attrs.push(parse_attr_sel(&s[i + 1..close])?);
                i = close + 1;
                others += 1;
            }
            b':' => {
                if b.get(i + 1) == Some(&b':') {
                    return None; // a pseudo-element: styles generated content, not the element
                }
                i += 1;
                let name = ident(&mut i);
                if DYNAMIC.contains(&name.as_str()) {
                    return None;
                }
                if b.get(i) == Some(&b'(') {
                    let mut depth = 0;
                    while i < b.len() {
                        match b[i] {
                            b'(' => depth += 1,
                            b')' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                    i += 1;
                }
                pseudo = true;
                others += 1;
            }
            _ => return None,
        }
    }
    let specificity = ids * 100 + others * 10 + u32::from(c.tag.is_some());
    Some((c, pseudo, specificity))
}

/// The inside of `[…]`: `name`, `name=value`, `name~="value" i`.
fn parse_attr_sel(inner: &str) -> Option<AttrSel> {
    let inner = inner.trim();
    let op_at = inner.find(['=', '~', '|', '^', '$', '*']);
    let Some(at) = op_at else {
        return Some(AttrSel {
            name: inner.to_ascii_lowercase(),
            op: 0,
            value: String::new(),
        });
    };
    let b = inner.as_bytes();
    let (op, value_start) = match b[at] {
        b'=' => (b'=', at + 1),
        o if b.get(at + 1) == Some(&b'=') => (o, at + 2),
        _ => return None,
    };
    let name = inner[..at].trim().to_ascii_lowercase();
    let mut value = inner[value_start..].trim();
    // A trailing ` i` / ` s` flag: matching is case-insensitive anyway.
    if let Some(v) = value
        .strip_suffix(" i")
        .or_else(|| value.strip_suffix(" s"))
        .or_else(|| value.strip_suffix(" I"))
    {
        value = v.trim_end();
    }
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    (!name.is_empty()).then(|| AttrSel {
        name,
        op,
        value: unescape(value).to_ascii_lowercase(),
    })
}

/// Declarations that can only hide (used from selectors matched loosely).
fn is_hiding(p: Prop, v: &Val) -> bool {
    use Prop::*;
    match (p, v) {
        (
            Display | Visibility | MsoHide | Transform | Clip | ContentVisibility | Overflow
            | Position,
            Val::Flag(true),
        ) => true,
        (Opacity | FilterOpacity, Val::Num(n)) => *n <= 0.05,
        (FontSize, Val::Font(Font::Abs(px))) => *px <= 1.5,
        (FontSize, Val::Font(Font::Rel(f))) => *f <= 0.1,
        (Height | MaxHeight | Width | MaxWidth, Val::Num(n)) => *n <= 1.0,
        (Left | Top | TextIndent, Val::Num(n)) => *n <= -500.0,
        (MarginLeft | MarginTop, Val::Num(n)) => *n <= -1000.0,
        (Color | FillColor, Val::Color(c)) => c.a <= 0.05,
        _ => false,
    }
}

impl Sheet {
    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Add the rules of one style sheet. One linear pass: conditional group rules (`@media`,
    /// `@supports`…) are entered, with a stack saying whether each applies, so nesting costs
    /// nothing and has no depth limit to hide behind.
    pub(crate) fn add(&mut self, css: &str) {
        let css = strip_comments(css);
        let b = css.as_bytes();
        let mut groups: Vec<bool> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let active = groups.last().copied().unwrap_or(true);
            let c = b[i];
            if c.is_ascii_whitespace() || c == b';' {
                i += 1;
            } else if c == b'}' {
                groups.pop();
                i += 1;
            } else if b[i..].starts_with(b"<!--") {
                i += 4;
            } else if b[i..].starts_with(b"-->") {
                i += 3;
            } else if c == b'@' {
                let Some(off) = b[i..].iter().position(|&c| c == b';' || c == b'{') else {
                    break;
                };
                if b[i + off] == b';' {
                    i += off + 1;
                    continue;
                }
                let prelude = &css[i + 1..i + off];
                let name_end = prelude
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .unwrap_or(prelude.len());
                let (name, condition) = prelude.split_at(name_end);
                let group = match name.to_ascii_lowercase().as_str() {
                    // Conditions that hold for a desktop reading pane.
                    "media" => Some(media_applies(condition)),
                    "supports" | "layer" | "container" | "scope" | "document" => Some(true),
                    _ => None,
                };
                match group {
                    Some(applies) => {
                        groups.push(active && applies);
                        i += off + 1;
                    }
                    // `@font-face`, `@keyframes`, `@page`…: no selectors inside.
                    None => i = skip_block(b, i + off),
                }
            } else {
                let Some(open) = b[i..].iter().position(|&c| c == b'{') else {
                    break;
                };
                let selectors = &css[i..i + open];
                let end = skip_block(b, i + open);
                let body = block_body(&css, i + open, end);
                i = end;
                if !active {
                    continue;
                }
                let mut decls = Vec::new();
                parse_decls(body, &mut |p, v, imp| decls.push((p, v, imp)));
                if decls.is_empty() {
                    continue;
                }
                for sel in selectors.split(',') {
                    self.add_rule(sel.trim(), &decls);
                }
            }
        }
    }

    fn add_rule(&mut self, sel: &str, decls: &[(Prop, Val, bool)]) {
        let Some((subject, exact, specificity)) = parse_selector(sel) else {
            return;
        };
        let decls: Vec<_> = if exact {
            decls.to_vec()
        } else {
            decls
                .iter()
                .filter(|(p, v, _)| is_hiding(*p, v))
                .copied()
                .collect()
        };
        if decls.is_empty() {
            return;
        }
        let (kind, name) = subject.key();
        let idx = self.rules.len() as u32;
        self.index
            .push(u64::from(name_hash(kind, name)) << 32 | u64::from(idx));
        self.sorted = false;
        self.rules.push(Rule {
            subject,
            specificity,
            decls,
        });
    }

    /// Call once all style sheets are in.
    pub(crate) fn finish(&mut self) {
        heap_sort(&mut self.index);
        self.sorted = true;
    }

    /// Rules in the bucket of `kind`/`name` that match `el`, as `(specificity << 32) | rule`.
    fn lookup(&self, kind: u8, name: &str, el: &Element<'_>, hits: &mut Vec<u64>) {
        let h = u64::from(name_hash(kind, name));
        let from = self.index.partition_point(|&e| e >> 32 < h);
        for &e in self.index[from..].iter().take_while(|&&e| e >> 32 == h) {
            let idx = e as u32;
            if let Some(r) = self.rules.get(idx as usize) {
                if r.subject.matches(el) {
                    hits.push(u64::from(r.specificity) << 32 | u64::from(idx));
                }
            }
        }
    }

    /// Apply the matching rules, lowest specificity first, then source order.
    pub(crate) fn apply(&self, cascade: &mut Cascade, el: &Element<'_>) {
        if self.rules.is_empty() || !self.sorted {
            return;
        }
        let mut hits = Vec::new();
        self.lookup(UNIVERSAL, "", el, &mut hits);
        if !el.tag.is_empty() {
            self.lookup(BY_TAG, el.tag, el, &mut hits);
        }
        for c in el.class.split_ascii_whitespace() {
            self.lookup(BY_CLASS, c, el, &mut hits);
        }
        if let Some(id) = el.id.map(str::trim).filter(|i| !i.is_empty()) {
            self.lookup(BY_ID, id, el, &mut hits);
        }
        heap_sort(&mut hits);
        hits.dedup();
        for h in hits {
            if let Some(r) = self.rules.get(h as u32 as usize) {
                cascade.apply_parsed(&r.decls, PRIO_SHEET);
            }
        }
    }
}

/// In-place heapsort: O(n log n) worst case in a few hundred bytes of wasm, where
/// `sort_unstable` would add a ~3 KB quicksort for this one element type.
fn heap_sort(v: &mut [u64]) {
    fn sift_down(v: &mut [u64], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    for start in (0..v.len() / 2).rev() {
        sift_down(v, start, v.len());
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// The text between the `{` at `open` and the `}` just before `end` (from [`skip_block`]).
fn block_body(css: &str, open: usize, end: usize) -> &str {
    let b = css.as_bytes();
    let body_end = if b.get(end.wrapping_sub(1)) == Some(&b'}') {
        end - 1
    } else {
        end
    };
    css.get(open + 1..body_end.max(open + 1)).unwrap_or("")
}

/// Does a media query list hold for a desktop reading pane (screen, 1024×768 CSS px, light
/// scheme, 1 dppx)? Mobile-only rules (`max-width:600px`) then stay out, as on a desktop, while
/// rules that apply there (`screen`, `all`, `min-width:0`) hide what they hide. Unknown features
/// do not hold.
pub(crate) fn media_applies(list: &str) -> bool {
    let list = list.trim();
    list.is_empty()
        || list
            .split(',')
            .any(|q| query_applies(&q.trim().to_ascii_lowercase()))
}

fn query_applies(q: &str) -> bool {
    let (negate, q) = match q.strip_prefix("not ") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, q.strip_prefix("only ").unwrap_or(q).trim_start()),
    };
    let holds = !q.is_empty()
        && q.split(" and ").all(|part| {
            let part = part.trim();
            match part.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
                Some(feature) => feature_applies(feature.trim()),
                None => matches!(part, "all" | "screen"),
            }
        });
    holds != negate
}

fn feature_applies(f: &str) -> bool {
    if let Some(v) = f.strip_prefix("prefers-color-scheme") {
        return v.trim_start_matches([':', ' ']) == "light";
    }
    // `min-width: 600px`, `width >= 600px` and `600px < width` as (feature, op, value).
    let (name, op, value) = match f.split_once(':') {
        Some((n, v)) => {
            let n = n.trim();
            match (n.strip_prefix("min-"), n.strip_prefix("max-")) {
                (Some(rest), _) => (rest, b'>', v),
                (_, Some(rest)) => (rest, b'<', v),
                _ => (n, b'=', v),
            }
        }
        None => {
            let Some(at) = f.find(['<', '>', '=']) else {
                return false;
            };
            let (l, r) = (f[..at].trim(), f[at..].trim_start_matches(['<', '>', '=']));
            let op = f.as_bytes()[at];
            if l.starts_with(|c: char| c.is_ascii_alphabetic()) {
                (l, op, r)
            } else {
                let flipped = match op {
                    b'<' => b'>',
                    b'>' => b'<',
                    o => o,
                };
                (r.trim(), flipped, l)
            }
        }
    };
    let actual = match name.trim().trim_start_matches("device-") {
        "width" => 1024.0,
        "height" => 768.0,
        _ => return false,
    };
    let Some((n, unit)) = number_prefix(value.trim()) else {
        return false;
    };
    let Some(px) = (match unit {
        "em" | "rem" => Some(n * 16.0),
        u => absolute_px(n, u),
    }) else {
        return false;
    };
    match op {
        b'>' => actual >= px,
        b'<' => actual <= px,
        _ => (actual - px).abs() < 0.5,
    }
}

/// From the `{` at `open`, the index after its matching `}` (or the end).
fn skip_block(b: &[u8], open: usize) -> usize {
    let mut depth = 0u32;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(style: &str) -> Delta {
        let mut c = Cascade::default();
        c.apply(style, PRIO_INLINE);
        c.delta()
    }

    #[test]
    fn media_queries_for_a_desktop_pane() {
        for q in [
            "",
            "all",
            "screen",
            "only screen",
            "screen and (min-width: 0)",
            "(min-width:600px)",
            "(max-width: 2000px)",
            "(width >= 800px)",
            "(400px < width)",
            "print, screen",
            "not print",
            "(prefers-color-scheme: light)",
            "(600px <= width)",
            "(max-device-width: 1280px)",
        ] {
            assert!(media_applies(q), "{q:?}");
        }
        for q in [
            "print",
            "screen and (max-width:600px)",
            "only screen and (max-device-width: 480px)",
            "(prefers-color-scheme: dark)",
            "(width < 600px)",
            "not all",
            "(unknown-feature: 1)",
            "screen and (-webkit-min-device-pixel-ratio: 2)",
        ] {
            assert!(!media_applies(q), "{q:?}");
        }
    }

    #[test]
    fn property_table_is_sorted() {
        assert!(PROPERTIES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn heap_sort_sorts() {
        let mut v: Vec<u64> = (0..200u64).map(|i| (i * 7919) % 211).collect();
        let mut expected = v.clone();
        expected.sort_unstable();
        heap_sort(&mut v);
        assert_eq!(v, expected);
        heap_sort(&mut []);
    }

    #[test]
    fn colours() {
        let white = Some(Rgba::WHITE);
        for v in [
            "#fff",
            "#ffffff",
            "#FFFFFFFF",
            "white",
            "rgb(255,255,255)",
            "rgb(255 255 255)",
            "rgba(255, 255, 255, 1)",
            "rgb(100%,100%,100%)",
            "hsl(0, 0%, 100%)",
        ] {
            assert_eq!(parse_color(&v.to_ascii_lowercase()), white, "{v}");
        }
        assert_eq!(parse_color("transparent").map(|c| c.a), Some(0.0));
        assert_eq!(parse_color("rgb(0 0 0 / 0)").map(|c| c.a), Some(0.0));
        assert_eq!(parse_color("#12"), None);
        assert_eq!(parse_color("windowtext"), None);
        assert_eq!(parse_attr_color("ffffff"), white);
    }

    #[test]
    fn hiding_declarations() {
        for s in [
            "display:none",
            "DISPLAY : NONE !important",
            "display:/**/none",
            "visibility:hidden",
            "mso-hide:all",
            "max-height:0; overflow:hidden",
            "height:0px;overflow:hidden",
            "width:1px;height:1px;overflow:hidden;position:absolute",
            "position:absolute;left:-9999px",
            "text-indent:-10000px",
            "transform: scale(0)",
            "transform: scale(0.01, 0.01)",
            "transform:translateX(-9999px)",
            "transform: matrix(0, 0, 0, 0, 0, 0)",
            "d\\isplay:none",
            "\\64 isplay: n\\6f ne",
            "content-visibility:hidden",
            "clip:rect(0,0,0,0);position:absolute",
            "clip: rect(1px 1px 1px 1px)",
            "clip-path: inset(50%)",
            "clip-path:circle(0)",
            "margin-left:-9999px",
        ] {
            assert!(delta(s).hide, "{s}");
        }
        for s in [
            "display:block",
            "max-height:0",
            "height:0",
            "overflow:hidden",
            "position:absolute;left:10px",
            "color:red",
            "transform: scale(1.1) translateX(-20px)",
            "clip-path: inset(10%)",
            "margin-left:-20px",
            "clip: rect(0, 300px, 200px, 0)",
        ] {
            assert!(!delta(s).hide, "{s}");
        }
        assert_eq!(delta("filter: opacity(0%)").opacity, 0.0);
        assert_eq!(
            delta("-webkit-text-fill-color: transparent; color: red")
                .color
                .map(|c| c.a),
            Some(0.0)
        );
        assert_eq!(
            delta("background-image: linear-gradient(to right, #fff, #ffffff 50%, white)").bg,
            Some(Bg::Color(Rgba::WHITE))
        );
        assert_eq!(
            delta("background: linear-gradient(#fff, #000)").bg,
            Some(Bg::Image)
        );
        assert_eq!(delta("opacity:0").opacity, 0.0);
        assert_eq!(delta("font-size:0").font, Font::Abs(0.0));
        assert_eq!(delta("font-size:1PX").font, Font::Abs(1.0));
        assert_eq!(delta("font-size:150%").font, Font::Rel(1.5));
        assert_eq!(
            delta("background:url(x.png) #fff no-repeat").bg,
            Some(Bg::Image)
        );
        assert_eq!(
            delta("background: rgb(1, 2, 3) none").bg,
            Some(Bg::Color(Rgba::rgb(1, 2, 3)))
        );
    }

    #[test]
    fn inline_beats_sheet_unless_important() {
        let mut sheet = Sheet::default();
        sheet.add(
            "<!-- .pre { display:none !important } p.x{display:none} #k{color:#fff} \
             @media screen and (max-width:600px) { .m { display:none } } .a .b{display:none} \
             @media screen { @supports (display:grid) { .s { display:none } } } \
             @media print { .pr { display:none } } @font-face { font-family: x } -->",
        );
        sheet.finish();
        let no_attrs = |_: &str| None;
        let run = |tag: &str, class: &str, id: Option<&str>, inline: &str| {
            let mut c = Cascade::default();
            let el = Element {
                tag,
                class,
                id,
                attr: &no_attrs,
            };
            sheet.apply(&mut c, &el);
            c.apply(inline, PRIO_INLINE);
            c.delta()
        };
        assert!(run("span", "PRE", None, "display:block").hide);
        assert!(!run("p", "x", None, "display:block").hide);
        assert!(run("p", "y x", None, "").hide);
        assert!(!run("div", "x", None, "").hide);
        assert!(!run("div", "m", None, "").hide);
        // A descendant selector applies its hiding declarations to every `.b`.
        assert!(run("div", "b", None, "").hide);
        assert!(run("div", "s", None, "").hide);
        assert!(!run("div", "pr", None, "").hide);
        assert_eq!(run("div", "", Some("k"), "").color, Some(Rgba::WHITE));
    }
}
