//! The snapshot store: one SQLite file holding a tenant's rows, the documents they point
//! to (raw BSON, every type preserved) and the objects those point to (bytes and
//! metadata), with a header saying what it is. It answers the same questions as the live
//! stores, opened read-only. [`Writer`] makes one; `crate::snapshot` fills it.

use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, oid::ObjectId};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use super::read::{
    Count, Cursor, Field, Item, Listing, ObjectHead, ObjectMeta, Page, TenantEntry, TenantRef,
    label, like_pattern, page,
};
use super::scope::Scope;
use crate::schema::{self, Shown, Table};

/// The format this build writes and the newest it reads.
/// 2: edges for every foreign key, not only the tree's (version 1 files still open;
/// their links have no edges, so "what points at this" misses link columns).
pub const FORMAT_VERSION: u32 = 2;

const SCHEMA: &str = "
create table meta (key text primary key, value text not null);
create table rows (
    tbl text not null, id text not null, created_us integer not null,
    fields text not null,        -- JSON [[column, value or null, type], ...] in table order
    label text not null,         -- JSON [value or null, ...] of the label columns
    status text,
    primary key (tbl, id));
create index rows_list on rows (tbl, created_us desc, id desc);
create table edges (
    tbl text not null, col text not null, parent text not null,
    top integer not null,        -- 1 when the edge's ChildWhereNull column is NULL
    created_us integer not null, id text not null);
create index edges_list on edges (tbl, col, parent, created_us desc, id desc);
create table documents (collection text not null, id text not null, bson blob not null, primary key (collection, id));
create table related (collection text not null, field text not null, value text not null, id text not null);
create index related_lookup on related (collection, field, value, id);
create table objects (
    key text primary key, size integer not null, content_type text, etag text,
    last_modified text, sha256 text not null,
    bytes blob);                 -- NULL when the object was over the size cap
";

/// What a snapshot says about itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    pub format_version: u32,
    pub taken_at: String,
    /// Where it was taken from (secrets masked), or "built-in demo".
    pub source: String,
    /// The bucket its objects came from (shown in s3:// links).
    pub bucket: String,
    /// (id, slug, name) of each tenant in it.
    pub tenants: Vec<(String, String, String)>,
    /// What was left out, one line each (objects over the size cap, ...).
    pub left_out: Vec<String>,
    pub redacted: bool,
    /// The masks of the profile it was taken under (`pii`, `content`): its values are
    /// masked already. Files from before masks were recorded read as none.
    #[serde(default)]
    pub masks: Vec<String>,
}

/// A snapshot file opened for reading.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub(super) pool: SqlitePool,
    pub header: Header,
    /// The one tenant it holds: a session on it is scoped to that tenant like a
    /// `--tenant` session (None for a file of several, as the demo).
    pub scope: Option<Scope>,
}

/// The scope of a file holding one tenant.
fn scope_of(header: &Header) -> Option<Scope> {
    match header.tenants.as_slice() {
        [(id, slug, name)] => Some(Scope::new(TenantRef {
            id: Uuid::parse_str(id).ok()?,
            slug: slug.clone(),
            name: name.clone(),
        })),
        _ => None,
    }
}

/// Why a file cannot be opened as a snapshot: one line each.
pub fn open_error(path: &Path, reason: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{} is not a usable snapshot: {reason}", path.display())
}

