//! Masking for support profiles (`mask = ["pii"]`, `["content"]` or both): applied once,
//! where values are read (the [`crate::store::source::Source`] layer and the label every
//! store computes), so every face and output path (panes, copy, exports, `get`/`tree`/
//! `run` text and JSON, snapshots) only ever sees the masked form.
//!
//! The masks are set once per process, before any store is opened, and cannot be unset:
//! nothing inside a session can turn them off.

use std::sync::OnceLock;

use mongodb::bson::{Bson, Document};
use sha2::{Digest, Sha256};

use crate::schema::{PII, Table};

/// What a profile masks.
#[derive(Debug, Clone, Default)]
pub struct Masks {
    /// PII columns (declared once in `schema::PII`) as `•••• 3f2a`.
    pub pii: bool,
    /// MongoDB document bodies (but ids, keys, sizes, types and timestamps) and S3
    /// object bodies (their metadata stays).
    pub content: bool,
    /// The session's key: equal values look equal within a session, and a short hash
    /// of a phone number cannot be looked up in a table made elsewhere.
    key: [u8; 32],
}

static MASKS: OnceLock<Masks> = OnceLock::new();

impl Masks {
    /// The masks named in a profile (`pii`, `content`); anything else is an error.
    pub fn parse(names: &[String]) -> anyhow::Result<Masks> {
        let mut masks = Masks {
            key: rand::random(),
            ..Masks::default()
        };
        for name in names {
            match name.as_str() {
                "pii" => masks.pii = true,
                "content" => masks.content = true,
                other => anyhow::bail!("unknown mask {other:?} (known: pii, content)"),
            }
        }
        Ok(masks)
    }

    pub fn any(&self) -> bool {
        self.pii || self.content
    }

    /// The masks on, by the names a profile gives them.
    pub fn names(&self) -> Vec<String> {
        [("pii", self.pii), ("content", self.content)]
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// "pii, content": for the title line.
    pub fn describe(&self) -> String {
        self.names().join(", ")
    }

    /// `•••• 3f2a`: a short keyed hash of `value`.
    pub fn masked(&self, value: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.key);
        hasher.update(value.as_bytes());
        let digest = hasher.finalize();
        format!("•••• {:02x}{:02x}", digest[0], digest[1])
    }

    /// Whether `column` of `table` is PII and masked.
    pub fn hides(&self, table: &str, column: &str) -> bool {
        self.pii && is_pii(table, column)
    }

    /// A column's value as shown.
    pub fn value(&self, table: &str, column: &str, value: Option<String>) -> Option<String> {
        match value {
            Some(v) if self.hides(table, column) => Some(self.masked(&v)),
            other => other,
        }
    }

    /// The label columns' values of `table`, PII masked.
    pub fn label_values(&self, table: &Table, values: &[Option<String>]) -> Vec<Option<String>> {
        table
            .label
            .iter()
            .zip(values)
            .map(|(column, v)| self.value(table.name, column, v.clone()))
            .collect()
    }

    /// A document as shown: with `content` masked, only its ids, keys, sizes, types and
    /// timestamps keep their values; every other field keeps its name, its value masked.
    pub fn document(&self, document: Document) -> Document {
        if !self.content {
            return document;
        }
        document
            .into_iter()
            .map(|(name, value)| {
                if kept(&name, &value) {
                    (name, value)
                } else {
                    let shown = self.masked(&value.to_string());
                    (name, Bson::String(shown))
                }
            })
            .collect()
    }

    /// An object's bytes as shown: none with `content` masked.
    pub fn bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        if self.content { Vec::new() } else { bytes }
    }
}

/// A document field that `content` keeps: ids, keys, sizes, types and timestamps.
fn kept(name: &str, value: &Bson) -> bool {
    if matches!(
        value,
        Bson::ObjectId(_) | Bson::DateTime(_) | Bson::Timestamp(_)
    ) {
        return true;
    }
    name == "_id"
        || name == "kind"
        || name == "type"
        || ["Id", "Ids", "Key", "Keys", "Type", "At", "Bytes"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
        || name.to_ascii_lowercase().contains("size")
}

/// Whether `column` of `table` is declared PII.
pub fn is_pii(table: &str, column: &str) -> bool {
    PII.iter().any(|(t, c, _)| *t == table && *c == column)
}

/// Sets the process's masks, once; a second call cannot change them.
pub fn install(masks: Masks) -> anyhow::Result<()> {
    if let Some(set) = MASKS.get() {
        anyhow::ensure!(
            set.pii == masks.pii && set.content == masks.content,
            "masks are already set for this session"
        );
        return Ok(());
    }
    let _ = MASKS.set(masks);
    Ok(())
}

/// The masks in force (none unless a profile set some).
pub fn active() -> &'static Masks {
    static NONE: OnceLock<Masks> = OnceLock::new();
    MASKS
        .get()
        .unwrap_or_else(|| NONE.get_or_init(Masks::default))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::{doc, oid::ObjectId};

    #[test]
    fn equal_values_mask_alike_and_content_keeps_ids_and_times() {
        let m = Masks::parse(&["pii".into(), "content".into()]).unwrap();
        assert_eq!(m.masked("a@b.c"), m.masked("a@b.c"));
        assert_ne!(m.masked("a@b.c"), m.masked("a@b.d"));
        assert!(m.masked("a@b.c").starts_with("•••• "));
        assert_eq!(
            m.value("users", "email", Some("a@b.c".into())),
            Some(m.masked("a@b.c"))
        );
        assert_eq!(
            m.value("users", "role", Some("owner".into())),
            Some("owner".into())
        );
        let id = ObjectId::new();
        let d = m.document(
            doc! { "_id": id, "tenantId": "t", "s3Key": "k", "sizeBytes": 3_i64,
            "contentType": "text/plain", "title": "secret", "body": { "x": "secret" } },
        );
        assert_eq!(d.get_object_id("_id").unwrap(), id);
        assert_eq!(d.get_str("s3Key").unwrap(), "k");
        assert_eq!(d.get_str("contentType").unwrap(), "text/plain");
        assert!(!format!("{d}").contains("secret"), "{d}");
        assert!(Masks::parse(&["everything".into()]).is_err());
    }
}
