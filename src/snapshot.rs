//! Making snapshot files: `tenantscope snapshot` copies one tenant out of the live stores
//! (read-only, keyset-paged, bounded concurrency), and the built-in demo fills one from
//! the generator.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use mongodb::bson::{Document, doc, oid::ObjectId};
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::schema::{COLLECTIONS, Reference, TABLES, Table};
use crate::seed;
use crate::store::read::{Live, ObjectMeta};
use crate::store::snapshot::{FORMAT_VERSION, Header, Snapshot, Writer};

/// Rows per keyset page read from PostgreSQL.
const ROW_PAGE: i64 = 1000;
/// Document lookups at once.
const DOC_CONCURRENCY: usize = 8;
/// Objects downloaded at once.
const OBJECT_CONCURRENCY: usize = 8;

#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// Objects larger than this are recorded as metadata only.
    pub max_object_bytes: u64,
    /// Replace lead names, emails and phones and user emails with stable fakes.
    pub redact_pii: bool,
}

#[derive(Debug, Default)]
pub struct ExportReport {
    pub rows: u64,
    pub documents: u64,
    pub objects: u64,
    pub object_bytes: u64,
    pub left_out: Vec<String>,
    pub elapsed: Duration,
}

/// A stable fake for a personal value: the same input always gives the same fake.
fn fake(kind: &str, original: &str) -> String {
    let digest = format!("{:x}", Sha256::digest(original.as_bytes()));
    let tag = &digest[..8];
    match kind {
        "email" => format!("{kind}-{tag}@example.invalid"),
        "phone" => format!(
            "+1 555 01{:02}",
            u8::from_str_radix(&digest[..2], 16).unwrap_or(0) % 100
        ),
        "company" => format!("Company {tag}"),
        _ => format!("Person {tag}"),
    }
}

fn redact(table: &Table, fields: &mut [(String, Option<String>, String)]) {
    let kind = |column: &str| {
        crate::schema::PII
            .iter()
            .find(|(t, c, _)| *t == table.name && *c == column)
            .map(|(_, _, kind)| *kind)
    };
    for (column, value, _) in fields.iter_mut() {
        if let (Some(kind), Some(v)) = (kind(column), value.as_mut()) {
            *v = fake(kind, v);
        }
    }
}

/// `docs`, after adding the S3 keys they name to `keys`.
fn with_keys(docs: Vec<Document>, collection: &str, keys: &mut BTreeSet<String>) -> Vec<Document> {
    let key_field = COLLECTIONS
        .iter()
        .find(|c| c.name == collection)
        .and_then(|c| c.s3_key_field);
    if let Some(field) = key_field {
        keys.extend(
            docs.iter()
                .filter_map(|d| d.get_str(field).ok().map(str::to_string)),
        );
    }
    docs
}

/// Columns and their types, in table order (the order `row_to_json` writes them).
async fn columns(pg: &sqlx::PgPool, table: &Table) -> anyhow::Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "select attname::text, format_type(atttypid, atttypmod) from pg_attribute \
         where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum",
    )
    .bind(table.name)
    .fetch_all(pg)
    .await?)
}

