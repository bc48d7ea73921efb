//! The collection side of `check`'s joins: the `_id`s of a collection in ascending
//! order, read once, against ObjectIds asked about in ascending order (a merge join);
//! or, for a few ObjectIds among many documents, a lookup by `_id` each.

use anyhow::Context;
use futures::TryStreamExt;
use mongodb::Database;
use mongodb::bson::{Document, doc, oid::ObjectId};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::store::mongo::{build_info, document_tenant};

/// `_id`s per cursor batch of the merge join's collection side (12-byte ObjectIds: a
/// batch is about 100 KB).
const ID_BATCH: u32 = 5000;
/// Batches the reader holds ahead of the join: the server computes the next batch
/// while the join compares the last one against PostgreSQL's rows.
const BATCHES_AHEAD: usize = 2;

/// A document of the pass: its ObjectId `_id` and its tenant (None when its `tenantId`
/// is not a UUID).
type Entry = (ObjectId, Option<Uuid>);
/// A batch of the pass, or its end (None): a reader that stops without saying so has
/// failed, and the documents it did not pass are not missing.
type Batch = anyhow::Result<Option<Vec<Entry>>>;

/// The collection side of a merge join: the `_id`s (and `tenantId`s) ascending, read
/// ahead by their own task from the first ObjectId asked about, and the smallest `_id`
/// not yet passed.
#[derive(Default)]
pub(super) struct Join {
    /// Start the pass at the first wanted id ([`bounds_passes`]), else at the first `_id`.
    bounded: bool,
    /// The reader's batches; None before the first find and after the last batch.
    batches: Option<mpsc::Receiver<Batch>>,
    /// The rest of the batch being passed.
    batch: std::vec::IntoIter<Entry>,
    /// The `_id` the pass stands on (None before the first and after the last).
    head: Option<ObjectId>,
    /// That document's `tenantId`, when it is a UUID.
    head_tenant: Option<Uuid>,
    /// The pass has no more documents.
    done: bool,
}

impl Join {
    pub(super) fn new(bounded: bool) -> Join {
        Join {
            bounded,
            ..Join::default()
        }
    }

    /// Starts a pass that does not wait for the first wanted id, so the server reads its
    /// first batches while PostgreSQL sorts the values to be joined.
    pub(super) fn start(&mut self, db: &Database, collection: &str) {
        if !self.bounded && self.batches.is_none() && !self.done {
            self.batches = Some(read_ahead(db.clone(), collection.to_owned(), None));
        }
    }

    /// Starts the pass now, over the whole collection, and shares its documents (`_id`,
    /// `tenantId` and `field`): the receiver gets every document, to the last, even
    /// after the join has found its last id. None where passes start at the first
    /// wanted id (MongoDB): there the pass does not read the whole collection.
    pub(super) fn share(
        &mut self,
        db: &Database,
        collection: &str,
        field: &'static str,
    ) -> Option<mpsc::Receiver<Documents>> {
        if self.bounded || self.batches.is_some() || self.done {
            return None;
        }
        let (ids, batches) = mpsc::channel(BATCHES_AHEAD);
        let (documents, shared) = mpsc::channel(BATCHES_AHEAD);
        let reader = pass(
            db.clone(),
            collection.to_owned(),
            None,
            Some(ids),
            Some((field, documents)),
        );
        tokio::spawn(reader);
        self.batches = Some(batches);
        Some(shared)
    }

    /// Whether the collection holds `wanted` (None when it does not), and then the
    /// document's tenant (None when its `tenantId` is not a UUID). `wanted` is not smaller
    /// than any ObjectId asked about before: the pass moves on to the first `_id` not
    /// below it.
    pub(super) async fn find(
        &mut self,
        db: &Database,
        collection: &str,
        wanted: ObjectId,
    ) -> anyhow::Result<Option<Option<Uuid>>> {
        if self.batches.is_none() && !self.done {
            let start = self.bounded.then_some(wanted);
            self.batches = Some(read_ahead(db.clone(), collection.to_owned(), start));
        }
        while !self.done && self.head.is_none_or(|head| head < wanted) {
            let Some((id, tenant)) = self.next(collection).await? else {
                self.done = true;
                self.batches = None;
                break;
            };
            if self.head.is_some_and(|head| id <= head) {
                anyhow::bail!("{collection} does not come in _id order");
            }
            self.head = Some(id);
            self.head_tenant = tenant;
        }
        Ok((self.head == Some(wanted)).then_some(self.head_tenant))
    }

