//! The narrow read interface the explorer uses: "rows of table T under this parent, this
//! page", "how many (up to a cap)", "row by id", "document by ObjectId", "documents whose
//! field equals", "object head", "object bytes in this range". Every query is generated
//! from `src/schema.rs`, uses an index and a page size, and never writes.

use std::time::Duration;

use anyhow::{Context, anyhow};
use aws_sdk_s3::Client as S3;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::Database;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::schema::Table;

/// Every MongoDB read gives up on the server after this long.
pub const MONGO_MAX_TIME: Duration = Duration::from_secs(10);

/// Where a list of rows comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// All tenants.
    Tenants,
    /// Rows of `table` whose `column` equals `parent`, and (for top-level activities)
    /// whose `null_column` is NULL.
    Children {
        table: &'static Table,
        column: &'static str,
        parent: Uuid,
        null_column: Option<&'static str>,
    },
}

impl Listing {
    pub fn table(&self) -> &'static Table {
        match self {
            Listing::Tenants => crate::schema::table("tenants").expect("tenants is declared"),
            Listing::Children { table, .. } => table,
        }
    }

    /// The WHERE clause (without keyset) and whether it binds the parent as $1.
    fn predicate(&self) -> (String, bool) {
        match self {
            Listing::Tenants => ("true".to_string(), false),
            Listing::Children {
                column,
                null_column,
                ..
            } => {
                let mut clause = format!("{column} = $1");
                if let Some(null_column) = null_column {
                    clause.push_str(&format!(" and {null_column} is null"));
                }
                (clause, true)
            }
        }
    }
}

/// Position after the last row of a page: lists are newest first, `(created_at, id)` descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

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
/// parses as a UUID, else by slug. Shared by the live stores and snapshots.
pub fn find_tenant<'a>(
    tenants: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    id_or_slug: &str,
) -> Option<TenantRef> {
    let id = id_or_slug.parse::<Uuid>().ok();
    tenants.into_iter().find_map(|(t_id, slug, name)| {
        let t_id = t_id.parse::<Uuid>().ok()?;
        let hit = match id {
            Some(id) => t_id == id,
            None => slug == id_or_slug,
        };
        hit.then(|| TenantRef {
            id: t_id,
            slug: slug.to_string(),
            name: name.to_string(),
        })
    })
}

/// The live stores. Each is optional: the explorer opens with whatever is reachable.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub pg: Option<PgPool>,
    pub mongo: Option<Database>,
    pub s3: Option<(S3, String)>,
}

/// A node's label from its label columns' values (as PostgreSQL renders them to JSON
/// text): timestamps shortened to the minute in UTC, NULLs left out, joined with " · ".
/// Every store computes labels here, so they cannot differ between stores.
pub fn label(table: &Table, values: &[Option<String>]) -> String {
    table
        .label
        .iter()
        .zip(values)
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

impl Live {
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

    /// The tenant `id_or_slug` names (a UUID is looked up as an id, anything else as a slug).
    pub async fn tenant(&self, id_or_slug: &str) -> anyhow::Result<Option<TenantRef>> {
        let sql = match id_or_slug.parse::<Uuid>() {
            Ok(_) => "select id, slug, name from tenants where id = $1::uuid",
            Err(_) => "select id, slug, name from tenants where slug = $1",
        };
        let found: Option<(Uuid, String, String)> = sqlx::query_as(sql)
            .bind(id_or_slug)
            .fetch_optional(self.pg()?)
            .await
            .context("looking up the tenant")?;
        Ok(found.map(|(id, slug, name)| TenantRef { id, slug, name }))
    }

    /// One page of `listing`, newest first, after `after`.
    pub async fn list(
        &self,
        listing: &Listing,
        after: Option<Cursor>,
        limit: u32,
    ) -> anyhow::Result<Page> {
        let table = listing.table();
        // Label values as JSON text, in order: the same text a snapshot stores.
        let label_values = table
            .label
            .iter()
            .enumerate()
            .map(|(i, c)| format!("'{i}', {c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let status = table
            .status
            .map_or("null".to_string(), |c| format!("{c}::text"));
        let (mut predicate, binds_parent) = listing.predicate();
        let first_keyset = if binds_parent { 2 } else { 1 };
        if after.is_some() {
            predicate.push_str(&format!(
                " and (created_at, id) < (${first_keyset}, ${})",
                first_keyset + 1
            ));
        }
        let sql = format!(
            "select id, created_at, \
             array(select j.value from json_each_text(json_build_object({label_values})) j), {status} \
             from {} where {predicate} order by created_at desc, id desc limit {}",
            table.name,
            limit + 1
        );
        type Listed = (Uuid, DateTime<Utc>, Vec<Option<String>>, Option<String>);
        let mut query = sqlx::query_as::<_, Listed>(AssertSqlSafe(sql));
        if let Listing::Children { parent, .. } = listing {
            query = query.bind(*parent);
        }
        if let Some(cursor) = after {
            query = query.bind(cursor.created_at).bind(cursor.id);
        }
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

    /// How many rows `listing` has, counting at most `cap` + 1 of them.
    pub async fn count(&self, listing: &Listing, cap: u64) -> anyhow::Result<Count> {
        let table = listing.table();
        let (predicate, _) = listing.predicate();
        let sql = format!(
            "select count(*) from (select 1 from {} where {predicate} limit {}) capped",
            table.name,
            cap + 1
        );
        let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
        if let Listing::Children { parent, .. } = listing {
            query = query.bind(*parent);
        }
        let n = query
            .fetch_one(self.pg()?)
            .await
            .with_context(|| format!("counting {}", table.name))? as u64;
        Ok(Count {
            n: n.min(cap),
            capped: n > cap,
        })
    }

    /// Every column of one row, in table order, as PostgreSQL renders it to JSON text.
    pub async fn row(&self, table: &Table, id: Uuid) -> anyhow::Result<Option<Vec<Field>>> {
        let sql = format!(
            "select j.key, j.value, coalesce(format_type(a.atttypid, a.atttypmod), 'unknown') \
             from {t} r cross join lateral json_each_text(row_to_json(r)) with ordinality j(key, value, n) \
             left join pg_attribute a on a.attrelid = '{t}'::regclass and a.attname = j.key \
             where r.id = $1 order by j.n",
            t = table.name
        );
        let fields: Vec<(String, Option<String>, String)> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(self.pg()?)
            .await
            .with_context(|| format!("reading {} {id}", table.name))?;
        Ok((!fields.is_empty()).then(|| {
            fields
                .into_iter()
                .map(|(column, value, pg_type)| Field {
                    column,
                    value,
                    pg_type,
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
        self.mongo()?
            .collection::<Document>(collection)
            .find_one(doc! { "_id": id })
            .max_time(MONGO_MAX_TIME)
            .await
            .with_context(|| format!("reading {collection}/{id}"))
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
            .find(doc! { field: value })
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

    /// Bytes `start..start+len` of an object, for reading further or saving.
    pub async fn object_range(&self, key: &str, start: u64, len: u64) -> anyhow::Result<Vec<u8>> {
        let (client, bucket) = self.s3()?;
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
