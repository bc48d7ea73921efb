//! The run inspector against the real seeded stores: the model's totals equal SQL sums
//! over the run's `llm_calls` and `tool_calls`, its step order and offsets equal the rows',
//! a snapshot of the tenant gives the same model, the pages walk the run indexes, and
//! `tenantscope run` / `tenantscope diff` print what they promise (the binary run as a
//! script runs it).

mod common;

use std::process::Command;

use common::cli::tenantscope;
use common::{Seeded, seeded_once};
use mongodb::bson::{Document, doc, oid::ObjectId};
use serde_json::Value;
use sqlx::PgPool;
use tenantscope::run::load::{self, load, steps_page};
use tenantscope::run::timeline::{RunModel, known_sum};
use tenantscope::run::{StepKind, parse_micros};
use tenantscope::schema;
use tenantscope::store::Access;
use tenantscope::store::read::Live;
use tenantscope::store::rows::{Order, rows_sql};
use tenantscope::store::source::Source;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("run")
}

async fn live(s: &Seeded) -> Source {
    Source::Live(Live {
        pg: Some(s.stores.pg(Access::ReadOnly).await),
        mongo: Some(s.stores.mongo().await),
        ..Live::default()
    })
}

/// Runs worth looking at: the ones with the most steps, failed and timed-out ones, ones
/// whose tool calls overlap, and retried ones, finished, at most `n` of each kind.
async fn sample_runs(pg: &PgPool, n: i64) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = sqlx::query_scalar(
        "(select r.id from activity_runs r where r.finished_at is not null
           order by (select count(*) from llm_calls c where c.activity_run_id = r.id)
                  + (select count(*) from tool_calls c where c.activity_run_id = r.id) desc, r.id
           limit $1)
         union (select id from activity_runs where status in ('failed', 'timed_out') order by id limit $1)
         union (select distinct a.activity_run_id from tool_calls a join tool_calls b
                  on b.activity_run_id = a.activity_run_id and b.id <> a.id
                 and b.started_at >= a.started_at
                 and b.started_at < a.started_at + a.latency_ms * interval '1 ms'
                 join activity_runs r on r.id = a.activity_run_id and r.finished_at is not null
                 limit $1)
         union (select id from activity_runs where trigger = 'retry' and finished_at is not null order by id limit $1)",
    )
    .bind(n)
    .fetch_all(pg)
    .await
    .unwrap();
    ids.sort();
    ids.dedup();
    ids
}

async fn model(source: &Source, id: Uuid) -> RunModel {
    load(source, id, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("run {id} not found"))
}

