//! Triage in the explorer, on the real seeded stores: pasting an id lands on it with its
//! ancestry open, links are followed and retraced with `[`/`]`, query results and
//! filters are what the database says, copies are the exact OSC 52 bytes.

mod common;

use std::collections::BTreeSet;

use common::ui::{Ui, table, tree_path};
use common::{Seeded, Stores, seeded_once};
use crossterm::event::KeyCode;
use sqlx::PgPool;
use tenantscope::app::{Focus, Pane};
use tenantscope::store::Access;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("triage")
}

/// Every prefix of `path` that names a node is open, down to its parent.
fn assert_ancestry_open(ui: &Ui, path: &[String]) {
    let opened = ui.driver.app.tree.state.opened();
    for n in 1..path.len() {
        assert!(
            opened.contains(&path[..n].to_vec()),
            "{:?} is not open",
            &path[..n]
        );
    }
}

/// An activity whose output document and object both resolve.
async fn resolving_activity(s: &Seeded, pg: &PgPool) -> (Uuid, String) {
    let broken: BTreeSet<&str> = s
        .report
        .broken
        .iter()
        .flat_map(|b| [b.location.as_str(), b.reference.as_str()])
        .collect();
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, output_ref from activities where output_ref is not null order by id limit 200",
    )
    .fetch_all(pg)
    .await
    .unwrap();
    rows.into_iter()
        .find(|(id, r)| {
            !broken.contains(r.as_str())
                && !broken.contains(format!("activities/{id}").as_str())
                && !broken
                    .iter()
                    .any(|b| b.starts_with(&format!("activity_outputs/{r}")))
        })
        .expect("an activity with a resolving output")
}

#[tokio::test]
async fn pasting_a_deep_tool_call_id_lands_on_it_with_its_ancestry_open() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    // The deepest tool call: its run's activity is a sub-activity. A run with a screenful
    // of tool calls at most, so the group's heading is on screen with the call (the seed's
    // long showcase runs have hundreds).
    let call: Uuid = sqlx::query_scalar(
        "select c.id from tool_calls c join activity_runs r on r.id = c.activity_run_id
         join activities a on a.id = r.activity_id
         where a.parent_activity_id is not null
           and (select count(*) from tool_calls s where s.activity_run_id = r.id) <= 20
         order by c.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let path = tree_path(&pg, table("tool_calls"), call).await;
    assert!(path.len() >= 17, "not deep: {path:?}");
    let mut ui = Ui::open(&s.stores).await;
    // Pasted as it comes from a log line, quotes and spaces included.
    ui.palette(&format!(" \"{call}\" ")).await;
    assert_eq!(ui.selected(), path, "{}", ui.screen());
    assert_ancestry_open(&ui, &path);
    let detail = ui.driver.app.detail.as_ref().unwrap();
    assert_eq!((detail.table.name, detail.id), ("tool_calls", call));
    let screen = ui.screen();
    assert!(screen.contains("Row · tool_calls"), "{screen}");
    assert!(screen.contains("Tool calls"), "{screen}");
    // `:id` says the same; a second jump goes back with [.
    let run: Uuid = sqlx::query_scalar("select activity_run_id from tool_calls where id = $1")
        .bind(call)
        .fetch_one(&pg)
        .await
        .unwrap();
    ui.palette(&format!("id {run}")).await;
    assert_eq!(
        ui.selected(),
        tree_path(&pg, table("activity_runs"), run).await
    );
    ui.key(KeyCode::Char('[')).await;
    assert_eq!(ui.selected(), path);
    ui.key(KeyCode::Char(']')).await;
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().id, run);
}

#[tokio::test]
async fn an_object_id_or_an_s3_key_lands_on_the_row_that_points_at_it() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (activity, output_ref) = resolving_activity(s, &pg).await;
    let mut ui = Ui::open(&s.stores).await;
    ui.palette(&output_ref).await;
    let path = tree_path(&pg, table("activities"), activity).await;
    assert_eq!(ui.selected(), path, "{}", ui.screen());
    assert_eq!(ui.driver.app.pane, Pane::Document);
    assert!(ui.screen().contains(&output_ref), "{}", ui.screen());

    // The object's key: from the document, as a person would copy it.
    let key = {
        let detail = ui.driver.app.detail.as_ref().unwrap();
        detail.content.as_ref().expect("content").key.clone()
    };
    ui.key(KeyCode::Esc).await;
    ui.key(KeyCode::Char('g')).await;
    ui.palette(&format!("s3://{}/{key}", s.stores.bucket)).await;
    assert_eq!(ui.selected(), path, "{}", ui.screen());
    assert_eq!(ui.driver.app.pane, Pane::Content);
}

