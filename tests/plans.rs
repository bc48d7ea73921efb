//! Every query shape the explorer issues uses an index: for each one the schema
//! declaration generates (every child group's pages, first and later, with and without
//! status and text filters; groups' capped counts; rows by id; rows by reference; the tenant
//! picker; the `:cost` roll-up; and each of those as a session scoped to one tenant sends
//! it, with what only such a session asks), PostgreSQL's plan is read with `enable_seqscan = off`,
//! which leaves a sequential scan only where no index can serve the query. Any Seq Scan
//! fails the test: on a large table it would read the whole table.

mod common;

use common::{Seeded, seeded_once};
use serde_json::Value;
use tenantscope::app::queries::COST_SQL;
use tenantscope::outline::{COUNT_CAP, groups_of};
use tenantscope::schema::Schema;
use tenantscope::schema::TABLES;
use tenantscope::store::Access;
use tenantscope::store::read::{Listing, Statement, TenantRef, counts_statement_in};
use tenantscope::store::scope::Scope;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("plans")
}

/// Every `Seq Scan` node of a plan, with its relation.
fn seq_scans(plan: &Value, out: &mut Vec<String>) {
    out.extend(tenantscope::store::shapes::seq_scans(plan));
}

/// The statements of every listing the tree and the triage queries can ask for: the
/// same set `tenantscope doctor` explains on the user's database.
fn statements(parent: Uuid, tenant: Uuid) -> Vec<(String, Statement)> {
    tenantscope::store::shapes::shapes(Schema::declared(), parent, tenant)
        .into_iter()
        .map(|shape| (shape.name, shape.statement))
        .collect()
}

#[tokio::test]
async fn every_generated_query_uses_an_index() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let tenant: Uuid = sqlx::query_scalar("select id from tenants limit 1")
        .fetch_one(&pg)
        .await
        .unwrap();
    let mut conn = pg.acquire().await.unwrap();
    sqlx::query("set enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut failures = Vec::new();
    let statements = statements(tenant, tenant);
    assert!(statements.len() > 250, "{} shapes", statements.len());
    for (name, statement) in &statements {
        let plan = statement.explain(&mut conn).await.unwrap();
        let mut scans = Vec::new();
        seq_scans(&plan, &mut scans);
        if !scans.is_empty() {
            failures.push(format!(
                "{name}: Seq Scan on {scans:?}\n  {}",
                statement.sql
            ));
        }
    }
    // The :cost roll-up reads the tenant's llm_calls through its index, and joins by key.
    let plan: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "explain (format json) {COST_SQL}"
    )))
    .bind(tenant)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let mut scans = Vec::new();
    seq_scans(&plan, &mut scans);
    if !scans.is_empty() {
        failures.push(format!(":cost: Seq Scan on {scans:?}"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} query shapes scan a table:\n{}",
        failures.len(),
        statements.len() + 1,
        failures.join("\n")
    );
}

/// The seq scans of each statement, as failure lines.
async fn scanning(
    conn: &mut sqlx::PgConnection,
    statements: impl IntoIterator<Item = (String, Statement)>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, statement) in statements {
        let plan = statement.explain(conn).await.unwrap();
        let mut scans = Vec::new();
        seq_scans(&plan, &mut scans);
        if !scans.is_empty() {
            failures.push(format!(
                "{name}: Seq Scan on {scans:?}\n  {}",
                statement.sql
            ));
        }
    }
    failures
}