impl Snapshot {
    /// Opens `path` read-only, checking it is a snapshot this build can read.
    pub async fn open(path: &Path) -> anyhow::Result<Snapshot> {
        let mut magic = [0u8; 16];
        {
            use std::io::Read;
            let mut file = std::fs::File::open(path).map_err(|e| open_error(path, e))?;
            file.read_exact(&mut magic)
                .map_err(|_| open_error(path, "too short to be a SQLite file"))?;
        }
        if &magic != b"SQLite format 3\0" {
            return Err(open_error(path, "not a SQLite file"));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| open_error(path, e))?;
        let check: String = sqlx::query_scalar("pragma quick_check")
            .fetch_one(&pool)
            .await
            .map_err(|e| open_error(path, format!("corrupt or truncated ({e})")))?;
        if check != "ok" {
            return Err(open_error(path, format!("corrupt or truncated ({check})")));
        }
        let header: Option<String> =
            sqlx::query_scalar("select value from meta where key = 'header'")
                .fetch_optional(&pool)
                .await
                .map_err(|_| open_error(path, "a SQLite file, but not a tenantscope snapshot"))?;
        let header: Header =
            serde_json::from_str(&header.ok_or_else(|| {
                open_error(path, "a SQLite file, but not a tenantscope snapshot")
            })?)
            .map_err(|e| open_error(path, format!("unreadable header ({e})")))?;
        if header.format_version > FORMAT_VERSION {
            return Err(open_error(
                path,
                format!(
                    "format version {} is newer than this tenantscope reads ({FORMAT_VERSION}); upgrade tenantscope",
                    header.format_version
                ),
            ));
        }
        let scope = scope_of(&header);
        Ok(Snapshot {
            pool,
            header,
            scope,
        })
    }

    /// The banner: "snapshot of tenant X (masked: pii) taken at T".
    pub fn banner(&self) -> String {
        let masked = if self.header.masks.is_empty() {
            String::new()
        } else {
            format!(" (masked: {})", self.header.masks.join(", "))
        };
        let tenants: Vec<&str> = self
            .header
            .tenants
            .iter()
            .map(|(_, slug, _)| slug.as_str())
            .collect();
        format!(
            "snapshot of {}{masked} taken {} from {}",
            if tenants.is_empty() {
                "no tenant".to_string()
            } else {
                format!("tenant {}", tenants.join(", "))
            },
            self.header.taken_at,
            self.header.source
        )
    }

    /// The FROM and WHERE of `listing` (without keyset), with its binds in `?` order.
    fn listing_sql(listing: &Listing) -> (String, String, Vec<String>) {
        let (base, filter) = listing.parts();
        let table = listing.table();
        let (from, mut predicate, mut binds) = match base {
            Listing::Children {
                column,
                parent,
                null_column,
                ..
            } => (
                "edges e join rows r on r.tbl = e.tbl and r.id = e.id",
                format!(
                    "e.tbl = '{}' and e.col = '{column}' and e.parent = ?{}",
                    table.name,
                    if null_column.is_some() {
                        " and e.top = 1"
                    } else {
                        ""
                    }
                ),
                vec![parent.to_string()],
            ),
            _ => ("rows r", format!("r.tbl = '{}'", table.name), Vec::new()),
        };
        if let Some(filter) = filter {
            if !filter.statuses.is_empty() {
                predicate.push_str(" and r.status in (select value from json_each(?))");
                binds.push(serde_json::to_string(&filter.statuses).unwrap_or_default());
            }
            if let Some(text) = &filter.text {
                predicate.push_str(" and lower(r.label) like ? escape '\\'");
                binds.push(like_pattern(&text.to_lowercase()));
            }
            if let Some(at) = filter.started_before {
                predicate.push_str(
                    " and exists (select 1 from json_each(r.fields) f \
                     where f.value ->> 0 = 'started_at' and f.value ->> 1 < ?)",
                );
                binds.push(at.format("%Y-%m-%dT%H:%M:%S").to_string());
            }
        }
        (from.to_string(), predicate, binds)
    }

