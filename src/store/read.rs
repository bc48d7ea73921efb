//! The narrow read interface the explorer uses: "rows of table T under this parent, this
//! page", "how many (up to a cap)", "row by id", "document by ObjectId", "documents whose
//! field equals", "object head", "object bytes in this range". Every query is generated
//! from the effective schema (`src/schema/`), uses an index and a page size, and never writes.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, anyhow};
use aws_sdk_s3::Client as S3;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::Database;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use super::scope::Scope;
use crate::schema::{Overlay, Schema, Table, effective};
use crate::store::catalog::Catalog;

/// Every MongoDB read gives up on the server after this long.
pub const MONGO_MAX_TIME: Duration = Duration::from_secs(10);

/// Where a list of rows comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// All tenants, read through the tenants table as this database has it.
    Tenants(&'static Table),
    /// Rows of `table` whose `column` equals `parent`, and (for top-level activities)
    /// whose `null_column` is NULL.
    Children {
        table: &'static Table,
        column: &'static str,
        parent: Uuid,
        null_column: Option<&'static str>,
    },
    /// Another listing narrowed by a filter (never nested).
    Filtered(Box<Listing>, Filter),
}

/// What narrows a listing. The store evaluates it, so a filtered group is still
/// keyset-paged along the same index, however large it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only rows whose status column is one of these.
    pub statuses: Vec<String>,
    /// Only rows whose label columns contain this text, ignoring case.
    pub text: Option<String>,
    /// Only rows whose `started_at` is before this (runs still running after a threshold).
    pub started_before: Option<DateTime<Utc>>,
}

impl Filter {
    /// `status:failed,timed_out some words`: a status list and a text to look for.
    pub fn parse(input: &str) -> Filter {
        let mut filter = Filter::default();
        let mut words = Vec::new();
        for word in input.split_whitespace() {
            match word.strip_prefix("status:") {
                Some(list) => filter.statuses.extend(
                    list.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                ),
                None => words.push(word),
            }
        }
        if !words.is_empty() {
            filter.text = Some(words.join(" "));
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty() && self.text.is_none() && self.started_before.is_none()
    }

    /// The filter as `/` input that parses back to it (without `started_before`).
    pub fn describe_input(&self) -> String {
        let mut parts = Vec::new();
        if !self.statuses.is_empty() {
            parts.push(format!("status:{}", self.statuses.join(",")));
        }
        parts.extend(self.text.clone());
        parts.join(" ")
    }

    /// How the filter reads back: "status:failed "acme"".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.statuses.is_empty() {
            parts.push(format!("status:{}", self.statuses.join(",")));
        }
        if let Some(text) = &self.text {
            parts.push(format!("{text:?}"));
        }
        if let Some(at) = self.started_before {
            parts.push(format!("started before {}", at.format("%Y-%m-%d %H:%M")));
        }
        parts.join(" ")
    }
}

/// A value bound to a generated query, in placeholder order.
#[derive(Debug, Clone)]
pub(super) enum Bind {
    Id(Uuid),
    Text(String),
    Texts(Vec<String>),
    Time(DateTime<Utc>),
    Int(i32),
    Ints(Vec<i32>),
    Ids(Vec<Uuid>),
}

/// Binds `binds` in order to a sqlx query of any shape.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Id(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
                Bind::Texts(v) => query.bind(v),
                Bind::Time(v) => query.bind(v),
                Bind::Int(v) => query.bind(v),
                Bind::Ints(v) => query.bind(v),
                Bind::Ids(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(super) use bind_all;

/// A generated query and its binds: what the reader runs, and what the plan test
/// (`tests/plans.rs`) asks PostgreSQL to EXPLAIN.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub(super) binds: Vec<Bind>,
}

impl Statement {
    /// Whether `id` is among its binds: a scoped statement carries its tenant's id.
    pub fn binds_id(&self, id: Uuid) -> bool {
        self.binds.iter().any(|b| match b {
            Bind::Id(v) => *v == id,
            Bind::Ids(v) => v.contains(&id),
            _ => false,
        })
    }

    /// The plan PostgreSQL chooses for it on `conn`, as EXPLAIN's JSON.
    pub async fn explain(
        &self,
        conn: &mut sqlx::PgConnection,
    ) -> anyhow::Result<serde_json::Value> {
        let sql = format!("explain (format json) {}", self.sql);
        let plan: serde_json::Value = bind_all!(
            sqlx::query_scalar::<_, serde_json::Value>(AssertSqlSafe(sql)),
            self.binds.clone()
        )
        .fetch_one(conn)
        .await
        .with_context(|| format!("explaining {}", self.sql))?;
        Ok(plan)
    }
}

/// ` and tenant_id = $n` (`id` for tenants) for a scoped session; ` and false` for a
/// table that holds no tenant's id (nothing of it is in any one tenant); nothing unscoped.
fn scope_predicate(
    table: &Table,
    scope: Option<&Scope>,
    alias: &str,
    binds: &mut Vec<Bind>,
) -> String {
    let Some(scope) = scope else {
        return String::new();
    };
    match Scope::column(table) {
        Some(column) => {
            binds.push(Bind::Id(scope.id()));
            format!(" and {alias}{column} = ${}", binds.len())
        }
        None => " and false".to_string(),
    }
}

