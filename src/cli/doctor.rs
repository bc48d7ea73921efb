//! `tenantscope doctor`: what a user runs first against their own stores. It reads only:
//! PostgreSQL's version, standby state, role and whether that role could write; the
//! catalog against the declaration (one line per difference); every query shape the
//! effective schema generates, EXPLAINed (never ANALYZEd) with sequential scans disabled,
//! naming the index each scanning shape lacks; MongoDB's server, collections and indexes
//! and the read preference; the bucket's HEAD, LIST and GET. Statements that would fix
//! something are printed, never run. Exit 0 when everything fits, 1 when something does
//! not, 2 when a store cannot be reached.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use mongodb::options::{ReadPreference, SelectionCriteria};
use serde::Serialize;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::config::{StoreArgs, redact_url};
use crate::schema::Schema;
use crate::store::deadline::one_line;
use crate::store::read::Live;
use crate::store::shapes::{Shape, seq_scans, shapes};
use crate::store::{Access, mongo, postgres, s3};

/// The name the printed `CREATE ROLE` gives the read-only role.
pub const READER_ROLE: &str = "tenantscope_reader";

#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// 0 everything fits, 1 something does not, 2 a store cannot be reached.
    pub exit: u8,
    pub postgres: Option<PgReport>,
    /// One line per way the database differs from the declaration.
    pub differences: Vec<String>,
    pub index_coverage: Option<Coverage>,
    pub mongo: Option<MongoReport>,
    pub s3: Option<S3Report>,
    /// Stores with no setting: not checked.
    pub not_configured: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct PgReport {
    pub url: String,
    /// Why it could not be reached or read (then nothing else is set).
    pub error: Option<String>,
    pub version: Option<String>,
    /// `pg_is_in_recovery()`: a standby (streaming replica) rather than a primary.
    pub standby: bool,
    pub role: Option<String>,
    pub superuser: bool,
    /// `transaction_read_only` of tenantscope's session.
    pub read_only: bool,
    /// Where the session's `default_transaction_read_only` comes from (`client`:
    /// tenantscope's connection; `user`/`database`: set on the role or database).
    pub read_only_source: Option<String>,
    /// Tables of the schema the role may INSERT/UPDATE/DELETE/TRUNCATE.
    pub writable_tables: Vec<String>,
    /// The write privileges the role has on them.
    pub write_privileges: Vec<String>,
    /// What an administrator runs to make a read-only role (printed, never run).
    pub read_only_role_sql: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Coverage {
    /// Query shapes explained.
    pub shapes: usize,
    /// Indexes that would serve shapes that scan, one per index.
    pub scans: Vec<Scan>,
    /// Shapes the database refused to plan (`shape: error`).
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Scan {
    pub table: String,
    /// The planner's row estimate for the table; None (JSON `null`) when it was never
    /// analysed.
    pub estimated_rows: Option<f64>,
    /// What the scanning shapes serve (groups, lookups).
    pub serves: Vec<String>,
    /// The scanning shapes.
    pub shapes: Vec<String>,
    pub create_index: String,
}

#[derive(Debug, Default, Serialize)]
pub struct MongoReport {
    pub uri: String,
    pub error: Option<String>,
    /// "MongoDB" or "FerretDB".
    pub kind: Option<String>,
    pub version: Option<String>,
    /// "standalone", "replica set rs0 primary", "replica set rs0 secondary", "mongos".
    pub topology: Option<String>,
    pub read_preference: String,
    pub collections: Vec<CollectionReport>,
}

#[derive(Debug, Serialize)]
pub struct CollectionReport {
    pub name: String,
    pub present: bool,
    /// Declared lookup fields an index starts with.
    pub indexed: Vec<String>,
    /// Declared lookup fields no index starts with.
    pub missing_indexes: Vec<String>,
    /// What would create them (printed, never run).
    pub create_index: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct S3Report {
    pub bucket: String,
    /// The custom endpoint, if any (else AWS).
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Whether the requests address the bucket by path (`http://host/bucket/key`) rather
    /// than by host name (`http://bucket.host/key`): what the HEAD request really used.
    pub path_style: bool,
    /// Whether path-style was asked for (`--s3-path-style`, or a custom endpoint).
    pub path_style_asked: bool,
    /// The URL the HEAD request went to.
    pub request_url: Option<String>,
    /// "ok", or the error.
    pub head: String,
    pub list: String,
    pub get: String,
    /// The bucket did not answer at all.
    pub unreachable: bool,
}

/// Runs the checks and prints them; the exit status says how it went.
pub async fn doctor(stores: &StoreArgs, json: bool) -> anyhow::Result<ExitCode> {
    let report = examine(stores).await;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("cannot encode the report")?
        );
    } else {
        print!("{}", text(&report));
    }
    Ok(ExitCode::from(report.exit))
}

/// Every check on the configured stores.
pub async fn examine(stores: &StoreArgs) -> Report {
    let mut report = Report::default();
    let mut unreachable = false;
    let mut unfit = false;
    match stores.pg.as_deref() {
        Some(url) => {
            let (pg, schema) = examine_pg(url, stores).await;
            if pg.error.is_some() {
                unreachable = true;
            }
            if let Some((schema, coverage)) = schema {
                let mut seen = std::collections::BTreeSet::new();
                for difference in &schema.differences {
                    let line = difference.to_string();
                    if seen.insert(line.clone()) {
                        report.differences.push(line);
                    }
                }
                unfit |= !report.differences.is_empty()
                    || !coverage.scans.is_empty()
                    || !coverage.errors.is_empty();
                report.index_coverage = Some(coverage);
            }
            report.postgres = Some(pg);
        }
        None => report.not_configured.push("PostgreSQL".into()),
    }
    match stores.mongo.as_deref() {
        Some(uri) => {
            let mongo = examine_mongo(uri, &stores.overlay).await;
            unreachable |= mongo.error.is_some();
            unfit |= mongo
                .collections
                .iter()
                .any(|c| !c.present || !c.missing_indexes.is_empty());
            report.mongo = Some(mongo);
        }
        None => report.not_configured.push("MongoDB".into()),
    }
    match stores.bucket.as_deref() {
        Some(bucket) => {
            let s3 = examine_s3(bucket, stores.s3_path_style).await;
            unreachable |= s3.unreachable;
            unfit |= [&s3.head, &s3.list, &s3.get]
                .iter()
                .any(|r| r.as_str() != "ok" && !r.starts_with("not tried"));
            report.s3 = Some(s3);
        }
        None => report.not_configured.push("S3".into()),
    }
    report.exit = if unreachable || report.not_configured.len() == 3 {
        2
    } else if unfit {
        1
    } else {
        0
    };
    report
}

async fn examine_pg(
    url: &str,
    stores: &StoreArgs,
) -> (PgReport, Option<(&'static Schema, Coverage)>) {
    let mut report = PgReport {
        url: redact_url(url),
        ..PgReport::default()
    };
    let pool = match postgres::connect(url, Access::ReadOnly, 2).await {
        Ok(pool) => pool,
        Err(e) => {
            report.error = Some(one_line(&e));
            return (report, None);
        }
    };
    let result = async {
        session(&pool, &mut report).await?;
        let live = Live {
            pg: Some(pool.clone()),
            overlay: stores.overlay.clone(),
            ..Live::default()
        };
        let schema = live.load_schema().await.context("reading the catalog")?;
        privileges(&pool, schema, &mut report).await?;
        let coverage = coverage(&pool, schema).await?;
        anyhow::Ok((schema, coverage))
    }
    .await;
    pool.close().await;
    match result {
        Ok(found) => (report, Some(found)),
        Err(e) => {
            report.error = Some(one_line(&e));
            (report, None)
        }
    }
}

/// Version, standby state, role and read-only state of tenantscope's own session.
async fn session(pool: &PgPool, report: &mut PgReport) -> anyhow::Result<()> {
    let row = sqlx::query(
        "select current_setting('server_version'), pg_is_in_recovery(), current_user::text, \
         coalesce((select rolsuper from pg_roles where rolname = current_user), false), \
         current_setting('transaction_read_only') = 'on', \
         (select source from pg_settings where name = 'default_transaction_read_only')",
    )
    .fetch_one(pool)
    .await
    .context("reading the server's version and the session")?;
    report.version = Some(row.get(0));
    report.standby = row.get(1);
    report.role = Some(row.get(2));
    report.superuser = row.get(3);
    report.read_only = row.get(4);
    report.read_only_source = row.get(5);
    Ok(())
}

/// Which of the schema's tables the role itself could write, and, when any, the
/// statements that make a role that cannot.
async fn privileges(pool: &PgPool, schema: &Schema, report: &mut PgReport) -> anyhow::Result<()> {
    let names: Vec<String> = schema.tables.iter().map(|t| t.name.to_string()).collect();
    let rows: Vec<(String, Vec<String>)> = sqlx::query_as(
        "select c.relname::text, array_remove(array[ \
           case when has_table_privilege(c.oid, 'INSERT') then 'INSERT' end, \
           case when has_table_privilege(c.oid, 'UPDATE') then 'UPDATE' end, \
           case when has_table_privilege(c.oid, 'DELETE') then 'DELETE' end, \
           case when has_table_privilege(c.oid, 'TRUNCATE') then 'TRUNCATE' end], null) \
         from pg_class c where c.relkind in ('r', 'p') and pg_table_is_visible(c.oid) \
         and c.relname = any($1) order by 1",
    )
    .bind(&names)
    .fetch_all(pool)
    .await
    .context("reading the role's privileges")?;
    let mut privileges = Vec::new();
    for (table, granted) in rows {
        if granted.is_empty() {
            continue;
        }
        report.writable_tables.push(table);
        for p in granted {
            if !privileges.contains(&p) {
                privileges.push(p);
            }
        }
    }
    let order = ["INSERT", "UPDATE", "DELETE", "TRUNCATE"];
    privileges.sort_by_key(|p| order.iter().position(|o| o == p));
    report.write_privileges = privileges;
    if !report.writable_tables.is_empty() {
        let (database, schema_name): (String, String) =
            sqlx::query_as("select quote_ident(current_database()), quote_ident(current_schema())")
                .fetch_one(pool)
                .await
                .context("reading the database's name")?;
        report.read_only_role_sql = vec![
            format!("create role {READER_ROLE} login password '…';"),
            format!("alter role {READER_ROLE} set default_transaction_read_only = on;"),
            format!("grant connect on database {database} to {READER_ROLE};"),
            format!("grant usage on schema {schema_name} to {READER_ROLE};"),
            format!("grant select on all tables in schema {schema_name} to {READER_ROLE};"),
            format!(
                "alter default privileges in schema {schema_name} grant select on tables to {READER_ROLE};"
            ),
        ];
    }
    Ok(())
}

/// Whether one node of a plan reads a whole relation of `shape`: a sequential scan, or
/// an index scanned end to end (no index condition) to filter on the group's column.
fn scans(plan: &serde_json::Value, shape: &Shape) -> bool {
    if !seq_scans(plan).is_empty() {
        return true;
    }
    fn full_index_scan(plan: &serde_json::Value, column: &str) -> bool {
        match plan {
            serde_json::Value::Object(node) => {
                let kind = node.get("Node Type").and_then(|v| v.as_str());
                let filter = node.get("Filter").and_then(|v| v.as_str()).unwrap_or("");
                (matches!(kind, Some("Index Scan" | "Index Only Scan"))
                    && node.get("Index Cond").is_none()
                    && filter.contains(&format!("({column} = ")))
                    || node.values().any(|v| full_index_scan(v, column))
            }
            serde_json::Value::Array(items) => items.iter().any(|v| full_index_scan(v, column)),
            _ => false,
        }
    }
    shape
        .column
        .is_some_and(|column| full_index_scan(plan, column))
}

/// EXPLAIN (no ANALYZE) of every shape in a read-only transaction with sequential
/// scans disabled: a scan left in a plan is one no index can avoid.
async fn coverage(pool: &PgPool, schema: &'static Schema) -> anyhow::Result<Coverage> {
    let mut conn = pool.acquire().await.context("a connection")?;
    let tenant: Option<Uuid> = if schema.table("tenants").is_some() {
        sqlx::query_scalar("select id from tenants limit 1")
            .fetch_optional(&mut *conn)
            .await
            .unwrap_or(None)
    } else {
        None
    };
    let tenant = tenant.unwrap_or_else(Uuid::nil);
    let all = shapes(schema, tenant, tenant);
    sqlx::query("begin read only")
        .execute(&mut *conn)
        .await
        .context("begin")?;
    sqlx::query("set local enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .context("set enable_seqscan")?;
    let mut coverage = Coverage {
        shapes: all.len(),
        ..Coverage::default()
    };
    let mut by_index: BTreeMap<(String, String), Scan> = BTreeMap::new();
    for shape in &all {
        sqlx::query("savepoint shape").execute(&mut *conn).await?;
        match shape.statement.explain(&mut conn).await {
            Ok(plan) => {
                sqlx::query("release savepoint shape")
                    .execute(&mut *conn)
                    .await?;
                if !scans(&plan, shape) {
                    continue;
                }
                let estimated_rows = schema
                    .catalog
                    .as_ref()
                    .and_then(|c| c.table(shape.table))
                    .map(|t| t.estimated_rows)
                    .filter(|rows| *rows >= 0.0);
                let scan = by_index
                    .entry((shape.table.to_string(), shape.index.clone()))
                    .or_insert_with(|| Scan {
                        table: shape.table.to_string(),
                        estimated_rows,
                        serves: Vec::new(),
                        shapes: Vec::new(),
                        create_index: shape.create_index(),
                    });
                if !scan.serves.contains(&shape.serves) {
                    scan.serves.push(shape.serves.clone());
                }
                scan.shapes.push(shape.name.clone());
            }
            Err(e) => {
                sqlx::query("rollback to savepoint shape")
                    .execute(&mut *conn)
                    .await?;
                let reason = one_line(&e);
                coverage.errors.push(format!("{}: {reason}", shape.name));
            }
        }
    }
    sqlx::query("rollback").execute(&mut *conn).await?;
    coverage.scans = by_index.into_values().collect();
    Ok(coverage)
}

/// The read preference the driver will use for `uri` (primary when the URI sets none).
fn read_preference(criteria: Option<&SelectionCriteria>) -> String {
    match criteria {
        None => "primary (the default)".into(),
        Some(SelectionCriteria::ReadPreference(rp)) => {
            let mode = match rp {
                ReadPreference::Primary => "primary",
                ReadPreference::PrimaryPreferred { .. } => "primaryPreferred",
                ReadPreference::Secondary { .. } => "secondary",
                ReadPreference::SecondaryPreferred { .. } => "secondaryPreferred",
                ReadPreference::Nearest { .. } => "nearest",
                other => return format!("{other:?}"),
            };
            mode.to_string()
        }
        Some(other) => format!("{other:?}"),
    }
}

async fn examine_mongo(uri: &str, overlay: &crate::schema::Overlay) -> MongoReport {
    let mut report = MongoReport {
        uri: redact_url(uri),
        ..MongoReport::default()
    };
    let result = async {
        let options = mongo::options(uri).await?;
        report.read_preference = read_preference(options.selection_criteria.as_ref());
        let db = mongo::connect(uri).await?;
        let build = mongo::build_info(&db).await?;
        match build.ferretdb {
            Some(ferret) => {
                report.kind = Some("FerretDB".into());
                report.version = Some(format!("{ferret} (reports MongoDB {})", build.version));
            }
            None => {
                report.kind = Some("MongoDB".into());
                report.version = Some(build.version);
            }
        }
        let hello: Document = db.run_command(doc! { "hello": 1 }).await.context("hello")?;
        report.topology = Some(topology(&hello));
        let present = db
            .list_collection_names()
            .await
            .context("listing the collections")?;
        // The declaration's collections with their lookups, then the config file's.
        let mut expected: Vec<(&str, &[&str])> = crate::schema::effective::declared()
            .collections
            .iter()
            .map(|c| (c.name, c.indexes))
            .collect();
        for extra in &overlay.collections {
            if !expected.iter().any(|(name, _)| *name == extra.name) {
                expected.push((extra.name.as_str(), &[]));
            }
        }
        for (name, fields) in expected {
            let mut entry = CollectionReport {
                name: name.to_string(),
                present: present.iter().any(|p| p == name),
                indexed: Vec::new(),
                missing_indexes: Vec::new(),
                create_index: Vec::new(),
            };
            if entry.present {
                let indexes: Vec<_> = db
                    .collection::<Document>(name)
                    .list_indexes()
                    .await
                    .with_context(|| format!("listing the indexes of {name}"))?
                    .try_collect()
                    .await
                    .with_context(|| format!("listing the indexes of {name}"))?;
                for field in fields {
                    let leads = indexes
                        .iter()
                        .any(|i| i.keys.keys().next().map(String::as_str) == Some(*field));
                    if leads {
                        entry.indexed.push(field.to_string());
                    } else {
                        entry.missing_indexes.push(field.to_string());
                        entry
                            .create_index
                            .push(format!("db.{name}.createIndex({{ {field}: 1 }})"));
                    }
                }
            }
            report.collections.push(entry);
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = result {
        report.error = Some(one_line(&e));
    }
    report
}

/// What `hello` says the server is.
fn topology(hello: &Document) -> String {
    if hello.get_str("msg") == Ok("isdbgrid") {
        return "mongos (sharded cluster)".into();
    }
    match hello.get_str("setName") {
        Ok(set) => {
            let role = if hello.get_bool("isWritablePrimary").unwrap_or(false) {
                "primary"
            } else if hello.get_bool("secondary").unwrap_or(false) {
                "secondary"
            } else {
                "member"
            };
            format!("replica set {set}, this member {role}")
        }
        Err(_) => "standalone".into(),
    }
}

/// "ok", or what the bucket answered; whether it answered at all.
fn outcome<T, E, R>(result: &Result<T, SdkError<E, R>>) -> (String, bool)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: HttpStatus + std::fmt::Debug,
{
    match result {
        Ok(_) => ("ok".into(), true),
        Err(SdkError::ServiceError(service)) => {
            let err = service.err();
            let code = err.code().unwrap_or("no code");
            let message = err.message().map(|m| format!(": {m}")).unwrap_or_default();
            (
                format!("refused (HTTP {} {code}{message})", service.raw().status()),
                true,
            )
        }
        Err(e @ SdkError::ResponseError(_)) => {
            (format!("unreadable answer: {}", source_chain(e)), true)
        }
        Err(e) => (format!("no answer: {}", source_chain(e)), false),
    }
}

/// The HTTP status of a raw response.
trait HttpStatus {
    fn status(&self) -> u16;
}

impl HttpStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// Records the URL of the request it sees (to tell which addressing the SDK used).
#[derive(Debug, Default, Clone)]
struct SeenUri(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl aws_sdk_s3::config::Intercept for SeenUri {
    fn name(&self) -> &'static str {
        "tenantscope-doctor-seen-uri"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_s3::config::RuntimeComponents,
        _: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(context.request().uri().to_string());
        }
        Ok(())
    }
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut current = e.source();
    while let Some(next) = current {
        let text = next.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        current = next.source();
    }
    parts.join(": ")
}

async fn examine_s3(bucket: &str, path_style: Option<bool>) -> S3Report {
    let client = s3::connect(path_style).await;
    let mut report = S3Report {
        bucket: bucket.to_string(),
        endpoint: s3::custom_endpoint().map(|e| redact_url(&e)),
        region: client.config().region().map(|r| r.to_string()),
        path_style: s3::uses_path_style(path_style),
        path_style_asked: s3::uses_path_style(path_style),
        ..S3Report::default()
    };
    let seen = SeenUri::default();
    let head = client
        .head_bucket()
        .bucket(bucket)
        .customize()
        .interceptor(seen.clone())
        .send()
        .await;
    if let Some(url) = seen.0.lock().ok().and_then(|u| u.clone()) {
        let host = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split(['/', ':'])
            .next()
            .unwrap_or("");
        report.path_style = !host.starts_with(&format!("{bucket}."));
        report.request_url = Some(redact_url(&url));
    }
    let (head_text, answered) = outcome(&head);
    report.head = head_text;
    if !answered {
        report.unreachable = true;
        report.list = "not tried (HEAD had no answer)".into();
        report.get = "not tried (HEAD had no answer)".into();
        return report;
    }
    let list = client
        .list_objects_v2()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await;
    let (list_text, _) = outcome(&list);
    report.list = list_text;
    let first = list.ok().and_then(|l| {
        l.contents()
            .first()
            .and_then(|o| o.key().map(str::to_string))
    });
    report.get = match first {
        None if report.list == "ok" => "not tried (the bucket is empty)".into(),
        None => "not tried (LIST failed)".into(),
        Some(key) => {
            let get = client
                .get_object()
                .bucket(bucket)
                .key(&key)
                .range("bytes=0-0")
                .send()
                .await;
            match &get {
                // A zero-byte object cannot satisfy a range, but GET was allowed.
                Err(SdkError::ServiceError(s)) if s.raw().status().as_u16() == 416 => "ok".into(),
                _ => outcome(&get).0,
            }
        }
    };
    report
}

fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("~{out} rows")
}

fn addressing(path_style: bool) -> &'static str {
    if path_style {
        "path-style"
    } else {
        "virtual-host"
    }
}

/// The report as text: a heading per store, then one line per finding. Lines that need
/// attention start with WARNING, DIFF, SCAN, MISSING or FAIL.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    if let Some(pg) = &report.postgres {
        line(format!("PostgreSQL {}", pg.url));
        if let Some(error) = &pg.error {
            line(format!("  FAIL {error}"));
        } else {
            line(format!(
                "  server {}, {}",
                pg.version.as_deref().unwrap_or("?"),
                if pg.standby {
                    "standby (in recovery: a streaming replica)"
                } else {
                    "primary (not in recovery)"
                }
            ));
            line(format!(
                "  role {}{}",
                pg.role.as_deref().unwrap_or("?"),
                if pg.superuser { " (superuser)" } else { "" }
            ));
            let source = match pg.read_only_source.as_deref() {
                Some("client") => "set by tenantscope's connection",
                Some("user") => "set on the role",
                Some("database") => "set on the database",
                Some(other) => other,
                None => "?",
            };
            line(format!(
                "  session read-only: {} (default_transaction_read_only {source}{})",
                if pg.read_only { "yes" } else { "NO" },
                if pg.standby {
                    "; a standby refuses writes anyway"
                } else {
                    ""
                }
            ));
            if pg.writable_tables.is_empty() {
                line("  role cannot write any of the schema's tables".into());
            } else {
                line(format!(
                    "  WARNING role {} could write: {} on {} of the schema's tables ({}{}). tenantscope only reads, but a role that cannot write is safer; an administrator can make one with:",
                    pg.role.as_deref().unwrap_or("?"),
                    pg.write_privileges.join("/"),
                    pg.writable_tables.len(),
                    pg.writable_tables
                        .iter()
                        .take(4)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    if pg.writable_tables.len() > 4 {
                        ", …"
                    } else {
                        ""
                    }
                ));
                for sql in &pg.read_only_role_sql {
                    line(format!("    {sql}"));
                }
            }
        }
    }
    if report.postgres.as_ref().is_some_and(|p| p.error.is_none()) {
        if report.differences.is_empty() {
            line("schema: the database has every declared table and column".into());
        } else {
            line(format!(
                "schema: {} difference{} from the declaration",
                report.differences.len(),
                if report.differences.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ));
            for difference in &report.differences {
                line(format!("  DIFF {difference}"));
            }
        }
    }
    if let Some(coverage) = &report.index_coverage {
        let scanning: usize = coverage.scans.iter().map(|s| s.shapes.len()).sum();
        line(format!(
            "index coverage: {} query shapes explained (enable_seqscan off, no ANALYZE): {}",
            coverage.shapes,
            if scanning == 0 && coverage.errors.is_empty() {
                "every one uses an index".to_string()
            } else {
                format!("{scanning} would scan")
            }
        ));
        for scan in &coverage.scans {
            line(format!(
                "  SCAN {} ({}): {} shape{} for {}",
                scan.table,
                scan.estimated_rows
                    .map_or_else(|| "not analysed".to_string(), thousands),
                scan.shapes.len(),
                if scan.shapes.len() == 1 { "" } else { "s" },
                scan.serves.join("; ")
            ));
            line(format!("    {};", scan.create_index));
        }
        for error in &coverage.errors {
            line(format!("  FAIL {error}"));
        }
    }
    if let Some(mongo) = &report.mongo {
        line(format!("MongoDB {}", mongo.uri));
        if let Some(error) = &mongo.error {
            line(format!("  FAIL {error}"));
        } else {
            line(format!(
                "  server {} {}, {}",
                mongo.kind.as_deref().unwrap_or("?"),
                mongo.version.as_deref().unwrap_or("?"),
                mongo.topology.as_deref().unwrap_or("?")
            ));
            line(format!("  read preference {}", mongo.read_preference));
            for c in &mongo.collections {
                if !c.present {
                    line(format!("  MISSING collection {}", c.name));
                    continue;
                }
                line(format!(
                    "  collection {}: indexed on {}",
                    c.name,
                    if c.indexed.is_empty() {
                        "none of its lookups".to_string()
                    } else {
                        c.indexed.join(", ")
                    }
                ));
                for (field, create) in c.missing_indexes.iter().zip(&c.create_index) {
                    line(format!("  MISSING index {}.{field}: {create}", c.name));
                }
            }
        }
    }
    if let Some(s3) = &report.s3 {
        line(format!(
            "S3 s3://{} at {} (region {}, {} addressing)",
            s3.bucket,
            s3.endpoint.as_deref().unwrap_or("AWS"),
            s3.region.as_deref().unwrap_or("?"),
            addressing(s3.path_style)
        ));
        if s3.path_style != s3.path_style_asked {
            line(format!(
                "  {} addressing was asked for; the SDK used {} for this endpoint ({})",
                addressing(s3.path_style_asked),
                addressing(s3.path_style),
                s3.request_url.as_deref().unwrap_or("?")
            ));
        }
        for (verb, result) in [("HEAD", &s3.head), ("LIST", &s3.list), ("GET", &s3.get)] {
            let mark = if result == "ok" || result.starts_with("not tried") {
                ""
            } else {
                "FAIL "
            };
            line(format!("  {mark}{verb} {result}"));
        }
    }
    for store in &report.not_configured {
        line(format!("{store}: not configured, not checked"));
    }
    line(match report.exit {
        0 => "everything fits (exit 0)".into(),
        1 => "something does not fit (exit 1)".into(),
        _ => "a store cannot be reached (exit 2)".into(),
    });
    out
}
