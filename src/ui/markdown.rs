//! Markdown to styled lines: pulldown-cmark parses, this turns its events into ratatui
//! lines (headings, emphasis, lists, tables, code blocks, quotes, links). Text is
//! sanitized on the way, so a document cannot send escape sequences to the terminal.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::text::clean_line;

/// Levels of block-quote bars and of list indentation drawn; deeper levels are drawn at
/// this depth with the level written out (`(+12)`), so that legal Markdown nested
/// thousands deep costs no more per line than a normal document.
pub const MAX_DRAWN_DEPTH: usize = 8;

struct Renderer {
    lines: Vec<Line<'static>>,
    current: Vec<Span<'static>>,
    /// Open inline styles, each already patched onto the ones below it: the text's
    /// style is the last one (not a fold over thousands of nested emphasis markers).
    styles: Vec<Style>,
    /// Open lists: the next number for ordered ones.
    lists: Vec<Option<u64>>,
    quote: usize,
    code: bool,
    links: Vec<String>,
    /// Table being collected: rows of cells of spans.
    table: Option<Table>,
}

struct Table {
    alignments: Vec<Alignment>,
    rows: Vec<Vec<Vec<Span<'static>>>>,
    header_rows: usize,
}

impl Renderer {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, style: Style) {
        self.styles.push(self.style().patch(style));
    }

    fn push_text(&mut self, text: &str) {
        let style = self.style();
        let text = clean_line(text, usize::MAX);
        let spans = match &mut self.table {
            Some(table) => match table.rows.last_mut().and_then(|r| r.last_mut()) {
                Some(cell) => cell,
                None => return,
            },
            None => &mut self.current,
        };
        // Text of one style arriving in pieces (pulldown-cmark splits at every bracket
        // or marker it could not match) joins the span before it: spans stay bounded by
        // style changes, not by the number of pieces.
        match spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(&text),
            _ => spans.push(Span::styled(text, style)),
        }
    }

    fn prefix(&self) -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        if self.quote > 0 {
            let mut bars = "│ ".repeat(self.quote.min(MAX_DRAWN_DEPTH));
            if self.quote > MAX_DRAWN_DEPTH {
                bars.push_str(&format!("(+{}) ", self.quote - MAX_DRAWN_DEPTH));
            }
            spans.push(Span::styled(bars, Style::new().fg(Color::DarkGray)));
        }
        spans
    }

    fn flush(&mut self) {
        if self.current.is_empty() {
            return;
        }
        let mut spans = self.prefix();
        spans.append(&mut self.current);
        self.lines.push(Line::from(spans));
    }

    fn blank(&mut self) {
        self.flush();
        if self.lines.last().is_some_and(|l| !l.spans.is_empty()) {
            self.lines.push(Line::default());
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code => {
                for line in text.lines() {
                    let mut spans = self.prefix();
                    spans.push(Span::styled(
                        format!("  {}", clean_line(line, usize::MAX)),
                        Style::new().fg(Color::Cyan),
                    ));
                    self.lines.push(Line::from(spans));
                }
            }
            Event::Text(text) => self.push_text(&text),
            Event::Code(code) => {
                let span = Span::styled(
                    format!("`{}`", clean_line(&code, usize::MAX)),
                    Style::new().fg(Color::Cyan),
                );
                match &mut self.table {
                    Some(table) => {
                        if let Some(cell) = table.rows.last_mut().and_then(|r| r.last_mut()) {
                            cell.push(span);
                        }
                    }
                    None => self.current.push(span),
                }
            }
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.blank();
                self.lines.push(Line::styled(
                    "─".repeat(40),
                    Style::new().fg(Color::DarkGray),
                ));
            }
            Event::Html(html) | Event::InlineHtml(html) => self.push_text(&html),
            Event::TaskListMarker(done) => self.push_text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(name) => self.push_text(&format!("[^{name}]")),
            Event::InlineMath(m) | Event::DisplayMath(m) => self.push_text(&m),
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Heading { level, .. } => {
                self.blank();
                let marks = match level {
                    HeadingLevel::H1 => "# ",
                    HeadingLevel::H2 => "## ",
                    HeadingLevel::H3 => "### ",
                    _ => "#### ",
                };
                let style = match level {
                    HeadingLevel::H1 => Style::new()
                        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                        .fg(Color::Yellow),
                    HeadingLevel::H2 => Style::new().add_modifier(Modifier::BOLD).fg(Color::Yellow),
                    _ => Style::new().add_modifier(Modifier::BOLD),
                };
                self.push_style(style);
                self.push_text(marks);
            }
            Tag::Paragraph => self.flush(),
            Tag::Emphasis => self.push_style(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.push_style(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.links.push(dest_url.to_string());
                self.push_style(
                    Style::new()
                        .fg(Color::Blue)
                        .add_modifier(Modifier::UNDERLINED),
                );
            }
            Tag::Image { dest_url, .. } => {
                self.push_text("[image: ");
                self.links.push(dest_url.to_string());
                self.push_style(Style::new().fg(Color::Blue));
            }
            Tag::BlockQuote(_) => {
                self.blank();
                self.quote += 1;
            }
            Tag::CodeBlock(kind) => {
                self.blank();
                let language = match kind {
                    CodeBlockKind::Fenced(lang) if !lang.is_empty() => clean_line(&lang, 20),
                    _ => "code".to_string(),
                };
                self.lines.push(Line::styled(
                    format!("┌─ {language}"),
                    Style::new().fg(Color::DarkGray),
                ));
                self.code = true;
            }
            Tag::List(start) => {
                self.flush();
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let mut indent = "  ".repeat(depth.min(MAX_DRAWN_DEPTH));
                if depth > MAX_DRAWN_DEPTH {
                    indent.push_str(&format!("(+{}) ", depth - MAX_DRAWN_DEPTH));
                }
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{indent}{}. ", *n - 1)
                    }
                    _ => format!("{indent}• "),
                };
                self.current.push(Span::raw(marker));
            }
            Tag::Table(alignments) => {
                self.blank();
                self.table = Some(Table {
                    alignments,
                    rows: Vec::new(),
                    header_rows: 0,
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => {
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(Vec::new());
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                self.styles.pop();
                self.flush();
                self.lines.push(Line::default());
            }
            TagEnd::Paragraph => {
                self.flush();
                if self.lists.is_empty() {
                    self.lines.push(Line::default());
                }
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                self.styles.pop();
                if let Some(url) = self.links.pop() {
                    let style = Style::new().fg(Color::DarkGray);
                    let span = Span::styled(format!(" <{}>", clean_line(&url, 200)), style);
                    match &mut self.table {
                        Some(t) => {
                            if let Some(cell) = t.rows.last_mut().and_then(|r| r.last_mut()) {
                                cell.push(span);
                            }
                        }
                        None => self.current.push(span),
                    }
                }
                if tag == TagEnd::Image {
                    self.push_text("]");
                }
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
                self.lines.push(Line::default());
            }
            TagEnd::CodeBlock => {
                self.code = false;
                self.lines
                    .push(Line::styled("└─", Style::new().fg(Color::DarkGray)));
                self.lines.push(Line::default());
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.lines.push(Line::default());
                }
            }
            TagEnd::Item => self.flush(),
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.header_rows = t.rows.len();
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.render_table(table);
                }
                self.lines.push(Line::default());
            }
            _ => {}
        }
    }

    fn render_table(&mut self, table: Table) {
        let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
        let width = |cell: &Vec<Span>| cell.iter().map(|s| s.content.width()).sum::<usize>();
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(width)
                    .max()
                    .unwrap_or(0)
                    .min(40)
            })
            .collect();
        let border = Style::new().fg(Color::DarkGray);
        for (r, row) in table.rows.into_iter().enumerate() {
            let mut spans = vec![Span::styled("│", border)];
            for (c, cell) in row.into_iter().enumerate() {
                let pad = widths[c].saturating_sub(width(&cell));
                let right = matches!(table.alignments.get(c), Some(Alignment::Right));
                spans.push(Span::raw(" "));
                if right {
                    spans.push(Span::raw(" ".repeat(pad)));
                }
                let header = r < table.header_rows;
                spans.extend(cell.into_iter().map(|s| {
                    if header {
                        s.patch_style(Style::new().add_modifier(Modifier::BOLD))
                    } else {
                        s
                    }
                }));
                if !right {
                    spans.push(Span::raw(" ".repeat(pad)));
                }
                spans.push(Span::styled(" │", border));
            }
            self.lines.push(Line::from(spans));
            if r + 1 == table.header_rows {
                let rule: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
                self.lines
                    .push(Line::styled(format!("├{}┤", rule.join("┼")), border));
            }
        }
    }
}

