//! `tenantscope check`: every foreign key and every cross-store reference the schema
//! declares, checked against the live stores. Set-based where the database can do the
//! work, streaming everywhere, so memory stays bounded whatever the tenant's size; each
//! problem is handed over as it is found.
//!
//! The work is cut into parts, run a few at a time (`CONCURRENCY`), biggest table first:
//! - per table, one count of its rows and foreign key values;
//! - per (table, foreign key), one anti-join that returns only the rows whose key does
//!   not lead to a row of their own tenant: an orphan (no such row) or a `cross_tenant`
//!   key (a row of another tenant), told apart by a primary key lookup for those rows
//!   only. A key a validated constraint guarantees outright (`tenant_id` → `tenants`) is
//!   counted, not queried; every other key is, validated or not, since a constraint
//!   says nothing about the target's tenant;
//! - per table with S3 key columns, keyset pages of the rows holding a key: its prefix
//!   names the tenant (`cross_tenant`), the bucket's listing finds it (`missing_object`;
//!   `objects`: sorted keys against LIST pages, not a HEAD each);
//! - per PostgreSQL → MongoDB reference, the rows ordered by the column (one statement,
//!   streamed) against the collection: a merge join with its `_id`s ascending, each read
//!   once, or, where the values are few among the documents, a lookup by `_id` each;
//! - per collection with an S3 key field, its documents by cursor, their keys checked
//!   against the listing a chunk at a time; where a merge join's pass reads the whole
//!   collection anyway (FerretDB), from that pass, so the collection is read once.
//!
//! Problems of different parts interleave in the order they are found; within a part,
//! a join's come in the order of the reference value (by batches where looked up).

mod join;
mod objects;
pub mod progress;
pub mod sql;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use mongodb::Database;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::schema::{Collection, ForeignKey, Reference, Schema, Table};
use crate::seed::BrokenKind;
use crate::store::read::Live;
use crate::text::thousands;
use join::Join;
pub use progress::Progress;
pub use sql::{ROW_PAGE, count_sql, foreign_key_sql, join_sql, key_page_sql};

/// Parts run at once: each holds one PostgreSQL connection (the pool has 4) or a MongoDB
/// cursor; more would only queue on a small server.
pub const CONCURRENCY: usize = 3;
/// A lookup by `_id` costs about as much as passing this many documents in a merge
/// join's pass: on FerretDB 1.24 (SQLite) 1.6 ms a lookup against 0.14–0.22 ms a
/// document passed, measured with pymongo on 200,000 small documents under load.
const LOOKUP_COST: f64 = 10.0;
/// Lookups by `_id` in flight at once, per join.
const LOOKUPS: usize = 8;
/// Values looked up together (in order between batches, for the switch to a pass).
const LOOKUP_BATCH: usize = 64;
/// A collection's S3 keys checked together: one sorted walk over the bucket's listing
/// per chunk (about 4 MB of keys and locations).
const KEY_CHUNK: usize = 20_000;
/// Documents per cursor batch.
const DOC_BATCH: u32 = 1000;
/// A set statement reads a whole table (or a tenant's share of it): it may run for
/// minutes at scale, beyond the explorer's per-statement timeout, but not forever.
pub const SET_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What is wrong with one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A PostgreSQL column holds an ObjectId with no document in its collection.
    MissingDocument,
    /// An S3 key (in a PostgreSQL column or a document field) names no object.
    MissingObject,
    /// A reference that cannot even be looked up: not a 24-hex ObjectId, an empty or
    /// non-string S3 key.
    InvalidReference,
    /// A foreign key value names no row of its target table (a database without the
    /// constraint).
    OrphanRow,
    /// A reference resolves to another tenant's data: a document whose `tenantId`, an S3
    /// key whose `{tenantId}/` prefix, or a row whose `tenant_id` is not the referring
    /// row's (or document's) tenant.
    CrossTenant,
}

impl ProblemKind {
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::MissingDocument => "missing_document",
            ProblemKind::MissingObject => "missing_object",
            ProblemKind::InvalidReference => "invalid_reference",
            ProblemKind::OrphanRow => "orphan_row",
            ProblemKind::CrossTenant => "cross_tenant",
        }
    }
}

/// The generator's kinds of broken reference, as the check names them (a contract's
/// missing PDF is a missing object like any other).
impl From<BrokenKind> for ProblemKind {
    fn from(kind: BrokenKind) -> Self {
        match kind {
            BrokenKind::MissingDocument => ProblemKind::MissingDocument,
            BrokenKind::MissingObject | BrokenKind::MissingContractPdf => {
                ProblemKind::MissingObject
            }
        }
    }
}

/// One broken reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The tenant of the row or document (None for a document whose `tenantId` is not a UUID).
    pub tenant_id: Option<Uuid>,
    /// `table/uuid` or `collection/ObjectId hex` holding the reference.
    pub location: String,
    /// The column or document field holding it.
    pub field: String,
    /// Where it should lead: a table, a collection, or `s3://bucket`.
    pub target: String,
    /// The value that does not resolve: a UUID, an ObjectId, an S3 key, or what was there.
    pub reference: String,
    /// For `cross_tenant`: the tenant the target belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_tenant_id: Option<Uuid>,
}

