//! Snapshots: the same questions asked of the live stores and of a snapshot of them
//! must get the same answers (the conformance suite); a snapshot holds exactly one
//! tenant's rows, documents and objects, byte for byte; bad files are refused in one
//! line; the built-in demo is a snapshot the explorer drills through with no servers.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::OnceLock;

use common::ui::{Ui, source_tree_path, table};
use common::{Stores, block_on_own_runtime};
use crossterm::event::KeyCode;
use mongodb::bson::{Bson, oid::ObjectId};
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use tenantscope::outline::{COUNT_CAP, PAGE_SIZE, groups_of};
use tenantscope::resolve::HopState;
use tenantscope::schema::Schema;
use tenantscope::schema::{self, COLLECTIONS, Reference, TABLES, Table};
use tenantscope::seed::{BrokenKind, Options, Report};
use tenantscope::snapshot::{ExportOptions, export, write_demo};
use tenantscope::store::Access;
use tenantscope::store::connect::connect;
use tenantscope::store::read::{Listing, Page};
use tenantscope::store::snapshot::Snapshot;
use tenantscope::store::source::Source;
use uuid::Uuid;

struct Exported {
    stores: Stores,
    report: Report,
    tenant: Uuid,
    file: PathBuf,
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tenantscope-snapshots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Two seeded tenants; the first one exported.
fn exported() -> &'static Exported {
    static EXPORTED: OnceLock<Exported> = OnceLock::new();
    EXPORTED.get_or_init(|| {
        block_on_own_runtime(async {
            let stores = Stores::create("snapshot").await;
            let report = stores
                .seed(Options {
                    tenants: 2,
                    scale: 0.5,
                    ..Options::default()
                })
                .await;
            let pg = stores.pg(Access::ReadOnly).await;
            let (tenant, slug): (Uuid, String) =
                sqlx::query_as("select id, slug from tenants order by created_at, id limit 1")
                    .fetch_one(&pg)
                    .await
                    .unwrap();
            let (source, _) = connect(common::ui::store_args(&stores)).await;
            let Source::Live(live) = source else {
                unreachable!()
            };
            let file = temp_file("tenant.sqlite");
            let options = ExportOptions {
                max_object_bytes: 20_000_000,
                redact_pii: false,
            };
            export(&live, &slug, &file, options, "test", false)
                .await
                .expect("export");
            Exported {
                stores,
                report,
                tenant,
                file,
            }
        })
    })
}

async fn live_source(stores: &Stores) -> Source {
    connect(common::ui::store_args(stores)).await.0
}

async fn all_pages(source: &Source, listing: &Listing) -> Vec<tenantscope::store::read::Item> {
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let Page { items: page, next } = source.list(listing, after, PAGE_SIZE).await.unwrap();
        items.extend(page);
        match next {
            Some(cursor) => after = Some(cursor),
            None => return items,
        }
    }
}

/// Asks both sources everything the explorer asks about one row and its references.
async fn same_row(live: &Source, snap: &Source, table: &'static Table, id: Uuid) -> usize {
    let fields = live.row(table, id).await.unwrap();
    assert_eq!(
        fields,
        snap.row(table, id).await.unwrap(),
        "{} {id}",
        table.name
    );
    let fields = fields.expect("the row exists");
    let value = |c: &str| {
        fields
            .iter()
            .find(|f| f.column == c)
            .and_then(|f| f.value.clone())
    };
    let mut checks = 1;
    for reference in table.references {
        let Some(raw) = value(reference.column()) else {
            continue;
        };
        let mut keys = Vec::new();
        match reference {
            Reference::Mongo {
                collection,
                related,
                ..
            } => {
                let Ok(oid) = ObjectId::parse_str(&raw) else {
                    continue;
                };
                let document = live.document(collection, oid).await.unwrap();
                assert_eq!(
                    document,
                    snap.document(collection, oid).await.unwrap(),
                    "{collection}/{oid}"
                );
                for r in *related {
                    let a = live
                        .documents_where(r.collection, r.field, Bson::ObjectId(oid), 20)
                        .await
                        .unwrap();
                    let b = snap
                        .documents_where(r.collection, r.field, Bson::ObjectId(oid), 20)
                        .await
                        .unwrap();
                    assert_eq!(a, b, "{}.{} = {oid}", r.collection, r.field);
                }
                let field = schema::collection(collection).and_then(|c| c.s3_key_field);
                if let (Some(field), Some(d)) = (field, document) {
                    keys.push(d.get_str(field).unwrap().to_string());
                }
            }
            Reference::S3 { .. } => keys.push(raw),
        }
        for key in keys {
            let a = live.object_head(&key, 256 * 1024).await.unwrap();
            let b = snap.object_head(&key, 256 * 1024).await.unwrap();
            match (a, b) {
                (Some(a), Some(b)) => {
                    assert_eq!(a.meta, b.meta, "{key}");
                    assert_eq!(a.bytes, b.bytes, "{key}");
                }
                (None, None) => {}
                (a, b) => panic!(
                    "{key}: live {:?} vs snapshot {:?}",
                    a.map(|h| h.meta),
                    b.map(|h| h.meta)
                ),
            }
        }
        checks += 1;
    }
    checks
}

