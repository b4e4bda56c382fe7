//! Character references: numeric (`&#8203;`, `&#x200B;`, with the WHATWG fix-ups for 0, C1
//! controls, surrogates and out-of-range values) and the named references mail actually uses.
//! Unknown names stay as written. As in browsers, a few legacy names also work without `;` in
//! text, but not inside an attribute when followed by `=` or an alphanumeric (so a URL's
//! `&copy=1` stays intact).

use std::borrow::Cow;

/// Decode the character references in `s`; `attr` selects the attribute-value rules.
pub(crate) fn decode(s: &str, attr: bool) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while let Some(off) = s[i..].find('&') {
        let amp = i + off;
        match reference(s.as_bytes(), amp + 1, attr) {
            Some((c, len)) => {
                out.push_str(&s[last..amp]);
                out.push(c);
                i = amp + 1 + len;
                last = i;
            }
            None => i = amp + 1,
        }
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

/// The reference starting at `i` (just after `&`): the character and the bytes consumed.
fn reference(b: &[u8], i: usize, attr: bool) -> Option<(char, usize)> {
    if b.get(i) == Some(&b'#') {
        let hex = matches!(b.get(i + 1), Some(b'x' | b'X'));
        let digits_start = i + 1 + usize::from(hex);
        let mut j = digits_start;
        let mut v: u32 = 0;
        while let Some(&c) = b.get(j) {
            let d = match (hex, c) {
                (_, b'0'..=b'9') => u32::from(c - b'0'),
                (true, b'a'..=b'f') => u32::from(c - b'a' + 10),
                (true, b'A'..=b'F') => u32::from(c - b'A' + 10),
                _ => break,
            };
            v = v
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(d);
            j += 1;
        }
        if j == digits_start {
            return None;
        }
        if b.get(j) == Some(&b';') {
            j += 1;
        }
        return Some((numeric(v), j - i));
    }
    let mut j = i;
    while j < b.len() && j - i < 32 && b[j].is_ascii_alphanumeric() {
        j += 1;
    }
    if j == i {
        return None;
    }
    // The run is ASCII, so this cannot fail.
    let name = std::str::from_utf8(&b[i..j]).ok()?;
    if b.get(j) == Some(&b';') {
        if let Some(c) = named(name) {
            return Some((c, j - i + 1));
        }
    }
    // Legacy references without `;`, longest first.
    const LEGACY: [&str; 9] = [
        "nbsp", "quot", "copy", "amp", "reg", "shy", "AMP", "lt", "gt",
    ];
    let legacy = LEGACY.iter().find(|l| name.starts_with(*l))?;
    let next = b.get(i + legacy.len()).copied();
    if attr && next.is_some_and(|c| c == b'=' || c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((named(legacy)?, legacy.len()))
}

fn numeric(v: u32) -> char {
    // WHATWG "numeric character reference end state": C1 controls are windows-1252.
    const W1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let v = match v {
        0x80..=0x9F => W1252[(v - 0x80) as usize],
        v => v,
    };
    match v {
        0 => '\u{FFFD}',
        v => char::from_u32(v).unwrap_or('\u{FFFD}'),
    }
}

/// Named references, sorted by name (bytewise) for binary search: a table is a fraction of the
/// code a `match` on strings compiles to.
const NAMED: &[(&str, char)] = &[
    ("AElig", 'Æ'),
    ("AMP", '&'),
    ("Aacute", 'Á'),
    ("Acirc", 'Â'),
    ("Agrave", 'À'),
    ("ApplyFunction", '\u{2061}'),
    ("Aring", 'Å'),
    ("Atilde", 'Ã'),
    ("Auml", 'Ä'),
    ("COPY", '©'),
    ("Ccedil", 'Ç'),
    ("Dagger", '‡'),
    ("Delta", 'Δ'),
    ("ETH", 'Ð'),
    ("Eacute", 'É'),
    ("Ecirc", 'Ê'),
    ("Egrave", 'È'),
    ("Euml", 'Ë'),
    ("GT", '>'),
    ("Iacute", 'Í'),
    ("Icirc", 'Î'),
    ("Igrave", 'Ì'),
    ("InvisibleComma", '\u{2063}'),
    ("InvisibleTimes", '\u{2062}'),
    ("Iuml", 'Ï'),
    ("LT", '<'),
    ("NegativeMediumSpace", '\u{200B}'),
    ("NegativeThickSpace", '\u{200B}'),
    ("NegativeThinSpace", '\u{200B}'),
    ("NegativeVeryThinSpace", '\u{200B}'),
    ("NoBreak", '\u{2060}'),
    ("NonBreakingSpace", '\u{A0}'),
    ("Ntilde", 'Ñ'),
    ("OElig", 'Œ'),
    ("Oacute", 'Ó'),
    ("Ocirc", 'Ô'),
    ("Ograve", 'Ò'),
    ("Omega", 'Ω'),
    ("Oslash", 'Ø'),
    ("Otilde", 'Õ'),
    ("Ouml", 'Ö'),
    ("Prime", '″'),
    ("QUOT", '"'),
    ("REG", '®'),
    ("Scaron", 'Š'),
    ("Sigma", 'Σ'),
    ("THORN", 'Þ'),
    ("TRADE", '™'),
    ("Uacute", 'Ú'),
    ("Ucirc", 'Û'),
    ("Ugrave", 'Ù'),
    ("Uuml", 'Ü'),
    ("Yacute", 'Ý'),
    ("Yuml", 'Ÿ'),
    ("ZeroWidthSpace", '\u{200B}'),
    ("aacute", 'á'),
    ("acirc", 'â'),
    ("acute", '´'),
    ("aelig", 'æ'),
    ("af", '\u{2061}'),
    ("agrave", 'à'),
    ("alpha", 'α'),
    ("amp", '&'),
    ("apos", '\''),
    ("aring", 'å'),
    ("asymp", '≈'),
    ("atilde", 'ã'),
    ("auml", 'ä'),
    ("bdquo", '„'),
    ("beta", 'β'),
    ("brvbar", '¦'),
    ("bull", '•'),
    ("bullet", '•'),
    ("ccedil", 'ç'),
    ("cedil", '¸'),
    ("cent", '¢'),
    ("centerdot", '·'),
    ("check", '✓'),
    ("checkmark", '✓'),
    ("circ", 'ˆ'),
    ("clubs", '♣'),
    ("copy", '©'),
    ("curren", '¤'),
    ("dagger", '†'),
    ("darr", '↓'),
    ("deg", '°'),
    ("delta", 'δ'),
    ("diams", '♦'),
    ("divide", '÷'),
    ("eacute", 'é'),
    ("ecirc", 'ê'),
    ("egrave", 'è'),
    ("emsp", '\u{2003}'),
    ("ensp", '\u{2002}'),
    ("eth", 'ð'),
    ("euml", 'ë'),
    ("euro", '€'),
    ("fnof", 'ƒ'),
    ("frac12", '½'),
    ("frac14", '¼'),
    ("frac34", '¾'),
    ("gamma", 'γ'),
    ("ge", '≥'),
    ("gt", '>'),
    ("hairsp", '\u{200A}'),
    ("half", '½'),
    ("harr", '↔'),
    ("hearts", '♥'),
    ("hellip", '…'),
    ("iacute", 'í'),
    ("ic", '\u{2063}'),
    ("icirc", 'î'),
    ("iexcl", '¡'),
    ("igrave", 'ì'),
    ("infin", '∞'),
    ("iquest", '¿'),
    ("it", '\u{2062}'),
    ("iuml", 'ï'),
    ("lArr", '⇐'),
    ("laquo", '«'),
    ("larr", '←'),
    ("ldquo", '“'),
    ("le", '≤'),
    ("loz", '◊'),
    ("lrm", '\u{200E}'),
    ("lsaquo", '‹'),
    ("lsquo", '‘'),
    ("lt", '<'),
    ("macr", '¯'),
    ("mdash", '—'),
    ("micro", 'µ'),
    ("middot", '·'),
    ("minus", '−'),
    ("mldr", '…'),
    ("mu", 'μ'),
    ("nbsp", '\u{A0}'),
    ("ndash", '–'),
    ("ne", '≠'),
    ("not", '¬'),
    ("ntilde", 'ñ'),
    ("oacute", 'ó'),
    ("ocirc", 'ô'),
    ("oelig", 'œ'),
    ("ograve", 'ò'),
    ("omega", 'ω'),
    ("ordf", 'ª'),
    ("ordm", 'º'),
    ("oslash", 'ø'),
    ("otilde", 'õ'),
    ("ouml", 'ö'),
    ("para", '¶'),
    ("permil", '‰'),
    ("pi", 'π'),
    ("plusmn", '±'),
    ("pound", '£'),
    ("prime", '′'),
    ("quot", '"'),
    ("rArr", '⇒'),
    ("raquo", '»'),
    ("rarr", '→'),
    ("rdquo", '”'),
    ("rdquor", '”'),
    ("reg", '®'),
    ("rlm", '\u{200F}'),
    ("rsaquo", '›'),
    ("rsquo", '’'),
    ("rsquor", '’'),
    ("sbquo", '‚'),
    ("scaron", 'š'),
    ("sect", '§'),
    ("shy", '\u{AD}'),
    ("sigma", 'σ'),
    ("spades", '♠'),
    ("star", '☆'),
    ("starf", '★'),
    ("sup1", '¹'),
    ("sup2", '²'),
    ("sup3", '³'),
    ("szlig", 'ß'),
    ("thinsp", '\u{2009}'),
    ("thorn", 'þ'),
    ("tilde", '˜'),
    ("times", '×'),
    ("trade", '™'),
    ("uacute", 'ú'),
    ("uarr", '↑'),
    ("ucirc", 'û'),
    ("ugrave", 'ù'),
    ("uml", '¨'),
    ("uuml", 'ü'),
    ("yacute", 'ý'),
    ("yen", '¥'),
    ("yuml", 'ÿ'),
    ("zwj", '\u{200D}'),
    ("zwnj", '\u{200C}'),
];

fn named(name: &str) -> Option<char> {
    NAMED
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| NAMED[i].1)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn table_is_sorted() {
        assert!(super::NAMED.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn named_numeric_and_legacy() {
        assert_eq!(decode("a &amp; b &lt;c&gt; &quot;", false), "a & b <c> \"");
        assert_eq!(
            decode("&#8203;&#x200b;&#X41;&#65&#0;&#x110000;", false),
            "\u{200B}\u{200B}AA\u{FFFD}\u{FFFD}"
        );
        assert_eq!(decode("&#150; &#153;", false), "– ™");
        assert_eq!(
            decode("&nbsp &copy2024 &bogus; & &#; &#x;", false),
            "\u{A0} ©2024 &bogus; & &#; &#x;"
        );
        assert_eq!(decode("?a=1&copy=2&amp;b", true), "?a=1&copy=2&b");
        assert_eq!(
            decode("&eacute;t&eacute; &rarr; &zwnj;", false),
            "été → \u{200C}"
        );
        assert_eq!(decode("&#99999999999999999999;", false), "\u{FFFD}");
    }
}
