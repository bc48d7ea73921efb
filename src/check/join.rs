//! The collection side of `check`'s joins: the `_id`s of a collection in ascending
//! order, read once, against ObjectIds asked about in ascending order (a merge join);
//! or, for a few ObjectIds among many documents, a lookup by `_id` each.

use anyhow::Context;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc, oid::ObjectId};
use mongodb::{Cursor, Database};
use uuid::Uuid;

use crate::store::mongo::{build_info, document_tenant};

/// `_id`s per cursor batch of the merge join's collection side (12-byte ObjectIds: a
/// batch is about 100 KB).
const ID_BATCH: u32 = 5000;

/// The collection side of a merge join: a cursor over the `_id`s (and `tenantId`s)
/// ascending, opened at the first ObjectId asked about, and the smallest `_id` not yet
/// passed.
#[derive(Default)]
pub(super) struct Join {
    /// Start the pass at the first wanted id ([`bounds_passes`]), else at the first `_id`.
    bounded: bool,
    cursor: Option<Cursor<Document>>,
    /// The `_id` the cursor stands on (None before the first and after the last).
    head: Option<ObjectId>,
    /// That document's `tenantId`, when it is a UUID.
    head_tenant: Option<Uuid>,
    /// The cursor has no more documents.
    done: bool,
}

impl Join {
    pub(super) fn new(bounded: bool) -> Join {
        Join {
            bounded,
            ..Join::default()
        }
    }

    /// Whether the collection holds `wanted` (None when it does not), and then the
    /// document's tenant (None when its `tenantId` is not a UUID). `wanted` is not smaller
    /// than any ObjectId asked about before: the cursor moves on to the first `_id` not
    /// below it.
    pub(super) async fn find(
        &mut self,
        db: &Database,
        collection: &str,
        wanted: ObjectId,
    ) -> anyhow::Result<Option<Option<Uuid>>> {
        if self.cursor.is_none() && !self.done {
            // A deliberate full pass: no `maxTimeMS`. Starting at the first wanted id
            // lets MongoDB skip the rest on its `_id` index.
            let filter = if self.bounded {
                doc! { "_id": { "$gte": wanted } }
            } else {
                doc! {}
            };
            let cursor = db
                .collection::<Document>(collection)
                .find(filter)
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
                        self.head_tenant = document_tenant(&document);
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

/// Whether the collection holds `wanted`, and then its tenant, as [`Join::find`] says it:
/// one lookup by `_id`, which MongoDB (and the test bed's FerretDB) answer from the index.
pub(super) async fn lookup(
    db: &Database,
    collection: &str,
    wanted: ObjectId,
) -> anyhow::Result<Option<Option<Uuid>>> {
    let found = db
        .collection::<Document>(collection)
        .find_one(doc! { "_id": wanted })
        .projection(doc! { "_id": 1, "tenantId": 1 })
        .await
        .with_context(|| format!("reading {collection}"))?;
    Ok(found.as_ref().map(document_tenant))
}

/// Whether a pass should start at the first wanted id. On MongoDB `_id: {$gte}` is a
/// bound on the `_id` index. FerretDB 1.24 (SQLite) evaluates it document by document
/// and then sorts in memory, while a pass with no filter comes sorted from the `_id`
/// index: 196 s against 92 s for the large tenant's 836,483 tool call logs (pymongo,
/// `find(..).sort(_id)` with and without the bound, load average 7).
pub(super) async fn bounds_passes(db: &Database) -> bool {
    build_info(db)
        .await
        .map_or(true, |build| build.ferretdb.is_none())
}

/// The collection's documents, as its stats count them (`$collStats`), else its
/// estimated count. FerretDB 1.24 answers an estimated count by reading every document
/// (102 s for the large tenant's 836,483 tool call logs) and `$collStats` from its
/// table in 2.3 s; MongoDB answers both from metadata.
pub(super) async fn documents(db: &Database, collection: &str) -> anyhow::Result<u64> {
    let collection = db.collection::<Document>(collection);
    let stats = async {
        let mut cursor = collection
            .aggregate([doc! { "$collStats": { "count": {} } }])
            .await?;
        let mut total = 0u64;
        while let Some(stats) = cursor.try_next().await? {
            // One document per shard on a sharded cluster.
            total += match stats.get("count") {
                Some(mongodb::bson::Bson::Int32(n)) => *n as u64,
                Some(mongodb::bson::Bson::Int64(n)) => *n as u64,
                Some(mongodb::bson::Bson::Double(n)) => *n as u64,
                _ => anyhow::bail!("no count in $collStats"),
            };
        }
        anyhow::Ok(total)
    };
    match stats.await {
        Ok(n) => Ok(n),
        Err(e) => {
            tracing::debug!(collection = collection.name(), error = %e, "$collStats");
            collection
                .estimated_document_count()
                .await
                .with_context(|| format!("counting {}", collection.name()))
        }
    }
}
