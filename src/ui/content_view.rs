//! The content pane's lines, rendered once per (content, width) instead of every frame.
//!
//! Rendering an object (Markdown, pretty JSON) and wrapping it to the pane costs time in
//! proportion to its size; a frame must cost in proportion to what it shows. So the pane's
//! lines are rendered when the content changes (another object, or more bytes appended by
//! "read more") and wrapped into screen rows when the width changes; a frame draws only the
//! rows in view.
//!
//! Why a `RefCell` owned by the UI state: drawing is otherwise a pure function of the
//! model, and the cache is not model (nothing outside drawing reads it, and dropping it
//! changes nothing but speed). Interior mutability lets the drawing code ask for the rows
//! through a shared reference and keeps the cache out of `Detail`, whose identity (which
//! row, which object) it follows by comparing a cheap fingerprint each frame instead.

use std::cell::{Ref, RefCell};
use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};

use ratatui::buffer::CellWidth;
use ratatui::style::Style;
use ratatui::text::{Line, Span, StyledGrapheme};

use super::format;
use crate::resolve::Content;

/// Bytes hashed at each end of the content for its fingerprint.
const SAMPLE: usize = 4096;

/// What identifies the rendered content: the object, its version and how much of it is
/// loaded (appending bytes changes the length). Computing it reads at most 8 KiB.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    key: String,
    size: u64,
    etag: Option<String>,
    last_modified: Option<String>,
    content_type: Option<String>,
    len: usize,
    sample: u64,
}

impl Identity {
    fn of(content: &Content) -> Identity {
        let bytes = &content.head.bytes;
        let mut hasher = DefaultHasher::new();
        bytes[..bytes.len().min(SAMPLE)].hash(&mut hasher);
        bytes[bytes.len().saturating_sub(SAMPLE)..].hash(&mut hasher);
        let meta = &content.head.meta;
        Identity {
            key: content.key.clone(),
            size: meta.size,
            etag: meta.etag.clone(),
            last_modified: meta.last_modified.clone(),
            content_type: meta.content_type.clone(),
            len: bytes.len(),
            sample: hasher.finish(),
        }
    }
}

struct Cached {
    identity: Identity,
    /// The rendered lines, kept to wrap them again when the width changes.
    lines: Vec<Line<'static>>,
    width: u16,
    /// `lines` wrapped to `width`: one entry per screen row.
    rows: Vec<Line<'static>>,
}

/// The content pane's rows for the content last shown.
#[derive(Default)]
pub struct ContentView {
    cached: RefCell<Option<Cached>>,
}

impl ContentView {
    /// The rows of `content` (metadata, then the body) wrapped to `width`, rendered again
    /// only if the content or the width changed since the last call.
    pub fn rows(&self, content: &Content, width: u16) -> Ref<'_, [Line<'static>]> {
        let identity = Identity::of(content);
        {
            let mut cached = self.cached.borrow_mut();
            match cached.as_mut() {
                Some(c) if c.identity == identity => {
                    if c.width != width {
                        c.rows = wrap_lines(&c.lines, width);
                        c.width = width;
                    }
                }
                _ => {
                    let mut lines = format::object_meta(content);
                    lines.extend(format::content_body(content));
                    let rows = wrap_lines(&lines, width);
                    *cached = Some(Cached {
                        identity,
                        lines,
                        width,
                        rows,
                    });
                }
            }
        }
        Ref::map(self.cached.borrow(), |c| {
            c.as_ref().map_or(&[][..], |c| c.rows.as_slice())
        })
    }
}

