//! The run inspector's core: one activity run as a timeline of its LLM and tool calls
//! (where the time and the money went, the critical path, the step that caused a
//! failure, the other runs of the same activity), and two runs compared step by step.
//!
//! Nothing here knows about the terminal: the CLI (`tenantscope run`, `tenantscope diff`)
//! and the TUI's run view are two faces over it.
//!
//! - [`load`] reads a run, its steps and its siblings from any [`crate::store::source::Source`];
//! - [`paging`] reads a long run a keyset page at a time (the TUI's run view);
//! - [`timeline`] turns them into a [`timeline::RunModel`] (pure);
//! - [`compare`] aligns two models (pure);
//! - [`diff`] compares two documents or two texts (pure);
//! - [`output`] finds the activity output a run wrote, and diffs two runs' outputs.

pub mod compare;
pub mod diff;
pub mod fmt;
pub mod load;
pub mod output;
pub mod paging;
pub mod timeline;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::store::rows::Row;

/// What a step of a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Llm,
    Tool,
}

impl StepKind {
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Llm => "llm",
            StepKind::Tool => "tool",
        }
    }

    /// The table its rows live in.
    pub fn table(self) -> &'static str {
        match self {
            StepKind::Llm => "llm_calls",
            StepKind::Tool => "tool_calls",
        }
    }
}

/// An `activity_runs` row, the columns the inspector reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunInfo {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub activity_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub run_number: Option<i64>,
    pub status: String,
    pub trigger: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub model: Option<String>,
    pub total_tokens: Option<i64>,
    /// `cost_usd` in millionths of a dollar (the column is `numeric(14, 6)`).
    pub cost_micros: Option<i64>,
    pub error_message: Option<String>,
}

/// An `llm_calls` or `tool_calls` row, the columns the inspector reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub kind: StepKind,
    pub id: Uuid,
    /// The model of an LLM call, the tool of a tool call.
    pub name: String,
    pub started_at: Option<DateTime<Utc>>,
    pub latency_ms: Option<i64>,
    /// Prompt tokens (LLM calls only).
    pub tokens_in: Option<i64>,
    /// Completion tokens (LLM calls only).
    pub tokens_out: Option<i64>,
    /// In millionths of a dollar (LLM calls only).
    pub cost_micros: Option<i64>,
    pub status: String,
    pub error: Option<String>,
    /// The tool-call log document's ObjectId (tool calls only).
    pub log_ref: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

impl StepRow {
    /// A step with only what the timeline needs; the rest empty (for tests and tools).
    pub fn new(kind: StepKind, id: Uuid, name: &str, status: &str) -> StepRow {
        StepRow {
            kind,
            id,
            name: name.to_string(),
            started_at: None,
            latency_ms: None,
            tokens_in: None,
            tokens_out: None,
            cost_micros: None,
            status: status.to_string(),
            error: None,
            log_ref: None,
            created_at: None,
        }
    }

    pub fn failed(&self) -> bool {
        self.status != "succeeded"
    }
}

/// A timestamp as PostgreSQL renders it to JSON text (`2026-11-14T02:08:00.5+00:00`), or
/// as `::text` renders it (`2026-11-14 02:08:00.5+00`).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let text = text.replacen(' ', "T", 1);
    let text = match text.rfind(['+', '-']) {
        // `+00` → `+00:00`
        Some(i) if i > 10 && text.len() - i == 3 => format!("{text}:00"),
        _ => text,
    };
    DateTime::parse_from_rfc3339(&text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// A decimal amount of dollars (`0.012300`, `12`, `-3.5`) in millionths, rounded half
/// away from zero past six places.
pub fn parse_micros(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut micros: i64 = 0;
    for (i, c) in fraction.chars().take(6).enumerate() {
        micros += i64::from(c as u8 - b'0') * 10_i64.pow(5 - i as u32);
    }
    if fraction.chars().nth(6).is_some_and(|c| c >= '5') {
        micros += 1;
    }
    let value = whole.checked_mul(1_000_000)?.checked_add(micros)?;
    Some(if negative { -value } else { value })
}

/// Millionths of a dollar as dollars (for JSON).
pub fn dollars(micros: i64) -> f64 {
    micros as f64 / 1e6
}

fn int(row: &Row, column: &str) -> Option<i64> {
    row.get(column).and_then(|v| v.parse().ok())
}

fn uuid(row: &Row, column: &str) -> Option<Uuid> {
    row.get(column).and_then(|v| v.parse().ok())
}

fn time(row: &Row, column: &str) -> Option<DateTime<Utc>> {
    row.get(column).and_then(parse_time)
}

fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).map(str::to_string)
}

