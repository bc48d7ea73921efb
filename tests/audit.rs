//! The audit log of a support profile, against the real stores: one parseable JSON line
//! per row, document or object shown, copied or exported, with who, which profile and
//! tenant, what and which action; never the content.

mod common;

use std::process::Command;

use common::ui::Ui;
use common::{Seeded, seeded_once};
use crossterm::event::KeyCode;
use serde_json::Value;
use tenantscope::store::Access;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("audit")
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[tokio::test]
async fn commands_append_one_line_per_thing_shown_and_never_its_content() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (user, tenant, slug, email): (Uuid, Uuid, String, String) = sqlx::query_as(
        "select u.id, u.tenant_id, t.slug, u.email from users u join tenants t on t.id = u.tenant_id \
         order by u.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let (activity, output): (Uuid, String) = sqlx::query_as(
        "select id, output_ref from activities where tenant_id = $1 and output_ref is not null \
         order by id limit 1",
    )
    .bind(tenant)
    .fetch_one(&pg)
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("tenantscope-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("audit.jsonl");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.support]\ntenant = \"{slug}\"\naudit_log = \"{}\"\n",
            log.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tenantscope"))
            .args(["--pg", &s.stores.pg_url, "--mongo", &s.stores.mongo_uri])
            .args(["--bucket", &s.stores.bucket])
            .arg("--config")
            .arg(&config)
            .args(["--profile", "support"])
            .args(args)
            .env("USER", "support-alice")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["get", &user.to_string()]);
    let first = lines(&log);
    assert_eq!(first.len(), 1, "{first:?}");
    let line = &first[0];
    assert_eq!(line["action"], "show");
    assert_eq!(line["what"], format!("users/{user}"));
    assert_eq!(line["user"], "support-alice");
    assert_eq!(line["profile"], "support");
    assert_eq!(line["tenant"], slug);
    assert!(
        chrono::DateTime::parse_from_rfc3339(line["time"].as_str().unwrap()).is_ok(),
        "{line}"
    );
    run(&["get", &activity.to_string(), "--content"]);
    let all = lines(&log);
    // Appended: the first line is still there.
    assert_eq!(all[0], first[0]);
    let whats: Vec<&str> = all[1..]
        .iter()
        .map(|l| l["what"].as_str().unwrap())
        .collect();
    assert!(
        whats.contains(&format!("activities/{activity}").as_str()),
        "{whats:?}"
    );
    assert!(
        whats.iter().any(|w| w.ends_with(&output)),
        "the document is not in {whats:?}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&email), "content in the audit log: {text}");
}

#[tokio::test]
async fn the_explorer_audits_what_it_shows_copies_and_exports() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (user, email): (Uuid, String) =
        sqlx::query_as("select id, email from users order by id desc limit 1")
            .fetch_one(&pg)
            .await
            .unwrap();
    let dir = std::env::temp_dir().join(format!("tenantscope-audit-ui-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("audit.jsonl");
    tenantscope::audit::install(&log, Some("support"), None).unwrap();
    let mut ui = Ui::open(&s.stores).await;
    ui.driver.app.save_dir = dir.clone();
    ui.palette(&user.to_string()).await;
    ui.key(KeyCode::Char('y')).await;
    ui.key(KeyCode::Char('r')).await;
    ui.key(KeyCode::Char('e')).await;
    ui.key(KeyCode::Char('j')).await;
    let all = lines(&log);
    let actions: Vec<(String, String)> = all
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap().to_string(),
                l["what"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = format!("users/{user}");
    assert!(
        actions.contains(&("show".into(), row.clone())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("copy".into(), format!("row of {row}"))),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|(a, w)| a == "export" && w.starts_with(&format!("{row} to "))),
        "{actions:?}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&email), "{text}");
}
