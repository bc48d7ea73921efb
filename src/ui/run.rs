//! Drawing the run view and the comparison: a header with where the time and the money
//! went, then one line per step with a waterfall bar on the run's time axis, or one line
//! per aligned pair of two runs with their deltas. Pure: reads the view, changes nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::app::run_view::{Compared, DiffBody, RunView, Search};
use crate::run::compare::Aligned;
use crate::run::diff::{Change, DocChange};
use crate::run::fmt::{
    cost, cost_delta_or_absent, cost_or_absent, count_delta, duration, duration_delta, offset,
    percent, thousands,
};
use crate::run::output::{OutputDiff, hunks};
use crate::run::timeline::{Entry, Flag, Rollup, RunModel, Sibling, Step};
use crate::run::{StepKind, StepRow};
use crate::text::clean_line;

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// A status as one symbol and its colour.
pub fn status_symbol(status: &str) -> (&'static str, Color) {
    match status {
        "succeeded" => ("✓", Color::Green),
        "failed" => ("✗", Color::Red),
        "timed_out" => ("⏱", Color::Red),
        "running" => ("…", Color::Yellow),
        _ => ("·", Color::Gray),
    }
}

/// `text` cut to `width` columns (with an ellipsis), padded to it.
fn fit(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            if width > 0 {
                out.pop();
                out.push('…');
            }
            break;
        }
        out.push(c);
        used += w;
    }
    let len = out.width();
    out + &" ".repeat(width.saturating_sub(len))
}

/// `spans` cut to `width` columns: when they are wider, what fits of them and an
/// ellipsis in the last style kept, so a line never runs past its pane (a wide
/// character that would straddle the edge goes too).
pub fn fit_line(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let total: usize = spans.iter().map(|s| s.content.width()).sum();
    if total <= width {
        return Line::from(spans);
    }
    let room = width.saturating_sub(1);
    let mut used = 0;
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut last_style = Style::new();
    'spans: for span in spans {
        last_style = span.style;
        let mut kept = String::new();
        for c in span.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if used + w > room {
                if !kept.is_empty() {
                    out.push(Span::styled(kept, span.style));
                }
                break 'spans;
            }
            kept.push(c);
            used += w;
        }
        out.push(Span::styled(kept, span.style));
    }
    if width > 0 {
        out.push(Span::styled("…", last_style));
    }
    Line::from(out)
}

/// The narrowest waterfall bar: below it, the line is cut at its end instead.
const MIN_BAR: usize = 6;

/// The waterfall bar's width in a list `width` columns wide whose step text takes
/// `text` columns: a quarter of the width (8 to 48 cells), shrunk first when the line
/// would not fit, down to [`MIN_BAR`].
pub fn bar_width(width: usize, text: usize) -> usize {
    let ideal = (width / 4).clamp(8, 48);
    ideal.min(width.saturating_sub(text + 1).max(MIN_BAR))
}

/// The waterfall bar of a span `[start, end)` on an axis `wall` long, `width` cells.
fn bar(start: i64, end: i64, wall: i64, width: usize, fill: char) -> String {
    if width == 0 {
        return String::new();
    }
    let wall = wall.max(1);
    let cell = |ms: i64| -> usize {
        let ms = ms.clamp(0, wall);
        ((ms as f64 / wall as f64) * width as f64) as usize
    };
    let from = cell(start).min(width - 1);
    let to = (cell(end).max(from + 1)).min(width);
    (0..width)
        .map(|i| if i >= from && i < to { fill } else { '·' })
        .collect()
}

