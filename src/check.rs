//! `tenantscope check`: every foreign key and every cross-store reference the schema
//! declares, checked against the live stores. It streams: rows come in keyset pages,
//! documents through a cursor, objects by HEAD a few at a time, and each problem is
//! handed over as it is found, so memory stays bounded whatever the tenant's size.
//!
//! PostgreSQL → MongoDB references are checked by a merge join, per (table, column):
//! the rows ordered by the column (on its partial index) against the collection's `_id`s
//! in ascending order, so each side is read once. Their problems therefore come out
//! after the table's other problems, in the order of the reference value.
//!
//! A reference that resolves to another tenant's data is a problem of its own
//! (`cross_tenant`): a document whose `tenantId` is not the row's tenant (read by the same
//! merge join), an S3 key whose `{tenantId}/` prefix names another tenant (decided from
//! the key, before its HEAD), a foreign key to a row of another tenant (the parent's
//! `tenant_id`, read by the same primary key lookup that finds orphans).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use mongodb::{Cursor, Database};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::schema::{Collection, Reference, Table};
use crate::seed::BrokenKind;
use crate::store::read::Live;
use crate::text::thousands;

/// Rows per keyset page.
pub const ROW_PAGE: i64 = 1000;
/// HEAD requests in flight at once.
pub const HEAD_CONCURRENCY: usize = 16;
/// Documents per cursor batch.
const DOC_BATCH: u32 = 1000;
/// `_id`s per cursor batch of the merge join's collection side (12-byte ObjectIds: a
/// batch is about 100 KB).
const ID_BATCH: u32 = 5000;

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
    /// PostgreSQL → MongoDB references looked up.
    pub documents_looked_up: u64,
    /// Documents read for their S3 keys.
    pub documents_scanned: u64,
    /// S3 keys checked with HEAD.
    pub objects: u64,
    pub problems: u64,
    pub problems_by_kind: BTreeMap<ProblemKind, u64>,
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
/// for each broken one as soon as it is found. Errors (a store that fails, a HEAD that
/// answers something other than 404) stop the check: an unanswered question is not a
/// missing object.
pub async fn check(
    live: &Live,
    tenant: Option<Uuid>,
    on_problem: impl FnMut(&Problem),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut checker = Checker {
        live,
        pg: live.pg.as_ref().context("check needs PostgreSQL (--pg)")?,
        db: live
            .mongo
            .as_ref()
            .context("check needs MongoDB (--mongo)")?,
        bucket: live.bucket().context("check needs S3 (--bucket)")?,
        tenant,
        summary: Summary {
            tenant_id: tenant,
            ..Summary::default()
        },
        on_problem,
    };
    // The effective schema's tables; its pages need `created_at`, so a table without it
    // (or one the declaration does not know) is left out, and the log says so.
    let schema = live.schema.get();
    let (tables, left_out): (Vec<&'static Table>, Vec<&'static Table>) = schema
        .tables
        .iter()
        .partition(|t| t.created_at && !t.discovered);
    for table in left_out {
        tracing::warn!(
            table = table.name,
            "not checked: no created_at, or not declared"
        );
    }
    // Per-table and per-collection times go to the log, to see where a slow check spends.
    for table in tables {
        let at = Instant::now();
        checker.table(table).await?;
        tracing::info!(
            table = table.name,
            ms = at.elapsed().as_millis() as u64,
            "checked"
        );
        for reference in table.references {
            if let Reference::Mongo {
                column, collection, ..
            } = reference
            {
                let at = Instant::now();
                checker.mongo_column(table, column, collection).await?;
                tracing::info!(
                    table = table.name,
                    column,
                    collection,
                    ms = at.elapsed().as_millis() as u64,
                    "joined"
                );
            }
        }
    }
    for collection in schema.collections {
        let at = Instant::now();
        checker.collection(collection).await?;
        let ms = at.elapsed().as_millis() as u64;
        tracing::info!(collection = collection.name, ms, "checked");
    }
    let mut summary = checker.summary;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

struct Checker<'a, F> {
    live: &'a Live,
    pg: &'a PgPool,
    db: &'a Database,
    bucket: &'a str,
    tenant: Option<Uuid>,
    summary: Summary,
    on_problem: F,
}