#[tokio::test]
async fn the_snapshot_answers_every_question_as_the_live_stores_do() {
    let e = exported();
    let live = live_source(&e.stores).await;
    let snap = Source::Snapshot(Snapshot::open(&e.file).await.unwrap());
    // Walk the whole tenant: every group's count and every page, every row and reference.
    let mut queue = VecDeque::from([(table("tenants"), e.tenant)]);
    let (mut rows, mut groups) = (0, 0);
    while let Some((table, id)) = queue.pop_front() {
        same_row(&live, &snap, table, id).await;
        rows += 1;
        for spec in groups_of(Schema::declared(), table) {
            let listing = spec.listing(id);
            let count = live.count(&listing, COUNT_CAP).await.unwrap();
            assert_eq!(
                count,
                snap.count(&listing, COUNT_CAP).await.unwrap(),
                "{}.{} under {id}",
                spec.table.name,
                spec.column
            );
            if count.n == 0 {
                continue;
            }
            groups += 1;
            let items = all_pages(&live, &listing).await;
            assert_eq!(
                items,
                all_pages(&snap, &listing).await,
                "{}.{} under {id}",
                spec.table.name,
                spec.column
            );
            queue.extend(items.into_iter().map(|i| (spec.table, i.id)));
        }
    }
    assert!(
        rows > 1000 && groups > 300,
        "walked {rows} rows in {groups} groups"
    );

    // The references broken on purpose are reported the same way on both.
    let mut broken = 0;
    for b in e.report.broken.iter().filter(|b| b.tenant_id == e.tenant) {
        let (name, id) = b.location.split_once('/').unwrap();
        match b.kind {
            BrokenKind::MissingObject => {
                assert!(live.object_meta(&b.reference).await.unwrap().is_none());
                assert!(snap.object_meta(&b.reference).await.unwrap().is_none());
                let oid = ObjectId::parse_str(id).unwrap();
                assert_eq!(
                    live.document(name, oid).await.unwrap(),
                    snap.document(name, oid).await.unwrap()
                );
            }
            _ => {
                same_row(&live, &snap, table(name), id.parse().unwrap()).await;
            }
        }
        broken += 1;
    }
    assert!(
        broken >= 3,
        "only {broken} broken references in the exported tenant"
    );
}