#[tokio::test]
async fn an_id_found_nowhere_says_where_it_looked() {
    let s = seeded();
    let mut ui = Ui::open(&s.stores).await;
    let before = ui.selected();
    let nobody = Uuid::new_v4();
    ui.palette(&nobody.to_string()).await;
    let notice = ui.driver.app.notice.clone().unwrap_or_default();
    assert!(notice.contains("not found"), "{notice}");
    assert!(notice.contains("31 PostgreSQL tables"), "{notice}");
    assert_eq!(ui.selected(), before, "the tree did not move");
    // A mistyped command is not looked up as an S3 key.
    ui.palette("faild").await;
    let notice = ui.driver.app.notice.clone().unwrap_or_default();
    assert!(notice.contains("unknown command"), "{notice}");
    ui.palette("000000000000000000000000").await;
    let notice = ui.driver.app.notice.clone().unwrap_or_default();
    assert!(notice.contains("activity_outputs"), "{notice}");
    assert!(notice.contains("activities.output_ref"), "{notice}");
}

#[tokio::test]
async fn following_output_ref_to_the_document_and_back_with_brackets() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (activity, output_ref) = resolving_activity(s, &pg).await;
    let mut ui = Ui::open(&s.stores).await;
    ui.palette(&activity.to_string()).await;
    ui.key(KeyCode::Char('1')).await;
    ui.move_to_field("output_ref").await;
    ui.key(KeyCode::Enter).await;
    assert_eq!(
        (ui.driver.app.focus, ui.driver.app.pane),
        (Focus::Pane, Pane::Document)
    );
    assert!(ui.screen().contains(&output_ref), "{}", ui.screen());
    ui.key(KeyCode::Char('[')).await;
    assert_eq!(ui.driver.app.pane, Pane::Row);
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().id, activity);
    ui.key(KeyCode::Char(']')).await;
    assert_eq!(ui.driver.app.pane, Pane::Document);

    // A foreign key: Enter jumps to the period, which the tree opens at; [ comes back.
    ui.key(KeyCode::Char('1')).await;
    ui.key(KeyCode::Char('g')).await;
    ui.move_to_field("deliverable_period_id").await;
    ui.key(KeyCode::Enter).await;
    let period: Uuid =
        sqlx::query_scalar("select deliverable_period_id from activities where id = $1")
            .bind(activity)
            .fetch_one(&pg)
            .await
            .unwrap();
    assert_eq!(
        ui.selected(),
        tree_path(&pg, table("deliverable_periods"), period).await
    );
    ui.key(KeyCode::Char('[')).await;
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().id, activity);
    assert_eq!(
        ui.selected(),
        tree_path(&pg, table("activities"), activity).await
    );
}

/// Loads every page of the group at `path` with Enter on "load more".
async fn load_all(ui: &mut Ui, path: &[String]) -> Vec<Uuid> {
    while ui.driver.app.tree.group_progress(path).unwrap().1 {
        let mut more = path.to_vec();
        more.push("+more".into());
        ui.driver.select(more);
        ui.key(KeyCode::Enter).await;
    }
    ui.driver
        .app
        .tree
        .group_items(path)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect()
}

