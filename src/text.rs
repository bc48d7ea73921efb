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