    fn items(table: &Table, rows: Vec<sqlx::sqlite::SqliteRow>) -> anyhow::Result<Vec<Item>> {
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let values: Vec<Option<String>> = serde_json::from_str(row.get::<&str, _>(2))?;
            items.push(Item {
                id: Uuid::from_str(row.get::<&str, _>(0))?,
                created_at: DateTime::<Utc>::from_timestamp_micros(row.get(1))
                    .context("a bad time in the snapshot")?,
                label: label(table, &values),
                status: row.get(3),
            });
        }
        Ok(items)
    }

    pub async fn list(
        &self,
        listing: &Listing,
        after: Option<Cursor>,
        limit: u32,
    ) -> anyhow::Result<Page> {
        let table = listing.table();
        let (from, mut predicate, binds) = Self::listing_sql(listing);
        if after.is_some() {
            predicate.push_str(" and (r.created_us < ? or (r.created_us = ? and r.id < ?))");
        }
        let sql = format!(
            "select r.id, r.created_us, r.label, r.status from {from} where {predicate} \
             order by r.created_us desc, r.id desc limit {}",
            limit + 1
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for bind in binds {
            query = query.bind(bind);
        }
        if let Some(cursor) = after {
            let at = cursor.created_at.timestamp_micros();
            query = query.bind(at).bind(at).bind(cursor.id.to_string());
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("reading the snapshot")?;
        Ok(page(Self::items(table, rows)?, limit))
    }

    pub async fn count(&self, listing: &Listing, cap: u64) -> anyhow::Result<Count> {
        let (from, predicate, binds) = Self::listing_sql(listing);
        let sql = format!(
            "select count(*) from (select 1 from {from} where {predicate} limit {})",
            cap + 1
        );
        let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
        for bind in binds {
            query = query.bind(bind);
        }
        let n = query
            .fetch_one(&self.pool)
            .await
            .context("reading the snapshot")? as u64;
        Ok(Count {
            n: n.min(cap),
            capped: n > cap,
        })
    }

    /// Every tenant in the file (a snapshot holds a few), for the picker.
    pub async fn tenants(
        &self,
        _after: Option<Cursor>,
    ) -> anyhow::Result<(Vec<TenantEntry>, Option<Cursor>)> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select id, fields from rows where tbl = 'tenants' order by created_us desc, id desc",
        )
        .fetch_all(&self.pool)
        .await
        .context("reading the snapshot")?;
        let mut entries = Vec::with_capacity(rows.len());
        for (id, fields) in rows {
            let fields: Vec<(String, Option<String>, String)> = serde_json::from_str(&fields)?;
            let value = |c: &str| {
                fields
                    .iter()
                    .find(|f| f.0 == c)
                    .and_then(|f| f.1.clone())
                    .unwrap_or_default()
            };
            entries.push(TenantEntry {
                id: Uuid::from_str(&id)?,
                name: value("name"),
                slug: value("slug"),
                status: value("status"),
            });
        }
        Ok((entries, None))
    }

    pub async fn item(&self, table: &Table, id: Uuid) -> anyhow::Result<Option<Item>> {
        let rows = sqlx::query(
            "select r.id, r.created_us, r.label, r.status from rows r where r.tbl = ?1 and r.id = ?2",
        )
        .bind(table.name)
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context("reading the snapshot")?;
        Ok(Self::items(table, rows)?.into_iter().next())
    }

    /// Rows whose text column `column` equals `value`. A snapshot is one tenant's, so
    /// this scans its rows of `table`.
    pub async fn referring(
        &self,
        table: &Table,
        column: &str,
        value: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<Item>> {
        let rows = sqlx::query(
            "select r.id, r.created_us, r.label, r.status from rows r where r.tbl = ?1 \
             and exists (select 1 from json_each(r.fields) f where f.value ->> 0 = ?2 and f.value ->> 1 = ?3) \
             order by r.created_us desc, r.id desc limit ?4",
        )
        .bind(table.name)
        .bind(column)
        .bind(value)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .context("reading the snapshot")?;
        Self::items(table, rows)
    }

    pub async fn row(&self, table: &Table, id: Uuid) -> anyhow::Result<Option<Vec<Field>>> {
        let fields: Option<String> =
            sqlx::query_scalar("select fields from rows where tbl = ?1 and id = ?2")
                .bind(table.name)
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .context("reading the snapshot")?;
        let Some(fields) = fields else {
            return Ok(None);
        };
        let fields: Vec<(String, Option<String>, String)> = serde_json::from_str(&fields)?;
        Ok(Some(
            fields
                .into_iter()
                .map(|(column, value, pg_type)| Field {
                    column,
                    value,
                    pg_type,
                })
                .collect(),
        ))
    }

    /// Document `id`'s BSON as the file holds it, whoever's it is.
    async fn stored_bson(&self, collection: &str, id: ObjectId) -> anyhow::Result<Option<Vec<u8>>> {
        sqlx::query_scalar("select bson from documents where collection = ?1 and id = ?2")
            .bind(collection)
            .bind(id.to_hex())
            .fetch_optional(&self.pool)
            .await
            .context("reading the snapshot")
    }

    pub async fn document(
        &self,
        collection: &str,
        id: ObjectId,
    ) -> anyhow::Result<Option<Document>> {
        let bytes = self.stored_bson(collection, id).await?;
        let document = bytes
            .map(|b| {
                Document::from_reader(&mut b.as_slice())
                    .context("a damaged document in the snapshot")
            })
            .transpose()?;
        // Scoped, another tenant's document (copied as a reference's target) is not
        // read, as the live stores' `tenantId` filter would not read it.
        Ok(document.filter(|d| self.holds_document(d)))
    }

    /// Whether the session's scope (if any) holds `document`: its `tenantId` is the
    /// scope's tenant. A document with no readable `tenantId` is not shown to a scoped
    /// session, as the live stores' `Live::outside_scope` does not show it.
    fn holds_document(&self, document: &Document) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|scope| super::mongo::document_tenant(document) == Some(scope.id()))
    }

    /// In a scoped session: whether document `id` is in the file but another tenant's.
    pub async fn document_outside(&self, collection: &str, id: ObjectId) -> anyhow::Result<bool> {
        if self.scope.is_none() {
            return Ok(false);
        }
        let bytes = self.stored_bson(collection, id).await?;
        Ok(bytes
            .and_then(|b| Document::from_reader(&mut b.as_slice()).ok())
            .is_some_and(|d| !self.holds_document(&d)))
    }

    pub async fn documents_where(
        &self,
        collection: &str,
        field: &str,
        value: Bson,
        limit: i64,
    ) -> anyhow::Result<Vec<Document>> {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "select d.bson from related r join documents d on d.collection = r.collection and d.id = r.id \
             where r.collection = ?1 and r.field = ?2 and r.value = ?3 order by r.id limit ?4",
        )
        .bind(collection)
        .bind(field)
        .bind(related_key(&value))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("reading the snapshot")?;
        let mut documents = Vec::with_capacity(rows.len());
        for b in rows {
            let d = Document::from_reader(&mut b.as_slice())
                .context("a damaged document in the snapshot")?;
            if self.holds_document(&d) {
                documents.push(d);
            }
        }
        Ok(documents)
    }

    fn meta_from(row: &sqlx::sqlite::SqliteRow, key: &str) -> ObjectMeta {
        ObjectMeta {
            key: key.to_string(),
            size: row.get::<i64, _>("size") as u64,
            content_type: row.get("content_type"),
            etag: row.get("etag"),
            last_modified: row.get("last_modified"),
        }
    }

    pub async fn object_meta(&self, key: &str) -> anyhow::Result<Option<ObjectMeta>> {
        let row = sqlx::query(
            "select size, content_type, etag, last_modified from objects where key = ?1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .context("reading the snapshot")?;
        Ok(row.map(|r| Self::meta_from(&r, key)))
    }

    pub async fn object_head(
        &self,
        key: &str,
        max_bytes: u64,
    ) -> anyhow::Result<Option<ObjectHead>> {
        let row = sqlx::query(
            "select size, content_type, etag, last_modified, substr(bytes, 1, ?2) as head, bytes is null as left_out \
             from objects where key = ?1",
        )
        .bind(key)
        .bind(max_bytes as i64)
        .fetch_optional(&self.pool)
        .await
        .context("reading the snapshot")?;
        Ok(row.map(|r| {
            let left_out: bool = r.get("left_out");
            let bytes: Option<Vec<u8>> = r.get("head");
            let mut meta = Self::meta_from(&r, key);
            if left_out {
                // Taken masked, every body was left out for the mask, not for its size.
                let why = if self.header.masks.iter().any(|m| m == "content") {
                    "masked (mask = content) when the snapshot was taken"
                } else {
                    "over its size cap"
                };
                meta.content_type = Some(format!(
                    "{} (content left out of the snapshot: {why})",
                    meta.content_type.unwrap_or_default()
                ));
            }
            ObjectHead {
                meta,
                bytes: bytes.unwrap_or_default(),
            }
        }))
    }

    pub async fn object_range(&self, key: &str, start: u64, len: u64) -> anyhow::Result<Vec<u8>> {
        let bytes: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("select substr(bytes, ?2, ?3) from objects where key = ?1")
                .bind(key)
                .bind(start as i64 + 1)
                .bind(len as i64)
                .fetch_optional(&self.pool)
                .await
                .context("reading the snapshot")?;
        match bytes {
            Some(Some(bytes)) => Ok(bytes),
            Some(None) => Err(anyhow!(
                "{key}: the snapshot holds only its metadata (over the size cap)"
            )),
            None => Err(anyhow!("{key}: not in the snapshot")),
        }
    }
}