impl std::fmt::Display for Problem {
    /// `missing_document activities/<uuid>.output_ref → activity_outputs/<oid>`, with
    /// control characters of stored values made visible; a `cross_tenant` line ends with
    /// ` of tenant <uuid>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let clean = |s: &str| crate::text::clean_line(s, 1000);
        write!(
            f,
            "{} {}.{} → {}/{}",
            self.kind.name(),
            clean(&self.location),
            clean(&self.field),
            clean(&self.target),
            clean(&self.reference)
        )?;
        if let Some(other) = self.other_tenant_id {
            write!(f, " of tenant {other}")?;
        }
        Ok(())
    }
}

/// What a check looked at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub tenant_id: Option<Uuid>,
    /// PostgreSQL rows read.
    pub rows: u64,
    /// Foreign key values (not NULL) checked against their target table.
    pub foreign_keys: u64,
    /// Foreign key values a validated constraint guarantees (a row's `tenant_id` to
    /// `tenants`): counted, not queried.
    pub foreign_keys_guaranteed: u64,
    /// PostgreSQL → MongoDB references looked up.
    pub documents_looked_up: u64,
    /// Documents read for their S3 keys.
    pub documents_scanned: u64,
    /// S3 keys checked against the bucket.
    pub objects: u64,
    pub problems: u64,
    pub problems_by_kind: BTreeMap<ProblemKind, u64>,
    /// Tables with references that this check leaves out, and why (`scores (no
    /// created_at)`): not knowing is not clean.
    pub not_checked: Vec<String>,
    #[serde(rename = "elapsed_s", serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl Summary {
    /// Records checked per second (rows, documents and objects).
    pub fn per_second(&self) -> f64 {
        (self.rows + self.documents_scanned + self.objects) as f64
            / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Checks every reference of `tenant` (of every tenant when None), calling `on_problem`
/// for each broken one as soon as it is found. Errors (a store that fails, a LIST that
/// fails) stop the check: an unanswered question is not a missing object.
pub async fn check(
    live: &Live,
    tenant: Option<Uuid>,
    on_problem: impl FnMut(&Problem),
) -> anyhow::Result<Summary> {
    check_with_progress(live, tenant, &Progress::new(), on_problem).await
}

/// `check`, keeping `progress` up to date for a face to show.
pub async fn check_with_progress(
    live: &Live,
    tenant: Option<Uuid>,
    progress: &Progress,
    on_problem: impl FnMut(&Problem),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let schema = live.schema.get();
    let db = live
        .mongo
        .as_ref()
        .context("check needs MongoDB (--mongo)")?;
    let checker = Checker {
        live,
        pg: live.pg.as_ref().context("check needs PostgreSQL (--pg)")?,
        db,
        bounded_passes: join::bounds_passes(db).await,
        bucket: live.bucket().context("check needs S3 (--bucket)")?,
        tenant,
        schema,
        summary: Mutex::new(Summary {
            tenant_id: tenant,
            ..Summary::default()
        }),
        on_problem: Mutex::new(on_problem),
        progress,
    };
    let (parts, not_checked) = parts(schema, !checker.bounded_passes);
    checker.summary().not_checked = not_checked;
    for part in &parts {
        progress.plan(part.owner());
        if let Part::Join(.., Some(keys)) = part {
            progress.plan(keys.name);
        }
    }
    futures::stream::iter(parts)
        .map(|part| checker.part(part))
        .buffer_unordered(CONCURRENCY)
        .try_for_each(|()| async { Ok(()) })
        .await?;
    let mut summary = checker
        .summary
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// How a PostgreSQL → MongoDB reference finds its documents: the first `lookups` values
/// by a lookup by `_id` each, the rest by a merge join (the collection's `_id`s
/// ascending, read once, against the values in order). A pass costs about as much as
/// `documents / LOOKUP_COST` lookups, so where the estimate of the values was low the
/// check costs at most about twice the cheaper plan.
#[derive(Debug, Clone, Copy)]
struct JoinPlan {
    lookups: u64,
}

/// One unit of a check's work.
#[derive(Debug, Clone, Copy)]
enum Part {
    /// The table's rows and foreign key values.
    Count(&'static Table),
    /// The rows whose foreign key does not lead to a row of their tenant.
    ForeignKey(&'static Table, &'static ForeignKey),
    /// The table's S3 keys: prefix and existence.
    Keys(&'static Table),
    /// A PostgreSQL → MongoDB reference: a merge join or lookups ([`JoinPlan`]); with a
    /// collection, also that collection's S3 keys, from the merge join's own pass over
    /// it where passes read the whole collection (FerretDB), else after it.
    Join(
        &'static Table,
        &'static str,
        &'static str,
        Option<&'static Collection>,
    ),
    /// A collection's S3 keys.
    Collection(&'static Collection),
}

impl Part {
    /// The table or collection it belongs to (its progress entry).
    fn owner(&self) -> &'static str {
        match self {
            Part::Count(t) | Part::ForeignKey(t, _) | Part::Keys(t) | Part::Join(t, ..) => t.name,
            Part::Collection(c) => c.name,
        }
    }

    /// What the log calls it.
    fn name(&self) -> String {
        match self {
            Part::Count(t) => format!("{} count", t.name),
            Part::ForeignKey(t, fk) => format!("{}.{} → {}", t.name, fk.column, fk.target),
            Part::Keys(t) => format!("{} S3 keys", t.name),
            Part::Join(t, column, collection, None) => {
                format!("{}.{column} ⋈ {collection}", t.name)
            }
            Part::Join(t, column, collection, Some(_)) => {
                format!("{}.{column} ⋈ {collection}, and its S3 keys", t.name)
            }
            Part::Collection(c) => format!("{} S3 keys", c.name),
        }
    }

    /// A rough cost, in rows read by PostgreSQL (a merge join's row costs more, an S3 key
    /// much more), so the biggest parts start first and the small ones fill in.
    fn cost(&self, schema: &Schema) -> f64 {
        let rows = |name: &str| {
            schema
                .catalog
                .as_ref()
                .and_then(|c| c.table(name))
                .map_or(0.0, |t| t.estimated_rows.max(0.0))
        };
        match self {
            Part::Count(t) => rows(t.name),
            Part::ForeignKey(t, fk) => rows(t.name) + rows(fk.target),
            Part::Keys(t) => rows(t.name) * 50.0,
            Part::Join(t, .., None) => rows(t.name) * 50.0,
            Part::Join(t, .., Some(c)) => rows(t.name) * 50.0 + Part::Collection(c).cost(schema),
            Part::Collection(c) => {
                // About one document per referring row.
                let referring: f64 = schema
                    .tables
                    .iter()
                    .filter(|t| {
                        t.references.iter().any(|r| {
                            matches!(r, Reference::Mongo { collection, .. } if *collection == c.name)
                        })
                    })
                    .map(|t| rows(t.name))
                    .sum();
                referring * 50.0
            }
        }
    }
}

/// The parts of a check of `schema`, biggest table first, and the tables left out with
/// why: its pages need `created_at`, and a table the declaration does not know is not
/// checked; the summary names both. Where a merge join's pass reads its whole collection
/// (`whole_passes`), a collection's S3 keys are checked from the pass of the first join
/// on it, the costliest: one read of the collection instead of two.
fn parts(schema: &'static Schema, whole_passes: bool) -> (Vec<Part>, Vec<String>) {
    let mut parts = Vec::new();
    let mut not_checked = Vec::new();
    for table in schema.tables {
        if table.foreign_keys.is_empty() && table.references.is_empty() {
            continue;
        }
        if !table.created_at || table.discovered {
            let why = if table.discovered {
                "not declared"
            } else {
                "no created_at"
            };
            tracing::warn!(table = table.name, why, "not checked");
            not_checked.push(format!("{} ({why})", table.name));
            continue;
        }
        parts.push(Part::Count(table));
        for fk in table.foreign_keys {
            if !guaranteed(schema, table, fk) {
                parts.push(Part::ForeignKey(table, fk));
            }
        }
        if sql::s3_columns(table).next().is_some() {
            parts.push(Part::Keys(table));
        }
        for reference in table.references {
            if let Reference::Mongo {
                column, collection, ..
            } = reference
            {
                parts.push(Part::Join(table, column, collection, None));
            }
        }
    }
    for collection in schema.collections {
        if collection.s3_key_field.is_none() {
            continue;
        }
        let carrier = parts
            .iter_mut()
            .filter(|p| matches!(p, Part::Join(_, _, c, None) if *c == collection.name))
            // The first of the costliest.
            .min_by(|a, b| b.cost(schema).total_cmp(&a.cost(schema)));
        match carrier {
            Some(Part::Join(.., keys)) if whole_passes => *keys = Some(collection),
            _ => parts.push(Part::Collection(collection)),
        }
    }
    // A table's parts together (its progress line is its own), the costliest tables
    // first, and within a table its costliest part first.
    let mut tables: Vec<(&'static str, f64, Vec<Part>)> = Vec::new();
    for part in parts {
        let cost = part.cost(schema);
        match tables.iter_mut().find(|(owner, ..)| *owner == part.owner()) {
            Some((_, total, list)) => {
                *total += cost;
                list.push(part);
            }
            None => tables.push((part.owner(), cost, vec![part])),
        }
    }
    tables.sort_by(|a, b| b.1.total_cmp(&a.1));
    let parts = tables
        .into_iter()
        .flat_map(|(_, _, mut list)| {
            list.sort_by(|a, b| b.cost(schema).total_cmp(&a.cost(schema)));
            list
        })
        .collect();
    (parts, not_checked)
}

/// Whether the database itself guarantees every value of `fk`: a validated constraint
/// from the row's own `tenant_id` to `tenants` (it names an existing tenant, and that
/// tenant is the row's). Other validated keys name an existing row, of any tenant, so
/// they are still compared.
pub fn guaranteed(schema: &Schema, table: &Table, fk: &ForeignKey) -> bool {
    fk.column == "tenant_id"
        && fk.target == "tenants"
        && schema
            .catalog
            .as_ref()
            .and_then(|c| c.table(table.name))
            .is_some_and(|t| {
                t.foreign_keys.iter().any(|k| {
                    k.validated
                        && k.target == "tenants"
                        && k.columns == ["tenant_id"]
                        && k.target_columns == ["id"]
                })
            })
}

struct Checker<'a, F> {
    live: &'a Live,
    pg: &'a PgPool,
    db: &'a Database,
    /// A merge join's pass over a collection starts at the first wanted `_id`.
    bounded_passes: bool,
    bucket: &'a str,
    tenant: Option<Uuid>,
    schema: &'static Schema,
    summary: Mutex<Summary>,
    on_problem: Mutex<F>,
    progress: &'a Progress,
}

/// A reference found in a row or document, waiting for its lookup.
struct Pending {
    tenant_id: Option<Uuid>,
    location: String,
    field: &'static str,
    value: String,
}

/// A transaction whose statements may run for `SET_STATEMENT_TIMEOUT`: a set statement
/// reads a whole table. Read-only like the pool (`default_transaction_read_only`).
async fn long_transaction(pg: &PgPool) -> anyhow::Result<Transaction<'static, Postgres>> {
    let mut tx = pg.begin().await.context("PostgreSQL")?;
    let ms = SET_STATEMENT_TIMEOUT.as_millis();
    sqlx::query(AssertSqlSafe(format!("set local statement_timeout = {ms}")))
        .execute(&mut *tx)
        .await
        .context("PostgreSQL")?;
    Ok(tx)
}

impl<F: FnMut(&Problem)> Checker<'_, F> {
    fn summary(&self) -> std::sync::MutexGuard<'_, Summary> {
        self.summary.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn report(&self, kind: ProblemKind, pending: &Pending, target: &str) {
        self.report_problem(kind, pending, target, None);
    }

    /// A `cross_tenant` problem: `pending` leads to data of tenant `other`.
    fn report_other(&self, pending: &Pending, target: &str, other: Uuid) {
        self.report_problem(ProblemKind::CrossTenant, pending, target, Some(other));
    }

    fn report_problem(
        &self,
        kind: ProblemKind,
        pending: &Pending,
        target: &str,
        other_tenant_id: Option<Uuid>,
    ) {
        let problem = Problem {
            kind,
            tenant_id: pending.tenant_id,
            location: pending.location.clone(),
            field: pending.field.to_string(),
            target: target.to_string(),
            reference: pending.value.clone(),
            other_tenant_id,
        };
        {
            let mut summary = self.summary();
            summary.problems += 1;
            *summary.problems_by_kind.entry(kind).or_default() += 1;
        }
        // One problem at a time: each is one whole line wherever it goes.
        let mut on_problem = self.on_problem.lock().unwrap_or_else(|e| e.into_inner());
        (on_problem)(&problem);
    }

    /// Runs one part, with its time in the log and its progress kept.
    async fn part(&self, part: Part) -> anyhow::Result<()> {
        let owner = part.owner();
        self.progress.start(owner);
        let at = Instant::now();
        let result = match part {
            Part::Count(table) => self.count(table).await,
            Part::ForeignKey(table, fk) => self.foreign_key(table, fk).await,
            Part::Keys(table) => self.keys(table).await,
            Part::Join(table, column, collection, keys) => {
                self.mongo_column(table, column, collection, keys).await
            }
            Part::Collection(collection) => self.collection(collection).await,
        };
        let ms = at.elapsed().as_millis() as u64;
        tracing::info!(part = part.name(), ms, "checked");
        self.progress.end(owner);
        result
    }

    /// The table's rows and its foreign key values, each counted as checked or as
    /// guaranteed by a constraint.
    async fn count(&self, table: &'static Table) -> anyhow::Result<()> {
        let sql = count_sql(table, self.tenant.is_some());
        let mut tx = long_transaction(self.pg).await?;
        let mut query = sqlx::query_as::<_, (i64, Vec<i64>)>(AssertSqlSafe(sql));
        if let Some(tenant) = self.tenant {
            query = query.bind(tenant);
        }
        let (rows, keys) = query
            .fetch_one(&mut *tx)
            .await
            .with_context(|| format!("counting {}", table.name))?;
        let mut summary = self.summary();
        summary.rows += rows as u64;
        for (fk, n) in table.foreign_keys.iter().zip(keys) {
            if guaranteed(self.schema, table, fk) {
                summary.foreign_keys_guaranteed += n as u64;
            } else {
                summary.foreign_keys += n as u64;
            }
        }
        drop(summary);
        self.progress.counted(table.name, rows as u64);
        Ok(())
    }

    /// The orphans of `table.fk` and its keys to another tenant's rows, streamed from
    /// one anti-join.
    async fn foreign_key(
        &self,
        table: &'static Table,
        fk: &'static ForeignKey,
    ) -> anyhow::Result<()> {
        let sql = foreign_key_sql(table, fk, self.tenant.is_some());
        let mut tx = long_transaction(self.pg).await?;
        let mut query = sqlx::query_as::<_, (Uuid, Uuid, Uuid, Option<Uuid>)>(AssertSqlSafe(sql));
        if let Some(tenant) = self.tenant {
            query = query.bind(tenant);
        }
        let context = || format!("checking {}.{}", table.name, fk.column);
        let mut rows = query.fetch(&mut *tx);
        while let Some((id, tenant_id, value, owner)) =
            rows.try_next().await.with_context(context)?
        {
            let found = Pending {
                tenant_id: Some(tenant_id),
                location: format!("{}/{id}", table.name),
                field: fk.column,
                value: value.to_string(),
            };
            match owner {
                None => self.report(ProblemKind::OrphanRow, &found, fk.target),
                Some(owner) if owner != tenant_id => self.report_other(&found, fk.target, owner),
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The table's S3 keys, a keyset page at a time: each key's prefix, then whether it exists.
    async fn keys(&self, table: &'static Table) -> anyhow::Result<()> {
        let scoped = self.tenant.is_some();
        let (first_sql, next_sql) = (
            key_page_sql(table, scoped, true),
            key_page_sql(table, scoped, false),
        );
        type KeyRow = (Uuid, DateTime<Utc>, Uuid, Vec<Option<String>>);
        let mut after: Option<(DateTime<Utc>, Uuid)> = None;
        loop {
            let sql = if after.is_some() {
                &next_sql
            } else {
                &first_sql
            };
            let mut query = sqlx::query_as::<_, KeyRow>(AssertSqlSafe(sql.clone()));
            if let Some(tenant) = self.tenant {
                query = query.bind(tenant);
            }
            if let Some((created_at, id)) = after {
                if scoped {
                    query = query.bind(created_at);
                }
                query = query.bind(id);
            }
            let rows = query
                .fetch_all(self.pg)
                .await
                .with_context(|| format!("reading {}", table.name))?;
            let full = rows.len() as i64 == ROW_PAGE;
            after = rows.last().map(|r| (r.1, r.0));
            self.progress.read(table.name, rows.len() as u64);
            let mut pending = Vec::new();
            for (id, _, tenant_id, values) in rows {
                for (column, value) in sql::s3_columns(table).zip(values) {
                    let Some(value) = value else { continue };
                    let found = Pending {
                        tenant_id: Some(tenant_id),
                        location: format!("{}/{id}", table.name),
                        field: column,
                        value,
                    };
                    if let Some(other) = other_tenant_of_key(&found.value, Some(tenant_id)) {
                        let target = format!("s3://{}", self.bucket);
                        self.report_other(&found, &target, other);
                    }
                    pending.push(found);
                }
            }
            self.objects(pending).await?;
            if !full {
                return Ok(());
            }
        }
    }

    /// `table.column` against `collection`: the rows holding a value, in the column's
    /// order (one statement, streamed), each value's document found by one of two plans.
    /// A lowercase 24-hex value sorts as its ObjectId's bytes; any other value is an
    /// `invalid_reference` and is not looked for. Rows holding the same ObjectId are each
    /// checked. A row's document exists if it is there at all, whatever its tenant, as
    /// with a lookup by `_id`; a document of another tenant than the row's is a
    /// `cross_tenant` problem.
    ///
    /// The plan ([`JoinPlan`]): a merge join (the collection's `_id`s ascending, read
    /// once from the first value on) where the values are many among the documents; a
    /// lookup by `_id` per value where they are few (a small tenant in a large
    /// collection), since a pass would read the whole collection for them, switching to
    /// the pass if the values turn out many. The log says which plan ran.
    ///
    /// With `keys`, the S3 keys of that collection's documents are checked too: from the
    /// merge join's own pass where it reads the whole collection ([`Join::share`]), which
    /// goes on to the last document, else by their own read after the join.
    async fn mongo_column(
        &self,
        table: &'static Table,
        column: &'static str,
        collection: &'static str,
        keys: Option<&'static Collection>,
    ) -> anyhow::Result<()> {
        let sql = join_sql(table, column, self.tenant.is_some());
        let plan = self.join_plan(&sql, table, column, collection).await?;
        let mut join = Join::new(self.bounded_passes);
        let shared = match keys.and_then(|c| Some((c, c.s3_key_field?))) {
            Some((c, field)) if plan.lookups == 0 => join
                .share(self.db, collection, field)
                .map(|documents| (c, field, join::shared_documents(c.name, documents))),
            _ => None,
        };
        if plan.lookups == 0 {
            join.start(self.db, collection);
        }
        let joined = self.join_values(sql, table, column, collection, plan, join);
        match (keys, shared) {
            (_, Some((c, field, documents))) => {
                // The documents the collection's own read would find: a scoped check's
                // by their exact `tenantId`, as that find filters.
                let tenant = self.tenant.map(|t| t.to_string());
                let documents = documents.try_filter(move |d| {
                    let wanted = tenant
                        .as_deref()
                        .is_none_or(|t| d.get_str("tenantId") == Ok(t));
                    std::future::ready(wanted)
                });
                let keys = self.carried(c, self.collection_keys(c, field, documents));
                futures::try_join!(joined, keys)?;
                Ok(())
            }
            (Some(c), None) => {
                joined.await?;
                self.carried(c, self.collection(c)).await
            }
            (None, None) => joined.await,
        }
    }

    /// A collection's S3 keys checked within another part: its own progress entry.
    async fn carried(
        &self,
        collection: &'static Collection,
        check: impl Future<Output = anyhow::Result<()>>,
    ) -> anyhow::Result<()> {
        self.progress.start(collection.name);
        let result = check.await;
        self.progress.end(collection.name);
        result
    }

    /// The rows of `sql` (`table.column`'s values in order) against `collection` by
    /// `plan`, the merge join's side read by `join`.
    async fn join_values(
        &self,
        sql: String,
        table: &'static Table,
        column: &'static str,
        collection: &'static str,
        plan: JoinPlan,
        mut join: Join,
    ) -> anyhow::Result<()> {
        let mut tx = long_transaction(self.pg).await?;
        let mut query = sqlx::query_as::<_, (Uuid, Uuid, String)>(AssertSqlSafe(sql));
        if let Some(tenant) = self.tenant {
            query = query.bind(tenant);
        }
        let context = || format!("reading {}.{column}", table.name);
        let mut read = 0u64;
        let values = query
            .fetch(&mut *tx)
            .map_err(|e| anyhow::Error::from(e).context(context()))
            .try_filter_map(|(id, tenant_id, value)| {
                read += 1;
                if read.is_multiple_of(ROW_PAGE as u64) {
                    self.progress.read(table.name, ROW_PAGE as u64);
                }
                let pending = Pending {
                    tenant_id: Some(tenant_id),
                    location: format!("{}/{id}", table.name),
                    field: column,
                    value,
                };
                // Only lowercase hex is what the platform writes; other text is not ours.
                let found = match ObjectId::parse_str(&pending.value) {
                    Ok(oid) if oid.to_hex() == pending.value => {
                        self.summary().documents_looked_up += 1;
                        Some((pending, oid))
                    }
                    _ => {
                        self.report(ProblemKind::InvalidReference, &pending, collection);
                        None
                    }
                };
                std::future::ready(Ok(found))
            });
        let mut values = std::pin::pin!(values);
        let mut last: Option<ObjectId> = None;
        let mut lookups_left = plan.lookups;
        let mut batch = Vec::new();
        while let Some((pending, oid)) = values.try_next().await? {
            if let Some(last) = last.filter(|last| oid < *last) {
                anyhow::bail!(
                    "{}.{column} does not come in ObjectId order ({} after {}): \
                     the database's collation does not sort lowercase hex bytewise",
                    table.name,
                    pending.value,
                    last.to_hex()
                );
            }
            last = Some(oid);
            if lookups_left > 0 {
                lookups_left -= 1;
                batch.push((pending, oid));
                if batch.len() == LOOKUP_BATCH || lookups_left == 0 {
                    self.look_up(collection, std::mem::take(&mut batch)).await?;
                }
                if lookups_left == 0 {
                    // The estimate was low: a pass over the rest now costs less.
                    tracing::info!(
                        part = format!("{}.{column} ⋈ {collection}", table.name),
                        lookups = plan.lookups,
                        "more values than estimated: the rest by a pass over the collection"
                    );
                }
                continue;
            }
            let owner = join.find(self.db, collection, oid).await?;
            self.judge_document(&pending, collection, owner);
        }
        self.look_up(collection, batch).await?;
        self.progress.read(table.name, read % ROW_PAGE as u64);
        Ok(())
    }

    /// Looks the documents of `batch` up by `_id`, `LOOKUPS` at a time.
    async fn look_up(
        &self,
        collection: &str,
        batch: Vec<(Pending, ObjectId)>,
    ) -> anyhow::Result<()> {
        futures::stream::iter(batch)
            .map(|(pending, oid)| async move {
                let owner = join::lookup(self.db, collection, oid).await?;
                anyhow::Ok((pending, owner))
            })
            .buffer_unordered(LOOKUPS)
            .try_for_each(|(pending, owner)| {
                self.judge_document(&pending, collection, owner);
                std::future::ready(Ok(()))
            })
            .await
    }

    /// What a row's document says: missing, another tenant's, or fine (its tenant, or a
    /// `tenantId` that is no tenant's id: nothing to compare).
    fn judge_document(&self, pending: &Pending, collection: &str, owner: Option<Option<Uuid>>) {
        match owner {
            None => self.report(ProblemKind::MissingDocument, pending, collection),
            Some(Some(owner)) if Some(owner) != pending.tenant_id => {
                self.report_other(pending, collection, owner)
            }
            Some(_) => {}
        }
    }

    /// Lookups where the rows' values (the planner's estimate of `sql`) are fewer than a
    /// tenth of the collection's documents ([`join::documents`]; [`LOOKUP_COST`]), else
    /// the merge join.
    async fn join_plan(
        &self,
        sql: &str,
        table: &Table,
        column: &str,
        collection: &str,
    ) -> anyhow::Result<JoinPlan> {
        let mut explain = sqlx::query_scalar::<_, serde_json::Value>(AssertSqlSafe(format!(
            "explain (format json) {sql}"
        )));
        if let Some(tenant) = self.tenant {
            explain = explain.bind(tenant);
        }
        let plan = explain
            .fetch_one(self.pg)
            .await
            .with_context(|| format!("planning {}.{column}", table.name))?;
        let values = plan[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(f64::MAX);
        let documents = join::documents(self.db, collection).await? as f64;
        let plan = JoinPlan {
            lookups: if values * LOOKUP_COST < documents {
                (documents / LOOKUP_COST) as u64
            } else {
                0
            },
        };
        tracing::info!(
            part = format!("{}.{column} ⋈ {collection}", table.name),
            values,
            documents,
            plan = if plan.lookups > 0 { "lookups" } else { "merge" },
            lookups = plan.lookups,
            "join plan"
        );
        Ok(plan)
    }

    /// Whether the objects `list` names exist: a missing one is a `missing_object`, an
    /// empty key an `invalid_reference`. One sorted walk over the bucket's LIST pages.
    async fn objects(&self, list: Vec<Pending>) -> anyhow::Result<()> {
        let target = format!("s3://{}", self.bucket);
        // Keys outside a scoped session's prefix are not read, as a HEAD would not be.
        let mut keys: Vec<String> = list
            .iter()
            .filter(|p| !p.value.is_empty() && self.live.holds_key(&p.value))
            .map(|p| p.value.clone())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let found = objects::existing(self.live, &keys).await?;
        for pending in list {
            if pending.value.is_empty() {
                self.report(ProblemKind::InvalidReference, &pending, &target);
                continue;
            }
            self.summary().objects += 1;
            let exists = keys.binary_search(&pending.value).is_ok_and(|at| found[at]);
            if !exists {
                self.report(ProblemKind::MissingObject, &pending, &target);
            }
        }
        Ok(())
    }

    /// Streams the collection's documents (the tenant's, by the indexed `tenantId`) and
    /// checks the key each names, `KEY_CHUNK` keys at a time.
    async fn collection(&self, collection: &'static Collection) -> anyhow::Result<()> {
        let Some(field) = collection.s3_key_field else {
            return Ok(());
        };
        let filter = match self.tenant {
            // The platform stores tenantId as the UUID's hyphenated lowercase text.
            Some(tenant) => doc! { "tenantId": tenant.to_string() },
            None => doc! {},
        };
        let context = move || format!("reading {}", collection.name);
        let documents = self
            .db
            .collection::<Document>(collection.name)
            .find(filter)
            .projection(doc! { "_id": 1, "tenantId": 1, field: 1 })
            .batch_size(DOC_BATCH)
            .await
            .with_context(context)?
            .map_err(move |e| anyhow::Error::from(e).context(context()));
        self.collection_keys(collection, field, documents).await
    }

    /// Checks the key `field` of each of `documents`, `KEY_CHUNK` keys at a time.
    async fn collection_keys(
        &self,
        collection: &'static Collection,
        field: &'static str,
        documents: impl futures::Stream<Item = anyhow::Result<Document>>,
    ) -> anyhow::Result<()> {
        let mut documents = std::pin::pin!(documents);
        let target = format!("s3://{}", self.bucket);
        let mut chunk = Vec::new();
        while let Some(d) = documents.try_next().await? {
            self.summary().documents_scanned += 1;
            self.progress.read(collection.name, 1);
            let id = match d.get("_id") {
                Some(Bson::ObjectId(id)) => id.to_hex(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let mut pending = Pending {
                tenant_id: crate::store::mongo::document_tenant(&d),
                location: format!("{}/{id}", collection.name),
                field,
                value: String::new(),
            };
            match d.get(field) {
                // No key: nothing to check.
                None | Some(Bson::Null) => continue,
                Some(Bson::String(key)) if !key.is_empty() => pending.value = key.clone(),
                Some(other) => {
                    pending.value = other.to_string();
                    self.report(ProblemKind::InvalidReference, &pending, &target);
                    continue;
                }
            }
            if let Some(other) = other_tenant_of_key(&pending.value, pending.tenant_id) {
                self.report_other(&pending, &target, other);
            }
            chunk.push(pending);
            if chunk.len() == KEY_CHUNK {
                self.objects(std::mem::take(&mut chunk)).await?;
            }
        }
        self.objects(chunk).await
    }
}

/// The tenant an S3 key belongs to by its `{tenantId}/` prefix (both key patterns of the
/// platform start with it), when that is not `tenant`. A key without a UUID prefix, or
/// a holder of no known tenant, says nothing.
pub fn other_tenant_of_key(key: &str, tenant: Option<Uuid>) -> Option<Uuid> {
    let tenant = tenant?;
    let (prefix, _) = key.split_once('/')?;
    let owner = Uuid::parse_str(prefix).ok()?;
    (owner != tenant).then_some(owner)
}

/// `checked 24,512 rows, 30,105 foreign keys (24,512 more guaranteed by constraints), … in 3.1 s (9,100 records/s): 93 problems (missing_document 31, …)`
pub fn summary_line(s: &Summary) -> String {
    let problems = if s.problems == 0 {
        "no problems".to_string()
    } else {
        let kinds: Vec<_> = s
            .problems_by_kind
            .iter()
            .map(|(kind, n)| format!("{} {}", kind.name(), thousands(*n)))
            .collect();
        format!("{} problems ({})", thousands(s.problems), kinds.join(", "))
    };
    let guaranteed = if s.foreign_keys_guaranteed == 0 {
        String::new()
    } else {
        format!(
            " ({} more guaranteed by constraints)",
            thousands(s.foreign_keys_guaranteed)
        )
    };
    let not_checked = if s.not_checked.is_empty() {
        String::new()
    } else {
        format!("; not checked: {}", s.not_checked.join(", "))
    };
    format!(
        "checked {} rows, {} foreign keys{guaranteed}, {} document references, {} documents, {} objects in {:.1} s ({} records/s): {problems}{not_checked}",
        thousands(s.rows),
        thousands(s.foreign_keys),
        thousands(s.documents_looked_up),
        thousands(s.documents_scanned),
        thousands(s.objects),
        s.elapsed.as_secs_f64(),
        thousands(s.per_second() as u64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collections_keys_ride_on_a_join_pass_only_where_passes_read_it_whole() {
        let schema = Schema::declared();
        let carried = |parts: &[Part]| -> Vec<String> {
            parts
                .iter()
                .filter_map(|p| match p {
                    Part::Join(t, column, _, Some(c)) => {
                        Some(format!("{}.{column} {}", t.name, c.name))
                    }
                    _ => None,
                })
                .collect()
        };
        let own = |parts: &[Part]| -> Vec<&str> {
            parts
                .iter()
                .filter_map(|p| match p {
                    Part::Collection(c) => Some(c.name),
                    _ => None,
                })
                .collect()
        };
        let (whole, _) = parts(schema, true);
        assert_eq!(carried(&whole), ["activities.output_ref activity_outputs"]);
        assert!(own(&whole).is_empty(), "{:?}", own(&whole));
        let (bounded, _) = parts(schema, false);
        assert!(carried(&bounded).is_empty());
        assert_eq!(own(&bounded), ["activity_outputs"]);
    }

    #[test]
    fn a_key_belongs_to_the_tenant_its_prefix_names() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(
            other_tenant_of_key(&format!("{b}/outputs/x.md"), Some(a)),
            Some(b)
        );
        assert_eq!(
            other_tenant_of_key(&format!("{a}/outputs/x.md"), Some(a)),
            None
        );
        // Upper case is the same UUID.
        let upper = b.to_string().to_uppercase();
        assert_eq!(
            other_tenant_of_key(&format!("{upper}/c.pdf"), Some(a)),
            Some(b)
        );
        assert_eq!(other_tenant_of_key("tenants/x/y.md", Some(a)), None);
        assert_eq!(other_tenant_of_key(&b.to_string(), Some(a)), None);
        assert_eq!(other_tenant_of_key(&format!("{b}/x"), None), None);
    }

    #[test]
    fn a_cross_tenant_line_names_the_other_tenant() {
        let problem = Problem {
            kind: ProblemKind::CrossTenant,
            tenant_id: Some(Uuid::from_u128(1)),
            location: "goals/g".into(),
            field: "strategy_id".into(),
            target: "strategies".into(),
            reference: "s".into(),
            other_tenant_id: Some(Uuid::from_u128(2)),
        };
        assert_eq!(
            problem.to_string(),
            format!(
                "cross_tenant goals/g.strategy_id → strategies/s of tenant {}",
                Uuid::from_u128(2)
            )
        );
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["kind"], "cross_tenant");
        assert_eq!(json["other_tenant_id"], Uuid::from_u128(2).to_string());
    }
}
