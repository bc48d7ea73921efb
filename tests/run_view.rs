//! The run view and the comparison in the TUI, driven by keys on a TestBackend over the
//! real seeded stores (and the built-in demo): the header's totals are the SQL sums, `n`
//! and `N` reach every failed step, `/` finds what only a tool-call log's response holds,
//! Enter shows a step's log document, `Esc` returns, and the comparison of the
//! generator's showcase runs shows their fetch's `request.url` change.

mod common;
mod long_run;

use std::collections::BTreeSet;

use common::ui::Ui;
use common::{Seeded, seeded_once};
use crossterm::event::KeyCode;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use sqlx::PgPool;
use tenantscope::app::Pane;
use tenantscope::app::run_view::RunView;
use tenantscope::run::StepKind;
use tenantscope::run::compare::Aligned;
use tenantscope::run::fmt::{cost, thousands};
use tenantscope::run::parse_micros;
use tenantscope::run::timeline::Entry;
use tenantscope::store::Access;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("run_view")
}

fn view(ui: &Ui) -> &RunView {
    ui.driver
        .app
        .run
        .view
        .as_ref()
        .expect("the run view is open")
}

/// The step on the selected line: (kind, id).
fn selected_step(ui: &Ui) -> (StepKind, Uuid) {
    let v = view(ui);
    let model = v.model().expect("a run is shown");
    let i = v.selected_step().expect("a step is selected");
    (model.steps[i].row.kind, model.steps[i].row.id)
}

/// The showcase's failing runs and the good run before each, per tenant.
async fn showcase(pg: &PgPool) -> Vec<(Uuid, Uuid)> {
    sqlx::query_as(
        "select g.id, f.id from activity_runs f join activity_runs g
           on g.activity_id = f.activity_id and g.run_number = f.run_number - 1
         where f.error_message like 'HTTP 404 Not Found: GET %/pricing/enterprise'
           and g.status = 'succeeded'
         order by f.id",
    )
    .fetch_all(pg)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_header_shows_the_sql_sums_and_n_reaches_every_failed_step() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    // A failed run with the most failed steps (several to go through).
    let run: Uuid = sqlx::query_scalar(
        "select r.id from activity_runs r where r.status = 'failed'
         order by (select count(*) from llm_calls c where c.activity_run_id = r.id and c.status <> 'succeeded')
                + (select count(*) from tool_calls c where c.activity_run_id = r.id and c.status <> 'succeeded') desc,
                  r.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let mut ui = Ui::open(&s.stores).await;
    let before = ui.screen();
    let focus = ui.driver.app.focus;
    ui.palette(&format!("run {run}")).await;
    let screen = ui.screen();
    assert!(screen.contains(&format!("Run {run}")), "{screen}");

    // Totals: the SQL sums, on screen.
    let (tokens_in, tokens_out, cost_text, llm): (i64, i64, Option<String>, i64) = sqlx::query_as(
        "select coalesce(sum(prompt_tokens), 0)::int8, coalesce(sum(completion_tokens), 0)::int8,
                sum(cost_usd)::text, count(*) from llm_calls where activity_run_id = $1",
    )
    .bind(run)
    .fetch_one(&pg)
    .await
    .unwrap();
    let tools: i64 =
        sqlx::query_scalar("select count(*) from tool_calls where activity_run_id = $1")
            .bind(run)
            .fetch_one(&pg)
            .await
            .unwrap();
    let micros = cost_text.as_deref().and_then(parse_micros);
    let totals = &view(&ui).model().unwrap().totals;
    assert_eq!(
        (totals.tokens_in, totals.tokens_out, totals.cost_micros),
        (tokens_in, tokens_out, micros)
    );

    // n from the top goes through every failed step once, in order, then wraps; N
    // goes back through them.
    let failed: Vec<(StepKind, Uuid)> = sqlx::query_as::<_, (Uuid,)>(
        "select id from llm_calls where activity_run_id = $1 and status <> 'succeeded'",
    )
    .bind(run)
    .fetch_all(&pg)
    .await
    .unwrap()
    .into_iter()
    .map(|(id,)| (StepKind::Llm, id))
    .chain(
        sqlx::query_as::<_, (Uuid,)>(
            "select id from tool_calls where activity_run_id = $1 and status <> 'succeeded'",
        )
        .bind(run)
        .fetch_all(&pg)
        .await
        .unwrap()
        .into_iter()
        .map(|(id,)| (StepKind::Tool, id)),
    )
    .collect();
    assert!(failed.len() >= 2, "{failed:?}");
    let want = format!(
        "{} steps ({llm} LLM, {tools} tool) · {} failed · tokens {} in / {} out · cost {}",
        llm + tools,
        failed.len(),
        thousands(tokens_in),
        thousands(tokens_out),
        cost(micros.expect("the seeded calls have costs")),
    );
    // z: the whole screen, where the header line fits.
    ui.key(KeyCode::Char('z')).await;
    let screen = ui.screen();
    assert!(screen.contains(&want), "{want}\n{screen}");
    ui.key(KeyCode::Char('z')).await;
    ui.key(KeyCode::Char('g')).await;
    let mut reached = Vec::new();
    for _ in 0..failed.len() {
        ui.key(KeyCode::Char('n')).await;
        reached.push(selected_step(&ui));
    }
    let set: BTreeSet<_> = reached.iter().copied().collect();
    assert_eq!(set, failed.iter().copied().collect::<BTreeSet<_>>());
    assert_eq!(set.len(), reached.len(), "each once: {reached:?}");
    ui.key(KeyCode::Char('n')).await;
    assert_eq!(selected_step(&ui), reached[0], "n wraps to the first");
    let mut back = Vec::new();
    for _ in 0..failed.len() {
        ui.key(KeyCode::Char('N')).await;
        back.push(selected_step(&ui));
    }
    assert_eq!(
        back[0],
        reached[failed.len() - 1],
        "N from the first wraps to the last"
    );
    assert_eq!(back.iter().copied().collect::<BTreeSet<_>>(), set);

    // Esc: back where we were, the same screen.
    ui.key(KeyCode::Esc).await;
    assert!(ui.driver.app.run.view.is_none());
    assert_eq!(ui.driver.app.focus, focus);
    assert_eq!(ui.screen(), before);
}

/// A word of the log's response that occurs in no request of the run's logs, no label
/// and no error of its steps.
fn response_only_word(logs: &[Document], labels: &str) -> Option<String> {
    let text = |v: Option<&Bson>| {
        v.map(|v| v.clone().into_relaxed_extjson().to_string().to_lowercase())
            .unwrap_or_default()
    };
    let requests: String = logs.iter().map(|d| text(d.get("request"))).collect();
    for log in logs {
        let response = text(log.get("response"));
        for word in response.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word.len() >= 7
                && !word.chars().all(|c| c.is_ascii_hexdigit())
                && !requests.contains(word)
                && !labels.contains(word)
            {
                return Some(word.to_string());
            }
        }
    }
    None
}

