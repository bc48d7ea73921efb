//! The effective schema: the declaration checked against the live catalog, column by
//! column. Declared tables and columns that exist are used as declared; where one does
//! not, a fallback is chosen and the choice is recorded as a [`Difference`]; tables the
//! declaration does not know but whose foreign keys reach a shown table are added. Every
//! query is generated from the result, so a database that differs from our migrations
//! still opens, and says precisely what did not fit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::{
    COLLECTIONS, Collection, FEATURES, Feature, ForeignKey, Reference, Related, Schema, Shown,
    TABLES, Table,
};
use crate::store::catalog::{Catalog, CatalogTable};

/// Columns tried, in this order, to label a row when the declared label columns are
/// all missing (and to label tables the declaration does not know).
pub const NAME_LIKE: &[&str] = &[
    "name",
    "title",
    "full_name",
    "display_name",
    "label",
    "slug",
    "email",
    "subject",
    "summary",
    "kind",
    "type",
];

/// Catalog tables never shown as discovered tables (migration bookkeeping).
const BOOKKEEPING: &[&str] = &[
    "_sqlx_migrations",
    "schema_migrations",
    "__diesel_schema_migrations",
];

/// A cross-store reference declared in the config file, not in the code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraReference {
    pub table: String,
    pub column: String,
    /// The collection whose `_id` the column holds (24-hex ObjectId text).
    pub collection: Option<String>,
    /// The column holds a key in the bucket.
    #[serde(default)]
    pub s3: bool,
}

/// A collection's field holding an S3 key, declared in the config file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraCollection {
    pub name: String,
    pub s3_key_field: Option<String>,
}

/// What the config file adds to the declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlay {
    pub references: Vec<ExtraReference>,
    pub collections: Vec<ExtraCollection>,
}

/// One way the database differs from the declaration, and what the explorer does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A declared table the database lacks: its groups are not shown.
    MissingTable { table: &'static str },
    /// A declared column the database lacks, the part it played, and the fallback.
    MissingColumn {
        table: &'static str,
        column: &'static str,
        role: Role,
        /// An undeclared column of the table with a similar name, if any.
        similar: Option<String>,
        decision: String,
    },
    /// A status column whose type is not text (an enum, varchar): compared as text.
    StatusType {
        table: &'static str,
        column: &'static str,
        data_type: String,
    },
    /// A foreign key column whose type is not the `uuid` of the ids it holds: comparing
    /// it with an id fails in the database, so it gets no link or group.
    ForeignKeyType {
        table: &'static str,
        column: &'static str,
        target: &'static str,
        data_type: String,
    },
    /// A foreign key of the seed that the database has as a column but not as a
    /// constraint: nothing guarantees it, `check` probes it.
    NoConstraint {
        table: &'static str,
        column: &'static str,
        target: &'static str,
    },
    /// A table the declaration does not know, shown under its parents.
    DiscoveredTable { table: String, parents: Vec<String> },
    /// A table with a foreign key to a shown table that cannot be shown (rows are
    /// keyed by a uuid `id`), and why.
    HiddenTable { table: String, why: String },
    /// A reference from the config file that names what the database lacks.
    BadOverlay { what: String, why: String },
    /// A column built-in views read (not one of a table's declared parts) that the
    /// database lacks, with what each of those views does without it.
    FeatureColumn {
        table: &'static str,
        column: &'static str,
        features: Vec<&'static Feature>,
        similar: Option<String>,
    },
}

