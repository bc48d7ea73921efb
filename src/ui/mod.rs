//! Drawing: a pure function of the model (plus the tree widget's scroll state). Layout:
//! a title line with each store's state, the tree on the left, the reference chain and
//! the selected pane on the right, and a status line with the path and the keys.

pub mod bson;
pub mod content_view;
pub mod format;
pub mod markdown;
pub mod run;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tui_tree_widget::Tree as TreeWidget;

use crate::app::detail::Detail;
use crate::app::keymap::HELP;
use crate::app::picker::Picker;
use crate::app::prompt::{COMMANDS, PromptKind};
use crate::app::results::Results;
use crate::app::tree::status_span;
use crate::app::{App, Focus, Health, Pane};
use crate::load::Load;
use crate::resolve::HopState;
use crate::text::clean_line;
use crate::text::thousands;

/// Lines as plain text, one per line (for tests and exports).
pub fn plain_text(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    let [title, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(frame, app, title);
    let tree_width = if main.width < 60 {
        main.width
    } else {
        (main.width * 2 / 5).max(30)
    };
    let [left, right] =
        Layout::horizontal([Constraint::Length(tree_width), Constraint::Min(0)]).areas(main);
    app.page_rows = usize::from(main.height.saturating_sub(3)).max(1);
    draw_tree(frame, app, left);
    match app.run.visible() {
        Some(view) if view.whole || right.width == 0 => run::draw(frame, view, main),
        Some(view) => run::draw(frame, view, right),
        None if right.width > 0 => draw_right(frame, app, right),
        None => {}
    }
    draw_status(frame, app, status);
    if let Some(results) = &app.results {
        draw_results(frame, results, main);
    }
    if let Some(picker) = &app.picker {
        draw_picker(frame, picker, main);
    }
    if app.help {
        draw_help(frame, area, app.help_scroll);
    }
    if app.show_messages {
        draw_messages(frame, area, &app.messages, app.help_scroll);
    }
    if app.no_color {
        for cell in frame.buffer_mut().content.iter_mut() {
            cell.set_fg(Color::Reset);
            cell.set_bg(Color::Reset);
        }
    }
}

fn focused_block(title: Line<'static>, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::new()
        .borders(Borders::ALL)
        .border_style(style)
        .title(format::terminal_line(title))
}

fn draw_title(frame: &mut Frame, app: &App, area: Rect) {
    let mut spans = vec![
        Span::styled(
            " tenantscope ",
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        Span::raw(" "),
    ];
    // The scope before anything else: it must not be cut.
    if let Some(scope) = &app.scope {
        spans.push(Span::styled(
            format!("tenant {} only ", clean_line(scope, 60)),
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ));
    }
    // The session's masks and those a snapshot was taken with, each once.
    let mut masks = crate::mask::active().names();
    for recorded in &app.recorded_masks {
        if !masks.contains(recorded) {
            masks.push(recorded.clone());
        }
    }
    if !masks.is_empty() {
        spans.push(Span::styled(
            format!("masked: {} ", clean_line(&masks.join(", "), 60)),
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ));
    }
    // The stores' states first: on a narrow screen the source text is what gets cut.
    for (name, health) in ["PG", "Mongo", "S3"].iter().zip(&app.health) {
        let (mark, color) = match health {
            Health::Up => ("✓", Color::Green),
            Health::Connecting => ("…", Color::Yellow),
            Health::Down(_) => ("✗ down", Color::Red),
        };
        spans.push(Span::styled(
            format!("{name} {mark}  "),
            Style::new().fg(color),
        ));
    }
    spans.push(Span::raw(clean_line(&app.source, 200)));
    frame.render_widget(format::terminal_line(Line::from(spans)), area);
}

fn draw_tree(frame: &mut Frame, app: &mut App, area: Rect) {
    let focused = app.focus == Focus::Tree;
    let block = focused_block(Line::from(" Tree "), focused);
    match TreeWidget::new(&app.tree.items) {
        Ok(widget) => {
            let widget = widget
                .block(block)
                .highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD))
                .highlight_symbol("> ");
            frame.render_stateful_widget(widget, area, &mut app.tree.state);
        }
        Err(e) => frame.render_widget(
            Paragraph::new(format!("tree error: {e}")).block(block),
            area,
        ),
    }
}

