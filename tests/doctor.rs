//! `tenantscope doctor`, run as the binary against the real servers: a clean migrated
//! and seeded schema fits (exit 0); a drift database (our migrations plus ALTERs) does
//! not (exit 1), each difference named once and the dropped index named with its
//! CREATE INDEX; a role that can write gets the warning and the statements of a
//! read-only role, and a role made with those statements does not; a store that does not
//! answer is exit 2 with its password masked; `--json` has the documented shape; a
//! table a foreign key reaches but the explorer cannot show is named; virtual-host S3
//! addressing reads an object end to end.

mod common;

use common::cli::tenantscope_by_env;
use common::{Stores, block_on_own_runtime};
use serde_json::Value;
use sqlx::AssertSqlSafe;
use tenantscope::seed::Options;
use tenantscope::store::Access;

/// What the drift database adds to the drift tests' changes (`common::drift::CHANGES`):
/// the extra table's indexes and one foreign key index dropped, for doctor to name.
const INDEXES_DROPPED: &[&str] = &[
    "drop index case_notes_tenant_idx",
    "drop index case_notes_activity_idx",
    "drop index goals_strategy_idx",
];

fn clean() -> &'static Stores {
    static CLEAN: std::sync::OnceLock<Stores> = std::sync::OnceLock::new();
    CLEAN.get_or_init(|| {
        block_on_own_runtime(async {
            let stores = Stores::create("doctor").await;
            stores.seed(Options::default()).await;
            stores
        })
    })
}