/// The part a missing column played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Label,
    Status,
    CreatedAt,
    ForeignKey,
    Reference,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Label => "label",
            Role::Status => "status",
            Role::CreatedAt => "order",
            Role::ForeignKey => "foreign key",
            Role::Reference => "reference",
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::MissingTable { table } => {
                write!(
                    f,
                    "table {table} is not in this database: its groups are not shown"
                )
            }
            Difference::MissingColumn {
                table,
                column,
                role,
                similar,
                decision,
            } => {
                write!(
                    f,
                    "{table}.{column} ({}) is not in this database",
                    role.name()
                )?;
                if let Some(similar) = similar {
                    write!(f, " (renamed to {similar}?)")?;
                }
                write!(f, ": {decision}")
            }
            Difference::StatusType {
                table,
                column,
                data_type,
            } => write!(
                f,
                "{table}.{column} is {data_type}, not text: compared as text"
            ),
            Difference::ForeignKeyType {
                table,
                column,
                target,
                data_type,
            } => write!(
                f,
                "{table}.{column} → {target} is {data_type}, not uuid: no link or group for it"
            ),
            Difference::NoConstraint {
                table,
                column,
                target,
            } => write!(
                f,
                "{table}.{column} → {target} has no foreign key constraint: nothing guarantees it (check probes it)"
            ),
            Difference::DiscoveredTable { table, parents } => write!(
                f,
                "table {table} is not declared: shown under {}",
                parents.join(", ")
            ),
            Difference::HiddenTable { table, why } => write!(
                f,
                "table {table} has a foreign key to a shown table but is not shown: {why} (rows are keyed by a uuid id)"
            ),
            Difference::BadOverlay { what, why } => {
                write!(f, "config reference {what} ignored: {why}")
            }
            Difference::FeatureColumn {
                table,
                column,
                features,
                similar,
            } => {
                let names: Vec<&str> = features.iter().map(|f| f.name).collect();
                write!(
                    f,
                    "{table}.{column} (read by {}) is not in this database",
                    names.join(", ")
                )?;
                if let Some(similar) = similar {
                    write!(f, " (renamed to {similar}?)")?;
                }
                let without: Vec<&str> = features.iter().map(|f| f.without).collect();
                write!(f, ": {}", without.join("; "))
            }
        }
    }
}

/// The columns of [`FEATURES`] the database lacks, one difference per column, unless
/// its table is missing or the column was already named for a declared part.
fn feature_columns(catalog: &Catalog, named: &[Difference]) -> Vec<Difference> {
    let already = |table: &str, column: &str| {
        named.iter().any(|d| match d {
            Difference::MissingTable { table: t } => *t == table,
            Difference::MissingColumn {
                table: t,
                column: c,
                ..
            } => *t == table && *c == column,
            _ => false,
        })
    };
    let mut missing: Vec<(&'static str, &'static str, Vec<&'static Feature>)> = Vec::new();
    for feature in FEATURES {
        for &(table, column) in feature.columns {
            let Some(found) = catalog.table(table) else {
                continue;
            };
            if found.has_column(column) || already(table, column) {
                continue;
            }
            match missing
                .iter_mut()
                .find(|(t, c, _)| *t == table && *c == column)
            {
                Some((_, _, features)) => features.push(feature),
                None => missing.push((table, column, vec![feature])),
            }
        }
    }
    missing
        .into_iter()
        .filter_map(|(table, column, features)| {
            Some(Difference::FeatureColumn {
                table,
                column,
                similar: similar_column(catalog.table(table)?, super::table(table)?, column),
                features,
            })
        })
        .collect()
}

/// Leaks a value for the life of the process: an effective schema is built once per
/// connection (and per reload), and every query and tree node borrows from it.
fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn leak_slice<T>(values: Vec<T>) -> &'static [T] {
    Box::leak(values.into_boxed_slice())
}

fn leak_str(value: &str) -> &'static str {
    Box::leak(value.to_string().into_boxed_str())
}

/// An undeclared column of `table` whose name shares a word with `missing` (`title` →
/// `goal_title`, `cost_usd` → `cost`), as a hint that it was renamed.
fn similar_column(table: &CatalogTable, declared: &Table, missing: &str) -> Option<String> {
    let words: BTreeSet<&str> = missing.split('_').filter(|w| w.len() > 2).collect();
    let known = |name: &str| {
        declared.label.contains(&name)
            || declared.status == Some(name)
            || declared.foreign_keys.iter().any(|fk| fk.column == name)
            || declared.references.iter().any(|r| r.column() == name)
            || ["id", "tenant_id", "created_at", "updated_at"].contains(&name)
    };
    table
        .columns
        .iter()
        .filter(|c| !known(&c.name))
        .find(|c| c.name.split('_').any(|w| words.contains(w)))
        .map(|c| c.name.clone())
}