fn draw_right(frame: &mut Frame, app: &mut App, area: Rect) {
    let Some(detail) = app.detail.as_mut() else {
        let hint = Paragraph::new("Select a row in the tree (j/k to move, l to open).")
            .block(focused_block(Line::from(" Row "), false))
            .wrap(Wrap { trim: false });
        frame.render_widget(hint, area);
        return;
    };
    let chain = chain_lines(detail);
    let chain_height = (chain.len() as u16).min(area.height / 3);
    let [tabs, chain_area, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(chain_height),
        Constraint::Min(0),
    ])
    .areas(area);
    let mut tab_spans = Vec::new();
    for (n, (pane, name)) in [
        (Pane::Row, "Row"),
        (Pane::Document, "Document"),
        (Pane::Content, "Content"),
    ]
    .iter()
    .enumerate()
    {
        let label = format!(" {} {name} ", n + 1);
        tab_spans.push(if *pane == app.pane {
            Span::styled(
                label,
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            Span::raw(label)
        });
    }
    if !app.back.is_empty() {
        tab_spans.push(Span::styled(
            format!("  ← {} back ([)", app.back.len()),
            Style::new().fg(Color::DarkGray),
        ));
    }
    frame.render_widget(Line::from(tab_spans), tabs);
    frame.render_widget(Paragraph::new(format::terminal_lines(chain)), chain_area);

    let focused = app.focus == Focus::Pane;
    if app.pane == Pane::Content {
        draw_content(frame, detail, &app.content_view, body, focused);
        return;
    }
    let (title, lines, cursor) = match app.pane {
        Pane::Row => row_lines(detail, usize::from(body.width.saturating_sub(2))),
        Pane::Document => (
            format!(" Document ({}) ", detail.documents.len()),
            document_lines(detail),
            None,
        ),
        Pane::Content => unreachable!("drawn by draw_content"),
    };
    let inner_height = usize::from(body.height.saturating_sub(2)).max(1);
    let index = app.pane.index();
    // The row pane's fields are wrapped already (`row_lines`); the rest wrap here.
    let rows = content_view::wrap_lines(&lines, body.width.saturating_sub(2));
    let scroll = match cursor {
        // Keep the selected field in view.
        Some(at) => {
            let s = &mut detail.scroll[index];
            if at < *s {
                *s = at;
            } else if at >= *s + inner_height {
                *s = at + 1 - inner_height;
            }
            *s
        }
        None => {
            let s = &mut detail.scroll[index];
            // The end (G) shows the last page whole.
            *s = (*s).min(rows.len().saturating_sub(inner_height));
            *s
        }
    };
    let end = rows.len().min(scroll + inner_height);
    let shown = rows.get(scroll..end).unwrap_or_default().to_vec();
    let paragraph = Paragraph::new(shown).block(focused_block(Line::from(title), focused));
    frame.render_widget(paragraph, body);
}

fn chain_lines(detail: &Detail) -> Vec<Line<'static>> {
    detail
        .hops
        .iter()
        .map(|hop| {
            let (mark, color, note) = match &hop.state {
                HopState::Loading => ("…", Color::Yellow, "loading".to_string()),
                HopState::Resolved => ("✓", Color::Green, "resolved".to_string()),
                HopState::NotFound => (
                    "✗",
                    Color::Red,
                    "NOT FOUND (dangling reference)".to_string(),
                ),
                HopState::Empty => ("·", Color::DarkGray, "no reference".to_string()),
                HopState::Invalid(why) => ("✗", Color::Red, format!("invalid: {why}")),
                HopState::Failed(e) => ("!", Color::Red, format!("error: {e}")),
                HopState::OutsideScope(tenant) => (
                    "⚠",
                    Color::Magenta,
                    format!("OUTSIDE TENANT {tenant}: not shown"),
                ),
                HopState::OtherTenant(owner) => {
                    ("⚠", Color::Magenta, format!("OTHER TENANT {owner}"))
                }
            };
            // The state first: the path after it may be cut at the pane's edge.
            Line::from(vec![
                Span::styled(
                    format!("{mark} {} ", clean_line(&note, 200)),
                    Style::new().fg(color).add_modifier(Modifier::BOLD),
                ),
                Span::raw(clean_line(&format!("{} → {}", hop.from, hop.to), 300)),
            ])
        })
        .collect()
}

