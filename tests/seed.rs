//! The generator, checked through the real drivers: every table filled for every
//! tenant, every cross-store reference resolving except the ones broken on purpose
//! (found by scanning the stores, then compared with what the generator says it broke),
//! content that is what its key claims, consistent numbers and times, determinism.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Seeded, Stores, seeded_once};
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc, oid::ObjectId};
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, PgPool};
use tenantscope::schema::{COLLECTIONS, Reference, TABLES};
use tenantscope::seed::content::word_count;
use tenantscope::seed::{BrokenKind, Options};
use tenantscope::store::Access;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("seeded")
}

async fn tenants(pg: &PgPool) -> Vec<Uuid> {
    sqlx::query_scalar("select id from tenants order by id")
        .fetch_all(pg)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_table_has_rows_for_every_tenant() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let tenants = tenants(&pg).await;
    assert_eq!(tenants.len(), Options::default().tenants as usize);
    let mut empty = Vec::new();
    for table in TABLES.iter().filter(|t| t.name != "tenants") {
        let counts: Vec<(Uuid, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "select t.id, count(x.id) from tenants t left join {} x on x.tenant_id = t.id group by t.id",
            table.name
        )))
        .fetch_all(&pg)
        .await
        .unwrap();
        empty.extend(
            counts
                .iter()
                .filter(|(_, n)| *n == 0)
                .map(|(t, _)| format!("{} for {t}", table.name)),
        );
        let total: i64 = counts.iter().map(|(_, n)| n).sum();
        assert_eq!(
            total as u64, s.report.rows[table.name],
            "{}: report and database disagree",
            table.name
        );
    }
    assert!(empty.is_empty(), "tables without rows: {empty:?}");
}

/// `(kind, location, reference)` as the generator reports broken references.
type Dangling = BTreeSet<(BrokenKind, String, String)>;

#[tokio::test]
async fn every_reference_resolves_except_the_ones_broken_on_purpose() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let db = s.stores.mongo().await;
    let s3 = s.stores.s3().await;
    let bucket = &s.stores.bucket;
    let mut found = Dangling::new();
    let mut resolved = 0;

    // Every PostgreSQL → MongoDB and PostgreSQL → S3 reference the schema declares.
    for table in TABLES {
        for reference in table.references {
            let rows: Vec<(Uuid, String)> = sqlx::query_as(AssertSqlSafe(format!(
                "select id, {col} from {table} where {col} is not null",
                col = reference.column(),
                table = table.name
            )))
            .fetch_all(&pg)
            .await
            .unwrap();
            match reference {
                Reference::Mongo { collection, .. } => {
                    let ids: Vec<ObjectId> = rows
                        .iter()
                        .map(|(_, r)| ObjectId::parse_str(r).expect("24-hex ObjectId"))
                        .collect();
                    let present = existing_ids(&db, collection, &ids).await;
                    for (id, r) in rows {
                        if present.contains(&r) {
                            resolved += 1;
                        } else {
                            found.insert((
                                BrokenKind::MissingDocument,
                                format!("{}/{id}", table.name),
                                r,
                            ));
                        }
                    }
                }
                Reference::S3 { .. } => {
                    for (id, key) in rows {
                        if object_exists(&s3, bucket, &key).await {
                            resolved += 1;
                        } else {
                            found.insert((
                                BrokenKind::MissingContractPdf,
                                format!("{}/{id}", table.name),
                                key,
                            ));
                        }
                    }
                }
            }
        }
    }
    // Every MongoDB → S3 reference.
    for collection in COLLECTIONS {
        let Some(field) = collection.s3_key_field else {
            continue;
        };
        let docs: Vec<Document> = db
            .collection::<Document>(collection.name)
            .find(doc! {})
            .projection(doc! { field: 1 })
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        for d in docs {
            let key = d
                .get_str(field)
                .expect("every output names its key")
                .to_string();
            if object_exists(&s3, bucket, &key).await {
                resolved += 1;
            } else {
                let id = d.get_object_id("_id").unwrap().to_hex();
                found.insert((
                    BrokenKind::MissingObject,
                    format!("{}/{id}", collection.name),
                    key,
                ));
            }
        }
    }

    let reported: Dangling = s
        .report
        .broken
        .iter()
        .map(|b| (b.kind, b.location.clone(), b.reference.clone()))
        .collect();
    assert_eq!(
        found, reported,
        "dangling references found in the stores differ from the ones broken on purpose"
    );
    assert!(
        resolved > 20 * found.len(),
        "{resolved} resolved, {} broken: about 1 % expected",
        found.len()
    );

    // Each kind in every tenant.
    let per_tenant: BTreeSet<(Uuid, BrokenKind)> = s
        .report
        .broken
        .iter()
        .map(|b| (b.tenant_id, b.kind))
        .collect();
    for tenant in tenants(&pg).await {
        for kind in [
            BrokenKind::MissingDocument,
            BrokenKind::MissingObject,
            BrokenKind::MissingContractPdf,
        ] {
            assert!(
                per_tenant.contains(&(tenant, kind)),
                "tenant {tenant} has no {kind:?}"
            );
        }
    }
}