/// The first name-like column the table has.
fn name_like(table: &CatalogTable) -> Option<&'static str> {
    NAME_LIKE.iter().copied().find(|c| table.has_column(c))
}

/// "case_notes" → "Case notes".
fn title_of(name: &str) -> String {
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// Builds the effective schema of a database from its catalog and the config overlay.
pub fn effective(catalog: &Catalog, overlay: &Overlay) -> Schema {
    let mut differences = Vec::new();
    let present: BTreeSet<&str> = catalog.tables.keys().map(String::as_str).collect();
    let mut tables: Vec<Table> = Vec::new();
    for declared in TABLES {
        let Some(found) = catalog.table(declared.name) else {
            differences.push(Difference::MissingTable {
                table: declared.name,
            });
            continue;
        };
        tables.push(fit(declared, found, &present, &mut differences));
    }
    let lacking = feature_columns(catalog, &differences);
    differences.extend(lacking);
    discover(catalog, &mut tables, &mut differences);
    let collections = apply_overlay(overlay, catalog, &mut tables, &mut differences);
    Schema {
        tables: leak_slice(tables),
        collections,
        differences,
        catalog: Some(catalog.clone()),
    }
}

/// One declared table fitted to what the database has.
fn fit(
    declared: &'static Table,
    found: &CatalogTable,
    present: &BTreeSet<&str>,
    differences: &mut Vec<Difference>,
) -> Table {
    let missing =
        |differences: &mut Vec<Difference>, column: &'static str, role: Role, decision: String| {
            differences.push(Difference::MissingColumn {
                table: declared.name,
                column,
                role,
                similar: similar_column(found, declared, column),
                decision,
            });
        };
    // Label: the declared columns that exist; else a name-like one; else the id.
    let label: Vec<&'static str> = declared
        .label
        .iter()
        .copied()
        .filter(|c| found.has_column(c))
        .collect();
    let label: &'static [&'static str] = if label.len() == declared.label.len() {
        declared.label
    } else {
        let chosen = if label.is_empty() {
            name_like(found).map_or_else(|| vec!["id"], |c| vec![c])
        } else {
            label
        };
        for column in declared.label.iter().filter(|c| !found.has_column(c)) {
            missing(
                differences,
                column,
                Role::Label,
                format!("rows are labelled by {}", chosen.join(" · ")),
            );
        }
        leak_slice(chosen)
    };
    // Status: shown when it exists; a type other than text is compared as text.
    let status = match declared.status {
        Some(column) => match found.column(column) {
            Some(c) => {
                let textual = c.data_type == "text" || c.data_type.starts_with("character");
                if !textual {
                    differences.push(Difference::StatusType {
                        table: declared.name,
                        column,
                        data_type: c.data_type.clone(),
                    });
                }
                Some(column)
            }
            None => {
                missing(
                    differences,
                    column,
                    Role::Status,
                    "no status is shown or filtered".into(),
                );
                None
            }
        },
        None => None,
    };
    let created_at = found.has_column("created_at");
    if !created_at {
        missing(
            differences,
            "created_at",
            Role::CreatedAt,
            "its groups are ordered by id, not newest first".into(),
        );
    }
    // Foreign keys whose column and target exist; a missing ChildWhereNull column makes
    // the edge a plain child edge.
    let mut foreign_keys = Vec::new();
    for fk in declared.foreign_keys {
        if !found.has_column(fk.column) {
            missing(
                differences,
                fk.column,
                Role::ForeignKey,
                "no link or group for it".into(),
            );
            continue;
        }
        if !present.contains(fk.target) {
            continue;
        }
        // Ids are bound as uuid: `text = uuid` is an error, so the edge cannot be used.
        if let Some(c) = found.column(fk.column).filter(|c| c.data_type != "uuid") {
            differences.push(Difference::ForeignKeyType {
                table: declared.name,
                column: fk.column,
                target: fk.target,
                data_type: c.data_type.clone(),
            });
            continue;
        }
        if !found.foreign_keys.iter().any(|c| c.columns == [fk.column]) {
            differences.push(Difference::NoConstraint {
                table: declared.name,
                column: fk.column,
                target: fk.target,
            });
        }
        let shown = match fk.shown {
            Shown::ChildWhereNull(c) if !found.has_column(c) => Shown::Child,
            shown => shown,
        };
        foreign_keys.push(ForeignKey {
            column: fk.column,
            target: fk.target,
            shown,
        });
    }
    let (references, missing_references): (Vec<Reference>, Vec<Reference>) = declared
        .references
        .iter()
        .partition(|r| found.has_column(r.column()));
    for r in &missing_references {
        missing(
            differences,
            r.column(),
            Role::Reference,
            "its hop shows `column not in this database`".into(),
        );
    }
    Table {
        name: declared.name,
        title: declared.title,
        label,
        status,
        created_at,
        foreign_keys: leak_slice(foreign_keys),
        references: leak_slice(references),
        missing_references: leak_slice(missing_references),
        discovered: false,
    }
}