/// A step's id, name, status, error and log_ref.
type StepText = (Uuid, String, String, Option<String>, Option<String>);

#[tokio::test]
async fn search_finds_what_only_a_log_response_holds_and_enter_shows_the_log() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let db = s.stores.mongo().await;
    let (_, failing) = showcase(&pg).await[0];
    let rows: Vec<StepText> = sqlx::query_as(
        "select id, tool_name, status, error, log_ref from tool_calls where activity_run_id = $1
         union all select id, model, status, error, null from llm_calls where activity_run_id = $1",
    )
    .bind(failing)
    .fetch_all(&pg)
    .await
    .unwrap();
    let labels: String = rows
        .iter()
        .map(|(_, name, status, error, _)| {
            format!("{name} {status} {}\n", error.clone().unwrap_or_default()).to_lowercase()
        })
        .collect();
    let mut logs = Vec::new();
    let mut by_step = Vec::new();
    for (id, _, _, _, log_ref) in &rows {
        if let Some(log_ref) = log_ref {
            let oid = ObjectId::parse_str(log_ref).unwrap();
            let log = db
                .collection::<Document>("tool_call_logs")
                .find_one(doc! { "_id": oid })
                .await
                .unwrap()
                .expect("the log document");
            by_step.push((*id, log.clone()));
            logs.push(log);
        }
    }
    let word = response_only_word(&logs, &labels).expect("a word only a response has");
    let holders: BTreeSet<Uuid> = by_step
        .iter()
        .filter(|(_, log)| {
            log.get("response")
                .map(|v| {
                    v.clone()
                        .into_relaxed_extjson()
                        .to_string()
                        .to_lowercase()
                        .contains(&word)
                })
                .unwrap_or(false)
        })
        .map(|(id, _)| *id)
        .collect();
    assert!(!holders.is_empty());

    let mut ui = Ui::open(&s.stores).await;
    ui.palette(&format!("run {failing}")).await;
    ui.key(KeyCode::Char('/')).await;
    ui.type_text(&word).await;
    ui.key(KeyCode::Enter).await;
    let search = view(&ui).search.clone().expect("a search");
    assert!(search.done, "{search:?}");
    assert_eq!(search.searched, logs.len());
    assert_eq!(search.documents, logs.len());
    let model = view(&ui).model().unwrap();
    let found: BTreeSet<Uuid> = search
        .matches
        .iter()
        .map(|&line| match model.entries[line] {
            Entry::Step(i) => model.steps[i].row.id,
            Entry::Idle { .. } => panic!("an idle line matched"),
        })
        .collect();
    assert_eq!(found, holders, "{word}");
    let screen = ui.screen();
    assert!(
        screen.contains(&format!(
            "{} matches · {}/{} documents searched",
            holders.len(),
            logs.len(),
            logs.len()
        )),
        "{screen}"
    );
    // n lands on a match; Enter shows its tool call with its log document.
    ui.key(KeyCode::Char('n')).await;
    let (kind, step) = selected_step(&ui);
    assert_eq!(kind, StepKind::Tool);
    assert!(holders.contains(&step));
    ui.key(KeyCode::Enter).await;
    let detail = ui.driver.app.detail.as_ref().unwrap();
    assert_eq!((detail.table.name, detail.id), ("tool_calls", step));
    assert_eq!(ui.driver.app.pane, Pane::Document);
    assert!(ui.driver.app.run.visible().is_none());
    let screen = ui.screen();
    assert!(screen.contains("tool_call_logs/"), "{screen}");
    assert!(screen.contains("Document (1)"), "{screen}");
    // w comes back to the view, the search still there.
    ui.key(KeyCode::Char('w')).await;
    assert!(ui.driver.app.run.visible().is_some());
    assert!(ui.screen().contains(&format!("Run {failing}")));
    // Esc clears the search, Esc again closes the view.
    ui.key(KeyCode::Esc).await;
    assert!(view(&ui).search.is_none());
    ui.key(KeyCode::Esc).await;
    assert!(ui.driver.app.run.view.is_none());
}

