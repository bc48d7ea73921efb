//! The explorer driven as a person drives it: key events into the app, the real loader
//! against the real seeded stores, the screen drawn on ratatui's TestBackend and read
//! back as text.

mod common;

use common::ui::{Ui, store_args, table, tree_path};
use common::{Seeded, Stores, seeded_once};
use crossterm::event::KeyCode;
use sqlx::PgPool;
use tenantscope::resolve::HopState;
use tenantscope::seed::{BrokenKind, Report};
use tenantscope::store::Access;
use tenantscope::store::connect::connect;
use tenantscope::text::thousands;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("explorer")
}

async fn first_id(pg: &PgPool, sql: &'static str) -> Uuid {
    sqlx::query_scalar(sql)
        .fetch_one(pg)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn drill_to_a_blog_activity_and_read_its_rendered_markdown() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let broken: Vec<&str> = s
        .report
        .broken
        .iter()
        .map(|b| b.reference.as_str())
        .collect();
    let candidates: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, output_ref from activities where title like 'Blog post:%' and parent_activity_id is null
         and output_ref is not null order by created_at desc",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let (activity, _) = candidates
        .into_iter()
        .find(|(_, oid)| !broken.iter().any(|b| b.contains(oid.as_str())))
        .expect("a blog activity whose output resolves");
    let title: String = sqlx::query_scalar("select title from activities where id = $1")
        .bind(activity)
        .fetch_one(&pg)
        .await
        .unwrap();

    let mut ui = Ui::open(&s.stores).await;
    let path = tree_path(&pg, table("activities"), activity).await;
    ui.walk(&path).await;
    let chain = ui.driver.app.chain_summary();
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert!(
        chain.iter().all(|(_, state)| *state == HopState::Resolved),
        "{chain:?}"
    );
    assert!(
        chain[0]
            .0
            .starts_with("activities.output_ref → activity_outputs/")
    );
    assert!(chain[1].0.starts_with("activity_outputs.s3Key → s3://"));

    ui.key(KeyCode::Char('3')).await;
    let screen = ui.screen();
    let shown_title: String = title.chars().take(30).collect();
    assert!(
        screen.contains(&format!("# {shown_title}")),
        "no title heading:\n{screen}"
    );
    assert!(screen.contains("## "), "no section headings:\n{screen}");
    assert!(screen.contains("text/markdown"), "{screen}");
    assert!(
        !screen.contains("**"),
        "Markdown emphasis left unrendered:\n{screen}"
    );

    // Back to the tree and up to the parent with h.
    ui.key(KeyCode::Esc).await;
    ui.key(KeyCode::Char('h')).await;
    ui.key(KeyCode::Char('h')).await;
    assert_eq!(ui.selected(), path[..path.len() - 1].to_vec());
}

#[tokio::test]
async fn a_tool_call_shows_its_log_document() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let broken: Vec<String> = s.report.broken.iter().map(|b| b.location.clone()).collect();
    let calls: Vec<Uuid> = sqlx::query_scalar("select id from tool_calls where tool_name = 'web_search' and status = 'succeeded' limit 50")
        .fetch_all(&pg)
        .await
        .unwrap();
    let call = calls
        .into_iter()
        .find(|id| !broken.contains(&format!("tool_calls/{id}")))
        .unwrap();
    let mut ui = Ui::open(&s.stores).await;
    ui.walk(&tree_path(&pg, table("tool_calls"), call).await)
        .await;
    ui.key(KeyCode::Char('2')).await;
    let screen = ui.screen();
    for needle in [
        "tool_call_logs/",
        "request: {",
        "query: \"",
        "response: {",
        "ObjectId(\"",
    ] {
        assert!(screen.contains(needle), "{needle} missing:\n{screen}");
    }
    // The end of the document is below the fold: G scrolls there.
    ui.key(KeyCode::Char('G')).await;
    let screen = ui.screen();
    assert!(screen.contains("createdAt: ISODate(\""), "{screen}");
}