/// Tables the declaration does not know, reached by a foreign key from a shown table
/// (repeated until nothing new is reached), each shown as a group under its parents.
fn discover(catalog: &Catalog, tables: &mut Vec<Table>, differences: &mut Vec<Difference>) {
    let mut shown: BTreeSet<String> = tables.iter().map(|t| t.name.to_string()).collect();
    loop {
        let mut added = false;
        for (name, found) in &catalog.tables {
            if shown.contains(name) || BOOKKEEPING.contains(&name.as_str()) {
                continue;
            }
            // Rows are keyed by a uuid `id`, as every declared table's are.
            let Some(id) = found.column("id") else {
                continue;
            };
            if id.data_type != "uuid" {
                continue;
            }
            let edges: Vec<ForeignKey> = found
                .foreign_keys
                .iter()
                .filter(|fk| fk.columns.len() == 1 && shown.contains(&fk.target))
                .map(|fk| ForeignKey {
                    column: leak_str(&fk.columns[0]),
                    target: leak_str(&fk.target),
                    shown: Shown::Child,
                })
                .collect();
            if edges.is_empty() {
                continue;
            }
            let parents = edges
                .iter()
                .map(|e| format!("{} ({})", e.target, e.column))
                .collect();
            differences.push(Difference::DiscoveredTable {
                table: name.clone(),
                parents,
            });
            let status = ["status", "state"]
                .into_iter()
                .find(|c| found.has_column(c));
            tables.push(Table {
                name: leak_str(name),
                title: leak_str(&title_of(name)),
                label: leak_slice(vec![name_like(found).unwrap_or("id")]),
                status,
                created_at: found.has_column("created_at"),
                foreign_keys: leak_slice(edges),
                references: &[],
                missing_references: &[],
                discovered: true,
            });
            shown.insert(name.clone());
            added = true;
        }
        if !added {
            break;
        }
    }
    // What a foreign key reaches but cannot be listed is named, not silently left out.
    for (name, found) in &catalog.tables {
        let reached = found
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.len() == 1 && shown.contains(&fk.target));
        if shown.contains(name) || BOOKKEEPING.contains(&name.as_str()) || !reached {
            continue;
        }
        let why = match found.column("id") {
            Some(id) => format!("its id is {}, not uuid", id.data_type),
            None => "it has no id column".to_string(),
        };
        differences.push(Difference::HiddenTable {
            table: name.clone(),
            why,
        });
    }
}

