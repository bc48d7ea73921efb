//! Their database is not ours: the explorer on a database that differs from our
//! migrations (`common::drift::CHANGES`), driven as a person drives it, each difference
//! opened through the part of the tree it changes. PostgreSQL stays "✓" throughout: a
//! schema that differs is not an outage.

mod common;

use common::Seeded;
use common::cli::tenantscope;
use common::drift::drifted_once;
use common::ui::{Ui, table, tree_path};
use crossterm::event::KeyCode;
use sqlx::PgPool;
use tenantscope::resolve::HopState;
use tenantscope::store::Access;
use uuid::Uuid;

fn drifted() -> &'static Seeded {
    drifted_once("drift")
}

async fn one<T>(pg: &PgPool, sql: &'static str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql)
        .fetch_one(pg)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn assert_postgres_up(ui: &Ui) {
    let screen = ui.screen();
    let title = screen.lines().next().unwrap_or_default();
    assert!(title.contains("PG ✓"), "title line: {title}\n{screen}");
    assert!(!screen.contains("PostgreSQL down"), "{screen}");
}

/// From the tenant down through a renamed label (goals), a dropped status
/// (deliverables) and an enum status (runs) to an LLM call with a renamed cost column.
#[tokio::test]
async fn every_level_opens_down_to_an_llm_call_and_a_tool_call() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let mut ui = Ui::open(&s.stores).await;
    for (kind, sql) in [
        (
            "llm_calls",
            "select c.id from llm_calls c join activity_runs r on r.id = c.activity_run_id \
             join activities a on a.id = r.activity_id \
             where a.goal_id is not null and a.deliverable_period_id is not null \
             order by c.created_at, c.id limit 1",
        ),
        (
            "tool_calls",
            "select c.id from tool_calls c join activity_runs r on r.id = c.activity_run_id \
             join activities a on a.id = r.activity_id \
             where a.deliverable_period_id is not null order by c.created_at, c.id limit 1",
        ),
    ] {
        let call: Uuid = one(&pg, sql).await;
        let path = tree_path(&pg, table(kind), call).await;
        assert!(
            path.iter().any(|p| p.starts_with("#goals.")),
            "the path goes through goals: {path:?}"
        );
        ui.walk(&path).await;
        assert_eq!(ui.selected(), path);
        assert_postgres_up(&ui);
        let detail = ui.driver.app.detail.as_ref().expect("the call is shown");
        assert_eq!(detail.id, call);
        if kind == "llm_calls" {
            let columns: Vec<&str> = detail.fields().iter().map(|f| f.column.as_str()).collect();
            assert!(columns.contains(&"cost"), "{columns:?}");
        }
    }
}

#[tokio::test]
async fn a_renamed_label_column_labels_goals_by_the_column_that_exists() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (goal, name): (Uuid, String) =
        sqlx::query_as("select id, name from goals order by created_at, id limit 1")
            .fetch_one(&pg)
            .await
            .unwrap();
    let mut ui = Ui::open(&s.stores).await;
    ui.walk(&tree_path(&pg, table("goals"), goal).await).await;
    let shown: String = name.chars().take(20).collect();
    let screen = ui.screen();
    assert!(
        screen.contains(&shown),
        "no goal labelled {shown:?}:\n{screen}"
    );
    assert_postgres_up(&ui);
}

#[tokio::test]
async fn a_dropped_status_column_shows_rows_without_one_and_says_so_when_filtering() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let deliverable: Uuid = one(
        &pg,
        "select id from deliverables order by created_at, id limit 1",
    )
    .await;
    let mut ui = Ui::open(&s.stores).await;
    ui.walk(&tree_path(&pg, table("deliverables"), deliverable).await)
        .await;
    let selected = ui.selected();
    let items = ui
        .driver
        .app
        .tree
        .group_items(&selected[..selected.len() - 1])
        .expect("the deliverables group is loaded");
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i.status.is_none()), "{items:?}");
    ui.key(KeyCode::Char('/')).await;
    ui.type_text("status:active").await;
    ui.key(KeyCode::Enter).await;
    let notice = ui.driver.app.notice.clone().unwrap_or_default();
    assert!(notice.contains("deliverables has no status"), "{notice}");
    assert_postgres_up(&ui);
}