#[tokio::test]
async fn compare_marks_two_runs_and_shows_the_showcase_url_change() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (good, failing) = showcase(&pg).await[0];
    let mut ui = Ui::open(&s.stores).await;
    // c on the good run, c on the failing one: the comparison.
    ui.palette(&format!("run {good}")).await;
    ui.key(KeyCode::Char('c')).await;
    assert_eq!(ui.driver.app.run.mark, Some(good));
    // [ ] go through the activity's runs: ] leads to the failing one, the next number.
    ui.key(KeyCode::Char(']')).await;
    assert_eq!(view(&ui).ids.0, failing);
    ui.key(KeyCode::Char('[')).await;
    assert_eq!(view(&ui).ids.0, good);
    ui.key(KeyCode::Char(']')).await;
    ui.key(KeyCode::Char('c')).await;
    assert_eq!(view(&ui).ids, (good, Some(failing)));
    let screen = ui.screen();
    let compared = view(&ui).compared().expect("a comparison");
    let c = &compared.comparison;
    assert_eq!((c.pairs, c.added, c.removed), (5, 1, 2), "{screen}");
    assert!(
        screen.contains("5 aligned · 1 added · 2 removed"),
        "{screen}"
    );
    assert!(screen.contains("- ✓ tool serp_check"), "{screen}");
    // The aligned fetch_url pair: Enter shows its log documents' structural diff.
    let line = c
        .lines
        .iter()
        .position(|(l, _)| matches!(l, Aligned::Pair(i, _) if compared.a.steps[*i].row.name == "fetch_url"))
        .expect("the fetch pair");
    ui.key(KeyCode::Char('g')).await;
    for _ in 0..line {
        ui.key(KeyCode::Char('j')).await;
    }
    ui.key(KeyCode::Enter).await;
    let screen = ui.screen();
    // In the pane: the changed path, then its value in a, then in b.
    let pane: Vec<&str> = screen
        .lines()
        .map(|l| l.rsplit('│').nth(1).unwrap_or_default().trim_end())
        .collect();
    let at = pane
        .iter()
        .position(|l| *l == "~ request.url")
        .unwrap_or_else(|| panic!("no request.url change:\n{screen}"));
    assert!(pane[at + 1].starts_with("    a: \"https://"), "{screen}");
    assert!(!pane[at + 1].contains("/pricing/enterprise"), "{screen}");
    assert!(pane[at + 2].starts_with("    b: \"https://"), "{screen}");
    assert!(pane[at + 2].contains("/pricing/enterprise\""), "{screen}");
    // n goes through the changes: the first is the fetch whose status changed.
    ui.key(KeyCode::Char('g')).await;
    ui.key(KeyCode::Char('n')).await;
    assert_eq!(view(&ui).selected, line);
    ui.key(KeyCode::Char('n')).await;
    assert!(matches!(
        view(&ui).compared().unwrap().comparison.lines[view(&ui).selected].0,
        Aligned::Removed(_)
    ));
    // Esc closes the diff, then the comparison.
    ui.key(KeyCode::Esc).await;
    assert!(view(&ui).diff.is_none());
    ui.key(KeyCode::Esc).await;
    assert!(ui.driver.app.run.view.is_none());

    // :diff A B opens the same comparison.
    ui.palette(&format!("diff {good} {failing}")).await;
    assert_eq!(view(&ui).compared().unwrap().comparison.pairs, 5);
}

