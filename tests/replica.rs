//! tenantscope on a read replica: a database is created and seeded on the primary, the
//! PostgreSQL streaming standby (`scripts/services standby`, TENANTSCOPE_TEST_PG_STANDBY)
//! replays it, and then `tree`, `get`, `check`, `snapshot` and `doctor` (which must say
//! "standby") run with the built binary, and an explorer journey on a TestBackend, against
//! the standby only: the primary's URL is given to none of them.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Stores;
use common::cli::tenantscope_by_env;
use common::ui::{Ui, table, tree_path};
use crossterm::event::KeyCode;
use sqlx::PgPool;
use tenantscope::seed::Options;
use tenantscope::store::{Access, postgres};
use uuid::Uuid;

/// The standby's URL, with the database replaced by `database`.
fn standby_url(database: &str) -> String {
    let url = std::env::var("TENANTSCOPE_TEST_PG_STANDBY").unwrap_or_else(|_| {
        panic!(
            "TENANTSCOPE_TEST_PG_STANDBY is not set: run `scripts/test`, or add a standby to \
             running services with `scripts/services standby \"$TENANTSCOPE_SERVICES_DIR\"` \
             and source its env again"
        )
    });
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{database}")
}

fn database_of(url: &str) -> &str {
    url.rsplit_once('/').expect("a database").1
}

/// Waits until the standby has replayed everything the primary had written when called.
/// The test primary commits asynchronously (`synchronous_commit = off`), so a committed
/// transaction's WAL may be inserted but not yet written: wait for the insert position.
async fn caught_up(primary: &PgPool, standby: &PgPool) {
    let lsn: String = sqlx::query_scalar("select pg_current_wal_insert_lsn()::text")
        .fetch_one(primary)
        .await
        .unwrap();
    let started = Instant::now();
    loop {
        let replayed: bool =
            sqlx::query_scalar("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)")
                .bind(&lsn)
                .fetch_one(standby)
                .await
                .unwrap();
        if replayed {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the standby did not replay {lsn} in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn everything_reads_from_a_streaming_standby() {
    let primary_stores = Stores::create("replica").await;
    primary_stores
        .seed(Options {
            broken_rate: 0.0,
            ..Options::default()
        })
        .await;
    let standby = standby_url(database_of(&primary_stores.pg_url));
    assert_ne!(standby, primary_stores.pg_url);
    let primary = primary_stores.pg(Access::ReadWrite).await;
    let replica = postgres::connect(&standby, Access::ReadOnly, 2)
        .await
        .expect("connect to the standby");
    let in_recovery: bool = sqlx::query_scalar("select pg_is_in_recovery()")
        .fetch_one(&replica)
        .await
        .unwrap();
    assert!(in_recovery, "{standby} is not a standby");
    caught_up(&primary, &replica).await;
    primary.close().await;
    // From here on, only the standby: the stores' PostgreSQL is the standby's URL.
    let stores = Stores {
        pg_url: standby.clone(),
        ..primary_stores.clone()
    };

    let (call, tenant, slug): (Uuid, Uuid, String) = sqlx::query_as(
        "select c.id, t.id, t.slug from tool_calls c join tenants t on t.id = c.tenant_id \
         where c.tool_name = 'web_search' and c.status = 'succeeded' order by c.id limit 1",
    )
    .fetch_one(&replica)
    .await
    .unwrap();

    let tree = tenantscope_by_env(&stores, &["tree", "--tenant", &slug], &[]);
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    assert!(tree.stdout.contains(&tenant.to_string()), "{}", tree.stdout);
    assert!(tree.stdout.contains("  Strategies ("), "{}", tree.stdout);

    let get = tenantscope_by_env(&stores, &["get", &call.to_string()], &[]);
    assert_eq!(get.code, 0, "{}", get.stderr);
    assert!(
        get.stdout.starts_with(&format!("tool_calls/{call}")),
        "{}",
        get.stdout
    );
    assert!(get.stdout.contains("tool_call_logs"), "{}", get.stdout);

    let check = tenantscope_by_env(&stores, &["check", "--tenant", &slug], &[]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert!(check.stdout.contains(": no problems"), "{}", check.stdout);

    let file =
        std::env::temp_dir().join(format!("tenantscope-replica-{}.tsnap", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let snapshot = tenantscope_by_env(
        &stores,
        &["snapshot", "--tenant", &slug, "-o", file.to_str().unwrap()],
        &[],
    );
    assert_eq!(snapshot.code, 0, "{}", snapshot.stderr);
    assert!(snapshot.stdout.starts_with("wrote "), "{}", snapshot.stdout);
    let from_file = Command::new(env!("CARGO_BIN_EXE_tenantscope"))
        .args([
            "--snapshot",
            file.to_str().unwrap(),
            "get",
            &call.to_string(),
        ])
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("tenantscope-no-config"),
        )
        .output()
        .unwrap();
    assert!(from_file.status.success(), "{from_file:?}");
    assert!(
        String::from_utf8_lossy(&from_file.stdout).starts_with(&format!("tool_calls/{call}")),
        "{from_file:?}"
    );

    let _ = std::fs::remove_file(&file);

    let doctor = tenantscope_by_env(&stores, &["doctor"], &[]);
    assert_eq!(doctor.code, 0, "{}\n{}", doctor.stdout, doctor.stderr);
    assert!(
        doctor
            .stdout
            .contains("standby (in recovery: a streaming replica)"),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains(&format!("PostgreSQL {standby}\n")),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains("every one uses an index"),
        "{}",
        doctor.stdout
    );
    let doctor = tenantscope_by_env(&stores, &["doctor", "--json"], &[]);
    let report: serde_json::Value = serde_json::from_str(&doctor.stdout).unwrap();
    assert_eq!(report["postgres"]["standby"], true);

    // The explorer: down to a tool call and its log document, PostgreSQL up throughout.
    let path = tree_path(&replica, table("tool_calls"), call).await;
    let mut ui = Ui::open(&stores).await;
    ui.walk(&path).await;
    assert_eq!(ui.selected(), path);
    ui.key(KeyCode::Char('2')).await;
    let screen = ui.screen();
    assert!(screen.contains("PG ✓"), "{screen}");
    assert!(!screen.contains("✗ down"), "{screen}");
    assert!(screen.contains("tool_call_logs/"), "{screen}");
    assert!(screen.contains("request: {"), "{screen}");
    replica.close().await;
}
