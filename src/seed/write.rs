//! Writes generated batches through the real drivers: COPY into PostgreSQL,
//! `insert_many` into MongoDB, bounded-concurrency puts into S3.

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use futures::{StreamExt, TryStreamExt};
use mongodb::Database;
use mongodb::bson::Document;
use sqlx::PgPool;

use super::sink::{Batch, Object, TableRows};

/// Puts in flight at once: enough to hide latency, few enough to be gentle.
const S3_CONCURRENCY: usize = 16;
/// Documents per `insert_many` call.
const MONGO_CHUNK: usize = 1000;

/// The stores a seed writes into.
pub struct Targets {
    pub pg: PgPool,
    pub mongo: Database,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
}

/// Writes one batch to all three stores at once. Batches must be written one after the
/// other: rows of a batch may reference rows of the batches before it.
pub async fn batch(targets: &Targets, batch: Batch) -> anyhow::Result<()> {
    let Batch {
        tables,
        documents,
        objects,
    } = batch;
    tokio::try_join!(
        postgres(&targets.pg, tables),
        mongo(&targets.mongo, documents),
        s3(&targets.s3, &targets.bucket, objects),
    )?;
    Ok(())
}

async fn postgres(pool: &PgPool, tables: Vec<TableRows>) -> anyhow::Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await.context("PostgreSQL: cannot begin")?;
    for rows in tables {
        let mut copy = tx
            .copy_in_raw(&rows.copy_statement())
            .await
            .with_context(|| format!("PostgreSQL: cannot start COPY into {}", rows.table))?;
        copy.send(rows.data.into_bytes())
            .await
            .with_context(|| format!("PostgreSQL: COPY into {} failed", rows.table))?;
        copy.finish()
            .await
            .with_context(|| format!("PostgreSQL: COPY into {} failed", rows.table))?;
    }
    tx.commit().await.context("PostgreSQL: commit failed")
}

async fn mongo(db: &Database, documents: Vec<(&'static str, Vec<Document>)>) -> anyhow::Result<()> {
    for (collection, docs) in documents {
        let handle = db.collection::<Document>(collection);
        for chunk in docs.chunks(MONGO_CHUNK) {
            handle
                .insert_many(chunk)
                .ordered(false)
                .await
                .with_context(|| format!("MongoDB: insert into {collection} failed"))?;
        }
    }
    Ok(())
}

async fn s3(client: &aws_sdk_s3::Client, bucket: &str, objects: Vec<Object>) -> anyhow::Result<()> {
    futures::stream::iter(objects)
        .map(|object| async move {
            client
                .put_object()
                .bucket(bucket)
                .key(&object.key)
                .content_type(object.content_type)
                .body(ByteStream::from(object.bytes))
                .send()
                .await
                .map_err(aws_sdk_s3::Error::from)
                .with_context(|| format!("S3: put {} failed", object.key))
        })
        .buffer_unordered(S3_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}