/// Adds the config file's references to their tables, and its collections' S3 key
/// fields, refusing (with a difference) what names a table or column the database lacks.
fn apply_overlay(
    overlay: &Overlay,
    catalog: &Catalog,
    tables: &mut [Table],
    differences: &mut Vec<Difference>,
) -> &'static [Collection] {
    let mut collections: Vec<Collection> = COLLECTIONS
        .iter()
        .map(|c| Collection {
            name: c.name,
            s3_key_field: c.s3_key_field,
            indexes: c.indexes,
        })
        .collect();
    for extra in &overlay.collections {
        let field = extra.s3_key_field.as_deref().map(leak_str);
        match collections.iter_mut().find(|c| c.name == extra.name) {
            Some(c) => c.s3_key_field = field.or(c.s3_key_field),
            None => collections.push(Collection {
                name: leak_str(&extra.name),
                s3_key_field: field,
                indexes: &[],
            }),
        }
    }
    let mut added: BTreeMap<&str, Vec<Reference>> = BTreeMap::new();
    for extra in &overlay.references {
        let what = format!("{}.{}", extra.table, extra.column);
        let bad = |why: &str| Difference::BadOverlay {
            what: what.clone(),
            why: why.to_string(),
        };
        let Some(found) = catalog.table(&extra.table) else {
            differences.push(bad("no such table"));
            continue;
        };
        if !found.has_column(&extra.column) {
            differences.push(bad("no such column"));
            continue;
        }
        let Some(table) = tables.iter().find(|t| t.name == extra.table) else {
            differences.push(bad("the table is not shown (no foreign key reaches it)"));
            continue;
        };
        let reference = match (&extra.collection, extra.s3) {
            (Some(collection), false) => Reference::Mongo {
                column: leak_str(&extra.column),
                collection: leak_str(collection),
                related: &[] as &[Related],
            },
            (None, true) => Reference::S3 {
                column: leak_str(&extra.column),
            },
            _ => {
                differences.push(bad("give either collection = \"…\" or s3 = true"));
                continue;
            }
        };
        added.entry(table.name).or_default().push(reference);
    }
    for table in tables.iter_mut() {
        if let Some(extra) = added.remove(table.name) {
            let mut references = table.references.to_vec();
            references.extend(extra);
            table.references = leak_slice(references);
        }
    }
    leak_slice(collections)
}

