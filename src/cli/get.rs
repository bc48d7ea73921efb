//! `tenantscope get ID` and `tenantscope path ID`: the explorer's jump, for scripts.
//! Same stores, same settings, same lookups and resolution as the TUI; plain text by
//! default (control characters from the data shown as visible stand-ins), JSON with
//! `--json`. Exit 0 when found, 1 when not found, 2 on errors (a store that failed a
//! lookup included: the answer would be incomplete).

use std::process::ExitCode;

use anyhow::Context;
use mongodb::bson::Bson;
use serde_json::{Value, json};

use crate::export::hop_state;
use crate::find::{Clue, Found, Place, Step, ancestry, find};
use crate::resolve::{CONTENT_CHUNK, HopState, resolve_all};
use crate::store::source::Source;
use crate::text::{clean_block, clean_line};

/// Prints a line; a reader that went away (`| head`) ends the output quietly instead of
/// a panic, as `check` and `tree` do.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Not found: exit status 1, with where it looked.
fn not_found(text: &str, found: &Found) -> ExitCode {
    eprintln!("tenantscope: {}", found.not_found_message(text));
    ExitCode::from(1)
}

async fn locate(source: &Source, text: &str) -> anyhow::Result<Found> {
    let clue = Clue::parse(text).context("an empty id")?;
    let found = find(source, &clue).await;
    if found.is_empty() && !found.errors.is_empty() {
        anyhow::bail!("{}", found.not_found_message(text));
    }
    Ok(found)
}

/// `get`: the row (or the row pointing at the document or object) with every
/// reference resolved; `content` adds the object's text.
pub async fn get(
    source: Source,
    text: &str,
    as_json: bool,
    content: bool,
) -> anyhow::Result<ExitCode> {
    let found = locate(&source, text).await?;
    let Some((table, id)) = found.row() else {
        // A document or object nothing points at: say what it is.
        if found.is_empty() {
            return Ok(not_found(text, &found));
        }
        let places: Vec<String> = found.places.iter().map(Place::to_string).collect();
        if as_json {
            out!("{}", json!({ "found": places, "row": Value::Null }));
        } else {
            for place in places {
                out!("{}", clean_line(&place, usize::MAX));
            }
            out!("(no row points at it)");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let mut detail = resolve_all(&source, table, id).await;
    if content
        && let Some(c) = detail.content.as_mut()
        && c.truncated()
    {
        let mut from = c.head.bytes.len() as u64;
        while from < c.head.meta.size {
            let bytes = source.object_range(&c.key, from, 8 * CONTENT_CHUNK).await?;
            if bytes.is_empty() {
                break;
            }
            from += bytes.len() as u64;
            c.head.bytes.extend_from_slice(&bytes);
        }
    }
    // A hop that failed (a store erred or timed out) makes the answer incomplete: exit 2.
    let failed = detail
        .hops
        .iter()
        .any(|h| matches!(h.state, HopState::Failed(_)));
    let code = if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    };
    if as_json {
        let mut value = crate::export::json(&detail);
        if !content && let Some(c) = value.get_mut("content").and_then(Value::as_object_mut) {
            c.remove("text");
        }
        value["found"] = json!(
            found
                .places
                .iter()
                .map(Place::to_string)
                .collect::<Vec<_>>()
        );
        out!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(code);
    }
    out!("{}/{}", table.name, id);
    for field in detail.fields() {
        out!(
            "  {:<24} {}",
            field.column,
            clean_line(field.value.as_deref().unwrap_or("NULL"), usize::MAX)
        );
    }
    for hop in &detail.hops {
        out!(
            "{} → {}: {}",
            hop.from,
            clean_line(&hop.to, usize::MAX),
            hop_state(&hop.state)
        );
    }
    for withheld in &detail.withheld {
        out!(
            "withheld {}: belongs to tenant {} (another tenant's data is not printed)",
            clean_line(&withheld.title, usize::MAX),
            clean_line(&withheld.owner.to_string(), usize::MAX)
        );
    }
    for (title, document) in &detail.documents {
        let pretty =
            serde_json::to_string_pretty(&Bson::Document(document.clone()).into_relaxed_extjson())?;
        out!("document {title}\n{pretty}");
    }
    if let Some(c) = &detail.content {
        out!(
            "object {} ({} bytes, {})",
            clean_line(&c.key, usize::MAX),
            c.head.meta.size,
            c.head
                .meta
                .content_type
                .as_deref()
                .unwrap_or("no content type")
        );
        if content {
            match std::str::from_utf8(&c.head.bytes) {
                Ok(text) => out!("{}", clean_block(text)),
                Err(_) => out!("(binary content not printed)"),
            }
        }
    }
    Ok(code)
}

fn step_json(step: &Step) -> Value {
    json!({
        "table": step.table.name,
        "id": step.item.id.to_string(),
        "label": step.item.label,
        "status": step.item.status,
        "via": step.via.map(|fk| fk.column),
    })
}

/// `path`: the ancestry of the row the id names, tenant first, one line per level.
pub async fn path(source: Source, text: &str, as_json: bool) -> anyhow::Result<ExitCode> {
    let found = locate(&source, text).await?;
    let Some((table, id)) = found.row() else {
        return Ok(not_found(text, &found));
    };
    let steps = ancestry(&source, table, id).await?;
    for step in &steps {
        crate::audit::record("show", &format!("{}/{}", step.table.name, step.item.id));
    }
    if as_json {
        let steps: Vec<Value> = steps.iter().map(step_json).collect();
        out!("{}", serde_json::to_string_pretty(&steps)?);
    } else {
        for (depth, step) in steps.iter().enumerate() {
            out!(
                "{}{}/{} {}{}",
                "  ".repeat(depth),
                step.table.name,
                step.item.id,
                clean_line(&step.item.label, usize::MAX),
                step.item
                    .status
                    .as_deref()
                    .map(|s| format!(" [{}]", clean_line(s, usize::MAX)))
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