/// (title, lines, line of the selected field)
/// The row pane's lines, wrapped here to `width` so the selected field's line index is
/// exact for scrolling.
fn row_lines(detail: &Detail, width: usize) -> (String, Vec<Line<'static>>, Option<usize>) {
    let pane_width = width;
    let title = format!(" Row · {} ", detail.table.name);
    let fields = match &detail.row {
        Load::Loading(_) | Load::Unloaded => return (title, vec![Line::from("loading…")], None),
        Load::Failed(e) => {
            return (
                title,
                vec![Line::styled(
                    format!("✗ {}", clean_line(e, 500)),
                    Style::new().fg(Color::Red),
                )],
                None,
            );
        }
        Load::Loaded(None) => {
            return (
                title,
                vec![Line::styled(
                    format!(
                        "✗ no {} row with id {} (deleted, or a dangling foreign key)",
                        detail.table.name, detail.id
                    ),
                    Style::new().fg(Color::Red),
                )],
                None,
            );
        }
        Load::Loaded(Some(fields)) => fields,
    };
    let width = fields
        .iter()
        .map(|f| f.column.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    let currency = fields
        .iter()
        .find(|f| f.column == "currency")
        .and_then(|f| f.value.as_deref());
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, field) in fields.iter().enumerate() {
        let selected = i == detail.field;
        if selected {
            cursor = Some(lines.len());
        }
        let link = detail
            .table
            .foreign_keys
            .iter()
            .find(|f| f.column == field.column)
            .map(|f| format!(" → {}", f.target))
            .or_else(|| {
                detail
                    .table
                    .references
                    .iter()
                    .find(|r| r.column() == field.column)
                    .map(|r| match r {
                        crate::schema::Reference::Mongo { collection, .. } => {
                            format!(" → {collection}")
                        }
                        crate::schema::Reference::S3 { .. } => " → s3".to_string(),
                    })
            });
        // A link into another tenant's data says so where it is followed.
        let from = format!("{}.{}", detail.table.name, field.column);
        let link = link.map(|link| {
            if detail.hops.iter().any(|h| {
                h.from == from
                    && matches!(
                        h.state,
                        HopState::OtherTenant(_) | HopState::OutsideScope(_)
                    )
            }) {
                format!("{link} ⚠ OTHER TENANT")
            } else {
                link
            }
        });
        let name_style = if selected {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new().fg(Color::Cyan)
        };
        let values = format::field_value(field, currency);
        for (n, value) in values.into_iter().enumerate() {
            let mut spans = if n == 0 {
                vec![
                    Span::raw(if selected { "▶ " } else { "  " }),
                    Span::styled(
                        format!("{:<width$}", clean_line(&field.column, 28)),
                        name_style,
                    ),
                    Span::raw(" "),
                ]
            } else {
                vec![Span::raw(" ".repeat(width + 3))]
            };
            spans.extend(value.spans);
            if n == 0
                && field.value.is_some()
                && let Some(link) = &link
            {
                spans.push(Span::styled(
                    link.clone(),
                    Style::new()
                        .fg(Color::Blue)
                        .add_modifier(Modifier::UNDERLINED),
                ));
            }
            lines.extend(wrap(Line::from(spans), pane_width, width + 3));
        }
    }
    (title, lines, cursor)
}

/// `line` cut into lines of at most `width` columns; continuations are indented by
/// `indent`. Cut by grapheme cluster, measured as the widget measures (`text::
/// cut_graphemes`): a family emoji or a letter with its accents stays whole.
fn wrap(line: Line<'static>, width: usize, indent: usize) -> Vec<Line<'static>> {
    if width <= indent + 1 || line.width() <= width {
        return vec![line];
    }
    let mut out = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut rest: &str = &span.content;
        while !rest.is_empty() {
            let room = width.saturating_sub(used);
            let pieces = crate::text::cut_graphemes(rest, room, width - indent);
            let piece = pieces[0];
            let piece_width = unicode_width::UnicodeWidthStr::width(piece);
            if used + piece_width > width && used > indent {
                // Nothing of it fits here: on the next line.
                out.push(Line::from(std::mem::take(&mut current)));
                current.push(Span::raw(" ".repeat(indent)));
                used = indent;
                continue;
            }
            current.push(Span::styled(piece.to_string(), span.style));
            used += piece_width;
            rest = &rest[piece.len()..];
            if !rest.is_empty() {
                out.push(Line::from(std::mem::take(&mut current)));
                current.push(Span::raw(" ".repeat(indent)));
                used = indent;
            }
        }
    }
    if !current.is_empty() {
        out.push(Line::from(current));
    }
    out
}

