//! The command line: one face over the core (the TUI is the other). Each subcommand
//! lives in its own module; this one parses the arguments and opens the stores.

mod check;
pub mod doctor;
mod get;
mod run;
mod tree;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::StoreArgs;
use crate::store::connect::connect;
use crate::store::read::{Live, TenantRef};
use crate::store::source::Source;
use crate::store::{Access, StoreKind, mongo, postgres, s3};
use crate::{dev, seed};

#[derive(Debug, Parser)]
#[command(
    name = "tenantscope",
    version,
    about = "Explore a multi-tenant platform's PostgreSQL, MongoDB and S3 data"
)]
pub struct Cli {
    #[command(flatten)]
    pub stores: StoreArgs,

    /// Open a snapshot file instead of live stores.
    #[arg(long, value_name = "FILE", conflicts_with = "file")]
    pub snapshot: Option<std::path::PathBuf>,

    /// A snapshot file to open (the same as --snapshot FILE).
    #[arg(value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,

    /// Scope the session to one tenant (id or slug): every query carries its id, the
    /// tree's root is that tenant, anything else is "not in tenant X".
    #[arg(long, value_name = "ID|SLUG")]
    pub tenant: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy one tenant (rows, the documents they point to, the objects those point to)
    /// from the live stores into a snapshot file. Reads only.
    Snapshot {
        /// The tenant's id or slug.
        #[arg(long)]
        tenant: String,
        /// The file to write (must not exist).
        #[arg(short, long, value_name = "FILE")]
        output: std::path::PathBuf,
        /// Objects larger than this many MB are recorded as metadata only.
        #[arg(long, default_value_t = 20)]
        max_object_mb: u64,
        /// Replace lead names, emails and phones and user emails with stable fakes.
        #[arg(long)]
        redact_pii: bool,
    },
    /// Find an id (a row's UUID, a document's ObjectId, an S3 key) and print it with every
    /// reference resolved. Exit 0 found, 1 not found, 2 on errors.
    Get {
        id: String,
        /// Only within this tenant (id or slug): an id outside it is "not in tenant X".
        #[arg(long, value_name = "ID|SLUG")]
        tenant: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Include the object's text (all of it).
        #[arg(long)]
        content: bool,
    },
    /// Print where an id sits in the tree: tenant first, one line per level.
    Path {
        id: String,
        /// Only within this tenant (id or slug): an id outside it is "not in tenant X".
        #[arg(long, value_name = "ID|SLUG")]
        tenant: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print an activity run as a timeline: where the time and the money went, its
    /// steps one per line, the critical path, the cause of a failure, the other runs of
    /// its activity. Exit 0 found, 1 not found, 2 on errors.
    Run {
        id: String,
        /// Only within this tenant (id or slug): an id outside it is "not in tenant X".
        #[arg(long, value_name = "ID|SLUG")]
        tenant: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compare two activity runs step by step (typically the last good run and the
    /// failing one): aligned steps with deltas, added and removed steps, and what changed
    /// in the tool calls' requests and responses.
    Diff {
        a: String,
        b: String,
        /// Only within this tenant (id or slug): an id outside it is "not in tenant X".
        #[arg(long, value_name = "ID|SLUG")]
        tenant: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check every foreign key and every PostgreSQL → MongoDB, PostgreSQL → S3 and
    /// MongoDB → S3 reference; print each broken one as it is found, then a summary.
    /// Exit status 1 when anything is broken, 0 when nothing is. Reads only.
    Check {
        /// Only this tenant (id or slug); all tenants without it.
        #[arg(long, value_name = "ID|SLUG")]
        tenant: Option<String>,
        /// One JSON object per line: each problem, then the summary.
        #[arg(long)]
        json: bool,
        /// Progress on stderr even under --json or when stderr is not a terminal (then
        /// one line per finished table instead of a line redrawn in place).
        #[arg(long)]
        progress: bool,
    },
    /// Print the explorer's tree: a tenant's child groups with their counts and first
    /// page of rows, or (without --tenant) the first page of tenants. Reads only.
    Tree {
        /// The tenant (id or slug) at the root.
        #[arg(long, value_name = "ID|SLUG")]
        tenant: Option<String>,
        /// Levels of groups to open [default: 2 with --tenant, 1 without].
        #[arg(long, value_name = "N")]
        depth: Option<u32>,
        /// One nested JSON object instead of indented text.
        #[arg(long)]
        json: bool,
    },
    /// Check the configured stores against what tenantscope expects, reading only:
    /// PostgreSQL's version, standby state and role (a warning when it could write), the
    /// catalog against the declaration, every query shape's plan (the indexes missing),
    /// MongoDB's collections and indexes, the bucket's HEAD/LIST/GET. Exit 0 when
    /// everything fits, 1 when something does not, 2 when a store cannot be reached.
    Doctor {
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Development commands. These WRITE to the configured stores.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// WRITES: create the PostgreSQL schema, the MongoDB collections and indexes, and the
    /// S3 bucket. Safe to run again.
    Migrate,
    /// WRITES: fill empty stores with generated platform data (deterministic per --seed).
    Seed {
        /// Seed of the random stream: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of tenants.
        #[arg(long, default_value_t = 3)]
        tenants: u32,
        /// Size multiplier for the long series (periods, daily scores, reports, leads).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Share of references broken on purpose; above 0, every tenant gets each kind.
        #[arg(long, default_value_t = 0.01)]
        broken_rate: f64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Then add one very large tenant (colossal-media: 10M runs, about 40M rows, 1M
        /// documents, 100,000 objects) for the benchmarks. Takes tens of minutes and GBs.
        #[arg(long)]
        large: bool,
    },
}

/// What the arguments ask for: the explorer (the TUI face, started by `main`), or a
/// command this face runs.
pub enum Asked {
    Explore {
        stores: StoreArgs,
        snapshot: Option<std::path::PathBuf>,
    },
    Command(Cli),
}

/// Reads the config file into the arguments and tells the explorer from a command.
pub fn asked(mut cli: Cli) -> anyhow::Result<Asked> {
    // The scope a flag asks for; the profile's `tenant` is merged (and compared) next.
    // `--tenant` before the command is the same flag as after it: never ignored (that
    // would run the command unscoped), refused where no tenant applies or twice.
    let own = match &cli.command {
        None => None,
        Some(
            Command::Get { tenant, .. }
            | Command::Path { tenant, .. }
            | Command::Run { tenant, .. }
            | Command::Diff { tenant, .. }
            | Command::Tree { tenant, .. }
            | Command::Check { tenant, .. },
        ) => tenant.clone(),
        Some(Command::Snapshot { tenant, .. }) => Some(tenant.clone()),
        Some(_) => {
            if let Some(top) = &cli.tenant {
                anyhow::bail!("--tenant {top}: this command takes no tenant");
            }
            None
        }
    };
    cli.stores.scope = match (cli.tenant.clone(), own) {
        (Some(top), Some(own)) if top != own => {
            anyhow::bail!("--tenant given twice ({top} and {own}): give it once")
        }
        (top, own) => own.or(top),
    };
    cli.stores = cli.stores.with_config_file()?;
    // Masks are set once, before any store is read, for the whole process.
    crate::mask::install(crate::mask::Masks::parse(&cli.stores.masks)?)?;
    if let Some(path) = &cli.stores.audit_log {
        crate::audit::install(
            path,
            cli.stores.profile.as_deref(),
            cli.stores.scope.as_deref(),
        )?;
    }
    Ok(match cli.command {
        None => Asked::Explore {
            snapshot: cli.snapshot.or(cli.file),
            stores: cli.stores,
        },
        Some(_) => Asked::Command(cli),
    })
}

/// Runs a subcommand (the config file already read by [`asked`]).
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => anyhow::bail!("no command given"),
        Some(Command::Snapshot {
            tenant,
            output,
            max_object_mb,
            redact_pii,
        }) => {
            crate::logging::init(cli.stores.log.clone());
            // The copy reads one tenant by its own queries; the scope (the profile's
            // tenant, compared with --tenant when the config was read) adds nothing but
            // `tenantId` to each of its `_id` lookups, which FerretDB then scans for.
            let mut stores = cli.stores.clone();
            stores.scope = None;
            let live = live_stores(&stores).await?;
            let options = crate::snapshot::ExportOptions {
                max_object_bytes: max_object_mb * 1_000_000,
                redact_pii,
            };
            let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let described = crate::store::connect::describe(&cli.stores);
            let report =
                crate::snapshot::export(&live, &tenant, &output, options, &described, interactive)
                    .await?;
            crate::audit::record(
                "export",
                &format!("snapshot of tenant {tenant} to {}", output.display()),
            );
            let seconds = report.elapsed.as_secs_f64().max(1e-9);
            println!(
                "wrote {}: {} rows, {} documents, {} objects ({:.1} MB) in {seconds:.1} s ({:.0} rows/s, {:.1} MB/s)",
                output.display(),
                report.rows,
                report.documents,
                report.objects,
                report.object_bytes as f64 / 1e6,
                report.rows as f64 / seconds,
                report.object_bytes as f64 / 1e6 / seconds
            );
            for line in &report.left_out {
                println!("left out: {line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Get {
            id, json, content, ..
        }) => {
            let source = read_source(&cli.stores, cli.snapshot.as_deref()).await?;
            get::get(source, &id, json, content).await
        }
        Some(Command::Path { id, json, .. }) => {
            let source = read_source(&cli.stores, cli.snapshot.as_deref()).await?;
            get::path(source, &id, json).await
        }
        Some(Command::Run { id, json, .. }) => {
            let source = read_source(&cli.stores, cli.snapshot.as_deref()).await?;
            run::run_command(&source, &id, json).await
        }
        Some(Command::Diff { a, b, json, .. }) => {
            let source = read_source(&cli.stores, cli.snapshot.as_deref()).await?;
            run::diff_command(&source, &a, &b, json).await
        }
        Some(Command::Check {
            tenant,
            json,
            progress,
        }) => {
            crate::logging::init(cli.stores.log.clone());
            // check reads one tenant by its own queries (`--tenant` or the profile's) and
            // must see where its references lead, other tenants' keys included.
            let mut stores = cli.stores.clone();
            stores.scope = None;
            let live = live_stores(&stores).await?;
            check::reachable(&live, &cli.stores, false).await?;
            let tenant = match tenant.or(cli.stores.scope.clone()) {
                Some(t) => Some(resolve_tenant(&Source::Live(live.clone()), &t).await?.id),
                None => None,
            };
            check::check(&live, tenant, json, progress).await
        }
        Some(Command::Tree {
            tenant,
            depth,
            json,
        }) => {
            crate::logging::init(cli.stores.log.clone());
            let source = match cli.snapshot.or(cli.file) {
                Some(path) => {
                    Source::Snapshot(crate::store::snapshot::Snapshot::open(&path).await?)
                }
                None => {
                    let (source, problems) = connect(cli.stores.clone()).await;
                    refuse_unscoped(&problems)?;
                    let pg_problem = problems.into_iter().find_map(|(store, reason)| {
                        (store == StoreKind::Postgres).then_some(reason)
                    });
                    if let Some(reason) = pg_problem {
                        anyhow::bail!("{}", store_problem(StoreKind::Postgres, &reason));
                    }
                    if let Source::Live(live) = &source {
                        check::reachable(live, &cli.stores, true).await?;
                    }
                    load_schema(&source).await;
                    source
                }
            };
            let tenant = match tenant.or(cli.stores.scope.clone()) {
                Some(t) => Some(resolve_tenant(&source, &t).await?),
                None => None,
            };
            tree::tree(&source, tenant.as_ref(), depth, json).await
        }
        Some(Command::Doctor { json }) => {
            crate::logging::init(cli.stores.log.clone());
            doctor::doctor(&cli.stores, json).await
        }
        Some(Command::Dev(command)) => dev_command(&cli.stores, command).await,
    }
}

/// The stores a reading command uses: the snapshot when `--snapshot` is given, else the
/// live stores, refusing when none is configured.
async fn read_source(
    stores: &StoreArgs,
    snapshot: Option<&std::path::Path>,
) -> anyhow::Result<crate::store::source::Source> {
    crate::logging::init(stores.log.clone());
    if let Some(path) = snapshot {
        let snapshot = Source::Snapshot(crate::store::snapshot::Snapshot::open(path).await?);
        // A snapshot holds one tenant: scoped to another, it shows nothing.
        if let Some(scope) = &stores.scope
            && snapshot.tenant(scope).await.ok().flatten().is_none()
        {
            anyhow::bail!("{} is not of tenant {scope}", path.display());
        }
        return Ok(snapshot);
    }
    let (source, problems) = connect(stores.clone()).await;
    refuse_unscoped(&problems)?;
    if problems.len() == 3 {
        anyhow::bail!("no store configured (--pg, --mongo, --bucket or a config file)");
    }
    load_schema(&source).await;
    Ok(source)
}

/// Fits the schema to the database's catalog before any query; when the catalog cannot
/// be read (PostgreSQL down), the declaration stays and the first query says why.
async fn load_schema(source: &Source) {
    if let Err(e) = crate::store::deadline::bounded(source.load_schema()).await {
        tracing::warn!(error = %e, "the catalog could not be read; using the declaration");
    }
}

/// The live stores, all three configured (a store that is not is a one-line error).
async fn live_stores(stores: &StoreArgs) -> anyhow::Result<Live> {
    let (source, problems) = connect(stores.clone()).await;
    refuse_unscoped(&problems)?;
    if let Some((store, reason)) = problems.first() {
        anyhow::bail!("{}", store_problem(*store, reason));
    }
    load_schema(&source).await;
    match source {
        Source::Live(live) => Ok(live),
        Source::Snapshot(_) => anyhow::bail!("this command reads live stores"),
    }
}

/// A scope that could not be set (its tenant unknown, PostgreSQL down) stops a command:
/// it never runs unscoped.
fn refuse_unscoped(problems: &[(StoreKind, String)]) -> anyhow::Result<()> {
    match problems.iter().find(|(_, p)| p.starts_with("scope: ")) {
        Some((_, p)) => anyhow::bail!("{}", p.trim_start_matches("scope: ")),
        None => Ok(()),
    }
}

/// A store's configuration problem as one line that names the store.
fn store_problem(store: StoreKind, reason: &str) -> String {
    let name = store.name();
    if reason.starts_with("not configured") {
        format!("{name} is {reason}")
    } else {
        reason.to_string()
    }
}

/// `--tenant ID|SLUG`, or a one-line error naming what was not found.
async fn resolve_tenant(source: &Source, id_or_slug: &str) -> anyhow::Result<TenantRef> {
    source
        .tenant(id_or_slug)
        .await?
        .with_context(|| format!("no tenant with id or slug {id_or_slug:?}"))
}

async fn dev_command(stores: &StoreArgs, command: DevCommand) -> anyhow::Result<ExitCode> {
    let pg = postgres::connect(stores.require_pg()?, Access::ReadWrite, 4).await?;
    let mongo = mongo::connect(stores.require_mongo()?).await?;
    let bucket = stores.require_bucket()?.to_string();
    let s3 = s3::connect(stores.s3_path_style).await;
    match command {
        DevCommand::Migrate => {
            dev::migrate::postgres(&pg).await?;
            dev::migrate::mongo(&mongo).await?;
            dev::migrate::s3(&s3, &bucket).await?;
            println!(
                "migrated: PostgreSQL schema, MongoDB collections and indexes, S3 bucket {bucket}"
            );
        }
        DevCommand::Seed {
            seed,
            tenants,
            scale,
            broken_rate,
            json,
            large,
        } => {
            anyhow::ensure!(scale > 0.0, "--scale must be above 0");
            anyhow::ensure!(
                (0.0..=1.0).contains(&broken_rate),
                "--broken-rate must be between 0 and 1"
            );
            let options = seed::Options {
                seed,
                tenants,
                scale,
                broken_rate,
            };
            let targets = seed::Targets {
                pg,
                mongo,
                s3,
                bucket,
            };
            let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let report = seed::run(options, &targets, interactive && !json).await?;
            if large {
                let started = std::time::Instant::now();
                let large = seed::large::run(&targets).await?;
                println!(
                    "large tenant {} ({}): {} rows, {} documents, {} objects in {:.0} s",
                    seed::large::TENANT_SLUG,
                    large.tenant,
                    large.rows,
                    large.documents,
                    large.objects,
                    started.elapsed().as_secs_f64()
                );
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).context("cannot encode the report")?
                );
            } else {
                print_report(&report);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &seed::Report) {
    let seconds = report.elapsed.as_secs_f64();
    let rows = report.total_rows();
    let documents = report.total_documents();
    let total = rows + documents + report.objects;
    println!(
        "seeded {rows} rows, {documents} documents, {} objects ({:.1} MB) in {seconds:.1} s: {:.0} records/s",
        report.objects,
        report.object_bytes as f64 / 1e6,
        total as f64 / seconds.max(1e-9)
    );
    for (table, n) in &report.rows {
        println!("  {table:<34} {n:>9}");
    }
    for (collection, n) in &report.documents {
        println!("  mongo {collection:<28} {n:>9}");
    }
    println!("broken on purpose: {}", report.broken.len());
    for b in &report.broken {
        println!("  {:?} at {} → {}", b.kind, b.location, b.reference);
    }
}
