//! What the PostgreSQL database really has: tables, columns with their types, foreign
//! keys (and whether the server has validated them) and indexes, read once from
//! `pg_catalog` for the tables visible on the connection's search path. The schema
//! declaration is an expectation; this is the fact it is checked against.

use std::collections::BTreeMap;

use anyhow::Context;
use sqlx::PgPool;

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `format_type` of the column: `text`, `character varying(40)`, `run_status`, …
    pub data_type: String,
    /// The type is a PostgreSQL enum.
    pub is_enum: bool,
    pub not_null: bool,
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub target: String,
    pub target_columns: Vec<String>,
    /// Validated by the server: every row satisfies it (not `NOT VALID`).
    pub validated: bool,
}

/// An index, by its key columns (None for an expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub columns: Vec<Option<String>>,
    pub partial: bool,
    pub definition: String,
}

/// One table (or view) of the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogTable {
    pub name: String,
    pub columns: Vec<Column>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Index>,
    /// The planner's row estimate (`reltuples`; -1 when never analysed).
    pub estimated_rows: f64,
}

impl CatalogTable {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.column(name).is_some()
    }

    /// Whether an index starts with exactly these columns (a prefix an equality plus
    /// an order can use).
    pub fn has_index_on(&self, leading: &[&str]) -> bool {
        self.indexes.iter().any(|index| {
            !index.partial
                && index.columns.len() >= leading.len()
                && leading
                    .iter()
                    .zip(&index.columns)
                    .all(|(want, have)| have.as_deref() == Some(*want))
        })
    }
}

/// Every visible table by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub tables: BTreeMap<String, CatalogTable>,
}

impl Catalog {
    pub fn table(&self, name: &str) -> Option<&CatalogTable> {
        self.tables.get(name)
    }

    /// Reads the catalog: four queries over `pg_catalog`, whatever the database's size.
    pub async fn read(pool: &PgPool) -> anyhow::Result<Catalog> {
        let mut tables: BTreeMap<String, CatalogTable> = BTreeMap::new();
        let relations: Vec<(String, f32)> = sqlx::query_as(
            "select c.relname::text, c.reltuples from pg_class c \
             where c.relkind in ('r', 'p', 'v', 'm', 'f') and pg_table_is_visible(c.oid) \
             and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)",
        )
        .fetch_all(pool)
        .await
        .context("reading the catalog's tables")?;
        for (name, rows) in relations {
            tables.insert(
                name.clone(),
                CatalogTable {
                    name,
                    estimated_rows: f64::from(rows),
                    ..CatalogTable::default()
                },
            );
        }
        let columns: Vec<(String, String, String, bool, bool)> = sqlx::query_as(
            "select c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
             t.typtype = 'e', a.attnotnull \
             from pg_attribute a join pg_class c on c.oid = a.attrelid \
             join pg_type t on t.oid = a.atttypid \
             where c.relkind in ('r', 'p', 'v', 'm', 'f') and pg_table_is_visible(c.oid) \
             and a.attnum > 0 and not a.attisdropped order by c.relname, a.attnum",
        )
        .fetch_all(pool)
        .await
        .context("reading the catalog's columns")?;
        for (table, name, data_type, is_enum, not_null) in columns {
            if let Some(t) = tables.get_mut(&table) {
                t.columns.push(Column {
                    name,
                    data_type,
                    is_enum,
                    not_null,
                });
            }
        }
        type FkRow = (String, String, String, bool, Vec<String>, Vec<String>);
        let fks: Vec<FkRow> = sqlx::query_as(
            "select c.relname::text, con.conname::text, f.relname::text, con.convalidated, \
             array(select a.attname::text from unnest(con.conkey) with ordinality k(n, i) \
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.i), \
             array(select a.attname::text from unnest(con.confkey) with ordinality k(n, i) \
                   join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.i) \
             from pg_constraint con join pg_class c on c.oid = con.conrelid \
             join pg_class f on f.oid = con.confrelid \
             where con.contype = 'f' and pg_table_is_visible(c.oid) order by c.relname, con.conname",
        )
        .fetch_all(pool)
        .await
        .context("reading the catalog's foreign keys")?;
        for (table, name, target, validated, columns, target_columns) in fks {
            if let Some(t) = tables.get_mut(&table) {
                t.foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    target,
                    target_columns,
                    validated,
                });
            }
        }
        type IndexRow = (String, String, bool, String, Vec<String>);
        let indexes: Vec<IndexRow> = sqlx::query_as(
            "select t.relname::text, i.relname::text, ix.indpred is not null, \
             pg_get_indexdef(ix.indexrelid), \
             array(select coalesce(a.attname::text, '') from unnest(ix.indkey::int2[]) with ordinality k(n, o) \
                   left join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = k.n \
                   where k.o <= ix.indnkeyatts order by k.o) \
             from pg_index ix join pg_class t on t.oid = ix.indrelid \
             join pg_class i on i.oid = ix.indexrelid \
             where pg_table_is_visible(t.oid) and ix.indisvalid order by t.relname, i.relname",
        )
        .fetch_all(pool)
        .await
        .context("reading the catalog's indexes")?;
        for (table, name, partial, definition, columns) in indexes {
            if let Some(t) = tables.get_mut(&table) {
                t.indexes.push(Index {
                    name,
                    columns: columns
                        .into_iter()
                        .map(|c| (!c.is_empty()).then_some(c))
                        .collect(),
                    partial,
                    definition,
                });
            }
        }
        Ok(Catalog { tables })
    }
}
