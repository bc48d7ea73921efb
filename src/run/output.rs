//! What a run wrote: the activity output a run produced, reached as the explorer reaches
//! any output (activity row → `activity_outputs` document → S3 object), and the line diff
//! of two runs' outputs.
//!
//! An activity keeps one `output_ref`, but each run that succeeds may write a version of
//! the output. A run's output is the activity's `activity_outputs` document created
//! while the run ran (`createdAt` between its start and its end, both included): the
//! one `output_ref` names when it fits (an `_id` lookup), else the latest of the
//! activity's output documents (by `activityId`, at most [`VERSIONS`]) that does.

use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, oid::ObjectId};

use super::RunInfo;
use super::diff::{LineChange, line_diff_within};
use crate::store::source::Source;

/// At most this many output documents of an activity are read to find a run's.
pub const VERSIONS: i64 = 50;

/// At most this many bytes of an output are compared.
pub const OUTPUT_BYTES: u64 = 1 << 20;

/// One run's output: which document and object, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// `activity_outputs/{id}`.
    pub document: String,
    pub key: String,
    pub version: Option<i64>,
    /// The content as text (JSON pretty-printed, so a line diff lines up its fields).
    pub text: String,
    /// Only the first [`OUTPUT_BYTES`] were read.
    pub truncated: bool,
}

impl RunOutput {
    /// `activity_outputs/… (v2)`.
    pub fn label(&self) -> String {
        match self.version {
            Some(v) => format!("{} (v{v})", self.document),
            None => self.document.clone(),
        }
    }
}

/// The line diff of two runs' outputs.
#[derive(Debug, Clone)]
pub struct OutputDiff {
    pub a: RunOutput,
    pub b: RunOutput,
    pub lines: Vec<LineChange>,
    /// The diff ran out of its time budget (it may show more changed lines than needed).
    pub cut_short: bool,
}

impl OutputDiff {
    /// Lines only in a, only in b.
    pub fn counts(&self) -> (usize, usize) {
        let count = |tag| self.lines.iter().filter(|l| l.tag == tag).count();
        (count("delete"), count("insert"))
    }
}

fn created_at(doc: &Document) -> Option<DateTime<Utc>> {
    doc.get_datetime("createdAt")
        .ok()
        .and_then(|d| DateTime::<Utc>::from_timestamp_millis(d.timestamp_millis()))
}

/// The run's span on the clock: start to end (or to `now` while it runs).
fn span(run: &RunInfo, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = run.started_at?;
    let end = run
        .finished_at
        .or_else(|| {
            run.duration_ms
                .map(|ms| start + chrono::Duration::milliseconds(ms))
        })
        .unwrap_or(now);
    Some((start, end))
}

fn name(run: &RunInfo) -> String {
    match run.run_number {
        Some(n) => format!("run #{n}"),
        None => format!("activity_runs/{}", run.id),
    }
}