#[tokio::test]
async fn w_opens_the_selected_failed_run_from_the_tree() {
    let s = seeded();
    let mut ui = Ui::open(&s.stores).await;
    ui.palette("failed").await;
    ui.key(KeyCode::Char('j')).await;
    let Some(detail) = ui.driver.app.detail.as_ref() else {
        panic!("{}", ui.screen())
    };
    assert_eq!(detail.table.name, "activity_runs");
    let run = detail.id;
    ui.key(KeyCode::Char('w')).await;
    assert_eq!(view(&ui).ids, (run, None));
    let screen = ui.screen();
    assert!(screen.contains(&format!("Run {run}")), "{screen}");
    // z: the whole screen (the tree's border is gone), z again: the right-hand side.
    assert!(screen.contains(" Tree "), "{screen}");
    ui.key(KeyCode::Char('z')).await;
    assert!(!ui.screen().contains(" Tree "), "{}", ui.screen());
    ui.key(KeyCode::Char('z')).await;
    assert!(ui.screen().contains(" Tree "));
    // r loads it again, under a new ticket.
    let ticket = view(&ui).ticket;
    ui.key(KeyCode::Char('r')).await;
    assert_ne!(view(&ui).ticket, ticket);
    assert_eq!(view(&ui).model().unwrap().run.id, run);
    // w toggles between the view and the panes behind it.
    ui.key(KeyCode::Char('w')).await;
    assert!(ui.driver.app.run.visible().is_none());
    assert!(
        ui.screen().contains("Row · activity_runs"),
        "{}",
        ui.screen()
    );
    ui.key(KeyCode::Char('w')).await;
    assert!(ui.screen().contains(&format!("Run {run}")));
    ui.key(KeyCode::Esc).await;
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().id, run);
}

