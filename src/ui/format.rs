//! Values formatted by type for the row and content panes.

use chrono::{DateTime, Local};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::markdown;
use crate::resolve::Content;
use crate::store::read::Field;
use crate::text::thousands;
use crate::text::{clean_block, clean_line};

/// Longest value shown whole in the row pane; the rest is cut with its size said.
const MAX_VALUE: usize = 4_000;

/// A field's value as lines (JSON pretty-printed, long text wrapped by the pane), cut
/// into spans as the terminal draws them.
pub fn field_value(field: &Field, currency: Option<&str>) -> Vec<Line<'static>> {
    terminal_lines(value_lines(field, currency))
}

fn value_lines(field: &Field, currency: Option<&str>) -> Vec<Line<'static>> {
    let Some(value) = &field.value else {
        return vec![Line::styled("∅ null", Style::new().fg(Color::DarkGray))];
    };
    let ty = field.pg_type.as_str();
    let column = field.column.as_str();
    let one = |text: String| vec![Line::from(text)];
    if ty.starts_with("timestamp")
        && let Ok(at) = DateTime::parse_from_rfc3339(value)
    {
        let utc = at.with_timezone(&chrono::Utc);
        let local = at.with_timezone(&Local);
        let mut text = format!("{} UTC", utc.format("%Y-%m-%d %H:%M:%S"));
        if local.offset().local_minus_utc() != 0 {
            let shown = if local.date_naive() == utc.date_naive() {
                "%H:%M:%S %:z"
            } else {
                "%m-%d %H:%M:%S %:z"
            };
            text.push_str(&format!(" · {} local", local.format(shown)));
        }
        return one(text);
    }
    if ty.starts_with("json")
        && let Ok(parsed) = serde_json::from_str::<serde_json::Value>(value)
    {
        let pretty = serde_json::to_string_pretty(&parsed).unwrap_or_else(|_| value.clone());
        return clean_block(&pretty)
            .lines()
            .map(|l| Line::from(l.to_string()))
            .collect();
    }
    if column.ends_with("cost_usd") {
        return one(format!("${value}"));
    }
    if column.ends_with("_cents")
        && let Ok(cents) = value.parse::<i64>()
    {
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        return one(format!(
            "{sign}{}.{:02} {}",
            thousands(abs / 100),
            abs % 100,
            currency.map_or(String::new(), |c| clean_line(c, 8))
        ));
    }
    if matches!(ty, "integer" | "bigint" | "smallint")
        && !column.ends_with("version")
        && !column.ends_with("number")
        && let Ok(n) = value.parse::<i64>()
    {
        let text = if n < 0 {
            format!("-{}", thousands(n.unsigned_abs()))
        } else {
            thousands(n as u64)
        };
        let unit = if column.ends_with("_ms") {
            " ms"
        } else if column.contains("tokens") {
            " tokens"
        } else {
            ""
        };
        return one(format!("{text}{unit}"));
    }
    let shown: String = value.chars().take(MAX_VALUE).collect();
    let mut lines: Vec<Line<'static>> = clean_block(&shown)
        .lines()
        .map(|l| Line::from(l.to_string()))
        .collect();
    if value.chars().count() > MAX_VALUE {
        lines.push(Line::styled(
            format!("… ({} more characters)", value.chars().count() - MAX_VALUE),
            Style::new().fg(Color::DarkGray),
        ));
    }
    if lines.is_empty() {
        lines.push(Line::styled("(empty)", Style::new().fg(Color::DarkGray)));
    }
    lines
}

/// What kind of bytes an object holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Markdown,
    Json,
    Text,
    Binary,
}

pub fn kind(content: &Content) -> Kind {
    let key = content.key.to_ascii_lowercase();
    let content_type = content
        .head
        .meta
        .content_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = &content.head.bytes;
    // Binary whatever it claims: NUL bytes, or a PDF.
    if bytes.starts_with(b"%PDF-") || bytes.iter().take(8192).any(|b| *b == 0) {
        return Kind::Binary;
    }
    if key.ends_with(".md") || content_type.contains("markdown") {
        Kind::Markdown
    } else if key.ends_with(".json") || content_type.contains("json") {
        Kind::Json
    } else if content_type.starts_with("text/") || std::str::from_utf8(bytes).is_ok() {
        Kind::Text
    } else {
        Kind::Binary
    }
}