#[tokio::test]
async fn failed_lists_the_tenants_failed_and_timed_out_runs_newest_first() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let mut ui = Ui::open(&s.stores).await;
    let tenant: Uuid = ui.driver.app.detail.as_ref().unwrap().id;
    let expected: Vec<Uuid> = sqlx::query_scalar(
        "select id from activity_runs where tenant_id = $1 and status in ('failed', 'timed_out')
         order by created_at desc, id desc",
    )
    .bind(tenant)
    .fetch_all(&pg)
    .await
    .unwrap();
    assert!(!expected.is_empty(), "the seed has failed runs");
    ui.palette("failed").await;
    let root = ui.driver.app.tree.roots()[0].clone();
    assert!(root[0].starts_with("#q:Failed runs"), "{root:?}");
    assert!(ui.screen().contains("Failed runs · "), "{}", ui.screen());
    assert_eq!(load_all(&mut ui, &root).await, expected);
    // Each result is a run whose panes resolve; o shows it at its place in the tree.
    ui.driver.select(vec![
        root[0].clone(),
        format!("activity_runs:{}", expected[0]),
    ]);
    ui.settle().await;
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().id, expected[0]);
    ui.key(KeyCode::Char('o')).await;
    assert_eq!(
        ui.selected(),
        tree_path(&pg, table("activity_runs"), expected[0]).await
    );
}

#[tokio::test]
async fn stuck_lists_runs_still_running_past_the_threshold() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let mut ui = Ui::open(&s.stores).await;
    let tenant: Uuid = ui.driver.app.detail.as_ref().unwrap().id;
    ui.palette("stuck 30").await;
    let expected: Vec<Uuid> = sqlx::query_scalar(
        "select id from activity_runs where tenant_id = $1 and status = 'running'
         and started_at < now() - interval '30 minutes' order by created_at desc, id desc",
    )
    .bind(tenant)
    .fetch_all(&pg)
    .await
    .unwrap();
    let root = ui.driver.app.tree.roots()[0].clone();
    assert_eq!(load_all(&mut ui, &root).await, expected);
}