/// `text` as a LIKE pattern matching it anywhere, with its wildcards escaped.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Listing {
    /// All tenants of `schema` (the declared table where it has none: its queries then
    /// fail as a schema mismatch).
    pub fn tenants(schema: &Schema) -> Listing {
        Listing::Tenants(tenants_table(schema).0)
    }

    pub fn table(&self) -> &'static Table {
        match self {
            Listing::Tenants(table) => table,
            Listing::Children { table, .. } => table,
            Listing::Filtered(inner, _) => inner.table(),
        }
    }

    /// The listing without its filter, and the filter.
    pub fn parts(&self) -> (&Listing, Option<&Filter>) {
        match self {
            Listing::Filtered(inner, filter) => (inner, Some(filter)),
            other => (other, None),
        }
    }

    /// This listing narrowed by `filter` (replacing any filter it had; none when empty).
    pub fn with_filter(&self, filter: Filter) -> Listing {
        let (base, _) = self.parts();
        if filter.is_empty() {
            base.clone()
        } else {
            Listing::Filtered(Box::new(base.clone()), filter)
        }
    }

    /// The WHERE clause (without keyset) for PostgreSQL, its binds appended to `binds`
    /// (placeholders continue from there).
    fn predicate(&self, binds: &mut Vec<Bind>) -> String {
        let (base, filter) = self.parts();
        let mut clause = match base {
            Listing::Children {
                column,
                null_column,
                parent,
                ..
            } => {
                binds.push(Bind::Id(*parent));
                let mut clause = format!("{column} = ${}", binds.len());
                if let Some(null_column) = null_column {
                    clause.push_str(&format!(" and {null_column} is null"));
                }
                clause
            }
            _ => "true".to_string(),
        };
        let table = self.table();
        if let Some(filter) = filter {
            if !filter.statuses.is_empty() {
                match table.status {
                    // One status is an equality the index serves in order; `any` is not.
                    Some(status) => match filter.statuses.as_slice() {
                        [one] => {
                            binds.push(Bind::Text(one.clone()));
                            clause.push_str(&format!(" and {status}::text = ${}", binds.len()));
                        }
                        many => {
                            binds.push(Bind::Texts(many.to_vec()));
                            clause
                                .push_str(&format!(" and {status}::text = any(${})", binds.len()));
                        }
                    },
                    None => clause.push_str(" and false"),
                }
            }
            if let Some(text) = &filter.text {
                let labels = table
                    .label
                    .iter()
                    .map(|c| format!("{c}::text"))
                    .collect::<Vec<_>>()
                    .join(", ");
                binds.push(Bind::Text(like_pattern(text)));
                clause.push_str(&format!(
                    " and concat_ws(' ', {labels}) ilike ${}",
                    binds.len()
                ));
            }
            if let Some(at) = filter.started_before {
                binds.push(Bind::Time(at));
                clause.push_str(&format!(" and started_at < ${}", binds.len()));
            }
        }
        clause
    }

    /// The listing as listings of one status each when it filters on several: each is
    /// then read in order along a `(parent, status, created_at, id)` index and merged,
    /// where `status = any(…)` would sort every match before the first page.
    fn per_status(&self) -> Vec<Listing> {
        match self.parts() {
            (base, Some(filter)) if filter.statuses.len() > 1 && self.table().status.is_some() => {
                filter
                    .statuses
                    .iter()
                    .map(|status| {
                        base.with_filter(Filter {
                            statuses: vec![status.clone()],
                            ..filter.clone()
                        })
                    })
                    .collect()
            }
            _ => vec![self.clone()],
        }
    }
}

/// Position after the last row of a page: lists are newest first, `(created_at, id)` descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

/// A tenant as the picker matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantEntry {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub status: String,
}

/// Tenants per page when loading them all for the picker.
pub const TENANT_PAGE: u32 = 5000;

/// One row as a tree node shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub label: String,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub items: Vec<Item>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// A count that stops at a cap so it never scans a large table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub n: u64,
    /// True when there are more than `n` (the cap).
    pub capped: bool,
}

/// One column of a row, with its PostgreSQL type, read generically so columns the schema
/// declaration does not know still show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub column: String,
    pub value: Option<String>,
    pub pg_type: String,
}

/// A field as stored in a snapshot: (column, value as JSON text, PostgreSQL type).
pub type RawField = (String, Option<String>, String);

/// What a HEAD (or the head of a ranged GET) says about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Where a LIST page starts: after a key, or where the previous page's token left off.
#[derive(Debug, Clone, Copy)]
pub enum ListStart<'a> {
    After(&'a str),
    Token(&'a str),
}

/// One LIST page: the keys in byte order, and the token of the next page if there is one.
#[derive(Debug, Clone, Default)]
pub struct KeyPage {
    pub keys: Vec<String>,
    pub next: Option<String>,
}

/// The first bytes of an object.
#[derive(Debug, Clone)]
pub struct ObjectHead {
    pub meta: ObjectMeta,
    pub bytes: Vec<u8>,
}

/// A tenant as `--tenant ID|SLUG` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// Which tenant `id_or_slug` names among `tenants` (id, slug, name): by id when it
/// parses as a UUID, else by slug, ignoring case. Shared by the live stores and snapshots.
pub fn find_tenant<'a>(
    tenants: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    id_or_slug: &str,
) -> anyhow::Result<Option<TenantRef>> {
    let id = id_or_slug.parse::<Uuid>().ok();
    let wanted = id_or_slug.to_lowercase();
    let hits: Vec<TenantRef> = tenants
        .into_iter()
        .filter_map(|(t_id, slug, name)| {
            let t_id = t_id.parse::<Uuid>().ok()?;
            let hit = match id {
                Some(id) => t_id == id,
                None => slug.to_lowercase() == wanted,
            };
            hit.then(|| TenantRef {
                id: t_id,
                slug: slug.to_string(),
                name: name.to_string(),
            })
        })
        .collect();
    one_tenant(hits, id_or_slug)
}