#[tokio::test]
async fn a_snapshot_holds_the_tenant_byte_for_byte_and_nothing_else() {
    let e = exported();
    let pg = e.stores.pg(Access::ReadOnly).await;
    let snapshot = Snapshot::open(&e.file).await.unwrap();
    let snap = Source::Snapshot(snapshot.clone());
    assert_eq!(snapshot.header.tenants.len(), 1);
    assert_eq!(snapshot.header.tenants[0].0, e.tenant.to_string());
    let file = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", e.file.display()))
        .await
        .unwrap();
    for t in TABLES {
        let scope = if t.name == "tenants" {
            "id"
        } else {
            "tenant_id"
        };
        let ids: Vec<Uuid> = sqlx::query_scalar(AssertSqlSafe(format!(
            "select id from {} where {scope} = $1 order by id",
            t.name
        )))
        .bind(e.tenant)
        .fetch_all(&pg)
        .await
        .unwrap();
        let in_file: Vec<String> =
            sqlx::query_scalar("select id from rows where tbl = ?1 order by id")
                .bind(t.name)
                .fetch_all(&file)
                .await
                .unwrap();
        let ids_text: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        assert_eq!(
            in_file, ids_text,
            "{}: the file holds exactly the tenant's rows",
            t.name
        );
        // Every row byte-identical (a sample of up to 40 per table, spread over the table).
        let step = (ids.len() / 40).max(1);
        for id in ids.iter().step_by(step) {
            let live = tenantscope::store::read::Live {
                pg: Some(pg.clone()),
                ..Default::default()
            };
            assert_eq!(
                live.row(t, *id).await.unwrap(),
                snap.row(t, *id).await.unwrap(),
                "{} {id}",
                t.name
            );
        }
    }
    // Every document and object belongs to the tenant; every object matches its hash.
    let db = e.stores.mongo().await;
    for c in COLLECTIONS {
        let ids: Vec<String> = sqlx::query_scalar("select id from documents where collection = ?1")
            .bind(c.name)
            .fetch_all(&file)
            .await
            .unwrap();
        for id in ids {
            let d = snap
                .document(c.name, ObjectId::parse_str(&id).unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                d.get_str("tenantId").unwrap(),
                e.tenant.to_string(),
                "{}/{id}",
                c.name
            );
            let original = db
                .collection::<mongodb::bson::Document>(c.name)
                .find_one(mongodb::bson::doc! { "_id": ObjectId::parse_str(&id).unwrap() })
                .await
                .unwrap();
            assert_eq!(Some(d), original, "{}/{id} is the live document", c.name);
        }
    }
    let objects: Vec<(String, String, Vec<u8>)> =
        sqlx::query_as("select key, sha256, bytes from objects")
            .fetch_all(&file)
            .await
            .unwrap();
    assert!(objects.len() > 50);
    let s3 = e.stores.s3().await;
    for (key, sha, bytes) in &objects {
        assert!(
            key.starts_with(&e.tenant.to_string()),
            "{key} is another tenant's"
        );
        assert_eq!(&format!("{:x}", Sha256::digest(bytes)), sha, "{key}");
        let live = s3
            .get_object()
            .bucket(&e.stores.bucket)
            .key(key)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        assert_eq!(&live[..], &bytes[..], "{key}");
    }
    // Every referenced document that exists is in the file.
    let refs: Vec<String> = sqlx::query_scalar(
        "select output_ref from activities where tenant_id = $1 and output_ref is not null",
    )
    .bind(e.tenant)
    .fetch_all(&pg)
    .await
    .unwrap();
    let in_file: BTreeSet<String> =
        sqlx::query_scalar("select id from documents where collection = 'activity_outputs'")
            .fetch_all(&file)
            .await
            .unwrap()
            .into_iter()
            .collect();
    for oid in refs {
        let exists = db
            .collection::<mongodb::bson::Document>("activity_outputs")
            .find_one(mongodb::bson::doc! { "_id": ObjectId::parse_str(&oid).unwrap() })
            .await
            .unwrap()
            .is_some();
        assert_eq!(exists, in_file.contains(&oid), "activity_outputs/{oid}");
    }
}

fn open_file(path: &std::path::Path) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tenantscope"))
        .arg("--snapshot")
        .arg(path)
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("tenantscope-no-config"),
        )
        .env_remove("TENANTSCOPE_PG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
}

#[tokio::test]
async fn bad_files_are_refused_in_one_line_with_status_2() {
    let e = exported();
    let good = std::fs::read(&e.file).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.sqlite",
            good[..good.len() / 2].to_vec(),
            "corrupt or truncated",
        ),
        (
            "random.bin",
            (0..4096).map(|i| (i * 7 % 251) as u8).collect(),
            "not a SQLite file",
        ),
        ("empty.sqlite", Vec::new(), "too short"),
    ];
    for (name, bytes, reason) in cases {
        let path = temp_file(name);
        std::fs::write(&path, bytes).unwrap();
        let (code, stderr) = open_file(&path);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(reason), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    }
    // A SQLite file that is not a snapshot, and a snapshot from the future.
    let other = temp_file("other.sqlite");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", other.display()))
        .await
        .unwrap();
    sqlx::query("create table t (x)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (code, stderr) = open_file(&other);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a tenantscope snapshot"), "{stderr}");

    let newer = temp_file("newer.sqlite");
    std::fs::copy(&e.file, &newer).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    sqlx::query(
        "update meta set value = json_set(value, '$.format_version', 99) where key = 'header'",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let (code, stderr) = open_file(&newer);
    assert_eq!(code, 2);
    assert!(stderr.contains("format version 99 is newer"), "{stderr}");
    let (code, stderr) = open_file(&temp_file("missing.sqlite"));
    assert_eq!(code, 2);
    assert!(stderr.contains("No such file"), "{stderr}");
}

