//! The output of the scriptable commands, `check` and `tree`: stable text for people and
//! JSON for programs (the README's "Scriptable CLI" section documents both).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use mongodb::bson::doc;
use serde::Serialize;
use uuid::Uuid;

use crate::app::tree::thousands;
use crate::check::{self, Problem, Summary};
use crate::config::{StoreArgs, redact_url};
use crate::outline;
use crate::store::read::{Live, TenantRef};
use crate::store::source::Source;

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

/// `checked 24,512 rows, … in 3.1 s (9,100 records/s): 93 problems (missing_document 31, …)`
pub fn summary_line(s: &Summary) -> String {
    let problems = if s.problems == 0 {
        "no problems".to_string()
    } else {
        let kinds: Vec<_> = s
            .problems_by_kind
            .iter()
            .map(|(kind, n)| format!("{} {}", kind.name(), thousands(*n)))
            .collect();
        format!("{} problems ({})", thousands(s.problems), kinds.join(", "))
    };
    format!(
        "checked {} rows, {} foreign keys, {} document references, {} documents, {} objects in {:.1} s ({} records/s): {problems}",
        thousands(s.rows),
        thousands(s.foreign_keys),
        thousands(s.documents_looked_up),
        thousands(s.documents_scanned),
        thousands(s.objects),
        s.elapsed.as_secs_f64(),
        thousands(s.per_second() as u64),
    )
}

/// Prints the tree under `tenant` (or the tenants), `depth` levels of groups deep.
pub async fn tree(
    source: &Source,
    tenant: Option<&TenantRef>,
    depth: Option<u32>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut text = String::new();
    let encoded = match tenant {
        Some(tenant) => {
            let root = outline::tenant(source, tenant, depth.unwrap_or(2)).await?;
            outline::render_row(&root, 0, &mut text);
            serde_json::to_string_pretty(&root)
        }
        None => {
            let root = outline::tenants(source, depth.unwrap_or(1)).await?;
            outline::render_group(&root, 0, &mut text);
            serde_json::to_string_pretty(&root)
        }
    }
    .context("cannot encode the tree")?;
    let out = if json { encoded + "\n" } else { text };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}
