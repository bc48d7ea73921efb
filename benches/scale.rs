//! The scale benchmarks (BENCHMARKS.md), run by `scripts/bench` against stores seeded with
//! `dev seed --large`: child pages on the large tenant against the small one, a full
//! resolve against the raw round trips it is made of, and the UI's key-to-frame time with
//! 100,000 nodes loaded. Each figure is a median over repeated runs, with min–max.
//! Reads TENANTSCOPE_PG, TENANTSCOPE_MONGO, TENANTSCOPE_BUCKET and the AWS_* variables.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mongodb::bson::{Document, doc, oid::ObjectId};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sqlx::Row;
use tenantscope::app::event_loop::Driver;
use tenantscope::config::StoreArgs;
use tenantscope::resolve::resolve_all;
use tenantscope::schema::{self, Table};
use tenantscope::store::read::{Cursor, Listing, Live};
use tenantscope::store::source::Source;
use uuid::Uuid;

/// Median, min and max of a series, in milliseconds.
struct Stats {
    median: f64,
    min: f64,
    max: f64,
    p99: f64,
}

impl Stats {
    fn of(mut ms: Vec<f64>) -> Stats {
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        Stats {
            median: at(0.5),
            min: ms[0],
            max: ms[ms.len() - 1],
            p99: at(0.99),
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} ms ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

async fn measure<T, F, Fut>(runs: usize, mut f: F) -> Stats
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    f().await; // warm-up: connections, caches
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(f().await);
        ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Stats::of(ms)
}

fn table(name: &str) -> &'static Table {
    schema::table(name).expect("declared")
}

fn children(child: &str, column: &'static str, parent: Uuid) -> Listing {
    let null_column = (child == "activities" && column == "deliverable_period_id")
        .then_some("parent_activity_id");
    Listing::Children {
        table: table(child),
        column,
        parent,
        null_column,
    }
}

/// The cursor of the `n`-th page (1-based) of `listing`, walking the pages before it.
async fn cursor_before_page(live: &Live, listing: &Listing, n: usize) -> Option<Cursor> {
    let mut after = None;
    for _ in 1..n {
        after = Some(live.list(listing, after, 50).await.unwrap().next?);
    }
    after
}

async fn one(pg: &sqlx::PgPool, sql: &str, tenant: Uuid) -> Uuid {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(tenant)
        .fetch_one(pg)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every row of `child` under `parent` (uncapped: the figure the table names).
async fn rows_under(pg: &sqlx::PgPool, child: &str, column: &str, parent: Uuid) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select count(*) from {child} where {column} = $1"
    )))
    .bind(parent)
    .fetch_one(pg)
    .await
    .unwrap()
}

