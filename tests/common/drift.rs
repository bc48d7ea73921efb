//! A database that differs from our migrations the way a real platform's does: the
//! default seed, then ALTERs. Each difference is one a test opens the tree through.
#![allow(dead_code)]

use sqlx::AssertSqlSafe;
use tenantscope::store::Access;

use super::{Seeded, Stores, block_on_own_runtime};
use tenantscope::seed;

/// Each change, in order, with what it stands for.
pub const CHANGES: &[(&str, &str)] = &[
    (
        "a renamed label column",
        "alter table goals rename column title to name",
    ),
    (
        "a renamed cost column",
        "alter table llm_calls rename column cost_usd to cost",
    ),
    (
        "a dropped status column",
        "alter table deliverables drop column status",
    ),
    (
        "a status column turned into an enum",
        "do $$ declare c record; begin
           for c in select conname from pg_constraint
                    where conrelid = 'activity_runs'::regclass and contype = 'c'
                      and pg_get_constraintdef(oid) like '%status%'
           loop execute format('alter table activity_runs drop constraint %I', c.conname); end loop;
         end $$;
         create type run_status as enum ('running', 'succeeded', 'failed', 'cancelled', 'timed_out');
         alter table activity_runs alter column status type run_status using status::run_status",
    ),
    (
        "a dropped created_at",
        "alter table channel_scores drop column created_at",
    ),
    (
        "a missing declared table",
        "drop table search_term_classifications cascade",
    ),
    (
        "a dropped reference column",
        "alter table social_posts drop column content_ref",
    ),
    (
        "an extra table under tenants and activities",
        "create table case_notes (
           id uuid primary key default gen_random_uuid(),
           tenant_id uuid not null references tenants,
           activity_id uuid references activities,
           title text not null,
           created_at timestamptz not null default now());
         create index case_notes_tenant_idx on case_notes (tenant_id, created_at desc, id desc);
         create index case_notes_activity_idx on case_notes (activity_id, created_at desc, id desc);
         insert into case_notes (tenant_id, activity_id, title, created_at)
           select a.tenant_id, a.id, 'Case note on ' || a.title, a.created_at + interval '1 hour'
           from activities a where a.parent_activity_id is null
           order by a.created_at, a.id limit 40",
    ),
];

/// The default seed of this test binary with every change applied, made on first use.
pub fn drifted_once(label: &'static str) -> &'static Seeded {
    static DRIFTED: std::sync::OnceLock<Seeded> = std::sync::OnceLock::new();
    DRIFTED.get_or_init(|| {
        block_on_own_runtime(async move {
            let stores = Stores::create(label).await;
            let report = stores.seed(seed::Options::default()).await;
            let pg = stores.pg(Access::ReadWrite).await;
            for (what, sql) in CHANGES {
                sqlx::raw_sql(AssertSqlSafe(*sql))
                    .execute(&pg)
                    .await
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
            }
            sqlx::query("analyze").execute(&pg).await.expect("analyze");
            pg.close().await;
            Seeded { stores, report }
        })
    })
}