fn rollup_line(label: &str, rollups: &[Rollup], tools: bool) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<7}"), dim())];
    if rollups.is_empty() {
        spans.push(Span::styled("none", dim()));
    }
    for (n, r) in rollups.iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(" · ", dim()));
        }
        let what = if tools {
            format!(
                "{} ×{} {}",
                clean_line(&r.name, 30),
                r.calls,
                duration(r.duration_ms)
            )
        } else {
            format!(
                "{} ×{} {}/{} tok {}",
                clean_line(&r.name, 30),
                r.calls,
                thousands(r.tokens_in),
                thousands(r.tokens_out),
                cost_or_absent(r.cost_micros)
            )
        };
        spans.push(Span::raw(what));
        if r.failed > 0 {
            spans.push(Span::styled(
                format!(" {}✗", r.failed),
                Style::new().fg(Color::Red),
            ));
        }
    }
    Line::from(spans)
}

/// The totals line: `steps (LLM, tool) · failed · tokens · cost`.
fn totals_text(
    (steps, llm, tool): (u64, u64, u64),
    failed: u64,
    (tokens_in, tokens_out): (i64, i64),
    micros: Option<i64>,
) -> String {
    format!(
        "{steps} steps ({llm} LLM, {tool} tool) · {failed} failed · tokens {} in / {} out · cost {}",
        thousands(tokens_in),
        thousands(tokens_out),
        cost_or_absent(micros),
    )
}

/// The run view's header lines.
pub fn header(model: &RunModel, search: Option<&Search>) -> Vec<Line<'static>> {
    let run = &model.run;
    let t = &model.totals;
    let partial = model.paging.as_ref();
    let loaded_note = if partial.is_some() {
        " (loaded steps)"
    } else {
        ""
    };
    let (symbol, color) = status_symbol(&run.status);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{symbol} {}", clean_line(&run.status, 20)),
                Style::new().fg(color).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                " · {} · run #{} · wall {} · critical path {} of it{loaded_note}",
                clean_line(&run.trigger, 20),
                run.run_number.map_or("?".to_string(), |n| n.to_string()),
                duration(t.wall_ms),
                percent(t.critical_share()),
            )),
        ]),
        Line::from(vec![
            Span::styled("time   ", dim()),
            Span::raw(match partial {
                Some(p) => format!("first {} (loaded) · ", duration(p.horizon_ms.max(0))),
                None => String::new(),
            }),
            Span::raw(format!(
                "LLM {} · tool {} · idle {} · overlap {}",
                duration(t.time.llm_ms),
                duration(t.time.tool_ms),
                duration(t.time.idle_ms),
                duration(t.time.overlap_ms),
            )),
        ]),
        Line::from(vec![
            Span::styled("totals ", dim()),
            Span::raw(match partial.and_then(|p| p.whole.map(|w| (w, w.sums))) {
                // The whole run, from the store's aggregates.
                Some((w, Some(sums))) => totals_text(
                    (w.steps(), w.llm_calls, w.tool_calls),
                    sums.failed,
                    (sums.tokens_in, sums.tokens_out),
                    sums.cost_micros,
                ),
                _ => {
                    totals_text(
                        (t.steps as u64, t.llm_calls as u64, t.tool_calls as u64),
                        t.failed as u64,
                        (t.tokens_in, t.tokens_out),
                        t.cost_micros,
                    ) + if partial.is_some() {
                        " (the steps listed so far)"
                    } else {
                        ""
                    }
                }
            }),
            Span::raw(if t.flagged > 0 {
                format!(" · {} flagged", t.flagged)
            } else {
                String::new()
            }),
        ]),
        rollup_line("models", &model.by_model, false),
        rollup_line("tools", &model.by_tool, true),
    ];
    if let Some(p) = partial {
        let loaded = model.steps.len() + p.pending.len();
        let of = match p.whole {
            Some(w) => format!(
                "{} of {}",
                thousands(loaded as i64),
                thousands(w.steps() as i64)
            ),
            None => thousands(loaded as i64),
        };
        lines.push(Line::styled(
            format!(
                "loaded {of} steps · listed in final order up to {} · more load as you scroll; \
                 roll-ups, time and critical path cover the loaded steps",
                offset(p.horizon_ms),
            ),
            Style::new().fg(Color::Yellow),
        ));
    }
    if let Some(error) = &run.error_message {
        lines.push(Line::from(vec![
            Span::styled("error  ", dim()),
            Span::styled(clean_line(error, 300), Style::new().fg(Color::Red)),
        ]));
    }
    if !model.retries.is_empty() {
        let mut spans = vec![Span::styled("runs   ", dim())];
        let this = Sibling {
            id: run.id,
            run_number: run.run_number,
            trigger: run.trigger.clone(),
            status: run.status.clone(),
            started_at: run.started_at,
            duration_ms: Some(t.wall_ms),
            cost_micros: run.cost_micros,
        };
        let mut all: Vec<&Sibling> = model.retries.iter().chain([&this]).collect();
        all.sort_by_key(|r| (r.run_number, r.started_at));
        // Two on each side of this run.
        let at = all.iter().position(|r| r.id == run.id).unwrap_or(0);
        let from = at.saturating_sub(2);
        let window = &all[from..(at + 3).min(all.len())];
        spans.push(Span::styled(format!("{} runs: ", all.len()), dim()));
        if from > 0 {
            spans.push(Span::styled("… ", dim()));
        }
        for (n, r) in window.iter().enumerate() {
            if n > 0 {
                spans.push(Span::styled(" · ", dim()));
            }
            let (symbol, color) = status_symbol(&r.status);
            let text = format!(
                "#{} {symbol} {} {} {}",
                r.run_number.map_or("?".to_string(), |n| n.to_string()),
                clean_line(&r.trigger, 12),
                r.duration_ms.map_or("?".to_string(), duration),
                r.cost_micros.map_or(String::new(), cost),
            );
            spans.push(if r.id == run.id {
                Span::styled(
                    text,
                    Style::new().fg(color).add_modifier(Modifier::REVERSED),
                )
            } else {
                Span::styled(text, Style::new().fg(color))
            });
        }
        spans.push(Span::styled("  [ ] switch", dim()));
        lines.push(Line::from(spans));
    }
    if let Some(search) = search {
        let state = if search.done { "" } else { " (searching…)" };
        let errors = if search.errors > 0 {
            format!(" · {} unreadable", search.errors)
        } else {
            String::new()
        };
        lines.push(Line::styled(
            format!(
                "search {:?}: {} matches · {}/{} documents searched{errors}{state} · n N · Esc clears",
                clean_line(&search.text, 60),
                search.matches.len(),
                search.searched,
                search.documents,
            ),
            Style::new().fg(Color::Yellow),
        ));
    }
    lines
}

