//! Two runs side by side: their steps aligned by sequence (a longest common subsequence
//! on kind + model/tool name), each aligned pair with the deltas of duration, tokens and
//! cost and any status change, the steps only one run has, and the totals compared.
//! Pure; the alignment is `similar`'s Myers diff, whose shortest edit script keeps a
//! longest common subsequence.

use std::time::{Duration, Instant};

use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};

use super::StepKind;
use super::timeline::{RunModel, Step, Totals};

/// One line of the comparison: indexes into the two runs' `steps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aligned {
    /// The same kind and name at the same place in both sequences.
    Pair(usize, usize),
    /// Only in the first run.
    Removed(usize),
    /// Only in the second run.
    Added(usize),
}

/// How long aligning two runs may take: past it, Myers settles for what it has found
/// (the rest of each stretch shows as removed then added), so two long runs that differ
/// a lot are compared in bounded time.
pub const ALIGN_BUDGET: Duration = Duration::from_secs(2);

/// Aligns two sequences of keys along a longest common subsequence: every `Pair` has
/// equal keys, both sides' indexes rise, and every index of each side appears once.
/// Where one side replaces a stretch of the other, its removed steps come first.
pub fn align<K: Eq + std::hash::Hash + Ord>(a: &[K], b: &[K]) -> Vec<Aligned> {
    align_until(a, b, None)
}

/// [`align`], giving up the search for a longest subsequence at `deadline`: the result
/// keeps every property but the longest (fewer pairs than could be).
pub fn align_until<K: Eq + std::hash::Hash + Ord>(
    a: &[K],
    b: &[K],
    deadline: Option<Instant>,
) -> Vec<Aligned> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    for op in capture_diff_slices_deadline(Algorithm::Myers, a, b, deadline) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => out.extend((0..len).map(|k| Aligned::Pair(old_index + k, new_index + k))),
            DiffOp::Delete {
                old_index, old_len, ..
            } => out.extend((old_index..old_index + old_len).map(Aligned::Removed)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => out.extend((new_index..new_index + new_len).map(Aligned::Added)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                out.extend((old_index..old_index + old_len).map(Aligned::Removed));
                out.extend((new_index..new_index + new_len).map(Aligned::Added));
            }
        }
    }
    out
}

/// The alignment key of a step.
pub fn key(step: &Step) -> (StepKind, String) {
    (step.row.kind, step.row.name.clone())
}

/// `b − a` of a value both sides may lack.
fn delta(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    Some(b? - a?)
}

/// How an aligned pair differs (`b − a`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub duration_ms: Option<i64>,
    pub tokens_in: Option<i64>,
    pub tokens_out: Option<i64>,
    pub cost_micros: Option<i64>,
    /// (before, after) when the status changed.
    pub status: Option<(String, String)>,
}

impl Delta {
    pub fn of(a: &Step, b: &Step) -> Delta {
        Delta {
            duration_ms: delta(a.duration_ms, b.duration_ms),
            tokens_in: delta(a.row.tokens_in, b.row.tokens_in),
            tokens_out: delta(a.row.tokens_out, b.row.tokens_out),
            cost_micros: delta(a.row.cost_micros, b.row.cost_micros),
            status: (a.row.status != b.row.status)
                .then(|| (a.row.status.clone(), b.row.status.clone())),
        }
    }
}

/// The comparison's lines and totals.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub lines: Vec<(Aligned, Option<Delta>)>,
    pub pairs: usize,
    pub added: usize,
    pub removed: usize,
    /// Pairs whose status differs.
    pub status_changes: usize,
    /// `b − a` of the totals that are numbers.
    pub totals: TotalsDelta,
    /// The alignment ran out of its time budget: it may pair fewer steps than it could.
    pub cut_short: bool,
}

/// `b − a` of two runs' totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TotalsDelta {
    pub steps: i64,
    pub failed: i64,
    pub wall_ms: i64,
    pub llm_ms: i64,
    pub tool_ms: i64,
    pub idle_ms: i64,
    pub tokens_in: i64,
    pub tokens_out: i64,
    /// None when either run's cost is absent.
    pub cost_micros: Option<i64>,
}

impl TotalsDelta {
    pub fn of(a: &Totals, b: &Totals) -> TotalsDelta {
        TotalsDelta {
            steps: b.steps as i64 - a.steps as i64,
            failed: b.failed as i64 - a.failed as i64,
            wall_ms: b.wall_ms - a.wall_ms,
            llm_ms: b.time.llm_ms - a.time.llm_ms,
            tool_ms: b.time.tool_ms - a.time.tool_ms,
            idle_ms: b.time.idle_ms - a.time.idle_ms,
            tokens_in: b.tokens_in - a.tokens_in,
            tokens_out: b.tokens_out - a.tokens_out,
            cost_micros: delta(a.cost_micros, b.cost_micros),
        }
    }
}

