//! The explorer's journeys on the built-in demo, with no server at all: the same keys and
//! the same screens as tests/explorer.rs, on a snapshot the generator filled. Targets are
//! found through the store interface, never through SQL against a server.

mod common;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::OnceLock;

use common::block_on_own_runtime;
use common::ui::{Ui, source_tree_path, table};
use crossterm::event::KeyCode;
use tenantscope::outline::{PAGE_SIZE, groups_of};
use tenantscope::resolve::HopState;
use tenantscope::schema::Schema;
use tenantscope::seed::{Broken, BrokenKind};
use tenantscope::snapshot::write_demo;
use tenantscope::store::read::{Field, Listing};
use tenantscope::store::snapshot::Snapshot;
use tenantscope::store::source::Source;
use uuid::Uuid;

/// Every row of the demo, found by walking its tree through the store interface.
struct Demo {
    file: PathBuf,
    broken: Vec<Broken>,
    rows: Vec<(&'static str, Uuid, Vec<Field>)>,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        block_on_own_runtime(async {
            let dir =
                std::env::temp_dir().join(format!("tenantscope-demo-test-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join("demo.sqlite");
            let _ = std::fs::remove_file(&file);
            let broken = write_demo(&file).await.unwrap();
            let source = Source::Snapshot(Snapshot::open(&file).await.unwrap());
            let mut rows = Vec::new();
            let tenants = source
                .list(&Listing::tenants(Schema::declared()), None, PAGE_SIZE)
                .await
                .unwrap()
                .items;
            let mut queue: VecDeque<_> = tenants.iter().map(|t| (table("tenants"), t.id)).collect();
            while let Some((t, id)) = queue.pop_front() {
                rows.push((t.name, id, source.row(t, id).await.unwrap().unwrap()));
                for spec in groups_of(Schema::declared(), t) {
                    let mut after = None;
                    loop {
                        let page = source
                            .list(&spec.listing(id), after, PAGE_SIZE)
                            .await
                            .unwrap();
                        queue.extend(page.items.iter().map(|i| (spec.table, i.id)));
                        match page.next {
                            Some(next) => after = Some(next),
                            None => break,
                        }
                    }
                }
            }
            Demo { file, broken, rows }
        })
    })
}

fn value<'a>(fields: &'a [Field], column: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|f| f.column == column)
        .and_then(|f| f.value.as_deref())
}

fn is_broken(reference: &str) -> bool {
    demo().broken.iter().any(|b| b.reference == reference)
}

/// Rows of `table_name` that satisfy `keep`.
fn rows_where(table_name: &str, keep: impl Fn(&[Field]) -> bool) -> Vec<Uuid> {
    demo()
        .rows
        .iter()
        .filter(|(t, _, f)| *t == table_name && keep(f))
        .map(|(_, id, _)| *id)
        .collect()
}

async fn source() -> Source {
    Source::Snapshot(Snapshot::open(&demo().file).await.unwrap())
}

async fn ui() -> Ui {
    Ui::attached(source().await, Vec::new(), 140, 40).await
}

async fn walk_to(ui: &mut Ui, table_name: &str, id: Uuid) {
    let path = source_tree_path(&source().await, table(table_name), id).await;
    ui.walk(&path).await;
}

#[tokio::test]
async fn demo_blog_activity_renders_its_markdown() {
    let candidates = rows_where("activities", |f| {
        value(f, "title").is_some_and(|t| t.starts_with("Blog post:"))
            && value(f, "status") == Some("done")
            && value(f, "output_ref").is_some_and(|r| !is_broken(r))
    });
    for id in candidates.into_iter().take(10) {
        let mut ui = ui().await;
        walk_to(&mut ui, "activities", id).await;
        let chain = ui.driver.app.chain_summary();
        if chain.iter().any(|(_, s)| *s != HopState::Resolved) {
            continue; // its object is one of the missing ones
        }
        ui.key(KeyCode::Char('3')).await;
        let screen = ui.screen();
        assert!(
            screen.contains("# Blog post:") && screen.contains("## "),
            "{screen}"
        );
        assert!(screen.contains("text/markdown"), "{screen}");
        return;
    }
    panic!("no blog activity with resolving content in the demo");
}

#[tokio::test]
async fn demo_tool_call_shows_its_log_document() {
    let call = rows_where("tool_calls", |f| {
        value(f, "tool_name") == Some("web_search")
            && value(f, "status") == Some("succeeded")
            && value(f, "log_ref").is_some_and(|r| !is_broken(r))
    })[0];
    let mut ui = ui().await;
    walk_to(&mut ui, "tool_calls", call).await;
    ui.key(KeyCode::Char('2')).await;
    let screen = ui.screen();
    for needle in [
        "tool_call_logs/",
        "request: {",
        "query: \"",
        "response: {",
        "ObjectId(\"",
    ] {
        assert!(screen.contains(needle), "{needle}:\n{screen}");
    }
}

#[tokio::test]
async fn demo_contract_shows_its_pdf_metadata() {
    let contract = rows_where("contracts", |f| {
        value(f, "pdf_s3_key").is_some_and(|k| !is_broken(k))
    })[0];
    let mut ui = ui().await;
    walk_to(&mut ui, "contracts", contract).await;
    ui.key(KeyCode::Char('3')).await;
    let screen = ui.screen();
    assert!(
        screen.contains("application/pdf") && screen.contains("binary content: not shown"),
        "{screen}"
    );
}

