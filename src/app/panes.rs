//! The panes' keys: moving between them, scrolling, following a field's link.

use super::detail::Detail;
use super::keymap::Command;
use super::loader::Effect;
use super::results::{ResultLine, Results};
use super::{App, Focus, Pane};
use crate::schema::{self, Schema};

impl App {
    pub(super) fn cycle(&mut self, forward: bool) {
        let order = [
            (Focus::Tree, self.pane),
            (Focus::Pane, Pane::Row),
            (Focus::Pane, Pane::Document),
            (Focus::Pane, Pane::Content),
        ];
        let at = match self.focus {
            Focus::Tree => 0,
            Focus::Pane => 1 + self.pane.index(),
        };
        let next = if forward { (at + 1) % 4 } else { (at + 3) % 4 };
        self.focus = order[next].0;
        if next > 0 {
            self.pane = order[next].1;
        }
    }

    pub(super) fn pane_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page_rows.max(1);
        let pane = self.pane;
        if command == Command::Close {
            self.focus = Focus::Tree;
            return Vec::new();
        }
        let Some(detail) = self.detail.as_mut() else {
            return Vec::new();
        };
        let fields = detail.fields().len();
        let scroll = &mut detail.scroll[pane.index()];
        match (pane, command) {
            (Pane::Row, Command::Down) => {
                detail.field = (detail.field + 1).min(fields.saturating_sub(1))
            }
            (Pane::Row, Command::Up) => detail.field = detail.field.saturating_sub(1),
            (Pane::Row, Command::Top) => detail.field = 0,
            (Pane::Row, Command::Bottom) => detail.field = fields.saturating_sub(1),
            (Pane::Row, Command::PageDown) => {
                detail.field = (detail.field + page).min(fields.saturating_sub(1))
            }
            (Pane::Row, Command::PageUp) => detail.field = detail.field.saturating_sub(page),
            (Pane::Row, Command::Open) => return self.follow_link(),
            (Pane::Document, Command::Open) => {
                let lines = document_links(detail, self.tree.schema);
                let ticket = self.ticket();
                let mut results = Results::new(ticket, "Links in the documents".into());
                results.loading = false;
                results.lines = if lines.is_empty() {
                    vec![ResultLine::heading("no ids or keys in these documents")]
                } else {
                    lines
                };
                self.results = Some(results);
                return Vec::new();
            }
            (_, Command::Down) => *scroll += 1,
            (_, Command::Up) => *scroll = scroll.saturating_sub(1),
            (_, Command::Top) => *scroll = 0,
            (_, Command::Bottom) => *scroll = usize::MAX / 2,
            (_, Command::PageDown) => *scroll += page,
            (_, Command::PageUp) => *scroll = scroll.saturating_sub(page),
            (Pane::Content, Command::Open) => {
                if let Some(content) = detail.content.as_ref().filter(|c| c.truncated()) {
                    return vec![Effect::MoreContent {
                        ticket: detail.ticket,
                        key: content.key.clone(),
                        from: content.head.bytes.len() as u64,
                    }];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Enter on a field: a foreign key jumps to the row it names (`[` comes back); a
    /// reference column shows the document or object pane.
    pub(super) fn follow_link(&mut self) -> Vec<Effect> {
        let Some(detail) = self.detail.as_ref() else {
            return Vec::new();
        };
        let Some(field) = detail.fields().get(detail.field) else {
            return Vec::new();
        };
        if detail
            .table
            .references
            .iter()
            .any(|r| r.column() == field.column)
        {
            let pane = if matches!(
                detail
                    .table
                    .references
                    .iter()
                    .find(|r| r.column() == field.column),
                Some(schema::Reference::S3 { .. })
            ) {
                Pane::Content
            } else {
                Pane::Document
            };
            self.hop_to_pane(pane);
            return Vec::new();
        }
        let fk = detail
            .table
            .foreign_keys
            .iter()
            .find(|f| f.column == field.column);
        let (Some(fk), Some(value)) = (fk, field.value.as_deref()) else {
            self.notice = Some(format!("{} is not a link", field.column));
            return Vec::new();
        };
        let (Some(target), Ok(id)) = (
            self.tree.schema.table(fk.target),
            value.parse::<uuid::Uuid>(),
        ) else {
            self.notice = Some(format!("{} = {value} is not a row id", field.column));
            return Vec::new();
        };
        // Along a self-reference (parent of parent...), stay on the same column.
        let same_column = (target == detail.table).then_some(detail.field);
        let effects = self.jump(target, id);
        if let (Some(field), Some(detail)) = (same_column, self.detail.as_mut()) {
            detail.field = field;
        }
        effects
    }
}

/// Every value in the detail's documents that can be looked up: ObjectIds, UUID
/// strings and S3 keys (the fields the schema says hold them), each with its field path.
fn document_links(detail: &Detail, schema: &Schema) -> Vec<ResultLine> {
    use mongodb::bson::Bson;
    use uuid::Uuid;
    fn walk(value: &Bson, path: &str, key_field: Option<&str>, out: &mut Vec<ResultLine>) {
        match value {
            Bson::Document(d) => {
                for (k, v) in d {
                    let path = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &path, key_field, out);
                }
            }
            Bson::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{path}[{i}]"), key_field, out);
                }
            }
            Bson::ObjectId(id) if path != "_id" => out.push(ResultLine::clue(
                format!("{path}: ObjectId {id}"),
                id.to_hex(),
            )),
            Bson::String(s) if Uuid::parse_str(s).is_ok() => {
                out.push(ResultLine::clue(format!("{path}: {s}"), s.clone()))
            }
            Bson::String(s) if Some(path) == key_field => {
                out.push(ResultLine::clue(format!("{path}: s3 {s}"), s.clone()))
            }
            Bson::Binary(b) if b.subtype == mongodb::bson::spec::BinarySubtype::Uuid => {
                if let Ok(id) = Uuid::from_slice(&b.bytes) {
                    out.push(ResultLine::clue(
                        format!("{path}: UUID {id}"),
                        id.to_string(),
                    ));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (title, document) in &detail.documents {
        let collection = title.split('/').next().unwrap_or_default();
        let key_field = schema.collection(collection).and_then(|c| c.s3_key_field);
        out.push(ResultLine::heading(title.clone()));
        walk(&Bson::Document(document.clone()), "", key_field, &mut out);
    }
    out
}