/// The declaration as a schema, for snapshots and before the catalog is read.
pub fn declared() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<&'static Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        leak(Schema {
            tables: TABLES,
            collections: COLLECTIONS,
            differences: Vec::new(),
            catalog: None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog::{Column, ForeignKey as CatalogFk};

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            is_enum: false,
            not_null: false,
        }
    }

    /// A catalog holding `tables` (name, columns), every column text except `id` and
    /// `*_id` (uuid).
    fn catalog(tables: &[(&str, &[&str])]) -> Catalog {
        let mut catalog = Catalog::default();
        for (name, columns) in tables {
            catalog.tables.insert(
                name.to_string(),
                CatalogTable {
                    name: name.to_string(),
                    columns: columns
                        .iter()
                        .map(|c| {
                            let uuid = *c == "id" || c.ends_with("_id");
                            column(c, if uuid { "uuid" } else { "text" })
                        })
                        .collect(),
                    ..CatalogTable::default()
                },
            );
        }
        catalog
    }

    #[test]
    fn a_missing_label_falls_back_to_a_name_like_column_then_the_id() {
        let tenants = &["id", "name", "slug", "status", "created_at"][..];
        let c = catalog(&[
            ("tenants", tenants),
            ("users", &["id", "tenant_id", "email", "role", "created_at"]),
            (
                "strategies",
                &["id", "tenant_id", "strategy_title", "created_at"],
            ),
        ]);
        let schema = effective(&c, &Overlay::default());
        // users: full_name is gone, email (declared next) stays.
        assert_eq!(schema.table("users").unwrap().label, ["email"]);
        // strategies: no declared label and nothing name-like: the id.
        assert_eq!(schema.table("strategies").unwrap().label, ["id"]);
        assert!(schema.table("goals").is_none());
        let said: Vec<String> = schema.differences.iter().map(|d| d.to_string()).collect();
        assert!(
            said.contains(&"strategies.title (label) is not in this database (renamed to strategy_title?): rows are labelled by id".to_string()),
            "{said:#?}"
        );
        assert!(said.contains(
            &"table goals is not in this database: its groups are not shown".to_string()
        ));
    }

    #[test]
    fn an_undeclared_table_reached_by_a_foreign_key_is_shown_under_its_parent() {
        let mut c = catalog(&[
            ("tenants", &["id", "name", "slug", "status", "created_at"]),
            ("case_notes", &["id", "tenant_id", "title", "state"]),
            ("orphans", &["id", "title"]),
        ]);
        c.tables
            .get_mut("case_notes")
            .unwrap()
            .foreign_keys
            .push(CatalogFk {
                name: "case_notes_tenant_id_fkey".into(),
                columns: vec!["tenant_id".into()],
                target: "tenants".into(),
                target_columns: vec!["id".into()],
                validated: true,
            });
        let schema = effective(&c, &Overlay::default());
        let notes = schema.table("case_notes").expect("discovered");
        assert!(notes.discovered);
        assert_eq!(notes.title, "Case notes");
        assert_eq!(notes.label, ["title"]);
        assert_eq!(notes.status, Some("state"));
        assert!(!notes.created_at);
        assert_eq!(notes.foreign_keys[0].target, "tenants");
        // Nothing reaches it: not shown.
        assert!(schema.table("orphans").is_none());
        let said: Vec<String> = schema.differences.iter().map(|d| d.to_string()).collect();
        assert!(!said.iter().any(|d| d.contains("orphans")), "{said:#?}");
    }

    #[test]
    fn a_foreign_key_column_that_is_not_uuid_loses_its_edge_and_says_why() {
        let mut c = catalog(&[
            ("tenants", &["id", "name", "slug", "status", "created_at"]),
            ("users", &["id", "tenant_id", "full_name", "created_at"]),
        ]);
        let users = c.tables.get_mut("users").unwrap();
        users.columns[1].data_type = "text".into();
        let schema = effective(&c, &Overlay::default());
        assert!(schema.table("users").unwrap().foreign_keys.is_empty());
        let said: Vec<String> = schema.differences.iter().map(|d| d.to_string()).collect();
        let about = |column: &str| said.iter().filter(|d| d.contains(column)).count();
        assert!(
            said.contains(
                &"users.tenant_id → tenants is text, not uuid: no link or group for it".into()
            ),
            "{said:#?}"
        );
        // Said once, and not also as a foreign key without a constraint.
        assert_eq!(about("users.tenant_id"), 1, "{said:#?}");
    }

    #[test]
    fn a_table_reached_by_a_foreign_key_but_not_keyed_by_uuid_is_named() {
        let mut c = catalog(&[
            ("tenants", &["id", "name", "slug", "status", "created_at"]),
            ("case_tags", &["id", "tenant_id", "tag"]),
        ]);
        let tags = c.tables.get_mut("case_tags").unwrap();
        tags.columns[0].data_type = "bigint".into();
        tags.foreign_keys.push(CatalogFk {
            name: "case_tags_tenant_id_fkey".into(),
            columns: vec!["tenant_id".into()],
            target: "tenants".into(),
            target_columns: vec!["id".into()],
            validated: true,
        });
        let schema = effective(&c, &Overlay::default());
        assert!(schema.table("case_tags").is_none());
        assert!(
            schema.differences.contains(&Difference::HiddenTable {
                table: "case_tags".into(),
                why: "its id is bigint, not uuid".into()
            }),
            "{:#?}",
            schema.differences
        );
    }

    #[test]
    fn config_references_attach_to_tables_that_have_the_column() {
        let c = catalog(&[(
            "tenants",
            &["id", "name", "slug", "status", "created_at", "logo_key"],
        )]);
        let overlay = Overlay {
            references: vec![
                ExtraReference {
                    table: "tenants".into(),
                    column: "logo_key".into(),
                    collection: None,
                    s3: true,
                },
                ExtraReference {
                    table: "tenants".into(),
                    column: "missing".into(),
                    collection: Some("skills".into()),
                    s3: false,
                },
            ],
            collections: Vec::new(),
        };
        let schema = effective(&c, &overlay);
        let tenants = schema.table("tenants").unwrap();
        assert_eq!(tenants.references.len(), 1);
        assert_eq!(tenants.references[0].column(), "logo_key");
        assert!(schema.differences.contains(&Difference::BadOverlay {
            what: "tenants.missing".into(),
            why: "no such column".into()
        }));
    }
}
