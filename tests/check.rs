//! `tenantscope check` and `tenantscope tree`, run as the binary against the real
//! servers: the check finds exactly the references the generator broke on purpose (and
//! nothing on a clean seed), orphans in a database without its constraint, invalid
//! ObjectIds, references to another tenant's document, object or row (`cross_tenant`);
//! the tree's counts are the database's; bad input is one line and exit 2.

mod common;

use std::collections::BTreeSet;

use common::cli::tenantscope_by_env;
use common::{Seeded, Stores, seeded_once};
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool};
use tenantscope::check::ProblemKind;
use tenantscope::outline::{COUNT_CAP, PAGE_SIZE, groups_of};
use tenantscope::schema;
use tenantscope::schema::Schema;
use tenantscope::seed::Options;
use tenantscope::store::Access;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("check")
}

type Found = BTreeSet<(String, String, String, String)>;

/// (kind, tenant, location, reference) of each problem line of `check --json`, and the summary.
fn parse_json(stdout: &str) -> (Found, Value) {
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary", "{summary}");
    let found = lines
        .iter()
        .map(|p| {
            assert_eq!(p["type"], "problem", "{p}");
            let s = |k: &str| {
                p[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {p}"))
                    .to_string()
            };
            (s("kind"), s("tenant_id"), s("location"), s("reference"))
        })
        .collect();
    (found, summary)
}

fn kind_name(kind: ProblemKind) -> String {
    kind.name().to_string()
}

/// What the generator broke, as the check names it, for one tenant or all.
fn expected(s: &Seeded, tenant: Option<Uuid>) -> Found {
    s.report
        .broken
        .iter()
        .filter(|b| tenant.is_none_or(|t| b.tenant_id == t))
        .map(|b| {
            (
                kind_name(b.kind.into()),
                b.tenant_id.to_string(),
                b.location.clone(),
                b.reference.clone(),
            )
        })
        .collect()
}

#[test]
fn check_finds_exactly_the_references_broken_on_purpose() {
    let s = seeded();
    let expected = expected(s, None);
    assert!(expected.len() >= 9, "{expected:?}");

    let text = tenantscope_by_env(&s.stores, &["check"], &[]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), expected.len() + 1, "{}", text.stdout);
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("checked ") && last.contains(&format!("{} problems", expected.len())),
        "{last}"
    );
    // Each text line names the kind, the location and the reference of one problem.
    for (kind, _, location, reference) in &expected {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{kind} {location}."))
                    && l.ends_with(&format!("/{reference}"))),
            "no line for {kind} {location} {reference}"
        );
    }

    let json = tenantscope_by_env(&s.stores, &["check", "--json"], &[]);
    assert_eq!(json.code, 1, "{}", json.stderr);
    let (found, summary) = parse_json(&json.stdout);
    assert_eq!(found, expected);
    assert_eq!(summary["problems"], expected.len() as u64);
    assert_eq!(
        summary["rows"],
        s.report.total_rows() - 3,
        "every row but the tenants'"
    );
    assert!(summary["objects"].as_u64().unwrap() > 100, "{summary}");
}

#[tokio::test]
async fn check_of_one_tenant_finds_only_its_references() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (id, slug): (Uuid, String) =
        sqlx::query_as("select id, slug from tenants order by slug limit 1")
            .fetch_one(&pg)
            .await
            .unwrap();
    let run = tenantscope_by_env(&s.stores, &["check", "--tenant", &slug, "--json"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let (found, summary) = parse_json(&run.stdout);
    assert_eq!(found, expected(s, Some(id)));
    assert_eq!(summary["tenant_id"], id.to_string());
    let rows: i64 = tenant_rows(&pg, id).await;
    assert_eq!(summary["rows"], rows, "{summary}");
}

/// Rows of every table but `tenants` that belong to `tenant`.
async fn tenant_rows(pg: &PgPool, tenant: Uuid) -> i64 {
    let mut total = 0;
    for table in schema::TABLES.iter().filter(|t| t.name != "tenants") {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "select count(*) from {} where tenant_id = $1",
            table.name
        )))
        .bind(tenant)
        .fetch_one(pg)
        .await
        .unwrap();
        total += n;
    }
    total
}