/// A step keeps at most this many characters of its error and of its name, so a run of
/// any length costs a bounded amount of memory per step (what is shown is one line).
pub const STEP_TEXT_CAP: usize = 2_000;

/// `text` cut to [`STEP_TEXT_CAP`] characters, with an ellipsis when cut.
fn capped(text: Option<String>) -> Option<String> {
    let mut text = text?;
    if let Some((at, _)) = text.char_indices().nth(STEP_TEXT_CAP) {
        text.truncate(at);
        text.push('…');
    }
    Some(text)
}

impl RunInfo {
    pub fn from_row(row: &Row) -> anyhow::Result<RunInfo> {
        Ok(RunInfo {
            id: uuid(row, "id").context("an activity run without an id")?,
            tenant_id: uuid(row, "tenant_id"),
            activity_id: uuid(row, "activity_id"),
            session_id: uuid(row, "session_id"),
            run_number: int(row, "run_number"),
            status: text(row, "status").unwrap_or_default(),
            trigger: text(row, "trigger").unwrap_or_default(),
            started_at: time(row, "started_at"),
            finished_at: time(row, "finished_at"),
            duration_ms: int(row, "duration_ms"),
            model: text(row, "model"),
            total_tokens: int(row, "total_tokens"),
            cost_micros: row.get("cost_usd").and_then(parse_micros),
            error_message: text(row, "error_message"),
        })
    }

    /// The run's wall time: finished − started, else its `duration_ms`, else (still
    /// running) up to `now`.
    pub fn wall_ms(&self, now: DateTime<Utc>) -> Option<i64> {
        let started = self.started_at?;
        let ms = match (self.finished_at, self.duration_ms) {
            (Some(end), _) => (end - started).num_milliseconds(),
            (None, Some(ms)) => ms,
            (None, None) => (now - started).num_milliseconds(),
        };
        Some(ms.max(0))
    }
}

impl StepRow {
    pub fn from_row(kind: StepKind, row: &Row) -> anyhow::Result<StepRow> {
        let id =
            uuid(row, "id").with_context(|| format!("a {} row without an id", kind.table()))?;
        let (name, tokens_in, tokens_out, cost_micros) = match kind {
            StepKind::Llm => (
                text(row, "model"),
                int(row, "prompt_tokens"),
                int(row, "completion_tokens"),
                row.get("cost_usd").and_then(parse_micros),
            ),
            StepKind::Tool => (text(row, "tool_name"), None, None, None),
        };
        Ok(StepRow {
            kind,
            id,
            name: capped(name).unwrap_or_default(),
            started_at: time(row, "started_at"),
            latency_ms: int(row, "latency_ms"),
            tokens_in,
            tokens_out,
            cost_micros,
            status: text(row, "status").unwrap_or_default(),
            error: capped(text(row, "error")),
            log_ref: text(row, "log_ref"),
            created_at: time(row, "created_at"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_exact_millionths() {
        assert_eq!(parse_micros("0.012300"), Some(12_300));
        assert_eq!(parse_micros("12"), Some(12_000_000));
        assert_eq!(parse_micros("-3.5"), Some(-3_500_000));
        assert_eq!(parse_micros(".5"), Some(500_000));
        assert_eq!(parse_micros("0.0000005"), Some(1));
        assert_eq!(parse_micros("0.0000004"), Some(0));
        assert_eq!(parse_micros("1e3"), None);
        assert_eq!(parse_micros(""), None);
        assert_eq!(parse_micros("."), None);
    }

    #[test]
    fn a_step_keeps_a_bounded_error() {
        let long = "é".repeat(STEP_TEXT_CAP + 10);
        let row = Row {
            values: vec![
                ("id".into(), Some(Uuid::from_u128(1).to_string())),
                ("tool_name".into(), Some("fetch_url".into())),
                ("error".into(), Some(long)),
            ],
        };
        let step = StepRow::from_row(StepKind::Tool, &row).unwrap();
        let error = step.error.unwrap();
        assert_eq!(error.chars().count(), STEP_TEXT_CAP + 1);
        assert!(error.ends_with('…'));
        assert_eq!(capped(Some("short".into())).as_deref(), Some("short"));
    }

    #[test]
    fn times_parse_in_json_and_text_renderings() {
        let want = DateTime::parse_from_rfc3339("2026-11-14T02:08:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_time("2026-11-14T02:08:00.5+00:00"), Some(want));
        assert_eq!(parse_time("2026-11-14 02:08:00.5+00"), Some(want));
        assert_eq!(parse_time("2026-11-14 04:08:00.5+02"), Some(want));
        assert_eq!(parse_time("yesterday"), None);
    }
}
