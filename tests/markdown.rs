//! Pathological but legal Markdown (issue 13): every shape renders, and the work it costs
//! (lines, spans, characters and screen rows produced) stays within a small multiple of
//! its size, so none can stall the content pane. Wall time is measured by
//! `benches/markdown.rs`, not asserted here.

mod markdown_shapes;

use ratatui::text::Line;
use tenantscope::ui::content_view::wrap_lines;
use tenantscope::ui::markdown::{MAX_DRAWN_DEPTH, render};

struct Work {
    lines: usize,
    spans: usize,
    chars: usize,
    widest: usize,
    rows: usize,
}

fn work(lines: &[Line]) -> Work {
    let chars = lines
        .iter()
        .flat_map(|l| &l.spans)
        .map(|s| s.content.chars().count())
        .sum();
    Work {
        lines: lines.len(),
        spans: lines.iter().map(|l| l.spans.len()).sum(),
        chars,
        widest: lines.iter().map(Line::width).max().unwrap_or(0),
        rows: wrap_lines(lines, 80).len(),
    }
}

#[test]
fn every_shape_renders_with_work_linear_in_its_size() {
    for (name, md) in markdown_shapes::shapes() {
        let bytes = md.len();
        let w = work(&render(&md));
        eprintln!(
            "{name}: {bytes} bytes → {} lines, {} spans, {} chars, widest {}, {} rows at 80",
            w.lines, w.spans, w.chars, w.widest, w.rows
        );
        // Every output line, span and character stands for input bytes: at most a few
        // per byte (a list item 5,000 deep is 2 bytes drawn as 26 characters of
        // indentation and marker), never one per byte per level of nesting.
        assert!(w.lines <= bytes + 16, "{name}: {} lines", w.lines);
        assert!(w.spans <= bytes / 2 + 64, "{name}: {} spans", w.spans);
        assert!(w.chars <= 16 * bytes + 1_000, "{name}: {} chars", w.chars);
        // Wrapped to 80 columns, the rows are what the characters fill, plus a row per line.
        assert!(
            w.rows <= w.chars / 40 + w.lines + 1,
            "{name}: {} rows",
            w.rows
        );
    }
}

#[test]
fn nesting_is_drawn_to_a_bounded_depth() {
    for (name, md) in markdown_shapes::shapes() {
        if !name.contains("deep") {
            continue;
        }
        let lines = render(&md);
        let widest = lines.iter().map(Line::width).max().unwrap_or(0);
        // Bars or indentation for MAX_DRAWN_DEPTH levels, the depth written out, a marker
        // and the text: whatever the nesting.
        assert!(widest <= 4 * MAX_DRAWN_DEPTH + 40, "{name}: {widest} wide");
    }
    let text = tenantscope::ui::plain_text(&render(&format!("{}deep\n", "> ".repeat(10))));
    assert!(
        text.contains(&format!("{}(+2) deep", "│ ".repeat(MAX_DRAWN_DEPTH))),
        "{text}"
    );
    let text = tenantscope::ui::plain_text(&render(&format!("{}deep\n", "- ".repeat(12))));
    assert!(
        text.contains(&format!("{}(+3) • deep", "  ".repeat(MAX_DRAWN_DEPTH))),
        "{text}"
    );
    // Normal nesting is drawn as before: every level.
    let text = tenantscope::ui::plain_text(&render("> > > three\n\n- a\n  - b\n    - c\n"));
    assert!(text.contains("│ │ │ three"), "{text}");
    assert!(text.contains("    • c"), "{text}");
}
