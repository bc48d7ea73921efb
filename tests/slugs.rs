//! Slugs are matched ignoring case wherever one is accepted: `--tenant` of the CLI
//! commands, the live stores' and a snapshot's tenant lookup. The exact spelling wins
//! over others; slugs differing only by case and spelled otherwise are refused, not
//! guessed between.

mod common;

use common::Stores;
use common::cli::{Ran, tenantscope};
use common::ui::store_args;
use tenantscope::seed::Options;
use tenantscope::snapshot::{ExportOptions, export};
use tenantscope::store::Access;
use tenantscope::store::connect::connect;
use tenantscope::store::snapshot::Snapshot;
use tenantscope::store::source::Source;
use uuid::Uuid;

/// `slug` with every other letter upper case: not how it is stored.
fn mixed_case(slug: &str) -> String {
    slug.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[tokio::test]
async fn slugs_are_matched_ignoring_case_everywhere() {
    let stores = Stores::create("slugs").await;
    stores
        .seed(Options {
            seed: 3,
            tenants: 1,
            scale: 0.3,
            broken_rate: 0.0,
        })
        .await;
    let admin = stores.pg(Access::ReadWrite).await;
    let (id, slug): (Uuid, String) = sqlx::query_as("select id, slug from tenants")
        .fetch_one(&admin)
        .await
        .unwrap();
    let shouted = mixed_case(&slug);
    assert_ne!(shouted, slug);

    // The CLI commands that take --tenant.
    let Ran {
        code,
        stdout,
        stderr,
    } = tenantscope(&stores, &["tree", "--tenant", &shouted]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.lines().next().unwrap().ends_with(&id.to_string()),
        "{stdout}"
    );
    let Ran {
        code,
        stdout,
        stderr,
    } = tenantscope(
        &stores,
        &["check", "--tenant", &slug.to_uppercase(), "--json"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["tenant_id"], id.to_string());

    // The live lookup, and the snapshot taken with the slug in another case.
    let (live, _) = connect(store_args(&stores)).await;
    let found = live.tenant(&shouted).await.unwrap().expect("found");
    assert_eq!((found.id, found.slug.as_str()), (id, slug.as_str()));
    let Source::Live(stores_live) = &live else {
        unreachable!()
    };
    let dir = std::env::temp_dir().join(format!("tenantscope-slugs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.tsnap");
    let _ = std::fs::remove_file(&file);
    let options = ExportOptions {
        max_object_bytes: 1_000_000,
        redact_pii: false,
    };
    export(stores_live, &shouted, &file, options, "test", false)
        .await
        .expect("export by a slug in another case");
    let snapshot = Source::Snapshot(Snapshot::open(&file).await.unwrap());
    let found = snapshot.tenant(&shouted).await.unwrap().expect("found");
    assert_eq!(found.id, id);
    assert!(snapshot.tenant("no-such-slug").await.unwrap().is_none());
    let Ran {
        code,
        stdout,
        stderr,
    } = tenantscope(
        &stores,
        &[
            "--snapshot",
            file.to_str().unwrap(),
            "tree",
            "--tenant",
            &shouted,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().next().unwrap().ends_with(&id.to_string()));

    // Two slugs that differ only by case: the exact spelling finds each; another
    // spelling is refused with both named.
    let (upper, lower) = (Uuid::new_v4(), Uuid::new_v4());
    for (tenant, slug) in [(upper, "Acme-Co"), (lower, "acme-co")] {
        sqlx::query(
            "insert into tenants (id, name, slug, status, plan) values ($1, $2, $2, 'trial', 'starter')",
        )
        .bind(tenant)
        .bind(slug)
        .execute(&admin)
        .await
        .unwrap();
    }
    assert_eq!(live.tenant("Acme-Co").await.unwrap().unwrap().id, upper);
    assert_eq!(live.tenant("acme-co").await.unwrap().unwrap().id, lower);
    let error = live.tenant("ACME-CO").await.unwrap_err().to_string();
    assert!(
        error.contains("matches several tenants (Acme-Co, acme-co)"),
        "{error}"
    );
    let Ran {
        code,
        stdout,
        stderr,
    } = tenantscope(&stores, &["tree", "--tenant", "ACME-co"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("matches several tenants"), "{stderr}");
    // An id is an id, whatever its case.
    let Ran {
        code,
        stdout,
        stderr,
    } = tenantscope(
        &stores,
        &["tree", "--tenant", &id.to_string().to_uppercase()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().next().unwrap().ends_with(&id.to_string()));
}
