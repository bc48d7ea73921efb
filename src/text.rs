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

/// `text` safe for one line: newlines and tabs become visible too. Capped at `max`
/// grapheme clusters (user-perceived characters), so the cut never falls inside one: an
/// accent is never parted from its letter, nor a family emoji cut after a joiner.
pub fn clean_line(text: &str, max: usize) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(4)));
    // No more bytes than the cap: no more clusters either, and no cut to place (the
    // common case, and every uncapped one, skips segmentation).
    if text.len() <= max {
        out.extend(text.chars().map(|c| match c {
            '\t' => ' ',
            c => stand_in(c).unwrap_or(c),
        }));
        return out;
    }
    for (n, grapheme) in text.graphemes(true).enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        for c in grapheme.chars() {
            match c {
                '\t' => out.push(' '),
                c => out.push(stand_in(c).unwrap_or(c)),
            }
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

/// The most bytes one terminal cell holds: tmux 3.3 keeps 21 and drops, without a word,
/// what a longer grapheme cluster adds (a family of four loses its last member).
pub const CELL_BYTES: usize = 21;

const ZWJ: char = '\u{200d}';

/// Emoji skin-tone modifiers: tmux 3.3 draws one as an emoji of its own (two more columns)
/// where ratatui, unicode-width and newer terminals count the pair as one.
fn is_modifier(c: char) -> bool {
    ('\u{1f3fb}'..='\u{1f3ff}').contains(&c)
}

/// Regional indicators, two to a flag: tmux 3.3 keeps each in a cell of its own, where
/// ratatui counts the pair as one cell two wide (and so never redraws the second).
fn is_regional_indicator(c: char) -> bool {
    ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)
}

/// Whether a run must end between `before` and `after` (see `terminal_runs`): before a
/// skin-tone modifier, and between two regional indicators.
pub fn cut_between(before: char, after: char) -> bool {
    is_modifier(after) || (is_regional_indicator(before) && is_regional_indicator(after))
}

/// Whether `text` holds nothing `terminal_runs` changes.
fn drawn_alike(text: &str) -> bool {
    text.is_ascii()
        || !text
            .chars()
            .any(|c| c == ZWJ || is_modifier(c) || is_regional_indicator(c))
}

/// `text` as runs a terminal draws exactly as wide as ratatui measures them (never wider,
/// which would push a fragment over the next cell or onto the next line). Each run must be
/// drawn as a span of its own: ratatui segments each span apart, so a cut between runs
/// holds. Grapheme clusters stay whole (a letter with its combining marks, a flag, an
/// emoji with its U+FE0F, an emoji ZWJ sequence with its joiners), except:
/// - a ZWJ sequence longer than a cell holds (`CELL_BYTES`) is drawn as its members side
///   by side, its joiners left out: whole, a terminal would drop members;
/// - a skin-tone modifier starts a run: drawn with its emoji it is as wide as the two;
/// - each regional indicator of a flag is a run: a cell each, as tmux keeps them.
///
/// Text with neither (nearly all) comes back as one borrowed run.
pub fn terminal_runs(text: &str) -> Vec<Cow<'_, str>> {
    use unicode_segmentation::UnicodeSegmentation;
    if drawn_alike(text) {
        return vec![Cow::Borrowed(text)];
    }
    let mut runs: Vec<Cow<'_, str>> = Vec::new();
    let mut current = String::with_capacity(text.len());
    for cluster in text.graphemes(true) {
        let members: Vec<&str> = if cluster.len() > CELL_BYTES && cluster.contains(ZWJ) {
            cluster.split(ZWJ).filter(|m| !m.is_empty()).collect()
        } else {
            vec![cluster]
        };
        for member in members {
            for c in member.chars() {
                if current
                    .chars()
                    .next_back()
                    .is_some_and(|b| cut_between(b, c))
                {
                    runs.push(Cow::Owned(std::mem::take(&mut current)));
                }
                current.push(c);
            }
        }
    }
    if !current.is_empty() || runs.is_empty() {
        runs.push(Cow::Owned(current));
    }
    runs
}

