//! One run as a timeline: its steps merged by start, placed on the run's time axis, where
//! the time went (LLM calls, tool calls, idle, overlapping), roll-ups by model and by
//! tool, long idle gaps, the critical path, the step that caused a failure. Pure: the
//! same rows always give the same model, and nothing here reads a store or the clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{RunInfo, StepKind, StepRow};

/// Gaps with no step running longer than this share of the run's wall time show as
/// their own entry.
pub const IDLE_SHARE: f64 = 0.10;

/// How many models and tools the roll-ups keep.
pub const TOP: usize = 5;

/// Why a step's place on the time axis is doubtful.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// No `started_at` or no `latency_ms`: it is listed last and left out of the timings.
    MissingTiming,
    /// It starts before the run started or ends after the run finished.
    OutsideRun,
}

impl Flag {
    pub fn name(self) -> &'static str {
        match self {
            Flag::MissingTiming => "missing_timing",
            Flag::OutsideRun => "outside_run",
        }
    }
}

/// A step on the run's time axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub row: StepRow,
    /// Start, in ms from the run's start (negative when it started before the run).
    pub start_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub flag: Option<Flag>,
    /// On the critical path.
    pub critical: bool,
    /// The failed step whose error is the run's `error_message`.
    pub cause: bool,
}

impl Step {
    /// Where it ends, in ms from the run's start.
    pub fn end_ms(&self) -> Option<i64> {
        Some(self.start_ms? + self.duration_ms?)
    }

    /// The first line of its error.
    pub fn error_line(&self) -> Option<&str> {
        first_line(self.row.error.as_deref())
    }
}

/// The first non-empty line of `text`, trimmed.
pub fn first_line(text: Option<&str>) -> Option<&str> {
    text?.lines().map(str::trim).find(|l| !l.is_empty())
}

/// One line of the step list: a step, or a long stretch with no step running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Index into [`RunModel::steps`].
    Step(usize),
    Idle {
        start_ms: i64,
        duration_ms: i64,
    },
}

/// Where a run's wall time went, each in ms on the run's axis (steps clipped to it).
/// `llm_ms` and `tool_ms` count time when at least one call of that kind runs, so they
/// overlap each other where both kinds run at once; `busy_ms + idle_ms = wall_ms`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeSplit {
    pub llm_ms: i64,
    pub tool_ms: i64,
    /// At least one step running.
    pub busy_ms: i64,
    /// No step running.
    pub idle_ms: i64,
    /// Two or more steps running.
    pub overlap_ms: i64,
}

/// What a run's steps add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub steps: usize,
    pub llm_calls: usize,
    pub tool_calls: usize,
    pub failed: usize,
    /// Steps with a [`Flag`].
    pub flagged: usize,
    pub tokens_in: i64,
    pub tokens_out: i64,
    /// None when no step has a cost (a database without the cost column, say): absent,
    /// not zero.
    pub cost_micros: Option<i64>,
    /// Sum of the steps' own durations (can exceed the wall time when they overlap).
    pub step_ms: i64,
    pub wall_ms: i64,
    pub time: TimeSplit,
    /// Wall time covered by the critical path.
    pub critical_ms: i64,
    pub models: usize,
    pub tools: usize,
}

impl Totals {
    /// The critical path's share of the wall time (0 when the run took no time).
    pub fn critical_share(&self) -> f64 {
        if self.wall_ms > 0 {
            self.critical_ms as f64 / self.wall_ms as f64
        } else {
            0.0
        }
    }
}

/// Calls of one model or one tool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollup {
    pub name: String,
    pub calls: usize,
    pub failed: usize,
    pub duration_ms: i64,
    pub tokens_in: i64,
    pub tokens_out: i64,
    /// None when none of the calls has a cost.
    pub cost_micros: Option<i64>,
}

/// Another run of the same activity, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sibling {
    pub id: Uuid,
    pub run_number: Option<i64>,
    pub trigger: String,
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub cost_micros: Option<i64>,
}