#[tokio::test]
async fn the_demo_shows_the_showcase_run_with_its_cause() {
    let dir = std::env::temp_dir().join(format!("tenantscope-runview-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("demo.tsnap");
    let _ = std::fs::remove_file(&file);
    tenantscope::snapshot::write_demo(&file).await.unwrap();
    let sqlite = sqlx::sqlite::SqlitePool::connect(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .unwrap();
    let failing: String = sqlx::query_scalar(
        "select id from rows where tbl = 'activity_runs' and status = 'failed'
           and label like '%HTTP 404 Not Found: GET %/pricing/enterprise%' order by id limit 1",
    )
    .fetch_one(&sqlite)
    .await
    .unwrap();
    sqlite.close().await;
    let source = tenantscope::store::source::Source::Snapshot(
        tenantscope::store::snapshot::Snapshot::open(&file)
            .await
            .unwrap(),
    );
    let mut ui = Ui::attached(source, Vec::new(), 140, 40).await;
    ui.palette(&format!("run {failing}")).await;
    let screen = ui.screen();
    assert!(screen.contains("wall 1 min 15 s"), "{screen}");
    assert!(screen.contains("HTTP 404 Not Found"), "{screen}");
    // It opens on the cause: the second fetch, marked.
    let v = view(&ui);
    let model = v.model().unwrap();
    assert_eq!(v.selected_step(), model.cause);
    assert_eq!(model.cause, Some(5));
    let cause_line = screen
        .lines()
        .find(|l| l.contains(" cause"))
        .unwrap_or_else(|| panic!("no cause line:\n{screen}"));
    assert!(cause_line.contains("fetch_url"), "{cause_line}");
    assert!(
        cause_line.contains("●!"),
        "on the critical path and the cause: {cause_line}"
    );
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn w_on_a_results_line_opens_its_run_and_esc_brings_the_list_back() {
    use tenantscope::app::results::Target;
    let s = seeded();
    let mut ui = Ui::open(&s.stores).await;
    ui.palette("cost").await;
    let results = ui.driver.app.results.as_ref().expect("the cost list");
    let line = results
        .lines
        .iter()
        .position(|l| matches!(&l.target, Some(Target::Row(t, _)) if t.name == "activity_runs"))
        .expect("a run in the cost list");
    let Some(Target::Row(_, run)) = results.lines[line].target.clone() else {
        unreachable!()
    };
    let title = results.title.clone();
    ui.key(KeyCode::Char('g')).await;
    for _ in 0..line {
        ui.key(KeyCode::Char('j')).await;
    }
    ui.key(KeyCode::Char('w')).await;
    assert_eq!(view(&ui).ids, (run, None));
    assert!(ui.driver.app.results.is_none());
    assert!(
        ui.screen().contains(&format!("Run {run}")),
        "{}",
        ui.screen()
    );
    ui.key(KeyCode::Esc).await;
    assert!(ui.driver.app.run.view.is_none());
    let back = ui.driver.app.results.as_ref().expect("the list again");
    assert_eq!((back.title.as_str(), back.selected), (title.as_str(), line));
}

/// A run of 1,000 LLM calls and 1,000 tool calls (some failed, some overlapping) drawn on
/// a 200×50 TestBackend while the selection moves: every frame shows the selected step,
/// and the frame times are printed (`cargo test --test run_view frames -- --nocapture`;
/// a figure, not a timed assertion).
#[test]
fn a_run_of_two_thousand_steps_draws_each_frame_from_its_visible_lines() {
    use chrono::{Duration, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::sync::Arc;
    use tenantscope::run::timeline::build;
    use tenantscope::run::{RunInfo, StepRow};
    let start = Utc.with_ymd_and_hms(2026, 11, 14, 2, 0, 0).unwrap();
    let mut rows = Vec::new();
    for n in 0..2_000_i64 {
        let kind = if n % 2 == 0 {
            StepKind::Llm
        } else {
            StepKind::Tool
        };
        let name = if kind == StepKind::Llm {
            "gpt-4o"
        } else {
            "web_search"
        };
        let status = if n % 97 == 0 { "failed" } else { "succeeded" };
        let mut row = StepRow::new(kind, Uuid::from_u128(n as u128 + 1), name, status);
        row.started_at = Some(start + Duration::milliseconds(n * 450));
        row.latency_ms = Some(300 + (n % 7) * 100);
        if kind == StepKind::Llm {
            row.tokens_in = Some(1_000 + n);
            row.tokens_out = Some(200);
            row.cost_micros = Some(1_500);
        }
        if status == "failed" {
            row.error = Some(format!("step {n} failed"));
        }
        rows.push(row);
    }
    let run = RunInfo {
        id: Uuid::from_u128(9_999),
        run_number: Some(1),
        status: "failed".into(),
        trigger: "manual".into(),
        started_at: Some(start),
        finished_at: Some(start + Duration::milliseconds(2_000 * 450 + 1_000)),
        ..RunInfo::default()
    };
    let model = build(run, rows, Vec::new(), Utc::now());
    let failed = model.failed_steps();
    let mut view = RunView::for_model(Arc::new(model));
    view.whole = true;
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut times = Vec::new();
    for frame in 0..400 {
        view.selected = (frame * 37) % view.len();
        let t = std::time::Instant::now();
        terminal
            .draw(|f| tenantscope::ui::run::draw(f, &view, f.area()))
            .unwrap();
        times.push(t.elapsed());
        let model = view.model().unwrap();
        let wanted = match model.entries[view.selected] {
            Entry::Step(i) => model.steps[i].duration_ms.unwrap(),
            Entry::Idle { .. } => continue,
        };
        // The highlighted line is the selected step's.
        let buffer = terminal.backend().buffer();
        let (width, height) = (buffer.area.width, buffer.area.height);
        let highlighted: Vec<String> = (0..height)
            .filter(|&y| {
                (0..width).any(|x| {
                    buffer[(x, y)]
                        .modifier
                        .contains(ratatui::style::Modifier::REVERSED)
                })
            })
            .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect())
            .collect();
        assert_eq!(highlighted.len(), 1, "frame {frame}");
        assert!(
            highlighted[0].contains(&tenantscope::run::fmt::duration(wanted)),
            "frame {frame}: {}",
            highlighted[0]
        );
    }
    assert!(failed.len() >= 20);
    times.sort();
    println!(
        "2,000 steps, 200×50, debug build: frame p50 {:?}, p99 {:?}, max {:?}",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1]
    );
}

/// The steps of run `id` in the view's order (start, LLM before tool, id), from SQL.
async fn sql_order(pg: &PgPool, id: Uuid) -> Vec<(StepKind, Uuid)> {
    let rows: Vec<(Uuid, i32)> = sqlx::query_as(
        "select id, k from (select id, started_at, 0 k from llm_calls where activity_run_id = $1
                            union all select id, started_at, 1 from tool_calls where activity_run_id = $1) s
         order by started_at, k, id",
    )
    .bind(id)
    .fetch_all(pg)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, k)| {
            (
                if k == 0 {
                    StepKind::Llm
                } else {
                    StepKind::Tool
                },
                id,
            )
        })
        .collect()
}