/// The output document run `run` wrote: Ok(Err(why)) when it wrote none (not a store
/// failure), Err when a store failed.
pub async fn output_document(
    source: &Source,
    run: &RunInfo,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Document, String>> {
    let Some(activity) = run.activity_id else {
        return Ok(Err(format!("{} has no activity", name(run))));
    };
    let Some((start, end)) = span(run, now) else {
        return Ok(Err(format!("{} has no start time", name(run))));
    };
    let during = |doc: &Document| created_at(doc).is_some_and(|at| start <= at && at <= end);
    // The activity's output_ref first: one _id lookup.
    let output_ref = match source.schema().table("activities") {
        Some(table) => source.row(table, activity).await?.and_then(|fields| {
            fields
                .into_iter()
                .find(|f| f.column == "output_ref")
                .and_then(|f| f.value)
        }),
        None => None,
    };
    if let Some(oid) = output_ref.and_then(|r| ObjectId::parse_str(&r).ok())
        && let Some(doc) = source.document("activity_outputs", oid).await?
        && during(&doc)
    {
        return Ok(Ok(doc));
    }
    let versions = source
        .documents_where(
            "activity_outputs",
            "activityId",
            Bson::String(activity.to_string()),
            VERSIONS,
        )
        .await?;
    Ok(versions
        .into_iter()
        .filter(|d| during(d))
        .max_by_key(created_at)
        .ok_or_else(|| {
            format!(
                "{} wrote no output: no activity_outputs document of activities/{activity} \
                 was created while it ran",
                name(run)
            )
        }))
}

/// The output run `run` wrote, with its content (see [`output_document`]).
pub async fn run_output(
    source: &Source,
    run: &RunInfo,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<RunOutput, String>> {
    let doc = match output_document(source, run, now).await? {
        Ok(doc) => doc,
        Err(why) => return Ok(Err(why)),
    };
    let document = match doc.get_object_id("_id") {
        Ok(id) => format!("activity_outputs/{}", id.to_hex()),
        Err(_) => "activity_outputs/?".to_string(),
    };
    let Ok(key) = doc.get_str("s3Key") else {
        return Ok(Err(format!("{document} has no s3Key")));
    };
    let Some(head) = source.object_head(key, OUTPUT_BYTES).await? else {
        return Ok(Err(format!("{document}: its object {key} is missing")));
    };
    let truncated = (head.bytes.len() as u64) < head.meta.size;
    let json = doc.get_str("kind").ok() == Some("json")
        || head
            .meta
            .content_type
            .as_deref()
            .is_some_and(|t| t.contains("json"));
    let text = match serde_json::from_slice::<serde_json::Value>(&head.bytes) {
        Ok(value) if json && !truncated => {
            serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
        }
        _ => String::from_utf8_lossy(&head.bytes).into_owned(),
    };
    let version = doc
        .get("version")
        .and_then(|v| v.as_i64().or_else(|| v.as_i32().map(i64::from)));
    Ok(Ok(RunOutput {
        document,
        key: key.to_string(),
        version,
        text,
        truncated,
    }))
}

/// How long a line diff of two outputs may take.
pub const DIFF_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// The line diff of two outputs (pure; may take a while on large ones: call it off the
/// UI thread).
pub fn diff_outputs(a: RunOutput, b: RunOutput) -> OutputDiff {
    let (lines, cut_short) = line_diff_within(&a.text, &b.text, DIFF_BUDGET);
    OutputDiff {
        a,
        b,
        lines,
        cut_short,
    }
}

/// The lines of a diff worth showing: every changed line with `context` equal lines
/// around it; None stands for a run of equal lines left out.
pub fn hunks(lines: &[LineChange], context: usize) -> Vec<Option<&LineChange>> {
    let changed: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].tag != "equal")
        .collect();
    let keep = |i: usize| {
        let at = changed.partition_point(|&c| c + context < i);
        changed.get(at).is_some_and(|&c| c <= i + context)
    };
    let mut out = Vec::new();
    let mut skipped = false;
    for (i, line) in lines.iter().enumerate() {
        if keep(i) {
            if skipped {
                out.push(None);
                skipped = false;
            }
            out.push(Some(line));
        } else {
            skipped = true;
        }
    }
    if skipped && !out.is_empty() {
        out.push(None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::diff::line_diff;

    #[test]
    fn hunks_keep_the_changes_and_their_context() {
        let a: String = (1..=20).map(|n| format!("line {n}\n")).collect();
        let b = a
            .replace("line 5\n", "line five\n")
            .replace("line 18\n", "");
        let lines = line_diff(&a, &b);
        let shown: Vec<Option<(&str, &str)>> = hunks(&lines, 1)
            .into_iter()
            .map(|l| l.map(|l| (l.tag, l.text.as_str())))
            .collect();
        assert_eq!(
            shown,
            [
                None,
                Some(("equal", "line 4")),
                Some(("delete", "line 5")),
                Some(("insert", "line five")),
                Some(("equal", "line 6")),
                None,
                Some(("equal", "line 17")),
                Some(("delete", "line 18")),
                Some(("equal", "line 19")),
                None,
            ]
        );
        assert!(hunks(&line_diff(&a, &a), 2).is_empty());
    }
}
