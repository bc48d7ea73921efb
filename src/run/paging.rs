//! A long run read a page at a time: the first pages of its LLM calls and tool calls
//! (up to [`FIRST`] steps) when it opens, then one keyset page more each time it is
//! asked for, never all of it at once.
//!
//! The two kinds come in two keyset streams along `(activity_run_id, created_at, id)`
//! (the platform sets `created_at` when a call starts). Their merged order is final only
//! up to the *frontier*, the earlier of the two streams' last-loaded `created_at`: a
//! step not read yet starts there or later. Steps loaded beyond it are kept pending
//! (not listed) until the other stream catches up. The next page is always read from
//! the stream that holds the frontier back.
//!
//! While a run is partly loaded, its header totals come from SQL aggregates over the
//! run's index ([`WholeRun`]); where a store cannot give them (a snapshot's sums) the
//! view says its totals cover the loaded steps.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::load::{PAGE, run_info, siblings_of, steps_page};
use super::timeline::{RunModel, build, build_upto};
use super::{RunInfo, StepKind, StepRow, parse_micros};
use crate::store::read::{Cursor, Listing};
use crate::store::rows::Order;
use crate::store::source::Source;

/// Steps read when a run opens, at most (then page by page).
pub const FIRST: usize = 5_000;

/// What the whole run adds up to, from the stores rather than the loaded steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WholeRun {
    pub llm_calls: u64,
    pub tool_calls: u64,
    /// None where the store cannot sum (a snapshot).
    pub sums: Option<Sums>,
}

impl WholeRun {
    pub fn steps(&self) -> u64 {
        self.llm_calls + self.tool_calls
    }
}

/// Sums over every step of the run (SQL aggregates).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub failed: u64,
    pub tokens_in: i64,
    pub tokens_out: i64,
    /// None when no call has a cost (or the database has no cost column).
    pub cost_micros: Option<i64>,
}

/// Where a partly loaded run stands.
#[derive(Debug, Clone)]
pub struct Paging {
    /// Where the next page of each kind starts; None when that kind is all loaded.
    pub llm: Option<Cursor>,
    pub tool: Option<Cursor>,
    /// Loaded steps past the frontier: their place in the merged order is not final.
    pub pending: Vec<StepRow>,
    /// The other runs of the activity, as read at open (kept to rebuild the model).
    pub siblings: Vec<RunInfo>,
    /// The whole run's counts and sums, when the store could give them.
    pub whole: Option<WholeRun>,
    /// The frontier, in ms on the run's axis: the listed order is final before it.
    pub horizon_ms: i64,
    /// Keyset pages read so far.
    pub pages: usize,
}

/// The earlier of the two streams' positions, among the streams not finished; None
/// when both are (the run is complete).
pub fn frontier(llm: Option<Cursor>, tool: Option<Cursor>) -> Option<DateTime<Utc>> {
    [llm, tool]
        .into_iter()
        .flatten()
        .map(|c| c.created_at)
        .min()
}

/// The stream whose next page moves the frontier: the one further behind (LLM calls on
/// a tie); None when both are finished.
fn lagging(llm: Option<Cursor>, tool: Option<Cursor>) -> Option<(StepKind, Cursor)> {
    match (llm, tool) {
        (Some(l), Some(t)) if (t.created_at, t.id) < (l.created_at, l.id) => {
            Some((StepKind::Tool, t))
        }
        (Some(l), _) => Some((StepKind::Llm, l)),
        (None, Some(t)) => Some((StepKind::Tool, t)),
        (None, None) => None,
    }
}

/// Everything loaded so far, as a model: complete when both streams are finished, else
/// the steps before the frontier listed and the rest pending.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    run: RunInfo,
    rows: Vec<StepRow>,
    siblings: Vec<RunInfo>,
    (llm, tool): (Option<Cursor>, Option<Cursor>),
    whole: Option<WholeRun>,
    pages: usize,
    now: DateTime<Utc>,
) -> RunModel {
    let Some(edge) = frontier(llm, tool) else {
        return build(run, rows, siblings, now);
    };
    let origin = run
        .started_at
        .or_else(|| rows.iter().filter_map(|r| r.started_at).min());
    let (listed, pending): (Vec<StepRow>, Vec<StepRow>) = rows
        .into_iter()
        .partition(|r| r.started_at.is_some_and(|at| at < edge));
    let horizon_ms = origin.map_or(0, |o| (edge - o).num_milliseconds());
    let mut model = build_upto(run, listed, siblings.clone(), now, Some(horizon_ms));
    model.paging = Some(Paging {
        llm,
        tool,
        pending,
        siblings,
        whole,
        horizon_ms,
        pages,
    });
    model
}