/// `lines` cut into screen rows of at most `width` cells, as ratatui's `Paragraph` with
/// `Wrap { trim: false }` would show them (a port of its word wrapper, checked against it
/// in the tests), so that a frame can draw a slice of the rows without wrapping anything.
/// Two differences: a wide character never ends a row past its edge (ratatui's wrapper
/// lets it, and the character is then not drawn), and the lines are first cut as the
/// terminal draws them (`format::terminal_line`). Every pane that wraps uses this.
pub fn wrap_lines(lines: &[Line<'_>], width: u16) -> Vec<Line<'static>> {
    let mut rows = Vec::with_capacity(lines.len());
    for line in lines {
        wrap_line(line, width, &mut rows);
    }
    rows
}

/// Whether `line` is its own only row: every character one cell wide on its own (ASCII,
/// box drawing, most alphabets; not wide, combining or zero-width ones, nor controls)
/// and fewer of them than `width`. Most lines are; they skip grapheme segmentation.
fn fits_as_is(line: &Line, width: u16) -> bool {
    use unicode_width::UnicodeWidthChar;
    let mut count = 0usize;
    for span in &line.spans {
        for c in span.content.chars() {
            if c.is_control() || c.width() != Some(1) {
                return false;
            }
            count += 1;
            if count >= usize::from(width) {
                return false;
            }
        }
    }
    true
}

fn wrap_line(line: &Line<'_>, width: u16, rows: &mut Vec<Line<'static>>) {
    if width == 0 {
        return;
    }
    if fits_as_is(line, width) {
        let spans = line
            .spans
            .iter()
            .map(|s| Span::styled(s.content.to_string(), s.style))
            .collect::<Vec<_>>();
        let mut row = Line::from(spans).style(line.style);
        row.alignment = line.alignment;
        rows.push(row);
        return;
    }
    // Cut where the terminal draws a cluster wider than it is counted.
    let line = &format::terminal_line(line.clone());
    let max = u32::from(width);
    let mut pending_line: Vec<StyledGrapheme> = Vec::new();
    let mut pending_word: Vec<StyledGrapheme> = Vec::new();
    let mut pending_whitespace: VecDeque<StyledGrapheme> = VecDeque::new();
    let (mut line_width, mut word_width, mut whitespace_width) = (0u32, 0u32, 0u32);
    let mut non_whitespace_previous = false;
    let first = rows.len();
    let push = |rows: &mut Vec<Line<'static>>, graphemes: &[StyledGrapheme]| {
        let mut row = to_line(graphemes);
        row.alignment = line.alignment;
        rows.push(row);
    };
    for grapheme in line.styled_graphemes(Style::default()) {
        let is_whitespace = grapheme.is_whitespace();
        let symbol_width = u32::from(grapheme.symbol.cell_width());
        // Symbols wider than the pane are not shown.
        if symbol_width > max {
            continue;
        }
        let word_found = non_whitespace_previous && is_whitespace;
        let overflow =
            pending_line.is_empty() && word_width + whitespace_width + symbol_width > max;
        if word_found || overflow {
            pending_line.extend(pending_whitespace.drain(..));
            line_width += whitespace_width;
            pending_line.append(&mut pending_word);
            line_width += word_width;
            whitespace_width = 0;
            word_width = 0;
        }
        let line_full = line_width >= max;
        // Room for the whole symbol: ratatui's wrapper asks for one cell only, so a wide
        // character can end a row one cell past the edge, where drawing drops it.
        let word_overflow =
            symbol_width > 0 && line_width + whitespace_width + word_width + symbol_width > max;
        if line_full || word_overflow {
            let mut remaining = max.saturating_sub(line_width);
            push(rows, &pending_line);
            pending_line.clear();
            line_width = 0;
            // Whitespace up to the end of the row is dropped.
            while let Some(g) = pending_whitespace.front() {
                let w = u32::from(g.symbol.cell_width());
                if w > remaining {
                    break;
                }
                whitespace_width -= w;
                remaining -= w;
                pending_whitespace.pop_front();
            }
            if is_whitespace && pending_whitespace.is_empty() {
                continue;
            }
        }
        if is_whitespace {
            whitespace_width += symbol_width;
            pending_whitespace.push_back(grapheme);
        } else {
            word_width += symbol_width;
            pending_word.push(grapheme);
        }
        non_whitespace_previous = !is_whitespace;
    }
    pending_line.extend(pending_whitespace.drain(..));
    pending_line.append(&mut pending_word);
    if !pending_line.is_empty() || rows.len() == first {
        push(rows, &pending_line);
    }
}

/// Graphemes as a line, one span per run of the same style.
fn to_line(graphemes: &[StyledGrapheme]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for g in graphemes {
        // A new span where the style changes, or where joining would make one cluster
        // of two that `text::terminal_runs` cut apart.
        let cut = match (text.chars().next_back(), g.symbol.chars().next()) {
            (Some(before), Some(after)) => crate::text::cut_between(before, after),
            _ => false,
        };
        if cut || style != Some(g.style) {
            if let Some(style) = style {
                spans.push(Span::styled(std::mem::take(&mut text), style));
            }
            style = Some(g.style);
        }
        text.push_str(g.symbol);
    }
    if let Some(style) = style {
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier};
    use ratatui::widgets::{Paragraph, Widget, Wrap};

    use super::*;

    /// What ratatui's wrapping paragraph draws (of the lines cut as the terminal draws
    /// them), and what the rows draw unwrapped.
    fn both(lines: &[Line<'static>], width: u16) -> (Buffer, Buffer, usize) {
        let rows = wrap_lines(lines, width);
        let height = u16::try_from(rows.len()).unwrap();
        let area = Rect::new(0, 0, width, height + 1);
        let mut wrapped = Buffer::empty(area);
        Paragraph::new(format::terminal_lines(lines.to_vec()))
            .wrap(Wrap { trim: false })
            .render(area, &mut wrapped);
        let mut sliced = Buffer::empty(area);
        Paragraph::new(rows.clone()).render(area, &mut sliced);
        (wrapped, sliced, rows.len())
    }

    #[test]
    fn rows_draw_exactly_what_the_wrapping_paragraph_draws() {
        let styled = Line::from(vec![
            Span::raw("plain words "),
            Span::styled("bold words", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw("  two  spaces   and a verylongwordthatneedsbreakingsomewhere ok"),
        ]);
        let mut lines = vec![
            Line::default(),
            Line::from("short"),
            styled,
            Line::from("   leading spaces then a few words to wrap around the edge    "),
            Line::from("x".repeat(300)),
            Line::styled("─".repeat(40), Style::new().fg(Color::DarkGray)),
            Line::from("tab\tand combining é and zero\u{200b}width"),
            Line::from(" ".repeat(120)),
            Line::from("a b c d e f g h i j k l m n o p q r s t u v w x y z ".repeat(5)),
        ];
        lines.extend(crate::ui::markdown::render(
            "# Title\n\nSome *em* and **strong** with [a link](https://x.example).\n\n\
             - one\n- two\n\n| A | B |\n|---|--:|\n| x | 10 |\n\n```rust\nfn main() {}\n```\n\n> quoted\n",
        ));
        // Wide characters only at even widths and offsets: otherwise ratatui's wrapper can leave a
        // row one cell too wide, and the paragraph then draws half a character on the
        // pane's edge, where the rows (drawn truncated) leave it out.
        let wide = [
            Line::from("株式会社さくらデータ株式会社さくらデータ株式会社さくらデータ"),
            Line::from("👍🏽👍🏽👍🏽字字字字字字字字字字字字字字字"),
        ];
        for width in [1, 2, 3, 4, 5, 7, 10, 13, 20, 39, 40, 41, 80] {
            let mut lines = lines.clone();
            if width % 2 == 0 {
                lines.extend(wide.iter().cloned());
            }
            let (wrapped, sliced, _) = both(&lines, width);
            assert_eq!(wrapped, sliced, "width {width}");
            // One row per wrapped line: the row below the last is empty in both.
            let last = wrapped.area.height - 1;
            assert!((0..width).all(|x| wrapped[(x, last)].symbol() == " "));
        }
    }

    #[test]
    fn a_huge_word_is_cut_into_rows_of_the_width() {
        let rows = wrap_lines(&[Line::from("a".repeat(10_000))], 50);
        assert_eq!(rows.len(), 200);
        assert!(rows.iter().all(|r| r.width() == 50));
    }

    fn content(bytes: &[u8], size: u64) -> Content {
        Content {
            key: "t/doc.md".into(),
            head: crate::store::read::ObjectHead {
                meta: crate::store::read::ObjectMeta {
                    key: "t/doc.md".into(),
                    size,
                    content_type: Some("text/markdown".into()),
                    etag: Some("\"e1\"".into()),
                    last_modified: None,
                },
                bytes: bytes.to_vec(),
            },
        }
    }

    fn text(rows: &[Line]) -> String {
        crate::ui::plain_text(rows)
    }

    #[test]
    fn rows_are_rendered_once_per_content_and_width() {
        let view = ContentView::default();
        let mut doc = content(b"# Title\n\nfirst part", 32);
        let first = view.rows(&doc, 30).as_ptr();
        // The same content and width: the very same rows, not rendered again.
        assert_eq!(view.rows(&doc, 30).as_ptr(), first);
        assert_eq!(view.rows(&doc.clone(), 30).as_ptr(), first);
        // Another width: wrapped again, from the same rendered lines.
        let narrow = text(&view.rows(&doc, 8));
        assert!(narrow.contains("first\npart"), "{narrow}");
        // More bytes appended (read more): rendered again, with them.
        doc.head.bytes.extend_from_slice(b" and the rest");
        let more = text(&view.rows(&doc, 30));
        assert!(more.contains("first part and the rest"), "{more}");
        assert!(!more.contains("showing the first"), "{more}");
        // Another object with the same length: rendered again.
        let other = content(b"# Other\n\nfirst part and the rest", 32);
        assert!(text(&view.rows(&other, 30)).contains("# Other"));
    }
}
