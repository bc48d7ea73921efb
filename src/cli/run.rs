//! `tenantscope run ID` and `tenantscope diff A B`: the run inspector for scripts and
//! tickets. Text (a header, then one step per line, times relative to the run's start)
//! or JSON with `--json`. Same stores and settings as `get`, live or a snapshot; exit 0
//! when found, 1 when a run is not found, 2 on errors (a store that failed a lookup
//! included: the answer would be incomplete).

use std::process::ExitCode;

use futures::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::run::compare::{Aligned, Comparison, Delta, compare};
use crate::run::diff::{DocChange, bson_diff, tool_exchange};
use crate::run::fmt::{
    cost, cost_delta_or_absent, cost_or_absent, count_delta, duration, duration_delta, offset,
    percent, thousands,
};
use crate::run::load::{load, tool_log};
use crate::run::timeline::{Entry, Rollup, RunModel, Sibling, Step, Totals};
use crate::run::{StepKind, dollars};
use crate::store::source::Source;
use crate::text::clean_line;

/// Prints a line; a reader that went away (`| head`) ends the output quietly.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Tool-call log documents fetched at a time for `diff`.
const LOG_FETCHES: usize = 8;

/// A run id as given: a UUID, optionally as `activity_runs/UUID`.
fn parse_id(text: &str) -> anyhow::Result<Uuid> {
    let bare = text.trim().trim_start_matches("activity_runs/");
    bare.parse()
        .map_err(|_| anyhow::anyhow!("{text:?} is not an activity run id (a UUID)"))
}

fn where_looked(source: &Source) -> &'static str {
    match source {
        Source::Live(_) => "activity_runs in PostgreSQL",
        Source::Snapshot(_) => "activity_runs in the snapshot",
    }
}

/// Loads run `text`, or says it is not there (Ok(None), message printed).
async fn load_or_say(source: &Source, text: &str) -> anyhow::Result<Option<RunModel>> {
    let id = parse_id(text)?;
    let model = load(source, id, chrono::Utc::now()).await?;
    if model.is_some() {
        crate::audit::record("show", &format!("activity_runs/{id}"));
    }
    if model.is_none() {
        if let Some(scope) = source.scope() {
            eprintln!("tenantscope: {}", scope.refusal(&clean_line(text, 200)));
            return Ok(None);
        }
        eprintln!(
            "tenantscope: {} not found; looked in {}",
            clean_line(text, 200),
            where_looked(source)
        );
    }
    Ok(model)
}

/// `run ID`: the run's header and its steps.
pub async fn run_command(source: &Source, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let Some(model) = load_or_say(source, id).await? else {
        return Ok(ExitCode::from(1));
    };
    if json {
        out!("{}", serde_json::to_string_pretty(&run_json(&model))?);
    } else {
        print_run(&model);
    }
    Ok(ExitCode::SUCCESS)
}