/// The tenant a slug names among those matching it when case is ignored: the one spelled
/// exactly so, else the only one; several spelled otherwise are an error, not a guess.
fn one_tenant(mut hits: Vec<TenantRef>, id_or_slug: &str) -> anyhow::Result<Option<TenantRef>> {
    if let Some(exact) = hits.iter().position(|t| t.slug == id_or_slug) {
        return Ok(Some(hits.swap_remove(exact)));
    }
    match hits.len() {
        0 | 1 => Ok(hits.pop()),
        _ => {
            let slugs: Vec<&str> = hits.iter().map(|t| t.slug.as_str()).collect();
            Err(anyhow!(
                "slug {id_or_slug:?} matches several tenants ({}): give its exact spelling or its id",
                slugs.join(", ")
            ))
        }
    }
}

/// The tenants table as this database has it (the declared one where it has none: its
/// queries then fail as a schema mismatch), and whether it has `slug`.
fn tenants_table(schema: &Schema) -> (&'static Table, bool) {
    let table = schema
        .table("tenants")
        .or_else(|| Schema::declared().table("tenants"))
        .expect("tenants is declared");
    (table, schema.lacking(&[("tenants", "slug")]).is_empty())
}

/// A tenant's slug: the `slug` column where there is one, else (and where it is NULL)
/// the id, which `--tenant` takes too.
fn slug_column(has_slug: bool) -> &'static str {
    if has_slug {
        "coalesce(slug::text, id::text)"
    } else {
        "id::text"
    }
}

/// A tenant's name from its label columns as fitted (see [`label`]); its id without any.
fn tenant_name(table: &Table, id: Uuid, labels: &[Option<String>]) -> String {
    let name = label(table, labels);
    if name.is_empty() {
        id.to_string()
    } else {
        name
    }
}

/// The lookup of `--tenant ID|SLUG`: by primary key for a UUID, else by `lower(slug)` on
/// `tenants_slug_lower_idx`, the exact spelling first (two rows are enough to tell a
/// unique match from an ambiguous one). None: a slug, and the table has no `slug`.
pub fn tenant_statement(schema: &Schema, id_or_slug: &str) -> Option<Statement> {
    let (table, has_slug) = tenants_table(schema);
    let select = format!(
        "select id, {} as slug, {} as labels from tenants",
        slug_column(has_slug),
        label_array(table)
    );
    match id_or_slug.parse::<Uuid>() {
        Ok(id) => Some(Statement {
            sql: format!("{select} where id = $1"),
            binds: vec![Bind::Id(id)],
        }),
        Err(_) if has_slug => Some(Statement {
            sql: format!(
                "{select} where lower(slug) = lower($1) order by slug = $1 desc, slug limit 2"
            ),
            binds: vec![Bind::Text(id_or_slug.to_string())],
        }),
        Err(_) => None,
    }
}

/// The live stores. Each is optional: the explorer opens with whatever is reachable.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub pg: Option<PgPool>,
    pub mongo: Option<Database>,
    pub s3: Option<(S3, String)>,
    /// What the config file adds to the declaration (references, key fields).
    pub overlay: Overlay,
    /// This connection's effective schema: the declaration until [`Live::load_schema`].
    pub schema: SchemaCell,
    /// The one tenant a scoped session reads (None: every tenant).
    pub scope: Option<Scope>,
}