/// One step's line (without the waterfall bar).
fn step_text(step: &Step) -> Vec<Span<'static>> {
    let row = &step.row;
    let (symbol, color) = status_symbol(&row.status);
    let marks = format!(
        "{}{}",
        if step.critical { "●" } else { " " },
        if step.cause { "!" } else { " " }
    );
    let mut spans = vec![
        Span::styled(
            marks,
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("{symbol} "), Style::new().fg(color)),
        Span::styled(format!("{:<4} ", row.kind.name()), dim()),
        Span::raw(fit(&clean_line(&row.name, 60), 18)),
        Span::raw(format!(
            " {:>9}",
            step.duration_ms.map_or("?".to_string(), duration)
        )),
    ];
    if row.kind == StepKind::Llm {
        spans.push(Span::raw(format!(
            " {:>13}",
            format!(
                "{}/{}",
                row.tokens_in.map_or("?".into(), thousands),
                row.tokens_out.map_or("?".into(), thousands)
            )
        )));
        spans.push(Span::raw(format!(
            " {:>9}",
            row.cost_micros.map_or(String::new(), cost)
        )));
    }
    if let Some(flag) = step.flag {
        spans.push(Span::styled(
            match flag {
                Flag::MissingTiming => " ⚑ no timing",
                Flag::OutsideRun => " ⚑ outside the run",
            },
            Style::new().fg(Color::Yellow),
        ));
    }
    if step.cause {
        spans.push(Span::styled(
            " cause",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(error) = step.error_line() {
        spans.push(Span::styled(
            format!(" {}", clean_line(error, 200)),
            Style::new().fg(Color::Red),
        ));
    }
    spans
}

/// The last line of a partly loaded run: what is still to come.
fn more_line(view: &RunView, model: &RunModel) -> Line<'static> {
    let Some(p) = &model.paging else {
        return Line::default();
    };
    let loaded = model.steps.len() + p.pending.len();
    let rest = match p.whole {
        Some(w) => format!(
            "{} more to read",
            thousands((w.steps() as i64 - loaded as i64).max(0))
        ),
        None => "more to read".to_string(),
    };
    let (state, color) = match (&view.more_error, view.more) {
        (Some(e), _) => (
            format!(
                "reading the next page failed: {} (r loads again)",
                clean_line(e, 200)
            ),
            Color::Red,
        ),
        (None, true) => ("loading the next page…".to_string(), Color::Yellow),
        (None, false) => ("move down to load them".to_string(), Color::Yellow),
    };
    Line::styled(
        format!(
            "⋯ {} loaded after {} (not listed yet), {rest} · {state}",
            thousands(p.pending.len() as i64),
            offset(p.horizon_ms),
        ),
        Style::new().fg(color),
    )
}

/// Columns of a step's text besides its error: marks, status, kind, name, duration,
/// tokens and cost.
const STEP_TEXT: usize = 2 + 2 + 5 + 18 + 10 + 14 + 10;

/// The lines `range` of the run's step list in a list `width` columns wide, each cut to
/// it (only the lines on screen are made, so a run of thousands of steps draws as fast
/// as a short one).
pub fn step_lines(
    view: &RunView,
    model: &RunModel,
    width: usize,
    range: std::ops::Range<usize>,
) -> Vec<Line<'static>> {
    let wall = model.totals.wall_ms;
    let bar_width = bar_width(width, STEP_TEXT);
    let matches = view.search.as_ref().map(|s| s.matches.as_slice());
    let more = (!model.complete() && range.end > model.entries.len())
        .then(|| fit_line(more_line(view, model).spans, width));
    model
        .entries
        .iter()
        .enumerate()
        .skip(range.start)
        .take(range.len())
        .map(|(n, entry)| {
            let hit = matches.is_some_and(|m| m.binary_search(&n).is_ok());
            let mut line = match entry {
                Entry::Step(i) => {
                    let step = &model.steps[*i];
                    let (bar_text, color) = match (step.start_ms, step.end_ms()) {
                        (Some(s), Some(e)) => (
                            bar(s, e, wall, bar_width, '█'),
                            match step.row.kind {
                                StepKind::Llm => Color::Blue,
                                StepKind::Tool => Color::Cyan,
                            },
                        ),
                        _ => (
                            "?".repeat(bar_width.min(1)) + &" ".repeat(bar_width.saturating_sub(1)),
                            Color::Yellow,
                        ),
                    };
                    let color = if step.row.failed() { Color::Red } else { color };
                    let mut spans = vec![
                        Span::styled(bar_text, Style::new().fg(color)),
                        Span::raw(" "),
                    ];
                    spans.extend(step_text(step));
                    fit_line(spans, width)
                }
                Entry::Idle {
                    start_ms,
                    duration_ms,
                } => fit_line(
                    vec![
                        Span::styled(
                            bar(*start_ms, start_ms + duration_ms, wall, bar_width, '░'),
                            dim(),
                        ),
                        Span::styled(format!("   idle {}", duration(*duration_ms)), dim()),
                    ],
                    width,
                ),
            };
            if hit {
                line = line.patch_style(Style::new().bg(Color::Rgb(60, 60, 0)));
            }
            line
        })
        .chain(more)
        .collect()
}