#[tokio::test]
async fn totals_equal_sql_sums_over_the_runs_calls() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let source = live(s).await;
    let runs = sample_runs(&pg, 25).await;
    assert!(runs.len() >= 40, "{} runs sampled", runs.len());
    let mut with_overlap = 0;
    let mut with_idle_entries = 0;
    for id in runs {
        let m = model(&source, id).await;
        let t = &m.totals;
        let (llm, prompt, completion, cost, llm_ms, llm_failed): (
            i64,
            i64,
            i64,
            Option<String>,
            i64,
            i64,
        ) = sqlx::query_as(
            "select count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
                    sum(cost_usd)::text, coalesce(sum(latency_ms), 0),
                    count(*) filter (where status <> 'succeeded')
             from llm_calls where activity_run_id = $1",
        )
        .bind(id)
        .fetch_one(&pg)
        .await
        .unwrap();
        let (tool, tool_ms, tool_failed): (i64, i64, i64) = sqlx::query_as(
            "select count(*), coalesce(sum(latency_ms), 0), count(*) filter (where status <> 'succeeded')
             from tool_calls where activity_run_id = $1",
        )
        .bind(id)
        .fetch_one(&pg)
        .await
        .unwrap();
        assert_eq!(t.llm_calls as i64, llm, "{id}");
        assert_eq!(t.tool_calls as i64, tool, "{id}");
        assert_eq!(t.steps as i64, llm + tool, "{id}");
        assert_eq!(t.tokens_in, prompt, "{id}");
        assert_eq!(t.tokens_out, completion, "{id}");
        assert_eq!(
            t.cost_micros,
            cost.as_deref().and_then(parse_micros),
            "{id}: {cost:?}"
        );
        assert_eq!(t.step_ms, llm_ms + tool_ms, "{id}");
        assert_eq!(t.failed as i64, llm_failed + tool_failed, "{id}");
        // The roll-ups add up to the same (fewer than 6 models and tools per run here).
        assert_eq!(
            m.by_model.iter().map(|r| r.calls).sum::<usize>() as i64,
            llm
        );
        assert_eq!(
            known_sum(m.by_model.iter().map(|r| r.cost_micros)),
            t.cost_micros
        );
        assert_eq!(
            m.by_tool.iter().map(|r| r.duration_ms).sum::<i64>(),
            tool_ms
        );
        // Where the time went, by PostgreSQL's own interval arithmetic: the union of the
        // calls' spans clipped to the run is the busy time; the rest is idle.
        let (wall, busy, llm_busy, tool_busy): (i64, i64, i64, i64) = sqlx::query_as(
            "with r as (select started_at s, finished_at e from activity_runs where id = $1),
             c as (select 'llm' k, started_at, latency_ms from llm_calls where activity_run_id = $1
                   union all select 'tool', started_at, latency_ms from tool_calls where activity_run_id = $1),
             spans as (select c.k, tstzrange(greatest(c.started_at, r.s),
                                    least(c.started_at + c.latency_ms * interval '1 ms', r.e)) span
                       from c, r where c.started_at < r.e and c.started_at + c.latency_ms * interval '1 ms' > r.s),
             ms as (select k, (extract(epoch from upper(u) - lower(u)) * 1000)::bigint n
                    from (select k, unnest(range_agg(span)) u from spans group by grouping sets ((k), ())) x)
             select (extract(epoch from (select e - s from r)) * 1000)::bigint,
                    coalesce((select sum(n) from ms where k is null), 0)::bigint,
                    coalesce((select sum(n) from ms where k = 'llm'), 0)::bigint,
                    coalesce((select sum(n) from ms where k = 'tool'), 0)::bigint",
        )
        .bind(id)
        .fetch_one(&pg)
        .await
        .unwrap();
        assert_eq!(t.wall_ms, wall, "{id}");
        assert_eq!(t.time.busy_ms, busy, "{id}");
        assert_eq!(t.time.idle_ms, wall - busy, "{id}");
        assert_eq!(t.time.llm_ms, llm_busy, "{id}");
        assert_eq!(t.time.tool_ms, tool_busy, "{id}");
        with_overlap += usize::from(t.time.overlap_ms > 0);
        with_idle_entries += usize::from(
            m.entries
                .iter()
                .any(|e| matches!(e, tenantscope::run::timeline::Entry::Idle { .. })),
        );
        // The critical path is a chain: each step ends at or before the next starts,
        // and the last one ends last.
        let spans: Vec<(i64, i64)> = m
            .critical
            .iter()
            .map(|&i| (m.steps[i].start_ms.unwrap(), m.steps[i].end_ms().unwrap()))
            .collect();
        assert!(
            spans.windows(2).all(|w| w[0].1 <= w[1].0),
            "{id}: {spans:?}"
        );
        let last_end = m.steps.iter().filter_map(|s| s.end_ms()).max();
        assert_eq!(spans.last().map(|s| s.1), last_end, "{id}");
        assert!(t.critical_ms <= t.time.busy_ms, "{id}");
    }
    assert!(with_overlap > 0, "no sampled run has overlapping steps");
    assert!(with_idle_entries > 0, "no sampled run has a long idle gap");
}

#[tokio::test]
async fn step_order_and_offsets_equal_the_rows() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let source = live(s).await;
    for id in sample_runs(&pg, 10).await {
        let m = model(&source, id).await;
        let rows: Vec<(String, Uuid, String, i64, i32)> = sqlx::query_as(
            "select c.k, c.id, c.name,
                    trunc(extract(epoch from c.started_at - r.started_at) * 1000)::bigint, c.latency_ms
             from (select 'llm' k, id, model name, started_at, latency_ms, activity_run_id from llm_calls
                   union all select 'tool', id, tool_name, started_at, latency_ms, activity_run_id from tool_calls) c
             join activity_runs r on r.id = c.activity_run_id
             where r.id = $1 order by c.started_at, c.k, c.id",
        )
        .bind(id)
        .fetch_all(&pg)
        .await
        .unwrap();
        let got: Vec<(String, Uuid, String, i64, i32)> = m
            .steps
            .iter()
            .map(|s| {
                (
                    s.row.kind.name().to_string(),
                    s.row.id,
                    s.row.name.clone(),
                    s.start_ms.unwrap(),
                    s.duration_ms.unwrap() as i32,
                )
            })
            .collect();
        assert_eq!(got, rows, "{id}");
        // The seeded data has no step without timing or starting before its run.
        assert!(
            m.steps.iter().all(|s| s.start_ms.unwrap() >= 0),
            "{id}: a step before its run"
        );
    }
}