/// The run `id` with its first pages (up to `first` steps), or None when there is no
/// such run.
pub async fn open(
    source: &Source,
    id: Uuid,
    now: DateTime<Utc>,
    first: usize,
) -> anyhow::Result<Option<RunModel>> {
    let Some(run) = run_info(source, id).await? else {
        return Ok(None);
    };
    let siblings = siblings_of(source, &run);
    let oldest = |kind| steps_page(source, kind, id, None, Order::OldestFirst, PAGE);
    let (llm, tool, siblings) =
        futures::try_join!(oldest(StepKind::Llm), oldest(StepKind::Tool), siblings)?;
    let mut cursors = (llm.next, tool.next);
    let mut rows = llm.steps;
    rows.extend(tool.steps);
    let mut pages = 2;
    while rows.len() < first
        && let Some((kind, after)) = lagging(cursors.0, cursors.1)
    {
        let page = steps_page(source, kind, id, Some(after), Order::OldestFirst, PAGE).await?;
        rows.extend(page.steps);
        match kind {
            StepKind::Llm => cursors.0 = page.next,
            StepKind::Tool => cursors.1 = page.next,
        }
        pages += 1;
    }
    // Only a run that is not all here needs the store's totals; one that fails to give
    // them shows the loaded steps' totals, saying so.
    let whole = match frontier(cursors.0, cursors.1) {
        Some(_) => whole_run(source, id).await.ok(),
        None => None,
    };
    Ok(Some(assemble(
        run, rows, siblings, cursors, whole, pages, now,
    )))
}

/// `model` with one keyset page more, from the stream holding the frontier back (the
/// same model when it is complete).
pub async fn more(
    source: &Source,
    model: &RunModel,
    now: DateTime<Utc>,
) -> anyhow::Result<RunModel> {
    let Some(paging) = &model.paging else {
        return Ok(model.clone());
    };
    let mut cursors = (paging.llm, paging.tool);
    let Some((kind, after)) = lagging(cursors.0, cursors.1) else {
        return Ok(model.clone());
    };
    let page = steps_page(
        source,
        kind,
        model.run.id,
        Some(after),
        Order::OldestFirst,
        PAGE,
    )
    .await?;
    match kind {
        StepKind::Llm => cursors.0 = page.next,
        StepKind::Tool => cursors.1 = page.next,
    }
    let mut rows: Vec<StepRow> =
        Vec::with_capacity(model.steps.len() + paging.pending.len() + page.steps.len());
    rows.extend(model.steps.iter().map(|s| s.row.clone()));
    rows.extend(paging.pending.iter().cloned());
    rows.extend(page.steps);
    Ok(assemble(
        model.run.clone(),
        rows,
        paging.siblings.clone(),
        cursors,
        paging.whole,
        paging.pages + 1,
        now,
    ))
}