fn side(model: &RunModel) -> String {
    let (symbol, _) = status_symbol(&model.run.status);
    format!(
        "#{} {symbol} {} {} · {} · {} steps · {}",
        model
            .run
            .run_number
            .map_or("?".to_string(), |n| n.to_string()),
        clean_line(&model.run.status, 20),
        clean_line(&model.run.trigger, 20),
        duration(model.totals.wall_ms),
        model.totals.steps,
        cost_or_absent(model.totals.cost_micros),
    )
}

/// The comparison's header lines.
pub fn compare_header(c: &Compared) -> Vec<Line<'static>> {
    let d = &c.comparison.totals;
    let cmp = &c.comparison;
    let mut lines = vec![
        Line::from(vec![
            Span::styled("a ", bold()),
            Span::raw(format!("{} · {}", side(&c.a), c.a.run.id)),
        ]),
        Line::from(vec![
            Span::styled("b ", bold()),
            Span::raw(format!("{} · {}", side(&c.b), c.b.run.id)),
        ]),
        Line::from(vec![
            Span::styled("b − a ", dim()),
            Span::raw(format!(
                "wall {} · LLM {} · tool {} · idle {} · tokens {} in / {} out · cost {} · steps {} · failed {}",
                duration_delta(d.wall_ms),
                duration_delta(d.llm_ms),
                duration_delta(d.tool_ms),
                duration_delta(d.idle_ms),
                count_delta(d.tokens_in),
                count_delta(d.tokens_out),
                cost_delta_or_absent(d.cost_micros),
                count_delta(d.steps),
                count_delta(d.failed),
            )),
        ]),
        Line::from(vec![
            Span::styled("steps ", dim()),
            Span::raw(format!(
                "{} aligned · {} added · {} removed · {} status changes",
                cmp.pairs, cmp.added, cmp.removed, cmp.status_changes
            )),
        ]),
    ];
    if cmp.cut_short {
        lines.push(Line::styled(
            format!(
                "alignment cut short after {} s: some steps that could pair show as removed and added",
                crate::run::compare::ALIGN_BUDGET.as_secs()
            ),
            Style::new().fg(Color::Yellow),
        ));
    }
    lines
}

