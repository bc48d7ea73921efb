//! The migration against the seed document and the database catalog: every table and
//! foreign key the seed lists, indexes behind them, CHECKed statuses, and the schema
//! declaration in `src/schema.rs` agreeing with all of it.

mod common;

use std::collections::BTreeSet;

use common::Stores;
use mongodb::bson::Document;
use sqlx::PgPool;
use tenantscope::schema::{COLLECTIONS, TABLES};
use tenantscope::store::Access;

type Edge = (String, String, String);

/// The seed document, verbatim (shared/seed/000_e022a4b82c25ab86.txt).
const SEED: &str = include_str!("fixtures/seed-entity-relations.txt");

/// (table, column, target) for every foreign key of the seed's "Full Relationship
/// Summary", read from the document itself.
fn seed_foreign_keys() -> BTreeSet<Edge> {
    let summary = SEED
        .split("Full Relationship Summary")
        .nth(1)
        .and_then(|rest| rest.split("Cross-Database References").next())
        .expect("the seed has a relationship summary");
    let mut edges = BTreeSet::new();
    for line in summary.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 2
            || cells[0].is_empty()
            || cells[0] == "Table"
            || cells[0].starts_with("---")
        {
            continue;
        }
        for edge in cells[1].split(',') {
            let (column, target) = edge.split_once('→').expect("column → table");
            let target = target.trim().trim_end_matches("(self-ref)").trim();
            edges.insert((
                cells[0].to_string(),
                column.trim().to_string(),
                target.to_string(),
            ));
        }
    }
    edges
}

async fn catalog_foreign_keys(pg: &PgPool) -> BTreeSet<Edge> {
    sqlx::query_as::<_, Edge>(
        "select cl.relname::text, a.attname::text, target.relname::text
         from pg_constraint c
         join pg_class cl on cl.oid = c.conrelid
         join pg_namespace n on n.oid = cl.relnamespace
         join pg_class target on target.oid = c.confrelid
         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
         where c.contype = 'f' and n.nspname = 'public'",
    )
    .fetch_all(pg)
    .await
    .expect("read foreign keys from the catalog")
    .into_iter()
    .collect()
}

#[tokio::test]
async fn the_migration_has_every_table_and_foreign_key_of_the_seed() {
    let stores = Stores::create("schema_fk").await;
    stores.migrate().await;
    let pg = stores.pg(Access::ReadOnly).await;

    let seed = seed_foreign_keys();
    assert!(
        seed.len() > 60,
        "parsed only {} edges from the seed",
        seed.len()
    );
    let catalog = catalog_foreign_keys(&pg).await;
    assert_eq!(
        catalog, seed,
        "catalog foreign keys differ from the seed document"
    );

    let declared: BTreeSet<Edge> = TABLES
        .iter()
        .flat_map(|t| {
            t.foreign_keys.iter().map(|f| {
                (
                    t.name.to_string(),
                    f.column.to_string(),
                    f.target.to_string(),
                )
            })
        })
        .collect();
    assert_eq!(
        declared, seed,
        "src/schema.rs foreign keys differ from the seed document"
    );

    let tables: BTreeSet<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables
         where table_schema = 'public' and table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&pg)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let mut expected: BTreeSet<String> = seed.iter().map(|(t, _, _)| t.clone()).collect();
    expected.insert("tenants".into());
    assert_eq!(expected.len(), 31, "the seed's 30 tables plus tenants");
    assert_eq!(tables, expected);
    let declared_tables: BTreeSet<String> = TABLES.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(declared_tables, expected);
}