/// A run of 7,000 LLM calls and 5,000 tool calls (overlapping, interleaved, some failed)
/// in the test's own database: the view opens on its first pages only (5,000 steps),
/// lists them in their final order and says how many of how many are loaded, with the
/// whole run's totals from SQL; moving to the end reads one keyset page at a time until
/// every step is listed, in the order SQL gives.
#[tokio::test]
async fn a_long_run_opens_on_its_first_pages_and_scrolling_loads_the_rest_in_order() {
    use tenantscope::run::load::PAGE;
    use tenantscope::run::paging::FIRST;
    let stores = common::Stores::create("run_paging").await;
    stores.migrate().await;
    let pg = stores.pg(Access::ReadWrite).await;
    let run = long_run::insert(&pg).await;
    let order = sql_order(&pg, run).await;
    assert_eq!(order.len(), long_run::STEPS);
    let (tokens_in, tokens_out, cost_text, failed): (i64, i64, String, i64) = sqlx::query_as(
        "select sum(prompt_tokens)::int8, sum(completion_tokens)::int8, sum(cost_usd)::text,
                count(*) filter (where status <> 'succeeded')
                + (select count(*) from tool_calls where activity_run_id = $1 and status <> 'succeeded')
         from llm_calls where activity_run_id = $1",
    )
    .bind(run)
    .fetch_one(&pg)
    .await
    .unwrap();

    let mut ui = Ui::open(&stores).await;
    ui.palette(&format!("run {run}")).await;
    let listed = |ui: &Ui| -> Vec<(StepKind, Uuid)> {
        let model = view(ui).model().expect("the run is shown");
        model.steps.iter().map(|s| (s.row.kind, s.row.id)).collect()
    };
    let loaded = |ui: &Ui| {
        let model = view(ui).model().unwrap();
        model.steps.len() + model.paging.as_ref().map_or(0, |p| p.pending.len())
    };
    // At open: the first pages only, listed in their final order.
    let model = view(&ui).model().unwrap();
    let paging = model.paging.as_ref().expect("partly loaded");
    assert_eq!(loaded(&ui), FIRST);
    assert_eq!(paging.pages, FIRST / PAGE as usize);
    let first = listed(&ui);
    assert!(
        first.len() > FIRST / 2 && first.len() <= FIRST,
        "{}",
        first.len()
    );
    assert_eq!(first, order[..first.len()]);
    // The whole run's totals, from SQL, and how much of it is loaded.
    ui.key(KeyCode::Char('z')).await;
    let screen = ui.screen();
    let want = format!(
        "12000 steps (7000 LLM, 5000 tool) · {failed} failed · tokens {} in / {} out · cost {}",
        thousands(tokens_in),
        thousands(tokens_out),
        cost(parse_micros(&cost_text).unwrap()),
    );
    assert!(screen.contains(&want), "{want}\n{screen}");
    assert!(screen.contains("loaded 5,000 of 12,000 steps"), "{screen}");
    // Moving through what is listed reads nothing more until near its end.
    ui.key(KeyCode::Char('j')).await;
    assert_eq!(loaded(&ui), FIRST);
    // To the end, again and again: a page or more each time (more while a page lists
    // little), in order, until all is here.
    let mut presses = 0;
    while !view(&ui).model().unwrap().complete() {
        let before = loaded(&ui);
        ui.key(KeyCode::Char('G')).await;
        let after = loaded(&ui);
        assert!(after > before, "{before} → {after}");
        let now = listed(&ui);
        assert_eq!(now, order[..now.len()]);
        presses += 1;
        assert!(presses <= 12_000 / PAGE as usize, "{presses} pages");
    }
    assert_eq!(listed(&ui), order);
    assert!(view(&ui).more_error.is_none());
    let screen = ui.screen();
    assert!(!screen.contains("loaded 12,000"), "{screen}");
    assert!(screen.contains(&want), "{want}\n{screen}");
}

/// A long run in a database whose `llm_calls.cost_usd` is renamed: the whole run's
/// totals still come from SQL (counts and tokens), the cost reading `absent`.
#[tokio::test]
async fn a_long_run_without_the_cost_column_shows_its_sql_totals_and_cost_absent() {
    let stores = common::Stores::create("run_paging_no_cost").await;
    stores.migrate().await;
    let pg = stores.pg(Access::ReadWrite).await;
    let run = long_run::insert(&pg).await;
    sqlx::query("alter table llm_calls rename column cost_usd to cost")
        .execute(&pg)
        .await
        .unwrap();
    let (tokens_in, tokens_out, failed): (i64, i64, i64) = sqlx::query_as(
        "select sum(prompt_tokens)::int8, sum(completion_tokens)::int8,
                count(*) filter (where status <> 'succeeded')
                + (select count(*) from tool_calls where activity_run_id = $1 and status <> 'succeeded')
         from llm_calls where activity_run_id = $1",
    )
    .bind(run)
    .fetch_one(&pg)
    .await
    .unwrap();
    let mut ui = Ui::open(&stores).await;
    ui.palette(&format!("run {run}")).await;
    ui.key(KeyCode::Char('z')).await;
    let screen = ui.screen();
    let want = format!(
        "12000 steps (7000 LLM, 5000 tool) · {failed} failed · tokens {} in / {} out · cost absent",
        thousands(tokens_in),
        thousands(tokens_out),
    );
    assert!(screen.contains(&want), "{want}\n{screen}");
    assert!(screen.contains("loaded 5,000 of 12,000 steps"), "{screen}");
}