/// A run as the inspector shows it.
#[derive(Debug, Clone)]
pub struct RunModel {
    pub run: RunInfo,
    /// Ordered by start (then LLM before tool, then id); steps without timing last.
    pub steps: Vec<Step>,
    /// The step list with long idle gaps between the steps.
    pub entries: Vec<Entry>,
    pub totals: Totals,
    /// Top [`TOP`] models by cost (then calls).
    pub by_model: Vec<Rollup>,
    /// Top [`TOP`] tools by time spent (then calls).
    pub by_tool: Vec<Rollup>,
    /// Indexes into `steps` of the critical path, earliest first.
    pub critical: Vec<usize>,
    /// Index into `steps` of the step that caused the failure.
    pub cause: Option<usize>,
    /// The other runs of the same activity, by run number.
    pub retries: Vec<Sibling>,
    /// Set while only part of a long run is loaded: what is still to read, and what the
    /// whole run adds up to (see [`super::paging`]). None: every step is here.
    pub paging: Option<super::paging::Paging>,
}

impl RunModel {
    /// Whether every step of the run is loaded.
    pub fn complete(&self) -> bool {
        self.paging.is_none()
    }

    /// Indexes of the failed steps, in step order (for next/previous error).
    pub fn failed_steps(&self) -> Vec<usize> {
        (0..self.steps.len())
            .filter(|&i| self.steps[i].row.failed())
            .collect()
    }
}

/// The order steps are listed in: by start, LLM calls before tool calls at the same
/// instant, then by id; steps without a start last, by id.
pub fn step_order(a: &StepRow, b: &StepRow) -> std::cmp::Ordering {
    let key = |s: &StepRow| (s.started_at.is_none(), s.started_at, s.kind, s.id);
    key(a).cmp(&key(b))
}

/// The run's model from its row, its steps (any order), its siblings (the other runs of
/// the same activity; the run itself is dropped if present) and, for a run still
/// running, the instant its wall time runs to.
pub fn build(
    run: RunInfo,
    rows: Vec<StepRow>,
    siblings: Vec<RunInfo>,
    now: DateTime<Utc>,
) -> RunModel {
    build_upto(run, rows, siblings, now, None)
}

