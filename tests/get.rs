//! `tenantscope get` and `tenantscope path`, the binary run as a script runs it, against
//! the real seeded stores: stable output, JSON that parses, exit statuses 0, 1 and 2.

mod common;

use std::process::Command;

use common::cli::tenantscope;
use common::ui::{table, tree_path};
use common::{Seeded, seeded_once};
use tenantscope::store::Access;
use uuid::Uuid;

fn seeded() -> &'static Seeded {
    seeded_once("get")
}

#[tokio::test]
async fn path_prints_the_ancestry_one_level_per_line() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let call: Uuid = sqlx::query_scalar(
        "select c.id from tool_calls c join activity_runs r on r.id = c.activity_run_id
         join activities a on a.id = r.activity_id where a.parent_activity_id is not null
         order by c.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let expected: Vec<String> = tree_path(&pg, table("tool_calls"), call)
        .await
        .into_iter()
        .filter(|node| !node.starts_with('#'))
        .map(|node| node.replacen(':', "/", 1))
        .collect();
    let run = tenantscope(&s.stores, &["path", &call.to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let printed: Vec<String> = run
        .stdout
        .lines()
        .map(|l| l.trim_start().split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(printed, expected);
    // Each level is indented two spaces more than its parent.
    for (depth, line) in run.stdout.lines().enumerate() {
        assert!(line.starts_with(&"  ".repeat(depth)), "{line:?}");
    }
    let run = tenantscope(&s.stores, &["path", &call.to_string(), "--json"]);
    let steps: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<String> = steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}/{}",
                s["table"].as_str().unwrap(),
                s["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(steps[0]["via"], serde_json::Value::Null);
    assert_eq!(
        steps.as_array().unwrap().last().unwrap()["via"],
        "activity_run_id"
    );
}

#[tokio::test]
async fn get_resolves_every_reference_of_a_row_a_document_or_a_key() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let broken: Vec<&str> = s
        .report
        .broken
        .iter()
        .flat_map(|b| [b.location.as_str(), b.reference.as_str()])
        .collect();
    let activities: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, output_ref from activities where output_ref is not null order by id limit 100",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let (activity, output_ref) = activities
        .into_iter()
        .find(|(id, r)| {
            !broken
                .iter()
                .any(|b| b.contains(r.as_str()) || *b == format!("activities/{id}"))
        })
        .unwrap();
    let run = tenantscope(&s.stores, &["get", &activity.to_string(), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(got["table"], "activities");
    assert_eq!(got["row"]["output_ref"], output_ref.as_str());
    let states: Vec<&str> = got["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["resolved", "resolved"]);
    assert_eq!(
        got["documents"][0]["document"]["_id"]["$oid"],
        output_ref.as_str()
    );
    let key = got["content"]["key"].as_str().unwrap().to_string();
    assert!(
        got["content"].get("text").is_none(),
        "text only with --content"
    );

    // The document's ObjectId and the object's key lead to the same row.
    for clue in [output_ref.clone(), key.clone()] {
        let run = tenantscope(&s.stores, &["get", &clue, "--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let got: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(got["id"], activity.to_string().as_str(), "{clue}");
    }
    // --content: the whole object, byte for byte.
    let object = s
        .stores
        .s3()
        .await
        .get_object()
        .bucket(&s.stores.bucket)
        .key(&key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    let run = tenantscope(&s.stores, &["get", &key, "--json", "--content"]);
    let got: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        got["content"]["text"].as_str().unwrap().as_bytes(),
        object.as_ref()
    );
    // Text: the row's columns, the chain, the document, the object.
    let run = tenantscope(&s.stores, &["get", &activity.to_string()]);
    assert!(run.stdout.starts_with(&format!("activities/{activity}\n")));
    assert!(run.stdout.contains("  output_ref"));
    assert!(run.stdout.contains(&format!(
        "activities.output_ref → activity_outputs/{output_ref}: resolved"
    )));
    assert!(run.stdout.contains(&format!("object {key} (")));
}

#[tokio::test]
async fn a_dangling_reference_is_reported_as_not_found_in_the_chain() {
    let s = seeded();
    let missing = s
        .report
        .broken
        .iter()
        .find(|b| b.location.starts_with("tool_calls/"))
        .expect("a tool call with a missing log");
    let id = missing.location.trim_start_matches("tool_calls/");
    let run = tenantscope(&s.stores, &["get", id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "tool_calls.log_ref → tool_call_logs/{}: not found (dangling)",
            missing.reference
        )),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn not_found_exits_1_and_says_where_it_looked_and_no_store_exits_2() {
    let s = seeded();
    let run = tenantscope(&s.stores, &["get", &Uuid::new_v4().to_string()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("not found; looked in the primary keys of 31"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    let run = tenantscope(&s.stores, &["path", "no/such/key.md"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("contracts.pdf_s3_key"),
        "{}",
        run.stderr
    );

    let out = Command::new(env!("CARGO_BIN_EXE_tenantscope"))
        .args(["get", "x"])
        .env_remove("TENANTSCOPE_PG")
        .env_remove("TENANTSCOPE_MONGO")
        .env_remove("TENANTSCOPE_BUCKET")
        .env_remove("TENANTSCOPE_CONFIG")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("tenantscope-no-config"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no store configured"), "{stderr}");
}

#[tokio::test]
async fn typed_json_other_buckets_and_a_closed_pipe() {
    let s = seeded();
    let pg = s.stores.pg(Access::ReadOnly).await;
    let (call, key): (Uuid, String) = sqlx::query_as(
        "select t.id, c.pdf_s3_key from tool_calls t, contracts c order by t.id, c.id limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    // Numbers stay numbers.
    let run = tenantscope(&s.stores, &["get", &call.to_string(), "--json"]);
    let got: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(got["row"]["latency_ms"].is_number(), "{}", got["row"]);
    assert!(got["row"]["tool_name"].is_string());
    // Another bucket's key is not ours.
    let run = tenantscope(&s.stores, &["get", &format!("s3://another-bucket/{key}")]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("names bucket another-bucket"),
        "{}",
        run.stderr
    );
    let run = tenantscope(
        &s.stores,
        &["get", &format!("s3://{}/{key}", s.stores.bucket)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A reader that stops early (| head -1) ends the output without a panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantscope"))
        .args(["--pg", &s.stores.pg_url, "--mongo", &s.stores.mongo_uri])
        .args(["--bucket", &s.stores.bucket, "get", &call.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101));
}