/// `markdown` as styled lines.
pub fn render(markdown: &str) -> Vec<Line<'static>> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut renderer = Renderer {
        lines: Vec::new(),
        current: Vec::new(),
        styles: Vec::new(),
        lists: Vec::new(),
        quote: 0,
        code: false,
        links: Vec::new(),
        table: None,
    };
    for event in Parser::new_ext(markdown, options) {
        renderer.event(event);
    }
    renderer.flush();
    renderer.lines
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::ui::plain_text as text;

    #[test]
    fn blocks_render_as_a_person_reads_them() {
        let md = "# Title\n\nSome *em* and **strong** with [a link](https://x.example).\n\n- one\n- two\n\n1. first\n2. second\n\n| A | B |\n|---|--:|\n| x | 10 |\n| longer | 2 |\n\n```rust\nfn main() {}\n```\n\n> quoted\n";
        let out = text(&render(md));
        assert!(out.contains("# Title"));
        assert!(out.contains("Some em and strong with a link <https://x.example>."));
        assert!(out.contains("• one") && out.contains("• two"));
        assert!(out.contains("1. first") && out.contains("2. second"));
        assert!(out.contains("│ A      │  B │"), "{out}");
        assert!(out.contains("│ longer │  2 │"), "{out}");
        assert!(out.contains("┌─ rust") && out.contains("  fn main() {}"));
        assert!(out.contains("│ quoted"));
    }

    #[test]
    fn escape_sequences_in_markdown_are_made_visible() {
        let out = text(&render("hello \x1b[31mred\x1b[0m"));
        assert!(!out.contains('\x1b'));
        assert!(out.contains("␛[31m"));
    }
}
