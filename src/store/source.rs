//! One interface in front of the stores the explorer can read: the live ones
//! (PostgreSQL, MongoDB, S3) or a snapshot file. Both answer the same questions the same
//! way; the conformance tests hold them to it.

use mongodb::bson::{Bson, Document, oid::ObjectId};
use uuid::Uuid;

use super::read::{
    Count, Cursor, Field, Item, Listing, Live, ObjectHead, ObjectMeta, Page, TenantEntry,
    TenantRef, find_tenant,
};
use super::snapshot::Snapshot;
use crate::schema::{Schema, Table};

#[derive(Debug, Clone)]
pub enum Source {
    Live(Live),
    Snapshot(Snapshot),
}

impl Source {
    /// The schema queries are generated from: the live connection's effective schema,
    /// or the declaration for a snapshot (which was taken with it).
    pub fn schema(&self) -> &'static Schema {
        match self {
            Source::Live(s) => s.schema.get(),
            Source::Snapshot(_) => Schema::declared(),
        }
    }

    /// Reads the live catalog into the effective schema (a snapshot keeps the declaration).
    pub async fn load_schema(&self) -> anyhow::Result<&'static Schema> {
        match self {
            Source::Live(s) => s.load_schema().await,
            Source::Snapshot(_) => Ok(Schema::declared()),
        }
    }

    pub async fn list(
        &self,
        listing: &Listing,
        after: Option<Cursor>,
        limit: u32,
    ) -> anyhow::Result<Page> {
        match self {
            Source::Live(s) => s.list(listing, after, limit).await,
            Source::Snapshot(s) => s.list(listing, after, limit).await,
        }
    }

    pub async fn count(&self, listing: &Listing, cap: u64) -> anyhow::Result<Count> {
        match self {
            Source::Live(s) => s.count(listing, cap).await,
            Source::Snapshot(s) => s.count(listing, cap).await,
        }
    }

    /// The capped counts of `listings`, in order: one statement on the live stores.
    pub async fn counts(&self, listings: &[Listing], cap: u64) -> anyhow::Result<Vec<Count>> {
        match self {
            Source::Live(s) => s.counts(listings, cap).await,
            Source::Snapshot(s) => {
                let mut counts = Vec::with_capacity(listings.len());
                for listing in listings {
                    counts.push(s.count(listing, cap).await?);
                }
                Ok(counts)
            }
        }
    }

    pub async fn row(&self, table: &Table, id: Uuid) -> anyhow::Result<Option<Vec<Field>>> {
        let row = match self {
            Source::Live(s) => s.row(table, id).await,
            Source::Snapshot(s) => s.row(table, id).await,
        }?;
        // Masks apply here, where every face reads a row.
        let masks = crate::mask::active();
        Ok(row.map(|fields| {
            fields
                .into_iter()
                .map(|mut f| {
                    f.value = masks.value(table.name, &f.column, f.value.take());
                    f
                })
                .collect()
        }))
    }

    pub async fn tenants(
        &self,
        after: Option<Cursor>,
    ) -> anyhow::Result<(Vec<TenantEntry>, Option<Cursor>)> {
        match self {
            Source::Live(s) => s.tenants(after).await,
            Source::Snapshot(s) => s.tenants(after).await,
        }
    }

    pub async fn item(&self, table: &Table, id: Uuid) -> anyhow::Result<Option<Item>> {
        match self {
            Source::Live(s) => s.item(table, id).await,
            Source::Snapshot(s) => s.item(table, id).await,
        }
    }

    pub async fn referring(
        &self,
        table: &Table,
        column: &str,
        value: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<Item>> {
        match self {
            Source::Live(s) => s.referring(table, column, value, limit).await,
            Source::Snapshot(s) => s.referring(table, column, value, limit).await,
        }
    }

    pub async fn document(
        &self,
        collection: &str,
        id: ObjectId,
    ) -> anyhow::Result<Option<Document>> {
        let document = match self {
            Source::Live(s) => s.document(collection, id).await,
            Source::Snapshot(s) => s.document(collection, id).await,
        }?;
        Ok(document.map(|d| crate::mask::active().document(d)))
    }

    pub async fn documents_where(
        &self,
        collection: &str,
        field: &str,
        value: Bson,
        limit: i64,
    ) -> anyhow::Result<Vec<Document>> {
        let documents = match self {
            Source::Live(s) => s.documents_where(collection, field, value, limit).await,
            Source::Snapshot(s) => s.documents_where(collection, field, value, limit).await,
        }?;
        let masks = crate::mask::active();
        Ok(documents.into_iter().map(|d| masks.document(d)).collect())
    }

    pub async fn object_head(
        &self,
        key: &str,
        max_bytes: u64,
    ) -> anyhow::Result<Option<ObjectHead>> {
        let head = match self {
            Source::Live(s) => s.object_head(key, max_bytes).await,
            Source::Snapshot(s) => s.object_head(key, max_bytes).await,
        }?;
        Ok(head.map(|mut h| {
            h.bytes = crate::mask::active().bytes(h.bytes);
            h
        }))
    }

    pub async fn object_meta(&self, key: &str) -> anyhow::Result<Option<ObjectMeta>> {
        match self {
            Source::Live(s) => s.object_meta(key).await,
            Source::Snapshot(s) => s.object_meta(key).await,
        }
    }

    pub async fn object_range(&self, key: &str, start: u64, len: u64) -> anyhow::Result<Vec<u8>> {
        let bytes = match self {
            Source::Live(s) => s.object_range(key, start, len).await,
            Source::Snapshot(s) => s.object_range(key, start, len).await,
        }?;
        Ok(crate::mask::active().bytes(bytes))
    }

    /// The tenant `id_or_slug` names (`--tenant ID|SLUG`).
    pub async fn tenant(&self, id_or_slug: &str) -> anyhow::Result<Option<TenantRef>> {
        match self {
            Source::Live(s) => s.tenant(id_or_slug).await,
            Source::Snapshot(s) => find_tenant(
                s.header
                    .tenants
                    .iter()
                    .map(|(id, slug, name)| (id.as_str(), slug.as_str(), name.as_str())),
                id_or_slug,
            ),
        }
    }

    /// The tenant a scoped session reads (None: every tenant).
    pub fn scope(&self) -> Option<&super::scope::Scope> {
        match self {
            Source::Live(s) => s.scope.as_ref(),
            Source::Snapshot(s) => s.scope.as_ref(),
        }
    }

    /// In a scoped session: whether row `id` of `table` exists in another tenant.
    pub async fn row_outside(&self, table: &Table, id: Uuid) -> anyhow::Result<bool> {
        match self {
            Source::Live(s) => s.row_outside(table, id).await,
            Source::Snapshot(_) => Ok(false),
        }
    }

    /// In a scoped session: whether document `id` exists in another tenant.
    pub async fn document_outside(&self, collection: &str, id: ObjectId) -> anyhow::Result<bool> {
        match self {
            Source::Live(s) => s.document_outside(collection, id).await,
            Source::Snapshot(s) => s.document_outside(collection, id).await,
        }
    }

    /// The masks a snapshot's values were masked with when it was taken (none live: the
    /// session's own masks apply as it reads).
    pub fn recorded_masks(&self) -> &[String] {
        match self {
            Source::Live(_) => &[],
            Source::Snapshot(s) => &s.header.masks,
        }
    }

    /// The bucket name shown in s3:// links.
    pub fn bucket(&self) -> Option<&str> {
        match self {
            Source::Live(s) => s.bucket(),
            Source::Snapshot(s) => Some(s.header.bucket.as_str()),
        }
    }
}
