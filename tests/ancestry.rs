//! A row's ancestry on the real servers: a chain of 200 sub-activities is walked whole
//! and in order (live, by one recursive query; from a snapshot; by `path`), a real
//! cycle of parents is still named a cycle, a chain past the bound is "too deep" (not a
//! cycle), and a missing parent is named.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use common::Stores;
use common::cli::{Ran, tenantscope};
use common::ui::{Ui, store_args, table, tree_path};
use sqlx::PgPool;
use tenantscope::app::tree::{Request, Tree};
use tenantscope::find::{MAX_DEPTH, Step, ancestry};
use tenantscope::seed::Options;
use tenantscope::snapshot::{ExportOptions, export};
use tenantscope::store::Access;
use tenantscope::store::connect::connect;
use tenantscope::store::snapshot::Snapshot;
use tenantscope::store::source::Source;
use uuid::Uuid;

/// A one-tenant seed with no broken references.
async fn stores(label: &str) -> Stores {
    let stores = Stores::create(label).await;
    stores
        .seed(Options {
            seed: 5,
            tenants: 1,
            scale: 0.3,
            broken_rate: 0.0,
        })
        .await;
    stores
}

/// A top-level activity of the seed (under a period).
async fn top_activity(pg: &PgPool) -> Uuid {
    sqlx::query_scalar(
        "select id from activities where parent_activity_id is null \
         and deliverable_period_id is not null order by id limit 1",
    )
    .fetch_one(pg)
    .await
    .unwrap()
}

/// `n` new sub-activities, each the child of the one before, the first a child of
/// `parent` (or, with `parent` None, of the last: a cycle). Their ids in order.
async fn chain(pg: &PgPool, from: Uuid, parent: Option<Uuid>, n: usize, tag: &str) -> Vec<Uuid> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
    let parents: Vec<Uuid> = std::iter::once(parent.unwrap_or(ids[n - 1]))
        .chain(ids[..n - 1].iter().copied())
        .collect();
    let titles: Vec<String> = (1..=n).map(|i| format!("{tag} {i}")).collect();
    // One statement: the foreign keys are checked at its end, so a cycle goes in too.
    sqlx::query(
        "insert into activities (id, tenant_id, deliverable_period_id, goal_id, \
         parent_activity_id, title, kind, status) \
         select c.id, a.tenant_id, a.deliverable_period_id, a.goal_id, c.parent, c.title, \
                'research', 'pending' \
         from activities a, unnest($2::uuid[], $3::uuid[], $4::text[]) c(id, parent, title) \
         where a.id = $1",
    )
    .bind(from)
    .bind(&ids)
    .bind(&parents)
    .bind(&titles)
    .execute(pg)
    .await
    .unwrap();
    ids
}

