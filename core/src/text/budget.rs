//! Keeping tool output within the model's budget (issue 5 §2: no result over about 20k tokens;
//! long bodies continue with an `offset`). Offsets and limits count Unicode scalar values
//! (`char`s), never bytes, so an offset a model passes back can never split a character.

/// Cut `text` to at most `max_chars` characters at the best boundary in the last part of that
/// window: a paragraph break (searched back to half the window), else a line break, a sentence
/// end or a space (back to 60–80%), else exactly at the limit. Returns the piece (trailing
/// whitespace trimmed) and, if anything is left, the char offset where the rest begins (leading
/// whitespace skipped) — pass it back as the tool's `offset`. `max_chars` of 0 is treated as 1, so
/// a caller looping on the offset always makes progress.
pub fn truncate_at_boundary(text: &str, max_chars: usize) -> (String, Option<usize>) {
    let max_chars = max_chars.max(1);
    let Some((limit, _)) = text.char_indices().nth(max_chars) else {
        return (text.to_string(), None);
    };
    let head = &text[..limit];
    let at_least = |percent: usize| limit * percent / 100;
    let cut = head
        .rfind("\n\n")
        .filter(|&p| p >= at_least(50))
        .or_else(|| head.rfind('\n').filter(|&p| p >= at_least(60)))
        .or_else(|| sentence_end(head, at_least(60)))
        .or_else(|| {
            head.rfind(char::is_whitespace)
                .filter(|&p| p >= at_least(80))
        })
        .unwrap_or(limit);
    let piece = text[..cut].trim_end();
    let rest = text[cut..].trim_start();
    if rest.is_empty() {
        return (piece.to_string(), None);
    }
    let next_byte = text.len() - rest.len();
    (piece.to_string(), Some(text[..next_byte].chars().count()))
}

/// The byte index just after the last sentence-ending punctuation (followed by whitespace, or
/// CJK full stops anywhere) at or after `floor`.
fn sentence_end(head: &str, floor: usize) -> Option<usize> {
    let mut next: Option<char> = None;
    for (i, c) in head.char_indices().rev() {
        if i < floor {
            break;
        }
        let end = i + c.len_utf8();
        match c {
            '.' | '!' | '?' | '…' if next.is_some_and(char::is_whitespace) => return Some(end),
            '。' | '！' | '？' => return Some(end),
            _ => {}
        }
        next = Some(c);
    }
    None
}

/// The text from char offset `offset` on (empty past the end).
pub fn slice_from(text: &str, offset: usize) -> &str {
    match text.char_indices().nth(offset) {
        Some((i, _)) => &text[i..],
        None => "",
    }
}

/// One chunk of a long text for a tool result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub text: String,
    /// The char offset of the next chunk, if any.
    pub next_offset: Option<usize>,
    pub total_chars: usize,
}

/// The chunk of `text` starting at char `offset`, cut at a boundary within `max_chars`.
pub fn chunk(text: &str, offset: usize, max_chars: usize) -> Chunk {
    let (piece, next) = truncate_at_boundary(slice_from(text, offset), max_chars);
    Chunk {
        text: piece,
        next_offset: next.map(|n| offset + n),
        total_chars: text.chars().count(),
    }
}

/// An estimate of the tokens `text` costs a model, for budgeting (not billing). Heuristic, tuned
/// to BPE vocabularies like cl100k/o200k and meant to err high:
/// * an ASCII word costs one token per 5 letters (rounded up), a number one per 3 digits, a
///   mixed letters-and-digits run (ids, hashes, tracking tokens) one per 2.5 characters;
/// * each ASCII punctuation or symbol character costs one; whitespace is free except a run of
///   line breaks, which costs one;
/// * CJK characters cost one each, other non-ASCII letters half, characters outside the Basic
///   Multilingual Plane (emoji) two.
///
/// For English prose it lands about 10–20% above real counts.
pub fn approx_tokens(text: &str) -> usize {
    let mut halves = 0usize; // in half tokens
    let (mut letters, mut digits) = (0usize, 0usize);
    let mut in_newlines = false;
    let flush = |letters: &mut usize, digits: &mut usize, halves: &mut usize| {
        let n = match (*letters, *digits) {
            (0, 0) => 0,
            (l, 0) => l.div_ceil(5),
            (0, d) => d.div_ceil(3),
            (l, d) => (2 * (l + d)).div_ceil(5),
        };
        *halves += 2 * n;
        *letters = 0;
        *digits = 0;
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            letters += 1;
            in_newlines = false;
            continue;
        }
        if c.is_ascii_digit() {
            digits += 1;
            in_newlines = false;
            continue;
        }
        flush(&mut letters, &mut digits, &mut halves);
        if c == '\n' {
            if !in_newlines {
                halves += 2;
            }
            in_newlines = true;
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        in_newlines = false;
        halves += match c as u32 {
            0..=0x7F => 2,
            0x2E80..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF => 2,
            0x1_0000.. => 4,
            _ => 1,
        };
    }
    flush(&mut letters, &mut digits, &mut halves);
    halves.div_ceil(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_paragraph_then_sentence_then_word() {
        let text = "First paragraph here.\n\nSecond one is longer. It has two sentences.";
        let (piece, next) = truncate_at_boundary(text, 30);
        assert_eq!(piece, "First paragraph here.");
        assert_eq!(
            slice_from(text, next.unwrap_or(0)),
            "Second one is longer. It has two sentences."
        );

        let text = "One sentence here. Another sentence follows it closely";
        let (piece, next) = truncate_at_boundary(text, 25);
        assert_eq!(piece, "One sentence here.");
        assert_eq!(next, Some(19));

        let text = "word ".repeat(20);
        let (piece, next) = truncate_at_boundary(&text, 22);
        assert_eq!(piece, "word word word word");
        assert_eq!(next, Some(20));

        let (piece, next) = truncate_at_boundary("abcdefghij", 4);
        assert_eq!((piece.as_str(), next), ("abcd", Some(4)));
        assert_eq!(
            truncate_at_boundary("short", 10),
            ("short".to_string(), None)
        );
        assert_eq!(truncate_at_boundary("é€😀x", 0), ("é".to_string(), Some(1)));
    }

    #[test]
    fn chunks_cover_the_text() {
        let text = "Líne one. ".repeat(300);
        let mut offset = 0;
        let mut seen = 0;
        loop {
            let c = chunk(&text, offset, 97);
            assert!(c.text.chars().count() <= 97);
            seen += c.text.chars().filter(|c| *c == 'L').count();
            match c.next_offset {
                Some(n) => {
                    assert!(n > offset);
                    offset = n;
                }
                None => break,
            }
        }
        assert_eq!(seen, 300);
    }

    #[test]
    fn token_estimate() {
        assert_eq!(approx_tokens(""), 0);
        assert_eq!(approx_tokens("hello world"), 2);
        let prose = "Teams that moved their batch jobs to functions saw idle costs drop sharply, \
                     but only after they right-sized memory.";
        assert_eq!(approx_tokens(prose), 26);
        assert_eq!(approx_tokens("日本語"), 3);
        assert_eq!(approx_tokens("12345678"), 3);
    }
}