/// The whole run's step counts and (in PostgreSQL) sums, by `activity_run_id` on the
/// run's indexes (`llm_calls_run_idx`, `tool_calls_run_idx`).
pub async fn whole_run(source: &Source, run_id: Uuid) -> anyhow::Result<WholeRun> {
    match source {
        Source::Live(live) => {
            let pg = live
                .pg
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("PostgreSQL is not connected"))?;
            let scope = live.scope.as_ref().map(|s| s.id());
            let tenant = if scope.is_some() {
                " and tenant_id = $2"
            } else {
                ""
            };
            let failed = "count(*) filter (where coalesce(status, '') <> 'succeeded')";
            // A database without the cost column still gives the counts and tokens.
            let cost = if source
                .schema()
                .lacking(&[("llm_calls", "cost_usd")])
                .is_empty()
            {
                "sum(cost_usd)::text"
            } else {
                "null::text"
            };
            let llm_sql = format!(
                "select count(*), {failed}, coalesce(sum(prompt_tokens), 0)::int8, \
                 coalesce(sum(completion_tokens), 0)::int8, {cost} \
                 from llm_calls where activity_run_id = $1{tenant}"
            );
            let tool_sql = format!(
                "select count(*), {failed} from tool_calls where activity_run_id = $1{tenant}"
            );
            let mut llm =
                sqlx::query_as::<_, (i64, i64, i64, i64, Option<String>)>(AssertSqlSafe(llm_sql))
                    .bind(run_id);
            let mut tool = sqlx::query_as::<_, (i64, i64)>(AssertSqlSafe(tool_sql)).bind(run_id);
            if let Some(tenant) = scope {
                llm = llm.bind(tenant);
                tool = tool.bind(tenant);
            }
            let ((llm_calls, llm_failed, tokens_in, tokens_out, cost), (tool_calls, tool_failed)) =
                futures::try_join!(llm.fetch_one(pg), tool.fetch_one(pg))?;
            Ok(WholeRun {
                llm_calls: llm_calls as u64,
                tool_calls: tool_calls as u64,
                sums: Some(Sums {
                    failed: (llm_failed + tool_failed) as u64,
                    tokens_in,
                    tokens_out,
                    cost_micros: cost.as_deref().and_then(parse_micros),
                }),
            })
        }
        Source::Snapshot(_) => {
            let count = |kind: StepKind| async move {
                let table = source
                    .schema()
                    .table(kind.table())
                    .ok_or_else(|| anyhow::anyhow!("no {} table", kind.table()))?;
                let listing = Listing::Children {
                    table,
                    column: "activity_run_id",
                    parent: run_id,
                    null_column: None,
                };
                source.count(&listing, 100_000_000).await
            };
            let (llm, tool) = futures::try_join!(count(StepKind::Llm), count(StepKind::Tool))?;
            Ok(WholeRun {
                llm_calls: llm.n,
                tool_calls: tool.n,
                sums: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-14T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(ms: i64) -> Cursor {
        Cursor {
            created_at: t0() + Duration::milliseconds(ms),
            id: Uuid::from_u128(ms as u128),
        }
    }

    fn step(n: u128, kind: StepKind, start: i64) -> StepRow {
        let mut s = StepRow::new(kind, Uuid::from_u128(n), "x", "succeeded");
        s.started_at = Some(t0() + Duration::milliseconds(start));
        s.latency_ms = Some(100);
        s
    }

    #[test]
    fn the_stream_further_behind_is_read_next() {
        assert_eq!(
            lagging(Some(at(5)), Some(at(3))),
            Some((StepKind::Tool, at(3)))
        );
        assert_eq!(
            lagging(Some(at(3)), Some(at(5))),
            Some((StepKind::Llm, at(3)))
        );
        assert_eq!(lagging(None, Some(at(5))), Some((StepKind::Tool, at(5))));
        assert_eq!(lagging(None, None), None);
        assert_eq!(frontier(Some(at(9)), Some(at(4))), Some(at(4).created_at));
        assert_eq!(frontier(None, Some(at(4))), Some(at(4).created_at));
        assert_eq!(frontier(None, None), None);
    }

    #[test]
    fn steps_past_the_frontier_wait_and_the_time_is_counted_up_to_it() {
        let run = RunInfo {
            id: Uuid::from_u128(1),
            started_at: Some(t0()),
            duration_ms: Some(10_000),
            finished_at: Some(t0() + Duration::milliseconds(10_000)),
            ..RunInfo::default()
        };
        // LLM calls read up to 3,000 (more to come), tool calls all read.
        let rows = vec![
            step(1, StepKind::Llm, 0),
            step(2, StepKind::Tool, 1_000),
            step(3, StepKind::Llm, 3_000),
            step(4, StepKind::Tool, 5_000),
        ];
        let m = assemble(
            run.clone(),
            rows.clone(),
            vec![],
            (Some(at(3_000)), None),
            None,
            2,
            t0(),
        );
        let listed: Vec<u128> = m.steps.iter().map(|s| s.row.id.as_u128()).collect();
        assert_eq!(listed, [1, 2]);
        let p = m.paging.as_ref().unwrap();
        let pending: Vec<u128> = p.pending.iter().map(|s| s.id.as_u128()).collect();
        assert_eq!(pending, [3, 4]);
        assert_eq!(p.horizon_ms, 3_000);
        // Busy 200 ms of the 3 s counted; the 7 s after the frontier are not idle.
        assert_eq!(m.totals.time.busy_ms, 200);
        assert_eq!(m.totals.time.idle_ms, 2_800);
        // Both streams finished: the whole run, as build makes it.
        let m = assemble(run, rows, vec![], (None, None), None, 3, t0());
        assert!(m.complete());
        assert_eq!(m.steps.len(), 4);
        assert_eq!(m.totals.time.idle_ms, 9_600);
    }
}