fn described(steps: &[Step]) -> Vec<(String, Uuid, String, Option<String>)> {
    steps
        .iter()
        .map(|s| {
            (
                s.table.name.to_string(),
                s.item.id,
                s.item.label.clone(),
                s.via.map(|fk| fk.column.to_string()),
            )
        })
        .collect()
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tenantscope-ancestry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn a_chain_of_200_sub_activities_is_revealed_whole_and_in_order() {
    let stores = stores("ancestry_deep").await;
    let admin = stores.pg(Access::ReadWrite).await;
    let top = top_activity(&admin).await;
    let chain = chain(&admin, top, Some(top), 200, "level").await;
    let deepest = *chain.last().unwrap();

    let (live, _) = connect(store_args(&stores)).await;
    assert!(matches!(live, Source::Live(_)));
    let started = Instant::now();
    let steps = ancestry(&live, table("activities"), deepest)
        .await
        .expect("a deep chain has a place in the tree");
    let elapsed = started.elapsed();
    // tenant › strategy › goal › deliverable › period › the top activity › 200 levels.
    assert_eq!(steps.len(), 206, "{:?}", described(&steps));
    let names: Vec<&str> = steps[..6].iter().map(|s| s.table.name).collect();
    assert_eq!(
        names,
        [
            "tenants",
            "strategies",
            "goals",
            "deliverables",
            "deliverable_periods",
            "activities"
        ]
    );
    assert_eq!(steps[5].item.id, top);
    assert_eq!(
        steps[5].via.map(|fk| fk.column),
        Some("deliverable_period_id")
    );
    for (i, (step, id)) in steps[6..].iter().zip(&chain).enumerate() {
        assert_eq!(step.item.id, *id, "level {i}");
        assert_eq!(step.item.label, format!("level {}", i + 1));
        assert_eq!(step.via.map(|fk| fk.column), Some("parent_activity_id"));
        assert_eq!(step.item.status.as_deref(), Some("pending"));
    }
    assert!(steps[0].via.is_none());
    eprintln!("ancestry of a 206-level chain, live: {elapsed:?}");

    // `path` prints every level.
    let Ran {
        code,
        stdout,
        stderr,
    } = tenantscope(&stores, &["path", &deepest.to_string(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<String> = printed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = steps.iter().map(|s| s.item.id.to_string()).collect();
    assert_eq!(ids, expected);

    // The explorer's jump opens the tree down to a row 60 sub-activities deep (the
    // depth that was called a cycle) and to the deepest, every level. The ancestry
    // brought every row on the way, so the reveal inserts them and asks for two loads
    // (the counts of all 205 rows above in one statement, the row's siblings' page)
    // where it asked for a page and a count per level (19.7 s for 206 levels in a
    // debug build before).
    for id in [chain[59], deepest] {
        let path = tree_path(&admin, table("activities"), id).await;
        let mut ui = Ui::open(&stores).await;
        let started = Instant::now();
        ui.palette(&id.to_string()).await;
        let elapsed = started.elapsed();
        let screen = ui.screen();
        assert_eq!(ui.selected(), path, "{screen}");
        assert!(!screen.contains("cycle"), "{screen}");
        let detail = ui.driver.app.detail.as_ref().unwrap();
        assert_eq!((detail.table.name, detail.id), ("activities", id));
        let label = steps
            .iter()
            .find(|s| s.item.id == id)
            .unwrap()
            .item
            .label
            .clone();
        assert!(screen.contains(&label), "{label} not shown:\n{screen}");
        eprintln!(
            "jump {} levels deep in the explorer: {elapsed:?}",
            path.len() / 2
        );
    }
    let mut tree = Tree::new();
    let (path, requests) = tree.reveal(&steps);
    assert_eq!(path, tree_path(&admin, table("activities"), deepest).await);
    let counted: Vec<usize> = requests
        .iter()
        .filter_map(|r| match r {
            Request::Counts { rows, .. } => Some(rows.len()),
            Request::Page { .. } => None,
        })
        .collect();
    let pages: Vec<&[String]> = requests
        .iter()
        .filter_map(|r| match r {
            Request::Page { path, .. } => Some(path.as_slice()),
            Request::Counts { .. } => None,
        })
        .collect();
    assert_eq!(counted, [205], "one request counts every row above");
    assert_eq!(
        pages,
        [&path[..path.len() - 1]],
        "one page: the row's group"
    );

    // A snapshot of the tenant gives the same answer, walked a row at a time.
    let Source::Live(stores_live) = &live else {
        unreachable!()
    };
    let slug: String = sqlx::query_scalar("select slug from tenants")
        .fetch_one(&admin)
        .await
        .unwrap();
    let file = temp_file("deep.tsnap");
    let options = ExportOptions {
        max_object_bytes: 1_000_000,
        redact_pii: false,
    };
    export(stores_live, &slug, &file, options, "test", false)
        .await
        .expect("export");
    let snapshot = Source::Snapshot(Snapshot::open(&file).await.unwrap());
    let from_file = ancestry(&snapshot, table("activities"), deepest)
        .await
        .expect("the snapshot places the deep row too");
    assert_eq!(described(&from_file), described(&steps));
}

#[tokio::test]
async fn a_cycle_is_named_a_cycle_and_a_chain_past_the_bound_is_too_deep() {
    let stores = stores("ancestry_cycle").await;
    let admin = stores.pg(Access::ReadWrite).await;
    let top = top_activity(&admin).await;
    let (live, _) = connect(store_args(&stores)).await;

    // Three activities, each the parent of the next, the first the child of the third.
    let cycle = chain(&admin, top, None, 3, "cycle").await;
    for id in &cycle {
        let error = ancestry(&live, table("activities"), *id)
            .await
            .expect_err("a cycle has no place in the tree")
            .to_string();
        assert!(
            error.contains("is in a cycle of parents: it has no place in the tree"),
            "{error}"
        );
        assert!(
            cycle
                .iter()
                .any(|c| error.starts_with(&format!("activities/{c} "))),
            "names a row of the cycle: {error}"
        );
    }
    // A row below the cycle is stuck in it too.
    let below = chain(&admin, top, Some(cycle[1]), 1, "below").await[0];
    let error = ancestry(&live, table("activities"), below)
        .await
        .expect_err("below a cycle")
        .to_string();
    assert!(error.contains("is in a cycle of parents"), "{error}");
    // A snapshot walks a row at a time and says the same.
    let Source::Live(stores_live) = &live else {
        unreachable!()
    };
    let slug: String = sqlx::query_scalar("select slug from tenants")
        .fetch_one(&admin)
        .await
        .unwrap();
    let file = temp_file("cycle.tsnap");
    let options = ExportOptions {
        max_object_bytes: 1_000_000,
        redact_pii: false,
    };
    export(stores_live, &slug, &file, options, "test", false)
        .await
        .expect("export");
    let snapshot = Source::Snapshot(Snapshot::open(&file).await.unwrap());
    for id in [cycle[0], below] {
        let error = ancestry(&snapshot, table("activities"), id)
            .await
            .expect_err("a cycle in a snapshot")
            .to_string();
        assert!(error.contains("is in a cycle of parents"), "{error}");
    }

    // A loop far above the row (the query's own check catches loops within about
    // twice their depth; past that, the bound and the repeated rows tell).
    for depth in [3_000, 8_200] {
        let below = chain(&admin, top, Some(cycle[2]), depth, "far below").await;
        let started = Instant::now();
        let error = ancestry(&live, table("activities"), *below.last().unwrap())
            .await
            .expect_err("far below a cycle")
            .to_string();
        assert!(
            error.contains("is in a cycle of parents"),
            "{depth}: {error}"
        );
        assert!(
            cycle
                .iter()
                .any(|c| error.starts_with(&format!("activities/{c} "))),
            "names a row of the cycle: {error}"
        );
        eprintln!("a loop {depth} levels up: {:?}", started.elapsed());
    }
    let Ran { code, stderr, .. } = tenantscope(&stores, &["path", &cycle[0].to_string()]);
    assert_ne!(code, 0);
    assert!(stderr.contains("is in a cycle of parents"), "{stderr}");

    // Deeper than the bound: a chain, not a cycle, and said so.
    let long = chain(&admin, top, Some(top), MAX_DEPTH + 50, "long").await;
    let started = Instant::now();
    let error = ancestry(&live, table("activities"), *long.last().unwrap())
        .await
        .expect_err("past the bound")
        .to_string();
    let elapsed = started.elapsed();
    assert!(
        error.contains(&format!("more than {MAX_DEPTH} levels below its tenant")),
        "{error}"
    );
    assert!(!error.contains("cycle"), "{error}");
    eprintln!("ancestry stopped at the bound of {MAX_DEPTH} levels: {elapsed:?}");
    // Just within the bound: the whole chain (6 levels above it).
    let within = long[MAX_DEPTH - 6];
    let steps = ancestry(&live, table("activities"), within).await.unwrap();
    assert_eq!(steps.len(), MAX_DEPTH + 1);
    assert_eq!(steps.last().unwrap().item.id, within);
    let error = ancestry(&live, table("activities"), long[MAX_DEPTH - 5])
        .await
        .expect_err("one level past the bound")
        .to_string();
    assert!(error.contains("levels below its tenant"), "{error}");

    // A parent that is not there (a database without the constraint) is named.
    sqlx::query("alter table activities drop constraint activities_parent_activity_id_fkey")
        .execute(&admin)
        .await
        .unwrap();
    let missing = Uuid::new_v4();
    let orphan = chain(&admin, top, Some(missing), 2, "orphan").await;
    let error = ancestry(&live, table("activities"), orphan[1])
        .await
        .expect_err("a missing parent")
        .to_string();
    assert_eq!(
        error,
        format!(
            "activities/{missing}, the parent of activities/{}, does not exist",
            orphan[0]
        )
    );
    let error = ancestry(&live, table("activities"), missing)
        .await
        .expect_err("no such row")
        .to_string();
    assert_eq!(error, format!("activities/{missing} does not exist"));
}