/// `text` as one string for where only a string fits (a tree label kept for the status
/// line): the runs of `terminal_runs` joined. A skin-tone modifier joins its emoji again
/// here; draw with `terminal_runs` (`ui::format::terminal_line`) where spans can be cut.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    let mut runs = terminal_runs(text);
    if runs.len() == 1 {
        return runs.pop().expect("one run");
    }
    Cow::Owned(runs.concat())
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

    const FAMILY_OF_FOUR: &str = "👨\u{200d}👩\u{200d}👧\u{200d}👦";
    const FAMILY_OF_THREE: &str = "👨\u{200d}👩\u{200d}👧";

    #[test]
    fn zwj_sequences_and_combining_marks_are_never_split() {
        let text = format!("ab{FAMILY_OF_FOUR}{FAMILY_OF_FOUR}e\u{301}e\u{301}");
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
        assert_eq!(grapheme_width(FAMILY_OF_FOUR), 2);
        assert_eq!(grapheme_width("e\u{301}"), 1);
    }

    #[test]
    fn clusters_that_fit_a_cell_stay_whole_with_their_joiners() {
        for whole in [
            FAMILY_OF_THREE,
            "🏳\u{fe0f}\u{200d}🌈",
            "👩\u{200d}❤\u{fe0f}\u{200d}👨",
            "❤\u{fe0f}",
            "e\u{301}\u{308}",
            "中文 שלום مرحبا",
        ] {
            assert_eq!(
                terminal_runs(whole),
                vec![Cow::Borrowed(whole)],
                "{whole:?}"
            );
            assert_eq!(for_terminal(whole), whole);
        }
        assert!(matches!(terminal_runs("plain")[0], Cow::Borrowed(_)));
    }

    #[test]
    fn a_sequence_longer_than_a_cell_is_drawn_as_its_members() {
        assert!(FAMILY_OF_FOUR.len() > CELL_BYTES && FAMILY_OF_THREE.len() <= CELL_BYTES);
        let text = format!("a{FAMILY_OF_FOUR}b{FAMILY_OF_THREE}");
        let runs = terminal_runs(&text);
        assert_eq!(runs.concat(), format!("a👨👩👧👦b{FAMILY_OF_THREE}"));
        // Every member is there, each as wide as it is drawn; the short family joined.
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(runs.concat().as_str()),
            1 + 8 + 1 + 2
        );
    }

    #[test]
    fn a_skin_tone_modifier_starts_a_run_of_its_own() {
        let runs = terminal_runs("ok 👍🏽 and 👩🏽\u{200d}💻.");
        assert_eq!(
            runs,
            vec!["ok 👍", "🏽 and 👩", "🏽\u{200d}💻."]
                .into_iter()
                .map(Cow::Borrowed)
                .collect::<Vec<_>>()
        );
        // Each run measures what tmux draws: the modifier as an emoji of its own.
        let widths: Vec<usize> = runs
            .iter()
            .map(|r| unicode_width::UnicodeWidthStr::width(r.as_ref()))
            .collect();
        assert_eq!(widths, vec![5, 9, 3]);
    }

    #[test]
    fn each_regional_indicator_of_a_flag_is_a_cell() {
        let runs = terminal_runs("a🇯🇵🇫🇷b");
        assert_eq!(runs.concat(), "a🇯🇵🇫🇷b");
        assert_eq!(runs, vec!["a🇯", "🇵", "🇫", "🇷b"]);
        // A cell of one column each: two a flag, what tmux draws and a flag's width
        // elsewhere.
        let widths: Vec<usize> = runs
            .iter()
            .map(|r| unicode_width::UnicodeWidthStr::width(r.as_ref()))
            .collect();
        assert_eq!(widths, vec![2, 1, 1, 2]);
    }

    #[test]
    fn lines_are_capped_by_grapheme_cluster() {
        let text = format!("e\u{301}e\u{301}{FAMILY_OF_THREE}x");
        assert_eq!(clean_line(&text, 1), "e\u{301}…");
        assert_eq!(
            clean_line(&text, 3),
            format!("e\u{301}e\u{301}{FAMILY_OF_THREE}…")
        );
        assert_eq!(clean_line(&text, 4), text);
        // Controls inside a capped line are still made visible.
        assert_eq!(clean_line("\x1b[2Jé\u{301}", 3), "␛[2…");
    }
}