/// How a related-document lookup value is stored: ObjectIds as hex, the rest as JSON.
fn related_key(value: &Bson) -> String {
    match value {
        Bson::ObjectId(id) => id.to_hex(),
        Bson::String(s) => s.clone(),
        other => other.clone().into_relaxed_extjson().to_string(),
    }
}

/// Writes a snapshot file. Everything goes in one transaction, committed by [`Writer::finish`].
pub struct Writer {
    pool: SqlitePool,
    tx: Option<sqlx::Transaction<'static, sqlx::Sqlite>>,
    /// Rows and edges wait here and go in as multi-row INSERTs: one statement per
    /// query costs more than the insert itself.
    rows: Vec<PendingRow>,
    edges: Vec<PendingEdge>,
}

/// (table, id, created_us, fields JSON, label JSON, status)
type PendingRow = (&'static str, String, i64, String, String, Option<String>);
/// (table, column, parent, top, created_us, id)
type PendingEdge = (&'static str, &'static str, String, bool, i64, String);

/// Rows (and edges) per INSERT statement.
const INSERT_BATCH: usize = 400;

impl Writer {
    /// Creates `path`, which must not exist yet.
    pub async fn create(path: &Path) -> anyhow::Result<Writer> {
        anyhow::ensure!(
            !path.exists(),
            "{} exists already: choose another file name",
            path.display()
        );
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Off)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot create {}", path.display()))?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .context("creating the snapshot schema")?;
        let tx = pool.begin().await?;
        Ok(Writer {
            pool,
            tx: Some(tx),
            rows: Vec::new(),
            edges: Vec::new(),
        })
    }

    fn tx(&mut self) -> &mut sqlx::Transaction<'static, sqlx::Sqlite> {
        self.tx.as_mut().expect("the writer is open until finish")
    }

    /// One row: `fields` are (column, value as PostgreSQL renders it to JSON text, type).
    pub async fn row(
        &mut self,
        table: &'static Table,
        fields: &[(String, Option<String>, String)],
    ) -> anyhow::Result<()> {
        let value = |c: &str| fields.iter().find(|f| f.0 == c).and_then(|f| f.1.clone());
        let id = value("id").context("a row without an id")?;
        let created_at = value("created_at").context("a row without created_at")?;
        let created_us = DateTime::parse_from_rfc3339(&created_at)
            .with_context(|| format!("{}: created_at {created_at:?}", table.name))?
            .timestamp_micros();
        let labels: Vec<Option<String>> = table.label.iter().map(|c| value(c)).collect();
        let status = table.status.and_then(value);
        self.rows.push((
            table.name,
            id.clone(),
            created_us,
            serde_json::to_string(fields)?,
            serde_json::to_string(&labels)?,
            status,
        ));
        // Every foreign key, links too: "what points at this row" reads them.
        for fk in table.foreign_keys {
            let Some(parent) = value(fk.column) else {
                continue;
            };
            let top = match fk.shown {
                Shown::ChildWhereNull(c) => value(c).is_none(),
                _ => true,
            };
            self.edges
                .push((table.name, fk.column, parent, top, created_us, id.clone()));
        }
        if self.rows.len() >= INSERT_BATCH || self.edges.len() >= INSERT_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the waiting rows and edges.
    async fn flush(&mut self) -> anyhow::Result<()> {
        let rows = std::mem::take(&mut self.rows);
        let edges = std::mem::take(&mut self.edges);
        for chunk in rows.chunks(INSERT_BATCH) {
            let mut insert = sqlx::QueryBuilder::new(
                "insert into rows (tbl, id, created_us, fields, label, status) ",
            );
            insert.push_values(chunk, |mut b, row| {
                b.push_bind(row.0)
                    .push_bind(row.1.clone())
                    .push_bind(row.2)
                    .push_bind(row.3.clone())
                    .push_bind(row.4.clone())
                    .push_bind(row.5.clone());
            });
            insert.build().execute(&mut **self.tx()).await?;
        }
        for chunk in edges.chunks(INSERT_BATCH) {
            let mut insert = sqlx::QueryBuilder::new(
                "insert into edges (tbl, col, parent, top, created_us, id) ",
            );
            insert.push_values(chunk, |mut b, edge| {
                b.push_bind(edge.0)
                    .push_bind(edge.1)
                    .push_bind(edge.2.clone())
                    .push_bind(edge.3)
                    .push_bind(edge.4)
                    .push_bind(edge.5.clone());
            });
            insert.build().execute(&mut **self.tx()).await?;
        }
        Ok(())
    }

    /// One document, stored as raw BSON, with lookup entries for the fields the schema
    /// finds documents by: the related fields of its references and the collection's
    /// declared indexes (`activityId`, `toolCallId`, …), as MongoDB would answer them.
    pub async fn document(&mut self, collection: &str, document: &Document) -> anyhow::Result<()> {
        let id = match document.get("_id") {
            Some(Bson::ObjectId(id)) => id.to_hex(),
            Some(other) => related_key(other),
            None => anyhow::bail!("a {collection} document without _id"),
        };
        let mut bytes = Vec::new();
        document.to_writer(&mut bytes)?;
        sqlx::query("insert or ignore into documents (collection, id, bson) values (?1, ?2, ?3)")
            .bind(collection.to_string())
            .bind(id.clone())
            .bind(bytes)
            .execute(&mut **self.tx())
            .await?;
        // Collected first: no borrow of the schema's iterators is held across an await.
        let mut fields: Vec<&'static str> = schema::TABLES
            .iter()
            .flat_map(|t| t.references.iter())
            .filter_map(|r| match r {
                schema::Reference::Mongo { related, .. } => Some(related.iter().copied()),
                schema::Reference::S3 { .. } => None,
            })
            .flatten()
            .filter(|r| r.collection == collection)
            .map(|r| r.field)
            .chain(
                schema::collection(collection)
                    .into_iter()
                    .flat_map(|c| c.indexes.iter().copied()),
            )
            .collect();
        fields.sort_unstable();
        fields.dedup();
        for field in fields {
            if let Some(value) = document.get(field) {
                sqlx::query(
                    "insert into related (collection, field, value, id) values (?1, ?2, ?3, ?4)",
                )
                .bind(collection)
                .bind(field)
                .bind(related_key(value))
                .bind(&id)
                .execute(&mut **self.tx())
                .await?;
            }
        }
        Ok(())
    }

    /// One object; `bytes` None records its metadata only (over the size cap).
    pub async fn object(
        &mut self,
        meta: &ObjectMeta,
        sha256: &str,
        bytes: Option<&[u8]>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "insert or ignore into objects (key, size, content_type, etag, last_modified, sha256, bytes) \
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(meta.key.clone())
        .bind(meta.size as i64)
        .bind(meta.content_type.clone())
        .bind(meta.etag.clone())
        .bind(meta.last_modified.clone())
        .bind(sha256.to_string())
        .bind(bytes.map(<[u8]>::to_vec))
        .execute(&mut **self.tx())
        .await?;
        Ok(())
    }

    /// SHA-256 (hex) of the bytes stored for `key`, read back from the file.
    pub async fn stored_sha256(&mut self, key: &str) -> anyhow::Result<Option<String>> {
        use sha2::{Digest, Sha256};
        let bytes: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("select bytes from objects where key = ?1")
                .bind(key)
                .fetch_optional(&mut **self.tx())
                .await?;
        Ok(bytes.flatten().map(|b| format!("{:x}", Sha256::digest(&b))))
    }

    /// Writes the header and commits.
    pub async fn finish(mut self, header: &Header) -> anyhow::Result<()> {
        self.flush().await?;
        sqlx::query("insert into meta (key, value) values ('header', ?1)")
            .bind(serde_json::to_string(header)?)
            .execute(&mut **self.tx())
            .await?;
        self.tx.take().expect("open").commit().await?;
        sqlx::query("analyze").execute(&self.pool).await?;
        self.pool.close().await;
        Ok(())
    }
}