    /// The pass's next document, None after the last.
    async fn next(&mut self, collection: &str) -> anyhow::Result<Option<Entry>> {
        loop {
            if let Some(entry) = self.batch.next() {
                return Ok(Some(entry));
            }
            let batches = self.batches.as_mut().expect("opened before the pass");
            match batches.recv().await {
                Some(Ok(Some(batch))) => self.batch = batch.into_iter(),
                Some(Ok(None)) => return Ok(None),
                Some(Err(e)) => return Err(e),
                None => anyhow::bail!("reading {collection}: the pass stopped before its end"),
            }
        }
    }
}

/// Reads the collection's `_id`s and `tenantId`s ascending (from `start` when given) on
/// its own task, `BATCHES_AHEAD` batches ahead of the receiver, and stops when the
/// receiver is dropped. A deliberate full pass: no `maxTimeMS`. Starting at the first
/// wanted id lets MongoDB skip the rest on its `_id` index. `_id`s of other types sort
/// apart from ObjectIds, match no row and are left out.
fn read_ahead(db: Database, collection: String, start: Option<ObjectId>) -> mpsc::Receiver<Batch> {
    let (ids, receive) = mpsc::channel(BATCHES_AHEAD);
    tokio::spawn(pass(db, collection, start, Some(ids), None));
    receive
}

/// The documents of a shared pass ([`Join::share`]), or its end (None).
type Documents = anyhow::Result<Option<Vec<Document>>>;

/// The pass behind a [`Join`]: sends each batch's `_id`s to `ids` and, when asked, the
/// batch's documents (`_id`, `tenantId` and `field`) to `documents`. It reads on, to the
/// end of the collection, while either still listens.
async fn pass(
    db: Database,
    collection: String,
    start: Option<ObjectId>,
    mut ids: Option<mpsc::Sender<Batch>>,
    mut documents: Option<(&'static str, mpsc::Sender<Documents>)>,
) {
    let context = || format!("reading {collection}");
    let filter = match start {
        Some(start) => doc! { "_id": { "$gte": start } },
        None => doc! {},
    };
    let mut projection = doc! { "_id": 1, "tenantId": 1 };
    if let Some((field, _)) = &documents {
        projection.insert(*field, 1);
    }
    let opened = db
        .collection::<Document>(&collection)
        .find(filter)
        .projection(projection)
        .sort(doc! { "_id": 1 })
        .batch_size(ID_BATCH)
        .await
        .with_context(context);
    let mut cursor = match opened {
        Ok(cursor) => cursor,
        Err(e) => return fail(e, ids, documents).await,
    };
    loop {
        let mut batch = Vec::with_capacity(ID_BATCH as usize);
        let mut kept = Vec::new();
        let mut end = false;
        while batch.len() < ID_BATCH as usize && !end {
            match cursor.try_next().await.with_context(context) {
                Ok(Some(document)) => {
                    if let Ok(id) = document.get_object_id("_id") {
                        batch.push((id, document_tenant(&document)));
                    }
                    if documents.is_some() {
                        kept.push(document);
                    }
                }
                Ok(None) => end = true,
                Err(e) => return fail(e, ids, documents).await,
            }
        }
        if let Some(send) = &ids
            && send.send(Ok(Some(batch))).await.is_err()
        {
            ids = None;
        }
        if let Some((_, send)) = &documents
            && send.send(Ok(Some(kept))).await.is_err()
        {
            documents = None;
        }
        if end {
            if let Some(send) = ids {
                let _ = send.send(Ok(None)).await;
            }
            if let Some((_, send)) = documents {
                let _ = send.send(Ok(None)).await;
            }
            return;
        }
        if ids.is_none() && documents.is_none() {
            return;
        }
    }
}

/// Hands a pass's error to whoever still listens.
async fn fail(
    error: anyhow::Error,
    ids: Option<mpsc::Sender<Batch>>,
    documents: Option<(&'static str, mpsc::Sender<Documents>)>,
) {
    if let Some((_, send)) = documents {
        let _ = send.send(Err(anyhow::anyhow!("{error:#}"))).await;
    }
    if let Some(send) = ids {
        let _ = send.send(Err(error)).await;
    }
}

/// The documents of a shared pass one by one, ending with the pass: a pass that stops
/// without saying so is an error.
pub(super) fn shared_documents(
    collection: &'static str,
    batches: mpsc::Receiver<Documents>,
) -> impl futures::Stream<Item = anyhow::Result<Document>> {
    futures::stream::try_unfold(batches, move |mut batches| async move {
        match batches.recv().await {
            Some(Ok(Some(batch))) => Ok(Some((
                futures::stream::iter(batch.into_iter().map(anyhow::Ok)),
                batches,
            ))),
            Some(Ok(None)) => Ok(None),
            Some(Err(e)) => Err(e),
            None => anyhow::bail!("reading {collection}: the pass stopped before its end"),
        }
    })
    .try_flatten()
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
