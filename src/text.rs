//! Text for people: data never reaches a terminal or a text output raw. Control characters (ESC and the rest of C0 and
//! C1, DEL) and bidirectional overrides are replaced by visible stand-ins, so a field can
//! never move the cursor, set the title, write the clipboard or reorder what is shown.

use std::borrow::Cow;

/// A visible stand-in for `c` if it must not reach the terminal, else None.
fn stand_in(c: char) -> Option<char> {
    match c {
        // C0 controls show as their Unicode control pictures (␛ for ESC, ␀ for NUL).
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32),
        '\x7f' => Some('␡'),
        // C1 controls (CSI, OSC and friends in 8-bit form).
        '\u{80}'..='\u{9f}' => Some('�'),
        // Bidirectional embeddings, overrides and isolates.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => Some('¶'),
        _ => None,
    }
}

/// `text` safe for one line: newlines and tabs become visible too.
pub fn clean_line(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    for (n, c) in text.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        match c {
            '\t' => out.push(' '),
            c => out.push(stand_in(c).unwrap_or(c)),
        }
    }
    out
}

/// `text` safe for a multi-line view: newlines kept, tabs expanded, the rest replaced.
pub fn clean_block(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && (c == '\t' || stand_in(c).is_some()))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\r' => {}
            '\t' => out.push_str("    "),
            c => out.push(stand_in(c).unwrap_or(c)),
        }
    }
    Cow::Owned(out)
}

/// "1,234"
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        let hostile = "title\x1b]0;pwned\x07\x1b[2J\x1b]52;c;aGk=\x07\u{9b}31m";
        let cleaned = clean_line(hostile, 200);
        assert!(!cleaned.chars().any(|c| c.is_control()), "{cleaned:?}");
        assert!(cleaned.starts_with("title␛]0;pwned␇␛[2J"));
    }

    #[test]
    fn bidi_overrides_are_replaced_but_rtl_text_stays() {
        let cleaned = clean_line("שלום \u{202e}evil\u{202c} مرحبا", 100);
        assert_eq!(cleaned, "שלום ¶evil¶ مرحبا");
    }

    #[test]
    fn lines_are_capped_and_blocks_keep_newlines() {
        assert_eq!(clean_line("abcdef", 3), "abc…");
        assert_eq!(clean_line("a\nb", 10), "a␊b");
        assert_eq!(clean_block("a\nb\tc\x1b"), "a\nb    c␛");
        assert!(matches!(clean_block("plain\ntext"), Cow::Borrowed(_)));
    }
}

/// `text` as every terminal draws it alike: zero-width joiners dropped, so an emoji ZWJ
/// sequence (a family) shows as its people side by side. Terminals disagree on joined
/// sequences (tmux 3.3 draws each part, 8 columns for a family of four; others 2), and
/// a width the terminal does not share shifts the rest of the line; without the joiner
/// every terminal and ratatui count the same columns. Combining marks stay: they join
/// their letter everywhere.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if text.contains('\u{200d}') {
        Cow::Owned(text.replace('\u{200d}', ""))
    } else {
        Cow::Borrowed(text)
    }
}

/// The columns `grapheme` (one user-perceived character: an emoji ZWJ sequence, a letter
/// with its combining marks) takes, measured as ratatui measures it when drawing, so a
/// line cut here is never cut again, or differently, by the widget.
pub fn grapheme_width(grapheme: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(grapheme)
}

/// `text` cut into pieces of at most `width` columns, never inside a grapheme cluster
/// (a grapheme wider than `width` gets a piece of its own).
pub fn cut_graphemes(text: &str, first: usize, width: usize) -> Vec<&str> {
    use unicode_segmentation::UnicodeSegmentation;
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut used = 0;
    let mut room = first;
    for (at, g) in text.grapheme_indices(true) {
        let w = grapheme_width(g);
        if used + w > room && at > start {
            pieces.push(&text[start..at]);
            start = at;
            used = 0;
            room = width;
        }
        used += w;
    }
    if start < text.len() || pieces.is_empty() {
        pieces.push(&text[start..]);
    }
    pieces
}

#[cfg(test)]
mod grapheme_tests {
    use super::*;

    #[test]
    fn zwj_sequences_and_combining_marks_are_never_split() {
        let family = "👨\u{200d}👩\u{200d}👧\u{200d}👦";
        let text = format!("ab{family}{family}e\u{301}e\u{301}");
        for width in 1..8 {
            let pieces = cut_graphemes(&text, width, width);
            assert_eq!(pieces.concat(), text);
            for piece in &pieces {
                // No piece starts with a joiner or a combining mark.
                let first = piece.chars().next().unwrap();
                assert!(first != '\u{200d}' && first != '\u{301}', "{pieces:?}");
                assert!(!piece.ends_with('\u{200d}'), "{pieces:?}");
            }
        }
        assert_eq!(grapheme_width(family), 2);
        assert_eq!(grapheme_width("e\u{301}"), 1);
    }
}