#[tokio::test]
async fn redact_pii_replaces_people_with_stable_fakes() {
    let e = exported();
    let (source, _) = connect(common::ui::store_args(&e.stores)).await;
    let Source::Live(live) = source else {
        unreachable!()
    };
    let pg = e.stores.pg(Access::ReadOnly).await;
    let slug: String = sqlx::query_scalar("select slug from tenants where id = $1")
        .bind(e.tenant)
        .fetch_one(&pg)
        .await
        .unwrap();
    let mut fakes = Vec::new();
    for name in ["redacted-1.sqlite", "redacted-2.sqlite"] {
        let file = temp_file(name);
        let options = ExportOptions {
            max_object_bytes: 1000,
            redact_pii: true,
        };
        let report = export(&live, &slug, &file, options, "test", false)
            .await
            .unwrap();
        assert!(
            !report.left_out.is_empty(),
            "objects over 1,000 bytes are left out"
        );
        let snap = Snapshot::open(&file).await.unwrap();
        assert!(snap.header.redacted && !snap.header.left_out.is_empty());
        let snap = Source::Snapshot(snap);
        let lead: Uuid = sqlx::query_scalar(
            "select id from leads where tenant_id = $1 and phone is not null limit 1",
        )
        .bind(e.tenant)
        .fetch_one(&pg)
        .await
        .unwrap();
        let fields = snap.row(table("leads"), lead).await.unwrap().unwrap();
        let get = |c: &str| {
            fields
                .iter()
                .find(|f| f.column == c)
                .unwrap()
                .value
                .clone()
                .unwrap()
        };
        let (real_email, real_name): (String, String) =
            sqlx::query_as("select email, full_name from leads where id = $1")
                .bind(lead)
                .fetch_one(&pg)
                .await
                .unwrap();
        assert_ne!(get("email"), real_email);
        assert_ne!(get("full_name"), real_name);
        assert!(get("email").ends_with("@example.invalid"));
        fakes.push((get("email"), get("full_name"), get("phone")));
        // Left-out objects keep their metadata, not their bytes.
        let key = report.left_out[0].split(" (").next().unwrap();
        let meta = snap
            .object_meta(key)
            .await
            .unwrap()
            .expect("metadata is kept");
        assert!(meta.size > 1000, "{meta:?}");
        assert!(snap.object_range(key, 0, 10).await.is_err());
        let head = snap.object_head(key, 100).await.unwrap().unwrap();
        assert!(head.bytes.is_empty() && head.meta.content_type.unwrap().contains("left out"));
    }
    assert_eq!(fakes[0], fakes[1], "the same input gives the same fakes");
}

