//! Where generated data collects before it is written: PostgreSQL rows already encoded
//! for `COPY ... FROM STDIN` (text format), MongoDB documents and S3 objects. The
//! generator hands a full [`Batch`] to the writers whenever enough has piled up, so
//! memory stays bounded however large the data set.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use mongodb::bson::Document;
use uuid::Uuid;

use crate::schema::{TABLES, insert_order};

/// One PostgreSQL value.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Uuid(Uuid),
    Text(String),
    Int(i64),
    /// A numeric written exactly as given (costs, scores).
    Numeric(String),
    Bool(bool),
    Timestamp(DateTime<Utc>),
    Date(NaiveDate),
    Json(serde_json::Value),
    TextArray(Vec<String>),
}

impl From<Uuid> for Value {
    fn from(v: Uuid) -> Self {
        Value::Uuid(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Value::Timestamp(v)
    }
}
impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Value::Date(v)
    }
}
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        Value::Json(v)
    }
}
impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Self {
        Value::TextArray(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Rows of one table in COPY text format.
#[derive(Debug, Default)]
pub struct TableRows {
    pub table: &'static str,
    pub columns: Vec<&'static str>,
    pub data: String,
    pub rows: u64,
    /// In field mode (for snapshots): each row as (column, JSON text, type), no COPY data.
    pub fields: Option<Vec<Vec<crate::store::read::RawField>>>,
}

impl TableRows {
    fn push(&mut self, row: &[(&'static str, Value)]) {
        if self.columns.is_empty() {
            self.columns = row.iter().map(|(c, _)| *c).collect();
        }
        debug_assert!(
            row.iter().map(|(c, _)| *c).eq(self.columns.iter().copied()),
            "{}: every row must name the same columns in the same order",
            self.table
        );
        self.rows += 1;
        if let Some(rows) = &mut self.fields {
            rows.push(
                row.iter()
                    .map(|(column, value)| {
                        let (text, pg_type) = json_text(value);
                        (column.to_string(), text, pg_type.to_string())
                    })
                    .collect(),
            );
            return;
        }
        for (i, (_, value)) in row.iter().enumerate() {
            if i > 0 {
                self.data.push('\t');
            }
            encode(&mut self.data, value);
        }
        self.data.push('\n');
    }

    /// The COPY statement that loads these rows.
    pub fn copy_statement(&self) -> String {
        format!(
            "COPY {} ({}) FROM STDIN WITH (FORMAT text)",
            self.table,
            self.columns.join(", ")
        )
    }
}

/// Appends `value` in COPY text format.
fn encode(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("\\N"),
        Value::Uuid(v) => write!(out, "{v}").expect("writing to a String"),
        Value::Text(v) => escape_into(out, v),
        Value::Int(v) => write!(out, "{v}").expect("writing to a String"),
        Value::Numeric(v) => out.push_str(v),
        Value::Bool(v) => out.push(if *v { 't' } else { 'f' }),
        Value::Timestamp(v) => {
            out.push_str(&v.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        }
        Value::Date(v) => write!(out, "{v}").expect("writing to a String"),
        Value::Json(v) => escape_into(out, &v.to_string()),
        Value::TextArray(items) => {
            let mut literal = String::from("{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    literal.push(',');
                }
                literal.push('"');
                for c in item.chars() {
                    if c == '"' || c == '\\' {
                        literal.push('\\');
                    }
                    literal.push(c);
                }
                literal.push('"');
            }
            literal.push('}');
            escape_into(out, &literal);
        }
    }
}

/// `value` as PostgreSQL's `json_each_text(row_to_json(..))` renders it, and its type.
fn json_text(value: &Value) -> (Option<String>, &'static str) {
    match value {
        Value::Null => (None, "unknown"),
        Value::Uuid(v) => (Some(v.to_string()), "uuid"),
        Value::Text(v) => (Some(v.clone()), "text"),
        Value::Int(v) => (Some(v.to_string()), "bigint"),
        Value::Numeric(v) => (Some(v.clone()), "numeric"),
        Value::Bool(v) => (Some(v.to_string()), "boolean"),
        Value::Timestamp(v) => {
            let micros = v.timestamp_subsec_micros();
            let mut text = v.format("%Y-%m-%dT%H:%M:%S").to_string();
            if micros > 0 {
                let fraction = format!(".{micros:06}");
                text.push_str(fraction.trim_end_matches('0'));
            }
            text.push_str("+00:00");
            (Some(text), "timestamp with time zone")
        }
        Value::Date(v) => (Some(v.to_string()), "date"),
        Value::Json(v) => (Some(v.to_string()), "jsonb"),
        Value::TextArray(v) => (Some(serde_json::json!(v).to_string()), "text[]"),
    }
}

/// COPY text format escapes backslash and the delimiters.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// An S3 object to put.
#[derive(Debug, Clone)]
pub struct Object {
    pub key: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Everything generated since the last flush.
#[derive(Debug, Default)]
pub struct Batch {
    /// Tables in insert order (parents first), only those with rows.
    pub tables: Vec<TableRows>,
    /// (collection, documents)
    pub documents: Vec<(&'static str, Vec<Document>)>,
    pub objects: Vec<Object>,
}

impl Batch {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    pub fn document_count(&self) -> u64 {
        self.documents.iter().map(|(_, d)| d.len() as u64).sum()
    }
}

/// Collects rows, documents and objects; `take` empties it into a [`Batch`].
#[derive(Debug)]
pub struct Sink {
    tables: Vec<TableRows>,
    documents: Vec<(&'static str, Vec<Document>)>,
    objects: Vec<Object>,
    pending_bytes: usize,
}

impl Default for Sink {
    fn default() -> Self {
        Sink::new(false)
    }
}

impl Sink {
    /// A sink that keeps rows as fields (for a snapshot) instead of COPY text.
    pub fn new(as_fields: bool) -> Sink {
        Sink {
            tables: TABLES
                .iter()
                .map(|t| TableRows {
                    table: t.name,
                    fields: as_fields.then(Vec::new),
                    ..TableRows::default()
                })
                .collect(),
            documents: Vec::new(),
            objects: Vec::new(),
            pending_bytes: 0,
        }
    }

    /// Adds a row to `table`; every row of a table names the same columns in the same order.
    pub fn row(&mut self, table: &'static str, row: &[(&'static str, Value)]) {
        let index =
            insert_order(table).unwrap_or_else(|| panic!("generator names unknown table {table}"));
        let rows = &mut self.tables[index];
        let before = rows.data.len();
        rows.push(row);
        // Field mode keeps no COPY text: count a row as 200 bytes.
        self.pending_bytes += if rows.fields.is_some() {
            200
        } else {
            rows.data.len() - before
        };
    }

    pub fn document(&mut self, collection: &'static str, document: Document) {
        self.pending_bytes += 256;
        match self.documents.iter_mut().find(|(c, _)| *c == collection) {
            Some((_, docs)) => docs.push(document),
            None => self.documents.push((collection, vec![document])),
        }
    }

    pub fn object(&mut self, object: Object) {
        self.pending_bytes += object.bytes.len();
        self.objects.push(object);
    }

    /// Bytes generated since the last [`Sink::take`] (roughly: documents count 256 each).
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    pub fn take(&mut self) -> Batch {
        let tables = self
            .tables
            .iter_mut()
            .filter(|t| t.rows > 0)
            .map(|t| TableRows {
                table: t.table,
                columns: std::mem::take(&mut t.columns),
                data: std::mem::take(&mut t.data),
                rows: std::mem::take(&mut t.rows),
                fields: t.fields.as_mut().map(std::mem::take),
            })
            .collect();
        self.pending_bytes = 0;
        Batch {
            tables,
            documents: std::mem::take(&mut self.documents),
            objects: std::mem::take(&mut self.objects),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_delimiters_and_arrays() {
        let mut out = String::new();
        encode(&mut out, &Value::Text("a\tb\nc\\d".into()));
        assert_eq!(out, "a\\tb\\nc\\\\d");
        out.clear();
        encode(
            &mut out,
            &Value::TextArray(vec!["x \"y\"".into(), "z\\".into()]),
        );
        assert_eq!(out, "{\"x \\\\\"y\\\\\"\",\"z\\\\\\\\\"}");
        out.clear();
        encode(&mut out, &Value::from(None::<String>));
        assert_eq!(out, "\\N");
    }

    #[test]
    fn take_keeps_insert_order_and_resets() {
        let mut sink = Sink::default();
        sink.row("goals", &[("id", Value::Int(1))]);
        sink.row("tenants", &[("id", Value::Int(2))]);
        let batch = sink.take();
        let names: Vec<_> = batch.tables.iter().map(|t| t.table).collect();
        assert_eq!(names, ["tenants", "goals"]);
        assert_eq!(batch.rows(), 2);
        assert_eq!(sink.take().rows(), 0);
    }
}
