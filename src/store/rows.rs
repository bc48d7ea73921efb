//! Whole rows under a parent, a keyset page at a time: "every column of the LLM calls of
//! this run, the next 1,000". The tree's listings (`read.rs`) carry only a label and a
//! status; the run inspector needs the numbers. Both stores answer from the same index
//! the tree uses (`(column, created_at desc, id desc)` in PostgreSQL, `edges_list` in a
//! snapshot; forward for newest first, backward for oldest first), and render values
//! the same way: as PostgreSQL's
//! `json_each_text(row_to_json(..))` writes them, which is what a snapshot stores.

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row as _};
use uuid::Uuid;

use super::read::{Cursor, Live};
use super::snapshot::Snapshot;
use super::source::Source;
use crate::schema::Table;

/// One row: its columns in table order, each value as JSON text renders it (NULL as None).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub values: Vec<(String, Option<String>)>,
}

impl Row {
    /// The value of `column`, None when it is NULL or the row has no such column.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(c, _)| c == column)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// Which way pages walk the index: newest created first (the tree's order) or oldest
/// first (a run's steps as they happened: the same index, scanned backward).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

impl Order {
    /// (keyset comparison, sort direction)
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Order::NewestFirst => ("<", "desc"),
            Order::OldestFirst => (">", "asc"),
        }
    }
}

/// A page of whole rows, in the order asked for.
#[derive(Debug, Clone, Default)]
pub struct RowsPage {
    pub rows: Vec<Row>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// `column` when it is a foreign key of `table` the schema declares: the only columns
/// with an index of the shape the page query walks.
fn checked_column(table: &Table, column: &str) -> anyhow::Result<&'static str> {
    table
        .foreign_keys
        .iter()
        .find(|fk| fk.column == column)
        .map(|fk| fk.column)
        .ok_or_else(|| anyhow!("{}.{column} is not a declared foreign key", table.name))
}

/// The PostgreSQL page query: rows of `table` whose `column` = `$1`, after the keyset
/// `($2, $3)` when `keyset`, in `order`, `limit + 1` rows to know whether more follow.
/// Each row comes back as `(created_at, id, [[column, value], …] as JSON text)`.
pub fn rows_sql(
    table: &Table,
    column: &str,
    keyset: bool,
    order: Order,
    limit: u32,
) -> anyhow::Result<String> {
    rows_sql_in(table, column, keyset, order, limit, false)
}

/// [`rows_sql`] within a session's scope: the tenant's id is the last bind.
pub fn rows_sql_in(
    table: &Table,
    column: &str,
    keyset: bool,
    order: Order,
    limit: u32,
    scoped: bool,
) -> anyhow::Result<String> {
    let column = checked_column(table, column)?;
    let scope = match (scoped, crate::store::scope::Scope::column(table)) {
        (false, _) => String::new(),
        (true, Some(tenant)) => format!(" and r.{tenant} = ${}", if keyset { 4 } else { 2 }),
        (true, None) => " and false".to_string(),
    };
    let (after, direction) = order.sql();
    let keyset = if keyset {
        format!(" and (r.created_at, r.id) {after} ($2, $3)")
    } else {
        String::new()
    };
    Ok(format!(
        "select r.created_at, r.id, \
         (select json_agg(json_build_array(j.key, j.value)) from json_each_text(row_to_json(r)) j)::text \
         from {table} r where r.{column} = $1{keyset}{scope} \
         order by r.created_at {direction}, r.id {direction} limit {}",
        limit + 1,
        table = table.name,
    ))
}

/// Cuts a page read `limit + 1` rows deep to `limit`, with the cursor after its last row.
fn paged(mut rows: Vec<(Cursor, Row)>, limit: u32) -> RowsPage {
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|(cursor, _)| *cursor)
    } else {
        None
    };
    RowsPage {
        rows: rows.into_iter().map(|(_, row)| row).collect(),
        next,
    }
}