/// The schema a connection uses, shared by its clones and replaced by a reload.
#[derive(Debug, Clone)]
pub struct SchemaCell(Arc<RwLock<&'static Schema>>);

impl Default for SchemaCell {
    fn default() -> Self {
        SchemaCell(Arc::new(RwLock::new(Schema::declared())))
    }
}

impl SchemaCell {
    pub fn get(&self) -> &'static Schema {
        *self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set(&self, schema: &'static Schema) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = schema;
    }
}

/// A node's label from its label columns' values (as PostgreSQL renders them to JSON
/// text): timestamps shortened to the minute in UTC, NULLs left out, joined with " · ".
/// Every store computes labels here, so they cannot differ between stores.
pub fn label(table: &Table, values: &[Option<String>]) -> String {
    // PII label columns (a user's name and email) masked here, for every store.
    let values = crate::mask::active().label_values(table, values);
    table
        .label
        .iter()
        .zip(&values)
        .filter_map(|(column, value)| {
            let value = value.as_deref()?;
            if column.ends_with("_at")
                && let Ok(at) = DateTime::parse_from_rfc3339(value)
            {
                return Some(at.with_timezone(&Utc).format("%Y-%m-%d %H:%M").to_string());
            }
            Some(value.to_string())
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The list page after the last row, when the query returned one row past `limit`.
pub fn page(mut items: Vec<Item>, limit: u32) -> Page {
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|last| Cursor {
            created_at: last.created_at,
            id: last.id,
        })
    } else {
        None
    };
    Page { items, next }
}

/// The label columns' values as PostgreSQL renders them to JSON text, in order: the
/// same text a snapshot stores.
pub(crate) fn label_array(table: &Table) -> String {
    let values = table
        .label
        .iter()
        .enumerate()
        .map(|(i, c)| format!("'{i}', {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("array(select j.value from json_each_text(json_build_object({values})) j)")
}

/// The page query of `listing`: one index-ordered branch per status when it filters on
/// several (see [`Listing::per_status`]), `limit + 1` rows to know whether more follow.
pub fn list_statement(listing: &Listing, after: Option<Cursor>, limit: u32) -> Statement {
    list_statement_in(listing, after, limit, None)
}

/// [`list_statement`] within a session's scope.
pub fn list_statement_in(
    listing: &Listing,
    after: Option<Cursor>,
    limit: u32,
    scope: Option<&Scope>,
) -> Statement {
    let table = listing.table();
    let status = table
        .status
        .map_or("null".to_string(), |c| format!("{c}::text"));
    let mut binds = Vec::new();
    let selects: Vec<String> = listing
        .per_status()
        .iter()
        .map(|branch| {
            let mut predicate = branch.predicate(&mut binds);
            predicate.push_str(&scope_predicate(table, scope, "", &mut binds));
            if let Some(cursor) = after {
                predicate.push_str(&keyset(table, cursor, &mut binds));
            }
            format!(
                "(select id, {} as created_at, {} as labels, {status} as status from {} \
                 where {predicate} order by {} limit {})",
                created_at(table, ""),
                label_array(table),
                table.name,
                order_by(table),
                limit + 1
            )
        })
        .collect();
    let sql = match selects.as_slice() {
        [one] => one.clone(),
        many => format!(
            "select * from ({}) merged order by created_at desc, id desc limit {}",
            many.join(" union all "),
            limit + 1
        ),
    };
    Statement { sql, binds }
}

/// A table's `created_at` (`row` qualifies it: "r." or ""), or a constant where the
/// table has none (the effective schema says).
pub(super) fn created_at(table: &Table, row: &str) -> String {
    if table.created_at {
        format!("{row}created_at")
    } else {
        "'epoch'::timestamptz".to_string()
    }
}

/// Newest first; by the primary key alone where the table has no `created_at`.
fn order_by(table: &Table) -> &'static str {
    if table.created_at {
        "created_at desc, id desc"
    } else {
        "id desc"
    }
}

/// The keyset condition after `cursor`, in [`order_by`]'s order.
fn keyset(table: &Table, cursor: Cursor, binds: &mut Vec<Bind>) -> String {
    if !table.created_at {
        binds.push(Bind::Id(cursor.id));
        return format!(" and id < ${}", binds.len());
    }
    binds.push(Bind::Time(cursor.created_at));
    binds.push(Bind::Id(cursor.id));
    format!(
        " and (created_at, id) < (${}, ${})",
        binds.len() - 1,
        binds.len()
    )
}

/// A page of tenants for the picker, along `tenants_created_idx`.
pub fn tenants_statement(schema: &Schema, after: Option<Cursor>) -> Statement {
    tenants_statement_in(schema, after, None)
}

/// [`tenants_statement`] within a session's scope: its one tenant. Read through the
/// fitted table: its label and status columns, `created_at` where it has one.
pub fn tenants_statement_in(
    schema: &Schema,
    after: Option<Cursor>,
    scope: Option<&Scope>,
) -> Statement {
    let (table, has_slug) = tenants_table(schema);
    let mut binds = Vec::new();
    let mut predicate = "true".to_string();
    if let Some(cursor) = after {
        predicate.push_str(&keyset(table, cursor, &mut binds));
    }
    if let Some(scope) = scope {
        binds.push(Bind::Id(scope.id()));
        predicate.push_str(&format!(" and id = ${}", binds.len()));
    }
    let status = table
        .status
        .map_or("null".to_string(), |c| format!("{c}::text"));
    let sql = format!(
        "select id, {} as created_at, {} as labels, {} as slug, {status} as status \
         from tenants where {predicate} order by {} limit {TENANT_PAGE}",
        created_at(table, ""),
        label_array(table),
        slug_column(has_slug),
        order_by(table),
    );
    Statement { sql, binds }
}

/// The capped count of `listing`.
pub fn count_statement(listing: &Listing, cap: u64) -> Statement {
    count_statement_in(listing, cap, None)
}

/// [`count_statement`] within a session's scope.
pub fn count_statement_in(listing: &Listing, cap: u64, scope: Option<&Scope>) -> Statement {
    let mut binds = Vec::new();
    let mut predicate = listing.predicate(&mut binds);
    predicate.push_str(&scope_predicate(listing.table(), scope, "", &mut binds));
    let sql = format!(
        "select count(*) from (select 1 from {} where {predicate} limit {}) capped",
        listing.table().name,
        cap + 1
    );
    Statement { sql, binds }
}

/// The capped counts of several listings as one array, in order, in one statement.
/// Unfiltered child listings of the same group (every row on a revealed path has its
/// sub-activities, its runs, ...) are one branch that probes the group's index once per
/// parent from an array of them, so the statement's size follows the groups, not the
/// rows; any other listing is its own branch.
pub fn counts_statement_in(listings: &[Listing], cap: u64, scope: Option<&Scope>) -> Statement {
    type Group = (&'static Table, &'static str, Option<&'static str>);
    let mut batches: Vec<(Group, Vec<i32>, Vec<Uuid>)> = Vec::new();
    let mut binds = Vec::new();
    let mut branches = Vec::new();
    let capped = |table: &Table, predicate: &str| {
        format!(
            "(select count(*) from (select 1 from {} where {predicate} limit {}) capped)",
            table.name,
            cap + 1
        )
    };
    for (k, listing) in listings.iter().enumerate() {
        match listing {
            Listing::Children {
                table,
                column,
                parent,
                null_column,
            } => {
                let same = |((t, c, n), ..): &(Group, Vec<i32>, Vec<Uuid>)| {
                    (t.name, *c, *n) == (table.name, *column, *null_column)
                };
                let at = match batches.iter().position(same) {
                    Some(at) => at,
                    None => {
                        batches.push(((*table, *column, *null_column), Vec::new(), Vec::new()));
                        batches.len() - 1
                    }
                };
                batches[at].1.push(k as i32);
                batches[at].2.push(*parent);
            }
            other => {
                let mut predicate = other.predicate(&mut binds);
                predicate.push_str(&scope_predicate(other.table(), scope, "", &mut binds));
                branches.push(format!("select {k}, {}", capped(other.table(), &predicate)));
            }
        }
    }
    for ((table, column, null_column), ks, parents) in batches {
        binds.push(Bind::Ints(ks));
        binds.push(Bind::Ids(parents));
        let (ks, parents) = (binds.len() - 1, binds.len());
        let mut predicate = format!("{column} = b.parent");
        if let Some(null_column) = null_column {
            predicate.push_str(&format!(" and {null_column} is null"));
        }
        predicate.push_str(&scope_predicate(table, scope, "", &mut binds));
        branches.push(format!(
            "select b.k, {} from unnest(${ks}::int[], ${parents}::uuid[]) b(k, parent)",
            capped(table, &predicate)
        ));
    }
    let sql = if branches.is_empty() {
        "select '{}'::bigint[]".to_string()
    } else {
        format!(
            "select array_agg(n order by k) from ({}) counted(k, n)",
            branches.join(" union all ")
        )
    };
    Statement { sql, binds }
}

/// Every column of row `id` of `table` (JSON text, with its type), within a scope.
/// `read_types: false` leaves the type `unknown`, for a caller that has the catalog's
/// types: the statement then skips its join on `pg_attribute` (0.28 against 0.09 ms
/// executing, measured on an activity of the large tenant).
pub fn row_statement_in(
    table: &Table,
    id: Uuid,
    scope: Option<&Scope>,
    read_types: bool,
) -> Statement {
    let mut binds = vec![Bind::Id(id)];
    let (pg_type, types) = if read_types {
        (
            "coalesce(format_type(a.atttypid, a.atttypmod), 'unknown')",
            format!(
                " left join pg_attribute a on a.attrelid = '{}'::regclass and a.attname = j.key",
                table.name
            ),
        )
    } else {
        ("'unknown'", String::new())
    };
    let sql = format!(
        "select j.key, j.value, {pg_type} \
         from {t} r cross join lateral json_each_text(row_to_json(r)) with ordinality j(key, value, n){types} \
         where r.id = $1{scoped} order by j.n",
        t = table.name,
        scoped = scope_predicate(table, scope, "r.", &mut binds),
    );
    Statement { sql, binds }
}

/// Whether row `id` of `table` exists outside `scope` (one boolean, by primary key): how a
/// scoped session tells "outside the tenant" from "missing" without reading the row.
pub fn row_outside_statement(table: &Table, id: Uuid, scope: &Scope) -> Statement {
    let sql = match Scope::column(table) {
        Some(column) => format!(
            "select exists(select 1 from {} where id = $1 and {column} <> $2)",
            table.name
        ),
        None => format!(
            "select exists(select 1 from {} where id = $1 and $2::uuid is not null)",
            table.name
        ),
    };
    Statement {
        sql,
        binds: vec![Bind::Id(id), Bind::Id(scope.id())],
    }
}

/// Rows of `table` whose `column` equals a value (`id`, or a reference column).
pub fn items_statement(table: &Table, column: &str, value: &str, limit: u32) -> Statement {
    items_statement_in(table, column, value, limit, None)
}

/// [`items_statement`] within a session's scope.
pub fn items_statement_in(
    table: &Table,
    column: &str,
    value: &str,
    limit: u32,
    scope: Option<&Scope>,
) -> Statement {
    let bind = match (column, Uuid::parse_str(value)) {
        ("id", Ok(id)) => Bind::Id(id),
        _ => Bind::Text(value.to_string()),
    };
    let mut binds = vec![bind];
    let scoped = scope_predicate(table, scope, "", &mut binds);
    let status = table
        .status
        .map_or("null".to_string(), |c| format!("{c}::text"));
    let sql = format!(
        "select id, {}, {}, {status} from {} where {column} = $1{scoped} order by {} limit {limit}",
        created_at(table, ""),
        label_array(table),
        table.name,
        order_by(table),
    );
    Statement { sql, binds }
}

impl Live {
    /// Reads the catalog and makes this connection's effective schema from it (once per
    /// connection, and again on a reload).
    pub async fn load_schema(&self) -> anyhow::Result<&'static Schema> {
        let catalog = Catalog::read(self.pg()?).await?;
        let schema: &'static Schema =
            Box::leak(Box::new(effective::effective(&catalog, &self.overlay)));
        self.schema.set(schema);
        Ok(schema)
    }

    /// A MongoDB filter with the scope's `tenantId` added.
    fn scoped_filter(&self, mut filter: Document) -> Document {
        if let Some(scope) = &self.scope {
            filter.insert("tenantId", scope.id().to_string());
        }
        filter
    }

    /// Whether a key may be read: any key unscoped, the tenant's prefix scoped.
    pub fn holds_key(&self, key: &str) -> bool {
        self.scope.as_ref().is_none_or(|s| s.holds_key(key))
    }

    fn refusal(&self) -> String {
        self.scope
            .as_ref()
            .map_or_else(String::new, |s| s.refusal("it is"))
    }

    /// In a scoped session: whether row `id` of `table` exists outside the tenant. The
    /// statement carries the tenant's id (`tenant_id <> $2`) and returns one boolean.
    pub async fn row_outside(&self, table: &Table, id: Uuid) -> anyhow::Result<bool> {
        let Some(scope) = &self.scope else {
            return Ok(false);
        };
        let Statement { sql, binds } = row_outside_statement(table, id, scope);
        bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)), binds)
            .fetch_one(self.pg()?)
            .await
            .with_context(|| format!("reading {} {id}", table.name))
    }

    /// In a scoped session: whether document `id` exists with another `tenantId`.
    pub async fn document_outside(&self, collection: &str, id: ObjectId) -> anyhow::Result<bool> {
        if self.scope.is_none() {
            return Ok(false);
        }
        let found = self
            .mongo()?
            .collection::<Document>(collection)
            .find_one(doc! { "_id": id })
            .projection(doc! { "tenantId": 1 })
            .max_time(MONGO_MAX_TIME)
            .await
            .with_context(|| format!("reading {collection}/{id}"))?;
        Ok(found.is_some_and(|d| self.outside_scope(&d)))
    }

    fn pg(&self) -> anyhow::Result<&PgPool> {
        self.pg
            .as_ref()
            .ok_or_else(|| anyhow!("PostgreSQL is not connected"))
    }

    fn mongo(&self) -> anyhow::Result<&Database> {
        self.mongo
            .as_ref()
            .ok_or_else(|| anyhow!("MongoDB is not connected"))
    }

    fn s3(&self) -> anyhow::Result<(&S3, &str)> {
        self.s3
            .as_ref()
            .map(|(c, b)| (c, b.as_str()))
            .ok_or_else(|| anyhow!("S3 is not configured"))
    }

    /// The tenant `id_or_slug` names (a UUID is looked up as an id, anything else as a
    /// slug, ignoring case).
    pub async fn tenant(&self, id_or_slug: &str) -> anyhow::Result<Option<TenantRef>> {
        let schema = self.schema.get();
        let Some(Statement { sql, binds }) = tenant_statement(schema, id_or_slug) else {
            return Err(anyhow!(
                "tenants has no slug column in this database: name the tenant by its id"
            ));
        };
        let found: Vec<(Uuid, String, Vec<Option<String>>)> =
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), binds)
                .fetch_all(self.pg()?)
                .await
                .context("looking up the tenant")?;
        let (table, _) = tenants_table(schema);
        // A scoped session knows only its own tenant.
        let hits = found
            .into_iter()
            .map(|(id, slug, labels)| TenantRef {
                id,
                slug,
                name: tenant_name(table, id, &labels),
            })
            .filter(|t| self.scope.as_ref().is_none_or(|s| s.id() == t.id))
            .collect();
        one_tenant(hits, id_or_slug)
    }

    /// One page of `listing`, newest first, after `after`.
    pub async fn list(
        &self,
        listing: &Listing,
        after: Option<Cursor>,
        limit: u32,
    ) -> anyhow::Result<Page> {
        let table = listing.table();
        let Statement { sql, binds } =
            list_statement_in(listing, after, limit, self.scope.as_ref());
        type Listed = (Uuid, DateTime<Utc>, Vec<Option<String>>, Option<String>);
        let query = bind_all!(sqlx::query_as::<_, Listed>(AssertSqlSafe(sql)), binds);
        let rows = query
            .fetch_all(self.pg()?)
            .await
            .with_context(|| format!("listing {}", table.name))?;
        let items = rows
            .into_iter()
            .map(|(id, created_at, values, status)| Item {
                id,
                created_at,
                label: label(table, &values),
                status,
            })
            .collect();
        Ok(page(items, limit))
    }

    /// A page of tenants for the picker, newest first along `tenants_created_idx`, and
    /// where the next page starts.
    pub async fn tenants(
        &self,
        after: Option<Cursor>,
    ) -> anyhow::Result<(Vec<TenantEntry>, Option<Cursor>)> {
        type Row = (
            Uuid,
            DateTime<Utc>,
            Vec<Option<String>>,
            String,
            Option<String>,
        );
        let schema = self.schema.get();
        let (table, _) = tenants_table(schema);
        let Statement { sql, binds } = tenants_statement_in(schema, after, self.scope.as_ref());
        let query = bind_all!(sqlx::query_as::<_, Row>(AssertSqlSafe(sql)), binds);
        let rows = query
            .fetch_all(self.pg()?)
            .await
            .context("listing tenants")?;
        let next = (rows.len() == TENANT_PAGE as usize)
            .then(|| {
                rows.last().map(|r| Cursor {
                    created_at: r.1,
                    id: r.0,
                })
            })
            .flatten();
        let entries = rows
            .into_iter()
            .map(|(id, _, labels, slug, status)| TenantEntry {
                id,
                name: tenant_name(table, id, &labels),
                slug,
                status: status.unwrap_or_default(),
            })
            .collect();
        Ok((entries, next))
    }

    /// The row `id` of `table` as a tree node shows it, or None when there is none.
    pub async fn item(&self, table: &Table, id: Uuid) -> anyhow::Result<Option<Item>> {
        Ok(self
            .items_where(table, "id", &id.to_string(), 1)
            .await?
            .into_iter()
            .next())
    }

    /// Up to `limit` rows of `table` whose text column `column` (a reference to a
    /// document or an object) equals `value`, newest first.
    pub async fn referring(
        &self,
        table: &Table,
        column: &str,
        value: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<Item>> {
        self.items_where(table, column, value, limit).await
    }

    async fn items_where(
        &self,
        table: &Table,
        column: &str,
        value: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<Item>> {
        let Statement { sql, binds } =
            items_statement_in(table, column, value, limit, self.scope.as_ref());
        type Listed = (Uuid, DateTime<Utc>, Vec<Option<String>>, Option<String>);
        let rows = bind_all!(sqlx::query_as::<_, Listed>(AssertSqlSafe(sql)), binds)
            .fetch_all(self.pg()?)
            .await
            .with_context(|| format!("reading {} by {column}", table.name))?;
        Ok(rows
            .into_iter()
            .map(|(id, created_at, values, status)| Item {
                id,
                created_at,
                label: label(table, &values),
                status,
            })
            .collect())
    }

    /// How many rows `listing` has, counting at most `cap` + 1 of them.
    pub async fn count(&self, listing: &Listing, cap: u64) -> anyhow::Result<Count> {
        let table = listing.table();
        let Statement { sql, binds } = count_statement_in(listing, cap, self.scope.as_ref());
        let n = bind_all!(sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)), binds)
            .fetch_one(self.pg()?)
            .await
            .with_context(|| format!("counting {}", table.name))? as u64;
        Ok(Count {
            n: n.min(cap),
            capped: n > cap,
        })
    }

    /// The capped counts of `listings`, in order, in one statement (a row's groups, or
    /// every row's on a revealed path): one round trip however many there are.
    pub async fn counts(&self, listings: &[Listing], cap: u64) -> anyhow::Result<Vec<Count>> {
        if listings.is_empty() {
            return Ok(Vec::new());
        }
        let Statement { sql, binds } = counts_statement_in(listings, cap, self.scope.as_ref());
        let counts: Vec<i64> =
            bind_all!(sqlx::query_scalar::<_, Vec<i64>>(AssertSqlSafe(sql)), binds)
                .fetch_one(self.pg()?)
                .await
                .with_context(|| {
                    let mut tables: Vec<&str> = listings.iter().map(|l| l.table().name).collect();
                    tables.dedup();
                    format!("counting {}", tables.join(", "))
                })?;
        Ok(counts
            .into_iter()
            .map(|n| Count {
                n: (n as u64).min(cap),
                capped: n as u64 > cap,
            })
            .collect())
    }

    /// Every column of one row, in table order, as PostgreSQL renders it to JSON text.
    pub async fn row(&self, table: &Table, id: Uuid) -> anyhow::Result<Option<Vec<Field>>> {
        // Each column's type from the catalog the schema was fitted to, when there is one.
        let catalog = self.schema.get().catalog.as_ref();
        let known = catalog.and_then(|c| c.table(table.name));
        let Statement { sql, binds } =
            row_statement_in(table, id, self.scope.as_ref(), known.is_none());
        let fields: Vec<(String, Option<String>, String)> =
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), binds)
                .fetch_all(self.pg()?)
                .await
                .with_context(|| format!("reading {} {id}", table.name))?;
        let type_of = |column: &str, read: String| {
            known
                .and_then(|t| t.columns.iter().find(|c| c.name == column))
                .map_or(read, |c| c.data_type.clone())
        };
        Ok((!fields.is_empty()).then(|| {
            fields
                .into_iter()
                .map(|(column, value, read)| Field {
                    pg_type: type_of(&column, read),
                    column,
                    value,
                })
                .collect()
        }))
    }

    /// The document with `_id` = `id` in `collection`.
    pub async fn document(
        &self,
        collection: &str,
        id: ObjectId,
    ) -> anyhow::Result<Option<Document>> {
        // By `_id` alone, which every server answers from its index (FerretDB pushes
        // down only a filter on `_id`), then the scope: another tenant's is not there.
        let found = self
            .mongo()?
            .collection::<Document>(collection)
            .find_one(doc! { "_id": id })
            .max_time(MONGO_MAX_TIME)
            .await
            .with_context(|| format!("reading {collection}/{id}"))?;
        Ok(found.filter(|d| !self.outside_scope(d)))
    }

    /// Whether `document` belongs to another tenant than the scope's (or to none): read
    /// as the resolve and `check` read a document's tenant.
    fn outside_scope(&self, document: &Document) -> bool {
        self.scope
            .as_ref()
            .is_some_and(|scope| super::mongo::document_tenant(document) != Some(scope.id()))
    }

    /// Up to `limit` documents of `collection` whose `field` equals `value` (indexed fields only).
    pub async fn documents_where(
        &self,
        collection: &str,
        field: &str,
        value: Bson,
        limit: i64,
    ) -> anyhow::Result<Vec<Document>> {
        self.mongo()?
            .collection::<Document>(collection)
            .find(self.scoped_filter(doc! { field: value }))
            .sort(doc! { "_id": 1 })
            .limit(limit)
            .max_time(MONGO_MAX_TIME)
            .await
            .with_context(|| format!("reading {collection} by {field}"))?
            .try_collect()
            .await
            .with_context(|| format!("reading {collection} by {field}"))
    }

    /// The first `max_bytes` of an object (a ranged GET), or None when there is no such key.
    pub async fn object_head(
        &self,
        key: &str,
        max_bytes: u64,
    ) -> anyhow::Result<Option<ObjectHead>> {
        let (client, bucket) = self.s3()?;
        if !self.holds_key(key) {
            return Ok(None);
        }
        let response = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .range(format!("bytes=0-{}", max_bytes.saturating_sub(1)))
            .send()
            .await;
        let output = match response {
            Ok(output) => output,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => {
                // A zero-byte object cannot satisfy a range: fall back to HEAD.
                if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) {
                    return Ok(self.object_meta(key).await?.map(|meta| ObjectHead {
                        meta,
                        bytes: Vec::new(),
                    }));
                }
                return Err(aws_sdk_s3::Error::from(e))
                    .with_context(|| format!("GET s3://{bucket}/{key}"));
            }
        };
        let size = output
            .content_range()
            .and_then(|r| r.rsplit('/').next())
            .and_then(|total| total.parse().ok())
            .or(output.content_length().and_then(|l| u64::try_from(l).ok()))
            .unwrap_or(0);
        let meta = ObjectMeta {
            key: key.to_string(),
            size,
            content_type: output.content_type().map(str::to_string),
            etag: output.e_tag().map(str::to_string),
            last_modified: output.last_modified().map(|t| t.to_string()),
        };
        let bytes = output
            .body
            .collect()
            .await
            .with_context(|| format!("reading s3://{bucket}/{key}"))?
            .into_bytes()
            .to_vec();
        Ok(Some(ObjectHead { meta, bytes }))
    }

    /// Size, type, ETag and time of an object, or None when there is no such key.
    pub async fn object_meta(&self, key: &str) -> anyhow::Result<Option<ObjectMeta>> {
        let (client, bucket) = self.s3()?;
        if !self.holds_key(key) {
            return Ok(None);
        }
        match client.head_object().bucket(bucket).key(key).send().await {
            Ok(h) => Ok(Some(ObjectMeta {
                key: key.to_string(),
                size: h
                    .content_length()
                    .and_then(|l| u64::try_from(l).ok())
                    .unwrap_or(0),
                content_type: h.content_type().map(str::to_string),
                etag: h.e_tag().map(str::to_string),
                last_modified: h.last_modified().map(|t| t.to_string()),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => {
                Err(aws_sdk_s3::Error::from(e)).with_context(|| format!("HEAD s3://{bucket}/{key}"))
            }
        }
    }

    /// One LIST page (at most `max_keys`) of the bucket's keys under `prefix`, in byte
    /// order, from `start`. A scoped session lists only its tenant's prefix.
    pub async fn key_page(
        &self,
        prefix: &str,
        start: ListStart<'_>,
        max_keys: i32,
    ) -> anyhow::Result<KeyPage> {
        let (client, bucket) = self.s3()?;
        if !self.holds_key(prefix) {
            anyhow::bail!("s3://{bucket}/{prefix}: {}", self.refusal());
        }
        let mut request = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(max_keys);
        request = match start {
            ListStart::After(key) if !key.is_empty() => request.start_after(key),
            ListStart::After(_) => request,
            ListStart::Token(token) => request.continuation_token(token),
        };
        let output = request
            .send()
            .await
            .map_err(aws_sdk_s3::Error::from)
            .with_context(|| format!("LIST s3://{bucket}/{prefix}"))?;
        let keys = output
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
        let next = output
            .is_truncated()
            .unwrap_or(false)
            .then(|| output.next_continuation_token().map(str::to_string))
            .flatten();
        Ok(KeyPage { keys, next })
    }

    /// Bytes `start..start+len` of an object, for reading further or saving.
    pub async fn object_range(&self, key: &str, start: u64, len: u64) -> anyhow::Result<Vec<u8>> {
        let (client, bucket) = self.s3()?;
        if !self.holds_key(key) {
            anyhow::bail!("s3://{bucket}/{key}: {}", self.refusal());
        }
        let output = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .range(format!("bytes={start}-{}", start + len.max(1) - 1))
            .send()
            .await
            .map_err(aws_sdk_s3::Error::from)
            .with_context(|| format!("GET s3://{bucket}/{key}"))?;
        Ok(output
            .body
            .collect()
            .await
            .with_context(|| format!("reading s3://{bucket}/{key}"))?
            .into_bytes()
            .to_vec())
    }

    pub fn bucket(&self) -> Option<&str> {
        self.s3.as_ref().map(|(_, b)| b.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_found_ignoring_case_and_ambiguity_is_refused() {
        let a = Uuid::from_u128(1).to_string();
        let b = Uuid::from_u128(2).to_string();
        let c = Uuid::from_u128(3).to_string();
        let tenants = [
            (a.as_str(), "northwind", "Northwind"),
            (b.as_str(), "Acme-Co", "Acme upper"),
            (c.as_str(), "acme-co", "Acme lower"),
        ];
        let find = |s: &str| find_tenant(tenants, s);
        assert_eq!(find("NorthWind").unwrap().unwrap().name, "Northwind");
        assert_eq!(find("Acme-Co").unwrap().unwrap().name, "Acme upper");
        assert_eq!(find("acme-co").unwrap().unwrap().name, "Acme lower");
        let error = find("ACME-CO").unwrap_err().to_string();
        assert!(error.contains("(Acme-Co, acme-co)"), "{error}");
        assert!(find("nobody").unwrap().is_none());
        assert_eq!(
            find(&a.to_uppercase()).unwrap().unwrap().slug,
            "northwind",
            "an id in upper case is the same id"
        );
    }
}