#[tokio::test]
async fn the_cause_is_the_failed_step_with_the_runs_error() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let source = live(s).await;
    // Failed runs whose error_message is, word for word, a failed tool call's error.
    let caused: Vec<(Uuid, String)> = sqlx::query_as(
        "select r.id, r.error_message from activity_runs r
         where r.status = 'failed' and exists (select 1 from tool_calls c where c.activity_run_id = r.id
           and c.status <> 'succeeded' and c.error = r.error_message)
         order by r.id limit 20",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    assert!(
        caused.len() >= 3,
        "{} runs with a causing step",
        caused.len()
    );
    for (id, error) in caused {
        let m = model(&source, id).await;
        let cause = &m.steps[m.cause.unwrap_or_else(|| panic!("{id}: no cause"))];
        assert!(cause.cause);
        assert!(cause.row.failed());
        assert_eq!(cause.row.error.as_deref(), Some(error.as_str()));
        assert_eq!(m.steps.iter().filter(|s| s.cause).count(), 1);
    }
    // A run with no error has no cause.
    let ok: Uuid = sqlx::query_scalar(
        "select id from activity_runs where status = 'succeeded' order by id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert_eq!(model(&source, ok).await.cause, None);
}

/// (id, run number, trigger, status, duration, cost in millionths)
type Sibling = (Uuid, i32, String, String, Option<i64>, Option<i64>);

#[tokio::test]
async fn retries_are_the_other_runs_of_the_activity() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let source = live(s).await;
    let (id, activity): (Uuid, Uuid) = sqlx::query_as(
        "select id, activity_id from activity_runs where trigger = 'retry' order by run_number desc, id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let others: Vec<(Uuid, i32, String, String, Option<i64>, String)> = sqlx::query_as(
        "select id, run_number, trigger, status, duration_ms, cost_usd::text from activity_runs
         where activity_id = $1 and id <> $2 order by run_number, started_at, id",
    )
    .bind(activity)
    .bind(id)
    .fetch_all(&pg)
    .await
    .unwrap();
    assert!(!others.is_empty());
    let m = model(&source, id).await;
    let got: Vec<Sibling> = m
        .retries
        .iter()
        .map(|r| {
            (
                r.id,
                r.run_number.unwrap() as i32,
                r.trigger.clone(),
                r.status.clone(),
                r.duration_ms,
                r.cost_micros,
            )
        })
        .collect();
    let want: Vec<Sibling> = others
        .into_iter()
        .map(|(id, n, t, s, d, c)| (id, n, t, s, d, parse_micros(&c)))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn steps_come_in_keyset_pages_along_the_run_indexes() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let source = live(s).await;
    // Pages of 2 give the same rows, either way, as one read.
    let (run, n): (Uuid, i64) = sqlx::query_as(
        "select activity_run_id, count(*) from tool_calls group by 1 order by 2 desc, 1 limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert!(n >= 3, "a run with {n} tool calls");
    for (order, sql_order) in [
        (Order::NewestFirst, "created_at desc, id desc"),
        (Order::OldestFirst, "created_at, id"),
    ] {
        let mut ids = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let page = steps_page(&source, StepKind::Tool, run, after, order, 2)
                .await
                .unwrap();
            assert!(page.steps.len() <= 2);
            ids.extend(page.steps.iter().map(|s| s.id));
            pages += 1;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let want: Vec<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select id from tool_calls where activity_run_id = $1 order by {sql_order}"
        )))
        .bind(run)
        .fetch_all(&pg)
        .await
        .unwrap();
        assert_eq!(ids, want, "{order:?}");
        assert_eq!(pages, (n as usize).div_ceil(2));
    }

    // Each page query can be served by the run index in its order, first page and later
    // ones, either way (on a run this small the planner would rather sort a few rows:
    // scans and sorts are priced out so the plan shows what the index can do; a Sort
    // left in the plan means it cannot).
    let mut conn = pg.acquire().await.unwrap();
    for setting in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("set {setting} = off")))
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    for (table, column, index) in [
        ("llm_calls", "activity_run_id", "llm_calls_run_idx"),
        ("tool_calls", "activity_run_id", "tool_calls_run_idx"),
        ("activity_runs", "activity_id", "activity_runs_activity_idx"),
    ] {
        for (keyset, order) in [
            (false, Order::NewestFirst),
            (true, Order::NewestFirst),
            (false, Order::OldestFirst),
            (true, Order::OldestFirst),
        ] {
            let sql = rows_sql(schema::table(table).unwrap(), column, keyset, order, 1000).unwrap();
            let mut query = sqlx::query_scalar::<_, Value>(sqlx::AssertSqlSafe(format!(
                "explain (format json) {sql}"
            )))
            .bind(run);
            if keyset {
                query = query.bind(chrono::Utc::now()).bind(Uuid::nil());
            }
            let plan = query.fetch_one(&mut *conn).await.unwrap().to_string();
            // Read in the index's order, not sorted afterwards.
            assert!(
                !plan.contains("Seq Scan") && !plan.contains("\"Node Type\":\"Sort\""),
                "{table} keyset={keyset} {order:?}: {plan}"
            );
            assert!(
                plan.contains(&format!("\"Index Name\":\"{index}\"")),
                "{table} keyset={keyset}: {plan}"
            );
        }
    }
    // The detector is not blind: an order the index does not have leaves a Sort.
    let plan: Value = sqlx::query_scalar(
        "explain (format json) select id from llm_calls where activity_run_id = $1 order by started_at limit 10",
    )
    .bind(run)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(
        plan.to_string().contains("\"Node Type\":\"Sort\""),
        "{plan}"
    );
    // Only declared foreign keys can be paged on.
    assert!(
        rows_sql(
            schema::table("tool_calls").unwrap(),
            "status",
            false,
            Order::NewestFirst,
            10
        )
        .is_err()
    );
}

