//! `tenantscope check`: every foreign key and every cross-store reference the schema
//! declares, checked against the live stores. It streams: rows come in keyset pages,
//! documents through a cursor, objects by HEAD a few at a time, and each problem is
//! handed over as it is found, so memory stays bounded whatever the tenant's size.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use mongodb::Database;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::schema::{COLLECTIONS, Collection, Reference, TABLES, Table};
use crate::seed::BrokenKind;
use crate::store::read::Live;

/// Rows per keyset page.
pub const ROW_PAGE: i64 = 1000;
/// ObjectIds per `$in` lookup. Larger than a page because FerretDB 1.24 scans the
/// whole collection for each `$in` (see `Checker::documents`): ten pages per scan make
/// a large check ten times cheaper there, and MongoDB takes 10,000 ids (170 KB) easily.
pub const LOOKUP_BATCH: usize = 10_000;
/// HEAD requests in flight at once.
pub const HEAD_CONCURRENCY: usize = 16;
/// Documents per cursor batch.
const DOC_BATCH: u32 = 1000;

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
}

impl ProblemKind {
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::MissingDocument => "missing_document",
            ProblemKind::MissingObject => "missing_object",
            ProblemKind::InvalidReference => "invalid_reference",
            ProblemKind::OrphanRow => "orphan_row",
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
}

impl std::fmt::Display for Problem {
    /// `missing_document activities/<uuid>.output_ref → activity_outputs/<oid>`, with
    /// control characters of stored values made visible.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let clean = |s: &str| crate::ui::sanitize::clean_line(s, 1000);
        write!(
            f,
            "{} {}.{} → {}/{}",
            self.kind.name(),
            clean(&self.location),
            clean(&self.field),
            clean(&self.target),
            clean(&self.reference)
        )
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
    // Per-table and per-collection times go to the log, to see where a slow check spends.
    for table in TABLES {
        let at = Instant::now();
        checker.table(table).await?;
        tracing::info!(
            table = table.name,
            ms = at.elapsed().as_millis() as u64,
            "checked"
        );
    }
    for collection in COLLECTIONS {
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

/// One row of a page: id, created_at, tenant_id, reference values (schema order),
/// orphaned foreign key values (schema order, NULL when fine), non-NULL foreign keys.
type PageRow = (
    Uuid,
    DateTime<Utc>,
    Uuid,
    Vec<Option<String>>,
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
        let problem = Problem {
            kind,
            tenant_id: pending.tenant_id,
            location: pending.location.clone(),
            field: pending.field.to_string(),
            target: target.to_string(),
            reference: pending.value.clone(),
        };
        self.summary.problems += 1;
        *self.summary.problems_by_kind.entry(kind).or_default() += 1;
        (self.on_problem)(&problem);
    }

    /// The page query for `table`: its rows in index order, each with its reference
    /// values and, per foreign key, the value when its target row does not exist.
    fn page_sql(&self, table: &Table, first: bool) -> String {
        let refs = if table.references.is_empty() {
            "'{}'::text[]".to_string()
        } else {
            let columns: Vec<_> = table
                .references
                .iter()
                .map(|r| format!("t.{}::text", r.column()))
                .collect();
            format!("array[{}]", columns.join(", "))
        };
        let (orphans, set) = if table.foreign_keys.is_empty() {
            ("'{}'::uuid[]".to_string(), "0".to_string())
        } else {
            let orphans: Vec<_> = table
                .foreign_keys
                .iter()
                .map(|fk| {
                    format!(
                        "case when t.{c} is not null and not exists \
                         (select 1 from {target} p where p.id = t.{c}) then t.{c} end",
                        c = fk.column,
                        target = fk.target
                    )
                })
                .collect();
            let columns: Vec<_> = table
                .foreign_keys
                .iter()
                .map(|fk| format!("t.{}", fk.column))
                .collect();
            (
                format!("array[{}]", orphans.join(", ")),
                format!("num_nonnulls({})", columns.join(", ")),
            )
        };
        // With a tenant: its `(tenant_id, created_at desc, id desc)` index; without: the
        // key. The keyset is left out of the first page rather than made optional with
        // an OR, which would keep the planner from using it as an index bound.
        let (scope, order) = match (self.tenant, first) {
            (Some(_), true) => ("t.tenant_id = $1", "t.created_at desc, t.id desc"),
            (Some(_), false) => (
                "t.tenant_id = $1 and (t.created_at, t.id) < ($2, $3)",
                "t.created_at desc, t.id desc",
            ),
            (None, true) => ("true", "t.id"),
            (None, false) => ("t.id > $1", "t.id"),
        };
        format!(
            "select t.id, t.created_at, t.tenant_id, {refs}, {orphans}, {set}::bigint \
             from {} t where {scope} order by {order} limit {ROW_PAGE}",
            table.name
        )
    }

    async fn table(&mut self, table: &'static Table) -> anyhow::Result<()> {
        if table.foreign_keys.is_empty() && table.references.is_empty() {
            return Ok(());
        }
        let (first_sql, next_sql) = (self.page_sql(table, true), self.page_sql(table, false));
        let mut after: Option<(DateTime<Utc>, Uuid)> = None;
        // ObjectIds waiting for their lookup, per reference of the table.
        let mut waiting: Vec<Vec<Pending>> = table.references.iter().map(|_| Vec::new()).collect();
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
            self.page(table, rows, &mut waiting, !full).await?;
            if !full {
                return Ok(());
            }
        }
    }

