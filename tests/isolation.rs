//! Tenant isolation against the real stores: a chain that reaches another tenant's
//! document, object or row says so (`⚠ OTHER TENANT`, `state: "other_tenant"`) and
//! withholds what that data holds from the panes, `get` and the exports, unless `v` is
//! confirmed in the explorer.

mod common;

use common::cli::{Ran, tenantscope};
use common::ui::{Ui, store_args, table};
use common::{Stores, block_on_own_runtime};
use crossterm::event::KeyCode;
use mongodb::bson::{Document, doc};
use serde_json::Value;
use tenantscope::resolve::{HopState, resolve_all};
use tenantscope::seed::Options;
use tenantscope::store::Access;
use tenantscope::store::connect::connect;
use uuid::Uuid;

/// Two tenants, A and B, and three of A's rows reaching B's data.
struct Crossed {
    stores: Stores,
    a: Uuid,
    a_slug: String,
    b: Uuid,
    b_slug: String,
    b_name: String,
    /// An activity of A whose `output_ref` is B's document (whose `s3Key` is B's object).
    activity: Uuid,
    b_output: String,
    /// Values only B's document holds (its `sha256`).
    b_secrets: Vec<String>,
    /// A contract of A whose `pdf_s3_key` is B's object.
    contract: Uuid,
    b_pdf: String,
    /// A goal of A under a strategy of B.
    goal: Uuid,
    b_strategy: Uuid,
}

fn crossed() -> &'static Crossed {
    static CROSSED: std::sync::OnceLock<Crossed> = std::sync::OnceLock::new();
    CROSSED.get_or_init(|| block_on_own_runtime(make_crossed()))
}

async fn make_crossed() -> Crossed {
    let stores = Stores::create("isolation").await;
    stores
        .seed(Options {
            seed: 12,
            tenants: 2,
            scale: 0.3,
            broken_rate: 0.0,
        })
        .await;
    let admin = stores.pg(Access::ReadWrite).await;
    let tenants: Vec<(Uuid, String)> = sqlx::query_as("select id, slug from tenants order by slug")
        .fetch_all(&admin)
        .await
        .unwrap();
    let [(a, a_slug), (b, b_slug)] = tenants.as_slice() else {
        panic!("{tenants:?}")
    };
    let (a, b) = (*a, *b);
    let outputs = stores
        .mongo()
        .await
        .collection::<Document>("activity_outputs");
    // B's output document that names an object.
    let b_document = outputs
        .find_one(doc! { "tenantId": b.to_string(), "s3Key": { "$exists": true } })
        .await
        .unwrap()
        .expect("an output of B with an object");
    let b_output = b_document.get_object_id("_id").unwrap().to_hex();
    // (Its activityId is part of its key, which the chain names: not a secret.)
    let b_secrets = vec![b_document.get_str("sha256").unwrap().to_string()];
    let activity: Uuid = sqlx::query_scalar(
        "update activities set output_ref = $2 where id = (select id from activities \
         where tenant_id = $1 and output_ref is not null order by id limit 1) returning id",
    )
    .bind(a)
    .bind(&b_output)
    .fetch_one(&admin)
    .await
    .unwrap();
    let b_pdf: String = sqlx::query_scalar(
        "select pdf_s3_key from contracts where tenant_id = $1 and pdf_s3_key is not null \
         order by id limit 1",
    )
    .bind(b)
    .fetch_one(&admin)
    .await
    .unwrap();
    let contract: Uuid = sqlx::query_scalar(
        "update contracts set pdf_s3_key = $2 where id = (select id from contracts \
         where tenant_id = $1 order by id limit 1) returning id",
    )
    .bind(a)
    .bind(&b_pdf)
    .fetch_one(&admin)
    .await
    .unwrap();
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
    let b_name: String = sqlx::query_scalar("select name from tenants where id = $1")
        .bind(b)
        .fetch_one(&admin)
        .await
        .unwrap();
    admin.close().await;
    Crossed {
        stores,
        a,
        a_slug: a_slug.clone(),
        b,
        b_slug: b_slug.clone(),
        b_name,
        activity,
        b_output,
        b_secrets,
        contract,
        b_pdf,
        goal,
        b_strategy,
    }
}

/// The binary with `config` as its config file (None: no config file).
fn tenantscope_with(stores: &Stores, args: &[&str], config: Option<&std::path::Path>) -> Ran {
    match config {
        Some(config) => {
            let config = config.to_str().expect("a UTF-8 temp path");
            tenantscope(stores, &[&["--config", config][..], args].concat())
        }
        None => tenantscope(stores, args),
    }
}