/// Compares run `a` (typically the last good one) with run `b`, aligning them within
/// [`ALIGN_BUDGET`].
pub fn compare(a: &RunModel, b: &RunModel) -> Comparison {
    compare_within(a, b, ALIGN_BUDGET)
}

/// [`compare`] with the alignment given `budget`.
pub fn compare_within(a: &RunModel, b: &RunModel, budget: Duration) -> Comparison {
    let keys_a: Vec<_> = a.steps.iter().map(key).collect();
    let keys_b: Vec<_> = b.steps.iter().map(key).collect();
    let deadline = Instant::now() + budget;
    let aligned = align_until(&keys_a, &keys_b, Some(deadline));
    // similar checks its deadline as it searches; past it, it stopped searching.
    let cut_short = Instant::now() > deadline;
    let lines: Vec<(Aligned, Option<Delta>)> = aligned
        .into_iter()
        .map(|line| match line {
            Aligned::Pair(i, j) => (line, Some(Delta::of(&a.steps[i], &b.steps[j]))),
            other => (other, None),
        })
        .collect();
    let count = |f: fn(&Aligned) -> bool| lines.iter().filter(|(l, _)| f(l)).count();
    Comparison {
        pairs: count(|l| matches!(l, Aligned::Pair(..))),
        added: count(|l| matches!(l, Aligned::Added(_))),
        removed: count(|l| matches!(l, Aligned::Removed(_))),
        status_changes: lines
            .iter()
            .filter(|(_, d)| d.as_ref().is_some_and(|d| d.status.is_some()))
            .count(),
        totals: TotalsDelta::of(&a.totals, &b.totals),
        lines,
        cut_short,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::timeline::build;
    use crate::run::{RunInfo, StepRow};
    use chrono::{DateTime, Duration, Utc};
    use uuid::Uuid;

    /// Checks the properties every alignment must have, and returns its pair count.
    fn check(a: &[&str], b: &[&str], lines: &[Aligned]) -> usize {
        let (mut ia, mut ib) = (Vec::new(), Vec::new());
        let mut pairs = 0;
        for line in lines {
            match *line {
                Aligned::Pair(i, j) => {
                    assert_eq!(a[i], b[j], "{line:?}");
                    ia.push(i);
                    ib.push(j);
                    pairs += 1;
                }
                Aligned::Removed(i) => ia.push(i),
                Aligned::Added(j) => ib.push(j),
            }
        }
        ia.sort_unstable();
        ib.sort_unstable();
        assert_eq!(ia, (0..a.len()).collect::<Vec<_>>());
        assert_eq!(ib, (0..b.len()).collect::<Vec<_>>());
        // Pairs rise on both sides.
        let pairs_in_order: Vec<(usize, usize)> = lines
            .iter()
            .filter_map(|l| match l {
                Aligned::Pair(i, j) => Some((*i, *j)),
                _ => None,
            })
            .collect();
        assert!(
            pairs_in_order
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1)
        );
        pairs
    }

    /// The length of a longest common subsequence, by the textbook table.
    fn lcs(a: &[&str], b: &[&str]) -> usize {
        let mut t = vec![vec![0; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                t[i][j] = if a[i] == b[j] {
                    t[i + 1][j + 1] + 1
                } else {
                    t[i + 1][j].max(t[i][j + 1])
                };
            }
        }
        t[0][0]
    }

    #[test]
    fn a_step_added_in_the_middle() {
        let a = ["llm", "search", "llm"];
        let b = ["llm", "search", "fetch", "llm"];
        let lines = align(&a, &b);
        assert_eq!(
            lines,
            [
                Aligned::Pair(0, 0),
                Aligned::Pair(1, 1),
                Aligned::Added(2),
                Aligned::Pair(2, 3)
            ]
        );
    }

    #[test]
    fn a_replaced_step_is_removed_then_added() {
        let a = ["llm", "search", "llm"];
        let b = ["llm", "fetch", "llm"];
        assert_eq!(
            align(&a, &b),
            [
                Aligned::Pair(0, 0),
                Aligned::Removed(1),
                Aligned::Added(1),
                Aligned::Pair(2, 2)
            ]
        );
    }

    #[test]
    fn empty_sides() {
        assert_eq!(align::<&str>(&[], &[]), []);
        assert_eq!(align(&["a"], &[]), [Aligned::Removed(0)]);
        assert_eq!(
            align(&[], &["a", "b"]),
            [Aligned::Added(0), Aligned::Added(1)]
        );
    }

    #[test]
    fn alignments_are_longest_common_subsequences() {
        // A fixed pseudo-random stream over a small alphabet: many repeats, many ties.
        let alphabet = ["llm", "search", "fetch", "post"];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..300 {
            let a: Vec<&str> = (0..next(12)).map(|_| alphabet[next(4)]).collect();
            let b: Vec<&str> = (0..next(12)).map(|_| alphabet[next(4)]).collect();
            let lines = align(&a, &b);
            assert_eq!(check(&a, &b, &lines), lcs(&a, &b), "{a:?} {b:?}");
        }
    }

    #[test]
    fn an_alignment_out_of_time_is_still_an_alignment_and_says_so() {
        // Two long sequences that differ everywhere a little: Myers needs many rounds.
        let alphabet = ["llm", "search", "fetch", "post", "serp"];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let a: Vec<&str> = (0..20_000).map(|_| alphabet[next(5)]).collect();
        let b: Vec<&str> = (0..20_000).map(|_| alphabet[next(5)]).collect();
        let started = Instant::now();
        let lines = align_until(&a, &b, Some(started + std::time::Duration::from_millis(5)));
        check(&a, &b, &lines);
        // Cut short: far from the textbook's quadratic time.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let ma = model_of(&a);
        let mb = model_of(&b);
        let c = compare_within(&ma, &mb, std::time::Duration::from_millis(5));
        assert!(c.cut_short);
        assert_eq!(c.pairs + c.removed, a.len());
        assert_eq!(c.pairs + c.added, b.len());
        let small = compare_within(&model_of(&a[..50]), &model_of(&b[..50]), ALIGN_BUDGET);
        assert!(!small.cut_short);
    }

    /// A run of LLM calls named `names`, one every 10 ms.
    fn model_of(names: &[&str]) -> RunModel {
        let steps: Vec<(StepKind, &str, i64, i64, &str)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (StepKind::Llm, *n, i as i64 * 10, 5, "succeeded"))
            .collect();
        model(&steps)
    }

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-14T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn model(steps: &[(StepKind, &str, i64, i64, &str)]) -> RunModel {
        let rows = steps
            .iter()
            .enumerate()
            .map(|(n, &(kind, name, start, len, status))| {
                let mut s = StepRow::new(kind, Uuid::from_u128(n as u128 + 1), name, status);
                s.started_at = Some(t0() + Duration::milliseconds(start));
                s.latency_ms = Some(len);
                if kind == StepKind::Llm {
                    s.tokens_in = Some(len);
                    s.tokens_out = Some(len / 10);
                    s.cost_micros = Some(len * 3);
                }
                s
            })
            .collect();
        let run = RunInfo {
            id: Uuid::from_u128(1),
            started_at: Some(t0()),
            duration_ms: Some(10_000),
            finished_at: Some(t0() + Duration::milliseconds(10_000)),
            ..RunInfo::default()
        };
        build(run, rows, vec![], t0())
    }

    #[test]
    fn the_last_good_run_against_the_failing_one() {
        use StepKind::{Llm, Tool};
        let good = model(&[
            (Llm, "gpt-4o", 0, 1_000, "succeeded"),
            (Tool, "web_search", 1_000, 500, "succeeded"),
            (Llm, "gpt-4o", 2_000, 1_000, "succeeded"),
            (Tool, "cms_publish", 3_000, 200, "succeeded"),
        ]);
        let bad = model(&[
            (Llm, "gpt-4o", 0, 1_200, "succeeded"),
            (Tool, "web_search", 1_200, 300, "succeeded"),
            (Tool, "fetch_url", 1_500, 100, "succeeded"),
            (Llm, "gpt-4o", 2_000, 400, "failed"),
        ]);
        let c = compare(&good, &bad);
        let shape: Vec<Aligned> = c.lines.iter().map(|(l, _)| *l).collect();
        assert_eq!(
            shape,
            [
                Aligned::Pair(0, 0),
                Aligned::Pair(1, 1),
                Aligned::Added(2),
                Aligned::Pair(2, 3),
                Aligned::Removed(3)
            ]
        );
        assert_eq!(
            (c.pairs, c.added, c.removed, c.status_changes),
            (3, 1, 1, 1)
        );
        let first = c.lines[0].1.clone().unwrap();
        assert_eq!(first.duration_ms, Some(200));
        assert_eq!(first.tokens_in, Some(200));
        assert_eq!(first.tokens_out, Some(20));
        assert_eq!(first.cost_micros, Some(600));
        assert_eq!(first.status, None);
        let search = c.lines[1].1.clone().unwrap();
        assert_eq!(search.duration_ms, Some(-200));
        assert_eq!(search.tokens_in, None, "tool calls have no tokens");
        let last = c.lines[3].1.clone().unwrap();
        assert_eq!(
            last.status,
            Some(("succeeded".to_string(), "failed".to_string()))
        );
        assert_eq!(c.totals.steps, 0);
        assert_eq!(c.totals.failed, 1);
        assert_eq!(c.totals.tokens_in, (1_200 + 400) - (1_000 + 1_000));
        assert_eq!(
            c.totals.cost_micros,
            Some(3 * ((1_200 + 400) - (1_000 + 1_000)))
        );
    }
}