/// Metadata lines shown above every object.
pub fn object_meta(content: &Content) -> Vec<Line<'static>> {
    let meta = &content.head.meta;
    let dim = Style::new().fg(Color::DarkGray);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("key           ", dim),
            Span::raw(clean_line(&meta.key, 300)),
        ]),
        Line::from(vec![
            Span::styled("size          ", dim),
            Span::raw(format!("{} bytes", thousands(meta.size))),
        ]),
        Line::from(vec![
            Span::styled("content type  ", dim),
            Span::raw(clean_line(
                meta.content_type.as_deref().unwrap_or("(none)"),
                100,
            )),
        ]),
        Line::from(vec![
            Span::styled("ETag          ", dim),
            Span::raw(clean_line(meta.etag.as_deref().unwrap_or("(none)"), 100)),
        ]),
        Line::from(vec![
            Span::styled("last modified ", dim),
            Span::raw(clean_line(
                meta.last_modified.as_deref().unwrap_or("(unknown)"),
                100,
            )),
        ]),
    ];
    if content.truncated() {
        lines.push(Line::styled(
            format!(
                "showing the first {} of {} bytes: Enter in this pane reads more",
                thousands(content.head.bytes.len() as u64),
                thousands(meta.size)
            ),
            dim,
        ));
    }
    lines.push(Line::default());
    lines
}

/// The object's bytes as a person wants to read them.
pub fn content_body(content: &Content) -> Vec<Line<'static>> {
    let bytes = &content.head.bytes;
    let kind = kind(content);
    if kind == Kind::Binary {
        return vec![Line::styled(
            "binary content: not shown (s saves it to a file)",
            Style::new().add_modifier(Modifier::ITALIC),
        )];
    }
    // A ranged read can end inside a character: only the last few bytes may be cut.
    let (text, invalid) = match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(e) if content.truncated() && e.error_len().is_none() => (
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
            None,
        ),
        Err(e) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(e.valid_up_to()),
        ),
    };
    let mut lines = Vec::new();
    if let Some(at) = invalid {
        lines.push(Line::styled(
            format!("invalid UTF-8 from byte {at}: shown with � in its place"),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    match kind {
        Kind::Markdown => lines.extend(markdown::render(&text)),
        Kind::Json => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(value) => {
                let pretty = serde_json::to_string_pretty(&value).unwrap_or(text);
                lines.extend(
                    clean_block(&pretty)
                        .lines()
                        .map(|l| Line::from(l.to_string())),
                );
            }
            Err(e) => {
                if !content.truncated() {
                    lines.push(Line::styled(
                        format!("not valid JSON: {e}"),
                        Style::new().fg(Color::Red),
                    ));
                }
                lines.extend(
                    clean_block(&text)
                        .lines()
                        .map(|l| Line::from(l.to_string())),
                );
            }
        },
        _ => lines.extend(
            clean_block(&text)
                .lines()
                .map(|l| Line::from(l.to_string())),
        ),
    }
    lines
}

/// `span` cut into spans at the runs of `text::terminal_runs`, so the terminal draws it
/// exactly as wide as the widget counts it.
pub fn terminal_spans(span: Span<'_>) -> Vec<Span<'static>> {
    crate::text::terminal_runs(&span.content)
        .into_iter()
        .map(|run| Span::styled(run.into_owned(), span.style))
        .collect()
}

/// `line` as the terminal draws it (see `terminal_spans`): every pane's lines pass here
/// before they are wrapped or drawn.
pub fn terminal_line(line: Line<'_>) -> Line<'static> {
    let Line {
        spans,
        style,
        alignment,
        ..
    } = line;
    let mut out = Line::from(
        spans
            .into_iter()
            .flat_map(terminal_spans)
            .collect::<Vec<_>>(),
    )
    .style(style);
    out.alignment = alignment;
    out
}

/// `lines` through `terminal_line`.
pub fn terminal_lines(lines: Vec<Line<'_>>) -> Vec<Line<'static>> {
    lines.into_iter().map(terminal_line).collect()
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::Widget;

    use super::*;

    #[test]
    fn a_line_is_cut_into_spans_as_the_terminal_draws_it_styles_kept() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let line = Line::from(vec![
            Span::styled("ok 👍🏽 🇯🇵", bold),
            Span::raw(" e\u{301} 👨\u{200d}👩\u{200d}👧"),
        ]);
        let cut = terminal_line(line);
        let texts: Vec<&str> = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(
            texts,
            ["ok 👍", "🏽 🇯", "🇵", " e\u{301} 👨\u{200d}👩\u{200d}👧"]
        );
        assert!(cut.spans[..3].iter().all(|s| s.style == bold));
        assert_eq!(cut.spans[3].style, Style::default());
    }

    #[test]
    fn drawn_each_run_takes_the_cells_the_terminal_does() {
        let area = Rect::new(0, 0, 20, 1);
        let mut buffer = Buffer::empty(area);
        terminal_line(Line::from("👍🏽🇯🇵e\u{301}|")).render(area, &mut buffer);
        let symbols: Vec<&str> = (0..8).map(|x| buffer[(x, 0)].symbol()).collect();
        // The thumb and its modifier two cells each, one cell per regional indicator,
        // the accented letter one cell with its mark, and nothing lost.
        assert_eq!(symbols, ["👍", " ", "🏽", " ", "🇯", "🇵", "e\u{301}", "|"]);
    }
}