async fn pages(live: &Live, large: Uuid, small: Uuid) {
    let pg = live.pg.as_ref().unwrap();
    println!("## 1. Child page fetch (30 runs each)\n");
    println!(
        "The UI's page is 50 rows; the small tenant's groups of these shapes hold fewer, so the \
         ratios compare pages of the same number of rows (the small group's size) from both \
         tenants: the cost of a page then differs only by the size of the table behind it.\n"
    );
    println!(
        "| group | large: page 1 (50 rows) | large: page 50 (50 rows) | rows compared | large: page 1 | large: page 50 | small: page 1 | ratio p1 | ratio p50 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    // The same shapes in both tenants: the biggest period, activity and run of each.
    let shapes = [
        (
            "activities of a period",
            "activities",
            "deliverable_period_id",
            "select deliverable_period_id from activities where tenant_id = $1 and parent_activity_id is null
             and deliverable_period_id is not null group by 1 order by count(*) desc limit 1",
        ),
        (
            "runs of an activity",
            "activity_runs",
            "activity_id",
            "select activity_id from activity_runs where tenant_id = $1 group by 1 order by count(*) desc limit 1",
        ),
        (
            "LLM calls of a run",
            "llm_calls",
            "activity_run_id",
            "select activity_run_id from llm_calls where tenant_id = $1 group by 1 order by count(*) desc limit 1",
        ),
    ];
    for (name, child, column, biggest) in shapes {
        let big_parent = match child {
            // The known biggest parents of the large tenant (aggregating 20M rows to find
            // them would take minutes): period 0, activity 0, run 0.
            "activities" => one(pg, "select id from deliverable_periods where tenant_id = $1 order by created_at limit 1", large).await,
            "activity_runs" => one(pg, "select id from activities where tenant_id = $1 and title = 'Article 0'", large).await,
            _ => one(pg, "select md5('run:0')::uuid where $1 is not null", large).await,
        };
        let small_parent = one(pg, biggest, small).await;
        let big = children(child, column, big_parent);
        let little = children(child, column, small_parent);
        let total = rows_under(pg, child, column, big_parent).await;
        let small_total = rows_under(pg, child, column, small_parent).await;
        let p50 = cursor_before_page(live, &big, 50).await;
        let ui_first = measure(30, || live.list(&big, None, 50)).await;
        let ui_fifty = measure(30, || live.list(&big, p50, 50)).await;
        // Pages of the small group's size from both (the page-50 cursor stays 49×50 rows in).
        let rows = (small_total as u32).clamp(1, 50);
        let large_first = measure(30, || live.list(&big, None, rows)).await;
        let large_fifty = measure(30, || live.list(&big, p50, rows)).await;
        let small_first = measure(30, || live.list(&little, None, rows)).await;
        println!(
            "| {name} ({} vs {} rows) | {ui_first} | {ui_fifty} | {rows} | {large_first} | {large_fifty} | {small_first} | {:.2} | {:.2} |",
            tenantscope::text::thousands(total as u64),
            tenantscope::text::thousands(small_total as u64),
            large_first.median / small_first.median,
            large_fifty.median / small_first.median,
        );
    }
    println!();
}

/// Rounds of the resolve benchmark.
const RESOLVE_ROUNDS: usize = 60;

/// Samples in milliseconds by name, taken in rounds.
#[derive(Default)]
struct Samples(Vec<(&'static str, Vec<f64>)>);

impl Samples {
    /// The time since `at` as one of `name`'s samples, unless the round is dropped.
    fn add(&mut self, keep: bool, name: &'static str, at: Instant) {
        let ms = at.elapsed().as_secs_f64() * 1e3;
        if !keep {
            return;
        }
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(ms),
            None => self.0.push((name, vec![ms])),
        }
    }

    fn of(&self, name: &str) -> &[f64] {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, list)| list)
    }

    /// The median over the rounds of `a`'s time over `b`'s in the same round.
    fn paired_ratio(&self, a: &str, b: &str) -> f64 {
        let ratios = self
            .of(a)
            .iter()
            .zip(self.of(b))
            .map(|(a, b)| a / b)
            .collect();
        Stats::of(ratios).median
    }
}

/// The bare clients' reads the resolve is compared with: the row by id, ...
async fn bare_row(pg: &sqlx::PgPool, id: Uuid) -> sqlx::postgres::PgRow {
    sqlx::query("select * from activities where id = $1")
        .bind(id)
        .fetch_one(pg)
        .await
        .unwrap()
}

/// ... its output document by `_id`, ...
async fn bare_document(db: &mongodb::Database, id: ObjectId) -> Document {
    db.collection::<Document>("activity_outputs")
        .find_one(doc! { "_id": id })
        .await
        .unwrap()
        .unwrap()
}

/// ... and the whole object (its length).
async fn bare_object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> usize {
    s3.get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes()
        .len()
}