fn row_brief(row: &StepRow, ms: Option<i64>) -> String {
    let (symbol, _) = status_symbol(&row.status);
    format!(
        "{symbol} {:<4} {} {:>9}",
        row.kind.name(),
        fit(&clean_line(&row.name, 60), 18),
        ms.map_or("?".to_string(), duration)
    )
}

/// The lines `range` of the comparison: one per aligned pair, added or removed step,
/// then the line of the two runs' outputs.
pub fn compare_lines(c: &Compared, range: std::ops::Range<usize>) -> Vec<Line<'static>> {
    let outputs = (range.end > c.comparison.lines.len()).then(|| {
        Line::from(vec![
            Span::styled("▸ ", bold()),
            Span::styled(
                "the activity outputs the two runs wrote · Enter: a line diff of their contents",
                Style::new().fg(Color::Cyan),
            ),
        ])
    });
    c.comparison
        .lines
        .iter()
        .skip(range.start)
        .take(range.len())
        .map(|(line, delta)| match (*line, delta) {
            (Aligned::Pair(i, j), Some(d)) => {
                let (sa, sb) = (&c.a.steps[i], &c.b.steps[j]);
                let mut spans = vec![
                    Span::styled(if d.status.is_some() { "~ " } else { "= " }, bold()),
                    Span::raw(row_brief(&sa.row, sa.duration_ms)),
                    Span::raw(format!(
                        " → {:>9}  Δ {:>10}",
                        sb.duration_ms.map_or("?".to_string(), duration),
                        d.duration_ms.map_or("?".to_string(), duration_delta)
                    )),
                ];
                if sa.row.kind == StepKind::Llm {
                    spans.push(Span::raw(format!(
                        "  tok {}/{}  {}",
                        d.tokens_in.map_or("?".into(), count_delta),
                        d.tokens_out.map_or("?".into(), count_delta),
                        cost_delta_or_absent(d.cost_micros)
                    )));
                }
                if let Some((before, after)) = &d.status {
                    spans.push(Span::styled(
                        format!("  {} → {}", clean_line(before, 20), clean_line(after, 20)),
                        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                    ));
                }
                if let Some(error) = sb.error_line() {
                    spans.push(Span::styled(
                        format!("  {}", clean_line(error, 120)),
                        Style::new().fg(Color::Red),
                    ));
                }
                Line::from(spans)
            }
            (Aligned::Removed(i), _) => {
                let s = &c.a.steps[i];
                Line::from(vec![
                    Span::styled(
                        "- ",
                        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(
                        format!("{}  only in a", row_brief(&s.row, s.duration_ms)),
                        Style::new().fg(Color::Red),
                    ),
                ])
            }
            (Aligned::Added(j), _) | (Aligned::Pair(_, j), None) => {
                let s = &c.b.steps[j];
                let mut spans = vec![
                    Span::styled(
                        "+ ",
                        Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(
                        format!("{}  only in b", row_brief(&s.row, s.duration_ms)),
                        Style::new().fg(Color::Green),
                    ),
                ];
                if let Some(error) = s.error_line() {
                    spans.push(Span::styled(
                        format!("  {}", clean_line(error, 120)),
                        Style::new().fg(Color::Red),
                    ));
                }
                Line::from(spans)
            }
        })
        .chain(outputs)
        .collect()
}

fn json_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None => "∅".into(),
        Some(v) => clean_line(&v.to_string(), 300),
    }
}