/// [`build`] over the steps of a run read only up to `horizon` ms on its axis (a long
/// run loaded page by page): where the time went and the idle gaps are counted up to
/// there, not to the run's end, since what comes after is not loaded yet.
pub fn build_upto(
    run: RunInfo,
    mut rows: Vec<StepRow>,
    siblings: Vec<RunInfo>,
    now: DateTime<Utc>,
    horizon: Option<i64>,
) -> RunModel {
    rows.sort_by(step_order);
    // The axis starts at the run's start; without one, at its first step.
    let origin = run
        .started_at
        .or_else(|| rows.iter().filter_map(|r| r.started_at).min());
    let mut steps: Vec<Step> = rows
        .into_iter()
        .map(|row| {
            let start_ms = match (origin, row.started_at) {
                (Some(origin), Some(at)) => Some((at - origin).num_milliseconds()),
                _ => None,
            };
            let duration_ms = row.latency_ms.map(|ms| ms.max(0));
            Step {
                row,
                start_ms,
                duration_ms,
                flag: None,
                critical: false,
                cause: false,
            }
        })
        .collect();
    let wall_ms = match run.wall_ms(now) {
        Some(ms) => ms,
        // No start: the span of the steps.
        None => steps
            .iter()
            .filter_map(Step::end_ms)
            .max()
            .unwrap_or(0)
            .max(0),
    };
    // A running run's end is not known: only a start before the run is outside it.
    let end_known = run.finished_at.is_some() || run.duration_ms.is_some();
    for step in &mut steps {
        step.flag = match (step.start_ms, step.end_ms()) {
            (Some(start), Some(end)) => {
                (start < 0 || (end_known && end > wall_ms)).then_some(Flag::OutsideRun)
            }
            _ => Some(Flag::MissingTiming),
        };
    }
    let intervals: Vec<Option<(i64, i64, StepKind)>> = steps
        .iter()
        .map(|s| Some((s.start_ms?, s.end_ms()?, s.row.kind)))
        .collect();
    let counted_ms = horizon.map_or(wall_ms, |h| h.clamp(0, wall_ms));
    let (time, idle) = time_split(&intervals, counted_ms);
    let min_gap = (wall_ms as f64 * IDLE_SHARE) as i64;
    let gaps: Vec<(i64, i64)> = idle.into_iter().filter(|(_, len)| *len > min_gap).collect();
    let entries = entries(&steps, &gaps);
    let spans: Vec<Option<(i64, i64)>> = intervals
        .iter()
        .map(|i| i.map(|(start, end, _)| (start, end)))
        .collect();
    let critical = critical_path(&spans);
    let mut critical_ms = 0;
    for &i in &critical {
        steps[i].critical = true;
        if let Some((start, end)) = spans[i] {
            critical_ms += (end.min(wall_ms) - start.max(0)).max(0);
        }
    }
    let cause = cause(&steps, run.error_message.as_deref());
    if let Some(i) = cause {
        steps[i].cause = true;
    }
    let (by_model, models) = rollups(&steps, StepKind::Llm);
    let (by_tool, tools) = rollups(&steps, StepKind::Tool);
    let totals = Totals {
        steps: steps.len(),
        llm_calls: steps.iter().filter(|s| s.row.kind == StepKind::Llm).count(),
        tool_calls: steps
            .iter()
            .filter(|s| s.row.kind == StepKind::Tool)
            .count(),
        failed: steps.iter().filter(|s| s.row.failed()).count(),
        flagged: steps.iter().filter(|s| s.flag.is_some()).count(),
        tokens_in: steps.iter().filter_map(|s| s.row.tokens_in).sum(),
        tokens_out: steps.iter().filter_map(|s| s.row.tokens_out).sum(),
        cost_micros: known_sum(steps.iter().map(|s| s.row.cost_micros)),
        step_ms: steps.iter().filter_map(|s| s.duration_ms).sum(),
        wall_ms,
        time,
        critical_ms,
        models,
        tools,
    };
    let mut retries: Vec<Sibling> = siblings
        .into_iter()
        .filter(|s| s.id != run.id)
        .map(|s| Sibling {
            id: s.id,
            run_number: s.run_number,
            trigger: s.trigger,
            status: s.status,
            started_at: s.started_at,
            duration_ms: s.duration_ms,
            cost_micros: s.cost_micros,
        })
        .collect();
    retries.sort_by_key(|s| (s.run_number, s.started_at, s.id));
    RunModel {
        run,
        steps,
        entries,
        totals,
        by_model,
        by_tool,
        critical,
        cause,
        retries,
        paging: None,
    }
}