#[tokio::test]
async fn demo_broken_references_name_the_missing_hop() {
    for kind in [
        BrokenKind::MissingDocument,
        BrokenKind::MissingObject,
        BrokenKind::MissingContractPdf,
    ] {
        let broken = demo().broken.iter().find(|b| b.kind == kind).unwrap();
        let (table_name, id) = broken.location.split_once('/').unwrap();
        let (row_table, row_id) = if kind == BrokenKind::MissingObject {
            // A row pointing at the document whose object is missing.
            let pointing = demo()
                .rows
                .iter()
                .find(|(_, _, f)| {
                    value(f, "output_ref") == Some(id) || value(f, "content_ref") == Some(id)
                })
                .map(|(t, r, _)| (*t, *r));
            match pointing {
                Some(found) => found,
                None => continue,
            }
        } else {
            (table(table_name).name, id.parse().unwrap())
        };
        let mut ui = ui().await;
        walk_to(&mut ui, row_table, row_id).await;
        let chain = ui.driver.app.chain_summary();
        let missing = chain
            .iter()
            .find(|(_, s)| *s == HopState::NotFound)
            .unwrap_or_else(|| panic!("{kind:?}: {chain:?}"));
        assert!(
            missing.0.contains(&broken.reference),
            "{kind:?}: {missing:?}"
        );
        assert!(
            ui.screen().contains("NOT FOUND (dangling reference)"),
            "{}",
            ui.screen()
        );
    }
}

#[tokio::test]
async fn demo_group_larger_than_a_page_pages_with_load_more() {
    let scores = demo()
        .rows
        .iter()
        .filter(|(t, _, _)| *t == "channel_scores")
        .count();
    assert!(scores > 100);
    let (channel, n) = rows_where("channels", |_| true)
        .into_iter()
        .map(|c| {
            let n = demo()
                .rows
                .iter()
                .filter(|(t, _, f)| {
                    *t == "channel_scores" && value(f, "channel_id") == Some(&c.to_string())
                })
                .count();
            (c, n)
        })
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(n > 50, "the largest scores group has {n} rows");
    let mut ui = ui().await;
    let mut path = source_tree_path(&source().await, table("channels"), channel).await;
    ui.walk(&path).await;
    ui.key(KeyCode::Char('l')).await;
    path.push("#channel_scores.channel_id".into());
    ui.walk(&path).await;
    ui.key(KeyCode::Char('l')).await;
    assert_eq!(ui.driver.app.tree.group_progress(&path), Some((50, true)));
    let mut more = path.clone();
    more.push("+more".into());
    ui.walk(&more).await;
    ui.key(KeyCode::Enter).await;
    assert_eq!(
        ui.driver.app.tree.group_progress(&path),
        Some((n.min(100), n > 100))
    );
}

#[tokio::test]
async fn demo_screens_survive_sizes_help_and_no_color() {
    for (w, h) in [(80, 24), (20, 5)] {
        let mut ui = Ui::attached(source().await, Vec::new(), w, h).await;
        ui.tour().await;
    }
    let mut ui = ui().await;
    ui.key(KeyCode::Char('?')).await;
    assert!(ui.screen().contains("follow link"), "{}", ui.screen());
    ui.key(KeyCode::Esc).await;
    ui.driver.app.no_color = true;
    ui.key(KeyCode::Char('j')).await;
    let coloured = ui
        .terminal
        .backend()
        .buffer()
        .content
        .iter()
        .filter(|c| c.fg != ratatui::style::Color::Reset)
        .count();
    assert_eq!(coloured, 0);
}

/// The demo answers lookups by a collection's indexed fields as MongoDB would: each
/// activity's output documents by `activityId` (the comparison finds a run's output so),
/// the one its `output_ref` names among them; and the showcase's long run finds the
/// output version it wrote.
#[tokio::test]
async fn demo_finds_documents_by_their_indexed_fields() {
    let source = source().await;
    let activities: Vec<(Uuid, String)> = demo()
        .rows
        .iter()
        .filter(|(t, _, _)| *t == "activities")
        .filter_map(|(_, id, f)| Some((*id, value(f, "output_ref")?.to_string())))
        .filter(|(_, r)| !is_broken(r))
        .collect();
    assert!(activities.len() > 20, "{}", activities.len());
    for (activity, output_ref) in activities {
        let found = source
            .documents_where(
                "activity_outputs",
                "activityId",
                mongodb::bson::Bson::String(activity.to_string()),
                100,
            )
            .await
            .unwrap();
        assert!(
            found.iter().any(|d| d
                .get_object_id("_id")
                .is_ok_and(|id| id.to_hex() == output_ref)),
            "activities/{activity}: {} documents by activityId, none is {output_ref}",
            found.len()
        );
    }
    // The long showcase runs (hundreds of steps) each wrote a version of their output.
    let long_runs: Vec<Uuid> = rows_where("activity_runs", |f| {
        value(f, "trigger") == Some("manual") && value(f, "status") == Some("succeeded")
    });
    let now = chrono::Utc::now();
    let mut long = 0;
    for id in long_runs {
        let Some(model) = tenantscope::run::load::load(&source, id, now)
            .await
            .unwrap()
        else {
            continue;
        };
        if model.entries.len() < 300 {
            continue;
        }
        long += 1;
        let output = tenantscope::run::output::output_document(&source, &model.run, now)
            .await
            .unwrap();
        assert!(output.is_ok(), "activity_runs/{id}: {output:?}");
    }
    assert!(long >= 1, "no run of 300 steps or more in the demo");
}
