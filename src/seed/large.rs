//! `dev seed --large`: one very large tenant, for the benchmarks (BENCHMARKS.md): 10M
//! activity runs with their LLM and tool calls (about 40M rows), about 1M MongoDB documents
//! and 100,000 S3 objects. The rows are generated inside PostgreSQL (`insert … select` over
//! `generate_series`, ids from `md5`), so seeding costs what the server needs to write
//! them, not a client round trip per batch; documents and objects are then read back from
//! those rows and written by the drivers. Deterministic: the same ids every time.
//!
//! Shapes the benchmarks look for: period 0 has 100,000 top-level activities; activity 0
//! has 10,000 runs; run 0 has 1,000 LLM calls; activity 0's output is a 5,000-word
//! Markdown article of about 50 KB.

use std::time::Instant;

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use futures::{StreamExt, TryStreamExt};
use mongodb::bson::{Document, doc, oid::ObjectId};
use sqlx::PgPool;
use uuid::Uuid;

use super::write::Targets;

/// Row counts of the large tenant.
pub const ACTIVITIES: i64 = 200_000;
pub const BIG_PERIOD_ACTIVITIES: i64 = 100_000;
pub const RUNS: i64 = 10_000_000;
pub const BIG_ACTIVITY_RUNS: i64 = 10_000;
pub const BIG_RUN_LLM_CALLS: i64 = 1_000;
/// Activities whose output is an S3 object (the first ones, all in period 0).
pub const OBJECTS: i64 = 100_000;

/// The tenant's id (also `md5('large:tenant')`): stable, so benchmarks can name it.
pub const TENANT_SLUG: &str = "colossal-media";

/// The SQL that builds the large tenant's rows, in dependency order. `$T` is the tenant.
/// `u(kind, n)` is the row id of the n-th `kind`, the same in every statement.
const ROWS: &[(&str, &str)] = &[
    (
        "id function",
        "create or replace function pg_temp.u(kind text, n bigint) returns uuid
         language sql immutable as $$ select md5(kind || ':' || n)::uuid $$",
    ),
    (
        "tenant",
        "insert into tenants (id, name, slug, status, plan, industry, created_at)
         values (pg_temp.u('tenant', 0), 'Colossal Media', 'colossal-media', 'active', 'enterprise',
                 'media', '2020-01-01T00:00:00Z')",
    ),
    (
        "users",
        "insert into users (id, tenant_id, email, full_name, role, status, created_at)
         select pg_temp.u('user', n), pg_temp.u('tenant', 0), 'user' || n || '@colossal.example',
                'User ' || n, case when n = 0 then 'owner' else 'member' end, 'active',
                '2020-01-02T00:00:00Z'::timestamptz + n * interval '1 hour'
         from generate_series(0, 19) n",
    ),
    (
        "strategies",
        "insert into strategies (id, tenant_id, title, version, status, created_at)
         select pg_temp.u('strategy', n), pg_temp.u('tenant', 0), 'Strategy ' || n, 1, 'active',
                '2020-02-01T00:00:00Z'::timestamptz + n * interval '1 day'
         from generate_series(0, 9) n",
    ),
    (
        "goals",
        "insert into goals (id, tenant_id, strategy_id, title, metric, status, priority, created_at)
         select pg_temp.u('goal', n), pg_temp.u('tenant', 0), pg_temp.u('strategy', n / 10),
                'Goal ' || n, 'organic sessions', 'on_track', 'high',
                '2020-03-01T00:00:00Z'::timestamptz + n * interval '1 hour'
         from generate_series(0, 99) n",
    ),
    (
        "deliverables",
        "insert into deliverables (id, tenant_id, goal_id, strategy_id, title, kind, cadence,
                                   quantity_per_period, status, created_at)
         select pg_temp.u('deliverable', n), pg_temp.u('tenant', 0), pg_temp.u('goal', n / 10),
                pg_temp.u('strategy', n / 100), 'Deliverable ' || n, 'blog_post', 'weekly', 10,
                'active', '2020-04-01T00:00:00Z'::timestamptz + n * interval '1 minute'
         from generate_series(0, 999) n",
    ),
    (
        "periods",
        "insert into deliverable_periods (id, tenant_id, deliverable_id, period_start, period_end,
                                          planned_count, completed_count, status, created_at)
         select pg_temp.u('period', n), pg_temp.u('tenant', 0), pg_temp.u('deliverable', n / 10),
                date '2021-01-04' + (n % 10) * 7, date '2021-01-10' + (n % 10) * 7, 10, 0,
                'completed', '2021-01-01T00:00:00Z'::timestamptz + n * interval '1 minute'
         from generate_series(0, 9999) n",
    ),
    (
        "activities",
        "insert into activities (id, tenant_id, deliverable_period_id, title, kind, status,
                                 output_ref, created_at)
         select pg_temp.u('activity', n), pg_temp.u('tenant', 0),
                pg_temp.u('period', case when n < 100000 then 0 else 1 + n % 9999 end),
                'Article ' || n, 'write', 'done', substr(md5('output:' || n), 1, 24),
                '2022-01-01T00:00:00Z'::timestamptz + n * interval '1 second'
         from generate_series(0, 199999) n",
    ),
    (
        "activity runs",
        "insert into activity_runs (id, tenant_id, activity_id, run_number, status, trigger,
                                    started_at, finished_at, duration_ms, model, total_tokens,
                                    cost_usd, error_message, created_at)
         select pg_temp.u('run', n), pg_temp.u('tenant', 0),
                pg_temp.u('activity', case when n < 10000 then 0 else 1 + n % 199999 end),
                n / 199999 + 1, s.status, 'schedule', at, at + interval '40 seconds', 40000,
                'gpt-4o', 3000, 0.03,
                case when s.status in ('failed', 'timed_out') then 'upstream error' end, at
         from generate_series(0, 9999999) n,
              lateral (select '2023-01-01T00:00:00Z'::timestamptz + n * interval '2 seconds' as at) t,
              lateral (select case when n % 100 < 3 then 'failed' when n % 100 = 3 then 'timed_out'
                                   when n % 1000 = 4 then 'running' else 'succeeded' end as status) s",
    ),
    (
        "llm calls",
        "insert into llm_calls (id, tenant_id, activity_run_id, provider, model, prompt_tokens,
                                completion_tokens, cost_usd, latency_ms, status, started_at,
                                created_at)
         select pg_temp.u('llm', n), pg_temp.u('tenant', 0),
                pg_temp.u('run', case when n < 1000 then 0 else (n - 1000) / 2 + 1 end),
                'openai', 'gpt-4o', 1000, 500, 0.015, 2000, 'succeeded', at, at
         from generate_series(0, 19999999 + 1000) n,
              lateral (select '2023-01-01T00:00:00Z'::timestamptz + n * interval '1 second' as at) t
         where n < 1000 or (n - 1000) / 2 + 1 < 10000000",
    ),
    (
        "tool calls",
        "insert into tool_calls (id, tenant_id, activity_run_id, tool_name, status, latency_ms,
                                 started_at, summary, log_ref, created_at)
         select pg_temp.u('tool', n), pg_temp.u('tenant', 0), pg_temp.u('run', n), 'web_search',
                'succeeded', 900, at, 'searched the web',
                case when n % 12 = 0 then substr(md5('log:' || n), 1, 24) end, at
         from generate_series(0, 9999999) n,
              lateral (select '2023-01-01T00:00:00Z'::timestamptz + n * interval '2 seconds' + interval '1 second' as at) t",
    ),
];