#[tokio::test]
async fn a_clean_seed_passes_and_orphans_and_invalid_ids_are_reported() {
    let stores = Stores::create("check_clean").await;
    let report = stores
        .seed(Options {
            seed: 11,
            tenants: 1,
            broken_rate: 0.0,
            ..Options::default()
        })
        .await;
    assert!(report.broken.is_empty());
    let run = tenantscope_by_env(&stores, &["check"], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains(": no problems"), "{}", run.stdout);

    // A production database may lack the constraint: a goal pointing at no strategy.
    let admin = stores.pg(Access::ReadWrite).await;
    sqlx::query("alter table goals drop constraint goals_strategy_id_fkey")
        .execute(&admin)
        .await
        .unwrap();
    let missing = Uuid::new_v4();
    let (goal, tenant): (Uuid, Uuid) = sqlx::query_as(
        "update goals set strategy_id = $1 where id = (select id from goals order by id limit 1) \
         returning id, tenant_id",
    )
    .bind(missing)
    .fetch_one(&admin)
    .await
    .unwrap();
    // And an ObjectId column holding something that is not one.
    let activity: Uuid = sqlx::query_scalar(
        "update activities set output_ref = 'not-an-objectid' \
         where id = (select id from activities order by id limit 1) returning id",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    admin.close().await;

    let expected: Found = [
        (
            "orphan_row".to_string(),
            tenant.to_string(),
            format!("goals/{goal}"),
            missing.to_string(),
        ),
        (
            "invalid_reference".to_string(),
            tenant.to_string(),
            format!("activities/{activity}"),
            "not-an-objectid".to_string(),
        ),
    ]
    .into();
    for args in [
        &["check", "--json"][..],
        &["check", "--json", "--tenant", &tenant.to_string()],
    ] {
        let run = tenantscope_by_env(&stores, args, &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let (found, _) = parse_json(&run.stdout);
        assert_eq!(found, expected, "{args:?}");
    }
    let text = tenantscope_by_env(&stores, &["check"], &[]);
    assert!(
        text.stdout.contains(&format!(
            "orphan_row goals/{goal}.strategy_id → strategies/{missing}"
        )),
        "{}",
        text.stdout
    );
}

#[test]
fn unknown_tenants_and_unreachable_stores_are_one_line_and_exit_2() {
    let s = seeded();
    for command in ["check", "tree"] {
        let run = tenantscope_by_env(&s.stores, &[command, "--tenant", "no-such-tenant"], &[]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert_eq!(
            run.stderr.trim(),
            "tenantscope: no tenant with id or slug \"no-such-tenant\"",
            "{command}"
        );
        assert!(run.stdout.is_empty(), "{command}: {}", run.stdout);
    }

    let down = "postgres://reader:secret@127.0.0.1:9/platform";
    for command in ["check", "tree"] {
        let run = tenantscope_by_env(&s.stores, &[command, "--pg", down], &[]);
        assert_eq!(run.code, 2, "{command}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("secret"),
            "{}",
            run.stderr
        );
    }
    let run = tenantscope_by_env(&s.stores, &["check", "--pg", down], &[]);
    assert!(
        run.stderr.contains("cannot reach PostgreSQL"),
        "{}",
        run.stderr
    );

    let run = tenantscope_by_env(
        &s.stores,
        &["check"],
        &[("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("cannot reach S3"), "{}", run.stderr);
}

#[tokio::test]
async fn tree_shows_the_tenants_groups_with_the_databases_counts() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (id, slug): (Uuid, String) =
        sqlx::query_as("select id, slug from tenants order by slug limit 1")
            .fetch_one(&pg)
            .await
            .unwrap();

    let json = tenantscope_by_env(
        &s.stores,
        &["tree", "--tenant", &slug, "--depth", "3", "--json"],
        &[],
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let root: Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(root["id"], id.to_string());
    let mut groups = 0;
    check_row(&pg, &root, 0, 3, &mut groups).await;
    assert!(groups > 20, "only {groups} groups");

    let text = tenantscope_by_env(&s.stores, &["tree", "--tenant", &slug, "--depth", "3"], &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert!(lines[0].ends_with(&id.to_string()), "{}", lines[0]);
    let users: i64 = sqlx::query_scalar("select count(*) from users where tenant_id = $1")
        .bind(id)
        .fetch_one(&pg)
        .await
        .unwrap();
    assert!(
        lines.contains(&format!("  Users ({users})").as_str()),
        "{}",
        text.stdout
    );

    let tenants = tenantscope_by_env(&s.stores, &["tree"], &[]);
    assert_eq!(tenants.code, 0, "{}", tenants.stderr);
    assert_eq!(tenants.stdout.lines().next(), Some("Tenants (3)"));
    assert_eq!(tenants.stdout.lines().count(), 4, "{}", tenants.stdout);
}

/// Checks a row node against the database: every non-empty group of its table is there
/// (when it is within `depth`), with the capped count, its first page and `more`.
async fn check_row(pg: &PgPool, row: &Value, level: u32, depth: u32, groups: &mut usize) {
    let table = schema::table(row["table"].as_str().unwrap()).unwrap();
    let id: Uuid = row["id"].as_str().unwrap().parse().unwrap();
    let shown = row["groups"].as_array().unwrap();
    if level == depth {
        assert!(shown.is_empty(), "{row}");
        return;
    }
    let mut expected = Vec::new();
    for spec in groups_of(Schema::declared(), table) {
        let null = spec
            .null_column
            .map_or(String::new(), |c| format!(" and {c} is null"));
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "select count(*) from {} where {} = $1{null}",
            spec.table.name, spec.column
        )))
        .bind(id)
        .fetch_one(pg)
        .await
        .unwrap();
        if n > 0 {
            expected.push((spec.table.name, spec.column, n as u64));
        }
    }
    let got: Vec<_> = shown
        .iter()
        .map(|g| {
            (
                g["table"].as_str().unwrap(),
                g["column"].as_str().unwrap(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let capped: Vec<_> = expected
        .iter()
        .map(|&(t, c, n)| (t, c, n.min(COUNT_CAP)))
        .collect();
    assert_eq!(got, capped, "groups of {}/{id}", table.name);
    for (group, (_, _, n)) in shown.iter().zip(&expected) {
        *groups += 1;
        let rows = group["rows"].as_array().unwrap();
        assert_eq!(rows.len() as u64, (*n).min(u64::from(PAGE_SIZE)));
        assert_eq!(group["more"], *n > u64::from(PAGE_SIZE));
        assert_eq!(group["capped"], *n > COUNT_CAP);
        for child in rows {
            Box::pin(check_row(pg, child, level + 1, depth, groups)).await;
        }
    }
}

/// (kind, tenant, location, field, reference, other tenant) of each problem line.
type Crossed = BTreeSet<(String, String, String, String, String, Option<String>)>;

fn problems_with_other_tenant(stdout: &str) -> (Crossed, Value) {
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary", "{summary}");
    let found = lines
        .iter()
        .map(|p| {
            let s = |k: &str| {
                p[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {p}"))
                    .to_string()
            };
            (
                s("kind"),
                s("tenant_id"),
                s("location"),
                s("field"),
                s("reference"),
                p.get("other_tenant_id")
                    .map(|o| o.as_str().expect("a tenant id").to_string()),
            )
        })
        .collect();
    (found, summary)
}

#[tokio::test]
async fn references_to_another_tenants_data_are_cross_tenant_problems() {
    use mongodb::bson::{Document, doc};

    let stores = Stores::create("check_cross").await;
    let report = stores
        .seed(Options {
            seed: 12,
            tenants: 2,
            scale: 0.3,
            broken_rate: 0.0,
        })
        .await;
    assert!(report.broken.is_empty());
    // The clean seed of two tenants has nothing crossing between them.
    let clean = tenantscope_by_env(&stores, &["check"], &[]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    assert!(clean.stdout.contains(": no problems"), "{}", clean.stdout);

    let admin = stores.pg(Access::ReadWrite).await;
    let tenants: Vec<(Uuid, String)> = sqlx::query_as("select id, slug from tenants order by slug")
        .fetch_all(&admin)
        .await
        .unwrap();
    let [(a, a_slug), (b, b_slug)] = tenants.as_slice() else {
        panic!("{tenants:?}")
    };
    let (a, b) = (*a, *b);
    let db = stores.mongo().await;
    let outputs = db.collection::<Document>("activity_outputs");

    // Document kind: an activity of A whose output is a document of B.
    let b_output: String = sqlx::query_scalar(
        "select output_ref from activities where tenant_id = $1 and output_ref is not null \
         order by id limit 1",
    )
    .bind(b)
    .fetch_one(&admin)
    .await
    .unwrap();
    let activity: Uuid = sqlx::query_scalar(
        "update activities set output_ref = $2 where id = (select id from activities \
         where tenant_id = $1 and output_ref is not null order by id limit 1) returning id",
    )
    .bind(a)
    .bind(&b_output)
    .fetch_one(&admin)
    .await
    .unwrap();

    // Object kind, in a row: a contract of A whose PDF key is one of B's (it exists).
    let b_pdf: String = sqlx::query_scalar(
        "select pdf_s3_key from contracts where tenant_id = $1 and pdf_s3_key is not null \
         order by id limit 1",
    )
    .bind(b)
    .fetch_one(&admin)
    .await
    .unwrap();
    assert!(b_pdf.starts_with(&format!("{b}/")), "{b_pdf}");
    let contract: Uuid = sqlx::query_scalar(
        "update contracts set pdf_s3_key = $2 where id = (select id from contracts \
         where tenant_id = $1 order by id limit 1) returning id",
    )
    .bind(a)
    .bind(&b_pdf)
    .fetch_one(&admin)
    .await
    .unwrap();

    // Object kind, in a document: an output document of A naming B's object.
    let b_key = outputs
        .find_one(doc! { "tenantId": b.to_string(), "s3Key": { "$exists": true } })
        .await
        .unwrap()
        .expect("an output of B")
        .get_str("s3Key")
        .unwrap()
        .to_string();
    let a_document = outputs
        .find_one(doc! { "tenantId": a.to_string() })
        .await
        .unwrap()
        .expect("an output of A");
    let a_document = a_document.get_object_id("_id").unwrap();
    outputs
        .update_one(
            doc! { "_id": a_document },
            doc! { "$set": { "s3Key": &b_key } },
        )
        .await
        .unwrap();

    // Foreign-key kind: a goal of A under a strategy of B.
    let b_strategy: Uuid =
        sqlx::query_scalar("select id from strategies where tenant_id = $1 order by id limit 1")
            .bind(b)
            .fetch_one(&admin)
            .await
            .unwrap();
    let goal: Uuid = sqlx::query_scalar(
        "update goals set strategy_id = $2 where id = (select id from goals \
         where tenant_id = $1 order by id limit 1) returning id",
    )
    .bind(a)
    .bind(b_strategy)
    .fetch_one(&admin)
    .await
    .unwrap();
    admin.close().await;

    let crossed = |location: String, field: &str, reference: &str| {
        (
            "cross_tenant".to_string(),
            a.to_string(),
            location,
            field.to_string(),
            reference.to_string(),
            Some(b.to_string()),
        )
    };
    let expected: Crossed = [
        crossed(format!("activities/{activity}"), "output_ref", &b_output),
        crossed(format!("contracts/{contract}"), "pdf_s3_key", &b_pdf),
        crossed(format!("activity_outputs/{a_document}"), "s3Key", &b_key),
        crossed(
            format!("goals/{goal}"),
            "strategy_id",
            &b_strategy.to_string(),
        ),
    ]
    .into();

    for args in [
        &["check", "--json"][..],
        &["check", "--json", "--tenant", a_slug.as_str()],
    ] {
        let run = tenantscope_by_env(&stores, args, &[]);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        let (found, summary) = problems_with_other_tenant(&run.stdout);
        assert_eq!(found, expected, "{args:?}");
        assert_eq!(summary["problems"], 4, "{summary}");
        assert_eq!(
            summary["problems_by_kind"],
            serde_json::json!({ "cross_tenant": 4 }),
            "{summary}"
        );
    }
    // B's own data points nowhere else.
    let run = tenantscope_by_env(&stores, &["check", "--json", "--tenant", b_slug], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let (found, _) = problems_with_other_tenant(&run.stdout);
    assert!(found.is_empty(), "{found:?}");

    let text = tenantscope_by_env(&stores, &["check"], &[]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    let bucket = &stores.bucket;
    for line in [
        format!(
            "cross_tenant activities/{activity}.output_ref → activity_outputs/{b_output} of tenant {b}"
        ),
        format!(
            "cross_tenant contracts/{contract}.pdf_s3_key → s3://{bucket}/{b_pdf} of tenant {b}"
        ),
        format!(
            "cross_tenant activity_outputs/{a_document}.s3Key → s3://{bucket}/{b_key} of tenant {b}"
        ),
        format!("cross_tenant goals/{goal}.strategy_id → strategies/{b_strategy} of tenant {b}"),
    ] {
        assert!(
            text.stdout.lines().any(|l| l == line),
            "no line {line:?} in\n{}",
            text.stdout
        );
    }
    assert_eq!(text.stdout.lines().count(), 5, "{}", text.stdout);
    assert!(
        text.stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(": 4 problems (cross_tenant 4)"),
        "{}",
        text.stdout
    );
}

/// Whether the constraint `name` is there and validated (None: not there).
async fn validated(pg: &PgPool, name: &str) -> Option<bool> {
    sqlx::query_scalar("select convalidated from pg_constraint where conname = $1")
        .bind(name)
        .fetch_optional(pg)
        .await
        .unwrap()
}

#[tokio::test]
async fn constraints_decide_what_is_queried_not_what_is_found() {
    let stores = Stores::create("check_constraints").await;
    let report = stores
        .seed(Options {
            seed: 13,
            tenants: 2,
            scale: 0.3,
            broken_rate: 0.0,
        })
        .await;
    assert!(report.broken.is_empty());
    // A clean database: every row's tenant_id is guaranteed by its validated constraint
    // (counted, not queried); the other keys are checked.
    let clean = tenantscope_by_env(&stores, &["check", "--json"], &[]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    let (found, summary) = parse_json(&clean.stdout);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(
        summary["foreign_keys_guaranteed"], summary["rows"],
        "{summary}"
    );
    assert!(summary["foreign_keys"].as_u64().unwrap() > 0, "{summary}");
    let text = tenantscope_by_env(&stores, &["check"], &[]);
    let guaranteed = summary["foreign_keys_guaranteed"].as_u64().unwrap();
    assert!(
        text.stdout.contains(&format!(
            " foreign keys ({} more guaranteed by constraints), ",
            tenantscope::text::thousands(guaranteed)
        )),
        "{}",
        text.stdout
    );

    let admin = stores.pg(Access::ReadWrite).await;
    let tenants: Vec<Uuid> = sqlx::query_scalar("select id from tenants order by slug")
        .fetch_all(&admin)
        .await
        .unwrap();
    let [a, b] = tenants[..] else {
        panic!("{tenants:?}")
    };

    // A validated constraint: the key names a row, but B's row (cross_tenant).
    assert_eq!(
        validated(&admin, "deliverables_goal_id_fkey").await,
        Some(true)
    );
    let b_goal: Uuid =
        sqlx::query_scalar("select id from goals where tenant_id = $1 order by id limit 1")
            .bind(b)
            .fetch_one(&admin)
            .await
            .unwrap();
    let deliverable: Uuid = sqlx::query_scalar(
        "update deliverables set goal_id = $2 where id = (select id from deliverables \
         where tenant_id = $1 order by id limit 1) returning id",
    )
    .bind(a)
    .bind(b_goal)
    .fetch_one(&admin)
    .await
    .unwrap();

    // A constraint added NOT VALID over a row it does not hold for: an orphan.
    let missing_deliverable = Uuid::new_v4();
    sqlx::query(
        "alter table deliverable_periods drop constraint deliverable_periods_deliverable_id_fkey",
    )
    .execute(&admin)
    .await
    .unwrap();
    let period: Uuid = sqlx::query_scalar(
        "update deliverable_periods set deliverable_id = $2 where id = (select id from \
         deliverable_periods where tenant_id = $1 order by id limit 1) returning id",
    )
    .bind(a)
    .bind(missing_deliverable)
    .fetch_one(&admin)
    .await
    .unwrap();
    sqlx::query(
        "alter table deliverable_periods add constraint deliverable_periods_deliverable_id_fkey \
         foreign key (deliverable_id) references deliverables (id) not valid",
    )
    .execute(&admin)
    .await
    .unwrap();
    assert_eq!(
        validated(&admin, "deliverable_periods_deliverable_id_fkey").await,
        Some(false)
    );

    // No constraint on a row's tenant_id: it is queried, and a tenant that is not there
    // is an orphan.
    sqlx::query("alter table billing_events drop constraint billing_events_tenant_id_fkey")
        .execute(&admin)
        .await
        .unwrap();
    let nobody = Uuid::new_v4();
    let event: Uuid = sqlx::query_scalar(
        "update billing_events set tenant_id = $2 where id = (select id from billing_events \
         where tenant_id = $1 order by id limit 1) returning id",
    )
    .bind(a)
    .bind(nobody)
    .fetch_one(&admin)
    .await
    .unwrap();
    let events: i64 = sqlx::query_scalar("select count(*) from billing_events")
        .fetch_one(&admin)
        .await
        .unwrap();
    admin.close().await;

    let cross = (
        "cross_tenant".to_string(),
        a.to_string(),
        format!("deliverables/{deliverable}"),
        b_goal.to_string(),
    );
    let orphan = (
        "orphan_row".to_string(),
        a.to_string(),
        format!("deliverable_periods/{period}"),
        missing_deliverable.to_string(),
    );
    let no_tenant = (
        "orphan_row".to_string(),
        nobody.to_string(),
        format!("billing_events/{event}"),
        nobody.to_string(),
    );
    let run = tenantscope_by_env(&stores, &["check", "--json"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let (found, summary) = parse_json(&run.stdout);
    assert_eq!(
        found,
        [cross.clone(), orphan.clone(), no_tenant].into(),
        "{summary}"
    );
    // billing_events' tenant_id is no longer guaranteed, so it was queried instead.
    assert_eq!(
        summary["foreign_keys_guaranteed"].as_u64().unwrap(),
        summary["rows"].as_u64().unwrap() - events as u64,
        "{summary}"
    );
    let run = tenantscope_by_env(
        &stores,
        &["check", "--json", "--tenant", &a.to_string()],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let (found, _) = parse_json(&run.stdout);
    assert_eq!(found, [cross, orphan].into());
}

#[test]
fn progress_goes_to_stderr_only_when_asked() {
    let s = seeded();
    // Not a terminal: nothing on stderr, text or JSON.
    for args in [&["check"][..], &["check", "--json"]] {
        let run = tenantscope_by_env(&s.stores, args, &[]);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}");
    }
    // --progress: one line per table (and collection) as it ends, stdout unchanged.
    let run = tenantscope_by_env(&s.stores, &["check", "--json", "--progress"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let (found, summary) = parse_json(&run.stdout);
    assert_eq!(found, expected(s, None));
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("check: ") && l.ends_with(" rows/s)")),
        "{}",
        run.stderr
    );
    let activities = s.report.rows["activities"];
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "check: activities: {} rows in ",
            tenantscope::text::thousands(activities)
        ))),
        "{}",
        run.stderr
    );
    let tables: BTreeSet<&str> = lines
        .iter()
        .map(|l| l["check: ".len()..].split(':').next().unwrap())
        .collect();
    assert_eq!(
        tables.len(),
        lines.len(),
        "one line per table: {}",
        run.stderr
    );
    assert!(tables.contains("activity_outputs"), "{tables:?}");
    assert!(summary["rows"].as_u64().unwrap() > 0);
}

/// The two ways a join finds documents (one pass over the collection's `_id`s, or a
/// lookup by `_id` per value when the values are few among the documents) and the walk
/// over the bucket's listing find exactly what the generator broke, also among many
/// documents and objects nothing refers to.
#[tokio::test]
async fn documents_and_objects_are_found_among_many_nothing_refers_to() {
    use futures::StreamExt;
    use mongodb::bson::{Document, doc, oid::ObjectId};

    let stores = Stores::create("check_plans").await;
    let report = stores.seed(Options::default()).await;
    let s = Seeded { stores, report };
    // The plan follows the planner's estimates: make them the data's.
    let pg = s.stores.pg(Access::ReadWrite).await;
    sqlx::query("analyze").execute(&pg).await.unwrap();
    let tenant: Uuid = sqlx::query_scalar("select id from tenants order by slug limit 1")
        .fetch_one(&pg)
        .await
        .unwrap();
    let log = std::env::temp_dir().join(format!(
        "tenantscope-check-plans-{}.log",
        std::process::id()
    ));
    let check = |tenant: Option<Uuid>| {
        let _ = std::fs::remove_file(&log);
        let id = tenant.map(|t| t.to_string());
        let mut args = vec!["check", "--json", "--log", log.to_str().unwrap()];
        if let Some(id) = &id {
            args.extend(["--tenant", id.as_str()]);
        }
        let run = tenantscope_by_env(&s.stores, &args, &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let (found, _) = parse_json(&run.stdout);
        assert_eq!(found, expected(&s, tenant), "{args:?}");
        let log = std::fs::read_to_string(&log).unwrap();
        log.lines()
            .find(|l| l.contains("join plan") && l.contains("tool_call_logs"))
            .unwrap_or_else(|| panic!("no join plan in {log}"))
            .to_string()
    };
    let plan = check(Some(tenant));
    assert!(plan.contains(r#"plan="merge""#), "{plan}");

    // 20,000 documents of a tenant nobody has, their `_id`s spread among the seed's.
    let db = s.stores.mongo().await;
    let stranger = Uuid::new_v4().to_string();
    for collection in ["tool_call_logs", "activity_outputs"] {
        let documents: Vec<Document> = (0..20_000)
            .map(|n| {
                let bytes: [u8; 12] = Uuid::new_v4().as_bytes()[..12].try_into().unwrap();
                doc! { "_id": ObjectId::from_bytes(bytes), "tenantId": &stranger, "n": n }
            })
            .collect();
        db.collection::<Document>(collection)
            .insert_many(documents)
            .await
            .unwrap();
    }
    // Next to every object a document names (and every one it names that is missing),
    // twelve that only extend its key: they sort right after it, so the listing's pages
    // hold many keys nobody asks about between the keys asked.
    let keys: Vec<String> = db
        .collection::<Document>("activity_outputs")
        .distinct("s3Key", doc! { "s3Key": { "$type": "string" } })
        .await
        .unwrap()
        .into_iter()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    assert!(keys.len() > 20, "{}", keys.len());
    let s3 = s.stores.s3().await;
    futures::stream::iter(
        keys.iter()
            .flat_map(|k| (0..12).map(move |i| format!("{k}.v{i}"))),
    )
    .map(|key| {
        let s3 = s3.clone();
        let bucket = s.stores.bucket.clone();
        async move {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(b"x".to_vec().into())
                .send()
                .await
                .unwrap();
        }
    })
    .buffer_unordered(16)
    .collect::<Vec<()>>()
    .await;

    let plan = check(Some(tenant));
    assert!(plan.contains(r#"plan="lookups""#), "{plan}");
    check(None);
}