async fn existing_ids(
    db: &mongodb::Database,
    collection: &str,
    ids: &[ObjectId],
) -> BTreeSet<String> {
    let mut present = BTreeSet::new();
    for chunk in ids.chunks(500) {
        let docs: Vec<Document> = db
            .collection::<Document>(collection)
            .find(doc! { "_id": { "$in": chunk.to_vec() } })
            .projection(doc! { "_id": 1 })
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        present.extend(
            docs.iter()
                .map(|d| d.get_object_id("_id").unwrap().to_hex()),
        );
    }
    present
}

async fn object_exists(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> bool {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => true,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => false,
        Err(e) => panic!("HEAD {key}: {e:?}"),
    }
}

async fn get_object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> (Option<String>, Vec<u8>) {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let content_type = out.content_type().map(str::to_string);
    (
        content_type,
        out.body.collect().await.unwrap().into_bytes().to_vec(),
    )
}

#[tokio::test]
async fn objects_are_what_their_keys_and_documents_claim() {
    let s = seeded();
    let db = s.stores.mongo().await;
    let s3 = s.stores.s3().await;
    let bucket = &s.stores.bucket;
    let outputs: Vec<Document> = db
        .collection::<Document>("activity_outputs")
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let by_key: BTreeMap<String, Document> = outputs
        .into_iter()
        .map(|d| (d.get_str("s3Key").unwrap().to_string(), d))
        .collect();

    let (mut markdown, mut json, mut pdf, mut longest) = (0, 0, 0, 0);
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(bucket)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        for object in page.contents() {
            let key = object.key().unwrap();
            let (content_type, bytes) = get_object(&s3, bucket, key).await;
            if key.ends_with(".md") {
                let text =
                    std::str::from_utf8(&bytes).unwrap_or_else(|e| panic!("{key}: not UTF-8: {e}"));
                let headings = pulldown_cmark::Parser::new(text)
                    .filter(|e| {
                        matches!(
                            e,
                            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading { .. })
                        )
                    })
                    .count();
                assert!(headings > 0, "{key}: Markdown without a heading");
                assert_eq!(
                    content_type.as_deref(),
                    Some("text/markdown; charset=utf-8"),
                    "{key}"
                );
                longest = longest.max(word_count(text));
                markdown += 1;
            } else if key.ends_with(".json") {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{key}: {e}"));
                json += 1;
            } else if key.ends_with(".pdf") {
                assert!(
                    bytes.starts_with(b"%PDF-") && bytes.ends_with(b"%%EOF\n"),
                    "{key}: not a PDF"
                );
                assert!(key.contains("/contracts/"), "{key}");
                pdf += 1;
            } else {
                panic!("unexpected object {key}");
            }
            if let Some(d) = by_key.get(key) {
                assert_eq!(
                    d.get_i64("sizeBytes").unwrap() as usize,
                    bytes.len(),
                    "{key}: sizeBytes"
                );
                assert_eq!(
                    d.get_str("sha256").unwrap(),
                    format!("{:x}", Sha256::digest(&bytes)),
                    "{key}: sha256"
                );
                assert_eq!(
                    d.get_str("contentType").ok(),
                    content_type.as_deref(),
                    "{key}: contentType"
                );
            } else {
                assert!(
                    key.ends_with(".pdf"),
                    "{key}: an output object no document points to"
                );
            }
        }
        token = page.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert!(
        markdown > 50 && json > 50 && pdf >= 3,
        "{markdown} md, {json} json, {pdf} pdf"
    );
    assert!(longest >= 5000, "the longest article has {longest} words");
}