/// What the large seed wrote, and how long each part took.
#[derive(Debug, Default)]
pub struct LargeReport {
    pub tenant: Uuid,
    pub rows: i64,
    pub documents: u64,
    pub objects: u64,
    pub steps: Vec<(String, f64)>,
}

/// A deterministic article of about `words` words: headings, paragraphs, a list.
pub fn article(title: &str, words: usize, seed: u64) -> String {
    const WORDS: &[&str] = &[
        "content",
        "search",
        "audience",
        "campaign",
        "organic",
        "ranking",
        "brand",
        "story",
        "strategy",
        "channel",
        "conversion",
        "signal",
        "editorial",
        "reader",
        "topic",
        "keyword",
        "outline",
        "draft",
        "publish",
        "measure",
        "growth",
        "insight",
        "market",
        "customer",
        "value",
        "launch",
        "funnel",
        "traffic",
        "quality",
        "trust",
    ];
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut out = format!("# {title}\n\n");
    let mut written = 0;
    let mut section = 1;
    while written < words {
        out.push_str(&format!("## Section {section}\n\n"));
        for _ in 0..3 {
            let n = 40 + next() % 40;
            let sentence: Vec<&str> = (0..n).map(|_| WORDS[next() % WORDS.len()]).collect();
            out.push_str(&sentence.join(" "));
            out.push_str(".\n\n");
            written += n;
        }
        out.push_str(&format!(
            "- **{}** matters\n- measure `{}` weekly\n\n",
            WORDS[next() % WORDS.len()],
            WORDS[next() % WORDS.len()]
        ));
        written += 6;
        section += 1;
    }
    out
}

async fn timed<T>(
    report: &mut LargeReport,
    step: &str,
    future: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let started = Instant::now();
    let value = future
        .await
        .with_context(|| format!("large seed: {step}"))?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("large seed: {step} in {seconds:.1} s");
    report.steps.push((step.to_string(), seconds));
    Ok(value)
}