/// The lines of a document diff.
pub fn diff_lines(view: &RunView) -> Vec<Line<'static>> {
    let Some(diff) = &view.diff else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled(clean_line(&diff.title, 300), bold())];
    match &diff.result {
        None => lines.push(Line::styled(
            "loading the log documents…",
            Style::new().fg(Color::Yellow),
        )),
        Some(Err(e)) => lines.push(Line::styled(
            format!("✗ {}", clean_line(e, 300)),
            Style::new().fg(Color::Red),
        )),
        Some(Ok(DiffBody::Outputs(diff))) => lines.extend(output_lines(diff)),
        Some(Ok(DiffBody::Documents(changes))) => lines.extend(document_lines(changes)),
    }
    lines
}

/// Lines of equal text shown around each changed line of an output diff.
const CONTEXT: usize = 2;

/// Two outputs' line diff: which documents, how many lines changed, then the changed
/// lines with a little context.
fn output_lines(diff: &OutputDiff) -> Vec<Line<'static>> {
    let (removed, added) = diff.counts();
    let mut lines = vec![Line::from(vec![
        Span::styled("a ", Style::new().fg(Color::Red)),
        Span::raw(diff.a.label()),
        Span::styled(" · b ", Style::new().fg(Color::Green)),
        Span::raw(diff.b.label()),
        Span::raw(format!(" · -{removed} +{added} lines")),
    ])];
    for (side, output) in [("a", &diff.a), ("b", &diff.b)] {
        if output.truncated {
            lines.push(Line::styled(
                format!(
                    "{side}: only its first {} were compared",
                    crate::run::output::OUTPUT_BYTES
                ),
                Style::new().fg(Color::Yellow),
            ));
        }
    }
    if diff.cut_short {
        lines.push(Line::styled(
            "the diff was cut short: it may show more lines as changed than it needs",
            Style::new().fg(Color::Yellow),
        ));
    }
    if removed + added == 0 {
        lines.push(Line::from("the two outputs are the same, line for line"));
        return lines;
    }
    for line in hunks(&diff.lines, CONTEXT) {
        lines.push(match line {
            None => Line::styled("⋯", dim()),
            Some(l) => {
                let text = clean_line(&l.text, 400);
                match l.tag {
                    "delete" => Line::styled(format!("- {text}"), Style::new().fg(Color::Red)),
                    "insert" => Line::styled(format!("+ {text}"), Style::new().fg(Color::Green)),
                    _ => Line::styled(format!("  {text}"), dim()),
                }
            }
        });
    }
    lines
}

