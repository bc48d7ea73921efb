//! A resolved row written out: the row, the reference chain, the documents and the
//! content, as JSON (for scripts: `get --json`, `e` then `j`) or Markdown (for a ticket
//! or a chat: `e` then `m`). Both are built from the same [`Resolution`] the panes show.

use mongodb::bson::Bson;
use serde_json::{Value, json};

use crate::load::Load;
use crate::resolve::{HopState, Resolution};

/// A hop's state in words.
pub fn hop_state(state: &HopState) -> String {
    match state {
        HopState::Loading => "loading".into(),
        HopState::Resolved => "resolved".into(),
        HopState::NotFound => "not found (dangling)".into(),
        HopState::Empty => "empty (NULL)".into(),
        HopState::Invalid(why) => format!("invalid: {why}"),
        HopState::Failed(why) => format!("failed: {why}"),
        HopState::OtherTenant(owner) => format!("⚠ OTHER TENANT: {owner}"),
        HopState::OutsideScope(tenant) => format!("⚠ OUTSIDE TENANT {tenant}: not shown"),
    }
}

/// A hop as JSON: `{from, to, state}`, and for another tenant's target
/// `state: "other_tenant"` with its `tenant_id` and `tenant` ("Name (slug)").
fn hop_json(hop: &crate::resolve::Hop) -> Value {
    match &hop.state {
        HopState::OtherTenant(owner) => json!({
            "from": hop.from,
            "to": hop.to,
            "state": "other_tenant",
            "tenant_id": owner.tenant_id.to_string(),
            "tenant": owner.label,
        }),
        HopState::OutsideScope(tenant) => json!({
            "from": hop.from,
            "to": hop.to,
            "state": "outside_tenant",
            "scope": tenant,
        }),
        state => json!({ "from": hop.from, "to": hop.to, "state": hop_state(state) }),
    }
}

/// What was withheld (whose, never what it holds): `{title, tenant_id, tenant}`.
fn withheld_json(detail: &Resolution) -> Vec<Value> {
    detail
        .withheld
        .iter()
        .map(|w| {
            json!({
                "title": w.title,
                "tenant_id": w.owner.tenant_id.to_string(),
                "tenant": w.owner.label,
            })
        })
        .collect()
}

/// The content as text when it is UTF-8.
fn text(detail: &Resolution) -> Option<&str> {
    let content = detail.content.as_ref()?;
    std::str::from_utf8(&content.head.bytes).ok()
}

/// A column's value as JSON of its type: numbers, booleans and JSON as themselves, the
/// rest (text, uuid, timestamps) as strings.
fn typed(field: &crate::store::read::Field) -> Value {
    let Some(value) = field.value.as_deref() else {
        return Value::Null;
    };
    let numeric = ["integer", "bigint", "smallint", "double precision", "real"]
        .contains(&field.pg_type.as_str())
        || field.pg_type.starts_with("numeric");
    let parsed = match field.pg_type.as_str() {
        _ if numeric => serde_json::from_str::<Value>(value)
            .ok()
            .filter(Value::is_number),
        "boolean" => serde_json::from_str::<Value>(value)
            .ok()
            .filter(Value::is_boolean),
        "json" | "jsonb" => serde_json::from_str::<Value>(value).ok(),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(value.to_string()))
}

pub fn json(detail: &Resolution) -> Value {
    let row = match &detail.row {
        Load::Loaded(Some(fields)) => Value::Object(
            fields
                .iter()
                .map(|f| (f.column.clone(), typed(f)))
                .collect(),
        ),
        Load::Loaded(None) => Value::Null,
        Load::Failed(e) => json!({ "error": e }),
        _ => Value::Null,
    };
    let references: Vec<Value> = detail.hops.iter().map(hop_json).collect();
    let documents: Vec<Value> = detail
        .documents
        .iter()
        .map(|(title, d)| {
            json!({ "title": title, "document": Bson::Document(d.clone()).into_relaxed_extjson() })
        })
        .collect();
    let content = detail.content.as_ref().map(|c| {
        json!({
            "key": c.key,
            "size": c.head.meta.size,
            "content_type": c.head.meta.content_type,
            "etag": c.head.meta.etag,
            "last_modified": c.head.meta.last_modified,
            "bytes_read": c.head.bytes.len(),
            "truncated": c.truncated(),
            "text": text(detail),
        })
    });
    json!({
        "table": detail.table.name,
        "id": detail.id.to_string(),
        "row": row,
        "references": references,
        "documents": documents,
        "content": content,
        "withheld": withheld_json(detail),
    })
}

pub fn markdown(detail: &Resolution) -> String {
    let mut out = format!("# {}/{}\n\n## Row\n\n", detail.table.name, detail.id);
    match &detail.row {
        Load::Loaded(Some(fields)) => {
            out.push_str("| column | value |\n|---|---|\n");
            for f in fields {
                let value = f.value.as_deref().unwrap_or("NULL");
                let value: String = value.replace('|', "\\|").replace('\n', " ");
                out.push_str(&format!("| {} | {value} |\n", f.column));
            }
        }
        Load::Failed(e) => out.push_str(&format!("could not be read: {e}\n")),
        _ => out.push_str("no such row\n"),
    }
    if !detail.hops.is_empty() {
        out.push_str("\n## References\n\n");
        for h in &detail.hops {
            out.push_str(&format!(
                "- {} → {}: {}\n",
                h.from,
                h.to,
                hop_state(&h.state)
            ));
        }
    }
    if !detail.withheld.is_empty() {
        out.push_str("\n## Withheld: another tenant's data\n\n");
        for w in &detail.withheld {
            out.push_str(&format!(
                "- {} belongs to tenant {}: not included\n",
                w.title, w.owner
            ));
        }
    }
    for (title, d) in &detail.documents {
        let pretty =
            serde_json::to_string_pretty(&Bson::Document(d.clone()).into_relaxed_extjson())
                .unwrap_or_default();
        out.push_str(&format!(
            "\n## Document {title}\n\n```json\n{pretty}\n```\n"
        ));
    }
    if let Some(c) = &detail.content {
        out.push_str(&format!(
            "\n## Content s3 {} ({} bytes{})\n\n",
            c.key,
            c.head.meta.size,
            if c.truncated() {
                format!(", first {} here", c.head.bytes.len())
            } else {
                String::new()
            }
        ));
        match text(detail) {
            Some(text) if c.key.ends_with(".md") => out.push_str(text),
            Some(text) => out.push_str(&format!("```\n{text}\n```\n")),
            None => out.push_str("(binary: not included; s saves the object)\n"),
        }
    }
    out
}
