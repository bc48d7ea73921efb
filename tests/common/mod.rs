//! The test bed: real PostgreSQL, FerretDB and Garage servers started by
//! `scripts/services start` (or `scripts/test`), found through environment variables.
//! Every test gets its own PostgreSQL database, MongoDB database and S3 bucket, so test
//! binaries and tests run in parallel without seeing each other's data.
#![allow(dead_code)]

pub mod cli;
pub mod drift;
pub mod tmux;
pub mod ui;

use std::sync::atomic::{AtomicU32, Ordering};

use mongodb::Database;
use sqlx::{AssertSqlSafe, PgPool};
use tenantscope::dev::migrate;
use tenantscope::seed::{self, Report, Targets};
use tenantscope::store::{Access, mongo, postgres, s3};

const HOW_TO_START: &str = "the test stores are not running: run `scripts/test`, or start them once with \
     `source \"$(scripts/services start)\"` and then run `cargo test`";

/// The addresses of the running test servers.
#[derive(Debug, Clone)]
pub struct Servers {
    /// An admin URL (database `postgres`) used to create per-test databases.
    pub pg_admin: String,
    /// A MongoDB URI without a database.
    pub mongo: String,
}

pub fn servers() -> Servers {
    let get = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: {HOW_TO_START}"))
    };
    get("TENANTSCOPE_TEST_S3");
    Servers {
        pg_admin: get("TENANTSCOPE_TEST_PG"),
        mongo: get("TENANTSCOPE_TEST_MONGO"),
    }
}

/// One isolated set of stores: a new PostgreSQL database, MongoDB database and bucket.
#[derive(Debug, Clone)]
pub struct Stores {
    pub pg_url: String,
    pub mongo_uri: String,
    pub bucket: String,
}

impl Stores {
    /// Creates empty stores named after `label`, unique to this process and call.
    pub async fn create(label: &str) -> Stores {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let servers = servers();
        let name = format!(
            "ts_{label}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let admin = postgres::connect(&servers.pg_admin, Access::ReadWrite, 1)
            .await
            .unwrap_or_else(|e| panic!("{e:#}: {HOW_TO_START}"));
        sqlx::query(AssertSqlSafe(format!("create database {name}")))
            .execute(&admin)
            .await
            .expect("create a test database");
        admin.close().await;
        let pg_url = replace_database(&servers.pg_admin, &name);
        let mongo_uri = format!("{}/{name}", servers.mongo.trim_end_matches('/'));
        let bucket = name.replace('_', "-");
        Stores {
            pg_url,
            mongo_uri,
            bucket,
        }
    }

    pub async fn pg(&self, access: Access) -> PgPool {
        postgres::connect(&self.pg_url, access, 4)
            .await
            .expect("connect to PostgreSQL")
    }

    pub async fn mongo(&self) -> Database {
        mongo::connect(&self.mongo_uri)
            .await
            .expect("connect to MongoDB")
    }

    pub async fn s3(&self) -> aws_sdk_s3::Client {
        s3::connect(None).await
    }

    /// `dev migrate` on all three stores.
    pub async fn migrate(&self) {
        let pg = self.pg(Access::ReadWrite).await;
        migrate::postgres(&pg).await.expect("PostgreSQL migration");
        migrate::mongo(&self.mongo().await)
            .await
            .expect("MongoDB collections");
        migrate::s3(&self.s3().await, &self.bucket)
            .await
            .expect("S3 bucket");
        pg.close().await;
    }

    /// `dev migrate` then `dev seed` with `options`.
    pub async fn seed(&self, options: seed::Options) -> Report {
        self.migrate().await;
        let targets = Targets {
            pg: self.pg(Access::ReadWrite).await,
            mongo: self.mongo().await,
            s3: self.s3().await,
            bucket: self.bucket.clone(),
        };
        let report = seed::run(options, &targets, false).await.expect("seeding");
        targets.pg.close().await;
        report
    }
}

/// `url` with its database (the path) replaced by `database`.
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Stores seeded once with the default options, shared by the tests of one binary.
pub struct Seeded {
    pub stores: Stores,
    pub report: Report,
}

/// The default seed of this test binary, made on first use.
pub fn seeded_once(label: &'static str) -> &'static Seeded {
    static SEEDED: std::sync::OnceLock<Seeded> = std::sync::OnceLock::new();
    SEEDED.get_or_init(|| {
        block_on_own_runtime(async move {
            let stores = Stores::create(label).await;
            let report = stores.seed(seed::Options::default()).await;
            Seeded { stores, report }
        })
    })
}

/// Runs `future` to completion on a runtime of its own, on a thread of its own: for
/// fixtures shared by the tests of one binary (each test has its own runtime).
pub fn block_on_own_runtime<T: Send + 'static>(
    future: impl Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(future)
    })
    .join()
    .expect("the fixture thread panicked")
}