#[tokio::test]
async fn a_status_filter_on_a_group_larger_than_a_page_is_evaluated_by_the_database() {
    // Own stores: one activity with 130 runs, 65 of them failed.
    let stores = Stores::create("filter").await;
    stores.migrate().await;
    let writer = stores.pg(Access::ReadWrite).await;
    let ids: Vec<Uuid> = (0..6).map(|_| Uuid::new_v4()).collect();
    let [tenant, _, _, _, _, activity] = ids[..] else {
        unreachable!()
    };
    for sql in [
        "insert into tenants (id, name, slug, status, plan) values ($1, 'Filter Co', 'filter-co', 'active', 'growth')",
        "insert into strategies (id, tenant_id, title, version, status) values ($2, $1, 'S', 1, 'active')",
        "insert into goals (id, tenant_id, strategy_id, title, metric, status, priority) values ($3, $1, $2, 'G', 'm', 'on_track', 'high')",
        "insert into deliverables (id, tenant_id, goal_id, strategy_id, title, kind, cadence, quantity_per_period, status)
         values ($4, $1, $3, $2, 'D', 'blog_post', 'weekly', 1, 'active')",
        "insert into deliverable_periods (id, tenant_id, deliverable_id, period_start, period_end, planned_count, completed_count, status)
         values ($5, $1, $4, '2026-11-01', '2026-11-07', 1, 0, 'in_progress')",
        "insert into activities (id, tenant_id, deliverable_period_id, title, kind, status) values ($6, $1, $5, 'A', 'write', 'running')",
    ] {
        let mut query = sqlx::query(sql);
        for id in &ids {
            query = query.bind(id);
        }
        query.execute(&writer).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let mut failed = Vec::new();
    for n in 0..130 {
        let id = Uuid::new_v4();
        let status = if n % 2 == 0 { "failed" } else { "succeeded" };
        sqlx::query(
            "insert into activity_runs (id, tenant_id, activity_id, run_number, status, trigger, started_at, created_at)
             values ($1, $2, $3, $4, $5, 'schedule', now(), now() - make_interval(mins => $4))",
        )
        .bind(id)
        .bind(tenant)
        .bind(activity)
        .bind(n)
        .bind(status)
        .execute(&writer)
        .await
        .unwrap();
        if status == "failed" {
            failed.push(id);
        }
    }
    let mut ui = Ui::open(&stores).await;
    let pg = stores.pg(Access::ReadOnly).await;
    let mut path = tree_path(&pg, table("activities"), activity).await;
    ui.palette(&activity.to_string()).await;
    ui.key(KeyCode::Char('l')).await;
    path.push("#activity_runs.activity_id".into());
    ui.walk(&path).await;
    ui.key(KeyCode::Char('l')).await;
    assert_eq!(ui.driver.app.tree.group_progress(&path), Some((50, true)));

    ui.key(KeyCode::Char('/')).await;
    ui.type_text("status:failed").await;
    ui.key(KeyCode::Enter).await;
    assert!(ui.screen().contains("[status:failed]"), "{}", ui.screen());
    // The first page is a page of failed runs, with more to load.
    assert_eq!(ui.driver.app.tree.group_progress(&path), Some((50, true)));
    let loaded = load_all(&mut ui, &path).await;
    // Newest first: run 0 was created last.
    assert_eq!(loaded, failed);
    // Text and status together; then an empty filter brings every run back.
    ui.key(KeyCode::Char('/')).await;
    assert_eq!(
        ui.driver.app.prompt.as_ref().unwrap().input,
        "status:failed"
    );
    for _ in 0.."status:failed".len() {
        ui.key(KeyCode::Backspace).await;
    }
    ui.key(KeyCode::Enter).await;
    assert_eq!(ui.driver.app.tree.group_progress(&path), Some((50, true)));
    assert!(!ui.screen().contains("[status:"), "{}", ui.screen());
}

#[tokio::test]
async fn y_copies_through_osc_52_with_the_exact_bytes() {
    let s = seeded();
    let mut ui = Ui::open(&s.stores).await;
    let id = ui.driver.app.detail.as_ref().unwrap().id.to_string();
    ui.key(KeyCode::Char('y')).await;
    assert!(ui.screen().contains("i id"), "{}", ui.screen());
    ui.key(KeyCode::Char('i')).await;
    use base64::Engine;
    let expected = [
        b"\x1b]52;c;".as_slice(),
        base64::engine::general_purpose::STANDARD
            .encode(&id)
            .as_bytes(),
        b"\x07",
    ]
    .concat();
    assert_eq!(ui.driver.terminal_out, vec![expected]);
    assert!(
        ui.driver
            .app
            .notice
            .as_deref()
            .unwrap()
            .contains("copied 36 bytes"),
        "{:?}",
        ui.driver.app.notice
    );
}

#[tokio::test]
async fn e_exports_the_row_document_and_content() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (activity, output_ref) = resolving_activity(s, &pg).await;
    let dir = std::env::temp_dir().join(format!("tenantscope-export-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ui = Ui::open(&s.stores).await;
    ui.driver.app.save_dir = dir.clone();
    ui.palette(&activity.to_string()).await;
    ui.key(KeyCode::Char('e')).await;
    ui.key(KeyCode::Char('j')).await;
    ui.key(KeyCode::Char('e')).await;
    ui.key(KeyCode::Char('m')).await;
    // Writes finish in the background.
    common::ui::exported_files(&dir, 2).await;
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("activities-{activity}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(json["row"]["output_ref"], output_ref.as_str());
    assert_eq!(
        json["documents"][0]["document"]["_id"]["$oid"],
        output_ref.as_str()
    );
    assert!(
        json["content"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let markdown = std::fs::read_to_string(dir.join(format!("activities-{activity}.md"))).unwrap();
    assert!(markdown.starts_with(&format!("# activities/{activity}")));
    assert!(markdown.contains(&format!("## Document activity_outputs/{output_ref}")));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn referrers_of_a_strategy_are_its_goals_and_deliverables_with_counts() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let strategy: Uuid = sqlx::query_scalar("select id from strategies order by id limit 1")
        .fetch_one(&pg)
        .await
        .unwrap();
    let goals: i64 = sqlx::query_scalar("select count(*) from goals where strategy_id = $1")
        .bind(strategy)
        .fetch_one(&pg)
        .await
        .unwrap();
    let mut ui = Ui::open(&s.stores).await;
    ui.palette(&strategy.to_string()).await;
    ui.key(KeyCode::Char('R')).await;
    let results = ui.driver.app.results.as_ref().expect("a results list");
    let texts: Vec<&str> = results.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(
        texts.contains(&format!("goals.strategy_id ({goals})").as_str()),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("deliverables.strategy_id (")),
        "{texts:?}"
    );
    // Enter on a goal jumps to it.
    let at = results
        .lines
        .iter()
        .position(|l| l.text.starts_with("goals.strategy_id"))
        .unwrap();
    for _ in 0..=at {
        ui.key(KeyCode::Char('j')).await;
    }
    ui.key(KeyCode::Enter).await;
    assert!(ui.driver.app.results.is_none());
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().table.name, "goals");
}

#[tokio::test]
async fn cost_rolls_up_llm_calls_by_strategy_goal_deliverable_and_run() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let mut ui = Ui::open(&s.stores).await;
    let tenant: Uuid = ui.driver.app.detail.as_ref().unwrap().id;
    ui.palette("cost").await;
    let results = ui.driver.app.results.as_ref().expect("a results list");
    assert!(results.error.is_none(), "{:?}", results.error);
    let total: String = sqlx::query_scalar(
        "select to_char(sum(cost_usd), 'FM999999990.00') from llm_calls where tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(&pg)
    .await
    .unwrap();
    let texts: Vec<&str> = results.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts[0], "Tenant total");
    assert!(
        texts[1].contains(&format!("${total:>10}")),
        "{texts:?} vs {total}"
    );
    for heading in [
        "By strategy",
        "By goal",
        "By deliverable",
        "By run (the costliest)",
    ] {
        assert!(texts.contains(&heading), "{heading} missing: {texts:?}");
    }
}

#[tokio::test]
async fn the_tenant_picker_finds_a_tenant_by_slug_and_opens_it() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (id, slug): (Uuid, String) =
        sqlx::query_as("select id, slug from tenants order by created_at limit 1")
            .fetch_one(&pg)
            .await
            .unwrap();
    let mut ui = Ui::open(&s.stores).await;
    ui.key(KeyCode::Char('t')).await;
    ui.type_text(&slug).await;
    let picker = ui.driver.app.picker.as_ref().unwrap();
    assert_eq!(picker.chosen().map(|t| t.id), Some(id), "{}", ui.screen());
    ui.key(KeyCode::Enter).await;
    assert!(ui.driver.app.picker.is_none());
    assert_eq!(
        ui.selected(),
        vec!["#tenants".to_string(), format!("tenants:{id}")]
    );
}

#[tokio::test]
async fn broken_lists_exactly_the_tenants_seeded_broken_references() {
    let s = seeded();
    let mut ui = Ui::open(&s.stores).await;
    let tenant: Uuid = ui.driver.app.detail.as_ref().unwrap().id;
    ui.palette("broken").await;
    let results = ui.driver.app.results.as_ref().expect("a results list");
    assert!(results.error.is_none(), "{:?}", results.error);
    // Every line but the summary is one problem: location and reference, as seeded.
    let (problems, summary) = results.lines.split_at(results.lines.len() - 1);
    let found: BTreeSet<(String, String)> = problems
        .iter()
        .map(|l| {
            let (location, rest) = l.text.split_once(' ').unwrap().1.split_once('.').unwrap();
            let reference = rest.rsplit('/').next().unwrap().to_string();
            (location.to_string(), reference)
        })
        .collect();
    let seeded: BTreeSet<(String, String)> = s
        .report
        .broken
        .iter()
        .filter(|b| b.tenant_id == tenant)
        .map(|b| {
            let reference = b.reference.rsplit('/').next().unwrap().to_string();
            (b.location.clone(), reference)
        })
        .collect();
    assert!(!seeded.is_empty());
    assert_eq!(found, seeded);
    assert!(summary[0].text.contains("problems"), "{}", summary[0].text);
    // Every problem leads somewhere; Enter on the first jumps to the row holding it.
    assert!(problems.iter().all(|l| l.target.is_some()));
    let first = problems
        .iter()
        .position(|l| matches!(l.target, Some(tenantscope::app::results::Target::Row(..))))
        .unwrap();
    let expected = problems[first]
        .text
        .split(' ')
        .nth(1)
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_string();
    for _ in 0..first {
        ui.key(KeyCode::Char('j')).await;
    }
    ui.key(KeyCode::Enter).await;
    let detail = ui.driver.app.detail.as_ref().unwrap();
    assert_eq!(format!("{}/{}", detail.table.name, detail.id), expected);
}
