//! Masking for support profiles against the real stores: with `mask = ["pii"]` and
//! `["content"]` no output path (the panes, the OSC 52 bytes, export files, `get`/`tree`
//! JSON, snapshot files) holds the masked values, byte for byte.
//!
//! This test binary installs both masks for its own process (the explorer's tests run
//! in it); the command-line tests run the binary with a profile.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use common::ui::Ui;
use common::{Seeded, seeded_once};
use crossterm::event::KeyCode;
use mongodb::bson::{Document, doc};
use tenantscope::store::Access;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("masking")
}

/// A user (id, tenant, email, full name) and an activity whose document names an object
/// (id, a value of its document's body, a line of its object's text).
struct Sample {
    user: Uuid,
    email: String,
    full_name: String,
    tenant: Uuid,
    activity: Uuid,
    document_secret: String,
    object_text: String,
    /// The object's whole text (its lines also appear in rows: the generator reuses
    /// its corpus).
    object_body: String,
}

async fn sample(s: &Seeded) -> Sample {
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (user, tenant, email, full_name): (Uuid, Uuid, String, String) = sqlx::query_as(
        "select id, tenant_id, email, full_name from users where tenant_id = \
         (select id from tenants order by slug limit 1) order by id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let outputs = s
        .stores
        .mongo()
        .await
        .collection::<Document>("activity_outputs");
    let s3 = s.stores.s3().await;
    // The seed breaks some references on purpose: the first output whose object exists
    // and that an activity names.
    let mut candidates = outputs
        .find(
            doc! { "tenantId": tenant.to_string(), "s3Key": { "$exists": true },
            "contentType": "text/markdown; charset=utf-8" },
        )
        .limit(50)
        .await
        .unwrap();
    use futures::TryStreamExt;
    let (document, activity, text) = loop {
        let document = candidates
            .try_next()
            .await
            .unwrap()
            .expect("a usable output");
        let oid = document.get_object_id("_id").unwrap().to_hex();
        let Some(activity): Option<Uuid> =
            sqlx::query_scalar("select id from activities where output_ref = $1 limit 1")
                .bind(&oid)
                .fetch_optional(&pg)
                .await
                .unwrap()
        else {
            continue;
        };
        let Ok(object) = s3
            .get_object()
            .bucket(&s.stores.bucket)
            .key(document.get_str("s3Key").unwrap())
            .send()
            .await
        else {
            continue;
        };
        let bytes = object.body.collect().await.unwrap().into_bytes();
        break (
            document,
            activity,
            String::from_utf8(bytes.to_vec()).unwrap(),
        );
    };
    // The longest line's middle: text the object alone holds (titles are reused).
    let longest = text.lines().map(str::trim).max_by_key(|l| l.len()).unwrap();
    let object_text: String = longest.chars().skip(10).take(40).collect();
    assert!(object_text.len() >= 30, "{longest:?}");
    Sample {
        user,
        email,
        full_name,
        tenant,
        activity,
        document_secret: document.get_str("sha256").unwrap().to_string(),
        object_text,
        object_body: text,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn config(masks: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tenantscope-masking-{}-{}",
        std::process::id(),
        masks.replace(['"', ',', ' '], "")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, format!("[profile.support]\nmask = [{masks}]\n")).unwrap();
    path
}

fn tenantscope(s: &Seeded, config: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantscope"))
        .args(["--pg", &s.stores.pg_url, "--mongo", &s.stores.mongo_uri])
        .args(["--bucket", &s.stores.bucket])
        .arg("--config")
        .arg(config)
        .args(["--profile", "support"])
        .args(args)
        .env_remove("TENANTSCOPE_PROFILE")
        .output()
        .expect("run the binary");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn absent(haystack: &[u8], needle: &str, what: &str) {
    assert!(
        !haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes()),
        "{needle:?} found in {what}"
    );
}

fn present(haystack: &str, needle: &str, what: &str) {
    assert!(
        haystack.contains(needle),
        "{needle:?} not in {what}:\n{haystack}"
    );
}

#[tokio::test]
async fn the_command_line_masks_pii_and_content_in_every_output() {
    let s = seeded();
    let x = sample(s).await;
    let none = config("");
    let pii = config("\"pii\"");
    let content = config("\"content\"");

    // Unmasked first: the values are there, so their absence below means something.
    let run = tenantscope(s, &none, &["get", &x.user.to_string(), "--json"]);
    present(&run.stdout, &x.email, "get unmasked");
    let run = tenantscope(
        s,
        &none,
        &["get", &x.activity.to_string(), "--json", "--content"],
    );
    present(&run.stdout, &x.document_secret, "get unmasked");
    present(&run.stdout, &x.object_text, "get unmasked");

    for args in [
        vec!["get", &x.user.to_string(), "--json"],
        vec!["get", &x.user.to_string()],
        vec!["path", &x.user.to_string(), "--json"],
        vec![
            "tree",
            "--tenant",
            &x.tenant.to_string(),
            "--json",
            "--depth",
            "1",
        ],
        vec!["tree", "--tenant", &x.tenant.to_string(), "--depth", "1"],
    ]
    .iter()
    .map(|a| a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = tenantscope(s, &pii, &args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        absent(run.stdout.as_bytes(), &x.email, &format!("{args:?}"));
        absent(run.stdout.as_bytes(), &x.full_name, &format!("{args:?}"));
        present(&run.stdout, "•••• ", &format!("{args:?}"));
    }
    for args in [
        vec!["get", &x.activity.to_string(), "--json", "--content"],
        vec!["get", &x.activity.to_string(), "--content"],
    ]
    .iter()
    .map(|a| a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = tenantscope(s, &content, &args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        absent(
            run.stdout.as_bytes(),
            &x.document_secret,
            &format!("{args:?}"),
        );
        absent(run.stdout.as_bytes(), &x.object_text, &format!("{args:?}"));
        // Ids, keys and sizes stay.
        present(&run.stdout, "s3Key", &format!("{args:?}"));
    }
    // An unknown mask is refused.
    let bad = config("\"everything\"");
    let run = tenantscope(s, &bad, &["get", &x.user.to_string()]);
    assert_eq!(run.code, 2);
    present(&run.stderr, "unknown mask", "stderr");
}

#[tokio::test]
async fn a_masked_profiles_snapshot_file_holds_no_masked_value() {
    let s = seeded();
    let x = sample(s).await;
    let both = config("\"pii\", \"content\"");
    let dir = std::env::temp_dir().join(format!("tenantscope-masked-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("masked.tsnap");
    let _ = std::fs::remove_file(&file);
    let run = tenantscope(
        s,
        &both,
        &[
            "snapshot",
            "--tenant",
            &x.tenant.to_string(),
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let bytes = std::fs::read(&file).unwrap();
    for secret in [&x.email, &x.full_name, &x.document_secret, &x.object_body] {
        absent(&bytes, secret, "the snapshot file");
    }
    // Its header says which masks made it so, and whose it is.
    let snapshot = tenantscope::store::snapshot::Snapshot::open(&file)
        .await
        .unwrap();
    assert_eq!(snapshot.header.masks, vec!["pii", "content"]);
    assert_eq!(snapshot.scope.as_ref().map(|s| s.id()), Some(x.tenant));
    // An object's body says why it is not there.
    let file_db = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", file.display()))
        .await
        .unwrap();
    let key: String = sqlx::query_scalar("select key from objects limit 1")
        .fetch_one(&file_db)
        .await
        .unwrap();
    file_db.close().await;
    let head = snapshot.object_head(&key, 1024).await.unwrap().unwrap();
    assert!(head.bytes.is_empty());
    present(
        head.meta.content_type.as_deref().unwrap_or_default(),
        "masked (mask = content) when the snapshot was taken",
        "the object's content type",
    );
    // The user's row is there (masked), by its id.
    assert!(
        bytes
            .windows(36)
            .any(|w| w == x.user.to_string().as_bytes()),
        "the user's row is missing from the snapshot"
    );
}

#[tokio::test]
async fn the_explorer_masks_panes_copy_and_exports() {
    let s = seeded();
    let x = sample(s).await;
    tenantscope::mask::install(
        tenantscope::mask::Masks::parse(&["pii".into(), "content".into()]).unwrap(),
    )
    .unwrap();
    // Installed once: it cannot be changed in the session.
    assert!(tenantscope::mask::install(tenantscope::mask::Masks::parse(&[]).unwrap()).is_err());
    let mut ui = Ui::open(&s.stores).await;
    let dir = std::env::temp_dir().join(format!("tenantscope-masked-ui-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    ui.driver.app.save_dir = dir.clone();
    let title = ui.screen().lines().next().unwrap().to_string();
    present(&title, "masked: pii, content", "the title line");

    ui.palette(&x.user.to_string()).await;
    let screen = ui.screen();
    present(&screen, "•••• ", "the screen");
    absent(screen.as_bytes(), &x.email, "the screen");
    absent(screen.as_bytes(), &x.full_name, "the screen");
    for what in ['r', 'p'] {
        ui.key(KeyCode::Char('y')).await;
        ui.key(KeyCode::Char(what)).await;
    }
    ui.key(KeyCode::Char('e')).await;
    ui.key(KeyCode::Char('j')).await;

    ui.palette(&x.activity.to_string()).await;
    for pane in ['2', '3'] {
        ui.key(KeyCode::Char(pane)).await;
        let screen = ui.screen();
        absent(screen.as_bytes(), &x.document_secret[..16], "the screen");
        absent(screen.as_bytes(), &x.object_text, "the screen");
    }
    present(&ui.screen(), "content masked", "the content pane");
    for what in ['d', 'c'] {
        ui.key(KeyCode::Char('y')).await;
        ui.key(KeyCode::Char(what)).await;
    }
    ui.key(KeyCode::Char('e')).await;
    ui.key(KeyCode::Char('m')).await;

    let copied = std::mem::take(&mut ui.driver.terminal_out);
    assert!(copied.len() >= 3, "{} copies", copied.len());
    for bytes in &copied {
        absent(bytes, &x.email, "OSC 52 bytes");
        // The clipboard text itself, decoded.
        let text = std::str::from_utf8(bytes).unwrap();
        let payload = text
            .trim_start_matches("\x1b]52;c;")
            .trim_end_matches('\x07');
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .unwrap();
        for secret in [&x.email, &x.full_name, &x.document_secret, &x.object_text] {
            absent(&decoded, secret, "the copied text");
        }
    }
    let mut files = 0;
    for path in common::ui::exported_files(&dir, 2).await {
        let bytes = std::fs::read(path).unwrap();
        files += 1;
        for secret in [&x.email, &x.full_name, &x.document_secret, &x.object_text] {
            absent(&bytes, secret, "an export file");
        }
    }
    assert_eq!(files, 2);
}