#[tokio::test]
async fn runs_add_up_and_times_are_consistent() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let violations: Vec<(String, i64)> = sqlx::query_as(
        "select 'run tokens differ from its LLM calls', count(*) from activity_runs r
           where r.total_tokens <> (select coalesce(sum(prompt_tokens + completion_tokens), 0) from llm_calls c where c.activity_run_id = r.id)
         union all select 'run cost differs from its LLM calls', count(*) from activity_runs r
           where r.cost_usd <> (select coalesce(sum(cost_usd), 0) from llm_calls c where c.activity_run_id = r.id)
         union all select 'run starts before its activity exists', count(*) from activity_runs r
           join activities a on a.id = r.activity_id where r.started_at < a.created_at
         union all select 'run ends before it starts', count(*) from activity_runs where finished_at < started_at
         union all select 'finished run without duration', count(*) from activity_runs
           where (finished_at is null) <> (duration_ms is null)
         union all select 'LLM call outside its run', count(*) from llm_calls c join activity_runs r on r.id = c.activity_run_id
           where c.started_at < r.started_at or c.started_at > coalesce(r.finished_at, now())
         union all select 'tool call before its run', count(*) from tool_calls c join activity_runs r on r.id = c.activity_run_id
           where c.started_at < r.started_at
         union all select 'sub-activity created before its parent', count(*) from activities c
           join activities p on p.id = c.parent_activity_id where c.created_at < p.created_at
         union all select 'session does not cover its runs', count(*) from activity_runs r join sessions s on s.id = r.session_id
           where r.started_at < s.started_at
         union all select 'failed run without an error', count(*) from activity_runs
           where status in ('failed', 'timed_out') and error_message is null
         union all select 'period ends before it starts', count(*) from deliverable_periods where period_end < period_start
         union all select 'tenant object outside its tenant prefix', count(*) from contracts
           where pdf_s3_key is not null and pdf_s3_key not like tenant_id::text || '/contracts/%'",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let broken: Vec<_> = violations.iter().filter(|(_, n)| *n > 0).collect();
    assert!(broken.is_empty(), "{broken:?}");
}

