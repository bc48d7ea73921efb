//! `tenantscope` with no subcommand: the explorer on the real terminal.

use std::process::ExitCode;

use super::event_loop::event_loop;
use crate::config::StoreArgs;
use crate::store::StoreKind;
use crate::store::connect::{connect, describe};
use crate::store::snapshot::Snapshot;
use crate::store::source::Source;
use crate::terminal;

/// Runs the explorer on a snapshot file, after checking it is one.
pub async fn run_snapshot(
    path: &std::path::Path,
    log: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    start_log(log, &path.display().to_string());
    let snapshot = Snapshot::open(path).await?;
    require_terminal()?;
    let banner = snapshot.banner();
    explore_source(
        banner,
        async move { (Source::Snapshot(snapshot), Vec::new()) },
    )
    .await
}

/// The explorer draws on a terminal: refuse clearly when there is none.
fn require_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    anyhow::ensure!(
        std::io::stdout().is_terminal() && std::io::stdin().is_terminal(),
        "the explorer needs a terminal (standard input and output are not one); \
         `tenantscope snapshot` and `tenantscope dev …` run without one"
    );
    Ok(())
}

fn start_log(log: Option<std::path::PathBuf>, source: &str) {
    if let Some(path) = crate::logging::init(log) {
        tracing::info!(log = %path.display(), %source, "tenantscope starting");
    }
}

pub async fn run(stores: StoreArgs) -> anyhow::Result<ExitCode> {
    require_terminal()?;
    start_log(stores.log.clone(), &describe(&stores));
    if stores.pg.is_none() && stores.mongo.is_none() && stores.bucket.is_none() {
        // Nothing configured: the built-in demo (built once, then cached).
        let banner = "DEMO DATA (built in) · connect real stores with --pg, --mongo and --bucket (see README)".to_string();
        let started = std::time::Instant::now();
        let demo = crate::snapshot::demo().await?;
        tracing::info!(
            ms = started.elapsed().as_secs_f64() * 1e3,
            "demo snapshot ready"
        );
        return explore_source(banner, async move { (Source::Snapshot(demo), Vec::new()) }).await;
    }
    let source = describe(&stores);
    explore_source(source, connect(stores)).await
}

async fn explore_source(
    source: String,
    connect: impl Future<Output = (Source, Vec<(StoreKind, String)>)> + Send + 'static,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut tty = terminal::enter()?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "terminal ready"
    );
    let result = event_loop(&mut tty, source, connect).await;
    terminal::restore();
    result.map(|()| ExitCode::SUCCESS)
}