async fn drift() -> Stores {
    let stores = Stores::create("doctor_drift").await;
    stores.seed(Options::default()).await;
    let pg = stores.pg(Access::ReadWrite).await;
    let changes = common::drift::CHANGES.iter().map(|(_, sql)| sql);
    for sql in changes.chain(INDEXES_DROPPED) {
        sqlx::raw_sql(AssertSqlSafe(*sql))
            .execute(&pg)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    pg.close().await;
    stores
}

/// How many lines of `text` contain `needle`.
fn lines_with(text: &str, needle: &str) -> usize {
    text.lines().filter(|l| l.contains(needle)).count()
}

#[test]
fn a_clean_schema_fits_and_the_superuser_is_warned() {
    let stores = clean();
    let run = tenantscope_by_env(stores, &["doctor"], &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("schema: the database has every declared table and column"),
        "{out}"
    );
    assert!(out.contains("every one uses an index"), "{out}");
    assert_eq!(lines_with(out, "DIFF "), 0, "{out}");
    assert_eq!(lines_with(out, "SCAN "), 0, "{out}");
    assert!(out.contains("primary (not in recovery)"), "{out}");
    assert!(out.contains("role postgres (superuser)"), "{out}");
    assert!(out.contains("session read-only: yes"), "{out}");
    // The test servers' postgres role could write: the warning, and what to do instead.
    assert_eq!(
        lines_with(out, "WARNING role postgres could write"),
        1,
        "{out}"
    );
    assert!(out.contains("INSERT/UPDATE/DELETE/TRUNCATE"), "{out}");
    assert!(
        out.contains("grant select on all tables in schema public to tenantscope_reader;"),
        "{out}"
    );
    assert!(out.contains("server FerretDB"), "{out}");
    assert!(out.contains("read preference primary"), "{out}");
    assert!(
        out.contains("collection tool_call_logs: indexed on tenantId, toolCallId, activityRunId"),
        "{out}"
    );
    assert_eq!(lines_with(out, "MISSING"), 0, "{out}");
    for verb in ["HEAD ok", "LIST ok", "GET ok"] {
        assert_eq!(lines_with(out, verb), 1, "{verb}: {out}");
    }
    assert!(out.contains("path-style addressing"), "{out}");
    assert!(out.ends_with("everything fits (exit 0)\n"), "{out}");
}

#[tokio::test]
async fn the_drift_database_names_each_difference_once_and_the_missing_index() {
    let stores = drift().await;
    let run = tenantscope_by_env(&stores, &["doctor"], &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    let expected = [
        "DIFF goals.title (label) is not in this database",
        "DIFF deliverables.status (status) is not in this database: no status is shown or filtered",
        "DIFF activity_runs.status is run_status, not text: compared as text",
        "DIFF channel_scores.created_at (order) is not in this database: its groups are ordered by id",
        "DIFF social_posts.content_ref (reference) is not in this database: its hop shows `column not in this database`",
        "DIFF table search_term_classifications is not in this database: its groups are not shown",
        "DIFF llm_calls.cost_usd (read by :cost, the run view) is not in this database (renamed to cost?): \
         :cost does not run and says which columns it needs; \
         the run view, `run` and `diff` show that value as absent",
        "DIFF table case_notes is not declared: shown under activities (activity_id), tenants (tenant_id)",
    ];
    for line in expected {
        assert_eq!(lines_with(out, line), 1, "{line}:\n{out}");
    }
    // Nothing else is called a difference.
    assert_eq!(lines_with(out, "DIFF "), expected.len(), "{out}");
    assert!(
        out.contains("schema: 8 differences from the declaration"),
        "{out}"
    );
    // The goals renamed label is used for its rows.
    assert!(out.contains("rows are labelled by name"), "{out}");
    // The dropped index, once, with what would create it; the new table's two groups.
    let create = [
        "create index concurrently on goals (strategy_id, created_at desc, id desc);",
        "create index concurrently on case_notes (tenant_id, created_at desc, id desc);",
        "create index concurrently on case_notes (activity_id, created_at desc, id desc);",
    ];
    for line in create {
        assert_eq!(lines_with(out, line), 1, "{line}:\n{out}");
    }
    assert_eq!(lines_with(out, "SCAN "), create.len(), "{out}");
    assert_eq!(
        lines_with(out, "SCAN goals ") + lines_with(out, "Goals under strategies (strategy_id)"),
        2,
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("  SCAN goals ") && l.contains("Goals under strategies")),
        "{out}"
    );
    assert_eq!(lines_with(out, "FAIL"), 0, "{out}");
    assert!(out.ends_with("something does not fit (exit 1)\n"), "{out}");

    // The same in JSON.
    let run = tenantscope_by_env(&stores, &["doctor", "--json"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(report["exit"], 1);
    let differences = report["differences"].as_array().unwrap();
    // The text's DIFF lines, word for word (the text adds each line's consequence).
    assert_eq!(differences.len(), expected.len(), "{differences:?}");
    for (line, difference) in expected.iter().zip(differences) {
        let difference = difference.as_str().expect("a string");
        assert!(
            line.strip_prefix("DIFF ")
                .is_some_and(|l| difference.starts_with(l)),
            "{line} / {difference}"
        );
    }
    let scans = report["index_coverage"]["scans"].as_array().unwrap();
    let goals = scans
        .iter()
        .find(|s| s["table"] == "goals")
        .expect("goals scans");
    assert_eq!(
        goals["create_index"],
        "create index concurrently on goals (strategy_id, created_at desc, id desc)"
    );
    assert!(
        goals["shapes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "goals under strategies: first page"),
        "{goals}"
    );
    assert!(
        goals["serves"][0]
            .as_str()
            .unwrap()
            .contains("Goals under strategies")
    );
    // The planner's estimate, or null for a table never analysed (reltuples -1): the
    // new case_notes got its 40 rows after its indexes and no ANALYZE since.
    let pg = stores.pg(Access::ReadOnly).await;
    let mut never_analysed = 0;
    for scan in scans {
        let table = scan["table"].as_str().unwrap();
        let reltuples: f32 =
            sqlx::query_scalar("select reltuples from pg_class where relname = $1")
                .bind(table)
                .fetch_one(&pg)
                .await
                .unwrap();
        if reltuples < 0.0 {
            never_analysed += 1;
            assert_eq!(scan["estimated_rows"], Value::Null, "{scan}");
            let line = format!("  SCAN {table} (not analysed): ");
            assert!(out.lines().any(|l| l.starts_with(&line)), "{line}\n{out}");
        } else {
            assert_eq!(scan["estimated_rows"], f64::from(reltuples), "{scan}");
        }
    }
    assert!(never_analysed > 0, "{scans:?}");
    pg.close().await;
}

#[tokio::test]
async fn json_has_the_documented_shape() {
    let stores = clean();
    let run = tenantscope_by_env(stores, &["doctor", "--json"], &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(report["exit"], 0);
    let pg = &report["postgres"];
    assert!(
        pg["version"]
            .as_str()
            .unwrap()
            .starts_with(char::is_numeric)
    );
    assert_eq!(pg["standby"], false);
    assert_eq!(pg["role"], "postgres");
    assert_eq!(pg["superuser"], true);
    assert_eq!(pg["read_only"], true);
    assert_eq!(pg["read_only_source"], "client");
    assert!(pg["error"].is_null());
    assert!(pg["writable_tables"].as_array().unwrap().len() > 20);
    assert_eq!(
        pg["write_privileges"],
        serde_json::json!(["INSERT", "UPDATE", "DELETE", "TRUNCATE"])
    );
    assert!(pg["url"].as_str().unwrap().starts_with("postgres://"));
    assert_eq!(report["differences"], serde_json::json!([]));
    let coverage = &report["index_coverage"];
    assert!(coverage["shapes"].as_u64().unwrap() > 250, "{coverage}");
    assert_eq!(coverage["scans"], serde_json::json!([]));
    assert_eq!(coverage["errors"], serde_json::json!([]));
    let mongo = &report["mongo"];
    assert_eq!(mongo["kind"], "FerretDB");
    assert_eq!(mongo["topology"], "standalone");
    assert_eq!(mongo["read_preference"], "primary (the default)");
    let collections = mongo["collections"].as_array().unwrap();
    assert_eq!(collections.len(), 4);
    for c in collections {
        assert_eq!(c["present"], true, "{c}");
        assert_eq!(c["missing_indexes"], serde_json::json!([]), "{c}");
        assert!(
            c["indexed"]
                .as_array()
                .unwrap()
                .contains(&"tenantId".into())
        );
    }
    let s3 = &report["s3"];
    assert_eq!(s3["bucket"], stores.bucket.as_str());
    assert_eq!(s3["head"], "ok");
    assert_eq!(s3["list"], "ok");
    assert_eq!(s3["get"], "ok");
    assert_eq!(s3["path_style"], true);
    assert_eq!(s3["region"], "us-east-1");
    assert_eq!(s3["unreachable"], false);
    assert_eq!(report["not_configured"], serde_json::json!([]));
}

#[tokio::test]
async fn a_role_made_with_the_printed_grants_is_not_warned() {
    let stores = clean();
    let run = tenantscope_by_env(stores, &["doctor", "--json"], &[]);
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let statements: Vec<String> = report["postgres"]["read_only_role_sql"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(statements.len(), 6, "{statements:?}");
    // Roles are the server's, not the database's: a name of this run's own.
    let role = format!("ts_reader_{}", std::process::id());
    let admin = stores.pg(Access::ReadWrite).await;
    for sql in &statements {
        let sql = sql
            .replace("tenantscope_reader", &role)
            .replace("'…'", "'reader-secret'");
        sqlx::query(AssertSqlSafe(sql.clone()))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    let url = stores.pg_url.replacen(
        "postgres://postgres@",
        &format!("postgres://{role}:reader-secret@"),
        1,
    );
    assert_ne!(url, stores.pg_url);
    let run = tenantscope_by_env(stores, &["doctor"], &[("TENANTSCOPE_PG", &url)]);
    let json = tenantscope_by_env(stores, &["doctor", "--json"], &[("TENANTSCOPE_PG", &url)]);
    // Leave no role behind, whatever the assertions say.
    for sql in [format!("drop owned by {role}"), format!("drop role {role}")] {
        sqlx::query(AssertSqlSafe(sql))
            .execute(&admin)
            .await
            .unwrap();
    }
    let out = &run.stdout;
    assert_eq!(run.code, 0, "{out}\n{}", run.stderr);
    assert!(out.contains(&format!("  role {role}\n")), "{out}");
    assert!(
        out.contains("role cannot write any of the schema's tables"),
        "{out}"
    );
    assert_eq!(lines_with(out, "WARNING"), 0, "{out}");
    assert!(!out.contains("reader-secret"), "{out}");
    assert!(out.contains(&format!("postgres://{role}:***@")), "{out}");
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["postgres"]["writable_tables"], serde_json::json!([]));
    assert_eq!(
        report["postgres"]["read_only_role_sql"],
        serde_json::json!([])
    );
    assert!(!json.stdout.contains("reader-secret"));
}

#[test]
fn a_store_that_does_not_answer_is_exit_2_with_its_password_masked() {
    let stores = clean();
    // Nothing listens on port 1.
    let url = "postgres://someone:hunter2-secret@127.0.0.1:1/platform";
    let run = tenantscope_by_env(stores, &["doctor"], &[("TENANTSCOPE_PG", url)]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("PostgreSQL postgres://someone:***@127.0.0.1:1/platform"),
        "{out}"
    );
    assert_eq!(lines_with(out, "  FAIL "), 1, "{out}");
    assert!(!out.contains("hunter2"), "{out}");
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    // The other stores are still checked.
    assert!(out.contains("HEAD ok"), "{out}");
    assert!(
        out.ends_with("a store cannot be reached (exit 2)\n"),
        "{out}"
    );
    let json = tenantscope_by_env(stores, &["doctor", "--json"], &[("TENANTSCOPE_PG", url)]);
    assert_eq!(json.code, 2);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(report["postgres"]["error"].is_string());
    assert!(!json.stdout.contains("hunter2"));
}

#[test]
fn s3_addressing_is_what_the_requests_really_used() {
    let stores = clean();
    // The test endpoint is an IP address: asked for virtual-host, the SDK still uses
    // path-style, and doctor says so.
    let run = tenantscope_by_env(
        stores,
        &["doctor", "--json", "--s3-path-style", "false"],
        &[],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let s3 = &report["s3"];
    assert_eq!(s3["path_style_asked"], false, "{s3}");
    assert_eq!(s3["path_style"], true, "{s3}");
    assert_eq!(s3["head"], "ok", "{s3}");
    let url = s3["request_url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/{}/", stores.bucket)), "{url}");
    let text = tenantscope_by_env(stores, &["doctor", "--s3-path-style", "false"], &[]);
    assert!(
        text.stdout
            .contains("virtual-host addressing was asked for; the SDK used path-style"),
        "{}",
        text.stdout
    );
    // With a host name for the endpoint, virtual-host addressing puts the bucket in the
    // host name.
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3").unwrap();
    let by_name = endpoint.replace("127.0.0.1", "localhost");
    assert_ne!(by_name, endpoint);
    let run = tenantscope_by_env(
        stores,
        &["doctor", "--json", "--s3-path-style", "false"],
        &[("AWS_ENDPOINT_URL_S3", &by_name)],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let s3 = &report["s3"];
    assert_eq!(s3["path_style"], false, "{s3}");
    let url = s3["request_url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://{}.localhost:", stores.bucket)),
        "{url}"
    );
}

/// A table a foreign key reaches from a shown one, but keyed by a bigint: the explorer
/// cannot list it (rows are keyed by uuid), so doctor names it rather than leave it
/// silently invisible.
#[tokio::test]
async fn a_reachable_table_the_explorer_cannot_show_is_named() {
    let stores = Stores::create("doctor_hidden").await;
    stores.seed(Options::default()).await;
    let pg = stores.pg(Access::ReadWrite).await;
    sqlx::raw_sql(
        "create table case_tags (id bigserial primary key,
           tenant_id uuid not null references tenants, tag text,
           created_at timestamptz not null default now());
         create index on case_tags (tenant_id, created_at desc, id desc);
         insert into case_tags (tenant_id, tag) select id, 'vip' from tenants",
    )
    .execute(&pg)
    .await
    .unwrap();
    pg.close().await;
    let run = tenantscope_by_env(&stores, &["doctor"], &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let said = "DIFF table case_tags has a foreign key to a shown table but is not shown: \
                its id is bigint, not uuid (rows are keyed by a uuid id)";
    assert_eq!(lines_with(&run.stdout, said), 1, "{}", run.stdout);
    assert_eq!(lines_with(&run.stdout, "DIFF "), 1, "{}", run.stdout);
}

/// MongoDB that differs: a collection gone and an index gone are each named, the index
/// with the `createIndex` that would serve it, and the exit status says it does not fit.
#[tokio::test]
async fn a_missing_collection_and_a_missing_index_are_named() {
    use futures::TryStreamExt;
    let stores = Stores::create("doctor_mongo").await;
    stores.seed(Options::default()).await;
    let db = stores.mongo().await;
    db.collection::<mongodb::bson::Document>("skills")
        .drop()
        .await
        .unwrap();
    let logs = db.collection::<mongodb::bson::Document>("tool_call_logs");
    let indexes: Vec<_> = logs
        .list_indexes()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut dropped = 0;
    for index in indexes {
        if index.keys.keys().next().map(String::as_str) == Some("toolCallId") {
            let name = index.options.and_then(|o| o.name).expect("a named index");
            logs.drop_index(name).await.unwrap();
            dropped += 1;
        }
    }
    assert!(dropped > 0, "the seed indexes toolCallId");
    let run = tenantscope_by_env(&stores, &["doctor"], &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert_eq!(lines_with(out, "  MISSING collection skills"), 1, "{out}");
    assert_eq!(
        lines_with(
            out,
            "  MISSING index tool_call_logs.toolCallId: db.tool_call_logs.createIndex({ toolCallId: 1 })"
        ),
        1,
        "{out}"
    );
    assert_eq!(lines_with(out, "MISSING"), 2, "{out}");
    assert!(
        out.contains("collection tool_call_logs: indexed on tenantId, activityRunId"),
        "{out}"
    );
}

/// Virtual-host addressing end to end: Garage takes the bucket from the Host header
/// under its `root_domain` (`scripts/services`), and `scripts/services start` makes the
/// names below resolve to 127.0.0.1 in /etc/hosts. `get --content` with
/// `--s3-path-style false` on an endpoint by host name reads the object's bytes, and
/// doctor shows the request went to `bucket.s3.garage.localhost`.
#[tokio::test]
async fn virtual_host_addressing_reads_an_object_through_the_bucket_host_name() {
    // The same names as scripts/services' S3_ROOT_DOMAIN and VHOST_BUCKET.
    const ROOT_DOMAIN: &str = "s3.garage.localhost";
    const BUCKET: &str = "tenantscope-vhost";
    let stores = clean();
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3").unwrap();
    let port = endpoint.rsplit(':').next().unwrap();
    let host = format!("{BUCKET}.{ROOT_DOMAIN}");
    {
        use std::net::ToSocketAddrs;
        let resolved = (host.as_str(), 80).to_socket_addrs().ok();
        assert!(
            resolved.is_some_and(|mut a| a.any(|a| a.ip().is_loopback())),
            "{host} does not resolve to 127.0.0.1: `scripts/services start` adds \
             `127.0.0.1 {ROOT_DOMAIN} {host}` to /etc/hosts when it runs as root (CI \
             does); add that line by hand otherwise"
        );
    }
    let by_name = format!("http://{ROOT_DOMAIN}:{port}");

    // An activity's object, copied under its key into the virtual-host bucket.
    let pg = stores.pg(Access::ReadOnly).await;
    let activities: Vec<uuid::Uuid> = sqlx::query_scalar(
        "select id from activities where output_ref is not null order by id limit 20",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    pg.close().await;
    let (activity, key) = activities
        .iter()
        .find_map(|id| {
            let run = tenantscope_by_env(stores, &["get", &id.to_string(), "--json"], &[]);
            let got: Value = serde_json::from_str(&run.stdout).ok()?;
            Some((*id, got["content"]["key"].as_str()?.to_string()))
        })
        .expect("an activity with an object");
    let s3 = stores.s3().await;
    let object = s3
        .get_object()
        .bucket(&stores.bucket)
        .key(&key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    // Another test process may have made it already.
    let _ = s3.create_bucket().bucket(BUCKET).send().await;
    s3.put_object()
        .bucket(BUCKET)
        .key(&key)
        .body(object.clone().into())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key} into {BUCKET}: {e:?}"));

    let env = [
        ("AWS_ENDPOINT_URL_S3", by_name.as_str()),
        ("TENANTSCOPE_BUCKET", BUCKET),
    ];
    let run = tenantscope_by_env(
        stores,
        &[
            "get",
            &activity.to_string(),
            "--json",
            "--content",
            "--s3-path-style",
            "false",
        ],
        &env,
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let got: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(got["content"]["key"], key.as_str(), "{got}");
    assert_eq!(
        got["content"]["text"].as_str().unwrap().as_bytes(),
        object.as_ref()
    );

    let run = tenantscope_by_env(
        stores,
        &["doctor", "--json", "--s3-path-style", "false"],
        &env,
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let s3 = &report["s3"];
    assert_eq!(s3["path_style"], false, "{s3}");
    assert_eq!(s3["head"], "ok", "{s3}");
    let url = s3["request_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("http://{host}:{port}/")), "{url}");
}