#[tokio::test]
async fn the_demo_needs_no_server_and_drills_to_markdown_and_broken_hops() {
    let file = temp_file("demo.sqlite");
    let started = std::time::Instant::now();
    write_demo(&file).await.unwrap();
    let built = started.elapsed();
    let snapshot = Snapshot::open(&file).await.unwrap();
    assert_eq!(snapshot.header.source, "built-in demo");
    assert_eq!(snapshot.header.tenants.len(), 3);
    let source = Source::Snapshot(snapshot);
    println!("demo built in {built:?}");

    // A done blog activity with its Markdown: found through the store interface only.
    let tenants = source
        .list(&Listing::tenants(Schema::declared()), None, PAGE_SIZE)
        .await
        .unwrap()
        .items;
    let mut activity = None;
    'search: for tenant in &tenants {
        let mut queue = VecDeque::from([(table("tenants"), tenant.id)]);
        while let Some((t, id)) = queue.pop_front() {
            if t.name == "activities" {
                let fields = source.row(t, id).await.unwrap().unwrap();
                let get = |c: &str| {
                    fields
                        .iter()
                        .find(|f| f.column == c)
                        .and_then(|f| f.value.clone())
                };
                if get("title").is_some_and(|v| v.starts_with("Blog post:"))
                    && get("status").as_deref() == Some("done")
                    && get("output_ref").is_some()
                {
                    activity = Some(id);
                    break 'search;
                }
            }
            for spec in groups_of(Schema::declared(), t) {
                for item in source
                    .list(&spec.listing(id), None, PAGE_SIZE)
                    .await
                    .unwrap()
                    .items
                {
                    queue.push_back((spec.table, item.id));
                }
            }
        }
    }
    let activity = activity.expect("a done blog post activity in the demo");
    let path = source_tree_path(&source, table("activities"), activity).await;
    let mut ui = Ui::attached(source, Vec::new(), 140, 40).await;
    assert!(
        ui.screen().contains("PG ✓  Mongo ✓  S3 ✓"),
        "{}",
        ui.screen()
    );
    ui.walk(&path).await;
    let chain = ui.driver.app.chain_summary();
    if chain.iter().all(|(_, s)| *s == HopState::Resolved) {
        ui.key(KeyCode::Char('3')).await;
        assert!(ui.screen().contains("# Blog post:"), "{}", ui.screen());
    } else {
        assert!(
            chain.iter().any(|(_, s)| *s == HopState::NotFound),
            "{chain:?}"
        );
        assert!(ui.screen().contains("NOT FOUND"), "{}", ui.screen());
    }
}

/// A snapshot taken under a profile that masks PII records the masks in its header;
/// opened, it says on the title line which tenant and which masks, and the session is
/// scoped to its tenant: another tenant's ids answer "not in tenant X" and nothing more,
/// in the explorer and in `get`.
#[tokio::test]
async fn a_snapshot_carries_its_tenant_and_masks_and_scopes_the_session() {
    let e = exported();
    let pg = e.stores.pg(Access::ReadOnly).await;
    let (name, slug): (String, String) =
        sqlx::query_as("select name, slug from tenants where id = $1")
            .bind(e.tenant)
            .fetch_one(&pg)
            .await
            .unwrap();
    let email: String =
        sqlx::query_scalar("select email from users where tenant_id = $1 order by id limit 1")
            .bind(e.tenant)
            .fetch_one(&pg)
            .await
            .unwrap();
    let (other_user, other_email, other_slug): (Uuid, String, String) = sqlx::query_as(
        "select u.id, u.email, t.slug from users u join tenants t on t.id = u.tenant_id \
         where u.tenant_id <> $1 order by u.id limit 1",
    )
    .bind(e.tenant)
    .fetch_one(&pg)
    .await
    .unwrap();
    pg.close().await;

    // Taken under a profile with `mask = ["pii"]`.
    let dir = temp_file("masked-profile");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(&config, "[profile.support]\nmask = [\"pii\"]\n").unwrap();
    let file = temp_file("masked.sqlite");
    let ran = common::cli::tenantscope(
        &e.stores,
        &[
            "--config",
            config.to_str().unwrap(),
            "--profile",
            "support",
            "snapshot",
            "--tenant",
            &slug,
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.windows(email.len()).any(|w| w == email.as_bytes()),
        "{email} is in the masked snapshot's bytes"
    );
    let masked = Snapshot::open(&file).await.unwrap();
    assert_eq!(masked.header.masks, vec!["pii".to_string()]);
    assert_eq!(masked.scope.as_ref().map(|s| s.id()), Some(e.tenant));
    assert!(
        masked.banner().contains("(masked: pii)"),
        "{}",
        masked.banner()
    );
    // Taken unmasked, it says none.
    assert!(
        Snapshot::open(&e.file)
            .await
            .unwrap()
            .header
            .masks
            .is_empty()
    );

    // The explorer's title line: the tenant and the masks.
    let mut ui = Ui::attached(Source::Snapshot(masked), Vec::new(), 140, 40).await;
    let screen = ui.screen();
    let title = screen.lines().next().unwrap_or_default();
    assert!(
        title.contains(&format!("tenant {name} ({slug}) only")),
        "{title}"
    );
    assert!(title.contains("masked: pii"), "{title}");
    // Another tenant's user: "not in tenant X", nothing of the row.
    ui.palette(&other_user.to_string()).await;
    let screen = ui.screen();
    assert!(
        screen.contains(&format!("{other_user} not in tenant {slug}")),
        "{screen}"
    );
    assert!(
        !screen.contains(&other_email) && !screen.contains(&other_slug),
        "{screen}"
    );

    // `get` on the file: the same answer, exit 1.
    let ran = common::cli::tenantscope(
        &e.stores,
        &[
            "--snapshot",
            file.to_str().unwrap(),
            "get",
            &other_user.to_string(),
        ],
    );
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains(&format!("not in tenant {slug}")),
        "{}",
        ran.stderr
    );
    assert!(!ran.stdout.contains(&other_email) && !ran.stderr.contains(&other_email));
}

