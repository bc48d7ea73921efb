//! `tenantscope dev migrate`: the PostgreSQL schema, the MongoDB collections and their
//! indexes, and the S3 bucket. Every step is idempotent.

use anyhow::Context;
use aws_sdk_s3::Client as S3;
use mongodb::bson::doc;
use mongodb::{Database, IndexModel};
use sqlx::PgPool;

use crate::schema::COLLECTIONS;

/// The embedded migrations of `migrations/` (compiled in; no database needed to build).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub async fn postgres(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("PostgreSQL migration failed")
}

pub async fn mongo(db: &Database) -> anyhow::Result<()> {
    let existing = db
        .list_collection_names()
        .await
        .context("cannot list MongoDB collections")?;
    for collection in COLLECTIONS {
        if !existing.iter().any(|name| name == collection.name) {
            db.create_collection(collection.name)
                .await
                .with_context(|| format!("cannot create collection {}", collection.name))?;
        }
        // Only the missing ones: FerretDB 1.x fails on createIndexes for existing indexes.
        let handle = db.collection::<mongodb::bson::Document>(collection.name);
        let present = handle
            .list_index_names()
            .await
            .with_context(|| format!("cannot list indexes of {}", collection.name))?;
        let missing: Vec<IndexModel> = collection
            .indexes
            .iter()
            .filter(|field| !present.iter().any(|name| name == &format!("{field}_1")))
            .map(|field| IndexModel::builder().keys(doc! { *field: 1 }).build())
            .collect();
        if !missing.is_empty() {
            handle
                .create_indexes(missing)
                .await
                .with_context(|| format!("cannot index collection {}", collection.name))?;
        }
    }
    Ok(())
}

pub async fn s3(client: &S3, bucket: &str) -> anyhow::Result<()> {
    if client.head_bucket().bucket(bucket).send().await.is_ok() {
        return Ok(());
    }
    client
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(aws_sdk_s3::Error::from)
        .with_context(|| format!("cannot create S3 bucket {bucket}"))?;
    Ok(())
}