/// Where the time of a run `wall_ms` long went, given its steps' `(start, end, kind)`
/// (None: no timing), and the stretches `(start, length)` with no step running, in
/// order. Steps are clipped to `[0, wall_ms]`.
pub fn time_split(
    intervals: &[Option<(i64, i64, StepKind)>],
    wall_ms: i64,
) -> (TimeSplit, Vec<(i64, i64)>) {
    // (instant, +1 start / -1 end, kind)
    let mut events: Vec<(i64, i32, StepKind)> = Vec::with_capacity(intervals.len() * 2);
    for &(start, end, kind) in intervals.iter().flatten() {
        let (start, end) = (start.max(0), end.min(wall_ms));
        if start < end {
            events.push((start, 1, kind));
            events.push((end, -1, kind));
        }
    }
    events.sort_unstable();
    let mut split = TimeSplit::default();
    let mut idle = Vec::new();
    let (mut llm, mut tool) = (0_i32, 0_i32);
    let mut at = 0_i64;
    let push_idle = |idle: &mut Vec<(i64, i64)>, from: i64, to: i64| {
        if to <= from {
            return;
        }
        match idle.last_mut() {
            Some((start, len)) if *start + *len == from => *len += to - from,
            _ => idle.push((from, to - from)),
        }
    };
    for (instant, delta, kind) in events {
        let len = instant - at;
        if len > 0 {
            if llm > 0 {
                split.llm_ms += len;
            }
            if tool > 0 {
                split.tool_ms += len;
            }
            match llm + tool {
                0 => push_idle(&mut idle, at, instant),
                1 => split.busy_ms += len,
                _ => {
                    split.busy_ms += len;
                    split.overlap_ms += len;
                }
            }
            at = instant;
        }
        match kind {
            StepKind::Llm => llm += delta,
            StepKind::Tool => tool += delta,
        }
    }
    push_idle(&mut idle, at, wall_ms);
    split.idle_ms = wall_ms.max(0) - split.busy_ms;
    (split, idle)
}

/// The step list: steps in order, each gap `(start, length)` just before the first step
/// starting at or after its end (after the last timed step when none does).
pub fn entries(steps: &[Step], gaps: &[(i64, i64)]) -> Vec<Entry> {
    let mut out = Vec::with_capacity(steps.len() + gaps.len());
    let mut gaps = gaps.iter().peekable();
    for (i, step) in steps.iter().enumerate() {
        while let Some(&&(start, len)) = gaps.peek() {
            // A step without a start is listed last: every gap goes before it.
            let before = match step.start_ms {
                Some(s) => s >= start + len,
                None => true,
            };
            if !before {
                break;
            }
            out.push(Entry::Idle {
                start_ms: start,
                duration_ms: len,
            });
            gaps.next();
        }
        out.push(Entry::Step(i));
    }
    out.extend(gaps.map(|&(start, len)| Entry::Idle {
        start_ms: start,
        duration_ms: len,
    }));
    out
}

/// The chain of steps that decided when the run finished, earliest first: the step that
/// ended last, then the step that ended latest at or before it started, and so on.
/// `spans` are `(start, end)` (None: no timing; never on the path). Ties go to the step
/// that started later, then to the later index.
pub fn critical_path(spans: &[Option<(i64, i64)>]) -> Vec<usize> {
    let mut by_end: Vec<(i64, i64, usize)> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|(start, end)| (end, start, i)))
        .collect();
    by_end.sort_unstable();
    let mut path = Vec::new();
    let Some(&(_, mut threshold, last)) = by_end.last() else {
        return path;
    };
    path.push(last);
    // Everything at or after `upto` in `by_end` ends too late or is on the path already.
    let mut upto = by_end.len() - 1;
    loop {
        // The last step (in end order) before `upto` that ends at or before `threshold`.
        let fits = by_end[..upto].partition_point(|&(end, _, _)| end <= threshold);
        if fits == 0 {
            break;
        }
        let (_, start, i) = by_end[fits - 1];
        path.push(i);
        threshold = start;
        upto = fits - 1;
    }
    path.reverse();
    path
}

/// The failed step whose error is the run's `error_message`: an exact match (ignoring
/// surrounding space) if any, else one whose first error line is contained in the
/// message or contains it; the latest such in step order.
pub fn cause(steps: &[Step], error_message: Option<&str>) -> Option<usize> {
    let message = error_message.map(str::trim).filter(|m| !m.is_empty())?;
    let failed = || {
        steps
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, s)| s.row.failed())
    };
    if let Some((i, _)) =
        failed().find(|(_, s)| s.row.error.as_deref().map(str::trim) == Some(message))
    {
        return Some(i);
    }
    let message_line = first_line(Some(message))?;
    failed()
        .find(|(_, s)| {
            s.error_line()
                .is_some_and(|e| message.contains(e) || e.contains(message_line))
        })
        .map(|(i, _)| i)
}

