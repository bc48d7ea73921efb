//! Finding anything from a clue (an id in a log line, a key in a ticket): which table
//! holds a UUID, which collection an ObjectId and which rows point at it, which rows and
//! documents name an S3 key; and where a row sits in the tree, tenant first. The TUI's
//! jump and the `get`/`path` commands both use this.

use std::collections::HashSet;

use anyhow::{Context, anyhow};
use futures::future::join_all;
use mongodb::bson::{Bson, oid::ObjectId};
use uuid::Uuid;

use crate::schema::{self, ForeignKey, Reference, Table};
use crate::store::ancestry;
use crate::store::deadline::one_line;
use crate::store::read::{Field, Item, ObjectMeta, label};
use crate::store::source::Source;

/// Rows listed per referring column.
const REFERRING_LIMIT: u32 = 20;
/// Levels above a row walked at most, far above any real tree: a longer chain is
/// reported as too deep (not as a cycle, which is only said of a row met twice).
pub const MAX_DEPTH: usize = ancestry::MAX_DEPTH as usize;

/// What the user pasted, recognised by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clue {
    Row(Uuid),
    Document(ObjectId),
    /// An S3 key, and the bucket an `s3://bucket/key` named.
    Key(String, Option<String>),
}

impl Clue {
    /// A UUID, a 24-hex ObjectId (also `ObjectId("…")`), or else an S3 key (an
    /// `s3://bucket/` prefix is dropped). Quotes and spaces around it are ignored.
    pub fn parse(text: &str) -> Option<Clue> {
        let text = text
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == '`');
        let text = text
            .strip_prefix("ObjectId(")
            .and_then(|t| t.strip_suffix(')'))
            .map(|t| t.trim_matches(|c| c == '"' || c == '\''))
            .unwrap_or(text);
        if text.is_empty() {
            return None;
        }
        if let Ok(id) = Uuid::parse_str(text) {
            return Some(Clue::Row(id));
        }
        if text.len() == 24
            && let Ok(id) = ObjectId::parse_str(text)
        {
            return Some(Clue::Document(id));
        }
        Some(match text.strip_prefix("s3://") {
            Some(rest) => match rest.split_once('/') {
                Some((bucket, key)) => Clue::Key(key.to_string(), Some(bucket.to_string())),
                None => Clue::Key(rest.to_string(), None),
            },
            None => Clue::Key(text.to_string(), None),
        })
    }
}

/// Where a clue was found.
#[derive(Debug, Clone)]
pub enum Place {
    Row {
        table: &'static Table,
        item: Item,
    },
    Document {
        collection: &'static str,
        id: ObjectId,
    },
    Object(ObjectMeta),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Row { table, item } => write!(f, "{}/{} {}", table.name, item.id, item.label),
            Place::Document { collection, id } => write!(f, "{collection}/{id}"),
            Place::Object(meta) => write!(f, "s3 {} ({} bytes)", meta.key, meta.size),
        }
    }
}

/// What a search found and where it looked.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Where the clue itself is: the row, the document, the object.
    pub places: Vec<Place>,
    /// Rows that point at it (a document's or an object's referrers), by `table.column`.
    pub referrers: Vec<(&'static Table, &'static str, Item)>,
    /// Every place searched, for "not found" messages.
    pub looked: Vec<String>,
    /// Lookups that failed (a store down): the search is incomplete.
    pub errors: Vec<String>,
    /// The tenant a scoped session reads: what is not found is "not in tenant X", and
    /// nothing more (not where it was looked for).
    pub scope: Option<String>,
}

impl Found {
    /// The row to show for the clue: the row itself, or the first row pointing at it.
    pub fn row(&self) -> Option<(&'static Table, Uuid)> {
        self.places
            .iter()
            .find_map(|p| match p {
                Place::Row { table, item } => Some((*table, item.id)),
                _ => None,
            })
            .or_else(|| self.referrers.first().map(|(t, _, item)| (*t, item.id)))
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.referrers.is_empty()
    }

    /// "not found in …" with where it looked, and what could not be searched.
    pub fn not_found_message(&self, clue: &str) -> String {
        if let Some(scope) = &self.scope {
            return format!("{clue} not in tenant {scope}");
        }
        let mut message = format!("{clue} not found; looked in {}", self.looked.join(", "));
        if !self.errors.is_empty() {
            message.push_str(&format!(" (incomplete: {})", self.error_summary()));
        }
        message
    }