/// The first 60 bytes of the first long line of B's object: text only it holds.
async fn object_text(stores: &Stores, key: &str) -> Option<String> {
    let s3 = stores.s3().await;
    let bytes = s3
        .get_object()
        .bucket(&stores.bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    let text = String::from_utf8(bytes.to_vec()).ok()?;
    text.lines()
        .map(str::trim)
        .find(|l| l.len() >= 30)
        .map(|l| l.chars().take(30).collect())
}

fn other_tenant(state: &HopState) -> Option<Uuid> {
    match state {
        HopState::OtherTenant(owner) => Some(owner.tenant_id),
        _ => None,
    }
}

#[tokio::test]
async fn hops_into_another_tenant_are_their_own_state_and_withheld() {
    let c = crossed();
    let (live, problems) = connect(store_args(&c.stores)).await;
    assert!(problems.is_empty(), "{problems:?}");
    live.load_schema().await.unwrap();

    // The document and the object it names: both B's, both withheld.
    let r = resolve_all(&live, table("activities"), c.activity).await;
    let states: Vec<(String, Option<Uuid>)> = r
        .hops
        .iter()
        .map(|h| (h.from.clone(), other_tenant(&h.state)))
        .collect();
    assert!(
        states.contains(&("activities.output_ref".into(), Some(c.b))),
        "{:?}",
        r.hops
    );
    assert!(
        states.contains(&("activity_outputs.s3Key".into(), Some(c.b))),
        "{:?}",
        r.hops
    );
    let owner = match &r.hops[0].state {
        HopState::OtherTenant(owner) => owner.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        owner.label.as_deref().unwrap_or("").contains(&c.b_slug),
        "{owner:?}"
    );
    assert!(
        r.documents.is_empty(),
        "B's document among A's: {:?}",
        r.documents
    );
    assert!(r.content.is_none(), "B's object shown as A's content");
    assert_eq!(r.withheld_documents().count(), 1);
    assert!(r.withheld_content().is_some());
    assert!(r.withheld.iter().all(|w| w.owner.tenant_id == c.b));

    // An object key in a column.
    let r = resolve_all(&live, table("contracts"), c.contract).await;
    let hop = r
        .hops
        .iter()
        .find(|h| h.from == "contracts.pdf_s3_key")
        .unwrap();
    assert_eq!(other_tenant(&hop.state), Some(c.b), "{hop:?}");
    assert!(hop.to.ends_with(&c.b_pdf));
    assert!(r.content.is_none());

    // A foreign key: the goal's strategy is B's.
    let r = resolve_all(&live, table("goals"), c.goal).await;
    let hop = r
        .hops
        .iter()
        .find(|h| h.from == "goals.strategy_id")
        .unwrap_or_else(|| panic!("no hop for the strategy: {:?}", r.hops));
    assert_eq!(other_tenant(&hop.state), Some(c.b));
    assert_eq!(hop.to, format!("strategies/{}", c.b_strategy));
    // The goal's other keys are A's own: no hop for them.
    assert_eq!(
        r.hops
            .iter()
            .filter(|h| other_tenant(&h.state).is_some())
            .count(),
        1,
        "{:?}",
        r.hops
    );

    // A's own rows resolve as before.
    let pg = c.stores.pg(Access::ReadOnly).await;
    let own: Uuid = sqlx::query_scalar(
        "select id from activities where tenant_id = $1 and output_ref is not null \
         and id <> $2 order by id limit 1",
    )
    .bind(c.a)
    .bind(c.activity)
    .fetch_one(&pg)
    .await
    .unwrap();
    let r = resolve_all(&live, table("activities"), own).await;
    assert!(!r.crosses_tenants(), "{:?}", r.hops);
    assert!(r.withheld.is_empty());
    assert_eq!(r.hops[0].state, HopState::Resolved);
}

#[tokio::test]
async fn get_says_other_tenant_and_prints_nothing_of_its_data() {
    let c = crossed();
    let run = tenantscope(
        &c.stores,
        &["get", &c.activity.to_string(), "--json", "--content"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let refs = json["references"].as_array().unwrap();
    let output = refs
        .iter()
        .find(|r| r["from"] == "activities.output_ref")
        .unwrap();
    assert_eq!(output["state"], "other_tenant", "{output}");
    assert_eq!(output["tenant_id"], c.b.to_string());
    assert_eq!(output["to"], format!("activity_outputs/{}", c.b_output));
    let key = refs
        .iter()
        .find(|r| r["from"] == "activity_outputs.s3Key")
        .unwrap();
    assert_eq!(key["state"], "other_tenant");
    assert_eq!(json["documents"], serde_json::json!([]));
    assert_eq!(json["content"], Value::Null);
    assert_eq!(json["withheld"].as_array().unwrap().len(), 2, "{json}");
    for secret in &c.b_secrets {
        assert!(!run.stdout.contains(secret.as_str()), "{secret} printed");
    }

    let text = tenantscope(&c.stores, &["get", &c.activity.to_string(), "--content"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("activities.output_ref → activity_outputs/"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("⚠ OTHER TENANT: ") && text.stdout.contains(&c.b.to_string()),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("withheld activity_outputs/"));
    for secret in &c.b_secrets {
        assert!(!text.stdout.contains(secret.as_str()), "{secret} printed");
    }

    // The contract's PDF key: B's object's bytes are not printed.
    let run = tenantscope(
        &c.stores,
        &["get", &c.contract.to_string(), "--json", "--content"],
    );
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["content"], Value::Null, "{json}");
    let hop = json["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "contracts.pdf_s3_key")
        .unwrap();
    assert_eq!(hop["state"], "other_tenant");
    assert_eq!(hop["tenant_id"], c.b.to_string());

    // The goal: the foreign key hop.
    let run = tenantscope(&c.stores, &["get", &c.goal.to_string(), "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let hop = json["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "goals.strategy_id")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(hop["state"], "other_tenant");
    assert_eq!(hop["tenant_id"], c.b.to_string());
}

#[tokio::test]
async fn the_explorer_withholds_until_v_is_confirmed() {
    let c = crossed();
    let object = object_text(&c.stores, &{
        let outputs = c
            .stores
            .mongo()
            .await
            .collection::<Document>("activity_outputs");
        let d = outputs
            .find_one(doc! { "_id": mongodb::bson::oid::ObjectId::parse_str(&c.b_output).unwrap() })
            .await
            .unwrap()
            .unwrap();
        d.get_str("s3Key").unwrap().to_string()
    })
    .await;
    let mut ui = Ui::open(&c.stores).await;
    let dir = std::env::temp_dir().join(format!("tenantscope-isolation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    ui.driver.app.save_dir = dir.clone();
    ui.palette(&c.activity.to_string()).await;
    let screen = ui.screen();
    assert!(screen.contains("⚠ OTHER TENANT"), "{screen}");
    ui.key(KeyCode::Char('2')).await;
    let screen = ui.screen();
    assert!(screen.contains("belongs to tenant"), "{screen}");
    assert!(screen.contains("withheld"), "{screen}");
    let sha = &c.b_secrets[0][..16];
    assert!(!screen.contains(sha), "{screen}");
    ui.key(KeyCode::Char('3')).await;
    let screen = ui.screen();
    assert!(screen.contains("withheld"), "{screen}");
    if let Some(object) = &object {
        assert!(!screen.contains(object.as_str()), "{screen}");
    }

    // Copy and export carry none of it.
    ui.key(KeyCode::Char('y')).await;
    ui.key(KeyCode::Char('d')).await;
    assert!(ui.driver.terminal_out.is_empty());
    ui.key(KeyCode::Char('e')).await;
    ui.key(KeyCode::Char('j')).await;
    ui.key(KeyCode::Char('e')).await;
    ui.key(KeyCode::Char('m')).await;
    let mut exported = 0;
    for path in common::ui::exported_files(&dir, 2).await {
        let text = std::fs::read_to_string(path).unwrap();
        exported += 1;
        assert!(text.contains(&c.b.to_string()), "{text}");
        for secret in &c.b_secrets {
            assert!(!text.contains(secret.as_str()), "{secret} exported");
        }
    }
    assert_eq!(exported, 2);

    // v asks first; anything but y keeps it withheld.
    ui.key(KeyCode::Char('2')).await;
    ui.key(KeyCode::Char('v')).await;
    assert!(
        ui.screen().contains("show ANOTHER TENANT"),
        "{}",
        ui.screen()
    );
    ui.key(KeyCode::Char('n')).await;
    assert!(!ui.screen().contains(sha));
    ui.key(KeyCode::Char('v')).await;
    ui.key(KeyCode::Char('y')).await;
    let screen = ui.screen();
    assert!(screen.contains(sha), "{screen}");
    assert!(screen.contains("shown on"), "{screen}");
}

/// What of B may not appear in a session scoped to A: its id, slug, name, its document's
/// hash, its rows' table names next to its ids.
fn assert_nothing_of_b(c: &Crossed, text: &str) {
    for secret in [
        c.b.to_string(),
        c.b_slug.clone(),
        c.b_name.clone(),
        c.b_secrets[0].clone(),
    ] {
        assert!(!text.contains(&secret), "{secret:?} shown:\n{text}");
    }
}

/// Ids of B's data: a row (UUID), a document (ObjectId), an object (S3 key), a run.
async fn ids_of_b(c: &Crossed) -> Vec<String> {
    let pg = c.stores.pg(Access::ReadOnly).await;
    let run: Uuid =
        sqlx::query_scalar("select id from activity_runs where tenant_id = $1 order by id limit 1")
            .bind(c.b)
            .fetch_one(&pg)
            .await
            .unwrap();
    // A document and an object of B that no row of A points at (the fixture's crossed
    // ones are: looking them up finds A's row, rightly).
    let other = c
        .stores
        .mongo()
        .await
        .collection::<Document>("activity_outputs")
        .find_one(doc! {
            "tenantId": c.b.to_string(),
            "s3Key": { "$exists": true },
            "_id": { "$ne": mongodb::bson::oid::ObjectId::parse_str(&c.b_output).unwrap() },
        })
        .await
        .unwrap()
        .expect("another output of B");
    vec![
        c.b_strategy.to_string(),
        run.to_string(),
        other.get_object_id("_id").unwrap().to_hex(),
        other.get_str("s3Key").unwrap().to_string(),
    ]
}

#[tokio::test]
async fn a_scoped_cli_refuses_other_tenants_ids_and_says_nothing_of_them() {
    let c = crossed();
    let ids = ids_of_b(c).await;
    let pg = c.stores.pg(Access::ReadOnly).await;
    let a_run: Uuid =
        sqlx::query_scalar("select id from activity_runs where tenant_id = $1 order by id limit 1")
            .bind(c.a)
            .fetch_one(&pg)
            .await
            .unwrap();
    for id in &ids {
        for command in [
            vec!["get", id.as_str(), "--tenant", &c.a_slug],
            vec!["get", id.as_str(), "--json", "--tenant", &c.a_slug],
            vec!["path", id.as_str(), "--tenant", &c.a_slug],
            vec!["run", id.as_str(), "--tenant", &c.a_slug],
        ] {
            let run = tenantscope(&c.stores, &command);
            if command[0] == "run" && !id.contains('-') {
                // Not a UUID: a usage error before any lookup.
                assert_eq!(run.code, 2, "{command:?}: {}", run.stderr);
                continue;
            }
            if command[0] == "run" && id.contains('/') {
                assert_eq!(run.code, 2, "{command:?}: {}", run.stderr);
                continue;
            }
            assert_eq!(run.code, 1, "{command:?}: {}{}", run.stdout, run.stderr);
            assert_eq!(run.stdout, "", "{command:?}");
            assert!(
                run.stderr.contains(&format!("not in tenant {}", c.a_slug)),
                "{command:?}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("strategies"), "{}", run.stderr);
            assert!(!run.stderr.contains("activity_runs/"), "{}", run.stderr);
            // (The id asked about is echoed: a key holds B's id as its prefix.)
            assert_nothing_of_b(c, &format!("{}{}", run.stdout, run.stderr).replace(id, ""));
        }
    }
    // diff: one run of A, one of B.
    let diff = tenantscope(
        &c.stores,
        &["diff", &a_run.to_string(), &ids[1], "--tenant", &c.a_slug],
    );
    assert_eq!(diff.code, 1, "{}{}", diff.stdout, diff.stderr);
    assert!(diff.stderr.contains("not in tenant"), "{}", diff.stderr);
    assert_nothing_of_b(c, &format!("{}{}", diff.stdout, diff.stderr));
    // The same ids unscoped are found: the refusals above are the scope's.
    for id in &ids[..1] {
        let run = tenantscope(&c.stores, &["get", id]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    // A's own rows: found; hops into B say only that they are outside.
    let run = tenantscope(
        &c.stores,
        &[
            "get",
            &c.activity.to_string(),
            "--json",
            "--content",
            "--tenant",
            &c.a_slug,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let hop = json["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "activities.output_ref")
        .unwrap();
    assert_eq!(hop["state"], "outside_tenant", "{hop}");
    assert_eq!(json["withheld"], serde_json::json!([]));
    assert_nothing_of_b(c, &run.stdout);
    let run = tenantscope(
        &c.stores,
        &["get", &c.goal.to_string(), "--json", "--tenant", &c.a_slug],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let hop = json["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "goals.strategy_id")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(hop["state"], "outside_tenant");
    assert_nothing_of_b(c, &run.stdout);
    let run = tenantscope(
        &c.stores,
        &["path", &c.goal.to_string(), "--tenant", &c.a_slug],
    );
    assert_nothing_of_b(c, &format!("{}{}", run.stdout, run.stderr));
}

#[tokio::test]
async fn a_profile_scope_holds_for_every_command_and_cannot_be_widened() {
    let c = crossed();
    let dir = std::env::temp_dir().join(format!("tenantscope-scope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.support]\ntenant = \"{}\"\n",
            c.a_slug.to_uppercase()
        ),
    )
    .unwrap();
    let with = |args: &[&str]| {
        let mut all = vec!["--profile", "support"];
        all.extend_from_slice(args);
        tenantscope_with(&c.stores, &all, Some(&config))
    };
    // tree: the root is A, and nothing of B.
    let tree = with(&["tree", "--json", "--depth", "1"]);
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    let json: Value = serde_json::from_str(&tree.stdout).unwrap();
    assert_eq!(json["id"], c.a.to_string());
    assert_nothing_of_b(c, &tree.stdout);
    let ids = ids_of_b(c).await;
    let get = with(&["get", &ids[0]]);
    assert_eq!(get.code, 1);
    assert!(get.stderr.contains("not in tenant"), "{}", get.stderr);
    // Another tenant asked for by flag: refused, for every command.
    for args in [
        vec!["get", ids[0].as_str(), "--tenant", c.b_slug.as_str()],
        vec!["tree", "--tenant", c.b_slug.as_str()],
        vec!["check", "--tenant", c.b_slug.as_str()],
        vec![
            "snapshot",
            "--tenant",
            c.b_slug.as_str(),
            "-o",
            "/nonexistent/x.tsnap",
        ],
    ] {
        let run = with(&args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("is scoped to tenant"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    // An unknown scope never runs unscoped.
    std::fs::write(&config, "[profile.support]\ntenant = \"nobody-at-all\"\n").unwrap();
    let run = with(&["get", &c.activity.to_string()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("nobody-at-all"), "{}", run.stderr);
}

#[tokio::test]
async fn a_scoped_explorer_shows_one_tenant_and_refuses_the_rest() {
    let c = crossed();
    let mut args = store_args(&c.stores);
    args.scope = Some(c.a_slug.clone());
    let (live, problems) = connect(args).await;
    assert!(problems.is_empty(), "{problems:?}");
    live.load_schema().await.unwrap();
    let mut ui = Ui::attached(live, Vec::new(), 140, 40).await;
    let screen = ui.screen();
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains(&format!("({}) only", c.a_slug)),
        "{screen}"
    );
    assert_nothing_of_b(c, &screen);
    for id in ids_of_b(c).await {
        ui.palette(&id).await;
        let screen = ui.screen();
        // (A long key's message is cut on the line; :messages has it whole.)
        let notice = ui.driver.app.notice.clone().unwrap_or_default();
        assert_eq!(
            notice,
            format!("{id} not in tenant {}", c.a_slug),
            "{screen}"
        );
        assert!(!screen.contains("looked in"), "{screen}");
        assert_nothing_of_b(c, &screen.replace(&id, ""));
    }
    // The tenant picker lists A only.
    ui.key(KeyCode::Char('t')).await;
    assert_nothing_of_b(c, &ui.screen());
    ui.key(KeyCode::Esc).await;
    // A's activity reaching B's document: outside, nothing else.
    ui.palette(&c.activity.to_string()).await;
    let screen = ui.screen();
    assert!(screen.contains("OUTSIDE TENANT"), "{screen}");
    // Placed in the tree under the root, A's row.
    let selected = ui.selected();
    assert_eq!(selected[0], format!("tenants:{}", c.a), "{screen}");
    assert_eq!(
        selected.last().unwrap(),
        &format!("activities:{}", c.activity)
    );
    assert_nothing_of_b(c, &screen);
    ui.key(KeyCode::Char('2')).await;
    ui.key(KeyCode::Char('v')).await;
    let screen = ui.screen();
    assert!(screen.contains("never read"), "{screen}");
    assert_nothing_of_b(c, &screen);
    ui.key(KeyCode::Char('R')).await;
    assert_nothing_of_b(c, &ui.screen());
}

#[tokio::test]
async fn a_message_longer_than_the_status_line_is_read_whole_with_messages() {
    let c = crossed();
    let mut ui = Ui::with_size(&c.stores, 80, 24).await;
    let word = format!("nonsense{}", "x".repeat(150));
    ui.palette(&format!("{word} more")).await;
    let screen = ui.screen();
    let status = screen.lines().last().unwrap().to_string();
    assert!(status.contains(":messages shows it whole"), "{screen}");
    assert!(!screen.contains(&word), "the whole message fits?\n{screen}");
    ui.palette("messages").await;
    let screen = ui.screen();
    // The popup's part of each line (inside its borders), joined: the whole message.
    let joined: String = screen
        .lines()
        .filter_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            // The popup's left border is the second "│" from the left.
            let left = chars
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == '│')
                .nth(1)?
                .0;
            Some(
                chars[left + 1..(left + 75).min(chars.len())]
                    .iter()
                    .collect::<String>(),
            )
        })
        .map(|l| l.trim_end().to_string())
        .collect();
    assert!(joined.contains(&word), "{joined}\n{screen}");
    assert!(joined.contains("unknown command"), "{screen}");
    ui.key(KeyCode::Esc).await;
    assert!(!ui.screen().contains("Messages (j/k"), "{}", ui.screen());
}

/// Two tenants, each with what the triage questions find: failed and stuck runs, LLM
/// calls, a broken reference; and rows reaching across (A's call under B's run, A's
/// goal under B's strategy, B's goal under A's strategy).
struct Triage {
    stores: Stores,
    a: Uuid,
    a_slug: String,
    a_name: String,
    b: Uuid,
    b_slug: String,
    b_name: String,
    /// A's strategy that B's goal hangs from, and that goal.
    a_strategy: Uuid,
    b_goal: Uuid,
    /// A's goal under B's strategy.
    a_goal: Uuid,
    b_strategy: Uuid,
    /// B's activity whose output_ref names no document.
    b_broken: Uuid,
}

async fn make_triage() -> Triage {
    let stores = Stores::create("isolation_triage").await;
    stores
        .seed(Options {
            seed: 21,
            tenants: 2,
            scale: 0.3,
            broken_rate: 0.0,
        })
        .await;
    let pg = stores.pg(Access::ReadWrite).await;
    let tenants: Vec<(Uuid, String, String)> =
        sqlx::query_as("select id, slug, name from tenants order by slug")
            .fetch_all(&pg)
            .await
            .unwrap();
    let [(a, a_slug, a_name), (b, b_slug, b_name)] = tenants.as_slice() else {
        panic!("{tenants:?}")
    };
    let (a, b) = (*a, *b);
    let one = |sql: &'static str, tenant: Uuid| {
        let pg = pg.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>(sql)
                .bind(tenant)
                .fetch_one(&pg)
                .await
                .unwrap_or_else(|e| panic!("{e}: {sql}"))
        }
    };
    for tenant in [a, b] {
        // A failed run and a run stuck for two hours, in each tenant.
        one(
            "update activity_runs set status = 'failed' where id = (select id from \
             activity_runs where tenant_id = $1 order by id limit 1) returning id",
            tenant,
        )
        .await;
        one(
            "update activity_runs set status = 'running', finished_at = null, \
             started_at = now() - interval '2 hours' where id = (select id from \
             activity_runs where tenant_id = $1 order by id desc limit 1) returning id",
            tenant,
        )
        .await;
    }
    let b_run = one(
        "select id from activity_runs where tenant_id = $1 order by id limit 1",
        b,
    )
    .await;
    sqlx::query(
        "update llm_calls set activity_run_id = $2 where id = (select id from llm_calls \
         where tenant_id = $1 order by id limit 1)",
    )
    .bind(a)
    .bind(b_run)
    .execute(&pg)
    .await
    .unwrap();
    let a_strategy = one(
        "select id from strategies where tenant_id = $1 order by id limit 1",
        a,
    )
    .await;
    let b_strategy = one(
        "select id from strategies where tenant_id = $1 order by id limit 1",
        b,
    )
    .await;
    let b_goal: Uuid = sqlx::query_scalar(
        "update goals set strategy_id = $2 where id = (select id from goals \
         where tenant_id = $1 order by id limit 1) returning id",
    )
    .bind(b)
    .bind(a_strategy)
    .fetch_one(&pg)
    .await
    .unwrap();
    let a_goal: Uuid = sqlx::query_scalar(
        "update goals set strategy_id = $2 where id = (select id from goals \
         where tenant_id = $1 and strategy_id <> $3 order by id limit 1) returning id",
    )
    .bind(a)
    .bind(b_strategy)
    .bind(a_strategy)
    .fetch_one(&pg)
    .await
    .unwrap();
    let b_broken = one(
        "update activities set output_ref = 'ffffffffffffffffffffffff' where id = \
         (select id from activities where tenant_id = $1 order by id limit 1) returning id",
        b,
    )
    .await;
    pg.close().await;
    Triage {
        stores,
        a,
        a_slug: a_slug.clone(),
        a_name: a_name.clone(),
        b,
        b_slug: b_slug.clone(),
        b_name: b_name.clone(),
        a_strategy,
        b_goal,
        a_goal,
        b_strategy,
        b_broken,
    }
}

impl Triage {
    /// Nothing that names B: its id, slug, name, or the ids of B's rows given.
    fn assert_nothing_of_b(&self, text: &str, b_rows: &[Uuid]) {
        let mut secrets = vec![self.b.to_string(), self.b_slug.clone(), self.b_name.clone()];
        secrets.extend(b_rows.iter().map(Uuid::to_string));
        for secret in secrets {
            assert!(!text.contains(&secret), "{secret:?} shown:\n{text}");
        }
    }

    async fn ids(&self, sql: &str, tenant: Uuid) -> Vec<Uuid> {
        let pg = self.stores.pg(Access::ReadOnly).await;
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(tenant)
            .fetch_all(&pg)
            .await
            .unwrap()
    }

    async fn scoped_ui(&self) -> Ui {
        let mut args = store_args(&self.stores);
        args.scope = Some(self.a_slug.clone());
        let (live, problems) = connect(args).await;
        assert!(problems.is_empty(), "{problems:?}");
        live.load_schema().await.unwrap();
        Ui::attached(live, Vec::new(), 140, 40).await
    }
}

fn results_text(ui: &Ui) -> String {
    let results = ui.driver.app.results.as_ref().expect("a results list");
    let mut text: Vec<String> = results.lines.iter().map(|l| l.text.clone()).collect();
    text.extend(results.error.clone());
    text.join("\n")
}

/// The rows the results lead to.
fn result_rows(ui: &Ui) -> Vec<Uuid> {
    use tenantscope::app::results::Target;
    let results = ui.driver.app.results.as_ref().expect("a results list");
    results
        .lines
        .iter()
        .filter_map(|l| match &l.target {
            Some(Target::Row(_, id)) => Some(*id),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_scoped_tree_starts_at_its_tenant_and_the_triage_queries_see_only_it() {
    let t = make_triage().await;
    let mut ui = t.scoped_ui().await;
    let root = vec![format!("tenants:{}", t.a)];
    // The root is A's row, selected and shown in the panes; its groups are under it.
    assert_eq!(ui.selected(), root);
    assert!(ui.driver.app.tree.roots().is_empty());
    let shown: Vec<Vec<String>> = ui
        .driver
        .app
        .tree
        .state
        .flatten(&ui.driver.app.tree.items)
        .into_iter()
        .map(|f| f.identifier)
        .collect();
    assert_eq!(shown[0], root);
    assert!(
        shown.contains(&vec![root[0].clone(), "#strategies.tenant_id".to_string()]),
        "{shown:?}"
    );
    assert!(shown.iter().all(|p| p[0] == root[0]), "{shown:?}");
    let screen = ui.screen();
    assert!(!screen.contains("Tenants"), "{screen}");
    let tree_line = screen.lines().nth(2).unwrap_or_default();
    assert!(tree_line.contains(&t.a_name), "{screen}");
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().id, t.a);
    t.assert_nothing_of_b(&screen, &[]);
    // r on the root reads the catalog and the root again, and stays there.
    ui.key(KeyCode::Char('r')).await;
    assert_eq!(ui.selected(), root);
    assert!(ui.screen().contains("Strategies"), "{}", ui.screen());

    // :failed and :stuck list A's runs, all of them, and none of B's.
    for (command, sql) in [
        (
            "failed",
            "select id from activity_runs where tenant_id = $1 \
             and status in ('failed', 'timed_out') order by created_at desc, id desc limit 50",
        ),
        (
            "stuck",
            "select id from activity_runs where tenant_id = $1 and status = 'running' \
             and started_at < now() - interval '30 minutes' order by created_at desc, id desc limit 50",
        ),
    ] {
        ui.palette(command).await;
        let group = ui.driver.app.tree.roots()[0].clone();
        let listed: Vec<Uuid> = ui
            .driver
            .app
            .tree
            .group_items(&group)
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        let of_a = t.ids(sql, t.a).await;
        let of_b = t.ids(sql, t.b).await;
        assert!(
            !of_a.is_empty() && !of_b.is_empty(),
            "{command}: both have some"
        );
        assert_eq!(listed, of_a, ":{command}");
        t.assert_nothing_of_b(&ui.screen(), &of_b);
    }

    // :cost sums A's calls (the one under B's run too) and names nothing of B.
    ui.palette("cost").await;
    let text = results_text(&ui);
    let pg = t.stores.pg(Access::ReadOnly).await;
    let total: String = sqlx::query_scalar(
        "select to_char(sum(cost_usd), 'FM999999990.00') from llm_calls where tenant_id = $1",
    )
    .bind(t.a)
    .fetch_one(&pg)
    .await
    .unwrap();
    assert!(text.contains(&format!("${total:>10}")), "{text}");
    let b_rows = [
        t.ids("select id from activity_runs where tenant_id = $1", t.b)
            .await,
        t.ids("select id from strategies where tenant_id = $1", t.b)
            .await,
        t.ids("select id from goals where tenant_id = $1", t.b)
            .await,
        t.ids("select id from deliverables where tenant_id = $1", t.b)
            .await,
    ]
    .concat();
    t.assert_nothing_of_b(&text, &b_rows);
    assert!(
        result_rows(&ui).iter().all(|id| !b_rows.contains(id)),
        "{text}"
    );
    // Below the total each line leads to a row of A, or is "(none)": the call under B's
    // run is counted there, not under B's run, activity, goal or strategy.
    let results = ui.driver.app.results.as_ref().unwrap();
    let figures = results.lines.iter().filter(|l| l.text.starts_with("  $"));
    for line in figures.skip(1) {
        assert!(
            line.target.is_some() || line.text.ends_with("(none)"),
            "{:?} in\n{text}",
            line.text
        );
    }
    assert!(text.contains("(none)"), "the call under B's run: {text}");
    ui.key(KeyCode::Esc).await;

    // :broken: A's references into B say only that they lead outside; B's own broken
    // reference is not A's.
    ui.palette("broken").await;
    let text = results_text(&ui);
    assert!(
        text.contains(&format!(
            "cross_tenant goals/{}.strategy_id → strategies: outside tenant {}",
            t.a_goal, t.a_slug
        )),
        "{text}"
    );
    t.assert_nothing_of_b(&text, &[t.b_strategy, t.b_broken]);
    ui.key(KeyCode::Esc).await;

    // R on A's strategy: A's goals under it, not B's goal that points at it too.
    ui.palette(&t.a_strategy.to_string()).await;
    ui.key(KeyCode::Char('R')).await;
    let text = results_text(&ui);
    assert!(text.contains("goals.strategy_id"), "{text}");
    t.assert_nothing_of_b(&text, &[t.b_goal]);
    ui.key(KeyCode::Esc).await;
    // R on B's strategy (reached by following A's goal's link): not in tenant A.
    ui.palette(&t.a_goal.to_string()).await;
    // (A's goal under B's strategy has no place in A's tree, and that is all it says.)
    assert_eq!(
        ui.driver.app.notice.as_deref(),
        Some(
            format!(
                "goals/{0} is shown in the panes only: goals/{0} hangs from a row that is not in tenant {1}",
                t.a_goal, t.a_slug
            )
            .as_str()
        )
    );
    ui.key(KeyCode::Char('1')).await;
    ui.move_to_field("strategy_id").await;
    ui.key(KeyCode::Enter).await;
    assert_eq!(ui.driver.app.detail.as_ref().unwrap().id, t.b_strategy);
    ui.key(KeyCode::Char('R')).await;
    let results = ui.driver.app.results.as_ref().unwrap();
    assert_eq!(
        results.error.as_deref(),
        Some(format!("{} not in tenant {}", t.b_strategy, t.a_slug).as_str())
    );
    assert!(results.lines.is_empty(), "{:?}", results.lines);
    t.assert_nothing_of_b(
        &ui.screen().replace(&t.b_strategy.to_string(), ""),
        &[t.b_goal],
    );
    ui.key(KeyCode::Esc).await;

    // The picker: B's slug is "not in tenant A", nothing more.
    ui.palette(&format!("tenant {}", t.b_slug)).await;
    let screen = ui.screen();
    let answer = format!("{} not in tenant {}", t.b_slug, t.a_slug);
    assert!(screen.contains(&answer), "{screen}");
    assert!(!screen.contains(&t.b_name), "{screen}");
    assert!(!screen.contains(&t.b.to_string()), "{screen}");
    ui.key(KeyCode::Enter).await;
    assert_eq!(ui.driver.app.notice.as_deref(), Some(answer.as_str()));

    // Unscoped, the same questions do reach B: the answers above are the scope's.
    let mut ui = Ui::open(&t.stores).await;
    ui.palette(&t.a_strategy.to_string()).await;
    ui.key(KeyCode::Char('R')).await;
    assert!(
        result_rows(&ui).contains(&t.b_goal),
        "{}",
        results_text(&ui)
    );
    ui.key(KeyCode::Esc).await;
    ui.palette(&t.a_goal.to_string()).await;
    ui.palette("broken").await;
    assert!(
        results_text(&ui).contains(&t.b.to_string()),
        "{}",
        results_text(&ui)
    );
}

/// A snapshot of tenant A holds nothing of B's data that A's rows point to: B's document
/// goes in as its `_id` and `tenantId` only (so a session on the file says whose it is),
/// B's objects not at all, and the header says what was left out and why.
#[tokio::test]
async fn a_snapshot_of_one_tenant_leaves_out_what_its_rows_point_to_in_another() {
    let c = crossed();
    let path = std::env::temp_dir().join(format!("isolation-{}.tsnap", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let ran = tenantscope(
        &c.stores,
        &[
            "snapshot",
            "--tenant",
            &c.a_slug,
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    let bytes = std::fs::read(&path).unwrap();
    for secret in &c.b_secrets {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "B's {secret} is in A's snapshot"
        );
    }
    let b_key = stores_document_key(c).await;
    let file = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let keys: Vec<String> = sqlx::query_scalar("select key from objects")
        .fetch_all(&file)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    assert!(!keys.contains(&c.b_pdf), "B's contract PDF is in the file");
    assert!(!keys.contains(&b_key), "B's output object is in the file");
    assert!(
        keys.iter().all(|k| k.starts_with(&c.a.to_string())),
        "{keys:?}"
    );
    let stub: Vec<u8> = sqlx::query_scalar(
        "select bson from documents where collection = 'activity_outputs' and id = ?1",
    )
    .bind(&c.b_output)
    .fetch_one(&file)
    .await
    .expect("B's document, as a stub");
    let stub = Document::from_reader(&mut stub.as_slice()).unwrap();
    let fields: Vec<&str> = stub.keys().map(String::as_str).collect();
    assert_eq!(fields, ["_id", "tenantId"]);
    assert_eq!(stub.get_str("tenantId").unwrap(), c.b.to_string());
    file.close().await;
    let header = tenantscope::store::snapshot::Snapshot::open(&path)
        .await
        .unwrap()
        .header;
    let said = |needle: &str| header.left_out.iter().any(|l| l.contains(needle));
    assert!(said(&c.b_output), "{:?}", header.left_out);
    assert!(said(&c.b_pdf), "{:?}", header.left_out);

    // A session on the file says the activity's output is outside the tenant.
    let get = tenantscope(
        &c.stores,
        &[
            "--snapshot",
            path.to_str().unwrap(),
            "get",
            &c.activity.to_string(),
            "--json",
        ],
    );
    assert_eq!(get.code, 0, "{}{}", get.stdout, get.stderr);
    assert!(get.stdout.contains("outside_tenant"), "{}", get.stdout);
    for secret in &c.b_secrets {
        assert!(!get.stdout.contains(secret.as_str()), "{}", get.stdout);
    }
    let _ = std::fs::remove_file(&path);
}

/// The `s3Key` of B's output document that A's activity points to.
async fn stores_document_key(c: &Crossed) -> String {
    let id = mongodb::bson::oid::ObjectId::parse_str(&c.b_output).unwrap();
    c.stores
        .mongo()
        .await
        .collection::<Document>("activity_outputs")
        .find_one(doc! { "_id": id })
        .await
        .unwrap()
        .unwrap()
        .get_str("s3Key")
        .unwrap()
        .to_string()
}

/// `--tenant` before the command is the same flag as after it, so it scopes the command:
/// it was ignored, and `tenantscope --tenant A get <B's id>` printed B's row.
#[tokio::test]
async fn a_tenant_flag_before_the_command_scopes_it_too() {
    let c = crossed();
    let ids = ids_of_b(c).await;
    for command in ["get", "path"] {
        let run = tenantscope(&c.stores, &["--tenant", &c.a_slug, command, &ids[0]]);
        assert_eq!(run.code, 1, "{command}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stdout, "", "{command}");
        assert!(
            run.stderr.contains(&format!("not in tenant {}", c.a_slug)),
            "{command}: {}",
            run.stderr
        );
    }
    let tree = tenantscope(&c.stores, &["--tenant", &c.a_slug, "tree", "--json"]);
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    let json: Value = serde_json::from_str(&tree.stdout).unwrap();
    assert_eq!(json["id"], c.a.to_string());
    // Two that differ, or one where no tenant applies: refused, not ignored.
    let twice = tenantscope(
        &c.stores,
        &["--tenant", &c.a_slug, "get", &ids[0], "--tenant", &c.b_slug],
    );
    assert_eq!(twice.code, 2, "{}{}", twice.stdout, twice.stderr);
    assert!(
        twice.stderr.contains("--tenant given twice"),
        "{}",
        twice.stderr
    );
    assert_eq!(twice.stdout, "");
    let doctor = tenantscope(&c.stores, &["--tenant", &c.a_slug, "doctor"]);
    assert_eq!(doctor.code, 2, "{}{}", doctor.stdout, doctor.stderr);
    assert!(
        doctor.stderr.contains("takes no tenant"),
        "{}",
        doctor.stderr
    );
}
