//! `tenantscope check`: each problem as found and a summary, as stable text for people
//! or NDJSON for programs (the README's "Scriptable CLI" section documents both).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use mongodb::bson::doc;
use serde::Serialize;
use uuid::Uuid;

use crate::check::{self, Problem, Summary, summary_line};
use crate::config::{StoreArgs, redact_url};
use crate::store::read::Live;

/// One line of `check --json`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Problem(&'a Problem),
    Summary(&'a Summary),
}

/// Asks each store `check` needs (only PostgreSQL when `pg_only`) one cheap question,
/// so an unreachable one fails first, named with its address (secrets masked).
pub async fn reachable(live: &Live, stores: &StoreArgs, pg_only: bool) -> anyhow::Result<()> {
    let shown = |url: &Option<String>| url.as_deref().map(redact_url).unwrap_or_default();
    let pg = live
        .pg
        .as_ref()
        .context("PostgreSQL is not configured (--pg)")?;
    sqlx::query("select 1")
        .execute(pg)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {}", shown(&stores.pg)))?;
    if pg_only {
        return Ok(());
    }
    let db = live
        .mongo
        .as_ref()
        .context("MongoDB is not configured (--mongo)")?;
    db.run_command(doc! { "ping": 1 })
        .await
        .with_context(|| format!("cannot reach MongoDB at {}", shown(&stores.mongo)))?;
    let (s3, bucket) = live
        .s3
        .as_ref()
        .context("S3 is not configured (--bucket)")?;
    s3.head_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws_sdk_s3::Error::from)
        .with_context(|| format!("cannot reach S3 bucket {bucket}"))?;
    Ok(())
}

/// Runs the check, printing each problem as it is found and the summary last. Exit
/// status 1 when anything is broken.
pub async fn check(live: &Live, tenant: Option<Uuid>, json: bool) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    // A closed pipe (`| head`) must not panic; what cannot be written is dropped.
    let summary = check::check(live, tenant, |problem| {
        let line = if json {
            serde_json::to_string(&Line::Problem(problem)).expect("a problem encodes")
        } else {
            problem.to_string()
        };
        let _ = writeln!(stdout.lock(), "{line}");
    })
    .await?;
    let line = if json {
        serde_json::to_string(&Line::Summary(&summary)).context("cannot encode the summary")?
    } else {
        summary_line(&summary)
    };
    let _ = writeln!(stdout.lock(), "{line}");
    Ok(if summary.problems > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
