//! A store that goes away mid-session: the test runs a MongoDB-protocol server of its own
//! (FerretDB, the test bed's binary), stops it while the explorer shows a tool call's
//! log document, and starts it again. The UI must stay responsive, say which store is
//! down and why, and recover with `r` without a restart.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Stores;
use common::ui::{Ui, table, tree_path};
use crossterm::event::KeyCode;
use tenantscope::app::Health;
use tenantscope::resolve::HopState;
use tenantscope::seed::Options;
use tenantscope::store::Access;
use uuid::Uuid;

struct Ferret {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Ferret {
    fn start_new() -> Ferret {
        let binary = std::env::var_os("TENANTSCOPE_FERRETDB_BIN")
            .map(PathBuf::from)
            .expect("TENANTSCOPE_FERRETDB_BIN is not set: run `scripts/test` or source \"$(scripts/services start)\"");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("ts-outage-{}-{port}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let mut ferret = Ferret {
            binary,
            dir,
            port,
            child: None,
        };
        ferret.start();
        ferret
    }

    fn start(&mut self) {
        let child = Command::new(&self.binary)
            .arg("--handler=sqlite")
            .arg(format!(
                "--sqlite-url=file:{}/",
                self.dir.join("data").display()
            ))
            .arg(format!("--listen-addr=127.0.0.1:{}", self.port))
            .arg("--debug-addr=-")
            .arg("--telemetry=disable")
            .arg(format!("--state-dir={}", self.dir.display()))
            .arg("--log-level=error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start FerretDB");
        self.child = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "FerretDB did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Ferret {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn mongo_going_away_is_reported_and_recovered_from_without_a_restart() {
    let mut ferret = Ferret::start_new();
    let mut stores = Stores::create("outage").await;
    stores.mongo_uri = format!(
        "mongodb://127.0.0.1:{}/outage?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000",
        ferret.port
    );
    let report = stores
        .seed(Options {
            tenants: 1,
            ..Options::default()
        })
        .await;
    let pg = stores.pg(Access::ReadOnly).await;
    let broken: Vec<String> = report.broken.iter().map(|b| b.location.clone()).collect();
    let calls: Vec<Uuid> =
        sqlx::query_scalar("select id from tool_calls order by created_at desc limit 30")
            .fetch_all(&pg)
            .await
            .unwrap();
    let call = calls
        .into_iter()
        .find(|id| !broken.contains(&format!("tool_calls/{id}")))
        .unwrap();

    let mut ui = Ui::open(&stores).await;
    ui.walk(&tree_path(&pg, table("tool_calls"), call).await)
        .await;
    assert_eq!(ui.driver.app.chain_summary()[0].1, HopState::Resolved);

    ferret.stop();
    ui.key(KeyCode::Char('r')).await;
    let (hop, state) = ui.driver.app.chain_summary()[0].clone();
    assert!(hop.starts_with("tool_calls.log_ref"), "{hop}");
    assert!(matches!(state, HopState::Failed(_)), "{state:?}");
    assert!(
        matches!(ui.driver.app.health[1], Health::Down(_)),
        "{:?}",
        ui.driver.app.health
    );
    let screen = ui.screen();
    assert!(
        screen.contains("Mongo ✗ down") && screen.contains("MongoDB down:"),
        "{screen}"
    );
    assert!(screen.contains("! error:"), "{screen}");
    // PostgreSQL still answers: up to the group (h), close it (h), up to the run (h).
    for _ in 0..3 {
        ui.key(KeyCode::Char('h')).await;
    }
    assert!(
        ui.screen().contains("Row · activity_runs"),
        "{}",
        ui.screen()
    );
    assert!(ui.screen().contains("PG ✓"));

    ferret.start();
    ui.walk(&tree_path(&pg, table("tool_calls"), call).await)
        .await;
    ui.key(KeyCode::Char('r')).await;
    assert_eq!(
        ui.driver.app.chain_summary()[0].1,
        HopState::Resolved,
        "{}",
        ui.screen()
    );
    assert_eq!(ui.driver.app.health[1], Health::Up);
    assert!(ui.screen().contains("Mongo ✓"), "{}", ui.screen());
}