/// `diff A B`: the two runs' steps aligned, with deltas, and what changed in the tool
/// calls' requests and responses.
pub async fn diff_command(
    source: &Source,
    a: &str,
    b: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (ma, mb) = futures::try_join!(load_or_say(source, a), load_or_say(source, b))?;
    let (Some(ma), Some(mb)) = (ma, mb) else {
        return Ok(ExitCode::from(1));
    };
    let comparison = compare(&ma, &mb);
    let documents = document_diffs(source, &ma, &mb, &comparison).await;
    let failed = documents
        .iter()
        .any(|d| matches!(d, Some(DocumentDiff::Failed(_))));
    if json {
        out!(
            "{}",
            serde_json::to_string_pretty(&diff_json(&ma, &mb, &comparison, &documents))?
        );
    } else {
        print_diff(&ma, &mb, &comparison, &documents);
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

// ---------------------------------------------------------------- JSON

fn opt_dollars(micros: Option<i64>) -> Value {
    micros.map_or(Value::Null, |m| json!(dollars(m)))
}

fn run_header_json(m: &RunModel) -> Value {
    let r = &m.run;
    json!({
        "id": r.id.to_string(),
        "tenant_id": r.tenant_id.map(|u| u.to_string()),
        "activity_id": r.activity_id.map(|u| u.to_string()),
        "session_id": r.session_id.map(|u| u.to_string()),
        "run_number": r.run_number,
        "status": r.status,
        "trigger": r.trigger,
        "started_at": r.started_at.map(|t| t.to_rfc3339()),
        "finished_at": r.finished_at.map(|t| t.to_rfc3339()),
        "duration_ms": r.duration_ms,
        "model": r.model,
        "total_tokens": r.total_tokens,
        "cost_usd": opt_dollars(r.cost_micros),
        "error_message": r.error_message,
    })
}

fn totals_json(m: &RunModel) -> Value {
    let t: &Totals = &m.totals;
    json!({
        "steps": t.steps,
        "llm_calls": t.llm_calls,
        "tool_calls": t.tool_calls,
        "failed": t.failed,
        "flagged": t.flagged,
        "tokens_in": t.tokens_in,
        "tokens_out": t.tokens_out,
        "cost_usd": opt_dollars(t.cost_micros),
        "wall_ms": t.wall_ms,
        "llm_ms": t.time.llm_ms,
        "tool_ms": t.time.tool_ms,
        "busy_ms": t.time.busy_ms,
        "idle_ms": t.time.idle_ms,
        "overlap_ms": t.time.overlap_ms,
        "step_ms": t.step_ms,
        "critical_ms": t.critical_ms,
        "critical_share": t.critical_share(),
        "critical_steps": m.critical.len(),
        "models": t.models,
        "tools": t.tools,
        "cause": m.cause.map(|i| m.steps[i].row.id.to_string()),
    })
}

fn rollup_json(r: &Rollup, kind: StepKind) -> Value {
    let mut v = json!({
        "name": r.name,
        "calls": r.calls,
        "failed": r.failed,
        "duration_ms": r.duration_ms,
    });
    if kind == StepKind::Llm {
        v["tokens_in"] = json!(r.tokens_in);
        v["tokens_out"] = json!(r.tokens_out);
        v["cost_usd"] = opt_dollars(r.cost_micros);
    }
    v
}

fn step_json(s: &Step) -> Value {
    json!({
        "kind": s.row.kind.name(),
        "id": s.row.id.to_string(),
        "name": s.row.name,
        "start_ms": s.start_ms,
        "duration_ms": s.duration_ms,
        "tokens_in": s.row.tokens_in,
        "tokens_out": s.row.tokens_out,
        "cost_usd": opt_dollars(s.row.cost_micros),
        "status": s.row.status,
        "error": s.error_line(),
        "critical": s.critical,
        "cause": s.cause,
        "flag": s.flag.map(|f| f.name()),
        "log_ref": s.row.log_ref,
    })
}

fn sibling_json(s: &Sibling) -> Value {
    json!({
        "id": s.id.to_string(),
        "run_number": s.run_number,
        "trigger": s.trigger,
        "status": s.status,
        "started_at": s.started_at.map(|t| t.to_rfc3339()),
        "duration_ms": s.duration_ms,
        "cost_usd": opt_dollars(s.cost_micros),
    })
}

/// `{run, totals, by_model, by_tool, steps, idle, retries}`.
pub fn run_json(m: &RunModel) -> Value {
    let idle: Vec<Value> = m
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Idle {
                start_ms,
                duration_ms,
            } => Some(json!({ "start_ms": start_ms, "duration_ms": duration_ms })),
            Entry::Step(_) => None,
        })
        .collect();
    json!({
        "run": run_header_json(m),
        "totals": totals_json(m),
        "by_model": m.by_model.iter().map(|r| rollup_json(r, StepKind::Llm)).collect::<Vec<_>>(),
        "by_tool": m.by_tool.iter().map(|r| rollup_json(r, StepKind::Tool)).collect::<Vec<_>>(),
        "steps": m.steps.iter().map(step_json).collect::<Vec<_>>(),
        "idle": idle,
        "retries": m.retries.iter().map(sibling_json).collect::<Vec<_>>(),
    })
}

fn delta_json(d: &Delta) -> Value {
    json!({
        "duration_ms": d.duration_ms,
        "tokens_in": d.tokens_in,
        "tokens_out": d.tokens_out,
        "cost_usd": opt_dollars(d.cost_micros),
        "status": d.status.as_ref().map(|(a, b)| json!([a, b])),
    })
}