/// One row of a page: id, created_at, tenant_id, S3 key values (schema order), foreign
/// key values (schema order), the tenant of the row each names (NULL when it names none),
/// non-NULL foreign keys.
type PageRow = (
    Uuid,
    DateTime<Utc>,
    Uuid,
    Vec<Option<String>>,
    Vec<Option<Uuid>>,
    Vec<Option<Uuid>>,
    i64,
);

/// A reference found in a row or document, waiting for its lookup.
struct Pending {
    tenant_id: Option<Uuid>,
    location: String,
    field: &'static str,
    value: String,
}

impl<F: FnMut(&Problem)> Checker<'_, F> {
    fn report(&mut self, kind: ProblemKind, pending: &Pending, target: &str) {
        self.report_problem(kind, pending, target, None);
    }

    /// A `cross_tenant` problem: `pending` leads to data of tenant `other`.
    fn report_other(&mut self, pending: &Pending, target: &str, other: Uuid) {
        self.report_problem(ProblemKind::CrossTenant, pending, target, Some(other));
    }

    fn report_problem(
        &mut self,
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
        self.summary.problems += 1;
        *self.summary.problems_by_kind.entry(kind).or_default() += 1;
        (self.on_problem)(&problem);
    }

    async fn table(&mut self, table: &'static Table) -> anyhow::Result<()> {
        if table.foreign_keys.is_empty() && table.references.is_empty() {
            return Ok(());
        }
        let scoped = self.tenant.is_some();
        let (first_sql, next_sql) = (
            page_sql(table, scoped, true),
            page_sql(table, scoped, false),
        );
        let mut after: Option<(DateTime<Utc>, Uuid)> = None;
        loop {
            let sql = if after.is_some() {
                &next_sql
            } else {
                &first_sql
            };
            let mut query = sqlx::query_as::<_, PageRow>(AssertSqlSafe(sql.clone()));
            if let Some(tenant) = self.tenant {
                query = query.bind(tenant);
            }
            if let Some((created_at, id)) = after {
                if self.tenant.is_some() {
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
            self.page(table, rows).await?;
            if !full {
                return Ok(());
            }
        }
    }

    /// Checks one page: its orphans and foreign keys to other tenants' rows at once, its
    /// S3 keys by their prefix and by HEAD (its ObjectIds are the merge join's,
    /// `Checker::mongo_column`).
    async fn page(&mut self, table: &'static Table, rows: Vec<PageRow>) -> anyhow::Result<()> {
        self.summary.rows += rows.len() as u64;
        // Per S3 column of the table, the keys to HEAD.
        let mut pending: Vec<Vec<Pending>> = s3_columns(table).map(|_| Vec::new()).collect();
        for (id, _, tenant_id, refs, values, parents, set) in rows {
            self.summary.foreign_keys += set as u64;
            let location = format!("{}/{id}", table.name);
            for ((fk, value), parent) in table.foreign_keys.iter().zip(values).zip(parents) {
                let Some(value) = value else { continue };
                let found = Pending {
                    tenant_id: Some(tenant_id),
                    location: location.clone(),
                    field: fk.column,
                    value: value.to_string(),
                };
                match parent {
                    None => self.report(ProblemKind::OrphanRow, &found, fk.target),
                    Some(owner) if owner != tenant_id => {
                        self.report_other(&found, fk.target, owner)
                    }
                    Some(_) => {}
                }
            }
            for ((column, value), list) in s3_columns(table).zip(refs).zip(&mut pending) {
                if let Some(value) = value {
                    let found = Pending {
                        tenant_id: Some(tenant_id),
                        location: location.clone(),
                        field: column,
                        value,
                    };
                    if let Some(other) = other_tenant_of_key(&found.value, Some(tenant_id)) {
                        let target = format!("s3://{}", self.bucket);
                        self.report_other(&found, &target, other);
                    }
                    list.push(found);
                }
            }
        }
        for list in pending {
            self.objects(list).await?;
        }
        Ok(())
    }

    /// The merge join of `table.column` with `collection`: the rows holding a value in
    /// the column's order (keyset on `(column, id)`, the column's partial index), against
    /// the collection's `_id`s ascending, each stream read once. A lowercase 24-hex
    /// value sorts as its ObjectId's bytes, so the two orders agree; any other value is
    /// an `invalid_reference` and stays out of the join. Rows holding the same ObjectId
    /// are each checked. The collection is read whole, whatever the documents' tenant:
    /// a row's document exists if it is there at all, as with a lookup by `_id`; the
    /// join reads each document's `tenantId` too, and a document of another tenant than
    /// the row's is `cross_tenant`.
    async fn mongo_column(
        &mut self,
        table: &'static Table,
        column: &'static str,
        collection: &'static str,
    ) -> anyhow::Result<()> {
        let scope = if self.tenant.is_some() {
            "t.tenant_id = $1"
        } else {
            "true"
        };
        let next = if self.tenant.is_some() { 2 } else { 1 };
        let sql = |first: bool| {
            let keyset = if first {
                String::new()
            } else {
                format!(" and (t.{column}, t.id) > (${next}, ${})", next + 1)
            };
            format!(
                "select t.id, t.tenant_id, t.{column}::text from {} t \
                 where t.{column} is not null and {scope}{keyset} \
                 order by t.{column}, t.id limit {ROW_PAGE}",
                table.name
            )
        };
        let (first_sql, next_sql) = (sql(true), sql(false));
        let mut after: Option<(String, Uuid)> = None;
        let mut join = Join::default();
        loop {
            let sql = if after.is_some() {
                &next_sql
            } else {
                &first_sql
            };
            let mut query = sqlx::query_as::<_, (Uuid, Uuid, String)>(AssertSqlSafe(sql.clone()));
            if let Some(tenant) = self.tenant {
                query = query.bind(tenant);
            }
            if let Some((value, id)) = after.take() {
                query = query.bind(value).bind(id);
            }
            let rows = query
                .fetch_all(self.pg)
                .await
                .with_context(|| format!("reading {}.{column}", table.name))?;
            let full = rows.len() as i64 == ROW_PAGE;
            after = rows.last().map(|(id, _, value)| (value.clone(), *id));
            for (id, tenant_id, value) in rows {
                let pending = Pending {
                    tenant_id: Some(tenant_id),
                    location: format!("{}/{id}", table.name),
                    field: column,
                    value,
                };
                // Only lowercase hex is what the platform writes; other text is not ours.
                let oid = match ObjectId::parse_str(&pending.value) {
                    Ok(oid) if oid.to_hex() == pending.value => oid,
                    _ => {
                        self.report(ProblemKind::InvalidReference, &pending, collection);
                        continue;
                    }
                };
                if join.last_row.is_some_and(|last| oid < last) {
                    anyhow::bail!(
                        "{}.{column} does not come in ObjectId order ({} after {}): \
                         the database's collation does not sort lowercase hex bytewise",
                        table.name,
                        pending.value,
                        join.last_row.expect("some").to_hex()
                    );
                }
                join.last_row = Some(oid);
                self.summary.documents_looked_up += 1;
                match join.find(self.db, collection, oid).await? {
                    None => self.report(ProblemKind::MissingDocument, &pending, collection),
                    Some(Some(owner)) if owner != tenant_id => {
                        self.report_other(&pending, collection, owner)
                    }
                    // Its tenant, or a `tenantId` that is no tenant's id: nothing to compare.
                    Some(_) => {}
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// HEADs the keys of one page, `HEAD_CONCURRENCY` at a time.
    async fn objects(&mut self, list: Vec<Pending>) -> anyhow::Result<()> {
        let target = format!("s3://{}", self.bucket);
        let live = self.live;
        let mut heads = futures::stream::iter(list)
            .map(|pending| async move {
                if pending.value.is_empty() {
                    return Ok((pending, None));
                }
                let found = live.object_meta(&pending.value).await?.is_some();
                anyhow::Ok((pending, Some(found)))
            })
            .buffer_unordered(HEAD_CONCURRENCY);
        while let Some(result) = heads.next().await {
            match result? {
                (pending, None) => self.report(ProblemKind::InvalidReference, &pending, &target),
                (pending, Some(found)) => {
                    self.summary.objects += 1;
                    if !found {
                        self.report(ProblemKind::MissingObject, &pending, &target);
                    }
                }
            }
        }
        Ok(())
    }

    /// Streams the collection's documents (the tenant's, by the indexed `tenantId`) and
    /// HEADs the key each names.
    async fn collection(&mut self, collection: &Collection) -> anyhow::Result<()> {
        let Some(field) = collection.s3_key_field else {
            return Ok(());
        };
        let filter = match self.tenant {
            // The platform stores tenantId as the UUID's hyphenated lowercase text.
            Some(tenant) => doc! { "tenantId": tenant.to_string() },
            None => doc! {},
        };
        let cursor = self
            .db
            .collection::<Document>(collection.name)
            .find(filter)
            .projection(doc! { "_id": 1, "tenantId": 1, field: 1 })
            .batch_size(DOC_BATCH)
            .await
            .with_context(|| format!("reading {}", collection.name))?;
        let target = format!("s3://{}", self.bucket);
        let live = self.live;
        let mut heads = cursor
            .map_err(|e| anyhow::Error::from(e).context(format!("reading {}", collection.name)))
            .map_ok(|d| async move {
                let id = match d.get("_id") {
                    Some(Bson::ObjectId(id)) => id.to_hex(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                let tenant_id = d.get_str("tenantId").ok().and_then(|t| t.parse().ok());
                let (value, key) = match d.get(field) {
                    // No key: nothing to check.
                    None | Some(Bson::Null) => return Ok(None),
                    Some(Bson::String(key)) if !key.is_empty() => (key.clone(), Some(key)),
                    Some(other) => (other.to_string(), None),
                };
                let pending = Pending {
                    tenant_id,
                    location: format!("{}/{id}", collection.name),
                    field,
                    value,
                };
                let found = match key {
                    Some(key) => Some(live.object_meta(key).await?.is_some()),
                    None => None,
                };
                anyhow::Ok(Some((pending, found)))
            })
            .try_buffer_unordered(HEAD_CONCURRENCY);
        while let Some(checked) = heads.try_next().await? {
            self.summary.documents_scanned += 1;
            match checked {
                None => {}
                Some((pending, None)) => {
                    self.report(ProblemKind::InvalidReference, &pending, &target)
                }
                Some((pending, Some(found))) => {
                    if let Some(other) = other_tenant_of_key(&pending.value, pending.tenant_id) {
                        self.report_other(&pending, &target, other);
                    }
                    self.summary.objects += 1;
                    if !found {
                        self.report(ProblemKind::MissingObject, &pending, &target);
                    }
                }
            }
        }
        Ok(())
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

/// The page query of `check` for `table` (rows of one tenant when `tenant`, `$1`): its rows in index order, each with its S3 key
/// values and, per foreign key, its value and the tenant of the row it names (one
/// primary key lookup: NULL when there is no such row). Public for the plan test.
pub fn page_sql(table: &Table, tenant: bool, first: bool) -> String {
    let keys: Vec<_> = s3_columns(table)
        .map(|column| format!("t.{column}::text"))
        .collect();
    let refs = if keys.is_empty() {
        "'{}'::text[]".to_string()
    } else {
        format!("array[{}]", keys.join(", "))
    };
    let (values, parents, set) = if table.foreign_keys.is_empty() {
        (
            "'{}'::uuid[]".to_string(),
            "'{}'::uuid[]".to_string(),
            "0".to_string(),
        )
    } else {
        let columns: Vec<_> = table
            .foreign_keys
            .iter()
            .map(|fk| format!("t.{}", fk.column))
            .collect();
        let parents: Vec<_> = table
            .foreign_keys
            .iter()
            .map(|fk| {
                // A tenant is its own tenant.
                let owner = if fk.target == "tenants" {
                    "id"
                } else {
                    "tenant_id"
                };
                format!(
                    "(select p.{owner} from {target} p where p.id = t.{c})",
                    c = fk.column,
                    target = fk.target
                )
            })
            .collect();
        (
            format!("array[{}]", columns.join(", ")),
            format!("array[{}]", parents.join(", ")),
            format!("num_nonnulls({})", columns.join(", ")),
        )
    };
    // With a tenant: its `(tenant_id, created_at desc, id desc)` index; without: the
    // key. The keyset is left out of the first page rather than made optional with
    // an OR, which would keep the planner from using it as an index bound.
    let (scope, order) = match (tenant, first) {
        (true, true) => ("t.tenant_id = $1", "t.created_at desc, t.id desc"),
        (true, false) => (
            "t.tenant_id = $1 and (t.created_at, t.id) < ($2, $3)",
            "t.created_at desc, t.id desc",
        ),
        (false, true) => ("true", "t.id"),
        (false, false) => ("t.id > $1", "t.id"),
    };
    format!(
        "select t.id, t.created_at, t.tenant_id, {refs}, {values}, {parents}, {set}::bigint \
         from {} t where {scope} order by {order} limit {ROW_PAGE}",
        table.name
    )
}

/// The S3 key columns of `table`, in schema order.
fn s3_columns(table: &Table) -> impl Iterator<Item = &'static str> + '_ {
    table.references.iter().filter_map(|r| match r {
        Reference::S3 { column } => Some(*column),
        Reference::Mongo { .. } => None,
    })
}

/// The collection side of a merge join: a cursor over the `_id`s (and `tenantId`s)
/// ascending, opened at the first ObjectId asked about, and the smallest `_id` not yet
/// passed.
#[derive(Default)]
struct Join {
    cursor: Option<Cursor<Document>>,
    /// The `_id` the cursor stands on (None before the first and after the last).
    head: Option<ObjectId>,
    /// That document's `tenantId`, when it is a UUID.
    head_tenant: Option<Uuid>,
    /// The cursor has no more documents.
    done: bool,
    /// The last ObjectId asked about, to catch rows that do not come in order.
    last_row: Option<ObjectId>,
}

impl Join {
    /// Whether the collection holds `wanted` (None when it does not), and then the
    /// document's tenant (None when its `tenantId` is not a UUID). `wanted` is not smaller
    /// than any ObjectId asked about before: the cursor moves on to the first `_id` not
    /// below it.
    async fn find(
        &mut self,
        db: &Database,
        collection: &str,
        wanted: ObjectId,
    ) -> anyhow::Result<Option<Option<Uuid>>> {
        if self.cursor.is_none() && !self.done {
            // A deliberate full pass: no `maxTimeMS` (FerretDB 1.24 sorts in memory
            // before the first batch). Starting at the first wanted id lets MongoDB skip
            // the rest on its `_id` index.
            let cursor = db
                .collection::<Document>(collection)
                .find(doc! { "_id": { "$gte": wanted } })
                .projection(doc! { "_id": 1, "tenantId": 1 })
                .sort(doc! { "_id": 1 })
                .batch_size(ID_BATCH)
                .await
                .with_context(|| format!("reading {collection}"))?;
            self.cursor = Some(cursor);
        }
        while !self.done && self.head.is_none_or(|head| head < wanted) {
            let cursor = self.cursor.as_mut().expect("opened above");
            match cursor
                .try_next()
                .await
                .with_context(|| format!("reading {collection}"))?
            {
                // `_id`s of other types sort apart from ObjectIds and match no row.
                Some(document) => {
                    if let Ok(id) = document.get_object_id("_id") {
                        if self.head.is_some_and(|head| id <= head) {
                            anyhow::bail!("{collection} does not come in _id order");
                        }
                        self.head = Some(id);
                        self.head_tenant = document
                            .get_str("tenantId")
                            .ok()
                            .and_then(|t| Uuid::parse_str(t).ok());
                    }
                }
                None => {
                    self.done = true;
                    self.cursor = None;
                }
            }
        }
        Ok((self.head == Some(wanted)).then_some(self.head_tenant))
    }
}

/// `checked 24,512 rows, … in 3.1 s (9,100 records/s): 93 problems (missing_document 31, …)`
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
    format!(
        "checked {} rows, {} foreign keys, {} document references, {} documents, {} objects in {:.1} s ({} records/s): {problems}",
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