/// Columns that lead some index of `table`.
async fn leading_index_columns(pg: &PgPool, table: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(
        "select a.attname::text from pg_index i
         join pg_class c on c.oid = i.indrelid
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
         where c.relname = $1",
    )
    .bind(table)
    .fetch_all(pg)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

#[tokio::test]
async fn every_foreign_key_and_reference_column_leads_an_index() {
    let stores = Stores::create("schema_idx").await;
    stores.migrate().await;
    let pg = stores.pg(Access::ReadOnly).await;
    let mut missing = Vec::new();
    for (table, column, _) in catalog_foreign_keys(&pg).await {
        if !leading_index_columns(&pg, &table).await.contains(&column) {
            missing.push(format!("{table}.{column}"));
        }
    }
    for table in TABLES {
        let indexed = leading_index_columns(&pg, table.name).await;
        for reference in table.references {
            if !indexed.contains(reference.column()) {
                missing.push(format!("{}.{}", table.name, reference.column()));
            }
        }
    }
    assert!(missing.is_empty(), "columns without an index: {missing:?}");

    // Lists under a parent are newest first: (fk, created_at desc, id desc).
    let newest_first: i64 = sqlx::query_scalar(
        "select count(*) from pg_indexes where schemaname = 'public' and indexdef like '%(tenant_id, created_at DESC, id DESC)'",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert_eq!(
        newest_first, 30,
        "every table with a tenant_id has a newest-first index"
    );
}

#[tokio::test]
async fn every_status_like_column_has_a_check_constraint() {
    let stores = Stores::create("schema_check").await;
    stores.migrate().await;
    let pg = stores.pg(Access::ReadOnly).await;
    let unchecked: Vec<String> = sqlx::query_scalar(
        "select c.table_name || '.' || c.column_name from information_schema.columns c
         where c.table_schema = 'public'
           and c.column_name in ('status', 'kind', 'role', 'cadence', 'trigger', 'channel', 'agent_type',
                                 'match_type', 'classification', 'plan', 'priority', 'objective')
           and not exists (
             select 1 from pg_constraint k
             join pg_class t on t.oid = k.conrelid
             join pg_attribute a on a.attrelid = k.conrelid and a.attnum = any (k.conkey)
             where k.contype = 'c' and t.relname = c.table_name and a.attname = c.column_name)",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    assert!(
        unchecked.is_empty(),
        "status-like columns without CHECK: {unchecked:?}"
    );

    let rejected = sqlx::query(
        "insert into tenants (id, name, slug, status, plan) values (gen_random_uuid(), 'x', 'x', 'bogus', 'starter')",
    )
    .execute(&stores.pg(Access::ReadWrite).await)
    .await;
    let message = rejected
        .expect_err("a status outside the CHECK is refused")
        .to_string();
    assert!(message.contains("check constraint"), "{message}");
}

#[tokio::test]
async fn migrate_runs_twice_and_creates_the_mongo_indexes() {
    let stores = Stores::create("schema_twice").await;
    stores.migrate().await;
    stores.migrate().await;
    let db = stores.mongo().await;
    for collection in COLLECTIONS {
        let names = db
            .collection::<Document>(collection.name)
            .list_index_names()
            .await
            .unwrap();
        for field in collection.indexes {
            assert!(
                names.contains(&format!("{field}_1")),
                "{}: no index on {field} in {names:?}",
                collection.name
            );
        }
    }
    let pg = stores.pg(Access::ReadOnly).await;
    let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations")
        .fetch_one(&pg)
        .await
        .unwrap();
    assert_eq!(
        applied as usize,
        tenantscope::dev::migrate::MIGRATOR.iter().count()
    );
}

#[tokio::test]
async fn a_read_only_connection_is_refused_writes_by_the_server() {
    let stores = Stores::create("schema_ro").await;
    stores.migrate().await;
    let pg = stores.pg(Access::ReadOnly).await;
    let error = sqlx::query("insert into tenants (id, name, slug, status, plan) values (gen_random_uuid(), 'x', 'x', 'trial', 'starter')")
        .execute(&pg)
        .await
        .expect_err("writes through a read-only pool must fail");
    let code = error
        .as_database_error()
        .and_then(|e| e.code().map(|c| c.to_string()));
    assert_eq!(
        code.as_deref(),
        Some("25006"),
        "read_only_sql_transaction, got {error}"
    );
    let timeout: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(&pg)
        .await
        .unwrap();
    assert_eq!(timeout, "15s");
}
