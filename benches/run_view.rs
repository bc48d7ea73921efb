//! The run view at scale (issue 11, BENCHMARKS.md "Run view"): a run of 1,000 LLM calls
//! and 1,000 tool calls, from its rows to the first full frame (the model built and the
//! view drawn), then key → finished frame while moving through the steps, and the
//! comparison of two such runs. The rows are made in memory, as they are when they have
//! arrived from the stores; what the stores cost is in BENCHMARKS.md's other sections.
//! `cargo bench --bench run_view` (RUNS=n to change the number of runs).

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tenantscope::app::App;
use tenantscope::app::run_view::RunView;
use tenantscope::run::compare::compare;
use tenantscope::run::timeline::{RunModel, build};
use tenantscope::run::{RunInfo, StepKind, StepRow};
use tenantscope::ui;
use uuid::Uuid;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "p50 {:.2} ms · p99 {:.2} ms · max {:.2} ms (min {:.2})",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1],
        ms[0]
    )
}

/// 1,000 LLM calls and 1,000 tool calls; tool calls overlap the LLM call before them,
/// every 97th step fails; `shift` moves the tool calls (a second run that differs).
fn rows(shift: i64) -> (RunInfo, Vec<StepRow>) {
    let start = Utc.with_ymd_and_hms(2026, 11, 14, 2, 0, 0).unwrap();
    let mut rows = Vec::new();
    for n in 0..2_000_i64 {
        let kind = if n % 2 == 0 {
            StepKind::Llm
        } else {
            StepKind::Tool
        };
        let name = match (kind, n % 6) {
            (StepKind::Llm, _) => "gpt-4o",
            (_, 1) => "web_search",
            (_, 3) => "fetch_url",
            _ => "write_file",
        };
        let status = if (n + shift) % 97 == 0 {
            "failed"
        } else {
            "succeeded"
        };
        let mut row = StepRow::new(kind, Uuid::from_u128(n as u128 + 1), name, status);
        row.started_at = Some(start + Duration::milliseconds(n * 450 + shift * (n % 2)));
        row.latency_ms = Some(300 + (n % 7) * 100);
        if kind == StepKind::Llm {
            row.tokens_in = Some(1_000 + n);
            row.tokens_out = Some(200);
            row.cost_micros = Some(1_500);
        }
        if status == "failed" {
            row.error = Some(format!("step {n} failed: upstream returned 502"));
        }
        rows.push(row);
    }
    let run = RunInfo {
        id: Uuid::from_u128(9_999 + shift as u128),
        run_number: Some(1),
        status: "failed".into(),
        trigger: "manual".into(),
        started_at: Some(start),
        finished_at: Some(start + Duration::milliseconds(2_000 * 450 + 1_000)),
        error_message: Some("step 970 failed: upstream returned 502".into()),
        ..RunInfo::default()
    };
    (run, rows)
}

fn model(shift: i64) -> RunModel {
    let (run, rows) = rows(shift);
    build(run, rows, Vec::new(), Utc::now())
}

fn view(model: RunModel) -> RunView {
    RunView::for_model(Arc::new(model))
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let (width, height) = (160, 48);
    println!("## Run view: 1,000 LLM calls + 1,000 tool calls, {width}×{height}\n");

    // Rows arrived → model built → first full frame.
    let mut first = Vec::new();
    let mut built = Vec::new();
    for _ in 0..runs {
        let (run, rows) = rows(0);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let mut app = App::new("bench".into());
        let started = Instant::now();
        let model = build(run, rows, Vec::new(), Utc::now());
        built.push(started.elapsed().as_secs_f64() * 1e3);
        app.run.view = Some(view(model));
        terminal.draw(|f| ui::draw(f, &mut app)).unwrap();
        first.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!("| what | time |\n|---|---|");
    println!("| model built from 2,000 rows | {} |", summary(built));
    println!("| rows → first full frame | {} |", summary(first));

    // Key → finished frame, moving down and up through every line and jumping to failures.
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut app = App::new("bench".into());
    app.run.view = Some(view(model(0)));
    terminal.draw(|f| ui::draw(f, &mut app)).unwrap();
    let mut frames = Vec::new();
    let keys = std::iter::repeat_n(KeyCode::Char('j'), 1_000)
        .chain(std::iter::repeat_n(KeyCode::Char('n'), 40))
        .chain(std::iter::repeat_n(KeyCode::Char('k'), 500))
        .chain(std::iter::repeat_n(KeyCode::PageDown, 40));
    for code in keys {
        let started = Instant::now();
        let _ = app.key(KeyEvent::new(code, KeyModifiers::NONE));
        terminal.draw(|f| ui::draw(f, &mut app)).unwrap();
        frames.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "| key → frame over {} keys (j, n, k, PageDown) | {} |",
        frames.len(),
        summary(frames)
    );

    // Two runs compared: alignment and deltas.
    let (a, b) = (model(0), model(3));
    let mut compared = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(compare(&a, &b));
        compared.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!("| two 2,000-step runs compared | {} |", summary(compared));
}