fn bar(show: bool, message: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a valid template"),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Copies `tenant` (an id or a slug) and everything it references into a new file.
/// `source` says where it came from (secrets already masked) for the header.
pub async fn export(
    live: &Live,
    tenant: &str,
    path: &Path,
    options: ExportOptions,
    source: &str,
    show_progress: bool,
) -> anyhow::Result<ExportReport> {
    let started = Instant::now();
    let pg = live
        .pg
        .as_ref()
        .context("snapshot needs PostgreSQL (--pg)")?;
    let db = live
        .mongo
        .as_ref()
        .context("snapshot needs MongoDB (--mongo)")?;
    let (s3, bucket) = live.s3.as_ref().context("snapshot needs S3 (--bucket)")?;
    let crate::store::read::TenantRef {
        id: tenant_id,
        slug,
        name,
    } = live
        .tenant(tenant)
        .await?
        .with_context(|| format!("no tenant with id or slug {tenant:?}"))?;

    let mut writer = Writer::create(path).await?;
    let mut report = ExportReport::default();
    let progress = bar(show_progress, "rows");
    let mut oids: BTreeMap<&'static str, BTreeSet<ObjectId>> = BTreeMap::new();
    let mut related: BTreeMap<(&'static str, &'static str), BTreeSet<ObjectId>> = BTreeMap::new();
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut found: BTreeSet<(&'static str, ObjectId)> = BTreeSet::new();

    // The declared tables this database has, as the file's readers expect them; what
    // does not fit is left out and said (a snapshot keeps rows in `created_at` order).
    let schema = live.schema.get();
    for table in TABLES {
        match schema.table(table.name) {
            None => {
                report
                    .left_out
                    .push(format!("{}: not in this database", table.name));
                continue;
            }
            Some(fitted) if !fitted.created_at => {
                report
                    .left_out
                    .push(format!("{}: no created_at column to page by", table.name));
                continue;
            }
            Some(_) => {}
        }
        let columns = columns(pg, table).await?;
        let scope = if table.name == "tenants" {
            "id"
        } else {
            "tenant_id"
        };
        let mut cursor: Option<(DateTime<Utc>, Uuid)> = None;
        loop {
            let keyset = if cursor.is_some() {
                "and (r.created_at, r.id) < ($2, $3)"
            } else {
                ""
            };
            let sql = format!(
                "select r.id, r.created_at, array(select j.value from json_each_text(row_to_json(r)) j) \
                 from {} r where r.{scope} = $1 {keyset} order by r.created_at desc, r.id desc limit {ROW_PAGE}",
                table.name
            );
            let mut query =
                sqlx::query_as::<_, (Uuid, DateTime<Utc>, Vec<Option<String>>)>(AssertSqlSafe(sql))
                    .bind(tenant_id);
            if let Some((at, id)) = cursor {
                query = query.bind(at).bind(id);
            }
            let page = query
                .fetch_all(pg)
                .await
                .with_context(|| format!("reading {}", table.name))?;
            let full = page.len() as i64 == ROW_PAGE;
            for (id, created_at, values) in page {
                cursor = Some((created_at, id));
                let mut fields: Vec<(String, Option<String>, String)> = columns
                    .iter()
                    .zip(values)
                    .map(|((c, t), v)| (c.clone(), v, t.clone()))
                    .collect();
                for reference in table.references {
                    let Some(value) = fields
                        .iter()
                        .find(|f| f.0 == reference.column())
                        .and_then(|f| f.1.clone())
                    else {
                        continue;
                    };
                    match reference {
                        Reference::Mongo {
                            collection,
                            related: rel,
                            ..
                        } => {
                            if let Ok(oid) = ObjectId::parse_str(value.trim()) {
                                oids.entry(collection).or_default().insert(oid);
                                for r in *rel {
                                    related
                                        .entry((r.collection, r.field))
                                        .or_default()
                                        .insert(oid);
                                }
                            }
                        }
                        Reference::S3 { .. } => {
                            keys.insert(value);
                        }
                    }
                }
                if options.redact_pii {
                    redact(table, &mut fields);
                }
                // A masked profile's snapshot holds only what its session may see.
                let masks = crate::mask::active();
                for (column, value, _) in fields.iter_mut() {
                    *value = masks.value(table.name, column, value.take());
                }
                writer.row(table, &fields).await?;
                report.rows += 1;
            }
            progress.set_message(format!("{} rows", report.rows));
            if !full {
                break;
            }
        }
    }

    tracing::info!(
        rows = report.rows,
        ms = started.elapsed().as_millis() as u64,
        "snapshot: rows copied"
    );
    progress.set_message("documents");
    // One pass over each collection by its indexed tenantId, keeping the referenced
    // documents: a single cursor instead of a lookup per document. Whatever is referenced
    // but carries another tenantId is then looked up by _id, a few at a time.
    let tenant_text = tenant_id.to_string();
    for collection in COLLECTIONS {
        let wanted = oids.get(collection.name);
        let wanted_related: Vec<(&str, &BTreeSet<ObjectId>)> = related
            .iter()
            .filter(|((c, _), _)| *c == collection.name)
            .map(|((_, f), ids)| (*f, ids))
            .collect();
        if wanted.is_none() && wanted_related.is_empty() {
            continue;
        }
        let mut cursor = db
            .collection::<Document>(collection.name)
            .find(doc! { "tenantId": &tenant_text })
            .batch_size(1000)
            .max_time(Duration::from_secs(60))
            .await
            .with_context(|| format!("reading {}", collection.name))?;
        while let Some(d) = cursor
            .try_next()
            .await
            .with_context(|| format!("reading {}", collection.name))?
        {
            let id = d.get_object_id("_id").ok();
            let by_id = id.is_some_and(|id| wanted.is_some_and(|w| w.contains(&id)));
            let by_field = wanted_related
                .iter()
                .any(|(field, ids)| d.get_object_id(field).is_ok_and(|v| ids.contains(&v)));
            if !(by_id || by_field) {
                continue;
            }
            if let Some(id) = id {
                found.insert((collection.name, id));
            }
            for d in with_keys(vec![d], collection.name, &mut keys) {
                let d = crate::mask::active().document(d);
                writer.document(collection.name, &d).await?;
                report.documents += 1;
            }
        }
        progress.set_message(format!("{} documents", report.documents));
    }
    let elsewhere: Vec<(String, ObjectId)> = oids
        .iter()
        .flat_map(|(c, ids)| ids.iter().map(move |id| (*c, *id)))
        .filter(|key| !found.contains(key))
        .map(|(c, id)| (c.to_string(), id))
        .collect();
    let mut lookups = futures::stream::iter(elsewhere)
        .map(|(collection, id)| {
            let live = live.clone();
            async move {
                let document = live.document(&collection, id).await?;
                anyhow::Ok((collection, document))
            }
        })
        .buffer_unordered(DOC_CONCURRENCY);
    while let Some(looked_up) = lookups.next().await {
        let (collection, document) = looked_up?;
        // Another tenant's document goes in as its `_id` and `tenantId` only: a session
        // on the file then says whose it is, and nothing of it (nor its objects) is copied.
        if let Some(document) = &document
            && let Some(owner) = crate::resolve::document_owner(document, Some(tenant_id))
        {
            let mut stub = Document::new();
            for field in ["_id", "tenantId"] {
                if let Some(value) = document.get(field) {
                    stub.insert(field, value.clone());
                }
            }
            writer.document(&collection, &stub).await?;
            report.left_out.push(format!(
                "{collection}/{}: belongs to tenant {owner} (only its id and tenantId copied)",
                stub.get_object_id("_id")
                    .map(|id| id.to_hex())
                    .unwrap_or_default()
            ));
            continue;
        }
        for d in with_keys(document.into_iter().collect(), &collection, &mut keys) {
            let d = crate::mask::active().document(d);
            writer.document(&collection, &d).await?;
            report.documents += 1;
        }
    }
    drop(lookups);
    tracing::info!(
        documents = report.documents,
        ms = started.elapsed().as_millis() as u64,
        "snapshot: documents copied"
    );
    progress.set_message("objects");
    // A key under another tenant's prefix is theirs: left out, said so.
    keys.retain(
        |key| match crate::check::other_tenant_of_key(key, Some(tenant_id)) {
            Some(owner) => {
                report.left_out.push(format!(
                    "s3 object {key}: under tenant {owner}'s prefix (not copied)"
                ));
                false
            }
            None => true,
        },
    );
    let cap = options.max_object_bytes;
    let mut downloads = futures::stream::iter(keys)
        .map(|key| {
            let live = live.clone();
            async move {
                let Some(meta) = live.object_meta(&key).await? else {
                    return anyhow::Ok(None); // dangling: the snapshot answers "not found" too
                };
                if meta.size > cap || crate::mask::active().content {
                    return Ok(Some((meta, None)));
                }
                let bytes = live.object_range(&key, 0, meta.size.max(1)).await?;
                Ok(Some((meta, Some(bytes))))
            }
        })
        .buffer_unordered(OBJECT_CONCURRENCY);
    while let Some(download) = downloads.next().await {
        let Some((meta, bytes)) = download? else {
            continue;
        };
        match bytes {
            Some(bytes) => {
                anyhow::ensure!(
                    bytes.len() as u64 == meta.size,
                    "{}: read {} bytes of {}",
                    meta.key,
                    bytes.len(),
                    meta.size
                );
                let sha = format!("{:x}", Sha256::digest(&bytes));
                writer.object(&meta, &sha, Some(&bytes)).await?;
                let stored = writer.stored_sha256(&meta.key).await?;
                anyhow::ensure!(
                    stored.as_deref() == Some(sha.as_str()),
                    "{}: the copy differs from what was read",
                    meta.key
                );
                report.object_bytes += meta.size;
            }
            None => {
                writer.object(&meta, "", None).await?;
                report.left_out.push(if crate::mask::active().content {
                    format!("{} ({} bytes, content masked)", meta.key, meta.size)
                } else {
                    format!(
                        "{} ({} bytes, over the {cap}-byte cap)",
                        meta.key, meta.size
                    )
                });
            }
        }
        report.objects += 1;
        progress.set_message(format!("{} objects", report.objects));
    }
    drop(downloads);
    tracing::info!(
        objects = report.objects,
        ms = started.elapsed().as_millis() as u64,
        "snapshot: objects copied"
    );
    let _ = s3;

    let header = Header {
        format_version: FORMAT_VERSION,
        taken_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: source.to_string(),
        bucket: bucket.clone(),
        tenants: vec![(tenant_id.to_string(), slug, name)],
        left_out: report.left_out.clone(),
        redacted: options.redact_pii,
        // What was masked as it was copied: opening the file says so.
        masks: crate::mask::active().names(),
    };
    writer.finish(&header).await?;
    progress.finish_and_clear();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The built-in demo's generator settings: a few tenants, every table, every broken kind.
pub fn demo_options() -> seed::Options {
    seed::Options {
        seed: 1,
        tenants: 3,
        scale: 1.0,
        broken_rate: 0.01,
    }
}

/// Writes the demo data set into a new snapshot file at `path`; returns the references
/// it breaks on purpose.
pub async fn write_demo(path: &Path) -> anyhow::Result<Vec<seed::Broken>> {
    let started = Instant::now();
    let (batches, mut receive) = tokio::sync::mpsc::channel::<seed::sink::Batch>(2);
    let generator = tokio::task::spawn_blocking(move || {
        seed::generate_fields(demo_options(), move |batch| {
            batches
                .blocking_send(batch)
                .map_err(|_| anyhow::anyhow!("the writer stopped"))
        })
    });
    let mut writer = Writer::create(path).await?;
    let mut tenants = Vec::new();
    let taken_at = seed::dataset_now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    while let Some(batch) = receive.recv().await {
        for rows in batch.tables {
            let table =
                crate::schema::table(rows.table).context("a generated table the schema lacks")?;
            for fields in rows.fields.unwrap_or_default() {
                if table.name == "tenants" {
                    let get = |c: &str| {
                        fields
                            .iter()
                            .find(|f| f.0 == c)
                            .and_then(|f| f.1.clone())
                            .unwrap_or_default()
                    };
                    tenants.push((get("id"), get("slug"), get("name")));
                }
                writer.row(table, &fields).await?;
            }
        }
        for (collection, docs) in batch.documents {
            for d in docs {
                writer.document(collection, &d).await?;
            }
        }
        for object in batch.objects {
            let sha = format!("{:x}", Sha256::digest(&object.bytes));
            let meta = ObjectMeta {
                key: object.key,
                size: object.bytes.len() as u64,
                content_type: Some(object.content_type.to_string()),
                etag: Some(format!("\"{}\"", &sha[..32])),
                last_modified: Some(taken_at.clone()),
            };
            writer.object(&meta, &sha, Some(&object.bytes)).await?;
        }
    }
    let broken = generator.await.context("the generator panicked")??;
    tracing::info!(
        ms = started.elapsed().as_secs_f64() * 1e3,
        "demo: generated and written"
    );
    let header = Header {
        format_version: FORMAT_VERSION,
        taken_at,
        source: "built-in demo".into(),
        bucket: "demo".into(),
        tenants,
        left_out: Vec::new(),
        redacted: false,
        masks: Vec::new(),
    };
    writer.finish(&header).await?;
    tracing::info!(
        ms = started.elapsed().as_secs_f64() * 1e3,
        "demo: committed"
    );
    Ok(broken)
}

/// What the demo holds, as a number: bump it when the generator or the snapshot's
/// lookups change, so a cached demo of an older build is built again.
const DEMO_DATA: u32 = 2;

/// The demo snapshot, built once and cached: `$XDG_CACHE_HOME/tenantscope/demo-vN-…sqlite`.
pub async fn demo() -> anyhow::Result<Snapshot> {
    let dir = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("tenantscope");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!(
        "demo-v{FORMAT_VERSION}-{}-d{DEMO_DATA}.sqlite",
        env!("CARGO_PKG_VERSION")
    ));
    if let Ok(snapshot) = Snapshot::open(&path).await {
        return Ok(snapshot);
    }
    // Build next to it and rename, so a half-written file is never taken for a demo.
    let partial = dir.join(format!("demo.{}.partial", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    write_demo(&partial).await?;
    let _ = std::fs::remove_file(&path);
    std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Snapshot::open(&path).await
}