/// `{a, b, totals: {a, b, delta}, counts, steps: [{change, kind, name, a, b, delta, documents}]}`.
pub fn diff_json(
    a: &RunModel,
    b: &RunModel,
    c: &Comparison,
    documents: &[Option<DocumentDiff>],
) -> Value {
    let d = &c.totals;
    let steps: Vec<Value> = c
        .lines
        .iter()
        .zip(documents)
        .map(|((line, delta), document)| {
            let (change, sa, sb) = match *line {
                Aligned::Pair(i, j) => ("aligned", Some(&a.steps[i]), Some(&b.steps[j])),
                Aligned::Removed(i) => ("removed", Some(&a.steps[i]), None),
                Aligned::Added(j) => ("added", None, Some(&b.steps[j])),
            };
            let step = sa.or(sb).expect("one side at least");
            let mut v = json!({
                "change": change,
                "kind": step.row.kind.name(),
                "name": step.row.name,
                "a": sa.map(step_json),
                "b": sb.map(step_json),
                "delta": delta.as_ref().map(delta_json),
            });
            match document {
                Some(DocumentDiff::Changes(changes)) => v["documents"] = json!(changes),
                Some(DocumentDiff::Missing(why)) | Some(DocumentDiff::Failed(why)) => {
                    v["document_error"] = json!(why)
                }
                None => {}
            }
            v
        })
        .collect();
    json!({
        "a": run_header_json(a),
        "b": run_header_json(b),
        "totals": {
            "a": totals_json(a),
            "b": totals_json(b),
            "delta": {
                "steps": d.steps,
                "failed": d.failed,
                "wall_ms": d.wall_ms,
                "llm_ms": d.llm_ms,
                "tool_ms": d.tool_ms,
                "idle_ms": d.idle_ms,
                "tokens_in": d.tokens_in,
                "tokens_out": d.tokens_out,
                "cost_usd": opt_dollars(d.cost_micros),
            },
        },
        "counts": {
            "aligned": c.pairs,
            "added": c.added,
            "removed": c.removed,
            "status_changes": c.status_changes,
            "alignment_cut_short": c.cut_short,
        },
        "steps": steps,
    })
}

// ---------------------------------------------------------------- documents

/// What comparing an aligned pair of tool calls' log documents gave.
#[derive(Debug, Clone)]
pub enum DocumentDiff {
    /// Paths where request, response or error differ (empty: the same).
    Changes(Vec<DocChange>),
    /// A call has no log_ref or its document is not there (data, not an error).
    Missing(String),
    /// A store failed the lookup: the diff is incomplete.
    Failed(String),
}

/// For each line of the comparison, the diff of the two log documents when it is an
/// aligned pair of tool calls (fetched a few at a time), else None.
async fn document_diffs(
    source: &Source,
    a: &RunModel,
    b: &RunModel,
    c: &Comparison,
) -> Vec<Option<DocumentDiff>> {
    futures::stream::iter(c.lines.iter().map(|(line, _)| async move {
        let Aligned::Pair(i, j) = *line else {
            return None;
        };
        let (sa, sb) = (&a.steps[i].row, &b.steps[j].row);
        if sa.kind != StepKind::Tool {
            return None;
        }
        let (da, db) = futures::join!(tool_log(source, sa), tool_log(source, sb));
        Some(match (da, db) {
            (Ok(Some(da)), Ok(Some(db))) => {
                DocumentDiff::Changes(bson_diff(&tool_exchange(&da), &tool_exchange(&db)))
            }
            (Err(e), _) | (_, Err(e)) => DocumentDiff::Failed(crate::store::deadline::one_line(&e)),
            (Ok(da), Ok(_)) => {
                let missing = if da.is_none() { sa } else { sb };
                DocumentDiff::Missing(match &missing.log_ref {
                    Some(r) => format!("tool_call_logs/{r} not found (dangling)"),
                    None => format!("tool_calls/{} has no log_ref", missing.id),
                })
            }
        })
    }))
    .buffered(LOG_FETCHES)
    .collect()
    .await
}

// ---------------------------------------------------------------- text

fn status_symbol(status: &str) -> &'static str {
    match status {
        "succeeded" => "✓",
        "failed" => "✗",
        "timed_out" => "⏱",
        "running" => "…",
        "cancelled" => "⊘",
        _ => "?",
    }
}

/// `1 call`, `3 calls`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as i64),
        if n == 1 { one } else { many }
    )
}

fn opt_or<T>(value: Option<T>, f: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| "-".to_string(), f)
}

fn run_title(m: &RunModel) -> String {
    let r = &m.run;
    format!(
        "activity_runs/{} · run #{} · {} {} · trigger {}{}",
        r.id,
        opt_or(r.run_number, |n| n.to_string()),
        status_symbol(&r.status),
        clean_line(&r.status, 40),
        clean_line(&r.trigger, 40),
        r.model
            .as_deref()
            .map(|m| format!(" · model {}", clean_line(m, 80)))
            .unwrap_or_default()
    )
}

fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    opt_or(at, |t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
}