/// A scoped session's own statements (every listing, count, row and picker page with the
/// tenant's predicate; a row's fields, "outside the tenant", the ancestry walk within it)
/// each carry the tenant's id and use an index; so do the counts of a row's groups sent
/// as one statement, scoped or not.
#[tokio::test]
async fn every_scoped_statement_carries_the_tenant_and_uses_an_index() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (tenant, slug, name): (Uuid, String, String) =
        sqlx::query_as("select id, slug, name from tenants limit 1")
            .fetch_one(&pg)
            .await
            .unwrap();
    let parent: Uuid = sqlx::query_scalar("select id from strategies limit 1")
        .fetch_one(&pg)
        .await
        .unwrap();
    let scope = Scope::new(TenantRef {
        id: tenant,
        slug,
        name,
    });
    let scoped = tenantscope::store::shapes::scoped_shapes(Schema::declared(), parent, &scope);
    let unscoped = statements(parent, tenant);
    // Every unscoped shape has its scoped twin (but the `--tenant` lookups, which run
    // before there is a scope), and each twin differs by carrying the tenant.
    for (name, statement) in &unscoped {
        if name.starts_with("tenant by ") {
            continue;
        }
        let twin = scoped
            .iter()
            .find(|s| s.name == format!("scoped: {name}"))
            .unwrap_or_else(|| panic!("no scoped twin of {name}"));
        assert_ne!(twin.statement.sql, statement.sql, "{name}");
    }
    let blind: Vec<&str> = scoped
        .iter()
        .filter(|s| !s.statement.binds_id(tenant))
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        blind.is_empty(),
        "scoped statements without the tenant: {blind:?}"
    );
    for needed in ["row fields", "row outside", "ancestry"] {
        assert!(
            scoped.iter().any(|s| s.name.contains(needed)),
            "no scoped {needed} shape"
        );
    }
    let mut conn = pg.acquire().await.unwrap();
    sqlx::query("set enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut failures = scanning(
        &mut conn,
        scoped.iter().map(|s| (s.name.clone(), s.statement.clone())),
    )
    .await;
    // A row's groups counted in one statement (opening a row, revealing a path).
    let schema = Schema::declared();
    let mut combined: Vec<(String, Statement)> = Vec::new();
    for table in schema.tables {
        let listings: Vec<Listing> = groups_of(schema, table)
            .iter()
            .map(|g| g.listing(parent))
            .collect();
        if listings.is_empty() {
            continue;
        }
        for scope in [None, Some(&scope)] {
            combined.push((
                format!(
                    "{} groups counted together ({})",
                    table.name,
                    scope.is_some()
                ),
                counts_statement_in(&listings, COUNT_CAP, scope),
            ));
        }
    }
    assert!(combined.len() > 20, "{}", combined.len());
    failures.extend(scanning(&mut conn, combined).await);
    assert!(
        failures.is_empty(),
        "{} of {} scoped shapes scan a table:\n{}",
        failures.len(),
        scoped.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_test_sees_a_seq_scan_when_there_is_one() {
    // The detector is not blind: a query no index serves shows its Seq Scan.
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let mut conn = pg.acquire().await.unwrap();
    sqlx::query("set enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan: Value = sqlx::query_scalar(
        "explain (format json) select id from activity_runs where error_message = 'x'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let mut scans = Vec::new();
    seq_scans(&plan, &mut scans);
    assert_eq!(scans, vec!["activity_runs".to_string()]);
}

/// A bind of [`plan_of`].
enum Arg {
    Id(Uuid),
    Time(chrono::DateTime<chrono::Utc>),
    Text(&'static str),
    Int(i32),
}

/// The plan of `sql` with `args` bound.
async fn plan_of(conn: &mut sqlx::PgConnection, sql: &str, args: Vec<Arg>) -> Value {
    let mut query =
        sqlx::query_scalar::<_, Value>(sqlx::AssertSqlSafe(format!("explain (format json) {sql}")));
    for arg in args {
        query = match arg {
            Arg::Id(v) => query.bind(v),
            Arg::Time(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
        };
    }
    query
        .fetch_one(conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
}

#[tokio::test]
async fn checks_pages_with_their_foreign_keys_tenants_and_the_ancestry_walk_use_indexes() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let tenant: Uuid = sqlx::query_scalar("select id from tenants limit 1")
        .fetch_one(&pg)
        .await
        .unwrap();
    let mut conn = pg.acquire().await.unwrap();
    sqlx::query("set enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let mut failures = Vec::new();
    let mut shapes = 0;
    // The check's statements: its counts, its anti-joins (one per foreign key), its S3
    // key pages and its merge joins' row pages.
    use tenantscope::check;
    let tenant_arg = |scoped: bool| {
        if scoped {
            vec![Arg::Id(tenant)]
        } else {
            vec![]
        }
    };
    // (name, statement, arguments, the one table it may read whole: an unscoped count
    // reads every row of its table by design, and nothing else).
    let mut statements: Vec<(String, String, Vec<Arg>, Option<&str>)> = Vec::new();
    let checked = TABLES
        .iter()
        .filter(|t| !t.foreign_keys.is_empty() || !t.references.is_empty());
    for table in checked {
        for scoped in [true, false] {
            statements.push((
                format!("count of {} ({scoped})", table.name),
                check::count_sql(table, scoped),
                tenant_arg(scoped),
                (!scoped).then_some(table.name),
            ));
            for fk in table.foreign_keys {
                statements.push((
                    format!("{}.{} ({scoped})", table.name, fk.column),
                    check::foreign_key_sql(table, fk, scoped),
                    tenant_arg(scoped),
                    None,
                ));
            }
            let s3 = table
                .references
                .iter()
                .any(|r| matches!(r, tenantscope::schema::Reference::S3 { .. }));
            for first in [true, false] {
                if s3 {
                    let args = match (scoped, first) {
                        (true, true) => vec![Arg::Id(tenant)],
                        (true, false) => {
                            vec![Arg::Id(tenant), Arg::Time(now), Arg::Id(Uuid::nil())]
                        }
                        (false, true) => vec![],
                        (false, false) => vec![Arg::Id(Uuid::nil())],
                    };
                    statements.push((
                        format!("S3 key page of {} ({scoped}, {first})", table.name),
                        check::key_page_sql(table, scoped, first),
                        args,
                        None,
                    ));
                }
            }
            for reference in table.references {
                if let tenantscope::schema::Reference::Mongo { column, .. } = reference {
                    statements.push((
                        format!("join of {}.{column} ({scoped})", table.name),
                        check::join_sql(table, column, scoped),
                        tenant_arg(scoped),
                        None,
                    ));
                }
            }
        }
    }
    for (name, sql, args, whole) in statements {
        let plan = plan_of(&mut conn, &sql, args).await;
        shapes += 1;
        let mut scans = Vec::new();
        seq_scans(&plan, &mut scans);
        scans.retain(|scanned| Some(scanned.as_str()) != whole);
        if !scans.is_empty() {
            failures.push(format!("check: {name}: Seq Scan on {scans:?}"));
        }
    }
    // The parent's tenant is compared in the anti-join and read by primary key for
    // the rows it returns.
    let goals = tenantscope::schema::table("goals").unwrap();
    let strategy = &goals.foreign_keys[1];
    let sql = check::foreign_key_sql(goals, strategy, true);
    assert!(
        sql.contains("not exists (select 1 from strategies p where p.id = c.strategy_id and p.tenant_id = c.tenant_id)")
            && sql.contains("(select p.tenant_id from strategies p where p.id = c.strategy_id)"),
        "{sql}"
    );

    let sql = tenantscope::store::ancestry::ancestry_sql(Schema::declared());
    let sql = sql.as_str();
    let args = vec![
        Arg::Text("activities"),
        Arg::Id(Uuid::nil()),
        Arg::Int(10_000),
    ];
    let plan = plan_of(&mut conn, sql, args).await;
    let mut scans = Vec::new();
    seq_scans(&plan, &mut scans);
    if !scans.is_empty() {
        failures.push(format!("ancestry: Seq Scan on {scans:?}"));
    }
    assert!(shapes > 100, "{shapes} shapes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The MongoDB side: a document by `_id` (every hop to a document, `get`, the jump) is
/// an index lookup, not a scan. FerretDB 1.24's SQLite backend scanned (its `_id`
/// filter did not match its own index's expression; `scripts/install-deps` patches
/// that line), which made each lookup cost time in proportion to the collection.
#[tokio::test]
async fn a_document_by_id_is_an_index_lookup() {
    use mongodb::bson::{Document, doc, oid::ObjectId};
    let s = seeded();
    let db = s.stores.mongo().await;
    let id: ObjectId = db
        .collection::<Document>("activity_outputs")
        .find_one(doc! {})
        .await
        .unwrap()
        .expect("the seed has outputs")
        .get_object_id("_id")
        .unwrap();
    let plan = db
        .run_command(doc! {
            "explain": { "find": "activity_outputs", "filter": { "_id": id }, "limit": 1 }
        })
        .await
        .unwrap()
        .to_string();
    let indexed = [
        "USING INDEX",
        "IDHACK",
        "IXSCAN",
        "EXPRESS_IXSCAN",
        "EXPRESS_CLUSTERED_IXSCAN",
    ]
    .iter()
    .any(|word| plan.contains(word));
    assert!(indexed, "an _id lookup that scans: {plan}");
}