/// A document in the file that carries another tenant's `tenantId` (a cross-tenant
/// reference's target) is not read by the session scoped to the file's tenant: the hop
/// says it is outside the tenant, as a `--tenant` session on the live stores would.
#[tokio::test]
async fn a_scoped_snapshot_does_not_read_another_tenants_document() {
    let other = Uuid::new_v4().to_string();
    let tenant_id = other.clone();
    scoped_snapshot_withholds("cross-tenant.sqlite", &other, move |d| {
        d.insert("tenantId", tenant_id.clone());
    })
    .await;
}

/// Nor one whose `tenantId` is missing or not a string: a scoped session shows only what
/// it can tell is its tenant's (the live stores' rule too).
#[tokio::test]
async fn a_scoped_snapshot_does_not_read_a_document_of_no_known_tenant() {
    scoped_snapshot_withholds("no-tenant.sqlite", "tenantId", |d| {
        d.remove("tenantId");
    })
    .await;
    scoped_snapshot_withholds("number-tenant.sqlite", "no secret", |d| {
        d.insert("tenantId", 42_i64);
    })
    .await;
}

/// Changes one activity output document in a copy of the export with `mutate`, then
/// checks that the scoped session on the copy reads neither it nor `other` (what
/// `mutate` wrote) and says the hop is outside the tenant.
async fn scoped_snapshot_withholds(
    name: &str,
    other: &str,
    mutate: impl Fn(&mut mongodb::bson::Document),
) {
    let e = exported();
    let copy = temp_file(name);
    std::fs::copy(&e.file, &copy).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    // An activity's output document, given to another tenant.
    let (activity, oid): (String, String) = sqlx::query_as(
        "select r.id, d.id from rows r join documents d on d.collection = 'activity_outputs' \
         and d.id = (select f.value ->> 1 from json_each(r.fields) f where f.value ->> 0 = 'output_ref') \
         where r.tbl = 'activities' limit 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let bson: Vec<u8> = sqlx::query_scalar(
        "select bson from documents where collection = 'activity_outputs' and id = ?1",
    )
    .bind(&oid)
    .fetch_one(&pool)
    .await
    .unwrap();
    let mut document = mongodb::bson::Document::from_reader(&mut bson.as_slice()).unwrap();
    mutate(&mut document);
    let secret = document.get_str("sha256").unwrap().to_string();
    sqlx::query("update documents set bson = ?1 where collection = 'activity_outputs' and id = ?2")
        .bind(mongodb::bson::to_vec(&document).unwrap())
        .bind(&oid)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let snap = Source::Snapshot(Snapshot::open(&copy).await.unwrap());
    let oid = ObjectId::parse_str(&oid).unwrap();
    assert_eq!(snap.document("activity_outputs", oid).await.unwrap(), None);
    assert!(
        snap.document_outside("activity_outputs", oid)
            .await
            .unwrap()
    );

    let ran = common::cli::tenantscope(
        &e.stores,
        &[
            "--snapshot",
            copy.to_str().unwrap(),
            "get",
            &activity,
            "--json",
        ],
    );
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("outside_tenant"), "{}", ran.stdout);
    assert!(
        !ran.stdout.contains(&secret) && !ran.stdout.contains(other),
        "{}",
        ran.stdout
    );
}