async fn resolve(source: Arc<Source>, live: &Live, large: Uuid) -> Uuid {
    let pg = live.pg.as_ref().unwrap();
    let activity = one(
        pg,
        "select id from activities where tenant_id = $1 and title = 'Article 0'",
        large,
    )
    .await;
    let activities = table("activities");
    let db = live.mongo.as_ref().unwrap();
    let (s3, bucket) = live.s3.clone().unwrap();
    let text = String::from_utf8(
        resolve_all(&source, activities, activity)
            .await
            .content
            .expect("the article")
            .head
            .bytes,
    )
    .unwrap();
    let output_ref: String = bare_row(pg, activity).await.get("output_ref");
    let oid = ObjectId::parse_str(&output_ref).unwrap();
    let key = bare_document(db, oid)
        .await
        .get_str("s3Key")
        .unwrap()
        .to_string();
    let row = source.row(activities, activity).await.unwrap().unwrap();
    let targets: Vec<(&'static Table, Uuid)> = activities
        .foreign_keys
        .iter()
        .filter(|fk| fk.column != "tenant_id")
        .filter_map(|fk| {
            let value = row
                .iter()
                .find(|f| f.column == fk.column)?
                .value
                .as_deref()?;
            Some((table(fk.target), Uuid::parse_str(value).ok()?))
        })
        .collect();

    // Every candidate once per round, so a change of the machine's speed (the servers
    // share its 2 cores) falls on all of them alike; round 0 warms up and is dropped.
    let mut samples = Samples::default();
    for round in 0..=RESOLVE_ROUNDS {
        let keep = round > 0;
        // tenantscope: the resolve with the Markdown parse, the resolve alone, the parse.
        let at = Instant::now();
        let detail = resolve_all(&source, activities, activity).await;
        let content = detail.content.expect("the article");
        let markdown = String::from_utf8(content.head.bytes).unwrap();
        std::hint::black_box(tenantscope::ui::markdown::render(&markdown).len());
        samples.add(keep, "ours", at);
        // The bare clients' chain: the row, then the document its output_ref names,
        // then the object that document's s3Key names, each hop waiting for the last.
        let at = Instant::now();
        let bare_oid =
            ObjectId::parse_str(bare_row(pg, activity).await.get::<String, _>("output_ref"))
                .unwrap();
        let bare_key = bare_document(db, bare_oid).await;
        let bare_key = bare_key.get_str("s3Key").unwrap();
        std::hint::black_box(bare_object(&s3, &bucket, bare_key).await);
        samples.add(keep, "bare chain", at);
        let at = Instant::now();
        std::hint::black_box(
            resolve_all(&source, activities, activity)
                .await
                .content
                .is_some(),
        );
        samples.add(keep, "reads", at);
        let at = Instant::now();
        std::hint::black_box(tenantscope::ui::markdown::render(&text).len());
        samples.add(keep, "parse", at);
        // Each hop alone, bare and tenantscope's.
        let at = Instant::now();
        std::hint::black_box(bare_row(pg, activity).await.len());
        samples.add(keep, "bare row", at);
        let at = Instant::now();
        std::hint::black_box(source.row(activities, activity).await.unwrap());
        samples.add(keep, "own row", at);
        let at = Instant::now();
        std::hint::black_box(bare_document(db, oid).await);
        samples.add(keep, "bare document", at);
        let at = Instant::now();
        std::hint::black_box(source.document("activity_outputs", oid).await.unwrap());
        samples.add(keep, "own document", at);
        let at = Instant::now();
        std::hint::black_box(bare_object(&s3, &bucket, &key).await);
        samples.add(keep, "bare object", at);
        let at = Instant::now();
        std::hint::black_box(
            source
                .object_head(&key, tenantscope::resolve::CONTENT_CHUNK)
                .await
                .is_ok(),
        );
        samples.add(keep, "own object", at);
        let at = Instant::now();
        std::hint::black_box(
            futures::future::join_all(targets.iter().map(|(t, id)| source.row(t, *id))).await,
        );
        samples.add(keep, "own foreign rows", at);
    }
    let stat = |name: &str| Stats::of(samples.of(name).to_vec());
    let (ours, reads, bare) = (stat("ours"), stat("reads"), stat("bare chain"));
    println!(
        "## 3. Full resolve of an activity (row → document → 50 KB Markdown; {RESOLVE_ROUNDS} rounds, \
         each running every line once)\n"
    );
    println!("| what | time |\n|---|---|");
    println!("| tenantscope: resolve + parse the Markdown | {ours} |");
    println!("| tenantscope: resolve alone (every hop of the row) | {reads} |");
    println!(
        "| tenantscope: parse the Markdown alone | {} |",
        stat("parse")
    );
    println!("| its row alone (`Source::row`) | {} |", stat("own row"));
    println!(
        "| its document alone (`Source::document`) | {} |",
        stat("own document")
    );
    println!(
        "| its ranged GET alone (`Source::object_head`) | {} |",
        stat("own object")
    );
    println!(
        "| its {} foreign-key target rows, together | {} |",
        targets.len(),
        stat("own foreign rows")
    );
    println!("| bare sqlx row by id | {} |", stat("bare row"));
    println!(
        "| bare driver find_one by _id | {} |",
        stat("bare document")
    );
    println!(
        "| bare get_object (whole object) | {} |",
        stat("bare object")
    );
    println!("| bare chain: row, then its document, then its object | {bare} |");
    println!(
        "| **ratio tenantscope / bare chain**, median of the rounds' ratios | **{:.2}** \
         (resolve alone: {:.2}) |\n",
        samples.paired_ratio("ours", "bare chain"),
        samples.paired_ratio("reads", "bare chain"),
    );
    // What a person does today: three programs, one after the other.
    let pg_url = std::env::var("TENANTSCOPE_PG").unwrap();
    let mongo_url = std::env::var("TENANTSCOPE_MONGO").unwrap();
    let script = format!(
        "psql '{pg_url}' -Atc \"select row_to_json(a) from activities a where id = '{activity}'\" >/dev/null && \
         python3 -c \"import pymongo,bson; c=pymongo.MongoClient('{mongo_url}'); print(c.get_default_database()['activity_outputs'].find_one({{'_id': bson.ObjectId('{output_ref}')}})['s3Key'])\" >/dev/null && \
         python3 -c \"import boto3; print(len(boto3.client('s3').get_object(Bucket='{bucket}', Key='{key}')['Body'].read()))\" >/dev/null"
    );
    let manual = measure(5, || async {
        let status = tokio::process::Command::new("bash")
            .args(["-c", &script])
            .status()
            .await
            .unwrap();
        assert!(status.success(), "the manual pipeline failed: {script}");
    })
    .await;
    println!(
        "Today's way (psql, then python3 + pymongo, then python3 + boto3, as separate processes; 5 runs): {manual}; tenantscope is {:.1}× faster.\n",
        manual.median / ours.median
    );
    activity
}

/// `VmRSS` and `VmHWM` (peak) of this process, as /proc says them.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    format!("VmRSS {}, peak VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

fn key(driver: &mut Driver, code: KeyCode) {
    driver.key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// This thread's involuntary context switches so far (the kernel took the core away).
fn preempted() -> u64 {
    std::fs::read_to_string("/proc/thread-self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Frame times of one key sequence.
struct Frames {
    /// Key → model → finished frame.
    whole: Stats,
    /// The key alone (the model's share).
    model: Stats,
    /// Frames over 4 ms, and how many of those the kernel preempted.
    slow: (usize, usize),
    /// Key → finished frame over the frames that were not preempted.
    unpreempted: Stats,
}

/// Times each key of `keys` to its finished frame, in milliseconds.
fn frames(
    driver: &mut Driver,
    terminal: &mut Terminal<TestBackend>,
    keys: impl Iterator<Item = KeyCode>,
) -> Frames {
    let (mut whole, mut model, mut calm) = (Vec::new(), Vec::new(), Vec::new());
    let mut slow = (0, 0);
    for code in keys {
        let before = preempted();
        let started = Instant::now();
        key(driver, code);
        model.push(started.elapsed().as_secs_f64() * 1e3);
        driver.app.dirty = true;
        driver.draw(terminal).unwrap();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let was_preempted = preempted() > before;
        whole.push(ms);
        if !was_preempted {
            calm.push(ms);
        }
        if ms > 4.0 {
            slow.0 += 1;
            slow.1 += usize::from(was_preempted);
        }
    }
    Frames {
        whole: Stats::of(whole),
        model: Stats::of(model),
        slow,
        unpreempted: Stats::of(calm),
    }
}

/// 1,000 keys going `first` 25 times then `second` 25 times, over and over.
fn back_and_forth(first: KeyCode, second: KeyCode) -> impl Iterator<Item = KeyCode> {
    (0..1000).map(move |i| if i % 50 < 25 { first } else { second })
}

async fn ui(source: Source, live: &Live, large: Uuid, activity: Uuid) {
    let pg = live.pg.as_ref().unwrap();
    let period = one(
        pg,
        "select id from deliverable_periods where tenant_id = $1 order by created_at limit 1",
        large,
    )
    .await;
    let top_level: i64 = sqlx::query_scalar(
        "select count(*) from activities where deliverable_period_id = $1 and parent_activity_id is null",
    )
    .bind(period)
    .fetch_one(pg)
    .await
    .unwrap();
    let mut driver = Driver::new("bench".into());
    driver.attach(source, Vec::new());
    driver.settle(Duration::from_secs(60)).await;
    // The period, opened at its place; then all 2,000 pages of its 100,000 activities.
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    key(&mut driver, KeyCode::Char(':'));
    for c in period.to_string().chars() {
        key(&mut driver, KeyCode::Char(c));
    }
    key(&mut driver, KeyCode::Enter);
    println!("## 4. UI\n");
    println!("Memory before the pages: {}\n", memory());
    let (group, seconds) = open_every_page(&mut driver, period, top_level as usize).await;
    let (loaded, more) = driver.app.tree.group_progress(&group).unwrap();
    assert!(!more, "pages left to load");
    assert_eq!(
        loaded as i64, top_level,
        "rows in the model vs the period's activities"
    );
    let nodes = driver.app.tree.state.flatten(&driver.app.tree.items).len();
    println!(
        "All {} of the period's {} top-level activities in the model, loaded in {seconds:.1} s; \
         the widget is handed {nodes} nodes.\n",
        tenantscope::text::thousands(loaded as u64),
        tenantscope::text::thousands(top_level as u64),
    );
    // The harness is the explorer's model and loader in one process (plus this
    // benchmark's own connections): its peak is an upper bound of the explorer's.
    println!(
        "Memory with every page loaded: {} (this process, /proc/self/status)\n",
        memory()
    );
    // The 5,000-word article in the content pane.
    let mut path = group.clone();
    path.push(format!("activities:{activity}"));
    driver.select(path);
    driver.settle(Duration::from_secs(60)).await;
    key(&mut driver, KeyCode::Char('3'));
    driver.settle(Duration::from_secs(60)).await;
    let words = driver
        .app
        .detail
        .as_ref()
        .and_then(|d| d.content.as_ref())
        .map(|c| {
            String::from_utf8_lossy(&c.head.bytes)
                .split_whitespace()
                .count()
        })
        .unwrap_or(0);
    let scroll = frames(
        &mut driver,
        &mut terminal,
        back_and_forth(KeyCode::Char('j'), KeyCode::Char('k')),
    );
    key(&mut driver, KeyCode::Esc);
    let moves = frames(
        &mut driver,
        &mut terminal,
        back_and_forth(KeyCode::Char('j'), KeyCode::Char('k')),
    );
    // From the group's first row, 1,000 rows down and back: past the 500-row window's
    // edges, which move it (and rebuild the widget's items) every 250 rows.
    let mut first = group.clone();
    first.push(format!(
        "activities:{}",
        driver.app.tree.group_items(&group).unwrap()[0].id
    ));
    driver.select(first);
    let far = frames(
        &mut driver,
        &mut terminal,
        (0..2000).map(|i| {
            if i < 1000 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            }
        }),
    );
    let row = |what: &str, s: &Stats| {
        println!(
            "| {what} | {:.2} ms | {:.2} ms | {:.2} ms |",
            s.median, s.p99, s.max
        )
    };
    println!("Key → model → finished frame, 200×50:\n");
    println!("| keys | p50 | p99 | max |\n|---|---|---|---|");
    let sequences = [
        (
            format!("j/k scrolling the Markdown pane ({words}-word article), 1,000"),
            &scroll,
        ),
        (
            "j/k moving in the tree, 1,000 (25 down, 25 up)".to_string(),
            &moves,
        ),
        (
            "1,000 j then 1,000 k in the tree (crossing the window's edges)".to_string(),
            &far,
        ),
    ];
    for (what, frames) in &sequences {
        row(what, &frames.whole);
        row("  of which the key (model only)", &frames.model);
        row("  frames the kernel did not preempt", &frames.unpreempted);
    }
    println!();
    for (what, frames) in &sequences {
        println!(
            "{what}: {} frames over 4 ms, {} of them preempted (nonvoluntary context switch).",
            frames.slow.0, frames.slow.1
        );
    }
    println!();
}

/// Pages loaded at the start and at the end as the harness did before (Enter on "load
/// more": the selection moves onto the page's first row, which resolves), to show where
/// that time goes.
const OLD_WAY_PAGES: usize = 20;

/// Loads up to `pages` pages the old way: the milliseconds from Enter to each page in the
/// model, and from then to its first row resolved.
async fn old_way(driver: &mut Driver, group: &[String], pages: usize) -> (Vec<f64>, Vec<f64>) {
    let limit = Duration::from_secs(60);
    let mut more = group.to_vec();
    more.push("+more".into());
    let (mut page_ms, mut resolve_ms) = (Vec::new(), Vec::new());
    while has_more(driver, group) && page_ms.len() < pages {
        driver.select(more.clone());
        let asked = Instant::now();
        key(driver, KeyCode::Enter);
        assert!(driver.settle_until(limit, |a| !a.tree.is_loading()).await);
        page_ms.push(asked.elapsed().as_secs_f64() * 1e3);
        let arrived = Instant::now();
        assert!(driver.settle_until(limit, |a| !a.is_loading()).await);
        resolve_ms.push(arrived.elapsed().as_secs_f64() * 1e3);
    }
    (page_ms, resolve_ms)
}

fn has_more(driver: &Driver, group: &[String]) -> bool {
    driver
        .app
        .tree
        .group_progress(group)
        .is_some_and(|(_, more)| more)
}

/// Opens the period's activities group and loads every page of its `rows` rows. Returns
/// the group's path and the seconds the pages took.
async fn open_every_page(driver: &mut Driver, period: Uuid, rows: usize) -> (Vec<String>, f64) {
    let limit = Duration::from_secs(60);
    driver.settle(limit).await;
    let mut group = driver.app.tree.state.selected().to_vec();
    assert!(
        group.last().unwrap().ends_with(&period.to_string()),
        "{group:?}"
    );
    key(driver, KeyCode::Char('l'));
    driver.settle(limit).await;
    group.push("#activities.deliverable_period_id".into());
    driver.select(group.clone());
    key(driver, KeyCode::Char('l'));
    driver.settle(limit).await;
    let mut more = group.clone();
    more.push("+more".into());
    let started = Instant::now();
    let first = old_way(driver, &group, OLD_WAY_PAGES).await;
    // Most pages as a user can: Enter on "load more", then up onto the group's header
    // while the page comes, so no row is selected and nothing resolves.
    let pages_left = |driver: &Driver| {
        let (loaded, _) = driver.app.tree.group_progress(&group).unwrap();
        rows.saturating_sub(loaded).div_ceil(50)
    };
    while has_more(driver, &group) && pages_left(driver) > OLD_WAY_PAGES {
        driver.select(more.clone());
        key(driver, KeyCode::Enter);
        driver.select(group.clone());
        assert!(
            driver.settle_until(limit, |a| !a.is_loading()).await,
            "a page took over {limit:?}"
        );
    }
    let last = old_way(driver, &group, usize::MAX).await;
    let seconds = started.elapsed().as_secs_f64();
    for (which, (page_ms, resolve_ms)) in [("first", first), ("last", last)] {
        if !page_ms.is_empty() {
            println!(
                "The {which} {} pages the old way (Enter on \"load more\", the selection moves \
                 onto the page's first row): the page {}, then that row's resolve {}.\n",
                page_ms.len(),
                Stats::of(page_ms),
                Stats::of(resolve_ms)
            );
        }
    }
    (group, seconds)
}

fn main() {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let stores = StoreArgs {
            pg: std::env::var("TENANTSCOPE_PG").ok(),
            mongo: std::env::var("TENANTSCOPE_MONGO").ok(),
            bucket: std::env::var("TENANTSCOPE_BUCKET").ok(),
            ..StoreArgs::default()
        };
        let (source, problems) = tenantscope::store::connect::connect(stores).await;
        assert!(problems.is_empty(), "stores: {problems:?}");
        let Source::Live(live) = source.clone() else {
            unreachable!()
        };
        let pg = live.pg.clone().unwrap();
        let large: Uuid =
            sqlx::query_scalar("select id from tenants where slug = 'colossal-media'")
                .fetch_one(&pg)
                .await
                .expect("the large tenant (dev seed --large)");
        let small: Uuid = sqlx::query_scalar(
            "select id from tenants where slug <> 'colossal-media' order by slug limit 1",
        )
        .fetch_one(&pg)
        .await
        .unwrap();
        let only = std::env::args()
            .skip(1)
            .find(|a| !a.is_empty() && !a.starts_with('-'));
        let wants = |part: &str| only.as_deref().is_none_or(|o| o == part);
        if wants("pages") {
            pages(&live, large, small).await;
        }
        let activity = if wants("resolve") {
            resolve(Arc::new(source.clone()), &live, large).await
        } else {
            sqlx::query("select id from activities where tenant_id = $1 and title = 'Article 0'")
                .bind(large)
                .fetch_one(&pg)
                .await
                .unwrap()
                .get(0)
        };
        if wants("ui") {
            ui(source, &live, large, activity).await;
        }
    });
}