/// The sum of the values that are known; None when none is.
pub fn known_sum(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.flatten().reduce(|a, b| a + b)
}

/// Calls of `kind` grouped by name: the top [`TOP`] (models by cost, tools by time, then
/// by calls, then by name), and how many names there are.
pub fn rollups(steps: &[Step], kind: StepKind) -> (Vec<Rollup>, usize) {
    let mut groups: BTreeMap<&str, Rollup> = BTreeMap::new();
    for step in steps.iter().filter(|s| s.row.kind == kind) {
        let r = groups
            .entry(step.row.name.as_str())
            .or_insert_with(|| Rollup {
                name: step.row.name.clone(),
                ..Rollup::default()
            });
        r.calls += 1;
        r.failed += usize::from(step.row.failed());
        r.duration_ms += step.duration_ms.unwrap_or(0);
        r.tokens_in += step.row.tokens_in.unwrap_or(0);
        r.tokens_out += step.row.tokens_out.unwrap_or(0);
        if let Some(c) = step.row.cost_micros {
            r.cost_micros = Some(r.cost_micros.unwrap_or(0) + c);
        }
    }
    let names = groups.len();
    let mut all: Vec<Rollup> = groups.into_values().collect();
    all.sort_by(|a, b| {
        // A model without a cost weighs less than one that cost nothing.
        let weight = |r: &Rollup| match kind {
            StepKind::Llm => r.cost_micros,
            StepKind::Tool => Some(r.duration_ms),
        };
        weight(b)
            .cmp(&weight(a))
            .then(b.calls.cmp(&a.calls))
            .then(a.name.cmp(&b.name))
    });
    all.truncate(TOP);
    (all, names)
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

    fn run(wall_ms: Option<i64>, error: Option<&str>) -> RunInfo {
        RunInfo {
            id: Uuid::from_u128(1),
            status: if error.is_some() {
                "failed"
            } else {
                "succeeded"
            }
            .into(),
            trigger: "schedule".into(),
            started_at: Some(t0()),
            finished_at: wall_ms.map(|ms| t0() + Duration::milliseconds(ms)),
            duration_ms: wall_ms,
            error_message: error.map(str::to_string),
            ..RunInfo::default()
        }
    }

    /// Step `n` of `kind` running from `start` to `end` ms after t0.
    fn step(n: u128, kind: StepKind, name: &str, start: i64, end: i64) -> StepRow {
        let mut s = StepRow::new(kind, Uuid::from_u128(100 + n), name, "succeeded");
        s.started_at = Some(t0() + Duration::milliseconds(start));
        s.latency_ms = Some(end - start);
        s
    }

    fn llm(n: u128, start: i64, end: i64) -> StepRow {
        let mut s = step(n, StepKind::Llm, "gpt-4o", start, end);
        s.tokens_in = Some(100 * n as i64);
        s.tokens_out = Some(10 * n as i64);
        s.cost_micros = Some(1_000 * n as i64);
        s
    }

    fn tool(n: u128, name: &str, start: i64, end: i64) -> StepRow {
        step(n, StepKind::Tool, name, start, end)
    }

    fn ids(model: &RunModel, indexes: &[usize]) -> Vec<u128> {
        indexes
            .iter()
            .map(|&i| model.steps[i].row.id.as_u128() - 100)
            .collect()
    }

    fn order(model: &RunModel) -> Vec<u128> {
        ids(model, &(0..model.steps.len()).collect::<Vec<_>>())
    }

    #[test]
    fn sequential_steps_with_a_long_gap() {
        // 0–1000 llm, 1000–1500 tool, idle 1500–9000, 9000–10000 llm.
        let rows = vec![
            llm(3, 9_000, 10_000),
            tool(2, "web_search", 1_000, 1_500),
            llm(1, 0, 1_000),
        ];
        let m = build(run(Some(10_000), None), rows, vec![], t0());
        assert_eq!(order(&m), [1, 2, 3]);
        assert_eq!(
            m.steps.iter().map(|s| s.start_ms).collect::<Vec<_>>(),
            [Some(0), Some(1_000), Some(9_000)]
        );
        let t = &m.totals;
        assert_eq!(t.wall_ms, 10_000);
        assert_eq!(
            t.time,
            TimeSplit {
                llm_ms: 2_000,
                tool_ms: 500,
                busy_ms: 2_500,
                idle_ms: 7_500,
                overlap_ms: 0
            }
        );
        assert_eq!(
            m.entries,
            [
                Entry::Step(0),
                Entry::Step(1),
                Entry::Idle {
                    start_ms: 1_500,
                    duration_ms: 7_500
                },
                Entry::Step(2),
            ]
        );
        // Each step ends exactly when the next starts (the gap aside): all critical.
        assert_eq!(ids(&m, &m.critical), [1, 2, 3]);
        assert_eq!(t.critical_ms, 2_500);
        assert_eq!(
            (t.tokens_in, t.tokens_out, t.cost_micros),
            (400, 40, Some(4_000))
        );
        assert_eq!(
            (t.llm_calls, t.tool_calls, t.failed, t.flagged),
            (2, 1, 0, 0)
        );
    }

    #[test]
    fn parallel_tool_calls_overlap_and_only_the_longest_is_critical() {
        // llm 0–1000; three tools in parallel 1000–3000, 1000–5000, 1200–2000; llm 5000–6000.
        let rows = vec![
            llm(1, 0, 1_000),
            tool(2, "fetch_url", 1_000, 3_000),
            tool(3, "fetch_url", 1_000, 5_000),
            tool(4, "web_search", 1_200, 2_000),
            llm(5, 5_000, 6_000),
        ];
        let m = build(run(Some(6_000), None), rows, vec![], t0());
        let t = &m.totals;
        assert_eq!(t.time.busy_ms, 6_000);
        assert_eq!(t.time.idle_ms, 0);
        // 1000–3000 has two or three running.
        assert_eq!(t.time.overlap_ms, 2_000);
        assert_eq!(t.time.tool_ms, 4_000);
        assert_eq!(t.time.llm_ms, 2_000);
        assert_eq!(t.step_ms, 1_000 + 2_000 + 4_000 + 800 + 1_000);
        assert_eq!(ids(&m, &m.critical), [1, 3, 5]);
        assert_eq!(t.critical_ms, 6_000);
        assert!((t.critical_share() - 1.0).abs() < 1e-9);
        assert!(m.entries.iter().all(|e| matches!(e, Entry::Step(_))));
        // Tools by time: fetch_url (6 s, 2 calls) before web_search.
        let tools: Vec<(&str, usize, i64)> = m
            .by_tool
            .iter()
            .map(|r| (r.name.as_str(), r.calls, r.duration_ms))
            .collect();
        assert_eq!(tools, [("fetch_url", 2, 6_000), ("web_search", 1, 800)]);
        assert_eq!(m.by_model.len(), 1);
        assert_eq!(m.by_model[0].cost_micros, Some(6_000));
    }

    #[test]
    fn a_cost_no_step_has_is_absent_not_zero() {
        let mut a = llm(1, 0, 1_000);
        let mut b = llm(2, 1_000, 2_000);
        a.cost_micros = None;
        b.cost_micros = None;
        let mut c = step(3, StepKind::Llm, "claude", 2_000, 3_000);
        let m = build(
            run(Some(3_000), None),
            vec![a.clone(), b.clone()],
            vec![],
            t0(),
        );
        assert_eq!(m.totals.cost_micros, None);
        assert_eq!(m.by_model[0].cost_micros, None);
        // One known cost: the total is it, and the model with a cost comes first.
        c.cost_micros = Some(0);
        let m = build(run(Some(3_000), None), vec![a, b, c], vec![], t0());
        assert_eq!(m.totals.cost_micros, Some(0));
        let models: Vec<_> = m
            .by_model
            .iter()
            .map(|r| (r.name.as_str(), r.cost_micros))
            .collect();
        assert_eq!(models, [("claude", Some(0)), ("gpt-4o", None)]);
    }

    #[test]
    fn equal_starts_order_llm_first_then_by_id_and_the_path_takes_the_later_start() {
        let rows = vec![
            tool(9, "b", 0, 500),
            tool(4, "a", 0, 500),
            llm(7, 0, 200),
            // Two steps end together at 2000: the one that started later is taken.
            tool(5, "c", 500, 2_000),
            tool(6, "d", 1_000, 2_000),
        ];
        let m = build(run(Some(2_000), None), rows, vec![], t0());
        assert_eq!(order(&m), [7, 4, 9, 5, 6]);
        // 5 and 6 both end last; 6 started later. Before 1000, 4 and 9 end latest (500,
        // both started at 0): the later in step order, 9. Nothing ends before 0.
        assert_eq!(ids(&m, &m.critical), [9, 6]);
        assert_eq!(m.totals.critical_ms, 1_500);
    }

    #[test]
    fn critical_path_on_zero_length_steps_terminates() {
        let spans = [Some((5, 5)), Some((5, 5)), Some((0, 5)), None];
        let path = critical_path(&spans);
        assert_eq!(path, [2, 0, 1]);
        assert_eq!(critical_path(&[None, None]), Vec::<usize>::new());
    }

    #[test]
    fn missing_and_outside_timings_are_flagged_and_kept_out_of_the_timings() {
        let mut no_start = tool(1, "fetch_url", 0, 10);
        no_start.started_at = None;
        let mut no_latency = llm(2, 100, 200);
        no_latency.latency_ms = None;
        let before = llm(3, -500, 500);
        let after = tool(4, "x_post", 900, 1_400);
        let inside = llm(5, 200, 300);
        let rows = vec![no_start, no_latency, before, after, inside];
        let m = build(run(Some(1_000), None), rows, vec![], t0());
        // Timed first by start; the one without a start last.
        assert_eq!(order(&m), [3, 2, 5, 4, 1]);
        let flags: Vec<Option<Flag>> = m.steps.iter().map(|s| s.flag).collect();
        assert_eq!(
            flags,
            [
                Some(Flag::OutsideRun),
                Some(Flag::MissingTiming),
                None,
                Some(Flag::OutsideRun),
                Some(Flag::MissingTiming),
            ]
        );
        assert_eq!(m.totals.flagged, 4);
        // Clipped: 0–500 (before), 200–300 inside it, 900–1000 (after).
        assert_eq!(m.totals.time.busy_ms, 600);
        assert_eq!(m.totals.time.overlap_ms, 100);
        assert_eq!(m.totals.time.idle_ms, 400);
        // The only gap (500–900) is 40% of the run: an idle entry before step 4.
        assert_eq!(
            m.entries,
            [
                Entry::Step(0),
                Entry::Step(1),
                Entry::Step(2),
                Entry::Idle {
                    start_ms: 500,
                    duration_ms: 400
                },
                Entry::Step(3),
                Entry::Step(4),
            ]
        );
        // Tokens count even without timing.
        assert_eq!(m.totals.tokens_in, 200 + 300 + 500);
    }

    #[test]
    fn a_running_run_runs_to_now_and_a_late_step_is_not_outside() {
        let mut r = run(None, None);
        r.status = "running".into();
        let m = build(
            r,
            vec![llm(1, 0, 1_000), tool(2, "serp_check", 1_000, 60_000)],
            vec![],
            t0() + Duration::seconds(100),
        );
        assert_eq!(m.totals.wall_ms, 100_000);
        assert!(m.steps.iter().all(|s| s.flag.is_none()));
        // The trailing 40 s with nothing running is a gap.
        assert_eq!(
            m.entries.last(),
            Some(&Entry::Idle {
                start_ms: 60_000,
                duration_ms: 40_000
            })
        );
    }

    #[test]
    fn gaps_at_exactly_ten_percent_are_not_entries() {
        let m = build(
            run(Some(1_000), None),
            vec![llm(1, 100, 1_000)],
            vec![],
            t0(),
        );
        assert_eq!(m.totals.time.idle_ms, 100);
        assert_eq!(m.entries, [Entry::Step(0)]);
        let m = build(
            run(Some(1_000), None),
            vec![llm(1, 101, 1_000)],
            vec![],
            t0(),
        );
        assert_eq!(
            m.entries,
            [
                Entry::Idle {
                    start_ms: 0,
                    duration_ms: 101
                },
                Entry::Step(0)
            ]
        );
    }

    #[test]
    fn the_cause_is_the_failed_step_whose_error_is_the_runs() {
        let mut a = tool(1, "fetch_url", 0, 100);
        a.status = "failed".into();
        a.error = Some("HTTP 503 from upstream".into());
        let mut b = tool(2, "web_search", 100, 200);
        b.status = "failed".into();
        b.error = Some("rate limited (429)\nretry after 30 s".into());
        let c = llm(3, 200, 300);
        let rows = vec![a.clone(), b.clone(), c.clone()];
        let m = build(
            run(Some(300), Some("HTTP 503 from upstream")),
            rows.clone(),
            vec![],
            t0(),
        );
        assert_eq!(m.cause.map(|i| ids(&m, &[i])[0]), Some(1));
        assert!(m.steps[0].cause && !m.steps[1].cause);
        // The message quotes a step's first error line.
        let m = build(
            run(Some(300), Some("tool web_search: rate limited (429)")),
            rows.clone(),
            vec![],
            t0(),
        );
        assert_eq!(m.cause.map(|i| ids(&m, &[i])[0]), Some(2));
        assert_eq!(m.steps[1].error_line(), Some("rate limited (429)"));
        // No failed step says it: no cause.
        let m = build(
            run(Some(300), Some("deadline exceeded")),
            rows.clone(),
            vec![],
            t0(),
        );
        assert_eq!(m.cause, None);
        assert_eq!(m.failed_steps(), [0, 1]);
        // A succeeded step with the same text is never the cause.
        let mut ok = c;
        ok.error = Some("deadline exceeded".into());
        let m = build(
            run(Some(300), Some("deadline exceeded")),
            vec![ok],
            vec![],
            t0(),
        );
        assert_eq!(m.cause, None);
    }

    #[test]
    fn retries_are_the_other_runs_by_number() {
        let mut me = run(Some(10), None);
        me.run_number = Some(2);
        let mut first = me.clone();
        first.id = Uuid::from_u128(2);
        first.run_number = Some(1);
        first.status = "failed".into();
        let mut third = me.clone();
        third.id = Uuid::from_u128(3);
        third.run_number = Some(3);
        let m = build(me.clone(), vec![], vec![third, me, first], t0());
        let numbers: Vec<Option<i64>> = m.retries.iter().map(|s| s.run_number).collect();
        assert_eq!(numbers, [Some(1), Some(3)]);
        assert_eq!(m.retries[0].status, "failed");
        assert_eq!(m.totals.wall_ms, 10);
        assert!(m.critical.is_empty());
    }

    #[test]
    fn top_five_models_by_cost() {
        let rows: Vec<StepRow> = (1..=7)
            .map(|n| {
                let mut s = llm(n, 0, 10);
                s.name = format!("m{n}");
                s
            })
            .collect();
        let m = build(run(Some(10), None), rows, vec![], t0());
        let names: Vec<&str> = m.by_model.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["m7", "m6", "m5", "m4", "m3"]);
        assert_eq!(m.totals.models, 7);
    }
}