impl Live {
    /// A page of whole rows of `table` whose `column` equals `parent`.
    pub async fn rows_under(
        &self,
        table: &Table,
        column: &str,
        parent: Uuid,
        after: Option<Cursor>,
        order: Order,
        limit: u32,
    ) -> anyhow::Result<RowsPage> {
        let pg = self
            .pg
            .as_ref()
            .ok_or_else(|| anyhow!("PostgreSQL is not connected"))?;
        let scope = self.scope.as_ref().map(|s| s.id());
        let sql = rows_sql_in(
            table,
            column,
            after.is_some(),
            order,
            limit,
            scope.is_some(),
        )?;
        let mut query =
            sqlx::query_as::<_, (DateTime<Utc>, Uuid, String)>(AssertSqlSafe(sql)).bind(parent);
        if let Some(cursor) = after {
            query = query.bind(cursor.created_at).bind(cursor.id);
        }
        if let Some(tenant) = scope {
            query = query.bind(tenant);
        }
        let found = query
            .fetch_all(pg)
            .await
            .with_context(|| format!("reading {} by {column}", table.name))?;
        let mut rows = Vec::with_capacity(found.len());
        for (created_at, id, values) in found {
            let values: Vec<(String, Option<String>)> = serde_json::from_str(&values)
                .with_context(|| format!("reading {} {id}", table.name))?;
            rows.push((Cursor { created_at, id }, Row { values }));
        }
        Ok(paged(rows, limit))
    }
}

impl Snapshot {
    /// A page of whole rows of `table` whose `column` equals `parent`, along the
    /// snapshot's `edges_list` index.
    pub async fn rows_under(
        &self,
        table: &Table,
        column: &str,
        parent: Uuid,
        after: Option<Cursor>,
        order: Order,
        limit: u32,
    ) -> anyhow::Result<RowsPage> {
        let column = checked_column(table, column)?;
        let (beyond, direction) = order.sql();
        let keyset = if after.is_some() {
            format!(" and (e.created_us {beyond} ?4 or (e.created_us = ?4 and e.id {beyond} ?5))")
        } else {
            String::new()
        };
        let sql = format!(
            "select e.created_us, e.id, r.fields from edges e \
             join rows r on r.tbl = e.tbl and r.id = e.id \
             where e.tbl = ?1 and e.col = ?2 and e.parent = ?3{keyset} \
             order by e.created_us {direction}, e.id {direction} limit {}",
            limit + 1
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(table.name)
            .bind(column)
            .bind(parent.to_string());
        if let Some(cursor) = after {
            query = query
                .bind(cursor.created_at.timestamp_micros())
                .bind(cursor.id.to_string());
        }
        let found = query
            .fetch_all(&self.pool)
            .await
            .context("reading the snapshot")?;
        let mut rows = Vec::with_capacity(found.len());
        for row in found {
            let created_us: i64 = row.get(0);
            let id: &str = row.get(1);
            let fields: Vec<(String, Option<String>, String)> =
                serde_json::from_str(row.get::<&str, _>(2))
                    .context("a damaged row in the snapshot")?;
            let cursor = Cursor {
                created_at: DateTime::<Utc>::from_timestamp_micros(created_us)
                    .context("a bad time in the snapshot")?,
                id: id.parse().context("a bad id in the snapshot")?,
            };
            let values = fields.into_iter().map(|(c, v, _)| (c, v)).collect();
            rows.push((cursor, Row { values }));
        }
        Ok(paged(rows, limit))
    }
}

impl Source {
    /// A page of whole rows of `table` whose `column` (a declared foreign key) equals
    /// `parent`, in `order`, after `after`.
    pub async fn rows_under(
        &self,
        table: &Table,
        column: &str,
        parent: Uuid,
        after: Option<Cursor>,
        order: Order,
        limit: u32,
    ) -> anyhow::Result<RowsPage> {
        let mut page = match self {
            Source::Live(s) => {
                s.rows_under(table, column, parent, after, order, limit)
                    .await
            }
            Source::Snapshot(s) => {
                s.rows_under(table, column, parent, after, order, limit)
                    .await
            }
        }?;
        let masks = crate::mask::active();
        for row in &mut page.rows {
            for (column, value) in &mut row.values {
                *value = masks.value(table.name, column, value.take());
            }
        }
        Ok(page)
    }
}
