//! What changed between two documents (keys added, removed and changed, with their
//! paths) and between two texts (a line diff, by `similar`). Pure.

use mongodb::bson::{Bson, Document};
use serde::Serialize;
use serde_json::Value;
use std::time::{Duration, Instant};

use similar::{ChangeTag, TextDiff};

/// How a path differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

/// One difference between two documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocChange {
    /// `request.query`, `response.body.results[2].title`, `headers["user-agent"]`.
    pub path: String,
    pub change: Change,
    /// The value in the first document (None when added).
    pub a: Option<Value>,
    /// The value in the second document (None when removed).
    pub b: Option<Value>,
}

/// `key` appended to `path`: `.key` when it is a plain name, `["key"]` otherwise.
fn child_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    match (plain, path.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

/// Every path where `a` and `b` differ, depth first, keys in the first document's
/// order then the keys only the second has. Objects are compared key by key (order
/// ignored), arrays index by index (the extra items of the longer one are added or
/// removed); anything else that differs, a different type included, is changed.
pub fn json_diff(a: &Value, b: &Value) -> Vec<DocChange> {
    let mut out = Vec::new();
    walk("", a, b, &mut out);
    out
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<DocChange>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, va) in a {
                let p = child_path(path, key);
                match b.get(key) {
                    Some(vb) => walk(&p, va, vb, out),
                    None => out.push(DocChange {
                        path: p,
                        change: Change::Removed,
                        a: Some(va.clone()),
                        b: None,
                    }),
                }
            }
            for (key, vb) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                out.push(DocChange {
                    path: child_path(path, key),
                    change: Change::Added,
                    a: None,
                    b: Some(vb.clone()),
                });
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let p = format!("{path}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(va), Some(vb)) => walk(&p, va, vb, out),
                    (Some(va), None) => out.push(DocChange {
                        path: p,
                        change: Change::Removed,
                        a: Some(va.clone()),
                        b: None,
                    }),
                    (None, Some(vb)) => out.push(DocChange {
                        path: p,
                        change: Change::Added,
                        a: None,
                        b: Some(vb.clone()),
                    }),
                    (None, None) => {}
                }
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(DocChange {
            path: path.to_string(),
            change: Change::Changed,
            a: Some(a.clone()),
            b: Some(b.clone()),
        }),
    }
}

/// [`json_diff`] of two BSON documents, as relaxed extended JSON (so a date compares as
/// `{"$date": …}` and binary as `{"$binary": …}`, every type kept apart).
pub fn bson_diff(a: &Document, b: &Document) -> Vec<DocChange> {
    json_diff(
        &Bson::Document(a.clone()).into_relaxed_extjson(),
        &Bson::Document(b.clone()).into_relaxed_extjson(),
    )
}

/// What a tool call asked and got, from its log document: `request`, `response` and
/// `error`, without the ids and times that differ between any two calls.
pub fn tool_exchange(log: &Document) -> Document {
    let mut out = Document::new();
    for field in ["request", "response", "error"] {
        if let Some(value) = log.get(field) {
            out.insert(field, value.clone());
        }
    }
    out
}

/// One line of a line diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineChange {
    /// `equal`, `delete` or `insert`.
    pub tag: &'static str,
    /// 1-based line number in the first text (None for an inserted line).
    pub old: Option<usize>,
    /// 1-based line number in the second text (None for a deleted line).
    pub new: Option<usize>,
    /// The line without its line break.
    pub text: String,
}

/// The lines of `a` and `b` as a diff: equal, deleted (only in `a`) and inserted (only in
/// `b`), in order.
pub fn line_diff(a: &str, b: &str) -> Vec<LineChange> {
    changes(&TextDiff::from_lines(a, b))
}

/// [`line_diff`] giving up the search for the shortest diff after `budget`, and whether
/// it did (the diff is still right, only perhaps longer than it could be).
pub fn line_diff_within(a: &str, b: &str, budget: Duration) -> (Vec<LineChange>, bool) {
    let deadline = Instant::now() + budget;
    let diff = TextDiff::configure().deadline(deadline).diff_lines(a, b);
    let cut_short = Instant::now() > deadline;
    (changes(&diff), cut_short)
}