#[tokio::test]
async fn a_contract_shows_its_pdf_metadata() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let missing: Vec<String> = s
        .report
        .broken
        .iter()
        .map(|b| b.reference.clone())
        .collect();
    let contracts: Vec<(Uuid, String)> =
        sqlx::query_as("select id, pdf_s3_key from contracts where pdf_s3_key is not null")
            .fetch_all(&pg)
            .await
            .unwrap();
    let (contract, key) = contracts
        .into_iter()
        .find(|(_, key)| !missing.contains(key))
        .unwrap();
    let size = s
        .stores
        .s3()
        .await
        .head_object()
        .bucket(&s.stores.bucket)
        .key(&key)
        .send()
        .await
        .unwrap()
        .content_length()
        .unwrap();

    let mut ui = Ui::open(&s.stores).await;
    ui.walk(&tree_path(&pg, table("contracts"), contract).await)
        .await;
    ui.key(KeyCode::Char('3')).await;
    let screen = ui.screen();
    assert!(
        screen.contains(&format!("{} bytes", thousands(size as u64))),
        "size {size} not shown:\n{screen}"
    );
    assert!(screen.contains("application/pdf"), "{screen}");
    assert!(screen.contains("binary content: not shown"), "{screen}");
}

#[tokio::test]
async fn every_kind_of_broken_reference_names_the_missing_hop() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    for kind in [
        BrokenKind::MissingDocument,
        BrokenKind::MissingObject,
        BrokenKind::MissingContractPdf,
    ] {
        // The row to open: the one holding the reference, or for a document whose object
        // is missing, a row pointing at that document.
        let mut target = None;
        for broken in s.report.broken.iter().filter(|b| b.kind == kind) {
            let (table_name, id) = broken.location.split_once('/').unwrap();
            if kind != BrokenKind::MissingObject {
                target = Some((broken, table(table_name), id.parse::<Uuid>().unwrap()));
                break;
            }
            let pointing: Option<(String, Uuid)> = sqlx::query_as(
                "select 'activities', id from activities where output_ref = $1
                 union all select 'blog_posts', id from blog_posts where content_ref = $1
                 union all select 'social_posts', id from social_posts where content_ref = $1 limit 1",
            )
            .bind(id)
            .fetch_optional(&pg)
            .await
            .unwrap();
            if let Some((name, row)) = pointing {
                target = Some((broken, table(&name), row));
                break;
            }
        }
        let (broken, row_table, row_id) = target.unwrap_or_else(|| panic!("no reachable {kind:?}"));
        let mut ui = Ui::open(&s.stores).await;
        ui.walk(&tree_path(&pg, row_table, row_id).await).await;
        let chain = ui.driver.app.chain_summary();
        let missing = chain
            .iter()
            .find(|(_, state)| *state == HopState::NotFound)
            .unwrap_or_else(|| panic!("{kind:?}: {chain:?}"));
        assert!(
            missing.0.contains(&broken.reference),
            "{kind:?}: {missing:?} does not name {}",
            broken.reference
        );
        let screen = ui.screen();
        assert!(
            screen.contains("NOT FOUND (dangling reference)"),
            "{kind:?}:\n{screen}"
        );
    }
}