#[tokio::test]
async fn the_data_looks_like_a_real_platform() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let depth: i32 = sqlx::query_scalar(
        "with recursive tree(id, depth) as (
           select id, 1 from activities where parent_activity_id is null
           union all select a.id, t.depth + 1 from activities a join tree t on a.parent_activity_id = t.id)
         select max(depth) from tree",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert_eq!(depth, 4, "sub-activities nest exactly four deep");

    let statuses: BTreeSet<String> =
        sqlx::query_scalar("select distinct status from activity_runs")
            .fetch_all(&pg)
            .await
            .unwrap()
            .into_iter()
            .collect();
    for status in ["succeeded", "failed", "timed_out", "running", "cancelled"] {
        assert!(
            statuses.contains(status),
            "no run is {status}: {statuses:?}"
        );
    }
    let retries: i64 = sqlx::query_scalar(
        "select count(*) from activity_runs where trigger = 'retry' and run_number > 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert!(retries > 0, "no retried runs");
    let stuck: i64 = sqlx::query_scalar(
        "select count(*) from activity_runs where status = 'running' and started_at < timestamptz '2026-11-20 12:00Z' - interval '1 hour'",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    assert!(stuck > 0, "no long-running runs");

    // Names in Latin, CJK and right-to-left scripts.
    let names: Vec<String> = sqlx::query_scalar("select name from tenants")
        .fetch_all(&pg)
        .await
        .unwrap();
    let all: String = names.concat();
    assert!(all.chars().any(|c| c.is_ascii_alphabetic()), "{names:?}");
    assert!(
        all.chars().any(|c| ('\u{3040}'..='\u{9fff}').contains(&c)),
        "no CJK name: {names:?}"
    );
    assert!(
        all.chars().any(|c| ('\u{0590}'..='\u{06ff}').contains(&c)),
        "no RTL name: {names:?}"
    );

    // Tool call logs carry structured request and response documents.
    let db = s.stores.mongo().await;
    let log = db
        .collection::<Document>("tool_call_logs")
        .find_one(doc! { "tool": "web_search", "error": Bson::Null })
        .await
        .unwrap()
        .expect("a successful web_search log");
    assert!(log.get_document("request").unwrap().contains_key("query"));
    let results = log
        .get_document("response")
        .unwrap()
        .get_document("body")
        .unwrap()
        .get_array("results")
        .unwrap();
    assert!(!results.is_empty());

    // Social copy has hashtags and emoji.
    let s3 = s.stores.s3().await;
    let social: Vec<String> = sqlx::query_scalar(
        "select content_ref from social_posts where content_ref is not null limit 20",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let mut with_tags = 0;
    for oid in social {
        let Some(d) = db
            .collection::<Document>("activity_outputs")
            .find_one(doc! { "_id": ObjectId::parse_str(&oid).unwrap() })
            .await
            .unwrap()
        else {
            continue;
        };
        let key = d.get_str("s3Key").unwrap();
        if !object_exists(&s3, &s.stores.bucket, key).await {
            continue;
        }
        let (_, bytes) = get_object(&s3, &s.stores.bucket, key).await;
        let copy: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let text = copy["text"].as_str().unwrap();
        if text.contains('#') && text.chars().any(|c| c as u32 >= 0x1F300) {
            with_tags += 1;
        }
    }
    assert!(with_tags > 0, "no social copy with hashtags and emoji");
}

/// A digest of everything in a set of stores: every row of every table, every document,
/// every object's key, size and ETag.
async fn digest(stores: &Stores) -> BTreeMap<String, String> {
    let pg = stores.pg(Access::ReadOnly).await;
    let mut out = BTreeMap::new();
    for table in TABLES {
        let hash: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "select md5(string_agg(x::text, '|' order by x.id)) from {} x",
            table.name
        )))
        .fetch_one(&pg)
        .await
        .unwrap();
        out.insert(table.name.to_string(), hash.unwrap_or_default());
    }
    let db = stores.mongo().await;
    for collection in COLLECTIONS {
        let docs: Vec<Document> = db
            .collection::<Document>(collection.name)
            .find(doc! {})
            .sort(doc! { "_id": 1 })
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut hasher = Sha256::new();
        for d in docs {
            hasher.update(Bson::Document(d).into_canonical_extjson().to_string());
        }
        out.insert(
            collection.name.to_string(),
            format!("{:x}", hasher.finalize()),
        );
    }
    let s3 = stores.s3().await;
    let mut hasher = Sha256::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(&stores.bucket)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        for o in page.contents() {
            hasher.update(format!(
                "{}|{:?}|{:?}\n",
                o.key().unwrap(),
                o.size(),
                o.e_tag()
            ));
        }
        token = page.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    out.insert("s3".into(), format!("{:x}", hasher.finalize()));
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data_and_another_seed_does_not() {
    let s = seeded();
    let again = Stores::create("again").await;
    let report = again.seed(Options::default()).await;
    assert_eq!(report.broken, s.report.broken);
    let first = digest(&s.stores).await;
    assert_eq!(first, digest(&again).await);

    let other = Stores::create("other").await;
    other
        .seed(Options {
            seed: 2,
            tenants: 1,
            ..Options::default()
        })
        .await;
    let different = digest(&other).await;
    assert_ne!(first["activities"], different["activities"]);
    assert_ne!(first["s3"], different["s3"]);
}

#[tokio::test]
async fn a_zero_broken_rate_breaks_nothing() {
    let stores = Stores::create("clean").await;
    let report = stores
        .seed(Options {
            seed: 7,
            tenants: 1,
            broken_rate: 0.0,
            ..Options::default()
        })
        .await;
    assert!(report.broken.is_empty(), "{:?}", report.broken);
    let pg = stores.pg(Access::ReadOnly).await;
    let contracts: i64 =
        sqlx::query_scalar("select count(*) from contracts where pdf_s3_key is not null")
            .fetch_one(&pg)
            .await
            .unwrap();
    let s3 = stores.s3().await;
    let listed = s3
        .list_objects_v2()
        .bucket(&stores.bucket)
        .prefix("")
        .send()
        .await
        .unwrap();
    let pdfs = listed
        .contents()
        .iter()
        .filter(|o| o.key().unwrap().ends_with(".pdf"))
        .count();
    assert_eq!(pdfs as i64, contracts);
}

#[tokio::test]
async fn seeding_a_database_that_has_tenants_is_refused() {
    let s = seeded();
    let targets = tenantscope::seed::Targets {
        pg: s.stores.pg(Access::ReadWrite).await,
        mongo: s.stores.mongo().await,
        s3: s.stores.s3().await,
        bucket: s.stores.bucket.clone(),
    };
    let error = tenantscope::seed::run(Options::default(), &targets, false)
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("already has tenants"), "{error}");
}
