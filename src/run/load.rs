//! Reading a run from any store: the `activity_runs` row by id, its LLM and tool calls by
//! `activity_run_id` and its siblings by `activity_id`, each in keyset pages along the
//! index the tree uses (`llm_calls_run_idx`, `tool_calls_run_idx`,
//! `activity_runs_activity_idx`; `edges_list` in a snapshot), and a tool call's log
//! document.

use chrono::{DateTime, Utc};
use mongodb::bson::{Document, oid::ObjectId};
use uuid::Uuid;

use super::timeline::{RunModel, build};
use super::{RunInfo, StepKind, StepRow};
use anyhow::Context;

use crate::schema::Table;
use crate::store::read::Cursor;
use crate::store::rows::{Order, Row};
use crate::store::source::Source;

/// Rows per keyset page.
pub const PAGE: u32 = 1_000;

/// At most this many other runs of the same activity are read.
pub const SIBLINGS_CAP: usize = 500;

/// A run table as this database has it (the connection's effective schema).
fn table(source: &Source, name: &str) -> anyhow::Result<&'static Table> {
    source
        .schema()
        .table(name)
        .with_context(|| format!("this database has no {name} table"))
}

/// The `activity_runs` row `id`, or None when there is none.
pub async fn run_info(source: &Source, id: Uuid) -> anyhow::Result<Option<RunInfo>> {
    let Some(fields) = source.row(table(source, "activity_runs")?, id).await? else {
        return Ok(None);
    };
    let row = Row {
        values: fields.into_iter().map(|f| (f.column, f.value)).collect(),
    };
    RunInfo::from_row(&row).map(Some)
}

/// A page of a run's steps of one kind.
#[derive(Debug, Clone, Default)]
pub struct StepPage {
    pub steps: Vec<StepRow>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// One keyset page of the run's LLM calls or tool calls, by `created_at` (which the
/// platform sets when a call starts): oldest first to show a long run from its start and
/// read more as one scrolls, newest first to see how it ended.
pub async fn steps_page(
    source: &Source,
    kind: StepKind,
    run_id: Uuid,
    after: Option<Cursor>,
    order: Order,
    limit: u32,
) -> anyhow::Result<StepPage> {
    let page = source
        .rows_under(
            table(source, kind.table())?,
            "activity_run_id",
            run_id,
            after,
            order,
            limit,
        )
        .await?;
    let steps = page
        .rows
        .iter()
        .map(|row| StepRow::from_row(kind, row))
        .collect::<anyhow::Result<_>>()?;
    Ok(StepPage {
        steps,
        next: page.next,
    })
}

/// Every step of one kind, page after page.
async fn all_of(source: &Source, kind: StepKind, run_id: Uuid) -> anyhow::Result<Vec<StepRow>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = steps_page(source, kind, run_id, after, Order::OldestFirst, PAGE).await?;
        out.extend(page.steps);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

/// Every LLM call and tool call of the run (the two read side by side), in no order.
pub async fn steps(source: &Source, run_id: Uuid) -> anyhow::Result<Vec<StepRow>> {
    let (mut llm, tool) = futures::try_join!(
        all_of(source, StepKind::Llm, run_id),
        all_of(source, StepKind::Tool, run_id)
    )?;
    llm.extend(tool);
    Ok(llm)
}

/// The runs of `activity_id` (up to `cap`), newest first.
pub async fn runs_of_activity(
    source: &Source,
    activity_id: Uuid,
    cap: usize,
) -> anyhow::Result<Vec<RunInfo>> {
    let mut out = Vec::new();
    let mut after = None;
    while out.len() < cap {
        let limit = (cap - out.len()).min(PAGE as usize) as u32;
        let page = source
            .rows_under(
                table(source, "activity_runs")?,
                "activity_id",
                activity_id,
                after,
                Order::NewestFirst,
                limit,
            )
            .await?;
        for row in &page.rows {
            out.push(RunInfo::from_row(row)?);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(out)
}

/// The other runs of `run`'s activity (up to [`SIBLINGS_CAP`] + 1, to tell "more"),
/// newest first; none when it has no activity.
pub async fn siblings_of(source: &Source, run: &RunInfo) -> anyhow::Result<Vec<RunInfo>> {
    match run.activity_id {
        Some(activity) => runs_of_activity(source, activity, SIBLINGS_CAP + 1).await,
        None => Ok(Vec::new()),
    }
}

/// The run `id` as the inspector shows it, or None when there is no such run. `now` is
/// where a run still running ends on the time axis.
pub async fn load(
    source: &Source,
    id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<RunModel>> {
    let Some(run) = run_info(source, id).await? else {
        return Ok(None);
    };
    let siblings = siblings_of(source, &run);
    let (rows, siblings) = futures::try_join!(steps(source, id), siblings)?;
    Ok(Some(build(run, rows, siblings, now)))
}

/// The `tool_call_logs` document a tool call's `log_ref` names: None when it has no
/// `log_ref`, or the document is not there (dangling); an error when the reference is not
/// an ObjectId or the store failed.
pub async fn tool_log(source: &Source, step: &StepRow) -> anyhow::Result<Option<Document>> {
    let Some(log_ref) = step.log_ref.as_deref() else {
        return Ok(None);
    };
    let id = ObjectId::parse_str(log_ref)
        .map_err(|e| anyhow::anyhow!("tool_calls/{}: log_ref {log_ref:?}: {e}", step.id))?;
    source.document("tool_call_logs", id).await
}