#[tokio::test]
async fn a_group_larger_than_a_page_pages_with_load_more() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let channel = first_id(
        &pg,
        "select channel_id from channel_scores group by channel_id having count(*) > 60 limit 1",
    )
    .await;
    let total: i64 =
        sqlx::query_scalar("select count(*) from channel_scores where channel_id = $1")
            .bind(channel)
            .fetch_one(&pg)
            .await
            .unwrap();
    let mut ui = Ui::open(&s.stores).await;
    let mut path = tree_path(&pg, table("channels"), channel).await;
    ui.walk(&path).await;
    ui.key(KeyCode::Char('l')).await;
    path.push("#channel_scores.channel_id".into());
    ui.walk(&path).await;
    ui.key(KeyCode::Char('l')).await;
    assert!(
        ui.screen().contains(&format!("Scores ({total})")),
        "{}",
        ui.screen()
    );
    assert_eq!(ui.driver.app.tree.group_progress(&path), Some((50, true)));
    let mut more = path.clone();
    more.push("+more".into());
    ui.walk(&more).await;
    assert!(ui.screen().contains("▸ load more…"), "{}", ui.screen());
    ui.key(KeyCode::Enter).await;
    let (loaded, more) = ui.driver.app.tree.group_progress(&path).unwrap();
    assert_eq!((loaded as i64, more), (total.min(100), total > 100));
    // The selection moved to the first row of the new page.
    assert!(ui.selected().last().unwrap().starts_with("channel_scores:"));
}

#[tokio::test]
async fn a_parent_activity_cycle_does_not_hang_the_tree() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let writer = s.stores.pg(Access::ReadWrite).await;
    // A top-level activity X with a child Y, then X's parent set to Y: a cycle.
    let period = first_id(
        &pg,
        "select deliverable_period_id from activities where parent_activity_id is null limit 1",
    )
    .await;
    let (x, y) = (Uuid::new_v4(), Uuid::new_v4());
    let tenant: Uuid =
        sqlx::query_scalar("select tenant_id from deliverable_periods where id = $1")
            .bind(period)
            .fetch_one(&pg)
            .await
            .unwrap();
    for (id, parent, title) in [(x, None, "Cycle X"), (y, Some(x), "Cycle Y")] {
        sqlx::query(
            "insert into activities (id, tenant_id, deliverable_period_id, parent_activity_id, title, kind, status, created_at)
             values ($1, $2, $3, $4, $5, 'research', 'pending', now() + interval '1 day')",
        )
        .bind(id)
        .bind(tenant)
        .bind(period)
        .bind(parent)
        .bind(title)
        .execute(&writer)
        .await
        .unwrap();
    }
    let mut ui = Ui::open(&s.stores).await;
    let mut path = tree_path(&pg, table("activities"), x).await;
    ui.walk(&path).await;
    sqlx::query("update activities set parent_activity_id = $1 where id = $2")
        .bind(y)
        .bind(x)
        .execute(&writer)
        .await
        .unwrap();
    // Open X → Y → X → Y ... ten levels: each is one lazy load, nothing recurses.
    for level in 0..10 {
        let (child_table_id, child) = if level % 2 == 0 {
            (y, "activities")
        } else {
            (x, "activities")
        };
        ui.key(KeyCode::Char('l')).await;
        path.push("#activities.parent_activity_id".into());
        path.push(format!("{child}:{child_table_id}"));
        ui.walk(&path).await;
    }
    assert!(ui.screen().contains("Cycle"), "{}", ui.screen());
    // Following parent_activity_id links round the cycle stays responsive too.
    ui.key(KeyCode::Char('1')).await;
    ui.move_to_field("parent_activity_id").await;
    for _ in 0..6 {
        ui.key(KeyCode::Enter).await;
    }
    assert_eq!(ui.driver.app.back.len(), 6);
    sqlx::query("delete from activities where id in ($1, $2)")
        .bind(x)
        .bind(y)
        .execute(&writer)
        .await
        .ok();
    sqlx::query("update activities set parent_activity_id = null where id = $1")
        .bind(x)
        .execute(&writer)
        .await
        .ok();
}

#[tokio::test]
async fn the_screen_survives_tiny_and_standard_sizes_and_resizes() {
    let s = seeded();
    for (w, h) in [(80, 24), (20, 5), (1, 1)] {
        let mut ui = Ui::with_size(&s.stores, w, h).await;
        ui.tour().await;
        if w == 80 {
            assert!(ui.screen().contains("tenantscope"), "{}", ui.screen());
        }
    }
    // A resize redraws the whole layout at the new size.
    let mut ui = Ui::with_size(&s.stores, 80, 24).await;
    ui.terminal.backend_mut().resize(120, 30);
    ui.key(KeyCode::Char('j')).await;
    let screen = ui.screen();
    assert_eq!(screen.lines().count(), 30);
    assert!(
        screen.lines().nth(2).unwrap().ends_with('┐'),
        "the right pane reaches the new edge:\n{screen}"
    );
}