fn print_run(m: &RunModel) {
    let r = &m.run;
    let t = &m.totals;
    out!("{}", run_title(m));
    out!(
        "started {} · finished {} · wall {}",
        when(r.started_at),
        if r.finished_at.is_some() {
            when(r.finished_at)
        } else {
            "(not finished)".to_string()
        },
        duration(t.wall_ms)
    );
    out!(
        "time: LLM calls {} · tool calls {} · idle {} · overlapping {}",
        duration(t.time.llm_ms),
        duration(t.time.tool_ms),
        duration(t.time.idle_ms),
        duration(t.time.overlap_ms)
    );
    out!(
        "critical path: {}, {} ({} of wall time)",
        plural(m.critical.len(), "step", "steps"),
        duration(t.critical_ms),
        percent(t.critical_share())
    );
    out!(
        "steps: {} ({} LLM calls, {} tool calls), {} failed, {} flagged",
        thousands(t.steps as i64),
        thousands(t.llm_calls as i64),
        thousands(t.tool_calls as i64),
        thousands(t.failed as i64),
        thousands(t.flagged as i64)
    );
    out!(
        "tokens: {} in · {} out · cost {} (run row: {} tokens, {})",
        thousands(t.tokens_in),
        thousands(t.tokens_out),
        cost_or_absent(t.cost_micros),
        opt_or(r.total_tokens, thousands),
        cost_or_absent(r.cost_micros)
    );
    for r in &m.by_model {
        out!(
            "  model {} · {} · {} in · {} out · {} · {}",
            clean_line(&r.name, 60),
            plural(r.calls, "call", "calls"),
            thousands(r.tokens_in),
            thousands(r.tokens_out),
            cost_or_absent(r.cost_micros),
            duration(r.duration_ms)
        );
    }
    if t.models > m.by_model.len() {
        out!("  … {} more models", t.models - m.by_model.len());
    }
    for r in &m.by_tool {
        out!(
            "  tool {} · {} · {}{}",
            clean_line(&r.name, 60),
            plural(r.calls, "call", "calls"),
            duration(r.duration_ms),
            if r.failed > 0 {
                format!(" · {} failed", r.failed)
            } else {
                String::new()
            }
        );
    }
    if t.tools > m.by_tool.len() {
        out!("  … {} more tools", t.tools - m.by_tool.len());
    }
    if let Some(error) = &r.error_message {
        out!("error: {}", clean_line(error, 400));
    }
    if let Some(i) = m.cause {
        let s = &m.steps[i];
        out!(
            "cause: {}/{} {} at {}",
            s.row.kind.table(),
            s.row.id,
            clean_line(&s.row.name, 60),
            opt_or(s.start_ms, offset)
        );
    }
    out!("");
    out!(
        "  {:>10} {:>10}   kind name   (* critical path, ! cause)",
        "start",
        "duration"
    );
    for entry in &m.entries {
        match *entry {
            Entry::Step(i) => out!("{}", step_line(&m.steps[i])),
            Entry::Idle {
                start_ms,
                duration_ms,
            } => out!(
                "  {:>10} {:>10}   idle",
                offset(start_ms),
                duration(duration_ms)
            ),
        }
    }
    if !m.retries.is_empty() {
        out!("");
        out!("other runs of this activity:");
        for s in &m.retries {
            out!(
                "  #{} {} {} {} · {} · {} · activity_runs/{}",
                opt_or(s.run_number, |n| n.to_string()),
                status_symbol(&s.status),
                clean_line(&s.status, 40),
                clean_line(&s.trigger, 40),
                opt_or(s.duration_ms, duration),
                cost_or_absent(s.cost_micros),
                s.id
            );
        }
    }
}

/// `* +0:01.250     2.3 s ✓ llm  gpt-4o · 1,200/300 tokens · $0.0120 · llm_calls/ID · error`
/// (`*` on the critical path, `!` the cause).
fn step_line(s: &Step) -> String {
    let mark = match (s.cause, s.critical) {
        (true, _) => '!',
        (false, true) => '*',
        _ => ' ',
    };
    let mut line = format!(
        "{mark} {:>10} {:>10} {} {:<4} {}",
        opt_or(s.start_ms, offset),
        opt_or(s.duration_ms, duration),
        status_symbol(&s.row.status),
        s.row.kind.name(),
        clean_line(&s.row.name, 60),
    );
    if let (Some(i), Some(o)) = (s.row.tokens_in, s.row.tokens_out) {
        line.push_str(&format!(" · {}/{} tokens", thousands(i), thousands(o)));
    }
    if let Some(c) = s.row.cost_micros {
        line.push_str(&format!(" · {}", cost(c)));
    }
    line.push_str(&format!(" · {}/{}", s.row.kind.table(), s.row.id));
    if let Some(flag) = s.flag {
        line.push_str(&format!(" · [{}]", flag.name().replace('_', " ")));
    }
    if let Some(error) = s.error_line() {
        line.push_str(&format!(" · {}", clean_line(error, 200)));
    }
    line
}