    /// The lookups that failed, each distinct reason once: 31 tables behind one
    /// unreachable server are one problem, not 31.
    pub fn error_summary(&self) -> String {
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for error in &self.errors {
            let reason = error.split_once(": ").map_or(error.as_str(), |(_, r)| r);
            match reasons.iter_mut().find(|(r, _)| r == reason) {
                Some((_, n)) => *n += 1,
                None => reasons.push((reason.to_string(), 1)),
            }
        }
        reasons
            .into_iter()
            .map(|(reason, n)| {
                if n > 1 {
                    format!("{reason} ({n} lookups)")
                } else {
                    reason
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Searches every place the clue's shape can be, in parallel.
pub async fn find(source: &Source, clue: &Clue) -> Found {
    let mut found = Found {
        scope: source.scope().map(|s| s.slug().to_string()),
        ..Found::default()
    };
    match clue {
        Clue::Row(id) => {
            found.looked.push(format!(
                "the primary keys of {} PostgreSQL tables",
                source.schema().tables.len()
            ));
            let tables = source.schema().tables;
            let lookups = join_all(tables.iter().map(|t| source.item(t, *id))).await;
            for (table, result) in tables.iter().zip(lookups) {
                match result {
                    Ok(Some(item)) => found.places.push(Place::Row { table, item }),
                    Ok(None) => {}
                    Err(e) => found
                        .errors
                        .push(format!("{}: {}", table.name, one_line(&e))),
                }
            }
        }
        Clue::Document(id) => {
            found.looked.push(format!(
                "_id in MongoDB collections {}",
                source
                    .schema()
                    .collections
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let collections = source.schema().collections;
            let lookups = join_all(collections.iter().map(|c| source.document(c.name, *id))).await;
            for (collection, result) in collections.iter().zip(lookups) {
                match result {
                    Ok(Some(_)) => found.places.push(Place::Document {
                        collection: collection.name,
                        id: *id,
                    }),
                    Ok(None) => {}
                    Err(e) => found
                        .errors
                        .push(format!("{}: {}", collection.name, one_line(&e))),
                }
            }
            referrers(source, &id.to_hex(), true, &mut found).await;
        }
        Clue::Key(key, bucket) => {
            let ours = source.bucket().unwrap_or("?").to_string();
            if let Some(bucket) = bucket.as_deref().filter(|b| *b != ours) {
                found.looked.push(format!(
                    "nothing: it names bucket {bucket}, and tenantscope reads bucket {ours}"
                ));
                return found;
            }
            found.looked.push(format!("S3 bucket {ours}"));
            match source.object_meta(key).await {
                Ok(Some(meta)) => found.places.push(Place::Object(meta)),
                Ok(None) => {}
                Err(e) => found.errors.push(format!("S3: {}", one_line(&e))),
            }
            // Documents naming the key, and the rows pointing at those documents.
            for collection in source.schema().collections {
                let Some(field) = collection.s3_key_field else {
                    continue;
                };
                found.looked.push(format!("{}.{field}", collection.name));
                let documents = source
                    .documents_where(collection.name, field, Bson::String(key.clone()), 5)
                    .await;
                match documents {
                    Ok(documents) => {
                        for document in documents {
                            if let Ok(id) = document.get_object_id("_id") {
                                found.places.push(Place::Document {
                                    collection: collection.name,
                                    id,
                                });
                                referrers(source, &id.to_hex(), true, &mut found).await;
                            }
                        }
                    }
                    Err(e) => found
                        .errors
                        .push(format!("{}: {}", collection.name, one_line(&e))),
                }
            }
            referrers(source, key, false, &mut found).await;
        }
    }
    found
}

/// Rows whose reference columns (MongoDB ones when `mongo`, else S3 ones) hold `value`.
async fn referrers(source: &Source, value: &str, mongo: bool, found: &mut Found) {
    let columns: Vec<(&'static Table, &'static str)> = source
        .schema()
        .tables
        .iter()
        .flat_map(|t| {
            t.references.iter().filter_map(move |r| {
                let wanted = matches!(r, Reference::Mongo { .. }) == mongo;
                wanted.then_some((t, r.column()))
            })
        })
        .collect();
    found.looked.extend(
        columns
            .iter()
            .map(|(t, c)| format!("{}.{c}", t.name))
            .filter(|l| !found.looked.contains(l))
            .collect::<Vec<_>>(),
    );
    let lookups = join_all(
        columns
            .iter()
            .map(|(t, c)| source.referring(t, c, value, REFERRING_LIMIT)),
    )
    .await;
    for ((table, column), result) in columns.into_iter().zip(lookups) {
        match result {
            Ok(items) => found
                .referrers
                .extend(items.into_iter().map(|item| (table, column, item))),
            Err(e) => found
                .errors
                .push(format!("{}.{column}: {}", table.name, one_line(&e))),
        }
    }
}

/// One level of a row's place in the tree.
#[derive(Debug, Clone)]
pub struct Step {
    pub table: &'static Table,
    /// The foreign key it hangs from (None for the tenant, which hangs from the root).
    pub via: Option<&'static ForeignKey>,
    pub item: Item,
}

/// The row as a tree node shows it, from its fields.
pub fn item_of(table: &Table, id: Uuid, fields: &[Field]) -> Item {
    let value = |column: &str| {
        fields
            .iter()
            .find(|f| f.column == column)
            .and_then(|f| f.value.clone())
    };
    let values: Vec<Option<String>> = table.label.iter().map(|c| value(c)).collect();
    Item {
        id,
        created_at: value("created_at")
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&chrono::Utc))
            .unwrap_or_default(),
        label: label(table, &values),
        status: table.status.and_then(value),
    }
}

/// The row's ancestry, tenant first and the row last, following the edges the tree
/// shows. Fails with the reason on a missing row, a parent cycle, a row that hangs from
/// nothing or a chain deeper than [`MAX_DEPTH`]. The live stores answer with one
/// recursive query; a snapshot (local SQLite) is walked a row at a time.
pub async fn ancestry(
    source: &Source,
    table: &'static Table,
    id: Uuid,
) -> anyhow::Result<Vec<Step>> {
    match source {
        Source::Live(live) => live_ancestry(live, table, id).await,
        Source::Snapshot(_) => walked_ancestry(source, table, id).await,
    }
}

fn not_found(table: &Table, id: Uuid, child: Option<&Step>) -> anyhow::Error {
    match child {
        None => anyhow!("{}/{id} does not exist", table.name),
        Some(child) => anyhow!(
            "{}/{id}, the parent of {}/{}, does not exist",
            table.name,
            child.table.name,
            child.item.id
        ),
    }
}

fn in_a_cycle(table: &Table, id: Uuid) -> anyhow::Error {
    anyhow!(
        "{}/{id} is in a cycle of parents: it has no place in the tree",
        table.name
    )
}

fn too_deep(table: &Table, id: Uuid) -> anyhow::Error {
    anyhow!(
        "{}/{id} is more than {MAX_DEPTH} levels below its tenant: too deep to place in the tree",
        table.name
    )
}

fn hangs_from_nothing(table: &Table, id: Uuid) -> anyhow::Error {
    anyhow!("{}/{id} hangs from no row the tree shows", table.name)
}

/// [`ancestry`] from the live stores' recursive query.
async fn live_ancestry(
    live: &crate::store::read::Live,
    table: &'static Table,
    id: Uuid,
) -> anyhow::Result<Vec<Step>> {
    let levels = live.ancestry_levels(table, id, ancestry::MAX_DEPTH).await?;
    let Some(last) = levels.last() else {
        // Scoped, a row the walk does not meet may be another tenant's: say no more.
        return Err(match &live.scope {
            Some(scope) => anyhow!(scope.refusal(&id.to_string())),
            None => not_found(table, id, None),
        });
    };
    let schema = live.schema.get();
    let schema_table = |name: &str| {
        schema
            .table(name)
            .context("the ancestry query names schema tables")
    };
    if last.cycle {
        return Err(in_a_cycle(schema_table(&last.table)?, last.id));
    }
    let (end, end_depth) = (last.parent.clone(), last.depth);
    if end.is_some() && end_depth >= ancestry::MAX_DEPTH {
        // At the bound: a loop that starts deep enough to escape the query's check
        // shows as a repeated row.
        let mut seen = HashSet::new();
        if let Some(again) = levels.iter().find(|l| !seen.insert(l.id)) {
            return Err(in_a_cycle(schema_table(&again.table)?, again.id));
        }
    }
    let mut steps: Vec<Step> = Vec::with_capacity(levels.len());
    for level in levels {
        let table = schema_table(&level.table)?;
        let via = match level.via.as_deref() {
            None => None,
            Some(column) => Some(
                table
                    .foreign_keys
                    .iter()
                    .find(|fk| fk.column == column)
                    .context("the ancestry query names the table's foreign keys")?,
            ),
        };
        steps.push(Step {
            table,
            via,
            item: Item {
                id: level.id,
                created_at: level.created_at,
                label: label(table, &level.labels),
                status: level.status,
            },
        });
    }
    let last = steps.last().expect("one level at least");
    match end {
        // The walk stopped with a parent still to read: the bound, or a missing row.
        Some(_) if end_depth >= ancestry::MAX_DEPTH => Err(too_deep(table, id)),
        Some((_, _)) if live.scope.is_some() => Err(anyhow!(
            "{}/{} hangs from a row {}",
            last.table.name,
            last.item.id,
            live.scope
                .as_ref()
                .map_or_else(String::new, |s| s.refusal("that is"))
        )),
        Some((parent_table, parent_id)) => Err(not_found(
            schema_table(&parent_table)?,
            parent_id,
            Some(last),
        )),
        None if last.table.name != "tenants" => Err(hangs_from_nothing(last.table, last.item.id)),
        None => {
            steps.reverse();
            Ok(steps)
        }
    }
}

/// [`ancestry`] a row at a time, for a snapshot: the same answers, including the bound.
async fn walked_ancestry(
    source: &Source,
    table: &'static Table,
    id: Uuid,
) -> anyhow::Result<Vec<Step>> {
    let (start_table, start_id) = (table, id);
    let mut steps: Vec<Step> = Vec::new();
    let mut seen = HashSet::new();
    let (mut table, mut id) = (table, id);
    loop {
        if !seen.insert((table.name, id)) {
            return Err(in_a_cycle(table, id));
        }
        if steps.len() > MAX_DEPTH {
            return Err(too_deep(start_table, start_id));
        }
        let fields = source
            .row(table, id)
            .await?
            .ok_or_else(|| not_found(table, id, steps.last()))?;
        let value = |column: &str| {
            fields
                .iter()
                .find(|f| f.column == column)
                .and_then(|f| f.value.clone())
        };
        let via = schema::tree_parent(table, value);
        let item = item_of(table, id, &fields);
        steps.push(Step { table, via, item });
        let Some(fk) = via else {
            if table.name != "tenants" {
                return Err(hangs_from_nothing(table, id));
            }
            break;
        };
        let parent = value(fk.column)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{}.{} is not a row id", table.name, fk.column))?;
        table = source
            .schema()
            .table(fk.target)
            .context("the schema names its targets")?;
        id = parent;
    }
    steps.reverse();
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clues_are_recognised_by_shape() {
        let uuid = "0195d2a4-7b1c-7000-8000-000000000001";
        assert_eq!(Clue::parse(uuid), Some(Clue::Row(uuid.parse().unwrap())));
        assert_eq!(
            Clue::parse(&format!(" \"{uuid}\" ")),
            Some(Clue::Row(uuid.parse().unwrap()))
        );
        let oid = "6a5f0c2e9b1d4e7f8a9b0c1d";
        let parsed = Some(Clue::Document(ObjectId::parse_str(oid).unwrap()));
        assert_eq!(Clue::parse(oid), parsed);
        assert_eq!(Clue::parse(&format!("ObjectId(\"{oid}\")")), parsed);
        assert_eq!(
            Clue::parse("s3://bucket/tenants/a/b.md"),
            Some(Clue::Key("tenants/a/b.md".into(), Some("bucket".into())))
        );
        assert_eq!(
            Clue::parse("tenants/a/b.md"),
            Some(Clue::Key("tenants/a/b.md".into(), None))
        );
        assert_eq!(Clue::parse("   "), None);
    }
}
