//! `tenantscope` with no subcommand: the explorer on the real terminal.

use std::process::ExitCode;

use crate::app::loader::{Msg, StoreKind};
use crate::app::run::event_loop;
use crate::config::{StoreArgs, redact_url};
use crate::store::read::Live;
use crate::store::snapshot::Snapshot;
use crate::store::source::Source;
use crate::store::{mongo, postgres, s3};
use crate::terminal;

/// Builds the live stores without waiting on any server: PostgreSQL connects on first
/// use, the MongoDB driver connects in the background, S3 is stateless. Returns what could
/// not even be configured, per store.
pub async fn connect(stores: StoreArgs) -> (Source, Vec<Msg>) {
    let mut live = Live::default();
    let mut problems = Vec::new();
    let mut problem = |store, reason: String| problems.push(Msg::Health(store, Some(reason)));
    match stores.pg.as_deref() {
        Some(url) => match postgres::connect_lazy(url) {
            Ok(pool) => live.pg = Some(pool),
            Err(e) => problem(StoreKind::Postgres, format!("{e:#}")),
        },
        None => problem(
            StoreKind::Postgres,
            "not configured (--pg or TENANTSCOPE_PG)".into(),
        ),
    }
    match stores.mongo.as_deref() {
        Some(uri) => match mongo::connect(uri).await {
            Ok(db) => live.mongo = Some(db),
            Err(e) => problem(StoreKind::Mongo, format!("{e:#}")),
        },
        None => problem(
            StoreKind::Mongo,
            "not configured (--mongo or TENANTSCOPE_MONGO)".into(),
        ),
    }
    match stores.bucket.clone() {
        Some(bucket) => live.s3 = Some((s3::connect(stores.s3_path_style).await, bucket)),
        None => problem(
            StoreKind::S3,
            "not configured (--bucket or TENANTSCOPE_BUCKET)".into(),
        ),
    }
    (Source::Live(live), problems)
}

/// A one-line description of where the data comes from, secrets masked.
pub fn describe(stores: &StoreArgs) -> String {
    let pg = stores
        .pg
        .as_deref()
        .map(redact_url)
        .unwrap_or_else(|| "no PostgreSQL".into());
    let bucket = stores
        .bucket
        .as_deref()
        .map(|b| format!("s3://{b}"))
        .unwrap_or_else(|| "no bucket".into());
    format!("{pg} · {bucket}")
}

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
    connect: impl Future<Output = (Source, Vec<Msg>)> + Send + 'static,
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