/// The comparison's last line: `Enter` there shows the line diff of the activity outputs
/// the two runs wrote (each found by when it was created, its text read from S3), the
/// same diff the test makes from the objects; two runs that wrote none say so.
#[tokio::test]
async fn enter_on_the_outputs_line_diffs_what_the_two_runs_wrote() {
    use tenantscope::app::run_view::DiffBody;
    use tenantscope::run::diff::line_diff;
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let db = s.stores.mongo().await;
    let s3 = s.stores.s3().await;
    // Per tenant: the run that wrote version 1 of the showcase activity's output (two
    // before the failing showcase run) and the long run after it, which wrote version 2.
    let candidates: Vec<(Uuid, Uuid, Uuid, Uuid, Uuid)> = sqlx::query_as(
        "select f.activity_id, v.id, l.id, g.id, f.id from activity_runs f
         join activity_runs v on v.activity_id = f.activity_id and v.run_number = f.run_number - 2
         join activity_runs g on g.activity_id = f.activity_id and g.run_number = f.run_number - 1
         join activity_runs l on l.activity_id = f.activity_id and l.run_number = f.run_number + 1
         where f.error_message like 'HTTP 404 Not Found: GET %/pricing/enterprise'
         order by f.id",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let mut chosen = None;
    for (activity, v1_run, long_run, good, failing) in candidates {
        let mut texts = Vec::new();
        for version in [1, 2] {
            let Some(doc) = db
                .collection::<Document>("activity_outputs")
                .find_one(doc! { "activityId": activity.to_string(), "version": version })
                .await
                .unwrap()
            else {
                break;
            };
            let key = doc.get_str("s3Key").unwrap().to_string();
            let Ok(object) = s3
                .get_object()
                .bucket(&s.stores.bucket)
                .key(&key)
                .send()
                .await
            else {
                break;
            };
            let bytes = object.body.collect().await.unwrap().into_bytes();
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let id = doc.get_object_id("_id").unwrap().to_hex();
            texts.push((id, serde_json::to_string_pretty(&value).unwrap() + "\n"));
        }
        if texts.len() == 2 {
            chosen = Some((v1_run, long_run, good, failing, texts));
            break;
        }
    }
    let (v1_run, long_run, good, failing, texts) =
        chosen.expect("a tenant whose two output versions are both there");
    let want = line_diff(&texts[0].1, &texts[1].1);
    let count = |tag| want.iter().filter(|l| l.tag == tag).count();
    assert!(count("insert") > 0 && count("delete") > 0);

    let mut ui = Ui::open(&s.stores).await;
    ui.palette(&format!("diff {v1_run} {long_run}")).await;
    let lines = view(&ui)
        .compared()
        .expect("a comparison")
        .comparison
        .lines
        .len();
    let screen = ui.screen();
    ui.key(KeyCode::Char('G')).await;
    assert_eq!(view(&ui).selected, lines, "{screen}");
    ui.key(KeyCode::Enter).await;
    let screen = ui.screen();
    let diff = view(&ui).diff.clone().expect("the diff pane");
    let Some(Ok(DiffBody::Outputs(got))) = diff.result else {
        panic!("{:?}\n{screen}", diff.result)
    };
    assert_eq!(got.a.document, format!("activity_outputs/{}", texts[0].0));
    assert_eq!(got.b.document, format!("activity_outputs/{}", texts[1].0));
    assert_eq!(got.lines, want);
    assert_eq!(got.counts(), (count("delete"), count("insert")));
    assert!(
        screen.contains(&format!("-{} +{} lines", count("delete"), count("insert"))),
        "{screen}"
    );
    let first = want.iter().find(|l| l.tag == "insert").unwrap();
    assert!(
        screen.contains(&format!("+ {}", first.text.trim_end())),
        "{}\n{screen}",
        first.text
    );
    ui.key(KeyCode::Esc).await;
    assert!(view(&ui).diff.is_none());

    // The good and the failing showcase runs wrote no output: it says so, for both.
    ui.palette(&format!("diff {good} {failing}")).await;
    ui.key(KeyCode::Char('G')).await;
    ui.key(KeyCode::Enter).await;
    let diff = view(&ui).diff.clone().unwrap();
    let Some(Err(message)) = diff.result else {
        panic!("{:?}", diff.result)
    };
    assert!(
        message.starts_with("a: run #") && message.contains("; b: run #"),
        "{message}"
    );
    assert!(message.contains("wrote no output"), "{message}");
    assert!(ui.screen().contains("wrote no output"), "{}", ui.screen());
}

/// At 60 to 80 columns every step line is cut by display width (never wrapped, never
/// past the border, a wide character never split), its waterfall bar shrunk first: the
/// bar is a quarter of a wide pane, less in a narrow one, down to 6 cells, and only then
/// is the end of the line cut, with an ellipsis.
#[test]
fn narrow_panes_cut_step_lines_by_display_width_and_shrink_the_bar_first() {
    use chrono::{Duration, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::sync::Arc;
    use tenantscope::run::timeline::build;
    use tenantscope::run::{RunInfo, StepRow};
    use tenantscope::ui::run::step_lines;
    use unicode_width::UnicodeWidthStr;
    let start = Utc.with_ymd_and_hms(2026, 11, 14, 2, 0, 0).unwrap();
    let mut rows = Vec::new();
    for n in 0..24_i64 {
        let kind = if n % 2 == 0 {
            StepKind::Llm
        } else {
            StepKind::Tool
        };
        let name = match n % 4 {
            0 => "gpt-4o",
            1 => "データ抽出ツール_with_a_long_name",
            2 => "claude-3-5-sonnet-20241022-long",
            _ => "fetch_url",
        };
        let status = if n % 5 == 3 { "failed" } else { "succeeded" };
        let mut row = StepRow::new(kind, Uuid::from_u128(n as u128 + 1), name, status);
        row.started_at = Some(start + Duration::milliseconds(n * 900));
        row.latency_ms = Some(700 + n * 10);
        if kind == StepKind::Llm {
            row.tokens_in = Some(123_456 + n);
            row.tokens_out = Some(7_890);
            row.cost_micros = Some(1_234_567);
        }
        if status == "failed" {
            row.error = Some("上游服务返回 503：服务暂时不可用，请稍后再试 (upstream 503)".into());
        }
        rows.push(row);
    }
    let run = RunInfo {
        id: Uuid::from_u128(77),
        run_number: Some(2),
        status: "failed".into(),
        trigger: "retry".into(),
        started_at: Some(start),
        finished_at: Some(start + Duration::milliseconds(24 * 900)),
        error_message: Some("上游服务返回 503：服务暂时不可用，请稍后再试 (upstream 503)".into()),
        ..RunInfo::default()
    };
    let model = Arc::new(build(run, rows, Vec::new(), Utc::now()));
    let mut view = RunView::for_model(Arc::clone(&model));
    view.whole = true;
    let bar = |line: &ratatui::text::Line| line.spans[0].content.chars().count();
    let mut bars = Vec::new();
    for width in [60_u16, 72, 80, 200] {
        let list = usize::from(width) - 2;
        let lines = step_lines(&view, &model, list, 0..model.entries.len());
        for line in &lines {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            assert!(
                line.width() <= list,
                "{width}: {} > {list}: {text}",
                line.width()
            );
            // Cut lines end in an ellipsis, right at the edge (or one short of it when a
            // wide character would have straddled it).
            if text.contains('…') && text.ends_with('…') {
                assert!(line.width() + 1 >= list, "{width}: {text}");
            }
        }
        bars.push(bar(&lines[0]));
        // A failed step's long error is cut, not wrapped.
        let failed = model.failed_steps()[0];
        let cut: String = lines[failed]
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        if width <= 80 {
            assert!(cut.ends_with('…'), "{width}: {cut}");
        }

        // Drawn: borders intact on every row, no row wider than the terminal.
        let mut terminal = Terminal::new(TestBackend::new(width, 30)).unwrap();
        terminal
            .draw(|f| tenantscope::ui::run::draw(f, &view, f.area()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        for y in 1..29 {
            assert_eq!(buffer[(0, y)].symbol(), "│", "{width}, row {y}");
            assert_eq!(buffer[(width - 1, y)].symbol(), "│", "{width}, row {y}");
            let mut row = String::new();
            let mut x = 0;
            while x < width {
                let symbol = buffer[(x, y)].symbol();
                row.push_str(symbol);
                x += u16::try_from(symbol.width().max(1)).unwrap_or(1);
            }
            assert_eq!(row.width(), usize::from(width), "{width}, row {y}: {row}");
        }
    }
    // The bar shrinks with the pane, to 6 cells at 60 columns; a wide pane keeps a
    // quarter of its width up to 48.
    assert_eq!(bars, [6, 8, 16, 48], "{bars:?}");
}