fn changes<'a>(diff: &TextDiff<'a, 'a, 'a, str>) -> Vec<LineChange> {
    diff.iter_all_changes()
        .map(|change| LineChange {
            tag: match change.tag() {
                ChangeTag::Equal => "equal",
                ChangeTag::Delete => "delete",
                ChangeTag::Insert => "insert",
            },
            old: change.old_index().map(|i| i + 1),
            new: change.new_index().map(|i| i + 1),
            text: change
                .value()
                .trim_end_matches('\n')
                .trim_end_matches('\r')
                .to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;
    use serde_json::json;

    fn paths(changes: &[DocChange]) -> Vec<(String, Change)> {
        changes.iter().map(|c| (c.path.clone(), c.change)).collect()
    }

    #[test]
    fn keys_added_removed_and_changed_with_their_paths() {
        let a = json!({
            "query": "crm pricing",
            "numResults": 10,
            "headers": {"user-agent": "a/1", "accept": "*/*"},
            "tags": ["x", "y", "z"],
            "same": {"deep": [1, {"k": true}]},
        });
        let b = json!({
            "query": "crm pricing 2026",
            "numResults": "10",
            "headers": {"user-agent": "a/1"},
            "tags": ["x", "w"],
            "same": {"deep": [1, {"k": true}]},
            "locale": 3,
        });
        let changes = json_diff(&a, &b);
        assert_eq!(
            paths(&changes),
            [
                ("query".to_string(), Change::Changed),
                ("numResults".to_string(), Change::Changed),
                ("headers.accept".to_string(), Change::Removed),
                ("tags[1]".to_string(), Change::Changed),
                ("tags[2]".to_string(), Change::Removed),
                ("locale".to_string(), Change::Added),
            ]
        );
        assert_eq!(changes[0].a, Some(json!("crm pricing")));
        assert_eq!(changes[0].b, Some(json!("crm pricing 2026")));
        assert_eq!(changes[5].a, None);
        assert_eq!(changes[5].b, Some(json!(3)));
        assert!(json_diff(&a, &a).is_empty());
    }

    #[test]
    fn keys_that_are_not_names_are_quoted() {
        let changes = json_diff(
            &json!({"h": {"user-agent": 1, "a.b": 1, "2x": 1}}),
            &json!({"h": {}}),
        );
        assert_eq!(
            changes.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(),
            [r#"h["user-agent"]"#, r#"h["a.b"]"#, r#"h["2x"]"#]
        );
        // A change at the root has the empty path.
        assert_eq!(json_diff(&json!(1), &json!(2))[0].path, "");
    }

    #[test]
    fn bson_types_stay_apart() {
        let a = doc! { "n": 1_i32, "at": mongodb::bson::DateTime::from_millis(0) };
        let b = doc! { "n": 1_i64, "at": mongodb::bson::DateTime::from_millis(1) };
        // Relaxed extended JSON writes both numbers as 1; the date differs.
        let changes = bson_diff(&a, &b);
        assert_eq!(paths(&changes), [("at.$date".to_string(), Change::Changed)]);
    }

    #[test]
    fn the_exchange_keeps_request_response_and_error() {
        let log = doc! {
            "_id": 1, "toolCallId": "x", "request": { "q": 1 },
            "response": { "status": 200 }, "durationMs": 5, "error": null,
        };
        assert_eq!(
            tool_exchange(&log),
            doc! { "request": { "q": 1 }, "response": { "status": 200 }, "error": null }
        );
    }

    #[test]
    fn line_diff_numbers_both_sides() {
        let lines = line_diff("a\nb\nc\n", "a\nB\nc\nd");
        let shape: Vec<(&str, Option<usize>, Option<usize>, &str)> = lines
            .iter()
            .map(|l| (l.tag, l.old, l.new, l.text.as_str()))
            .collect();
        assert_eq!(
            shape,
            [
                ("equal", Some(1), Some(1), "a"),
                ("delete", Some(2), None, "b"),
                ("insert", None, Some(2), "B"),
                ("equal", Some(3), Some(3), "c"),
                ("insert", None, Some(4), "d"),
            ]
        );
        assert!(line_diff("", "").is_empty());
    }
}
