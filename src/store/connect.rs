//! Opening the configured stores (flags, environment, config profile), for every face.

use crate::config::{StoreArgs, redact_url};
use crate::store::deadline::{SCHEMA_MISMATCH, bounded, one_line};
use crate::store::read::{Live, TenantRef};
use crate::store::scope::Scope;
use crate::store::source::Source;
use crate::store::{StoreKind, mongo, postgres, s3};

/// Builds the live stores without waiting on any server: PostgreSQL connects on first
/// use, the MongoDB driver connects in the background, S3 is stateless. Returns what could
/// not even be configured, per store.
pub async fn connect(stores: StoreArgs) -> (Source, Vec<(StoreKind, String)>) {
    let mut live = Live {
        overlay: stores.overlay.clone(),
        ..Live::default()
    };
    let mut problems = Vec::new();
    let mut problem = |store, reason: String| problems.push((store, reason));
    match stores.pg.as_deref() {
        Some(url) => match postgres::connect_lazy(url) {
            Ok(pool) => live.pg = Some(pool),
            Err(e) => problem(StoreKind::Postgres, one_line(&e)),
        },
        None => problem(
            StoreKind::Postgres,
            "not configured (--pg or TENANTSCOPE_PG)".into(),
        ),
    }
    match stores.mongo.as_deref() {
        Some(uri) => match mongo::connect(uri).await {
            Ok(db) => live.mongo = Some(db),
            Err(e) => problem(StoreKind::Mongo, one_line(&e)),
        },
        None => problem(
            StoreKind::Mongo,
            "not configured (--mongo or TENANTSCOPE_MONGO)".into(),
        ),
    }
    match stores.bucket.clone() {
        Some(bucket) => live.s3 = Some((s3::connect(stores.s3_path_style).await, bucket)),
        None => problem(
            StoreKind::S3,
            "not configured (--bucket or TENANTSCOPE_BUCKET)".into(),
        ),
    }
    // A scoped session is scoped before anything is read: its tenant is looked up once
    // (by id or slug); when that fails the scope names no tenant (nil id), so nothing is
    // shown rather than everything.
    if let Some(wanted) = stores.scope.as_deref() {
        let mut found = bounded(live.tenant(wanted)).await;
        // Their tenants table may differ from ours (no `slug`, another name column): the
        // lookup is asked again through the schema fitted to the catalog.
        if found
            .as_ref()
            .is_err_and(|e| e.starts_with(SCHEMA_MISMATCH))
            && bounded(live.load_schema()).await.is_ok()
        {
            found = bounded(live.tenant(wanted)).await;
        }
        let tenant = match found {
            Ok(Some(tenant)) => tenant,
            other => {
                let why = match other {
                    Err(e) => e,
                    _ => format!("no tenant with id or slug {wanted:?}"),
                };
                problems.push((StoreKind::Postgres, format!("scope: {why}")));
                TenantRef {
                    id: uuid::Uuid::nil(),
                    slug: wanted.to_string(),
                    name: wanted.to_string(),
                }
            }
        };
        live.scope = Some(Scope::new(tenant));
    }
    (Source::Live(live), problems)
}

/// A one-line description of where the data comes from, secrets masked.
pub fn describe(stores: &StoreArgs) -> String {
    let pg = stores
        .pg
        .as_deref()
        .map(redact_url)
        .unwrap_or_else(|| "no PostgreSQL".into());
    let bucket = stores
        .bucket
        .as_deref()
        .map(|b| format!("s3://{b}"))
        .unwrap_or_else(|| "no bucket".into());
    format!("{pg} · {bucket}")
}
