//! The run view at scale (issue 11, BENCHMARKS.md "Run view"): a run of 1,000 LLM calls
//! and 1,000 tool calls, from its rows to the first full frame (the model built and the
//! view drawn), then key → finished frame while moving through the steps, and the
//! comparison of two such runs. The rows are made in memory, as they are when they have
//! arrived from the stores; what the stores cost is in BENCHMARKS.md's other sections.
//! Then two 10,000-step runs that differ a lot compared (the alignment's 2 s budget),
//! and, when `TENANTSCOPE_TEST_PG` names a PostgreSQL server (`source
//! "$(scripts/services start)"`), a run of 12,000 steps inserted in a
//! database of its own and opened from it on loopback: its first pages (5,000 steps) to
//! the first frame, one page more, and the whole run read at once for comparison.
//! `cargo bench --bench run_view` (RUNS=n to change the number of runs).

#[path = "../tests/long_run/mod.rs"]
mod long_run;

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sqlx::AssertSqlSafe;
use tenantscope::app::App;
use tenantscope::app::run_view::RunView;
use tenantscope::run::compare::compare;
use tenantscope::run::load::load;
use tenantscope::run::paging::{FIRST, more, open};
use tenantscope::run::timeline::{RunModel, build};
use tenantscope::run::{RunInfo, StepKind, StepRow};
use tenantscope::store::Access;
use tenantscope::store::read::Live;
use tenantscope::store::source::Source;
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

    // Two 10,000-step runs whose tool names differ at random: the alignment's worst case.
    let (a, b) = (random_model(1, 10_000), random_model(2, 10_000));
    let mut compared = Vec::new();
    let mut cut = 0;
    for _ in 0..runs.min(5) {
        let started = Instant::now();
        let c = compare(&a, &b);
        compared.push(started.elapsed().as_secs_f64() * 1e3);
        cut += usize::from(c.cut_short);
    }
    println!(
        "| two 10,000-step runs that differ a lot compared ({cut} of {} cut short) | {} |",
        compared.len(),
        summary(compared)
    );

    match std::env::var("TENANTSCOPE_TEST_PG") {
        Ok(admin) => from_postgres(&admin, runs, width, height),
        Err(_) => {
            println!("\n(TENANTSCOPE_TEST_PG is not set: the run read from PostgreSQL is left out)")
        }
    }
}

/// A run of `n` steps alternating LLM and tool calls, the tools drawn from four names by
/// a xorshift stream seeded with `seed`.
fn random_model(seed: u64, n: i64) -> RunModel {
    let (run, mut rows) = rows(0);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ seed;
    let template = rows[1].clone();
    rows.clear();
    let start = run.started_at.unwrap();
    for i in 0..n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut row = template.clone();
        row.id = Uuid::from_u128(i as u128 + 1);
        if i % 2 == 0 {
            row.kind = StepKind::Llm;
            row.name = "gpt-4o".into();
        } else {
            row.name = ["web_search", "fetch_url", "write_file", "serp_check"]
                [(state % 4) as usize]
                .into();
        }
        row.started_at = Some(start + Duration::milliseconds(i * 100));
        rows.push(row);
    }
    build(run, rows, Vec::new(), Utc::now())
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..path]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// The 12,000-step run read from PostgreSQL on loopback (a database of its own, dropped
/// at the end).
fn from_postgres(admin: &str, runs: usize, width: u16, height: u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let name = format!("ts_bench_run_view_{}", std::process::id());
        let admin_pool = tenantscope::store::postgres::connect(admin, Access::ReadWrite, 1)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(AssertSqlSafe(format!("create database {name}")))
            .execute(&admin_pool)
            .await
            .unwrap();
        let url = with_database(admin, &name);
        let pg = tenantscope::store::postgres::connect(&url, Access::ReadWrite, 4)
            .await
            .unwrap();
        tenantscope::dev::migrate::postgres(&pg).await.unwrap();
        let run = long_run::insert(&pg).await;
        let source = Source::Live(Live {
            pg: Some(pg.clone()),
            ..Live::default()
        });
        let mut opened = Vec::new();
        let mut paged = Vec::new();
        let mut whole = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            let model = open(&source, run, Utc::now(), FIRST).await.unwrap().unwrap();
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            let mut app = App::new("bench".into());
            app.run.view = Some(RunView::for_model(Arc::new(model)));
            terminal.draw(|f| ui::draw(f, &mut app)).unwrap();
            opened.push(started.elapsed().as_secs_f64() * 1e3);
            let model = app.run.view.as_ref().unwrap().model().unwrap().clone();
            let started = Instant::now();
            std::hint::black_box(more(&source, &model, Utc::now()).await.unwrap());
            paged.push(started.elapsed().as_secs_f64() * 1e3);
            let started = Instant::now();
            std::hint::black_box(load(&source, run, Utc::now()).await.unwrap());
            whole.push(started.elapsed().as_secs_f64() * 1e3);
        }
        println!("\n## A run of 12,000 steps (7,000 LLM + 5,000 tool calls) from PostgreSQL on loopback\n");
        println!("| what | time |\n|---|---|");
        println!("| open: first pages (5,000 steps) read, model built, first full frame | {} |", summary(opened));
        println!("| one page more (1,000 steps) read and the model rebuilt | {} |", summary(paged));
        println!("| the whole run read at once and built (what `tenantscope run` does) | {} |", summary(whole));
        pg.close().await;
        sqlx::query(AssertSqlSafe(format!("drop database {name} with (force)")))
            .execute(&admin_pool)
            .await
            .unwrap();
    });
}
