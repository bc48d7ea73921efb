//! `tenantscope check`: each problem as found and a summary, as stable text for people
//! or NDJSON for programs (the README's "Scriptable CLI" section documents both).

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use mongodb::bson::doc;
use serde::Serialize;
use uuid::Uuid;

use crate::check::progress::Entry;
use crate::check::{self, Problem, Progress, Summary, summary_line};
use crate::config::{StoreArgs, redact_url};
use crate::store::read::Live;
use crate::text::thousands;

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

/// Runs the check, printing each problem as it is found and the summary last, with a
/// progress line on stderr (see `ProgressView`). Exit status 1 when anything is broken.
pub async fn check(
    live: &Live,
    tenant: Option<Uuid>,
    json: bool,
    progress_flag: bool,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let progress = Progress::new();
    let view = ProgressView::new(json, progress_flag);
    // A closed pipe (`| head`) must not panic; what cannot be written is dropped.
    let run = check::check_with_progress(live, tenant, &progress, |problem| {
        let line = if json {
            serde_json::to_string(&Line::Problem(problem)).expect("a problem encodes")
        } else {
            problem.to_string()
        };
        view.clear();
        let _ = writeln!(stdout.lock(), "{line}");
    });
    tokio::pin!(run);
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    let summary = loop {
        tokio::select! {
            summary = &mut run => break summary,
            _ = tick.tick() => view.show(&progress),
        }
    };
    view.show(&progress);
    view.clear();
    let summary = summary?;
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

/// How often the progress line is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Progress on stderr: on a terminal, one line redrawn in place (unless `--json`
/// without `--progress`); elsewhere nothing, or with `--progress` one line per table as
/// it ends (a log has no "in place").
struct ProgressView {
    mode: Mode,
    /// The in-place line is on the screen (a problem line must clear it first).
    drawn: AtomicBool,
    /// Tables whose line has been printed (`Mode::Lines`).
    printed: Mutex<HashSet<&'static str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Silent,
    InPlace,
    Lines,
}

impl ProgressView {
    fn new(json: bool, flag: bool) -> ProgressView {
        let terminal = std::io::stderr().is_terminal();
        let mode = match (terminal, json, flag) {
            (true, false, _) | (true, true, true) => Mode::InPlace,
            (false, _, true) => Mode::Lines,
            _ => Mode::Silent,
        };
        ProgressView {
            mode,
            drawn: AtomicBool::new(false),
            printed: Mutex::new(HashSet::new()),
        }
    }

    fn show(&self, progress: &Progress) {
        let now = Instant::now();
        let entries = progress.snapshot();
        let mut stderr = std::io::stderr().lock();
        match self.mode {
            Mode::Silent => {}
            Mode::InPlace => {
                let width = crossterm::terminal::size().map_or(100, |(w, _)| w as usize);
                let line = progress_line(&entries, now, progress.started(), width);
                let _ = write!(stderr, "\r\x1b[K{line}");
                let _ = stderr.flush();
                self.drawn.store(true, Ordering::SeqCst);
            }
            Mode::Lines => {
                let mut printed = self.printed.lock().unwrap_or_else(|e| e.into_inner());
                for entry in entries.iter().filter(|e| e.finished()) {
                    if printed.insert(entry.name) {
                        let _ = writeln!(stderr, "{}", finished_line(entry, now));
                    }
                }
            }
        }
    }

    /// Takes the in-place line off the screen.
    fn clear(&self) {
        if self.drawn.swap(false, Ordering::SeqCst) {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[K");
            let _ = stderr.flush();
        }
    }
}

/// `check: 12/27 tables · llm_calls 20,001,000 rows 14 s (1,428,000/s) · … · 0:42`:
/// the tables running now, at most `width` characters.
pub fn progress_line(entries: &[Entry], now: Instant, started: Instant, width: usize) -> String {
    let done = entries.iter().filter(|e| e.finished()).count();
    let elapsed = now.saturating_duration_since(started).as_secs();
    let mut line = format!("check: {done}/{} tables", entries.len());
    for entry in entries.iter().filter(|e| e.running()) {
        let records = entry.records();
        let took = entry.took(now).as_secs();
        if records == 0 {
            line.push_str(&format!(" · {} {took} s", entry.name));
        } else {
            line.push_str(&format!(
                " · {} {} rows {took} s ({}/s)",
                entry.name,
                thousands(records),
                thousands(entry.per_second(now) as u64)
            ));
        }
    }
    line.push_str(&format!(" · {}:{:02}", elapsed / 60, elapsed % 60));
    crate::text::clean_line(&line, width.saturating_sub(1).max(10))
}

/// `check: llm_calls: 20,001,000 rows in 31.2 s (641,000 rows/s)`
pub fn finished_line(entry: &Entry, now: Instant) -> String {
    format!(
        "check: {}: {} rows in {:.1} s ({} rows/s)",
        entry.name,
        thousands(entry.records()),
        entry.took(now).as_secs_f64(),
        thousands(entry.per_second(now) as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_names_the_running_tables_and_fits() {
        let progress = Progress::new();
        for name in ["llm_calls", "goals", "activity_outputs"] {
            progress.plan(name);
        }
        progress.start("llm_calls");
        progress.counted("llm_calls", 2_000_000);
        progress.start("goals");
        progress.end("goals");
        progress.start("activity_outputs");
        let now = Instant::now() + Duration::from_secs(2);
        let line = progress_line(&progress.snapshot(), now, progress.started(), 200);
        assert!(
            line.starts_with("check: 1/3 tables · llm_calls 2,000,000 rows 2 s ("),
            "{line}"
        );
        assert!(line.contains(" · activity_outputs 2 s · 0:02"), "{line}");
        assert!(!line.contains("goals"), "{line}");
        let narrow = progress_line(&progress.snapshot(), now, progress.started(), 30);
        assert!(narrow.chars().count() <= 30, "{narrow}");
        let goals = &progress.snapshot()[1];
        assert!(
            finished_line(goals, now).starts_with("check: goals: 0 rows in "),
            "{}",
            finished_line(goals, now)
        );
    }
}
