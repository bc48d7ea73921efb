//! A MongoDB document as coloured, indented lines, every BSON type shown as what it is
//! (ObjectId, ISODate, NumberDecimal, BinData, ...), not flattened to JSON.

use mongodb::bson::{Bson, Document, spec::BinarySubtype};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::text::clean_line;

/// Longest string shown whole; longer ones are cut with their length said.
const MAX_STRING: usize = 2_000;

pub fn render(document: &Document) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from("{")];
    fields(document, 1, &mut lines);
    lines.push(Line::from("}"));
    lines
}

fn fields(document: &Document, depth: usize, lines: &mut Vec<Line<'static>>) {
    let count = document.len();
    for (i, (key, value)) in document.iter().enumerate() {
        let prefix = vec![
            Span::raw("  ".repeat(depth)),
            Span::styled(
                format!("{}: ", clean_line(key, 80)),
                Style::new().fg(Color::Cyan),
            ),
        ];
        value_lines(value, depth, prefix, i + 1 < count, lines);
    }
}

fn value_lines(
    value: &Bson,
    depth: usize,
    mut prefix: Vec<Span<'static>>,
    comma: bool,
    lines: &mut Vec<Line<'static>>,
) {
    let tail = if comma { "," } else { "" };
    match value {
        Bson::Document(d) => {
            prefix.push(Span::raw("{"));
            lines.push(Line::from(prefix));
            fields(d, depth + 1, lines);
            lines.push(Line::from(format!("{}}}{tail}", "  ".repeat(depth))));
        }
        Bson::Array(items) => {
            prefix.push(Span::raw("["));
            lines.push(Line::from(prefix));
            for (i, item) in items.iter().enumerate() {
                value_lines(
                    item,
                    depth + 1,
                    vec![Span::raw("  ".repeat(depth + 1))],
                    i + 1 < items.len(),
                    lines,
                );
            }
            lines.push(Line::from(format!("{}]{tail}", "  ".repeat(depth))));
        }
        scalar => {
            prefix.push(scalar_span(scalar));
            prefix.push(Span::raw(tail));
            lines.push(Line::from(prefix));
        }
    }
}

/// One scalar BSON value, typed and coloured.
pub fn scalar_span(value: &Bson) -> Span<'static> {
    let (text, color) = match value {
        Bson::String(s) => {
            let shown = clean_line(s, MAX_STRING);
            let note = if s.chars().count() > MAX_STRING {
                format!(" ({} chars)", s.chars().count())
            } else {
                String::new()
            };
            (format!("\"{shown}\"{note}"), Color::Green)
        }
        Bson::ObjectId(id) => (format!("ObjectId(\"{id}\")"), Color::Magenta),
        Bson::DateTime(d) => (
            format!(
                "ISODate(\"{}\")",
                d.try_to_rfc3339_string()
                    .unwrap_or_else(|_| d.timestamp_millis().to_string())
            ),
            Color::Magenta,
        ),
        Bson::Decimal128(d) => (format!("NumberDecimal(\"{d}\")"), Color::Yellow),
        Bson::Int32(n) => (format!("{n}"), Color::Yellow),
        Bson::Int64(n) => (format!("NumberLong({n})"), Color::Yellow),
        Bson::Double(n) => (format!("{n:?}"), Color::Yellow),
        Bson::Boolean(b) => (b.to_string(), Color::Yellow),
        Bson::Null => ("null".to_string(), Color::DarkGray),
        Bson::Undefined => ("undefined".to_string(), Color::DarkGray),
        Bson::Binary(b) => {
            let subtype = match b.subtype {
                BinarySubtype::Generic => "generic".to_string(),
                BinarySubtype::Uuid | BinarySubtype::UuidOld => "uuid".to_string(),
                BinarySubtype::Md5 => "md5".to_string(),
                other => format!("{:?}", u8::from(other)),
            };
            let hex: String = b
                .bytes
                .iter()
                .take(16)
                .map(|x| format!("{x:02x}"))
                .collect();
            let more = if b.bytes.len() > 16 { "…" } else { "" };
            (
                format!("BinData({subtype}, {} bytes, {hex}{more})", b.bytes.len()),
                Color::Magenta,
            )
        }
        Bson::Timestamp(t) => (
            format!("Timestamp({}, {})", t.time, t.increment),
            Color::Magenta,
        ),
        Bson::RegularExpression(r) => (
            format!("/{}/{}", clean_line(&r.pattern, 200), r.options),
            Color::Red,
        ),
        Bson::JavaScriptCode(c) => (format!("Code({})", clean_line(c, 200)), Color::Red),
        Bson::JavaScriptCodeWithScope(c) => {
            (format!("Code({})", clean_line(&c.code, 200)), Color::Red)
        }
        Bson::Symbol(s) => (format!("Symbol({})", clean_line(s, 200)), Color::Red),
        Bson::MaxKey => ("MaxKey".to_string(), Color::DarkGray),
        Bson::MinKey => ("MinKey".to_string(), Color::DarkGray),
        Bson::DbPointer(_) => ("DBPointer(…)".to_string(), Color::DarkGray),
        Bson::Document(_) | Bson::Array(_) => ("…".to_string(), Color::Reset),
    };
    Span::styled(text, Style::new().fg(color).add_modifier(Modifier::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::{Binary, Decimal128, doc, oid::ObjectId};

    #[test]
    fn every_type_is_shown_as_itself() {
        let id = ObjectId::parse_str("6a5ac6b0c69f4eba602e4e17").unwrap();
        let d = doc! {
            "_id": id,
            "at": mongodb::bson::DateTime::from_millis(0),
            "price": Decimal128::from_bytes([0; 16]),
            "big": 5_i64,
            "bin": Binary { subtype: BinarySubtype::Generic, bytes: vec![1, 2, 255] },
            "nested": { "list": [1, [2, 3]] },
            "evil": "\x1b]52;c;aGk=\x07",
        };
        let text = crate::ui::plain_text(&render(&d));
        assert!(text.contains("ObjectId(\"6a5ac6b0c69f4eba602e4e17\")"));
        assert!(text.contains("ISODate(\"1970-01-01T00:00:00Z\")"));
        assert!(text.contains("NumberDecimal("));
        assert!(text.contains("NumberLong(5)"));
        assert!(text.contains("BinData(generic, 3 bytes, 0102ff)"));
        assert!(text.contains("list: ["));
        assert!(!text.contains('\x1b') && text.contains("␛]52"));
    }
}