#[tokio::test]
async fn an_enum_status_still_filters_failed_runs_as_text() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let mut ui = Ui::open(&s.stores).await;
    let tenant: Uuid = ui.driver.app.detail.as_ref().unwrap().id;
    let expected: Vec<Uuid> = sqlx::query_scalar(
        "select id from activity_runs where tenant_id = $1 and status::text in ('failed', 'timed_out')
         order by created_at desc, id desc limit 50",
    )
    .bind(tenant)
    .fetch_all(&pg)
    .await
    .unwrap();
    assert!(!expected.is_empty(), "the seed has failed runs");
    ui.palette("failed").await;
    let root = ui.driver.app.tree.roots()[0].clone();
    let shown: Vec<Uuid> = ui
        .driver
        .app
        .tree
        .group_items(&root)
        .expect("the failed runs are listed")
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(shown, expected);
    let statuses: Vec<Option<String>> = ui
        .driver
        .app
        .tree
        .group_items(&root)
        .unwrap()
        .iter()
        .map(|i| i.status.clone())
        .collect();
    assert!(
        statuses
            .iter()
            .all(|s| matches!(s.as_deref(), Some("failed" | "timed_out"))),
        "{statuses:?}"
    );
    assert_postgres_up(&ui);
}

#[tokio::test]
async fn a_table_without_created_at_is_paged_by_id_and_says_so() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (channel, score): (Uuid, Uuid) = sqlx::query_as(
        "select channel_id, max(id::text)::uuid from channel_scores group by channel_id \
         order by count(*) desc, channel_id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let expected: Vec<Uuid> = sqlx::query_scalar(
        "select id from channel_scores where channel_id = $1 order by id desc limit 50",
    )
    .bind(channel)
    .fetch_all(&pg)
    .await
    .unwrap();
    assert_eq!(expected[0], score);
    let mut ui = Ui::open(&s.stores).await;
    ui.walk(&tree_path(&pg, table("channel_scores"), score).await)
        .await;
    let group = ui.selected()[..ui.selected().len() - 1].to_vec();
    let shown: Vec<Uuid> = ui
        .driver
        .app
        .tree
        .group_items(&group)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(shown, expected);
    let screen = ui.screen();
    assert!(screen.contains("by id (no created_at)"), "{screen}");
    assert_postgres_up(&ui);
    // `tree` says it the same way, and in JSON.
    let tenant: Uuid = sqlx::query_scalar("select tenant_id from channels where id = $1")
        .bind(channel)
        .fetch_one(&pg)
        .await
        .unwrap();
    let tenant = tenant.to_string();
    let out = tenantscope(&s.stores, &["tree", "--tenant", &tenant]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Scores · by id (no created_at) ("),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("Channels · by id"), "{}", out.stdout);
    let out = tenantscope(&s.stores, &["tree", "--tenant", &tenant, "--json"]);
    let tree: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let channels = tree["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["table"] == "channels")
        .expect("the channels group");
    assert_eq!(channels["ordered_by_id"], false);
    let scores = channels["rows"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["table"] == "channel_scores")
        .expect("the first channel's scores");
    assert_eq!(scores["ordered_by_id"], true);
}

#[tokio::test]
async fn a_missing_table_is_skipped_with_one_notice_and_an_extra_table_shows_under_its_parents() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let mut ui = Ui::open(&s.stores).await;
    let notice = ui.driver.app.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("not in this database, not shown: search_term_classifications"),
        "{notice}"
    );
    // The extra table under an activity: its own group, labelled from its title.
    let (note, activity, title): (Uuid, Uuid, String) = sqlx::query_as(
        "select id, activity_id, title from case_notes order by created_at, id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let mut path = tree_path(&pg, table("activities"), activity).await;
    path.push("#case_notes.activity_id".into());
    path.push(format!("case_notes:{note}"));
    ui.walk(&path).await;
    let screen = ui.screen();
    assert!(screen.contains("Case notes (1)"), "{screen}");
    let shown: String = title.chars().take(20).collect();
    assert!(screen.contains(&shown), "{screen}");
    assert!(!screen.contains("Classifications"), "{screen}");
    // Its foreign key is a link: Enter on it jumps to the activity.
    ui.key(KeyCode::Tab).await;
    ui.move_to_field("activity_id").await;
    ui.key(KeyCode::Enter).await;
    assert_eq!(
        ui.driver.app.here().map(|(t, id)| (t.name, id)),
        Some(("activities", activity))
    );
    assert_postgres_up(&ui);
    // And under its tenant.
    let tenant: Uuid = sqlx::query_scalar("select tenant_id from case_notes where id = $1")
        .bind(note)
        .fetch_one(&pg)
        .await
        .unwrap();
    ui.key(KeyCode::Esc).await;
    let under_tenant = vec![
        "#tenants".to_string(),
        format!("tenants:{tenant}"),
        "#case_notes.tenant_id".to_string(),
    ];
    ui.walk(&under_tenant).await;
    assert_eq!(ui.selected(), under_tenant);
}

#[tokio::test]
async fn a_dropped_reference_column_says_so_in_the_chain() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let post: Uuid = one(
        &pg,
        "select id from social_posts order by created_at, id limit 1",
    )
    .await;
    let mut ui = Ui::open(&s.stores).await;
    ui.palette(&format!("id {post}")).await;
    let chain = ui.driver.app.chain_summary();
    assert_eq!(
        chain,
        vec![(
            "social_posts.content_ref → nothing".to_string(),
            HopState::Invalid("column not in this database".into())
        )]
    );
    assert_postgres_up(&ui);
    // `get` says it once.
    let out = tenantscope(&s.stores, &["get", &post.to_string()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let hop = "social_posts.content_ref → nothing: invalid: column not in this database";
    assert!(out.stdout.lines().any(|l| l == hop), "{}", out.stdout);
    assert_eq!(
        out.stdout.matches("column not in this database").count(),
        1,
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn cost_names_the_missing_column_instead_of_the_database_error() {
    let s = drifted();
    let mut ui = Ui::open(&s.stores).await;
    ui.palette("cost").await;
    let results = ui.driver.app.results.as_ref().expect("a results list");
    let error = results.error.clone().unwrap_or_default();
    assert_eq!(
        error,
        ":cost needs llm_calls.cost_usd, which this database does not have"
    );
    assert_postgres_up(&ui);
}

/// A query the effective schema did not foresee (a column renamed after the catalog
/// was read) fails as a schema mismatch of its group, with PostgreSQL still up.
#[tokio::test]
async fn a_query_refused_for_a_schema_reason_is_not_an_outage() {
    let stores = common::Stores::create("drift_late").await;
    stores.seed(tenantscope::seed::Options::default()).await;
    let pg = stores.pg(Access::ReadWrite).await;
    let strategy: Uuid = one(
        &pg,
        "select id from strategies order by created_at, id limit 1",
    )
    .await;
    let path = tree_path(&pg, table("strategies"), strategy).await;
    let mut ui = Ui::open(&stores).await;
    sqlx::query("alter table strategies rename column title to headline")
        .execute(&pg)
        .await
        .unwrap();
    // The group of strategies, opened: listed with the column the catalog had.
    ui.walk(&path[..3]).await;
    ui.key(KeyCode::Char('l')).await;
    let screen = ui.screen();
    assert!(screen.contains("schema mismatch"), "{screen}");
    assert!(screen.contains("listing strategies"), "{screen}");
    assert_postgres_up(&ui);
    // r on the tenants reads the catalog again: the group opens, labelled by the id.
    ui.driver.select(vec!["#tenants".to_string()]);
    ui.key(KeyCode::Char('r')).await;
    ui.walk(&path).await;
    let screen = ui.screen();
    assert!(!screen.contains("schema mismatch"), "{screen}");
    assert!(screen.contains(&strategy.to_string()[..8]), "{screen}");
}

/// A query refused for a schema reason reads as one line, as a group, a hop or the
/// command line shows it: the server's message and SQLSTATE once, not sqlx's text twice
/// with the server's own C source line (`… at line 647: … at line 647`).
#[tokio::test]
async fn a_schema_error_reads_as_one_line_with_its_sqlstate() {
    use anyhow::Context;
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let failure = tenantscope::store::deadline::bounded(async {
        sqlx::query("select title from goals")
            .execute(&pg)
            .await
            .context("listing goals")
    })
    .await
    .unwrap_err();
    assert_eq!(
        failure,
        "schema mismatch: listing goals: column \"title\" does not exist (SQLSTATE 42703)"
    );
}

/// The command line on the same database: `get` shows the renamed column, `snapshot`
/// copies what fits and says what it left out.
#[tokio::test]
async fn get_and_snapshot_work_on_the_drifted_database() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let goal: Uuid = one(&pg, "select id from goals order by created_at, id limit 1").await;
    let tenant: Uuid = one(
        &pg,
        "select id from tenants order by created_at, id limit 1",
    )
    .await;
    let out = tenantscope(&s.stores, &["get", &goal.to_string(), "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(json["row"]["name"].is_string(), "{json}");

    let file = std::env::temp_dir().join(format!("drift-{}.tsnap", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let out = tenantscope(
        &s.stores,
        &[
            "snapshot",
            "--tenant",
            &tenant.to_string(),
            "-o",
            file.to_str().unwrap(),
        ],
    );
    let stdout = &out.stdout;
    assert_eq!(out.code, 0, "{stdout}{}", out.stderr);
    assert!(
        stdout.contains("left out: channel_scores: no created_at column to page by"),
        "{stdout}"
    );
    assert!(
        stdout.contains("left out: search_term_classifications: not in this database"),
        "{stdout}"
    );
    let _ = std::fs::remove_file(&file);
}

/// A foreign key column of another type than the ids it holds (text, not uuid) would make
/// every query through it fail (`text = uuid`), and with it the counts of its siblings:
/// that edge alone is dropped, doctor says so once, and the campaign's other groups,
/// `tree` and `path` work. A foreign key that only lost its constraint is named too.
#[tokio::test]
async fn a_foreign_key_column_that_is_not_uuid_drops_that_edge_only() {
    let stores = common::Stores::create("drift_fk_type").await;
    stores.seed(tenantscope::seed::Options::default()).await;
    let pg = stores.pg(Access::ReadWrite).await;
    sqlx::raw_sql(
        "alter table leads drop constraint leads_source_campaign_id_fkey;
         alter table leads alter column source_campaign_id type text;
         alter table leads drop constraint leads_assigned_to_fkey",
    )
    .execute(&pg)
    .await
    .unwrap();
    let (keyword, tenant): (Uuid, Uuid) = sqlx::query_as(
        "select k.id, k.tenant_id from ad_keywords k
         where exists (select 1 from leads l where l.source_campaign_id = k.ad_campaign_id::text)
         order by k.created_at, k.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let lead: Uuid = one(
        &pg,
        "select id from leads where source_campaign_id is not null order by created_at, id limit 1",
    )
    .await;

    let mut ui = Ui::open(&stores).await;
    let path = tree_path(&pg, table("ad_keywords"), keyword).await;
    assert!(
        path.iter().any(|p| p.starts_with("ad_campaigns:")),
        "{path:?}"
    );
    ui.walk(&path).await;
    assert_eq!(ui.selected(), path);
    let screen = ui.screen();
    assert!(!screen.contains("schema mismatch"), "{screen}");
    assert_postgres_up(&ui);

    let out = tenantscope(&stores, &["tree", "--tenant", &tenant.to_string()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Keywords ("), "{}", out.stdout);
    let out = tenantscope(&stores, &["path", &lead.to_string()]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let out = tenantscope(&stores, &["doctor"]);
    let said = [
        "DIFF leads.source_campaign_id → ad_campaigns is text, not uuid: no link or group for it",
        // A uuid column without its constraint is still followed; doctor says so.
        "DIFF leads.assigned_to → users has no foreign key constraint: \
         nothing guarantees it (check probes it)",
    ];
    for said in said {
        assert_eq!(
            out.stdout.lines().filter(|l| l.contains(said)).count(),
            1,
            "{said}\n{}",
            out.stdout
        );
    }
    assert_eq!(
        out.stdout.lines().filter(|l| l.contains("DIFF ")).count(),
        2,
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
}

/// References the declaration does not know, declared in a profile of the config file
/// (`[[profile.NAME.references]]`, as `assets/config.example.toml` shows): a column
/// holding an ObjectId and one holding an S3 key become hops that resolve; one naming a
/// column the database lacks is ignored, and doctor says why.
#[tokio::test]
async fn config_references_become_hops_and_a_wrong_one_is_named_by_doctor() {
    let stores = common::Stores::create("drift_overlay").await;
    // Nothing broken on purpose: every key the notes copy has its object.
    stores
        .seed(tenantscope::seed::Options {
            broken_rate: 0.0,
            ..Default::default()
        })
        .await;
    let pg = stores.pg(Access::ReadWrite).await;
    sqlx::raw_sql(
        "create table case_notes (
           id uuid primary key default gen_random_uuid(),
           tenant_id uuid not null references tenants,
           activity_id uuid references activities,
           title text not null,
           transcript_ref text,
           attachment_key text,
           created_at timestamptz not null default now());
         create index on case_notes (tenant_id, created_at desc, id desc);
         insert into case_notes (tenant_id, activity_id, title, transcript_ref, attachment_key)
           select a.tenant_id, a.id, 'Case note on ' || a.title, a.output_ref, c.pdf_s3_key
           from activities a join contracts c on c.tenant_id = a.tenant_id
           where a.output_ref is not null and c.pdf_s3_key is not null
           order by a.created_at, a.id, c.id limit 1",
    )
    .execute(&pg)
    .await
    .unwrap();
    let (note, transcript, attachment): (Uuid, String, String) =
        sqlx::query_as("select id, transcript_ref, attachment_key from case_notes")
            .fetch_one(&pg)
            .await
            .unwrap();
    let config = std::env::temp_dir().join(format!("overlay-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        r#"
[profile.support]

[[profile.support.references]]
table = "case_notes"
column = "transcript_ref"
collection = "activity_outputs"

[[profile.support.references]]
table = "case_notes"
column = "attachment_key"
s3 = true

[[profile.support.references]]
table = "case_notes"
column = "recording_key"
s3 = true
"#,
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let with_profile = |args: &[&str]| {
        tenantscope(
            &stores,
            &[&["--config", config, "--profile", "support"][..], args].concat(),
        )
    };

    let out = with_profile(&["get", &note.to_string()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let hops = [
        format!("case_notes.transcript_ref → activity_outputs/{transcript}: resolved"),
        format!(
            "case_notes.attachment_key → s3://{}/{attachment}: resolved",
            stores.bucket
        ),
    ];
    for hop in hops {
        assert!(out.stdout.contains(&hop), "{hop}:\n{}", out.stdout);
    }
    // Without the profile, no hop.
    let out = tenantscope(&stores, &["get", &note.to_string()]);
    assert!(!out.stdout.contains("→ activity_outputs"), "{}", out.stdout);

    let out = with_profile(&["doctor"]);
    let said = "DIFF config reference case_notes.recording_key ignored: no such column";
    assert_eq!(
        out.stdout.lines().filter(|l| l.contains(said)).count(),
        1,
        "{}",
        out.stdout
    );
    let _ = std::fs::remove_file(config);
}

/// `check` runs on the drift database, and its summary names the tables it left out
/// (a table without `created_at`, one the declaration does not know) instead of
/// passing over them in silence.
#[test]
fn check_names_the_tables_it_leaves_out() {
    let s = drifted();
    let run = common::cli::tenantscope_by_env(&s.stores, &["check", "--json"], &[]);
    assert!(matches!(run.code, 0 | 1), "{}{}", run.stdout, run.stderr);
    let summary: serde_json::Value =
        serde_json::from_str(run.stdout.lines().last().expect("a summary")).unwrap();
    assert_eq!(
        summary["not_checked"],
        serde_json::json!([
            "channel_scores (no created_at)",
            "case_notes (not declared)"
        ]),
        "{summary}"
    );
    let text = common::cli::tenantscope_by_env(&s.stores, &["check"], &[]);
    let last = text.stdout.lines().last().unwrap_or_default();
    assert!(
        last.ends_with("; not checked: channel_scores (no created_at), case_notes (not declared)"),
        "{last}"
    );
}

/// The renamed cost column: `run`, `diff` and the run view say the cost is absent (JSON
/// `null`), not `$0.00`; the run row's own cost column, still there, is shown.
#[tokio::test]
async fn a_missing_cost_column_reads_as_absent_not_zero() {
    let s = drifted();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (before, run): (Uuid, Uuid) = sqlx::query_as(
        "select g.id, f.id from activity_runs f join activity_runs g
           on g.activity_id = f.activity_id and g.run_number = f.run_number - 1
         where exists (select 1 from llm_calls c where c.activity_run_id = f.id)
           and exists (select 1 from llm_calls c where c.activity_run_id = g.id)
         order by f.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let (id, b) = (run.to_string(), before.to_string());

    let out = tenantscope(&s.stores, &["run", &id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let tokens = out
        .stdout
        .lines()
        .find(|l| l.starts_with("tokens: "))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(tokens.contains(" · cost absent (run row: "), "{tokens}");
    let models: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("  model "))
        .collect();
    assert!(!models.is_empty(), "{}", out.stdout);
    for line in models {
        assert!(line.contains(" out · absent · "), "{line}");
    }
    let out = tenantscope(&s.stores, &["run", &id, "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["totals"]["cost_usd"],
        serde_json::Value::Null,
        "{json}"
    );
    for model in json["by_model"].as_array().unwrap() {
        assert_eq!(model["cost_usd"], serde_json::Value::Null, "{model}");
    }
    assert!(json["run"]["cost_usd"].is_number(), "{}", json["run"]);

    let out = tenantscope(&s.stores, &["diff", &b, &id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for side in ["a: ", "b: "] {
        let line = out.stdout.lines().find(|l| l.starts_with(side)).unwrap();
        assert!(line.ends_with(" tokens · absent"), "{line}");
    }
    let delta = out
        .stdout
        .lines()
        .find(|l| l.starts_with("b − a: "))
        .unwrap();
    assert!(delta.ends_with(" · cost absent"), "{delta}");
    let pairs: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("= llm ") || l.starts_with("~ llm "))
        .collect();
    assert!(!pairs.is_empty(), "{}", out.stdout);
    for line in pairs {
        assert!(line.contains(" · cost absent"), "{line}");
    }
    let out = tenantscope(&s.stores, &["diff", &b, &id, "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let totals = &json["totals"];
    assert_eq!(
        totals["delta"]["cost_usd"],
        serde_json::Value::Null,
        "{totals}"
    );
    assert_eq!(totals["a"]["cost_usd"], serde_json::Value::Null, "{totals}");

    // The run view, on the whole screen.
    let mut ui = Ui::open(&s.stores).await;
    ui.palette(&format!("run {run}")).await;
    ui.key(KeyCode::Char('z')).await;
    let screen = ui.screen();
    let totals = screen
        .lines()
        .find(|l| l.contains("totals "))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(totals.contains(" out · cost absent"), "{totals}");
    let models = screen
        .lines()
        .find(|l| l.contains("models "))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(models.contains(" tok absent"), "{models}");
    assert!(!models.contains('$'), "{models}");
    ui.key(KeyCode::Esc).await;

    // The comparison: its totals delta and each aligned LLM pair.
    ui.palette(&format!("diff {before} {run}")).await;
    ui.key(KeyCode::Char('z')).await;
    let screen = ui.screen();
    let delta = screen
        .lines()
        .find(|l| l.contains("b − a "))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(delta.contains(" · cost absent"), "{delta}");
    let pairs: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("= ✓ llm ") || l.contains("~ "))
        .filter(|l| l.contains(" llm "))
        .collect();
    assert!(!pairs.is_empty(), "{screen}");
    for line in pairs {
        assert!(line.contains(" absent"), "{line}");
        assert!(!line.contains('$'), "{line}");
    }
    assert_postgres_up(&ui);
}

/// A tenants table of other names (`display_name` for `name`, no `slug`, `status` an
/// enum): the tree's root and the picker list the tenants by the name column that
/// exists, with their status as text and their id as slug; `--tenant` takes the id and
/// says why it cannot take a slug; doctor names the missing slug once.
#[tokio::test]
async fn a_tenants_table_of_other_names_still_lists_and_scopes_its_tenants() {
    let stores = common::Stores::create("drift_tenants").await;
    stores.seed(tenantscope::seed::Options::default()).await;
    let pg = stores.pg(Access::ReadWrite).await;
    let (tenant, name, slug, status): (Uuid, String, String, String) = sqlx::query_as(
        "select id, name, slug, status from tenants order by created_at, id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    sqlx::raw_sql(
        "alter table tenants rename column name to display_name;
         alter table tenants drop column slug;
         alter table tenants drop constraint tenants_status_check;
         create type tenant_status as enum ('trial', 'active', 'paused', 'churned');
         alter table tenants alter column status type tenant_status
           using status::tenant_status",
    )
    .execute(&pg)
    .await
    .unwrap();

    let mut ui = Ui::open(&stores).await;
    let screen = ui.screen();
    assert!(
        screen.contains(&name),
        "no tenant {name:?} at the root:\n{screen}"
    );
    assert!(!screen.contains("schema mismatch"), "{screen}");
    assert_postgres_up(&ui);
    ui.key(KeyCode::Char('t')).await;
    let picker = ui.driver.app.picker.as_ref().expect("the picker is open");
    assert_eq!(picker.error, None);
    let entry = picker
        .tenants
        .iter()
        .find(|t| t.id == tenant)
        .unwrap_or_else(|| panic!("{tenant} not in the picker: {:?}", picker.tenants));
    assert_eq!(
        (
            entry.name.as_str(),
            entry.slug.as_str(),
            entry.status.as_str()
        ),
        (name.as_str(), tenant.to_string().as_str(), status.as_str())
    );

    let out = tenantscope(
        &stores,
        &["tree", "--tenant", &tenant.to_string(), "--depth", "1"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&name), "{}", out.stdout);
    let out = tenantscope(&stores, &["tree", "--tenant", &slug, "--depth", "1"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("tenants has no slug column in this database: name the tenant by its id"),
        "{}",
        out.stderr
    );

    let out = tenantscope(&stores, &["doctor"]);
    let said = "tenants.slug (read by the tenant picker and --tenant SLUG) is not in this \
                database: a tenant's slug is its id, and --tenant takes the id";
    assert_eq!(
        out.stdout.lines().filter(|l| l.contains(said)).count(),
        1,
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
}