/// Two log documents' structural diff, path by path.
fn document_lines(changes: &[DocChange]) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match changes {
        [] => lines.push(Line::from(
            "the requests, responses and errors are the same",
        )),
        changes => {
            for change in changes {
                let path = clean_line(&change.path, 200);
                match change.change {
                    Change::Changed => {
                        lines.push(Line::styled(
                            format!("~ {path}"),
                            Style::new().fg(Color::Yellow),
                        ));
                        lines.push(Line::styled(
                            format!("    a: {}", json_text(change.a.as_ref())),
                            Style::new().fg(Color::Red),
                        ));
                        lines.push(Line::styled(
                            format!("    b: {}", json_text(change.b.as_ref())),
                            Style::new().fg(Color::Green),
                        ));
                    }
                    Change::Added => lines.push(Line::styled(
                        format!("+ {path}: {}", json_text(change.b.as_ref())),
                        Style::new().fg(Color::Green),
                    )),
                    Change::Removed => lines.push(Line::styled(
                        format!("- {path}: {}", json_text(change.a.as_ref())),
                        Style::new().fg(Color::Red),
                    )),
                }
            }
        }
    }
    lines
}

/// Draws the view in `area`.
pub fn draw(frame: &mut Frame, view: &RunView, area: Rect) {
    frame.render_widget(Clear, area);
    let title = match (view.ids.1, view.compared()) {
        (Some(_), _) => " Compare runs · Enter payload diff · n N changes · Esc back ".to_string(),
        (None, _) => format!(
            " Run {} · n N failed · / search · [ ] runs · c compare · z zoom · Esc back ",
            view.ids.0
        ),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD))
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(error) = &view.error {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("✗ {}", clean_line(error, 400)),
                Style::new().fg(Color::Red),
            )),
            inner,
        );
        return;
    }
    let head = if let Some(model) = view.model() {
        header(model, view.search.as_ref())
    } else if let Some(compared) = view.compared() {
        compare_header(compared)
    } else {
        frame.render_widget(Paragraph::new("loading the run…"), inner);
        return;
    };
    let diff = diff_lines(view);
    let head_height = (head.len() as u16 + 1).min(inner.height / 2);
    let diff_height = if diff.is_empty() {
        0
    } else {
        (diff.len() as u16 + 1).min(inner.height * 3 / 5)
    };
    let [head_area, list_area, diff_area] = Layout::vertical([
        Constraint::Length(head_height),
        Constraint::Min(0),
        Constraint::Length(diff_height),
    ])
    .areas(inner);
    let head_width = usize::from(head_area.width);
    let head: Vec<Line> = head
        .into_iter()
        .map(|line| {
            let style = line.style;
            fit_line(line.spans, head_width).style(style)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(head).block(Block::new().borders(Borders::BOTTOM).border_style(dim())),
        head_area,
    );
    let height = usize::from(list_area.height).max(1);
    let offset = view.selected.saturating_sub(height - 1);
    let range = offset..(offset + height).min(view.len()).max(offset);
    let width = usize::from(list_area.width);
    let lines = match (view.model(), view.compared()) {
        (Some(model), _) => step_lines(view, model, width, range),
        (None, Some(compared)) => compare_lines(compared, range)
            .into_iter()
            .map(|line| fit_line(line.spans, width))
            .collect(),
        (None, None) => Vec::new(),
    };
    let shown: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .map(|(k, line)| {
            if offset + k == view.selected {
                line.patch_style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), list_area);
    if diff_height > 0 {
        frame.render_widget(
            Paragraph::new(diff)
                .wrap(Wrap { trim: false })
                .block(Block::new().borders(Borders::TOP).border_style(dim())),
            diff_area,
        );
    }
}