fn print_diff(a: &RunModel, b: &RunModel, c: &Comparison, documents: &[Option<DocumentDiff>]) {
    for (label, m) in [("a", a), ("b", b)] {
        out!(
            "{label}: {} · wall {} · {} steps · {} failed · {}/{} tokens · {}",
            run_title(m),
            duration(m.totals.wall_ms),
            m.totals.steps,
            m.totals.failed,
            thousands(m.totals.tokens_in),
            thousands(m.totals.tokens_out),
            cost_or_absent(m.totals.cost_micros)
        );
    }
    let d = &c.totals;
    out!(
        "b − a: wall {} · LLM time {} · tool time {} · idle {} · steps {} · failed {} · tokens {} in, {} out · cost {}",
        duration_delta(d.wall_ms),
        duration_delta(d.llm_ms),
        duration_delta(d.tool_ms),
        duration_delta(d.idle_ms),
        count_delta(d.steps),
        count_delta(d.failed),
        count_delta(d.tokens_in),
        count_delta(d.tokens_out),
        cost_delta_or_absent(d.cost_micros)
    );
    out!(
        "aligned {} · only in b (added) {} · only in a (removed) {} · status changed {}",
        c.pairs,
        c.added,
        c.removed,
        c.status_changes
    );
    if c.cut_short {
        out!(
            "alignment cut short after {} s: some steps that could pair show as removed and added",
            crate::run::compare::ALIGN_BUDGET.as_secs()
        );
    }
    out!("");
    for ((line, delta), document) in c.lines.iter().zip(documents) {
        match *line {
            Aligned::Pair(i, j) => {
                let (sa, sb) = (&a.steps[i], &b.steps[j]);
                let delta = delta.as_ref().expect("a pair has a delta");
                let mark = if delta.status.is_some() { '~' } else { '=' };
                let mut text = format!(
                    "{mark} {:<4} {} · {} → {}",
                    sa.row.kind.name(),
                    clean_line(&sa.row.name, 60),
                    opt_or(sa.duration_ms, duration),
                    opt_or(sb.duration_ms, duration),
                );
                if let Some(ms) = delta.duration_ms {
                    text.push_str(&format!(" ({})", duration_delta(ms)));
                }
                if let (Some(i), Some(o)) = (delta.tokens_in, delta.tokens_out) {
                    text.push_str(&format!(
                        " · tokens {} in, {} out",
                        count_delta(i),
                        count_delta(o)
                    ));
                }
                if sa.row.kind == StepKind::Llm {
                    let cost = cost_delta_or_absent(delta.cost_micros);
                    text.push_str(&format!(" · cost {cost}"));
                }
                if let Some((from, to)) = &delta.status {
                    text.push_str(&format!(
                        " · {} {} → {} {}",
                        status_symbol(from),
                        clean_line(from, 40),
                        status_symbol(to),
                        clean_line(to, 40)
                    ));
                }
                if let Some(error) = sb.error_line().filter(|_| sb.row.failed()) {
                    text.push_str(&format!(" · {}", clean_line(error, 200)));
                }
                out!("{text}");
            }
            Aligned::Removed(i) => out!("{}", only_line('-', &a.steps[i])),
            Aligned::Added(j) => out!("{}", only_line('+', &b.steps[j])),
        }
        match document {
            Some(DocumentDiff::Changes(changes)) => {
                for change in changes {
                    let show = |v: &Option<Value>| {
                        v.as_ref().map_or_else(
                            || "(none)".to_string(),
                            |v| clean_line(&v.to_string(), 120),
                        )
                    };
                    out!(
                        "    {} {}: {} → {}",
                        match change.change {
                            crate::run::diff::Change::Added => '+',
                            crate::run::diff::Change::Removed => '-',
                            crate::run::diff::Change::Changed => '~',
                        },
                        clean_line(&change.path, 200),
                        show(&change.a),
                        show(&change.b)
                    );
                }
            }
            Some(DocumentDiff::Missing(why)) | Some(DocumentDiff::Failed(why)) => {
                out!("    (log documents not compared: {})", clean_line(why, 300))
            }
            None => {}
        }
    }
}

fn only_line(mark: char, s: &Step) -> String {
    format!(
        "{mark} {:<4} {} · {} · {} {}{}",
        s.row.kind.name(),
        clean_line(&s.row.name, 60),
        opt_or(s.duration_ms, duration),
        status_symbol(&s.row.status),
        clean_line(&s.row.status, 40),
        s.error_line()
            .map(|e| format!(" · {}", clean_line(e, 200)))
            .unwrap_or_default()
    )
}