/// Writes the large tenant. The schema must exist and the tenant must not.
pub async fn run(targets: &Targets) -> anyhow::Result<LargeReport> {
    let mut report = LargeReport::default();
    let exists: bool = sqlx::query_scalar("select exists (select 1 from tenants where slug = $1)")
        .bind(TENANT_SLUG)
        .fetch_one(&targets.pg)
        .await
        .context("cannot read tenants: run `tenantscope dev migrate` first")?;
    anyhow::ensure!(!exists, "the large tenant {TENANT_SLUG} exists already");
    let mut conn = targets.pg.acquire().await?;
    sqlx::query("set synchronous_commit = off")
        .execute(&mut *conn)
        .await?;
    for (step, sql) in ROWS {
        let started = Instant::now();
        let done = sqlx::query(*sql)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("large seed: {step}"))?;
        report.rows += done.rows_affected() as i64;
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "large seed: {step}: {} rows in {seconds:.1} s",
            done.rows_affected()
        );
        report.steps.push((step.to_string(), seconds));
    }
    drop(conn);
    timed(&mut report, "analyze", async {
        sqlx::query("analyze").execute(&targets.pg).await?;
        Ok(())
    })
    .await?;
    report.tenant = sqlx::query_scalar("select id from tenants where slug = $1")
        .bind(TENANT_SLUG)
        .fetch_one(&targets.pg)
        .await?;
    let tenant = report.tenant;
    report.documents += timed(
        &mut report,
        "activity outputs and objects",
        outputs(targets, tenant),
    )
    .await?;
    report.objects = OBJECTS as u64;
    report.documents += timed(&mut report, "tool call logs", logs(targets, tenant)).await?;
    Ok(report)
}

/// Reads `(id, ref, n)` pages of `sql`, keyset on the reference column (its partial
/// index serves it in order), and hands each page to `write`.
async fn pages<F, Fut>(pg: &PgPool, sql: &str, mut write: F) -> anyhow::Result<u64>
where
    F: FnMut(Vec<(Uuid, String, i64)>) -> Fut,
    Fut: Future<Output = anyhow::Result<u64>>,
{
    let mut after = String::new();
    let mut total = 0;
    loop {
        let rows: Vec<(Uuid, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(&after)
            .fetch_all(pg)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(total);
        };
        after = last.1.clone();
        total += write(rows).await?;
    }
}

/// One `activity_outputs` document per activity; the first [`OBJECTS`] name an S3 object.
async fn outputs(targets: &Targets, tenant: Uuid) -> anyhow::Result<u64> {
    let collection = targets.mongo.collection::<Document>("activity_outputs");
    let sql = "select id, output_ref, substr(title, 9)::bigint from activities
               where tenant_id = (select id from tenants where slug = 'colossal-media')
               and output_ref > $1 order by output_ref limit 5000";
    pages(&targets.pg, sql, |rows| {
        let collection = collection.clone();
        async move {
            let mut documents = Vec::with_capacity(rows.len());
            let mut objects = Vec::new();
            for (id, output_ref, n) in rows {
                let mut document = doc! {
                    "_id": ObjectId::parse_str(&output_ref)?,
                    "tenantId": tenant.to_string(),
                    "activityId": id.to_string(),
                    "kind": "blog_post",
                    "contentType": "text/markdown",
                    "title": format!("Article {n}"),
                    "version": 1,
                    "model": "gpt-4o",
                };
                if n < OBJECTS {
                    let key = format!("{tenant}/outputs/{id}.md");
                    let words = if n == 0 { 5_000 } else { 250 };
                    let body = article(&format!("Article {n}"), words, n as u64);
                    document.insert("s3Key", key.clone());
                    document.insert("sizeBytes", body.len() as i64);
                    objects.push((key, body));
                }
                documents.push(document);
            }
            let n = documents.len() as u64;
            collection.insert_many(documents).ordered(false).await?;
            futures::stream::iter(objects)
                .map(|(key, body)| {
                    let s3 = targets.s3.clone();
                    let bucket = targets.bucket.clone();
                    async move {
                        s3.put_object()
                            .bucket(bucket)
                            .key(&key)
                            .content_type("text/markdown")
                            .body(ByteStream::from(body.into_bytes()))
                            .send()
                            .await
                            .with_context(|| format!("put {key}"))
                    }
                })
                .buffer_unordered(32)
                .try_collect::<Vec<_>>()
                .await?;
            Ok(n)
        }
    })
    .await
}

/// One `tool_call_logs` document per tool call with a `log_ref`.
async fn logs(targets: &Targets, tenant: Uuid) -> anyhow::Result<u64> {
    let collection = targets.mongo.collection::<Document>("tool_call_logs");
    let sql = "select id, log_ref, 0::bigint from tool_calls
               where tenant_id = (select id from tenants where slug = 'colossal-media')
               and log_ref > $1 order by log_ref limit 10000";
    pages(&targets.pg, sql, |rows| {
        let collection = collection.clone();
        async move {
            let documents = rows
                .into_iter()
                .map(|(id, log_ref, _)| {
                    Ok(doc! {
                        "_id": ObjectId::parse_str(&log_ref)?,
                        "tenantId": tenant.to_string(),
                        "toolCallId": id.to_string(),
                        "tool": "web_search",
                        "request": { "query": "content strategy" },
                        "response": { "status": 200, "results": 10 },
                        "durationMs": 900,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let n = documents.len() as u64;
            collection.insert_many(documents).ordered(false).await?;
            Ok(n)
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_benchmark_article_has_five_thousand_words_in_about_50_kb() {
        let text = article("Article 0", 5_000, 0);
        let words = text.split_whitespace().count();
        assert!((5_000..5_400).contains(&words), "{words}");
        assert!((35_000..60_000).contains(&text.len()), "{}", text.len());
        assert_eq!(text, article("Article 0", 5_000, 0), "deterministic");
    }
}