    /// Checks one page: its orphans at once, its S3 keys by HEAD, its ObjectIds once
    /// `LOOKUP_BATCH` of them wait (or at the `last` page).
    async fn page(
        &mut self,
        table: &'static Table,
        rows: Vec<PageRow>,
        waiting: &mut [Vec<Pending>],
        last: bool,
    ) -> anyhow::Result<()> {
        self.summary.rows += rows.len() as u64;
        // Per reference of the table, the values to look up.
        let mut pending: Vec<Vec<Pending>> = table.references.iter().map(|_| Vec::new()).collect();
        for (id, _, tenant_id, refs, orphans, set) in rows {
            self.summary.foreign_keys += set as u64;
            let location = format!("{}/{id}", table.name);
            for (fk, orphan) in table.foreign_keys.iter().zip(orphans) {
                if let Some(value) = orphan {
                    let found = Pending {
                        tenant_id: Some(tenant_id),
                        location: location.clone(),
                        field: fk.column,
                        value: value.to_string(),
                    };
                    self.report(ProblemKind::OrphanRow, &found, fk.target);
                }
            }
            for ((reference, value), list) in table.references.iter().zip(refs).zip(&mut pending) {
                if let Some(value) = value {
                    list.push(Pending {
                        tenant_id: Some(tenant_id),
                        location: location.clone(),
                        field: reference.column(),
                        value,
                    });
                }
            }
        }
        for ((reference, list), waiting) in table.references.iter().zip(pending).zip(waiting) {
            match reference {
                Reference::Mongo { collection, .. } => {
                    waiting.extend(list);
                    if last || waiting.len() >= LOOKUP_BATCH {
                        self.documents(collection, std::mem::take(waiting)).await?;
                    }
                }
                Reference::S3 { .. } => self.objects(list).await?,
            }
        }
        Ok(())
    }

    /// Looks up up to `LOOKUP_BATCH` ObjectIds in one `$in` find. FerretDB 1.24 (SQLite)
    /// scans the whole collection for it (about 350 ms on 2,337 tool call logs, whatever
    /// the list's length), and for an `_id` equality too (until found), so few large
    /// `$in`s are its cheapest; MongoDB answers them from the `_id` index.
    async fn documents(&mut self, collection: &str, list: Vec<Pending>) -> anyhow::Result<()> {
        let mut ids = BTreeSet::new();
        let mut valid = Vec::with_capacity(list.len());
        for pending in list {
            match ObjectId::parse_str(&pending.value) {
                // Only lowercase hex is what the platform writes; other text is not ours.
                Ok(id) if id.to_hex() == pending.value => {
                    ids.insert(id);
                    valid.push(pending);
                }
                _ => self.report(ProblemKind::InvalidReference, &pending, collection),
            }
        }
        if ids.is_empty() {
            return Ok(());
        }
        self.summary.documents_looked_up += valid.len() as u64;
        let wanted: Vec<Bson> = ids.into_iter().map(Bson::ObjectId).collect();
        let present: BTreeSet<ObjectId> = self
            .db
            .collection::<Document>(collection)
            .find(doc! { "_id": { "$in": wanted } })
            .projection(doc! { "_id": 1 })
            .batch_size(DOC_BATCH)
            .max_time(crate::store::read::MONGO_MAX_TIME)
            .await
            .with_context(|| format!("looking up {collection}"))?
            .map_ok(|d| d.get_object_id("_id").ok())
            .try_filter_map(|id| async move { Ok(id) })
            .try_collect()
            .await
            .with_context(|| format!("looking up {collection}"))?;
        for pending in valid {
            if !present.contains(&ObjectId::parse_str(&pending.value).expect("parsed above")) {
                self.report(ProblemKind::MissingDocument, &pending, collection);
            }
        }
        Ok(())
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