/// What the panes say of another tenant's data: whose it is, and that it is withheld.
fn withheld_line(
    title: &str,
    owner: &crate::resolve::OtherTenant,
    revealed: bool,
) -> Line<'static> {
    let what = if revealed {
        "shown on request (v)"
    } else {
        "withheld (v shows it, after a confirmation)"
    };
    Line::styled(
        format!(
            "⚠ OTHER TENANT: {} belongs to tenant {}: {what}",
            clean_line(title, 200),
            clean_line(&owner.to_string(), 200)
        ),
        Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
    )
}

fn document_lines(detail: &Detail) -> Vec<Line<'static>> {
    if detail.documents.is_empty() && detail.withheld_documents().next().is_none() {
        let why = if detail
            .table
            .references
            .iter()
            .any(|r| matches!(r, crate::schema::Reference::Mongo { .. }))
        {
            if detail.is_loading() {
                "loading…"
            } else {
                "no document: see the chain above"
            }
        } else {
            "this table points to no MongoDB document"
        };
        return vec![Line::from(why)];
    }
    let mut lines = Vec::new();
    for (title, owner, document) in detail.withheld_documents() {
        lines.push(withheld_line(title, owner, detail.revealed));
        if detail.revealed {
            lines.extend(bson::render(document));
        }
        lines.push(Line::default());
    }
    for (title, document) in &detail.documents {
        lines.push(Line::styled(
            clean_line(title, 200),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        lines.extend(bson::render(document));
        lines.push(Line::default());
    }
    lines
}

/// The content pane. Its rows come rendered and wrapped from `view` (once per content
/// and width); a frame clones and draws only the rows in view, so its cost does not grow
/// with the object.
fn draw_content(
    frame: &mut Frame,
    detail: &mut Detail,
    view: &content_view::ContentView,
    area: Rect,
    focused: bool,
) {
    let block = focused_block(Line::from(" Content "), focused);
    let inner = block.inner(area);
    let uncached;
    let cached;
    let rows: &[Line<'static>] = match &detail.content {
        // The object as it is: rendered once per content and width.
        Some(content) if !crate::mask::active().content => {
            cached = view.rows(content, inner.width);
            &cached
        }
        // Masked, withheld (another tenant's), loading or none: a few lines.
        _ => {
            uncached = content_view::wrap_lines(&content_lines(detail), inner.width);
            &uncached
        }
    };
    let scroll = &mut detail.scroll[Pane::Content.index()];
    *scroll = (*scroll).min(rows.len().saturating_sub(1));
    let end = rows.len().min(*scroll + usize::from(inner.height));
    let shown = rows.get(*scroll..end).unwrap_or_default().to_vec();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

/// The content pane's lines when it does not show the object from the cache: masked,
/// another tenant's (withheld unless revealed), loading, or nothing to show.
fn content_lines(detail: &Detail) -> Vec<Line<'static>> {
    match (&detail.content, detail.withheld_content()) {
        (Some(content), _) if crate::mask::active().content => {
            let mut lines = format::object_meta(content);
            lines.push(Line::styled(
                "content masked by the profile (mask = content): metadata only",
                Style::new().fg(Color::Magenta),
            ));
            lines
        }
        (Some(content), _) => {
            let mut lines = format::object_meta(content);
            lines.extend(format::content_body(content));
            lines
        }
        (None, Some((owner, content))) => {
            let title = format!("s3 {}", content.key);
            let mut lines = vec![withheld_line(&title, owner, detail.revealed)];
            if detail.revealed {
                lines.extend(format::object_meta(content));
                lines.extend(format::content_body(content));
            }
            lines
        }
        (None, None) if detail.is_loading() => vec![Line::from("loading…")],
        (None, None) => vec![Line::from("no object: see the chain above")],
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(prompt) = &app.prompt {
        let line = Line::from(vec![
            Span::styled(
                prompt.kind.symbol().to_string(),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Span::raw(clean_line(&prompt.input, 500)),
            Span::styled("█", Style::new().fg(Color::Cyan)),
        ]);
        let hint = prompt.hint.clone().unwrap_or_else(|| {
            match prompt.kind {
                PromptKind::Command => "Enter run · Tab complete · ↑↓ history · Esc cancel",
                PromptKind::Filter => {
                    "text and/or status:failed,timed_out · empty clears · Esc cancel"
                }
            }
            .to_string()
        });
        // The input always shows, its end kept in view; the hint only where it fits.
        let width = usize::from(area.width);
        let mut line = line;
        if line.width() + 3 + unicode_width::UnicodeWidthStr::width(hint.as_str()) <= width {
            line.spans.push(Span::styled(
                format!("   {hint}"),
                Style::new().fg(Color::DarkGray),
            ));
        }
        let scroll = u16::try_from(line.width().saturating_sub(width)).unwrap_or(0);
        frame.render_widget(
            Paragraph::new(format::terminal_line(line)).scroll((0, scroll)),
            area,
        );
        return;
    }
    if let Some(pending) = app.pending {
        frame.render_widget(
            Line::styled(pending.menu(), Style::new().fg(Color::Cyan)),
            area,
        );
        return;
    }
    let path = app.tree.breadcrumb().join(" › ");
    let hints = match (app.focus, app.pane) {
        _ if app.run.visible().is_some() => {
            "j/k move · Enter step/diff · n N next · / search · [ ] runs · c compare · z zoom · Esc back"
        }
        (Focus::Tree, _) => {
            "j/k move · l open · : jump/commands · / filter · t tenants · [ ] history · ? help · q quit"
        }
        (Focus::Pane, Pane::Row) => {
            "j/k field · Enter follow link · [ back · R what points here · y copy · e export · Esc tree"
        }
        (Focus::Pane, Pane::Content) => {
            "j/k scroll · Enter read more · s save · y copy · e export · Esc tree"
        }
        (Focus::Pane, _) => "j/k scroll · R what points here · y copy · e export · Esc tree",
    };
    let down: Vec<String> = ["PostgreSQL", "MongoDB", "S3"]
        .iter()
        .zip(&app.health)
        .filter_map(|(name, h)| match h {
            Health::Down(reason) => Some(format!("{name} down: {}", clean_line(reason, 120))),
            _ => None,
        })
        .collect();
    // Outages and notices first: the path may be cut at the screen's edge.
    let mut spans = Vec::new();
    if !down.is_empty() {
        spans.push(Span::styled(down.join(" · "), Style::new().fg(Color::Red)));
        spans.push(Span::raw("  "));
    }
    if let Some(notice) = &app.notice {
        // Longer than the line: say where it can be read whole.
        let notice = clean_line(notice, 2000);
        let room = usize::from(area.width)
            .saturating_sub(spans.iter().map(|s: &Span| s.width()).sum::<usize>() + 2);
        let long = unicode_width::UnicodeWidthStr::width(notice.as_str()) > room;
        if long {
            spans.push(Span::styled(
                "(:messages shows it whole) ",
                Style::new().fg(Color::Cyan),
            ));
        }
        spans.push(Span::styled(notice, Style::new().fg(Color::Yellow)));
        spans.push(Span::raw("  "));
    }
    spans.push(Span::styled(
        clean_line(&path, 200),
        Style::new().add_modifier(Modifier::BOLD),
    ));
    spans.push(Span::raw("  "));
    spans.push(Span::styled(hints, Style::new().fg(Color::DarkGray)));
    frame.render_widget(format::terminal_line(Line::from(spans)), area);
}

/// A box centred in `area`, at most `width` × `height`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Lines with the selected one highlighted and kept in view.
fn draw_list(frame: &mut Frame, area: Rect, title: String, lines: Vec<Line>, selected: usize) {
    let popup = centred(area, area.width.saturating_sub(4).max(20), area.height);
    let inner_height = usize::from(popup.height.saturating_sub(2)).max(1);
    let offset = selected.saturating_sub(inner_height - 1);
    let lines: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .skip(offset)
        .take(inner_height)
        .map(|(i, line)| (i, format::terminal_line(line)))
        .map(|(i, line)| {
            if i == selected {
                line.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_style(Style::new().fg(Color::Cyan))
                .title(format::terminal_line(Line::from(title))),
        ),
        popup,
    );
}

fn draw_results(frame: &mut Frame, results: &Results, area: Rect) {
    let mut lines: Vec<Line> = results
        .lines
        .iter()
        .map(|l| match l.target {
            Some(_) => Line::raw(clean_line(&l.text, 400)),
            None => Line::styled(
                clean_line(&l.text, 400),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        })
        .collect();
    if results.loading {
        lines.push(Line::styled("loading…", Style::new().fg(Color::Yellow)));
    }
    if let Some(error) = &results.error {
        lines.push(Line::styled(
            format!("✗ {}", clean_line(error, 400)),
            Style::new().fg(Color::Red),
        ));
    }
    let title = format!(
        " {} ({} to jump to) · Enter jump · Esc close ",
        clean_line(&results.title, 60),
        results.targets().count()
    );
    draw_list(frame, area, title, lines, results.selected);
}

fn draw_picker(frame: &mut Frame, picker: &Picker, area: Rect) {
    let mut lines = vec![Line::from(vec![
        Span::styled("tenant: ", Style::new().fg(Color::Cyan)),
        Span::raw(clean_line(&picker.query, 200)),
        Span::styled("█", Style::new().fg(Color::Cyan)),
    ])];
    lines.extend(picker.matches.iter().filter_map(|&i| {
        let t = picker.tenants.get(i as usize)?;
        Some(Line::from(vec![
            Span::raw(format!("{}  ", clean_line(&t.name, 60))),
            Span::styled(
                format!("{}  {}", clean_line(&t.slug, 40), t.id),
                Style::new().fg(Color::DarkGray),
            ),
            Span::raw(" "),
            status_span(&t.status),
        ]))
    }));
    lines.extend(picker.answer().map(Line::from));
    let state = match (&picker.error, picker.loading) {
        (Some(e), _) => format!("✗ {}", clean_line(e, 100)),
        (None, true) => format!("{} tenants so far…", thousands(picker.tenants.len() as u64)),
        (None, false) => format!("{} tenants", thousands(picker.tenants.len() as u64)),
    };
    let title = format!(
        " Tenants: {state} · {} shown · ↑↓ move · Enter open · Esc close ",
        picker.matches.len()
    );
    // Line 0 is the query; the selection starts below it.
    draw_list(frame, area, title, lines, picker.selected + 1);
}

/// The `:messages` popup: every status-line message of the session, whole and wrapped.
fn draw_messages(frame: &mut Frame, area: Rect, messages: &[String], scroll: usize) {
    let popup = centred(
        area,
        area.width.saturating_sub(4).max(20),
        area.height.saturating_sub(2),
    );
    let mut lines: Vec<Line> = messages
        .iter()
        .map(|m| Line::from(clean_line(m, usize::MAX)))
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled(
            "no messages yet",
            Style::new().fg(Color::DarkGray),
        ));
    }
    let rows = content_view::wrap_lines(&lines, popup.width.saturating_sub(2));
    let shown: Vec<Line> = rows.into_iter().skip(scroll).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(shown)
            .block(Block::bordered().title(" Messages (j/k scroll · Esc closes) ")),
        popup,
    );
}

fn draw_help(frame: &mut Frame, area: Rect, scroll: usize) {
    let width = 84.min(area.width);
    let height = ((HELP.len() + COMMANDS.len()) as u16 + 5).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!("{keys:<18}"), Style::new().fg(Color::Cyan)),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::styled(
        "Commands after :",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    lines.extend(COMMANDS.iter().map(|(name, what)| {
        Line::from(vec![
            Span::styled(format!(":{name:<17}"), Style::new().fg(Color::Cyan)),
            Span::raw(*what),
        ])
    }));
    lines.push(Line::styled(
        "Esc or ? closes this help",
        Style::new().fg(Color::DarkGray),
    ));
    // Scrolled with j/k when it does not fit (80×24).
    let inner = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(inner));
    let title = if lines.len() > inner {
        " Keys (j/k scroll) "
    } else {
        " Keys "
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
            .block(Block::bordered().title(title)),
        popup,
    );
}