#[tokio::test]
async fn a_snapshot_of_the_tenant_gives_the_same_model() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (tenant, slug): (Uuid, String) =
        sqlx::query_as("select id, slug from tenants order by created_at, id limit 1")
            .fetch_one(&pg)
            .await
            .unwrap();
    let Source::Live(live_stores) = live(s).await else {
        unreachable!()
    };
    let live_stores = Live {
        s3: Some((s.stores.s3().await, s.stores.bucket.clone())),
        ..live_stores
    };
    let dir = std::env::temp_dir().join(format!("tenantscope-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenant.tsnap");
    let _ = std::fs::remove_file(&file);
    tenantscope::snapshot::export(
        &live_stores,
        &slug,
        &file,
        tenantscope::snapshot::ExportOptions {
            max_object_bytes: 1_000_000,
            redact_pii: false,
        },
        "test",
        false,
    )
    .await
    .unwrap();
    let snapshot = Source::Snapshot(
        tenantscope::store::snapshot::Snapshot::open(&file)
            .await
            .unwrap(),
    );
    let source = Source::Live(live_stores);
    let runs: Vec<Uuid> = sample_runs(&pg, 25).await.into_iter().collect::<Vec<_>>();
    let mut compared = 0;
    let now = chrono::Utc::now();
    for id in runs {
        let tenant_of: Uuid =
            sqlx::query_scalar("select tenant_id from activity_runs where id = $1")
                .bind(id)
                .fetch_one(&pg)
                .await
                .unwrap();
        if tenant_of != tenant {
            assert!(
                load(&snapshot, id, now).await.unwrap().is_none(),
                "another tenant's run is not in the snapshot"
            );
            continue;
        }
        let a = load(&source, id, now).await.unwrap().unwrap();
        let b = load(&snapshot, id, now).await.unwrap().unwrap();
        assert_eq!(a.run, b.run, "{id}");
        assert_eq!(a.steps, b.steps, "{id}");
        assert_eq!(a.totals, b.totals, "{id}");
        assert_eq!(a.entries, b.entries, "{id}");
        assert_eq!(a.critical, b.critical, "{id}");
        assert_eq!(a.retries, b.retries, "{id}");
        compared += 1;
    }
    assert!(compared >= 5, "{compared} runs compared");
    // Later pages in a snapshot too.
    let (run, n): (Uuid, i64) = sqlx::query_as(
        "select c.activity_run_id, count(*) from llm_calls c where c.tenant_id = $1
         group by 1 order by 2 desc, 1 limit 1",
    )
    .bind(tenant)
    .fetch_one(&pg)
    .await
    .unwrap();
    let first = steps_page(&snapshot, StepKind::Llm, run, None, Order::NewestFirst, 1)
        .await
        .unwrap();
    let second = steps_page(
        &snapshot,
        StepKind::Llm,
        run,
        first.next,
        Order::NewestFirst,
        1,
    )
    .await
    .unwrap();
    let live_two = steps_page(&source, StepKind::Llm, run, None, Order::NewestFirst, 2)
        .await
        .unwrap();
    assert!(n >= 2);
    assert_eq!(
        [first.steps[0].id, second.steps[0].id],
        [live_two.steps[0].id, live_two.steps[1].id]
    );
    let _ = std::fs::remove_file(&file);
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn run_prints_the_header_and_one_step_per_line() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    // A failed run that was retried, with a causing tool call: every part of the output
    // has something.
    let id: Uuid = sqlx::query_scalar(
        "select r.id from activity_runs r where r.status = 'failed'
           and exists (select 1 from activity_runs o where o.activity_id = r.activity_id and o.id <> r.id)
           and exists (select 1 from tool_calls c where c.activity_run_id = r.id and c.error = r.error_message)
         order by r.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let (llm, tool): (i64, i64) = sqlx::query_as(
        "select (select count(*) from llm_calls where activity_run_id = $1),
                (select count(*) from tool_calls where activity_run_id = $1)",
    )
    .bind(id)
    .fetch_one(&pg)
    .await
    .unwrap();

    let ran = tenantscope(&s.stores, &["run", &id.to_string(), "--json"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let got: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(
        keys(&got),
        [
            "by_model", "by_tool", "idle", "retries", "run", "steps", "totals"
        ]
    );
    assert_eq!(got["run"]["id"], id.to_string().as_str());
    assert_eq!(got["run"]["status"], "failed");
    let steps = got["steps"].as_array().unwrap();
    assert_eq!(steps.len() as i64, llm + tool);
    for step in steps {
        for key in [
            "kind",
            "id",
            "name",
            "start_ms",
            "duration_ms",
            "tokens_in",
            "tokens_out",
            "cost_usd",
            "status",
            "error",
            "critical",
        ] {
            assert!(step.get(key).is_some(), "{key} missing in {step}");
        }
        assert!(step["start_ms"].is_i64() && step["duration_ms"].is_i64());
        assert!(step["critical"].is_boolean());
        match step["kind"].as_str().unwrap() {
            "llm" => assert!(step["tokens_in"].is_i64() && step["cost_usd"].is_f64()),
            "tool" => assert!(step["tokens_in"].is_null() && step["cost_usd"].is_null()),
            other => panic!("kind {other}"),
        }
    }
    let starts: Vec<i64> = steps
        .iter()
        .map(|s| s["start_ms"].as_i64().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    let critical = steps.iter().filter(|s| s["critical"] == true).count();
    assert_eq!(got["totals"]["critical_steps"], critical);
    assert!(critical >= 1);
    assert_eq!(got["totals"]["llm_calls"], llm);
    assert_eq!(got["totals"]["tool_calls"], tool);
    let cause = got["totals"]["cause"].as_str().expect("a cause");
    let caused = steps.iter().find(|s| s["id"] == cause).unwrap();
    assert_eq!(caused["cause"], true);
    assert_eq!(caused["error"], got["run"]["error_message"]);
    let retries = got["retries"].as_array().unwrap();
    assert!(!retries.is_empty());
    assert_eq!(
        keys(&retries[0]),
        [
            "cost_usd",
            "duration_ms",
            "id",
            "run_number",
            "started_at",
            "status",
            "trigger"
        ]
    );
    assert!(retries.iter().all(|r| r["id"] != id.to_string().as_str()));

    // Text: the header, then one line per step naming its row.
    let ran = tenantscope(&s.stores, &["run", &id.to_string()]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(
        lines[0].starts_with(&format!("activity_runs/{id} · run #")),
        "{}",
        lines[0]
    );
    assert!(ran.stdout.contains("\ntime: LLM calls "));
    assert!(ran.stdout.contains("\ncritical path: "));
    assert!(
        ran.stdout
            .contains(&format!("\ncause: tool_calls/{cause} "))
    );
    for step in steps {
        let row = format!(
            "{}/{}",
            if step["kind"] == "llm" {
                "llm_calls"
            } else {
                "tool_calls"
            },
            step["id"].as_str().unwrap()
        );
        let matching: Vec<&&str> = lines
            .iter()
            .filter(|l| l.contains(&format!(" · {row}")))
            .collect();
        assert_eq!(matching.len(), 1, "{row}:\n{}", ran.stdout);
        let offset = step["start_ms"].as_i64().unwrap();
        let shown = format!(
            "+{}:{:02}.{:03}",
            offset / 60_000,
            (offset / 1000) % 60,
            offset % 1000
        );
        assert!(matching[0].contains(&shown), "{shown} in {}", matching[0]);
    }
    assert!(ran.stdout.contains("\nother runs of this activity:\n"));

    // Not found: 1, with where it looked; not an id: 2.
    let ran = tenantscope(&s.stores, &["run", &Uuid::new_v4().to_string()]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("not found; looked in activity_runs"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.is_empty());
    let ran = tenantscope(&s.stores, &["run", "not-a-run"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("is not an activity run id"),
        "{}",
        ran.stderr
    );
}

/// An activity with a failed run and, later, a succeeded one: the failing run and the
/// last good one.
async fn failing_and_good(pg: &PgPool) -> (Uuid, Uuid) {
    sqlx::query_as(
        "select f.id, g.id from activity_runs f join activity_runs g
           on g.activity_id = f.activity_id and g.status = 'succeeded' and g.run_number > f.run_number
         where f.status = 'failed'
           and exists (select 1 from tool_calls where activity_run_id = f.id)
           and exists (select 1 from tool_calls where activity_run_id = g.id)
         order by f.id limit 1",
    )
    .fetch_one(pg)
    .await
    .unwrap()
}

#[tokio::test]
async fn diff_aligns_two_runs_and_compares_their_tool_requests() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let db = s.stores.mongo().await;
    let (failing, good) = failing_and_good(&pg).await;
    let ran = tenantscope(
        &s.stores,
        &["diff", &good.to_string(), &failing.to_string(), "--json"],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let got: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(keys(&got), ["a", "b", "counts", "steps", "totals"]);
    assert_eq!(got["a"]["id"], good.to_string().as_str());
    assert_eq!(got["b"]["id"], failing.to_string().as_str());
    let steps = got["steps"].as_array().unwrap();
    let count = |c: &str| steps.iter().filter(|s| s["change"] == c).count();
    let (aligned, added, removed) = (count("aligned"), count("added"), count("removed"));
    assert_eq!(got["counts"]["aligned"], aligned);
    assert_eq!(got["counts"]["added"], added);
    assert_eq!(got["counts"]["removed"], removed);
    assert_eq!(
        aligned + removed,
        got["totals"]["a"]["steps"].as_u64().unwrap() as usize
    );
    assert_eq!(
        aligned + added,
        got["totals"]["b"]["steps"].as_u64().unwrap() as usize
    );
    let delta =
        |k: &str| got["totals"]["b"][k].as_i64().unwrap() - got["totals"]["a"][k].as_i64().unwrap();
    assert_eq!(got["totals"]["delta"]["tokens_in"], delta("tokens_in"));
    assert_eq!(got["totals"]["delta"]["wall_ms"], delta("wall_ms"));
    for step in steps {
        match step["change"].as_str().unwrap() {
            "aligned" => {
                assert_eq!(step["a"]["kind"], step["b"]["kind"]);
                assert_eq!(step["a"]["name"], step["b"]["name"]);
                assert_eq!(
                    step["delta"]["duration_ms"].as_i64().unwrap(),
                    step["b"]["duration_ms"].as_i64().unwrap()
                        - step["a"]["duration_ms"].as_i64().unwrap()
                );
                let changed = step["a"]["status"] != step["b"]["status"];
                assert_eq!(step["delta"]["status"].is_array(), changed);
            }
            "added" => assert!(step["a"].is_null() && step["b"].is_object()),
            "removed" => assert!(step["b"].is_null() && step["a"].is_object()),
            other => panic!("change {other}"),
        }
    }
    // Each aligned pair of tool calls with both logs: the changed paths are the ones
    // where the two logs' requests, responses and errors differ, checked here on the
    // documents themselves.
    let mut checked = 0;
    for step in steps
        .iter()
        .filter(|s| s["change"] == "aligned" && s["kind"] == "tool")
    {
        let Some(changes) = step.get("documents") else {
            assert!(step["document_error"].is_string(), "{step}");
            continue;
        };
        let log = |side: &str| {
            let oid = ObjectId::parse_str(step[side]["log_ref"].as_str().unwrap()).unwrap();
            let db = db.clone();
            async move {
                db.collection::<Document>("tool_call_logs")
                    .find_one(doc! { "_id": oid })
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let (la, lb) = (log("a").await, log("b").await);
        for change in changes.as_array().unwrap() {
            let path = change["path"].as_str().unwrap();
            let top = path.split(['.', '[']).next().unwrap();
            assert!(["request", "response", "error"].contains(&top), "{path}");
            assert_ne!(change["a"], change["b"], "{path}");
        }
        let differs = la.get("request") != lb.get("request")
            || la.get("response") != lb.get("response")
            || la.get("error") != lb.get("error");
        assert_eq!(!changes.as_array().unwrap().is_empty(), differs, "{step}");
        checked += 1;
    }
    assert!(checked > 0, "no aligned tool pair compared");

    // Text: both runs, the counts, one line per aligned or one-sided step.
    let ran = tenantscope(
        &s.stores,
        &["diff", &good.to_string(), &failing.to_string()],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.starts_with(&format!("a: activity_runs/{good} ")));
    assert!(
        ran.stdout
            .contains(&format!("\nb: activity_runs/{failing} "))
    );
    let step_lines = ran
        .stdout
        .lines()
        .filter(|l| ["= ", "~ ", "+ ", "- "].iter().any(|m| l.starts_with(m)))
        .count();
    assert_eq!(step_lines, steps.len());

    // One of them not found: 1.
    let ran = tenantscope(
        &s.stores,
        &["diff", &good.to_string(), &Uuid::new_v4().to_string()],
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
}

#[tokio::test]
async fn runs_and_diffs_read_snapshot_files_too() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (failing, good) = failing_and_good(&pg).await;
    let tenant: String = sqlx::query_scalar(
        "select t.slug from tenants t join activity_runs r on r.tenant_id = t.id where r.id = $1",
    )
    .bind(failing)
    .fetch_one(&pg)
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("tenantscope-run-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.tsnap");
    let _ = std::fs::remove_file(&file);
    let ran = tenantscope(
        &s.stores,
        &[
            "snapshot",
            "--tenant",
            &tenant,
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let snap = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tenantscope"))
            .args(["--snapshot", file.to_str().unwrap()])
            .args(args)
            .env_remove("TENANTSCOPE_CONFIG")
            .env_remove("TENANTSCOPE_PG")
            .env(
                "XDG_CONFIG_HOME",
                std::env::temp_dir().join("tenantscope-no-config"),
            )
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    for args in [
        vec!["run".to_string(), failing.to_string(), "--json".into()],
        vec![
            "diff".to_string(),
            good.to_string(),
            failing.to_string(),
            "--json".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let live = tenantscope(&s.stores, &args);
        let (code, stdout) = snap(&args);
        assert_eq!((code, live.code), (0, 0), "{args:?}: {}", live.stderr);
        assert_eq!(
            serde_json::from_str::<Value>(&stdout).unwrap(),
            serde_json::from_str::<Value>(&live.stdout).unwrap(),
            "{args:?}"
        );
    }
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn siblings_are_capped() {
    let s = seeded();
    let source = live(s).await;
    let pg = s.stores.pg(Access::ReadOnly).await;
    let activity: Uuid = sqlx::query_scalar(
        "select activity_id from activity_runs group by 1 having count(*) >= 3 order by 1 limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert_eq!(
        load::runs_of_activity(&source, activity, 2)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        load::runs_of_activity(&source, activity, 100)
            .await
            .unwrap()
            .len()
            >= 3
    );
}

/// The generator's showcase (`src/seed/generate/showcase.rs`): in every tenant, a good
/// manual re-run and a failing one of the same plan, with known answers.
#[tokio::test]
async fn the_showcase_runs_have_the_known_timeline_and_diff() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let source = live(s).await;
    let pairs: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "select g.id, b.id, b.error_message from activity_runs b
         join activity_runs g on g.activity_id = b.activity_id and g.run_number = b.run_number - 1
         where b.trigger = 'manual' and b.status = 'failed' and g.status = 'succeeded'
           and b.error_message like 'HTTP 404 Not Found: GET %/pricing/enterprise'
         order by b.tenant_id",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let tenants: i64 = sqlx::query_scalar("select count(*) from tenants")
        .fetch_one(&pg)
        .await
        .unwrap();
    assert_eq!(pairs.len() as i64, tenants, "one showcase per tenant");
    for (good, bad, error) in pairs {
        let g = model(&source, good).await;
        let names: Vec<&str> = g.steps.iter().map(|s| s.row.name.as_str()).collect();
        assert_eq!(names[1..4], ["web_search", "fetch_url", "keyword_research"]);
        let t = &g.totals;
        assert_eq!(t.wall_ms, 42_500);
        assert_eq!(t.time.overlap_ms, 3_150, "three tool calls in parallel");
        assert_eq!(t.time.idle_ms, 1_450);
        assert_eq!(t.critical_ms, 41_000);
        assert_eq!(g.critical, [0, 2, 4, 5, 6]);
        assert!(
            g.entries
                .iter()
                .all(|e| matches!(e, tenantscope::run::timeline::Entry::Step(_)))
        );
        assert_eq!(g.cause, None);

        let b = model(&source, bad).await;
        let t = &b.totals;
        assert_eq!(t.wall_ms, 75_200);
        assert_eq!(t.failed, 2);
        // The second 404 is the cause (the run's error is its error, word for word).
        assert_eq!(b.cause, Some(5));
        assert_eq!(b.steps[5].row.error.as_deref(), Some(error.as_str()));
        assert_eq!(b.critical, [0, 3, 4, 5]);
        // The minute of back-off is an idle entry.
        assert!(
            b.entries
                .contains(&tenantscope::run::timeline::Entry::Idle {
                    start_ms: 13_900,
                    duration_ms: 60_100
                })
        );
        // Both runs list each other as retries.
        assert!(g.retries.iter().any(|r| r.id == bad));
        assert!(b.retries.iter().any(|r| r.id == good));

        let ran = tenantscope(
            &s.stores,
            &["diff", &good.to_string(), &bad.to_string(), "--json"],
        );
        assert_eq!(ran.code, 0, "{}", ran.stderr);
        let got: Value = serde_json::from_str(&ran.stdout).unwrap();
        assert_eq!(got["counts"]["aligned"], 5);
        assert_eq!(got["counts"]["removed"], 2);
        assert_eq!(got["counts"]["added"], 1);
        assert_eq!(got["counts"]["status_changes"], 1);
        let fetch = got["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["change"] == "aligned" && s["name"] == "fetch_url")
            .unwrap();
        assert_eq!(
            fetch["delta"]["status"],
            serde_json::json!(["succeeded", "failed"])
        );
        let paths: Vec<(&str, &str)> = fetch["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["path"].as_str().unwrap(), c["change"].as_str().unwrap()))
            .collect();
        assert!(paths.contains(&("request.url", "changed")), "{paths:?}");
        assert!(paths.contains(&("response.status", "changed")), "{paths:?}");
        assert!(paths.contains(&("error", "changed")), "{paths:?}");
        // The other aligned tool calls asked the same and got the same.
        for step in got["steps"].as_array().unwrap() {
            if step["change"] == "aligned" && step["kind"] == "tool" && step["name"] != "fetch_url"
            {
                assert_eq!(step["documents"], serde_json::json!([]), "{step}");
            }
        }
    }
}

/// The built-in demo (a snapshot the generator writes) has the showcase too, and the
/// inspector reads it with no server.
#[tokio::test]
async fn the_demo_has_the_showcase_runs() {
    let dir = std::env::temp_dir().join(format!("tenantscope-run-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("demo.tsnap");
    let _ = std::fs::remove_file(&file);
    tenantscope::snapshot::write_demo(&file).await.unwrap();
    // The failing showcase runs, found in the file itself.
    let sqlite = sqlx::sqlite::SqlitePool::connect(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .unwrap();
    let failing: Vec<String> = sqlx::query_scalar(
        "select id from rows where tbl = 'activity_runs' and status = 'failed'
           and label like '%HTTP 404 Not Found: GET %/pricing/enterprise%' order by id",
    )
    .fetch_all(&sqlite)
    .await
    .unwrap();
    sqlite.close().await;
    assert!(!failing.is_empty(), "no showcase run in the demo");
    let source = Source::Snapshot(
        tenantscope::store::snapshot::Snapshot::open(&file)
            .await
            .unwrap(),
    );
    for id in failing {
        let m = model(&source, id.parse().unwrap()).await;
        assert_eq!(m.totals.wall_ms, 75_200);
        assert_eq!(m.cause, Some(5));
        assert_eq!(m.critical, [0, 3, 4, 5]);
        let good = m
            .retries
            .iter()
            .find(|r| r.run_number == m.run.run_number.map(|n| n - 1))
            .expect("the good run before it");
        assert_eq!(good.status, "succeeded");
        assert_eq!(good.duration_ms, Some(42_500));
    }
    let _ = std::fs::remove_file(&file);
}

/// The showcase's long run: after the failing one, a run of 300–400 steps whose tool
/// calls overlap, whose only failed step (a rate-limited fetch) is retried with the same
/// request, and which wrote a second version of the activity's output when it ended.
#[tokio::test]
async fn the_showcase_long_run_has_hundreds_of_steps_and_one_retried_failure() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let db = s.stores.mongo().await;
    let source = live(s).await;
    let runs: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as(
        "select l.id, l.activity_id, b.id from activity_runs b
         join activity_runs l on l.activity_id = b.activity_id and l.run_number = b.run_number + 1
         where b.error_message like 'HTTP 404 Not Found: GET %/pricing/enterprise'
         order by b.tenant_id",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    assert!(!runs.is_empty());
    for (long, activity, bad) in runs {
        let m = model(&source, long).await;
        assert_eq!(m.run.status, "succeeded");
        assert!((300..=400).contains(&m.totals.steps), "{}", m.totals.steps);
        assert!(m.totals.time.overlap_ms > 0);
        assert!(m.retries.iter().any(|r| r.id == bad));
        let failed = m.failed_steps();
        assert_eq!(failed.len(), 1);
        let f = &m.steps[failed[0]];
        assert_eq!(f.row.name, "fetch_url");
        assert!(f.row.error.as_deref().unwrap().starts_with("HTTP 429"));
        let request = |step: &tenantscope::run::timeline::Step| {
            let oid = ObjectId::parse_str(step.row.log_ref.as_deref().unwrap()).unwrap();
            let db = db.clone();
            async move {
                db.collection::<Document>("tool_call_logs")
                    .find_one(doc! { "_id": oid })
                    .await
                    .unwrap()
                    .unwrap()
                    .get_document("request")
                    .unwrap()
                    .clone()
            }
        };
        let asked = request(f).await;
        let mut retried = false;
        for later in m.steps[failed[0] + 1..]
            .iter()
            .filter(|s| s.row.name == "fetch_url")
        {
            if request(later).await == asked {
                retried = true;
                assert!(later.start_ms.unwrap() >= f.end_ms().unwrap());
            }
        }
        assert!(retried, "the rate-limited fetch is asked again");
        // Version 2 of the activity's output, written when the run ended.
        let v2 = db
            .collection::<Document>("activity_outputs")
            .find_one(doc! { "activityId": activity.to_string(), "version": 2 })
            .await
            .unwrap()
            .expect("the second output version");
        assert_eq!(
            v2.get_datetime("createdAt").unwrap().timestamp_millis(),
            m.run.finished_at.unwrap().timestamp_millis()
        );
    }
}