#[tokio::test]
async fn no_color_draws_without_colours() {
    let s = seeded();
    let mut ui = Ui::open(&s.stores).await;
    let coloured = |ui: &Ui| {
        ui.terminal
            .backend()
            .buffer()
            .content
            .iter()
            .filter(|c| {
                c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset
            })
            .count()
    };
    assert!(coloured(&ui) > 0, "colours are on by default");
    ui.driver.app.no_color = true;
    ui.key(KeyCode::Char('j')).await;
    assert_eq!(coloured(&ui), 0);
    // States keep a symbol when colour is gone.
    assert!(
        ui.screen().contains('●') || ui.screen().contains('✓'),
        "{}",
        ui.screen()
    );
}

#[tokio::test]
async fn help_lists_the_keys_and_escape_closes_it() {
    let s = seeded();
    let mut ui = Ui::open(&s.stores).await;
    ui.key(KeyCode::Char('?')).await;
    let screen = ui.screen();
    for needle in [
        "Keys",
        "follow link",
        "load more",
        "save the current object",
        "quit",
    ] {
        assert!(screen.contains(needle), "{needle}:\n{screen}");
    }
    ui.key(KeyCode::Char('q')).await;
    assert!(!ui.driver.app.quit, "q closes the popup first");
    assert!(!ui.screen().contains("Esc or ? closes this help"));
    ui.key(KeyCode::Char('q')).await;
    assert!(ui.driver.app.quit);
}

#[tokio::test]
async fn unreachable_stores_are_reported_and_the_rest_keeps_working() {
    let s = seeded();
    let mut args = store_args(&s.stores);
    args.mongo =
        Some("mongodb://127.0.0.1:9/none?serverSelectionTimeoutMS=500&connectTimeoutMS=500".into());
    args.pg = Some(s.stores.pg_url.replace("postgres@", "postgres:s3cret@"));
    let (live, problems) = connect(args).await;
    let mut ui = Ui::attached(live, problems, 140, 40).await;
    let screen = ui.screen();
    assert!(screen.contains("Mongo ✗ down"), "{screen}");
    assert!(screen.contains("PG ✓"), "{screen}");
    assert!(
        !screen.contains("s3cret"),
        "a password reached the screen:\n{screen}"
    );
    // The tree still works; a tool call's document hop fails with the reason.
    ui.key(KeyCode::Char('l')).await;
    assert!(ui.screen().contains("Strategies"), "{}", ui.screen());
}

