//! A run of 7,000 LLM calls and 5,000 tool calls in a migrated database of its own: LLM
//! calls every 170 ms, tool calls every 230 ms (so the two streams interleave unevenly),
//! every 501st of each failed, each created when it starts. Shared by
//! `tests/run_view.rs` (paging) and `benches/run_view.rs` (its timings).
#![allow(dead_code)]

use uuid::Uuid;

/// Its steps, LLM and tool calls together.
pub const STEPS: usize = 12_000;

/// Inserts the run (with its tenant and activity) and returns its id.
pub async fn insert(pg: &sqlx::PgPool) -> Uuid {
    let (tenant, activity, run) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    for sql in [
        "insert into tenants (id, name, slug, status, plan) values ($1, 'Long Runs', 'long-runs', 'active', 'growth')",
        "insert into activities (id, tenant_id, title, kind, status) values ($2, $1, 'Crawl everything', 'research', 'done')",
        "insert into activity_runs (id, tenant_id, activity_id, run_number, status, trigger, started_at, finished_at, duration_ms)
         values ($3, $1, $2, 1, 'succeeded', 'manual', '2026-11-14T02:00:00Z', '2026-11-14T02:30:00Z', 1800000)",
        "insert into llm_calls (id, tenant_id, activity_run_id, provider, model, prompt_tokens,
                                completion_tokens, cost_usd, latency_ms, status, error, started_at, created_at)
         select md5('llm' || i)::uuid, $1, $3, 'openai', 'gpt-4o', 1000 + i % 37, 200 + i % 11, 0.000150 * (1 + i % 3),
                150 + i % 90, case when i % 501 = 0 then 'failed' else 'succeeded' end,
                case when i % 501 = 0 then 'rate limited' end, t, t
         from generate_series(0, 6999) i, lateral (select '2026-11-14T02:00:00Z'::timestamptz + i * interval '170 ms' t) x",
        "insert into tool_calls (id, tenant_id, activity_run_id, tool_name, status, latency_ms, error, started_at, created_at)
         select md5('tool' || i)::uuid, $1, $3, 'fetch_url', case when i % 501 = 7 then 'failed' else 'succeeded' end,
                400, case when i % 501 = 7 then 'HTTP 503' end, t, t
         from generate_series(0, 4999) i, lateral (select '2026-11-14T02:00:00Z'::timestamptz + i * interval '230 ms' + interval '5 ms' t) x",
    ] {
        sqlx::query(sql)
            .bind(tenant)
            .bind(activity)
            .bind(run)
            .execute(pg)
            .await
            .unwrap();
    }
    sqlx::query("analyze").execute(pg).await.unwrap();
    run
}