#[tokio::test]
async fn hostile_data_is_shown_not_obeyed() {
    // Stores of its own: the hostile tenant must not appear in other tests' lists.
    let stores = Stores::create("hostile").await;
    stores.migrate().await;
    let s = Seeded {
        stores,
        report: Report::default(),
    };
    let writer = s.stores.pg(Access::ReadWrite).await;
    let s3 = s.stores.s3().await;
    let tenant = Uuid::new_v4();
    let hostile = "Evil \x1b]0;pwned\x07\x1b[2J\x1b]52;c;aGk=\x07\u{202e}Corp\u{200b} 👨‍👩‍👧 ＷＩＤＥ";
    // Newest, so it is the first tenant in the list.
    sqlx::query("insert into tenants (id, name, slug, status, plan, created_at) values ($1, $2, $3, 'trial', 'starter', now() + interval '1 year')")
        .bind(tenant)
        .bind(hostile)
        .bind(format!("hostile-{tenant}"))
        .execute(&writer)
        .await
        .unwrap();
    let huge = "A".repeat(1_000_000);
    sqlx::query("insert into onboarding_runs (id, tenant_id, status, started_at, error) values ($1, $2, 'failed', now(), $3)")
        .bind(Uuid::new_v4())
        .bind(tenant)
        .bind(&huge)
        .execute(&writer)
        .await
        .unwrap();
    let objects: [(&str, Vec<u8>); 2] = [
        ("invalid-utf8.md", b"# Title\n\nok \xff\xfe broken".to_vec()),
        ("binary.md", b"\x00\x01\x02 not markdown \x00".to_vec()),
    ];
    for (n, (name, bytes)) in objects.iter().enumerate() {
        let key = format!("{tenant}/contracts/{name}");
        s3.put_object()
            .bucket(&s.stores.bucket)
            .key(&key)
            .content_type("text/markdown")
            .body(bytes.clone().into())
            .send()
            .await
            .unwrap();
        sqlx::query(
            "insert into contracts (id, tenant_id, contract_ref_id, template_version, status, pdf_s3_key, monthly_fee_cents, currency, created_at)
             values ($1, $2, $3, 1, 'sent', $4, 100, 'USD', now() + interval '1 minute' * $5)",
        )
        .bind(Uuid::new_v4())
        .bind(tenant)
        .bind(format!("{name}\x1b[31m"))
        .bind(&key)
        .bind(n as i32)
        .execute(&writer)
        .await
        .unwrap();
    }

    // A column the schema declaration does not know (a newer production schema).
    sqlx::query("alter table tenants add column vip_note text")
        .execute(&writer)
        .await
        .unwrap();
    sqlx::query("update tenants set vip_note = 'call before invoicing' where id = $1")
        .bind(tenant)
        .execute(&writer)
        .await
        .unwrap();

    let mut ui = Ui::open(&s.stores).await;
    assert!(
        ui.screen().contains("vip_note") && ui.screen().contains("call before invoicing"),
        "{}",
        ui.screen()
    );
    let no_control = |ui: &Ui| {
        let buffer = ui.terminal.backend().buffer();
        let bad: Vec<String> = buffer
            .content
            .iter()
            .map(|c| c.symbol().to_string())
            .filter(|s| s.chars().any(|c| c.is_control()))
            .collect();
        assert!(
            bad.is_empty(),
            "control characters reached the screen: {bad:?}\n{}",
            ui.screen()
        );
    };
    assert!(
        ui.screen().contains("Evil ␛]0;pwned␇␛[2J"),
        "{}",
        ui.screen()
    );
    no_control(&ui);
    // Tenant → Contracts: the newest contract (binary) first, then the invalid UTF-8 one.
    ui.key(KeyCode::Char('l')).await;
    let mut contracts = vec![
        "#tenants".to_string(),
        format!("tenants:{tenant}"),
        "#contracts.tenant_id".to_string(),
    ];
    ui.walk(&contracts).await;
    ui.key(KeyCode::Char('l')).await;
    ui.key(KeyCode::Char('j')).await;
    ui.key(KeyCode::Char('3')).await;
    assert!(
        ui.screen().contains("binary content: not shown"),
        "{}",
        ui.screen()
    );
    no_control(&ui);
    ui.key(KeyCode::Esc).await;
    ui.key(KeyCode::Char('j')).await;
    ui.key(KeyCode::Char('3')).await;
    assert!(
        ui.screen().contains("invalid UTF-8 from byte"),
        "{}",
        ui.screen()
    );
    assert!(ui.screen().contains("# Title"), "{}", ui.screen());
    no_control(&ui);
    // The 1 MB field: shown cut, with its size said.
    ui.key(KeyCode::Esc).await;
    contracts.truncate(2);
    contracts.push("#onboarding_runs.tenant_id".into());
    ui.walk(&contracts).await;
    ui.key(KeyCode::Char('l')).await;
    ui.key(KeyCode::Char('j')).await;
    ui.key(KeyCode::Char('1')).await;
    ui.key(KeyCode::Char('G')).await;
    assert!(ui.screen().contains("more characters)"), "{}", ui.screen());
    no_control(&ui);
}

#[tokio::test]
async fn large_objects_are_read_in_ranges_and_saved_whole() {
    let stores = Stores::create("large").await;
    stores.migrate().await;
    let writer = stores.pg(Access::ReadWrite).await;
    let tenant = Uuid::new_v4();
    sqlx::query("insert into tenants (id, name, slug, status, plan) values ($1, 'Large Objects Inc', 'large', 'active', 'scale')")
        .bind(tenant)
        .execute(&writer)
        .await
        .unwrap();
    // 600,000 bytes of Markdown: more than two ranged reads.
    let line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do eiusmod.\n";
    let mut body = String::from("# Big\n\n");
    while body.len() + line.len() <= 600_000 {
        body.push_str(line);
    }
    while body.len() < 600_000 {
        body.push('.');
    }
    let key = format!("{tenant}/contracts/big.md");
    stores
        .s3()
        .await
        .put_object()
        .bucket(&stores.bucket)
        .key(&key)
        .content_type("text/markdown")
        .body(body.clone().into_bytes().into())
        .send()
        .await
        .unwrap();
    sqlx::query(
        "insert into contracts (id, tenant_id, contract_ref_id, template_version, status, pdf_s3_key, monthly_fee_cents, currency)
         values ($1, $2, 'CTR-BIG', 1, 'sent', $3, 100, 'USD')",
    )
    .bind(Uuid::new_v4())
    .bind(tenant)
    .bind(&key)
    .execute(&writer)
    .await
    .unwrap();

    let mut ui = Ui::open(&stores).await;
    let dir = std::env::temp_dir().join(format!("tenantscope-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    ui.driver.app.save_dir = dir.clone();
    ui.walk(&[
        "#tenants".into(),
        format!("tenants:{tenant}"),
        "#contracts.tenant_id".into(),
    ])
    .await;
    ui.key(KeyCode::Char('l')).await;
    ui.key(KeyCode::Char('j')).await;
    ui.key(KeyCode::Char('3')).await;
    assert!(
        ui.screen()
            .contains("showing the first 262,144 of 600,000 bytes"),
        "{}",
        ui.screen()
    );
    ui.key(KeyCode::Enter).await;
    assert!(
        ui.screen()
            .contains("showing the first 524,288 of 600,000 bytes"),
        "{}",
        ui.screen()
    );
    ui.key(KeyCode::Enter).await;
    assert!(
        !ui.screen().contains("showing the first"),
        "{}",
        ui.screen()
    );
    let loaded = ui
        .driver
        .app
        .detail
        .as_ref()
        .unwrap()
        .content
        .as_ref()
        .unwrap()
        .head
        .bytes
        .clone();
    assert_eq!(
        loaded,
        body.as_bytes(),
        "the three ranges join into the object"
    );

    // s saves the whole object; saving again does not overwrite.
    for expected in ["big.md", "big.md.1"] {
        ui.key(KeyCode::Char('s')).await;
        let start = std::time::Instant::now();
        while !ui
            .driver
            .app
            .notice
            .as_deref()
            .is_some_and(|n| n.contains(expected))
        {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "{:?}",
                ui.driver.app.notice
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            ui.settle().await;
        }
        assert_eq!(std::fs::read(dir.join(expected)).unwrap(), body.as_bytes());
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_first_screen_matches_its_snapshot() {
    let s = seeded();
    let ui = Ui::with_size(&s.stores, 100, 30).await;
    // Local time depends on the machine's zone; the snapshot keeps the UTC part.
    insta::with_settings!({ filters => vec![(r" · [0-9:\- ]+ [+-][0-9]{2}:[0-9]{2} local", "")] }, {
        insta::assert_snapshot!(ui.screen());
    });
}
